/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/macro.h"
#include "common/path_util.h"

/* "/" followed by components of 'a' and '/' to exactly len bytes. */
static char *make_path(size_t len)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = (i % 8 == 0) ? '/' : 'a';
	s[len] = '\0';
	if (len > 1 && s[len - 1] == '/')
		s[len - 1] = 'b';
	return s;
}

/* ------------------------------------------------------------ path_is_absolute_normalized */

static void test_normalized_valid(void **state)
{
	(void)state;
	assert_true(path_is_absolute_normalized("/"));
	assert_true(path_is_absolute_normalized("/a"));
	assert_true(path_is_absolute_normalized("/a/b"));
	assert_true(path_is_absolute_normalized("/home/user/project/src/main.c"));
	assert_true(path_is_absolute_normalized("/.hidden"));
	assert_true(path_is_absolute_normalized("/a/.b/..c/c../.../x.y"));
	assert_true(path_is_absolute_normalized("/a b/c"));
	assert_true(path_is_absolute_normalized("/caf\xc3\xa9"));
	assert_true(path_is_absolute_normalized("/\xff\xfe"));
	assert_true(path_is_absolute_normalized("/a\\b"));
	assert_true(path_is_absolute_normalized("/~"));
}

static void test_normalized_not_absolute(void **state)
{
	(void)state;
	assert_false(path_is_absolute_normalized(NULL));
	assert_false(path_is_absolute_normalized(""));
	assert_false(path_is_absolute_normalized("a"));
	assert_false(path_is_absolute_normalized("a/b"));
	assert_false(path_is_absolute_normalized("./a"));
	assert_false(path_is_absolute_normalized("../a"));
	assert_false(path_is_absolute_normalized("~/a"));
	assert_false(path_is_absolute_normalized(" /a"));
}

static void test_normalized_empty_components(void **state)
{
	(void)state;
	assert_false(path_is_absolute_normalized("//"));
	assert_false(path_is_absolute_normalized("///"));
	assert_false(path_is_absolute_normalized("//a"));
	assert_false(path_is_absolute_normalized("/a//b"));
	assert_false(path_is_absolute_normalized("/a/b//"));
}

static void test_normalized_dot_components(void **state)
{
	(void)state;
	assert_false(path_is_absolute_normalized("/."));
	assert_false(path_is_absolute_normalized("/.."));
	assert_false(path_is_absolute_normalized("/a/./b"));
	assert_false(path_is_absolute_normalized("/a/../b"));
	assert_false(path_is_absolute_normalized("/a/."));
	assert_false(path_is_absolute_normalized("/a/.."));
	assert_false(path_is_absolute_normalized("/./a"));
	assert_false(path_is_absolute_normalized("/../a"));
	assert_false(path_is_absolute_normalized("/../../etc/shadow"));
}

static void test_normalized_trailing_slash(void **state)
{
	(void)state;
	assert_false(path_is_absolute_normalized("/a/"));
	assert_false(path_is_absolute_normalized("/a/b/"));
	assert_false(path_is_absolute_normalized("/./"));
}

static void test_normalized_control_chars(void **state)
{
	(void)state;
	assert_false(path_is_absolute_normalized("/a\nb"));
	assert_false(path_is_absolute_normalized("/a\rb"));
	assert_false(path_is_absolute_normalized("/a\tb"));
	assert_false(path_is_absolute_normalized("/a\x01"));
	assert_false(path_is_absolute_normalized("/\x1f"));
	assert_false(path_is_absolute_normalized("/a/\x7f/b"));
	assert_false(path_is_absolute_normalized("/\x1b[31m"));
	assert_true(path_is_absolute_normalized("/\x20"));
	assert_true(path_is_absolute_normalized("/\x80"));
}

static void test_normalized_embedded_nul(void **state)
{
	(void)state;
	const char s[] = "/a\0/../b";

	/* A C string ends at the NUL: what follows is never looked at. */
	assert_true(path_is_absolute_normalized(s));
}

static void test_normalized_length(void **state)
{
	(void)state;
	_cleanup_free_ char *max = make_path(CX_MAX_PATH);
	_cleanup_free_ char *over = make_path(CX_MAX_PATH + 1);
	_cleanup_free_ char *huge = make_path(1024 * 1024);
	_cleanup_free_ char *one_component = malloc(CX_MAX_PATH + 1);

	assert_int_equal(strlen(max), CX_MAX_PATH);
	assert_true(path_is_absolute_normalized(max));
	assert_false(path_is_absolute_normalized(over));
	assert_false(path_is_absolute_normalized(huge));

	assert_non_null(one_component);
	one_component[0] = '/';
	memset(one_component + 1, 'x', CX_MAX_PATH - 1);
	one_component[CX_MAX_PATH] = '\0';
	assert_true(path_is_absolute_normalized(one_component));
}

/* ------------------------------------------------------------ path_join */

static void check_join(const char *a, const char *b, const char *want)
{
	char *s = NULL;

	assert_int_equal(path_join(a, b, &s), 0);
	assert_string_equal(s, want);
	free(s);
}

static void check_join_fail(const char *a, const char *b, int err)
{
	char *s = (char *)"untouched";

	assert_int_equal(path_join(a, b, &s), err);
	assert_string_equal(s, "untouched");
}

static void test_join(void **state)
{
	(void)state;
	check_join("/a", "b", "/a/b");
	check_join("/a/b", "c/d", "/a/b/c/d");
	check_join("/", "x", "/x");
	check_join("/", "/x", "/x");
	check_join("/a/", "b", "/a/b");
	check_join("/a", "/b", "/a/b");
	check_join("/a//", "//b", "/a/b");
	check_join("/", "/", "/");
	check_join("//", "x", "/x");
	check_join("/a", "/", "/a/");
	check_join("a", "b", "a/b");
	check_join("/a", "b/", "/a/b/");
	/* No normalisation: the caller checks the result. */
	check_join("/a", "../b", "/a/../b");
	check_join("/a", "b//c", "/a/b//c");
}

static void test_join_invalid(void **state)
{
	(void)state;
	char *s = NULL;

	check_join_fail("", "b", -EINVAL);
	check_join_fail("/a", "", -EINVAL);
	check_join_fail(NULL, "b", -EINVAL);
	check_join_fail("/a", NULL, -EINVAL);
	assert_int_equal(path_join("/a", "b", NULL), -EINVAL);
	assert_null(s);
}

static void test_join_length(void **state)
{
	(void)state;
	_cleanup_free_ char *a = make_path(CX_MAX_PATH - 2);
	_cleanup_free_ char *big = make_path(CX_MAX_PATH + 1);
	_cleanup_free_ char *max = make_path(CX_MAX_PATH);
	char *s = NULL;

	/* CX_MAX_PATH - 2 + "/" + "b" == CX_MAX_PATH */
	assert_int_equal(path_join(a, "b", &s), 0);
	assert_int_equal(strlen(s), CX_MAX_PATH);
	free(s);

	check_join_fail(a, "bc", -ENAMETOOLONG);
	check_join_fail(big, "b", -ENAMETOOLONG);
	check_join_fail("/", big, -ENAMETOOLONG);
	check_join_fail(max, "b", -ENAMETOOLONG);

	/* The root plus a maximal relative tail fits exactly. */
	assert_int_equal(path_join("/", max + 1, &s), 0);
	assert_string_equal(s, max);
	free(s);
}

/* ------------------------------------------------------------ path_startswith_dir */

static void test_startswith_dir(void **state)
{
	(void)state;
	assert_true(path_startswith_dir("/a/b", "/a/b"));
	assert_true(path_startswith_dir("/a/b/c", "/a/b"));
	assert_true(path_startswith_dir("/a/b/c/d", "/a/b"));
	assert_true(path_startswith_dir("/a/b/c", "/a"));
	assert_true(path_startswith_dir("/a", "/"));
	assert_true(path_startswith_dir("/", "/"));
	assert_true(path_startswith_dir("/a/b/c", "/"));
}

static void test_startswith_dir_boundary(void **state)
{
	(void)state;
	assert_false(path_startswith_dir("/a/bc", "/a/b"));
	assert_false(path_startswith_dir("/a/b.c", "/a/b"));
	assert_false(path_startswith_dir("/a/b-c/d", "/a/b"));
	assert_false(path_startswith_dir("/ab", "/a"));
	assert_false(path_startswith_dir("/a", "/a/b"));
	assert_false(path_startswith_dir("/", "/a"));
	assert_false(path_startswith_dir("/b", "/a"));
	assert_false(path_startswith_dir("/A/b", "/a"));
	assert_false(path_startswith_dir("/home/alice2/x", "/home/alice"));
}

static void test_startswith_dir_unnormalized(void **state)
{
	(void)state;
	/* Textually under /a, really /etc: refused. */
	assert_false(path_startswith_dir("/a/../etc", "/a"));
	assert_false(path_startswith_dir("/a/./b", "/a"));
	assert_false(path_startswith_dir("/a//b", "/a"));
	assert_false(path_startswith_dir("/a/b/", "/a"));
	assert_false(path_startswith_dir("/a/b", "/a/"));
	assert_false(path_startswith_dir("/a/b", "//"));
	assert_false(path_startswith_dir("a/b", "a"));
	assert_false(path_startswith_dir("/a/b", ""));
	assert_false(path_startswith_dir("", "/"));
	assert_false(path_startswith_dir(NULL, "/"));
	assert_false(path_startswith_dir("/a", NULL));
	assert_false(path_startswith_dir("/a/\n", "/a"));
}

/* ------------------------------------------------------------ path_basename */

static void test_basename(void **state)
{
	(void)state;
	const char *p = "/a/b";

	assert_ptr_equal(path_basename(p), p + 3);
	assert_string_equal(path_basename("/a/b"), "b");
	assert_string_equal(path_basename("/a"), "a");
	assert_string_equal(path_basename("/"), "/");
	assert_string_equal(path_basename("//"), "/");
	assert_string_equal(path_basename("b"), "b");
	assert_string_equal(path_basename("a/b"), "b");
	assert_string_equal(path_basename("/a/b.tar.gz"), "b.tar.gz");
	assert_string_equal(path_basename("/a/b/"), "");
	assert_string_equal(path_basename(""), "");
	assert_null(path_basename(NULL));
}

/* ------------------------------------------------------------ path_dirname */

static void check_dirname(const char *p, const char *want)
{
	char *s = NULL;

	assert_int_equal(path_dirname(p, &s), 0);
	assert_string_equal(s, want);
	free(s);
}

static void test_dirname(void **state)
{
	(void)state;
	check_dirname("/a/b", "/a");
	check_dirname("/a/b/c", "/a/b");
	check_dirname("/a", "/");
	check_dirname("/", "/");
	check_dirname("//", "/");
	check_dirname("//a", "/");
	check_dirname("/a//b", "/a");
	check_dirname("/a/b/", "/a/b");
	check_dirname("a/b", "a");
	check_dirname("a", ".");
	check_dirname("..", ".");
}

static void test_dirname_invalid(void **state)
{
	(void)state;
	_cleanup_free_ char *max = make_path(CX_MAX_PATH);
	_cleanup_free_ char *big = make_path(CX_MAX_PATH + 1);
	char *s = (char *)"untouched";

	assert_int_equal(path_dirname("", &s), -EINVAL);
	assert_int_equal(path_dirname(NULL, &s), -EINVAL);
	assert_int_equal(path_dirname(big, &s), -ENAMETOOLONG);
	assert_string_equal(s, "untouched");
	assert_int_equal(path_dirname("/a", NULL), -EINVAL);

	assert_int_equal(path_dirname(max, &s), 0);
	assert_true(path_is_absolute_normalized(s));
	assert_true(path_startswith_dir(max, s));
	free(s);
}

static void test_dirname_basename_roundtrip(void **state)
{
	(void)state;
	static const char *const paths[] = {"/a/b", "/x/y/z", "/a", "/usr/lib/libc.so.6"};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		char *dir = NULL, *joined = NULL;

		assert_int_equal(path_dirname(paths[i], &dir), 0);
		assert_int_equal(path_join(dir, path_basename(paths[i]), &joined), 0);
		assert_string_equal(joined, paths[i]);
		assert_true(path_startswith_dir(paths[i], dir));
		free(dir);
		free(joined);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalized_valid),
		cmocka_unit_test(test_normalized_not_absolute),
		cmocka_unit_test(test_normalized_empty_components),
		cmocka_unit_test(test_normalized_dot_components),
		cmocka_unit_test(test_normalized_trailing_slash),
		cmocka_unit_test(test_normalized_control_chars),
		cmocka_unit_test(test_normalized_embedded_nul),
		cmocka_unit_test(test_normalized_length),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_invalid),
		cmocka_unit_test(test_join_length),
		cmocka_unit_test(test_startswith_dir),
		cmocka_unit_test(test_startswith_dir_boundary),
		cmocka_unit_test(test_startswith_dir_unnormalized),
		cmocka_unit_test(test_basename),
		cmocka_unit_test(test_dirname),
		cmocka_unit_test(test_dirname_invalid),
		cmocka_unit_test(test_dirname_basename_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
