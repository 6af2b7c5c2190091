/* SPDX-License-Identifier: MIT */
/*
 * One proxied TCP connection (HTTP proxy or SOCKS5 control/CONNECT).
 * Process: proxy worker only.
 */
#ifndef CX_PROXY_CONN_H
#define CX_PROXY_CONN_H

#include "proxy/http_head.h"
#include "proxy/socks5.h"
#include "proxy/worker.h"

enum pc_state {
	PC_HEAD,    /* reading the request (HTTP head, SOCKS greeting + request) */
	PC_ASK,     /* waiting for the daemon's answer on an allowlist miss */
	PC_RESOLVE,
	PC_CONNECT,
	PC_RELAY,
	PC_UDP,     /* SOCKS5 UDP ASSOCIATE: the control connection stays open */
	PC_REFUSING, /* writing a refusal, then closing */
	PC_CLOSING,
};

enum pc_front {
	FRONT_HTTP,
	FRONT_SOCKS,
};

struct relay_dir {
	char *buf;
	uv_write_t w;
	uv_shutdown_t sh;
	bool writing, eof, shut;
	uint64_t bytes;
	/* splice relay: source -> pipe -> destination, no copies through user space */
	int pipe[2];
	size_t in_pipe; /* bytes spliced into the pipe, not yet out */
};

/* The splice relay polls duplicates of the two sockets (libuv keeps the originals). */
struct splice_side {
	int fd;
	uv_poll_t poll;
	bool inited;
	int events;
};

struct pconn {
	struct list_node node; /* psandbox.conns */
	struct psandbox *sb;
	enum pc_front front;
	enum pc_state state;
	uv_tcp_t client, up;
	bool up_inited;
	uv_timer_t timer;
	unsigned handles;
	char *in;
	size_t in_len;
	bool socks_greeted;
	/* The destination and the decision. */
	bool have_target;
	struct domain_host host;
	uint16_t port;
	enum net_protocol proto;
	char method[24];
	struct http_head head;
	struct domain_check check;
	struct resolve *res;
	struct sockaddr_storage addrs[PROXY_MAX_ADDRS];
	size_t n_addrs, next_addr;
	uv_connect_t creq;
	struct sockaddr_storage connected;
	bool have_connected;
	int last_err;       /* of the last failed connect */
	uint64_t ask_id;
	struct relay_dir c2u, u2c;
	bool spliced;                 /* the relay runs on splice_side, not on libuv streams */
	struct splice_side sc, su;    /* client, upstream */
	char *out;          /* first bytes for the upstream or the refusal for the client */
	size_t out_len;
	uv_write_t ow;
	struct udp_assoc *assoc;
	bool allowed;
	const char *reason; /* static */
	bool reported;
};

#endif
