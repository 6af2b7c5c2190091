/* SPDX-License-Identifier: MIT */
/*
 * The seccomp supervisor a sandbox's PID 1 runs for its command: it holds
 * the listener of the command's notify (or notify+fs) filter, answers every
 * notification, and keeps a bounded table of what was refused, which PID 1
 * reports as SANDBOX_MSG_DENIAL records when the command has ended.
 *
 * Kinds of notification (seccomp.h):
 *  - refusals (ptrace, mount, socket(AF_INET) under network off ...): always
 *    answered -EPERM, never CONTINUE, and recorded by {system call,
 *    architecture, the argument that decided} (supervisor_syscall_arg());
 *  - write-intent file calls (SECCOMP_FEATURE_FS, exec/start log_denials):
 *    the supervisor reads the path from the caller's memory, resolves it in
 *    the same mount namespace and Landlock domain, with the same
 *    credentials, and predicts whether the kernel would refuse the write
 *    (read-only mount, permission, ownership).  If it would, the call is
 *    answered with that errno and recorded; otherwise CONTINUE lets the
 *    kernel run it with every check.  The supervisor only ever adds
 *    refusals, never grants: whatever it decides, the kernel still
 *    enforces mounts, permissions and Landlock on a CONTINUEd call.  Its
 *    check races with the command (the path in memory, the files on disk
 *    can change after it read them); that race can only make the log wrong
 *    (a refusal not recorded, or one answered that a later state would have
 *    allowed), never open anything.  When in doubt (an unreadable path,
 *    /proc, a remote file system, an unusual flag) it answers CONTINUE and
 *    records nothing.
 *  - opens, execs, renames and links under [sandbox] deny_read
 *    (SECCOMP_FEATURE_OPEN), connects and binds under [sandbox] tmp =
 *    "host" (SECCOMP_FEATURE_UNIX): here a CONTINUE would let the command
 *    swap the path between the check and the kernel's own reading, so the
 *    supervisor performs the operation itself and hands the result back
 *    (a descriptor with SECCOMP_IOCTL_NOTIF_ADDFD), never CONTINUE, except
 *    for an exec, which it cannot perform (supervisor.c explains the
 *    design, the edge cases and what remains).
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
#include "policy/denyset.h"

#define SUPERVISOR_MAX_SYSCALL 64 /* distinct {call, argument} refusals kept */
#define SUPERVISOR_MAX_FILE 64 /* distinct {operation, path} file refusals kept */
#define SUPERVISOR_MAX_GROUPS 64 /* supplementary groups cached for chown checks */
#define SUPERVISOR_MAX_SOCKET_DIRS 8 /* directories whose sockets must be the sandbox's own */
#define SUPERVISOR_MAX_BOUND 256 /* Unix sockets bound in the sandbox, remembered */
#define SUPERVISOR_MAX_HELPERS 32 /* blocking opens and connects waited for at once */
#define SUPERVISOR_MAX_UNIX_ALLOW 64 /* [network] allow_unix_sockets entries */
#define SUPERVISOR_UNIX_NAME 108 /* sizeof(sun_path) */

/*
 * What the plan asks the supervisor to enforce (daemon/sandbox_plan.c).
 * The strings are borrowed; supervisor_init() copies what it keeps.
 */
struct supervisor_rules {
	unsigned features; /* SECCOMP_FEATURE_OPEN and/or _UNIX the program notifies */
	const char *const *deny; /* absolute paths ([sandbox] deny_read and the plan's) */
	size_t n_deny;
	const char *const *deny_globs; /* patterns, absolute or relative; relative paths */
	size_t n_deny_globs;
	const char *const *roots; /* where relative deny entries apply: writable roots, cwd */
	size_t n_roots;
	const char *const *socket_dirs; /* UNIX: sockets below must be bound in the sandbox */
	size_t n_socket_dirs;
	/*
	 * UNIX with [network] allow_unix_sockets (daemon/unix_allow.h): every
	 * pathname socket connected to must have been bound in the sandbox or
	 * be one of these (absolute paths, as the host names them).
	 * unix_allow_fds: O_PATH descriptors of the host's socket files, opened
	 * by PID 1 before the mounts (supervisor_unix_preopen()), -1 for an
	 * entry that was not there; the connect is made through them.
	 */
	bool unix_allowlist;
	const char *const *unix_allow;
	size_t n_unix_allow;
	const int *unix_allow_fds;
};

/* A Unix socket bound through the supervisor: its socket and its file. */
struct supervisor_bound {
	uint32_t sock_ino; /* sockfs inode of the socket */
	uint64_t dev, ino; /* the socket file it created */
};

struct supervisor {
	int listener; /* seccomp listener, or -1 */
	bool check_files; /* the notify+fs variant: write-intent calls are notified */
	unsigned features; /* SECCOMP_FEATURE_* of the installed program */
	int proc; /* a procfs of our PID namespace (O_PATH), or -1 */
	pid_t self; /* our pid in that namespace (1 in a sandbox) */
	uid_t euid;
	gid_t egid;
	int n_groups; /* -1: more than SUPERVISOR_MAX_GROUPS */
	gid_t groups[SUPERVISOR_MAX_GROUPS];
	uint64_t caps; /* effective capabilities (none in a sandbox) */
	uint32_t flags; /* SANDBOX_DENIALS_* */
	size_t n_sys, n_file;
	struct sandbox_denial sys[SUPERVISOR_MAX_SYSCALL];
	struct sandbox_denial file[SUPERVISOR_MAX_FILE];
	bool protected_symlinks; /* fs.protected_symlinks: emulated for O_CREAT through links */
	size_t n_socket_dirs, n_bound, next_bound; /* tmp = "host" */
	int diag; /* NETLINK_SOCK_DIAG socket, opened on first use, or -1 */
	pid_t helpers[SUPERVISOR_MAX_HELPERS]; /* children waiting for a blocking call */
	bool unix_allowlist; /* allow_unix_sockets: nothing else from outside */
	size_t n_unix_allow;
	int unix_fds[SUPERVISOR_MAX_UNIX_ALLOW]; /* O_PATH of the host socket files, or -1 */
	char unix_names[SUPERVISOR_MAX_UNIX_ALLOW][SUPERVISOR_UNIX_NAME];
	/* The command before its first exec (supervisor_trust_exec()). */
	pid_t trusted;
	const char *trusted_path, *trusted_cwd;
	/*
	 * Large, and not cleared by supervisor_init() (every sandbox would pay
	 * for the pages): the counts above and in deny say what is valid.
	 */
	struct denyset deny; /* deny_read, as compiled at start (canonical forms added) */
	char socket_dirs[SUPERVISOR_MAX_SOCKET_DIRS][4096]; /* canonical */
	struct supervisor_bound bound[SUPERVISOR_MAX_BOUND];
};

/*
 * Prepare *s for listener (closed by the caller when done).  features:
 * the SECCOMP_FEATURE_* of the installed variant (FS: write-intent calls
 * are notified).  rules (may be NULL): what OPEN and UNIX enforce.
 * Relative paths are resolved through proc_fd, a procfs of the caller's
 * PID namespace (kept open by the caller), or, when -1, through /proc if
 * it is one.  Caches the caller's credentials: the supervisor must run
 * with the command's uid, gids and (no) capabilities, in its mount
 * namespace and Landlock domain (the deny entries are resolved there).
 */
void supervisor_init(struct supervisor *s, int listener, unsigned features,
		     const struct supervisor_rules *rules, int proc_fd);

/*
 * Receive one notification and answer it.  Call when the listener polls
 * readable (the receive then does not block: a notification withdrawn by
 * a signal or a kill makes it fail with ENOENT, which is ignored).
 * Returns 0, or -errno when the listener itself failed (stop using it).
 */
int supervisor_handle(struct supervisor *s);

/*
 * Until the command has exec'd, its process runs PID 1's code, is not
 * dumpable (its memory is closed to us) and execs path (relative to cwd),
 * found by PID 1: its execve notifications are judged by that name.  pid
 * 0 ends this.  Process: sandbox child (PID 1).
 */
void supervisor_trust_exec(struct supervisor *s, pid_t pid, const char *path, const char *cwd);

/*
 * allow_unix_sockets: open each entry O_PATH (no symlink followed
 * anywhere in it; it must be a socket) into fds[i], -1 when it cannot be.
 * Called by PID 1 before the mounts, in the host's view of the files.
 * Process: sandbox child (PID 1).
 */
void supervisor_unix_preopen(const struct supervisor_rules *rules, int *fds);

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
