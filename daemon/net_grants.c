/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "daemon/net_grants.h"

struct net_grant {
	struct list_node node;
	uid_t uid;
	char scope[NET_GRANT_SCOPE_MAX];
	char *host;
};

void net_grants_init(struct net_grants *g)
{
	list_init(&g->list);
	g->n = 0;
}

static void grant_free(struct net_grants *g, struct net_grant *e)
{
	list_del(&e->node);
	g->n--;
	free(e->host);
	free(e);
}

void net_grants_done(struct net_grants *g)
{
	while (!list_empty(&g->list))
		grant_free(g, list_entry(g->list.next, struct net_grant, node));
}

void net_grant_scope(const char *session, uint64_t conn_serial, char *buf, size_t n)
{
	if (session && session[0])
		snprintf(buf, n, "s:%s", session);
	else
		snprintf(buf, n, "c:%" PRIu64, conn_serial);
}

bool net_grants_has(const struct net_grants *g, uid_t uid, const char *scope, const char *host)
{
	for (const struct list_node *pos = g->list.next; pos != &g->list; pos = pos->next) {
		const struct net_grant *e = list_entry(pos, struct net_grant, node);
		if (e->uid == uid && strcmp(e->scope, scope) == 0 && strcmp(e->host, host) == 0)
			return true;
	}
	return false;
}

int net_grants_add(struct net_grants *g, uid_t uid, const char *scope, const char *host)
{
	struct list_node *pos;
	struct net_grant *e, *oldest = NULL;
	unsigned mine = 0;

	if (!host || !host[0] || strlen(host) > CX_MAX_DOMAIN + 16 ||
	    strlen(scope) >= NET_GRANT_SCOPE_MAX)
		return -EINVAL;
	if (net_grants_has(g, uid, scope, host))
		return 0;
	for (pos = g->list.next; pos != &g->list; pos = pos->next) {
		struct net_grant *x = list_entry(pos, struct net_grant, node);
		if (x->uid == uid && mine++ == 0)
			oldest = x;
	}
	if (oldest && mine >= NET_GRANTS_MAX_PER_UID)
		grant_free(g, oldest);
	else if (g->n >= NET_GRANTS_MAX)
		grant_free(g, list_entry(g->list.next, struct net_grant, node));
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->host = strdup(host);
	if (!e->host) {
		free(e);
		return -ENOMEM;
	}
	e->uid = uid;
	snprintf(e->scope, sizeof(e->scope), "%s", scope);
	list_add_tail(&g->list, &e->node);
	g->n++;
	return 1;
}

int net_grants_foreach(const struct net_grants *g, uid_t uid, const char *scope,
		       int (*fn)(void *ud, const char *host), void *ud)
{
	for (const struct list_node *pos = g->list.next; pos != &g->list; pos = pos->next) {
		const struct net_grant *e = list_entry(pos, struct net_grant, node);
		int r;
		if (e->uid != uid || strcmp(e->scope, scope) != 0)
			continue;
		r = fn(ud, e->host);
		if (r < 0)
			return r;
	}
	return 0;
}

void net_grants_forget(struct net_grants *g, const char *scope)
{
	struct list_node *pos = g->list.next;

	while (pos != &g->list) {
		struct net_grant *e = list_entry(pos, struct net_grant, node);
		pos = pos->next;
		if (strcmp(e->scope, scope) == 0)
			grant_free(g, e);
	}
}
