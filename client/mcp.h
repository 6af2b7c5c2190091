/* SPDX-License-Identifier: MIT */
/*
 * codexctl mcp: a Model Context Protocol server on standard input and
 * output that runs an agent's commands through codexd (codexctl(1) "mcp").
 *
 *   client/mcp_server.c    the loop, the MCP handshake and methods, the
 *                          connection to the daemon, cancellation
 *   client/mcp_tools.c     the tools: schemas, argument decoding into
 *                          daemon requests, results (output capture)
 *   client/mcp_approval.c  approval/request from the daemon relayed to the
 *                          MCP client as elicitation/create, and back
 *
 * Trust: the MCP client (the agent) is hostile input: every message is
 * parsed strictly and bounded, every tool argument is checked, and errors
 * are JSON-RPC errors, never a crash.  The daemon decides what runs; this
 * bridge adds nothing to what the user could do with codexctl exec.  Text
 * from the daemon goes to the MCP client as JSON strings (escaped by the
 * encoder), never to a terminal.
 *
 * Process: client.
 */
#ifndef CX_CLIENT_MCP_H
#define CX_CLIENT_MCP_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"
#include "common/list.h"

#ifndef LIST_FOREACH
#define LIST_FOREACH(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#endif

#define MCP_MAX_FRAME (4 * 1024 * 1024) /* one message from the MCP client */
#define MCP_MAX_CALLS 64 /* tools/call running at once */
#define MCP_MAX_ELICITATIONS 64 /* approvals waiting for the MCP client */
#define MCP_OUTPUT_DEFAULT (64 * 1024) /* bytes of stdout (and of stderr) returned */
#define MCP_OUTPUT_MIN 256
#define MCP_OUTPUT_MAX (4 * 1024 * 1024)
#define MCP_STDIN_MAX (1024 * 1024) /* bytes of the "stdin" argument */
#define MCP_TIMEOUT_DEFAULT_MS (10LL * 60 * 1000)

/* MCP revisions spoken, newest first. */
#define MCP_VERSION_LATEST "2025-11-25"

enum mcp_call_kind {
	MCP_CALL_EXEC,
	MCP_CALL_POLICY,
	MCP_CALL_NET,
	_MCP_CALL_KIND_MAX,
};

/*
 * Captured output of one stream: the first half of the budget, then a
 * ring of the most recent bytes, so a long output keeps its beginning and
 * its end (where errors are).
 */
struct mcp_capture {
	char *head;
	size_t head_len, head_cap;
	char *tail;
	size_t tail_len, tail_pos, tail_cap;
	uint64_t total; /* bytes the command wrote */
};

/* One tools/call in flight. */
struct mcp_call {
	struct list_node node;
	enum mcp_call_kind kind;
	struct rpc_id mcp_id; /* the MCP client's request */
	int64_t daemon_id; /* exec/start, policy/check or net/check; 0 once answered */
	char *exec_id; /* the daemon's command id, after exec/start */
	bool cancelled; /* notifications/cancelled: no answer is sent */
	size_t max_output;
	struct mcp_capture out[2]; /* stdout (and pty), stderr */
	json_t *start; /* the exec/start result */
	char *stdin_data; /* written once started */
	size_t stdin_len;
};

/* An approval/request of the daemon shown to the MCP client. */
struct mcp_elicitation {
	struct list_node node;
	char mcp_id[32]; /* our elicitation/create id, "cxel-N" */
	struct rpc_id daemon_req; /* the daemon's approval/request id */
	char approval_id[APPROVAL_ID_MAX + 1];
	json_t *decisions; /* available_decisions (strings) */
};

struct mcp_server {
	const struct client_opts *o;
	/*
	 * Where messages to the MCP client go: NULL = standard output
	 * (blocking, whole lines).  The fuzz target collects them instead.
	 * Returns 0 or -errno; a failure ends codexctl mcp.
	 */
	int (*write_out)(void *ud, const char *line, size_t len);
	void *write_ud;
	/* The daemon. */
	struct rpc_client c;
	bool connected;
	int64_t hello_id;
	/* The MCP client. */
	struct frame_reader in;
	bool in_eof;
	bool initialized;
	char version[16]; /* negotiated revision */
	bool elicitation; /* the client can answer elicitation/create */
	bool no_elicitation; /* --no-elicitation */
	char client_name[65]; /* clientInfo.name, reduced to [A-Za-z0-9 ._-] */
	struct list_node calls;
	size_t n_calls;
	struct list_node elicitations;
	size_t n_elicitations;
	uint64_t elicit_serial;
	/* Defaults for run_command. */
	const char *sandbox;
	const char *approval_policy;
	int64_t timeout_ms;
	size_t max_output;
	char root[PATH_MAX];
};

/* ---------------------------------------------------------- mcp_server.c */

/* Send a message to the MCP client (takes result/params/data). 0 or -errno. */
int mcp_send_result(struct mcp_server *s, const struct rpc_id *id, json_t *result);
int mcp_send_error(struct mcp_server *s, const struct rpc_id *id, int code, const char *reason,
		   const char *message);
int mcp_send_request(struct mcp_server *s, const char *id, const char *method, json_t *params);
int mcp_send_notification(struct mcp_server *s, const char *method, json_t *params);

/* Connect to the daemon when not connected (hello included): 0, or -errno. */
int mcp_daemon_ensure(struct mcp_server *s);

/*
 * One line from the MCP client (without its '\n'), parsed strictly and
 * dispatched; every answer goes out through write_out or to the daemon's
 * queue (s->c.out).  Reads no descriptor, so it can be fed bytes without
 * a daemon (tests/fuzz/fuzz_mcp.c).
 */
void mcp_server_on_client_frame(struct mcp_server *s, const char *frame, size_t len);
/* One message from the daemon (already parsed), dispatched the same way. */
void mcp_server_on_daemon_message(struct mcp_server *s, struct rpc_message *m);
/* Free every call and elicitation and the daemon connection (end of the loop). */
void mcp_server_release(struct mcp_server *s);

/* ----------------------------------------------------------- mcp_tools.c */

/* The tools/list result. */
json_t *mcp_tools_list(const struct mcp_server *s);

/*
 * tools/call: decode name and arguments and send the daemon request.
 * Returns 0 with the call queued (answered later), 1 when a result was
 * already sent (a tool error), or a JSON-RPC error to send: negative code
 * in *ret_code with the message in err.
 */
int mcp_tools_call(struct mcp_server *s, const struct rpc_id *id, json_t *params, int *ret_code,
		   char *err, size_t errsz);

/* The daemon answered a call's request (m: result or error). Frees the call when done. */
void mcp_call_on_answer(struct mcp_server *s, struct mcp_call *call, struct rpc_message *m);
/* exec/output and exec/exited for a call's command. */
void mcp_call_on_output(struct mcp_call *call, json_t *params);
void mcp_call_on_exited(struct mcp_server *s, struct mcp_call *call, json_t *params);
/* Answer a call with a tool error (isError) and free it. */
void mcp_call_fail(struct mcp_server *s, struct mcp_call *call, const char *fmt, ...)
	_printf_(3, 4);
/* notifications/cancelled: kill the command, and send no answer. */
void mcp_call_cancel(struct mcp_server *s, struct mcp_call *call);
void mcp_call_free(struct mcp_server *s, struct mcp_call *call);

/* Capture helpers (exposed for mcp_tools.c's result and the tests). */
void mcp_capture_init(struct mcp_capture *cap, size_t max);
int mcp_capture_add(struct mcp_capture *cap, const char *buf, size_t len);
/* The captured text as valid UTF-8 (bad bytes and NUL as U+FFFD); *ret_truncated. */
json_t *mcp_capture_text(const struct mcp_capture *cap, bool *ret_truncated);
void mcp_capture_done(struct mcp_capture *cap);

/* -------------------------------------------------------- mcp_approval.c */

/* approval/request from the daemon: ask the MCP client, or decline. */
int mcp_approval_on_request(struct mcp_server *s, const struct rpc_message *m);
/* approval/resolved: withdraw the elicitation if still open. */
void mcp_approval_on_resolved(struct mcp_server *s, json_t *params);
/* The MCP client answered an elicitation/create (m: result or error); false if not ours. */
bool mcp_approval_on_answer(struct mcp_server *s, const struct rpc_message *m);
/* End of the MCP client's input: answer the daemon "cannot ask" for every open elicitation. */
void mcp_approval_decline_all(struct mcp_server *s);
/* The daemon connection is gone: withdraw every elicitation (notify: tell the MCP client). */
void mcp_approval_drop_all(struct mcp_server *s, bool notify);

#endif
