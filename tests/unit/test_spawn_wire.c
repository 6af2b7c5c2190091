/* SPDX-License-Identifier: MIT */
/* Unit tests: a sandbox spec flattened for the spawner and back (daemon/spawn_wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/spawn_wire.h"
#include "daemon/supervisor.h"

static const gid_t groups[] = { 1000, 27, 100 };
static struct sock_filter insns[] = {
	{ 0x20, 0, 0, 4 }, { 0x15, 0, 1, 0xc000003e }, { 0x06, 0, 0, 0x7fff0000 },
};
static char root_path[] = "/", proj_path[] = "/home/u/p";
static const struct sock_fprog prog = { .len = 3, .filter = insns };
static const char *const deny[] = { "/home/u/.ssh", "/etc/shadow" };
static const char *const globs[] = { "**/*.env" };
static const char *const roots[] = { "/home/u/p", "/tmp" };
static const char *const allow[] = { "/run/user/1000/bus" };

struct fixture {
	struct mount_plan m;
	struct landlock_plan l;
	struct supervisor_rules r;
	struct sandbox_spec s;
};

static void fixture_init(struct fixture *f)
{
	static char a0[] = "/bin/sh", a1[] = "-c", a2[] = "echo hi";
	static char e0[] = "PATH=/usr/bin:/bin", e1[] = "HOME=/home/u";
	static char *argv[] = { a0, a1, a2, NULL };
	static char *envp[] = { e0, e1, NULL };

	memset(f, 0, sizeof(*f));
	f->m = (struct mount_plan){ .cwd = "/home/u/p", .n_roots = 2, .protect_metadata = true,
				    .n_masks = 1, .n_deny = 2, .n_deny_globs = 1, .n_run_keep = 1,
				    .uid = 1000, .gid = 1000, .groups = groups, .n_groups = 3,
				    .tty_gid = 5, .shm_bytes = 1 << 20, .private_tmp = true };
	f->m.roots[0] = roots[0];
	f->m.roots[1] = roots[1];
	f->m.masks[0] = "/run/codexd/codexd.sock";
	f->m.deny[0] = deny[0];
	f->m.deny[1] = deny[1];
	f->m.deny_globs[0] = globs[0];
	f->m.run_keep[0] = "systemd";
	f->l = (struct landlock_plan){ .abi = 4, .handled_fs = 0xffff, .n_paths = 2, .n_ports = 1 };
	f->l.paths[0] = (struct landlock_path_rule){ .path = root_path, .access = 7 };
	f->l.paths[1] = (struct landlock_path_rule){ .path = proj_path, .access = 0xffff,
						     .optional = true };
	f->l.ports[0] = (struct landlock_port_rule){ .port = 3128, .access = 2 };
	f->r = (struct supervisor_rules){ .features = 3, .deny = deny, .n_deny = 2,
					  .deny_globs = globs, .n_deny_globs = 1, .roots = roots,
					  .n_roots = 2, .unix_allowlist = true, .unix_allow = allow,
					  .n_unix_allow = 1 };
	f->s = (struct sandbox_spec){
		.argv = argv, .program = "/bin/sh", .envp = envp, .cwd = "/home/u/p",
		.priv = { .uid = 1000, .gid = 1000, .groups = groups, .n_groups = 3,
			  .cap_last_cap = 40 },
		.stdio = { 10, 11, 12 }, .status_fd = 99, .lifeline_fd = 13, .wait_go = true,
		.go_fd = 14, .carrier_signal = 34, .mounts = &f->m, .hostname = "codexd",
		.landlock = &f->l, .seccomp = &prog, .cgroup_procs = { 15, -1, 16 },
		.unshare_flags = CLONE_NEWNS | CLONE_NEWNET, .tty_sock = -1, .net_sock = 17,
		.tty_rows = 24, .tty_cols = 80, .rlimit_fsize = 1 << 30, .no_core = true,
		.seccomp_notify = &prog, .seccomp_notify_fs = true, .supervise = &f->r,
	};
}

/* The message as the spawner holds it: a copy in its own (aligned) buffer. */
static void *received(const struct spawn_wire *w)
{
	void *b = malloc(w->len);
	assert_non_null(b);
	memcpy(b, w->buf, w->len);
	return b;
}

static int decode_copy(const struct spawn_wire *w, size_t len, void **ret_buf,
		       const struct sandbox_spec **ret)
{
	int fds[SPAWN_WIRE_MAX_FDS];
	uint64_t flags;
	int cg;

	/* Descriptors arrive renumbered: 100 + index. */
	for (unsigned i = 0; i < w->n_fds; i++)
		fds[i] = 100 + (int)i;
	*ret_buf = received(w);
	return spawn_wire_decode(*ret_buf, len, fds, w->n_fds, ret, &flags, &cg);
}

static int fd_sent(const struct spawn_wire *w, int got)
{
	if (got == -1)
		return -1;
	assert_in_range(got, 100, 100 + (int)w->n_fds - 1);
	return w->fds[got - 100];
}

static void test_round_trip(void **state)
{
	struct fixture f;
	struct spawn_wire w;
	const struct sandbox_spec *s;
	uint64_t flags;
	int fds[SPAWN_WIRE_MAX_FDS], cg;
	void *buf;

	(void)state;
	fixture_init(&f);
	assert_int_equal(spawn_wire_encode(&f.s, CLONE_NEWPID, 18, &w), 0);
	assert_int_equal(w.n_fds, 9);
	for (unsigned i = 0; i < w.n_fds; i++)
		fds[i] = 100 + (int)i;
	buf = received(&w);
	/* The daemon's copy is gone before the spawner reads: nothing may point there. */
	memset(w.buf, 0xa5, w.len);
	assert_int_equal(spawn_wire_decode(buf, w.len, fds, w.n_fds, &s, &flags, &cg), 0);
	assert_int_equal(flags, CLONE_NEWPID);
	assert_int_equal(fd_sent(&w, cg), 18);

	assert_string_equal(s->argv[0], "/bin/sh");
	assert_string_equal(s->argv[2], "echo hi");
	assert_null(s->argv[3]);
	assert_string_equal(s->envp[1], "HOME=/home/u");
	assert_null(s->envp[2]);
	assert_string_equal(s->program, "/bin/sh");
	assert_string_equal(s->cwd, "/home/u/p");
	assert_string_equal(s->hostname, "codexd");
	assert_int_equal(s->priv.n_groups, 3);
	assert_memory_equal(s->priv.groups, groups, sizeof(groups));
	assert_int_equal(s->priv.cap_last_cap, 40);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fd_sent(&w, s->stdio[i]), 10 + i);
	assert_int_equal(s->status_fd, -1);
	assert_int_equal(fd_sent(&w, s->lifeline_fd), 13);
	assert_true(s->wait_go);
	assert_int_equal(fd_sent(&w, s->go_fd), 14);
	assert_int_equal(fd_sent(&w, s->cgroup_procs[0]), 15);
	assert_int_equal(s->cgroup_procs[1], -1);
	assert_int_equal(fd_sent(&w, s->cgroup_procs[2]), 16);
	assert_int_equal(s->tty_sock, -1);
	assert_int_equal(fd_sent(&w, s->net_sock), 17);
	assert_int_equal(s->unshare_flags, CLONE_NEWNS | CLONE_NEWNET);
	assert_int_equal(s->rlimit_fsize, 1 << 30);
	assert_true(s->no_core && s->seccomp_notify_fs);

	assert_non_null(s->mounts);
	assert_string_equal(s->mounts->cwd, "/home/u/p");
	assert_int_equal(s->mounts->n_roots, 2);
	assert_string_equal(s->mounts->roots[1], "/tmp");
	assert_null(s->mounts->roots[2]);
	assert_string_equal(s->mounts->masks[0], "/run/codexd/codexd.sock");
	assert_string_equal(s->mounts->deny[1], "/etc/shadow");
	assert_string_equal(s->mounts->deny_globs[0], "**/*.env");
	assert_string_equal(s->mounts->run_keep[0], "systemd");
	assert_memory_equal(s->mounts->groups, groups, sizeof(groups));
	assert_true(s->mounts->private_tmp && s->mounts->protect_metadata);

	assert_non_null(s->landlock);
	assert_int_equal(s->landlock->n_paths, 2);
	assert_string_equal(s->landlock->paths[1].path, "/home/u/p");
	assert_true(s->landlock->paths[1].optional);
	assert_int_equal(s->landlock->ports[0].port, 3128);

	assert_non_null(s->seccomp);
	assert_int_equal(s->seccomp->len, 3);
	assert_memory_equal(s->seccomp->filter, insns, sizeof(insns));
	assert_ptr_not_equal(s->seccomp, s->seccomp_notify); /* each its own copy */
	assert_memory_equal(s->seccomp_notify->filter, insns, sizeof(insns));

	assert_non_null(s->supervise);
	assert_int_equal(s->supervise->features, 3);
	assert_string_equal(s->supervise->deny[0], "/home/u/.ssh");
	assert_string_equal(s->supervise->deny_globs[0], "**/*.env");
	assert_string_equal(s->supervise->roots[1], "/tmp");
	assert_true(s->supervise->unix_allowlist);
	assert_string_equal(s->supervise->unix_allow[0], "/run/user/1000/bus");
	assert_null(s->supervise->unix_allow_fds);
	assert_null(s->supervise->socket_dirs);

	free(buf);
	spawn_wire_done(&w);
}

/* danger-full-access: no mounts, Landlock, seccomp or supervisor; no go byte. */
static void test_minimal(void **state)
{
	static char a0[] = "true";
	static char *argv[] = { a0, NULL };
	static char *envp[] = { NULL };
	struct sandbox_spec in = { .argv = argv, .envp = envp, .cwd = "/", .stdio = { 3, 4, 5 },
				   .status_fd = -1, .lifeline_fd = 6, .go_fd = 7,
				   .cgroup_procs = { -1, -1, -1 }, .tty_sock = -1,
				   .net_sock = -1 };
	const struct sandbox_spec *s;
	struct spawn_wire w;
	void *buf;

	(void)state;
	assert_int_equal(spawn_wire_encode(&in, CLONE_NEWPID, -1, &w), 0);
	assert_int_equal(w.n_fds, 4); /* go_fd is not sent without wait_go */
	assert_int_equal(decode_copy(&w, w.len, &buf, &s), 0);
	assert_null(s->program);
	assert_null(s->mounts);
	assert_null(s->landlock);
	assert_null(s->seccomp);
	assert_null(s->supervise);
	assert_null(s->priv.groups);
	assert_null(s->envp[0]);
	assert_int_equal(s->go_fd, -1);
	free(buf);
	spawn_wire_done(&w);
}

/* Every shorter message is refused (the header's size no longer matches). */
static void test_truncated(void **state)
{
	struct fixture f;
	struct spawn_wire w;
	const struct sandbox_spec *s;
	void *buf;

	(void)state;
	fixture_init(&f);
	assert_int_equal(spawn_wire_encode(&f.s, CLONE_NEWPID, -1, &w), 0);
	for (size_t len = 0; len < w.len; len += 8) {
		assert_int_equal(decode_copy(&w, len, &buf, &s), -EBADMSG);
		free(buf);
	}
	spawn_wire_done(&w);
}

/* Offsets pointing outside, unterminated strings, bad descriptor indices. */
static void test_corrupted(void **state)
{
	struct fixture f;
	struct spawn_wire w;
	struct spawn_wire_header h;
	struct sandbox_spec *raw;
	const struct sandbox_spec *s;
	int fds[SPAWN_WIRE_MAX_FDS] = { 0 };
	uint64_t flags;
	int cg;
	uint8_t *buf;

	(void)state;
	fixture_init(&f);
	assert_int_equal(spawn_wire_encode(&f.s, CLONE_NEWPID, -1, &w), 0);
	memcpy(&h, w.buf, sizeof(h));

#define TRY(mutation)                                                                              \
	do {                                                                                       \
		buf = received(&w);                                                                \
		raw = (struct sandbox_spec *)(buf + h.spec);                                       \
		mutation;                                                                          \
		assert_int_equal(spawn_wire_decode(buf, w.len, fds, w.n_fds, &s, &flags, &cg),     \
				 -EBADMSG);                                                        \
		free(buf);                                                                         \
	} while (0)

	TRY(raw->cwd = (const char *)(uintptr_t)(w.len + 64));
	TRY(raw->cwd = (const char *)(uintptr_t)1);            /* inside the header */
	TRY(raw->argv = (char *const *)(uintptr_t)(h.spec + 4)); /* misaligned */
	TRY(raw->argv = NULL);                                 /* argv is required */
	TRY(raw->mounts = (const struct mount_plan *)(uintptr_t)(w.len - 8));
	TRY(raw->stdio[1] = 11);                               /* index not received */
	TRY(raw->net_sock = -2);
	TRY(raw->status_fd = 0);
	TRY(raw->priv.n_groups = SIZE_MAX / 2);
	TRY(((struct spawn_wire_header *)buf)->magic ^= 1);
	TRY(((struct spawn_wire_header *)buf)->n_fds = 3);
	TRY(((struct spawn_wire_header *)buf)->spec = w.len);
#undef TRY
	spawn_wire_done(&w);
}

/* Every descriptor a spec can name (11) goes, each at its own index. */
static void test_all_fds(void **state)
{
	struct fixture f;
	struct spawn_wire w;
	const struct sandbox_spec *s;
	void *buf;

	(void)state;
	fixture_init(&f);
	f.s.tty_sock = 19;
	f.s.cgroup_procs[1] = 20;
	assert_int_equal(spawn_wire_encode(&f.s, CLONE_NEWPID, 21, &w), 0);
	assert_int_equal(w.n_fds, 11);
	assert_int_equal(decode_copy(&w, w.len, &buf, &s), 0);
	assert_int_equal(fd_sent(&w, s->tty_sock), 19);
	assert_int_equal(fd_sent(&w, s->cgroup_procs[1]), 20);
	free(buf);
	spawn_wire_done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_truncated),    cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_all_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
