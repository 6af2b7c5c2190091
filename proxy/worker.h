/* SPDX-License-Identifier: MIT */
/*
 * The proxy worker (codexd-proxy): one unprivileged, seccomp-confined
 * process serving every proxied sandbox.  The daemon hands it, per
 * sandbox, the listening sockets that sandbox's PID 1 created inside the
 * sandbox's own network namespace (HTTP proxy, SOCKS5 TCP, SOCKS5 UDP
 * relay, DNS stub over UDP and TCP) and the sandbox's compiled domain
 * policy.  The worker accepts there and connects out from the host's
 * network namespace, to exactly the address it checked.
 *
 * Process: proxy worker only.
 */
#ifndef CX_PROXY_WORKER_H
#define CX_PROXY_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "common/list.h"
#include "policy/domains.h"

#define PROXY_RELAY_BUF (256 * 1024)   /* bytes per direction of a relayed connection */
#define PROXY_MAX_CONNS 4096           /* connections in the whole worker */
#define PROXY_MAX_CONNS_PER_SANDBOX 512
#define PROXY_MAX_ADDRS 16             /* addresses kept from one resolution */
#define PROXY_CONNECT_TIMEOUT_MS 10000
#define PROXY_HEAD_TIMEOUT_MS 30000    /* a client must send its request this fast */
#define PROXY_RESOLVE_TIMEOUT_MS 3000
#define PROXY_ASK_TIMEOUT_MS (10 * 60 * 1000)
#define PROXY_UDP_DESTS 32             /* destinations remembered per UDP association */
#define PROXY_MAX_DNS_TCP 32           /* DNS stub TCP connections per sandbox */

/* The listeners of one sandbox, in the order the daemon sends them. */
enum proxy_listener {
	PROXY_L_HTTP,
	PROXY_L_SOCKS,
	PROXY_L_SOCKS_UDP,
	PROXY_L_DNS_UDP,
	PROXY_L_DNS_TCP,
	_PROXY_L_V4_MAX, /* the IPv6 ones follow when the namespace has IPv6 */
	PROXY_L_HTTP6 = _PROXY_L_V4_MAX,
	PROXY_L_SOCKS6,
	PROXY_L_DNS6_UDP,
	PROXY_L_DNS6_TCP,
	_PROXY_L_MAX,
};

struct worker {
	uv_loop_t *loop;
	int chan_fd;
	uv_poll_t chan_poll;
	bool chan_dead;
	struct sockaddr_storage dns_server;
	socklen_t dns_server_len;
	struct list_node sandboxes;
	struct list_node asks;
	uint64_t ask_serial;
	unsigned n_conns;
	uint64_t connections, refused, bytes_up, bytes_down;
};

struct psandbox {
	struct list_node node; /* worker.sandboxes */
	struct worker *w;
	char id[32];
	struct domain_policy policy;
	struct domain_policy granted; /* hosts approved for the session */
	bool ask;                     /* allowlist misses go to the daemon */
	uv_tcp_t http_l, socks_l, dns_tcp_l;
	uv_udp_t socks_udp, dns_udp;
	bool v6; /* the [::1] listeners below are open */
	uv_tcp_t http6_l, socks6_l, dns6_tcp_l;
	uv_udp_t dns6_udp;
	unsigned handles; /* listener handles not yet closed */
	/*
	 * Connections and UDP associations out of their lists whose handles
	 * are still closing: their close callbacks use the sandbox, which
	 * must outlive them (libuv runs close callbacks newest first, so the
	 * listeners' can come before theirs).
	 */
	unsigned closing;
	bool removed;
	struct list_node conns;  /* struct pconn */
	struct list_node assocs; /* struct udp_assoc */
	struct list_node dnsq;   /* DNS stub queries being resolved */
	struct list_node dnstcp; /* DNS stub TCP connections */
	unsigned n_dnstcp;
	unsigned n_conns;
};

struct worker *worker_get(void);

/* --- worker.c: sandboxes and the daemon channel */
struct psandbox *worker_find_sandbox(struct worker *w, const char *id);
/* Start serving the channel (sends "ready"). */
int worker_chan_start(struct worker *w);
/* "IP" or "IP:PORT" / "[IPv6]:PORT" of the upstream DNS server; -EINVAL. */
int worker_set_dns_server(struct worker *w, const char *s);
/* Report one decision to the daemon (net_events_record() there). */
/*
 * Report a decision to the daemon.  WORKER_EVENT_OPEN: a connection just
 * went through (the caller hears of it at once; nothing is audited yet);
 * WORKER_EVENT_CLOSED: it ended, with the bytes each way (audited), or a
 * refusal, which is both.
 */
enum worker_event_state { WORKER_EVENT_OPEN, WORKER_EVENT_CLOSED };
void worker_event(struct psandbox *sb, enum worker_event_state state, const char *host,
		  uint16_t port, enum net_protocol proto, bool allowed, const char *reason,
		  const char *method, const struct sockaddr *addr, uint64_t bytes_out,
		  uint64_t bytes_in);
/* Ask the daemon about an allowlist miss; cb(ud, allow) later (also on timeout: false). */
typedef void (*worker_ask_cb)(void *ud, bool allow);
int worker_ask(struct psandbox *sb, const struct domain_host *h, uint16_t port,
	       enum net_protocol proto, worker_ask_cb cb, void *ud, uint64_t *ret_id);
void worker_ask_cancel(struct worker *w, uint64_t id);
/* The sandbox can go once its listeners and connections are gone. */
void worker_sandbox_maybe_free(struct psandbox *sb);

/* Policy check including the session grants. */
void worker_check(struct psandbox *sb, const struct domain_host *h, uint16_t port,
		  enum net_protocol proto, struct domain_check *ret);

/* --- resolve.c: name -> addresses, asking the configured DNS server (no second lookup) */
struct resolve;
typedef void (*resolve_cb)(void *ud, int err, const struct sockaddr_storage *addrs, size_t n);
/*
 * Resolve a normalised name (A and/or AAAA).  IP literals and localhost
 * are answered without DNS.  The callback runs later from the loop,
 * never from inside this call.  Returns 0 with *ret (cancel with
 * resolve_cancel() before the callback if no longer wanted), -errno.
 */
int resolve_start(struct worker *w, const struct domain_host *h, uint16_t port, bool v4, bool v6,
		  resolve_cb cb, void *ud, struct resolve **ret);
void resolve_cancel(struct resolve *r);

/* --- conn.c: HTTP and SOCKS5 TCP front ends, connects, relays */
void conn_on_http_accept(uv_stream_t *l, int status);
void conn_on_socks_accept(uv_stream_t *l, int status);
void conn_close_all(struct psandbox *sb);

/* --- udp.c: SOCKS5 UDP ASSOCIATE relay */
struct pconn;
struct udp_assoc;
int udp_assoc_new(struct pconn *c, const struct sockaddr *client, struct udp_assoc **ret);
void udp_assoc_free(struct udp_assoc *a);
void udp_on_relay_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		       unsigned flags);

/* --- dns_stub.c: the in-sandbox resolver on 127.0.0.1:53 */
void dns_on_udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		     unsigned flags);
void dns_on_tcp_accept(uv_stream_t *l, int status);
void dns_cancel_all(struct psandbox *sb);

/* --- filter.c */
int worker_seccomp_install(void);

/* Text of an address ("10.0.0.1", "::1"); buf >= INET6_ADDRSTRLEN. */
const char *worker_addr_text(const struct sockaddr *sa, char *buf, size_t n);

/* A static UDP receive buffer allocator (datagrams are handled synchronously). */
void worker_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

#endif
