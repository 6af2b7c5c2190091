/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/proxy_proto.h"
#include "common/strv.h"
#include "daemon/approvals.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/exec.h"
#include "daemon/net_events.h"
#include "daemon/net_grants.h"
#include "daemon/privdrop.h"
#include "daemon/child.h"
#include "daemon/proxy.h"
#include "daemon/sessions.h"
#include "daemon/user_files.h"
#include "policy/domains_json.h"
#include "policy/rules.h"

/* Where the child keeps the program's descriptor for execveat (gone at the exec). */
#define PROXY_PROG_FD (PROXY_CHAN_FD + 1)

#define RESTART_MIN_MS 200
#define RESTART_MAX_MS 30000
/* Ended sandboxes kept for the worker's last records (a stuck worker cannot grow it). */
#define MAX_REMOVED 1024

struct psb {
	struct list_node node;
	char id[24];
	uid_t uid;
	int fds[PROXY_N_LISTENERS];
	json_t *policy;
	bool ask;
	bool sent;
	char scope[NET_GRANT_SCOPE_MAX]; /* whose session grants apply; "": none */
	/*
	 * The exec ended and the worker was told; kept (without listeners or
	 * policy) until the worker answers "removed", so that the records of
	 * connections it closes meanwhile still name their exec and user.
	 */
	bool removed;
};

struct pask {
	struct list_node node;
	struct proxy *p;
	uint64_t worker_id;
	char exec_id[24];
	struct pending_approval *ap;
	char *rule; /* the network_rule() approve_always saves */
	char *host; /* normalised, as the worker asked */
};

struct proxy {
	struct daemon *d;
	char program[PATH_MAX];
	uid_t uid;
	gid_t gid;
	char error[256];
	pid_t pid;
	int pidfd;
	uv_poll_t pidfd_poll;
	bool pidfd_inited;
	int chan;
	uv_poll_t chan_poll;
	bool chan_inited;
	bool ready;
	bool stopping;
	uv_timer_t restart_timer;
	unsigned restart_ms;
	unsigned restarts;
	uint64_t started_hrtime;
	struct list_node sandboxes;
	unsigned n_sandboxes;
	unsigned n_removed; /* ended, waiting for the worker's "removed" */
	struct list_node asks;
	uint64_t bad_messages;
	struct net_grants grants; /* hosts approved for a session (net_grants.h) */
};

static void proxy_start(struct proxy *p);

static void psb_free(struct psb *s)
{
	for (int i = 0; i < PROXY_N_LISTENERS; i++)
		safe_close(s->fds[i]);
	json_decref(s->policy);
	free(s);
}

static struct psb *find_sb(struct proxy *p, const char *id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &p->sandboxes)
	{
		struct psb *s = list_entry(pos, struct psb, node);
		if (strcmp(s->id, id) == 0)
			return s;
	}
	return NULL;
}

/* One message, never blocking: a stuck worker must not stall the daemon. */
static int chan_send(struct proxy *p, json_t *msg, const int *fds, size_t n_fds)
{
	_cleanup_free_ char *text = NULL;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROXY_CHAN_MAX_FDS)];
	} u;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (!msg)
		return -ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return -ENOMEM;
	if (p->chan < 0)
		return -ENOTCONN;
	iov = (struct iovec){ .iov_base = text, .iov_len = strlen(text) };
	if (n_fds) {
		struct cmsghdr *c;
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(p->chan, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return negative_errno();
	return 0;
}

static int append_host(void *ud, const char *host)
{
	return json_array_append_new(ud, json_string(host)) < 0 ? -ENOMEM : 0;
}

static void send_sandbox(struct proxy *p, struct psb *s)
{
	json_t *granted;
	int r;

	if (!p->ready || s->sent || s->removed)
		return;
	granted = json_array();
	if (granted && s->scope[0] &&
	    net_grants_foreach(&p->grants, s->uid, s->scope, append_host, granted) < 0) {
		json_decref(granted);
		granted = NULL;
	}
	if (!granted) {
		log_warning("proxy: out of memory: sandbox %s not handed to the worker", s->id);
		return;
	}
	r = chan_send(p,
		      json_pack("{s:s, s:s, s:O, s:b, s:o}", "op", "add", "sandbox", s->id,
				"policy", s->policy, "ask", s->ask, "granted", granted),
		      s->fds, s->fds[PROXY_N_LISTENERS_V4] >= 0 ? PROXY_N_LISTENERS : PROXY_N_LISTENERS_V4);
	if (r < 0) {
		log_warning_errno(r, "proxy: cannot hand sandbox %s to the worker", s->id);
		return;
	}
	s->sent = true;
}

/* ------------------------------------------------------------ approvals for misses */

static void ask_free(struct pask *a)
{
	list_del(&a->node);
	free(a->rule);
	free(a->host);
	free(a);
}

static void on_rule_saved(void *userdata, struct user_files *files, int err)
{
	char *rule = userdata;

	if (err < 0 || !files || !files->appended)
		log_warning("proxy: the approved network rule was not saved: %s",
			    err < 0 ? strerror(-err) : "the helper did not write it");
	else
		log_info("proxy: saved %s", log_q(rule));
	user_files_free(files);
	free(rule);
}

/*
 * approve_always: append the network_rule() to the user's
 * ~/.codex/rules/default.rules, written by the helper that runs as the
 * user (daemon/user_files.c), never by root.
 */
static void save_rule(struct proxy *p, const struct pask *a)
{
	struct exec *x = exec_find(p->d, a->exec_id);
	struct conn *c = x ? x->conn : NULL;
	struct user_files_loader *l;
	char *rule;

	if (!c || !c->peer.home[0] || !path_is_absolute_normalized(c->peer.home) || !a->rule)
		return;
	rule = strdup(a->rule);
	if (!rule)
		return;
	{
		struct user_files_request ur = {
			.uid = c->peer.uid,
			.gid = c->peer.gid,
			.groups = c->peer.groups,
			.n_groups = c->peer.n_groups,
			.home = c->peer.home,
			.append_rule = rule,
		};
		/* The loader runs to completion on its own; the daemon does not wait for it. */
		if (user_files_load(p->d, &ur, on_rule_saved, rule, &l) < 0)
			free(rule);
	}
}

/*
 * approve_for_session: the host stays allowed for every sandbox of the
 * asking one's scope (its session, or its connection), the running ones
 * at once (the asking one is told by the answer itself).
 */
static void grant_for_session(struct proxy *p, const struct pask *a)
{
	struct psb *asker = find_sb(p, a->exec_id);
	struct list_node *pos, *tmp;
	int r;

	if (!asker || !asker->scope[0] || !a->host)
		return;
	r = net_grants_add(&p->grants, asker->uid, asker->scope, a->host);
	if (r < 0) {
		log_warning_errno(r, "proxy: the session grant of %s was not remembered",
				  log_q(a->host));
		return;
	}
	LIST_FOREACH_SAFE(pos, tmp, &p->sandboxes)
	{
		struct psb *s = list_entry(pos, struct psb, node);
		if (s == asker || !s->sent || s->removed || s->uid != asker->uid ||
		    strcmp(s->scope, asker->scope) != 0)
			continue;
		(void)chan_send(p,
				json_pack("{s:s, s:s, s:s}", "op", "grant", "sandbox", s->id, "host",
					  a->host),
				NULL, 0);
	}
}

static void on_ask_answer(void *userdata, const struct approval_answer *ans)
{
	struct pask *a = userdata;
	struct proxy *p = a->p;
	bool allow = ans->choice == APPROVAL_CHOICE_APPROVE ||
		     ans->choice == APPROVAL_CHOICE_APPROVE_FOR_SESSION;

	a->ap = NULL;
	if (allow && ans->always)
		save_rule(p, a);
	if (ans->choice == APPROVAL_CHOICE_APPROVE_FOR_SESSION)
		grant_for_session(p, a);
	(void)chan_send(p,
			json_pack("{s:s, s:I, s:b, s:b}", "op", "answer", "id",
				  (json_int_t)a->worker_id, "allow", allow, "session",
				  ans->choice == APPROVAL_CHOICE_APPROVE_FOR_SESSION || ans->always),
			NULL, 0);
	ask_free(a);
}

static void deny_ask(struct proxy *p, uint64_t worker_id)
{
	(void)chan_send(p,
			json_pack("{s:s, s:I, s:b, s:b}", "op", "answer", "id", (json_int_t)worker_id,
				  "allow", false, "session", false),
			NULL, 0);
}

static void cancel_asks(struct proxy *p, const char *exec_id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &p->asks)
	{
		struct pask *a = list_entry(pos, struct pask, node);
		if (exec_id && strcmp(a->exec_id, exec_id) != 0)
			continue;
		if (a->ap)
			approvals_cancel(a->ap);
		ask_free(a);
	}
}

/* ------------------------------------------------------------ worker messages */

static bool host_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > CX_MAX_DOMAIN + 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return false;
	return true;
}

static bool word_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.' ||
		      s[i] == ':'))
			return false;
	return true;
}

static int on_event(struct proxy *p, json_t *m)
{
	const char *sbid = json_string_value(json_object_get(m, "sandbox"));
	const char *host = json_string_value(json_object_get(m, "host"));
	const char *proto = json_string_value(json_object_get(m, "protocol"));
	const char *decision = json_string_value(json_object_get(m, "decision"));
	const char *reason = json_string_value(json_object_get(m, "reason"));
	const char *method = json_string_value(json_object_get(m, "method"));
	const char *address = json_string_value(json_object_get(m, "address"));
	const char *state = json_string_value(json_object_get(m, "state"));
	json_t *port = json_object_get(m, "port"), *bo = json_object_get(m, "bytes_out"),
	       *bi = json_object_get(m, "bytes_in");
	enum net_protocol np;
	struct psb *s = sbid ? find_sb(p, sbid) : NULL;
	struct net_event ev;

	if (!s || !host_ok(host) || !proto || net_protocol_from_string(proto, &np) < 0 ||
	    !state || (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) || !decision ||
	    (strcmp(decision, "allow") != 0 && strcmp(decision, "deny") != 0) ||
	    !word_ok(reason, 64) || (method && !word_ok(method, 23)) ||
	    (address && !word_ok(address, 64)) || !json_is_integer(port) ||
	    json_integer_value(port) < 0 || json_integer_value(port) > 65535 ||
	    !json_is_integer(bo) || json_integer_value(bo) < 0 || !json_is_integer(bi) ||
	    json_integer_value(bi) < 0)
		return -EINVAL;
	ev = (struct net_event){
		.exec_id = s->id,
		.uid = s->uid,
		.host = host,
		.port = (unsigned)json_integer_value(port),
		.protocol = net_protocol_to_string(np),
		.decision = decision,
		.reason = reason,
		.method = method,
		.address = address,
		.bytes_out = (uint64_t)json_integer_value(bo),
		.bytes_in = (uint64_t)json_integer_value(bi),
		.open = strcmp(state, "open") == 0,
	};
	net_events_record(p->d, &ev);
	return 0;
}

/* The worker has closed everything of a removed sandbox and reported it. */
static int on_removed(struct proxy *p, json_t *m)
{
	const char *sbid = json_string_value(json_object_get(m, "sandbox"));
	struct psb *s = sbid ? find_sb(p, sbid) : NULL;

	if (!sbid)
		return -EINVAL;
	if (s && s->removed) {
		p->n_removed--;
		list_del(&s->node);
		psb_free(s);
	}
	return 0;
}

static int on_ask(struct proxy *p, json_t *m)
{
	const char *sbid = json_string_value(json_object_get(m, "sandbox"));
	const char *host = json_string_value(json_object_get(m, "host"));
	const char *proto = json_string_value(json_object_get(m, "protocol"));
	json_t *jid = json_object_get(m, "id"), *port = json_object_get(m, "port");
	struct psb *s = sbid ? find_sb(p, sbid) : NULL;
	struct exec *x = s ? exec_find(p->d, s->id) : NULL;
	enum net_protocol np;
	struct pask *a;
	char reason[400], q[4 * 64 + 8];
	int r;

	if (!json_is_integer(jid) || json_integer_value(jid) <= 0)
		return -EINVAL;
	if (!s || !host_ok(host) || !proto || net_protocol_from_string(proto, &np) < 0 ||
	    !json_is_integer(port) || json_integer_value(port) < 0 ||
	    json_integer_value(port) > 65535) {
		deny_ask(p, (uint64_t)json_integer_value(jid));
		return -EINVAL;
	}
	if (s->removed || !x || !x->conn) {
		deny_ask(p, (uint64_t)json_integer_value(jid));
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		deny_ask(p, (uint64_t)json_integer_value(jid));
		return -ENOMEM;
	}
	a->p = p;
	a->worker_id = (uint64_t)json_integer_value(jid);
	snprintf(a->exec_id, sizeof(a->exec_id), "%s", s->id);
	a->host = strdup(host); /* NULL: the answer is not remembered for the session */
	list_add_tail(&p->asks, &a->node);
	if (np != NET_PROTO_DNS) {
		static const enum rules_net_protocol map[] = {
			[NET_PROTO_HTTP] = RULES_NET_HTTP,
			[NET_PROTO_HTTPS] = RULES_NET_HTTPS,
			[NET_PROTO_SOCKS5_TCP] = RULES_NET_SOCKS5_TCP,
			[NET_PROTO_SOCKS5_UDP] = RULES_NET_SOCKS5_UDP,
		};
		if (rules_render_network_amendment(host, map[np], RULES_DECISION_ALLOW, NULL,
						   &a->rule) < 0)
			a->rule = NULL; /* a host the rules language cannot hold: no approve_always */
	}
	snprintf(reason, sizeof(reason),
		 "network access to %s port %lld (%s) is not on the allow list",
		 log_quote(q, sizeof(q), host, strlen(host), 64), (long long)json_integer_value(port),
		 net_protocol_to_string(np));
	{
		char *argv[2] = { x->argv0, NULL };
		json_t *net = json_pack("{s:s, s:I, s:s, s:s}", "host", host, "port",
					json_integer_value(port), "protocol",
					net_protocol_to_string(np), "exec_id", s->id);
		struct approval_ask ask = {
			.argv = argv,
			.cwd = x->cwd,
			.reason = reason,
			.sandbox = sandbox_mode_to_string(x->sandbox),
			.choices = APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE) |
				   APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION) |
				   APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_DENY) |
				   APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_ABORT),
			.network = net,
			.proposed_network_rule = a->rule,
		};
		r = approvals_ask(x->conn, &ask, on_ask_answer, a, &a->ap);
		json_decref(net);
	}
	if (r < 0) {
		deny_ask(p, a->worker_id);
		ask_free(a);
	}
	return 0;
}

static void on_message(struct proxy *p, const char *buf, size_t len)
{
	json_error_t je;
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	const char *op = json_string_value(json_object_get(m, "op"));
	int r = -EINVAL;

	if (!op)
		goto out;
	if (strcmp(op, "ready") == 0) {
		struct list_node *pos, *tmp;
		p->ready = true;
		p->restart_ms = RESTART_MIN_MS;
		log_info("proxy: worker %d ready", (int)p->pid);
		if (p->d->cfg->net_dns_server)
			(void)chan_send(p,
					json_pack("{s:s, s:s}", "op", "config", "dns_server",
						  p->d->cfg->net_dns_server),
					NULL, 0);
		LIST_FOREACH_SAFE(pos, tmp, &p->sandboxes)
		{
			send_sandbox(p, list_entry(pos, struct psb, node));
		}
		r = 0;
	} else if (strcmp(op, "event") == 0)
		r = on_event(p, m);
	else if (strcmp(op, "removed") == 0)
		r = on_removed(p, m);
	else if (strcmp(op, "ask") == 0)
		r = on_ask(p, m);
out:
	if (r < 0) {
		p->bad_messages++;
		log_warning("proxy: malformed message from the worker (%s)", op ? log_q(op) : "?");
	}
	json_decref(m);
}

static void on_chan(uv_poll_t *h, int status, int events)
{
	struct proxy *p = h->data;
	static char buf[PROXY_CHAN_MAX + 1];

	(void)events;
	for (int i = 0; i < 64 && p->chan >= 0; i++) {
		ssize_t n = recv(p->chan, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || status < 0) {
			uv_poll_stop(h);
			return; /* the pidfd says when it is gone */
		}
		if ((size_t)n > PROXY_CHAN_MAX) {
			p->bad_messages++;
			continue;
		}
		on_message(p, buf, (size_t)n);
	}
}

/* ------------------------------------------------------------ the worker process */

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void worker_gone(struct proxy *p)
{
	struct list_node *pos, *tmp;

	if (p->chan_inited) {
		uv_close((uv_handle_t *)&p->chan_poll, on_handle_closed);
		p->chan_inited = false;
	}
	p->chan = safe_close(p->chan);
	if (p->pidfd_inited) {
		uv_close((uv_handle_t *)&p->pidfd_poll, on_handle_closed);
		p->pidfd_inited = false;
	}
	p->pidfd = safe_close(p->pidfd);
	p->pid = 0;
	p->ready = false;
	cancel_asks(p, NULL);
	LIST_FOREACH_SAFE(pos, tmp, &p->sandboxes)
	{
		struct psb *s = list_entry(pos, struct psb, node);
		s->sent = false;
		if (s->removed) { /* what the worker had not reported died with it */
			p->n_removed--;
			list_del(&s->node);
			psb_free(s);
		}
	}
}

static void on_restart(uv_timer_t *t)
{
	proxy_start(t->data);
}

static void on_pidfd(uv_poll_t *h, int status, int events)
{
	struct proxy *p = h->data;
	siginfo_t si = { 0 };

	(void)status;
	(void)events;
	if (waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	if (si.si_code == CLD_EXITED)
		snprintf(p->error, sizeof(p->error), "the worker exited with status %d",
			 si.si_status);
	else
		snprintf(p->error, sizeof(p->error), "the worker was killed by signal %d",
			 si.si_status);
	log_warning("proxy: %s; restarting it in %u ms (proxied sandboxes wait meanwhile)",
		    p->error, p->restart_ms);
	worker_gone(p);
	if (p->stopping)
		return;
	p->restarts++;
	uv_timer_start(&p->restart_timer, on_restart, p->restart_ms, 0);
	p->restart_ms = p->restart_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : p->restart_ms * 2;
}

/*
 * Start codexd-proxy.  Runs as root in the main process; the child only
 * makes system calls until execve.
 *
 * Trust: the program path comes from root's configuration (or sits next
 * to codexd); the user is root's [network] proxy_user, never uid 0.  The
 * child drops to that user's uid and gid with no supplementary groups,
 * clears every capability (bounding set included), sets no_new_privs and
 * execs with an empty environment and only the channel (fd 3) and the
 * daemon's stderr: it holds nothing of root's.
 */
static void proxy_start(struct proxy *p)
{
	struct daemon *d = p->d;
	static char level[16];
	int sv[2] = { -1, -1 };
	int prog = -1;
	struct stat st;
	pid_t pid;

	if (p->pid > 0 || p->stopping)
		return;
	if (!p->program[0] || p->uid == 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(p->error, sizeof(p->error), "socketpair: %s", strerror(errno));
		goto retry;
	}
	{
		/* Room for bursts of events. */
		int sz = 1 << 20;
		(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	/*
	 * The program is opened here, as root, and executed through its
	 * descriptor: the proxy user need not be able to reach it by path (a
	 * checkout in /root, mode 0700), and it is the file checked here that
	 * runs.  Above the descriptors the child arranges.
	 */
	prog = open(p->program, O_RDONLY | O_CLOEXEC);
	if (prog >= 0 && prog < PROXY_PROG_FD + 1) {
		int high = fcntl(prog, F_DUPFD_CLOEXEC, PROXY_PROG_FD + 1);
		close(prog);
		prog = high;
	}
	if (prog < 0 || fstat(prog, &st) < 0) {
		snprintf(p->error, sizeof(p->error), "the worker cannot be executed: %.200s: %s",
			 p->program, strerror(errno));
		goto fail_prog;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(p->error, sizeof(p->error),
			 "the proxy worker %.160s must be a regular file owned by root and not "
			 "group/other-writable",
			 p->program);
		goto fail_prog;
	}
	/* Everything the child needs is ready before the fork: it makes system calls only. */
	snprintf(level, sizeof(level), "%s", log_level_to_string(log_get_max_level()));
	pid = child_fork("codexd-proxy");
	if (pid < 0) {
		snprintf(p->error, sizeof(p->error), "fork: %s", strerror(-pid));
		goto fail_prog;
	}
	if (pid == 0) {
		char *argv[] = { (char *)"codexd-proxy", (char *)"--log-level", level, NULL };
		char *envp[] = { NULL };
		struct privdrop pd = { .uid = p->uid, .gid = p->gid, .groups = NULL, .n_groups = 0,
				       .cap_last_cap = d->cap_last_cap };
		enum sandbox_stage stage;
		int nul;

		/* dup2 onto itself would keep close-on-exec. */
		if (sv[1] == PROXY_CHAN_FD ? fcntl(sv[1], F_SETFD, 0) < 0
					   : dup2(sv[1], PROXY_CHAN_FD) < 0)
			_exit(127);
		if (dup3(prog, PROXY_PROG_FD, O_CLOEXEC) < 0)
			_exit(127);
		nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0 && nul != 0)
			(void)dup2(nul, 0);
		(void)syscall(SYS_close_range, PROXY_PROG_FD + 1, ~0U, 0);
		if (privdrop_apply(&pd, &stage) < 0)
			_exit(126);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
			_exit(125);
		(void)syscall(SYS_execveat, PROXY_PROG_FD, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	close(prog);
	close(sv[1]);
	p->pid = pid;
	p->chan = sv[0];
	p->started_hrtime = uv_hrtime();
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0) {
		log_error_errno(negative_errno(), "proxy: pidfd_open");
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		worker_gone(p);
		goto retry;
	}
	uv_poll_init(d->loop, &p->pidfd_poll, p->pidfd);
	p->pidfd_poll.data = p;
	p->pidfd_inited = true;
	uv_poll_start(&p->pidfd_poll, UV_READABLE, on_pidfd);
	uv_poll_init(d->loop, &p->chan_poll, p->chan);
	p->chan_poll.data = p;
	p->chan_inited = true;
	uv_poll_start(&p->chan_poll, UV_READABLE, on_chan);
	p->error[0] = '\0';
	log_info("proxy: started worker %d (%s as %s)", (int)pid, p->program,
		 d->cfg->net_proxy_user);
	return;
fail_prog:
	if (prog >= 0)
		close(prog);
	close(sv[0]);
	close(sv[1]);
retry:
	log_warning("proxy: %s; retrying in %u ms (proxied sandboxes wait meanwhile)", p->error,
		    p->restart_ms);
	p->restarts++;
	uv_timer_start(&p->restart_timer, on_restart, p->restart_ms, 0);
	p->restart_ms = p->restart_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : p->restart_ms * 2;
}

/* Where the program is and who runs it; p->error says what is missing. */
static void configure(struct proxy *p)
{
	const struct daemon_config *cfg = p->d->cfg;
	struct passwd *pw;
	struct stat st;

	p->program[0] = '\0';
	p->uid = 0;
	if (cfg->net_proxy_program)
		snprintf(p->program, sizeof(p->program), "%s", cfg->net_proxy_program);
	else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;
		if (n > 0) {
			self[n] = '\0';
			slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0';
				if (strlen(self) + sizeof("/codexd-proxy") <= sizeof(p->program)) {
					memcpy(p->program, self, strlen(self));
					memcpy(p->program + strlen(self), "/codexd-proxy",
					       sizeof("/codexd-proxy"));
				}
			}
		}
	}
	if (!p->program[0] || stat(p->program, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(p->error, sizeof(p->error), "the proxy worker %.200s is missing",
			 p->program[0] ? p->program : "codexd-proxy");
		p->program[0] = '\0';
		return;
	}
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(p->error, sizeof(p->error),
			 "the proxy worker %.160s must be owned by root and not group/other-writable",
			 p->program);
		p->program[0] = '\0';
		return;
	}
	pw = getpwnam(cfg->net_proxy_user);
	if (!pw || pw->pw_uid == 0) {
		snprintf(p->error, sizeof(p->error),
			 pw ? "[network] proxy_user must not be root"
			    : "the proxy user does not exist (create it: systemd-sysusers, or "
			      "useradd --system codexd-proxy)");
		return;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
}

void proxy_init(struct daemon *d)
{
	struct proxy *p = calloc(1, sizeof(*p));

	if (!p) {
		log_error("proxy: out of memory");
		return;
	}
	p->d = d;
	p->chan = -1;
	p->pidfd = -1;
	p->restart_ms = RESTART_MIN_MS;
	list_init(&p->sandboxes);
	list_init(&p->asks);
	net_grants_init(&p->grants);
	uv_timer_init(d->loop, &p->restart_timer);
	p->restart_timer.data = p;
	d->proxy = p;
	configure(p);
	if (p->error[0])
		log_warning("proxy: %s: network = \"proxy\" is unavailable", p->error);
	else
		proxy_start(p);
}

void proxy_reconfigure(struct daemon *d)
{
	struct proxy *p = d->proxy;

	if (!p)
		return;
	p->error[0] = '\0';
	configure(p);
	if (!p->error[0] && p->pid <= 0) {
		uv_timer_stop(&p->restart_timer);
		proxy_start(p);
	} else if (p->ready && d->cfg->net_dns_server)
		(void)chan_send(p,
				json_pack("{s:s, s:s}", "op", "config", "dns_server",
					  d->cfg->net_dns_server),
				NULL, 0);
}

bool proxy_usable(struct daemon *d, const char **ret_why)
{
	struct proxy *p = d->proxy;

	if (!p) {
		*ret_why = "the proxy is not initialised";
		return false;
	}
	if (p->pid > 0 || (p->program[0] && p->uid != 0))
		return true; /* running, or restarting: sandboxes wait for it */
	*ret_why = p->error[0] ? p->error : "the proxy worker cannot be started";
	return false;
}

const char *proxy_outage(struct daemon *d)
{
	struct proxy *p = d->proxy;
	const char *why;

	if (!p || p->ready || !proxy_usable(d, &why))
		return NULL;
	return p->error[0] ? p->error : "the worker is starting";
}

int proxy_add_sandbox(struct daemon *d, const char *exec_id, uid_t uid, json_t *policy, bool ask,
		      int *fds)
{
	struct proxy *p = d->proxy;
	struct psb *s;

	if (!p || find_sb(p, exec_id) || strlen(exec_id) >= sizeof(s->id)) {
		for (int i = 0; i < PROXY_N_LISTENERS; i++)
			fds[i] = safe_close(fds[i]);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s && policy)
		s->policy = json_incref(policy);
	if (!s || !s->policy) {
		free(s);
		for (int i = 0; i < PROXY_N_LISTENERS; i++)
			fds[i] = safe_close(fds[i]);
		return -ENOMEM;
	}
	snprintf(s->id, sizeof(s->id), "%s", exec_id);
	s->uid = uid;
	s->ask = ask;
	{
		struct exec *x = exec_find(d, exec_id);
		const char *session = sessions_exec_session(d, exec_id);
		if (session || (x && x->conn))
			net_grant_scope(session, x && x->conn ? x->conn->serial : 0, s->scope,
					sizeof(s->scope));
	}
	for (int i = 0; i < PROXY_N_LISTENERS; i++)
		s->fds[i] = TAKE_FD(fds[i]);
	list_add_tail(&p->sandboxes, &s->node);
	p->n_sandboxes++;
	send_sandbox(p, s);
	return 0;
}

void proxy_remove_sandbox(struct daemon *d, const char *exec_id)
{
	struct proxy *p = d->proxy;
	struct psb *s = p ? find_sb(p, exec_id) : NULL;

	if (!s || s->removed)
		return;
	cancel_asks(p, exec_id);
	p->n_sandboxes--;
	if (s->sent &&
	    chan_send(p, json_pack("{s:s, s:s}", "op", "remove", "sandbox", s->id), NULL, 0) == 0 &&
	    p->n_removed < MAX_REMOVED) {
		/* Wait for "removed": the worker may still report connections. */
		s->removed = true;
		p->n_removed++;
		for (int i = 0; i < PROXY_N_LISTENERS; i++)
			s->fds[i] = safe_close(s->fds[i]);
		json_decref(s->policy);
		s->policy = NULL;
		return;
	}
	list_del(&s->node);
	psb_free(s);
}

void proxy_stop(struct daemon *d)
{
	struct proxy *p = d->proxy;
	struct list_node *pos, *tmp;

	if (!p || p->stopping)
		return;
	p->stopping = true;
	uv_timer_stop(&p->restart_timer);
	uv_close((uv_handle_t *)&p->restart_timer, on_handle_closed);
	if (p->pid > 0) {
		(void)child_signal(p->pidfd, p->pid, SIGKILL, NULL);
		(void)waitid(P_PIDFD, (id_t)p->pidfd, &(siginfo_t){ 0 }, WEXITED);
	}
	worker_gone(p);
	LIST_FOREACH_SAFE(pos, tmp, &p->sandboxes)
	{
		struct psb *s = list_entry(pos, struct psb, node);
		list_del(&s->node);
		psb_free(s);
	}
}

void proxy_free(struct daemon *d)
{
	if (d->proxy)
		net_grants_done(&d->proxy->grants);
	free(d->proxy);
	d->proxy = NULL;
}

void proxy_conn_gone(struct conn *c)
{
	struct proxy *p = c->d->proxy;
	char scope[NET_GRANT_SCOPE_MAX];

	if (!p)
		return;
	net_grant_scope(NULL, c->serial, scope, sizeof(scope));
	net_grants_forget(&p->grants, scope);
}

json_t *proxy_status_json(struct daemon *d)
{
	struct proxy *p = d->proxy;
	const char *state;
	json_t *o;

	if (!p)
		return json_pack("{s:s}", "state", "unavailable");
	state = p->ready ? "running" : p->pid > 0 ? "starting" : p->program[0] && p->uid ? "restarting" : "unavailable";
	o = json_pack("{s:s, s:i, s:i, s:i, s:s, s:I, s:I, s:I}", "state", state, "pid",
		      (int)p->pid, "restarts", (int)p->restarts, "sandboxes", (int)p->n_sandboxes,
		      "user", d->cfg->net_proxy_user, "connections_allowed",
		      (json_int_t)d->stats.net_allowed, "connections_denied",
		      (json_int_t)d->stats.net_denied, "bad_messages", (json_int_t)p->bad_messages);
	if (o && p->error[0])
		json_object_set_new(o, "error", json_string(p->error));
	if (o && p->program[0])
		json_object_set_new(o, "program", json_string(p->program));
	return o;
}
