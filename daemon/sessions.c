/* SPDX-License-Identifier: MIT */
/*
 * Sessions and the exec <-> session/request bookkeeping (daemon/sessions.h).
 *
 * Trust: every field of session/create is client input, decoded strictly
 * (common/jdecode.h), bounded and stored as data; the workspace is only
 * ever handed to the sandbox builder (which opens it as the user's
 * sandbox would, never with root's credentials).  Secrets come from
 * root-owned files the administrator wrote; they are read as root, only
 * the caller's own file (named after the caller's user name from the
 * passwd database, not from the request), and wiped from memory once the
 * setup command has been started.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "common/jdecode.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/audit.h"
#include "daemon/audit_conf.h"
#include "daemon/audit_events.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/exec.h"
#include "daemon/sessions.h"
#include "policy/approval.h"
#include "policy/env_policy.h"
#include "policy/modes.h"
#include "policy/rules.h"

/* Iteration that must not remove the current element. */
#define SESS_FOREACH(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define SECRETS_FILE_MAX (64 * 1024)
#define SETUP_SCRIPT_MAX (64 * 1024)

enum session_state {
	SESSION_SETUP,        /* the setup command runs */
	SESSION_READY,
	SESSION_SETUP_FAILED, /* its setup command failed: nothing else runs */
	SESSION_ENDED,        /* killed */
	SESSION_EXPIRED,      /* idle longer than [sessions] idle_timeout_ms */
	_SESSION_STATE_MAX,
};

static const char *const state_names[_SESSION_STATE_MAX] = { "setup", "ready", "setup_failed",
							     "ended", "expired" };

/* Idle sessions are looked for this often at most (and at least every minute). */
#define EXPIRE_CHECK_MIN_MS 500
#define EXPIRE_CHECK_MAX_MS 60000

struct session {
	struct list_node node;
	char id[SESSION_ID_MAX];
	uid_t uid;
	char user[64];
	char *workspace;
	char *label;
	int sandbox; /* enum sandbox_mode, or -1: configuration decides */
	char *approval_policy;
	char **network_domains;
	char **secret_names;
	uint64_t created_usec;
	uint64_t active_usec; /* last activity: created, a command named it, started or ended */
	enum session_state state;
	char setup_exec[24];
	int setup_status;
	unsigned execs_running;
	uint64_t execs_total;
	unsigned grants;
};

struct tracked {
	struct list_node node;
	char exec_id[24];
	char request[AUDIT_REQ_ID_MAX];
	char *session;
	uid_t uid;
	char user[64];
};

struct sessions {
	struct list_node list;
	unsigned n;
	struct list_node execs;
	uv_timer_t expire_timer; /* looks for idle sessions */
};

static uint64_t now_usec(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* Finished sessions are kept (their id stays refused) until room is needed. */
static bool session_over(const struct session *s)
{
	return s->state == SESSION_ENDED || s->state == SESSION_EXPIRED;
}

/*
 * A session nothing happened in for [sessions] idle_timeout_ms ends, with
 * an audit record; one with a command still running never does (its
 * activity is the command's end).
 */
static void expire_idle(struct daemon *d)
{
	int64_t idle_ms = d->cfg->audit->sessions_idle_timeout_ms;
	uint64_t now = now_usec();
	struct list_node *pos;

	if (idle_ms <= 0)
		return;
	SESS_FOREACH(pos, &d->sessions->list)
	{
		struct session *s = list_entry(pos, struct session, node);
		if (session_over(s) || s->execs_running > 0 ||
		    now < s->active_usec + (uint64_t)idle_ms * 1000)
			continue;
		s->state = SESSION_EXPIRED;
		audit_append(d->audit, "session.expire",
			     json_pack("{s:I, s:s, s:s, s:I, s:I}", "uid", (json_int_t)s->uid, "user",
				       s->user, "session", s->id, "idle_ms",
				       (json_int_t)((now - s->active_usec) / 1000), "idle_timeout_ms",
				       (json_int_t)idle_ms));
		log_info("session %s of uid %u expired (idle for %llu s)", s->id, (unsigned)s->uid,
			 (unsigned long long)((now - s->active_usec) / 1000000));
	}
}

static void on_expire_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	int64_t idle_ms = d->cfg->audit->sessions_idle_timeout_ms;
	uint64_t next = idle_ms > 0 ? (uint64_t)idle_ms / 4 : EXPIRE_CHECK_MAX_MS;

	expire_idle(d);
	/* Re-armed each time: a reload may have changed the timeout. */
	uv_timer_start(t, on_expire_timer,
		       next < EXPIRE_CHECK_MIN_MS	? EXPIRE_CHECK_MIN_MS
		       : next > EXPIRE_CHECK_MAX_MS ? EXPIRE_CHECK_MAX_MS
						    : next,
		       0);
}

int sessions_init(struct daemon *d)
{
	struct sessions *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	list_init(&s->list);
	list_init(&s->execs);
	d->sessions = s;
	uv_timer_init(d->loop, &s->expire_timer);
	s->expire_timer.data = d;
	uv_unref((uv_handle_t *)&s->expire_timer); /* never keeps the daemon alive */
	on_expire_timer(&s->expire_timer);
	return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
	(void)h;
}

static void session_free(struct session *s)
{
	list_del(&s->node);
	free(s->workspace);
	free(s->label);
	free(s->approval_policy);
	strv_free(s->network_domains);
	strv_free(s->secret_names);
	free(s);
}

void sessions_free(struct daemon *d)
{
	struct sessions *ss = d->sessions;
	struct list_node *pos, *tmp;

	if (!ss)
		return;
	uv_close((uv_handle_t *)&ss->expire_timer, on_timer_closed);
	uv_run(d->loop, UV_RUN_NOWAIT);
	LIST_FOREACH_SAFE(pos, tmp, &ss->list)
	{
		session_free(list_entry(pos, struct session, node));
	}
	LIST_FOREACH_SAFE(pos, tmp, &ss->execs)
	{
		struct tracked *t = list_entry(pos, struct tracked, node);
		list_del(&t->node);
		free(t->session);
		free(t);
	}
	free(ss);
	d->sessions = NULL;
}

static struct session *session_find(struct daemon *d, const char *id)
{
	struct list_node *pos;

	if (!d->sessions || !id)
		return NULL;
	SESS_FOREACH(pos, &d->sessions->list)
	{
		struct session *s = list_entry(pos, struct session, node);
		if (strcmp(s->id, id) == 0)
			return s;
	}
	return NULL;
}

static struct tracked *tracked_find(struct daemon *d, const char *exec_id)
{
	struct list_node *pos;

	if (!d->sessions)
		return NULL;
	SESS_FOREACH(pos, &d->sessions->execs)
	{
		struct tracked *t = list_entry(pos, struct tracked, node);
		if (strcmp(t->exec_id, exec_id) == 0)
			return t;
	}
	return NULL;
}

void sessions_track_exec(struct daemon *d, const char *exec_id, const char *request_id,
			 const char *session, uid_t uid, const char *user)
{
	struct tracked *t;
	struct session *s;

	if (!d->sessions || tracked_find(d, exec_id))
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	snprintf(t->exec_id, sizeof(t->exec_id), "%s", exec_id);
	snprintf(t->request, sizeof(t->request), "%s", request_id ? request_id : "");
	t->session = session ? strdup(session) : NULL;
	t->uid = uid;
	snprintf(t->user, sizeof(t->user), "%s", user ? user : "");
	list_add_tail(&d->sessions->execs, &t->node);
	s = session_find(d, session);
	if (s) {
		s->execs_running++;
		s->execs_total++;
		s->active_usec = now_usec();
	}
}

const char *sessions_exec_session(struct daemon *d, const char *exec_id)
{
	struct tracked *t = tracked_find(d, exec_id);
	return t ? t->session : NULL;
}

const char *sessions_exec_user(struct daemon *d, const char *exec_id)
{
	struct tracked *t = tracked_find(d, exec_id);
	return t && t->user[0] ? t->user : NULL;
}

const char *sessions_exec_request(struct daemon *d, const char *exec_id)
{
	struct tracked *t = tracked_find(d, exec_id);
	return t && t->request[0] ? t->request : NULL;
}

void sessions_untrack_exec(struct daemon *d, const char *exec_id, int status)
{
	struct tracked *t = tracked_find(d, exec_id);
	struct session *s;

	if (!t)
		return;
	s = session_find(d, t->session);
	if (s) {
		if (s->execs_running > 0)
			s->execs_running--;
		s->active_usec = now_usec();
		if (s->state == SESSION_SETUP && strcmp(s->setup_exec, exec_id) == 0) {
			s->setup_status = status;
			s->state = status == 0 ? SESSION_READY : SESSION_SETUP_FAILED;
			audit_append(d->audit, "session.setup_done",
				     json_pack("{s:I, s:s, s:s, s:i, s:s}", "uid", (json_int_t)s->uid,
					       "user", s->user, "session", s->id, "status", status,
					       "state", state_names[s->state]));
		}
	}
	list_del(&t->node);
	free(t->session);
	free(t);
}

char *const *sessions_network_domains(struct daemon *d, const char *session, uid_t uid)
{
	struct session *s = session_find(d, session);

	return s && s->uid == uid ? s->network_domains : NULL;
}

void sessions_note_grant(struct daemon *d, const char *session)
{
	struct session *s = session_find(d, session);

	if (s) {
		s->grants++;
		s->active_usec = now_usec();
	}
}

int sessions_apply_request(struct daemon *d, struct conn *c, struct exec_request *req,
			   char *msg, size_t msgsz)
{
	struct session *s = session_find(d, req->session);

	if (!s)
		return 0;
	if (s->uid != c->peer.uid && c->role < ROLE_ADMIN) {
		snprintf(msg, msgsz, "session %s belongs to another user", s->id);
		return -EPERM;
	}
	if (s->state != SESSION_READY) {
		snprintf(msg, msgsz, "session %s is %s", s->id,
			 s->state == SESSION_SETUP	   ? "still in its setup phase"
			 : s->state == SESSION_SETUP_FAILED ? "unusable: its setup command failed"
			 : s->state == SESSION_EXPIRED	   ? "expired (idle too long: [sessions] "
							     "idle_timeout_ms)"
							    : "ended");
		return -ESRCH;
	}
	s->active_usec = now_usec();
	if (!req->has_sandbox && s->sandbox >= 0) {
		req->sandbox = s->sandbox;
		req->has_sandbox = true;
	}
	if (!req->approval_policy && s->approval_policy) {
		req->approval_policy = strdup(s->approval_policy);
		if (!req->approval_policy)
			return -ENOMEM;
	}
	return 0;
}

static json_t *session_json(const struct session *s, bool full)
{
	char t[40], active[40];
	uint64_t now = now_usec();
	json_t *o;

	audit_format_time(s->created_usec, t, sizeof(t));
	audit_format_time(s->active_usec, active, sizeof(active));
	o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:s, s:I}", "id", s->id,
		      "uid", (json_int_t)s->uid, "user", s->user, "workspace", s->workspace,
		      "state", state_names[s->state], "created", t, "execs_running",
		      (int)s->execs_running, "execs_total", (json_int_t)s->execs_total,
		      "approval_grants", (int)s->grants, "last_active", active, "idle_seconds",
		      (json_int_t)(s->execs_running > 0 || now < s->active_usec
					   ? 0
					   : (now - s->active_usec) / 1000000));
	if (!o)
		return NULL;
	json_object_set_new(o, "sandbox",
			    s->sandbox >= 0
				    ? json_string(sandbox_mode_to_string((enum sandbox_mode)s->sandbox))
				    : json_null());
	json_object_set_new(o, "approval_policy",
			    s->approval_policy ? json_string(s->approval_policy) : json_null());
	json_object_set_new(o, "label", s->label ? json_string(s->label) : json_null());
	if (full) {
		json_t *dom = json_array(), *sec = json_array();
		for (char **p = s->network_domains; dom && p && *p; p++)
			json_array_append_new(dom, json_string(*p));
		for (char **p = s->secret_names; sec && p && *p; p++)
			json_array_append_new(sec, json_string(*p));
		json_object_set_new(o, "network_domains", dom ? dom : json_array());
		if (s->setup_exec[0] || s->secret_names)
			json_object_set_new(o, "setup",
					    json_pack("{s:s, s:o, s:o}", "exec", s->setup_exec,
						      "status",
						      s->state == SESSION_SETUP
							      ? json_null()
							      : json_integer(s->setup_status),
						      "secrets", sec ? sec : json_array()));
		else
			json_decref(sec);
	}
	return o;
}

json_t *sessions_status_json(struct daemon *d)
{
	unsigned n[_SESSION_STATE_MAX] = { 0 };
	struct list_node *pos;

	if (!d->sessions)
		return json_pack("{s:i}", "total", 0);
	SESS_FOREACH(pos, &d->sessions->list)
	{
		n[list_entry(pos, struct session, node)->state]++;
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "total", (int)d->sessions->n, "setup",
			 (int)n[SESSION_SETUP], "ready", (int)n[SESSION_READY], "setup_failed",
			 (int)n[SESSION_SETUP_FAILED], "ended", (int)n[SESSION_ENDED], "expired",
			 (int)n[SESSION_EXPIRED]);
}

/* ------------------------------------------------------------------ secrets */

/*
 * NAME=VALUE lines of a root-only file ('#' comments, blank lines).  The
 * file is the administrator's; it must be root's and unreadable by
 * others, since whoever reads it holds every secret in it.
 */
static int read_secrets(const char *path, bool credential, char *const *want, char ***env,
			char *msg, size_t msgsz)
{
	_cleanup_close_ int fd = -1;
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	int r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (!credential && (st.st_mode & 077)) || st.st_size > SECRETS_FILE_MAX) {
		log_error("secrets file %s must be a root-owned regular file of mode 0600 or 0400 "
			  "(at most %d bytes): ignored",
			  path, SECRETS_FILE_MAX);
		snprintf(msg, msgsz, "the secrets file is not usable (see the daemon's log)");
		return -EPERM;
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		r = negative_errno();
		goto out;
	}
	for (char *line = buf, *next; line && *line; line = next) {
		char *eq;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (strv_contains(want, line)) {
			char *e = NULL;
			*eq = '=';
			/* Later sources win: drop an earlier value of the same name. */
			for (char **p = *env; p && *p; p++) {
				size_t kl = (size_t)(eq - line);
				if (strncmp(*p, line, kl) == 0 && (*p)[kl] == '=') {
					sodium_memzero(*p, strlen(*p));
					(*p)[0] = '_';
				}
			}
			e = strdup(line);
			if (!e || strv_push(env, e) < 0) {
				free(e);
				r = -ENOMEM;
				goto out;
			}
		}
	}
out:
	sodium_memzero(buf, (size_t)st.st_size + 1);
	free(buf);
	return r;
}

static void env_wipe(char **env)
{
	for (char **p = env; p && *p; p++)
		sodium_memzero(*p, strlen(*p));
	strv_free(env);
}

/* ------------------------------------------------------------------ methods */

struct create_params {
	char *workspace;
	int sandbox;
	char *approval_policy;
	char *label;
	char **network_domains;
	json_t *setup;
};

struct setup_params {
	char *script;
	char **secrets;
	int64_t timeout_ms;
};

static int parse_setup(json_t *v, void *dst, char *err, size_t errsz)
{
	if (!json_is_object(v)) {
		snprintf(err, errsz, "must be an object");
		return -EINVAL;
	}
	*(json_t **)dst = json_incref(v);
	return 0;
}

static void free_setup(void *dst)
{
	json_decref(*(json_t **)dst);
	*(json_t **)dst = NULL;
}

enum { C_WORKSPACE, C_SANDBOX, C_APPROVAL, C_LABEL, C_DOMAINS, C_SETUP };

static const struct jd_field create_fields[] = {
	[C_WORKSPACE] = { "workspace", JD_STRING, offsetof(struct create_params, workspace),
			  JD_REQUIRED | JD_ABS_PATH, 0, CX_MAX_PATH },
	[C_SANDBOX] = { "sandbox", JD_ENUM, offsetof(struct create_params, sandbox), 0, 0, 0, 0,
			sandbox_mode_names },
	[C_APPROVAL] = { "approval_policy", JD_STRING,
			 offsetof(struct create_params, approval_policy), JD_NONEMPTY, 0, 64 },
	[C_LABEL] = { "label", JD_STRING, offsetof(struct create_params, label), JD_NONEMPTY, 0,
		      128 },
	[C_DOMAINS] = { "network_domains", JD_STRV, offsetof(struct create_params, network_domains),
			0, 0, SESSION_MAX_DOMAINS, 253 },
	[C_SETUP] = { "setup", JD_CUSTOM, offsetof(struct create_params, setup), 0, 0, 0, 0, NULL,
		      parse_setup, free_setup },
};

static const struct jd_field setup_fields[] = {
	{ "script", JD_STRING, offsetof(struct setup_params, script), JD_REQUIRED | JD_NONEMPTY,
	  0, SETUP_SCRIPT_MAX },
	{ "secrets", JD_STRV, offsetof(struct setup_params, secrets), 0, 0, SESSION_MAX_SECRETS,
	  128 },
	{ "timeout_ms", JD_INT64, offsetof(struct setup_params, timeout_ms), 0, 100,
	  CX_MAX_TIMEOUT_MS },
};

static bool domain_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '*'))
			return false;
	return s[0] != '\0';
}

static unsigned sessions_of(struct daemon *d, uid_t uid, bool count_ended)
{
	struct list_node *pos;
	unsigned n = 0;

	SESS_FOREACH(pos, &d->sessions->list)
	{
		struct session *s = list_entry(pos, struct session, node);
		if (s->uid == uid && (count_ended || !session_over(s)))
			n++;
	}
	return n;
}

/* Ended sessions are kept (so their id stays refused) until room is needed. */
static void evict_ended(struct daemon *d)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->sessions->list)
	{
		struct session *s = list_entry(pos, struct session, node);
		if (d->sessions->n < d->cfg->audit->sessions_max)
			return;
		if (session_over(s)) {
			session_free(s);
			d->sessions->n--;
		}
	}
}

static int refuse_unaudited(struct request *req)
{
	const char *why = NULL;

	if (audit_available(req->conn->d->audit, &why) < 0 && audit_refuses(req->conn->d->audit))
		return conn_reply_error(req->conn, &req->id, CX_ERR_AUDIT_UNAVAILABLE,
					CX_REASON_AUDIT_UNAVAILABLE, NULL,
					"audit unavailable: %s; nothing new starts until it can be "
					"written ([audit] on_failure)",
					why);
	return 1;
}

/*
 * The administrator's word on a setup script: it runs in workspace-write,
 * which [requirements] must allow, and no part of it may be forbidden or
 * need approval under the managed rules (nobody is asked during a setup).
 * 0, or -EPERM with msg.
 */
static int check_setup_policy(struct daemon *d, const char *script, char *msg, size_t msgsz)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
	_cleanup_(approval_plan_freep) struct approval_plan *plan = NULL;
	unsigned modes = d->cfg->allowed_sandbox_modes;
	int r;

	if (modes && !(modes & (1u << SANDBOX_WORKSPACE_WRITE))) {
		snprintf(msg, msgsz, "setup scripts run in workspace-write, which [requirements] "
				     "allowed_sandbox_modes does not allow");
		return -EPERM;
	}
	r = approval_plan_build(argv, &plan);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; i < plan->n_segments; i++) {
		struct rules_result res = { 0 };
		r = rules_eval_prefix(d->rules, plan->segments[i].argv, NULL, &res);
		if (r < 0)
			return r == -ENOMEM ? r : 0;
		if (res.matched && res.decision != RULES_DECISION_ALLOW) {
			snprintf(msg, msgsz, "the setup script runs %s, which the managed rules %s",
				 log_q(plan->segments[i].argv[0]),
				 res.decision == RULES_DECISION_FORBIDDEN ? "forbid"
									  : "allow only with approval");
			rules_result_clear(&res);
			return -EPERM;
		}
		rules_result_clear(&res);
	}
	return 0;
}

/*
 * Start the setup command of s: /bin/sh -c SCRIPT in the workspace, as
 * the owner, sandboxed in workspace-write, with the owner's secrets and
 * (per [sessions] setup_network) full network.  The reply to the
 * session/create request is this exec's start result.
 */
static int start_setup(struct request *req, struct session *s, struct setup_params *sp)
{
	struct conn *c = req->conn;
	struct daemon *d = c->d;
	const struct audit_config *ac = d->cfg->audit;
	struct exec_request er = { 0 };
	struct exec_settings set;
	char **env = NULL, msg[256] = "", xid[24], rid[AUDIT_REQ_ID_MAX];
	int64_t seq;
	int r;

	r = check_setup_policy(d, sp->script, msg, sizeof(msg));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		s->state = SESSION_SETUP_FAILED;
		return conn_reply_error(c, &req->id, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN,
					json_pack("{s:i}", "exit_code", 126), "%s", msg);
	}
	msg[0] = '\0';
	/* Secrets first: a missing one fails the request before anything runs. */
	if (sp->secrets && sp->secrets[0]) {
		const char *cred = getenv("CREDENTIALS_DIRECTORY");
		if (ac->secrets_dir) {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s/%s.env", ac->secrets_dir, c->peer.user) < 0)
				return -ENOMEM;
			r = read_secrets(p, false, sp->secrets, &env, msg, sizeof(msg));
			if (r < 0 && r != -EPERM) {
				env_wipe(env);
				return r;
			}
		}
		if (cred && cred[0] == '/') {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s/secrets-%s.env", cred, c->peer.user) < 0) {
				env_wipe(env);
				return -ENOMEM;
			}
			r = read_secrets(p, true, sp->secrets, &env, msg, sizeof(msg));
			if (r == -ENOMEM) {
				env_wipe(env);
				return r;
			}
		}
		for (char **w = sp->secrets; *w; w++) {
			bool found = false;
			for (char **p = env; p && *p && !found; p++)
				found = strncmp(*p, *w, strlen(*w)) == 0 && (*p)[strlen(*w)] == '=';
			if (!found) {
				env_wipe(env);
				s->state = SESSION_SETUP_FAILED;
				return conn_reply_error(c, &req->id, CX_ERR_INVALID_PARAMS,
							CX_REASON_INVALID_PARAMS, NULL,
							"params.setup.secrets: %s is not available to "
							"user %s%s%s",
							log_q(*w), c->peer.user, msg[0] ? ": " : "",
							msg);
			}
		}
	}
	{
		char *e;
		if (strv_extend(&env, "PATH=/usr/local/bin:/usr/bin:/bin") < 0)
			goto nomem;
		if (asprintf(&e, "HOME=%s", c->peer.home[0] ? c->peer.home : "/") < 0 ||
		    strv_push(&env, e) < 0)
			goto nomem;
		if (asprintf(&e, "USER=%s", c->peer.user) < 0 || strv_push(&env, e) < 0)
			goto nomem;
		if (asprintf(&e, "LOGNAME=%s", c->peer.user) < 0 || strv_push(&env, e) < 0)
			goto nomem;
		if (asprintf(&e, "CODEX_SESSION_ID=%s", s->id) < 0 || strv_push(&env, e) < 0)
			goto nomem;
	}
	if (strv_extend(&er.argv, "/bin/sh") < 0 || strv_extend(&er.argv, "-c") < 0 ||
	    strv_extend(&er.argv, sp->script) < 0)
		goto nomem;
	er.cwd = strdup(s->workspace);
	er.session = strdup(s->id);
	if (!er.cwd || !er.session)
		goto nomem;
	er.has_network = true;
	er.network = ac->setup_network ? NET_FULL : NET_OFF;
	er.stdio = STDIO_PIPE;
	er.has_sandbox = true;
	er.sandbox = SANDBOX_WORKSPACE_WRITE;
	er.has_timeout = true;
	er.timeout_ms = sp->timeout_ms > 0 ? sp->timeout_ms : ac->setup_timeout_ms;

	audit_ev_new_request_id(d, rid);
	audit_ev_new_exec_id(xid);
	seq = audit_ev_exec_start(c, rid, xid, &er, "workspace-write", "setup", NULL);
	/* The setup record must be durable before it runs: sessions are rare, sync here. */
	if (seq < 0 || audit_sync_now(d->audit, seq) < 0) {
		env_wipe(env);
		exec_request_done(&er);
		s->state = SESSION_SETUP_FAILED;
		return conn_reply_error(c, &req->id, CX_ERR_AUDIT_UNAVAILABLE,
					CX_REASON_AUDIT_UNAVAILABLE, NULL,
					"audit unavailable: the setup command's record cannot be "
					"written");
	}
	snprintf(s->setup_exec, sizeof(s->setup_exec), "%s", xid);
	sessions_track_exec(d, xid, rid, s->id, c->peer.uid, c->peer.user);
	set = (struct exec_settings){
		.mode = SANDBOX_WORKSPACE_WRITE,
		.ww_network_access = ac->setup_network,
		.envp = env,
		.program = "/bin/sh",
		.decision = "setup",
		.exec_id = xid,
		/* The managed Unix socket allowlist (no user layer is read for setup). */
		.unix_allowlist = d->cfg->net_unix_sockets != NULL,
		.unix_sockets = d->cfg->net_unix_sockets,
		.result_extra = json_pack("{s:o}", "session", session_json(s, true)),
	};
	r = exec_start(c, &req->id, &er, NULL, &set);
	json_decref(set.result_extra);
	/* The sandbox has its own copy: ours is wiped now. */
	env_wipe(env);
	exec_request_done(&er);
	if (r >= 0 && !exec_find(d, xid)) {
		/* Refused before a sandbox existed (limits...): the reply said why. */
		audit_ev_exec_not_started(c, rid, xid);
		sessions_untrack_exec(d, xid, -1);
		s->state = SESSION_SETUP_FAILED;
	}
	return r;
nomem:
	env_wipe(env);
	exec_request_done(&er);
	return -ENOMEM;
}

int rpc_session_create(struct request *req)
{
	struct conn *c = req->conn;
	struct daemon *d = c->d;
	const struct audit_config *ac = d->cfg->audit;
	struct create_params p = { .sandbox = -1 };
	struct setup_params sp = { 0 };
	uint64_t present = 0;
	struct session *s = NULL;
	unsigned char rnd[8];
	char err[256];
	int r;

	r = jd_decode(req->params, "params", create_fields, ARRAY_SIZE(create_fields), &p, &present,
		      err, sizeof(err));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return rpc_reply_invalid_params(req, err);
	if (!JD_PRESENT(present, C_SANDBOX))
		p.sandbox = -1;
	if (p.setup) {
		r = jd_decode(p.setup, "params.setup", setup_fields, ARRAY_SIZE(setup_fields), &sp,
			      NULL, err, sizeof(err));
		if (r < 0) {
			jd_free(create_fields, ARRAY_SIZE(create_fields), &p);
			return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
		}
		for (char **w = sp.secrets; w && *w; w++)
			if (!env_name_is_valid(*w)) {
				r = rpc_reply_invalid_params(req, "params.setup.secrets: each must be "
								  "an environment variable name");
				goto out;
			}
	}
	if (p.approval_policy) {
		struct approval_config acfg;
		if (approval_config_from_string(p.approval_policy, &acfg) < 0) {
			r = rpc_reply_invalid_params(req, "params.approval_policy: must be untrusted, "
							  "on-failure, on-request or never");
			goto out;
		}
	}
	for (char **dm = p.network_domains; dm && *dm; dm++)
		if (!domain_ok(*dm)) {
			r = rpc_reply_invalid_params(req, "params.network_domains: each must be a "
							  "domain name or pattern");
			goto out;
		}
	r = refuse_unaudited(req);
	if (r <= 0)
		goto out;
	if (sessions_of(d, c->peer.uid, false) >= ac->sessions_max_per_uid) {
		r = conn_reply_error(c, &req->id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
				     "too many sessions for uid %u (limit %u)", (unsigned)c->peer.uid,
				     ac->sessions_max_per_uid);
		goto out;
	}
	evict_ended(d);
	if (d->sessions->n >= ac->sessions_max) {
		r = conn_reply_error(c, &req->id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
				     "too many sessions (limit %u)", ac->sessions_max);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(s->id, sizeof(s->id), "s-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	s->uid = c->peer.uid;
	snprintf(s->user, sizeof(s->user), "%s", c->peer.user);
	s->workspace = TAKE_PTR(p.workspace);
	s->label = TAKE_PTR(p.label);
	s->sandbox = p.sandbox;
	s->approval_policy = TAKE_PTR(p.approval_policy);
	s->network_domains = TAKE_PTR(p.network_domains);
	s->secret_names = sp.secrets ? strv_copy(sp.secrets) : NULL;
	s->created_usec = s->active_usec = now_usec();
	s->state = p.setup ? SESSION_SETUP : SESSION_READY;
	list_add_tail(&d->sessions->list, &s->node);
	d->sessions->n++;
	{
		json_t *f = session_json(s, true);
		if (f) {
			json_object_set_new(f, "session", json_string(s->id));
			json_object_del(f, "id");
			json_object_set_new(f, "conn", json_integer((json_int_t)c->serial));
			json_object_set_new(f, "setup_requested", json_boolean(p.setup != NULL));
		}
		if (audit_append(d->audit, "session.create", f) < 0 && audit_refuses(d->audit)) {
			s->state = SESSION_ENDED;
			r = conn_reply_error(c, &req->id, CX_ERR_AUDIT_UNAVAILABLE,
					     CX_REASON_AUDIT_UNAVAILABLE, NULL,
					     "audit unavailable: the session's record cannot be "
					     "written");
			goto out;
		}
	}
	log_info("uid %u: session %s created (%s)", (unsigned)c->peer.uid, s->id,
		 p.setup ? "with a setup phase" : "ready");
	if (p.setup)
		r = start_setup(req, s, &sp);
	else
		r = conn_reply_result(c, &req->id, json_pack("{s:o}", "session", session_json(s, true)));
out:
	jd_free(setup_fields, ARRAY_SIZE(setup_fields), &sp);
	jd_free(create_fields, ARRAY_SIZE(create_fields), &p);
	return r;
}

struct list_params {
	bool all;
};

static const struct jd_field list_fields[] = {
	{ "all", JD_BOOL, offsetof(struct list_params, all) },
};

/* The caller's session (admins: anyone's), or NULL after a not_found reply. */
static struct session *lookup(struct request *req, const char *id)
{
	struct session *s = session_find(req->conn->d, id);

	if (!s || (s->uid != req->conn->peer.uid && req->conn->role < ROLE_ADMIN)) {
		/* Other users' sessions are not disclosed: the same answer as none. */
		conn_reply_error(req->conn, &req->id, CX_ERR_NOT_FOUND, CX_REASON_NOT_FOUND, NULL,
				 "no such session %s", log_q(id));
		return NULL;
	}
	return s;
}

int rpc_session_list(struct request *req)
{
	struct conn *c = req->conn;
	struct list_params p = { 0 };
	struct list_node *pos;
	char err[256];
	json_t *a;
	int r;

	r = jd_decode(req->params, "params", list_fields, ARRAY_SIZE(list_fields), &p, NULL, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	a = json_array();
	if (!a)
		return -ENOMEM;
	SESS_FOREACH(pos, &c->d->sessions->list)
	{
		struct session *s = list_entry(pos, struct session, node);
		if (s->uid != c->peer.uid && c->role < ROLE_ADMIN)
			continue;
		if (session_over(s) && !p.all)
			continue;
		json_array_append_new(a, session_json(s, false));
	}
	return conn_reply_result(c, &req->id, json_pack("{s:o}", "sessions", a));
}

int rpc_session_show(struct request *req)
{
	_cleanup_free_ char *id = NULL;
	struct session *s;
	int r;

	r = rpc_decode_id(req, SESSION_ID_MAX - 1, &id);
	if (!id)
		return r;
	s = lookup(req, id);
	if (!s)
		return 0;
	return conn_reply_result(req->conn, &req->id,
				 json_pack("{s:o}", "session", session_json(s, true)));
}

int rpc_session_kill(struct request *req)
{
	struct conn *c = req->conn;
	struct daemon *d = c->d;
	struct list_node *pos;
	struct session *s;
	char *id;
	int r, killed = 0;

	r = rpc_decode_id(req, SESSION_ID_MAX - 1, &id);
	if (!id)
		return r;
	s = lookup(req, id);
	free(id);
	if (!s)
		return 0;
	SESS_FOREACH(pos, &d->sessions->execs)
	{
		struct tracked *t = list_entry(pos, struct tracked, node);
		struct exec *x;
		if (!t->session || strcmp(t->session, s->id) != 0)
			continue;
		x = exec_find(d, t->exec_id);
		if (x && !x->closing && exec_send_signal(x, SIGKILL) >= 0)
			killed++;
	}
	s->state = SESSION_ENDED;
	audit_append(d->audit, "session.kill",
		     json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:i}", "conn", (json_int_t)c->serial,
			       "uid", (json_int_t)c->peer.uid, "user", c->peer.user, "session", s->id,
			       "owner_uid", (json_int_t)s->uid, "owner", s->user, "killed", killed));
	log_info("uid %u: session %s killed (%d commands)", (unsigned)c->peer.uid, s->id, killed);
	return conn_reply_result(c, &req->id, json_pack("{s:s, s:i}", "id", s->id, "killed", killed));
}
