/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "common/jdecode.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/protocol.h"
#include "daemon/approvals.h"
#include "daemon/audit_events.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"

/*
 * Every method a client can call.  The role is checked here, before the
 * handler runs; ownership checks (an exec belongs to its uid) are the
 * handler's.  Roles come from SO_PEERCRED/SO_PEERGROUPS and the current
 * configuration's group names, never from the request.
 */
static const struct method_def methods[] = {
	{ "hello", rpc_hello, ROLE_VIEWER },
	{ "daemon/status", rpc_daemon_status, ROLE_VIEWER },
	{ "daemon/security", rpc_daemon_security, ROLE_VIEWER },
	{ "config/show", rpc_config_show, ROLE_VIEWER },
	{ "policy/check", rpc_policy_check, ROLE_VIEWER },
	{ "net/check", rpc_net_check, ROLE_VIEWER },
	{ "exec/start", rpc_exec_start, ROLE_MEMBER },
	{ "exec/write", rpc_exec_write, ROLE_MEMBER },
	{ "exec/close_stdin", rpc_exec_close_stdin, ROLE_MEMBER },
	{ "exec/signal", rpc_exec_signal, ROLE_MEMBER },
	{ "exec/cancel", rpc_exec_cancel, ROLE_MEMBER },
	{ "exec/resize", rpc_exec_resize, ROLE_MEMBER },
	{ "approval/list", rpc_approval_list, ROLE_MEMBER },
	{ "approval/watch", rpc_approval_watch, ROLE_MEMBER },
	{ "approval/respond", rpc_approval_respond, ROLE_MEMBER },
	{ "policy/reload", rpc_policy_reload, ROLE_ADMIN },
	/* Sessions and audit: owners see their own, admins all (the handlers check). */
	{ "session/create", rpc_session_create, ROLE_MEMBER },
	{ "session/list", rpc_session_list, ROLE_VIEWER },
	{ "session/show", rpc_session_show, ROLE_VIEWER },
	{ "session/kill", rpc_session_kill, ROLE_MEMBER },
	{ "audit/query", rpc_audit_query, ROLE_MEMBER },
	{ "audit/export", rpc_audit_export, ROLE_MEMBER },
	{ "audit/verify", rpc_audit_verify, ROLE_MEMBER },
};

const struct method_def *dispatch_methods(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(methods);
	return methods;
}

int rpc_reply_invalid_params(struct request *req, const char *msg)
{
	return conn_reply_error(req->conn, &req->id, CX_ERR_INVALID_PARAMS,
				CX_REASON_INVALID_PARAMS, NULL, "%s", msg);
}

int rpc_decode_id(struct request *req, size_t max_len, char **ret_id)
{
	struct {
		char *id;
	} p = { 0 };
	const struct jd_field fields[] = {
		{ "id", JD_STRING, 0, JD_REQUIRED | JD_NONEMPTY, 0, (int64_t)max_len },
	};
	char err[256];
	int r;

	*ret_id = NULL;
	r = jd_decode(req->params, "params", fields, ARRAY_SIZE(fields), &p, NULL, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	*ret_id = p.id;
	return 0;
}

static void dispatch_request(struct conn *c, struct rpc_message *m)
{
	struct daemon *d = c->d;
	const struct method_def *def = NULL;
	struct request req;
	int r;

	d->stats.requests++;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strcmp(methods[i].name, m->method) == 0) {
			def = &methods[i];
			break;
		}
	if (!def) {
		conn_reply_error(c, &m->id, CX_ERR_METHOD_NOT_FOUND, CX_REASON_UNKNOWN_METHOD, NULL,
				 "unknown method %s", log_q(m->method));
		return;
	}

	c->role = role_for_credentials(c->peer.uid, c->peer.gid, c->peer.groups, c->peer.n_groups,
				       &d->cfg->role_groups);
	if (c->role < def->min_role) {
		json_t *data = json_pack("{s:s, s:s}", "required_role",
					 role_to_string(def->min_role), "role",
					 role_to_string(c->role));

		audit_ev_role_refused(c, def->name, def->min_role);
		if (c->role == ROLE_NONE)
			conn_reply_error(c, &m->id, CX_ERR_PERMISSION_DENIED, CX_REASON_ROLE, data,
					 "permission denied: user %s (uid %u) is not in any codexd "
					 "group (%s, %s or %s)",
					 c->peer.user, (unsigned)c->peer.uid,
					 d->cfg->role_group_names[ROLE_VIEWER],
					 d->cfg->role_group_names[ROLE_MEMBER],
					 d->cfg->role_group_names[ROLE_ADMIN]);
		else
			conn_reply_error(c, &m->id, CX_ERR_PERMISSION_DENIED, CX_REASON_ROLE, data,
					 "permission denied: %s needs role %s; user %s (uid %u) "
					 "has role %s",
					 def->name, role_to_string(def->min_role), c->peer.user,
					 (unsigned)c->peer.uid, role_to_string(c->role));
		return;
	}

	if (d->shutting_down && def->min_role >= ROLE_MEMBER) {
		conn_reply_error(c, &m->id, CX_ERR_SHUTTING_DOWN, CX_REASON_SHUTTING_DOWN, NULL,
				 "codexd is shutting down");
		return;
	}

	req = (struct request){ .conn = c, .id = m->id, .method = def->name, .params = m->params };
	r = def->handler(&req);
	if (r < 0) {
		log_warning_errno(r, "%s from uid %u failed", def->name, (unsigned)c->peer.uid);
		conn_reply_error(c, &m->id, CX_ERR_INTERNAL, CX_REASON_INTERNAL, NULL,
				 "internal error");
	}
}

void dispatch_message(struct conn *c, struct rpc_message *m)
{
	switch (m->kind) {
	case RPC_KIND_REQUEST:
		dispatch_request(c, m);
		break;
	case RPC_KIND_NOTIFICATION:
		/* No client notifications are defined; JSON-RPC forbids replying. */
		log_debug("connection #%llu: ignoring notification %s",
			  (unsigned long long)c->serial, log_q(m->method));
		break;
	case RPC_KIND_RESULT:
	case RPC_KIND_ERROR:
		/* Answers to daemon->client requests (approvals). */
		approvals_on_response(c, m);
		break;
	}
}
