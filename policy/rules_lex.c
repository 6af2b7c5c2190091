/* SPDX-License-Identifier: MIT */
/*
 * Lexer for the rules language (codexd.rules(5), policy/rules.h).
 *
 * The whole source is checked first (size, NUL, UTF-8), so everything
 * after can assume well-formed UTF-8 without NUL.  Positions are 1-based
 * lines and columns counted in characters.  Newlines inside ( and [ are
 * white space; elsewhere a run of line ends after a token becomes one
 * NEWLINE token.  Bracket nesting is tracked (and bounded) here, so an
 * unclosed or mismatched bracket is reported at the bracket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/rules_internal.h"

static bool is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static void advance(struct rules_lexer *lx, size_t n)
{
	while (n-- > 0 && lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->src[lx->pos++];

		if (c == '\n') {
			lx->line++;
			lx->column = 1;
		} else if (!is_cont(c))
			lx->column++;
	}
}

static int at(const struct rules_lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->src[lx->pos + off] : -1;
}

int rules_lex_init(struct rules_lexer *lx, const char *src, size_t len, struct rules_arena *a,
		   struct rules_err *e)
{
	unsigned line = 1, column = 1;
	size_t i = 0;

	*lx = (struct rules_lexer){
		.src = src,
		.len = len,
		.line = 1,
		.column = 1,
		.line_start = true,
		.arena = a,
		.err = e,
	};
	rules_buf_init(&lx->scratch, CX_MAX_RULES_STRING + 8);

	if (len > CX_MAX_RULES_FILE)
		return rules_err_at(e, 1, 1, "file too large (%zu bytes, limit %d)", len,
				    CX_MAX_RULES_FILE);
	while (i < len) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\0')
			return rules_err_at(e, line, column, "NUL byte in file");
		if (c >= 0x80) {
			uint32_t cp;
			int r = utf8_decode(src + i, len - i, &cp);

			if (r < 0)
				return rules_err_at(e, line, column, "invalid UTF-8");
			i += (size_t)r;
			column++;
			continue;
		}
		if (c == '\n') {
			line++;
			column = 1;
		} else
			column++;
		i++;
	}
	return 0;
}

void rules_lex_done(struct rules_lexer *lx)
{
	rules_buf_free(&lx->scratch);
}

/* "'x'" for printable ASCII, "U+XXXX" otherwise. */
static int err_unexpected_char(struct rules_lexer *lx)
{
	uint32_t cp;
	int r = utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);

	if (r < 0)
		cp = (unsigned char)lx->src[lx->pos];
	if (cp == '\\')
		return rules_err_at(lx->err, lx->line, lx->column,
				    "unexpected character '\\' (no line continuation outside "
				    "brackets; use parentheses)");
	if (cp > 0x20 && cp < 0x7f && cp != '\'' && cp != '\\')
		return rules_err_at(lx->err, lx->line, lx->column, "unexpected character '%c'",
				    (char)cp);
	return rules_err_at(lx->err, lx->line, lx->column, "unexpected character U+%04X",
			    (unsigned)cp);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The escape at lx->pos (a backslash), appended to scratch. */
static int lex_escape(struct rules_lexer *lx)
{
	unsigned line = lx->line, column = lx->column;
	int c = at(lx, 1);
	size_t ndigits = 0;
	uint32_t v = 0;
	char out[UTF8_MAX_BYTES];
	size_t n;

	switch (c) {
	case 'n':
		rules_buf_putc(&lx->scratch, '\n');
		advance(lx, 2);
		return 0;
	case 't':
		rules_buf_putc(&lx->scratch, '\t');
		advance(lx, 2);
		return 0;
	case 'r':
		rules_buf_putc(&lx->scratch, '\r');
		advance(lx, 2);
		return 0;
	case '\\':
	case '\'':
	case '"':
		rules_buf_putc(&lx->scratch, (char)c);
		advance(lx, 2);
		return 0;
	case 'x':
		ndigits = 2;
		break;
	case 'u':
		ndigits = 4;
		break;
	case 'U':
		ndigits = 8;
		break;
	default:
		if (c > 0x20 && c < 0x7f)
			return rules_err_at(lx->err, line, column, "invalid escape sequence \\%c",
					    (char)c);
		return rules_err_at(lx->err, line, column, "invalid escape sequence");
	}
	for (size_t i = 0; i < ndigits; i++) {
		int h = hexval(at(lx, 2 + i));

		if (h < 0)
			return rules_err_at(lx->err, line, column,
					    "invalid \\%c escape: expected %zu hex digits", (char)c,
					    ndigits);
		v = (v << 4) | (uint32_t)h;
	}
	if (v == 0)
		return rules_err_at(lx->err, line, column, "NUL character in string literal");
	if (c == 'x' && v >= 0x80)
		return rules_err_at(lx->err, line, column,
				    "\\x escape above \\x7f (use \\u for non-ASCII characters)");
	n = utf8_encode(v, out);
	if (n == 0)
		return rules_err_at(lx->err, line, column,
				    "invalid \\%c escape: not a Unicode scalar value", (char)c);
	rules_buf_putn(&lx->scratch, out, n);
	advance(lx, 2 + ndigits);
	return 0;
}

/* A string literal; lx->pos is at the opening quote (after any r prefix). */
static int lex_string(struct rules_lexer *lx, bool raw, unsigned sline, unsigned scol,
		      struct rules_token *ret)
{
	int q = at(lx, 0);
	bool triple = at(lx, 1) == q && at(lx, 2) == q;
	char *s;

	lx->scratch.len = 0;
	lx->scratch.oom = false;
	advance(lx, triple ? 3 : 1);
	for (;;) {
		int c = at(lx, 0);

		if (lx->scratch.len > CX_MAX_RULES_STRING)
			return rules_err_at(lx->err, sline, scol,
					    "string literal too long (limit %d bytes)",
					    CX_MAX_RULES_STRING);
		if (lx->scratch.oom)
			return -ENOMEM;
		if (c < 0)
			return rules_err_at(lx->err, sline, scol, "unterminated string literal");
		if (c == q) {
			if (!triple) {
				advance(lx, 1);
				break;
			}
			if (at(lx, 1) == q && at(lx, 2) == q) {
				advance(lx, 3);
				break;
			}
		}
		if (c == '\n' || (c == '\r' && at(lx, 1) == '\n')) {
			if (!triple)
				return rules_err_at(lx->err, sline, scol,
						    "unterminated string literal");
			rules_buf_putc(&lx->scratch, '\n');
			advance(lx, c == '\r' ? 2 : 1);
			continue;
		}
		if (c == '\\' && raw) {
			int d = at(lx, 1);

			if (d < 0)
				return rules_err_at(lx->err, sline, scol,
						    "unterminated string literal");
			rules_buf_putc(&lx->scratch, '\\');
			advance(lx, 1);
			/* r"\"" keeps both characters and does not end the string. */
			if (d == q || d == '\\') {
				rules_buf_putc(&lx->scratch, (char)d);
				advance(lx, 1);
			}
			continue;
		}
		if (c == '\\') {
			int r = lex_escape(lx);

			if (r < 0)
				return r;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rules_err_at(lx->err, lx->line, lx->column,
					    "control character U+%04X in string literal",
					    (unsigned)c);
		rules_buf_putc(&lx->scratch, (char)c);
		advance(lx, 1);
	}
	if (lx->scratch.len > CX_MAX_RULES_STRING)
		return rules_err_at(lx->err, sline, scol,
				    "string literal too long (limit %d bytes)",
				    CX_MAX_RULES_STRING);
	if (lx->scratch.oom)
		return -ENOMEM;
	s = rules_arena_strndup(lx->arena, lx->scratch.s ? lx->scratch.s : "", lx->scratch.len);
	if (!s)
		return -ENOMEM;
	ret->type = TOK_STRING;
	ret->str = s;
	ret->str_len = lx->scratch.len;
	return 0;
}

static bool is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int lex_name(struct rules_lexer *lx, struct rules_token *ret)
{
	size_t start = lx->pos, n;
	const char *s = lx->src + start;
	int q;

	while (is_name_char(at(lx, 0)))
		advance(lx, 1);
	n = lx->pos - start;
	q = at(lx, 0);
	if ((q == '"' || q == '\'') && n <= 2 && strspn(s, "rRbBuUfF") >= n) {
		if (n == 1 && (s[0] == 'r' || s[0] == 'R'))
			return lex_string(lx, true, ret->line, ret->column, ret);
		if (memchr(s, 'f', n) || memchr(s, 'F', n))
			return rules_err_at(lx->err, ret->line, ret->column,
					    "unsupported: f-strings");
		return rules_err_at(lx->err, ret->line, ret->column,
				    "unsupported string prefix '%.*s'", (int)n, s);
	}
	if (n > CX_MAX_RULES_NAME)
		return rules_err_at(lx->err, ret->line, ret->column, "name too long (limit %d)",
				    CX_MAX_RULES_NAME);
	ret->type = TOK_NAME;
	ret->text = s;
	ret->len = n;
	return 0;
}

static int lex_open(struct rules_lexer *lx, char ch, struct rules_token *ret)
{
	if (lx->depth >= CX_MAX_RULES_DEPTH)
		return rules_err_at(lx->err, ret->line, ret->column, "nesting too deep (limit %d)",
				    CX_MAX_RULES_DEPTH);
	lx->open[lx->depth].ch = ch;
	lx->open[lx->depth].line = ret->line;
	lx->open[lx->depth].column = ret->column;
	lx->depth++;
	advance(lx, 1);
	ret->type = ch == '(' ? TOK_LPAREN : TOK_LBRACKET;
	return 0;
}

static int lex_close(struct rules_lexer *lx, char ch, struct rules_token *ret)
{
	char want = ch == ')' ? '(' : '[';

	if (lx->depth == 0)
		return rules_err_at(lx->err, ret->line, ret->column, "unexpected '%c'", ch);
	if (lx->open[lx->depth - 1].ch != want)
		return rules_err_at(lx->err, ret->line, ret->column,
				    "'%c' does not match '%c' at %u:%u", ch,
				    lx->open[lx->depth - 1].ch, lx->open[lx->depth - 1].line,
				    lx->open[lx->depth - 1].column);
	lx->depth--;
	advance(lx, 1);
	ret->type = ch == ')' ? TOK_RPAREN : TOK_RBRACKET;
	return 0;
}

static int lex_op(struct rules_lexer *lx, struct rules_token *ret)
{
	int c = at(lx, 0);
	size_t n = 1;

	if (strchr("*/<>", c) && at(lx, 1) == c)
		n = 2;
	if (at(lx, n) == '=')
		n++;
	else if (c == '-' && at(lx, 1) == '>')
		n = 2;
	ret->type = TOK_OP;
	ret->text = lx->src + lx->pos;
	ret->len = n;
	advance(lx, n);
	return 0;
}

int rules_lex_next(struct rules_lexer *lx, struct rules_token *ret)
{
	*ret = (struct rules_token){.type = TOK_EOF};
	for (;;) {
		int c;

		if (lx->line_start && lx->depth == 0) {
			unsigned line = lx->line;
			size_t start = lx->pos;

			while (at(lx, 0) == ' ' || at(lx, 0) == '\t')
				advance(lx, 1);
			c = at(lx, 0);
			if (c >= 0 && c != '\n' && c != '#' && !(c == '\r' && at(lx, 1) == '\n')) {
				lx->line_start = false;
				if (lx->pos != start)
					return rules_err_at(lx->err, line, lx->column,
							    "unexpected indentation");
			}
		}

		c = at(lx, 0);
		ret->line = lx->line;
		ret->column = lx->column;
		if (c < 0) {
			if (lx->depth > 0)
				return rules_err_at(lx->err, lx->open[lx->depth - 1].line,
						    lx->open[lx->depth - 1].column,
						    "'%c' is never closed",
						    lx->open[lx->depth - 1].ch);
			if (lx->need_newline) {
				lx->need_newline = false;
				ret->type = TOK_NEWLINE;
			}
			return 0;
		}
		if (c == ' ' || c == '\t') {
			advance(lx, 1);
			continue;
		}
		if (c == '\r' && at(lx, 1) == '\n') {
			advance(lx, 1);
			continue;
		}
		if (c == '\n') {
			advance(lx, 1);
			if (lx->depth == 0) {
				lx->line_start = true;
				if (lx->need_newline) {
					lx->need_newline = false;
					ret->type = TOK_NEWLINE;
					return 0;
				}
			}
			continue;
		}
		if (c == '#') {
			while (at(lx, 0) >= 0 && at(lx, 0) != '\n')
				advance(lx, 1);
			continue;
		}

		if (++lx->ntokens > CX_MAX_RULES_TOKENS)
			return rules_err_at(lx->err, ret->line, ret->column,
					    "too many tokens (limit %d)", CX_MAX_RULES_TOKENS);
		lx->need_newline = true;

		if (is_name_start(c))
			return lex_name(lx, ret);
		if ((c >= '0' && c <= '9') || (c == '.' && at(lx, 1) >= '0' && at(lx, 1) <= '9')) {
			ret->type = TOK_NUMBER;
			ret->text = lx->src + lx->pos;
			while (is_name_char(at(lx, 0)) || at(lx, 0) == '.')
				advance(lx, 1);
			ret->len = (size_t)(lx->src + lx->pos - ret->text);
			return 0;
		}
		switch (c) {
		case '"':
		case '\'':
			return lex_string(lx, false, ret->line, ret->column, ret);
		case '(':
		case '[':
			return lex_open(lx, (char)c, ret);
		case ')':
		case ']':
			return lex_close(lx, (char)c, ret);
		case ',':
			advance(lx, 1);
			ret->type = TOK_COMMA;
			return 0;
		case ';':
			advance(lx, 1);
			ret->type = TOK_SEMICOLON;
			return 0;
		case '=':
			if (at(lx, 1) == '=')
				return lex_op(lx, ret);
			advance(lx, 1);
			ret->type = TOK_ASSIGN;
			return 0;
		default:
			break;
		}
		if (c < 0x7f && strchr("+-*/%<>!&|^~@.:{}", c))
			return lex_op(lx, ret);
		return err_unexpected_char(lx);
	}
}
