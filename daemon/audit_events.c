/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "daemon/audit.h"
#include "daemon/audit_events.h"
#include "daemon/denials.h"
#include "daemon/exec.h"
#include "daemon/sessions.h"

#define AUDIT_DENIALS_BUDGET (16 * 1024)

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (char *const *p = v; a && p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

/* The identity every user record carries. */
static json_t *who(const struct conn *c)
{
	return json_pack("{s:I, s:I, s:s}", "conn", (json_int_t)c->serial, "uid",
			 (json_int_t)c->peer.uid, "user", c->peer.user);
}

static void put_s(json_t *o, const char *k, const char *v)
{
	if (o && v)
		json_object_set_new(o, k, json_string(v));
}

static void append(struct daemon *d, const char *event, json_t *fields)
{
	int64_t r = audit_append(d->audit, event, fields);

	if (r < 0 && r != -ENOSPC)
		log_debug("audit: %s not recorded: %s", event, strerror((int)-r));
}

/*
 * "r" + a prefix drawn once per daemon start + a counter: unique across
 * restarts, so a request's records can be told from another run's.
 */
void audit_ev_new_request_id(struct daemon *d, char *buf)
{
	static uint64_t serial;
	static char prefix[9];

	(void)d;
	if (!prefix[0]) {
		unsigned char r[3];
		randombytes_buf(r, sizeof(r));
		snprintf(prefix, sizeof(prefix), "%02x%02x%02x", r[0], r[1], r[2]);
	}
	snprintf(buf, AUDIT_REQ_ID_MAX, "r%s-%llu", prefix, (unsigned long long)++serial);
}

void audit_ev_new_exec_id(char *buf)
{
	unsigned char r[8];

	randombytes_buf(r, sizeof(r));
	snprintf(buf, 24, "x%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
}

void audit_ev_daemon_start(struct daemon *d)
{
	if (!d->audit)
		return;
	append(d, "daemon.start",
	       json_pack("{s:s, s:i, s:I, s:s, s:s}", "version", CX_VERSION, "pid", (int)getpid(),
			 "generation", (json_int_t)d->cfg_generation, "config", d->config_path,
			 "socket", d->listener.path ? d->listener.path : ""));
}

void audit_ev_daemon_stop(struct daemon *d, const char *why)
{
	if (!d->audit)
		return;
	append(d, "daemon.stop",
	       json_pack("{s:s, s:I, s:I}", "reason", why ? why : "exit", "uptime_ms",
			 (json_int_t)daemon_uptime_ms(d), "execs_started",
			 (json_int_t)d->stats.execs_started));
}

void audit_ev_conn_open(struct conn *c)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;
	json_t *f;

	if (!c->d->audit)
		return;
	/* What the kernel says the client runs: information, not identity. */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c->peer.pid);
	n = c->peer.pid > 0 ? readlink(path, exe, sizeof(exe) - 1) : -1;
	if (n < 0)
		snprintf(exe, sizeof(exe), "unknown");
	else
		exe[n] = '\0';
	f = who(c);
	if (f) {
		json_object_set_new(f, "gid", json_integer(c->peer.gid));
		json_object_set_new(f, "pid", json_integer(c->peer.pid));
		json_object_set_new(f, "exe", json_stringn(exe, strlen(exe)) ?: json_string("?"));
		json_object_set_new(f, "role", json_string(role_to_string(c->role)));
	}
	append(c->d, "conn.open", f);
}

void audit_ev_conn_close(struct conn *c, const char *why)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = who(c);
	put_s(f, "why", why);
	put_s(f, "client", c->client_name);
	append(c->d, "conn.close", f);
}

void audit_ev_role_refused(struct conn *c, const char *method, enum role need)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = who(c);
	put_s(f, "method", method);
	put_s(f, "role", role_to_string(c->role));
	put_s(f, "required_role", role_to_string(need));
	append(c->d, "role.refused", f);
}

void audit_ev_reload(struct daemon *d, uint64_t old_gen, uint64_t new_gen, const char *error)
{
	json_t *f;

	if (!d->audit)
		return;
	f = json_pack("{s:b, s:I, s:I}", "ok", error == NULL, "old_generation",
		      (json_int_t)old_gen, "new_generation", (json_int_t)new_gen);
	put_s(f, "error", error);
	append(d, "reload", f);
}

static json_t *request_fields(struct conn *c, const char *req_id, const struct exec_request *req)
{
	json_t *f = who(c);

	put_s(f, "request", req_id);
	put_s(f, "session", req->session);
	if (f) {
		json_object_set_new(f, "argv", strv_json(req->argv));
		put_s(f, "cwd", req->cwd);
	}
	return f;
}

void audit_ev_exec_request(struct conn *c, const char *req_id, const struct exec_request *req)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = request_fields(c, req_id, req);
	if (!f)
		return;
	if (req->has_sandbox)
		put_s(f, "sandbox_requested", sandbox_mode_to_string((enum sandbox_mode)req->sandbox));
	put_s(f, "approval_policy_requested", req->approval_policy);
	if (req->has_network)
		put_s(f, "network_requested", net_mode_to_string((enum net_mode)req->network));
	json_object_set_new(f, "escalate", json_boolean(req->escalate));
	json_object_set_new(f, "tty", json_boolean(req->tty));
	put_s(f, "justification", req->justification);
	put_s(f, "client", c->client_name);
	append(c->d, "exec.request", f);
}

void audit_ev_exec_decision(struct conn *c, const char *req_id, const struct exec_request *req,
			    const char *decision, const char *source, const char *reason,
			    json_t *matched, const char *sandbox, const char *approval_policy)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = who(c);
	put_s(f, "request", req_id);
	put_s(f, "session", req->session);
	put_s(f, "decision", decision);
	put_s(f, "source", source);
	put_s(f, "reason", reason);
	if (f)
		json_object_set_new(f, "matched_rules", matched ? json_deep_copy(matched)
								: json_array());
	put_s(f, "sandbox", sandbox);
	put_s(f, "approval_policy", approval_policy);
	put_s(f, "justification", req->justification);
	append(c->d, "exec.decision", f);
}

void audit_ev_exec_refused(struct conn *c, const char *req_id, const struct exec_request *req,
			   int code, const char *reason, const char *message)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = request_fields(c, req_id, req);
	if (f)
		json_object_set_new(f, "code", json_integer(code));
	put_s(f, "reason", reason);
	put_s(f, "message", message);
	append(c->d, "exec.refused", f);
}

void audit_ev_approval_request(struct conn *c, const char *req_id,
			       const struct exec_request *req, const char *reason)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = request_fields(c, req_id, req);
	put_s(f, "reason", reason);
	if (f)
		json_object_set_new(f, "escalate", json_boolean(req->escalate));
	append(c->d, "approval.request", f);
}

void audit_ev_approval_answer(struct conn *c, const char *req_id,
			      const struct exec_request *req, const char *decision, const char *by)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = who(c);
	put_s(f, "request", req_id);
	put_s(f, "session", req->session);
	put_s(f, "decision", decision);
	put_s(f, "by", by);
	append(c->d, "approval.answer", f);
}

int64_t audit_ev_exec_start(struct conn *c, const char *req_id, const char *exec_id,
			    const struct exec_request *req, const char *sandbox,
			    const char *decision, const char *approved_by)
{
	json_t *f;

	if (!c->d->audit)
		return 0;
	f = request_fields(c, req_id, req);
	if (!f)
		return -ENOMEM;
	put_s(f, "exec", exec_id);
	put_s(f, "sandbox", sandbox);
	if (req->has_network)
		put_s(f, "network", net_mode_to_string((enum net_mode)req->network));
	put_s(f, "decision", decision);
	put_s(f, "approved_by", approved_by);
	if (req->has_timeout)
		json_object_set_new(f, "timeout_ms", json_integer(req->timeout_ms));
	return audit_append(c->d->audit, "exec.start", f);
}

void audit_ev_exec_not_started(struct conn *c, const char *req_id, const char *exec_id)
{
	json_t *f;

	if (!c->d->audit)
		return;
	f = who(c);
	put_s(f, "request", req_id);
	put_s(f, "exec", exec_id);
	put_s(f, "stage", "setup");
	append(c->d, "exec.not_started", f);
}

void audit_ev_exec_exit(struct exec *x)
{
	struct daemon *d = x->d;
	uint64_t dur_ms = (uv_hrtime() - x->start_hrtime) / 1000000;
	int status = -1;
	json_t *f;

	if (x->have_exit)
		status = x->exit_msg.kind == SANDBOX_EXITED_CODE ? x->exit_msg.status
								 : 128 + x->exit_msg.status;
	if (d->audit) {
		const char *session = sessions_exec_session(d, x->id);
		const char *req = sessions_exec_request(d, x->id);

		f = json_pack("{s:I, s:s*, s:s*, s:s*, s:s, s:i, s:I, s:s, s:s}", "uid",
			      (json_int_t)x->uid, "user", sessions_exec_user(d, x->id), "request", req, "session", session, "exec", x->id, "pid", (int)x->pid,
			      "duration_ms", (json_int_t)dur_ms, "sandbox",
			      sandbox_mode_to_string(x->sandbox), "network",
			      net_mode_to_string(x->network));
		if (f && !x->started) {
			/* PID 1 reported why the command could not start. */
			json_object_set_new(f, "started", json_false());
			/* Its exec.start could not be made durable: ended before it began. */
			if (x->audit_refused)
				json_object_set_new(f, "reason", json_string("audit_unavailable"));
			if (x->have_fail) {
				json_object_set_new(
					f, "stage",
					json_string(sandbox_stage_to_string(
						(enum sandbox_stage)x->fail_msg.stage)));
				json_object_set_new(f, "errno", json_integer(x->fail_msg.err));
			}
		} else if (f && x->have_exit) {
			if (x->exit_msg.kind == SANDBOX_EXITED_CODE)
				json_object_set_new(f, "exit_code", json_integer(x->exit_msg.status));
			else {
				const char *name = exec_signal_name(x->exit_msg.status);
				json_object_set_new(f, "signal", json_string(name ? name : "UNKNOWN"));
			}
			json_object_set_new(
				f, "rusage",
				json_pack("{s:I, s:I, s:I}", "user_ms",
					  (json_int_t)(x->exit_msg.utime_usec / 1000), "system_ms",
					  (json_int_t)(x->exit_msg.stime_usec / 1000), "max_rss_kib",
					  (json_int_t)x->exit_msg.maxrss_kib));
		} else if (f)
			json_object_set_new(f, "signal", json_string("KILL"));
		if (f) {
			bool cut = false;
			json_t *den = denials_to_json(x->denials, x->n_denials, AUDIT_DENIALS_BUDGET,
						      &cut);
			json_object_set_new(f, "timed_out", json_boolean(x->timed_out));
			json_object_set_new(f, "killed", json_boolean(x->killed));
			if (x->cg_report.oom_killed)
				json_object_set_new(f, "oom_killed", json_true());
			json_object_set_new(f, "denials", den ? den : json_array());
			if (cut || x->denials_dropped)
				json_object_set_new(f, "denials_cut", json_true());
		}
		append(d, x->started ? "exec.exit" : "exec.failed", f);
	}
	sessions_untrack_exec(d, x->id, status);
}

void audit_ev_net_mode(struct conn *c, const char *req_id, const struct exec_request *req,
		       const char *decision, const char *reason)
{
	struct audit_net n = {
		.uid = c->peer.uid,
		.user = c->peer.user,
		.session = req->session,
		.host = "*",
		.protocol = net_mode_to_string((enum net_mode)req->network),
		.decision = decision,
		.source = "mode_guard",
		.reason = reason,
		.scope = "non_domain",
	};

	n.request = req_id;
	(void)audit_record_net(c->d, &n);
}

int64_t audit_record_net(struct daemon *d, const struct audit_net *n)
{
	json_t *f;

	if (!d->audit)
		return 0;
	f = json_pack("{s:I}", "uid", (json_int_t)n->uid);
	if (!f)
		return -ENOMEM;
	put_s(f, "user", n->user);
	put_s(f, "session", n->session);
	put_s(f, "request", n->request);
	put_s(f, "exec", n->exec_id);
	/* "host" is the record's own field (the machine): the target is host_name. */
	put_s(f, "host_name", n->host);
	json_object_set_new(f, "port", json_integer(n->port));
	put_s(f, "protocol", n->protocol);
	put_s(f, "method", n->method);
	put_s(f, "decision", n->decision);
	put_s(f, "source", n->source);
	put_s(f, "reason", n->reason);
	put_s(f, "scope", n->scope);
	put_s(f, "address", n->address);
	json_object_set_new(f, "override", json_boolean(n->override));
	if (n->have_bytes) {
		json_object_set_new(f, "bytes_out", json_integer((json_int_t)n->bytes_out));
		json_object_set_new(f, "bytes_in", json_integer((json_int_t)n->bytes_in));
	}
	return audit_append(d->audit, "net.decision", f);
}
