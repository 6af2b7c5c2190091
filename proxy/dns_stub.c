/* SPDX-License-Identifier: MIT */
/*
 * The DNS stub inside each proxied sandbox (127.0.0.1:53, UDP and TCP;
 * the sandbox's resolv.conf points here).  It answers A and AAAA
 * questions for names the sandbox's policy allows, with addresses the
 * worker resolved itself (TTL 0, local addresses left out unless the
 * policy allows them), NOERROR with no answers for other types of an
 * allowed name, and REFUSED for everything else.  It never forwards the
 * sandbox's packet: a query is parsed (ldns), decided and answered anew.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "proxy/worker.h"

#define DNS_MAX_PENDING 256

struct dns_tcp;

struct dns_query {
	struct list_node node; /* psandbox.dnsq */
	struct psandbox *sb;
	ldns_pkt *q;
	ldns_rr_type qtype;
	struct domain_host host;
	struct domain_check check;
	struct sockaddr_storage from; /* UDP: where to answer */
	struct dns_tcp *tcp;          /* TCP: the connection to answer on */
	struct resolve *res;
};

struct dns_tcp {
	struct list_node node; /* psandbox.dnstcp */
	uv_tcp_t h;
	struct psandbox *sb;
	uint8_t buf[2 + 65535];
	size_t len;
	uv_write_t wr;
	uint8_t *out;
	struct dns_query *pending;
	bool closing;
};

static unsigned n_pending;

static void tcp_closed(uv_handle_t *h)
{
	struct dns_tcp *t = h->data;
	struct psandbox *sb = t->sb;

	list_del(&t->node);
	sb->n_dnstcp--;
	free(t->out);
	free(t);
	worker_sandbox_maybe_free(sb);
}

static void tcp_close(struct dns_tcp *t)
{
	if (t->closing)
		return;
	t->closing = true;
	uv_close((uv_handle_t *)&t->h, tcp_closed);
}

static void query_free(struct dns_query *d)
{
	if (!d)
		return;
	if (d->res)
		resolve_cancel(d->res);
	if (d->tcp)
		d->tcp->pending = NULL;
	list_del(&d->node);
	ldns_pkt_free(d->q);
	n_pending--;
	free(d);
}

static void on_tcp_written(uv_write_t *req, int status)
{
	(void)status;
	tcp_close(req->data);
}

/* Answer d with rcode and the addresses (may be none); frees d. */
static void answer(struct dns_query *d, ldns_pkt_rcode rcode, const struct sockaddr_storage *addrs,
		   size_t n)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr_list *ql = ldns_pkt_question(d->q);
	ldns_rr *qrr = ql && ldns_rr_list_rr_count(ql) == 1 ? ldns_rr_list_rr(ql, 0) : NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	if (!p || !qrr)
		goto out;
	ldns_pkt_set_id(p, ldns_pkt_id(d->q));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(p, ldns_pkt_rd(d->q));
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	for (size_t i = 0; i < n; i++) {
		int fam = addrs[i].ss_family;
		ldns_rr *rr;

		if ((fam == AF_INET && d->qtype != LDNS_RR_TYPE_A) ||
		    (fam == AF_INET6 && d->qtype != LDNS_RR_TYPE_AAAA))
			continue;
		rr = ldns_rr_new();
		if (!rr)
			break;
		ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(qrr)));
		ldns_rr_set_type(rr, d->qtype);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(rr, 0);
		if (fam == AF_INET)
			ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(
						     LDNS_RDF_TYPE_A, 4,
						     &((const struct sockaddr_in *)&addrs[i])->sin_addr));
		else
			ldns_rr_push_rdf(rr,
					 ldns_rdf_new_frm_data(
						 LDNS_RDF_TYPE_AAAA, 16,
						 &((const struct sockaddr_in6 *)&addrs[i])->sin6_addr));
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len > 65535)
		goto out;
	if (d->tcp) {
		struct dns_tcp *t = d->tcp;
		uv_buf_t b;

		t->out = malloc(len + 2);
		if (!t->out) {
			tcp_close(t);
			goto out;
		}
		t->out[0] = (uint8_t)(len >> 8);
		t->out[1] = (uint8_t)len;
		memcpy(t->out + 2, wire, len);
		b = uv_buf_init((char *)t->out, (unsigned)(len + 2));
		t->wr.data = t;
		if (uv_write(&t->wr, (uv_stream_t *)&t->h, &b, 1, on_tcp_written) < 0)
			tcp_close(t);
	} else {
		uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
		/* Out of the socket it came in on ([::1] or 127.0.0.1). */
		(void)uv_udp_try_send(d->from.ss_family == AF_INET6 && d->sb->v6 ? &d->sb->dns6_udp
										  : &d->sb->dns_udp,
				      &b, 1, (const struct sockaddr *)&d->from);
	}
out:
	free(wire);
	ldns_pkt_free(p);
	d->res = NULL;
	query_free(d);
}

static void on_resolved(void *ud, int err, const struct sockaddr_storage *addrs, size_t n)
{
	struct dns_query *d = ud;
	struct sockaddr_storage keep[PROXY_MAX_ADDRS];
	size_t k = 0;

	d->res = NULL;
	if (n == 0) {
		answer(d, err == -ENOENT ? LDNS_RCODE_NOERROR : LDNS_RCODE_SERVFAIL, NULL, 0);
		return;
	}
	/* Local addresses of a name are never handed out (rebinding). */
	for (size_t i = 0; i < n; i++) {
		struct domain_check c = d->check;
		if (domain_check_address(&c, (const struct sockaddr *)&addrs[i]) == DOMAIN_ALLOWED)
			keep[k++] = addrs[i];
	}
	if (k < n)
		log_info("sandbox %s: DNS stub left out %zu local address(es) of %s", d->sb->id,
			 n - k, d->host.name);
	answer(d, LDNS_RCODE_NOERROR, keep, k);
}

/* Decide one query packet; answers now or after resolving. */
static void handle(struct psandbox *sb, const uint8_t *data, size_t len,
		   const struct sockaddr *from, struct dns_tcp *tcp)
{
	struct dns_query *d;
	ldns_pkt *q = NULL;
	ldns_rr_list *ql;
	ldns_rr *qrr;
	char *name = NULL;
	int r;

	if (ldns_wire2pkt(&q, data, len) != LDNS_STATUS_OK)
		goto drop;
	ql = ldns_pkt_question(q);
	if (ldns_pkt_qr(q) || ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(q) != 1 || !ql || ldns_rr_list_rr_count(ql) != 1)
		goto drop;
	if (n_pending >= DNS_MAX_PENDING)
		goto drop;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto drop;
	n_pending++;
	d->sb = sb;
	d->q = q;
	d->tcp = tcp;
	if (tcp)
		tcp->pending = d;
	if (from)
		memcpy(&d->from, from,
		       from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						   : sizeof(struct sockaddr_in));
	list_add_tail(&sb->dnsq, &d->node);
	qrr = ldns_rr_list_rr(ql, 0);
	d->qtype = ldns_rr_get_type(qrr);
	name = ldns_rdf2str(ldns_rr_owner(qrr));
	if (!name || ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN ||
	    domain_host_normalize(name, strlen(name), &d->host) < 0 || d->host.port ||
	    d->host.is_ip) {
		answer(d, LDNS_RCODE_REFUSED, NULL, 0);
		goto out;
	}
	worker_check(sb, &d->host, 0, NET_PROTO_DNS, &d->check);
	if (d->check.verdict != DOMAIN_ALLOWED) {
		worker_event(sb, WORKER_EVENT_CLOSED, d->host.name, 53, NET_PROTO_DNS, false,
			     domain_verdict_to_string(d->check.verdict), NULL, NULL, 0, 0);
		answer(d, LDNS_RCODE_REFUSED, NULL, 0);
		goto out;
	}
	if (d->qtype != LDNS_RR_TYPE_A && d->qtype != LDNS_RR_TYPE_AAAA) {
		answer(d, LDNS_RCODE_NOERROR, NULL, 0);
		goto out;
	}
	r = resolve_start(sb->w, &d->host, 0, d->qtype == LDNS_RR_TYPE_A,
			  d->qtype == LDNS_RR_TYPE_AAAA, on_resolved, d, &d->res);
	if (r < 0)
		answer(d, LDNS_RCODE_SERVFAIL, NULL, 0);
out:
	free(name);
	return;
drop:
	ldns_pkt_free(q);
	if (tcp)
		tcp_close(tcp);
}

void dns_on_udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		     unsigned flags)
{
	(void)flags;
	if (n <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	handle(h->data, (const uint8_t *)buf->base, (size_t)n, from, NULL);
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dns_tcp *t = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)t->buf + t->len, (unsigned)(sizeof(t->buf) - t->len));
}

static void tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct dns_tcp *t = s->data;
	size_t need;

	(void)buf;
	if (n < 0) {
		if (t->pending)
			query_free(t->pending);
		tcp_close(t);
		return;
	}
	t->len += (size_t)n;
	if (t->len < 2)
		return;
	need = ((size_t)t->buf[0] << 8) | t->buf[1];
	if (need == 0) {
		tcp_close(t);
		return;
	}
	if (t->len < 2 + need)
		return;
	/* One query per connection (what stub resolvers send over TCP after a TC answer). */
	uv_read_stop(s);
	handle(t->sb, t->buf + 2, need, NULL, t);
}

void dns_on_tcp_accept(uv_stream_t *l, int status)
{
	struct psandbox *sb = l->data;
	struct dns_tcp *t;

	if (status < 0)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->sb = sb;
	list_add_tail(&sb->dnstcp, &t->node);
	sb->n_dnstcp++;
	uv_tcp_init(sb->w->loop, &t->h);
	t->h.data = t;
	/* Accepted and closed past the limit: each one holds a 64 KiB buffer. */
	if (uv_accept(l, (uv_stream_t *)&t->h) < 0 || sb->n_dnstcp > PROXY_MAX_DNS_TCP ||
	    uv_read_start((uv_stream_t *)&t->h, tcp_alloc, tcp_read) < 0)
		tcp_close(t);
}

void dns_cancel_all(struct psandbox *sb)
{
	struct list_node *pos, *tmp;

	LIST_FOREACH_SAFE(pos, tmp, &sb->dnsq)
	{
		struct dns_query *d = list_entry(pos, struct dns_query, node);
		struct dns_tcp *t = d->tcp;
		query_free(d);
		if (t)
			tcp_close(t);
	}
	LIST_FOREACH_SAFE(pos, tmp, &sb->dnstcp)
	{
		tcp_close(list_entry(pos, struct dns_tcp, node));
	}
}
