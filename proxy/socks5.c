/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "proxy/socks5.h"

int socks5_parse_greeting(const uint8_t *b, size_t n, size_t *consumed, bool *noauth)
{
	size_t nm;

	if (n < 1)
		return 0;
	if (b[0] != SOCKS5_VERSION)
		return -EINVAL;
	if (n < 2)
		return 0;
	nm = b[1];
	if (nm == 0)
		return -EINVAL;
	if (n < 2 + nm)
		return 0;
	*noauth = memchr(b + 2, 0x00, nm) != NULL;
	*consumed = 2 + nm;
	return 1;
}

/* ATYP DST.ADDR DST.PORT at b; 1/0/-errno as the callers. */
static int parse_addr(const uint8_t *b, size_t n, size_t *used, struct socks5_addr *a)
{
	size_t alen;

	if (n < 1)
		return 0;
	a->atyp = b[0];
	switch (b[0]) {
	case SOCKS5_ATYP_IPV4:
		if (n < 1 + 4 + 2)
			return 0;
		if (!inet_ntop(AF_INET, b + 1, a->host, sizeof(a->host)))
			return -EINVAL;
		alen = 4;
		break;
	case SOCKS5_ATYP_IPV6:
		if (n < 1 + 16 + 2)
			return 0;
		if (!inet_ntop(AF_INET6, b + 1, a->host, sizeof(a->host)))
			return -EINVAL;
		alen = 16;
		break;
	case SOCKS5_ATYP_DOMAIN:
		if (n < 2)
			return 0;
		alen = 1 + (size_t)b[1];
		if (b[1] == 0)
			return -EINVAL;
		if (n < 1 + alen + 2)
			return 0;
		if (memchr(b + 2, 0, b[1]))
			return -EINVAL;
		memcpy(a->host, b + 2, b[1]);
		a->host[b[1]] = '\0';
		break;
	default:
		return -EAFNOSUPPORT;
	}
	a->port = (uint16_t)((b[1 + alen] << 8) | b[2 + alen]);
	*used = 1 + alen + 2;
	return 1;
}

int socks5_parse_request(const uint8_t *b, size_t n, size_t *consumed, uint8_t *cmd,
			 struct socks5_addr *addr)
{
	struct socks5_addr a;
	size_t used = 0;
	int r;

	if (n < 1)
		return 0;
	if (b[0] != SOCKS5_VERSION)
		return -EINVAL;
	if (n < 3)
		return 0;
	if (b[2] != 0)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	r = parse_addr(b + 3, n - 3, &used, &a);
	if (r <= 0)
		return r;
	*cmd = b[1];
	*addr = a;
	*consumed = 3 + used;
	return 1;
}

int socks5_parse_udp(const uint8_t *b, size_t n, struct socks5_addr *addr, size_t *hdr_len)
{
	struct socks5_addr a;
	size_t used = 0;
	int r;

	if (n < 4 || b[0] != 0 || b[1] != 0)
		return -EINVAL;
	if (b[2] != 0)
		return -ENOTSUP;
	memset(&a, 0, sizeof(a));
	r = parse_addr(b + 3, n - 3, &used, &a);
	if (r == 0)
		return -EINVAL;
	if (r < 0)
		return r == -EAFNOSUPPORT ? -EINVAL : r;
	*addr = a;
	*hdr_len = 3 + used;
	return 0;
}

static size_t put_addr(uint8_t *o, const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		o[0] = SOCKS5_ATYP_IPV6;
		memcpy(o + 1, &s6->sin6_addr, 16);
		memcpy(o + 17, &s6->sin6_port, 2);
		return 19;
	}
	o[0] = SOCKS5_ATYP_IPV4;
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		memcpy(o + 1, &s4->sin_addr, 4);
		memcpy(o + 5, &s4->sin_port, 2);
	} else
		memset(o + 1, 0, 6);
	return 7;
}

size_t socks5_build_reply(uint8_t *out, uint8_t rep, const struct sockaddr *bound)
{
	out[0] = SOCKS5_VERSION;
	out[1] = rep;
	out[2] = 0;
	return 3 + put_addr(out + 3, bound);
}

size_t socks5_build_udp_header(uint8_t *out, const struct sockaddr *src)
{
	out[0] = out[1] = out[2] = 0;
	return 3 + put_addr(out + 3, src);
}
