/* A running process seen from outside (see target.h): /proc/PID readers and process_vm_readv.
 * The command's own thread; stdio is fine here. */
#include "cli/target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/procparse.h"
#include "core/proclocks.h"

/* Reads a small /proc file whole, NUL-terminated (a trailing newline removed); its length, or
 * -1. */
static ssize_t slurp(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == cap - 1)
            break;
    }
    close(fd);
    out[len] = '\0';
    if (len > 0 && out[len - 1] == '\n')
        out[--len] = '\0';
    return (ssize_t)len;
}

static int cmp_tid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int sw_target_tids(pid_t pid, pid_t *tids, unsigned max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -errno;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        char *end;
        long t = strtol(e->d_name, &end, 10);
        if (*end == '\0' && t > 0)
            tids[n++] = (pid_t)t;
    }
    closedir(d);
    qsort(tids, n, sizeof *tids, cmp_tid);
    return (int)n;
}

char sw_target_state(pid_t pid, pid_t tid)
{
    char path[96], text[1024], state;
    uint64_t ticks;
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    return slurp(path, text, sizeof text) > 0 && sw_parse_stat(text, &state, &ticks) ? state : 0;
}

bool sw_target_alive(pid_t pid)
{
    char s = sw_target_state(pid, pid);
    if (s != 'Z' && s != 'X')
        return s != 0;
    /* The main thread has exited; the process lives on while another thread does. */
    static pid_t tids[4096];
    int n = sw_target_tids(pid, tids, sizeof tids / sizeof tids[0]);
    for (int i = 0; i < n; i++) {
        char t = sw_target_state(pid, tids[i]);
        if (t != 0 && t != 'Z' && t != 'X')
            return true;
    }
    return false;
}

bool sw_target_look(pid_t pid, pid_t tid, struct sw_tlook *out)
{
    char path[96], text[1024];
    memset(out, 0, sizeof *out);
    out->tid = tid;
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (slurp(path, text, sizeof text) <= 0 ||
        !sw_parse_stat(text, &out->state, &out->cpu_ticks))
        return false;
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid, (int)tid);
    if (slurp(path, text, sizeof text) >= 0)
        snprintf(out->name, sizeof out->name, "%.16s", text);
    snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
    if (slurp(path, text, sizeof text) > 0 && strcmp(text, "0") != 0)
        snprintf(out->wchan, sizeof out->wchan, "%.63s", text);
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
    uint64_t sp, pc;
    out->k.state = out->state;
    if (slurp(path, text, sizeof text) > 0 &&
        sw_parse_syscall(text, &out->k.nr, out->k.args, &sp, &pc) == 0 && out->k.nr >= 0)
        out->k.blocked = true;
    return true;
}

ssize_t sw_target_read(void *pid_ptr, uint64_t addr, void *buf, size_t len)
{
    pid_t pid = *(const pid_t *)pid_ptr;
    /* Page by page: a read that meets an unmapped page stops there, short. */
    size_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        size_t chunk = 4096 - (size_t)(a & 4095);
        if (chunk > len - done)
            chunk = len - done;
        struct iovec local = {(char *)buf + done, chunk};
        struct iovec remote = {(void *)(uintptr_t)a, chunk};
        ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (n <= 0)
            break;
        done += (size_t)n;
        if ((size_t)n < chunk)
            break;
    }
    return done > 0 || len == 0 ? (ssize_t)done : -1;
}

void sw_target_names(pid_t pid, char *exe, size_t exe_cap, char *comm, size_t comm_cap,
                     char *title, size_t title_cap)
{
    char path[64], link[4096];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = '\0';
    const char *base = strrchr(link, '/');
    snprintf(exe, exe_cap, "%s", base != NULL ? base + 1 : link);
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    if (slurp(path, comm, comm_cap) < 0)
        comm[0] = '\0';
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, title, title_cap - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (len < 0)
        len = 0;
    title[len] = '\0';
    while (len > 0 && title[len - 1] == '\0')
        len--;
    for (ssize_t i = 0; i < len; i++)
        if (title[i] == '\0')
            title[i] = ' ';
    title[len] = '\0';
}

void sw_target_job(pid_t pid, char *host, size_t host_cap, struct sw_job *job)
{
    struct utsname u;
    snprintf(host, host_cap, "%s", uname(&u) == 0 ? u.nodename : "");
    char path[64];
    static char env[1 << 17];
    static char *vars[4096];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len = 0;
    for (ssize_t n; fd >= 0 && len < (ssize_t)sizeof env - 1 &&
                    (n = read(fd, env + len, sizeof env - 1 - (size_t)len)) > 0;)
        len += n;
    if (fd >= 0)
        close(fd);
    env[len > 0 ? len : 0] = '\0';
    size_t nv = 0;
    for (ssize_t i = 0; i < len && nv + 1 < sizeof vars / sizeof vars[0];) {
        vars[nv++] = env + i;
        i += (ssize_t)strlen(env + i) + 1;
    }
    vars[nv] = NULL;
    sw_job_from_env(vars, job);
}

void sw_target_fd(pid_t pid, int fd, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t n = readlink(path, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
}

enum sw_class sw_target_fd_class(pid_t pid, int fd)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    if (stat(path, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return SW_CLASS_DISK;
    return SW_CLASS_PEER;
}

pid_t sw_target_file_lock_holder(pid_t pid, enum sw_call call, int fd, char *name,
                                 size_t name_cap)
{
    const char *type = sw_proclocks_type(call);
    char path[64];
    struct stat st;
    static char text[1 << 20];
    name[0] = '\0';
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    if (type == NULL || stat(path, &st) != 0 || slurp("/proc/locks", text, sizeof text) < 0)
        return 0;
    pid_t holder = sw_proclocks_holder(text, type, major(st.st_dev), minor(st.st_dev),
                                       st.st_ino, pid);
    if (holder > 0) {
        snprintf(path, sizeof path, "/proc/%d/comm", (int)holder);
        if (slurp(path, name, name_cap) < 0)
            name[0] = '\0';
    }
    return holder;
}

int sw_target_modmap(pid_t pid, struct sw_modmap *m)
{
    char path[64];
    /* pid may be any live thread of the process: its maps are the process's. */
    snprintf(path, sizeof path, "/proc/%d/task/%d/maps", (int)pid, (int)pid);
    if (access(path, F_OK) != 0)
        snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -errno;
    sw_modmap_reset(m);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        sw_modmap_add_line(m, line);
    }
    free(line);
    fclose(f);
    sw_modmap_identify(m, &(struct sw_memread){sw_target_read, &pid});
    return 0;
}
