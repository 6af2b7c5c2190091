/* SPDX-License-Identifier: MIT */
/* Unit tests: JSON-RPC parsing and building (common/jsonrpc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonrpc.h"
#include "common/protocol.h"

static int parse(const char *s, struct rpc_message *m, struct rpc_parse_error *e)
{
	return jsonrpc_parse(s, strlen(s), m, e);
}

static void expect_error(const char *s, size_t len, int code)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	assert_int_equal(jsonrpc_parse(s, len, &m, &e), -EBADMSG);
	assert_int_equal(e.code, code);
	assert_non_null(e.reason);
	assert_true(strlen(e.message) > 0);
}

#define EXPECT_ERROR(s, code) expect_error((s), sizeof(s) - 1, (code))

static void test_request(void **state)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"hello\",\"params\":"
			       "{\"a\":1}}",
			       &m, &e),
			 0);
	assert_int_equal(m.kind, RPC_KIND_REQUEST);
	assert_int_equal(m.id.type, RPC_ID_INT);
	assert_int_equal(m.id.num, 7);
	assert_string_equal(m.method, "hello");
	assert_true(json_is_object(m.params));
	assert_int_equal(json_object_size(m.params), 1);
	jsonrpc_message_done(&m);
}

static void test_request_string_id_no_params(void **state)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"daemon/status\"}",
			       &m, &e),
			 0);
	assert_int_equal(m.id.type, RPC_ID_STRING);
	assert_string_equal(m.id.str, "abc");
	assert_true(json_is_object(m.params));
	assert_int_equal(json_object_size(m.params), 0);
	jsonrpc_message_done(&m);
}

static void test_notification(void **state)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", &m, &e), 0);
	assert_int_equal(m.kind, RPC_KIND_NOTIFICATION);
	jsonrpc_message_done(&m);
}

static void test_result_and_error(void **state)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}", &m, &e), 0);
	assert_int_equal(m.kind, RPC_KIND_RESULT);
	jsonrpc_message_done(&m);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
			       "\"message\":\"bad\",\"data\":{\"reason\":\"parse_error\"}}}",
			       &m, &e),
			 0);
	assert_int_equal(m.kind, RPC_KIND_ERROR);
	assert_int_equal(m.error_code, -32700);
	assert_string_equal(m.error_message, "bad");
	assert_string_equal(m.error_reason, "parse_error");
	jsonrpc_message_done(&m);
}

/* STYLE.md "Hostile input": every decoding failure gets a precise code. */
static void test_malformed(void **state)
{
	(void)state;
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,", CX_ERR_PARSE);              /* truncated */
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"x\"}", CX_ERR_PARSE);
	EXPECT_ERROR("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}]", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("42", CX_ERR_INVALID_REQUEST); /* valid JSON, not a request object */
	EXPECT_ERROR("\"str\"", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("null", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"id\":1,\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);       /* no jsonrpc */
	EXPECT_ERROR("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"extra\":1}",
		     CX_ERR_INVALID_REQUEST); /* unknown member */
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a b\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}",
		     CX_ERR_INVALID_REQUEST); /* positional params */
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":-1,\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"x\"}",
		     CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"result\":{}}",
		     CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":5}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"result\":{}}", CX_ERR_INVALID_REQUEST);
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\\u0000\"}}",
		     CX_ERR_PARSE); /* \u0000 without JSON_ALLOW_NUL */
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"n\":"
		     "99999999999999999999999}}",
		     CX_ERR_PARSE); /* integer overflow */
	EXPECT_ERROR("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\\u00e9\"}",
		     CX_ERR_INVALID_REQUEST);
}

static void test_nul_and_invalid_utf8(void **state)
{
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\0\"method\":\"x\"}";
	static const char bad_utf8[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":"
				       "{\"s\":\"\xff\xfe\"}}";
	static const char overlong[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":"
				       "{\"s\":\"\xc0\xaf\"}}";

	(void)state;
	expect_error(nul, sizeof(nul) - 1, CX_ERR_PARSE);
	expect_error(bad_utf8, sizeof(bad_utf8) - 1, CX_ERR_PARSE);
	expect_error(overlong, sizeof(overlong) - 1, CX_ERR_PARSE);
}

static void test_deep_nesting(void **state)
{
	size_t n = 5000, o = 0;
	char *s = malloc(2 * n + 100);
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	o += (size_t)sprintf(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":");
	for (size_t i = 0; i < n; i++)
		s[o++] = '[';
	for (size_t i = 0; i < n; i++)
		s[o++] = ']';
	s[o++] = '}';
	s[o++] = '}';
	assert_int_equal(jsonrpc_parse(s, o, &m, &e), -EBADMSG);
	assert_int_equal(e.code, CX_ERR_PARSE);
	free(s);
}

static void test_error_keeps_id(void **state)
{
	struct rpc_message m;
	struct rpc_parse_error e;

	(void)state;
	/* An unknown member: the id is still answered to. */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"x\",\"zz\":1}", &m, &e),
			 -EBADMSG);
	assert_int_equal(e.id.type, RPC_ID_INT);
	assert_int_equal(e.id.num, 42);
}

static void test_build(void **state)
{
	struct rpc_id id = { .type = RPC_ID_STRING };
	struct rpc_message m;
	struct rpc_parse_error e;
	size_t len;
	char *line;

	(void)state;
	strcpy(id.str, "a\nb");
	line = jsonrpc_build_result(&id, json_pack("{s:s}", "k", "line1\nline2"), &len);
	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	/* Exactly one newline: compact output escapes the ones inside strings. */
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
	assert_int_equal(jsonrpc_parse(line, len - 1, &m, &e), 0);
	assert_int_equal(m.kind, RPC_KIND_RESULT);
	assert_string_equal(m.id.str, "a\nb");
	jsonrpc_message_done(&m);
	free(line);

	line = jsonrpc_build_error(&(struct rpc_id){ 0 }, CX_ERR_LIMIT, CX_REASON_LIMIT, "too many",
				   NULL, &len);
	assert_non_null(line);
	assert_int_equal(jsonrpc_parse(line, len - 1, &m, &e), 0);
	assert_int_equal(m.kind, RPC_KIND_ERROR);
	assert_int_equal(m.error_code, CX_ERR_LIMIT);
	assert_string_equal(m.error_reason, CX_REASON_LIMIT);
	jsonrpc_message_done(&m);
	free(line);

	line = jsonrpc_build_notification("exec/output", json_pack("{s:s}", "id", "x1"), &len);
	assert_non_null(line);
	assert_int_equal(jsonrpc_parse(line, len - 1, &m, &e), 0);
	assert_int_equal(m.kind, RPC_KIND_NOTIFICATION);
	jsonrpc_message_done(&m);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_string_id_no_params),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_result_and_error),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_and_invalid_utf8),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_error_keeps_id),
		cmocka_unit_test(test_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
