/* SPDX-License-Identifier: MIT */
/*
 * One sandbox's domain policy, compiled from every source in the order of
 * their authority (CODEX-MODEL.md §3.7):
 *
 *   managed [network] allowed_domains / denied_domains / mode /
 *   allow_local_binding, and network_rule()s of the managed rules;
 *   the user's and trusted project's config.toml [network] (same keys);
 *   the user's network_rule()s; the session's network_domains
 *   (session/create); the request's allow_domains/deny_domains.
 *
 * Users can narrow but never widen: every deny list adds; an allowed
 * pattern from a user source must be covered by a managed allowed pattern
 * when the administrator set an allowlist, and is ignored (with a
 * warning) when [network] user_domains = false; limited mode and a false
 * allow_local_binding cannot be undone by a user.
 *
 * Process: main.
 */
#ifndef CX_NET_POLICY_H
#define CX_NET_POLICY_H

#include <stdbool.h>

#include "policy/domains.h"

struct daemon_config;
struct rules_set;
struct conf_doc;

struct net_policy_input {
	const struct daemon_config *cfg;
	const struct rules_set *managed_rules; /* may be NULL */
	const struct rules_set *user_rules;    /* may be NULL */
	const struct conf_doc *user;           /* ~/.codex/config.toml, or NULL */
	const struct conf_doc *project;        /* trusted project's, or NULL */
	char *const *allow;                    /* the request's */
	char *const *deny;
	char *const *session_allow;            /* session/create network_domains, or NULL */
};

/*
 * Build.  Returns 0 with *ret (release with domain_policy_done()) and
 * human-readable warnings appended to *warnings (strv, may stay NULL);
 * -EINVAL with err for an invalid pattern in the request ("params...")
 * or a user file ("file:line: ..."); -ENOMEM.
 */
int net_policy_build(const struct net_policy_input *in, struct domain_policy *ret,
		     char ***warnings, char *err, size_t errsz);

#endif
