/* SPDX-License-Identifier: MIT */
/*
 * One running command ("exec"): its sandbox's PID 1 (pidfd), the status
 * pipe, the stdio relay, the timeout, and the notifications it produces
 * (exec/output, exec/exited).
 *
 * Lifetime: created by exec/start; the start reply is sent when PID 1
 * reports that the command was exec'd (or why it could not be); freed
 * after PID 1 has been reaped and every output pipe reached EOF.  If the
 * owning connection goes away the whole sandbox is killed (the PID
 * namespace dies with its PID 1).
 *
 * Process: main.
 */
#ifndef CX_EXEC_H
#define CX_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/cgroup.h"
#include "daemon/daemon.h"
#include "daemon/sandbox_msg.h"
#include "policy/domains.h"
#include "policy/modes.h"

struct audit_waiter;

/* exec/start parameters after decoding (daemon/rpc_exec.c). */
struct exec_request {
	char **argv;
	char *cwd;
	int sandbox; /* enum sandbox_mode */
	int network; /* enum net_mode */
	char **allow_domains;
	char **deny_domains;
	char **writable_roots;
	char **env;     /* the client's environment, NAME=VALUE */
	char **set_env; /* explicit NAME=VALUE overrides */
	bool tty;
	uint32_t rows, cols;
	int stdio;       /* enum stdio_mode */
	bool stdin_open; /* false: the command's stdin is /dev/null */
	int64_t timeout_ms;
	char *session;
	char *approval_policy;
	bool escalate;
	char *justification;
	bool log_denials; /* also supervise write-intent file calls and report their refusals */
	bool raw_output;  /* exec/output carries "length" raw bytes after its line, not base64 */
	char **config_overrides; /* "dotted.key=toml-value" (Codex's -c) */
	char *profile;           /* [profiles.NAME] of the user's config.toml */
	char **prefix_rule;      /* the requester's proposed "don't ask again" prefix */
	/* which optional fields were present */
	bool has_sandbox, has_network, has_timeout, has_stdin;
};

void exec_request_done(struct exec_request *r);

/*
 * What the decision (daemon/decide.c) made of a request: the effective
 * configuration after the layers, the environment after the environment
 * policy, the program the rules were evaluated against.  Borrowed for the
 * duration of exec_start().
 */
struct exec_settings {
	enum sandbox_mode mode;
	bool ww_network_access;          /* workspace-write may have full network */
	char *const *config_roots;       /* writable roots from configuration (all layers) */
	bool exclude_slash_tmp, exclude_tmpdir_env_var;
	char *const *envp;               /* the command's environment */
	const char *program;             /* execve() this path; NULL: PATH search of argv[0] */
	char *const *extra_deny;         /* more paths to make unreadable (glob rules) */
	char *const *extra_readonly;     /* paths to make read-only (glob rules) */
	bool unix_allowlist;             /* [network] allow_unix_sockets (daemon/unix_allow.h) */
	char *const *unix_sockets;
	const char *decision;            /* "allow", "approve", "approve_for_session", ... */
	json_t *result_extra;            /* merged into the exec/start result (borrowed) */
	const char *exec_id;             /* the id its audit record gave it; NULL: a new one */
	/* network = "proxy": the compiled domain policy (daemon/net_policy.h), and whether
	 * allowlist misses ask the caller.  NULL: nothing is allowed. */
	const struct domain_policy *net_policy;
	bool net_ask;
	/* The approval policy lets the user approve a rerun outside the sandbox
	 * when the command fails after a sandbox refusal (exec/exited
	 * "sandbox_retry"). */
	bool retry_unsandboxed;
	/*
	 * The exec.start record (this sequence number) is written but not yet
	 * durable: build the sandbox now, start the command once it is (PID 1
	 * waits for a go-signal, sandbox_init.h wait_go).  0: start at once.
	 */
	int64_t audit_seq;
};

/*
 * Decode exec/start params strictly (daemon/rpc_exec.c).  Returns 0 with
 * *ret filled (release with exec_request_done()), -EINVAL with err, or
 * -ENOMEM.
 */
int rpc_exec_decode_start(json_t *params, struct exec_request *ret, char *err, size_t errsz);

/*
 * A pipe end watched by uv_poll.  Its fd is closed only in the handle's
 * close callback: libuv's close does epoll_ctl(DEL) on the fd *number*,
 * which must not have been reused by then.
 */
struct exec_stream {
	struct exec *x;
	int fd;
	uv_poll_t poll;
	bool inited, polling, eof, closing;
	bool can_splice;   /* a pipe of a raw_output exec: relayed with splice(2) */
	struct wbuf *owed; /* its queued wbuf still owing bytes of this pipe */
};

struct stdin_chunk {
	struct stdin_chunk *next;
	struct rpc_id id; /* the exec/write to answer once written */
	size_t len, off;
	char data[];
};

enum exec_state {
	EXEC_STARTING, /* waiting for PID 1's STARTED or FAILED record */
	EXEC_RUNNING,
	EXEC_FAILED,   /* could not start; the start request got an error */
	EXEC_REAPED,   /* PID 1 gone */
};

struct exec {
	struct list_node node;      /* daemon.execs */
	struct list_node conn_node; /* conn.execs, unlinked when the owner goes */
	struct daemon *d;
	struct conn *conn;
	char id[24];
	uid_t uid;
	char *argv0; /* for messages */
	char *cwd;
	char **roots; /* writable roots, for messages */
	char **deny;  /* deny-read paths, for messages */
	enum sandbox_mode sandbox;
	enum net_mode network;
	enum stdio_mode stdio;
	bool tty;      /* pty mode: out[0] is the master, in a duplicate of it */
	int tty_sock;  /* where PID 1 sends the master, until it arrived */
	int net_sock;  /* proxied: where PID 1 sends the proxy's listeners, until they arrived */
	json_t *net_policy; /* proxied: the policy handed to the proxy with them */
	bool net_ask;

	enum exec_state state;
	bool started;          /* STARTED record seen: exec/exited will be sent */
	bool start_pending;
	struct rpc_id start_id;

	pid_t pid;
	int pidfd;
	uint64_t pidns_ino; /* the sandbox's PID namespace (refuse clients from inside) */
	struct exec_cgroup cg;
	struct cgroup_report cg_report;
	uv_poll_t pidfd_poll;
	bool pidfd_inited;
	int status_fd;
	uv_poll_t status_poll;
	bool status_inited;
	siginfo_t pid1_info; /* from waitid() once reaped */

	struct exec_stream out[2]; /* stdout, stderr (pipe mode) */
	struct exec_stream in;     /* stdin (pipe mode, stdin open) */
	struct stdin_chunk *in_head, *in_tail;
	size_t in_queued;
	bool in_close_requested;
	bool in_closed;

	uv_timer_t timer;
	bool timer_inited;
	int64_t timeout_ms;
	bool timed_out;
	bool killed;

	/* Refusals PID 1 reported (exec/exited "denials"). */
	bool log_denials;      /* file calls were to be supervised too */
	bool raw_output;       /* exec/output as a header line plus raw bytes (exec_request) */
	bool retry_unsandboxed; /* exec_settings.retry_unsandboxed */
	bool supervised;       /* a notify program went to the sandbox (with log_denials: +fs) */
	bool filtered;         /* a seccomp program at all */
	struct sandbox_denial *denials; /* CX_MAX_DENIAL_RECORDS, allocated with the first */
	size_t n_denials;
	bool denials_dropped;  /* records beyond the limit, or malformed ones */

	const char *decision;  /* static string for the start result */
	json_t *result_extra;  /* merged into the start result, then released */

	bool have_exit;
	bool only_pid1;  /* at the EXITED record, the cgroup held PID 1 alone */
	bool reported;   /* exec/exited sent before PID 1 was reaped: id unknown */
	struct sandbox_msg exit_msg;
	struct sandbox_msg fail_msg;
	bool have_fail;

	/* exec_settings.audit_seq: the go-signal's write end until it is sent. */
	int go_fd;
	struct audit_waiter *aw;
	bool audit_refused; /* the record could not be made durable: not started */

	uint64_t start_hrtime;
	int open_handles; /* libuv handles initialised and not yet closed */
	bool closing;
};

/*
 * Start req for connection c.  Replies (error now, or result/error when
 * PID 1 reports) to id.  stdio_fds are the client's descriptors in fds
 * mode (ownership taken), else NULL.  Returns 0 when a reply was sent or
 * is pending, -errno on internal failure (nothing sent).
 */
int exec_start(struct conn *c, const struct rpc_id *id, struct exec_request *req,
	       int *stdio_fds, const struct exec_settings *set);

struct exec *exec_find(struct daemon *d, const char *id);

/* exec/write: queue bytes (reply once written); replies itself. */
int exec_write(struct exec *x, struct conn *c, const struct rpc_id *id, const void *data,
	       size_t len);
int exec_close_stdin(struct exec *x, struct conn *c, const struct rpc_id *id);
/* exec/resize (tty mode): TIOCSWINSZ on the master; replies itself. */
int exec_resize(struct exec *x, struct conn *c, const struct rpc_id *id, unsigned rows,
		unsigned cols);
int exec_send_signal(struct exec *x, int sig);

/* The owning connection is gone: kill the sandbox, drop its output. */
void exec_conn_gone(struct exec *x);
/* The owner's write queue drained: read output again. */
void exec_output_resume(struct exec *x);
/* Kill every sandbox (shutdown). */
void exec_kill_all(struct daemon *d, const char *why);

/* Signal names accepted by exec/signal ("TERM", "SIGTERM", "15"). */
int exec_signal_from_string(const char *s);
const char *exec_signal_name(int sig);

#endif
