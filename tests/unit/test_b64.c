/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/b64.h"

/* RFC 4648 section 10. */
static const char *const vec[][2] = {
	{ "", "" },	    { "f", "Zg==" },	    { "fo", "Zm8=" },	      { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_rfc4648_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char enc[16], dec[16];
		size_t n = strlen(vec[i][0]);

		assert_int_equal(b64_encoded_len(n), strlen(vec[i][1]));
		assert_int_equal(b64_encode(enc, vec[i][0], n), strlen(vec[i][1]));
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(b64_decode(dec, sizeof(dec), vec[i][1], strlen(vec[i][1])),
				 (long)n);
		assert_memory_equal(dec, vec[i][0], n);
	}
}

static void test_all_bytes_round_trip(void **state)
{
	uint8_t bin[256], back[256];
	char text[345];

	(void)state;
	for (int i = 0; i < 256; i++)
		bin[i] = (uint8_t)(255 - i);
	for (size_t n = 0; n <= sizeof(bin); n += 37) {
		size_t len = b64_encode(text, bin, n);

		assert_int_equal(b64_decode(back, sizeof(back), text, len), (long)n);
		assert_memory_equal(back, bin, n);
	}
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg",	    /* no padding */
		"Zg=",	    /* short padding */
		"Z===",	    /* one character is not a byte */
		"Zh==",	    /* unused bits set: not the one encoding of "f" */
		"Zm9=",	    /* same with one pad */
		"Zg==Zm9v", /* padding inside */
		"Zm9v\n",   /* whitespace */
		"Zm 9",	    /* blank */
		"Zm-v",	    /* URL-safe alphabet */
		"Zm9\xa8",  /* not ASCII (libsodium 1.0.18 took this) */
		"=Zm9",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[16];

		assert_int_equal(b64_decode(out, sizeof(out), bad[i], strlen(bad[i])), -EINVAL);
	}
}

static void test_does_not_fit(void **state)
{
	char out[8];

	(void)state;
	/* Decided on the length alone ... */
	assert_int_equal(b64_decode(out, 2, "Zm9vYmFyZm9v", 12), -E2BIG);
	/* ... or while decoding: 6 bytes into 5. */
	assert_int_equal(b64_decode(out, 5, "Zm9vYmFy", 8), -EINVAL);
	assert_int_equal(b64_decode(out, 6, "Zm9vYmFy", 8), 6);
	assert_int_equal(b64_decode(out, 4, "Zm9vYmE=", 8), -EINVAL);
	assert_int_equal(b64_decode(out, 5, "Zm9vYmE=", 8), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_all_bytes_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_does_not_fit),
	};
	return cmocka_run_group_tests_name("b64", tests, NULL, NULL);
}
