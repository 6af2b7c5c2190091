/* SPDX-License-Identifier: MIT */
/*
 * A compiled domain policy as JSON, the form the daemon sends it to the
 * proxy worker in (and net/check shows):
 *   {"allow": ["**.example.com", {"pattern": "h", "protocols": ["https"]}],
 *    "deny": [...], "allow_local": false, "limited": false}
 * The worker parses it again with domain_pattern_parse(), strictly: it
 * trusts the daemon but not blindly.
 *
 * Pure; process: main, proxy worker.
 */
#ifndef CX_DOMAINS_JSON_H
#define CX_DOMAINS_JSON_H

#include <jansson.h>

#include "policy/domains.h"

/* NULL on allocation failure. */
json_t *domain_policy_to_json(const struct domain_policy *p);

/* Returns 0 with *ret filled (release with domain_policy_done()), -EINVAL, -ENOMEM. */
int domain_policy_from_json(json_t *j, struct domain_policy *ret);

#endif
