/* SPDX-License-Identifier: MIT */
/* Unit tests: newline framing (common/frame.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "common/frame.h"

static void feed(struct frame_reader *r, const char *s, size_t n)
{
	while (n > 0) {
		char *p;
		size_t avail;

		assert_int_equal(frame_reader_space(r, n, &p, &avail), 0);
		if (avail > n)
			avail = n;
		memcpy(p, s, avail);
		frame_reader_commit(r, avail);
		s += avail;
		n -= avail;
	}
}

static void test_single_and_multiple(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 100);
	feed(&r, "{\"a\":1}\n{\"b\":2}\n", 16);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_int_equal(l, 7);
	assert_string_equal(f, "{\"a\":1}");
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{\"b\":2}");
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	assert_false(frame_reader_partial(&r));
	frame_reader_done(&r);
}

static void test_split_across_reads(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 100);
	feed(&r, "{\"abc\"", 6);
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	assert_true(frame_reader_partial(&r));
	feed(&r, ":1}", 3);
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	feed(&r, "\n", 1);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{\"abc\":1}");
	assert_false(frame_reader_partial(&r));
	frame_reader_done(&r);
}

static void test_crlf_and_blank_lines(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 100);
	feed(&r, "\n\r\n{}\r\n\n", 8);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_int_equal(l, 2);
	assert_string_equal(f, "{}");
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	frame_reader_done(&r);
}

static void test_exact_limit(void **state)
{
	struct frame_reader r;
	char buf[12];
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 10);
	memset(buf, 'x', 10);
	buf[10] = '\n';
	feed(&r, buf, 11);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_int_equal(l, 10);
	/* With \r\n the limit still applies to the frame itself. */
	buf[10] = '\r';
	buf[11] = '\n';
	feed(&r, buf, 12);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_int_equal(l, 10);
	frame_reader_done(&r);
}

static void test_oversize_terminated(void **state)
{
	struct frame_reader r;
	char buf[13];
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 10);
	memset(buf, 'x', 11);
	buf[11] = '\n';
	feed(&r, buf, 12);
	assert_int_equal(frame_reader_next(&r, &f, &l), -E2BIG);
	frame_reader_done(&r);
}

static void test_oversize_unterminated(void **state)
{
	struct frame_reader r;
	char *p, *f;
	size_t avail, l, total = 0;
	int rc = 0;

	(void)state;
	frame_reader_init(&r, 1000);
	/* Keep feeding without a newline: the reader must refuse to grow. */
	for (int i = 0; i < 100; i++) {
		rc = frame_reader_space(&r, 64, &p, &avail);
		if (rc < 0)
			break;
		memset(p, 'y', avail);
		frame_reader_commit(&r, avail);
		total += avail;
		rc = frame_reader_next(&r, &f, &l);
		if (rc < 0)
			break;
	}
	assert_int_equal(rc, -E2BIG);
	assert_true(total <= 1003);
	assert_true(r.cap <= 1003);
	frame_reader_done(&r);
}

static void test_many_small_frames_compact(void **state)
{
	struct frame_reader r;
	char *f;
	size_t l;
	int n = 0;

	(void)state;
	frame_reader_init(&r, 64);
	for (int i = 0; i < 10000; i++) {
		feed(&r, "{}\n", 3);
		while (frame_reader_next(&r, &f, &l) == 1)
			n++;
	}
	assert_int_equal(n, 10000);
	assert_true(r.cap <= 67);
	frame_reader_done(&r);
}

/* Raw bytes after a frame (exec/output raw_output) are taken as they are. */
static void test_take_raw_after_frame(void **state)
{
	struct frame_reader r;
	const char *p;
	char *f;
	size_t l;

	(void)state;
	frame_reader_init(&r, 100);
	/* A header, 5 raw bytes holding newlines, a header, 3 raw bytes not yet here. */
	feed(&r, "{\"h\":1}\na\nb\nc{\"h\":2}\nxy", 23);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{\"h\":1}");
	assert_int_equal(frame_reader_take(&r, 5, &p), 5);
	assert_memory_equal(p, "a\nb\nc", 5);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{\"h\":2}");
	/* Only two of the three are buffered; the rest comes from the socket. */
	assert_int_equal(frame_reader_take(&r, 3, &p), 2);
	assert_memory_equal(p, "xy", 2);
	assert_int_equal(frame_reader_take(&r, 1, &p), 0);
	assert_int_equal(frame_reader_next(&r, &f, &l), 0);
	assert_false(frame_reader_partial(&r));
	/* Framing goes on normally after the raw bytes. */
	feed(&r, "{\"h\":3}\n", 8);
	assert_int_equal(frame_reader_next(&r, &f, &l), 1);
	assert_string_equal(f, "{\"h\":3}");
	frame_reader_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_and_multiple),
		cmocka_unit_test(test_split_across_reads),
		cmocka_unit_test(test_crlf_and_blank_lines),
		cmocka_unit_test(test_exact_limit),
		cmocka_unit_test(test_oversize_terminated),
		cmocka_unit_test(test_oversize_unterminated),
		cmocka_unit_test(test_many_small_frames_compact),
		cmocka_unit_test(test_take_raw_after_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
