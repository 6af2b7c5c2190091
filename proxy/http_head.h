/* SPDX-License-Identifier: MIT */
/*
 * The request head a sandboxed program sends to the HTTP proxy: parsed
 * with http-parser (libhttp-parser), checked for the two forms a forward
 * proxy serves (absolute-form "GET http://host[:port]/path HTTP/1.1" and
 * authority-form "CONNECT host:port HTTP/1.1"), and rewritten to
 * origin-form for the upstream server with the hop-by-hop headers
 * removed and "Connection: close" (one request per proxied connection).
 *
 * Pure (no I/O, no libuv); process: proxy worker, tests, fuzz targets.
 */
#ifndef CX_PROXY_HTTP_HEAD_H
#define CX_PROXY_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX (64 * 1024) /* bytes of a request head */
#define HTTP_HEAD_MAX_HEADERS 128

struct http_span {
	size_t off, len; /* into the parsed buffer */
};

struct http_head {
	char method[24];
	bool connect;          /* CONNECT host:port */
	char host[260];        /* as written in the request target (brackets kept) */
	uint16_t port;         /* explicit or the scheme's (80) */
	struct http_span path; /* origin-form path and query ("/" if empty); not for CONNECT */
	unsigned short http_major, http_minor;
	size_t head_len;       /* bytes up to and including the blank line */
	struct http_span name[HTTP_HEAD_MAX_HEADERS], value[HTTP_HEAD_MAX_HEADERS];
	size_t n_headers;
	bool has_host_header;
};

/*
 * Parse the head at the start of buf.  Returns 1 with *ret filled (bytes
 * after ret->head_len belong to the body or the tunnel), 0 when more bytes
 * are needed, -E2BIG when the head is longer than HTTP_HEAD_MAX or has too
 * many headers, -EPROTO for an origin-form request (the client did not
 * treat us as a proxy), -EPROTONOSUPPORT for a scheme other than http://,
 * -EINVAL for anything malformed.
 */
int http_head_parse(const char *buf, size_t len, struct http_head *ret);

/*
 * Write the head to send upstream into out: "METHOD path HTTP/x.y", the
 * client's headers minus Connection, Proxy-Connection, Keep-Alive,
 * Proxy-Authorization and Proxy-Authenticate, a Host header if there was
 * none, and "Connection: close".  Returns the length or -E2BIG.
 */
int http_head_rewrite(const struct http_head *h, const char *buf, char *out, size_t outsz);

/*
 * A complete refusal response: status line, "x-codexd-error: <error>",
 * Content-Type text/plain, Content-Length, Connection: close and the body.
 * Returns the length (cut to fit, never unterminated) .
 */
size_t http_refusal(char *out, size_t outsz, int status, const char *reason_phrase,
		    const char *error, const char *body);

#endif
