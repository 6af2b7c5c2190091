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

#include <sys/types.h>

/* The child's pid in the parent, 0 in the child, -errno (fork failed). */
pid_t child_fork(const char *name);

#endif
