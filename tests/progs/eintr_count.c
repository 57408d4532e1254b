/* Threads blocked in the calls a ptrace stop interrupts with EINTR even without a signal
 * handler (signal(7)): epoll_wait, semop, sigtimedwait, and recv on a socket with a receive
 * timeout. Each retries on EINTR and counts it. Prints "ready" once all are blocked; after
 * argv[1] seconds (default 3) the main thread wakes them all and prints
 * "eintr epoll=N semop=N sigtimedwait=N recv=N", then exits 0. A tool that stops these threads
 * (gdb, eu-stack) makes the counts non-zero; `stallwatch dump` must not. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <unistd.h>

static int ep, pipefd[2], sem, sv[2];
static int n_epoll, n_semop, n_sigwait, n_recv;
static pthread_t sigwaiter;

static void *epoll_thread(void *arg)
{
    (void)arg;
    struct epoll_event ev;
    while (epoll_wait(ep, &ev, 1, -1) < 0)
        n_epoll += errno == EINTR;
    return NULL;
}

static void *semop_thread(void *arg)
{
    (void)arg;
    struct sembuf op = {0, -1, 0};
    while (semop(sem, &op, 1) < 0)
        n_semop += errno == EINTR;
    return NULL;
}

static void *sigwait_thread(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct timespec ts = {3600, 0};
    while (sigtimedwait(&set, NULL, &ts) < 0)
        n_sigwait += errno == EINTR;
    return NULL;
}

static void *recv_thread(void *arg)
{
    (void)arg;
    char c;
    while (recv(sv[0], &c, 1, 0) < 0)
        n_recv += errno == EINTR;
    return NULL;
}

int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 3;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    ep = epoll_create1(0);
    if (pipe(pipefd) != 0)
        return 1;
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);
    sem = semget(IPC_PRIVATE, 1, 0600);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {3600, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    pthread_t t[3];
    pthread_create(&t[0], NULL, epoll_thread, NULL);
    pthread_create(&t[1], NULL, semop_thread, NULL);
    pthread_create(&sigwaiter, NULL, sigwait_thread, NULL);
    pthread_create(&t[2], NULL, recv_thread, NULL);
    usleep(200000);
    printf("ready\n");
    fflush(stdout);
    sleep((unsigned)secs);
    if (write(pipefd[1], "x", 1) != 1 || write(sv[1], "x", 1) != 1)
        return 1;
    struct sembuf op = {0, 1, 0};
    semop(sem, &op, 1);
    pthread_kill(sigwaiter, SIGUSR1);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    pthread_join(sigwaiter, NULL);
    semctl(sem, 0, IPC_RMID);
    printf("eintr epoll=%d semop=%d sigtimedwait=%d recv=%d\n", n_epoll, n_semop, n_sigwait,
           n_recv);
    return 0;
}
