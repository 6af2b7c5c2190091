/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "common/utf8.h"

/*
 * The table of well-formed byte sequences (Unicode 15, table 3-7): the
 * second byte's range depends on the first byte, which is how overlongs
 * (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points above
 * U+10FFFF (F4 90..BF, F5..FF) are excluded without decoding.
 */
int utf8_decode(const char *s, size_t len, uint32_t *ret)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	uint32_t cp;

	if (len == 0)
		return -EINVAL;
	if (p[0] < 0x80) {
		*ret = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return -EILSEQ; /* continuation byte, C0/C1 overlong lead, F5..FF */

	if (len < n)
		return -EILSEQ;
	if (p[1] < lo || p[1] > hi)
		return -EILSEQ;
	cp = (cp << 6) | (p[1] & 0x3f);
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return -EILSEQ;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*ret = cp;
	return (int)n;
}

bool utf8_is_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int r;

		/* ASCII fast path. */
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		r = utf8_decode(s + i, len - i, &cp);
		if (r < 0)
			return false;
		i += (size_t)r;
	}
	return true;
}

bool utf8_is_scalar(uint32_t cp)
{
	return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

size_t utf8_encode(uint32_t cp, char out[static UTF8_MAX_BYTES])
{
	if (!utf8_is_scalar(cp))
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
