/* SPDX-License-Identifier: MIT */
/*
 * daemon/landlock: the plan builder (pure) and landlock_apply() in forked
 * children that then try the operations.  Children set no_new_privs, so
 * the file passes as root and as an unprivileged user; a test whose
 * kernel feature is missing (ABI too old) is skipped with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/landlock.h"

extern char **environ;

static int abi; /* probed; <= 0 when Landlock is unavailable */
static char base[64]; /* /tmp/cx-landlock-XXXXXX */
static char allowed[128]; /* base/allowed: the writable root */
static char other[128]; /* base/other: writable by DAC, not by Landlock */

/* --------------------------------------------------------- child harness */

struct child_ctx {
	int report_fd;
};

_printf_(2, 3) _noreturn_ static void child_fail(struct child_ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "FAIL: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(c->report_fd, buf, (size_t)n);
	_exit(1);
}

#define CHILD_CHECK(c, cond, ...)                                                                  \
	do {                                                                                       \
		if (!(cond))                                                                       \
			child_fail((c), __VA_ARGS__);                                              \
	} while (0)

typedef void (*child_fn)(struct child_ctx *c, void *arg);

/*
 * Fork; the child sets no_new_privs (unless nnp is false), runs fn and
 * exits 0.  A "FAIL:" line on the report pipe or a non-zero exit fails.
 */
static void run_child_nnp(child_fn fn, void *arg, bool nnp)
{
	char buf[4096];
	size_t len = 0;
	int p[2], st;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_ctx c = {.report_fd = p[1]};

		close(p[0]);
		alarm(60);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail(&c, "PR_SET_NO_NEW_PRIVS: %m");
		fn(&c, arg);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (len > 0)
		fail_msg("%s", buf);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child ended with status %#x", st);
}

static void run_child(child_fn fn, void *arg)
{
	run_child_nnp(fn, arg, true);
}

static void need_abi(int min, const char *what)
{
	if (abi < 1) {
		print_message("[   SKIP   ] Landlock unavailable on this kernel (%s)\n",
			      strerror(-abi));
		skip();
	}
	if (abi < min) {
		print_message("[   SKIP   ] %s needs Landlock ABI %d, kernel has %d\n", what, min,
			      abi);
		skip();
	}
}

/* Create path with content "old", owned by whoever runs the test. */
static void make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old", 3), 3);
	close(fd);
}

/* errno of creating/writing path, 0 on success. */
static int try_write(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return errno;
	if (write(fd, "new", 3) != 3) {
		int e = errno;
		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

static void build_or_fail(struct child_ctx *c, struct landlock_plan *plan, unsigned flags)
{
	int r = landlock_plan_init(plan, abi, flags);

	CHILD_CHECK(c, r == 0, "landlock_plan_init: %s", strerror(-r));
	r = landlock_plan_add_path(plan, "/", LANDLOCK_READ, false);
	CHILD_CHECK(c, r == 0, "add /: %s", strerror(-r));
}

static void apply_or_fail(struct child_ctx *c, struct landlock_plan *plan)
{
	int r = landlock_apply(plan, false);

	CHILD_CHECK(c, r == 0, "landlock_apply: %s", strerror(-r));
}

/* --------------------------------------------------------- set-up */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	abi = landlock_probe_abi();
	snprintf(base, sizeof(base), "/tmp/cx-landlock-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(allowed, sizeof(allowed), "%s/allowed", base);
	snprintf(other, sizeof(other), "%s/other", base);
	if (mkdir(allowed, 0755) < 0 || mkdir(other, 0755) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (base[0])
		(void)nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* --------------------------------------------------------- pure tests */

static void test_probe(void **state)
{
	int errata;

	(void)state;
	if (abi < 1) {
		assert_true(abi == -EOPNOTSUPP || abi == -ENOSYS);
		print_message("[   SKIP   ] Landlock unavailable: %s\n", strerror(-abi));
		skip();
	}
	errata = landlock_probe_errata();
	assert_true(errata >= 0);
	print_message("[   NOTE   ] Landlock ABI %d, errata %#x\n", abi, (unsigned)errata);
	assert_int_equal(landlock_probe_abi(), abi);
}

static void test_plan_masks(void **state)
{
	struct landlock_plan *plan = calloc(1, sizeof(*plan));
	const uint64_t abi1 = (1ULL << 13) - 1;

	(void)state;
	assert_non_null(plan);
	assert_int_equal(landlock_fs_access_for_abi(0), 0);
	assert_int_equal(landlock_fs_access_for_abi(1), abi1);
	assert_int_equal(landlock_fs_access_for_abi(2), abi1 | CX_LANDLOCK_ACCESS_FS_REFER);
	assert_int_equal(landlock_fs_access_for_abi(3), (1ULL << 15) - 1);
	assert_int_equal(landlock_fs_access_for_abi(4), (1ULL << 15) - 1);
	assert_int_equal(landlock_fs_access_for_abi(5), (1ULL << 16) - 1);
	assert_int_equal(landlock_fs_access_for_abi(7), (1ULL << 16) - 1);

	assert_int_equal(landlock_plan_init(plan, 0, 0), -EOPNOTSUPP);
	assert_int_equal(landlock_plan_init(plan, -EOPNOTSUPP, 0), -EOPNOTSUPP);
	assert_int_equal(landlock_plan_init(plan, 7, 1U << 8), -EINVAL);
	assert_int_equal(landlock_plan_init(NULL, 7, 0), -EINVAL);

	for (int a = 1; a <= 9; a++) {
		assert_int_equal(
			landlock_plan_init(plan, a, LANDLOCK_PLAN_NET | LANDLOCK_PLAN_SCOPE_ALL),
			0);
		assert_int_equal(plan->abi, a > 7 ? 7 : a);
		assert_int_equal(plan->handled_fs, landlock_fs_access_for_abi(a));
		assert_int_equal(plan->handled_net,
				 a >= 4 ? LANDLOCK_NET_BIND | LANDLOCK_NET_CONNECT : 0);
		assert_int_equal(plan->scoped, a >= 6 ? CX_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
								CX_LANDLOCK_SCOPE_SIGNAL
						      : 0);
		landlock_plan_done(plan);
	}
	/* only what was asked */
	assert_int_equal(landlock_plan_init(plan, 7, LANDLOCK_PLAN_SCOPE_SIGNAL), 0);
	assert_int_equal(plan->handled_net, 0);
	assert_int_equal(plan->scoped, CX_LANDLOCK_SCOPE_SIGNAL);
	assert_int_equal(landlock_plan_add_port(plan, 80, LANDLOCK_NET_CONNECT), -EINVAL);
	landlock_plan_done(plan);

	/* paths: masking, validation */
	assert_int_equal(landlock_plan_init(plan, 2, 0), 0);
	assert_int_equal(landlock_plan_add_path(plan, "/tmp", LANDLOCK_WRITE, false), 0);
	assert_int_equal(plan->n_paths, 1);
	assert_int_equal(plan->paths[0].access,
			 LANDLOCK_WRITE & (abi1 | CX_LANDLOCK_ACCESS_FS_REFER));
	assert_false(plan->paths[0].access & CX_LANDLOCK_ACCESS_FS_TRUNCATE);
	assert_string_equal(plan->paths[0].path, "/tmp");
	/* nothing left after masking: not stored, not an error */
	assert_int_equal(landlock_plan_add_path(plan, "/x", CX_LANDLOCK_ACCESS_FS_TRUNCATE, false),
			 0);
	assert_int_equal(plan->n_paths, 1);
	assert_int_equal(landlock_plan_add_path(plan, "tmp", LANDLOCK_READ, false), -EINVAL);
	assert_int_equal(landlock_plan_add_path(plan, "", LANDLOCK_READ, false), -EINVAL);
	assert_int_equal(landlock_plan_add_path(plan, NULL, LANDLOCK_READ, false), -EINVAL);
	assert_int_equal(landlock_plan_add_path(plan, "/tmp", 0, false), -EINVAL);
	assert_int_equal(landlock_plan_add_path(plan, "/tmp", 1ULL << 16, false), -EINVAL);
	{
		char *longp = malloc(5000);
		assert_non_null(longp);
		memset(longp, 'a', 4999);
		longp[0] = '/';
		longp[4999] = '\0';
		assert_int_equal(landlock_plan_add_path(plan, longp, LANDLOCK_READ, false),
				 -EINVAL);
		free(longp);
	}
	/* ports need LANDLOCK_PLAN_NET */
	assert_int_equal(landlock_plan_add_port(plan, 80, LANDLOCK_NET_CONNECT), -EINVAL);
	landlock_plan_done(plan);
	assert_int_equal(plan->n_paths, 0);
	landlock_plan_done(plan); /* twice is fine */

	/* bounds */
	assert_int_equal(landlock_plan_init(plan, 7, LANDLOCK_PLAN_NET), 0);
	for (int i = 0; i < LANDLOCK_MAX_PATH_RULES; i++)
		assert_int_equal(landlock_plan_add_path(plan, "/usr", LANDLOCK_READ, true), 0);
	assert_int_equal(landlock_plan_add_path(plan, "/usr", LANDLOCK_READ, true), -E2BIG);
	for (int i = 0; i < LANDLOCK_MAX_PORT_RULES; i++)
		assert_int_equal(
			landlock_plan_add_port(plan, (uint16_t)(1000 + i), LANDLOCK_NET_CONNECT),
			0);
	assert_int_equal(landlock_plan_add_port(plan, 80, LANDLOCK_NET_CONNECT), -E2BIG);
	assert_int_equal(landlock_plan_add_port(plan, 80, 0), -EINVAL);
	assert_int_equal(landlock_plan_add_port(plan, 80, 1ULL << 2), -EINVAL);
	landlock_plan_done(plan);

	/* ABI 3: ports asked for but the kernel cannot filter TCP: skipped */
	assert_int_equal(landlock_plan_init(plan, 3, LANDLOCK_PLAN_NET), 0);
	assert_int_equal(landlock_plan_add_port(plan, 80, LANDLOCK_NET_CONNECT), 0);
	assert_int_equal(plan->n_ports, 0);
	landlock_plan_done(plan);

	landlock_plan_done(NULL);
	free(plan);
}

/* --------------------------------------------------------- kernel tests */

static void child_write_beneath(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	char path[256], path2[256];
	int e, st;
	pid_t pid;

	(void)arg;
	build_or_fail(c, &plan, 0);
	CHILD_CHECK(c,
		    landlock_plan_add_path(&plan, allowed, LANDLOCK_READ | LANDLOCK_WRITE, false) ==
			    0,
		    "add allowed");
	apply_or_fail(c, &plan);

	snprintf(path, sizeof(path), "%s/new", allowed);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == 0, "write inside: %s", strerror(e));
	snprintf(path2, sizeof(path2), "%s/renamed", allowed);
	CHILD_CHECK(c, rename(path, path2) == 0, "rename inside: %m");
	snprintf(path, sizeof(path), "%s/dir", allowed);
	CHILD_CHECK(c, mkdir(path, 0755) == 0, "mkdir inside: %m");
	CHILD_CHECK(c, rmdir(path) == 0, "rmdir inside: %m");

	snprintf(path, sizeof(path), "%s/new", other);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == EACCES, "create outside: %s, want EACCES",
		    strerror(e));
	snprintf(path, sizeof(path), "%s/existing", other);
	CHILD_CHECK(c, (e = try_write(path, 0)) == EACCES, "write outside: %s, want EACCES",
		    strerror(e));
	errno = 0;
	CHILD_CHECK(c, unlink(path) < 0 && errno == EACCES, "unlink outside: %m");
	snprintf(path, sizeof(path), "%s/dir", other);
	errno = 0;
	CHILD_CHECK(c, mkdir(path, 0755) < 0 && errno == EACCES, "mkdir outside: %m");
	/* moving a file out of the writable root */
	snprintf(path, sizeof(path), "%s/stolen", other);
	errno = 0;
	CHILD_CHECK(c, rename(path2, path) < 0 && (errno == EACCES || errno == EXDEV),
		    "rename out: %m");
	if (abi >= 3) {
		snprintf(path, sizeof(path), "%s/existing", other);
		errno = 0;
		CHILD_CHECK(c, truncate(path, 0) < 0 && errno == EACCES, "truncate outside: %m");
	}

	/* reading and executing beneath / still work */
	snprintf(path, sizeof(path), "%s/existing", other);
	e = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(c, e >= 0, "read outside: %m");
	close(e);
	pid = fork();
	CHILD_CHECK(c, pid >= 0, "fork: %m");
	if (pid == 0) {
		char *const argv[] = {(char *)"true", NULL};
		execve("/bin/true", argv, environ);
		_exit(99);
	}
	CHILD_CHECK(c, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "exec /bin/true: %#x", st);
	landlock_plan_done(&plan);
}

static void test_write_beneath_tmpdir(void **state)
{
	char path[256];

	(void)state;
	need_abi(1, "Landlock");
	snprintf(path, sizeof(path), "%s/existing", other);
	make_file(path);
	run_child(child_write_beneath, NULL);
}

static void child_file_rule(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	char path[256];
	int e;

	(void)arg;
	build_or_fail(c, &plan, 0);
	snprintf(path, sizeof(path), "%s/single", other);
	/* the full write set: directory-only rights are dropped for a file */
	CHILD_CHECK(c,
		    landlock_plan_add_path(&plan, path, LANDLOCK_READ | LANDLOCK_WRITE, false) == 0,
		    "add file");
	apply_or_fail(c, &plan);

	CHILD_CHECK(c, (e = try_write(path, 0)) == 0, "write the file: %s", strerror(e));
	if (abi >= 3)
		CHILD_CHECK(c, (e = try_write(path, O_TRUNC)) == 0, "truncate the file: %s",
			    strerror(e));
	snprintf(path, sizeof(path), "%s/existing", other);
	CHILD_CHECK(c, (e = try_write(path, 0)) == EACCES, "write a sibling: %s", strerror(e));
	snprintf(path, sizeof(path), "%s/created", other);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == EACCES, "create a sibling: %s",
		    strerror(e));
	landlock_plan_done(&plan);
}

static void test_file_rule(void **state)
{
	char path[256];

	(void)state;
	need_abi(1, "Landlock");
	snprintf(path, sizeof(path), "%s/single", other);
	make_file(path);
	snprintf(path, sizeof(path), "%s/existing", other);
	make_file(path);
	run_child(child_file_rule, NULL);
}

static void child_device_rule(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	int fd;

	(void)arg;
	build_or_fail(c, &plan, 0);
	/* a character device: only file rights (incl. IOCTL_DEV) survive */
	CHILD_CHECK(c,
		    landlock_plan_add_path(&plan, "/dev/null", LANDLOCK_READ | LANDLOCK_WRITE,
					   false) == 0,
		    "add /dev/null");
	apply_or_fail(c, &plan);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHILD_CHECK(c, fd >= 0, "open /dev/null for writing: %m");
	CHILD_CHECK(c, write(fd, "x", 1) == 1, "write /dev/null: %m");
	close(fd);
	landlock_plan_done(&plan);
}

static void test_device_rule(void **state)
{
	struct stat st;

	(void)state;
	need_abi(1, "Landlock");
	if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode))
		skip();
	run_child(child_device_rule, NULL);
}

struct ports {
	uint16_t open_port, closed_port;
};

static int tcp_listener(uint16_t *ret_port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		e = errno;
	close(fd);
	return e;
}

static void child_net(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	const struct ports *p = arg;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int e, fd;

	build_or_fail(c, &plan, LANDLOCK_PLAN_NET);
	CHILD_CHECK(c, landlock_plan_add_port(&plan, p->open_port, LANDLOCK_NET_CONNECT) == 0,
		    "add port");
	CHILD_CHECK(c, plan.n_ports == 1, "port rule not stored");

	/* control: both reachable before */
	CHILD_CHECK(c, (e = tcp_connect(p->closed_port)) == 0, "control connect: %s", strerror(e));
	apply_or_fail(c, &plan);

	CHILD_CHECK(c, (e = tcp_connect(p->open_port)) == 0, "connect to the allowed port: %s",
		    strerror(e));
	CHILD_CHECK(c, (e = tcp_connect(p->closed_port)) == EACCES,
		    "connect to another port: %s, want EACCES", strerror(e));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(c, fd >= 0, "socket: %m");
	errno = 0;
	CHILD_CHECK(c, bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EACCES,
		    "bind without a rule: %m, want EACCES");
	close(fd);
	landlock_plan_done(&plan);
}

static void test_net_connect(void **state)
{
	struct ports p;
	int a, b;

	(void)state;
	need_abi(4, "TCP port rules");
	a = tcp_listener(&p.open_port);
	b = tcp_listener(&p.closed_port);
	assert_true(a >= 0 && b >= 0);
	run_child(child_net, &p);
	close(a);
	close(b);
}

static socklen_t abstract_addr(struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "cx-landlock-test-%d",
		     (int)getpid());
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

struct abstract_arg {
	struct sockaddr_un sa;
	socklen_t len;
	bool scoped;
};

static void child_abstract(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	const struct abstract_arg *a = arg;
	int fd, r;

	build_or_fail(c, &plan, a->scoped ? LANDLOCK_PLAN_SCOPE_ABSTRACT_UNIX : 0);
	apply_or_fail(c, &plan);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(c, fd >= 0, "socket: %m");
	r = connect(fd, (const struct sockaddr *)&a->sa, a->len);
	if (a->scoped)
		CHILD_CHECK(c, r < 0 && errno == EPERM,
			    "connect to an outside abstract socket: %d %m, want EPERM", r);
	else
		CHILD_CHECK(c, r == 0, "control connect without the scope: %m");
	close(fd);
	landlock_plan_done(&plan);
}

static void test_scope_abstract_unix(void **state)
{
	struct abstract_arg a;
	int srv;

	(void)state;
	need_abi(6, "abstract-socket scoping");
	a.len = abstract_addr(&a.sa);
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&a.sa, a.len), 0);
	assert_int_equal(listen(srv, 8), 0);
	a.scoped = false;
	run_child(child_abstract, &a);
	a.scoped = true;
	run_child(child_abstract, &a);
	close(srv);
}

static void child_signal(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	bool scoped = (bool)(intptr_t)arg;
	int r;

	build_or_fail(c, &plan, scoped ? LANDLOCK_PLAN_SCOPE_SIGNAL : 0);
	apply_or_fail(c, &plan);
	r = kill(getppid(), 0);
	if (scoped)
		CHILD_CHECK(c, r < 0 && errno == EPERM, "kill(parent, 0): %d %m, want EPERM", r);
	else
		CHILD_CHECK(c, r == 0, "control kill(parent, 0) without the scope: %m");
	CHILD_CHECK(c, kill(getpid(), 0) == 0, "kill(self, 0): %m");
	landlock_plan_done(&plan);
}

static void test_scope_signal(void **state)
{
	(void)state;
	need_abi(6, "signal scoping");
	run_child(child_signal, (void *)(intptr_t) false);
	run_child(child_signal, (void *)(intptr_t) true);
}

static void child_optional(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	char path[256];
	int e;

	(void)arg;
	build_or_fail(c, &plan, 0);
	CHILD_CHECK(c,
		    landlock_plan_add_path(&plan, "/nonexistent-cx/x", LANDLOCK_WRITE, true) == 0,
		    "add missing");
	snprintf(path, sizeof(path), "%s/existing/below", other); /* ENOTDIR */
	CHILD_CHECK(c, landlock_plan_add_path(&plan, path, LANDLOCK_WRITE, true) == 0, "add");
	CHILD_CHECK(c, landlock_plan_add_path(&plan, allowed, LANDLOCK_WRITE, true) == 0, "add");
	apply_or_fail(c, &plan);
	snprintf(path, sizeof(path), "%s/opt", allowed);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == 0, "write inside: %s", strerror(e));
	snprintf(path, sizeof(path), "%s/opt", other);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == EACCES, "write outside: %s", strerror(e));
	landlock_plan_done(&plan);
}

static void test_optional_missing_skipped(void **state)
{
	char path[256];

	(void)state;
	need_abi(1, "Landlock");
	snprintf(path, sizeof(path), "%s/existing", other);
	make_file(path);
	run_child(child_optional, NULL);
}

static void child_required(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	char path[256];
	int r, e;

	(void)arg;
	build_or_fail(c, &plan, 0);
	CHILD_CHECK(c,
		    landlock_plan_add_path(&plan, "/nonexistent-cx/x", LANDLOCK_WRITE, false) == 0,
		    "add");
	r = landlock_apply(&plan, false);
	CHILD_CHECK(c, r == -ENOENT, "apply with a missing required path: %d, want -ENOENT", r);
	/* nothing was enforced */
	snprintf(path, sizeof(path), "%s/after-failure", other);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == 0, "write after a failed apply: %s",
		    strerror(e));
	landlock_plan_done(&plan);
}

static void test_required_missing_fails(void **state)
{
	(void)state;
	need_abi(1, "Landlock");
	run_child(child_required, NULL);
}

/* Without no_new_privs and without CAP_SYS_ADMIN, apply sets no_new_privs itself. */
static void child_no_nnp(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];
	char path[256];
	int e;

	(void)arg;
	CHILD_CHECK(c, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "no_new_privs already set");
	CHILD_CHECK(c, syscall(SYS_capget, &hdr, data) == 0, "capget: %m");
	data[0].effective = data[1].effective = 0;
	CHILD_CHECK(c, syscall(SYS_capset, &hdr, data) == 0, "capset: %m");
	build_or_fail(c, &plan, 0);
	apply_or_fail(c, &plan);
	CHILD_CHECK(c, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs not set");
	snprintf(path, sizeof(path), "%s/nnp", allowed);
	CHILD_CHECK(c, (e = try_write(path, O_CREAT)) == EACCES, "write: %s", strerror(e));
	landlock_plan_done(&plan);
}

static void test_apply_without_nnp(void **state)
{
	(void)state;
	need_abi(1, "Landlock");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		print_message("[   SKIP   ] this process already has no_new_privs\n");
		skip();
	}
	run_child_nnp(child_no_nnp, NULL, false);
}

static void child_log(struct child_ctx *c, void *arg)
{
	static struct landlock_plan plan;
	int r;

	(void)arg;
	build_or_fail(c, &plan, LANDLOCK_PLAN_NET | LANDLOCK_PLAN_SCOPE_ALL);
	r = landlock_apply(&plan, true);
	CHILD_CHECK(c, r == 0, "landlock_apply(log): %s", strerror(-r));
	landlock_plan_done(&plan);
}

/* Every feature of the running ABI at once, with logging: the kernel accepts it. */
static void test_full_plan_with_log(void **state)
{
	(void)state;
	need_abi(1, "Landlock");
	run_child(child_log, NULL);
}

static void test_apply_bad_plan(void **state)
{
	static struct landlock_plan plan;

	(void)state;
	assert_int_equal(landlock_apply(NULL, false), -EINVAL);
	memset(&plan, 0, sizeof(plan));
	assert_int_equal(landlock_apply(&plan, false), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_plan_masks),
		cmocka_unit_test(test_apply_bad_plan),
		cmocka_unit_test(test_write_beneath_tmpdir),
		cmocka_unit_test(test_file_rule),
		cmocka_unit_test(test_device_rule),
		cmocka_unit_test(test_net_connect),
		cmocka_unit_test(test_scope_abstract_unix),
		cmocka_unit_test(test_scope_signal),
		cmocka_unit_test(test_optional_missing_skipped),
		cmocka_unit_test(test_required_missing_fails),
		cmocka_unit_test(test_apply_without_nnp),
		cmocka_unit_test(test_full_plan_with_log),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
