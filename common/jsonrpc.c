/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonrpc.h"
#include "common/protocol.h"

#define RPC_MAX_SAFE_INT 9007199254740992LL /* 2^53: exact in every JSON reader */

static int perr(struct rpc_parse_error *err, int code, const char *reason, const char *msg)
{
	err->code = code;
	err->reason = reason;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return -EBADMSG;
}

static int parse_id(json_t *v, struct rpc_id *id)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0 || n > RPC_MAX_SAFE_INT)
			return -ERANGE;
		id->type = RPC_ID_INT;
		id->num = n;
		return 0;
	}
	if (json_is_string(v)) {
		size_t l = json_string_length(v);
		if (l == 0 || l > CX_MAX_ID_STRING)
			return -ERANGE;
		id->type = RPC_ID_STRING;
		memcpy(id->str, json_string_value(v), l);
		id->str[l] = '\0';
		return 0;
	}
	return -EINVAL;
}

static bool method_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > CX_MAX_METHOD)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

void jsonrpc_message_done(struct rpc_message *m)
{
	if (!m)
		return;
	json_decref(m->params);
	json_decref(m->result);
	json_decref(m->error_data);
	free(m->error_message);
	free(m->error_reason);
	*m = (struct rpc_message){ 0 };
}

static int parse_error_object(json_t *e, struct rpc_message *m, struct rpc_parse_error *err)
{
	json_t *code, *msg, *data;
	const char *key;
	json_t *v;

	if (!json_is_object(e))
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "error must be an object");
	json_object_foreach(e, key, v)
	{
		if (strcmp(key, "code") && strcmp(key, "message") && strcmp(key, "data"))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "unknown member in error object");
	}
	code = json_object_get(e, "code");
	msg = json_object_get(e, "message");
	data = json_object_get(e, "data");
	if (!json_is_integer(code) || !json_is_string(msg))
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "error needs an integer code and a string message");
	m->error_code = json_integer_value(code);
	m->error_message = strndup(json_string_value(msg), 4096);
	if (!m->error_message)
		return -ENOMEM;
	if (data) {
		json_t *reason = json_object_get(data, "reason");
		if (json_is_string(reason)) {
			m->error_reason = strndup(json_string_value(reason), 128);
			if (!m->error_reason)
				return -ENOMEM;
		}
		m->error_data = json_incref(data);
	}
	return 0;
}

int jsonrpc_parse(const char *frame, size_t len, struct rpc_message *ret,
		  struct rpc_parse_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	struct rpc_message m = { 0 };
	json_error_t jerr;
	json_t *version, *id, *method, *params, *result, *error;
	const char *key;
	json_t *v;
	int r;

	*err = (struct rpc_parse_error){ 0 };
	if (memchr(frame, '\0', len))
		return perr(err, CX_ERR_PARSE, CX_REASON_PARSE, "frame contains a NUL byte");

	/* DECODE_ANY only so a scalar is answered -32600 (JSON-RPC 2.0 §5), not -32700. */
	root = json_loadb(frame, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		/* jansson's text names the problem and a position; never the input. */
		char msg[160];
		snprintf(msg, sizeof(msg), "parse error at byte %d: %.80s", jerr.position,
			 jerr.text);
		return perr(err, CX_ERR_PARSE, CX_REASON_PARSE, msg);
	}
	if (json_is_array(root))
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "batch requests are not supported");
	if (!json_is_object(root))
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "a message must be a JSON object");

	/* Recover the id first so later errors can be answered to it. */
	id = json_object_get(root, "id");
	if (id && !json_is_null(id)) {
		r = parse_id(id, &m.id);
		if (r < 0)
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    r == -ERANGE ? "id out of range (integer 0..2^53 or string of "
						   "1..128 bytes)"
						 : "id must be an integer or a string");
		err->id = m.id;
	}

	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "jsonrpc") && strcmp(key, "id") && strcmp(key, "method") &&
		    strcmp(key, "params") && strcmp(key, "result") && strcmp(key, "error"))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "unknown member in message");
	}

	version = json_object_get(root, "jsonrpc");
	if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0)
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "\"jsonrpc\" must be \"2.0\"");

	method = json_object_get(root, "method");
	params = json_object_get(root, "params");
	result = json_object_get(root, "result");
	error = json_object_get(root, "error");

	if (method) {
		if (result || error)
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "a request cannot carry result or error");
		if (!json_is_string(method) ||
		    !method_name_ok(json_string_value(method), json_string_length(method)))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "method must be a short name of [A-Za-z0-9/_.-]");
		if (id && json_is_null(id))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "id must not be null");
		if (params && !json_is_object(params))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "params must be an object");
		strcpy(m.method, json_string_value(method));
		m.kind = m.id.type == RPC_ID_NONE ? RPC_KIND_NOTIFICATION : RPC_KIND_REQUEST;
		m.params = params ? json_incref(params) : json_object();
		if (!m.params)
			return -ENOMEM;
		*ret = m;
		return 0;
	}

	if (params)
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "params without method");
	if (!!result == !!error)
		return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			    "a message needs a method, a result or an error");
	if (result) {
		if (m.id.type == RPC_ID_NONE)
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "a result needs an id");
		if (!json_is_object(result))
			return perr(err, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
				    "result must be an object");
		m.kind = RPC_KIND_RESULT;
		m.result = json_incref(result);
		*ret = m;
		return 0;
	}
	m.kind = RPC_KIND_ERROR;
	r = parse_error_object(error, &m, err);
	if (r < 0) {
		jsonrpc_message_done(&m);
		return r;
	}
	*ret = m;
	return 0;
}

json_t *rpc_id_to_json(const struct rpc_id *id)
{
	switch (id->type) {
	case RPC_ID_INT:
		return json_integer(id->num);
	case RPC_ID_STRING:
		return json_string(id->str);
	case RPC_ID_NONE:
	default:
		return json_null();
	}
}

const char *rpc_id_to_string(const struct rpc_id *id, char *buf, size_t bufsz)
{
	switch (id->type) {
	case RPC_ID_INT:
		snprintf(buf, bufsz, "%" PRId64, id->num);
		break;
	case RPC_ID_STRING:
		snprintf(buf, bufsz, "\"%.40s\"", id->str);
		break;
	case RPC_ID_NONE:
	default:
		snprintf(buf, bufsz, "null");
		break;
	}
	return buf;
}

char *json_dump_line(json_t *v, size_t *ret_len)
{
	char *s, *line;
	size_t l;

	/* JSON_COMPACT escapes control characters, so the text is one line. */
	s = json_dumps(v, JSON_COMPACT);
	if (!s)
		return NULL;
	l = strlen(s);
	line = realloc(s, l + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[l] = '\n';
	line[l + 1] = '\0';
	if (ret_len)
		*ret_len = l + 1;
	return line;
}

static char *build(json_t *msg, size_t *ret_len)
{
	char *line;

	if (!msg)
		return NULL;
	line = json_dump_line(msg, ret_len);
	json_decref(msg);
	return line;
}

char *jsonrpc_build_result(const struct rpc_id *id, json_t *result, size_t *ret_len)
{
	if (!result)
		return NULL;
	return build(json_pack("{s:s, s:o, s:o}", "jsonrpc", "2.0", "id", rpc_id_to_json(id),
			       "result", result),
		     ret_len);
}

char *jsonrpc_build_error(const struct rpc_id *id, int code, const char *reason,
			  const char *message, json_t *extra_data, size_t *ret_len)
{
	json_t *data = extra_data ? extra_data : json_object();

	if (!data)
		return NULL;
	if (json_object_set_new(data, "reason", json_string(reason)) < 0) {
		json_decref(data);
		return NULL;
	}
	return build(json_pack("{s:s, s:o, s:{s:i, s:s, s:o}}", "jsonrpc", "2.0", "id",
			       rpc_id_to_json(id), "error", "code", code, "message", message,
			       "data", data),
		     ret_len);
}

char *jsonrpc_build_request(const struct rpc_id *id, const char *method, json_t *params,
			    size_t *ret_len)
{
	if (!params)
		return NULL;
	return build(json_pack("{s:s, s:o, s:s, s:o}", "jsonrpc", "2.0", "id", rpc_id_to_json(id),
			       "method", method, "params", params),
		     ret_len);
}

char *jsonrpc_build_notification(const char *method, json_t *params, size_t *ret_len)
{
	if (!params)
		return NULL;
	return build(json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params",
			       params),
		     ret_len);
}
