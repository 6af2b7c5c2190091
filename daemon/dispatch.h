/* SPDX-License-Identifier: MIT */
/*
 * The whole client API in one table (daemon/dispatch.c): method name,
 * handler, minimum role, flags.  grep there to see every entry point.
 *
 * Process: main.
 */
#ifndef CX_DISPATCH_H
#define CX_DISPATCH_H

#include "daemon/daemon.h"

struct request {
	struct conn *conn;
	struct rpc_id id;
	const char *method;
	json_t *params; /* borrowed for the duration of the handler */
};

/*
 * A handler either replies (conn_reply_*) before returning 0, or keeps a
 * copy of req->id and replies later.  A negative return means it did not
 * reply: the dispatcher answers with an internal error.
 */
typedef int (*method_handler)(struct request *req);

struct method_def {
	const char *name;
	method_handler handler;
	enum role min_role;
};

/* Route one parsed message from a connection. */
void dispatch_message(struct conn *c, struct rpc_message *m);

/* The method table, for tests and documentation checks. */
const struct method_def *dispatch_methods(size_t *ret_n);

/* Handlers (daemon/rpc_*.c). */
int rpc_hello(struct request *req);
int rpc_daemon_status(struct request *req);
int rpc_daemon_security(struct request *req); /* daemon/rpc_security.c */
int rpc_exec_start(struct request *req);
int rpc_exec_write(struct request *req);
int rpc_exec_close_stdin(struct request *req);
int rpc_exec_signal(struct request *req);
int rpc_exec_cancel(struct request *req);
int rpc_exec_resize(struct request *req);
int rpc_config_show(struct request *req);
int rpc_policy_reload(struct request *req);
int rpc_policy_check(struct request *req);
int rpc_net_check(struct request *req);
int rpc_approval_list(struct request *req);
int rpc_approval_watch(struct request *req);
int rpc_approval_respond(struct request *req);
int rpc_session_create(struct request *req);
int rpc_session_list(struct request *req);
int rpc_session_show(struct request *req);
int rpc_session_kill(struct request *req);
int rpc_audit_query(struct request *req);
int rpc_audit_export(struct request *req);
int rpc_audit_verify(struct request *req);

/* Reply invalid-params with the decoder's message. */
int rpc_reply_invalid_params(struct request *req, const char *msg);

/*
 * Decode params {"id": "..."} (required, non-empty, at most max_len bytes).
 * *ret_id is the id (the caller frees it), or NULL when the request was
 * answered with invalid-params (the result of that reply is returned) or
 * on -ENOMEM.
 */
int rpc_decode_id(struct request *req, size_t max_len, char **ret_id);

#endif
