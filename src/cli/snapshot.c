/* Every thread of a running process as report entries (see snapshot.h). The command's own
 * thread; it allocates freely. */
#include "cli/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "core/diagnose.h"
#include "core/glibclock.h"
#include "symbolizer/session.h"

#define TIDS_MAX 65536

static struct sw_modmap map; /* large: static */

/* ---- what a thread waits for ------------------------------------------------------------ */

struct threads_ctx {
    const struct sw_snap *s;
};

static bool has_tid(void *ctx, pid_t tid)
{
    return sw_snap_find(((struct threads_ctx *)ctx)->s, tid) >= 0;
}

/* The thread whose pthread_t (its thread pointer, fs_base on x86_64) is self. */
static pid_t tid_of_self(void *ctx, uint64_t self)
{
    const struct sw_snap *s = ((struct threads_ctx *)ctx)->s;
    for (unsigned i = 0; i < s->n; i++)
        if (s->caps[i].ok && s->caps[i].full_regs && s->caps[i].fs_base == self)
            return s->caps[i].tid;
    return 0;
}

/* A function name of the C library as the call it implements: "___pthread_mutex_lock",
 * "__GI___libc_read", "__pthread_clockjoin_ex" name pthread_mutex_lock, read, pthread_join. */
static enum sw_call call_named(const char *fn)
{
    static const struct {
        const char *internal, *call;
    } alias[] = {
        {"pthread_clockjoin_ex", "pthread_join"},
        {"lll_lock_wait", NULL},
        {"lll_lock_wait_private", NULL},
    };
    if (strncmp(fn, "__GI_", 5) == 0)
        fn += 5;
    while (*fn == '_')
        fn++;
    if (strncmp(fn, "libc_", 5) == 0)
        fn += 5;
    size_t len = strcspn(fn, "@");
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strlen(alias[i].internal) == len && strncmp(fn, alias[i].internal, len) == 0) {
            if (alias[i].call == NULL)
                return SW_CALL_NONE;
            fn = alias[i].call;
            len = strlen(fn);
        }
    for (unsigned c = 1; c < SW_CALL_COUNT; c++)
        if (strlen(sw_call_name(c)) == len && strncmp(sw_call_name(c), fn, len) == 0)
            return (enum sw_call)c;
    return SW_CALL_NONE;
}

/* The call the program made into the C library: of the C library's frames the stack starts
 * with, the outermost that names a call we know (fgets, not the read under it; nanosleep, not
 * clock_nanosleep). */
static enum sw_call library_call(const struct sw_thread_report *t)
{
    enum sw_call found = SW_CALL_NONE;
    for (unsigned i = 0; i < t->nframes && sw_runtime_module(t->frames[i].module); i++) {
        const struct sw_frame *f = &t->frames[i];
        enum sw_call c = f->function != NULL ? call_named(f->function) : SW_CALL_NONE;
        if (c != SW_CALL_NONE)
            found = c;
    }
    return found;
}

/* Who holds the futex word at addr that thread t waits on in call lib. */
static pid_t futex_holder(struct sw_snap *s, enum sw_call lib, uint64_t addr)
{
    struct threads_ctx tc = {s};
    struct sw_threadset set = {has_tid, tid_of_self, &tc};
    struct sw_memread mem = {sw_target_read, &s->mempid};
    if (sw_call_is_join(lib)) {
        /* A join waits on the joined thread's tid word until the thread exits. */
        int32_t word;
        if (sw_mem_get(&mem, addr, &word, sizeof word) && has_tid(&tc, word))
            return word;
        return 0;
    }
    if (sw_call_is_rwlock(lib)) {
        /* Readers and writers wait on __wrphase_futex (+8) or __writers_futex (+12). */
        for (uint64_t off = 8; off <= 12; off += 4) {
            pid_t w = sw_glibc_rwlock_writer(&mem, addr - off);
            if (w != 0 && has_tid(&tc, w))
                return w;
        }
        return 0;
    }
    return sw_glibc_futex_owner(&mem, &set, addr);
}

static const char *lock_name(struct sw_snap *s, uint64_t addr)
{
    const struct sw_module *m = sw_modmap_find(&map, addr);
    if (m != NULL && sw_loader_module(m->path))
        return "the dynamic loader's lock";
    struct threads_ctx tc = {s};
    struct sw_threadset set = {has_tid, tid_of_self, &tc};
    struct sw_memread mem = {sw_target_read, &s->mempid};
    return sw_glibc_is_stdio_lock(&mem, &set, addr) ? "a stdio lock" : NULL;
}

static char *read_string(pid_t pid, uint64_t addr)
{
    char buf[4096];
    ssize_t n = sw_target_read(&pid, addr, buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

/* The call, object, class and holder of entry i, from its look and frames. */
static void explain(struct sw_snap *s, unsigned i)
{
    struct sw_thread_report *t = &s->threads[i];
    const struct sw_tlook *l = &s->looks[i];
    struct sw_kcall kc;
    enum sw_call lib = library_call(t);
    if (!sw_kernel_call(&l->k, &kc)) {
        t->call = lib != SW_CALL_NONE ? sw_call_name(lib) : l->state == 'R' ? "running" : NULL;
        t->cls = SW_CLASS_NONE;
        return;
    }
    t->call = sw_call_name(lib != SW_CALL_NONE ? lib : kc.call);
    t->kernel = lib == SW_CALL_NONE;
    t->objkind = (enum sw_objkind)sw_calls[kc.call].objkind;
    t->object = kc.obj;
    enum sw_class cls = kc.cls;
    switch (t->objkind) {
    case SW_OBJ_FD: {
        char target[4096];
        t->fd = (int)kc.obj;
        sw_target_fd(s->pid, t->fd, target, sizeof target);
        t->fd_target = target[0] != '\0' ? strdup(target) : NULL;
        if (cls == SW_CLASS_FD)
            cls = sw_target_fd_class(s->pid, t->fd);
        char name[64];
        t->owner_pid = sw_target_file_lock_holder(s->pid, kc.call, t->fd, name, sizeof name);
        t->owner_process = t->owner_pid != 0 && name[0] != '\0' ? strdup(name) : NULL;
        break;
    }
    case SW_OBJ_PATH:
        t->path = read_string(s->mempid, kc.obj);
        break;
    case SW_OBJ_ADDR:
        if (kc.call == SW_CALL_FUTEX && sw_futex_is_lock(t, lib)) {
            t->owner_tid = futex_holder(s, lib, kc.obj);
            t->lock = lock_name(s, kc.obj);
        }
        break;
    default:
        break;
    }
    if (cls == SW_CLASS_FD || cls == SW_CLASS_PATH)
        cls = SW_CLASS_DISK;
    if (lib != SW_CALL_NONE && sw_calls[lib].cls < SW_CLASS_COUNT)
        cls = (enum sw_class)sw_calls[lib].cls;
    t->cls = sw_kernel_class(cls, l->state);
    if (t->owner_tid == t->tid)
        t->owner_tid = 0;
}

/* ---- the stacks ------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* Unwinds and names every captured stack with one symbolizer session. */
static void symbolize(struct sw_snap *s, const struct sw_config *cfg)
{
    struct sw_msg_hello hello = {.version = SW_PROTO_VERSION, .pid = s->mempid,
                                 .nmodules = map.n, .debuginfod = cfg->debuginfod};
    struct sw_session *ss = sw_session_begin(s->mempid, &hello);
    if (ss == NULL)
        return;
    for (unsigned i = 0; i < map.n; i++) {
        const struct sw_module *m = &map.mod[i];
        struct sw_msg_module mm = {.start = m->start, .end = m->end, .bias = m->bias,
                                   .has_bias = m->has_bias, .text = m->text_start != 0,
                                   .path = m->path, .path_len = (uint32_t)strlen(m->path)};
        memcpy(mm.build_id, m->build_id, sizeof mm.build_id);
        sw_session_add_module(ss, &mm);
    }
    sw_session_ready(ss);
    static struct sw_msg_unwound pcs;
    static struct sw_msg_frames named;
    for (unsigned i = 0; i < s->n; i++) {
        const struct sw_tcap *c = &s->caps[i];
        struct sw_thread_report *t = &s->threads[i];
        if (!c->ok)
            continue;
        struct sw_msg_stack st = {.job = i, .tid = c->tid, .full_regs = c->full_regs,
                                  .max_frames = cfg->frames, .stack_len = c->stack_len,
                                  .stack = c->stack};
        memcpy(st.regs, c->regs, sizeof st.regs);
        sw_session_unwind(ss, &st, &pcs);
        sw_session_name(ss, &pcs, cfg->frames, &named);
        struct sw_frame *fr = calloc(named.n + 1, sizeof *fr);
        if (fr == NULL)
            continue;
        for (uint32_t k = 0; k < named.n; k++) {
            const struct sw_wire_frame *w = &named.frame[k];
            fr[k] = (struct sw_frame){.pc = w->pc, .offset = w->offset, .line = w->line,
                                      .inlined = w->inlined,
                                      .function = dup_or_null(w->function),
                                      .file = dup_or_null(w->file)};
            if (w->module >= 0 && (unsigned)w->module < map.n) {
                const struct sw_module *m = &map.mod[w->module];
                fr[k].module = strdup(m->path);
                fr[k].build_id = m->build_id[0] != '\0' ? strdup(m->build_id) : NULL;
            } else {
                fr[k].offset = 0;
            }
        }
        t->frames = fr;
        t->nframes = named.n;
        t->capture = c->full_regs ? "ptrace" : "proc";
        if (named.note != NULL)
            t->note = strdup(named.note);
        else if (!c->full_regs)
            t->note = strdup(s->looks[i].state == 'D'
                                 ? "not stopped (uninterruptible sleep: it could not take a "
                                   "stop): unwound from SP and PC alone"
                                 : "not stopped (a stop would make its call return EINTR): "
                                   "unwound from SP and PC alone");
    }
    sw_session_end(ss);
}

/* ---- the snapshot ----------------------------------------------------------------------- */

int sw_snap_find(const struct sw_snap *s, pid_t tid)
{
    unsigned lo = 0, hi = s->n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (s->looks[mid].tid == tid)
            return (int)mid;
        if (s->looks[mid].tid < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

unsigned sw_snap_cycle(const struct sw_snap *s, unsigned start, unsigned *cycle, unsigned max)
{
    int *next = malloc(s->n * sizeof *next);
    if (next == NULL)
        return 0;
    for (unsigned i = 0; i < s->n; i++)
        next[i] = s->threads[i].owner_tid != 0 ? sw_snap_find(s, s->threads[i].owner_tid) : -1;
    unsigned len = sw_find_cycle(next, s->n, start, cycle, max);
    free(next);
    return len;
}

/* Whether the thread is better not stopped: a stop would be seen by the program (EINTR), it
 * could not take one (uninterruptible sleep: it would hold every other thread still for the
 * whole wait for it), or it is exiting (a zombie thread cannot be seized). */
static bool must_not_stop(pid_t pid, const struct sw_tlook *l)
{
    if (l->state == 'D' || l->state == 'Z' || l->state == 'X')
        return true;
    /* Tests: stop them all, as if each had entered its call after this look (seize.c then
     * starts their interrupted calls again). */
    static int stop_all = -1;
    if (stop_all < 0)
        stop_all = getenv("SW_TEST_STOP_ALL") != NULL;
    if (stop_all)
        return false;
    switch (sw_kernel_stop(&l->k)) {
    case SW_KSTOP_VISIBLE:
        return true;
    case SW_KSTOP_IF_SOCKET: {
        char target[64];
        sw_target_fd(pid, (int)l->k.args[0], target, sizeof target);
        return strncmp(target, "socket:", 7) == 0;
    }
    default:
        return false;
    }
}

int sw_snap_take(pid_t pid, const struct sw_config *cfg, struct sw_snap *s, char *why,
                 size_t cap, void (*released)(void *arg), void *arg)
{
    memset(s, 0, sizeof *s);
    s->pid = pid;
    static pid_t tids[TIDS_MAX];
    int n = sw_target_tids(pid, tids, TIDS_MAX);
    if (n <= 0) {
        snprintf(why, cap, "no process %d", (int)pid);
        return 1;
    }
    sw_target_names(pid, s->exe, sizeof s->exe, s->comm, sizeof s->comm, s->title,
                    sizeof s->title);
    sw_target_job(pid, s->host, sizeof s->host, &s->job);
    s->looks = calloc((size_t)n, sizeof *s->looks);
    s->caps = calloc((size_t)n, sizeof *s->caps);
    s->threads = calloc((size_t)n, sizeof *s->threads);
    bool *stop = calloc((size_t)n, sizeof *stop);
    if (s->looks == NULL || s->caps == NULL || s->threads == NULL || stop == NULL) {
        free(stop);
        snprintf(why, cap, "out of memory");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (!sw_target_look(pid, tids[i], &s->looks[s->n]))
            continue;
        tids[s->n] = tids[i];
        stop[s->n] = !must_not_stop(pid, &s->looks[s->n]);
        s->n++;
    }
    s->mempid = pid;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->looks[i].state != 'Z' && s->looks[i].state != 'X') {
            s->mempid = s->looks[i].tid; /* the main thread first, when it lives */
            break;
        }
    }
    /* Before the capture: the process is held for less. */
    sw_target_modmap(s->mempid, &map);
    enum sw_seize_result r =
        sw_seize(pid, tids, stop, s->n, s->caps, 1000, &s->held_ns, why, cap);
    for (unsigned i = 0; i < s->n; i++) {
        s->stopped += s->caps[i].ok && s->caps[i].full_regs; /* only a stop gives them all */
        if (s->looks[i].state == 'Z' || s->looks[i].state == 'X')
            s->caps[i].ok = false; /* an exited thread: nothing of it to unwind */
    }
    free(stop);
    if (r != SW_SEIZE_OK)
        return 1;
    if (released != NULL)
        released(arg);
    symbolize(s, cfg);
    if (!sw_target_alive(pid)) {
        snprintf(why, cap, "process %d exited during the dump", (int)pid);
        return 1;
    }
    for (unsigned i = 0; i < s->n; i++) {
        struct sw_thread_report *t = &s->threads[i];
        const struct sw_tlook *l = &s->looks[i];
        t->tid = l->tid;
        t->name = l->name;
        t->state = l->state;
        t->wchan = l->wchan[0] != '\0' ? l->wchan : NULL;
        if (!s->caps[i].ok && t->note == NULL)
            t->note = strdup("not captured: the thread exited, or did not stop within a "
                             "second (uninterruptible sleep)");
    }
    for (unsigned i = 0; i < s->n; i++)
        explain(s, i);
    return 0;
}

void sw_snap_free(struct sw_snap *s)
{
    for (unsigned i = 0; s->threads != NULL && i < s->n; i++) {
        struct sw_thread_report *t = &s->threads[i];
        for (unsigned k = 0; k < t->nframes; k++) {
            free((char *)t->frames[k].function);
            free((char *)t->frames[k].file);
            free((char *)t->frames[k].module);
            free((char *)t->frames[k].build_id);
        }
        free((struct sw_frame *)t->frames);
        free((char *)t->fd_target);
        free((char *)t->path);
        free((char *)t->owner_process);
        free((char *)t->note);
    }
    free(s->looks);
    free(s->caps);
    free(s->threads);
    memset(s, 0, sizeof *s);
}
