/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: /etc/codexd/codexd.conf plus
 * the drop-ins in codexd.conf.d (codexd.conf(5)), validated whole into a struct
 * daemon_config.  A reload builds a new struct and swaps it in only if
 * everything validated; the running one is never modified.
 *
 * Process: main.
 */
#ifndef CX_CONF_H
#define CX_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/log.h"
#include "policy/approval.h"
#include "policy/env_policy.h"
#include "policy/modes.h"
#include "policy/roles.h"

struct conf_doc;

struct daemon_config {
	char **files; /* files that were read, in order (NULL-terminated) */

	/* [daemon] */
	char *socket_path;
	char *socket_group; /* group owning the socket; default: the member group */
	char *state_dir;
	char *audit_log;
	enum log_level log_level;
	uint32_t max_frame_bytes;
	uint32_t max_connections;
	uint32_t max_connections_per_uid;
	uint32_t max_execs;
	uint32_t max_execs_per_uid;
	uint32_t output_buffer_bytes;
	int64_t default_timeout_ms; /* 0: none */
	int64_t max_timeout_ms;     /* 0: no ceiling */

	/* [roles] */
	char *role_group_names[_ROLE_MAX];
	struct role_groups role_groups; /* resolved when loaded */

	/* Top level (Codex-compatible keys). */
	enum sandbox_mode sandbox_mode;
	struct approval_config approval; /* approval_policy (+ [approval_policy.granular]) */
	/* Keys the administrator set: user layers may not loosen them (policy/layers.h). */
	bool sandbox_mode_set, approval_set, ww_network_access_set, ww_exclude_set;

	/* [approvals] */
	int64_t approvals_timeout_ms; /* a pending approval is denied after this */
	char *reviewer;               /* program asked when no client can answer, or NULL */
	char *reviewer_user;          /* it runs as this user (default "nobody") */
	uid_t reviewer_uid;           /* resolved when loaded */
	gid_t reviewer_gid;
	int64_t reviewer_timeout_ms;
	bool allow_rules_bypass_sandbox; /* Codex: all-allow-rule commands run unsandboxed */

	/* [requirements]: what users may choose at all (0 masks: anything) */
	unsigned allowed_sandbox_modes;     /* bit per enum sandbox_mode */
	unsigned allowed_approval_policies; /* bit per enum approval_policy */
	bool user_writable_roots;           /* users may add writable roots */
	bool user_network_access;           /* users may turn network_access on */
	bool user_layers;                   /* read users' and projects' config.toml at all */

	/* [sandbox_workspace_write] (Codex's names) */
	char **ww_writable_roots;
	bool ww_network_access;
	bool ww_exclude_tmpdir_env_var;
	bool ww_exclude_slash_tmp;
	bool ww_allow_git_writes; /* git objects/refs/index writable; config and hooks never */

	/* [sandbox] */
	char **deny_read;          /* absolute paths and path patterns unreadable in every sandbox */
	uint32_t shm_size_mb;      /* the private /dev/shm */
	bool protect_codex_dir;    /* create a missing .codex in cwd to keep it read-only */
	bool require_seccomp;      /* refuse sandboxed work without seccomp (default true) */
	bool private_tmp;          /* tmp = "private" (default) or "host" */
	uint32_t tmp_size_mb;      /* size of a private /tmp */
	bool require_landlock;     /* refuse sandboxed work without Landlock (default false) */

	/* [limits] (per exec) */
	uint32_t memory_max_mb;    /* 0: none */
	uint32_t pids_max;         /* 0: none */
	uint32_t cpu_percent;      /* 0: none; 100 = one CPU */
	uint32_t max_file_size_mb; /* RLIMIT_FSIZE; 0: unlimited */
	uint32_t max_open_files;   /* RLIMIT_NOFILE; 0: inherited */
	bool allow_core_dumps;     /* false: RLIMIT_CORE 0 */

	/* [network]: the proxy (daemon/proxy.c) and the domain policy (daemon/net_policy.c) */
	bool net_enabled;             /* network = "proxy" may be used at all */
	bool net_limited;             /* mode = "limited": GET, HEAD, OPTIONS only */
	char **net_allowed_domains;   /* managed allowlist; users stay inside it when set */
	char **net_denied_domains;    /* always denied */
	bool net_allow_local_binding; /* local/private destinations allowed */
	bool net_user_domains;        /* users and requests may add allowed domains */
	bool net_prompt_on_miss;      /* an allowlist miss asks the caller (approval/request) */
	char *net_dns_server;         /* the worker's upstream resolver ("IP[:PORT]"), or NULL */
	char *net_proxy_user;         /* the worker runs as this user */
	char *net_proxy_program;      /* codexd-proxy; NULL: next to codexd */
	/* allow_unix_sockets: set (even []): only these host Unix sockets (and the
	 * sandbox's own) can be connected to; NULL: sockets are masked (daemon/unix_allow.h) */
	char **net_unix_sockets;

	/* [shell_environment_policy] */
	struct env_policy env;

	/* [audit], [otel], [sessions] (daemon/audit_conf.h) */
	struct audit_config *audit;

	/* Everything read, for config/show (pass-through keys included). */
	struct conf_doc *doc;
};

/*
 * Load path (and its drop-in directory path + ".d") into a new config.
 * A missing main file means built-in defaults.  Errors: -errno with err
 * "file:line: message".  socket/state_dir overrides (may be NULL) come from
 * the command line and win over the files.
 */
int conf_load(const char *path, const char *socket_override, const char *state_dir_override,
	      struct daemon_config **ret, char *err, size_t errsz);

/* Built-in defaults only (no file). */
int conf_defaults(const char *socket_override, const char *state_dir_override,
		  struct daemon_config **ret);

void conf_free(struct daemon_config *c);

/*
 * The configuration as JSON (for config/show), values and their origins.
 * redact hides values a non-admin must not read ([shell_environment_policy.set]
 * may carry credentials).
 */
struct json_t;
struct json_t *conf_to_json(const struct daemon_config *c, bool origins, bool redact);

/*
 * Print every key the configuration accepts, one per line, tab-separated:
 * section ("" at the top level; "*" stands for any name), key, type,
 * built-in default as JSON ("-" when computed) and the layers that may set
 * it ("managed", or "managed,user" / "user": see policy/layers.h).  For
 * codexd --list-config-keys, which the manual-page tests use.  Returns 0
 * or -errno.  Process: main (start-up).
 */
int conf_list_keys(FILE *f);

/* Every entry of doc as {section: {key: value}} (a user's own file, shown to that user). */
struct json_t *conf_doc_to_json(const struct conf_doc *doc);

#endif
