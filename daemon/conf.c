/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/cxlimits.h"
#include "common/log.h"
#include "common/path_util.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/audit_conf.h"
#include "daemon/conf.h"
#include "policy/domains.h"
#include "policy/layers.h"
#include "policy/pathglob.h"

enum conf_kind {
	CK_PATH,     /* char *, absolute normalised path */
	CK_NAME,     /* char *, a group name */
	CK_U32,      /* uint32_t in [min, max] */
	CK_I64,      /* int64_t in [min, max] */
	CK_BOOL,     /* bool */
	CK_SANDBOX,  /* enum sandbox_mode */
	CK_LOGLEVEL, /* enum log_level */
	CK_INHERIT,  /* enum env_inherit */
	CK_GLOBS,    /* char ** of env-name globs */
	CK_PATHS,    /* char ** of absolute, normalised paths */
	CK_TMP,      /* bool private_tmp from "private" | "host" */
	CK_APPROVAL, /* struct approval_config from a policy name */
	CK_MODES,    /* unsigned mask of sandbox modes */
	CK_POLICIES, /* unsigned mask of approval policies */
	CK_DENY,     /* char ** of absolute paths and path patterns (deny_read) */
	CK_DOMAINS,  /* char ** of domain patterns (policy/domains.h); max 1: deny list */
	CK_NETMODE,  /* bool limited from "full" | "limited" */
	CK_HOSTPORT, /* char *, "IP" or "IP:PORT" */
	CK_U64,      /* uint64_t in [min, max] */
	CK_ENUM,     /* int: index into names */
	CK_TEXT,     /* char *, 1 to 256 printable characters */
	CK_URL,      /* char *, an http:// or https:// URL */
	CK_HEADERS,  /* char ** of at most max "Name: value" HTTP headers */
};

struct conf_key {
	const char *section;
	const char *key;
	enum conf_kind kind;
	size_t offset;
	int64_t min, max;
	bool audit;               /* offset is into struct audit_config (c->audit) */
	const char *const *names; /* CK_ENUM: the values, NULL-terminated */
};

#define OFF(field) offsetof(struct daemon_config, field)
#define AOFF(field) offsetof(struct audit_config, field)
#define AUDIT .audit = true

/* Every key codexd enforces (codexd.conf(5) documents each). */
static const struct conf_key keys[] = {
	{ "", "sandbox_mode", CK_SANDBOX, OFF(sandbox_mode) },
	{ "", "approval_policy", CK_APPROVAL, OFF(approval) },
	{ "daemon", "socket", CK_PATH, OFF(socket_path) },
	{ "daemon", "socket_group", CK_NAME, OFF(socket_group) },
	{ "daemon", "state_dir", CK_PATH, OFF(state_dir) },
	{ "daemon", "audit_log", CK_PATH, OFF(audit_log) },
	{ "daemon", "log_level", CK_LOGLEVEL, OFF(log_level) },
	{ "daemon", "max_frame_bytes", CK_U32, OFF(max_frame_bytes), CX_MAX_FRAME_MIN,
	  CX_MAX_FRAME_CEILING },
	{ "daemon", "max_connections", CK_U32, OFF(max_connections), 1, 65536 },
	{ "daemon", "max_connections_per_uid", CK_U32, OFF(max_connections_per_uid), 1, 65536 },
	{ "daemon", "max_execs", CK_U32, OFF(max_execs), 1, 65536 },
	{ "daemon", "max_execs_per_uid", CK_U32, OFF(max_execs_per_uid), 1, 65536 },
	{ "daemon", "output_buffer_bytes", CK_U32, OFF(output_buffer_bytes), 64 * 1024,
	  CX_CONN_WQUEUE_HARD },
	{ "daemon", "default_timeout_ms", CK_I64, OFF(default_timeout_ms), 0, CX_MAX_TIMEOUT_MS },
	{ "daemon", "max_timeout_ms", CK_I64, OFF(max_timeout_ms), 0, CX_MAX_TIMEOUT_MS },
	{ "roles", "admin_group", CK_NAME, OFF(role_group_names[ROLE_ADMIN]) },
	{ "roles", "member_group", CK_NAME, OFF(role_group_names[ROLE_MEMBER]) },
	{ "roles", "viewer_group", CK_NAME, OFF(role_group_names[ROLE_VIEWER]) },
	{ "sandbox_workspace_write", "writable_roots", CK_PATHS, OFF(ww_writable_roots), 0,
	  CX_MAX_WRITABLE_ROOTS },
	{ "sandbox_workspace_write", "network_access", CK_BOOL, OFF(ww_network_access) },
	{ "sandbox_workspace_write", "exclude_tmpdir_env_var", CK_BOOL,
	  OFF(ww_exclude_tmpdir_env_var) },
	{ "sandbox_workspace_write", "exclude_slash_tmp", CK_BOOL, OFF(ww_exclude_slash_tmp) },
	{ "sandbox_workspace_write", "allow_git_writes", CK_BOOL, OFF(ww_allow_git_writes) },
	{ "sandbox", "deny_read", CK_DENY, OFF(deny_read), 0, 256 },
	{ "sandbox", "shm_size_mb", CK_U32, OFF(shm_size_mb), 1, 65536 },
	{ "sandbox", "protect_codex_dir", CK_BOOL, OFF(protect_codex_dir) },
	{ "sandbox", "require_seccomp", CK_BOOL, OFF(require_seccomp) },
	{ "sandbox", "tmp", CK_TMP, OFF(private_tmp) },
	{ "sandbox", "tmp_size_mb", CK_U32, OFF(tmp_size_mb), 1, 1024 * 1024 },
	{ "sandbox", "require_landlock", CK_BOOL, OFF(require_landlock) },
	{ "limits", "memory_max_mb", CK_U32, OFF(memory_max_mb), 0, 16 * 1024 * 1024 },
	{ "limits", "pids_max", CK_U32, OFF(pids_max), 0, 4194304 },
	{ "limits", "cpu_percent", CK_U32, OFF(cpu_percent), 0, 100000 },
	{ "limits", "max_file_size_mb", CK_U32, OFF(max_file_size_mb), 0, 16 * 1024 * 1024 },
	{ "limits", "max_open_files", CK_U32, OFF(max_open_files), 0, 1048576 },
	{ "limits", "allow_core_dumps", CK_BOOL, OFF(allow_core_dumps) },
	{ "approvals", "timeout_ms", CK_I64, OFF(approvals_timeout_ms), 100, CX_MAX_TIMEOUT_MS },
	{ "approvals", "reviewer", CK_PATH, OFF(reviewer) },
	{ "approvals", "reviewer_user", CK_NAME, OFF(reviewer_user) },
	{ "approvals", "reviewer_timeout_ms", CK_I64, OFF(reviewer_timeout_ms), 100,
	  24 * 3600 * 1000 },
	{ "approvals", "allow_rules_bypass_sandbox", CK_BOOL, OFF(allow_rules_bypass_sandbox) },
	{ "requirements", "allowed_sandbox_modes", CK_MODES, OFF(allowed_sandbox_modes) },
	{ "requirements", "allowed_approval_policies", CK_POLICIES,
	  OFF(allowed_approval_policies) },
	{ "requirements", "user_writable_roots", CK_BOOL, OFF(user_writable_roots) },
	{ "requirements", "user_network_access", CK_BOOL, OFF(user_network_access) },
	{ "requirements", "user_layers", CK_BOOL, OFF(user_layers) },
	{ "network", "enabled", CK_BOOL, OFF(net_enabled) },
	{ "network", "mode", CK_NETMODE, OFF(net_limited) },
	{ "network", "allowed_domains", CK_DOMAINS, OFF(net_allowed_domains), 0, 0 },
	{ "network", "denied_domains", CK_DOMAINS, OFF(net_denied_domains), 1, 1 },
	{ "network", "allow_local_binding", CK_BOOL, OFF(net_allow_local_binding) },
	{ "network", "user_domains", CK_BOOL, OFF(net_user_domains) },
	{ "network", "prompt_on_miss", CK_BOOL, OFF(net_prompt_on_miss) },
	{ "network", "dns_server", CK_HOSTPORT, OFF(net_dns_server) },
	{ "network", "proxy_user", CK_NAME, OFF(net_proxy_user) },
	{ "network", "proxy_program", CK_PATH, OFF(net_proxy_program) },
	{ "network", "allow_unix_sockets", CK_PATHS, OFF(net_unix_sockets), 0, 64 },
	{ "shell_environment_policy", "inherit", CK_INHERIT, OFF(env.inherit) },
	{ "shell_environment_policy", "ignore_default_excludes", CK_BOOL,
	  OFF(env.ignore_default_excludes) },
	{ "shell_environment_policy", "exclude", CK_GLOBS, OFF(env.exclude) },
	{ "shell_environment_policy", "include_only", CK_GLOBS, OFF(env.include_only) },
	/* [audit], [otel], [sessions]: struct audit_config (daemon/audit_conf.h) */
	{ "audit", "enabled", CK_BOOL, AOFF(enabled), AUDIT },
	{ "audit", "on_failure", CK_ENUM, AOFF(on_failure), AUDIT, .names = audit_on_failure_names },
	{ "audit", "fsync", CK_ENUM, AOFF(fsync), AUDIT, .names = audit_fsync_names },
	{ "audit", "fsync_interval_ms", CK_U32, AOFF(fsync_interval_ms), 10, 3600 * 1000, AUDIT },
	{ "audit", "max_file_size", CK_U64, AOFF(max_file_bytes), 4096,
	  (int64_t)1024 * 1024 * 1024 * 1024, AUDIT },
	{ "audit", "max_files", CK_U32, AOFF(max_files), 0, 100000, AUDIT },
	{ "audit", "pending_max_bytes", CK_U32, AOFF(pending_max_bytes), 64 * 1024,
	  256 * 1024 * 1024, AUDIT },
	{ "audit", "append_only", CK_BOOL, AOFF(append_only), AUDIT },
	{ "audit", "journald", CK_BOOL, AOFF(journald), AUDIT },
	{ "audit", "syslog", CK_BOOL, AOFF(syslog), AUDIT },
	{ "audit", "hmac_key_file", CK_PATH, AOFF(hmac_key_file), AUDIT },
	{ "otel", "exporter", CK_ENUM, AOFF(otel_exporter), AUDIT, .names = otel_exporter_names },
	{ "otel", "endpoint", CK_URL, AOFF(otel_endpoint), AUDIT },
	{ "otel", "headers", CK_HEADERS, AOFF(otel_headers), 0, AUDIT_MAX_HEADERS, AUDIT },
	{ "otel", "environment", CK_TEXT, AOFF(otel_environment), AUDIT },
	{ "otel", "log_command_args", CK_BOOL, AOFF(otel_log_command_args), AUDIT },
	{ "otel", "queue_max", CK_U32, AOFF(otel_queue_max), 16, 1000000, AUDIT },
	{ "otel", "batch_max", CK_U32, AOFF(otel_batch_max), 1, 10000, AUDIT },
	{ "otel", "interval_ms", CK_U32, AOFF(otel_interval_ms), 10, 600000, AUDIT },
	{ "otel", "timeout_ms", CK_U32, AOFF(otel_timeout_ms), 100, 600000, AUDIT },
	{ "sessions", "max_sessions", CK_U32, AOFF(sessions_max), 1, 65536, AUDIT },
	{ "sessions", "max_sessions_per_uid", CK_U32, AOFF(sessions_max_per_uid), 1, 65536, AUDIT },
	{ "sessions", "secrets_dir", CK_PATH, AOFF(secrets_dir), AUDIT },
	{ "sessions", "setup_network", CK_BOOL, AOFF(setup_network), AUDIT },
	{ "sessions", "setup_timeout_ms", CK_I64, AOFF(setup_timeout_ms), 100, 24 * 3600 * 1000,
	  AUDIT },
	{ "sessions", "idle_timeout_ms", CK_I64, AOFF(sessions_idle_timeout_ms), 0,
	  (int64_t)30 * 24 * 3600 * 1000, AUDIT },
};

#define ENV_SET_SECTION "shell_environment_policy.set"
#define GRANULAR_SECTION "approval_policy.granular"

/* Sections that belong to codexd: an unknown key there is a typo, not pass-through. */
static const char *const owned_sections[] = { "daemon", "roles", "shell_environment_policy",
					      ENV_SET_SECTION, "sandbox_workspace_write", "sandbox",
					      "limits", "approvals", "requirements",
					      GRANULAR_SECTION, "network", "audit", "otel",
					      "sessions" };

/* Where each key's value came from (parallel to keys[]). */
struct origins {
	char *where[ARRAY_SIZE(keys)];
	char *granular; /* file:line of the first [approval_policy.granular] entry */
};

void conf_free(struct daemon_config *c)
{
	if (!c)
		return;
	strv_free(c->files);
	free(c->socket_path);
	free(c->socket_group);
	free(c->state_dir);
	free(c->audit_log);
	free(c->reviewer);
	free(c->reviewer_user);
	strv_free(c->ww_writable_roots);
	strv_free(c->deny_read);
	strv_free(c->net_allowed_domains);
	strv_free(c->net_denied_domains);
	strv_free(c->net_unix_sockets);
	free(c->net_dns_server);
	free(c->net_proxy_user);
	free(c->net_proxy_program);
	for (int i = 0; i < _ROLE_MAX; i++)
		free(c->role_group_names[i]);
	env_policy_done(&c->env);
	audit_conf_free(c->audit);
	conf_doc_free(c->doc);
	free(c);
}

static struct daemon_config *conf_new_defaults(void)
{
	struct daemon_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->socket_path = strdup(CX_DEFAULT_SOCKET);
	c->state_dir = strdup(CX_DEFAULT_STATE_DIR);
	c->log_level = LOG_LEVEL_INFO;
	c->max_frame_bytes = CX_MAX_FRAME_DEFAULT;
	c->max_connections = CX_MAX_CONNECTIONS_DEFAULT;
	c->max_connections_per_uid = CX_MAX_CONNECTIONS_PER_UID_DEFAULT;
	c->max_execs = CX_MAX_EXECS_DEFAULT;
	c->max_execs_per_uid = CX_MAX_EXECS_PER_UID_DEFAULT;
	c->output_buffer_bytes = CX_CONN_WQUEUE_HIGH;
	c->role_group_names[ROLE_ADMIN] = strdup("codexd-admin");
	c->role_group_names[ROLE_MEMBER] = strdup("codexd");
	c->role_group_names[ROLE_VIEWER] = strdup("codexd-viewer");
	c->role_group_names[ROLE_NONE] = strdup("-");
	c->sandbox_mode = SANDBOX_WORKSPACE_WRITE;
	c->approval.policy = APPROVAL_ON_REQUEST;
	c->approvals_timeout_ms = 300000;
	c->reviewer_user = strdup("nobody");
	c->reviewer_timeout_ms = 30000;
	c->user_writable_roots = true;
	c->user_network_access = true;
	c->user_layers = true;
	c->shm_size_mb = 64;
	c->protect_codex_dir = true;
	c->require_seccomp = true;
	c->private_tmp = true;
	c->tmp_size_mb = 1024;
	c->memory_max_mb = 8192;
	c->pids_max = 4096;
	c->env.inherit = ENV_INHERIT_ALL;
	c->env.ignore_default_excludes = false;
	c->net_enabled = true;
	c->net_user_domains = true;
	c->net_prompt_on_miss = true;
	c->net_proxy_user = strdup("codexd-proxy");
	c->doc = conf_doc_new();
	c->audit = audit_conf_new();
	if (!c->audit || !c->socket_path || !c->state_dir || !c->role_group_names[ROLE_ADMIN] ||
	    !c->role_group_names[ROLE_MEMBER] || !c->role_group_names[ROLE_VIEWER] ||
	    !c->role_group_names[ROLE_NONE] || !c->reviewer_user || !c->doc || !c->net_proxy_user) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static bool group_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/*
 * A [sandbox] deny_read entry: an absolute, normalised path, or a pattern
 * (policy/pathglob.h; absolute, or relative to every writable root and the
 * working directory) whose components are neither empty nor "." or "..".
 * A relative entry without wildcards is a path below each root.
 */
static bool deny_entry_ok(const char *s)
{
	size_t len = strlen(s), comps = 0;

	if (len == 0 || len > CX_MAX_PATH)
		return false;
	if (s[0] == '/' && !pathglob_has_wildcards(s))
		return path_is_absolute_normalized(s);
	for (const char *c = s[0] == '/' ? s + 1 : s;; comps++) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') ||
		    comps >= PATHGLOB_MAX_COMPONENTS - 1)
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

/* Where key k's value lives in c. */
static void *key_ptr(const struct daemon_config *c, const struct conf_key *k)
{
	return (char *)(k->audit ? (const void *)c->audit : (const void *)c) + k->offset;
}

/* k->names as "a, b or c" (sep ", ") or "a|b|c" (sep "|"). */
static const char *names_join(const struct conf_key *k, const char *sep, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; k->names[i] && len < n; i++) {
		const char *s = i == 0 ? "" : !k->names[i + 1] && sep[0] == ',' ? " or " : sep;
		int w = snprintf(buf + len, n - len, "%s%s", s, k->names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* A string value checked by ok(); replaces *dst. */
static int set_string(char **dst, const struct conf_key *k, const struct conf_entry *e,
		      bool (*ok)(const char *), const char *what, char *err, size_t errsz)
{
	const char *s;
	char *dup;
	int r;

	r = conf_entry_get_string(e, &s, err, errsz);
	if (r < 0)
		return r;
	if (!ok(s)) {
		snprintf(err, errsz, "%s:%u: %s must be %s", e->file, e->line, k->key, what);
		return -EINVAL;
	}
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	free(*dst);
	*dst = dup;
	return 0;
}

static bool path_ok(const char *s)
{
	return path_is_absolute_normalized(s);
}

/*
 * An array of at most k->max strings (no limit when max is 0), each
 * passing ok(); replaces *dst.  bad says what is wrong with an entry: after
 * the entry itself, or (echo false, for secrets) after "each entry must be".
 */
static int set_strv(char ***dst, const struct conf_key *k, const struct conf_entry *e,
		    bool (*ok)(const char *), const char *bad, bool echo, char *err, size_t errsz)
{
	char **v = NULL;
	int r;

	r = conf_entry_get_strv(e, &v, err, errsz);
	if (r < 0)
		return r;
	if (k->max > 0 && (int64_t)strv_length(v) > k->max) {
		snprintf(err, errsz, "%s:%u: %s: more than %lld entries", e->file, e->line, k->key,
			 (long long)k->max);
		strv_free(v);
		return -EINVAL;
	}
	for (char **p = v; *p; p++)
		if (!ok(*p)) {
			if (echo)
				snprintf(err, errsz, "%s:%u: %s: %s %s", e->file, e->line, k->key,
					 log_q(*p), bad);
			else
				snprintf(err, errsz, "%s:%u: %s: each entry must be %s", e->file,
					 e->line, k->key, bad);
			strv_free(v);
			return -EINVAL;
		}
	strv_free(*dst);
	*dst = v;
	return 0;
}

static bool hostport_ok(const char *s)
{
	struct domain_host h;

	return domain_host_normalize(s, strlen(s), &h) == 0 && h.is_ip && !h.scoped;
}

static int set_key(struct daemon_config *c, const struct conf_key *k, const struct conf_entry *e,
		   char *err, size_t errsz)
{
	void *dst = key_ptr(c, k);
	const char *s;
	int64_t i;
	int r;

	switch (k->kind) {
	case CK_PATH:
		return set_string(dst, k, e, path_ok, "an absolute, normalised path", err, errsz);
	case CK_NAME:
		return set_string(dst, k, e, group_name_ok,
				  strcmp(k->section, "approvals") == 0 ||
						  strcmp(k->section, "network") == 0
					  ? "a user name"
					  : "a group name",
				  err, errsz);
	case CK_TEXT:
		return set_string(dst, k, e, audit_conf_text_ok, "1 to 256 printable characters",
				  err, errsz);
	case CK_URL:
		return set_string(dst, k, e, audit_conf_endpoint_ok, "an http:// or https:// URL",
				  err, errsz);
	case CK_HOSTPORT:
		return set_string(dst, k, e, hostport_ok,
				  "an IP address with an optional port (\"127.0.0.1:5353\", "
				  "\"[::1]:53\")",
				  err, errsz);
	case CK_U32:
	case CK_U64:
	case CK_I64:
		r = conf_entry_get_int(e, k->min, k->max, &i, err, errsz);
		if (r < 0)
			return r;
		if (k->kind == CK_U32)
			*(uint32_t *)dst = (uint32_t)i;
		else if (k->kind == CK_U64)
			*(uint64_t *)dst = (uint64_t)i;
		else
			*(int64_t *)dst = i;
		return 0;
	case CK_ENUM: {
		char names[128];
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		for (int v = 0; k->names[v]; v++)
			if (strcmp(s, k->names[v]) == 0) {
				*(int *)dst = v;
				return 0;
			}
		snprintf(err, errsz, "%s:%u: %s: invalid value %s (%s)", e->file, e->line, k->key,
			 log_q(s), names_join(k, ", ", names, sizeof(names)));
		return -EINVAL;
	}
	case CK_BOOL:
		return conf_entry_get_bool(e, (bool *)dst, err, errsz);
	case CK_SANDBOX:
	case CK_LOGLEVEL:
	case CK_INHERIT:
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (k->kind == CK_SANDBOX)
			r = sandbox_mode_from_string(s, (enum sandbox_mode *)dst);
		else if (k->kind == CK_LOGLEVEL)
			r = log_level_from_string(s, (enum log_level *)dst);
		else
			r = env_policy_inherit_from_string(s, (enum env_inherit *)dst);
		if (r < 0) {
			snprintf(err, errsz, "%s:%u: %s: invalid value %s (%s)", e->file, e->line,
				 k->key, log_q(s),
				 k->kind == CK_SANDBOX ? "read-only, workspace-write or "
							 "danger-full-access"
				 : k->kind == CK_LOGLEVEL ? "err, warning, notice, info or debug"
							  : "all, core or none");
			return -EINVAL;
		}
		return 0;
	case CK_GLOBS:
		return set_strv(dst, k, e, env_policy_pattern_is_valid, "is not a valid name pattern",
				true, err, errsz);
	case CK_PATHS:
		return set_strv(dst, k, e, path_ok, "is not an absolute, normalised path", true, err,
				errsz);
	case CK_DENY:
		return set_strv(dst, k, e, deny_entry_ok,
				"is neither an absolute, normalised path nor a path pattern", true, err,
				errsz);
	case CK_HEADERS:
		/* Not echoed: header values carry API keys. */
		return set_strv(dst, k, e, audit_conf_header_ok,
				"\"Name: value\" without control characters", false, err, errsz);
	case CK_TMP:
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (strcmp(s, "private") != 0 && strcmp(s, "host") != 0) {
			snprintf(err, errsz, "%s:%u: tmp must be \"private\" or \"host\"", e->file,
				 e->line);
			return -EINVAL;
		}
		*(bool *)dst = strcmp(s, "private") == 0;
		return 0;
	case CK_APPROVAL:
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (approval_config_from_string(s, (struct approval_config *)dst) < 0) {
			snprintf(err, errsz,
				 "%s:%u: approval_policy: invalid value %s (untrusted, on-failure, "
				 "on-request, never, granular, suggest, interactive, auto-edit or "
				 "full-auto)",
				 e->file, e->line, log_q(s));
			return -EINVAL;
		}
		return 0;
	case CK_MODES:
	case CK_POLICIES: {
		_cleanup_strv_free_ char **v = NULL;
		unsigned mask = 0;
		r = conf_entry_get_strv(e, &v, err, errsz);
		if (r < 0)
			return r;
		for (char **p = v; *p; p++) {
			enum sandbox_mode m;
			struct approval_config a;
			if (k->kind == CK_MODES && sandbox_mode_from_string(*p, &m) == 0)
				mask |= 1u << m;
			else if (k->kind == CK_POLICIES && approval_config_from_string(*p, &a) == 0)
				mask |= 1u << a.policy;
			else {
				snprintf(err, errsz, "%s:%u: %s: unknown %s %s", e->file, e->line,
					 k->key, k->kind == CK_MODES ? "sandbox mode" : "approval policy",
					 log_q(*p));
				return -EINVAL;
			}
		}
		if (mask == 0) {
			snprintf(err, errsz, "%s:%u: %s: must name at least one value", e->file,
				 e->line, k->key);
			return -EINVAL;
		}
		*(unsigned *)dst = mask;
		return 0;
	}
	case CK_DOMAINS: {
		char **v = NULL;
		r = conf_entry_get_strv(e, &v, err, errsz);
		if (r < 0)
			return r;
		if (strv_length(v) > CX_MAX_DOMAINS) {
			snprintf(err, errsz, "%s:%u: %s: more than %d patterns", e->file, e->line,
				 k->key, CX_MAX_DOMAINS);
			strv_free(v);
			return -EINVAL;
		}
		for (char **p = v; *p; p++) {
			struct domain_pattern dp;
			const char *msg;
			/* "*" is refused in managed lists too (CODEX-MODEL.md §3.2). */
			if (domain_pattern_parse(*p, true, &dp, &msg) < 0) {
				snprintf(err, errsz, "%s:%u: %s: %s: %s", e->file, e->line, k->key,
					 log_q(*p), msg);
				strv_free(v);
				return -EINVAL;
			}
		}
		strv_free(*(char ***)dst);
		*(char ***)dst = v;
		return 0;
	}
	case CK_NETMODE:
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (strcmp(s, "full") != 0 && strcmp(s, "limited") != 0) {
			snprintf(err, errsz, "%s:%u: mode must be \"full\" or \"limited\"", e->file,
				 e->line);
			return -EINVAL;
		}
		*(bool *)dst = strcmp(s, "limited") == 0;
		return 0;
	}
	return -EINVAL;
}

static int set_env_entry(struct daemon_config *c, const struct conf_entry *e, char *err,
			 size_t errsz)
{
	_cleanup_free_ char *entry = NULL;
	const char *v;
	int r;

	r = conf_entry_get_string(e, &v, err, errsz);
	if (r < 0)
		return r;
	if (!env_name_is_valid(e->key)) {
		snprintf(err, errsz, "%s:%u: invalid environment variable name %s", e->file,
			 e->line, log_q(e->key));
		return -EINVAL;
	}
	if (asprintf(&entry, "%s=%s", e->key, v) < 0)
		return -ENOMEM;
	if (env_entry_validate(entry) < 0) {
		snprintf(err, errsz, "%s:%u: %s: value too long", e->file, e->line, e->key);
		return -EINVAL;
	}
	/* A later file's value for the same name replaces the earlier one. */
	for (char **p = c->env.set; p && *p; p++) {
		size_t kl = strlen(e->key);
		if (strncmp(*p, e->key, kl) == 0 && (*p)[kl] == '=') {
			free(*p);
			*p = TAKE_PTR(entry);
			return 0;
		}
	}
	r = strv_push(&c->env.set, entry);
	if (r < 0)
		return r;
	entry = NULL;
	return 0;
}

static bool section_owned(const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(owned_sections); i++)
		if (strcmp(section, owned_sections[i]) == 0)
			return true;
	return false;
}

static int apply_doc(struct daemon_config *c, struct origins *o, char *err, size_t errsz)
{
	size_t n = conf_doc_n_entries(c->doc);

	for (size_t i = 0; i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(c->doc, i);
		size_t k;
		int r;

		if (strcmp(e->section, ENV_SET_SECTION) == 0) {
			r = set_env_entry(c, e, err, errsz);
			if (r < 0)
				return r;
			continue;
		}
		if (strcmp(e->section, GRANULAR_SECTION) == 0) {
			bool b;
			r = conf_entry_get_bool(e, &b, err, errsz);
			if (r < 0)
				return r;
			if (approval_granular_set(&c->approval.granular, e->key, b) < 0) {
				snprintf(err, errsz, "%s:%u: unknown key %s in [%s]", e->file, e->line,
					 log_q(e->key), GRANULAR_SECTION);
				return -EINVAL;
			}
			if (!o->granular && asprintf(&o->granular, "%s:%u", e->file, e->line) < 0)
				return -ENOMEM;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (strcmp(keys[k].section, e->section) == 0 &&
			    strcmp(keys[k].key, e->key) == 0)
				break;
		if (k == ARRAY_SIZE(keys)) {
			if (section_owned(e->section)) {
				snprintf(err, errsz, "%s:%u: unknown key %s in [%s]", e->file, e->line,
					 log_q(e->key), e->section);
				return -EINVAL;
			}
			continue; /* pass-through: served by config/show, not enforced */
		}
		r = set_key(c, &keys[k], e, err, errsz);
		if (r < 0)
			return r;
		free(o->where[k]);
		if (asprintf(&o->where[k], "%s:%u", e->file, e->line) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int resolve_groups(struct daemon_config *c)
{
	for (int r = ROLE_VIEWER; r < _ROLE_MAX; r++) {
		struct group gr, *res = NULL;
		char buf[8192];

		c->role_groups.has[r] = false;
		if (getgrnam_r(c->role_group_names[r], &gr, buf, sizeof(buf), &res) == 0 && res) {
			c->role_groups.gid[r] = res->gr_gid;
			c->role_groups.has[r] = true;
		} else
			log_debug("group %s (role %s) does not exist", c->role_group_names[r],
				  role_to_string((enum role)r));
	}
	return 0;
}

static size_t key_index(const char *section, const char *key)
{
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if (strcmp(keys[k].section, section) == 0 && strcmp(keys[k].key, key) == 0)
			return k;
	return ARRAY_SIZE(keys);
}

/* key_index() of "section.key" ("key" at the top level). */
static size_t key_index_dotted(const char *name)
{
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		size_t sl = strlen(keys[k].section);
		if (sl == 0 ? strcmp(name, keys[k].key) == 0
			    : strncmp(name, keys[k].section, sl) == 0 && name[sl] == '.' &&
				      strcmp(name + sl + 1, keys[k].key) == 0)
			return k;
	}
	return ARRAY_SIZE(keys);
}

/* The reviewer must be root's: whoever can replace it answers every approval. */
static int check_reviewer(struct daemon_config *c, const char *where, char *err, size_t errsz)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	struct stat st;

	if (lstat(c->reviewer, &st) < 0) {
		snprintf(err, errsz, "%s: reviewer %s: %s", where, log_q(c->reviewer),
			 strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    !(st.st_mode & 0111)) {
		snprintf(err, errsz,
			 "%s: reviewer %s must be a regular executable file owned by root and "
			 "not writable by group or others",
			 where, log_q(c->reviewer));
		return -EINVAL;
	}
	if (getpwnam_r(c->reviewer_user, &pw, buf, sizeof(buf), &res) != 0 || !res) {
		snprintf(err, errsz, "[approvals] reviewer_user: no such user %s",
			 log_q(c->reviewer_user));
		return -EINVAL;
	}
	if (res->pw_uid == 0) {
		snprintf(err, errsz, "[approvals] reviewer_user: the reviewer must not run as root");
		return -EINVAL;
	}
	c->reviewer_uid = res->pw_uid;
	c->reviewer_gid = res->pw_gid;
	return 0;
}

static int finish_policy(struct daemon_config *c, struct origins *o, char *err, size_t errsz)
{
	size_t ka = key_index("", "approval_policy"), kr = key_index("approvals", "reviewer");

	if (o->granular) {
		if (o->where[ka]) {
			snprintf(err, errsz, "%s: approval_policy is also set at %s (use one or the "
					     "other)",
				 o->granular, o->where[ka]);
			return -EINVAL;
		}
		c->approval.policy = APPROVAL_GRANULAR;
	}
	c->sandbox_mode_set = o->where[key_index("", "sandbox_mode")] != NULL;
	c->approval_set = o->where[ka] != NULL || o->granular != NULL;
	c->ww_network_access_set =
		o->where[key_index("sandbox_workspace_write", "network_access")] != NULL;
	c->ww_exclude_set =
		o->where[key_index("sandbox_workspace_write", "exclude_slash_tmp")] != NULL ||
		o->where[key_index("sandbox_workspace_write", "exclude_tmpdir_env_var")] != NULL;
	/*
	 * A value the administrator wrote must be allowed by their own
	 * requirements; a built-in default that is not is replaced by the
	 * strictest allowed value.
	 */
	if (c->allowed_sandbox_modes && !(c->allowed_sandbox_modes & (1u << c->sandbox_mode))) {
		if (c->sandbox_mode_set) {
			snprintf(err, errsz,
				 "%s: sandbox_mode %s is not in [requirements] allowed_sandbox_modes",
				 o->where[key_index("", "sandbox_mode")],
				 sandbox_mode_to_string(c->sandbox_mode));
			return -EINVAL;
		}
		for (int rank = 0; rank < _SANDBOX_MODE_MAX; rank++)
			for (int m = 0; m < _SANDBOX_MODE_MAX; m++)
				if ((c->allowed_sandbox_modes & (1u << m)) &&
				    layers_sandbox_rank((enum sandbox_mode)m) == rank &&
				    !(c->allowed_sandbox_modes & (1u << c->sandbox_mode)))
					c->sandbox_mode = (enum sandbox_mode)m;
	}
	if (c->allowed_approval_policies &&
	    !(c->allowed_approval_policies & (1u << c->approval.policy))) {
		if (c->approval_set) {
			const char *w = o->where[ka] ? o->where[ka] : o->granular;
			snprintf(err, errsz,
				 "%s: approval_policy %s is not in [requirements] "
				 "allowed_approval_policies",
				 w ? w : "codexd.conf", approval_policy_to_string(c->approval.policy));
			return -EINVAL;
		}
		for (int rank = 0; rank <= 5; rank++)
			for (int p = 0; p < _APPROVAL_POLICY_MAX; p++)
				if ((c->allowed_approval_policies & (1u << p)) &&
				    layers_approval_rank((enum approval_policy)p) == rank &&
				    !(c->allowed_approval_policies & (1u << c->approval.policy)))
					c->approval = (struct approval_config){
						.policy = (enum approval_policy)p
					};
	}
	if (c->reviewer)
		return check_reviewer(c, o->where[kr] ? o->where[kr] : "[approvals]", err, errsz);
	return 0;
}

static int finish(struct daemon_config *c, const char *socket_override,
		  const char *state_dir_override, struct origins *o, char *err, size_t errsz)
{
	int r;

	if (state_dir_override) {
		if (!path_is_absolute_normalized(state_dir_override)) {
			snprintf(err, errsz, "--state-dir must be an absolute, normalised path");
			return -EINVAL;
		}
		free(c->state_dir);
		c->state_dir = strdup(state_dir_override);
		if (!c->state_dir)
			return -ENOMEM;
		/* Runtime files move under the state directory unless configured. */
		if (!o->where[key_index("daemon", "socket")]) {
			free(c->socket_path);
			if (asprintf(&c->socket_path, "%s/codexd.sock", state_dir_override) < 0)
				return -ENOMEM;
		}
		if (!c->audit_log && asprintf(&c->audit_log, "%s/audit.jsonl", state_dir_override) < 0)
			return -ENOMEM;
	}
	if (socket_override) {
		if (!path_is_absolute_normalized(socket_override)) {
			snprintf(err, errsz, "--socket must be an absolute, normalised path");
			return -EINVAL;
		}
		free(c->socket_path);
		c->socket_path = strdup(socket_override);
		if (!c->socket_path)
			return -ENOMEM;
	}
	if (!c->audit_log && asprintf(&c->audit_log, "%s/audit.jsonl", CX_DEFAULT_LOG_DIR) < 0)
		return -ENOMEM;
	if (c->max_timeout_ms > 0 && c->default_timeout_ms > c->max_timeout_ms) {
		snprintf(err, errsz, "[daemon] default_timeout_ms is larger than max_timeout_ms");
		return -EINVAL;
	}
	if (env_policy_validate(&c->env) < 0) {
		snprintf(err, errsz, "[shell_environment_policy] is invalid");
		return -EINVAL;
	}
	r = finish_policy(c, o, err, errsz);
	if (r < 0)
		return r;
	r = audit_conf_finish(c->audit, err, errsz);
	if (r < 0)
		return r;
	return resolve_groups(c);
}

static void origins_done(struct origins *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		free(o->where[i]);
	free(o->granular);
}

static int conf_build(const char *path, const char *socket_override,
		      const char *state_dir_override, bool read_files, struct daemon_config **ret,
		      char *err, size_t errsz)
{
	struct daemon_config *c;
	struct origins o = { 0 };
	int r;

	c = conf_new_defaults();
	if (!c)
		return -ENOMEM;
	if (read_files) {
		_cleanup_free_ char *dropins = NULL;

		r = conf_load_file(path, CONF_LOAD_MANAGED, c->doc, err, errsz);
		if (r == -ENOENT)
			r = 0; /* no file: built-in defaults */
		if (r < 0)
			goto fail;
		if (asprintf(&dropins, "%s.d", path) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = conf_load_dropins(dropins, CONF_LOAD_MANAGED, c->doc, err, errsz);
		if (r < 0 && r != -ENOENT)
			goto fail;
		r = apply_doc(c, &o, err, errsz);
		if (r < 0)
			goto fail;
		for (size_t i = 0; i < conf_doc_n_files(c->doc); i++) {
			r = strv_extend(&c->files, conf_doc_file(c->doc, i));
			if (r < 0)
				goto fail;
		}
	}
	r = finish(c, socket_override, state_dir_override, &o, err, errsz);
	if (r < 0)
		goto fail;
	origins_done(&o);
	*ret = c;
	return 0;
fail:
	if (r == -ENOMEM && !err[0])
		snprintf(err, errsz, "out of memory");
	else if (!err[0])
		snprintf(err, errsz, "%s: %s", path, strerror(-r));
	origins_done(&o);
	conf_free(c);
	return r;
}

int conf_load(const char *path, const char *socket_override, const char *state_dir_override,
	      struct daemon_config **ret, char *err, size_t errsz)
{
	err[0] = '\0';
	return conf_build(path, socket_override, state_dir_override, true, ret, err, errsz);
}

int conf_defaults(const char *socket_override, const char *state_dir_override,
		  struct daemon_config **ret)
{
	char err[256] = "";
	return conf_build(NULL, socket_override, state_dir_override, false, ret, err,
			  sizeof(err));
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();

	for (char **p = v; a && p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

static json_t *headers_json(char **v, bool redact)
{
	json_t *a = json_array();

	for (char **p = v; a && p && *p; p++) {
		_cleanup_free_ char *s = NULL;
		/* Header values carry API keys: names only. */
		if (redact && asprintf(&s, "%.*s: (redacted)", (int)strcspn(*p, ":"), *p) < 0)
			continue;
		json_array_append_new(a, json_string(s ? s : *p));
	}
	return a;
}

static json_t *key_json(const struct daemon_config *c, const struct conf_key *k, bool redact)
{
	const void *src = key_ptr(c, k);

	switch (k->kind) {
	case CK_PATH:
	case CK_NAME:
	case CK_HOSTPORT:
	case CK_TEXT:
	case CK_URL:
		return *(char *const *)src ? json_string(*(char *const *)src) : json_null();
	case CK_DOMAINS:
		return strv_json(*(char **const *)src);
	case CK_NETMODE:
		return json_string(*(const bool *)src ? "limited" : "full");
	case CK_U32:
		return json_integer(*(const uint32_t *)src);
	case CK_U64:
		return json_integer((json_int_t) * (const uint64_t *)src);
	case CK_ENUM:
		return json_string(k->names[*(const int *)src]);
	case CK_HEADERS:
		return headers_json(*(char **const *)src, redact);
	case CK_I64:
		return json_integer(*(const int64_t *)src);
	case CK_BOOL:
		return json_boolean(*(const bool *)src);
	case CK_SANDBOX:
		return json_string(sandbox_mode_to_string(*(const enum sandbox_mode *)src));
	case CK_LOGLEVEL:
		return json_string(log_level_to_string(*(const enum log_level *)src));
	case CK_INHERIT:
		return json_string(env_inherit_to_string(*(const enum env_inherit *)src));
	case CK_GLOBS:
	case CK_PATHS:
	case CK_DENY:
		return strv_json(*(char **const *)src);
	case CK_TMP:
		return json_string(*(const bool *)src ? "private" : "host");
	case CK_APPROVAL:
		return json_string(
			approval_policy_to_string(((const struct approval_config *)src)->policy));
	case CK_MODES:
	case CK_POLICIES: {
		unsigned mask = *(const unsigned *)src;
		json_t *a = json_array();
		for (unsigned i = 0; a && i < 32; i++)
			if (mask & (1u << i))
				json_array_append_new(
					a, json_string(k->kind == CK_MODES
							       ? sandbox_mode_to_string((enum sandbox_mode)i)
							       : approval_policy_to_string(
									 (enum approval_policy)i)));
		return a;
	}
	}
	return json_null();
}

static const char *key_type(const struct conf_key *k, char *buf, size_t n)
{
	switch (k->kind) {
	case CK_ENUM:
		return names_join(k, "|", buf, n);
	case CK_TEXT:
		return "string";
	case CK_URL:
		return "URL";
	case CK_HEADERS:
		return "array of headers";
	case CK_PATH:
		return "path";
	case CK_NAME:
		return "name";
	case CK_U32:
	case CK_U64:
	case CK_I64:
		return "integer";
	case CK_BOOL:
		return "boolean";
	case CK_SANDBOX:
		return "sandbox mode";
	case CK_LOGLEVEL:
		return "log level";
	case CK_INHERIT:
		return "all|core|none";
	case CK_GLOBS:
		return "array of name patterns";
	case CK_PATHS:
		return "array of paths";
	case CK_TMP:
		return "private|host";
	case CK_APPROVAL:
		return "approval policy";
	case CK_MODES:
		return "array of sandbox modes";
	case CK_POLICIES:
		return "array of approval policies";
	case CK_DENY:
		return "array of paths and patterns";
	case CK_DOMAINS:
		return "array of domain patterns";
	case CK_NETMODE:
		return "full|limited";
	case CK_HOSTPORT:
		return "address[:port]";
	}
	return "?";
}

int conf_list_keys(FILE *f)
{
	static const char *const granular[] = { "sandbox_approval", "rules", "skill_approval",
						"request_permissions", "mcp_elicitations" };
	struct daemon_config *c = NULL;
	struct approval_granular g = { 0 };
	int r;

	r = conf_defaults(NULL, NULL, &c);
	if (r < 0)
		return r;
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		char name[160], type[128];
		json_t *v = key_json(c, &keys[k], false);
		_cleanup_free_ char *dflt = v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		json_decref(v);
		snprintf(name, sizeof(name), "%s%s%s", keys[k].section, keys[k].section[0] ? "." : "",
			 keys[k].key);
		fprintf(f, "%s\t%s\t%s\t%s\t%s\n", keys[k].section, keys[k].key, key_type(&keys[k], type, sizeof(type)),
			dflt ? dflt : "-", layers_user_may_set(name) ? "managed,user" : "managed");
	}
	for (size_t i = 0; i < ARRAY_SIZE(granular); i++)
		if (approval_granular_set(&g, granular[i], false) == 0)
			fprintf(f, "%s\t%s\tboolean\tfalse\t%s\n", GRANULAR_SECTION, granular[i],
				layers_user_may_set(GRANULAR_SECTION ".x") ? "managed,user" : "managed");
	fprintf(f, "%s\t*\tstring\t-\t%s\n", ENV_SET_SECTION,
		layers_user_may_set(ENV_SET_SECTION ".x") ? "managed,user" : "managed");
	for (const char *const *u = layers_user_keys; *u; u++) {
		const char *dot = strrchr(*u, '.');
		if (layers_user_may_set(*u) && key_index_dotted(*u) == ARRAY_SIZE(keys) &&
		    strncmp(*u, GRANULAR_SECTION ".", strlen(GRANULAR_SECTION) + 1) != 0 &&
		    strncmp(*u, ENV_SET_SECTION ".", strlen(ENV_SET_SECTION) + 1) != 0)
			fprintf(f, "%.*s\t%s\tstring\t-\tuser\n", dot ? (int)(dot - *u) : 0, *u,
				dot ? dot + 1 : *u);
	}
	conf_free(c);
	return ferror(f) ? -EIO : 0;
}

static json_t *section_obj(json_t *root, const char *section)
{
	json_t *s;

	if (!section[0])
		return root;
	s = json_object_get(root, section);
	if (!s) {
		s = json_object();
		json_object_set_new(root, section, s);
	}
	return s;
}

static json_t *conf_value_json(const struct conf_value *v)
{
	switch (v->type) {
	case CONF_TYPE_STRING:
		return json_string(v->str);
	case CONF_TYPE_BOOL:
		return json_boolean(v->boolean);
	case CONF_TYPE_INT:
		return json_integer(v->integer);
	case CONF_TYPE_ARRAY: {
		json_t *a = json_array();
		for (size_t i = 0; a && i < v->array.n_items; i++)
			json_array_append_new(a, conf_value_json(&v->array.items[i]));
		return a;
	}
	case CONF_TYPE_MAX:
	default:
		return json_null();
	}
}

json_t *conf_doc_to_json(const struct conf_doc *doc)
{
	json_t *root = json_object();
	size_t n = conf_doc_n_entries(doc);

	for (size_t i = 0; root && i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(doc, i);
		json_object_set_new(section_obj(root, e->section), e->key, conf_value_json(&e->value));
	}
	return root;
}

json_t *conf_to_json(const struct daemon_config *c, bool origins, bool redact)
{
	json_t *root = json_object(), *values = json_object(), *orig = json_object(),
	       *pass = json_object(), *setobj = json_object();
	size_t n = conf_doc_n_entries(c->doc);

	if (!root || !values || !orig || !pass || !setobj) {
		json_decref(root);
		json_decref(values);
		json_decref(orig);
		json_decref(pass);
		json_decref(setobj);
		return NULL;
	}
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		json_object_set_new(section_obj(values, keys[k].section), keys[k].key,
				    key_json(c, &keys[k], redact));
	for (char **p = c->env.set; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		_cleanup_free_ char *name = strndup(*p, (size_t)(eq - *p));
		if (name)
			json_object_set_new(setobj, name, json_string(redact ? "(redacted)" : eq + 1));
	}
	json_object_set_new(section_obj(values, "shell_environment_policy"), "set", setobj);
	if (c->approval.policy == APPROVAL_GRANULAR)
		json_object_set_new(
			values, "approval_granular",
			json_pack("{s:b, s:b, s:b, s:b, s:b}", "sandbox_approval",
				  c->approval.granular.sandbox_approval, "rules",
				  c->approval.granular.rules, "skill_approval",
				  c->approval.granular.skill_approval, "request_permissions",
				  c->approval.granular.request_permissions, "mcp_elicitations",
				  c->approval.granular.mcp_elicitations));

	/* Origins: the last file:line that set a key, else the default. */
	for (size_t i = 0; i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(c->doc, i);
		char name[160], where[PATH_MAX + 16];
		bool known = strcmp(e->section, ENV_SET_SECTION) == 0 ||
			     strcmp(e->section, GRANULAR_SECTION) == 0;

		for (size_t k = 0; !known && k < ARRAY_SIZE(keys); k++)
			known = strcmp(keys[k].section, e->section) == 0 &&
				strcmp(keys[k].key, e->key) == 0;
		snprintf(name, sizeof(name), "%s%s%s", e->section, e->section[0] ? "." : "",
			 e->key);
		snprintf(where, sizeof(where), "%s:%u", e->file, e->line);
		json_object_set_new(orig, name, json_string(where));
		if (!known)
			json_object_set_new(section_obj(pass, e->section), e->key,
					    redact ? json_string("(redacted)")
						   : conf_value_json(&e->value));
	}
	json_object_set_new(root, "values", values);
	json_object_set_new(root, "pass_through", pass);
	json_object_set_new(root, "files", strv_json(c->files));
	if (origins)
		json_object_set_new(root, "origins", orig);
	else
		json_decref(orig);
	return root;
}
