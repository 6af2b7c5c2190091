/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/resource.h>

#include "daemon/fdlimit.h"

static uint64_t orig_soft;

int fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= rl.rlim_max)
		return 0;
	orig_soft = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		orig_soft = 0;
		return -errno;
	}
	return 0;
}

uint64_t fdlimit_commands_soft(void)
{
	return orig_soft;
}
