/* SPDX-License-Identifier: MIT */
/*
 * Forwarding of audit records (daemon/telemetry.h).  The worker thread
 * owns deep copies of the records it was given and its own libcurl
 * handle; it never touches daemon state.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/strv.h"
#include "daemon/audit_conf.h"
#include "daemon/telemetry.h"
#include "daemon/curl_lazy.h" /* last: it renames the curl_* calls */

struct tel_item {
	struct tel_item *next;
	json_t *record;
	char *line;
};

struct telemetry {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tel_item *head, *tail;
	size_t n_queued;
	bool stop;
	bool detached;           /* the worker frees the struct */
	struct timespec stop_by; /* after this, queued OTLP copies are dropped */

	bool journald, syslog, otlp;
	bool log_args;
	char *endpoint;
	char **headers;
	char *environment;
	char host[256];
	uint32_t queue_max, batch_max, interval_ms, timeout_ms;

	/* Counters (under mu). */
	uint64_t n_enqueued, n_dropped, n_otlp_sent, n_otlp_failed, n_otlp_batches;
	char last_error[160];
};

/* ------------------------------------------------------------------ OTLP mapping */

static void attr_s(json_t *attrs, const char *k, const char *v)
{
	if (v)
		json_array_append_new(attrs, json_pack("{s:s, s:{s:s}}", "key", k, "value",
						       "stringValue", v));
}

static void attr_i(json_t *attrs, const char *k, json_int_t v)
{
	char b[32];

	/* OTLP/JSON encodes 64-bit integers as strings. */
	snprintf(b, sizeof(b), "%lld", (long long)v);
	json_array_append_new(attrs,
			      json_pack("{s:s, s:{s:s}}", "key", k, "value", "intValue", b));
}

static void attr_b(json_t *attrs, const char *k, bool v)
{
	json_array_append_new(attrs, json_pack("{s:s, s:{s:b}}", "key", k, "value", "boolValue",
					       v));
}

static const char *gs(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool gi(json_t *o, const char *k, json_int_t *ret)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" -> nanoseconds since the epoch (as a decimal string). */
static void time_nanos(const char *t, char *out, size_t outsz)
{
	struct tm tm = { 0 };
	unsigned usec = 0;
	time_t s;

	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec) != 7) {
		snprintf(out, outsz, "0");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	s = timegm(&tm);
	snprintf(out, outsz, "%lld%06u000", (long long)s, usec);
}

static json_t *log_record(json_t *rec, const char *name, int severity, json_t *attrs)
{
	const char *t = gs(rec, "time");
	char ns[32];
	json_int_t v;

	time_nanos(t, ns, sizeof(ns));
	/* The common identity fields of Codex's events. */
	attr_s(attrs, "event.name", name);
	attr_s(attrs, "event.timestamp", t);
	attr_s(attrs, "conversation.id", gs(rec, "session") ? gs(rec, "session") : "");
	attr_s(attrs, "app.version", CX_VERSION);
	attr_s(attrs, "user.account_id", gs(rec, "user"));
	if (gi(rec, "uid", &v))
		attr_i(attrs, "user.id", v);
	if (gi(rec, "seq", &v))
		attr_i(attrs, "codexd.audit.seq", v);
	attr_s(attrs, "codexd.audit.event", gs(rec, "event"));
	return json_pack("{s:s, s:s, s:i, s:s, s:{s:s}, s:o}", "timeUnixNano", ns,
			 "observedTimeUnixNano", ns, "severityNumber", severity, "severityText",
			 severity >= 13 ? "WARN" : "INFO", "body", "stringValue", name, "attributes",
			 attrs);
}

static char *argv_text(json_t *argv)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	size_t i;
	json_t *v;

	if (!f)
		return NULL;
	json_array_foreach(argv, i, v)
	{
		if (i)
			fputc(' ', f);
		fputs(json_is_string(v) ? json_string_value(v) : "?", f);
	}
	fclose(f);
	return s;
}

static const char *codex_decision(const char *d)
{
	if (!d)
		return "unknown";
	if (strcmp(d, "allow") == 0 || strcmp(d, "approve") == 0)
		return "approved";
	if (strcmp(d, "approve_for_session") == 0)
		return "approved_for_session";
	if (strcmp(d, "approve_always") == 0)
		return "approved_execpolicy_amendment";
	if (strcmp(d, "deny") == 0 || strcmp(d, "forbidden") == 0)
		return "denied";
	if (strcmp(d, "abort") == 0)
		return "abort";
	return d;
}

void telemetry_otlp_records(json_t *rec, bool log_args, json_t *out)
{
	const char *ev = gs(rec, "event");
	json_t *attrs;
	json_int_t v;

	if (!ev)
		return;
	if (strcmp(ev, "exec.decision") == 0 || strcmp(ev, "approval.answer") == 0) {
		const char *d = gs(rec, "decision");
		bool user = strcmp(ev, "approval.answer") == 0;
		/* A prompt is not a decision yet: its answer is. */
		if (!user && d && strcmp(d, "prompt") == 0)
			return;
		attrs = json_array();
		attr_s(attrs, "tool_name", "shell");
		attr_s(attrs, "call_id", gs(rec, "request"));
		attr_s(attrs, "decision", codex_decision(d));
		attr_s(attrs, "source",
		       user ? (gs(rec, "by") && strcmp(gs(rec, "by"), "reviewer") == 0 ? "reviewer"
										: "user")
			    : "config");
		attr_s(attrs, "codexd.decision_source", gs(rec, "source"));
		json_array_append_new(out, log_record(rec, "codex.tool_decision", 9, attrs));
		return;
	}
	if (strcmp(ev, "exec.exit") == 0) {
		json_int_t code = -1, dur = 0, nden = 0;
		bool ok = gi(rec, "exit_code", &code) && code == 0;
		bool timed_out = json_is_true(json_object_get(rec, "timed_out"));
		_cleanup_free_ char *args = NULL;
		const char *outcome;

		(void)gi(rec, "duration_ms", &dur);
		nden = (json_int_t)json_array_size(json_object_get(rec, "denials"));
		if (log_args)
			args = argv_text(json_object_get(rec, "argv"));
		attrs = json_array();
		attr_s(attrs, "tool_name", "shell");
		attr_s(attrs, "call_id", gs(rec, "exec"));
		attr_s(attrs, "arguments", log_args ? (args ? args : "") : "[REDACTED]");
		attr_i(attrs, "duration_ms", dur);
		attr_s(attrs, "success", ok ? "true" : "false");
		attr_s(attrs, "output", "[not captured]");
		if (gi(rec, "exit_code", &v))
			attr_i(attrs, "exit_code", v);
		json_array_append_new(out, log_record(rec, "codex.tool_result", ok ? 9 : 13, attrs));

		outcome = timed_out ? "timeout" : ok ? "success" : nden > 0 ? "denied" : "failure";
		attrs = json_array();
		attr_s(attrs, "tool_name", "shell");
		attr_s(attrs, "call_id", gs(rec, "exec"));
		attr_s(attrs, "outcome", outcome);
		attr_i(attrs, "initial_duration_ms", dur);
		attr_i(attrs, "sandbox.denials", nden);
		attr_s(attrs, "sandbox_policy", gs(rec, "sandbox"));
		json_array_append_new(out, log_record(rec, "codex.sandbox_outcome", 9, attrs));
		return;
	}
	if (strcmp(ev, "net.decision") == 0) {
		const char *host = gs(rec, "host_name");
		attrs = json_array();
		attr_s(attrs, "network.policy.scope", gs(rec, "scope") ? gs(rec, "scope") : "domain");
		attr_s(attrs, "network.policy.decision", gs(rec, "decision"));
		attr_s(attrs, "network.policy.source", gs(rec, "source"));
		attr_s(attrs, "network.policy.reason", gs(rec, "reason"));
		attr_s(attrs, "network.transport.protocol", gs(rec, "protocol"));
		attr_s(attrs, "server.address", host);
		if (gi(rec, "port", &v))
			attr_i(attrs, "server.port", v);
		attr_s(attrs, "http.request.method", gs(rec, "method") ? gs(rec, "method") : "none");
		attr_s(attrs, "client.address",
		       gs(rec, "client_address") ? gs(rec, "client_address") : "unknown");
		attr_b(attrs, "network.policy.override",
		       json_is_true(json_object_get(rec, "override")));
		json_array_append_new(
			out, log_record(rec, "codex.network_proxy.policy_decision", 9, attrs));
		return;
	}
	if (strcmp(ev, "session.create") == 0) {
		attrs = json_array();
		attr_s(attrs, "approval_policy", gs(rec, "approval_policy"));
		attr_s(attrs, "sandbox_policy", gs(rec, "sandbox"));
		attr_s(attrs, "provider_name", "codexd");
		json_array_append_new(out, log_record(rec, "codex.conversation_starts", 9, attrs));
		return;
	}
	if (strcmp(ev, "exec.start") == 0) {
		attrs = json_array();
		attr_s(attrs, "call_id", gs(rec, "exec"));
		attr_s(attrs, "sandbox_policy", gs(rec, "sandbox"));
		json_array_append_new(out,
				      log_record(rec, "codex.exec_server.process_start", 9, attrs));
	}
}

json_t *telemetry_otlp_body(json_t *log_records, const char *host, const char *environment)
{
	json_t *res = json_array();

	attr_s(res, "service.name", "codexd");
	attr_s(res, "service.version", CX_VERSION);
	attr_s(res, "host.name", host);
	if (environment)
		attr_s(res, "deployment.environment", environment);
	return json_pack("{s:[{s:{s:o}, s:[{s:{s:s, s:s}, s:o}]}]}", "resourceLogs", "resource",
			 "attributes", res, "scopeLogs", "scope", "name", "codexd", "version",
			 CX_VERSION, "logRecords", log_records);
}

/* ------------------------------------------------------------------ the worker */

static int severity_of(const char *ev)
{
	if (!ev)
		return LOG_INFO;
	if (strncmp(ev, "exec.refused", 12) == 0 || strcmp(ev, "role.refused") == 0)
		return LOG_NOTICE;
	if (strcmp(ev, "audit.recovered") == 0 || strcmp(ev, "reload") == 0)
		return LOG_NOTICE;
	return LOG_INFO;
}

static void send_journald(struct telemetry *t, struct tel_item *it)
{
	const char *ev = gs(it->record, "event");
	static const char *const fields[] = { "uid", "user", "session", "exec", "request",
					      "decision" };
	char *iov_s[16];
	struct iovec iov[16];
	size_t n = 0;
	json_int_t seq = 0;

	(void)t;
	(void)gi(it->record, "seq", &seq);
	if (asprintf(&iov_s[n++], "MESSAGE=codexd audit %s (seq %lld)", ev ? ev : "?",
		     (long long)seq) < 0)
		return;
	if (asprintf(&iov_s[n++], "PRIORITY=%d", severity_of(ev)) < 0)
		goto out;
	if (asprintf(&iov_s[n++], "SYSLOG_IDENTIFIER=codexd-audit") < 0)
		goto out;
	if (asprintf(&iov_s[n++], "CODEXD_AUDIT_SEQ=%lld", (long long)seq) < 0)
		goto out;
	if (asprintf(&iov_s[n++], "CODEXD_AUDIT_EVENT=%s", ev ? ev : "") < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *v = json_object_get(it->record, fields[i]);
		char up[32];
		size_t k;
		for (k = 0; fields[i][k] && k < sizeof(up) - 1; k++)
			up[k] = (char)(fields[i][k] >= 'a' && fields[i][k] <= 'z' ? fields[i][k] - 32
										  : fields[i][k]);
		up[k] = '\0';
		if (json_is_string(v)) {
			if (asprintf(&iov_s[n++], "CODEXD_AUDIT_%s=%s", up, json_string_value(v)) < 0)
				goto out;
		} else if (json_is_integer(v)) {
			if (asprintf(&iov_s[n++], "CODEXD_AUDIT_%s=%lld", up,
				     (long long)json_integer_value(v)) < 0)
				goto out;
		}
	}
	{
		size_t ll = strlen(it->line);
		if (ll && it->line[ll - 1] == '\n')
			ll--;
		if (asprintf(&iov_s[n++], "CODEXD_AUDIT_RECORD=%.*s", (int)ll, it->line) < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = iov_s[i], .iov_len = strlen(iov_s[i]) };
	(void)sd_journal_sendv(iov, (int)n);
out:
	for (size_t i = 0; i < n; i++)
		free(iov_s[i]);
}

static void send_syslog(struct tel_item *it)
{
	size_t ll = strlen(it->line);

	if (ll && it->line[ll - 1] == '\n')
		ll--;
	syslog(LOG_AUTHPRIV | severity_of(gs(it->record, "event")), "codexd-audit: %.*s", (int)ll,
	       it->line);
}

static size_t discard_body(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static void otlp_post(struct telemetry *t, CURL *curl, json_t *records)
{
	size_t n = json_array_size(records);
	_cleanup_free_ char *body = NULL;
	struct curl_slist *hdr = NULL;
	json_t *doc;
	CURLcode rc;
	long status = 0;

	if (n == 0) {
		json_decref(records);
		return;
	}
	pthread_mutex_lock(&t->mu);
	if (t->stop) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec > t->stop_by.tv_sec ||
		    (now.tv_sec == t->stop_by.tv_sec && now.tv_nsec >= t->stop_by.tv_nsec)) {
			/* Stopping and out of time: count them, do not wait for the collector. */
			t->n_otlp_failed += n;
			pthread_mutex_unlock(&t->mu);
			json_decref(records);
			return;
		}
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	}
	pthread_mutex_unlock(&t->mu);
	doc = telemetry_otlp_body(records, t->host, t->environment);
	body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!body)
		return;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	for (char **h = t->headers; h && *h; h++)
		hdr = curl_slist_append(hdr, *h);
	curl_easy_setopt(curl, CURLOPT_URL, t->endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	pthread_mutex_lock(&t->mu);
	t->n_otlp_batches++;
	if (rc == CURLE_OK && status >= 200 && status < 300)
		t->n_otlp_sent += n;
	else {
		t->n_otlp_failed += n;
		if (rc != CURLE_OK)
			snprintf(t->last_error, sizeof(t->last_error), "%s", curl_easy_strerror(rc));
		else
			snprintf(t->last_error, sizeof(t->last_error), "HTTP status %ld", status);
	}
	pthread_mutex_unlock(&t->mu);
}

static void telemetry_free(struct telemetry *t);

static void *worker(void *arg)
{
	struct telemetry *t = arg;
	CURL *curl = NULL;
	json_t *batch = NULL;
	struct timespec deadline = { 0 };

	if (t->otlp) {
		curl = curl_easy_init();
		if (curl) {
			curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
			curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)t->timeout_ms);
			curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
			curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
			curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
		}
	}
	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct tel_item *it;
		struct timespec now;

		while (!t->head && !t->stop) {
			if (batch && json_array_size(batch) > 0) {
				if (pthread_cond_timedwait(&t->cv, &t->mu, &deadline) == ETIMEDOUT)
					break;
			} else
				pthread_cond_wait(&t->cv, &t->mu);
		}
		it = t->head;
		if (it) {
			t->head = it->next;
			if (!t->head)
				t->tail = NULL;
			t->n_queued--;
		}
		pthread_mutex_unlock(&t->mu);
		if (it) {
			if (t->journald)
				send_journald(t, it);
			if (t->syslog)
				send_syslog(it);
			if (t->otlp && curl) {
				if (!batch) {
					batch = json_array();
					clock_gettime(CLOCK_REALTIME, &deadline);
					deadline.tv_sec += t->interval_ms / 1000;
					deadline.tv_nsec += (long)(t->interval_ms % 1000) * 1000000L;
					if (deadline.tv_nsec >= 1000000000L) {
						deadline.tv_sec++;
						deadline.tv_nsec -= 1000000000L;
					}
				}
				if (batch)
					telemetry_otlp_records(it->record, t->log_args, batch);
			}
			json_decref(it->record);
			free(it->line);
			free(it);
		}
		clock_gettime(CLOCK_REALTIME, &now);
		if (batch && (json_array_size(batch) >= t->batch_max || t->stop ||
			      now.tv_sec > deadline.tv_sec ||
			      (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))) {
			otlp_post(t, curl, batch);
			batch = NULL;
		}
		pthread_mutex_lock(&t->mu);
		if (t->stop && !t->head)
			break;
	}
	pthread_mutex_unlock(&t->mu);
	if (batch)
		otlp_post(t, curl, batch);
	if (curl)
		curl_easy_cleanup(curl);
	pthread_mutex_lock(&t->mu);
	if (t->detached) {
		pthread_mutex_unlock(&t->mu);
		telemetry_free(t);
		return NULL;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int telemetry_start(const struct audit_config *cfg, const char *host, struct telemetry **ret)
{
	static bool curl_ready;
	struct telemetry *t;
	int r;

	*ret = NULL;
	if (!cfg->journald && !cfg->syslog && cfg->otel_exporter != OTEL_EXPORTER_OTLP_HTTP)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->journald = cfg->journald;
	t->syslog = cfg->syslog;
	t->otlp = cfg->otel_exporter == OTEL_EXPORTER_OTLP_HTTP && cfg->otel_endpoint;
	t->log_args = cfg->otel_log_command_args;
	t->queue_max = cfg->otel_queue_max;
	t->batch_max = cfg->otel_batch_max;
	t->interval_ms = cfg->otel_interval_ms;
	t->timeout_ms = cfg->otel_timeout_ms;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->endpoint = cfg->otel_endpoint ? strdup(cfg->otel_endpoint) : NULL;
	t->environment = cfg->otel_environment ? strdup(cfg->otel_environment) : NULL;
	t->headers = cfg->otel_headers ? strv_copy(cfg->otel_headers) : NULL;
	if (t->otlp && !curl_ready) {
		/* Not thread-safe: once, from the main thread, before any worker runs. */
		if (cx_curl_load() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_warning("libcurl failed to initialise: OTLP export is off");
			t->otlp = false;
		} else
			curl_ready = true;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	r = pthread_create(&t->thread, NULL, worker, t);
	if (r != 0) {
		free(t->endpoint);
		free(t->environment);
		strv_free(t->headers);
		free(t);
		return -r;
	}
	*ret = t;
	return 0;
}

static void telemetry_free(struct telemetry *t)
{
	while (t->head) {
		struct tel_item *it = t->head;
		t->head = it->next;
		json_decref(it->record);
		free(it->line);
		free(it);
	}
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t->endpoint);
	free(t->environment);
	strv_free(t->headers);
	free(t);
}

void telemetry_stop(struct telemetry *t, bool wait)
{
	pthread_t th;

	if (!t)
		return;
	th = t->thread; /* once detached, t may be gone at any moment */
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	clock_gettime(CLOCK_REALTIME, &t->stop_by);
	t->stop_by.tv_sec += 2;
	t->detached = !wait;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (!wait) {
		pthread_detach(th);
		return;
	}
	pthread_join(th, NULL);
	telemetry_free(t);
}

void telemetry_submit(struct telemetry *t, json_t *record, const char *line)
{
	struct tel_item *it;

	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	if (t->n_queued >= t->queue_max) {
		t->n_dropped++;
		pthread_mutex_unlock(&t->mu);
		return;
	}
	pthread_mutex_unlock(&t->mu);
	it = calloc(1, sizeof(*it));
	if (!it)
		return;
	it->record = json_deep_copy(record);
	it->line = strdup(line);
	if (!it->record || !it->line) {
		json_decref(it->record);
		free(it->line);
		free(it);
		return;
	}
	pthread_mutex_lock(&t->mu);
	if (t->tail)
		t->tail->next = it;
	else
		t->head = it;
	t->tail = it;
	t->n_queued++;
	t->n_enqueued++;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

json_t *telemetry_status_json(struct telemetry *t)
{
	json_t *o;

	pthread_mutex_lock(&t->mu);
	o = json_pack("{s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "journald", t->journald,
		      "syslog", t->syslog, "otlp", t->otlp, "queued", (json_int_t)t->n_queued,
		      "forwarded", (json_int_t)t->n_enqueued, "dropped", (json_int_t)t->n_dropped,
		      "otlp_sent", (json_int_t)t->n_otlp_sent, "otlp_failed",
		      (json_int_t)t->n_otlp_failed, "otlp_batches", (json_int_t)t->n_otlp_batches);
	if (o && t->last_error[0])
		json_object_set_new(o, "otlp_last_error", json_string(t->last_error));
	pthread_mutex_unlock(&t->mu);
	return o;
}
