/* The parent runs three idle threads, then forks; in the child (only the forking thread
 * exists there) a thread stalls on a mutex in child_waits(). The child's report must carry
 * the child's pid and, with STALLWATCH_ALL_THREADS=1, no thread of the parent. Prints
 * "child=PID", exits with the child's status (0 when the child finished normally). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *idler(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "parent-idler");
    pthread_mutex_lock(&idle_mu);
    for (;;)
        pthread_cond_wait(&idle_cv, &idle_mu);
    return NULL;
}

__attribute__((noinline)) static void child_waits(void)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
}

static void *child_thread(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "child-waiter");
    child_waits();
    return NULL;
}

int main(void)
{
    pthread_t t;
    for (int i = 0; i < 3; i++)
        pthread_create(&t, NULL, idler, NULL);
    usleep(100000);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(&m);
        pthread_create(&t, NULL, child_thread, NULL);
        sleep(2);
        pthread_mutex_unlock(&m);
        pthread_join(t, NULL);
        _exit(0);
    }
    printf("child=%d\n", (int)pid);
    fflush(stdout);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}
