/* SPDX-License-Identifier: MIT */
/*
 * SOCKS5 UDP ASSOCIATE.  The client sends datagrams to the sandbox's UDP
 * relay socket (127.0.0.1:1080 inside its namespace) with a SOCKS5 UDP
 * header naming the destination.  Each destination is decided once per
 * association (policy, then resolution with every address checked); the
 * payload leaves from the association's own host-side socket to exactly
 * the checked address, and only datagrams from those addresses come back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "proxy/conn.h"
#include "proxy/socks5.h"
#include "proxy/worker.h"

#define UDP_MAX_DATAGRAM 65507

struct udp_dest {
	struct domain_host host;
	uint16_t port;
	bool decided, allowed;
	struct sockaddr_storage addr;
	struct resolve *res;
	char *pending; /* one datagram waiting for the resolution */
	size_t pending_len;
	struct udp_assoc *a;
};

struct udp_assoc {
	struct list_node node; /* psandbox.assocs */
	struct psandbox *sb;
	struct sockaddr_storage client;
	bool client_known;
	uv_udp_t up;
	struct udp_dest dests[PROXY_UDP_DESTS];
	size_t n_dests;
};

static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)(const void *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

/* IPv4 as ::ffff:a.b.c.d for the dual-stack host-side socket, and back. */
static void to_mapped(struct sockaddr_storage *ss)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (ss->ss_family != AF_INET)
		return;
	memcpy(&s4, ss, sizeof(s4));
	memset(ss, 0, sizeof(*ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = s4.sin_port;
	s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6->sin6_addr.s6_addr[12], &s4.sin_addr, 4);
}

static void from_mapped(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET6 && memcmp(s6->sin6_addr.s6_addr, prefix, 12) == 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;
		s4->sin_family = AF_INET;
		s4->sin_port = s6->sin6_port;
		memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	} else
		memcpy(out, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in));
}

static void on_assoc_closed(uv_handle_t *h)
{
	struct udp_assoc *a = h->data;
	struct psandbox *sb = a->sb;

	free(a);
	sb->closing--;
	worker_sandbox_maybe_free(sb);
}

void udp_assoc_free(struct udp_assoc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_dests; i++) {
		resolve_cancel(a->dests[i].res);
		free(a->dests[i].pending);
	}
	list_del(&a->node);
	a->sb->closing++;
	uv_close((uv_handle_t *)&a->up, on_assoc_closed);
}

static void send_up(struct udp_assoc *a, struct udp_dest *d, const char *data, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);

	(void)uv_udp_try_send(&a->up, &b, 1, (const struct sockaddr *)&d->addr);
}

static void dest_decided(struct udp_dest *d, bool allowed, const char *reason)
{
	d->decided = true;
	d->allowed = allowed;
	worker_event(d->a->sb, WORKER_EVENT_CLOSED, d->host.name, d->port, NET_PROTO_SOCKS5_UDP,
		     allowed, reason, NULL, allowed ? (const struct sockaddr *)&d->addr : NULL,
		     d->pending_len, 0);
}

static void on_resolved(void *ud, int err, const struct sockaddr_storage *addrs, size_t n)
{
	struct udp_dest *d = ud;
	struct domain_check c;

	(void)err;
	d->res = NULL;
	if (n == 0) {
		dest_decided(d, false, "resolve_failed");
		goto out;
	}
	worker_check(d->a->sb, &d->host, d->port, NET_PROTO_SOCKS5_UDP, &c);
	for (size_t i = 0; i < n; i++)
		if (domain_check_address(&c, (const struct sockaddr *)&addrs[i]) != DOMAIN_ALLOWED) {
			dest_decided(d, false, domain_verdict_to_string(c.verdict));
			goto out;
		}
	d->addr = addrs[0];
	dest_decided(d, true, "allowed");
	to_mapped(&d->addr);
	if (d->pending)
		send_up(d->a, d, d->pending, d->pending_len);
out:
	free(d->pending);
	d->pending = NULL;
	d->pending_len = 0;
}

void udp_on_relay_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		       unsigned flags)
{
	struct psandbox *sb = h->data;
	struct udp_assoc *a = NULL;
	struct list_node *pos, *tmp;
	struct socks5_addr sa;
	struct domain_host host;
	struct udp_dest *d = NULL;
	size_t hl;

	if (n <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	LIST_FOREACH_SAFE(pos, tmp, &sb->assocs)
	{
		struct udp_assoc *x = list_entry(pos, struct udp_assoc, node);
		if (x->client_known && same_addr(from, &x->client)) {
			a = x;
			break;
		}
	}
	if (!a)
		LIST_FOREACH_SAFE(pos, tmp, &sb->assocs)
		{
			struct udp_assoc *x = list_entry(pos, struct udp_assoc, node);
			if (!x->client_known) {
				a = x;
				memcpy(&a->client, from,
				       from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								   : sizeof(struct sockaddr_in));
				a->client_known = true;
				break;
			}
		}
	if (!a)
		return; /* no association for this sender */
	if (socks5_parse_udp((const uint8_t *)buf->base, (size_t)n, &sa, &hl) < 0 ||
	    domain_host_normalize(sa.host, strlen(sa.host), &host) < 0 || host.port ||
	    sa.port == 0)
		return;
	for (size_t i = 0; i < a->n_dests; i++)
		if (a->dests[i].port == sa.port && strcmp(a->dests[i].host.name, host.name) == 0)
			d = &a->dests[i];
	if (!d) {
		struct domain_check c;

		if (a->n_dests >= PROXY_UDP_DESTS)
			return;
		d = &a->dests[a->n_dests++];
		memset(d, 0, sizeof(*d));
		d->a = a;
		d->host = host;
		d->port = sa.port;
		worker_check(sb, &host, sa.port, NET_PROTO_SOCKS5_UDP, &c);
		if (c.verdict != DOMAIN_ALLOWED) {
			dest_decided(d, false, domain_verdict_to_string(c.verdict));
			return;
		}
		d->pending = malloc((size_t)n - hl);
		if (d->pending) {
			memcpy(d->pending, buf->base + hl, (size_t)n - hl);
			d->pending_len = (size_t)n - hl;
		}
		if (resolve_start(sb->w, &host, sa.port, true, true, on_resolved, d, &d->res) < 0)
			dest_decided(d, false, "resolve_failed");
		return;
	}
	if (d->decided && d->allowed)
		send_up(a, d, buf->base + hl, (size_t)n - hl);
	/* Still resolving: later datagrams are dropped (UDP may lose them anyway). */
}

static void up_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char b[UDP_MAX_DATAGRAM + SOCKS5_MAX_REPLY];

	(void)h;
	(void)suggested;
	/* Leave room in front for the SOCKS5 header. */
	*buf = uv_buf_init(b + SOCKS5_MAX_REPLY, UDP_MAX_DATAGRAM);
}

static void up_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct udp_assoc *a = h->data;
	uint8_t hdr[SOCKS5_MAX_REPLY];
	size_t hl;
	bool known = false;
	uv_buf_t out;

	if (n < 0 || !from || (flags & UV_UDP_PARTIAL) || !a->client_known)
		return;
	for (size_t i = 0; i < a->n_dests; i++)
		if (a->dests[i].allowed && same_addr(from, &a->dests[i].addr))
			known = true;
	if (!known)
		return; /* only answers from where we sent */
	{
		struct sockaddr_storage src;
		from_mapped(from, &src);
		hl = socks5_build_udp_header(hdr, (const struct sockaddr *)&src);
	}
	memcpy(buf->base - hl, hdr, hl);
	out = uv_buf_init(buf->base - hl, (unsigned)((size_t)n + hl));
	(void)uv_udp_try_send(&a->sb->socks_udp, &out, 1, (const struct sockaddr *)&a->client);
}

int udp_assoc_new(struct pconn *c, const struct sockaddr *client, struct udp_assoc **ret)
{
	struct udp_assoc *a = calloc(1, sizeof(*a));
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	int r;

	if (!a)
		return -ENOMEM;
	a->sb = c->sb;
	if (client->sa_family == AF_INET &&
	    ((const struct sockaddr_in *)(const void *)client)->sin_port != 0 &&
	    ((const struct sockaddr_in *)(const void *)client)->sin_addr.s_addr != 0) {
		memcpy(&a->client, client, sizeof(struct sockaddr_in));
		a->client_known = true;
	}
	uv_udp_init(c->sb->w->loop, &a->up);
	a->up.data = a;
	list_add_tail(&c->sb->assocs, &a->node);
	/* Dual-stack host-side socket: IPv4 destinations go out as mapped addresses. */
	r = uv_udp_bind(&a->up, (const struct sockaddr *)&any6, 0);
	if (r == 0)
		r = uv_udp_recv_start(&a->up, up_alloc, up_recv);
	if (r < 0) {
		udp_assoc_free(a);
		return r;
	}
	*ret = a;
	return 0;
}
