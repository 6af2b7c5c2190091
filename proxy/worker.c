/* SPDX-License-Identifier: MIT */
/*
 * The worker's side of the daemon channel: a SOCK_SEQPACKET socket, one
 * JSON object per packet (at most PROXY_CHAN_MAX bytes), listener
 * descriptors attached with SCM_RIGHTS.  The daemon is trusted to be the
 * daemon, and its messages are still decoded strictly.
 *
 *   daemon -> worker: config {dns_server}, add {sandbox, policy, ask, granted?} + 5 or 9 fds,
 *                     remove {sandbox}, answer {id, allow, session},
 *                     grant {sandbox, host}
 *   worker -> daemon: ready {}, event {state: open|closed, ...},
 *                     ask {id, sandbox, host, port, protocol},
 *                     removed {sandbox} (after the last event of a removed sandbox)
 *   (granted / grant: host names approved "for the session" of the
 *   sandbox's session, daemon/net_grants.h; they allow what the policy
 *   would otherwise have asked about, never a denied or local target)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/proxy_proto.h"
#include "policy/domains_json.h"
#include "proxy/conn.h"
#include "proxy/worker.h"

struct ask {
	struct list_node node; /* worker.asks */
	uint64_t id;
	struct psandbox *sb;
	struct domain_host host;
	worker_ask_cb cb;
	void *ud;
	uv_timer_t timer;
};

const char *worker_addr_text(const struct sockaddr *sa, char *buf, size_t n)
{
	const void *a = sa->sa_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

void worker_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char b[65536];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(b, sizeof(b));
}

static int chan_send(struct worker *w, json_t *msg)
{
	_cleanup_free_ char *text = NULL;
	int r = 0;

	if (!msg)
		return -ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return -ENOMEM;
	if (strlen(text) > PROXY_CHAN_MAX)
		return -E2BIG;
	if (!w->chan_dead && send(w->chan_fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		r = -errno;
	return r;
}

void worker_event(struct psandbox *sb, enum worker_event_state state, const char *host,
		  uint16_t port, enum net_protocol proto, bool allowed, const char *reason,
		  const char *method, const struct sockaddr *addr, uint64_t bytes_out,
		  uint64_t bytes_in)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:I}", "op", "event",
			      "sandbox", sb->id, "state",
			      state == WORKER_EVENT_OPEN ? "open" : "closed", "host", host, "port",
			      (int)port, "protocol",
			      net_protocol_to_string(proto), "decision", allowed ? "allow" : "deny",
			      "reason", reason, "bytes_out", (json_int_t)bytes_out, "bytes_in",
			      (json_int_t)bytes_in);
	char t[INET6_ADDRSTRLEN];

	if (m && method)
		json_object_set_new(m, "method", json_string(method));
	if (m && addr)
		json_object_set_new(m, "address", json_string(worker_addr_text(addr, t, sizeof(t))));
	if (chan_send(sb->w, m) < 0)
		log_debug("event for sandbox %s dropped", sb->id);
}

void worker_check(struct psandbox *sb, const struct domain_host *h, uint16_t port,
		  enum net_protocol proto, struct domain_check *ret)
{
	domain_policy_check(&sb->policy, h, port, proto, ret);
	if (ret->verdict == DOMAIN_NOT_ALLOWED && sb->granted.n_allow > 0) {
		struct domain_check g;
		struct domain_policy gp = sb->granted;
		gp.allow_local = sb->policy.allow_local;
		domain_policy_check(&gp, h, port, proto, &g);
		if (g.verdict == DOMAIN_ALLOWED)
			*ret = g;
	}
}

/* ------------------------------------------------------------ asks */

static void ask_closed(uv_handle_t *h)
{
	free(h->data);
}

static void ask_finish(struct ask *a, bool allow)
{
	worker_ask_cb cb = a->cb;
	void *ud = a->ud;

	list_del(&a->node);
	uv_close((uv_handle_t *)&a->timer, ask_closed);
	if (cb)
		cb(ud, allow);
}

static void ask_timeout(uv_timer_t *t)
{
	ask_finish(t->data, false);
}

int worker_ask(struct psandbox *sb, const struct domain_host *h, uint16_t port,
	       enum net_protocol proto, worker_ask_cb cb, void *ud, uint64_t *ret_id)
{
	struct worker *w = sb->w;
	struct ask *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	a->id = ++w->ask_serial;
	a->sb = sb;
	a->host = *h;
	a->cb = cb;
	a->ud = ud;
	r = chan_send(w, json_pack("{s:s, s:I, s:s, s:s, s:i, s:s}", "op", "ask", "id",
				   (json_int_t)a->id, "sandbox", sb->id, "host", h->name, "port",
				   (int)port, "protocol", net_protocol_to_string(proto)));
	if (r < 0) {
		free(a);
		return r;
	}
	uv_timer_init(w->loop, &a->timer);
	a->timer.data = a;
	uv_timer_start(&a->timer, ask_timeout, PROXY_ASK_TIMEOUT_MS, 0);
	list_add_tail(&w->asks, &a->node);
	*ret_id = a->id;
	return 0;
}

static struct ask *ask_find(struct worker *w, uint64_t id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &w->asks)
	{
		struct ask *a = list_entry(pos, struct ask, node);
		if (a->id == id)
			return a;
	}
	return NULL;
}

void worker_ask_cancel(struct worker *w, uint64_t id)
{
	struct ask *a = ask_find(w, id);

	if (a) {
		a->cb = NULL;
		ask_finish(a, false);
	}
}

/* ------------------------------------------------------------ sandboxes */

struct psandbox *worker_find_sandbox(struct worker *w, const char *id)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &w->sandboxes)
	{
		struct psandbox *sb = list_entry(pos, struct psandbox, node);
		if (strcmp(sb->id, id) == 0)
			return sb;
	}
	return NULL;
}

/* Every event of the sandbox has been sent before this: the daemon forgets it. */
static void send_removed(struct worker *w, const char *id)
{
	if (chan_send(w, json_pack("{s:s, s:s}", "op", "removed", "sandbox", id)) < 0)
		log_debug("removal of sandbox %s not reported", id);
}

void worker_sandbox_maybe_free(struct psandbox *sb)
{
	if (!sb->removed || sb->handles > 0 || sb->closing > 0 || !list_empty(&sb->conns) ||
	    !list_empty(&sb->assocs) || !list_empty(&sb->dnsq) || !list_empty(&sb->dnstcp))
		return;
	send_removed(sb->w, sb->id);
	domain_policy_done(&sb->policy);
	domain_policy_done(&sb->granted);
	free(sb);
}

static void listener_closed(uv_handle_t *h)
{
	struct psandbox *sb = h->data;

	sb->handles--;
	worker_sandbox_maybe_free(sb);
}

static void sandbox_remove(struct psandbox *sb)
{
	struct list_node *pos, *tmp;

	if (sb->removed)
		return;
	sb->removed = true;
	list_del(&sb->node);
	LIST_FOREACH_SAFE(pos, tmp, &sb->w->asks)
	{
		struct ask *a = list_entry(pos, struct ask, node);
		if (a->sb == sb)
			ask_finish(a, false);
	}
	conn_close_all(sb);
	dns_cancel_all(sb);
	uv_close((uv_handle_t *)&sb->http_l, listener_closed);
	uv_close((uv_handle_t *)&sb->socks_l, listener_closed);
	uv_close((uv_handle_t *)&sb->dns_tcp_l, listener_closed);
	uv_close((uv_handle_t *)&sb->socks_udp, listener_closed);
	uv_close((uv_handle_t *)&sb->dns_udp, listener_closed);
	if (sb->v6) {
		uv_close((uv_handle_t *)&sb->http6_l, listener_closed);
		uv_close((uv_handle_t *)&sb->socks6_l, listener_closed);
		uv_close((uv_handle_t *)&sb->dns6_tcp_l, listener_closed);
		uv_close((uv_handle_t *)&sb->dns6_udp, listener_closed);
	}
	log_debug("sandbox %s removed", sb->id);
	worker_sandbox_maybe_free(sb);
}

/* A host approved for the session: allowed where the policy would have asked. */
static void grant_host(struct psandbox *sb, const char *host)
{
	struct domain_pattern p;
	const char *msg;

	if (sb->granted.n_allow >= CX_MAX_DOMAINS)
		return;
	if (domain_pattern_parse(host, false, &p, &msg) == 0)
		(void)domain_policy_add(&sb->granted, false, &p);
}

/* The [::1] listeners: the same callbacks (they find the sandbox in data). */
static int listen_v6(struct psandbox *sb, int *fds)
{
	int r = uv_tcp_open(&sb->http6_l, fds[PROXY_L_HTTP6]);

	if (r == 0) {
		fds[PROXY_L_HTTP6] = -1;
		r = uv_tcp_open(&sb->socks6_l, fds[PROXY_L_SOCKS6]);
	}
	if (r == 0) {
		fds[PROXY_L_SOCKS6] = -1;
		r = uv_tcp_open(&sb->dns6_tcp_l, fds[PROXY_L_DNS6_TCP]);
	}
	if (r == 0) {
		fds[PROXY_L_DNS6_TCP] = -1;
		r = uv_udp_open(&sb->dns6_udp, fds[PROXY_L_DNS6_UDP]);
	}
	if (r == 0) {
		fds[PROXY_L_DNS6_UDP] = -1;
		r = uv_listen((uv_stream_t *)&sb->http6_l, 128, conn_on_http_accept);
	}
	if (r == 0)
		r = uv_listen((uv_stream_t *)&sb->socks6_l, 128, conn_on_socks_accept);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&sb->dns6_tcp_l, 64, dns_on_tcp_accept);
	if (r == 0)
		r = uv_udp_recv_start(&sb->dns6_udp, worker_udp_alloc, dns_on_udp_recv);
	return r;
}

static int sandbox_add(struct worker *w, json_t *m, int *fds, size_t n_fds)
{
	struct psandbox *sb;
	json_t *policy = json_object_get(m, "policy"), *ask = json_object_get(m, "ask");
	const char *id = json_string_value(json_object_get(m, "sandbox"));
	int r;

	if ((n_fds != _PROXY_L_MAX && n_fds != _PROXY_L_V4_MAX) || !id || strlen(id) >= sizeof(sb->id) || !json_is_boolean(ask))
		return -EINVAL;
	if (worker_find_sandbox(w, id))
		return -EEXIST;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	r = domain_policy_from_json(policy, &sb->policy);
	if (r < 0) {
		free(sb);
		return r;
	}
	snprintf(sb->id, sizeof(sb->id), "%s", id);
	sb->w = w;
	sb->ask = json_is_true(ask);
	{
		json_t *g = json_object_get(m, "granted"), *v;
		size_t i;
		json_array_foreach(g, i, v)
		{
			if (json_is_string(v))
				grant_host(sb, json_string_value(v));
		}
	}
	list_init(&sb->conns);
	list_init(&sb->assocs);
	list_init(&sb->dnsq);
	list_init(&sb->dnstcp);
	uv_tcp_init(w->loop, &sb->http_l);
	uv_tcp_init(w->loop, &sb->socks_l);
	uv_tcp_init(w->loop, &sb->dns_tcp_l);
	uv_udp_init(w->loop, &sb->socks_udp);
	uv_udp_init(w->loop, &sb->dns_udp);
	sb->http_l.data = sb->socks_l.data = sb->dns_tcp_l.data = sb;
	sb->socks_udp.data = sb->dns_udp.data = sb;
	sb->handles = 5;
	if (n_fds == _PROXY_L_MAX) {
		sb->v6 = true;
		uv_tcp_init(w->loop, &sb->http6_l);
		uv_tcp_init(w->loop, &sb->socks6_l);
		uv_tcp_init(w->loop, &sb->dns6_tcp_l);
		uv_udp_init(w->loop, &sb->dns6_udp);
		sb->http6_l.data = sb->socks6_l.data = sb->dns6_tcp_l.data = sb->dns6_udp.data = sb;
		sb->handles += 4;
	}
	list_add_tail(&w->sandboxes, &sb->node);
	/* The handles own the descriptors from here on. */
	r = uv_tcp_open(&sb->http_l, fds[PROXY_L_HTTP]);
	if (r == 0) {
		fds[PROXY_L_HTTP] = -1;
		r = uv_tcp_open(&sb->socks_l, fds[PROXY_L_SOCKS]);
	}
	if (r == 0) {
		fds[PROXY_L_SOCKS] = -1;
		r = uv_tcp_open(&sb->dns_tcp_l, fds[PROXY_L_DNS_TCP]);
	}
	if (r == 0) {
		fds[PROXY_L_DNS_TCP] = -1;
		r = uv_udp_open(&sb->socks_udp, fds[PROXY_L_SOCKS_UDP]);
	}
	if (r == 0) {
		fds[PROXY_L_SOCKS_UDP] = -1;
		r = uv_udp_open(&sb->dns_udp, fds[PROXY_L_DNS_UDP]);
	}
	if (r == 0) {
		fds[PROXY_L_DNS_UDP] = -1;
		r = uv_listen((uv_stream_t *)&sb->http_l, 128, conn_on_http_accept);
	}
	if (r == 0)
		r = uv_listen((uv_stream_t *)&sb->socks_l, 128, conn_on_socks_accept);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&sb->dns_tcp_l, 64, dns_on_tcp_accept);
	if (r == 0)
		r = uv_udp_recv_start(&sb->socks_udp, worker_udp_alloc, udp_on_relay_recv);
	if (r == 0)
		r = uv_udp_recv_start(&sb->dns_udp, worker_udp_alloc, dns_on_udp_recv);
	if (r == 0 && sb->v6)
		r = listen_v6(sb, fds);
	if (r < 0) {
		log_error("sandbox %s: cannot serve its listeners: %s", id, uv_strerror(r));
		sandbox_remove(sb);
		return r;
	}
	log_debug("sandbox %s added (%zu allowed, %zu denied patterns%s%s)", sb->id,
		  sb->policy.n_allow, sb->policy.n_deny, sb->policy.limited ? ", limited" : "",
		  sb->ask ? ", asks on misses" : "");
	return 0;
}

static int set_dns_server(struct worker *w, const char *s)
{
	struct domain_host h;
	struct sockaddr_storage ss = { 0 };

	if (domain_host_normalize(s, strlen(s), &h) < 0 || !h.is_ip || h.scoped)
		return -EINVAL;
	if (h.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(h.port ? h.port : 53);
		memcpy(&s4->sin_addr, h.addr.s6_addr, 4);
		w->dns_server_len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(h.port ? h.port : 53);
		s6->sin6_addr = h.addr;
		w->dns_server_len = sizeof(*s6);
	}
	w->dns_server = ss;
	return 0;
}

int worker_set_dns_server(struct worker *w, const char *s)
{
	return set_dns_server(w, s);
}

static void handle_message(struct worker *w, const char *buf, size_t len, int *fds, size_t n_fds)
{
	json_error_t je;
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	const char *op = json_string_value(json_object_get(m, "op"));
	int r = -EINVAL;

	if (!m || !op)
		goto out;
	if (strcmp(op, "add") == 0) {
		r = sandbox_add(w, m, fds, n_fds);
		goto out;
	}
	if (n_fds)
		goto out;
	if (strcmp(op, "remove") == 0) {
		const char *id = json_string_value(json_object_get(m, "sandbox"));
		struct psandbox *sb = id ? worker_find_sandbox(w, id) : NULL;
		if (sb)
			sandbox_remove(sb);
		else if (id)
			send_removed(w, id);
		r = 0;
	} else if (strcmp(op, "config") == 0) {
		const char *dns = json_string_value(json_object_get(m, "dns_server"));
		r = dns ? set_dns_server(w, dns) : 0;
	} else if (strcmp(op, "answer") == 0) {
		json_t *jid = json_object_get(m, "id"), *allow = json_object_get(m, "allow");
		struct ask *a = json_is_integer(jid)
					? ask_find(w, (uint64_t)json_integer_value(jid))
					: NULL;
		if (a && json_is_boolean(allow)) {
			if (json_is_true(allow) && json_is_true(json_object_get(m, "session")))
				grant_host(a->sb, a->host.name);
			ask_finish(a, json_is_true(allow));
		}
		r = 0;
	} else if (strcmp(op, "grant") == 0) {
		const char *id = json_string_value(json_object_get(m, "sandbox"));
		const char *host = json_string_value(json_object_get(m, "host"));
		struct psandbox *sb = id ? worker_find_sandbox(w, id) : NULL;
		if (sb && host)
			grant_host(sb, host);
		r = 0;
	}
out:
	if (r < 0)
		log_warning("bad message from the daemon (%s): %s", op ? op : "?", strerror(-r));
	for (size_t i = 0; i < n_fds; i++)
		safe_close(fds[i]);
	json_decref(m);
}

static void on_chan(uv_poll_t *h, int status, int events)
{
	struct worker *w = h->data;
	static char buf[PROXY_CHAN_MAX + 1];

	(void)events;
	for (int round = 0; round < 64; round++) {
		int fds[PROXY_CHAN_MAX_FDS];
		size_t n_fds = 0;
		ssize_t n = fd_recv_with_fds(w->chan_fd, buf, sizeof(buf), fds, ARRAY_SIZE(fds),
					     &n_fds);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n == -EPROTO) {
			/* Consumed and its descriptors closed: not a reason to die. */
			log_warning("a message from the daemon carried too many descriptors");
			continue;
		}
		if (n <= 0 || status < 0) {
			log_info("the daemon went away; exiting");
			w->chan_dead = true;
			uv_poll_stop(h);
			uv_stop(w->loop);
			return;
		}
		if ((size_t)n > PROXY_CHAN_MAX) {
			for (size_t i = 0; i < n_fds; i++)
				safe_close(fds[i]);
			continue;
		}
		handle_message(w, buf, (size_t)n, fds, n_fds);
	}
}

int worker_chan_start(struct worker *w)
{
	int r;

	list_init(&w->sandboxes);
	list_init(&w->asks);
	r = uv_poll_init(w->loop, &w->chan_poll, w->chan_fd);
	if (r < 0)
		return r;
	w->chan_poll.data = w;
	r = uv_poll_start(&w->chan_poll, UV_READABLE | UV_DISCONNECT, on_chan);
	if (r < 0)
		return r;
	return chan_send(w, json_pack("{s:s, s:s}", "op", "ready", "version", CX_VERSION));
}
