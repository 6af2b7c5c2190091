/* SPDX-License-Identifier: MIT */
/*
 * Codex's [shell_environment_policy] (CODEX-MODEL.md §5.1), applied by the
 * daemon to the environment a client sends with exec/start.
 *
 * Pure: no I/O, no globals, no logging.  The client environment is hostile
 * input; every entry is validated (format and CX_MAX_ENV* bounds) before
 * anything is decided, and a bad entry fails the whole call rather than
 * being dropped.
 *
 * codexd differs from current Codex in one default: ignore_default_excludes
 * is false, so names matching *KEY*, *SECRET* or *TOKEN* are removed from
 * the inherited environment unless the administrator opts out.  A zeroed
 * struct env_policy is the codexd default (inherit = all, default excludes
 * on, no patterns, no set entries).
 *
 * Process: any, except sandbox children after clone (these allocate).
 */
#ifndef CX_ENV_POLICY_H
#define CX_ENV_POLICY_H

#include <stdbool.h>

#include "common/macro.h"

enum env_inherit {
	ENV_INHERIT_ALL, /* every client entry */
	ENV_INHERIT_CORE, /* HOME LOGNAME PATH SHELL USER USERNAME TMPDIR TEMP TMP */
	ENV_INHERIT_NONE, /* nothing */
	_ENV_INHERIT_MAX,
};

struct env_policy {
	enum env_inherit inherit;
	/* false (the codexd default): drop inherited *KEY*, *SECRET*, *TOKEN*. */
	bool ignore_default_excludes;
	/* NULL-terminated vectors, owned by the struct (env_policy_done frees
	 * them); NULL means empty. */
	char **exclude; /* glob patterns removed from the inherited set */
	char **set; /* "NAME=VALUE", applied after everything but include_only */
	char **include_only; /* glob patterns; when non-empty, the final whitelist */
};

/*
 * Build the environment for one exec.
 *
 * client_env: "NAME=VALUE" strings the client sent (NULL = none).
 * request_set: "NAME=VALUE" overrides named explicitly in the request
 *   (codexctl --env), NULL = none.
 *
 * Order (Codex's, with the request overrides slotted in before `set`):
 *   1. inherit: all / core / none of client_env;
 *   2. unless ignore_default_excludes, drop names matching *KEY*, *SECRET*,
 *      *TOKEN*;
 *   3. drop names matching any `exclude` pattern;
 *   4. add request_set (the user named these: steps 2 and 3 do not apply);
 *   5. add policy `set` (overrides all of the above);
 *   6. if include_only is non-empty, keep only names matching one of its
 *      patterns (this can remove `set` and request_set entries too).
 * A later entry for a name replaces the value of an earlier one; the
 * result has no duplicate names and keeps the order in which names were
 * first added.  Names compare byte-wise (case-sensitive, as the kernel
 * and libc do); patterns are case-insensitive globs with *, ? and [...]
 * matched against the name only (fnmatch(3), FNM_CASEFOLD).
 *
 * Every entry of client_env, request_set and p->set is checked with
 * env_entry_validate(), even those that inherit would drop.
 *
 * Returns 0 and a new NULL-terminated vector in *ret_envp (caller frees
 * with strv_free()); -EINVAL for a malformed entry or an invalid policy;
 * -E2BIG if an entry is too long, an input vector or the result has more
 * than CX_MAX_ENV entries; -ENOMEM.  *ret_envp is written only on success.
 */
int env_policy_apply(const struct env_policy *p, char *const *client_env, char *const *request_set,
		     char ***ret_envp) _must_check_;

/*
 * Check a policy as a whole (what env_policy_apply() also checks first):
 * inherit in range; every pattern passes env_policy_pattern_is_valid();
 * every `set` entry passes env_entry_validate(); no vector longer than
 * CX_MAX_ENV.  Returns 0, -EINVAL or -E2BIG.  For configuration loading.
 */
int env_policy_validate(const struct env_policy *p) _must_check_;

/* Frees the three vectors and sets them to NULL; other fields are kept.
 * NULL-safe. */
void env_policy_done(struct env_policy *p);

/* "all", "core", "none" (exactly, lower case).  0 or -EINVAL; *ret is
 * written only on success. */
int env_policy_inherit_from_string(const char *s, enum env_inherit *ret) _must_check_;

/* The inverse; NULL for a value out of range. */
const char *env_inherit_to_string(enum env_inherit i);

/*
 * True if name can be an environment variable name here: non-empty, at
 * most CX_MAX_ENV_NAME bytes, no '='.  (Any other byte is allowed, as the
 * kernel allows it; NUL cannot occur in a C string.)
 */
bool env_name_is_valid(const char *name);

/*
 * Check one "NAME=VALUE" entry: split at the first '=', the name must pass
 * env_name_is_valid() and the value be at most CX_MAX_ENV_VALUE bytes.
 * Returns 0; -EINVAL for NULL, no '=' or an empty name; -E2BIG for a name
 * longer than CX_MAX_ENV_NAME or a value longer than CX_MAX_ENV_VALUE.
 */
int env_entry_validate(const char *entry) _must_check_;

/*
 * True if pattern is acceptable in exclude / include_only: non-empty, at
 * most CX_MAX_ENV_NAME bytes (a longer pattern cannot be meant for a
 * name), no control characters (bytes < 0x20 and 0x7f) and no dangling
 * '\' at the end.  For configuration validation.
 */
bool env_policy_pattern_is_valid(const char *pattern);

#endif
