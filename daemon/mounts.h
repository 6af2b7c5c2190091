/* SPDX-License-Identifier: MIT */
/*
 * The sandbox's filesystem view, built in its own mount namespace with
 * file descriptors (open_tree, mount_setattr, move_mount, fsopen/fsmount,
 * openat2 with RESOLVE_*), never with path strings that a client could swap
 * between check and use:
 *
 *   - every mount read-only, nosuid, nodev (one recursive mount_setattr);
 *   - writable roots (cwd, configured roots, /tmp, $TMPDIR) re-attached
 *     writable from clones taken before the tree went read-only;
 *   - inside each writable root, .git (and the directory a "gitdir:" file
 *     points to), .codex and .agents read-only; a symlinked one refuses to
 *     start; a missing .codex in the working directory is created empty
 *     (as the user) so it can be mounted read-only; with allow_git_writes
 *     only .git/config, .git/hooks and the other places git runs code from
 *     stay read-only;
 *   - a minimal /dev (null, zero, full, random, urandom, tty, a private
 *     devpts instance, a private /dev/shm), a fresh /proc for the new PID
 *     namespace with /proc/sys and friends read-only, an empty /run;
 *   - /tmp either a private, size-limited tmpfs per exec (default: no
 *     host sockets, no unbounded disk) or the host's /tmp; writable roots
 *     below /tmp (a workspace in /tmp, $TMPDIR) are re-exposed inside the
 *     private one, and created there (as the caller) when missing;
 *   - Unix sockets the command must not reach masked: every socket under
 *     a host /tmp, the paths the client's environment names (SSH_AUTH_SOCK
 *     ...), codexd's own socket; deny-read paths made unreadable.
 *
 * User-controlled paths are resolved with the caller's fsuid/fsgid and
 * groups, so the sandbox never sees more than the caller could open.
 *
 * Process: sandbox child (PID 1, root, before privileges are dropped):
 * system calls only, on a plan the main process prepared.
 */
#ifndef CX_MOUNTS_H
#define CX_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cxlimits.h"

#define MOUNTS_MAX_ROOTS (CX_MAX_WRITABLE_ROOTS + 4)
#define MOUNTS_MAX_MASKS 64
#define MOUNTS_MAX_DENY 256
#define MOUNTS_MAX_SOCKET_SCAN 100000 /* entries looked at; more refuses to start */
#define MOUNTS_SCAN_DEPTH 8
#define MOUNTS_MAX_SCAN_DIRS 8
#define MOUNTS_GLOB_SCAN 4096  /* entries looked at for deny_read patterns (then stop) */
#define MOUNTS_GLOB_DEPTH 6
#define MOUNTS_GLOB_MASKS 64   /* existing matches masked at most */

/* What failed, for the daemon's message (index says which root/path). */
enum mounts_what {
	MOUNTS_OK,
	MOUNTS_PROPAGATION,
	MOUNTS_ROOT,            /* opening or cloning a writable root */
	MOUNTS_PROTECTED,       /* a protected path could not be handled */
	MOUNTS_PROTECTED_LINK,  /* a protected path is a symbolic link: refuse */
	MOUNTS_PROTECTED_MOVED, /* a protected path changed while being set up */
	MOUNTS_READONLY,        /* the recursive read-only remount */
	MOUNTS_ATTACH,          /* attaching a writable root */
	MOUNTS_DEV,
	MOUNTS_PROC,
	MOUNTS_RUN,
	MOUNTS_TMP,
	MOUNTS_MASK,
	MOUNTS_SCAN,
	MOUNTS_DENY,
	MOUNTS_CREDS,
	MOUNTS_READONLY_PATH,   /* a path made read-only (glob rules, forbidden writes) */
	MOUNTS_RESOLV,          /* /etc/resolv.conf pointing at the proxy's DNS stub */
	_MOUNTS_WHAT_MAX,
};

struct mounts_failure {
	enum mounts_what what;
	int err;   /* positive errno */
	int index; /* root, mask or deny index; -1 when not applicable */
	int name;  /* protected name index (see mounts_protected_name()), or -1 */
};

struct mount_plan {
	const char *cwd;
	/* Writable roots, absolute; none nested in another (the planner removes those). */
	const char *roots[MOUNTS_MAX_ROOTS];
	size_t n_roots;
	bool protect_metadata; /* .git, .codex, .agents read-only inside roots */
	bool create_codex_dir; /* create a missing .codex in cwd so it can be protected */
	bool allow_git_writes; /* .git writable except config, hooks and friends */
	/* Socket paths to mask (from the client's environment, codexd's socket). */
	const char *masks[MOUNTS_MAX_MASKS];
	size_t n_masks;
	/* Directories whose sockets are all masked (a host /tmp, ~/.gnupg ...). */
	const char *scan[MOUNTS_MAX_SCAN_DIRS];
	size_t n_scan;
	/* Paths made unreadable. */
	const char *deny[MOUNTS_MAX_DENY];
	size_t n_deny;
	/* Paths made read-only, also inside writable roots (symlinks followed, as the
	 * caller; a missing path is skipped). */
	const char *readonly[MOUNTS_MAX_DENY];
	size_t n_readonly;
	/*
	 * deny_read patterns (and relative paths): the supervisor enforces them
	 * when files are opened; the relative ones' existing matches below the
	 * writable roots are also masked here, within a small budget.
	 */
	const char *deny_globs[MOUNTS_MAX_DENY];
	size_t n_deny_globs;
	/* /run entries kept visible over the empty /run (e.g. resolv.conf's target dir). */
	const char *run_keep[8];
	size_t n_run_keep;
	/* Caller identity for resolving user paths. */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	gid_t tty_gid;
	uint64_t shm_bytes;
	/* A private tmpfs on /tmp (size tmp_bytes) instead of the host's /tmp;
	 * read-only (and empty) in read-only mode. */
	bool private_tmp;
	bool private_tmp_readonly;
	uint64_t tmp_bytes;
	/* Proxied network: /etc/resolv.conf names the DNS stub (127.0.0.1). */
	bool proxy_dns;
};

/* Build the view.  Returns 0, or -errno with *ret_fail saying what failed. */
int mounts_apply(const struct mount_plan *p, struct mounts_failure *ret_fail);

/* ".git", ".codex", ".agents" by index (any process). */
const char *mounts_protected_name(int i);
const char *mounts_what_to_string(enum mounts_what w);

#endif
