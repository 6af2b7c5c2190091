/* SPDX-License-Identifier: MIT */
/*
 * exec/start's decision: whether a command runs, asks, or is refused, and
 * with which effective configuration.
 *
 *   1. split the command (policy/approval.h plan) and compute the managed
 *      environment (for the PATH programs are resolved with);
 *   2. read the caller's own layers as the caller (daemon/user_files.h):
 *      ~/.codex/config.toml and rules, the trusted project's, and where
 *      each program resolves; any error there fails closed;
 *   3. resolve the layers (policy/layers.h) under the managed
 *      configuration and [requirements];
 *   4. evaluate the managed rules (rules.d) and the user's rules on every
 *      part of the command with the program the sandbox will execute, plus
 *      glob rules on the paths the command names;
 *   5. the decision table (approval_decide): refuse, suggest, ask
 *      (daemon/approvals.h, remembered approve_for_session answers first),
 *      or run (daemon/exec.h) with the effective settings.
 *
 * Process: main.
 */
#ifndef CX_DECIDE_H
#define CX_DECIDE_H

#include "daemon/daemon.h"
#include "daemon/exec.h"

/*
 * Decide and, if allowed, start.  Takes over req (zeroed) and the three
 * stdio descriptors (fds mode; NULL otherwise).  Replies to id itself,
 * now or later.  Returns 0, or -errno on internal failure (nothing sent).
 */
int decide_exec_start(struct conn *c, const struct rpc_id *id, struct exec_request *req,
		      int *stdio_fds);

/*
 * config/show with a working directory: read the caller's layers as the
 * caller and reply base (the managed configuration's JSON) plus
 * "effective".  Takes over cwd, overrides and base.
 */
int decide_config_show(struct conn *c, const struct rpc_id *id, char *cwd, char **overrides,
		       json_t *base);

/*
 * exec/cancel: c's exec/start id, still being decided or waiting for an
 * approval, is refused ("cancelled"; its approval withdrawn, nothing
 * runs).  False when c has no such pending request (it has started or
 * ended already).
 */
bool decide_cancel_request(struct conn *c, const struct rpc_id *id);

/* c is closing: abandon its pending decisions (no replies). */
void decide_conn_gone(struct conn *c);

/* Shutdown: refuse every pending decision (shutting_down) and free them. */
void decide_cancel_all(struct daemon *d);

/* Daemon exit: free the remembered approve_for_session answers. */
void decide_free_all(struct daemon *d);

/* Forget the approve_for_session answers scoped to connection c. */
void decide_forget_conn_grants(struct conn *c);

#endif
