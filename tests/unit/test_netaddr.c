/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "policy/netaddr.h"

struct vec {
	const char *addr;
	enum netaddr_class c;
};

static enum netaddr_class classify_text(const char *s)
{
	struct in6_addr a;
	int fam = netaddr_parse(s, strlen(s), &a, NULL);

	assert_true(fam == AF_INET || fam == AF_INET6);
	if (fam == AF_INET)
		return netaddr_classify_v4((const struct in_addr *)(const void *)a.s6_addr);
	return netaddr_classify_v6(&a, NULL);
}

static void run(const struct vec *v, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		enum netaddr_class got = classify_text(v[i].addr);
		if (got != v[i].c) {
			print_error("%s: expected %s, got %s\n", v[i].addr,
				    netaddr_class_to_string(v[i].c), netaddr_class_to_string(got));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_ipv4_classes(void **state)
{
	static const struct vec v[] = {
		{ "0.0.0.0", NETADDR_UNSPECIFIED },
		{ "0.1.2.3", NETADDR_THIS_NETWORK },
		{ "0.255.255.255", NETADDR_THIS_NETWORK },
		{ "1.0.0.0", NETADDR_PUBLIC },
		{ "9.255.255.255", NETADDR_PUBLIC },
		{ "10.0.0.0", NETADDR_PRIVATE },
		{ "10.255.255.255", NETADDR_PRIVATE },
		{ "11.0.0.0", NETADDR_PUBLIC },
		{ "100.63.255.255", NETADDR_PUBLIC },
		{ "100.64.0.0", NETADDR_CGNAT },
		{ "100.127.255.255", NETADDR_CGNAT },
		{ "100.128.0.0", NETADDR_PUBLIC },
		{ "126.255.255.255", NETADDR_PUBLIC },
		{ "127.0.0.1", NETADDR_LOOPBACK },
		{ "127.255.255.254", NETADDR_LOOPBACK },
		{ "128.0.0.0", NETADDR_PUBLIC },
		{ "169.253.255.255", NETADDR_PUBLIC },
		{ "169.254.0.0", NETADDR_LINK_LOCAL },
		{ "169.254.169.254", NETADDR_LINK_LOCAL },
		{ "169.255.0.0", NETADDR_PUBLIC },
		{ "172.15.255.255", NETADDR_PUBLIC },
		{ "172.16.0.0", NETADDR_PRIVATE },
		{ "172.31.255.255", NETADDR_PRIVATE },
		{ "172.32.0.0", NETADDR_PUBLIC },
		{ "192.0.0.0", NETADDR_IETF },
		{ "192.0.0.255", NETADDR_IETF },
		{ "192.0.1.0", NETADDR_PUBLIC },
		{ "192.0.2.0", NETADDR_DOCUMENTATION },
		{ "192.0.2.255", NETADDR_DOCUMENTATION },
		{ "192.0.3.0", NETADDR_PUBLIC },
		{ "192.88.98.255", NETADDR_PUBLIC },
		{ "192.88.99.0", NETADDR_RELAY_6TO4 },
		{ "192.88.99.255", NETADDR_RELAY_6TO4 },
		{ "192.88.100.0", NETADDR_PUBLIC },
		{ "192.167.255.255", NETADDR_PUBLIC },
		{ "192.168.0.0", NETADDR_PRIVATE },
		{ "192.168.255.255", NETADDR_PRIVATE },
		{ "192.169.0.0", NETADDR_PUBLIC },
		{ "198.17.255.255", NETADDR_PUBLIC },
		{ "198.18.0.0", NETADDR_BENCHMARK },
		{ "198.19.255.255", NETADDR_BENCHMARK },
		{ "198.20.0.0", NETADDR_PUBLIC },
		{ "198.51.100.0", NETADDR_DOCUMENTATION },
		{ "198.51.100.255", NETADDR_DOCUMENTATION },
		{ "198.51.101.0", NETADDR_PUBLIC },
		{ "203.0.112.255", NETADDR_PUBLIC },
		{ "203.0.113.0", NETADDR_DOCUMENTATION },
		{ "203.0.113.255", NETADDR_DOCUMENTATION },
		{ "203.0.114.0", NETADDR_PUBLIC },
		{ "223.255.255.255", NETADDR_PUBLIC },
		{ "224.0.0.0", NETADDR_MULTICAST },
		{ "239.255.255.255", NETADDR_MULTICAST },
		{ "240.0.0.0", NETADDR_RESERVED },
		{ "255.255.255.254", NETADDR_RESERVED },
		{ "255.255.255.255", NETADDR_BROADCAST },
		{ "8.8.8.8", NETADDR_PUBLIC },
		{ "1.1.1.1", NETADDR_PUBLIC },
	};
	(void)state;
	run(v, ARRAY_SIZE(v));
}

static void test_ipv6_classes(void **state)
{
	static const struct vec v[] = {
		{ "::", NETADDR_UNSPECIFIED },
		{ "::1", NETADDR_LOOPBACK },
		{ "::2", NETADDR_THIS_NETWORK }, /* compatible 0.0.0.2 */
		{ "ff02::1", NETADDR_MULTICAST },
		{ "ff0e::1", NETADDR_MULTICAST },
		{ "fe80::1", NETADDR_LINK_LOCAL },
		{ "febf:ffff::1", NETADDR_LINK_LOCAL },
		{ "fec0::1", NETADDR_SITE_LOCAL },
		{ "feff::1", NETADDR_SITE_LOCAL },
		{ "fc00::1", NETADDR_ULA },
		{ "fd12:3456::1", NETADDR_ULA },
		{ "fbff::1", NETADDR_PUBLIC },
		{ "2001:db8::1", NETADDR_DOCUMENTATION },
		{ "2001:db8:ffff:ffff::1", NETADDR_DOCUMENTATION },
		{ "2001:db9::1", NETADDR_PUBLIC },
		{ "3fff::1", NETADDR_DOCUMENTATION },
		{ "3fff:0fff::1", NETADDR_DOCUMENTATION },
		{ "3fff:1000::1", NETADDR_PUBLIC },
		{ "2001::1", NETADDR_TEREDO },
		{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", NETADDR_TEREDO },
		{ "2001:2::1", NETADDR_BENCHMARK },
		{ "2001:10::1", NETADDR_RESERVED },
		{ "2001:20::1", NETADDR_RESERVED },
		{ "2001:100::1", NETADDR_IETF },
		{ "2001:200::1", NETADDR_PUBLIC },
		{ "2001:4860:4860::8888", NETADDR_PUBLIC },
		{ "2606:4700:4700::1111", NETADDR_PUBLIC },
		{ "100::1", NETADDR_RESERVED },
		{ "100:0:0:1::1", NETADDR_PUBLIC },
		{ "64:ff9b:1::1", NETADDR_NAT64_LOCAL },
		/* IPv4 carried in IPv6: classified by the IPv4 address. */
		{ "::ffff:127.0.0.1", NETADDR_LOOPBACK },
		{ "::ffff:10.1.2.3", NETADDR_PRIVATE },
		{ "::ffff:192.168.1.1", NETADDR_PRIVATE },
		{ "::ffff:169.254.169.254", NETADDR_LINK_LOCAL },
		{ "::ffff:8.8.8.8", NETADDR_PUBLIC },
		{ "::ffff:7f00:1", NETADDR_LOOPBACK },
		{ "::127.0.0.1", NETADDR_LOOPBACK },
		{ "::10.0.0.1", NETADDR_PRIVATE },
		{ "::8.8.8.8", NETADDR_PUBLIC },
		{ "64:ff9b::10.0.0.1", NETADDR_PRIVATE },
		{ "64:ff9b::127.0.0.1", NETADDR_LOOPBACK },
		{ "64:ff9b::c0a8:101", NETADDR_PRIVATE },
		{ "64:ff9b::8.8.8.8", NETADDR_PUBLIC },
		{ "2002:0a00:0001::1", NETADDR_PRIVATE },
		{ "2002:7f00:0001::", NETADDR_LOOPBACK },
		{ "2002:c0a8:0101:1::1", NETADDR_PRIVATE },
		{ "2002:a9fe:a9fe::1", NETADDR_LINK_LOCAL },
		{ "2002:0808:0808::1", NETADDR_PUBLIC },
		{ "2002:c058:6301::", NETADDR_RELAY_6TO4 },
	};
	(void)state;
	run(v, ARRAY_SIZE(v));
}

static void test_embedded_flag_and_sockaddr(void **state)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_un_like {
		sa_family_t f;
		char rest[14];
	} other = { .f = AF_UNIX };
	bool emb = false;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.0.0.1", &s6.sin6_addr), 1);
	assert_int_equal(netaddr_classify_v6(&s6.sin6_addr, &emb), NETADDR_PRIVATE);
	assert_true(emb);
	assert_int_equal(netaddr_classify_sockaddr((struct sockaddr *)&s6), NETADDR_PRIVATE);
	assert_int_equal(inet_pton(AF_INET6, "2001:4860::1", &s6.sin6_addr), 1);
	assert_int_equal(netaddr_classify_v6(&s6.sin6_addr, &emb), NETADDR_PUBLIC);
	assert_false(emb);
	assert_int_equal(inet_pton(AF_INET, "192.168.0.1", &s4.sin_addr), 1);
	assert_int_equal(netaddr_classify_sockaddr((struct sockaddr *)&s4), NETADDR_PRIVATE);
	assert_int_equal(netaddr_classify_sockaddr((struct sockaddr *)&other), NETADDR_RESERVED);
	assert_string_equal(netaddr_class_to_string(NETADDR_TEREDO), "teredo");
	assert_string_equal(netaddr_class_to_string(_NETADDR_CLASS_MAX), "invalid");
	for (int c = 0; c < _NETADDR_CLASS_MAX; c++)
		assert_non_null(netaddr_class_to_string((enum netaddr_class)c));
}

static void test_parse(void **state)
{
	static const struct {
		const char *s;
		int family;
		bool scoped;
	} v[] = {
		{ "127.0.0.1", AF_INET, false },
		{ "[::1]", AF_INET6, false },
		{ "fe80::1%eth0", AF_INET6, true },
		{ "[fe80::1%lo]", AF_INET6, true },
		{ "255.255.255.255", AF_INET, false },
		{ "::ffff:1.2.3.4", AF_INET6, false },
		/* Not literals: the forms inet_aton() accepts but URLs should not. */
		{ "127.1", -EINVAL, false },
		{ "010.0.0.1", -EINVAL, false },
		{ "0x7f.0.0.1", -EINVAL, false },
		{ "2130706433", -EINVAL, false },
		{ "256.0.0.1", -EINVAL, false },
		{ "1.2.3.4.", -EINVAL, false },
		{ "1.2.3", -EINVAL, false },
		{ " 1.2.3.4", -EINVAL, false },
		{ "", -EINVAL, false },
		{ "[]", -EINVAL, false },
		{ "fe80::1%", -EINVAL, false },
		{ ":::1", -EINVAL, false },
		{ "example.com", -EINVAL, false },
		{ "[1.2.3.4", -EINVAL, false },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct in6_addr a;
		bool scoped = false;
		int r = netaddr_parse(v[i].s, strlen(v[i].s), &a, &scoped);
		if (r != v[i].family)
			fail_msg("%s: expected %d, got %d", v[i].s, v[i].family, r);
		if (r > 0)
			assert_int_equal(scoped, v[i].scoped);
	}
	assert_int_equal(netaddr_parse(NULL, 0, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_classes),
		cmocka_unit_test(test_ipv6_classes),
		cmocka_unit_test(test_embedded_flag_and_sockaddr),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
