/* The symbolizer's wire format (see symproto.h). Pure; any context: no allocation, no locks,
 * errno untouched. Both ends run on one host from one build, so integers travel in the host's
 * byte order; each message starts with a magic number, the version and the type, and every
 * decoder checks every length against what is left of the message. */
#include "core/symproto.h"

#include <string.h>

#define MAGIC 0x53575350u /* "SWSP" */
#define HEAD  8           /* magic, version (16 bits), type (16 bits) */

struct writer {
    uint8_t *p;
    size_t cap, len;
    bool overflow;
};

static void put(struct writer *w, const void *src, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
    put(w, &v, 1);
}

static void put_u32(struct writer *w, uint32_t v)
{
    put(w, &v, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
    put(w, &v, 8);
}

/* A string as its length (32 bits, 0xffffffff for NULL) and its bytes, then a NUL so the
 * decoder can hand out pointers into the message. */
static void put_str(struct writer *w, const char *s, size_t max)
{
    if (s == NULL) {
        put_u32(w, UINT32_MAX);
        return;
    }
    size_t n = strnlen(s, max);
    put_u32(w, (uint32_t)n);
    put(w, s, n);
    put_u8(w, 0);
}

static void begin(struct writer *w, uint8_t *buf, size_t cap, enum sw_msg_type type)
{
    *w = (struct writer){buf, cap, 0, false};
    put_u32(w, MAGIC);
    put_u32(w, SW_PROTO_VERSION | (uint32_t)type << 16);
}

static size_t end(const struct writer *w)
{
    return w->overflow ? 0 : w->len;
}

struct reader {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static void get(struct reader *r, void *dst, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
}

static uint8_t get_u8(struct reader *r)
{
    uint8_t v;
    get(r, &v, 1);
    return v;
}

static uint32_t get_u32(struct reader *r)
{
    uint32_t v;
    get(r, &v, 4);
    return v;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v;
    get(r, &v, 8);
    return v;
}

/* A pointer to n bytes inside the message, skipped over. */
static const uint8_t *get_span(struct reader *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *s = r->p + r->pos;
    r->pos += n;
    return s;
}

static const char *get_str(struct reader *r, uint32_t *len_out)
{
    uint32_t n = get_u32(r);
    if (r->bad || n == UINT32_MAX)
        return NULL;
    const uint8_t *s = get_span(r, (size_t)n + 1);
    if (s == NULL || s[n] != 0 || memchr(s, 0, n) != NULL) {
        r->bad = true;
        return NULL;
    }
    if (len_out != NULL)
        *len_out = n;
    return (const char *)s;
}

static bool open_msg(struct reader *r, const uint8_t *msg, size_t len, enum sw_msg_type type)
{
    *r = (struct reader){msg, len, 0, false};
    return sw_proto_type(msg, len) == type && (r->pos = HEAD, true);
}

static int close_msg(const struct reader *r)
{
    return r->bad || r->pos != r->len ? -1 : 0;
}

size_t sw_proto_socket_name(char *out, size_t cap, unsigned uid, uint64_t mntns,
                            const char *path)
{
    struct writer w = {(uint8_t *)out, cap, 0, false};
    const char prefix[] = "stallwatch-symbolizer.";
    put(&w, prefix, sizeof prefix - 1);
    char digits[24];
    uint64_t v[2] = {uid, mntns};
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        do
            digits[n++] = (char)('0' + v[k] % 10);
        while ((v[k] /= 10) != 0);
        while (n > 0)
            put_u8(&w, (uint8_t)digits[--n]);
        put_u8(&w, '.');
    }
    uint64_t h = 14695981039346656037ull;
    for (const char *p = path; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (int shift = 60; shift >= 0; shift -= 4)
        put_u8(&w, (uint8_t)"0123456789abcdef"[(h >> shift) & 0xf]);
    return end(&w);
}

enum sw_msg_type sw_proto_type(const uint8_t *msg, size_t len)
{
    uint32_t magic, vt;
    if (len < HEAD)
        return 0;
    memcpy(&magic, msg, 4);
    memcpy(&vt, msg + 4, 4);
    if (magic != MAGIC || (vt & 0xffff) != SW_PROTO_VERSION)
        return 0;
    uint32_t type = vt >> 16;
    return type >= SW_MSG_HELLO && type <= SW_MSG_FRAMES ? (enum sw_msg_type)type : 0;
}

size_t sw_proto_hello(uint8_t *buf, size_t cap, const struct sw_msg_hello *m)
{
    struct writer w;
    begin(&w, buf, cap, SW_MSG_HELLO);
    put_u32(&w, m->version);
    put_u32(&w, (uint32_t)m->pid);
    put_u32(&w, m->nmodules);
    put_u8(&w, m->debuginfod);
    put_u64(&w, m->own_start);
    put_u64(&w, m->own_end);
    return end(&w);
}

int sw_proto_read_hello(const uint8_t *msg, size_t len, struct sw_msg_hello *m)
{
    struct reader r;
    if (!open_msg(&r, msg, len, SW_MSG_HELLO))
        return -1;
    m->version = get_u32(&r);
    m->pid = (pid_t)get_u32(&r);
    m->nmodules = get_u32(&r);
    m->debuginfod = get_u8(&r) != 0;
    m->own_start = get_u64(&r);
    m->own_end = get_u64(&r);
    return close_msg(&r);
}

size_t sw_proto_modules(uint8_t *buf, size_t cap, const struct sw_msg_module *mods, unsigned n,
                        unsigned *used)
{
    struct writer w;
    begin(&w, buf, cap, SW_MSG_MODULES);
    size_t count_at = w.len;
    put_u32(&w, 0);
    unsigned k = 0;
    for (; k < n; k++) {
        size_t before = w.len;
        const struct sw_msg_module *m = &mods[k];
        put_u64(&w, m->start);
        put_u64(&w, m->end);
        put_u64(&w, m->bias);
        put_u8(&w, (uint8_t)(m->has_bias | m->text << 1));
        put(&w, m->build_id, sizeof m->build_id);
        put_str(&w, m->path, SW_PROTO_PATH_MAX);
        if (w.overflow) {
            w.overflow = false;
            w.len = before;
            break;
        }
    }
    uint32_t count = k;
    memcpy(buf + count_at, &count, 4);
    *used = k;
    return k > 0 || n == 0 ? w.len : 0;
}

int sw_proto_read_modules(const uint8_t *msg, size_t len,
                          void (*fn)(void *ctx, const struct sw_msg_module *m), void *ctx)
{
    struct reader r;
    if (!open_msg(&r, msg, len, SW_MSG_MODULES))
        return -1;
    uint32_t count = get_u32(&r);
    for (uint32_t k = 0; k < count && !r.bad; k++) {
        struct sw_msg_module m;
        m.start = get_u64(&r);
        m.end = get_u64(&r);
        m.bias = get_u64(&r);
        uint8_t flags = get_u8(&r);
        m.has_bias = flags & 1;
        m.text = (flags >> 1) & 1;
        get(&r, m.build_id, sizeof m.build_id);
        m.path = get_str(&r, &m.path_len);
        if (r.bad || m.path == NULL || m.build_id[40] != '\0')
            return -1;
        fn(ctx, &m);
    }
    return close_msg(&r);
}

size_t sw_proto_stack(uint8_t *buf, size_t cap, const struct sw_msg_stack *m)
{
    struct writer w;
    begin(&w, buf, cap, SW_MSG_STACK);
    put_u32(&w, m->job);
    put_u32(&w, (uint32_t)m->tid);
    put_u8(&w, (uint8_t)(m->full_regs | m->warm << 1));
    put_u32(&w, m->max_frames);
    for (unsigned i = 0; i < SW_NREGS; i++)
        put_u64(&w, m->regs[i]);
    uint32_t n = m->stack_len < SW_PROTO_STACK_MAX ? m->stack_len : SW_PROTO_STACK_MAX;
    put_u32(&w, n);
    put(&w, m->stack, n);
    return end(&w);
}

int sw_proto_read_stack(const uint8_t *msg, size_t len, struct sw_msg_stack *m)
{
    struct reader r;
    if (!open_msg(&r, msg, len, SW_MSG_STACK))
        return -1;
    m->job = get_u32(&r);
    m->tid = (pid_t)get_u32(&r);
    uint8_t flags = get_u8(&r);
    m->full_regs = flags & 1;
    m->warm = (flags >> 1) & 1;
    m->max_frames = get_u32(&r);
    for (unsigned i = 0; i < SW_NREGS; i++)
        m->regs[i] = get_u64(&r);
    m->stack_len = get_u32(&r);
    if (m->stack_len > SW_PROTO_STACK_MAX)
        return -1;
    m->stack = get_span(&r, m->stack_len);
    return close_msg(&r);
}

size_t sw_proto_unwound(uint8_t *buf, size_t cap, const struct sw_msg_unwound *m)
{
    struct writer w;
    begin(&w, buf, cap, SW_MSG_UNWOUND);
    uint32_t n = m->n < SW_PROTO_FRAMES_MAX ? m->n : SW_PROTO_FRAMES_MAX;
    put_u32(&w, m->job);
    put_u32(&w, n);
    for (uint32_t i = 0; i < n; i++) {
        put_u64(&w, m->pc[i]);
        put_u8(&w, m->activation[i]);
    }
    return end(&w);
}

int sw_proto_read_unwound(const uint8_t *msg, size_t len, struct sw_msg_unwound *m)
{
    struct reader r;
    if (!open_msg(&r, msg, len, SW_MSG_UNWOUND))
        return -1;
    m->job = get_u32(&r);
    m->n = get_u32(&r);
    if (m->n > SW_PROTO_FRAMES_MAX)
        return -1;
    for (uint32_t i = 0; i < m->n; i++) {
        m->pc[i] = get_u64(&r);
        m->activation[i] = get_u8(&r) != 0;
    }
    return close_msg(&r);
}

size_t sw_proto_frames(uint8_t *buf, size_t cap, const struct sw_msg_frames *m)
{
    struct writer w;
    begin(&w, buf, cap, SW_MSG_FRAMES);
    uint32_t n = m->n < SW_PROTO_FRAMES_MAX ? m->n : SW_PROTO_FRAMES_MAX;
    put_u32(&w, m->job);
    put_u32(&w, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct sw_wire_frame *f = &m->frame[i];
        put_u64(&w, f->pc);
        put_u32(&w, (uint32_t)f->module);
        put_u64(&w, f->offset);
        put_u8(&w, f->inlined);
        put_u32(&w, f->line);
        put_str(&w, f->function, 4096);
        put_str(&w, f->file, SW_PROTO_PATH_MAX);
    }
    put_str(&w, m->note, 512);
    return end(&w);
}

int sw_proto_read_frames(const uint8_t *msg, size_t len, struct sw_msg_frames *m)
{
    struct reader r;
    if (!open_msg(&r, msg, len, SW_MSG_FRAMES))
        return -1;
    m->job = get_u32(&r);
    m->n = get_u32(&r);
    if (m->n > SW_PROTO_FRAMES_MAX)
        return -1;
    for (uint32_t i = 0; i < m->n && !r.bad; i++) {
        struct sw_wire_frame *f = &m->frame[i];
        f->pc = get_u64(&r);
        f->module = (int32_t)get_u32(&r);
        f->offset = get_u64(&r);
        f->inlined = get_u8(&r) != 0;
        f->line = get_u32(&r);
        f->function = get_str(&r, NULL);
        f->file = get_str(&r, NULL);
    }
    m->note = get_str(&r, NULL);
    return close_msg(&r);
}
