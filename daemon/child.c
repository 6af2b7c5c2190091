/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/child.h"

pid_t child_fork(const char *name)
{
	sigset_t all, old, none;
	pid_t pid;
	int e;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		for (int s = 1; s < _NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				(void)sigaction(s, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		(void)prctl(PR_SET_NAME, name, 0, 0, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		return 0;
	}
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -e : pid;
}

int child_signal(int pidfd, pid_t pid, int sig, siginfo_t *si)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, si, 0) == 0)
		return 0;
	if (errno != ENOSYS || pid <= 0)
		return negative_errno();
	if (si ? syscall(SYS_rt_sigqueueinfo, pid, sig, si) : kill(pid, sig))
		return negative_errno();
	return 0;
}
