/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "common/macro.h"
#include "daemon/peer.h"

static int read_groups(int fd, gid_t **ret, size_t *ret_n)
{
	socklen_t len = 64 * sizeof(gid_t);

	for (;;) {
		gid_t *g = malloc(len ? len : sizeof(gid_t));
		socklen_t got = len;

		if (!g)
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &got) == 0) {
			*ret = g;
			*ret_n = got / sizeof(gid_t);
			return 0;
		}
		free(g);
		if (errno != ERANGE || got <= len || got > CX_MAX_GROUPS * sizeof(gid_t))
			return negative_errno();
		len = got;
	}
}

int peer_read(int fd, struct peer *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct peer p = { 0 };
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return negative_errno();
	if (len != sizeof(cred))
		return -EIO;
	p.uid = cred.uid;
	p.gid = cred.gid;
	p.pid = cred.pid;
	r = read_groups(fd, &p.groups, &p.n_groups);
	if (r < 0)
		return r;

	/* The name is for messages and audit only; the uid is the identity. */
	if (getpwuid_r(p.uid, &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name &&
	    strlen(res->pw_name) < sizeof(p.user))
		snprintf(p.user, sizeof(p.user), "%s", res->pw_name);
	else
		snprintf(p.user, sizeof(p.user), "%u", (unsigned)p.uid);
	if (res && res->pw_dir && res->pw_dir[0] == '/' && strlen(res->pw_dir) < sizeof(p.home))
		snprintf(p.home, sizeof(p.home), "%s", res->pw_dir);
	*ret = p;
	return 0;
}

void peer_done(struct peer *p)
{
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
}

/* Not in the 6.1 headers: SO_PEERPIDFD (6.5) and PIDFD_GET_PID_NAMESPACE (6.11). */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#define CX_PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)

uint64_t pidfd_pidns_ino(int pidfd)
{
	struct stat st;
	int ns = ioctl(pidfd, CX_PIDFD_GET_PID_NAMESPACE, 0);
	uint64_t ino = 0;

	if (ns < 0)
		return 0;
	if (fstat(ns, &st) == 0)
		ino = st.st_ino;
	close(ns);
	return ino;
}

#define CX_NS_GET_PARENT _IO(0xb7, 0x2)

size_t peer_pidns_chain(int sock, pid_t pid, uint64_t *inos, size_t max)
{
	int pidfd = -1, ns = -1;
	socklen_t len = sizeof(pidfd);
	size_t n = 0;

	/* A pidfd pins the peer: no pid-reuse race between lookup and check. */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
		ns = ioctl(pidfd, CX_PIDFD_GET_PID_NAMESPACE, 0);
		close(pidfd);
	}
	if (ns < 0 && pid > 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		ns = open(path, O_RDONLY | O_CLOEXEC);
	}
	while (ns >= 0 && n < max) {
		struct stat st;
		int parent;

		if (fstat(ns, &st) < 0)
			break;
		inos[n++] = st.st_ino;
		/* EPERM at our own namespace (the top we can see): done. */
		parent = ioctl(ns, CX_NS_GET_PARENT, 0);
		close(ns);
		ns = parent;
	}
	if (ns >= 0)
		close(ns);
	return n;
}
