/* When a process starts its watching (a second thread: the watchdog). Prints "threads=N at
 * STAGE" lines, N counted in /proc/self/task.
 *
 * Usage: lazy_start stages   fork + waitpid, a 10 ms nanosleep, a free error-checking mutex
 *                            locked (and kept), the same mutex locked again in a SIGUSR1
 *                            handler (EDEADLK at once), then again by main (stages: start,
 *                            fork, sleep, lock, handler, relock)
 *        lazy_start freelocks  a free mutex locked and unlocked 63 times (stage 63), then once
 *                            more (stage 64): the 64th free lock starts the watching
 *        lazy_start child    forks at once; the child (its parent never watched) has a
 *                            thread hold a mutex for 1.5 s while the child's main thread
 *                            waits for it; prints "child=PID", exits with the child's status */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t em = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static int handler_result = -1;

static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

static void stage(const char *what)
{
    printf("threads=%d at %s\n", threads(), what);
    fflush(stdout);
}

static void on_usr1(int sig)
{
    (void)sig;
    handler_result = pthread_mutex_lock(&em);
}

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    struct timespec ts = {1, 500000000};
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&m);
    return NULL;
}

__attribute__((noinline)) static void child_waits(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t t;
            pthread_create(&t, NULL, holder, NULL);
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
            child_waits();
            pthread_join(t, NULL);
            _exit(0);
        }
        printf("child=%d\n", (int)pid);
        fflush(stdout);
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    }
    if (argc > 1 && strcmp(argv[1], "freelocks") == 0) {
        for (int i = 0; i < 63; i++) {
            pthread_mutex_lock(&m);
            pthread_mutex_unlock(&m);
        }
        stage("63");
        pthread_mutex_lock(&m);
        pthread_mutex_unlock(&m);
        stage("64");
        return 0;
    }
    stage("start");
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int status;
    waitpid(pid, &status, 0);
    stage("fork");
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
    stage("sleep");
    if (pthread_mutex_lock(&em) != 0)
        return 1;
    stage("lock");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    if (handler_result != EDEADLK)
        return 1;
    stage("handler");
    if (pthread_mutex_lock(&em) != EDEADLK)
        return 1;
    stage("relock");
    return 0;
}
