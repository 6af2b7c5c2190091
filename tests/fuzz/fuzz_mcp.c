/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what `codexctl mcp` reads (client/mcp_*.c).  The input
 * is split into lines; a line is one message from the MCP client (the
 * agent: initialize, tools/list, tools/call with any arguments,
 * notifications/cancelled, answers to elicitation/create ...), except a
 * line that starts with '<', whose rest is a message from the daemon
 * (exec/start answers, exec/output, exec/exited, approval/request,
 * approval/resolved ...).  No daemon runs: the bridge's requests to it
 * are queued in memory and checked, then dropped.
 *
 * Properties (abort() when one fails):
 *   - every message written to the MCP client is one line, a JSON object
 *     with "jsonrpc": "2.0", and nothing else;
 *   - everything queued for the daemon is whole lines, each a JSON object;
 *   - calls and elicitations stay within MCP_MAX_CALLS and
 *     MCP_MAX_ELICITATIONS;
 *   - no crash, no leak (ASan), no undefined behaviour (UBSan).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/mcp.h"
#include "common/jsonrpc.h"
// fuzz-sources: client/mcp_server.c client/mcp_tools.c client/mcp_approval.c client/rpc.c

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* client/cmd_exec.c's (the caller's environment): a fixed one here. */
json_t *environment_json(void)
{
	return json_pack("{s:s, s:s}", "PATH", "/usr/bin:/bin", "LANG", "C.UTF-8");
}

static void check_line(const char *line, size_t len, bool want_jsonrpc)
{
	json_error_t err;
	json_t *v;

	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	v = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(v))
		abort();
	if (want_jsonrpc && !(json_is_string(json_object_get(v, "jsonrpc")) &&
			      strcmp(json_string_value(json_object_get(v, "jsonrpc")), "2.0") == 0))
		abort();
	json_decref(v);
}

static int sink(void *ud, const char *line, size_t len)
{
	size_t *n = ud;

	check_line(line, len, true);
	(*n)++;
	return 0;
}

/* The bytes queued for the daemon: whole lines of JSON; then dropped. */
static void drain_daemon_queue(struct mcp_server *s)
{
	size_t off = 0;

	while (off < s->c.out_len) {
		const char *nl = memchr(s->c.out + off, '\n', s->c.out_len - off);

		if (!nl)
			abort();
		check_line(s->c.out + off, (size_t)(nl - (s->c.out + off)) + 1, true);
		off = (size_t)(nl - s->c.out) + 1;
	}
	s->c.out_len = 0;
}

/* A pretend connection: requests are queued, never sent. */
static void fake_connect(struct mcp_server *s, int64_t next_id)
{
	s->c = (struct rpc_client){.fd = -1, .next_id = next_id};
	frame_reader_init(&s->c.rd, CLIENT_MAX_FRAME);
	s->connected = true;
	s->hello_id = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct client_opts o = {.socket = "/nonexistent/codexd-fuzz.sock"};
	struct mcp_server s = {
		.o = &o, .timeout_ms = MCP_TIMEOUT_DEFAULT_MS, .max_output = MCP_OUTPUT_DEFAULT};
	size_t written = 0, off = 0;

	if (size > 1 << 16)
		return 0;
	s.write_out = sink;
	s.write_ud = &written;
	snprintf(s.root, sizeof(s.root), "/tmp");
	list_init(&s.calls);
	list_init(&s.elicitations);
	fake_connect(&s, 2);

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
		/* A frame is NUL-terminated in the reader's buffer: do the same. */
		char *line = malloc(len + 1);

		if (!line)
			abort();
		memcpy(line, data + off, len);
		line[len] = '\0';
		off += len + (nl ? 1 : 0);

		if (len > 0 && line[0] == '<') {
			struct rpc_message m;
			struct rpc_parse_error perr;

			if (jsonrpc_parse(line + 1, len - 1, &m, &perr) == 0) {
				mcp_server_on_daemon_message(&s, &m);
				jsonrpc_message_done(&m);
			}
		} else {
			mcp_server_on_client_frame(&s, line, len);
		}
		free(line);
		if (s.n_calls > MCP_MAX_CALLS || s.n_elicitations > MCP_MAX_ELICITATIONS)
			abort();
		if (s.connected) {
			drain_daemon_queue(&s);
		} else {
			/* The bridge dropped the daemon (a connection-level error): reconnect. */
			int64_t next = s.c.next_id;
			rpc_close(&s.c);
			fake_connect(&s, next > 2 ? next : 2);
		}
	}
	mcp_server_release(&s);
	return 0;
}
