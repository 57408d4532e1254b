/* A malloc that takes a pthread mutex on every call, as jemalloc and tcmalloc do: preloaded
 * after the shim, it makes any allocation the shim's own set-up causes (a failed dlsym's
 * error message) come back into the shim's pthread_mutex_lock wrapper. */
#include <pthread.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define LOCKED(expr)                                                                               \
    do {                                                                                           \
        pthread_mutex_lock(&lock);                                                                 \
        expr;                                                                                      \
        pthread_mutex_unlock(&lock);                                                               \
    } while (0)

void *malloc(size_t n)
{
    void *p;
    LOCKED(p = __libc_malloc(n));
    return p;
}

void *calloc(size_t k, size_t n)
{
    void *p;
    LOCKED(p = __libc_calloc(k, n));
    return p;
}

void *realloc(void *old, size_t n)
{
    void *p;
    LOCKED(p = __libc_realloc(old, n));
    return p;
}

void *memalign(size_t align, size_t n)
{
    void *p;
    LOCKED(p = __libc_memalign(align, n));
    return p;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void free(void *p)
{
    LOCKED(__libc_free(p));
}
