/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-8: the encoding RFC 3629 allows and nothing else.  Rejected:
 * overlong forms, UTF-16 surrogates (U+D800..U+DFFF), code points above
 * U+10FFFF, stray continuation bytes and truncated sequences.  U+0000 is
 * valid UTF-8 (a single 0x00 byte); callers that need C strings reject NUL
 * themselves.
 *
 * Process: any (no allocation, no global state; safe in sandbox children).
 */
#ifndef CX_UTF8_H
#define CX_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest number of bytes one code point takes. */
#define UTF8_MAX_BYTES 4

/* True when the len bytes at s are well-formed UTF-8 (len 0: true). */
bool utf8_is_valid(const char *s, size_t len);

/*
 * Decode the code point starting at s (at most len bytes).  Returns the
 * number of bytes it takes (1..4) and stores the code point in *ret, or
 * -EILSEQ for an invalid or truncated sequence and -EINVAL for len 0 (*ret
 * untouched on failure).
 */
int utf8_decode(const char *s, size_t len, uint32_t *ret);

/*
 * True for a Unicode scalar value: U+0000..U+10FFFF minus the surrogates.
 * Only these can be encoded.
 */
bool utf8_is_scalar(uint32_t cp);

/*
 * Encode cp into out (UTF8_MAX_BYTES bytes, not NUL-terminated).  Returns
 * the number of bytes written (1..4), or 0 when cp is not a Unicode scalar
 * value (out untouched).
 */
size_t utf8_encode(uint32_t cp, char out[static UTF8_MAX_BYTES]);

#endif
