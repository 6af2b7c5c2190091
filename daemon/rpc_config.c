/* SPDX-License-Identifier: MIT */
/* config/show (viewer) and policy/reload (admin). */
#include <stddef.h>

#include "common/cxlimits.h"

#include "common/jdecode.h"
#include "common/log.h"
#include "common/protocol.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/decide.h"
#include "daemon/dispatch.h"

struct show_params {
	bool origins;
	char *cwd;
	char **overrides;
};

static const struct jd_field show_fields[] = {
	{ "origins", JD_BOOL, offsetof(struct show_params, origins) },
	{ "cwd", JD_STRING, offsetof(struct show_params, cwd), JD_ABS_PATH, 0, CX_MAX_PATH },
	{ "config_overrides", JD_STRV, offsetof(struct show_params, overrides), 0, 0,
	  CX_MAX_OVERRIDES, 4096 },
};

int rpc_config_show(struct request *req)
{
	struct show_params p = { 0 };
	json_t *base;
	char err[256];
	int r;

	r = jd_decode(req->params, "params", show_fields, ARRAY_SIZE(show_fields), &p, NULL, err,
		      sizeof(err));
	if (r < 0)
		return r == -ENOMEM ? r : rpc_reply_invalid_params(req, err);
	/* Pass-through keys and set values may hold credentials: admins only. */
	base = conf_to_json(req->conn->d->cfg, p.origins, req->conn->role < ROLE_ADMIN);
	if (!base) {
		jd_free(show_fields, ARRAY_SIZE(show_fields), &p);
		return -ENOMEM;
	}
	if (p.cwd)
		/* With a working directory: the caller's own layers too (read as the caller). */
		return decide_config_show(req->conn, &req->id, TAKE_PTR(p.cwd),
					  TAKE_PTR(p.overrides), base);
	jd_free(show_fields, ARRAY_SIZE(show_fields), &p);
	return conn_reply_result(req->conn, &req->id, base);
}

int rpc_policy_reload(struct request *req)
{
	struct daemon *d = req->conn->d;
	char err[512];
	int r;

	if (json_object_size(req->params) != 0)
		return rpc_reply_invalid_params(req, "params: policy/reload takes no parameters");
	log_info("reload requested by uid %u", (unsigned)req->conn->peer.uid);
	r = daemon_reload(d, err, sizeof(err));
	if (r < 0)
		return conn_reply_error(req->conn, &req->id, CX_ERR_CONFIG, CX_REASON_CONFIG,
					json_pack("{s:I}", "generation",
						  (json_int_t)d->cfg_generation),
					"reload failed, previous configuration kept: %s", err);
	return conn_reply_result(req->conn, &req->id,
				 json_pack("{s:I}", "generation", (json_int_t)d->cfg_generation));
}
