/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/netaddr.h"

static const char *const class_names[_NETADDR_CLASS_MAX] = {
	[NETADDR_PUBLIC] = "public",
	[NETADDR_LOOPBACK] = "loopback",
	[NETADDR_PRIVATE] = "private",
	[NETADDR_LINK_LOCAL] = "link-local",
	[NETADDR_UNSPECIFIED] = "unspecified",
	[NETADDR_THIS_NETWORK] = "this-network",
	[NETADDR_MULTICAST] = "multicast",
	[NETADDR_BROADCAST] = "broadcast",
	[NETADDR_CGNAT] = "cgnat",
	[NETADDR_IETF] = "ietf-protocol",
	[NETADDR_DOCUMENTATION] = "documentation",
	[NETADDR_BENCHMARK] = "benchmarking",
	[NETADDR_RESERVED] = "reserved",
	[NETADDR_RELAY_6TO4] = "6to4-relay",
	[NETADDR_ULA] = "unique-local",
	[NETADDR_SITE_LOCAL] = "site-local",
	[NETADDR_TEREDO] = "teredo",
	[NETADDR_NAT64_LOCAL] = "nat64-local",
};

const char *netaddr_class_to_string(enum netaddr_class c)
{
	return (unsigned)c < _NETADDR_CLASS_MAX ? class_names[c] : "invalid";
}

/* Does a (host order) lie in prefix/len? */
static bool in4(uint32_t a, uint32_t prefix, unsigned len)
{
	uint32_t mask = len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
	return (a & mask) == (prefix & mask);
}

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static enum netaddr_class classify4(uint32_t a)
{
	static const struct {
		uint32_t prefix;
		unsigned len;
		enum netaddr_class c;
	} table[] = {
		{ V4(255, 255, 255, 255), 32, NETADDR_BROADCAST },
		{ V4(0, 0, 0, 0), 32, NETADDR_UNSPECIFIED },
		{ V4(0, 0, 0, 0), 8, NETADDR_THIS_NETWORK },
		{ V4(10, 0, 0, 0), 8, NETADDR_PRIVATE },
		{ V4(100, 64, 0, 0), 10, NETADDR_CGNAT },
		{ V4(127, 0, 0, 0), 8, NETADDR_LOOPBACK },
		{ V4(169, 254, 0, 0), 16, NETADDR_LINK_LOCAL },
		{ V4(172, 16, 0, 0), 12, NETADDR_PRIVATE },
		{ V4(192, 0, 0, 0), 24, NETADDR_IETF },
		{ V4(192, 0, 2, 0), 24, NETADDR_DOCUMENTATION },
		{ V4(192, 88, 99, 0), 24, NETADDR_RELAY_6TO4 },
		{ V4(192, 168, 0, 0), 16, NETADDR_PRIVATE },
		{ V4(198, 18, 0, 0), 15, NETADDR_BENCHMARK },
		{ V4(198, 51, 100, 0), 24, NETADDR_DOCUMENTATION },
		{ V4(203, 0, 113, 0), 24, NETADDR_DOCUMENTATION },
		{ V4(224, 0, 0, 0), 4, NETADDR_MULTICAST },
		{ V4(240, 0, 0, 0), 4, NETADDR_RESERVED },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (in4(a, table[i].prefix, table[i].len))
			return table[i].c;
	return NETADDR_PUBLIC;
}

enum netaddr_class netaddr_classify_v4(const struct in_addr *a)
{
	return classify4(ntohl(a->s_addr));
}

static uint32_t be32_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The first len bits of a equal those of the 16-byte prefix p? */
static bool in6(const uint8_t *a, const uint8_t *p, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, p, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (p[full] & mask);
}

enum netaddr_class netaddr_classify_v6(const struct in6_addr *addr, bool *ret_embedded)
{
	const uint8_t *a = addr->s6_addr;
	static const uint8_t zero[16] = { 0 };
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 };
	static const uint8_t loopback[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const struct {
		uint8_t prefix[16];
		unsigned len;
		enum netaddr_class c;
	} table[] = {
		{ { 0xff }, 8, NETADDR_MULTICAST },
		{ { 0xfe, 0x80 }, 10, NETADDR_LINK_LOCAL },
		{ { 0xfe, 0xc0 }, 10, NETADDR_SITE_LOCAL },
		{ { 0xfc }, 7, NETADDR_ULA },
		{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, NETADDR_DOCUMENTATION },
		{ { 0x3f, 0xff }, 20, NETADDR_DOCUMENTATION },  /* RFC 9637 */
		{ { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 }, 48, NETADDR_BENCHMARK },
		{ { 0x20, 0x01, 0x00, 0x00 }, 32, NETADDR_TEREDO },
		{ { 0x20, 0x01, 0x00, 0x10 }, 28, NETADDR_RESERVED },   /* ORCHID */
		{ { 0x20, 0x01, 0x00, 0x20 }, 28, NETADDR_RESERVED },   /* ORCHIDv2 */
		{ { 0x20, 0x01 }, 23, NETADDR_IETF },                    /* IETF protocol assignments */
		{ { 0x01, 0x00, 0, 0, 0, 0, 0, 0 }, 64, NETADDR_RESERVED }, /* discard-only */
		{ { 0x5f, 0x00 }, 16, NETADDR_RESERVED },                /* SRv6 SIDs (RFC 9602) */
	};
	bool embedded = false;
	enum netaddr_class c = NETADDR_PUBLIC;

	if (memcmp(a, zero, 16) == 0)
		c = NETADDR_UNSPECIFIED;
	else if (memcmp(a, loopback, 16) == 0)
		c = NETADDR_LOOPBACK;
	else if (memcmp(a, mapped, 12) == 0 || memcmp(a, zero, 12) == 0 ||
		 memcmp(a, nat64, 12) == 0) {
		/* ::ffff:a.b.c.d, ::a.b.c.d (compatible), 64:ff9b::a.b.c.d */
		embedded = true;
		c = classify4(be32_at(a + 12));
	} else if (memcmp(a, nat64_local, 6) == 0)
		c = NETADDR_NAT64_LOCAL;
	else if (a[0] == 0x20 && a[1] == 0x02) {
		/* 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD */
		embedded = true;
		c = classify4(be32_at(a + 2));
	} else {
		/* Longest, most specific prefixes first in the table. */
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (in6(a, table[i].prefix, table[i].len)) {
				c = table[i].c;
				break;
			}
		/* Teredo's whole /32 is inside the IETF /23: the table order handles it. */
	}
	if (ret_embedded)
		*ret_embedded = embedded;
	return c;
}

enum netaddr_class netaddr_classify_sockaddr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return netaddr_classify_v4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return netaddr_classify_v6(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
					   NULL);
	return NETADDR_RESERVED;
}

/* Strict dotted quad: four parts 0..255, no leading zeros, nothing else. */
static int parse4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (digits > 0 && v == 0)
				return -EINVAL; /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return -EINVAL;
			digits++;
			i++;
		}
		if (digits == 0)
			return -EINVAL;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

int netaddr_parse(const char *s, size_t len, struct in6_addr *ret, bool *ret_scoped)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *pct;
	struct in6_addr a6;
	uint8_t a4[4];

	if (!s)
		return -EINVAL;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	if (parse4(s, len, a4) == 0) {
		memset(ret, 0, sizeof(*ret));
		memcpy(ret->s6_addr, a4, 4);
		if (ret_scoped)
			*ret_scoped = false;
		return AF_INET;
	}
	pct = memchr(s, '%', len);
	if (pct) {
		size_t zl = len - (size_t)(pct - s) - 1;
		if (zl == 0 || zl > 64)
			return -EINVAL;
		for (size_t i = 0; i < zl; i++) {
			unsigned char ch = (unsigned char)pct[1 + i];
			if (ch <= ' ' || ch >= 0x7f || ch == '%' || ch == '/')
				return -EINVAL;
		}
		len = (size_t)(pct - s);
	}
	if (len == 0 || len >= sizeof(buf) || !memchr(s, ':', len))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return -EINVAL;
	*ret = a6;
	if (ret_scoped)
		*ret_scoped = pct != NULL;
	return AF_INET6;
}
