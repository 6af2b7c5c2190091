/* SPDX-License-Identifier: MIT */
/*
 * The channel between the daemon and the proxy worker (codexd-proxy): a
 * SOCK_SEQPACKET socketpair, one JSON object per packet, listener
 * descriptors attached with SCM_RIGHTS (daemon/proxy.c, proxy/worker.c).
 *
 * Process: main, proxy worker.
 */
#ifndef CX_PROXY_PROTO_H
#define CX_PROXY_PROTO_H

#define PROXY_CHAN_MAX (64 * 1024) /* bytes of one message */
#define PROXY_CHAN_MAX_FDS 12
#define PROXY_CHAN_FD 3            /* the worker finds the channel here */
/*
 * A sandbox's listeners, in this order: on 127.0.0.1 HTTP, SOCKS5,
 * SOCKS5 UDP, DNS UDP, DNS TCP (always); then on [::1] HTTP, SOCKS5,
 * DNS UDP, DNS TCP when the namespace has IPv6 (the SOCKS5 UDP relay
 * stays on 127.0.0.1, which UDP ASSOCIATE replies name).
 */
#define PROXY_N_LISTENERS_V4 5
#define PROXY_N_LISTENERS 9        /* at most */

/* Ports inside every proxied sandbox's network namespace (127.0.0.1 and [::1]). */
#define PROXY_PORT_HTTP 3128
#define PROXY_PORT_SOCKS 1080
#define PROXY_PORT_DNS 53

#endif
