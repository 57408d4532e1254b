/* Private: job-wide dumps through STALLWATCH_JOB_DIR, a directory every process of a parallel
 * job reaches. A process whose collective stalls drops a request there; every process of the
 * job looks for new requests at most once a second (one stat of the directory) and answers
 * each once with a `dump` report of every thread, so the late rank's stack is on record too.
 * Watchdog thread only. */
#ifndef SW_JOBDIR_H
#define SW_JOBDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/launcher.h"
#include "core/report.h"

/* At start: active when cfg names a directory and the process belongs to a job. */
void sw_jobdir_init(const struct sw_config *cfg, const struct sw_job *job);

/* After a stall report whose subject t waits in a collective: a request for a job-wide dump,
 * named after the job, the communicator, the collective's number and call (made once: the
 * other ranks waiting in the same collective find it made). */
void sw_jobdir_request(const struct sw_thread_report *t);

/* Whether a request not yet answered by this process is in the directory (at most one look a
 * second, now_ns on CLOCK_MONOTONIC); its name into out (cap bytes), marked answered. */
bool sw_jobdir_poll(uint64_t now_ns, char *out, size_t cap);

#endif
