/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "common/log.h"
#include "common/macro.h"
#include "daemon/conn.h"
#include "daemon/exec.h"
#include "daemon/output_splice.h"

int output_raw_header(char *buf, size_t size, const struct exec *x, int stream, size_t n)
{
	static const char *const names[2] = { "stdout", "stderr" };
	const char *name = x->tty ? "pty" : names[stream ? 1 : 0];
	int len;

	len = snprintf(buf, size,
		       "{\"jsonrpc\":\"2.0\",\"method\":\"exec/output\",\"params\":"
		       "{\"id\":\"%s\",\"stream\":\"%s\",\"length\":%10zu}}\n",
		       x->id, name, n);
	if (len < 0 || (size_t)len >= size)
		return -ENOBUFS;
	return len;
}

bool output_splice_possible(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

ssize_t output_splice_queue(struct exec *x, struct exec_stream *s, int stream)
{
	char head[192];
	struct wbuf *w;
	size_t n;
	int avail = 0, len, r;

	/*
	 * Only the daemon reads this pipe, so what FIONREAD counts now is
	 * still there when the connection gets to splice it: the header can
	 * promise it.
	 */
	if (ioctl(s->fd, FIONREAD, &avail) < 0 || avail <= 0)
		return 0;
	n = (size_t)avail < CX_RAW_OUTPUT_CHUNK ? (size_t)avail : CX_RAW_OUTPUT_CHUNK;
	len = output_raw_header(head, sizeof(head), x, stream, n);
	if (len < 0)
		return len;
	w = conn_wbuf_new((size_t)len);
	if (!w)
		return -ENOMEM;
	memcpy(w->data, head, (size_t)len);
	w->splice_fd = s->fd;
	w->splice_left = n;
	w->splice_src = s;
	s->owed = w;
	x->d->stats.output_bytes += n;
	r = conn_send_wbuf(x->conn, w); /* may splice everything before it returns */
	if (r < 0)
		return r;
	return (ssize_t)n;
}

int output_splice_write(struct conn *c, struct wbuf *w)
{
	while (w->splice_left > 0) {
		ssize_t n = splice(w->splice_fd, NULL, c->fd, NULL, w->splice_left,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n == 0)
			return -ENODATA;
		w->splice_left -= (size_t)n;
	}
	return 0;
}

void output_splice_done(struct wbuf *w)
{
	struct exec_stream *s = w->splice_src;

	wbuf_free(w);
	if (!s)
		return;
	if (s->x->conn && !s->x->conn->output_blocked)
		exec_output_resume(s->x);
}

void output_splice_stream_closing(struct exec_stream *s)
{
	struct wbuf *w = s->owed;

	if (!w)
		return;
	log_debug("exec %s: output stream closed with %zu bytes owed: its pipe stays open until "
		  "the connection sent or dropped them",
		  s->x->id, w->splice_left);
	w->splice_src = NULL;
	w->splice_fd_owned = true;
	s->owed = NULL;
	s->fd = -1;
}

void wbuf_free(struct wbuf *w)
{
	if (!w)
		return;
	if (w->splice_src) {
		if (w->splice_left > 0)
			log_debug("exec %s: %zu output bytes owed dropped with the connection",
				  w->splice_src->x->id, w->splice_left);
		w->splice_src->owed = NULL;
	}
	if (w->splice_fd_owned)
		safe_close(w->splice_fd);
	free(w);
}
