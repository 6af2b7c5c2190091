/* SPDX-License-Identifier: MIT */
/*
 * codexctl internals.  The client is unprivileged and treats the daemon's
 * output as hostile too (STYLE.md 10): frames are bounded and parsed
 * strictly, and text from the daemon is escaped before it reaches a
 * terminal.
 *
 * Process: client.
 */
#ifndef CX_CLIENT_H
#define CX_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/frame.h"
#include "common/jsonrpc.h"

/* Largest frame accepted from the daemon (output notifications are ~88 KiB). */
#define CLIENT_MAX_FRAME (16 * 1024 * 1024)

struct client_opts {
	const char *socket;
	bool json;
	bool stdin_was_closed; /* fd 0 was closed at start (now /dev/null) */
};

struct rpc_client {
	int fd;
	struct frame_reader rd;
	char *out;
	size_t out_len, out_cap;
	int64_t next_id;
	bool eof;
};

/* Connect; on failure prints a diagnostic and returns the codexctl exit status (> 0). */
int rpc_connect(struct rpc_client *c, const char *path);
void rpc_close(struct rpc_client *c);

/* Queue a request (takes params); returns its id. */
int64_t rpc_queue_request(struct rpc_client *c, const char *method, json_t *params);
/* Write what is queued; blocking=false returns -EAGAIN when the socket is full. */
int rpc_flush(struct rpc_client *c, bool blocking);
/* Like rpc_queue_request, sending descriptors with the frame (blocking). */
int64_t rpc_send_with_fds(struct rpc_client *c, const char *method, json_t *params,
			  const int *fds, size_t n_fds);

/*
 * Next message: 1 with *m filled (jsonrpc_message_done() it), 0 on EOF,
 * -EAGAIN when nothing complete is buffered and the socket has no data
 * (non-blocking read), <0 on errors (message printed).
 */
int rpc_read(struct rpc_client *c, struct rpc_message *m, bool blocking);

/*
 * Synchronous call.  Returns 0 with *ret_result, or 1 with the error in
 * *ret_err (a message with kind RPC_KIND_ERROR), or <0 for transport failure.
 * Notifications arriving meanwhile are dropped.
 */
int rpc_call(struct rpc_client *c, const char *method, json_t *params, json_t **ret_result,
	     struct rpc_message *ret_err);

/* Print "codexctl: <message>" from a daemon error, escaped. */
void print_rpc_error(const struct rpc_message *m);

/* Write text from the daemon to a terminal-safe stream: control chars escaped. */
void term_print_escaped(FILE *f, const char *s);

/* Subcommands: return the process exit status. */
int cmd_exec(const struct client_opts *o, int argc, char **argv);
int cmd_status(const struct client_opts *o, int argc, char **argv);
int cmd_config(const struct client_opts *o, int argc, char **argv);
int cmd_reload(const struct client_opts *o, int argc, char **argv);
int cmd_hello(const struct client_opts *o, int argc, char **argv);
int cmd_policy(const struct client_opts *o, int argc, char **argv);

/* Exit status for a daemon error (126 for refusals, 1 otherwise). */
int exit_status_for_error(const struct rpc_message *m);

#endif
