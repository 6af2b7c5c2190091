/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: strict decoding (common/jdecode.c) through the real exec/start
 * decoder (daemon/rpc_exec.c) — every failure class of STYLE.md "Hostile
 * input" 3: unknown keys, missing keys, wrong types, ranges, lengths, array
 * counts, relative or unnormalised paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/jdecode.h"
#include "daemon/exec.h"

static int decode(const char *json, struct exec_request *r, char *err, size_t errsz)
{
	json_error_t je;
	json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	int rc;

	assert_non_null(v);
	rc = rpc_exec_decode_start(v, r, err, errsz);
	json_decref(v);
	return rc;
}

static void expect_invalid(const char *json, const char *needle)
{
	struct exec_request r = { 0 };
	char err[256] = "";

	assert_int_equal(decode(json, &r, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
	/* Nothing leaked into r on failure. */
	assert_null(r.argv);
	assert_null(r.cwd);
}

static void test_minimal(void **state)
{
	struct exec_request r = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(decode("{\"argv\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\"}", &r, err, sizeof(err)),
			 0);
	assert_string_equal(r.argv[0], "ls");
	assert_string_equal(r.argv[1], "-l");
	assert_null(r.argv[2]);
	assert_string_equal(r.cwd, "/tmp");
	assert_false(r.has_sandbox);
	assert_false(r.has_timeout);
	assert_true(r.stdin_open);
	assert_int_equal(r.stdio, STDIO_PIPE);
	exec_request_done(&r);
}

static void test_full(void **state)
{
	struct exec_request r = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(decode("{\"argv\":[\"make\"],\"cwd\":\"/home/a/p\",\"sandbox\":"
				"\"workspace-write\",\"network\":{\"mode\":\"proxy\","
				"\"allow_domains\":[\"github.com\"],\"deny_domains\":[\"x.com\"]},"
				"\"writable_roots\":[\"/home/a/cache\"],\"env\":{\"PATH\":\"/bin\","
				"\"HOME\":\"/home/a\"},\"set_env\":{\"X\":\"1\"},\"stdio\":\"pipe\","
				"\"stdin\":false,\"timeout_ms\":5000,\"session\":\"s1\","
				"\"approval_policy\":\"on-request\",\"escalate\":false,"
				"\"justification\":\"build\"}",
				&r, err, sizeof(err)),
			 0);
	assert_true(r.has_sandbox);
	assert_int_equal(r.sandbox, SANDBOX_WORKSPACE_WRITE);
	assert_true(r.has_network);
	assert_int_equal(r.network, NET_PROXY);
	assert_string_equal(r.allow_domains[0], "github.com");
	assert_string_equal(r.deny_domains[0], "x.com");
	assert_string_equal(r.writable_roots[0], "/home/a/cache");
	assert_int_equal(strv_length(r.env), 2);
	assert_string_equal(r.set_env[0], "X=1");
	assert_false(r.stdin_open);
	assert_int_equal(r.timeout_ms, 5000);
	assert_string_equal(r.session, "s1");
	exec_request_done(&r);
}

static void test_network_string(void **state)
{
	struct exec_request r = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(decode("{\"argv\":[\"x\"],\"cwd\":\"/\",\"network\":\"off\"}", &r, err,
				sizeof(err)),
			 0);
	assert_int_equal(r.network, NET_OFF);
	exec_request_done(&r);
}

static void test_unknown_and_missing(void **state)
{
	(void)state;
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"bogus\":1}", "unknown field \"bogus\"");
	expect_invalid("{\"cwd\":\"/\"}", "params.argv: required");
	expect_invalid("{\"argv\":[\"x\"]}", "params.cwd: required");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"network\":{\"mode\":\"off\",\"z\":1}}",
		       "unknown field");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"network\":{}}", "required");
	/* An unknown field name is quoted and cut short, never echoed whole. */
	{
		char big[600];
		memset(big, 0, sizeof(big));
		strcpy(big, "{\"argv\":[\"x\"],\"cwd\":\"/\",\"");
		memset(big + strlen(big), 'k', 300);
		strcat(big, "\":1}");
		struct exec_request r = { 0 };
		char err[256];
		assert_int_equal(decode(big, &r, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "..."));
		assert_true(strlen(err) < 120);
	}
}

static void test_types(void **state)
{
	(void)state;
	expect_invalid("{\"argv\":\"ls\",\"cwd\":\"/\"}", "params.argv: must be an array");
	expect_invalid("{\"argv\":[1],\"cwd\":\"/\"}", "params.argv[0]: must be a string");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":5}", "params.cwd: must be a string");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"tty\":\"yes\"}", "must be true or false");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"timeout_ms\":\"5\"}", "must be an integer");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"timeout_ms\":1.5}", "must be an integer");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"env\":[\"A=1\"]}", "object of strings");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"env\":{\"A\":1}}", "values must be strings");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"sandbox\":\"yolo\"}", "must be one of");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"network\":\"maybe\"}", "off");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdio\":\"pty\"}", "must be one of");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":null}", "must be a string");
}

static void test_ranges_and_lengths(void **state)
{
	char *big;
	size_t n;

	(void)state;
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"timeout_ms\":0}", "out of range");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"timeout_ms\":-5}", "out of range");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"timeout_ms\":604800001}", "out of range");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"tty\":true,\"rows\":0}", "out of range");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"tty\":true,\"cols\":4294967297}",
		       "out of range");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rows\":10}", "only with tty");
	expect_invalid("{\"argv\":[],\"cwd\":\"/\"}", "must not be empty");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"session\":\"\"}", "must not be empty");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"env\":{\"A=B\":\"1\"}}", "without '='");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"env\":{\"\":\"1\"}}", "without '='");

	/* An argument longer than the kernel accepts. */
	n = CX_MAX_ARG + 100;
	big = malloc(n + 100);
	strcpy(big, "{\"cwd\":\"/\",\"argv\":[\"");
	memset(big + strlen(big), 'a', CX_MAX_ARG + 1);
	big[20 + CX_MAX_ARG + 1] = '\0';
	strcat(big, "\"]}");
	expect_invalid(big, "longer than 131072 bytes");
	free(big);

	/* Too many argv elements. */
	big = malloc((CX_MAX_ARGV + 2) * 4 + 64);
	strcpy(big, "{\"cwd\":\"/\",\"argv\":[");
	for (int i = 0; i < CX_MAX_ARGV + 1; i++)
		strcat(big, i ? ",\"a\"" : "\"a\"");
	strcat(big, "]}");
	expect_invalid(big, "more than 4096 elements");
	free(big);
}

static void test_paths(void **state)
{
	(void)state;
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"tmp\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/tmp/../etc\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/tmp/./a\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/tmp//a\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/tmp/\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/a\\nb\"}", "absolute, normalised");
	expect_invalid("{\"argv\":[\"x\"],\"cwd\":\"/\",\"writable_roots\":[\"/ok\",\"rel\"]}",
		       "params.writable_roots[1]");
}

/* A small table of its own: null means "absent" for optional fields only. */
struct small {
	char *name;
	bool flag;
	int64_t n;
};

static const struct jd_field small_fields[] = {
	{ "name", JD_STRING, offsetof(struct small, name), JD_REQUIRED, 0, 8 },
	{ "flag", JD_BOOL, offsetof(struct small, flag) },
	{ "n", JD_INT64, offsetof(struct small, n), 0, -3, 3 },
};

static void test_generic(void **state)
{
	struct small s = { 0 };
	uint64_t present = 0;
	char err[200];
	json_t *v;

	(void)state;
	v = json_pack("{s:s, s:n}", "name", "abc", "flag");
	assert_int_equal(jd_decode(v, "p", small_fields, 3, &s, &present, err, sizeof(err)), 0);
	assert_true(JD_PRESENT(present, 0));
	assert_false(JD_PRESENT(present, 1));
	jd_free(small_fields, 3, &s);
	json_decref(v);

	memset(&s, 0, sizeof(s));
	v = json_pack("{s:n}", "name");
	assert_int_equal(jd_decode(v, "p", small_fields, 3, &s, NULL, err, sizeof(err)), -EINVAL);
	json_decref(v);

	v = json_pack("{s:s}", "name", "123456789");
	assert_int_equal(jd_decode(v, "p", small_fields, 3, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 8"));
	json_decref(v);

	v = json_pack("{s:s, s:i}", "name", "a", "n", 4);
	assert_int_equal(jd_decode(v, "p", small_fields, 3, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_null(s.name); /* freed on failure */
	json_decref(v);

	v = json_array();
	assert_int_equal(jd_decode(v, "p", small_fields, 3, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "p: must be an object");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_network_string),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_ranges_and_lengths),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_generic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
