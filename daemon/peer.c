/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	*ret = p;
	return 0;
}

void peer_done(struct peer *p)
{
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
}
