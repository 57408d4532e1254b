/* Readers for /proc/self, fstat and our own memory. Watchdog thread only. Files are opened
 * O_CLOEXEC, read once into a stack buffer and closed at once: no descriptor outlives the
 * function. Every libc call goes through sw_real,
 * so our wrappers are not involved. */
#include "watchdog/procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/procparse.h"
#include "hook/real.h"
#include "watchdog/ownfd.h"

static void task_path(struct sw_buf *b, pid_t tid, const char *leaf)
{
    sw_buf_puts(b, "/proc/self/task/");
    sw_buf_put_u64(b, (uint64_t)tid);
    sw_buf_putc(b, '/');
    sw_buf_puts(b, leaf);
}

/* Reads up to cap - 1 bytes of a small file, NUL-terminated. Returns length or -errno. */
static ssize_t read_file(const char *path, char *out, size_t cap)
{
    int fd = sw_ownfd_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = sw_real.read(fd, out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            sw_ownfd_close(fd);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    sw_ownfd_close(fd);
    out[len] = '\0';
    return (ssize_t)len;
}

static ssize_t read_task_file(pid_t tid, const char *leaf, char *out, size_t cap)
{
    char path[64];
    struct sw_buf b;
    sw_buf_init(&b, path, sizeof path);
    task_path(&b, tid, leaf);
    return read_file(path, out, cap);
}

/* Copies n bytes of src into out as a NUL-terminated string cut to cap. */
static int copy_out(char *out, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return -EINVAL;
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(out, src, k);
    out[k] = '\0';
    return 0;
}

int sw_proc_comm(pid_t tid, char *out, size_t cap)
{
    char tmp[64];
    ssize_t n = read_task_file(tid, "comm", tmp, sizeof tmp);
    if (n < 0)
        return (int)n;
    while (n > 0 && tmp[n - 1] == '\n')
        tmp[--n] = '\0';
    return copy_out(out, cap, tmp, (size_t)n);
}

int sw_proc_cmdline(char *out, size_t cap)
{
    ssize_t n = read_file("/proc/self/cmdline", out, cap);
    if (n < 0)
        return (int)n;
    /* Arguments are NUL-separated; a rewritten title is often padded with NULs or spaces. */
    while (n > 0 && (out[n - 1] == '\0' || out[n - 1] == ' '))
        out[--n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (out[i] == '\0')
            out[i] = ' ';
    return 0;
}

int sw_proc_state(pid_t tid, char *state)
{
    char line[512];
    ssize_t n = read_task_file(tid, "stat", line, sizeof line);
    if (n < 0)
        return (int)n;
    uint64_t ticks;
    return sw_parse_stat(line, state, &ticks) ? 0 : -EINVAL;
}

int sw_proc_cputime(pid_t tid, uint64_t *ticks)
{
    char line[512];
    ssize_t n = read_task_file(tid, "stat", line, sizeof line);
    if (n < 0)
        return (int)n;
    char state;
    return sw_parse_stat(line, &state, ticks) ? 0 : -EINVAL;
}

int sw_proc_start_time(struct timespec *real)
{
    char line[512];
    ssize_t n = read_task_file(getpid(), "stat", line, sizeof line);
    if (n < 0)
        return (int)n;
    uint64_t ticks;
    long hz = sysconf(_SC_CLK_TCK);
    struct timespec now_real, now_boot;
    if (!sw_parse_stat_start(line, &ticks) || hz <= 0 ||
        clock_gettime(CLOCK_REALTIME, &now_real) != 0 ||
        clock_gettime(CLOCK_BOOTTIME, &now_boot) != 0)
        return -EINVAL;
    uint64_t boot_ns = (uint64_t)now_boot.tv_sec * 1000000000u + (uint64_t)now_boot.tv_nsec;
    uint64_t real_ns = (uint64_t)now_real.tv_sec * 1000000000u + (uint64_t)now_real.tv_nsec;
    uint64_t started_ns = (ticks > 0 ? ticks - 1 : 0) * (1000000000u / (uint64_t)hz); /* early */
    uint64_t at = real_ns - (boot_ns > started_ns ? boot_ns - started_ns : 0);
    real->tv_sec = (time_t)(at / 1000000000u);
    real->tv_nsec = (long)(at % 1000000000u);
    return 0;
}

int sw_proc_wchan(pid_t tid, char *out, size_t cap)
{
    char tmp[128];
    ssize_t n = read_task_file(tid, "wchan", tmp, sizeof tmp);
    if (n < 0)
        return (int)n;
    if (n == 0 || strcmp(tmp, "0") == 0)
        return -ENOENT;
    return copy_out(out, cap, tmp, (size_t)n);
}

int sw_proc_sigblk(pid_t tid, uint64_t *mask)
{
    char text[2048];
    ssize_t n = read_task_file(tid, "status", text, sizeof text);
    if (n < 0)
        return (int)n;
    const char *p = strstr(text, "\nSigBlk:");
    if (p == NULL)
        return -EINVAL;
    char *end;
    *mask = strtoull(p + strlen("\nSigBlk:"), &end, 16);
    return end != p + strlen("\nSigBlk:") ? 0 : -EINVAL;
}

int sw_proc_first_child(pid_t tid, pid_t *child)
{
    char line[256];
    ssize_t n = read_task_file(tid, "children", line, sizeof line);
    if (n < 0)
        return (int)n;
    char *end;
    unsigned long v = strtoul(line, &end, 10);
    if (end == line || v == 0)
        return -ENOENT;
    *child = (pid_t)v;
    return 0;
}

int sw_proc_syscall_args(pid_t tid, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc)
{
    char line[256];
    ssize_t n = read_task_file(tid, "syscall", line, sizeof line);
    if (n < 0)
        return (int)n;
    return sw_parse_syscall(line, nr, args, sp, pc);
}

int sw_proc_syscall(pid_t tid, long *nr, uint64_t *sp, uint64_t *pc)
{
    uint64_t args[6];
    return sw_proc_syscall_args(tid, nr, args, sp, pc);
}

int sw_proc_fd_target(int fd, char *out, size_t cap)
{
    char path[48];
    struct sw_buf b;
    sw_buf_init(&b, path, sizeof path);
    sw_buf_puts(&b, "/proc/self/fd/");
    sw_buf_put_u64(&b, (uint64_t)fd);
    if (cap < 2)
        return -EINVAL;
    ssize_t n = readlink(path, out, cap - 1);
    if (n < 0)
        return -errno;
    out[n] = '\0';
    return 0;
}

enum sw_class sw_proc_fd_class(int fd)
{
    struct stat st;
    if (sw_real.fstat(fd, &st) != 0)
        return SW_CLASS_PEER;
    return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode) ? SW_CLASS_DISK
                                                                             : SW_CLASS_PEER;
}

enum sw_class sw_proc_path_class(int dirfd, const char *path)
{
    struct stat st;
    if (path == NULL || sw_real.fstatat(dirfd, path, &st, 0) != 0)
        return SW_CLASS_DISK;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode) ? SW_CLASS_PEER
                                                                               : SW_CLASS_DISK;
}

ssize_t sw_proc_read_mem(uintptr_t addr, void *out, size_t len)
{
    struct iovec local = {out, len}, remote = {(void *)addr, len};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    return n < 0 ? -errno : n;
}

int sw_proc_read_string(uintptr_t addr, char *out, size_t cap)
{
    if (cap == 0)
        return -EINVAL;
    /* Read page by page: a string near the end of a mapping must not fail as a whole. */
    size_t len = 0;
    while (len + 1 < cap) {
        uintptr_t a = addr + len;
        size_t chunk = 4096 - (a & 4095);
        if (chunk > cap - 1 - len)
            chunk = cap - 1 - len;
        ssize_t n = sw_proc_read_mem(a, out + len, chunk);
        if (n <= 0) {
            if (len == 0)
                return n < 0 ? (int)n : -EFAULT;
            break;
        }
        char *nul = memchr(out + len, '\0', (size_t)n);
        if (nul != NULL)
            return (int)(nul - out);
        len += (size_t)n;
    }
    out[len] = '\0';
    return (int)len;
}
