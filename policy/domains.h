/* SPDX-License-Identifier: MIT */
/*
 * Domain policy of the network proxy (CODEX-MODEL.md §3.2-3.3, §3.7):
 * host and pattern normalisation, pattern matching, the decision order
 * (deny wins; local destinations need allow_local_binding or an exact
 * literal allow; then the allowlist), method limits, and the "covers"
 * test that keeps user patterns inside a managed allowlist.
 *
 * Patterns:
 *   example.com          exactly that host
 *   *.example.com        any subdomain (one or more labels), not the apex
 *   **.example.com       the apex and any subdomain
 *   *                    every host (allowlist only)
 *   region*.example.com  '*' inside a label matches within that label only
 *   10.0.0.1, [::1]      IP literals (exact)
 *   host:443             the pattern applies to that port only
 * Case, surrounding white space, one trailing dot, IPv6 brackets and a
 * "%25" zone escape are normalised; IPv6 literals are compared in their
 * canonical form; a zone is part of the address (fe80::1%lo differs from
 * fe80::1%eth0 and from fe80::1).
 *
 * Pure; process: any (main, proxy worker, client, tests).
 */
#ifndef CX_DOMAINS_H
#define CX_DOMAINS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cxlimits.h"
#include "common/macro.h"

enum net_protocol {
	NET_PROTO_HTTP,       /* plain HTTP forward proxy (absolute-form) */
	NET_PROTO_HTTPS,      /* CONNECT tunnel */
	NET_PROTO_SOCKS5_TCP,
	NET_PROTO_SOCKS5_UDP,
	NET_PROTO_DNS,        /* the in-sandbox DNS stub */
	_NET_PROTO_MAX,
};

#define NET_PROTO_ALL ((1u << _NET_PROTO_MAX) - 1)

/* "http", "https", "socks5_tcp", "socks5_udp", "dns"; "unknown" out of range. */
const char *net_protocol_to_string(enum net_protocol p);
/* Exact names above -> 0; -EINVAL otherwise. */
int net_protocol_from_string(const char *s, enum net_protocol *ret);

enum domain_pattern_kind {
	DOMAIN_EXACT,      /* "example.com", "a*.example.com", literals */
	DOMAIN_SUBDOMAINS, /* "*.example.com" */
	DOMAIN_APEX_AND_SUBDOMAINS, /* "**.example.com" */
	DOMAIN_ANY,        /* "*" */
	_DOMAIN_PATTERN_KIND_MAX,
};

struct domain_pattern {
	enum domain_pattern_kind kind;
	/* Normalised host, or the base after "*." / "**." (empty for ANY). */
	char host[CX_MAX_DOMAIN + 1];
	bool literal;   /* an IP literal or "localhost": no wildcard anywhere */
	bool wildcard;  /* '*' inside a label of host */
	uint16_t port;  /* 0: any port */
	unsigned protocols; /* NET_PROTO_* bits; NET_PROTO_ALL unless restricted */
};

/* A normalised destination host (see domain_host_normalize()). */
struct domain_host {
	char name[CX_MAX_DOMAIN + 1]; /* lower case, no trailing dot, canonical IP text */
	bool is_ip;
	int family;            /* AF_INET / AF_INET6 when is_ip */
	struct in6_addr addr;  /* when is_ip (IPv4 in the first 4 bytes) */
	bool scoped;           /* IPv6 with a %zone */
	uint16_t port;         /* from "host:port", 0 if none */
};

/*
 * Normalise a destination host as a client wrote it ("Example.COM.",
 * "[::1]:443", "10.0.0.1:80", "fe80::1%25lo").  A port in the text
 * goes to ret->port.  Returns 0 or -EINVAL (empty, too long, characters
 * that cannot be in a host name, a bad port, a malformed literal).
 */
int domain_host_normalize(const char *s, size_t len, struct domain_host *ret);

/*
 * Parse one pattern.  for_deny rejects "*" (and "**", "*.*" ...) and
 * anything else that would deny every host.  Returns 0, -EINVAL with a
 * static message in *ret_msg.
 */
int domain_pattern_parse(const char *s, bool for_deny, struct domain_pattern *ret,
			 const char **ret_msg);

/* Render a parsed pattern back ("**.example.com:443"); buf at least 300 bytes. */
const char *domain_pattern_format(const struct domain_pattern *p, char *buf, size_t n);

/* Does the pattern match the normalised host on port (0: unknown) for protocol? */
bool domain_pattern_match(const struct domain_pattern *p, const struct domain_host *h,
			  uint16_t port, enum net_protocol proto);

/* Is every destination `narrow` matches also matched by `wide`?  (Conservative.) */
bool domain_pattern_covers(const struct domain_pattern *wide, const struct domain_pattern *narrow);

/* "localhost", "*.localhost" (RFC 6761), with or without the trailing dot. */
bool domain_host_is_localhost(const struct domain_host *h);

enum domain_verdict {
	DOMAIN_ALLOWED,
	DOMAIN_DENIED,      /* a denylist pattern matched: nothing overrides it */
	DOMAIN_NOT_ALLOWED, /* no allowlist pattern matched: an approval may allow it */
	DOMAIN_LOCAL,       /* a local or private destination: not approvable */
	DOMAIN_METHOD,      /* limited mode: method or protocol refused */
	DOMAIN_INVALID,     /* the host cannot be parsed */
	_DOMAIN_VERDICT_MAX,
};

/* Machine reasons: "allowed", "denied", "not_allowed", "not_allowed_local",
 * "method_not_allowed", "invalid_host". */
const char *domain_verdict_to_string(enum domain_verdict v);
/* HTTP x-codexd-error values: "blocked-by-denylist", "blocked-by-allowlist",
 * "blocked-by-local", "blocked-by-method", "blocked-by-policy"; NULL for ALLOWED. */
const char *domain_verdict_http_error(enum domain_verdict v);

struct domain_policy {
	struct domain_pattern *allow;
	size_t n_allow;
	struct domain_pattern *deny;
	size_t n_deny;
	bool allow_local;  /* allow_local_binding: local/private destinations allowed */
	bool limited;      /* GET, HEAD, OPTIONS only; CONNECT and SOCKS refused */
};

struct domain_check {
	enum domain_verdict verdict;
	/* ALLOWED: every resolved address must be public (a name, not local-allowed). */
	bool check_addresses;
	int matched_allow; /* index into allow, or -1 */
	int matched_deny;  /* index into deny, or -1 */
};

/*
 * Decide for a normalised host and port, before any name resolution
 * (CODEX-MODEL.md §3.3): denylist, then local destinations, then the
 * allowlist.  Limited mode refuses every protocol but plain HTTP (the
 * method is checked with domain_method_allowed()).
 */
void domain_policy_check(const struct domain_policy *p, const struct domain_host *h,
			 uint16_t port, enum net_protocol proto, struct domain_check *ret);

/*
 * After resolving an ALLOWED name with check_addresses: every address must
 * be public, or the verdict becomes DOMAIN_LOCAL.  Returns the verdict.
 */
enum domain_verdict domain_check_address(struct domain_check *c, const struct sockaddr *sa);

/* Limited mode: GET, HEAD and OPTIONS only (exact, upper case). */
bool domain_method_allowed(const struct domain_policy *p, const char *method);

/* Free the pattern arrays (not p itself); accepts NULL. */
void domain_policy_done(struct domain_policy *p);

/*
 * Add a pattern (copied) to the allow or deny list; -ENOMEM, -E2BIG
 * past CX_MAX_DOMAINS entries.
 */
int domain_policy_add(struct domain_policy *p, bool deny, const struct domain_pattern *pat);

#endif
