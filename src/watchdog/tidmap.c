/* Thread id -> slot index: open addressing over a table sized to twice the registry's
 * capacity, mapped with mmap as the registry grows. Entries carry the rebuild's stamp, so a
 * rebuild never clears the table. Watchdog only. */
#include "watchdog/tidmap.h"

#include <stdatomic.h>
#include <sys/mman.h>

#include "hook/registry.h"

struct entry {
    pid_t tid;
    uint32_t stamp;
    unsigned idx;
};

static struct entry *table;
static size_t size; /* a power of two, 0 before the first rebuild */
static uint32_t stamp;

static size_t hash(pid_t tid)
{
    return ((uint32_t)tid * 2654435761u) & (size - 1);
}

void sw_tidmap_rebuild(void)
{
    unsigned cap = sw_registry_capacity();
    size_t want = 1024;
    while (want < 2 * (size_t)cap)
        want *= 2;
    if (want > size) {
        void *mem = mmap(NULL, want * sizeof *table, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
            return; /* keep the old, smaller table: lookups may miss, never fault */
        if (table != NULL)
            munmap(table, size * sizeof *table);
        table = mem;
        size = want;
        stamp = 0;
    }
    if (++stamp == 0) /* never 0: fresh entries carry 0 */
        stamp = 1;
    size_t inserted = 0;
    for (unsigned i = 0; i < cap && inserted < size / 2; i++) {
        struct sw_slot *s = sw_registry_at(i);
        if (!sw_slot_live(atomic_load_explicit(&s->state, memory_order_acquire)))
            continue;
        pid_t tid = atomic_load_explicit(&s->tid, memory_order_relaxed);
        if (tid == 0)
            continue;
        for (size_t h = hash(tid);; h = (h + 1) & (size - 1)) {
            if (table[h].stamp != stamp) {
                table[h] = (struct entry){tid, stamp, i};
                inserted++;
                break;
            }
        }
    }
}

bool sw_tidmap_find(pid_t tid, unsigned *idx)
{
    if (size == 0 || tid <= 0)
        return false;
    for (size_t h = hash(tid);; h = (h + 1) & (size - 1)) {
        if (table[h].stamp != stamp)
            return false;
        if (table[h].tid == tid) {
            *idx = table[h].idx;
            return true;
        }
    }
}
