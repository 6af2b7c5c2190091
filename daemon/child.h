/* SPDX-License-Identifier: MIT */
/*
 * fork() for the daemon's helper processes (the user-files reader, the
 * approval reviewer, the proxy worker).
 *
 * Every signal is blocked across the fork, so that no handler of the
 * daemon's runs in the child (libuv's handlers write into the loop's
 * signal pipe, which the child shares: a signal caught there would look
 * like one sent to the daemon).  The child starts with every disposition
 * at its default, an empty signal mask, the given name (PR_SET_NAME) and
 * SIGKILL as its parent-death signal.  That signal is cleared by any
 * change of credentials: a child that drops privileges sets it again.
 *
 * Process: main (the child continues in the caller's code).
 */
#ifndef CX_DAEMON_CHILD_H
#define CX_DAEMON_CHILD_H

#include <signal.h>
#include <sys/types.h>

/* The child's pid in the parent, 0 in the child, -errno (fork failed). */
pid_t child_fork(const char *name);

/*
 * Send sig (with si, or NULL) to a child through its pidfd.  Where
 * pidfd_send_signal() does not exist (valgrind implements no handler for
 * it), by pid: the process is a child not yet waited for, so its pid
 * cannot have been given to another process.  Returns 0 or -errno.
 */
int child_signal(int pidfd, pid_t pid, int sig, siginfo_t *si);

#endif
