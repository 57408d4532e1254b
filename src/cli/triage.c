/* stallwatch triage [--format text|json] PATH...: reports of many processes and hosts (the
 * shim's JSON lines, files or directories of them, - for standard input, and `journalctl -o
 * json` exports) folded into one group per fingerprint (core/triage.c), printed as a table a
 * person reads at a glance or as one JSON object. Streaming: a line at a time, memory bounded
 * by the number of groups. Lines that are not reports are counted and skipped. An ordinary
 * program. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/jobs.h"
#include "core/jsonread.h"
#include "core/timefmt.h"
#include "core/triage.h"

struct reader {
    struct sw_triage T;
    struct sw_jobs J;
    struct sw_jtok *tok;
    uint32_t ntok;
    unsigned files;
    bool failed;
};

/* Strings of the event being built (they live until it is added). */
struct event_text {
    char event[32], fingerprint[32], host[72], process[72], time[32];
    char threads[SW_TRIAGE_SET_MAX][72];
    struct sw_tframe frames[SW_TRIAGE_FRAMES_MAX];
    char job[72], call[32], cls[16], comm[72];
    struct sw_tframe dump_frames[SW_TRIAGE_FRAMES_MAX];
};

static void str_at(const char *s, const struct sw_jtok *tok, int t, char *out, size_t cap)
{
    if (!sw_json_str(s, tok, t, out, cap))
        out[0] = '\0';
}

static uint64_t u64_at(const char *s, const struct sw_jtok *tok, int t)
{
    uint64_t v = 0;
    if (t >= 0 && tok[t].type == SW_J_STR) { /* journal fields are strings */
        char num[32];
        str_at(s, tok, t, num, sizeof num);
        return strtoull(num, NULL, 10);
    }
    return sw_json_u64(s, tok, t, &v) ? v : 0;
}

/* The program's own frames of thread t into out (at most SW_TRIAGE_FRAMES_MAX); how many. */
static unsigned own_frames(const char *s, const struct sw_jtok *tok, int t, struct sw_tframe *out)
{
    unsigned n = 0;
    int frames = sw_json_get(s, tok, t, "frames");
    for (uint32_t k = 0; n < SW_TRIAGE_FRAMES_MAX; k++) {
        int f = sw_json_at(tok, frames, k);
        if (f < 0)
            break;
        struct sw_tframe *o = &out[n];
        str_at(s, tok, sw_json_get(s, tok, f, "module"), o->module, sizeof o->module);
        str_at(s, tok, sw_json_get(s, tok, f, "function"), o->function, sizeof o->function);
        if (!sw_triage_own_module(o->module) || o->function[0] == '\0')
            continue;
        str_at(s, tok, sw_json_get(s, tok, f, "file"), o->file, sizeof o->file);
        o->line = (unsigned)u64_at(s, tok, sw_json_get(s, tok, f, "line"));
        n++;
    }
    return n;
}

/* A report of the shim (the object at token 0 of s) into e. */
static void from_report(const char *s, const struct sw_jtok *tok, struct sw_tevent *e,
                        struct event_text *x)
{
    str_at(s, tok, sw_json_get(s, tok, 0, "event"), x->event, sizeof x->event);
    str_at(s, tok, sw_json_get(s, tok, 0, "fingerprint"), x->fingerprint, sizeof x->fingerprint);
    str_at(s, tok, sw_json_get(s, tok, 0, "host"), x->host, sizeof x->host);
    str_at(s, tok, sw_json_get(s, tok, 0, "process"), x->process, sizeof x->process);
    str_at(s, tok, sw_json_get(s, tok, 0, "time"), x->time, sizeof x->time);
    e->event = x->event;
    e->fingerprint = x->fingerprint[0] != '\0' ? x->fingerprint : NULL;
    e->host = x->host;
    e->process = x->process;
    e->time = x->time;
    int threads = sw_json_get(s, tok, 0, "threads");
    for (uint32_t i = 0;; i++) {
        int t = sw_json_at(tok, threads, i);
        if (t < 0)
            break;
        uint64_t w = u64_at(s, tok, sw_json_get(s, tok, t, "waited_ms"));
        if (w > e->waited_ms)
            e->waited_ms = w;
        if (e->nthreads < SW_TRIAGE_SET_MAX)
            str_at(s, tok, sw_json_get(s, tok, t, "name"), x->threads[e->nthreads++],
                   sizeof x->threads[0]);
        if (i == 0)
            e->nframes = own_frames(s, tok, t, x->frames);
    }
    for (unsigned i = 0; i < e->nthreads; i++)
        e->threads[i] = x->threads[i];
    e->frames = x->frames;
}

/* What a report of the shim says about its job (the object at token 0 of s) into j: its
 * first thread's collective for a stall, the program's frames of its first thread that has
 * any for a dump. */
static void job_of_report(const char *s, const struct sw_jtok *tok, const struct sw_tevent *e,
                          struct sw_jevent *j, struct event_text *x)
{
    str_at(s, tok, sw_json_get(s, tok, 0, "job"), x->job, sizeof x->job);
    int rank = sw_json_get(s, tok, 0, "rank");
    *j = (struct sw_jevent){.event = e->event, .job = x->job, .ranked = rank >= 0,
                            .rank = (unsigned)u64_at(s, tok, rank),
                            .size = (unsigned)u64_at(s, tok, sw_json_get(s, tok, 0, "size")),
                            .pid = (int64_t)u64_at(s, tok, sw_json_get(s, tok, 0, "pid")),
                            .host = e->host, .time = e->time, .comm_size = -1};
    if (x->job[0] == '\0' || rank < 0)
        return;
    int threads = sw_json_get(s, tok, 0, "threads");
    int t0 = sw_json_at(tok, threads, 0);
    if (strcmp(e->event, "dump") == 0) {
        for (uint32_t i = 0; j->nframes == 0; i++) {
            int t = sw_json_at(tok, threads, i);
            if (t < 0)
                break;
            j->nframes = own_frames(s, tok, t, x->dump_frames);
        }
        j->frames = x->dump_frames;
        /* The collective one of its threads waits in, if any: the rank entered it. */
        for (uint32_t i = 0; t0 >= 0; i++) {
            int t = sw_json_at(tok, threads, i);
            if (t < 0)
                return;
            if (u64_at(s, tok, sw_json_get(s, tok, t, "seq")) != 0) {
                t0 = t;
                break;
            }
        }
    }
    if (t0 < 0)
        return;
    str_at(s, tok, sw_json_get(s, tok, t0, "call"), x->call, sizeof x->call);
    str_at(s, tok, sw_json_get(s, tok, t0, "class"), x->cls, sizeof x->cls);
    str_at(s, tok, sw_json_get(s, tok, t0, "communicator"), x->comm, sizeof x->comm);
    j->call = x->call;
    j->cls = x->cls;
    j->comm = x->comm;
    j->seq = u64_at(s, tok, sw_json_get(s, tok, t0, "seq"));
    int cs = sw_json_get(s, tok, t0, "comm_size");
    j->comm_size = cs >= 0 ? (int64_t)u64_at(s, tok, cs) : -1;
}

/* A journal export line without a JSON MESSAGE: its STALLWATCH_* fields. */
static void from_journal_fields(const char *s, const struct sw_jtok *tok, struct sw_tevent *e,
                                struct event_text *x)
{
    str_at(s, tok, sw_json_get(s, tok, 0, "STALLWATCH_EVENT"), x->event, sizeof x->event);
    str_at(s, tok, sw_json_get(s, tok, 0, "STALLWATCH_FINGERPRINT"), x->fingerprint,
           sizeof x->fingerprint);
    str_at(s, tok, sw_json_get(s, tok, 0, "STALLWATCH_HOST"), x->host, sizeof x->host);
    if (x->host[0] == '\0')
        str_at(s, tok, sw_json_get(s, tok, 0, "_HOSTNAME"), x->host, sizeof x->host);
    str_at(s, tok, sw_json_get(s, tok, 0, "SYSLOG_IDENTIFIER"), x->process, sizeof x->process);
    uint64_t us = u64_at(s, tok, sw_json_get(s, tok, 0, "__REALTIME_TIMESTAMP"));
    x->time[0] = '\0';
    if (us != 0)
        sw_time_iso8601(us * 1000, x->time);
    str_at(s, tok, sw_json_get(s, tok, 0, "STALLWATCH_THREAD"), x->threads[0],
           sizeof x->threads[0]);
    struct sw_tframe *f = &x->frames[0];
    str_at(s, tok, sw_json_get(s, tok, 0, "CODE_FUNC"), f->function, sizeof f->function);
    str_at(s, tok, sw_json_get(s, tok, 0, "CODE_FILE"), f->file, sizeof f->file);
    f->module[0] = '\0';
    f->line = (unsigned)u64_at(s, tok, sw_json_get(s, tok, 0, "CODE_LINE"));
    *e = (struct sw_tevent){.event = x->event,
                            .fingerprint = x->fingerprint[0] != '\0' ? x->fingerprint : NULL,
                            .host = x->host, .process = x->process, .time = x->time,
                            .waited_ms = u64_at(s, tok, sw_json_get(s, tok, 0,
                                                                    "STALLWATCH_WAITED_MS")),
                            .threads = {x->threads[0]}, .nthreads = 1, .frames = x->frames,
                            .nframes = f->function[0] != '\0'};
}

static bool parse(struct reader *R, const char *s, size_t len)
{
    if (R->ntok < len + 2) {
        struct sw_jtok *t = realloc(R->tok, (len + 2) * sizeof *t);
        if (t == NULL)
            return false;
        R->tok = t;
        R->ntok = (uint32_t)(len + 2);
    }
    return sw_json_parse(s, len, R->tok, R->ntok) != 0 && R->tok[0].type == SW_J_OBJ;
}

static void add(struct reader *R, const struct sw_tevent *e)
{
    while (!sw_triage_add(&R->T, e)) {
        unsigned cap = R->T.cap * 2;
        struct sw_tgroup *table = calloc(cap, sizeof *table);
        if (table == NULL) {
            fprintf(stderr, "stallwatch triage: out of memory\n");
            exit(1);
        }
        struct sw_tgroup *old = R->T.slot;
        sw_triage_rehash(&R->T, table, cap);
        free(old);
    }
}

static void add_job(struct reader *R, const struct sw_jevent *j)
{
    enum sw_jobs_need need;
    while ((need = sw_jobs_add(&R->J, j)) != SW_JOBS_OK) {
        if (need == SW_JOBS_GROW_COLL) {
            unsigned cap = R->J.ccap * 2;
            struct sw_jcoll *table = calloc(cap, sizeof *table), *old = R->J.coll;
            if (table == NULL)
                break;
            sw_jobs_rehash_coll(&R->J, table, cap);
            free(old);
        } else {
            unsigned cap = R->J.rcap * 2;
            struct sw_jrank *table = calloc(cap, sizeof *table), *old = R->J.ranks;
            if (table == NULL)
                break;
            sw_jobs_rehash_ranks(&R->J, table, cap);
            free(old);
        }
    }
}

static void line(struct reader *R, char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    size_t skip = strspn(s, " \t");
    if (s[skip] != '{' || !parse(R, s + skip, len - skip)) {
        R->T.skipped += len > skip; /* blank lines are not even skipped lines */
        return;
    }
    s += skip;
    len -= skip;
    static struct event_text x;
    struct sw_tevent e = {0};
    struct sw_jevent j;
    if (sw_json_get(s, R->tok, 0, "event") >= 0) {
        from_report(s, R->tok, &e, &x);
        job_of_report(s, R->tok, &e, &j, &x);
        add(R, &e);
        add_job(R, &j);
        return;
    }
    int msg = sw_json_get(s, R->tok, 0, "MESSAGE");
    if (msg < 0 || sw_json_get(s, R->tok, 0, "STALLWATCH_EVENT") < 0) {
        R->T.skipped++;
        return;
    }
    /* A journal export: the report itself is the MESSAGE when it was written as JSON. */
    static char inner[1 << 20];
    str_at(s, R->tok, msg, inner, sizeof inner);
    if (inner[0] == '{' && parse(R, inner, strlen(inner)) &&
        sw_json_get(inner, R->tok, 0, "event") >= 0) {
        from_report(inner, R->tok, &e, &x);
        job_of_report(inner, R->tok, &e, &j, &x);
        add_job(R, &j);
    } else {
        parse(R, s, len);
        from_journal_fields(s, R->tok, &e, &x);
    }
    add(R, &e);
}

static void read_stream(struct reader *R, FILE *f)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, f)) > 0)
        line(R, buf, (size_t)n);
    free(buf);
    R->files++;
}

static void read_path(struct reader *R, const char *path)
{
    if (strcmp(path, "-") == 0) {
        read_stream(R, stdin);
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "stallwatch triage: %s: %s\n", path, strerror(errno));
        R->failed = true;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (names[i]->d_name[0] != '.') {
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
                read_path(R, sub);
            }
            free(names[i]);
        }
        if (n >= 0)
            free(names);
        return;
    }
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        fprintf(stderr, "stallwatch triage: %s: %s\n", path, strerror(errno));
        R->failed = true;
        return;
    }
    read_stream(R, f);
    fclose(f);
}

/* ---- output ----------------------------------------------------------------------------- */

static void json_str(const char *s)
{
    char mem[1024];
    struct sw_buf b;
    sw_buf_init(&b, mem, sizeof mem);
    sw_buf_put_json_str(&b, s, strlen(s));
    fputs(mem, stdout);
}

static void json_set(const char *key, const struct sw_tset *s)
{
    printf("\"%s\":[", key);
    for (unsigned i = 0; i < s->n; i++) {
        if (i > 0)
            putchar(',');
        json_str(s->item[i]);
    }
    printf("]");
}

static void json_frames(const struct sw_tframe *frames, unsigned n)
{
    printf("[");
    for (unsigned k = 0; k < n; k++) {
        const struct sw_tframe *f = &frames[k];
        printf("%s{\"function\":", k ? "," : "");
        json_str(f->function);
        if (f->file[0] != '\0') {
            printf(",\"file\":");
            json_str(f->file);
        }
        if (f->line != 0)
            printf(",\"line\":%u", f->line);
        if (f->module[0] != '\0') {
            printf(",\"module\":");
            json_str(f->module);
        }
        putchar('}');
    }
    printf("]");
}

/* "jobs": each stalled collective, its waiting ranks, and its culprits when they can be
 * named (the communicator spans the job), each with its latest dump. */
static void json_jobs(const struct sw_jobs *J, const struct sw_jcoll **order, unsigned n)
{
    printf("\"jobs\":[");
    for (unsigned i = 0; i < n; i++) {
        const struct sw_jcoll *c = order[i];
        printf("%s{\"job\":", i ? "," : "");
        json_str(c->job);
        printf(",\"collective\":{\"call\":");
        json_str(c->call);
        printf(",\"comm\":");
        json_str(c->comm);
        printf(",\"seq\":%llu", (unsigned long long)c->seq);
        if (c->comm_size >= 0)
            printf(",\"comm_size\":%lld", (long long)c->comm_size);
        printf("},\"waiting_ranks\":[");
        for (unsigned r = 0, k = 0; r < SW_JOBS_RANKS_MAX && k < c->nwaiting; r++)
            if (sw_jobs_waiting(c, r))
                printf("%s%u", k++ ? "," : "", r);
        printf("],\"culprits\":[");
        for (unsigned r = 0, k = 0; sw_jobs_knows_culprits(c) && r < c->size; r++) {
            if (sw_jobs_waiting(c, r))
                continue;
            const struct sw_jrank *d = sw_jobs_rank(J, c->job, r);
            printf("%s{\"rank\":%u", k++ ? "," : "", r);
            if (d != NULL) {
                printf(",\"host\":");
                json_str(d->host);
                printf(",\"pid\":%lld,\"dumped\":", (long long)d->pid);
                json_str(d->time);
                printf(",\"frames\":");
                json_frames(d->frames, d->nframes);
            }
            putchar('}');
        }
        printf("]}");
    }
    printf("]");
}

static void print_json(const struct sw_triage *T, const struct sw_tgroup **order, unsigned n,
                       const struct sw_jobs *J, const struct sw_jcoll **jorder, unsigned nj)
{
    printf("{\"groups\":[");
    for (unsigned i = 0; i < n; i++) {
        const struct sw_tgroup *g = order[i];
        printf("%s{\"fingerprint\":\"%s\",\"event\":\"%s\",\"count\":%llu,", i ? "," : "",
               g->fingerprint, g->event[0] != '\0' ? g->event : "unknown",
               (unsigned long long)g->count);
        json_set("hosts", &g->hosts);
        putchar(',');
        json_set("processes", &g->processes);
        printf(",\"first\":");
        json_str(g->first);
        printf(",\"last\":");
        json_str(g->last);
        printf(",\"recovered\":%llu,\"open\":%llu,\"longest_wait_ms\":%llu,",
               (unsigned long long)g->recovered, (unsigned long long)sw_triage_open(g),
               (unsigned long long)g->longest_wait_ms);
        json_set("threads", &g->threads);
        printf(",\"frames\":");
        json_frames(g->frames, g->nframes);
        printf("}");
    }
    printf("],");
    json_jobs(J, jorder, nj);
    printf(",\"reports\":%llu,\"skipped\":%llu}\n", (unsigned long long)T->reports,
           (unsigned long long)T->skipped);
}

static void text_set(const struct sw_tset *s)
{
    for (unsigned i = 0; i < s->n; i++)
        printf("%s%s", i ? ", " : "", s->item[i]);
    if (s->more)
        printf(", ...");
}

static void text_frames(const struct sw_tframe *frames, unsigned n, const char *indent)
{
    for (unsigned k = 0; k < n; k++) {
        const struct sw_tframe *f = &frames[k];
        const char *file = strrchr(f->file, '/');
        printf("%s%s %s", indent, k == 0 ? "at" : "<-", f->function);
        if (f->file[0] != '\0')
            printf(" (%s:%u)", file != NULL ? file + 1 : f->file, f->line);
        printf("\n");
    }
}

static void text_jobs(const struct sw_jobs *J, const struct sw_jcoll **order, unsigned n)
{
    if (n == 0)
        return;
    printf("\nStalled collectives: %u\n", n);
    for (unsigned i = 0; i < n; i++) {
        const struct sw_jcoll *c = order[i];
        printf("\njob %s: %s #%llu on %s", c->job, c->call, (unsigned long long)c->seq, c->comm);
        if (c->comm_size >= 0)
            printf(" (%lld ranks)", (long long)c->comm_size);
        printf("\n    waiting: ");
        for (unsigned r = 0, k = 0; r < SW_JOBS_RANKS_MAX && k < c->nwaiting; r++)
            if (sw_jobs_waiting(c, r))
                printf("%s%u", k++ ? ", " : "", r);
        printf("\n");
        if (!sw_jobs_knows_culprits(c)) {
            printf("    culprits: not known (the communicator is not the whole job)\n");
            continue;
        }
        unsigned culprits = 0;
        for (unsigned r = 0; r < c->size; r++) {
            if (sw_jobs_waiting(c, r))
                continue;
            culprits++;
            const struct sw_jrank *d = sw_jobs_rank(J, c->job, r);
            printf("    culprit: rank %u", r);
            if (d == NULL) {
                printf(" (no dump: set STALLWATCH_JOB_DIR for the job)\n");
                continue;
            }
            printf(" on %s, pid %lld, dumped %s\n", d->host, (long long)d->pid, d->time);
            text_frames(d->frames, d->nframes, "        ");
        }
        if (culprits == 0)
            printf("    culprits: none (every rank waited in it)\n");
    }
}

static void print_text(const struct sw_triage *T, const struct sw_tgroup **order, unsigned n,
                       unsigned files)
{
    printf("%llu reports in %u input%s, %llu lines skipped, %u group%s\n",
           (unsigned long long)T->reports, files, files == 1 ? "" : "s",
           (unsigned long long)T->skipped, n, n == 1 ? "" : "s");
    if (n == 0)
        return;
    printf("\n%-16s  %-8s  %6s  %6s  %9s  %9s  %-24s  %-24s\n", "FINGERPRINT", "EVENT", "COUNT",
           "OPEN", "RECOVERED", "LONGEST", "FIRST", "LAST");
    for (unsigned i = 0; i < n; i++) {
        const struct sw_tgroup *g = order[i];
        char longest[32];
        snprintf(longest, sizeof longest, "%.1fs", (double)g->longest_wait_ms / 1000);
        printf("%-16s  %-8s  %6llu  %6llu  %9llu  %9s  %-24s  %-24s\n", g->fingerprint,
               g->event[0] != '\0' ? g->event : "?", (unsigned long long)g->count,
               (unsigned long long)sw_triage_open(g), (unsigned long long)g->recovered,
               longest, g->first, g->last);
        printf("    hosts: ");
        text_set(&g->hosts);
        printf("  processes: ");
        text_set(&g->processes);
        printf("  threads: ");
        text_set(&g->threads);
        printf("\n");
        text_frames(g->frames, g->nframes, "    ");
    }
}

int sw_cli_triage(int argc, char **argv)
{
    bool json = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
            (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0)) {
            json = strcmp(argv[++i], "json") == 0;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            fprintf(stderr, "usage: stallwatch triage [--format text|json] PATH...\n");
            return 2;
        }
    }
    if (i == argc) {
        fprintf(stderr, "usage: stallwatch triage [--format text|json] PATH...\n");
        return 2;
    }
    struct reader R = {0};
    unsigned cap = 64;
    struct sw_tgroup *table = calloc(cap, sizeof *table);
    if (table == NULL)
        return 1;
    sw_triage_init(&R.T, table, cap);
    struct sw_jcoll *coll = calloc(16, sizeof *coll);
    struct sw_jrank *ranks = calloc(16, sizeof *ranks);
    if (coll == NULL || ranks == NULL)
        return 1;
    sw_jobs_init(&R.J, coll, 16, ranks, 16);
    for (; i < argc; i++)
        read_path(&R, argv[i]);
    const struct sw_tgroup **order = calloc(R.T.n + 1, sizeof *order);
    if (order == NULL)
        return 1;
    unsigned ngroups = sw_triage_sorted(&R.T, order);
    const struct sw_jcoll **jorder = calloc(R.J.cn + 1, sizeof *jorder);
    if (jorder == NULL)
        return 1;
    unsigned njobs = sw_jobs_sorted(&R.J, jorder);
    if (json) {
        print_json(&R.T, order, ngroups, &R.J, jorder, njobs);
    } else {
        print_text(&R.T, order, ngroups, R.files);
        text_jobs(&R.J, jorder, njobs);
    }
    free(order);
    free(jorder);
    free(R.J.coll);
    free(R.J.ranks);
    free(R.T.slot);
    free(R.tok);
    return R.failed ? 1 : 0;
}
