/* SPDX-License-Identifier: MIT */
/*
 * daemon/supervisor.c against the real kernel: a forked target installs a
 * notify or notify+fs program (daemon/seccomp.c) with a listener, hands it
 * to its parent over SCM_RIGHTS as the sandbox's command does, and makes
 * real calls; the parent runs the supervisor on the listener and the
 * test checks both sides: what the target's calls returned (a CONTINUEd
 * call must behave exactly as without supervision) and what was recorded.
 *
 * Each case runs in a forked harness that is never root: as root it
 * makes a private mount namespace with a read-only tmpfs (for EROFS) and
 * drops to nobody; as another user it tries a user namespace for the same
 * (without one the read-only cases are skipped).  Failures travel back as
 * text lines on a pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/seccomp.h"
#include "daemon/supervisor.h"

#define NOBODY 65534

static struct seccomp_programs progs;
static bool have_notify;
static int report_fd = -1;
static char dir[64]; /* the case's directory: ok/ (writable), locked/ (0555), ro/ (read-only) */
static bool have_ro;

/* ------------------------------------------------------------ plumbing */

static void report(int line, const char *fmt, ...) _printf_(2, 3);
static void report(int line, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "line %d: ", line);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(report_fd, buf, (size_t)n);
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			report(__LINE__, __VA_ARGS__);                                             \
	} while (0)

/* A call in the target: want 0 means success, else that errno. */
#define EXPECT(call, want)                                                                         \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _r = (long)(call);                                                            \
		int _e = errno;                                                                    \
		if ((want) == 0)                                                                   \
			CHECK(_r >= 0, "%s: expected success, got %s", #call, strerror(_e));       \
		else                                                                               \
			CHECK(_r == -1 && _e == (want), "%s: expected %s, got %ld (%s)", #call,    \
			      strerrorname_np(want), _r, _r < 0 ? strerror(_e) : "success");       \
		if (_r >= 0 && (want) == 0 && strstr(#call, "open"))                               \
			close((int)_r);                                                            \
	} while (0)

static int send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	int32_t status = 0;
	struct iovec iov = {.iov_base = &status, .iov_len = sizeof(status)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == sizeof(status) ? 0 : -1;
}

static int recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	int32_t status;
	struct iovec iov = {.iov_base = &status, .iov_len = sizeof(status)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != sizeof(status))
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * Fork a target that installs prog with a listener, then runs fn; answer
 * its notifications with sup until it exits.  Returns its wait status.
 */
static int supervise(const struct sock_fprog *prog, bool files, void (*fn)(void),
		     struct supervisor *sup)
{
	int sv[2], lfd, pidfd, st = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		/* The real command is dumpable after its execve(); this one was not exec'd. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || chdir(dir) < 0)
			_exit(90);
		if (seccomp_install(prog, true, &lfd) < 0 || send_fd(sv[1], lfd) < 0)
			_exit(91);
		close(lfd); /* the command never keeps its listener */
		close(sv[1]);
		fn();
		_exit(0);
	}
	close(sv[1]);
	lfd = pid > 0 ? recv_fd(sv[0]) : -1;
	close(sv[0]);
	if (lfd < 0) {
		if (pid > 0)
			waitpid(pid, &st, 0);
		report(__LINE__, "no listener from the target (status %#x)", st);
		return -1;
	}
	supervisor_init(sup, lfd, files, -1);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p[2] = {{.fd = lfd, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};

		if (poll(p, 2, 10000) <= 0) {
			report(__LINE__, "the target hangs");
			kill(pid, SIGKILL);
			break;
		}
		if (p[0].revents & POLLIN) {
			CHECK(supervisor_handle(sup) == 0, "supervisor_handle failed");
			continue;
		}
		if (p[1].revents & POLLIN)
			break;
		if (p[0].revents & (POLLHUP | POLLERR))
			break;
	}
	waitpid(pid, &st, 0);
	close(pidfd);
	close(lfd);
	if (sup->proc >= 0)
		close(sup->proc);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target status %#x", st);
	return st;
}

static const struct sandbox_denial *find_file(const struct supervisor *s, int op, const char *rel)
{
	char want[256];

	snprintf(want, sizeof(want), "%s/%s", dir, rel);
	for (size_t i = 0; i < s->n_file; i++)
		if ((int)s->file[i].op == op && s->file[i].path_len == strlen(want) &&
		    memcmp(s->file[i].path, want, s->file[i].path_len) == 0)
			return &s->file[i];
	return NULL;
}

static const struct sandbox_denial *find_abs(const struct supervisor *s, int op, const char *path)
{
	for (size_t i = 0; i < s->n_file; i++)
		if ((int)s->file[i].op == op && s->file[i].path_len == strlen(path) &&
		    memcmp(s->file[i].path, path, s->file[i].path_len) == 0)
			return &s->file[i];
	return NULL;
}

static const struct sandbox_denial *find_sys(const struct supervisor *s, int nr, uint64_t arg)
{
	for (size_t i = 0; i < s->n_sys; i++)
		if (s->sys[i].nr == nr && s->sys[i].arg == arg)
			return &s->sys[i];
	return NULL;
}

#define CHECK_FILE(s, op, rel, err_, count_)                                                       \
	do {                                                                                       \
		const struct sandbox_denial *_d = find_file(s, op, rel);                           \
		CHECK(_d, "no %s denial for %s", sandbox_file_op_to_string(op), rel);              \
		if (_d)                                                                            \
			CHECK(_d->err == (err_) && _d->count == (count_),                          \
			      "%s %s: err %d count %u, want %d %u", sandbox_file_op_to_string(op), \
			      rel, _d->err, _d->count, err_, (unsigned)(count_));                  \
	} while (0)

/* ------------------------------------------------------------ the harness */

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool write_proc(const char *path, const char *text)
{
	return write_file(path, text);
}

static bool drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct c[2] = {{0}};

	return syscall(SYS_capset, &h, c) == 0;
}

/* dir/ro: a tmpfs holding "existing" (owned by uid:gid), then made read-only. */
static bool make_ro(uid_t uid, gid_t gid)
{
	char ro[96], f[128];

	snprintf(ro, sizeof(ro), "%s/ro", dir);
	snprintf(f, sizeof(f), "%s/existing", ro);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", ro, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") < 0)
		return false;
	if (!write_file(f, "x\n") || chown(f, uid, gid) < 0)
		return false;
	return mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

/* Become an unprivileged process with dir/ro read-only if possible. */
static bool harness_setup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/ro", dir);
	if (mkdir(p, 0755) < 0)
		return false;
	if (geteuid() == 0) {
		have_ro = unshare(CLONE_NEWNS) == 0 && make_ro(NOBODY, NOBODY);
		if (chown(dir, NOBODY, NOBODY) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
			return false;
	} else {
		uid_t u = geteuid();
		gid_t g = getegid();
		char map[64];

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) {
			snprintf(map, sizeof(map), "%u %u 1", (unsigned)u, (unsigned)u);
			have_ro = write_proc("/proc/self/uid_map", map) &&
				  write_proc("/proc/self/setgroups", "deny");
			snprintf(map, sizeof(map), "%u %u 1", (unsigned)g, (unsigned)g);
			have_ro = have_ro && write_proc("/proc/self/gid_map", map) && make_ro(u, g);
			if (!drop_caps())
				return false;
		}
	}
	/* ok/ writable; locked/ holds a writable file "f" but refuses new names. */
	snprintf(p, sizeof(p), "%s/ok", dir);
	if (mkdir(p, 0755) < 0)
		return false;
	snprintf(p, sizeof(p), "%s/locked", dir);
	if (mkdir(p, 0755) < 0)
		return false;
	snprintf(p, sizeof(p), "%s/locked/f", dir);
	if (!write_file(p, "f\n"))
		return false;
	snprintf(p, sizeof(p), "%s/locked", dir);
	return chmod(p, 0555) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP)
		chmod(path, 0755);
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Run body in a fresh harness; fail the test with whatever it reported. */
static void run_case(void (*body)(void))
{
	char out[8192];
	int p[2], st;
	ssize_t n, len = 0;
	pid_t pid;

	if (!have_notify)
		skip();
	strcpy(dir, "/tmp/cx-sup.XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		if (!harness_setup()) {
			report(__LINE__, "harness set-up failed: %s", strerror(errno));
			_exit(1);
		}
		body();
		_exit(0);
	}
	close(p[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(p[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	/* Directories chmod-ed back so the tree can go. */
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (len > 0)
		fail_msg("%s", out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------------------ refusals */

static void target_refusals(void)
{
	char c = 'x';

	for (int i = 0; i < 3; i++)
		EXPECT(ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL), EPERM);
	EXPECT(socket(AF_INET, SOCK_STREAM, 0), EPERM);
	EXPECT(socket(AF_NETLINK, SOCK_RAW, 0), EPERM);
	EXPECT(socket(AF_UNIX, SOCK_STREAM, 0), 0);
	EXPECT(ioctl(0, TIOCSTI, &c), EPERM);
	EXPECT(unshare(CLONE_NEWUSER), EPERM);
	EXPECT(syscall(SYS_clone3, NULL, 0), ENOSYS); /* answered by the filter itself */
	/* Not a file-supervising program: a write open is not even notified. */
	EXPECT(open("locked/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
}

static void body_refusals(void)
{
	static struct supervisor s;

	supervise(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF, SECCOMP_VARIANT_NOTIFY),
		  false, target_refusals, &s);
	CHECK(s.flags == 0, "flags %#x", s.flags);
	CHECK(s.n_file == 0, "%zu file denials without file supervision", s.n_file);
	CHECK(find_sys(&s, SYS_ptrace, 0) && find_sys(&s, SYS_ptrace, 0)->count == 3,
	      "ptrace x3 not recorded as one entry");
	CHECK(find_sys(&s, SYS_socket, AF_INET), "socket(AF_INET) not recorded");
	CHECK(find_sys(&s, SYS_socket, AF_NETLINK), "socket(AF_NETLINK) not recorded");
	CHECK(!find_sys(&s, SYS_socket, AF_UNIX), "socket(AF_UNIX) recorded");
	CHECK(find_sys(&s, SYS_ioctl, TIOCSTI), "ioctl(TIOCSTI) not recorded");
	CHECK(find_sys(&s, SYS_unshare, 0), "unshare not recorded");
	CHECK(!find_sys(&s, SYS_clone3, 0), "clone3 reached the supervisor");
	CHECK(s.n_sys == 5, "%zu entries, want 5", s.n_sys);
	CHECK(s.n_sys > 0 && s.sys[0].pid > 0 && s.sys[0].arch != 0, "pid/arch not recorded");
}

static void test_refusals(void **state)
{
	(void)state;
	run_case(body_refusals);
}

static void target_loop(void)
{
	int bad = 0;

	for (int i = 0; i < 10000; i++)
		if (ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL) != -1 || errno != EPERM)
			bad++;
	CHECK(bad == 0, "%d of 10000 refused calls not EPERM", bad);
}

static void body_loop(void)
{
	static struct supervisor s;

	supervise(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_FULL, SECCOMP_VARIANT_NOTIFY),
		  false, target_loop, &s);
	CHECK(s.n_sys == 1 && s.sys[0].count == 10000, "10000 refusals: %zu entries, count %u",
	      s.n_sys, s.n_sys ? s.sys[0].count : 0);
}

static void test_refusal_loop(void **state)
{
	(void)state;
	run_case(body_loop);
}

static void target_many(void)
{
	/* 70 distinct refused families: more than the table holds. */
	for (int f = 2; f < 72; f++)
		EXPECT(socket(f, SOCK_DGRAM, 0), EPERM);
}

static void body_overflow(void)
{
	static struct supervisor s;

	supervise(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF, SECCOMP_VARIANT_NOTIFY),
		  false, target_many, &s);
	CHECK(s.n_sys == SUPERVISOR_MAX_SYSCALL, "%zu entries", s.n_sys);
	CHECK(s.flags & SANDBOX_DENIALS_OVERFLOW, "no overflow flag");
}

static void test_overflow(void **state)
{
	(void)state;
	run_case(body_overflow);
}

/* ------------------------------------------------------------ file calls */

static void target_files(void)
{
	struct open_how how = {.flags = O_WRONLY | O_CREAT | O_CLOEXEC, .mode = 0644};
	struct open_how rd = {.flags = O_RDONLY | O_CLOEXEC};
	const struct timespec now_omit[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_OMIT}};
	struct stat st;
	int ld;

	if (have_ro) {
		EXPECT(open("ro/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EROFS);
		EXPECT(open("ro/existing", O_WRONLY | O_CLOEXEC), EROFS);
		EXPECT(open("ro/existing", O_RDONLY | O_CLOEXEC), 0);
		EXPECT(mkdir("ro/d", 0755), EROFS);
		EXPECT(unlink("ro/existing"), EROFS);
		EXPECT(unlink("ro/nonexistent"), EROFS); /* the mount before the lookup */
		EXPECT(utimensat(AT_FDCWD, "ro/existing", NULL, 0), EROFS);
		EXPECT(chmod("ro/existing", 0600), EROFS);
		EXPECT(truncate("ro/existing", 0), EROFS);
		EXPECT(setxattr("ro/existing", "user.cx", "v", 1, 0), EROFS);
		EXPECT(setxattr("ro/existing", "user.cx", "v", 1, 8),
		       EINVAL); /* before the mount */
	}
	for (int i = 0; i < 3; i++)
		EXPECT(open("locked/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
	EXPECT(open("locked/f", O_WRONLY | O_CLOEXEC), 0); /* the file itself is writable */
	EXPECT(open("locked/f", O_RDONLY | O_CLOEXEC), 0);
	EXPECT(open("locked/f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), EEXIST);
	EXPECT(open("locked/missing", O_WRONLY | O_CLOEXEC), ENOENT);
	EXPECT(open("ok/new", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), 0);
	CHECK(stat("ok/new", &st) == 0, "ok/new was not created");
	EXPECT(mkdir("locked/d", 0755), EACCES);
	EXPECT(mkdir("ok/d", 0755), 0);
	EXPECT(mkdir("ok/d", 0755), EEXIST);
	EXPECT(unlink("locked/f"), EACCES);
	EXPECT(rename("locked/f", "ok/g"), EACCES);
	EXPECT(rename("ok/new", "ok/renamed"), 0);
	EXPECT(unlink("ok/renamed"), 0);
	EXPECT(rmdir("ok/d"), 0);
	EXPECT(link("locked/f", "locked/hard"), EACCES);
	EXPECT(truncate("locked/f", 0), 0);
	EXPECT(chmod("/etc/passwd", 0644), EPERM);
	EXPECT(chown("/etc/passwd", getuid(), (gid_t)-1), EPERM);
	EXPECT(utimensat(AT_FDCWD, "/etc/passwd", NULL, 0), EACCES);
	EXPECT(utimensat(AT_FDCWD, "locked/f", NULL, 0), 0);
	EXPECT(utimensat(AT_FDCWD, "/etc/group", now_omit, 0), EPERM); /* explicit: owner only */
	EXPECT(utimensat(AT_FDCWD, "locked/f", now_omit, 0), 0);
	/* Relative to a directory descriptor: resolved through /proc/PID/fd/N. */
	ld = open("locked", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	EXPECT(symlinkat("target", ld, "l"), EACCES);
	EXPECT(mknodat(ld, "fifo", S_IFIFO | 0644, 0), EACCES);
	EXPECT(syscall(SYS_openat2, ld, "n2", &how, sizeof(how)), EACCES);
	EXPECT(syscall(SYS_openat2, ld, "f", &rd, sizeof(rd)), 0);
	close(ld);
	/* Left to the kernel: /proc (its "self" is not ours), devices, the refusals. */
	EXPECT(open("/dev/null", O_WRONLY | O_CLOEXEC), 0);
	EXPECT(open("/proc/self/attr/current", O_RDONLY | O_CLOEXEC), 0);
	EXPECT(ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL), EPERM);
	EXPECT(mknod("ok/dev", S_IFCHR | 0600, makedev(1, 3)), EPERM);
}

static void body_files(void)
{
	static struct supervisor s;

	supervise(
		seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF, SECCOMP_VARIANT_NOTIFY_FS),
		true, target_files, &s);
	CHECK(s.flags == 0, "flags %#x", s.flags);
	if (have_ro) {
		CHECK_FILE(&s, SANDBOX_FILE_OPEN, "ro/new", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_OPEN, "ro/existing", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_MKDIR, "ro/d", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_UNLINK, "ro/existing", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_UNLINK, "ro/nonexistent", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_UTIMES, "ro/existing", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_CHMOD, "ro/existing", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_TRUNCATE, "ro/existing", EROFS, 1);
		CHECK_FILE(&s, SANDBOX_FILE_SETXATTR, "ro/existing", EROFS, 1);
	}
	CHECK_FILE(&s, SANDBOX_FILE_OPEN, "locked/new", EACCES, 3);
	CHECK_FILE(&s, SANDBOX_FILE_MKDIR, "locked/d", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_UNLINK, "locked/f", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_RENAME, "locked/f", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_LINK, "locked/hard", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_SYMLINK, "locked/l", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_MKNOD, "locked/fifo", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_OPEN, "locked/n2", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_MKNOD, "ok/dev", EPERM, 1);
	CHECK(find_abs(&s, SANDBOX_FILE_CHMOD, "/etc/passwd"), "no chmod /etc/passwd");
	CHECK(find_abs(&s, SANDBOX_FILE_CHOWN, "/etc/passwd"), "no chown /etc/passwd");
	CHECK(find_abs(&s, SANDBOX_FILE_UTIMES, "/etc/passwd") &&
		      find_abs(&s, SANDBOX_FILE_UTIMES, "/etc/passwd")->err == EACCES,
	      "no utimes /etc/passwd EACCES");
	CHECK(find_abs(&s, SANDBOX_FILE_UTIMES, "/etc/group") &&
		      find_abs(&s, SANDBOX_FILE_UTIMES, "/etc/group")->err == EPERM,
	      "no utimes /etc/group EPERM");
	CHECK(!find_file(&s, SANDBOX_FILE_OPEN, "locked/f"), "an allowed open was recorded");
	CHECK(!find_file(&s, SANDBOX_FILE_OPEN, "ok/new"), "an allowed open was recorded");
	CHECK(find_sys(&s, SYS_ptrace, 0), "ptrace not recorded under the fs variant");
	CHECK(s.n_file == (have_ro ? 22u : 13u), "%zu file denials", s.n_file);
}

static void test_files(void **state)
{
	(void)state;
	run_case(body_files);
}

static void target_nondumpable(void)
{
	/* Closed to the supervisor: the kernel still refuses, unrecorded. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		report(__LINE__, "PR_SET_DUMPABLE: %s", strerror(errno));
	EXPECT(open("locked/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
	EXPECT(open("ok/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), 0);
	EXPECT(ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL), EPERM);
}

static void body_nondumpable(void)
{
	static struct supervisor s;

	supervise(
		seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF, SECCOMP_VARIANT_NOTIFY_FS),
		true, target_nondumpable, &s);
	CHECK(s.flags == SANDBOX_DENIALS_UNCHECKED, "flags %#x", s.flags);
	CHECK(s.n_file == 0, "%zu file denials", s.n_file);
	CHECK(s.n_sys == 1, "ptrace not recorded");
}

static void test_nondumpable(void **state)
{
	(void)state;
	run_case(body_nondumpable);
}

/* ------------------------------------------------------------ programs */

static void test_variants(void **state)
{
	(void)state;
	if (!have_notify)
		skip();
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++) {
		const struct sock_fprog *n =
			seccomp_program_variant(&progs, p, SECCOMP_VARIANT_NOTIFY);
		const struct sock_fprog *f =
			seccomp_program_variant(&progs, p, SECCOMP_VARIANT_NOTIFY_FS);

		assert_non_null(seccomp_program_variant(&progs, p, SECCOMP_VARIANT_PLAIN));
		assert_non_null(n);
		assert_non_null(f);
		assert_ptr_equal(seccomp_program(&progs, p, true), n);
		assert_true(f->len > n->len);
	}
	assert_null(seccomp_program_variant(&progs, 0, _SECCOMP_VARIANT_MAX));
	assert_null(seccomp_program_variant(&progs, 0, (enum seccomp_variant) - 1));
	assert_null(seccomp_program_variant(NULL, 0, SECCOMP_VARIANT_NOTIFY));
}

static int group_setup(void **state)
{
	char err[200];

	(void)state;
	if (seccomp_programs_build(&progs, err, sizeof(err)) < 0) {
		print_error("seccomp_programs_build: %s\n", err);
		return -1;
	}
	have_notify = seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF,
					      SECCOMP_VARIANT_NOTIFY_FS) != NULL;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	seccomp_programs_free(&progs);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),     cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusal_loop), cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_files),	     cmocka_unit_test(test_nondumpable),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
