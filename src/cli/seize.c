/* The capture of a running process from outside (see seize.h): PTRACE_SEIZE, PTRACE_INTERRUPT,
 * PTRACE_GETREGS, process_vm_readv, PTRACE_DETACH. The command's own thread.
 *
 * Why SEIZE and INTERRUPT rather than ATTACH: ATTACH sends SIGSTOP, and a tracer that dies
 * before it has consumed every stop leaves the process in group-stop (state T) for good. An
 * interrupt is a trap of the tracer's own; when the tracer dies, the kernel detaches its
 * tracees and they run on. A signal that arrives while a thread is held is reported to us as
 * its own stop and given back to the thread on detach. */
#include "cli/seize.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/target.h"
#include "core/clock.h"
#include "core/kernel.h"
#include "core/procparse.h"

#define LEFT_MAX 4096

/* Threads seized but not stopped by the deadline (uninterruptible sleep), detached later. */
static pid_t left[LEFT_MAX];
static unsigned nleft;

/* Whether tid is one of the threads left seized; with drop, it is taken off the list. */
static bool left_over(pid_t tid, bool drop)
{
    for (unsigned i = 0; i < nleft; i++) {
        if (left[i] == tid) {
            if (drop)
                left[i] = left[--nleft];
            return true;
        }
    }
    return false;
}

/* A stop (or exit) of a thread left seized earlier, seen by waitpid: let it go. */
static void let_go(pid_t tid, int st)
{
    left_over(tid, true);
    if (WIFSTOPPED(st))
        ptrace(PTRACE_DETACH, tid, NULL,
               (void *)(long)((st >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(st)));
}

static void regs_of(const struct user_regs_struct *r, struct sw_tcap *c)
{
    const unsigned long long v[SW_NREGS] = {r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi,
                                            r->rbp, r->rsp, r->r8,  r->r9,  r->r10, r->r11,
                                            r->r12, r->r13, r->r14, r->r15, r->rip};
    for (int i = 0; i < SW_NREGS; i++)
        c->regs[i] = (uint64_t)v[i];
    c->fs_base = (uint64_t)r->fs_base;
}

/* The stack from SP up, in one system call while the process is held: one remote element
 * per page, so the copy stops, short, at the first page that is not mapped (the stack's top). */
static void copy_stack(pid_t pid, struct sw_tcap *c)
{
    (void)pid; /* the thread's own tid reads the memory, even when the leader has exited */
    enum { PAGES = sizeof c->stack / 4096 + 1 };
    struct iovec remote[PAGES];
    uint64_t a = c->regs[SW_DWARF_SP];
    size_t want = sizeof c->stack, k = 0;
    for (size_t done = 0; done < want && k < PAGES; k++) {
        size_t chunk = 4096 - (size_t)((a + done) & 4095);
        if (chunk > want - done)
            chunk = want - done;
        remote[k] = (struct iovec){(void *)(uintptr_t)(a + done), chunk};
        done += chunk;
    }
    struct iovec local = {c->stack, want};
    ssize_t n = process_vm_readv(c->tid, &local, 1, remote, k, 0);
    c->stack_len = n > 0 ? (uint32_t)n : 0;
}

/* The thread's /proc syscall line ("running" while it runs); false when it is gone. */
static bool syscall_line(pid_t pid, pid_t tid, char *line, size_t cap)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    bool got = fgets(line, (int)cap, f) != NULL;
    fclose(f);
    return got;
}

enum unstopped { UNSTOPPED_OK, UNSTOPPED_RUNNING, UNSTOPPED_GONE };

/* A thread left running: SP and PC from /proc while it is blocked in the kernel, then its
 * stack, then the line once more: the copy holds only if the thread is still blocked at the
 * same place after it. RUNNING: it is not blocked now, or it ran during the copy. */
static enum unstopped capture_unstopped(pid_t pid, struct sw_tcap *c)
{
    char line[256], again[256];
    if (!syscall_line(pid, c->tid, line, sizeof line))
        return UNSTOPPED_GONE;
    long nr;
    uint64_t args[6], sp, pc;
    int r = sw_parse_syscall(line, &nr, args, &sp, &pc);
    if (r == -EAGAIN)
        return UNSTOPPED_RUNNING;
    if (r != 0)
        return UNSTOPPED_GONE;
    memset(c->regs, 0, sizeof c->regs);
    c->regs[SW_DWARF_SP] = sp;
    c->regs[SW_DWARF_PC] = pc;
    c->full_regs = false;
    copy_stack(pid, c);
    if (!syscall_line(pid, c->tid, again, sizeof again))
        return UNSTOPPED_GONE;
    if (strcmp(line, again) != 0)
        return UNSTOPPED_RUNNING;
    c->ok = true;
    return UNSTOPPED_OK;
}

/* -ERESTARTNOHAND, the kernel's own "restart unless a handler runs" (include/linux/errno.h,
 * not exported to user space). */
#define SW_ERESTARTNOHAND 514

/* A thread that entered a call our stop interrupts with EINTR (an epoll wait, semop, a
 * socket with a timeout: sw_kernel_stop) after the look that chose to stop it: its result is
 * made -ERESTARTNOHAND, so that when it resumes the kernel restarts the call if no handler
 * runs, and returns EINTR if one does (a signal that came while we held the thread included):
 * exactly what the program would have seen without the stop. A timeout starts again in full. */
static void undo_eintr(pid_t tid, struct user_regs_struct *r)
{
    if ((long long)r->orig_rax < 0 || (long long)r->rax != -EINTR)
        return;
    struct sw_klook k = {.blocked = true, .nr = (long)r->orig_rax};
    if (sw_kernel_stop(&k) == SW_KSTOP_SAFE)
        return;
    struct user_regs_struct again = *r;
    again.rax = (unsigned long long)-SW_ERESTARTNOHAND;
    ptrace(PTRACE_SETREGS, tid, NULL, &again);
}

/* Why ptrace refused pid, and what to do. */
static void explain_refusal(pid_t pid, int err, char *why, size_t cap)
{
    char path[64], line[256];
    long tracer = 0, uid = -1, scope = 0;
    unsigned long long capeff = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "TracerPid: %ld", &tracer);
        sscanf(line, "Uid: %*d %ld", &uid);
    }
    if (f != NULL)
        fclose(f);
    f = fopen("/proc/self/status", "re");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        sscanf(line, "CapEff: %llx", &capeff);
    if (f != NULL)
        fclose(f);
    f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
    if (f != NULL && fscanf(f, "%ld", &scope) != 1)
        scope = 0;
    if (f != NULL)
        fclose(f);
    bool cap_ptrace = (capeff >> 19) & 1; /* CAP_SYS_PTRACE */
    if (tracer != 0)
        snprintf(why, cap, "pid %d is already traced by process %ld (a debugger?): detach it "
                 "first", (int)pid, tracer);
    else if (uid >= 0 && (uid_t)uid != geteuid() && !cap_ptrace)
        snprintf(why, cap, "pid %d belongs to user %ld: run this command as that user or as "
                 "root", (int)pid, uid);
    else if (scope >= 3)
        snprintf(why, cap, "kernel.yama.ptrace_scope is 3: no process may be traced until "
                 "the next boot");
    else if (scope == 2 && !cap_ptrace)
        snprintf(why, cap, "kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may "
                 "trace; run this command as root");
    else if (scope == 1 && !cap_ptrace)
        snprintf(why, cap, "kernel.yama.ptrace_scope is 1: only a parent may trace its "
                 "children; run this command as root, or set kernel.yama.ptrace_scope=0");
    else if (!cap_ptrace && geteuid() == 0)
        snprintf(why, cap, "this command lacks CAP_SYS_PTRACE (a container?): give it that "
                 "capability (docker run --cap-add=SYS_PTRACE)");
    else
        snprintf(why, cap, "ptrace refused pid %d: %s", (int)pid, strerror(err));
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* Waits for the seized threads to stop, at most timeout_ms in all; stopped[i] and sig[i]
 * (the signal to give back on detach) are filled for those that did. Blocks in waitpid (a
 * timer ends the wait) rather than polling: each stop is seen as soon as it happens. */
static void wait_stops(const pid_t *tids, const bool *seized, unsigned n, bool *stopped,
                       int *sig, bool *gone, unsigned timeout_ms)
{
    unsigned pending = 0;
    for (unsigned i = 0; i < n; i++)
        pending += seized[i] && !gone[i];
    struct sigaction sa = {.sa_handler = on_alarm}, old;
    sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: the timer ends waitpid with EINTR */
    /* A repeating timer: one that fired between two waitpid calls would leave the next one
     * waiting for good; each EINTR checks the deadline instead. */
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    uint64_t deadline = sw_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    while (pending > 0) {
        int st;
        pid_t r = waitpid(-1, &st, __WALL);
        if (r < 0 && errno == EINTR && sw_mono_ns() < deadline)
            continue;
        if (r < 0)
            break; /* the deadline, or nothing left to wait for */
        unsigned i = 0;
        while (i < n && !(tids[i] == r && seized[i]))
            i++;
        if (i == n) {
            if (left_over(r, false))
                let_go(r, st); /* a thread left by an earlier capture stopped at last */
            continue;
        }
        if (stopped[i] || gone[i])
            continue;
        pending--;
        if (!WIFSTOPPED(st)) {
            gone[i] = true;
            continue;
        }
        stopped[i] = true;
        /* Our interrupt (or a group-stop) is PTRACE_EVENT_STOP: nothing to give back; any
         * other stop is a signal being delivered, which the thread must still get. */
        sig[i] = (st >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(st);
    }
    setitimer(ITIMER_REAL, &(struct itimerval){{0, 0}, {0, 0}}, NULL);
    sigaction(SIGALRM, &old, NULL);
}

/* How long a thread that has run on since its look is read again, once a millisecond, before
 * it is stopped after all. */
#define RUN_ON_MS 100

/* Reads the threads left running (stop[i] false, or still seized by an earlier capture) from
 * /proc. One found running (a server's tick: out of its wait for a moment) is read again
 * each millisecond for RUN_ON_MS; one still running then is stopped after all, unless an
 * earlier capture left it seized: in user space a stop is not seen by the program, and a call
 * it enters before the stop lands is restarted (undo_eintr). Adds that hold to held_ns. */
static void read_unstopped(pid_t pid, const pid_t *tids, const bool *stop, const bool *seized,
                           unsigned n, struct sw_tcap *caps, unsigned timeout_ms, uint64_t *held_ns)
{
    unsigned *run = malloc((n + 1) * sizeof *run), nrun = 0;
    for (unsigned i = 0; i < n; i++) {
        if (stop[i] && (seized[i] || !left_over(tids[i], false)))
            continue;
        if (capture_unstopped(pid, &caps[i]) == UNSTOPPED_RUNNING && run != NULL)
            run[nrun++] = i;
    }
    uint64_t deadline = sw_mono_ns() + RUN_ON_MS * 1000000ull;
    while (nrun > 0 && sw_mono_ns() < deadline) {
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        for (unsigned k = 0; k < nrun;) {
            if (capture_unstopped(pid, &caps[run[k]]) == UNSTOPPED_RUNNING)
                k++;
            else
                run[k] = run[--nrun];
        }
    }
    unsigned nstop = 0;
    for (unsigned k = 0; k < nrun; k++)
        if (!left_over(tids[run[k]], false))
            run[nstop++] = run[k];
    pid_t *sub = nstop > 0 ? malloc(nstop * sizeof *sub) : NULL;
    bool *yes = nstop > 0 ? malloc(nstop * sizeof *yes) : NULL;
    struct sw_tcap *got = nstop > 0 ? calloc(nstop, sizeof *got) : NULL;
    if (sub != NULL && yes != NULL && got != NULL) {
        uint64_t held = 0;
        char why[256];
        for (unsigned k = 0; k < nstop; k++) {
            sub[k] = tids[run[k]];
            yes[k] = true;
        }
        sw_seize(pid, sub, yes, nstop, got, timeout_ms, &held, why, sizeof why);
        for (unsigned k = 0; k < nstop; k++)
            if (got[k].ok)
                caps[run[k]] = got[k];
        *held_ns += held;
    }
    free(got);
    free(yes);
    free(sub);
    free(run);
}

enum sw_seize_result sw_seize(pid_t pid, const pid_t *tids, const bool *stop, unsigned n,
                              struct sw_tcap *caps, unsigned timeout_ms, uint64_t *held_ns,
                              char *why, size_t cap)
{
    bool *seized = calloc(n + 1, 4 * sizeof(bool));
    int *sig = calloc(n + 1, sizeof(int));
    if (seized == NULL || sig == NULL) {
        free(seized);
        free(sig);
        snprintf(why, cap, "out of memory");
        return SW_SEIZE_REFUSED;
    }
    bool *stopped = seized + n + 1, *gone = stopped + n + 1;
    enum sw_seize_result res = SW_SEIZE_OK;
    unsigned nseized = 0;
    *held_ns = 0;
    for (unsigned i = 0; i < n; i++) {
        caps[i].tid = tids[i];
        caps[i].ok = false;
        if (!stop[i] || left_over(tids[i], false))
            continue; /* still seized by an earlier capture: read from /proc below */
        if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL) == 0) {
            seized[i] = true;
            nseized++;
        } else if (errno == EPERM && nseized == 0) {
            explain_refusal(pid, errno, why, cap);
            res = SW_SEIZE_REFUSED;
            goto out;
        }
    }
    uint64_t t0 = sw_mono_ns();
    for (unsigned i = 0; i < n; i++)
        if (seized[i] && ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) != 0)
            gone[i] = errno == ESRCH;
    wait_stops(tids, seized, n, stopped, sig, gone, timeout_ms);
    for (unsigned i = 0; i < n; i++) {
        struct user_regs_struct r;
        if (stopped[i] && ptrace(PTRACE_GETREGS, tids[i], NULL, &r) == 0) {
            if (sig[i] == 0)
                undo_eintr(tids[i], &r);
            regs_of(&r, &caps[i]);
            caps[i].full_regs = true;
            copy_stack(pid, &caps[i]);
            caps[i].ok = true;
        }
    }
    const char *hold = getenv("SW_TEST_HOLD_MS"); /* tests: be killed while holding */
    if (hold != NULL)
        usleep((useconds_t)atoi(hold) * 1000u);
    for (unsigned i = 0; i < n; i++) {
        if (stopped[i])
            ptrace(PTRACE_DETACH, tids[i], NULL, (void *)(long)sig[i]);
        else if (seized[i] && !gone[i] && nleft < LEFT_MAX)
            left[nleft++] = tids[i];
    }
    *held_ns = sw_mono_ns() - t0;
    read_unstopped(pid, tids, stop, seized, n, caps, timeout_ms, held_ns);
    bool any = false;
    for (unsigned i = 0; i < n; i++)
        any |= caps[i].ok;
    /* Nothing captured of a process that lives (every thread in uninterruptible sleep past
     * the deadline): still a dump, each thread with its state and note. */
    if (!any && n > 0 && !sw_target_alive(pid)) {
        snprintf(why, cap, "process %d exited during the dump", (int)pid);
        res = SW_SEIZE_GONE;
    }
out:
    free(seized);
    free(sig);
    return res;
}

void sw_seize_reap(void)
{
    for (unsigned i = 0; i < nleft;) {
        int st = 0;
        pid_t tid = left[i];
        pid_t r = waitpid(tid, &st, __WALL | WNOHANG);
        if (r == 0) {
            i++;
            continue;
        }
        let_go(tid, r > 0 ? st : 0); /* stopped: detached; exited or gone: forgotten */
    }
}
