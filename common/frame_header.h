/* SPDX-License-Identifier: MIT */
/*
 * The "Content-Length:" framing of the Language Server Protocol's base
 * protocol, as an alternative to newline framing on the daemon's socket
 * (codexd-protocol(7) "TRANSPORT"): a header block of "Name: value" lines
 * ending in CRLF, an empty line, then exactly Content-Length bytes of JSON.
 *
 * Strict: only Content-Length (required, once, 1 to 10 decimal digits, no
 * sign) and Content-Type (once; application/vscode-jsonrpc or
 * application/json, charset utf-8) are accepted; every line ends in CRLF;
 * header bytes are printable ASCII or tab; the block is at most
 * FRAME_HEADER_MAX bytes.  Rejects rather than repairs.
 *
 * Process: any (no allocation, no global state).
 */
#ifndef CX_FRAME_HEADER_H
#define CX_FRAME_HEADER_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of one header block, its final empty line included. */
#define FRAME_HEADER_MAX 1024

/* The word that announces this framing, compared without regard to case. */
#define FRAME_HEADER_MAGIC "Content-Length:"

/*
 * Parse one header block: hdr holds len bytes ending in "\r\n\r\n" (the
 * empty line included).  Returns 0 with *ret_length, -E2BIG when the
 * length exceeds max (*ret_length is set too), or -EBADMSG with *ret_err
 * pointing at a static description.
 */
int frame_header_parse(const char *hdr, size_t len, size_t max, size_t *ret_length,
		       const char **ret_err);

/*
 * Check bytes of a header block still being received: -EBADMSG with
 * *ret_err when they can already not be a valid header (a byte that is
 * not allowed, a line feed without its carriage return), else 0.
 */
int frame_header_check_partial(const char *hdr, size_t len, const char **ret_err);

/*
 * Whether the first len bytes of a connection announce this framing: 1
 * yes, 0 no (newline framing), -EAGAIN when too few bytes have arrived to
 * tell (a prefix of FRAME_HEADER_MAGIC).
 */
int frame_header_detect(const char *buf, size_t len);

/* Write "Content-Length: N\r\n\r\n" into buf (at least 32 bytes); returns its length. */
size_t frame_header_format(char *buf, size_t bufsz, size_t length);

#endif
