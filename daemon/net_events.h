/* SPDX-License-Identifier: MIT */
/*
 * Every decision the network proxy makes about a connection (or a DNS
 * stub query, or a UDP destination) goes through net_events_record():
 * it is logged, counted, and sent as a net/event notification to the
 * connection that owns the sandbox.  The audit log hooks in here.
 *
 * Process: main.
 */
#ifndef CX_NET_EVENTS_H
#define CX_NET_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

struct daemon;

struct net_event {
	const char *exec_id;   /* the sandbox (exec id) */
	uid_t uid;             /* its owner */
	const char *session;   /* NULL: none */
	const char *host;      /* normalised destination host */
	unsigned port;
	const char *protocol;  /* "http", "https", "socks5_tcp", "socks5_udp", "dns" */
	const char *decision;  /* "allow" or "deny" */
	const char *reason;    /* "allowed", "approved", "denied", "not_allowed",
				  "not_allowed_local", "method_not_allowed", "connect_failed" ... */
	const char *method;    /* HTTP method, or NULL */
	const char *address;   /* the address connected to (or refused), or NULL */
	uint64_t bytes_out;    /* sandbox -> destination */
	uint64_t bytes_in;     /* destination -> sandbox */
	bool open;             /* a connection just went through: tell the caller, audit
				  nothing yet (its end, with the bytes, is audited) */
};

void net_events_record(struct daemon *d, const struct net_event *ev);

#endif
