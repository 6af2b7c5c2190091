/* SPDX-License-Identifier: MIT */
/*
 * Name resolution for the proxy: A and AAAA queries (ldns packets) sent
 * over UDP to the one configured DNS server, from a fresh socket with a
 * random port and random query ids, answers matched on id and question.
 * The addresses this returns are the only ones the proxy connects to:
 * there is no second lookup for the connect, so a server that answers
 * differently the second time (DNS rebinding) changes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "common/macro.h"
#include "proxy/worker.h"

struct resolve {
	struct worker *w;
	uv_udp_t sock;
	uv_timer_t timer;
	bool sock_open, timer_open;
	resolve_cb cb;
	void *ud;
	char name[CX_MAX_DOMAIN + 2];
	uint16_t port;
	uint16_t id[2]; /* A, AAAA */
	bool want[2], done[2];
	struct sockaddr_storage addrs[PROXY_MAX_ADDRS];
	size_t n;
	int err;
	bool finished;
	unsigned handles;
};

static void on_closed(uv_handle_t *h)
{
	struct resolve *r = h->data;

	if (--r->handles == 0)
		free(r);
}

static void resolve_close(struct resolve *r)
{
	if (r->sock_open) {
		r->sock_open = false;
		uv_close((uv_handle_t *)&r->sock, on_closed);
	}
	if (r->timer_open) {
		r->timer_open = false;
		uv_close((uv_handle_t *)&r->timer, on_closed);
	}
	if (r->handles == 0)
		free(r);
}

static void finish(struct resolve *r)
{
	resolve_cb cb = r->cb;

	if (r->finished)
		return;
	r->finished = true;
	r->cb = NULL;
	if (cb)
		cb(r->ud, r->n > 0 ? 0 : (r->err ? r->err : -ENOENT), r->addrs, r->n);
	resolve_close(r);
}

void resolve_cancel(struct resolve *r)
{
	if (!r)
		return;
	r->cb = NULL;
	r->finished = true;
	resolve_close(r);
}

static void add_addr(struct resolve *r, int family, const void *a)
{
	struct sockaddr_storage ss = { 0 };

	if (r->n >= PROXY_MAX_ADDRS)
		return;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(r->port);
		memcpy(&s4->sin_addr, a, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(r->port);
		memcpy(&s6->sin6_addr, a, 16);
	}
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(&r->addrs[i], &ss, sizeof(ss)) == 0)
			return;
	r->addrs[r->n++] = ss;
}

static void on_timeout(uv_timer_t *t)
{
	struct resolve *r = t->data;

	r->err = -ETIMEDOUT;
	finish(r);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char b[65536];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(b, sizeof(b));
}

static void on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct resolve *r = h->data;
	ldns_pkt *pkt = NULL;
	ldns_rr_list *q, *an;
	ldns_rdf *qname = NULL;
	int which = -1;

	(void)flags;
	if (n <= 0 || !from || r->finished)
		return;
	/* Only the server we asked. */
	if (from->sa_family != r->w->dns_server.ss_family ||
	    (from->sa_family == AF_INET &&
	     memcmp(from, &r->w->dns_server, sizeof(struct sockaddr_in)) != 0) ||
	    (from->sa_family == AF_INET6 &&
	     (memcmp(&((const struct sockaddr_in6 *)(const void *)from)->sin6_addr,
		     &((const struct sockaddr_in6 *)&r->w->dns_server)->sin6_addr, 16) != 0 ||
	      ((const struct sockaddr_in6 *)(const void *)from)->sin6_port !=
		      ((const struct sockaddr_in6 *)&r->w->dns_server)->sin6_port)))
		return;
	if (ldns_wire2pkt(&pkt, (const uint8_t *)buf->base, (size_t)n) != LDNS_STATUS_OK)
		return;
	for (int i = 0; i < 2; i++)
		if (r->want[i] && !r->done[i] && ldns_pkt_id(pkt) == r->id[i])
			which = i;
	q = ldns_pkt_question(pkt);
	if (which < 0 || !ldns_pkt_qr(pkt) || ldns_pkt_qdcount(pkt) != 1 || !q ||
	    ldns_rr_list_rr_count(q) != 1 ||
	    ldns_rr_get_type(ldns_rr_list_rr(q, 0)) !=
		    (which == 0 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA) ||
	    ldns_str2rdf_dname(&qname, r->name) != LDNS_STATUS_OK ||
	    ldns_dname_compare(qname, ldns_rr_owner(ldns_rr_list_rr(q, 0))) != 0)
		goto out;
	r->done[which] = true;
	an = ldns_pkt_answer(pkt);
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		ldns_rdf *d = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;

		if (!d || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		if (which == 0 && ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(d) == 4)
			add_addr(r, AF_INET, ldns_rdf_data(d));
		else if (which == 1 && ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA &&
			 ldns_rdf_size(d) == 16)
			add_addr(r, AF_INET6, ldns_rdf_data(d));
	}
	if ((!r->want[0] || r->done[0]) && (!r->want[1] || r->done[1]))
		finish(r);
out:
	ldns_rdf_deep_free(qname);
	ldns_pkt_free(pkt);
}

static int send_query(struct resolve *r, int which)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	uv_buf_t b;
	int rc;

	if (ldns_pkt_query_new_frm_str(&q, r->name, which == 0 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA,
				       LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
		return -EINVAL;
	ldns_pkt_set_id(q, r->id[which]);
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK) {
		ldns_pkt_free(q);
		return -ENOMEM;
	}
	ldns_pkt_free(q);
	b = uv_buf_init((char *)wire, (unsigned)len);
	rc = uv_udp_try_send(&r->sock, &b, 1, (const struct sockaddr *)&r->w->dns_server);
	free(wire);
	return rc < 0 ? rc : 0;
}

static void on_literal(uv_timer_t *t)
{
	finish(t->data);
}

int resolve_start(struct worker *w, const struct domain_host *h, uint16_t port, bool v4, bool v6,
		  resolve_cb cb, void *ud, struct resolve **ret)
{
	struct resolve *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	r->w = w;
	r->cb = cb;
	r->ud = ud;
	r->port = port;
	uv_timer_init(w->loop, &r->timer);
	r->timer.data = r;
	r->timer_open = true;
	r->handles = 1;
	if (h->is_ip || domain_host_is_localhost(h)) {
		/* No DNS: the literal itself, or loopback for localhost (RFC 6761). */
		if (h->is_ip && !h->scoped)
			add_addr(r, h->family, h->addr.s6_addr);
		else if (!h->is_ip) {
			static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
			if (v4)
				add_addr(r, AF_INET, lo4);
			if (v6)
				add_addr(r, AF_INET6, lo6);
		}
		r->err = -EADDRNOTAVAIL;
		uv_timer_start(&r->timer, on_literal, 0, 0);
		*ret = r;
		return 0;
	}
	if (w->dns_server_len == 0) {
		r->err = -ENETUNREACH;
		uv_timer_start(&r->timer, on_literal, 0, 0);
		*ret = r;
		return 0;
	}
	snprintf(r->name, sizeof(r->name), "%s.", h->name);
	if (getrandom(r->id, sizeof(r->id), 0) != sizeof(r->id)) {
		resolve_cancel(r);
		return -EIO;
	}
	r->want[0] = v4;
	r->want[1] = v6;
	uv_udp_init(w->loop, &r->sock);
	r->sock.data = r;
	r->sock_open = true;
	r->handles++;
	{
		struct sockaddr_storage any = { .ss_family = w->dns_server.ss_family };
		rc = uv_udp_bind(&r->sock, (const struct sockaddr *)&any, 0);
	}
	if (rc == 0)
		rc = uv_udp_recv_start(&r->sock, on_alloc, on_recv);
	for (int i = 0; rc == 0 && i < 2; i++)
		if (r->want[i])
			rc = send_query(r, i);
	if (rc < 0) {
		r->err = rc;
		uv_timer_start(&r->timer, on_literal, 0, 0);
	} else
		uv_timer_start(&r->timer, on_timeout, PROXY_RESOLVE_TIMEOUT_MS, 0);
	*ret = r;
	return 0;
}
