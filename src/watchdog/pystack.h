/* Private: the Python stacks of the process's threads, from CPython's own dump of them
 * (_Py_DumpTracebackThreads, the routine behind faulthandler), taken in a short-lived copy of
 * the process, killed when the report's budget for it runs out. Watchdog thread only. */
#ifndef SW_PYSTACK_H
#define SW_PYSTACK_H

#include <stdbool.h>

#include "watchdog/modmap.h"
#include "core/pyparse.h"

enum sw_py_status {
    SW_PY_NONE,    /* no CPython in the process, or no interpreter running: nothing to say */
    SW_PY_OK,      /* every Python thread's stack is in the dump */
    SW_PY_PARTIAL, /* the dump stopped early (deadline, fault): the threads it has are right,
                    * the note says why others may be missing */
    SW_PY_FAILED,  /* there is an interpreter, but its stacks could not be had: see the note */
};

/* Whether a CPython interpreter we can dump was found in one of the modules. */
bool sw_pystack_present(void);

/* Looks for the interpreter's dump function in the modules of map that are new since the last
 * call (reading their dynamic symbol tables from memory: never dlsym), then, if there is one,
 * has a copy of the process write every Python thread's stack into a memory file, waiting for
 * it until deadline_ns (CLOCK_MONOTONIC; 0: no limit), and parses that into *dump, which stays
 * valid until the next call. *note says why on SW_PY_PARTIAL and SW_PY_FAILED. map must be
 * current: a module that went away must not be called. */
enum sw_py_status sw_pystack_dump(const struct sw_modmap *map, uint64_t deadline_ns,
                                  const struct sw_py_dump **dump, const char **note);

#endif
