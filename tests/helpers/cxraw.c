/* SPDX-License-Identifier: MIT */
/*
 * cxraw: a raw-socket client for the integration tests (tests/integration).
 *
 *   cxraw [--timeout MS] [--hold MS] [--lines N] [--fds] [--no-read]
 *         [--expect-close] SOCKET
 *
 * Connects to SOCKET and relays, at the same time, standard input to the
 * socket byte for byte (binary-safe: no framing, no validation, NULs
 * included) and every byte the daemon sends to standard output.  Standard
 * input may stay open (a fifo or a coprocess) to hold a conversation.
 *
 * After standard input's end, cxraw keeps the connection open (it never
 * shuts down its sending side) for --hold MS, then until the daemon closes
 * the connection or --timeout MS (default 3000) pass without a byte from
 * the daemon.  --lines N ends as soon as N lines have arrived and all input
 * was sent.
 *
 *   --fds           pass descriptors 0, 1 and 2 (SCM_RIGHTS) with the first
 *                   bytes sent (stdio mode "fds" of exec/start)
 *   --no-read       never read the socket (a slow reader): after sending,
 *                   wait --hold MS, or until killed
 *   --expect-close  exit 1 unless the daemon closed the connection in time
 *
 * Exit status: 0, 1 (--expect-close not met), 2 usage, 3 cannot connect or
 * an I/O error.  The daemon closing the connection is reported on standard
 * error as "cxraw: closed by peer" so tests can tell.
 *
 * Process: test helper (runs as the test users).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/fdio.h"

#define BUF_SIZE (64 * 1024)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_ms(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cxraw [--timeout MS] [--hold MS] [--lines N] [--fds] [--no-read] "
			"[--expect-close] SOCKET\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "cxraw: socket path too long\n");
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		fprintf(stderr, "cxraw: connect %s: %s\n", path, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* One non-blocking send, with descriptors 0..2 attached if with_fds. */
static ssize_t send_some(int sock, const char *buf, size_t len, bool with_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 3)];
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (with_fds) {
		static const int fds[3] = { 0, 1, 2 };
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(c), fds, sizeof(fds));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_HOLD, OPT_LINES, OPT_FDS, OPT_NO_READ, OPT_EXPECT_CLOSE };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "lines", required_argument, NULL, OPT_LINES },
		{ "fds", no_argument, NULL, OPT_FDS },
		{ "no-read", no_argument, NULL, OPT_NO_READ },
		{ "expect-close", no_argument, NULL, OPT_EXPECT_CLOSE },
		{ 0 },
	};
	long timeout = 3000, hold = 0, lines = 0, lines_seen = 0;
	bool with_fds = false, no_read = false, expect_close = false;
	bool in_open = true, closed = false, fds_sent = false, send_dead = false;
	static char out[BUF_SIZE], in[BUF_SIZE];
	size_t in_len = 0, in_off = 0;
	int64_t done_at = 0, last_rx = 0;
	int sock, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
		case OPT_HOLD:
		case OPT_LINES:
			if (parse_ms(optarg, c == OPT_TIMEOUT ? &timeout
					     : c == OPT_HOLD  ? &hold
							      : &lines) < 0) {
				usage();
				return 2;
			}
			break;
		case OPT_FDS:
			with_fds = true;
			break;
		case OPT_NO_READ:
			no_read = true;
			break;
		case OPT_EXPECT_CLOSE:
			expect_close = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sock = connect_to(argv[optind]);
	if (sock < 0)
		return 3;

	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = -1, .events = POLLIN },
			{ .fd = sock, .events = 0 },
		};
		bool sending = in_open || in_off < in_len;
		int wait = -1, r;

		if (closed)
			break; /* nothing more can be said on this connection */
		if (!sending && done_at == 0)
			done_at = last_rx = now_ms();
		if (!sending) {
			int64_t end = done_at + hold, t = now_ms();

			if (!no_read && last_rx + timeout > end)
				end = last_rx + timeout;
			if (no_read && hold == 0)
				end = INT64_MAX; /* until killed */
			if ((lines > 0 && lines_seen >= lines) || t >= end)
				break;
			wait = end == INT64_MAX ? -1 : (int)(end - t);
		}
		if (in_open && in_off == in_len)
			pf[0].fd = STDIN_FILENO;
		if (in_off < in_len)
			pf[1].events |= POLLOUT;
		if (!no_read && !closed)
			pf[1].events |= POLLIN;
		if (!pf[1].events)
			pf[1].fd = -1;

		r = poll(pf, 2, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("cxraw: poll");
			return 3;
		}

		if (pf[0].revents) {
			ssize_t n = read(STDIN_FILENO, in, sizeof(in));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				in_open = false;
			else if (send_dead)
				; /* the daemon is gone: swallow the rest */
			else {
				in_len = (size_t)n;
				in_off = 0;
			}
		}
		if (in_off < in_len && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = send_some(sock, in + in_off, in_len - in_off,
					      with_fds && !fds_sent);
			if (n >= 0) {
				fds_sent = true;
				in_off += (size_t)n;
			} else if (n != -EAGAIN) {
				/* The daemon closed on us (oversized frame ...): keep reading. */
				send_dead = true;
				in_off = in_len;
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = no_read ? 0 : recv(sock, out, sizeof(out), MSG_DONTWAIT);

			if (no_read)
				continue; /* POLLHUP while sending: the send path saw it */
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				closed = true;
				fprintf(stderr, "cxraw: closed by peer\n");
				continue;
			}
			last_rx = now_ms();
			for (ssize_t i = 0; i < n; i++)
				if (out[i] == '\n')
					lines_seen++;
			if (fd_write_all(STDOUT_FILENO, out, (size_t)n) < 0)
				return 3;
		}
	}
	close(sock);
	if (expect_close && !closed) {
		fprintf(stderr, "cxraw: the connection was still open after %ld ms\n", timeout);
		return 1;
	}
	return 0;
}
