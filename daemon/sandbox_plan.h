/* SPDX-License-Identifier: MIT */
/*
 * From a decoded exec/start request, the caller's identity and root's
 * configuration to the exact sandbox to build: namespaces, the mount plan
 * (daemon/mounts.h), and what is refused.  Pure computation on strings the
 * main process already holds; no path is opened here (the sandbox child
 * resolves them with the caller's credentials).
 *
 * Process: main.
 */
#ifndef CX_SANDBOX_PLAN_H
#define CX_SANDBOX_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/landlock.h"
#include "daemon/mounts.h"
#include "daemon/supervisor.h"
#include "policy/modes.h"

struct daemon_config;
struct peer;

struct sandbox_plan {
	enum sandbox_mode mode;
	enum net_mode network;
	uint64_t clone_flags;   /* CLONE_NEW* */
	bool use_mounts;        /* mount is valid */
	struct mount_plan mount;
	struct landlock_plan *landlock; /* NULL: not applied (danger-full-access, or no Landlock) */
	/*
	 * What PID 1's supervisor enforces: deny_read when files are opened,
	 * and with a host /tmp which Unix sockets may be reached.  Points into
	 * this plan (set by sandbox_plan_build() on the plan it returns).
	 */
	struct supervisor_rules supervise;
	const char *glob_roots[MOUNTS_MAX_ROOTS + 1]; /* writable roots and cwd */
	bool unix_allowlist;    /* [network] allow_unix_sockets (borrowed from the input) */
	char *const *unix_sockets;
	size_t n_unix_sockets;
	char **owned;           /* strings the plan points into (freed by sandbox_plan_done) */
};

struct sandbox_plan_input {
	enum sandbox_mode mode;
	enum net_mode network;  /* after defaults */
	const char *cwd;
	char *const *request_roots;
	char *const *envp;      /* the command's environment (after the environment policy) */
	const struct peer *peer;
	const char *daemon_socket;
	gid_t tty_gid;
	int landlock_abi;       /* 0: the kernel has none */
	const char *home;       /* the caller's home (passwd), for its agent sockets */
	/* From the configuration layers (daemon/decide.c): */
	char *const *config_roots;      /* writable roots from configuration */
	bool exclude_slash_tmp, exclude_tmpdir_env_var;
	char *const *extra_deny;        /* more absolute paths to make unreadable */
	char *const *extra_readonly;    /* absolute paths to make read-only */
	/* [network] allow_unix_sockets after the layers (daemon/unix_allow.h): on, and the list */
	bool unix_allowlist;
	char *const *unix_sockets;
};

/*
 * Build the plan.  Returns 0, -EINVAL with err (a request that cannot be
 * honoured, e.g. more writable roots than allowed), or -ENOMEM.  Borrowed
 * strings (cfg, input) must outlive the spawn.
 */
int sandbox_plan_build(const struct daemon_config *cfg, const struct sandbox_plan_input *in,
		       struct sandbox_plan *ret, char *err, size_t errsz);
void sandbox_plan_done(struct sandbox_plan *p);

/* The value of NAME in a NAME=VALUE vector, or NULL (borrowed). */
const char *sandbox_env_get(char *const *envp, const char *name);

#endif
