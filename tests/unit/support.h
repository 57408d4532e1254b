/* Shared by the unit suites: the suite runner, and reference checks (a UTF-8 decoder and a
 * strict JSON validator) written independently of src/buf.c, so that a misunderstanding would
 * have to be made twice to go unnoticed. */
#ifndef SW_TEST_SUPPORT_H
#define SW_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t ref_utf8_len(const unsigned char *s, size_t n);

/* True if s[0..n) is exactly one JSON value (objects, arrays, strings, numbers, true, false,
 * null) with no raw control bytes in strings and nothing after it but blanks. */
bool json_valid(const char *s, size_t n);

/* Runs the suite with Check's defaults; EXIT_SUCCESS when every test passed. */
int unit_run(Suite *s);

#endif
