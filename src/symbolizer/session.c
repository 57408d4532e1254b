/* Programs as the symbolizer sees them (see session.h). The symbolizer program; one thread.
 *
 * Unwinding: a Dwfl per program, its modules reported at the addresses the program's watchdog
 * sent (dwfl_report_module, the files mapped by path: debuginfo.c), attached with our own
 * thread callbacks that present one thread, the snapshot being unwound. Memory is read from
 * the snapshot first; past it, from the program itself with process_vm_readv when the kernel
 * allows it (same user, no stricter ptrace scope), else the read fails and the unwind stops
 * there. Names come from names.c, per module file, shared by every program. */
#include "symbolizer/session.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <elfutils/libdwfl.h>

#include "symbolizer/debuginfo.h"
#include "symbolizer/names.h"

/* One per connected program (the server takes at most SW_SYMBOLIZER_CLIENTS_MAX at once),
 * and a few more kept for the programs seen last, whose next report reuses their libdw
 * session. */
#define SESSIONS_MAX (SW_SYMBOLIZER_CLIENTS_MAX + 16)

struct module {
    uint64_t start, end, bias;
    bool has_bias, text;
    char build_id[41];
    char *path;
};

struct modlist {
    struct module *m;
    unsigned n, cap;
    uint64_t hash;
};

struct sw_session {
    pid_t pid;
    bool live;
    unsigned users;
    uint64_t used;
    bool debuginfod;
    uint64_t own_start, own_end;
    struct modlist mods, incoming;
    Dwfl *dwfl;
    bool attached;
    const struct sw_msg_stack *current; /* the snapshot being unwound */
};

static struct sw_session sessions[SESSIONS_MAX];
static uint64_t ticks;

static void free_list(struct modlist *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->m[i].path);
    free(l->m);
    memset(l, 0, sizeof *l);
}

static void drop_dwfl(struct sw_session *s)
{
    if (s->dwfl != NULL)
        dwfl_end(s->dwfl);
    s->dwfl = NULL;
    s->attached = false;
}

struct sw_session *sw_session_begin(pid_t pid, const struct sw_msg_hello *hello)
{
    struct sw_session *s = NULL;
    for (unsigned i = 0; i < SESSIONS_MAX && s == NULL; i++)
        if (sessions[i].live && sessions[i].pid == pid)
            s = &sessions[i];
    if (s == NULL) {
        /* A free one, else the least recently used one nobody is connected to. */
        for (unsigned i = 0; i < SESSIONS_MAX; i++) {
            struct sw_session *c = &sessions[i];
            if (!c->live) {
                s = c;
                break;
            }
            if (c->users == 0 && (s == NULL || c->used < s->used))
                s = c;
        }
        if (s == NULL)
            return NULL;
        drop_dwfl(s);
        free_list(&s->mods);
        free_list(&s->incoming);
        memset(s, 0, sizeof *s);
        s->live = true;
        s->pid = pid;
    }
    free_list(&s->incoming);
    s->users++;
    s->used = ++ticks;
    s->debuginfod = hello->debuginfod;
    s->own_start = hello->own_start;
    s->own_end = hello->own_end;
    return s;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

void sw_session_add_module(struct sw_session *s, const struct sw_msg_module *m)
{
    struct modlist *l = &s->incoming;
    if (l->n == l->cap) {
        unsigned cap = l->cap != 0 ? l->cap * 2 : 64;
        struct module *grown = realloc(l->m, cap * sizeof *grown);
        if (grown == NULL)
            return;
        l->m = grown;
        l->cap = cap;
    }
    char *path = strndup(m->path, m->path_len);
    if (path == NULL)
        return;
    struct module *d = &l->m[l->n++];
    *d = (struct module){m->start, m->end, m->bias, m->has_bias, m->text, "", path};
    memcpy(d->build_id, m->build_id, sizeof d->build_id);
    uint64_t h = l->hash != 0 ? l->hash : 14695981039346656037ull;
    h = fnv(h, &m->start, sizeof m->start);
    h = fnv(h, &m->end, sizeof m->end);
    h = fnv(h, m->build_id, strlen(m->build_id));
    l->hash = fnv(h, m->path, m->path_len);
}

void sw_session_ready(struct sw_session *s)
{
    if (s->incoming.hash == s->mods.hash && s->incoming.n == s->mods.n) {
        free_list(&s->incoming);
        return;
    }
    /* Other modules (a library loaded or unloaded): a new libdw session. */
    drop_dwfl(s);
    free_list(&s->mods);
    s->mods = s->incoming;
    memset(&s->incoming, 0, sizeof s->incoming);
}

void sw_session_end(struct sw_session *s)
{
    if (s != NULL && s->users > 0)
        s->users--;
}

/* ---- unwinding ----------------------------------------------------------------------------- */

static pid_t next_thread(Dwfl *d, void *arg, void **thread_argp)
{
    (void)d;
    struct sw_session *s = arg;
    if (*thread_argp != NULL || s->current == NULL)
        return 0;
    *thread_argp = s;
    return s->current->tid;
}

static bool get_thread(Dwfl *d, pid_t tid, void *arg, void **thread_argp)
{
    (void)d;
    struct sw_session *s = arg;
    if (s->current == NULL || s->current->tid != tid)
        return false;
    *thread_argp = s;
    return true;
}

static bool memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)d;
    struct sw_session *s = arg;
    const struct sw_msg_stack *st = s->current;
    if (st != NULL) {
        uint64_t base = st->regs[SW_DWARF_SP];
        if (addr >= base && addr - base + sizeof *result <= st->stack_len) {
            memcpy(result, st->stack + (addr - base), sizeof *result);
            return true;
        }
    }
    struct iovec local = {result, sizeof *result};
    struct iovec remote = {(void *)(uintptr_t)addr, sizeof *result};
    return process_vm_readv(s->pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof *result;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
    struct sw_session *s = arg;
    const struct sw_msg_stack *st = s->current;
    if (st->full_regs)
        return dwfl_thread_state_registers(thread, 0, SW_NREGS, (const Dwarf_Word *)st->regs);
    Dwarf_Word sp = st->regs[SW_DWARF_SP], pc = st->regs[SW_DWARF_PC];
    return dwfl_thread_state_registers(thread, SW_DWARF_SP, 1, &sp) &&
           dwfl_thread_state_registers(thread, SW_DWARF_PC, 1, &pc);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

/* The libdw session of the program's code modules, made on first use. */
static bool attach(struct sw_session *s)
{
    if (s->attached)
        return true;
    static Dwfl_Callbacks cb[2];
    Dwfl_Callbacks *c = &cb[s->debuginfod ? 1 : 0];
    if (c->find_elf == NULL)
        sw_debuginfo_callbacks(c, s->debuginfod);
    s->dwfl = dwfl_begin(c);
    if (s->dwfl == NULL)
        return false;
    dwfl_report_begin(s->dwfl);
    for (unsigned i = 0; i < s->mods.n; i++) {
        const struct module *m = &s->mods.m[i];
        const void *base;
        size_t size;
        bool vdso = strcmp(m->path, "[vdso]") == 0;
        /* Code modules only, files by path; the vDSO only when ours is the same image. */
        if (!m->text || (!vdso && m->path[0] != '/') ||
            (vdso && !sw_names_own_vdso(m->build_id, &base, &size)))
            continue;
        dwfl_report_module(s->dwfl, m->path, m->start, m->end);
    }
    if (dwfl_report_end(s->dwfl, NULL, NULL) != 0 ||
        !dwfl_attach_state(s->dwfl, NULL, s->pid, &thread_callbacks, s)) {
        drop_dwfl(s);
        return false;
    }
    s->attached = true;
    return true;
}

struct collect {
    struct sw_msg_unwound *out;
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

void sw_session_unwind(struct sw_session *s, const struct sw_msg_stack *st,
                       struct sw_msg_unwound *out)
{
    out->job = st->job;
    out->n = 0;
    /* A few more than asked for: the shim's own frames are left out afterwards. */
    unsigned max = st->max_frames + 8 < SW_PROTO_FRAMES_MAX ? st->max_frames + 8
                                                             : SW_PROTO_FRAMES_MAX;
    if (attach(s)) {
        struct collect c = {out, max};
        s->current = st;
        /* Returns -1 at the end of an unwind it could not complete: the frames collected so
         * far are still good. */
        dwfl_getthread_frames(s->dwfl, st->tid, on_frame, &c);
        s->current = NULL;
    }
    if (out->n == 0) {
        out->pc[0] = st->regs[SW_DWARF_PC];
        out->activation[0] = true;
        out->n = 1;
    }
}

/* ---- naming -------------------------------------------------------------------------------- */

/* The index of the module holding pc, or -1. */
static int module_of(const struct sw_session *s, uint64_t pc)
{
    unsigned lo = 0, hi = s->mods.n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (s->mods.m[mid].end <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (unsigned i = lo; i < s->mods.n && s->mods.m[i].start <= pc; i++)
        if (pc < s->mods.m[i].end)
            return (int)i;
    return -1;
}

void sw_session_name(struct sw_session *s, const struct sw_msg_unwound *pcs, unsigned max,
                     struct sw_msg_frames *out)
{
    sw_names_release();
    out->job = pcs->job;
    out->n = 0;
    out->note = NULL;
    if (max > SW_PROTO_FRAMES_MAX)
        max = SW_PROTO_FRAMES_MAX;
    for (unsigned i = 0; i < pcs->n && out->n < max; i++) {
        uint64_t pc = pcs->pc[i];
        bool exact = pcs->activation[i];
        if (pc >= s->own_start && pc < s->own_end)
            continue; /* the shim's wrapper or trampoline */
        /* A return address is looked up one byte earlier (names.c does it for offsets). */
        int k = module_of(s, exact || pc == 0 ? pc : pc - 1);
        struct sw_wire_frame *f = &out->frame[out->n];
        *f = (struct sw_wire_frame){.pc = pc, .module = k};
        if (k < 0) {
            out->n++;
            continue;
        }
        const struct module *m = &s->mods.m[k];
        f->offset = pc - m->bias;
        struct sw_named named[32];
        unsigned room = max - out->n < 32 ? max - out->n : 32;
        const char *note = NULL;
        unsigned n = strcmp(m->path, "[vdso]") == 0
                         ? sw_names_vdso(m->build_id, f->offset, exact, named, room)
                         : sw_names_at(m->path, m->build_id, f->offset, exact, named, room,
                                       &note);
        if (note != NULL && out->note == NULL)
            out->note = note;
        if (n == 0) {
            out->n++;
            continue;
        }
        for (unsigned j = 0; j < n; j++) {
            struct sw_wire_frame *g = &out->frame[out->n++];
            *g = *f;
            g->function = named[j].function;
            g->file = named[j].file;
            g->line = named[j].line;
            g->inlined = named[j].inlined;
        }
    }
}
