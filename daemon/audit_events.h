/* SPDX-License-Identifier: MIT */
/*
 * The record points of the audit trail: one function per event, called
 * from where the event happens (one line there), building the record's
 * fields from daemon state.  Event names and fields are listed in
 * codexd-protocol(7) "AUDIT LOG"; every record about a user's action
 * carries "uid" (what audit/query filters members on) and "user".
 *
 * Correlation: an exec/start request gets a request id ("r" + number) in
 * exec.request, exec.decision, approval.request/answer and exec.start;
 * exec.start gives the exec id that exec.exit (or exec.not_started)
 * repeats.
 *
 * Process: main.
 */
#ifndef CX_AUDIT_EVENTS_H
#define CX_AUDIT_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "policy/roles.h"

struct exec;
struct exec_request;

#define AUDIT_REQ_ID_MAX 24

/*
 * A network decision of the proxy (for the engineer building it).  Every
 * string is borrowed; NULL members are left out.  Call from the main
 * process with the decision already taken: the record is appended (and
 * forwarded as codex.network_proxy.policy_decision) before it returns, so
 * log before letting a connection through.
 */
struct audit_net {
	uid_t uid;
	const char *user;          /* NULL: looked up from nothing, left out */
	const char *session;       /* session of the sandbox, if any */
	const char *request;       /* the exec/start request, if any */
	const char *exec_id;       /* the exec whose sandbox asked */
	const char *host;          /* requested host name or address */
	uint16_t port;
	const char *protocol;      /* "http", "https", "socks5_tcp", "socks5_udp" */
	const char *method;        /* HTTP method, or NULL */
	const char *decision;      /* "allow", "deny", "ask" */
	const char *source;        /* "baseline_policy", "mode_guard", "proxy_state", "decider", ... */
	const char *reason;        /* why, for people */
	const char *scope;         /* "domain" or "non_domain" */
	const char *address;       /* the address connected to, if any */
	bool override;             /* an approval overrode the policy */
	bool have_bytes;           /* the connection ended: bytes each way below */
	uint64_t bytes_out, bytes_in;
};

/* Returns the record's seq (> 0), 0 (auditing off) or -errno (not recorded). */
int64_t audit_record_net(struct daemon *d, const struct audit_net *n);

/* A request's whole-network wish decided (not a connection): source "mode_guard". */
void audit_ev_net_mode(struct conn *c, const char *req_id, const struct exec_request *req,
		       const char *decision, const char *reason);

void audit_ev_daemon_start(struct daemon *d);
void audit_ev_daemon_stop(struct daemon *d, const char *why);
void audit_ev_conn_open(struct conn *c);
void audit_ev_conn_close(struct conn *c, const char *why);
void audit_ev_role_refused(struct conn *c, const char *method, enum role need);
void audit_ev_reload(struct daemon *d, uint64_t old_gen, uint64_t new_gen, const char *error);

/* A new request id into buf (AUDIT_REQ_ID_MAX bytes). */
void audit_ev_new_request_id(struct daemon *d, char *buf);
/* A new exec id ("x" + 16 hex) into buf (24 bytes). */
void audit_ev_new_exec_id(char *buf);

void audit_ev_exec_request(struct conn *c, const char *req_id, const struct exec_request *req);
void audit_ev_exec_decision(struct conn *c, const char *req_id, const struct exec_request *req,
			    const char *decision, const char *source, const char *reason,
			    json_t *matched, const char *sandbox, const char *approval_policy);
void audit_ev_exec_refused(struct conn *c, const char *req_id, const struct exec_request *req,
			   int code, const char *reason, const char *message);
void audit_ev_approval_request(struct conn *c, const char *req_id,
			       const struct exec_request *req, const char *reason);
void audit_ev_approval_answer(struct conn *c, const char *req_id,
			      const struct exec_request *req, const char *decision, const char *by);
/* Before the sandbox is made; the caller waits for durability. Returns seq or -errno. */
int64_t audit_ev_exec_start(struct conn *c, const char *req_id, const char *exec_id,
			    const struct exec_request *req, const char *sandbox,
			    const char *decision, const char *approved_by);
/* exec.start was recorded but no sandbox came of it (limits, spawn failure). */
void audit_ev_exec_not_started(struct conn *c, const char *req_id, const char *exec_id);
/* The exec's PID 1 was reaped, or it failed to start (x->started false). */
void audit_ev_exec_exit(struct exec *x);

#endif
