/* Replaces itself with argv[1] (execv), as wrappers and launchers do. */
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    execv(argv[1], argv + 1);
    return 127;
}
