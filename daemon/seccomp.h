/* SPDX-License-Identifier: MIT */
/*
 * The sandbox's seccomp filters: built once with libseccomp in the main
 * process at start-up, kept as classic BPF in memory, and only installed
 * (one seccomp(2) call) in the sandbox child as its last step before
 * execve.
 *
 * Policy (the full list and the reasoning are in seccomp.c):
 *  - default ALLOW; a denylist of system calls that reach outside the
 *    sandbox or widen the kernel's attack surface, each answered with EPERM
 *    (never a kill, so programs see an ordinary error);
 *  - clone3 answers ENOSYS (glibc falls back to clone, whose flags a
 *    filter can inspect; clone with any CLONE_NEW* flag is refused);
 *  - system call numbers newer than this code (above 469 on x86_64)
 *    answer ENOSYS, as on an older kernel;
 *  - any other ABI (i386 through int 0x80, x32 through the 0x40000000 bit)
 *    answers EPERM to every call;
 *  - per network profile, socket()/socketpair() restricted by family.
 *
 * The notify variant of each profile hands the EPERM refusals to a
 * supervisor through a seccomp listener (SECCOMP_RET_USER_NOTIF) so it can
 * record them; the supervisor must answer them itself with -EPERM and must
 * never use SECCOMP_USER_NOTIF_FLAG_CONTINUE (that would run the refused
 * call).  If the listener is closed, refused calls fail with ENOSYS.
 * clone3, future numbers and foreign ABIs are answered directly in every
 * variant.
 *
 * A notify variant can also hand the supervisor calls that are not
 * refusals, by feature (enum seccomp_feature, any combination):
 *  - FS (exec/start "log_denials"): the write-intent file calls
 *    (seccomp_fs_call() lists them: open/openat/creat with O_WRONLY,
 *    O_RDWR, O_CREAT or O_TRUNC, every openat2, mkdir, unlink, rename,
 *    link, symlink, mknod, truncate, chmod, chown, utimes, setxattr,
 *    removexattr and their *at forms; utimensat only with a path).  The
 *    supervisor may answer them with CONTINUE (the kernel then applies
 *    every check as usual) or with an error the kernel would give anyway.
 *  - OPEN ([sandbox] deny_read): every open, openat, openat2 and creat,
 *    execve and execveat, rename, renameat, renameat2, link and linkat.
 *    The supervisor performs the opens, renames and links itself and
 *    answers execs after a check (daemon/supervisor.c says why).
 *  - UNIX ([sandbox] tmp = "host"): every connect and bind; the
 *    supervisor performs them itself on a duplicate of the socket.
 * seccomp_call() tells these apart from the refusals.
 *
 * Return convention: >= 0 success, -errno failure.
 */
#ifndef CX_SECCOMP_H
#define CX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

enum seccomp_profile {
	SECCOMP_PROFILE_NET_OFF, /* socket()/socketpair(): AF_UNIX only */
	SECCOMP_PROFILE_NET_PROXY, /* socket(): AF_UNIX, AF_INET, AF_INET6; socketpair(): AF_UNIX */
	SECCOMP_PROFILE_NET_FULL, /* no address-family filter */
	_SECCOMP_PROFILE_MAX,
};

/* What a notify variant hands to the supervisor besides the refusals (bits). */
enum seccomp_feature {
	SECCOMP_FEATURE_FS = 1,   /* write-intent file calls (log_denials) */
	SECCOMP_FEATURE_OPEN = 2, /* every open, creat, exec, rename, link (deny_read) */
	SECCOMP_FEATURE_UNIX = 4, /* connect and bind (a host /tmp) */
	SECCOMP_FEATURES_ALL = 7,
};

/*
 * PLAIN, then one notify variant per combination of features:
 * SECCOMP_VARIANT_NOTIFY + features (seccomp_variant_notify()).
 */
enum seccomp_variant {
	SECCOMP_VARIANT_PLAIN,	   /* refusals answered EPERM by the kernel */
	SECCOMP_VARIANT_NOTIFY,	   /* refusals sent to the supervisor */
	SECCOMP_VARIANT_NOTIFY_FS, /* NOTIFY plus the write-intent file calls */
	_SECCOMP_VARIANT_MAX = SECCOMP_VARIANT_NOTIFY + SECCOMP_FEATURES_ALL + 1,
};

/* The notify variant with these features (SECCOMP_FEATURE_* bits). */
static inline enum seccomp_variant seccomp_variant_notify(unsigned features)
{
	return (enum seccomp_variant)(SECCOMP_VARIANT_NOTIFY + (features & SECCOMP_FEATURES_ALL));
}

/* The programs; prog[profile][variant]. */
struct seccomp_programs {
	struct sock_fprog prog[_SECCOMP_PROFILE_MAX][_SECCOMP_VARIANT_MAX];
};

/*
 * Compile every program (only the three plain ones without user
 * notification in the kernel, see seccomp_program()).  On success *ret owns them (free with
 * seccomp_programs_free()); on failure *ret is untouched and a short
 * sentence is written to err.  Probes the kernel through libseccomp.
 * Process: main (start-up; allocates).
 */
int seccomp_programs_build(struct seccomp_programs *ret, char *err, size_t errsz);

/* Release the programs; accepts NULL and a zeroed struct.  Process: main. */
void seccomp_programs_free(struct seccomp_programs *p);

/*
 * The program for profile (and its notify variant), or NULL for an
 * unknown profile or programs not built; the notify variants are NULL
 * when the kernel lacks SECCOMP_RET_USER_NOTIF (before 5.0).  The pointer
 * stays valid until seccomp_programs_free(); a child started by
 * clone/fork sees its own copy.
 * Process: any.
 */
const struct sock_fprog *seccomp_program(const struct seccomp_programs *p,
					 enum seccomp_profile profile, bool notify);

/* The same for any variant (NULL also for an unknown variant).  Process: any. */
const struct sock_fprog *seccomp_program_variant(const struct seccomp_programs *p,
						 enum seccomp_profile profile,
						 enum seccomp_variant variant);

/* How a notified call (not a refusal) names its target(s). */
struct seccomp_fs_call {
	int op; /* enum sandbox_file_op (daemon/sandbox_msg.h) */
	int dfd; /* argument index of the directory fd (connect, bind: the socket), or -1 */
	int path; /* argument index of the path (connect, bind: the address) */
	int dfd2; /* rename/link: the new name's directory fd, or -1 */
	int path2; /* rename/link: the new name, or -1 */
	int flags; /* argument index of open flags / AT_* flags, or -1 */
	int extra; /* mode (open, mknod), uid (chown), times (utimes), address length; -1 */
	int extra2; /* gid (chown); -1 if none */
	bool follow; /* the final symlink is followed (unless flags say otherwise) */
	bool at_follow; /* flags use AT_SYMLINK_FOLLOW (linkat) instead of _NOFOLLOW */
	bool openat2; /* flags live in a struct open_how at the flags argument */
	bool timeval; /* utime/utimes/futimesat: times are not timespecs */
	bool rmdir; /* unlinkat: AT_REMOVEDIR in flags selects rmdir */
	unsigned features; /* which of the features asked for it notify this call */
};

/*
 * If nr (native ABI) is a call the notify variant with these features
 * hands to the supervisor besides the refusals, fill *ret and return
 * true; else false (a notification for it is a refusal).
 * seccomp_fs_call() is seccomp_call() with SECCOMP_FEATURE_FS.
 * Process: any (no allocation; sandbox child).
 */
bool seccomp_call(int nr, unsigned features, struct seccomp_fs_call *ret);
bool seccomp_fs_call(int nr, struct seccomp_fs_call *ret);

/*
 * Install prog on the calling thread.  no_new_privs must already be set
 * (or the caller hold CAP_SYS_ADMIN): the kernel answers -EACCES otherwise.
 * With want_listener (for the notify variants) the filter gets a listener
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER, plus WAIT_KILLABLE_RECV when the kernel
 * has it, else without) whose descriptor, O_CLOEXEC, is stored in
 * *ret_listener_fd; otherwise *ret_listener_fd (if not NULL) is set to -1.
 * The caller must hand the listener to the supervisor and close it before
 * execve: a sandboxed process holding it could answer its own refused
 * calls with CONTINUE.  While this filter has a listener the kernel refuses
 * any nested listener (EBUSY), so the command cannot install its own.
 * Process: sandbox child (system calls only).
 */
int seccomp_install(const struct sock_fprog *prog, bool want_listener, int *ret_listener_fd);

/*
 * Name of native system call nr for reports ("mount"), or NULL when
 * unknown.  Knows the numbers Debian's libseccomp 2.5.4 lacks (statmount
 * ... file_setattr).  The string is static or cached for the life of the
 * process: do not free it.  Process: main (allocates on first use of a
 * number; not thread-safe).
 */
const char *seccomp_syscall_name(int nr);

#endif
