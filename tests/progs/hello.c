/* Prints a fixed line and exits with status 7: the shim must change neither. */
#include <stdio.h>

int main(void)
{
    puts("hello from the host program");
    return 7;
}
