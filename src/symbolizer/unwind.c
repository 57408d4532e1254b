/* The libdw session for our own process and snapshot unwinding. Symbolization worker thread
 * only (symworker.c).
 *
 * Modules are reported from our own /proc/self/maps reader (modmap.c) rather than
 * dwfl_linux_proc_report, whose stdio would take the program's stdio list lock. The process
 * is attached with our own thread callbacks: dwfl_linux_proc_attach would ptrace ourselves,
 * which the kernel refuses within a thread group. The callbacks present one thread, the one
 * whose snapshot is being unwound; its memory is read from the snapshot first, then from our
 * own address space with process_vm_readv (safe on unmapped addresses). */
#include "symbolizer/unwind.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "symbolizer/debuginfo.h"
#include "watchdog/procinfo.h"
#include "symbolizer/dwload.h" /* last: its macros rename the libdw calls below */

static Dwfl *dwfl;
static bool attached;
static Dwfl_Callbacks callbacks;
/* Two maps: a refresh fills the other one, so frames already made from the current one (by
 * earlier threads of the same report) keep valid strings. */
static struct sw_modmap maps[2];
static struct sw_modmap *modmap = &maps[0];
static bool modmap_ok;
static char errbuf[256];
static const struct sw_snapshot *current;

static void set_error(const char *what, const char *detail)
{
    struct sw_buf b;
    sw_buf_init(&b, errbuf, sizeof errbuf);
    sw_buf_puts(&b, what);
    sw_buf_puts(&b, ": ");
    sw_buf_puts(&b, detail != NULL ? detail : "unknown error");
}

const char *sw_unwind_error(void)
{
    return errbuf[0] != '\0' ? errbuf : NULL;
}

static pid_t next_thread(Dwfl *d, void *arg, void **thread_argp)
{
    (void)d;
    (void)arg;
    if (*thread_argp != NULL || current == NULL)
        return 0;
    *thread_argp = (void *)current;
    return current->tid;
}

static bool get_thread(Dwfl *d, pid_t tid, void *arg, void **thread_argp)
{
    (void)d;
    (void)arg;
    if (current == NULL || current->tid != tid)
        return false;
    *thread_argp = (void *)current;
    return true;
}

static bool memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)d;
    (void)arg;
    const struct sw_snapshot *s = current;
    if (s != NULL) {
        uint64_t base = s->regs[SW_DWARF_SP];
        if (addr >= base && addr - base + sizeof *result <= s->stack_len) {
            memcpy(result, s->stack + (addr - base), sizeof *result);
            return true;
        }
    }
    return sw_proc_read_mem((uintptr_t)addr, result, sizeof *result) == (ssize_t)sizeof *result;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
    const struct sw_snapshot *s = arg;
    if (s->full_regs)
        return dwfl_thread_state_registers(thread, 0, SW_NREGS, (const Dwarf_Word *)s->regs);
    Dwarf_Word sp = s->regs[SW_DWARF_SP], pc = s->regs[SW_DWARF_PC];
    return dwfl_thread_state_registers(thread, SW_DWARF_SP, 1, &sp) &&
           dwfl_thread_state_registers(thread, SW_DWARF_PC, 1, &pc);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

/* Whether every code module of old is still mapped at the same place in new. */
static bool all_still_there(const struct sw_modmap *old, const struct sw_modmap *new)
{
    for (unsigned i = 0; i < old->n; i++) {
        const struct sw_module *m = &old->mod[i];
        if (m->text_end == 0)
            continue;
        const struct sw_module *n = sw_modmap_find(new, m->start);
        if (n == NULL || n->start != m->start || strcmp(n->path, m->path) != 0)
            return false;
    }
    return true;
}

static int report(void)
{
    struct sw_modmap *old = modmap, *next = modmap == &maps[0] ? &maps[1] : &maps[0];
    bool had_map = modmap_ok;
    modmap_ok = sw_modmap_load(next) == 0 && next->n > 0;
    modmap = next;
    if (dwfl == NULL)
        return -1;
    /* libdwfl closes a removed module's descriptors, which we closed already and the program
     * may have reused: never let it remove one. If a library went away (dlclose), start over
     * with a new Dwfl and leave the old one, unfreed. */
    if (attached && had_map && modmap_ok && !all_still_there(old, modmap)) {
        dwfl = dwfl_begin(&callbacks);
        attached = false;
        if (dwfl == NULL) {
            set_error("dwfl_begin", dwfl_errmsg(-1));
            return -1;
        }
    }
    if (!modmap_ok) {
        set_error("/proc/self/maps", "unreadable");
        return -1;
    }
    dwfl_report_begin(dwfl);
    for (unsigned i = 0; i < modmap->n; i++) {
        const struct sw_module *m = &modmap->mod[i];
        /* Code only: files mapped as data (libelf's own maps of the ELF files it reads) are
         * not modules. A module libdw refuses (overlap, odd file) stays unsymbolized. */
        if (m->text_end != 0)
            dwfl_report_module(dwfl, m->path, m->start, m->end);
    }
    if (dwfl_report_end(dwfl, NULL, NULL) != 0) {
        set_error("dwfl_report_end", dwfl_errmsg(-1));
        return -1;
    }
    if (!attached) {
        if (!dwfl_attach_state(dwfl, NULL, getpid(), &thread_callbacks, NULL)) {
            set_error("dwfl_attach_state", dwfl_errmsg(-1));
            return -1;
        }
        attached = true;
    }
    return 0;
}

int sw_unwind_open(bool debuginfod)
{
    if (dwfl != NULL && attached)
        return 0;
    if (dwfl == NULL) {
        if (sw_dw_load() != 0) {
            set_error("libdw", sw_dw_error());
            modmap_ok = sw_modmap_load(modmap) == 0;
            return -1;
        }
        sw_debuginfo_callbacks(&callbacks, debuginfod);
        dwfl = dwfl_begin(&callbacks);
        if (dwfl == NULL) {
            set_error("dwfl_begin", dwfl_errmsg(-1));
            modmap_ok = sw_modmap_load(modmap) == 0;
            return -1;
        }
    }
    return report();
}

int sw_unwind_refresh(void)
{
    return report();
}

/* Same code modules at the same places. */
static bool same_code(const struct sw_modmap *a, const struct sw_modmap *b)
{
    return all_still_there(a, b) && all_still_there(b, a);
}

int sw_unwind_sync(void)
{
    if (dwfl == NULL || !attached || !modmap_ok)
        return 0;
    static struct sw_modmap probe;
    if (sw_modmap_load(&probe) != 0 || same_code(modmap, &probe))
        return 0;
    return report();
}

Dwfl *sw_unwind_dwfl(void)
{
    return attached ? dwfl : NULL;
}

const struct sw_modmap *sw_unwind_modmap(void)
{
    return modmap_ok ? modmap : NULL;
}

struct collect {
    struct sw_pcs *out;
    unsigned max;
};

static int on_frame(Dwfl_Frame *frame, void *arg)
{
    struct collect *c = arg;
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(frame, &pc, &activation))
        return DWARF_CB_ABORT;
    /* A zero return address ends the chain (thread start, or a frame without CFI). */
    if (pc == 0 && c->out->n > 0)
        return DWARF_CB_ABORT;
    c->out->pc[c->out->n] = pc;
    c->out->activation[c->out->n] = activation;
    c->out->n++;
    return c->out->n < c->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

unsigned sw_unwind_snapshot(const struct sw_snapshot *snap, unsigned max, struct sw_pcs *out)
{
    if (max > SW_FRAMES_MAX)
        max = SW_FRAMES_MAX;
    out->n = 0;
    if (max == 0)
        return 0;
    if (sw_unwind_dwfl() != NULL) {
        struct collect c = {out, max};
        current = snap;
        /* Returns -1 at the end of an unwind it could not complete: the frames collected so
         * far are still good. */
        dwfl_getthread_frames(dwfl, snap->tid, on_frame, &c);
        current = NULL;
    }
    if (out->n == 0) {
        out->pc[0] = snap->regs[SW_DWARF_PC];
        out->activation[0] = true;
        out->n = 1;
    }
    return out->n;
}

void sw_unwind_after_fork_child(void)
{
    dwfl = NULL;
    attached = false;
    modmap_ok = false;
}
