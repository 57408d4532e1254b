/* Private: parsing the text CPython's _Py_DumpTracebackThreads writes (the dump behind
 * faulthandler) into each Python thread's frames. Pure: no allocation, no locks, no errno; the
 * text is parsed in place. Runs on the symbolizer thread (pystack.c) and in unit tests.
 *
 * The text, for each thread of the interpreter (at most 100, then a line "..."):
 *
 *     Thread 0x00007f5e2c1fe6c0 (most recent call first):
 *       File "/srv/app/worker.py", line 12 in wait_for_config
 *       File "/srv/app/worker.py", line 30 in <module>
 *
 * "Current thread" instead of "Thread" for the dumping thread; the number is the thread's
 * pthread_t. Frames come innermost first, at most 100 (then "  ..."). A thread without Python
 * frames has "  <no Python frame>"; the dumping thread may have "  Garbage-collecting".
 * Names and files longer than 500 characters end with "..."; characters outside printable
 * ASCII are written \xNN, \uNNNN or \UNNNNNNNN; an unknown name, file or line is "???". */
#ifndef SW_PYPARSE_H
#define SW_PYPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/report.h"

/* CPython dumps at most 100 threads of at most 100 frames each. */
#define SW_PY_THREADS_MAX 128
#define SW_PY_FRAMES_MAX  10240 /* frames of all threads together */

struct sw_py_thread {
    uint64_t id;                      /* pthread_t from the header */
    const struct sw_py_frame *frames; /* innermost first; points into sw_py_dump.frames */
    unsigned nframes;
    bool cut; /* it had more frames than were kept: CPython's limit, or ours */
};

struct sw_py_dump {
    struct sw_py_thread threads[SW_PY_THREADS_MAX];
    unsigned nthreads;
    struct sw_py_frame frames[SW_PY_FRAMES_MAX];
    unsigned nframes;
    bool more_threads; /* threads were left out: CPython's limit, or ours */
};

/* Parses text[0..len) into d. The text is modified: strings are NUL-terminated and unescaped
 * (to UTF-8) where they lie, so d's strings point into it and live as long as it does. Any
 * input is accepted: a line that is not part of the format is skipped and ends the thread it
 * follows (frames after it belong to no thread until the next header), a frame line that
 * cannot be read is skipped, and a last line without its newline (the text was cut) is
 * ignored. A thread id seen twice keeps its first stack. */
void sw_pyparse(char *text, size_t len, struct sw_py_dump *d);

/* The thread whose header carried id, or NULL. */
const struct sw_py_thread *sw_pyparse_find(const struct sw_py_dump *d, uint64_t id);

#endif
