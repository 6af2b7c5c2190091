/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/client.h"
#include "common/macro.h"
#include "common/fdio.h"
#include "common/protocol.h"
#include "common/utf8.h"

int rpc_connect(struct rpc_client *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	*c = (struct rpc_client){ .fd = -1, .next_id = 1 };
	frame_reader_init(&c->rd, CLIENT_MAX_FRAME);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "codexctl: socket path too long: %s\n", path);
		return CX_EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "codexctl: socket: %s\n", strerror(errno));
		return CX_EXIT_ERROR;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		if (e == EACCES || e == EPERM) {
			fprintf(stderr,
				"codexctl: permission denied on %s: your user is not in a codexd "
				"group (codexd, codexd-viewer or codexd-admin); ask an administrator "
				"to add you, then log in again\n",
				path);
			return CX_EXIT_REFUSED;
		}
		fprintf(stderr,
			"codexctl: cannot reach codexd at %s: %s (is it running? start it with "
			"'systemctl start codexd.socket', or point CODEXD_SOCKET/--socket at "
			"another instance)\n",
			path, strerror(e));
		return CX_EXIT_UNAVAILABLE;
	}
	c->fd = fd;
	return 0;
}

void rpc_close(struct rpc_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	frame_reader_done(&c->rd);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_cap = 0;
}

static int out_append(struct rpc_client *c, const char *s, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;
		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	return 0;
}

int64_t rpc_queue_request(struct rpc_client *c, const char *method, json_t *params)
{
	struct rpc_id id = { .type = RPC_ID_INT, .num = c->next_id++ };
	size_t len;
	char *line = jsonrpc_build_request(&id, method, params, &len);
	int r;

	if (!line)
		return -ENOMEM;
	r = out_append(c, line, len);
	free(line);
	return r < 0 ? r : id.num;
}

int rpc_queue_result(struct rpc_client *c, const struct rpc_id *id, json_t *result)
{
	size_t len;
	_cleanup_free_ char *line = jsonrpc_build_result(id, result, &len);

	if (!line)
		return -ENOMEM;
	return out_append(c, line, len);
}

int rpc_queue_error(struct rpc_client *c, const struct rpc_id *id, int code, const char *reason,
		    const char *message)
{
	size_t len;
	_cleanup_free_ char *line = jsonrpc_build_error(id, code, reason, message, NULL, &len);

	if (!line)
		return -ENOMEM;
	return out_append(c, line, len);
}

int rpc_flush(struct rpc_client *c, bool blocking)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | (blocking ? 0 : MSG_DONTWAIT));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			return -errno;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

int64_t rpc_send_with_fds(struct rpc_client *c, const char *method, json_t *params,
			  const int *fds, size_t n_fds)
{
	struct rpc_id id = { .type = RPC_ID_INT, .num = c->next_id++ };
	size_t len;
	char *line;
	int r;

	r = rpc_flush(c, true);
	if (r < 0)
		return r;
	line = jsonrpc_build_request(&id, method, params, &len);
	if (!line)
		return -ENOMEM;
	r = fd_send_with_fds(c->fd, line, len, fds, n_fds);
	free(line);
	return r < 0 ? r : id.num;
}

int rpc_read(struct rpc_client *c, struct rpc_message *m, bool blocking)
{
	for (;;) {
		struct rpc_parse_error perr;
		char *frame, *p;
		size_t flen, avail;
		ssize_t n;
		int r;

		r = frame_reader_next(&c->rd, &frame, &flen);
		if (r < 0) {
			fprintf(stderr, "codexctl: the daemon sent an oversized frame\n");
			return -EPROTO;
		}
		if (r > 0) {
			if (jsonrpc_parse(frame, flen, m, &perr) < 0) {
				fprintf(stderr, "codexctl: malformed message from the daemon: ");
				term_print_escaped(stderr, perr.message);
				fputc('\n', stderr);
				return -EPROTO;
			}
			c->last_frame_len = flen + 1;
			return 1;
		}
		if (c->eof)
			return 0;
		r = frame_reader_space(&c->rd, 256 * 1024, &p, &avail);
		if (r < 0)
			return r;
		if (c->read_max && avail > c->read_max)
			avail = c->read_max;
		n = recv(c->fd, p, avail, blocking ? 0 : MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			fprintf(stderr, "codexctl: reading from codexd: %s\n", strerror(errno));
			return -errno;
		}
		if (n == 0) {
			c->eof = true;
			continue;
		}
		frame_reader_commit(&c->rd, (size_t)n);
	}
}

int rpc_read_raw_buffered(struct rpc_client *c, size_t *n,
			  int (*sink)(void *ud, const char *p, size_t len), void *ud)
{
	const char *p;
	size_t k = frame_reader_take(&c->rd, *n, &p);
	int r;

	if (k > 0) {
		r = sink(ud, p, k);
		if (r < 0)
			return r;
		*n -= k;
	}
	return 0;
}

int rpc_read_raw(struct rpc_client *c, size_t n, int (*sink)(void *ud, const char *p, size_t len),
		 void *ud)
{
	static char buf[256 * 1024];
	int r;

	r = rpc_read_raw_buffered(c, &n, sink, ud);
	if (r < 0)
		return r;
	while (n > 0) {
		ssize_t got = recv(c->fd, buf, MIN(n, sizeof(buf)), 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0) {
			c->eof = true;
			return -EPIPE;
		}
		r = sink(ud, buf, (size_t)got);
		if (r < 0)
			return r;
		n -= (size_t)got;
	}
	return 0;
}

int rpc_call(struct rpc_client *c, const char *method, json_t *params, json_t **ret_result,
	     struct rpc_message *ret_err)
{
	int64_t id = rpc_queue_request(c, method, params);
	int r;

	if (id < 0)
		return (int)id;
	r = rpc_flush(c, true);
	if (r < 0) {
		/* The daemon may have refused us and closed: its reason is waiting to be read. */
		struct rpc_message m;
		if ((r == -EPIPE || r == -ECONNRESET) && rpc_read(c, &m, false) == 1) {
			if (m.kind == RPC_KIND_ERROR) {
				*ret_err = m;
				return 1;
			}
			jsonrpc_message_done(&m);
		}
		fprintf(stderr, "codexctl: sending to codexd: %s\n", strerror(-r));
		return r;
	}
	for (;;) {
		struct rpc_message m;

		r = rpc_read(c, &m, true);
		if (r == 0) {
			fprintf(stderr, "codexctl: codexd closed the connection\n");
			return -EPIPE;
		}
		if (r < 0)
			return r;
		if ((m.kind == RPC_KIND_RESULT || m.kind == RPC_KIND_ERROR) &&
		    m.id.type == RPC_ID_INT && m.id.num == id) {
			if (m.kind == RPC_KIND_RESULT) {
				*ret_result = json_incref(m.result);
				jsonrpc_message_done(&m);
				return 0;
			}
			*ret_err = m;
			return 1;
		}
		if (m.kind == RPC_KIND_ERROR && m.id.type == RPC_ID_NONE) {
			/* Connection-level error (limits, malformed frame). */
			*ret_err = m;
			return 1;
		}
		jsonrpc_message_done(&m);
	}
}

int rpc_call_once(const char *socket, const char *method, json_t *params, json_t **ret_result)
{
	struct rpc_client c;
	struct rpc_message err;
	int r;

	r = rpc_connect(&c, socket);
	if (r > 0) {
		json_decref(params);
		return r == CX_EXIT_REFUSED ? CX_EXIT_ERROR : r;
	}
	r = rpc_call(&c, method, params, ret_result, &err);
	rpc_close(&c);
	if (r < 0)
		return CX_EXIT_ERROR;
	if (r == 1) {
		print_rpc_error(&err);
		jsonrpc_message_done(&err);
		return CX_EXIT_ERROR;
	}
	return 0;
}

void print_rpc_error(const struct rpc_message *m)
{
	fputs("codexctl: ", stderr);
	term_print_escaped(stderr, m->error_message ? m->error_message : "error");
	fputc('\n', stderr);
}

int exit_status_for_error(const struct rpc_message *m)
{
	switch (m->error_code) {
	case CX_ERR_PERMISSION_DENIED:
	case CX_ERR_FORBIDDEN:
	case CX_ERR_APPROVAL_DENIED:
		return CX_EXIT_REFUSED;
	default:
		return CX_EXIT_ERROR;
	}
}

void term_print_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* C1 controls (U+0080..U+009F, e.g. CSI) act like ESC on UTF-8 terminals. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(f, "\\u%04x", p[1]);
			p++;
		} else if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f))
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
}

/*
 * Unicode controls that change how the rest of a line is shown: the
 * bidirectional embeddings, overrides and isolates ("Trojan Source"), the
 * line and paragraph separators, and the byte order mark / zero-width
 * no-break space.
 */
static bool is_display_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

void term_print_oneline(FILE *f, const char *s, size_t max)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		unsigned char b = (unsigned char)s[i];
		uint32_t cp;
		int n;

		if (max > 0 && i >= max) {
			fputs("...", f);
			return;
		}
		if (b < 0x80) {
			if (b < 0x20 || b == 0x7f || b == '\\')
				fprintf(f, "\\x%02x", b);
			else
				fputc(b, f);
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			fprintf(f, "\\x%02x", b);
			i++;
			continue;
		}
		if (max > 0 && i + (size_t)n > max) {
			fputs("...", f);
			return;
		}
		/* C1 controls (U+0080..U+009F, e.g. CSI) act like ESC on UTF-8 terminals. */
		if (cp < 0xa0 || is_display_control(cp))
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(s + i, 1, (size_t)n, f);
		i += (size_t)n;
	}
}

void print_warnings(json_t *warnings)
{
	size_t i;
	json_t *w;

	json_array_foreach (warnings, i, w) {
		if (i >= 32) {
			fprintf(stderr, "codexctl: warning: (%zu more)\n",
				json_array_size(warnings) - i);
			break;
		}
		if (!json_is_string(w))
			continue;
		fputs("codexctl: warning: ", stderr);
		term_print_oneline(stderr, json_string_value(w), 1024);
		fputc('\n', stderr);
	}
}
