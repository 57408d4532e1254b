/* Fingerprints and wait-for cycles. Pure; watchdog thread and unit tests. */
#include "core/diagnose.h"

#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return (h ^ 0xff) * FNV_PRIME; /* a separator no name contains */
}

bool sw_runtime_module(const char *path)
{
    if (path == NULL)
        return false;
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
           strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "libpthread", 10) == 0;
}

bool sw_call_is_rwlock(enum sw_call c)
{
    return c >= SW_CALL_PTHREAD_RWLOCK_RDLOCK && c <= SW_CALL_PTHREAD_RWLOCK_CLOCKWRLOCK;
}

bool sw_call_is_join(enum sw_call c)
{
    return c == SW_CALL_PTHREAD_JOIN || c == SW_CALL_PTHREAD_TIMEDJOIN_NP ||
           c == SW_CALL_PTHREAD_CLOCKJOIN_NP || c == SW_CALL_THRD_JOIN;
}

bool sw_futex_is_lock(const struct sw_thread_report *t, enum sw_call lib)
{
    if (lib == SW_CALL_NONE || sw_call_is_join(lib) || sw_call_is_rwlock(lib) ||
        sw_calls[lib].cls == SW_CLASS_LOCK)
        return true;
    for (unsigned i = 0; i < t->nframes && sw_runtime_module(t->frames[i].module); i++) {
        const char *fn = t->frames[i].function;
        if (fn != NULL &&
            (strstr(fn, "mutex_cond_lock") != NULL || strstr(fn, "lll_lock_wait") != NULL))
            return true;
    }
    return false;
}

bool sw_loader_module(const char *path)
{
    if (path == NULL)
        return false;
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    return strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld.so", 5) == 0;
}

/* A frame without a name (raw: no symbolizer, or no symbols) stands for its place: the
 * module's file name and the offset, "abba+0x1235". */
static uint64_t fnv_place(uint64_t h, const struct sw_frame *f)
{
    const char *base = strrchr(f->module, '/');
    char off[2 + 16 + 1] = "+0";
    unsigned n = 0;
    char digits[16];
    uint64_t v = f->offset;
    do
        digits[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    off[1] = 'x';
    for (unsigned i = 0; i < n; i++)
        off[2 + i] = digits[n - 1 - i];
    off[2 + n] = '\0';
    h = fnv(h, base != NULL ? base + 1 : f->module);
    return fnv(h, off);
}

uint64_t sw_fingerprint(const char *call, const struct sw_frame *frames, unsigned n)
{
    /* Names when the program's frames have any; places when none has (a raw stack). */
    bool named = false;
    for (unsigned i = 0; i < n && !named; i++)
        named = frames[i].function != NULL && !sw_runtime_module(frames[i].module);
    uint64_t h = fnv(FNV_OFFSET, call != NULL ? call : "");
    for (unsigned i = 0; i < n; i++) {
        const struct sw_frame *f = &frames[i];
        if (f->inlined || sw_runtime_module(f->module))
            continue;
        if (f->function != NULL)
            h = fnv(h, f->function);
        else if (!named && f->module != NULL)
            h = fnv_place(h, f);
    }
    return h != 0 ? h : 1;
}

uint64_t sw_fingerprint_thread(const struct sw_thread_report *t)
{
    uint64_t h = sw_fingerprint(t->call, t->frames, t->frames != NULL ? t->nframes : 0);
    if (t->python_frames == NULL || t->npython_frames == 0)
        return h;
    h = fnv(h, "\001python"); /* no function name starts with a control byte */
    for (unsigned i = 0; i < t->npython_frames; i++)
        if (t->python_frames[i].function != NULL)
            h = fnv(h, t->python_frames[i].function);
    return h != 0 ? h : 1;
}

uint64_t sw_fingerprint_combine(const uint64_t *fps, unsigned n)
{
    /* Sum and xor of mixed values: both are order-independent; mixing first keeps equal
     * members from cancelling out. */
    uint64_t sum = 0, x = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = fps[i] * 0x9e3779b97f4a7c15ull;
        v ^= v >> 29;
        sum += v;
        x ^= v * FNV_PRIME;
    }
    uint64_t h = (sum ^ (x >> 1)) * FNV_PRIME;
    return h != 0 ? h : 1;
}

void sw_fingerprint_hex(uint64_t fp, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = hex[fp & 15];
        fp >>= 4;
    }
    out[16] = '\0';
}

unsigned sw_find_cycle(const int *next, unsigned n, unsigned start, unsigned *cycle, unsigned max)
{
    /* Walk at most n steps: a path that has not returned to start by then never will. */
    unsigned len = 0, cur = start;
    for (unsigned steps = 0; steps < n; steps++) {
        if (len < max)
            cycle[len] = cur;
        len++;
        int nx = next[cur];
        if (nx < 0 || (unsigned)nx >= n)
            return 0;
        if ((unsigned)nx == start)
            return len <= max ? len : 0;
        cur = (unsigned)nx;
    }
    return 0;
}
