/* Loads argv[1] (mpi_plugin.so) with RTLD_LOCAL, calls its plugin_barrier() and prints
 * "barrier=N" with what it returned; exits 0. Under the shim, the plugin's MPI_Barrier binds
 * to the shim's wrapper, whose next definition (libfakempi's, in the plugin's local scope)
 * RTLD_NEXT cannot see. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*barrier)(void) = (int (*)(void))dlsym(h, "plugin_barrier");
    if (barrier == NULL)
        return 1;
    printf("barrier=%d\n", barrier());
    return 0;
}
