/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: common/b64.c against libsodium's base64 (standard
 * alphabet, padded), which it replaced.  Any input: both decoders must
 * accept and reject the same strings, give the same bytes, and agree on
 * "does not fit" for a short output buffer; whatever decodes must encode
 * back to the same text (one encoding per value).  The input as bytes:
 * our encoding must equal sodium's.  One known difference: libsodium
 * 1.0.18 takes any byte >= 0x80 for an alphabet character (its table
 * lookup sees a negative char); ours rejects such text, which is checked
 * instead of compared.
 */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool memchr_high(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

static void check_decode(const uint8_t *data, size_t size, size_t out_max)
{
	uint8_t *ours = malloc(out_max + 1), *theirs = malloc(out_max + 1);
	size_t their_len = 0;
	long n;
	int s;

	if (!ours || !theirs)
		abort();
	n = b64_decode(ours, out_max, (const char *)data, size);
	if (memchr_high(data, size)) {
		if (n >= 0)
			abort();
		free(ours);
		free(theirs);
		return;
	}
	if (n == -E2BIG) {
		/* Refused by size alone, before looking: nothing to compare. */
		free(ours);
		free(theirs);
		return;
	}
	s = sodium_base642bin(theirs, out_max, (const char *)data, size, NULL, &their_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL);
	if ((n >= 0) != (s == 0))
		abort();
	if (n >= 0) {
		char *again = malloc(b64_encoded_len((size_t)n) + 1);

		if ((size_t)n != their_len || memcmp(ours, theirs, their_len) != 0 || !again)
			abort();
		if (b64_encode(again, ours, (size_t)n) != size || memcmp(again, data, size) != 0)
			abort();
		free(again);
	}
	free(ours);
	free(theirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t elen = b64_encoded_len(size);
	char *ours = malloc(elen + 1), *theirs = malloc(elen + 1);

	if (!ours || !theirs)
		abort();
	if (elen != sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL) - 1)
		abort();
	if (b64_encode(ours, data, size) != elen || ours[elen] != '\0')
		abort();
	sodium_bin2base64(theirs, elen + 1, data, size, sodium_base64_VARIANT_ORIGINAL);
	if (memcmp(ours, theirs, elen + 1) != 0)
		abort();
	free(ours);
	free(theirs);

	check_decode(data, size, size / 4 * 3 + 3); /* room enough */
	if (size >= 4)
		check_decode(data, size, size / 4 * 3 - 1); /* one byte short, maybe */
	return 0;
}
