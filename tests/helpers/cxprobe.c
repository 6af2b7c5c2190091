/* SPDX-License-Identifier: MIT */
/*
 * cxprobe: attempts one system call per probe and says what the kernel
 * answered, for the sandbox tests (tests/integration/t_sandbox_*.sh).
 *
 *   cxprobe PROBE[=ARG]...
 *
 * Each probe runs in its own child process (so that unshare, a seccomp
 * kill or a stopped tracee cannot disturb the next one) and prints one line
 *
 *   PROBE: ok[ DETAIL]      the call succeeded
 *   PROBE: ENAME            it failed with errno ENAME (EPERM, ENOSYS ...)
 *   PROBE: signal N         the child died of signal N
 *
 * Probes (ARG in brackets is optional):
 *   ptrace_traceme, ptrace_attach=PID, process_vm_readv[=PID]
 *   io_uring, bpf, perf_event_open, userfaultfd, modify_ldt
 *   keyctl, add_key, request_key
 *   name_to_handle_at, open_by_handle_at
 *   unshare_user, unshare_mount, unshare_net, setns, mount, umount,
 *   pivot_root, chroot, open_tree, fsopen, clone3, clone_newns,
 *   clone_newuser, personality_noaslr
 *   kexec_load, kexec_file_load, init_module, finit_module, delete_module
 *   tiocsti=FD, tioclinux=FD, open_tty
 *   socket_unix, socket_inet, socket_inet_udp, socket_inet6, socket_netlink,
 *   socket_packet, socket_raw, socket_icmp, socket_vsock, socket_alg,
 *   socket_highbits, socketpair_inet
 *   int80_getpid (i386 ABI), x32_getpid (x32 ABI)
 *   connect=PATH, connect_abstract=NAME, tcp=HOST:PORT ([::1]:PORT),
 *   udp=HOST:PORT
 *   kill=PID[:SIG]
 *   nnp (prints PR_GET_NO_NEW_PRIVS), caps (capget: effective, permitted,
 *   inheritable)
 *
 * Exit status: 0 when every probe ran (whatever it answered), 2 usage.
 *
 * Process: test helper (runs as the test users, inside and outside sandboxes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define I386_NR_GETPID 20L

/* The result line of one probe: "ok DETAIL" or an errno name. */
static char detail[256];

static int ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ok(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		detail[0] = '\0';
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return 0;
}

/* The probes return 0 (success, detail set) or a positive errno. */
static int err(void)
{
	return errno > 0 ? errno : EIO;
}

static int parse_long(const char *s, long *ret)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*ret = strtol(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int need_pid(const char *arg, pid_t *ret)
{
	long v;

	if (parse_long(arg, &v) < 0 || v <= 0)
		return -1;
	*ret = (pid_t)v;
	return 0;
}

/* ------------------------------------------------------------ processes */

static int p_ptrace_traceme(const char *arg)
{
	(void)arg;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		return err();
	return ok(NULL);
}

static int p_ptrace_attach(const char *arg)
{
	pid_t pid;

	if (need_pid(arg, &pid) < 0)
		return EINVAL;
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return err();
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return ok("attached to %d", (int)pid);
}

static int p_process_vm_readv(const char *arg)
{
	static volatile char here = 'x';
	char buf[1];
	struct iovec local = {.iov_base = buf, .iov_len = 1};
	struct iovec remote = {.iov_base = (void *)&here, .iov_len = 1};
	pid_t pid = getpid();

	if (arg && need_pid(arg, &pid) < 0)
		return EINVAL;
	if (arg)
		remote.iov_base = (void *)0x1000; /* unmapped: EFAULT if permitted */
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0)
		return err();
	return ok("read from %d", (int)pid);
}

static int p_kill(const char *arg)
{
	char pidbuf[32];
	const char *colon;
	long pid, sig = 0;

	if (!arg)
		return EINVAL;
	colon = strchr(arg, ':');
	if (colon) {
		size_t n = (size_t)(colon - arg);
		if (n >= sizeof(pidbuf) || parse_long(colon + 1, &sig) < 0)
			return EINVAL;
		memcpy(pidbuf, arg, n);
		pidbuf[n] = '\0';
		arg = pidbuf;
	}
	if (parse_long(arg, &pid) < 0)
		return EINVAL;
	if (kill((pid_t)pid, (int)sig) < 0)
		return err();
	return ok("signal %ld sent to %ld", sig, pid);
}

/* ------------------------------------------------------------ kernel surfaces */

static int p_io_uring(const char *arg)
{
	struct io_uring_params p;
	long fd;

	(void)arg;
	memset(&p, 0, sizeof(p));
	fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_bpf(const char *arg)
{
	union bpf_attr a;
	long fd;

	(void)arg;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_perf_event_open(const char *arg)
{
	struct perf_event_attr a;
	long fd;

	(void)arg;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_userfaultfd(const char *arg)
{
	long fd;

	(void)arg;
	/* User-mode-only faults need no privilege: the call itself must be refused. */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_modify_ldt(const char *arg)
{
	char buf[16];
	long r;

	(void)arg;
	r = syscall(SYS_modify_ldt, 0, buf, sizeof(buf));
	if (r < 0)
		return err();
	return ok("%ld", r);
}

static int p_keyctl(const char *arg)
{
	long r;

	(void)arg;
	r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	if (r < 0)
		return err();
	return ok("keyring %ld", r);
}

static int p_add_key(const char *arg)
{
	long r;

	(void)arg;
	r = syscall(SYS_add_key, "user", "cxprobe", "secret", (size_t)6, KEY_SPEC_PROCESS_KEYRING);
	if (r < 0)
		return err();
	return ok("key %ld", r);
}

static int p_request_key(const char *arg)
{
	long r;

	(void)arg;
	r = syscall(SYS_request_key, "user", "cxprobe-none", NULL, 0);
	if (r < 0)
		return err();
	return ok("key %ld", r);
}

/* ------------------------------------------------------------ file handles */

struct handle_buf {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static int p_name_to_handle_at(const char *arg)
{
	struct handle_buf h;
	int mount_id;

	(void)arg;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, ".", &h.fh, &mount_id, 0) < 0)
		return err();
	return ok("type %d, %u bytes", h.fh.handle_type, h.fh.handle_bytes);
}

static int p_open_by_handle_at(const char *arg)
{
	struct handle_buf h;
	int mount_id, fd;

	(void)arg;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, ".", &h.fh, &mount_id, 0) < 0) {
		/* A made-up handle: the call must be refused before it is looked at. */
		h.fh.handle_bytes = 8;
		h.fh.handle_type = 1;
	}
	fd = open_by_handle_at(AT_FDCWD, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err();
	close(fd);
	return ok(NULL);
}

/* ------------------------------------------------------------ namespaces, mounts */

static int p_unshare(int flags)
{
	if (unshare(flags) < 0)
		return err();
	return ok(NULL);
}

static int p_unshare_user(const char *arg)
{
	(void)arg;
	return p_unshare(CLONE_NEWUSER);
}

static int p_unshare_mount(const char *arg)
{
	(void)arg;
	return p_unshare(CLONE_NEWNS);
}

static int p_unshare_net(const char *arg)
{
	(void)arg;
	return p_unshare(CLONE_NEWNET);
}

static int p_setns(const char *arg)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0)
		return err();
	if (setns(fd, CLONE_NEWUTS) < 0) {
		int e = err();
		close(fd);
		return e;
	}
	close(fd);
	return ok(NULL);
}

static int p_mount(const char *arg)
{
	(void)arg;
	if (mount("cxprobe", ".", "tmpfs", 0, NULL) < 0)
		return err();
	return ok(NULL);
}

static int p_umount(const char *arg)
{
	(void)arg;
	if (umount2("/proc", MNT_DETACH) < 0)
		return err();
	return ok(NULL);
}

static int p_pivot_root(const char *arg)
{
	(void)arg;
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err();
	return ok(NULL);
}

static int p_chroot(const char *arg)
{
	(void)arg;
	if (chroot(".") < 0)
		return err();
	return ok(NULL);
}

static int p_open_tree(const char *arg)
{
	long fd;

	(void)arg;
	fd = syscall(SYS_open_tree, AT_FDCWD, ".", 1 /* OPEN_TREE_CLONE */);
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_fsopen(const char *arg)
{
	long fd;

	(void)arg;
	fd = syscall(SYS_fsopen, "tmpfs", 0);
	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

/* A child that exits at once; the parent reaps it. */
static int reap_clone(long pid)
{
	if (pid < 0)
		return err();
	if (pid == 0)
		_exit(0);
	(void)waitpid((pid_t)pid, NULL, 0);
	return ok("child %ld", pid);
}

static int p_clone3(const char *arg)
{
	struct clone_args a;

	(void)arg;
	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	return reap_clone(syscall(SYS_clone3, &a, sizeof(a)));
}

static int p_clone_newns(const char *arg)
{
	(void)arg;
	return reap_clone(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, NULL, NULL, 0));
}

static int p_clone_newuser(const char *arg)
{
	(void)arg;
	return reap_clone(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0));
}

static int p_personality_noaslr(const char *arg)
{
	(void)arg;
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		return err();
	return ok(NULL);
}

/* ------------------------------------------------------------ machine */

static int p_kexec_load(const char *arg)
{
	(void)arg;
	if (syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL) < 0)
		return err();
	return ok(NULL);
}

static int p_kexec_file_load(const char *arg)
{
	(void)arg;
	if (syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL) < 0)
		return err();
	return ok(NULL);
}

static int p_init_module(const char *arg)
{
	(void)arg;
	if (syscall(SYS_init_module, NULL, 0UL, "") < 0)
		return err();
	return ok(NULL);
}

static int p_finit_module(const char *arg)
{
	(void)arg;
	if (syscall(SYS_finit_module, -1, "", 0) < 0)
		return err();
	return ok(NULL);
}

static int p_delete_module(const char *arg)
{
	(void)arg;
	if (syscall(SYS_delete_module, "cxprobe_none", O_NONBLOCK) < 0)
		return err();
	return ok(NULL);
}

/* ------------------------------------------------------------ terminals */

static int need_fd(const char *arg, int *ret)
{
	long v;

	if (parse_long(arg, &v) < 0 || v < 0 || v > 1024)
		return -1;
	*ret = (int)v;
	return 0;
}

static int p_tiocsti(const char *arg)
{
	char c = '#';
	int fd;

	if (need_fd(arg, &fd) < 0)
		return EINVAL;
	if (ioctl(fd, TIOCSTI, &c) < 0)
		return err();
	return ok("injected into fd %d", fd);
}

static int p_tioclinux(const char *arg)
{
	char sub = 6; /* TIOCL_GETSHIFTSTATE */
	int fd;

	if (need_fd(arg, &fd) < 0)
		return EINVAL;
	if (ioctl(fd, TIOCLINUX, &sub) < 0)
		return err();
	return ok(NULL);
}

static int p_open_tty(const char *arg)
{
	int fd;

	(void)arg;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err();
	close(fd);
	return ok(NULL);
}

/* ------------------------------------------------------------ sockets */

static int try_socket(long family, int type, int proto)
{
	long fd = syscall(SYS_socket, family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return err();
	close((int)fd);
	return ok(NULL);
}

static int p_socket_unix(const char *a)
{
	(void)a;
	return try_socket(AF_UNIX, SOCK_STREAM, 0);
}

static int p_socket_inet(const char *a)
{
	(void)a;
	return try_socket(AF_INET, SOCK_STREAM, 0);
}

static int p_socket_inet_udp(const char *a)
{
	(void)a;
	return try_socket(AF_INET, SOCK_DGRAM, 0);
}

static int p_socket_inet6(const char *a)
{
	(void)a;
	return try_socket(AF_INET6, SOCK_STREAM, 0);
}

static int p_socket_netlink(const char *a)
{
	(void)a;
	return try_socket(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */);
}

static int p_socket_packet(const char *a)
{
	(void)a;
	return try_socket(AF_PACKET, SOCK_RAW, htons(0x0003 /* ETH_P_ALL */));
}

static int p_socket_raw(const char *a)
{
	(void)a;
	return try_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
}

static int p_socket_icmp(const char *a)
{
	(void)a;
	return try_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
}

static int p_socket_vsock(const char *a)
{
	(void)a;
	return try_socket(AF_VSOCK, SOCK_STREAM, 0);
}

static int p_socket_alg(const char *a)
{
	(void)a;
	return try_socket(AF_ALG, SOCK_SEQPACKET, 0);
}

/* AF_INET with a high bit set: the kernel truncates the family to int. */
static int p_socket_highbits(const char *a)
{
	(void)a;
	return try_socket((long)((1UL << 32) | AF_INET), SOCK_STREAM, 0);
}

static int p_socketpair_inet(const char *a)
{
	int sv[2];

	(void)a;
	if (socketpair(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err();
	close(sv[0]);
	close(sv[1]);
	return ok(NULL);
}

static int unix_connect(const char *name, bool abstract)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = name ? strlen(name) : 0;
	socklen_t len;
	int fd, e;

	if (!name || n == 0 || n + 1 >= sizeof(sa.sun_path))
		return EINVAL;
	if (abstract) {
		memcpy(sa.sun_path + 1, name, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(sa.sun_path, name, n);
		len = (socklen_t)sizeof(sa);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err();
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		e = err();
		close(fd);
		return e;
	}
	close(fd);
	return ok("connected");
}

static int p_connect(const char *arg)
{
	return unix_connect(arg, false);
}

static int p_connect_abstract(const char *arg)
{
	return unix_connect(arg, true);
}

/* "HOST:PORT" or "[V6]:PORT" into a sockaddr. */
static int parse_hostport(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	long port;
	size_t n;

	if (!arg)
		return -1;
	colon = strrchr(arg, ':');
	if (!colon || parse_long(colon + 1, &port) < 0 || port <= 0 || port > 65535)
		return -1;
	n = (size_t)(colon - arg);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, arg, n);
	host[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && n >= 2 && host[n - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		host[n - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		*len = sizeof(*s4);
	}
	return 0;
}

static int p_tcp(const char *arg)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t len, el = sizeof(int);
	int fd, e = 0;

	if (parse_hostport(arg, &ss, &len) < 0)
		return EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err();
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS) {
			e = err();
			close(fd);
			return e;
		}
		pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, 3000) != 1) {
			close(fd);
			return ETIMEDOUT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = err();
	}
	close(fd);
	if (e)
		return e;
	return ok("connected");
}

static int p_udp(const char *arg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, e;

	if (parse_hostport(arg, &ss, &len) < 0)
		return EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err();
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) < 0) {
		e = err();
		close(fd);
		return e;
	}
	close(fd);
	return ok("sent");
}

/* ------------------------------------------------------------ ABIs */

static int p_int80_getpid(const char *arg)
{
	long ret;

	(void)arg;
#if defined(__x86_64__)
	/* i386 getpid (20) through the 32-bit entry point. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(I386_NR_GETPID)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	if ((int)ret < 0 && (int)ret > -4096) {
		errno = -(int)ret;
		return err();
	}
	return ok("pid %d", (int)ret);
#else
	(void)ret;
	return ENOSYS;
#endif
}

static int p_x32_getpid(const char *arg)
{
	long r;

	(void)arg;
	r = syscall(X32_SYSCALL_BIT | SYS_getpid);
	if (r < 0)
		return err();
	return ok("pid %ld", r);
}

/* ------------------------------------------------------------ identity */

static int p_nnp(const char *arg)
{
	int r;

	(void)arg;
	r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (r < 0)
		return err();
	return ok("%d", r);
}

static int p_caps(const char *arg)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	(void)arg;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return err();
	return ok("eff=%08x%08x prm=%08x%08x inh=%08x%08x", d[1].effective, d[0].effective,
		  d[1].permitted, d[0].permitted, d[1].inheritable, d[0].inheritable);
}

/* ------------------------------------------------------------ table */

static const struct probe {
	const char *name;
	int (*fn)(const char *arg);
} probes[] = {
	{"ptrace_traceme", p_ptrace_traceme},
	{"ptrace_attach", p_ptrace_attach},
	{"process_vm_readv", p_process_vm_readv},
	{"kill", p_kill},
	{"io_uring", p_io_uring},
	{"bpf", p_bpf},
	{"perf_event_open", p_perf_event_open},
	{"userfaultfd", p_userfaultfd},
	{"modify_ldt", p_modify_ldt},
	{"keyctl", p_keyctl},
	{"add_key", p_add_key},
	{"request_key", p_request_key},
	{"name_to_handle_at", p_name_to_handle_at},
	{"open_by_handle_at", p_open_by_handle_at},
	{"unshare_user", p_unshare_user},
	{"unshare_mount", p_unshare_mount},
	{"unshare_net", p_unshare_net},
	{"setns", p_setns},
	{"mount", p_mount},
	{"umount", p_umount},
	{"pivot_root", p_pivot_root},
	{"chroot", p_chroot},
	{"open_tree", p_open_tree},
	{"fsopen", p_fsopen},
	{"clone3", p_clone3},
	{"clone_newns", p_clone_newns},
	{"clone_newuser", p_clone_newuser},
	{"personality_noaslr", p_personality_noaslr},
	{"kexec_load", p_kexec_load},
	{"kexec_file_load", p_kexec_file_load},
	{"init_module", p_init_module},
	{"finit_module", p_finit_module},
	{"delete_module", p_delete_module},
	{"tiocsti", p_tiocsti},
	{"tioclinux", p_tioclinux},
	{"open_tty", p_open_tty},
	{"socket_unix", p_socket_unix},
	{"socket_inet", p_socket_inet},
	{"socket_inet_udp", p_socket_inet_udp},
	{"socket_inet6", p_socket_inet6},
	{"socket_netlink", p_socket_netlink},
	{"socket_packet", p_socket_packet},
	{"socket_raw", p_socket_raw},
	{"socket_icmp", p_socket_icmp},
	{"socket_vsock", p_socket_vsock},
	{"socket_alg", p_socket_alg},
	{"socket_highbits", p_socket_highbits},
	{"socketpair_inet", p_socketpair_inet},
	{"connect", p_connect},
	{"connect_abstract", p_connect_abstract},
	{"tcp", p_tcp},
	{"udp", p_udp},
	{"int80_getpid", p_int80_getpid},
	{"x32_getpid", p_x32_getpid},
	{"nnp", p_nnp},
	{"caps", p_caps},
};

static const struct probe *find_probe(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strlen(probes[i].name) == n && strncmp(probes[i].name, name, n) == 0)
			return &probes[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: cxprobe PROBE[=ARG]...\nprobes:");
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		fprintf(stderr, " %s", probes[i].name);
	fputc('\n', stderr);
}

/* Run one probe in a child: it prints its own line. */
static void run_probe(const struct probe *p, const char *label, const char *arg)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s: fork failed: %s\n", label, strerrorname_np(errno));
		return;
	}
	if (pid == 0) {
		int e;

		detail[0] = '\0';
		errno = 0;
		e = p->fn(arg);
		if (e == 0)
			printf("%s: ok%s%s\n", label, detail[0] ? " " : "", detail);
		else
			printf("%s: %s\n", label,
			       strerrorname_np(e) ? strerrorname_np(e) : "unknown-errno");
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		printf("%s: signal %d\n", label, WTERMSIG(status));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		const struct probe *p = find_probe(argv[i], n);

		if (!p) {
			fprintf(stderr, "cxprobe: unknown probe %s\n", argv[i]);
			usage();
			return 2;
		}
		{
			char label[64];
			snprintf(label, sizeof(label), "%.*s", (int)n, argv[i]);
			run_probe(p, label, eq ? eq + 1 : NULL);
		}
	}
	return 0;
}
