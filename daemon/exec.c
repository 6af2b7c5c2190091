/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/fdio.h"
#include "common/frame.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/child.h"
#include "daemon/conf.h"
#include "daemon/cgroup.h"
#include "daemon/cgroup_pool.h"
#include "daemon/conn.h"
#include "daemon/audit.h"
#include "daemon/audit_events.h"
#include "daemon/denials.h"
#include "common/proxy_proto.h"
#include "daemon/exec.h"
#include "daemon/proxy.h"
#include "policy/domains_json.h"
#include "policy/proxy_env.h"
#include "daemon/mounts.h"
#include "daemon/output_splice.h"
#include "daemon/peer.h"
#include "daemon/fdlimit.h"
#include "daemon/sandbox_plan.h"
#include "daemon/spawn.h"
#include "policy/env_policy.h"

#define EXEC_READS_PER_EVENT 4

static void exec_maybe_finish(struct exec *x);
static void stdin_close(struct exec *x);
static void stdin_fail_all(struct exec *x);
static void exec_start_output(struct exec *x);
static int exec_take_pty(struct exec *x);
static int exec_take_net(struct exec *x);
static void stdin_flush(struct exec *x);

/* ------------------------------------------------------------ signals */

static const struct {
	const char *name;
	int sig;
} signal_table[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "WINCH", SIGWINCH }, { "ABRT", SIGABRT },
	{ "SEGV", SIGSEGV }, { "BUS", SIGBUS },   { "FPE", SIGFPE },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "SYS", SIGSYS },   { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

int exec_signal_from_string(const char *s)
{
	const char *n = s;
	char *end;
	long v;

	if (strncmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
		if (strcmp(n, signal_table[i].name) == 0)
			return signal_table[i].sig;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 64)
		return -EINVAL;
	return (int)v;
}

const char *exec_signal_name(int sig)
{
	for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
		if (signal_table[i].sig == sig)
			return signal_table[i].name;
	return NULL;
}

/* ------------------------------------------------------------ requests */

struct exec *exec_find(struct daemon *d, const char *id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->execs)
	{
		struct exec *x = list_entry(pos, struct exec, node);
		if (strcmp(x->id, id) == 0)
			return x;
	}
	return NULL;
}

/*
 * Commands that count against the limits: not those whose exec/exited went
 * out while PID 1 exits (exec_detach()).  Such a sandbox holds PID 1 alone,
 * which is ending by itself; a client that runs commands one after the
 * other must not find the previous one still counted.
 */
static unsigned execs_of_uid(struct daemon *d, uid_t uid)
{
	struct list_node *pos, *tmp;
	unsigned n = 0;

	LIST_FOREACH_SAFE(pos, tmp, &d->execs)
	{
		struct exec *x = list_entry(pos, struct exec, node);
		if (x->uid == uid && !x->reported)
			n++;
	}
	return n;
}


/* ------------------------------------------------------------ teardown */

static void exec_destroy(struct exec *x)
{
	safe_close(x->pidfd);
	safe_close(x->status_fd);
	safe_close(x->tty_sock);
	safe_close(x->net_sock);
	json_decref(x->net_policy);
	for (struct stdin_chunk *c = x->in_head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(x->denials);
	json_decref(x->result_extra);
	free(x->argv0);
	free(x->cwd);
	strv_free(x->roots);
	strv_free(x->deny);
	free(x);
}

static void exec_unref(struct exec *x)
{
	if (--x->open_handles == 0 && x->closing)
		exec_destroy(x);
}

static void on_handle_closed(uv_handle_t *h)
{
	exec_unref(h->data);
}

static void on_stream_closed(uv_handle_t *h)
{
	struct exec_stream *s = h->data;

	s->fd = safe_close(s->fd);
	exec_unref(s->x);
}

static void stream_stop(struct exec_stream *s)
{
	if (s->inited && s->polling && !s->closing) {
		uv_poll_stop(&s->poll);
		s->polling = false;
	}
}

/* Close a stream's handle, then its fd (in the callback). */
static void stream_close(struct exec_stream *s)
{
	if (!s->inited) {
		s->fd = safe_close(s->fd);
		return;
	}
	if (s->closing)
		return;
	s->closing = true;
	s->polling = false;
	output_splice_stream_closing(s); /* bytes still owed keep the pipe */
	uv_close((uv_handle_t *)&s->poll, on_stream_closed);
}

static void stream_init(struct exec *x, struct exec_stream *s, int fd)
{
	s->x = x;
	s->fd = fd;
	if (fd < 0)
		return;
	uv_poll_init(x->d->loop, &s->poll, fd);
	s->poll.data = s;
	s->inited = true;
	x->open_handles++;
}

static void exec_free(struct exec *x)
{
	struct daemon *d = x->d;

	if (x->closing)
		return;
	x->closing = true;
	list_del(&x->node);
	list_del(&x->conn_node);
	if (!x->reported)
		d->n_execs--; /* else exec_detach() did */
	if (x->network == NET_PROXY)
		proxy_remove_sandbox(d, x->id);
	if (x->conn)
		conn_exec_done(x->conn);
	if (x->aw)
		audit_waiter_cancel(x->aw);
	x->aw = NULL;
	x->go_fd = safe_close(x->go_fd);

	x->open_handles++; /* held while we close, so destruction happens once, last */
	if (x->pidfd_inited)
		uv_close((uv_handle_t *)&x->pidfd_poll, on_handle_closed);
	if (x->status_inited)
		uv_close((uv_handle_t *)&x->status_poll, on_handle_closed);
	if (x->timer_inited)
		uv_close((uv_handle_t *)&x->timer, on_handle_closed);
	for (int i = 0; i < 2; i++)
		stream_close(&x->out[i]);
	stream_close(&x->in);
	exec_unref(x);
	cgroup_pool_refill(d);
	if (d->shutting_down)
		daemon_shutdown(d, NULL);
}

static void kill_sandbox(struct exec *x, const char *why)
{
	int r;

	if (x->state == EXEC_REAPED)
		return;
	if (!x->killed)
		log_debug("exec %s: killing sandbox: %s", x->id, why);
	x->killed = true;
	/* SIGKILL to PID 1 of the namespace kills every process in it. */
	r = child_signal(x->pidfd, x->pid, SIGKILL, NULL);
	if (r < 0 && r != -ESRCH)
		log_warning_errno(r, "exec %s: cannot kill sandbox", x->id);
}

/*
 * The exec.start record is durable (err 0), or cannot be made so: send
 * PID 1 its go-signal, or -- [audit] on_failure = "refuse" -- end the
 * sandbox before the command exists (PID 1 reads end of file; the kill
 * makes sure).  With "continue" the command runs, as it would have had the
 * failure been seen before the sandbox was built.
 */
static void exec_on_durable(void *userdata, int err)
{
	struct exec *x = userdata;

	x->aw = NULL;
	if (x->go_fd < 0)
		return;
	if (err < 0 && audit_refuses(x->d->audit)) {
		x->audit_refused = true;
		x->go_fd = safe_close(x->go_fd);
		kill_sandbox(x, "its audit record could not be made durable");
		return;
	}
	if (err < 0)
		log_warning_errno(err, "exec %s: the audit log cannot be written: the command runs "
				       "unaudited ([audit] on_failure = \"continue\")",
				  x->id);
	/* One byte into an empty pipe: cannot block; EPIPE when PID 1 is gone already. */
	if (write(x->go_fd, "G", 1) != 1)
		kill_sandbox(x, "cannot send the go-signal");
	x->go_fd = safe_close(x->go_fd);
}

/* ------------------------------------------------------------ replies */

static const char *errno_name(int e)
{
	switch (e) {
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOTDIR:
		return "ENOTDIR";
	case ENOEXEC:
		return "ENOEXEC";
	case E2BIG:
		return "E2BIG";
	case ENOMEM:
		return "ENOMEM";
	case EAGAIN:
		return "EAGAIN";
	case ELOOP:
		return "ELOOP";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	default:
		return "EIO";
	}
}

/* The sandbox's filesystem view could not be built: say exactly where. */
static void reply_mounts_failed(struct exec *x, const struct sandbox_msg *m)
{
	enum mounts_what what = (enum mounts_what)m->detail;
	const char *root = m->detail_index >= 0 && x->roots &&
					   (size_t)m->detail_index < strv_length(x->roots)
				   ? x->roots[m->detail_index]
				   : NULL;
	char where[CX_MAX_PATH + 64] = "";
	char q[4 * 240 + 8];

	if (what == MOUNTS_SCAN || what == MOUNTS_MASK)
		root = NULL; /* the index names a scanned directory, not a root */
	if (root && m->detail_name >= 0)
		snprintf(where, sizeof(where), "%s/%s", root, mounts_protected_name(m->detail_name));
	else if (root)
		snprintf(where, sizeof(where), "%s", root);
	else if (what == MOUNTS_DENY && x->deny && m->detail_index >= 0 &&
		 (size_t)m->detail_index < strv_length(x->deny))
		snprintf(where, sizeof(where), "%s", x->deny[m->detail_index]);
	log_quote(q, sizeof(q), where, strlen(where), 240);

	switch (what) {
	case MOUNTS_SCAN:
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SANDBOX_UNAVAILABLE,
				 CX_REASON_SANDBOX_UNAVAILABLE,
				 json_pack("{s:s, s:s, s:i}", "stage", "mounts", "what", "socket_scan",
					   "exit_code", 126),
				 "more than %d entries to check for Unix sockets (the host's /tmp or "
				 "the agent directories of the home directory); refusing to start "
				 "rather than leave one reachable (set [sandbox] tmp = \"private\" or "
				 "clean up /tmp)",
				 MOUNTS_MAX_SOCKET_SCAN);
		return;
	case MOUNTS_PROTECTED_LINK:
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SANDBOX_UNAVAILABLE,
				 CX_REASON_SANDBOX_UNAVAILABLE,
				 json_pack("{s:s, s:s, s:s, s:i}", "stage", "mounts", "what",
					   "protected_symlink", "path", where, "exit_code", 126),
				 "cannot enforce read-only %s (%s): it is a symbolic link; refusing to "
				 "start the sandbox",
				 m->detail_name >= 0 ? mounts_protected_name(m->detail_name) : "path", q);
		return;
	case MOUNTS_PROTECTED_MOVED:
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SANDBOX_UNAVAILABLE,
				 CX_REASON_SANDBOX_UNAVAILABLE,
				 json_pack("{s:s, s:s, s:s, s:i}", "stage", "mounts", "what",
					   "protected_moved", "path", where, "exit_code", 126),
				 "%s changed while the sandbox was being built; refusing to start", q);
		return;
	case MOUNTS_ROOT:
		if (root && strcmp(root, x->cwd) == 0)
			conn_reply_error(x->conn, &x->start_id, CX_ERR_SPAWN, CX_REASON_SPAWN,
					 json_pack("{s:s, s:s, s:s, s:i}", "stage", "chdir", "path",
						   where, "errno", errno_name(m->err), "exit_code",
						   126),
					 "cannot change directory to %s: %s", q, strerror(m->err));
		else
			conn_reply_error(x->conn, &x->start_id, CX_ERR_SPAWN, CX_REASON_SPAWN,
					 json_pack("{s:s, s:s, s:s, s:s, s:i}", "stage", "mounts",
						   "what", "writable_root", "path", where, "errno",
						   errno_name(m->err), "exit_code", 126),
					 "cannot use %s as a writable root: %s", q, strerror(m->err));
		return;
	default:
		log_warning("exec %s: building the sandbox failed at %s %s: %s", x->id,
			    mounts_what_to_string(what), q, strerror(m->err));
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SANDBOX_UNAVAILABLE,
				 CX_REASON_SANDBOX_UNAVAILABLE,
				 json_pack("{s:s, s:s, s:s, s:s, s:i}", "stage", "mounts", "what",
					   mounts_what_to_string(what), "path", where, "errno",
					   errno_name(m->err), "exit_code", 126),
				 "cannot build the sandbox (%s%s%s): %s", mounts_what_to_string(what),
				 where[0] ? " " : "", where[0] ? q : "", strerror(m->err));
		return;
	}
}

static void reply_start_failed(struct exec *x)
{
	const struct sandbox_msg *m = &x->fail_msg;
	char q[4 * 64 + 8];
	int exit_code = 126;

	x->start_pending = false;
	x->d->stats.execs_failed++;
	if (!x->conn)
		return;
	if (x->audit_refused) {
		conn_reply_error(x->conn, &x->start_id, CX_ERR_AUDIT_UNAVAILABLE,
				 CX_REASON_AUDIT_UNAVAILABLE, json_pack("{s:i}", "exit_code", 126),
				 "audit unavailable: the command's record could not be made "
				 "durable; it was not started");
		return;
	}
	if (!x->have_fail) {
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SPAWN, CX_REASON_SPAWN,
				 json_pack("{s:s, s:i}", "stage", "setup", "exit_code", 126),
				 "the sandbox ended before the command started");
		return;
	}
	if (m->stage == STAGE_EXEC && (m->err == ENOENT || m->err == ENOTDIR))
		exit_code = 127;
	if (m->stage == STAGE_EXEC)
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SPAWN, CX_REASON_SPAWN,
				 json_pack("{s:s, s:s, s:i}", "stage", "exec", "errno",
					   errno_name(m->err), "exit_code", exit_code),
				 "cannot execute %s: %s",
				 log_quote(q, sizeof(q), x->argv0, strlen(x->argv0), 64),
				 strerror(m->err));
	else if (m->stage == STAGE_CHDIR)
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SPAWN, CX_REASON_SPAWN,
				 json_pack("{s:s, s:s, s:i}", "stage", "chdir", "errno",
					   errno_name(m->err), "exit_code", exit_code),
				 "cannot change directory to %s: %s",
				 log_quote(q, sizeof(q), x->cwd, strlen(x->cwd), 64),
				 strerror(m->err));
	else if (m->stage == STAGE_MOUNTS)
		reply_mounts_failed(x, m);
	else {
		log_warning("exec %s: sandbox setup failed at %s: %s", x->id,
			    sandbox_stage_to_string((enum sandbox_stage)m->stage), strerror(m->err));
		conn_reply_error(x->conn, &x->start_id, CX_ERR_SANDBOX_UNAVAILABLE,
				 CX_REASON_SANDBOX_UNAVAILABLE,
				 json_pack("{s:s, s:s, s:i}", "stage",
					   sandbox_stage_to_string((enum sandbox_stage)m->stage),
					   "errno", errno_name(m->err), "exit_code", exit_code),
				 "sandbox setup failed at %s: %s",
				 sandbox_stage_to_string((enum sandbox_stage)m->stage),
				 strerror(m->err));
	}
}

static void reply_started(struct exec *x)
{
	x->start_pending = false;
	x->started = true;
	x->d->stats.execs_started++;
	if (!x->conn)
		return;
	{
		json_t *res = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "id", x->id, "decision",
					x->decision, "pid", (int)x->pid, "sandbox",
					sandbox_mode_to_string(x->sandbox), "network",
					net_mode_to_string(x->network), "stdio",
					stdio_mode_names[x->stdio]);
		if (res && x->result_extra)
			json_object_update_missing(res, x->result_extra);
		conn_reply_result(x->conn, &x->start_id, res);
	}
	json_decref(x->result_extra);
	x->result_extra = NULL;
}

/*
 * "denials" and "denials_complete".  Complete means: PID 1 supervised the
 * filter (or there was none to refuse anything), its report arrived
 * whole, nothing was dropped here, and file calls were supervised if the
 * request asked for them.
 */
static void add_denials(struct exec *x, json_t *p)
{
	size_t budget = MIN((size_t)CX_MAX_DENIALS_JSON, (size_t)x->d->cfg->max_frame_bytes / 2);
	bool cut = false, complete;
	json_t *a;

	a = denials_to_json(x->denials, x->n_denials, budget, &cut);
	complete = x->have_exit && x->exit_msg.denial_flags == 0 && !x->denials_dropped && !cut &&
		   (x->supervised || !x->filtered) && (!x->log_denials || x->supervised);
	if (x->n_denials > 0 || (x->have_exit && x->exit_msg.denial_flags))
		log_debug("exec %s: %zu denial records%s, flags %#x", x->id, x->n_denials,
			  cut ? " (not all fit in exec/exited)" : "",
			  x->have_exit ? x->exit_msg.denial_flags : 0);
	json_object_set_new(p, "denials", a ? a : json_array());
	json_object_set_new(p, "denials_complete", json_boolean(complete && a));
}

static void send_exited(struct exec *x)
{
	uint64_t dur_ms = (uv_hrtime() - x->start_hrtime) / 1000000;
	json_t *p;

	if (!x->conn || !x->started)
		return;
	p = json_pack("{s:s, s:I, s:b}", "id", x->id, "duration_ms", (json_int_t)dur_ms,
		      "timed_out", x->timed_out);
	if (!p)
		return;
	add_denials(x, p);
	if (x->have_exit && x->exit_msg.kind == SANDBOX_EXITED_CODE) {
		json_object_set_new(p, "exit_code", json_integer(x->exit_msg.status));
	} else {
		int sig = x->have_exit ? x->exit_msg.status : SIGKILL;
		const char *name = exec_signal_name(sig);

		json_object_set_new(p, "signal", json_string(name ? name : "UNKNOWN"));
		json_object_set_new(p, "signal_number", json_integer(sig));
		if (x->have_exit && x->exit_msg.core_dumped)
			json_object_set_new(p, "core_dumped", json_true());
	}
	if (x->have_exit)
		json_object_set_new(p, "rusage",
				    json_pack("{s:I, s:I, s:I}", "user_ms",
					      (json_int_t)(x->exit_msg.utime_usec / 1000),
					      "system_ms",
					      (json_int_t)(x->exit_msg.stime_usec / 1000),
					      "max_rss_kib", (json_int_t)x->exit_msg.maxrss_kib));
	if (x->killed && !x->timed_out)
		json_object_set_new(p, "killed", json_true());
	/* Failed after the sandbox refused something: the user may approve a rerun outside it. */
	if (x->retry_unsandboxed && x->n_denials > 0 && !x->killed &&
	    !(x->have_exit && x->exit_msg.kind == SANDBOX_EXITED_CODE && x->exit_msg.status == 0))
		json_object_set_new(p, "sandbox_retry",
				    json_pack("{s:b, s:I}", "escalate_allowed", 1, "denials",
					      (json_int_t)x->n_denials));
	if (x->cg_report.oom_killed)
		json_object_set_new(p, "oom_killed", json_true());
	if (x->cg_report.pids_limited)
		json_object_set_new(p, "pids_limited", json_true());
	{
		json_t *lim = json_object();
		const struct daemon_config *cfg = x->d->cfg;
		if (x->cg.applied & (1u << CGROUP_MEMORY))
			json_object_set_new(lim, "memory_max_mb", json_integer(cfg->memory_max_mb));
		if (x->cg.applied & (1u << CGROUP_PIDS))
			json_object_set_new(lim, "pids_max", json_integer(cfg->pids_max));
		if (x->cg.applied & (1u << CGROUP_CPU))
			json_object_set_new(lim, "cpu_percent", json_integer(cfg->cpu_percent));
		json_object_set_new(p, "limits", lim);
	}
	conn_notify(x->conn, "exec/exited", p);
}

/* ------------------------------------------------------------ status pipe */

static void add_denial_record(struct exec *x, const struct sandbox_denial *d)
{
	if (sandbox_denial_check(d) < 0) {
		log_warning("exec %s: malformed denial record", x->id);
		x->denials_dropped = true;
		return;
	}
	if (x->n_denials >= CX_MAX_DENIAL_RECORDS) {
		x->denials_dropped = true;
		return;
	}
	if (!x->denials) {
		x->denials = calloc(CX_MAX_DENIAL_RECORDS, sizeof(*x->denials));
		if (!x->denials) {
			x->denials_dropped = true;
			return;
		}
	}
	x->denials[x->n_denials++] = *d;
}

static void read_status_records(struct exec *x)
{
	for (;;) {
		struct sandbox_msg m;
		ssize_t n = read(x->status_fd, &m, sizeof(m));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN */
		if (n == 0) {
			if (x->status_inited)
				uv_poll_stop(&x->status_poll);
			return;
		}
		if (n != (ssize_t)sizeof(m) || m.magic != SANDBOX_MSG_MAGIC) {
			log_warning("exec %s: malformed status record", x->id);
			kill_sandbox(x, "malformed status record");
			continue;
		}
		switch (m.type) {
		case SANDBOX_MSG_STARTED:
			if (x->state == EXEC_STARTING) {
				if (x->tty && exec_take_pty(x) < 0) {
					kill_sandbox(x, "no pty from the sandbox");
					break;
				}
				if (x->network == NET_PROXY && exec_take_net(x) < 0) {
					kill_sandbox(x, "no proxy listeners from the sandbox");
					break;
				}
				x->state = EXEC_RUNNING;
				reply_started(x);
				exec_start_output(x);
			}
			break;
		case SANDBOX_MSG_FAILED:
			x->fail_msg = m;
			x->have_fail = true;
			if (x->state == EXEC_STARTING) {
				x->state = EXEC_FAILED;
				reply_start_failed(x);
			}
			break;
		case SANDBOX_MSG_EXITED:
			x->exit_msg = m;
			x->have_exit = true;
			/*
			 * PID 1 writes this and exits.  If nothing but PID 1 is left
			 * in the sandbox, the command's end can be reported now,
			 * without waiting for PID 1's exit (the namespaces' teardown)
			 * and the cgroup's removal: see exec_maybe_finish().
			 */
			x->only_pid1 = x->state == EXEC_RUNNING && !x->killed &&
				       cgroup_holds_only(&x->d->cgroups, &x->cg, x->pid) == 1;
			break;
		case SANDBOX_MSG_DENIAL:
			add_denial_record(x, &m.denial);
			break;
		default:
			break;
		}
	}
}

/*
 * tty mode: the pty master PID 1 sent before starting the command.  It is
 * read through out[0] and written through a duplicate (one uv_poll per
 * descriptor number).
 */
static int exec_take_pty(struct exec *x)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int master = -1, w;

	if (recvmsg(x->tty_sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&master, CMSG_DATA(c), sizeof(int));
	x->tty_sock = safe_close(x->tty_sock);
	(void)fd_set_nonblock(master, true);
	w = fcntl(master, F_DUPFD_CLOEXEC, 3);
	if (w < 0) {
		close(master);
		return negative_errno();
	}
	stream_init(x, &x->out[0], master);
	stream_init(x, &x->in, w);
	return 0;
}

/*
 * Proxied network: the listeners PID 1 created in the sandbox's network
 * namespace (sent before it built the mounts, so before STARTED), handed
 * to the proxy with the sandbox's policy.
 */
static int exec_take_net(struct exec *x)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROXY_N_LISTENERS)];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fds[PROXY_N_LISTENERS];

	if (recvmsg(x->net_sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	x->net_sock = safe_close(x->net_sock);
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || (msg.msg_flags & MSG_CTRUNC)) {
		return -EPROTO;
	}
	/* The IPv4 listeners, and the IPv6 ones if the namespace has IPv6. */
	if (c->cmsg_len != CMSG_LEN(sizeof(fds)) &&
	    c->cmsg_len != CMSG_LEN(sizeof(int) * PROXY_N_LISTENERS_V4)) {
		/* Close whatever came. */
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n && i < PROXY_N_LISTENERS; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			safe_close(fd);
		}
		return -EPROTO;
	}
	for (size_t i = 0; i < PROXY_N_LISTENERS; i++)
		fds[i] = -1;
	memcpy(fds, CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0));
	return proxy_add_sandbox(x->d, x->id, x->uid, x->net_policy, x->net_ask, fds);
}

static void on_status(uv_poll_t *h, int status, int events)
{
	struct exec *x = h->data;

	(void)events;
	if (status < 0) {
		uv_poll_stop(h);
		return;
	}
	read_status_records(x);
	exec_maybe_finish(x);
}

static void on_pidfd(uv_poll_t *h, int status, int events)
{
	struct exec *x = h->data;
	siginfo_t si = { 0 };

	(void)status;
	(void)events;
	if (waitid(P_PIDFD, (id_t)x->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	uv_poll_stop(h);
	x->pid1_info = si;
	/* PID 1 wrote its last record before exiting: collect it now. */
	read_status_records(x);
	if (x->state == EXEC_STARTING) {
		x->state = EXEC_FAILED;
		reply_start_failed(x);
	}
	x->state = EXEC_REAPED;
	if (x->timer_inited)
		uv_timer_stop(&x->timer);
	/*
	 * Every process of the sandbox is gone: read what the limits saw (unless
	 * exec/exited went out already with it), remove it.
	 */
	cgroup_remove(&x->d->cgroups, &x->cg, x->reported ? NULL : &x->cg_report);
	exec_maybe_finish(x);
}

static void on_timeout(uv_timer_t *t)
{
	struct exec *x = t->data;

	x->timed_out = true;
	x->d->stats.execs_timed_out++;
	log_info("exec %s: timed out after %lld ms", x->id, (long long)x->timeout_ms);
	kill_sandbox(x, "timeout");
}

/* ------------------------------------------------------------ output */

static void send_output(struct exec *x, int stream, const char *buf, size_t n)
{
	static const char *const names[2] = { "stdout", "stderr" };
	const char *name = x->tty ? "pty" : names[stream];
	size_t b64 = b64_encoded_len(n);
	struct wbuf *w;
	int len;
	char head[160];

	/* Built by hand: the id is ours and base64 needs no JSON escaping. */
	len = snprintf(head, sizeof(head),
		       "{\"jsonrpc\":\"2.0\",\"method\":\"exec/output\",\"params\":{\"id\":\"%s\","
		       "\"stream\":\"%s\",\"data\":\"",
		       x->id, name);
	w = conn_wbuf_new((size_t)len + b64 + 4 + 1);
	if (!w) {
		kill_sandbox(x, "out of memory");
		return;
	}
	memcpy(w->data, head, (size_t)len);
	b64_encode(w->data + len, buf, n);
	memcpy(w->data + len + b64, "\"}}\n", 4);
	w->len = (size_t)len + b64 + 4;
	x->d->stats.output_bytes += n;
	conn_send_wbuf(x->conn, w);
}

/*
 * raw_output: a header line whose "length" says how many raw bytes follow
 * it on the connection (no base64: the encoding and the client's decoding
 * cost more than everything else together).  The length is padded with
 * blanks so the header's size is known before the read, which then goes
 * straight into the queued buffer: one copy, from the pipe.  Returns
 * read()'s result (the header is queued only for n > 0).
 */
static ssize_t relay_output_raw(struct exec *x, struct exec_stream *s, int stream)
{
	char head[192];
	struct wbuf *w;
	int len;
	ssize_t n;

	len = output_raw_header(head, sizeof(head), x, stream, 0);
	if (len < 0)
		return -1;
	w = conn_wbuf_new((size_t)len + CX_RAW_OUTPUT_CHUNK);
	if (!w) {
		kill_sandbox(x, "out of memory");
		errno = EAGAIN;
		return -1;
	}
	do
		n = read(s->fd, w->data + len, CX_RAW_OUTPUT_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int e = errno;
		free(w);
		errno = e;
		return n;
	}
	output_raw_header(head, sizeof(head), x, stream, (size_t)n);
	memcpy(w->data, head, (size_t)len);
	w->len = (size_t)len + (size_t)n;
	x->d->stats.output_bytes += (uint64_t)n;
	conn_send_wbuf(x->conn, w);
	return n;
}

static void stream_eof(struct exec *x, struct exec_stream *s)
{
	stream_stop(s);
	s->eof = true;
	exec_maybe_finish(x);
}

static void on_output(uv_poll_t *h, int status, int events)
{
	struct exec_stream *s = h->data;
	struct exec *x = s->x;
	int idx = s == &x->out[0] ? 0 : 1;
	char buf[CX_OUTPUT_CHUNK];

	(void)events;
	if (status < 0) {
		stream_eof(x, s);
		return;
	}
	for (int i = 0; i < EXEC_READS_PER_EVENT; i++) {
		ssize_t n;

		if (!x->conn || x->conn->dead) {
			stream_eof(x, s);
			return;
		}
		if (x->conn->output_blocked) {
			/* Back-pressure: the pipe fills and the command blocks. */
			stream_stop(s);
			return;
		}
		if (x->raw_output && s->can_splice) {
			n = output_splice_queue(x, s, idx);
			if (n > 0) {
				if (s->owed) {
					/* The socket is full: wait for the connection to splice them. */
					stream_stop(s);
					return;
				}
				continue;
			}
			if (n == -ENOMEM) {
				kill_sandbox(x, "out of memory");
				stream_stop(s);
				return;
			}
			if (n < 0)
				continue; /* the connection is gone: the next turn sees it */
			/* Nothing counted in the pipe: end of file or a race; read to know. */
		}
		if (x->raw_output)
			n = relay_output_raw(x, s, idx);
		else
			n = read(s->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			stream_eof(x, s);
			return;
		}
		if (!x->raw_output)
			send_output(x, idx, buf, (size_t)n);
	}
}

void exec_output_resume(struct exec *x)
{
	for (int i = 0; i < 2; i++) {
		struct exec_stream *s = &x->out[i];
		if (s->inited && !s->eof && !s->polling && !s->closing && !s->owed &&
		    x->state != EXEC_STARTING) {
			s->polling = true;
			uv_poll_start(&s->poll, UV_READABLE, on_output);
		}
	}
}

static void exec_start_output(struct exec *x)
{
	if (x->conn && !x->conn->output_blocked)
		exec_output_resume(x);
	if (x->in_head && !x->in_closed)
		stdin_flush(x);
}

/*
 * exec/exited went out early: the exec is no longer the client's (its id is
 * unknown to exec_find()'s callers that act for clients, its connection may
 * close) nor counted as running (limits, daemon/status), but stays in the
 * daemon's list, still known as a sandbox's PID namespace, until PID 1 is
 * reaped and its cgroup removed.
 */
static void exec_detach(struct exec *x)
{
	struct conn *c = x->conn;

	x->reported = true;
	x->d->n_execs--;
	if (x->network == NET_PROXY)
		proxy_remove_sandbox(x->d, x->id);
	if (x->timer_inited)
		uv_timer_stop(&x->timer);
	stdin_fail_all(x);
	if (x->in.inited)
		stdin_close(x);
	list_del(&x->conn_node);
	x->conn = NULL;
	if (c)
		conn_exec_done(c);
}

/*
 * exec/exited is sent once the command's status is known and its output
 * drained: after PID 1 is reaped, or -- the common case -- as soon as PID 1
 * reported the status while the sandbox's cgroup held nothing but PID 1
 * (x->only_pid1).  Then no process of the command is left to write
 * anything, to the workspace or elsewhere, after the client hears it ended,
 * and the limits' counters are final.  Without a cgroup to tell (hosts
 * without controllers) the report waits for PID 1 as before.
 */
static void exec_maybe_finish(struct exec *x)
{
	bool early;

	if (x->closing)
		return;
	if (x->reported) {
		if (x->state == EXEC_REAPED)
			exec_free(x);
		return;
	}
	early = x->state == EXEC_RUNNING && x->have_exit && x->only_pid1 && !x->killed;
	if (x->state != EXEC_REAPED && !early)
		return;
	if (x->conn && !x->conn->dead && x->started) {
		for (int i = 0; i < 2; i++)
			if (x->out[i].inited && !x->out[i].eof)
				return; /* drain what is left first */
	}
	if (early) {
		cgroup_read_report(&x->d->cgroups, &x->cg, &x->cg_report);
		audit_ev_exec_exit(x);
		send_exited(x);
		exec_detach(x);
		return;
	}
	audit_ev_exec_exit(x);
	send_exited(x);
	exec_free(x);
}

/* ------------------------------------------------------------ stdin */

static void stdin_close(struct exec *x)
{
	x->in_closed = true;
	stream_close(&x->in); /* EOF for the command once the handle is closed */
}

static void stdin_fail_all(struct exec *x)
{
	/*
	 * Detach the queue first: a reply can fail, close the connection and
	 * re-enter here through exec_conn_gone() (it then finds nothing).
	 */
	struct stdin_chunk *c = x->in_head, *n;

	x->in_head = x->in_tail = NULL;
	x->in_queued = 0;
	for (; c; c = n) {
		n = c->next;
		if (x->conn && !x->conn->dead)
			conn_reply_error(x->conn, &c->id, CX_ERR_STATE, CX_REASON_STDIN_CLOSED, NULL,
					 "the command's stdin is closed");
		free(c);
	}
}

static void on_stdin_writable(uv_poll_t *h, int status, int events)
{
	struct exec_stream *s = h->data;

	(void)events;
	if (status < 0) {
		stdin_fail_all(s->x);
		stdin_close(s->x);
		return;
	}
	stdin_flush(s->x);
}

static void stdin_flush(struct exec *x)
{
	while (x->in_head) {
		struct stdin_chunk *c = x->in_head;
		ssize_t n = write(x->in.fd, c->data + c->off, c->len - c->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!x->in.polling) {
				x->in.polling = true;
				uv_poll_start(&x->in.poll, UV_WRITABLE, on_stdin_writable);
			}
			return;
		}
		if (n < 0) {
			/* EPIPE: the command closed its stdin. */
			stdin_fail_all(x);
			stdin_close(x);
			return;
		}
		c->off += (size_t)n;
		x->in_queued -= (size_t)n;
		if (c->off == c->len) {
			x->in_head = c->next;
			if (!x->in_head)
				x->in_tail = NULL;
			if (x->conn && !x->conn->dead)
				conn_reply_result(x->conn, &c->id,
						  json_pack("{s:I}", "written", (json_int_t)c->len));
			free(c);
			/* The reply may have closed the connection, and with it this queue. */
			if (!x->conn || x->in_closed)
				return;
		}
	}
	stream_stop(&x->in);
	if (x->in_close_requested)
		stdin_close(x);
}

int exec_write(struct exec *x, struct conn *c, const struct rpc_id *id, const void *data,
	       size_t len)
{
	struct stdin_chunk *ch;

	if (x->stdio != STDIO_PIPE || !x->in.inited || x->in.closing || x->in_closed ||
	    x->in_close_requested ||
	    x->state == EXEC_REAPED || x->state == EXEC_FAILED)
		return conn_reply_error(c, id, CX_ERR_STATE, CX_REASON_STDIN_CLOSED, NULL,
					"exec %s: stdin is closed", x->id);
	if (x->in_queued + len > CX_MAX_STDIN_BUFFER)
		return conn_reply_error(c, id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					"exec %s: more than %d bytes of stdin pending; wait for "
					"earlier exec/write replies",
					x->id, CX_MAX_STDIN_BUFFER);
	if (len == 0)
		return conn_reply_result(c, id, json_pack("{s:i}", "written", 0));

	ch = malloc(sizeof(*ch) + len);
	if (!ch)
		return -ENOMEM;
	ch->next = NULL;
	ch->id = *id;
	ch->len = len;
	ch->off = 0;
	memcpy(ch->data, data, len);
	if (x->in_tail)
		x->in_tail->next = ch;
	else
		x->in_head = ch;
	x->in_tail = ch;
	x->in_queued += len;
	if (x->state == EXEC_RUNNING)
		stdin_flush(x);
	return 0;
}

int exec_resize(struct exec *x, struct conn *c, const struct rpc_id *id, unsigned rows,
		unsigned cols)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (!x->tty || !x->out[0].inited || x->state != EXEC_RUNNING)
		return conn_reply_error(c, id, CX_ERR_STATE, CX_REASON_STATE, NULL,
					"exec %s has no terminal", x->id);
	/* The kernel sends SIGWINCH to the terminal's foreground process group. */
	if (ioctl(x->out[0].fd, TIOCSWINSZ, &ws) < 0)
		return conn_reply_error(c, id, CX_ERR_STATE, CX_REASON_STATE, NULL,
					"cannot resize: %s", strerror(errno));
	return conn_reply_result(c, id, json_object());
}

int exec_close_stdin(struct exec *x, struct conn *c, const struct rpc_id *id)
{
	if (x->tty) {
		/* A terminal has no "end" short of hanging up: send the EOF character. */
		static const char eof = 4;
		if (x->in.inited && !x->in_closed)
			(void)!write(x->in.fd, &eof, 1);
		return conn_reply_result(c, id, json_object());
	}
	if (x->stdio == STDIO_PIPE && x->in.inited && !x->in_closed) {
		x->in_close_requested = true;
		if (!x->in_head)
			stdin_close(x);
	}
	return conn_reply_result(c, id, json_object());
}

/* ------------------------------------------------------------ signals */

int exec_send_signal(struct exec *x, int sig)
{
	siginfo_t si = { 0 };
	int carrier = SIGRTMIN;

	if (x->state == EXEC_REAPED || x->pidfd < 0)
		return -ESRCH;
	if (sig == SIGKILL) {
		x->d->stats.execs_killed++;
		kill_sandbox(x, "SIGKILL requested");
		return 0;
	}
	/*
	 * Any other signal goes to PID 1 on a real-time carrier, with the
	 * number in si_value; PID 1 forwards it to the command's process
	 * group.  (A plain SIGSTOP would stop PID 1 itself.)
	 */
	si.si_signo = carrier;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = sig;
	return child_signal(x->pidfd, x->pid, carrier, &si);
}

void exec_conn_gone(struct exec *x)
{
	list_del(&x->conn_node);
	x->conn = NULL;
	if (x->state != EXEC_REAPED) {
		x->d->stats.execs_killed++;
		kill_sandbox(x, "client disconnected");
	}
	for (int i = 0; i < 2; i++) {
		stream_stop(&x->out[i]);
		x->out[i].eof = true;
	}
	stdin_fail_all(x);
	if (x->in.inited)
		stdin_close(x);
	exec_maybe_finish(x);
}

void exec_kill_all(struct daemon *d, const char *why)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->execs)
	{
		kill_sandbox(list_entry(pos, struct exec, node), why);
	}
}

/* ------------------------------------------------------------ start */

static int make_pipe(int ret[2])
{
	if (pipe2(ret, O_CLOEXEC) < 0)
		return negative_errno();
	return 0;
}

/*
 * Check the descriptors a client passed for stdio mode "fds".  They are the
 * client's own (SCM_RIGHTS), so handing them to a sandbox running as that
 * client grants nothing new; listening sockets are refused because a
 * sandbox must not accept connections on the client's behalf.
 */
static int check_client_fd(int fd, char *err, size_t errsz, int which)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errsz, "descriptor %d is not usable", which);
		return -EBADF;
	}
	if (S_ISSOCK(st.st_mode)) {
		int listening = 0;
		socklen_t l = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) == 0 && listening) {
			snprintf(err, errsz, "descriptor %d is a listening socket", which);
			return -EINVAL;
		}
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "descriptor %d is a directory", which);
		return -EINVAL;
	}
	return 0;
}

/*
 * The command's seccomp program: none for danger-full-access with the host's
 * network (Codex's "unsandboxed"); otherwise the profile of its network mode.
 */
static enum seccomp_profile exec_seccomp_profile(enum net_mode net)
{
	return net == NET_OFF	  ? SECCOMP_PROFILE_NET_OFF
	       : net == NET_PROXY ? SECCOMP_PROFILE_NET_PROXY
				  : SECCOMP_PROFILE_NET_FULL;
}

static const struct sock_fprog *exec_seccomp_program(struct daemon *d, enum sandbox_mode mode,
						     enum net_mode net)
{
	if (!d->seccomp_ok || (mode == SANDBOX_DANGER_FULL_ACCESS && net == NET_FULL))
		return NULL;
	return seccomp_program(&d->seccomp, exec_seccomp_profile(net), false);
}

/*
 * Its variant with user notification, through which the sandbox's PID 1
 * sees (and reports) what is refused: notify+fs when the request asked
 * for file denials too.  NULL without a plain program, or on a kernel
 * without SECCOMP_RET_USER_NOTIF.
 */
static const struct sock_fprog *exec_seccomp_notify_program(struct daemon *d,
							    enum sandbox_mode mode,
							    enum net_mode net, unsigned features)
{
	if (!exec_seccomp_program(d, mode, net))
		return NULL;
	return seccomp_program_variant(&d->seccomp, exec_seccomp_profile(net),
				       seccomp_variant_notify(features));
}

static void random_id(char *buf, size_t n)
{
	unsigned char r[8];

	randombytes_buf(r, sizeof(r));
	snprintf(buf, n, "x%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
}

int exec_start(struct conn *c, const struct rpc_id *id, struct exec_request *req,
	       int *stdio_fds, const struct exec_settings *set)
{
	struct daemon *d = c->d;
	const struct daemon_config *cfg = d->cfg;
	int child_fds[3] = { -1, -1, -1 };
	int parent_fds[3] = { -1, -1, -1 };
	char *const *envp = set->envp;
	struct spawn_result sr;
	struct sandbox_spec spec;
	struct sandbox_plan plan = { 0 };
	bool have_plan = false, have_cg = false;
	struct exec_cgroup cg = { .v2_fd = -1, .procs_fd = { -1, -1, -1 } };
	int tty_sock[2] = { -1, -1 }, net_sock[2] = { -1, -1 }, go[2] = { -1, -1 };
	_cleanup_strv_free_ char **proxy_envp = NULL;
	json_t *net_policy = NULL;
	char xid[24];
	enum sandbox_mode mode;
	enum net_mode net;
	int64_t timeout;
	struct exec *x = NULL;
	char err[160];
	int r;

	/* Limits first: they cost nothing to check. */
	if (d->n_execs >= cfg->max_execs) {
		r = conn_reply_error(c, id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
				     "too many commands running (limit %u)", cfg->max_execs);
		goto out;
	}
	if (execs_of_uid(d, c->peer.uid) >= cfg->max_execs_per_uid) {
		r = conn_reply_error(c, id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
				     "too many commands running for uid %u (limit %u)",
				     (unsigned)c->peer.uid, cfg->max_execs_per_uid);
		goto out;
	}

	mode = set->mode;
	if (req->has_network)
		net = (enum net_mode)req->network;
	else if (mode == SANDBOX_DANGER_FULL_ACCESS ||
		 (mode == SANDBOX_WORKSPACE_WRITE && set->ww_network_access))
		net = NET_FULL;
	else
		net = NET_OFF;
	if (net == NET_PROXY) {
		const char *why = NULL;
		if (!cfg->net_enabled) {
			r = conn_reply_error(c, id, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN, NULL,
					     "proxied network is turned off by the configuration "
					     "([network] enabled = false)");
			goto out;
		}
		if (!proxy_usable(d, &why)) {
			r = conn_reply_error(c, id, CX_ERR_SANDBOX_UNAVAILABLE,
					     CX_REASON_SANDBOX_UNAVAILABLE, NULL,
					     "the network proxy is unavailable: %s", why);
			goto out;
		}
		r = proxy_env_build(set->envp, &proxy_envp);
		if (r < 0)
			goto out;
		envp = proxy_envp;
		net_policy = set->net_policy ? domain_policy_to_json(set->net_policy)
					     : domain_policy_to_json(&(struct domain_policy){ 0 });
		if (!net_policy) {
			r = -ENOMEM;
			goto out;
		}
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, net_sock) < 0) {
			r = negative_errno();
			goto out;
		}
	}
	if (net == NET_FULL && mode != SANDBOX_DANGER_FULL_ACCESS &&
	    !(mode == SANDBOX_WORKSPACE_WRITE && set->ww_network_access)) {
		r = conn_reply_error(c, id, CX_ERR_FORBIDDEN, CX_REASON_FORBIDDEN, NULL,
				     "full network access inside a %s sandbox is not allowed by the "
				     "configuration ([sandbox_workspace_write] network_access)",
				     sandbox_mode_to_string(mode));
		goto out;
	}
	/* Kernel features the configuration requires (daemon/status shows them). */
	if (mode != SANDBOX_DANGER_FULL_ACCESS && cfg->require_seccomp && !d->seccomp_ok) {
		r = conn_reply_error(c, id, CX_ERR_SANDBOX_UNAVAILABLE, CX_REASON_SANDBOX_UNAVAILABLE,
				     NULL, "seccomp is unavailable (%s) and [sandbox] require_seccomp "
					   "is set",
				     d->seccomp_error);
		goto out;
	}
	if (mode != SANDBOX_DANGER_FULL_ACCESS && cfg->require_landlock &&
	    d->features.landlock_abi <= 0) {
		r = conn_reply_error(c, id, CX_ERR_SANDBOX_UNAVAILABLE, CX_REASON_SANDBOX_UNAVAILABLE,
				     NULL, "this kernel has no Landlock and [sandbox] "
					   "require_landlock is set");
		goto out;
	}
	if (req->tty && req->stdio == STDIO_FDS) {
		r = conn_reply_error(c, id, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS, NULL,
				     "params.tty: not with stdio \"fds\" (pass your terminal as the "
				     "descriptors instead)");
		goto out;
	}
	timeout = req->has_timeout ? req->timeout_ms : cfg->default_timeout_ms;
	if (cfg->max_timeout_ms > 0 && (timeout == 0 || timeout > cfg->max_timeout_ms))
		timeout = cfg->max_timeout_ms;

	{
		struct sandbox_plan_input in = {
			.mode = mode,
			.network = net,
			.cwd = req->cwd,
			.request_roots = req->writable_roots,
			.envp = envp,
			.peer = &c->peer,
			.daemon_socket = d->listener.path,
			.tty_gid = d->tty_gid,
			.landlock_abi = mode == SANDBOX_DANGER_FULL_ACCESS ? 0
									: d->features.landlock_abi,
			.home = c->peer.home[0] ? c->peer.home : NULL,
			.config_roots = set->config_roots,
			.exclude_slash_tmp = set->exclude_slash_tmp,
			.exclude_tmpdir_env_var = set->exclude_tmpdir_env_var,
			.extra_deny = set->extra_deny,
			.extra_readonly = set->extra_readonly,
			.unix_allowlist = set->unix_allowlist,
			.unix_sockets = set->unix_sockets,
		};
		r = sandbox_plan_build(cfg, &in, &plan, err, sizeof(err));
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			r = conn_reply_error(c, id, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS,
					     NULL, "%s", err);
			goto out;
		}
		have_plan = true;
	}
	/* deny_read and a host /tmp are enforced by PID 1's supervisor: no sandbox without it. */
	if (plan.supervise.features &&
	    !exec_seccomp_notify_program(d, mode, net, plan.supervise.features)) {
		r = conn_reply_error(c, id, CX_ERR_SANDBOX_UNAVAILABLE, CX_REASON_SANDBOX_UNAVAILABLE,
				     NULL, "[sandbox] deny_read and tmp = \"host\" need seccomp "
					   "with user notification, which is unavailable");
		goto out;
	}

	if (req->tty) {
		/*
		 * PID 1 makes the pty inside the sandbox and sends the master back;
		 * until then stdio is /dev/null.
		 */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tty_sock) < 0) {
			r = negative_errno();
			goto out;
		}
		for (int i = 0; i < 3; i++) {
			child_fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
			if (child_fds[i] < 0) {
				r = negative_errno();
				goto out;
			}
		}
	} else if (req->stdio == STDIO_FDS) {
		for (int i = 0; i < 3; i++) {
			r = check_client_fd(stdio_fds[i], err, sizeof(err), i);
			if (r < 0) {
				r = conn_reply_error(c, id, CX_ERR_INVALID_PARAMS,
						     CX_REASON_INVALID_PARAMS, NULL, "%s", err);
				goto out;
			}
		}
		for (int i = 0; i < 3; i++)
			child_fds[i] = TAKE_FD(stdio_fds[i]);
	} else {
		int p[2];

		if (req->stdin_open) {
			r = make_pipe(p);
			if (r < 0)
				goto out;
			child_fds[0] = p[0];
			parent_fds[0] = p[1];
		} else {
			child_fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
			if (child_fds[0] < 0) {
				r = negative_errno();
				goto out;
			}
		}
		for (int i = 1; i < 3; i++) {
			r = make_pipe(p);
			if (r < 0)
				goto out;
			parent_fds[i] = p[0];
			child_fds[i] = p[1];
			/*
			 * Fewer, larger reads per byte relayed (the kernel's default is
			 * 64 KiB).  Best effort: the default pipe works, only slower.
			 */
			if (req->raw_output)
				(void)fcntl(p[0], F_SETPIPE_SZ, CX_OUTPUT_PIPE_SIZE);
		}
		for (int i = 0; i < 3; i++)
			if (parent_fds[i] >= 0)
				(void)fd_set_nonblock(parent_fds[i], true);
	}

	if (set->exec_id)
		snprintf(xid, sizeof(xid), "%s", set->exec_id);
	else
		random_id(xid, sizeof(xid));
	{
		struct cgroup_limits lim = {
			.memory_bytes = (uint64_t)cfg->memory_max_mb * 1024 * 1024,
			.pids = cfg->pids_max,
			.cpu_percent = cfg->cpu_percent,
		};
		r = cgroup_pool_create(d, xid, &lim, &cg);
		if (r < 0) {
			log_warning_errno(r, "exec %s: cannot create its cgroup; running without "
					     "cgroup limits",
					  xid);
			cg = (struct exec_cgroup){ .v2_fd = -1,
						   .procs_fd = { -1, -1, -1 } };
		}
		have_cg = true;
	}

	spec = (struct sandbox_spec){
		.argv = req->argv,
		.program = set->program,
		.envp = envp,
		.cwd = req->cwd,
		.priv = { .uid = c->peer.uid,
			  .gid = c->peer.gid,
			  .groups = c->peer.groups,
			  .n_groups = c->peer.n_groups,
			  .cap_last_cap = d->cap_last_cap },
		.stdio = { child_fds[0], child_fds[1], child_fds[2] },
		.lifeline_fd = d->lifeline[0],
		.carrier_signal = SIGRTMIN,
		.mounts = plan.use_mounts ? &plan.mount : NULL,
		.landlock = plan.landlock,
		.seccomp = exec_seccomp_program(d, mode, net),
		.cgroup_procs = { cg.procs_fd[0], cg.procs_fd[1], cg.procs_fd[2] },
		.tty_sock = tty_sock[1],
		.net_sock = net_sock[1],
		.resolv_stub = net == NET_PROXY && !plan.use_mounts,
		.tty_rows = (unsigned short)(req->rows ? req->rows : 24),
		.tty_cols = (unsigned short)(req->cols ? req->cols : 80),
		.rlimit_fsize = (uint64_t)cfg->max_file_size_mb * 1024 * 1024,
		.rlimit_nofile = cfg->max_open_files,
		.rlimit_nofile_soft = fdlimit_commands_soft(),
		.no_core = !cfg->allow_core_dumps,
		.seccomp_notify = exec_seccomp_notify_program(
			d, mode, net,
			(req->log_denials ? SECCOMP_FEATURE_FS : 0u) | plan.supervise.features),
		.seccomp_notify_fs = req->log_denials,
		.supervise = &plan.supervise,
	};
	/* Only the PID namespace must exist at the clone (PID 1); PID 1 makes the rest. */
	spec.unshare_flags = plan.clone_flags & ~(uint64_t)CLONE_NEWPID;
	/* The audit record is being synced: build the sandbox meanwhile, gate the command. */
	if (set->audit_seq > 0) {
		if (pipe2(go, O_CLOEXEC) < 0) {
			r = negative_errno();
			goto out;
		}
		spec.wait_go = true;
		spec.go_fd = go[0];
	}
	if (d->spawner.self_exe >= 0 && d->spawner.starts > 0)
		r = spawner_spawn(&d->spawner, &spec, plan.clone_flags & CLONE_NEWPID, cg.v2_fd, &sr);
	else
		r = spawn_sandbox(&spec, plan.clone_flags & CLONE_NEWPID, cg.v2_fd, &sr);
	go[0] = safe_close(go[0]);
	cgroup_close_child_fds(&cg);
	tty_sock[1] = safe_close(tty_sock[1]);
	net_sock[1] = safe_close(net_sock[1]);
	for (int i = 0; i < 3; i++)
		child_fds[i] = safe_close(child_fds[i]);
	if (r < 0) {
		log_error_errno(r, "cannot create a sandbox for uid %u", (unsigned)c->peer.uid);
		d->stats.execs_failed++;
		r = conn_reply_error(c, id, CX_ERR_SANDBOX_UNAVAILABLE, CX_REASON_SANDBOX_UNAVAILABLE,
				     NULL, "cannot create the sandbox: %s", strerror(-r));
		goto out;
	}

	x = calloc(1, sizeof(*x));
	if (!x) {
		/* The sandbox exists: kill it, PID 1 is reaped by nobody but the kernel
		 * takes the namespace down; the zombie stays until the daemon exits. */
		(void)child_signal(sr.pidfd, sr.pid, SIGKILL, NULL);
		(void)waitid(P_PIDFD, (id_t)sr.pidfd, &(siginfo_t){ 0 }, WEXITED);
		safe_close(sr.pidfd);
		safe_close(sr.status_fd);
		r = -ENOMEM;
		goto out;
	}
	x->d = d;
	x->conn = c;
	x->go_fd = TAKE_FD(go[1]);
	memcpy(x->id, xid, sizeof(x->id));
	x->cg = cg;
	have_cg = false;
	x->uid = c->peer.uid;
	x->argv0 = strdup(req->argv[0]);
	x->cwd = strdup(req->cwd);
	x->sandbox = mode;
	x->network = net;
	x->tty = req->tty;
	x->tty_sock = TAKE_FD(tty_sock[0]);
	x->net_sock = TAKE_FD(net_sock[0]);
	x->net_policy = TAKE_PTR(net_policy);
	x->net_ask = set->net_ask;
	x->log_denials = req->log_denials;
	/* Raw bytes after a line only exist in newline framing; Content-Length gets base64. */
	x->raw_output = req->raw_output && !frame_reader_uses_headers(&c->rd);
	x->decision = set->decision ? set->decision : "allow";
	x->result_extra = set->result_extra ? json_incref(set->result_extra) : NULL;
	x->retry_unsandboxed = set->retry_unsandboxed;
	x->filtered = spec.seccomp != NULL;
	x->supervised = spec.seccomp_notify != NULL;
	/* Copies for error messages (the plan borrows from the request). */
	for (size_t i = 0; i < plan.mount.n_roots; i++)
		if (strv_extend(&x->roots, plan.mount.roots[i]) < 0)
			break;
	for (size_t i = 0; i < plan.mount.n_deny; i++)
		if (strv_extend(&x->deny, plan.mount.deny[i]) < 0)
			break;
	x->stdio = (enum stdio_mode)req->stdio;
	x->state = EXEC_STARTING;
	x->start_pending = true;
	x->start_id = *id;
	x->pid = sr.pid;
	x->pidfd = sr.pidfd;
	x->pidns_ino = pidfd_pidns_ino(sr.pidfd);
	x->status_fd = sr.status_fd;
	x->timeout_ms = timeout;
	x->start_hrtime = uv_hrtime();
	x->out[0].fd = x->out[1].fd = x->in.fd = -1;

	list_add_tail(&d->execs, &x->node);
	list_add_tail(&c->execs, &x->conn_node);
	d->n_execs++;

	uv_poll_init(d->loop, &x->pidfd_poll, x->pidfd);
	x->pidfd_poll.data = x;
	x->pidfd_inited = true;
	x->open_handles++;
	uv_poll_start(&x->pidfd_poll, UV_READABLE, on_pidfd);
	uv_poll_init(d->loop, &x->status_poll, x->status_fd);
	x->status_poll.data = x;
	x->status_inited = true;
	x->open_handles++;
	uv_poll_start(&x->status_poll, UV_READABLE, on_status);
	stream_init(x, &x->out[0], parent_fds[1]);
	stream_init(x, &x->out[1], parent_fds[2]);
	for (int i = 0; i < 2 && x->raw_output; i++)
		x->out[i].can_splice = output_splice_possible(x->out[i].fd);
	stream_init(x, &x->in, parent_fds[0]);
	parent_fds[0] = parent_fds[1] = parent_fds[2] = -1;
	if (timeout > 0) {
		uv_timer_init(d->loop, &x->timer);
		x->timer.data = x;
		x->timer_inited = true;
		x->open_handles++;
		uv_timer_start(&x->timer, on_timeout, (uint64_t)timeout, 0);
	}
	log_debug("exec %s: uid %u pid %d: %s", x->id, (unsigned)x->uid, (int)x->pid,
		  log_q(x->argv0));
	if (x->go_fd >= 0) {
		int w = audit_wait_durable(d->audit, set->audit_seq, exec_on_durable, x, &x->aw);
		if (w != 0)
			exec_on_durable(x, w > 0 ? 0 : w);
	}
	r = 0;
out:
	for (int i = 0; i < 3; i++) {
		safe_close(child_fds[i]);
		safe_close(parent_fds[i]);
	}
	if (have_plan)
		sandbox_plan_done(&plan);
	if (have_cg)
		cgroup_remove(&d->cgroups, &cg, NULL);
	safe_close(tty_sock[0]);
	safe_close(tty_sock[1]);
	safe_close(net_sock[0]);
	safe_close(net_sock[1]);
	safe_close(go[0]);
	safe_close(go[1]);
	json_decref(net_policy);
	return r;
}
