/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/pathglob.h"

struct gcase {
	const char *pattern, *path;
	bool match;
};

static void run_cases(const struct gcase *c, size_t n, bool (*fn)(const char *, const char *))
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		bool got = fn(c[i].pattern, c[i].path);

		if (got != c[i].match) {
			print_error("pattern \"%s\" path \"%s\": expected %d, got %d\n",
				    c[i].pattern, c[i].path, c[i].match, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_star_and_question(void **state)
{
	static const struct gcase c[] = {
		{"*.c", "a.c", true},
		{"*.c", ".c", true},
		{"*.c", "a.h", false},
		{"*.c", "dir/a.c", false}, /* '*' does not cross '/' */
		{"*/a.c", "dir/a.c", true},
		{"*/a.c", "d1/d2/a.c", false},
		{"?.c", "a.c", true},
		{"?.c", "ab.c", false},
		{"?.c", ".c", false},
		{"?", "/", false},
		{"a?b", "a/b", false},
		{"?.c", "\xc3\xa9.c", true}, /* one UTF-8 character */
		{"??.c", "\xc3\xa9.c", false},
		{"*", ".hidden", true}, /* a leading dot is not special */
		{".*", ".hidden", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"a**b", "axyzb", true}, /* "**" inside a component is '*' */
		{"a**b", "ax/yb", false},
		{"A", "a", false}, /* case-sensitive */
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"*", "", true},
	};

	(void)state;
	run_cases(c, ARRAY_SIZE(c), pathglob_match);
}

static void test_globstar(void **state)
{
	static const struct gcase c[] = {
		{"**/a.c", "a.c", true},
		{"**/a.c", "x/a.c", true},
		{"**/a.c", "x/y/z/a.c", true},
		{"**/a.c", "/x/a.c", true},
		{"**/a.c", "/a.c", true},
		{"**/a.c", "x/a.cc", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"a/**/b", "b", false},
		{"a/**", "a", false}, /* a final "**" needs one component */
		{"a/**", "a/b", true},
		{"a/**", "a/b/c", true},
		{"a/**", "b/c", false},
		{"**", "x", true},
		{"**", "x/y/z", true},
		{"**", "/x", true},
		{"/**", "/x/y", true},
		{"/srv/**/*.key", "/srv/a.key", true},
		{"/srv/**/*.key", "/srv/x/y/a.key", true},
		{"/srv/**/*.key", "/srv/x/y/a.pem", false},
		{"**/x/**/y", "a/x/b/c/y", true},
		{"**/x/**/y", "a/x/b/c/z", false},
		{"**/**/a", "a", true},
		{"x/**/**/y", "x/y", true},
	};

	(void)state;
	run_cases(c, ARRAY_SIZE(c), pathglob_match);
}

static void test_classes_and_escapes(void **state)
{
	static const struct gcase c[] = {
		{"[abc]x", "bx", true},
		{"[abc]x", "dx", false},
		{"[!abc]x", "bx", false},
		{"[!abc]x", "dx", true},
		{"[^abc]x", "dx", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[a-cx-z]", "y", true},
		{"[]]x", "]x", true},
		{"[!]]x", "]x", false},
		{"[!]]x", "ax", true},
		{"[a-]", "-", true},
		{"*.[ch]", "x.h", true},
		{"*.[ch]", "x.o", false},
		{"[\xc3\xa9]", "\xc3\xa9", true}, /* classes work on characters */
		{"[!\xc3\xa9]", "\xc3\xa8", true},
		{"[\\]]", "]", true},
		{"[", "[", true}, /* unclosed: literal */
		{"[ab", "[ab", true},
		{"[ab", "a", false},
		{"a[/]b", "a/b", false}, /* '/' always separates components */
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"\\?", "?", true},
		{"\\[a]", "[a]", true},
		{"a\\", "a\\", true}, /* a final backslash is literal */
	};

	(void)state;
	run_cases(c, ARRAY_SIZE(c), pathglob_match);
}

static void test_absolute(void **state)
{
	static const struct gcase c[] = {
		{"/etc/*", "/etc/passwd", true},
		{"/etc/*", "etc/passwd", false},
		{"etc/*", "/etc/passwd", false},
		{"/etc/*", "/etc/ssh/x", false},
		{"/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key", true},
		{"/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key.pub", false},
		{"*/etc", "/etc", true}, /* '*' meets the empty first component */
	};

	(void)state;
	run_cases(c, ARRAY_SIZE(c), pathglob_match);
}

static void test_covers(void **state)
{
	static const struct gcase c[] = {
		{"/home/u/.ssh", "/home/u/.ssh", true},
		{"/home/u/.ssh", "/home/u/.ssh/id_ed25519", true},
		{"/home/u/.ssh", "/home/u/.ssh/a/b/c", true},
		{"/home/u/.ssh", "/home/u/.sshx", false},
		{"/home/u/.ssh", "/home/u", false},
		{"**/.git", "/p/.git/hooks/pre-commit", true},
		{"**/.env", "/srv/app/.env", true},
		{"**/.env", "/srv/app/.envrc", false},
		{"x", "x/y/z", true},
		{"x", "y/x", false},
		{"x/*.pem", "x/a.pem/inner", true},
		{"/", "/a", false}, /* the root is never an ancestor candidate */
		{"a/**", "a", false},
	};

	(void)state;
	run_cases(c, ARRAY_SIZE(c), pathglob_covers);
}

static void test_match_len(void **state)
{
	(void)state;
	assert_true(pathglob_match_len("/a/b", "/a/b/c", 4));
	assert_false(pathglob_match_len("/a/b", "/a/b/c", 3));
	assert_true(pathglob_match_len("", "xyz", 0));
	assert_false(pathglob_match(NULL, "a"));
	assert_false(pathglob_match("a", NULL));
	assert_false(pathglob_covers(NULL, "a"));
}

/* Patterns that make naive backtracking exponential finish at once. */
static void test_pathological(void **state)
{
	char path[8192], pat[1024];
	size_t o = 0;

	(void)state;
	memset(path, 'a', 4000);
	path[4000] = '\0';
	assert_false(pathglob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));

	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "/d");
	o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(pat + o, sizeof(pat) - o, "**/");
	snprintf(pat + o, sizeof(pat) - o, "x");
	assert_false(pathglob_match(pat, path));
	assert_false(pathglob_covers(pat, path));
	snprintf(pat + o, sizeof(pat) - o, "d");
	assert_true(pathglob_match(pat, path));
}

static void test_bounded(void **state)
{
	static char pat[4096], path[4096];
	size_t budget, o = 0;

	(void)state;
	/* One '*' before a long literal: about |pattern| x |path| steps. */
	o += (size_t)snprintf(pat, sizeof(pat), "/*");
	memset(pat + o, 'a', 2000);
	snprintf(pat + o + 2000, sizeof(pat) - o - 2000, "b");
	memset(path, 'a', 4000);
	path[0] = '/';
	path[4000] = '\0';

	budget = 1000;
	assert_int_equal(pathglob_match_bounded(pat, path, &budget), -E2BIG);
	assert_int_equal(budget, 0);
	assert_int_equal(pathglob_covers_bounded(pat, path, &budget), -E2BIG);
	assert_int_equal(budget, 0);
	budget = SIZE_MAX;
	assert_int_equal(pathglob_covers_bounded(pat, path, &budget), 0);
	assert_true(SIZE_MAX - budget > 1000000);

	/* Ordinary patterns are cheap and agree with the unbounded calls. */
	budget = 100;
	assert_int_equal(pathglob_covers_bounded("**/.ssh", "/home/u/.ssh/id", &budget), 1);
	assert_true(budget > 0);
	budget = 100;
	assert_int_equal(pathglob_match_bounded("/etc/*", "/etc/ssh/x", &budget), 0);
	budget = 0;
	assert_int_equal(pathglob_match_bounded("a", "a", &budget), -E2BIG);
	assert_int_equal(pathglob_match_bounded("a", NULL, &budget), 0);
}

static void test_has_wildcards(void **state)
{
	(void)state;
	assert_true(pathglob_has_wildcards("**/*.env"));
	assert_true(pathglob_has_wildcards("/a/b?"));
	assert_true(pathglob_has_wildcards("/a/[bc]"));
	assert_true(pathglob_has_wildcards("/a/\\*"));
	assert_false(pathglob_has_wildcards("/home/u/.ssh"));
	assert_false(pathglob_has_wildcards(""));
	assert_false(pathglob_has_wildcards(NULL));
}

static bool name_dependent_case(const char *pattern, const char *dir)
{
	return pathglob_name_dependent(pattern, dir);
}

static void test_name_dependent(void **state)
{
	static const struct gcase c[] = {
		/* A name-based pattern at any depth: no directory rename changes it. */
		{"/ws/**/*.env", "/ws/a", false},
		{"/ws/**/*.env", "/ws/a.env", false}, /* itself matched: pathglob_covers() */
		{"/ws/**/*.env", "/ws", true}, /* the root named by the pattern */
		/* A directory named in the pattern. */
		{"/home/*/secrets/**", "/home/u/secrets", true},
		{"/home/*/secrets/**", "/home/u", false},
		{"/home/*/secrets/**", "/home", true},
		{"/home/*/secrets/**", "/etc", false},
		{"/ws/**/secrets/*", "/ws/a/secrets", true},
		{"/ws/**/secrets/*", "/ws/a/other", false},
		{"/ws/**/secrets/*", "/ws/secrets", true},
		{"/ws/a/b/c", "/ws/a", true},
		{"/ws/a/b/c", "/ws/a/b/c", false}, /* nothing below c is matched */
		{"/ws/*/b", "/ws/x", false},
		{"/ws/**/b", "/ws/x", false},
		{"/ws/x*/b", "/ws/xy", true},
		{"/ws/***/b", "/ws/xy", false},
		{"/ws/?/b", "/ws/x", true},
		{"/ws/[ab]/c", "/ws/a", true},
		{"/ws/[ab]/c", "/ws/z", false},
		{"**/.git/**", "/ws/.git", true},
		{"**/.git/**", "/ws/src", false},
		{"rel/*.env", "rel", true},
	};
	char big[PATHGLOB_MAX_COMPONENTS * 2 + 8];

	(void)state;
	run_cases(c, ARRAY_SIZE(c), name_dependent_case);
	/* Too many components: the safe answer. */
	for (size_t i = 0; i < PATHGLOB_MAX_COMPONENTS + 1; i++) {
		big[2 * i] = '/';
		big[2 * i + 1] = 'a';
	}
	big[2 * (PATHGLOB_MAX_COMPONENTS + 1)] = '\0';
	assert_true(pathglob_name_dependent(big, "/x"));
	assert_false(pathglob_name_dependent(NULL, "/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_and_question),
		cmocka_unit_test(test_globstar),
		cmocka_unit_test(test_classes_and_escapes),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_match_len),
		cmocka_unit_test(test_pathological),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_has_wildcards),
		cmocka_unit_test(test_name_dependent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
