/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/macro.h"
#include "daemon/spawn.h"

int spawn_read_cap_last_cap(unsigned *ret)
{
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16];
	ssize_t n;
	unsigned long v;
	char *end;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? negative_errno() : -EIO;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || v > 63)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/*
 * Runs as root for a client.  The spec was built from the client's
 * SO_PEERCRED identity and a decoded, validated request; the child drops
 * to that identity before running anything the client chose.  No lock or
 * allocator state can be inherited mid-operation: the main process is
 * single-threaded and not inside malloc here.
 */
int spawn_sandbox(const struct sandbox_spec *spec, uint64_t clone_flags, int cgroup_fd,
		  struct spawn_result *ret)
{
	struct sandbox_spec s = *spec;
	int status[2], pidfd = -1, saved;
	sigset_t all, old;
	struct clone_args args = {
		.flags = CLONE_PIDFD | clone_flags,
		.exit_signal = SIGCHLD,
	};
	long pid;

	if (pipe2(status, O_CLOEXEC) < 0)
		return negative_errno();
	s.status_fd = status[1];
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* CLONE_PARENT (the spawner): the signal is the caller's own, and clone3 wants 0 here. */
	if (clone_flags & CLONE_PARENT)
		args.exit_signal = 0;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		sandbox_init_run(&s);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);

	close(status[1]);
	if (pid < 0) {
		close(status[0]);
		return -saved;
	}
	(void)fd_set_nonblock(status[0], true);
	*ret = (struct spawn_result){ .pid = (pid_t)pid, .pidfd = pidfd, .status_fd = status[0] };
	return 0;
}
