/* Exported wrappers for SysV and POSIX IPC waits: semop, semtimedop, msgrcv, msgsnd and the
 * mq_ send and receive calls. Class wait; the object is the SysV id or the queue's
 * descriptor. SysV calls end in EINTR after any handler, so they resume when the
 * interruption was ours, except semtimedop, whose relative timeout would stretch (never
 * signalled: SW_INTR_NEVER). Any thread. */
#include <mqueue.h>
#include <sys/msg.h>
#include <sys/sem.h>

#include "hook/interpose.h"

SW_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
    SW_WRAP_RETRY(SEMOP, id, SW_REAL(semop)(id, ops, n));
}

SW_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *timeout)
{
    SW_WRAP(SEMTIMEDOP, id, SW_REAL(semtimedop)(id, ops, n, timeout));
}

SW_EXPORT ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
    SW_WRAP_RETRY(MSGRCV, id, SW_REAL(msgrcv)(id, msg, size, type, flags));
}

SW_EXPORT int msgsnd(int id, const void *msg, size_t size, int flags)
{
    SW_WRAP_RETRY(MSGSND, id, SW_REAL(msgsnd)(id, msg, size, flags));
}

SW_EXPORT ssize_t mq_receive(mqd_t q, char *msg, size_t len, unsigned int *prio)
{
    SW_WRAP_RETRY(MQ_RECEIVE, q, SW_REAL(mq_receive)(q, msg, len, prio));
}

SW_EXPORT ssize_t mq_timedreceive(mqd_t q, char *__restrict msg, size_t len,
                                  unsigned int *__restrict prio,
                                  const struct timespec *__restrict abs_timeout)
{
    SW_WRAP_RETRY(MQ_TIMEDRECEIVE, q, SW_REAL(mq_timedreceive)(q, msg, len, prio, abs_timeout));
}

SW_EXPORT int mq_send(mqd_t q, const char *msg, size_t len, unsigned int prio)
{
    SW_WRAP_RETRY(MQ_SEND, q, SW_REAL(mq_send)(q, msg, len, prio));
}

SW_EXPORT int mq_timedsend(mqd_t q, const char *msg, size_t len, unsigned int prio,
                           const struct timespec *abs_timeout)
{
    SW_WRAP_RETRY(MQ_TIMEDSEND, q, SW_REAL(mq_timedsend)(q, msg, len, prio, abs_timeout));
}
