/* A process whose threads all wait in ways that are normal for a server: workers on a
 * condition variable, an acceptor in accept(), a loop in epoll_wait(), a timer in sleep(), a
 * reader on a pipe, and the main thread in poll(). With default settings none of this is a
 * stall. Exits 0 after argv[1] seconds (default 2). */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pipe_fds[2];
static int listen_fd, epoll_fd;

static void *cond_worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "cond-worker");
    pthread_mutex_lock(&mu);
    for (;;)
        pthread_cond_wait(&cv, &mu);
    return NULL;
}

static void *acceptor(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "acceptor");
    for (;;)
        accept(listen_fd, NULL, NULL);
    return NULL;
}

static void *event_loop(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "event-loop");
    struct epoll_event ev;
    for (;;)
        epoll_wait(epoll_fd, &ev, 1, -1);
    return NULL;
}

static void *timer(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "timer");
    for (;;)
        sleep(100);
    return NULL;
}

static void *pipe_reader(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "pipe-reader");
    char c;
    for (;;)
        read(pipe_fds[0], &c, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 2;
    if (pipe(pipe_fds) != 0)
        return 1;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(listen_fd, 1) != 0)
        return 1;
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0)
        return 1;
    void *(*fns[])(void *) = {cond_worker, cond_worker, acceptor, event_loop, timer, pipe_reader};
    for (unsigned i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, fns[i], NULL) != 0)
            return 1;
    }
    poll(NULL, 0, seconds * 1000);
    return 0;
}
