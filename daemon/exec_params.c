/* SPDX-License-Identifier: MIT */
/*
 * exec/start parameters: the strict decoder (STYLE.md "Hostile input" 3).
 * Kept apart from the handler so unit tests and fuzz targets can run it
 * without a daemon.
 *
 * Process: main (and tests).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/jdecode.h"
#include "daemon/exec.h"
#include "policy/approval.h"

void exec_request_done(struct exec_request *r)
{
	strv_free(r->argv);
	free(r->cwd);
	strv_free(r->allow_domains);
	strv_free(r->deny_domains);
	strv_free(r->writable_roots);
	strv_free(r->env);
	strv_free(r->set_env);
	free(r->session);
	free(r->approval_policy);
	free(r->justification);
	strv_free(r->config_overrides);
	free(r->profile);
	strv_free(r->prefix_rule);
	*r = (struct exec_request){ 0 };
}

/* network: "off" | "proxy" | "full", or {mode, allow_domains, deny_domains}. */
static int parse_network(json_t *v, void *dst, char *err, size_t errsz)
{
	struct exec_request *r = (struct exec_request *)((char *)dst -
							 offsetof(struct exec_request, network));
	static const struct jd_field fields[] = {
		{ "mode", JD_ENUM, offsetof(struct exec_request, network), JD_REQUIRED, 0, 0, 0,
		  net_mode_names },
		{ "allow_domains", JD_STRV, offsetof(struct exec_request, allow_domains),
		  JD_NONEMPTY, 0, CX_MAX_DOMAINS, CX_MAX_DOMAIN },
		{ "deny_domains", JD_STRV, offsetof(struct exec_request, deny_domains), JD_NONEMPTY,
		  0, CX_MAX_DOMAINS, CX_MAX_DOMAIN },
	};
	char e[200];
	int rc;

	if (json_is_string(v)) {
		enum net_mode m;
		if (net_mode_from_string(json_string_value(v), &m) < 0) {
			snprintf(err, errsz, "must be \"off\", \"proxy\" or \"full\"");
			return -EINVAL;
		}
		r->network = m;
		return 0;
	}
	if (!json_is_object(v)) {
		snprintf(err, errsz, "must be a string or an object");
		return -EINVAL;
	}
	rc = jd_decode(v, "network", fields, ARRAY_SIZE(fields), r, NULL, e, sizeof(e));
	if (rc < 0)
		snprintf(err, errsz, "%s", e);
	return rc;
}

static void free_network(void *dst)
{
	struct exec_request *r = (struct exec_request *)((char *)dst -
							 offsetof(struct exec_request, network));
	strv_free(r->allow_domains);
	strv_free(r->deny_domains);
	r->allow_domains = r->deny_domains = NULL;
}

enum {
	F_ARGV,
	F_CWD,
	F_SANDBOX,
	F_NETWORK,
	F_WRITABLE_ROOTS,
	F_ENV,
	F_SET_ENV,
	F_TTY,
	F_ROWS,
	F_COLS,
	F_STDIO,
	F_STDIN,
	F_TIMEOUT,
	F_SESSION,
	F_APPROVAL,
	F_ESCALATE,
	F_JUSTIFICATION,
	F_LOG_DENIALS,
	F_OVERRIDES,
	F_PROFILE,
	F_PREFIX_RULE,
	F_RAW_OUTPUT,
};

static const struct jd_field start_fields[] = {
	[F_ARGV] = { "argv", JD_STRV, offsetof(struct exec_request, argv),
		     JD_REQUIRED | JD_NONEMPTY, 0, CX_MAX_ARGV, CX_MAX_ARG },
	[F_CWD] = { "cwd", JD_STRING, offsetof(struct exec_request, cwd),
		    JD_REQUIRED | JD_ABS_PATH, 0, CX_MAX_PATH },
	[F_SANDBOX] = { "sandbox", JD_ENUM, offsetof(struct exec_request, sandbox), 0, 0, 0, 0,
			sandbox_mode_names },
	[F_NETWORK] = { "network", JD_CUSTOM, offsetof(struct exec_request, network), 0, 0, 0, 0,
			NULL, parse_network, free_network },
	[F_WRITABLE_ROOTS] = { "writable_roots", JD_STRV,
			       offsetof(struct exec_request, writable_roots), JD_ABS_PATH, 0,
			       CX_MAX_WRITABLE_ROOTS, CX_MAX_PATH },
	[F_ENV] = { "env", JD_ENV, offsetof(struct exec_request, env), 0, 0, CX_MAX_ENV,
		    CX_MAX_ENV_VALUE },
	[F_SET_ENV] = { "set_env", JD_ENV, offsetof(struct exec_request, set_env), 0, 0,
			CX_MAX_ENV, CX_MAX_ENV_VALUE },
	[F_TTY] = { "tty", JD_BOOL, offsetof(struct exec_request, tty) },
	[F_ROWS] = { "rows", JD_UINT32, offsetof(struct exec_request, rows), 0, 1,
		     CX_MAX_TTY_DIM },
	[F_COLS] = { "cols", JD_UINT32, offsetof(struct exec_request, cols), 0, 1,
		     CX_MAX_TTY_DIM },
	[F_STDIO] = { "stdio", JD_ENUM, offsetof(struct exec_request, stdio), 0, 0, 0, 0,
		      stdio_mode_names },
	[F_STDIN] = { "stdin", JD_BOOL, offsetof(struct exec_request, stdin_open) },
	[F_TIMEOUT] = { "timeout_ms", JD_INT64, offsetof(struct exec_request, timeout_ms), 0, 1,
			CX_MAX_TIMEOUT_MS },
	[F_SESSION] = { "session", JD_STRING, offsetof(struct exec_request, session), JD_NONEMPTY,
			0, CX_MAX_SESSION_ID },
	[F_APPROVAL] = { "approval_policy", JD_STRING,
			 offsetof(struct exec_request, approval_policy), JD_NONEMPTY, 0, 64 },
	[F_ESCALATE] = { "escalate", JD_BOOL, offsetof(struct exec_request, escalate) },
	[F_JUSTIFICATION] = { "justification", JD_STRING,
			      offsetof(struct exec_request, justification), 0, 0,
			      CX_MAX_JUSTIFICATION },
	[F_LOG_DENIALS] = { "log_denials", JD_BOOL, offsetof(struct exec_request, log_denials) },
	[F_OVERRIDES] = { "config_overrides", JD_STRV,
			  offsetof(struct exec_request, config_overrides), 0, 0, CX_MAX_OVERRIDES,
			  4096 },
	[F_PROFILE] = { "profile", JD_STRING, offsetof(struct exec_request, profile), JD_NONEMPTY,
			0, 64 },
	[F_PREFIX_RULE] = { "prefix_rule", JD_STRV, offsetof(struct exec_request, prefix_rule),
			    JD_NONEMPTY, 0, 64, 1024 },
	[F_RAW_OUTPUT] = { "raw_output", JD_BOOL, offsetof(struct exec_request, raw_output) },
};

int rpc_exec_decode_start(json_t *params, struct exec_request *ret, char *err, size_t errsz)
{
	struct exec_request p = { 0 };
	uint64_t present = 0;
	int r;

	r = jd_decode(params, "params", start_fields, ARRAY_SIZE(start_fields), &p, &present, err,
		      errsz);
	if (r < 0)
		return r;
	p.has_sandbox = JD_PRESENT(present, F_SANDBOX);
	p.has_network = JD_PRESENT(present, F_NETWORK);
	p.has_timeout = JD_PRESENT(present, F_TIMEOUT);
	p.has_stdin = JD_PRESENT(present, F_STDIN);
	if (!p.has_stdin)
		p.stdin_open = true;
	if (!p.tty && (JD_PRESENT(present, F_ROWS) || JD_PRESENT(present, F_COLS))) {
		snprintf(err, errsz, "params.rows/cols: only with tty");
		exec_request_done(&p);
		return -EINVAL;
	}
	if ((p.allow_domains || p.deny_domains) && p.network != NET_PROXY) {
		snprintf(err, errsz, "params.network: allow_domains/deny_domains need mode \"proxy\"");
		exec_request_done(&p);
		return -EINVAL;
	}
	if (p.approval_policy) {
		struct approval_config ac;
		if (approval_config_from_string(p.approval_policy, &ac) < 0) {
			snprintf(err, errsz,
				 "params.approval_policy: must be untrusted, on-failure, on-request, "
				 "never, granular, suggest, interactive, auto-edit or full-auto");
			exec_request_done(&p);
			return -EINVAL;
		}
	}
	if (p.profile) {
		for (const char *c = p.profile; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
				snprintf(err, errsz, "params.profile: letters, digits, '_' and '-' "
						     "only");
				exec_request_done(&p);
				return -EINVAL;
			}
	}
	if (p.stdio == STDIO_FDS && p.has_stdin) {
		snprintf(err, errsz, "params.stdin: not with stdio \"fds\" (the passed descriptor is "
				     "stdin)");
		exec_request_done(&p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

