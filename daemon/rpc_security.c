/* SPDX-License-Identifier: MIT */
/*
 * daemon/security (codexctl status --security): the escape self-test
 * (daemon/selftest.h) run on demand.  The serving daemon never runs probes
 * itself: it starts "codexd --self-test --json" as a child (this very
 * binary, through /proc/self/exe), collects its output without blocking
 * the loop, and answers every request that asked meanwhile.  One run at a
 * time; a result is kept for ST_CACHE_MS so that asking often costs
 * nothing (minimum role viewer, codexd-protocol(7)).
 *
 * Trust: the child runs as root with a fixed argument vector and no input
 * from the client; its output is parsed as JSON, bounded in size.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/protocol.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"

#define ST_CACHE_MS 60000
#define ST_TIMEOUT_MS 240000
#define ST_MAX_OUT (512 * 1024)
#define ST_MAX_WAITERS 64

struct waiter {
	uint64_t conn_serial;
	struct rpc_id id;
};

static struct {
	struct daemon *d;
	bool running;
	uv_process_t proc;
	uv_pipe_t out;
	uv_timer_t timer;
	int open_handles;
	char *buf;
	size_t len;
	int64_t exit_status;
	struct waiter waiters[ST_MAX_WAITERS];
	size_t n_waiters;
	json_t *cached;
	uint64_t cached_at;
} st;

static struct conn *conn_by_serial(struct daemon *d, uint64_t serial)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &d->conns)
	{
		struct conn *c = list_entry(pos, struct conn, node);

		if (c->serial == serial && !c->dead)
			return c;
	}
	return NULL;
}

static void answer_all(json_t *result, const char *error)
{
	for (size_t i = 0; i < st.n_waiters; i++) {
		struct conn *c = conn_by_serial(st.d, st.waiters[i].conn_serial);

		if (!c)
			continue; /* gone meanwhile */
		if (result)
			(void)conn_reply_result(c, &st.waiters[i].id, json_incref(result));
		else
			(void)conn_reply_error(c, &st.waiters[i].id, CX_ERR_INTERNAL,
					       CX_REASON_INTERNAL, NULL, "self-test failed: %s",
					       error);
	}
	st.n_waiters = 0;
}

static void on_closed(uv_handle_t *h)
{
	(void)h;
	if (--st.open_handles > 0)
		return;
	{
		json_error_t je;
		json_t *r = st.buf ? json_loadb(st.buf, st.len, 0, &je) : NULL;

		if (r && json_is_object(r) && json_is_boolean(json_object_get(r, "held"))) {
			json_decref(st.cached);
			st.cached = json_incref(r);
			st.cached_at = uv_now(st.d->loop);
			answer_all(r, NULL);
		} else {
			log_warning("codexd --self-test gave no report (status %lld)",
				    (long long)st.exit_status);
			answer_all(NULL, "no report from codexd --self-test (see the daemon log)");
		}
		json_decref(r);
	}
	free(st.buf);
	st.buf = NULL;
	st.len = 0;
	st.running = false;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	if (!st.buf)
		st.buf = malloc(ST_MAX_OUT);
	*b = uv_buf_init(st.buf ? st.buf + st.len : NULL,
			 st.buf ? (unsigned)(ST_MAX_OUT - st.len) : 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	if (n > 0)
		st.len += (size_t)n;
	if (n < 0 || st.len >= ST_MAX_OUT)
		uv_read_stop(s);
}

static void on_selftest_exit(uv_process_t *p, int64_t status, int sig)
{
	(void)sig;
	st.exit_status = status;
	uv_close((uv_handle_t *)p, on_closed);
	uv_close((uv_handle_t *)&st.out, on_closed);
	uv_close((uv_handle_t *)&st.timer, on_closed);
}

static void on_timeout(uv_timer_t *t)
{
	(void)t;
	log_warning("codexd --self-test did not finish in %d s: killed", ST_TIMEOUT_MS / 1000);
	(void)uv_process_kill(&st.proc, SIGKILL);
}

static int start_selftest(struct daemon *d)
{
	char *args[] = { (char *)"codexd", (char *)"--self-test", (char *)"--json", NULL };
	uv_stdio_container_t stdio[3];
	uv_process_options_t o = { 0 };
	char exe[64];
	int r;

	st.d = d;
	uv_pipe_init(d->loop, &st.out, 0);
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&st.out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	/*
	 * The binary by the descriptor opened at start-up (as the spawner is):
	 * /proc/self/exe would name valgrind's tool when the daemon runs under it.
	 */
	if (d->spawner.self_exe >= 0)
		snprintf(exe, sizeof(exe), "/proc/self/fd/%d", d->spawner.self_exe);
	else
		snprintf(exe, sizeof(exe), "/proc/self/exe");
	o.file = exe;
	o.args = args;
	o.exit_cb = on_selftest_exit;
	o.stdio = stdio;
	o.stdio_count = 3;
	r = uv_spawn(d->loop, &st.proc, &o);
	if (r < 0) {
		uv_close((uv_handle_t *)&st.out, NULL);
		uv_close((uv_handle_t *)&st.proc, NULL);
		return r;
	}
	st.running = true;
	st.open_handles = 3;
	uv_read_start((uv_stream_t *)&st.out, on_alloc, on_read);
	uv_timer_init(d->loop, &st.timer);
	uv_timer_start(&st.timer, on_timeout, ST_TIMEOUT_MS, 0);
	return 0;
}

int rpc_daemon_security(struct request *req)
{
	struct daemon *d = req->conn->d;
	int r;

	if (req->params && json_object_size(req->params) > 0)
		return rpc_reply_invalid_params(req, "params: daemon/security takes none");
	if (st.cached && uv_now(d->loop) - st.cached_at < ST_CACHE_MS)
		return conn_reply_result(req->conn, &req->id, json_incref(st.cached));
	if (st.n_waiters >= ST_MAX_WAITERS)
		return conn_reply_error(req->conn, &req->id, CX_ERR_LIMIT, CX_REASON_LIMIT, NULL,
					"too many self-test requests waiting");
	if (!st.running) {
		r = start_selftest(d);
		if (r < 0) {
			log_warning("cannot start codexd --self-test: %s", uv_strerror(r));
			return conn_reply_error(req->conn, &req->id, CX_ERR_INTERNAL,
						CX_REASON_INTERNAL, NULL,
						"cannot start the self-test: %s", uv_strerror(r));
		}
	}
	st.waiters[st.n_waiters++] = (struct waiter){ .conn_serial = req->conn->serial,
						      .id = req->id };
	return 0;
}
