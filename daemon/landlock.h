/* SPDX-License-Identifier: MIT */
/*
 * Landlock, the sandbox's second wall behind the mount namespace: a plan
 * (which rights are handled, which paths and TCP ports grant which of them)
 * is built in the main process, where allocation is allowed, and applied in
 * the sandbox child with system calls only.
 *
 * Best effort up to ABI 7 (PLATFORM.md §1.8): rights the running kernel
 * does not know are masked out when the plan is built (REFER needs ABI 2,
 * TRUNCATE 3, TCP rules 4, IOCTL_DEV 5, scoping 6, audit-log flags 7), so a
 * plan built for the probed ABI never makes the kernel return EINVAL.  What
 * is "handled" and not granted by a rule is denied.
 *
 * Return convention: >= 0 success, -errno failure.
 */
#ifndef CX_LANDLOCK_H
#define CX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/landlock_abi.h"

/* The newest ABI this code knows; a newer kernel is used at this level. */
#define LANDLOCK_ABI_MAX 7

/* Bounds on one plan (the plan lives in the spec copied into the child). */
#define LANDLOCK_MAX_PATH_RULES 256
#define LANDLOCK_MAX_PORT_RULES 64

/*
 * Named access sets.  Pass them as they are: landlock_plan_add_path()
 * masks them with what the plan's ABI handles, and landlock_apply() masks
 * rules on non-directories to the file rights.
 *
 * LANDLOCK_WRITE includes IOCTL_DEV: grant it (with LANDLOCK_READ) beneath
 * /dev/null, /dev/tty, /dev/pts and friends, or terminal ioctls (tcgetattr,
 * window size) fail with EACCES on device files opened inside the sandbox
 * (ABI >= 5; descriptors opened before landlock_apply() are not affected).
 */
#define LANDLOCK_READ                                                                              \
	(CX_LANDLOCK_ACCESS_FS_READ_FILE | CX_LANDLOCK_ACCESS_FS_READ_DIR |                        \
	 CX_LANDLOCK_ACCESS_FS_EXECUTE)
#define LANDLOCK_WRITE                                                                             \
	(CX_LANDLOCK_ACCESS_FS_WRITE_FILE | CX_LANDLOCK_ACCESS_FS_REMOVE_DIR |                     \
	 CX_LANDLOCK_ACCESS_FS_REMOVE_FILE | CX_LANDLOCK_ACCESS_FS_MAKE_CHAR |                     \
	 CX_LANDLOCK_ACCESS_FS_MAKE_DIR | CX_LANDLOCK_ACCESS_FS_MAKE_REG |                         \
	 CX_LANDLOCK_ACCESS_FS_MAKE_SOCK | CX_LANDLOCK_ACCESS_FS_MAKE_FIFO |                       \
	 CX_LANDLOCK_ACCESS_FS_MAKE_BLOCK | CX_LANDLOCK_ACCESS_FS_MAKE_SYM |                       \
	 CX_LANDLOCK_ACCESS_FS_REFER | CX_LANDLOCK_ACCESS_FS_TRUNCATE |                            \
	 CX_LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define LANDLOCK_NET_BIND CX_LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_NET_CONNECT CX_LANDLOCK_ACCESS_NET_CONNECT_TCP

/* landlock_plan_init() flags. */
enum landlock_plan_flags {
	LANDLOCK_PLAN_NET = 1U << 0, /* handle TCP bind + connect (ABI >= 4) */
	LANDLOCK_PLAN_SCOPE_ABSTRACT_UNIX = 1U << 1, /* no connecting out to abstract sockets */
	LANDLOCK_PLAN_SCOPE_SIGNAL = 1U << 2, /* no signals to processes outside */
	LANDLOCK_PLAN_SCOPE_ALL = LANDLOCK_PLAN_SCOPE_ABSTRACT_UNIX | LANDLOCK_PLAN_SCOPE_SIGNAL,
};

struct landlock_path_rule {
	char *path; /* absolute; owned by the plan */
	uint64_t access; /* already masked to plan->handled_fs */
	bool optional; /* a missing path (ENOENT/ENOTDIR) is skipped, not an error */
};

struct landlock_port_rule {
	uint16_t port; /* host byte order */
	uint64_t access; /* LANDLOCK_NET_*, masked to plan->handled_net */
};

struct landlock_plan {
	int abi; /* ABI the plan was built for, 1..LANDLOCK_ABI_MAX */
	unsigned flags; /* enum landlock_plan_flags asked for */
	uint64_t handled_fs; /* every filesystem right of the ABI */
	uint64_t handled_net; /* 0 unless LANDLOCK_PLAN_NET and ABI >= 4 */
	uint64_t scoped; /* 0 unless asked and ABI >= 6 */
	size_t n_paths, n_ports;
	struct landlock_path_rule paths[LANDLOCK_MAX_PATH_RULES];
	struct landlock_port_rule ports[LANDLOCK_MAX_PORT_RULES];
};

/*
 * The running kernel's Landlock ABI version (>= 1), or -EOPNOTSUPP
 * (built in but disabled at boot) or -ENOSYS (not built in).
 * Process: any (one system call).
 */
int landlock_probe_abi(void);

/*
 * Bitmask of the errata fixed in the running kernel (for daemon/status),
 * 0 when the kernel cannot tell (errata query unsupported), or -errno
 * when Landlock is unavailable.  Process: any.
 */
int landlock_probe_errata(void);

/* Every filesystem right ABI abi knows (0 for abi < 1).  Process: any. */
uint64_t landlock_fs_access_for_abi(int abi);

/*
 * Start a plan for ABI abi (normally landlock_probe_abi(); values above
 * LANDLOCK_ABI_MAX are used as LANDLOCK_ABI_MAX): handles every filesystem
 * right of that ABI, TCP bind+connect if LANDLOCK_PLAN_NET and abi >= 4,
 * the scopes asked for if abi >= 6 (best effort: a right the kernel lacks
 * is silently not handled; compare plan->handled_net / plan->scoped with
 * what was asked to report a weaker sandbox).  No rules yet: until paths
 * are added, every file access is denied.  -EOPNOTSUPP if abi < 1,
 * -EINVAL for unknown flags.  The plan must be released with
 * landlock_plan_done() (also after a failed add).  Process: main.
 */
int landlock_plan_init(struct landlock_plan *plan, int abi, unsigned flags);

/*
 * Grant access beneath path (a directory) or on path (any other file).
 * access is masked to plan->handled_fs; a right the ABI lacks is dropped
 * and a rule left with nothing is not stored (returns 0).  The path is
 * copied.  Returns -EINVAL for a relative, empty or overlong path, zero or
 * unknown access bits; -E2BIG when LANDLOCK_MAX_PATH_RULES are stored;
 * -ENOMEM.  Process: main.
 */
int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
			   bool optional);

/*
 * Grant access (LANDLOCK_NET_BIND and/or LANDLOCK_NET_CONNECT) on TCP port
 * port.  -EINVAL if the plan was not started with LANDLOCK_PLAN_NET or for
 * zero/unknown access bits; 0 without storing anything when the kernel
 * cannot handle TCP (ABI < 4); -E2BIG past LANDLOCK_MAX_PORT_RULES.
 * Process: main.
 */
int landlock_plan_add_port(struct landlock_plan *plan, uint16_t port, uint64_t access);

/* Free the plan's path copies; safe on a zeroed or already-done plan.  Process: main. */
void landlock_plan_done(struct landlock_plan *plan);

/*
 * Enforce plan on the calling thread and everything it later starts:
 * create the ruleset, open each path O_PATH (following symlinks; an
 * optional path that is missing is skipped), add a PATH_BENEATH rule per
 * path (rights narrowed to the file rights when the path is not a
 * directory, skipped when nothing is left), a NET_PORT rule per port,
 * then landlock_restrict_self() and close the ruleset.  With log and
 * ABI >= 7, denials by the command after execve() are sent to the audit
 * log (LOG_NEW_EXEC_ON); otherwise the kernel's default logging applies.
 *
 * restrict_self needs no_new_privs or CAP_SYS_ADMIN: codexd calls this as
 * root before dropping privileges; a caller with neither gets
 * no_new_privs set here (it is never cleared again, and codexd sets it
 * later anyway).
 *
 * Returns 0, or -errno: -ENOENT/-EACCES/... from opening a required path,
 * -EOPNOTSUPP when the plan has no ABI, whatever the kernel answered
 * otherwise.  On failure nothing is enforced (restrict_self is the last
 * step) and no descriptor is left open.
 *
 * Process: sandbox child (system calls only: no allocation, no stdio).
 */
int landlock_apply(const struct landlock_plan *plan, bool log);

#endif
