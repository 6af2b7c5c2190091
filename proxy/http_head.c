/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/http_head.h"

struct parse_state {
	const char *buf;
	struct http_head *h;
	struct http_span url;
	bool in_value;
	bool done;
	bool too_many;
};

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct parse_state *s = p->data;

	if (s->url.len == 0)
		s->url.off = (size_t)(at - s->buf);
	s->url.len += len;
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct parse_state *s = p->data;
	struct http_head *h = s->h;

	if (s->in_value || h->n_headers == 0) {
		if (h->n_headers >= HTTP_HEAD_MAX_HEADERS) {
			s->too_many = true;
			return 1;
		}
		h->name[h->n_headers] = (struct http_span){ (size_t)(at - s->buf), 0 };
		h->value[h->n_headers] = (struct http_span){ 0, 0 };
		h->n_headers++;
		s->in_value = false;
	}
	h->name[h->n_headers - 1].len += len;
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct parse_state *s = p->data;
	struct http_head *h = s->h;

	if (h->n_headers == 0)
		return 1;
	if (!s->in_value) {
		h->value[h->n_headers - 1].off = (size_t)(at - s->buf);
		s->in_value = true;
	}
	h->value[h->n_headers - 1].len += len;
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct parse_state *s = p->data;

	s->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static bool span_is(const char *buf, struct http_span sp, const char *name)
{
	return strlen(name) == sp.len && strncasecmp(buf + sp.off, name, sp.len) == 0;
}

/* Does buf[0..n) end with the blank line that ends a head? */
static bool ends_blank(const char *buf, size_t n)
{
	return n >= 2 && buf[n - 1] == '\n' &&
	       (buf[n - 2] == '\n' || (n >= 3 && buf[n - 2] == '\r' && buf[n - 3] == '\n'));
}

int http_head_parse(const char *buf, size_t len, struct http_head *ret)
{
	static http_parser_settings settings;
	static bool settings_done;
	struct http_head h;
	struct parse_state s = { .buf = buf, .h = &h };
	struct http_parser_url u;
	http_parser p;
	size_t n, scan = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	const char *m;

	if (!settings_done) {
		http_parser_settings_init(&settings);
		settings.on_url = on_url;
		settings.on_header_field = on_header_field;
		settings.on_header_value = on_header_value;
		settings.on_headers_complete = on_headers_complete;
		settings_done = true;
	}
	memset(&h, 0, sizeof(h));
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &s;
	n = http_parser_execute(&p, &settings, buf, scan);
	if (s.too_many)
		return -E2BIG;
	if (!s.done) {
		enum http_errno e = HTTP_PARSER_ERRNO(&p);
		if (e != HPE_OK && e != HPE_PAUSED)
			return -EINVAL;
		if (len >= HTTP_HEAD_MAX)
			return -E2BIG;
		return 0;
	}
	/* http-parser stops on (or just before) the LF that completed the head. */
	h.head_len = n;
	if (h.head_len == 0 || h.head_len > len)
		return -EINVAL;
	if (!ends_blank(buf, h.head_len) && h.head_len < len && ends_blank(buf, h.head_len + 1))
		h.head_len++;
	if (!ends_blank(buf, h.head_len))
		return -EINVAL;
	m = http_method_str((enum http_method)p.method);
	if (!m || strlen(m) >= sizeof(h.method))
		return -EINVAL;
	strcpy(h.method, m);
	h.connect = p.method == HTTP_CONNECT;
	h.http_major = p.http_major;
	h.http_minor = p.http_minor;
	if (s.url.len == 0)
		return -EINVAL;
	if (buf[s.url.off] == '/' || buf[s.url.off] == '*')
		return h.connect ? -EINVAL : -EPROTO;
	memset(&u, 0, sizeof(u));
	if (http_parser_parse_url(buf + s.url.off, s.url.len, h.connect, &u) != 0)
		return -EINVAL;
	if (!(u.field_set & (1u << UF_HOST)) || u.field_data[UF_HOST].len == 0 ||
	    (size_t)u.field_data[UF_HOST].len + 2 >= sizeof(h.host))
		return -EINVAL;
	if (u.field_set & (1u << UF_USERINFO))
		return -EINVAL; /* credentials in the URL: never forwarded */
	if (h.connect) {
		if (!(u.field_set & (1u << UF_PORT)) || u.port == 0)
			return -EINVAL;
	} else {
		struct http_span sch;
		if (!(u.field_set & (1u << UF_SCHEMA)))
			return -EINVAL;
		sch = (struct http_span){ s.url.off + u.field_data[UF_SCHEMA].off,
					  u.field_data[UF_SCHEMA].len };
		if (!span_is(buf, sch, "http"))
			return -EPROTONOSUPPORT;
		if ((u.field_set & (1u << UF_PORT)) && u.port == 0)
			return -EINVAL;
	}
	{
		/* Keep IPv6 brackets: they are part of the host as written. */
		size_t off = s.url.off + u.field_data[UF_HOST].off, hl = u.field_data[UF_HOST].len;
		bool br = off > s.url.off && buf[off - 1] == '[' && off + hl < s.url.off + s.url.len &&
			  buf[off + hl] == ']';
		if (br) {
			off--;
			hl += 2;
		}
		memcpy(h.host, buf + off, hl);
		h.host[hl] = '\0';
	}
	h.port = (u.field_set & (1u << UF_PORT)) ? u.port : 80;
	if (!h.connect) {
		if (u.field_set & (1u << UF_PATH)) {
			h.path.off = s.url.off + u.field_data[UF_PATH].off;
			/* Path and query are contiguous in the URL; the fragment is not sent. */
			h.path.len = u.field_data[UF_PATH].len;
			if (u.field_set & (1u << UF_QUERY))
				h.path.len = u.field_data[UF_QUERY].off + u.field_data[UF_QUERY].len -
					     u.field_data[UF_PATH].off;
		} else if (u.field_set & (1u << UF_QUERY)) {
			/* "http://host?q": path "/" then the query; rewrite handles it. */
			h.path.off = s.url.off + u.field_data[UF_QUERY].off - 1;
			h.path.len = u.field_data[UF_QUERY].len + 1;
		}
	}
	for (size_t i = 0; i < h.n_headers; i++)
		if (span_is(buf, h.name[i], "host"))
			h.has_host_header = true;
	*ret = h;
	return 1;
}

static bool hop_by_hop(const char *buf, struct http_span name)
{
	static const char *const drop[] = { "connection", "proxy-connection", "keep-alive",
					    "proxy-authorization", "proxy-authenticate" };

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (span_is(buf, name, drop[i]))
			return true;
	return false;
}

struct out {
	char *p;
	size_t n, len;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

int http_head_rewrite(const struct http_head *h, const char *buf, char *out, size_t outsz)
{
	struct out o = { .p = out, .n = outsz };
	char ver[32];

	puts_(&o, h->method);
	puts_(&o, " ");
	if (h->path.len == 0)
		puts_(&o, "/");
	else {
		if (buf[h->path.off] == '?')
			puts_(&o, "/");
		put(&o, buf + h->path.off, h->path.len);
	}
	snprintf(ver, sizeof(ver), " HTTP/%u.%u\r\n", h->http_major, h->http_minor);
	puts_(&o, ver);
	if (!h->has_host_header) {
		char port[16];
		puts_(&o, "Host: ");
		puts_(&o, h->host);
		if (h->port != 80) {
			snprintf(port, sizeof(port), ":%u", (unsigned)h->port);
			puts_(&o, port);
		}
		puts_(&o, "\r\n");
	}
	for (size_t i = 0; i < h->n_headers; i++) {
		if (hop_by_hop(buf, h->name[i]))
			continue;
		put(&o, buf + h->name[i].off, h->name[i].len);
		puts_(&o, ": ");
		put(&o, buf + h->value[i].off, h->value[i].len);
		puts_(&o, "\r\n");
	}
	puts_(&o, "Connection: close\r\n\r\n");
	if (o.full)
		return -E2BIG;
	return (int)o.len;
}

size_t http_refusal(char *out, size_t outsz, int status, const char *reason_phrase,
		    const char *error, const char *body)
{
	int n = snprintf(out, outsz,
			 "HTTP/1.1 %d %s\r\n"
			 "x-codexd-error: %s\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, reason_phrase, error, strlen(body), body);
	if (n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz - 1;
}
