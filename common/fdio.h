/* SPDX-License-Identifier: MIT */
/*
 * File-descriptor helpers: non-blocking mode, full reads/writes that retry
 * on EINTR, and passing descriptors over a Unix socket (SCM_RIGHTS).
 * All return >= 0 or -errno.
 *
 * Process: any, except sandbox children (those use raw system calls).
 */
#ifndef CX_FDIO_H
#define CX_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Descriptors in one message: the proxy channel carries 9 listeners (proxy_proto.h),
 * a sandbox spec up to 12 (daemon/spawn_wire.h). */
#define FDIO_RECV_MAX_FDS 16

int fd_set_nonblock(int fd, bool on);

/* write() until all of buf is written (blocking fds). */
int fd_write_all(int fd, const void *buf, size_t len);

/*
 * Send len bytes (all of them, blocking) with n_fds descriptors attached to
 * the first sendmsg().  n_fds may be 0, at most FDIO_RECV_MAX_FDS.
 */
int fd_send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);

/*
 * One recvmsg() into buf, collecting at most max_fds passed descriptors
 * (received with MSG_CMSG_CLOEXEC) into fds[] / *ret_n_fds.  Returns the
 * byte count (0 = EOF) or -errno.  Descriptors beyond max_fds are closed;
 * if one message carried more than max(max_fds, CX_MAX_PENDING_FDS), or
 * more than FDIO_RECV_MAX_FDS (MSG_CTRUNC), all are closed and -EPROTO is
 * returned.
 */
ssize_t fd_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max_fds,
			 size_t *ret_n_fds);

#endif
