/* SPDX-License-Identifier: MIT */
/* Compiling a sandbox's domain policy (daemon/net_policy.c) and its environment. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/net_policy.h"
#include "policy/domains_json.h"
#include "policy/proxy_env.h"
#include "policy/rules.h"

static enum domain_verdict verdict(const struct domain_policy *p, const char *host,
				   enum net_protocol proto)
{
	struct domain_host h;
	struct domain_check c;

	assert_int_equal(domain_host_normalize(host, strlen(host), &h), 0);
	domain_policy_check(p, &h, h.port ? h.port : 443, proto, &c);
	return c.verdict;
}

static struct conf_doc *doc(const char *text)
{
	struct conf_doc *d = conf_doc_new();
	char err[256];

	assert_non_null(d);
	if (conf_parse_buffer(text, strlen(text), "user.toml", d, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return d;
}

static void test_managed_and_request(void **state)
{
	struct daemon_config *cfg = NULL;
	struct domain_policy p;
	char **warnings = NULL, err[256];
	char *allow[] = { (char *)"**.example.com", (char *)"localhost", NULL };
	char *deny[] = { (char *)"secret.example.com", NULL };
	struct net_policy_input in;

	(void)state;
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	in = (struct net_policy_input){ .cfg = cfg, .allow = allow, .deny = deny };
	assert_int_equal(net_policy_build(&in, &p, &warnings, err, sizeof(err)), 0);
	assert_null(warnings);
	assert_int_equal(verdict(&p, "api.example.com", NET_PROTO_HTTPS), DOMAIN_ALLOWED);
	assert_int_equal(verdict(&p, "secret.example.com", NET_PROTO_HTTPS), DOMAIN_DENIED);
	assert_int_equal(verdict(&p, "localhost:8080", NET_PROTO_HTTP), DOMAIN_ALLOWED);
	assert_int_equal(verdict(&p, "other.org", NET_PROTO_HTTPS), DOMAIN_NOT_ALLOWED);
	domain_policy_done(&p);

	/* A bad request pattern: invalid params, with the field in the message. */
	{
		char *bad[] = { (char *)"*", NULL };
		in.deny = bad;
		assert_int_equal(net_policy_build(&in, &p, &warnings, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "params.network.deny_domains"));
		in.deny = deny;
	}
	conf_free(cfg);
}

static void test_users_cannot_widen(void **state)
{
	struct daemon_config *cfg = NULL;
	struct domain_policy p;
	char **warnings = NULL, err[256];
	char *allow[] = { (char *)"api.example.com", (char *)"evil.org", (char *)"**.example.com",
			  NULL };
	struct conf_doc *user = doc("[network]\nallowed_domains = [\"docs.example.com\", "
				    "\"x.evil.org\"]\nmode = \"full\"\nallow_local_binding = true\n"
				    "denied_domains = [\"ads.example.com\"]\n");
	struct net_policy_input in;

	(void)state;
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	cfg->net_allowed_domains = strv_copy((char *[]){ (char *)"*.example.com", NULL });
	cfg->net_denied_domains = strv_copy((char *[]){ (char *)"tracker.example.com", NULL });
	cfg->net_limited = true;
	cfg->net_allow_local_binding = false;
	in = (struct net_policy_input){ .cfg = cfg, .user = user, .allow = allow };
	assert_int_equal(net_policy_build(&in, &p, &warnings, err, sizeof(err)), 0);
	/* Inside the managed allowlist: kept; outside (or wider: **.): dropped with a warning. */
	assert_int_equal(verdict(&p, "api.example.com", NET_PROTO_HTTP), DOMAIN_ALLOWED);
	assert_int_equal(verdict(&p, "docs.example.com", NET_PROTO_HTTP), DOMAIN_ALLOWED);
	assert_int_equal(verdict(&p, "evil.org", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "x.evil.org", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "example.com", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "tracker.example.com", NET_PROTO_HTTP), DOMAIN_DENIED);
	assert_int_equal(verdict(&p, "ads.example.com", NET_PROTO_HTTP), DOMAIN_DENIED);
	assert_true(p.limited);
	assert_false(p.allow_local);
	assert_int_equal(verdict(&p, "api.example.com", NET_PROTO_HTTPS), DOMAIN_METHOD);
	assert_true(strv_length(warnings) >= 5);
	strv_free(warnings);
	warnings = NULL;
	domain_policy_done(&p);

	/* user_domains = false: only the managed list (here: none). */
	cfg->net_user_domains = false;
	strv_free(cfg->net_allowed_domains);
	cfg->net_allowed_domains = NULL;
	assert_int_equal(net_policy_build(&in, &p, &warnings, err, sizeof(err)), 0);
	assert_int_equal(verdict(&p, "docs.example.com", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "ads.example.com", NET_PROTO_HTTP), DOMAIN_DENIED);
	strv_free(warnings);
	domain_policy_done(&p);
	conf_doc_free(user);
	conf_free(cfg);
}

static void test_network_rules(void **state)
{
	static const char managed[] =
		"network_rule(host=\"pypi.org\", protocol=\"https\", decision=\"allow\")\n"
		"network_rule(host=\"evil.example\", protocol=\"http\", decision=\"forbidden\")\n";
	static const char user[] =
		"network_rule(host=\"api.github.com\", protocol=\"https\", decision=\"allow\")\n";
	struct rules_set *m = rules_set_new(), *u = rules_set_new();
	struct daemon_config *cfg = NULL;
	struct domain_policy p;
	char **warnings = NULL, err[256];
	struct net_policy_input in;

	(void)state;
	assert_int_equal(rules_set_add_text(m, RULES_LAYER_MANAGED, "m.rules", managed,
					    strlen(managed), err, sizeof(err)),
			 0);
	assert_int_equal(rules_set_add_text(u, RULES_LAYER_USER, "u.rules", user, strlen(user), err,
					    sizeof(err)),
			 0);
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	in = (struct net_policy_input){ .cfg = cfg, .managed_rules = m, .user_rules = u };
	assert_int_equal(net_policy_build(&in, &p, &warnings, err, sizeof(err)), 0);
	assert_int_equal(verdict(&p, "pypi.org", NET_PROTO_HTTPS), DOMAIN_ALLOWED);
	assert_int_equal(verdict(&p, "pypi.org", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "evil.example", NET_PROTO_HTTP), DOMAIN_DENIED);
	assert_int_equal(verdict(&p, "evil.example", NET_PROTO_HTTPS), DOMAIN_NOT_ALLOWED);
	assert_int_equal(verdict(&p, "api.github.com", NET_PROTO_HTTPS), DOMAIN_ALLOWED);
	/* The policy survives its trip to the worker. */
	{
		json_t *j = domain_policy_to_json(&p);
		struct domain_policy q;
		assert_non_null(j);
		assert_int_equal(domain_policy_from_json(j, &q), 0);
		assert_int_equal(verdict(&q, "pypi.org", NET_PROTO_HTTPS), DOMAIN_ALLOWED);
		assert_int_equal(verdict(&q, "pypi.org", NET_PROTO_HTTP), DOMAIN_NOT_ALLOWED);
		assert_int_equal(verdict(&q, "evil.example", NET_PROTO_HTTP), DOMAIN_DENIED);
		domain_policy_done(&q);
		json_object_set_new(j, "extra", json_true());
		assert_int_equal(domain_policy_from_json(j, &q), -EINVAL);
		json_decref(j);
		j = json_pack("{s:[s], s:[], s:b, s:b}", "allow", "http://x", "deny", "allow_local",
			      0, "limited", 0);
		assert_int_equal(domain_policy_from_json(j, &q), -EINVAL);
		json_decref(j);
	}
	domain_policy_done(&p);
	strv_free(warnings);
	conf_free(cfg);
	rules_set_free(m);
	rules_set_free(u);
}

static void test_proxy_env(void **state)
{
	char *in[] = { (char *)"PATH=/usr/bin", (char *)"HTTP_PROXY=http://evil:1",
		       (char *)"no_proxy=localhost", (char *)"HOME=/home/x", NULL };
	char **out = NULL;
	size_t n_http = 0;

	(void)state;
	assert_int_equal(proxy_env_build(in, &out), 0);
	assert_true(strv_contains(out, "PATH=/usr/bin"));
	assert_true(strv_contains(out, "HOME=/home/x"));
	assert_false(strv_contains(out, "HTTP_PROXY=http://evil:1"));
	assert_false(strv_contains(out, "no_proxy=localhost"));
	assert_true(strv_contains(out, "HTTP_PROXY=http://127.0.0.1:3128"));
	assert_true(strv_contains(out, "https_proxy=http://127.0.0.1:3128"));
	assert_true(strv_contains(out, "ALL_PROXY=socks5h://127.0.0.1:1080"));
	assert_true(strv_contains(out, "NO_PROXY="));
	assert_true(strv_contains(out, "NODE_USE_ENV_PROXY=1"));
	assert_true(strv_contains(out, "PIP_PROXY=http://127.0.0.1:3128"));
	for (char **e = out; *e; e++)
		if (strncmp(*e, "HTTP_PROXY=", 11) == 0)
			n_http++;
	assert_int_equal(n_http, 1);
	strv_free(out);
	assert_int_equal(proxy_env_build(NULL, &out), 0);
	assert_true(strv_length(out) > 10);
	strv_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_managed_and_request),
		cmocka_unit_test(test_users_cannot_widen),
		cmocka_unit_test(test_network_rules),
		cmocka_unit_test(test_proxy_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
