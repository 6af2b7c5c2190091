/* SPDX-License-Identifier: MIT */
/*
 * One client connection: reading frames (and SCM_RIGHTS descriptors),
 * queueing replies and notifications with back-pressure, and closing.
 *
 * Back-pressure: when the write queue passes the output high watermark,
 * execs owned by this connection stop reading their commands' output
 * (conn->output_blocked); when it drains below half of it they resume.  Past
 * CX_CONN_WQUEUE_HARD the connection stops reading requests too.  Memory
 * per connection is therefore bounded whatever the client does.
 *
 * Process: main.
 */
#ifndef CX_CONN_H
#define CX_CONN_H

#include <stdarg.h>

#include "daemon/daemon.h"

/* Take over an accepted socket (O_NONBLOCK|O_CLOEXEC). Returns 0 or -errno (fd closed). */
int conn_new(struct daemon *d, int fd);

/* Queue a complete line (ending in '\n'); takes ownership of line. */
int conn_send_line(struct conn *c, char *line, size_t len);

/* Queue a raw buffer allocated as a struct wbuf by conn_wbuf_new(). */
struct wbuf *conn_wbuf_new(size_t len);
int conn_send_wbuf(struct conn *c, struct wbuf *w);

/* Replies; they take ownership of the json_t they are given. */
int conn_reply_result(struct conn *c, const struct rpc_id *id, json_t *result);
int conn_reply_error(struct conn *c, const struct rpc_id *id, int code, const char *reason,
		     json_t *data, const char *fmt, ...) _printf_(6, 7);
int conn_notify(struct conn *c, const char *method, json_t *params);

/* Pop n descriptors passed with SCM_RIGHTS (oldest first). -ENOENT if fewer are queued. */
int conn_take_fds(struct conn *c, size_t n, int *ret);

/* Close now (kills owned execs).  why is for the log. */
void conn_close(struct conn *c, const char *why);
/* Stop reading; close when everything queued has been written. */
void conn_close_after_flush(struct conn *c, const char *why);

/* Daemon shutdown: stop reading; close once c's execs are gone and replies flushed. */
void conn_shutdown(struct conn *c);

/* An exec owned by c has ended (c may now be done if it half-closed). */
void conn_exec_done(struct conn *c);

/* Bytes the configuration allows a connection to queue before execs pause. */
size_t conn_output_high(const struct conn *c);

#endif
