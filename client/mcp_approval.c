/* SPDX-License-Identifier: MIT */
/*
 * codexctl mcp: approvals through MCP elicitation (client/mcp.h).
 *
 * When the MCP client declared the elicitation capability, hello said
 * can_approve, and the daemon's approval/request for our commands comes
 * here.  It becomes an elicitation/create request whose form has one
 * field, "decision", an enum of the request's available decisions; the
 * person's answer goes back to the daemon:
 *
 *   accept + a valid decision   that decision
 *   accept without one, decline "deny"
 *   cancel (dismissed)          "deny"
 *   a JSON-RPC error            an error: "this client does not answer",
 *                               so that `codexctl approvals watch` or the
 *                               reviewer may still answer
 *
 * When someone else answers first (approval/resolved), the elicitation is
 * withdrawn with notifications/cancelled.  Text of the request is the
 * daemon's and the requester's (the agent's justification is labelled as
 * its own claim); it reaches the MCP client as JSON strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/mcp.h"
#include "common/protocol.h"

#define SHOW_COMMAND 2048
#define SHOW_FIELD 1024

static const struct {
	const char *wire, *label;
} decision_labels[] = {
	{"approve", "Approve once"},
	{"approve_for_session", "Approve for this session"},
	{"approve_always", "Always approve (saves a rule)"},
	{"deny", "Deny"},
	{"abort", "Deny, and tell the agent to stop"},
};

static const char *decision_label(const char *wire)
{
	for (size_t i = 0; i < ARRAY_SIZE(decision_labels); i++)
		if (strcmp(wire, decision_labels[i].wire) == 0)
			return decision_labels[i].label;
	return NULL;
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool valid_approval_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > APPROVAL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

static void elicitation_free(struct mcp_server *s, struct mcp_elicitation *el)
{
	list_del(&el->node);
	s->n_elicitations--;
	json_decref(el->decisions);
	free(el);
}

/* The question, for people. */
static char *describe(json_t *p)
{
	const char *command = str_field(p, "command"), *cwd = str_field(p, "cwd");
	const char *reason = str_field(p, "reason"), *just = str_field(p, "justification");
	const char *sandbox = str_field(p, "sandbox");
	json_t *req = json_object_get(p, "requester");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "codexd asks whether to run this command:\n\n    %.*s\n\n", SHOW_COMMAND,
		command ? command : "(unknown)");
	if (cwd)
		fprintf(f, "in %.*s\n", SHOW_FIELD, cwd);
	if (reason)
		fprintf(f, "Why it asks: %.*s\n", SHOW_FIELD, reason);
	if (just)
		fprintf(f, "The agent says (its own claim): %.*s\n", SHOW_FIELD, just);
	if (json_is_true(json_object_get(p, "escalate")))
		fprintf(f, "It asks to run OUTSIDE the sandbox.\n");
	else if (sandbox)
		fprintf(f, "Sandbox: %.64s\n", sandbox);
	if (str_field(req, "user"))
		fprintf(f, "Requested by user %.64s\n", str_field(req, "user"));
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int mcp_approval_on_request(struct mcp_server *s, const struct rpc_message *m)
{
	const char *aid = str_field(m->params, "approval_id");
	json_t *avail = json_object_get(m->params, "available_decisions"), *v;
	_cleanup_json_ json_t *decisions = json_array(), *labels = json_array();
	_cleanup_free_ char *text = NULL;
	struct mcp_elicitation *el;
	json_t *params;
	size_t i;

	if (!s->elicitation || s->in_eof)
		return rpc_queue_error(&s->c, &m->id, CX_ERR_METHOD_NOT_FOUND,
				       CX_REASON_UNKNOWN_METHOD,
				       "this MCP client cannot answer approvals");
	if (!aid || !valid_approval_id(aid) || !json_is_array(avail) ||
	    json_array_size(avail) > 16 || !decisions || !labels)
		return rpc_queue_error(&s->c, &m->id, CX_ERR_INVALID_PARAMS,
				       CX_REASON_INVALID_PARAMS, "malformed approval/request");
	json_array_foreach (avail, i, v) {
		const char *label = json_is_string(v) ? decision_label(json_string_value(v)) : NULL;

		/* Decisions this client does not know (a newer daemon) are not offered. */
		if (!label)
			continue;
		json_array_append(decisions, v);
		json_array_append_new(labels, json_string(label));
	}
	if (json_array_size(decisions) == 0)
		return rpc_queue_error(&s->c, &m->id, CX_ERR_METHOD_NOT_FOUND,
				       CX_REASON_UNKNOWN_METHOD,
				       "none of the available decisions is known here");
	if (s->n_elicitations >= MCP_MAX_ELICITATIONS)
		return rpc_queue_error(&s->c, &m->id, CX_ERR_LIMIT, CX_REASON_LIMIT,
				       "too many approvals waiting for the MCP client");
	text = describe(m->params);
	if (!text)
		return -ENOMEM;

	el = calloc(1, sizeof(*el));
	if (!el)
		return -ENOMEM;
	snprintf(el->mcp_id, sizeof(el->mcp_id), "cxel-%llu",
		 (unsigned long long)++s->elicit_serial);
	el->daemon_req = m->id;
	snprintf(el->approval_id, sizeof(el->approval_id), "%s", aid);
	el->decisions = json_incref(decisions);
	list_add_tail(&s->elicitations, &el->node);
	s->n_elicitations++;

	params = json_pack("{s:s, s:{s:s, s:{s:{s:s, s:s, s:s, s:O, s:O}}, s:[s]}}", "message",
			   text, "requestedSchema", "type", "object", "properties", "decision",
			   "type", "string", "title", "Decision", "description",
			   "What codexd should do with this command", "enum", decisions,
			   "enumNames", labels, "required", "decision");
	if (!params) {
		elicitation_free(s, el);
		return -ENOMEM;
	}
	return mcp_send_request(s, el->mcp_id, "elicitation/create", params);
}

static struct mcp_elicitation *find_by_approval(struct mcp_server *s, const char *aid)
{
	struct list_node *pos;

	LIST_FOREACH (pos, &s->elicitations) {
		struct mcp_elicitation *el = list_entry(pos, struct mcp_elicitation, node);
		if (strcmp(el->approval_id, aid) == 0)
			return el;
	}
	return NULL;
}

static void withdraw(struct mcp_server *s, struct mcp_elicitation *el, const char *why)
{
	mcp_send_notification(s, "notifications/cancelled",
			      json_pack("{s:s, s:s}", "requestId", el->mcp_id, "reason", why));
	elicitation_free(s, el);
}

void mcp_approval_on_resolved(struct mcp_server *s, json_t *params)
{
	const char *aid = str_field(params, "approval_id");
	struct mcp_elicitation *el = aid ? find_by_approval(s, aid) : NULL;

	if (el)
		withdraw(s, el, "the approval was decided elsewhere or timed out");
}

static bool decision_available(struct mcp_elicitation *el, const char *d)
{
	size_t i;
	json_t *v;

	json_array_foreach (el->decisions, i, v)
		if (strcmp(json_string_value(v), d) == 0)
			return true;
	return false;
}

bool mcp_approval_on_answer(struct mcp_server *s, const struct rpc_message *m)
{
	struct mcp_elicitation *el = NULL;
	struct list_node *pos;
	const char *action, *decision = "deny";

	if (m->id.type != RPC_ID_STRING)
		return false;
	LIST_FOREACH (pos, &s->elicitations) {
		struct mcp_elicitation *e = list_entry(pos, struct mcp_elicitation, node);
		if (strcmp(e->mcp_id, m->id.str) == 0)
			el = e;
	}
	if (!el)
		return false; /* late, or not ours: ignored */
	if (!s->connected) {
		elicitation_free(s, el);
		return true;
	}
	if (m->kind == RPC_KIND_ERROR) {
		(void)rpc_queue_error(&s->c, &el->daemon_req, CX_ERR_METHOD_NOT_FOUND,
				      CX_REASON_UNKNOWN_METHOD,
				      "the MCP client could not ask (elicitation failed)");
		elicitation_free(s, el);
		return true;
	}
	action = str_field(m->result, "action");
	if (action && strcmp(action, "accept") == 0) {
		const char *d = str_field(json_object_get(m->result, "content"), "decision");
		if (d && decision_available(el, d))
			decision = d;
	}
	(void)rpc_queue_result(&s->c, &el->daemon_req, json_pack("{s:s}", "decision", decision));
	elicitation_free(s, el);
	return true;
}

void mcp_approval_decline_all(struct mcp_server *s)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE (pos, tmp, &s->elicitations) {
		struct mcp_elicitation *el = list_entry(pos, struct mcp_elicitation, node);
		if (s->connected)
			(void)rpc_queue_error(&s->c, &el->daemon_req, CX_ERR_METHOD_NOT_FOUND,
					      CX_REASON_UNKNOWN_METHOD,
					      "the MCP client has gone (end of input)");
		elicitation_free(s, el);
	}
}

void mcp_approval_drop_all(struct mcp_server *s, bool notify)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE (pos, tmp, &s->elicitations) {
		struct mcp_elicitation *el = list_entry(pos, struct mcp_elicitation, node);
		if (notify)
			withdraw(s, el, "lost the connection to codexd");
		else
			elicitation_free(s, el);
	}
}
