/* SPDX-License-Identifier: MIT */
/* Unit tests for common/utf8.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/utf8.h"

#define VALID(s) assert_true(utf8_is_valid((s), sizeof(s) - 1))
#define INVALID(s) assert_false(utf8_is_valid((s), sizeof(s) - 1))

/*
 * A reference decoder written the other way round: decode by the bit
 * patterns alone, then reject what is overlong, a surrogate or too large.
 * Returns the sequence length or -1.
 */
static int ref_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t v;

	if (len == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		v = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		v = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		v = s[0] & 0x07;
	} else
		return -1;
	if (len < n)
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return -1; /* overlong */
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	return (int)n;
}

static bool ref_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int r = ref_decode(s + i, len - i, &cp);

		if (r < 0)
			return false;
		i += (size_t)r;
	}
	return true;
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(utf8_is_valid("", 0));
	assert_true(utf8_is_valid(NULL, 0));
	VALID("plain ASCII ~\x7f");
	VALID("\0"); /* U+0000 is valid UTF-8 */
	VALID("\xc2\x80"); /* U+0080 */
	VALID("\xdf\xbf"); /* U+07FF */
	VALID("\xe0\xa0\x80"); /* U+0800 */
	VALID("\xed\x9f\xbf"); /* U+D7FF */
	VALID("\xee\x80\x80"); /* U+E000 */
	VALID("\xef\xbf\xbd"); /* U+FFFD */
	VALID("\xef\xbf\xbf"); /* U+FFFF */
	VALID("\xef\xbb\xbf"); /* BOM */
	VALID("\xf0\x90\x80\x80"); /* U+10000 */
	VALID("\xf0\x9f\x98\x80"); /* U+1F600 */
	VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	VALID("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end");
}

static void test_invalid(void **state)
{
	(void)state;
	/* Overlong forms. */
	INVALID("\xc0\x80");
	INVALID("\xc0\xaf");
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\x80");
	INVALID("\xe0\x9f\xbf");
	INVALID("\xf0\x80\x80\x80");
	INVALID("\xf0\x8f\xbf\xbf");
	/* Surrogates. */
	INVALID("\xed\xa0\x80");
	INVALID("\xed\xad\xbf");
	INVALID("\xed\xb0\x80");
	INVALID("\xed\xbf\xbf");
	INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair */
	/* Above U+10FFFF and lead bytes that cannot occur. */
	INVALID("\xf4\x90\x80\x80");
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80");
	INVALID("\xfc\x84\x80\x80\x80\x80");
	INVALID("\xfe");
	INVALID("\xff");
	/* Stray continuation bytes, truncated and interrupted sequences. */
	INVALID("\x80");
	INVALID("a\xbf");
	INVALID("\xc3");
	INVALID("\xe2\x82");
	INVALID("\xf0\x9f\x98");
	INVALID("\xc3\x28");
	INVALID("\xe2\x28\xa1");
	INVALID("\xe2\x82\x28");
	INVALID("\xf0\x28\x8c\xbc");
	INVALID("\xf0\x90\x28\xbc");
	INVALID("\xf0\x90\x8c\x28");
	INVALID("ok\xc3\xa9\xc3");
	/* A valid sequence cut by len. */
	assert_false(utf8_is_valid("\xc3\xa9", 1));
	assert_true(utf8_is_valid("\xc3\xa9", 2));
}

static void test_decode(void **state)
{
	uint32_t cp = 12345;
	(void)state;

	assert_int_equal(utf8_decode("", 0, &cp), -EINVAL);
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xc3\xa9x", 3, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	cp = 7;
	assert_int_equal(utf8_decode("\xe2\x82\xac", 2, &cp), -EILSEQ);
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), -EILSEQ);
	assert_int_equal(utf8_decode("\x80", 1, &cp), -EILSEQ);
	assert_int_equal(cp, 7); /* untouched on failure */
}

static void test_encode(void **state)
{
	char out[UTF8_MAX_BYTES];
	(void)state;

	assert_int_equal(utf8_encode(0x41, out), 1);
	assert_memory_equal(out, "A", 1);
	assert_int_equal(utf8_encode(0xe9, out), 2);
	assert_memory_equal(out, "\xc3\xa9", 2);
	assert_int_equal(utf8_encode(0x20ac, out), 3);
	assert_memory_equal(out, "\xe2\x82\xac", 3);
	assert_int_equal(utf8_encode(0x1f600, out), 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(utf8_encode(0xd800, out), 0);
	assert_int_equal(utf8_encode(0xdfff, out), 0);
	assert_int_equal(utf8_encode(0x110000, out), 0);
	assert_int_equal(utf8_encode(UINT32_MAX, out), 0);
	assert_true(utf8_is_scalar(0));
	assert_true(utf8_is_scalar(0xd7ff));
	assert_false(utf8_is_scalar(0xd800));
	assert_true(utf8_is_scalar(0xe000));
	assert_true(utf8_is_scalar(0x10ffff));
	assert_false(utf8_is_scalar(0x110000));
}

/* Every scalar value encodes, validates and decodes back to itself. */
static void test_round_trip_all(void **state)
{
	char out[UTF8_MAX_BYTES];
	(void)state;

	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		size_t n = utf8_encode(cp, out);
		uint32_t back = UINT32_MAX;

		if (cp >= 0xd800 && cp <= 0xdfff) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
		assert_true(utf8_is_valid(out, n));
		assert_int_equal(utf8_decode(out, n, &back), (int)n);
		assert_int_equal(back, cp);
	}
}

/* All 1-, 2- and 3-byte strings, and 4-byte strings with varied tails, against the reference. */
static void test_against_reference(void **state)
{
	static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
					      0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff};
	unsigned char s[4];
	(void)state;

	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		assert_int_equal(utf8_is_valid((char *)s, 1), ref_valid(s, 1));
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			if (utf8_is_valid((char *)s, 2) != ref_valid(s, 2))
				fail_msg("mismatch on %02x %02x", a, b);
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				if (utf8_is_valid((char *)s, 3) != ref_valid(s, 3))
					fail_msg("mismatch on %02x %02x %02x", a, b, c);
				if (a < 0xf0 || a > 0xf7)
					continue;
				for (size_t d = 0; d < sizeof(tails); d++) {
					s[3] = tails[d];
					if (utf8_is_valid((char *)s, 4) != ref_valid(s, 4))
						fail_msg("mismatch on %02x %02x %02x %02x", a, b, c,
							 s[3]);
				}
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),	       cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_decode),	       cmocka_unit_test(test_encode),
		cmocka_unit_test(test_round_trip_all), cmocka_unit_test(test_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
