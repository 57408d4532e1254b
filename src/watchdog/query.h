/* Private: what a name-service lookup asks for, read from the struct sw_query its wrapper
 * keeps on the waiting thread's stack (core/calls.h), as one line of text. Watchdog only;
 * every read goes through process_vm_readv, so a lookup that just returned yields an error,
 * never a fault. */
#ifndef SW_QUERY_H
#define SW_QUERY_H

#include <stddef.h>
#include <stdint.h>

/* The query at addr as text: "db.example.com", "db.example.com:5432" (host and service),
 * "10.0.0.7" (an address looked up), "1000" (a uid or gid). 0 or -errno. */
int sw_query_text(uintptr_t addr, char *out, size_t cap);

#endif
