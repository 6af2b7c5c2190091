/* SPDX-License-Identifier: MIT */
/* The proxy worker's pure parsers: HTTP request heads and SOCKS5. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "proxy/http_head.h"
#include "proxy/socks5.h"

static int parse(const char *s, struct http_head *h)
{
	return http_head_parse(s, strlen(s), h);
}

static void test_http_absolute_form(void **state)
{
	const char *req = "GET http://Example.COM:8080/a/b?x=1#frag HTTP/1.1\r\n"
			  "Host: example.com:8080\r\nProxy-Connection: keep-alive\r\n"
			  "Proxy-Authorization: Basic eA==\r\nConnection: keep-alive\r\n"
			  "Keep-Alive: 5\r\nAccept: */*\r\n\r\nBODY";
	struct http_head h;
	char out[1024];
	int n;

	(void)state;
	assert_int_equal(parse(req, &h), 1);
	assert_string_equal(h.method, "GET");
	assert_false(h.connect);
	assert_string_equal(h.host, "Example.COM");
	assert_int_equal(h.port, 8080);
	assert_int_equal(h.head_len, strlen(req) - 4);
	n = http_head_rewrite(&h, req, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
				 "Accept: */*\r\nConnection: close\r\n\r\n");
	/* Too small an output buffer. */
	assert_int_equal(http_head_rewrite(&h, req, out, 20), -E2BIG);
}

static void test_http_connect_and_defaults(void **state)
{
	struct http_head h;
	char out[512];
	int n;

	(void)state;
	assert_int_equal(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
			       "\x16\x03\x01",
			       &h),
			 1);
	assert_true(h.connect);
	assert_string_equal(h.host, "example.com");
	assert_int_equal(h.port, 443);
	assert_int_equal(parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", &h), 1);
	assert_string_equal(h.host, "[::1]");
	assert_int_equal(h.port, 8443);
	/* Port 80 by default, "/" for an empty path, Host added, bare LF accepted. */
	assert_int_equal(parse("HEAD http://x.test HTTP/1.0\n\n", &h), 1);
	assert_int_equal(h.port, 80);
	n = http_head_rewrite(&h, "HEAD http://x.test HTTP/1.0\n\n", out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "HEAD / HTTP/1.0\r\nHost: x.test\r\nConnection: close\r\n\r\n");
	assert_int_equal(parse("GET http://x.test?q=1 HTTP/1.1\r\n\r\n", &h), 1);
	n = http_head_rewrite(&h, "GET http://x.test?q=1 HTTP/1.1\r\n\r\n", out, sizeof(out));
	out[n] = '\0';
	assert_non_null(strstr(out, "GET /?q=1 HTTP/1.1\r\n"));
	assert_non_null(strstr(out, "Host: x.test\r\n"));
}

static void test_http_rejects(void **state)
{
	static const struct {
		const char *req;
		int r;
	} c[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", -EPROTO },
		{ "GET https://x/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
		{ "GET ftp://x/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
		{ "GET http://user:pw@x/ HTTP/1.1\r\n\r\n", -EINVAL },
		{ "CONNECT example.com HTTP/1.1\r\n\r\n", -EINVAL },
		{ "CONNECT / HTTP/1.1\r\n\r\n", -EINVAL },
		{ "CONNECT x:0 HTTP/1.1\r\n\r\n", -EINVAL },
		{ "GET http://x:0/ HTTP/1.1\r\n\r\n", -EINVAL },
		{ "BREW http://x/ HTTP/1.1\r\n\r\n", -EINVAL },
		{ "GET http://x/ HTTP/1.1\r\nBad Header\r\n\r\n", -EINVAL },
		{ "\x01\x02\x03\r\n\r\n", -EINVAL },
		{ "GET http://x/ HTTP/1.1\r\nHost: x\r\n", 0 },
		{ "GET http://x/", 0 },
		{ "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct http_head h;
		int r = parse(c[i].req, &h);
		if (r != c[i].r)
			fail_msg("case %zu: expected %d, got %d", i, c[i].r, r);
	}
}

static void test_http_limits(void **state)
{
	static char big[HTTP_HEAD_MAX + 100];
	struct http_head h;
	size_t n;

	(void)state;
	/* A head that never ends within the limit. */
	n = (size_t)snprintf(big, sizeof(big), "GET http://x/ HTTP/1.1\r\nX: ");
	memset(big + n, 'a', sizeof(big) - n - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(http_head_parse(big, sizeof(big) - 1, &h), -E2BIG);
	/* Too many headers. */
	n = (size_t)snprintf(big, sizeof(big), "GET http://x/ HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_HEAD_MAX_HEADERS + 5; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "H%d: v\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	assert_int_equal(http_head_parse(big, n, &h), -E2BIG);
}

static void test_http_refusal(void **state)
{
	char out[512];
	size_t n;

	(void)state;
	n = http_refusal(out, sizeof(out), 403, "Forbidden", "blocked-by-denylist", "no.\n");
	assert_int_equal(n, strlen(out));
	assert_non_null(strstr(out, "HTTP/1.1 403 Forbidden\r\n"));
	assert_non_null(strstr(out, "\r\nx-codexd-error: blocked-by-denylist\r\n"));
	assert_non_null(strstr(out, "\r\nContent-Length: 4\r\n"));
	assert_non_null(strstr(out, "\r\n\r\nno.\n"));
	n = http_refusal(out, 16, 403, "Forbidden", "blocked-by-denylist", "no.\n");
	assert_int_equal(n, 15);
}

static void test_socks_greeting(void **state)
{
	const uint8_t ok[] = { 5, 2, 2, 0 }, noauth_missing[] = { 5, 1, 2 }, bad[] = { 4, 1, 0 },
		      zero[] = { 5, 0 };
	size_t used = 0;
	bool noauth = false;

	(void)state;
	assert_int_equal(socks5_parse_greeting(ok, 0, &used, &noauth), 0);
	assert_int_equal(socks5_parse_greeting(ok, 1, &used, &noauth), 0);
	assert_int_equal(socks5_parse_greeting(ok, 3, &used, &noauth), 0);
	assert_int_equal(socks5_parse_greeting(ok, 4, &used, &noauth), 1);
	assert_int_equal(used, 4);
	assert_true(noauth);
	assert_int_equal(socks5_parse_greeting(noauth_missing, 3, &used, &noauth), 1);
	assert_false(noauth);
	assert_int_equal(socks5_parse_greeting(bad, 3, &used, &noauth), -EINVAL);
	assert_int_equal(socks5_parse_greeting(zero, 2, &used, &noauth), -EINVAL);
}

static void test_socks_request(void **state)
{
	const uint8_t v4[] = { 5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90, 'x' };
	const uint8_t dom[] = { 5, 1, 0, 3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c',
				'o', 'm', 0x01, 0xbb };
	uint8_t v6[4 + 16 + 2] = { 5, 3, 0, 4 };
	const uint8_t badver[] = { 4, 1, 0, 1, 1, 1, 1, 1, 0, 80 };
	const uint8_t badrsv[] = { 5, 1, 1, 1, 1, 1, 1, 1, 0, 80 };
	const uint8_t atyp[] = { 5, 1, 0, 9, 1, 1 };
	const uint8_t empty[] = { 5, 1, 0, 3, 0, 0, 80 };
	const uint8_t nul[] = { 5, 1, 0, 3, 3, 'a', 0, 'b', 0, 80 };
	struct socks5_addr a;
	size_t used;
	uint8_t cmd;

	(void)state;
	for (size_t n = 0; n < sizeof(v4) - 1; n++)
		assert_int_equal(socks5_parse_request(v4, n, &used, &cmd, &a), 0);
	assert_int_equal(socks5_parse_request(v4, sizeof(v4), &used, &cmd, &a), 1);
	assert_int_equal(used, sizeof(v4) - 1);
	assert_int_equal(cmd, SOCKS5_CMD_CONNECT);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 8080);
	for (size_t n = 0; n < sizeof(dom); n++)
		assert_int_equal(socks5_parse_request(dom, n, &used, &cmd, &a), 0);
	assert_int_equal(socks5_parse_request(dom, sizeof(dom), &used, &cmd, &a), 1);
	assert_string_equal(a.host, "example.com");
	assert_int_equal(a.port, 443);
	v6[4 + 15] = 1;
	v6[21] = 53;
	assert_int_equal(socks5_parse_request(v6, sizeof(v6), &used, &cmd, &a), 1);
	assert_int_equal(cmd, SOCKS5_CMD_UDP_ASSOCIATE);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 53);
	assert_int_equal(socks5_parse_request(badver, sizeof(badver), &used, &cmd, &a), -EINVAL);
	assert_int_equal(socks5_parse_request(badrsv, sizeof(badrsv), &used, &cmd, &a), -EINVAL);
	assert_int_equal(socks5_parse_request(atyp, sizeof(atyp), &used, &cmd, &a), -EAFNOSUPPORT);
	assert_int_equal(socks5_parse_request(empty, sizeof(empty), &used, &cmd, &a), -EINVAL);
	assert_int_equal(socks5_parse_request(nul, sizeof(nul), &used, &cmd, &a), -EINVAL);
}

static void test_socks_udp_and_replies(void **state)
{
	const uint8_t d[] = { 0, 0, 0, 1, 10, 0, 0, 1, 0, 53, 'h', 'i' };
	const uint8_t frag[] = { 0, 0, 1, 1, 10, 0, 0, 1, 0, 53 };
	const uint8_t shortd[] = { 0, 0, 0, 1, 10 };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(1080) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	struct socks5_addr a;
	uint8_t out[SOCKS5_MAX_REPLY];
	size_t hl;

	(void)state;
	assert_int_equal(socks5_parse_udp(d, sizeof(d), &a, &hl), 0);
	assert_int_equal(hl, 10);
	assert_string_equal(a.host, "10.0.0.1");
	assert_int_equal(a.port, 53);
	assert_int_equal(socks5_parse_udp(frag, sizeof(frag), &a, &hl), -ENOTSUP);
	assert_int_equal(socks5_parse_udp(shortd, sizeof(shortd), &a, &hl), -EINVAL);
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	assert_int_equal(socks5_build_reply(out, SOCKS5_REP_OK, (struct sockaddr *)&s4), 10);
	assert_memory_equal(out, ((uint8_t[]){ 5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38 }), 10);
	assert_int_equal(socks5_build_reply(out, SOCKS5_REP_NOT_ALLOWED, NULL), 10);
	assert_int_equal(out[1], 2);
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_int_equal(socks5_build_udp_header(out, (struct sockaddr *)&s6), 22);
	assert_int_equal(out[3], SOCKS5_ATYP_IPV6);
	assert_int_equal(out[19], 1);
	assert_int_equal(out[21], 53);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_absolute_form),
		cmocka_unit_test(test_http_connect_and_defaults),
		cmocka_unit_test(test_http_rejects),
		cmocka_unit_test(test_http_limits),
		cmocka_unit_test(test_http_refusal),
		cmocka_unit_test(test_socks_greeting),
		cmocka_unit_test(test_socks_request),
		cmocka_unit_test(test_socks_udp_and_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
