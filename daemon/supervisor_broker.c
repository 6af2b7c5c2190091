/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's broker: the opens, renames, links, connects and binds
 * PID 1 performs for the command, and the execs it checks, under
 * [sandbox] deny_read (SECCOMP_FEATURE_OPEN) and [sandbox] tmp = "host"
 * (SECCOMP_FEATURE_UNIX).  The design, its edge cases and what remains
 * open are described at the top of daemon/supervisor.c.
 *
 * Trust and safety.  This code runs in PID 1 after the identity change:
 * the command's uid, gids and supplementary groups, no capabilities, the
 * command's mount namespace, root and Landlock domain.  It trusts nothing
 * it reads from the command (paths, flags, addresses, descriptor numbers):
 * each is copied once, bounded, and only that copy is used.  Every
 * operation it performs is one the command could perform itself with the
 * same arguments, so it never grants more than the command has, with two
 * exceptions it closes explicitly: PID 1's own /proc entries (reachable
 * by PID 1 as itself, closed to the command because PID 1 is not
 * dumpable) are refused by canonical path and magic links are never
 * followed except the command's own /proc/PID/fd/N, cwd, root and exe;
 * and a descriptor it hands over is opened O_NOCTTY so PID 1, a session
 * leader without a terminal, never acquires one.  What it adds is
 * refusal: a deny-read path (by its canonical name, after every symlink
 * and "..", checked on the very inode that is then opened) and a Unix
 * socket below a host directory that this sandbox did not bind.
 *
 * System calls only: no allocation, no stdio, no locks.  Large buffers
 * are static (PID 1 has one supervisor and handles one call at a time).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/rtnetlink.h>
#include <linux/seccomp.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/supervisor_int.h"
#include "policy/denyset.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* The kernel's O_LARGEFILE (glibc's is 0 on 64-bit ABIs). */
#define KERNEL_O_LARGEFILE 0100000
/* The flags open(2) and openat(2) keep (fs/fcntl.c VALID_OPEN_FLAGS). */
#define OPEN_VALID                                                                                 \
	((uint64_t)(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |    \
		    O_DSYNC | O_SYNC | FASYNC | O_DIRECT | KERNEL_O_LARGEFILE | O_DIRECTORY |      \
		    O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | __O_TMPFILE))
#define OPEN_PATH_FLAGS ((uint64_t)(O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC))
#define RESOLVE_VALID                                                                              \
	((uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |                \
		    RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED))
/* Caller's RESOLVE_* under which the /proc/self rewriting does not apply. */
#define RESOLVE_NO_REWRITE                                                                         \
	((uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |                \
		    RESOLVE_BENEATH | RESOLVE_IN_ROOT))
/* The kernel's own O_TMPFILE bit (glibc's __O_TMPFILE includes O_DIRECTORY). */
#define TMPFILE_BIT 020000000
#define SUP_MAX_LINKS 40 /* symbolic links followed by hand (the kernel's MAXSYMLINKS) */
#define TTY_AUX_MAJOR 5
#define PTS_MAJOR_FIRST 136
#define PTS_MAJOR_LAST 143

/* ------------------------------------------------------------ answers */

static int answer(struct supervisor *s, uint64_t id, int err, int64_t val)
{
	struct seccomp_notif_resp r = {.id = id, .error = err > 0 ? -err : 0, .val = val};

	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int answer_continue(struct supervisor *s, uint64_t id)
{
	struct seccomp_notif_resp r = {.id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};

	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Hand fd to the caller as the call's result: SECCOMP_ADDFD_FLAG_SEND
 * installs it and answers in one step (5.14); before that, install then
 * answer.  The caller's RLIMIT_NOFILE applies (the kernel installs it in
 * the caller's table).  fd stays ours to close.
 */
static int inject(struct supervisor *s, uint64_t id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd a = {.id = id,
					.flags = SECCOMP_ADDFD_FLAG_SEND,
					.srcfd = (uint32_t)fd,
					.newfd_flags = cloexec ? O_CLOEXEC : 0};
	int r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);

	if (r >= 0 || errno == ENOENT)
		return 0;
	if (errno == EINVAL) {
		a.flags = 0;
		r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
		if (r >= 0)
			return answer(s, id, 0, r);
		if (errno == ENOENT)
			return 0;
	}
	/* EMFILE and friends: the open failed as the caller's own would. */
	return answer(s, id, errno, 0);
}

/*
 * The same for a pipe or FIFO, and closing fd before the caller resumes:
 * a copy of ours still open would count as one more reader or writer
 * (the caller's next open of the FIFO, its EOF, its SIGPIPE).  So install
 * first, close ours, then answer.  Takes fd.
 */
static int inject_last(struct supervisor *s, uint64_t id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = id, .srcfd = (uint32_t)fd, .newfd_flags = cloexec ? O_CLOEXEC : 0};
	int r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a), e = errno;

	close(fd);
	if (r < 0)
		return e == ENOENT ? 0 : answer(s, id, e, 0);
	return answer(s, id, 0, r);
}

/* A refusal of deny_read (or of a socket rule) in the table: op on path. */
static void record(struct supervisor *s, const struct seccomp_notif *req, int op, int err,
		   const char *path, uint32_t flags)
{
	struct sandbox_denial d = {
		.kind = SANDBOX_DENIAL_FILE,
		.arch = req->data.arch,
		.nr = req->data.nr,
		.count = 1,
		.pid = (int32_t)req->pid,
		.err = err,
		.op = (uint32_t)op,
		.flags = flags,
	};
	size_t n = strlen(path);

	if (n == 0)
		return;
	if (n > sizeof(d.path)) {
		n = sizeof(d.path);
		d.flags |= SANDBOX_DENIAL_PATH_CUT;
	}
	memcpy(d.path, path, n);
	d.path_len = (uint32_t)n;
	sup_record_file(s, &d);
}

/* ------------------------------------------------------------ small helpers */

static bool has_prefix_comp(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return false;
	*rest = path + n;
	return true;
}

/* path is dir or below it (both canonical). */
static bool path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Read a small file of /proc/<pid>/ into buf (NUL-terminated); its length or -errno. */
static ssize_t proc_read(const struct supervisor *s, pid_t pid, const char *what, char *buf,
			 size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	sup_proc_path(path, pid, what, -1);
	fd = openat(s->proc, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* The number after "name" in /proc/<pid>/status (base 10 or 8), or -errno. */
static long status_field(const struct supervisor *s, pid_t pid, const char *name, int base)
{
	static char buf[4096];
	const char *p;
	long v = 0;

	if (proc_read(s, pid, "status", buf, sizeof(buf)) < 0)
		return -ESRCH;
	p = strstr(buf, name);
	if (!p)
		return -ENOENT;
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -ENOENT;
	for (; *p >= '0' && *p < '0' + base && v < (1L << 40); p++)
		v = v * base + (*p - '0');
	return v;
}

/* Our own name for fd: the target's path in our (= the command's) view, or -errno. */
static int canonical(const struct supervisor *s, int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	memcpy(link, "self/fd/", 8);
	link[8 + sup_put_uint(link + 8, (unsigned long long)fd)] = '\0';
	n = readlinkat(s->proc, link, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	/* An inode unlinked meanwhile: judge the name it had. */
	if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
		buf[n - 10] = '\0';
	return 0;
}

static int openat2_fd(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* ------------------------------------------------------------ resolution */

/*
 * How a path of the command is resolved here.  Magic links are followed
 * only in one controlled step (the command's /proc/PID/fd/N, cwd, root,
 * exe): everything else resolves with RESOLVE_NO_MAGICLINKS, so that no
 * path can reach PID 1's own descriptors through /proc/1/fd/N (PID 1
 * could, the command cannot).
 */
struct res {
	int base; /* directory the path is relative to, or AT_FDCWD */
	bool own_base; /* base is ours to close */
	const char *path; /* relative to base (or absolute); "" after a magic link: base itself */
	uint64_t resolve; /* RESOLVE_* */
	bool magic; /* base came from a controlled magic link */
	char magic_path[96]; /* that link under s->proc, to open again for a procfs target */
	char buf[SUP_PATH + 96];
};

static void res_done(struct res *r)
{
	if (r->own_base && r->base >= 0)
		close(r->base);
	r->base = AT_FDCWD;
	r->own_base = false;
}

/*
 * Set up r for path, relative to base (borrowed; AT_FDCWD for an
 * absolute path).  The command's view of /proc/self, /proc/thread-self,
 * /dev/fd and /dev/std{in,out,err} is written out with its own pid (ours
 * would name PID 1), and the magic links of a process of the sandbox
 * other than us are followed here, once, through s->proc.  nofollow: the
 * final component is not followed (a magic link last is then the link).
 * Returns 0 or -errno.
 */
static int res_setup(struct supervisor *s, const struct seccomp_notif *req, int base,
		     const char *path, uint64_t resolve, bool nofollow, struct res *r)
{
	static const char *const links[] = {"/cwd", "/root", "/exe"};
	static char tmp[SUP_PATH + 96];
	const char *rest = NULL, *p, *after = NULL;
	size_t ml;
	long pid = 0;
	int fd;

	r->base = base;
	r->own_base = false;
	r->path = path;
	r->resolve = resolve | RESOLVE_NO_MAGICLINKS;
	r->magic = false;
	if (path[0] != '/' || (resolve & RESOLVE_NO_REWRITE) || s->proc < 0)
		return 0;

	/* The command's names for itself, written out as "/proc/<pid>..." in tmp. */
	{
		const char *what = NULL;
		bool thread = false;

		if (has_prefix_comp(path, "/proc/self", &rest))
			what = "";
		else if (has_prefix_comp(path, "/proc/thread-self", &rest))
			what = "", thread = true;
		else if (has_prefix_comp(path, "/dev/fd", &rest))
			what = "/fd";
		else if (has_prefix_comp(path, "/dev/stdin", &rest))
			what = "/fd/0";
		else if (has_prefix_comp(path, "/dev/stdout", &rest))
			what = "/fd/1";
		else if (has_prefix_comp(path, "/dev/stderr", &rest))
			what = "/fd/2";
		if (what) {
			long tgid = status_field(s, (pid_t)req->pid, "Tgid:", 10);
			size_t n = 6, wl = strlen(what), rl = strlen(rest);

			if (tgid < 0)
				return (int)tgid;
			if (n + 48 + wl + rl + 1 > sizeof(tmp))
				return -ENAMETOOLONG;
			memcpy(tmp, "/proc/", 6);
			n += sup_put_uint(tmp + n, (unsigned long long)tgid);
			if (thread) {
				memcpy(tmp + n, "/task/", 6);
				n += 6;
				n += sup_put_uint(tmp + n, (unsigned long long)req->pid);
			}
			memcpy(tmp + n, what, wl);
			memcpy(tmp + n + wl, rest, rl + 1);
			path = tmp;
		}
	}
	/* "/proc/<pid>[/task/<tid>]" then, maybe, a magic link. */
	if (strncmp(path, "/proc/", 6) != 0 || path[6] < '1' || path[6] > '9')
		return 0;
	for (p = path + 6; *p >= '0' && *p <= '9' && pid < 100000000; p++)
		pid = pid * 10 + (*p - '0');
	if ((*p != '\0' && *p != '/') || pid == s->self) {
		/* "/proc/12x": a name; ours: resolved as written, judged by its canonical name. */
		if (path == tmp) {
			memcpy(r->buf, tmp, strlen(tmp) + 1);
			r->path = r->buf;
		}
		return 0;
	}
	if (strncmp(p, "/task/", 6) == 0 && p[6] >= '1' && p[6] <= '9') {
		const char *q = p + 6;

		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '\0' || *q == '/')
			p = q;
	}
	ml = (size_t)(p - (path + 6)); /* "<pid>[/task/<tid>]" */
	if (strncmp(p, "/fd/", 4) == 0 && p[4] >= '0' && p[4] <= '9') {
		const char *q = p + 4;

		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '\0' || *q == '/') {
			ml = (size_t)(q - (path + 6));
			after = q;
		}
	} else
		for (size_t i = 0; i < ARRAY_SIZE(links) && !after; i++)
			if (has_prefix_comp(p, links[i], &after))
				ml = (size_t)(after - (path + 6));
	if (!after) {
		/* No magic link: an ordinary procfs path, from s->proc. */
		if (strlen(path + 6) + 1 > sizeof(r->buf))
			return -ENAMETOOLONG;
		memcpy(r->buf, path + 6, strlen(path + 6) + 1);
		r->base = s->proc;
		r->path = r->buf;
		r->resolve = RESOLVE_NO_MAGICLINKS;
		return 0;
	}
	if (ml + 1 > sizeof(r->magic_path))
		return -ENAMETOOLONG;
	memcpy(r->magic_path, path + 6, ml);
	r->magic_path[ml] = '\0';
	while (*after == '/')
		after++;
	/* The one step through a magic link: the command's own object. */
	fd = openat(s->proc, r->magic_path,
		    O_PATH | O_CLOEXEC | (nofollow && *after == '\0' ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	r->base = fd;
	r->own_base = true;
	r->magic = true;
	memcpy(r->buf, after, strlen(after) + 1);
	r->path = r->buf;
	r->resolve = RESOLVE_NO_MAGICLINKS;
	return 0;
}

/* The target of r as O_PATH (flags: O_NOFOLLOW, O_DIRECTORY), or -errno. */
static int res_open(const struct res *r, uint64_t flags)
{
	if (r->path[0] == '\0') {
		if (!r->magic)
			return -ENOENT;
		/* The magic link itself was the target. */
		if (flags & O_DIRECTORY) {
			struct stat st;

			if (fstat(r->base, &st) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		{
			int fd = fcntl(r->base, F_DUPFD_CLOEXEC, 3);

			return fd < 0 ? -errno : fd;
		}
	}
	return openat2_fd(r->base, r->path, O_PATH | O_CLOEXEC | flags, 0, r->resolve);
}

/*
 * Open the target of r again with the caller's flags, by the same path (a
 * procfs file), and check it is the inode judged (st).  The fd or -errno.
 */
static int res_reopen_path(const struct supervisor *s, const struct res *r, uint64_t flags,
			   const struct stat *st)
{
	struct stat now;
	int fd;

	if (r->path[0] == '\0')
		fd = openat(s->proc, r->magic_path, (int)flags);
	else
		fd = openat2_fd(r->base, r->path, flags, 0, r->resolve);
	if (fd < 0)
		return fd < -1 ? fd : -errno;
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		close(fd);
		return -EAGAIN; /* changed under us: the caller may try again */
	}
	return fd;
}

/* ------------------------------------------------------------ judging */

/* PID 1's own /proc entries the command may open (world-readable ones), read-only. */
static bool self_proc_allowed(const char *rel, uint64_t flags)
{
	static const char *const ok[] = {"",	      "stat",	    "status", "statm",
					 "cmdline",   "comm",	    "cgroup", "mounts",
					 "mountinfo", "mountstats", "net",    "task"};

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT | TMPFILE_BIT)))
		return false;
	if (strncmp(rel, "net/", 4) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(rel, ok[i]) == 0)
			return true;
	return false;
}

/*
 * Decide about a target known by its canonical name: 0 allowed, else the
 * errno to answer; *read is set when deny_read refused it (then it is to
 * be recorded).
 */
static int judge_name(const struct supervisor *s, const char *name, bool procfs, uint64_t flags,
		      bool *read)
{
	char self[32];
	size_t n;

	*read = false;
	if (procfs) {
		/* /proc/<our pid>: PID 1 may open its own entries, the command may not. */
		memcpy(self, "/proc/", 6);
		n = 6 + sup_put_uint(self + 6, (unsigned long long)s->self);
		self[n] = '\0';
		if (path_below(name, self)) {
			const char *rel = name + n;
			char task[48];
			size_t tn;

			while (*rel == '/')
				rel++;
			memcpy(task, "task/", 5);
			tn = 5 + sup_put_uint(task + 5, (unsigned long long)s->self);
			task[tn] = '\0';
			if (strncmp(rel, task, tn) == 0 && (rel[tn] == '\0' || rel[tn] == '/')) {
				rel += tn;
				while (*rel == '/')
					rel++;
			}
			if (!self_proc_allowed(rel, flags))
				return EACCES;
		}
	}
	if (name[0] == '/' && denyset_match(&s->deny, name) >= 0) {
		*read = true;
		return EACCES;
	}
	return 0;
}

/* Judge the O_PATH fd: canonical name into name; as judge_name(). */
static int judge_fd(const struct supervisor *s, int fd, bool procfs, uint64_t flags, char *name,
		    size_t size, bool *read)
{
	int r = canonical(s, fd, name, size);

	*read = false;
	if (r < 0)
		return -r == ENAMETOOLONG ? ENAMETOOLONG : EACCES;
	return judge_name(s, name, procfs, flags, read);
}

static bool on_procfs(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

/* ------------------------------------------------------------ helpers (children) */

enum helper_kind { HELPER_OPEN, HELPER_CONNECT };

void sup_broker_reap(struct supervisor *s)
{
	for (size_t i = 0; i < SUPERVISOR_MAX_HELPERS; i++) {
		pid_t p;

		if (s->helpers[i] <= 0)
			continue;
		p = (pid_t)syscall(SYS_wait4, s->helpers[i], NULL, WNOHANG, NULL);
		/* ECHILD: PID 1's own reaping loop collected it already. */
		if (p == s->helpers[i] || (p < 0 && errno == ECHILD))
			s->helpers[i] = 0;
	}
}

/*
 * A call that may block (a FIFO opened without O_NONBLOCK, a connect on a
 * blocking stream socket) is done by a child of ours so the supervisor
 * keeps serving: the child makes the call, answers the notification on
 * its copy of the listener (a descriptor for the open), and exits.  It is
 * a plain fork of PID 1, non-dumpable like it, holding nothing but what
 * PID 1 holds; it dies with PID 1.  fd: the O_PATH of the target; sock:
 * the socket (CONNECT); addr/len: what to connect to.
 */
static int spawn_helper(struct supervisor *s, const struct seccomp_notif *req,
			enum helper_kind kind, int fd, int sock, uint64_t flags, bool cloexec,
			const struct sockaddr *addr, socklen_t len)
{
	size_t slot = SUPERVISOR_MAX_HELPERS;
	pid_t parent = getpid(), pid;

	sup_broker_reap(s);
	for (size_t i = 0; i < SUPERVISOR_MAX_HELPERS; i++)
		if (s->helpers[i] <= 0) {
			slot = i;
			break;
		}
	if (slot == SUPERVISOR_MAX_HELPERS)
		return -EAGAIN;
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(0);
		if (kind == HELPER_OPEN) {
			char link[64];
			int nfd;

			memcpy(link, "self/fd/", 8);
			link[8 + sup_put_uint(link + 8, (unsigned long long)fd)] = '\0';
			nfd = openat(s->proc, link, (int)flags);
			if (nfd < 0)
				(void)answer(s, req->id, errno, 0);
			else
				(void)inject_last(s, req->id, nfd, cloexec);
		} else {
			r = connect(sock, addr, len);
			(void)answer(s, req->id, r < 0 ? errno : 0, 0);
		}
		_exit(0);
	}
	s->helpers[slot] = pid;
	return 0;
}

/* ------------------------------------------------------------ open */

/*
 * Check and normalise the caller's flags and mode as the kernel's
 * build_open_flags() does (fs/open.c): openat2 strictly, open/openat
 * leniently.  0 or -EINVAL.
 */
static int open_flags_check(uint64_t *flags, uint64_t *mode, uint64_t resolve, bool strict)
{
	uint64_t f = *flags, m = *mode;
	bool create;

	if (strict) {
		if ((f & ~OPEN_VALID) || (resolve & ~RESOLVE_VALID) ||
		    (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) ==
			    (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			return -EINVAL;
		create = (f & O_CREAT) || (f & __O_TMPFILE) == __O_TMPFILE;
		if (create ? (m & ~(uint64_t)07777) != 0 : m != 0)
			return -EINVAL;
		if ((f & O_PATH) && (f & ~OPEN_PATH_FLAGS))
			return -EINVAL;
	} else {
		f = (uint32_t)f & OPEN_VALID; /* an int in the kernel */
		m &= 07777;
		if (f & O_PATH)
			f &= OPEN_PATH_FLAGS;
		create = (f & O_CREAT) || (f & __O_TMPFILE) == __O_TMPFILE;
		if (!create)
			m = 0;
	}
	if ((f & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
		return -EINVAL;
	if (f & TMPFILE_BIT) {
		if ((f & (TMPFILE_BIT | O_DIRECTORY | O_CREAT)) != (TMPFILE_BIT | O_DIRECTORY))
			return -EINVAL;
		if ((f & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
	}
	*flags = f;
	*mode = m;
	return 0;
}

/* The caller's umask, for a file we create for it (0022 when unknown). */
static mode_t caller_umask(const struct supervisor *s, pid_t pid)
{
	long u = status_field(s, pid, "Umask:", 8);

	return u < 0 ? 022 : (mode_t)(u & 0777);
}

/*
 * /dev/tty names the caller's controlling terminal, which PID 1 (without
 * one) cannot open as such: open the terminal it names instead, a pty of
 * the sandbox's devpts.  *fd: an O_PATH of it.  0, or the errno (ENXIO:
 * no controlling terminal, as the kernel says).
 */
static int controlling_tty(const struct supervisor *s, pid_t pid, int *fd)
{
	static char buf[1024];
	unsigned long tty = 0;
	const char *p;
	char path[32];
	struct stat st;
	unsigned maj, min;
	int n = 0, t;

	if (proc_read(s, pid, "stat", buf, sizeof(buf)) < 0)
		return ENXIO;
	p = strrchr(buf, ')');
	if (!p)
		return ENXIO;
	/* ") state ppid pgrp session tty_nr" */
	for (p++; *p && n < 5; p++)
		if (*p == ' ')
			n++;
	for (; *p >= '0' && *p <= '9'; p++)
		tty = tty * 10 + (unsigned long)(*p - '0');
	maj = (unsigned)((tty >> 8) & 0xfff);
	min = (unsigned)((tty & 0xff) | ((tty >> 12) & 0xfff00));
	if (tty == 0 || maj < PTS_MAJOR_FIRST || maj > PTS_MAJOR_LAST)
		return ENXIO;
	memcpy(path, "/dev/pts/", 9);
	path[9 + sup_put_uint(path + 9,
			      (unsigned long long)((maj - PTS_MAJOR_FIRST) * 256 + min))] = '\0';
	t = openat2_fd(AT_FDCWD, path, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0,
		       RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
	if (t < 0)
		return ENXIO;
	if (fstat(t, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		close(t);
		return ENXIO;
	}
	*fd = t;
	return 0;
}

/* Static: one call at a time, and too large for PID 1's stack. */
static char path_a[SUP_PATH], path_b[SUP_PATH], name_a[SUP_PATH], name_b[SUP_PATH];
static char link_buf[SUP_PATH];
static struct res res_a, res_b;

/* Split path (modified) into its parent, returned, and its last component in *last. */
static const char *split_last(char *path, const char **last, bool *slash)
{
	size_t len = strlen(path);
	char *sep;

	*slash = false;
	while (len > 1 && path[len - 1] == '/') {
		path[--len] = '\0';
		*slash = true;
	}
	sep = strrchr(path, '/');
	if (!sep) {
		*last = path;
		return ".";
	}
	*last = sep + 1;
	if (sep == path)
		return "/";
	*sep = '\0';
	return path;
}

/*
 * The name a new file would get: the parent's canonical name + "/" +
 * last, into out.  0 or -ENAMETOOLONG.
 */
static int would_be(const struct supervisor *s, int parent, const char *last, char *out)
{
	size_t n, l = strlen(last);
	int r = canonical(s, parent, out, SUP_PATH);

	if (r < 0)
		return r;
	n = strlen(out);
	if (n == 1 && out[0] == '/')
		n = 0;
	if (n + 1 + l + 1 > SUP_PATH)
		return -ENAMETOOLONG;
	out[n] = '/';
	memcpy(out + n + 1, last, l + 1);
	return 0;
}

/*
 * O_CREAT of a name that does not resolve: check the name it would get
 * (following a dangling symbolic link as the kernel does) and create it
 * here, as the caller, with its mode, umask and flags.  path is ours
 * (path_a).  The new descriptor or -errno; *read and name on a deny_read
 * refusal.
 */
static int open_create(struct supervisor *s, const struct seccomp_notif *req, int base,
		       uint64_t flags, uint64_t mode, uint64_t resolve, char *name, bool *read)
{
	int own = -1; /* the directory of a link followed by hand: the base from then on */
	int links = 0;

	*read = false;
	for (;;) {
		const char *parent, *last;
		struct stat st, dst;
		bool slash;
		int pfd = -1, fd, r;
		mode_t old;

		parent = split_last(path_a, &last, &slash);
		if (slash || last[0] == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
			r = -EISDIR;
			goto out;
		}
		r = res_setup(s, req, own >= 0 ? own : base, parent, resolve, false, &res_b);
		if (r == 0)
			r = pfd = res_open(&res_b, O_DIRECTORY);
		res_done(&res_b);
		if (r < 0)
			goto out;
		if (fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			ssize_t n;

			if (!S_ISLNK(st.st_mode)) {
				r = -EAGAIN; /* appeared meanwhile: the caller may try again */
				goto out;
			}
			/* A dangling link: O_CREAT creates its target (O_EXCL never gets here). */
			if ((flags & O_NOFOLLOW) || ++links > SUP_MAX_LINKS ||
			    (resolve & (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS))) {
				r = -ELOOP;
				goto out;
			}
			if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) {
				r = -EXDEV; /* not followed by hand within a root */
				goto out;
			}
			/* fs.protected_symlinks: in a sticky world-writable directory only
			 * a link of ours or of the directory's owner is followed. */
			if (s->protected_symlinks && fstat(pfd, &dst) == 0 &&
			    (dst.st_mode & S_ISVTX) && (dst.st_mode & S_IWOTH) &&
			    st.st_uid != s->euid && st.st_uid != dst.st_uid) {
				r = -EACCES;
				goto out;
			}
			n = readlinkat(pfd, last, link_buf, sizeof(link_buf) - 1);
			if (n <= 0) {
				r = n == 0 ? -ENOENT : -errno;
				goto out;
			}
			link_buf[n] = '\0';
			memcpy(path_a, link_buf, (size_t)n + 1);
			if (own >= 0)
				close(own);
			own = -1;
			if (path_a[0] != '/') {
				own = pfd; /* relative to the link's directory */
				pfd = -1;
			}
			safe_close(pfd);
			continue;
		}
		r = would_be(s, pfd, last, name);
		if (r == 0)
			r = -judge_name(s, name, on_procfs(pfd), flags, read);
		if (r < 0)
			goto out;
		old = umask(caller_umask(s, (pid_t)req->pid));
		fd = openat(pfd, last,
			    (int)((flags & ~(uint64_t)O_CLOEXEC) | O_CREAT | O_NOFOLLOW | O_NOCTTY |
				  O_CLOEXEC),
			    (mode_t)mode);
		r = fd < 0 ? -errno : fd;
		umask(old);
	out:
		safe_close(pfd);
		safe_close(own);
		return r;
	}
}

static int broker_open(struct supervisor *s, const struct seccomp_notif *req,
		       const struct seccomp_fs_call *fc)
{
	const __u64 *a = req->data.args;
	uint64_t flags, mode = 0, resolve = 0, reflags;
	struct stat st = {0};
	bool read = false, cloexec, procfs;
	int base = AT_FDCWD, target = -1, fd = -1, r;
	ssize_t n;

	/* The caller's flags, mode and RESOLVE_* (openat2: from its memory). */
	if (fc->openat2) {
		struct open_how how = {0};
		uint64_t size = a[3];

		if (size < sizeof(how) || size > 4096)
			return answer(s, req->id, size < sizeof(how) ? EINVAL : E2BIG, 0);
		n = sup_mem_read((pid_t)req->pid, a[2], &how, sizeof(how));
		if (n == -EPERM || n == -EACCES)
			goto unreadable;
		if (n != (ssize_t)sizeof(how))
			return answer(s, req->id, n < 0 && n != -EFAULT ? ESRCH : EFAULT, 0);
		if (size > sizeof(how)) {
			/* The kernel wants the bytes it does not know to be zero. */
			static unsigned char tail[4096];
			size_t t = (size_t)size - sizeof(how);

			if (sup_mem_read((pid_t)req->pid, a[2] + sizeof(how), tail, t) !=
			    (ssize_t)t)
				return answer(s, req->id, EFAULT, 0);
			for (size_t i = 0; i < t; i++)
				if (tail[i])
					return answer(s, req->id, E2BIG, 0);
		}
		flags = how.flags;
		mode = how.mode;
		resolve = how.resolve;
	} else if (fc->flags >= 0) {
		flags = a[fc->flags];
		mode = fc->extra >= 0 ? a[fc->extra] : 0;
	} else {
		flags = O_CREAT | O_WRONLY | O_TRUNC; /* creat() */
		mode = fc->extra >= 0 ? a[fc->extra] : 0;
	}
	r = open_flags_check(&flags, &mode, resolve, fc->openat2);
	if (r < 0)
		return answer(s, req->id, -r, 0);
	cloexec = (flags & O_CLOEXEC) != 0;

	/* With log_denials, the write-intent prediction records its refusals first. */
	if (s->check_files && (fc->openat2 || (flags & (O_ACCMODE | O_CREAT | O_TRUNC)))) {
		struct sandbox_denial rec;

		r = sup_check_file(s, req, fc, &rec);
		if (r < 0)
			return 0;
		if (r > 0) {
			r = answer(s, req->id, r, 0);
			sup_record_file(s, &rec);
			return r;
		}
	}

	n = sup_read_path((pid_t)req->pid, a[fc->path], path_a);
	if (n == -EPERM || n == -EACCES)
		goto unreadable;
	if (n < 0)
		return n == -ESRCH ? 0 : answer(s, req->id, (int)-n, 0);
	if (n == 0)
		return answer(s, req->id, ENOENT, 0);
	if (path_a[0] != '/' || (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))) {
		base = sup_open_base(s, (pid_t)req->pid, fc->dfd >= 0 ? a[fc->dfd] : 0,
				     fc->dfd >= 0);
		if (base == -EPERM || base == -EACCES)
			goto unreadable;
		if (base == -ENOENT)
			base = -EBADF; /* no such descriptor */
		if (base < 0)
			return answer(s, req->id, -base, 0);
	}
	/* The pid may have been reused while we read its memory and /proc entries. */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
		r = 0;
		goto out;
	}

	if ((flags & __O_TMPFILE) == __O_TMPFILE) {
		/* An unnamed file in a directory: judged by that directory. */
		r = res_setup(s, req, base, path_a, resolve, false, &res_a);
		if (r == 0)
			r = target = res_open(&res_a, O_DIRECTORY);
		res_done(&res_a);
		if (r >= 0)
			r = -judge_fd(s, target, on_procfs(target), flags, name_a, sizeof(name_a),
				      &read);
		if (r >= 0) {
			mode_t old = umask(caller_umask(s, (pid_t)req->pid));

			fd = openat(target, ".",
				    (int)((flags & ~(uint64_t)O_CLOEXEC) | O_NOCTTY | O_CLOEXEC),
				    (mode_t)mode);
			r = fd < 0 ? -errno : 0;
			umask(old);
		}
		goto done;
	}

	r = res_setup(s, req, base, path_a, resolve,
		      (flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL),
		      &res_a);
	if (r == 0) {
		/* O_CREAT|O_EXCL never follows a final link: it exists, or it is new. */
		uint64_t of = flags & (O_NOFOLLOW | O_DIRECTORY);

		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			of |= O_NOFOLLOW;
		r = target = res_open(&res_a, of);
	}
	if (r == -ENOENT && (flags & O_CREAT)) {
		res_done(&res_a);
		/* path_a is unchanged: res_setup() writes only into res_a.buf. */
		fd = open_create(s, req, base, flags, mode, resolve, name_a, &read);
		r = fd < 0 ? fd : 0;
		if (r >= 0) {
			/* Judge what was opened after all (a name that appeared meanwhile). */
			int e = judge_fd(s, fd, false, flags, name_a, sizeof(name_a), &read);

			if (e) {
				close(fd);
				fd = -1;
				r = -e;
			}
		}
		goto done;
	}
	if (r < 0) {
		res_done(&res_a);
		goto done;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		res_done(&res_a);
		r = -EEXIST;
		goto done;
	}
	if (fstat(target, &st) < 0) {
		res_done(&res_a);
		r = -errno;
		goto done;
	}
	procfs = on_procfs(target);
	r = -judge_fd(s, target, procfs, flags, name_a, sizeof(name_a), &read);
	if (r < 0) {
		res_done(&res_a);
		goto done;
	}

	if (flags & O_PATH) {
		/*
		 * The kernel hands no O_PATH descriptor over (SECCOMP_IOCTL_NOTIF_ADDFD
		 * refuses them), so this one open is checked and CONTINUEd.  Should
		 * the command swap the path meanwhile, it gets an O_PATH descriptor
		 * of a denied file, which reads nothing: its metadata (stat(2)
		 * shows that anyway), a base for *at calls (checked in turn), and
		 * execveat(AT_EMPTY_PATH), which is the exec race of broker_exec().
		 */
		res_done(&res_a);
		close(target);
		if (base >= 0)
			close(base);
		return answer_continue(s, req->id);
	}
	if ((flags & O_NOFOLLOW) && S_ISLNK(st.st_mode)) {
		res_done(&res_a);
		r = -ELOOP;
		goto done;
	}
	if ((flags & O_CREAT) && S_ISDIR(st.st_mode)) {
		res_done(&res_a);
		r = -EISDIR;
		goto done;
	}
	/* The caller's flags for the real open; O_NOCTTY: PID 1 must never gain a terminal. */
	reflags = (flags & ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)) | O_NOCTTY |
		  O_CLOEXEC;

	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(TTY_AUX_MAJOR, 0)) {
		/* /dev/tty: the caller's terminal, judged like any file. */
		int t = -1, e = controlling_tty(s, (pid_t)req->pid, &t);

		res_done(&res_a);
		if (e) {
			r = -e;
			goto done;
		}
		close(target);
		target = t;
		r = -judge_fd(s, target, false, flags, name_a, sizeof(name_a), &read);
		if (r < 0)
			goto done;
	} else if (procfs) {
		/* A procfs file: by the same path again, and it must be the same inode. */
		fd = res_reopen_path(s, &res_a, reflags, &st);
		res_done(&res_a);
		r = fd < 0 ? fd : 0;
		goto done;
	} else
		res_done(&res_a);

	if (S_ISFIFO(st.st_mode) && !(flags & O_NONBLOCK) && (flags & O_ACCMODE) != O_RDWR) {
		/*
		 * A FIFO blocks until the other end opens: never here.  A writer
		 * with a reader present opens at once; anything else waits in a
		 * helper child.
		 */
		if ((flags & O_ACCMODE) == O_WRONLY) {
			char link[64];

			memcpy(link, "self/fd/", 8);
			link[8 + sup_put_uint(link + 8, (unsigned long long)target)] = '\0';
			fd = openat(s->proc, link, (int)(reflags | O_NONBLOCK));
			if (fd >= 0) {
				(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
				r = 0;
				goto done;
			}
			if (errno != ENXIO) {
				r = -errno;
				goto done;
			}
		}
		r = spawn_helper(s, req, HELPER_OPEN, target, -1, reflags, cloexec, NULL, 0);
		if (r == 0) {
			close(target);
			if (base >= 0)
				close(base);
			return 0; /* the helper answers */
		}
		goto done;
	}

	/* Everything else: the very inode judged, through our descriptor of it. */
	{
		char link[64];

		memcpy(link, "self/fd/", 8);
		link[8 + sup_put_uint(link + 8, (unsigned long long)target)] = '\0';
		fd = openat(s->proc, link, (int)reflags);
		r = fd < 0 ? -errno : 0;
	}

done:
	if (r < 0) {
		int e = -r;

		r = answer(s, req->id, e, 0);
		if (read)
			record(s, req, SANDBOX_FILE_OPEN, e, name_a, SANDBOX_DENIAL_READ);
	} else if (S_ISFIFO(st.st_mode) && fd >= 0) {
		r = inject_last(s, req->id, fd, cloexec);
		fd = -1;
	} else
		r = inject(s, req->id, fd, cloexec);
out:
	if (fd >= 0)
		close(fd);
	if (target >= 0)
		close(target);
	if (base >= 0)
		close(base);
	return r;

unreadable:
	/*
	 * A caller that is not dumpable keeps its memory and /proc entries
	 * from us: nothing can be checked, and a CONTINUE would give it a
	 * way around deny_read (it can make itself non-dumpable).  Refused.
	 */
	s->flags |= SANDBOX_DENIALS_UNCHECKED;
	return answer(s, req->id, EACCES, 0);
}

/* ------------------------------------------------------------ exec */

/*
 * execve/execveat: PID 1 cannot exec for the command, so the path is
 * checked and the call CONTINUEd: a denied target is refused, anything
 * else left to the kernel (supervisor.c: the race this leaves).
 */
static int broker_exec(struct supervisor *s, const struct seccomp_notif *req,
		       const struct seccomp_fs_call *fc)
{
	const __u64 *a = req->data.args;
	uint64_t at = fc->flags >= 0 ? a[fc->flags] : 0;
	bool read = false;
	int base = AT_FDCWD, target, r;
	ssize_t n;

	if (s->trusted && (pid_t)req->pid == s->trusted) {
		/* The command's own first exec, of the program PID 1 found: judge that. */
		size_t l = strlen(s->trusted_path);

		if (l >= sizeof(path_a))
			return answer_continue(s, req->id);
		memcpy(path_a, s->trusted_path, l + 1);
		if (path_a[0] != '/') {
			base = openat(AT_FDCWD, s->trusted_cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (base < 0)
				return answer_continue(s, req->id);
		}
		at = 0;
		goto judge;
	}
	n = sup_read_path((pid_t)req->pid, a[fc->path], path_a);
	if (n == -EPERM || n == -EACCES)
		goto unreadable;
	if (n == 0 && (at & AT_EMPTY_PATH) && fc->dfd >= 0) {
		/* fexecve(): the descriptor itself, judged by what it is. */
		char fdp[64];

		sup_proc_path(fdp, (long)req->pid, "fd/", (long)(int)a[fc->dfd]);
		target = (int)a[fc->dfd] < 0 ? -EBADF : openat(s->proc, fdp, O_PATH | O_CLOEXEC);
		if (target < 0)
			return answer_continue(s, req->id); /* EBADF: the kernel says it */
		goto judged;
	}
	if (n < 0)
		return answer_continue(s, req->id); /* EFAULT ...: the kernel says it too */
	if (n == 0)
		return answer(s, req->id, ENOENT, 0);
	if (path_a[0] != '/') {
		base = sup_open_base(s, (pid_t)req->pid, fc->dfd >= 0 ? a[fc->dfd] : 0,
				     fc->dfd >= 0);
		if (base == -EPERM || base == -EACCES)
			goto unreadable;
		if (base < 0)
			return answer_continue(s, req->id); /* the kernel says EBADF, ENOTDIR */
	}
judge:
	r = res_setup(s, req, base, path_a, 0, (at & AT_SYMLINK_NOFOLLOW) != 0, &res_a);
	target = r < 0 ? r : res_open(&res_a, (at & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
	res_done(&res_a);
	safe_close(base);
	if (target < 0)
		return answer_continue(s, req->id); /* ENOENT ...: the kernel's own error */
judged:
	r = judge_fd(s, target, on_procfs(target), O_RDONLY, name_a, sizeof(name_a), &read);
	close(target);
	if (r == 0)
		return answer_continue(s, req->id);
	n = answer(s, req->id, r, 0);
	if (read)
		record(s, req, SANDBOX_FILE_EXEC, r, name_a, SANDBOX_DENIAL_READ);
	return (int)n;

unreadable:
	s->flags |= SANDBOX_DENIALS_UNCHECKED;
	return answer(s, req->id, EACCES, 0);
}

/* ------------------------------------------------------------ rename, link */

/* One side of a rename or link: its parent (O_PATH) and last component. */
struct side {
	int parent;
	int target; /* linkat(AT_SYMLINK_FOLLOW): the file linked, judged (O_PATH), or -1 */
	const char *last; /* into the path buffer */
	char lastbuf[SUP_PATH];
};

/* Read path argument idx (directory dfd_idx) and open its parent. 0 or -errno. */
static int side_open(struct supervisor *s, const struct seccomp_notif *req, int idx, int dfd_idx,
		     char *buf, struct res *res, struct side *sd)
{
	const char *parent, *last;
	int base = AT_FDCWD, r;
	bool slash;
	ssize_t n;
	size_t l;

	sd->parent = sd->target = -1;
	n = sup_read_path((pid_t)req->pid, req->data.args[idx], buf);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	if (buf[0] != '/') {
		base = sup_open_base(s, (pid_t)req->pid, dfd_idx >= 0 ? req->data.args[dfd_idx] : 0,
				     dfd_idx >= 0);
		if (base == -ENOENT)
			base = -EBADF;
		if (base < 0)
			return base;
	}
	parent = split_last(buf, &last, &slash);
	/* The name as the kernel sees it: a trailing slash kept (a directory only). */
	l = strlen(last);
	memcpy(sd->lastbuf, last, l);
	if (slash)
		sd->lastbuf[l++] = '/';
	sd->lastbuf[l] = '\0';
	sd->last = sd->lastbuf;
	r = res_setup(s, req, base, parent, 0, false, res);
	if (r == 0)
		r = sd->parent = res_open(res, O_DIRECTORY);
	res_done(res);
	safe_close(base);
	if (r < 0)
		sd->parent = -1;
	return r < 0 ? r : 0;
}

/* Whether moving what sd names could carry denied content away: the errno, and its name. */
static int side_judge(struct supervisor *s, struct side *sd, bool follow, bool is_link, char *name)
{
	struct stat st;
	size_t l = strlen(sd->last);
	char last[SUP_PATH];
	int r;

	memcpy(last, sd->last, l + 1);
	while (l > 1 && last[l - 1] == '/')
		last[--l] = '\0';
	if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return 0; /* the kernel refuses these itself (EBUSY, EPERM) */
	if (follow) {
		/* linkat(AT_SYMLINK_FOLLOW): what the link points to is what moves */
		int t = openat2_fd(sd->parent, last, O_PATH | O_CLOEXEC, 0, RESOLVE_NO_MAGICLINKS);

		if (t < 0)
			return -t; /* ENOENT, ELOOP ...: what the kernel would say */
		sd->target = t; /* linked through this descriptor: the inode judged */
		r = canonical(s, t, name, SUP_PATH);
		if (r < 0)
			return EACCES;
	} else {
		if (fstatat(sd->parent, last, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0;
		r = would_be(s, sd->parent, last, name);
		if (r < 0)
			return EACCES;
	}
	if (is_link)
		return denyset_match(&s->deny, name) >= 0 ? EACCES : 0;
	return denyset_blocks_move(&s->deny, name) >= 0 ? EACCES : 0;
}

static struct side side_a, side_b;

/*
 * rename and link under deny_read: performed here with our own parent
 * descriptors and copies of the names, refused when the source (or, for
 * RENAME_EXCHANGE, either side) is denied or would carry a denied path
 * out of reach (denyset_blocks_move()).
 */
static int broker_move(struct supervisor *s, const struct seccomp_notif *req,
		       const struct seccomp_fs_call *fc)
{
	const __u64 *a = req->data.args;
	uint64_t f = fc->flags >= 0 ? a[fc->flags] : 0;
	bool link = fc->op == SANDBOX_FILE_LINK, follow = link && (f & AT_SYMLINK_FOLLOW);
	int r, e = 0, which = 0;

	if (s->check_files) {
		struct sandbox_denial rec;

		r = sup_check_file(s, req, fc, &rec);
		if (r < 0)
			return 0;
		if (r > 0) {
			r = answer(s, req->id, r, 0);
			sup_record_file(s, &rec);
			return r;
		}
	}
	if (link && (f & AT_EMPTY_PATH))
		return answer(s, req->id, ENOENT,
			      0); /* needs CAP_DAC_READ_SEARCH, which nobody has here */
	r = side_open(s, req, fc->path, fc->dfd, path_a, &res_a, &side_a);
	if (r == 0)
		r = side_open(s, req, fc->path2, fc->dfd2, path_b, &res_b, &side_b);
	if (r == -EPERM || r == -EACCES) {
		/* Unreadable memory (not dumpable) or a refused lookup: refuse. */
		s->flags |= SANDBOX_DENIALS_UNCHECKED;
		e = EACCES;
		goto out;
	}
	if (r < 0) {
		e = -r;
		goto out;
	}
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		goto gone;
	e = side_judge(s, &side_a, follow, link, name_a);
	if (e && (side_a.target >= 0 || !follow))
		which = 1; /* refused by deny_read (not a lookup error) */
	if (!e && !link && (f & RENAME_EXCHANGE)) {
		e = side_judge(s, &side_b, false, false, name_b);
		if (e)
			which = 2;
	}
	if (!e) {
		if (link && side_a.target >= 0) {
			char l[64];

			memcpy(l, "self/fd/", 8);
			l[8 + sup_put_uint(l + 8, (unsigned long long)side_a.target)] = '\0';
			r = linkat(s->proc, l, side_b.parent, side_b.last, AT_SYMLINK_FOLLOW);
		} else if (link)
			r = linkat(side_a.parent, side_a.last, side_b.parent, side_b.last, 0);
		else
			r = (int)syscall(SYS_renameat2, side_a.parent, side_a.last, side_b.parent,
					 side_b.last, (unsigned)f);
		e = r < 0 ? errno : 0;
	}
out:
	r = answer(s, req->id, e, 0);
	if (which)
		record(s, req, link ? SANDBOX_FILE_LINK : SANDBOX_FILE_RENAME, e,
		       which == 1 ? name_a : name_b, SANDBOX_DENIAL_READ);
gone:
	side_a.parent = safe_close(side_a.parent);
	side_b.parent = safe_close(side_b.parent);
	side_a.target = safe_close(side_a.target);
	return r;
}

/* ------------------------------------------------------------ connect, bind */

/* A copy of the caller's descriptor fd (pidfd_getfd: same uid, dumpable caller), or -errno. */
static int dup_caller_fd(const struct seccomp_notif *req, int fd)
{
	int pidfd, r;

	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)req->pid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)req->pid, 0); /* before 6.9 */
	if (pidfd < 0)
		return -errno;
	r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	r = r < 0 ? -errno : r;
	close(pidfd);
	return r;
}

/*
 * The file a bound Unix socket created, from the kernel (sock_diag,
 * UDIAG_SHOW_VFS) rather than from the path, which the command could
 * replace between the bind and a look-up.  0, or -errno (-ENOENT: no such
 * socket any more).
 */
static int diag_vfs(struct supervisor *s, uint32_t sock_ino, uint64_t *dev, uint64_t *ino)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} q = {
		.h = {.nlmsg_len = sizeof(q),
		      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST},
		.r = {.sdiag_family = AF_UNIX,
		      .udiag_states = ~0u,
		      .udiag_ino = sock_ino,
		      .udiag_show = UDIAG_SHOW_VFS,
		      .udiag_cookie = {~0u, ~0u}},
	};
	union {
		char buf[1024];
		struct nlmsghdr align;
	} u;
	struct nlmsghdr *h = &u.align;
	struct unix_diag_msg *m;
	struct rtattr *rta;
	ssize_t n;
	int len;

	if (s->diag < 0)
		s->diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s->diag < 0)
		return -errno;
	if (send(s->diag, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return -EIO;
	n = recv(s->diag, u.buf, sizeof(u.buf), 0);
	if (n < (ssize_t)sizeof(*h) || !NLMSG_OK(h, (size_t)n))
		return -EIO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error < 0 ? e->error : -EIO;
	}
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	m = NLMSG_DATA(h);
	if (m->udiag_ino != sock_ino)
		return -EIO;
	rta = (struct rtattr *)(m + 1);
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == UNIX_DIAG_VFS &&
		    RTA_PAYLOAD(rta) >= sizeof(struct unix_diag_vfs)) {
			const struct unix_diag_vfs *v = RTA_DATA(rta);

			/* The kernel's dev_t: 12 bits of major above 20 bits of minor. */
			*dev = makedev(v->udiag_vfs_dev >> 20, v->udiag_vfs_dev & 0xfffff);
			*ino = v->udiag_vfs_ino;
			return 0;
		}
	return -ENOENT; /* not bound to a file */
}

/* Remember that sock (ours, just bound) created a socket file. */
static void bound_add(struct supervisor *s, int sock)
{
	struct stat st;
	uint64_t dev, ino;

	if (fstat(sock, &st) < 0 || diag_vfs(s, (uint32_t)st.st_ino, &dev, &ino) < 0)
		return;
	/* Full: the oldest is forgotten (connecting to it is then refused). */
	s->bound[s->next_bound] =
		(struct supervisor_bound){.sock_ino = (uint32_t)st.st_ino, .dev = dev, .ino = ino};
	s->next_bound = (s->next_bound + 1) % SUPERVISOR_MAX_BOUND;
	if (s->n_bound < SUPERVISOR_MAX_BOUND)
		s->n_bound++;
}

/*
 * Whether the socket file st was bound in this sandbox and its socket is
 * still there (a socket file outlives its socket; its inode number can be
 * reused): asked of the kernel, never of the path.
 */
static bool bound_here(struct supervisor *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n_bound; i++) {
		struct supervisor_bound *b = &s->bound[i];
		uint64_t dev, ino;

		if (b->sock_ino == 0 || b->dev != st->st_dev || b->ino != st->st_ino)
			continue;
		if (diag_vfs(s, b->sock_ino, &dev, &ino) == 0 && dev == b->dev && ino == b->ino)
			return true;
		b->sock_ino = 0; /* gone */
	}
	return false;
}

static bool in_socket_dirs(const struct supervisor *s, const char *name)
{
	for (size_t i = 0; i < s->n_socket_dirs; i++)
		if (path_below(name, s->socket_dirs[i]))
			return true;
	return false;
}

/* allow_unix_sockets: the pre-opened host socket file named exactly name, or -1. */
static int unix_allowed_fd(const struct supervisor *s, const char *name)
{
	for (size_t i = 0; i < s->n_unix_allow; i++)
		if (s->unix_fds[i] >= 0 && strcmp(s->unix_names[i], name) == 0)
			return s->unix_fds[i];
	return -1;
}

void supervisor_unix_preopen(const struct supervisor_rules *rules, int *fds)
{
	for (size_t i = 0; rules && i < rules->n_unix_allow; i++) {
		struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
					.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
		struct stat st;
		int fd;

		fds[i] = -1;
		if (!rules->unix_allow[i] || rules->unix_allow[i][0] != '/')
			continue;
		fd = (int)syscall(SYS_openat2, AT_FDCWD, rules->unix_allow[i], &how, sizeof(how));
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			close(fd);
			continue;
		}
		fds[i] = fd;
	}
}

/* Would a connect on sock block (a blocking stream socket)? */
static bool connect_may_block(int sock)
{
	int type = 0, fl = fcntl(sock, F_GETFL);
	socklen_t l = sizeof(type);

	if (fl < 0 || (fl & O_NONBLOCK))
		return false;
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
		return true;
	return type == SOCK_STREAM || type == SOCK_SEQPACKET;
}

/*
 * connect and bind (tmp = "host"): performed here on a duplicate of the
 * caller's socket, with our copy of its address.  A pathname socket the
 * caller connects to is resolved here and connected to by that very inode
 * (through /proc/self/fd/N); below a socket directory (the host's /tmp
 * ...) it must have been bound in this sandbox.  A bind is made with the
 * caller's own address, from its working directory for a relative one
 * (getsockname() then answers what it asked for), and the file it creates
 * is remembered.
 */
static int broker_sock(struct supervisor *s, const struct seccomp_notif *req,
		       const struct seccomp_fs_call *fc)
{
	static union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_storage ss;
	} addr, via;
	const __u64 *a = req->data.args;
	bool is_bind = fc->op == SANDBOX_FILE_BIND;
	int64_t len = (int32_t)a[fc->extra];
	int sock = -1, target = -1, dom = 0, r, e = 0;
	socklen_t dl = sizeof(dom);
	struct stat st;
	bool rec = false;
	ssize_t n;

	if (len < 0 || len > (int64_t)sizeof(addr))
		return answer(s, req->id, EINVAL, 0);
	sock = dup_caller_fd(req, (int)a[fc->dfd]);
	if (sock == -EPERM || sock == -EACCES) {
		s->flags |= SANDBOX_DENIALS_UNCHECKED;
		return answer(s, req->id, EACCES, 0); /* not dumpable: nothing checkable */
	}
	if (sock < 0)
		return sock == -ESRCH ? 0 : answer(s, req->id, -sock, 0);
	memset(&addr, 0, sizeof(addr));
	n = len ? sup_mem_read((pid_t)req->pid, a[fc->path], &addr, (size_t)len) : 0;
	if (n != len) {
		e = n == -EPERM ? EACCES : EFAULT;
		goto out;
	}
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
		close(sock);
		return 0;
	}
	if (fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		e = ENOTSOCK;
		goto out;
	}
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &dom, &dl) < 0)
		dom = -1;

	/* Anything but a Unix socket with a pathname: made as asked. */
	if (dom != AF_UNIX || len <= (int64_t)offsetof(struct sockaddr_un, sun_path) ||
	    addr.un.sun_path[0] == '\0' || addr.sa.sa_family != AF_UNIX) {
		if (is_bind)
			r = bind(sock, &addr.sa, (socklen_t)len);
		else if (connect_may_block(sock)) {
			r = spawn_helper(s, req, HELPER_CONNECT, -1, sock, 0, false, &addr.sa,
					 (socklen_t)len);
			if (r == 0)
				goto answered;
			e = -r;
			goto out;
		} else
			r = connect(sock, &addr.sa, (socklen_t)len);
		e = r < 0 ? errno : 0;
		goto out;
	}

	/* The path, NUL-terminated (the kernel stops at the first NUL or at len). */
	{
		size_t pl = (size_t)len - offsetof(struct sockaddr_un, sun_path);

		memcpy(path_a, addr.un.sun_path, pl);
		path_a[pl] = '\0';
	}
	if (is_bind) {
		int base = -1, here = -1;

		if (path_a[0] != '/') {
			base = sup_open_base(s, (pid_t)req->pid, 0, false);
			here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (base < 0 || here < 0 || fchdir(base) < 0) {
				e = base == -EPERM || base == -EACCES ? EACCES : EIO;
				safe_close(base);
				safe_close(here);
				goto out;
			}
		}
		r = bind(sock, &addr.sa, (socklen_t)len);
		e = r < 0 ? errno : 0;
		if (here >= 0) {
			/* PID 1 is single-threaded: nobody saw the change. */
			if (fchdir(here) < 0)
				s->flags |= SANDBOX_DENIALS_UNCHECKED;
			close(here);
		}
		safe_close(base);
		if (r == 0)
			bound_add(s, sock);
		goto out;
	}

	/*
	 * allow_unix_sockets: a listed path, asked for by that very name,
	 * is the host's socket file opened before the mounts.
	 */
	if (s->unix_allowlist && path_a[0] == '/' && unix_allowed_fd(s, path_a) >= 0) {
		int fd = unix_allowed_fd(s, path_a);

		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			e = ECONNREFUSED;
			goto out;
		}
		target = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (target < 0) {
			e = errno;
			goto out;
		}
		goto connect_target;
	}

	/* connect to a pathname socket: which inode, and may it be reached? */
	{
		int base = AT_FDCWD;

		if (path_a[0] != '/') {
			base = sup_open_base(s, (pid_t)req->pid, 0, false);
			if (base < 0) {
				e = base == -EPERM || base == -EACCES ? EACCES : EIO;
				goto out;
			}
		}
		r = res_setup(s, req, base, path_a, 0, false, &res_a);
		target = r < 0 ? r : res_open(&res_a, 0);
		res_done(&res_a);
		safe_close(base);
		if (target < 0) {
			e = -target;
			goto out;
		}
	}
	if (fstat(target, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		e = ECONNREFUSED; /* unix_find_bsd(): not a socket */
		goto out;
	}
	if (canonical(s, target, name_a, sizeof(name_a)) < 0) {
		e = ECONNREFUSED;
		goto out;
	}
	if (((s->features & SECCOMP_FEATURE_OPEN) && denyset_match(&s->deny, name_a) >= 0) ||
	    (in_socket_dirs(s, name_a) && !bound_here(s, &st))) {
		e = ECONNREFUSED;
		rec = true;
		goto out;
	}
	/*
	 * allow_unix_sockets: nothing from outside but the listed sockets (a
	 * name that resolves to a listed one reaches the host's file); the
	 * sandbox's own sockets stay reachable.
	 */
	if (s->unix_allowlist && !bound_here(s, &st)) {
		int fd = unix_allowed_fd(s, name_a);

		if (fd < 0) {
			e = ECONNREFUSED;
			rec = true;
			goto out;
		}
		safe_close(target);
		target = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (target < 0) {
			e = errno;
			goto out;
		}
	}
connect_target:
	memset(&via, 0, sizeof(via));
	via.un.sun_family = AF_UNIX;
	memcpy(via.un.sun_path, "/proc/self/fd/", 14);
	sup_put_uint(via.un.sun_path + 14, (unsigned long long)target);
	if (connect_may_block(sock)) {
		r = spawn_helper(s, req, HELPER_CONNECT, target, sock, 0, false, &via.sa,
				 (socklen_t)sizeof(via.un));
		if (r == 0)
			goto answered;
		e = -r;
		goto out;
	}
	r = connect(sock, &via.sa, (socklen_t)sizeof(via.un));
	e = r < 0 ? errno : 0;
out:
	r = answer(s, req->id, e, 0);
	if (rec)
		record(s, req, SANDBOX_FILE_CONNECT, e, name_a, 0);
	safe_close(sock);
	safe_close(target);
	return r;
answered:
	safe_close(sock);
	safe_close(target);
	return 0;
}

/* ------------------------------------------------------------ set-up, dispatch */

/*
 * The canonical form of an absolute entry: its longest leading run of
 * components without wildcards, resolved as far as it exists (symbolic
 * links and all, as the command would see it), then the rest as written.
 * 0 (out filled, possibly equal to entry) or -errno.
 */
static int canonical_entry(struct supervisor *s, const char *entry, char *out)
{
	size_t len = strlen(entry), lit = 0, i, cut;
	int fd = -1, r;

	if (len >= SUP_PATH)
		return -ENAMETOOLONG;
	/* The literal prefix: whole components before the first wildcard. */
	for (i = 0; i < len; i++) {
		if (entry[i] == '*' || entry[i] == '?' || entry[i] == '[' || entry[i] == '\\')
			break;
		if (entry[i] == '/')
			lit = i;
	}
	if (i == len)
		lit = len;
	/* The deepest existing directory (or file) of that prefix. */
	for (cut = lit; cut > 0;) {
		memcpy(link_buf, entry, cut);
		link_buf[cut] = '\0';
		fd = openat2_fd(AT_FDCWD, link_buf, O_PATH | O_CLOEXEC, 0, RESOLVE_NO_MAGICLINKS);
		if (fd >= 0)
			break;
		while (cut > 0 && entry[--cut] != '/')
			;
	}
	if (fd < 0) {
		memcpy(out, entry, len + 1);
		return 0;
	}
	r = canonical(s, fd, out, SUP_PATH);
	close(fd);
	if (r < 0)
		return r;
	i = strlen(out);
	if (i == 1 && out[0] == '/' && entry[cut] == '/')
		i = 0;
	if (i + (len - cut) + 1 > SUP_PATH)
		return -ENAMETOOLONG;
	memcpy(out + i, entry + cut, len - cut + 1);
	return 0;
}

static void deny_add(struct supervisor *s, const char *root, const char *entry)
{
	static char joined[SUP_PATH];
	const char *e = entry;

	if (entry[0] != '/') {
		size_t rl = strlen(root), el = strlen(entry);

		while (rl > 1 && root[rl - 1] == '/')
			rl--;
		if (rl + 1 + el + 1 > sizeof(joined)) {
			s->flags |= SANDBOX_DENIALS_OVERFLOW;
			return;
		}
		memcpy(joined, root, rl);
		joined[rl == 1 ? 0 : rl] = '/';
		memcpy(joined + (rl == 1 ? 1 : rl + 1), entry, el + 1);
		e = joined;
	}
	/* As written, and as it resolves (a symlinked /home, a root reached through a link). */
	if (denyset_add(&s->deny, NULL, e) < 0)
		s->flags |= SANDBOX_DENIALS_OVERFLOW;
	if (canonical_entry(s, e, name_b) == 0 && strcmp(name_b, e) != 0 &&
	    denyset_add(&s->deny, NULL, name_b) < 0)
		s->flags |= SANDBOX_DENIALS_OVERFLOW;
}

void supervisor_trust_exec(struct supervisor *s, pid_t pid, const char *path, const char *cwd)
{
	s->trusted = path && cwd ? pid : 0;
	s->trusted_path = path;
	s->trusted_cwd = cwd;
}

void sup_broker_init(struct supervisor *s, const struct supervisor_rules *rules)
{
	char v[8];

	denyset_init(&s->deny);
	s->protected_symlinks = true;
	if (s->proc >= 0) {
		int fd = openat(s->proc, "sys/fs/protected_symlinks", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			s->protected_symlinks = read(fd, v, 1) != 1 || v[0] != '0';
			close(fd);
		}
	}
	if (!rules)
		return;
	for (size_t i = 0; i < rules->n_deny + rules->n_deny_globs; i++) {
		const char *e =
			i < rules->n_deny ? rules->deny[i] : rules->deny_globs[i - rules->n_deny];

		if (!e || !e[0])
			continue;
		if (e[0] == '/') {
			deny_add(s, NULL, e);
			continue;
		}
		for (size_t k = 0; k < rules->n_roots; k++)
			if (rules->roots[k] && rules->roots[k][0] == '/')
				deny_add(s, rules->roots[k], e);
	}
	s->unix_allowlist = rules->unix_allowlist;
	for (size_t i = 0; i < rules->n_unix_allow && s->n_unix_allow < SUPERVISOR_MAX_UNIX_ALLOW;
	     i++) {
		const char *e = rules->unix_allow[i];

		if (!e || e[0] != '/' || strlen(e) >= SUPERVISOR_UNIX_NAME)
			continue;
		memcpy(s->unix_names[s->n_unix_allow], e, strlen(e) + 1);
		s->unix_fds[s->n_unix_allow++] = rules->unix_allow_fds ? rules->unix_allow_fds[i] : -1;
	}
	for (size_t i = 0;
	     i < rules->n_socket_dirs && s->n_socket_dirs < SUPERVISOR_MAX_SOCKET_DIRS; i++) {
		const char *d = rules->socket_dirs[i];

		if (!d || d[0] != '/' || strlen(d) >= sizeof(s->socket_dirs[0]))
			continue;
		memcpy(s->socket_dirs[s->n_socket_dirs++], d, strlen(d) + 1);
		/* And as it resolves, when that differs. */
		if (canonical_entry(s, d, name_b) == 0 && strcmp(name_b, d) != 0 &&
		    strlen(name_b) < sizeof(s->socket_dirs[0]) &&
		    s->n_socket_dirs < SUPERVISOR_MAX_SOCKET_DIRS)
			memcpy(s->socket_dirs[s->n_socket_dirs++], name_b, strlen(name_b) + 1);
	}
}

int sup_broker_handle(struct supervisor *s, const struct seccomp_notif *req,
		      const struct seccomp_fs_call *fc)
{
	int r;

	if (s->proc < 0) {
		/* Nothing can be resolved: refuse rather than CONTINUE. */
		s->flags |= SANDBOX_DENIALS_UNCHECKED;
		r = answer(s, req->id, EACCES, 0);
	} else
		switch (fc->op) {
		case SANDBOX_FILE_OPEN:
			r = broker_open(s, req, fc);
			break;
		case SANDBOX_FILE_EXEC:
			r = broker_exec(s, req, fc);
			break;
		case SANDBOX_FILE_RENAME:
		case SANDBOX_FILE_LINK:
			r = broker_move(s, req, fc);
			break;
		case SANDBOX_FILE_CONNECT:
		case SANDBOX_FILE_BIND:
			r = broker_sock(s, req, fc);
			break;
		default:
			r = answer(s, req->id, ENOSYS, 0);
			break;
		}
	/* A failed answer on a live listener: the caller is gone, or the listener broke. */
	return r == -EBADF || r == -EINVAL || r == -EFAULT ? r : 0;
}
