/* SPDX-License-Identifier: MIT */
/*
 * The self-test's escape attempts (daemon/selftest.h).  Each probe makes
 * a real attempt and says whether it got through; nothing here decides
 * what the answer means.  Runs as the unprivileged probe user, inside a
 * sandbox or (the control run) outside one; every probe runs in a child of
 * its own so that a seccomp kill, an unshare or a fork bomb cannot disturb
 * the next.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/selftest.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define I386_NR_GETPID 20L

static enum selftest_outcome say(enum selftest_outcome o, char *d, size_t n, const char *fmt,
				 ...) __attribute__((format(printf, 4, 5)));
static enum selftest_outcome say(enum selftest_outcome o, char *d, size_t n, const char *fmt,
				 ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d, n, fmt, ap);
	va_end(ap);
	return o;
}

/* The attempt failed with errno: the wall (or the kernel) refused it. */
static enum selftest_outcome refused(char *d, size_t n, const char *what)
{
	return say(ST_REFUSED, d, n, "%s: %s", what, strerrorname_np(errno) ?: "error");
}

static void path_of(char *buf, size_t n, const struct selftest_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void path_of(char *buf, size_t n, const struct selftest_ctx *c, const char *fmt, ...)
{
	char rest[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(buf, n, "%s/%s", c->dir, rest);
}

static enum selftest_outcome try_create(const char *path, char *d, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return refused(d, n, "open");
	(void)!write(fd, "x", 1);
	close(fd);
	return say(ST_DONE, d, n, "created %s", path);
}

/* ------------------------------------------------------------ writes outside */

static enum selftest_outcome p_write_outside(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "outside/w-%s", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_write_symlink(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	/* ws/link-out -> ../outside: the link is inside the writable root. */
	path_of(p, sizeof(p), c, "ws/link-out/s-%s", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_write_dotdot(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "ws/../outside/d-%s", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_write_proc_root(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[600];

	snprintf(p, sizeof(p), "/proc/self/root%s/outside/p-%s", c->dir, c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_write_proc_cwd(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[600];

	/* The working directory is ws. */
	snprintf(p, sizeof(p), "/proc/self/cwd/../outside/c-%s", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_modify_existing(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];
	int fd;

	path_of(p, sizeof(p), c, "outside/victim");
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return refused(d, n, "open");
	close(fd);
	return say(ST_DONE, d, n, "opened %s for writing", p);
}

static enum selftest_outcome p_rename_out(const struct selftest_ctx *c, char *d, size_t n)
{
	char from[512], to[512];
	int fd;

	path_of(from, sizeof(from), c, "ws/r-%s", c->tag);
	path_of(to, sizeof(to), c, "outside/r-%s", c->tag);
	fd = open(from, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return say(ST_SKIPPED, d, n, "cannot create %s in the workspace", from);
	close(fd);
	if (rename(from, to) < 0)
		return refused(d, n, "rename");
	return say(ST_DONE, d, n, "renamed into %s", to);
}

static enum selftest_outcome p_hardlink(const struct selftest_ctx *c, char *d, size_t n)
{
	char from[512], to[512];
	int fd;

	/* A link to a file outside, made inside the writable root, then written. */
	path_of(from, sizeof(from), c, "outside/victim");
	path_of(to, sizeof(to), c, "ws/h-%s", c->tag);
	if (link(from, to) < 0)
		return refused(d, n, "link");
	fd = open(to, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return refused(d, n, "open through the link");
	close(fd);
	return say(ST_DONE, d, n, "wrote through a hard link");
}

static enum selftest_outcome p_mkdir_outside(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "outside/m-%s", c->tag);
	if (mkdir(p, 0755) < 0)
		return refused(d, n, "mkdir");
	return say(ST_DONE, d, n, "created directory %s", p);
}

/* ------------------------------------------------------------ protected paths */

static enum selftest_outcome p_git_config(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];
	int fd;

	path_of(p, sizeof(p), c, "ws/.git/config");
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return refused(d, n, "open");
	close(fd);
	return say(ST_DONE, d, n, "opened .git/config for writing");
}

static enum selftest_outcome p_git_hook(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "ws/.git/hooks/post-checkout-%s", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_codex_create(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "ws/.codex");
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return refused(d, n, "mkdir .codex");
	path_of(p, sizeof(p), c, "ws/.codex/config-%s.toml", c->tag);
	return try_create(p, d, n);
}

static enum selftest_outcome p_git_swap(const struct selftest_ctx *c, char *d, size_t n)
{
	char from[512], to[512];

	/* Move the protected directory away (then a fresh one could be made). */
	path_of(from, sizeof(from), c, "ws/.git");
	path_of(to, sizeof(to), c, "ws/.git-moved-%s", c->tag);
	if (rename(from, to) < 0)
		return refused(d, n, "rename .git");
	(void)rename(to, from);
	return say(ST_DONE, d, n, "renamed .git away");
}

/* ------------------------------------------------------------ network */

static enum selftest_outcome try_connect(int family, int type, int proto, const void *sa,
					 socklen_t len, char *d, size_t n)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return refused(d, n, "socket");
	if (type == SOCK_DGRAM) {
		if (sendto(fd, "x", 1, 0, sa, len) < 0) {
			close(fd);
			return refused(d, n, "sendto");
		}
		close(fd);
		return say(ST_DONE, d, n, "datagram sent");
	}
	if (connect(fd, sa, len) < 0) {
		close(fd);
		return refused(d, n, "connect");
	}
	close(fd);
	return say(ST_DONE, d, n, "connected");
}

static enum selftest_outcome p_tcp4(const struct selftest_ctx *c, char *d, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->tcp_port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return try_connect(AF_INET, SOCK_STREAM, 0, &a, sizeof(a), d, n);
}

static enum selftest_outcome p_tcp6(const struct selftest_ctx *c, char *d, size_t n)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)c->tcp_port),
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	return try_connect(AF_INET6, SOCK_STREAM, 0, &a, sizeof(a), d, n);
}

static enum selftest_outcome p_udp4(const struct selftest_ctx *c, char *d, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->tcp_port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return try_connect(AF_INET, SOCK_DGRAM, 0, &a, sizeof(a), d, n);
}

static enum selftest_outcome try_socket(int family, int type, int proto, char *d, size_t n)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return refused(d, n, "socket");
	close(fd);
	return say(ST_DONE, d, n, "socket created");
}

static enum selftest_outcome p_netlink(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
	return try_socket(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */, d, n);
}

static enum selftest_outcome p_packet(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
	return try_socket(AF_PACKET, SOCK_RAW, 0, d, n);
}

static enum selftest_outcome p_icmp(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
	return try_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP, d, n);
}

static enum selftest_outcome p_io_uring(const struct selftest_ctx *c, char *d, size_t n)
{
	struct io_uring_params p = { 0 };
	long fd;

	(void)c;
	fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		return refused(d, n, "io_uring_setup");
	close((int)fd);
	return say(ST_DONE, d, n, "io_uring instance created");
}

static enum selftest_outcome p_bpf(const struct selftest_ctx *c, char *d, size_t n)
{
	union bpf_attr a;
	long fd;

	(void)c;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return refused(d, n, "bpf");
	close((int)fd);
	return say(ST_DONE, d, n, "bpf map created");
}

static enum selftest_outcome p_perf(const struct selftest_ctx *c, char *d, size_t n)
{
	struct perf_event_attr a;
	long fd;

	(void)c;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	if (fd < 0)
		return refused(d, n, "perf_event_open");
	close((int)fd);
	return say(ST_DONE, d, n, "perf event opened");
}

/* ------------------------------------------------------------ Unix sockets */

static enum selftest_outcome connect_path(const char *path, char *d, size_t n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(a.sun_path))
		return say(ST_SKIPPED, d, n, "socket path too long");
	memcpy(a.sun_path, path, strlen(path));
	return try_connect(AF_UNIX, SOCK_STREAM, 0, &a, sizeof(a), d, n);
}

/* A program's socket in the host's /tmp (X11, tmux, editors ...). */
static enum selftest_outcome p_unix_tmp(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[108];

	snprintf(p, sizeof(p), "/tmp/cxst-%s.sock", c->nonce);
	return connect_path(p, d, n);
}

/* A service's socket in /run (docker.sock, the system bus ...). */
static enum selftest_outcome p_unix_run(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[108];

	snprintf(p, sizeof(p), "/run/cxst-%s.sock", c->nonce);
	return connect_path(p, d, n);
}

/* Anywhere else (here: below /var/tmp): advisory, see codexd(8) SELF-TEST. */
static enum selftest_outcome p_unix_elsewhere(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "outside/sock");
	return connect_path(p, d, n);
}

static enum selftest_outcome p_unix_abstract(const struct selftest_ctx *c, char *d, size_t n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t l = strnlen(c->abstract, sizeof(a.sun_path) - 1);

	memcpy(a.sun_path + 1, c->abstract, l);
	return try_connect(AF_UNIX, SOCK_STREAM, 0, &a,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + l), d, n);
}

/* ------------------------------------------------------------ terminal */

static int open_pty_slave(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;
	char *name;

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)))
		return -1;
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return s; /* the master stays open until the probe's child exits */
}

static enum selftest_outcome p_tiocsti(const struct selftest_ctx *c, char *d, size_t n)
{
	char ch = '#';
	int fd = open_pty_slave();

	(void)c;
	if (fd < 0)
		return say(ST_SKIPPED, d, n, "no terminal to try it on");
	if (ioctl(fd, TIOCSTI, &ch) < 0)
		return refused(d, n, "TIOCSTI");
	return say(ST_DONE, d, n, "injected input into a terminal");
}

static enum selftest_outcome p_tioclinux(const struct selftest_ctx *c, char *d, size_t n)
{
	char sub = 6; /* TIOCL_GETSHIFTSTATE */
	int fd = open_pty_slave();

	(void)c;
	if (fd < 0)
		return say(ST_SKIPPED, d, n, "no terminal to try it on");
	if (ioctl(fd, TIOCLINUX, &sub) < 0)
		return refused(d, n, "TIOCLINUX");
	return say(ST_DONE, d, n, "TIOCLINUX answered");
}

static enum selftest_outcome p_ctty(const struct selftest_ctx *c, char *d, size_t n)
{
	int fd;

	(void)c;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return refused(d, n, "open /dev/tty");
	close(fd);
	return say(ST_DONE, d, n, "holds a controlling terminal");
}

/* ------------------------------------------------------------ privilege */

static enum selftest_outcome p_no_new_privs(const struct selftest_ctx *c, char *d, size_t n)
{
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	(void)c;
	if (r == 1)
		return say(ST_REFUSED, d, n, "no_new_privs is set: setuid and file capabilities "
					     "give nothing");
	return say(ST_DONE, d, n, "no_new_privs is not set: a setuid binary would gain privilege");
}

static enum selftest_outcome p_capabilities(const struct selftest_ctx *c, char *d, size_t n)
{
	char line[256], bnd[32] = "?", prm[32] = "?", amb[32] = "?";
	FILE *f = fopen("/proc/self/status", "re");

	(void)c;
	if (!f)
		return say(ST_SKIPPED, d, n, "cannot read /proc/self/status");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapBnd: %31s", bnd) == 1 || sscanf(line, "CapPrm: %31s", prm) == 1 ||
		    sscanf(line, "CapAmb: %31s", amb) == 1)
			continue;
	}
	fclose(f);
	if (strspn(bnd, "0") == strlen(bnd) && strspn(prm, "0") == strlen(prm) &&
	    strspn(amb, "0") == strlen(amb) && bnd[0] != '?')
		return say(ST_REFUSED, d, n, "no capabilities, bounding set empty");
	return say(ST_DONE, d, n, "capabilities left: bounding %s permitted %s ambient %s", bnd,
		   prm, amb);
}

static enum selftest_outcome p_ptrace(const struct selftest_ctx *c, char *d, size_t n)
{
	if (ptrace(PTRACE_SEIZE, c->victim, NULL, NULL) < 0)
		return refused(d, n, "ptrace");
	(void)ptrace(PTRACE_DETACH, c->victim, NULL, NULL);
	return say(ST_DONE, d, n, "attached to a process outside");
}

static enum selftest_outcome p_signal(const struct selftest_ctx *c, char *d, size_t n)
{
	if (kill(c->victim, 0) < 0)
		return refused(d, n, "kill");
	return say(ST_DONE, d, n, "may signal a process outside");
}

static enum selftest_outcome p_process_vm(const struct selftest_ctx *c, char *d, size_t n)
{
	char buf[1];
	struct iovec local = { .iov_base = buf, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)0x1000, .iov_len = 1 };

	if (process_vm_readv(c->victim, &local, 1, &remote, 1, 0) < 0 && errno != EFAULT)
		return refused(d, n, "process_vm_readv");
	return say(ST_DONE, d, n, "may read the memory of a process outside");
}

static enum selftest_outcome p_unshare_user(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
	if (unshare(CLONE_NEWUSER) < 0)
		return refused(d, n, "unshare");
	return say(ST_DONE, d, n, "made a user namespace");
}

static enum selftest_outcome p_mount(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512];

	path_of(p, sizeof(p), c, "ws");
	if (mount("tmpfs", p, "tmpfs", 0, NULL) < 0)
		return refused(d, n, "mount");
	return say(ST_DONE, d, n, "mounted a file system");
}

static enum selftest_outcome p_setns(const struct selftest_ctx *c, char *d, size_t n)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	(void)c;
	/* Without a namespace file to name, an invalid one: the call itself must be refused. */
	if (setns(fd, 0) < 0)
		return refused(d, n, "setns");
	return say(ST_DONE, d, n, "setns succeeded");
}

static enum selftest_outcome p_keyring(const struct selftest_ctx *c, char *d, size_t n)
{
	long k;

	(void)c;
	k = syscall(SYS_add_key, "user", "codexd-selftest", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	if (k < 0)
		return refused(d, n, "add_key");
	return say(ST_DONE, d, n, "added a key to a kernel keyring");
}

static enum selftest_outcome p_userfaultfd(const struct selftest_ctx *c, char *d, size_t n)
{
	long fd;

	(void)c;
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return refused(d, n, "userfaultfd");
	close((int)fd);
	return say(ST_DONE, d, n, "userfaultfd created");
}

static enum selftest_outcome p_open_by_handle(const struct selftest_ctx *c, char *d, size_t n)
{
	struct {
		struct file_handle h;
		unsigned char b[64];
	} fh = { .h = { .handle_bytes = 64 } };
	int mnt, fd;

	(void)c;
	if (name_to_handle_at(AT_FDCWD, "/", &fh.h, &mnt, 0) < 0)
		return refused(d, n, "name_to_handle_at");
	fd = open_by_handle_at(AT_FDCWD, &fh.h, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return refused(d, n, "open_by_handle_at");
	close(fd);
	return say(ST_DONE, d, n, "opened a file by handle");
}

static enum selftest_outcome p_kernel_load(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
	if (syscall(SYS_init_module, NULL, 0, "") == 0 ||
	    syscall(SYS_kexec_load, 0, 0, NULL, 0) == 0)
		return say(ST_DONE, d, n, "module or kexec load accepted");
	return refused(d, n, "init_module/kexec_load");
}

static enum selftest_outcome p_i386_abi(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
#if defined(__x86_64__)
	long ret;

	/* getpid through the 32-bit entry point: a filter for x86_64 alone misses it. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(I386_NR_GETPID)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	if ((int)ret < 0 && (int)ret > -4096) {
		errno = -(int)ret;
		return refused(d, n, "int 0x80");
	}
	return say(ST_DONE, d, n, "the i386 system call ABI answered");
#else
	return say(ST_SKIPPED, d, n, "not x86_64");
#endif
}

static enum selftest_outcome p_x32_abi(const struct selftest_ctx *c, char *d, size_t n)
{
	(void)c;
#if defined(__x86_64__)
	if (syscall(X32_SYSCALL_BIT | SYS_getpid) < 0)
		return refused(d, n, "x32 getpid");
	return say(ST_DONE, d, n, "the x32 system call ABI answered");
#else
	return say(ST_SKIPPED, d, n, "not x86_64");
#endif
}

/* ------------------------------------------------------------ resources */

static enum selftest_outcome p_fork_bomb(const struct selftest_ctx *c, char *d, size_t n)
{
	enum { MAX = 4096 };
	static pid_t kids[MAX];
	size_t k = 0;
	int e = 0;

	(void)c;
	for (; k < MAX; k++) {
		pid_t p = fork();

		if (p < 0) {
			e = errno;
			break;
		}
		if (p == 0) {
			alarm(20);
			pause();
			_exit(0);
		}
		kids[k] = p;
	}
	for (size_t i = 0; i < k; i++)
		kill(kids[i], SIGKILL);
	for (size_t i = 0; i < k; i++)
		(void)waitpid(kids[i], NULL, 0);
	if (k < MAX)
		return say(ST_REFUSED, d, n, "fork refused after %zu processes: %s", k,
			   strerrorname_np(e) ?: "error");
	return say(ST_DONE, d, n, "%d processes started", MAX);
}

static enum selftest_outcome p_memory(const struct selftest_ctx *c, char *d, size_t n)
{
	enum { CHUNK = 16 << 20, MAX_CHUNKS = 128 }; /* 2 GiB */
	pid_t p;
	int st;

	(void)c;
	p = fork();
	if (p < 0)
		return say(ST_SKIPPED, d, n, "fork: %s", strerrorname_np(errno) ?: "error");
	if (p == 0) {
		for (int i = 0; i < MAX_CHUNKS; i++) {
			char *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				_exit(1);
			memset(m, 1, CHUNK);
		}
		_exit(0);
	}
	if (waitpid(p, &st, 0) < 0)
		return say(ST_SKIPPED, d, n, "waitpid failed");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return say(ST_DONE, d, n, "allocated and touched 2 GiB");
	if (WIFSIGNALED(st))
		return say(ST_REFUSED, d, n, "stopped by signal %d before 2 GiB", WTERMSIG(st));
	return say(ST_REFUSED, d, n, "allocation refused before 2 GiB");
}

static enum selftest_outcome p_tmp_disk(const struct selftest_ctx *c, char *d, size_t n)
{
	static char buf[1 << 20];
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/tmp/cxst-fill-%s", c->tag);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return refused(d, n, "open /tmp");
	signal(SIGXFSZ, SIG_IGN);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 1024; i++) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			int e = errno;

			close(fd);
			unlink(p);
			return say(ST_REFUSED, d, n, "/tmp full after %d MiB: %s", i,
				   strerrorname_np(e) ?: "short write");
		}
	}
	close(fd);
	unlink(p);
	return say(ST_DONE, d, n, "wrote 1 GiB to /tmp");
}

static enum selftest_outcome p_orphan(const struct selftest_ctx *c, char *d, size_t n)
{
	pid_t p = fork();

	if (p < 0)
		return say(ST_SKIPPED, d, n, "fork: %s", strerrorname_np(errno) ?: "error");
	if (p == 0) {
		char name[16];

		/* Double fork and a new session: the classic way to outlive a session. */
		setsid();
		if (fork() != 0)
			_exit(0);
		snprintf(name, sizeof(name), "cxst-%s", c->nonce);
		prctl(PR_SET_NAME, name, 0, 0, 0);
		alarm(30); /* bounded even if nothing kills it */
		/* Hold nothing the probe waits on (its result pipe included). */
		for (int i = 0; i < 1024; i++)
			close(i);
		for (;;)
			pause();
	}
	(void)waitpid(p, NULL, 0);
	/* The self-test looks for the process after the sandbox ended. */
	return say(ST_SKIPPED, d, n, "orphan cxst-%s started; checked after the sandbox ends",
		   c->nonce);
}

/* ------------------------------------------------------------ reading */

static enum selftest_outcome p_deny_read(const struct selftest_ctx *c, char *d, size_t n)
{
	char p[512], b[8];
	int fd;

	path_of(p, sizeof(p), c, "ws/secret.txt");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return refused(d, n, "open");
	if (read(fd, b, sizeof(b)) < 0) {
		close(fd);
		return refused(d, n, "read");
	}
	close(fd);
	return say(ST_DONE, d, n, "read a deny_read file");
}

static enum selftest_outcome p_root_only(const struct selftest_ctx *c, char *d, size_t n)
{
	int fd;

	(void)c;
	fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return refused(d, n, "open /etc/shadow");
	close(fd);
	return say(ST_DONE, d, n, "opened /etc/shadow");
}

/* ------------------------------------------------------------ table */

static const struct selftest_probe probes[] = {
	{ "write_outside", ST_CLASS_FS_WRITE, 0, p_write_outside },
	{ "write_symlink", ST_CLASS_FS_WRITE, 0, p_write_symlink },
	{ "write_dotdot", ST_CLASS_FS_WRITE, 0, p_write_dotdot },
	{ "write_proc_root", ST_CLASS_FS_WRITE, 0, p_write_proc_root },
	{ "write_proc_cwd", ST_CLASS_FS_WRITE, 0, p_write_proc_cwd },
	{ "modify_outside", ST_CLASS_FS_WRITE, 0, p_modify_existing },
	{ "rename_out", ST_CLASS_FS_WRITE, 0, p_rename_out },
	{ "hardlink_out", ST_CLASS_FS_WRITE, 0, p_hardlink },
	{ "mkdir_outside", ST_CLASS_FS_WRITE, 0, p_mkdir_outside },
	{ "git_config", ST_CLASS_PROTECTED, 0, p_git_config },
	{ "git_hook", ST_CLASS_PROTECTED, 0, p_git_hook },
	{ "codex_config", ST_CLASS_PROTECTED, 0, p_codex_create },
	{ "git_swap", ST_CLASS_PROTECTED, 0, p_git_swap },
	{ "tcp4_loopback", ST_CLASS_NETWORK, 0, p_tcp4 },
	{ "tcp6_loopback", ST_CLASS_NETWORK, 0, p_tcp6 },
	{ "udp4_loopback", ST_CLASS_NETWORK, 0, p_udp4 },
	{ "netlink", ST_CLASS_NETWORK, 0, p_netlink },
	{ "packet_raw", ST_CLASS_NETWORK, 0, p_packet },
	{ "icmp", ST_CLASS_NETWORK, 0, p_icmp },
	{ "io_uring", ST_CLASS_NETWORK, 0, p_io_uring },
	{ "bpf", ST_CLASS_NETWORK, 0, p_bpf },
	{ "perf_event_open", ST_CLASS_NETWORK, 0, p_perf },
	{ "unix_tmp", ST_CLASS_UNIX, 0, p_unix_tmp },
	{ "unix_run", ST_CLASS_UNIX, 0, p_unix_run },
	{ "unix_elsewhere", ST_CLASS_UNIX, ST_PROBE_ADVISORY, p_unix_elsewhere },
	{ "unix_abstract", ST_CLASS_UNIX, 0, p_unix_abstract },
	{ "tiocsti", ST_CLASS_TERMINAL, 0, p_tiocsti },
	{ "tioclinux", ST_CLASS_TERMINAL, 0, p_tioclinux },
	{ "controlling_tty", ST_CLASS_TERMINAL, 0, p_ctty },
	{ "no_new_privs", ST_CLASS_PRIVILEGE, 0, p_no_new_privs },
	{ "capabilities", ST_CLASS_PRIVILEGE, 0, p_capabilities },
	{ "ptrace_outside", ST_CLASS_PRIVILEGE, 0, p_ptrace },
	{ "signal_outside", ST_CLASS_PRIVILEGE, 0, p_signal },
	{ "process_vm_readv", ST_CLASS_PRIVILEGE, 0, p_process_vm },
	{ "unshare_user", ST_CLASS_PRIVILEGE, 0, p_unshare_user },
	{ "mount", ST_CLASS_PRIVILEGE, 0, p_mount },
	{ "setns", ST_CLASS_PRIVILEGE, 0, p_setns },
	{ "keyring", ST_CLASS_PRIVILEGE, 0, p_keyring },
	{ "userfaultfd", ST_CLASS_PRIVILEGE, 0, p_userfaultfd },
	{ "open_by_handle_at", ST_CLASS_PRIVILEGE, 0, p_open_by_handle },
	{ "module_kexec", ST_CLASS_PRIVILEGE, 0, p_kernel_load },
	{ "i386_abi", ST_CLASS_PRIVILEGE, 0, p_i386_abi },
	{ "x32_abi", ST_CLASS_PRIVILEGE, 0, p_x32_abi },
	{ "fork_bomb", ST_CLASS_RESOURCES, ST_PROBE_NO_CONTROL, p_fork_bomb },
	{ "memory", ST_CLASS_RESOURCES, ST_PROBE_NO_CONTROL, p_memory },
	{ "tmp_disk", ST_CLASS_RESOURCES, ST_PROBE_NO_CONTROL, p_tmp_disk },
	{ "orphan", ST_CLASS_RESOURCES, ST_PROBE_NO_CONTROL, p_orphan },
	{ "deny_read", ST_CLASS_READ, 0, p_deny_read },
	{ "root_only_file", ST_CLASS_READ, 0, p_root_only },
};

const struct selftest_probe *selftest_probes(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(probes);
	return probes;
}

static void run_one(const struct selftest_probe *p, const struct selftest_ctx *ctx)
{
	int pfd[2];
	pid_t pid;
	char buf[400] = "";
	ssize_t got = 0;
	int st = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		printf("%s skipped pipe failed\n", p->name);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s skipped fork failed\n", p->name);
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		char detail[300] = "";
		enum selftest_outcome o;
		char line[400];
		int l;

		close(pfd[0]);
		alarm(60);
		o = p->fn(ctx, detail, sizeof(detail));
		l = snprintf(line, sizeof(line), "%s %s", selftest_outcome_name(o), detail);
		(void)!write(pfd[1], line, (size_t)MIN(l, (int)sizeof(line) - 1));
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
		if ((size_t)got >= sizeof(buf) - 1)
			break;
	}
	close(pfd[0]);
	buf[got] = '\0';
	(void)waitpid(pid, &st, 0);
	for (char *q = buf; *q; q++)
		if (*q == '\n' || (unsigned char)*q < 0x20)
			*q = ' ';
	if (got > 0)
		printf("%s %s\n", p->name, buf);
	else if (WIFSIGNALED(st))
		printf("%s refused killed by signal %d\n", p->name, WTERMSIG(st));
	else
		printf("%s skipped no answer (status %d)\n", p->name, st);
	fflush(stdout);
}

int selftest_probe_main(int argc, char **argv)
{
	struct selftest_ctx ctx;
	size_t n;
	const struct selftest_probe *ps = selftest_probes(&n);
	bool control;

	if (argc != 7) {
		fprintf(stderr, "usage: codexd --self-test-probe DIR VICTIM PORT ABSTRACT NONCE "
				"TAG\n");
		return 2;
	}
	ctx = (struct selftest_ctx){
		.dir = argv[1],
		.victim = (pid_t)atoi(argv[2]),
		.tcp_port = atoi(argv[3]),
		.abstract = argv[4],
		.nonce = argv[5],
		.tag = argv[6],
	};
	control = strcmp(ctx.tag, "ctl") == 0;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < n; i++) {
		if (control && (ps[i].flags & ST_PROBE_NO_CONTROL))
			continue;
		run_one(&ps[i], &ctx);
	}
	return 0;
}
