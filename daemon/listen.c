/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "common/log.h"
#include "common/protocol.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/exec.h"
#include "daemon/listen.h"
#include "daemon/peer.h"

#define ACCEPTS_PER_EVENT 32
#define EMFILE_BACKOFF_MS 200

static uv_timer_t backoff_timer;
static bool backoff_inited;

/* POSIX ACL xattr format (linux/posix_acl_xattr.h): a version and entries. */
#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER_OBJ 0x01
#define ACL_TAG_GROUP_OBJ 0x04
#define ACL_TAG_GROUP 0x08
#define ACL_TAG_MASK 0x10
#define ACL_TAG_OTHER 0x20
#define ACL_UNDEFINED_ID ((uint32_t)-1)

struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
} __attribute__((packed));

static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Give read/write (connect) access to extra groups on the socket node.
 * Entries must be sorted by tag, then id, as the kernel checks.
 */
static int socket_set_acl(const char *path, gid_t owner_gid, const gid_t *extra, size_t n)
{
	struct {
		uint32_t version;
		struct acl_entry e[3 + _ROLE_MAX + 2];
	} __attribute__((packed)) acl = { .version = ACL_XATTR_VERSION };
	gid_t sorted[_ROLE_MAX];
	size_t k = 0, m = 0;

	if (n > ARRAY_SIZE(sorted))
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (extra[i] != owner_gid)
			sorted[m++] = extra[i];
	qsort(sorted, m, sizeof(gid_t), gid_cmp);

	acl.e[k++] = (struct acl_entry){ ACL_TAG_USER_OBJ, 6, ACL_UNDEFINED_ID };
	acl.e[k++] = (struct acl_entry){ ACL_TAG_GROUP_OBJ, 6, ACL_UNDEFINED_ID };
	for (size_t i = 0; i < m; i++)
		if (i == 0 || sorted[i] != sorted[i - 1])
			acl.e[k++] = (struct acl_entry){ ACL_TAG_GROUP, 6, sorted[i] };
	acl.e[k++] = (struct acl_entry){ ACL_TAG_MASK, 6, ACL_UNDEFINED_ID };
	acl.e[k++] = (struct acl_entry){ ACL_TAG_OTHER, 0, ACL_UNDEFINED_ID };

	if (lsetxattr(path, "system.posix_acl_access", &acl,
		      sizeof(uint32_t) + k * sizeof(struct acl_entry), 0) < 0)
		return negative_errno();
	return 0;
}

static int lookup_gid(const char *name, gid_t *ret)
{
	struct group gr, *res = NULL;
	char buf[8192];

	if (!name || getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	*ret = res->gr_gid;
	return 0;
}

/*
 * The socket node is root's (in /run/codexd, or a path root gave with
 * --socket); we only change its group, mode and ACL.
 */
int listen_apply_permissions(struct daemon *d)
{
	const struct daemon_config *cfg = d->cfg;
	const char *group = cfg->socket_group ? cfg->socket_group
					      : cfg->role_group_names[ROLE_MEMBER];
	gid_t gid = 0, extra[_ROLE_MAX];
	size_t n = 0;
	int r;

	if (!d->listener.path)
		return 0;
	if (d->listener.activated) {
		/* systemd set owner, group and mode (SocketGroup=, SocketMode=): keep them. */
		struct stat st;
		if (lstat(d->listener.path, &st) < 0)
			return log_error_errno(negative_errno(), "cannot stat %s",
					       d->listener.path);
		gid = st.st_gid;
	} else {
		if (lookup_gid(group, &gid) < 0) {
			log_warning("group %s does not exist: the socket %s belongs to group root "
				    "(create the group with: groupadd -r %s)",
				    log_q(group), d->listener.path, group);
			gid = 0;
		}
		if (lchown(d->listener.path, 0, gid) < 0)
			return log_error_errno(negative_errno(), "cannot chown %s",
					       d->listener.path);
		if (chmod(d->listener.path, 0660) < 0)
			return log_error_errno(negative_errno(), "cannot chmod %s",
					       d->listener.path);
	}

	for (int role = ROLE_VIEWER; role < _ROLE_MAX; role++)
		if (cfg->role_groups.has[role] && cfg->role_groups.gid[role] != gid)
			extra[n++] = cfg->role_groups.gid[role];
	if (n == 0)
		return 0;
	r = socket_set_acl(d->listener.path, gid, extra, n);
	if (r == -EOPNOTSUPP) {
		log_warning("%s: the file system has no POSIX ACLs: members of the viewer and "
			    "admin groups must also be in group %s to connect",
			    d->listener.path, group);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "cannot set the ACL of %s", d->listener.path);
	return 0;
}

static unsigned conns_of_uid(struct daemon *d, uid_t uid)
{
	struct list_node *pos, *tmp;
	unsigned n = 0;

	LIST_FOREACH_SAFE(pos, tmp, &d->conns)
	{
		if (list_entry(pos, struct conn, node)->peer.uid == uid)
			n++;
	}
	return n;
}

/* Is the peer a process of one of our sandboxes (same PID namespace)? */
static bool peer_in_sandbox(struct daemon *d, int fd, pid_t pid)
{
	struct list_node *pos, *tmp;
	uint64_t inos[40];
	size_t n;

	if (d->n_execs == 0)
		return false;
	/* Its namespace or any ancestor: unshare -p inside a sandbox does not hide it. */
	n = peer_pidns_chain(fd, pid, inos, ARRAY_SIZE(inos));
	if (n == 0) {
		/*
		 * Its PID namespace cannot be read (no CAP_SYS_PTRACE, or the peer
		 * is gone): it may be a sandboxed command, so fail closed.
		 */
		log_warning("cannot read the PID namespace of pid %d: refusing the connection",
			    (int)pid);
		return true;
	}
	LIST_FOREACH_SAFE(pos, tmp, &d->execs)
	{
		struct exec *x = list_entry(pos, struct exec, node);
		for (size_t i = 0; i < n; i++)
			if (x->pidns_ino && x->pidns_ino == inos[i])
				return true;
	}
	return false;
}

/* Answer one error line and drop the connection (it never gets a struct conn). */
static void refuse(struct daemon *d, int fd, int code, const char *reason, const char *msg)
{
	size_t len;
	char *line = jsonrpc_build_error(&(struct rpc_id){ 0 }, code, reason, msg, NULL, &len);

	if (line)
		(void)send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	free(line);
	d->stats.connections_refused++;
	close(fd);
}

static void on_backoff(uv_timer_t *t);

static void on_accept(uv_poll_t *h, int status, int events)
{
	struct daemon *d = h->data;

	(void)events;
	if (status < 0)
		return;
	for (int i = 0; i < ACCEPTS_PER_EVENT && !d->shutting_down; i++) {
		struct ucred cred;
		socklen_t l = sizeof(cred);
		int fd = accept4(d->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Level-triggered polling would spin: pause accepting. */
				log_warning("out of file descriptors: pausing accept for %d ms",
					    EMFILE_BACKOFF_MS);
				uv_poll_stop(&d->listener.poll);
				uv_timer_start(&backoff_timer, on_backoff, EMFILE_BACKOFF_MS, 0);
			}
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0) {
			close(fd);
			continue;
		}
		if (peer_in_sandbox(d, fd, cred.pid)) {
			/*
			 * A sandboxed command asking codexd to run something would escape
			 * its own sandbox: refused, whatever its uid.
			 */
			log_warning("refused a connection from inside a sandbox (pid %d, uid %u)",
				    (int)cred.pid, (unsigned)cred.uid);
			refuse(d, fd, CX_ERR_PERMISSION_DENIED, CX_REASON_ROLE,
			       "requests from inside a codexd sandbox are refused");
			continue;
		}
		if (d->n_conns >= d->cfg->max_connections) {
			refuse(d, fd, CX_ERR_LIMIT, CX_REASON_LIMIT, "too many connections");
			continue;
		}
		if (cred.uid != 0 && conns_of_uid(d, cred.uid) >= d->cfg->max_connections_per_uid) {
			refuse(d, fd, CX_ERR_LIMIT, CX_REASON_LIMIT, "too many connections for this user");
			continue;
		}
		(void)conn_new(d, fd);
	}
}

static void on_backoff(uv_timer_t *t)
{
	struct daemon *d = t->data;

	if (d->listener.active && !d->shutting_down)
		uv_poll_start(&d->listener.poll, UV_READABLE, on_accept);
}

static int bind_socket(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *dir = NULL;
	char *slash;
	mode_t old;

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errsz, "socket path %s must be absolute and shorter than %zu bytes",
			 log_q(path), sizeof(sa.sun_path));
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));

	/* Create the runtime directory (one level, as systemd's RuntimeDirectory=). */
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errsz, "cannot create %s: %s", dir, strerror(errno));
			return negative_errno();
		}
	}

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "refusing to replace %s: not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return negative_errno();
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			snprintf(err, errsz, "another codexd is already listening on %s", path);
			return -EADDRINUSE;
		}
		fd = safe_close(fd);
		(void)unlink(path); /* stale socket of an earlier run */
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	/* Born 0600: nobody but root can connect until permissions are applied. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		umask(old);
		snprintf(err, errsz, "cannot bind %s: %s", path, strerror(e));
		return -e;
	}
	umask(old);
	if (listen(fd, 128) < 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", path, strerror(errno));
		return negative_errno();
	}
	return TAKE_FD(fd);
}

int listen_setup(struct daemon *d, char *err, size_t errsz)
{
	struct listener *l = &d->listener;
	int n, fd, r;

	/* sd_listen_fds() checks LISTEN_PID and unsets the variables. */
	n = sd_listen_fds(1);
	if (n < 0) {
		snprintf(err, errsz, "invalid LISTEN_FDS: %s", strerror(-n));
		return n;
	}
	if (n > 1) {
		snprintf(err, errsz, "systemd passed %d sockets; codexd expects one", n);
		return -EINVAL;
	}
	if (n == 1) {
		struct sockaddr_un sa;
		socklen_t sl = sizeof(sa);

		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			snprintf(err, errsz, "the inherited descriptor is not a listening Unix "
					     "stream socket");
			return -EINVAL;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		l->activated = true;
		memset(&sa, 0, sizeof(sa));
		if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sun_path[0] == '/')
			l->path = strndup(sa.sun_path, sizeof(sa.sun_path));
	} else {
		fd = bind_socket(d->cfg->socket_path, err, errsz);
		if (fd < 0)
			return fd;
		l->path = strdup(d->cfg->socket_path);
	}
	l->fd = fd;
	r = listen_apply_permissions(d);
	if (r < 0) {
		snprintf(err, errsz, "cannot set permissions of %s: %s", l->path, strerror(-r));
		return r;
	}
	uv_poll_init(d->loop, &l->poll, fd);
	l->poll.data = d;
	uv_timer_init(d->loop, &backoff_timer);
	backoff_timer.data = d;
	backoff_inited = true;
	l->active = true;
	uv_poll_start(&l->poll, UV_READABLE, on_accept);
	log_info("listening on %s%s", l->path ? l->path : "(inherited socket)",
		 l->activated ? " (socket activation)" : "");
	return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
	struct daemon *d = h->data;

	safe_close(d->listener.fd);
	d->listener.fd = -1;
}

void listen_stop(struct daemon *d)
{
	struct listener *l = &d->listener;

	if (!l->active)
		return;
	l->active = false;
	/* Never unlink a socket systemd owns (PLATFORM.md §1.7). */
	if (!l->activated && l->path)
		(void)unlink(l->path);
	uv_close((uv_handle_t *)&l->poll, on_listener_closed);
	if (backoff_inited) {
		uv_close((uv_handle_t *)&backoff_timer, NULL);
		backoff_inited = false;
	}
}
