/* The watchdog's side of the symbolizer program (see symclient.h). Watchdog thread only, but
 * for sw_symclient_init (the constructor).
 *
 * One symbolizer serves every process of a user that sees the same files: it listens on an
 * abstract socket named for the uid and the mount namespace (core/symproto.h). The first
 * process that finds nobody listening binds the name itself, listens, and starts the program
 * with that socket as its descriptor 3 (spawn.c), then connects like anyone else: the
 * connection waits in the backlog until the symbolizer accepts it, so there is no race to
 * start, and if two processes start at once the loser of the bind just connects. The
 * symbolizer forks at once and its first process exits, which this thread reaps; the service
 * lives on, parented to init, until no process has connected for a minute. The program's path
 * and the socket's name are settled at the first need, not at start-up.
 *
 * A connection is opened per report (and per warm-up) and closed before the report ends: no
 * descriptor of ours outlives a report, so a daemon that closes every descriptor and reuses
 * the numbers never meets ours, and a fork child inherits none (every one is close-on-exec and
 * exists only on this thread while it reports). The symbolizer is checked to run as our user
 * (SO_PEERCRED): an abstract name has no permissions, and another user could have bound it to
 * read our stacks. */
#include "watchdog/symclient.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/large.h"
#include "core/symproto.h"
#include "hook/real.h"
#include "watchdog/ownfd.h"
#include "watchdog/spawn.h"

#define MS      1000000ull
#define ENV_MAX 16

static const struct sw_config *cfg;
static char program[SW_PATH_MAX]; /* "" when there is none to run */
static struct sockaddr_un addr;
static socklen_t addr_len;
/* The symbolizer's environment (keep_environment). 2 KiB, so that with the settings it fits
 * the pages the loader writes anyway (core/large.h): a variable that does not fit is left
 * out, PATH the likeliest, which the symbolizer does not need (it runs no program). */
SW_EARLY static char *env[ENV_MAX + 1];
SW_EARLY static char env_pool[2048];
static uint64_t own_start, own_end;

static int conn = -1;          /* this report's connection */
/* A socket of ours not yet (or no longer) in conn: being connected, or the listening socket
 * handed to the symbolizer we start. Like conn, recorded by ownfd.c from the instant it
 * exists, so a fork child closes it. */
static int transient = -1;
static const struct sw_modmap *conn_map;
static uint32_t next_job;
static const char *start_note; /* why the symbolizer could not be started, for the next note */
static uint64_t retry_after_ns; /* after a failed start, none is tried again before this */
static char note_buf[256];
SW_LARGE static uint8_t msg[SW_PROTO_MSG_MAX + 64];
SW_LARGE static struct sw_msg_frames frames_in;
static struct sw_msg_unwound unwound_in;

/* The variables the symbolizer may use, copied now: environ is the program's to change. */
SW_STARTUP static void keep_environment(void)
{
    static const char *const keep[] = {"HOME=", "DEBUGINFOD_URLS=", "DEBUGINFOD_CACHE_PATH=",
                                       "DEBUGINFOD_TIMEOUT=", "XDG_CACHE_HOME=", "PATH="};
    extern char **environ;
    size_t used = 0, n = 0;
    for (char **e = environ; e != NULL && *e != NULL && n < ENV_MAX; e++) {
        for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
            /* The first letter first: every process pays this loop at start-up. */
            if ((*e)[0] != keep[k][0] || strncmp(*e, keep[k], strlen(keep[k])) != 0)
                continue;
            size_t len = strlen(*e);
            if (used + len + 1 > sizeof env_pool)
                continue;
            memcpy(env_pool + used, *e, len + 1);
            env[n++] = env_pool + used;
            used += len + 1;
        }
    }
    env[n] = NULL;
}

SW_STARTUP void sw_symclient_init(const struct sw_config *c)
{
    cfg = c;
    keep_environment();
}

/* The program to run and the socket it listens on, settled at the first need (not at
 * start-up, which every process pays): the setting, else stallwatch-symbolizer beside the
 * library, whose path the module map has. false with start_note set when there is none. */
static bool name_symbolizer(const struct sw_modmap *map)
{
    static bool named;
    if (named)
        return program[0] != '\0';
    named = true;
    const struct sw_module *own = sw_modmap_find(map, (uint64_t)(uintptr_t)&sw_symclient_init);
    if (strcmp(cfg->symbolizer, "off") == 0) {
        start_note = "STALLWATCH_SYMBOLIZER=off; raw frames";
    } else if (cfg->symbolizer[0] != '\0') {
        snprintf(program, sizeof program, "%s", cfg->symbolizer);
    } else if (own != NULL && strrchr(own->path, '/') != NULL) {
        int dir = (int)(strrchr(own->path, '/') - own->path);
        snprintf(program, sizeof program, "%.*s/stallwatch-symbolizer", dir, own->path);
    } else {
        start_note = "the symbolizer program cannot be found (the library's own path is "
                     "unknown); raw frames";
    }
    if (program[0] == '\0')
        return false;
    /* The name is the program's canonical path (the symbolizer started by hand computes it
     * from /proc/self/exe). */
    char real[PATH_MAX];
    if (realpath(program, real) != NULL && strlen(real) < sizeof program)
        memcpy(program, real, strlen(real) + 1);
    char link[64] = "";
    ssize_t n = readlink("/proc/self/ns/mnt", link, sizeof link - 1);
    unsigned long long ino = 0;
    if (n > 0) {
        link[n] = '\0';
        sscanf(link, "mnt:[%llu]", &ino);
    }
    addr.sun_family = AF_UNIX;
    size_t len = sw_proto_socket_name(addr.sun_path + 1, sizeof addr.sun_path - 1, getuid(), ino,
                                      program);
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
    return true;
}

/* The shim's own code, whose frames the symbolizer leaves out. */
static void own_span(const struct sw_modmap *map)
{
    const struct sw_module *m = sw_modmap_find(map, (uint64_t)(uintptr_t)&sw_symclient_init);
    own_start = m != NULL ? m->start : 0;
    own_end = m != NULL ? m->end : 0;
}

static const char *noted(const char *what, int err)
{
    struct sw_buf b;
    sw_buf_init(&b, note_buf, sizeof note_buf - 1);
    sw_buf_puts(&b, what);
    if (err != 0) {
        sw_buf_puts(&b, " (");
        sw_buf_puts(&b, strerrordesc_np(err) != NULL ? strerrordesc_np(err) : "unknown error");
        sw_buf_puts(&b, ")");
    }
    sw_buf_puts(&b, "; raw frames");
    note_buf[b.overflow ? sizeof note_buf - 1 : b.len] = '\0';
    return note_buf;
}

static void drop_transient(void)
{
    int fd = transient;
    transient = -1;
    sw_ownfd_close(fd);
}

/* A connection, left in transient until the caller makes it conn. */
static int connect_once(void)
{
    int fd = sw_ownfd_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    transient = fd;
    if (sw_real.connect(fd, (struct sockaddr *)&addr, addr_len) != 0) {
        int e = errno;
        drop_transient();
        return -e;
    }
    /* The other end must be our own user's. */
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid()) {
        drop_transient();
        return -EPERM;
    }
    return fd;
}

/* Nobody listens: bind the name, start the symbolizer on it, and reap its first process.
 * 0, or -1 with start_note set. */
static int start_symbolizer(void)
{
    int fd = sw_ownfd_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        start_note = noted("no socket for the symbolizer", errno);
        return -1;
    }
    transient = fd;
    if (bind(fd, (struct sockaddr *)&addr, addr_len) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        drop_transient();
        /* Another process started one just now: connect to it. */
        return e == EADDRINUSE ? 0 : (start_note = noted("cannot listen for the symbolizer", e), -1);
    }
    char *argv[] = {"stallwatch-symbolizer", "--listen-fd", "3", "--idle", "60", NULL};
    pid_t pid = sw_spawn(program, argv, env, fd);
    drop_transient();
    if (pid < 0) {
        start_note = noted("cannot start the symbolizer program", -pid);
        return -1;
    }
    int status = sw_spawn_wait(pid);
    if (status != 0) {
        start_note = WIFEXITED(status) && WEXITSTATUS(status) == 127
                         ? noted("the symbolizer program cannot be run: it is missing or not "
                                 "executable, or execve is forbidden here",
                                 0)
                         : noted("the symbolizer program failed at start", 0);
        return -1;
    }
    return 0;
}

/* Sends one message, waiting for room until deadline_ns. */
static bool send_msg(const uint8_t *m, size_t len, uint64_t deadline_ns)
{
    for (;;) {
        if (len == 0)
            return false;
        if (sw_real.send(conn, m, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
            return true;
        if (errno != EAGAIN && errno != EINTR)
            return false;
        uint64_t now = sw_mono_ns();
        if (deadline_ns != 0 && now >= deadline_ns)
            return false;
        struct pollfd p = {conn, POLLOUT, 0};
        int ms = deadline_ns != 0 ? (int)((deadline_ns - now) / MS) + 1 : -1;
        sw_real.poll(&p, 1, ms);
    }
}

static bool send_modules(const struct sw_modmap *map, uint64_t deadline_ns)
{
    SW_LARGE static struct sw_msg_module mods[SW_MODMAP_MAX];
    for (unsigned i = 0; i < map->n; i++) {
        const struct sw_module *m = &map->mod[i];
        mods[i] = (struct sw_msg_module){m->start,    m->end, m->bias, m->has_bias,
                                         m->text_end != 0, "",  m->path, 0};
        memcpy(mods[i].build_id, m->build_id, sizeof mods[i].build_id);
    }
    struct sw_msg_hello hello = {SW_PROTO_VERSION, getpid(), map->n, cfg->debuginfod,
                                 own_start,        own_end};
    if (!send_msg(msg, sw_proto_hello(msg, sizeof msg, &hello), deadline_ns))
        return false;
    for (unsigned sent = 0; sent < map->n;) {
        unsigned used;
        size_t len = sw_proto_modules(msg, SW_PROTO_MSG_MAX, mods + sent, map->n - sent, &used);
        if (!send_msg(msg, len, deadline_ns))
            return false;
        sent += used;
    }
    return true;
}

static bool open_conn(const struct sw_modmap *map, uint64_t deadline_ns, const char **note)
{
    *note = NULL;
    if (!name_symbolizer(map)) {
        *note = start_note;
        return false;
    }
    int fd = connect_once();
    if (fd == -ECONNREFUSED || fd == -ENOENT) {
        if (sw_mono_ns() < retry_after_ns) {
            *note = start_note;
            return false;
        }
        if (start_symbolizer() != 0) {
            retry_after_ns = sw_mono_ns() + 1000 * MS; /* not at every report of a burst */
            *note = start_note;
            return false;
        }
        fd = connect_once();
    }
    if (fd < 0) {
        *note = noted("cannot reach the symbolizer", -fd);
        return false;
    }
    conn = fd;
    transient = -1;
    conn_map = map;
    own_span(map);
    if (!send_modules(map, deadline_ns)) {
        *note = noted("the symbolizer did not take the program's modules in time "
                      "(STALLWATCH_SYMBOLIZE_TIMEOUT)",
                      0);
        sw_symclient_close();
        return false;
    }
    return true;
}

bool sw_symclient_open(const struct sw_modmap *map, uint64_t deadline_ns, const char **note)
{
    sw_symclient_close();
    return open_conn(map, deadline_ns, note);
}

static size_t snap_msg(const struct sw_snapshot *snap, unsigned max, bool warm, uint32_t job)
{
    struct sw_msg_stack st = {.job = job,
                              .tid = snap->tid,
                              .full_regs = snap->full_regs,
                              .warm = warm,
                              .max_frames = max,
                              .stack_len = (uint32_t)snap->stack_len,
                              .stack = snap->stack};
    memcpy(st.regs, snap->regs, sizeof st.regs);
    return sw_proto_stack(msg, sizeof msg, &st);
}

/* The next message for job, waiting until deadline_ns; its type, or 0 (*gone: because the
 * connection ended, not the time). */
static enum sw_msg_type receive(uint32_t job, uint64_t deadline_ns, size_t *len, bool *gone)
{
    *gone = false;
    for (;;) {
        ssize_t n = sw_real.recv(conn, msg, sizeof msg, MSG_DONTWAIT);
        if (n > 0) {
            enum sw_msg_type t = sw_proto_type(msg, (size_t)n);
            *len = (size_t)n;
            if (t == SW_MSG_UNWOUND && sw_proto_read_unwound(msg, *len, &unwound_in) == 0 &&
                unwound_in.job == job)
                return t;
            if (t == SW_MSG_FRAMES && sw_proto_read_frames(msg, *len, &frames_in) == 0 &&
                frames_in.job == job)
                return t;
            continue; /* an answer to a job given up on */
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            *gone = true;
            return 0;
        }
        uint64_t now = sw_mono_ns();
        if (deadline_ns != 0 && now >= deadline_ns)
            return 0;
        struct pollfd p = {conn, POLLIN, 0};
        int ms = deadline_ns != 0 ? (int)((deadline_ns - now) / MS) + 1 : -1;
        sw_real.poll(&p, 1, ms);
    }
}

/* The named frames into report frames: module strings from the map, names copied. */
static unsigned take_frames(struct sw_frame *out, unsigned max, const char *(*copy)(const char *))
{
    unsigned n = 0;
    for (uint32_t i = 0; i < frames_in.n && n < max; i++) {
        const struct sw_wire_frame *w = &frames_in.frame[i];
        struct sw_frame *f = &out[n++];
        *f = (struct sw_frame){.pc = w->pc, .offset = w->offset, .line = w->line,
                               .inlined = w->inlined};
        if (w->module >= 0 && (unsigned)w->module < conn_map->n) {
            const struct sw_module *m = &conn_map->mod[w->module];
            f->module = m->path;
            f->build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
        } else {
            f->offset = 0;
        }
        f->function = w->function != NULL ? copy(w->function) : NULL;
        f->file = w->file != NULL ? copy(w->file) : NULL;
    }
    return n;
}

enum sw_sym_result sw_symclient_stack(const struct sw_snapshot *snap, unsigned max,
                                      uint64_t deadline_ns, struct sw_frame *frames, unsigned *n,
                                      struct sw_pcs *pcs, const char *(*copy)(const char *),
                                      const char **note)
{
    *note = NULL;
    *n = 0;
    pcs->n = 0;
    uint32_t job = ++next_job;
    if (conn < 0) {
        *note = "the symbolizer went away before it answered";
        return SW_SYM_NOTHING;
    }
    if (!send_msg(msg, snap_msg(snap, max, false, job), deadline_ns)) {
        *note = "the symbolizer did not take the stack in time (STALLWATCH_SYMBOLIZE_TIMEOUT)";
        return SW_SYM_NOTHING;
    }
    bool unwound = false, gone;
    for (;;) {
        size_t len;
        enum sw_msg_type t = receive(job, deadline_ns, &len, &gone);
        if (t == SW_MSG_UNWOUND) {
            unwound = true;
            pcs->n = unwound_in.n < SW_FRAMES_MAX ? unwound_in.n : SW_FRAMES_MAX;
            memcpy(pcs->pc, unwound_in.pc, pcs->n * sizeof pcs->pc[0]);
            memcpy(pcs->activation, unwound_in.activation, pcs->n * sizeof pcs->activation[0]);
            continue;
        }
        if (t == SW_MSG_FRAMES) {
            *n = take_frames(frames, max, copy);
            *note = frames_in.note != NULL ? copy(frames_in.note) : NULL;
            return SW_SYM_DONE;
        }
        /* Late or gone: a later answer on this connection is for a job given up on. */
        *note = gone ? "the symbolizer went away before it answered"
                     : "the symbolizer did not answer in time (STALLWATCH_SYMBOLIZE_TIMEOUT)";
        if (gone)
            sw_symclient_close();
        return unwound ? SW_SYM_UNWOUND : SW_SYM_NOTHING;
    }
}

void sw_symclient_warm(const struct sw_modmap *map, const struct sw_snapshot *snap, unsigned max)
{
    const char *note;
    uint64_t deadline = sw_mono_ns() + 200 * MS;
    if (open_conn(map, deadline, &note))
        send_msg(msg, snap_msg(snap, max, true, ++next_job), deadline);
    sw_symclient_close();
}

void sw_symclient_close(void)
{
    /* Forgotten before it is closed: a fork child closes what conn says, which must never be
     * a number the program may have been given meanwhile. */
    int fd = conn;
    conn = -1;
    conn_map = NULL;
    sw_ownfd_close(fd);
}

void sw_symclient_after_fork_child(void)
{
    /* The descriptors themselves are closed by sw_ownfd_fork_child. */
    conn = -1;
    transient = -1;
    retry_after_ns = 0;
}
