/* The job, rank and size of a process from its launcher's variables (see launcher.h). Pure;
 * any context: no allocation, no getenv (the caller passes the environment). */
#include "core/launcher.h"

#include <stddef.h>
#include <string.h>

/* The value of name in envp, or NULL. */
static const char *lookup(char *const *envp, const char *name)
{
    size_t len = strlen(name);
    /* The first letter first: every process looks, at start-up. */
    for (size_t i = 0; envp != NULL && envp[i] != NULL; i++)
        if (envp[i][0] == name[0] && strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
            return envp[i] + len + 1;
    return NULL;
}

/* A decimal number below 2^31, the whole string; false otherwise. */
static bool number(const char *s, unsigned *out)
{
    unsigned long v = 0;
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 0x7fffffffUL / 10)
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v > 0x7fffffffUL)
        return false;
    *out = (unsigned)v;
    return true;
}

/* Copies the job id, cut to fit, printable ASCII only (it is written into reports). */
static void set_job(struct sw_job *out, const char *id, const char *step)
{
    size_t n = 0;
    for (const char *p = id; p != NULL && *p != '\0' && n + 1 < sizeof out->job; p++)
        out->job[n++] = *p > ' ' && *p < 127 ? *p : '_';
    if (step != NULL && *step != '\0' && n + 1 < sizeof out->job)
        out->job[n++] = '.';
    for (const char *p = step; p != NULL && *p != '\0' && n + 1 < sizeof out->job; p++)
        out->job[n++] = *p > ' ' && *p < 127 ? *p : '_';
    out->job[n] = '\0';
}

struct launcher {
    const char *rank, *size, *job, *job2, *step;
};

static const struct launcher launchers[] = {
    {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid",
     NULL},
    {"PMIX_RANK", "PMIX_SIZE", "PMIX_NAMESPACE", NULL, NULL},
    {"PMI_RANK", "PMI_SIZE", "PMI_JOBID", "PMI_KVSNAME", NULL},
    {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_JOB_ID", NULL, "SLURM_STEP_ID"},
};

void sw_job_from_env(char *const *envp, struct sw_job *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof launchers / sizeof launchers[0]; i++) {
        const struct launcher *l = &launchers[i];
        unsigned rank;
        if (!number(lookup(envp, l->rank), &rank))
            continue;
        out->ranked = true;
        out->rank = rank;
        if (!number(lookup(envp, l->size), &out->size))
            out->size = 0;
        const char *job = lookup(envp, l->job);
        if (job == NULL && l->job2 != NULL)
            job = lookup(envp, l->job2);
        set_job(out, job, l->step != NULL && job != NULL ? lookup(envp, l->step) : NULL);
        return;
    }
}
