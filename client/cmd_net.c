/* SPDX-License-Identifier: MIT */
/*
 * codexctl net check HOST[:PORT] [--protocol http|https|socks5_tcp|socks5_udp]
 *                    [--allow-domain P]... [--deny-domain P]... [--session ID] [--json]
 *
 * Asks net/check how the network proxy would decide a connection of the
 * caller's (managed policy, the caller's own config.toml and rules, the
 * session's domains), and prints the decision with its reason.  Exit 0 when the check ran
 * (whatever it decided), 1 on errors, 2 on usage errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "common/protocol.h"

static void net_usage(FILE *f)
{
	fprintf(f, "usage: codexctl net check HOST[:PORT] [--protocol http|https|socks5_tcp|"
		   "socks5_udp]\n"
		   "                          [--allow-domain PATTERN]... [--deny-domain "
		   "PATTERN]...\n"
		   "                          [--session ID] [--json]\n");
}

static void field(const char *label, json_t *v)
{
	if (!json_is_string(v))
		return;
	printf("%s: ", label);
	term_print_oneline(stdout, json_string_value(v), 512);
	putchar('\n');
}

int cmd_net(const struct client_opts *o, int argc, char **argv)
{
	enum { OPT_ALLOW = 256, OPT_DENY, OPT_PROTOCOL, OPT_JSON, OPT_SESSION };
	static const struct option opts[] = {
		{ "protocol", required_argument, NULL, OPT_PROTOCOL },
		{ "allow-domain", required_argument, NULL, OPT_ALLOW },
		{ "deny-domain", required_argument, NULL, OPT_DENY },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_t *params = json_object(), *allow = json_array(), *deny = json_array();
	json_t *result = NULL;
	struct rpc_client cl;
	struct rpc_message err;
	bool as_json = o->json;
	int c, r;

	if (!params || !allow || !deny)
		return CX_EXIT_ERROR;
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		net_usage(stderr);
		r = CX_EXIT_USAGE;
		goto out;
	}
	argc--;
	argv++;
	optind = 0; /* full re-initialisation: options may follow HOST */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROTOCOL:
			json_object_set_new(params, "protocol", json_string(optarg));
			break;
		case OPT_ALLOW:
		case OPT_DENY: {
			json_t *s = json_string(optarg);
			if (!s) {
				fprintf(stderr, "codexctl: a domain pattern is not valid UTF-8\n");
				r = CX_EXIT_USAGE;
				goto out;
			}
			json_array_append_new(c == OPT_ALLOW ? allow : deny, s);
			break;
		}
		case OPT_SESSION:
			json_object_set_new(params, "session", json_string(optarg));
			break;
		case OPT_JSON:
			as_json = true;
			break;
		case 'h':
			net_usage(stdout);
			r = 0;
			goto out;
		default:
			net_usage(stderr);
			r = CX_EXIT_USAGE;
			goto out;
		}
	}
	/* json_string() is NULL for a host that is not UTF-8. */
	if (optind + 1 != argc ||
	    json_object_set_new(params, "host", json_string(argv[optind])) < 0) {
		net_usage(stderr);
		r = CX_EXIT_USAGE;
		goto out;
	}
	if (json_array_size(allow))
		json_object_set(params, "allow_domains", allow);
	if (json_array_size(deny))
		json_object_set(params, "deny_domains", deny);
	r = rpc_connect(&cl, o->socket);
	if (r > 0) {
		r = r == CX_EXIT_REFUSED ? CX_EXIT_ERROR : r;
		goto out;
	}
	r = rpc_call(&cl, "net/check", params, &result, &err);
	params = NULL;
	rpc_close(&cl);
	if (r < 0) {
		r = CX_EXIT_ERROR;
		goto out;
	}
	if (r == 1) {
		print_rpc_error(&err);
		jsonrpc_message_done(&err);
		r = CX_EXIT_ERROR;
		goto out;
	}
	if (as_json) {
		char *s = json_dumps(result, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else {
		json_t *v;
		printf("destination: ");
		term_print_oneline(stdout, json_string_value(json_object_get(result, "host")) ?: "?",
				   300);
		printf(" port %lld (%s)\n",
		       (long long)json_integer_value(json_object_get(result, "port")),
		       json_string_value(json_object_get(result, "protocol")) ?: "?");
		field("decision", json_object_get(result, "decision"));
		field("reason", json_object_get(result, "reason"));
		field("matched", json_object_get(result, "matched"));
		field("http error", json_object_get(result, "http_error"));
		field("why", json_object_get(result, "explanation"));
		if (json_is_true(json_object_get(result, "addresses_checked")))
			printf("addresses: every address the name resolves to must be public, or the "
			       "connection is refused (blocked-by-local)\n");
		v = json_object_get(json_object_get(result, "layers"), "user_config");
		field("your configuration", v);
		v = json_object_get(result, "warnings");
		if (json_array_size(v))
			print_warnings(v);
	}
	r = 0;
out:
	json_decref(result);
	json_decref(params);
	json_decref(allow);
	json_decref(deny);
	return r;
}
