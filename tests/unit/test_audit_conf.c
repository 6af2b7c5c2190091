/* SPDX-License-Identifier: MIT */
/* [audit], [otel] and [sessions]: defaults, values, and file:line errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "daemon/audit_conf.h"

static int load(const char *text, struct audit_config **ret, char *err, size_t errsz)
{
	struct conf_doc *doc = conf_doc_new();
	int r;

	assert_non_null(doc);
	err[0] = '\0';
	r = conf_parse_buffer(text, strlen(text), "t.conf", doc, err, errsz);
	if (r == 0)
		r = audit_conf_load(doc, ret, err, errsz);
	conf_doc_free(doc);
	return r;
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
	audit_conf_free(c);
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
			      "[sessions]\nmax_sessions_per_uid = 3\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c->fsync, AUDIT_FSYNC_BATCH);
	assert_int_equal(c->on_failure, AUDIT_ON_FAILURE_CONTINUE);
	assert_int_equal(c->max_file_bytes, 8192);
	assert_int_equal(c->max_files, 0);
	assert_int_equal(c->otel_exporter, OTEL_EXPORTER_OTLP_HTTP);
	assert_string_equal(c->otel_headers[0], "Authorization: Bearer x");
	assert_int_equal(c->sessions_max_per_uid, 3);
	audit_conf_free(c);
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
	check_error("[audit]\nfsync = \"sometimes\"\n", "t.conf:2: fsync: invalid value");
	check_error("[audit]\nbogus = 1\n", "t.conf:2: unknown key \"bogus\" in [audit]");
	check_error("[audit]\nmax_file_size = 10\n", "t.conf:2");
	check_error("[otel]\nexporter = \"otlp-http\"\n", "needs an endpoint");
	check_error("[otel]\nendpoint = \"ftp://x\"\n", "t.conf:2: endpoint must be an http");
	check_error("[otel]\nheaders = [\"no colon\"]\n", "t.conf:2: headers");
	check_error("[otel]\nheaders = [\"Bad Name: v\"]\n", "t.conf:2: headers");
	check_error("[audit]\nhmac_key_file = \"relative\"\n", "absolute");
	check_error("[audit]\nhmac_key_file = \"/nonexistent/key\"\n", "HMAC key /nonexistent/key");
	check_error("[sessions]\nsecrets_dir = \"x/y\"\n", "absolute");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
