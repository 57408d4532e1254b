/* A small MPI job for the MPI tests, run with mpirun -np 4. argv[1] says what it does;
 * argv[2] is a rank and argv[3] a number of milliseconds:
 *   barrier LATE MS   every rank passes one barrier, then rank LATE computes for MS ms in
 *                     late_compute() while the others wait in the second barrier
 *   recv PEER MS      rank 0 receives (tag 7) from rank PEER, which sleeps MS ms in
 *                     never_sends() before it sends; the other ranks do nothing
 *   subcomm LATE MS   the ranks split into two communicators of 2 by parity; on each, one
 *                     allreduce, then rank LATE computes for MS ms before the second
 *                     allreduce of its communicator, where its partner waits
 *   dupfree LATE MS   a communicator split by parity is used once and freed; then on a dup
 *                     of the world (often given the freed one's handle) every rank passes
 *                     one barrier, and rank LATE computes for MS ms before the second
 *   quick 0 0         every rank passes ten barriers at once (no stall)
 * Every rank prints "rank R done" and exits 0. */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Busy, as a rank computing is (it never blocks in a call). */
__attribute__((noinline)) static void late_compute(long ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

__attribute__((noinline)) static void never_sends(long ms)
{
    usleep((useconds_t)ms * 1000);
}

__attribute__((noinline)) static void wait_at_barrier(void)
{
    MPI_Barrier(MPI_COMM_WORLD);
}

__attribute__((noinline)) static void wait_for_message(int peer)
{
    int v;
    MPI_Recv(&v, 1, MPI_INT, peer, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

__attribute__((noinline)) static void reduce_with_partner(MPI_Comm c)
{
    int one = 1, sum = 0;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, c);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *what = argc > 1 ? argv[1] : "quick";
    int who = argc > 2 ? atoi(argv[2]) : 0;
    long ms = argc > 3 ? atol(argv[3]) : 0;
    if (strcmp(what, "barrier") == 0) {
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == who)
            late_compute(ms);
        wait_at_barrier();
    } else if (strcmp(what, "recv") == 0) {
        if (rank == 0)
            wait_for_message(who);
        else if (rank == who) {
            never_sends(ms);
            int v = 1;
            MPI_Send(&v, 1, MPI_INT, 0, 7, MPI_COMM_WORLD);
        }
    } else if (strcmp(what, "subcomm") == 0) {
        MPI_Comm half;
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
        reduce_with_partner(half);
        if (rank == who)
            late_compute(ms);
        reduce_with_partner(half);
        MPI_Comm_free(&half);
    } else if (strcmp(what, "dupfree") == 0) {
        MPI_Comm half, dup;
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
        reduce_with_partner(half);
        MPI_Comm_free(&half);
        MPI_Comm_dup(MPI_COMM_WORLD, &dup);
        MPI_Barrier(dup);
        if (rank == who)
            late_compute(ms);
        MPI_Barrier(dup);
        MPI_Comm_free(&dup);
    } else {
        for (int i = 0; i < 10; i++)
            MPI_Barrier(MPI_COMM_WORLD);
    }
    printf("rank %d done\n", rank);
    fflush(stdout);
    MPI_Finalize();
    return 0;
}
