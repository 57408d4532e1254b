/* Private: starting a program from inside the program being watched without running any of
 * its code or taking any of its locks: a raw clone(CLONE_VM|CLONE_VFORK) whose child does
 * nothing but system calls and execve, on a stack of our own. No fork handler runs (the
 * program's or glibc's), nothing is allocated, the dynamic loader is not involved, and the
 * calling thread is suspended only until the exec. Watchdog thread only. */
#ifndef SW_SPAWN_H
#define SW_SPAWN_H

#include <sys/types.h>

/* Runs path with argv and envp in a child that has /dev/null on 0, 1 and 2, pass_fd on 3 (not
 * close-on-exec) and no other descriptor, every signal blocked (the watchdog's mask). The
 * child's exit signal is 0: the program's wait(), waitpid(-1) and SIGCHLD never see it; reap it
 * with sw_spawn_wait. Returns the child's pid, or -errno (clone failed). An execve that fails
 * shows as exit status 127. Preserves errno. */
pid_t sw_spawn(const char *path, char *const argv[], char *const envp[], int pass_fd);

/* Waits for the child pid (__WALL: it sends no signal); returns its wait status, or -1.
 * Preserves errno. */
int sw_spawn_wait(pid_t pid);

#endif
