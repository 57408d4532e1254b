/* Threads that wait forever in SysV and POSIX IPC and for a command: "sem-waiter" in semop on
 * a semaphore nobody raises, "msg-waiter" in msgrcv on an empty queue, "mq-waiter" in
 * mq_receive on an empty POSIX queue (/stallwatch-wait_calls.PID), "commander" in
 * system("sleep 20"). The main thread sleeps; the IPC objects are removed at SIGTERM. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <unistd.h>

static int semid, msqid;
static mqd_t mq;
static char mqname[64];

static void *sem_waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "sem-waiter");
    struct sembuf down = {0, -1, 0};
    semop(semid, &down, 1);
    return NULL;
}

static void *msg_waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "msg-waiter");
    struct {
        long type;
        char text[16];
    } m;
    msgrcv(msqid, &m, sizeof m.text, 0, 0);
    return NULL;
}

static void *mq_waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "mq-waiter");
    char buf[64];
    mq_receive(mq, buf, sizeof buf, NULL);
    return NULL;
}

static void *commander(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "commander");
    system("sleep 20");
    return NULL;
}

static void cleanup(int sig)
{
    (void)sig;
    semctl(semid, 0, IPC_RMID);
    msgctl(msqid, IPC_RMID, NULL);
    mq_unlink(mqname);
    _exit(0);
}

int main(void)
{
    semid = semget(IPC_PRIVATE, 1, 0600);
    msqid = msgget(IPC_PRIVATE, 0600);
    snprintf(mqname, sizeof mqname, "/stallwatch-wait_calls.%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mq = mq_open(mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (semid < 0 || msqid < 0 || mq == (mqd_t)-1)
        return 1;
    signal(SIGTERM, cleanup);
    printf("semid=%d msqid=%d mq=%s\n", semid, msqid, mqname);
    fflush(stdout);
    pthread_t t[4];
    pthread_create(&t[0], NULL, sem_waiter, NULL);
    pthread_create(&t[1], NULL, msg_waiter, NULL);
    pthread_create(&t[2], NULL, mq_waiter, NULL);
    pthread_create(&t[3], NULL, commander, NULL);
    for (;;)
        pause();
}
