/* SPDX-License-Identifier: MIT */
/*
 * What the filters refuse, and why.
 *
 * The model is a denylist on top of default ALLOW (as Codex does, see
 * CODEX-MODEL.md §2.5): the namespaces, Landlock, the identity change and
 * the empty capability sets are the walls; seccomp removes the calls that
 * reach through them or that expose large, rarely needed kernel surface.
 *
 * Refused with EPERM in every profile (SECCOMP_RET_USER_NOTIF in the
 * notify variants):
 *  - other processes' memory and state: ptrace, process_vm_readv,
 *    process_vm_writev, pidfd_getfd, process_madvise, process_mrelease,
 *    kcmp, move_pages, migrate_pages.  The PID namespace already hides
 *    processes outside; these stay refused as a second wall and because
 *    tracing inside the sandbox is not offered (strace/gdb do not work).
 *  - surfaces that bypass or outgrow argument filtering: io_uring_setup,
 *    io_uring_enter, io_uring_register (io_uring performs socket/open
 *    operations seccomp never sees), bpf, perf_event_open, userfaultfd,
 *    modify_ldt (x86 LDT code, a classic kernel-exploit helper; refused by
 *    Docker too), fanotify_init (filesystem-wide event watching).
 *  - keyrings: keyctl, add_key, request_key (not namespaced).
 *  - namespaces and mounts: unshare, setns, mount, umount2, pivot_root,
 *    chroot, the new mount API (fsopen, fsconfig, fsmount, fspick,
 *    move_mount, open_tree, mount_setattr, and open_tree_attr by number:
 *    467, unknown to libseccomp 2.5.4); clone with any CLONE_NEW* flag.
 *    statmount/listmount (457/458) are not refused: they show the caller's
 *    own mount namespace, as /proc/self/mountinfo does, need
 *    CAP_SYS_ADMIN for any other, and newer libmount relies on them.
 *  - file handles: open_by_handle_at (the "shocker" escape),
 *    name_to_handle_at.
 *  - machine administration: kexec_load, kexec_file_load, init_module,
 *    finit_module, delete_module, iopl, ioperm, swapon, swapoff, reboot,
 *    syslog, acct, quotactl, quotactl_fd, lookup_dcookie, vhangup,
 *    nfsservctl, uselib.  Most already need a capability the sandbox does
 *    not have; refusing them keeps that true if a capability ever leaked.
 *  - terminal injection: ioctl TIOCSTI and TIOCLINUX.  The request is an
 *    unsigned int in the kernel, so it is compared masked to 32 bits: a
 *    request with high bits set (0x100005412) is still refused.
 *  - personality other than Docker's list: 0 (PER_LINUX), 8 (PER_LINUX32),
 *    0x20000 (UNAME26), 0x20008 and 0xffffffff (the query).  Refused, for
 *    instance: ADDR_NO_RANDOMIZE (setarch -R), READ_IMPLIES_EXEC,
 *    MMAP_PAGE_ZERO, which only weaken exploit mitigations of whatever the
 *    sandbox runs next.  The argument is an unsigned int, so only its low
 *    32 bits are compared.
 *
 * Answered ENOSYS, never notified:
 *  - clone3: its flags live in memory a filter cannot read; glibc then
 *    falls back to clone(), whose flags are checked.
 *  - numbers 470..511: system calls added after this code was written
 *    look like an older kernel, so a future namespace or mount call is not
 *    let through by default (x86_64 only).
 *
 * Per profile, on top:
 *  - NET_OFF: socket() and socketpair() with any family but AF_UNIX.
 *  - NET_PROXY: socket() with any family but AF_UNIX, AF_INET, AF_INET6
 *    (the network namespace holds only the proxy's listeners); netlink,
 *    packet, vsock, bluetooth ... refused; socketpair() AF_UNIX only.
 *  - NET_FULL: no family filter.
 *  The family is compared as a full 64-bit value with "not equal" and
 *  "greater than" tests only, so a value with high bits set is refused
 *  even when its low 32 bits name an allowed family.
 *
 * Other ABIs: only the native architecture is in the filter and
 * SCMP_FLTATR_ACT_BADARCH is ERRNO(EPERM), so every i386 call (int 0x80)
 * fails with EPERM; libseccomp sends x86_64 numbers with the x32 bit
 * (0x40000000) to the same bad-arch action when x32 is not in the filter
 * (except -1, which tracers use to skip a call).  Not a kill: a 32-bit
 * helper binary sees errors, not a SIGSYS.
 *
 * The FS feature (exec/start "log_denials") also notifies the
 * write-intent file calls listed in fs_calls[] below, so that the
 * supervisor can record the ones the kernel would refuse.  open, openat and
 * creat are notified only with O_WRONLY, O_RDWR, O_CREAT or O_TRUNC (read
 * opens, the bulk of all opens, never leave the kernel); openat2 keeps its
 * flags in memory the filter cannot read, so every openat2 is notified.
 * mkdir, mknod, symlink, link, unlink, rmdir, rename, truncate, chmod,
 * chown, utime(s), utimensat, setxattr and removexattr on paths are always
 * notified; their fd forms (fchmod, fchown, ftruncate, fsetxattr ...) act on
 * a descriptor already opened and are not.
 *
 * The OPEN feature (deny_read) notifies every open, openat, openat2 and
 * creat whatever the flags, execve, execveat, and the renames and links;
 * the UNIX feature ([sandbox] tmp = "host") every connect and bind.  The
 * supervisor performs these itself (supervisor.c): their rules carry no
 * argument condition, and a variant with several features notifies a
 * call when any of them does (an open without write intent too once OPEN
 * is on).  Any combination of FS, OPEN and UNIX is a variant of its own.
 *
 * Not refused on purpose: seccomp itself (nested filters can only add
 * restrictions; a nested listener is refused by the kernel while ours
 * exists), landlock_*, clock/hostname setters and mknod (capabilities),
 * kill/pidfd_send_signal (PID namespace, Landlock signal scope).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/sandbox_msg.h"
#include "daemon/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* Numbers Debian's libseccomp 2.5.4 does not know (the common table, >= 424). */
#define NR_OPEN_TREE_ATTR 467
#define NR_FIRST_UNKNOWN 457
#define NR_LAST_KNOWN 469 /* file_setattr: the newest call on 6.18 */
#define NR_FUTURE_END 511 /* 512.. are x32-only numbers on x86_64 */

struct denied {
	int nr;
	const char *name;
};

#define D(x)                                                                                       \
	{                                                                                          \
		SCMP_SYS(x), #x                                                                    \
	}

static const struct denied always_denied[] = {
	/* other processes */
	D(ptrace),
	D(process_vm_readv),
	D(process_vm_writev),
	D(pidfd_getfd),
	D(process_madvise),
	D(process_mrelease),
	D(kcmp),
	D(move_pages),
	D(migrate_pages),
	/* surfaces */
	D(io_uring_setup),
	D(io_uring_enter),
	D(io_uring_register),
	D(bpf),
	D(perf_event_open),
	D(userfaultfd),
	D(modify_ldt),
	D(fanotify_init),
	/* keyrings */
	D(keyctl),
	D(add_key),
	D(request_key),
	/* namespaces and mounts */
	D(unshare),
	D(setns),
	D(mount),
	D(umount2),
	D(pivot_root),
	D(chroot),
	D(fsopen),
	D(fsconfig),
	D(fsmount),
	D(fspick),
	D(move_mount),
	D(open_tree),
	D(mount_setattr),
	{NR_OPEN_TREE_ATTR, "open_tree_attr"},
	/* file handles */
	D(open_by_handle_at),
	D(name_to_handle_at),
	/* machine administration */
	D(kexec_load),
	D(kexec_file_load),
	D(init_module),
	D(finit_module),
	D(delete_module),
	D(iopl),
	D(ioperm),
	D(swapon),
	D(swapoff),
	D(reboot),
	D(syslog),
	D(acct),
	D(quotactl),
	D(quotactl_fd),
	D(lookup_dcookie),
	D(vhangup),
	D(nfsservctl),
	D(uselib),
};

#undef D

static const uint64_t clone_new_flags[] = {
	CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,	CLONE_NEWNET,
};

/* Common-table numbers the 6.1 headers and libseccomp 2.5.4 do not name. */
#define NR_FCHMODAT2 452
#define NR_SETXATTRAT 463
#define NR_REMOVEXATTRAT 466

/* Argument positions in fs_calls[] are 1-based so that 0 (the default) means none. */
#define A(i) ((i) + 1)

/*
 * The calls the notify variants hand to the supervisor besides the
 * refusals, with where each keeps its arguments.  The filter rules and
 * the supervisor's decoding (seccomp_call()) both come from this one
 * table.  Which variants notify an entry:
 *  - SECCOMP_FEATURE_FS (log_denials): every entry without "only", the
 *    write-intent file calls; open_flags names the argument holding
 *    open(2) flags, and the call is then notified only when they hold a
 *    write-intent flag;
 *  - SECCOMP_FEATURE_OPEN (deny_read): the entries marked open_too, with
 *    no condition (every open, creat, rename and link), and those with
 *    only = OPEN (execve, execveat);
 *  - SECCOMP_FEATURE_UNIX ([sandbox] tmp = "host"): connect and bind
 *    (only = UNIX), for the supervisor to tell the socket's family.
 * mode: the open mode's argument (extra).  connect and bind: dfd is the
 * socket, path the address, extra its length.
 */
static const struct fs_entry {
	int nr;
	const char *name;
	uint8_t op; /* enum sandbox_file_op */
	uint8_t dfd, path, dfd2, path2, flags, extra, extra2, open_flags;
	uint8_t only; /* SECCOMP_FEATURE_* that alone notifies it; 0: FS (+ OPEN if open_too) */
	bool follow, at_follow, openat2, timeval, rmdir, open_too;
	bool null_path_is_fd; /* a NULL path names the descriptor: not notified */
} fs_calls[] = {
#ifdef __NR_open
	{__NR_open, "open", SANDBOX_FILE_OPEN, .path = A(0), .flags = A(1), .extra = A(2),
	 .open_flags = A(1), .follow = true, .open_too = true},
#endif
	{__NR_openat, "openat", SANDBOX_FILE_OPEN, .dfd = A(0), .path = A(1), .flags = A(2),
	 .extra = A(3), .open_flags = A(2), .follow = true, .open_too = true},
#ifdef __NR_creat
	{__NR_creat, "creat", SANDBOX_FILE_OPEN, .path = A(0), .extra = A(1), .follow = true,
	 .open_too = true},
#endif
	{__NR_openat2, "openat2", SANDBOX_FILE_OPEN, .dfd = A(0), .path = A(1), .flags = A(2),
	 .follow = true, .openat2 = true, .open_too = true},
	{__NR_execve, "execve", SANDBOX_FILE_EXEC, .path = A(0), .follow = true,
	 .only = SECCOMP_FEATURE_OPEN},
	{__NR_execveat, "execveat", SANDBOX_FILE_EXEC, .dfd = A(0), .path = A(1), .flags = A(4),
	 .follow = true, .only = SECCOMP_FEATURE_OPEN},
	{__NR_connect, "connect", SANDBOX_FILE_CONNECT, .dfd = A(0), .path = A(1), .extra = A(2),
	 .only = SECCOMP_FEATURE_UNIX},
	{__NR_bind, "bind", SANDBOX_FILE_BIND, .dfd = A(0), .path = A(1), .extra = A(2),
	 .only = SECCOMP_FEATURE_UNIX},
#ifdef __NR_mkdir
	{__NR_mkdir, "mkdir", SANDBOX_FILE_MKDIR, .path = A(0)},
#endif
	{__NR_mkdirat, "mkdirat", SANDBOX_FILE_MKDIR, .dfd = A(0), .path = A(1)},
#ifdef __NR_mknod
	{__NR_mknod, "mknod", SANDBOX_FILE_MKNOD, .path = A(0), .extra = A(1)},
#endif
	{__NR_mknodat, "mknodat", SANDBOX_FILE_MKNOD, .dfd = A(0), .path = A(1), .extra = A(2)},
#ifdef __NR_symlink
	{__NR_symlink, "symlink", SANDBOX_FILE_SYMLINK, .path = A(1)},
#endif
	{__NR_symlinkat, "symlinkat", SANDBOX_FILE_SYMLINK, .dfd = A(1), .path = A(2)},
#ifdef __NR_link
	{__NR_link, "link", SANDBOX_FILE_LINK, .path = A(0), .path2 = A(1), .open_too = true},
#endif
	{__NR_linkat, "linkat", SANDBOX_FILE_LINK, .dfd = A(0), .path = A(1), .dfd2 = A(2),
	 .path2 = A(3), .flags = A(4), .at_follow = true, .open_too = true},
#ifdef __NR_unlink
	{__NR_unlink, "unlink", SANDBOX_FILE_UNLINK, .path = A(0)},
#endif
	{__NR_unlinkat, "unlinkat", SANDBOX_FILE_UNLINK, .dfd = A(0), .path = A(1), .flags = A(2),
	 .rmdir = true},
#ifdef __NR_rmdir
	{__NR_rmdir, "rmdir", SANDBOX_FILE_RMDIR, .path = A(0)},
#endif
#ifdef __NR_rename
	{__NR_rename, "rename", SANDBOX_FILE_RENAME, .path = A(0), .path2 = A(1),
	 .open_too = true},
#endif
#ifdef __NR_renameat
	{__NR_renameat, "renameat", SANDBOX_FILE_RENAME, .dfd = A(0), .path = A(1), .dfd2 = A(2),
	 .path2 = A(3), .open_too = true},
#endif
	{__NR_renameat2, "renameat2", SANDBOX_FILE_RENAME, .dfd = A(0), .path = A(1), .dfd2 = A(2),
	 .path2 = A(3), .flags = A(4), .open_too = true},
	{__NR_truncate, "truncate", SANDBOX_FILE_TRUNCATE, .path = A(0), .follow = true},
#ifdef __NR_chmod
	{__NR_chmod, "chmod", SANDBOX_FILE_CHMOD, .path = A(0), .extra = A(1), .follow = true},
#endif
	{__NR_fchmodat, "fchmodat", SANDBOX_FILE_CHMOD, .dfd = A(0), .path = A(1), .extra = A(2),
	 .follow = true},
	{NR_FCHMODAT2, "fchmodat2", SANDBOX_FILE_CHMOD, .dfd = A(0), .path = A(1), .extra = A(2),
	 .flags = A(3), .follow = true},
#ifdef __NR_chown
	{__NR_chown, "chown", SANDBOX_FILE_CHOWN, .path = A(0), .extra = A(1), .extra2 = A(2),
	 .follow = true},
#endif
#ifdef __NR_lchown
	{__NR_lchown, "lchown", SANDBOX_FILE_CHOWN, .path = A(0), .extra = A(1), .extra2 = A(2)},
#endif
	{__NR_fchownat, "fchownat", SANDBOX_FILE_CHOWN, .dfd = A(0), .path = A(1), .extra = A(2),
	 .extra2 = A(3), .flags = A(4), .follow = true},
#ifdef __NR_utime
	{__NR_utime, "utime", SANDBOX_FILE_UTIMES, .path = A(0), .extra = A(1), .follow = true,
	 .timeval = true},
#endif
#ifdef __NR_utimes
	{__NR_utimes, "utimes", SANDBOX_FILE_UTIMES, .path = A(0), .extra = A(1), .follow = true,
	 .timeval = true},
#endif
#ifdef __NR_futimesat
	{__NR_futimesat, "futimesat", SANDBOX_FILE_UTIMES, .dfd = A(0), .path = A(1), .extra = A(2),
	 .follow = true, .timeval = true},
#endif
	{__NR_utimensat, "utimensat", SANDBOX_FILE_UTIMES, .dfd = A(0), .path = A(1), .extra = A(2),
	 .flags = A(3), .follow = true, .null_path_is_fd = true},
	{__NR_setxattr, "setxattr", SANDBOX_FILE_SETXATTR, .path = A(0), .follow = true},
	{__NR_lsetxattr, "lsetxattr", SANDBOX_FILE_SETXATTR, .path = A(0)},
	{NR_SETXATTRAT, "setxattrat", SANDBOX_FILE_SETXATTR, .dfd = A(0), .path = A(1),
	 .flags = A(2), .follow = true},
	{__NR_removexattr, "removexattr", SANDBOX_FILE_REMOVEXATTR, .path = A(0), .follow = true},
	{__NR_lremovexattr, "lremovexattr", SANDBOX_FILE_REMOVEXATTR, .path = A(0)},
	{NR_REMOVEXATTRAT, "removexattrat", SANDBOX_FILE_REMOVEXATTR, .dfd = A(0), .path = A(1),
	 .flags = A(2), .follow = true},
};

#undef A

/* Flags of open(2) that make an open a write: notified in the notify+fs variant. */
static const uint64_t open_write_flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};

/* The features whose variants notify e. */
static unsigned entry_features(const struct fs_entry *e)
{
	if (e->only)
		return e->only;
	return SECCOMP_FEATURE_FS | (e->open_too ? SECCOMP_FEATURE_OPEN : 0u);
}

bool seccomp_call(int nr, unsigned features, struct seccomp_fs_call *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_calls); i++) {
		const struct fs_entry *e = &fs_calls[i];

		if (e->nr != nr || !(entry_features(e) & features))
			continue;
		*ret = (struct seccomp_fs_call){
			.op = e->op,
			.dfd = (int)e->dfd - 1,
			.path = (int)e->path - 1,
			.dfd2 = (int)e->dfd2 - 1,
			.path2 = (int)e->path2 - 1,
			.flags = (int)e->flags - 1,
			.extra = (int)e->extra - 1,
			.extra2 = (int)e->extra2 - 1,
			.follow = e->follow,
			.at_follow = e->at_follow,
			.openat2 = e->openat2,
			.timeval = e->timeval,
			.rmdir = e->rmdir,
			.features = entry_features(e) & features,
		};
		return true;
	}
	return false;
}

bool seccomp_fs_call(int nr, struct seccomp_fs_call *ret)
{
	return seccomp_call(nr, SECCOMP_FEATURE_FS, ret);
}

/* personality() values allowed (Docker's list); everything else is refused. */
#define PERSONALITY_OK_BITS 0x00020008U /* PER_LINUX32 (0x8) | UNAME26 (0x20000) */

static void set_err(char *err, size_t errsz, const char *what, int r)
{
	if (err && errsz > 0)
		snprintf(err, errsz, "seccomp: %s: %s", what, strerror(r < 0 ? -r : r));
}

/*
 * personality(p) is refused unless p (32 bits) is 0, 8, 0x20000, 0x20008
 * or 0xffffffff.  libseccomp allows one comparison per argument and rule,
 * so the refused set is written as a union of masked-equal "cubes":
 * for every bit i outside PERSONALITY_OK_BITS, "bit i set and bit i+1
 * (cyclically) clear"; plus "bits 2 and 3 set, bit 4 clear" and "bits 16
 * and 17 set, bit 18 clear".  Any value outside the allowed set has a bit
 * i outside the OK bits set and (not being 0xffffffff) a clear bit, so the
 * run of set bits through i ends at some j followed by a clear bit: j is
 * either outside the OK bits (first kind) or is bit 3 or 17 with bit j-1
 * also set (second kind).  No allowed value matches any cube.  The masks
 * have no high bits, so the kernel's truncation to unsigned int is matched.
 */
static int add_personality_rules(scmp_filter_ctx ctx, uint32_t action)
{
	int r;

	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i, next = 1U << ((i + 1) % 32);

		if (bit & PERSONALITY_OK_BITS)
			continue;
		r = seccomp_rule_add(
			ctx, action, SCMP_SYS(personality), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, (uint64_t)(bit | next), (uint64_t)bit));
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i;

		if (!(bit & PERSONALITY_OK_BITS) || i == 0 || i == 31)
			continue;
		r = seccomp_rule_add(ctx, action, SCMP_SYS(personality), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, (uint64_t)(7U << (i - 1)),
					     (uint64_t)(3U << (i - 1))));
		if (r < 0)
			return r;
	}
	return 0;
}

_Static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10, "family numbers");

static int add_socket_rules(scmp_filter_ctx ctx, enum seccomp_profile profile, uint32_t action)
{
	int r;

	switch (profile) {
	case SECCOMP_PROFILE_NET_OFF:
		r = seccomp_rule_add(ctx, action, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_NE, (uint64_t)AF_UNIX));
		break;
	case SECCOMP_PROFILE_NET_PROXY:
		/* Allowed: exactly 1 (AF_UNIX), 2 (AF_INET), 10 (AF_INET6). */
		r = seccomp_rule_add(ctx, action, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, (uint64_t)AF_UNSPEC));
		for (uint64_t fam = AF_INET + 1; r >= 0 && fam < AF_INET6; fam++)
			r = seccomp_rule_add(ctx, action, SCMP_SYS(socket), 1,
					     SCMP_A0(SCMP_CMP_EQ, fam));
		if (r >= 0)
			r = seccomp_rule_add(ctx, action, SCMP_SYS(socket), 1,
					     SCMP_A0(SCMP_CMP_GT, (uint64_t)AF_INET6));
		break;
	case SECCOMP_PROFILE_NET_FULL:
		return 0;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	return seccomp_rule_add(ctx, action, SCMP_SYS(socketpair), 1,
				SCMP_A0(SCMP_CMP_NE, (uint64_t)AF_UNIX));
}

static int add_fs_rules(scmp_filter_ctx ctx, unsigned features, char *err, size_t errsz)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fs_calls); i++) {
		const struct fs_entry *e = &fs_calls[i];
		unsigned f = entry_features(e) & features;

		if (!f)
			continue;
		/*
		 * The supervisor may CONTINUE or perform a supervised call: none
		 * may also be a refusal (those it must answer EPERM).
		 */
		for (size_t k = 0; k < ARRAY_SIZE(always_denied); k++)
			if (always_denied[k].nr == e->nr) {
				set_err(err, errsz, e->name, -EINVAL);
				return -EINVAL;
			}

		if (f & (SECCOMP_FEATURE_OPEN | SECCOMP_FEATURE_UNIX)) {
			/* Every call, whatever its arguments: the supervisor performs it. */
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, e->nr, 0);
		} else if (e->null_path_is_fd) {
			/* futimens() is utimensat(fd, NULL, ...): a descriptor already open. */
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, e->nr, 1,
					     SCMP_CMP(e->path - 1U, SCMP_CMP_NE, 0));
		} else if (!e->open_flags) {
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, e->nr, 0);
		} else {
			/* One comparison per rule: the rules of one call are OR-ed. */
			for (size_t fl = 0; r >= 0 && fl < ARRAY_SIZE(open_write_flags); fl++)
				r = seccomp_rule_add(
					ctx, SCMP_ACT_NOTIFY, e->nr, 1,
					SCMP_CMP(e->open_flags - 1U, SCMP_CMP_MASKED_EQ,
						 open_write_flags[fl], open_write_flags[fl]));
		}
		if (r < 0) {
			set_err(err, errsz, e->name, r);
			return r;
		}
	}
	return 0;
}

static int build_ctx(scmp_filter_ctx ctx, enum seccomp_profile profile,
		     enum seccomp_variant variant, char *err, size_t errsz)
{
	const uint32_t deny =
		variant != SECCOMP_VARIANT_PLAIN ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
	int r;

	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM));
	if (r < 0) {
		set_err(err, errsz, "bad-arch action", r);
		return r;
	}
	/* Not loaded through libseccomp, but keep it from touching NNP anyway. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree: most calls are allowed and should not walk the whole list. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	for (size_t i = 0; i < ARRAY_SIZE(always_denied); i++) {
		if (always_denied[i].nr < 0)
			continue; /* not a system call on this architecture */
		r = seccomp_rule_add(ctx, deny, always_denied[i].nr, 0);
		if (r < 0) {
			set_err(err, errsz, always_denied[i].name, r);
			return r;
		}
	}

	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0) {
		set_err(err, errsz, "clone3", r);
		return r;
	}

	for (size_t i = 0; i < ARRAY_SIZE(clone_new_flags); i++) {
		r = seccomp_rule_add(
			ctx, deny, SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, clone_new_flags[i], clone_new_flags[i]));
		if (r < 0) {
			set_err(err, errsz, "clone", r);
			return r;
		}
	}

	r = seccomp_rule_add(ctx, deny, SCMP_SYS(ioctl), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint64_t)TIOCSTI));
	if (r >= 0)
		r = seccomp_rule_add(
			ctx, deny, SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint64_t)TIOCLINUX));
	if (r < 0) {
		set_err(err, errsz, "ioctl", r);
		return r;
	}

	r = add_personality_rules(ctx, deny);
	if (r < 0) {
		set_err(err, errsz, "personality", r);
		return r;
	}

	r = add_socket_rules(ctx, profile, deny);
	if (r < 0) {
		set_err(err, errsz, "socket", r);
		return r;
	}

	if (variant > SECCOMP_VARIANT_NOTIFY) {
		r = add_fs_rules(ctx, (unsigned)(variant - SECCOMP_VARIANT_NOTIFY), err, errsz);
		if (r < 0)
			return r;
	}

#if defined(__x86_64__)
	for (int nr = NR_LAST_KNOWN + 1; nr <= NR_FUTURE_END; nr++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		if (r < 0) {
			set_err(err, errsz, "future system calls", r);
			return r;
		}
	}
#endif
	return 0;
}

/* libseccomp 2.5.4 exports only to a descriptor: go through a memfd. */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stat st;
	size_t size, done = 0;
	int r;

	fd = memfd_create("cx-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
		return -E2BIG;
	size = (size_t)st.st_size;

	insns = malloc(size);
	if (!insns)
		return -ENOMEM;
	while (done < size) {
		ssize_t n = pread(fd, (char *)insns + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	*ret = (struct sock_fprog){.len = (unsigned short)(size / sizeof(struct sock_filter)),
				   .filter = TAKE_PTR(insns)};
	return 0;
}

static const char *profile_name(enum seccomp_profile p)
{
	static const char *const names[_SECCOMP_PROFILE_MAX] = {
		[SECCOMP_PROFILE_NET_OFF] = "net-off",
		[SECCOMP_PROFILE_NET_PROXY] = "net-proxy",
		[SECCOMP_PROFILE_NET_FULL] = "net-full",
	};

	return (unsigned)p < _SECCOMP_PROFILE_MAX ? names[p] : "?";
}

int seccomp_programs_build(struct seccomp_programs *ret, char *err, size_t errsz)
{
	struct seccomp_programs p = {0};
	int r = 0, variant_max;

	if (!ret)
		return -EINVAL;

	/*
	 * API level 5 means libseccomp found SECCOMP_RET_USER_NOTIF in the
	 * kernel (5.0+); without it the notify variants stay empty.
	 */
	variant_max = seccomp_api_get() >= 5 ? _SECCOMP_VARIANT_MAX : SECCOMP_VARIANT_NOTIFY;

	for (int profile = 0; profile < _SECCOMP_PROFILE_MAX; profile++) {
		for (int variant = 0; variant < variant_max; variant++) {
			scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
			char what[64];

			if (!ctx) {
				r = -ENOMEM;
				set_err(err, errsz, "seccomp_init", r);
				goto fail;
			}
			r = build_ctx(ctx, profile, variant, err, errsz);
			if (r >= 0) {
				r = export_prog(ctx, &p.prog[profile][variant]);
				if (r < 0) {
					snprintf(what, sizeof(what), "exporting %s variant %d",
						 profile_name(profile), variant);
					set_err(err, errsz, what, r);
				}
			}
			seccomp_release(ctx);
			if (r < 0)
				goto fail;
		}
	}
	*ret = p;
	return 0;
fail:
	seccomp_programs_free(&p);
	return r;
}

void seccomp_programs_free(struct seccomp_programs *p)
{
	if (!p)
		return;
	for (int profile = 0; profile < _SECCOMP_PROFILE_MAX; profile++)
		for (int variant = 0; variant < _SECCOMP_VARIANT_MAX; variant++) {
			free(p->prog[profile][variant].filter);
			p->prog[profile][variant] = (struct sock_fprog){0};
		}
}

const struct sock_fprog *seccomp_program_variant(const struct seccomp_programs *p,
						 enum seccomp_profile profile,
						 enum seccomp_variant variant)
{
	const struct sock_fprog *prog;

	if (!p || (unsigned)profile >= _SECCOMP_PROFILE_MAX ||
	    (unsigned)variant >= _SECCOMP_VARIANT_MAX)
		return NULL;
	prog = &p->prog[profile][variant];
	return prog->filter && prog->len > 0 ? prog : NULL;
}

const struct sock_fprog *seccomp_program(const struct seccomp_programs *p,
					 enum seccomp_profile profile, bool notify)
{
	return seccomp_program_variant(p, profile,
				       notify ? SECCOMP_VARIANT_NOTIFY : SECCOMP_VARIANT_PLAIN);
}

int seccomp_install(const struct sock_fprog *prog, bool want_listener, int *ret_listener_fd)
{
	unsigned long flags = 0;
	long r;

	if (!prog || !prog->filter || prog->len == 0)
		return -EINVAL;
	if (want_listener) {
		if (!ret_listener_fd)
			return -EINVAL;
		flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}

	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
	if (r < 0 && errno == EINVAL && (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) {
		/* Before 5.19: a listener whose waits any signal interrupts. */
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
	}
	if (r < 0)
		return errno > 0 ? -errno : -EIO;
	if (ret_listener_fd)
		*ret_listener_fd = want_listener ? (int)r : -1;
	return 0;
}

/* Names libseccomp 2.5.4 returns NULL for (same numbers on every modern ABI). */
static const char *const late_names[] = {
	[457 - NR_FIRST_UNKNOWN] = "statmount",
	[458 - NR_FIRST_UNKNOWN] = "listmount",
	[459 - NR_FIRST_UNKNOWN] = "lsm_get_self_attr",
	[460 - NR_FIRST_UNKNOWN] = "lsm_set_self_attr",
	[461 - NR_FIRST_UNKNOWN] = "lsm_list_modules",
	[462 - NR_FIRST_UNKNOWN] = "mseal",
	[463 - NR_FIRST_UNKNOWN] = "setxattrat",
	[464 - NR_FIRST_UNKNOWN] = "getxattrat",
	[465 - NR_FIRST_UNKNOWN] = "listxattrat",
	[466 - NR_FIRST_UNKNOWN] = "removexattrat",
	[467 - NR_FIRST_UNKNOWN] = "open_tree_attr",
	[468 - NR_FIRST_UNKNOWN] = "file_getattr",
	[469 - NR_FIRST_UNKNOWN] = "file_setattr",
};

#define NAME_CACHE_SIZE 512

const char *seccomp_syscall_name(int nr)
{
	static char *cache[NAME_CACHE_SIZE];
	static bool looked_up[NAME_CACHE_SIZE];

	if (nr < 0 || nr >= NAME_CACHE_SIZE)
		return NULL;
	if (!looked_up[nr]) {
		cache[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		looked_up[nr] = true;
	}
	if (cache[nr])
		return cache[nr];
	if (nr >= NR_FIRST_UNKNOWN && nr <= NR_LAST_KNOWN)
		return late_names[nr - NR_FIRST_UNKNOWN];
	return NULL;
}
