/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

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
	[STAGE_NETWORK] = "network",
	[STAGE_NAMESPACES] = "namespaces",
};

const char *sandbox_stage_to_string(enum sandbox_stage s)
{
	if ((unsigned)s < _STAGE_MAX && stage_names[s])
		return stage_names[s];
	return "unknown";
}

static const char *const file_op_names[_SANDBOX_FILE_OP_MAX] = {
	[SANDBOX_FILE_OPEN] = "open",	      [SANDBOX_FILE_MKDIR] = "mkdir",
	[SANDBOX_FILE_MKNOD] = "mknod",	      [SANDBOX_FILE_SYMLINK] = "symlink",
	[SANDBOX_FILE_LINK] = "link",	      [SANDBOX_FILE_UNLINK] = "unlink",
	[SANDBOX_FILE_RMDIR] = "rmdir",	      [SANDBOX_FILE_RENAME] = "rename",
	[SANDBOX_FILE_TRUNCATE] = "truncate", [SANDBOX_FILE_CHMOD] = "chmod",
	[SANDBOX_FILE_CHOWN] = "chown",	      [SANDBOX_FILE_UTIMES] = "utimes",
	[SANDBOX_FILE_SETXATTR] = "setxattr", [SANDBOX_FILE_REMOVEXATTR] = "removexattr",
	[SANDBOX_FILE_EXEC] = "exec",	      [SANDBOX_FILE_CONNECT] = "connect",
	[SANDBOX_FILE_BIND] = "bind",
};

const char *sandbox_file_op_to_string(uint32_t op)
{
	return op < _SANDBOX_FILE_OP_MAX ? file_op_names[op] : NULL;
}

int sandbox_denial_check(const struct sandbox_denial *d)
{
	if (d->count == 0 || d->nr < 0)
		return -EBADMSG;
	switch (d->kind) {
	case SANDBOX_DENIAL_SYSCALL:
		if (d->path_len != 0)
			return -EBADMSG;
		return 0;
	case SANDBOX_DENIAL_FILE:
		if (!sandbox_file_op_to_string(d->op) || d->err <= 0 || d->err >= 4096 ||
		    d->path_len == 0 || d->path_len > sizeof(d->path) ||
		    memchr(d->path, '\0', d->path_len))
			return -EBADMSG;
		return 0;
	default:
		return -EBADMSG;
	}
}
