/* Private: reading one JSON text (a report line, a journal export line) into a flat array of
 * tokens, in place, without allocating: objects, arrays, strings, numbers, true, false, null,
 * each with its byte span and, for containers, how many tokens it spans. Strict enough to
 * refuse what is not JSON (a text report, a log line), lenient nowhere else. Used by
 * `stallwatch triage`. Pure; any context. */
#ifndef SW_JSONREAD_H
#define SW_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sw_jtype { SW_J_OBJ, SW_J_ARR, SW_J_STR, SW_J_NUM, SW_J_TRUE, SW_J_FALSE, SW_J_NULL };

struct sw_jtok {
    enum sw_jtype type;
    uint32_t start, end; /* bytes of the value; a string's without its quotes */
    uint32_t next;       /* the index of the token after this value and all it contains */
    uint32_t count;      /* containers: members (an object's keys and values) */
};

/* Reads text[0..len) into tok (cap tokens). Returns the number of tokens (token 0 is the
 * whole value), or 0 when it is not exactly one JSON value (blanks around it allowed), is
 * nested deeper than 64 or needs more than cap tokens. */
uint32_t sw_json_parse(const char *text, size_t len, struct sw_jtok *tok, uint32_t cap);

/* The value of key in the object at token obj, or -1. Keys are compared as written (the
 * keys looked up here never need escapes). */
int sw_json_get(const char *text, const struct sw_jtok *tok, int obj, const char *key);

/* The i-th element of the array at token arr, or -1. */
int sw_json_at(const struct sw_jtok *tok, int arr, uint32_t i);

/* A string token unescaped into out (cap bytes, NUL-terminated, cut at a character boundary
 * of the escapes); false if it is not a string. */
bool sw_json_str(const char *text, const struct sw_jtok *tok, int t, char *out, size_t cap);

/* A number token as an unsigned integer (no sign, fraction or exponent); false otherwise. */
bool sw_json_u64(const char *text, const struct sw_jtok *tok, int t, uint64_t *out);

#endif
