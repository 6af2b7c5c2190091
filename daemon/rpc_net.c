/* SPDX-License-Identifier: MIT */
/*
 * net/check (viewer): a dry run of the network proxy's decision for one
 * destination, explained.  The policy is the one a proxied sandbox of the
 * caller would get: the managed configuration and managed rules, the
 * caller's own ~/.codex/config.toml [network] and ~/.codex/rules
 * network_rule()s (read as the caller by the user_files helper, as for
 * exec/start; not with [config] user_layers = false, and not a project's
 * layer: a check has no working directory), the domains of a session
 * named in "session" (session/create network_domains) and the
 * allow_domains/deny_domains given here.  Hosts approved for a session
 * are not shown.  No name is resolved: addresses are checked when the
 * proxy connects, and the reply says whether they will be.
 *
 *   params {host: "h" | "h:port" | "[v6]:port", port?, protocol?,
 *           allow_domains?: [...], deny_domains?: [...], session?}
 *   result {host, port, protocol, decision: "allow"|"deny"|"prompt",
 *           reason, http_error?, socks_reply, matched?, addresses_checked,
 *           explanation, policy, layers: {user_config, user_rules}, warnings}
 *
 * An unusable user file is the error exec/start would give
 * (user_config, "file:line: ..."): the check fails closed like the exec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/net_policy.h"
#include "daemon/sessions.h"
#include "daemon/user_files.h"
#include "policy/rules.h"
#include "policy/domains_json.h"

#define CX_REASON_USER_CONFIG "user_config_invalid" /* as exec/start (daemon/decide.c) */

struct net_check_params {
	char *host;
	int64_t port;
	char *protocol;
	char **allow;
	char **deny;
	char *session;
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
	{ "session", JD_STRING, offsetof(struct net_check_params, session), JD_NONEMPTY, 0,
	  CX_MAX_SESSION_ID },
};

/* A check waiting for the caller's files. */
struct net_check {
	struct daemon *d;
	struct conn *c;
	uint64_t serial; /* c is still the same connection */
	struct rpc_id id;
	struct net_check_params p;
	struct domain_host h;
	uint16_t port;
	enum net_protocol proto;
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

static bool conn_alive(struct daemon *d, const struct conn *c, uint64_t serial)
{
	for (const struct list_node *pos = d->conns.next; pos != &d->conns; pos = pos->next)
		if (list_entry(pos, struct conn, node) == c)
			return c->serial == serial;
	return false;
}

static void check_free(struct net_check *nc)
{
	jd_free(fields, ARRAY_SIZE(fields), &nc->p);
	free(nc);
}

/* Decide and reply; files: the caller's (may be NULL: none read). */
static int check_reply(struct net_check *nc, const struct user_files *files)
{
	struct daemon *d = nc->d;
	const struct daemon_config *cfg = d->cfg;
	_cleanup_conf_doc_ struct conf_doc *user = NULL;
	_cleanup_(rules_set_freep) struct rules_set *user_rules = NULL;
	struct domain_policy pol = { 0 };
	struct domain_check chk;
	_cleanup_strv_free_ char **warnings = NULL;
	char err[1024] = "";
	json_t *res = NULL, *w;
	bool ask;
	int r;

	if (files && files->error) {
		snprintf(err, sizeof(err), "%s", files->error);
		r = -EINVAL;
	} else {
		r = files ? user_files_parse_config(&files->user_config, &user, err, sizeof(err)) : 0;
		if (r == 0 && files)
			r = user_files_parse_rules(files, false, &user_rules, err, sizeof(err));
	}
	if (r == -EINVAL)
		return conn_reply_error(nc->c, &nc->id, CX_ERR_FORBIDDEN, CX_REASON_USER_CONFIG,
					json_pack("{s:s}", "decision", "forbidden"),
					"your configuration cannot be used (a proxied exec would be "
					"refused): %s",
					err);
	if (r < 0)
		return r;
	{
		struct net_policy_input ni = {
			.cfg = cfg,
			.managed_rules = d->rules,
			.user_rules = user_rules,
			.user = user,
			.allow = nc->p.allow,
			.deny = nc->p.deny,
			.session_allow = sessions_network_domains(d, nc->p.session, nc->c->peer.uid),
		};
		r = net_policy_build(&ni, &pol, &warnings, err, sizeof(err));
		if (r == -EINVAL) {
			if (strncmp(err, "params.", 7) == 0)
				r = conn_reply_error(nc->c, &nc->id, CX_ERR_INVALID_PARAMS,
						     CX_REASON_INVALID_PARAMS, NULL, "%s", err);
			else
				r = conn_reply_error(nc->c, &nc->id, CX_ERR_FORBIDDEN,
						     CX_REASON_USER_CONFIG,
						     json_pack("{s:s}", "decision", "forbidden"),
						     "your configuration cannot be used (a proxied "
						     "exec would be refused): %s",
						     err);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	domain_policy_check(&pol, &nc->h, nc->port, nc->proto, &chk);
	ask = cfg->net_prompt_on_miss;
	res = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:b, s:s, s:b, s:o}", "host", nc->h.name,
			"port", (int)nc->port, "protocol", net_protocol_to_string(nc->proto),
			"decision",
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
	json_object_set_new(
		res, "layers",
		json_pack("{s:o, s:i}", "user_config",
			  files && files->user_config.name ? json_string(files->user_config.name)
							   : json_null(),
			  "user_rules", files ? (int)files->n_user_rules : 0));
	w = json_array();
	for (char **s = warnings; w && s && *s; s++)
		json_array_append_new(w, json_string(*s));
	json_object_set_new(res, "warnings", w ? w : json_array());
	r = conn_reply_result(nc->c, &nc->id, res);
out:
	domain_policy_done(&pol);
	return r;
}

static void on_files(void *userdata, struct user_files *files, int err)
{
	struct net_check *nc = userdata;
	int r;

	if (!conn_alive(nc->d, nc->c, nc->serial)) {
		user_files_free(files);
		check_free(nc);
		return;
	}
	if (err < 0)
		r = conn_reply_error(nc->c, &nc->id, CX_ERR_FORBIDDEN, CX_REASON_USER_CONFIG,
				     json_pack("{s:s}", "decision", "forbidden"),
				     "cannot read your configuration files: %s",
				     err == -ETIMEDOUT ? "timed out" : strerror(-err));
	else
		r = check_reply(nc, files);
	if (r < 0)
		(void)conn_reply_error(nc->c, &nc->id, CX_ERR_INTERNAL, CX_REASON_INTERNAL, NULL,
				       "internal error: %s", strerror(-r));
	user_files_free(files);
	check_free(nc);
}

int rpc_net_check(struct request *req)
{
	struct daemon *d = req->conn->d;
	struct conn *c = req->conn;
	struct net_check *nc;
	struct user_files_loader *l;
	uint64_t present = 0;
	char err[512];
	int r;

	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	nc->d = d;
	nc->c = c;
	nc->serial = c->serial;
	nc->id = req->id;
	r = jd_decode(req->params, "params", fields, ARRAY_SIZE(fields), &nc->p, &present, err,
		      sizeof(err));
	if (r < 0) {
		r = r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
		goto fail;
	}
	if (domain_host_normalize(nc->p.host, strlen(nc->p.host), &nc->h) < 0) {
		r = rpc_reply_invalid_params(req, "params.host: not a host name or IP address "
						  "(with an optional :port)");
		goto fail;
	}
	if (JD_PRESENT(present, 1) && nc->h.port && nc->h.port != nc->p.port) {
		r = rpc_reply_invalid_params(req, "params.port: differs from the port in host");
		goto fail;
	}
	nc->port = JD_PRESENT(present, 1) ? (uint16_t)nc->p.port : nc->h.port;
	if (nc->p.protocol) {
		if (net_protocol_from_string(nc->p.protocol, &nc->proto) < 0 ||
		    nc->proto == NET_PROTO_DNS) {
			r = rpc_reply_invalid_params(req, "params.protocol: must be \"http\", "
							  "\"https\", \"socks5_tcp\" or "
							  "\"socks5_udp\"");
			goto fail;
		}
	} else
		nc->proto = nc->port == 443 ? NET_PROTO_HTTPS : NET_PROTO_HTTP;
	if (nc->port == 0)
		nc->port = nc->proto == NET_PROTO_HTTPS ? 443
			   : nc->proto == NET_PROTO_HTTP ? 80
							 : 1080;

	/* The caller's own layers, read as the caller. */
	if (d->cfg->user_layers && c->peer.home[0]) {
		struct user_files_request ur = {
			.uid = c->peer.uid,
			.gid = c->peer.gid,
			.groups = c->peer.groups,
			.n_groups = c->peer.n_groups,
			.home = c->peer.home,
		};
		r = user_files_load(d, &ur, on_files, nc, &l);
		if (r == 0)
			return 0; /* on_files() replies */
		log_warning_errno(r, "net/check: cannot read the caller's files");
		r = conn_reply_error(c, &req->id, CX_ERR_FORBIDDEN, CX_REASON_USER_CONFIG,
				     json_pack("{s:s}", "decision", "forbidden"),
				     "cannot read your configuration files: %s", strerror(-r));
		goto fail;
	}
	r = check_reply(nc, NULL);
fail:
	check_free(nc);
	return r;
}
