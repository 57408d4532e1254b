/* The call table expanded from calls.def, and class names. Pure data; any context. */
#include "core/calls.h"

#include <stddef.h>
#include <stdint.h>

_Static_assert(SW_CALL_COUNT <= 256, "a call id must fit the slot's 8-bit call field");

/* The names, one after the other, each a member: sw_calls holds their offsets. */
struct call_names {
    char n_NONE[sizeof "none"];
#define SW_CALL(id, name, cls, obj, intr) char n_##id[sizeof name];
#define SW_KCALL(id, name, cls, obj)      char n_##id[sizeof name];
#include "core/calls.def"
#undef SW_KCALL
#undef SW_CALL
};

static const struct call_names call_names = {
    "none",
#define SW_CALL(id, name, cls, obj, intr) name,
#define SW_KCALL(id, name, cls, obj)      name,
#include "core/calls.def"
#undef SW_KCALL
#undef SW_CALL
};

_Static_assert(sizeof(struct call_names) <= UINT16_MAX, "a name's offset must fit 16 bits");

const struct sw_call_info sw_calls[SW_CALL_COUNT] = {
    [SW_CALL_NONE] = {offsetof(struct call_names, n_NONE), SW_CLASS_NONE, SW_OBJ_NONE,
                      SW_INTR_RESTART},
#define SW_CALL(id, name, cls, obj, intr)                                                          \
    [SW_CALL_##id] = {offsetof(struct call_names, n_##id), SW_CLASS_##cls, SW_OBJ_##obj,         \
                      SW_INTR_##intr},
#define SW_KCALL(id, name, cls, obj)                                                               \
    [SW_CALL_##id] = {offsetof(struct call_names, n_##id), SW_CLASS_##cls, SW_OBJ_##obj,         \
                      SW_INTR_KERNEL},
#include "core/calls.def"
#undef SW_KCALL
#undef SW_CALL
};

const char *sw_call_name(unsigned call)
{
    return (const char *)&call_names + sw_calls[call].name;
}

const char *sw_class_name(enum sw_class cls)
{
    static const char *const names[SW_CLASS_COUNT] = {
        [SW_CLASS_NONE] = "none",     [SW_CLASS_LOCK] = "lock", [SW_CLASS_DISK] = "disk",
        [SW_CLASS_PEER] = "peer",     [SW_CLASS_WAIT] = "wait", [SW_CLASS_IDLE] = "idle",
        [SW_CLASS_LOOKUP] = "lookup", [SW_CLASS_COLLECTIVE] = "collective",
        [SW_CLASS_BUSY] = "busy", [SW_CLASS_HEARTBEAT] = "heartbeat",
        [SW_CLASS_SCOPE] = "scope",
    };
    if ((unsigned)cls >= SW_CLASS_COUNT)
        return "none";
    return names[cls];
}
