/* SPDX-License-Identifier: MIT */
/* daemon/status: counters and state; nothing about other users' commands. */
#include <stdio.h>
#include <unistd.h>

#include "common/protocol.h"
#include "daemon/audit.h"
#include "daemon/proxy.h"
#include "daemon/cgroup.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/sessions.h"

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int rpc_daemon_status(struct request *req)
{
	struct daemon *d = req->conn->d;
	const struct daemon_stats *s = &d->stats;
	json_t *res;

	if (json_object_size(req->params) != 0)
		return rpc_reply_invalid_params(req, "params: daemon/status takes no parameters");

	res = json_pack("{s:s, s:i, s:I, s:I, s:{s:I, s:s*, s:s*}, s:{s:i, s:i}, s:{s:I, s:I}, "
			"s:{s:s}, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			"s:I, s:I, s:I}}",
			"version", CX_VERSION, "pid", (int)getpid(), "uptime_ms",
			(json_int_t)daemon_uptime_ms(d), "rss_kib", (json_int_t)rss_kib(),
			"policy", "generation", (json_int_t)d->cfg_generation, "socket",
			d->listener.path, "last_reload_error", d->last_reload_error,
			"connections", "open", (int)d->n_conns, "limit",
			(int)d->cfg->max_connections, "execs", "running", (json_int_t)d->n_execs,
			"limit", (json_int_t)d->cfg->max_execs, "audit", "state", "not configured",
			"proxy", proxy_status_json(d), "features",
			probe_features_to_json(&d->features), "counters", "connections_accepted",
			(json_int_t)s->connections_accepted, "connections_refused",
			(json_int_t)s->connections_refused, "requests", (json_int_t)s->requests,
			"errors_sent", (json_int_t)s->errors_sent, "bad_frames",
			(json_int_t)s->bad_frames, "execs_started", (json_int_t)s->execs_started,
			"execs_failed", (json_int_t)s->execs_failed, "execs_timed_out",
			(json_int_t)s->execs_timed_out, "execs_killed", (json_int_t)s->execs_killed,
			"output_bytes", (json_int_t)s->output_bytes, "reloads",
			(json_int_t)s->reloads, "reload_failures", (json_int_t)s->reload_failures);
	if (res) {
		json_object_set_new(res, "cgroups", cgroup_setup_to_json(&d->cgroups));
		json_object_set_new(res, "audit", audit_status_json(d->audit));
		json_object_set_new(res, "sessions", sessions_status_json(d));
	}
	return conn_reply_result(req->conn, &req->id, res);
}
