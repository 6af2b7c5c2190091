/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: Content-Length framing (common/frame_header.c) and the
 * reader's detection of it (common/frame.c, frame_reader_init_detect).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/frame.h"
#include "common/frame_header.h"

/* Feed s in pieces of at most step bytes. */
static void feed_step(struct frame_reader *r, const char *s, size_t n, size_t step)
{
	while (n > 0) {
		char *p;
		size_t avail;

		assert_int_equal(frame_reader_space(r, step, &p, &avail), 0);
		if (avail > n)
			avail = n;
		memcpy(p, s, avail);
		frame_reader_commit(r, avail);
		s += avail;
		n -= avail;
	}
}

static void feed(struct frame_reader *r, const char *s)
{
	feed_step(r, s, strlen(s), 4096);
}

static int parse(const char *hdr, size_t max, size_t *len, const char **err)
{
	return frame_header_parse(hdr, strlen(hdr), max, len, err);
}

static void test_parse_valid(void **state)
{
	const char *err = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(parse("Content-Length: 17\r\n\r\n", 100, &len, &err), 0);
	assert_int_equal(len, 17);
	assert_int_equal(parse("content-length:5\r\n\r\n", 100, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_int_equal(parse("CONTENT-LENGTH: \t 42 \r\n\r\n", 100, &len, &err), 0);
	assert_int_equal(len, 42);
	assert_int_equal(parse("Content-Length: 0\r\n\r\n", 100, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_int_equal(parse("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
			       "Content-Length: 3\r\n\r\n",
			       100, &len, &err),
			 0);
	assert_int_equal(len, 3);
	assert_int_equal(parse("Content-Length: 3\r\nContent-Type: application/json\r\n\r\n", 100,
			       &len, &err),
			 0);
	assert_int_equal(parse("Content-Length: 3\r\nContent-Type: application/vscode-jsonrpc;"
			       "charset=utf8\r\n\r\n",
			       100, &len, &err),
			 0);
	assert_int_equal(parse("Content-Length: 0000000100\r\n\r\n", 100, &len, &err), 0);
	assert_int_equal(len, 100);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"Content-Length: \r\n\r\n",
		"Content-Length: -1\r\n\r\n",
		"Content-Length: +1\r\n\r\n",
		"Content-Length: 1 2\r\n\r\n",
		"Content-Length: 0x10\r\n\r\n",
		"Content-Length: 12345678901\r\n\r\n",
		"Content-Length: 99999999999999999999999\r\n\r\n",
		"Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"Content-Length: 1\nX: y\r\n\r\n",
		"Content-Length: 1\r\n\n\r\n",
		"Content-Length 1\r\n\r\n",
		": 1\r\n\r\n",
		"Content Length: 1\r\n\r\n",
		"Content-Length: 1\r\nX-Other: y\r\n\r\n",
		"Content-Length: 1\r\nContent-Type: text/plain\r\n\r\n",
		"Content-Length: 1\r\nContent-Type: application/json; charset=latin1\r\n\r\n",
		"Content-Length: 1\r\nContent-Type: application/json;\r\n\r\n",
		"Content-Length: 1\r\nContent-Type: application/jsonx\r\n\r\n",
		"Content-Length: 1\r\nContent-Type: application/json\r\n"
		"Content-Type: application/json\r\n\r\n",
		"Content-Type: application/json\r\n\r\n",
		"\r\n\r\n",
		"Content-Length: 1\r\r\n\r\n",
		"Content-Length: 1\xc3\xa9\r\n\r\n",
		"Content-Length: 1\r\n",
	};
	const char *err;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		if (parse(bad[i], 1000, &len, &err) != -EBADMSG)
			fail_msg("accepted header #%zu", i);
		assert_non_null(err);
	}
}

static void test_parse_too_large(void **state)
{
	const char *err;
	size_t len = 0;

	(void)state;
	assert_int_equal(parse("Content-Length: 101\r\n\r\n", 100, &len, &err), -E2BIG);
	assert_int_equal(len, 101);
	assert_int_equal(parse("Content-Length: 100\r\n\r\n", 100, &len, &err), 0);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(frame_header_detect("", 0), -EAGAIN);
	assert_int_equal(frame_header_detect("C", 1), -EAGAIN);
	assert_int_equal(frame_header_detect("content-len", 11), -EAGAIN);
	assert_int_equal(frame_header_detect("Content-Length:", 15), 1);
	assert_int_equal(frame_header_detect("CONTENT-LENGTH: 3", 17), 1);
	assert_int_equal(frame_header_detect("{", 1), 0);
	assert_int_equal(frame_header_detect("Content-Type: x", 15), 0);
	assert_int_equal(frame_header_detect("\n", 1), 0);
}

static void test_format(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(frame_header_format(buf, sizeof(buf), 1234), 24);
	assert_string_equal(buf, "Content-Length: 1234\r\n\r\n");
}

/* Whole messages through the reader, fed in pieces of every size. */
static void test_reader_headers(void **state)
{
	static const char in[] = "Content-Length: 7\r\n\r\n{\"a\":1}"
				 "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
				 "Content-Length: 9\r\n\r\n{\n\"b\":2\n}"
				 "Content-Length: 2\r\n\r\n{}";

	(void)state;
	for (size_t step = 1; step <= sizeof(in); step++) {
		struct frame_reader r;
		char *f;
		size_t l;

		frame_reader_init_detect(&r, 100);
		feed_step(&r, in, sizeof(in) - 1, step);
		assert_true(frame_reader_uses_headers(&r) || step > 0);
		assert_int_equal(frame_reader_next(&r, &f, &l), 1);
		assert_true(frame_reader_uses_headers(&r));
		assert_int_equal(l, 7);
		assert_string_equal(f, "{\"a\":1}");
		assert_int_equal(frame_reader_next(&r, &f, &l), 1);
		assert_int_equal(l, 9);
		assert_string_equal(f, "{\n\"b\":2\n}");
		assert_int_equal(frame_reader_next(&r, &f, &l), 1);
		assert_int_equal(l, 2);
		assert_string_equal(f, "{}");
		assert_int_equal(frame_reader_next(&r, &f, &l), 0);
		assert_false(frame_reader_partial(&r));
		frame_reader_done(&r);
	}
}

/* The NUL that ends a frame must not damage the next one, fed piece by piece. */
static void test_reader_interleaved(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init_detect(&r, 100);
	feed(&r, "Content-Length: 2\r\n\r\n{}C");
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{}");
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	assert_true(frame_reader_partial(&r));
	feed(&r, "ontent-Length: 3\r\n\r\n[1]");
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "[1]");
	frame_reader_done(&r);
}

static void test_reader_detects_lines(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init_detect(&r, 100);
	feed(&r, "{\"a\":1}\nContent-Length: 2\r\n\r\n{}\n");
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_false(frame_reader_uses_headers(&r));
	assert_string_equal(f, "{\"a\":1}");
	/* Once lines, always lines: a header later is just a bad line. */
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "Content-Length: 2");
	frame_reader_done(&r);

	/* "C" that turns out not to be the magic word: lines. */
	frame_reader_init_detect(&r, 100);
	feed(&r, "Con");
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	feed(&r, "nect\n");
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "Connect");
	assert_false(frame_reader_uses_headers(&r));
	frame_reader_done(&r);
}

static void test_reader_bad_headers(void **state)
{
	static const char *const bad[] = {
		"Content-Length: x\r\n\r\n{}",
		"Content-Length: 2\n\n{}",
		"Content-Length: 2\r\nFoo: bar\r\n\r\n{}",
		"Content-Length: 2\r\n\x01\r\n\r\n{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame_reader r;
		char *f;
		size_t l;

		frame_reader_init_detect(&r, 100);
		feed(&r, bad[i]);
		if (frame_reader_next(&r, &f, &l) != -EBADMSG)
			fail_msg("bad header #%zu accepted", i);
		assert_non_null(r.error);
		frame_reader_done(&r);
	}
}

/* A header that never ends is refused after FRAME_HEADER_MAX bytes. */
static void test_reader_endless_header(void **state)
{
	struct frame_reader r;
	char line[64];
	char *f;
	size_t l;
	int rc = 0;

	(void)state;
	frame_reader_init_detect(&r, 100);
	feed(&r, "Content-Length: 1\r\n");
	for (int i = 0; i < 100 && rc == 0; i++) {
		snprintf(line, sizeof(line), "Content-Type: application/json\r\n");
		feed(&r, line);
		rc = frame_reader_next(&r, &f, &l);
	}
	assert_int_equal(rc, -EBADMSG);
	assert_true(r.cap <= 100 + 3 + FRAME_HEADER_MAX);
	frame_reader_done(&r);
}

static void test_reader_body_too_large(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init_detect(&r, 100);
	feed(&r, "Content-Length: 101\r\n\r\n");
	assert_int_equal(frame_reader_next(&r, &f, &l), -E2BIG);
	frame_reader_done(&r);

	/* Exactly the limit is fine, and memory stays bounded. */
	{
		char msg[200];
		int n = snprintf(msg, sizeof(msg), "Content-Length: 100\r\n\r\n");

		memset(msg + n, ' ', 100);
		frame_reader_init_detect(&r, 100);
		feed_step(&r, msg, (size_t)n + 100, 7);
		assert_int_equal(frame_reader_next(&r, &f, &l), 1);
		assert_int_equal(l, 100);
		assert_true(r.cap <= 100 + 3 + FRAME_HEADER_MAX);
		frame_reader_done(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_too_large),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_reader_headers),
		cmocka_unit_test(test_reader_interleaved),
		cmocka_unit_test(test_reader_detects_lines),
		cmocka_unit_test(test_reader_bad_headers),
		cmocka_unit_test(test_reader_endless_header),
		cmocka_unit_test(test_reader_body_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
