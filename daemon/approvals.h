/* SPDX-License-Identifier: MIT */
/*
 * Pending approvals: who is asked, who may answer, what an answer does.
 *
 * WIRE PROTOCOL (codexd-protocol(7), "APPROVALS")
 *
 * When exec/start needs approval its reply is deferred and the daemon sends
 * a JSON-RPC *request* (daemon -> client, string id "cxap-N"):
 *
 *   approval/request {
 *     approval_id: "ap-<16 hex>", session: string|null,
 *     argv: [...], command: "shell-quoted argv (display only)",
 *     cwd: "/abs", reason: "why approval is needed",
 *     justification: string|null   (the requester's own words: untrusted),
 *     escalate: bool                (run OUTSIDE the sandbox if approved),
 *     sandbox: "read-only"|"workspace-write"|"danger-full-access",
 *     matched_rules: [{matchedPrefix: [...], decision, justification?,
 *                      source: "file:line", layer}],
 *     proposed_prefix_rule: [...]|null  (what "approve_always" would save),
 *     available_decisions: ["approve", "approve_for_session",
 *                           "approve_always", "deny", "abort"]  (a subset),
 *     requester: {uid, user, pid, client},
 *     network: {host, port, protocol, exec_id}  (only for a proxied connection
 *                                   the allowlist does not cover: daemon/proxy.c),
 *     proposed_network_rule: "network_rule(...)"  (what approve_always saves then),
 *     timeout_ms: N                 (deny after this long)
 *   }
 *
 * to, at the same time: the requesting connection if its hello said
 * can_approve, and every connection of the same uid that called
 * approval/watch.  If there is none, the configured reviewer program
 * ([approvals] reviewer) is asked; if there is none either the request is
 * denied at once ("no approver").  The first valid answer wins:
 *
 *   result {decision: "approve" | "approve_for_session" | "approve_always"
 *                     | "deny" | "abort"}
 *
 * A decision not in available_decisions, a malformed result or an error
 * response counts as "this client does not answer" (the others may still);
 * when nobody is left to answer the request is denied.  Once decided,
 * every connection that was sent the request gets the notification
 *
 *   approval/resolved {approval_id, decision, by}
 *
 * (by: "requester", "watcher", "respond", "reviewer", "timeout",
 * "cancelled", "no_approver") so that other prompts can go away.  An
 * answer to an already-resolved request is ignored.
 *
 * Methods (member; a caller only ever sees its own uid's approvals):
 *   approval/watch {}            -> {pending: N}; this connection is now
 *                                   sent approval/request for every pending
 *                                   and future approval of its uid.
 *   approval/list {}             -> {approvals: [<approval/request params>
 *                                   + age_ms]}
 *   approval/respond {approval_id, decision} -> {}  (-32007 not_found for
 *                                   an unknown/other uid's id, -32602 for a
 *                                   decision that is not available)
 *
 * What the answers do (daemon/decide.c): approve runs the command once;
 * approve_for_session also remembers approval_session_key() (program +
 * subcommand + cwd + session, never exact argv) for the caller's uid and
 * session (the connection when no session was given); approve_always also
 * appends proposed_prefix_rule as an allow prefix_rule to the user's
 * ~/.codex/rules/default.rules, written as the user; deny refuses with
 * -32003 approval_denied (codexctl exits 126); abort refuses the same way
 * and cancels the other pending approvals of that session; timeout = deny.
 *
 * Process: main.
 */
#ifndef CX_APPROVALS_H
#define CX_APPROVALS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/daemon.h"
#include "policy/approval.h"

struct pending_approval;

/* What the answer was.  DENY also stands for timeout / no approver. */
struct approval_answer {
	enum approval_choice choice; /* APPROVE, APPROVE_FOR_SESSION, DENY, ABORT */
	bool always;                 /* approve_always: save the proposed prefix rule */
	const char *by;              /* static string, see "by" above */
};

typedef void (*approval_done_cb)(void *userdata, const struct approval_answer *answer);

struct approval_ask {
	const char *session;          /* NULL: none */
	char *const *argv;
	const char *cwd;
	const char *reason;
	const char *justification;    /* NULL: none */
	bool escalate;
	const char *sandbox;          /* mode name */
	json_t *matched_rules;        /* borrowed; copied (may be NULL) */
	char *const *proposed_prefix; /* NULL: no approve_always */
	unsigned choices;             /* APPROVAL_CHOICE_BIT()s; approve_always added when
					 proposed_prefix is set */
	json_t *network;              /* {host, port, protocol} of a proxied connection the
					 allowlist did not cover (borrowed), or NULL */
	const char *proposed_network_rule; /* the network_rule() approve_always saves, or NULL */
};

/*
 * Ask.  cb runs exactly once, later, from the loop (never from inside this
 * call), unless approvals_cancel() is called first.  Returns 0 with *ret,
 * or -errno (cb never runs).
 */
int approvals_ask(struct conn *requester, const struct approval_ask *ask, approval_done_cb cb,
		  void *userdata, struct pending_approval **ret);

/* The requester gave up (disconnected, shutdown): cb will not run. */
void approvals_cancel(struct pending_approval *a);

/* A connection closes: it stops watching; its unanswered requests are withdrawn. */
void approvals_conn_gone(struct conn *c);

/* A result or error frame arrived on c (an answer to approval/request). */
void approvals_on_response(struct conn *c, const struct rpc_message *m);

/* Free everything (daemon exit); no callbacks. */
void approvals_free_all(struct daemon *d);

#endif
