/* Private: which job a process belongs to, when a parallel launcher started it: the job's id,
 * the process's rank and the job's size, from the variables Open MPI (OMPI_COMM_WORLD_*),
 * PMIx (PMIX_*), MPICH's Hydra (PMI_*) and Slurm (SLURM_*) put in each process's environment.
 * Reports carry them (with the host) so a fleet's reports can be grouped by job and rank.
 * Pure; read once at start (the constructor) or from /proc/PID/environ (the command). */
#ifndef SW_LAUNCHER_H
#define SW_LAUNCHER_H

#include <stdbool.h>

struct sw_job {
    char job[64];  /* "" when unknown */
    bool ranked;   /* rank is known */
    unsigned rank;
    unsigned size; /* 0 when unknown */
};

/* Fills out from envp ("NAME=value" strings, NULL-terminated); out->ranked is false and
 * out->job "" when no launcher's variables are there. The first launcher whose rank variable
 * is present wins, in the order above (Open MPI also sets PMIx variables). */
void sw_job_from_env(char *const *envp, struct sw_job *out);

#endif
