/* Private: thread-name glob lists ("main,worker-*"). Matching never allocates or locks;
 * any context. */
#ifndef SW_GLOB_H
#define SW_GLOB_H

#include <stdbool.h>

#define SW_GLOBS_MAX  16
#define SW_GLOBS_TEXT 256

/* pat[] points into text[]: a copy of the struct would point into the original. Parse into
 * the struct where it will live; never copy it. */
struct sw_globs {
    char text[SW_GLOBS_TEXT];      /* the patterns, NUL-separated */
    const char *pat[SW_GLOBS_MAX]; /* into text */
    unsigned n;                    /* 0: the list is empty */
};

/* fnmatch-style without flags: '*', '?', '[abc]', '[a-z]', '[!a]' and '\' escapes. */
bool sw_glob_match(const char *pat, const char *s);

/* Parses a comma-separated list; blanks around items are ignored, empty items skipped.
 * Returns 0, or -EINVAL when the list has more than SW_GLOBS_MAX items, does not fit, or an
 * item is malformed (unterminated '[' or trailing '\'); then g is left empty. */
int sw_globs_parse(struct sw_globs *g, const char *list);

/* True if any pattern matches name. is_main: the thread is the process's main thread, which
 * the pattern "main" matches whatever its name. */
bool sw_globs_match(const struct sw_globs *g, const char *name, bool is_main);

#endif
