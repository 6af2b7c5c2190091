/* SPDX-License-Identifier: MIT */
/*
 * policy/denyset: the deny-read set the supervisor checks at open time
 * (absolute paths, absolute and relative patterns, moves).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "policy/denyset.h"

static struct denyset set;

static void test_paths(void **state)
{
	(void)state;
	denyset_init(&set);
	assert_int_equal(denyset_add(&set, NULL, "/home/u/.ssh"), 0);
	assert_int_equal(denyset_add(&set, NULL, "/home/u/ws/secret"), 0);
	assert_int_equal(denyset_count(&set), 2);
	assert_false(denyset_entry_is_glob(&set, 0));

	assert_int_equal(denyset_match(&set, "/home/u/.ssh"), 0);
	assert_int_equal(denyset_match(&set, "/home/u/.ssh/id_ed25519"), 0);
	assert_int_equal(denyset_match(&set, "/home/u/.ssh/a/b/c"), 0);
	assert_int_equal(denyset_match(&set, "/home/u/.sshx"), -1); /* a sibling, not below */
	assert_int_equal(denyset_match(&set, "/home/u/.ss"), -1);
	assert_int_equal(denyset_match(&set, "/home/u"), -1);
	assert_int_equal(denyset_match(&set, "/home/u/ws/secret"), 1);
	assert_int_equal(denyset_match(&set, "/home/u/ws/secret.txt"), -1);
	assert_int_equal(denyset_match(&set, "relative/path"), -1);
	assert_int_equal(denyset_match(&set, NULL), -1);

	/* "/" denies every absolute path. */
	assert_int_equal(denyset_add(&set, NULL, "/"), 0);
	assert_int_equal(denyset_match(&set, "/etc/passwd"), 2);
}

static void test_globs(void **state)
{
	(void)state;
	denyset_init(&set);
	assert_int_equal(denyset_add(&set, "/home/u/ws", "**/*.env"), 0);
	assert_int_equal(denyset_add(&set, "/", "top.key"), 0);
	assert_int_equal(denyset_add(&set, NULL, "/home/*/secrets/**"), 0);
	assert_string_equal(denyset_entry(&set, 0), "/home/u/ws/**/*.env");
	assert_string_equal(denyset_entry(&set, 1), "/top.key");
	assert_true(denyset_entry_is_glob(&set, 0));
	assert_false(denyset_entry_is_glob(&set, 1)); /* a relative path becomes a path */
	assert_null(denyset_entry(&set, 3));

	assert_int_equal(denyset_match(&set, "/home/u/ws/.env"), 0);
	assert_int_equal(denyset_match(&set, "/home/u/ws/a/b/prod.env"), 0);
	assert_int_equal(denyset_match(&set, "/home/u/ws/a.env/inside"), 0); /* below a match */
	assert_int_equal(denyset_match(&set, "/home/u/ws/env"), -1);
	assert_int_equal(denyset_match(&set, "/home/u/other/.env"), -1); /* outside the root */
	assert_int_equal(denyset_match(&set, "/top.key"), 1);
	assert_int_equal(denyset_match(&set, "/home/v/secrets/a"), 2);
	assert_int_equal(denyset_match(&set, "/home/v/secrets"),
			 -1); /* "dir/" + "**": below only */

	/* Relative entries need a root; empty ones are refused. */
	assert_int_equal(denyset_add(&set, NULL, "*.env"), -EINVAL);
	assert_int_equal(denyset_add(&set, "rel", "*.env"), -EINVAL);
	assert_int_equal(denyset_add(&set, "/x", ""), -EINVAL);
	/* Duplicates are not added twice; trailing slashes of a root are ignored. */
	assert_int_equal(denyset_add(&set, "/home/u/ws/", "**/*.env"), 0);
	assert_int_equal(denyset_count(&set), 3);
}

static void test_moves(void **state)
{
	(void)state;
	denyset_init(&set);
	assert_int_equal(denyset_add(&set, NULL, "/home/u/ws/config/secret"), 0);
	assert_int_equal(denyset_add(&set, "/home/u/ws", "**/*.env"), 0);
	assert_int_equal(denyset_add(&set, NULL, "/home/*/secrets/**"), 0);

	/* Denied itself. */
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/config/secret"), 0);
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/x.env"), 1);
	/* A directory holding a denied path. */
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/config"), 0);
	/* A directory a pattern names. */
	assert_int_equal(denyset_blocks_move(&set, "/home/u/secrets"), 2);
	/* Harmless moves. */
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/src"), -1);
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/a.txt"), -1);
	assert_int_equal(denyset_blocks_move(&set, "/home/u/ws/configx"), -1);
}

static void test_bounds(void **state)
{
	char name[64];
	size_t i;
	int r = 0;

	(void)state;
	denyset_init(&set);
	for (i = 0; i < DENYSET_MAX_ENTRIES && r == 0; i++) {
		snprintf(name, sizeof(name), "/p/%zu", i);
		r = denyset_add(&set, NULL, name);
	}
	assert_int_equal(r, 0);
	assert_int_equal(denyset_add(&set, NULL, "/one/more"), -E2BIG);
	assert_int_equal(denyset_count(&set), DENYSET_MAX_ENTRIES);
	assert_int_equal(denyset_match(&set, "/p/1023/x"), 1023);

	/* The arena: long entries until it is full, then nothing is added. */
	{
		static char big[4000];

		denyset_init(&set);
		memset(big, 'a', sizeof(big) - 1);
		big[0] = '/';
		for (i = 0; r == 0; i++) {
			big[1] = (char)('a' + i % 26);
			big[2] = (char)('a' + i / 26 % 26);
			big[3] = (char)('a' + i / 676 % 26);
			r = denyset_add(&set, NULL, big);
		}
		assert_int_equal(r, -E2BIG);
		assert_true(set.used <= DENYSET_ARENA);
	}
}

static void test_pathological(void **state)
{
	static char path[4096], pattern[512];
	size_t o = 0;

	(void)state;
	denyset_init(&set);
	/* Fast enough for ordinary patterns: no match, no bound. */
	assert_int_equal(denyset_add(&set, NULL, "/**/*a*a*a*a*a*a*b/**/*a*a*c"), 0);
	path[0] = '/';
	for (size_t i = 1; i < sizeof(path) - 1; i++)
		path[i] = i % 40 == 0 ? '/' : 'a';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(denyset_match(&set, path), -1);

	/* One made to backtrack over a 4 KiB name: finishes (the matcher keeps one backtrack
	 * point). */
	denyset_init(&set);
	pattern[o++] = '/';
	for (int i = 0; i < 200; i++) {
		pattern[o++] = '*';
		pattern[o++] = 'a';
	}
	pattern[o++] = 'b';
	pattern[o] = '\0';
	assert_int_equal(denyset_add(&set, NULL, pattern), 0);
	for (size_t i = 1; i < sizeof(path) - 1; i++)
		path[i] = 'a';
	assert_int_equal(denyset_match(&set, path), -1);
	path[sizeof(path) - 2] = 'b';
	assert_int_equal(denyset_match(&set, path), 0);
	assert_int_equal(denyset_match(&set, "/short"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),	     cmocka_unit_test(test_globs),
		cmocka_unit_test(test_moves),	     cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_pathological),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
