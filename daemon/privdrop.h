/* SPDX-License-Identifier: MIT */
/*
 * Becoming the client: supplementary groups, gid, uid, every capability
 * cleared (bounding, ambient, effective, permitted, inheritable), root's
 * special treatment locked off with securebits, then no_new_privs.
 *
 * Process: sandbox child only (after clone3; system calls only, no
 * allocation, no locks).  libcap-ng is deliberately not used here: its
 * bounding-set code reads /proc with stdio, which allocates.
 */
#ifndef CX_PRIVDROP_H
#define CX_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon/sandbox_msg.h"

struct privdrop {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	unsigned cap_last_cap; /* /proc/sys/kernel/cap_last_cap, read before clone */
};

/*
 * Drop to p's identity with no capabilities and no_new_privs.  Returns 0,
 * or -errno with *ret_stage naming the step that failed.  Verifies the
 * result with capget() and getres[ug]id(): a sandbox never starts with
 * anything left over.
 */
int privdrop_apply(const struct privdrop *p, enum sandbox_stage *ret_stage);

#endif
