/* CPython's dump of its threads' Python stacks. Watchdog thread only.
 *
 * What we call: _Py_DumpTracebackThreads, the routine behind faulthandler, written to run in a
 * signal handler or on faulthandler's own watchdog thread: without the GIL, from a thread
 * without a Python thread state, taking no lock, allocating nothing, writing with write(2).
 * With interp and current_tstate NULL it dumps the main interpreter's threads
 * (_PyGILState_GetInterpreterStateUnsafe).
 *
 * Why not from our thread: it reads other threads' frames with nothing to keep them still,
 * and a thread that runs Python code meanwhile (pushes a frame, starts or exits) can leave it
 * reading a half-made frame or freed memory. faulthandler accepts that crash in a process
 * that is dying anyway; we cannot (a test that dumps while four threads run and start threads
 * crashed the program in most runs). So the dump runs in a copy of the process: a child made
 * with a raw clone (no fork handlers of the program run), which calls the function once and
 * exits. Its memory is a snapshot: nothing changes under it, and if the snapshot caught a
 * frame half-made and the dump faults, only the copy dies; we try again (up to ATTEMPTS
 * times, within the budget) and otherwise keep what it wrote before it died. The child
 * - sends no signal when it exits (exit signal 0) and is waited for with __WALL, so the
 *   program's wait(), waitpid(-1) and SIGCHLD handlers never see it;
 * - first makes itself undumpable and puts the fault signals back to their default action,
 *   so a fault writes no core file and runs none of the program's handlers (faulthandler's
 *   would print to the program's stderr);
 * - leaves through exit_group: no atexit handler, no destructor, no stdio flush;
 * - is killed when the budget runs out, so a slow dump never holds a report back.
 * Its cost to the program: the kernel copies the page tables (about a millisecond per few
 * hundred MB mapped, with the program's page faults waiting meanwhile), pages the program
 * writes while the child lives are copied, and the child holds copies of the program's
 * descriptors from the clone until its first system call closes them (close_range).
 *
 * Finding the function: it is in the dynamic symbol table of the module that holds the
 * interpreter, the executable itself (Debian's python3 exports its whole C API) or
 * libpython, whether linked or loaded by an embedding program with dlopen. Each module of
 * the map is looked at once, when it first appears, by reading its symbol table from memory
 * (dynsym.c): no dlsym, whose loader lock a stalled thread may hold.
 *
 * Which interpreters: the function has had this signature and accepted NULL for both pointers
 * since CPython 3.6. Py_Version (3.11 on) says which version a module is; before 3.11,
 * _PyGILState_GetInterpreterStateUnsafe, exported from 3.6 on, vouches for it. (CPython 3.10
 * and older, as built by default, do not export the function at all.)
 *
 * The dump goes to a memory file (memfd) the child inherits: writes to it never block (a full
 * pipe would, with nobody reading it yet). Its size is sealed at TEXT_MAX, so a huge dump costs
 * at most that much memory (the writes past it fail). It is closed before we return, so no
 * descriptor of ours outlives the job; what was written stays mapped (and parsed in place)
 * until the next dump. */
#include "watchdog/pystack.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/large.h"
#include "hook/real.h"
#include "watchdog/dynsym.h"
#include "watchdog/ownfd.h"
#include "watchdog/procinfo.h"

/* Of the dump kept: 100 threads of 100 frames take ~1.5 MiB with typical names. A longer
 * dump loses its last threads (the oldest: the main thread is last). */
#define TEXT_MAX (16u << 20)
#define ATTEMPTS 3 /* dumps tried while each one's copy dies of a fault */

/* The dumping child's exit status. */
enum { CHILD_DUMPED = 0, CHILD_NO_INTERPRETER = 2, CHILD_ERROR = 3 };

typedef const char *(*dump_fn)(int fd, void *interp, void *current_tstate);
typedef int (*finalizing_fn)(void);

/* The interpreter found, and the module it is in (to notice that module go away). */
static struct {
    uint64_t dump;       /* _Py_DumpTracebackThreads; 0: none found */
    uint64_t finalizing; /* Py_IsFinalizing or _Py_IsFinalizing; 0: none (3.6) */
    uint64_t start;
    uint64_t path_hash;
} py;
static _Atomic bool present;

/* The code modules looked at so far, by start address (ascending, as in the map) and path. */
struct seen {
    uint64_t start;
    uint64_t path_hash;
};
SW_LARGE static struct seen seen_a[SW_MODMAP_MAX];
SW_LARGE static struct seen seen_b[SW_MODMAP_MAX];
static struct seen *seen = seen_a;
static unsigned nseen;

static char *text; /* the last dump, mapped; NULL: none */
static size_t text_len;
SW_LARGE static struct sw_py_dump parsed;
static char note_buf[256];

bool sw_pystack_present(void)
{
    return atomic_load_explicit(&present, memory_order_acquire);
}

static uint64_t path_hash(const char *p)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return h;
}

/* Whether module m holds an interpreter we know how to dump; if so, remembers it. */
static void try_module(const struct sw_module *m, uint64_t hash)
{
    uint64_t dump = sw_dynsym_lookup(m, "_Py_DumpTracebackThreads");
    if (dump == 0)
        return;
    uint64_t version_at = sw_dynsym_lookup(m, "Py_Version");
    if (version_at != 0) {
        uint64_t v; /* PY_VERSION_HEX in an unsigned long */
        if (sw_proc_read_mem((uintptr_t)version_at, &v, sizeof v) != (ssize_t)sizeof v ||
            v >> 24 != 3 || (v >> 16 & 0xff) < 6)
            return;
    } else if (sw_dynsym_lookup(m, "_PyGILState_GetInterpreterStateUnsafe") == 0) {
        return; /* before 3.6, or not CPython */
    }
    uint64_t fin = sw_dynsym_lookup(m, "Py_IsFinalizing");
    if (fin == 0)
        fin = sw_dynsym_lookup(m, "_Py_IsFinalizing");
    py.dump = dump;
    py.finalizing = fin;
    py.start = m->start;
    py.path_hash = hash;
    atomic_store_explicit(&present, true, memory_order_release);
}

/* Forgets the interpreter if its module is gone, then looks at every module not seen before. */
static void scan(const struct sw_modmap *map)
{
    if (py.dump != 0) {
        const struct sw_module *m = sw_modmap_find(map, py.start);
        if (m == NULL || m->start != py.start || path_hash(m->path) != py.path_hash) {
            memset(&py, 0, sizeof py);
            atomic_store_explicit(&present, false, memory_order_release);
        }
    }
    struct seen *next = seen == seen_a ? seen_b : seen_a;
    unsigned n = 0, k = 0;
    for (unsigned i = 0; i < map->n; i++) {
        const struct sw_module *m = &map->mod[i];
        if (m->text_end == 0 || !m->has_bias || m->path[0] != '/')
            continue; /* data mappings and the vDSO hold no interpreter */
        uint64_t h = path_hash(m->path);
        while (k < nseen && seen[k].start < m->start)
            k++;
        bool known = k < nseen && seen[k].start == m->start && seen[k].path_hash == h;
        next[n++] = (struct seen){m->start, h};
        if (!known && py.dump == 0)
            try_module(m, h);
    }
    seen = next;
    nseen = n;
}

static const char *set_note(const char *what, const char *detail)
{
    struct sw_buf b;
    sw_buf_init(&b, note_buf, sizeof note_buf - 1);
    sw_buf_puts(&b, what);
    sw_buf_puts(&b, detail);
    sw_buf_puts(&b, "); no Python stacks");
    if (b.overflow)
        return "the Python stacks could not be taken";
    note_buf[b.len] = '\0';
    return note_buf;
}

/* The kernel's struct sigaction for rt_sigaction (the shim interposes sigaction). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/* The child: one thread, a copy of the process's memory. Only system calls and the dump. */
static __attribute__((noreturn)) void child(int fd)
{
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
    struct kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};

    /* First let go of the copies of the program's descriptors (a socket or pipe the program
     * closes meanwhile must not stay open in us, nor a flock held through one), keeping only
     * the memory file. close_range is Linux 5.9+; without it they are held a little longer. */
    if (fd > 0)
        sw_real.syscall(SYS_close_range, 0L, (long)fd - 1, 0L);
    sw_real.syscall(SYS_close_range, (long)fd + 1, (long)~0U, 0L);
    sw_real.syscall(SYS_prctl, PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
    for (unsigned i = 0; i < sizeof faults / sizeof *faults; i++)
        sw_real.syscall(SYS_rt_sigaction, (long)faults[i], &dfl, NULL, (long)sizeof dfl.mask);
    const char *err = ((dump_fn)(uintptr_t)py.dump)(fd, NULL, NULL);
    /* "unable to get the interpreter state" (not initialized yet, or finalized) or "... the
     * thread head state" (no thread): no Python is running. */
    int code = err == NULL                                   ? CHILD_DUMPED
               : strncmp(err, "unable to get the ", 18) == 0 ? CHILD_NO_INTERPRETER
                                                             : CHILD_ERROR;
    for (;;)
        sw_real.syscall(SYS_exit_group, (long)code);
}

/* Waits for the child until deadline_ns (0: no limit), then kills it. Returns its wait status,
 * or -1 when it was killed for the deadline (or could not be waited for). */
static int reap(pid_t pid, uint64_t deadline_ns)
{
    uint64_t pause_ns = 50000;
    for (;;) {
        int status = 0;
        long r = sw_real.syscall(SYS_wait4, (long)pid, &status, (long)(WNOHANG | __WALL), NULL);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1; /* ECHILD: the program reaped it (wait with __WALL); nothing to wait for */
        if (r < 0)
            continue;
        uint64_t now = sw_mono_ns();
        if (deadline_ns != 0 && now >= deadline_ns) {
            sw_real.syscall(SYS_kill, (long)pid, (long)SIGKILL);
            while (sw_real.syscall(SYS_wait4, (long)pid, &status, (long)__WALL, NULL) < 0 &&
                   errno == EINTR)
                ;
            return -1;
        }
        if (deadline_ns != 0 && deadline_ns - now < pause_ns)
            pause_ns = deadline_ns - now;
        struct timespec ts = {0, (long)pause_ns};
        sw_real.nanosleep(&ts, NULL);
        if (pause_ns < 2000000)
            pause_ns *= 2;
    }
}

/* Has a copy of the process dump into fd, up to ATTEMPTS times while the copies die of a
 * fault, until deadline_ns. */
static enum sw_py_status dump_in_copies(int fd, uint64_t deadline_ns, const char **note)
{
    enum sw_py_status result = SW_PY_OK;
    for (unsigned attempt = 0; attempt < ATTEMPTS; attempt++) {
        lseek(fd, 0, SEEK_SET);
        /* Exit signal 0: the child is a "clone" child, invisible to the program's waits. */
        long pid = sw_real.syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L);
        if (pid == 0)
            child(fd);
        if (pid < 0) {
            *note = set_note("no process to dump the Python stacks in (clone: ",
                             strerrordesc_np(errno));
            return SW_PY_FAILED;
        }
        int status = reap((pid_t)pid, deadline_ns);
        if (status >= 0 && WIFEXITED(status)) {
            if (WEXITSTATUS(status) == CHILD_NO_INTERPRETER)
                return SW_PY_NONE;
            if (WEXITSTATUS(status) != CHILD_DUMPED) {
                *note = "CPython could not dump its threads; no Python stacks";
                return SW_PY_FAILED;
            }
            return SW_PY_OK;
        }
        if (status < 0) {
            *note = "the Python stacks were not all dumped in time "
                    "(STALLWATCH_SYMBOLIZE_TIMEOUT)";
            return SW_PY_PARTIAL;
        }
        /* Killed by a fault: the snapshot caught a running thread mid-change. Again. */
        *note = "CPython's dump of its threads failed on a thread that was running";
        result = SW_PY_PARTIAL;
        if (deadline_ns != 0 && sw_mono_ns() >= deadline_ns)
            break;
    }
    return result;
}

/* Maps what the copies wrote (it ends at the file offset; the size is TEXT_MAX or more).
 * false with *note set when it cannot be read. */
static bool map_text(int fd, const char **note)
{
    off_t end = lseek(fd, 0, SEEK_CUR);
    size_t len = end > 0 ? ((uint64_t)end < TEXT_MAX ? (size_t)end : TEXT_MAX) : 0;
    if (len == 0)
        return true;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        *note = set_note("the Python stacks could not be read (mmap: ", strerrordesc_np(errno));
        return false;
    }
    text = p;
    text_len = len;
    return true;
}

enum sw_py_status sw_pystack_dump(const struct sw_modmap *map, uint64_t deadline_ns,
                                  const struct sw_py_dump **dump, const char **note)
{
    *dump = NULL;
    *note = NULL;
    if (map != NULL)
        scan(map);
    if (py.dump == 0)
        return SW_PY_NONE;
    if (py.finalizing != 0 && ((finalizing_fn)(uintptr_t)py.finalizing)() != 0) {
        *note = "the Python interpreter is shutting down; no Python stacks";
        return SW_PY_FAILED;
    }
    if (text != NULL) {
        munmap(text, text_len);
        text = NULL;
        text_len = 0;
    }
    sw_ownfd_begin();
    int fd = sw_ownfd_end(memfd_create("stallwatch-python-stacks", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (fd < 0) {
        *note = set_note("no memory file for the Python stacks (memfd_create: ",
                         strerrordesc_np(errno));
        return SW_PY_FAILED;
    }
    /* Sparse: pages are taken only as the dump writes them. Without the seal (an old kernel)
     * a huge dump just takes more memory for a while. */
    if (sw_real.ftruncate(fd, TEXT_MAX) == 0)
        sw_real.fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK);
    enum sw_py_status result = dump_in_copies(fd, deadline_ns, note);
    bool have = (result == SW_PY_OK || result == SW_PY_PARTIAL) && map_text(fd, note);
    sw_ownfd_close(fd);
    if (!have)
        return result == SW_PY_OK || result == SW_PY_PARTIAL ? SW_PY_FAILED : result;
    sw_pyparse(text, text_len, &parsed);
    *dump = &parsed;
    return result;
}
