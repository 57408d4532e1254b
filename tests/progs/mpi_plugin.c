/* A plugin linked against libfakempi.so (mpi_plugin_host loads it with RTLD_LOCAL): calls
 * MPI_Barrier on MPICH's MPI_COMM_WORLD and returns what it returned. */
int MPI_Barrier(int comm);
int plugin_barrier(void);

/* Not a tail call: the wrapper finds the next definition from its caller's address, which a
 * tail call would make the host's. */
int plugin_barrier(void)
{
    volatile int r = MPI_Barrier(0x44000000);
    return r;
}
