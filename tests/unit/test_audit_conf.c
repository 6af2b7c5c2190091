/* SPDX-License-Identifier: MIT */
/*
 * [audit], [otel] and [sessions]: defaults, values, and file:line errors,
 * read by daemon/conf.c from a real file (root-owned, as managed files
 * must be: these tests run as root with the rest of `make check`, and
 * skip otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/audit_conf.h"

#include "conf_file.h"

static struct daemon_config *cfg;

/* Load text as the whole configuration; *ret is its [audit]/[otel]/[sessions] part. */
static int load(const char *text, struct audit_config **ret, char *err, size_t errsz)
{
	int r = load_conf(text, &cfg, err, errsz);

	*ret = r == 0 ? cfg->audit : NULL;
	return r;
}

static void done(void)
{
	conf_free(cfg);
	cfg = NULL;
}

static void test_defaults(void **state)
{
	struct audit_config *c = NULL;
	char err[256];

	(void)state;
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load("", &c, err, sizeof(err)), 0);
	assert_true(c->enabled);
	assert_int_equal(c->fsync, AUDIT_FSYNC_ALWAYS);
	assert_int_equal(c->on_failure, AUDIT_ON_FAILURE_REFUSE);
	assert_true(c->append_only);
	assert_int_equal(c->otel_exporter, OTEL_EXPORTER_NONE);
	assert_false(c->otel_log_command_args);
	assert_null(c->key);
	assert_int_equal(c->sessions_idle_timeout_ms, 24 * 3600 * 1000);
	done();
}

static void test_values(void **state)
{
	struct audit_config *c = NULL;
	char err[256];

	(void)state;
	assert_int_equal(load("[audit]\nfsync = \"batch\"\non_failure = \"continue\"\n"
			      "max_file_size = 8192\nmax_files = 0\n"
			      "[otel]\nexporter = \"otlp-http\"\n"
			      "endpoint = \"https://collector:4318/v1/logs\"\n"
			      "headers = [\"Authorization: Bearer x\"]\n"
			      "[sessions]\nmax_sessions_per_uid = 3\nidle_timeout_ms = 0\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c->fsync, AUDIT_FSYNC_BATCH);
	assert_int_equal(c->on_failure, AUDIT_ON_FAILURE_CONTINUE);
	assert_int_equal(c->max_file_bytes, 8192);
	assert_int_equal(c->max_files, 0);
	assert_int_equal(c->otel_exporter, OTEL_EXPORTER_OTLP_HTTP);
	assert_string_equal(c->otel_headers[0], "Authorization: Bearer x");
	assert_int_equal(c->sessions_max_per_uid, 3);
	assert_int_equal(c->sessions_idle_timeout_ms, 0);
	done();
}

static void check_error(const char *text, const char *want)
{
	struct audit_config *c = NULL;
	char err[256];

	assert_int_equal(load(text, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_errors(void **state)
{
	(void)state;
	check_error("[audit]\nfsync = \"sometimes\"\n", "codexd.conf:2: fsync: invalid value");
	check_error("[audit]\nbogus = 1\n", "codexd.conf:2: unknown key \"bogus\" in [audit]");
	check_error("[audit]\nmax_file_size = 10\n", "codexd.conf:2");
	check_error("[otel]\nexporter = \"otlp-http\"\n", "needs an endpoint");
	check_error("[otel]\nendpoint = \"ftp://x\"\n", "codexd.conf:2: endpoint must be an http");
	check_error("[otel]\nheaders = [\"no colon\"]\n", "codexd.conf:2: headers");
	check_error("[otel]\nheaders = [\"Bad Name: v\"]\n", "codexd.conf:2: headers");
	check_error("[audit]\nhmac_key_file = \"relative\"\n", "absolute");
	check_error("[audit]\nhmac_key_file = \"/nonexistent/key\"\n", "HMAC key /nonexistent/key");
	check_error("[sessions]\nsecrets_dir = \"x/y\"\n", "absolute");
	check_error("[sessions]\nidle_timeout_ms = -1\n", "codexd.conf:2");
	check_error("[otel]\nenvironment = \"\"\n", "codexd.conf:2: environment must be 1 to 256");
	check_error("[otel]\nheaders = [\"A: 1\", \"B: 2\", \"C: 3\", \"D: 4\", \"E: 5\", "
		    "\"F: 6\", \"G: 7\", \"H: 8\", \"I: 9\", \"J: 10\", \"K: 11\", \"L: 12\", "
		    "\"M: 13\", \"N: 14\", \"O: 15\", \"P: 16\", \"Q: 17\"]\n",
		    "codexd.conf:2: headers: more than 16");
	check_error("[otel]\nexporter = \"grpc\"\n",
		    "codexd.conf:2: exporter: invalid value \"grpc\" (none or otlp-http)");
	check_error("[audit]\non_failure = 1\n", "codexd.conf:2");
}

/* config/show: the keys sit in their sections; header values are redacted. */
static void test_json(void **state)
{
	struct audit_config *c = NULL;
	char err[256];
	json_t *j, *h;

	(void)state;
	assert_int_equal(load("[otel]\nheaders = [\"Authorization: Bearer secret\"]\n"
			      "[audit]\nfsync = \"none\"\n",
			      &c, err, sizeof(err)),
			 0);
	j = conf_to_json(cfg, true, true);
	assert_non_null(j);
	h = json_object_get(json_object_get(json_object_get(j, "values"), "otel"), "headers");
	assert_string_equal(json_string_value(json_array_get(h, 0)), "Authorization: (redacted)");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(j, "values"), "audit"), "fsync")),
			    "none");
	assert_non_null(json_object_get(json_object_get(j, "origins"), "audit.fsync"));
	assert_int_equal(json_object_size(json_object_get(j, "pass_through")), 0);
	json_decref(j);
	j = conf_to_json(cfg, false, false);
	h = json_object_get(json_object_get(json_object_get(j, "values"), "otel"), "headers");
	assert_string_equal(json_string_value(json_array_get(h, 0)), "Authorization: Bearer secret");
	json_decref(j);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
