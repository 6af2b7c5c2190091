/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/privdrop.h"

/*
 * Runs as root in the sandbox child, on behalf of a client whose uid, gid
 * and groups came from SO_PEERCRED/SO_PEERGROUPS (never from the request).
 * Order matters: the bounding set and securebits need CAP_SETPCAP, so they
 * go first; groups and gid need CAP_SETGID, so they precede the uid
 * change; after setresuid() the kernel clears permitted/effective/ambient
 * for a non-root uid, and we clear them explicitly anyway (a root client
 * keeps uid 0 but loses every capability and cannot regain one through
 * exec: empty bounding set, SECBIT_NOROOT locked, no_new_privs).
 */
int privdrop_apply(const struct privdrop *p, enum sandbox_stage *ret_stage)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

#define FAIL(stage)                                                                                \
	do {                                                                                       \
		*ret_stage = (stage);                                                              \
		return errno > 0 ? -errno : -EIO;                                                  \
	} while (0)

	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
		  0, 0, 0) < 0)
		FAIL(STAGE_SECUREBITS);

	for (unsigned c = 0; c <= p->cap_last_cap; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			FAIL(STAGE_BOUNDING_SET);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		FAIL(STAGE_CAPS);

	if (syscall(SYS_setgroups, p->n_groups, p->groups) < 0)
		FAIL(STAGE_GROUPS);
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		FAIL(STAGE_GID);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		FAIL(STAGE_UID);

	if (syscall(SYS_capset, &hdr, data) < 0)
		FAIL(STAGE_CAPS);

	/* Verify: nothing may be left, whatever the kernel's rules were. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		FAIL(STAGE_CAPS_VERIFY);
	if (data[0].effective || data[0].permitted || data[0].inheritable || data[1].effective ||
	    data[1].permitted || data[1].inheritable) {
		errno = EPERM;
		FAIL(STAGE_CAPS_VERIFY);
	}
	for (unsigned c = 0; c <= p->cap_last_cap; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (r != 0 && !(r < 0 && errno == EINVAL)) {
			errno = EPERM;
			FAIL(STAGE_CAPS_VERIFY);
		}
		r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
		if (r > 0) {
			errno = EPERM;
			FAIL(STAGE_CAPS_VERIFY);
		}
	}
	if (syscall(SYS_getresuid, &ru, &eu, &su) < 0 || syscall(SYS_getresgid, &rg, &eg, &sg) < 0)
		FAIL(STAGE_CAPS_VERIFY);
	if (ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid ||
	    sg != p->gid) {
		errno = EPERM;
		FAIL(STAGE_CAPS_VERIFY);
	}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		FAIL(STAGE_NO_NEW_PRIVS);
#undef FAIL
	return 0;
}
