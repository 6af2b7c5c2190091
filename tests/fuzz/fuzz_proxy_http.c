/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for proxy/http_head.c (the request head a sandboxed
 * program sends to the HTTP proxy) and the host normalisation and policy
 * check the proxy applies to what it extracts (policy/domains.c).
 * Needs: proxy/http_head.c policy/ common/, -lhttp_parser.
 *
 * Checks, besides "no crash, no leak, no UB":
 *  - a parsed head lies inside the input and ends with a blank line;
 *  - the rewritten head fits, ends with "Connection: close\r\n\r\n" and
 *    carries no Proxy-Authorization or Proxy-Connection header;
 *  - every normalised host parses again to itself (idempotent).
 */
// fuzz-sources: proxy/http_head.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/domains.h"
#include "proxy/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[HTTP_HEAD_MAX + 1024];
	struct http_head h;
	const char *buf = (const char *)data;
	int r;

	if (size > HTTP_HEAD_MAX + 16)
		return 0;
	r = http_head_parse(buf, size, &h);
	if (r != 1)
		return 0;
	if (h.head_len == 0 || h.head_len > size || buf[h.head_len - 1] != '\n')
		abort();
	if (h.n_headers > HTTP_HEAD_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < h.n_headers; i++)
		if (h.name[i].off + h.name[i].len > h.head_len ||
		    h.value[i].off + h.value[i].len > h.head_len)
			abort();
	if (!h.connect) {
		int n = http_head_rewrite(&h, buf, out, sizeof(out));
		if (n > 0) {
			static const char tail[] = "Connection: close\r\n\r\n";
			if ((size_t)n < sizeof(tail) - 1 ||
			    memcmp(out + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1) != 0)
				abort();
			out[n] = '\0';
			for (char *line = out; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
				if (strncasecmp(line, "proxy-authorization:", 20) == 0 ||
				    strncasecmp(line, "proxy-connection:", 17) == 0)
					abort();
		}
	}
	{
		struct domain_host a, b;
		if (domain_host_normalize(h.host, strlen(h.host), &a) == 0) {
			if (domain_host_normalize(a.name, strlen(a.name), &b) != 0 ||
			    strcmp(a.name, b.name) != 0)
				abort();
			{
				struct domain_policy p = { 0 };
				struct domain_check c;
				domain_policy_check(&p, &a, h.port, h.connect ? NET_PROTO_HTTPS
									     : NET_PROTO_HTTP,
						    &c);
				if (c.verdict == DOMAIN_ALLOWED)
					abort(); /* an empty policy allows nothing */
			}
		}
	}
	return 0;
}
