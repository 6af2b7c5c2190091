/* SPDX-License-Identifier: MIT */
/*
 * Base64, RFC 4648 section 4, padded, strict.  Written here rather than
 * taken from libsodium so that codexctl does not load libsodium (and its
 * start-up) for this alone: the client's start is on the path of every
 * command (tests/bench/README).  The decoder accepts exactly what
 * sodium_base642bin(..., sodium_base64_VARIANT_ORIGINAL) with no ignore
 * set accepts: whole groups of four, '=' only as the padding of the last
 * one, and unused bits of the last character zero (one encoding per
 * value).  tests/fuzz/fuzz_b64.c compares the two.
 */
#include <errno.h>
#include <stdint.h>

#include "common/b64.h"

static const char enc[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0-63 for the alphabet, 0xff for anything else ('=' included). */
static inline uint8_t dec(uint8_t ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return (uint8_t)(ch - 'A');
	if (ch >= 'a' && ch <= 'z')
		return (uint8_t)(ch - 'a' + 26);
	if (ch >= '0' && ch <= '9')
		return (uint8_t)(ch - '0' + 52);
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return 0xff;
}

size_t b64_encoded_len(size_t bin_len)
{
	return (bin_len + 2) / 3 * 4;
}

size_t b64_encode(char *out, const void *bin, size_t len)
{
	const uint8_t *p = bin;
	char *o = out;
	size_t i = 0;

	for (; len - i >= 3; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		o[0] = enc[v >> 18];
		o[1] = enc[(v >> 12) & 63];
		o[2] = enc[(v >> 6) & 63];
		o[3] = enc[v & 63];
		o += 4;
	}
	if (len - i == 1) {
		o[0] = enc[p[i] >> 2];
		o[1] = enc[(p[i] & 3) << 4];
		o[2] = '=';
		o[3] = '=';
		o += 4;
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		o[0] = enc[v >> 10];
		o[1] = enc[(v >> 4) & 63];
		o[2] = enc[(v << 2) & 63];
		o[3] = '=';
		o += 4;
	}
	*o = '\0';
	return (size_t)(o - out);
}

long b64_decode(void *out, size_t out_max, const char *text, size_t len)
{
	const uint8_t *t = (const uint8_t *)text;
	uint8_t *o = out;
	size_t n = 0, last;

	/* Reject before decoding what could not fit. */
	if (len / 4 * 3 > out_max + 2)
		return -E2BIG;
	if (len % 4)
		return -EINVAL;
	if (len == 0)
		return 0;
	last = len - 4;
	for (size_t i = 0; i < last; i += 4) {
		uint8_t a = dec(t[i]), b = dec(t[i + 1]), c = dec(t[i + 2]), d = dec(t[i + 3]);

		if ((a | b | c | d) & 0xc0)
			return -EINVAL;
		if (out_max - n < 3)
			return -EINVAL;
		o[n++] = (uint8_t)(a << 2 | b >> 4);
		o[n++] = (uint8_t)(b << 4 | c >> 2);
		o[n++] = (uint8_t)(c << 6 | d);
	}
	/* The last group: "xxxx", "xxx=" or "xx==", unused bits zero. */
	{
		uint8_t a = dec(t[last]), b = dec(t[last + 1]);
		uint8_t c = dec(t[last + 2]), d = dec(t[last + 3]);
		size_t want;

		if ((a | b) & 0xc0)
			return -EINVAL;
		if (t[last + 2] == '=') {
			if (t[last + 3] != '=' || (b & 15))
				return -EINVAL;
			want = 1;
		} else if (t[last + 3] == '=') {
			if ((c & 0xc0) || (c & 3))
				return -EINVAL;
			want = 2;
		} else {
			if ((c | d) & 0xc0)
				return -EINVAL;
			want = 3;
		}
		if (out_max - n < want)
			return -EINVAL;
		o[n++] = (uint8_t)(a << 2 | b >> 4);
		if (want > 1)
			o[n++] = (uint8_t)(b << 4 | c >> 2);
		if (want > 2)
			o[n++] = (uint8_t)(c << 6 | d);
	}
	return (long)n;
}
