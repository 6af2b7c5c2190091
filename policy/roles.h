/* SPDX-License-Identifier: MIT */
/*
 * Roles from Unix groups (INTERFACES.md): codexd-admin = admin, codexd =
 * member, codexd-viewer = viewer (names configurable); root is admin.  The
 * highest role a caller's groups grant wins.  Identity comes only from
 * SO_PEERCRED / SO_PEERGROUPS; this module only maps it.
 *
 * Pure; process: any.
 */
#ifndef CX_ROLES_H
#define CX_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum role {
	ROLE_NONE,
	ROLE_VIEWER,
	ROLE_MEMBER,
	ROLE_ADMIN,
	_ROLE_MAX,
};

/* The groups that grant each role; has_* false when the group does not exist. */
struct role_groups {
	gid_t gid[_ROLE_MAX];
	bool has[_ROLE_MAX];
};

const char *role_to_string(enum role r);
/* Returns -EINVAL for unknown names. */
int role_from_string(const char *s, enum role *ret);

/* The role of a caller with primary gid and supplementary groups[]. */
enum role role_for_credentials(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
			       const struct role_groups *rg);

#endif
