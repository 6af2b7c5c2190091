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
#include <sys/un.h>
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
static int supervise_rules(const struct sock_fprog *prog, unsigned features,
			   const struct supervisor_rules *rules, void (*fn)(void),
			   struct supervisor *sup);

static int supervise(const struct sock_fprog *prog, bool files, void (*fn)(void),
		     struct supervisor *sup)
{
	return supervise_rules(prog, files ? SECCOMP_FEATURE_FS : 0u, NULL, fn, sup);
}

static int supervise_rules(const struct sock_fprog *prog, unsigned features,
			   const struct supervisor_rules *rules, void (*fn)(void),
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
	supervisor_init(sup, lfd, features, rules, -1);
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

/* ------------------------------------------------------------ deny_read (OPEN) */

static char *path_in(const char *rel, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, rel);
	return buf;
}

/* What a read returned: its first bytes, NUL-terminated ("" on error). */
static const char *read_fd(int fd)
{
	static char b[64];
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;

	b[n > 0 ? n : 0] = '\0';
	return b;
}

static void target_open(void)
{
	struct open_how beneath = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	struct open_how big[2] = {{.flags = O_RDONLY | O_CLOEXEC}};
	char abs[128], buf[64];
	struct stat st;
	int fd, d, p[2];

	/* Denied: the file, its link, below the directory, a new name there. */
	EXPECT(open("ok/secret", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(open("ok/link-to-secret", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(open("ok/../ok/secret", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(open("ok/secret", O_PATH | O_CLOEXEC), EACCES);
	EXPECT(open("ok/hidden/f", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(open("ok/hidden/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
	EXPECT(open("ok/x.env", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(open("ok/new.env", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
	CHECK(stat("ok/new.env", &st) < 0, "a denied name was created");
	EXPECT(rename("ok/secret", "ok/moved"), EACCES);
	EXPECT(rename("ok/hidden", "ok/moved"), EACCES);
	EXPECT(link("ok/secret", "ok/hard"), EACCES);
	EXPECT(syscall(SYS_linkat, AT_FDCWD, "ok/link-to-secret", AT_FDCWD, "ok/hard",
		       AT_SYMLINK_FOLLOW),
	       EACCES);
	EXPECT(execve("ok/secret", (char *[]){(char *)"x", NULL}, (char *[]){NULL}), EACCES);
	/* Allowed, and behaving as without the supervisor. */
	fd = open("ok/public", O_RDONLY | O_CLOEXEC);
	CHECK(strcmp(read_fd(fd), "public\n") == 0, "ok/public: '%s'", read_fd(-1));
	CHECK(fd < 0 || (fcntl(fd, F_GETFD) & FD_CLOEXEC), "O_CLOEXEC lost");
	close(fd);
	fd = open("ok/public", O_RDONLY);
	CHECK(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC), "O_CLOEXEC without asking");
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	d = open(buf, O_RDONLY | O_CLOEXEC);
	CHECK(strcmp(read_fd(d), "public\n") == 0, "through /proc/self/fd: '%s'", read_fd(-1));
	safe_close(d);
	snprintf(buf, sizeof(buf), "/dev/fd/%d", fd);
	EXPECT(open(buf, O_RDONLY | O_CLOEXEC), 0);
	close(fd);
	EXPECT(open("/proc/self/status", O_RDONLY | O_CLOEXEC), 0);
	EXPECT(open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC), 0);
	EXPECT(open("ok/public", O_RDONLY | O_NOFOLLOW | O_CLOEXEC), 0);
	EXPECT(open("ok/link-to-public", O_RDONLY | O_NOFOLLOW | O_CLOEXEC), ELOOP);
	EXPECT(open("ok/link-to-public", O_PATH | O_NOFOLLOW | O_CLOEXEC), 0);
	EXPECT(open("ok/public", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ENOTDIR);
	EXPECT(open("ok", O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
	EXPECT(open("ok", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EISDIR);
	EXPECT(open("ok/public", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), EEXIST);
	EXPECT(open("ok/missing/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), ENOENT);
	EXPECT(open("", O_RDONLY | O_CLOEXEC), ENOENT);
	EXPECT(open("ok/public", O_RDONLY | O_CREAT | O_DIRECTORY | O_CLOEXEC, 0644), EINVAL);
	EXPECT(syscall(SYS_openat2, AT_FDCWD, "ok/public", &big, sizeof(big)), 0);
	big[1].flags = 1;
	EXPECT(syscall(SYS_openat2, AT_FDCWD, "ok/public", &big, sizeof(big)), E2BIG);
	EXPECT(syscall(SYS_openat2, AT_FDCWD, "ok/public", &big, 8), EINVAL);
	/* Creation: the caller's mode and umask, and its flags. */
	umask(027);
	fd = open("ok/created", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640,
	      "created with mode %o", fd >= 0 ? st.st_mode & 0777 : 0);
	CHECK(fd >= 0 && write(fd, "w", 1) == 1, "write to the created file");
	safe_close(fd);
	umask(022);
	EXPECT(symlink("dangling-target", "ok/dangling"), 0);
	fd = open("ok/dangling", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && stat("ok/dangling-target", &st) == 0,
	      "O_CREAT through a dangling link: %s", strerror(errno));
	safe_close(fd);
	fd = open("ok", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "O_TMPFILE: %s", strerror(errno));
	safe_close(fd);
	/* Relative to a directory descriptor, RESOLVE_BENEATH kept. */
	d = open("ok", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	EXPECT(openat(d, "public", O_RDONLY | O_CLOEXEC), 0);
	EXPECT(openat(d, "secret", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT(syscall(SYS_openat2, d, "public", &beneath, sizeof(beneath)), 0);
	EXPECT(syscall(SYS_openat2, d, "../ok/public", &beneath, sizeof(beneath)), EXDEV);
	EXPECT(openat(-5, "public", O_RDONLY | O_CLOEXEC), EBADF);
	close(d);
	/* Absolute paths, symlinks and ".." resolve to the canonical name. */
	path_in("ok/secret", abs, sizeof(abs));
	EXPECT(open(abs, O_RDONLY | O_CLOEXEC), EACCES);
	/* The supervisor's own /proc entries: only what anybody may read. */
	snprintf(buf, sizeof(buf), "/proc/%d/environ", (int)getppid());
	EXPECT(open(buf, O_RDONLY | O_CLOEXEC), EACCES);
	snprintf(buf, sizeof(buf), "/proc/%d/mem", (int)getppid());
	EXPECT(open(buf, O_RDONLY | O_CLOEXEC), EACCES);
	snprintf(buf, sizeof(buf), "/proc/%d/fd/0", (int)getppid());
	EXPECT(open(buf, O_RDONLY | O_CLOEXEC), ELOOP);
	snprintf(buf, sizeof(buf), "/proc/%d/status", (int)getppid());
	EXPECT(open(buf, O_RDONLY | O_CLOEXEC), 0);
	/* Renames and links that carry nothing denied. */
	EXPECT(rename("ok/created", "ok/renamed"), 0);
	EXPECT(link("ok/renamed", "ok/hard2"), 0);
	EXPECT(unlink("ok/hard2"), 0);
	EXPECT(rename("ok/missing", "ok/x"), ENOENT);
	/* A FIFO: the reader waits for the writer (in a helper), as without supervision. */
	EXPECT(mkfifo("ok/fifo", 0644), 0);
	if (pipe2(p, O_CLOEXEC) == 0) {
		pid_t w = fork();

		if (w == 0) {
			char c;

			(void)!read(p[0], &c, 1); /* after the reader has started */
			usleep(100000);
			fd = open("ok/fifo", O_WRONLY | O_CLOEXEC);
			(void)!write(fd, "fifo\n", 5);
			_exit(0);
		}
		(void)!write(p[1], "g", 1);
		fd = open("ok/fifo", O_RDONLY | O_CLOEXEC);
		CHECK(strcmp(read_fd(fd), "fifo\n") == 0, "FIFO read: '%s' (%s)", read_fd(-1),
		      strerror(errno));
		safe_close(fd);
		waitpid(w, NULL, 0);
		close(p[0]);
		close(p[1]);
	}
	EXPECT(open("ok/fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC), ENXIO); /* no reader */
	EXPECT(open("ok/fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC), 0);
}

static void body_open(void)
{
	static struct supervisor s;
	static const char *deny[2], *globs[1], *roots[1];
	static char secret[96], hidden[96], root[96];
	struct supervisor_rules r = {.features = SECCOMP_FEATURE_OPEN,
				     .deny = deny,
				     .n_deny = 2,
				     .deny_globs = globs,
				     .n_deny_globs = 1,
				     .roots = roots,
				     .n_roots = 1};
	char p[128];
	int fd;

	path_in("ok/secret", secret, sizeof(secret));
	path_in("ok/hidden", hidden, sizeof(hidden));
	path_in("", root, sizeof(root));
	deny[0] = secret;
	deny[1] = hidden;
	globs[0] = "**/*.env";
	roots[0] = root;
	fd = open(path_in("ok/secret", p, sizeof(p)), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, "secret\n", 7) == 7, "ok/secret");
	safe_close(fd);
	fd = open(path_in("ok/public", p, sizeof(p)), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, "public\n", 7) == 7, "ok/public");
	safe_close(fd);
	fd = open(path_in("ok/x.env", p, sizeof(p)), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	safe_close(fd);
	CHECK(mkdir(path_in("ok/hidden", p, sizeof(p)), 0755) == 0, "ok/hidden");
	fd = open(path_in("ok/hidden/f", p, sizeof(p)), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	safe_close(fd);
	CHECK(symlink("secret", path_in("ok/link-to-secret", p, sizeof(p))) == 0, "link");
	CHECK(symlink("public", path_in("ok/link-to-public", p, sizeof(p))) == 0, "link");

	supervise_rules(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF,
						seccomp_variant_notify(SECCOMP_FEATURE_OPEN)),
			SECCOMP_FEATURE_OPEN, &r, target_open, &s);
	CHECK(s.flags == 0, "flags %#x", s.flags);
	CHECK_FILE(&s, SANDBOX_FILE_OPEN, "ok/secret", EACCES, 6);
	CHECK_FILE(&s, SANDBOX_FILE_OPEN, "ok/hidden/new", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_OPEN, "ok/new.env", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_RENAME, "ok/hidden", EACCES, 1);
	CHECK_FILE(&s, SANDBOX_FILE_EXEC, "ok/secret", EACCES, 1);
	CHECK(find_file(&s, SANDBOX_FILE_OPEN, "ok/secret") &&
		      (find_file(&s, SANDBOX_FILE_OPEN, "ok/secret")->flags & SANDBOX_DENIAL_READ),
	      "a deny_read refusal without its flag");
	CHECK(!find_file(&s, SANDBOX_FILE_OPEN, "ok/public"), "an allowed open was recorded");
}

static void test_open(void **state)
{
	(void)state;
	run_case(body_open);
}

static void target_open_nondumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		report(__LINE__, "PR_SET_DUMPABLE: %s", strerror(errno));
	/* Nothing can be checked: refused, never CONTINUEd. */
	EXPECT(open("ok/public", O_RDONLY | O_CLOEXEC), EACCES);
}

static void body_open_nondumpable(void)
{
	static struct supervisor s;
	static const char *deny[1] = {"/nonexistent-cx"};
	struct supervisor_rules r = {.features = SECCOMP_FEATURE_OPEN, .deny = deny, .n_deny = 1};

	supervise_rules(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF,
						seccomp_variant_notify(SECCOMP_FEATURE_OPEN)),
			SECCOMP_FEATURE_OPEN, &r, target_open_nondumpable, &s);
	CHECK(s.flags == SANDBOX_DENIALS_UNCHECKED, "flags %#x", s.flags);
}

static void test_open_nondumpable(void **state)
{
	(void)state;
	run_case(body_open_nondumpable);
}

/* ------------------------------------------------------------ Unix sockets (UNIX) */

static int unix_sock(const char *path, bool bind_it)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	if (bind_it ? bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0
		    : connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int outside_sock = -1; /* bound by the harness: "the host's" */

static void target_unix(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t l = sizeof(a);
	char host[128], mine[128];
	int s, c;

	path_in("ok/host.sock", host, sizeof(host));
	path_in("ok/mine.sock", mine, sizeof(mine));
	/* Created outside: refused, like a mask would. */
	errno = 0;
	CHECK(unix_sock(host, false) < 0 && errno == ECONNREFUSED, "connect to %s: %s", host,
	      strerror(errno));
	/* Bound here: reachable, with its name as asked (relative too). */
	s = unix_sock(mine, true);
	CHECK(s >= 0, "bind %s: %s", mine, strerror(errno));
	c = unix_sock(mine, false);
	CHECK(c >= 0, "connect to our own socket: %s", strerror(errno));
	safe_close(c);
	CHECK(s >= 0 && getsockname(s, (struct sockaddr *)&a, &l) == 0 &&
		      strcmp(a.sun_path, mine) == 0,
	      "getsockname: '%s'", a.sun_path);
	safe_close(s);
	s = unix_sock("ok/rel.sock", true);
	c = unix_sock("ok/rel.sock", false);
	CHECK(s >= 0 && c >= 0, "a relative name: %s", strerror(errno));
	l = sizeof(a);
	CHECK(s >= 0 && getsockname(s, (struct sockaddr *)&a, &l) == 0 &&
		      strcmp(a.sun_path, "ok/rel.sock") == 0,
	      "getsockname: '%s'", a.sun_path);
	safe_close(s);
	safe_close(c);
	/* A closed socket's file no longer counts as ours. */
	errno = 0;
	CHECK(unix_sock(mine, false) < 0 && errno == ECONNREFUSED, "a stale socket file: %s",
	      strerror(errno));
	/* Outside the socket directories: anything goes. */
	s = unix_sock("sock-elsewhere", true);
	c = unix_sock("sock-elsewhere", false);
	CHECK(s >= 0 && c >= 0, "outside the socket directories: %s", strerror(errno));
	safe_close(s);
	safe_close(c);
	/* Not a socket, abstract names, errors as the kernel's. */
	EXPECT(connect(0, (struct sockaddr *)&a, sizeof(a)), ENOTSOCK);
	EXPECT(connect(-1, (struct sockaddr *)&a, sizeof(a)), EBADF);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT(connect(s, (struct sockaddr *)&a, 300), EINVAL);
	EXPECT(bind(s, (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX},
		    sizeof(sa_family_t)),
	       0); /* autobind */
	safe_close(s);
}

static void body_unix(void)
{
	static struct supervisor s;
	static const char *dirs[1];
	static char okdir[96];
	struct supervisor_rules r = {.features = SECCOMP_FEATURE_UNIX,
				     .socket_dirs = dirs,
				     .n_socket_dirs = 1};
	char p[128];

	path_in("ok", okdir, sizeof(okdir));
	dirs[0] = okdir;
	outside_sock = unix_sock(path_in("ok/host.sock", p, sizeof(p)), true);
	CHECK(outside_sock >= 0, "the outside socket: %s", strerror(errno));
	supervise_rules(seccomp_program_variant(&progs, SECCOMP_PROFILE_NET_OFF,
						seccomp_variant_notify(SECCOMP_FEATURE_UNIX)),
			SECCOMP_FEATURE_UNIX, &r, target_unix, &s);
	CHECK(find_file(&s, SANDBOX_FILE_CONNECT, "ok/host.sock"), "the refused connect");
	CHECK(!find_file(&s, SANDBOX_FILE_CONNECT, "ok/rel.sock"), "an allowed connect recorded");
	safe_close(outside_sock);
}

static void test_unix(void **state)
{
	(void)state;
	run_case(body_unix);
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
		for (unsigned feat = 0; feat <= SECCOMP_FEATURES_ALL; feat++)
			assert_non_null(seccomp_program_variant(&progs, p, seccomp_variant_notify(feat)));
		assert_int_equal(seccomp_variant_notify(SECCOMP_FEATURE_FS), SECCOMP_VARIANT_NOTIFY_FS);
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
		cmocka_unit_test(test_open),	     cmocka_unit_test(test_open_nondumpable),
		cmocka_unit_test(test_unix),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
