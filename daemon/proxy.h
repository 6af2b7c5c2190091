/* SPDX-License-Identifier: MIT */
/*
 * The daemon's side of the network proxy: it starts the worker
 * (codexd-proxy, next to codexd unless [network] proxy_program says
 * otherwise) as the unprivileged [network] proxy_user with no
 * capabilities and no_new_privs, restarts it when it dies (with a
 * back-off), and feeds it every proxied sandbox: the five listening
 * sockets that sandbox's PID 1 created inside its network namespace and
 * the sandbox's compiled policy.  The daemon keeps its own copy of each
 * sandbox's listeners, so a restarted worker gets them again: while no
 * worker runs, connections wait in the listen backlog and nothing leaves
 * the sandbox (fail closed).
 *
 * What the worker reports (decisions, approval questions for allowlist
 * misses) is decoded strictly: the worker parses hostile bytes and is
 * trusted no more than it must be.
 *
 * Process: main.
 */
#ifndef CX_PROXY_H
#define CX_PROXY_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "policy/domains.h"

struct daemon;

/* At start-up (after the loop exists).  Never fatal: problems show in daemon/status. */
void proxy_init(struct daemon *d);
/* Shutdown: stop the worker, drop every sandbox. */
void proxy_stop(struct daemon *d);
/* Daemon exit, after proxy_stop() and the loop's last run. */
void proxy_free(struct daemon *d);
/* After a reload: the new configuration's user, program, DNS server. */
void proxy_reconfigure(struct daemon *d);

/* Can proxied sandboxes be started?  If not, why (static or daemon-owned text). */
bool proxy_usable(struct daemon *d, const char **ret_why);
/*
 * Usable but not serving now (the worker is restarting): why, as
 * proxy_usable; NULL while the worker is ready (or not usable at all).
 */
const char *proxy_outage(struct daemon *d);

/*
 * A proxied sandbox started: its listeners (PROXY_N_LISTENERS descriptors,
 * ownership taken, in proxy_proto.h order; the IPv6 ones -1 when the
 * namespace has no IPv6) and policy (domain_policy_to_json(),
 * a reference is taken).  ask:
 * allowlist misses are put to the exec's connection as approval/request.
 * Returns 0 or -errno (the descriptors are closed either way on error).
 */
int proxy_add_sandbox(struct daemon *d, const char *exec_id, uid_t uid, json_t *policy, bool ask,
		      int *fds);
/* The sandbox ended (idempotent). */
void proxy_remove_sandbox(struct daemon *d, const char *exec_id);

/* A client connection closed: forget the network grants scoped to it (net_grants.h). */
struct conn;
void proxy_conn_gone(struct conn *c);

/* daemon/status "proxy": {state, pid, restarts, sandboxes, error?}. */
json_t *proxy_status_json(struct daemon *d);

#endif
