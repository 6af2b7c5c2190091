/* SPDX-License-Identifier: MIT */
/*
 * The rules language: fixtures (tests/fixtures/rules/, run from the repo
 * root), exact error positions, limits, encodings, and the semantics of
 * loading (all-or-nothing, host_executable replacement, normalisation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/macro.h"
#include "policy/rules.h"

#define FIXTURES "tests/fixtures/rules"

static char err[2048];

static int load_n(struct rules_set *s, enum rules_layer layer, const char *name, const char *text,
		  size_t len)
{
	err[0] = '\0';
	return rules_set_add_text(s, layer, name, text, len, err, sizeof(err));
}

static int load_named(struct rules_set *s, enum rules_layer layer, const char *name,
		      const char *text)
{
	return load_n(s, layer, name, text, strlen(text));
}

static int load(struct rules_set *s, const char *text)
{
	return load_n(s, RULES_LAYER_USER, "t.rules", text, strlen(text));
}

static void assert_empty(const struct rules_set *s)
{
	struct rules_set_stats st;

	rules_set_get_stats(s, &st);
	assert_int_equal(st.files, 0);
	assert_int_equal(st.prefix_rules, 0);
	assert_int_equal(st.host_executables, 0);
	assert_int_equal(st.network_rules, 0);
	assert_int_equal(st.glob_rules, 0);
}

/* Loading text (len bytes) fails with exactly this message, adding nothing. */
static void expect_error_n(const char *text, size_t len, const char *expected)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	int r;

	assert_non_null(s);
	r = load_n(s, RULES_LAYER_USER, "t.rules", text, len);
	if (r != -EINVAL || strcmp(err, expected) != 0)
		print_error("expected: %s\n     got: %s (r=%d)\n", expected, err, r);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, expected);
	assert_empty(s);
}

static void expect_error(const char *text, const char *expected)
{
	expect_error_n(text, strlen(text), expected);
}

static void expect_ok(const char *text)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	int r;

	assert_non_null(s);
	r = load(s, text);
	if (r < 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(r, 0);
}

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = malloc(CX_MAX_RULES_FILE + 1);
	assert_non_null(buf);
	n = fread(buf, 1, CX_MAX_RULES_FILE + 1, f);
	fclose(f);
	*ret_len = n;
	return buf;
}

static int load_fixture(struct rules_set *s, enum rules_layer layer, const char *name)
{
	char path[512];
	_cleanup_free_ char *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	text = read_file(path, &len);
	return load_n(s, layer, name, text, len);
}

/* ---------------------------------------------------------------- fixtures */

static void test_fixtures(void **state)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *de;
	size_t n_valid = 0, n_invalid = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t nl = strlen(name);
		_cleanup_(rules_set_freep) struct rules_set *s = NULL;
		_cleanup_free_ char *text = NULL;
		char path[512];
		size_t len;
		int r;

		if (nl < 7 || strcmp(name + nl - 6, ".rules") != 0)
			continue;
		snprintf(path, sizeof(path), FIXTURES "/%s", name);
		text = read_file(path, &len);
		s = rules_set_new();
		assert_non_null(s);
		r = load_n(s, RULES_LAYER_USER, name, text, len);
		if (strncmp(name, "invalid_", 8) == 0) {
			/* First line: "# error: <the exact message>". */
			const char *nlp = memchr(text, '\n', len);
			char expected[1024];

			assert_non_null(nlp);
			assert_true(strncmp(text, "# error: ", 9) == 0);
			snprintf(expected, sizeof(expected), "%.*s", (int)(nlp - text - 9),
				 text + 9);
			if (r != -EINVAL || strcmp(err, expected) != 0)
				print_error("%s:\n  expected: %s\n       got: %s\n", name, expected,
					    err);
			assert_int_equal(r, -EINVAL);
			assert_string_equal(err, expected);
			assert_empty(s);
			n_invalid++;
		} else {
			if (r < 0)
				print_error("%s: %s\n", name, err);
			assert_int_equal(r, 0);
			n_valid++;
		}
	}
	closedir(d);
	assert_true(n_valid >= 6);
	assert_true(n_invalid >= 70);
}

static void test_fixture_codex_basic(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_set_stats st;
	const struct rules_network_rule *n;

	(void)state;
	assert_int_equal(load_fixture(s, RULES_LAYER_USER, "codex_basic.rules"), 0);
	rules_set_get_stats(s, &st);
	/* git status, rm, ls, bash + sh (first-position expansion), npm, git, git commit */
	assert_int_equal(st.prefix_rules, 8);
	assert_int_equal(st.network_rules, 4);
	assert_int_equal(st.files, 1);
	n = rules_set_network_rule(s, 2);
	assert_non_null(n);
	assert_string_equal(n->host, "blocked.example.com");
	assert_int_equal(n->protocol, RULES_NET_HTTPS);
	assert_int_equal(n->decision, RULES_DECISION_FORBIDDEN); /* "deny" */
	assert_string_equal(n->file, "codex_basic.rules");
	assert_int_equal(n->line, 39);
	assert_int_equal(n->column, 1);
	n = rules_set_network_rule(s, 3);
	assert_int_equal(n->decision, RULES_DECISION_PROMPT);
	assert_null(rules_set_network_rule(s, 4));
}

static void test_fixture_codex_readme(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	const char *const *paths;
	enum rules_layer layer;
	size_t n;

	(void)state;
	assert_int_equal(load_fixture(s, RULES_LAYER_PROJECT, "codex_readme.rules"), 0);
	assert_int_equal(rules_set_host_executable(s, "git", &paths, &n, &layer), 1);
	assert_int_equal(n, 2);
	assert_string_equal(paths[0], "/opt/homebrew/bin/git");
	assert_string_equal(paths[1], "/usr/bin/git");
	assert_int_equal(layer, RULES_LAYER_PROJECT);
	assert_int_equal(rules_set_host_executable(s, "az", &paths, &n, NULL), 1);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "~/.openai/bin/az");
	assert_int_equal(rules_set_host_executable(s, "rg", &paths, &n, NULL), 0);
	assert_int_equal(rules_set_host_executable(NULL, "rg", NULL, NULL, NULL), -EINVAL);
}

static void test_fixture_network_glob(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_set_stats st;
	const struct rules_network_rule *n;
	const struct rules_glob_rule *g;
	const char *const *paths;
	size_t np;

	(void)state;
	assert_int_equal(load_fixture(s, RULES_LAYER_MANAGED, "host_network_glob.rules"), 0);
	rules_set_get_stats(s, &st);
	assert_int_equal(st.host_executables, 2);
	assert_int_equal(st.network_rules, 4);
	assert_int_equal(st.glob_rules, 5);

	/* Duplicates dropped; an explicit empty list is kept. */
	assert_int_equal(rules_set_host_executable(s, "python3", &paths, &np, NULL), 1);
	assert_int_equal(np, 1);
	assert_int_equal(rules_set_host_executable(s, "rg", &paths, &np, NULL), 1);
	assert_int_equal(np, 0);

	n = rules_set_network_rule(s, 0);
	assert_string_equal(n->host, "api.example.com");
	assert_int_equal(n->protocol, RULES_NET_HTTPS); /* https_connect */
	assert_int_equal(n->decision, RULES_DECISION_ALLOW);
	assert_string_equal(n->justification, "the API");
	assert_int_equal(n->layer, RULES_LAYER_MANAGED);
	n = rules_set_network_rule(s, 1);
	assert_string_equal(n->host, "::1");
	assert_int_equal(n->protocol, RULES_NET_HTTPS); /* http-connect */
	assert_int_equal(n->decision, RULES_DECISION_FORBIDDEN);
	assert_null(n->justification);
	n = rules_set_network_rule(s, 2);
	assert_string_equal(n->host, "example.org");
	assert_int_equal(n->protocol, RULES_NET_SOCKS5_TCP);
	n = rules_set_network_rule(s, 3);
	assert_int_equal(n->protocol, RULES_NET_SOCKS5_UDP);

	g = rules_set_glob_rule(s, 0);
	assert_string_equal(g->pattern, "~/.ssh");
	assert_int_equal(g->access, RULES_ACCESS_READ);
	assert_int_equal(g->decision, RULES_DECISION_FORBIDDEN);
	assert_string_equal(g->justification, "keys");
	assert_string_equal(g->file, "host_network_glob.rules");
	assert_int_equal(g->line, 11);
	g = rules_set_glob_rule(s, 1);
	assert_int_equal(g->access, RULES_ACCESS_ANY); /* the default */
	g = rules_set_glob_rule(s, 3);
	assert_int_equal(g->access, RULES_ACCESS_WRITE);
	assert_int_equal(g->decision, RULES_DECISION_PROMPT);
	assert_null(rules_set_glob_rule(s, 5));
}

/* ---------------------------------------------------------------- positions */

static void test_error_positions(void **state)
{
	(void)state;
	/* Positions are of the offending value, line and column 1-based. */
	expect_error("\n\nprefix_rule(\n    pattern = [\"git\", True],\n)\n",
		     "t.rules:4:23: invalid pattern element: pattern element must be a string or "
		     "list of strings (got bool)");
	expect_error("prefix_rule(pattern=[\"a\"])\nprefix_rule(pattern=[\"b\"], decision=\"x\")\n",
		     "t.rules:2:37: invalid decision: x");
	/* Columns count characters, not bytes. */
	expect_error("prefix_rule(pattern = [\"\xc3\xa9\xc3\xa9\", True])",
		     "t.rules:1:30: invalid pattern element: pattern element must be a string or "
		     "list of strings (got bool)");
	/* Example failures point at the call. */
	expect_error("# c\n  # indented comment is fine\nprefix_rule(\n  pattern = [\"ls\"],\n"
		     "  match = [\"cat x\"])",
		     "t.rules:3:1: expected every example to match at least one rule. rules: "
		     "[[\"ls\"]]; unmatched examples: [\"cat x\"]");
	/* Tabs count as one column. */
	expect_error("prefix_rule(\n\tpattern = [])", "t.rules:2:12: invalid pattern element: "
						      "pattern cannot be empty");
	/* At most four examples are quoted, each shell-quoted and cut short. */
	expect_error("prefix_rule(pattern = [\"x\"], match = [\"a\", \"b\", \"c 'd e'\", \"f\", "
		     "\"g\"])",
		     "t.rules:1:1: expected every example to match at least one rule. rules: "
		     "[[\"x\"]]; unmatched examples: [\"a\", \"b\", \"c 'd e'\", \"f\", ...]");
}

static void test_first_error_is_codex_order(void **state)
{
	(void)state;
	/* decision is checked before justification, justification before pattern. */
	expect_error("prefix_rule(pattern = [], decision = \"bad\", justification = \" \")",
		     "t.rules:1:38: invalid decision: bad");
	expect_error("prefix_rule(pattern = [], justification = \"\")",
		     "t.rules:1:43: invalid rule: justification cannot be empty");
	/* Unicode white space is white space too. */
	expect_error("prefix_rule(pattern = [\"a\"], justification = \"\\u00a0\\u3000\\t\")",
		     "t.rules:1:46: invalid rule: justification cannot be empty");
}

/* ---------------------------------------------------------------- encodings */

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_error("prefix_rule(pattern = [\"\xff\"])", "t.rules:1:25: invalid UTF-8");
	expect_error("# \xc3\xa9\n# ok\nX = \"\xc0\xaf\"",
		     "t.rules:3:6: invalid UTF-8"); /* overlong */
	expect_error("X = \"\xed\xa0\x80\"", "t.rules:1:6: invalid UTF-8"); /* surrogate */
	expect_error("X = \"\xf4\x90\x80\x80\"", "t.rules:1:6: invalid UTF-8"); /* > U+10FFFF */
	expect_error("X = \"ab\xe2\x82", "t.rules:1:8: invalid UTF-8"); /* truncated */
	expect_error("# \x80\n", "t.rules:1:3: invalid UTF-8"); /* in a comment too */
	/* A byte-order mark is not white space. */
	expect_error("\xef\xbb\xbfprefix_rule(pattern = [\"a\"])",
		     "t.rules:1:1: unexpected character U+FEFF");
	/* Non-ASCII in strings and comments is fine. */
	expect_ok("# caf\xc3\xa9\nprefix_rule(pattern = [\"caf\xc3\xa9\", \"\xf0\x9f\x98\x80\"])");
}

static void test_nul(void **state)
{
	static const char text[] = "prefix_rule(pattern = [\"a\"])\nX = \"a\0b\"\n";

	(void)state;
	expect_error_n(text, sizeof(text) - 1, "t.rules:2:7: NUL byte in file");
	expect_error("X = \"\\x00\"", "t.rules:1:6: NUL character in string literal");
	expect_error("X = \"\\u0000\"", "t.rules:1:6: NUL character in string literal");
	expect_error("X = \"\\U00000000\"", "t.rules:1:6: NUL character in string literal");
}

static void test_strings(void **state)
{
	(void)state;
	expect_ok("X = 'single'\nY = \"double\"\nZ = '''tri\nple'''\nW = \"\"\"a \"b\" c\"\"\"");
	expect_ok("X = r'\\d+\\.'\nY = r\"\\\"\"\nZ = R'\\\\'");
	expect_ok("X = \"\\\\ \\' \\\" \\n \\t \\r \\x41 \\u00e9 \\U0001F600\"");
	expect_ok("X = \"tab\there\"");
	expect_error("X = \"a\\zb\"", "t.rules:1:7: invalid escape sequence \\z");
	expect_error("X = \"\\0\"", "t.rules:1:6: invalid escape sequence \\0");
	expect_error("X = \"\\a\"", "t.rules:1:6: invalid escape sequence \\a");
	expect_error("X = \"\\x4\"", "t.rules:1:6: invalid \\x escape: expected 2 hex digits");
	expect_error("X = \"\\u12G4\"", "t.rules:1:6: invalid \\u escape: expected 4 hex digits");
	expect_error("X = \"\\U00110000\"",
		     "t.rules:1:6: invalid \\U escape: not a Unicode scalar value");
	expect_error("X = \"\\x80\"",
		     "t.rules:1:6: \\x escape above \\x7f (use \\u for non-ASCII characters)");
	expect_error("X = \"a\nb\"", "t.rules:1:5: unterminated string literal");
	expect_error("X = '''a\nb", "t.rules:1:5: unterminated string literal");
	expect_error("X = \"a\\\nb\"", "t.rules:1:7: invalid escape sequence");
	expect_error("X = \"a\x7f\"", "t.rules:1:7: control character U+007F in string literal");
	expect_error("X = \"a\x1b[31m\"",
		     "t.rules:1:7: control character U+001B in string literal");
	expect_error("X = \"a\rb\"", "t.rules:1:7: control character U+000D in string literal");
	expect_error("X = u\"a\"", "t.rules:1:5: unsupported string prefix 'u'");
	expect_error("X = rb\"a\"", "t.rules:1:5: unsupported string prefix 'rb'");
	expect_error("X = F\"a\"", "t.rules:1:5: unsupported: f-strings");
	expect_error("X = \"a\" \"b\"",
		     "t.rules:1:9: expected end of line (adjacent strings are not concatenated)");
}

static void test_crlf(void **state)
{
	(void)state;
	expect_ok("prefix_rule(pattern = [\"ls\"])\r\n# c\r\n\r\nX = '''a\r\nb'''\r\n");
	expect_error("X = \"a\"\r\nY = \"b\r\n\"", "t.rules:2:5: unterminated string literal");
}

/* ---------------------------------------------------------------- limits */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p;

	assert_non_null(s);
	memcpy(s, head, hl);
	p = s + hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void test_limit_file_size(void **state)
{
	_cleanup_free_ char *big = malloc(CX_MAX_RULES_FILE + 1);
	char expected[128];

	(void)state;
	assert_non_null(big);
	memset(big, '#', CX_MAX_RULES_FILE + 1);
	big[CX_MAX_RULES_FILE - 1] = '\n';
	/* Exactly at the limit: a comment, fine. */
	{
		_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();

		assert_int_equal(load_n(s, RULES_LAYER_USER, "t.rules", big, CX_MAX_RULES_FILE), 0);
	}
	snprintf(expected, sizeof(expected), "t.rules:1:1: file too large (%d bytes, limit %d)",
		 CX_MAX_RULES_FILE + 1, CX_MAX_RULES_FILE);
	expect_error_n(big, CX_MAX_RULES_FILE + 1, expected);
}

static void test_limit_nesting(void **state)
{
	_cleanup_free_ char *ok = NULL, *deep = NULL, *ok2 = NULL;

	(void)state;
	ok = malloc(200);
	deep = malloc(200);
	assert_non_null(ok);
	assert_non_null(deep);
	/* X = [[[...]]] with 32 levels loads, 33 does not. */
	strcpy(ok, "X = ");
	for (int i = 0; i < CX_MAX_RULES_DEPTH; i++)
		strcat(ok, "[");
	for (int i = 0; i < CX_MAX_RULES_DEPTH; i++)
		strcat(ok, "]");
	expect_ok(ok);
	strcpy(deep, "X = ");
	for (int i = 0; i < CX_MAX_RULES_DEPTH + 1; i++)
		strcat(deep, "[");
	for (int i = 0; i < CX_MAX_RULES_DEPTH + 1; i++)
		strcat(deep, "]");
	expect_error(deep, "t.rules:1:37: nesting too deep (limit 32)");
	/* Inside a call the '(' counts too. */
	ok2 = repeat("prefix_rule(pattern = ", "[", CX_MAX_RULES_DEPTH, "");
	expect_error(ok2, "t.rules:1:54: nesting too deep (limit 32)");
}

static void test_limit_string(void **state)
{
	_cleanup_free_ char *ok = repeat("X = \"", "a", CX_MAX_RULES_STRING, "\"");
	_cleanup_free_ char *bad = repeat("\n  \nX = \"", "a", CX_MAX_RULES_STRING + 1, "\"");
	_cleanup_free_ char *esc = repeat("X = \"", "\\u00e9", CX_MAX_RULES_STRING / 2 + 1, "\"");

	(void)state;
	expect_ok(ok);
	expect_error(bad, "t.rules:3:5: string literal too long (limit 65536 bytes)");
	/* The limit is on decoded bytes. */
	expect_error(esc, "t.rules:1:5: string literal too long (limit 65536 bytes)");
}

static void test_limit_list(void **state)
{
	_cleanup_free_ char *ok = repeat("X = [", "\"a\",", CX_MAX_RULES_LIST, "]");
	_cleanup_free_ char *bad = repeat("X = [", "\"a\",", CX_MAX_RULES_LIST + 1, "]");
	char expected[128];

	(void)state;
	expect_ok(ok);
	snprintf(expected, sizeof(expected), "t.rules:1:%d: list too long (limit 1024 elements)",
		 6 + 4 * CX_MAX_RULES_LIST);
	expect_error(bad, expected);
}

static void test_limit_tokens(void **state)
{
	/* "" ; "" ; ... : two tokens per three bytes. */
	size_t n = CX_MAX_RULES_TOKENS / 2 + 1;
	_cleanup_free_ char *text = repeat("", "\"\";", n, "");
	char expected[128];

	(void)state;
	snprintf(expected, sizeof(expected), "t.rules:1:%zu: too many tokens (limit %d)",
		 (size_t)1 + 3 * (CX_MAX_RULES_TOKENS / 2), CX_MAX_RULES_TOKENS);
	expect_error(text, expected);
}

static void test_limit_rules_per_file(void **state)
{
	_cleanup_free_ char *ok = repeat("", "prefix_rule([\"a\"])\n", CX_MAX_RULES_PER_FILE, "");
	_cleanup_free_ char *bad =
		repeat("", "prefix_rule([\"a\"])\n", CX_MAX_RULES_PER_FILE + 1, "");
	char expected[128];

	(void)state;
	expect_ok(ok);
	snprintf(expected, sizeof(expected), "t.rules:%d:1: too many rules in one file (limit %d)",
		 CX_MAX_RULES_PER_FILE + 1, CX_MAX_RULES_PER_FILE);
	expect_error(bad, expected);
}

static void test_limit_pattern(void **state)
{
	/* 1 + 1023 strings is the most; first-position alternatives count too. */
	_cleanup_free_ char *ok =
		repeat("L = [", "\"a\",", CX_MAX_RULES_PATTERN - 1, "]\nprefix_rule([\"x\", L])");
	_cleanup_free_ char *bad =
		repeat("L = [", "\"a\",", CX_MAX_RULES_PATTERN, "]\nprefix_rule([\"x\", L])");

	(void)state;
	expect_ok(ok);
	expect_error(bad, "t.rules:2:13: invalid pattern element: pattern too large (limit 1024 "
			  "strings)");
}

static void test_limit_examples(void **state)
{
	/* H holds 1000 examples; the fifth call passes 4096 in the file. */
	_cleanup_free_ char *inner = repeat("H = [", "E,", 1000, "]\n");
	_cleanup_free_ char *calls = repeat("", "prefix_rule([\"a\"], match = H)\n", 5, "");
	size_t l = strlen("E = [\"a\"]\n") + strlen(inner) + strlen(calls) + 1;
	_cleanup_free_ char *all = malloc(l);

	(void)state;
	assert_non_null(all);
	snprintf(all, l, "E = [\"a\"]\n%s%s", inner, calls);
	expect_error(all, "t.rules:7:28: too many examples in one file (limit 4096)");
}

static void test_limit_example_work(void **state)
{
	/* 256 rules keyed "x" (first-position duplicates), each with 512
	 * alternatives in position 1 (weight 256 * 513, under the set's
	 * limit): 131072 comparisons per example that does not match; 130
	 * of them pass 2^24. */
	_cleanup_free_ char *xs = repeat("X = [", "\"x\",", 255, "\"x\"]\n");
	_cleanup_free_ char *ys = repeat("Y = [", "\"y\",", 511, "\"y\"]\n");
	_cleanup_free_ char *es = repeat("E = [", "[\"x\", \"z\"],", 130, "]\n");
	const char *call = "prefix_rule([X, Y], not_match = E)\n";
	size_t l = strlen(xs) + strlen(ys) + strlen(es) + strlen(call) + 1;
	_cleanup_free_ char *all = malloc(l);

	(void)state;
	assert_non_null(all);
	snprintf(all, l, "%s%s%s%s", xs, ys, es, call);
	expect_error(all, "t.rules:4:1: examples too expensive to check (limit 16777216 "
			  "comparisons per file)");
}

static void test_limit_names_and_args(void **state)
{
	_cleanup_free_ char *text = malloc(32 * (CX_MAX_RULES_NAMES + 2));
	size_t o = 0;
	char expected[128];

	(void)state;
	assert_non_null(text);
	for (int i = 0; i <= CX_MAX_RULES_NAMES; i++)
		o += (size_t)sprintf(text + o, "N%d = \"v\"\n", i);
	snprintf(expected, sizeof(expected), "t.rules:%d:1: too many names (limit %d)",
		 CX_MAX_RULES_NAMES + 1, CX_MAX_RULES_NAMES);
	expect_error(text, expected);

	expect_error("prefix_rule([\"a\"], None, None, None, None, None, None, None, None, None, "
		     "None, None, None, None, None, None, None)",
		     "t.rules:1:110: too many arguments (limit 16)");
	expect_error("prefix_rule([\"a\"], None, None, None, None, None)",
		     "t.rules:1:44: prefix_rule() takes at most 5 positional arguments (6 given)");
	{
		_cleanup_free_ char *longname = repeat("", "n", CX_MAX_RULES_NAME + 1, " = \"v\"");

		expect_error(longname, "t.rules:1:1: name too long (limit 128)");
	}
}

static void test_limit_files(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();

	(void)state;
	for (int i = 0; i < CX_MAX_RULES_FILES; i++)
		assert_int_equal(load(s, "# empty\n"), 0);
	assert_int_equal(load(s, ""), -E2BIG);
	assert_string_equal(err, "t.rules: too many rules files (limit 1024)");
}

/* ---------------------------------------------------------------- loading semantics */

static void test_all_or_nothing(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_set_stats st;

	(void)state;
	assert_int_equal(load(s, "prefix_rule([\"git\"], decision = \"prompt\")\n"
				 "host_executable(\"git\", [\"/usr/bin/git\"])"),
			 0);
	/* Valid statements before the error are not kept. */
	assert_int_equal(load(s, "prefix_rule([\"rm\"], decision = \"forbidden\")\n"
				 "host_executable(\"git\", [])\n"
				 "network_rule(\"a.example\", \"https\", \"allow\")\n"
				 "glob_rule(\"/x\", \"forbidden\")\n"
				 "prefix_rule([\"ls\"], match = [\"cat\"])\n"),
			 -EINVAL);
	assert_string_equal(err, "t.rules:5:1: expected every example to match at least one "
				 "rule. rules: [[\"ls\"]]; unmatched examples: [\"cat\"]");
	rules_set_get_stats(s, &st);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.prefix_rules, 1);
	assert_int_equal(st.host_executables, 1);
	assert_int_equal(st.network_rules, 0);
	assert_int_equal(st.glob_rules, 0);
	{
		const char *const *paths;
		size_t n;

		assert_int_equal(rules_set_host_executable(s, "git", &paths, &n, NULL), 1);
		assert_int_equal(n, 1);
	}
}

static void test_empty_files(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_set_stats st;

	(void)state;
	assert_int_equal(load_n(s, RULES_LAYER_USER, "t.rules", NULL, 0), 0);
	assert_int_equal(load(s, ""), 0);
	assert_int_equal(load(s, "\n\n# only comments\n   \n\t\n"), 0);
	assert_int_equal(load(s, "prefix_rule([\"a\"])"), 0); /* no final newline */
	assert_int_equal(load(s, "prefix_rule([\"a\"]);prefix_rule([\"b\"]);\n"), 0);
	rules_set_get_stats(s, &st);
	assert_int_equal(st.files, 5);
	assert_int_equal(st.prefix_rules, 3);
}

static void test_arguments(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_set_stats st;

	(void)state;
	/* Codex's positional order: pattern, decision, match, not_match, justification. */
	assert_int_equal(
		load(s, "prefix_rule([\"git\"], \"prompt\", [\"git x\"], [\"ls\"], \"why\")"), 0);
	assert_int_equal(load(s, "prefix_rule(pattern = [\"a\"], decision = None, match = None, "
				 "not_match = None, justification = None,)"),
			 0);
	assert_int_equal(load(s, "network_rule(\"h.example\", \"http\", \"allow\", None)"), 0);
	assert_int_equal(load(s, "glob_rule(\"/a\", \"prompt\", access = \"write\", "
				 "justification = \"j\")"),
			 0);
	rules_set_get_stats(s, &st);
	assert_int_equal(st.prefix_rules, 2);
	/* None is not allowed where a value is required. */
	expect_error("network_rule(\"h\", \"http\", None)",
		     "t.rules:1:27: decision must be a string (got NoneType)");
	expect_error("host_executable(\"git\", None)",
		     "t.rules:1:24: paths must be a list (got NoneType)");
	expect_error("prefix_rule([\"a\"], match = \"a\")",
		     "t.rules:1:28: match must be a list (got string)");
	expect_error("prefix_rule([\"a\"], justification = [\"x\"])",
		     "t.rules:1:36: justification must be a string (got list)");
	expect_error("glob_rule(\"/a\")", "t.rules:1:1: glob_rule() missing required argument "
					  "'decision'");
	expect_error("network_rule(\"h\", \"http\")",
		     "t.rules:1:1: network_rule() missing required argument 'decision'");
	expect_error("prefix_rule(*[\"a\"])", "t.rules:1:13: unsupported: *args and **kwargs");
}

static void test_names(void **state)
{
	(void)state;
	expect_ok("A = \"git\"\nB = [A, [\"status\", \"log\"]]\nprefix_rule(B, match = "
		  "[\"git log\"])\nprefix_rule(pattern = B)");
	expect_error("A = \"x\"\nA = \"x\"", "t.rules:2:1: cannot reassign 'A' (names are "
					     "immutable)");
	expect_error("True = \"x\"", "t.rules:1:1: cannot assign to 'True'");
	expect_error("glob_rule = 1", "t.rules:1:1: cannot assign to 'glob_rule'");
	expect_error("X = Y", "t.rules:1:5: undefined name 'Y'");
	expect_error("X = prefix_rule", "t.rules:1:5: unsupported: functions as values");
	expect_error("X = not True", "t.rules:1:5: unsupported operator 'not'");
	expect_error("X = -1", "t.rules:1:5: unsupported operator '-'");
	expect_error("X = True or False", "t.rules:1:10: unsupported operator 'or'");
	expect_error("X = \"a\" if True else \"b\"", "t.rules:1:9: unsupported: conditional "
						     "expressions");
	expect_error("X = \"a\" == \"b\"", "t.rules:1:9: unsupported operator '=='");
	expect_error("X = \"a\" % 3", "t.rules:1:9: unsupported operator '%'");
	expect_error("X = \"a\", \"b\"", "t.rules:1:8: unsupported: tuples");
	expect_error("X = Y = \"a\"", "t.rules:1:5: undefined name 'Y'");
	expect_error("X, Y = \"a\", \"b\"", "t.rules:1:2: unsupported: tuples");
	expect_error("while True:\n  pass", "t.rules:1:1: unsupported statement 'while'");
	expect_error("return", "t.rules:1:1: unsupported statement 'return'");
	expect_error("X = [1]", "t.rules:1:6: unsupported: numbers");
	expect_error("X = $", "t.rules:1:5: unexpected character '$'");
	expect_error("X = \xe2\x80\x9cq\xe2\x80\x9d", "t.rules:1:5: unexpected character U+201C");
	expect_error(";", "t.rules:1:1: unexpected ';'");
	expect_error("prefix_rule([\"a\"]", "t.rules:1:12: '(' is never closed");
	expect_error("X = [\"a\"\n\n", "t.rules:1:5: '[' is never closed");
	expect_error("X = ]", "t.rules:1:5: unexpected ']'");
	expect_error("X =", "t.rules:1:4: expected a value, got end of line");
	expect_error("X = \nY = 1", "t.rules:1:5: expected a value, got end of line");
	expect_error("prefix_rule(,)", "t.rules:1:13: expected a value, got ','");
	expect_error("prefix_rule([\"a\"] [\"b\"])", "t.rules:1:19: unsupported: indexing and "
						     "slicing");
	expect_error("prefix_rule([\"a\"])(1)", "t.rules:1:19: unsupported: calls inside "
						"expressions");
	expect_error("prefix_rule([\"a\"]).x", "t.rules:1:19: unsupported: attribute access and "
					       "method calls");
}

static void test_error_buffer(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	char small[12];
	_cleanup_free_ char *huge = repeat("prefix_rule([\"a\"], decision = \"", "x", 60000, "\")");

	(void)state;
	memset(small, 'Z', sizeof(small));
	assert_int_equal(rules_set_add_text(s, RULES_LAYER_USER, "t.rules", "X = ]", 5, small,
					    sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "t.rules:1:5");
	assert_int_equal(rules_set_add_text(s, RULES_LAYER_USER, "t.rules", "X = ]", 5, NULL, 0),
			 -EINVAL);
	assert_int_equal(rules_set_add_text(NULL, RULES_LAYER_USER, "t", "", 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rules_set_add_text(s, _RULES_LAYER_MAX, "t", "", 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rules_set_add_text(s, RULES_LAYER_USER, "t", NULL, 3, err, sizeof(err)),
			 -EINVAL);

	/* User text in messages is cut short. */
	assert_int_equal(load(s, huge), -EINVAL);
	assert_true(strlen(err) < 200);
	assert_non_null(strstr(err, "invalid decision: xxxx"));
	assert_non_null(strstr(err, "..."));

	/* Control characters in user text and in the display name are escaped. */
	assert_int_equal(load_named(s, RULES_LAYER_USER, "a\nb\x1b.rules",
				    "prefix_rule([\"a\"], decision = \"\\u001b[2J\\n\")"),
			 -EINVAL);
	assert_string_equal(err, "a\\x0ab\\x1b.rules:1:31: invalid decision: \\x1b[2J\\x0a");
	assert_int_equal(load_n(s, RULES_LAYER_USER, NULL, "X = ]", 5), -EINVAL);
	assert_string_equal(err, "<rules>:1:5: unexpected ']'");
}

static void test_host_executable(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	const char *const *paths;
	enum rules_layer layer;
	size_t n;

	(void)state;
	/* Codex: host_executable_last_definition_wins (across files). */
	assert_int_equal(load_named(s, RULES_LAYER_USER, "shared.rules",
				    "host_executable(name = \"git\", paths = [\"/usr/bin/git\"])"),
			 0);
	assert_int_equal(
		load(s, "host_executable(name = \"git\", paths = "
			"[\"/opt/homebrew/bin/git\"])\n"
			"host_executable(\"git\", [\"/opt/homebrew/bin/git\", \"~/bin/git\"])"),
		0);
	assert_int_equal(rules_set_host_executable(s, "git", &paths, &n, &layer), 1);
	assert_int_equal(n, 2);
	assert_string_equal(paths[1], "~/bin/git");

	/* codexd: a MANAGED definition is pinned against other layers... */
	assert_int_equal(load_named(s, RULES_LAYER_MANAGED, "m.rules",
				    "host_executable(\"git\", [\"/usr/bin/git\"])"),
			 0);
	assert_int_equal(load(s, "host_executable(\"git\", [\"/tmp/git\"])"), 0);
	assert_int_equal(rules_set_host_executable(s, "git", &paths, &n, &layer), 1);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "/usr/bin/git");
	assert_int_equal(layer, RULES_LAYER_MANAGED);
	/* ...but another MANAGED file may replace it. */
	assert_int_equal(
		load_named(s, RULES_LAYER_MANAGED, "m2.rules", "host_executable(\"git\", [])"), 0);
	assert_int_equal(rules_set_host_executable(s, "git", &paths, &n, &layer), 1);
	assert_int_equal(n, 0);

	expect_error("host_executable(\"\", [])",
		     "t.rules:1:17: invalid rule: host_executable name cannot be empty");
	expect_error("host_executable(\"..\", [])", "t.rules:1:17: invalid rule: host_executable "
						    "name must be a bare executable name (got ..)");
	expect_error("host_executable(\"git\", [\"~git\"])",
		     "t.rules:1:25: invalid rule: host_executable paths must be absolute or use "
		     "`~/...` home-relative syntax (got ~git)");
	expect_error("host_executable(\"git\", [\"~/\"])",
		     "t.rules:1:25: invalid rule: host_executable path `~/` is not normalised (no "
		     "empty, `.` or `..` components, no trailing `/`, no control characters)");
	expect_error("host_executable(\"git\", [\"/usr/bin/git/\"])",
		     "t.rules:1:25: invalid rule: host_executable path `/usr/bin/git/` is not "
		     "normalised (no empty, `.` or `..` components, no trailing `/`, no control "
		     "characters)");
	expect_error("host_executable(\"git\", [\"/usr//bin/git\"])",
		     "t.rules:1:25: invalid rule: host_executable path `/usr//bin/git` is not "
		     "normalised (no empty, `.` or `..` components, no trailing `/`, no control "
		     "characters)");
	expect_error("host_executable(\"git\", [\"/usr/bin/gitx\"])",
		     "t.rules:1:25: invalid rule: host_executable path `/usr/bin/gitx` must have "
		     "basename `git`");
	expect_error("host_executable(\"git\", \"/usr/bin/git\")",
		     "t.rules:1:24: paths must be a list (got string)");
}

static void test_network_rule(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"Example.COM", "example.com"},
		{"  example.com  ", "example.com"},
		{"example.com.", "example.com"},
		{"example.com...", "example.com"},
		{"example.com:8080", "example.com"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:DB8::1]:443", "2001:db8::1"},
		{"::1", "::1"}, /* more than one ':' is not a port */
		{"10.0.0.1:22", "10.0.0.1"},
		{"a.b.c:1:2", "a.b.c:1:2"}, /* more than one ':' */
		{"_srv.example-1.com", "_srv.example-1.com"},
		{"[fe80::1%eth0]", "fe80::1%eth0"},
		{"localhost", "localhost"},
	};
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"", "network_rule host cannot be empty"},
		{"   ", "network_rule host cannot be empty"},
		{"...", "network_rule host cannot be empty"},
		{"*", "network_rule host must be a specific host; wildcards are not allowed"},
		{"*.example.com",
		 "network_rule host must be a specific host; wildcards are not allowed"},
		{"ex*ample.com",
		 "network_rule host must be a specific host; wildcards are not allowed"},
		{"http://example.com",
		 "network_rule host must be a hostname or IP literal (without scheme or path)"},
		{"example.com/path",
		 "network_rule host must be a hostname or IP literal (without scheme or path)"},
		{"example.com?q",
		 "network_rule host must be a hostname or IP literal (without scheme or path)"},
		{"example.com#f",
		 "network_rule host must be a hostname or IP literal (without scheme or path)"},
		{"[::1", "network_rule host has an invalid bracketed IPv6 literal"},
		{"[::1]x", "network_rule host contains an unsupported suffix"},
		{"[::1]:", "network_rule host contains an unsupported suffix"},
		{"exa\\tmple.com", "network_rule host cannot contain control characters"},
		{"b\\u00fccher.de",
		 "network_rule host must be ASCII (write international names in punycode)"},
		{"a b", "network_rule host cannot contain whitespace"},
		/* codexd: stricter than Codex, so that a stored host normalises to itself. */
		{"host:abc", "network_rule host has an invalid port"},
		{"host:", "network_rule host has an invalid port"},
		{"[a:1]", "network_rule host has an invalid bracketed IPv6 literal"},
		{"[[[[[]", "network_rule host contains a character that is not allowed in a host "
			   "name or IP literal"},
		{"a,b", "network_rule host contains a character that is not allowed in a host "
			"name or IP literal"},
		{"user@host", "network_rule host contains a character that is not allowed in a "
			      "host name or IP literal"},
		{". .", "network_rule host cannot be empty"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
		char text[256];

		snprintf(text, sizeof(text), "network_rule(\"%s\", \"https\", \"allow\")",
			 ok[i].in);
		assert_int_equal(load(s, text), 0);
		assert_string_equal(rules_set_network_rule(s, 0)->host, ok[i].out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[256], expected[256];

		snprintf(text, sizeof(text), "network_rule(\"%s\", \"https\", \"allow\")",
			 bad[i].in);
		snprintf(expected, sizeof(expected), "t.rules:1:14: invalid rule: %s", bad[i].msg);
		expect_error(text, expected);
	}
	{
		_cleanup_free_ char *long_host = repeat("network_rule(\"", "a", CX_MAX_DOMAIN + 1,
							"\", \"https\", \"allow\")");

		expect_error(long_host,
			     "t.rules:1:14: invalid rule: network_rule host is too long");
	}
	/* Codex's order: protocol, decision, justification, host. */
	expect_error("network_rule(\"*\", \"gopher\", \"nope\")",
		     "t.rules:1:19: invalid rule: network_rule protocol must be one of http, "
		     "https, socks5_tcp, socks5_udp (got gopher)");
	expect_error("network_rule(\"*\", \"http\", \"nope\")", "t.rules:1:27: invalid decision: "
								"nope");
	expect_error("network_rule(\"*\", \"http\", \"allow\", \"\")",
		     "t.rules:1:36: invalid rule: justification cannot be empty");
	/* "deny" is for network_rule only. */
	expect_error("prefix_rule([\"a\"], \"deny\")", "t.rules:1:20: invalid decision: deny");
	expect_error("glob_rule(\"/a\", \"deny\")", "t.rules:1:17: invalid decision: deny");
}

static void test_glob_rule_parse(void **state)
{
	(void)state;
	expect_ok("glob_rule(\"**\", \"forbidden\")");
	expect_ok("glob_rule(\"relative/path\", \"prompt\")");
	expect_ok("glob_rule(\"[unclosed\", \"prompt\", match = [\"[unclosed\"])");
	expect_error("glob_rule(\"\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern cannot be empty");
	expect_error("glob_rule(\"/\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern has an empty component (`//` "
		     "or a trailing `/`)");
	expect_error("glob_rule(\"a//b\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern has an empty component (`//` "
		     "or a trailing `/`)");
	expect_error("glob_rule(\"./a\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern has a `.` or `..` component");
	expect_error("glob_rule(\"~root/.ssh\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern: only `~/` home-relative "
		     "patterns are supported");
	expect_error("glob_rule(\"~/\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern has an empty component (`//` "
		     "or a trailing `/`)");
	expect_error("glob_rule(\"/a\\tb\", \"forbidden\")",
		     "t.rules:1:11: invalid rule: glob_rule pattern cannot contain control "
		     "characters");
	expect_error("glob_rule(\"/a\", \"forbidden\", match = [\"\"])",
		     "t.rules:1:39: invalid example: example path cannot be empty");
	expect_error("glob_rule(\"/a\", \"forbidden\", match = [[\"/a\"]])",
		     "t.rules:1:39: invalid example: example paths must be strings (got list)");
	/* Examples must be written the way the pattern is. */
	expect_error("glob_rule(\"/etc/x\", \"forbidden\", match = [\"etc/x\"])",
		     "t.rules:1:1: expected every example to match the glob_rule pattern `/etc/x`; "
		     "unmatched examples: [\"etc/x\"]");
	expect_error("glob_rule(\"etc/x\", \"forbidden\", match = [\"/etc/x\"])",
		     "t.rules:1:1: expected every example to match the glob_rule pattern `etc/x`; "
		     "unmatched examples: [\"/etc/x\"]");
	expect_error("glob_rule(\"~/.aws\", \"forbidden\", match = [\"/home/u/.aws\"])",
		     "t.rules:1:1: expected every example to match the glob_rule pattern `~/.aws`; "
		     "unmatched examples: [\"/home/u/.aws\"]");
}

static void test_prefix_examples(void **state)
{
	(void)state;
	/* Codex: match_and_not_match_examples_are_enforced */
	expect_ok("prefix_rule(\n    pattern = [\"git\", \"status\"],\n"
		  "    match = [[\"git\", \"status\"], \"git status\"],\n"
		  "    not_match = [\n"
		  "        [\"git\", \"--config\", \"color.status=always\", \"status\"],\n"
		  "        \"git --config color.status=always status\",\n    ],\n)\n");
	/* Shell-word splitting of string examples. */
	expect_ok("prefix_rule([\"echo\", \"a b\"], match = [\"echo 'a b'\", \"echo \\\"a b\\\"\", "
		  "\"echo a\\\\ b\", \"echo 'a'\\\" b\\\" c # comment\"])");
	expect_ok("prefix_rule([\"x\", \"\"], match = [\"x ''\", \"x \\\"\\\"\"])");
	expect_error("prefix_rule([\"git\"], match = [\"git \\\"open\"])",
		     "t.rules:1:31: invalid example: example string has invalid shell syntax");
	expect_error("prefix_rule([\"git\"], match = [\"git \\\\\"])",
		     "t.rules:1:31: invalid example: example string has invalid shell syntax");
	expect_error("prefix_rule([\"git\"], match = [\"  # only a comment\"])",
		     "t.rules:1:31: invalid example: example cannot be an empty string");
	expect_error("prefix_rule([\"git\"], match = [[\"git\", False]])",
		     "t.rules:1:39: invalid example: example tokens must be strings (got bool)");
	/* Examples are checked against the rules of their own call only. */
	expect_error("prefix_rule([\"ls\"])\nprefix_rule([\"cat\"], match = [\"ls\"])",
		     "t.rules:2:1: expected every example to match at least one rule. rules: "
		     "[[\"cat\"]]; unmatched examples: [\"ls\"]");
	/* All rules of a first-position expansion are listed. */
	expect_error("prefix_rule([[\"a\", \"b\"], [\"c\", \"d\"]], match = [\"a c\", \"b e\"])",
		     "t.rules:1:1: expected every example to match at least one rule. rules: "
		     "[[\"a\", [\"c\", \"d\"]], [\"b\", [\"c\", \"d\"]]]; unmatched examples: "
		     "[\"b e\"]");
	/* not_match reports the first matching rule. */
	expect_error("prefix_rule([[\"a\", \"b\"]], not_match = [\"x\", \"b 'q r'\"])",
		     "t.rules:1:1: expected example to not match rule `[\"b\"]`: \"b 'q r'\"");
	/* Host-executable resolution is on while checking: an absolute path
	 * falls back to its basename... */
	expect_ok("prefix_rule([\"git\", \"status\"], match = [\"/usr/bin/git status\"])");
	/* ...an allow rule only where the host_executable entry lets it
	 * (entries are those known at the end of the file)... */
	expect_error("prefix_rule([\"git\", \"status\"], match = [\"/usr/bin/git status\"])\n"
		     "host_executable(\"git\", [\"/opt/git\"])",
		     "t.rules:1:1: expected every example to match at least one rule. rules: "
		     "[[\"git\", \"status\"]]; unmatched examples: [\"/usr/bin/git status\"]");
	/* ...a forbidden one always. */
	expect_ok("host_executable(\"git\", [])\nprefix_rule([\"git\", \"push\"], \"forbidden\", "
		  "match = [\"/tmp/git push\", \"./git push\"])");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_fixture_codex_basic),
		cmocka_unit_test(test_fixture_codex_readme),
		cmocka_unit_test(test_fixture_network_glob),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_first_error_is_codex_order),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_limit_file_size),
		cmocka_unit_test(test_limit_nesting),
		cmocka_unit_test(test_limit_string),
		cmocka_unit_test(test_limit_list),
		cmocka_unit_test(test_limit_tokens),
		cmocka_unit_test(test_limit_rules_per_file),
		cmocka_unit_test(test_limit_pattern),
		cmocka_unit_test(test_limit_examples),
		cmocka_unit_test(test_limit_example_work),
		cmocka_unit_test(test_limit_names_and_args),
		cmocka_unit_test(test_limit_files),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_host_executable),
		cmocka_unit_test(test_network_rule),
		cmocka_unit_test(test_glob_rule_parse),
		cmocka_unit_test(test_prefix_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
