/* The library's entry and exit: the constructor reads the settings, registers the main
 * thread, installs the capture handler and starts the watchdog; the destructor lets an
 * in-flight report finish before the libraries it uses are finalized; the fork handler
 * rebuilds the shim's state in a child. Runs on the thread that loads the library (the main
 * thread, before main), at exit, and in fork children.
 *
 * Our own trouble never stops the program: any step that fails says so once on stderr and
 * the shim goes passive (wrappers keep passing calls through, nothing is watched). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "hook/api.h"
#include "core/buf.h"
#include "hook/capture.h"
#include "core/config.h"
#include "watchdog/errout.h"
#include "watchdog/output.h"
#include "watchdog/ownfd.h"
#include "hook/real.h"
#include "hook/registry.h"
#include "watchdog/symclient.h"
#include "watchdog/watchdog.h"

extern char **environ;

static struct sw_config config;
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

/* The fork child's watching, started by its first interposed call, API call or thread
 * creation rather than by the fork: a child that execs or exits at once (shells, build
 * systems, git) pays nothing but the handler below. */
static void child_starts_watching(void)
{
    sw_registry_settle_child();
    sw_errout_after_fork_child();
    sw_watchdog_start_in_child();
}

/* Around every fork of the program (a few atomic operations): no descriptor of ours is
 * being opened at the fork, so the child knows every one of ours and closes it. */
static void before_fork(void)
{
    sw_ownfd_fork_prepare();
}

static void after_fork_parent(void)
{
    sw_ownfd_fork_parent();
}

/* A few stores and the closing of our descriptors: every fork of the program pays for it. */
static void after_fork_child(void)
{
    sw_ownfd_fork_child();
    if (!active)
        return;
    sw_capture_after_fork_child();
    sw_symclient_after_fork_child();
    sw_output_after_fork_child();
    sw_watchdog_after_fork_child();
    sw_registry_after_fork_child(child_starts_watching);
}

__attribute__((constructor)) static void sw_preload_init(void)
{
    int saved = errno;
    sw_real_init();
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
    sw_registry_self();
    sw_output_init(&config);
    r = sw_capture_init();
    if (r != 0)
        sw_output_stderr_line("stallwatch: no free real-time signal for stack capture; stacks "
                              "will be read from /proc");
    r = pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    if (r != 0) {
        go_passive("cannot install the fork handler", r);
        goto out;
    }
    sw_api_init(config.threshold_ns);
    sw_symclient_init(&config);
    r = sw_watchdog_start(&config);
    if (r != 0)
        go_passive("cannot start the watchdog thread", -r);
out:
    errno = saved;
}

__attribute__((destructor)) static void sw_preload_fini(void)
{
    if (active)
        sw_watchdog_quiesce();
}
