/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/macro.h"
#include "daemon/child.h"
#include "daemon/spawn_wire.h"
#include "daemon/spawner.h"

#define SPAWNER_FD 3
#define SPAWNER_HELLO_MAGIC 0x43585348u /* "CXSH" */
#define SPAWNER_REPLY_MAGIC 0x43585352u /* "CXSR" */
/* A spawner that does not answer within this is killed (and the exec fails). */
#define SPAWNER_TIMEOUT_MS 10000

struct spawner_hello {
	uint32_t magic;
	uint32_t size;
	struct probe_features features;
	int32_t seccomp_api;
};

struct spawner_reply {
	uint32_t magic;
	int32_t err; /* 0 or a negative errno */
	int32_t pid;
	uint32_t n_fds; /* 2 on success: pidfd, status pipe */
};

/*
 * Read exactly len bytes, waiting at most timeout_ms in all (-1: forever);
 * descriptors that come with them go to fds (max_fds), any beyond that or
 * after the first part make it fail.  Returns 0, -EPIPE on end of file,
 * -ETIMEDOUT, -EPROTO, or -errno.
 */
static int recv_exact(int sock, void *buf, size_t len, int *fds, size_t max_fds,
		      size_t *ret_n_fds, int timeout_ms)
{
	size_t got = 0, n_fds = 0;
	int r;

	while (got < len) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		size_t k = 0;
		ssize_t n;

		r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = negative_errno();
			goto fail;
		}
		if (r == 0) {
			r = -ETIMEDOUT;
			goto fail;
		}
		n = fd_recv_with_fds(sock, (char *)buf + got, len - got, fds ? fds + n_fds : NULL,
				     max_fds - n_fds, &k);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			r = (int)n;
			goto fail;
		}
		if (n == 0) {
			r = -EPIPE;
			goto fail;
		}
		n_fds += k;
		got += (size_t)n;
	}
	*ret_n_fds = n_fds;
	return 0;
fail:
	for (size_t i = 0; i < n_fds; i++)
		safe_close(fds[i]);
	return r;
}

/* ---------------------------------------------------------------- the spawner */

/*
 * Network namespaces made ahead of demand.  Creating one (loopback device,
 * sysctl tables, per-protocol state) is the largest kernel cost of a
 * sandbox; made here while no request waits, it is off the command's path.
 * Each is new, held only by its descriptor until one sandbox's PID 1 enters
 * it (setns), and never given to a second.  When the pool is empty, PID 1
 * unshares one itself as before.
 */
#define NETNS_POOL 2

struct netns_pool {
	int home; /* our own network namespace, to come back to */
	int fds[NETNS_POOL];
	unsigned n;
};

/* One more namespace; false if that failed (the pool then stays as it is). */
static bool netns_pool_fill_one(struct netns_pool *p)
{
	int fd;

	if (p->home < 0 || p->n >= NETNS_POOL || unshare(CLONE_NEWNET) < 0)
		return false;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(p->home, CLONE_NEWNET) < 0) {
		/* Sandboxes must not be cloned from inside that one: end, the daemon starts another. */
		log_error_errno(negative_errno(), "cannot return to the host's network namespace");
		_exit(1);
	}
	if (fd < 0)
		return false;
	p->fds[p->n++] = fd;
	return true;
}

/* Fill the pool while no request is waiting on sock. */
static void netns_pool_fill(struct netns_pool *p, int sock)
{
	while (p->n < NETNS_POOL) {
		struct pollfd pf = { .fd = sock, .events = POLLIN };

		if (poll(&pf, 1, 0) != 0 || !netns_pool_fill_one(p))
			return;
	}
}

static int serve_one(int sock, struct netns_pool *pool)
{
	struct spawn_wire_header h;
	int fds[SPAWN_WIRE_MAX_FDS];
	size_t n_fds = 0;
	_cleanup_free_ uint8_t *buf = NULL;
	const struct sandbox_spec *spec;
	uint64_t clone_flags;
	int cgroup_fd, r;
	struct spawn_result res = { .pidfd = -1, .status_fd = -1 };
	struct spawner_reply rep = { .magic = SPAWNER_REPLY_MAGIC };
	int netns_fd = -1;

	r = recv_exact(sock, &h, sizeof(h), fds, ARRAY_SIZE(fds), &n_fds, -1);
	if (r < 0)
		return r;
	if (h.magic != SPAWN_WIRE_MAGIC || h.size < sizeof(h) || h.size > SPAWN_WIRE_MAX_BYTES ||
	    h.n_fds != n_fds) {
		/* The stream cannot be resynchronised: end, the daemon starts another. */
		log_error("malformed request from the daemon (%zu descriptors)", n_fds);
		r = -EPROTO;
		goto out;
	}
	buf = malloc(h.size); /* malloc's alignment suits every structure in it */
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(buf, &h, sizeof(h));
	if (h.size > sizeof(h)) {
		size_t extra = 0;

		r = recv_exact(sock, buf + sizeof(h), h.size - sizeof(h), NULL, 0, &extra, -1);
		if (r < 0)
			goto out;
	}

	rep.err = spawn_wire_decode(buf, h.size, fds, (unsigned)n_fds, &spec, &clone_flags,
				    &cgroup_fd);
	if (rep.err == 0 && (clone_flags & ~(uint64_t)CLONE_NEWPID))
		rep.err = -EINVAL; /* only the PID namespace is made at the clone */
	if (rep.err == 0 && (spec->unshare_flags & CLONE_NEWNET) && pool->n > 0) {
		/* The buffer is ours: the spec is only const to the decoder's callers. */
		struct sandbox_spec *w = (struct sandbox_spec *)spec;

		w->have_netns = true;
		w->netns_fd = netns_fd = pool->fds[--pool->n];
	}
	if (rep.err == 0)
		/* PID 1 becomes the daemon's child, not ours. */
		rep.err = spawn_sandbox(spec, clone_flags | CLONE_PARENT, cgroup_fd, &res);
	/* PID 1 holds it now (or it was never used: a failed clone loses one, no matter). */
	safe_close(netns_fd);
	if (rep.err == 0) {
		int out[2] = { res.pidfd, res.status_fd };

		rep.pid = res.pid;
		rep.n_fds = 2;
		r = fd_send_with_fds(sock, &rep, sizeof(rep), out, 2);
	} else
		r = fd_send_with_fds(sock, &rep, sizeof(rep), NULL, 0);
	safe_close(res.pidfd);
	safe_close(res.status_fd);
out:
	for (size_t i = 0; i < n_fds; i++)
		safe_close(fds[i]);
	return r;
}

int spawner_main(void)
{
	struct spawner_hello hello = { .magic = SPAWNER_HELLO_MAGIC, .size = sizeof(hello) };
	struct netns_pool pool = { .home = -1 };
	struct stat st;
	int r;

	log_setup("codexd-spawner", LOG_STYLE_DAEMON, LOG_LEVEL_INFO);
	if (fstat(SPAWNER_FD, &st) < 0 || !S_ISSOCK(st.st_mode) || geteuid() != 0) {
		log_error("--spawner is started by codexd itself (fd 3 its socket, as root)");
		return 2;
	}
	(void)prctl(PR_SET_NAME, "codexd-spawner", 0, 0, 0);
	/* Keep no directory of the daemon's busy (sandboxes get their cwd from the spec). */
	if (chdir("/") < 0)
		return 1;
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		return 0; /* the daemon is already gone */
	(void)fd_set_nonblock(SPAWNER_FD, false);

	probe_features(&hello.features);
	hello.seccomp_api = (int32_t)seccomp_api_get();
	r = fd_send_with_fds(SPAWNER_FD, &hello, sizeof(hello), NULL, 0);
	if (r < 0)
		return 1;
	pool.home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (;;) {
		netns_pool_fill(&pool, SPAWNER_FD);
		r = serve_one(SPAWNER_FD, &pool);
		if (r == -EPIPE)
			return 0; /* the daemon closed its end */
		if (r < 0 && r != -ENOMEM) {
			log_error_errno(r, "spawner stops");
			return 1;
		}
	}
}

/* ---------------------------------------------------------------- the daemon's side */

int spawner_init(struct spawner *s)
{
	*s = (struct spawner){ .pidfd = -1, .sock = -1 };
	s->self_exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	return s->self_exe < 0 ? negative_errno() : 0;
}

_noreturn_ static void spawner_child(int sock, int self_exe)
{
	static char *const argv[] = { (char *)"codexd-spawner", (char *)"--spawner", NULL };
	static char *const envp[] = { NULL };
	int so, exe;

	/* Up out of the way first: either may be sitting on 3 or 4. */
	so = fcntl(sock, F_DUPFD_CLOEXEC, 10);
	exe = fcntl(self_exe, F_DUPFD_CLOEXEC, 10);
	if (so < 0 || exe < 0 || dup2(so, SPAWNER_FD) < 0 ||
	    dup3(exe, SPAWNER_FD + 1, O_CLOEXEC) < 0)
		_exit(127);
	/* Nothing else of the daemon's survives (the binary's descriptor goes at the execve). */
	(void)syscall(SYS_close_range, SPAWNER_FD + 2, ~0U, 0);
	(void)syscall(SYS_execveat, SPAWNER_FD + 1, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

int spawner_start(struct spawner *s)
{
	struct spawner_hello hello;
	struct timeval tv = { .tv_sec = SPAWNER_TIMEOUT_MS / 1000 };
	size_t n_fds = 0;
	int sv[2], r;
	pid_t pid;

	spawner_stop(s);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	pid = child_fork("codexd-spawner");
	if (pid == 0)
		spawner_child(sv[1], s->self_exe);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return pid;
	}
	s->pid = pid;
	s->sock = sv[0];
	s->starts++;
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd < 0) {
		r = negative_errno();
		goto fail;
	}
	/* Sends block at most this long (a full socket buffer and a wedged spawner). */
	(void)setsockopt(s->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	r = recv_exact(s->sock, &hello, sizeof(hello), NULL, 0, &n_fds, SPAWNER_TIMEOUT_MS);
	if (r == 0 && (hello.magic != SPAWNER_HELLO_MAGIC || hello.size != sizeof(hello)))
		r = -EPROTO;
	if (r < 0)
		goto fail;
	s->features = hello.features;
	s->seccomp_api = hello.seccomp_api;
	return 0;
fail:
	spawner_stop(s);
	return r;
}

void spawner_stop(struct spawner *s)
{
	s->sock = safe_close(s->sock);
	if (s->pid > 0) {
		if (s->pidfd >= 0) {
			(void)child_signal(s->pidfd, s->pid, SIGKILL, NULL);
			(void)waitid(P_PIDFD, (id_t)s->pidfd, &(siginfo_t){ 0 }, WEXITED);
		} else {
			(void)kill(s->pid, SIGKILL);
			(void)waitpid(s->pid, NULL, 0);
		}
	}
	s->pidfd = safe_close(s->pidfd);
	s->pid = 0;
}

void spawner_done(struct spawner *s)
{
	spawner_stop(s);
	s->self_exe = safe_close(s->self_exe);
}

bool spawner_reap(struct spawner *s)
{
	siginfo_t si = { 0 };

	if (s->pid <= 0 || s->pidfd < 0)
		return false;
	if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return false;
	log_warning("the sandbox spawner (pid %d) ended (%s %d); another starts at the next exec",
		    (int)s->pid, si.si_code == CLD_EXITED ? "status" : "signal", si.si_status);
	s->pid = 0;
	s->pidfd = safe_close(s->pidfd);
	s->sock = safe_close(s->sock);
	return true;
}

static int spawn_once(struct spawner *s, const struct spawn_wire *w, struct spawn_result *ret,
		      bool *ret_sent)
{
	struct spawner_reply rep;
	int fds[2] = { -1, -1 };
	size_t n_fds = 0;
	int r;

	*ret_sent = false;
	r = fd_send_with_fds(s->sock, w->buf, w->len, w->fds, w->n_fds);
	if (r < 0)
		return r;
	*ret_sent = true;
	r = recv_exact(s->sock, &rep, sizeof(rep), fds, 2, &n_fds, SPAWNER_TIMEOUT_MS);
	if (r < 0)
		return r;
	if (rep.magic != SPAWNER_REPLY_MAGIC || rep.n_fds != n_fds ||
	    (rep.err == 0 && (n_fds != 2 || rep.pid <= 0)) || rep.err > 0) {
		for (size_t i = 0; i < n_fds; i++)
			safe_close(fds[i]);
		return -EPROTO;
	}
	if (rep.err < 0)
		return rep.err;
	(void)fd_set_nonblock(fds[1], true);
	*ret = (struct spawn_result){ .pid = rep.pid, .pidfd = fds[0], .status_fd = fds[1] };
	return 0;
}

int spawner_spawn(struct spawner *s, const struct sandbox_spec *spec, uint64_t clone_flags,
		  int cgroup_fd, struct spawn_result *ret)
{
	struct spawn_wire w;
	bool sent = false;
	int r;

	r = spawn_wire_encode(spec, clone_flags, cgroup_fd, &w);
	if (r < 0)
		return r;
	(void)spawner_reap(s);
	if (s->sock < 0) {
		r = spawner_start(s);
		if (r < 0) {
			log_error_errno(r, "cannot start the sandbox spawner");
			goto out;
		}
	}
	r = spawn_once(s, &w, ret, &sent);
	if (r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT || r == -EPROTO) {
		/*
		 * The spawner is gone or broken.  A request it never got is safe
		 * to send again to a new one; one it may have read is not (a
		 * PID 1 may exist), so only a failed send is retried.
		 */
		log_error_errno(r, "the sandbox spawner failed; starting another");
		spawner_stop(s);
		if (!sent && spawner_start(s) == 0)
			r = spawn_once(s, &w, ret, &sent);
	}
out:
	spawn_wire_done(&w);
	return r;
}
