/* SPDX-License-Identifier: MIT */
/*
 * Address classes for the network proxy (CODEX-MODEL.md §3.4 and the gaps
 * it lists): which IPv4/IPv6 destinations are local, private or otherwise
 * not on the public Internet.  Addresses that carry an IPv4 address inside
 * an IPv6 one (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, 6to4 2002::/16) are classified by the IPv4 address they
 * carry, so a private IPv4 address cannot hide behind an IPv6 spelling.
 *
 * Pure; process: any (main, proxy worker, tests).
 */
#ifndef CX_NETADDR_H
#define CX_NETADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum netaddr_class {
	NETADDR_PUBLIC,
	NETADDR_LOOPBACK,      /* 127/8, ::1 */
	NETADDR_PRIVATE,       /* RFC 1918 */
	NETADDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
	NETADDR_UNSPECIFIED,   /* 0.0.0.0, :: */
	NETADDR_THIS_NETWORK,  /* 0/8 */
	NETADDR_MULTICAST,     /* 224/4, ff00::/8 */
	NETADDR_BROADCAST,     /* 255.255.255.255 */
	NETADDR_CGNAT,         /* 100.64/10 */
	NETADDR_IETF,          /* 192.0.0/24 */
	NETADDR_DOCUMENTATION, /* TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20 */
	NETADDR_BENCHMARK,     /* 198.18/15, 2001:2::/48 */
	NETADDR_RESERVED,      /* 240/4, 100::/64 discard, other IETF special blocks */
	NETADDR_RELAY_6TO4,    /* 192.88.99/24 (deprecated 6to4 relay anycast) */
	NETADDR_ULA,           /* fc00::/7 */
	NETADDR_SITE_LOCAL,    /* fec0::/10 (deprecated) */
	NETADDR_TEREDO,        /* 2001::/32: tunnels to an address that is not checked */
	NETADDR_NAT64_LOCAL,   /* 64:ff9b:1::/48 (local-use NAT64, RFC 8215) */
	_NETADDR_CLASS_MAX,
};

/* "public", "loopback", "private" ... ("invalid" out of range). */
const char *netaddr_class_to_string(enum netaddr_class c);

/* Class of an IPv4 address (network byte order as in struct in_addr). */
enum netaddr_class netaddr_classify_v4(const struct in_addr *a);

/*
 * Class of an IPv6 address.  Embedded IPv4 forms answer the class of the
 * IPv4 address (a NAT64 or 6to4 address of a public IPv4 address is
 * public); *ret_embedded (may be NULL) is set to true when that happened.
 */
enum netaddr_class netaddr_classify_v6(const struct in6_addr *a, bool *ret_embedded);

/* Class of an IPv4 or IPv6 socket address; RESERVED for any other family. */
enum netaddr_class netaddr_classify_sockaddr(const struct sockaddr *sa);

static inline bool netaddr_is_public(enum netaddr_class c)
{
	return c == NETADDR_PUBLIC;
}

/*
 * Parse an IP literal: dotted-quad IPv4 (exactly four decimal parts, no
 * leading zeros: "010.0.0.1" and "127.1" are not literals) or IPv6,
 * optionally in brackets, optionally with a %zone (kept out of the
 * address; its presence sets *ret_scoped).  Returns AF_INET or AF_INET6
 * with the address in *ret (a struct in6_addr holds either: an IPv4
 * address sits in the first 4 bytes), or -EINVAL.
 */
int netaddr_parse(const char *s, size_t len, struct in6_addr *ret, bool *ret_scoped);

#endif
