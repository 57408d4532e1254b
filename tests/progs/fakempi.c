/* A stand-in MPI library (libfakempi.so) with MPICH-style int handles: MPI_Barrier returns 7
 * for communicator 0x44000000 (MPICH's MPI_COMM_WORLD), 1 for any other. Loaded by
 * mpi_plugin.so, itself loaded with RTLD_LOCAL, as a plugin built against MPICH is. */
int MPI_Barrier(int comm);

int MPI_Barrier(int comm)
{
    return comm == 0x44000000 ? 7 : 1;
}
