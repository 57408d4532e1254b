/* Private: what the MPI wrappers (wrap_mpi.c) tell the rest of the library. Any thread. */
#ifndef SW_WRAP_MPI_H
#define SW_WRAP_MPI_H

#include <stdbool.h>

/* Whether this process has made an MPI call (MPI_Init...): only then is it a rank of a job
 * that answers job-wide dump requests. */
bool sw_mpi_used(void);

#endif
