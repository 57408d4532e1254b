/* A closed-loop memcached load generator with per-request latency, for scripts/bench's p99
 * figure (memcslap reports only total times). Text protocol over TCP; each connection has its
 * own thread and one request in flight; 90% get / 10% set by default on KEYS keys that are
 * all stored first.
 *
 * Usage: kvload HOST PORT CONNS REQUESTS_PER_CONN [KEYS [VALUE_BYTES [SET_PERCENT]]]
 * Prints one line:
 *   ops <n> seconds <s> ops_per_s <x> p50_us <> p90_us <> p99_us <> p999_us <> max_us <>
 *   misses <m> */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

static const char *host;
static int port;
static long per_conn, nkeys = 10000, value_bytes = 32, set_pct = 10;
static char *value;
static double *lat_us; /* CONNS * per_conn latencies */
static long misses_total;
static pthread_mutex_t misses_mu = PTHREAD_MUTEX_INITIALIZER;

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("kvload: connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            perror("kvload: write");
            exit(1);
        }
        p += w, n -= (size_t)w;
    }
}

static int ends_with(const char *b, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(b + n - t, tail, t) == 0;
}

/* Reads one response: up to "END\r\n" for a get, one line for a set. Returns 1 on a get hit. */
static int recv_reply(int fd, int is_get, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0) {
            perror("kvload: read");
            exit(1);
        }
        n += (size_t)r;
        if (is_get ? ends_with(buf, n, "END\r\n") : ends_with(buf, n, "\r\n"))
            break;
        if (n == cap) {
            fprintf(stderr, "kvload: reply too long\n");
            exit(1);
        }
    }
    if (!is_get && !ends_with(buf, n, "STORED\r\n")) {
        fprintf(stderr, "kvload: set failed: %.*s", (int)n, buf);
        exit(1);
    }
    return is_get && n > 5;
}

static size_t fmt_req(char *req, size_t cap, int is_set, long key)
{
    if (is_set)
        return (size_t)snprintf(req, cap, "set key:%ld 0 0 %ld\r\n%s\r\n", key, value_bytes, value);
    return (size_t)snprintf(req, cap, "get key:%ld\r\n", key);
}

static void *conn_main(void *arg)
{
    long id = (long)arg;
    int fd = dial();
    char req[8192], buf[65536];
    uint64_t rnd = 0x9e3779b97f4a7c15ull * (uint64_t)(id + 1);
    long misses = 0;
    for (long i = 0; i < per_conn; i++) {
        rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
        int is_set = (long)((rnd >> 33) % 100) < set_pct;
        long key = (long)((rnd >> 17) % (uint64_t)nkeys);
        size_t n = fmt_req(req, sizeof req, is_set, key);
        uint64_t t0 = mono_ns();
        send_all(fd, req, n);
        int hit = recv_reply(fd, !is_set, buf, sizeof buf);
        lat_us[id * per_conn + i] = (double)(mono_ns() - t0) / 1e3;
        if (!is_set && !hit)
            misses++;
    }
    close(fd);
    pthread_mutex_lock(&misses_mu);
    misses_total += misses;
    pthread_mutex_unlock(&misses_mu);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: kvload HOST PORT CONNS REQUESTS_PER_CONN [KEYS [VALUE_BYTES "
                        "[SET_PERCENT]]]\n");
        return 2;
    }
    host = argv[1];
    port = (int)strtol(argv[2], NULL, 10);
    long conns = strtol(argv[3], NULL, 10);
    per_conn = strtol(argv[4], NULL, 10);
    nkeys = arg_long(argc, argv, 5, nkeys);
    value_bytes = arg_long(argc, argv, 6, value_bytes);
    set_pct = arg_long(argc, argv, 7, set_pct);
    if (conns < 1 || conns > 256 || per_conn < 1 || nkeys < 1 || value_bytes < 1 ||
        value_bytes > 4000)
        return 2;
    value = malloc((size_t)value_bytes + 1);
    memset(value, 'v', (size_t)value_bytes);
    value[value_bytes] = '\0';
    lat_us = malloc(sizeof *lat_us * (size_t)(conns * per_conn));

    int fd = dial();
    char req[8192], buf[65536];
    for (long k = 0; k < nkeys; k++) {
        size_t n = fmt_req(req, sizeof req, 1, k);
        send_all(fd, req, n);
        recv_reply(fd, 0, buf, sizeof buf);
    }
    close(fd);

    pthread_t t[256];
    uint64_t t0 = mono_ns();
    for (long i = 0; i < conns; i++)
        pthread_create(&t[i], NULL, conn_main, (void *)i);
    for (long i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    double secs = (double)(mono_ns() - t0) / 1e9;
    long total = conns * per_conn;
    qsort(lat_us, (size_t)total, sizeof *lat_us, cmp_double);
#define PCT(p) lat_us[(long)((double)(total - 1) * (p))]
    printf("ops %ld seconds %.3f ops_per_s %.1f p50_us %.1f p90_us %.1f p99_us %.1f p999_us %.1f "
           "max_us %.1f misses %ld\n",
           total, secs, (double)total / secs, PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999),
           lat_us[total - 1], misses_total);
    return 0;
}
