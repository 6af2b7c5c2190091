/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cxlimits.h"
#include "common/proxy_proto.h"
#include "daemon/resolv_stub.h"
#include "daemon/sandbox_init.h"
#include "daemon/seccomp.h"
#include "daemon/sandbox_msg.h"
#include "daemon/supervisor.h"

/* Fixed descriptor layout inside PID 1 after the shuffle. */
#define FD_STATUS 3
#define FD_LIFELINE 4
#define FD_TTY 5 /* socket the pty master goes back on (tty mode), else closed */
#define FD_NET 6 /* socket the proxy's listeners go back on (proxied network), else closed */
#define FD_GO 7  /* the daemon's go-signal (spec->wait_go), else closed */
#define FD_FIRST_FREE 8

extern char **environ;

static void msg_write(int fd, const struct sandbox_msg *m)
{
	const char *p = (const char *)m;
	size_t left = sizeof(*m);

	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		left -= (size_t)n;
	}
}

_noreturn_ static void fail_detail(int status_fd, enum sandbox_stage stage, int err,
				    const struct mounts_failure *mf)
{
	struct sandbox_msg m = {
		.magic = SANDBOX_MSG_MAGIC,
		.type = SANDBOX_MSG_FAILED,
		.stage = stage,
		.err = err > 0 ? err : EIO,
		.detail = mf ? (int32_t)mf->what : 0,
		.detail_index = mf ? mf->index : -1,
		.detail_name = mf ? mf->name : -1,
	};

	if (status_fd >= 0)
		msg_write(status_fd, &m);
	_exit(SANDBOX_EXIT_BASE + stage);
}

_noreturn_ static void fail(int status_fd, enum sandbox_stage stage, int err)
{
	fail_detail(status_fd, stage, err, NULL);
}

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		(void)sigaction(sig, &sa, NULL);
	}
}

/*
 * Move the descriptors the child needs to a fixed layout and close every
 * other one the daemon had open (its listening socket, other clients,
 * other sandboxes' pipes): first up out of the way, then down into place.
 */
static int arrange_fds(const struct sandbox_spec *s)
{
	int src[8] = { s->stdio[0],    s->stdio[1], s->stdio[2], s->status_fd,
		       s->lifeline_fd, s->tty_sock, s->net_sock, s->wait_go ? s->go_fd : -1 };
	int tmp[8];

	for (int i = 0; i < 8; i++) {
		tmp[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 64);
		if (src[i] >= 0 && tmp[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 8; i++)
		if (tmp[i] >= 0 && dup3(tmp[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
			return -errno;
	if (tmp[FD_GO] < 0)
		close(FD_GO); /* whatever the daemon had there */
	if (syscall(SYS_close_range, FD_FIRST_FREE, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static int apply_rlimits(const struct sandbox_spec *s)
{
	struct rlimit rl;

	if (s->no_core) {
		rl = (struct rlimit){ 0, 0 };
		if (setrlimit(RLIMIT_CORE, &rl) < 0)
			return -1;
	}
	if (s->rlimit_fsize) {
		rl = (struct rlimit){ s->rlimit_fsize, s->rlimit_fsize };
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			return -1;
	}
	if (s->rlimit_nofile && getrlimit(RLIMIT_NOFILE, &rl) == 0 && s->rlimit_nofile < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max = s->rlimit_nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
	}
	/* The soft limit the daemon was started with (daemon/fdlimit.h). */
	if (!s->rlimit_nofile && s->rlimit_nofile_soft && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    s->rlimit_nofile_soft < rl.rlim_cur) {
		rl.rlim_cur = s->rlimit_nofile_soft;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
	}
	return 0;
}

/* One descriptor over a Unix socket (a stack cmsg buffer: no allocation). */
static int send_fd(int sock, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte = 'T';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/*
 * Proxied network, in the sandbox's fresh network namespace: loopback up,
 * then the proxy's listeners on 127.0.0.1 (HTTP 3128, SOCKS5 1080 TCP and
 * UDP, DNS 53 UDP and TCP) and, if the namespace has IPv6, on [::1] (HTTP,
 * SOCKS5 TCP, DNS), sent to the daemon on FD_NET in one message
 * (proxy_proto.h order) and closed here.  The sockets keep this namespace: the worker that
 * accepts on them serves only this sandbox, and nothing else in the
 * namespace leads out.
 *
 * Runs as root in the sandbox child before anything the client chose is
 * touched; it binds only fixed loopback addresses in a namespace that
 * exists for this sandbox alone.  System calls only.
 */
static int proxy_listeners(void)
{
	static const struct {
		int type;
		uint16_t port;
	} want[PROXY_N_LISTENERS] = {
		{ SOCK_STREAM, PROXY_PORT_HTTP }, { SOCK_STREAM, PROXY_PORT_SOCKS },
		{ SOCK_DGRAM, PROXY_PORT_SOCKS }, { SOCK_DGRAM, PROXY_PORT_DNS },
		{ SOCK_STREAM, PROXY_PORT_DNS },
		/* [::1] */
		{ SOCK_STREAM, PROXY_PORT_HTTP }, { SOCK_STREAM, PROXY_PORT_SOCKS },
		{ SOCK_DGRAM, PROXY_PORT_DNS }, { SOCK_STREAM, PROXY_PORT_DNS },
	};
	int fds[PROXY_N_LISTENERS], r = 0, n = PROXY_N_LISTENERS;
	struct ifreq ifr;
	int s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
		close(s);
		return r;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		r = -errno;
		close(s);
		return r;
	}
	close(s);
	for (int i = 0; i < PROXY_N_LISTENERS; i++)
		fds[i] = -1;
	for (int i = 0; i < PROXY_N_LISTENERS && r == 0; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(want[i].port),
					 .sin_addr = { htonl(INADDR_LOOPBACK) } };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
					   .sin6_port = htons(want[i].port),
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		bool v6 = i >= PROXY_N_LISTENERS_V4;
		int one = 1;

		fds[i] = socket(v6 ? AF_INET6 : AF_INET, want[i].type | SOCK_CLOEXEC | SOCK_NONBLOCK,
				0);
		if (fds[i] < 0 ||
		    setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    (v6 && setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
		    (v6 ? bind(fds[i], (struct sockaddr *)&a6, sizeof(a6))
			: bind(fds[i], (struct sockaddr *)&a, sizeof(a))) < 0 ||
		    (want[i].type == SOCK_STREAM && listen(fds[i], 128) < 0))
			r = -errno;
		/* No IPv6 in this kernel or namespace (ipv6.disable, disable_ipv6): IPv4 only. */
		if (v6 && r < 0) {
			for (int k = PROXY_N_LISTENERS_V4; k <= i; k++)
				if (fds[k] >= 0)
					fds[k] = safe_close(fds[k]);
			n = PROXY_N_LISTENERS_V4;
			r = 0;
			break;
		}
	}
	if (r == 0) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(fds))];
		} u;
		char byte = 'N';
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

		memset(&u, 0, sizeof(u));
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
		if (sendmsg(FD_NET, &msg, MSG_NOSIGNAL) != 1)
			r = -errno;
	}
	for (int i = 0; i < PROXY_N_LISTENERS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* True if the daemon is gone (its end of the lifeline pipe closed). */
static bool daemon_gone(void)
{
	struct pollfd p = { .fd = FD_LIFELINE, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * The command hands PID 1 its seccomp listener over a socketpair made
 * before the fork: one int32 (0, or the -errno why there is no listener)
 * with the descriptor as SCM_RIGHTS.  Stack buffers only.
 */
static int send_listener(int sock, int fd, int32_t status)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &status, .iov_len = sizeof(status) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(status) ? 0 : -EIO;
}

/* PID 1's side: the listener (O_CLOEXEC), or -errno (-ENODATA: the command ended first). */
static int recv_listener(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	int32_t status = -EIO;
	struct iovec iov = { .iov_base = &status, .iov_len = sizeof(status) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fd = -1;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n == 0)
		return -ENODATA;
	if (n != (ssize_t)sizeof(status) || (mh.msg_flags & MSG_CTRUNC) || status != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return status < 0 ? status : -EIO;
	}
	return fd;
}

/*
 * The command's last step before execve.  With a notify program and the
 * socket to PID 1, install it with a listener and hand that over; close
 * our copy before execve: a command holding its own listener could answer
 * its own refusals with CONTINUE.  If no listener can be had (an ancestor
 * filter already has one: EBUSY; an old kernel), fall back to the plain
 * program, which refuses the same calls with EPERM, and tell PID 1 why.
 */
static int install_seccomp(const struct sandbox_spec *s, int sock)
{
	bool required = s->supervise && s->supervise->features;
	int lfd = -1, r;

	if (required && (!s->seccomp_notify || sock < 0))
		return -ENOSYS; /* deny_read or a host /tmp need the supervisor */
	if (s->seccomp_notify && sock >= 0) {
		r = seccomp_install(s->seccomp_notify, true, &lfd);
		if (r >= 0) {
			r = send_listener(sock, lfd, 0);
			close(lfd);
			/*
			 * Installed but not handed over: refused calls would answer
			 * ENOSYS, not EPERM.  A fresh socketpair does not fail this way.
			 */
			return r;
		}
		(void)send_listener(sock, -1, r);
		if (required)
			return r;
	}
	return seccomp_install(s->seccomp, false, NULL);
}

/*
 * Under deny_read the command's own execve is notified like any other,
 * but before it the command is still a copy of PID 1, not dumpable, and
 * the supervisor cannot read the path from it.  So PID 1 finds the
 * program itself before the fork, as execvpe() would (argv[0] with a '/',
 * else the first PATH entry where it is an executable regular file, from
 * the command's working directory and as the user), the command execs
 * exactly that, and the supervisor judges that name when the trusted
 * pre-exec command asks (supervisor_trust_exec()).  program_err: 0 found,
 * -ENOENT / -EACCES not found, 1 not computed (execvpe() as usual).
 */
static char program[4096];
static int program_err = 1;

static int program_find(const struct sandbox_spec *s)
{
	const char *file = s->argv[0], *path = NULL;
	size_t fl = file ? strlen(file) : 0;
	bool eacces = false;
	int dir, r = -ENOENT;

	if (s->program) {
		/* The program the daemon resolved (and its rules were judged against). */
		size_t pl = strlen(s->program);

		if (pl >= sizeof(program))
			return -ENAMETOOLONG;
		memcpy(program, s->program, pl + 1);
		return 0;
	}
	if (fl == 0 || fl >= sizeof(program))
		return fl ? -ENAMETOOLONG : -ENOENT;
	if (strchr(file, '/')) {
		memcpy(program, file, fl + 1);
		return 0;
	}
	for (char *const *e = s->envp; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path)
		path = "/bin:/usr/bin"; /* glibc's default */
	dir = open(s->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	for (const char *p = path;; p++) {
		size_t n = strcspn(p, ":");
		struct stat st;

		/* An empty entry is the working directory. */
		if (n + 1 + fl + 1 <= sizeof(program)) {
			memcpy(program, n ? p : ".", n ? n : 1);
			n = n ? n : 1;
			program[n] = '/';
			memcpy(program + n + 1, file, fl + 1);
			if (fstatat(dir, program, &st, 0) == 0 && S_ISREG(st.st_mode)) {
				if (faccessat(dir, program, X_OK, AT_EACCESS) == 0) {
					r = 0;
					break;
				}
				eacces = true;
			}
		}
		p += strcspn(p, ":");
		if (!*p)
			break;
	}
	close(dir);
	return r == 0 ? 0 : eacces ? -EACCES : -ENOENT;
}

/* The command's exec of program (and the shell for a script without "#!"). */
static void exec_program(const struct sandbox_spec *s)
{
	static char *sh_argv[CX_MAX_ARGV + 2];
	size_t n = 0;

	if (program_err < 0) {
		errno = -program_err;
		return;
	}
	execve(program, s->argv, s->envp);
	if (errno != ENOEXEC)
		return;
	sh_argv[n++] = (char *)"/bin/sh";
	sh_argv[n++] = program;
	for (size_t i = 1; s->argv[i] && n < ARRAY_SIZE(sh_argv) - 1; i++)
		sh_argv[n++] = s->argv[i];
	sh_argv[n] = NULL;
	execve("/bin/sh", sh_argv, s->envp);
}

_noreturn_ static void run_command(const struct sandbox_spec *s, int sync_fd, int listen_sock,
				   int tty_slave)
{
	sigset_t none;
	struct sandbox_msg m = { .magic = SANDBOX_MSG_MAGIC, .type = SANDBOX_MSG_FAILED };

	close(FD_STATUS);
	close(FD_LIFELINE);

	/* Own session and process group: signals are forwarded to the group. */
	if (setsid() < 0) {
		m.stage = STAGE_SESSION;
		goto fail;
	}
	/* tty mode: the sandbox's own pty is stdio and the controlling terminal. */
	if (tty_slave >= 0) {
		for (int i = 0; i < 3; i++)
			if (dup2(tty_slave, i) < 0) {
				m.stage = STAGE_STDIO;
				goto fail;
			}
		close(tty_slave);
		if (ioctl(0, TIOCSCTTY, 0) < 0) {
			m.stage = STAGE_STDIO;
			goto fail;
		}
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (chdir(s->cwd) < 0) {
		m.stage = STAGE_CHDIR;
		goto fail;
	}
	/* Last step before exec (no_new_privs was set by PID 1 and is inherited). */
	if (s->seccomp) {
		int r = install_seccomp(s, listen_sock);
		if (r < 0) {
			errno = -r;
			m.stage = STAGE_SECCOMP;
			goto fail;
		}
	}
	if (listen_sock >= 0)
		close(listen_sock);

	/*
	 * The program the rules were evaluated against, when the daemon
	 * resolved it; otherwise execvpe() searches the PATH of environ, so
	 * point environ at envp.
	 */
	environ = (char **)s->envp;
	if (program_err != 1)
		exec_program(s); /* deny_read: the file PID 1 found and judges */
	else if (s->program)
		execve(s->program, s->argv, s->envp);
	else
		execvpe(s->argv[0], s->argv, s->envp);
	m.stage = STAGE_EXEC;
fail:
	m.err = errno > 0 ? errno : EIO;
	msg_write(sync_fd, &m);
	_exit(m.stage == STAGE_EXEC && (m.err == ENOENT || m.err == ENOTDIR) ? 127 : 126);
}

/* Forward sig to the command's process group (or the command if the group is gone). */
static void forward(pid_t cmd, int sig)
{
	if (sig <= 0 || sig >= _NSIG || sig == SIGKILL)
		return;
	if (kill(-cmd, sig) < 0 && errno == ESRCH)
		(void)kill(cmd, sig);
}

static const int forwarded[] = { SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				 SIGALRM, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU };

/* The signals PID 1 waits for: SIGCHLD, the carrier and the forwarded ones. */
static void reap_signals(sigset_t *set, int carrier)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, carrier);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

/*
 * A procfs of this PID namespace for the supervisor, which resolves the
 * command's relative paths through /proc/PID/cwd and /proc/PID/fd/N.  The
 * sandbox modes mounted one on /proc; danger-full-access keeps the host's
 * /proc, which numbers processes differently, so PID 1 makes a private
 * instance.
 *
 * Runs as root, before the identity change, on nothing the client chose.
 * Safe because: the instance is created and mounted detached (fsopen,
 * fsmount) and never attached anywhere, so the host's mount tree does not
 * change; it shows only this PID namespace; procfs checks every lookup
 * with the credentials of the moment, so the descriptor grants PID 1
 * nothing once it runs as the caller; O_CLOEXEC, so the command never
 * holds it.  -errno when it cannot: relative paths are then not judged.
 */
static int supervisor_proc(const struct sandbox_spec *spec)
{
	int fs, mnt;

	if (spec->mounts) {
		int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		close(fs);
		return -errno;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	return mnt < 0 ? -errno : mnt;
}

/* PID 1 has one; static because its tables are large for a stack. */
static struct supervisor sup;

/* Answer the listener while the supervisor has one and it polls readable. */
static void supervise_step(const struct pollfd *p)
{
	if (p->revents & POLLIN) {
		if (supervisor_handle(&sup) < 0) {
			/* Refused calls now fail with ENOSYS: say the log is partial. */
			sup.listener = safe_close(sup.listener);
			sup.flags |= SANDBOX_DENIALS_UNSUPERVISED;
		}
	} else if (p->revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* No process uses the filter any more. */
		sup.listener = safe_close(sup.listener);
	}
}

/*
 * Read the command's record from the sync pipe (or its EOF), answering
 * the supervisor's notifications meanwhile.  read()'s result.
 */
static ssize_t wait_exec(int fd, struct sandbox_msg *m)
{
	ssize_t n;

	while (sup.listener >= 0) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = sup.listener, .events = POLLIN } };

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		supervise_step(&p[1]);
	}
	do
		n = read(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Wait for the command's end while forwarding signals and, with a seccomp
 * listener, answering its notifications.  With sfd (a signalfd of the
 * reap signals) PID 1 polls both; without it, sigwaitinfo() as before.
 */
_noreturn_ static void reap_loop(pid_t cmd, int carrier, int sfd)
{
	struct sandbox_msg m = { .magic = SANDBOX_MSG_MAGIC, .type = SANDBOX_MSG_EXITED };
	bool cmd_done = false, reap = true;
	sigset_t set;

	reap_signals(&set, carrier);

	for (;;) {
		siginfo_t si;
		int sig;

		/*
		 * Reap before waiting: SIGCHLD may have arrived before we got here.
		 * With the signalfd, again only after a SIGCHLD (not per notification).
		 */
		for (; reap || sfd < 0;) {
			int st;
			pid_t p = (pid_t)syscall(SYS_wait4, -1, &st, WNOHANG, NULL);
			if (p <= 0) {
				reap = false;
				break;
			}
			if (p == cmd && !cmd_done) {
				cmd_done = true;
				if (WIFSIGNALED(st)) {
					m.kind = SANDBOX_EXITED_SIGNAL;
					m.status = WTERMSIG(st);
					m.core_dumped = WCOREDUMP(st) ? 1 : 0;
				} else {
					m.kind = SANDBOX_EXITED_CODE;
					m.status = WEXITSTATUS(st);
				}
			}
		}
		if (cmd_done) {
			struct rusage ru;

			if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
				m.utime_usec = (uint64_t)ru.ru_utime.tv_sec * 1000000 +
					       (uint64_t)ru.ru_utime.tv_usec;
				m.stime_usec = (uint64_t)ru.ru_stime.tv_sec * 1000000 +
					       (uint64_t)ru.ru_stime.tv_usec;
				m.maxrss_kib = (uint64_t)ru.ru_maxrss;
			}
			/* What was refused, then the status (the daemon reads them in order). */
			for (size_t i = 0; i < supervisor_count(&sup); i++) {
				struct sandbox_msg d = { .magic = SANDBOX_MSG_MAGIC,
							 .type = SANDBOX_MSG_DENIAL,
							 .denial = *supervisor_entry(&sup, i) };
				msg_write(FD_STATUS, &d);
			}
			m.denial_flags = sup.flags;
			msg_write(FD_STATUS, &m);
			/* Our exit kills whatever the command left in this PID namespace. */
			_exit(0);
		}

		if (sfd < 0) {
			sig = sigwaitinfo(&set, &si);
			if (sig < 0 || sig == SIGCHLD)
				continue;
			forward(cmd, sig == carrier ? si.si_value.sival_int : sig);
			continue;
		}

		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = sup.listener, .events = POLLIN } };
		if (poll(p, sup.listener >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo ssi[8];
			ssize_t n = read(sfd, ssi, sizeof(ssi));

			for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(ssi[0]); i++) {
				sig = (int)ssi[i].ssi_signo;
				if (sig == SIGCHLD)
					reap = true;
				else
					forward(cmd, sig == carrier ? ssi[i].ssi_int : sig);
			}
		}
		if (sup.listener >= 0)
			supervise_step(&p[1]);
	}
}

void sandbox_init_run(const struct sandbox_spec *spec)
{
	struct sandbox_msg started = { .magic = SANDBOX_MSG_MAGIC, .type = SANDBOX_MSG_STARTED };
	struct sandbox_msg m;
	enum sandbox_stage stage = STAGE_NONE;
	int sync[2], listen_sock[2] = { -1, -1 }, sfd = -1, listener = -1, procfd = -1, r;
	int tty_slave = -1;
	const struct supervisor_rules *supervise = spec->supervise;
	pid_t cmd;
	ssize_t n;

	/* All signals are blocked (the daemon blocked them around clone3). */
	reset_signals();
	(void)prctl(PR_SET_NAME, "codexd-init", 0, 0, 0);

	/* Into the exec's v1 cgroups before anything can fork (v2 used CLONE_INTO_CGROUP). */
	for (int i = 0; i < 3; i++)
		if (spec->cgroup_procs[i] >= 0 && write(spec->cgroup_procs[i], "0", 1) < 0)
			fail(spec->status_fd, STAGE_CGROUP, errno);
	/*
	 * The other namespaces, fresh for this sandbox only: after the cgroup
	 * join, so a new cgroup namespace is rooted at the exec's own cgroup;
	 * before anything is mounted or run, so nothing ever happens in the
	 * daemon's (PID 1 shares them only for these few system calls).
	 */
	{
		uint64_t flags = spec->unshare_flags;

		if (spec->have_netns && (flags & CLONE_NEWNET)) {
			if (setns(spec->netns_fd, CLONE_NEWNET) < 0)
				fail(spec->status_fd, STAGE_NAMESPACES, errno);
			flags &= ~(uint64_t)CLONE_NEWNET;
		}
		if (flags && unshare((int)flags) < 0)
			fail(spec->status_fd, STAGE_NAMESPACES, errno);
	}
	if (apply_rlimits(spec) < 0)
		fail(spec->status_fd, STAGE_RLIMITS, errno);

	r = arrange_fds(spec);
	if (r < 0)
		fail(spec->status_fd, STAGE_STDIO, -r);

	if (setsid() < 0)
		fail(FD_STATUS, STAGE_SESSION, errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(FD_STATUS, STAGE_PDEATHSIG, errno);
	if (daemon_gone())
		_exit(SANDBOX_EXIT_BASE + STAGE_LIFELINE);

	if (spec->net_sock >= 0) {
		r = proxy_listeners();
		if (r < 0)
			fail(FD_STATUS, STAGE_NETWORK, -r);
	}
	close(FD_NET);
	if (spec->resolv_stub) {
		struct mounts_failure mf = { .what = MOUNTS_RESOLV, .index = -1, .name = -1 };

		r = resolv_stub_bind();
		if (r < 0)
			fail_detail(FD_STATUS, STAGE_MOUNTS, -r, &mf);
	}

	/*
	 * [network] allow_unix_sockets: the listed host sockets, opened here,
	 * in the host's view of the files (the mounts hide most of them), for
	 * the supervisor to connect through (supervisor.h).
	 */
	if (spec->supervise && spec->supervise->unix_allowlist) {
		static struct supervisor_rules rules;
		static int fds[SUPERVISOR_MAX_UNIX_ALLOW];

		rules = *spec->supervise;
		if (rules.n_unix_allow > SUPERVISOR_MAX_UNIX_ALLOW)
			rules.n_unix_allow = SUPERVISOR_MAX_UNIX_ALLOW;
		supervisor_unix_preopen(&rules, fds);
		rules.unix_allow_fds = fds;
		supervise = &rules;
	}

	if (spec->mounts) {
		struct mounts_failure mf;

		r = mounts_apply(spec->mounts, &mf);
		if (r < 0)
			fail_detail(FD_STATUS, STAGE_MOUNTS, -r, &mf);
	}
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		fail(FD_STATUS, STAGE_MOUNTS, errno);
	if (spec->landlock) {
		r = landlock_apply(spec->landlock, false);
		if (r < 0)
			fail(FD_STATUS, STAGE_LANDLOCK, -r);
	}

	/*
	 * With file supervision, a procfs for the supervisor (see
	 * supervisor_proc()).  PID 1 stays non-dumpable after the identity
	 * change below (the kernel's suid_dumpable rule), which is what keeps
	 * the command, same uid, out of PID 1's memory and /proc entries and
	 * so away from the listener.
	 */
	if (spec->seccomp && spec->seccomp_notify &&
	    (spec->seccomp_notify_fs || (spec->supervise && spec->supervise->features)))
		procfd = supervisor_proc(spec);

	r = privdrop_apply(&spec->priv, &stage);
	if (r < 0)
		fail(FD_STATUS, stage, -r);

	/* Changing credentials cleared the parent-death signal: arm it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(FD_STATUS, STAGE_PDEATHSIG, errno);
	if (daemon_gone())
		_exit(SANDBOX_EXIT_BASE + STAGE_LIFELINE);

	/*
	 * tty mode: a pty of the sandbox's own devpts instance, opened after the
	 * privilege drop so the slave is the caller's; the master goes to the
	 * daemon, which relays it.  TIOCGPTPEER opens the slave without a path.
	 */
	if (spec->tty_sock >= 0) {
		struct winsize ws = { .ws_row = spec->tty_rows, .ws_col = spec->tty_cols };
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		int unlock = 0;

		if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
		    (ws.ws_row && ioctl(master, TIOCSWINSZ, &ws) < 0))
			fail(FD_STATUS, STAGE_STDIO, errno);
		tty_slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty_slave < 0 || send_fd(FD_TTY, master) < 0)
			fail(FD_STATUS, STAGE_STDIO, errno);
		close(master);
	}
	close(FD_TTY);

	if (pipe2(sync, O_CLOEXEC) < 0)
		fail(FD_STATUS, STAGE_FORK, errno);
	/*
	 * Supervision needs a signalfd (PID 1 then polls signals and the
	 * listener together) and the socketpair the listener comes back on.
	 * Without either the command installs the plain program: refusals
	 * stay EPERM, only the report is lost (denial_flags says so).
	 */
	if (spec->seccomp && spec->seccomp_notify) {
		sigset_t set;

		reap_signals(&set, spec->carrier_signal);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (sfd >= 0 &&
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, listen_sock) < 0) {
			close(sfd);
			sfd = -1;
		}
	}
	if (spec->supervise && (spec->supervise->features & SECCOMP_FEATURE_OPEN))
		program_err = program_find(spec);
	/*
	 * Everything is built: wait for the daemon's go (the command's audit
	 * record is durable) before the command exists at all.  Anything but
	 * the one byte "G" -- end of file because the daemon refused the
	 * command or is gone -- ends the sandbox here.
	 */
	if (spec->wait_go) {
		char go = 0;
		ssize_t gn;

		do
			gn = read(FD_GO, &go, 1);
		while (gn < 0 && errno == EINTR);
		if (gn != 1 || go != 'G')
			_exit(SANDBOX_EXIT_BASE + STAGE_FORK);
		close(FD_GO);
	}
	cmd = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (cmd < 0)
		fail(FD_STATUS, STAGE_FORK, errno);
	if (cmd == 0) {
		close(sync[0]);
		if (listen_sock[0] >= 0)
			close(listen_sock[0]);
		run_command(spec, sync[1], listen_sock[1], tty_slave);
	}
	close(sync[1]);
	close(0);
	close(1);
	close(2);
	if (tty_slave >= 0)
		close(tty_slave);
	if (listen_sock[0] >= 0) {
		/* Before the sync read: the command sends this before it execs. */
		close(listen_sock[1]);
		listener = recv_listener(listen_sock[0]);
		close(listen_sock[0]);
	}

	/*
	 * The supervisor answers from here on: under deny_read the command's
	 * own execve is notified, before the sync pipe can say anything.
	 */
	supervisor_init(&sup, listener < 0 ? -1 : listener,
			(spec->seccomp_notify_fs ? SECCOMP_FEATURE_FS : 0u) |
				(spec->supervise ? spec->supervise->features : 0u),
			supervise, procfd < 0 ? -1 : procfd);
	if (!spec->seccomp)
		sup.flags &= ~SANDBOX_DENIALS_UNSUPERVISED; /* no filter: nothing to refuse */

	/* EOF: exec succeeded (the CLOEXEC end closed).  A record: it failed. */
	if (program_err == 0)
		supervisor_trust_exec(&sup, cmd, program, spec->cwd);
	n = wait_exec(sync[0], &m);
	supervisor_trust_exec(&sup, 0, NULL, NULL);
	close(sync[0]);
	if (n == (ssize_t)sizeof(m) && m.magic == SANDBOX_MSG_MAGIC) {
		msg_write(FD_STATUS, &m);
		(void)syscall(SYS_wait4, cmd, NULL, 0, NULL);
		_exit(SANDBOX_EXIT_BASE + m.stage);
	}
	msg_write(FD_STATUS, &started);

	reap_loop(cmd, spec->carrier_signal, sfd);
}
