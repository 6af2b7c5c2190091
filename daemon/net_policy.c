/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/net_policy.h"
#include "policy/rules.h"

static enum net_protocol proto_of_rule(enum rules_net_protocol p)
{
	switch (p) {
	case RULES_NET_HTTP:
		return NET_PROTO_HTTP;
	case RULES_NET_HTTPS:
		return NET_PROTO_HTTPS;
	case RULES_NET_SOCKS5_TCP:
		return NET_PROTO_SOCKS5_TCP;
	case RULES_NET_SOCKS5_UDP:
	default:
		return NET_PROTO_SOCKS5_UDP;
	}
}

_printf_(2, 3) static int warn(char ***warnings, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strv_extend(warnings, buf);
}

/* An allowed pattern from a user source: inside the managed allowlist, if there is one. */
static int add_user_allow(const struct net_policy_input *in, struct domain_policy *p,
			  const struct domain_pattern *pat, const char *origin, char ***warnings)
{
	const struct daemon_config *cfg = in->cfg;
	char text[320];
	bool covered = false;

	domain_pattern_format(pat, text, sizeof(text));
	if (!cfg->net_user_domains)
		return warn(warnings,
			    "allowed domain %s (%s) ignored: [network] user_domains = false", text,
			    origin);
	if (!cfg->net_allowed_domains || !cfg->net_allowed_domains[0])
		return domain_policy_add(p, false, pat);
	for (char **m = cfg->net_allowed_domains; *m && !covered; m++) {
		struct domain_pattern mp;
		const char *msg;
		if (domain_pattern_parse(*m, true, &mp, &msg) == 0 && domain_pattern_covers(&mp, pat))
			covered = true;
	}
	if (!covered)
		return warn(warnings,
			    "allowed domain %s (%s) ignored: outside the managed [network] "
			    "allowed_domains",
			    text, origin);
	return domain_policy_add(p, false, pat);
}

static int add_list(const struct net_policy_input *in, struct domain_policy *p, char *const *v,
		    bool deny, bool managed, const char *origin, char ***warnings, char *err,
		    size_t errsz)
{
	size_t n = 0;

	for (char *const *s = v; s && *s; s++, n++) {
		struct domain_pattern pat;
		const char *msg;
		int r;

		if (n >= CX_MAX_DOMAINS) {
			snprintf(err, errsz, "%s: more than %d domain patterns", origin,
				 CX_MAX_DOMAINS);
			return -EINVAL;
		}
		if (domain_pattern_parse(*s, deny, &pat, &msg) < 0) {
			snprintf(err, errsz, "%s: %s: %s", origin, log_q(*s), msg);
			return -EINVAL;
		}
		if (deny || managed)
			r = domain_policy_add(p, deny, &pat);
		else
			r = add_user_allow(in, p, &pat, origin, warnings);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_rules(const struct net_policy_input *in, struct domain_policy *p,
		     const struct rules_set *set, bool managed, char ***warnings)
{
	const struct rules_network_rule *nr;

	for (size_t i = 0; set && (nr = rules_set_network_rule(set, i)); i++) {
		struct domain_pattern pat;
		const char *msg;
		int r = 0;

		if (nr->decision == RULES_DECISION_PROMPT)
			continue; /* a miss asks anyway */
		if (domain_pattern_parse(nr->host, nr->decision != RULES_DECISION_ALLOW, &pat,
					 &msg) < 0) {
			r = warn(warnings, "network_rule host %s (%s) ignored", nr->host,
				 nr->file ? nr->file : "rules");
			if (r < 0)
				return r;
			continue;
		}
		pat.protocols = 1u << proto_of_rule(nr->protocol);
		if (nr->decision == RULES_DECISION_FORBIDDEN)
			r = domain_policy_add(p, true, &pat);
		else if (managed)
			r = domain_policy_add(p, false, &pat);
		else
			r = add_user_allow(in, p, &pat, "network_rule", warnings);
		if (r < 0)
			return r;
	}
	return 0;
}

/* [network] of a user or project config.toml. */
static int add_layer(const struct net_policy_input *in, struct domain_policy *p,
		     const struct conf_doc *doc, char ***warnings, char *err, size_t errsz)
{
	static const char *const lists[2] = { "allowed_domains", "denied_domains" };
	const struct conf_entry *e;
	const char *s;
	bool b;
	int r;

	if (!doc)
		return 0;
	for (int deny = 0; deny < 2; deny++) {
		_cleanup_strv_free_ char **v = NULL;
		char origin[300];

		e = conf_doc_get(doc, "network", lists[deny]);
		if (!e)
			continue;
		r = conf_entry_get_strv(e, &v, err, errsz);
		if (r < 0)
			return r;
		snprintf(origin, sizeof(origin), "%s:%u: [network] %s", e->file, e->line,
			 lists[deny]);
		r = add_list(in, p, v, deny, false, origin, warnings, err, errsz);
		if (r < 0)
			return r;
	}
	e = conf_doc_get(doc, "network", "mode");
	if (e) {
		r = conf_entry_get_string(e, &s, err, errsz);
		if (r < 0)
			return r;
		if (strcmp(s, "limited") == 0)
			p->limited = true;
		else if (strcmp(s, "full") != 0) {
			snprintf(err, errsz, "%s:%u: [network] mode must be \"full\" or \"limited\"",
				 e->file, e->line);
			return -EINVAL;
		} else if (p->limited) {
			r = warn(warnings, "%s:%u: [network] mode = \"full\" ignored: the managed mode "
					   "is limited",
				 e->file, e->line);
			if (r < 0)
				return r;
		}
	}
	e = conf_doc_get(doc, "network", "allow_local_binding");
	if (e) {
		r = conf_entry_get_bool(e, &b, err, errsz);
		if (r < 0)
			return r;
		if (!b)
			p->allow_local = false;
		else if (!in->cfg->net_allow_local_binding) {
			r = warn(warnings, "%s:%u: [network] allow_local_binding = true ignored: not "
					   "allowed by the managed configuration",
				 e->file, e->line);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int net_policy_build(const struct net_policy_input *in, struct domain_policy *ret,
		     char ***warnings, char *err, size_t errsz)
{
	const struct daemon_config *cfg = in->cfg;
	struct domain_policy p = { .limited = cfg->net_limited,
				   .allow_local = cfg->net_allow_local_binding };
	int r;

	r = add_list(in, &p, cfg->net_allowed_domains, false, true,
		     "[network] allowed_domains", warnings, err, errsz);
	if (r == 0)
		r = add_list(in, &p, cfg->net_denied_domains, true, true, "[network] denied_domains",
			     warnings, err, errsz);
	if (r == 0)
		r = add_rules(in, &p, in->managed_rules, true, warnings);
	if (r == 0)
		r = add_layer(in, &p, in->user, warnings, err, errsz);
	if (r == 0)
		r = add_layer(in, &p, in->project, warnings, err, errsz);
	if (r == 0)
		r = add_rules(in, &p, in->user_rules, false, warnings);
	if (r == 0)
		r = add_list(in, &p, in->session_allow, false, false, "session network_domains",
			     warnings, err, errsz);
	if (r == 0)
		r = add_list(in, &p, in->allow, false, false, "params.network.allow_domains",
			     warnings, err, errsz);
	if (r == 0)
		r = add_list(in, &p, in->deny, true, false, "params.network.deny_domains", warnings,
			     err, errsz);
	if (r < 0) {
		domain_policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}
