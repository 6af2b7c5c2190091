/* SPDX-License-Identifier: MIT */
/*
 * The DNS stub's resolv.conf for a sandbox that keeps the host's
 * filesystem view (resolv_stub.h).
 *
 * Process: sandbox child only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/resolv_stub.h"

#define SCRATCH_DIR "/tmp"

static int fail_close(int a, int b)
{
	int r = -errno;

	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return r;
}

int resolv_stub_bind(void)
{
	static const char text[] = RESOLV_STUB_TEXT;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
	int fs, mnt, f, tree;

	/* Nothing mounted below may reach the host's mount namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fail_close(fs, -1);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return fail_close(fs, -1);
	close(fs);

	f = openat(mnt, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (f < 0)
		return fail_close(mnt, -1);
	errno = EIO; /* a short write sets none */
	if (write(f, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1) || fchmod(f, 0644) < 0)
		return fail_close(f, mnt);
	close(f);

	/*
	 * A file of a detached mount cannot be cloned: attach the tmpfs for
	 * the clone, then take it away (nothing else runs in this namespace
	 * yet, so nobody sees /tmp covered).
	 */
	if (move_mount(mnt, "", AT_FDCWD, SCRATCH_DIR, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail_close(mnt, -1);
	tree = open_tree(mnt, "resolv.conf", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	close(mnt);
	if (umount2(SCRATCH_DIR, MNT_DETACH) < 0)
		return fail_close(tree, -1);
	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
	    move_mount(tree, "", AT_FDCWD, "/etc/resolv.conf",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
		return fail_close(tree, -1);
	close(tree);
	return 0;
}
