/* SPDX-License-Identifier: MIT */
/* Unit tests: from request + configuration to the sandbox plan (daemon/sandbox_plan.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sched.h>
#include <string.h>

#include "daemon/conf.h"
#include "daemon/daemon.h"
#include "daemon/sandbox_plan.h"
#include "daemon/seccomp.h"

/* -Wwrite-strings: literals are const; vectors need mutable strings. */
#define S(x) ((char[]){ x })

static struct daemon_config *cfg;
static struct peer peer = { .uid = 1000, .gid = 1000 };

static int setup(void **state)
{
	(void)state;
	return conf_defaults(NULL, NULL, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	conf_free(cfg);
	return 0;
}

static bool has_root(const struct sandbox_plan *p, const char *path)
{
	for (size_t i = 0; i < p->mount.n_roots; i++)
		if (strcmp(p->mount.roots[i], path) == 0)
			return true;
	return false;
}

static bool has_mask(const struct sandbox_plan *p, const char *path)
{
	for (size_t i = 0; i < p->mount.n_masks; i++)
		if (strcmp(p->mount.masks[i], path) == 0)
			return true;
	return false;
}

static void build(struct sandbox_plan *p, enum sandbox_mode mode, enum net_mode net,
		  const char *cwd, char *const *roots, char *const *envp)
{
	struct sandbox_plan_input in = { .mode = mode, .network = net, .cwd = cwd,
					 .request_roots = roots, .envp = envp, .peer = &peer,
					 .daemon_socket = "/srv/codexd.sock", .tty_gid = 5,
					 /* what daemon/decide.c takes from the layers */
					 .config_roots = cfg->ww_writable_roots,
					 .exclude_slash_tmp = cfg->ww_exclude_slash_tmp,
					 .exclude_tmpdir_env_var = cfg->ww_exclude_tmpdir_env_var };
	char err[200];

	assert_int_equal(sandbox_plan_build(cfg, &in, p, err, sizeof(err)), 0);
}

static void test_workspace_write_roots(void **state)
{
	char *envp[] = { S("TMPDIR=/home/a/tmp"), S("PATH=/bin"), NULL };
	char *roots[] = { S("/home/a/cache"), S("/home/a/p/build"), S("/proc/self"), S("/run/user/1"), NULL };
	struct sandbox_plan p;

	(void)state;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", roots, envp);
	assert_true(p.use_mounts);
	assert_true(p.clone_flags & CLONE_NEWNS);
	assert_true(p.clone_flags & CLONE_NEWNET);
	assert_true(p.clone_flags & CLONE_NEWPID);
	assert_true(has_root(&p, "/home/a/p"));
	assert_true(has_root(&p, "/home/a/cache"));
	/* Default: a private tmpfs on /tmp, not the host's. */
	assert_false(has_root(&p, "/tmp"));
	assert_true(p.mount.private_tmp);
	assert_true(has_root(&p, "/home/a/tmp"));
	/* Nested in cwd: kept (its own .git is protected), after its parent. */
	assert_true(has_root(&p, "/home/a/p/build"));
	for (size_t i = 1; i < p.mount.n_roots; i++) {
		size_t a = 0, b = 0;
		for (const char *x = p.mount.roots[i - 1]; *x; x++)
			a += *x == '/';
		for (const char *x = p.mount.roots[i]; *x; x++)
			b += *x == '/';
		assert_true(a <= b);
	}
	/* Under /proc or /run: never writable. */
	assert_false(has_root(&p, "/proc/self"));
	assert_false(has_root(&p, "/run/user/1"));
	assert_true(p.mount.protect_metadata);
	assert_true(p.mount.create_codex_dir);
	sandbox_plan_done(&p);
}

static void test_host_tmp(void **state)
{
	char *envp[] = { S("TMPDIR=/tmp/me"), NULL };
	struct sandbox_plan p;

	(void)state;
	/* Private: a TMPDIR below /tmp stays a root (re-exposed or created inside). */
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, envp);
	assert_true(has_root(&p, "/tmp/me"));
	assert_false(has_root(&p, "/tmp"));
	sandbox_plan_done(&p);

	cfg->private_tmp = false;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, envp);
	assert_true(has_root(&p, "/tmp"));
	assert_true(has_root(&p, "/tmp/me")); /* nested in /tmp, attached after it */
	assert_false(p.mount.private_tmp);
	sandbox_plan_done(&p);
	cfg->private_tmp = true;

	/* read-only gets an empty, read-only private /tmp. */
	build(&p, SANDBOX_READ_ONLY, NET_OFF, "/home/a/p", NULL, envp);
	assert_true(p.mount.private_tmp);
	assert_true(p.mount.private_tmp_readonly);
	assert_int_equal(p.mount.n_roots, 0);
	sandbox_plan_done(&p);
}

static void test_read_only_and_full(void **state)
{
	struct sandbox_plan p;

	(void)state;
	build(&p, SANDBOX_READ_ONLY, NET_OFF, "/home/a/p", NULL, NULL);
	assert_true(p.use_mounts);
	assert_int_equal(p.mount.n_roots, 0);
	assert_false(p.mount.protect_metadata);
	sandbox_plan_done(&p);

	build(&p, SANDBOX_DANGER_FULL_ACCESS, NET_FULL, "/home/a/p", NULL, NULL);
	assert_false(p.use_mounts);
	assert_int_equal(p.clone_flags, CLONE_NEWPID);
	sandbox_plan_done(&p);

	build(&p, SANDBOX_DANGER_FULL_ACCESS, NET_OFF, "/", NULL, NULL);
	assert_true(p.clone_flags & CLONE_NEWNET);
	assert_int_equal(p.clone_flags, CLONE_NEWPID | CLONE_NEWNET);
	sandbox_plan_done(&p);

	/* Proxied: its own network namespace, and a mount namespace for resolv.conf only. */
	build(&p, SANDBOX_DANGER_FULL_ACCESS, NET_PROXY, "/", NULL, NULL);
	assert_false(p.use_mounts);
	assert_int_equal(p.clone_flags, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS);
	assert_null(p.landlock);
	sandbox_plan_done(&p);

	build(&p, SANDBOX_WORKSPACE_WRITE, NET_FULL, "/home/a/p", NULL, NULL);
	assert_false(p.clone_flags & CLONE_NEWNET);
	sandbox_plan_done(&p);
}

static void test_socket_masks(void **state)
{
	char *envp[] = { S("SSH_AUTH_SOCK=/tmp/ssh-x/agent.1"),
			 S("DBUS_SESSION_BUS_ADDRESS=unix:path=/home/a/.bus,guid=abc"),
			 S("DOCKER_HOST=unix:///home/a/docker.sock"),
			 S("GPG_AGENT_INFO=/home/a/.gnupg/S.gpg-agent:123:1"),
			 S("XDG_RUNTIME_DIR=/var/xdg/1000"), NULL };
	struct sandbox_plan p;

	(void)state;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, envp);
	assert_true(has_mask(&p, "/tmp/ssh-x/agent.1"));
	assert_true(has_mask(&p, "/home/a/.bus"));
	assert_true(has_mask(&p, "/home/a/docker.sock"));
	assert_true(has_mask(&p, "/home/a/.gnupg/S.gpg-agent"));
	assert_true(has_mask(&p, "/var/run/docker.sock"));
	assert_true(has_mask(&p, "/srv/codexd.sock"));
	/* A runtime directory outside /run is hidden whole. */
	assert_int_equal(p.mount.n_deny, 1);
	assert_string_equal(p.mount.deny[0], "/var/xdg/1000");
	sandbox_plan_done(&p);
}

/* What the supervisor is asked to enforce (deny_read, a host /tmp). */
static void test_supervise_rules(void **state)
{
	char *deny[] = { S("/home/a/.ssh"), S("**/*.env"), S("/srv/*/key"), NULL };
	char **saved = cfg->deny_read;
	bool saved_tmp = cfg->private_tmp;
	struct sandbox_plan p;
	bool have_tmp = false;

	(void)state;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, NULL);
	assert_int_equal(p.supervise.features, 0); /* nothing denied, a private /tmp */
	sandbox_plan_done(&p);

	cfg->deny_read = deny;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, NULL);
	assert_int_equal(p.supervise.features, SECCOMP_FEATURE_OPEN);
	/* Paths are masked too; patterns only checked (and scanned for). */
	assert_int_equal(p.mount.n_deny, 1);
	assert_string_equal(p.mount.deny[0], "/home/a/.ssh");
	assert_int_equal(p.mount.n_deny_globs, 2);
	assert_ptr_equal(p.supervise.deny, p.mount.deny);
	assert_int_equal(p.supervise.n_deny_globs, 2);
	assert_true(p.supervise.n_roots >= 1);
	assert_string_equal(p.supervise.roots[0], "/home/a/p");
	sandbox_plan_done(&p);

	/* Read-only: the working directory is where relative patterns apply. */
	build(&p, SANDBOX_READ_ONLY, NET_OFF, "/home/a/q", NULL, NULL);
	assert_int_equal(p.supervise.n_roots, 1);
	assert_string_equal(p.supervise.roots[0], "/home/a/q");
	sandbox_plan_done(&p);

	/* The host's /tmp: sockets below the scanned directories. */
	cfg->private_tmp = false;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, NULL);
	assert_int_equal(p.supervise.features, SECCOMP_FEATURE_OPEN | SECCOMP_FEATURE_UNIX);
	for (size_t i = 0; i < p.supervise.n_socket_dirs; i++)
		have_tmp = have_tmp || strcmp(p.supervise.socket_dirs[i], "/tmp") == 0;
	assert_true(have_tmp);
	sandbox_plan_done(&p);

	/* No sandbox, nothing enforced by the supervisor. */
	build(&p, SANDBOX_DANGER_FULL_ACCESS, NET_OFF, "/", NULL, NULL);
	assert_int_equal(p.supervise.features, 0);
	sandbox_plan_done(&p);
	cfg->deny_read = saved;
	cfg->private_tmp = saved_tmp;
}

static void test_exclusions(void **state)
{
	char *envp[] = { S("TMPDIR=/home/a/tmp"), NULL };
	struct sandbox_plan p;

	(void)state;
	cfg->ww_exclude_slash_tmp = true;
	cfg->ww_exclude_tmpdir_env_var = true;
	cfg->private_tmp = false;
	build(&p, SANDBOX_WORKSPACE_WRITE, NET_OFF, "/home/a/p", NULL, envp);
	assert_false(has_root(&p, "/tmp"));
	assert_false(has_root(&p, "/home/a/tmp"));
	assert_int_equal(p.mount.n_roots, 1);
	sandbox_plan_done(&p);
	cfg->ww_exclude_slash_tmp = false;
	cfg->ww_exclude_tmpdir_env_var = false;
	cfg->private_tmp = true;
}

static void test_too_many_roots(void **state)
{
	char *roots[MOUNTS_MAX_ROOTS + 3];
	char names[MOUNTS_MAX_ROOTS + 2][32];
	struct sandbox_plan_input in = { .mode = SANDBOX_WORKSPACE_WRITE, .cwd = "/w",
					 .peer = &peer, .request_roots = roots };
	struct sandbox_plan p;
	char err[200];

	(void)state;
	for (int i = 0; i < MOUNTS_MAX_ROOTS + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "/r%d", i);
		roots[i] = names[i];
	}
	roots[MOUNTS_MAX_ROOTS + 2] = NULL;
	assert_int_equal(sandbox_plan_build(cfg, &in, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many writable roots"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workspace_write_roots),
		cmocka_unit_test(test_read_only_and_full),
		cmocka_unit_test(test_host_tmp),
		cmocka_unit_test(test_socket_masks),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_supervise_rules),
		cmocka_unit_test(test_too_many_roots),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
