/* Installs, queries and triggers signal handlers through every glibc installer the shim wraps
 * (sigaction with and without SA_SIGINFO, signal, bsd_signal, sysv_signal, sigset) and
 * prints what the program can observe: the handler and flags each query returns, the old
 * handler each installer returns, which handler ran with which arguments, and one-shot
 * (SA_RESETHAND, sysv_signal) semantics. The output must be the same with and without the
 * shim, which puts a trampoline in front of every handler. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__sighandler_t bsd_signal(int sig, __sighandler_t h);

static volatile sig_atomic_t last_plain, last_info_sig, last_info_code, last_info_ok;

static void plain(int sig)
{
    last_plain = sig;
}

static void plain2(int sig)
{
    last_plain = 1000 + sig;
}

static void with_info(int sig, siginfo_t *si, void *uc)
{
    last_info_sig = sig;
    last_info_code = si->si_code;
    last_info_ok = uc != NULL && si->si_signo == sig && si->si_pid == getpid();
}

static const char *name_of(void *h)
{
    if (h == (void *)SIG_DFL)
        return "SIG_DFL";
    if (h == (void *)SIG_IGN)
        return "SIG_IGN";
    if (h == (void *)plain)
        return "plain";
    if (h == (void *)plain2)
        return "plain2";
    if (h == (void *)with_info)
        return "with_info";
    if (h == (void *)SIG_ERR)
        return "SIG_ERR";
    return "other";
}

static void query(const char *what, int sig)
{
    struct sigaction cur;
    int r = sigaction(sig, NULL, &cur);
    printf("%s: query ret=%d handler=%s siginfo=%d restart=%d resethand=%d nodefer=%d "
           "mask_has_usr2=%d\n",
           what, r, name_of((void *)cur.sa_sigaction), !!(cur.sa_flags & SA_SIGINFO),
           !!(cur.sa_flags & SA_RESTART), !!(cur.sa_flags & SA_RESETHAND),
           !!(cur.sa_flags & SA_NODEFER), sigismember(&cur.sa_mask, SIGUSR2));
}

/* sigset is obsolescent, and still exported: programs that use it must keep working. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

int main(void)
{
    struct sigaction sa, old;

    /* sigaction without SA_SIGINFO, with a mask and flags. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sa.sa_flags = SA_RESTART;
    printf("install plain ret=%d\n", sigaction(SIGUSR1, &sa, &old));
    printf("old handler=%s\n", name_of((void *)old.sa_sigaction));
    query("after plain", SIGUSR1);
    raise(SIGUSR1);
    printf("plain ran: %d\n", (int)last_plain);

    /* Replace with an SA_SIGINFO handler: the old one comes back as the program set it. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = with_info;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    memset(&old, 0, sizeof old);
    printf("install with_info ret=%d\n", sigaction(SIGUSR1, &sa, &old));
    printf("old handler=%s siginfo=%d restart=%d\n", name_of((void *)old.sa_sigaction),
           !!(old.sa_flags & SA_SIGINFO), !!(old.sa_flags & SA_RESTART));
    query("after with_info", SIGUSR1);
    raise(SIGUSR1);
    printf("with_info ran: sig=%d code=%d args_ok=%d\n", (int)last_info_sig,
           (int)last_info_code, (int)last_info_ok);

    /* SA_RESETHAND: runs once, then the disposition is SIG_DFL (SIGWINCH's default: ignore). */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    printf("install resethand ret=%d\n", sigaction(SIGWINCH, &sa, NULL));
    last_plain = 0;
    raise(SIGWINCH);
    printf("resethand ran: %d\n", (int)last_plain);
    query("after resethand", SIGWINCH);
    last_plain = 0;
    raise(SIGWINCH);
    printf("resethand again: %d\n", (int)last_plain);

    /* signal() returns the previous handler, including one installed by sigaction. */
    printf("signal old=%s\n", name_of((void *)signal(SIGUSR1, plain2)));
    query("after signal", SIGUSR1);
    raise(SIGUSR1);
    printf("plain2 ran: %d\n", (int)last_plain);
    printf("signal ign old=%s\n", name_of((void *)signal(SIGUSR1, SIG_IGN)));
    query("after ign", SIGUSR1);
    raise(SIGUSR1);
    printf("signal dfl old=%s\n", name_of((void *)signal(SIGUSR1, SIG_DFL)));

    printf("bsd_signal old=%s\n", name_of((void *)bsd_signal(SIGHUP, plain)));
    printf("bsd_signal again old=%s\n", name_of((void *)bsd_signal(SIGHUP, plain2)));
    query("after bsd_signal", SIGHUP);
    raise(SIGHUP);
    printf("bsd handler ran: %d\n", (int)last_plain);

    /* sysv_signal: one-shot (SA_RESETHAND | SA_NODEFER). */
    printf("sysv_signal old=%s\n", name_of((void *)sysv_signal(SIGURG, plain)));
    query("after sysv_signal", SIGURG);
    last_plain = 0;
    raise(SIGURG);
    printf("sysv ran: %d\n", (int)last_plain);
    query("after sysv ran", SIGURG);

    printf("sigset old=%s\n", name_of((void *)sigset(SIGTERM, plain)));
    query("after sigset", SIGTERM);
    raise(SIGTERM);
    printf("sigset ran: %d\n", (int)last_plain);
    printf("sigset dfl old=%s\n", name_of((void *)sigset(SIGTERM, SIG_DFL)));

    /* Bad requests fail the same way. */
    errno = 0;
    int r = sigaction(SIGKILL, &sa, NULL);
    printf("sigkill ret=%d errno=%d\n", r, errno);
    errno = 0;
    r = sigaction(0, &sa, NULL);
    printf("sig 0 ret=%d errno=%d\n", r, errno);
    errno = 0;
    __sighandler_t h = signal(99, plain);
    printf("signal 99 ret=%s errno=%d\n", name_of((void *)h), errno);
    return 0;
}
