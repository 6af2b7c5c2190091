/* SPDX-License-Identifier: MIT */
#include "common/macro.h"
#include "daemon/sandbox_msg.h"

static const char *const stage_names[_STAGE_MAX] = {
	[STAGE_NONE] = "none",
	[STAGE_SIGNALS] = "signals",
	[STAGE_CGROUP] = "cgroup",
	[STAGE_RLIMITS] = "resource limits",
	[STAGE_SESSION] = "session",
	[STAGE_PDEATHSIG] = "parent-death signal",
	[STAGE_LIFELINE] = "lifeline",
	[STAGE_MOUNTS] = "mounts",
	[STAGE_LANDLOCK] = "landlock",
	[STAGE_SECUREBITS] = "securebits",
	[STAGE_BOUNDING_SET] = "capability bounding set",
	[STAGE_GROUPS] = "supplementary groups",
	[STAGE_GID] = "gid",
	[STAGE_UID] = "uid",
	[STAGE_CAPS] = "capabilities",
	[STAGE_CAPS_VERIFY] = "capability check",
	[STAGE_NO_NEW_PRIVS] = "no_new_privs",
	[STAGE_FORK] = "fork",
	[STAGE_STDIO] = "stdio",
	[STAGE_CHDIR] = "chdir",
	[STAGE_SECCOMP] = "seccomp",
	[STAGE_EXEC] = "exec",
};

const char *sandbox_stage_to_string(enum sandbox_stage s)
{
	if ((unsigned)s < _STAGE_MAX && stage_names[s])
		return stage_names[s];
	return "unknown";
}
