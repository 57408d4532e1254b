/* Private: the messages between a program's watchdog and the symbolizer program
 * (stallwatch-symbolizer), over one SOCK_SEQPACKET connection per report. Pure: encoding into
 * and decoding from caller buffers, every length checked; any context (the watchdog encodes,
 * the symbolizer decodes, unit tests do both).
 *
 * A connection: the client sends HELLO, its modules in MODULES messages (as many as needed),
 * then one STACK per thread to unwind; the symbolizer answers each STACK with UNWOUND (the
 * program counters, as soon as they are known) and then FRAMES (named, with inline frames).
 * The client closes the connection when its report is done; a warm-up closes it right after
 * its STACK, and the symbolizer finishes the job anyway (its caches are the point). Both ends
 * are built from the same tree: HELLO carries SW_PROTO_VERSION and a mismatch ends the
 * connection. */
#ifndef SW_SYMPROTO_H
#define SW_SYMPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arch.h"

#define SW_PROTO_VERSION    1
#define SW_PROTO_MSG_MAX    (96 * 1024) /* one message, at most; fits a socket's buffer */
#define SW_PROTO_STACK_MAX  (64 * 1024)
#define SW_PROTO_FRAMES_MAX 256
#define SW_PROTO_PATH_MAX   1024

enum sw_msg_type {
    SW_MSG_HELLO = 1,
    SW_MSG_MODULES,
    SW_MSG_STACK,
    SW_MSG_UNWOUND,
    SW_MSG_FRAMES,
};

struct sw_msg_hello {
    uint32_t version;
    pid_t pid;
    uint32_t nmodules;   /* how many MODULES entries follow in all */
    bool debuginfod;     /* the program allows debuginfod lookups (STALLWATCH_DEBUGINFOD) */
    uint64_t own_start;  /* libstallwatch.so's code: frames there are left out */
    uint64_t own_end;
};

/* One module of the program, as its watchdog's module map has it (watchdog/modmap.c). */
struct sw_msg_module {
    uint64_t start, end; /* mapped span */
    uint64_t bias;       /* address = file vaddr + bias */
    bool has_bias;
    bool text;           /* it has executable mappings (a code module) */
    char build_id[41];   /* lowercase hex; "" unknown */
    const char *path;    /* decoded: points into the message */
    uint32_t path_len;
};

struct sw_msg_stack {
    uint32_t job;
    pid_t tid;
    bool full_regs; /* false: only SP and PC are known (read from /proc) */
    bool warm;      /* nobody waits for the answer: only the caches matter */
    uint32_t max_frames;
    uint64_t regs[SW_NREGS]; /* DWARF order */
    uint32_t stack_len;
    const uint8_t *stack; /* bytes from regs[SW_DWARF_SP] upward; decoded: into the message */
};

struct sw_msg_unwound {
    uint32_t job;
    uint32_t n;
    uint64_t pc[SW_PROTO_FRAMES_MAX];
    bool activation[SW_PROTO_FRAMES_MAX]; /* the pc is exact (interrupted), not a return */
};

struct sw_wire_frame {
    uint64_t pc;
    int32_t module; /* index in the client's module list; -1 none */
    uint64_t offset;
    bool inlined;
    uint32_t line;
    const char *function; /* NULL unknown; decoded: into the message, NUL-terminated */
    const char *file;
};

struct sw_msg_frames {
    uint32_t job;
    uint32_t n;
    struct sw_wire_frame frame[SW_PROTO_FRAMES_MAX];
    const char *note; /* why the frames are fewer or raw (no debuginfo, libdw failed); NULL */
};

/* The abstract socket name of the symbolizer program at path, run by user uid in the mount
 * namespace whose inode is mntns ("stallwatch-symbolizer.UID.MNTNS.HASH", HASH being 16 hex
 * digits of the path's FNV-1a; without the leading NUL an abstract address has): one
 * symbolizer serves every process of a user that sees the same files and runs the same one
 * (two installs, or a test's own copy, get their own). Returns the name's length, 0 if cap
 * is too small. */
size_t sw_proto_socket_name(char *out, size_t cap, unsigned uid, uint64_t mntns,
                            const char *path);

/* Encoders: write one message into buf (cap bytes) and return its length, or 0 when it does
 * not fit. */
size_t sw_proto_hello(uint8_t *buf, size_t cap, const struct sw_msg_hello *m);
size_t sw_proto_stack(uint8_t *buf, size_t cap, const struct sw_msg_stack *m);
size_t sw_proto_unwound(uint8_t *buf, size_t cap, const struct sw_msg_unwound *m);
size_t sw_proto_frames(uint8_t *buf, size_t cap, const struct sw_msg_frames *m);

/* MODULES: as many of mods[0..n) as fit, each path cut at SW_PROTO_PATH_MAX; *used is how
 * many went in (the caller sends the rest in the next message). */
size_t sw_proto_modules(uint8_t *buf, size_t cap, const struct sw_msg_module *mods, unsigned n,
                        unsigned *used);

/* The type of a received message, or 0 when it is too short or of another version. */
enum sw_msg_type sw_proto_type(const uint8_t *msg, size_t len);

/* Decoders: 0, or -1 for a malformed message. Decoded strings and bytes point into msg. */
int sw_proto_read_hello(const uint8_t *msg, size_t len, struct sw_msg_hello *m);
int sw_proto_read_stack(const uint8_t *msg, size_t len, struct sw_msg_stack *m);
int sw_proto_read_unwound(const uint8_t *msg, size_t len, struct sw_msg_unwound *m);
int sw_proto_read_frames(const uint8_t *msg, size_t len, struct sw_msg_frames *m);

/* Calls fn for every module entry of a MODULES message, in order; -1 for a malformed one
 * (fn may have been called for the entries before). */
int sw_proto_read_modules(const uint8_t *msg, size_t len,
                          void (*fn)(void *ctx, const struct sw_msg_module *m), void *ctx);

#endif
