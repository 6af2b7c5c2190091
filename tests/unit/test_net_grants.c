/* SPDX-License-Identifier: MIT */
/* The store of hosts approved for a session (daemon/net_grants.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/net_grants.h"

static int collect(void *ud, const char *host)
{
	char *buf = ud;

	strcat(buf, host);
	strcat(buf, ";");
	return 0;
}

static void test_scopes(void **state)
{
	struct net_grants g;
	char scope[NET_GRANT_SCOPE_MAX], other[NET_GRANT_SCOPE_MAX], buf[256] = "";

	(void)state;
	net_grants_init(&g);
	net_grant_scope("s1", 7, scope, sizeof(scope));
	assert_string_equal(scope, "s:s1");
	net_grant_scope(NULL, 7, other, sizeof(other));
	assert_string_equal(other, "c:7");
	assert_int_equal(net_grants_add(&g, 1000, scope, "a.test"), 1);
	assert_int_equal(net_grants_add(&g, 1000, scope, "a.test"), 0);
	assert_int_equal(net_grants_add(&g, 1000, scope, "b.test"), 1);
	assert_int_equal(net_grants_add(&g, 1000, other, "c.test"), 1);
	assert_int_equal(net_grants_add(&g, 1001, scope, "d.test"), 1);
	assert_int_equal(net_grants_add(&g, 1000, scope, ""), -EINVAL);
	assert_int_equal(net_grants_add(&g, 1000, scope, NULL), -EINVAL);
	assert_true(net_grants_has(&g, 1000, scope, "a.test"));
	/* Another uid's grant in a scope of the same name is not ours. */
	assert_false(net_grants_has(&g, 1000, scope, "d.test"));
	assert_false(net_grants_has(&g, 1000, other, "a.test"));
	assert_int_equal(net_grants_foreach(&g, 1000, scope, collect, buf), 0);
	assert_string_equal(buf, "a.test;b.test;");
	net_grants_forget(&g, other);
	assert_false(net_grants_has(&g, 1000, other, "c.test"));
	assert_true(net_grants_has(&g, 1000, scope, "b.test"));
	assert_int_equal(g.n, 3);
	net_grants_done(&g);
	assert_int_equal(g.n, 0);
}

static void test_bounds(void **state)
{
	struct net_grants g;
	char host[32];

	(void)state;
	net_grants_init(&g);
	for (int i = 0; i < NET_GRANTS_MAX_PER_UID + 10; i++) {
		snprintf(host, sizeof(host), "h%d.test", i);
		assert_int_equal(net_grants_add(&g, 5, "s:x", host), 1);
	}
	/* The oldest of the uid made room. */
	assert_int_equal(g.n, NET_GRANTS_MAX_PER_UID);
	assert_false(net_grants_has(&g, 5, "s:x", "h0.test"));
	assert_true(net_grants_has(&g, 5, "s:x", "h10.test"));
	for (unsigned u = 0; g.n < NET_GRANTS_MAX; u++) {
		snprintf(host, sizeof(host), "u%u.test", u);
		assert_int_equal(net_grants_add(&g, 100 + u, "s:x", host), 1);
	}
	assert_int_equal(net_grants_add(&g, 99999, "s:x", "last.test"), 1);
	assert_int_equal(g.n, NET_GRANTS_MAX);
	assert_true(net_grants_has(&g, 99999, "s:x", "last.test"));
	net_grants_done(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
