/* Unit suite for the job, rank and size of a process started by a parallel launcher
 * (src/core/launcher.c): Open MPI, PMIx, MPICH's Hydra, Slurm, and none. */
#include <check.h>
#include <string.h>

#include "core/launcher.h"
#include "support.h"

static struct sw_job job_of(char **envp)
{
    struct sw_job j;
    sw_job_from_env(envp, &j);
    return j;
}

START_TEST(test_open_mpi_gives_rank_size_and_its_pmix_namespace)
{
    char *env[] = {"PATH=/bin", "OMPI_COMM_WORLD_SIZE=4", "OMPI_COMM_WORLD_RANK=3",
                   "PMIX_NAMESPACE=prterun-node1-4242@1", "PMIX_RANK=3", NULL};
    struct sw_job j = job_of(env);
    ck_assert(j.ranked);
    ck_assert_uint_eq(j.rank, 3);
    ck_assert_uint_eq(j.size, 4);
    ck_assert_str_eq(j.job, "prterun-node1-4242@1");
}
END_TEST

START_TEST(test_slurm_job_and_step_make_the_job_id)
{
    char *env[] = {"SLURM_JOB_ID=881", "SLURM_STEP_ID=2", "SLURM_PROCID=0", "SLURM_NTASKS=16",
                   NULL};
    struct sw_job j = job_of(env);
    ck_assert(j.ranked);
    ck_assert_uint_eq(j.rank, 0);
    ck_assert_uint_eq(j.size, 16);
    ck_assert_str_eq(j.job, "881.2");
}
END_TEST

START_TEST(test_hydra_and_pmix_alone)
{
    char *hydra[] = {"PMI_RANK=7", "PMI_SIZE=8", "PMI_KVSNAME=kvs_99_0", NULL};
    struct sw_job j = job_of(hydra);
    ck_assert(j.ranked && j.rank == 7 && j.size == 8);
    ck_assert_str_eq(j.job, "kvs_99_0");
    char *pmix[] = {"PMIX_RANK=2", "PMIX_NAMESPACE=ns", NULL};
    j = job_of(pmix);
    ck_assert(j.ranked && j.rank == 2 && j.size == 0);
    ck_assert_str_eq(j.job, "ns");
}
END_TEST

START_TEST(test_no_launcher_or_garbage_is_no_rank)
{
    char *none[] = {"HOME=/root", "SLURM_JOB_ID=5", NULL};
    struct sw_job j = job_of(none);
    ck_assert(!j.ranked);
    ck_assert_str_eq(j.job, "");
    char *bad[] = {"OMPI_COMM_WORLD_RANK=x1", "PMI_RANK=", "SLURM_PROCID=99999999999", NULL};
    j = job_of(bad);
    ck_assert(!j.ranked);
    /* A job id with spaces or control bytes is made printable, and cut to fit. */
    char long_id[200] = "SLURM_JOB_ID=a b\x01";
    memset(long_id + strlen(long_id), 'x', 150);
    char *odd[] = {"SLURM_PROCID=1", long_id, NULL};
    j = job_of(odd);
    ck_assert(j.ranked);
    ck_assert_uint_eq(strlen(j.job), sizeof j.job - 1);
    ck_assert(strncmp(j.job, "a_b_x", 5) == 0);
    ck_assert(!j.size);
}
END_TEST

START_TEST(test_no_environment_at_all)
{
    struct sw_job j = job_of(NULL);
    ck_assert(!j.ranked);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("launcher");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_open_mpi_gives_rank_size_and_its_pmix_namespace);
    tcase_add_test(tc, test_slurm_job_and_step_make_the_job_id);
    tcase_add_test(tc, test_hydra_and_pmix_alone);
    tcase_add_test(tc, test_no_launcher_or_garbage_is_no_rank);
    tcase_add_test(tc, test_no_environment_at_all);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
