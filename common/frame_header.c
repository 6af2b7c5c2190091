/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/frame_header.h"
#include "common/macro.h"

#define CONTENT_LENGTH_DIGITS 10

static bool header_byte_ok(unsigned char c)
{
	return c == '\t' || c == '\r' || c == '\n' || (c >= 0x20 && c < 0x7f);
}

int frame_header_check_partial(const char *hdr, size_t len, const char **ret_err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)hdr[i];

		if (!header_byte_ok(c)) {
			*ret_err = "header contains a byte that is not printable ASCII";
			return -EBADMSG;
		}
		if (c == '\n' && (i == 0 || hdr[i - 1] != '\r')) {
			*ret_err = "header line does not end in CRLF";
			return -EBADMSG;
		}
		if (c == '\r' && i + 1 < len && hdr[i + 1] != '\n') {
			*ret_err = "carriage return without line feed in header";
			return -EBADMSG;
		}
	}
	return 0;
}

int frame_header_detect(const char *buf, size_t len)
{
	size_t magic = strlen(FRAME_HEADER_MAGIC);
	size_t n = MIN(len, magic);

	if (len == 0)
		return -EAGAIN;
	if (strncasecmp(buf, FRAME_HEADER_MAGIC, n) != 0)
		return 0;
	return n == magic ? 1 : -EAGAIN;
}

static bool token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* "utf-8", "utf8" (the older spelling LSP still accepts), any case. */
static bool charset_ok(const char *v, size_t n)
{
	return (n == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
	       (n == 4 && strncasecmp(v, "utf8", 4) == 0);
}

/*
 * "application/vscode-jsonrpc" or "application/json", optionally followed
 * by "; charset=utf-8" (spaces around ';' allowed).
 */
static bool content_type_ok(const char *v, size_t n)
{
	static const char *const types[] = {"application/vscode-jsonrpc", "application/json"};
	const char *end = v + n, *p = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t tl = strlen(types[i]);
		if (n >= tl && strncasecmp(v, types[i], tl) == 0 &&
		    (n == tl || v[tl] == ';' || v[tl] == ' ' || v[tl] == '\t')) {
			p = v + tl;
			break;
		}
	}
	if (!p)
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return true;
	if (*p++ != ';')
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 8 || strncasecmp(p, "charset=", 8) != 0)
		return false;
	p += 8;
	return charset_ok(p, (size_t)(end - p));
}

int frame_header_parse(const char *hdr, size_t len, size_t max, size_t *ret_length,
		       const char **ret_err)
{
	const char *p = hdr, *end = hdr + len;
	bool have_length = false, have_type = false;
	unsigned long long length = 0;
	int r;

	if (len < 4 || len > FRAME_HEADER_MAX || memcmp(end - 4, "\r\n\r\n", 4) != 0) {
		*ret_err = len > FRAME_HEADER_MAX ? "header block too long"
						  : "header block does not end in an empty line";
		return -EBADMSG;
	}
	r = frame_header_check_partial(hdr, len, ret_err);
	if (r < 0)
		return r;

	/* Each line up to the final empty one. */
	while (p < end - 2) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		const char *name = p, *colon, *v, *vend;
		size_t nlen;

		/* check_partial guarantees "\r\n" at every '\r'. */
		if (!eol || eol == p) {
			*ret_err = "empty line inside the header block";
			return -EBADMSG;
		}
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p) {
			*ret_err = "header line without a name and colon";
			return -EBADMSG;
		}
		nlen = (size_t)(colon - name);
		for (size_t i = 0; i < nlen; i++)
			if (!token_char(name[i])) {
				*ret_err = "invalid character in a header name";
				return -EBADMSG;
			}
		v = colon + 1;
		vend = eol;
		while (v < vend && (*v == ' ' || *v == '\t'))
			v++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;

		if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
			size_t nd = (size_t)(vend - v);

			if (have_length) {
				*ret_err = "Content-Length given twice";
				return -EBADMSG;
			}
			if (nd == 0 || nd > CONTENT_LENGTH_DIGITS) {
				*ret_err = "Content-Length must be 1 to 10 decimal digits";
				return -EBADMSG;
			}
			for (size_t i = 0; i < nd; i++) {
				if (v[i] < '0' || v[i] > '9') {
					*ret_err = "Content-Length must be 1 to 10 decimal digits";
					return -EBADMSG;
				}
				length = length * 10 + (unsigned)(v[i] - '0');
			}
			have_length = true;
		} else if (nlen == 12 && strncasecmp(name, "Content-Type", 12) == 0) {
			if (have_type) {
				*ret_err = "Content-Type given twice";
				return -EBADMSG;
			}
			if (!content_type_ok(v, (size_t)(vend - v))) {
				*ret_err = "unsupported Content-Type (application/vscode-jsonrpc; "
					   "charset=utf-8 expected)";
				return -EBADMSG;
			}
			have_type = true;
		} else {
			*ret_err = "unknown header (only Content-Length and Content-Type are "
				   "accepted)";
			return -EBADMSG;
		}
		p = eol + 2;
	}
	if (!have_length) {
		*ret_err = "Content-Length missing";
		return -EBADMSG;
	}
	*ret_length = (size_t)length;
	if (length > max)
		return -E2BIG;
	return 0;
}

size_t frame_header_format(char *buf, size_t bufsz, size_t length)
{
	int n = snprintf(buf, bufsz, "Content-Length: %zu\r\n\r\n", length);

	return n < 0 ? 0 : MIN((size_t)n, bufsz - 1);
}
