/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/macro.h"
#include "daemon/audit_fmt.h"

static const char *const format_names[_AUDIT_FORMAT_MAX] = { "json", "csv", "cef", "syslog" };

int audit_format_from_string(const char *s, enum audit_format *ret)
{
	for (int i = 0; i < _AUDIT_FORMAT_MAX; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*ret = (enum audit_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *audit_format_to_string(enum audit_format f)
{
	return (unsigned)f < _AUDIT_FORMAT_MAX ? format_names[f] : "unknown";
}

/* Columns of the CSV export; "details" holds every other field as JSON. */
static const char *const csv_cols[] = { "seq",	   "time",     "host",	 "event", "uid",
					"user",	   "session",  "request", "exec",  "decision",
					"source",  "reason",   "argv",	 "cwd",	  "exit_code",
					"details", "hash" };
static const char *const csv_skip[] = { "prev", "hmac" };

const char *audit_fmt_header(enum audit_format f)
{
	if (f == AUDIT_FORMAT_CSV)
		return "seq,time,host,event,uid,user,session,request,exec,decision,source,reason,"
		       "argv,cwd,exit_code,details,hash\r\n";
	return "";
}

void audit_fmt_csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void audit_fmt_cef_header_field(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '|')
			fputc('\\', out);
		/* Header fields cannot hold line breaks: they would end the event. */
		fputc(*s == '\r' || *s == '\n' ? ' ' : *s, out);
	}
}

void audit_fmt_cef_ext_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '=')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\r')
			fputs("\\r", out);
		else
			fputc(*s, out);
	}
}

void audit_fmt_sd_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* A field as text: strings as they are, numbers in decimal, the rest as compact JSON. */
static char *field_text(json_t *v)
{
	if (!v || json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		char *s;
		return asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0 ? NULL : s;
	}
	if (json_is_true(v))
		return strdup("true");
	if (json_is_false(v))
		return strdup("false");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static const char *gs(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool in_list(const char *k, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(k, l[i]) == 0)
			return true;
	return false;
}

static int fmt_csv(FILE *out, json_t *rec)
{
	json_t *details = json_object();
	const char *k;
	json_t *v;

	if (!details)
		return -ENOMEM;
	json_object_foreach(rec, k, v)
	{
		if (!in_list(k, csv_cols, ARRAY_SIZE(csv_cols)) &&
		    !in_list(k, csv_skip, ARRAY_SIZE(csv_skip)))
			json_object_set(details, k, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(csv_cols); i++) {
		_cleanup_free_ char *s = NULL;
		if (i)
			fputc(',', out);
		if (strcmp(csv_cols[i], "details") == 0)
			s = json_object_size(details) ? json_dumps(details, JSON_COMPACT) : strdup("");
		else
			s = field_text(json_object_get(rec, csv_cols[i]));
		if (!s) {
			json_decref(details);
			return -ENOMEM;
		}
		audit_fmt_csv_field(out, s);
	}
	fputs("\r\n", out);
	json_decref(details);
	return 0;
}

/* Severity of an event, 0..10 (CEF), and its syslog counterpart. */
static int cef_severity(json_t *rec)
{
	const char *ev = gs(rec, "event");
	const char *d = gs(rec, "decision");

	if (!ev)
		return 5;
	if (strcmp(ev, "exec.refused") == 0 || strcmp(ev, "role.refused") == 0)
		return 6;
	if (strncmp(ev, "audit.", 6) == 0)
		return 7;
	if (strcmp(ev, "net.decision") == 0 && d && strcmp(d, "deny") == 0)
		return 5;
	if (strcmp(ev, "exec.decision") == 0 && d && strcmp(d, "forbidden") == 0)
		return 6;
	if (strcmp(ev, "approval.answer") == 0 && d && strncmp(d, "approve", 7) != 0)
		return 4;
	if (strcmp(ev, "reload") == 0 && json_is_false(json_object_get(rec, "ok")))
		return 6;
	return 3;
}

static int syslog_severity(int cef)
{
	return cef >= 7 ? 4 /* warning */ : cef >= 4 ? 5 /* notice */ : 6 /* info */;
}

static const char *event_name(const char *ev)
{
	static const struct {
		const char *ev, *name;
	} names[] = {
		{ "exec.request", "command requested" },
		{ "exec.decision", "command decision" },
		{ "exec.refused", "command refused" },
		{ "exec.start", "command starting" },
		{ "exec.exit", "command exited" },
		{ "exec.failed", "command failed to start" },
		{ "exec.not_started", "command not started" },
		{ "approval.request", "approval requested" },
		{ "approval.answer", "approval answered" },
		{ "conn.open", "client connected" },
		{ "conn.close", "client disconnected" },
		{ "role.refused", "refused by role" },
		{ "reload", "policy reload" },
		{ "daemon.start", "daemon started" },
		{ "daemon.stop", "daemon stopped" },
		{ "net.decision", "network decision" },
		{ "session.create", "session created" },
		{ "session.kill", "session killed" },
		{ "session.expire", "session expired" },
		{ "session.setup_done", "session setup finished" },
	};

	for (size_t i = 0; ev && i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i].ev, ev) == 0)
			return names[i].name;
	return ev ? ev : "audit record";
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" -> milliseconds since the epoch, or -1. */
static long long time_ms(const char *t)
{
	struct tm tm = { 0 };
	unsigned usec = 0;

	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + usec / 1000;
}

static void cef_ext(FILE *out, bool *first, const char *key, json_t *v)
{
	_cleanup_free_ char *s = NULL;

	if (!v || json_is_null(v))
		return;
	s = field_text(v);
	if (!s)
		return;
	if (!*first)
		fputc(' ', out);
	*first = false;
	fprintf(out, "%s=", key);
	audit_fmt_cef_ext_value(out, s);
}

static void cef_custom(FILE *out, bool *first, int n, const char *kind, const char *label,
		       json_t *v)
{
	char key[16], lab[24];

	if (!v || json_is_null(v))
		return;
	snprintf(key, sizeof(key), "%s%d", kind, n);
	snprintf(lab, sizeof(lab), "%s%dLabel", kind, n);
	cef_ext(out, first, key, v);
	fprintf(out, " %s=", lab);
	audit_fmt_cef_ext_value(out, label);
}

static int fmt_cef(FILE *out, json_t *rec)
{
	const char *ev = gs(rec, "event");
	long long ms = time_ms(gs(rec, "time"));
	bool first = true;
	json_t *msg = json_object_get(rec, "message") ? json_object_get(rec, "message")
						      : json_object_get(rec, "reason");

	fputs("CEF:0|codexd|codexd|", out);
	audit_fmt_cef_header_field(out, CX_VERSION);
	fputc('|', out);
	audit_fmt_cef_header_field(out, ev ? ev : "unknown");
	fputc('|', out);
	audit_fmt_cef_header_field(out, event_name(ev));
	fprintf(out, "|%d|", cef_severity(rec));
	if (ms >= 0) {
		json_t *t = json_integer(ms);
		cef_ext(out, &first, "rt", t);
		json_decref(t);
	}
	cef_ext(out, &first, "dvchost", json_object_get(rec, "host"));
	cef_ext(out, &first, "externalId", json_object_get(rec, "seq"));
	cef_ext(out, &first, "suid", json_object_get(rec, "uid"));
	cef_ext(out, &first, "suser", json_object_get(rec, "user"));
	cef_ext(out, &first, "spid", json_object_get(rec, "pid"));
	cef_ext(out, &first, "act", json_object_get(rec, "decision"));
	cef_ext(out, &first, "dhost", json_object_get(rec, "host_name"));
	cef_ext(out, &first, "dpt", json_object_get(rec, "port"));
	cef_ext(out, &first, "app", json_object_get(rec, "protocol"));
	cef_ext(out, &first, "msg", msg);
	cef_custom(out, &first, 1, "cs", "session", json_object_get(rec, "session"));
	cef_custom(out, &first, 2, "cs", "request", json_object_get(rec, "request"));
	cef_custom(out, &first, 3, "cs", "exec", json_object_get(rec, "exec"));
	cef_custom(out, &first, 4, "cs", "argv", json_object_get(rec, "argv"));
	cef_custom(out, &first, 5, "cs", "cwd", json_object_get(rec, "cwd"));
	cef_custom(out, &first, 6, "cs", "source", json_object_get(rec, "source"));
	cef_custom(out, &first, 1, "cn", "exit_code", json_object_get(rec, "exit_code"));
	cef_custom(out, &first, 2, "cn", "duration_ms", json_object_get(rec, "duration_ms"));
	fputc('\n', out);
	return 0;
}

static void sd_param(FILE *out, const char *name, json_t *v)
{
	_cleanup_free_ char *s = NULL;

	if (!v || json_is_null(v))
		return;
	s = field_text(v);
	if (!s)
		return;
	fprintf(out, " %s=\"", name);
	audit_fmt_sd_value(out, s);
	fputc('"', out);
}

/* HOSTNAME and MSGID are PRINTUSASCII (33..126) with length limits, else "-". */
static void printusascii(FILE *out, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max) {
		fputc('-', out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126) {
			fputc('-', out);
			return;
		}
	fputs(s, out);
}

static int fmt_syslog(FILE *out, json_t *rec, const char *line, size_t len)
{
	static const char *const params[] = { "seq",  "event",	   "uid",      "user",
					      "session", "request", "exec",     "decision",
					      "source", "exit_code", "argv",	"cwd",
					      "reason", "host_name", "port" };
	const char *t = gs(rec, "time");
	int pri = 10 * 8 + syslog_severity(cef_severity(rec)); /* authpriv */

	fprintf(out, "<%d>1 ", pri);
	/* The record's time is already RFC 3339 UTC with microseconds. */
	printusascii(out, t, 32);
	fputc(' ', out);
	printusascii(out, gs(rec, "host"), 255);
	fputs(" codexd - ", out);
	printusascii(out, gs(rec, "event"), 32);
	fputs(" [" AUDIT_SD_ID, out);
	for (size_t i = 0; i < ARRAY_SIZE(params); i++)
		sd_param(out, params[i], json_object_get(rec, params[i]));
	fputs("] \xEF\xBB\xBF", out);
	fwrite(line, 1, len, out);
	fputc('\n', out);
	return 0;
}

int audit_fmt_record(FILE *out, enum audit_format f, json_t *rec, const char *line, size_t len)
{
	int r = 0;

	switch (f) {
	case AUDIT_FORMAT_JSON:
		fwrite(line, 1, len, out);
		fputc('\n', out);
		break;
	case AUDIT_FORMAT_CSV:
		r = fmt_csv(out, rec);
		break;
	case AUDIT_FORMAT_CEF:
		r = fmt_cef(out, rec);
		break;
	case AUDIT_FORMAT_SYSLOG:
		r = fmt_syslog(out, rec, line, len);
		break;
	default:
		return -EINVAL;
	}
	if (r == 0 && ferror(out))
		r = -EIO;
	return r;
}
