/* SPDX-License-Identifier: MIT */
/*
 * Creating a sandbox: clone3() with CLONE_PIDFD and the namespace flags,
 * the child running sandbox_init_run().  Not uv_spawn(): libuv has no
 * clone-flag or pre-exec hook (PLATFORM.md §1.7).
 *
 * Process: main.
 */
#ifndef CX_SPAWN_H
#define CX_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/sandbox_init.h"

struct spawn_result {
	pid_t pid;     /* PID 1 of the sandbox, in the daemon's namespace */
	int pidfd;     /* O_CLOEXEC; readable when PID 1 has exited */
	int status_fd; /* O_CLOEXEC|O_NONBLOCK read end for struct sandbox_msg */
};

/*
 * Start a sandbox described by spec (its status_fd is filled in here).
 * clone_flags are CLONE_NEW* flags; cgroup_fd >= 0 clones straight into that
 * cgroup v2 directory (CLONE_INTO_CGROUP).  Signals are blocked across the clone
 * so no handler of the daemon's ever runs in the child.  Returns 0 with
 * *ret filled, or -errno.
 */
int spawn_sandbox(const struct sandbox_spec *spec, uint64_t clone_flags, int cgroup_fd,
		  struct spawn_result *ret);

/* Read /proc/sys/kernel/cap_last_cap (at start-up). */
int spawn_read_cap_last_cap(unsigned *ret);

#endif
