/* Unit suite for job-wide dump requests (src/watchdog/jobdir.c): which requests a rank
 * answers. Only its own job's, only files of its own user made since it started, only in a
 * directory of its own user that no one else may write to, each once, and never more than
 * 1,024 in all. The process counts as a rank that called MPI (sw_mpi_used, stubbed). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/launcher.h"
#include "hook/real.h"
#include "hook/wrap_mpi.h"
#include "support.h"
#include "watchdog/jobdir.h"

bool sw_mpi_used(void)
{
    return true;
}

static char dir[] = "/tmp/stallwatch-jobdir-XXXXXX";
static struct sw_config cfg;
static uint64_t now_ns = 1;

static void setup(void)
{
    sw_real_init();
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0755), 0);
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.job_dir, sizeof cfg.job_dir, "%s", dir);
    struct sw_job job = {"job-7", true, 0, 4};
    sw_jobdir_init(&cfg, &job);
}

static void request(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

/* The request answered by the next look, or "" (every look a second after the last). */
static const char *poll_once(void)
{
    static char out[256];
    now_ns += 2000000000ull;
    out[0] = '\0';
    if (!sw_jobdir_poll(now_ns, out, sizeof out))
        out[0] = '\0';
    return out;
}

START_TEST(test_a_request_of_the_job_is_answered_once)
{
    request("job-7+MPI_COMM_WORLD+3+MPI_Barrier");
    request("job-8+MPI_COMM_WORLD+3+MPI_Barrier");
    ck_assert_str_eq(poll_once(), "job-7+MPI_COMM_WORLD+3+MPI_Barrier");
    ck_assert_str_eq(poll_once(), "");
    ck_assert_str_eq(poll_once(), "");
}
END_TEST

/* Made before this process started: a request of an earlier job that had the same id. */
START_TEST(test_a_request_older_than_the_process_is_not_answered)
{
    request("job-7+MPI_COMM_WORLD+1+MPI_Barrier");
    char path[512];
    snprintf(path, sizeof path, "%s/job-7+MPI_COMM_WORLD+1+MPI_Barrier", dir);
    struct timespec old[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    ck_assert_str_eq(poll_once(), "");
    request("job-7+MPI_COMM_WORLD+2+MPI_Barrier");
    ck_assert_str_eq(poll_once(), "job-7+MPI_COMM_WORLD+2+MPI_Barrier");
}
END_TEST

/* Another user's file, a symbolic link or a directory by a request's name: not requests. */
START_TEST(test_another_user_s_files_are_not_requests)
{
    char path[512];
    request("job-7+MPI_COMM_WORLD+1+MPI_Barrier");
    snprintf(path, sizeof path, "%s/job-7+MPI_COMM_WORLD+1+MPI_Barrier", dir);
    ck_assert_int_eq(chown(path, geteuid() + 1, (gid_t)-1) == 0 || geteuid() != 0, 1);
    snprintf(path, sizeof path, "%s/job-7+MPI_COMM_WORLD+2+MPI_Barrier", dir);
    ck_assert_int_eq(symlink("/etc/hostname", path), 0);
    snprintf(path, sizeof path, "%s/job-7+MPI_COMM_WORLD+3+MPI_Barrier", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    if (geteuid() == 0)
        ck_assert_str_eq(poll_once(), "");
    else
        ck_assert_str_eq(poll_once(), "job-7+MPI_COMM_WORLD+1+MPI_Barrier"); /* could not chown */
    ck_assert_str_eq(poll_once(), "");
}
END_TEST

/* A directory other users may write to, or another user's: no request in it is answered. */
START_TEST(test_a_directory_others_may_write_to_is_not_read)
{
    request("job-7+MPI_COMM_WORLD+1+MPI_Barrier");
    ck_assert_int_eq(chmod(dir, 0777), 0);
    ck_assert_str_eq(poll_once(), "");
    ck_assert_int_eq(chmod(dir, 0775), 0);
    ck_assert_str_eq(poll_once(), "");
    ck_assert_int_eq(chmod(dir, 0755), 0);
    if (geteuid() == 0) {
        ck_assert_int_eq(chown(dir, 1, (gid_t)-1), 0);
        ck_assert_str_eq(poll_once(), "");
        ck_assert_int_eq(chown(dir, 0, (gid_t)-1), 0);
    }
    ck_assert_str_eq(poll_once(), "job-7+MPI_COMM_WORLD+1+MPI_Barrier");
}
END_TEST

/* 1,100 requests: 1,024 answered, then none ever again (no dump without end). */
START_TEST(test_no_more_than_1024_requests_are_ever_answered)
{
    char name[128];
    for (int i = 0; i < 1100; i++) {
        snprintf(name, sizeof name, "job-7+MPI_COMM_WORLD+%d+MPI_Barrier", i + 1);
        request(name);
    }
    int answered = 0;
    for (int i = 0; i < 1200; i++)
        answered += poll_once()[0] != '\0';
    ck_assert_int_eq(answered, 1024);
    request("job-7+MPI_COMM_WORLD+5000+MPI_Barrier");
    ck_assert_str_eq(poll_once(), "");
}
END_TEST

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

static Suite *suite(void)
{
    Suite *s = suite_create("jobdir");
    TCase *tc = tcase_create("requests");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_a_request_of_the_job_is_answered_once);
    tcase_add_test(tc, test_a_request_older_than_the_process_is_not_answered);
    tcase_add_test(tc, test_another_user_s_files_are_not_requests);
    tcase_add_test(tc, test_a_directory_others_may_write_to_is_not_read);
    tcase_add_test(tc, test_no_more_than_1024_requests_are_ever_answered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
