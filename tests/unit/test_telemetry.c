/* SPDX-License-Identifier: MIT */
/*
 * Audit records as OTLP log records with Codex's event names: which
 * events map to what, argument redaction, and the OTLP/JSON envelope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "daemon/telemetry.h"

/* The value of attribute key in an OTLP log record, as text (or NULL). */
static const char *attr(json_t *lr, const char *key)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(lr, "attributes"), i, a)
	{
		json_t *v = json_object_get(a, "value");
		if (strcmp(json_string_value(json_object_get(a, "key")), key) != 0)
			continue;
		if (json_object_get(v, "stringValue"))
			return json_string_value(json_object_get(v, "stringValue"));
		if (json_object_get(v, "intValue"))
			return json_string_value(json_object_get(v, "intValue"));
		return json_is_true(json_object_get(v, "boolValue")) ? "true" : "false";
	}
	return NULL;
}

static json_t *map(const char *record, bool log_args)
{
	json_error_t e;
	json_t *rec = json_loads(record, 0, &e), *out = json_array();

	assert_non_null(rec);
	telemetry_otlp_records(rec, log_args, out);
	json_decref(rec);
	return out;
}

static void test_decision(void **state)
{
	json_t *out = map("{\"seq\":3,\"time\":\"2026-11-21T10:00:00.000001Z\",\"event\":"
			  "\"exec.decision\",\"uid\":1000,\"user\":\"alice\",\"request\":\"r1\","
			  "\"session\":\"s-1\",\"decision\":\"forbidden\",\"source\":\"rule\"}",
			  false);
	json_t *lr = json_array_get(out, 0);

	(void)state;
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(attr(lr, "event.name"), "codex.tool_decision");
	assert_string_equal(attr(lr, "decision"), "denied");
	assert_string_equal(attr(lr, "source"), "config");
	assert_string_equal(attr(lr, "call_id"), "r1");
	assert_string_equal(attr(lr, "conversation.id"), "s-1");
	assert_string_equal(attr(lr, "user.account_id"), "alice");
	assert_string_equal(attr(lr, "codexd.audit.seq"), "3");
	assert_string_equal(json_string_value(json_object_get(lr, "timeUnixNano")),
			    "1795255200000001000");
	json_decref(out);
	/* A prompt is no decision yet; the answer is, from the user. */
	out = map("{\"event\":\"exec.decision\",\"decision\":\"prompt\"}", false);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	out = map("{\"event\":\"approval.answer\",\"decision\":\"approve_for_session\",\"by\":"
		  "\"watcher\"}",
		  false);
	assert_string_equal(attr(json_array_get(out, 0), "decision"), "approved_for_session");
	assert_string_equal(attr(json_array_get(out, 0), "source"), "user");
	json_decref(out);
}

static void test_exit_redaction(void **state)
{
	const char *rec = "{\"seq\":9,\"time\":\"2026-11-21T10:00:00.000000Z\",\"event\":"
			  "\"exec.exit\",\"exec\":\"x1\",\"argv\":[\"curl\",\"-H\",\"token\"],"
			  "\"exit_code\":0,\"duration_ms\":12,\"denials\":[]}";
	json_t *out = map(rec, false);

	(void)state;
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(attr(json_array_get(out, 0), "event.name"), "codex.tool_result");
	assert_string_equal(attr(json_array_get(out, 0), "arguments"), "[REDACTED]");
	assert_string_equal(attr(json_array_get(out, 0), "success"), "true");
	assert_string_equal(attr(json_array_get(out, 0), "duration_ms"), "12");
	assert_string_equal(attr(json_array_get(out, 1), "event.name"), "codex.sandbox_outcome");
	assert_string_equal(attr(json_array_get(out, 1), "outcome"), "success");
	json_decref(out);
	out = map(rec, true);
	assert_string_equal(attr(json_array_get(out, 0), "arguments"), "curl -H token");
	json_decref(out);
}

static void test_net_and_session(void **state)
{
	json_t *out = map("{\"event\":\"net.decision\",\"host_name\":\"example.com\",\"port\":443,"
			  "\"protocol\":\"https\",\"decision\":\"deny\",\"source\":\"baseline_policy\","
			  "\"scope\":\"domain\"}",
			  false);
	json_t *lr = json_array_get(out, 0);

	(void)state;
	assert_string_equal(attr(lr, "event.name"), "codex.network_proxy.policy_decision");
	assert_string_equal(attr(lr, "server.address"), "example.com");
	assert_string_equal(attr(lr, "server.port"), "443");
	assert_string_equal(attr(lr, "network.policy.decision"), "deny");
	assert_string_equal(attr(lr, "http.request.method"), "none");
	assert_string_equal(attr(lr, "client.address"), "unknown");
	json_decref(out);
	out = map("{\"event\":\"session.create\",\"session\":\"s-2\",\"sandbox\":\"read-only\"}",
		  false);
	assert_string_equal(attr(json_array_get(out, 0), "event.name"), "codex.conversation_starts");
	assert_string_equal(attr(json_array_get(out, 0), "sandbox_policy"), "read-only");
	json_decref(out);
	out = map("{\"event\":\"conn.open\"}", false);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}

static void test_envelope(void **state)
{
	json_t *body = telemetry_otlp_body(json_array(), "build-1", "prod");
	json_t *rl = json_array_get(json_object_get(body, "resourceLogs"), 0);
	json_t *res = json_object_get(json_object_get(rl, "resource"), "attributes");
	json_t *sl = json_array_get(json_object_get(rl, "scopeLogs"), 0);

	(void)state;
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(res, 0), "value"), "stringValue")),
			    "codexd");
	assert_non_null(json_object_get(sl, "logRecords"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(sl, "scope"), "name")),
			    "codexd");
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_exit_redaction),
		cmocka_unit_test(test_net_and_session),
		cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
