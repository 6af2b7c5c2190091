/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "common/macro.h"
#include "policy/roles.h"

static const char *const role_names[_ROLE_MAX] = {
	[ROLE_NONE] = "none",
	[ROLE_VIEWER] = "viewer",
	[ROLE_MEMBER] = "member",
	[ROLE_ADMIN] = "admin",
};

const char *role_to_string(enum role r)
{
	if ((unsigned)r < _ROLE_MAX)
		return role_names[r];
	return "none";
}

int role_from_string(const char *s, enum role *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(role_names); i++)
		if (strcmp(s, role_names[i]) == 0) {
			*ret = (enum role)i;
			return 0;
		}
	return -EINVAL;
}

static bool in_group(gid_t want, gid_t gid, const gid_t *groups, size_t n)
{
	if (gid == want)
		return true;
	for (size_t i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

enum role role_for_credentials(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
			       const struct role_groups *rg)
{
	if (uid == 0)
		return ROLE_ADMIN;
	for (int r = ROLE_ADMIN; r > ROLE_NONE; r--)
		if (rg->has[r] && in_group(rg->gid[r], gid, groups, n_groups))
			return (enum role)r;
	return ROLE_NONE;
}
