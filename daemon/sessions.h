/* SPDX-License-Identifier: MIT */
/*
 * Sessions: a named context for a series of commands -- a workspace, a
 * sandbox mode and approval policy (defaults for exec/start requests that
 * name the session), the approval cache (approve_for_session answers are
 * keyed by session, daemon/decide.c) and network grants (domains given at
 * creation, for the proxy) -- plus an optional setup phase: Codex cloud's
 * two-phase model.  The setup script runs once, as the owner, sandboxed
 * in workspace-write on the workspace, with network ([sessions]
 * setup_network) and the owner's secrets in its environment (from the
 * root-only [sessions] secrets_dir/USER.env or the systemd credential
 * secrets-USER.env); when it exits the secrets are wiped from the daemon
 * and every later command of the session gets the ordinary policy.
 *
 * Methods (codexd-protocol(7) "SESSIONS"):
 *   session/create {workspace, sandbox?, approval_policy?, label?,
 *                   network_domains?: [...], setup?: {script, secrets?: [...],
 *                   timeout_ms?}}                          member
 *       -> {session: {...}}, or with setup the exec/start result of the
 *          setup command plus {session} (output and exec/exited follow).
 *   session/list {all?}   -> {sessions: [...]}            viewer (own; admin all)
 *   session/show {id}     -> {session: {...}}             viewer (own; admin all)
 *   session/kill {id}     -> {killed: N}                  member (own; admin all)
 *
 * Also here: which session and request each running exec belongs to, for
 * the audit records of its exit and for session/kill.
 *
 * Process: main.
 */
#ifndef CX_SESSIONS_H
#define CX_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/daemon.h"

struct exec_request;

#define SESSION_ID_MAX 64
#define SESSION_MAX_DOMAINS 64
#define SESSION_MAX_SECRETS 32

int sessions_init(struct daemon *d);
void sessions_free(struct daemon *d);

/* An exec is about to start (its audit record is written): remember it. */
void sessions_track_exec(struct daemon *d, const char *exec_id, const char *request_id,
			 const char *session, uid_t uid, const char *user);
/* What was remembered (NULL if nothing); borrowed until sessions_untrack_exec(). */
const char *sessions_exec_session(struct daemon *d, const char *exec_id);
const char *sessions_exec_request(struct daemon *d, const char *exec_id);
const char *sessions_exec_user(struct daemon *d, const char *exec_id);
/* The exec ended with status (exit code, or 128+signal). */
void sessions_untrack_exec(struct daemon *d, const char *exec_id, int status);

/*
 * exec/start names a session: if it is one created with session/create,
 * it must be the caller's (admins: anyone's) and not ended, and its
 * defaults fill what the request left out.  A name no session has keeps
 * its old meaning (an approval scope).  0, or -EPERM/-ESRCH with msg.
 */
int sessions_apply_request(struct daemon *d, struct conn *c, struct exec_request *req,
			   char *msg, size_t msgsz);

/*
 * The network_domains session/create gave the session (borrowed, may be
 * NULL), if it is uid's: allowed domains for its proxied execs, clamped
 * like a request's allow_domains (daemon/net_policy.h).
 */
char *const *sessions_network_domains(struct daemon *d, const char *session, uid_t uid);

/* An approve_for_session answer was remembered for this session. */
void sessions_note_grant(struct daemon *d, const char *session);

/* daemon/status "sessions". */
json_t *sessions_status_json(struct daemon *d);

#endif
