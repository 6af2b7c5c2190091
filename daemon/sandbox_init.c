/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/sandbox_init.h"
#include "daemon/seccomp.h"
#include "daemon/sandbox_msg.h"

/* Fixed descriptor layout inside PID 1 after the shuffle. */
#define FD_STATUS 3
#define FD_LIFELINE 4
#define FD_FIRST_FREE 5

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
	int src[5] = { s->stdio[0], s->stdio[1], s->stdio[2], s->status_fd, s->lifeline_fd };
	int tmp[5];

	for (int i = 0; i < 5; i++) {
		tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 64);
		if (tmp[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 5; i++)
		if (dup3(tmp[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
			return -errno;
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
	return 0;
}

/* True if the daemon is gone (its end of the lifeline pipe closed). */
static bool daemon_gone(void)
{
	struct pollfd p = { .fd = FD_LIFELINE, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

_noreturn_ static void run_command(const struct sandbox_spec *s, int sync_fd)
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
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (chdir(s->cwd) < 0) {
		m.stage = STAGE_CHDIR;
		goto fail;
	}
	/* Last step before exec (no_new_privs was set by PID 1 and is inherited). */
	if (s->seccomp) {
		int r = seccomp_install(s->seccomp, false, NULL);
		if (r < 0) {
			errno = -r;
			m.stage = STAGE_SECCOMP;
			goto fail;
		}
	}

	/* execvpe() searches the PATH of environ, so point environ at envp. */
	environ = (char **)s->envp;
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

_noreturn_ static void reap_loop(pid_t cmd, int carrier)
{
	static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
					 SIGALRM, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU };
	struct sandbox_msg m = { .magic = SANDBOX_MSG_MAGIC, .type = SANDBOX_MSG_EXITED };
	bool cmd_done = false;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, carrier);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);

	for (;;) {
		siginfo_t si;
		int sig;

		/* Reap before waiting: SIGCHLD may have arrived before we got here. */
		for (;;) {
			int st;
			pid_t p = (pid_t)syscall(SYS_wait4, -1, &st, WNOHANG, NULL);
			if (p <= 0)
				break;
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
			msg_write(FD_STATUS, &m);
			/* Our exit kills whatever the command left in this PID namespace. */
			_exit(0);
		}

		sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig == SIGCHLD)
			continue;
		if (sig == carrier)
			forward(cmd, si.si_value.sival_int);
		else
			forward(cmd, sig);
	}
}

void sandbox_init_run(const struct sandbox_spec *spec)
{
	struct sandbox_msg started = { .magic = SANDBOX_MSG_MAGIC, .type = SANDBOX_MSG_STARTED };
	struct sandbox_msg m;
	enum sandbox_stage stage = STAGE_NONE;
	int sync[2], r;
	pid_t cmd;
	ssize_t n;

	/* All signals are blocked (the daemon blocked them around clone3). */
	reset_signals();
	(void)prctl(PR_SET_NAME, "codexd-init", 0, 0, 0);

	/* Into the exec's v1 cgroups before anything can fork (v2 used CLONE_INTO_CGROUP). */
	for (int i = 0; i < 3; i++)
		if (spec->cgroup_procs[i] >= 0 && write(spec->cgroup_procs[i], "0", 1) < 0)
			fail(spec->status_fd, STAGE_CGROUP, errno);
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

	r = privdrop_apply(&spec->priv, &stage);
	if (r < 0)
		fail(FD_STATUS, stage, -r);

	/* Changing credentials cleared the parent-death signal: arm it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(FD_STATUS, STAGE_PDEATHSIG, errno);
	if (daemon_gone())
		_exit(SANDBOX_EXIT_BASE + STAGE_LIFELINE);

	if (pipe2(sync, O_CLOEXEC) < 0)
		fail(FD_STATUS, STAGE_FORK, errno);
	cmd = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (cmd < 0)
		fail(FD_STATUS, STAGE_FORK, errno);
	if (cmd == 0) {
		close(sync[0]);
		run_command(spec, sync[1]);
	}
	close(sync[1]);
	close(0);
	close(1);
	close(2);

	/* EOF: exec succeeded (the CLOEXEC end closed).  A record: it failed. */
	do
		n = read(sync[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	close(sync[0]);
	if (n == (ssize_t)sizeof(m) && m.magic == SANDBOX_MSG_MAGIC) {
		msg_write(FD_STATUS, &m);
		(void)syscall(SYS_wait4, cmd, NULL, 0, NULL);
		_exit(SANDBOX_EXIT_BASE + m.stage);
	}
	msg_write(FD_STATUS, &started);

	reap_loop(cmd, spec->carrier_signal);
}
