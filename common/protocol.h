/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol's fixed names (INTERFACES.md, codexd-protocol(7)):
 * protocol version, error codes with their machine-readable reasons, and
 * the exit statuses of codexctl.  Shared by daemon and client.
 */
#ifndef CX_PROTOCOL_H
#define CX_PROTOCOL_H

#define CX_PROTOCOL_VERSION 1
#define CX_DEFAULT_SOCKET CX_RUNSTATEDIR "/codexd/codexd.sock"
#define CX_DEFAULT_CONFIG CX_SYSCONFDIR "/codexd/codexd.conf"
#define CX_DEFAULT_STATE_DIR CX_LOCALSTATEDIR "/lib/codexd"
#define CX_DEFAULT_LOG_DIR CX_LOCALSTATEDIR "/log/codexd"

/*
 * JSON-RPC error codes.  The first five are JSON-RPC 2.0's; the rest are
 * codexd's, in the server-defined range.  Every error also carries
 * data.reason, one of the CX_REASON_* strings.
 */
enum cx_error_code {
	CX_ERR_PARSE = -32700,
	CX_ERR_INVALID_REQUEST = -32600,
	CX_ERR_METHOD_NOT_FOUND = -32601,
	CX_ERR_INVALID_PARAMS = -32602,
	CX_ERR_INTERNAL = -32603,

	CX_ERR_PERMISSION_DENIED = -32001, /* caller's role too low */
	CX_ERR_FORBIDDEN = -32002,         /* refused by policy */
	CX_ERR_APPROVAL_DENIED = -32003,   /* approval refused, aborted or timed out */
	CX_ERR_SANDBOX_UNAVAILABLE = -32004,
	CX_ERR_LIMIT = -32005,             /* a configured limit was reached */
	CX_ERR_AUDIT_UNAVAILABLE = -32006,
	CX_ERR_NOT_FOUND = -32007,         /* no such exec / session / approval */
	CX_ERR_SPAWN = -32008,             /* the command could not be started */
	CX_ERR_STATE = -32009,             /* valid request, wrong state (stdin closed ...) */
	CX_ERR_CONFIG = -32010,            /* configuration invalid (reload, check) */
	CX_ERR_SHUTTING_DOWN = -32011,
	CX_ERR_CANCELLED = -32800,         /* exec/cancel withdrew the request (LSP's code) */
};

#define CX_REASON_PARSE "parse_error"
#define CX_REASON_FRAME_TOO_LARGE "frame_too_large"
#define CX_REASON_BAD_HEADER "bad_header" /* Content-Length framing */
#define CX_REASON_INVALID_REQUEST "invalid_request"
#define CX_REASON_UNKNOWN_METHOD "unknown_method"
#define CX_REASON_INVALID_PARAMS "invalid_params"
#define CX_REASON_INTERNAL "internal"
#define CX_REASON_ROLE "role"
#define CX_REASON_FORBIDDEN "forbidden"
#define CX_REASON_APPROVAL_DENIED "approval_denied"
#define CX_REASON_SANDBOX_UNAVAILABLE "sandbox_unavailable"
#define CX_REASON_LIMIT "limit_reached"
#define CX_REASON_AUDIT_UNAVAILABLE "audit_unavailable"
#define CX_REASON_NOT_FOUND "not_found"
#define CX_REASON_SPAWN "spawn_failed"
#define CX_REASON_STDIN_CLOSED "stdin_closed"
#define CX_REASON_STATE "bad_state"
#define CX_REASON_CONFIG "config_invalid"
#define CX_REASON_SHUTTING_DOWN "shutting_down"
#define CX_REASON_CANCELLED "cancelled"

/* codexctl's own exit statuses (INTERFACES.md). */
enum cx_exit {
	CX_EXIT_OK = 0,
	CX_EXIT_ERROR = 1,
	CX_EXIT_USAGE = 2,
	CX_EXIT_TIMEOUT = 124,     /* the command hit its timeout (as timeout(1)) */
	CX_EXIT_REFUSED = 126,     /* refused by policy, approval or role */
	CX_EXIT_NOT_FOUND = 127,   /* command not found (as sh(1)) */
	CX_EXIT_UNAVAILABLE = 69,  /* EX_UNAVAILABLE: daemon unreachable */
};

#endif
