/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/strv.h"

#define V(...) ((char *const *)(const char *const[]){__VA_ARGS__, NULL})

static void test_extend_from_null(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **v = NULL;
	char s[] = "one";

	assert_int_equal(strv_extend(&v, s), 0);
	assert_non_null(v);
	assert_int_equal(strv_length(v), 1);
	assert_string_equal(v[0], "one");
	assert_ptr_not_equal(v[0], s); /* a copy */
	assert_null(v[1]);

	assert_int_equal(strv_extend(&v, "two"), 0);
	assert_int_equal(strv_extend(&v, ""), 0);
	assert_int_equal(strv_length(v), 3);
	assert_string_equal(v[1], "two");
	assert_string_equal(v[2], "");
	assert_null(v[3]);
}

static void test_extend_invalid(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **v = NULL;

	assert_int_equal(strv_extend(&v, NULL), -EINVAL);
	assert_null(v);
	assert_int_equal(strv_extend(NULL, "x"), -EINVAL);

	assert_int_equal(strv_extend(&v, "a"), 0);
	char **before = v;
	assert_int_equal(strv_extend(&v, NULL), -EINVAL);
	assert_ptr_equal(v, before);
	assert_int_equal(strv_length(v), 1);
}

static void test_push_takes_ownership(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **v = NULL;
	char *s = strdup("owned");

	assert_non_null(s);
	assert_int_equal(strv_push(&v, s), 0);
	assert_ptr_equal(v[0], s); /* not copied: freed by strv_free */
	assert_null(v[1]);
}

static void test_push_invalid_keeps_ownership(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *s = strdup("x");

	assert_int_equal(strv_push(&v, NULL), -EINVAL);
	assert_null(v);
	assert_int_equal(strv_push(NULL, s), -EINVAL);
	/* s is still ours: the cleanup frees it (ASan would flag a double free). */
}

static void test_push_many(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **v = NULL;

	for (size_t i = 0; i < 1000; i++) {
		char *s = NULL;

		assert_true(asprintf(&s, "%zu", i) > 0);
		assert_int_equal(strv_push(&v, s), 0);
	}
	assert_int_equal(strv_length(v), 1000);
	assert_string_equal(v[0], "0");
	assert_string_equal(v[999], "999");
	assert_null(v[1000]);
}

static void test_extend_limit(void **state)
{
	(void)state;
	/* Build a vector at the ceiling directly (one allocation), then grow. */
	_cleanup_strv_free_ char **v = calloc(STRV_MAX_LENGTH + 1, sizeof(char *));
	_cleanup_free_ char *extra = strdup("extra");

	assert_non_null(v);
	for (size_t i = 0; i < STRV_MAX_LENGTH; i++) {
		v[i] = strdup("x");
		assert_non_null(v[i]);
	}

	char **before = v;
	assert_int_equal(strv_extend(&v, "y"), -E2BIG);
	assert_int_equal(strv_push(&v, extra), -E2BIG);
	assert_ptr_equal(v, before);
	assert_int_equal(strv_length(v), STRV_MAX_LENGTH);

	/* One below the ceiling may still grow by one. */
	free(v[STRV_MAX_LENGTH - 1]);
	v[STRV_MAX_LENGTH - 1] = NULL;
	assert_int_equal(strv_extend(&v, "y"), 0);
	assert_int_equal(strv_length(v), STRV_MAX_LENGTH);
	assert_string_equal(v[STRV_MAX_LENGTH - 1], "y");
}

static void test_contains(void **state)
{
	(void)state;
	char *const *v = V("a", "bc", "", "D");

	assert_true(strv_contains(v, "a"));
	assert_true(strv_contains(v, "bc"));
	assert_true(strv_contains(v, ""));
	assert_true(strv_contains(v, "D"));
	assert_false(strv_contains(v, "d"));
	assert_false(strv_contains(v, "b"));
	assert_false(strv_contains(v, "bcd"));
	assert_false(strv_contains(v, NULL));
	assert_false(strv_contains(NULL, "a"));
	assert_false(strv_contains(V(NULL), "a"));
}

static void test_copy(void **state)
{
	(void)state;
	char *const *v = V("x", "", "long string with spaces");
	_cleanup_strv_free_ char **c = strv_copy(v);

	assert_non_null(c);
	assert_int_equal(strv_length(c), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c[i], v[i]);
		assert_ptr_not_equal(c[i], v[i]);
	}
	assert_null(c[3]);
}

static void test_copy_empty(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **a = strv_copy(NULL);
	_cleanup_strv_free_ char **b = strv_copy(V(NULL));

	assert_non_null(a);
	assert_null(a[0]);
	assert_non_null(b);
	assert_null(b[0]);
}

static void test_copy_then_extend(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **c = strv_copy(V("a", "b"));

	assert_non_null(c);
	assert_int_equal(strv_extend(&c, "c"), 0);
	assert_int_equal(strv_length(c), 3);
	assert_true(strv_contains(c, "c"));
	assert_true(strv_contains(c, "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_from_null),
		cmocka_unit_test(test_extend_invalid),
		cmocka_unit_test(test_push_takes_ownership),
		cmocka_unit_test(test_push_invalid_keeps_ownership),
		cmocka_unit_test(test_push_many),
		cmocka_unit_test(test_extend_limit),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_empty),
		cmocka_unit_test(test_copy_then_extend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
