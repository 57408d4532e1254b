/* An embedding program: C code first (a stall reported while no Python is loaded), then
 * libpython loaded with dlopen, as plugins and applications with a scripting layer do, and a
 * script run in it. Usage: embed_python LIBPYTHON SCRIPT */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed_python LIBPYTHON SCRIPT\n");
        return 2;
    }
    printf("sleeping\n");
    fflush(stdout);
    usleep(1500 * 1000); /* no Python in the process yet */
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 3;
    }
    void (*initialize)(int);
    int (*run_file)(FILE *, const char *, int, void *);
    *(void **)&initialize = dlsym(lib, "Py_InitializeEx");
    *(void **)&run_file = dlsym(lib, "PyRun_SimpleFileExFlags");
    FILE *script = fopen(argv[2], "r");
    if (initialize == NULL || run_file == NULL || script == NULL) {
        fprintf(stderr, "no Python API or no script\n");
        return 4;
    }
    initialize(0);
    return run_file(script, argv[2], 1, NULL);
}
