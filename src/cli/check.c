/* stallwatch --check: where reports would go and what could keep them from coming. Part of the
 * stallwatch command (an ordinary program; it may use stdio, allocate and link libdw). */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "cli.h"
#include "core/config.h"
#include "core/launcher.h"

#ifndef SW_BIN_TO_LIB
#define SW_BIN_TO_LIB "../lib/stallwatch"
#endif

extern char **environ;

static int problems;

int sw_cli_find_library(char *out, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(out, cap, "/proc/self/exe");
        return -1;
    }
    self[n] = '\0';
    char *dir = dirname(self);
    const char *places[] = {"", "/" SW_BIN_TO_LIB};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s%s/libstallwatch.so", dir, places[i]);
        char real[PATH_MAX];
        if (realpath(path, real) != NULL && access(real, R_OK) == 0) {
            snprintf(out, cap, "%s", real);
            return 0;
        }
        snprintf(out, cap, "%s", path);
    }
    return -1;
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  PROBLEM: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    problems++;
}

static void env_diag(void *ctx, const char *line)
{
    (void)ctx;
    problem("%s", line);
}

static const char *duration(uint64_t ns)
{
    static char buf[8][32];
    static int next;
    char *b = buf[next++ % 8];
    sw_format_duration(ns, b, 32);
    return b;
}

static void globs(const char *name, const struct sw_globs *g, const char *none)
{
    printf("  %-28s ", name);
    if (g->n == 0)
        printf("%s", none);
    for (unsigned i = 0; i < g->n; i++)
        printf("%s%s", i ? "," : "", g->pat[i]);
    printf("\n");
}

static const char *facility_name(int f)
{
    static const struct {
        int value;
        const char *name;
    } names[] = {{LOG_KERN, "kern"},     {LOG_USER, "user"},     {LOG_MAIL, "mail"},
                 {LOG_DAEMON, "daemon"}, {LOG_AUTH, "auth"},     {LOG_SYSLOG, "syslog"},
                 {LOG_LPR, "lpr"},       {LOG_NEWS, "news"},     {LOG_UUCP, "uucp"},
                 {LOG_CRON, "cron"},     {LOG_AUTHPRIV, "authpriv"}, {LOG_FTP, "ftp"},
                 {LOG_LOCAL0, "local0"}, {LOG_LOCAL1, "local1"}, {LOG_LOCAL2, "local2"},
                 {LOG_LOCAL3, "local3"}, {LOG_LOCAL4, "local4"}, {LOG_LOCAL5, "local5"},
                 {LOG_LOCAL6, "local6"}, {LOG_LOCAL7, "local7"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].value == f)
            return names[i].name;
    return "?";
}

static void print_settings(const struct sw_config *c)
{
    printf("settings (the environment with the options applied):\n");
    if (c->disabled)
        problem("STALLWATCH_DISABLE=1: the shim will load and do nothing");
    printf("  %-28s %s\n", "STALLWATCH_THRESHOLD", duration(c->threshold_ns));
    printf("  %-28s %s\n", "STALLWATCH_LOCK", duration(c->class_ns[SW_CLASS_LOCK]));
    printf("  %-28s %s\n", "STALLWATCH_DISK", duration(c->class_ns[SW_CLASS_DISK]));
    printf("  %-28s %s\n", "STALLWATCH_PEER", duration(c->class_ns[SW_CLASS_PEER]));
    printf("  %-28s %s\n", "STALLWATCH_WAIT", duration(c->class_ns[SW_CLASS_WAIT]));
    printf("  %-28s %s\n", "STALLWATCH_IDLE", duration(c->class_ns[SW_CLASS_IDLE]));
    printf("  %-28s %s\n", "STALLWATCH_LOOKUP", duration(c->class_ns[SW_CLASS_LOOKUP]));
    printf("  %-28s %s\n", "STALLWATCH_COLLECTIVE", duration(c->class_ns[SW_CLASS_COLLECTIVE]));
    printf("  %-28s %s\n", "STALLWATCH_BUSY", duration(c->class_ns[SW_CLASS_BUSY]));
    printf("  %-28s %s\n", "STALLWATCH_DEADLOCK", duration(c->deadlock_ns));
    printf("  %-28s %s\n", "STALLWATCH_KERNEL",
           c->kernel_look ? "1 (threads outside every wrapper are looked at in /proc)" : "0");
    printf("  %-28s %s\n", "STALLWATCH_REPEAT", duration(c->repeat_ns));
    if (c->rate_per_min == 0)
        printf("  %-28s off\n", "STALLWATCH_RATE");
    else
        printf("  %-28s %u a minute\n", "STALLWATCH_RATE", c->rate_per_min);
    globs("STALLWATCH_HEARTBEAT", &c->heartbeat, "(none)");
    globs("STALLWATCH_WATCH", &c->watch, "(all threads)");
    globs("STALLWATCH_IGNORE", &c->ignore, "(none)");
    printf("  %-28s %s\n", "STALLWATCH_FORMAT", c->format == SW_FORMAT_JSON ? "json" : "text");
    printf("  %-28s %s\n", "STALLWATCH_SYSLOG_FORMAT", c->syslog_rfc5424 ? "rfc5424" : "rfc3164");
    printf("  %-28s %s\n", "STALLWATCH_FACILITY", facility_name(c->facility));
    printf("  %-28s %s (default: the program's name)\n", "STALLWATCH_IDENT", c->ident);
    printf("  %-28s %u\n", "STALLWATCH_FRAMES", c->frames);
    printf("  %-28s %s\n", "STALLWATCH_SYMBOLIZE_TIMEOUT", duration(c->symbolize_timeout_ns));
    printf("  %-28s %s\n", "STALLWATCH_ALL_THREADS", c->all_threads ? "1" : "0");
    printf("  %-28s %s\n", "STALLWATCH_ACTION", c->action_abort ? "abort" : "log");
    printf("  %-28s %s\n", "STALLWATCH_DEBUGINFOD", c->debuginfod ? "1" : "0");
    bool any = false;
    for (int k = SW_CLASS_LOCK; k < SW_CLASS_COUNT; k++)
        any |= c->class_ns[k] != 0;
    if (!any && c->heartbeat.n == 0)
        problem("every threshold is off: only stallwatch_heartbeat/scope promises are watched");
}

static void print_signal(void)
{
    /* The shim takes the highest real-time signal still at its default disposition when the
     * program starts; in this process, before the program has installed anything, that is: */
    int chosen = 0;
    for (int s = SIGRTMAX; s >= SIGRTMIN && chosen == 0; s--) {
        struct sigaction cur;
        if (sigaction(s, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
            cur.sa_handler == SIG_DFL)
            chosen = s;
    }
    if (chosen == 0) {
        problem("no real-time signal is at its default disposition: every stack will be read "
                "from /proc (less complete)");
        return;
    }
    printf("capture signal: SIGRTMIN+%d (signal %d), the highest real-time signal at its default\n"
           "  disposition when the program starts; a thread that blocks it, or a program that\n"
           "  takes it over, is read from /proc instead\n",
           chosen - SIGRTMIN, chosen);
}

static void check_socket(const char *what, const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        printf("  %s via %s: answers\n", what, path);
    else
        problem("%s via %s does not answer (%s): reports will go to stderr instead", what, path,
                strerror(errno));
    if (fd >= 0)
        close(fd);
}

static void check_file(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            problem("file %s is a symbolic link: it will not be followed (reports go to stderr)",
                    path);
        else if (!S_ISREG(st.st_mode))
            problem("file %s is not a regular file", path);
        else if (access(path, W_OK) != 0)
            problem("file %s is not writable (%s): reports go to stderr", path, strerror(errno));
        else
            printf("  file %s: writable, appended to\n", path);
        return;
    }
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (access(dir, W_OK | X_OK) != 0)
        problem("file %s cannot be created in %s (%s): reports go to stderr", path, dir,
                strerror(errno));
    else
        printf("  file %s: will be created (mode 0600)\n", path);
}

static void print_outputs(const struct sw_config *c)
{
    printf("reports go to:\n");
    for (unsigned i = 0; i < c->noutputs; i++) {
        const struct sw_output *o = &c->outputs[i];
        switch (o->kind) {
        case SW_OUT_SYSLOG:
            check_socket("syslog", c->syslog_socket);
            break;
        case SW_OUT_JOURNAL:
            check_socket("journal", c->journal_socket);
            break;
        case SW_OUT_STDERR:
            printf("  stderr of the program\n");
            break;
        case SW_OUT_FILE:
            check_file(o->path);
            break;
        }
    }
    /* As watchdog/errout.c picks it: the directory now, the name with the program's pid. */
    const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
    printf("  (what is meant for stderr goes there only while descriptor 2 is the stderr the "
           "program started with;\n   else to %s/stallwatch-%s.PID.log, created 0600)\n",
           xdg != NULL && xdg[0] == '/' ? xdg : "/tmp", c->ident);
}

/* STALLWATCH_JOB_DIR as watchdog/jobdir.c will judge it: a directory of the user running the
 * check (the job's) that no other user may write to, and a parallel launcher's variables that
 * name the job. Anything else and no request is made or answered, silently in the program. */
static void print_job_dir(const struct sw_config *c)
{
    if (c->job_dir[0] == '\0')
        return;
    struct sw_job job;
    sw_job_from_env(environ, &job);
    printf("job-wide dumps: %s (job %s)\n", c->job_dir, job.job[0] != '\0' ? job.job : "unknown");
    struct stat st;
    if (stat(c->job_dir, &st) != 0)
        problem("STALLWATCH_JOB_DIR %s cannot be used (%s): no dump request will be made or "
                "answered", c->job_dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        problem("STALLWATCH_JOB_DIR %s is not a directory: no dump request will be made or "
                "answered", c->job_dir);
    else if (st.st_uid != geteuid())
        problem("STALLWATCH_JOB_DIR %s belongs to uid %u, not to you (uid %u): requests in it "
                "are not answered", c->job_dir, (unsigned)st.st_uid, (unsigned)geteuid());
    else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        problem("STALLWATCH_JOB_DIR %s is writable by %s: requests in it are not answered "
                "(chmod go-w)", c->job_dir, (st.st_mode & S_IWOTH) ? "every user" : "its group");
    if (job.job[0] == '\0')
        problem("STALLWATCH_JOB_DIR is set but no parallel launcher's variables name a job "
                "here (OMPI_COMM_WORLD_*, PMI_*, PMIX_*, SLURM_*): run the check under the "
                "launcher, or expect no job-wide dumps");
}

/* Where the debuginfo for an ELF file would come from, as the shim looks for it. */
static void debuginfo_of(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
    if (elf == NULL) {
        printf("  %s: cannot be read (%s)\n", path, fd < 0 ? strerror(errno) : elf_errmsg(-1));
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t shstrndx;
    bool in_file = false;
    Elf_Scn *scn = NULL;
    if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
        while ((scn = elf_nextscn(elf, scn)) != NULL) {
            GElf_Shdr sh;
            const char *name = gelf_getshdr(scn, &sh) != NULL
                                   ? elf_strptr(elf, shstrndx, sh.sh_name)
                                   : NULL;
            if (name != NULL && strcmp(name, ".debug_info") == 0 && sh.sh_type != SHT_NOBITS)
                in_file = true;
        }
    }
    const void *id;
    ssize_t idlen = dwelf_elf_gnu_build_id(elf, &id);
    char hex[2 * 64 + 1] = "";
    for (ssize_t i = 0; i < idlen && i < 64; i++)
        sprintf(hex + 2 * i, "%02x", ((const unsigned char *)id)[i]);
    GElf_Word crc;
    const char *link = dwelf_elf_gnu_debuglink(elf, &crc);
    char found[PATH_MAX + 32] = "";
    if (!in_file && idlen > 1) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
        if (access(p, R_OK) == 0)
            snprintf(found, sizeof found, "%s (by build-id)", p);
    }
    if (!in_file && found[0] == '\0' && link != NULL) {
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", path);
        const char *dir = dirname(copy);
        /* Beside the file, in .debug/ beside it, under /usr/lib/debug + the file's dir. */
        const char *pre[] = {"", "", "/usr/lib/debug"}, *mid[] = {"/", "/.debug/", "/"};
        for (size_t i = 0; i < 3 && found[0] == '\0'; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s%s%s%s", pre[i], dir, mid[i], link);
            if (access(p, R_OK) == 0)
                snprintf(found, sizeof found, "%s (by debuglink)", p);
        }
    }
    if (in_file)
        printf("  %s: in the file: names, files and lines\n", path);
    else if (found[0] != '\0')
        printf("  %s: %s: names, files and lines\n", path, found);
    else
        printf("  %s: none found: function names from the symbol table only, no file:line\n"
               "      (install its -dbgsym or -dbg package; for glibc: libc6-dbg)\n",
               path);
    elf_end(elf);
    close(fd);
}

/* The libraries the dynamic loader would load for an executable: "ld.so --list" output. */
static void libraries_of(const char *exe)
{
    char interp[PATH_MAX] = "/lib64/ld-linux-x86-64.so.2";
    int fd = open(exe, O_RDONLY | O_CLOEXEC);
    Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
    size_t n;
    if (elf != NULL && elf_getphdrnum(elf, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(elf, (int)i, &ph) != NULL && ph.p_type == PT_INTERP) {
                size_t len;
                const char *raw = elf_rawfile(elf, &len);
                if (raw != NULL && ph.p_offset + ph.p_filesz <= len)
                    snprintf(interp, sizeof interp, "%.*s", (int)ph.p_filesz, raw + ph.p_offset);
            }
        }
    }
    if (elf != NULL)
        elf_end(elf);
    if (fd >= 0)
        close(fd);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    char *argv[] = {interp, "--list", (char *)exe, NULL};
    char *envp[] = {NULL};
    pid_t pid;
    int r = posix_spawn(&pid, interp, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    FILE *f = fdopen(pipefd[0], "r");
    char line[PATH_MAX + 64];
    while (r == 0 && f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *arrow = strstr(line, "=> ");
        if (arrow == NULL)
            continue;
        char *path = arrow + 3, *end = strstr(path, " (");
        if (end != NULL)
            *end = '\0';
        if (path[0] == '/')
            debuginfo_of(path);
    }
    if (f != NULL)
        fclose(f);
    if (r == 0)
        waitpid(pid, NULL, 0);
}

/* Whether the shim can be in exe at all: the dynamic loader, which loads LD_PRELOAD, must run
 * (not a static binary), and must honour LD_PRELOAD (no secure-execution mode: set-user-ID or
 * set-group-ID for someone else, or file capabilities). Each obstacle is a problem. */
static void watchable(const char *exe)
{
    int fd = open(exe, O_RDONLY | O_CLOEXEC);
    Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
    size_t n;
    bool dynamic = false, is_elf = elf != NULL && elf_kind(elf) == ELF_K_ELF;
    if (is_elf && elf_getphdrnum(elf, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(elf, (int)i, &ph) != NULL && ph.p_type == PT_INTERP)
                dynamic = true;
        }
    }
    if (elf != NULL)
        elf_end(elf);
    if (is_elf && !dynamic)
        problem("%s is statically linked: no dynamic loader runs in it, so nothing preloaded "
                "is ever loaded; stallwatch cannot watch it", exe);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        bool suid = (st.st_mode & S_ISUID) && st.st_uid != geteuid();
        bool sgid = (st.st_mode & S_ISGID) && st.st_gid != getegid();
        if (suid || sgid)
            problem("%s is set-%s-ID (%s %u) and you are uid %u gid %u: it runs in secure-"
                    "execution mode, where the loader ignores LD_PRELOAD paths; stallwatch cannot "
                    "watch it (run it as its %s, or watch a copy without the bit)",
                    exe, suid ? "user" : "group", suid ? "owner" : "group",
                    suid ? (unsigned)st.st_uid : (unsigned)st.st_gid, (unsigned)geteuid(),
                    (unsigned)getegid(), suid ? "owner" : "group");
        else if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
            problem("%s has file capabilities: it runs in secure-execution mode, where the loader "
                    "ignores LD_PRELOAD paths; stallwatch cannot watch it", exe);
    }
    if (fd >= 0)
        close(fd);
}

static bool find_in_path(const char *name, char *out, size_t cap)
{
    if (strchr(name, '/') != NULL) {
        snprintf(out, cap, "%s", name);
        return access(name, X_OK) == 0;
    }
    const char *path = getenv("PATH");
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", path != NULL ? path : "/usr/bin:/bin");
    for (char *save, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, cap, "%s/%s", dir, name);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

/* The symbolizer program the shim will start: the setting's, else the one beside the
 * library; whether it can be run. */
static void print_symbolizer(const struct sw_config *c, const char *lib)
{
    char path[PATH_MAX];
    if (strcmp(c->symbolizer, "off") == 0) {
        printf("symbolizer: off (reports carry raw frames; stallwatch symbolize names them)\n");
        return;
    }
    if (c->symbolizer[0] != '\0')
        snprintf(path, sizeof path, "%s", c->symbolizer);
    else if (lib != NULL && strrchr(lib, '/') != NULL)
        snprintf(path, sizeof path, "%.*s/stallwatch-symbolizer",
                 (int)(strrchr(lib, '/') - lib), lib);
    else
        return;
    if (access(path, X_OK) == 0)
        printf("symbolizer: %s (started at the first stall, shared by your processes)\n", path);
    else
        problem("symbolizer %s cannot be run (%s): reports will carry raw frames", path,
                strerror(errno));
}

int sw_cli_check(const char *lib, const char *command)
{
    elf_version(EV_CURRENT);
    printf("stallwatch --check\n");
    if (lib != NULL)
        printf("library: %s\n", lib);
    else {
        printf("library:\n");
        problem("libstallwatch.so not found beside the stallwatch command");
    }
    struct sw_config c;
    sw_config_parse(&c, environ, command != NULL ? basename((char *)command) : "COMMAND",
                    env_diag, NULL);
    print_settings(&c);
    print_symbolizer(&c, lib);
    print_signal();
    print_outputs(&c);
    print_job_dir(&c);
    printf("debuginfo (read by the symbolizer program, outside the watched process, when it "
           "names a stack):\n");
    if (command != NULL) {
        char exe[PATH_MAX];
        if (!find_in_path(command, exe, sizeof exe))
            problem("%s: not found or not executable", command);
        else {
            watchable(exe);
            debuginfo_of(exe);
            libraries_of(exe);
        }
    } else {
        Dl_info info;
        if (dladdr((void *)&printf, &info) != 0 && info.dli_fname != NULL)
            debuginfo_of(info.dli_fname);
        const char *cxx[] = {"/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"};
        for (size_t i = 0; i < 2; i++)
            if (access(cxx[i], R_OK) == 0) {
                debuginfo_of(cxx[i]);
                break;
            }
        printf("  (name a command, stallwatch --check COMMAND, to check it and its libraries)\n");
    }
    if (problems == 0)
        printf("no problem found\n");
    else
        printf("%d problem%s found\n", problems, problems == 1 ? "" : "s");
    return problems == 0 ? 0 : 1;
}
