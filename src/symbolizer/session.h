/* Private: one program as the symbolizer sees it: its modules (as its watchdog sent them) and
 * the libdw session that unwinds its threads' snapshots, kept across connections (a program
 * reconnects for every report) for the few programs seen last. The symbolizer program only;
 * one thread. */
#ifndef SW_SESSION_H
#define SW_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/symproto.h"

/* Connections the symbolizer serves at once (more wait in the listen backlog). */
#define SW_SYMBOLIZER_CLIENTS_MAX 64

struct sw_session;

/* The session of a program (pid as the symbolizer's namespace sees it, from the connection's
 * credentials) about to send its nmodules modules; an existing one is kept when it sends
 * the same modules again. NULL when out of memory. */
struct sw_session *sw_session_begin(pid_t pid, const struct sw_msg_hello *hello);

/* One module of the program, in the order sent (the index is what frames refer to). */
void sw_session_add_module(struct sw_session *s, const struct sw_msg_module *m);

/* All modules are in: settles the session (reuses the libdw session of the same modules). */
void sw_session_ready(struct sw_session *s);

/* Unwinds one snapshot into out (pcs and activations, at most SW_PROTO_FRAMES_MAX). */
void sw_session_unwind(struct sw_session *s, const struct sw_msg_stack *st,
                       struct sw_msg_unwound *out);

/* Names the unwound pcs into frames (leaving out the shim's own), with inline frames; up to
 * max. Strings stay valid until the next call. */
void sw_session_name(struct sw_session *s, const struct sw_msg_unwound *pcs, unsigned max,
                     struct sw_msg_frames *out);

/* The connection that used the session is gone (the session itself may be kept). */
void sw_session_end(struct sw_session *s);

#endif
