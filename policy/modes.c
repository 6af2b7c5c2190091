/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "policy/modes.h"

const char *const sandbox_mode_names[_SANDBOX_MODE_MAX + 1] = {
	[SANDBOX_READ_ONLY] = "read-only",
	[SANDBOX_WORKSPACE_WRITE] = "workspace-write",
	[SANDBOX_DANGER_FULL_ACCESS] = "danger-full-access",
	[_SANDBOX_MODE_MAX] = NULL,
};

const char *const net_mode_names[_NET_MODE_MAX + 1] = {
	[NET_OFF] = "off",
	[NET_PROXY] = "proxy",
	[NET_FULL] = "full",
	[_NET_MODE_MAX] = NULL,
};

const char *const stdio_mode_names[_STDIO_MODE_MAX + 1] = {
	[STDIO_PIPE] = "pipe",
	[STDIO_FDS] = "fds",
	[_STDIO_MODE_MAX] = NULL,
};

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -EINVAL;
}

const char *sandbox_mode_to_string(enum sandbox_mode m)
{
	return (unsigned)m < _SANDBOX_MODE_MAX ? sandbox_mode_names[m] : "invalid";
}

int sandbox_mode_from_string(const char *s, enum sandbox_mode *ret)
{
	int i = lookup(sandbox_mode_names, _SANDBOX_MODE_MAX, s);
	if (i < 0)
		return i;
	*ret = (enum sandbox_mode)i;
	return 0;
}

const char *net_mode_to_string(enum net_mode m)
{
	return (unsigned)m < _NET_MODE_MAX ? net_mode_names[m] : "invalid";
}

int net_mode_from_string(const char *s, enum net_mode *ret)
{
	int i = lookup(net_mode_names, _NET_MODE_MAX, s);
	if (i < 0)
		return i;
	*ret = (enum net_mode)i;
	return 0;
}
