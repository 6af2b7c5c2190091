/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
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
#include "daemon/conf.h"

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
};

struct conf_key {
	const char *section;
	const char *key;
	enum conf_kind kind;
	size_t offset;
	int64_t min, max;
};

#define OFF(field) offsetof(struct daemon_config, field)

/* Every key codexd enforces (codexd.conf(5) documents each). */
static const struct conf_key keys[] = {
	{ "", "sandbox_mode", CK_SANDBOX, OFF(sandbox_mode) },
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
	{ "sandbox", "deny_read", CK_PATHS, OFF(deny_read), 0, 256 },
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
	{ "shell_environment_policy", "inherit", CK_INHERIT, OFF(env.inherit) },
	{ "shell_environment_policy", "ignore_default_excludes", CK_BOOL,
	  OFF(env.ignore_default_excludes) },
	{ "shell_environment_policy", "exclude", CK_GLOBS, OFF(env.exclude) },
	{ "shell_environment_policy", "include_only", CK_GLOBS, OFF(env.include_only) },
};

#define ENV_SET_SECTION "shell_environment_policy.set"

/* Sections that belong to codexd: an unknown key there is a typo, not pass-through. */
static const char *const owned_sections[] = { "daemon", "roles", "shell_environment_policy",
					      ENV_SET_SECTION, "sandbox_workspace_write", "sandbox",
					      "limits" };

/* Where each key's value came from (parallel to keys[]). */
struct origins {
	char *where[ARRAY_SIZE(keys)];
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
	strv_free(c->ww_writable_roots);
	strv_free(c->deny_read);
	for (int i = 0; i < _ROLE_MAX; i++)
		free(c->role_group_names[i]);
	env_policy_done(&c->env);
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
	c->shm_size_mb = 64;
	c->protect_codex_dir = true;
	c->require_seccomp = true;
	c->private_tmp = true;
	c->tmp_size_mb = 1024;
	c->memory_max_mb = 8192;
	c->pids_max = 4096;
	c->env.inherit = ENV_INHERIT_ALL;
	c->env.ignore_default_excludes = false;
	c->doc = conf_doc_new();
	if (!c->socket_path || !c->state_dir || !c->role_group_names[ROLE_ADMIN] ||
	    !c->role_group_names[ROLE_MEMBER] || !c->role_group_names[ROLE_VIEWER] ||
	    !c->role_group_names[ROLE_NONE] || !c->doc) {
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

static int set_key(struct daemon_config *c, const struct conf_key *k, const struct conf_entry *e,
		   char *err, size_t errsz)
{
	void *dst = (char *)c + k->offset;
	const char *s;
	int64_t i;
	int r;

	switch (k->kind) {
	case CK_PATH:
	case CK_NAME: {
		char *dup;
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (k->kind == CK_PATH && !path_is_absolute_normalized(s)) {
			snprintf(err, errsz, "%s:%u: %s must be an absolute, normalised path", e->file,
				 e->line, k->key);
			return -EINVAL;
		}
		if (k->kind == CK_NAME && !group_name_ok(s)) {
			snprintf(err, errsz, "%s:%u: %s must be a group name", e->file, e->line,
				 k->key);
			return -EINVAL;
		}
		dup = strdup(s);
		if (!dup)
			return -ENOMEM;
		free(*(char **)dst);
		*(char **)dst = dup;
		return 0;
	}
	case CK_U32:
	case CK_I64:
		r = conf_entry_get_int(e, k->min, k->max, &i, err, errsz);
		if (r < 0)
			return r;
		if (k->kind == CK_U32)
			*(uint32_t *)dst = (uint32_t)i;
		else
			*(int64_t *)dst = i;
		return 0;
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
	case CK_GLOBS: {
		char **v = NULL;
		r = conf_entry_get_strv(e, &v, err, errsz);
		if (r < 0)
			return r;
		for (char **p = v; *p; p++)
			if (!env_policy_pattern_is_valid(*p)) {
				snprintf(err, errsz, "%s:%u: %s: invalid pattern %s", e->file,
					 e->line, k->key, log_q(*p));
				strv_free(v);
				return -EINVAL;
			}
		strv_free(*(char ***)dst);
		*(char ***)dst = v;
		return 0;
	}
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
	case CK_PATHS: {
		char **v = NULL;
		r = conf_entry_get_strv(e, &v, err, errsz);
		if (r < 0)
			return r;
		if ((int64_t)strv_length(v) > k->max) {
			snprintf(err, errsz, "%s:%u: %s: more than %lld paths", e->file, e->line,
				 k->key, (long long)k->max);
			strv_free(v);
			return -EINVAL;
		}
		for (char **p = v; *p; p++)
			if (!path_is_absolute_normalized(*p)) {
				snprintf(err, errsz, "%s:%u: %s: %s is not an absolute, normalised path",
					 e->file, e->line, k->key, log_q(*p));
				strv_free(v);
				return -EINVAL;
			}
		strv_free(*(char ***)dst);
		*(char ***)dst = v;
		return 0;
	}
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

static int finish(struct daemon_config *c, const char *socket_override,
		  const char *state_dir_override, struct origins *o, char *err, size_t errsz)
{
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
	return resolve_groups(c);
}

static void origins_done(struct origins *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		free(o->where[i]);
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

static json_t *key_json(const struct daemon_config *c, const struct conf_key *k)
{
	const void *src = (const char *)c + k->offset;

	switch (k->kind) {
	case CK_PATH:
	case CK_NAME:
		return *(char *const *)src ? json_string(*(char *const *)src) : json_null();
	case CK_U32:
		return json_integer(*(const uint32_t *)src);
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
		return strv_json(*(char **const *)src);
	case CK_TMP:
		return json_string(*(const bool *)src ? "private" : "host");
	}
	return json_null();
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
				    key_json(c, &keys[k]));
	for (char **p = c->env.set; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		_cleanup_free_ char *name = strndup(*p, (size_t)(eq - *p));
		if (name)
			json_object_set_new(setobj, name, json_string(redact ? "(redacted)" : eq + 1));
	}
	json_object_set_new(section_obj(values, "shell_environment_policy"), "set", setobj);

	/* Origins: the last file:line that set a key, else the default. */
	for (size_t i = 0; i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(c->doc, i);
		char name[160], where[PATH_MAX + 16];
		bool known = strcmp(e->section, ENV_SET_SECTION) == 0;

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
