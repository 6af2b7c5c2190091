/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/frame_header.h"
#include "common/log.h"
#include "common/protocol.h"
#include "daemon/approvals.h"
#include "daemon/audit_events.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/proxy.h"
#include "daemon/decide.h"
#include "daemon/dispatch.h"
#include "daemon/exec.h"
#include "daemon/output_splice.h"
#include "daemon/peer.h"

#define CONN_READ_CHUNK (64 * 1024)
#define CONN_READS_PER_EVENT 16
#define CONN_IOV_MAX 64

static void conn_update_poll(struct conn *c);
static void conn_flush(struct conn *c);
static void on_conn_poll(uv_poll_t *h, int status, int events);

size_t conn_output_high(const struct conn *c)
{
	return c->d->cfg->output_buffer_bytes;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open_handles > 0)
		return;
	for (struct wbuf *w = c->wq_head, *n; w; w = n) {
		n = w->next;
		wbuf_free(w);
	}
	for (size_t i = 0; i < c->n_fds; i++)
		safe_close(c->fds[i]);
	frame_reader_done(&c->rd);
	peer_done(&c->peer);
	free(c->client_name);
	free(c->client_version);
	safe_close(c->fd);
	free(c);
}

void conn_close(struct conn *c, const char *why)
{
	struct list_node *pos, *tmp;
	struct daemon *d = c->d;

	if (c->dead)
		return;
	c->dead = true;
	log_debug("connection #%llu (uid %u): closed: %s", (unsigned long long)c->serial,
		  (unsigned)c->peer.uid, why);
	audit_ev_conn_close(c, why);

	/* A client that goes away takes its sandboxes with it. */
	LIST_FOREACH_SAFE(pos, tmp, &c->execs)
	{
		exec_conn_gone(list_entry(pos, struct exec, conn_node));
	}
	decide_conn_gone(c);
	proxy_conn_gone(c);
	approvals_conn_gone(c);

	list_del(&c->node);
	d->n_conns--;
	uv_poll_stop(&c->poll);
	uv_timer_stop(&c->frame_timer);
	c->open_handles = 2;
	uv_close((uv_handle_t *)&c->poll, on_handle_closed);
	uv_close((uv_handle_t *)&c->frame_timer, on_handle_closed);

	if (d->shutting_down)
		daemon_shutdown(d, NULL);
}

void conn_close_after_flush(struct conn *c, const char *why)
{
	if (c->dead || c->draining)
		return;
	c->draining = true;
	log_debug("connection #%llu: closing after flush: %s", (unsigned long long)c->serial, why);
	if (!c->wq_head) {
		conn_close(c, why);
		return;
	}
	conn_update_poll(c);
}

/*
 * A close decided while a reply or notification was being queued (the
 * write failed, or the last byte of a draining connection went out) is
 * carried out from the loop: the caller that was sending may own objects
 * of this connection (a pending decision, an approval) that conn_close()
 * would free under its feet.  Queued output is dropped and no more is
 * accepted; the poll fires at once on the broken or idle socket.
 */
static void conn_close_soon(struct conn *c, const char *why)
{
	if (c->dead || c->close_pending)
		return;
	c->close_pending = true;
	c->close_why = why;
	for (struct wbuf *w = c->wq_head, *n; w; w = n) {
		n = w->next;
		wbuf_free(w);
	}
	c->wq_head = c->wq_tail = NULL;
	c->wq_bytes = 0;
	c->poll_events = UV_READABLE | UV_WRITABLE;
	uv_poll_start(&c->poll, c->poll_events, on_conn_poll);
}

static void conn_update_poll(struct conn *c)
{
	int want = 0;

	if (c->dead || c->close_pending)
		return;
	if (!c->draining && !c->read_paused && !c->half_closed)
		want |= UV_READABLE;
	if (c->wq_head)
		want |= UV_WRITABLE;
	if (want == c->poll_events)
		return;
	c->poll_events = want;
	if (want)
		uv_poll_start(&c->poll, want, on_conn_poll);
	else
		uv_poll_stop(&c->poll);
}

static void conn_after_dequeue(struct conn *c)
{
	size_t high = conn_output_high(c);

	if (c->output_blocked && c->wq_bytes < high / 2) {
		struct list_node *pos, *tmp;

		c->output_blocked = false;
		LIST_FOREACH_SAFE(pos, tmp, &c->execs)
		{
			exec_output_resume(list_entry(pos, struct exec, conn_node));
		}
	}
	if (c->read_paused && c->wq_bytes < CX_CONN_WQUEUE_HARD / 2)
		c->read_paused = false;
}

static void conn_write_failed(struct conn *c, int err)
{
	const char *why = err == EPIPE || err == ECONNRESET ? "peer closed" : "write error";

	if (c->in_send)
		conn_close_soon(c, why);
	else
		conn_close(c, why);
}

static void conn_pop(struct conn *c)
{
	struct wbuf *w = c->wq_head;

	c->wq_head = w->next;
	if (!c->wq_head)
		c->wq_tail = NULL;
	if (w->splice_left == 0 && w->splice_src)
		output_splice_done(w); /* its stream may read again */
	else
		wbuf_free(w);
}

static void conn_flush(struct conn *c)
{
	while (c->wq_head && !c->dead) {
		struct iovec iov[CONN_IOV_MAX];
		struct msghdr msg = { .msg_iov = iov };
		struct wbuf *w = c->wq_head;
		ssize_t n;
		int k = 0;

		if (w->off == w->len && w->splice_left > 0) {
			/* Its header is out: the bytes it owes go next, from the pipe. */
			int r = output_splice_write(c, w);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				if (r == -ENODATA)
					log_warning("connection #%llu: output pipe ended before the "
						    "bytes announced",
						    (unsigned long long)c->serial);
				conn_write_failed(c, -r);
				return;
			}
			conn_pop(c);
			continue;
		}
		/* Everything queued up to and including the next header that owes bytes. */
		for (; w && k < CONN_IOV_MAX; w = w->next) {
			iov[k].iov_base = w->data + w->off;
			iov[k].iov_len = w->len - w->off;
			k++;
			if (w->splice_left > 0)
				break;
		}
		msg.msg_iovlen = (size_t)k;
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_write_failed(c, errno);
			return;
		}
		c->wq_bytes -= (size_t)n;
		while (n > 0) {
			w = c->wq_head;
			size_t left = w->len - w->off;
			if ((size_t)n < left) {
				w->off += (size_t)n;
				break;
			}
			n -= (ssize_t)left;
			w->off = w->len;
			if (w->splice_left > 0)
				break; /* n is 0: the gathering stopped here */
			conn_pop(c);
		}
	}
	if (c->dead)
		return;
	conn_after_dequeue(c);
	if (!c->wq_head && c->draining) {
		if (c->in_send)
			conn_close_soon(c, "flushed");
		else
			conn_close(c, "flushed");
		return;
	}
	conn_update_poll(c);
}

struct wbuf *conn_wbuf_new(size_t len)
{
	struct wbuf *w = malloc(sizeof(*w) + len);

	if (!w)
		return NULL;
	w->next = NULL;
	w->len = len;
	w->off = 0;
	w->splice_fd = -1;
	w->splice_fd_owned = false;
	w->splice_left = 0;
	w->splice_src = NULL;
	return w;
}

/*
 * A connection that speaks Content-Length framing is answered in kind:
 * the line's newline is not sent, and a header block goes before it.
 */
static int conn_queue_header(struct conn *c, struct wbuf *w)
{
	char head[64];
	size_t n;
	struct wbuf *h;

	if (w->len > 0 && w->data[w->len - 1] == '\n')
		w->len--;
	n = frame_header_format(head, sizeof(head), w->len);
	h = conn_wbuf_new(n);
	if (!h)
		return -ENOMEM;
	memcpy(h->data, head, n);
	if (c->wq_tail)
		c->wq_tail->next = h;
	else
		c->wq_head = h;
	c->wq_tail = h;
	c->wq_bytes += h->len;
	return 0;
}

int conn_send_wbuf(struct conn *c, struct wbuf *w)
{
	bool was_empty;

	if (c->dead || c->close_pending) {
		wbuf_free(w);
		return -EPIPE;
	}
	was_empty = !c->wq_head;
	if (frame_reader_uses_headers(&c->rd) && conn_queue_header(c, w) < 0) {
		wbuf_free(w);
		return -ENOMEM;
	}
	if (c->wq_tail)
		c->wq_tail->next = w;
	else
		c->wq_head = w;
	c->wq_tail = w;
	c->wq_bytes += w->len;
	if (c->wq_bytes > conn_output_high(c))
		c->output_blocked = true;
	if (c->wq_bytes > CX_CONN_WQUEUE_HARD)
		c->read_paused = true;
	if (was_empty) {
		/* Usually completes without a trip through the loop. */
		bool nested = c->in_send;
		c->in_send = true;
		conn_flush(c);
		c->in_send = nested;
	} else
		conn_update_poll(c);
	return 0;
}

int conn_send_line(struct conn *c, char *line, size_t len)
{
	struct wbuf *w;

	if (!line)
		return -ENOMEM;
	w = conn_wbuf_new(len);
	if (!w) {
		free(line);
		return -ENOMEM;
	}
	memcpy(w->data, line, len);
	free(line);
	return conn_send_wbuf(c, w);
}

int conn_reply_result(struct conn *c, const struct rpc_id *id, json_t *result)
{
	size_t len;
	char *line = jsonrpc_build_result(id, result, &len);

	return conn_send_line(c, line, len);
}

int conn_reply_error(struct conn *c, const struct rpc_id *id, int code, const char *reason,
		     json_t *data, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t len;
	char *line;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->d->stats.errors_sent++;
	line = jsonrpc_build_error(id, code, reason, msg, data, &len);
	return conn_send_line(c, line, len);
}

int conn_notify(struct conn *c, const char *method, json_t *params)
{
	size_t len;
	char *line = jsonrpc_build_notification(method, params, &len);

	return conn_send_line(c, line, len);
}

int conn_take_fds(struct conn *c, size_t n, int *ret)
{
	if (c->n_fds < n)
		return -ENOENT;
	memcpy(ret, c->fds, n * sizeof(int));
	memmove(c->fds, c->fds + n, (c->n_fds - n) * sizeof(int));
	c->n_fds -= n;
	return 0;
}

static void conn_handle_frame(struct conn *c, const char *frame, size_t len)
{
	struct rpc_parse_error perr;
	struct rpc_message m;
	int r;

	r = jsonrpc_parse(frame, len, &m, &perr);
	if (r < 0) {
		c->bad_frames++;
		c->d->stats.bad_frames++;
		log_debug("connection #%llu: bad frame: %s", (unsigned long long)c->serial,
			  perr.message);
		conn_reply_error(c, &perr.id, perr.code, perr.reason, NULL, "%s", perr.message);
		if (c->bad_frames > CX_MAX_BAD_FRAMES)
			conn_close_after_flush(c, "too many malformed frames");
		return;
	}
	if (m.kind == RPC_KIND_REQUEST || m.kind == RPC_KIND_NOTIFICATION)
		c->bad_frames = 0;
	dispatch_message(c, &m);
	jsonrpc_message_done(&m);
}

/* A full close (not a half-close) of the peer shows as POLLHUP. */
static bool peer_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static void on_hup_check(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (!c->dead && peer_hung_up(c->fd))
		conn_close(c, "client disconnected");
}

/* Nothing of c's still running or being decided. */
static bool conn_idle(const struct conn *c)
{
	return list_empty(&c->execs) && list_empty(&c->jobs);
}

void conn_shutdown(struct conn *c)
{
	if (c->dead)
		return;
	if (conn_idle(c)) {
		conn_close_after_flush(c, "daemon shutting down");
		return;
	}
	c->half_closed = true;
	conn_update_poll(c);
}

void conn_exec_done(struct conn *c)
{
	if (c->half_closed && conn_idle(c))
		conn_close_after_flush(c, "client finished");
}

/*
 * End of the request stream.  A client that shut down only its sending
 * side (echo ... | socat) still waits for answers: keep its commands
 * running and check every half second whether it has gone completely.
 */
static void conn_read_eof(struct conn *c)
{
	if (conn_idle(c)) {
		conn_close_after_flush(c, "client finished");
		return;
	}
	if (peer_hung_up(c->fd)) {
		conn_close(c, "client disconnected");
		return;
	}
	c->half_closed = true;
	if (c->frame_timer_on)
		uv_timer_stop(&c->frame_timer);
	c->frame_timer_on = true;
	uv_timer_start(&c->frame_timer, on_hup_check, 500, 500);
	conn_update_poll(c);
}

static void on_frame_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	c->frame_timer_on = false;
	if (c->dead || !frame_reader_partial(&c->rd))
		return;
	conn_reply_error(c, &(struct rpc_id){ 0 }, CX_ERR_INVALID_REQUEST,
			 CX_REASON_INVALID_REQUEST, NULL, "request not completed within %d ms",
			 CX_FRAME_READ_TIMEOUT_MS);
	conn_close_after_flush(c, "frame read timeout");
}

static void conn_read(struct conn *c)
{
	bool progress = false;

	for (int i = 0; i < CONN_READS_PER_EVENT && !c->dead && !c->draining && !c->read_paused &&
			!c->half_closed;
	     i++) {
		int fds[CX_MAX_PENDING_FDS];
		size_t nfds = 0, avail;
		char *p, *frame;
		size_t flen;
		ssize_t n;
		int r;

		r = frame_reader_space(&c->rd, CONN_READ_CHUNK, &p, &avail);
		if (r == -E2BIG)
			goto too_big;
		if (r < 0) {
			conn_close(c, "out of memory");
			return;
		}
		n = fd_recv_with_fds(c->fd, p, avail, fds, CX_MAX_PENDING_FDS - c->n_fds, &nfds);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n == -EPROTO) {
			conn_reply_error(c, &(struct rpc_id){ 0 }, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					 "too many file descriptors passed (at most %d pending)",
					 CX_MAX_PENDING_FDS);
			conn_close_after_flush(c, "too many descriptors");
			return;
		}
		if (n < 0) {
			conn_close(c, "read error");
			return;
		}
		if (n == 0) {
			conn_read_eof(c);
			return;
		}
		memcpy(c->fds + c->n_fds, fds, nfds * sizeof(int));
		c->n_fds += nfds;
		frame_reader_commit(&c->rd, (size_t)n);

		while (!c->dead && !c->draining) {
			r = frame_reader_next(&c->rd, &frame, &flen);
			if (r == 0)
				break;
			if (r == -EBADMSG)
				goto bad_header;
			if (r < 0)
				goto too_big;
			progress = true;
			conn_handle_frame(c, frame, flen);
		}
		/*
		 * Descriptors arrive with the first bytes of the frame they belong
		 * to.  Once no frame is pending, any left over were not claimed by
		 * the request they came with: close them.
		 */
		if (!c->dead && c->n_fds > 0 && !frame_reader_partial(&c->rd)) {
			for (size_t k = 0; k < c->n_fds; k++)
				safe_close(c->fds[k]);
			c->n_fds = 0;
		}
	}
	if (c->dead || c->half_closed)
		return;

	/* Each frame must be finished within the limit once begun (slow-loris defence). */
	if (progress && c->frame_timer_on) {
		uv_timer_stop(&c->frame_timer);
		c->frame_timer_on = false;
	}
	if (frame_reader_partial(&c->rd) && !c->draining) {
		if (!c->frame_timer_on) {
			c->frame_timer_on = true;
			uv_timer_start(&c->frame_timer, on_frame_timeout, CX_FRAME_READ_TIMEOUT_MS, 0);
		}
	} else if (c->frame_timer_on) {
		c->frame_timer_on = false;
		uv_timer_stop(&c->frame_timer);
	}
	conn_update_poll(c);
	return;

bad_header:
	/* A broken header leaves no way to find where the next message starts. */
	c->d->stats.bad_frames++;
	conn_reply_error(c, &(struct rpc_id){ 0 }, CX_ERR_INVALID_REQUEST, CX_REASON_BAD_HEADER,
			 NULL, "malformed Content-Length header: %s", c->rd.error);
	conn_close_after_flush(c, "malformed frame header");
	return;

too_big:
	c->d->stats.bad_frames++;
	conn_reply_error(c, &(struct rpc_id){ 0 }, CX_ERR_INVALID_REQUEST,
			 CX_REASON_FRAME_TOO_LARGE, NULL, "frame longer than %u bytes",
			 c->d->cfg->max_frame_bytes);
	conn_close_after_flush(c, "oversized frame");
}

static void on_conn_poll(uv_poll_t *h, int status, int events)
{
	struct conn *c = h->data;

	if (c->dead)
		return;
	if (c->close_pending) {
		conn_close(c, c->close_why);
		return;
	}
	if (status < 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	if (events & UV_WRITABLE)
		conn_flush(c);
	if (!c->dead && (events & UV_READABLE))
		conn_read(c);
}

int conn_new(struct daemon *d, int fd)
{
	struct conn *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		safe_close(fd);
		return -ENOMEM;
	}
	c->d = d;
	c->fd = fd;
	c->serial = ++d->conn_serial;
	list_init(&c->execs);
	list_init(&c->jobs);
	frame_reader_init_detect(&c->rd, d->cfg->max_frame_bytes);

	r = peer_read(fd, &c->peer);
	if (r < 0) {
		log_warning_errno(r, "cannot read peer credentials of a new connection");
		frame_reader_done(&c->rd);
		safe_close(fd);
		free(c);
		return r;
	}
	c->role = role_for_credentials(c->peer.uid, c->peer.gid, c->peer.groups, c->peer.n_groups,
				       &d->cfg->role_groups);

	r = uv_poll_init(d->loop, &c->poll, fd);
	if (r < 0) {
		peer_done(&c->peer);
		frame_reader_done(&c->rd);
		safe_close(fd);
		free(c);
		return -ENOMEM;
	}
	uv_timer_init(d->loop, &c->frame_timer);
	c->poll.data = c;
	c->frame_timer.data = c;
	list_add_tail(&d->conns, &c->node);
	d->n_conns++;
	d->stats.connections_accepted++;

	log_debug("connection #%llu: uid %u (%s) gid %u pid %d role %s",
		  (unsigned long long)c->serial, (unsigned)c->peer.uid, c->peer.user,
		  (unsigned)c->peer.gid, (int)c->peer.pid, role_to_string(c->role));

	audit_ev_conn_open(c);
	c->poll_events = UV_READABLE;
	uv_poll_start(&c->poll, UV_READABLE, on_conn_poll);
	return 0;
}
