/* stallwatch symbolize [--debuginfod] [FILE|-]...: names the raw frames of reports (module,
 * offset, build-id, no function: what a report carries when the symbolizer could not run or
 * was late) from the binaries and debug files of this machine (symbolizer/names.c), and
 * writes the reports again to standard output, otherwise unchanged. An ordinary program.
 *
 * Both formats, line by line: a JSON report (one object per line) has each raw frame object
 * of its "frames" arrays replaced by the named frames, one more per inlined function, written
 * as the shim writes frames; a text line "#k PC ?? [MODULE+0xOFFSET] build-id=ID" becomes one
 * line per named frame, and the frame lines after it in the same thread are numbered on.
 * Everything else (other lines, other fields, frames that have names) passes through as it
 * is. A frame whose module cannot be found here stays raw. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "symbolizer/names.h"

#define NAMED_MAX 32

/* ---- JSON ---------------------------------------------------------------------------------- */

/* One frame object of a report, as the shim writes it (strings unescaped). */
struct jframe {
    char pc[32], module[4096], offset[32], build_id[64];
    bool has_function;
};

/* Reads a JSON string starting at *p (at its opening quote) into out (unescaped, at most cap
 * bytes with the NUL); moves *p past it. false if it is not a well-formed string. */
static bool read_string(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    if (*s != '"')
        return false;
    size_t n = 0;
    for (s++; *s != '"'; s++) {
        char c = *s;
        if (c == '\0')
            return false;
        if (c == '\\') {
            s++;
            switch (*s) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 1; i <= 4; i++) {
                    if (!isxdigit((unsigned char)s[i]))
                        return false;
                    v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0'
                                                                         : (tolower(s[i]) - 'a' + 10));
                }
                s += 4;
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            case '\0': return false;
            default: c = *s; break;
            }
        }
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = '\0';
    *p = s + 1;
    return true;
}

/* Skips one JSON value at *p (string, number, literal, object or array). */
static bool skip_value(const char **p)
{
    const char *s = *p;
    if (*s == '"') {
        const char *q = s;
        static char sink[1 << 16];
        if (!read_string(&q, sink, sizeof sink))
            return false;
        *p = q;
        return true;
    }
    if (*s == '{' || *s == '[') {
        int depth = 0;
        for (; *s != '\0'; s++) {
            if (*s == '"') {
                const char *q = s;
                static char sink[1 << 16];
                if (!read_string(&q, sink, sizeof sink))
                    return false;
                s = q - 1;
                continue;
            }
            if (*s == '{' || *s == '[')
                depth++;
            else if ((*s == '}' || *s == ']') && --depth == 0) {
                *p = s + 1;
                return true;
            }
        }
        return false;
    }
    while (*s != '\0' && *s != ',' && *s != '}' && *s != ']')
        s++;
    *p = s;
    return true;
}

/* Parses the frame object at *p (at its '{'); moves *p past it. */
static bool read_frame(const char **p, struct jframe *f)
{
    memset(f, 0, sizeof *f);
    const char *s = *p;
    if (*s++ != '{')
        return false;
    while (*s != '}') {
        char key[32];
        if (!read_string(&s, key, sizeof key) || *s++ != ':')
            return false;
        const char *v = s;
        if (!skip_value(&s))
            return false;
        if (strcmp(key, "pc") == 0)
            read_string(&v, f->pc, sizeof f->pc);
        else if (strcmp(key, "module") == 0)
            read_string(&v, f->module, sizeof f->module);
        else if (strcmp(key, "offset") == 0)
            read_string(&v, f->offset, sizeof f->offset);
        else if (strcmp(key, "build_id") == 0)
            read_string(&v, f->build_id, sizeof f->build_id);
        else if (strcmp(key, "function") == 0)
            f->has_function = true;
        if (*s == ',')
            s++;
        else if (*s != '}')
            return false;
    }
    *p = s + 1;
    return true;
}

static void put_json(FILE *out, const char *key, const char *s)
{
    char buf[8192];
    struct sw_buf b;
    sw_buf_init(&b, buf, sizeof buf);
    sw_buf_put_json_str(&b, s, strlen(s));
    fprintf(out, ",\"%s\":%.*s", key, (int)b.len, buf);
}

/* The named frames of f, in the shim's frame layout; false when nothing could be named. */
static bool write_named(FILE *out, const struct jframe *f, bool exact)
{
    struct sw_named named[NAMED_MAX];
    uint64_t offset = strtoull(f->offset, NULL, 16);
    unsigned n = f->module[0] == '/' ? sw_names_at(f->module, f->build_id, offset, exact, named,
                                                   NAMED_MAX, NULL)
                 : strcmp(f->module, "[vdso]") == 0
                     ? sw_names_vdso(f->build_id, offset, exact, named, NAMED_MAX)
                     : 0;
    for (unsigned i = 0; i < n; i++) {
        fprintf(out, "%s{\"pc\":\"%s\"", i ? "," : "", f->pc);
        put_json(out, "module", f->module);
        fprintf(out, ",\"offset\":\"%s\"", f->offset);
        if (f->build_id[0] != '\0')
            fprintf(out, ",\"build_id\":\"%s\"", f->build_id);
        if (named[i].function != NULL)
            put_json(out, "function", named[i].function);
        if (named[i].file != NULL)
            put_json(out, "file", named[i].file);
        if (named[i].line != 0)
            fprintf(out, ",\"line\":%u", named[i].line);
        if (named[i].inlined)
            fputs(",\"inlined\":true", out);
        fputc('}', out);
    }
    return n > 0;
}

/* Copies a JSON report, naming the raw frames of its "frames" arrays. */
static void json_line(const char *line, FILE *out)
{
    static const char key[] = "\"frames\":[";
    const char *s = line, *hit;
    while ((hit = strstr(s, key)) != NULL) {
        hit += sizeof key - 1;
        fwrite(s, 1, (size_t)(hit - s), out);
        s = hit;
        for (unsigned k = 0; *s == '{'; k++) {
            const char *start = s;
            struct jframe f;
            if (!read_frame(&s, &f)) {
                fputs(start, out); /* not our layout: the rest as it is */
                return;
            }
            bool named = !f.has_function && f.module[0] != '\0' && f.offset[0] != '\0' &&
                         write_named(out, &f, k == 0);
            if (!named)
                fwrite(start, 1, (size_t)(s - start), out);
            if (*s == ',')
                fputc(*s++, out);
        }
    }
    fputs(s, out);
}

/* ---- text ---------------------------------------------------------------------------------- */

static regex_t raw_re, frame_re;

/* Copies a text line; raw frame lines become named ones, later frames of the thread are
 * numbered on (*shift: how many frames the thread gained so far; reset by other lines). */
static void text_line(const char *line, FILE *out, unsigned *shift)
{
    regmatch_t m[7];
    if (regexec(&raw_re, line, 7, m, 0) == 0) {
        char module[4096], build_id[64], offset[32];
        unsigned k = (unsigned)strtoul(line + m[2].rm_so, NULL, 10);
        snprintf(module, sizeof module, "%.*s", (int)(m[4].rm_eo - m[4].rm_so), line + m[4].rm_so);
        snprintf(offset, sizeof offset, "%.*s", (int)(m[5].rm_eo - m[5].rm_so), line + m[5].rm_so);
        snprintf(build_id, sizeof build_id, "%.*s", (int)(m[6].rm_eo - m[6].rm_so),
                 line + m[6].rm_so);
        struct sw_named named[NAMED_MAX];
        uint64_t off = strtoull(offset, NULL, 16);
        unsigned n = module[0] == '/' ? sw_names_at(module, build_id, off, k == 0, named,
                                                    NAMED_MAX, NULL)
                                      : 0;
        for (unsigned i = 0; i < n; i++) {
            fprintf(out, "%.*s#%u %.*s %s", (int)m[1].rm_eo, line, k + *shift + i,
                    (int)(m[3].rm_eo - m[3].rm_so), line + m[3].rm_so,
                    named[i].function != NULL ? named[i].function : "??");
            if (named[i].file != NULL) {
                fprintf(out, " (%s", named[i].file);
                if (named[i].line != 0)
                    fprintf(out, ":%u", named[i].line);
                fputc(')', out);
            }
            fprintf(out, " [%s+0x%s]%s\n", module, offset, named[i].inlined ? " inlined" : "");
        }
        if (n > 0) {
            *shift += n - 1;
            return;
        }
    }
    if (regexec(&frame_re, line, 3, m, 0) == 0) {
        unsigned k = (unsigned)strtoul(line + m[2].rm_so, NULL, 10);
        fprintf(out, "%.*s#%u%s\n", (int)m[1].rm_eo, line, k + *shift, line + m[2].rm_eo);
        return;
    }
    *shift = 0;
    fprintf(out, "%s\n", line);
}

static int symbolize_stream(FILE *in, FILE *out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned shift = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        sw_names_release();
        if (line[0] == '{') {
            json_line(line, out);
            fputc('\n', out);
        } else {
            text_line(line, out, &shift);
        }
    }
    free(line);
    return ferror(in) ? -1 : 0;
}

int sw_cli_symbolize(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--debuginfod") == 0) {
        sw_names_set_debuginfod(true);
        first = 2;
    } else if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: stallwatch symbolize [--debuginfod] [FILE|-]...\n"
               "Names the raw frames (module, offset, build-id) of stallwatch reports, text or\n"
               "JSON, from the binaries and debug files of this machine (and, with\n"
               "--debuginfod, the DEBUGINFOD_URLS servers); writes the reports to standard\n"
               "output. No FILE, or -, reads standard input.\n");
        return 0;
    }
    if (regcomp(&raw_re,
                "^(stallwatch #[0-9]+ )#([0-9]+) (0x[0-9a-f]+) \\?\\? \\[([^]]+)\\+0x([0-9a-f]+)\\] "
                "build-id=([0-9a-f]+)$",
                REG_EXTENDED) != 0 ||
        regcomp(&frame_re, "^(stallwatch #[0-9]+ )#([0-9]+) 0x", REG_EXTENDED) != 0)
        return 1;
    int status = 0;
    if (first >= argc)
        return symbolize_stream(stdin, stdout) == 0 ? 0 : 1;
    for (int i = first; i < argc; i++) {
        bool std_in = strcmp(argv[i], "-") == 0;
        FILE *in = std_in ? stdin : fopen(argv[i], "r");
        if (in == NULL) {
            fprintf(stderr, "stallwatch symbolize: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (symbolize_stream(in, stdout) != 0)
            status = 1;
        if (!std_in)
            fclose(in);
    }
    return status;
}
