/* SPDX-License-Identifier: MIT */
/*
 * Runs as root in the sandbox child, in a fresh mount namespace, on behalf
 * of a client.  What it trusts: the plan (built by the main process from a
 * validated request and root's configuration).  What it checks again: every
 * path a client controls is opened with the client's fsuid/fsgid/groups and
 * RESOLVE_* flags, then used only through the resulting descriptor; a
 * protected path is re-opened through the final view and must be the same
 * inode, so swapping it for a symlink or another directory between check and
 * mount fails the exec instead of redirecting a mount.  Why it is safe: all
 * mounts happen in this namespace only (propagation private), and every
 * mount made only removes access (read-only, masked, hidden) except the
 * writable roots, which the caller could write anyway.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/mounts.h"
#include "daemon/resolv_stub.h"
#include "policy/pathglob.h"

#define MOUNTS_MAX_PROTECTED 48
#define MASK_FILE ".cx-mask"

static const char *const protected_names[] = { ".git", ".codex", ".agents" };
#define NAME_GIT 0
#define NAME_CODEX 1

/*
 * Inside .git with allow_git_writes: where git reads code, settings or
 * another git directory from.  A missing hooks/ is created empty and a
 * missing commondir is created holding "." (the git directory itself, what
 * git assumes without one) so that neither can be planted; the sequencer
 * directories are guarded when present (a planted todo list would need the
 * user's own `git rebase --continue`).
 */
static const char *const git_guarded[] = { "config",      "config.worktree", "hooks",
					   "commondir",   "modules",         "worktrees",
					   "info",        "objects/info",    "rebase-merge",
					   "rebase-apply", "sequencer" };

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

/* /proc entries made read-only, and ones hidden entirely. */
static const char *const proc_readonly[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };
static const char *const proc_masked[] = { "kcore", "keys", "timer_list", "sched_debug",
					   "kallsyms" };

#define RESOLV_CONF_NAME "codexd-resolv.conf"

struct root_state {
	int dirfd; /* O_PATH of the root in the original tree */
	int tree;  /* detached writable clone */
	dev_t dev;
	ino_t ino;
	bool create_in_tmp; /* missing below a private /tmp: create it there */
};

struct protected_item {
	int tree;  /* detached clone of the protected path */
	dev_t dev;
	ino_t ino;
	int root;
	int name;
	bool absolute; /* path is absolute (a gitdir target), else relative to the root */
	char path[CX_MAX_PATH + 1];
};

struct mounts_ctx {
	const struct mount_plan *p;
	struct mounts_failure *fail;
	struct root_state roots[MOUNTS_MAX_ROOTS];
	struct protected_item prot[MOUNTS_MAX_PROTECTED];
	size_t n_prot;
	int devfd;
	int tmpfd; /* the private /tmp, or -1 */
	int cwd_tree; /* read-only clone of a cwd below a private /tmp that is no root, or -1 */
	dev_t cwd_dev;
	ino_t cwd_ino;
	int deny_tmpfs;
	size_t scanned;
};

const char *mounts_protected_name(int i)
{
	return i >= 0 && (size_t)i < ARRAY_SIZE(protected_names) ? protected_names[i] : "?";
}

const char *mounts_what_to_string(enum mounts_what w)
{
	static const char *const names[_MOUNTS_WHAT_MAX] = {
		[MOUNTS_OK] = "ok",
		[MOUNTS_PROPAGATION] = "mount propagation",
		[MOUNTS_ROOT] = "writable root",
		[MOUNTS_PROTECTED] = "protected path",
		[MOUNTS_PROTECTED_LINK] = "protected path is a symbolic link",
		[MOUNTS_PROTECTED_MOVED] = "protected path changed during set-up",
		[MOUNTS_READONLY] = "read-only remount",
		[MOUNTS_ATTACH] = "attaching a writable root",
		[MOUNTS_DEV] = "/dev",
		[MOUNTS_PROC] = "/proc",
		[MOUNTS_RUN] = "/run",
		[MOUNTS_TMP] = "/tmp",
		[MOUNTS_MASK] = "masking a socket",
		[MOUNTS_SCAN] = "too many entries to scan for sockets",
		[MOUNTS_DENY] = "deny-read path",
		[MOUNTS_CREDS] = "credentials",
		[MOUNTS_READONLY_PATH] = "read-only path",
		[MOUNTS_RESOLV] = "/etc/resolv.conf for the proxy's DNS stub",
	};
	return (unsigned)w < _MOUNTS_WHAT_MAX && names[w] ? names[w] : "?";
}

static int failed(struct mounts_ctx *c, enum mounts_what what, int index, int name)
{
	int e = errno > 0 ? errno : EIO;

	*c->fail = (struct mounts_failure){ .what = what, .err = e, .index = index, .name = name };
	return -e;
}

static int sys_openat2(int dfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = { .flags = (uint64_t)flags, .resolve = resolve };

	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

static int set_attr(int fd, const char *path, unsigned at_flags, uint64_t set, uint64_t clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return mount_setattr(fd, path, at_flags, &a, sizeof(a));
}

/* Attach the detached mount `tree` on top of the object `target_fd` refers to. */
static int attach(int tree, int target_fd, const char *target_name)
{
	unsigned flags = MOVE_MOUNT_F_EMPTY_PATH;

	if (!target_name || !target_name[0]) {
		target_name = "";
		flags |= MOVE_MOUNT_T_EMPTY_PATH;
	}
	return move_mount(tree, "", target_fd, target_name, flags);
}

/* Resolve client paths with the client's file-system identity (DAC as them). */
static void as_user(const struct mount_plan *p)
{
	(void)setfsgid(p->gid);
	(void)setfsuid(p->uid);
}

static void as_root(void)
{
	(void)setfsuid(0);
	(void)setfsgid(0);
}

/* Join dir and name into buf (no allocation); -ENAMETOOLONG if it does not fit. */
static int join(char *buf, size_t bufsz, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	bool slash = dl > 0 && dir[dl - 1] != '/';

	if (dl + slash + nl + 1 > bufsz)
		return -ENAMETOOLONG;
	memcpy(buf, dir, dl);
	if (slash)
		buf[dl++] = '/';
	memcpy(buf + dl, name, nl + 1);
	return 0;
}

static int add_protected(struct mounts_ctx *c, int root, int name, int fd, const char *path,
			 bool absolute)
{
	struct protected_item *it;
	struct stat st;

	if (c->n_prot >= MOUNTS_MAX_PROTECTED) {
		errno = E2BIG;
		return failed(c, MOUNTS_PROTECTED, root, name);
	}
	it = &c->prot[c->n_prot];
	if (fstat(fd, &st) < 0)
		return failed(c, MOUNTS_PROTECTED, root, name);
	if (strlen(path) > CX_MAX_PATH) {
		errno = ENAMETOOLONG;
		return failed(c, MOUNTS_PROTECTED, root, name);
	}
	it->tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					     AT_RECURSIVE);
	if (it->tree < 0)
		return failed(c, MOUNTS_PROTECTED, root, name);
	it->dev = st.st_dev;
	it->ino = st.st_ino;
	it->root = root;
	it->name = name;
	it->absolute = absolute;
	memcpy(it->path, path, strlen(path) + 1);
	c->n_prot++;
	return 0;
}

/*
 * A ".git" file ("gitdir: <path>", worktrees and submodules): the directory
 * it names is protected too.  Read as the caller, at most one small block.
 */
static int protect_gitdir(struct mounts_ctx *c, int root, int dirfd)
{
	char buf[CX_MAX_PATH + 16], target[CX_MAX_PATH + 1], abs[CX_MAX_PATH + 1];
	const char *s;
	size_t n, len;
	ssize_t r;
	int fd, tfd, rc;

	fd = sys_openat2(dirfd, ".git", O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
			 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return failed(c, MOUNTS_PROTECTED, root, NAME_GIT);
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 0)
		return failed(c, MOUNTS_PROTECTED, root, NAME_GIT);
	buf[r] = '\0';
	if (strncmp(buf, "gitdir:", 7) != 0)
		return 0; /* not a pointer file: the file itself is protected */
	s = buf + 7;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, "\r\n");
	if (n == 0 || n > CX_MAX_PATH)
		return 0;
	memcpy(target, s, n);
	target[n] = '\0';

	if (target[0] == '/')
		len = (size_t)-1, rc = join(abs, sizeof(abs), "", target);
	else
		rc = join(abs, sizeof(abs), c->p->roots[root], target);
	(void)len;
	if (rc < 0) {
		errno = ENAMETOOLONG;
		return failed(c, MOUNTS_PROTECTED, root, NAME_GIT);
	}
	/* No symlinks on the way: a link here could aim the read-only mount elsewhere. */
	tfd = sys_openat2(AT_FDCWD, abs, O_PATH | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (tfd < 0) {
		if (errno == ELOOP)
			return failed(c, MOUNTS_PROTECTED_LINK, root, NAME_GIT);
		return 0; /* a dangling gitdir: git fails too; nothing to protect */
	}
	rc = add_protected(c, root, NAME_GIT, tfd, abs, true);
	close(tfd);
	return rc;
}

/* Collect the protected paths of one writable root (as the caller). */
/* Is there a .git in a directory above dirfd (the caller's view)? */
static bool inside_repo(int dirfd)
{
	int fd = sys_openat2(dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);

	for (int depth = 0; fd >= 0 && depth < 64; depth++) {
		struct stat st, up;
		int parent;

		if (faccessat(fd, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			close(fd);
			return true;
		}
		parent = sys_openat2(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		/* At / ".." is itself. */
		if (parent < 0 || (fstat(fd, &st) == 0 && fstat(parent, &up) == 0 &&
				   st.st_dev == up.st_dev && st.st_ino == up.st_ino)) {
			safe_close(parent);
			break;
		}
		close(fd);
		fd = parent;
	}
	safe_close(fd);
	return false;
}

static int prepare_protected(struct mounts_ctx *c, int root)
{
	const struct mount_plan *p = c->p;
	int dirfd = c->roots[root].dirfd;
	bool is_cwd = strcmp(p->roots[root], p->cwd) == 0;
	/*
	 * Inside a repository a subdirectory must not grow its own .git or
	 * .agents (Codex denies `git init` there): they get the same empty
	 * read-only placeholder as .codex.  Git ignores an empty .git and keeps
	 * finding the enclosing repository.
	 */
	bool in_repo = is_cwd && p->create_codex_dir && inside_repo(dirfd);

	for (int name = 0; name < (int)ARRAY_SIZE(protected_names); name++) {
		char abs[CX_MAX_PATH + 1];
		struct stat st;
		int fd, r;

		fd = sys_openat2(dirfd, protected_names[name], O_PATH | O_NOFOLLOW | O_CLOEXEC,
				 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0 && errno == ENOENT && is_cwd && p->create_codex_dir &&
		    (name == NAME_CODEX || in_repo)) {
			/*
			 * First-time creation of .codex/config.toml must not be possible
			 * from inside: create the directory empty, as the caller, so it
			 * can be mounted read-only (git ignores empty directories).
			 */
			if (mkdirat(dirfd, protected_names[name], 0755) < 0 && errno != EEXIST)
				continue; /* cannot create (read-only parent ...): nothing to guard */
			fd = sys_openat2(dirfd, protected_names[name], O_PATH | O_NOFOLLOW | O_CLOEXEC,
					 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						 RESOLVE_NO_MAGICLINKS);
		}
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return failed(c, MOUNTS_PROTECTED, root, name);
		}
		if (fstat(fd, &st) < 0) {
			close(fd);
			return failed(c, MOUNTS_PROTECTED, root, name);
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			errno = ELOOP;
			return failed(c, MOUNTS_PROTECTED_LINK, root, name);
		}
		if (join(abs, sizeof(abs), "", protected_names[name]) < 0) {
			close(fd);
			errno = ENAMETOOLONG;
			return failed(c, MOUNTS_PROTECTED, root, name);
		}
		if (name == NAME_GIT && S_ISREG(st.st_mode)) {
			r = protect_gitdir(c, root, dirfd);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
		if (name == NAME_GIT && S_ISDIR(st.st_mode) && p->allow_git_writes) {
			/* git may write objects, refs and the index; not what it executes. */
			for (size_t g = 0; g < ARRAY_SIZE(git_guarded); g++) {
				char sub[CX_MAX_PATH + 1];
				int gfd = sys_openat2(fd, git_guarded[g],
						      O_PATH | O_NOFOLLOW | O_CLOEXEC,
						      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
							      RESOLVE_NO_MAGICLINKS);
				if (gfd < 0 && errno == ENOENT &&
				    (strcmp(git_guarded[g], "hooks") == 0 ||
				     strcmp(git_guarded[g], "commondir") == 0)) {
					/* Created later they would act outside: plant them neutral. */
					int dfd = sys_openat2(dirfd, ".git",
							      O_RDONLY | O_DIRECTORY | O_CLOEXEC,
							      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
					if (dfd >= 0) {
						if (git_guarded[g][0] == 'h')
							(void)mkdirat(dfd, "hooks", 0755);
						else {
							int cf = openat(dfd, "commondir",
									O_CREAT | O_EXCL | O_WRONLY |
										O_NOFOLLOW | O_CLOEXEC,
									0644);
							if (cf >= 0) {
								(void)!write(cf, ".\n", 2);
								close(cf);
							}
						}
						close(dfd);
					}
					gfd = sys_openat2(fd, git_guarded[g], O_PATH | O_NOFOLLOW | O_CLOEXEC,
							  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
								  RESOLVE_NO_MAGICLINKS);
				}
				if (gfd < 0) {
					if (errno == ENOENT)
						continue;
					close(fd);
					return failed(c, MOUNTS_PROTECTED, root, name);
				}
				if (fstat(gfd, &st) < 0 || S_ISLNK(st.st_mode)) {
					close(gfd);
					close(fd);
					errno = ELOOP;
					return failed(c, MOUNTS_PROTECTED_LINK, root, name);
				}
				if (join(sub, sizeof(sub), abs, git_guarded[g]) < 0) {
					close(gfd);
					close(fd);
					errno = ENAMETOOLONG;
					return failed(c, MOUNTS_PROTECTED, root, name);
				}
				r = add_protected(c, root, name, gfd, sub, false);
				close(gfd);
				if (r < 0) {
					close(fd);
					return r;
				}
			}
			close(fd);
			continue;
		}
		r = add_protected(c, root, name, fd, abs, false);
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* mkdir -p of rel under dirfd (a tmpfs we own). */
static int mkdirs_at(int dirfd, const char *rel, mode_t mode)
{
	char buf[CX_MAX_PATH + 1];
	size_t n = strlen(rel);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, rel, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			char save = buf[i];
			buf[i] = '\0';
			if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
				return -1;
			buf[i] = save;
		}
	return 0;
}

/* "/tmp/x..." -> "x...", when /tmp is private; else NULL. */
static const char *below_private_tmp(const struct mount_plan *p, const char *path)
{
	if (!p->private_tmp || strncmp(path, "/tmp/", 5) != 0 || !path[5])
		return NULL;
	return path + 5;
}

static int prepare_roots(struct mounts_ctx *c)
{
	const struct mount_plan *p = c->p;

	for (size_t i = 0; i < p->n_roots; i++) {
		struct root_state *r = &c->roots[i];
		int rc;

		r->dirfd = sys_openat2(AT_FDCWD, p->roots[i], O_PATH | O_DIRECTORY | O_CLOEXEC,
				       RESOLVE_NO_MAGICLINKS);
		if (r->dirfd < 0) {
			if (errno == ENOENT && below_private_tmp(p, p->roots[i]) &&
			    strcmp(p->roots[i], p->cwd) != 0) {
				r->create_in_tmp = true; /* e.g. $TMPDIR: made inside the private /tmp */
				continue;
			}
			/* A configured root that does not exist is skipped (as Codex does). */
			if (errno == ENOENT && strcmp(p->roots[i], p->cwd) != 0)
				continue;
			return failed(c, MOUNTS_ROOT, (int)i, -1);
		}
		/* The caller must be able to enter it ("." needs search permission). */
		{
			struct stat st;
			int probe = sys_openat2(r->dirfd, ".", O_PATH | O_CLOEXEC, 0);
			if (probe < 0)
				return failed(c, MOUNTS_ROOT, (int)i, -1);
			close(probe);
			if (fstat(r->dirfd, &st) < 0)
				return failed(c, MOUNTS_ROOT, (int)i, -1);
			r->dev = st.st_dev;
			r->ino = st.st_ino;
		}
		r->tree = open_tree(r->dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
							 AT_RECURSIVE);
		if (r->tree < 0)
			return failed(c, MOUNTS_ROOT, (int)i, -1);
		if (p->protect_metadata) {
			rc = prepare_protected(c, (int)i);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * A working directory below a private /tmp that is no writable root (read-
 * only mode): it must stay visible, read-only, at the same path.  Cloned as
 * the caller before the tmpfs covers it.
 */
static int prepare_tmp_cwd(struct mounts_ctx *c)
{
	const struct mount_plan *p = c->p;
	struct stat st;
	int fd;

	if (!below_private_tmp(p, p->cwd))
		return 0;
	for (size_t i = 0; i < p->n_roots; i++)
		if (strcmp(p->roots[i], p->cwd) == 0)
			return 0; /* attach_roots() re-exposes it writable */
	fd = sys_openat2(AT_FDCWD, p->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return errno == ENOENT ? 0 : failed(c, MOUNTS_TMP, -1, -1);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return failed(c, MOUNTS_TMP, -1, -1);
	}
	c->cwd_dev = st.st_dev;
	c->cwd_ino = st.st_ino;
	c->cwd_tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
						AT_RECURSIVE);
	close(fd);
	return c->cwd_tree < 0 ? failed(c, MOUNTS_TMP, -1, -1) : 0;
}

static int attach_tmp_cwd(struct mounts_ctx *c)
{
	const char *rel = below_private_tmp(c->p, c->p->cwd);
	int target, r;

	if (c->cwd_tree < 0 || !rel || c->tmpfd < 0)
		return 0;
	if (mkdirs_at(c->tmpfd, rel, 0755) < 0)
		return failed(c, MOUNTS_TMP, -1, -1);
	target = openat(c->tmpfd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return failed(c, MOUNTS_TMP, -1, -1);
	r = set_attr(c->cwd_tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
		     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
	if (r == 0)
		r = attach(c->cwd_tree, target, NULL);
	close(target);
	return r < 0 ? failed(c, MOUNTS_TMP, -1, -1) : 0;
}

static int attach_roots(struct mounts_ctx *c)
{
	for (size_t i = 0; i < c->p->n_roots; i++) {
		struct root_state *r = &c->roots[i];
		const char *rel = below_private_tmp(c->p, c->p->roots[i]);
		int target = r->dirfd, rc;

		if (r->create_in_tmp && rel && c->tmpfd >= 0) {
			as_user(c->p);
			rc = mkdirs_at(c->tmpfd, rel, 0700);
			as_root();
			if (rc < 0)
				return failed(c, MOUNTS_TMP, (int)i, -1);
			continue;
		}
		if (r->tree < 0)
			continue;
		/* Below a private /tmp the host directory is re-exposed at the same path. */
		if (rel && c->tmpfd >= 0) {
			if (mkdirs_at(c->tmpfd, rel, 0755) < 0)
				return failed(c, MOUNTS_ATTACH, (int)i, -1);
			target = openat(c->tmpfd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (target < 0)
				return failed(c, MOUNTS_ATTACH, (int)i, -1);
		} else {
			/*
			 * Through the view as it is now (a root nested in one attached
			 * before lies on the new mount), as the caller, and it must still
			 * be the directory prepared: a swapped path fails the exec.
			 */
			struct stat st;

			as_user(c->p);
			target = sys_openat2(AT_FDCWD, c->p->roots[i], O_PATH | O_DIRECTORY | O_CLOEXEC,
					     RESOLVE_NO_MAGICLINKS);
			as_root();
			if (target < 0)
				return failed(c, MOUNTS_ATTACH, (int)i, -1);
			if (fstat(target, &st) < 0 || st.st_dev != r->dev || st.st_ino != r->ino) {
				close(target);
				errno = ESTALE;
				return failed(c, MOUNTS_ATTACH, (int)i, -1);
			}
		}
		/* Recursive nosuid/nodev; only the root itself loses "read-only". */
		rc = set_attr(r->tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
		if (rc == 0)
			rc = set_attr(r->tree, "", AT_EMPTY_PATH, 0, MOUNT_ATTR_RDONLY);
		if (rc == 0)
			rc = attach(r->tree, target, NULL);
		if (target != r->dirfd)
			close(target);
		if (rc < 0)
			return failed(c, MOUNTS_ATTACH, (int)i, -1);
	}
	return 0;
}

static int attach_protected(struct mounts_ctx *c)
{
	for (size_t i = 0; i < c->n_prot; i++) {
		struct protected_item *it = &c->prot[i];
		struct stat st;
		int fd, r;

		/*
		 * Through the final view, as the caller, and it must be the same
		 * inode: root-relative paths from the attached writable clone
		 * (which is where the command will see them), gitdir targets from /.
		 */
		as_user(c->p);
		if (it->absolute)
			fd = sys_openat2(AT_FDCWD, it->path, O_PATH | O_NOFOLLOW | O_CLOEXEC,
					 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		else
			fd = sys_openat2(c->roots[it->root].tree, it->path,
					 O_PATH | O_NOFOLLOW | O_CLOEXEC,
					 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						 RESOLVE_NO_MAGICLINKS);
		as_root();
		if (fd < 0) {
			if (errno == ELOOP)
				return failed(c, MOUNTS_PROTECTED_LINK, it->root, it->name);
			return failed(c, MOUNTS_PROTECTED_MOVED, it->root, it->name);
		}
		if (fstat(fd, &st) < 0 || st.st_dev != it->dev || st.st_ino != it->ino) {
			close(fd);
			errno = ESTALE;
			return failed(c, MOUNTS_PROTECTED_MOVED, it->root, it->name);
		}
		r = set_attr(it->tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
		if (r == 0)
			r = attach(it->tree, fd, NULL);
		close(fd);
		if (r < 0)
			return failed(c, MOUNTS_PROTECTED, it->root, it->name);
	}
	return 0;
}

/* A new superblock as a detached mount: fsopen + fsconfig + fsmount. */
static int new_fs(const char *type, const char *const *opts, uint64_t attrs)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	int m;

	if (fs < 0)
		return -1;
	for (size_t i = 0; opts && opts[i]; i += 2) {
		int r;
		if (opts[i + 1])
			r = fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0);
		else
			r = fsconfig(fs, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		if (r < 0)
			return -1;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	m = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	return m;
}

/* Decimal into a small buffer (no stdio in the child). */
static const char *utoa(char *buf, size_t n, uint64_t v)
{
	char tmp[24];
	size_t k = 0, o = 0;

	do
		tmp[k++] = (char)('0' + v % 10);
	while ((v /= 10) && k < sizeof(tmp));
	while (k > 0 && o + 1 < n)
		buf[o++] = tmp[--k];
	buf[o] = '\0';
	return buf;
}

static int setup_dev(struct mounts_ctx *c)
{
	static const char *const dev_opts[] = { "mode", "0755", "size", "1m", "nr_inodes", "64",
						"uid", "0", "gid", "0", NULL };
	char tty_gid[24], shm_size[24];
	const char *pts_opts[] = { "newinstance", NULL, "ptmxmode", "0666", "mode", "0620",
				   "gid", utoa(tty_gid, sizeof(tty_gid), c->p->tty_gid), NULL };
	const char *shm_opts[] = { "mode", "1777", "size",
				   utoa(shm_size, sizeof(shm_size), c->p->shm_bytes), NULL };
	int nodes[ARRAY_SIZE(dev_nodes)];
	int fd, r = 0;

	/* Clone the host's nodes before the new /dev covers them. */
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char host[32];
		nodes[i] = -1;
		if (join(host, sizeof(host), "/dev", dev_nodes[i]) == 0)
			nodes[i] = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	}

	c->devfd = new_fs("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (c->devfd < 0 || attach(c->devfd, AT_FDCWD, "/dev") < 0)
		r = failed(c, MOUNTS_DEV, -1, -1);

	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		if (nodes[i] < 0)
			continue; /* the host lacks it */
		if (r == 0) {
			fd = openat(c->devfd, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
				    0666);
			if (fd < 0 ||
			    set_attr(nodes[i], "", AT_EMPTY_PATH, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
				     MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY) < 0 ||
			    attach(nodes[i], c->devfd, dev_nodes[i]) < 0)
				r = failed(c, MOUNTS_DEV, (int)i, -1);
			safe_close(fd);
		}
		close(nodes[i]);
	}
	if (r < 0)
		return r;

	if (mkdirat(c->devfd, "pts", 0755) < 0 || mkdirat(c->devfd, "shm", 01777) < 0)
		return failed(c, MOUNTS_DEV, -1, -1);
	fd = new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (fd < 0 || attach(fd, c->devfd, "pts") < 0)
		return failed(c, MOUNTS_DEV, -1, -1);
	close(fd);
	fd = new_fs("tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (fd < 0 || attach(fd, c->devfd, "shm") < 0)
		return failed(c, MOUNTS_DEV, -1, -1);
	close(fd);

	if (symlinkat("pts/ptmx", c->devfd, "ptmx") < 0 ||
	    symlinkat("/proc/self/fd", c->devfd, "fd") < 0 ||
	    symlinkat("/proc/self/fd/0", c->devfd, "stdin") < 0 ||
	    symlinkat("/proc/self/fd/1", c->devfd, "stdout") < 0 ||
	    symlinkat("/proc/self/fd/2", c->devfd, "stderr") < 0)
		return failed(c, MOUNTS_DEV, -1, -1);

	/* The source of every mask: an empty file nobody but root may open. */
	fd = openat(c->devfd, MASK_FILE, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return failed(c, MOUNTS_DEV, -1, -1);
	close(fd);

	if (set_attr(c->devfd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0)
		return failed(c, MOUNTS_DEV, -1, -1);
	return 0;
}

/* Put a clone of /dev/.cx-mask over target_fd (a non-directory). */
static int mask_file(struct mounts_ctx *c, int target_fd)
{
	int tree = open_tree(c->devfd, MASK_FILE, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r;

	if (tree < 0)
		return -1;
	r = set_attr(tree, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0);
	if (r == 0)
		r = attach(tree, target_fd, NULL);
	close(tree);
	return r;
}

static int setup_proc(struct mounts_ctx *c)
{
	int procfd = new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);

	if (procfd < 0 || attach(procfd, AT_FDCWD, "/proc") < 0)
		return failed(c, MOUNTS_PROC, -1, -1);
	for (size_t i = 0; i < ARRAY_SIZE(proc_readonly); i++) {
		int t = open_tree(procfd, proc_readonly[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (t < 0)
			continue;
		if (set_attr(t, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0 ||
		    attach(t, procfd, proc_readonly[i]) < 0) {
			close(t);
			return failed(c, MOUNTS_PROC, (int)i, -1);
		}
		close(t);
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked); i++) {
		int t = openat(procfd, proc_masked[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0)
			continue;
		if (mask_file(c, t) < 0) {
			close(t);
			return failed(c, MOUNTS_PROC, (int)i, -1);
		}
		close(t);
	}
	close(procfd);
	return 0;
}


/*
 * An empty /run hides every socket below it (D-Bus, docker.sock, the
 * user's runtime directory with its session bus and agents, codexd's own
 * socket); a few non-socket entries are kept visible.
 */
static int setup_run(struct mounts_ctx *c)
{
	static const char *const run_opts[] = { "mode", "0755", "size", "1m", "nr_inodes", "256",
						"uid", "0", "gid", "0", NULL };
	int keep[8], runfd, r = 0;

	for (size_t i = 0; i < c->p->n_run_keep && i < ARRAY_SIZE(keep); i++)
		keep[i] = open_tree(AT_FDCWD, c->p->run_keep[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
									 AT_RECURSIVE);
	runfd = new_fs("tmpfs", run_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (runfd < 0 || attach(runfd, AT_FDCWD, "/run") < 0)
		return failed(c, MOUNTS_RUN, -1, -1);
	for (size_t i = 0; i < c->p->n_run_keep && i < ARRAY_SIZE(keep); i++) {
		const char *rel = c->p->run_keep[i] + strlen("/run/");
		if (keep[i] < 0)
			continue;
		if (mkdirs_at(runfd, rel, 0755) < 0 ||
		    set_attr(keep[i], "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) < 0 ||
		    attach(keep[i], runfd, rel) < 0)
			r = failed(c, MOUNTS_RUN, (int)i, -1);
		close(keep[i]);
		if (r < 0)
			return r;
	}
	if (c->p->proxy_dns) {
		/* The resolv.conf of a proxied sandbox, bound over /etc/resolv.conf at the end. */
		static const char text[] = RESOLV_STUB_TEXT;
		int f = openat(runfd, RESOLV_CONF_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
								O_NOFOLLOW, 0644);
		if (f < 0 || write(f, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1) ||
		    fchmod(f, 0644) < 0) {
			safe_close(f);
			return failed(c, MOUNTS_RESOLV, -1, -1);
		}
		close(f);
	}
	if (set_attr(runfd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0)
		return failed(c, MOUNTS_RUN, -1, -1);
	close(runfd);
	return 0;
}

/*
 * Proxied network: /etc/resolv.conf (or the file its symlink names) shows
 * the stub's address.  A bind mount of the file setup_run() wrote, read-only.
 */
static int setup_resolv(struct mounts_ctx *c)
{
	int tree = open_tree(AT_FDCWD, "/run/" RESOLV_CONF_NAME,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);

	if (tree < 0 ||
	    set_attr(tree, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0) < 0 ||
	    move_mount(tree, "", AT_FDCWD, "/etc/resolv.conf",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0) {
		int r = failed(c, MOUNTS_RESOLV, -1, -1);
		safe_close(tree);
		return r;
	}
	close(tree);
	return 0;
}

/* A fresh tmpfs on /tmp; $TMPDIR below it is recreated (as the caller). */
static int setup_private_tmp(struct mounts_ctx *c)
{
	char size[24];
	const char *opts[] = { "mode", "1777", "size", utoa(size, sizeof(size), c->p->tmp_bytes),
			       "uid", "0", "gid", "0", NULL };
	/* Made read-only (read-only mode) only once directories below are in place. */
	int fd = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

	if (fd < 0 || attach(fd, AT_FDCWD, "/tmp") < 0)
		return failed(c, MOUNTS_TMP, -1, -1);
	c->tmpfd = fd;
	return 0;
}

/* Mask one client-named path if it is a socket (resolved as the caller). */
static int mask_path(struct mounts_ctx *c, size_t i)
{
	struct stat st;
	int fd, r = 0;

	as_user(c->p);
	fd = sys_openat2(AT_FDCWD, c->p->masks[i], O_PATH | O_NOFOLLOW | O_CLOEXEC,
			 RESOLVE_NO_MAGICLINKS);
	as_root();
	if (fd < 0)
		return 0; /* gone, or not reachable by the caller anyway */
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && mask_file(c, fd) < 0)
		r = failed(c, MOUNTS_MASK, (int)i, -1);
	close(fd);
	return r;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Every socket below dirfd, depth-limited: /tmp holds the X server's,
 * ssh-agent's, tmux's and editors' sockets, which a read-only or even
 * writable /tmp would still let the command connect to.
 */
static int scan_sockets(struct mounts_ctx *c, int dirfd, int depth)
{
	char buf[4096];

	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));
		if (n <= 0)
			return 0;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			unsigned char type = d->d_type;

			off += d->d_reclen;
			if (++c->scanned > MOUNTS_MAX_SOCKET_SCAN)
				return 0; /* setup_masks() refuses the exec */
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				type = S_ISSOCK(st.st_mode) ? DT_SOCK : S_ISDIR(st.st_mode) ? DT_DIR : 0;
			}
			if (type == DT_SOCK) {
				int fd = openat(dirfd, d->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
				int r;
				if (fd < 0)
					continue;
				as_root();
				r = mask_file(c, fd);
				as_user(c->p);
				close(fd);
				if (r < 0)
					return failed(c, MOUNTS_MASK, -1, -1);
			} else if (type == DT_DIR && depth > 1) {
				int sub = openat(dirfd, d->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				int r;
				if (sub < 0)
					continue;
				r = scan_sockets(c, sub, depth - 1);
				close(sub);
				if (r < 0)
					return r;
			}
		}
	}
}

static int setup_masks(struct mounts_ctx *c)
{
	int r;

	for (size_t i = 0; i < c->p->n_masks; i++) {
		r = mask_path(c, i);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->p->n_scan; i++) {
		int dir;

		as_user(c->p);
		dir = sys_openat2(AT_FDCWD, c->p->scan[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				  RESOLVE_NO_MAGICLINKS);
		r = dir >= 0 ? scan_sockets(c, dir, MOUNTS_SCAN_DEPTH) : 0;
		safe_close(dir);
		as_root();
		if (r < 0)
			return r;
		/* An unfinished scan could leave a socket reachable: refuse instead. */
		if (c->scanned > MOUNTS_MAX_SOCKET_SCAN) {
			errno = E2BIG;
			return failed(c, MOUNTS_SCAN, (int)i, -1);
		}
	}
	return 0;
}

/*
 * Read-only paths: each is cloned (with everything mounted below it) and
 * attached over itself read-only, so a writable root around or inside it
 * cannot write there.  Resolved as the caller; a missing path is skipped.
 */
static int setup_readonly(struct mounts_ctx *c)
{
	for (size_t i = 0; i < c->p->n_readonly; i++) {
		int fd, t, r = 0;

		as_user(c->p);
		fd = sys_openat2(AT_FDCWD, c->p->readonly[i], O_PATH | O_CLOEXEC,
				 RESOLVE_NO_MAGICLINKS);
		as_root();
		if (fd < 0) {
			if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
				continue;
			return failed(c, MOUNTS_READONLY_PATH, (int)i, -1);
		}
		t = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					      AT_RECURSIVE);
		if (t < 0 ||
		    set_attr(t, "", AT_EMPTY_PATH | AT_RECURSIVE,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) < 0 ||
		    attach(t, fd, NULL) < 0)
			r = failed(c, MOUNTS_READONLY_PATH, (int)i, -1);
		if (t >= 0)
			close(t);
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Deny-read: an empty, mode-0 tmpfs over directories, the mask file over files. */
static int setup_deny(struct mounts_ctx *c)
{
	static const char *const deny_opts[] = { "mode", "0000", "size", "4k", "nr_inodes", "1",
						 "uid", "0", "gid", "0", NULL };

	for (size_t i = 0; i < c->p->n_deny; i++) {
		struct stat st;
		int fd, r = 0;

		as_user(c->p);
		fd = sys_openat2(AT_FDCWD, c->p->deny[i], O_PATH | O_NOFOLLOW | O_CLOEXEC,
				 RESOLVE_NO_MAGICLINKS);
		as_root();
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0) {
			close(fd);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int t;
			if (c->deny_tmpfs < 0) {
				c->deny_tmpfs = new_fs("tmpfs", deny_opts,
						       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
							       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
				if (c->deny_tmpfs < 0) {
					close(fd);
					return failed(c, MOUNTS_DENY, (int)i, -1);
				}
			}
			t = open_tree(c->deny_tmpfs, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
								 AT_EMPTY_PATH);
			if (t < 0 || attach(t, fd, NULL) < 0)
				r = failed(c, MOUNTS_DENY, (int)i, -1);
			if (t >= 0)
				close(t);
		} else if (mask_file(c, fd) < 0)
			r = failed(c, MOUNTS_DENY, (int)i, -1);
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Mask what fd is, as setup_deny() does (as root). */
static int deny_mask(struct mounts_ctx *c, int fd, bool dir)
{
	static const char *const deny_opts[] = { "mode", "0000", "size", "4k", "nr_inodes", "1",
						 "uid", "0", "gid", "0", NULL };
	int t, r;

	if (!dir)
		return mask_file(c, fd);
	if (c->deny_tmpfs < 0) {
		c->deny_tmpfs = new_fs("tmpfs", deny_opts,
				       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					       MOUNT_ATTR_NOEXEC);
		if (c->deny_tmpfs < 0)
			return -1;
	}
	t = open_tree(c->deny_tmpfs, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (t < 0)
		return -1;
	r = attach(t, fd, NULL);
	close(t);
	return r;
}

/* One level of the walk of setup_deny_globs(): rel (of length rl) is dirfd's path in the root. */
static void glob_walk(struct mounts_ctx *c, int dirfd, char *rel, size_t rl, int depth,
		      size_t *seen, size_t *masked)
{
	char buf[4096];

	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));

		if (n <= 0)
			return;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			size_t nl = strlen(d->d_name);
			unsigned char type = d->d_type;
			bool match = false;
			int fd;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
			    strcmp(d->d_name, ".git") == 0)
				continue;
			if (++*seen > MOUNTS_GLOB_SCAN || *masked >= MOUNTS_GLOB_MASKS)
				return;
			if (rl + 1 + nl + 1 > CX_MAX_PATH + 1)
				continue;
			if (rl)
				rel[rl] = '/';
			memcpy(rel + rl + (rl ? 1 : 0), d->d_name, nl + 1);
			if (type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
			}
			if (type == DT_LNK)
				continue; /* judged by its target when opened */
			for (size_t i = 0; i < c->p->n_deny_globs && !match; i++)
				match = c->p->deny_globs[i][0] != '/' &&
					pathglob_match(c->p->deny_globs[i], rel);
			if (match) {
				fd = openat(dirfd, d->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0) {
					as_root();
					if (deny_mask(c, fd, type == DT_DIR) == 0)
						(*masked)++;
					as_user(c->p);
					close(fd);
				}
			} else if (type == DT_DIR && depth > 1) {
				fd = openat(dirfd, d->d_name,
					    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0) {
					glob_walk(c, fd, rel, rl + (rl ? 1 : 0) + nl, depth - 1, seen,
						  masked);
					close(fd);
				}
			}
			rel[rl] = '\0';
		}
	}
}

/*
 * Relative deny_read patterns apply below every writable root and the
 * working directory.  Their existing matches there are masked now, as
 * deny paths are, by a cheap bounded walk (MOUNTS_GLOB_DEPTH levels,
 * MOUNTS_GLOB_SCAN entries, MOUNTS_GLOB_MASKS masks; .git skipped): a
 * masked file cannot even be executed.  The guarantee does not rest on
 * it: the supervisor refuses every match when it is opened, what the walk
 * missed and what is created later included.  Resolved as the caller; a
 * mask that cannot be made is left to the supervisor.
 */
static void setup_deny_globs(struct mounts_ctx *c)
{
	static char rel[CX_MAX_PATH + 1];
	const struct mount_plan *p = c->p;
	size_t seen = 0, masked = 0, rel_globs = 0;

	for (size_t i = 0; i < p->n_deny_globs; i++)
		rel_globs += p->deny_globs[i][0] != '/';
	if (rel_globs == 0)
		return;
	for (size_t i = 0; i <= p->n_roots; i++) {
		const char *root = i < p->n_roots ? p->roots[i] : p->cwd;
		bool dup = false;
		int fd;

		for (size_t k = 0; i == p->n_roots && k < p->n_roots; k++)
			dup = dup || strcmp(p->roots[k], root) == 0;
		if (!root || dup)
			continue;
		as_user(p);
		fd = sys_openat2(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				 RESOLVE_NO_MAGICLINKS);
		if (fd >= 0) {
			rel[0] = '\0';
			glob_walk(c, fd, rel, 0, MOUNTS_GLOB_DEPTH, &seen, &masked);
			close(fd);
		}
		as_root();
	}
}

int mounts_apply(const struct mount_plan *p, struct mounts_failure *ret_fail)
{
	struct mounts_ctx c = { .p = p, .fail = ret_fail, .devfd = -1, .tmpfd = -1,
				.cwd_tree = -1, .deny_tmpfs = -1 };
	int r;

	*ret_fail = (struct mounts_failure){ .what = MOUNTS_OK, .index = -1, .name = -1 };
	for (size_t i = 0; i < MOUNTS_MAX_ROOTS; i++)
		c.roots[i] = (struct root_state){ .dirfd = -1, .tree = -1 };

	/* Nothing done here may reach the host's mount namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return failed(&c, MOUNTS_PROPAGATION, -1, -1);

	/* The caller's groups decide what its paths resolve to (DAC). */
	if (syscall(SYS_setgroups, p->n_groups, p->groups) < 0)
		return failed(&c, MOUNTS_CREDS, -1, -1);

	as_user(p);
	r = prepare_roots(&c);
	if (r == 0)
		r = prepare_tmp_cwd(&c);
	as_root();
	if (r < 0)
		return r;

	/* One call: every mount of the copied tree read-only, nosuid, nodev. */
	if (set_attr(AT_FDCWD, "/", AT_RECURSIVE,
		     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) < 0)
		return failed(&c, MOUNTS_READONLY, -1, -1);

	r = setup_dev(&c);
	if (r < 0)
		return r;
	r = setup_run(&c);
	if (r < 0)
		return r;
	if (p->private_tmp) {
		r = setup_private_tmp(&c);
		if (r < 0)
			return r;
	}
	r = attach_roots(&c);
	if (r < 0)
		return r;
	r = attach_tmp_cwd(&c);
	if (r < 0)
		return r;
	if (c.tmpfd >= 0 && p->private_tmp_readonly &&
	    set_attr(c.tmpfd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0)
		return failed(&c, MOUNTS_TMP, -1, -1);
	r = attach_protected(&c);
	if (r < 0)
		return r;
	r = setup_readonly(&c);
	if (r < 0)
		return r;
	r = setup_proc(&c);
	if (r < 0)
		return r;
	r = setup_masks(&c);
	if (r < 0)
		return r;
	r = setup_deny(&c);
	if (r < 0)
		return r;
	setup_deny_globs(&c);
	if (p->proxy_dns) {
		r = setup_resolv(&c);
		if (r < 0)
			return r;
	}

	/* Descriptors of the old tree must not leak into the command. */
	for (size_t i = 0; i < p->n_roots; i++) {
		safe_close(c.roots[i].dirfd);
		safe_close(c.roots[i].tree);
	}
	for (size_t i = 0; i < c.n_prot; i++)
		safe_close(c.prot[i].tree);
	safe_close(c.devfd);
	safe_close(c.tmpfd);
	safe_close(c.cwd_tree);
	safe_close(c.deny_tmpfs);
	return 0;
}
