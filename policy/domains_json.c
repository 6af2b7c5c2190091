/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "policy/domains_json.h"

static json_t *pattern_json(const struct domain_pattern *p)
{
	char buf[320];
	json_t *protos;

	domain_pattern_format(p, buf, sizeof(buf));
	if (p->protocols == NET_PROTO_ALL)
		return json_string(buf);
	protos = json_array();
	for (int i = 0; protos && i < _NET_PROTO_MAX; i++)
		if (p->protocols & (1u << i))
			json_array_append_new(protos,
					      json_string(net_protocol_to_string((enum net_protocol)i)));
	return json_pack("{s:s, s:o}", "pattern", buf, "protocols", protos);
}

json_t *domain_policy_to_json(const struct domain_policy *p)
{
	json_t *allow = json_array(), *deny = json_array();

	for (size_t i = 0; allow && i < p->n_allow; i++)
		json_array_append_new(allow, pattern_json(&p->allow[i]));
	for (size_t i = 0; deny && i < p->n_deny; i++)
		json_array_append_new(deny, pattern_json(&p->deny[i]));
	return json_pack("{s:o, s:o, s:b, s:b}", "allow", allow, "deny", deny, "allow_local",
			 p->allow_local, "limited", p->limited);
}

static int parse_list(json_t *a, bool deny, struct domain_policy *p)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > CX_MAX_DOMAINS * 4)
		return -EINVAL;
	json_array_foreach(a, i, v) {
		struct domain_pattern pat;
		const char *msg, *s;
		json_t *protos = NULL;
		int r;

		if (json_is_string(v))
			s = json_string_value(v);
		else if (json_is_object(v) && json_object_size(v) == 2 &&
			 json_is_string(json_object_get(v, "pattern")) &&
			 json_is_array(protos = json_object_get(v, "protocols")))
			s = json_string_value(json_object_get(v, "pattern"));
		else
			return -EINVAL;
		if (domain_pattern_parse(s, deny, &pat, &msg) < 0)
			return -EINVAL;
		if (protos) {
			size_t k;
			json_t *pv;
			pat.protocols = 0;
			json_array_foreach(protos, k, pv) {
				enum net_protocol pr;
				if (!json_is_string(pv) ||
				    net_protocol_from_string(json_string_value(pv), &pr) < 0)
					return -EINVAL;
				pat.protocols |= 1u << pr;
			}
			if (!pat.protocols)
				return -EINVAL;
		}
		r = domain_policy_add(p, deny, &pat);
		if (r < 0)
			return r;
	}
	return 0;
}

int domain_policy_from_json(json_t *j, struct domain_policy *ret)
{
	struct domain_policy p = { 0 };
	json_t *al, *li;
	int r;

	if (!json_is_object(j) || json_object_size(j) != 4)
		return -EINVAL;
	al = json_object_get(j, "allow_local");
	li = json_object_get(j, "limited");
	if (!json_is_boolean(al) || !json_is_boolean(li))
		return -EINVAL;
	p.allow_local = json_is_true(al);
	p.limited = json_is_true(li);
	r = parse_list(json_object_get(j, "allow"), false, &p);
	if (r == 0)
		r = parse_list(json_object_get(j, "deny"), true, &p);
	if (r < 0) {
		domain_policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}
