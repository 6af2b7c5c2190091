/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, standard alphabet, padded) for binary data inside JSON
 * strings (exec/output, exec/write); no libsodium (codexctl does not load it).
 *
 * Process: main and client.
 */
#ifndef CX_B64_H
#define CX_B64_H

#include <stddef.h>

/* Encoded length without the NUL. */
size_t b64_encoded_len(size_t bin_len);

/* Encode into out (b64_encoded_len(len) + 1 bytes); returns the length. */
size_t b64_encode(char *out, const void *bin, size_t len);

/*
 * Decode text (exactly len bytes, no whitespace) into out (at most
 * out_max bytes); returns the decoded length, or -EINVAL for invalid input
 * and -E2BIG when it does not fit.
 */
long b64_decode(void *out, size_t out_max, const char *text, size_t len);

#endif
