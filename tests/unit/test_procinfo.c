/* Unit suite for the /proc and fstat readers (src/procinfo.c): fd and path classification,
 * thread state, blocked-syscall registers, signal masks, safe reads of our own memory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "watchdog/procinfo.h"
#include "hook/real.h"
#include "support.h"

static void setup(void)
{
    sw_real_init();
}

START_TEST(test_regular_files_are_disk_and_pipes_sockets_ttys_are_peer)
{
    int p[2], sv[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int file = open("/proc/self/exe", O_RDONLY);
    int null = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(sw_proc_fd_class(file), SW_CLASS_DISK);
    ck_assert_int_eq(sw_proc_fd_class(p[0]), SW_CLASS_PEER);
    ck_assert_int_eq(sw_proc_fd_class(sv[0]), SW_CLASS_PEER);
    ck_assert_int_eq(sw_proc_fd_class(null), SW_CLASS_PEER);
}
END_TEST

START_TEST(test_opening_a_fifo_is_peer_and_a_file_is_disk)
{
    char dir[] = "/tmp/swtestXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char fifo[64], file[64];
    strcpy(fifo, dir);
    strcat(fifo, "/fifo");
    strcpy(file, dir);
    strcat(file, "/file");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    close(open(file, O_CREAT | O_WRONLY, 0600));
    ck_assert_int_eq(sw_proc_path_class(AT_FDCWD, fifo), SW_CLASS_PEER);
    ck_assert_int_eq(sw_proc_path_class(AT_FDCWD, file), SW_CLASS_DISK);
    ck_assert_int_eq(sw_proc_path_class(AT_FDCWD, "/nonexistent/x"), SW_CLASS_DISK);
    unlink(fifo);
    unlink(file);
    rmdir(dir);
}
END_TEST

START_TEST(test_fd_target_names_the_pipe)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    char out[64];
    ck_assert_int_eq(sw_proc_fd_target(p[0], out, sizeof out), 0);
    ck_assert_msg(strncmp(out, "pipe:[", 6) == 0, "got %s", out);
    ck_assert_int_eq(sw_proc_fd_target(1000000, out, sizeof out), -ENOENT);
}
END_TEST

static int blocker_pipe[2];
static _Atomic pid_t blocker_tid;

static void *blocker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "blocker \"x\"");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    blocker_tid = gettid();
    char c;
    syscall(SYS_read, blocker_pipe[0], &c, 1);
    return NULL;
}

static pid_t start_blocker(pthread_t *t)
{
    ck_assert_int_eq(pipe(blocker_pipe), 0);
    blocker_tid = 0;
    pthread_create(t, NULL, blocker, NULL);
    while (blocker_tid == 0)
        usleep(1000);
    char state = 0;
    for (int i = 0; i < 1000 && state != 'S'; i++) {
        usleep(1000);
        sw_proc_state(blocker_tid, &state);
    }
    ck_assert_int_eq(state, 'S');
    return blocker_tid;
}

static void stop_blocker(pthread_t t)
{
    ck_assert_int_eq(write(blocker_pipe[1], "x", 1), 1);
    pthread_join(t, NULL);
}

START_TEST(test_blocked_thread_shows_its_syscall_stack_pointer_and_pc)
{
    pthread_t t;
    pid_t tid = start_blocker(&t);
    long nr = -2;
    uint64_t sp = 0, pc = 0;
    ck_assert_int_eq(sw_proc_syscall(tid, &nr, &sp, &pc), 0);
    ck_assert_int_eq(nr, SYS_read);
    ck_assert_uint_ne(sp, 0);
    ck_assert_uint_ne(pc, 0);
    char wchan[64];
    ck_assert_int_eq(sw_proc_wchan(tid, wchan, sizeof wchan), 0);
    stop_blocker(t);
}
END_TEST

/* The process's start, in wall time: a little before a file made now (a job directory's
 * request made after the process started must never look older), and not long ago. */
START_TEST(test_the_process_start_comes_before_a_file_made_now)
{
    struct timespec start;
    ck_assert_int_eq(sw_proc_start_time(&start), 0);
    char path[] = "/tmp/stallwatch-start-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    close(fd);
    unlink(path);
    ck_assert(start.tv_sec < st.st_mtim.tv_sec ||
              (start.tv_sec == st.st_mtim.tv_sec && start.tv_nsec <= st.st_mtim.tv_nsec));
    ck_assert_int_gt(start.tv_sec, st.st_mtim.tv_sec - 600);
}
END_TEST

START_TEST(test_comm_keeps_spaces_and_quotes)
{
    pthread_t t;
    pid_t tid = start_blocker(&t);
    char name[16];
    ck_assert_int_eq(sw_proc_comm(tid, name, sizeof name), 0);
    ck_assert_str_eq(name, "blocker \"x\"");
    stop_blocker(t);
}
END_TEST

START_TEST(test_sigblk_shows_the_threads_own_mask)
{
    pthread_t t;
    pid_t tid = start_blocker(&t);
    uint64_t mask = 0;
    ck_assert_int_eq(sw_proc_sigblk(tid, &mask), 0);
    ck_assert(mask & (1ull << (SIGUSR2 - 1)));
    ck_assert_int_eq(sw_proc_sigblk(gettid(), &mask), 0);
    ck_assert(!(mask & (1ull << (SIGUSR2 - 1))));
    stop_blocker(t);
}
END_TEST

static _Atomic int spin_stop;
static _Atomic pid_t spinner_tid;

static void *spinner(void *arg)
{
    (void)arg;
    spinner_tid = gettid();
    while (!spin_stop)
        ;
    return NULL;
}

START_TEST(test_running_thread_has_no_syscall_registers)
{
    pthread_t t;
    spin_stop = 0;
    spinner_tid = 0;
    pthread_create(&t, NULL, spinner, NULL);
    while (spinner_tid == 0)
        usleep(1000);
    long nr;
    uint64_t sp, pc;
    int r = -1;
    char state = 0;
    /* The spinner may be preempted at a given instant; it is seen running within a few tries. */
    for (int i = 0; i < 100 && r != -EAGAIN; i++) {
        r = sw_proc_syscall(spinner_tid, &nr, &sp, &pc);
        sw_proc_state(spinner_tid, &state);
    }
    ck_assert_int_eq(r, -EAGAIN);
    ck_assert_int_eq(state, 'R');
    spin_stop = 1;
    pthread_join(t, NULL);
}
END_TEST

START_TEST(test_cputime_grows_while_spinning)
{
    uint64_t before, after;
    ck_assert_int_eq(sw_proc_cputime(gettid(), &before), 0);
    for (volatile unsigned long i = 0; i < 400000000ul; i++)
        ;
    ck_assert_int_eq(sw_proc_cputime(gettid(), &after), 0);
    ck_assert_uint_gt(after, before);
}
END_TEST

START_TEST(test_read_string_stops_at_unmapped_memory)
{
    long page = sysconf(_SC_PAGESIZE);
    char *m =
        mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    munmap(m + page, (size_t)page);
    /* A string running into the unmapped page: cut there, no fault. */
    memset(m, 'a', (size_t)page);
    char out[8192];
    int n = sw_proc_read_string((uintptr_t)(m + page - 10), out, sizeof out);
    ck_assert_int_eq(n, 10);
    ck_assert_int_eq(sw_proc_read_string((uintptr_t)(m + page), out, sizeof out), -EFAULT);
    strcpy(m + 100, "/var/lib/thing");
    ck_assert_int_eq(sw_proc_read_string((uintptr_t)(m + 100), out, sizeof out), 14);
    ck_assert_str_eq(out, "/var/lib/thing");
    munmap(m, (size_t)page);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("procinfo");
    TCase *tc = tcase_create("proc");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_regular_files_are_disk_and_pipes_sockets_ttys_are_peer);
    tcase_add_test(tc, test_opening_a_fifo_is_peer_and_a_file_is_disk);
    tcase_add_test(tc, test_fd_target_names_the_pipe);
    tcase_add_test(tc, test_blocked_thread_shows_its_syscall_stack_pointer_and_pc);
    tcase_add_test(tc, test_comm_keeps_spaces_and_quotes);
    tcase_add_test(tc, test_the_process_start_comes_before_a_file_made_now);
    tcase_add_test(tc, test_sigblk_shows_the_threads_own_mask);
    tcase_add_test(tc, test_running_thread_has_no_syscall_registers);
    tcase_add_test(tc, test_cputime_grows_while_spinning);
    tcase_add_test(tc, test_read_string_stops_at_unmapped_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
