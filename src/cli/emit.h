/* Private to the command: where the reports of `stallwatch dump` and `watch` go — standard
 * output unless -o names destinations (stderr, file:PATH, syslog, journal), in the format
 * chosen; the same records the shim writes (core/report.c), framed for syslog and journald as
 * the shim frames them. The command's own thread. */
#ifndef SW_EMIT_H
#define SW_EMIT_H

#include <stdbool.h>

#include "core/config.h"
#include "core/report.h"

/* Uses cfg's outputs when explicit, else standard output. */
void sw_emit_init(const struct sw_config *cfg, bool explicit_outputs);

/* Writes r to every destination; false if one of them failed (said once on stderr). */
bool sw_emit(const struct sw_report *r);

#endif
