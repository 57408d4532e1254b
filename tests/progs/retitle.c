/* Rewrites its command line for ps, as postgres and nginx do (the argv area holds the new
 * title, the rest cleared), and renames its main thread; then a worker waits 1.5 s for a lock
 * the main thread holds. Reports must keep the program's name as invoked ("retitle") and show
 * the title and the comm beside it. Usage: retitle ARG... (the arguments make room). */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void *waits(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(int argc, char **argv)
{
    char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
    const char title[] = "retitle: checkpointer waiting";
    size_t room = (size_t)(end - start);
    memset(start, 0, room);
    memcpy(start, title, sizeof title - 1 < room ? sizeof title - 1 : room);
    prctl(PR_SET_NAME, "bgwriter");
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, waits, NULL);
    usleep(1500000);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    return 0;
}
