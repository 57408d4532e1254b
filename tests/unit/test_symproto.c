/* Unit suite for the symbolizer's wire format (src/core/symproto.c): every message survives
 * the round trip, and every malformed or truncated message is refused without reading past
 * its end (the suite also runs under ASan in the sanitizer build). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/symproto.h"
#include "support.h"

static uint8_t buf[SW_PROTO_MSG_MAX];

START_TEST(test_hello_round_trips)
{
    struct sw_msg_hello in = {SW_PROTO_VERSION, 4242, 17, true, 0x7f0000, 0x7f8000}, out;
    size_t n = sw_proto_hello(buf, sizeof buf, &in);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(sw_proto_type(buf, n), SW_MSG_HELLO);
    ck_assert_int_eq(sw_proto_read_hello(buf, n, &out), 0);
    ck_assert_int_eq(out.pid, 4242);
    ck_assert_uint_eq(out.nmodules, 17);
    ck_assert(out.debuginfod);
    ck_assert_uint_eq(out.own_start, 0x7f0000);
    ck_assert_uint_eq(out.own_end, 0x7f8000);
}
END_TEST

struct collected {
    struct sw_msg_module m[8];
    char paths[8][64];
    unsigned n;
};

static void collect(void *ctx, const struct sw_msg_module *m)
{
    struct collected *c = ctx;
    c->m[c->n] = *m;
    strncpy(c->paths[c->n], m->path, sizeof c->paths[0] - 1);
    c->n++;
}

START_TEST(test_modules_round_trip_and_spill_into_the_next_message)
{
    struct sw_msg_module mods[3] = {
        {0x1000, 0x2000, 0x1000, true, true, "0123456789abcdef0123456789abcdef01234567", "/bin/a"},
        {0x5000, 0x9000, 0, false, false, "", "/usr/lib/libb.so"},
        {0xa000, 0xb000, 0xa000, true, true, "ff", "[vdso]"},
    };
    unsigned used;
    size_t n = sw_proto_modules(buf, sizeof buf, mods, 3, &used);
    ck_assert_uint_eq(used, 3);
    struct collected c = {.n = 0};
    ck_assert_int_eq(sw_proto_read_modules(buf, n, collect, &c), 0);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_str_eq(c.paths[1], "/usr/lib/libb.so");
    ck_assert_str_eq(c.m[0].build_id, "0123456789abcdef0123456789abcdef01234567");
    ck_assert(c.m[0].has_bias && c.m[0].text && !c.m[1].has_bias && !c.m[1].text);
    ck_assert_uint_eq(c.m[2].start, 0xa000);
    /* A small buffer takes what fits; the caller sends the rest next. */
    n = sw_proto_modules(buf, 120, mods, 3, &used);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(used, 1);
}
END_TEST

START_TEST(test_stack_round_trips_with_its_bytes)
{
    static uint8_t stack[SW_PROTO_STACK_MAX];
    for (size_t i = 0; i < sizeof stack; i++)
        stack[i] = (uint8_t)(i * 7);
    struct sw_msg_stack in = {.job = 9, .tid = 77, .full_regs = true, .warm = false,
                              .max_frames = 64, .stack_len = sizeof stack, .stack = stack};
    for (unsigned i = 0; i < SW_NREGS; i++)
        in.regs[i] = 0x1000 + i;
    size_t n = sw_proto_stack(buf, sizeof buf, &in);
    ck_assert_uint_gt(n, sizeof stack);
    struct sw_msg_stack out;
    ck_assert_int_eq(sw_proto_read_stack(buf, n, &out), 0);
    ck_assert_uint_eq(out.job, 9);
    ck_assert_int_eq(out.tid, 77);
    ck_assert(out.full_regs && !out.warm);
    ck_assert_uint_eq(out.regs[SW_DWARF_PC], 0x1000 + SW_DWARF_PC);
    ck_assert_uint_eq(out.stack_len, sizeof stack);
    ck_assert_mem_eq(out.stack, stack, sizeof stack);
}
END_TEST

START_TEST(test_frames_round_trip_with_unknown_names_and_a_note)
{
    static struct sw_msg_frames in, out;
    in.job = 3;
    in.n = 3;
    in.frame[0] = (struct sw_wire_frame){0x401000, 0, 0x1000, true, 17, "inner", "a.c"};
    in.frame[1] = (struct sw_wire_frame){0x401000, 0, 0x1000, false, 40, "outer", "a.c"};
    in.frame[2] = (struct sw_wire_frame){0x7f0000, -1, 0, false, 0, NULL, NULL};
    in.note = "no debuginfo for libx.so";
    size_t n = sw_proto_frames(buf, sizeof buf, &in);
    ck_assert_int_eq(sw_proto_read_frames(buf, n, &out), 0);
    ck_assert_uint_eq(out.n, 3);
    ck_assert_str_eq(out.frame[0].function, "inner");
    ck_assert(out.frame[0].inlined && !out.frame[1].inlined);
    ck_assert_uint_eq(out.frame[1].line, 40);
    ck_assert_int_eq(out.frame[2].module, -1);
    ck_assert_ptr_null(out.frame[2].function);
    ck_assert_ptr_null(out.frame[2].file);
    ck_assert_str_eq(out.note, "no debuginfo for libx.so");
}
END_TEST

START_TEST(test_unwound_round_trips)
{
    static struct sw_msg_unwound in, out;
    in.job = 5;
    in.n = 2;
    in.pc[0] = 0x10;
    in.activation[0] = true;
    in.pc[1] = 0x20;
    size_t n = sw_proto_unwound(buf, sizeof buf, &in);
    ck_assert_int_eq(sw_proto_read_unwound(buf, n, &out), 0);
    ck_assert_uint_eq(out.n, 2);
    ck_assert(out.activation[0] && !out.activation[1]);
    ck_assert_uint_eq(out.pc[1], 0x20);
}
END_TEST

static void ignore(void *ctx, const struct sw_msg_module *m)
{
    (void)ctx;
    (void)m;
}

/* Every prefix of a good message is refused, and so is the message with a byte more. */
START_TEST(test_every_truncation_is_refused)
{
    static struct sw_msg_frames f, out;
    f.n = 2;
    f.frame[0] = (struct sw_wire_frame){1, 0, 2, false, 3, "f", "g"};
    f.frame[1] = (struct sw_wire_frame){4, -1, 0, false, 0, NULL, "h"};
    size_t n = sw_proto_frames(buf, sizeof buf - 1, &f);
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = malloc(k + 1);
        memcpy(copy, buf, k);
        ck_assert_int_eq(sw_proto_read_frames(copy, k, &out), -1);
        free(copy);
    }
    ck_assert_int_eq(sw_proto_read_frames(buf, n + 1, &out), -1);
    struct sw_msg_module mods[1] = {{1, 2, 0, false, true, "", "/x"}};
    unsigned used;
    n = sw_proto_modules(buf, sizeof buf, mods, 1, &used);
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(sw_proto_read_modules(buf, k, ignore, NULL), -1);
}
END_TEST

START_TEST(test_other_versions_and_types_are_refused)
{
    struct sw_msg_hello h = {SW_PROTO_VERSION, 1, 0, false, 0, 0}, out;
    size_t n = sw_proto_hello(buf, sizeof buf, &h);
    buf[4] ^= 0x7; /* the version */
    ck_assert_int_eq(sw_proto_type(buf, n), 0);
    ck_assert_int_eq(sw_proto_read_hello(buf, n, &out), -1);
    n = sw_proto_hello(buf, sizeof buf, &h);
    struct sw_msg_stack s;
    ck_assert_int_eq(sw_proto_read_stack(buf, n, &s), -1); /* a HELLO is no STACK */
}
END_TEST

START_TEST(test_a_string_with_a_nul_inside_is_refused)
{
    static struct sw_msg_frames f, out;
    f.n = 1;
    f.frame[0] = (struct sw_wire_frame){1, 0, 2, false, 3, "abc", NULL};
    size_t n = sw_proto_frames(buf, sizeof buf, &f);
    /* The function name's bytes start after job, n, pc, module, offset, inlined, line, len. */
    size_t at = 8 + 4 + 4 + 8 + 4 + 8 + 1 + 4 + 4;
    ck_assert_int_eq(buf[at], 'a');
    buf[at + 1] = 0;
    ck_assert_int_eq(sw_proto_read_frames(buf, n, &out), -1);
}
END_TEST

/* Random bytes after a valid header: decoders refuse or accept, never read outside. */
START_TEST(test_random_messages_never_read_past_their_end)
{
    srand(1);
    static struct sw_msg_frames fr;
    static struct sw_msg_unwound un;
    struct sw_msg_stack st;
    struct sw_msg_hello he;
    for (int round = 0; round < 20000; round++) {
        size_t len = 8 + (size_t)(rand() % 200);
        uint8_t *m = malloc(len);
        for (size_t i = 0; i < len; i++)
            m[i] = (uint8_t)rand();
        uint32_t magic = 0x53575350u, vt = SW_PROTO_VERSION | (uint32_t)(1 + rand() % 5) << 16;
        memcpy(m, &magic, 4);
        memcpy(m + 4, &vt, 4);
        sw_proto_read_frames(m, len, &fr);
        sw_proto_read_unwound(m, len, &un);
        sw_proto_read_stack(m, len, &st);
        sw_proto_read_hello(m, len, &he);
        sw_proto_read_modules(m, len, ignore, NULL);
        free(m);
    }
}
END_TEST

START_TEST(test_the_socket_name_says_user_mount_namespace_and_program)
{
    char a[108], b[108];
    size_t n = sw_proto_socket_name(a, sizeof a, 1000, 4026531841ull, "/usr/lib/x/s");
    ck_assert_uint_eq(n, strlen("stallwatch-symbolizer.1000.4026531841.") + 16);
    ck_assert_mem_eq(a, "stallwatch-symbolizer.1000.4026531841.", n - 16);
    size_t m = sw_proto_socket_name(b, sizeof b, 1000, 4026531841ull, "/opt/x/s");
    ck_assert_uint_eq(m, n);
    ck_assert(memcmp(a, b, n) != 0); /* another program, another symbolizer */
    ck_assert_uint_eq(sw_proto_socket_name(a, 10, 1000, 1, "/s"), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("symproto");
    TCase *c = tcase_create("messages");
    tcase_add_test(c, test_hello_round_trips);
    tcase_add_test(c, test_modules_round_trip_and_spill_into_the_next_message);
    tcase_add_test(c, test_stack_round_trips_with_its_bytes);
    tcase_add_test(c, test_frames_round_trip_with_unknown_names_and_a_note);
    tcase_add_test(c, test_unwound_round_trips);
    tcase_add_test(c, test_every_truncation_is_refused);
    tcase_add_test(c, test_other_versions_and_types_are_refused);
    tcase_add_test(c, test_a_string_with_a_nul_inside_is_refused);
    tcase_add_test(c, test_random_messages_never_read_past_their_end);
    tcase_add_test(c, test_the_socket_name_says_user_mount_namespace_and_program);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
