/* SPDX-License-Identifier: MIT */
/*
 * codexctl sessions [list [--all] | show ID | kill ID | create ...]
 * (the session methods of codexd-protocol(7)).  create with a setup script shows the
 * script's output as it runs and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client.h"
#include "common/b64.h"
#include "common/protocol.h"

#define SESSIONS_USAGE                                                                            \
	"usage: codexctl sessions [list [--all]]\n"                                             \
	"       codexctl sessions show ID\n"                                                      \
	"       codexctl sessions kill ID\n"                                                      \
	"       codexctl sessions create [-C DIR] [-s MODE] [-a POLICY] [--label TEXT]\n"         \
	"                                [--allow-domain PATTERN]... [--setup-script FILE]\n"      \
	"                                [--secret NAME]... [--setup-timeout SECONDS]\n"

#define SETUP_SCRIPT_MAX (64 * 1024)

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "-";
}

/* How long a session has been idle: "now" while commands run, else "12s", "5m", "3h", "2d". */
static const char *idle_text(json_t *s, char *buf, size_t n)
{
	json_t *v = json_object_get(s, "idle_seconds");
	long long t = json_integer_value(v);

	if (!json_is_integer(v))
		return "-";
	if (json_integer_value(json_object_get(s, "execs_running")) > 0 || t <= 0)
		return "now";
	if (t < 120)
		snprintf(buf, n, "%llds", t);
	else if (t < 2 * 3600)
		snprintf(buf, n, "%lldm", t / 60);
	else if (t < 2 * 86400)
		snprintf(buf, n, "%lldh", t / 3600);
	else
		snprintf(buf, n, "%lldd", t / 86400);
	return buf;
}

static void print_session_line(json_t *s)
{
	char idle[32];

	term_print_oneline(stdout, str(s, "id"), 64);
	putchar(' ');
	term_print_oneline(stdout, str(s, "user"), 32);
	printf(" %-12s %3lld running %4lld total  active %-5s ", str(s, "state"),
	       (long long)json_integer_value(json_object_get(s, "execs_running")),
	       (long long)json_integer_value(json_object_get(s, "execs_total")),
	       idle_text(s, idle, sizeof(idle)));
	term_print_oneline(stdout, str(s, "workspace"), 200);
	putchar('\n');
}

static void print_session(json_t *s)
{
	static const char *const keys[] = { "id",      "user",	  "state",	     "workspace",
					    "sandbox", "approval_policy", "label", "created" };
	char idle[32];
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		printf("%-16s ", keys[i]);
		term_print_oneline(stdout, str(s, keys[i]), 0);
		putchar('\n');
	}
	printf("%-16s ", "last active");
	term_print_oneline(stdout, str(s, "last_active"), 0);
	printf(" (idle %s)\n", idle_text(s, idle, sizeof(idle)));
	printf("%-16s %lld running, %lld in all\n", "commands",
	       (long long)json_integer_value(json_object_get(s, "execs_running")),
	       (long long)json_integer_value(json_object_get(s, "execs_total")));
	printf("%-16s %lld remembered approve_for_session answers\n", "approvals",
	       (long long)json_integer_value(json_object_get(s, "approval_grants")));
	printf("%-16s", "network grants");
	json_array_foreach(json_object_get(s, "network_domains"), i, v)
	{
		putchar(' ');
		term_print_oneline(stdout, json_string_value(v) ?: "?", 253);
	}
	putchar('\n');
	v = json_object_get(s, "setup");
	if (json_is_object(v)) {
		printf("%-16s exec ", "setup");
		term_print_oneline(stdout, str(v, "exec"), 32);
		if (json_is_integer(json_object_get(v, "status")))
			printf(", status %lld", (long long)json_integer_value(json_object_get(v, "status")));
		else
			printf(", running");
		printf(", secrets %zu\n", json_array_size(json_object_get(v, "secrets")));
	}
}

static int simple_call(const struct client_opts *o, const char *method, json_t *params,
		       json_t **ret)
{
	int r;

	r = rpc_call_once(o->socket, method, params, ret);
	if (r > 0)
		return r;
	if (o->json) {
		char *s = json_dumps(*ret, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	}
	return 0;
}

static int read_script(const char *path, char **ret)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(SETUP_SCRIPT_MAX + 1);
	if (!buf) {
		if (f != stdin)
			fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, SETUP_SCRIPT_MAX + 1, f);
	if (f != stdin)
		fclose(f);
	if (n > SETUP_SCRIPT_MAX) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

/* Run session/create with a setup phase: relay the setup's output, return its status. */
static int create_with_setup(const struct client_opts *o, json_t *params)
{
	struct rpc_client c;
	char exec_id[64] = "";
	int64_t id;
	int r, status = CX_EXIT_ERROR;

	r = rpc_connect(&c, o->socket);
	if (r > 0) {
		json_decref(params);
		return r == CX_EXIT_REFUSED ? CX_EXIT_ERROR : r;
	}
	id = rpc_queue_request(&c, "session/create", params);
	if (id < 0 || rpc_flush(&c, true) < 0) {
		rpc_close(&c);
		return CX_EXIT_ERROR;
	}
	for (;;) {
		struct rpc_message m;
		r = rpc_read(&c, &m, true);
		if (r <= 0) {
			fprintf(stderr, "codexctl: the daemon closed the connection\n");
			break;
		}
		if ((m.kind == RPC_KIND_RESULT || m.kind == RPC_KIND_ERROR) &&
		    m.id.type == RPC_ID_INT && m.id.num == id) {
			if (m.kind == RPC_KIND_ERROR) {
				print_rpc_error(&m);
				status = exit_status_for_error(&m);
				jsonrpc_message_done(&m);
				break;
			}
			snprintf(exec_id, sizeof(exec_id), "%s", str(m.result, "id"));
			fprintf(stderr, "codexctl: session ");
			term_print_oneline(stderr, str(json_object_get(m.result, "session"), "id"), 64);
			fprintf(stderr, ": setup running (exec ");
			term_print_oneline(stderr, exec_id, 64);
			fprintf(stderr, ")\n");
			if (o->json) {
				char *s = json_dumps(m.result, JSON_COMPACT);
				if (s)
					puts(s);
				free(s);
			}
		} else if (m.kind == RPC_KIND_NOTIFICATION && exec_id[0] &&
			   strcmp(str(m.params, "id"), exec_id) == 0) {
			if (strcmp(m.method, "exec/output") == 0) {
				json_t *data = json_object_get(m.params, "data");
				size_t len = json_string_length(data);
				char *bin = malloc(len / 4 * 3 + 3);
				long n = bin ? b64_decode(bin, len / 4 * 3 + 3,
							  json_string_value(data) ?: "", len)
					     : -1;
				if (n > 0)
					(void)!write(strcmp(str(m.params, "stream"), "stderr") == 0
							     ? STDERR_FILENO
							     : STDOUT_FILENO,
						     bin, (size_t)n);
				free(bin);
			} else if (strcmp(m.method, "exec/exited") == 0) {
				json_t *code = json_object_get(m.params, "exit_code");
				json_t *sig = json_object_get(m.params, "signal_number");
				status = json_is_integer(code) ? (int)json_integer_value(code)
					 : json_is_integer(sig) ? 128 + (int)json_integer_value(sig)
								 : CX_EXIT_ERROR;
				if (status != 0)
					fprintf(stderr, "codexctl: the setup failed (status %d): the "
							"session cannot be used\n",
						status);
				jsonrpc_message_done(&m);
				break;
			}
		}
		jsonrpc_message_done(&m);
	}
	rpc_close(&c);
	return status;
}

static int cmd_create(const struct client_opts *o, int argc, char **argv)
{
	json_t *params = json_object(), *dom = json_array(), *sec = json_array();
	const char *dir = NULL, *script_file = NULL;
	char cwd[4096];
	long long timeout = 0;
	json_t *res = NULL;
	int r;

	if (!params || !dom || !sec)
		goto nomem;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val)
			goto usage;
		i++;
		if (strcmp(opt, "-C") == 0)
			dir = val;
		else if (strcmp(opt, "-s") == 0 || strcmp(opt, "--sandbox") == 0)
			json_object_set_new(params, "sandbox", json_string(val));
		else if (strcmp(opt, "-a") == 0 || strcmp(opt, "--approval-policy") == 0)
			json_object_set_new(params, "approval_policy", json_string(val));
		else if (strcmp(opt, "--label") == 0)
			json_object_set_new(params, "label", json_string(val));
		else if (strcmp(opt, "--allow-domain") == 0)
			json_array_append_new(dom, json_string(val));
		else if (strcmp(opt, "--setup-script") == 0)
			script_file = val;
		else if (strcmp(opt, "--secret") == 0)
			json_array_append_new(sec, json_string(val));
		else if (strcmp(opt, "--setup-timeout") == 0) {
			char *end;
			timeout = strtoll(val, &end, 10);
			if (*end || timeout <= 0)
				goto usage;
		} else
			goto usage;
	}
	if (!dir)
		dir = getcwd(cwd, sizeof(cwd));
	if (!dir) {
		fprintf(stderr, "codexctl: cannot tell the working directory\n");
		goto fail;
	}
	json_object_set_new(params, "workspace", json_string(dir));
	if (json_array_size(dom))
		json_object_set(params, "network_domains", dom);
	if ((json_array_size(sec) || timeout) && !script_file) {
		fprintf(stderr, "codexctl: --secret and --setup-timeout need --setup-script\n");
		goto usage;
	}
	if (script_file) {
		char *text = NULL;
		json_t *setup;
		r = read_script(script_file, &text);
		if (r < 0) {
			fprintf(stderr, "codexctl: %s: %s\n", script_file,
				r == -EFBIG ? "larger than 64 KiB" : strerror(-r));
			goto fail;
		}
		setup = json_pack("{s:s}", "script", text);
		free(text);
		if (!setup)
			goto nomem;
		if (json_array_size(sec))
			json_object_set(setup, "secrets", sec);
		if (timeout)
			json_object_set_new(setup, "timeout_ms", json_integer(timeout * 1000));
		json_object_set_new(params, "setup", setup);
		json_decref(dom);
		json_decref(sec);
		return create_with_setup(o, params);
	}
	json_decref(dom);
	json_decref(sec);
	r = simple_call(o, "session/create", params, &res);
	if (r == 0 && !o->json)
		printf("%s\n", str(json_object_get(res, "session"), "id"));
	json_decref(res);
	return r;
usage:
	fputs(SESSIONS_USAGE, stderr);
	json_decref(params);
	json_decref(dom);
	json_decref(sec);
	return CX_EXIT_USAGE;
nomem:
fail:
	json_decref(params);
	json_decref(dom);
	json_decref(sec);
	return CX_EXIT_ERROR;
}

int cmd_sessions(const struct client_opts *o, int argc, char **argv)
{
	json_t *res = NULL;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(SESSIONS_USAGE, stdout);
		return CX_EXIT_OK;
	}
	if (argc == 1 || (argc <= 3 && strcmp(argv[1], "list") == 0)) {
		bool all = argc == 3 && strcmp(argv[2], "--all") == 0;
		size_t i;
		json_t *s;

		if (argc == 3 && !all)
			goto usage;
		r = simple_call(o, "session/list", json_pack("{s:b}", "all", all), &res);
		if (r == 0 && !o->json) {
			if (json_array_size(json_object_get(res, "sessions")) == 0)
				printf("no sessions\n");
			json_array_foreach(json_object_get(res, "sessions"), i, s)
			{
				print_session_line(s);
			}
		}
		json_decref(res);
		return r;
	}
	if (argc == 3 && (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "kill") == 0)) {
		bool show = strcmp(argv[1], "show") == 0;
		r = simple_call(o, show ? "session/show" : "session/kill",
				json_pack("{s:s}", "id", argv[2]), &res);
		if (r == 0 && !o->json) {
			if (show)
				print_session(json_object_get(res, "session"));
			else
				printf("session %s ended (%lld commands killed)\n", str(res, "id"),
				       (long long)json_integer_value(json_object_get(res, "killed")));
		}
		json_decref(res);
		return r;
	}
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return cmd_create(o, argc - 1, argv + 1);
usage:
	fputs(SESSIONS_USAGE, stderr);
	return CX_EXIT_USAGE;
}
