/* SPDX-License-Identifier: MIT */
/*
 * codexctl audit query|export|verify: the audit trail as the daemon lets
 * the caller see it (members their own records, admins all).  Pages of
 * audit/export are fetched until the daemon says there are no more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "common/protocol.h"

#define AUDIT_USAGE                                                                               \
	"usage: codexctl audit query [--since TIME] [--until TIME] [--user U] [--uid N]\n"        \
	"                            [--session ID] [--type T] [--limit N]\n"                     \
	"                            [--format json|csv|cef|syslog]\n"                            \
	"       codexctl audit export [--since TIME] [--until TIME] [--user U] [--uid N]\n"       \
	"                             [--session ID] [--type T] [--limit N]\n"                    \
	"                             [--format json|csv|cef|syslog]\n"                           \
	"       codexctl audit verify [--from SEQ]\n"                                                          \
	"TIME: YYYY-MM-DDTHH:MM:SS[.ffffff]Z, YYYY-MM-DD[ HH:MM[:SS]] (local time),\n"            \
	"      @EPOCH, or an age such as 30s, 10m, 2h, 7d (that long ago)\n"

/*
 * A time the user typed, as the daemon's UTC form.  Returns 0, or -EINVAL.
 */
static int parse_time(const char *s, char *out, size_t outsz)
{
	struct tm tm = { 0 };
	time_t t;
	char *end;
	long long v;
	const char *p;

	if (strlen(s) >= 20 && s[10] == 'T' && s[strlen(s) - 1] == 'Z') {
		snprintf(out, outsz, "%s", s); /* the daemon checks it */
		return 0;
	}
	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || *end || end == s + 1 || v < 0)
			return -EINVAL;
		t = (time_t)v;
	} else if ((v = strtoll(s, &end, 10)) > 0 && end != s && end[0] && !end[1] &&
		   strchr("smhd", end[0])) {
		long long mult = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 86400;
		t = time(NULL) - (time_t)(v * mult);
	} else {
		p = strptime(s, "%Y-%m-%d", &tm);
		if (!p)
			return -EINVAL;
		if (*p) {
			const char *q = strptime(p, " %H:%M:%S", &tm);
			if (!q)
				q = strptime(p, " %H:%M", &tm);
			if (!q || *q)
				return -EINVAL;
		}
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
	}
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

/* One line per record for people: seq, time, event, user and what happened. */
static void print_human(json_t *rec)
{
	json_t *argv = json_object_get(rec, "argv");
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *user = json_string_value(json_object_get(rec, "user"));
	char summary[1024] = "";
	size_t n = 0;
	static const char *const keys[] = { "decision", "source", "exit_code", "signal", "reason",
					    "by",	"session", "exec",	 "role",   "method",
					    "exe",	"error",   "state", "new_generation", "why" };

	if (json_is_array(argv)) {
		size_t i;
		json_t *a;
		json_array_foreach(argv, i, a)
		{
			if (json_is_string(a) && n < sizeof(summary))
				n += (size_t)snprintf(summary + n, sizeof(summary) - n, "%s%s",
						      i ? " " : "", json_string_value(a));
		}
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && n < sizeof(summary); i++) {
		json_t *v = json_object_get(rec, keys[i]);
		if (json_is_string(v))
			n += (size_t)snprintf(summary + n, sizeof(summary) - n, "%s%s=%s",
					      n ? " " : "", keys[i], json_string_value(v));
		else if (json_is_integer(v))
			n += (size_t)snprintf(summary + n, sizeof(summary) - n, "%s%s=%lld",
					      n ? " " : "", keys[i],
					      (long long)json_integer_value(v));
	}
	printf("%6lld ", (long long)json_integer_value(json_object_get(rec, "seq")));
	term_print_oneline(stdout, json_string_value(json_object_get(rec, "time")) ?: "-", 40);
	putchar(' ');
	term_print_oneline(stdout, ev ? ev : "-", 32);
	putchar(' ');
	term_print_oneline(stdout, user ? user : "-", 32);
	putchar(' ');
	term_print_oneline(stdout, summary, 400);
	putchar('\n');
}

static void print_data(const char *s, size_t len)
{
	/* Exported data is for files and pipes; a terminal gets it with controls escaped. */
	if (isatty(STDOUT_FILENO))
		term_print_escaped(stdout, s);
	else
		fwrite(s, 1, len, stdout);
}

static int cmd_audit_query(const struct client_opts *o, int argc, char **argv, bool export)
{
	const char *format = export ? "json" : NULL;
	struct rpc_client c;
	json_t *params = json_object();
	int64_t after = 0;
	bool first = true;
	int r;

	if (!params)
		return CX_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		char t[64];

		if (!val)
			goto usage;
		i++;
		if (strcmp(opt, "--since") == 0 || strcmp(opt, "--until") == 0) {
			if (parse_time(val, t, sizeof(t)) < 0) {
				fprintf(stderr, "codexctl: %s: cannot read time '%s'\n", opt, val);
				goto usage;
			}
			json_object_set_new(params, opt + 2, json_string(t));
		} else if (strcmp(opt, "--user") == 0 || strcmp(opt, "--session") == 0 ||
			   strcmp(opt, "--type") == 0)
			json_object_set_new(params, opt + 2, json_string(val));
		else if (strcmp(opt, "--uid") == 0 || strcmp(opt, "--limit") == 0) {
			char *end;
			long long v = strtoll(val, &end, 10);
			if (*end || end == val || v < 0)
				goto usage;
			json_object_set_new(params, opt + 2, json_integer(v));
		} else if (strcmp(opt, "--format") == 0)
			format = val;
		else
			goto usage;
	}
	if (format && strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "cef") &&
	    strcmp(format, "syslog")) {
		fprintf(stderr, "codexctl: --format must be json, csv, cef or syslog\n");
		goto usage;
	}
	if (o->json && !format)
		format = "json";
	if (format)
		json_object_set_new(params, "format", json_string(format));

	r = rpc_connect(&c, o->socket);
	if (r > 0) {
		json_decref(params);
		return r == CX_EXIT_REFUSED ? CX_EXIT_ERROR : r;
	}
	for (;;) {
		struct rpc_message err;
		json_t *res = NULL, *p = json_deep_copy(params);
		bool more;

		if (!p) {
			r = CX_EXIT_ERROR;
			break;
		}
		if (after > 0)
			json_object_set_new(p, "after_seq", json_integer(after));
		r = rpc_call(&c, format ? "audit/export" : "audit/query", p, &res, &err);
		if (r < 0) {
			r = CX_EXIT_ERROR;
			break;
		}
		if (r == 1) {
			print_rpc_error(&err);
			jsonrpc_message_done(&err);
			r = CX_EXIT_ERROR;
			break;
		}
		if (format) {
			json_t *data = json_object_get(res, "data");
			const char *hdr = json_string_value(json_object_get(res, "header"));
			if (first && hdr && hdr[0])
				print_data(hdr, strlen(hdr));
			if (json_is_string(data))
				print_data(json_string_value(data), json_string_length(data));
		} else {
			size_t i;
			json_t *rec;
			json_array_foreach(json_object_get(res, "records"), i, rec)
			{
				print_human(rec);
			}
		}
		first = false;
		more = json_is_true(json_object_get(res, "truncated")) &&
		       json_is_integer(json_object_get(res, "next_after_seq")) &&
		       json_integer_value(json_object_get(res, "next_after_seq")) > after &&
		       !json_object_get(params, "limit");
		if (more)
			after = json_integer_value(json_object_get(res, "next_after_seq"));
		json_decref(res);
		r = 0;
		if (!more)
			break;
	}
	rpc_close(&c);
	json_decref(params);
	if (fflush(stdout) != 0)
		return CX_EXIT_ERROR;
	return r;
usage:
	json_decref(params);
	fputs(AUDIT_USAGE, stderr);
	return CX_EXIT_USAGE;
}

static int cmd_audit_verify(const struct client_opts *o, int argc, char **argv)
{
	json_t *res = NULL, *e, *params = json_object();
	int r;

	if (!params)
		return CX_EXIT_ERROR;
	/* verify [--from SEQ] */
	if (argc == 3 && strcmp(argv[1], "--from") == 0) {
		char *end;
		long long seq;
		errno = 0;
		seq = strtoll(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || seq < 1) {
			fprintf(stderr, "codexctl: audit verify --from: a sequence number (1 or more), "
					"not \"%.64s\"\n",
				argv[2]);
			json_decref(params);
			return CX_EXIT_USAGE;
		}
		json_object_set_new(params, "from_seq", json_integer(seq));
	} else if (argc != 1) {
		fputs(AUDIT_USAGE, stderr);
		json_decref(params);
		return CX_EXIT_USAGE;
	}
	r = rpc_call_once(o->socket, "audit/verify", params, &res);
	if (r > 0)
		return r;
	if (o->json) {
		char *s = json_dumps(res, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else if (json_is_true(json_object_get(res, "intact"))) {
		printf("audit log intact%s: %lld records, seq %lld to %lld, %zu file(s), HMAC %s\n",
		       json_object_get(res, "from_seq") ? " from the given seq on" : "",
		       (long long)json_integer_value(json_object_get(res, "records")),
		       (long long)json_integer_value(json_object_get(res, "first_seq")),
		       (long long)json_integer_value(json_object_get(res, "last_seq")),
		       json_array_size(json_object_get(res, "files")),
		       json_is_true(json_object_get(res, "hmac_checked")) ? "checked"
									   : "not configured");
	} else {
		e = json_object_get(res, "error");
		printf("audit log BROKEN (%s) at seq %lld: ",
		       json_string_value(json_object_get(e, "reason")) ?: "?",
		       (long long)json_integer_value(json_object_get(e, "seq")));
		term_print_oneline(stdout, json_string_value(json_object_get(e, "message")) ?: "", 0);
		putchar('\n');
	}
	r = json_is_true(json_object_get(res, "intact")) ? CX_EXIT_OK : CX_EXIT_ERROR;
	json_decref(res);
	return r;
}

int cmd_audit(const struct client_opts *o, int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(AUDIT_USAGE, stdout);
		return CX_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "query") == 0)
		return cmd_audit_query(o, argc - 1, argv + 1, false);
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return cmd_audit_query(o, argc - 1, argv + 1, true);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cmd_audit_verify(o, argc - 1, argv + 1);
	fputs(AUDIT_USAGE, stderr);
	return CX_EXIT_USAGE;
}
