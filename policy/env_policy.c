/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "policy/env_policy.h"

static const char *const inherit_names[_ENV_INHERIT_MAX] = {
	[ENV_INHERIT_ALL] = "all",
	[ENV_INHERIT_CORE] = "core",
	[ENV_INHERIT_NONE] = "none",
};

/* Codex's core set (core/src/exec_env.rs); compared exactly. */
static const char *const core_names[] = {
	"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP",
};

/* Removed from the inherited set unless ignore_default_excludes. */
static const char *const default_excludes[] = {"*KEY*", "*SECRET*", "*TOKEN*"};

/* One candidate entry: where it came from in input order, and its name. */
struct env_cand {
	const char *entry;
	size_t name_len;
	size_t pos;
};

int env_policy_inherit_from_string(const char *s, enum env_inherit *ret)
{
	if (!s || !ret)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(inherit_names); i++)
		if (strcmp(s, inherit_names[i]) == 0) {
			*ret = (enum env_inherit)i;
			return 0;
		}
	return -EINVAL;
}

const char *env_inherit_to_string(enum env_inherit i)
{
	if ((unsigned)i >= ARRAY_SIZE(inherit_names))
		return NULL;
	return inherit_names[i];
}

bool env_name_is_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strnlen(name, CX_MAX_ENV_NAME + 1);
	if (n == 0 || n > CX_MAX_ENV_NAME)
		return false;
	return memchr(name, '=', n) == NULL;
}

/* Like env_entry_validate(), and hands back the name's length. */
static int entry_check(const char *entry, size_t *ret_name_len)
{
	const char *eq;
	size_t name_len;

	if (!entry)
		return -EINVAL;

	/* Entries are C strings already in memory, bounded by the frame size,
	 * so finding the first '=' with strchr is safe. */
	eq = strchr(entry, '=');
	if (!eq || eq == entry)
		return -EINVAL;

	name_len = (size_t)(eq - entry);
	if (name_len > CX_MAX_ENV_NAME)
		return -E2BIG;
	if (strnlen(eq + 1, CX_MAX_ENV_VALUE + 1) > CX_MAX_ENV_VALUE)
		return -E2BIG;

	*ret_name_len = name_len;
	return 0;
}

int env_entry_validate(const char *entry)
{
	size_t name_len;

	return entry_check(entry, &name_len);
}

bool env_policy_pattern_is_valid(const char *pattern)
{
	size_t n;

	if (!pattern)
		return false;
	n = strnlen(pattern, CX_MAX_ENV_NAME + 1);
	if (n == 0 || n > CX_MAX_ENV_NAME)
		return false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pattern[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == '\\') {
			/* An escape needs something to escape; skip it. */
			if (i + 1 == n)
				return false;
			i++;
			c = (unsigned char)pattern[i];
			if (c < 0x20 || c == 0x7f)
				return false;
		}
	}
	return true;
}

/* Number of entries of v, or CX_MAX_ENV + 1 if there are more than CX_MAX_ENV:
 * a hostile vector is never walked further than needed. */
static size_t count_bounded(char *const *v)
{
	size_t n = 0;

	if (!v)
		return 0;
	while (n <= CX_MAX_ENV && v[n])
		n++;
	return n;
}

static int patterns_validate(char *const *v)
{
	size_t n = count_bounded(v);

	if (n > CX_MAX_ENV)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (!env_policy_pattern_is_valid(v[i]))
			return -EINVAL;
	return 0;
}

static int entries_validate(char *const *v, size_t *ret_n)
{
	size_t n = count_bounded(v), name_len;

	if (n > CX_MAX_ENV)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int r = entry_check(v[i], &name_len);

		if (r < 0)
			return r;
	}
	*ret_n = n;
	return 0;
}

int env_policy_validate(const struct env_policy *p)
{
	size_t n;
	int r;

	if (!p)
		return -EINVAL;
	if ((unsigned)p->inherit >= _ENV_INHERIT_MAX)
		return -EINVAL;

	r = patterns_validate(p->exclude);
	if (r < 0)
		return r;
	r = patterns_validate(p->include_only);
	if (r < 0)
		return r;
	return entries_validate(p->set, &n);
}

void env_policy_done(struct env_policy *p)
{
	if (!p)
		return;
	strv_free(p->exclude);
	p->exclude = NULL;
	strv_free(p->set);
	p->set = NULL;
	strv_free(p->include_only);
	p->include_only = NULL;
}

/*
 * Glob match of a NUL-terminated name against any of the patterns.  An
 * fnmatch() error (patterns are validated first, so none is expected)
 * counts as whatever fails closed for the caller: exclusions match,
 * inclusions do not.
 */
static bool name_matches_any(const char *name, const char *const *patterns, size_t n_patterns,
			     bool on_error)
{
	for (size_t i = 0; i < n_patterns; i++) {
		int r = fnmatch(patterns[i], name, FNM_CASEFOLD);

		if (r == 0 || (r != FNM_NOMATCH && on_error))
			return true;
	}
	return false;
}

/* The name of a validated entry, as a C string in buf. */
static const char *name_copy(char buf[static CX_MAX_ENV_NAME + 1], const char *entry,
			     size_t name_len)
{
	/* entry_check() has bounded name_len by CX_MAX_ENV_NAME. */
	memcpy(buf, entry, name_len);
	buf[name_len] = '\0';
	return buf;
}

static bool name_is_core(const char *entry, size_t name_len)
{
	for (size_t i = 0; i < ARRAY_SIZE(core_names); i++)
		if (strlen(core_names[i]) == name_len &&
		    memcmp(core_names[i], entry, name_len) == 0)
			return true;
	return false;
}

/* Steps 1-3: does an inherited client entry survive? */
static bool client_entry_kept(const struct env_policy *p, const char *entry, size_t name_len)
{
	char buf[CX_MAX_ENV_NAME + 1];
	const char *name;

	switch (p->inherit) {
	case ENV_INHERIT_ALL:
		break;
	case ENV_INHERIT_CORE:
		if (!name_is_core(entry, name_len))
			return false;
		break;
	case ENV_INHERIT_NONE:
	default:
		return false;
	}

	name = name_copy(buf, entry, name_len);

	if (!p->ignore_default_excludes &&
	    name_matches_any(name, default_excludes, ARRAY_SIZE(default_excludes), true))
		return false;

	if (name_matches_any(name, (const char *const *)p->exclude, strv_length(p->exclude), true))
		return false;

	return true;
}

/* Order by name bytes, then by input position, so that each name's
 * candidates form one run with the first-added one first. */
static int cand_compare(const void *a, const void *b)
{
	const struct env_cand *x = a, *y = b;
	int c = memcmp(x->entry, y->entry, MIN(x->name_len, y->name_len));

	if (c != 0)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return 0;
}

static void cand_add(struct env_cand *c, size_t *n, const char *entry)
{
	/* Only called on validated entries: there is an '=' after a name. */
	c[*n] = (struct env_cand){
		.entry = entry,
		.name_len = (size_t)(strchr(entry, '=') - entry),
		.pos = *n,
	};
	(*n)++;
}

int env_policy_apply(const struct env_policy *p, char *const *client_env, char *const *request_set,
		     char ***ret_envp)
{
	_cleanup_free_ struct env_cand *cands = NULL;
	_cleanup_free_ const char **winner = NULL;
	_cleanup_strv_free_ char **envp = NULL;
	char buf[CX_MAX_ENV_NAME + 1];
	size_t n_client, n_request, n_set, n_cands = 0, n_out = 0, n_include;
	int r;

	if (!p || !ret_envp)
		return -EINVAL;

	/* Validate everything before deciding anything. */
	r = env_policy_validate(p);
	if (r < 0)
		return r;
	r = entries_validate(client_env, &n_client);
	if (r < 0)
		return r;
	r = entries_validate(request_set, &n_request);
	if (r < 0)
		return r;
	n_set = strv_length(p->set); /* checked by env_policy_validate() */

	/* Each count is <= CX_MAX_ENV: the sums cannot overflow. */
	cands = calloc(n_client + n_request + n_set + 1, sizeof(*cands));
	if (!cands)
		return -ENOMEM;

	/* Steps 1-3 on the client's entries, then 4 and 5 appended after, so
	 * their values win for names already present. */
	for (size_t i = 0; i < n_client; i++) {
		size_t name_len = (size_t)(strchr(client_env[i], '=') - client_env[i]);

		if (client_entry_kept(p, client_env[i], name_len))
			cand_add(cands, &n_cands, client_env[i]);
	}
	for (size_t i = 0; i < n_request; i++)
		cand_add(cands, &n_cands, request_set[i]);
	for (size_t i = 0; i < n_set; i++)
		cand_add(cands, &n_cands, p->set[i]);

	/* Collapse duplicates in O(n log n), whatever a client sends: sort by
	 * (name, position); in each run of one name the first position fixes
	 * the place, the last entry the value.  Step 6 filters whole runs. */
	qsort(cands, n_cands, sizeof(*cands), cand_compare);

	winner = calloc(n_cands + 1, sizeof(*winner));
	if (!winner)
		return -ENOMEM;

	n_include = strv_length(p->include_only);
	for (size_t i = 0; i < n_cands;) {
		size_t j = i + 1;

		while (j < n_cands && cands[j].name_len == cands[i].name_len &&
		       memcmp(cands[j].entry, cands[i].entry, cands[i].name_len) == 0)
			j++;

		if (n_include == 0 ||
		    name_matches_any(name_copy(buf, cands[i].entry, cands[i].name_len),
				     (const char *const *)p->include_only, n_include, false)) {
			winner[cands[i].pos] = cands[j - 1].entry;
			n_out++;
		}
		i = j;
	}

	if (n_out > CX_MAX_ENV)
		return -E2BIG;

	envp = calloc(n_out + 1, sizeof(char *));
	if (!envp)
		return -ENOMEM;

	for (size_t pos = 0, k = 0; pos < n_cands; pos++) {
		if (!winner[pos])
			continue;
		envp[k] = strdup(winner[pos]);
		if (!envp[k])
			return -ENOMEM;
		k++;
	}

	*ret_envp = TAKE_PTR(envp);
	return 0;
}
