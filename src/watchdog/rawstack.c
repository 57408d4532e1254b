/* Raw frames (module, offset, build-id) without the symbolizer. Watchdog only; this module
 * keeps a module map of its own, read at a report's first need. */
#include "watchdog/rawstack.h"

#include <string.h>

#include "core/large.h"
#include "watchdog/modmap.h"
#include "watchdog/procinfo.h"

SW_LARGE static struct sw_modmap map;
static bool loaded, refreshed;

void sw_rawstack_begin(void)
{
    /* Libraries may have come and gone since the last report: read the map again when it is
     * first needed. */
    loaded = false;
    refreshed = false;
}

static const struct sw_module *find(uint64_t pc)
{
    if (!loaded) {
        loaded = sw_modmap_load(&map) == 0;
        refreshed = true;
    }
    const struct sw_module *m = loaded ? sw_modmap_find(&map, pc) : NULL;
    if (m == NULL && !refreshed) {
        refreshed = true;
        loaded = sw_modmap_load(&map) == 0;
        m = loaded ? sw_modmap_find(&map, pc) : NULL;
    }
    return m;
}

static bool own(const struct sw_module *m)
{
    uint64_t self = (uint64_t)(uintptr_t)&sw_rawstack_scan;
    return m != NULL && self >= m->start && self < m->end;
}

/* Fills a raw frame for pc; false if pc is in libstallwatch itself. */
static bool raw_frame(uint64_t pc, bool activation, struct sw_frame *f)
{
    const struct sw_module *m = find(activation || pc == 0 ? pc : pc - 1);
    if (own(m))
        return false;
    memset(f, 0, sizeof *f);
    f->pc = pc;
    if (m != NULL) {
        f->module = m->path;
        f->offset = pc - m->bias;
        f->build_id = m->build_id[0] != '\0' ? m->build_id : NULL;
    }
    return true;
}

unsigned sw_rawstack_from_pcs(const struct sw_pcs *pcs, struct sw_frame *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < pcs->n && n < max; i++)
        n += raw_frame(pcs->pc[i], pcs->activation[i], &out[n]);
    return n;
}

/* Whether the bytes before ret end with an x86-64 call instruction: call rel32, call via a
 * register, or call through memory with the encodings compilers emit. */
static bool after_call(uint64_t ret)
{
    unsigned char b[7];
    if (ret < 7 || sw_proc_read_mem((uintptr_t)(ret - 7), b, sizeof b) != (ssize_t)sizeof b)
        return false;
    if (b[2] == 0xe8) /* e8 rel32 */
        return true;
    if (b[5] == 0xff && ((b[6] & 0xf8) == 0xd0 || (b[6] & 0xf8) == 0x10)) /* ff /2 reg, [reg] */
        return true;
    if (b[4] == 0xff && (b[5] & 0xf8) == 0x50) /* ff /2 [reg+disp8] */
        return true;
    if (b[1] == 0xff && (b[2] == 0x15 || (b[2] & 0xf8) == 0x90)) /* [rip+disp32], [reg+disp32] */
        return true;
    if (b[3] == 0xff && b[4] == 0x54) /* ff 54 sib disp8 */
        return true;
    return false;
}

unsigned sw_rawstack_scan(const struct sw_snapshot *snap, struct sw_frame *out, unsigned max)
{
    unsigned n = 0;
    if (max == 0)
        return 0;
    n += raw_frame(snap->regs[SW_DWARF_PC], true, &out[n]);
    for (size_t off = 0; off + 8 <= snap->stack_len && n < max; off += 8) {
        uint64_t w;
        memcpy(&w, snap->stack + off, sizeof w);
        const struct sw_module *m = find(w - 1);
        if (m == NULL || w <= m->text_start || w > m->text_end || !after_call(w))
            continue;
        n += raw_frame(w, false, &out[n]);
    }
    return n;
}
