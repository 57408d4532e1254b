/* Private: the symbolizer's service loop: connections from the watchdogs of one user's
 * programs on a listening SOCK_SEQPACKET socket, each served in turn (core/symproto.h), until
 * no connection has come for idle_s seconds. The symbolizer program only; one thread. */
#ifndef SW_SERVER_H
#define SW_SERVER_H

/* Serves connections on listen_fd; returns when idle for idle_s seconds (0: never). Returns
 * 0, or 1 when the socket fails. */
int sw_server_run(int listen_fd, unsigned idle_s);

#endif
