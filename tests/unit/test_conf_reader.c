/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/conf_reader.c.  Run from the top of the tree
 * (fixtures are read from tests/fixtures/conf/).  Needs no root; the
 * cases that need root (a root-owned managed file) are skipped without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/conf_reader.h"
#include "common/cxlimits.h"

#define FIXTURES "tests/fixtures/conf/"

/* ------------------------------------------------------------ helpers */

static struct conf_doc *parse_ok(const char *text)
{
	struct conf_doc *doc = conf_doc_new();
	char err[512] = "";
	int r;

	assert_non_null(doc);
	r = conf_parse_buffer(text, strlen(text), "t.conf", doc, err, sizeof(err));
	if (r < 0)
		print_error("unexpected error %d: %s\n", r, err);
	assert_int_equal(r, 0);
	return doc;
}

/* Parses len bytes; expects failure r with exactly the message want. */
static void expect_fail_len(const char *text, size_t len, int want_r, const char *want)
{
	struct conf_doc *doc = conf_doc_new();
	char err[512] = "";
	int r;

	assert_non_null(doc);
	r = conf_parse_buffer(text, len, "t.conf", doc, err, sizeof(err));
	if (r != want_r || strcmp(err, want) != 0)
		print_error("input %s\n  got %d \"%s\"\n want %d \"%s\"\n", text, r, err, want_r,
			    want);
	assert_int_equal(r, want_r);
	assert_string_equal(err, want);
	assert_int_equal(conf_doc_n_entries(doc), 0);
	conf_doc_free(doc);
}

static void expect_fail(const char *text, const char *want)
{
	expect_fail_len(text, strlen(text), -EINVAL, want);
}

static const struct conf_entry *get(const struct conf_doc *doc, const char *section,
				    const char *key)
{
	const struct conf_entry *e = conf_doc_get(doc, section, key);

	if (!e)
		print_error("no entry [%s] %s\n", section, key);
	assert_non_null(e);
	return e;
}

static void assert_str_entry(const struct conf_doc *doc, const char *section, const char *key,
			     const char *want)
{
	const struct conf_entry *e = get(doc, section, key);

	assert_int_equal(e->value.type, CONF_TYPE_STRING);
	assert_string_equal(e->value.str, want);
}

static void assert_int_entry(const struct conf_doc *doc, const char *section, const char *key,
			     int64_t want)
{
	const struct conf_entry *e = get(doc, section, key);

	assert_int_equal(e->value.type, CONF_TYPE_INT);
	assert_true(e->value.integer == want);
}

static char *make_tmpdir(void)
{
	char *dir = strdup("/tmp/test_conf_reader.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static char *write_file(const char *dir, const char *name, const char *content, mode_t mode)
{
	char *path = NULL;
	int fd;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_true(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* ------------------------------------------------------------ valid input */

static void test_valid_fixture(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	const struct conf_entry *e;
	char err[512] = "";
	char **v = NULL;
	(void)state;

	assert_int_equal(conf_load_file(FIXTURES "valid.conf", 0, doc, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(conf_doc_n_entries(doc), 21);

	e = get(doc, "", "top");
	assert_int_equal(e->line, 2);
	assert_int_equal(e->n_section_parts, 0);
	assert_null(e->section_parts[0]);
	assert_string_equal(e->file, FIXTURES "valid.conf");
	assert_str_entry(doc, "", "top", "before any section");

	assert_str_entry(doc, "daemon", "socket", "/run/codexd/codexd.sock");
	assert_int_entry(doc, "daemon", "max_frame_bytes", 1048576);
	assert_true(get(doc, "daemon", "audit")->value.boolean);
	assert_int_equal(get(doc, "daemon", "debug")->value.type, CONF_TYPE_BOOL);
	assert_false(get(doc, "daemon", "debug")->value.boolean);
	assert_int_entry(doc, "daemon", "mode", 0640);
	assert_int_entry(doc, "daemon", "mask", 255);
	assert_int_entry(doc, "daemon", "bits", 10);
	assert_int_entry(doc, "daemon", "neg", -42);
	assert_str_entry(doc, "daemon", "name", "literal \\no escapes");
	assert_str_entry(doc, "daemon", "empty", "");
	assert_str_entry(doc, "daemon", "escapes",
			 "tab\tquote\"backslash\\e\xc3\xa9 smile\xf0\x9f\x98\x80");

	assert_int_equal(conf_get_strv(doc, "daemon", "groups", &v, err, sizeof(err)), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[0], "codexd");
	assert_string_equal(v[1], "wheel");
	strv_free(v);

	e = get(doc, "daemon", "nested");
	assert_int_equal(e->value.type, CONF_TYPE_ARRAY);
	assert_int_equal(e->value.array.n_items, 3);
	assert_int_equal(e->value.array.items[0].type, CONF_TYPE_ARRAY);
	assert_int_equal(e->value.array.items[0].array.n_items, 2);
	assert_true(e->value.array.items[0].array.items[1].integer == 2);
	assert_string_equal(e->value.array.items[1].array.items[0].str, "a");
	assert_int_equal(e->value.array.items[2].array.n_items, 0);

	e = get(doc, "daemon", "mixed");
	assert_int_equal(e->value.array.n_items, 3);
	assert_int_equal(e->value.array.items[0].type, CONF_TYPE_INT);
	assert_int_equal(e->value.array.items[1].type, CONF_TYPE_STRING);
	assert_int_equal(e->value.array.items[2].type, CONF_TYPE_BOOL);

	e = get(doc, "shell_environment_policy.set", "PATH WITH SPACE");
	assert_int_equal(e->n_section_parts, 2);
	assert_string_equal(e->section_parts[0], "shell_environment_policy");
	assert_string_equal(e->section_parts[1], "set");
	assert_null(e->section_parts[2]);
	assert_str_entry(doc, "shell_environment_policy.set", "literal key", "y");
	assert_str_entry(doc, "shell_environment_policy.set", "PATH", "/usr/bin:/bin");

	e = get(doc, "projects.\"/home/a/p\"", "trust_level");
	assert_int_equal(e->n_section_parts, 2);
	assert_string_equal(e->section_parts[1], "/home/a/p");
	assert_string_equal(e->value.str, "trusted");

	e = get(doc, "sandbox", "writable_roots");
	assert_int_equal(e->line, 29);
	assert_int_equal(conf_entry_get_strv(e, &v, err, sizeof(err)), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[0], "/srv/a");
	assert_string_equal(v[1], "/srv/b ;not a comment");
	strv_free(v);
	e = get(doc, "sandbox", "after");
	assert_int_equal(e->line, 35);
}

static void test_crlf_bom(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512] = "";
	char **v = NULL;
	(void)state;

	assert_int_equal(conf_load_file(FIXTURES "valid-crlf-bom.conf", 0, doc, err, sizeof(err)),
			 0);
	assert_int_equal(conf_doc_n_entries(doc), 3);
	assert_str_entry(doc, "daemon", "socket", "/run/x.sock");
	assert_int_equal(get(doc, "daemon", "socket")->line, 3);
	assert_int_equal(conf_get_strv(doc, "daemon", "list", &v, err, sizeof(err)), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[1], "b");
	strv_free(v);
	assert_true(get(doc, "daemon", "last")->value.boolean);
	assert_int_equal(get(doc, "daemon", "last")->line, 8);
}

static void test_strings(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc =
		parse_ok("a = \"\\b\\t\\n\\f\\r\\\"\\\\\"\n"
			 "b = \"\\u0041\\u00E9\\u20ac\\U0010FFFF\"\n"
			 "c = 'no \\escapes \"here\"'\n"
			 "d = \"\"\n"
			 "e = ''\n"
			 "f = \"a # not a comment\" # a comment\n"
			 "g = \"x ;y\"  \n"
			 "h = \"tab\there\"\n"
			 "i = \"ünïcödé\"\n");
	(void)state;

	assert_str_entry(doc, "", "a", "\b\t\n\f\r\"\\");
	assert_str_entry(doc, "", "b", "A\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf");
	assert_str_entry(doc, "", "c", "no \\escapes \"here\"");
	assert_str_entry(doc, "", "d", "");
	assert_str_entry(doc, "", "e", "");
	assert_str_entry(doc, "", "f", "a # not a comment");
	assert_str_entry(doc, "", "g", "x ;y");
	assert_str_entry(doc, "", "i", "ünïcödé");
	assert_str_entry(doc, "", "h", "tab\there");
}

static void test_semicolon_in_string(void **state)
{
	/* inih cuts "x ;y" at " ;"; the value is read from the raw line instead. */
	_cleanup_conf_doc_ struct conf_doc *doc =
		parse_ok("a = \"x ;y\"\nb = 'p ;q' # c ; d\nc = \"e;f\"\n");
	(void)state;

	assert_str_entry(doc, "", "a", "x ;y");
	assert_str_entry(doc, "", "b", "p ;q");
	assert_str_entry(doc, "", "c", "e;f");
}

static void test_integers(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = parse_ok("a = 0\n"
							   "b = +0\n"
							   "c = -0\n"
							   "d = 1_000_000\n"
							   "e = -17\n"
							   "f = +99\n"
							   "g = 9223372036854775807\n"
							   "h = -9223372036854775808\n"
							   "i = 0xDEAD_beef\n"
							   "j = 0o7_55\n"
							   "k = 0b1_0_1\n"
							   "l = 0x7fffffffffffffff\n"
							   "m = 0x0\n"
							   "n = 0o0\n"
							   "o = 0b0\n");
	(void)state;

	assert_int_entry(doc, "", "a", 0);
	assert_int_entry(doc, "", "b", 0);
	assert_int_entry(doc, "", "c", 0);
	assert_int_entry(doc, "", "d", 1000000);
	assert_int_entry(doc, "", "e", -17);
	assert_int_entry(doc, "", "f", 99);
	assert_int_entry(doc, "", "g", INT64_MAX);
	assert_int_entry(doc, "", "h", INT64_MIN);
	assert_int_entry(doc, "", "i", 0xdeadbeef);
	assert_int_entry(doc, "", "j", 0755);
	assert_int_entry(doc, "", "k", 5);
	assert_int_entry(doc, "", "l", INT64_MAX);
	assert_int_entry(doc, "", "m", 0);
	assert_int_entry(doc, "", "n", 0);
	assert_int_entry(doc, "", "o", 0);
}

static void test_booleans_and_arrays(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = parse_ok("t = true\n"
							   "f = false # no\n"
							   "empty = []\n"
							   "spaced = [ ]\n"
							   "trail = [1,]\n"
							   "deep = [[[[1]]]]\n"
							   "mixed = [\"a\", 'b', 1, true, [2]]\n"
							   "tight=[\"x\",\"y\"]\n");
	const struct conf_entry *e;
	(void)state;

	assert_true(get(doc, "", "t")->value.boolean);
	assert_false(get(doc, "", "f")->value.boolean);
	assert_int_equal(get(doc, "", "empty")->value.array.n_items, 0);
	assert_int_equal(get(doc, "", "spaced")->value.array.n_items, 0);
	assert_int_equal(get(doc, "", "trail")->value.array.n_items, 1);
	e = get(doc, "", "deep");
	assert_int_equal(e->value.array.items[0].array.items[0].array.items[0].type,
			 CONF_TYPE_ARRAY);
	assert_true(e->value.array.items[0].array.items[0].array.items[0].array.items[0].integer ==
		    1);
	assert_int_equal(get(doc, "", "mixed")->value.array.n_items, 5);
	assert_string_equal(get(doc, "", "tight")->value.array.items[1].str, "y");
}

static void test_sections_and_keys(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = parse_ok("[ a . \"b c\" . 'd.e' ]   # comment\n"
							   "k = 1\n"
							   "[\"\"]\n"
							   "\"\" = 2\n"
							   "[x]\n"
							   "\"quoted key\" = 3\n"
							   "'lit key' = 4\n"
							   "\"esc\\u0041\" = 5\n"
							   "bare-key_1 = 6\n"
							   "1234 = 7\n"
							   "[x.y]\n"
							   "  indented_first = 8\n"
							   "[\"a\\\"q\"]\n"
							   "z = 9\n");
	const struct conf_entry *e;
	(void)state;

	e = get(doc, "a.\"b c\".\"d.e\"", "k");
	assert_int_equal(e->n_section_parts, 3);
	assert_string_equal(e->section_parts[1], "b c");
	assert_string_equal(e->section_parts[2], "d.e");
	e = get(doc, "\"\"", "");
	assert_int_equal(e->n_section_parts, 1);
	assert_string_equal(e->section_parts[0], "");
	assert_int_entry(doc, "x", "quoted key", 3);
	assert_int_entry(doc, "x", "lit key", 4);
	assert_int_entry(doc, "x", "escA", 5);
	assert_int_entry(doc, "x", "bare-key_1", 6);
	assert_int_entry(doc, "x", "1234", 7);
	assert_int_entry(doc, "x.y", "indented_first", 8);
	assert_int_entry(doc, "\"a\\\"q\"", "z", 9);
	assert_null(conf_doc_get(doc, "x", "missing"));
	assert_null(conf_doc_get(doc, "nope", "k"));
}

static void test_section_join(void **state)
{
	const char *p1[] = {"projects", "/home/a/p"};
	const char *p2[] = {"a", "b-c_1"};
	const char *p3[] = {"q\"b\\s", "t\tn\x01", ""};
	const char *p4[] = {"\b\n\f\r\x7f\x1f", "é"};
	char *s = NULL;
	(void)state;

	assert_int_equal(conf_section_join(p1, 2, &s), 0);
	assert_string_equal(s, "projects.\"/home/a/p\"");
	free(s);
	assert_int_equal(conf_section_join(p2, 2, &s), 0);
	assert_string_equal(s, "a.b-c_1");
	free(s);
	assert_int_equal(conf_section_join(p3, 3, &s), 0);
	assert_string_equal(s, "\"q\\\"b\\\\s\".\"t\\tn\\u0001\".\"\"");
	free(s);
	assert_int_equal(conf_section_join(p4, 2, &s), 0);
	assert_string_equal(s, "\"\\b\\n\\f\\r\\u007F\\u001F\".\"é\"");
	free(s);
	assert_int_equal(conf_section_join(NULL, 1, &s), -EINVAL);
	assert_int_equal(conf_section_join(NULL, 0, &s), 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_comments_blank_and_empty(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = NULL;
	(void)state;

	doc = parse_ok("");
	assert_int_equal(conf_doc_n_entries(doc), 0);
	conf_doc_free(doc);
	doc = parse_ok("# only\n\n   \n\t# indented comment\n");
	assert_int_equal(conf_doc_n_entries(doc), 0);
	conf_doc_free(doc);
	doc = parse_ok("[a] # empty section\n[b]\n");
	assert_int_equal(conf_doc_n_entries(doc), 0);
	conf_doc_free(doc);
	/* No newline at the end, and a '#' comment with a key after it. */
	doc = parse_ok("a = 1 #c\nb = 2");
	assert_int_entry(doc, "", "b", 2);
	assert_int_equal(get(doc, "", "b")->line, 2);
	conf_doc_free(doc);
	/* A comment line right after a key is not a continuation. */
	doc = parse_ok("a = 1\n  # indented comment\n\nb = 2\n");
	assert_int_equal(conf_doc_n_entries(doc), 2);
}

static void test_multiline_arrays(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = parse_ok("[s]\n"
							   "a = [ # opening comment\n"
							   "  1,\n"
							   "\n"
							   "# unindented comment\n"
							   "  [2, 3],\n"
							   "  \"four ;x\", 'five' # trailing\n"
							   "  ]\n"
							   "b = [\n"
							   "    \"x\"]\n"
							   "c = [[\n"
							   "  1], [\n"
							   "  2]]  # done\n"
							   "d = 1\n"
							   "e = [\"q\\\"]\", 'l\\', # ]\n"
							   "  \"\\\\\"]\n");
	const struct conf_entry *e;
	(void)state;

	e = get(doc, "s", "e");
	assert_int_equal(e->value.array.n_items, 3);
	assert_string_equal(e->value.array.items[0].str, "q\"]");
	assert_string_equal(e->value.array.items[1].str, "l\\");
	assert_string_equal(e->value.array.items[2].str, "\\");
	e = get(doc, "s", "a");
	assert_int_equal(e->line, 2);
	assert_int_equal(e->value.array.n_items, 4);
	assert_true(e->value.array.items[0].integer == 1);
	assert_int_equal(e->value.array.items[1].array.n_items, 2);
	assert_string_equal(e->value.array.items[2].str, "four ;x");
	assert_string_equal(e->value.array.items[3].str, "five");
	e = get(doc, "s", "b");
	assert_int_equal(e->line, 9);
	assert_string_equal(e->value.array.items[0].str, "x");
	e = get(doc, "s", "c");
	assert_int_equal(e->line, 11);
	assert_int_equal(e->value.array.n_items, 2);
	assert_int_equal(get(doc, "s", "d")->line, 14);
}

static void test_multiline_array_errors(void **state)
{
	(void)state;
	/* The error's own line, not the key's. */
	expect_fail("a = [\n  1,\n  2.5,\n  ]\n", "t.conf:3: floats are not supported");
	expect_fail("a = [\n  1,\n\n  # c\n  1 2,\n  ]\n",
		    "t.conf:5: expected ',' or ']' in array");
	expect_fail("a = [\n  1,\n", "t.conf:1: unterminated array (key 'a')");
	expect_fail("a = [\n  1,\nb = 2\n",
		    "t.conf:3: the array of key 'a' (line 1) is not closed: indent its "
		    "continuation lines, including the closing ']'");
	expect_fail("a = [\n  1,\n]\n",
		    "t.conf:3: the array of key 'a' (line 1) is not closed: indent its "
		    "continuation lines, including the closing ']'");
	expect_fail("a = [\n  1,\n[sec]\n",
		    "t.conf:3: the array of key 'a' (line 1) is not closed: indent its "
		    "continuation lines, including the closing ']'");
	expect_fail("a = [\n  \"x\n  ]\n", "t.conf:2: unterminated string");
	expect_fail("a = [\n  1 ] x\n", "t.conf:2: unexpected text after value");
	expect_fail("a = [\n  1 ; c\n  ]\n", "t.conf:2: expected ',' or ']' in array");
}

static void test_continuation_of_non_array(void **state)
{
	(void)state;
	expect_fail("a = 1\n  2\n",
		    "t.conf:2: duplicate key 'a' (an indented line continues the previous key; "
		    "only lines of a multi-line array may be indented)");
	expect_fail("[s]\na = 1\n  b = 2\n",
		    "t.conf:3: duplicate key 'a' (an indented line continues the previous key; "
		    "only lines of a multi-line array may be indented)");
	expect_fail("a = [1]\n  [2]\n",
		    "t.conf:2: duplicate key 'a' (an indented line continues the previous key; "
		    "only lines of a multi-line array may be indented)");
}

static void test_duplicates(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = NULL;
	(void)state;

	expect_fail("a = 1\nb = 2\na = 3\n", "t.conf:3: duplicate key 'a' (first at line 1)");
	expect_fail("[s]\na = 1\n[t]\n[s]\n", "t.conf:4: duplicate section 's' (first at line 1)");
	expect_fail("[s]\n\"a\" = 1\n'a' = 2\n", "t.conf:3: duplicate key 'a' (first at line 2)");
	expect_fail("a = 1\n[a]\n",
		    "t.conf:2: section 'a' conflicts with the key defined at line 1");
	expect_fail("[a]\nb = 1\n[a.b.c]\n",
		    "t.conf:3: section 'a.b' conflicts with the key defined at line 2");
	expect_fail("[a.b]\n[a]\nb = 1\n",
		    "t.conf:3: key 'b' conflicts with the section defined at line 1");
	/* TOML allows a super-table after its sub-table, once. */
	doc = parse_ok("[a.b]\nx = 1\n[a]\ny = 2\n");
	assert_int_entry(doc, "a.b", "x", 1);
	assert_int_entry(doc, "a", "y", 2);
	conf_doc_free(doc);
	/* Same key in different sections, and a key named like a section part. */
	doc = parse_ok("[a]\nk = 1\n[b]\nk = 2\n[c.d]\nc = 3\n");
	assert_int_equal(conf_doc_n_entries(doc), 3);
}

static void test_duplicate_fixture(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	assert_int_equal(
		conf_load_file(FIXTURES "invalid-duplicate.conf", 0, doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, FIXTURES "invalid-duplicate.conf:4: duplicate key "
					  "'max_connections' (first at line 2)");
	assert_int_equal(conf_doc_n_entries(doc), 0);
}

/* ------------------------------------------------------------ line-level errors */

static void test_long_line(void **state)
{
	char line[CX_MAX_CONF_LINE + 8];
	struct conf_doc *doc;
	(void)state;

	/* Exactly CX_MAX_CONF_LINE bytes is fine. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "k = \"", 5);
	line[CX_MAX_CONF_LINE - 1] = '"';
	line[CX_MAX_CONF_LINE] = '\0';
	doc = parse_ok(line);
	assert_int_equal(strlen(get(doc, "", "k")->value.str), CX_MAX_CONF_LINE - 6);
	conf_doc_free(doc);
	/* One more is not, with "\n" or "\r\n" or at the end of the file. */
	line[CX_MAX_CONF_LINE - 1] = 'a';
	line[CX_MAX_CONF_LINE] = '"';
	line[CX_MAX_CONF_LINE + 1] = '\0';
	expect_fail(line, "t.conf:1: line too long (max 65536 bytes)");
	strcat(line, "\r\n");
	expect_fail(line, "t.conf:1: line too long (max 65536 bytes)");
	/* A maximal line ending in CRLF is fine: the CR is not counted. */
	line[CX_MAX_CONF_LINE - 1] = '"';
	line[CX_MAX_CONF_LINE] = '\r';
	line[CX_MAX_CONF_LINE + 1] = '\n';
	line[CX_MAX_CONF_LINE + 2] = '\0';
	doc = parse_ok(line);
	conf_doc_free(doc);
}

static void test_platform_attack_line(void **state)
{
	char text[512];
	struct conf_doc *doc;
	const struct conf_entry *e;
	(void)state;

	/*
	 * PLATFORM.md 1.5: inih would read this as allow=aaa... and "aa injected" =
	 * evil.  It never sees the line: this reader parses it whole (and rejects
	 * the unquoted value) and inih is handed a short stand-in.
	 */
	snprintf(text, sizeof(text), "# x\nallow=%0195d injected=evil\n", 0);
	memset(text + strlen("# x\nallow="), 'a', 195);
	expect_fail(text, "t.conf:2: invalid value (strings must be quoted)");
	/* Quoted, the same line is one value, not split, and nothing is injected. */
	snprintf(text, sizeof(text), "[s]\nallow=\"%0195d injected=evil\"\nnext = 1\n", 0);
	memset(text + strlen("[s]\nallow=\""), 'a', 195);
	doc = parse_ok(text);
	e = get(doc, "s", "allow");
	assert_int_equal(strlen(e->value.str), 195 + strlen(" injected=evil"));
	assert_int_equal(e->line, 2);
	assert_null(conf_doc_get(doc, "s", "aa injected"));
	assert_int_equal(get(doc, "s", "next")->line, 3);
	assert_int_equal(conf_doc_n_entries(doc), 2);
	conf_doc_free(doc);
}

static void test_long_line_fixture(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	assert_int_equal(
		conf_load_file(FIXTURES "invalid-long-line.conf", 0, doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(
		err, FIXTURES "invalid-long-line.conf:3: invalid value (strings must be quoted)");
	assert_int_equal(conf_doc_n_entries(doc), 0);
	assert_null(conf_doc_get(doc, "daemon", "aa injected"));
}

static void test_long_key(void **state)
{
	char text[256];
	struct conf_doc *doc;
	(void)state;

	snprintf(text, sizeof(text), "%s = 1\n",
		 "k23456789012345678901234567890123456789012345678");
	doc = parse_ok(text);
	assert_int_equal(conf_doc_n_entries(doc), 1);
	conf_doc_free(doc);
	snprintf(text, sizeof(text), "%s = 1\n",
		 "k234567890123456789012345678901234567890123456789");
	expect_fail(text, "t.conf:1: key too long (max 48 bytes)");
	/* Quotes count: it is inih's 50-byte name buffer that the limit protects. */
	snprintf(text, sizeof(text), "\"%s\" = 1\n",
		 "k2345678901234567890123456789012345678901234567");
	expect_fail(text, "t.conf:1: key too long (max 48 bytes)");
}

static void test_long_section(void **state)
{
	char text[256];
	struct conf_doc *doc;
	(void)state;

	snprintf(text, sizeof(text), "[%s]\nk = 1\n",
		 "s2345678901234567890123456789012345678901234.678");
	doc = parse_ok(text);
	assert_int_equal(
		get(doc, "s2345678901234567890123456789012345678901234.678", "k")->n_section_parts,
		2);
	conf_doc_free(doc);
	/* Longer than inih keeps: it is handed "[#LINE]", the name is kept whole. */
	snprintf(text, sizeof(text), "[%s]\nk = 1\n[short]\nj = 2\n",
		 "s2345678901234567890123456789012345678901234.6789");
	doc = parse_ok(text);
	assert_int_equal(
		get(doc, "s2345678901234567890123456789012345678901234.6789", "k")->value.integer,
		1);
	assert_int_equal(get(doc, "short", "j")->value.integer, 2);
	conf_doc_free(doc);
}

/* Codex's trust entries name project paths: often longer than inih's 50 bytes. */
static void test_long_project_section(void **state)
{
	static const char text[] =
		"model = \"m\"\n"
		"[projects.\"/home/alice/src/github.com/some-organisation/some-long-repository\"]\n"
		"trust_level = \"trusted\"\n"
		"[projects.\"/home/alice/src/github.com/some-organisation/another-repository\"]\n"
		"trust_level = \"untrusted\"\n";
	const char *parts[] = { "projects",
				"/home/alice/src/github.com/some-organisation/some-long-repository" };
	_cleanup_free_ char *sec = NULL;
	struct conf_doc *doc;
	char *big;
	(void)state;

	doc = parse_ok(text);
	assert_int_equal(conf_section_join(parts, 2, &sec), 0);
	assert_string_equal(get(doc, sec, "trust_level")->value.str, "trusted");
	assert_int_equal(get(doc, sec, "trust_level")->line, 3);
	conf_doc_free(doc);
	/* The same header twice is still a duplicate, however long. */
	expect_fail("[projects.\"/home/alice/src/github.com/some-organisation/x-repository\"]\n"
		    "[projects.\"/home/alice/src/github.com/some-organisation/x-repository\"]\n",
		    "t.conf:2: duplicate section 'projects.\"/home/alice/src/github.com/som'... "
		    "(first at line 1)");
	/* Past CX_MAX_CONF_SECTION. */
	big = malloc(CX_MAX_CONF_SECTION + 64);
	assert_non_null(big);
	memset(big, 'a', CX_MAX_CONF_SECTION + 2);
	big[0] = '[';
	snprintf(big + CX_MAX_CONF_SECTION + 2, 16, "]\n");
	expect_fail(big, "t.conf:1: section name too long (max 4096 bytes)");
	free(big);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "a = 1\nb = \"x\0y\"\n";
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	expect_fail_len(text, sizeof(text) - 1, -EINVAL, "t.conf:2: NUL byte in line");
	expect_fail_len("\0", 1, -EINVAL, "t.conf:1: NUL byte in line");
	assert_int_equal(conf_load_file(FIXTURES "invalid-nul.conf", 0, doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "invalid-nul.conf:2: NUL byte in line");
}

static void test_bad_utf8(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	expect_fail("a = \"\xc0\xaf\"\n", "t.conf:1: invalid UTF-8");
	expect_fail("a = 1\n# \xed\xa0\x80 surrogate\n", "t.conf:2: invalid UTF-8");
	expect_fail("a = \"\xf4\x90\x80\x80\"\n", "t.conf:1: invalid UTF-8");
	expect_fail("a = \"\xe2\x82\"\n", "t.conf:1: invalid UTF-8");
	expect_fail("\xff = 1\n", "t.conf:1: invalid UTF-8");
	assert_int_equal(conf_load_file(FIXTURES "invalid-utf8.conf", 0, doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "invalid-utf8.conf:2: invalid UTF-8");
}

static void test_control_characters(void **state)
{
	(void)state;
	expect_fail("a = \"x\x01y\"\n", "t.conf:1: control character 0x01 in line");
	expect_fail("a = 1\rb = 2\n", "t.conf:1: control character 0x0d in line");
	expect_fail("a = 1\n# \x7f\n", "t.conf:2: control character 0x7f in line");
	expect_fail("a = 1\x1b[31m\n", "t.conf:1: control character 0x1b in line");
	expect_fail("a = 1\r", "t.conf:1: control character 0x0d in line");
	expect_fail("a = 1\n\xef\xbb\xbf b = 2\n", "t.conf:2: invalid character in key (a bare "
						   "name is A-Z a-z 0-9 _ -; quote other names)");
}

/* ------------------------------------------------------------ syntax errors */

static void test_separator_and_comments(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	expect_fail("a: 1\n", "t.conf:1: ':' is not a separator in TOML (use '=')");
	expect_fail("a : \"x = y\"\n", "t.conf:1: ':' is not a separator in TOML (use '=')");
	expect_fail("; comment\n", "t.conf:1: ';' does not start a comment in TOML (use '#')");
	expect_fail("a = 1\n  ; indented\n",
		    "t.conf:2: ';' does not start a comment in TOML (use '#')");
	expect_fail("a = 1 ; comment\n",
		    "t.conf:1: ';' does not start a comment in TOML (use '#')");
	expect_fail("a = ; comment\n",
		    "t.conf:1: missing value (';' does not start a comment in TOML, use '#')");
	expect_fail("[s] ; comment\n", "t.conf:1: ';' does not start a comment in TOML (use '#')");
	expect_fail("a = 1;x\n", "t.conf:1: ';' does not start a comment in TOML (use '#')");
	assert_int_equal(conf_load_file(FIXTURES "invalid-colon.conf", 0, doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES
			    "invalid-colon.conf:2: ':' is not a separator in TOML (use '=')");
	assert_int_equal(
		conf_load_file(FIXTURES "invalid-semicolon-comment.conf", 0, doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, FIXTURES "invalid-semicolon-comment.conf:1: ';' does not start "
					  "a comment in TOML (use '#')");
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_fail("a.b = 1\n", "t.conf:1: dotted keys are not supported (use a [section])");
	expect_fail("\"a\" . b = 1\n", "t.conf:1: dotted keys are not supported (use a [section])");
	expect_fail("= 1\n", "t.conf:1: missing key");
	expect_fail("a\n", "t.conf:1: expected '=' after the key");
	expect_fail("a b = 1\n", "t.conf:1: expected '=' after the key");
	expect_fail("k@ = 1\n", "t.conf:1: expected '=' after the key");
	expect_fail("@ = 1\n", "t.conf:1: invalid character in key (a bare name is A-Z a-z 0-9 _ "
			       "-; quote other names)");
	expect_fail("\"a = 1\n", "t.conf:1: unterminated string");
	expect_fail("\"a=b\" = 1\n",
		    "t.conf:1: '=', ':' or ' ;' inside a quoted key is not supported");
	expect_fail("'a:b' = 1\n",
		    "t.conf:1: '=', ':' or ' ;' inside a quoted key is not supported");
	expect_fail("\"a ;b\" = 1\n",
		    "t.conf:1: '=', ':' or ' ;' inside a quoted key is not supported");
	expect_fail("\"\"\"a\"\"\" = 1\n", "t.conf:1: multi-line strings are not supported");
	expect_fail("\"\\q\" = 1\n", "t.conf:1: invalid escape sequence '\\q' in string");
}

static void test_section_errors(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	expect_fail("[[x]]\n", "t.conf:1: arrays of tables ([[...]]) are not supported");
	expect_fail("[x]]\n", "t.conf:1: arrays of tables ([[...]]) are not supported");
	expect_fail("[]\n", "t.conf:1: missing section name");
	expect_fail("[a.]\n", "t.conf:1: missing section name");
	expect_fail("[.a]\n", "t.conf:1: missing section name");
	expect_fail("[a..b]\n", "t.conf:1: missing section name");
	expect_fail("[a\n", "t.conf:1: missing ']' after section name");
	expect_fail("[a b]\n", "t.conf:1: invalid character in section name");
	expect_fail("[a] k = 1\n", "t.conf:1: unexpected text after section header");
	expect_fail("[a/b]\n", "t.conf:1: invalid character in section name");
	expect_fail("[a.\"b]c\"]\nk = 1\n",
		    "t.conf:1: ']' inside a quoted section name is not supported");
	expect_fail("[\"a ;b\"]\nk = 1\n",
		    "t.conf:1: ';' after a blank inside a quoted section name is not supported");
	expect_fail("[\"unterminated]\n", "t.conf:1: unterminated string");
	assert_int_equal(
		conf_load_file(FIXTURES "invalid-array-of-tables.conf", 0, doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, FIXTURES "invalid-array-of-tables.conf:1: arrays of tables "
					  "([[...]]) are not supported");
}

static void test_escape_errors(void **state)
{
	(void)state;
	expect_fail("a = \"\\q\"\n", "t.conf:1: invalid escape sequence '\\q' in string");
	expect_fail("a = \"\\x41\"\n", "t.conf:1: invalid escape sequence '\\x' in string");
	expect_fail("a = \"\\e\"\n", "t.conf:1: invalid escape sequence '\\e' in string");
	expect_fail("a = \"\\ \"\n", "t.conf:1: invalid escape sequence in string");
	expect_fail("a = \"\\u12\"\n", "t.conf:1: invalid escape sequence: \\u needs 4 hex digits");
	expect_fail("a = \"\\U0001F60\"\n",
		    "t.conf:1: invalid escape sequence: \\U needs 8 hex digits");
	expect_fail("a = \"\\u0000\"\n",
		    "t.conf:1: escape \\u0000 (NUL) is not allowed in strings");
	expect_fail("a = \"\\U00000000\"\n",
		    "t.conf:1: escape \\U00000000 (NUL) is not allowed in strings");
	expect_fail("a = \"\\uD800\"\n", "t.conf:1: escape \\uD800 is not a Unicode scalar value "
					 "(surrogate or above U+10FFFF)");
	expect_fail("a = \"\\uDFFF\"\n", "t.conf:1: escape \\uDFFF is not a Unicode scalar value "
					 "(surrogate or above U+10FFFF)");
	expect_fail("a = \"\\U00110000\"\n", "t.conf:1: escape \\U00110000 is not a Unicode scalar "
					     "value (surrogate or above U+10FFFF)");
	expect_fail("a = \"abc\\\"\n", "t.conf:1: unterminated string");
	expect_fail("a = \"abc\\", "t.conf:1: unterminated string");
}

static void test_value_errors(void **state)
{
	(void)state;
	expect_fail("a =\n", "t.conf:1: missing value");
	expect_fail("a = # c\n", "t.conf:1: missing value");
	expect_fail("a = \"x\n", "t.conf:1: unterminated string");
	expect_fail("a = 'x\n", "t.conf:1: unterminated string");
	expect_fail("a = \"x\" y\n", "t.conf:1: unexpected text after value");
	expect_fail("a = 1 2\n", "t.conf:1: unexpected text after value");
	expect_fail("a = yes\n", "t.conf:1: invalid value (strings must be quoted)");
	expect_fail("a = True\n", "t.conf:1: invalid value (strings must be quoted)");
	expect_fail("a = /usr/bin\n", "t.conf:1: invalid value (strings must be quoted)");
	expect_fail("a = {x = 1}\n", "t.conf:1: inline tables are not supported");
	expect_fail("a = [{x = 1}]\n", "t.conf:1: inline tables are not supported");
	expect_fail("a = \"\"\"x\"\"\"\n", "t.conf:1: multi-line strings are not supported");
	expect_fail("a = '''x'''\n", "t.conf:1: multi-line strings are not supported");
	expect_fail("a = [1 2]\n", "t.conf:1: expected ',' or ']' in array");
	expect_fail("a = [,]\n", "t.conf:1: missing value");
	expect_fail("a = [1,,2]\n", "t.conf:1: missing value");
	expect_fail("a = [[[[[1]]]]]\n", "t.conf:1: arrays nested too deeply (max 4 levels)");
	expect_fail("a = [1] [2]\n", "t.conf:1: unexpected text after value");
	expect_fail("a = \"x\"\"y\"\n", "t.conf:1: unexpected text after value");
}

static void test_float_and_date_errors(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[512];
	(void)state;

	expect_fail("a = 1.5\n", "t.conf:1: floats are not supported");
	expect_fail("a = -0.0\n", "t.conf:1: floats are not supported");
	expect_fail("a = 1e5\n", "t.conf:1: floats are not supported");
	expect_fail("a = 6.02E+23\n", "t.conf:1: floats are not supported");
	expect_fail("a = 1_000.5\n", "t.conf:1: floats are not supported");
	expect_fail("a = inf\n", "t.conf:1: floats are not supported");
	expect_fail("a = -inf\n", "t.conf:1: floats are not supported");
	expect_fail("a = +nan\n", "t.conf:1: floats are not supported");
	expect_fail("a = [1, nan]\n", "t.conf:1: floats are not supported");
	expect_fail("a = 1979-05-27\n", "t.conf:1: dates and times are not supported");
	expect_fail("a = 07:32:00\n", "t.conf:1: dates and times are not supported");
	expect_fail("a = 1979-05-27T07:32:00Z\n", "t.conf:1: dates and times are not supported");
	expect_fail("a = 1979-05-27 07:32:00\n", "t.conf:1: dates and times are not supported");
	assert_int_equal(conf_load_file(FIXTURES "invalid-float.conf", 0, doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "invalid-float.conf:2: floats are not supported");
	assert_int_equal(conf_load_file(FIXTURES "invalid-date.conf", 0, doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "invalid-date.conf:2: dates and times are not supported");
	assert_int_equal(
		conf_load_file(FIXTURES "invalid-inline-table.conf", 0, doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, FIXTURES
			    "invalid-inline-table.conf:2: inline tables are not supported");
	assert_int_equal(conf_load_file(FIXTURES "invalid-unterminated-array.conf", 0, doc, err,
					sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "invalid-unterminated-array.conf:5: the array of key "
					  "'roots' (line 2) is not closed: indent its continuation "
					  "lines, including the closing ']'");
}

static void test_integer_errors(void **state)
{
	(void)state;
	expect_fail("a = 01\n", "t.conf:1: invalid integer: leading zeros are not allowed");
	expect_fail("a = -01\n", "t.conf:1: invalid integer: leading zeros are not allowed");
	expect_fail("a = 0_1\n", "t.conf:1: invalid integer: leading zeros are not allowed");
	expect_fail("a = 9223372036854775808\n", "t.conf:1: integer out of range (64-bit signed)");
	expect_fail("a = -9223372036854775809\n", "t.conf:1: integer out of range (64-bit signed)");
	expect_fail("a = 0x8000000000000000\n", "t.conf:1: integer out of range (64-bit signed)");
	expect_fail("a = 99999999999999999999999\n",
		    "t.conf:1: integer out of range (64-bit signed)");
	expect_fail("a = 1__0\n", "t.conf:1: invalid integer: '_' must stand between digits");
	expect_fail("a = 1_\n", "t.conf:1: invalid integer: '_' must stand between digits");
	expect_fail("a = 0x_1\n", "t.conf:1: invalid integer: '_' must stand between digits");
	expect_fail("a = 0b1_2\n", "t.conf:1: invalid integer: '_' must stand between digits");
	expect_fail("a = _1\n", "t.conf:1: invalid value (strings must be quoted)");
	expect_fail("a = +0x1\n", "t.conf:1: invalid integer: no sign allowed with 0x, 0o or 0b");
	expect_fail("a = -0b1\n", "t.conf:1: invalid integer: no sign allowed with 0x, 0o or 0b");
	expect_fail("a = 0X1\n", "t.conf:1: invalid integer");
	expect_fail("a = 0x\n", "t.conf:1: invalid integer");
	expect_fail("a = 0b102\n", "t.conf:1: invalid integer");
	expect_fail("a = 0o8\n", "t.conf:1: invalid integer");
	expect_fail("a = 0xg\n", "t.conf:1: invalid integer");
	expect_fail("a = 12abc\n", "t.conf:1: invalid integer");
	expect_fail("a = +\n", "t.conf:1: invalid integer");
	expect_fail("a = -x\n", "t.conf:1: invalid integer");
	expect_fail("a = 1-2\n", "t.conf:1: invalid integer");
}

static void test_limits(void **state)
{
	char *text;
	size_t n, cap;
	struct conf_doc *doc;
	(void)state;

	/* CX_MAX_CONF_ARRAY elements over many lines; one more fails. */
	cap = 16 + (size_t)(CX_MAX_CONF_ARRAY + 1) * 8;
	text = malloc(cap);
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, "a = [\n");
	for (int i = 0; i < CX_MAX_CONF_ARRAY; i++)
		n += (size_t)snprintf(text + n, cap - n, "  %d,\n", i % 10);
	snprintf(text + n, cap - n, "  ]\n");
	doc = parse_ok(text);
	assert_int_equal(get(doc, "", "a")->value.array.n_items, CX_MAX_CONF_ARRAY);
	conf_doc_free(doc);
	snprintf(text + n, cap - n, "  1]\n");
	expect_fail(text, "t.conf:1026: too many array elements (max 1024)");
	free(text);

	/* A multi-line array longer than CX_MAX_CONF_MULTILINE bytes. */
	cap = CX_MAX_CONF_MULTILINE + 4096;
	text = malloc(cap);
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, "a = [\n");
	while (n < CX_MAX_CONF_MULTILINE + 2000)
		n += (size_t)snprintf(text + n, cap - n, "  \"%0100d\",\n", 0);
	snprintf(text + n, cap - n, "  ]\n");
	expect_fail(text, "t.conf:1: multi-line array too long (max 65536 bytes)");
	free(text);

	/* More than CX_MAX_CONF_ENTRIES keys in one document. */
	cap = (size_t)(CX_MAX_CONF_ENTRIES + 1) * 16;
	text = malloc(cap);
	assert_non_null(text);
	n = 0;
	for (int i = 0; i <= CX_MAX_CONF_ENTRIES; i++)
		n += (size_t)snprintf(text + n, cap - n, "k%d = 1\n", i);
	expect_fail_len(text, n, -E2BIG, "t.conf:16385: too many keys (max 16384)");
	free(text);

	/* More than CX_MAX_CONF_FILE bytes. */
	text = calloc(1, CX_MAX_CONF_FILE + 1);
	assert_non_null(text);
	memset(text, '\n', CX_MAX_CONF_FILE + 1);
	expect_fail_len(text, CX_MAX_CONF_FILE + 1, -EFBIG,
			"t.conf: file too large (max 1048576 "
			"bytes)");
	free(text);
}

static void test_error_buffer(void **state)
{
	static const char dup[] = "\"\\u0007\\\\'x\" = 1\n\"\\u0007\\\\'x\" = 2\n";
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char small[12], err[512];
	(void)state;

	/* NULL and tiny buffers are fine; messages are cut, always terminated. */
	assert_int_equal(conf_parse_buffer("a: 1\n", 5, "t.conf", doc, NULL, 0), -EINVAL);
	memset(small, 'x', sizeof(small));
	assert_int_equal(conf_parse_buffer("a: 1\n", 5, "t.conf", doc, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "t.conf:1: '");
	/* Untrusted text is quoted and escaped in messages, file names too. */
	assert_int_equal(conf_parse_buffer(dup, strlen(dup), "t\n.conf", doc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t?.conf:2: duplicate key '\\x07\\x5c\\x27x' (first at line 1)");
	assert_int_equal(conf_doc_n_entries(doc), 0);
}

static void test_messages_cut_and_escaped(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char name[300], want[512], err[512];
	(void)state;

	/* Keys are cut at 40 bytes in messages. */
	expect_fail("k234567890123456789012345678901234567890123 = 1\n"
		    "k234567890123456789012345678901234567890123 = 2\n",
		    "t.conf:2: duplicate key 'k234567890123456789012345678901234567890'... (first "
		    "at line 1)");
	/* File names: valid UTF-8 kept, invalid bytes and control characters as '?', cut. */
	assert_int_equal(
		conf_parse_buffer("a: 1", 4, "caf\xc3\xa9\xff\x1b.conf", doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "caf\xc3\xa9??.conf:1: ':' is not a separator in TOML (use '=')");
	memset(name, 'n', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(conf_parse_buffer("a: 1", 4, name, doc, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%.200s...:1: ':' is not a separator in TOML (use '=')", name);
	assert_string_equal(err, want);
	/* No name. */
	assert_int_equal(conf_parse_buffer("a: 1", 4, NULL, doc, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "(buffer):1: ':' is not a separator in TOML (use '=')");
	assert_int_equal(conf_doc_n_entries(doc), 0);
}

static void test_api_edges(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char err[64];
	(void)state;

	assert_int_equal(conf_parse_buffer(NULL, 0, "empty.conf", doc, err, sizeof(err)), 0);
	assert_int_equal(conf_parse_buffer(NULL, 1, "x.conf", doc, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_parse_buffer("a = 1", 5, "x.conf", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_load_file(NULL, 0, doc, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_load_dropins(NULL, 0, doc, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_parse_buffer("a = 1", 5, "x.conf", doc, err, sizeof(err)), 0);
	/* A NULL section means the keys before any header. */
	assert_ptr_equal(conf_doc_get(doc, NULL, "a"), conf_doc_get(doc, "", "a"));
	assert_non_null(conf_doc_get(doc, NULL, "a"));
	assert_null(conf_doc_get(doc, "", NULL));
	assert_int_equal(conf_entry_get_bool(NULL, NULL, err, sizeof(err)), -EINVAL);
}

static void test_section_limit(void **state)
{
	size_t cap = (size_t)(CX_MAX_CONF_SECTIONS + 1) * 12, n = 0;
	char *text = malloc(cap);
	(void)state;

	assert_non_null(text);
	for (int i = 0; i <= CX_MAX_CONF_SECTIONS; i++)
		n += (size_t)snprintf(text + n, cap - n, "[s%d]\n", i);
	expect_fail_len(text, n, -E2BIG, "t.conf:4097: too many sections (max 4096)");
	free(text);
}

/* ------------------------------------------------------------ documents */

static void test_rollback_and_override(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	const struct conf_entry *e, *keep;
	char err[512];
	int64_t x = 0;
	(void)state;

	assert_int_equal(
		conf_parse_buffer("[d]\nk = 1\nl = 2\n", 16, "one.conf", doc, err, sizeof(err)), 0);
	keep = get(doc, "d", "k");
	/* A failing file adds nothing, even the entries before its error. */
	assert_int_equal(
		conf_parse_buffer("[d]\nk = 5\nm = 1.0\n", 18, "bad.conf", doc, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "bad.conf:3: floats are not supported");
	assert_int_equal(conf_doc_n_entries(doc), 2);
	assert_ptr_equal(get(doc, "d", "k"), keep);
	/* Another file may repeat keys: the later one wins, both are kept. */
	assert_int_equal(conf_parse_buffer("[d]\nk = 3\n", 10, "two.conf", doc, err, sizeof(err)),
			 0);
	assert_int_equal(conf_doc_n_entries(doc), 3);
	e = get(doc, "d", "k");
	assert_string_equal(e->file, "two.conf");
	assert_int_equal(e->line, 2);
	assert_int_equal(conf_get_int(doc, "d", "k", 0, 10, &x, err, sizeof(err)), 0);
	assert_true(x == 3);
	/* Pointers from earlier loads stay valid. */
	assert_string_equal(keep->file, "one.conf");
	assert_true(keep->value.integer == 1);
	/* Iteration is in reading order. */
	assert_string_equal(conf_doc_entry(doc, 0)->key, "k");
	assert_string_equal(conf_doc_entry(doc, 1)->key, "l");
	assert_ptr_equal(conf_doc_entry(doc, 2), e);
	assert_null(conf_doc_entry(doc, 3));
	assert_null(conf_doc_get(NULL, "d", "k"));
	assert_int_equal(conf_doc_n_entries(NULL), 0);
	conf_doc_free(NULL);
}

static void test_getters(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc =
		parse_ok("[g]\ns = \"str\"\nb = true\ni = 42\nneg = -3\nv = [\"x\", \"y\"]\n"
			 "e = []\nmix = [\"x\", 1]\nnest = [[\"x\"]]\n");
	const char *s = "untouched";
	char err[512] = "";
	char **v = (char **)&err;
	int64_t i = 7;
	bool b = false;
	(void)state;

	assert_int_equal(conf_get_string(doc, "g", "s", &s, err, sizeof(err)), 0);
	assert_string_equal(s, "str");
	assert_int_equal(conf_get_bool(doc, "g", "b", &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(conf_get_int(doc, "g", "i", 0, 100, &i, err, sizeof(err)), 0);
	assert_true(i == 42);
	assert_int_equal(conf_get_int(doc, "g", "neg", INT64_MIN, INT64_MAX, &i, err, sizeof(err)),
			 0);
	assert_true(i == -3);

	/* Absent: -ENOENT, value and message untouched. */
	strcpy(err, "keep");
	assert_int_equal(conf_get_string(doc, "g", "none", &s, err, sizeof(err)), -ENOENT);
	assert_int_equal(conf_get_bool(doc, "x", "b", &b, err, sizeof(err)), -ENOENT);
	assert_int_equal(conf_get_int(doc, "g", "none", 0, 1, &i, err, sizeof(err)), -ENOENT);
	assert_int_equal(conf_get_strv(doc, "g", "none", &v, err, sizeof(err)), -ENOENT);
	assert_string_equal(s, "str");
	assert_true(b);
	assert_true(i == -3);
	assert_ptr_equal(v, (char **)&err);
	assert_string_equal(err, "keep");

	/* Wrong type or range: -EINVAL, "file:line: key 'x' must be ...", value untouched. */
	assert_int_equal(conf_get_string(doc, "g", "i", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:4: key 'i' must be a string");
	assert_int_equal(conf_get_bool(doc, "g", "s", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: key 's' must be a boolean (true or false)");
	assert_int_equal(conf_get_int(doc, "g", "s", INT64_MIN, INT64_MAX, &i, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: key 's' must be an integer");
	assert_int_equal(conf_get_int(doc, "g", "i", 0, 10, &i, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:4: key 'i' must be an integer between 0 and 10");
	assert_int_equal(conf_get_int(doc, "g", "neg", 0, 10, &i, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:5: key 'neg' must be an integer between 0 and 10");
	assert_int_equal(conf_get_int(doc, "g", "b", -1, 1, &i, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: key 'b' must be an integer between -1 and 1");
	assert_int_equal(conf_get_strv(doc, "g", "s", &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: key 's' must be an array of strings");
	assert_int_equal(conf_get_strv(doc, "g", "mix", &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:8: key 'mix' must be an array of strings");
	assert_int_equal(conf_get_strv(doc, "g", "nest", &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:9: key 'nest' must be an array of strings");
	assert_string_equal(s, "str");
	assert_true(b);
	assert_true(i == -3);
	assert_ptr_equal(v, (char **)&err);

	assert_int_equal(conf_get_strv(doc, "g", "v", &v, err, sizeof(err)), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[0], "x");
	assert_string_equal(v[1], "y");
	assert_null(v[2]);
	strv_free(v);
	assert_int_equal(conf_get_strv(doc, "g", "e", &v, err, sizeof(err)), 0);
	assert_non_null(v);
	assert_null(v[0]);
	strv_free(v);

	assert_string_equal(conf_type_to_string(CONF_TYPE_STRING), "string");
	assert_string_equal(conf_type_to_string(CONF_TYPE_ARRAY), "array");
	assert_string_equal(conf_type_to_string(CONF_TYPE_MAX), "unknown");
}

/* ------------------------------------------------------------ files */

static void test_load_file_errors(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char *dir = make_tmpdir(), *path, *link = NULL, *fifo = NULL, *big = NULL;
	char err[512];
	int fd;
	(void)state;

	/* Missing: -ENOENT, no message, so callers use built-in defaults. */
	strcpy(err, "x");
	assert_int_equal(conf_load_file("/nonexistent/codexd.conf", 0, doc, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "");

	path = write_file(dir, "ok.conf", "a = 1\n", 0644);
	assert_int_equal(conf_load_file(path, 0, doc, err, sizeof(err)), 0);
	assert_int_equal(conf_doc_n_entries(doc), 1);

	/* A symbolic link is not followed. */
	assert_true(asprintf(&link, "%s/link.conf", dir) > 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(conf_load_file(link, 0, doc, err, sizeof(err)), -ELOOP);
	assert_true(strstr(err, "link.conf: is a symbolic link (not followed)") != NULL);

	/* A directory, a FIFO (must not block). */
	assert_int_equal(conf_load_file(dir, 0, doc, err, sizeof(err)), -EISDIR);
	assert_true(strstr(err, ": is a directory") != NULL);
	assert_true(asprintf(&fifo, "%s/fifo.conf", dir) > 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(conf_load_file(fifo, 0, doc, err, sizeof(err)), -EINVAL);
	assert_true(strstr(err, "fifo.conf: not a regular file") != NULL);

	/* Too large. */
	assert_true(asprintf(&big, "%s/big.conf", dir) > 0);
	fd = open(big, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, CX_MAX_CONF_FILE + 1), 0);
	close(fd);
	assert_int_equal(conf_load_file(big, 0, doc, err, sizeof(err)), -EFBIG);
	assert_true(strstr(err, "big.conf: file too large (max 1048576 bytes)") != NULL);

	assert_int_equal(conf_doc_n_entries(doc), 1);
	free(path);
	free(link);
	free(fifo);
	free(big);
	rm_rf(dir);
}

static void test_managed_mode(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char *dir = make_tmpdir(), *gw, *ow, *ok, *want = NULL;
	char err[512];
	(void)state;

	gw = write_file(dir, "gw.conf", "a = 1\n", 0664);
	ow = write_file(dir, "ow.conf", "a = 1\n", 0646);
	ok = write_file(dir, "ok.conf", "a = 1\n", 0644);
	if (geteuid() == 0) {
		assert_int_equal(conf_load_file(gw, CONF_LOAD_MANAGED, doc, err, sizeof(err)),
				 -EPERM);
		assert_true(asprintf(&want, "%s: writable by group or others (mode 0664)", gw) > 0);
		assert_string_equal(err, want);
		free(want);
		assert_int_equal(conf_load_file(ow, CONF_LOAD_MANAGED, doc, err, sizeof(err)),
				 -EPERM);
		assert_true(asprintf(&want, "%s: writable by group or others (mode 0646)", ow) > 0);
		assert_string_equal(err, want);
		free(want);
		/* Without the flag the same file is fine. */
		assert_int_equal(conf_load_file(gw, 0, doc, err, sizeof(err)), 0);
		assert_int_equal(conf_load_file(ok, CONF_LOAD_MANAGED, doc, err, sizeof(err)), 0);
		assert_int_equal(conf_doc_n_entries(doc), 2);
	} else {
		/* Not root: our files are not root's, which is checked first. */
		assert_int_equal(conf_load_file(gw, CONF_LOAD_MANAGED, doc, err, sizeof(err)),
				 -EPERM);
		assert_true(strstr(err, "gw.conf: not owned by root (owner uid ") != NULL);
		assert_int_equal(conf_load_file(gw, 0, doc, err, sizeof(err)), 0);
	}
	free(gw);
	free(ow);
	free(ok);
	rm_rf(dir);
}

static void test_managed_owner(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = NULL;
	char *dir, *path;
	char err[512];
	(void)state;

	if (geteuid() != 0)
		skip(); /* a file of another owner cannot be made without root */
	doc = conf_doc_new();
	dir = make_tmpdir();
	path = write_file(dir, "nobody.conf", "a = 1\n", 0644);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(conf_load_file(path, CONF_LOAD_MANAGED, doc, err, sizeof(err)), -EPERM);
	assert_true(strstr(err, "nobody.conf: not owned by root (owner uid 65534)") != NULL);
	assert_int_equal(conf_load_file(path, 0, doc, err, sizeof(err)), 0);
	free(path);
	rm_rf(dir);
}

static void test_dropins(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char *dir = make_tmpdir(), *sub = NULL;
	const struct conf_entry *e;
	char err[512];
	(void)state;

	free(write_file(dir, "20-b.conf", "[d]\nk = \"b\"\nonly_b = 1\n", 0644));
	free(write_file(dir, "10-a.conf", "[d]\nk = \"a\"\nonly_a = 1\n", 0644));
	free(write_file(dir, "30-c.conf", "[d]\nk = \"c\"\n", 0644));
	free(write_file(dir, ".hidden.conf", "[d]\nk = \"hidden\"\n", 0644));
	free(write_file(dir, "notes.txt", "not a conf file", 0644));
	free(write_file(dir, "40-d.conf~", "[d]\nk = \"backup\"\n", 0644));
	free(write_file(dir, ".conf", "[d]\nk = \"dot\"\n", 0644));

	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), 3);
	assert_int_equal(conf_doc_n_entries(doc), 5);
	e = get(doc, "d", "k");
	assert_string_equal(e->value.str, "c");
	assert_true(strstr(e->file, "/30-c.conf") != NULL);
	assert_true(strstr(conf_doc_entry(doc, 0)->file, "/10-a.conf") != NULL);
	assert_string_equal(conf_doc_entry(doc, 0)->value.str, "a");
	assert_true(strstr(conf_doc_entry(doc, 2)->file, "/20-b.conf") != NULL);
	assert_int_entry(doc, "d", "only_a", 1);
	assert_int_entry(doc, "d", "only_b", 1);

	/* A missing directory is no error. */
	assert_int_equal(conf_load_dropins("/nonexistent/codexd.conf.d", 0, doc, err, sizeof(err)),
			 0);

	/* One bad file: an error naming it, and nothing of the directory is kept. */
	free(write_file(dir, "25-bad.conf", "[d]\nk = 1.5\n", 0644));
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), -EINVAL);
	assert_true(strstr(err, "/25-bad.conf:2: floats are not supported") != NULL);
	assert_int_equal(conf_doc_n_entries(doc), 5);
	free(write_file(dir, "25-bad.conf", "[d]\nk = 15\n", 0644));
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), 4);
	assert_int_equal(conf_doc_n_entries(doc), 11);

	/* A "*.conf" that is a directory or a symbolic link is an error. */
	assert_true(asprintf(&sub, "%s/50-dir.conf", dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), -EISDIR);
	assert_true(strstr(err, "/50-dir.conf: is a directory") != NULL);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(symlink("10-a.conf", sub), 0);
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), -ELOOP);
	assert_true(strstr(err, "/50-dir.conf: is a symbolic link (not followed)") != NULL);
	assert_int_equal(conf_doc_n_entries(doc), 11);
	free(sub);

	/* The directory itself must not be a symbolic link, nor a file. */
	assert_true(asprintf(&sub, "%s/linkdir", dir) > 0);
	assert_int_equal(symlink(dir, sub), 0);
	assert_int_equal(conf_load_dropins(sub, 0, doc, err, sizeof(err)), -ENOTDIR);
	assert_true(strstr(err, "/linkdir: not a directory (or a symbolic link, not followed)") !=
		    NULL);
	free(sub);
	assert_true(asprintf(&sub, "%s/notes.txt", dir) > 0);
	assert_int_equal(conf_load_dropins(sub, 0, doc, err, sizeof(err)), -ENOTDIR);
	free(sub);
	rm_rf(dir);
}

static void test_dropins_managed(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char *dir = make_tmpdir(), *b;
	char err[512];
	(void)state;

	free(write_file(dir, "10-a.conf", "a = 1\n", 0644));
	b = write_file(dir, "20-b.conf", "b = 1\n", 0664);
	if (geteuid() != 0) {
		assert_int_equal(conf_load_dropins(dir, CONF_LOAD_MANAGED, doc, err, sizeof(err)),
				 -EPERM);
		assert_true(strstr(err, ": not owned by root (owner uid ") != NULL);
		free(b);
		rm_rf(dir);
		return;
	}
	/* A group-writable drop-in: the whole directory is refused. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(conf_load_dropins(dir, CONF_LOAD_MANAGED, doc, err, sizeof(err)), -EPERM);
	assert_true(strstr(err, "/20-b.conf: writable by group or others (mode 0664)") != NULL);
	assert_int_equal(conf_doc_n_entries(doc), 0);
	assert_int_equal(chmod(b, 0644), 0);
	free(b);
	assert_int_equal(conf_load_dropins(dir, CONF_LOAD_MANAGED, doc, err, sizeof(err)), 2);
	/* A group-writable directory is refused too. */
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(conf_load_dropins(dir, CONF_LOAD_MANAGED, doc, err, sizeof(err)), -EPERM);
	assert_true(strstr(err, ": writable by group or others (mode 0775)") != NULL);
	assert_int_equal(conf_doc_n_entries(doc), 2);
	rm_rf(dir);
}

static void test_dropins_too_many(void **state)
{
	_cleanup_conf_doc_ struct conf_doc *doc = conf_doc_new();
	char *dir = make_tmpdir();
	char err[512], name[32];
	(void)state;

	for (int i = 0; i < CX_MAX_CONF_FILES; i++) {
		snprintf(name, sizeof(name), "%03d.conf", i);
		free(write_file(dir, name, "", 0644));
	}
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), CX_MAX_CONF_FILES);
	free(write_file(dir, "999.conf", "", 0644));
	assert_int_equal(conf_load_dropins(dir, 0, doc, err, sizeof(err)), -E2BIG);
	assert_true(strstr(err, ": too many drop-in files (max 256)") != NULL);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_fixture),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_semicolon_in_string),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_booleans_and_arrays),
		cmocka_unit_test(test_sections_and_keys),
		cmocka_unit_test(test_section_join),
		cmocka_unit_test(test_comments_blank_and_empty),
		cmocka_unit_test(test_multiline_arrays),
		cmocka_unit_test(test_multiline_array_errors),
		cmocka_unit_test(test_continuation_of_non_array),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_duplicate_fixture),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_platform_attack_line),
		cmocka_unit_test(test_long_line_fixture),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_long_section),
		cmocka_unit_test(test_long_project_section),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_separator_and_comments),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_escape_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_float_and_date_errors),
		cmocka_unit_test(test_integer_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_messages_cut_and_escaped),
		cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_section_limit),
		cmocka_unit_test(test_rollback_and_override),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_managed_mode),
		cmocka_unit_test(test_managed_owner),
		cmocka_unit_test(test_dropins),
		cmocka_unit_test(test_dropins_managed),
		cmocka_unit_test(test_dropins_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
