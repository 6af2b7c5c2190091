/* SPDX-License-Identifier: MIT */
/*
 * The configuration reader (see conf_reader.h for the format).
 *
 * How inih is used.  inih (Debian's libinih 55) drives the parse through
 * ini_parse_stream() with conf_ini_reader() as its ini_reader and
 * conf_ini_handler() as its handler.  The reader hands inih one line at a
 * time from the in-memory file, and before it does, checks the raw line
 * (length, NUL, control characters, UTF-8) and classifies it exactly as
 * inih will (comment, section, key, continuation), parsing section headers
 * and keys with TOML's rules.  Where TOML and inih would read a line
 * differently (':' separator, ']' inside a quoted section name, '=' inside
 * a quoted key, ';' comments, text after a section header), the line is
 * rejected.  The reader stops at the first error by reporting end of file,
 * so inih never goes on past it.
 *
 * The handler then checks that inih's call is the one predicted for the
 * line (same section text, same name, a value inih may have derived from
 * the raw text) and parses the value from the raw line, with TOML's rules,
 * rather than from inih's copy: inih cuts a value at whitespace + ';'
 * even inside a quoted string, TOML does not.  A call that was not
 * predicted (or a predicted call that never comes, or an inih error on a
 * line the reader accepted) means this model of inih is wrong: the file
 * is rejected with -ENOTRECOVERABLE, and the fuzz target treats that as a
 * crash.
 *
 * inih gives the handler no line number (INI_HANDLER_LINENO is 0 in
 * Debian's build and must stay so: the handler signature depends on it),
 * but it calls the reader once per line and the handler before reading
 * the next line, so the reader's count is the handler's line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "common/conf_reader.h"
#include "common/cxlimits.h"
#include "common/utf8.h"

#if INI_HANDLER_LINENO
#error "conf_reader.c needs inih's handler without a line number argument (Debian's build)"
#endif

/* Bytes of untrusted text shown in a message. */
#define MSG_QUOTE_MAX 40
/* Bytes of a file name shown in a message. */
#define MSG_FILE_MAX 200

struct conf_section {
	char **parts; /* NULL-terminated */
	size_t n_parts;
	char *name; /* canonical */
};

struct conf_doc {
	struct conf_entry **entries;
	size_t n_entries, cap_entries;
	struct conf_section **sections;
	size_t n_sections, cap_sections;
	char **files;
	size_t n_files, cap_files;
};

struct doc_mark {
	size_t n_entries, n_sections, n_files;
};

/* ------------------------------------------------------------ small helpers */

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_bare_key_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_' ||
	       ch == '-';
}

static bool is_bare_key(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_bare_key_char(*s))
			return false;
	return true;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Grows an array to hold at least need elements; returns the new array or NULL. */
static void *grow_array(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	q = realloc(p, n * size);
	if (!q)
		return NULL;
	*cap = n;
	return q;
}

struct sbuf {
	char *p;
	size_t n, cap;
};

static int sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	char *q = grow_array(b->p, &b->cap, b->n + n + 1, 1);

	if (!q)
		return -ENOMEM;
	b->p = q;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int sbuf_addc(struct sbuf *b, char ch)
{
	return sbuf_add(b, &ch, 1);
}

/*
 * 'text' for a message: quotes, backslash, control characters and bytes
 * above 0x7e as \xNN; at most MSG_QUOTE_MAX input bytes, then "...".
 * buf needs 4 * MSG_QUOTE_MAX + 8 bytes.
 */
#define MSG_QUOTE_SIZE (4 * MSG_QUOTE_MAX + 8)
static const char *msg_quote(char buf[static MSG_QUOTE_SIZE], const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	buf[o++] = '\'';
	for (i = 0; i < len && i < MSG_QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || ch == '\'' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		} else
			buf[o++] = (char)ch;
	}
	buf[o++] = '\'';
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* A file name for a message: control characters and invalid UTF-8 as '?', cut short. */
#define MSG_FILE_SIZE (MSG_FILE_MAX + 8)
static const char *msg_file(char buf[static MSG_FILE_SIZE], const char *name)
{
	size_t len = strlen(name), i = 0, o = 0;

	while (i < len && o < MSG_FILE_MAX) {
		unsigned char ch = (unsigned char)name[i];
		uint32_t cp;
		int r;

		if (ch < 0x80) {
			buf[o++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
			i++;
			continue;
		}
		r = utf8_decode(name + i, len - i, &cp);
		if (r < 0 || o + (size_t)r > MSG_FILE_MAX) {
			buf[o++] = '?';
			i++;
			continue;
		}
		memcpy(buf + o, name + i, (size_t)r);
		o += (size_t)r;
		i += (size_t)r;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void set_err(char *err, size_t errsz, const char *fmt, ...) _printf_(3, 4);
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* "file: message" */
static int file_err(char *err, size_t errsz, int r, const char *file, const char *fmt, ...)
	_printf_(5, 6);
static int file_err(char *err, size_t errsz, int r, const char *file, const char *fmt, ...)
{
	char fbuf[MSG_FILE_SIZE], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(err, errsz, "%s: %s", msg_file(fbuf, file), msg);
	return r;
}

/* "file:line: message" */
static int line_err(char *err, size_t errsz, int r, const char *file, unsigned line,
		    const char *fmt, ...) _printf_(6, 7);
static int line_err(char *err, size_t errsz, int r, const char *file, unsigned line,
		    const char *fmt, ...)
{
	char fbuf[MSG_FILE_SIZE], msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(err, errsz, "%s:%u: %s", msg_file(fbuf, file), line, msg);
	return r;
}

/* ------------------------------------------------------------ values */

static void value_done(struct conf_value *v)
{
	if (v->type == CONF_TYPE_STRING)
		free(v->str);
	else if (v->type == CONF_TYPE_ARRAY) {
		for (size_t i = 0; i < v->array.n_items; i++)
			value_done(&v->array.items[i]);
		free(v->array.items);
	}
	v->type = CONF_TYPE_BOOL;
	v->boolean = false;
}

static void value_donep(struct conf_value *v)
{
	value_done(v);
}

/* Moves a value out of v, leaving an empty (boolean) value behind. */
static struct conf_value value_take(struct conf_value *v)
{
	struct conf_value t = *v;

	*v = (struct conf_value){.type = CONF_TYPE_BOOL};
	return t;
}

const char *conf_type_to_string(enum conf_type type)
{
	static const char *const names[CONF_TYPE_MAX] = {
		[CONF_TYPE_STRING] = "string",
		[CONF_TYPE_BOOL] = "boolean",
		[CONF_TYPE_INT] = "integer",
		[CONF_TYPE_ARRAY] = "array",
	};

	if ((unsigned)type < CONF_TYPE_MAX)
		return names[type];
	return "unknown";
}

/*
 * The TOML lexer and parser for keys, section headers and values.  It works
 * on a (pointer, length) text that is one line, or for a multi-line array
 * several lines joined with '\n'; on error it records a message and the
 * offset it refers to, which the caller turns into a line number.
 */
struct vparse {
	const char *s;
	size_t n, pos;
	size_t epos;
	char emsg[192];
};

static int vp_fail(struct vparse *p, size_t pos, const char *fmt, ...) _printf_(3, 4);
static int vp_fail(struct vparse *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	p->epos = pos;
	va_start(ap, fmt);
	vsnprintf(p->emsg, sizeof(p->emsg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char vp_peek(const struct vparse *p, size_t ahead)
{
	return p->pos + ahead < p->n ? p->s[p->pos + ahead] : '\0';
}

static void vp_skip_ws(struct vparse *p)
{
	while (p->pos < p->n && is_ws(p->s[p->pos]))
		p->pos++;
}

/* The escape after a backslash at p->pos; appends its UTF-8 to out. */
static int vp_escape(struct vparse *p, char *out, size_t *o)
{
	size_t start = p->pos, digits;
	uint32_t cp = 0;
	char ch;
	static const char simple[][2] = {
		{ 'b', '\b' }, { 't', '\t' }, { 'n', '\n' }, { 'f', '\f' },
		{ 'r', '\r' }, { '"', '"' }, { '\\', '\\' },
	};

	p->pos++; /* the backslash */
	if (p->pos >= p->n || p->s[p->pos] == '\n')
		return vp_fail(p, start, "unterminated string");
	ch = p->s[p->pos++];
	for (size_t i = 0; i < ARRAY_SIZE(simple); i++)
		if (ch == simple[i][0]) {
			out[(*o)++] = simple[i][1];
			return 0;
		}
	if (ch == 'u' || ch == 'U')
		digits = ch == 'u' ? 4 : 8;
	else if (ch > 0x20 && ch < 0x7f)
		return vp_fail(p, start, "invalid escape sequence '\\%c' in string", ch);
	else
		return vp_fail(p, start, "invalid escape sequence in string");
	for (size_t i = 0; i < digits; i++) {
		int h = p->pos < p->n ? hex_value(p->s[p->pos]) : -1;

		if (h < 0)
			return vp_fail(p, start,
				       "invalid escape sequence: \\%c needs %zu hex digits", ch,
				       digits);
		cp = (cp << 4) | (uint32_t)h;
		p->pos++;
	}
	if (cp == 0)
		return vp_fail(p, start, "escape \\%c%0*" PRIX32 " (NUL) is not allowed in strings",
			       ch, (int)digits, cp);
	if (!utf8_is_scalar(cp))
		return vp_fail(p, start,
			       "escape \\%c%0*" PRIX32 " is not a Unicode scalar value (surrogate "
			       "or above U+10FFFF)",
			       ch, (int)digits, cp);
	*o += utf8_encode(cp, out + *o);
	return 0;
}

/* A basic string "..." at p->pos. */
static int vp_basic_string(struct vparse *p, char **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t start = p->pos, end = p->pos + 1, o = 0;

	if (vp_peek(p, 1) == '"' && vp_peek(p, 2) == '"')
		return vp_fail(p, start, "multi-line strings are not supported");
	/* Its source text first: the decoded string is never longer. */
	while (end < p->n && p->s[end] != '"' && p->s[end] != '\n')
		end += p->s[end] == '\\' ? 2 : 1;
	out = malloc(MIN(end, p->n) - start);
	if (!out)
		return -ENOMEM;
	p->pos++;
	for (;;) {
		unsigned char ch;
		int r;

		if (p->pos >= p->n || p->s[p->pos] == '\n')
			return vp_fail(p, start, "unterminated string");
		ch = (unsigned char)p->s[p->pos];
		if (ch == '"') {
			p->pos++;
			break;
		}
		if (ch == '\\') {
			r = vp_escape(p, out, &o);
			if (r < 0)
				return r;
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return vp_fail(p, p->pos, "control character in string");
		out[o++] = (char)ch;
		p->pos++;
	}
	out[o] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

/* A literal string '...' at p->pos. */
static int vp_literal_string(struct vparse *p, char **ret)
{
	size_t start = p->pos, from;
	char *out;

	if (vp_peek(p, 1) == '\'' && vp_peek(p, 2) == '\'')
		return vp_fail(p, start, "multi-line strings are not supported");
	from = ++p->pos;
	for (;;) {
		unsigned char ch;

		if (p->pos >= p->n || p->s[p->pos] == '\n')
			return vp_fail(p, start, "unterminated string");
		ch = (unsigned char)p->s[p->pos];
		if (ch == '\'')
			break;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return vp_fail(p, p->pos, "control character in string");
		p->pos++;
	}
	out = strndup(p->s + from, p->pos - from);
	if (!out)
		return -ENOMEM;
	p->pos++;
	*ret = out;
	return 0;
}

/* A key or a part of a section name: bare, "basic" or 'literal'. */
static int vp_key_part(struct vparse *p, const char *what, char **ret)
{
	size_t start = p->pos;
	char *s;

	if (p->pos < p->n && p->s[p->pos] == '"')
		return vp_basic_string(p, ret);
	if (p->pos < p->n && p->s[p->pos] == '\'')
		return vp_literal_string(p, ret);
	while (p->pos < p->n && is_bare_key_char(p->s[p->pos]))
		p->pos++;
	if (p->pos == start) {
		if (p->pos >= p->n || is_ws(p->s[p->pos]) || p->s[p->pos] == '=' ||
		    p->s[p->pos] == '.' || p->s[p->pos] == ']')
			return vp_fail(p, start, "missing %s", what);
		return vp_fail(p, start,
			       "invalid character in %s (a bare name is A-Z a-z 0-9 _ -; "
			       "quote other names)",
			       what);
	}
	s = strndup(p->s + start, p->pos - start);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static bool is_token_char(char ch)
{
	return is_bare_key_char(ch) || ch == '+' || ch == '.' || ch == ':';
}

static bool token_is(const char *t, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(t, word, n) == 0;
}

static int digit_value(char ch, unsigned base)
{
	int v = hex_value(ch);

	return v >= 0 && (unsigned)v < base ? v : -1;
}

/*
 * Digits (with '_' between digits) in base, into *ret, at most limit.
 * t/n: the digits; pos: their offset for messages.
 */
static int vp_digits(struct vparse *p, size_t pos, const char *t, size_t n, unsigned base,
		     uint64_t limit, uint64_t *ret)
{
	uint64_t u = 0;
	bool prev_digit = false;

	if (n == 0)
		return vp_fail(p, pos, "invalid integer");
	for (size_t i = 0; i < n; i++) {
		int d;

		if (t[i] == '_') {
			if (!prev_digit || i + 1 >= n || digit_value(t[i + 1], base) < 0)
				return vp_fail(p, pos,
					       "invalid integer: '_' must stand between digits");
			prev_digit = false;
			continue;
		}
		d = digit_value(t[i], base);
		if (d < 0)
			return vp_fail(p, pos, "invalid integer");
		if (u > (limit - (uint64_t)d) / base)
			return vp_fail(p, pos, "integer out of range (64-bit signed)");
		u = u * base + (uint64_t)d;
		prev_digit = true;
	}
	*ret = u;
	return 0;
}

/* A bare token at p->pos: boolean or integer; floats, dates and words are errors. */
static int vp_token(struct vparse *p, struct conf_value *v)
{
	size_t start = p->pos, n, i = 0;
	const char *t = p->s + start;
	bool neg = false;
	uint64_t u;
	int r;

	while (p->pos < p->n && is_token_char(p->s[p->pos]))
		p->pos++;
	n = p->pos - start;
	if (n == 0) {
		if (p->pos < p->n && p->s[p->pos] == ';')
			return vp_fail(p, start,
				       "missing value (';' does not start a comment in "
				       "TOML, use '#')");
		return vp_fail(p, start, "invalid value (strings must be quoted)");
	}
	if (token_is(t, n, "true") || token_is(t, n, "false")) {
		v->type = CONF_TYPE_BOOL;
		v->boolean = t[0] == 't';
		return 0;
	}
	if (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-';
		i = 1;
	}
	if (token_is(t + i, n - i, "inf") || token_is(t + i, n - i, "nan"))
		return vp_fail(p, start, "floats are not supported");
	if (memchr(t, ':', n) || (n >= 5 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) &&
				  is_digit(t[3]) && t[4] == '-'))
		return vp_fail(p, start, "dates and times are not supported");
	if (i >= n || !is_digit(t[i])) {
		if (i == 0)
			return vp_fail(p, start, "invalid value (strings must be quoted)");
		return vp_fail(p, start, "invalid integer");
	}
	if (t[i] == '0' && i + 1 < n && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
		unsigned base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;

		if (i > 0)
			return vp_fail(p, start,
				       "invalid integer: no sign allowed with 0x, 0o or 0b");
		r = vp_digits(p, start, t + 2, n - 2, base, INT64_MAX, &u);
		if (r < 0)
			return r;
		v->type = CONF_TYPE_INT;
		v->integer = (int64_t)u;
		return 0;
	}
	if (memchr(t, '.', n) || memchr(t, 'e', n) || memchr(t, 'E', n))
		return vp_fail(p, start, "floats are not supported");
	if (t[i] == '0' && i + 1 < n && (is_digit(t[i + 1]) || t[i + 1] == '_'))
		return vp_fail(p, start, "invalid integer: leading zeros are not allowed");
	r = vp_digits(p, start, t + i, n - i, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &u);
	if (r < 0)
		return r;
	v->type = CONF_TYPE_INT;
	if (!neg)
		v->integer = (int64_t)u;
	else if (u == (uint64_t)INT64_MAX + 1)
		v->integer = INT64_MIN;
	else
		v->integer = -(int64_t)u;
	return 0;
}

/* Blanks, newlines and comments between array elements. */
static void vp_skip_array_space(struct vparse *p)
{
	while (p->pos < p->n) {
		char ch = p->s[p->pos];

		if (is_ws(ch) || ch == '\n')
			p->pos++;
		else if (ch == '#') {
			while (p->pos < p->n && p->s[p->pos] != '\n')
				p->pos++;
		} else
			break;
	}
}

static int vp_value(struct vparse *p, struct conf_value *v, unsigned depth);

static int vp_array(struct vparse *p, struct conf_value *v, unsigned depth)
{
	_cleanup_(value_donep) struct conf_value arr = {.type = CONF_TYPE_ARRAY};
	size_t start = p->pos, cap = 0;
	int r;

	if (depth >= CX_MAX_CONF_ARRAY_DEPTH)
		return vp_fail(p, start, "arrays nested too deeply (max %d levels)",
			       CX_MAX_CONF_ARRAY_DEPTH);
	p->pos++;
	for (;;) {
		struct conf_value *items;

		vp_skip_array_space(p);
		if (p->pos >= p->n)
			return vp_fail(p, start, "unterminated array");
		if (p->s[p->pos] == ']')
			break;
		if (arr.array.n_items >= CX_MAX_CONF_ARRAY)
			return vp_fail(p, p->pos, "too many array elements (max %d)",
				       CX_MAX_CONF_ARRAY);
		items = grow_array(arr.array.items, &cap, arr.array.n_items + 1, sizeof(*items));
		if (!items)
			return -ENOMEM;
		arr.array.items = items;
		r = vp_value(p, &arr.array.items[arr.array.n_items], depth + 1);
		if (r < 0)
			return r;
		arr.array.n_items++;
		vp_skip_array_space(p);
		if (p->pos >= p->n)
			return vp_fail(p, start, "unterminated array");
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == ']')
			break;
		return vp_fail(p, p->pos, "expected ',' or ']' in array");
	}
	p->pos++; /* ']' */
	*v = value_take(&arr);
	return 0;
}

static int vp_value(struct vparse *p, struct conf_value *v, unsigned depth)
{
	char ch = vp_peek(p, 0);
	int r;

	switch (ch) {
	case '\0':
	case '\n':
	case '#':
	case ',':
		return vp_fail(p, p->pos, "missing value");
	case '"':
		r = vp_basic_string(p, &v->str);
		break;
	case '\'':
		r = vp_literal_string(p, &v->str);
		break;
	case '[':
		return vp_array(p, v, depth);
	case '{':
		return vp_fail(p, p->pos, "inline tables are not supported");
	default:
		return vp_token(p, v);
	}
	if (r >= 0)
		v->type = CONF_TYPE_STRING;
	return r;
}

/* A whole value: the value, then optional blanks and a '#' comment. */
static int vp_toplevel(struct vparse *p, struct conf_value *v)
{
	int r;

	r = vp_value(p, v, 0);
	if (r < 0)
		return r;
	vp_skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == '#')
		while (p->pos < p->n && p->s[p->pos] != '\n')
			p->pos++;
	if (p->pos < p->n) {
		value_done(v);
		if (p->s[p->pos] == ';')
			return vp_fail(p, p->pos, "';' does not start a comment in TOML (use '#')");
		return vp_fail(p, p->pos, "unexpected text after value");
	}
	return 0;
}

/*
 * A section header at p->pos ('['): dotted parts, the closing ']', then
 * blanks and an optional comment.  *ret_close: offset of the ']'.
 */
static int vp_header(struct vparse *p, char ***ret_parts, size_t *ret_n, size_t *ret_close)
{
	_cleanup_strv_free_ char **parts = NULL;
	size_t n = 0, cap = 0, close;
	int r;

	if (vp_peek(p, 1) == '[')
		return vp_fail(p, p->pos, "arrays of tables ([[...]]) are not supported");
	p->pos++;
	for (;;) {
		char **q;

		vp_skip_ws(p);
		q = grow_array(parts, &cap, n + 2, sizeof(*parts));
		if (!q)
			return -ENOMEM;
		parts = q;
		parts[n] = NULL;
		r = vp_key_part(p, "section name", &parts[n]);
		if (r < 0)
			return r;
		parts[++n] = NULL;
		vp_skip_ws(p);
		if (p->pos >= p->n)
			return vp_fail(p, p->pos, "missing ']' after section name");
		if (p->s[p->pos] == '.') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == ']')
			break;
		return vp_fail(p, p->pos, "invalid character in section name");
	}
	close = p->pos++;
	vp_skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] != '#') {
		if (p->s[p->pos] == ';')
			return vp_fail(p, p->pos, "';' does not start a comment in TOML (use '#')");
		if (p->s[p->pos] == ']')
			return vp_fail(p, p->pos, "arrays of tables ([[...]]) are not supported");
		return vp_fail(p, p->pos, "unexpected text after section header");
	}
	*ret_parts = TAKE_PTR(parts);
	*ret_n = n;
	*ret_close = close;
	return 0;
}

/* Appends the canonical form of one key or section part. */
static int canon_part(struct sbuf *b, const char *part)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	if (is_bare_key(part))
		return sbuf_add(b, part, strlen(part));
	r = sbuf_addc(b, '"');
	for (const char *s = part; r >= 0 && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[7] = "\\u00";

		switch (ch) {
		case '"':
			r = sbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			r = sbuf_add(b, "\\\\", 2);
			break;
		case '\b':
			r = sbuf_add(b, "\\b", 2);
			break;
		case '\t':
			r = sbuf_add(b, "\\t", 2);
			break;
		case '\n':
			r = sbuf_add(b, "\\n", 2);
			break;
		case '\f':
			r = sbuf_add(b, "\\f", 2);
			break;
		case '\r':
			r = sbuf_add(b, "\\r", 2);
			break;
		default:
			if (ch < 0x20 || ch == 0x7f) {
				esc[4] = hex[ch >> 4];
				esc[5] = hex[ch & 15];
				r = sbuf_add(b, esc, 6);
			} else
				r = sbuf_addc(b, (char)ch);
		}
	}
	if (r >= 0)
		r = sbuf_addc(b, '"');
	return r;
}

/* parts[0..n) and then last (when not NULL), canonical, joined with '.'. */
static int canon_join(const char *const *parts, size_t n, const char *last, char **ret)
{
	struct sbuf b = {0};
	int r = sbuf_add(&b, "", 0);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (!parts[i])
			r = -EINVAL;
		else if (i > 0)
			r = sbuf_addc(&b, '.');
		if (r >= 0)
			r = canon_part(&b, parts[i]);
	}
	if (r >= 0 && last) {
		if (n > 0)
			r = sbuf_addc(&b, '.');
		if (r >= 0)
			r = canon_part(&b, last);
	}
	if (r < 0) {
		free(b.p);
		return r;
	}
	*ret = b.p;
	return 0;
}

int conf_section_join(const char *const *parts, size_t n, char **ret)
{
	if (n > 0 && !parts)
		return -EINVAL;
	return canon_join(parts, n, NULL, ret);
}

/* ------------------------------------------------------------ TOML paths per file */

/*
 * The dotted paths one file defines, to enforce TOML's rules: a key once
 * per table, a table header once, and no path both a key and a table.
 */
enum path_kind {
	PATH_NONE,
	PATH_KEY,
	PATH_TABLE, /* [header] */
	PATH_TABLE_IMPLICIT, /* a prefix of a header */
};

struct path_slot {
	char *path;
	enum path_kind kind;
	unsigned line;
};

struct pathset {
	struct path_slot *slots;
	size_t cap, n; /* cap: 0 or a power of two */
};

static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct path_slot *pathset_slot(const struct pathset *ps, const char *path)
{
	size_t mask = ps->cap - 1, i = (size_t)path_hash(path) & mask;

	while (ps->slots[i].path && strcmp(ps->slots[i].path, path) != 0)
		i = (i + 1) & mask;
	return &ps->slots[i];
}

static struct path_slot *pathset_get(const struct pathset *ps, const char *path)
{
	struct path_slot *sl;

	if (ps->cap == 0)
		return NULL;
	sl = pathset_slot(ps, path);
	return sl->path ? sl : NULL;
}

/* Adds a path not yet in the set; takes ownership of path. */
static int pathset_add(struct pathset *ps, char *path, enum path_kind kind, unsigned line)
{
	struct path_slot *sl;

	if ((ps->n + 1) * 2 > ps->cap) {
		struct pathset bigger = {.cap = ps->cap ? ps->cap * 2 : 64};

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots) {
			free(path);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ps->cap; i++)
			if (ps->slots[i].path)
				*pathset_slot(&bigger, ps->slots[i].path) = ps->slots[i];
		bigger.n = ps->n;
		free(ps->slots);
		*ps = bigger;
	}
	sl = pathset_slot(ps, path);
	sl->path = path;
	sl->kind = kind;
	sl->line = line;
	ps->n++;
	return 0;
}

static void pathset_done(struct pathset *ps)
{
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->slots[i].path);
	free(ps->slots);
	*ps = (struct pathset){0};
}

/* ------------------------------------------------------------ the document */

struct conf_doc *conf_doc_new(void)
{
	return calloc(1, sizeof(struct conf_doc));
}

static void section_free(struct conf_section *s)
{
	if (!s)
		return;
	strv_free(s->parts);
	free(s->name);
	free(s);
}

static void entry_free(struct conf_entry *e)
{
	if (!e)
		return;
	value_done(&e->value);
	free((char *)e->key);
	free(e);
}

static struct doc_mark doc_mark(const struct conf_doc *doc)
{
	return (struct doc_mark){doc->n_entries, doc->n_sections, doc->n_files};
}

/* Drops everything added after mark. */
static void doc_rollback(struct conf_doc *doc, struct doc_mark m)
{
	while (doc->n_entries > m.n_entries)
		entry_free(doc->entries[--doc->n_entries]);
	while (doc->n_sections > m.n_sections)
		section_free(doc->sections[--doc->n_sections]);
	while (doc->n_files > m.n_files)
		free(doc->files[--doc->n_files]);
}

void conf_doc_free(struct conf_doc *doc)
{
	if (!doc)
		return;
	doc_rollback(doc, (struct doc_mark){0, 0, 0});
	free(doc->entries);
	free(doc->sections);
	free(doc->files);
	free(doc);
}

size_t conf_doc_n_files(const struct conf_doc *doc)
{
	return doc ? doc->n_files : 0;
}

const char *conf_doc_file(const struct conf_doc *doc, size_t i)
{
	return doc && i < doc->n_files ? doc->files[i] : NULL;
}

size_t conf_doc_n_entries(const struct conf_doc *doc)
{
	return doc ? doc->n_entries : 0;
}

const struct conf_entry *conf_doc_entry(const struct conf_doc *doc, size_t i)
{
	return doc && i < doc->n_entries ? doc->entries[i] : NULL;
}

const struct conf_entry *conf_doc_get(const struct conf_doc *doc, const char *section,
				      const char *key)
{
	if (!doc || !key)
		return NULL;
	if (!section)
		section = "";
	for (size_t i = doc->n_entries; i > 0; i--) {
		const struct conf_entry *e = doc->entries[i - 1];

		if (strcmp(e->key, key) == 0 && strcmp(e->section, section) == 0)
			return e;
	}
	return NULL;
}

/* ------------------------------------------------------------ one parse */

enum line_kind {
	LINE_COMMENT, /* also blank */
	LINE_SECTION,
	LINE_KEY,
	LINE_CONT, /* an indented line inih passes as the previous key again */
};

struct pctx {
	struct conf_doc *doc;
	const char *file; /* owned by doc */
	const char *buf;
	size_t len, pos;
	unsigned lineno;
	char *err;
	size_t errsz;
	int r; /* first error */
	struct pathset paths;

	/* Our copy of inih's state. */
	bool have_prev_name;
	char prev_raw_key[CX_MAX_CONF_KEY + 1]; /* inih's prev_name: the key as written */
	char ini_section[CX_CONF_INIH_SECTION + 1];
	bool section_alias; /* the header reaches inih as "[#LINE]" */
	/* Set when inih is handed a short stand-in of the line (too long for it). */
	char subst[CX_MAX_CONF_KEY + 8];
	bool subst_value; /* the handler then sees the value "x" */
	struct conf_section *section; /* NULL: keys before any header */
	struct conf_section *root;

	/* The handler call predicted for the current line. */
	bool expect_call;
	enum line_kind kind;
	char *line_key; /* LINE_KEY: the unquoted key */
	const char *val;
	size_t val_len; /* the raw value: after '=' (or the whole line), trimmed */
	size_t val_cut_len; /* the same cut where inih sees an inline ';' comment, trimmed */

	/* A multi-line array being collected. */
	struct {
		bool active;
		char *key;
		struct conf_section *section;
		unsigned start_line, last_line;
		int depth;
		struct sbuf text;
	} pend;
};

static int ctx_fail(struct pctx *c, unsigned line, int r, const char *fmt, ...) _printf_(4, 5);
static int ctx_fail(struct pctx *c, unsigned line, int r, const char *fmt, ...)
{
	char fbuf[MSG_FILE_SIZE], msg[384];
	va_list ap;

	if (c->r < 0)
		return c->r;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(c->err, c->errsz, "%s:%u: %s", msg_file(fbuf, c->file), line, msg);
	c->r = r;
	return r;
}

/* An error from the TOML parser on text that starts at line first_line. */
static int ctx_fail_vp(struct pctx *c, const struct vparse *p, unsigned first_line, int r)
{
	unsigned line = first_line;

	if (r != -EINVAL)
		return ctx_fail(c, first_line, r, "%s", strerror(-r));
	for (size_t i = 0; i < p->epos && i < p->n; i++)
		if (p->s[i] == '\n')
			line++;
	return ctx_fail(c, line, r, "%s", p->emsg);
}

static int ctx_internal(struct pctx *c, const char *what)
{
	return ctx_fail(c, c->lineno, -ENOTRECOVERABLE,
			"internal error: the INI reader read this line differently (%s)", what);
}

/*
 * inih's search for a separator or an inline comment: the first byte in
 * chars, or a ';' after a blank.  Returns its offset, or n.
 */
static size_t ini_find(const char *s, size_t n, const char *chars)
{
	bool was_space = false;

	for (size_t i = 0; i < n; i++) {
		if (chars && strchr(chars, s[i]))
			return i;
		if (was_space && s[i] == ';')
			return i;
		was_space = is_ws(s[i]);
	}
	return n;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((*s)[*n - 1]))
		(*n)--;
}

/* Records the value text of a key or continuation line for the handler. */
static void ctx_set_value(struct pctx *c, const char *s, size_t n)
{
	const char *cut = s;
	size_t cut_n = ini_find(s, n, NULL);

	trim(&s, &n);
	trim(&cut, &cut_n);
	c->val = s;
	c->val_len = n;
	c->val_cut_len = cut_n;
	/* Both start at the first non-blank byte, so they share a start. */
}

static int ctx_root(struct pctx *c, struct conf_section **ret)
{
	struct conf_section *s;
	struct conf_section **q;

	if (c->root) {
		*ret = c->root;
		return 0;
	}
	if (c->doc->n_sections >= CX_MAX_CONF_SECTIONS)
		return ctx_fail(c, c->lineno, -E2BIG, "too many sections (max %d)",
				CX_MAX_CONF_SECTIONS);
	q = grow_array(c->doc->sections, &c->doc->cap_sections, c->doc->n_sections + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	c->doc->sections = q;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->parts = calloc(1, sizeof(char *));
	s->name = strdup("");
	if (!s->parts || !s->name) {
		section_free(s);
		return -ENOMEM;
	}
	c->doc->sections[c->doc->n_sections++] = s;
	*ret = c->root = s;
	return 0;
}

/* A section header line: parts already parsed; check TOML's rules, record it. */
static int ctx_add_section(struct pctx *c, char **parts, size_t n)
{
	_cleanup_strv_free_ char **owned = parts;
	char qbuf[MSG_QUOTE_SIZE];
	struct conf_section *s;
	struct conf_section **q;
	int r;

	/* Every proper prefix is an implicit table, which must not be a key. */
	for (size_t k = 1; k <= n; k++) {
		_cleanup_free_ char *path = NULL;
		struct path_slot *sl;

		r = canon_join((const char *const *)parts, k, NULL, &path);
		if (r < 0)
			return r;
		sl = pathset_get(&c->paths, path);
		if (sl && sl->kind == PATH_KEY)
			return ctx_fail(c, c->lineno, -EINVAL,
					"section %s conflicts with the key defined at line %u",
					msg_quote(qbuf, path, strlen(path)), sl->line);
		if (k == n && sl && sl->kind == PATH_TABLE)
			return ctx_fail(c, c->lineno, -EINVAL,
					"duplicate section %s (first at line %u)",
					msg_quote(qbuf, path, strlen(path)), sl->line);
		if (sl) {
			if (k == n)
				sl->kind = PATH_TABLE;
			continue;
		}
		r = pathset_add(&c->paths, TAKE_PTR(path),
				k == n ? PATH_TABLE : PATH_TABLE_IMPLICIT, c->lineno);
		if (r < 0)
			return r;
	}

	if (c->doc->n_sections >= CX_MAX_CONF_SECTIONS)
		return ctx_fail(c, c->lineno, -E2BIG, "too many sections (max %d)",
				CX_MAX_CONF_SECTIONS);
	q = grow_array(c->doc->sections, &c->doc->cap_sections, c->doc->n_sections + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	c->doc->sections = q;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = canon_join((const char *const *)parts, n, NULL, &s->name);
	if (r < 0) {
		free(s);
		return r;
	}
	s->parts = TAKE_PTR(owned);
	s->n_parts = n;
	c->doc->sections[c->doc->n_sections++] = s;
	c->section = s;
	return 0;
}

/*
 * A parsed key = value: check TOML's rules, append the entry.  Takes key;
 * moves *value into the entry on success.
 */
static int ctx_add_entry(struct pctx *c, struct conf_section *section, char *key,
			 struct conf_value *value, unsigned line)
{
	_cleanup_free_ char *owned_key = key, *path = NULL;
	char qbuf[MSG_QUOTE_SIZE];
	const struct path_slot *sl;
	struct conf_entry *e, **q;
	int r;

	if (!section) {
		r = ctx_root(c, &section);
		if (r < 0)
			return r;
	}
	r = canon_join((const char *const *)section->parts, section->n_parts, key, &path);
	if (r < 0)
		return r;
	sl = pathset_get(&c->paths, path);
	if (sl && sl->kind == PATH_KEY)
		return ctx_fail(c, line, -EINVAL, "duplicate key %s (first at line %u)",
				msg_quote(qbuf, key, strlen(key)), sl->line);
	if (sl)
		return ctx_fail(c, line, -EINVAL,
				"key %s conflicts with the section defined at line %u",
				msg_quote(qbuf, key, strlen(key)), sl->line);
	if (c->doc->n_entries >= CX_MAX_CONF_ENTRIES)
		return ctx_fail(c, line, -E2BIG, "too many keys (max %d)", CX_MAX_CONF_ENTRIES);
	q = grow_array(c->doc->entries, &c->doc->cap_entries, c->doc->n_entries + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	c->doc->entries = q;
	r = pathset_add(&c->paths, TAKE_PTR(path), PATH_KEY, line);
	if (r < 0)
		return r;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->section_parts = (const char *const *)section->parts;
	e->n_section_parts = section->n_parts;
	e->section = section->name;
	e->key = TAKE_PTR(owned_key);
	e->value = value_take(value);
	e->file = c->file;
	e->line = line;
	c->doc->entries[c->doc->n_entries++] = e;
	return 0;
}

/* Parses a complete value text (first line first_line) and adds the entry.  Takes key. */
static int ctx_parse_value(struct pctx *c, struct conf_section *section, char *key,
			   const char *text, size_t len, unsigned first_line)
{
	_cleanup_(value_donep) struct conf_value v = {.type = CONF_TYPE_BOOL};
	struct vparse p = {.s = text, .n = len};
	int r;

	r = vp_toplevel(&p, &v);
	if (r < 0) {
		free(key);
		return ctx_fail_vp(c, &p, first_line, r);
	}
	return ctx_add_entry(c, section, key, &v, first_line);
}

enum scan { SCAN_OPEN, SCAN_CLOSED, SCAN_BAD };

/*
 * Follows the '[' and ']' of an array value through one more line to see
 * whether it has closed; strings and comments end with their line.  The
 * full parse decides whether the text is valid; SCAN_BAD (an unterminated
 * string, nesting past the limit) makes it run at once, for the error.
 */
static enum scan scan_brackets(const char *s, size_t n, int *depth)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '#') {
			while (i + 1 < n && s[i + 1] != '\n')
				i++;
		} else if (ch == '"' || ch == '\'') {
			for (i++;; i++) {
				if (i >= n || s[i] == '\n')
					return SCAN_BAD;
				if (s[i] == ch)
					break;
				if (ch == '"' && s[i] == '\\')
					i++;
			}
		} else if (ch == '[') {
			if (++*depth > CX_MAX_CONF_ARRAY_DEPTH)
				return SCAN_BAD;
		} else if (ch == ']') {
			if (--*depth <= 0)
				return SCAN_CLOSED;
		}
	}
	return SCAN_OPEN;
}

static void pend_reset(struct pctx *c)
{
	free(c->pend.key);
	free(c->pend.text.p);
	c->pend.key = NULL;
	c->pend.text = (struct sbuf){0};
	c->pend.active = false;
}

/* The handler's work for a "key = value" line. */
static int ctx_key_line(struct pctx *c)
{
	char *key = TAKE_PTR(c->line_key);
	int depth = 0;
	int r;

	if (c->val_len > 0 && c->val[0] == '[' &&
	    scan_brackets(c->val, c->val_len, &depth) == SCAN_OPEN) {
		r = sbuf_add(&c->pend.text, c->val, c->val_len);
		if (r < 0) {
			free(key);
			return r;
		}
		c->pend.active = true;
		c->pend.key = key;
		c->pend.section = c->section;
		c->pend.start_line = c->pend.last_line = c->lineno;
		c->pend.depth = depth;
		return 0;
	}
	return ctx_parse_value(c, c->section, key, c->val, c->val_len, c->lineno);
}

/* The handler's work for an indented line. */
static int ctx_continuation(struct pctx *c)
{
	char qbuf[MSG_QUOTE_SIZE];
	size_t before;
	enum scan st;
	char *key;
	int r;

	if (!c->pend.active)
		return ctx_fail(c, c->lineno, -EINVAL,
				"duplicate key %s (an indented line continues the previous key; "
				"only lines of a multi-line array may be indented)",
				msg_quote(qbuf, c->prev_raw_key, strlen(c->prev_raw_key)));
	if (c->pend.text.n + (c->lineno - c->pend.last_line) + c->val_len > CX_MAX_CONF_MULTILINE)
		return ctx_fail(c, c->pend.start_line, -EINVAL,
				"multi-line array too long (max %d bytes)", CX_MAX_CONF_MULTILINE);
	/* One '\n' per line since the last one, so offsets map back to lines. */
	for (; c->pend.last_line < c->lineno; c->pend.last_line++) {
		r = sbuf_addc(&c->pend.text, '\n');
		if (r < 0)
			return r;
	}
	before = c->pend.text.n;
	r = sbuf_add(&c->pend.text, c->val, c->val_len);
	if (r < 0)
		return r;
	st = scan_brackets(c->pend.text.p + before, c->pend.text.n - before, &c->pend.depth);
	if (st == SCAN_OPEN)
		return 0;
	key = TAKE_PTR(c->pend.key);
	r = ctx_parse_value(c, c->pend.section, key, c->pend.text.p, c->pend.text.n,
			    c->pend.start_line);
	pend_reset(c);
	return r;
}

static bool same_text(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

static int conf_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	int r;

	if (c->r < 0)
		return 0;
	if (!c->expect_call)
		r = ctx_internal(c, "unexpected value");
	else if (!section || !name || !value)
		r = ctx_internal(c, "missing value");
	else if (strcmp(section, c->ini_section) != 0)
		r = ctx_internal(c, "section");
	else if (strcmp(name, c->prev_raw_key) != 0)
		r = ctx_internal(c, "key");
	/* inih's value, with or without its inline-comment cut (versions differ). */
	else if (c->subst_value ? strcmp(value, "x") != 0
				: !same_text(value, c->val, c->val_len) &&
					  !same_text(value, c->val, c->val_cut_len))
		r = ctx_internal(c, "value");
	else {
		c->expect_call = false;
		r = c->kind == LINE_KEY ? ctx_key_line(c) : ctx_continuation(c);
	}
	if (r < 0) {
		if (c->r == 0)
			ctx_fail(c, c->lineno, r, "%s", strerror(-r));
		return 0; /* inih's convention: zero is failure */
	}
	return 1;
}

/* A section header line (s: from the '[', n: up to the last non-blank). */
static int reader_section(struct pctx *c, const char *s, size_t n)
{
	struct vparse p = {.s = s, .n = n};
	char **parts = NULL;
	size_t n_parts = 0, close = 0, stop;
	int r;

	r = vp_header(&p, &parts, &n_parts, &close);
	if (r < 0)
		return ctx_fail_vp(c, &p, c->lineno, r);
	/* inih takes the section name up to the first ']' or blank + ';'. */
	stop = 1 + ini_find(s + 1, n - 1, "]");
	if (stop != close) {
		strv_free(parts);
		if (stop < n && s[stop] == ']')
			return ctx_fail(c, c->lineno, -EINVAL,
					"']' inside a quoted section name is not supported");
		return ctx_fail(c, c->lineno, -EINVAL,
				"';' after a blank inside a quoted section name is not supported");
	}
	if (close - 1 > CX_MAX_CONF_SECTION) {
		strv_free(parts);
		return ctx_fail(c, c->lineno, -EINVAL, "section name too long (max %d bytes)",
				CX_MAX_CONF_SECTION);
	}
	r = ctx_add_section(c, parts, n_parts);
	if (r < 0)
		return c->r < 0 ? c->r : ctx_fail(c, c->lineno, r, "%s", strerror(-r));
	/*
	 * inih keeps 50 bytes of a section name; a longer one (a project path)
	 * reaches it as "[#LINE]".  The real name was parsed here already.
	 */
	c->section_alias = close - 1 > CX_CONF_INIH_SECTION;
	if (c->section_alias)
		snprintf(c->ini_section, sizeof(c->ini_section), "#%u", c->lineno);
	else {
		memcpy(c->ini_section, s + 1, close - 1);
		c->ini_section[close - 1] = '\0';
	}
	c->have_prev_name = false;
	c->prev_raw_key[0] = '\0';
	return 0;
}

/* A key line (s: from the key, n: up to the last non-blank). */
static int reader_key(struct pctx *c, const char *s, size_t n)
{
	struct vparse p = {.s = s, .n = n};
	_cleanup_free_ char *key = NULL;
	size_t key_end, split;
	int r;

	r = vp_key_part(&p, "key", &key);
	if (r < 0)
		return ctx_fail_vp(c, &p, c->lineno, r);
	key_end = p.pos;
	vp_skip_ws(&p);
	if (p.pos >= n)
		return ctx_fail(c, c->lineno, -EINVAL, "expected '=' after the key");
	switch (s[p.pos]) {
	case '=':
		break;
	case '.':
		return ctx_fail(c, c->lineno, -EINVAL,
				"dotted keys are not supported (use a [section])");
	case ':':
		return ctx_fail(c, c->lineno, -EINVAL, "':' is not a separator in TOML (use '=')");
	default:
		return ctx_fail(c, c->lineno, -EINVAL, "expected '=' after the key");
	}
	if (key_end > CX_MAX_CONF_KEY)
		return ctx_fail(c, c->lineno, -EINVAL, "key too long (max %d bytes)",
				CX_MAX_CONF_KEY);
	/* inih splits the line at the first '=' or ':' (or stops at blank + ';'). */
	split = ini_find(s, n, "=:");
	if (split != p.pos)
		return ctx_fail(c, c->lineno, -EINVAL,
				"'=', ':' or ' ;' inside a quoted key is not supported");
	memcpy(c->prev_raw_key, s, key_end);
	c->prev_raw_key[key_end] = '\0';
	c->have_prev_name = true;
	free(c->line_key);
	c->line_key = TAKE_PTR(key);
	ctx_set_value(c, s + p.pos + 1, n - p.pos - 1);
	return 0;
}

/*
 * Checks the line (s, n: without its line end) and works out what inih will
 * do with it.  0 when the line may go to inih.
 */
static int reader_line(struct pctx *c, const char *s, size_t n)
{
	size_t i0 = 0, end = n;
	char qbuf[MSG_QUOTE_SIZE];

	if (n > CX_MAX_CONF_LINE)
		return ctx_fail(c, c->lineno, -EINVAL, "line too long (max %d bytes)",
				CX_MAX_CONF_LINE);
	if (memchr(s, '\0', n))
		return ctx_fail(c, c->lineno, -EINVAL, "NUL byte in line");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return ctx_fail(c, c->lineno, -EINVAL, "control character 0x%02x in line",
					ch);
	}
	if (!utf8_is_valid(s, n))
		return ctx_fail(c, c->lineno, -EINVAL, "invalid UTF-8");

	while (i0 < n && is_ws(s[i0]))
		i0++;
	while (end > i0 && is_ws(s[end - 1]))
		end--;

	c->kind = LINE_COMMENT;
	if (i0 == end || s[i0] == '#')
		return 0;
	if (s[i0] == ';')
		return ctx_fail(c, c->lineno, -EINVAL,
				"';' does not start a comment in TOML (use '#')");
	if (c->have_prev_name && i0 > 0) {
		c->kind = LINE_CONT;
		c->expect_call = true;
		ctx_set_value(c, s + i0, end - i0);
		return 0;
	}
	if (c->pend.active)
		return ctx_fail(c, c->lineno, -EINVAL,
				"the array of key %s (line %u) is not closed: indent its "
				"continuation lines, including the closing ']'",
				msg_quote(qbuf, c->pend.key, strlen(c->pend.key)),
				c->pend.start_line);
	if (s[i0] == '[') {
		c->kind = LINE_SECTION;
		return reader_section(c, s + i0, end - i0);
	}
	c->kind = LINE_KEY;
	c->expect_call = true;
	return reader_key(c, s + i0, end - i0);
}

/* inih's ini_reader: the next line of the buffer, checked, or NULL to stop. */
static char *conf_ini_reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;
	const char *s, *nl;
	size_t n;

	if (c->r < 0 || c->pos >= c->len)
		return NULL;
	if (c->expect_call) {
		ctx_internal(c, "no value");
		return NULL;
	}
	s = c->buf + c->pos;
	nl = memchr(s, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - s) : c->len - c->pos;
	c->pos += n + (nl ? 1 : 0);
	c->lineno++;
	if (nl && n > 0 && s[n - 1] == '\r')
		n--;
	if (c->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	c->subst_value = false;
	c->section_alias = false;
	if (reader_line(c, s, n) < 0)
		return NULL;
	/*
	 * Never let inih split a line: one longer than its buffer (or than
	 * CX_CONF_INIH_LINE), and a header whose name it would cut, are handed
	 * over as a short stand-in that makes inih do the same thing: "[#LINE]",
	 * "KEY = x", an indented "x", or "#".  This reader has parsed the real
	 * line already; the handler knows to expect "x".
	 */
	if (num < 16) {
		ctx_internal(c, "inih buffer");
		return NULL;
	}
	if (n > (size_t)num - 2 || n > CX_CONF_INIH_LINE || c->section_alias) {
		switch (c->kind) {
		case LINE_SECTION:
			snprintf(c->subst, sizeof(c->subst), "[%s]", c->ini_section);
			break;
		case LINE_KEY:
			snprintf(c->subst, sizeof(c->subst), "%s = x", c->prev_raw_key);
			c->subst_value = true;
			break;
		case LINE_CONT:
			snprintf(c->subst, sizeof(c->subst), "\tx");
			c->subst_value = true;
			break;
		case LINE_COMMENT:
		default:
			snprintf(c->subst, sizeof(c->subst), "#");
			break;
		}
		s = c->subst;
		n = strlen(c->subst);
		if (n > (size_t)num - 2) {
			ctx_internal(c, "stand-in line");
			return NULL;
		}
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

int conf_parse_buffer(const char *buf, size_t len, const char *name, struct conf_doc *doc,
		      char *err, size_t errsz)
{
	struct doc_mark mark;
	struct pctx c;
	char **files;
	char *file;
	int r;

	if (!doc || (!buf && len > 0))
		return -EINVAL;
	if (!name)
		name = "(buffer)";
	if (len > CX_MAX_CONF_FILE)
		return file_err(err, errsz, -EFBIG, name, "file too large (max %d bytes)",
				CX_MAX_CONF_FILE);
	mark = doc_mark(doc);
	files = grow_array(doc->files, &doc->cap_files, doc->n_files + 1, sizeof(*files));
	if (!files)
		return file_err(err, errsz, -ENOMEM, name, "out of memory");
	doc->files = files;
	file = strdup(name);
	if (!file)
		return file_err(err, errsz, -ENOMEM, name, "out of memory");
	doc->files[doc->n_files++] = file;

	c = (struct pctx){
		.doc = doc,
		.file = file,
		.buf = buf,
		.len = len,
		.err = err,
		.errsz = errsz,
	};
	r = ini_parse_stream(conf_ini_reader, &c, conf_ini_handler, &c);
	if (c.r == 0) {
		if (c.expect_call)
			ctx_internal(&c, "no value");
		else if (r == -2)
			ctx_fail(&c, c.lineno, -ENOMEM, "out of memory");
		else if (r != 0) {
			c.lineno = r > 0 ? (unsigned)r : c.lineno;
			ctx_internal(&c, "inih reported an error");
		} else if (c.pend.active) {
			char qbuf[MSG_QUOTE_SIZE];

			ctx_fail(&c, c.pend.start_line, -EINVAL, "unterminated array (key %s)",
				 msg_quote(qbuf, c.pend.key, strlen(c.pend.key)));
		}
	}
	pend_reset(&c);
	free(c.line_key);
	pathset_done(&c.paths);
	if (c.r < 0) {
		doc_rollback(doc, mark);
		return c.r;
	}
	return 0;
}

/* ------------------------------------------------------------ files */

static int read_bounded(int fd, size_t hint, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = MIN(hint, (size_t)CX_MAX_CONF_FILE) + 1, n = 0;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			size_t ncap = MIN(cap * 2, (size_t)CX_MAX_CONF_FILE + 1);
			char *q;

			if (ncap <= cap)
				return -EFBIG;
			q = realloc(buf, ncap);
			if (!q)
				return -ENOMEM;
			buf = q;
			cap = ncap;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > CX_MAX_CONF_FILE)
		return -EFBIG;
	*ret = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}

/* Managed files and directories: root's, and only root may write them. */
static int check_managed(const struct stat *st, const char *name, char *err, size_t errsz)
{
	if (st->st_uid != 0)
		return file_err(err, errsz, -EPERM, name, "not owned by root (owner uid %u)",
				(unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return file_err(err, errsz, -EPERM, name, "writable by group or others (mode %04o)",
				(unsigned)(st->st_mode & 07777));
	return 0;
}

/*
 * Trust: in the daemon this runs as root, on paths the administrator
 * configured (never on a path a client names: user and project files reach
 * the daemon as text, through conf_parse_buffer()).  What is checked on
 * the open descriptor, so nothing can be swapped in between: a regular
 * file (not a FIFO or device that could block or feed endless data), with
 * CONF_LOAD_MANAGED owned by root and writable by nobody else, and at most
 * CX_MAX_CONF_FILE bytes read whatever the size fstat() reported.
 *
 * fd: opened O_NONBLOCK; name: for messages and entries.
 */
static int load_fd(int fd, const char *name, unsigned flags, struct conf_doc *doc, char *err,
		   size_t errsz)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len;
	int fl, r;

	if (fstat(fd, &st) < 0)
		return file_err(err, errsz, negative_errno(), name, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return file_err(err, errsz, -EISDIR, name, "is a directory");
	if (!S_ISREG(st.st_mode))
		return file_err(err, errsz, -EINVAL, name, "not a regular file");
	if (flags & CONF_LOAD_MANAGED) {
		r = check_managed(&st, name, err, errsz);
		if (r < 0)
			return r;
	}
	if (st.st_size > CX_MAX_CONF_FILE)
		return file_err(err, errsz, -EFBIG, name, "file too large (max %d bytes)",
				CX_MAX_CONF_FILE);
	/* Regular files never block; clear O_NONBLOCK anyway, as promised. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return file_err(err, errsz, negative_errno(), name, "%s", strerror(errno));
	r = read_bounded(fd, (size_t)st.st_size, &buf, &len);
	if (r == -EFBIG)
		return file_err(err, errsz, r, name, "file too large (max %d bytes)",
				CX_MAX_CONF_FILE);
	if (r < 0)
		return file_err(err, errsz, r, name, "%s", strerror(-r));
	return conf_parse_buffer(buf, len, name, doc, err, errsz);
}

static int open_err(int r, const char *name, char *err, size_t errsz)
{
	if (r == -ELOOP)
		return file_err(err, errsz, r, name, "is a symbolic link (not followed)");
	return file_err(err, errsz, r, name, "%s", strerror(-r));
}

int conf_load_file(const char *path, unsigned flags, struct conf_doc *doc, char *err, size_t errsz)
{
	_cleanup_close_ int fd = -1;

	if (!path || !doc)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int r = negative_errno();

		if (r == -ENOENT) {
			set_err(err, errsz, "%s", "");
			return r;
		}
		return open_err(r, path, err, errsz);
	}
	return load_fd(fd, path, flags, doc, err, errsz);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The drop-in names in d, sorted: a new NULL-terminated vector. */
static int list_dropins(DIR *d, const char *dir, char ***ret, char *err, size_t errsz)
{
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0, cap = 0;

	names = calloc(1, sizeof(*names));
	if (!names)
		return file_err(err, errsz, -ENOMEM, dir, "out of memory");
	for (;;) {
		struct dirent *de;
		char **q;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0)
				return file_err(err, errsz, negative_errno(), dir, "%s",
						strerror(errno));
			break;
		}
		if (!is_dropin_name(de->d_name))
			continue;
		if (n >= CX_MAX_CONF_FILES)
			return file_err(err, errsz, -E2BIG, dir, "too many drop-in files (max %d)",
					CX_MAX_CONF_FILES);
		q = grow_array(names, &cap, n + 2, sizeof(*names));
		if (!q)
			return file_err(err, errsz, -ENOMEM, dir, "out of memory");
		names = q;
		names[n] = strdup(de->d_name);
		if (!names[n])
			return file_err(err, errsz, -ENOMEM, dir, "out of memory");
		names[++n] = NULL;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	*ret = TAKE_PTR(names);
	return 0;
}

int conf_load_dropins(const char *dir, unsigned flags, struct conf_doc *doc, char *err,
		      size_t errsz)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int fd = -1;
	struct doc_mark mark;
	size_t dl;
	int r;

	if (!dir || !doc)
		return -EINVAL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return 0;
		if (r == -ENOTDIR)
			return file_err(err, errsz, r, dir,
					"not a directory (or a symbolic link, not followed)");
		return open_err(r, dir, err, errsz);
	}
	if (flags & CONF_LOAD_MANAGED) {
		struct stat st;

		if (fstat(fd, &st) < 0)
			return file_err(err, errsz, negative_errno(), dir, "%s", strerror(errno));
		r = check_managed(&st, dir, err, errsz);
		if (r < 0)
			return r;
	}
	d = fdopendir(fd);
	if (!d)
		return file_err(err, errsz, negative_errno(), dir, "%s", strerror(errno));
	fd = -1; /* owned by d now */
	r = list_dropins(d, dir, &names, err, errsz);
	if (r < 0)
		return r;

	dl = strlen(dir);
	mark = doc_mark(doc);
	for (char **name = names; *name; name++) {
		_cleanup_close_ int ffd = -1;
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", *name) <
		    0) {
			path = NULL;
			r = file_err(err, errsz, -ENOMEM, dir, "out of memory");
			break;
		}
		ffd = openat(dirfd(d), *name,
			     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (ffd < 0) {
			if (errno == ENOENT) /* removed since readdir() */
				continue;
			r = open_err(negative_errno(), path, err, errsz);
			break;
		}
		r = load_fd(ffd, path, flags, doc, err, errsz);
		if (r < 0)
			break;
	}
	if (r < 0) {
		doc_rollback(doc, mark);
		return r;
	}
	return (int)(doc->n_files - mark.n_files);
}

/* ------------------------------------------------------------ typed getters */

static int type_err(const struct conf_entry *e, const char *what, char *err, size_t errsz)
{
	char qbuf[MSG_QUOTE_SIZE];

	return line_err(err, errsz, -EINVAL, e->file, e->line, "key %s must be %s",
			msg_quote(qbuf, e->key, strlen(e->key)), what);
}

int conf_entry_get_string(const struct conf_entry *e, const char **ret, char *err, size_t errsz)
{
	if (!e)
		return -EINVAL;
	if (e->value.type != CONF_TYPE_STRING)
		return type_err(e, "a string", err, errsz);
	*ret = e->value.str;
	return 0;
}

int conf_entry_get_bool(const struct conf_entry *e, bool *ret, char *err, size_t errsz)
{
	if (!e)
		return -EINVAL;
	if (e->value.type != CONF_TYPE_BOOL)
		return type_err(e, "a boolean (true or false)", err, errsz);
	*ret = e->value.boolean;
	return 0;
}

int conf_entry_get_int(const struct conf_entry *e, int64_t min, int64_t max, int64_t *ret,
		       char *err, size_t errsz)
{
	char what[96];

	if (!e)
		return -EINVAL;
	snprintf(what, sizeof(what), "an integer between %" PRId64 " and %" PRId64, min, max);
	if (e->value.type != CONF_TYPE_INT)
		return type_err(e, min == INT64_MIN && max == INT64_MAX ? "an integer" : what, err,
				errsz);
	if (e->value.integer < min || e->value.integer > max)
		return type_err(e, what, err, errsz);
	*ret = e->value.integer;
	return 0;
}

int conf_entry_get_strv(const struct conf_entry *e, char ***ret, char *err, size_t errsz)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n;

	if (!e)
		return -EINVAL;
	if (e->value.type != CONF_TYPE_ARRAY)
		return type_err(e, "an array of strings", err, errsz);
	n = e->value.array.n_items;
	for (size_t i = 0; i < n; i++)
		if (e->value.array.items[i].type != CONF_TYPE_STRING)
			return type_err(e, "an array of strings", err, errsz);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(e->value.array.items[i].str);
		if (!v[i])
			return -ENOMEM;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int conf_get_string(const struct conf_doc *doc, const char *section, const char *key,
		    const char **ret, char *err, size_t errsz)
{
	const struct conf_entry *e = conf_doc_get(doc, section, key);

	return e ? conf_entry_get_string(e, ret, err, errsz) : -ENOENT;
}

int conf_get_bool(const struct conf_doc *doc, const char *section, const char *key, bool *ret,
		  char *err, size_t errsz)
{
	const struct conf_entry *e = conf_doc_get(doc, section, key);

	return e ? conf_entry_get_bool(e, ret, err, errsz) : -ENOENT;
}

int conf_get_int(const struct conf_doc *doc, const char *section, const char *key, int64_t min,
		 int64_t max, int64_t *ret, char *err, size_t errsz)
{
	const struct conf_entry *e = conf_doc_get(doc, section, key);

	return e ? conf_entry_get_int(e, min, max, ret, err, errsz) : -ENOENT;
}

int conf_get_strv(const struct conf_doc *doc, const char *section, const char *key, char ***ret,
		  char *err, size_t errsz)
{
	const struct conf_entry *e = conf_doc_get(doc, section, key);

	return e ? conf_entry_get_strv(e, ret, err, errsz) : -ENOENT;
}
