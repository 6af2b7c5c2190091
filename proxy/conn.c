/* SPDX-License-Identifier: MIT */
/*
 * The proxy's TCP front ends.  Everything a sandboxed program sends is
 * hostile: the head is parsed with a size limit and a time limit, the
 * destination is normalised and decided by the sandbox's policy before
 * anything leaves, the name is resolved once and every address checked,
 * and the upstream connection goes to one of exactly those addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "proxy/conn.h"

static void pconn_close(struct pconn *c);
static void start_decision(struct pconn *c);

static void pconn_unref(struct pconn *c)
{
	struct psandbox *sb = c->sb;

	if (--c->handles > 0)
		return;
	free(c->in);
	free(c->out);
	free(c->c2u.buf);
	free(c->u2c.buf);
	for (int i = 0; i < 2; i++) {
		safe_close(c->c2u.pipe[i]);
		safe_close(c->u2c.pipe[i]);
	}
	free(c);
	sb->closing--;
	worker_sandbox_maybe_free(sb);
}

static void on_splice_closed(uv_handle_t *h)
{
	struct pconn *c = h->data;
	struct splice_side *s = h == (uv_handle_t *)&c->sc.poll ? &c->sc : &c->su;

	s->fd = safe_close(s->fd);
	pconn_unref(c);
}

static void on_closed(uv_handle_t *h)
{
	pconn_unref(h->data);
}

static void report(struct pconn *c)
{
	if (c->reported || !c->have_target)
		return;
	c->reported = true;
	worker_event(c->sb, WORKER_EVENT_CLOSED, c->host.name, c->port, c->proto, c->allowed,
		     c->reason ? c->reason : (c->allowed ? "allowed" : "error"),
		     c->method[0] ? c->method : NULL,
		     c->have_connected ? (const struct sockaddr *)&c->connected : NULL, c->c2u.bytes,
		     c->u2c.bytes);
}

static void pconn_close(struct pconn *c)
{
	struct worker *w = c->sb->w;

	if (c->state == PC_CLOSING)
		return;
	report(c);
	c->state = PC_CLOSING;
	if (c->res) {
		resolve_cancel(c->res);
		c->res = NULL;
	}
	if (c->ask_id) {
		worker_ask_cancel(w, c->ask_id);
		c->ask_id = 0;
	}
	if (c->assoc) {
		udp_assoc_free(c->assoc);
		c->assoc = NULL;
	}
	list_del(&c->node);
	c->sb->closing++;
	c->sb->n_conns--;
	w->n_conns--;
	/* The duplicates first: their polls must go before the fds close. */
	if (c->sc.inited)
		uv_close((uv_handle_t *)&c->sc.poll, on_splice_closed);
	if (c->su.inited)
		uv_close((uv_handle_t *)&c->su.poll, on_splice_closed);
	uv_close((uv_handle_t *)&c->client, on_closed);
	uv_close((uv_handle_t *)&c->timer, on_closed);
	if (c->up_inited)
		uv_close((uv_handle_t *)&c->up, on_closed);
}

void conn_close_all(struct psandbox *sb)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &sb->conns)
	{
		pconn_close(list_entry(pos, struct pconn, node));
	}
}

static void on_timer(uv_timer_t *t)
{
	struct pconn *c = t->data;

	if (c->state == PC_HEAD || c->state == PC_CONNECT || c->state == PC_REFUSING) {
		if (!c->reason)
			c->reason = c->state == PC_CONNECT ? "connect_timeout" : "request_timeout";
		pconn_close(c);
	}
}

/* ------------------------------------------------------------ refusals */

static void on_refusal_written(uv_write_t *req, int status)
{
	struct pconn *c = req->data;

	(void)status;
	pconn_close(c);
}

/* Send bytes (copied) to the client, then close. */
static void refuse_raw(struct pconn *c, const void *data, size_t len)
{
	uv_buf_t b;

	if (c->state == PC_CLOSING || c->state == PC_REFUSING)
		return;
	uv_read_stop((uv_stream_t *)&c->client);
	c->state = PC_REFUSING;
	free(c->out);
	c->out = malloc(len);
	if (!c->out) {
		pconn_close(c);
		return;
	}
	memcpy(c->out, data, len);
	c->out_len = len;
	b = uv_buf_init(c->out, (unsigned)len);
	c->ow.data = c;
	if (uv_write(&c->ow, (uv_stream_t *)&c->client, &b, 1, on_refusal_written) < 0) {
		pconn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timer, 5000, 0);
}

static uint8_t socks_rep_for(enum domain_verdict v)
{
	switch (v) {
	case DOMAIN_ALLOWED:
		return SOCKS5_REP_OK;
	case DOMAIN_INVALID:
		return SOCKS5_REP_HOST_UNREACHABLE;
	default:
		return SOCKS5_REP_NOT_ALLOWED;
	}
}

/* A policy refusal, in the front end's own terms. */
static void refuse_policy(struct pconn *c, enum domain_verdict v)
{
	c->allowed = false;
	c->reason = domain_verdict_to_string(v);
	c->sb->w->refused++;
	if (c->front == FRONT_SOCKS) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		refuse_raw(c, rep, socks5_build_reply(rep, socks_rep_for(v), NULL));
		return;
	}
	{
		char body[512], resp[1024];
		const char *why;
		size_t n;

		switch (v) {
		case DOMAIN_DENIED:
			why = "is on the deny list";
			break;
		case DOMAIN_NOT_ALLOWED:
			why = "is not on the allow list";
			break;
		case DOMAIN_LOCAL:
			why = "is a local or private address (allow it exactly, or set "
			      "allow_local_binding)";
			break;
		case DOMAIN_METHOD:
			why = c->proto == NET_PROTO_HTTP ? "was requested with a method that limited "
							  "mode does not allow (GET, HEAD, OPTIONS only)"
							: "needs CONNECT, which limited mode does not allow";
			break;
		default:
			why = "is not a valid host";
			break;
		}
		snprintf(body, sizeof(body), "codexd: %s%s%s:%u %s (%s).\n",
			 strchr(c->host.name, ':') ? "[" : "", c->host.name,
			 strchr(c->host.name, ':') ? "]" : "", (unsigned)c->port, why,
			 domain_verdict_to_string(v));
		n = http_refusal(resp, sizeof(resp), 403, "Forbidden", domain_verdict_http_error(v),
				 body);
		refuse_raw(c, resp, n);
	}
}

/* A failure that is not a policy decision (bad request, DNS, connect). */
static void refuse_error(struct pconn *c, int status, const char *phrase, uint8_t socks_rep,
			 const char *reason, const char *text)
{
	c->allowed = c->have_target && c->check.verdict == DOMAIN_ALLOWED;
	c->reason = reason;
	if (c->front == FRONT_SOCKS) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		refuse_raw(c, rep, socks5_build_reply(rep, socks_rep, NULL));
		return;
	}
	{
		char body[512], resp[1024];
		snprintf(body, sizeof(body), "codexd: %s\n", text);
		refuse_raw(c, resp,
			   http_refusal(resp, sizeof(resp), status, phrase, "proxy-error", body));
	}
}

/* ------------------------------------------------------------ relay */

static struct relay_dir *dir_of(struct pconn *c, const uv_handle_t *src)
{
	return src == (const uv_handle_t *)&c->client ? &c->c2u : &c->u2c;
}

static void relay_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pconn *c = h->data;
	struct relay_dir *d = dir_of(c, h);

	(void)suggested;
	*buf = uv_buf_init(d->buf, PROXY_RELAY_BUF);
}

static void relay_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void maybe_done(struct pconn *c)
{
	if (c->c2u.eof && c->u2c.eof && !c->c2u.writing && !c->u2c.writing)
		pconn_close(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct pconn *c = req->data;

	(void)status;
	if (c->state != PC_CLOSING)
		maybe_done(c);
}

static void shut_peer(struct pconn *c, struct relay_dir *d)
{
	uv_stream_t *dst = d == &c->c2u ? (uv_stream_t *)&c->up : (uv_stream_t *)&c->client;

	if (d->shut)
		return;
	d->shut = true;
	d->sh.data = c;
	if (uv_shutdown(&d->sh, dst, on_shutdown) < 0)
		maybe_done(c);
}

static void relay_written(uv_write_t *req, int status)
{
	struct pconn *c = req->data;
	struct relay_dir *d = req == &c->c2u.w ? &c->c2u : &c->u2c;
	uv_stream_t *src = d == &c->c2u ? (uv_stream_t *)&c->client : (uv_stream_t *)&c->up;

	d->writing = false;
	if (c->state == PC_CLOSING)
		return;
	if (status < 0) {
		pconn_close(c);
		return;
	}
	if (d->eof) {
		shut_peer(c, d);
		maybe_done(c);
		return;
	}
	if (uv_read_start(src, relay_alloc, relay_read) < 0)
		pconn_close(c);
}

static void relay_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct pconn *c = s->data;
	struct relay_dir *d = dir_of(c, (uv_handle_t *)s);
	uv_stream_t *dst = d == &c->c2u ? (uv_stream_t *)&c->up : (uv_stream_t *)&c->client;
	uv_buf_t b;
	int w;

	if (n == 0 || c->state != PC_RELAY)
		return;
	if (n < 0) {
		if (n != UV_EOF) {
			pconn_close(c);
			return;
		}
		d->eof = true;
		uv_read_stop(s);
		shut_peer(c, d);
		maybe_done(c);
		return;
	}
	d->bytes += (uint64_t)n;
	if (d == &c->c2u)
		c->sb->w->bytes_up += (uint64_t)n;
	else
		c->sb->w->bytes_down += (uint64_t)n;
	b = uv_buf_init(buf->base, (unsigned)n);
	w = uv_try_write(dst, &b, 1);
	if (w == n)
		return;
	if (w < 0 && w != UV_EAGAIN) {
		pconn_close(c);
		return;
	}
	if (w < 0)
		w = 0;
	uv_read_stop(s);
	d->writing = true;
	d->w.data = c;
	b = uv_buf_init(buf->base + w, (unsigned)(n - w));
	if (uv_write(&d->w, dst, &b, 1, relay_written) < 0) {
		d->writing = false;
		pconn_close(c);
	}
}

/*
 * The splice relay.  For each direction: splice from the source socket
 * into a pipe while the pipe has room, from the pipe into the destination
 * while it has bytes.  The polls ask for what is blocked.  End of input
 * from one side becomes a shutdown of the other once the pipe is empty;
 * the connection ends when both directions have.
 */
#define SPLICE_PIPE (1 << 20)

static void splice_update(struct pconn *c);

/* Move what can move in one direction; -1 on a hard error. */
static int splice_dir(struct pconn *c, struct relay_dir *d, int src, int dst)
{
	for (int round = 0; round < 16; round++) {
		bool progress = false;
		ssize_t n;

		if (!d->eof && d->in_pipe < SPLICE_PIPE) {
			n = splice(src, NULL, d->pipe[1], NULL, SPLICE_PIPE - d->in_pipe,
				   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				d->in_pipe += (size_t)n;
				d->bytes += (uint64_t)n;
				if (d == &c->c2u)
					c->sb->w->bytes_up += (uint64_t)n;
				else
					c->sb->w->bytes_down += (uint64_t)n;
				progress = true;
			} else if (n == 0)
				d->eof = true;
			else if (errno != EAGAIN && errno != EINTR)
				return -1;
		}
		if (d->in_pipe > 0) {
			n = splice(d->pipe[0], NULL, dst, NULL, d->in_pipe,
				   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				d->in_pipe -= (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
		}
		if (d->eof && d->in_pipe == 0 && !d->shut) {
			d->shut = true;
			(void)shutdown(dst, SHUT_WR);
		}
		if (!progress)
			break;
	}
	return 0;
}

static void on_splice(uv_poll_t *h, int status, int events)
{
	struct pconn *c = h->data;

	(void)events;
	if (c->state != PC_RELAY)
		return;
	if (status < 0 || splice_dir(c, &c->c2u, c->sc.fd, c->su.fd) < 0 ||
	    splice_dir(c, &c->u2c, c->su.fd, c->sc.fd) < 0) {
		pconn_close(c);
		return;
	}
	if (c->c2u.shut && c->u2c.shut) {
		pconn_close(c);
		return;
	}
	splice_update(c);
}

static void splice_poll(struct splice_side *s, int events)
{
	if (events == s->events)
		return;
	s->events = events;
	if (events)
		uv_poll_start(&s->poll, events, on_splice);
	else
		uv_poll_stop(&s->poll);
}

static void splice_update(struct pconn *c)
{
	int ce = 0, ue = 0;

	if (!c->c2u.eof && c->c2u.in_pipe < SPLICE_PIPE)
		ce |= UV_READABLE;
	if (c->c2u.in_pipe > 0)
		ue |= UV_WRITABLE;
	if (!c->u2c.eof && c->u2c.in_pipe < SPLICE_PIPE)
		ue |= UV_READABLE;
	if (c->u2c.in_pipe > 0)
		ce |= UV_WRITABLE;
	splice_poll(&c->sc, ce);
	splice_poll(&c->su, ue);
}

/* Switch to the splice relay; false (nothing changed) when it cannot be set up. */
static bool start_splice(struct pconn *c)
{
	uv_os_fd_t cfd, ufd;
	int fds[2][2] = { { -1, -1 }, { -1, -1 } }, dc = -1, du = -1;

	if (uv_fileno((uv_handle_t *)&c->client, &cfd) < 0 ||
	    uv_fileno((uv_handle_t *)&c->up, &ufd) < 0)
		return false;
	if (pipe2(fds[0], O_NONBLOCK | O_CLOEXEC) < 0 || pipe2(fds[1], O_NONBLOCK | O_CLOEXEC) < 0)
		goto fail;
	(void)fcntl(fds[0][1], F_SETPIPE_SZ, SPLICE_PIPE);
	(void)fcntl(fds[1][1], F_SETPIPE_SZ, SPLICE_PIPE);
	dc = fcntl(cfd, F_DUPFD_CLOEXEC, 3);
	du = fcntl(ufd, F_DUPFD_CLOEXEC, 3);
	if (dc < 0 || du < 0)
		goto fail;
	if (uv_poll_init(c->sb->w->loop, &c->sc.poll, dc) < 0)
		goto fail;
	c->sc.fd = dc;
	c->sc.inited = true;
	c->sc.events = 0;
	c->sc.poll.data = c;
	c->handles++;
	if (uv_poll_init(c->sb->w->loop, &c->su.poll, du) < 0) {
		/* The client side's poll owns dc now; pconn_close() releases it. */
		safe_close(du);
		for (int i = 0; i < 2; i++)
			for (int k = 0; k < 2; k++)
				safe_close(fds[i][k]);
		pconn_close(c);
		return true;
	}
	c->su.fd = du;
	c->su.inited = true;
	c->su.events = 0;
	c->su.poll.data = c;
	c->handles++;
	memcpy(c->c2u.pipe, fds[0], sizeof(fds[0]));
	memcpy(c->u2c.pipe, fds[1], sizeof(fds[1]));
	c->spliced = true;
	splice_update(c);
	return true;
fail:
	safe_close(dc);
	safe_close(du);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			safe_close(fds[i][k]);
	return false;
}

/*
 * The sandbox's side of a tunnel never leaves the sandbox's loopback
 * device: no queue, no loss, no bandwidth to estimate.  The host's default
 * congestion control may be one that paces and models the path (BBR: an
 * hrtimer and a model update per ACK); Reno, built into every kernel and
 * always allowed to unprivileged sockets, does neither.  Measured with
 * tests/bench/bench_proxy.sh on a BBR host: 5-10 % less CPU per byte
 * for the relay (tests/bench/README).  The upstream keeps the host's
 * choice.  A refusal (a kernel or an administrator that forbids it) leaves
 * the default.
 */
static void client_side_tuning(struct pconn *c)
{
	static const char cc[] = "reno";
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->client, &fd) == 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, sizeof(cc) - 1);
}

static void start_relay(struct pconn *c)
{
	c->state = PC_RELAY;
	uv_timer_stop(&c->timer);
	(void)uv_tcp_nodelay(&c->client, 1);
	(void)uv_tcp_nodelay(&c->up, 1);
	client_side_tuning(c);
	if (start_splice(c))
		return;
	c->c2u.buf = malloc(PROXY_RELAY_BUF);
	c->u2c.buf = malloc(PROXY_RELAY_BUF);
	if (!c->c2u.buf || !c->u2c.buf) {
		pconn_close(c);
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->client, relay_alloc, relay_read) < 0 ||
	    uv_read_start((uv_stream_t *)&c->up, relay_alloc, relay_read) < 0)
		pconn_close(c);
}

/* The first bytes (reply to the client, or rewritten head to the upstream) are out. */
static void on_first_written(uv_write_t *req, int status)
{
	struct pconn *c = req->data;

	if (c->state == PC_CLOSING)
		return;
	if (status < 0) {
		pconn_close(c);
		return;
	}
	free(c->out);
	c->out = NULL;
	start_relay(c);
}

/* Connected: tell the client, send what it already sent, relay. */
static void connected(struct pconn *c)
{
	uv_stream_t *dst;
	uv_buf_t bufs[2];
	unsigned nb = 0;
	size_t rest_off = 0;

	c->allowed = true;
	if (!c->reason)
		c->reason = "allowed"; /* or "approved" */
	c->sb->w->connections++;
	worker_event(c->sb, WORKER_EVENT_OPEN, c->host.name, c->port, c->proto, true, c->reason,
		     c->method[0] ? c->method : NULL, (const struct sockaddr *)&c->connected, 0, 0);
	free(c->out);
	c->out = NULL;
	if (c->front == FRONT_HTTP) {
		rest_off = c->head.head_len;
		if (c->head.connect) {
			static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
			if (uv_try_write((uv_stream_t *)&c->client,
					 &(uv_buf_t){ .base = (char *)ok, .len = sizeof(ok) - 1 },
					 1) != (int)(sizeof(ok) - 1)) {
				pconn_close(c);
				return;
			}
		} else {
			int n;
			c->out = malloc(HTTP_HEAD_MAX + 1024);
			if (!c->out) {
				pconn_close(c);
				return;
			}
			n = http_head_rewrite(&c->head, c->in, c->out, HTTP_HEAD_MAX + 1024);
			if (n < 0) {
				refuse_error(c, 400, "Bad Request", 0, "bad_request",
					     "the request head is too large");
				return;
			}
			c->out_len = (size_t)n;
			c->c2u.bytes += (uint64_t)n;
		}
	} else {
		uint8_t rep[SOCKS5_MAX_REPLY];
		struct sockaddr_storage local;
		int len = sizeof(local);
		size_t rl;

		if (uv_tcp_getsockname(&c->up, (struct sockaddr *)&local, &len) < 0)
			memset(&local, 0, sizeof(local));
		rl = socks5_build_reply(rep, SOCKS5_REP_OK, (struct sockaddr *)&local);
		if (uv_try_write((uv_stream_t *)&c->client,
				 &(uv_buf_t){ .base = (char *)rep, .len = rl }, 1) != (int)rl) {
			pconn_close(c);
			return;
		}
		rest_off = 0; /* the SOCKS parser left only the bytes after the request */
	}
	dst = (uv_stream_t *)&c->up;
	if (c->out_len)
		bufs[nb++] = uv_buf_init(c->out, (unsigned)c->out_len);
	if (c->in_len > rest_off) {
		/* What the client sent after its request: the body, or the TLS hello. */
		bufs[nb++] = uv_buf_init(c->in + rest_off, (unsigned)(c->in_len - rest_off));
		c->c2u.bytes += c->in_len - rest_off;
	}
	if (nb == 0) {
		start_relay(c);
		return;
	}
	c->ow.data = c;
	c->state = PC_RELAY;
	if (uv_write(&c->ow, dst, bufs, nb, on_first_written) < 0)
		pconn_close(c);
}

/* ------------------------------------------------------------ connect */

static void try_connect(struct pconn *c);
static void on_up_closed_retry(uv_handle_t *h);

static void on_connect(uv_connect_t *req, int status)
{
	struct pconn *c = req->data;

	if (c->state == PC_CLOSING)
		return;
	if (status == 0) {
		c->have_connected = true;
		connected(c);
		return;
	}
	log_debug("sandbox %s: connect to address %zu of %s failed: %s", c->sb->id, c->next_addr,
		  c->host.name, uv_strerror(status));
	c->last_err = status;
	/* Next checked address, on a fresh handle once this one is closed. */
	c->up_inited = false;
	uv_close((uv_handle_t *)&c->up, on_up_closed_retry);
}

static void connect_failed(struct pconn *c)
{
	if (c->last_err == UV_ECONNREFUSED)
		refuse_error(c, 502, "Bad Gateway", SOCKS5_REP_REFUSED, "connect_refused",
			     "the destination refused the connection");
	else
		refuse_error(c, 502, "Bad Gateway", SOCKS5_REP_HOST_UNREACHABLE, "connect_failed",
			     "the destination cannot be reached");
}

static void on_up_closed_retry(uv_handle_t *h)
{
	struct pconn *c = h->data;

	if (c->state != PC_CLOSING) {
		if (c->next_addr < c->n_addrs)
			try_connect(c);
		else
			connect_failed(c);
	}
	pconn_unref(c);
}

static void try_connect(struct pconn *c)
{
	const struct sockaddr *sa = (const struct sockaddr *)&c->addrs[c->next_addr++];
	int r;

	c->state = PC_CONNECT;
	memcpy(&c->connected, sa, sizeof(c->connected));
	uv_tcp_init(c->sb->w->loop, &c->up);
	c->up.data = c;
	c->up_inited = true;
	c->handles++;
	c->creq.data = c;
	r = uv_tcp_connect(&c->creq, &c->up, sa, on_connect);
	if (r < 0) {
		c->last_err = r;
		c->up_inited = false;
		uv_close((uv_handle_t *)&c->up, on_up_closed_retry);
		return;
	}
	uv_timer_start(&c->timer, on_timer, PROXY_CONNECT_TIMEOUT_MS, 0);
}

/* ------------------------------------------------------------ decision */

static void on_resolved(void *ud, int err, const struct sockaddr_storage *addrs, size_t n)
{
	struct pconn *c = ud;

	c->res = NULL;
	if (c->state == PC_CLOSING)
		return;
	if (n == 0) {
		(void)err;
		refuse_error(c, 502, "Bad Gateway", SOCKS5_REP_HOST_UNREACHABLE, "resolve_failed",
			     "the name does not resolve");
		return;
	}
	/* Every address is checked before any is used. */
	for (size_t i = 0; i < n; i++)
		if (domain_check_address(&c->check, (const struct sockaddr *)&addrs[i]) !=
		    DOMAIN_ALLOWED) {
			char t[INET6_ADDRSTRLEN];
			log_info("sandbox %s: %s resolves to local address %s: refused", c->sb->id,
				 c->host.name, worker_addr_text((const struct sockaddr *)&addrs[i],
								t, sizeof(t)));
			memcpy(&c->connected, &addrs[i], sizeof(c->connected));
			c->have_connected = true; /* the address in the event: what it resolved to */
			refuse_policy(c, c->check.verdict);
			return;
		}
	memcpy(c->addrs, addrs, n * sizeof(addrs[0]));
	c->n_addrs = n;
	c->next_addr = 0;
	try_connect(c);
}

static void go_resolve(struct pconn *c)
{
	int r;

	c->state = PC_RESOLVE;
	uv_read_stop((uv_stream_t *)&c->client);
	uv_timer_stop(&c->timer);
	r = resolve_start(c->sb->w, &c->host, c->port, true, true, on_resolved, c, &c->res);
	if (r < 0)
		refuse_error(c, 502, "Bad Gateway", SOCKS5_REP_FAILURE, "resolve_failed",
			     "cannot resolve the name");
}

static void on_answer(void *ud, bool allow)
{
	struct pconn *c = ud;

	c->ask_id = 0;
	if (c->state != PC_ASK)
		return;
	if (!allow) {
		refuse_policy(c, DOMAIN_NOT_ALLOWED);
		return;
	}
	c->check.verdict = DOMAIN_ALLOWED;
	c->check.check_addresses = !c->sb->policy.allow_local && !c->host.is_ip;
	c->reason = "approved";
	go_resolve(c);
}

static void start_decision(struct pconn *c)
{
	c->have_target = true;
	uv_read_stop((uv_stream_t *)&c->client);
	if (c->front == FRONT_HTTP && !c->head.connect &&
	    !domain_method_allowed(&c->sb->policy, c->method)) {
		c->check.verdict = DOMAIN_METHOD;
		refuse_policy(c, DOMAIN_METHOD);
		return;
	}
	worker_check(c->sb, &c->host, c->port, c->proto, &c->check);
	if (c->check.verdict == DOMAIN_NOT_ALLOWED && c->sb->ask) {
		c->state = PC_ASK;
		uv_timer_stop(&c->timer);
		if (worker_ask(c->sb, &c->host, c->port, c->proto, on_answer, c, &c->ask_id) == 0)
			return;
		c->ask_id = 0;
	}
	if (c->check.verdict != DOMAIN_ALLOWED) {
		refuse_policy(c, c->check.verdict);
		return;
	}
	go_resolve(c);
}

/* ------------------------------------------------------------ front ends */

static void head_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pconn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->in + c->in_len, (unsigned)(HTTP_HEAD_MAX - c->in_len));
}

static void http_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct pconn *c = s->data;
	int r;

	(void)buf;
	if (c->state != PC_HEAD)
		return;
	if (n < 0) {
		pconn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	r = http_head_parse(c->in, c->in_len, &c->head);
	if (r == 0 && c->in_len < HTTP_HEAD_MAX)
		return;
	if (r == 0 || r == -E2BIG) {
		refuse_error(c, 431, "Request Header Fields Too Large", 0, "bad_request",
			     "the request head is too large");
		return;
	}
	if (r == -EPROTO) {
		refuse_error(c, 400, "Bad Request", 0, "bad_request",
			     "this is a proxy: send absolute-form requests (http://host/path) or "
			     "CONNECT");
		return;
	}
	if (r == -EPROTONOSUPPORT) {
		refuse_error(c, 400, "Bad Request", 0, "bad_request",
			     "only http:// URLs are proxied this way; use CONNECT for https");
		return;
	}
	if (r < 0) {
		refuse_error(c, 400, "Bad Request", 0, "bad_request", "malformed request");
		return;
	}
	snprintf(c->method, sizeof(c->method), "%s", c->head.method);
	c->proto = c->head.connect ? NET_PROTO_HTTPS : NET_PROTO_HTTP;
	c->port = c->head.port;
	if (domain_host_normalize(c->head.host, strlen(c->head.host), &c->host) < 0) {
		refuse_error(c, 400, "Bad Request", 0, "invalid_host", "invalid host name");
		return;
	}
	start_decision(c);
}

static void socks_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct pconn *c = s->data;
	size_t used = 0;
	uint8_t cmd = 0;
	struct socks5_addr a;
	int r;

	(void)buf;
	if (c->state == PC_UDP) {
		/* The control connection: nothing more is expected; its end ends the association. */
		if (n < 0)
			pconn_close(c);
		else
			c->in_len = 0;
		return;
	}
	if (c->state != PC_HEAD)
		return;
	if (n < 0) {
		pconn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	if (!c->socks_greeted) {
		bool noauth = false;
		r = socks5_parse_greeting((uint8_t *)c->in, c->in_len, &used, &noauth);
		if (r == 0)
			return;
		if (r < 0 || !noauth) {
			static const uint8_t no[2] = { SOCKS5_VERSION, 0xff };
			refuse_raw(c, no, r < 0 ? 0 : 2);
			return;
		}
		{
			static const uint8_t ok[2] = { SOCKS5_VERSION, 0x00 };
			if (uv_try_write(s, &(uv_buf_t){ .base = (char *)ok, .len = 2 }, 1) != 2) {
				pconn_close(c);
				return;
			}
		}
		c->socks_greeted = true;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		used = 0;
	}
	r = socks5_parse_request((uint8_t *)c->in, c->in_len, &used, &cmd, &a);
	if (r == 0) {
		if (c->in_len >= 600)
			pconn_close(c);
		return;
	}
	if (r < 0) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		refuse_raw(c, rep,
			   socks5_build_reply(rep,
					      r == -EAFNOSUPPORT ? SOCKS5_REP_ATYP_UNSUPPORTED
								 : SOCKS5_REP_FAILURE,
					      NULL));
		return;
	}
	if (used < c->in_len) {
		/* Bytes after the request go to the destination once connected. */
		size_t extra = c->in_len - used;
		memmove(c->in, c->in + used, extra);
		c->in_len = extra;
	} else
		c->in_len = 0;
	c->port = a.port;
	if (cmd == SOCKS5_CMD_UDP_ASSOCIATE) {
		struct sockaddr_storage relay;
		int len = sizeof(relay);
		uint8_t rep[SOCKS5_MAX_REPLY];
		struct sockaddr_storage client = { 0 };

		c->proto = NET_PROTO_SOCKS5_UDP;
		if (c->sb->policy.limited) {
			c->have_target = true;
			snprintf(c->host.name, sizeof(c->host.name), "%s", "udp-associate");
			refuse_policy(c, DOMAIN_METHOD);
			return;
		}
		/* DST is where the client will send from, if it knows (0.0.0.0:0 otherwise). */
		if (a.atyp == SOCKS5_ATYP_IPV4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&client;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(a.port);
			inet_pton(AF_INET, a.host, &s4->sin_addr);
		}
		if (uv_udp_getsockname(&c->sb->socks_udp, (struct sockaddr *)&relay, &len) < 0 ||
		    udp_assoc_new(c, (struct sockaddr *)&client, &c->assoc) < 0) {
			refuse_raw(c, rep, socks5_build_reply(rep, SOCKS5_REP_FAILURE, NULL));
			return;
		}
		c->state = PC_UDP;
		uv_timer_stop(&c->timer);
		c->in_len = 0;
		if (uv_try_write(s,
				 &(uv_buf_t){ .base = (char *)rep,
					      .len = socks5_build_reply(rep, SOCKS5_REP_OK,
									(struct sockaddr *)&relay) },
				 1) < 0)
			pconn_close(c);
		return;
	}
	if (cmd != SOCKS5_CMD_CONNECT) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		refuse_raw(c, rep, socks5_build_reply(rep, SOCKS5_REP_CMD_UNSUPPORTED, NULL));
		return;
	}
	c->proto = NET_PROTO_SOCKS5_TCP;
	if (domain_host_normalize(a.host, strlen(a.host), &c->host) < 0 || c->host.port != 0 ||
	    a.port == 0) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		refuse_raw(c, rep, socks5_build_reply(rep, SOCKS5_REP_HOST_UNREACHABLE, NULL));
		return;
	}
	start_decision(c);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void accept_one(uv_stream_t *l, enum pc_front front)
{
	struct psandbox *sb = l->data;
	struct worker *w = sb->w;
	struct pconn *c;

	c = calloc(1, sizeof(*c));
	if (c)
		c->in = malloc(HTTP_HEAD_MAX);
	if (!c || !c->in) {
		uv_tcp_t *t;
		/* Out of memory: accept and drop so the backlog does not spin. */
		if (c)
			free(c);
		t = malloc(sizeof(*t));
		if (t && uv_tcp_init(w->loop, t) == 0) {
			(void)uv_accept(l, (uv_stream_t *)t);
			uv_close((uv_handle_t *)t, free_handle);
		} else
			free(t);
		return;
	}
	c->sb = sb;
	c->front = front;
	c->state = PC_HEAD;
	c->c2u.pipe[0] = c->c2u.pipe[1] = c->u2c.pipe[0] = c->u2c.pipe[1] = -1;
	c->sc.fd = c->su.fd = -1;
	uv_tcp_init(w->loop, &c->client);
	c->client.data = c;
	uv_timer_init(w->loop, &c->timer);
	c->timer.data = c;
	c->handles = 2;
	list_add_tail(&sb->conns, &c->node);
	sb->n_conns++;
	w->n_conns++;
	if (uv_accept(l, (uv_stream_t *)&c->client) < 0) {
		pconn_close(c);
		return;
	}
	if (sb->n_conns > PROXY_MAX_CONNS_PER_SANDBOX || w->n_conns > PROXY_MAX_CONNS) {
		log_warning("sandbox %s: too many proxied connections; dropping one", sb->id);
		pconn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timer, PROXY_HEAD_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->client, head_alloc,
			  front == FRONT_HTTP ? http_read : socks_read) < 0)
		pconn_close(c);
}

void conn_on_http_accept(uv_stream_t *l, int status)
{
	if (status == 0)
		accept_one(l, FRONT_HTTP);
}

void conn_on_socks_accept(uv_stream_t *l, int status)
{
	if (status == 0)
		accept_one(l, FRONT_SOCKS);
}
