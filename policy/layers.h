/* SPDX-License-Identifier: MIT */
/*
 * Configuration layers and managed requirements (codexd.conf(5), "LAYERS"):
 *
 *   built-in < user ~/.codex/config.toml < profile < project .codex/config.toml
 *   (trusted projects only) < overrides (-c key=value) < managed codexd.conf
 *
 * A key the administrator set in codexd.conf wins over every user layer.
 * The request itself (exec/start "sandbox", "approval_policy") may always
 * pick something STRICTER than the result, and something looser only where
 * the administrator did not set the key.  Finally [requirements] clamps:
 * a value outside allowed_sandbox_modes / allowed_approval_policies moves to
 * the nearest allowed one (stricter first) with a warning, or the request
 * is refused when none is allowed.  The environment policy can only be made
 * stricter by users: their excludes add to the managed ones, their inherit
 * can only narrow, and managed `set` entries win.
 *
 * Pure; process: any.
 */
#ifndef CX_LAYERS_H
#define CX_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/conf_reader.h"
#include "policy/approval.h"
#include "policy/env_policy.h"
#include "policy/modes.h"

#define LAYERS_MAX_OVERRIDES 32

/* What root's configuration says (filled by the daemon from codexd.conf). */
struct layers_managed {
	enum sandbox_mode sandbox_mode;
	bool sandbox_mode_set;
	struct approval_config approval;
	bool approval_set;
	char *const *writable_roots;
	bool network_access;
	bool network_access_set;
	bool exclude_slash_tmp, exclude_tmpdir_env_var;
	bool exclude_set;
	const struct env_policy *env;
	/* [requirements]; a zero mask means "anything". */
	unsigned allowed_sandbox_modes;     /* bit per enum sandbox_mode */
	unsigned allowed_approval_policies; /* bit per enum approval_policy */
	bool user_writable_roots;           /* users may add writable roots (default true) */
	bool user_network_access;           /* users may turn network_access on (default true) */
	bool user_layers;                   /* read user/project layers at all (default true) */
};

struct layers_input {
	const struct conf_doc *user;    /* NULL: none */
	const struct conf_doc *project; /* NULL: none */
	const char *project_root;       /* where project came from (trust check) */
	char *const *overrides;         /* "dotted.key=toml-value" from the request */
	/* The request's own choices. */
	bool has_sandbox;
	enum sandbox_mode sandbox;
	const char *approval_policy;    /* NULL: not given */
};

struct layers_effective {
	enum sandbox_mode sandbox_mode;
	const char *sandbox_origin;        /* static string: "request", "user", "managed" ... */
	struct approval_config approval;
	const char *approval_origin;
	char **writable_roots;             /* owned, NULL-terminated (may be NULL) */
	bool network_access;
	bool exclude_slash_tmp, exclude_tmpdir_env_var;
	struct env_policy env;             /* owned: merged managed + user */
	char *profile;                     /* owned, or NULL */
	bool project_trusted;
	char **warnings;                   /* owned, human-readable */
};

/*
 * Resolve.  Returns 0 with *ret (release with layers_effective_done()),
 * -EPERM with err when requirements leave nothing allowed, -EINVAL with err
 * ("file:line: ...") for a bad value in a user/project layer or override
 * (fail closed), -ENOMEM.
 */
int layers_resolve(const struct layers_managed *m, const struct layers_input *in,
		   struct layers_effective *ret, char *err, size_t errsz);
void layers_effective_done(struct layers_effective *e);

/* Is project_root trusted by the user layer ([projects."<path>"] trust_level = "trusted")? */
bool layers_project_trusted(const struct conf_doc *user, const char *project_root);

/* Parse overrides into a document named "(override)".  -EINVAL with err. */
int layers_parse_overrides(char *const *overrides, struct conf_doc *doc, char *err, size_t errsz);

/*
 * The keys user layers may set (everything layers_resolve() reads from
 * them), as dotted names: "*" stands for one component, a final "*" for the
 * rest.  NULL-terminated.  Keep it in step with the look-ups in layers.c:
 * tests/integration/t_manpages.sh compares the two, and codexd.conf(5)
 * ("LAYERS") documents each.
 */
extern const char *const layers_user_keys[];

/* Does layers_user_keys cover the dotted key name? */
bool layers_user_may_set(const char *name);

/* Strictness ranks (0 = strictest), for clamping and "stricter than" tests. */
int layers_sandbox_rank(enum sandbox_mode m);
int layers_approval_rank(enum approval_policy p);

#endif
