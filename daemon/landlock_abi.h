/* SPDX-License-Identifier: MIT */
/*
 * Our own copy of the Landlock user-space ABI, versions 1 to 7.
 *
 * The build host's <linux/landlock.h> (linux-libc-dev 6.1) knows only ABI 1-2
 * and declares a one-field struct landlock_ruleset_attr, while the kernel we
 * run on speaks ABI 7 (PLATFORM.md §1.8).  So this file never includes the
 * system header: every name is CX_-prefixed and cannot clash with it if some
 * other file includes it.  Values are the upstream UAPI ones
 * (include/uapi/linux/landlock.h); the sizes are checked below.
 *
 * Process: any (constants and types only).
 */
#ifndef CX_LANDLOCK_ABI_H
#define CX_LANDLOCK_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

/* System call numbers (x86_64 and the common table since 5.13). */
#ifdef __NR_landlock_create_ruleset
#define CX_NR_landlock_create_ruleset __NR_landlock_create_ruleset
#define CX_NR_landlock_add_rule __NR_landlock_add_rule
#define CX_NR_landlock_restrict_self __NR_landlock_restrict_self
#else
#define CX_NR_landlock_create_ruleset 444
#define CX_NR_landlock_add_rule 445
#define CX_NR_landlock_restrict_self 446
#endif

/* landlock_create_ruleset() flags (with attr == NULL, size == 0). */
#define CX_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define CX_LANDLOCK_CREATE_RULESET_ERRATA (1U << 1) /* 6.15, backported to stable */

/* Rule types for landlock_add_rule(). */
#define CX_LANDLOCK_RULE_PATH_BENEATH 1
#define CX_LANDLOCK_RULE_NET_PORT 2 /* ABI 4 */

/*
 * ABI 6 layout.  The kernel copies min(size, its own size) and requires
 * any bytes beyond what it knows to be zero, so passing this full struct
 * (with zero net/scoped fields) is correct for every ABI.
 */
struct cx_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped; /* ABI 6 */
};

struct cx_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct cx_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port; /* host byte order */
};

_Static_assert(sizeof(struct cx_landlock_ruleset_attr) == 24, "landlock_ruleset_attr");
_Static_assert(sizeof(struct cx_landlock_path_beneath_attr) == 12, "landlock_path_beneath_attr");
_Static_assert(sizeof(struct cx_landlock_net_port_attr) == 16, "landlock_net_port_attr");

/* Filesystem access rights (the ABI that introduced each one). */
#define CX_LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12) /* 1 */
#define CX_LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* 2 */
#define CX_LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* 3 */
#define CX_LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* 5 */

/* Every filesystem right of ABI 1 (bits 0-12). */
#define CX_LANDLOCK_ACCESS_FS_ABI1 ((1ULL << 13) - 1)

/* Rights that apply to a non-directory (anything else needs a directory). */
#define CX_LANDLOCK_ACCESS_FS_FILE                                                                 \
	(CX_LANDLOCK_ACCESS_FS_EXECUTE | CX_LANDLOCK_ACCESS_FS_WRITE_FILE |                        \
	 CX_LANDLOCK_ACCESS_FS_READ_FILE | CX_LANDLOCK_ACCESS_FS_TRUNCATE |                        \
	 CX_LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Network access rights (ABI 4). */
#define CX_LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define CX_LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)

/* IPC scoping (ABI 6). */
#define CX_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define CX_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/* landlock_restrict_self() flags (ABI 7; audit logging). */
#define CX_LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define CX_LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define CX_LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)

/*
 * Not available on the 6.18 kernel we target and deliberately not
 * defined: ABI 8's LANDLOCK_RESTRICT_SELF_TSYNC, FS_RESOLVE_UNIX, UDP
 * rights, LANDLOCK_ADD_RULE_QUIET.
 */

#endif
