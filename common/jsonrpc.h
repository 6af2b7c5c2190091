/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC 2.0 messages: strict parsing of one frame, and building
 * responses, errors, requests and notifications as single compact lines.
 *
 * Parsing (STYLE.md "Hostile input" 2): json_loadb() on the exact frame with
 * JSON_REJECT_DUPLICATES, top level must be an object, "jsonrpc" must be
 * "2.0", only the members JSON-RPC defines are accepted, an id is an
 * integer in [0, 2^53] or a string of at most CX_MAX_ID_STRING bytes,
 * params (when present) must be an object.  Batches are refused.
 *
 * Process: main and client.
 */
#ifndef CX_JSONRPC_H
#define CX_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cxlimits.h"
#include "common/macro.h"

enum rpc_id_type {
	RPC_ID_NONE, /* notification, or an error about an unparsable request */
	RPC_ID_INT,
	RPC_ID_STRING,
};

struct rpc_id {
	enum rpc_id_type type;
	int64_t num;
	char str[CX_MAX_ID_STRING + 1];
};

enum rpc_kind {
	RPC_KIND_REQUEST,      /* method + id */
	RPC_KIND_NOTIFICATION, /* method, no id */
	RPC_KIND_RESULT,       /* id + result */
	RPC_KIND_ERROR,        /* id (maybe none) + error */
};

struct rpc_message {
	enum rpc_kind kind;
	struct rpc_id id;
	char method[CX_MAX_METHOD + 1];
	json_t *params; /* owned; an empty object when absent (requests) */
	json_t *result; /* owned (RPC_KIND_RESULT) */
	int64_t error_code;           /* RPC_KIND_ERROR */
	char *error_message;          /* owned */
	char *error_reason;           /* owned; data.reason or NULL */
	json_t *error_data;           /* owned; or NULL */
};

/* Error detail from jsonrpc_parse(): a JSON-RPC code and a short text. */
struct rpc_parse_error {
	int code;           /* CX_ERR_PARSE or CX_ERR_INVALID_REQUEST */
	const char *reason; /* CX_REASON_* */
	char message[160];
	struct rpc_id id;   /* the id, when it could be recovered */
};

/*
 * Parse one frame (not NUL-terminated necessarily; exactly len bytes).
 * Returns 0 and fills *ret (release with jsonrpc_message_done()), or
 * -EBADMSG with *err filled.
 */
int jsonrpc_parse(const char *frame, size_t len, struct rpc_message *ret,
		  struct rpc_parse_error *err);
void jsonrpc_message_done(struct rpc_message *m);

/* Copy an id into a JSON value (new reference; null for RPC_ID_NONE). */
json_t *rpc_id_to_json(const struct rpc_id *id);
/* Human-readable id for logs, into buf. */
const char *rpc_id_to_string(const struct rpc_id *id, char *buf, size_t bufsz);

/*
 * Serialise a message as one line ending in '\n'.  These take ownership
 * of the json_t arguments (steal), return a malloc'd string and its length,
 * or NULL on allocation failure.
 */
char *jsonrpc_build_result(const struct rpc_id *id, json_t *result, size_t *ret_len);
char *jsonrpc_build_error(const struct rpc_id *id, int code, const char *reason,
			  const char *message, json_t *extra_data, size_t *ret_len);
char *jsonrpc_build_request(const struct rpc_id *id, const char *method, json_t *params,
			    size_t *ret_len);
char *jsonrpc_build_notification(const char *method, json_t *params, size_t *ret_len);

/* Serialise any JSON value compactly with a trailing '\n'. */
char *json_dump_line(json_t *v, size_t *ret_len);

/* jansson 2.14 provides json_decrefp() (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

#endif
