/* SPDX-License-Identifier: MIT */
/*
 * net/check (viewer): a dry run of the network proxy's decision for one
 * destination, explained.  The policy is the one a proxied sandbox of the
 * caller would get from the managed configuration and managed rules plus
 * the allow_domains/deny_domains given here (the caller's own
 * config.toml and rules are not read: the daemon reads those only as the
 * caller, for exec/start).  No name is resolved: addresses are checked
 * when the proxy connects, and the reply says whether they will be.
 *
 *   params {host: "h" | "h:port" | "[v6]:port", port?, protocol?,
 *           allow_domains?: [...], deny_domains?: [...]}
 *   result {host, port, protocol, decision: "allow"|"deny"|"prompt",
 *           reason, http_error?, socks_reply, matched?, addresses_checked,
 *           explanation, policy}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/net_policy.h"
#include "policy/domains_json.h"

struct net_check_params {
	char *host;
	int64_t port;
	char *protocol;
	char **allow;
	char **deny;
};

static const struct jd_field fields[] = {
	{ "host", JD_STRING, offsetof(struct net_check_params, host), JD_REQUIRED | JD_NONEMPTY, 0,
	  CX_MAX_DOMAIN + 16 },
	{ "port", JD_INT64, offsetof(struct net_check_params, port), 0, 1, 65535 },
	{ "protocol", JD_STRING, offsetof(struct net_check_params, protocol), JD_NONEMPTY, 0, 32 },
	{ "allow_domains", JD_STRV, offsetof(struct net_check_params, allow), 0, 0, CX_MAX_DOMAINS,
	  CX_MAX_DOMAIN + 16 },
	{ "deny_domains", JD_STRV, offsetof(struct net_check_params, deny), 0, 0, CX_MAX_DOMAINS,
	  CX_MAX_DOMAIN + 16 },
};

static const char *explain(enum domain_verdict v, bool limited, bool ask)
{
	switch (v) {
	case DOMAIN_ALLOWED:
		return "allowed by the allow list";
	case DOMAIN_DENIED:
		return "matches the deny list (deny wins; no approval can allow it)";
	case DOMAIN_NOT_ALLOWED:
		return ask ? "not on the allow list: the proxy would ask for approval "
			     "(approval/request with network context)"
			   : "not on the allow list";
	case DOMAIN_LOCAL:
		return "a local or private destination: allowed only by an exact literal allow "
		       "entry (the IP address or localhost) or allow_local_binding";
	case DOMAIN_METHOD:
		return limited ? "limited mode allows plain HTTP GET, HEAD and OPTIONS only"
			       : "method not allowed";
	default:
		return "not a valid host";
	}
}

int rpc_net_check(struct request *req)
{
	struct daemon *d = req->conn->d;
	const struct daemon_config *cfg = d->cfg;
	struct net_check_params p = { 0 };
	struct domain_policy pol = { 0 };
	struct domain_host h;
	struct domain_check chk;
	enum net_protocol proto;
	_cleanup_strv_free_ char **warnings = NULL;
	uint64_t present = 0;
	char err[512];
	uint16_t port;
	json_t *res = NULL, *w;
	bool ask;
	int r;

	r = jd_decode(req->params, "params", fields, ARRAY_SIZE(fields), &p, &present, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	if (domain_host_normalize(p.host, strlen(p.host), &h) < 0) {
		r = rpc_reply_invalid_params(req, "params.host: not a host name or IP address "
						  "(with an optional :port)");
		goto out;
	}
	if (JD_PRESENT(present, 1) && h.port && h.port != p.port) {
		r = rpc_reply_invalid_params(req, "params.port: differs from the port in host");
		goto out;
	}
	port = JD_PRESENT(present, 1) ? (uint16_t)p.port : h.port;
	if (p.protocol) {
		if (net_protocol_from_string(p.protocol, &proto) < 0 || proto == NET_PROTO_DNS) {
			r = rpc_reply_invalid_params(req, "params.protocol: must be \"http\", "
							  "\"https\", \"socks5_tcp\" or "
							  "\"socks5_udp\"");
			goto out;
		}
	} else
		proto = port == 443 ? NET_PROTO_HTTPS : NET_PROTO_HTTP;
	if (port == 0)
		port = proto == NET_PROTO_HTTPS ? 443 : proto == NET_PROTO_HTTP ? 80 : 1080;

	{
		struct net_policy_input ni = {
			.cfg = cfg,
			.managed_rules = d->rules,
			.allow = p.allow,
			.deny = p.deny,
		};
		r = net_policy_build(&ni, &pol, &warnings, err, sizeof(err));
		if (r == -EINVAL) {
			r = rpc_reply_invalid_params(req, err);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	domain_policy_check(&pol, &h, port, proto, &chk);
	ask = cfg->net_prompt_on_miss;
	res = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:s, s:b, s:o}", "host", h.name,
			"port", (int)port, "protocol", net_protocol_to_string(proto), "decision",
			chk.verdict == DOMAIN_ALLOWED		      ? "allow"
			: chk.verdict == DOMAIN_NOT_ALLOWED && ask ? "prompt"
								   : "deny",
			"reason", domain_verdict_to_string(chk.verdict), "socks_reply",
			chk.verdict == DOMAIN_ALLOWED ? 0 : 2, "addresses_checked",
			chk.verdict == DOMAIN_ALLOWED && chk.check_addresses, "explanation",
			explain(chk.verdict, pol.limited, ask), "enabled", cfg->net_enabled, "policy",
			domain_policy_to_json(&pol));
	if (!res) {
		r = -ENOMEM;
		goto out;
	}
	if (domain_verdict_http_error(chk.verdict))
		json_object_set_new(res, "http_error",
				    json_string(domain_verdict_http_error(chk.verdict)));
	if (chk.matched_allow >= 0 || chk.matched_deny >= 0) {
		char buf[320];
		const struct domain_pattern *m = chk.matched_deny >= 0 ? &pol.deny[chk.matched_deny]
								       : &pol.allow[chk.matched_allow];
		json_object_set_new(res, "matched",
				    json_string(domain_pattern_format(m, buf, sizeof(buf))));
	}
	w = json_array();
	for (char **s = warnings; w && s && *s; s++)
		json_array_append_new(w, json_string(*s));
	json_object_set_new(res, "warnings", w ? w : json_array());
	r = conn_reply_result(req->conn, &req->id, res);
out:
	domain_policy_done(&pol);
	jd_free(fields, ARRAY_SIZE(fields), &p);
	return r;
}
