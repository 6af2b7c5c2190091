/* SPDX-License-Identifier: MIT */
/*
 * daemon/output_splice.c on real pipes and a real socket pair: the header,
 * splicing exactly the bytes owed (no more leaves the pipe), a full socket,
 * a pipe shorter than announced, and who closes the pipe when.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/conn.h"
#include "daemon/exec.h"
#include "daemon/output_splice.h"

static int pipe_avail(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

static void fill(int fd, size_t n, unsigned seed)
{
	char buf[4096];

	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = (char)((done + i) * 31 + seed);
		assert_int_equal(write(fd, buf, k), (ssize_t)k);
		done += k;
	}
}

static void test_header_fixed_size(void **state)
{
	(void)state;
	struct exec x = { 0 };
	char a[192], b[192];
	int la, lb;

	snprintf(x.id, sizeof(x.id), "x0123456789abcdef");
	la = output_raw_header(a, sizeof(a), &x, 0, 1);
	lb = output_raw_header(b, sizeof(b), &x, 1, 262144);
	assert_true(la > 0);
	assert_int_equal(la, lb); /* codexctl reads the next header by this size */
	assert_int_equal(a[la - 1], '\n');
	assert_non_null(strstr(a, "\"stream\":\"stdout\""));
	assert_non_null(strstr(b, "\"stream\":\"stderr\",\"length\":    262144}}"));
	assert_int_equal(output_raw_header(a, 40, &x, 0, 1), -ENOBUFS);
	x.tty = true;
	assert_true(output_raw_header(a, sizeof(a), &x, 0, 5) > 0);
	assert_non_null(strstr(a, "\"stream\":\"pty\""));
}

static void test_splice_exactly_what_is_owed(void **state)
{
	(void)state;
	const size_t total = 700000, owed = 600000;
	struct conn c = { 0 };
	struct wbuf *w = conn_wbuf_new(0);
	int p[2], sv[2], r, again = 0;
	size_t got = 0;
	char *buf = malloc(owed + 1); /* one more: a byte too many would show */

	assert_non_null(w);
	assert_non_null(buf);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true(fcntl(p[0], F_SETPIPE_SZ, 1024 * 1024) >= (int)total);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv),
			 0);
	assert_true(output_splice_possible(p[0]));
	assert_false(output_splice_possible(sv[0]));
	fill(p[1], total, 7);
	c.fd = sv[0];
	w->splice_fd = p[0];
	w->splice_left = owed;

	/* More than the socket takes at once: EAGAIN until the peer reads. */
	while ((r = output_splice_write(&c, w)) == -EAGAIN) {
		ssize_t n = read(sv[1], buf + got, owed - got);
		assert_true(n > 0);
		got += (size_t)n;
		again++;
	}
	assert_int_equal(r, 0);
	assert_true(again > 0);
	assert_int_equal(w->splice_left, 0);
	for (;;) {
		ssize_t n = read(sv[1], buf + got, owed - got + 1);
		if (n < 0 && errno == EAGAIN)
			break;
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(got, owed);
	for (size_t i = 0; i < owed; i++)
		if (buf[i] != (char)(i * 31 + 7))
			fail_msg("byte %zu differs", i);
	/* The rest is still in the pipe for the next header. */
	assert_int_equal(pipe_avail(p[0]), (int)(total - owed));

	wbuf_free(w); /* not owned: the pipe stays open */
	assert_int_equal(fcntl(p[0], F_GETFD) >= 0, 1);
	free(buf);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_pipe_shorter_than_announced(void **state)
{
	(void)state;
	struct conn c = { 0 };
	struct wbuf *w = conn_wbuf_new(0);
	int p[2], sv[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv),
			 0);
	fill(p[1], 10, 1);
	close(p[1]);
	c.fd = sv[0];
	w->splice_fd = p[0];
	w->splice_left = 20;
	assert_int_equal(output_splice_write(&c, w), -ENODATA);
	assert_int_equal(w->splice_left, 10);
	wbuf_free(w);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void test_peer_gone(void **state)
{
	(void)state;
	struct conn c = { 0 };
	struct wbuf *w = conn_wbuf_new(0);
	int p[2], sv[2], r;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv),
			 0);
	fill(p[1], 1000, 2);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN); /* as codexd does: splice(2) has no MSG_NOSIGNAL */
	c.fd = sv[0];
	w->splice_fd = p[0];
	w->splice_left = 1000;
	r = output_splice_write(&c, w);
	assert_true(r == -EPIPE || r == -ECONNRESET);
	wbuf_free(w);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
}

/* A stream closed while its bytes are owed hands the pipe to the wbuf. */
static void test_stream_closing_hands_over(void **state)
{
	(void)state;
	struct exec x = { 0 };
	struct exec_stream s = { .x = &x };
	struct wbuf *w = conn_wbuf_new(4);
	int p[2], fd;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fd = p[0];
	s.fd = fd;
	output_splice_stream_closing(&s); /* nothing owed: s keeps its fd */
	assert_int_equal(s.fd, fd);

	w->splice_fd = fd;
	w->splice_left = 5;
	w->splice_src = &s;
	s.owed = w;
	output_splice_stream_closing(&s);
	assert_int_equal(s.fd, -1);
	assert_null(s.owed);
	assert_null(w->splice_src);
	assert_true(w->splice_fd_owned);
	wbuf_free(w); /* closes the pipe now */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	close(p[1]);
}

/* A wbuf dropped (connection gone) tells its stream it owes nothing. */
static void test_wbuf_free_detaches_stream(void **state)
{
	(void)state;
	struct exec x = { 0 };
	struct exec_stream s = { .x = &x, .fd = -1 };
	struct wbuf *w = conn_wbuf_new(4);

	assert_int_equal(w->splice_fd, -1);
	assert_int_equal(w->splice_left, 0);
	w->splice_src = &s;
	w->splice_left = 3;
	s.owed = w;
	wbuf_free(w);
	assert_null(s.owed);
	wbuf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_fixed_size),
		cmocka_unit_test(test_splice_exactly_what_is_owed),
		cmocka_unit_test(test_pipe_shorter_than_announced),
		cmocka_unit_test(test_peer_gone),
		cmocka_unit_test(test_stream_closing_hands_over),
		cmocka_unit_test(test_wbuf_free_detaches_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
