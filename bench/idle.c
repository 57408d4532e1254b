/* An idle process for scripts/bench's resident-memory figure: prints "ready" and sleeps until
 * killed. Usage: idle */
#include <unistd.h>

#include "common.h"

int main(void)
{
    printf("ready\n");
    fflush(stdout);
    for (;;)
        sleep_ms(3600 * 1000L);
}
