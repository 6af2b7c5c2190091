/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/macro.h"
#include "common/strv.h"
#include "policy/env_policy.h"

/* A NULL-terminated vector of string literals, read-only (the API takes
 * char *const *; the casts drop a const the callee never writes through). */
#define V(...) ((char *const *)(const char *const[]){__VA_ARGS__, NULL})
#define PV(...) ((char **)(const char *const[]){__VA_ARGS__, NULL})
#define EMPTY ((char *const *)(const char *const[]){NULL})

/* Sentinel to prove *ret_envp is left alone on failure. */
static char *sentinel_storage[1];
#define SENTINEL ((char **)sentinel_storage)

static void assert_env(char **got, char *const *want)
{
	size_t n = strv_length(want);

	assert_non_null(got);
	for (size_t i = 0; i < n; i++) {
		if (!got[i])
			fail_msg("result ends at %zu, expected \"%s\"", i, want[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[n]);
}

/* Apply and compare, freeing the result. */
static void check(const struct env_policy *p, char *const *client, char *const *req,
		  char *const *want)
{
	char **env = NULL;

	assert_int_equal(env_policy_apply(p, client, req, &env), 0);
	assert_env(env, want);
	strv_free(env);
}

static void check_fail(const struct env_policy *p, char *const *client, char *const *req,
		       int expected)
{
	char **env = SENTINEL;

	assert_int_equal(env_policy_apply(p, client, req, &env), expected);
	assert_ptr_equal(env, SENTINEL);
}

/* A heap vector of n entries "<prefix><i>=<value>". */
static char **make_env(size_t n, const char *prefix, const char *value)
{
	char **v = calloc(n + 1, sizeof(char *));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		assert_true(asprintf(&v[i], "%s%zu=%s", prefix, i, value) > 0);
	return v;
}

/* A heap string: name of name_len 'N's, '=', value of value_len 'v's. */
static char *make_entry(size_t name_len, size_t value_len)
{
	char *s = malloc(name_len + value_len + 2);

	assert_non_null(s);
	memset(s, 'N', name_len);
	s[name_len] = '=';
	memset(s + name_len + 1, 'v', value_len);
	s[name_len + 1 + value_len] = '\0';
	return s;
}

/* ------------------------------------------------------------ inherit */

static void test_default_policy_is_all_with_excludes(void **state)
{
	(void)state;
	struct env_policy p = {0};

	assert_int_equal(p.inherit, ENV_INHERIT_ALL);
	check(&p, V("PATH=/bin", "GITHUB_TOKEN=t", "LANG=C"), NULL, V("PATH=/bin", "LANG=C"));
}

static void test_inherit_all(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_ALL};

	check(&p, V("PATH=/usr/bin", "HOME=/home/u", "FOO=bar", "LANG=C.UTF-8"), NULL,
	      V("PATH=/usr/bin", "HOME=/home/u", "FOO=bar", "LANG=C.UTF-8"));
}

static void test_inherit_core(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_CORE};

	check(&p,
	      V("FOO=1", "HOME=/h", "LOGNAME=u", "PATH=/bin", "SHELL=/bin/sh", "LANG=C", "USER=u",
		"USERNAME=u", "TMPDIR=/tmp", "TEMP=/t", "TMP=/t2", "path=/x", "PATHX=1", "HOM=1",
		"DISPLAY=:0"),
	      NULL,
	      V("HOME=/h", "LOGNAME=u", "PATH=/bin", "SHELL=/bin/sh", "USER=u", "USERNAME=u",
		"TMPDIR=/tmp", "TEMP=/t", "TMP=/t2"));
}

static void test_inherit_core_still_filtered(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_CORE, .exclude = PV("TMP*")};

	check(&p, V("PATH=/bin", "TMPDIR=/tmp", "TMP=/t", "HOME=/h"), NULL,
	      V("PATH=/bin", "HOME=/h"));
}

static void test_inherit_none(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_NONE};

	check(&p, V("PATH=/bin", "HOME=/h"), NULL, EMPTY);
}

static void test_inherit_none_with_sets(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_NONE, .set = PV("PATH=/usr/bin")};

	check(&p, V("PATH=/bin", "HOME=/h"), V("FOO=1"), V("FOO=1", "PATH=/usr/bin"));
}

static void test_null_inputs(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, NULL, NULL, EMPTY);
	check(&p, EMPTY, EMPTY, EMPTY);
}

/* ------------------------------------------------------------ default excludes */

static void test_default_excludes(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p,
	      V("GITHUB_TOKEN=ghp", "PATH=/bin", "AWS_SECRET_ACCESS_KEY=s", "api_key=k",
		"My_Secret_Thing=x", "npm_token=t", "HOME=/h", "KEY=1", "SECRET=2", "TOKEN=3",
		"SSH_AUTH_SOCK=/s"),
	      NULL, V("PATH=/bin", "HOME=/h", "SSH_AUTH_SOCK=/s"));
}

static void test_default_excludes_overmatch(void **state)
{
	(void)state;
	struct env_policy p = {0};

	/* Substring globs, as in Codex: these are removed too. */
	check(&p, V("MONKEY=1", "TOKENIZERS_PARALLELISM=false", "KEYBOARD=us", "EDITOR=vi"), NULL,
	      V("EDITOR=vi"));
}

static void test_ignore_default_excludes(void **state)
{
	(void)state;
	struct env_policy p = {.ignore_default_excludes = true};

	check(&p, V("GITHUB_TOKEN=ghp", "PATH=/bin", "AWS_SECRET_ACCESS_KEY=s", "api_key=k"), NULL,
	      V("GITHUB_TOKEN=ghp", "PATH=/bin", "AWS_SECRET_ACCESS_KEY=s", "api_key=k"));
}

static void test_ignore_default_excludes_keeps_user_excludes(void **state)
{
	(void)state;
	struct env_policy p = {.ignore_default_excludes = true, .exclude = PV("*token*")};

	check(&p, V("GITHUB_TOKEN=ghp", "API_KEY=k"), NULL, V("API_KEY=k"));
}

/* ------------------------------------------------------------ exclude */

static void test_exclude_star(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("AWS_*")};

	check(&p, V("AWS_REGION=eu", "AWS_PROFILE=x", "MY_AWS=1", "AWS_=2", "AWS=3"), NULL,
	      V("MY_AWS=1", "AWS=3"));
}

static void test_exclude_exact(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("FOO")};

	check(&p, V("FOO=1", "FOOBAR=2", "XFOO=3", "foo=4"), NULL, V("FOOBAR=2", "XFOO=3"));
}

static void test_exclude_question(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("TMP?", "LC_??")};

	check(&p, V("TMP=1", "TMPX=2", "TMPDIR=3", "LC_AB=4", "LC_A=5", "LC_ABC=6"), NULL,
	      V("TMP=1", "TMPDIR=3", "LC_A=5", "LC_ABC=6"));
}

static void test_exclude_bracket(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("LC_[AC]*", "[!L]ANG", "X[0-9]")};

	check(&p,
	      V("LC_ALL=C", "LC_CTYPE=C", "LC_NUMERIC=C", "LANG=C", "XANG=1", "X5=1", "XA=1",
		"lc_all=c"),
	      NULL, V("LC_NUMERIC=C", "LANG=C", "XA=1"));
}

static void test_exclude_case_insensitive(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("path", "Home*")};

	check(&p, V("PATH=/bin", "HOMEDIR=/h", "home=/x", "SHELL=/bin/sh"), NULL,
	      V("SHELL=/bin/sh"));
}

static void test_exclude_escaped(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("A\\*")};

	/* Names may hold any byte but '=': an escaped '*' matches only itself. */
	check(&p, V("A*=1", "AB=2"), NULL, V("AB=2"));
}

static void test_exclude_matches_name_only(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("*bad*", "FOO=*")};

	check(&p, V("FOO=bad", "X=1"), NULL, V("FOO=bad", "X=1"));
}

/* ------------------------------------------------------------ request_set and set */

static void test_request_set_beats_default_excludes(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("GITHUB_TOKEN=inherited", "PATH=/bin"), V("GITHUB_TOKEN=named"),
	      V("PATH=/bin", "GITHUB_TOKEN=named"));
}

static void test_request_set_beats_exclude(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("FOO*")};

	check(&p, V("FOO=1", "BAR=1"), V("FOO=2", "FOOBAR=3"), V("BAR=1", "FOO=2", "FOOBAR=3"));
}

static void test_request_set_overrides_keep_position(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("A=1", "B=1", "C=1"), V("B=2", "D=2"), V("A=1", "B=2", "C=1", "D=2"));
}

static void test_set_beats_request_set(void **state)
{
	(void)state;
	struct env_policy p = {.set = PV("FOO=cfg")};

	check(&p, V("FOO=client"), V("FOO=req"), V("FOO=cfg"));
}

static void test_set_beats_excludes(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("*"), .set = PV("GITHUB_TOKEN=cfg", "PATH=/cfg")};

	check(&p, V("PATH=/bin", "HOME=/h"), NULL, V("GITHUB_TOKEN=cfg", "PATH=/cfg"));
}

static void test_set_order_and_values(void **state)
{
	(void)state;
	struct env_policy p = {.set = PV("Z=1", "A=2", "EMPTY=", "EQ=a=b")};

	check(&p, V("A=0", "M=0"), NULL, V("A=2", "M=0", "Z=1", "EMPTY=", "EQ=a=b"));
}

/* ------------------------------------------------------------ include_only */

static void test_include_only_final(void **state)
{
	(void)state;
	struct env_policy p = {.include_only = PV("PATH", "HOME")};

	check(&p, V("PATH=/bin", "FOO=1", "HOME=/h", "LANG=C"), NULL, V("PATH=/bin", "HOME=/h"));
}

static void test_include_only_removes_set(void **state)
{
	(void)state;
	struct env_policy p = {.set = PV("EXTRA=1", "PATH=/cfg"), .include_only = PV("PATH")};

	check(&p, V("PATH=/bin"), NULL, V("PATH=/cfg"));
}

static void test_include_only_removes_request_set(void **state)
{
	(void)state;
	struct env_policy p = {.include_only = PV("PATH")};

	check(&p, V("PATH=/bin"), V("FOO=1"), V("PATH=/bin"));
}

static void test_include_only_globs(void **state)
{
	(void)state;
	struct env_policy p = {.include_only = PV("p*", "LC_?", "[HX]OME")};

	check(&p, V("PATH=/bin", "path=x", "LC_A=1", "LC_AB=2", "HOME=/h", "XOME=1", "ZOME=1"),
	      NULL, V("PATH=/bin", "path=x", "LC_A=1", "HOME=/h", "XOME=1"));
}

static void test_include_only_empty_is_no_filter(void **state)
{
	(void)state;
	struct env_policy p = {.include_only = PV(NULL)};

	/* PV(NULL) is { NULL, NULL }: an empty, non-NULL vector. */
	check(&p, V("A=1", "B=2"), NULL, V("A=1", "B=2"));
}

static void test_include_only_does_not_resurrect(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("FOO"), .include_only = PV("*")};

	check(&p, V("GITHUB_TOKEN=t", "FOO=1", "BAR=2"), NULL, V("BAR=2"));
}

static void test_full_pipeline(void **state)
{
	(void)state;
	struct env_policy p = {
		.inherit = ENV_INHERIT_ALL,
		.exclude = PV("DOCKER_*"),
		.set = PV("CI=1", "LANG=C.UTF-8"),
		.include_only = PV("PATH", "HOME", "LANG", "CI", "GH_TOKEN", "DOCKER_HOST"),
	};

	check(&p,
	      V("HOME=/h", "DOCKER_HOST=unix:///x", "LANG=de_DE", "GH_TOKEN=t1", "PATH=/bin",
		"EDITOR=vi"),
	      V("GH_TOKEN=t2"), V("HOME=/h", "LANG=C.UTF-8", "PATH=/bin", "GH_TOKEN=t2", "CI=1"));
}

/* ------------------------------------------------------------ duplicates */

static void test_duplicates_in_client(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("A=1", "B=1", "A=2", "C=1", "A=3"), NULL, V("A=3", "B=1", "C=1"));
}

static void test_duplicates_across_sources(void **state)
{
	(void)state;
	struct env_policy p = {.set = PV("B=set", "B=set2")};

	check(&p, V("B=c", "A=c"), V("A=r", "B=r", "A=r2"), V("B=set2", "A=r2"));
}

static void test_duplicates_excluded_client_then_request(void **state)
{
	(void)state;
	struct env_policy p = {.exclude = PV("X")};

	/* The excluded client X leaves no trace; X takes the request's place. */
	check(&p, V("X=1", "A=1"), V("X=2"), V("A=1", "X=2"));
}

static void test_names_case_sensitive(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("Path=a", "PATH=b", "path=c"), V("PATH=d"), V("Path=a", "PATH=d", "path=c"));
}

static void test_prefix_names_distinct(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("AB=1", "A=2", "ABC=3", "A=4"), NULL, V("AB=1", "A=4", "ABC=3"));
}

static void test_values_with_equals_and_empty(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check(&p, V("A==", "B=", "C=x=y=z", "D= spaced "), NULL,
	      V("A==", "B=", "C=x=y=z", "D= spaced "));
}

static void test_result_is_a_copy(void **state)
{
	(void)state;
	struct env_policy p = {0};
	char buf[] = "A=1";
	char *client[] = {buf, NULL};
	char **env = NULL;

	assert_int_equal(env_policy_apply(&p, client, NULL, &env), 0);
	assert_ptr_not_equal(env[0], buf);
	buf[2] = '9';
	assert_string_equal(env[0], "A=1");
	strv_free(env);
}

static void test_many_duplicates(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_strv_free_ char **client = calloc(CX_MAX_ENV + 1, sizeof(char *));
	char **env = NULL;

	assert_non_null(client);
	for (size_t i = 0; i < CX_MAX_ENV; i++)
		assert_true(asprintf(&client[i], "SAME=%zu", i) > 0);

	assert_int_equal(env_policy_apply(&p, client, NULL, &env), 0);
	assert_env(env, V("SAME=4095"));
	strv_free(env);
}

static void test_many_names_keep_order(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_strv_free_ char **client = make_env(CX_MAX_ENV, "V", "x");
	char **env = NULL;

	assert_int_equal(env_policy_apply(&p, client, NULL, &env), 0);
	assert_env(env, client);
	strv_free(env);
}

/* ------------------------------------------------------------ malformed input */

static void test_malformed_client(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check_fail(&p, V("PATH=/bin", "NOEQUALS"), NULL, -EINVAL);
	check_fail(&p, V("=value"), NULL, -EINVAL);
	check_fail(&p, V("="), NULL, -EINVAL);
	check_fail(&p, V(""), NULL, -EINVAL);
}

static void test_malformed_even_if_not_inherited(void **state)
{
	(void)state;
	struct env_policy none = {.inherit = ENV_INHERIT_NONE};
	struct env_policy core = {.inherit = ENV_INHERIT_CORE};

	check_fail(&none, V("BROKEN"), NULL, -EINVAL);
	check_fail(&core, V("PATH=/bin", "=x"), NULL, -EINVAL);
	/* A malformed entry whose "name" would be excluded is still rejected. */
	check_fail(&core, V("TOKEN"), NULL, -EINVAL);
}

static void test_malformed_request_set(void **state)
{
	(void)state;
	struct env_policy p = {0};

	check_fail(&p, V("A=1"), V("NOEQ"), -EINVAL);
	check_fail(&p, NULL, V("=1"), -EINVAL);
}

static void test_malformed_policy(void **state)
{
	(void)state;
	struct env_policy bad_set = {.set = PV("NOEQ")};
	struct env_policy bad_exclude = {.exclude = PV("")};
	struct env_policy bad_include = {.include_only = PV("A\\")};
	struct env_policy bad_inherit = {.inherit = _ENV_INHERIT_MAX};
	struct env_policy bad_inherit2 = {.inherit = (enum env_inherit) - 1};

	check_fail(&bad_set, NULL, NULL, -EINVAL);
	check_fail(&bad_exclude, NULL, NULL, -EINVAL);
	check_fail(&bad_include, NULL, NULL, -EINVAL);
	check_fail(&bad_inherit, NULL, NULL, -EINVAL);
	check_fail(&bad_inherit2, NULL, NULL, -EINVAL);
}

static void test_null_arguments(void **state)
{
	(void)state;
	struct env_policy p = {0};
	char **env = SENTINEL;

	assert_int_equal(env_policy_apply(NULL, NULL, NULL, &env), -EINVAL);
	assert_ptr_equal(env, SENTINEL);
	assert_int_equal(env_policy_apply(&p, NULL, NULL, NULL), -EINVAL);
}

/* ------------------------------------------------------------ limits */

static void test_limit_name(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_free_ char *ok = make_entry(CX_MAX_ENV_NAME, 1);
	_cleanup_free_ char *big = make_entry(CX_MAX_ENV_NAME + 1, 1);
	char **env = NULL;

	assert_int_equal(env_policy_apply(&p, (char *[]){ok, NULL}, NULL, &env), 0);
	assert_env(env, (char *[]){ok, NULL});
	strv_free(env);

	check_fail(&p, (char *[]){big, NULL}, NULL, -E2BIG);
	check_fail(&p, NULL, (char *[]){big, NULL}, -E2BIG);
}

static void test_limit_value(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_free_ char *ok = make_entry(4, CX_MAX_ENV_VALUE);
	_cleanup_free_ char *big = make_entry(4, CX_MAX_ENV_VALUE + 1);
	char **env = NULL;

	assert_int_equal(env_policy_apply(&p, (char *[]){ok, NULL}, NULL, &env), 0);
	assert_env(env, (char *[]){ok, NULL});
	strv_free(env);

	check_fail(&p, (char *[]){big, NULL}, NULL, -E2BIG);
	check_fail(&p, NULL, (char *[]){big, NULL}, -E2BIG);
}

static void test_limit_value_in_set(void **state)
{
	(void)state;
	_cleanup_free_ char *big = make_entry(4, CX_MAX_ENV_VALUE + 1);
	struct env_policy p = {.set = (char *[]){big, NULL}};

	check_fail(&p, NULL, NULL, -E2BIG);
	assert_int_equal(env_policy_validate(&p), -E2BIG);
}

static void test_limit_count_client(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_strv_free_ char **ok = make_env(CX_MAX_ENV, "V", "1");
	_cleanup_strv_free_ char **big = make_env(CX_MAX_ENV + 1, "V", "1");
	_cleanup_strv_free_ char **huge = make_env(3 * CX_MAX_ENV, "V", "1");
	char **env = NULL;

	assert_int_equal(env_policy_apply(&p, ok, NULL, &env), 0);
	assert_int_equal(strv_length(env), CX_MAX_ENV);
	strv_free(env);

	check_fail(&p, big, NULL, -E2BIG);
	check_fail(&p, huge, NULL, -E2BIG);
	check_fail(&p, NULL, big, -E2BIG);
}

static void test_limit_count_inherit_none(void **state)
{
	(void)state;
	struct env_policy p = {.inherit = ENV_INHERIT_NONE};
	_cleanup_strv_free_ char **big = make_env(CX_MAX_ENV + 1, "V", "1");

	/* Too many entries is a bad request whatever the policy keeps. */
	check_fail(&p, big, NULL, -E2BIG);
}

static void test_limit_count_result(void **state)
{
	(void)state;
	struct env_policy p = {0};
	_cleanup_strv_free_ char **client = make_env(CX_MAX_ENV, "V", "1");
	char **env = NULL;

	/* Each input within bounds, the union one over. */
	check_fail(&p, client, V("EXTRA=1"), -E2BIG);

	/* Overriding an existing name does not grow the result. */
	assert_int_equal(env_policy_apply(&p, client, V("V7=2"), &env), 0);
	assert_int_equal(strv_length(env), CX_MAX_ENV);
	assert_string_equal(env[7], "V7=2");
	strv_free(env);

	/* include_only applies before the count. */
	struct env_policy q = {.set = PV("EXTRA=1"), .include_only = PV("V*")};
	assert_int_equal(env_policy_apply(&q, client, NULL, &env), 0);
	assert_int_equal(strv_length(env), CX_MAX_ENV);
	strv_free(env);
}

static void test_limit_count_policy(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **patterns = make_env(CX_MAX_ENV + 1, "P", "");
	struct env_policy p = {.exclude = patterns};

	/* (The "=" in these patterns is fine: only the count is checked first.) */
	assert_int_equal(env_policy_validate(&p), -E2BIG);
	check_fail(&p, NULL, NULL, -E2BIG);
}

/* ------------------------------------------------------------ helpers */

static void test_inherit_strings(void **state)
{
	(void)state;
	enum env_inherit i = ENV_INHERIT_NONE;

	assert_int_equal(env_policy_inherit_from_string("all", &i), 0);
	assert_int_equal(i, ENV_INHERIT_ALL);
	assert_int_equal(env_policy_inherit_from_string("core", &i), 0);
	assert_int_equal(i, ENV_INHERIT_CORE);
	assert_int_equal(env_policy_inherit_from_string("none", &i), 0);
	assert_int_equal(i, ENV_INHERIT_NONE);

	i = ENV_INHERIT_CORE;
	assert_int_equal(env_policy_inherit_from_string("ALL", &i), -EINVAL);
	assert_int_equal(env_policy_inherit_from_string("", &i), -EINVAL);
	assert_int_equal(env_policy_inherit_from_string("al", &i), -EINVAL);
	assert_int_equal(env_policy_inherit_from_string("all ", &i), -EINVAL);
	assert_int_equal(env_policy_inherit_from_string(NULL, &i), -EINVAL);
	assert_int_equal(env_policy_inherit_from_string("all", NULL), -EINVAL);
	assert_int_equal(i, ENV_INHERIT_CORE);

	for (int k = 0; k < _ENV_INHERIT_MAX; k++) {
		const char *s = env_inherit_to_string((enum env_inherit)k);

		assert_non_null(s);
		assert_int_equal(env_policy_inherit_from_string(s, &i), 0);
		assert_int_equal(i, k);
	}
	assert_null(env_inherit_to_string(_ENV_INHERIT_MAX));
	assert_null(env_inherit_to_string((enum env_inherit) - 1));
}

static void test_name_is_valid(void **state)
{
	(void)state;
	char name[CX_MAX_ENV_NAME + 2];

	assert_true(env_name_is_valid("PATH"));
	assert_true(env_name_is_valid("a"));
	assert_true(env_name_is_valid("_x1"));
	assert_true(env_name_is_valid("1ABC"));
	assert_true(env_name_is_valid("A-B.C"));
	assert_true(env_name_is_valid("\xc3\xa9"));
	assert_false(env_name_is_valid(""));
	assert_false(env_name_is_valid(NULL));
	assert_false(env_name_is_valid("A=B"));
	assert_false(env_name_is_valid("="));
	assert_false(env_name_is_valid("A="));

	memset(name, 'A', sizeof(name));
	name[CX_MAX_ENV_NAME] = '\0';
	assert_true(env_name_is_valid(name));
	name[CX_MAX_ENV_NAME] = 'A';
	name[CX_MAX_ENV_NAME + 1] = '\0';
	assert_false(env_name_is_valid(name));
}

static void test_entry_validate(void **state)
{
	(void)state;
	_cleanup_free_ char *long_name = make_entry(CX_MAX_ENV_NAME + 1, 0);
	_cleanup_free_ char *long_value = make_entry(1, CX_MAX_ENV_VALUE + 1);
	_cleanup_free_ char *max = make_entry(CX_MAX_ENV_NAME, CX_MAX_ENV_VALUE);

	assert_int_equal(env_entry_validate("A=1"), 0);
	assert_int_equal(env_entry_validate("A="), 0);
	assert_int_equal(env_entry_validate("A=b=c"), 0);
	assert_int_equal(env_entry_validate(max), 0);
	assert_int_equal(env_entry_validate(NULL), -EINVAL);
	assert_int_equal(env_entry_validate(""), -EINVAL);
	assert_int_equal(env_entry_validate("A"), -EINVAL);
	assert_int_equal(env_entry_validate("=A"), -EINVAL);
	assert_int_equal(env_entry_validate("=="), -EINVAL);
	assert_int_equal(env_entry_validate(long_name), -E2BIG);
	assert_int_equal(env_entry_validate(long_value), -E2BIG);
}

static void test_pattern_is_valid(void **state)
{
	(void)state;
	char pat[CX_MAX_ENV_NAME + 2];

	assert_true(env_policy_pattern_is_valid("*"));
	assert_true(env_policy_pattern_is_valid("*KEY*"));
	assert_true(env_policy_pattern_is_valid("LC_[A-Z]?"));
	assert_true(env_policy_pattern_is_valid("A\\*"));
	assert_true(env_policy_pattern_is_valid("A\\\\"));
	assert_false(env_policy_pattern_is_valid(NULL));
	assert_false(env_policy_pattern_is_valid(""));
	assert_false(env_policy_pattern_is_valid("A\\"));
	assert_false(env_policy_pattern_is_valid("\\"));
	assert_false(env_policy_pattern_is_valid("A\\\\\\"));
	assert_false(env_policy_pattern_is_valid("A\tB"));
	assert_false(env_policy_pattern_is_valid("A\nB"));
	assert_false(env_policy_pattern_is_valid("A\x7f"));
	assert_false(env_policy_pattern_is_valid("A\\\x01"));

	memset(pat, '*', sizeof(pat));
	pat[CX_MAX_ENV_NAME] = '\0';
	assert_true(env_policy_pattern_is_valid(pat));
	pat[CX_MAX_ENV_NAME] = '*';
	pat[CX_MAX_ENV_NAME + 1] = '\0';
	assert_false(env_policy_pattern_is_valid(pat));
}

static void test_policy_validate(void **state)
{
	(void)state;
	struct env_policy ok = {
		.inherit = ENV_INHERIT_CORE,
		.exclude = PV("A*"),
		.set = PV("X=1"),
		.include_only = PV("*"),
	};
	struct env_policy bad = {.include_only = PV("*", "")};

	assert_int_equal(env_policy_validate(&ok), 0);
	assert_int_equal(env_policy_validate(&bad), -EINVAL);
	assert_int_equal(env_policy_validate(NULL), -EINVAL);
}

static void test_policy_done(void **state)
{
	(void)state;
	struct env_policy p = {
		.inherit = ENV_INHERIT_CORE,
		.ignore_default_excludes = true,
		.exclude = strv_copy(V("A*", "B*")),
		.set = strv_copy(V("X=1")),
		.include_only = strv_copy(V("*")),
	};

	assert_non_null(p.exclude);
	assert_non_null(p.set);
	assert_non_null(p.include_only);
	env_policy_done(&p);
	assert_null(p.exclude);
	assert_null(p.set);
	assert_null(p.include_only);
	assert_int_equal(p.inherit, ENV_INHERIT_CORE);
	assert_true(p.ignore_default_excludes);

	env_policy_done(&p); /* twice is fine */
	env_policy_done(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_policy_is_all_with_excludes),
		cmocka_unit_test(test_inherit_all),
		cmocka_unit_test(test_inherit_core),
		cmocka_unit_test(test_inherit_core_still_filtered),
		cmocka_unit_test(test_inherit_none),
		cmocka_unit_test(test_inherit_none_with_sets),
		cmocka_unit_test(test_null_inputs),
		cmocka_unit_test(test_default_excludes),
		cmocka_unit_test(test_default_excludes_overmatch),
		cmocka_unit_test(test_ignore_default_excludes),
		cmocka_unit_test(test_ignore_default_excludes_keeps_user_excludes),
		cmocka_unit_test(test_exclude_star),
		cmocka_unit_test(test_exclude_exact),
		cmocka_unit_test(test_exclude_question),
		cmocka_unit_test(test_exclude_bracket),
		cmocka_unit_test(test_exclude_case_insensitive),
		cmocka_unit_test(test_exclude_escaped),
		cmocka_unit_test(test_exclude_matches_name_only),
		cmocka_unit_test(test_request_set_beats_default_excludes),
		cmocka_unit_test(test_request_set_beats_exclude),
		cmocka_unit_test(test_request_set_overrides_keep_position),
		cmocka_unit_test(test_set_beats_request_set),
		cmocka_unit_test(test_set_beats_excludes),
		cmocka_unit_test(test_set_order_and_values),
		cmocka_unit_test(test_include_only_final),
		cmocka_unit_test(test_include_only_removes_set),
		cmocka_unit_test(test_include_only_removes_request_set),
		cmocka_unit_test(test_include_only_globs),
		cmocka_unit_test(test_include_only_empty_is_no_filter),
		cmocka_unit_test(test_include_only_does_not_resurrect),
		cmocka_unit_test(test_full_pipeline),
		cmocka_unit_test(test_duplicates_in_client),
		cmocka_unit_test(test_duplicates_across_sources),
		cmocka_unit_test(test_duplicates_excluded_client_then_request),
		cmocka_unit_test(test_names_case_sensitive),
		cmocka_unit_test(test_prefix_names_distinct),
		cmocka_unit_test(test_values_with_equals_and_empty),
		cmocka_unit_test(test_result_is_a_copy),
		cmocka_unit_test(test_many_duplicates),
		cmocka_unit_test(test_many_names_keep_order),
		cmocka_unit_test(test_malformed_client),
		cmocka_unit_test(test_malformed_even_if_not_inherited),
		cmocka_unit_test(test_malformed_request_set),
		cmocka_unit_test(test_malformed_policy),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_limit_name),
		cmocka_unit_test(test_limit_value),
		cmocka_unit_test(test_limit_value_in_set),
		cmocka_unit_test(test_limit_count_client),
		cmocka_unit_test(test_limit_count_inherit_none),
		cmocka_unit_test(test_limit_count_result),
		cmocka_unit_test(test_limit_count_policy),
		cmocka_unit_test(test_inherit_strings),
		cmocka_unit_test(test_name_is_valid),
		cmocka_unit_test(test_entry_validate),
		cmocka_unit_test(test_pattern_is_valid),
		cmocka_unit_test(test_policy_validate),
		cmocka_unit_test(test_policy_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
