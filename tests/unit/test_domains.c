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
#include "policy/domains.h"

static struct domain_host host(const char *s)
{
	struct domain_host h;
	if (domain_host_normalize(s, strlen(s), &h) < 0)
		fail_msg("host %s did not normalise", s);
	return h;
}

static struct domain_pattern pat(const char *s, bool deny)
{
	struct domain_pattern p;
	const char *msg;
	if (domain_pattern_parse(s, deny, &p, &msg) < 0)
		fail_msg("pattern %s rejected: %s", s, msg);
	return p;
}

static void test_host_normalize(void **state)
{
	static const struct {
		const char *in, *name;
		unsigned port;
	} ok[] = {
		{ "Example.COM", "example.com", 0 },
		{ "example.com.", "example.com", 0 },
		{ "  example.com\t", "example.com", 0 },
		{ "example.com:443", "example.com", 443 },
		{ "EXAMPLE.com.:8080", "example.com", 8080 },
		{ "[::1]", "::1", 0 },
		{ "[::1]:443", "::1", 443 },
		{ "::1", "::1", 0 },
		{ "0:0:0:0:0:0:0:1", "::1", 0 },
		{ "[0:0::1]:80", "::1", 80 },
		{ "FE80::1%25lo", "fe80::1%lo", 0 },
		{ "[fe80::1%25eth0]:22", "fe80::1%eth0", 22 },
		{ "10.0.0.1:80", "10.0.0.1", 80 },
		{ "127.0.0.1", "127.0.0.1", 0 },
		{ "::FFFF:7F00:1", "::ffff:127.0.0.1", 0 },
		{ "a_b-c.example", "a_b-c.example", 0 },
		{ "localhost", "localhost", 0 },
		{ "x:65535", "x", 65535 },
	};
	static const char *const bad[] = {
		"", " ", ".", "example..com", ".example.com", "exa mple.com", "example.com:0",
		"example.com:65536", "example.com:08", "example.com:", "example.com:x", "[::1",
		"[example.com]", "[::1]x", "http://example.com", "example.com/path", "*.example.com",
		"ex*ample.com", "user@example.com", "exa%mple.com", "caf\xc3\xa9.com",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
		"example.com..",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct domain_host h = host(ok[i].in);
		if (strcmp(h.name, ok[i].name) != 0 || h.port != ok[i].port)
			fail_msg("%s: got %s port %u", ok[i].in, h.name, h.port);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct domain_host h;
		if (domain_host_normalize(bad[i], strlen(bad[i]), &h) == 0)
			fail_msg("%s was accepted as %s", bad[i], h.name);
	}
	{
		char longname[300];
		struct domain_host h;
		memset(longname, 'a', sizeof(longname));
		for (size_t i = 60; i < sizeof(longname); i += 61)
			longname[i] = '.';
		longname[299] = '\0';
		assert_int_equal(domain_host_normalize(longname, strlen(longname), &h), -EINVAL);
	}
	assert_true(host("10.0.0.1").is_ip);
	assert_false(host("example.com").is_ip);
	assert_true(host("fe80::1%lo").scoped);
}

struct mcase {
	const char *pattern, *host;
	bool match;
};

static void test_pattern_match(void **state)
{
	static const struct mcase c[] = {
		{ "example.com", "example.com", true },
		{ "example.com", "EXAMPLE.com.", true },
		{ "example.com", "www.example.com", false },
		{ "example.com", "example.org", false },
		{ "Example.Com.", "example.com", true },
		{ "*.example.com", "www.example.com", true },
		{ "*.example.com", "a.b.example.com", true },
		{ "*.example.com", "example.com", false },
		{ "*.example.com", "badexample.com", false },
		{ "*.example.com", "example.com.evil", false },
		{ "**.example.com", "example.com", true },
		{ "**.example.com", "api.example.com", true },
		{ "**.example.com", "x.y.example.com", true },
		{ "**.example.com", "notexample.com", false },
		{ "*", "anything.test", true },
		{ "*", "10.0.0.1", true },
		{ "region*.v2.argotunnel.com", "region1.v2.argotunnel.com", true },
		{ "region*.v2.argotunnel.com", "region.v2.argotunnel.com", true },
		{ "region*.v2.argotunnel.com", "xregion1.v2.argotunnel.com", false },
		{ "region*.v2.argotunnel.com", "a.region1.v2.argotunnel.com", false },
		{ "region*.v2.argotunnel.com", "region1.x.v2.argotunnel.com", false },
		{ "api-*-prod.example.com", "api-eu-prod.example.com", true },
		{ "api-*-prod.example.com", "api--prod.example.com", true },
		{ "api-*-prod.example.com", "api-eu.x-prod.example.com", false },
		{ "*.cdn*.example.com", "a.cdn1.example.com", true },
		{ "*.cdn*.example.com", "cdn1.example.com", false },
		{ "10.0.0.1", "10.0.0.1", true },
		{ "10.0.0.1", "10.0.0.2", false },
		{ "[::1]", "::1", true },
		{ "::1", "[0:0::1]", true },
		{ "fe80::1%lo", "fe80::1%25lo", true },
		{ "fe80::1%lo", "fe80::1%eth0", false },
		{ "fe80::1%lo", "fe80::1", false },
		{ "fe80::1", "fe80::1%lo", false },
		{ "localhost", "LOCALHOST.", true },
		{ "*.example.com", "10.0.0.1", false },
	};
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct domain_pattern p = pat(c[i].pattern, false);
		struct domain_host h = host(c[i].host);
		bool got = domain_pattern_match(&p, &h, 443, NET_PROTO_HTTPS);
		if (got != c[i].match) {
			print_error("%s vs %s: expected %d\n", c[i].pattern, c[i].host, c[i].match);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_pattern_ports_and_format(void **state)
{
	struct domain_pattern p = pat("example.com:443", false);
	struct domain_host h = host("example.com");
	char buf[300];

	(void)state;
	assert_true(domain_pattern_match(&p, &h, 443, NET_PROTO_HTTPS));
	assert_false(domain_pattern_match(&p, &h, 80, NET_PROTO_HTTP));
	assert_string_equal(domain_pattern_format(&p, buf, sizeof(buf)), "example.com:443");
	p = pat("**.Example.com", false);
	assert_string_equal(domain_pattern_format(&p, buf, sizeof(buf)), "**.example.com");
	p = pat("[::1]:8080", false);
	assert_string_equal(domain_pattern_format(&p, buf, sizeof(buf)), "[::1]:8080");
	p = pat("*", false);
	assert_string_equal(domain_pattern_format(&p, buf, sizeof(buf)), "*");
	p = pat("example.com", false);
	p.protocols = 1u << NET_PROTO_HTTP;
	assert_true(domain_pattern_match(&p, &h, 80, NET_PROTO_HTTP));
	assert_false(domain_pattern_match(&p, &h, 443, NET_PROTO_HTTPS));
	assert_false(domain_pattern_match(&p, &h, 443, _NET_PROTO_MAX));
}

static void test_pattern_invalid(void **state)
{
	static const char *const bad_allow[] = {
		"", "**", "*.", "**.", "*.*", "*.com.*", "a.*", "example.*", "***.example.com",
		"a**.example.com", "*.10.0.0.1", "**.[::1]", "http://x.com", "x.com/", "x y.com",
		"[x.com]", "x.com:0", "x.com:99999", "*.*.com", "[*]", "\x01x.com",
	};
	static const char *const bad_deny[] = { "*" };
	struct domain_pattern p;
	const char *msg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_allow); i++) {
		if (domain_pattern_parse(bad_allow[i], false, &p, &msg) == 0)
			fail_msg("%s was accepted", bad_allow[i]);
		assert_non_null(msg);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_deny); i++)
		assert_int_equal(domain_pattern_parse(bad_deny[i], true, &p, &msg), -EINVAL);
	assert_int_equal(domain_pattern_parse(NULL, false, &p, &msg), -EINVAL);
	/* Fine in a deny list. */
	assert_int_equal(domain_pattern_parse("**.example.com", true, &p, &msg), 0);
}

static void test_covers(void **state)
{
	static const struct {
		const char *wide, *narrow;
		bool covers;
	} c[] = {
		{ "*", "anything.com", true },
		{ "*", "*", true },
		{ "example.com", "*", false },
		{ "example.com", "example.com", true },
		{ "example.com", "www.example.com", false },
		{ "*.example.com", "api.example.com", true },
		{ "*.example.com", "*.api.example.com", true },
		{ "*.example.com", "*.example.com", true },
		{ "*.example.com", "**.example.com", false },
		{ "*.example.com", "example.com", false },
		{ "*.example.com", "**.api.example.com", true },
		{ "**.example.com", "example.com", true },
		{ "**.example.com", "*.example.com", true },
		{ "**.example.com", "**.example.com", true },
		{ "**.example.com", "api.example.com", true },
		{ "**.example.com", "example.org", false },
		{ "**.example.com", "badexample.com", false },
		{ "example.com:443", "example.com", false },
		{ "example.com", "example.com:443", true },
		{ "a*.example.com", "a*.example.com", true },
		{ "a*.example.com", "ab.example.com", false },
		{ "**.example.com", "a*.example.com", true },
	};
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct domain_pattern w = pat(c[i].wide, false), n = pat(c[i].narrow, false);
		if (domain_pattern_covers(&w, &n) != c[i].covers) {
			print_error("%s covers %s: expected %d\n", c[i].wide, c[i].narrow,
				    c[i].covers);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void add(struct domain_policy *p, bool deny, const char *s)
{
	struct domain_pattern x = pat(s, deny);
	assert_int_equal(domain_policy_add(p, deny, &x), 0);
}

static enum domain_verdict check(const struct domain_policy *p, const char *h, enum net_protocol pr,
				 bool *check_addresses)
{
	struct domain_host dh = host(h);
	struct domain_check c;
	domain_policy_check(p, &dh, dh.port ? dh.port : 443, pr, &c);
	if (check_addresses)
		*check_addresses = c.check_addresses;
	return c.verdict;
}

static void test_policy_order(void **state)
{
	struct domain_policy p = { 0 };
	bool ca;

	(void)state;
	add(&p, false, "**.example.com");
	add(&p, false, "localhost");
	add(&p, false, "10.1.2.3");
	add(&p, false, "*.internal.test");
	add(&p, true, "secret.example.com");
	add(&p, true, "*.bad.example.com");
	/* Duplicates are folded. */
	add(&p, true, "*.bad.example.com");
	assert_int_equal(p.n_deny, 2);

	assert_int_equal(check(&p, "example.com", NET_PROTO_HTTPS, &ca), DOMAIN_ALLOWED);
	assert_true(ca);
	assert_int_equal(check(&p, "api.example.com", NET_PROTO_HTTP, NULL), DOMAIN_ALLOWED);
	/* Deny wins over a wider allow. */
	assert_int_equal(check(&p, "secret.example.com", NET_PROTO_HTTPS, NULL), DOMAIN_DENIED);
	assert_int_equal(check(&p, "SECRET.example.com.", NET_PROTO_HTTPS, NULL), DOMAIN_DENIED);
	assert_int_equal(check(&p, "x.bad.example.com", NET_PROTO_SOCKS5_TCP, NULL), DOMAIN_DENIED);
	assert_int_equal(check(&p, "bad.example.com", NET_PROTO_HTTPS, NULL), DOMAIN_ALLOWED);
	assert_int_equal(check(&p, "example.org", NET_PROTO_HTTPS, NULL), DOMAIN_NOT_ALLOWED);
	/* Local destinations: exact literal allows only. */
	assert_int_equal(check(&p, "localhost", NET_PROTO_HTTP, &ca), DOMAIN_ALLOWED);
	assert_false(ca);
	assert_int_equal(check(&p, "10.1.2.3", NET_PROTO_HTTP, &ca), DOMAIN_ALLOWED);
	assert_false(ca);
	assert_int_equal(check(&p, "10.1.2.4", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "127.0.0.1", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "[::1]", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "::ffff:10.1.2.4", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "foo.localhost", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "169.254.169.254", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "fe80::1%25lo", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	/* A public literal needs the allowlist like a name. */
	assert_int_equal(check(&p, "8.8.8.8", NET_PROTO_HTTP, &ca), DOMAIN_NOT_ALLOWED);
	/* "*" still does not open local destinations. */
	add(&p, false, "*");
	assert_int_equal(check(&p, "8.8.8.8", NET_PROTO_HTTP, &ca), DOMAIN_ALLOWED);
	assert_false(ca);
	assert_int_equal(check(&p, "192.168.1.1", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	assert_int_equal(check(&p, "anything.test", NET_PROTO_HTTP, &ca), DOMAIN_ALLOWED);
	assert_true(ca);
	/* allow_local_binding lifts the local rule but not the denylist. */
	p.allow_local = true;
	assert_int_equal(check(&p, "192.168.1.1", NET_PROTO_HTTP, NULL), DOMAIN_ALLOWED);
	assert_int_equal(check(&p, "secret.example.com", NET_PROTO_HTTP, NULL), DOMAIN_DENIED);
	assert_int_equal(check(&p, "anything.test", NET_PROTO_HTTP, &ca), DOMAIN_ALLOWED);
	assert_false(ca);
	domain_policy_done(&p);
	domain_policy_done(&p);
	domain_policy_done(NULL);
}

static void test_empty_policy_and_limited(void **state)
{
	struct domain_policy p = { 0 };

	(void)state;
	assert_int_equal(check(&p, "example.com", NET_PROTO_HTTPS, NULL), DOMAIN_NOT_ALLOWED);
	assert_int_equal(check(&p, "localhost", NET_PROTO_HTTP, NULL), DOMAIN_LOCAL);
	add(&p, false, "example.com");
	p.limited = true;
	assert_int_equal(check(&p, "example.com", NET_PROTO_HTTP, NULL), DOMAIN_ALLOWED);
	assert_int_equal(check(&p, "example.com", NET_PROTO_HTTPS, NULL), DOMAIN_METHOD);
	assert_int_equal(check(&p, "example.com", NET_PROTO_SOCKS5_TCP, NULL), DOMAIN_METHOD);
	assert_int_equal(check(&p, "example.com", NET_PROTO_SOCKS5_UDP, NULL), DOMAIN_METHOD);
	assert_int_equal(check(&p, "example.com", NET_PROTO_DNS, NULL), DOMAIN_ALLOWED);
	assert_true(domain_method_allowed(&p, "GET"));
	assert_true(domain_method_allowed(&p, "HEAD"));
	assert_true(domain_method_allowed(&p, "OPTIONS"));
	assert_false(domain_method_allowed(&p, "POST"));
	assert_false(domain_method_allowed(&p, "get"));
	assert_false(domain_method_allowed(&p, "CONNECT"));
	assert_false(domain_method_allowed(&p, NULL));
	p.limited = false;
	assert_true(domain_method_allowed(&p, "DELETE"));
	domain_policy_done(&p);
}

static void test_address_check(void **state)
{
	struct domain_policy p = { 0 };
	struct domain_host h = host("rebind.test");
	struct domain_check c;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };

	(void)state;
	add(&p, false, "rebind.test");
	domain_policy_check(&p, &h, 80, NET_PROTO_HTTP, &c);
	assert_int_equal(c.verdict, DOMAIN_ALLOWED);
	assert_true(c.check_addresses);
	inet_pton(AF_INET, "93.184.216.34", &a.sin_addr);
	assert_int_equal(domain_check_address(&c, (struct sockaddr *)&a), DOMAIN_ALLOWED);
	inet_pton(AF_INET6, "64:ff9b::7f00:1", &b.sin6_addr);
	assert_int_equal(domain_check_address(&c, (struct sockaddr *)&b), DOMAIN_LOCAL);
	/* Once local, stays local. */
	assert_int_equal(domain_check_address(&c, (struct sockaddr *)&a), DOMAIN_LOCAL);
	domain_policy_done(&p);
}

static void test_names(void **state)
{
	enum net_protocol pr;

	(void)state;
	for (int i = 0; i < _NET_PROTO_MAX; i++) {
		assert_int_equal(net_protocol_from_string(net_protocol_to_string((enum net_protocol)i),
							  &pr),
				 0);
		assert_int_equal(pr, i);
	}
	assert_int_equal(net_protocol_from_string("HTTP", &pr), -EINVAL);
	assert_int_equal(net_protocol_from_string(NULL, &pr), -EINVAL);
	assert_string_equal(net_protocol_to_string(_NET_PROTO_MAX), "unknown");
	assert_string_equal(domain_verdict_to_string(DOMAIN_LOCAL), "not_allowed_local");
	assert_string_equal(domain_verdict_http_error(DOMAIN_DENIED), "blocked-by-denylist");
	assert_string_equal(domain_verdict_http_error(DOMAIN_NOT_ALLOWED), "blocked-by-allowlist");
	assert_string_equal(domain_verdict_http_error(DOMAIN_LOCAL), "blocked-by-local");
	assert_string_equal(domain_verdict_http_error(DOMAIN_METHOD), "blocked-by-method");
	assert_null(domain_verdict_http_error(DOMAIN_ALLOWED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_normalize),
		cmocka_unit_test(test_pattern_match),
		cmocka_unit_test(test_pattern_ports_and_format),
		cmocka_unit_test(test_pattern_invalid),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_policy_order),
		cmocka_unit_test(test_empty_policy_and_limited),
		cmocka_unit_test(test_address_check),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
