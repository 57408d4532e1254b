/* Forks from a signal handler, as postgres's postmaster starts its background processes. The
 * main thread is blocked in pthread_mutex_lock (a helper thread holds the mutex) when SIGUSR1
 * arrives; the handler forks, and the child goes on inside the handler, the parent's
 * interrupted call still on its stack. Usage: fork_in_handler healthy|deadlock
 *   healthy:  the child prints a line every 100 ms for 7 s and exits 0;
 *   deadlock: the child locks a mutex it already holds; the parent kills it after 4 s.
 * Prints "child=PID"; exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mine = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t deadlock_mode;
static volatile pid_t child;

__attribute__((noinline)) static void child_prints(void)
{
    for (int i = 0; i < 70; i++) {
        printf("child tick %d\n", i);
        fflush(stdout);
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
}

__attribute__((noinline)) static void child_locks_twice(void)
{
    pthread_mutex_lock(&mine);
    pthread_mutex_lock(&mine);
}

static void on_usr1(int sig)
{
    (void)sig;
    pid_t pid = fork();
    if (pid != 0) {
        child = pid;
        return;
    }
    if (deadlock_mode)
        child_locks_twice();
    else
        child_prints();
    _exit(0);
}

static void *holder(void *arg)
{
    pthread_t main_thread = *(pthread_t *)arg;
    pthread_mutex_lock(&held);
    usleep(300000); /* the main thread is blocked on `held` by now */
    pthread_kill(main_thread, SIGUSR1);
    usleep(300000);
    pthread_mutex_unlock(&held);
    return NULL;
}

int main(int argc, char **argv)
{
    deadlock_mode = argc > 1 && strcmp(argv[1], "deadlock") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t self = pthread_self(), t;
    pthread_create(&t, NULL, holder, &self);
    usleep(100000);
    pthread_mutex_lock(&held); /* interrupted here by SIGUSR1, whose handler forks */
    pthread_mutex_unlock(&held);
    pthread_join(t, NULL);
    printf("child=%d\n", (int)child);
    fflush(stdout);
    if (deadlock_mode) {
        sleep(4);
        kill(child, SIGKILL);
    }
    int status;
    waitpid(child, &status, 0);
    return 0;
}
