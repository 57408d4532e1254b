/* Drops privileges as setpriv --reuid/--regid does, in an order that relies on per-thread
 * credentials: keeps its capabilities across the change of user (PR_SET_KEEPCAPS), changes
 * user, takes CAP_SETGID back with capset (this thread only), then changes group. glibc makes
 * every thread repeat setresgid and aborts the process if one fails. Run as root with the
 * watching started (STALLWATCH_BUSY). Prints "setresgid=R", then, 300 ms later, "threads=N"
 * and "same=1" when every thread has the new user and group.
 *
 * Usage: creds          the main thread drops privileges
 *        creds child    a fork child does, after a setgroups made before its own watching
 *                       started (a free flock starts it); exits with the child's status
 *        creds cancel   a thread with a cancel pending calls setuid(getuid()) (no
 *                       cancellation point: prints "thread: setuid=0"), is cancelled at its
 *                       next one ("thread cancelled"), then main calls it ("main: setuid=0") */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "task_count.h"

#define ID 65534

static int all_threads_are(unsigned id)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int same = 1;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            unsigned a, b, c, x;
            if ((sscanf(line, "Uid: %u %u %u %u", &a, &b, &c, &x) == 4 ||
                 sscanf(line, "Gid: %u %u %u %u", &a, &b, &c, &x) == 4) &&
                (a != id || b != id || c != id))
                same = 0;
        }
        if (f != NULL)
            fclose(f);
    }
    if (d != NULL)
        closedir(d);
    return same;
}

static int drop(void)
{
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
    if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 || setgroups(0, NULL) != 0 ||
        setresuid(ID, ID, ID) != 0)
        return 2;
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    data[0].effective = data[0].permitted = 1u << CAP_SETGID;
    if (syscall(SYS_capset, &h, data) != 0)
        return 3;
    int r = setresgid(ID, ID, ID);
    printf("setresgid=%d\n", r);
    fflush(stdout);
    ts.tv_nsec = 300000000;
    nanosleep(&ts, NULL);
    printf("threads=%d\nsame=%d\n", task_count(), all_threads_are(ID));
    fflush(stdout);
    return 0;
}

static void *cancelled(void *arg)
{
    (void)arg;
    pthread_cancel(pthread_self());
    int r = setuid(getuid());
    printf("thread: setuid=%d\n", r);
    fflush(stdout);
    pthread_testcancel();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "cancel") == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        pthread_t t;
        void *ret;
        if (pthread_create(&t, NULL, cancelled, NULL) != 0 || pthread_join(t, &ret) != 0)
            return 2;
        printf("thread %s\n", ret == PTHREAD_CANCELED ? "cancelled" : "returned");
        printf("main: setuid=%d\n", setuid(getuid()));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            if (setgroups(0, NULL) != 0)
                _exit(4);
            int fd = open("/proc/self/stat", O_RDONLY);
            if (fd < 0 || flock(fd, LOCK_EX) != 0)
                _exit(5);
            _exit(drop());
        }
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return drop();
}
