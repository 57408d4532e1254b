/* A single-threaded program (but for the thread its library's constructor started) linked
 * with early_ctor_lib, whose constructor makes interposed calls before the shim's runs; main
 * then waits 1.5 s for a mutex that thread holds. Prints "waited" and exits 0. */
#include <stdio.h>

void early_wait(void);

int main(void)
{
    early_wait();
    puts("waited");
    return 0;
}
