/* SPDX-License-Identifier: MIT */
/*
 * codexctl mcp: the server loop and the MCP methods (client/mcp.h).
 *
 * One poll loop over standard input (the MCP client's messages, one JSON
 * object per line) and the daemon's socket.  Answers to tools/call are
 * sent when the daemon has answered, so calls run concurrently; messages
 * to standard output are written whole, blocking, one per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h> /* isfinite() only: a macro, no libm */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/mcp.h"
#include "common/fdio.h"
#include "common/protocol.h"

#define MCP_READ_CHUNK (64 * 1024)

static const char *const supported_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
						   "2024-11-05"};

static const char mcp_instructions[] =
	"Runs shell commands through codexd, which decides with the administrator's rules and "
	"approval policy whether each command may run, and runs it in a kernel sandbox "
	"(read-only, workspace-write or danger-full-access) as the user.  Use run_command for "
	"every command; a refused command is a tool error with the reason.  Commands that need "
	"a person's approval wait for it.  policy_check and net_check are dry runs.";

/* ---------------------------------------------------------------- output */

static int write_stdout(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = {.fd = STDOUT_FILENO, .events = POLLOUT};
			(void)poll(&pf, 1, -1);
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_line(struct mcp_server *s, char *line, size_t len)
{
	int r;

	if (!line)
		return -ENOMEM;
	r = s->write_out ? s->write_out(s->write_ud, line, len) : write_stdout(line, len);
	free(line);
	if (r < 0) {
		fprintf(stderr, "codexctl mcp: writing to the MCP client: %s\n", strerror(-r));
		exit(CX_EXIT_ERROR);
	}
	return 0;
}

int mcp_send_result(struct mcp_server *s, const struct rpc_id *id, json_t *result)
{
	size_t len;

	char *line = jsonrpc_build_result(id, result, &len);

	return send_line(s, line, len);
}

int mcp_send_error(struct mcp_server *s, const struct rpc_id *id, int code, const char *reason,
		   const char *message)
{
	size_t len;

	char *line = jsonrpc_build_error(id, code, reason, message, NULL, &len);

	return send_line(s, line, len);
}

int mcp_send_request(struct mcp_server *s, const char *id, const char *method, json_t *params)
{
	struct rpc_id rid = {.type = RPC_ID_STRING};
	size_t len;

	snprintf(rid.str, sizeof(rid.str), "%s", id);
	char *line = jsonrpc_build_request(&rid, method, params, &len);

	return send_line(s, line, len);
}

int mcp_send_notification(struct mcp_server *s, const char *method, json_t *params)
{
	size_t len;

	char *line = jsonrpc_build_notification(method, params, &len);

	return send_line(s, line, len);
}

/* ---------------------------------------------------------------- daemon */

int mcp_daemon_ensure(struct mcp_server *s)
{
	char name[128];
	int r;

	if (s->connected)
		return 0;
	r = rpc_connect(&s->c, s->o->socket);
	if (r > 0) {
		rpc_close(&s->c);
		return r == CX_EXIT_REFUSED ? -EACCES : -ECONNREFUSED;
	}
	s->connected = true;
	snprintf(name, sizeof(name), "codexctl mcp%s%s%s", s->client_name[0] ? " (" : "",
		 s->client_name, s->client_name[0] ? ")" : "");
	/* can_approve: approvals come to us only when the MCP client can show them. */
	s->hello_id = rpc_queue_request(
		&s->c, "hello",
		json_pack("{s:s, s:s, s:i, s:b}", "client", name, "version", CX_VERSION,
			  "protocol_version", CX_PROTOCOL_VERSION, "can_approve", s->elicitation));
	if (s->hello_id < 0)
		return (int)s->hello_id;
	return 0;
}

/* The daemon went away: every call fails, every question is withdrawn. */
static void daemon_lost(struct mcp_server *s, const char *why)
{
	struct list_node *pos, *tmp;

	fprintf(stderr, "codexctl mcp: %s\n", why);
	LIST_FOREACH_SAFE (pos, tmp, &s->calls) {
		struct mcp_call *call = list_entry(pos, struct mcp_call, node);
		mcp_call_fail(s, call, "lost the connection to codexd (%s); the command was ended",
			      why);
	}
	mcp_approval_drop_all(s, true);
	rpc_close(&s->c);
	s->connected = false;
}

static struct mcp_call *call_by_daemon_id(struct mcp_server *s, int64_t id)
{
	struct list_node *pos;

	/* 0 marks a call already answered: an answer with id 0 is nobody's. */
	if (id <= 0)
		return NULL;
	LIST_FOREACH (pos, &s->calls) {
		struct mcp_call *call = list_entry(pos, struct mcp_call, node);
		if (call->daemon_id == id)
			return call;
	}
	return NULL;
}

static struct mcp_call *call_by_exec_id(struct mcp_server *s, json_t *params)
{
	json_t *idv = json_object_get(params, "id");
	struct list_node *pos;

	if (!json_is_string(idv))
		return NULL;
	LIST_FOREACH (pos, &s->calls) {
		struct mcp_call *call = list_entry(pos, struct mcp_call, node);
		if (call->exec_id && strcmp(call->exec_id, json_string_value(idv)) == 0)
			return call;
	}
	return NULL;
}

void mcp_server_on_daemon_message(struct mcp_server *s, struct rpc_message *m)
{
	struct mcp_call *call;

	switch (m->kind) {
	case RPC_KIND_REQUEST:
		if (strcmp(m->method, "approval/request") == 0) {
			(void)mcp_approval_on_request(s, m);
			return;
		}
		(void)rpc_queue_error(&s->c, &m->id, CX_ERR_METHOD_NOT_FOUND,
				      CX_REASON_UNKNOWN_METHOD, "codexctl mcp does not serve this");
		return;
	case RPC_KIND_NOTIFICATION:
		if (strcmp(m->method, "approval/resolved") == 0) {
			mcp_approval_on_resolved(s, m->params);
			return;
		}
		call = call_by_exec_id(s, m->params);
		if (!call)
			return;
		if (strcmp(m->method, "exec/output") == 0)
			mcp_call_on_output(call, m->params);
		else if (strcmp(m->method, "exec/exited") == 0)
			mcp_call_on_exited(s, call, m->params);
		return;
	case RPC_KIND_RESULT:
	case RPC_KIND_ERROR:
		if (m->id.type == RPC_ID_NONE) {
			/* A connection-level error: the daemon is about to close. */
			char why[300];
			snprintf(why, sizeof(why), "codexd: %.200s",
				 m->error_message ? m->error_message : "error");
			daemon_lost(s, why);
			return;
		}
		if (m->id.type != RPC_ID_INT || m->id.num == s->hello_id)
			return;
		call = call_by_daemon_id(s, m->id.num);
		if (call)
			mcp_call_on_answer(s, call, m);
		/* Answers to exec/write, exec/close_stdin and exec/signal need nothing. */
		return;
	}
}

static void daemon_readable(struct mcp_server *s)
{
	for (;;) {
		struct rpc_message m;
		int r = rpc_read(&s->c, &m, false);

		if (r == -EAGAIN)
			return;
		if (r <= 0) {
			daemon_lost(s, r == 0 ? "codexd closed the connection" : "protocol error");
			return;
		}
		mcp_server_on_daemon_message(s, &m);
		jsonrpc_message_done(&m);
		if (!s->connected)
			return;
	}
}

/* ---------------------------------------------------------------- MCP methods */

static void keep_name(char *dst, size_t dstsz, const char *src)
{
	size_t k = 0;

	for (; src && *src && k + 1 < dstsz; src++) {
		char ch = *src;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == ' ' || ch == '.' || ch == '_' || ch == '-')
			dst[k++] = ch;
	}
	dst[k] = '\0';
}

static void on_initialize(struct mcp_server *s, const struct rpc_message *m)
{
	json_t *pv = json_object_get(m->params, "protocolVersion");
	json_t *caps = json_object_get(m->params, "capabilities");
	json_t *info = json_object_get(m->params, "clientInfo");
	json_t *el;
	const char *want;
	json_t *result;

	if (s->initialized) {
		mcp_send_error(s, &m->id, CX_ERR_INVALID_REQUEST, CX_REASON_INVALID_REQUEST,
			       "already initialized");
		return;
	}
	if (!json_is_string(pv) || (caps && !json_is_object(caps)) ||
	    (info && !json_is_object(info))) {
		mcp_send_error(s, &m->id, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS,
			       "initialize needs protocolVersion (string), capabilities and "
			       "clientInfo (objects)");
		return;
	}
	want = json_string_value(pv);
	snprintf(s->version, sizeof(s->version), "%s", MCP_VERSION_LATEST);
	for (size_t i = 0; i < ARRAY_SIZE(supported_versions); i++)
		if (strcmp(want, supported_versions[i]) == 0)
			snprintf(s->version, sizeof(s->version), "%s", supported_versions[i]);
	/*
	 * Elicitation exists from 2025-06-18 on; from 2025-11-25 a client may
	 * offer only the "url" mode, and ours is a form ({} means form).
	 */
	el = json_object_get(caps, "elicitation");
	s->elicitation = !s->no_elicitation && json_is_object(el) &&
			 (json_object_size(el) == 0 || json_object_get(el, "form")) &&
			 strcmp(s->version, "2025-06-18") >= 0;
	if (json_is_string(json_object_get(info, "name")))
		keep_name(s->client_name, sizeof(s->client_name),
			  json_string_value(json_object_get(info, "name")));
	s->initialized = true;

	result = json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s, s:s}, s:s}", "protocolVersion",
			   s->version, "capabilities", "tools", "listChanged", 0, "serverInfo",
			   "name", "codexd", "title", "codexd (codexctl mcp)", "version",
			   CX_VERSION, "instructions", mcp_instructions);
	mcp_send_result(s, &m->id, result);

	/* Connect now so that the first command does not wait; failures are reported per call. */
	if (mcp_daemon_ensure(s) < 0)
		fprintf(stderr,
			"codexctl mcp: codexd is not reachable yet; tools will report it\n");
}

static struct mcp_call *call_by_mcp_id(struct mcp_server *s, json_t *idv)
{
	struct list_node *pos;

	LIST_FOREACH (pos, &s->calls) {
		struct mcp_call *call = list_entry(pos, struct mcp_call, node);
		if (json_is_integer(idv) && call->mcp_id.type == RPC_ID_INT &&
		    call->mcp_id.num == json_integer_value(idv))
			return call;
		if (json_is_string(idv) && call->mcp_id.type == RPC_ID_STRING &&
		    strcmp(call->mcp_id.str, json_string_value(idv)) == 0)
			return call;
	}
	return NULL;
}

static void on_request(struct mcp_server *s, const struct rpc_message *m)
{
	char err[512];
	int code = 0, r;

	if (strcmp(m->method, "initialize") == 0) {
		on_initialize(s, m);
		return;
	}
	if (strcmp(m->method, "ping") == 0) {
		mcp_send_result(s, &m->id, json_object());
		return;
	}
	if (!s->initialized) {
		mcp_send_error(s, &m->id, CX_ERR_INVALID_REQUEST, "not_initialized",
			       "send initialize first");
		return;
	}
	if (strcmp(m->method, "tools/list") == 0) {
		json_t *cursor = json_object_get(m->params, "cursor");
		if (cursor && !json_is_string(cursor)) {
			mcp_send_error(s, &m->id, CX_ERR_INVALID_PARAMS, CX_REASON_INVALID_PARAMS,
				       "cursor must be a string");
			return;
		}
		mcp_send_result(s, &m->id, json_pack("{s:o}", "tools", mcp_tools_list(s)));
		return;
	}
	if (strcmp(m->method, "tools/call") == 0) {
		{
			json_t *idj = rpc_id_to_json(&m->id);
			bool dup = call_by_mcp_id(s, idj) != NULL;

			json_decref(idj);
			if (dup) {
				mcp_send_error(s, &m->id, CX_ERR_INVALID_REQUEST,
					       CX_REASON_INVALID_REQUEST,
					       "a request with this id is still running");
				return;
			}
		}
		r = mcp_tools_call(s, &m->id, m->params, &code, err, sizeof(err));
		if (r < 0)
			mcp_send_error(s, &m->id, code,
				       code == CX_ERR_INVALID_PARAMS ? CX_REASON_INVALID_PARAMS
								     : CX_REASON_INTERNAL,
				       err);
		return;
	}
	mcp_send_error(s, &m->id, CX_ERR_METHOD_NOT_FOUND, CX_REASON_UNKNOWN_METHOD,
		       "method not found");
}

static void on_notification(struct mcp_server *s, const struct rpc_message *m)
{
	if (strcmp(m->method, "notifications/cancelled") == 0) {
		struct mcp_call *call = call_by_mcp_id(s, json_object_get(m->params, "requestId"));
		if (call)
			mcp_call_cancel(s, call);
	}
	/* notifications/initialized and others need nothing. */
}

void mcp_server_on_client_frame(struct mcp_server *s, const char *frame, size_t len)
{
	struct rpc_parse_error perr;
	struct rpc_message m;

	if (jsonrpc_parse(frame, len, &m, &perr) < 0) {
		mcp_send_error(s, &perr.id, perr.code, perr.reason, perr.message);
		return;
	}
	switch (m.kind) {
	case RPC_KIND_REQUEST:
		on_request(s, &m);
		break;
	case RPC_KIND_NOTIFICATION:
		on_notification(s, &m);
		break;
	case RPC_KIND_RESULT:
	case RPC_KIND_ERROR:
		(void)mcp_approval_on_answer(s, &m);
		break;
	}
	jsonrpc_message_done(&m);
}

/* Returns 1 to go on, 0 at the end of input, <0 on errors. */
static int client_readable(struct mcp_server *s)
{
	char *p, *frame;
	size_t avail, flen;
	ssize_t n;
	int r;

	r = frame_reader_space(&s->in, MCP_READ_CHUNK, &p, &avail);
	if (r == -E2BIG)
		goto too_big;
	if (r < 0)
		return r;
	n = read(STDIN_FILENO, p, avail);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	frame_reader_commit(&s->in, (size_t)n);
	while ((r = frame_reader_next(&s->in, &frame, &flen)) == 1)
		mcp_server_on_client_frame(s, frame, flen);
	if (r < 0)
		goto too_big;
	return 1;

too_big:
	mcp_send_error(s, &(struct rpc_id){0}, CX_ERR_INVALID_REQUEST, CX_REASON_FRAME_TOO_LARGE,
		       "message longer than 4194304 bytes");
	fprintf(stderr, "codexctl mcp: the MCP client sent an oversized message; stopping\n");
	return -E2BIG;
}

/* ---------------------------------------------------------------- main */

void mcp_server_release(struct mcp_server *s)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE (pos, tmp, &s->calls) {
		mcp_call_free(s, list_entry(pos, struct mcp_call, node));
	}
	s->connected = false;
	mcp_approval_drop_all(s, false);
	rpc_close(&s->c);
}

static void mcp_usage(FILE *f)
{
	fprintf(f, "usage: codexctl mcp [-s MODE] [-a POLICY] [-C DIR] [--timeout SECONDS]\n"
		   "                    [--max-output BYTES] [--no-elicitation]\n");
}

static int parse_positive(const char *s, double max, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cmd_mcp(const struct client_opts *o, int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_MAX_OUTPUT, OPT_NO_ELICIT };
	static const struct option opts[] = {
		{"sandbox", required_argument, NULL, 's'},
		{"approval-policy", required_argument, NULL, 'a'},
		{"cd", required_argument, NULL, 'C'},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
		{"no-elicitation", no_argument, NULL, OPT_NO_ELICIT},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct mcp_server s = {
		.o = o, .timeout_ms = MCP_TIMEOUT_DEFAULT_MS, .max_output = MCP_OUTPUT_DEFAULT};
	const char *dir = NULL;
	double v;
	int c, r = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:a:C:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			s.sandbox = optarg;
			break;
		case 'a':
			s.approval_policy = optarg;
			break;
		case 'C':
			dir = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_positive(optarg, (double)CX_MAX_TIMEOUT_MS / 1000.0, &v) < 0) {
				fprintf(stderr,
					"codexctl mcp: --timeout: invalid number of seconds\n");
				return CX_EXIT_USAGE;
			}
			s.timeout_ms = client_seconds_to_ms(v);
			break;
		case OPT_MAX_OUTPUT:
			if (parse_positive(optarg, MCP_OUTPUT_MAX, &v) < 0 || v < MCP_OUTPUT_MIN) {
				fprintf(stderr, "codexctl mcp: --max-output: %d to %d bytes\n",
					MCP_OUTPUT_MIN, MCP_OUTPUT_MAX);
				return CX_EXIT_USAGE;
			}
			s.max_output = (size_t)v;
			break;
		case OPT_NO_ELICIT:
			s.no_elicitation = true;
			break;
		case 'h':
			mcp_usage(stdout);
			return 0;
		default:
			mcp_usage(stderr);
			return CX_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		mcp_usage(stderr);
		return CX_EXIT_USAGE;
	}
	if (!(dir ? realpath(dir, s.root) : getcwd(s.root, sizeof(s.root)))) {
		fprintf(stderr, "codexctl mcp: %s: %s\n", dir ? dir : "current directory",
			strerror(errno));
		return CX_EXIT_ERROR;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "codexctl mcp: an MCP server: it reads JSON-RPC messages, one per "
				"line, on standard input (start it from an MCP client)\n");

	signal(SIGPIPE, SIG_IGN);
	s.c.fd = -1;
	list_init(&s.calls);
	list_init(&s.elicitations);
	frame_reader_init(&s.in, MCP_MAX_FRAME);

	for (;;) {
		struct pollfd pf[2] = {
			{.fd = s.in_eof ? -1 : STDIN_FILENO, .events = POLLIN},
			{.fd = s.connected ? s.c.fd : -1, .events = POLLIN},
		};

		if (s.connected && s.c.out_len > 0)
			pf[1].events |= POLLOUT;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (s.connected && (pf[1].revents & POLLOUT)) {
			int k = rpc_flush(&s.c, false);
			if (k < 0 && k != -EAGAIN)
				daemon_lost(&s, "lost the connection to codexd");
		}
		if (s.connected && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
			daemon_readable(&s);
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = client_readable(&s);
			if (r < 0)
				break;
			if (r == 0) {
				/*
				 * The client sent everything: answer the calls still
				 * running (as the daemon does for a half-closed
				 * connection), then exit.  Nobody can answer an
				 * elicitation any more: leave those to other approvers.
				 */
				s.in_eof = true;
				mcp_approval_decline_all(&s);
			}
		}
		if (s.connected && s.c.out_len > 0) {
			int k = rpc_flush(&s.c, false);
			if (k < 0 && k != -EAGAIN)
				daemon_lost(&s, "lost the connection to codexd");
		}
		if (s.in_eof && s.n_calls == 0) {
			if (s.connected)
				(void)rpc_flush(&s.c, true);
			break;
		}
	}

	/*
	 * End of input: the MCP client is gone.  Closing the connection makes
	 * the daemon end every command still running for us.
	 */
	mcp_server_release(&s);
	frame_reader_done(&s.in);
	return r < 0 ? CX_EXIT_ERROR : 0;
}
