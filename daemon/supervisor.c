/* SPDX-License-Identifier: MIT */
/*
 * PID 1's seccomp supervisor (see supervisor.h for what it promises).
 *
 * Runs as the command's user, in the command's mount namespace and
 * Landlock domain, with no capabilities, on behalf of nobody but that same
 * user: it trusts nothing it reads from the command's memory.
 *
 * Write-intent calls (log_denials) are only looked up read-only (O_PATH,
 * faccessat, fstatat) and never performed here.  Security invariant: every
 * refusal of the filter is answered -EPERM (never CONTINUE), and a file
 * call is answered either with CONTINUE, after which the kernel makes all
 * of its own checks, or with an error; so a wrong prediction, a race with
 * the command or a hostile path can at worst refuse a call that would
 * have worked, or miss a refusal in the log, but never grant anything.
 *
 * The predictions follow the kernel's order of checks for each call
 * (fs/namei.c, fs/open.c, fs/attr.c, fs/utimes.c as of 6.x) so that the
 * errno answered is the one the kernel would have given: a new name on a
 * read-only mount is EROFS before any permission check; opening an
 * existing file checks permissions (EACCES) before the mount (EROFS), as
 * faccessat(2) does.
 *
 * ------------------------------------------------------------------------
 * deny_read and a host /tmp: the broker (supervisor_broker.c)
 *
 * SECURITY.md wants deny-read paths and patterns refused when a file is
 * opened, so that files created after the start are covered too; mounts at
 * the start (mounts.c) only hide what exists then, and follow the dentry,
 * not the name (an editor's write-and-rename or a delete-and-recreate puts
 * a readable file back at the name).  And with [sandbox] tmp = "host", a
 * Unix socket created in the host's /tmp after the start-up scan (a new
 * ssh-agent) would be connectable.  Only when the plan needs it, the
 * command's filter therefore also notifies:
 *  - OPEN (deny entries exist): open, openat, openat2, creat, whatever
 *    their flags; execve, execveat; rename, renameat, renameat2, link,
 *    linkat;
 *  - UNIX (tmp = "host"): connect and bind, whatever the family (the
 *    filter cannot read it; the supervisor asks the socket).
 * The program variants come from the one table of seccomp.c.
 *
 * Never CONTINUE an open.  The command can change the path between our
 * reading of it and the kernel's (a second thread rewriting the buffer,
 * tests/helpers/cxrace.c does exactly that), so a checked-then-CONTINUEd
 * open is a check of nothing.  The supervisor opens the file itself and
 * hands the descriptor over with SECCOMP_IOCTL_NOTIF_ADDFD and
 * SECCOMP_ADDFD_FLAG_SEND (installed and answered in one step; O_CLOEXEC
 * as the caller asked):
 *  1. The path is read once from the caller's memory (bounded, PATH_MAX);
 *     only our copy is used.  The base of a relative one is the caller's
 *     cwd or dirfd, opened O_PATH through /proc/PID/{cwd,fd/N}.
 *  2. The caller's names for itself are written out with its pid:
 *     /proc/self/, /proc/thread-self/, /dev/fd/, /dev/std{in,out,err}
 *     (ours would name PID 1).  Magic links are followed in exactly one
 *     controlled step, the command's /proc/PID/{fd/N,cwd,root,exe} (any
 *     process of the sandbox but PID 1); every other resolution uses
 *     RESOLVE_NO_MAGICLINKS, so no path reaches PID 1's descriptors.
 *  3. The target is opened O_PATH with the caller's O_NOFOLLOW,
 *     O_DIRECTORY and (openat2) RESOLVE_* flags.  Its canonical name
 *     (readlink of /proc/self/fd/N: every symlink and ".." resolved, the
 *     mounts of our namespace, which is the command's) is checked against
 *     the deny set (policy/denyset.h: a path denies itself and what is
 *     below; a pattern what it matches and what is below; relative
 *     patterns below every writable root and the working directory; each
 *     entry also as its literal prefix resolves, for a symlinked /home).
 *     Denied: EACCES, recorded as a "file" denial with reason deny_read
 *     (operation open, exec, rename or link).
 *  4. Allowed: the very inode judged is opened again through
 *     /proc/self/fd/N with the caller's flags, less O_CREAT, O_EXCL and
 *     O_NOFOLLOW, plus O_NOCTTY (PID 1 is a session leader without a
 *     terminal and must never acquire one), and handed over.  Same
 *     credentials, same mount namespace, same Landlock domain: the
 *     supervisor can open nothing the command could not.
 *  5. O_CREAT of a name that does not exist: the parent is resolved, the
 *     name it would get (parent's canonical name + "/" + last component)
 *     is checked, then the file is created here with the caller's flags,
 *     mode and umask (read from /proc/PID/status), O_NOFOLLOW; a dangling
 *     symlink is followed by hand as the kernel would (with
 *     fs.protected_symlinks).  What was opened is checked again.
 *     O_TMPFILE is judged by its directory.
 *  6. A procfs target (fstatfs PROC_SUPER_MAGIC) other than through a
 *     controlled magic link is opened again by the same path and must be
 *     the same inode.  PID 1's own /proc/1 entries are refused except the
 *     world-readable ones (stat, status, cmdline ...) read-only: PID 1
 *     could open its mem, environ or fds as itself, the command cannot
 *     (PID 1 is not dumpable) and must not through us.
 *  7. /dev/tty names the caller's controlling terminal, which PID 1 has
 *     not: the pty its /proc/PID/stat names is opened instead.
 *  8. A FIFO opened without O_NONBLOCK would block until the other end
 *     comes: a writer with a reader present opens at once (tried
 *     O_NONBLOCK, the flag cleared after); otherwise a child of PID 1
 *     ("helper": a fork, not dumpable, dies with PID 1; at most
 *     SUPERVISOR_MAX_HELPERS, EAGAIN beyond) makes the blocking open and
 *     answers the notification itself.  For pipes and FIFOs our copy is
 *     closed before the caller resumes (install, close, then answer), so
 *     it never counts as a reader or writer.
 *
 * An exec cannot be performed for the command: its path is checked (as
 * above, O_PATH, canonical name) and the call CONTINUEd, or refused
 * EACCES.  Residual race: a command swapping the string between the check
 * and the kernel's reading can exec a denied file.  A script is still
 * safe (its interpreter opens it, and that open is checked); an ELF binary
 * runs (and can read its own mapped image), and the first line of a
 * script ("#!...") is seen in the interpreter's arguments.  The command's
 * own first exec comes from PID 1's code, before it is dumpable: PID 1
 * finds the program as execvpe() would and the supervisor judges that name
 * (supervisor_trust_exec()).
 *
 * Renames and links are performed here too, from our parent descriptors
 * and copies of the names (renameat2, linkat; a followed link through the
 * O_PATH of the inode judged), refused when the source is denied or
 * would carry a denied path out of a rule's reach: a directory holding a
 * denied path, or one whose name a pattern depends on
 * (denyset_blocks_move()).  Otherwise "mv secret x; cat x" would read a
 * file the host created after the start.  RENAME_EXCHANGE checks both.
 *
 * connect and bind (UNIX) are performed on a duplicate of the caller's
 * socket (pidfd_getfd(): PID 1 may, over its dumpable same-uid
 * descendants; the socket's flags are shared and left alone) with our copy
 * of the address.  For a pathname AF_UNIX connect the path is resolved
 * here (relative ones from the caller's cwd), the socket file opened
 * O_PATH and connected to through /proc/self/fd/N, so exactly that inode
 * is reached; below the host /tmp (and the other scanned directories) it
 * must have been bound in this sandbox, else ECONNREFUSED (what a mask
 * gives) and a "network" denial.  A bind is made with the caller's own
 * address (getsockname() answers what it asked for; a relative one from
 * its cwd, by fchdir(): PID 1 is single-threaded), and the socket file
 * it created is learnt from the kernel (sock_diag, UDIAG_SHOW_VFS), not
 * from the path; at connect time the binding socket must still exist.  A
 * blocking stream connect is made by a helper.  Non-blocking connects
 * return what connect(2) returns (EAGAIN for a full backlog: Unix sockets
 * never give EINPROGRESS).  Abstract and unnamed sockets, other families:
 * performed as asked.
 *
 * Edge cases and differences from an unsupervised open:
 *  - a process that is not dumpable (an execute-only binary, prctl) keeps
 *    its memory and /proc entries from us: its opens, execs, renames,
 *    links, connects and binds are refused (EACCES) and the list says
 *    "unchecked"; a CONTINUE would be a way around deny_read;
 *  - O_PATH opens are checked and CONTINUEd: the kernel hands no O_PATH
 *    descriptor over.  A swapped path yields an O_PATH of a denied file,
 *    which reads nothing (metadata, which stat(2) shows anyway; an exec,
 *    the race above);
 *  - a blocking FIFO open or connect waits in a helper; the caller's wait
 *    is then killable but not interruptible (a handled signal runs after
 *    it, not with EINTR);
 *  - opening a tty does not make it the controlling terminal (O_NOCTTY);
 *    TIOCSCTTY does, as login_tty() uses;
 *  - /proc/PID/task/TID/fd/N and other magic links not listed in 2.
 *    answer ELOOP; a relative path from a cwd in /proc that goes through
 *    "self" names PID 1 and is refused beyond its public entries;
 *  - a connection made here carries PID 1's pid in SO_PEERCRED and
 *    SCM_CREDENTIALS (uid and gids are the command's: the same);
 *  - a command that restricts itself further (its own Landlock domain) is
 *    not held to those extra restrictions by the opens made here (ours
 *    are the sandbox's); codexd's own walls are unchanged;
 *  - every open, exec, rename and link costs a round trip to PID 1 and a
 *    few system calls there (tens of microseconds); the filter asks only
 *    when deny entries exist.
 * Residual risks: the exec race above; metadata (stat, xattrs, readlink)
 * of denied files created later; datagrams sent with sendto()/sendmsg() to a host
 * socket created later (only connect is supervised); directory renames
 * that defeat a pattern in ways pathglob_name_dependent() does not model.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/seccomp.h"
#include "daemon/supervisor.h"
#include "daemon/supervisor_int.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#define NATIVE_ARCH 0u /* unknown: file calls are not checked */
#endif

#define CLONE_NEW_MASK                                                                             \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

/* File systems whose permission checks are made elsewhere (server, daemon). */
#define FS_FUSE 0x65735546u
#define FS_NFS 0x6969u
#define FS_SMB2 0xfe534d42u
#define FS_CIFS 0xff534d42u
#define FS_V9FS 0x01021997u
#define FS_CEPH 0x00c36400u
#define FS_AFS 0x5346414fu
#define FS_KAFS 0x6b414653u

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* ------------------------------------------------------------ small helpers */

size_t sup_put_uint(char *buf, unsigned long long v)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	return i;
}

/* "<pid>/<what>[<n>]" into buf (64 bytes), for openat() under a procfs. */
void sup_proc_path(char *buf, long pid, const char *what, long n)
{
	size_t i, l = strlen(what);

	i = sup_put_uint(buf, (unsigned long long)pid);
	buf[i++] = '/';
	memcpy(buf + i, what, l);
	i += l;
	if (n >= 0)
		i += sup_put_uint(buf + i, (unsigned long long)n);
	buf[i] = '\0';
}

/* True when the mounted /proc numbers processes as our PID namespace does. */
static bool proc_shows_us(void)
{
	char link[32], want[24];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	size_t w = sup_put_uint(want, (unsigned long long)getpid());

	return n > 0 && (size_t)n == w && memcmp(link, want, w) == 0;
}

/*
 * Copy up to len bytes at addr in pid's memory.  Split at a 4 KiB boundary
 * so that an unmapped page after the string only shortens the result.
 * Refused (EPERM) when the target is not dumpable: a program made
 * non-dumpable (setuid-like, unreadable binary, prctl) keeps its memory
 * from a same-uid process without CAP_SYS_PTRACE; /proc/PID/mem is refused
 * the same way.
 */
ssize_t sup_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len}, remote[2];
	size_t first;
	int n = 1;
	ssize_t r;

	if (addr == 0 || len == 0)
		return -EFAULT;
	first = 4096 - (size_t)(addr & 4095);
	remote[0] = (struct iovec){.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	if (first < len) {
		remote[0].iov_len = first;
		remote[1] = (struct iovec){.iov_base = (void *)(uintptr_t)(addr + first),
					   .iov_len = len - first};
		n = 2;
	}
	r = process_vm_readv(pid, &local, 1, remote, (unsigned long)n, 0);
	return r < 0 ? -errno : r;
}

/* A NUL-terminated path at addr: its length, or -errno (-ENAMETOOLONG, -EFAULT ...). */
ssize_t sup_read_path(pid_t pid, uint64_t addr, char buf[SUP_PATH])
{
	ssize_t n = sup_mem_read(pid, addr, buf, SUP_PATH);
	const char *z;

	if (n < 0)
		return n;
	z = memchr(buf, '\0', (size_t)n);
	if (!z)
		return n == SUP_PATH ? -ENAMETOOLONG : -EFAULT;
	return z - buf;
}

static bool fs_remote(const struct statfs *fs)
{
	switch ((uint32_t)fs->f_type) {
	case FS_FUSE:
	case FS_NFS:
	case FS_SMB2:
	case FS_CIFS:
	case FS_V9FS:
	case FS_CEPH:
	case FS_AFS:
	case FS_KAFS:
		return true;
	default:
		return false;
	}
}

static bool has_cap(const struct supervisor *s, int cap)
{
	return (s->caps >> cap) & 1;
}

static bool in_groups(const struct supervisor *s, gid_t g, bool *unknown)
{
	if (g == s->egid)
		return true;
	if (s->n_groups < 0) {
		*unknown = true;
		return false;
	}
	for (int i = 0; i < s->n_groups; i++)
		if (s->groups[i] == g)
			return true;
	return false;
}

/*
 * faccessat2 with our effective ids.  > 0: the errno that refuses (EACCES,
 * EPERM for an immutable file, EROFS); 0: allowed; < 0: no opinion.
 */
static int access_err(int dirfd, const char *name, int mode, int atflags)
{
	if (syscall(SYS_faccessat2, dirfd, name, mode, AT_EACCESS | atflags) == 0)
		return 0;
	if (errno == EACCES || errno == EPERM || errno == EROFS)
		return errno;
	return -errno;
}

static int open_path(int dirfd, const char *path, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_PATH | O_CLOEXEC,
		.resolve =
			RESOLVE_NO_MAGICLINKS, /* /proc/self/... would be ours, not the caller's */
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* ------------------------------------------------------------ resolution */

/* A path split into its parent directory (opened) and last component. */
struct where {
	int dir; /* O_PATH of the parent, or -1 */
	const char *name; /* points into the path buffer */
	bool slash; /* the path ended in '/' */
	bool ro; /* the parent's mount (or super block) is read-only */
	bool remote; /* permissions are decided by a server or daemon */
	bool borrowed; /* dir is the caller's base descriptor: not ours to close */
};

static void where_close(struct where *w)
{
	if (!w->borrowed)
		safe_close(w->dir);
	w->dir = -1;
}

/*
 * Split path (modified in place) and open its parent relative to base
 * (ignored for an absolute path).  -ECANCELED: not a case to judge ("/",
 * "." or ".." last, /proc).  Other -errno: the lookup fails, and the
 * kernel will fail the call the same way.
 */
static int where_open(int base, char *path, size_t len, struct where *w)
{
	struct statfs fs;
	const char *dir;
	char *slash;
	int fd;

	*w = (struct where){.dir = -1};
	if (len == 0)
		return -ENOENT;
	while (len > 1 && path[len - 1] == '/') {
		path[--len] = '\0';
		w->slash = true;
	}
	slash = memrchr(path, '/', len);
	if (!slash) {
		dir = ".";
		w->name = path;
	} else if (slash == path) {
		dir = "/";
		w->name = path + 1;
	} else {
		*slash = '\0';
		dir = path;
		w->name = slash + 1;
	}
	if (w->name[0] == '\0' || strcmp(w->name, ".") == 0 || strcmp(w->name, "..") == 0)
		return -ECANCELED;
	/* A bare name: its parent is the caller's directory itself, already open. */
	w->borrowed = !slash && base >= 0;
	fd = w->borrowed ? base : open_path(base, dir, O_DIRECTORY);
	if (fd < 0)
		return fd;
	w->dir = fd;
	if (fstatfs(fd, &fs) < 0 || fs.f_type == PROC_SUPER_MAGIC) {
		where_close(w);
		return -ECANCELED;
	}
	w->ro = (fs.f_flags & ST_RDONLY) != 0;
	w->remote = fs_remote(&fs);
	return 0;
}

/* lstat of the last component: 0, or -errno (-ENOENT: it does not exist). */
static int where_lstat(const struct where *w, struct stat *st)
{
	return fstatat(w->dir, w->name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* An existing target, opened O_PATH. */
struct target {
	int fd;
	struct stat st;
	bool ro; /* its own mount is read-only (it may be elsewhere than its parent) */
	bool remote;
};

/*
 * Open the last component of w, following a final symlink when follow.
 * Returns the descriptor (also in t->fd), or -errno; -ECANCELED for a
 * target in /proc.
 */
static int where_target(const struct where *w, bool follow, struct target *t)
{
	struct statfs fs;
	int fd = open_path(w->dir, w->name, follow ? 0 : O_NOFOLLOW);

	t->fd = -1;
	if (fd < 0)
		return fd;
	if (fstat(fd, &t->st) < 0 || fstatfs(fd, &fs) < 0 || fs.f_type == PROC_SUPER_MAGIC) {
		close(fd);
		return -ECANCELED;
	}
	t->fd = fd;
	t->ro = (fs.f_flags & ST_RDONLY) != 0;
	t->remote = fs_remote(&fs);
	return fd;
}

static void target_close(struct target *t)
{
	t->fd = safe_close(t->fd);
}

static bool sticky_refuses(const struct supervisor *s, const struct where *w,
			   const struct stat *victim)
{
	struct stat d;

	if (fstat(w->dir, &d) < 0 || !(d.st_mode & S_ISVTX))
		return false;
	if (victim->st_uid == s->euid || d.st_uid == s->euid)
		return false;
	return !has_cap(s, CAP_FOWNER);
}

static bool same_mount(int a, int b)
{
	struct statx x, y;

	if (statx(a, "", AT_EMPTY_PATH, STATX_MNT_ID, &x) < 0 ||
	    statx(b, "", AT_EMPTY_PATH, STATX_MNT_ID, &y) < 0 || !(x.stx_mask & STATX_MNT_ID) ||
	    !(y.stx_mask & STATX_MNT_ID))
		return false;
	return x.stx_mnt_id == y.stx_mnt_id;
}

/* ------------------------------------------------------------ predictions */

/* What a file call was read as, before any judgement. */
struct fs_args {
	const struct seccomp_fs_call *fc;
	const __u64 *a; /* the call's six arguments */
	uint64_t flags; /* open flags (openat2's from memory) or AT_* flags */
	bool have_times; /* utimensat: times read from memory */
	struct timespec times[2];
};

/* The verdict: errno > 0 to answer, and which name to record. */
struct verdict {
	int err;
	int op;
	const struct where *w;
};

static int refuse(struct verdict *v, int err, int op, const struct where *w)
{
	v->err = err;
	v->op = op;
	v->w = w;
	return err;
}

/* A name known not to exist: EROFS, then write and search permission on the parent. */
static int judge_free_name(const struct where *w, struct verdict *v, int op)
{
	int r;

	if (w->ro)
		return refuse(v, EROFS, op, w);
	if (w->remote)
		return 0;
	r = access_err(w->dir, "", W_OK | X_OK, AT_EMPTY_PATH);
	return r > 0 ? refuse(v, r, op, w) : 0;
}

/*
 * A new name in w (filename_create(), lookup_open()): EEXIST if it exists,
 * then EROFS, then write and search permission on the parent.  Returns
 * the errno refused with (> 0), or 0; *is_new tells whether the name was
 * free.
 */
static int judge_new_name(const struct where *w, struct verdict *v, int op, bool *is_new)
{
	struct stat st;
	int r;

	*is_new = false;
	r = where_lstat(w, &st);
	if (r != -ENOENT)
		return 0; /* exists (EEXIST), or a lookup error the kernel reports too */
	*is_new = true;
	return judge_free_name(w, v, op);
}

static int judge_open(const struct fs_args *fa, struct where *w, struct verdict *v)
{
	uint64_t f = fa->flags;
	int acc = (int)(f & O_ACCMODE), mode, r;
	bool creating = f & O_CREAT, writing;
	struct target t = {.fd = -1};
	struct stat st;

	/* Left to the kernel: invalid combinations (EINVAL), O_PATH, O_TMPFILE. */
	if (f >> 32 || (f & O_PATH) || (f & __O_TMPFILE) == __O_TMPFILE || acc == O_ACCMODE ||
	    (f & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return 0;
	writing = acc != O_RDONLY || (f & O_TRUNC);
	if (!writing && !creating)
		return 0;

	r = where_lstat(w, &st);
	if (r == -ENOENT) {
		if (!creating || w->slash)
			return 0;
		return judge_free_name(w, v, SANDBOX_FILE_OPEN);
	}
	if (r < 0 || (creating && (f & O_EXCL)) || !writing)
		return 0;
	/* A dangling symlink (O_CREAT creates its target), a loop, /proc: not judged. */
	if (where_target(w, !(f & O_NOFOLLOW), &t) < 0)
		return 0;
	r = 0;
	if (S_ISLNK(t.st.st_mode) || S_ISDIR(t.st.st_mode) || t.remote)
		goto out; /* ELOOP (O_NOFOLLOW), EISDIR; remote: the server decides */
	/* do_open(): O_TRUNC of a regular file wants the mount writable before may_open(). */
	if ((f & O_TRUNC) && S_ISREG(t.st.st_mode) && t.ro) {
		r = refuse(v, EROFS, SANDBOX_FILE_OPEN, w);
		goto out;
	}
	mode = acc == O_WRONLY ? W_OK : acc == O_RDWR ? R_OK | W_OK : R_OK;
	if ((f & O_TRUNC) && S_ISREG(t.st.st_mode))
		mode |= W_OK;
	if (!(mode & W_OK))
		goto out;
	/* may_open(): permission, then (on open) the read-only mount; faccessat's order. */
	r = access_err(t.fd, "", mode, AT_EMPTY_PATH);
	r = r > 0 ? refuse(v, r, SANDBOX_FILE_OPEN, w) : 0;
out:
	target_close(&t);
	return r;
}

static int judge_create(const struct supervisor *s, const struct fs_args *fa, struct where *w,
			struct verdict *v)
{
	const struct seccomp_fs_call *fc = fa->fc;
	bool is_new;
	int r;

	if (w->slash && fc->op != SANDBOX_FILE_MKDIR)
		return 0;
	if (fc->op == SANDBOX_FILE_MKNOD) {
		mode_t m = (mode_t)fa->a[fc->extra] & S_IFMT;

		/* may_mknod(): S_IFDIR is EPERM and unknown types EINVAL before anything. */
		if (m != 0 && m != S_IFREG && m != S_IFCHR && m != S_IFBLK && m != S_IFIFO &&
		    m != S_IFSOCK)
			return 0;
		r = judge_new_name(w, v, fc->op, &is_new);
		if (r != 0 || !is_new || w->remote)
			return r;
		/* vfs_mknod(): devices need CAP_MKNOD (a 0/0 character device is a whiteout). */
		if ((m == S_IFCHR || m == S_IFBLK) &&
		    !(m == S_IFCHR && fa->a[fc->extra + 1] == 0) && !has_cap(s, CAP_MKNOD))
			return refuse(v, EPERM, fc->op, w);
		return 0;
	}
	return judge_new_name(w, v, fc->op, &is_new);
}

static int judge_remove(const struct supervisor *s, const struct fs_args *fa, struct where *w,
			struct verdict *v)
{
	int op = fa->fc->op;
	struct stat st;
	int r;

	if (fa->fc->rmdir && (fa->flags & AT_REMOVEDIR))
		op = SANDBOX_FILE_RMDIR;
	if (w->slash && op != SANDBOX_FILE_RMDIR)
		return 0;
	/* do_unlinkat()/do_rmdir(): the mount is checked before the name is looked up. */
	if (w->ro)
		return refuse(v, EROFS, op, w);
	if (where_lstat(w, &st) < 0 || w->remote)
		return 0;
	r = access_err(w->dir, "", W_OK | X_OK, AT_EMPTY_PATH);
	if (r > 0)
		return refuse(v, r, op, w);
	if (sticky_refuses(s, w, &st))
		return refuse(v, EPERM, op, w);
	return 0;
}

static int judge_rename(const struct supervisor *s, const struct fs_args *fa, struct where *w1,
			struct where *w2, struct verdict *v)
{
	const int op = SANDBOX_FILE_RENAME;
	uint64_t f = fa->fc->flags >= 0 ? fa->flags : 0;
	struct stat old, nst, d1, d2;
	bool new_exists;
	int r;

	if (f & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE) ||
	    (f & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return 0;
	/* do_renameat2(): EXDEV, then the mount, then the lookups, then may_delete/create. */
	if (!same_mount(w1->dir, w2->dir))
		return 0;
	if (w1->ro)
		return refuse(v, EROFS, op, w1);
	if (where_lstat(w1, &old) < 0)
		return 0;
	if ((w1->slash || w2->slash) && !S_ISDIR(old.st_mode))
		return 0;
	r = where_lstat(w2, &nst);
	if (r < 0 && r != -ENOENT)
		return 0;
	new_exists = r == 0;
	if ((f & RENAME_NOREPLACE) && new_exists)
		return 0;
	if ((f & RENAME_EXCHANGE) && !new_exists)
		return 0;
	if (w1->remote)
		return 0;
	r = access_err(w1->dir, "", W_OK | X_OK, AT_EMPTY_PATH);
	if (r > 0)
		return refuse(v, r, op, w1);
	if (sticky_refuses(s, w1, &old))
		return refuse(v, EPERM, op, w1);
	r = access_err(w2->dir, "", W_OK | X_OK, AT_EMPTY_PATH);
	if (r > 0)
		return refuse(v, r, op, w2);
	if (new_exists && sticky_refuses(s, w2, &nst))
		return refuse(v, EPERM, op, w2);
	/* A directory moving to another parent must be writable itself (its ".."). */
	if (S_ISDIR(old.st_mode) && fstat(w1->dir, &d1) == 0 && fstat(w2->dir, &d2) == 0 &&
	    (d1.st_dev != d2.st_dev || d1.st_ino != d2.st_ino)) {
		r = access_err(w1->dir, w1->name, W_OK, AT_SYMLINK_NOFOLLOW);
		if (r > 0)
			return refuse(v, r, op, w1);
	}
	return 0;
}

static int judge_link(const struct supervisor *s, const struct fs_args *fa, struct where *w1,
		      struct where *w2, struct verdict *v)
{
	const int op = SANDBOX_FILE_LINK;
	bool follow = fa->fc->flags >= 0 && (fa->flags & AT_SYMLINK_FOLLOW);
	struct target t = {.fd = -1};
	struct stat old, nst;
	int r;

	if (fa->fc->flags >= 0 && (fa->flags & ~(uint64_t)AT_SYMLINK_FOLLOW))
		return 0; /* AT_EMPTY_PATH (needs a capability) or invalid flags */
	if (w1->slash || w2->slash)
		return 0;
	if (follow) {
		if (where_target(w1, true, &t) < 0)
			return 0;
		old = t.st;
		target_close(&t);
	} else if (where_lstat(w1, &old) < 0)
		return 0;
	/* do_linkat(): filename_create() gives EEXIST, then EROFS; then EXDEV. */
	r = where_lstat(w2, &nst);
	if (r != -ENOENT)
		return 0;
	if (w2->ro)
		return refuse(v, EROFS, op, w2);
	if (!same_mount(w1->dir, w2->dir) || w2->remote)
		return 0;
	/* may_linkat() (protected_hardlinks, EPERM) comes before may_create(): own files only. */
	if (old.st_uid != s->euid)
		return 0;
	r = access_err(w2->dir, "", W_OK | X_OK, AT_EMPTY_PATH);
	return r > 0 ? refuse(v, r, op, w2) : 0;
}

/*
 * setxattr(path, name, value, size, flags): flags and size the kernel
 * accepts (XATTR_CREATE, XATTR_REPLACE; at most XATTR_SIZE_MAX).  The *at
 * forms: only AT_SYMLINK_NOFOLLOW in their flags (their value lives in a
 * struct: not judged beyond that).
 */
static bool xattr_args_ok(const struct fs_args *fa)
{
	const struct seccomp_fs_call *fc = fa->fc;

	if (fc->flags >= 0)
		return (fa->flags & ~(uint64_t)AT_SYMLINK_NOFOLLOW) == 0;
	if (fc->op == SANDBOX_FILE_SETXATTR)
		return (fa->a[4] & ~(uint64_t)3) == 0 && fa->a[3] <= 65536;
	return true;
}

/* truncate, chmod, chown, utimes, setxattr, removexattr on an existing target. */
static int judge_attr(const struct supervisor *s, const struct fs_args *fa, struct where *w,
		      struct verdict *v)
{
	const struct seccomp_fs_call *fc = fa->fc;
	bool follow = fc->follow, unknown = false;
	struct target t = {.fd = -1};
	const struct stat *st = &t.st;
	int op = fc->op, r = 0;

	if (fc->flags >= 0) {
		if (fa->flags & AT_EMPTY_PATH)
			return 0; /* an empty path names the descriptor: not judged */
		if (fa->flags & AT_SYMLINK_NOFOLLOW)
			follow = false;
	}
	if (where_target(w, follow, &t) < 0)
		return 0; /* ENOENT and friends: the kernel says so itself */

	switch (op) {
	case SANDBOX_FILE_TRUNCATE:
		/* vfs_truncate(): EISDIR, EINVAL, then the mount, then permission. */
		if (!S_ISREG(st->st_mode))
			break;
		if (t.ro) {
			r = refuse(v, EROFS, op, w);
			break;
		}
		if (t.remote)
			break;
		r = access_err(t.fd, "", W_OK, AT_EMPTY_PATH);
		r = r > 0 ? refuse(v, r, op, w) : 0;
		break;
	case SANDBOX_FILE_CHMOD:
		if (S_ISLNK(st->st_mode))
			break; /* fchmodat2(AT_SYMLINK_NOFOLLOW) on a link: EOPNOTSUPP */
		if (t.ro)
			r = refuse(v, EROFS, op, w);
		else if (!t.remote && st->st_uid != s->euid && !has_cap(s, CAP_FOWNER))
			r = refuse(v, EPERM, op, w);
		break;
	case SANDBOX_FILE_CHOWN: {
		uint32_t uid = (uint32_t)fa->a[fc->extra], gid = (uint32_t)fa->a[fc->extra2];

		if (t.ro) {
			r = refuse(v, EROFS, op, w);
			break;
		}
		if (t.remote || has_cap(s, CAP_CHOWN))
			break;
		/* chown_ok() / chgrp_ok(): only the owner, to itself and its own groups. */
		if (uid != (uint32_t)-1 && (st->st_uid != s->euid || uid != st->st_uid))
			r = refuse(v, EPERM, op, w);
		else if (gid != (uint32_t)-1 && st->st_uid != s->euid)
			r = refuse(v, EPERM, op, w);
		else if (gid != (uint32_t)-1 && gid != st->st_gid && !in_groups(s, gid, &unknown) &&
			 !unknown)
			r = refuse(v, EPERM, op, w);
		break;
	}
	case SANDBOX_FILE_UTIMES: {
		bool touch = fa->a[fc->extra] == 0;

		/*
		 * Both "now" is the same as no times (do_utimes_path()); any other
		 * times, one omitted included, is an explicit update (ATTR_TIMES_SET).
		 */
		if (fa->have_times && fa->times[0].tv_nsec == UTIME_NOW &&
		    fa->times[1].tv_nsec == UTIME_NOW)
			touch = true;
		/* vfs_utimes(): the mount first, then the owner (or, to "now", write access). */
		if (t.ro) {
			r = refuse(v, EROFS, op, w);
			break;
		}
		if (t.remote || st->st_uid == s->euid || has_cap(s, CAP_FOWNER))
			break;
		if (!touch) {
			r = refuse(v, EPERM, op, w);
			break;
		}
		r = access_err(t.fd, "", W_OK, AT_EMPTY_PATH);
		r = r > 0 ? refuse(v, r, op, w) : 0;
		break;
	}
	case SANDBOX_FILE_SETXATTR:
	case SANDBOX_FILE_REMOVEXATTR:
		/*
		 * path_setxattr()/path_removexattr(): after the arguments (EINVAL,
		 * E2BIG: left to the kernel) and the lookup, the mount; the rest
		 * depends on the name.
		 */
		if (t.ro && xattr_args_ok(fa))
			r = refuse(v, EROFS, op, w);
		break;
	default:
		break;
	}
	target_close(&t);
	return r;
}

/* ------------------------------------------------------------ recording */

static void saturating_inc(uint32_t *c)
{
	if (*c != UINT32_MAX)
		(*c)++;
}

uint64_t supervisor_syscall_arg(const struct seccomp_data *d)
{
	if (d->nr == SYS_socket || d->nr == SYS_socketpair)
		return d->args[0];
	if (d->nr == SYS_ioctl)
		return d->args[1] & 0xffffffffULL;
	if (d->nr == SYS_clone)
		return d->args[0] & (uint64_t)CLONE_NEW_MASK;
	if (d->nr == SYS_personality)
		return d->args[0] & 0xffffffffULL;
	return 0;
}

static void record_syscall(struct supervisor *s, const struct seccomp_notif *req)
{
	uint64_t arg = supervisor_syscall_arg(&req->data);

	for (size_t i = 0; i < s->n_sys; i++) {
		struct sandbox_denial *d = &s->sys[i];

		if (d->nr == req->data.nr && d->arch == req->data.arch && d->arg == arg) {
			saturating_inc(&d->count);
			return;
		}
	}
	if (s->n_sys == SUPERVISOR_MAX_SYSCALL) {
		s->flags |= SANDBOX_DENIALS_OVERFLOW;
		return;
	}
	s->sys[s->n_sys++] = (struct sandbox_denial){
		.kind = SANDBOX_DENIAL_SYSCALL,
		.arch = req->data.arch,
		.nr = req->data.nr,
		.count = 1,
		.pid = (int32_t)req->pid,
		.arg = arg,
	};
}

/* The record of a file refusal: the parent's path in our (= the command's) view + name. */
static void file_entry(const struct seccomp_notif *req, const struct verdict *v,
		       struct sandbox_denial *d)
{
	char fdpath[40], dir[SUP_PATH];
	ssize_t n;
	size_t len = 0, nl = strlen(v->w->name);

	*d = (struct sandbox_denial){
		.kind = SANDBOX_DENIAL_FILE,
		.arch = req->data.arch,
		.nr = req->data.nr,
		.count = 1,
		.pid = (int32_t)req->pid,
		.err = v->err,
		.op = (uint32_t)v->op,
	};
	memcpy(fdpath, "/proc/self/fd/", 14);
	fdpath[14 + sup_put_uint(fdpath + 14, (unsigned long long)v->w->dir)] = '\0';
	n = readlink(fdpath, dir, sizeof(dir));
	if (n <= 0 || n >= (ssize_t)sizeof(dir) || dir[0] != '/') {
		dir[0] = '?';
		n = 1;
	}
	if (n == 1 && dir[0] == '/')
		n = 0; /* the root: "/" + name */
	for (ssize_t i = 0; i < n && len < sizeof(d->path); i++)
		d->path[len++] = dir[i];
	if (len < sizeof(d->path))
		d->path[len++] = '/';
	for (size_t i = 0; i < nl && len < sizeof(d->path); i++)
		d->path[len++] = v->w->name[i];
	if ((size_t)n + 1 + nl > sizeof(d->path))
		d->flags |= SANDBOX_DENIAL_PATH_CUT;
	d->path_len = (uint32_t)len;
}

void sup_record_file(struct supervisor *s, const struct sandbox_denial *e)
{
	for (size_t i = 0; i < s->n_file; i++) {
		struct sandbox_denial *d = &s->file[i];

		if (d->op == e->op && d->flags == e->flags && d->path_len == e->path_len &&
		    memcmp(d->path, e->path, e->path_len) == 0) {
			saturating_inc(&d->count);
			return;
		}
	}
	if (s->n_file == SUPERVISOR_MAX_FILE) {
		s->flags |= SANDBOX_DENIALS_OVERFLOW;
		return;
	}
	s->file[s->n_file++] = *e;
}

/* ------------------------------------------------------------ file calls */

/*
 * Open the directory a relative path of the caller starts from: its cwd
 * or its dirfd, through our procfs (same uid, and the caller dumpable).
 * -ENOSYS without a procfs of our PID namespace.
 */
int sup_open_base(const struct supervisor *s, pid_t pid, uint64_t dfd_arg, bool have_dfd)
{
	int dfd = have_dfd ? (int)dfd_arg : AT_FDCWD;
	char path[64];
	int fd;

	if (dfd != AT_FDCWD && dfd < 0)
		return -EBADF;
	if (s->proc < 0)
		return -ENOSYS;
	if (dfd == AT_FDCWD)
		sup_proc_path(path, pid, "cwd", -1);
	else
		sup_proc_path(path, pid, "fd/", dfd);
	fd = openat(s->proc, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct fs_path {
	char buf[SUP_PATH];
	size_t len;
	int base; /* for a relative path: the caller's cwd or dirfd; else AT_FDCWD */
};

/* Read path argument idx (and its directory argument) of the call. */
static int fs_path_read(const struct supervisor *s, const struct seccomp_notif *req, int idx,
			int dfd_idx, struct fs_path *p)
{
	ssize_t n = sup_read_path((pid_t)req->pid, req->data.args[idx], p->buf);

	p->base = AT_FDCWD;
	if (n < 0)
		return (int)n;
	p->len = (size_t)n;
	if (n > 0 && p->buf[0] != '/') {
		p->base = sup_open_base(s, (pid_t)req->pid, dfd_idx >= 0 ? req->data.args[dfd_idx] : 0,
				    dfd_idx >= 0);
		if (p->base < 0)
			return p->base;
	}
	return 0;
}

/*
 * The times of utimes/futimesat (timevals) and utimensat (timespecs): the
 * kernel refuses out-of-range values with EINVAL before looking the path
 * up, so those are not judged (-ECANCELED).  utime()'s utimbuf holds any
 * two times.
 */
static int read_times(const struct seccomp_notif *req, const struct seccomp_fs_call *fc,
		      struct fs_args *fa)
{
	uint64_t addr = req->data.args[fc->extra];

#ifdef __NR_utime
	if (req->data.nr == __NR_utime)
		return 0;
#endif
	if (fc->timeval) {
		struct timeval tv[2];

		if (sup_mem_read((pid_t)req->pid, addr, tv, sizeof(tv)) != (ssize_t)sizeof(tv))
			return -ECANCELED;
		for (int i = 0; i < 2; i++)
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -ECANCELED;
		return 0;
	}
	if (sup_mem_read((pid_t)req->pid, addr, fa->times, sizeof(fa->times)) !=
	    (ssize_t)sizeof(fa->times))
		return -ECANCELED;
	for (int i = 0; i < 2; i++) {
		long ns = fa->times[i].tv_nsec;

		if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns >= 1000000000))
			return -ECANCELED;
	}
	/* Both omitted: utimensat() returns 0 without looking at the path. */
	if (fa->times[0].tv_nsec == UTIME_OMIT && fa->times[1].tv_nsec == UTIME_OMIT)
		return -ECANCELED;
	fa->have_times = true;
	return 0;
}

/* Static: PID 1 has one supervisor and these are too large for comfort on a stack. */
static struct fs_path path1, path2;

/*
 * Decide a write-intent file call.  Returns 0 to CONTINUE, > 0 an errno
 * to answer (recorded in *rec), or < 0 when the notification is gone.
 */
int sup_check_file(struct supervisor *s, const struct seccomp_notif *req,
		      const struct seccomp_fs_call *fc, struct sandbox_denial *rec)
{
	struct fs_args fa = {.fc = fc, .a = req->data.args};
	struct where w1 = {.dir = -1}, w2 = {.dir = -1};
	struct verdict v = {0};
	int r;

	path1.base = path2.base = AT_FDCWD;
	if (fc->flags >= 0)
		fa.flags = req->data.args[fc->flags];
	else if (fc->op == SANDBOX_FILE_OPEN)
		fa.flags = O_CREAT | O_WRONLY | O_TRUNC; /* creat() */
	if (fc->op == SANDBOX_FILE_UTIMES && req->data.args[fc->path] == 0)
		return 0; /* utimensat(fd, NULL, ...): the descriptor itself */

	/* Everything read from the caller's memory or its /proc entry, first. */
	r = fs_path_read(s, req, fc->path, fc->dfd, &path1);
	if (r == 0 && fc->path2 >= 0)
		r = fs_path_read(s, req, fc->path2, fc->dfd2, &path2);
	if (r == 0 && fc->openat2) {
		struct open_how how = {0};
		uint64_t size = req->data.args[3];

		if (size < sizeof(how) || sup_mem_read((pid_t)req->pid, req->data.args[2], &how,
						   sizeof(how)) != (ssize_t)sizeof(how))
			goto out; /* the kernel answers EINVAL or EFAULT itself */
		/* RESOLVE_IN_ROOT changes what the path means, the others only restrict. */
		if (how.resolve != 0 || (how.mode != 0 && !(how.flags & O_CREAT)))
			goto out;
		fa.flags = how.flags;
	}
	if (r == 0 && fc->op == SANDBOX_FILE_UTIMES && req->data.args[fc->extra] != 0) {
		r = read_times(req, fc, &fa);
		if (r == -ECANCELED) {
			r = 0;
			goto out; /* invalid times: EINVAL from the kernel before any lookup */
		}
	}
	if (r == -EPERM || r == -EACCES || r == -ENOSYS) {
		/* Not dumpable (its memory and /proc entries are closed to us), or no procfs. */
		s->flags |= SANDBOX_DENIALS_UNCHECKED;
		r = 0;
		goto out;
	}
	if (r < 0) {
		r = r == -ESRCH ? -ESRCH : 0;
		goto out;
	}
	/* The caller may have died and its pid been reused while we read. */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
		r = -ESRCH;
		goto out;
	}

	if (where_open(path1.base, path1.buf, path1.len, &w1) < 0)
		goto out;
	if (fc->path2 >= 0 && where_open(path2.base, path2.buf, path2.len, &w2) < 0)
		goto out;

	switch (fc->op) {
	case SANDBOX_FILE_OPEN:
		r = judge_open(&fa, &w1, &v);
		break;
	case SANDBOX_FILE_MKDIR:
	case SANDBOX_FILE_MKNOD:
	case SANDBOX_FILE_SYMLINK:
		r = judge_create(s, &fa, &w1, &v);
		break;
	case SANDBOX_FILE_UNLINK:
	case SANDBOX_FILE_RMDIR:
		r = judge_remove(s, &fa, &w1, &v);
		break;
	case SANDBOX_FILE_RENAME:
		r = judge_rename(s, &fa, &w1, &w2, &v);
		break;
	case SANDBOX_FILE_LINK:
		r = judge_link(s, &fa, &w1, &w2, &v);
		break;
	default:
		r = judge_attr(s, &fa, &w1, &v);
		break;
	}
	if (r > 0)
		file_entry(req, &v, rec);
out:
	where_close(&w1);
	where_close(&w2);
	if (path1.base >= 0)
		close(path1.base);
	if (path2.base >= 0)
		close(path2.base);
	return r;
}

/* ------------------------------------------------------------ the loop's step */

void supervisor_init(struct supervisor *s, int listener, unsigned features,
		     const struct supervisor_rules *rules, int proc_fd)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct c[2] = {{0}};
	int n;

	memset(s, 0, offsetof(struct supervisor, deny));
	s->listener = listener;
	s->features = features & SECCOMP_FEATURES_ALL;
	s->check_files = (features & SECCOMP_FEATURE_FS) != 0;
	s->proc = proc_fd;
	s->self = getpid();
	s->diag = -1;
	if (s->proc < 0 && features && proc_shows_us())
		s->proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->euid = geteuid();
	s->egid = getegid();
	n = getgroups(SUPERVISOR_MAX_GROUPS, s->groups);
	s->n_groups = n < 0 ? -1 : n;
	if (syscall(SYS_capget, &h, c) == 0)
		s->caps = (uint64_t)c[0].effective | (uint64_t)c[1].effective << 32;
	else
		s->caps = ~0ULL; /* unknown: judge nothing that a capability could allow */
	if (listener < 0)
		s->flags |= SANDBOX_DENIALS_UNSUPERVISED;
	sup_broker_init(s, rules);
}

int supervisor_handle(struct supervisor *s)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct seccomp_fs_call fc;
	struct sandbox_denial rec;
	bool file = false;
	int r;

	sup_broker_reap(s);
	/* The kernel refuses a receive into a buffer that is not zeroed. */
	memset(&req, 0, sizeof(req));
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		if (errno == EINTR || errno == ENOENT)
			return 0; /* ENOENT: the caller died or was interrupted meanwhile */
		return -errno;
	}
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	/*
	 * A call the supervisor performs (OPEN, UNIX): the broker answers it,
	 * never with CONTINUE for an open.  The filter holds the native ABI
	 * only: other ABIs never get here.
	 */
	if ((s->features & (SECCOMP_FEATURE_OPEN | SECCOMP_FEATURE_UNIX)) &&
	    seccomp_call(req.data.nr, s->features & (SECCOMP_FEATURE_OPEN | SECCOMP_FEATURE_UNIX),
			 &fc))
		return sup_broker_handle(s, &req, &fc);
	/* A supervised write-intent call.  Without a known native ABI it is not judged. */
	if (s->check_files && seccomp_fs_call(req.data.nr, &fc)) {
		r = NATIVE_ARCH != 0 ? sup_check_file(s, &req, &fc, &rec) : 0;
		if (r < 0)
			return 0; /* the caller is gone: nothing to answer */
		if (r == 0)
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else {
			resp.error = -r;
			file = true;
		}
	} else {
		/* A refusal of the filter: EPERM, as the plain program answers. */
		resp.error = -EPERM;
	}
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return 0; /* ENOENT: the caller died before the answer */
	if (resp.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return 0;
	if (file)
		sup_record_file(s, &rec);
	else
		record_syscall(s, &req);
	return 0;
}

size_t supervisor_count(const struct supervisor *s)
{
	return s->n_sys + s->n_file;
}

const struct sandbox_denial *supervisor_entry(const struct supervisor *s, size_t i)
{
	if (i < s->n_sys)
		return &s->sys[i];
	i -= s->n_sys;
	return i < s->n_file ? &s->file[i] : NULL;
}
