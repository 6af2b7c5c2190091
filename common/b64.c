/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sodium.h>

#include "common/b64.h"

size_t b64_encoded_len(size_t bin_len)
{
	return sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL) - 1;
}

size_t b64_encode(char *out, const void *bin, size_t len)
{
	size_t n = b64_encoded_len(len);

	sodium_bin2base64(out, n + 1, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return n;
}

long b64_decode(void *out, size_t out_max, const char *text, size_t len)
{
	size_t bin_len = 0;

	/* Reject before decoding what could not fit. */
	if (len / 4 * 3 > out_max + 2)
		return -E2BIG;
	if (sodium_base642bin(out, out_max, text, len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EINVAL;
	return (long)bin_len;
}
