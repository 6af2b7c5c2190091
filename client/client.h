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
#include <stdio.h>
#include <termios.h>

#include "common/frame.h"
#include "common/jsonrpc.h"

/* Largest frame accepted from the daemon (output notifications are ~88 KiB). */
#define CLIENT_MAX_FRAME (16 * 1024 * 1024)

/*
 * Seconds (finite, > 0, at most CX_MAX_TIMEOUT_MS / 1000) to whole
 * milliseconds, rounded up.  Not ceil(): codexctl does not link libm for
 * this alone (every library costs ~0.1 ms of start-up per command).
 */
static inline int64_t client_seconds_to_ms(double seconds)
{
	double v = seconds * 1000.0;
	int64_t ms = (int64_t)v;

	return (double)ms < v ? ms + 1 : ms;
}

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
	size_t read_max;       /* rpc_read() takes at most this much per recv (0: no limit) */
	size_t last_frame_len; /* of the message rpc_read() returned last, its newline included */
};

/* Connect; on failure prints a diagnostic and returns the codexctl exit status (> 0). */
int rpc_connect(struct rpc_client *c, const char *path);
void rpc_close(struct rpc_client *c);

/* Queue a request (takes params); returns its id. */
int64_t rpc_queue_request(struct rpc_client *c, const char *method, json_t *params);
/* Queue the answer to a request of the daemon (takes result); 0 or -ENOMEM. */
int rpc_queue_result(struct rpc_client *c, const struct rpc_id *id, json_t *result);
/* Queue an error answer to a request of the daemon; 0 or -ENOMEM. */
int rpc_queue_error(struct rpc_client *c, const struct rpc_id *id, int code, const char *reason,
		    const char *message);
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
 * The n raw bytes that follow the message rpc_read() just returned (an
 * exec/output with "length"), each piece handed to sink as it arrives
 * (blocking).  0, the sink's negative result, -EPIPE on EOF, or -errno.
 */
int rpc_read_raw(struct rpc_client *c, size_t n, int (*sink)(void *ud, const char *p, size_t len),
		 void *ud);

/*
 * Of the n raw bytes, hand what rpc_read() already buffered to sink and
 * take it off *n.  0 or the sink's negative result.
 */
int rpc_read_raw_buffered(struct rpc_client *c, size_t *n,
			  int (*sink)(void *ud, const char *p, size_t len), void *ud);

/*
 * The same, the bytes spliced from the socket into the pipe fd (no copy
 * through this process); what rpc_read() had already buffered goes
 * through sink.  When splice(2) refuses the pair (EINVAL), *splice_ok
 * becomes false and the rest goes through rpc_read_raw().  0, the sink's
 * negative result, -EPIPE on EOF, or -errno; a failed write to fd sets
 * *ret_out_failed (client/rpc_splice.c).
 */
int rpc_read_raw_splice(struct rpc_client *c, size_t n, int fd, bool *splice_ok,
			bool *ret_out_failed,
			int (*sink)(void *ud, const char *p, size_t len), void *ud);

/*
 * Synchronous call.  Returns 0 with *ret_result, or 1 with the error in
 * *ret_err (a message with kind RPC_KIND_ERROR), or <0 for transport failure.
 * Notifications arriving meanwhile are dropped.
 */
int rpc_call(struct rpc_client *c, const char *method, json_t *params, json_t **ret_result,
	     struct rpc_message *ret_err);

/*
 * One request on its own connection to socket (takes params): 0 with
 * *ret_result, or the codexctl exit status with the daemon's error or the
 * transport failure printed (a refusal at connect counts as an error: nothing
 * ran).
 */
int rpc_call_once(const char *socket, const char *method, json_t *params, json_t **ret_result);

/* Print "codexctl: <message>" from a daemon error, escaped. */
void print_rpc_error(const struct rpc_message *m);

/* Write text from the daemon to a terminal-safe stream: control chars escaped. */
void term_print_escaped(FILE *f, const char *s);

/*
 * The same for text that must stay on one line (a field of a prompt, a
 * table cell): newline and tab, backslash, C1 controls, and the Unicode
 * controls that move or hide text (bidirectional overrides and isolates,
 * line and paragraph separators) are escaped too, so a hostile string can
 * neither start a line of its own nor reorder what the reader sees.  At
 * most max bytes of s are shown (0: all), cut on a character boundary and
 * followed by "...".
 */
void term_print_oneline(FILE *f, const char *s, size_t max);

/* Print "codexctl: warning: ..." on stderr for each string of a "warnings" array. */
void print_warnings(json_t *warnings);

/* Subcommands: return the process exit status. */
int cmd_exec(const struct client_opts *o, int argc, char **argv);
int cmd_status(const struct client_opts *o, int argc, char **argv);
/* status --security (client/cmd_security.c): exit 0 when every escape class held. */
int cmd_status_security(const struct client_opts *o);
int cmd_config(const struct client_opts *o, int argc, char **argv);
int cmd_reload(const struct client_opts *o, int argc, char **argv);
int cmd_hello(const struct client_opts *o, int argc, char **argv);
int cmd_policy(const struct client_opts *o, int argc, char **argv);
int cmd_approvals(const struct client_opts *o, int argc, char **argv);
int cmd_audit(const struct client_opts *o, int argc, char **argv);
int cmd_sessions(const struct client_opts *o, int argc, char **argv);
int cmd_net(const struct client_opts *o, int argc, char **argv);

/* codexctl mcp (client/mcp_server.c): an MCP server on stdio. */
int cmd_mcp(const struct client_opts *o, int argc, char **argv);

/* The process environment as an exec/start "env" object (client/cmd_exec.c). */
json_t *environment_json(void);

/* Exit status for a daemon error (126 for refusals, 1 otherwise). */
int exit_status_for_error(const struct rpc_message *m);

/* ------------------------------------------------------------------ approvals
 * (client/prompt.c) The daemon's approval/request (daemon/approvals.h,
 * codexd-protocol(7) "APPROVALS") shown and answered on the terminal.
 *
 * The prompt is on /dev/tty, never on the command's stdout or stderr, and
 * is read inside the caller's poll loop: while it is open the caller polls
 * approver_poll_fd() too and calls approver_on_tty() when it is readable,
 * so output and notifications keep flowing.  One request is on the
 * terminal at a time; the others wait in a bounded queue.  Every field of
 * a request is hostile input: it is checked before use and escaped on one
 * line when shown, and the requester's justification is labelled as its
 * own claim.
 */

#define APPROVAL_ID_MAX 64       /* bytes of an approval_id ("ap-" + 16 hex) */
#define APPROVER_QUEUE_MAX 64    /* requests waiting for the terminal */
#define APPROVER_LINE_MAX 256    /* bytes of one typed answer */
#define CLIENT_MAX_OVERRIDES 32  /* exec -c KEY=VALUE */

/* What to do with approval/request. */
enum approver_mode {
	APPROVER_PROMPT, /* ask on the terminal and answer */
	APPROVER_REFUSE, /* answer at once with an error: "cannot approve here" */
	APPROVER_SILENT, /* do not answer (approvals watch without a terminal) */
};

enum approver_decision {
	APPROVER_APPROVE,
	APPROVER_APPROVE_FOR_SESSION,
	APPROVER_APPROVE_ALWAYS,
	APPROVER_DENY,
	APPROVER_ABORT,
	_APPROVER_DECISION_MAX,
};

struct approval_item {
	struct rpc_id id;                      /* the daemon's request id */
	char approval_id[APPROVAL_ID_MAX + 1]; /* validated: [A-Za-z0-9_-]+ */
	unsigned choices;                      /* 1 << enum approver_decision */
	json_t *params;                        /* owned */
};

struct approver {
	enum approver_mode mode;
	struct rpc_client *c; /* answers are queued here */
	int tty;              /* /dev/tty, owned; -1 without one */
	bool open;            /* queue[0] is on the terminal */
	struct approval_item queue[APPROVER_QUEUE_MAX];
	size_t n_queue;
	char line[APPROVER_LINE_MAX];
	size_t line_len;
	bool line_overflow;
	struct termios saved; /* the terminal's mode before the prompt */
	bool termios_changed;
	/* Called around each prompt (exec -t leaves raw mode for it); may be NULL. */
	void (*around_prompt)(void *userdata, bool opening);
	void *userdata;
};

/* Open /dev/tty for prompts: the descriptor or -errno (no controlling terminal). */
int approver_open_tty(void);

/* Set up; takes tty (may be -1, which turns APPROVER_PROMPT into APPROVER_REFUSE). */
void approver_init(struct approver *a, struct rpc_client *c, enum approver_mode mode, int tty);
/* Close the prompt (terminal mode restored), free the queue, close the tty. */
void approver_done(struct approver *a);

/*
 * A request from the daemon (m->kind RPC_KIND_REQUEST).  approval/request
 * is checked, then prompted for, refused or ignored per the mode; any
 * other method is answered "unknown method".  Returns 0, or -ENOMEM.
 * *ret_item (may be NULL) is pointed at the queued request when one was
 * accepted (valid until the next approver call), else NULL.
 */
int approver_on_request(struct approver *a, const struct rpc_message *m,
			const struct approval_item **ret_item);

/*
 * approval/resolved {approval_id, decision, by}: a request someone else
 * answered (or that timed out) leaves the terminal or the queue.  Returns
 * true when it was the one on the terminal.
 */
bool approver_on_resolved(struct approver *a, json_t *params);

/* The descriptor to poll for POLLIN, or -1 when no prompt is open. */
int approver_poll_fd(const struct approver *a);

/* The terminal is readable: read the answer; 0, or -ENOMEM. */
int approver_on_tty(struct approver *a);

/*
 * Ctrl-C at the prompt: answer "abort" (else "deny") for the request on
 * the terminal and drop the queued ones unanswered.  True if one was open.
 */
bool approver_interrupt(struct approver *a);

/*
 * The request as a block of text for people (also what the prompt shows
 * above its question); every string escaped on one line.
 */
void approval_describe(FILE *f, json_t *params);

/* "approve" ... "abort" (the wire names). */
const char *approver_decision_to_string(enum approver_decision d);
int approver_decision_from_string(const char *s, enum approver_decision *ret);

#endif
