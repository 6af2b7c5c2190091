/* SPDX-License-Identifier: MIT */
/*
 * Network grants: host names a user approved "for the session" when the
 * proxy asked about an allowlist miss (approval/request with network
 * context, answer approve_for_session).  The worker allows such a host at
 * once for the sandbox that asked; this store makes the answer last for
 * the session: later sandboxes of the same scope get the host in their
 * "granted" list, and running ones of that scope are told at once.
 *
 * A scope is the exec's session ("s:NAME", named with exec/start
 * "session" or made with session/create) or, without one, the client
 * connection ("c:SERIAL"), as for command approvals (daemon/decide.c); it
 * always belongs to one uid.  A grant is a host name, for every port and
 * protocol, and only ever turns an allowlist miss into an allow: denied
 * names, local and private destinations and limited mode are judged as
 * before.  Connection scopes are forgotten when the connection closes;
 * the store is bounded (the oldest grant of a uid, or anyone's, makes
 * room).
 *
 * Process: main.
 */
#ifndef CX_NET_GRANTS_H
#define CX_NET_GRANTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cxlimits.h"
#include "common/list.h"

#define NET_GRANTS_MAX 4096 /* in all */
#define NET_GRANTS_MAX_PER_UID 256
#define NET_GRANT_SCOPE_MAX (CX_MAX_SESSION_ID + 8)

struct net_grants {
	struct list_node list;
	unsigned n;
};

void net_grants_init(struct net_grants *g);
void net_grants_done(struct net_grants *g);

/* The scope of an exec: its session, or else its connection. */
void net_grant_scope(const char *session, uint64_t conn_serial, char *buf, size_t n);

/* Remember host for (uid, scope).  1 if new, 0 if known, -ENOMEM, -EINVAL (bad host). */
int net_grants_add(struct net_grants *g, uid_t uid, const char *scope, const char *host);

/* Whether (uid, scope) holds host. */
bool net_grants_has(const struct net_grants *g, uid_t uid, const char *scope, const char *host);

/* Call fn for each host of (uid, scope), oldest first; stops at a negative return. */
int net_grants_foreach(const struct net_grants *g, uid_t uid, const char *scope,
		       int (*fn)(void *ud, const char *host), void *ud);

/* Forget every grant of a scope (a closed connection, an ended session). */
void net_grants_forget(struct net_grants *g, const char *scope);

#endif
