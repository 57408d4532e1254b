/* The library's entry and exit: the constructor reads the settings, installs the capture
 * handler and arranges for the watching (the main thread's slot, the watchdog thread) to start
 * at the process's first call of interest; the destructor lets an in-flight report finish
 * before the libraries it uses are finalized; the fork handlers rebuild the shim's state in a
 * child. Runs on the thread that loads the library (the main thread, before main), at exit,
 * in fork handlers, and (the start of the watching) inside a wrapper on any thread.
 *
 * Our own trouble never stops the program: any step that fails says so once on stderr and
 * the shim goes passive (wrappers keep passing calls through, nothing is watched). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "hook/api.h"
#include "core/buf.h"
#include "hook/capture.h"
#include "hook/ownthread.h"
#include "core/config.h"
#include "core/large.h"
#include "watchdog/errout.h"
#include "watchdog/output.h"
#include "watchdog/ownfd.h"
#include "watchdog/reports.h"
#include "hook/real.h"
#include "hook/registry.h"
#include "watchdog/symclient.h"
#include "watchdog/watchdog.h"

extern char **environ;

SW_EARLY static struct sw_config config;
static bool active;

static void diag_to_stderr(void *ctx, const char *line)
{
    (void)ctx;
    sw_output_stderr_line(line);
}

static void go_passive(const char *what, int err)
{
    char line[256];
    struct sw_buf b;
    sw_buf_init(&b, line, sizeof line);
    sw_buf_puts(&b, "stallwatch: ");
    sw_buf_puts(&b, what);
    if (err != 0) {
        sw_buf_puts(&b, ": ");
        sw_buf_puts(&b, strerrordesc_np(err) != NULL ? strerrordesc_np(err) : "unknown error");
    }
    sw_buf_puts(&b, "; not watching this process");
    sw_output_stderr_line(line);
    sw_registry_go_passive();
    active = false;
}

/* The classes whose calls start the watching: those that can be reported at the settings
 * (locks always: deadlocks are reported whatever STALLWATCH_LOCK says), and calls on a
 * descriptor when peer waits are on; not file-system calls (DISK, and open's PATH) nor, with
 * peer waits off, descriptor calls, which a process that execs or exits at once makes too
 * (see aged_classes). */
static uint32_t start_classes(void)
{
    uint32_t m = 1u << SW_CLASS_LOCK;
    for (int c = SW_CLASS_PEER; c < SW_CLASS_COUNT; c++)
        if (config.class_ns[c] != 0)
            m |= 1u << c;
    if (config.class_ns[SW_CLASS_PEER] != 0)
        m |= 1u << SW_CLASS_FD;
    return m;
}

/* File-system and descriptor calls start it too, from SW_START_AGE_NS after the first one
 * (hook/registry.h): git's helpers, shells and build tools read and write a little and are
 * gone within that. */
static uint32_t aged_classes(void)
{
    bool on = config.class_ns[SW_CLASS_DISK] != 0 || config.class_ns[SW_CLASS_PEER] != 0;
    return on ? (1u << SW_CLASS_DISK) | (1u << SW_CLASS_PATH) | (1u << SW_CLASS_FD) : 0;
}

static void starts_the_rest(void);

/* The same in a fork child of a process that watched, or that had begun to: forked while the
 * parent's start was under way, the child starts all of it. */
static void child_starts_watching(void)
{
    sw_registry_settle_child();
    if (!sw_watchdog_configured()) {
        starts_the_rest();
        return;
    }
    sw_errout_start();
    sw_watchdog_start_in_child();
}

/* Around every fork of a process that watches (installed when it starts): a few atomic
 * operations, so that no descriptor of ours is being opened at the fork and the child knows
 * every one of ours and closes it. A child of a process that never watched is that process
 * again, and starts watching as the parent would have. */
static _Atomic bool fork_handlers_in; /* registered in this process */

static void before_fork(void)
{
    sw_ownfd_fork_prepare();
}

static void after_fork_parent(void)
{
    sw_ownfd_fork_parent();
}

/* A few stores and the closing of our descriptors. */
static void after_fork_child(void)
{
    atomic_store(&fork_handlers_in, true);
    sw_ownfd_fork_child();
    if (!active)
        return;
    sw_capture_start();
    sw_symclient_after_fork_child();
    sw_output_after_fork_child();
    sw_watchdog_after_fork_child();
    sw_registry_after_fork_child(child_starts_watching, start_classes(), aged_classes());
}

/* Our thread steps aside for a program's set*id call (hook/wrap_creds.c) and comes back
 * after it; if it cannot, the process is no longer watched, and says so. */
static void watchdog_back(void)
{
    int r = sw_watchdog_come_back();
    if (r != 0)
        go_passive("cannot start the watchdog thread again after a change of credentials", -r);
}

static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;
static int fork_handlers_err;

/* Once per process. A child forked while they were being installed repeats the once (glibc
 * restarts a once interrupted by a fork), and installs them unless its own child handler ran,
 * which says they are there. */
static void install_fork_handlers(void)
{
    if (atomic_load(&fork_handlers_in))
        return;
    fork_handlers_err = pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    if (fork_handlers_err == 0)
        atomic_store(&fork_handlers_in, true);
}

/* Before the start is claimed (hook/registry.h), so that a fork on another thread from then
 * on runs them: a process that never watched runs no code of ours at a fork (in a child, even
 * reading code of ours costs a page fault). */
static void prepares_watching(void)
{
    sw_real_ensure();
    pthread_once(&fork_handlers_once, install_fork_handlers);
}

/* The process's watching, started by its first interposed call that could be reported, its
 * first API call or thread creation (hook/registry.h) rather than by the constructor: a
 * process that execs or exits at once (shells, build systems, git) never has a second
 * thread, so its forks stay single-threaded forks. Any thread, inside a wrapper. */
static void starts_watching(void)
{
    if (fork_handlers_err != 0) {
        go_passive("cannot install the fork handler", fork_handlers_err);
        return;
    }
    starts_the_rest();
}

/* All of the start but the fork handlers: in the parent, and in a child forked while the
 * parent's start was under way. */
static void starts_the_rest(void)
{
    /* Under this process's pid (a fork child of a process that never watched is one too). */
    sw_capture_start();
    sw_errout_start();
    sw_output_init(&config);
    /* Before the thread exists: a set*id call on another thread may come at once. */
    sw_own_threads_register(sw_watchdog_step_aside, watchdog_back);
    int r = sw_watchdog_start(&config);
    if (r != 0)
        go_passive("cannot start the watchdog thread", -r);
}

__attribute__((constructor)) static void sw_preload_init(void)
{
    int saved = errno;
    sw_real_early();
    sw_config_parse(&config, environ, program_invocation_short_name, diag_to_stderr, NULL);
    if (getauxval(AT_SECURE))
        sw_config_secure(&config, diag_to_stderr, NULL);
    /* secure_getenv: in secure-execution mode the environment is a less privileged user's,
     * who must not choose where our files go. */
    sw_errout_init(config.ident, secure_getenv("XDG_RUNTIME_DIR"));
    if (config.disabled) {
        sw_registry_go_passive();
        goto out;
    }
    active = true;
    int r = sw_registry_init();
    if (r != 0) {
        go_passive("cannot create the thread-exit key", -r);
        goto out;
    }
    sw_reports_identify();
    r = sw_capture_init();
    if (r != 0)
        sw_output_stderr_line("stallwatch: no free real-time signal for stack capture; stacks "
                              "will be read from /proc");
    sw_api_init(config.threshold_ns);
    sw_symclient_init(&config);
    sw_registry_set_prepare(prepares_watching);
    sw_registry_defer_start(starts_watching, start_classes(), aged_classes());
    /* Busy and heartbeat threads are judged with no call at all: such settings are a request
     * to watch the process from its start. So is a thread created in an earlier library
     * constructor: the process is multi-threaded already, and that thread may never make a
     * call that would start the watching. */
    if (config.class_ns[SW_CLASS_BUSY] != 0 || config.heartbeat.n != 0 ||
        sw_registry_claimed_early())
        sw_registry_self();
out:
    errno = saved;
}

__attribute__((destructor)) static void sw_preload_fini(void)
{
    if (active)
        sw_watchdog_quiesce();
}
