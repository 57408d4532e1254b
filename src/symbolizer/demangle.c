/* C++ demangling with libiberty's cplus_demangle_v3_callback. The symbolizer program and the command. */
#include "symbolizer/demangle.h"

#include <stdbool.h>
#include <string.h>

#include <libiberty/demangle.h>

struct sink {
    char *out;
    size_t cap, len;
    bool overflow;
};

static void append(const char *s, size_t n, void *opaque)
{
    struct sink *k = opaque;
    if (k->overflow || k->len + n + 1 > k->cap) {
        k->overflow = true;
        return;
    }
    memcpy(k->out + k->len, s, n);
    k->len += n;
    k->out[k->len] = '\0';
}

const char *sw_demangle(const char *name, char *out, size_t cap)
{
    if (name == NULL || name[0] != '_' || name[1] != 'Z' || cap == 0)
        return NULL;
    struct sink k = {out, cap, 0, false};
    out[0] = '\0';
    /* The options __cxa_demangle passes. */
    if (!cplus_demangle_v3_callback(name, DMGL_PARAMS | DMGL_TYPES, append, &k) || k.overflow)
        return NULL;
    return out;
}
