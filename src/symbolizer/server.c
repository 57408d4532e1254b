/* The symbolizer's service loop (see server.h). The symbolizer program; one thread.
 *
 * Only the user the symbolizer runs as may use it: an abstract socket has no file permissions,
 * so every connection's credentials (SO_PEERCRED) are checked and another user's connection
 * is closed at once. A connection is served one message at a time, in turn with the others;
 * each STACK is answered with UNWOUND as soon as the pcs are known, then FRAMES. Answers are
 * sent without blocking: a client that went away (a warm-up, or a watchdog past its budget)
 * only loses its answer. */
#include "symbolizer/server.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/symproto.h"
#include "symbolizer/session.h"

#define CLIENTS_MAX SW_SYMBOLIZER_CLIENTS_MAX

enum phase { WANT_HELLO, WANT_MODULES, WANT_STACKS };

struct client {
    int fd;
    pid_t pid;
    enum phase phase;
    uint32_t modules_left;
    struct sw_session *session;
};

static struct client clients[CLIENTS_MAX];
static unsigned nclients;
static uint8_t in[SW_PROTO_MSG_MAX + 64];
static uint8_t out[SW_PROTO_MSG_MAX];
static struct sw_msg_unwound unwound;
static struct sw_msg_frames frames;

static void drop(unsigned i)
{
    sw_session_end(clients[i].session);
    close(clients[i].fd);
    clients[i] = clients[--nclients];
}

static void accept_one(int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid() ||
        nclients == CLIENTS_MAX) {
        close(fd);
        return;
    }
    clients[nclients++] = (struct client){fd, cred.pid, WANT_HELLO, 0, NULL};
}

static void add_module(void *ctx, const struct sw_msg_module *m)
{
    struct client *c = ctx;
    if (c->modules_left > 0) {
        sw_session_add_module(c->session, m);
        c->modules_left--;
    }
}

static void send_msg(struct client *c, size_t len)
{
    if (len > 0)
        send(c->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One message from client c; false when the connection is to end. */
static bool serve(struct client *c, size_t len)
{
    struct sw_msg_hello hello;
    struct sw_msg_stack st;
    switch (c->phase) {
    case WANT_HELLO:
        if (sw_proto_read_hello(in, len, &hello) != 0 || hello.version != SW_PROTO_VERSION)
            return false;
        c->session = sw_session_begin(c->pid, &hello);
        if (c->session == NULL)
            return false;
        c->modules_left = hello.nmodules;
        c->phase = WANT_MODULES;
        if (c->modules_left == 0) {
            sw_session_ready(c->session);
            c->phase = WANT_STACKS;
        }
        return true;
    case WANT_MODULES:
        if (sw_proto_read_modules(in, len, add_module, c) != 0)
            return false;
        if (c->modules_left == 0) {
            sw_session_ready(c->session);
            c->phase = WANT_STACKS;
        }
        return true;
    case WANT_STACKS:
        if (sw_proto_read_stack(in, len, &st) != 0)
            return false;
        sw_session_unwind(c->session, &st, &unwound);
        if (!st.warm)
            send_msg(c, sw_proto_unwound(out, sizeof out, &unwound));
        sw_session_name(c->session, &unwound, st.max_frames, &frames);
        if (!st.warm)
            send_msg(c, sw_proto_frames(out, sizeof out, &frames));
        return true;
    }
    return false;
}

static uint64_t now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec;
}

int sw_server_run(int listen_fd, unsigned idle_s)
{
    uint64_t last_client = now_s();
    struct pollfd fds[CLIENTS_MAX + 1];
    for (;;) {
        /* When full, new connections wait in the backlog until one ends. */
        fds[0] = (struct pollfd){.fd = listen_fd, .events = nclients < CLIENTS_MAX ? POLLIN : 0};
        for (unsigned i = 0; i < nclients; i++)
            fds[i + 1] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
        int r = poll(fds, nclients + 1, 1000);
        if (r < 0 && errno != EINTR)
            return 1;
        if (nclients > 0 || (r > 0 && (fds[0].revents & POLLIN)))
            last_client = now_s();
        else if (idle_s != 0 && now_s() - last_client >= idle_s)
            return 0;
        if (r <= 0)
            continue;
        /* Clients first, from the last (dropping one moves the last into its place). */
        for (unsigned i = nclients; i-- > 0;) {
            if (fds[i + 1].revents == 0)
                continue;
            ssize_t n = recv(clients[i].fd, in, sizeof in, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0 || (size_t)n > SW_PROTO_MSG_MAX || !serve(&clients[i], (size_t)n))
                drop(i);
        }
        if (fds[0].revents & POLLIN)
            accept_one(listen_fd);
        else if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
            return 1;
    }
}
