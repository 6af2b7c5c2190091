/* SPDX-License-Identifier: MIT */
/*
 * codexctl mcp: the tools (client/mcp.h).
 *
 *   run_command   exec/start in pipe mode, output captured (head and tail
 *                 kept within a budget), answered at exec/exited
 *   policy_check  policy/check
 *   net_check     net/check
 *
 * Arguments are checked strictly (unknown names, wrong types and ranges
 * are -32602); what only the daemon can judge (the decision, paths in the
 * sandbox) comes back from it and becomes a tool error with its reason.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/mcp.h"
#include "common/b64.h"
#include "common/cxlimits.h"
#include "common/protocol.h"
#include "common/utf8.h"

#define MCP_TEXT_DENIALS 16 /* denials spelled out in the text content */

/* ---------------------------------------------------------------- schemas */

static const char run_command_input[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
	"\"command\":{\"type\":\"string\",\"description\":\"A shell script, run as `bash -lc "
	"COMMAND` (give this or argv).\"},"
	"\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,"
	"\"description\":\"The program and its arguments, run without a shell (give this or "
	"command).\"},"
	"\"cwd\":{\"type\":\"string\",\"description\":\"Working directory: absolute, or "
	"relative to the server's directory (the default).\"},"
	"\"sandbox\":{\"type\":\"string\",\"enum\":[\"read-only\",\"workspace-write\","
	"\"danger-full-access\"],\"description\":\"Sandbox mode; the administrator's "
	"configuration may make it stricter.\"},"
	"\"timeout_ms\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":604800000,"
	"\"description\":\"Kill the command after this many milliseconds.\"},"
	"\"stdin\":{\"type\":\"string\",\"description\":\"Text for the command's standard "
	"input (default: none).\"},"
	"\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},"
	"\"description\":\"Environment variables to set.\"},"
	"\"justification\":{\"type\":\"string\",\"maxLength\":4096,\"description\":\"Why the "
	"command should run, shown to the person asked to approve it.\"},"
	"\"escalate\":{\"type\":\"boolean\",\"description\":\"Ask to run outside the sandbox "
	"(always needs a person's approval).\"},"
	"\"max_output_bytes\":{\"type\":\"integer\",\"minimum\":256,\"maximum\":4194304,"
	"\"description\":\"Bytes of stdout and of stderr returned; the middle of longer "
	"output is left out.\"}}}";

static const char run_command_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"exit_code\":{\"type\":[\"integer\",\"null\"]},"
	"\"signal\":{\"type\":[\"string\",\"null\"]},"
	"\"timed_out\":{\"type\":\"boolean\"},"
	"\"duration_ms\":{\"type\":\"integer\"},"
	"\"stdout\":{\"type\":\"string\"},\"stderr\":{\"type\":\"string\"},"
	"\"stdout_truncated\":{\"type\":\"boolean\"},\"stderr_truncated\":{\"type\":\"boolean\"},"
	"\"stdout_bytes\":{\"type\":\"integer\"},\"stderr_bytes\":{\"type\":\"integer\"},"
	"\"denials\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
	"\"denials_complete\":{\"type\":\"boolean\"},"
	"\"sandbox\":{\"type\":\"string\"},\"network\":{\"type\":\"string\"},"
	"\"decision\":{\"type\":\"string\"},\"approved_by\":{\"type\":[\"string\",\"null\"]},"
	"\"exec_id\":{\"type\":\"string\"}},"
	"\"required\":[\"exit_code\",\"signal\",\"timed_out\",\"stdout\",\"stderr\","
	"\"stdout_truncated\",\"stderr_truncated\",\"denials\"]}";

static const char policy_check_input[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"argv\"],"
	"\"properties\":{"
	"\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,"
	"\"description\":\"The command's words, evaluated as given (a shell script is not "
	"split).\"},"
	"\"resolved_program\":{\"type\":\"string\",\"description\":\"Absolute path of the "
	"program argv[0] stands for.\"}}}";

static const char policy_check_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"decision\":{\"type\":\"string\"},"
	"\"matchedRules\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
	"\"generation\":{\"type\":\"integer\"}},\"required\":[\"matchedRules\"]}";

static const char net_check_input[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"host\"],"
	"\"properties\":{"
	"\"host\":{\"type\":\"string\",\"description\":\"Host name or address.\"},"
	"\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535},"
	"\"protocol\":{\"type\":\"string\",\"enum\":[\"http\",\"https\",\"socks5_tcp\","
	"\"socks5_udp\"]}}}";

static const char net_check_output[] = "{\"type\":\"object\"}";

static const struct tool_def {
	const char *name, *title, *description;
	const char *input, *output;
	bool read_only;
} tools[_MCP_CALL_KIND_MAX] = {
	[MCP_CALL_EXEC] = {"run_command", "Run a command",
			   "Run a command through codexd: the administrator's rules and approval "
			   "policy decide whether it runs, and it runs in a sandbox as the user. "
			   "Returns its exit code, stdout, stderr and what the sandbox refused. A "
			   "command refused by policy or by the person asked is a tool error with "
			   "the reason.",
			   run_command_input, run_command_output, false},
	[MCP_CALL_POLICY] = {"policy_check", "Check a command against the rules",
			     "Dry run of codexd's rules for a command: the decision (allow, "
			     "prompt, forbidden) and the rules that matched.  Runs nothing.",
			     policy_check_input, policy_check_output, true},
	[MCP_CALL_NET] = {"net_check", "Check a network destination",
			  "Dry run of codexd's network policy for a host, port and protocol. "
			  "Connects to nothing.",
			  net_check_input, net_check_output, true},
};

json_t *mcp_tools_list(const struct mcp_server *s)
{
	json_t *list = json_array();
	bool structured = strcmp(s->version, "2025-06-18") >= 0;
	bool annotations = strcmp(s->version, "2025-03-26") >= 0;

	for (size_t i = 0; list && i < ARRAY_SIZE(tools); i++) {
		const struct tool_def *t = &tools[i];
		json_t *tool =
			json_pack("{s:s, s:s, s:o}", "name", t->name, "description", t->description,
				  "inputSchema", json_loads(t->input, 0, NULL));

		if (!tool)
			continue;
		if (structured) {
			json_object_set_new(tool, "title", json_string(t->title));
			json_object_set_new(tool, "outputSchema", json_loads(t->output, 0, NULL));
		}
		if (annotations)
			json_object_set_new(tool, "annotations",
					    json_pack("{s:s, s:b, s:b, s:b}", "title", t->title,
						      "readOnlyHint", t->read_only,
						      "destructiveHint", !t->read_only,
						      "openWorldHint", !t->read_only));
		json_array_append_new(list, tool);
	}
	return list;
}

/* ---------------------------------------------------------------- capture */

void mcp_capture_init(struct mcp_capture *cap, size_t max)
{
	*cap = (struct mcp_capture){.head_cap = max / 2, .tail_cap = max - max / 2};
}

void mcp_capture_done(struct mcp_capture *cap)
{
	free(cap->head);
	free(cap->tail);
	*cap = (struct mcp_capture){0};
}

int mcp_capture_add(struct mcp_capture *cap, const char *buf, size_t len)
{
	cap->total += len;
	if (cap->head_len < cap->head_cap) {
		size_t n = MIN(len, cap->head_cap - cap->head_len);

		if (!cap->head) {
			cap->head = malloc(cap->head_cap);
			if (!cap->head)
				return -ENOMEM;
		}
		memcpy(cap->head + cap->head_len, buf, n);
		cap->head_len += n;
		buf += n;
		len -= n;
	}
	if (len == 0 || cap->tail_cap == 0)
		return 0;
	if (!cap->tail) {
		cap->tail = malloc(cap->tail_cap);
		if (!cap->tail)
			return -ENOMEM;
	}
	/* Only the last tail_cap bytes of this chunk can survive. */
	if (len > cap->tail_cap) {
		buf += len - cap->tail_cap;
		len = cap->tail_cap;
	}
	while (len > 0) {
		size_t n = MIN(len, cap->tail_cap - cap->tail_pos);

		memcpy(cap->tail + cap->tail_pos, buf, n);
		cap->tail_pos = (cap->tail_pos + n) % cap->tail_cap;
		cap->tail_len = MIN(cap->tail_len + n, cap->tail_cap);
		buf += n;
		len -= n;
	}
	return 0;
}

struct textbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void tb_add(struct textbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *q;

		while (cap < b->len + n + 1)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void tb_addf(struct textbuf *b, const char *fmt, ...) _printf_(2, 3);
static void tb_addf(struct textbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		tb_add(b, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

/* Bytes as valid UTF-8: invalid sequences and NUL become U+FFFD. */
static void tb_add_utf8(struct textbuf *b, const char *s, size_t len)
{
	size_t i = 0, run = 0;

	if (len == 0)
		return;
	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n > 0 && cp != 0) {
			i += (size_t)n;
			continue;
		}
		tb_add(b, s + run, i - run);
		tb_add(b, "\xef\xbf\xbd", 3);
		i++;
		run = i;
	}
	tb_add(b, s + run, i - run);
}

json_t *mcp_capture_text(const struct mcp_capture *cap, bool *ret_truncated)
{
	struct textbuf b = {0};
	uint64_t omitted = cap->total - cap->head_len - cap->tail_len;
	json_t *v;

	tb_add(&b, "", 0);
	tb_add_utf8(&b, cap->head, cap->head_len);
	if (cap->tail_len > 0) {
		const char *t1, *t2;
		size_t n1, n2;

		if (cap->tail_len < cap->tail_cap) {
			t1 = cap->tail, n1 = cap->tail_len;
			t2 = NULL, n2 = 0;
		} else {
			t1 = cap->tail + cap->tail_pos, n1 = cap->tail_cap - cap->tail_pos;
			t2 = cap->tail, n2 = cap->tail_pos;
		}
		if (omitted > 0) {
			/* Start the tail on a character boundary. */
			for (int k = 0; k < 3 && n1 > 0 && ((unsigned char)t1[0] & 0xc0) == 0x80;
			     k++)
				t1++, n1--;
			tb_addf(&b, "\n[... %llu bytes left out ...]\n",
				(unsigned long long)omitted);
		}
		/* The ring's two parts are one text: join them before decoding. */
		if (n2 > 0) {
			_cleanup_free_ char *joined = malloc(n1 + n2);

			if (!joined) {
				free(b.p);
				return NULL;
			}
			memcpy(joined, t1, n1);
			memcpy(joined + n1, t2, n2);
			tb_add_utf8(&b, joined, n1 + n2);
		} else
			tb_add_utf8(&b, t1, n1);
	}
	*ret_truncated = omitted > 0;
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	v = json_stringn(b.p, b.len);
	free(b.p);
	return v;
}

/* ---------------------------------------------------------------- calls */

void mcp_call_free(struct mcp_server *s, struct mcp_call *call)
{
	if (!call)
		return;
	list_del(&call->node);
	s->n_calls--;
	free(call->exec_id);
	json_decref(call->start);
	free(call->stdin_data);
	mcp_capture_done(&call->out[0]);
	mcp_capture_done(&call->out[1]);
	free(call);
}

/* A tool error: {content: [text], isError: true}. */
static void send_tool_error(struct mcp_server *s, const struct rpc_id *id, const char *text)
{
	mcp_send_result(s, id,
			json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
				  "isError", 1));
}

void mcp_call_fail(struct mcp_server *s, struct mcp_call *call, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!call->cancelled)
		send_tool_error(s, &call->mcp_id, text);
	mcp_call_free(s, call);
}

void mcp_call_cancel(struct mcp_server *s, struct mcp_call *call)
{
	call->cancelled = true;
	if (call->exec_id && s->connected)
		(void)rpc_queue_request(
			&s->c, "exec/signal",
			json_pack("{s:s, s:s}", "id", call->exec_id, "signal", "KILL"));
	/*
	 * Still being decided, or waiting for an approval: the daemon withdraws
	 * it (approval/resolved then takes down our elicitation) and refuses it,
	 * so nothing runs.  Should it have started meanwhile, it is killed as
	 * soon as its start is answered (mcp_call_on_answer).
	 */
	else if (call->kind == MCP_CALL_EXEC && call->daemon_id > 0 && s->connected)
		(void)rpc_queue_request(&s->c, "exec/cancel",
					json_pack("{s:I}", "request_id", (json_int_t)call->daemon_id));
	if (!call->exec_id && call->kind != MCP_CALL_EXEC)
		mcp_call_free(s, call); /* a dry run: its answer is simply dropped */
}

static struct mcp_call *call_new(struct mcp_server *s, enum mcp_call_kind kind,
				 const struct rpc_id *id)
{
	struct mcp_call *call = calloc(1, sizeof(*call));

	if (!call)
		return NULL;
	call->kind = kind;
	call->mcp_id = *id;
	call->max_output = s->max_output;
	list_add_tail(&s->calls, &call->node);
	s->n_calls++;
	return call;
}

/* ---------------------------------------------------------------- arguments */

struct arg_error {
	int *code;
	char *err;
	size_t errsz;
};

static int bad_arg(struct arg_error *e, const char *fmt, ...) _printf_(2, 3);
static int bad_arg(struct arg_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, e->errsz, fmt, ap);
	va_end(ap);
	*e->code = CX_ERR_INVALID_PARAMS;
	return -EINVAL;
}

/* Only the names in allowed[]; each value's type is checked by the caller. */
static int check_names(json_t *args, const char *const *allowed, struct arg_error *e)
{
	const char *key;
	json_t *v;

	json_object_foreach (args, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(key, *a) == 0)
				ok = true;
		if (!ok)
			return bad_arg(e, "unknown argument \"%.64s\"", key);
	}
	return 0;
}

/* A non-empty array of at most CX_MAX_ARGV strings (NUL-free, bounded). */
static int check_argv(json_t *v, struct arg_error *e)
{
	size_t i;
	json_t *w;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > CX_MAX_ARGV)
		return bad_arg(e, "argv must be an array of 1 to %d strings", CX_MAX_ARGV);
	json_array_foreach (v, i, w) {
		if (!json_is_string(w) || json_string_length(w) > CX_MAX_ARG ||
		    strlen(json_string_value(w)) != json_string_length(w))
			return bad_arg(e,
				       "argv[%zu] must be a string of at most %d bytes without NUL",
				       i, CX_MAX_ARG);
	}
	return 0;
}

static bool is_nul_free_string(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) <= max &&
	       strlen(json_string_value(v)) == json_string_length(v);
}

/* cwd: absolute or relative to the server's root, resolved to a real directory. */
static int resolve_cwd(struct mcp_server *s, json_t *v, char out[static PATH_MAX], char *err,
		       size_t errsz)
{
	char joined[PATH_MAX * 2];
	const char *p = s->root;

	if (v) {
		const char *c = json_string_value(v);
		if (c[0] == '/')
			p = c;
		else {
			snprintf(joined, sizeof(joined), "%s/%s", s->root, c);
			p = joined;
		}
	}
	if (!realpath(p, out)) {
		snprintf(err, errsz, "cwd %.256s: %s", p, strerror(errno));
		return -errno;
	}
	return 0;
}

static int call_exec(struct mcp_server *s, const struct rpc_id *id, json_t *args,
		     struct arg_error *e)
{
	static const char *const names[] = {
		"command", "argv",	    "cwd",	"sandbox",	    "timeout_ms", "stdin",
		"env",	   "justification", "escalate", "max_output_bytes", NULL};
	json_t *command = json_object_get(args, "command"), *argv = json_object_get(args, "argv");
	json_t *sandbox = json_object_get(args, "sandbox"),
	       *timeout = json_object_get(args, "timeout_ms");
	json_t *in = json_object_get(args, "stdin"), *env = json_object_get(args, "env");
	json_t *just = json_object_get(args, "justification");
	json_t *esc = json_object_get(args, "escalate"),
	       *maxo = json_object_get(args, "max_output_bytes");
	json_t *cwdv = json_object_get(args, "cwd");
	_cleanup_json_ json_t *params = NULL;
	char cwd[PATH_MAX], err[600];
	struct mcp_call *call;
	const char *key;
	json_t *v;

	if (check_names(args, names, e) < 0)
		return -EINVAL;
	if (!!command == !!argv)
		return bad_arg(e, "give either command (a shell script) or argv");
	if (command && (!is_nul_free_string(command, CX_MAX_ARG) || !json_string_length(command)))
		return bad_arg(e, "command must be a non-empty string of at most %d bytes",
			       CX_MAX_ARG);
	if (argv && check_argv(argv, e) < 0)
		return -EINVAL;
	if (cwdv && (!is_nul_free_string(cwdv, CX_MAX_PATH) || !json_string_length(cwdv)))
		return bad_arg(e, "cwd must be a path of at most %d bytes", CX_MAX_PATH);
	if (sandbox && (!json_is_string(sandbox) ||
			(strcmp(json_string_value(sandbox), "read-only") &&
			 strcmp(json_string_value(sandbox), "workspace-write") &&
			 strcmp(json_string_value(sandbox), "danger-full-access"))))
		return bad_arg(e, "sandbox must be read-only, workspace-write or "
				  "danger-full-access");
	if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) < 1 ||
			json_integer_value(timeout) > CX_MAX_TIMEOUT_MS))
		return bad_arg(e, "timeout_ms must be an integer from 1 to %lld",
			       (long long)CX_MAX_TIMEOUT_MS);
	if (in && !is_nul_free_string(in, MCP_STDIN_MAX))
		return bad_arg(e, "stdin must be a string of at most %d bytes without NUL",
			       MCP_STDIN_MAX);
	if (env) {
		if (!json_is_object(env) || json_object_size(env) > CX_MAX_ENV)
			return bad_arg(e, "env must be an object of at most %d strings",
				       CX_MAX_ENV);
		json_object_foreach (env, key, v) {
			if (!key[0] || strlen(key) > CX_MAX_ENV_NAME || strchr(key, '=') ||
			    !is_nul_free_string(v, CX_MAX_ENV_VALUE))
				return bad_arg(e,
					       "env: each name 1 to %d bytes without '=', each "
					       "value a string of at most %d bytes",
					       CX_MAX_ENV_NAME, CX_MAX_ENV_VALUE);
		}
	}
	if (just && !is_nul_free_string(just, CX_MAX_JUSTIFICATION))
		return bad_arg(e, "justification must be a string of at most %d bytes",
			       CX_MAX_JUSTIFICATION);
	if (esc && !json_is_boolean(esc))
		return bad_arg(e, "escalate must be a boolean");
	if (maxo && (!json_is_integer(maxo) || json_integer_value(maxo) < MCP_OUTPUT_MIN ||
		     json_integer_value(maxo) > MCP_OUTPUT_MAX))
		return bad_arg(e, "max_output_bytes must be an integer from %d to %d",
			       MCP_OUTPUT_MIN, MCP_OUTPUT_MAX);

	/* From here on, problems are the command's: tool errors. */
	if (resolve_cwd(s, cwdv, cwd, err, sizeof(err)) < 0) {
		send_tool_error(s, id, err);
		return 1;
	}
	params = json_pack("{s:O?, s:s, s:o, s:b, s:b}", "argv", argv, "cwd", cwd, "env",
			   environment_json(), "stdin", in && json_string_length(in) > 0,
			   "log_denials", 1);
	if (!params)
		return -ENOMEM;
	if (command)
		json_object_set_new(params, "argv", json_pack("[s,s,O]", "bash", "-lc", command));
	if (sandbox || s->sandbox)
		json_object_set_new(params, "sandbox",
				    sandbox ? json_incref(sandbox) : json_string(s->sandbox));
	if (s->approval_policy)
		json_object_set_new(params, "approval_policy", json_string(s->approval_policy));
	json_object_set_new(params, "timeout_ms",
			    timeout ? json_incref(timeout) : json_integer(s->timeout_ms));
	if (env && json_object_size(env))
		json_object_set(params, "set_env", env);
	if (just)
		json_object_set(params, "justification", just);
	if (json_is_true(esc))
		json_object_set_new(params, "escalate", json_true());

	call = call_new(s, MCP_CALL_EXEC, id);
	if (!call)
		return -ENOMEM;
	if (maxo)
		call->max_output = (size_t)json_integer_value(maxo);
	mcp_capture_init(&call->out[0], call->max_output);
	mcp_capture_init(&call->out[1], call->max_output);
	if (in && json_string_length(in) > 0) {
		call->stdin_len = json_string_length(in);
		call->stdin_data = malloc(call->stdin_len);
		if (!call->stdin_data) {
			mcp_call_free(s, call);
			return -ENOMEM;
		}
		memcpy(call->stdin_data, json_string_value(in), call->stdin_len);
	}
	call->daemon_id = rpc_queue_request(&s->c, "exec/start", TAKE_PTR(params));
	if (call->daemon_id < 0) {
		mcp_call_free(s, call);
		return -ENOMEM;
	}
	return 0;
}

static int call_policy(struct mcp_server *s, const struct rpc_id *id, json_t *args,
		       struct arg_error *e)
{
	static const char *const names[] = {"argv", "resolved_program", NULL};
	json_t *argv = json_object_get(args, "argv"),
	       *prog = json_object_get(args, "resolved_program");
	struct mcp_call *call;

	if (check_names(args, names, e) < 0)
		return -EINVAL;
	if (!argv)
		return bad_arg(e, "argv is required");
	if (check_argv(argv, e) < 0)
		return -EINVAL;
	if (prog && (!is_nul_free_string(prog, CX_MAX_PATH) || json_string_value(prog)[0] != '/'))
		return bad_arg(e, "resolved_program must be an absolute path");
	call = call_new(s, MCP_CALL_POLICY, id);
	if (!call)
		return -ENOMEM;
	call->daemon_id =
		rpc_queue_request(&s->c, "policy/check",
				  json_pack("{s:O, s:O*}", "argv", argv, "resolved_program", prog));
	if (call->daemon_id < 0) {
		mcp_call_free(s, call);
		return -ENOMEM;
	}
	return 0;
}

static int call_net(struct mcp_server *s, const struct rpc_id *id, json_t *args,
		    struct arg_error *e)
{
	static const char *const names[] = {"host", "port", "protocol", NULL};
	json_t *host = json_object_get(args, "host"), *port = json_object_get(args, "port");
	json_t *proto = json_object_get(args, "protocol");
	struct mcp_call *call;

	if (check_names(args, names, e) < 0)
		return -EINVAL;
	if (!host || !is_nul_free_string(host, CX_MAX_DOMAIN) || !json_string_length(host))
		return bad_arg(e, "host must be a string of 1 to %d bytes", CX_MAX_DOMAIN);
	if (port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
		     json_integer_value(port) > 65535))
		return bad_arg(e, "port must be an integer from 1 to 65535");
	if (proto && (!json_is_string(proto) || (strcmp(json_string_value(proto), "http") &&
						 strcmp(json_string_value(proto), "https") &&
						 strcmp(json_string_value(proto), "socks5_tcp") &&
						 strcmp(json_string_value(proto), "socks5_udp"))))
		return bad_arg(e, "protocol must be http, https, socks5_tcp or socks5_udp");
	call = call_new(s, MCP_CALL_NET, id);
	if (!call)
		return -ENOMEM;
	call->daemon_id = rpc_queue_request(
		&s->c, "net/check",
		json_pack("{s:O, s:O*, s:O*}", "host", host, "port", port, "protocol", proto));
	if (call->daemon_id < 0) {
		mcp_call_free(s, call);
		return -ENOMEM;
	}
	return 0;
}

int mcp_tools_call(struct mcp_server *s, const struct rpc_id *id, json_t *params, int *ret_code,
		   char *err, size_t errsz)
{
	struct arg_error e = {.code = ret_code, .err = err, .errsz = errsz};
	json_t *name = json_object_get(params, "name"),
	       *args = json_object_get(params, "arguments");
	const char *key;
	json_t *v;
	int kind = -1, r;

	json_object_foreach (params, key, v) {
		if (strcmp(key, "name") && strcmp(key, "arguments") && strcmp(key, "_meta"))
			return bad_arg(&e, "unknown member \"%.64s\" in tools/call", key);
	}
	if (!json_is_string(name))
		return bad_arg(&e, "tools/call needs a tool name");
	if (args && !json_is_null(args) && !json_is_object(args))
		return bad_arg(&e, "arguments must be an object");
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++)
		if (strcmp(json_string_value(name), tools[i].name) == 0)
			kind = (int)i;
	if (kind < 0)
		return bad_arg(&e, "unknown tool \"%.64s\"", json_string_value(name));
	if (s->n_calls >= MCP_MAX_CALLS) {
		send_tool_error(s, id,
				"too many commands are running in this MCP session (at most "
				"64); wait for one to end");
		return 1;
	}
	r = mcp_daemon_ensure(s);
	if (r < 0) {
		char text[600];
		snprintf(text, sizeof(text),
			 r == -EACCES
				 ? "codexd refused the connection at %s: this user is not in a "
				   "codexd group"
				 : "cannot reach codexd at %s: is it running?",
			 s->o->socket);
		send_tool_error(s, id, text);
		return 1;
	}
	{
		_cleanup_json_ json_t *empty = json_object();
		json_t *a = json_is_object(args) ? args : empty;

		switch (kind) {
		case MCP_CALL_EXEC:
			return call_exec(s, id, a, &e);
		case MCP_CALL_POLICY:
			return call_policy(s, id, a, &e);
		default:
			return call_net(s, id, a, &e);
		}
	}
}

/* ---------------------------------------------------------------- answers */

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The daemon refused or failed a request: a tool error that says why. */
static void fail_from_daemon(struct mcp_server *s, struct mcp_call *call, struct rpc_message *m)
{
	const char *reason = m->error_reason ? m->error_reason : "error";
	const char *msg = m->error_message ? m->error_message : "error";
	const char *by = str_field(m->error_data, "by");

	if (call->kind == MCP_CALL_NET && m->error_code == CX_ERR_METHOD_NOT_FOUND) {
		mcp_call_fail(s, call,
			      "net/check is not available: this codexd does not implement "
			      "it yet (error -32601)");
		return;
	}
	if (call->kind == MCP_CALL_EXEC && m->error_code == CX_ERR_APPROVAL_DENIED) {
		mcp_call_fail(
			s, call, "the command was not approved: %.700s (reason: %s%s%s)%s", msg,
			reason, by ? ", by " : "", by ? by : "",
			by && strcmp(by, "no_approver") == 0 && !s->elicitation
				? ". Nobody could be asked: run `codexctl approvals watch` in "
				  "a terminal of this user, or use an MCP client that "
				  "supports elicitation"
				: "");
		return;
	}
	if (call->kind == MCP_CALL_EXEC && m->error_code == CX_ERR_FORBIDDEN) {
		mcp_call_fail(s, call, "codexd refused the command: %.800s (reason: %s)", msg,
			      reason);
		return;
	}
	mcp_call_fail(s, call, "codexd: %.800s (error %lld, reason: %s)", msg,
		      (long long)m->error_code, reason);
}

static void start_stdin(struct mcp_server *s, struct mcp_call *call)
{
	size_t off = 0;

	while (off < call->stdin_len) {
		size_t n = MIN(call->stdin_len - off, (size_t)CX_MAX_WRITE_CHUNK);
		_cleanup_free_ char *b64 = malloc(b64_encoded_len(n) + 1);

		if (!b64)
			break;
		b64_encode(b64, call->stdin_data + off, n);
		(void)rpc_queue_request(&s->c, "exec/write",
					json_pack("{s:s, s:s}", "id", call->exec_id, "data", b64));
		off += n;
	}
	(void)rpc_queue_request(&s->c, "exec/close_stdin", json_pack("{s:s}", "id", call->exec_id));
	free(call->stdin_data);
	call->stdin_data = NULL;
}

/* A dry run's answer: its result as structured content, and as text. */
static void answer_dry_run(struct mcp_server *s, struct mcp_call *call, json_t *result)
{
	_cleanup_free_ char *dump = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS);
	struct textbuf b = {0};
	const char *decision = str_field(result, "decision");
	json_t *res;

	if (call->kind == MCP_CALL_POLICY)
		tb_addf(&b, "decision: %s\n",
			decision ? decision
				 : "none (no rule matched; the approval policy decides)");
	else if (decision)
		tb_addf(&b, "decision: %.64s\n", decision);
	tb_add(&b, dump ? dump : "{}", dump ? strlen(dump) : 2);
	res = json_pack("{s:[{s:s, s:s?}], s:b}", "content", "type", "text", "text", b.p, "isError",
			0);
	if (res && strcmp(s->version, "2025-06-18") >= 0)
		json_object_set(res, "structuredContent", result);
	free(b.p);
	if (!call->cancelled)
		mcp_send_result(s, &call->mcp_id, res);
	else
		json_decref(res);
	mcp_call_free(s, call);
}

void mcp_call_on_answer(struct mcp_server *s, struct mcp_call *call, struct rpc_message *m)
{
	const char *exec_id;

	call->daemon_id = 0;
	if (m->kind == RPC_KIND_ERROR) {
		fail_from_daemon(s, call, m);
		return;
	}
	if (call->kind != MCP_CALL_EXEC) {
		answer_dry_run(s, call, m->result);
		return;
	}
	exec_id = str_field(m->result, "id");
	if (!exec_id) {
		/* Approval policy "suggest": nothing runs. */
		const char *reason = str_field(m->result, "reason");
		mcp_call_fail(s, call,
			      "not run: the approval policy only suggests commands%s%.800s",
			      reason ? ": " : "", reason ? reason : "");
		return;
	}
	call->exec_id = strdup(exec_id);
	call->start = json_incref(m->result);
	if (!call->exec_id) {
		mcp_call_fail(s, call, "out of memory");
		return;
	}
	if (call->cancelled) {
		(void)rpc_queue_request(
			&s->c, "exec/signal",
			json_pack("{s:s, s:s}", "id", call->exec_id, "signal", "KILL"));
		return;
	}
	if (call->stdin_data)
		start_stdin(s, call);
}

void mcp_call_on_output(struct mcp_call *call, json_t *params)
{
	const char *data = str_field(params, "data"), *stream = str_field(params, "stream");
	_cleanup_free_ char *bin = NULL;
	size_t len;
	long n;

	if (!data || !stream)
		return;
	len = strlen(data);
	bin = malloc(len / 4 * 3 + 3);
	if (!bin)
		return;
	n = b64_decode(bin, len / 4 * 3 + 3, data, len);
	if (n < 0)
		return;
	(void)mcp_capture_add(&call->out[strcmp(stream, "stderr") == 0 ? 1 : 0], bin, (size_t)n);
}

/* One denial on a line of text: "write /etc/x (EROFS)", "socket(AF_INET)". */
static void describe_denial(struct textbuf *b, json_t *d)
{
	const char *op = str_field(d, "operation"), *path = str_field(d, "path");
	const char *call = str_field(d, "syscall"), *err = str_field(d, "error");
	const char *arg = str_field(d, "family")    ? str_field(d, "family")
			  : str_field(d, "request") ? str_field(d, "request")
						    : str_field(d, "flags");

	tb_add(b, "  denied: ", 10);
	if (path) {
		tb_addf(b, "%.32s %.300s", op ? op : "access", path);
		if (err)
			tb_addf(b, " (%.32s)", err);
	} else {
		tb_addf(b, "%.64s", call ? call : "?");
		if (arg)
			tb_addf(b, "(%.64s)", arg);
	}
	tb_add(b, "\n", 1);
}

void mcp_call_on_exited(struct mcp_server *s, struct mcp_call *call, json_t *p)
{
	json_t *code = json_object_get(p, "exit_code"), *denials = json_object_get(p, "denials");
	const char *sig = str_field(p, "signal");
	bool timed_out = json_is_true(json_object_get(p, "timed_out"));
	bool trunc_out = false, trunc_err = false;
	json_t *out, *err, *sc, *res, *d;
	struct textbuf b = {0};
	size_t i;

	if (call->cancelled) {
		mcp_call_free(s, call);
		return;
	}
	out = mcp_capture_text(&call->out[0], &trunc_out);
	err = mcp_capture_text(&call->out[1], &trunc_err);
	if (!out || !err) {
		json_decref(out);
		json_decref(err);
		mcp_call_fail(s, call, "out of memory");
		return;
	}
	if (!json_is_array(denials))
		denials = NULL;

	if (timed_out)
		tb_addf(&b, "timed out: the command was killed%s%s\n", sig ? " by signal " : "",
			sig ? sig : "");
	else if (json_is_integer(code))
		tb_addf(&b, "exit code %lld\n", (long long)json_integer_value(code));
	else
		tb_addf(&b, "killed by signal %.32s\n", sig ? sig : "?");
	if (json_string_length(out) > 0) {
		tb_add(&b, "stdout:\n", 8);
		tb_add(&b, json_string_value(out), json_string_length(out));
		if (json_string_value(out)[json_string_length(out) - 1] != '\n')
			tb_add(&b, "\n", 1);
	}
	if (json_string_length(err) > 0) {
		tb_add(&b, "stderr:\n", 8);
		tb_add(&b, json_string_value(err), json_string_length(err));
		if (json_string_value(err)[json_string_length(err) - 1] != '\n')
			tb_add(&b, "\n", 1);
	}
	if (json_string_length(out) == 0 && json_string_length(err) == 0)
		tb_add(&b, "(no output)\n", 12);
	if (trunc_out || trunc_err)
		tb_addf(&b,
			"[output truncated: %llu bytes of stdout, %llu of stderr written; the "
			"middle was left out]\n",
			(unsigned long long)call->out[0].total,
			(unsigned long long)call->out[1].total);
	json_array_foreach (denials, i, d) {
		if (i >= MCP_TEXT_DENIALS) {
			tb_addf(&b, "  (%zu more denials)\n", json_array_size(denials) - i);
			break;
		}
		describe_denial(&b, d);
	}
	if (b.oom) {
		free(b.p);
		json_decref(out);
		json_decref(err);
		mcp_call_fail(s, call, "out of memory");
		return;
	}

	sc = json_pack(
		"{s:O, s:s?, s:b, s:O?, s:o, s:o, s:b, s:b, s:I, s:I, s:o, s:O?, s:s?, "
		"s:s?, s:s?, s:s?, s:s}",
		"exit_code", json_is_integer(code) ? code : json_null(), "signal", sig, "timed_out",
		timed_out, "duration_ms", json_object_get(p, "duration_ms"), "stdout", out,
		"stderr", err, "stdout_truncated", trunc_out, "stderr_truncated", trunc_err,
		"stdout_bytes", (json_int_t)call->out[0].total, "stderr_bytes",
		(json_int_t)call->out[1].total, "denials",
		denials ? json_incref(denials) : json_array(), "denials_complete",
		json_object_get(p, "denials_complete"), "sandbox",
		str_field(call->start, "sandbox"), "network", str_field(call->start, "network"),
		"decision", str_field(call->start, "decision"), "approved_by",
		str_field(call->start, "approved_by"), "exec_id", call->exec_id);
	if (sc && !json_object_get(sc, "signal"))
		json_object_set_new(sc, "signal", json_null());
	if (sc && !json_object_get(sc, "approved_by"))
		json_object_set_new(sc, "approved_by", json_null());
	res = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", b.p, "isError",
			0);
	free(b.p);
	if (res && sc && strcmp(s->version, "2025-06-18") >= 0)
		json_object_set(res, "structuredContent", sc);
	json_decref(sc);
	if (!res) {
		mcp_call_fail(s, call, "out of memory");
		return;
	}
	mcp_send_result(s, &call->mcp_id, res);
	mcp_call_free(s, call);
}
