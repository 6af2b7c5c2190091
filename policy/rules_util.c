/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the rules language: an arena, a bounded string builder,
 * message quoting, errors with positions, POSIX shell-word splitting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/rules_internal.h"

/* ---------------------------------------------------------------- arena */

#define ARENA_CHUNK (64 * 1024)

struct rules_arena_chunk {
	struct rules_arena_chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void *rules_arena_alloc(struct rules_arena *a, size_t n)
{
	struct rules_arena_chunk *c = a->head;
	size_t limit = a->limit ? a->limit : CX_MAX_RULES_MEMORY;
	size_t want = (n + 15) & ~(size_t)15;
	void *p;

	if (n == 0)
		want = 16;
	if (want < n)
		return NULL;
	if (!c || c->size - c->used < want) {
		size_t size = want > ARENA_CHUNK / 4 ? want : ARENA_CHUNK;

		if (size > limit || a->total > limit - size)
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		a->total += size;
		if (size != ARENA_CHUNK && a->head) {
			/* A big block of its own: keep the current chunk in front. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += want;
	memset(p, 0, n);
	return p;
}

char *rules_arena_strndup(struct rules_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = rules_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void rules_arena_free(struct rules_arena *a)
{
	struct rules_arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

/* ---------------------------------------------------------------- strings */

void rules_buf_init(struct rules_buf *b, size_t max)
{
	*b = (struct rules_buf){.max = max};
}

void rules_buf_putn(struct rules_buf *b, const char *s, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (n > b->max - b->len)
		n = b->max - b->len;
	if (n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *t;

		while (cap < b->len + n + 1)
			cap *= 2;
		t = realloc(b->s, cap);
		if (!t) {
			b->oom = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void rules_buf_puts(struct rules_buf *b, const char *s)
{
	rules_buf_putn(b, s, strlen(s));
}

void rules_buf_putc(struct rules_buf *b, char c)
{
	rules_buf_putn(b, &c, 1);
}

void rules_buf_printf(struct rules_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rules_buf_putn(b, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

void rules_buf_free(struct rules_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *rules_buf_steal(struct rules_buf *b)
{
	char *s;

	if (b->oom) {
		rules_buf_free(b);
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

static const char hexdigits[] = "0123456789abcdef";

static void put_hex_byte(struct rules_buf *b, unsigned char c)
{
	char esc[4] = {'\\', 'x', hexdigits[c >> 4], hexdigits[c & 15]};

	rules_buf_putn(b, esc, sizeof(esc));
}

/* C0, DEL, C1 and the bidirectional overrides/isolates: never raw in a message. */
static bool is_unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void rules_buf_put_sanitized(struct rules_buf *b, const char *s, size_t len, size_t max,
			     bool keep_utf8)
{
	size_t i = 0;

	while (i < len && i < max) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int r;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			rules_buf_putc(b, (char)c);
			i++;
			continue;
		}
		if (c >= 0x80 && keep_utf8) {
			r = utf8_decode(s + i, len - i, &cp);
			if (r > 0 && !is_unsafe_cp(cp) && i + (size_t)r <= max) {
				rules_buf_putn(b, s + i, (size_t)r);
				i += (size_t)r;
				continue;
			}
		}
		put_hex_byte(b, c);
		i++;
	}
	if (i < len)
		rules_buf_puts(b, "...");
}

void rules_buf_put_quoted(struct rules_buf *b, const char *s, size_t len, size_t max)
{
	size_t i = 0;

	rules_buf_putc(b, '"');
	while (i < len && i < max) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int r;

		switch (c) {
		case '"':
			rules_buf_puts(b, "\\\"");
			i++;
			continue;
		case '\\':
			rules_buf_puts(b, "\\\\");
			i++;
			continue;
		case '\n':
			rules_buf_puts(b, "\\n");
			i++;
			continue;
		case '\r':
			rules_buf_puts(b, "\\r");
			i++;
			continue;
		case '\t':
			rules_buf_puts(b, "\\t");
			i++;
			continue;
		default:
			break;
		}
		if (c >= 0x20 && c < 0x7f) {
			rules_buf_putc(b, (char)c);
			i++;
			continue;
		}
		if (c < 0x80) {
			rules_buf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		r = utf8_decode(s + i, len - i, &cp);
		if (r < 0) {
			rules_buf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		if (i + (size_t)r > max)
			break;
		if (is_unsafe_cp(cp))
			rules_buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			rules_buf_putn(b, s + i, (size_t)r);
		i += (size_t)r;
	}
	if (i < len)
		rules_buf_puts(b, "...");
	rules_buf_putc(b, '"');
}

void rules_buf_put_shell_word(struct rules_buf *b, const char *s)
{
	bool safe = *s != '\0';

	for (const char *p = s; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_@%+=:,./-",
			    *p)) {
			safe = false;
			break;
		}
	if (safe) {
		rules_buf_puts(b, s);
		return;
	}
	rules_buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			rules_buf_puts(b, "'\\''");
		else
			rules_buf_putc(b, *p);
	}
	rules_buf_putc(b, '\'');
}

uint32_t rules_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

const char *rules_value_type(const struct rules_value *v)
{
	switch (v->kind) {
	case RV_STRING:
		return "string";
	case RV_LIST:
		return "list";
	case RV_BOOL:
		return "bool";
	case RV_NONE:
		return "NoneType";
	}
	return "unknown";
}

/* ---------------------------------------------------------------- errors */

void rules_err_init(struct rules_err *e, const char *display_name, char *buf, size_t size)
{
	struct rules_buf b;
	const char *name = display_name ? display_name : "<rules>";

	*e = (struct rules_err){.buf = buf, .size = size};
	rules_buf_init(&b, sizeof(e->file) - 1);
	rules_buf_put_sanitized(&b, name, strlen(name), 256, true);
	snprintf(e->file, sizeof(e->file), "%s", b.s && !b.oom ? b.s : "<rules>");
	rules_buf_free(&b);
}

static void err_write(struct rules_err *e, const char *prefix, const char *fmt, va_list ap)
	_printf_(3, 0);

static void err_write(struct rules_err *e, const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048];
	int n;

	e->set = true;
	if (!e->buf || e->size == 0)
		return;
	n = snprintf(e->buf, e->size, "%s", prefix);
	if (n < 0 || (size_t)n >= e->size)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(e->buf + n, e->size - (size_t)n, "%s", msg);
}

int rules_err_at(struct rules_err *e, unsigned line, unsigned column, const char *fmt, ...)
{
	char prefix[sizeof(e->file) + 32];
	va_list ap;

	if (e->set)
		return -EINVAL;
	snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", e->file, line, column);
	va_start(ap, fmt);
	err_write(e, prefix, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int rules_err_plain(struct rules_err *e, int r, const char *fmt, ...)
{
	char prefix[sizeof(e->file) + 4];
	va_list ap;

	if (e->set)
		return r;
	snprintf(prefix, sizeof(prefix), "%s: ", e->file);
	va_start(ap, fmt);
	err_write(e, prefix, fmt, ap);
	va_end(ap);
	return r;
}

/* ---------------------------------------------------------------- shell words */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static int push_word(struct rules_arena *a, struct rules_buf *w, const char ***v, size_t *n,
		     size_t *cap)
{
	char *s;

	if (w->oom)
		return -ENOMEM;
	if (*n >= CX_MAX_RULES_LIST)
		return -E2BIG;
	s = rules_arena_strndup(a, w->s ? w->s : "", w->len);
	if (!s)
		return -ENOMEM;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		const char **t = realloc(*v, ncap * sizeof(**v));

		if (!t)
			return -ENOMEM;
		*v = t;
		*cap = ncap;
	}
	(*v)[(*n)++] = s;
	w->len = 0;
	if (w->s)
		w->s[0] = '\0';
	return 0;
}

int rules_shell_split(struct rules_arena *a, const char *s, const char ***ret_tokens, size_t *ret_n)
{
	_cleanup_free_ const char **v = NULL;
	struct rules_buf w;
	size_t n = 0, cap = 0, i = 0;
	bool in_word = false;
	const char **out;
	int r = 0;

	rules_buf_init(&w, SIZE_MAX);
	while (s[i]) {
		char c = s[i];

		if (!in_word) {
			if (is_blank(c)) {
				i++;
				continue;
			}
			if (c == '#') {
				while (s[i] && s[i] != '\n')
					i++;
				continue;
			}
			if (c == '\\' && s[i + 1] == '\n') {
				i += 2; /* a line continuation between words */
				continue;
			}
			in_word = true;
		}
		if (is_blank(c)) {
			r = push_word(a, &w, &v, &n, &cap);
			if (r < 0)
				goto out;
			in_word = false;
			i++;
		} else if (c == '\\') {
			if (!s[i + 1]) {
				r = -EINVAL;
				goto out;
			}
			if (s[i + 1] != '\n')
				rules_buf_putc(&w, s[i + 1]);
			i += 2;
		} else if (c == '\'') {
			const char *end = strchr(s + i + 1, '\'');

			if (!end) {
				r = -EINVAL;
				goto out;
			}
			rules_buf_putn(&w, s + i + 1, (size_t)(end - (s + i + 1)));
			i = (size_t)(end - s) + 1;
		} else if (c == '"') {
			i++;
			for (;;) {
				if (!s[i]) {
					r = -EINVAL;
					goto out;
				}
				if (s[i] == '"') {
					i++;
					break;
				}
				if (s[i] == '\\' && s[i + 1] && strchr("\\\"$`", s[i + 1])) {
					rules_buf_putc(&w, s[i + 1]);
					i += 2;
				} else if (s[i] == '\\' && s[i + 1] == '\n') {
					i += 2;
				} else {
					rules_buf_putc(&w, s[i]);
					i++;
				}
			}
		} else {
			rules_buf_putc(&w, c);
			i++;
		}
	}
	if (in_word) {
		r = push_word(a, &w, &v, &n, &cap);
		if (r < 0)
			goto out;
	}
	if (w.oom) {
		r = -ENOMEM;
		goto out;
	}
	out = rules_arena_alloc(a, (n ? n : 1) * sizeof(*out));
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	if (n)
		memcpy(out, v, n * sizeof(*out));
	*ret_tokens = out;
	*ret_n = n;
out:
	rules_buf_free(&w);
	return r;
}
