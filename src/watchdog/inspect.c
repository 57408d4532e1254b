/* One thread into one report entry. Watchdog only.
 *
 * Capture: a thread inside an interposed call is signalled (our handler copies registers and
 * stack) unless that would be visible or cannot work: the call cannot be resumed (connect),
 * the thread is in uninterruptible sleep, blocks the signal, or the program took the signal
 * over; a thread outside any interposed call is signalled only while it runs on a CPU (then
 * the signal interrupts user code, never a system call we could not resume). Otherwise the
 * stack comes from /proc/self/task/TID/syscall (SP and PC of a thread blocked in a system
 * call), and the report says so.
 *
 * Frames: the report's first stack opens a connection to the symbolizer program (symclient.c),
 * which unwinds and names each stack within the report's budget; without it, or past the
 * budget, frames are raw (rawstack.c). The module map is read once per report and its
 * strings stay valid until the next.
 *
 * Python: the first entry of a report that takes a stack dumps every Python thread's stack
 * (pystack.c) before anything else, within half the report's budget; each entry then gets the
 * Python frames of its thread, found by its pthread_t. */
#include "watchdog/inspect.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/large.h"
#include "hook/capture.h"
#include "hook/real.h"
#include "hook/registry.h"
#include "watchdog/owner.h"
#include "watchdog/ownfd.h"
#include "watchdog/procinfo.h"
#include "watchdog/pystack.h"
#include "watchdog/query.h"
#include "watchdog/rawstack.h"
#include "watchdog/symclient.h"
#include "watchdog/tidmap.h"

#define MS              1000000ull
#define CAPTURE_TIMEOUT (1000 * MS)
#define FRAME_POOL      16384
#define PY_BUDGET       (1000 * MS) /* the Python dump's wait, at most, within the report's */
#define STRING_POOL     (512 * 1024)

static const struct sw_config *cfg;

/* Per-report storage, large and used by the one watchdog thread only: static. */
SW_LARGE static struct sw_thread_report entries[SW_REPORT_THREADS_MAX];
static unsigned nentries;
SW_LARGE static struct sw_frame frame_pool[FRAME_POOL];
static unsigned frames_used;
SW_LARGE static char string_pool[STRING_POOL];
static size_t strings_used;
SW_LARGE static struct sw_snapshot snap_buf;
static struct sw_snapshot *snap = &snap_buf;
static struct sw_pcs pcs;
static uint64_t deadline_ns; /* of this report's symbolization; 0: none */
/* This report's module map (its strings are the frames'), and its symbolizer connection. */
SW_LARGE static struct sw_modmap map;
static bool map_ok;
static bool sym_asked, sym_open;
static const char *sym_note; /* why this report's frames are raw, when they are */

/* This report's Python stacks: asked for with its first stack; the dump (NULL: none), and why
 * it is missing or incomplete (NULL: nothing to say). */
static bool py_asked;
static const struct sw_py_dump *py_dump;
static const char *py_note;

void sw_inspect_init(const struct sw_config *c)
{
    cfg = c;
}

void sw_inspect_begin(void)
{
    nentries = 0;
    frames_used = 0;
    strings_used = 0;
    sw_symclient_close();
    map_ok = false;
    sym_asked = sym_open = false;
    sym_note = NULL;
    py_asked = false;
    py_dump = NULL;
    py_note = NULL;
    sw_rawstack_begin();
    uint64_t now = sw_mono_ns();
    deadline_ns = cfg->symbolize_timeout_ns != 0 ? now + cfg->symbolize_timeout_ns : 0;
}

void sw_inspect_end(void)
{
    sw_symclient_close();
    sym_open = false;
}

bool sw_inspect_full(void)
{
    return nentries >= SW_REPORT_THREADS_MAX;
}

bool sw_inspect_budget_spent(void)
{
    return deadline_ns != 0 && sw_mono_ns() >= deadline_ns;
}

struct sw_thread_report *sw_inspect_entries(unsigned *n)
{
    *n = nentries;
    return entries;
}

const char *sw_inspect_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    if (strings_used + n + 1 > sizeof string_pool)
        return NULL;
    char *d = string_pool + strings_used;
    memcpy(d, s, n + 1);
    strings_used += n + 1;
    return d;
}

/* The lock owner (or thread joined) that thread waiter, in call on obj, waits for (see
 * owner.h), if it is another of the threads the registry knows; else 0. */
static pid_t owner_thread(pid_t waiter, enum sw_call call, uintptr_t obj)
{
    pid_t tid = sw_owner_thread(waiter, call, obj);
    unsigned idx;
    return tid != 0 && sw_tidmap_find(tid, &idx) ? tid : 0;
}

/* Appends a sentence to the entry's note ("first; second"). */
static void add_note(struct sw_thread_report *t, const char *note)
{
    if (t->note == NULL) {
        t->note = note;
        return;
    }
    char both[1024];
    struct sw_buf b;
    sw_buf_init(&b, both, sizeof both - 1);
    sw_buf_puts(&b, t->note);
    sw_buf_puts(&b, "; ");
    sw_buf_puts(&b, note);
    both[b.len] = '\0';
    const char *s = b.overflow ? NULL : sw_inspect_strdup(both);
    if (s != NULL)
        t->note = s;
}

/* The module map of this report, read at its first need. */
static const struct sw_modmap *report_map(void)
{
    if (!map_ok)
        map_ok = sw_modmap_load(&map) == 0;
    return map_ok ? &map : NULL;
}

/* This report's Python stacks, once: before its first native stack, so they are taken at the
 * moment of the report, with half the report's budget at most (the native stacks keep the
 * rest) and never more than PY_BUDGET. */
static void ask_python(void)
{
    py_asked = true;
    uint64_t now = sw_mono_ns(), until = now + PY_BUDGET;
    if (deadline_ns != 0 && deadline_ns > now && now + (deadline_ns - now) / 2 < until)
        until = now + (deadline_ns - now) / 2;
    else if (deadline_ns != 0 && deadline_ns <= now)
        until = deadline_ns;
    const struct sw_modmap *m = report_map();
    const struct sw_py_dump *d = NULL;
    const char *note = NULL;
    enum sw_py_status status = m != NULL ? sw_pystack_dump(m, until, &d, &note) : SW_PY_NONE;
    if (status == SW_PY_OK || status == SW_PY_PARTIAL)
        py_dump = d;
    if (status == SW_PY_PARTIAL || status == SW_PY_FAILED)
        py_note = note;
}

/* The Python frames of su's thread, if it runs Python code. A thread missing from an
 * incomplete dump (or when there is none) gets the note that says why. */
static void attach_python(struct sw_thread_report *t, const struct sw_subject *su)
{
    struct sw_slot *slot = sw_registry_at(su->idx);
    pthread_t self = slot->self;
    const struct sw_py_thread *pt = NULL;
    if (py_dump != NULL && self != 0 && atomic_load(&slot->gen) == su->gen)
        pt = sw_pyparse_find(py_dump, (uint64_t)self);
    if (pt != NULL && pt->nframes > 0) {
        t->python_frames = pt->frames;
        t->npython_frames = pt->nframes < cfg->frames ? pt->nframes : cfg->frames;
    } else if (pt == NULL && py_note != NULL) {
        add_note(t, py_note);
    }
}

/* Stack from /proc: SP and PC of a thread blocked in a system call, without running anything
 * on it. Only those two registers are known, so unwinding may stop early. The copy holds only
 * if the thread is still blocked at the same place after it; a thread that ran meanwhile (a
 * loop of short waits) is read again, three times at most. False when it is not blocked. */
static bool capture_from_proc(pid_t tid)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        long nr, nr2;
        uint64_t sp, pc, sp2, pc2;
        if (sw_proc_syscall(tid, &nr, &sp, &pc) != 0)
            return false;
        memset(snap->regs, 0, sizeof snap->regs);
        snap->tid = tid;
        snap->full_regs = false;
        snap->regs[SW_DWARF_SP] = sp;
        snap->regs[SW_DWARF_PC] = pc;
        ssize_t n = sw_proc_read_mem((uintptr_t)sp, snap->stack, sizeof snap->stack);
        snap->stack_len = n > 0 ? (size_t)n : 0;
        if (sw_proc_syscall(tid, &nr2, &sp2, &pc2) == 0 && nr2 == nr && sp2 == sp && pc2 == pc)
            return true;
    }
    return false;
}

/* True when signalling tid is safe: our handler is still installed (the program has not
 * taken the signal over) and tid does not block the signal. */
static bool signal_ok(pid_t tid)
{
    if (!sw_capture_installed())
        return false;
    int signo = sw_capture_signo();
    /* A thread still finishing our handler from a capture a moment ago shows the handler's
     * full mask: look again shortly before concluding that it blocks the signal. */
    for (int attempt = 0; attempt < 4; attempt++) {
        uint64_t blocked;
        if (sw_proc_sigblk(tid, &blocked) != 0)
            return false;
        if ((blocked & ((uint64_t)1 << (signo - 1))) == 0)
            return true;
        struct timespec ts = {0, 2000000};
        sw_real.nanosleep(&ts, NULL);
    }
    return false;
}

/* Takes the stack; sets *how and *note; false if the thread is gone or left the call. */
/* Whether our capture signal is invisible to a wait seen in the kernel (see core/kernel.h):
 * calls on descriptors are restarted unless the descriptor is a socket (socket timeouts end
 * in EINTR). */
static bool kernel_signal_ok(const struct sw_subject *su)
{
    if (su->ksignal == SW_KSIG_OK)
        return true;
    char target[64];
    return su->ksignal == SW_KSIG_FD &&
           sw_proc_fd_target((int)su->obj, target, sizeof target) == 0 &&
           strncmp(target, "socket:", 7) != 0;
}

static bool capture(const struct sw_subject *su, char state, const char **how, const char **note)
{
    enum sw_call call = (enum sw_call)(su->word & SW_CALL_MASK);
    bool in_call = call != SW_CALL_NONE;
    *how = NULL;
    *note = NULL;
    if (su->kernel && state != 'D' && !kernel_signal_ok(su))
        *note = "the thread waits in a system call our signal would interrupt; stack read from "
                "/proc";
    else if (!su->kernel && in_call && sw_calls[call].intr == SW_INTR_NEVER)
        *note = "this call cannot be resumed after a signal; stack read from /proc";
    else if (in_call && sw_calls[call].intr == SW_INTR_SIGWAIT)
        *note = "the thread waits for signals and is never sent one; stack read from /proc";
    else if (state == 'D')
        *note = "the thread is in uninterruptible sleep; stack read from /proc";
    else if (!in_call && state != 'R')
        *note = "the thread waits outside the calls stallwatch resumes; stack read from /proc";
    else if (!signal_ok(su->tid))
        *note = "the thread blocks the capture signal or the program took it over; stack read "
                "from /proc";
    else {
        switch (
            sw_capture_signal(sw_registry_at(su->idx), su->gen, su->tid, snap, CAPTURE_TIMEOUT)) {
        case SW_CAPTURE_OK:
            *how = "signal";
            return true;
        case SW_CAPTURE_GONE:
            return false;
        case SW_CAPTURE_TIMEOUT:
            *note = "the thread did not run the capture signal handler within 1 s; stack "
                    "read from /proc";
            break;
        case SW_CAPTURE_FAILED:
            *note = "the capture signal could not be sent; stack read from /proc";
            break;
        case SW_CAPTURE_TAKEN:
            *note = "the thread entered a signal wait as it was signalled; stack read from "
                    "/proc";
            break;
        }
    }
    if (capture_from_proc(su->tid))
        *how = "proc";
    else if (state == 'R')
        *note = "the thread is running and could not be signalled; no stack";
    else
        *note = "the thread was not blocked in a system call; no stack";
    return true;
}

static const char *call_name(const struct sw_subject *su)
{
    enum sw_call call = (enum sw_call)(su->word & SW_CALL_MASK);
    if (call != SW_CALL_NONE)
        return sw_call_name(call);
    /* Outside any interposed call: the thread is named for what it failed to do. */
    switch (su->cls) {
    case SW_CLASS_BUSY:
        return "busy";
    case SW_CLASS_HEARTBEAT:
        return "heartbeat";
    case SW_CLASS_SCOPE:
        return "scope";
    default:
        return "none";
    }
}

/* The name (comm) of process pid, in this report's strings; NULL unknown. */
static const char *process_name(pid_t pid)
{
    char path[64], comm[64];
    struct sw_buf b;
    sw_buf_init(&b, path, sizeof path);
    sw_buf_puts(&b, "/proc/");
    sw_buf_put_u64(&b, (uint64_t)pid);
    sw_buf_puts(&b, "/comm");
    int fd = sw_ownfd_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    ssize_t n = sw_real.read(fd, comm, sizeof comm - 1);
    sw_ownfd_close(fd);
    if (n <= 0)
        return NULL;
    comm[n] = '\0';
    comm[strcspn(comm, "\n")] = '\0';
    return sw_inspect_strdup(comm);
}

/* The child a thread waits for in system() or pclose(): its first child, and the child's
 * name as its holder. */
static void describe_child(pid_t tid, struct sw_thread_report *t)
{
    pid_t child;
    if (sw_proc_first_child(tid, &child) != 0)
        return;
    t->object = (uint64_t)child;
    t->owner_pid = child;
    t->owner_process = process_name(child);
}

/* An MPI call's communicator, collective number, peer and tag, from the struct sw_mpi_call
 * on the waiting thread's stack (read only while it is still in the call, and checked again
 * after the read) and the communicator's entry in the wrappers' table. */
static void describe_mpi(const struct sw_subject *su, struct sw_thread_report *t)
{
    struct sw_mpi_call m;
    struct sw_mpi_comm c;
    t->comm_size = t->comm_rank = -1;
    t->peer = t->tag = SW_MPI_NONE;
    if (sw_proc_read_mem(su->obj, &m, sizeof m) != (ssize_t)sizeof m ||
        atomic_load(&sw_registry_at(su->idx)->word) != su->word)
        return;
    t->seq = m.seq;
    t->peer = m.peer;
    t->tag = m.tag;
    if (m.comm == NULL || sw_proc_read_mem((uintptr_t)m.comm, &c, sizeof c) != (ssize_t)sizeof c ||
        c.ready != 1)
        return;
    t->comm_size = c.size;
    t->comm_rank = c.rank;
    c.name[sizeof c.name - 1] = '\0';
    char hex[24];
    if (c.name[0] == '\0') {
        struct sw_buf b;
        sw_buf_init(&b, hex, sizeof hex);
        sw_buf_put_hex(&b, c.handle);
        hex[b.len < sizeof hex ? b.len : sizeof hex - 1] = '\0';
    }
    t->communicator = sw_inspect_strdup(c.name[0] != '\0' ? c.name : hex);
}

static void describe_object(const struct sw_subject *su, struct sw_thread_report *t)
{
    enum sw_call call = (enum sw_call)(su->word & SW_CALL_MASK);
    t->objkind = call != SW_CALL_NONE ? (enum sw_objkind)sw_calls[call].objkind : SW_OBJ_NONE;
    char buf[PATH_MAX]; /* any path open() accepts fits */
    switch (t->objkind) {
    case SW_OBJ_ADDR:
    case SW_OBJ_THREAD:
        t->object = su->obj;
        break;
    case SW_OBJ_IPC:
        t->object = (uint64_t)(uint32_t)su->obj;
        break;
    case SW_OBJ_CHILD:
        describe_child(su->tid, t);
        break;
    case SW_OBJ_QUERY:
        /* The query lives on the waiting thread's stack: read only while it is still in
         * the call (not for a recovered report), and checked again after the read. */
        if (sw_query_text(su->obj, buf, sizeof buf) == 0 &&
            atomic_load(&sw_registry_at(su->idx)->word) == su->word)
            t->query = sw_inspect_strdup(buf);
        break;
    case SW_OBJ_MPI:
        describe_mpi(su, t);
        break;
    case SW_OBJ_COUNT:
        break;
    case SW_OBJ_PID:
        t->object = (uint64_t)(int64_t)(intptr_t)su->obj;
        break;
    case SW_OBJ_FD:
        t->fd = (int)su->obj;
        if (sw_proc_fd_target(t->fd, buf, sizeof buf) == 0)
            t->fd_target = sw_inspect_strdup(buf);
        t->owner_pid = sw_owner_process(call, t->fd);
        if (t->owner_pid != 0)
            t->owner_process = process_name(t->owner_pid);
        break;
    case SW_OBJ_PATH:
        if (sw_proc_read_string(su->obj, buf, sizeof buf) >= 0)
            t->path = sw_inspect_strdup(buf);
        break;
    case SW_OBJ_NONE:
        break;
    }
    if (t->objkind != SW_OBJ_FD && t->objkind != SW_OBJ_CHILD)
        t->owner_tid = owner_thread(su->tid, call, su->obj);
    if (call == SW_CALL_FUTEX)
        t->lock = sw_owner_lock_name(su->obj, report_map());
    else if (call == SW_CALL_DLOPEN || call == SW_CALL_DLMOPEN || call == SW_CALL_DLCLOSE)
        t->lock = "the dynamic loader's lock";
    if (call == SW_CALL_K_OTHER) {
        struct sw_buf b;
        sw_buf_init(&b, buf, sizeof buf - 1);
        sw_buf_puts(&b, "system call ");
        sw_buf_put_u64(&b, (uint64_t)su->obj);
        buf[b.len] = '\0';
        add_note(t, sw_inspect_strdup(buf));
    }
}

/* The symbolizer's frames for the snapshot just captured, with what to say when they are late
 * or raw. */
static unsigned symbolized_frames(struct sw_thread_report *t, unsigned want, struct sw_frame *out)
{
    const char *note = NULL;
    unsigned n = 0;
    switch (sw_symclient_stack(snap, want, deadline_ns, out, &n, &pcs, sw_inspect_strdup, &note)) {
    case SW_SYM_DONE:
        if (note != NULL)
            add_note(t, note);
        return n;
    case SW_SYM_UNWOUND:
    case SW_SYM_NOTHING:
        break;
    }
    /* note is a static string of symclient.c: why there are no names. */
    char why[512];
    struct sw_buf b;
    sw_buf_init(&b, why, sizeof why - 1);
    sw_buf_puts(&b, note != NULL ? note : "the symbolizer did not answer");
    bool have_pcs = pcs.n > 0;
    sw_buf_puts(&b, have_pcs ? "; raw frames"
                             : "; raw frames found by scanning the stack, some may be stale");
    why[b.overflow ? sizeof why - 1 : b.len] = '\0';
    add_note(t, sw_inspect_strdup(why));
    return have_pcs ? sw_rawstack_from_pcs(&pcs, out, want) : sw_rawstack_scan(snap, out, want);
}

/* The frames of the stack just captured: from the symbolizer, or raw when there is none (the
 * note says why). */
static void take_frames(struct sw_thread_report *t)
{
    unsigned room = FRAME_POOL - frames_used;
    unsigned want = cfg->frames < room ? cfg->frames : room;
    struct sw_frame *out = &frame_pool[frames_used];
    if (!sym_asked) {
        sym_asked = true;
        const struct sw_modmap *m = report_map();
        sym_open = m != NULL && sw_symclient_open(m, deadline_ns, &sym_note);
        if (m == NULL)
            sym_note = "/proc/self/maps could not be read; raw frames";
    }
    unsigned n;
    if (sym_open) {
        n = symbolized_frames(t, want, out);
    } else {
        n = sw_rawstack_scan(snap, out, want);
        char both[512];
        struct sw_buf b;
        sw_buf_init(&b, both, sizeof both - 1);
        sw_buf_puts(&b, sym_note != NULL ? sym_note : "no symbolizer; raw frames");
        sw_buf_puts(&b, " found by scanning the stack, some may be stale");
        both[b.overflow ? sizeof both - 1 : b.len] = '\0';
        add_note(t, sw_inspect_strdup(both));
    }
    t->frames = out;
    t->nframes = n;
    frames_used += n;
}

struct sw_thread_report *sw_inspect_thread(const struct sw_subject *su, bool with_stack,
                                           bool must_still_be_in_call)
{
    if (nentries >= SW_REPORT_THREADS_MAX)
        return NULL;
    if (with_stack && !py_asked)
        ask_python();
    /* State and wait channel before the capture: our signal briefly wakes the thread. */
    char state = 0, wchan[64];
    sw_proc_state(su->tid, &state);
    bool have_wchan = sw_proc_wchan(su->tid, wchan, sizeof wchan) == 0;
    const char *how = NULL, *note = NULL;
    if (with_stack && !capture(su, state, &how, &note))
        return NULL;
    /* The thread left the call while we looked: that is progress, not a stall. */
    struct sw_slot *slot = sw_registry_at(su->idx);
    uint64_t word = su->kernel ? su->word & ~SW_CALL_MASK : su->word;
    if (must_still_be_in_call &&
        (atomic_load(&slot->word) != word || atomic_load(&slot->gen) != su->gen))
        return NULL;

    struct sw_thread_report *t = &entries[nentries];
    memset(t, 0, sizeof *t);
    t->tid = su->tid;
    t->name = sw_inspect_strdup(su->name);
    t->call = call_name(su);
    t->cls = su->cls;
    t->waited_ms = su->waited_ns / MS;
    t->state = state;
    t->wchan = have_wchan ? sw_inspect_strdup(wchan) : NULL;
    t->capture = how;
    t->note = note;
    t->kernel = su->kernel;
    describe_object(su, t);
    if (how != NULL)
        take_frames(t);
    if (with_stack)
        attach_python(t, su);
    nentries++;
    return t;
}

void sw_inspect_warm(const struct sw_subject *su)
{
    char state = 0;
    const char *how, *note;
    sw_proc_state(su->tid, &state);
    if (capture(su, state, &how, &note) && how != NULL && sw_modmap_load(&map) == 0)
        sw_symclient_warm(&map, snap, cfg->frames);
    map_ok = false;
}

void sw_inspect_drop_last(void)
{
    if (nentries == 0)
        return;
    struct sw_thread_report *t = &entries[--nentries];
    /* Its frames are the last ones taken from the pool; its strings are not reclaimed. */
    if (t->frames != NULL)
        frames_used = (unsigned)(t->frames - frame_pool);
}
