/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/domains.h"
#include "policy/netaddr.h"

static const char *const proto_names[_NET_PROTO_MAX] = {
	[NET_PROTO_HTTP] = "http",
	[NET_PROTO_HTTPS] = "https",
	[NET_PROTO_SOCKS5_TCP] = "socks5_tcp",
	[NET_PROTO_SOCKS5_UDP] = "socks5_udp",
	[NET_PROTO_DNS] = "dns",
};

const char *net_protocol_to_string(enum net_protocol p)
{
	return (unsigned)p < _NET_PROTO_MAX ? proto_names[p] : "unknown";
}

int net_protocol_from_string(const char *s, enum net_protocol *ret)
{
	for (int i = 0; s && i < _NET_PROTO_MAX; i++)
		if (strcmp(s, proto_names[i]) == 0) {
			*ret = (enum net_protocol)i;
			return 0;
		}
	return -EINVAL;
}

static const char *const verdict_names[_DOMAIN_VERDICT_MAX] = {
	[DOMAIN_ALLOWED] = "allowed",
	[DOMAIN_DENIED] = "denied",
	[DOMAIN_NOT_ALLOWED] = "not_allowed",
	[DOMAIN_LOCAL] = "not_allowed_local",
	[DOMAIN_METHOD] = "method_not_allowed",
	[DOMAIN_INVALID] = "invalid_host",
};

const char *domain_verdict_to_string(enum domain_verdict v)
{
	return (unsigned)v < _DOMAIN_VERDICT_MAX ? verdict_names[v] : "unknown";
}

const char *domain_verdict_http_error(enum domain_verdict v)
{
	switch (v) {
	case DOMAIN_ALLOWED:
		return NULL;
	case DOMAIN_DENIED:
		return "blocked-by-denylist";
	case DOMAIN_NOT_ALLOWED:
		return "blocked-by-allowlist";
	case DOMAIN_LOCAL:
		return "blocked-by-local";
	case DOMAIN_METHOD:
		return "blocked-by-method";
	default:
		return "blocked-by-policy";
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* "1".."65535", no sign, no leading zero. */
static int parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 5 || (s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/*
 * Split "host", "host:port", "[v6]", "[v6]:port", "v6" (two or more
 * colons, no port) after trimming; host without brackets in h, hl.
 */
static int split_host_port(const char *s, size_t len, const char **h, size_t *hl, uint16_t *port,
			   bool *bracketed)
{
	const char *colon;

	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	*port = 0;
	*bracketed = false;
	if (len == 0)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t rest;

		if (!close)
			return -EINVAL;
		*h = s + 1;
		*hl = (size_t)(close - s) - 1;
		*bracketed = true;
		rest = len - (size_t)(close - s) - 1;
		if (rest == 0)
			return 0;
		if (close[1] != ':')
			return -EINVAL;
		return parse_port(close + 2, rest - 1, port);
	}
	colon = memchr(s, ':', len);
	if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
		*h = s;
		*hl = (size_t)(colon - s);
		return parse_port(colon + 1, len - *hl - 1, port);
	}
	*h = s;
	*hl = len;
	return 0;
}

/* Undo "%25" in a zone: "fe80::1%25lo" -> "fe80::1%lo". */
static size_t unescape_zone(const char *in, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < outsz; i++) {
		if (in[i] == '%' && i + 2 < len && in[i + 1] == '2' && in[i + 2] == '5') {
			out[o++] = '%';
			i += 2;
		} else
			out[o++] = in[i];
	}
	out[o] = '\0';
	return o;
}

/* Host name syntax: labels of [a-z0-9_-] (and '*' in patterns), 1..63 bytes each. */
static int check_name(const char *s, bool allow_star)
{
	size_t label = 0, total = strlen(s);

	if (total == 0 || total > CX_MAX_DOMAIN)
		return -EINVAL;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63)
				return -EINVAL;
			label = 0;
			if (*p == '\0')
				return 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || (allow_star && *p == '*')))
			return -EINVAL;
		label++;
	}
}

/*
 * Normalise into out: lower case, no trailing dot, IP literals canonical.
 * Sets *is_ip, *family, *addr, *scoped for literals.
 */
static int normalize_name(const char *h, size_t hl, bool bracketed, bool allow_star, char *out,
			  size_t outsz, bool *is_ip, int *family, struct in6_addr *addr,
			  bool *scoped)
{
	char tmp[CX_MAX_DOMAIN + 2];
	size_t n;
	int fam;

	if (hl == 0 || hl > CX_MAX_DOMAIN + 1)
		return -EINVAL;
	n = unescape_zone(h, hl, tmp, sizeof(tmp));
	/* One trailing dot of a name (an IPv6 literal's zone keeps its dots). */
	if (n > 0 && tmp[n - 1] == '.' && !bracketed && !memchr(tmp, ':', n))
		tmp[--n] = '\0';
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		tmp[i] = lower(tmp[i]);
	*is_ip = false;
	fam = netaddr_parse(tmp, n, addr, scoped);
	if (fam == AF_INET || fam == AF_INET6) {
		char text[INET6_ADDRSTRLEN];
		const char *zone = strchr(tmp, '%');

		if (!inet_ntop(fam, fam == AF_INET ? (const void *)addr->s6_addr : (const void *)addr,
			       text, sizeof(text)))
			return -EINVAL;
		if ((size_t)snprintf(out, outsz, "%s%s", text, zone ? zone : "") >= outsz)
			return -EINVAL;
		*is_ip = true;
		*family = fam;
		return 0;
	}
	if (bracketed)
		return -EINVAL; /* brackets hold IPv6 literals only */
	if (check_name(tmp, allow_star) < 0)
		return -EINVAL;
	if (n + 1 > outsz)
		return -EINVAL;
	memcpy(out, tmp, n + 1);
	return 0;
}

int domain_host_normalize(const char *s, size_t len, struct domain_host *ret)
{
	struct domain_host h = { 0 };
	const char *name;
	size_t nl;
	bool bracketed;

	if (!s || split_host_port(s, len, &name, &nl, &h.port, &bracketed) < 0)
		return -EINVAL;
	if (normalize_name(name, nl, bracketed, false, h.name, sizeof(h.name), &h.is_ip,
			   &h.family, &h.addr, &h.scoped) < 0)
		return -EINVAL;
	*ret = h;
	return 0;
}

bool domain_host_is_localhost(const struct domain_host *h)
{
	size_t n;

	if (h->is_ip)
		return false;
	if (strcmp(h->name, "localhost") == 0)
		return true;
	n = strlen(h->name);
	return n > 10 && strcmp(h->name + n - 10, ".localhost") == 0;
}

int domain_pattern_parse(const char *s, bool for_deny, struct domain_pattern *ret,
			 const char **ret_msg)
{
	struct domain_pattern p = { .protocols = NET_PROTO_ALL };
	const char *name;
	size_t nl;
	bool bracketed, is_ip = false, scoped;
	int family;
	struct in6_addr addr;

	*ret_msg = NULL;
	if (!s || split_host_port(s, strlen(s), &name, &nl, &p.port, &bracketed) < 0) {
		*ret_msg = "not a host pattern (host, *.domain, **.domain, or host:port)";
		return -EINVAL;
	}
	if (!bracketed && nl == 1 && name[0] == '*') {
		if (for_deny) {
			*ret_msg = "\"*\" cannot be used in a deny list";
			return -EINVAL;
		}
		p.kind = DOMAIN_ANY;
		*ret = p;
		return 0;
	}
	if (!bracketed && nl > 3 && memcmp(name, "**.", 3) == 0) {
		p.kind = DOMAIN_APEX_AND_SUBDOMAINS;
		name += 3;
		nl -= 3;
	} else if (!bracketed && nl > 2 && memcmp(name, "*.", 2) == 0) {
		p.kind = DOMAIN_SUBDOMAINS;
		name += 2;
		nl -= 2;
	}
	if (normalize_name(name, nl, bracketed, true, p.host, sizeof(p.host), &is_ip, &family,
			   &addr, &scoped) < 0) {
		*ret_msg = "not a valid host name, domain pattern or IP literal";
		return -EINVAL;
	}
	p.wildcard = strchr(p.host, '*') != NULL;
	if (is_ip && p.kind != DOMAIN_EXACT) {
		*ret_msg = "IP literals cannot have a wildcard";
		return -EINVAL;
	}
	if (p.wildcard) {
		/* Something literal must remain: "*.*", "a.*" deny (or allow) too much. */
		bool literal_label = false;
		const char *last = strrchr(p.host, '.'), *second = NULL;

		for (const char *q = p.host; *q; q++) {
			if (*q != '*' && *q != '.')
				literal_label = true;
			if (*q == '.' && q != last)
				second = q;
		}
		/* The last two labels (the registrable domain) stay literal. */
		if (!literal_label || !last || strchr(second ? second : p.host, '*')) {
			*ret_msg = "a wildcard cannot stand for the registrable domain or top-level "
				   "domain";
			return -EINVAL;
		}
		if (strstr(p.host, "**")) {
			*ret_msg = "\"**\" is only allowed as the first label (\"**.example.com\")";
			return -EINVAL;
		}
	}
	p.literal = is_ip || (!p.wildcard && p.kind == DOMAIN_EXACT &&
			      (strcmp(p.host, "localhost") == 0));
	*ret = p;
	return 0;
}

const char *domain_pattern_format(const struct domain_pattern *p, char *buf, size_t n)
{
	const char *prefix = p->kind == DOMAIN_SUBDOMAINS	      ? "*."
			     : p->kind == DOMAIN_APEX_AND_SUBDOMAINS ? "**."
			     : p->kind == DOMAIN_ANY		      ? "*"
								      : "";
	bool v6 = strchr(p->host, ':') != NULL;

	if (p->port)
		snprintf(buf, n, "%s%s%s%s:%u", prefix, v6 ? "[" : "", p->host, v6 ? "]" : "",
			 (unsigned)p->port);
	else
		snprintf(buf, n, "%s%s", prefix, p->host);
	return buf;
}

/* One label against one pattern label; '*' matches any run of characters but '.'. */
static bool label_match(const char *pat, size_t pl, const char *s, size_t sl)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sl) {
		if (pi < pl && pat[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < pl && pat[pi] == s[si]) {
			pi++;
			si++;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else
			return false;
	}
	while (pi < pl && pat[pi] == '*')
		pi++;
	return pi == pl;
}

/* Label-wise match of a whole name (same number of labels). */
static bool name_match(const char *pat, const char *s)
{
	for (;;) {
		size_t pl = strcspn(pat, "."), sl = strcspn(s, ".");

		if (!label_match(pat, pl, s, sl))
			return false;
		pat += pl;
		s += sl;
		if (*pat == '\0' || *s == '\0')
			return *pat == '\0' && *s == '\0';
		pat++;
		s++;
	}
}

static size_t count_labels(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* The last `labels` labels of s. */
static const char *tail_labels(const char *s, size_t labels)
{
	size_t total = count_labels(s);
	const char *p = s;

	for (size_t skip = total - labels; skip > 0; p++)
		if (*p == '.')
			skip--;
	return p;
}

static bool host_match(const struct domain_pattern *p, const struct domain_host *h)
{
	size_t pl, hl;

	switch (p->kind) {
	case DOMAIN_ANY:
		return true;
	case DOMAIN_EXACT:
		if (h->is_ip || p->literal)
			return strcmp(p->host, h->name) == 0;
		return p->wildcard ? name_match(p->host, h->name) : strcmp(p->host, h->name) == 0;
	case DOMAIN_SUBDOMAINS:
	case DOMAIN_APEX_AND_SUBDOMAINS:
		if (h->is_ip)
			return false;
		pl = count_labels(p->host);
		hl = count_labels(h->name);
		if (hl < pl || (hl == pl && p->kind == DOMAIN_SUBDOMAINS))
			return false;
		return p->wildcard ? name_match(p->host, tail_labels(h->name, pl))
				   : strcmp(p->host, tail_labels(h->name, pl)) == 0;
	default:
		return false;
	}
}

bool domain_pattern_match(const struct domain_pattern *p, const struct domain_host *h,
			  uint16_t port, enum net_protocol proto)
{
	if ((unsigned)proto >= _NET_PROTO_MAX || !(p->protocols & (1u << proto)))
		return false;
	if (p->port && p->port != port)
		return false;
	return host_match(p, h);
}

static bool ends_with_label(const char *s, const char *base, bool strictly)
{
	size_t sl = strlen(s), bl = strlen(base);

	if (sl == bl)
		return !strictly && strcmp(s, base) == 0;
	return sl > bl && s[sl - bl - 1] == '.' && strcmp(s + sl - bl, base) == 0;
}

bool domain_pattern_covers(const struct domain_pattern *w, const struct domain_pattern *n)
{
	if (w->port && w->port != n->port)
		return false;
	if ((n->protocols & ~w->protocols) != 0)
		return false;
	if (w->kind == DOMAIN_ANY)
		return true;
	if (n->kind == DOMAIN_ANY)
		return false;
	if (w->wildcard)
		return w->kind == n->kind && strcmp(w->host, n->host) == 0 && n->wildcard;
	switch (w->kind) {
	case DOMAIN_EXACT:
		return n->kind == DOMAIN_EXACT && !n->wildcard && strcmp(w->host, n->host) == 0;
	case DOMAIN_SUBDOMAINS:
		if (n->kind == DOMAIN_EXACT)
			return !n->literal && ends_with_label(n->host, w->host, true);
		if (n->kind == DOMAIN_SUBDOMAINS)
			return ends_with_label(n->host, w->host, false);
		return ends_with_label(n->host, w->host, true); /* **.sub.base */
	case DOMAIN_APEX_AND_SUBDOMAINS:
		if (n->kind == DOMAIN_EXACT && n->literal)
			return false;
		return ends_with_label(n->host, w->host, false);
	default:
		return false;
	}
}

void domain_policy_check(const struct domain_policy *p, const struct domain_host *h,
			 uint16_t port, enum net_protocol proto, struct domain_check *ret)
{
	bool local;

	*ret = (struct domain_check){ .verdict = DOMAIN_NOT_ALLOWED,
				      .matched_allow = -1,
				      .matched_deny = -1 };
	if (h->name[0] == '\0') {
		ret->verdict = DOMAIN_INVALID;
		return;
	}
	/* 1. Deny wins. */
	for (size_t i = 0; i < p->n_deny; i++)
		if (domain_pattern_match(&p->deny[i], h, port, proto)) {
			ret->verdict = DOMAIN_DENIED;
			ret->matched_deny = (int)i;
			return;
		}
	/* 2. Limited mode: plain HTTP only (methods are checked per request). */
	if (p->limited && proto != NET_PROTO_HTTP && proto != NET_PROTO_DNS) {
		ret->verdict = DOMAIN_METHOD;
		return;
	}
	/* 3. Local destinations: only an exact literal allow (or allow_local). */
	local = domain_host_is_localhost(h) ||
		(h->is_ip && (h->scoped || !netaddr_is_public(h->family == AF_INET
									 ? netaddr_classify_v4(
										   (const struct in_addr *)(const void *)h->addr.s6_addr)
									 : netaddr_classify_v6(&h->addr, NULL))));
	if (local && !p->allow_local) {
		for (size_t i = 0; i < p->n_allow; i++) {
			const struct domain_pattern *a = &p->allow[i];
			if (a->kind == DOMAIN_EXACT && !a->wildcard &&
			    domain_pattern_match(a, h, port, proto)) {
				ret->verdict = DOMAIN_ALLOWED;
				ret->matched_allow = (int)i;
				return;
			}
		}
		ret->verdict = DOMAIN_LOCAL;
		return;
	}
	/* 4. The allowlist. */
	for (size_t i = 0; i < p->n_allow; i++)
		if (domain_pattern_match(&p->allow[i], h, port, proto)) {
			ret->verdict = DOMAIN_ALLOWED;
			ret->matched_allow = (int)i;
			ret->check_addresses = !p->allow_local && !h->is_ip;
			return;
		}
}

enum domain_verdict domain_check_address(struct domain_check *c, const struct sockaddr *sa)
{
	if (c->verdict == DOMAIN_ALLOWED && c->check_addresses &&
	    !netaddr_is_public(netaddr_classify_sockaddr(sa)))
		c->verdict = DOMAIN_LOCAL;
	return c->verdict;
}

bool domain_method_allowed(const struct domain_policy *p, const char *method)
{
	if (!p->limited)
		return true;
	return method && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
			  strcmp(method, "OPTIONS") == 0);
}

void domain_policy_done(struct domain_policy *p)
{
	if (!p)
		return;
	free(p->allow);
	free(p->deny);
	p->allow = p->deny = NULL;
	p->n_allow = p->n_deny = 0;
}

int domain_policy_add(struct domain_policy *p, bool deny, const struct domain_pattern *pat)
{
	struct domain_pattern **arr = deny ? &p->deny : &p->allow;
	size_t *n = deny ? &p->n_deny : &p->n_allow;
	struct domain_pattern *tmp;

	for (size_t i = 0; i < *n; i++)
		if (memcmp(&(*arr)[i], pat, sizeof(*pat)) == 0)
			return 0;
	if (*n >= CX_MAX_DOMAINS * 4)
		return -E2BIG;
	tmp = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	tmp[(*n)++] = *pat;
	return 0;
}
