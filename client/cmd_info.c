/* SPDX-License-Identifier: MIT */
/* codexctl status, config show, reload, hello: one request, one answer. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "common/protocol.h"

/* Call method and print the result (JSON, pretty unless --json). */
static int call_and_print(const struct client_opts *o, const char *method, json_t *params,
			  int (*pretty)(json_t *result))
{
	json_t *result = NULL;
	int r;

	r = rpc_call_once(o->socket, method, params, &result);
	if (r > 0)
		return r;
	if (o->json || !pretty) {
		char *s = json_dumps(result, o->json ? JSON_COMPACT : JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		r = 0;
	} else
		r = pretty(result);
	json_decref(result);
	return r;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "-";
}

static long long num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static int pretty_status(json_t *r)
{
	json_t *pol = json_object_get(r, "policy"), *conns = json_object_get(r, "connections"),
	       *ex = json_object_get(r, "execs"), *f = json_object_get(r, "features"),
	       *ctr = json_object_get(r, "counters");
	const char *k;
	json_t *v;

	printf("codexd %s, pid %lld, up %lld s, %lld KiB resident\n", str(r, "version"),
	       num(r, "pid"), num(r, "uptime_ms") / 1000, num(r, "rss_kib"));
	printf("socket:       ");
	term_print_escaped(stdout, str(pol, "socket"));
	printf("\npolicy:       generation %lld\n", num(pol, "generation"));
	if (json_is_string(json_object_get(pol, "last_reload_error"))) {
		printf("last reload:  failed: ");
		term_print_escaped(stdout, str(pol, "last_reload_error"));
		putchar('\n');
	}
	printf("connections:  %lld (limit %lld)\n", num(conns, "open"), num(conns, "limit"));
	printf("execs:        %lld running (limit %lld)\n", num(ex, "running"), num(ex, "limit"));
	{
		json_t *au = json_object_get(r, "audit"), *se = json_object_get(r, "sessions");
		printf("audit:        %s", str(au, "state"));
		if (json_is_integer(json_object_get(au, "last_seq")))
			printf(", %lld records, fsync %s, HMAC %s, on failure %s", num(au, "last_seq"),
			       str(au, "fsync"), json_is_true(json_object_get(au, "hmac")) ? "on" : "off",
			       str(au, "on_failure"));
		if (json_is_string(json_object_get(au, "error"))) {
			printf("\n              ");
			term_print_escaped(stdout, str(au, "error"));
		}
		printf("\nsessions:     %lld (%lld ready, %lld in setup)\n", num(se, "total"),
		       num(se, "ready"), num(se, "setup"));
		printf("proxy:        ");
		term_print_escaped(stdout, str(json_object_get(r, "proxy"), "state"));
		putchar('\n');
	}
	printf("kernel:       %s, landlock ABI %lld, seccomp %s, cgroup %s\n", str(f, "kernel"),
	       num(f, "landlock_abi"), json_is_true(json_object_get(f, "seccomp")) ? "yes" : "no",
	       str(f, "cgroup"));
	printf("counters:\n");
	json_object_foreach(ctr, k, v)
	{
		printf("  %-22s %lld\n", k, json_is_integer(v) ? (long long)json_integer_value(v) : -1);
	}
	return 0;
}

int cmd_status(const struct client_opts *o, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--security") == 0)
		return cmd_status_security(o);
	if (argc != 1) {
		fprintf(stderr, "usage: codexctl status [--security]\n");
		return CX_EXIT_USAGE;
	}
	return call_and_print(o, "daemon/status", json_object(), pretty_status);
}

#define CONFIG_USAGE                                                                              \
	"usage: codexctl config show [--origins] [--managed] [-C DIR] [-c KEY=VALUE]...\n"

/*
 * config show: the managed configuration, and (unless --managed) what it
 * makes of the caller's own layers for the working directory: the daemon
 * reads ~/.codex and the project's .codex as the caller.
 */
int cmd_config(const struct client_opts *o, int argc, char **argv)
{
	bool origins = false, managed = false;
	const char *dir = NULL;
	char cwd[4096];
	json_t *params, *ov;

	if (argc < 2 || strcmp(argv[1], "show") != 0) {
		fputs(CONFIG_USAGE, stderr);
		return CX_EXIT_USAGE;
	}
	params = json_object();
	ov = json_array();
	if (!params || !ov) {
		json_decref(params);
		json_decref(ov);
		return CX_EXIT_ERROR;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--origins") == 0)
			origins = true;
		else if (strcmp(argv[i], "--managed") == 0)
			managed = true;
		else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && strchr(argv[i + 1], '='))
			json_array_append_new(ov, json_string(argv[++i]));
		else {
			fputs(CONFIG_USAGE, stderr);
			json_decref(params);
			json_decref(ov);
			return CX_EXIT_USAGE;
		}
	}
	json_object_set_new(params, "origins", json_boolean(origins));
	if (!managed) {
		if (!dir)
			dir = getcwd(cwd, sizeof(cwd));
		if (dir)
			json_object_set_new(params, "cwd", json_string(dir));
		if (json_array_size(ov) > 0)
			json_object_set(params, "config_overrides", ov);
	}
	json_decref(ov);
	return call_and_print(o, "config/show", params, NULL);
}

static int pretty_reload(json_t *r)
{
	printf("configuration reloaded (generation %lld)\n", num(r, "generation"));
	return 0;
}

int cmd_reload(const struct client_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: codexctl reload\n");
		return CX_EXIT_USAGE;
	}
	return call_and_print(o, "policy/reload", json_object(), pretty_reload);
}

static int pretty_hello(json_t *r)
{
	json_t *caller = json_object_get(r, "caller");

	printf("codexd %s (protocol %lld)\n", str(r, "version"), num(r, "protocol_version"));
	printf("you are ");
	term_print_escaped(stdout, str(caller, "user"));
	printf(" (uid %lld), role %s\n", num(caller, "uid"), str(caller, "role"));
	return 0;
}

int cmd_hello(const struct client_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: codexctl hello\n");
		return CX_EXIT_USAGE;
	}
	return call_and_print(o, "hello",
			      json_pack("{s:s, s:s}", "client", "codexctl", "version", CX_VERSION),
			      pretty_hello);
}
