/* SPDX-License-Identifier: MIT */
/*
 * exec/start's decision pipeline (daemon/decide.h).  One struct job per
 * request, alive from the request until the command was handed to
 * exec_start() or refused; it belongs to its connection and dies with it.
 * Nothing from a previous step is trusted across an asynchronous wait but
 * the job's own copies: the configuration and managed rules are read from
 * the daemon at the step that uses them (a reload in between simply
 * applies).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/approvals.h"
#include "daemon/audit.h"
#include "daemon/audit_events.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/decide.h"
#include "daemon/proxy.h"
#include "daemon/net_policy.h"
#include "daemon/sandbox_plan.h"
#include "daemon/sessions.h"
#include "daemon/unix_allow.h"
#include "daemon/user_files.h"
#include "policy/approval.h"
#include "policy/layers.h"
#include "policy/rules.h"
#include "policy/rules_json.h"

#define GLOB_WORDS_MAX 256 /* words per command checked against glob rules */

#define CX_REASON_USER_CONFIG "user_config_invalid"
#define CX_REASON_REQUIREMENTS "requirements"

struct segment_info {
	char **prefix;      /* matched prefix of the deciding rule (owned) */
	char *justification;
	char *resolved;     /* where its program resolves (owned), or NULL */
};

struct job {
	struct list_node node;      /* daemon.jobs */
	struct list_node conn_node; /* conn.jobs */
	struct daemon *d;
	struct conn *c;
	struct rpc_id id;
	struct exec_request req;
	int fds[3];

	struct approval_plan *plan;
	struct segment_info *seg;
	char **programs;   /* distinct argv[0]s to resolve */
	char *path;        /* the PATH they were resolved with (NULL: default) */
	int round;
	struct user_files_loader *loader;
	struct user_files *files;
	struct layers_effective eff;
	bool have_eff;
	char **envp;
	char *program;     /* execve() this (bare argv[0] resolved), or NULL */
	char **extra_deny;
	char **extra_readonly;
	bool unix_allowlist; /* [network] allow_unix_sockets (daemon/unix_allow.h) */
	char **unix_sockets;
	json_t *matched;   /* matched rules of every part of the command */
	struct approval_decision dec;
	bool have_dec;
	struct pending_approval *ap;
	struct user_files_loader *saver; /* approve_always: writing the rule as the user */
	char *amendment;   /* the rule line approve_always saves */
	const char *decision;
	bool escalated;    /* approved to leave the sandbox */
	json_t *extra;     /* merged into the start result */
	json_t *show;      /* config/show: the reply being built (no command) */

	/* The audit trail (daemon/audit_events.h). */
	char audit_req[AUDIT_REQ_ID_MAX];
	char exec_id[24];
	struct audit_waiter *aw; /* waiting for exec.start to be durable */
	int64_t audit_seq;       /* exec.start not yet durable: exec_start() waits for it */
	struct domain_policy net; /* network = "proxy": the sandbox's domain policy */
	bool have_net;
	bool net_ask;      /* allowlist misses raise approval/request */
};

/* One remembered approve_for_session answer. */
struct grant {
	struct list_node node; /* daemon.session_grants */
	uid_t uid;
	uint64_t conn_serial;  /* scoped to a connection (no session given), or 0 */
	char *key;
	size_t key_len;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	list_del(&j->node);
	list_del(&j->conn_node);
	j->d->n_jobs--;
	if (j->loader)
		user_files_cancel(j->loader);
	if (j->saver)
		user_files_cancel(j->saver);
	if (j->ap)
		approvals_cancel(j->ap);
	if (j->aw) {
		/* exec.start is in the log but the client left before it was durable. */
		audit_waiter_cancel(j->aw);
		if (j->c) {
			audit_ev_exec_not_started(j->c, j->audit_req, j->exec_id);
			sessions_untrack_exec(j->d, j->exec_id, -1);
		}
	}
	for (int i = 0; i < 3; i++)
		safe_close(j->fds[i]);
	if (j->seg && j->plan)
		for (size_t i = 0; i < j->plan->n_segments; i++) {
			strv_free(j->seg[i].prefix);
			free(j->seg[i].justification);
			free(j->seg[i].resolved);
		}
	free(j->seg);
	approval_plan_free(j->plan);
	strv_free(j->programs);
	free(j->path);
	user_files_free(j->files);
	if (j->have_eff)
		layers_effective_done(&j->eff);
	domain_policy_done(&j->net);
	strv_free(j->envp);
	free(j->program);
	strv_free(j->extra_deny);
	strv_free(j->extra_readonly);
	strv_free(j->unix_sockets);
	json_decref(j->matched);
	if (j->have_dec)
		approval_decision_done(&j->dec);
	free(j->amendment);
	json_decref(j->extra);
	json_decref(j->show);
	exec_request_done(&j->req);
	free(j);
}

/* The job is over (replied or handed on): free it and let a half-closed conn finish. */
static void job_done(struct job *j)
{
	struct conn *c = j->c;

	job_free(j);
	if (c)
		conn_exec_done(c);
}

static void job_reply_error(struct job *j, int code, const char *reason, json_t *data,
			    const char *msg)
{
	if (j->req.argv && !j->show)
		audit_ev_exec_refused(j->c, j->audit_req, &j->req, code, reason, msg);
	conn_reply_error(j->c, &j->id, code, reason, data, "%s", msg);
	job_done(j);
}

static void job_fail_internal(struct job *j, int r)
{
	log_warning_errno(r, "exec/start from uid %u: decision failed", (unsigned)j->c->peer.uid);
	job_reply_error(j, CX_ERR_INTERNAL, CX_REASON_INTERNAL, NULL, "internal error");
}

/* The caller's own configuration is broken or unreadable: refuse everything. */
static void job_fail_closed(struct job *j, const char *what)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
		 "refusing to run anything while your configuration cannot be used: %s", what);
	job_reply_error(j, CX_ERR_FORBIDDEN, CX_REASON_USER_CONFIG,
			json_pack("{s:s, s:i}", "decision", "forbidden", "exit_code", 126), msg);
}

static int add_warning(struct job *j, const char *w)
{
	json_t *a = json_object_get(j->extra, "warnings");

	if (!a) {
		a = json_array();
		if (!a || json_object_set_new(j->extra, "warnings", a) < 0)
			return -ENOMEM;
	}
	return json_array_append_new(a, json_string(w)) < 0 ? -ENOMEM : 0;
}

/* add_warning(), or answer "internal error" when it fails: false then (the job is over). */
static bool job_warn(struct job *j, const char *w)
{
	if (add_warning(j, w) == 0)
		return true;
	job_fail_internal(j, -ENOMEM);
	return false;
}

/* ------------------------------------------------------------------ session grants */

static char *grant_scope(const struct job *j)
{
	char *s = NULL;

	/* Leaving the sandbox is a different question from running inside it. */
	if (j->req.session) {
		if (asprintf(&s, "s:%s%s", j->req.session, j->req.escalate ? ":escalate" : "") < 0)
			return NULL;
	} else if (asprintf(&s, "c:%llu%s", (unsigned long long)j->c->serial,
			    j->req.escalate ? ":escalate" : "") < 0)
		return NULL;
	return s;
}

static int job_grant_key(const struct job *j, char **ret)
{
	_cleanup_free_ char *scope = grant_scope(j);

	if (!scope)
		return -ENOMEM;
	return approval_session_key(j->req.argv, j->req.cwd, scope, ret);
}

static bool grant_has(struct daemon *d, uid_t uid, const char *key)
{
	struct list_node *pos, *tmp;
	size_t n = strlen(key);

	LIST_FOREACH_SAFE(pos, tmp, &d->session_grants)
	{
		struct grant *g = list_entry(pos, struct grant, node);
		if (g->uid == uid && g->key_len == n && memcmp(g->key, key, n) == 0)
			return true;
	}
	return false;
}

static void grant_free(struct daemon *d, struct grant *g)
{
	list_del(&g->node);
	d->n_session_grants--;
	free(g->key);
	free(g);
}

static void grant_add(struct job *j, char *key)
{
	struct daemon *d = j->d;
	struct list_node *pos, *tmp;
	struct grant *g, *oldest = NULL;
	unsigned mine = 0;

	if (grant_has(d, j->c->peer.uid, key)) {
		free(key);
		return;
	}
	LIST_FOREACH_SAFE(pos, tmp, &d->session_grants)
	{
		struct grant *e = list_entry(pos, struct grant, node);
		if (e->uid == j->c->peer.uid) {
			mine++;
			if (!oldest)
				oldest = e;
		}
	}
	/* Bounded: the oldest answer of this uid (or anyone's) makes room. */
	if (oldest && mine >= CX_MAX_SESSION_GRANTS_PER_UID)
		grant_free(d, oldest);
	else if (d->n_session_grants >= CX_MAX_SESSION_GRANTS)
		grant_free(d, list_entry(d->session_grants.next, struct grant, node));
	g = calloc(1, sizeof(*g));
	if (!g) {
		free(key);
		return;
	}
	g->uid = j->c->peer.uid;
	g->conn_serial = j->req.session ? 0 : j->c->serial;
	g->key = key;
	g->key_len = strlen(key);
	list_add_tail(&d->session_grants, &g->node);
	d->n_session_grants++;
}

void decide_free_all(struct daemon *d)
{
	while (!list_empty(&d->session_grants))
		grant_free(d, list_entry(d->session_grants.next, struct grant, node));
}

void decide_forget_conn_grants(struct conn *c)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &c->d->session_grants)
	{
		struct grant *g = list_entry(pos, struct grant, node);
		if (g->conn_serial == c->serial)
			grant_free(c->d, g);
	}
}

/* ------------------------------------------------------------------ running */

/*
 * Whether the policy lets the user approve a rerun outside the sandbox after
 * a sandbox-denied failure (CODEX-MODEL.md §4.3 "other triggers"): not under
 * never / full-auto, not when granular rejects sandbox prompts.
 */
static bool retry_allowed(const struct approval_config *a)
{
	switch (a->policy) {
	case APPROVAL_UNTRUSTED:
	case APPROVAL_ON_FAILURE:
	case APPROVAL_ON_REQUEST:
	case APPROVAL_AUTO_EDIT:
		return !a->forbid_escalation;
	case APPROVAL_GRANULAR:
		return a->granular.sandbox_approval && !a->forbid_escalation;
	default:
		return false;
	}
}

static void job_launch(struct job *j);

static void on_start_durable(void *userdata, int err)
{
	struct job *j = userdata;

	j->aw = NULL;
	if (err < 0 && audit_refuses(j->d->audit)) {
		audit_ev_exec_not_started(j->c, j->audit_req, j->exec_id);
		sessions_untrack_exec(j->d, j->exec_id, -1);
		job_reply_error(j, CX_ERR_AUDIT_UNAVAILABLE, CX_REASON_AUDIT_UNAVAILABLE,
				json_pack("{s:i}", "exit_code", 126),
				"audit unavailable: the command's record could not be made durable; "
				"it was not started");
		return;
	}
	job_launch(j);
}

static enum sandbox_mode job_mode(const struct job *j)
{
	if (j->escalated ||
	    (j->dec.bypass_sandbox && j->d->cfg->allow_rules_bypass_sandbox))
		return SANDBOX_DANGER_FULL_ACCESS;
	return j->eff.sandbox_mode;
}

/*
 * No command starts without its record: exec.start is appended and made
 * durable per [audit] fsync before the command runs.  While the sync
 * runs the sandbox is built, its PID 1 waiting for the daemon's go
 * (exec_settings.audit_seq).  While the log cannot be written the command
 * is refused (on_failure = "refuse") or runs with a warning ("continue").
 */
static void job_run(struct job *j)
{
	struct audit *a = j->d->audit;
	const char *why = NULL;
	int64_t seq;
	int r;

	audit_ev_new_exec_id(j->exec_id);
	if (audit_available(a, &why) < 0 && audit_refuses(a)) {
		char msg[400];
		snprintf(msg, sizeof(msg),
			 "audit unavailable: %s; no command starts until it can be written", why);
		job_reply_error(j, CX_ERR_AUDIT_UNAVAILABLE, CX_REASON_AUDIT_UNAVAILABLE,
				json_pack("{s:i}", "exit_code", 126), msg);
		return;
	}
	seq = audit_ev_exec_start(j->c, j->audit_req, j->exec_id, &j->req,
				  sandbox_mode_to_string(job_mode(j)), j->decision,
				  json_string_value(json_object_get(j->extra, "approved_by")));
	sessions_track_exec(j->d, j->exec_id, j->audit_req, j->req.session, j->c->peer.uid,
			    j->c->peer.user);
	r = seq < 0 ? (int)seq : audit_durable(a, seq);
	if (r == 0) {
		j->audit_seq = seq; /* exec_start() gates the command on the sync */
		job_launch(j);
		return;
	}
	if (r < 0) {
		if (audit_refuses(a)) {
			on_start_durable(j, r);
			return;
		}
		if (!job_warn(j, "the audit log cannot be written: this command runs unaudited "
				 "([audit] on_failure = \"continue\")"))
			return;
	}
	job_launch(j);
}

static void job_launch(struct job *j)
{
	const struct daemon_config *cfg = j->d->cfg;
	struct exec_settings set;
	enum sandbox_mode mode = j->eff.sandbox_mode;
	int fds[3], r;

	if (j->escalated)
		mode = SANDBOX_DANGER_FULL_ACCESS;
	else if (j->dec.bypass_sandbox && cfg->allow_rules_bypass_sandbox) {
		/* Codex's behaviour, only when the administrator asked for it. */
		mode = SANDBOX_DANGER_FULL_ACCESS;
		if (!job_warn(j, "every part of the command matched an allow rule: running "
				 "outside the sandbox ([approvals] allow_rules_bypass_sandbox)"))
			return;
	}
	json_object_set_new(j->extra, "approval_policy",
			    json_string(approval_policy_to_string(j->eff.approval.policy)));
	json_object_set_new(j->extra, "sandbox_origin", json_string(j->eff.sandbox_origin));
	if (json_array_size(j->matched) > 0)
		json_object_set(j->extra, "matched_rules", j->matched);
	set = (struct exec_settings){
		.mode = mode,
		.ww_network_access = j->eff.network_access,
		.config_roots = j->eff.writable_roots,
		.exclude_slash_tmp = j->eff.exclude_slash_tmp,
		.exclude_tmpdir_env_var = j->eff.exclude_tmpdir_env_var,
		.envp = j->envp,
		.program = j->program,
		.extra_deny = j->extra_deny,
		.extra_readonly = j->extra_readonly,
		.unix_allowlist = j->unix_allowlist,
		.unix_sockets = j->unix_sockets,
		.decision = j->decision,
		.result_extra = j->extra,
		.exec_id = j->exec_id,
		.net_policy = j->have_net ? &j->net : NULL,
		.net_ask = j->net_ask,
		.retry_unsandboxed = mode != SANDBOX_DANGER_FULL_ACCESS && retry_allowed(&j->eff.approval),
		.audit_seq = j->audit_seq,
	};
	for (int i = 0; i < 3; i++)
		fds[i] = TAKE_FD(j->fds[i]);
	r = exec_start(j->c, &j->id, &j->req, j->req.stdio == STDIO_FDS ? fds : NULL, &set);
	for (int i = 0; i < 3; i++)
		safe_close(fds[i]);
	if (!exec_find(j->d, j->exec_id)) {
		/* Refused after exec.start was written (limits, sandbox): say so in the trail. */
		audit_ev_exec_not_started(j->c, j->audit_req, j->exec_id);
		sessions_untrack_exec(j->d, j->exec_id, -1);
	}
	if (r < 0) {
		job_fail_internal(j, r);
		return;
	}
	job_done(j);
}

static void on_rule_saved(void *userdata, struct user_files *files, int err)
{
	struct job *j = userdata;
	char w[CX_MAX_PATH + 256];

	j->saver = NULL;
	if (err < 0 || !files || !files->appended) {
		snprintf(w, sizeof(w), "the rule was not saved: %s",
			 files && files->error ? files->error
			 : err < 0	      ? strerror(-err)
					      : "unknown error");
		log_warning("uid %u: approve_always: %s", (unsigned)j->c->peer.uid, w);
		user_files_free(files);
		if (job_warn(j, w))
			job_run(j);
		return;
	}
	log_info("uid %u: saved %s", (unsigned)j->c->peer.uid, log_q(j->amendment));
	user_files_free(files);
	job_run(j);
}

/* A request to the user-files helper, as the caller (daemon/user_files.h). */
static struct user_files_request job_files_request(const struct job *j)
{
	const struct conn *c = j->c;

	return (struct user_files_request){
		.uid = c->peer.uid,
		.gid = c->peer.gid,
		.groups = c->peer.groups,
		.n_groups = c->peer.n_groups,
		.home = c->peer.home[0] ? c->peer.home : "/nonexistent",
	};
}

static void save_rule_then_run(struct job *j)
{
	struct conn *c = j->c;
	struct user_files_request ur = job_files_request(j);
	int r;

	ur.append_rule = j->amendment;

	if (!c->peer.home[0] || !path_is_absolute_normalized(c->peer.home)) {
		if (job_warn(j, "the rule was not saved: your account has no home directory"))
			job_run(j);
		return;
	}
	r = user_files_load(j->d, &ur, on_rule_saved, j, &j->saver);
	if (r < 0) {
		j->saver = NULL;
		if (job_warn(j, "the rule was not saved: cannot start the helper"))
			job_run(j);
	}
}

static void on_answer(void *userdata, const struct approval_answer *ans)
{
	struct job *j = userdata;
	char msg[1024];
	int r;

	j->ap = NULL;
	if (ans->choice == APPROVAL_CHOICE_DENY || ans->choice == APPROVAL_CHOICE_ABORT) {
		const char *what = ans->choice == APPROVAL_CHOICE_ABORT ? "abort" : "deny";
		const char *why = strcmp(ans->by, "timeout") == 0	? "nobody answered in time"
				  : strcmp(ans->by, "no_approver") == 0 ? "no client can approve "
									  "(use a terminal, or "
									  "run `codexctl approvals "
									  "watch`)"
				  : ans->choice == APPROVAL_CHOICE_ABORT ? "aborted"
									 : "denied";

		audit_ev_approval_answer(j->c, j->audit_req, &j->req, what, ans->by);
		snprintf(msg, sizeof(msg), "%s; not approved: %s (%s)", j->dec.reason, why, ans->by);
		job_reply_error(j, CX_ERR_APPROVAL_DENIED, CX_REASON_APPROVAL_DENIED,
				json_pack("{s:s, s:s, s:i}", "decision", what, "by", ans->by,
					  "exit_code", 126),
				msg);
		return;
	}
	j->escalated = j->req.escalate;
	json_object_set_new(j->extra, "approved_by", json_string(ans->by));
	audit_ev_approval_answer(j->c, j->audit_req, &j->req,
				 ans->choice == APPROVAL_CHOICE_APPROVE_FOR_SESSION ? "approve_for_session"
				 : ans->always					 ? "approve_always"
										 : "approve",
				 ans->by);
	if (ans->choice == APPROVAL_CHOICE_APPROVE_FOR_SESSION) {
		sessions_note_grant(j->d, j->req.session);
		char *key = NULL;
		j->decision = "approve_for_session";
		r = job_grant_key(j, &key);
		if (r == 0)
			grant_add(j, key);
		else if (r == -ENOMEM) {
			job_fail_internal(j, r);
			return;
		}
	} else
		j->decision = ans->always ? "approve_always" : "approve";
	if (ans->always && j->dec.amendment) {
		r = rules_render_prefix_amendment(j->dec.amendment, &j->amendment);
		if (r == 0) {
			save_rule_then_run(j);
			return;
		}
		if (!job_warn(j, "the rule was not saved: the prefix cannot be written as a rule"))
			return;
	}
	job_run(j);
}

/* ------------------------------------------------------------------ evaluation */

static const char *resolved_of(const struct user_files *f, const char *program)
{
	for (char **p = f ? f->resolved : NULL; p && p[0] && p[1]; p += 2)
		if (strcmp(p[0], program) == 0)
			return p[1];
	return NULL;
}

/* Fold one result into a segment's verdict: strictest, then longest prefix. */
static int fold_result(struct job *j, size_t i, const struct rules_result *res,
		       struct approval_segment *s, size_t *best_len)
{
	json_t *js;

	if (!res->matched)
		return 0;
	for (size_t k = 0; k < res->n_matches; k++) {
		const struct rules_match *m = &res->matches[k];
		enum approval_rule_verdict v = m->decision == RULES_DECISION_FORBIDDEN
						       ? APPROVAL_RULE_FORBIDDEN
					       : m->decision == RULES_DECISION_PROMPT ? APPROVAL_RULE_PROMPT
										      : APPROVAL_RULE_ALLOW;
		if (v < s->verdict || (v == s->verdict && m->prefix_len <= *best_len))
			continue;
		s->verdict = v;
		*best_len = m->prefix_len;
		strv_free(j->seg[i].prefix);
		j->seg[i].prefix = NULL;
		free(j->seg[i].justification);
		j->seg[i].justification = m->justification ? strdup(m->justification) : NULL;
		for (size_t t = 0; t < m->prefix_len; t++)
			if (strv_extend(&j->seg[i].prefix, rules_match_token(res, m, t)) < 0)
				return -ENOMEM;
	}
	js = rules_result_to_json(res);
	if (!js)
		return -ENOMEM;
	{
		json_t *arr = json_object_get(js, "matchedRules"), *e;
		size_t k;
		json_array_foreach(arr, k, e)
		{
			json_t *m = json_object_get(e, "prefixRuleMatch");
			if (m) {
				json_object_set_new(m, "kind", json_string("prefix"));
				json_array_append(j->matched, m);
			}
		}
	}
	json_decref(js);
	return 0;
}

/*
 * Make an absolute path of a word the command names: "/x", "~/x", or
 * relative to cwd; the value of --opt=VALUE too.  Lexical: "a/../b" is
 * folded, which is what a reader of the command means (this check raises
 * prompts; the sandbox enforces).  NULL when the word is not a usable path.
 */
static char *word_path(const char *w, const char *cwd, const char *home)
{
	const char *eq;
	char *joined = NULL, *out, *o;
	const char *r;
	int x;

	if (w[0] == '-' && (eq = strchr(w, '=')))
		w = eq + 1;
	if (!w[0] || strlen(w) > CX_MAX_PATH || strchr(w, '\n'))
		return NULL;
	if (w[0] == '/')
		joined = strdup(w);
	else if (w[0] == '~' && (w[1] == '/' || !w[1])) {
		if (!home)
			return NULL;
		x = asprintf(&joined, "%s/%s", home, w + 1);
		if (x < 0)
			joined = NULL;
	} else if (w[0] == '-')
		return NULL;
	else if (asprintf(&joined, "%s/%s", cwd, w) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	out = malloc(strlen(joined) + 2);
	if (!out) {
		free(joined);
		return NULL;
	}
	o = out;
	r = joined;
	while (*r) {
		size_t n;
		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (n == 0)
			break;
		if (n == 1 && r[0] == '.') {
		} else if (n == 2 && r[0] == '.' && r[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else {
			*o++ = '/';
			memcpy(o, r, n);
			o += n;
		}
		r += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	free(joined);
	if (!path_is_absolute_normalized(out)) {
		free(out);
		return NULL;
	}
	return out;
}

static bool has_wildcard(const char *p)
{
	return strpbrk(p, "*?[\\") != NULL;
}

/* Append s to the pattern at *o with every pattern character made literal. */
static char *glob_escape_into(char *o, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[\\", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return o;
}

/*
 * The path (exact rule) or absolute pattern (wild) a glob rule's pattern
 * names for this command: absolute as written, "~/..." below home,
 * "**" + "/..." anywhere, anything else below the workspace.  *out is NULL
 * when the rule does not apply (a home-relative one without a home).
 */
static int glob_rule_path(const char *pattern, bool wild, const char *workspace,
			  const char *home, char **out)
{
	const char *base = NULL, *rest = pattern;
	char *p, *o;

	*out = NULL;
	if (pattern[0] == '/')
		base = "";
	else if (pattern[0] == '~') {
		if (!home)
			return 0;
		base = home;
		rest = pattern + 1;
	} else if (wild && strncmp(pattern, "**/", 3) == 0)
		base = "/";
	else {
		base = workspace;
		rest = pattern; /* joined with a '/' below */
	}
	p = malloc(2 * strlen(base) + strlen(rest) + 2);
	if (!p)
		return -ENOMEM;
	o = wild ? glob_escape_into(p, base) : stpcpy(p, base);
	if (base == workspace)
		*o++ = '/';
	strcpy(o, rest);
	*out = p;
	return 0;
}

/* Glob rules: prompts for named paths, and unreadable paths for the sandbox. */
static int eval_globs(struct job *j, const struct rules_set *set, const char *workspace,
		      const char *home)
{
	struct rules_glob_opts go = { .workspace = workspace, .home_dir = home };
	struct rules_set_stats st;
	bool unsandboxed = j->req.escalate || j->eff.sandbox_mode == SANDBOX_DANGER_FULL_ACCESS;
	int r;

	if (!set)
		return 0;
	rules_set_get_stats(set, &st);
	if (st.glob_rules == 0)
		return 0;
	/*
	 * Forbidden paths: unreadable (read access) or read-only (write access
	 * only) in the sandbox.  Exact read paths are masked by mounts;
	 * patterns go to the supervisor, which refuses every open of a match,
	 * files created later included.  A read-only pattern cannot be
	 * enforced that way: such rules are checked against the paths the
	 * command names, below, as are all of them when nothing of the
	 * sandbox is left (danger-full-access, escalation).
	 */
	for (size_t i = 0; i < st.glob_rules; i++) {
		const struct rules_glob_rule *g = rules_set_glob_rule(set, i);
		bool wild;
		char ***list;
		char *p = NULL;

		if (!g || g->decision != RULES_DECISION_FORBIDDEN)
			continue;
		wild = has_wildcard(g->pattern);
		if (wild && !(g->access & RULES_ACCESS_READ))
			continue;
		list = (g->access & RULES_ACCESS_READ) ? &j->extra_deny : &j->extra_readonly;
		r = glob_rule_path(g->pattern, wild, workspace, home, &p);
		if (r < 0)
			return r;
		if (!p)
			continue;
		if ((!wild && !path_is_absolute_normalized(p)) || strv_contains(*list, p)) {
			free(p);
			continue;
		}
		r = strv_push(list, p);
		if (r < 0) {
			free(p);
			return r;
		}
		/* Existing matches below the writable roots are masked as well. */
		if (wild && strncmp(g->pattern, "**/", 3) == 0 && !strv_contains(*list, g->pattern)) {
			char *rel = strdup(g->pattern);
			if (!rel)
				return -ENOMEM;
			r = strv_push(list, rel);
			if (r < 0) {
				free(rel);
				return r;
			}
		}
	}
	/* Paths the command names. */
	for (size_t i = 0; i < j->plan->n_segments; i++) {
		struct approval_segment *s = &j->plan->segments[i];
		size_t n = 0;

		for (char *const *w = s->argv + 1; *w && n < GLOB_WORDS_MAX; w++, n++) {
			_cleanup_free_ char *p = word_path(*w, j->req.cwd, home);
			struct rules_glob_result gr;
			enum approval_rule_verdict v;

			if (!p)
				continue;
			r = rules_glob_match(set, p, RULES_ACCESS_ANY, &go, &gr);
			if (r <= 0 || gr.decision == RULES_DECISION_ALLOW || !gr.rule)
				continue;
			/* A forbidden path the sandbox cannot enforce refuses here. */
			if (gr.decision == RULES_DECISION_FORBIDDEN && !unsandboxed &&
			    ((gr.rule->access & RULES_ACCESS_READ) || !has_wildcard(gr.rule->pattern)))
				continue;
			v = gr.decision == RULES_DECISION_FORBIDDEN ? APPROVAL_RULE_FORBIDDEN
								    : APPROVAL_RULE_PROMPT;
			if (v <= s->verdict)
				continue;
			s->verdict = v;
			strv_free(j->seg[i].prefix);
			j->seg[i].prefix = NULL;
			free(j->seg[i].justification);
			if (gr.rule->justification)
				j->seg[i].justification = strdup(gr.rule->justification);
			else if (asprintf(&j->seg[i].justification, "it names %s (glob_rule %s)", p,
					  gr.rule->pattern) < 0)
				j->seg[i].justification = NULL;
			{
				char where[CX_MAX_PATH + 32];
				snprintf(where, sizeof(where), "%s:%u", gr.rule->file, gr.rule->line);
				json_array_append_new(
					j->matched,
					json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s}", "kind", "glob",
						  "pattern", gr.rule->pattern, "path", p, "decision",
						  rules_decision_to_string(gr.decision), "justification",
						  gr.rule->justification, "layer",
						  rules_layer_to_string(gr.rule->layer), "source", where));
			}
		}
	}
	return 0;
}

static int eval_rules(struct job *j, const struct rules_set *user_set)
{
	const struct rules_set *sets[2] = { j->d->rules, user_set };
	const char *home = j->c->peer.home[0] && path_is_absolute_normalized(j->c->peer.home)
				   ? j->c->peer.home
				   : NULL;
	const char *workspace = j->files && j->files->project_root &&
					path_is_absolute_normalized(j->files->project_root) &&
					j->eff.project_trusted
				? j->files->project_root
				: j->req.cwd;
	int r;

	j->seg = calloc(j->plan->n_segments, sizeof(*j->seg));
	j->matched = json_array();
	if (!j->seg || !j->matched)
		return -ENOMEM;
	for (size_t i = 0; i < j->plan->n_segments; i++) {
		struct approval_segment *s = &j->plan->segments[i];
		const char *res = resolved_of(j->files, s->argv[0]);
		struct rules_eval_opts opts = { .home_dir = home };
		size_t best = 0;

		if (res) {
			j->seg[i].resolved = strdup(res);
			if (!j->seg[i].resolved)
				return -ENOMEM;
		}
		opts.resolved_program = j->seg[i].resolved;
		s->verdict = APPROVAL_RULE_NONE;
		for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
			struct rules_result rr = { 0 };
			if (!sets[k])
				continue;
			r = rules_eval_prefix(sets[k], s->argv, &opts, &rr);
			if (r < 0)
				return r;
			r = fold_result(j, i, &rr, s, &best);
			rules_result_clear(&rr);
			if (r < 0)
				return r;
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		r = eval_globs(j, sets[k], workspace, home);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < j->plan->n_segments; i++) {
		j->plan->segments[i].justification = j->seg[i].justification;
		j->plan->segments[i].matched_prefix = j->seg[i].prefix;
	}
	return 0;
}

/* ------------------------------------------------------------------ layers */

static void managed_from_config(const struct daemon_config *cfg, struct layers_managed *m)
{
	*m = (struct layers_managed){
		.sandbox_mode = cfg->sandbox_mode,
		.sandbox_mode_set = cfg->sandbox_mode_set,
		.approval = cfg->approval,
		.approval_set = cfg->approval_set,
		.writable_roots = cfg->ww_writable_roots,
		.network_access = cfg->ww_network_access,
		.network_access_set = cfg->ww_network_access_set,
		.exclude_slash_tmp = cfg->ww_exclude_slash_tmp,
		.exclude_tmpdir_env_var = cfg->ww_exclude_tmpdir_env_var,
		.exclude_set = cfg->ww_exclude_set,
		.env = &cfg->env,
		.allowed_sandbox_modes = cfg->allowed_sandbox_modes,
		.allowed_approval_policies = cfg->allowed_approval_policies,
		.user_writable_roots = cfg->user_writable_roots,
		.user_network_access = cfg->user_network_access,
		.user_layers = cfg->user_layers,
	};
}

/*
 * The caller's layers: config.toml (the user's, and the project's when
 * the user trusts the project) and rules files.  The user's rules add
 * matches beside the managed ones (the strictest decision wins, so they
 * cannot loosen a managed rule).  With [requirements] user_layers = false
 * all of them are ignored.  -EINVAL with err when one cannot be used (the
 * caller fails closed), another -errno on internal failure.
 */
static int load_user_layers(const struct job *j, struct conf_doc **user,
			    struct conf_doc **project, struct rules_set **rules, char *err,
			    size_t errsz)
{
	bool trusted;
	int r;

	if (!j->d->cfg->user_layers)
		return 0;
	if (j->files->error) {
		snprintf(err, errsz, "%s", j->files->error);
		return -EINVAL;
	}
	r = user_files_parse_config(&j->files->user_config, user, err, errsz);
	if (r < 0)
		return r;
	trusted = *user && j->files->project_root &&
		  layers_project_trusted(*user, j->files->project_root);
	if (trusted) {
		r = user_files_parse_config(&j->files->project_config, project, err, errsz);
		if (r < 0)
			return r;
	}
	return user_files_parse_rules(j->files, trusted, rules, err, errsz);
}

static int start_loader(struct job *j);

/*
 * network = "proxy": the sandbox's domain policy from every layer
 * (daemon/net_policy.h).  Returns 1 to go on, 0 when a reply was sent,
 * -errno on internal failure.
 */
static int decide_network(struct job *j, const struct rules_set *user_rules,
			  const struct conf_doc *user, const struct conf_doc *project)
{
	const struct daemon_config *cfg = j->d->cfg;
	_cleanup_strv_free_ char **warnings = NULL;
	struct net_policy_input ni = {
		.cfg = cfg,
		.managed_rules = j->d->rules,
		.user_rules = user_rules,
		.user = cfg->user_layers ? user : NULL,
		.project = cfg->user_layers ? project : NULL,
		.allow = j->req.allow_domains,
		.deny = j->req.deny_domains,
		.session_allow = sessions_network_domains(j->d, j->req.session, j->c->peer.uid),
	};
	char err[512] = "";
	int r;

	if (!cfg->net_enabled) {
		job_reply_error(j, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN,
				json_pack("{s:s, s:i}", "decision", "forbidden", "exit_code", 126),
				"proxied network is turned off by the configuration ([network] "
				"enabled = false)");
		return 0;
	}
	domain_policy_done(&j->net);
	j->have_net = false;
	r = net_policy_build(&ni, &j->net, &warnings, err, sizeof(err));
	if (r == -EINVAL) {
		if (strncmp(err, "params.", 7) == 0)
			job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL, err);
		else
			job_fail_closed(j, err);
		return 0;
	}
	if (r < 0)
		return r;
	j->have_net = true;
	j->net_ask = cfg->net_prompt_on_miss && j->eff.approval.policy != APPROVAL_NEVER;
	for (char **w = warnings; w && *w; w++)
		if (add_warning(j, *w) < 0)
			return -ENOMEM;
	if (proxy_outage(j->d)) {
		/* Fail closed, and say so: connections wait in the listeners. */
		char w[512];
		snprintf(w, sizeof(w),
			 "the network proxy is restarting (%.200s): network requests wait "
			 "until it is back, and fail if they time out first",
			 proxy_outage(j->d));
		if (add_warning(j, w) < 0)
			return -ENOMEM;
	}
	return 1;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void decide(struct job *j)
{
	const struct daemon_config *cfg = j->d->cfg;
	struct conn *c = j->c;
	_cleanup_conf_doc_ struct conf_doc *user = NULL, *project = NULL;
	_cleanup_(rules_set_freep) struct rules_set *user_rules = NULL;
	struct layers_managed m;
	struct layers_input in;
	struct approval_request areq;
	const char *path;
	char err[1024] = "";
	int r;

	json_object_del(j->extra, "warnings"); /* a second round starts afresh */

	/* 1. The caller's configuration (fail closed; ignored whole with user_layers off). */
	r = load_user_layers(j, &user, &project, &user_rules, err, sizeof(err));
	if (r == -EINVAL) {
		job_fail_closed(j, err);
		return;
	}
	if (r < 0)
		goto internal;

	/* 2. The layers. */
	if (j->have_eff) {
		layers_effective_done(&j->eff);
		j->have_eff = false;
	}
	managed_from_config(cfg, &m);
	in = (struct layers_input){
		.user = user,
		.project = project,
		.project_root = j->files->project_root,
		.overrides = j->req.config_overrides,
		.has_sandbox = j->req.has_sandbox,
		.sandbox = (enum sandbox_mode)j->req.sandbox,
		.approval_policy = j->req.approval_policy,
	};
	r = layers_resolve(&m, &in, &j->eff, err, sizeof(err));
	if (r == -EPERM) {
		audit_ev_exec_decision(c, j->audit_req, &j->req, "forbidden", "requirements", err,
				       NULL, NULL, NULL);
		job_reply_error(j, CX_ERR_FORBIDDEN, CX_REASON_REQUIREMENTS,
				json_pack("{s:s, s:i}", "decision", "forbidden", "exit_code", 126),
				err);
		return;
	}
	if (r == -EINVAL || r == -E2BIG) {
		job_fail_closed(j, err);
		return;
	}
	if (r < 0)
		goto internal;
	j->have_eff = true;
	for (char **w = j->eff.warnings; w && *w; w++)
		if (add_warning(j, *w) < 0)
			goto nomem;

	/* 3. The environment; programs are resolved again if its PATH changed. */
	strv_free(j->envp);
	j->envp = NULL;
	r = env_policy_apply(&j->eff.env, j->req.env, j->req.set_env, &j->envp);
	if (r == -ENOMEM)
		goto internal;
	if (r < 0) {
		job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
				r == -E2BIG ? "params.env: too large" : "params.env: malformed");
		return;
	}
	path = sandbox_env_get(j->envp, "PATH");
	if (!same_string(path, j->path)) {
		if (j->round > 0) {
			job_reply_error(j, CX_ERR_INTERNAL, CX_REASON_INTERNAL, NULL,
					"the command's PATH did not settle");
			return;
		}
		j->round++;
		free(j->path);
		j->path = path ? strdup(path) : NULL;
		if (path && !j->path)
			goto nomem;
		user_files_free(j->files);
		j->files = NULL;
		r = start_loader(j);
		if (r < 0)
			goto internal;
		return;
	}

	/* 4. The program argv[0] names, as the sandbox will run it. */
	if (!strchr(j->req.argv[0], '/')) {
		const char *p = resolved_of(j->files, j->req.argv[0]);
		if (!p) {
			char q[4 * 64 + 8];
			char msg[400];
			snprintf(msg, sizeof(msg), "cannot execute %s: No such file or directory (not "
						   "found in PATH)",
				 log_quote(q, sizeof(q), j->req.argv[0], strlen(j->req.argv[0]),
					   64));
			job_reply_error(j, CX_ERR_SPAWN, CX_REASON_SPAWN,
					json_pack("{s:s, s:s, s:i}", "stage", "exec", "errno",
						  "ENOENT", "exit_code", 127),
					msg);
			return;
		}
		j->program = strdup(p);
		if (!j->program)
			goto nomem;
	}

	/* [network] allow_unix_sockets after the layers (daemon/unix_allow.h). */
	{
		_cleanup_strv_free_ char **uw = NULL;
		strv_free(j->unix_sockets);
		j->unix_sockets = NULL;
		r = unix_allow_build(cfg, cfg->user_layers ? user : NULL,
				     cfg->user_layers ? project : NULL, &j->unix_allowlist,
				     &j->unix_sockets, &uw, err, sizeof(err));
		if (r == -EINVAL) {
			job_fail_closed(j, err);
			return;
		}
		if (r < 0)
			goto internal;
		for (char **w = uw; w && *w; w++)
			if (add_warning(j, *w) < 0)
				goto nomem;
	}

	/* 5. The network the request asks for, before anyone is asked to approve it. */
	if (j->req.has_network && !j->req.escalate) {
		enum sandbox_mode mode = j->eff.sandbox_mode;
		if (j->req.network == NET_PROXY) {
			r = decide_network(j, user_rules, user, project);
			if (r <= 0) {
				if (r < 0)
					goto internal;
				return;
			}
		}
		if (j->req.network == NET_FULL && mode != SANDBOX_DANGER_FULL_ACCESS &&
		    !(mode == SANDBOX_WORKSPACE_WRITE && j->eff.network_access)) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "full network access inside a %s sandbox is not allowed by the "
				 "configuration ([sandbox_workspace_write] network_access)",
				 sandbox_mode_to_string(mode));
			audit_ev_net_mode(c, j->audit_req, &j->req, "deny", msg);
			job_reply_error(j, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN,
					json_pack("{s:s, s:i}", "decision", "forbidden", "exit_code",
						  126),
					msg);
			return;
		}
	}

	/* 6. Requested writable roots under [requirements]. */
	if (j->req.writable_roots && !cfg->user_writable_roots) {
		strv_free(j->req.writable_roots);
		j->req.writable_roots = NULL;
		if (add_warning(j, "writable_roots were ignored: not allowed by [requirements] "
				   "user_writable_roots") < 0)
			goto nomem;
	}

	/* 7. Rules and the decision table. */
	r = eval_rules(j, user_rules);
	if (r < 0)
		goto internal;
	areq = (struct approval_request){
		.argv = j->req.argv,
		.segments = j->plan->segments,
		.n_segments = j->plan->n_segments,
		.complex_parse = j->plan->complex_parse,
		.config = j->eff.approval,
		.sandbox = j->eff.sandbox_mode,
		.escalate = j->req.escalate,
		.requested_prefix = j->req.prefix_rule,
	};
	r = approval_decide(&areq, &j->dec);
	if (r < 0)
		goto internal;
	j->have_dec = true;
	json_object_set_new(j->extra, "decision_source",
			    json_string(approval_source_to_string(j->dec.source)));
	audit_ev_exec_decision(c, j->audit_req, &j->req, approval_outcome_to_string(j->dec.outcome),
			       approval_source_to_string(j->dec.source), j->dec.reason, j->matched,
			       sandbox_mode_to_string(j->eff.sandbox_mode),
			       approval_policy_to_string(j->eff.approval.policy));

	switch (j->dec.outcome) {
	case APPROVAL_OUTCOME_FORBIDDEN:
		log_info("uid %u: refused: %s", (unsigned)c->peer.uid, j->dec.reason);
		job_reply_error(j, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN,
				json_pack("{s:s, s:s, s:O, s:i}", "decision", "forbidden", "source",
					  approval_source_to_string(j->dec.source), "matched_rules",
					  j->matched, "exit_code", 126),
				j->dec.reason);
		return;
	case APPROVAL_OUTCOME_SUGGEST:
		log_info("uid %u: suggested, not run: %s", (unsigned)c->peer.uid, j->dec.reason);
		conn_reply_result(c, &j->id,
				  json_pack("{s:n, s:s, s:s, s:O, s:O}", "id", "decision", "suggest",
					    "reason", j->dec.reason, "matched_rules", j->matched,
					    "warnings",
					    json_object_get(j->extra, "warnings")
						    ? json_object_get(j->extra, "warnings")
						    : json_array()));
		job_done(j);
		return;
	case APPROVAL_OUTCOME_NEEDS_APPROVAL: {
		unsigned choices = approval_available_choices(&areq, &j->dec);
		_cleanup_free_ char *key = NULL;
		char *const *prefix = j->dec.amendment;
		struct approval_ask ask;

		if ((choices & APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION)) &&
		    job_grant_key(j, &key) == 0 && grant_has(j->d, c->peer.uid, key)) {
			j->decision = "approve_for_session";
			j->escalated = j->req.escalate;
			json_object_set_new(j->extra, "approved_by", json_string("session"));
			audit_ev_approval_answer(c, j->audit_req, &j->req, "approve_for_session",
						 "session");
			job_run(j);
			return;
		}
		if (key == NULL)
			choices &= ~APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION);
		/*
		 * "Don't ask again" saves an allow rule in the user's layer: never an
		 * over-broad one, never where user rules are not read, and never for
		 * leaving the sandbox (an allow rule is no answer to that question).
		 */
		if (prefix && (rules_prefix_is_too_broad(prefix) || !cfg->user_layers ||
			       j->req.escalate))
			prefix = NULL;
		ask = (struct approval_ask){
			.session = j->req.session,
			.argv = j->req.argv,
			.cwd = j->req.cwd,
			.reason = j->dec.reason,
			.justification = j->req.justification,
			.escalate = j->req.escalate,
			.sandbox = sandbox_mode_to_string(j->req.escalate ? SANDBOX_DANGER_FULL_ACCESS
									   : j->eff.sandbox_mode),
			.matched_rules = j->matched,
			.proposed_prefix = prefix,
			.choices = choices,
		};
		r = approvals_ask(c, &ask, on_answer, j, &j->ap);
		if (r == 0)
			audit_ev_approval_request(c, j->audit_req, &j->req, j->dec.reason);
		if (r == -EUSERS) {
			job_reply_error(j, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					"too many approvals pending");
			return;
		}
		if (r < 0)
			goto internal;
		return;
	}
	case APPROVAL_OUTCOME_ALLOW:
	default:
		j->decision = "allow";
		job_run(j);
		return;
	}
nomem:
	r = -ENOMEM;
internal:
	job_fail_internal(j, r);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (char *const *p = v; a && p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

/* config/show with a cwd: the caller's effective configuration, layer by layer. */
static void show_reply(struct job *j, int load_err)
{
	const struct daemon_config *cfg = j->d->cfg;
	_cleanup_conf_doc_ struct conf_doc *user = NULL, *project = NULL;
	_cleanup_(rules_set_freep) struct rules_set *rules = NULL;
	json_t *errors = json_array(), *eff = json_object(), *files = json_object(), *rf;
	struct layers_managed m;
	struct layers_input in;
	struct layers_effective e;
	bool trusted = false;
	char err[1024] = "";
	int r;

	if (!errors || !eff || !files) {
		json_decref(errors);
		json_decref(eff);
		json_decref(files);
		job_fail_internal(j, -ENOMEM);
		return;
	}
	if (load_err < 0) {
		snprintf(err, sizeof(err), "cannot read your configuration files: %s",
			 strerror(-load_err));
		json_array_append_new(errors, json_string(err));
	} else if (j->files->error)
		json_array_append_new(errors, json_string(j->files->error));
	if (load_err == 0 && cfg->user_layers) {
		if (user_files_parse_config(&j->files->user_config, &user, err, sizeof(err)) < 0)
			json_array_append_new(errors, json_string(err));
		trusted = user && j->files->project_root &&
			  layers_project_trusted(user, j->files->project_root);
		if (trusted && user_files_parse_config(&j->files->project_config, &project, err,
					      sizeof(err)) < 0)
			json_array_append_new(errors, json_string(err));
		if (user_files_parse_rules(j->files, trusted, &rules, err, sizeof(err)) < 0)
			json_array_append_new(errors, json_string(err));
		json_object_set_new(files, "user_config",
				    j->files->user_config.name
					    ? json_string(j->files->user_config.name)
					    : json_null());
		json_object_set_new(files, "project_root", j->files->project_root
								   ? json_string(j->files->project_root)
								   : json_null());
		json_object_set_new(files, "project_trusted", json_boolean(trusted));
		json_object_set_new(files, "project_config",
				    trusted && j->files->project_config.name
					    ? json_string(j->files->project_config.name)
					    : json_null());
		rf = json_array();
		for (size_t i = 0; rf && i < j->files->n_user_rules; i++)
			json_array_append_new(rf, json_string(j->files->user_rules[i].name));
		for (size_t i = 0; rf && trusted && i < j->files->n_project_rules; i++)
			json_array_append_new(rf, json_string(j->files->project_rules[i].name));
		json_object_set_new(files, "rules", rf);
		if (user)
			json_object_set_new(eff, "user", conf_doc_to_json(user));
		if (project)
			json_object_set_new(eff, "project", conf_doc_to_json(project));
	}
	managed_from_config(cfg, &m);
	in = (struct layers_input){ .user = user,
				    .project = project,
				    .project_root = trusted ? j->files->project_root : NULL,
				    .overrides = j->req.config_overrides };
	r = layers_resolve(&m, &in, &e, err, sizeof(err));
	if (r == -ENOMEM) {
		json_decref(errors);
		json_decref(eff);
		json_decref(files);
		job_fail_internal(j, r);
		return;
	}
	if (r < 0)
		json_array_append_new(errors, json_string(err));
	else {
		json_object_set_new(eff, "sandbox_mode",
				    json_string(sandbox_mode_to_string(e.sandbox_mode)));
		json_object_set_new(eff, "approval_policy",
				    json_string(approval_policy_to_string(e.approval.policy)));
		json_object_set_new(eff, "writable_roots", strv_json(e.writable_roots));
		json_object_set_new(eff, "network_access", json_boolean(e.network_access));
		json_object_set_new(eff, "exclude_slash_tmp", json_boolean(e.exclude_slash_tmp));
		json_object_set_new(eff, "exclude_tmpdir_env_var",
				    json_boolean(e.exclude_tmpdir_env_var));
		json_object_set_new(eff, "profile", e.profile ? json_string(e.profile) : json_null());
		json_object_set_new(eff, "origins",
				    json_pack("{s:s, s:s}", "sandbox_mode", e.sandbox_origin,
					      "approval_policy", e.approval_origin));
		json_object_set_new(eff, "warnings", strv_json(e.warnings));
		layers_effective_done(&e);
	}
	json_object_set_new(eff, "files", files);
	json_object_set_new(eff, "errors", errors);
	json_object_set_new(j->show, "effective", eff);
	conn_reply_result(j->c, &j->id, json_incref(j->show));
	job_done(j);
}

static void on_files(void *userdata, struct user_files *files, int err)
{
	struct job *j = userdata;
	char msg[256];

	j->loader = NULL;
	if (j->show) {
		j->files = files;
		show_reply(j, err);
		return;
	}
	if (err < 0) {
		snprintf(msg, sizeof(msg), "cannot read your configuration files: %s",
			 err == -ETIMEDOUT ? "timed out" : strerror(-err));
		job_fail_closed(j, msg);
		return;
	}
	j->files = files;
	decide(j);
}

static int start_loader(struct job *j)
{
	struct user_files_request ur = job_files_request(j);

	ur.cwd = j->req.cwd;
	ur.programs = j->programs;
	ur.path = j->path;

	return user_files_load(j->d, &ur, on_files, j, &j->loader);
}

/* ------------------------------------------------------------------ entry points */

static unsigned jobs_of_uid(struct daemon *d, uid_t uid)
{
	struct list_node *pos, *tmp;
	unsigned n = 0;

	LIST_FOREACH_SAFE(pos, tmp, &d->jobs)
	{
		if (list_entry(pos, struct job, node)->c->peer.uid == uid)
			n++;
	}
	return n;
}

int decide_exec_start(struct conn *c, const struct rpc_id *id, struct exec_request *req,
		      int *stdio_fds)
{
	struct daemon *d = c->d;
	const struct daemon_config *cfg = d->cfg;
	_cleanup_strv_free_ char **envp = NULL;
	struct job *j;
	char err[512];
	int r;

	if (d->n_jobs >= cfg->max_execs || jobs_of_uid(d, c->peer.uid) >= cfg->max_execs_per_uid) {
		exec_request_done(req);
		for (int i = 0; stdio_fds && i < 3; i++)
			safe_close(stdio_fds[i]);
		return conn_reply_error(c, id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					"too many commands waiting for a decision");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		exec_request_done(req);
		for (int i = 0; stdio_fds && i < 3; i++)
			safe_close(stdio_fds[i]);
		return -ENOMEM;
	}
	j->d = d;
	j->c = c;
	j->id = *id;
	j->req = *req;
	*req = (struct exec_request){ 0 };
	for (int i = 0; i < 3; i++)
		j->fds[i] = stdio_fds ? TAKE_FD(stdio_fds[i]) : -1;
	list_add_tail(&d->jobs, &j->node);
	list_add_tail(&c->jobs, &j->conn_node);
	d->n_jobs++;

	j->extra = json_object();
	if (!j->extra) {
		r = -ENOMEM;
		goto fail;
	}
	audit_ev_new_request_id(d, j->audit_req);
	audit_ev_exec_request(c, j->audit_req, &j->req);
	{
		/* Refuse early while the audit log fails: nobody is asked to approve in vain. */
		const char *why = NULL;
		if (audit_available(d->audit, &why) < 0 && audit_refuses(d->audit)) {
			snprintf(err, sizeof(err),
				 "audit unavailable: %s; no command starts until it can be written",
				 why);
			job_reply_error(j, CX_ERR_AUDIT_UNAVAILABLE, CX_REASON_AUDIT_UNAVAILABLE,
					json_pack("{s:i}", "exit_code", 126), err);
			return 0;
		}
		r = sessions_apply_request(d, c, &j->req, err, sizeof(err));
		if (r == -ENOMEM)
			goto fail;
		if (r < 0) {
			job_reply_error(j, r == -EPERM ? CX_ERR_NOT_FOUND : CX_ERR_STATE,
					r == -EPERM ? CX_REASON_NOT_FOUND : CX_REASON_STATE, NULL, err);
			return 0;
		}
	}
	if (j->req.profile) {
		_cleanup_free_ char *o = NULL;
		if (asprintf(&o, "profile=\"%s\"", j->req.profile) < 0 ||
		    strv_extend(&j->req.config_overrides, o) < 0) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (j->req.config_overrides) {
		_cleanup_conf_doc_ struct conf_doc *ov = conf_doc_new();
		if (!ov) {
			r = -ENOMEM;
			goto fail;
		}
		r = layers_parse_overrides(j->req.config_overrides, ov, err, sizeof(err));
		if (r == -ENOMEM)
			goto fail;
		if (r < 0) {
			job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
					err);
			return 0;
		}
	}
	r = approval_plan_build(j->req.argv, &j->plan);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0) {
		job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
				"params.argv: cannot be evaluated");
		return 0;
	}
	/* Programs: argv[0] and the first word of every part of a shell script. */
	r = strv_extend(&j->programs, j->req.argv[0]);
	for (size_t i = 0; r == 0 && i < j->plan->n_segments; i++)
		if (!strv_contains(j->programs, j->plan->segments[i].argv[0]))
			r = strv_extend(&j->programs, j->plan->segments[i].argv[0]);
	if (r < 0)
		goto fail;
	/* The PATH programs are looked up in: the managed environment policy's. */
	r = env_policy_apply(&cfg->env, j->req.env, j->req.set_env, &envp);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0) {
		job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
				r == -E2BIG ? "params.env: too large" : "params.env: malformed");
		return 0;
	}
	{
		const char *p = sandbox_env_get(envp, "PATH");
		if (p && !(j->path = strdup(p))) {
			r = -ENOMEM;
			goto fail;
		}
	}
	r = start_loader(j);
	if (r < 0)
		goto fail;
	return 0;
fail:
	job_free(j);
	return r;
}

int decide_config_show(struct conn *c, const struct rpc_id *id, char *cwd, char **overrides,
		       json_t *base)
{
	struct daemon *d = c->d;
	struct job *j;
	char err[512];
	int r;

	if (d->n_jobs >= d->cfg->max_execs ||
	    jobs_of_uid(d, c->peer.uid) >= d->cfg->max_execs_per_uid) {
		free(cwd);
		strv_free(overrides);
		json_decref(base);
		return conn_reply_error(c, id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					"too many requests waiting");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		free(cwd);
		strv_free(overrides);
		json_decref(base);
		return -ENOMEM;
	}
	j->d = d;
	j->c = c;
	j->id = *id;
	j->req.cwd = cwd;
	j->req.config_overrides = overrides;
	j->show = base;
	j->fds[0] = j->fds[1] = j->fds[2] = -1;
	list_add_tail(&d->jobs, &j->node);
	list_add_tail(&c->jobs, &j->conn_node);
	d->n_jobs++;
	if (overrides) {
		_cleanup_conf_doc_ struct conf_doc *ov = conf_doc_new();
		r = ov ? layers_parse_overrides(overrides, ov, err, sizeof(err)) : -ENOMEM;
		if (r == -ENOMEM)
			goto fail;
		if (r < 0) {
			job_reply_error(j, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
					err);
			return 0;
		}
	}
	r = start_loader(j);
	if (r < 0)
		goto fail;
	return 0;
fail:
	job_free(j);
	return r;
}

void decide_conn_gone(struct conn *c)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &c->jobs)
	{
		struct job *j = list_entry(pos, struct job, conn_node);
		/*
		 * The requester left while its approval was pending: job_free
		 * withdraws the approval (approvers see approval/resolved) and
		 * nothing runs; the audit trail says so.
		 */
		if (j->ap)
			audit_ev_approval_answer(c, j->audit_req, &j->req, "abort",
						 "requester_gone");
		j->c = NULL;
		job_free(j);
	}
	decide_forget_conn_grants(c);
}

bool decide_cancel_request(struct conn *c, const struct rpc_id *id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &c->jobs)
	{
		struct job *j = list_entry(pos, struct job, conn_node);
		if (j->show || j->id.type != id->type ||
		    (id->type == RPC_ID_INT ? j->id.num != id->num : strcmp(j->id.str, id->str) != 0))
			continue;
		log_info("uid %u: exec/start %s cancelled before it started%s",
			 (unsigned)c->peer.uid, j->audit_req, j->ap ? " (approval withdrawn)" : "");
		/* As when the requester leaves: the pending approval's end is recorded. */
		if (j->ap)
			audit_ev_approval_answer(c, j->audit_req, &j->req, "abort", "cancelled");
		job_reply_error(j, CX_ERR_CANCELLED, CX_REASON_CANCELLED,
				json_pack("{s:s, s:i}", "decision", "cancelled", "exit_code", 126),
				"cancelled by the client before it started (exec/cancel)");
		return true;
	}
	return false;
}

void decide_cancel_all(struct daemon *d)
{
	/* One at a time from the head: a reply may close a connection and free its other jobs. */
	while (!list_empty(&d->jobs)) {
		struct job *j = list_entry(d->jobs.next, struct job, node);
		job_reply_error(j, CX_ERR_SHUTTING_DOWN, CX_REASON_SHUTTING_DOWN, NULL,
				"codexd is shutting down");
	}
}
