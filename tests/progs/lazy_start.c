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
 *                            waits for it; prints "child=PID", exits with the child's status
 *        lazy_start signals  a 20 us SIGALRM timer runs while the first interposed call (a free
 *                            mutex) resolves the real functions; the handler writes 0 bytes
 *                            and calls syscall(SYS_getpid); prints "survived"
 *        lazy_start longjmp  a SIGUSR1 handler siglongjmps out (stage jumped), then the free
 *                            error-checking mutex is locked twice (stage relock)
 *        lazy_start vfork    a file call, 150 ms of computing, a vfork whose child closes a
 *                            descriptor and exits (stage vfork), then the error-checking mutex
 *                            locked twice (stage relock) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "task_count.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t em = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static int handler_result = -1;

static void stage(const char *what)
{
    printf("threads=%d at %s\n", task_count(), what);
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

static volatile sig_atomic_t resolving_now;

static void on_alrm(int sig)
{
    (void)sig;
    if (!resolving_now)
        return;
    (void)write(1, "", 0);
    (void)syscall(SYS_getpid);
}

static sigjmp_buf jump_back;

static void on_usr1_jump(int sig)
{
    (void)sig;
    siglongjmp(jump_back, 1);
}

static int relock(void)
{
    if (pthread_mutex_lock(&em) != 0 || pthread_mutex_lock(&em) != EDEADLK)
        return 1;
    stage("relock");
    return 0;
}

static void compute_ms(long ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
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
    if (argc > 1 && strcmp(argv[1], "signals") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alrm;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = {{0, 20}, {0, 20}};
        setitimer(ITIMER_REAL, &it, NULL);
        resolving_now = 1;
        pthread_mutex_lock(&m); /* the process's first interposed call */
        resolving_now = 0;
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        pthread_mutex_unlock(&m);
        printf("survived\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "longjmp") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1_jump;
        sigaction(SIGUSR1, &sa, NULL);
        if (sigsetjmp(jump_back, 1) == 0)
            raise(SIGUSR1);
        stage("jumped");
        return relock();
    }
    if (argc > 1 && strcmp(argv[1], "vfork") == 0) {
        int fd = open("/dev/null", O_RDONLY);
        compute_ms(150);
        pid_t pid = vfork();
        if (pid == 0) {
            close(fd);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        stage("vfork");
        return relock();
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
