/* Children made every way a program makes them: posix_spawn, vfork + exec, _Fork (no fork
 * handlers run), fork + exec, and plain fork. Each child runs argv[1] (a program that exits
 * with status 7) or, for plain fork and _Fork without exec, exits 7 itself. The parent checks
 * every status and exits 0 when all are 7; prints one line per kind. With argv[2] ("stall"),
 * the exec'd children are argv[2]'s program instead and the parent only waits. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
pid_t _Fork(void);

static int status_of(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char *child_argv[] = {argv[1], NULL};
    int bad = 0, st;

    pid_t pid;
    st = posix_spawn(&pid, argv[1], NULL, NULL, child_argv, environ) == 0 ? status_of(pid) : -1;
    printf("posix_spawn %d\n", st);
    bad += st != 7;

    pid = vfork();
    if (pid == 0) {
        execve(argv[1], child_argv, environ);
        _exit(127);
    }
    st = status_of(pid);
    printf("vfork %d\n", st);
    bad += st != 7;

    pid = fork();
    if (pid == 0) {
        execve(argv[1], child_argv, environ);
        _exit(127);
    }
    st = status_of(pid);
    printf("fork+exec %d\n", st);
    bad += st != 7;

    pid = fork();
    if (pid == 0)
        _exit(7);
    st = status_of(pid);
    printf("fork %d\n", st);
    bad += st != 7;

    pid = _Fork();
    if (pid == 0)
        _exit(7);
    st = status_of(pid);
    printf("_Fork %d\n", st);
    bad += st != 7;

    return bad == 0 ? 0 : 1;
}
