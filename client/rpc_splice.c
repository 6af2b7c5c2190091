/* SPDX-License-Identifier: MIT */
/*
 * Raw exec/output bytes spliced from the daemon's socket straight into
 * codexctl's stdout when that is a pipe: the kernel moves the pages, this
 * process never copies them (the daemon splices them into the socket from
 * the command's pipe the same way).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "client/client.h"
#include "common/macro.h"

/* After EAGAIN: wait until the side that stopped us can move again. */
static void wait_splice(int in, int out)
{
	struct pollfd pf[2] = { { .fd = in, .events = POLLIN }, { .fd = out, .events = POLLOUT } };

	if (poll(pf, 2, -1) < 0)
		return;
	if (!(pf[1].revents & (POLLOUT | POLLERR | POLLHUP)))
		(void)poll(&pf[1], 1, -1); /* data waits, the pipe is full */
	else if (!(pf[0].revents & (POLLIN | POLLERR | POLLHUP)))
		(void)poll(&pf[0], 1, -1);
}

int rpc_read_raw_splice(struct rpc_client *c, size_t n, int fd, bool *splice_ok,
			bool *ret_out_failed,
			int (*sink)(void *ud, const char *p, size_t len), void *ud)
{
	int r;

	r = rpc_read_raw_buffered(c, &n, sink, ud);
	if (r < 0)
		return r;
	while (n > 0) {
		ssize_t got = splice(c->fd, NULL, fd, NULL, n, SPLICE_F_MOVE);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN) {
			wait_splice(c->fd, fd); /* fd is a non-blocking pipe */
			continue;
		}
		if (got < 0 && errno == EINVAL) {
			*splice_ok = false;
			return rpc_read_raw(c, n, sink, ud);
		}
		if (got < 0 && errno == EPIPE) {
			*ret_out_failed = true;
			return -EPIPE;
		}
		if (got < 0)
			return -errno;
		if (got == 0) {
			c->eof = true;
			return -EPIPE;
		}
		n -= (size_t)got;
	}
	return 0;
}
