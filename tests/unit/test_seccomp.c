/* SPDX-License-Identifier: MIT */
/*
 * daemon/seccomp: every program (profile x variant) is checked twice.
 *
 * 1. In user space: a small classic-BPF interpreter runs each program on
 *    synthetic seccomp_data (every number 0..1023, foreign ABIs, x32,
 *    random and adversarial arguments) and compares the verdict with an
 *    oracle written here independently of seccomp.c, the calls each
 *    notify variant hands to the supervisor (FS, OPEN, UNIX) included.
 * 2. In the kernel: a forked child sets no_new_privs, installs a program
 *    and makes the real calls; it reports failures through a pipe.  The
 *    notify test proves every refusal reaches the filter even where the
 *    kernel would also say EPERM without it (non-root): the supervisor
 *    answers ENOTRECOVERABLE, which nothing else produces.
 *
 * Runs as root and as an unprivileged user.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "daemon/seccomp.h"

extern char **environ;

#define X32_BIT 0x40000000U
#define RET_EPERM (SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define CLONE_NEW_ALL                                                                              \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)
#define NR_OPEN_TREE_ATTR 467
#define SUPERVISOR_ERRNO ENOTRECOVERABLE

static struct seccomp_programs progs;
static bool have_seccomp, have_notify;

/* ------------------------------------------------------------------ oracle */

/* Refused by number in every profile, typed from the kernel's table. */
static const long refused_nrs[] = {
	SYS_ptrace,
	SYS_process_vm_readv,
	SYS_process_vm_writev,
	SYS_pidfd_getfd,
	SYS_process_madvise,
	SYS_process_mrelease,
	SYS_kcmp,
	SYS_move_pages,
	SYS_migrate_pages,
	SYS_io_uring_setup,
	SYS_io_uring_enter,
	SYS_io_uring_register,
	SYS_bpf,
	SYS_perf_event_open,
	SYS_userfaultfd,
	SYS_modify_ldt,
	SYS_fanotify_init,
	SYS_keyctl,
	SYS_add_key,
	SYS_request_key,
	SYS_unshare,
	SYS_setns,
	SYS_mount,
	SYS_umount2,
	SYS_pivot_root,
	SYS_chroot,
	SYS_fsopen,
	SYS_fsconfig,
	SYS_fsmount,
	SYS_fspick,
	SYS_move_mount,
	SYS_open_tree,
	SYS_mount_setattr,
	NR_OPEN_TREE_ATTR,
	SYS_open_by_handle_at,
	SYS_name_to_handle_at,
	SYS_kexec_load,
	SYS_kexec_file_load,
	SYS_init_module,
	SYS_finit_module,
	SYS_delete_module,
	SYS_iopl,
	SYS_ioperm,
	SYS_swapon,
	SYS_swapoff,
	SYS_reboot,
	SYS_syslog,
	SYS_acct,
	SYS_quotactl,
	SYS_quotactl_fd,
	SYS_lookup_dcookie,
	SYS_vhangup,
	SYS_nfsservctl,
	SYS_uselib,
};

static bool is_refused_nr(long nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(refused_nrs); i++)
		if (refused_nrs[i] == nr)
			return true;
	return false;
}

static bool personality_allowed(uint32_t p)
{
	return p == 0 || p == 0x8 || p == 0x20000 || p == 0x20008 || p == 0xffffffffU;
}

static uint32_t expected_action(enum seccomp_profile prof, bool notify, uint32_t arch, uint32_t nr,
				const uint64_t a[6])
{
	const uint32_t deny = notify ? SECCOMP_RET_USER_NOTIF : RET_EPERM;

	if (arch != AUDIT_ARCH_X86_64)
		return RET_EPERM;
	if (nr == 0xffffffffU)
		return SECCOMP_RET_ALLOW;
	if (nr >= X32_BIT)
		return RET_EPERM;
	if (is_refused_nr(nr))
		return deny;
	if (nr == SYS_clone3 || (nr >= 470 && nr <= 511))
		return RET_ENOSYS;
	switch (nr) {
	case SYS_clone:
		return (a[0] & CLONE_NEW_ALL) ? deny : SECCOMP_RET_ALLOW;
	case SYS_ioctl:
		return ((uint32_t)a[1] == 0x5412 || (uint32_t)a[1] == 0x541C) ? deny
									      : SECCOMP_RET_ALLOW;
	case SYS_personality:
		return personality_allowed((uint32_t)a[0]) ? SECCOMP_RET_ALLOW : deny;
	case SYS_socket:
		if (prof == SECCOMP_PROFILE_NET_OFF && a[0] != AF_UNIX)
			return deny;
		if (prof == SECCOMP_PROFILE_NET_PROXY && a[0] != AF_UNIX && a[0] != AF_INET &&
		    a[0] != AF_INET6)
			return deny;
		return SECCOMP_RET_ALLOW;
	case SYS_socketpair:
		if (prof != SECCOMP_PROFILE_NET_FULL && a[0] != AF_UNIX)
			return deny;
		return SECCOMP_RET_ALLOW;
	default:
		return SECCOMP_RET_ALLOW;
	}
}

/* The calls a notify variant hands to the supervisor besides the refusals, by feature. */
static const long open_feature_nrs[] = {SYS_open,   SYS_openat,	  SYS_openat2,	 SYS_creat,
					SYS_execve, SYS_execveat, SYS_rename,	 SYS_renameat,
					SYS_renameat2, SYS_link,  SYS_linkat};
static const long fs_always_nrs[] = {
	SYS_openat2,	  SYS_creat,	SYS_mkdir,	   SYS_mkdirat,	 SYS_mknod,	SYS_mknodat,
	SYS_symlink,	  SYS_symlinkat, SYS_link,	   SYS_linkat,	 SYS_unlink,	SYS_unlinkat,
	SYS_rmdir,	  SYS_rename,	SYS_renameat,	   SYS_renameat2, SYS_truncate, SYS_chmod,
	SYS_fchmodat,	  452,		SYS_chown,	   SYS_lchown,	 SYS_fchownat,	SYS_utime,
	SYS_utimes,	  SYS_futimesat, SYS_setxattr,	   SYS_lsetxattr, 463,		SYS_removexattr,
	SYS_lremovexattr, 466};

static bool in_list(const long *l, size_t n, long nr)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == nr)
			return true;
	return false;
}

static bool write_intent(uint64_t flags)
{
	return (flags & O_WRONLY) || (flags & O_RDWR) || (flags & O_CREAT) || (flags & O_TRUNC);
}

/* expected_action() for any variant: PLAIN, or NOTIFY + features. */
static uint32_t expected_variant(enum seccomp_profile prof, int variant, uint32_t arch,
				 uint32_t nr, const uint64_t a[6])
{
	bool notify = variant != SECCOMP_VARIANT_PLAIN;
	unsigned f = notify ? (unsigned)(variant - SECCOMP_VARIANT_NOTIFY) : 0;
	uint32_t base = expected_action(prof, notify, arch, nr, a);

	if (base != SECCOMP_RET_ALLOW || arch != AUDIT_ARCH_X86_64 || nr >= X32_BIT)
		return base;
	if ((f & SECCOMP_FEATURE_OPEN) && in_list(open_feature_nrs, ARRAY_SIZE(open_feature_nrs), nr))
		return SECCOMP_RET_USER_NOTIF;
	if ((f & SECCOMP_FEATURE_UNIX) && (nr == SYS_connect || nr == SYS_bind))
		return SECCOMP_RET_USER_NOTIF;
	if (f & SECCOMP_FEATURE_FS) {
		if (in_list(fs_always_nrs, ARRAY_SIZE(fs_always_nrs), nr))
			return SECCOMP_RET_USER_NOTIF;
		if (nr == SYS_utimensat && a[1] != 0)
			return SECCOMP_RET_USER_NOTIF;
		if ((nr == SYS_open && write_intent(a[1])) || (nr == SYS_openat && write_intent(a[2])))
			return SECCOMP_RET_USER_NOTIF;
	}
	return SECCOMP_RET_ALLOW;
}

/* ------------------------------------------------------- BPF interpreter */

/* Classic BPF as seccomp runs it: 32-bit A and X, 16 scratch words. */
static int bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d, uint32_t *ret)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	const unsigned char *data = (const unsigned char *)d;

	for (unsigned pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		uint32_t k = f->k, src;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
				if (k > sizeof(*d) - 4 || (k & 3))
					return -EINVAL;
				memcpy(&A, data + k, 4);
			} else if (f->code == (BPF_LD | BPF_W | BPF_LEN)) {
				A = sizeof(*d);
			} else if (f->code == (BPF_LD | BPF_IMM)) {
				A = k;
			} else if (f->code == (BPF_LD | BPF_MEM)) {
				if (k >= BPF_MEMWORDS)
					return -EINVAL;
				A = M[k];
			} else {
				return -EINVAL;
			}
			break;
		case BPF_LDX:
			if (f->code == (BPF_LDX | BPF_IMM))
				X = k;
			else if (f->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
				X = M[k];
			else if (f->code == (BPF_LDX | BPF_W | BPF_LEN))
				X = sizeof(*d);
			else
				return -EINVAL;
			break;
		case BPF_ST:
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
			M[k] = A;
			break;
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
			M[k] = X;
			break;
		case BPF_ALU:
			src = BPF_SRC(f->code) == BPF_X ? X : k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				A += src;
				break;
			case BPF_SUB:
				A -= src;
				break;
			case BPF_MUL:
				A *= src;
				break;
			case BPF_DIV:
				if (src == 0)
					return -EINVAL;
				A /= src;
				break;
			case BPF_MOD:
				if (src == 0)
					return -EINVAL;
				A %= src;
				break;
			case BPF_AND:
				A &= src;
				break;
			case BPF_OR:
				A |= src;
				break;
			case BPF_XOR:
				A ^= src;
				break;
			case BPF_LSH:
				A = src >= 32 ? 0 : A << src;
				break;
			case BPF_RSH:
				A = src >= 32 ? 0 : A >> src;
				break;
			case BPF_NEG:
				A = -A;
				break;
			default:
				return -EINVAL;
			}
			break;
		case BPF_JMP: {
			bool cond;

			src = BPF_SRC(f->code) == BPF_X ? X : k;
			switch (BPF_OP(f->code)) {
			case BPF_JA:
				pc += k;
				continue;
			case BPF_JEQ:
				cond = A == src;
				break;
			case BPF_JGT:
				cond = A > src;
				break;
			case BPF_JGE:
				cond = A >= src;
				break;
			case BPF_JSET:
				cond = (A & src) != 0;
				break;
			default:
				return -EINVAL;
			}
			pc += cond ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			*ret = BPF_RVAL(f->code) == BPF_A ? A : k;
			return 0;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			return -EINVAL;
		}
	}
	return -ENOEXEC; /* fell off the end: the kernel rejects such programs */
}

static uint32_t verdict(const struct sock_fprog *prog, uint32_t arch, uint32_t nr,
			const uint64_t a[6])
{
	struct seccomp_data d = {.nr = (int)nr, .arch = arch, .instruction_pointer = 0x401000};
	uint32_t ret = 0;

	for (int i = 0; i < 6; i++)
		d.args[i] = a[i];
	assert_int_equal(bpf_run(prog, &d, &ret), 0);
	return ret;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_one(enum seccomp_profile prof, int variant, uint32_t arch, uint32_t nr,
		      const uint64_t a[6])
{
	const struct sock_fprog *prog = seccomp_program_variant(&progs, prof, variant);
	uint32_t got = verdict(prog, arch, nr, a),
		 want = expected_variant(prof, variant, arch, nr, a);

	if (got != want)
		fail_msg("profile %d variant %d arch %#x nr %u (%s) args %#llx %#llx %#llx: got %#x, "
			 "want %#x",
			 prof, variant, arch, nr, seccomp_syscall_name((int)nr) ?: "?",
			 (unsigned long long)a[0], (unsigned long long)a[1],
			 (unsigned long long)a[2], got, want);
}

/* How many variants exist: all with user notification, else the plain one. */
static int n_variants(void)
{
	return have_notify ? _SECCOMP_VARIANT_MAX : 1;
}

/* --------------------------------------------------------- child harness */

struct child_ctx {
	int report_fd;
};

_printf_(2, 3) _noreturn_ static void child_fail(struct child_ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "FAIL: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(c->report_fd, buf, (size_t)n);
	_exit(1);
}

_printf_(2, 3) static void child_note(struct child_ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "NOTE: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(c->report_fd, buf, (size_t)n);
}

#define CHILD_CHECK(c, cond, ...)                                                                  \
	do {                                                                                       \
		if (!(cond))                                                                       \
			child_fail((c), __VA_ARGS__);                                              \
	} while (0)

typedef void (*child_fn)(struct child_ctx *c, void *arg);

/* The seccomp system call itself is missing (no CONFIG_SECCOMP, or valgrind). */
_noreturn_ static void child_skip_no_seccomp(struct child_ctx *c)
{
	static const char msg[] = "SKIP: the seccomp system call is not implemented here "
				  "(a kernel without it, or valgrind)\n";

	(void)!write(c->report_fd, msg, sizeof(msg) - 1);
	_exit(0);
}

static void install_or_fail(struct child_ctx *c, enum seccomp_profile prof)
{
	int r = seccomp_install(seccomp_program(&progs, prof, false), false, NULL);

	if (r == -ENOSYS)
		child_skip_no_seccomp(c);
	CHILD_CHECK(c, r == 0, "seccomp_install: %s", strerror(-r));
}

/*
 * Fork; the child sets no_new_privs, runs fn and exits 0.  Anything it
 * writes to the report pipe is printed; "FAIL:" fails the test, "SKIP:"
 * skips it.
 */
static void run_child(child_fn fn, void *arg)
{
	char buf[8192];
	size_t len = 0;
	int p[2], st;
	pid_t pid;

	if (!have_seccomp)
		skip();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_ctx c = {.report_fd = p[1]};

		close(p[0]);
		alarm(60);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail(&c, "PR_SET_NO_NEW_PRIVS: %m");
		fn(&c, arg);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);

	for (char *line = buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		if (strncmp(line, "NOTE: ", 6) == 0)
			print_message("[   NOTE   ] %s\n", line + 6);
		else if (strncmp(line, "SKIP: ", 6) == 0) {
			print_message("[   SKIP   ] %s\n", line + 6);
			skip();
		} else if (*line)
			fail_msg("%s", line);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child ended with status %#x (signal %d)", st,
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* ------------------------------------------------------ the refused calls */

struct call {
	const char *name;
	long nr;
	long a[6];
	bool forks; /* would create a process if it ever succeeded */
};

static char ldt_buf[64];
static struct io_uring_params uring_params;
static struct iovec zero_iov;
static char tiocsti_char = 'x';
static char tioclinux_sub = 11; /* TIOCL_GETKMSGREDIRECT: harmless */

/* Every call in the denylist, with arguments that do no harm if it ran. */
static size_t refused_calls(struct call *out, size_t max, int pty_fd)
{
	const long self = getpid();
	const struct call calls[] = {
		{"ptrace", SYS_ptrace, {0 /* PTRACE_TRACEME */}},
		{"process_vm_readv",
		 SYS_process_vm_readv,
		 {self, (long)&zero_iov, 1, (long)&zero_iov, 1, 0}},
		{"process_vm_writev",
		 SYS_process_vm_writev,
		 {self, (long)&zero_iov, 1, (long)&zero_iov, 1, 0}},
		{"pidfd_getfd", SYS_pidfd_getfd, {-1, 0, 0}},
		{"process_madvise", SYS_process_madvise, {-1, 0, 0, 0, 0}},
		{"process_mrelease", SYS_process_mrelease, {-1, 0}},
		{"kcmp", SYS_kcmp, {self, self, 0 /* KCMP_FILE */, 0, 0}},
		{"move_pages", SYS_move_pages, {0, 0, 0, 0, 0, 0}},
		{"migrate_pages", SYS_migrate_pages, {0, 0, 0, 0}},
		{"io_uring_setup", SYS_io_uring_setup, {1, (long)&uring_params}},
		{"io_uring_enter", SYS_io_uring_enter, {-1, 0, 0, 0, 0, 0}},
		{"io_uring_register", SYS_io_uring_register, {-1, 0, 0, 0}},
		{"bpf", SYS_bpf, {-1, 0, 0}},
		{"perf_event_open", SYS_perf_event_open, {0, 0, -1, -1, 0}},
		{"userfaultfd", SYS_userfaultfd, {O_CLOEXEC}},
		{"modify_ldt", SYS_modify_ldt, {0, (long)ldt_buf, sizeof(ldt_buf)}},
		{"fanotify_init", SYS_fanotify_init, {0, 0}},
		{"keyctl", SYS_keyctl, {0 /* GET_KEYRING_ID */, -3 /* session */, 0}},
		{"add_key", SYS_add_key, {(long)"cx-bogus-type", (long)"d", 0, 0, -2}},
		{"request_key", SYS_request_key, {(long)"cx-bogus-type", (long)"d", 0, 0}},
		{"unshare(CLONE_NEWUSER)", SYS_unshare, {CLONE_NEWUSER}},
		{"unshare(0)", SYS_unshare, {0}},
		{"setns", SYS_setns, {-1, 0}},
		{"mount",
		 SYS_mount,
		 {(long)"none", (long)"/nonexistent-cx", (long)"cx-bogus-fs", 0, 0}},
		{"umount2", SYS_umount2, {(long)"/nonexistent-cx", 0}},
		{"pivot_root", SYS_pivot_root, {(long)"/nonexistent-cx", (long)"/nonexistent-cx"}},
		{"chroot", SYS_chroot, {(long)"/nonexistent-cx"}},
		{"fsopen", SYS_fsopen, {(long)"cx-bogus-fs", 0}},
		{"fsconfig", SYS_fsconfig, {-1, 0, 0, 0, 0}},
		{"fsmount", SYS_fsmount, {-1, 0, 0}},
		{"fspick", SYS_fspick, {AT_FDCWD, (long)"/nonexistent-cx", 0}},
		{"move_mount", SYS_move_mount, {-1, (long)"", -1, (long)"", 0}},
		{"open_tree", SYS_open_tree, {AT_FDCWD, (long)"/nonexistent-cx", 0}},
		{"mount_setattr", SYS_mount_setattr, {-1, (long)"", 0, 0, 0}},
		{"open_tree_attr", NR_OPEN_TREE_ATTR, {-1, 0, 0, 0, 0}},
		{"open_by_handle_at", SYS_open_by_handle_at, {-1, 0, 0}},
		{"name_to_handle_at", SYS_name_to_handle_at, {AT_FDCWD, (long)"/", 0, 0, 0}},
		{"kexec_load", SYS_kexec_load, {0, 0, 0, 0x7ead0000}},
		{"kexec_file_load", SYS_kexec_file_load, {-1, -1, 0, 0, 0x7ead0000}},
		{"init_module", SYS_init_module, {0, 0, (long)""}},
		{"finit_module", SYS_finit_module, {-1, (long)"", 0}},
		{"delete_module", SYS_delete_module, {(long)"cx_nonexistent_module", O_NONBLOCK}},
		{"iopl", SYS_iopl, {0}},
		{"ioperm", SYS_ioperm, {0x80, 1, 0}},
		{"swapon", SYS_swapon, {(long)"/nonexistent-cx", 0}},
		{"swapoff", SYS_swapoff, {(long)"/nonexistent-cx"}},
		{"reboot", SYS_reboot, {0, 0, 0, 0}},
		{"syslog", SYS_syslog, {10 /* SIZE_BUFFER */, 0, 0}},
		{"acct", SYS_acct, {(long)"/nonexistent-cx/x"}},
		{"quotactl", SYS_quotactl, {0, 0, 0, 0}},
		{"quotactl_fd", SYS_quotactl_fd, {-1, 0, 0, 0}},
		{"lookup_dcookie", SYS_lookup_dcookie, {0, 0, 0}},
		{"vhangup", SYS_vhangup, {0}},
		{"nfsservctl", SYS_nfsservctl, {0, 0, 0}},
		{"uselib", SYS_uselib, {(long)"/nonexistent-cx"}},
		{"clone(CLONE_NEWNS)", SYS_clone, {CLONE_NEWNS | SIGCHLD}, true},
		{"clone(CLONE_NEWCGROUP)", SYS_clone, {CLONE_NEWCGROUP | SIGCHLD}, true},
		{"clone(CLONE_NEWUTS)", SYS_clone, {CLONE_NEWUTS | SIGCHLD}, true},
		{"clone(CLONE_NEWIPC)", SYS_clone, {CLONE_NEWIPC | SIGCHLD}, true},
		{"clone(CLONE_NEWUSER)", SYS_clone, {CLONE_NEWUSER | SIGCHLD}, true},
		{"clone(CLONE_NEWPID)", SYS_clone, {CLONE_NEWPID | SIGCHLD}, true},
		{"clone(CLONE_NEWNET)", SYS_clone, {CLONE_NEWNET | SIGCHLD}, true},
		{"clone(high bits|CLONE_NEWUSER)",
		 SYS_clone,
		 {(long)(0xff00000000000000ULL | CLONE_NEWUSER | SIGCHLD)},
		 true},
		{"ioctl(TIOCSTI)", SYS_ioctl, {pty_fd, 0x5412, (long)&tiocsti_char}},
		{"ioctl(0x100005412)", SYS_ioctl, {pty_fd, 0x100005412L, (long)&tiocsti_char}},
		{"ioctl(0xffffffff00005412)",
		 SYS_ioctl,
		 {pty_fd, (long)0xffffffff00005412ULL, (long)&tiocsti_char}},
		{"ioctl(TIOCLINUX)", SYS_ioctl, {pty_fd, 0x541C, (long)&tioclinux_sub}},
		{"personality(ADDR_NO_RANDOMIZE)", SYS_personality, {ADDR_NO_RANDOMIZE}},
		{"personality(READ_IMPLIES_EXEC)", SYS_personality, {READ_IMPLIES_EXEC}},
		{"personality(MMAP_PAGE_ZERO)", SYS_personality, {MMAP_PAGE_ZERO}},
		{"personality(high|ADDR_NO_RANDOMIZE)",
		 SYS_personality,
		 {(long)(0x100000000ULL | ADDR_NO_RANDOMIZE)}},
		{"personality(PER_BSD)", SYS_personality, {PER_BSD}},
	};

	assert_true(ARRAY_SIZE(calls) <= max);
	memcpy(out, calls, sizeof(calls));
	return ARRAY_SIZE(calls);
}

static long do_call(const struct call *c)
{
	long r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);

	if (c->forks && r == 0)
		_exit(0); /* a child the filter should never have let exist */
	if (c->forks && r > 0)
		(void)waitpid((pid_t)r, NULL, 0);
	return r;
}

static int open_pty_master(void)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0 && (grantpt(fd) < 0 || unlockpt(fd) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------ the tests */

static int group_setup(void **state)
{
	char err[256] = "";
	int r;

	(void)state;
	have_seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	have_notify = have_seccomp && syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
					      &(uint32_t){SECCOMP_RET_USER_NOTIF}) == 0;
	r = seccomp_programs_build(&progs, err, sizeof(err));
	if (r < 0) {
		print_error("seccomp_programs_build: %s (%s)\n", err, strerror(-r));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	seccomp_programs_free(&progs);
	return 0;
}

static void test_build_api(void **state)
{
	struct seccomp_programs empty = {0};

	(void)state;
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++)
		for (int n = 0; n < (have_notify ? 2 : 1); n++) {
			const struct sock_fprog *f = seccomp_program(&progs, p, n);
			assert_non_null(f);
			assert_true(f->len > 0 && f->len <= BPF_MAXINSNS);
		}
	assert_null(seccomp_program(&progs, _SECCOMP_PROFILE_MAX, false));
	assert_null(seccomp_program(&progs, (enum seccomp_profile) - 1, false));
	assert_null(seccomp_program(NULL, SECCOMP_PROFILE_NET_OFF, false));
	assert_null(seccomp_program(&empty, SECCOMP_PROFILE_NET_OFF, false));
	seccomp_programs_free(&empty);
	seccomp_programs_free(NULL);
	/* The variants differ (notify vs errno, and by family filter). */
	assert_true(seccomp_program(&progs, SECCOMP_PROFILE_NET_OFF, false)->len !=
			    seccomp_program(&progs, SECCOMP_PROFILE_NET_FULL, false)->len ||
		    memcmp(seccomp_program(&progs, SECCOMP_PROFILE_NET_OFF, false)->filter,
			   seccomp_program(&progs, SECCOMP_PROFILE_NET_FULL, false)->filter,
			   seccomp_program(&progs, SECCOMP_PROFILE_NET_FULL, false)->len * 8) != 0);

	assert_int_equal(seccomp_install(NULL, false, NULL), -EINVAL);
	assert_int_equal(
		seccomp_install(seccomp_program(&progs, SECCOMP_PROFILE_NET_OFF, true), true, NULL),
		-EINVAL);
}

static void test_syscall_names(void **state)
{
	(void)state;
	assert_string_equal(seccomp_syscall_name(SYS_mount), "mount");
	assert_string_equal(seccomp_syscall_name(SYS_ptrace), "ptrace");
	assert_string_equal(seccomp_syscall_name(SYS_read), "read");
	assert_string_equal(seccomp_syscall_name(457), "statmount");
	assert_string_equal(seccomp_syscall_name(NR_OPEN_TREE_ATTR), "open_tree_attr");
	assert_string_equal(seccomp_syscall_name(469), "file_setattr");
	/* cached: the same pointer the second time */
	assert_ptr_equal(seccomp_syscall_name(SYS_mount), seccomp_syscall_name(SYS_mount));
	assert_null(seccomp_syscall_name(-1));
	assert_null(seccomp_syscall_name(480));
	assert_null(seccomp_syscall_name(100000));
}

/* Every number 0..1023 (and -1, x32, foreign ABIs) against the oracle. */
static void test_bpf_every_number(void **state)
{
	static const uint64_t zero[6], ones[6] = {~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL};
	static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
					  0};

	(void)state;
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++)
		for (int n = 0; n < n_variants(); n++)
			for (size_t ai = 0; ai < ARRAY_SIZE(arches); ai++) {
				for (uint32_t nr = 0; nr < 1024; nr++) {
					check_one(p, n, arches[ai], nr, zero);
					check_one(p, n, arches[ai], nr, ones);
					check_one(p, n, arches[ai], nr | X32_BIT, zero);
				}
				check_one(p, n, arches[ai], 0xffffffffU, zero);
				check_one(p, n, arches[ai], 0x7fffffffU, zero);
				check_one(p, n, arches[ai], 0x3fffffffU, zero);
			}
}

/* The argument filters, with adversarial and random arguments. */
static void test_bpf_arguments(void **state)
{
	static const uint32_t filtered[] = {SYS_clone,	    SYS_ioctl, SYS_personality,
					    SYS_socket,	    SYS_socketpair, SYS_open,
					    SYS_openat,	    SYS_utimensat, SYS_connect,
					    SYS_execve};
	static const uint64_t special[] = {0,
					   1,
					   2,
					   3,
					   9,
					   10,
					   11,
					   16,
					   17,
					   40,
					   0x8,
					   0x20000,
					   0x20008,
					   0x20009,
					   0x28,
					   0xffffffffULL,
					   0xfffffffeULL,
					   0x7fffffffULL,
					   0x0040000, /* ADDR_NO_RANDOMIZE */
					   0x5412,
					   0x541C,
					   0x5413,
					   0x5401,
					   CLONE_NEWUSER,
					   O_CREAT,
					   O_TRUNC,
					   O_RDONLY | O_CLOEXEC | O_DIRECTORY,
					   O_WRONLY | O_APPEND,
					   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
						   CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
						   CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
					   SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID};

	(void)state;
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++)
		for (int n = 0; n < n_variants(); n++)
			for (size_t fi = 0; fi < ARRAY_SIZE(filtered); fi++) {
				uint64_t a[6] = {0};

				for (size_t i = 0; i < ARRAY_SIZE(special); i++)
					for (size_t j = 0; j < ARRAY_SIZE(special); j++) {
						a[0] = special[i];
						a[1] = a[2] = special[j];
						check_one(p, n, AUDIT_ARCH_X86_64, filtered[fi], a);
						/* the same with garbage in the high halves */
						a[0] = special[i] | (rnd() << 32);
						a[1] = special[j] | (rnd() << 32);
						a[2] = special[j] | (rnd() << 32);
						check_one(p, n, AUDIT_ARCH_X86_64, filtered[fi], a);
					}
				for (int k = 0; k < 4000; k++) {
					for (int i = 0; i < 6; i++)
						a[i] = rnd();
					if (k & 1) { /* small values matter more */
						a[0] &= 0xff;
						a[1] &= 0xffff;
					}
					check_one(p, n, AUDIT_ARCH_X86_64, filtered[fi], a);
				}
				/* every single-bit and two-bit value of a 32-bit argument */
				for (int b1 = 0; b1 < 32; b1++)
					for (int b2 = b1; b2 < 32; b2++) {
						a[0] = a[1] = (1ULL << b1) | (1ULL << b2);
						check_one(p, n, AUDIT_ARCH_X86_64, filtered[fi], a);
						a[0] = a[1] = ~a[0] & 0xffffffffULL;
						check_one(p, n, AUDIT_ARCH_X86_64, filtered[fi], a);
					}
			}
}

static void child_refused_list(struct child_ctx *c, void *arg)
{
	enum seccomp_profile prof = (enum seccomp_profile)(intptr_t)arg;
	struct call calls[128];
	size_t n;
	int pty = open_pty_master();

	CHILD_CHECK(c, pty >= 0, "posix_openpt: %m");
	(void)setsid(); /* no controlling terminal: vhangup must have nothing to hang up */
	n = refused_calls(calls, ARRAY_SIZE(calls), pty);
	install_or_fail(c, prof);
	for (size_t i = 0; i < n; i++) {
		long r;

		errno = 0;
		r = do_call(&calls[i]);
		CHILD_CHECK(c, r == -1 && errno == EPERM,
			    "%s: returned %ld, errno %d (%s), want EPERM", calls[i].name, r, errno,
			    strerror(errno));
	}
}

static void test_refused_syscalls_eperm(void **state)
{
	(void)state;
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++)
		run_child(child_refused_list, (void *)(intptr_t)p);
}

static void child_clone3(struct child_ctx *c, void *arg)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = {.exit_signal = SIGCHLD};
	long r;

	(void)arg;
	install_or_fail(c, SECCOMP_PROFILE_NET_FULL);
	errno = 0;
	r = syscall(SYS_clone3, &args, sizeof(args));
	if (r == 0)
		_exit(0);
	CHILD_CHECK(c, r == -1 && errno == ENOSYS, "clone3: %ld errno %d, want ENOSYS", r, errno);
	errno = 0;
	r = syscall(470);
	CHILD_CHECK(c, r == -1 && errno == ENOSYS, "nr 470: %ld errno %d, want ENOSYS", r, errno);
	errno = 0;
	r = syscall(511);
	CHILD_CHECK(c, r == -1 && errno == ENOSYS, "nr 511: %ld errno %d, want ENOSYS", r, errno);
}

static void test_clone3_enosys(void **state)
{
	(void)state;
	run_child(child_clone3, NULL);
}

static void *thread_main(void *arg)
{
	*(int *)arg = 42;
	return NULL;
}

static void child_ordinary_work(struct child_ctx *c, void *arg)
{
	enum seccomp_profile prof = (enum seccomp_profile)(intptr_t)arg;
	char *const argv[] = {(char *)"true", NULL};
	char buf[64];
	int fd, p[2], st, seen = 0;
	pthread_t th;
	pid_t pid;
	void *m;
	long r;

	install_or_fail(c, prof);

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(c, fd >= 0, "open: %m");
	CHILD_CHECK(c, read(fd, buf, sizeof(buf)) > 0, "read: %m");
	close(fd);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(c, m != MAP_FAILED, "mmap: %m");
	munmap(m, 4096);
	CHILD_CHECK(c, pipe2(p, O_CLOEXEC) == 0, "pipe2: %m");
	CHILD_CHECK(c, write(p[1], "x", 1) == 1, "write: %m");
	close(p[0]);
	close(p[1]);

	/* fork() (glibc: clone with SIGCHLD|CHILD_SETTID|CHILD_CLEARTID) */
	pid = fork();
	CHILD_CHECK(c, pid >= 0, "fork: %m");
	if (pid == 0)
		_exit(7);
	CHILD_CHECK(c, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
		    "fork child status %#x", st);

	/* raw clone(SIGCHLD) */
	r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	CHILD_CHECK(c, r >= 0, "clone(SIGCHLD): %m");
	if (r == 0)
		_exit(8);
	CHILD_CHECK(c, waitpid((pid_t)r, &st, 0) == r && WEXITSTATUS(st) == 8, "clone child");

	/* fork + execve /bin/true */
	pid = fork();
	CHILD_CHECK(c, pid >= 0, "fork: %m");
	if (pid == 0) {
		execve("/bin/true", argv, environ);
		_exit(99);
	}
	CHILD_CHECK(c, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "execve /bin/true: status %#x", st);

	/* posix_spawn and pthread_create try clone3 first, then fall back */
	CHILD_CHECK(c, posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0,
		    "posix_spawn: %m");
	CHILD_CHECK(c, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "posix_spawn status %#x", st);
	CHILD_CHECK(c, pthread_create(&th, NULL, thread_main, &seen) == 0, "pthread_create");
	CHILD_CHECK(c, pthread_join(th, NULL) == 0 && seen == 42, "pthread_join");

	/* allowed personality values */
	CHILD_CHECK(c, personality(0xffffffff) >= 0, "personality(query): %m");
	CHILD_CHECK(c, personality(PER_LINUX) >= 0, "personality(PER_LINUX): %m");
	CHILD_CHECK(c, personality(PER_LINUX32) >= 0, "personality(PER_LINUX32): %m");
	CHILD_CHECK(c, personality(0xffffffff) == PER_LINUX32, "personality(query) after set");
	CHILD_CHECK(c, personality(PER_LINUX) >= 0, "personality(PER_LINUX): %m");
	CHILD_CHECK(c, syscall(SYS_personality, 0xffffffff00000000UL) >= 0,
		    "personality(high bits only): %m");

	/* AF_UNIX works in every profile */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(c, fd >= 0, "socket(AF_UNIX): %m");
	close(fd);
	CHILD_CHECK(c, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0,
		    "socketpair(AF_UNIX): %m");
	close(p[0]);
	close(p[1]);
}

static void test_ordinary_work(void **state)
{
	(void)state;
	for (int p = 0; p < _SECCOMP_PROFILE_MAX; p++)
		run_child(child_ordinary_work, (void *)(intptr_t)p);
}

static int try_socket(long domain, int type)
{
	long fd = syscall(SYS_socket, domain, (long)(type | SOCK_CLOEXEC), 0L);

	if (fd >= 0) {
		close((int)fd);
		return 0;
	}
	return errno;
}

static void child_net_off(struct child_ctx *c, void *arg)
{
	int sv[2], e;

	(void)arg;
	install_or_fail(c, SECCOMP_PROFILE_NET_OFF);
	CHILD_CHECK(c, (e = try_socket(AF_INET, SOCK_STREAM)) == EPERM, "AF_INET: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_INET, SOCK_DGRAM)) == EPERM, "AF_INET dgram: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_INET6, SOCK_STREAM)) == EPERM, "AF_INET6: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_NETLINK, SOCK_RAW)) == EPERM, "AF_NETLINK: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_PACKET, SOCK_RAW)) == EPERM, "AF_PACKET: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_VSOCK, SOCK_STREAM)) == EPERM, "AF_VSOCK: %d", e);
	CHILD_CHECK(c, (e = try_socket(0x100000001L, SOCK_STREAM)) == EPERM,
		    "AF_UNIX|high bits: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_UNIX, SOCK_STREAM)) == 0, "AF_UNIX: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_UNIX, SOCK_DGRAM)) == 0, "AF_UNIX dgram: %d", e);
	errno = 0;
	CHILD_CHECK(c, socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 && errno == EPERM,
		    "socketpair(AF_INET): %m");
	CHILD_CHECK(c, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		    "socketpair(AF_UNIX): %m");
}

static void test_net_off(void **state)
{
	(void)state;
	run_child(child_net_off, NULL);
}

static void child_net_proxy(struct child_ctx *c, void *arg)
{
	int sv[2], e;

	(void)arg;
	install_or_fail(c, SECCOMP_PROFILE_NET_PROXY);
	CHILD_CHECK(c, (e = try_socket(AF_INET, SOCK_STREAM)) == 0, "AF_INET: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_INET, SOCK_DGRAM)) == 0, "AF_INET dgram: %d", e);
	e = try_socket(AF_INET6, SOCK_STREAM);
	CHILD_CHECK(c, e == 0 || e == EAFNOSUPPORT, "AF_INET6: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_UNIX, SOCK_STREAM)) == 0, "AF_UNIX: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_NETLINK, SOCK_RAW)) == EPERM, "AF_NETLINK: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_PACKET, SOCK_DGRAM)) == EPERM, "AF_PACKET: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_VSOCK, SOCK_STREAM)) == EPERM, "AF_VSOCK: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_UNSPEC, SOCK_STREAM)) == EPERM, "AF_UNSPEC: %d", e);
	CHILD_CHECK(c, (e = try_socket(0x100000002L, SOCK_STREAM)) == EPERM,
		    "AF_INET|high bits: %d", e);
	CHILD_CHECK(c, (e = try_socket(0xffffffff0000000aL, SOCK_STREAM)) == EPERM,
		    "AF_INET6|high bits: %d", e);
	errno = 0;
	CHILD_CHECK(c, socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 && errno == EPERM,
		    "socketpair(AF_INET): %m");
	CHILD_CHECK(c, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		    "socketpair(AF_UNIX): %m");
}

static void test_net_proxy(void **state)
{
	(void)state;
	run_child(child_net_proxy, NULL);
}

static void child_net_full(struct child_ctx *c, void *arg)
{
	int e;

	(void)arg;
	install_or_fail(c, SECCOMP_PROFILE_NET_FULL);
	CHILD_CHECK(c, (e = try_socket(AF_INET, SOCK_STREAM)) == 0, "AF_INET: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_NETLINK, SOCK_RAW)) == 0, "AF_NETLINK: %d", e);
	CHILD_CHECK(c, (e = try_socket(AF_UNIX, SOCK_STREAM)) == 0, "AF_UNIX: %d", e);
}

static void test_net_full(void **state)
{
	(void)state;
	run_child(child_net_full, NULL);
}

/*
 * TIOCSTI on our own controlling terminal: without the filter the kernel
 * allows it (legacy_tiocsti=1 on this host, or root), so EPERM here is
 * the filter's doing.
 */
static void child_tiocsti(struct child_ctx *c, void *arg)
{
	char ch = 'x', sub = 11;
	int master, slave, control;
	long r;

	(void)arg;
	CHILD_CHECK(c, setsid() >= 0, "setsid: %m");
	master = open_pty_master();
	CHILD_CHECK(c, master >= 0, "posix_openpt: %m");
	slave = open(ptsname(master), O_RDWR | O_CLOEXEC); /* becomes our controlling tty */
	CHILD_CHECK(c, slave >= 0, "open slave: %m");

	control = ioctl(slave, TIOCSTI, &ch) == 0 ? 0 : errno;
	if (control != 0)
		child_note(c,
			   "TIOCSTI without the filter already fails (%s): the EPERM below "
			   "is shown by the notify test instead",
			   strerror(control));

	install_or_fail(c, SECCOMP_PROFILE_NET_FULL);
	errno = 0;
	r = ioctl(slave, TIOCSTI, &ch);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "TIOCSTI: %ld %m", r);
	errno = 0;
	r = syscall(SYS_ioctl, slave, 0x100005412UL, &ch);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "TIOCSTI|1<<32: %ld %m", r);
	errno = 0;
	r = syscall(SYS_ioctl, master, 0xdeadbeef00005412UL, &ch);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "TIOCSTI|garbage on master: %ld %m", r);
	errno = 0;
	r = ioctl(slave, TIOCLINUX, &sub);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "TIOCLINUX: %ld %m", r);
	/* ordinary terminal ioctls still work */
	{
		struct winsize ws;
		CHILD_CHECK(c, ioctl(slave, TIOCGWINSZ, &ws) == 0, "TIOCGWINSZ: %m");
		CHILD_CHECK(c, isatty(slave), "isatty: %m");
	}
}

static void test_tiocsti(void **state)
{
	(void)state;
	run_child(child_tiocsti, NULL);
}

static long int80_getpid(void)
{
	long ret;

	/* i386 getpid is 20; int $0x80 from 64-bit code uses the ia32 ABI */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(20L)
			 : "memory", "cc", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
	return ret;
}

static void child_int80_probe(struct child_ctx *c, void *arg)
{
	(void)c;
	(void)arg;
	/* Without IA32 emulation (or under valgrind) int 0x80 faults: die of it
	 * instead of running into cmocka's inherited handler. */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	_exit(int80_getpid() == getpid() ? 0 : 3);
}

static void child_foreign_abis(struct child_ctx *c, void *arg)
{
	bool int80 = (bool)(intptr_t)arg;
	long r;

	errno = 0;
	r = syscall(X32_BIT | SYS_getpid);
	if (r == -1 && errno == ENOSYS)
		child_note(c, "this kernel has no x32 ABI (ENOSYS before the filter); the filter "
			      "still sees and refuses the number");
	install_or_fail(c, SECCOMP_PROFILE_NET_FULL);
	errno = 0;
	r = syscall(X32_BIT | SYS_getpid);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "x32 getpid: %ld errno %d, want EPERM", r, errno);
	errno = 0;
	r = syscall(X32_BIT | SYS_unshare, CLONE_NEWUSER);
	CHILD_CHECK(c, r == -1 && errno == EPERM, "x32 unshare: %ld errno %d", r, errno);
	if (int80) {
		r = int80_getpid();
		CHILD_CHECK(c, (int)r == -EPERM, "int 0x80 getpid returned %ld, want -EPERM", r);
	}
	CHILD_CHECK(c, syscall(SYS_getpid) == getpid(), "native getpid");
}

static void test_foreign_abis(void **state)
{
	pid_t pid;
	int st;
	bool int80;

	(void)state;
	if (!have_seccomp)
		skip();
	/* Does int 0x80 work at all here (IA32 emulation)? */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_int80_probe(NULL, NULL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	int80 = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!int80)
		print_message("[   NOTE   ] int 0x80 unavailable (no IA32 emulation): i386 part "
			      "skipped\n");
	run_child(child_foreign_abis, (void *)(intptr_t)int80);
}

static void child_needs_nnp(struct child_ctx *c, void *arg)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];
	int r;

	(void)arg;
	/* run_child set no_new_privs; this child needs a fresh process without it */
	CHILD_CHECK(c, syscall(SYS_capget, &hdr, data) == 0, "capget: %m");
	data[0].effective = data[1].effective = 0; /* no CAP_SYS_ADMIN, even as root */
	CHILD_CHECK(c, syscall(SYS_capset, &hdr, data) == 0, "capset: %m");
	r = seccomp_install(seccomp_program(&progs, SECCOMP_PROFILE_NET_FULL, false), false, NULL);
	if (r == -ENOSYS)
		child_skip_no_seccomp(c);
	CHILD_CHECK(c, r == -EACCES, "install without no_new_privs: %d, want -EACCES", r);
}

static void test_install_needs_nnp(void **state)
{
	pid_t pid;
	int st, p[2];
	char buf[512] = "";
	ssize_t n;

	(void)state;
	if (!have_seccomp)
		skip();
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		print_message("[   SKIP   ] this process already has no_new_privs\n");
		skip();
	}
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_ctx c = {.report_fd = p[1]};
		close(p[0]);
		child_needs_nnp(&c, NULL);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (n > 6 && strncmp(buf, "SKIP: ", 6) == 0) {
		print_message("[   SKIP   ] %.*s", (int)n - 6, buf + 6);
		skip();
	}
	if (n > 0)
		fail_msg("%.*s", (int)n, buf);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------------------ notify */

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	char dummy = 'f';
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	char dummy;
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct notify_plan {
	struct call calls[128];
	size_t n;
	int sock; /* child's end of the socketpair */
};

static void child_notify(struct child_ctx *c, void *arg)
{
	struct notify_plan *np = arg;
	int listener = -1, r;
	char go;
	long ret;

	(void)setsid();
	r = seccomp_install(seccomp_program(&progs, SECCOMP_PROFILE_NET_OFF, true), true,
			    &listener);
	CHILD_CHECK(c, r == 0 && listener >= 0, "seccomp_install(listener): %s", strerror(-r));
	CHILD_CHECK(c, (fcntl(listener, F_GETFD) & FD_CLOEXEC) != 0, "listener not O_CLOEXEC");
	r = send_fd(np->sock, listener);
	CHILD_CHECK(c, r == 0, "send listener: %s", strerror(-r));
	close(listener);

	/* A nested listener is refused while ours exists. */
	r = seccomp_install(seccomp_program(&progs, SECCOMP_PROFILE_NET_OFF, true), true,
			    &listener);
	CHILD_CHECK(c, r == -EBUSY, "second listener: %d, want -EBUSY", r);

	for (size_t i = 0; i < np->n; i++) {
		errno = 0;
		ret = do_call(&np->calls[i]);
		CHILD_CHECK(c, ret == -1 && errno == SUPERVISOR_ERRNO,
			    "%s: returned %ld errno %d (%s), want the supervisor's answer",
			    np->calls[i].name, ret, errno, strerror(errno));
	}
	/* clone3 is answered by the filter itself, not the supervisor */
	errno = 0;
	ret = syscall(SYS_clone3, NULL, 0);
	CHILD_CHECK(c, ret == -1 && errno == ENOSYS, "clone3 under notify: %ld %m", ret);

	/* Tell the parent we are done, wait until it closed the listener. */
	CHILD_CHECK(c, write(np->sock, "d", 1) == 1, "write: %m");
	CHILD_CHECK(c, read(np->sock, &go, 1) == 1, "read: %m");
	errno = 0;
	ret = syscall(SYS_unshare, CLONE_NEWUSER);
	CHILD_CHECK(c, ret == -1 && errno == ENOSYS,
		    "refused call with the listener gone: %ld %m, want ENOSYS", ret);
}

static void test_notify(void **state)
{
	static struct notify_plan np;
	int sv[2], pty, listener, st, ok = 1;
	pid_t pid;
	char ch;
	size_t i;

	(void)state;
	if (!have_seccomp || !have_notify)
		skip();

	pty = open_pty_master();
	assert_true(pty >= 0);
	np.n = refused_calls(np.calls, ARRAY_SIZE(np.calls) - 2, pty);
	np.calls[np.n++] = (struct call){"socket(AF_INET)", SYS_socket, {AF_INET, SOCK_STREAM}};
	np.calls[np.n++] =
		(struct call){"socketpair(AF_INET)", SYS_socketpair, {AF_INET, SOCK_STREAM, 0}};
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	np.sock = sv[1];

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_ctx c = {.report_fd = 2};
		close(sv[0]);
		alarm(60);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail(&c, "PR_SET_NO_NEW_PRIVS: %m");
		child_notify(&c, &np);
		_exit(0);
	}
	close(sv[1]);

	listener = recv_fd(sv[0]);
	if (listener < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("did not receive the listener");
	}

	for (i = 0; i < np.n && ok; i++) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		struct pollfd pfd = {.fd = listener, .events = POLLIN};

		if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLIN)) {
			print_error("no notification for %s\n", np.calls[i].name);
			ok = 0;
			break;
		}
		memset(&req, 0, sizeof(req)); /* the kernel insists */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			print_error("NOTIF_RECV: %s\n", strerror(errno));
			ok = 0;
			break;
		}
		if (req.data.nr != np.calls[i].nr || req.data.arch != AUDIT_ARCH_X86_64 ||
		    req.pid != (uint32_t)pid) {
			print_error("%s: notification for nr %d arch %#x pid %u\n",
				    np.calls[i].name, req.data.nr, req.data.arch, req.pid);
			ok = 0;
		}
		if (np.calls[i].nr == SYS_ioctl && (uint32_t)req.data.args[1] != 0x5412 &&
		    (uint32_t)req.data.args[1] != 0x541C) {
			print_error("%s: ioctl request %#llx\n", np.calls[i].name,
				    (unsigned long long)req.data.args[1]);
			ok = 0;
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -SUPERVISOR_ERRNO;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
			print_error("NOTIF_SEND: %s\n", strerror(errno));
			ok = 0;
		}
	}

	if (ok && read(sv[0], &ch, 1) != 1) {
		print_error("child did not finish its calls\n");
		ok = 0;
	}
	close(listener);
	if (ok)
		(void)!write(sv[0], "g", 1);
	else
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(sv[0]);
	close(pty);
	assert_true(ok);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("notify child status %#x", st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_api),
		cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_bpf_every_number),
		cmocka_unit_test(test_bpf_arguments),
		cmocka_unit_test(test_refused_syscalls_eperm),
		cmocka_unit_test(test_clone3_enosys),
		cmocka_unit_test(test_ordinary_work),
		cmocka_unit_test(test_net_off),
		cmocka_unit_test(test_net_proxy),
		cmocka_unit_test(test_net_full),
		cmocka_unit_test(test_tiocsti),
		cmocka_unit_test(test_foreign_abis),
		cmocka_unit_test(test_install_needs_nnp),
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
