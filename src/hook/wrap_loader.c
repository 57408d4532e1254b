/* Exported wrappers for the dynamic loader: dlopen, dlmopen and dlclose, class lock, waiting
 * for the loader's lock (its holder is found from the futex the thread waits on). They run
 * the libraries' constructors and destructors, whose interposed calls replace the mark for as
 * long as they last (hook/enter.c). dlsym is not wrapped: it is called in hot loops by some
 * programs and blocks only behind a dlopen, which is itself reported. Any thread. */
#include <dlfcn.h>

#include "hook/interpose.h"

SW_EXPORT void *dlopen(const char *file, int mode)
{
    SW_WRAP(DLOPEN, 0, SW_REAL(dlopen)(file, mode));
}

SW_EXPORT void *dlmopen(Lmid_t ns, const char *file, int mode)
{
    SW_WRAP(DLMOPEN, 0, SW_REAL(dlmopen)(ns, file, mode));
}

SW_EXPORT int dlclose(void *handle)
{
    SW_WRAP(DLCLOSE, 0, SW_REAL(dlclose)(handle));
}
