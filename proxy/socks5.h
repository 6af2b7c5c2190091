/* SPDX-License-Identifier: MIT */
/*
 * SOCKS5 (RFC 1928) as the proxy serves it: the greeting (only "no
 * authentication" is offered: the socket is reachable only from inside one
 * sandbox's network namespace), CONNECT and UDP ASSOCIATE requests, the
 * replies, and the header of relayed UDP datagrams.  BIND is refused.
 *
 * Pure (no I/O); process: proxy worker, tests, fuzz targets.
 */
#ifndef CX_PROXY_SOCKS5_H
#define CX_PROXY_SOCKS5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SOCKS5_VERSION 5
#define SOCKS5_CMD_CONNECT 1
#define SOCKS5_CMD_BIND 2
#define SOCKS5_CMD_UDP_ASSOCIATE 3
#define SOCKS5_ATYP_IPV4 1
#define SOCKS5_ATYP_DOMAIN 3
#define SOCKS5_ATYP_IPV6 4

/* Reply codes. */
#define SOCKS5_REP_OK 0x00
#define SOCKS5_REP_FAILURE 0x01
#define SOCKS5_REP_NOT_ALLOWED 0x02 /* connection not allowed by ruleset */
#define SOCKS5_REP_NET_UNREACHABLE 0x03
#define SOCKS5_REP_HOST_UNREACHABLE 0x04
#define SOCKS5_REP_REFUSED 0x05
#define SOCKS5_REP_TTL_EXPIRED 0x06
#define SOCKS5_REP_CMD_UNSUPPORTED 0x07
#define SOCKS5_REP_ATYP_UNSUPPORTED 0x08

#define SOCKS5_MAX_REPLY 22 /* VER REP RSV ATYP + 16-byte address + port */

struct socks5_addr {
	uint8_t atyp;
	char host[256]; /* the domain as sent (not yet validated) or the IP literal as text */
	uint16_t port;
};

/*
 * The greeting: VER NMETHODS METHODS...  Returns 1 with *consumed and
 * *noauth (method 0 offered), 0 when more bytes are needed, -EINVAL for
 * another version or no methods.
 */
int socks5_parse_greeting(const uint8_t *b, size_t n, size_t *consumed, bool *noauth);

/*
 * A request: VER CMD RSV ATYP DST.ADDR DST.PORT.  Returns 1 with *cmd,
 * *addr and *consumed, 0 when more bytes are needed, -EINVAL when
 * malformed (bad version, reserved byte, empty domain or one with a NUL),
 * -EAFNOSUPPORT for an unknown address type (reply 0x08).
 */
int socks5_parse_request(const uint8_t *b, size_t n, size_t *consumed, uint8_t *cmd,
			 struct socks5_addr *addr);

/*
 * A UDP datagram from the client: RSV(2) FRAG ATYP DST.ADDR DST.PORT DATA.
 * Returns 0 with *addr and *hdr_len, -EINVAL when malformed, -ENOTSUP for
 * a fragment (FRAG != 0: dropped, as RFC 1928 allows).
 */
int socks5_parse_udp(const uint8_t *b, size_t n, struct socks5_addr *addr, size_t *hdr_len);

/* A reply with rep and the bound address (NULL: 0.0.0.0:0) into out
 * (SOCKS5_MAX_REPLY bytes).  Returns its length. */
size_t socks5_build_reply(uint8_t *out, uint8_t rep, const struct sockaddr *bound);

/* The UDP header for a datagram from src into out (SOCKS5_MAX_REPLY bytes). */
size_t socks5_build_udp_header(uint8_t *out, const struct sockaddr *src);

#endif
