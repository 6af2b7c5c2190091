/* SPDX-License-Identifier: MIT */
/*
 * exec/start, exec/write, exec/close_stdin, exec/signal, exec/resize:
 * decoders into typed structs and the ownership checks; the work is in
 * daemon/exec.c.  An exec may be driven by any connection of the uid that
 * started it (and by admins); output always goes to the starting one.
 */
#include <stddef.h>
#include <string.h>

#include "common/b64.h"
#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/decide.h"
#include "daemon/exec.h"

int rpc_exec_start(struct request *req)
{
	struct exec_request p = { 0 };
	int fds[3] = { -1, -1, -1 };
	char err[256];
	int r;

	r = rpc_exec_decode_start(req->params, &p, err, sizeof(err));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return rpc_reply_invalid_params(req, err);

	if (p.stdio == STDIO_FDS) {
		/* The three descriptors travel with this frame (SCM_RIGHTS). */
		if (conn_take_fds(req->conn, 3, fds) < 0) {
			r = rpc_reply_invalid_params(req,
						     "params.stdio: \"fds\" needs three descriptors "
						     "(stdin, stdout, stderr) passed with the request");
			goto out;
		}
	}
	r = decide_exec_start(req->conn, &req->id, &p, p.stdio == STDIO_FDS ? fds : NULL);
out:
	for (int i = 0; i < 3; i++)
		safe_close(fds[i]);
	exec_request_done(&p);
	return r;
}

/*
 * Look up params.id and check that the caller may act on it.  On failure
 * the error has been sent and NULL returned.
 */
static struct exec *lookup_owned(struct request *req, const char *id)
{
	struct conn *c = req->conn;
	struct exec *x = exec_find(c->d, id);

	if (!x || x->closing || x->reported) {
		conn_reply_error(c, &req->id, CX_ERR_NOT_FOUND, CX_REASON_NOT_FOUND, NULL,
				 "no such exec %s", log_q(id));
		return NULL;
	}
	if (x->uid != c->peer.uid && c->role < ROLE_ADMIN) {
		/* Same answer as "no such exec": ids of other users are not disclosed. */
		conn_reply_error(c, &req->id, CX_ERR_NOT_FOUND, CX_REASON_NOT_FOUND, NULL,
				 "no such exec %s", log_q(id));
		return NULL;
	}
	return x;
}

struct write_params {
	char *id;
	char *data;
	bool eof;
};

static const struct jd_field write_fields[] = {
	{ "id", JD_STRING, offsetof(struct write_params, id), JD_REQUIRED | JD_NONEMPTY, 0, 64 },
	{ "data", JD_STRING, offsetof(struct write_params, data), JD_REQUIRED, 0,
	  (CX_MAX_WRITE_CHUNK + 2) / 3 * 4 },
};

int rpc_exec_write(struct request *req)
{
	struct write_params p = { 0 };
	_cleanup_free_ char *bin = NULL;
	struct exec *x;
	char err[256];
	long n;
	int r;

	r = jd_decode(req->params, "params", write_fields, ARRAY_SIZE(write_fields), &p, NULL, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	x = lookup_owned(req, p.id);
	if (!x) {
		r = 0;
		goto out;
	}
	bin = malloc(CX_MAX_WRITE_CHUNK);
	if (!bin) {
		r = -ENOMEM;
		goto out;
	}
	n = b64_decode(bin, CX_MAX_WRITE_CHUNK, p.data, strlen(p.data));
	if (n < 0) {
		r = rpc_reply_invalid_params(req, "params.data: must be base64 of at most 262144 "
						  "bytes");
		goto out;
	}
	r = exec_write(x, req->conn, &req->id, bin, (size_t)n);
out:
	jd_free(write_fields, ARRAY_SIZE(write_fields), &p);
	return r;
}

int rpc_exec_close_stdin(struct request *req)
{
	_cleanup_free_ char *id = NULL;
	struct exec *x;
	int r;

	r = rpc_decode_id(req, 64, &id);
	if (!id)
		return r;
	x = lookup_owned(req, id);
	return x ? exec_close_stdin(x, req->conn, &req->id) : 0;
}

/* signal: a name ("TERM", "SIGTERM") or a number 1..64. */
static int parse_signal(json_t *v, void *dst, char *err, size_t errsz)
{
	int sig = -EINVAL;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n >= 1 && n <= 64)
			sig = (int)n;
	} else if (json_is_string(v) && json_string_length(v) <= 16)
		sig = exec_signal_from_string(json_string_value(v));
	if (sig < 0) {
		snprintf(err, errsz, "must be a signal name (TERM, INT, KILL, ...) or 1..64");
		return -EINVAL;
	}
	*(int *)dst = sig;
	return 0;
}

struct signal_params {
	char *id;
	int sig;
};

static const struct jd_field signal_fields[] = {
	{ "id", JD_STRING, offsetof(struct signal_params, id), JD_REQUIRED | JD_NONEMPTY, 0, 64 },
	{ "signal", JD_CUSTOM, offsetof(struct signal_params, sig), JD_REQUIRED, 0, 0, 0, NULL,
	  parse_signal },
};

int rpc_exec_signal(struct request *req)
{
	struct signal_params p = { 0 };
	struct exec *x;
	char err[256];
	int r;

	r = jd_decode(req->params, "params", signal_fields, ARRAY_SIZE(signal_fields), &p, NULL,
		      err, sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	x = lookup_owned(req, p.id);
	if (x) {
		r = exec_send_signal(x, p.sig);
		if (r == -ESRCH)
			r = conn_reply_error(req->conn, &req->id, CX_ERR_STATE, CX_REASON_STATE,
					     NULL, "exec %s has already exited", x->id);
		else if (r < 0)
			r = conn_reply_error(req->conn, &req->id, CX_ERR_INTERNAL,
					     CX_REASON_INTERNAL, NULL, "cannot deliver signal: %s",
					     strerror(-r));
		else
			r = conn_reply_result(req->conn, &req->id, json_object());
	}
	jd_free(signal_fields, ARRAY_SIZE(signal_fields), &p);
	return r;
}

/* A JSON-RPC id: an integer or a string of at most CX_MAX_ID_STRING bytes. */
static int parse_rpc_id(json_t *v, void *dst, char *err, size_t errsz)
{
	struct rpc_id *id = dst;

	if (json_is_integer(v)) {
		id->type = RPC_ID_INT;
		id->num = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) <= CX_MAX_ID_STRING &&
	    strlen(json_string_value(v)) == json_string_length(v)) {
		id->type = RPC_ID_STRING;
		memcpy(id->str, json_string_value(v), json_string_length(v) + 1);
		return 0;
	}
	snprintf(err, errsz, "must be the id of an exec/start request (an integer or a string)");
	return -EINVAL;
}

struct cancel_params {
	struct rpc_id request_id;
};

static const struct jd_field cancel_fields[] = {
	{ "request_id", JD_CUSTOM, offsetof(struct cancel_params, request_id), JD_REQUIRED, 0, 0,
	  0, NULL, parse_rpc_id, NULL },
};

/* exec/cancel {request_id}: withdraw this connection's exec/start that has not started. */
int rpc_exec_cancel(struct request *req)
{
	struct cancel_params p = { 0 };
	char err[256];
	int r;

	r = jd_decode(req->params, "params", cancel_fields, ARRAY_SIZE(cancel_fields), &p, NULL,
		      err, sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	return conn_reply_result(req->conn, &req->id,
				 json_pack("{s:b}", "cancelled",
					   decide_cancel_request(req->conn, &p.request_id)));
}

struct resize_params {
	char *id;
	uint32_t rows, cols;
};

static const struct jd_field resize_fields[] = {
	{ "id", JD_STRING, offsetof(struct resize_params, id), JD_REQUIRED | JD_NONEMPTY, 0, 64 },
	{ "rows", JD_UINT32, offsetof(struct resize_params, rows), JD_REQUIRED, 1,
	  CX_MAX_TTY_DIM },
	{ "cols", JD_UINT32, offsetof(struct resize_params, cols), JD_REQUIRED, 1,
	  CX_MAX_TTY_DIM },
};

int rpc_exec_resize(struct request *req)
{
	struct resize_params p = { 0 };
	struct exec *x;
	char err[256];
	int r;

	r = jd_decode(req->params, "params", resize_fields, ARRAY_SIZE(resize_fields), &p, NULL,
		      err, sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	x = lookup_owned(req, p.id);
	r = x ? exec_resize(x, req->conn, &req->id, p.rows, p.cols) : 0;
	jd_free(resize_fields, ARRAY_SIZE(resize_fields), &p);
	return r;
}
