/* stallwatch-symbolizer: unwinds and names the stacks a program's watchdog captured, outside
 * that program, so the program never loads libdw, never maps a debug file and never takes a
 * lock for it (see docs/design.md, "The symbolizer program"). An ordinary program: it may
 * allocate, use stdio and take locks.
 *
 * Started by the first program of a user that needs it (watchdog/symclient.c), with the
 * listening socket already bound to the user's abstract name on descriptor 3, nothing else
 * open but /dev/null on 0-2 and every signal blocked:
 *   stallwatch-symbolizer --listen-fd 3 [--idle SECONDS]
 * it forks at once so that the program reaps only a short-lived child, and the service runs
 * in a new session, parented to init, until no program has connected for --idle seconds (60).
 * Without --listen-fd it binds the name itself (to run it by hand, or as a user service):
 *   stallwatch-symbolizer [--foreground] [--idle SECONDS]  (0: never exits when idle) */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/symproto.h"
#include "symbolizer/names.h"
#include "symbolizer/server.h"

static int usage(void)
{
    fprintf(stderr, "usage: stallwatch-symbolizer [--listen-fd N] [--idle SECONDS] "
                    "[--foreground]\n");
    return 2;
}

/* Binds and listens on this user's abstract name; -1 when another symbolizer has it. */
static int bind_own_name(void)
{
    char link[64];
    ssize_t n = readlink("/proc/self/ns/mnt", link, sizeof link - 1);
    unsigned long long ino = 0;
    if (n > 0) {
        link[n] = '\0';
        sscanf(link, "mnt:[%llu]", &ino);
    }
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    self[k > 0 ? k : 0] = '\0';
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len =
        sw_proto_socket_name(sa.sun_path + 1, sizeof sa.sun_path - 1, getuid(), ino, self);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || len == 0 ||
        bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                                     1 + len)) != 0 ||
        listen(fd, 128) != 0) {
        fprintf(stderr, "stallwatch-symbolizer: cannot listen: %s\n", strerror(errno));
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    int listen_fd = -1;
    unsigned long idle = 60;
    bool foreground = false;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--listen-fd") == 0 && i + 1 < argc) {
            long fd = strtol(argv[++i], &end, 10);
            if (*end != '\0' || fd < 0 || fd > INT_MAX)
                return usage();
            listen_fd = (int)fd;
        } else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc) {
            idle = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || idle > 86400)
                return usage();
        } else if (strcmp(argv[i], "--foreground") == 0) {
            foreground = true;
        } else {
            return usage();
        }
    }
    /* The watchdog that started us blocks every signal in its threads; we want the defaults,
     * but never to die of a client that went away. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (listen_fd < 0 && (listen_fd = bind_own_name()) < 0)
        return 1;
    if (!foreground) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid > 0)
            _exit(0); /* the starter reaps this one at once */
        setsid();
    }
    /* Debuginfod only when a program allows it, per connection (names.c asks it then). */
    sw_names_set_debuginfod(false);
    return sw_server_run(listen_fd, (unsigned)idle);
}
