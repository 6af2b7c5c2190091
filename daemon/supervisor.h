/* SPDX-License-Identifier: MIT */
/*
 * The seccomp supervisor a sandbox's PID 1 runs for its command: it holds
 * the listener of the command's notify (or notify+fs) filter, answers every
 * notification, and keeps a bounded table of what was refused, which PID 1
 * reports as SANDBOX_MSG_DENIAL records when the command has ended.
 *
 * Two kinds of notification (seccomp.h):
 *  - refusals (ptrace, mount, socket(AF_INET) under network off ...): always
 *    answered -EPERM, never CONTINUE, and recorded by {system call,
 *    architecture, the argument that decided} (supervisor_syscall_arg());
 *  - write-intent file calls (notify+fs variant only): the supervisor reads
 *    the path from the caller's memory, resolves it in the same mount
 *    namespace and Landlock domain, with the same credentials, and predicts
 *    whether the kernel would refuse the write (read-only mount, permission,
 *    ownership).  If it would, the call is answered with that errno and
 *    recorded; otherwise CONTINUE lets the kernel run it with every check.
 *    The supervisor only ever adds refusals, never grants: whatever it
 *    decides, the kernel still enforces mounts, permissions and Landlock on
 *    a CONTINUEd call.  Its check races with the command (the path in
 *    memory, the files on disk can change after it read them); that race
 *    can only make the log wrong (a refusal not recorded, or one answered
 *    that a later state would have allowed), never open anything.  When in
 *    doubt (an unreadable path, /proc, a remote file system, an unusual
 *    flag) it answers CONTINUE and records nothing.
 *
 * Everything lives in the caller-provided struct (static storage in PID 1):
 * no allocation, no stdio, no locks; system calls only.
 *
 * Process: sandbox child (PID 1 after privileges are dropped); unit tests.
 */
#ifndef CX_SUPERVISOR_H
#define CX_SUPERVISOR_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/sandbox_msg.h"

#define SUPERVISOR_MAX_SYSCALL 64 /* distinct {call, argument} refusals kept */
#define SUPERVISOR_MAX_FILE 64 /* distinct {operation, path} file refusals kept */
#define SUPERVISOR_MAX_GROUPS 64 /* supplementary groups cached for chown checks */

struct supervisor {
	int listener; /* seccomp listener, or -1 */
	bool check_files; /* the notify+fs variant: write-intent calls are notified */
	int proc; /* a procfs of our PID namespace (O_PATH), or -1 */
	uid_t euid;
	gid_t egid;
	int n_groups; /* -1: more than SUPERVISOR_MAX_GROUPS */
	gid_t groups[SUPERVISOR_MAX_GROUPS];
	uint64_t caps; /* effective capabilities (none in a sandbox) */
	uint32_t flags; /* SANDBOX_DENIALS_* */
	size_t n_sys, n_file;
	struct sandbox_denial sys[SUPERVISOR_MAX_SYSCALL];
	struct sandbox_denial file[SUPERVISOR_MAX_FILE];
};

/*
 * Prepare *s for listener (closed by the caller when done).  With
 * check_files the notify+fs variant is installed; relative paths are then
 * resolved through proc_fd, a procfs of the caller's PID namespace (kept
 * open by the caller), or, when -1, through /proc if it is one.  Caches
 * the caller's credentials: the supervisor must run with the command's
 * uid, gids and (no) capabilities.
 */
void supervisor_init(struct supervisor *s, int listener, bool check_files, int proc_fd);

/*
 * Receive one notification and answer it.  Call when the listener polls
 * readable (the receive then does not block: a notification withdrawn by
 * a signal or a kill makes it fail with ENOENT, which is ignored).
 * Returns 0, or -errno when the listener itself failed (stop using it).
 */
int supervisor_handle(struct supervisor *s);

/* Entries recorded so far: syscall ones first, then file ones. */
size_t supervisor_count(const struct supervisor *s);
const struct sandbox_denial *supervisor_entry(const struct supervisor *s, size_t i);

/*
 * The argument recorded with a refused call: the address family of
 * socket/socketpair, the ioctl request (32 bits), the CLONE_NEW* flags of
 * clone, the persona of personality (32 bits); 0 for any other call.
 */
uint64_t supervisor_syscall_arg(const struct seccomp_data *d);

#endif
