/* Loads a plugin whose constructor deadlocks with a thread it starts (ctor_plugin.c): the main
 * thread stays inside dlopen, holding the dynamic loader's lock, for good. Prints "loading"
 * first. Usage: plugin_deadlock PATH_OF_libctor_plugin.so */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    printf("loading\n");
    fflush(stdout);
    dlopen(argv[1], RTLD_NOW);
    return 0;
}
