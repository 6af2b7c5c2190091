/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/path_util.h"
#include "common/strv.h"
#include "policy/layers.h"

#define WW "sandbox_workspace_write"
#define ENVP "shell_environment_policy"

const char *const layers_user_keys[] = {
	"sandbox_mode",
	"approval_policy",
	"approval_policy.granular.*",
	WW ".writable_roots",
	WW ".network_access",
	WW ".exclude_slash_tmp",
	WW ".exclude_tmpdir_env_var",
	ENVP ".inherit",
	ENVP ".exclude",
	ENVP ".include_only",
	ENVP ".set.*",
	"profile",
	"profiles.*.*",
	"projects.*.trust_level",
	NULL,
};

/* Component-wise match; "*" is one component, a final "*" the rest (at least one). */
static bool dotted_match(const char *pat, const char *name)
{
	for (;;) {
		size_t pl = strcspn(pat, "."), nl = strcspn(name, ".");

		if (nl == 0)
			return false;
		if (pl == 1 && pat[0] == '*' && !pat[1])
			return true;
		if (!(pl == 1 && pat[0] == '*') && (pl != nl || memcmp(pat, name, pl) != 0))
			return false;
		if (!pat[pl] || !name[nl])
			return !pat[pl] && !name[nl];
		pat += pl + 1;
		name += nl + 1;
	}
}

bool layers_user_may_set(const char *name)
{
	for (const char *const *k = layers_user_keys; *k; k++)
		if (dotted_match(*k, name))
			return true;
	return false;
}

int layers_sandbox_rank(enum sandbox_mode m)
{
	switch (m) {
	case SANDBOX_READ_ONLY:
		return 0;
	case SANDBOX_WORKSPACE_WRITE:
		return 1;
	case SANDBOX_DANGER_FULL_ACCESS:
	case _SANDBOX_MODE_MAX:
	default:
		return 2;
	}
}

/* Stricter = asks more / runs less.  `never` never asks: the loosest. */
int layers_approval_rank(enum approval_policy p)
{
	switch (p) {
	case APPROVAL_SUGGEST:
		return 0;
	case APPROVAL_AUTO_EDIT:
		return 1;
	case APPROVAL_UNTRUSTED:
		return 2;
	case APPROVAL_ON_FAILURE:
		return 3;
	case APPROVAL_ON_REQUEST:
	case APPROVAL_GRANULAR:
		return 4;
	case APPROVAL_NEVER:
	case _APPROVAL_POLICY_MAX:
	default:
		return 5;
	}
}

bool layers_project_trusted(const struct conf_doc *user, const char *project_root)
{
	const char *parts[] = { "projects", project_root };
	_cleanup_free_ char *section = NULL;
	const struct conf_entry *e;
	const char *v;

	if (!user || !project_root || conf_section_join(parts, 2, &section) < 0)
		return false;
	e = conf_doc_get(user, section, "trust_level");
	return e && conf_entry_get_string(e, &v, NULL, 0) == 0 && strcmp(v, "trusted") == 0;
}

static bool key_path_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
		if (c == '.' && i > 0 && s[i - 1] == '.')
			return false;
	}
	return true;
}

/* "a.b.c" = value (TOML text) parsed into doc as the document "[a.b]\nc = value\n". */
static int parse_override(const char *key, size_t kl, const char *value, const char *name,
			  struct conf_doc *doc, char *err, size_t errsz)
{
	const char *dot = memrchr(key, '.', kl);
	char *text = NULL;
	int n, r;

	if (dot)
		n = asprintf(&text, "[%.*s]\n%.*s = %s\n", (int)(dot - key), key,
			     (int)(kl - (size_t)(dot - key) - 1), dot + 1, value);
	else
		n = asprintf(&text, "%.*s = %s\n", (int)kl, key, value);
	if (n < 0)
		return -ENOMEM;
	r = conf_parse_buffer(text, (size_t)n, name, doc, err, errsz);
	free(text);
	return r;
}

/*
 * v without leading and trailing blanks and quote characters, as a TOML
 * basic string (v holds no control character).  NULL when out of memory.
 */
static char *toml_quote(const char *v)
{
	size_t len, j = 0;
	char *out;

	while (*v == ' ' || *v == '\t' || *v == '"' || *v == '\'')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '"' ||
			   v[len - 1] == '\''))
		len--;
	out = malloc(2 * len + 3);
	if (!out)
		return NULL;
	out[j++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			out[j++] = '\\';
		out[j++] = v[i];
	}
	out[j++] = '"';
	out[j] = '\0';
	return out;
}

int layers_parse_overrides(char *const *overrides, struct conf_doc *doc, char *err, size_t errsz)
{
	size_t i = 0;

	for (char *const *o = overrides; o && *o; o++, i++) {
		const char *eq = strchr(*o, '=');
		char name[32];
		size_t kl;
		int r;

		if (i >= LAYERS_MAX_OVERRIDES) {
			snprintf(err, errsz, "more than %d configuration overrides", LAYERS_MAX_OVERRIDES);
			return -E2BIG;
		}
		kl = eq ? (size_t)(eq - *o) : 0;
		while (kl > 0 && (*o)[kl - 1] == ' ')
			kl--;
		if (!eq || !key_path_ok(*o, kl)) {
			snprintf(err, errsz, "override %zu: expected dotted.key=value", i + 1);
			return -EINVAL;
		}
		for (const char *c = eq + 1; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				snprintf(err, errsz, "override %zu: control character in the value",
					 i + 1);
				return -EINVAL;
			}
		snprintf(name, sizeof(name), "(override %zu)", i + 1);
		r = parse_override(*o, kl, eq + 1, name, doc, err, errsz);
		if (r == -EINVAL) {
			/*
			 * As Codex: a value that is not TOML is the string it
			 * spells, without surrounding blanks and quotes
			 * (approval_policy=never).
			 */
			char *quoted = toml_quote(eq + 1);

			if (!quoted)
				return -ENOMEM;
			r = parse_override(*o, kl, quoted, name, doc, err, errsz);
			free(quoted);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The layers, highest precedence first, with the section prefix each maps to. */
struct source {
	const struct conf_doc *doc;
	const char *origin;
	char prefix[160]; /* "" or "profiles.<name>" */
};

struct ctx {
	struct source src[4];
	size_t n;
	char *err;
	size_t errsz;
};

static const struct conf_entry *lookup(const struct ctx *c, const char *section, const char *key,
				       const char **ret_origin)
{
	for (size_t i = 0; i < c->n; i++) {
		char sec[320];
		const struct conf_entry *e;

		if (c->src[i].prefix[0])
			snprintf(sec, sizeof(sec), "%s%s%s", c->src[i].prefix, section[0] ? "." : "",
				 section);
		else
			snprintf(sec, sizeof(sec), "%s", section);
		e = conf_doc_get(c->src[i].doc, sec, key);
		if (e) {
			if (ret_origin)
				*ret_origin = c->src[i].origin;
			return e;
		}
	}
	return NULL;
}

static int add_warning(struct layers_effective *e, const char *fmt, ...) _printf_(2, 3);

static int add_warning(struct layers_effective *e, const char *fmt, ...)
{
	char *w = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&w, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return strv_push(&e->warnings, w) < 0 ? (free(w), -ENOMEM) : 0;
}

static int resolve_sandbox(const struct layers_managed *m, const struct layers_input *in,
			   const struct ctx *c, struct layers_effective *e)
{
	const struct conf_entry *ent;
	enum sandbox_mode base = m->sandbox_mode, v;
	const char *origin = m->sandbox_mode_set ? "managed" : "default";
	int r;

	if (!m->sandbox_mode_set && (ent = lookup(c, "", "sandbox_mode", &origin))) {
		const char *s;
		r = conf_entry_get_string(ent, &s, c->err, c->errsz);
		if (r < 0)
			return r;
		if (sandbox_mode_from_string(s, &base) < 0) {
			snprintf(c->err, c->errsz, "%s:%u: sandbox_mode: unknown mode", ent->file,
				 ent->line);
			return -EINVAL;
		}
	}
	v = base;
	if (in->has_sandbox) {
		if (layers_sandbox_rank(in->sandbox) <= layers_sandbox_rank(base) ||
		    !m->sandbox_mode_set) {
			v = in->sandbox;
			origin = "request";
		} else {
			r = add_warning(e, "requested sandbox %s is looser than the managed %s; using "
					   "the managed mode",
					sandbox_mode_to_string(in->sandbox), sandbox_mode_to_string(base));
			if (r < 0)
				return r;
		}
	}
	if (m->allowed_sandbox_modes && !(m->allowed_sandbox_modes & (1u << v))) {
		int rank = layers_sandbox_rank(v), best = -1;

		/* Nearest allowed, stricter first. */
		for (int d = 1; d < _SANDBOX_MODE_MAX && best < 0; d++)
			for (int s = 0; s < 2 && best < 0; s++) {
				int want = s == 0 ? rank - d : rank + d;
				for (int k = 0; k < _SANDBOX_MODE_MAX; k++)
					if (layers_sandbox_rank((enum sandbox_mode)k) == want &&
					    (m->allowed_sandbox_modes & (1u << k)))
						best = k;
			}
		if (best < 0) {
			snprintf(c->err, c->errsz, "no sandbox mode is allowed by [requirements]");
			return -EPERM;
		}
		r = add_warning(e, "sandbox %s is not allowed by [requirements]; using %s",
				sandbox_mode_to_string(v), sandbox_mode_to_string((enum sandbox_mode)best));
		if (r < 0)
			return r;
		v = (enum sandbox_mode)best;
		origin = "requirements";
	}
	e->sandbox_mode = v;
	e->sandbox_origin = origin;
	return 0;
}

static int resolve_approval(const struct layers_managed *m, const struct layers_input *in,
			    const struct ctx *c, struct layers_effective *e)
{
	struct approval_config base = m->approval, v;
	const char *origin = m->approval_set ? "managed" : "default";
	const struct conf_entry *ent = NULL;
	int r;

	if (!m->approval_set && (ent = lookup(c, "", "approval_policy", &origin))) {
		const char *s;
		r = conf_entry_get_string(ent, &s, c->err, c->errsz);
		if (r < 0)
			return r;
		if (approval_config_from_string(s, &base) < 0) {
			snprintf(c->err, c->errsz, "%s:%u: approval_policy: unknown policy", ent->file,
				 ent->line);
			return -EINVAL;
		}
	}
	if (!m->approval_set && !ent) {
		/* Codex's table form: [approval_policy.granular] flag = true ... */
		static const char *const flags[] = { "sandbox_approval", "rules", "skill_approval",
						     "request_permissions", "mcp_elicitations" };
		bool any = false;

		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			const char *o = NULL;
			const struct conf_entry *f = lookup(c, "approval_policy.granular", flags[i], &o);
			bool b;

			if (!f)
				continue;
			r = conf_entry_get_bool(f, &b, c->err, c->errsz);
			if (r < 0)
				return r;
			if (!any) {
				base = (struct approval_config){ .policy = APPROVAL_GRANULAR };
				origin = o;
				any = true;
			}
			(void)approval_granular_set(&base.granular, flags[i], b);
		}
	}
	v = base;
	if (in->approval_policy) {
		struct approval_config req;
		if (approval_config_from_string(in->approval_policy, &req) < 0) {
			snprintf(c->err, c->errsz, "params.approval_policy: unknown policy");
			return -EINVAL;
		}
		if (layers_approval_rank(req.policy) <= layers_approval_rank(base.policy) ||
		    !m->approval_set) {
			v = req;
			origin = "request";
		} else {
			r = add_warning(e, "requested approval policy %s is looser than the managed %s; "
					   "using the managed policy",
					approval_policy_to_string(req.policy),
					approval_policy_to_string(base.policy));
			if (r < 0)
				return r;
		}
	}
	if (m->allowed_approval_policies && !(m->allowed_approval_policies & (1u << v.policy))) {
		int rank = layers_approval_rank(v.policy), best = -1;

		for (int d = 1; d <= 5 && best < 0; d++)
			for (int s = 0; s < 2 && best < 0; s++) {
				int want = s == 0 ? rank - d : rank + d;
				for (int k = 0; k < _APPROVAL_POLICY_MAX; k++)
					if (layers_approval_rank((enum approval_policy)k) == want &&
					    (m->allowed_approval_policies & (1u << k)))
						best = k;
			}
		if (best < 0) {
			snprintf(c->err, c->errsz, "no approval policy is allowed by [requirements]");
			return -EPERM;
		}
		r = add_warning(e, "approval policy %s is not allowed by [requirements]; using %s",
				approval_policy_to_string(v.policy),
				approval_policy_to_string((enum approval_policy)best));
		if (r < 0)
			return r;
		v = (struct approval_config){ .policy = (enum approval_policy)best };
		origin = "requirements";
	}
	e->approval = v;
	e->approval_origin = origin;
	return 0;
}

static int get_bool(const struct ctx *c, const char *section, const char *key, bool *ret,
		    bool *found)
{
	const struct conf_entry *ent = lookup(c, section, key, NULL);

	*found = ent != NULL;
	return ent ? conf_entry_get_bool(ent, ret, c->err, c->errsz) : 0;
}

/* User writable roots: every layer adds (union), each must be absolute. */
static int resolve_roots(const struct layers_managed *m, const struct ctx *c,
			 struct layers_effective *e)
{
	int r;

	for (char *const *s = m->writable_roots; s && *s; s++)
		if ((r = strv_extend(&e->writable_roots, *s)) < 0)
			return r;
	if (!m->user_writable_roots)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		char sec[320];
		const struct conf_entry *ent;
		char **v = NULL;

		snprintf(sec, sizeof(sec), "%s%s" WW, c->src[i].prefix, c->src[i].prefix[0] ? "." : "");
		ent = conf_doc_get(c->src[i].doc, sec, "writable_roots");
		if (!ent)
			continue;
		r = conf_entry_get_strv(ent, &v, c->err, c->errsz);
		if (r < 0)
			return r;
		for (char **p = v; p && *p; p++) {
			if (!path_is_absolute_normalized(*p)) {
				snprintf(c->err, c->errsz,
					 "%s:%u: writable_roots: not an absolute, normalised path",
					 ent->file, ent->line);
				strv_free(v);
				return -EINVAL;
			}
			if (!strv_contains(e->writable_roots, *p) &&
			    (r = strv_extend(&e->writable_roots, *p)) < 0) {
				strv_free(v);
				return r;
			}
		}
		strv_free(v);
	}
	return 0;
}

static int inherit_rank(enum env_inherit i)
{
	return i == ENV_INHERIT_NONE ? 0 : i == ENV_INHERIT_CORE ? 1 : 2;
}

/* The managed policy, made stricter by the user layers (never looser). */
static int resolve_env(const struct layers_managed *m, const struct ctx *c,
		       struct layers_effective *e)
{
	const struct env_policy *mp = m->env;
	const struct conf_entry *ent;
	char **v = NULL;
	int r;

	e->env.inherit = mp ? mp->inherit : ENV_INHERIT_ALL;
	e->env.ignore_default_excludes = mp ? mp->ignore_default_excludes : false;
	if (mp) {
		if ((mp->exclude && !(e->env.exclude = strv_copy(mp->exclude))) ||
		    (mp->include_only && !(e->env.include_only = strv_copy(mp->include_only))))
			return -ENOMEM;
	}

	if ((ent = lookup(c, ENVP, "inherit", NULL))) {
		const char *s;
		enum env_inherit in;
		r = conf_entry_get_string(ent, &s, c->err, c->errsz);
		if (r < 0)
			return r;
		if (env_policy_inherit_from_string(s, &in) < 0) {
			snprintf(c->err, c->errsz, "%s:%u: inherit: all, core or none", ent->file,
				 ent->line);
			return -EINVAL;
		}
		if (inherit_rank(in) < inherit_rank(e->env.inherit))
			e->env.inherit = in;
	}
	for (size_t i = 0; i < c->n; i++) {
		char sec[320];
		snprintf(sec, sizeof(sec), "%s%s" ENVP, c->src[i].prefix, c->src[i].prefix[0] ? "." : "");
		ent = conf_doc_get(c->src[i].doc, sec, "exclude");
		if (!ent)
			continue;
		r = conf_entry_get_strv(ent, &v, c->err, c->errsz);
		if (r < 0)
			return r;
		for (char **p = v; p && *p; p++)
			if (env_policy_pattern_is_valid(*p) && !strv_contains(e->env.exclude, *p) &&
			    (r = strv_extend(&e->env.exclude, *p)) < 0) {
				strv_free(v);
				return r;
			}
		strv_free(v);
		v = NULL;
	}
	if (!e->env.include_only && (ent = lookup(c, ENVP, "include_only", NULL))) {
		r = conf_entry_get_strv(ent, &e->env.include_only, c->err, c->errsz);
		if (r < 0)
			return r;
	}
	/* `set`: the user's first, then the managed ones (which therefore win). */
	for (size_t i = c->n; i-- > 0;) {
		char sec[320];
		size_t n = conf_doc_n_entries(c->src[i].doc);

		snprintf(sec, sizeof(sec), "%s%s" ENVP ".set", c->src[i].prefix,
			 c->src[i].prefix[0] ? "." : "");
		for (size_t k = 0; k < n; k++) {
			const struct conf_entry *x = conf_doc_entry(c->src[i].doc, k);
			const char *val;
			char *entry = NULL;

			if (strcmp(x->section, sec) != 0)
				continue;
			r = conf_entry_get_string(x, &val, c->err, c->errsz);
			if (r < 0)
				return r;
			if (!env_name_is_valid(x->key) || asprintf(&entry, "%s=%s", x->key, val) < 0) {
				snprintf(c->err, c->errsz, "%s:%u: invalid variable", x->file, x->line);
				return -EINVAL;
			}
			if ((r = strv_push(&e->env.set, entry)) < 0) {
				free(entry);
				return r;
			}
		}
	}
	for (char *const *s = mp ? mp->set : NULL; s && *s; s++)
		if ((r = strv_extend(&e->env.set, *s)) < 0)
			return r;
	return env_policy_validate(&e->env) < 0 ? (snprintf(c->err, c->errsz,
							     "invalid shell_environment_policy"),
						    -EINVAL)
						 : 0;
}

int layers_resolve(const struct layers_managed *m, const struct layers_input *in,
		   struct layers_effective *ret, char *err, size_t errsz)
{
	struct layers_effective e = { 0 };
	_cleanup_conf_doc_ struct conf_doc *ov = NULL;
	struct ctx c = { .err = err, .errsz = errsz };
	const struct conf_entry *pe;
	bool found;
	int r;

	err[0] = '\0';
	if (in->overrides) {
		ov = conf_doc_new();
		if (!ov)
			return -ENOMEM;
		r = layers_parse_overrides(in->overrides, ov, err, errsz);
		if (r < 0)
			return r;
	}
	if (m->user_layers) {
		if (ov)
			c.src[c.n++] = (struct source){ .doc = ov, .origin = "override" };
		if (in->project)
			c.src[c.n++] = (struct source){ .doc = in->project, .origin = "project" };
	}
	/* The profile (named by the highest layer that names one) sits below the project. */
	if (m->user_layers && in->user) {
		struct ctx probe = c;
		const char *pname;

		probe.src[probe.n++] = (struct source){ .doc = in->user, .origin = "user" };
		pe = lookup(&probe, "", "profile", NULL);
		if (pe) {
			r = conf_entry_get_string(pe, &pname, err, errsz);
			if (r < 0)
				goto fail;
			e.profile = strdup(pname);
			if (!e.profile) {
				r = -ENOMEM;
				goto fail;
			}
			c.src[c.n] = (struct source){ .doc = in->user, .origin = "profile" };
			snprintf(c.src[c.n].prefix, sizeof(c.src[c.n].prefix), "profiles.%s", pname);
			c.n++;
		}
		c.src[c.n++] = (struct source){ .doc = in->user, .origin = "user" };
	}
	e.project_trusted = in->project != NULL;

	r = resolve_sandbox(m, in, &c, &e);
	if (r == 0)
		r = resolve_approval(m, in, &c, &e);
	if (r == 0)
		r = resolve_roots(m, &c, &e);
	if (r < 0)
		goto fail;

	e.network_access = m->network_access;
	if (!m->network_access_set) {
		r = get_bool(&c, WW, "network_access", &e.network_access, &found);
		if (r < 0)
			goto fail;
		if (e.network_access && !m->user_network_access) {
			e.network_access = false;
			r = add_warning(&e, "network_access is not allowed by [requirements]");
			if (r < 0)
				goto fail;
		}
	}
	e.exclude_slash_tmp = m->exclude_slash_tmp;
	e.exclude_tmpdir_env_var = m->exclude_tmpdir_env_var;
	if (!m->exclude_set) {
		r = get_bool(&c, WW, "exclude_slash_tmp", &e.exclude_slash_tmp, &found);
		if (r == 0)
			r = get_bool(&c, WW, "exclude_tmpdir_env_var", &e.exclude_tmpdir_env_var, &found);
		if (r < 0)
			goto fail;
	}
	r = resolve_env(m, &c, &e);
	if (r < 0)
		goto fail;
	*ret = e;
	return 0;
fail:
	layers_effective_done(&e);
	return r;
}

void layers_effective_done(struct layers_effective *e)
{
	strv_free(e->writable_roots);
	env_policy_done(&e->env);
	free(e->profile);
	strv_free(e->warnings);
	*e = (struct layers_effective){ 0 };
}
