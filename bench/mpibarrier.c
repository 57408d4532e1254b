/* MPI_Barrier in a loop on MPI_COMM_WORLD (scripts/bench, section mpi): argv[1] barriers
 * after 1,000 for warm-up; rank 0 prints "ns_per_barrier N". Built with mpicc. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 0; i < 1000; i++)
        MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long i = 0; i < n; i++)
        MPI_Barrier(MPI_COMM_WORLD);
    double t = MPI_Wtime() - t0;
    if (rank == 0)
        printf("ns_per_barrier %.0f\n", t * 1e9 / (double)n);
    MPI_Finalize();
    return 0;
}
