/* SPDX-License-Identifier: MIT */
/*
 * Pending approvals (daemon/approvals.h has the protocol).
 *
 * An approval is asked of "targets": connections it was sent to as an
 * approval/request (the requester if it can approve, the uid's watchers),
 * each with the request id the daemon used, so an answer is accepted only
 * from a connection that was asked, under the id it was asked with.  The
 * reviewer program is the fallback when there is no target at all.
 * Everything is resolved exactly once (resolve()); the timer, the
 * reviewer and the targets are torn down there.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/approvals.h"
#include "daemon/child.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/privdrop.h"

#define APPROVAL_ARGV_BUDGET (256 * 1024) /* argv bytes copied into approval/request */
#define APPROVAL_COMMAND_MAX 4096         /* bytes of the rendered command */
#define REVIEWER_OUTPUT_MAX 4096

struct target {
	struct conn *c; /* NULL once the connection is gone */
	char rpc_id[32];
	bool requester;
	bool declined; /* answered with an error or an unusable result */
};

struct reviewer {
	pid_t pid;
	int pidfd, fd;
	uv_poll_t pidfd_poll, pipe_poll;
	int open_handles;
	char buf[REVIEWER_OUTPUT_MAX + 1];
	size_t len;
	bool exited, eof, overflow;
	int status;
};

struct pending_approval {
	struct list_node node; /* daemon.approvals */
	struct daemon *d;
	char id[24];
	uid_t uid;
	char *session;
	struct conn *requester;
	json_t *params; /* the approval/request params */
	unsigned choices;
	approval_done_cb cb;
	void *userdata;

	struct target *targets;
	size_t n_targets;

	uv_timer_t timer;
	bool timer_inited;
	struct reviewer *rev;
	uint64_t created_hrtime;
	bool nobody; /* every target declined or left */
	bool done;
};

static const char *const choice_names[] = {
	[APPROVAL_CHOICE_APPROVE] = "approve",
	[APPROVAL_CHOICE_APPROVE_FOR_SESSION] = "approve_for_session",
	[APPROVAL_CHOICE_DENY] = "deny",
	[APPROVAL_CHOICE_ABORT] = "abort",
};

/* approve_always is an approve that also saves the proposed rule. */
#define CHOICE_ALWAYS_BIT (1u << _APPROVAL_CHOICE_MAX)

static int parse_decision(const char *s, unsigned choices, struct approval_answer *ret)
{
	if (strcmp(s, "approve_always") == 0) {
		if (!(choices & CHOICE_ALWAYS_BIT))
			return -EINVAL;
		*ret = (struct approval_answer){ .choice = APPROVAL_CHOICE_APPROVE, .always = true };
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(choice_names); i++)
		if (strcmp(s, choice_names[i]) == 0) {
			if (!(choices & APPROVAL_CHOICE_BIT(i)))
				return -EINVAL;
			*ret = (struct approval_answer){ .choice = (enum approval_choice)i };
			return 0;
		}
	return -EINVAL;
}

static const char *answer_name(const struct approval_answer *a)
{
	return a->always ? "approve_always" : choice_names[a->choice];
}

/* ------------------------------------------------------------------ reviewer */

static void on_reviewer_closed(uv_handle_t *h)
{
	struct reviewer *r = h->data;

	if (--r->open_handles > 0)
		return;
	safe_close(r->pidfd);
	safe_close(r->fd);
	free(r);
}

static void reviewer_free(struct reviewer *r)
{
	if (!r)
		return;
	if (!r->exited) {
		(void)child_signal(r->pidfd, r->pid, SIGKILL, NULL);
		(void)waitid(P_PIDFD, (id_t)r->pidfd, &(siginfo_t){ 0 }, WEXITED);
	}
	/* The callbacks knew the approval; the close callbacks need the reviewer. */
	r->pidfd_poll.data = r->pipe_poll.data = r;
	r->open_handles = 2;
	uv_close((uv_handle_t *)&r->pidfd_poll, on_reviewer_closed);
	uv_close((uv_handle_t *)&r->pipe_poll, on_reviewer_closed);
}

static void resolve(struct pending_approval *a, const struct approval_answer *ans);

static void reviewer_finish(struct pending_approval *a)
{
	struct reviewer *r = a->rev;
	struct approval_answer ans = { .choice = APPROVAL_CHOICE_DENY, .by = "reviewer" };
	json_error_t jerr;
	json_t *v = NULL, *dec;

	if (!r->exited || !r->eof)
		return;
	if (r->overflow)
		log_warning("approval %s: the reviewer printed more than %d bytes; denying", a->id,
			    REVIEWER_OUTPUT_MAX);
	else if (r->status != 0)
		log_warning("approval %s: the reviewer failed (%s %d); denying", a->id,
			    r->status > 128 ? "signal" : "exit status",
			    r->status > 128 ? r->status - 128 : r->status);
	else {
		r->buf[r->len] = '\0';
		v = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &jerr);
		dec = json_object_get(v, "decision");
		if (!json_is_object(v) || !json_is_string(dec) ||
		    parse_decision(json_string_value(dec), a->choices, &ans) < 0) {
			log_warning("approval %s: the reviewer's answer is not {\"decision\": one of "
				    "the available decisions}; denying",
				    a->id);
			ans = (struct approval_answer){ .choice = APPROVAL_CHOICE_DENY };
		}
		ans.by = "reviewer";
		json_decref(v);
	}
	resolve(a, &ans);
}

static void on_reviewer_output(uv_poll_t *h, int status, int events)
{
	struct pending_approval *a = h->data;
	struct reviewer *r = a->rev;

	(void)events;
	for (;;) {
		char tmp[512];
		ssize_t n = status < 0 ? 0 : read(r->fd, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			r->eof = true;
			uv_poll_stop(h);
			reviewer_finish(a);
			return;
		}
		if (r->len + (size_t)n > REVIEWER_OUTPUT_MAX) {
			r->overflow = true;
			r->len = REVIEWER_OUTPUT_MAX;
		} else {
			memcpy(r->buf + r->len, tmp, (size_t)n);
			r->len += (size_t)n;
		}
	}
}

static void on_reviewer_exit(uv_poll_t *h, int status, int events)
{
	struct pending_approval *a = h->data;
	struct reviewer *r = a->rev;
	siginfo_t si = { 0 };

	(void)status;
	(void)events;
	if (waitid(P_PIDFD, (id_t)r->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	uv_poll_stop(h);
	r->exited = true;
	r->status = si.si_code == CLD_EXITED ? si.si_status & 0xff : 128 + (si.si_status & 0x7f);
	reviewer_finish(a);
}

/* The child: become the reviewer user and run the program with the request on stdin. */
_noreturn_ static void reviewer_child(const struct daemon_config *cfg, int in_fd, int out_fd,
				      unsigned last_cap)
{
	struct privdrop pd = { .uid = cfg->reviewer_uid, .gid = cfg->reviewer_gid,
			       .cap_last_cap = last_cap };
	char *const argv[] = { cfg->reviewer, NULL };
	static char path_env[] = "PATH=/usr/local/bin:/usr/bin:/bin", lang_env[] = "LANG=C.UTF-8";
	char *const envp[] = { path_env, lang_env, NULL };
	enum sandbox_stage stage;
	struct stat st;
	int devnull, prog;

	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* Opened as root, checked, then executed by descriptor after dropping. */
	prog = open(cfg->reviewer, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (prog < 0 || fstat(prog, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) || !(st.st_mode & 0111))
		_exit(126);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || devnull < 0 || dup2(devnull, 2) < 0)
		_exit(126);
	if (dup2(prog, 3) < 0)
		_exit(126);
	(void)syscall(SYS_close_range, 4, ~0U, 0);
	if (chdir("/") < 0 || privdrop_apply(&pd, &stage) < 0)
		_exit(126);
	syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static int reviewer_start(struct pending_approval *a)
{
	struct daemon *d = a->d;
	const struct daemon_config *cfg = d->cfg;
	_cleanup_close_ int mem = -1;
	_cleanup_free_ char *text = NULL;
	struct reviewer *r;
	int p[2];
	pid_t pid;
	size_t len;

	text = json_dump_line(a->params, &len);
	if (!text)
		return -ENOMEM;
	mem = memfd_create("codexd-approval", MFD_CLOEXEC);
	if (mem < 0)
		return negative_errno();
	if (fd_write_all(mem, text, len) < 0 || lseek(mem, 0, SEEK_SET) < 0)
		return -EIO;
	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	pid = child_fork("codexd-review");
	if (pid == 0)
		reviewer_child(cfg, mem, p[1], d->cap_last_cap);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return pid;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[0]);
		return -ENOMEM;
	}
	r->pid = pid;
	r->fd = p[0];
	r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		int e = negative_errno();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[0]);
		free(r);
		return e;
	}
	(void)fd_set_nonblock(r->fd, true);
	uv_poll_init(d->loop, &r->pidfd_poll, r->pidfd);
	uv_poll_init(d->loop, &r->pipe_poll, r->fd);
	r->pidfd_poll.data = r->pipe_poll.data = a;
	uv_poll_start(&r->pidfd_poll, UV_READABLE, on_reviewer_exit);
	uv_poll_start(&r->pipe_poll, UV_READABLE, on_reviewer_output);
	a->rev = r;
	log_info("approval %s: asking the reviewer %s", a->id, log_q(cfg->reviewer));
	return 0;
}

/* ------------------------------------------------------------------ lifecycle */

static void on_timer_closed(uv_handle_t *h)
{
	struct pending_approval *a = h->data;

	json_decref(a->params);
	free(a->session);
	free(a->targets);
	free(a);
}

static void approval_free(struct pending_approval *a)
{
	list_del(&a->node);
	a->d->n_approvals--;
	reviewer_free(a->rev);
	a->rev = NULL;
	uv_close((uv_handle_t *)&a->timer, on_timer_closed);
}

static void notify_resolved(struct pending_approval *a, const char *decision, const char *by)
{
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].c && !a->targets[i].c->dead)
			conn_notify(a->targets[i].c, "approval/resolved",
				    json_pack("{s:s, s:s, s:s}", "approval_id", a->id, "decision",
					      decision, "by", by));
}

static void resolve(struct pending_approval *a, const struct approval_answer *ans)
{
	struct daemon *d = a->d;
	_cleanup_free_ char *session = NULL;
	uid_t uid = a->uid;
	bool abort_all = ans->choice == APPROVAL_CHOICE_ABORT && a->session;

	if (a->done)
		return;
	a->done = true;
	uv_timer_stop(&a->timer);
	log_info("approval %s (uid %u): %s by %s", a->id, (unsigned)a->uid, answer_name(ans),
		 ans->by);
	notify_resolved(a, answer_name(ans), ans->by);
	if (abort_all)
		session = strdup(a->session);
	a->cb(a->userdata, ans);
	approval_free(a);
	/*
	 * abort stops the whole turn: the session's other pending approvals end
	 * the same way.  One at a time from the head, since each callback may
	 * end others.
	 */
	while (session) {
		struct list_node *pos, *tmp;
		struct pending_approval *next = NULL;

		LIST_FOREACH_SAFE(pos, tmp, &d->approvals)
		{
			struct pending_approval *o = list_entry(pos, struct pending_approval, node);
			if (!o->done && o->uid == uid && o->session && strcmp(o->session, session) == 0) {
				next = o;
				break;
			}
		}
		if (!next)
			break;
		resolve(next, &(struct approval_answer){ .choice = APPROVAL_CHOICE_ABORT,
							 .by = "session_abort" });
	}
}

static void on_timeout(uv_timer_t *t)
{
	struct pending_approval *a = t->data;
	struct approval_answer ans = { .choice = APPROVAL_CHOICE_DENY, .by = "timeout" };

	if (a->rev && !a->rev->exited)
		log_warning("approval %s: the reviewer did not answer in time; denying", a->id);
	if (a->nobody || (a->n_targets == 0 && !a->rev))
		ans.by = "no_approver";
	resolve(a, &ans);
}

/* Every client asked declined or left: the reviewer, else deny now (from the loop). */
static void maybe_nobody_left(struct pending_approval *a)
{
	const struct daemon_config *cfg = a->d->cfg;

	if (a->rev || a->done)
		return;
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].c && !a->targets[i].declined)
			return;
	uv_timer_stop(&a->timer);
	if (cfg->reviewer && reviewer_start(a) == 0) {
		uv_timer_start(&a->timer, on_timeout, (uint64_t)cfg->reviewer_timeout_ms, 0);
		return;
	}
	a->nobody = true;
	uv_timer_start(&a->timer, on_timeout, 0, 0);
}

static int send_to(struct pending_approval *a, struct conn *c, bool requester)
{
	struct daemon *d = a->d;
	struct target *t;
	struct rpc_id rid = { .type = RPC_ID_STRING };
	char *line;
	size_t len;

	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].c == c)
			return 0;
	t = realloc(a->targets, (a->n_targets + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	a->targets = t;
	t = &a->targets[a->n_targets];
	*t = (struct target){ .c = c, .requester = requester };
	snprintf(t->rpc_id, sizeof(t->rpc_id), "cxap-%llu",
		 (unsigned long long)++d->approval_rpc_serial);
	snprintf(rid.str, sizeof(rid.str), "%s", t->rpc_id);
	line = jsonrpc_build_request(&rid, "approval/request", json_incref(a->params), &len);
	if (!line)
		return -ENOMEM;
	a->n_targets++;
	return conn_send_line(c, line, len);
}

static json_t *argv_json(char *const *argv, bool *truncated)
{
	json_t *v = json_array();
	size_t used = 0;

	*truncated = false;
	for (char *const *p = argv; v && p && *p; p++) {
		size_t n = strlen(*p);
		if (used + n > APPROVAL_ARGV_BUDGET) {
			*truncated = true;
			break;
		}
		used += n;
		json_array_append_new(v, json_stringn(*p, n));
	}
	return v;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (char *const *p = v; a && p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

static json_t *choices_json(unsigned choices)
{
	json_t *v = json_array();

	for (size_t i = 0; v && i < ARRAY_SIZE(choice_names); i++) {
		if (!(choices & APPROVAL_CHOICE_BIT(i)))
			continue;
		json_array_append_new(v, json_string(choice_names[i]));
		if (i == APPROVAL_CHOICE_APPROVE_FOR_SESSION || i == APPROVAL_CHOICE_APPROVE) {
			/* approve_always right after the approvals, before deny */
			if ((choices & CHOICE_ALWAYS_BIT) &&
			    (i == APPROVAL_CHOICE_APPROVE_FOR_SESSION ||
			     !(choices & APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION))))
				json_array_append_new(v, json_string("approve_always"));
		}
	}
	return v;
}

static void random_hex(char *buf, size_t bytes)
{
	unsigned char b[16] = { 0 };
	static const char hex[] = "0123456789abcdef";

	if (bytes > sizeof(b))
		bytes = sizeof(b);
	if (getrandom(b, bytes, 0) != (ssize_t)bytes) {
		/* Unique within this process is enough for an identifier. */
		static uint64_t fallback;
		uint64_t v = ++fallback ^ uv_hrtime();
		memcpy(b, &v, MIN(sizeof(v), bytes));
	}
	for (size_t i = 0; i < bytes; i++) {
		buf[2 * i] = hex[b[i] >> 4];
		buf[2 * i + 1] = hex[b[i] & 15];
	}
	buf[2 * bytes] = '\0';
}

static unsigned approvals_of_uid(struct daemon *d, uid_t uid)
{
	struct list_node *pos, *tmp;
	unsigned n = 0;

	LIST_FOREACH_SAFE(pos, tmp, &d->approvals)
	{
		if (list_entry(pos, struct pending_approval, node)->uid == uid)
			n++;
	}
	return n;
}

int approvals_ask(struct conn *requester, const struct approval_ask *ask, approval_done_cb cb,
		  void *userdata, struct pending_approval **ret)
{
	struct daemon *d = requester->d;
	const struct daemon_config *cfg = d->cfg;
	struct pending_approval *a;
	_cleanup_free_ char *command = NULL;
	struct list_node *pos, *tmp;
	bool truncated;
	int r;

	if (d->n_approvals >= CX_MAX_APPROVALS ||
	    approvals_of_uid(d, requester->peer.uid) >= CX_MAX_APPROVALS_PER_UID)
		return -EUSERS;
	command = approval_render_command(ask->argv, APPROVAL_COMMAND_MAX);
	a = calloc(1, sizeof(*a));
	if (!a || !command) {
		free(a);
		return -ENOMEM;
	}
	a->d = d;
	a->uid = requester->peer.uid;
	a->requester = requester;
	a->cb = cb;
	a->userdata = userdata;
	a->choices = ask->choices;
	if ((ask->proposed_prefix && ask->proposed_prefix[0]) || ask->proposed_network_rule)
		a->choices |= CHOICE_ALWAYS_BIT;
	a->created_hrtime = uv_hrtime();
	memcpy(a->id, "ap-", 3);
	random_hex(a->id + 3, 8);
	if (ask->session && !(a->session = strdup(ask->session))) {
		free(a);
		return -ENOMEM;
	}
	a->params = json_pack(
		"{s:s, s:s?, s:o, s:s, s:s, s:s, s:s?, s:b, s:s, s:O?, s:o, s:o, s:{s:i, s:s, s:i, "
		"s:s?}, s:I}",
		"approval_id", a->id, "session", ask->session, "argv",
		argv_json(ask->argv, &truncated), "command", command, "cwd", ask->cwd, "reason",
		ask->reason, "justification", ask->justification, "escalate", ask->escalate,
		"sandbox", ask->sandbox, "matched_rules", ask->matched_rules,
		"proposed_prefix_rule",
		(a->choices & CHOICE_ALWAYS_BIT) && ask->proposed_prefix ? strv_json(ask->proposed_prefix)
									  : json_null(),
		"available_decisions", choices_json(a->choices), "requester", "uid",
		(int)requester->peer.uid, "user", requester->peer.user, "pid",
		(int)requester->peer.pid, "client", requester->client_name, "timeout_ms",
		(json_int_t)cfg->approvals_timeout_ms);
	if (!a->params) {
		free(a->session);
		free(a);
		return -ENOMEM;
	}
	if (truncated)
		json_object_set_new(a->params, "argv_truncated", json_true());
	if (ask->network)
		json_object_set(a->params, "network", ask->network);
	if (ask->proposed_network_rule)
		json_object_set_new(a->params, "proposed_network_rule",
				    json_string(ask->proposed_network_rule));
	if (!json_object_get(a->params, "matched_rules"))
		json_object_set_new(a->params, "matched_rules", json_array());

	uv_timer_init(d->loop, &a->timer);
	a->timer.data = a;
	a->timer_inited = true;
	list_add_tail(&d->approvals, &a->node);
	d->n_approvals++;

	r = 0;
	if (requester->can_approve)
		r = send_to(a, requester, true);
	LIST_FOREACH_SAFE(pos, tmp, &d->conns)
	{
		struct conn *w = list_entry(pos, struct conn, node);
		if (r == 0 && w->watching_approvals && !w->dead && w->peer.uid == a->uid)
			r = send_to(a, w, false);
	}
	if (r == 0 && a->n_targets == 0 && cfg->reviewer) {
		r = reviewer_start(a);
		if (r < 0) {
			log_warning_errno(r, "approval %s: cannot run the reviewer; denying", a->id);
			r = 0;
		}
	}
	if (r < 0) {
		a->done = true;
		approval_free(a);
		return r;
	}
	if (a->n_targets == 0 && !a->rev)
		uv_timer_start(&a->timer, on_timeout, 0, 0); /* "no approver", from the loop */
	else
		uv_timer_start(&a->timer, on_timeout,
			       a->rev && a->n_targets == 0 ? (uint64_t)cfg->reviewer_timeout_ms
							   : (uint64_t)cfg->approvals_timeout_ms,
			       0);
	log_info("approval %s (uid %u): asked %zu client(s)%s: %s", a->id, (unsigned)a->uid,
		 a->n_targets, a->rev ? " and the reviewer" : "", log_q(command));
	*ret = a;
	return 0;
}

void approvals_cancel(struct pending_approval *a)
{
	if (!a || a->done)
		return;
	a->done = true;
	uv_timer_stop(&a->timer);
	notify_resolved(a, "abort", "cancelled");
	approval_free(a);
}

void approvals_conn_gone(struct conn *c)
{
	struct daemon *d = c->d;
	struct list_node *pos, *tmp;

	c->watching_approvals = false;
	LIST_FOREACH_SAFE(pos, tmp, &d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		bool had = false;

		for (size_t i = 0; i < a->n_targets; i++)
			if (a->targets[i].c == c) {
				a->targets[i].c = NULL;
				had = true;
			}
		if (a->requester == c)
			a->requester = NULL;
		if (had && !a->done)
			maybe_nobody_left(a);
	}
}

void approvals_free_all(struct daemon *d)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		a->done = true;
		approval_free(a);
	}
}

void approvals_on_response(struct conn *c, const struct rpc_message *m)
{
	struct daemon *d = c->d;
	struct list_node *pos, *tmp;

	if (m->id.type != RPC_ID_STRING)
		goto unexpected;
	LIST_FOREACH_SAFE(pos, tmp, &d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);

		for (size_t i = 0; i < a->n_targets; i++) {
			struct target *t = &a->targets[i];
			struct approval_answer ans;
			json_t *dec;

			if (t->c != c || strcmp(t->rpc_id, m->id.str) != 0)
				continue;
			if (t->declined)
				goto unexpected;
			dec = m->kind == RPC_KIND_RESULT ? json_object_get(m->result, "decision")
							 : NULL;
			if (!json_is_string(dec) ||
			    parse_decision(json_string_value(dec), a->choices, &ans) < 0) {
				log_debug("approval %s: connection #%llu did not answer (%s)", a->id,
					  (unsigned long long)c->serial,
					  m->kind == RPC_KIND_ERROR ? "error response"
								    : "unusable decision");
				t->declined = true;
				maybe_nobody_left(a);
				return;
			}
			ans.by = t->requester ? "requester" : "watcher";
			resolve(a, &ans);
			return;
		}
	}
	/* Late answers (already resolved) land here: harmless, and not counted as bad. */
	log_debug("connection #%llu: response to no pending approval", (unsigned long long)c->serial);
	return;
unexpected:
	c->bad_frames++;
	if (c->bad_frames > CX_MAX_BAD_FRAMES)
		conn_close_after_flush(c, "too many unexpected responses");
}

/* ------------------------------------------------------------------ methods */

static json_t *listing(const struct pending_approval *a)
{
	json_t *v = json_deep_copy(a->params);

	if (v)
		json_object_set_new(v, "age_ms",
				    json_integer((json_int_t)((uv_hrtime() - a->created_hrtime) /
							      1000000)));
	return v;
}

int rpc_approval_list(struct request *req)
{
	struct conn *c = req->conn;
	struct list_node *pos, *tmp;
	json_t *arr;
	
	if (json_object_size(req->params) != 0)
		return rpc_reply_invalid_params(req, "params: takes no parameters");
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	LIST_FOREACH_SAFE(pos, tmp, &c->d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		if (a->uid == c->peer.uid && !a->done)
			json_array_append_new(arr, listing(a));
	}
	return conn_reply_result(c, &req->id, json_pack("{s:o}", "approvals", arr));
}

int rpc_approval_watch(struct request *req)
{
	struct conn *c = req->conn;
	struct list_node *pos, *tmp;
	unsigned n = 0;
	int r;

	if (json_object_size(req->params) != 0)
		return rpc_reply_invalid_params(req, "params: takes no parameters");
	c->watching_approvals = true;
	LIST_FOREACH_SAFE(pos, tmp, &c->d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		if (a->uid == c->peer.uid && !a->done)
			n++;
	}
	r = conn_reply_result(c, &req->id, json_pack("{s:i}", "pending", n));
	if (r < 0)
		return r;
	/* Then the pending ones, after the reply so the client knows it is watching. */
	LIST_FOREACH_SAFE(pos, tmp, &c->d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		if (a->uid == c->peer.uid && !a->done && send_to(a, c, false) < 0)
			break;
	}
	return 0;
}

struct respond_params {
	char *approval_id;
	char *decision;
};

static const struct jd_field respond_fields[] = {
	{ "approval_id", JD_STRING, offsetof(struct respond_params, approval_id),
	  JD_REQUIRED | JD_NONEMPTY, 0, 64 },
	{ "decision", JD_STRING, offsetof(struct respond_params, decision),
	  JD_REQUIRED | JD_NONEMPTY, 0, 64 },
};

int rpc_approval_respond(struct request *req)
{
	struct conn *c = req->conn;
	struct respond_params p = { 0 };
	struct pending_approval *found = NULL;
	struct approval_answer ans;
	struct list_node *pos, *tmp;
	char err[256];
	int r;

	r = jd_decode(req->params, "params", respond_fields, ARRAY_SIZE(respond_fields), &p, NULL,
		      err, sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	LIST_FOREACH_SAFE(pos, tmp, &c->d->approvals)
	{
		struct pending_approval *a = list_entry(pos, struct pending_approval, node);
		if (!a->done && a->uid == c->peer.uid && strcmp(a->id, p.approval_id) == 0)
			found = a;
	}
	if (!found)
		r = conn_reply_error(c, &req->id, CX_ERR_NOT_FOUND, CX_REASON_NOT_FOUND, NULL,
				     "no pending approval %s", log_q(p.approval_id));
	else if (parse_decision(p.decision, found->choices, &ans) < 0)
		r = conn_reply_error(c, &req->id, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS,
				     json_pack("{s:o}", "available_decisions",
					       choices_json(found->choices)),
				     "params.decision: %s is not one of this approval's decisions",
				     log_q(p.decision));
	else {
		r = conn_reply_result(c, &req->id, json_object());
		ans.by = "respond";
		resolve(found, &ans);
	}
	jd_free(respond_fields, ARRAY_SIZE(respond_fields), &p);
	return r;
}
