/* How many threads the calling process has now: the entries of /proc/self/task. For the test
 * programs that check whether our watchdog thread exists yet (one more thread). */
#ifndef SW_TEST_TASK_COUNT_H
#define SW_TEST_TASK_COUNT_H

#include <dirent.h>

static inline int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

#endif
