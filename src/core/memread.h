/* Private: reading another address space (our own through process_vm_readv, a traced or
 * watched process the same way) as the pure readers of core/ see it: a callback, so a read
 * that fails (a freed lock, an unmapped page) is an answer, never a fault. Any context. */
#ifndef SW_MEMREAD_H
#define SW_MEMREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sw_memread {
    /* Copies len bytes at addr into buf; returns how many were copied (< len: the rest is not
     * readable), or -1. */
    ssize_t (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    void *ctx;
};

/* Whether all len bytes at addr were read. */
static inline int sw_mem_get(const struct sw_memread *m, uint64_t addr, void *buf, size_t len)
{
    return m->read(m->ctx, addr, buf, len) == (ssize_t)len;
}

#endif
