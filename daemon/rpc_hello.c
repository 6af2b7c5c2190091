/* SPDX-License-Identifier: MIT */
/*
 * hello: the handshake.  The caller's identity in the reply is what the
 * kernel said (SO_PEERCRED), echoed so clients can show it; nothing the
 * client sends here changes its rights.
 */
#include <stddef.h>
#include <string.h>

#include "common/jdecode.h"
#include "common/protocol.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"

struct hello_params {
	char *client_name;
	char *client_version;
	bool can_approve;
	int64_t protocol_version;
};

static const struct jd_field hello_fields[] = {
	{ "client", JD_STRING, offsetof(struct hello_params, client_name), 0, 0, 128 },
	{ "version", JD_STRING, offsetof(struct hello_params, client_version), 0, 0, 128 },
	{ "can_approve", JD_BOOL, offsetof(struct hello_params, can_approve) },
	{ "protocol_version", JD_INT64, offsetof(struct hello_params, protocol_version), 0, 1,
	  1000 },
};

int rpc_hello(struct request *req)
{
	struct conn *c = req->conn;
	struct hello_params p = { 0 };
	char err[256];
	json_t *groups;
	int r;

	r = jd_decode(req->params, "params", hello_fields, ARRAY_SIZE(hello_fields), &p, NULL, err,
		      sizeof(err));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return rpc_reply_invalid_params(req, err);

	free(c->client_name);
	free(c->client_version);
	c->client_name = TAKE_PTR(p.client_name);
	c->client_version = TAKE_PTR(p.client_version);
	c->can_approve = p.can_approve;
	jd_free(hello_fields, ARRAY_SIZE(hello_fields), &p);

	groups = json_array();
	for (size_t i = 0; groups && i < c->peer.n_groups; i++)
		json_array_append_new(groups, json_integer(c->peer.groups[i]));

	return conn_reply_result(
		c, &req->id,
		json_pack("{s:s, s:s, s:i, s:{s:i, s:s, s:i, s:o, s:s, s:i}, s:o}", "daemon",
			  "codexd", "version", CX_VERSION, "protocol_version", CX_PROTOCOL_VERSION,
			  "caller", "uid", (int)c->peer.uid, "user", c->peer.user, "gid",
			  (int)c->peer.gid, "groups", groups ? groups : json_array(), "role",
			  role_to_string(c->role), "pid", (int)c->peer.pid, "features",
			  probe_features_to_json(&c->d->features)));
}
