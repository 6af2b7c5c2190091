/* SPDX-License-Identifier: MIT */
/*
 * Per-exec cgroups made ahead of demand.  Making a cgroup (mkdir in each
 * v1 hierarchy, the limits written, "tasks" opened) was ~0.1-0.2 ms of the
 * daemon's path from a request to the sandbox; a few are made while the
 * daemon is idle instead, each used by one exec only (never reused: they
 * are removed with it), and renamed to the exec's name when taken.  The
 * pool holds no descriptors (they are opened when a cgroup is taken).
 *
 * Process: main.
 */
#ifndef CX_CGROUP_POOL_H
#define CX_CGROUP_POOL_H

#include "daemon/cgroup.h"

struct daemon;

/* Cgroups kept ready; with more commands starting at once, the rest are made on demand. */
#define CGROUP_POOL_SIZE 4

/*
 * cgroup_create() for exec id, served from the pool when it holds cgroups
 * with exactly *lim (limits changed by a reload: the pool is emptied and
 * refilled).  Same contract: 0 with *ret (cgroup_remove() it), or -errno.
 */
int cgroup_pool_create(struct daemon *d, const char *id, const struct cgroup_limits *lim,
		       struct exec_cgroup *ret);

/*
 * Top the pool up while the loop is idle and no sandbox is being built
 * (called when an exec ends: making cgroups beside a PID 1 that joins its
 * own would make both wait for the kernel's cgroup lock).
 */
void cgroup_pool_refill(struct daemon *d);

/* Remove the cgroups the pool holds and stop refilling (shutdown). */
void cgroup_pool_free(struct daemon *d);

#endif
