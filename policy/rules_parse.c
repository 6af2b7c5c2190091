/* SPDX-License-Identifier: MIT */
/*
 * Recursive-descent parser and the four builtins of the rules language
 * (codexd.rules(5), policy/rules.h).
 *
 * The grammar is small enough to state:
 *
 *   file      := { stmt ( NEWLINE | ';' | EOF ) }
 *   stmt      := BUILTIN '(' [ args ] ')' | NAME '=' value | STRING
 *   args      := arg { ',' arg } [ ',' ]
 *   arg       := value | NAME '=' value          (positional ones first)
 *   value     := STRING | '[' [ value { ',' value } [ ',' ] ] ']'
 *              | 'True' | 'False' | 'None' | NAME
 *
 * Anything outside it is reported as precisely as cheaply possible
 * ("unsupported operator '+'", "unsupported: dicts", ...).  Builtin calls
 * are executed as they are parsed, into a struct rules_file; the
 * match/not_match examples are checked once the whole file is read (as
 * Codex does), against the host_executable() entries known then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/path_util.h"
#include "common/utf8.h"
#include "policy/pathglob.h"
#include "policy/rules_internal.h"

#define NAME_SLOTS 2048 /* power of two, >= 2 * CX_MAX_RULES_NAMES */

struct example {
	const char *const *tokens; /* a path for glob_rule() */
	size_t n;
};

enum pending_kind {
	PENDING_PREFIX,
	PENDING_GLOB,
};

/* Examples to check at the end of the file. */
struct pending {
	enum pending_kind kind;
	size_t first, n; /* rules (prefix) or the glob rule index */
	struct example *match, *not_match;
	size_t n_match, n_not_match;
	unsigned line, column; /* of the call */
};

struct name_def {
	const char *name;
	size_t len;
	struct rules_value *value;
};

struct parser {
	struct rules_lexer lx;
	struct rules_token tok, next;
	bool has_next;
	struct rules_err *err;
	const struct rules_set *set;
	struct rules_file *f;
	struct rules_arena *a; /* the file's: tree, strings, rules */
	struct rules_arena tmp; /* parse-only: examples */
	struct name_def *names; /* NAME_SLOTS slots, open addressing */
	size_t n_names;
	struct pending *pending;
	size_t n_pending, cap_pending;
	size_t n_examples;
	size_t n_statements_rules; /* everything that counts against CX_MAX_RULES_PER_FILE */
	unsigned depth;
};

/* ---------------------------------------------------------------- tokens */

static int next_token(struct parser *p)
{
	if (p->has_next) {
		p->tok = p->next;
		p->has_next = false;
		return 0;
	}
	return rules_lex_next(&p->lx, &p->tok);
}

static int peek_token(struct parser *p, const struct rules_token **ret)
{
	if (!p->has_next) {
		int r = rules_lex_next(&p->lx, &p->next);

		if (r < 0)
			return r;
		p->has_next = true;
	}
	*ret = &p->next;
	return 0;
}

static bool tok_is_name(const struct rules_token *t, const char *s)
{
	return t->type == TOK_NAME && t->len == strlen(s) && memcmp(t->text, s, t->len) == 0;
}

static int err_tok(struct parser *p, const struct rules_token *t, const char *fmt, ...)
	_printf_(3, 4);

static int err_tok(struct parser *p, const struct rules_token *t, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rules_err_at(p->err, t->line, t->column, "%s", msg);
}

static const char *const keywords[] = {
	"and",	  "as",	    "assert", "async",	"await",   "break",    "class", "continue", "def",
	"del",	  "elif",   "else",   "except", "finally", "for",      "from",	"global",   "if",
	"import", "in",	    "is",     "lambda", "load",	   "nonlocal", "not",	"or",	    "pass",
	"raise",  "return", "try",    "while",	"with",	   "yield",
};

static bool tok_is_keyword(const struct rules_token *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (tok_is_name(t, keywords[i]))
			return true;
	return false;
}

enum builtin {
	BUILTIN_NONE,
	BUILTIN_PREFIX_RULE,
	BUILTIN_HOST_EXECUTABLE,
	BUILTIN_NETWORK_RULE,
	BUILTIN_GLOB_RULE,
};

static enum builtin tok_builtin(const struct rules_token *t)
{
	if (tok_is_name(t, "prefix_rule"))
		return BUILTIN_PREFIX_RULE;
	if (tok_is_name(t, "host_executable"))
		return BUILTIN_HOST_EXECUTABLE;
	if (tok_is_name(t, "network_rule"))
		return BUILTIN_NETWORK_RULE;
	if (tok_is_name(t, "glob_rule"))
		return BUILTIN_GLOB_RULE;
	return BUILTIN_NONE;
}

/* A short, safe rendering of a token for messages. */
static const char *tok_text(const struct rules_token *t, char *buf, size_t size)
{
	struct rules_buf b;

	switch (t->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_NEWLINE:
		return "end of line";
	case TOK_STRING:
		return "string";
	case TOK_LPAREN:
		return "'('";
	case TOK_RPAREN:
		return "')'";
	case TOK_LBRACKET:
		return "'['";
	case TOK_RBRACKET:
		return "']'";
	case TOK_COMMA:
		return "','";
	case TOK_ASSIGN:
		return "'='";
	case TOK_SEMICOLON:
		return "';'";
	default:
		break;
	}
	rules_buf_init(&b, size - 1);
	rules_buf_putc(&b, '\'');
	rules_buf_put_sanitized(&b, t->text, t->len, 32, false);
	rules_buf_putc(&b, '\'');
	snprintf(buf, size, "%s", b.s && !b.oom ? b.s : "?");
	rules_buf_free(&b);
	return buf;
}

/*
 * After a complete value, something other than the expected separator:
 * say what construct it looks like.  closer is ')' or ']', or 0 at the end
 * of a statement.
 */
static int err_after_value(struct parser *p, char closer)
{
	const struct rules_token *t = &p->tok;
	char buf[64];

	switch (t->type) {
	case TOK_OP:
		if (t->len == 1 && t->text[0] == '.')
			return err_tok(p, t, "unsupported: attribute access and method calls");
		if (t->len == 1 && (t->text[0] == '{' || t->text[0] == '}' || t->text[0] == ':'))
			return err_tok(p, t, "unexpected %s", tok_text(t, buf, sizeof(buf)));
		if (t->len >= 2 && t->text[t->len - 1] == '=' &&
		    !(t->len == 2 && strchr("=!<>", t->text[0])))
			return err_tok(p, t, "unsupported: augmented assignment");
		return err_tok(p, t, "unsupported operator %s", tok_text(t, buf, sizeof(buf)));
	case TOK_LPAREN:
		return err_tok(p, t, "unsupported: calls inside expressions");
	case TOK_LBRACKET:
		return err_tok(p, t, "unsupported: indexing and slicing");
	case TOK_NAME:
		if (tok_is_name(t, "if"))
			return err_tok(p, t, "unsupported: conditional expressions");
		if (tok_is_name(t, "for"))
			return err_tok(p, t, "unsupported: comprehensions");
		if (tok_is_name(t, "and") || tok_is_name(t, "or") || tok_is_name(t, "in") ||
		    tok_is_name(t, "not") || tok_is_name(t, "is"))
			return err_tok(p, t, "unsupported operator %s",
				       tok_text(t, buf, sizeof(buf)));
		break;
	case TOK_STRING:
		if (closer)
			return err_tok(
				p, t,
				"expected ',' or '%c' (adjacent strings are not concatenated)",
				closer);
		return err_tok(p, t,
			       "expected end of line (adjacent strings are not concatenated)");
	case TOK_COMMA:
		if (!closer)
			return err_tok(p, t, "unsupported: tuples");
		break;
	case TOK_ASSIGN:
		if (!closer)
			return err_tok(p, t, "unsupported: chained assignment");
		break;
	default:
		break;
	}
	if (closer)
		return err_tok(p, t, "expected ',' or '%c', got %s", closer,
			       tok_text(t, buf, sizeof(buf)));
	return err_tok(p, t, "expected end of line, got %s", tok_text(t, buf, sizeof(buf)));
}

/* ---------------------------------------------------------------- names */

static uint32_t hash_n(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct name_def *name_slot(struct parser *p, const char *s, size_t n)
{
	size_t i = hash_n(s, n) & (NAME_SLOTS - 1);

	for (;;) {
		struct name_def *d = &p->names[i];

		if (!d->name || (d->len == n && memcmp(d->name, s, n) == 0))
			return d;
		i = (i + 1) & (NAME_SLOTS - 1);
	}
}

/* ---------------------------------------------------------------- values */

static struct rules_value *new_value(struct parser *p, enum rules_vkind kind,
				     const struct rules_token *t)
{
	struct rules_value *v = rules_arena_alloc(p->a, sizeof(*v));

	if (v) {
		v->kind = kind;
		v->line = t->line;
		v->column = t->column;
	}
	return v;
}

static int parse_value(struct parser *p, struct rules_value **ret);

static int parse_list(struct parser *p, struct rules_value **ret)
{
	struct rules_token open = p->tok;
	_cleanup_free_ struct rules_value **items = NULL;
	size_t n = 0, cap = 0;
	struct rules_value *v;
	int r;

	if (p->depth >= CX_MAX_RULES_DEPTH)
		return err_tok(p, &open, "nesting too deep (limit %d)", CX_MAX_RULES_DEPTH);
	p->depth++;
	r = next_token(p);
	if (r < 0)
		return r;
	for (;;) {
		struct rules_value *item;
		struct rules_token item_tok;

		if (p->tok.type == TOK_RBRACKET)
			break;
		item_tok = p->tok;
		r = parse_value(p, &item);
		if (r < 0)
			return r;
		if (n >= CX_MAX_RULES_LIST)
			return err_tok(p, &item_tok, "list too long (limit %d elements)",
				       CX_MAX_RULES_LIST);
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct rules_value **t = realloc(items, ncap * sizeof(*items));

			if (!t)
				return -ENOMEM;
			items = t;
			cap = ncap;
		}
		items[n++] = item;
		if (p->tok.type == TOK_COMMA) {
			r = next_token(p);
			if (r < 0)
				return r;
			continue;
		}
		if (p->tok.type != TOK_RBRACKET)
			return err_after_value(p, ']');
	}
	p->depth--;
	v = new_value(p, RV_LIST, &open);
	if (!v)
		return -ENOMEM;
	v->list.n = n;
	v->list.items = rules_arena_alloc(p->a, (n ? n : 1) * sizeof(*items));
	if (!v->list.items)
		return -ENOMEM;
	if (n)
		memcpy(v->list.items, items, n * sizeof(*items));
	*ret = v;
	return next_token(p);
}

/* Parses one value; on return p->tok is the token after it. */
static int parse_value(struct parser *p, struct rules_value **ret)
{
	const struct rules_token *t = &p->tok;
	const struct rules_token *nt;
	struct rules_value *v;
	char buf[64];
	int r;

	switch (t->type) {
	case TOK_STRING:
		v = new_value(p, RV_STRING, t);
		if (!v)
			return -ENOMEM;
		v->str.s = t->str;
		v->str.len = t->str_len;
		*ret = v;
		return next_token(p);
	case TOK_LBRACKET:
		return parse_list(p, ret);
	case TOK_NAME:
		if (tok_is_name(t, "True") || tok_is_name(t, "False")) {
			v = new_value(p, RV_BOOL, t);
			if (!v)
				return -ENOMEM;
			v->b = tok_is_name(t, "True");
			*ret = v;
			return next_token(p);
		}
		if (tok_is_name(t, "None")) {
			v = new_value(p, RV_NONE, t);
			if (!v)
				return -ENOMEM;
			*ret = v;
			return next_token(p);
		}
		if (tok_is_name(t, "lambda"))
			return err_tok(p, t, "unsupported: lambda");
		if (tok_is_name(t, "not"))
			return err_tok(p, t, "unsupported operator 'not'");
		if (tok_is_keyword(t))
			return err_tok(p, t, "unexpected keyword %s",
				       tok_text(t, buf, sizeof(buf)));
		if (tok_builtin(t) != BUILTIN_NONE) {
			r = peek_token(p, &nt);
			if (r < 0)
				return r;
			if (nt->type == TOK_LPAREN)
				return err_tok(p, t, "unsupported: calls inside expressions");
			return err_tok(p, t, "unsupported: functions as values");
		}
		{
			struct name_def *d = name_slot(p, t->text, t->len);

			if (!d->name) {
				r = peek_token(p, &nt);
				if (r < 0)
					return r;
				if (tok_is_name(nt, "for"))
					return err_tok(p, nt, "unsupported: comprehensions");
				return err_tok(p, t, "undefined name %s",
					       tok_text(t, buf, sizeof(buf)));
			}
			*ret = d->value;
		}
		return next_token(p);
	case TOK_NUMBER:
		return err_tok(p, t, "unsupported: numbers");
	case TOK_LPAREN:
		return err_tok(p, t, "unsupported: tuples and parenthesised expressions");
	case TOK_OP:
		if (t->len == 1 && t->text[0] == '{')
			return err_tok(p, t, "unsupported: dicts");
		if (t->len == 1 && strchr("+-~", t->text[0]))
			return err_tok(p, t, "unsupported operator %s",
				       tok_text(t, buf, sizeof(buf)));
		if ((t->len == 1 && t->text[0] == '*') || (t->len == 2 && t->text[0] == '*'))
			return err_tok(p, t, "unsupported: *args and **kwargs");
		return err_tok(p, t, "unexpected %s", tok_text(t, buf, sizeof(buf)));
	case TOK_EOF:
		return err_tok(p, t, "unexpected end of file, expected a value");
	default:
		return err_tok(p, t, "expected a value, got %s", tok_text(t, buf, sizeof(buf)));
	}
}

/* ---------------------------------------------------------------- calls */

struct arg {
	const struct rules_token *kw; /* NULL: positional */
	struct rules_token kw_tok;
	struct rules_value *value;
	unsigned line, column; /* of the value as written in the call */
};

enum {
	P_REQUIRED = 1,
	P_POSITIONAL = 2,
};

struct param {
	const char *name;
	int flags;
};

struct bound {
	struct rules_value *v; /* NULL: absent (None for an optional parameter) */
	unsigned line, column;
};

static const struct param prefix_params[] = {
	{"pattern", P_REQUIRED | P_POSITIONAL},
	{"decision", P_POSITIONAL},
	{"match", P_POSITIONAL},
	{"not_match", P_POSITIONAL},
	{"justification", P_POSITIONAL},
};

static const struct param host_params[] = {
	{"name", P_REQUIRED | P_POSITIONAL},
	{"paths", P_REQUIRED | P_POSITIONAL},
};

static const struct param network_params[] = {
	{"host", P_REQUIRED | P_POSITIONAL},
	{"protocol", P_REQUIRED | P_POSITIONAL},
	{"decision", P_REQUIRED | P_POSITIONAL},
	{"justification", P_POSITIONAL},
};

static const struct param glob_params[] = {
	{"pattern", P_REQUIRED | P_POSITIONAL},
	{"decision", P_REQUIRED | P_POSITIONAL},
	{"justification", 0},
	{"access", 0},
	{"match", 0},
	{"not_match", 0},
};

#define MAX_PARAMS 6

static int bind_args(struct parser *p, const struct rules_token *call, const char *fname,
		     const struct param *params, size_t n_params, struct arg *args, size_t n_args,
		     struct bound *out)
{
	size_t n_pos_params = 0, pos = 0;
	char buf[64];

	for (size_t i = 0; i < n_params; i++) {
		out[i] = (struct bound){0};
		if (params[i].flags & P_POSITIONAL)
			n_pos_params++;
	}
	for (size_t i = 0; i < n_args; i++) {
		size_t k;

		if (!args[i].kw) {
			size_t seen = 0;

			if (pos >= n_pos_params) {
				size_t given = 0;

				for (size_t j = 0; j < n_args; j++)
					given += !args[j].kw;
				return rules_err_at(p->err, args[i].line, args[i].column,
						    "%s() takes at most %zu positional arguments "
						    "(%zu given)",
						    fname, n_pos_params, given);
			}
			for (k = 0; k < n_params; k++)
				if ((params[k].flags & P_POSITIONAL) && seen++ == pos)
					break;
			pos++;
		} else {
			for (k = 0; k < n_params; k++)
				if (tok_is_name(args[i].kw, params[k].name))
					break;
			if (k == n_params)
				return err_tok(p, args[i].kw,
					       "%s() got an unexpected keyword argument %s", fname,
					       tok_text(args[i].kw, buf, sizeof(buf)));
			if (out[k].line)
				return err_tok(p, args[i].kw,
					       "%s() got multiple values for argument '%s'", fname,
					       params[k].name);
		}
		out[k].line = args[i].line;
		out[k].column = args[i].column;
		out[k].v = args[i].value;
	}
	for (size_t i = 0; i < n_params; i++) {
		if (!out[i].line) {
			if (params[i].flags & P_REQUIRED)
				return err_tok(p, call, "%s() missing required argument '%s'",
					       fname, params[i].name);
			continue;
		}
		/* An optional argument given as None is as good as absent. */
		if (!(params[i].flags & P_REQUIRED) && out[i].v->kind == RV_NONE)
			out[i].v = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------------- argument checks */

static int want_string(struct parser *p, const struct bound *b, const char *what)
{
	if (b->v->kind != RV_STRING)
		return rules_err_at(p->err, b->line, b->column, "%s must be a string (got %s)",
				    what, rules_value_type(b->v));
	return 0;
}

static int want_list(struct parser *p, const struct bound *b, const char *what)
{
	if (b->v->kind != RV_LIST)
		return rules_err_at(p->err, b->line, b->column, "%s must be a list (got %s)", what,
				    rules_value_type(b->v));
	return 0;
}

/* User text inside a message: escaped, cut at 64 bytes. */
struct qtext {
	char s[4 * 64 + 16];
};

static const char *qt(struct qtext *q, const char *s, size_t len)
{
	struct rules_buf b;

	rules_buf_init(&b, sizeof(q->s) - 1);
	rules_buf_put_sanitized(&b, s, len, 64, true);
	snprintf(q->s, sizeof(q->s), "%s", b.s && !b.oom ? b.s : "");
	rules_buf_free(&b);
	return q->s;
}

static int parse_decision(struct parser *p, const struct bound *b, bool allow_deny,
			  enum rules_decision *ret)
{
	struct qtext q;
	int r;

	r = want_string(p, b, "decision");
	if (r < 0)
		return r;
	if (allow_deny && strcmp(b->v->str.s, "deny") == 0) {
		*ret = RULES_DECISION_FORBIDDEN;
		return 0;
	}
	if (rules_decision_from_string(b->v->str.s, ret) < 0)
		return rules_err_at(p->err, b->line, b->column, "invalid decision: %s",
				    qt(&q, b->v->str.s, b->v->str.len));
	return 0;
}

/* Rust's char::is_whitespace: ASCII blanks and Unicode White_Space. */
static bool is_all_whitespace(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int r = utf8_decode(s + i, len - i, &cp);

		if (r < 0)
			return false;
		if (!((cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 ||
		      cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
		      cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000))
			return false;
		i += (size_t)r;
	}
	return true;
}

static int parse_justification(struct parser *p, const struct bound *b, const char **ret)
{
	int r;

	*ret = NULL;
	if (!b->v)
		return 0;
	r = want_string(p, b, "justification");
	if (r < 0)
		return r;
	if (is_all_whitespace(b->v->str.s, b->v->str.len))
		return rules_err_at(p->err, b->line, b->column,
				    "invalid rule: justification cannot be empty");
	*ret = b->v->str.s;
	return 0;
}

static int count_rules(struct parser *p, size_t n, const struct rules_token *call)
{
	if (n > CX_MAX_RULES_PER_FILE - p->n_statements_rules)
		return err_tok(p, call, "too many rules in one file (limit %d)",
			       CX_MAX_RULES_PER_FILE);
	p->n_statements_rules += n;
	return 0;
}

static int count_examples(struct parser *p, size_t n, const struct bound *b)
{
	if (n > CX_MAX_RULES_EXAMPLES - p->n_examples)
		return rules_err_at(p->err, b->line, b->column,
				    "too many examples in one file (limit %d)",
				    CX_MAX_RULES_EXAMPLES);
	p->n_examples += n;
	return 0;
}

/*
 * The start of match= / not_match=: nothing (0) when absent, else a list
 * within the limits and room for its examples in *ex (1), or an error.
 */
static int examples_start(struct parser *p, const struct bound *b, const char *what,
			  struct example **ret, size_t *ret_n, struct example **ex)
{
	const struct rules_value *list = b->v;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!list)
		return 0;
	r = want_list(p, b, what);
	if (r < 0)
		return r;
	r = count_examples(p, list->list.n, b);
	if (r < 0)
		return r;
	*ex = rules_arena_alloc(&p->tmp, (list->list.n ? list->list.n : 1) * sizeof(**ex));
	return *ex ? 1 : -ENOMEM;
}

/* match= / not_match= of prefix_rule(): commands. */
static int parse_command_examples(struct parser *p, const struct bound *b, const char *what,
				  struct example **ret, size_t *ret_n)
{
	const struct rules_value *list = b->v;
	struct example *ex;
	int r;

	r = examples_start(p, b, what, ret, ret_n, &ex);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < list->list.n; i++) {
		const struct rules_value *v = list->list.items[i];

		if (v->kind == RV_STRING) {
			const char **tokens;
			size_t n;

			r = rules_shell_split(&p->tmp, v->str.s, &tokens, &n);
			if (r == -EINVAL)
				return rules_err_at(
					p->err, v->line, v->column,
					"invalid example: example string has invalid shell syntax");
			if (r == -E2BIG)
				return rules_err_at(p->err, v->line, v->column,
						    "invalid example: example has too many words "
						    "(limit %d)",
						    CX_MAX_RULES_LIST);
			if (r < 0)
				return r;
			if (n == 0)
				return rules_err_at(p->err, v->line, v->column,
						    "invalid example: example cannot be an empty "
						    "string");
			ex[i].tokens = tokens;
			ex[i].n = n;
		} else if (v->kind == RV_LIST) {
			const char **tokens;

			if (v->list.n == 0)
				return rules_err_at(
					p->err, v->line, v->column,
					"invalid example: example cannot be an empty list");
			tokens = rules_arena_alloc(&p->tmp, v->list.n * sizeof(*tokens));
			if (!tokens)
				return -ENOMEM;
			for (size_t j = 0; j < v->list.n; j++) {
				const struct rules_value *w = v->list.items[j];

				if (w->kind != RV_STRING)
					return rules_err_at(
						p->err, w->line, w->column,
						"invalid example: example tokens must be "
						"strings (got %s)",
						rules_value_type(w));
				tokens[j] = w->str.s;
			}
			ex[i].tokens = tokens;
			ex[i].n = v->list.n;
		} else
			return rules_err_at(p->err, v->line, v->column,
					    "invalid example: example must be a string or list of "
					    "strings (got %s)",
					    rules_value_type(v));
	}
	*ret = ex;
	*ret_n = list->list.n;
	return 0;
}

/* match= / not_match= of glob_rule(): paths. */
static int parse_path_examples(struct parser *p, const struct bound *b, const char *what,
			       struct example **ret, size_t *ret_n)
{
	const struct rules_value *list = b->v;
	struct example *ex;
	int r;

	r = examples_start(p, b, what, ret, ret_n, &ex);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < list->list.n; i++) {
		struct rules_value *v = list->list.items[i];

		if (v->kind != RV_STRING)
			return rules_err_at(
				p->err, v->line, v->column,
				"invalid example: example paths must be strings (got %s)",
				rules_value_type(v));
		if (v->str.len == 0)
			return rules_err_at(p->err, v->line, v->column,
					    "invalid example: example path cannot be empty");
		ex[i].tokens = (const char *const *)&v->str.s;
		ex[i].n = 1;
	}
	*ret = ex;
	*ret_n = list->list.n;
	return 0;
}

static int add_pending(struct parser *p, const struct pending *pd)
{
	if (pd->n_match == 0 && pd->n_not_match == 0)
		return 0;
	if (p->n_pending == p->cap_pending) {
		size_t ncap = p->cap_pending ? p->cap_pending * 2 : 16;
		struct pending *t = realloc(p->pending, ncap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		p->pending = t;
		p->cap_pending = ncap;
	}
	p->pending[p->n_pending++] = *pd;
	return 0;
}

#define GROW(arr, n, cap)                                                                          \
	({                                                                                         \
		int _r = 0;                                                                        \
		if ((n) == (cap)) {                                                                \
			size_t _ncap = (cap) ? (cap)*2 : 16;                                       \
			__typeof__(arr) _t = realloc((arr), _ncap * sizeof(*(arr)));               \
			if (_t) {                                                                  \
				(arr) = _t;                                                        \
				(cap) = _ncap;                                                     \
			} else                                                                     \
				_r = -ENOMEM;                                                      \
		}                                                                                  \
		_r;                                                                                \
	})

/* ---------------------------------------------------------------- prefix_rule() */

static int builtin_prefix_rule(struct parser *p, const struct rules_token *call, struct bound *b)
{
	struct bound *pattern = &b[0], *decision = &b[1], *match = &b[2], *not_match = &b[3],
		     *justification = &b[4];
	enum rules_decision d = RULES_DECISION_ALLOW;
	const char *just = NULL;
	const struct rules_value *pat, *first;
	struct pending pd = {.kind = PENDING_PREFIX, .line = call->line, .column = call->column};
	size_t n_strings = 0, n_first;
	int r;

	/* Checked in Codex's order, so the first error reported is the same. */
	if (decision->v) {
		r = parse_decision(p, decision, false, &d);
		if (r < 0)
			return r;
	}
	r = parse_justification(p, justification, &just);
	if (r < 0)
		return r;

	r = want_list(p, pattern, "pattern");
	if (r < 0)
		return r;
	pat = pattern->v;
	for (size_t i = 0; i < pat->list.n; i++) {
		const struct rules_value *e = pat->list.items[i];

		if (e->kind == RV_STRING) {
			n_strings++;
		} else if (e->kind == RV_LIST) {
			for (size_t j = 0; j < e->list.n; j++)
				if (e->list.items[j]->kind != RV_STRING)
					return rules_err_at(p->err, e->list.items[j]->line,
							    e->list.items[j]->column,
							    "invalid pattern element: pattern "
							    "alternative must be "
							    "a string (got %s)",
							    rules_value_type(e->list.items[j]));
			if (e->list.n == 0)
				return rules_err_at(p->err, e->line, e->column,
						    "invalid pattern element: pattern alternatives "
						    "cannot be empty");
			n_strings += e->list.n;
		} else
			return rules_err_at(p->err, e->line, e->column,
					    "invalid pattern element: pattern element must be a "
					    "string or list of strings (got %s)",
					    rules_value_type(e));
		if (n_strings > CX_MAX_RULES_PATTERN)
			return rules_err_at(p->err, pattern->line, pattern->column,
					    "invalid pattern element: pattern too large (limit %d "
					    "strings)",
					    CX_MAX_RULES_PATTERN);
	}
	if (pat->list.n == 0)
		return rules_err_at(p->err, pattern->line, pattern->column,
				    "invalid pattern element: pattern cannot be empty");

	r = parse_command_examples(p, match, "match", &pd.match, &pd.n_match);
	if (r < 0)
		return r;
	r = parse_command_examples(p, not_match, "not_match", &pd.not_match, &pd.n_not_match);
	if (r < 0)
		return r;

	first = pat->list.items[0];
	n_first = first->kind == RV_LIST ? first->list.n : 1;
	r = count_rules(p, n_first, call);
	if (r < 0)
		return r;
	/* Each rule costs 1 + its later strings to evaluate. */
	if (n_first * (1 + n_strings - n_first) > CX_MAX_RULES_WEIGHT - p->f->weight)
		return err_tok(p, call, "rules too large in total (limit %d pattern strings)",
			       CX_MAX_RULES_WEIGHT);
	p->f->weight += n_first * (1 + n_strings - n_first);
	pd.first = p->f->n_rules;
	pd.n = n_first;
	for (size_t i = 0; i < n_first; i++) {
		struct rules_prefix_rule *rule;

		r = GROW(p->f->rules, p->f->n_rules, p->f->cap_rules);
		if (r < 0)
			return r;
		rule = &p->f->rules[p->f->n_rules++];
		*rule = (struct rules_prefix_rule){
			.program =
				first->kind == RV_LIST ? first->list.items[i]->str.s : first->str.s,
			.rest = pat->list.items + 1,
			.n_rest = pat->list.n - 1,
			.decision = d,
			.justification = just,
			.file = p->f,
			.line = call->line,
			.column = call->column,
		};
		rule->hash = rules_hash(rule->program);
	}
	return add_pending(p, &pd);
}

/* ---------------------------------------------------------------- host_executable() */

static bool path_is_home_relative(const char *s)
{
	return s[0] == '~' && s[1] == '/' && s[2] != '\0' && path_is_absolute_normalized(s + 1);
}

static int builtin_host_executable(struct parser *p, const struct rules_token *call,
				   struct bound *b)
{
	struct bound *name = &b[0], *paths = &b[1];
	const char *nm;
	const char **out;
	size_t n_out = 0;
	struct rules_host_exec *h = NULL;
	struct qtext q1, q2;
	int r;

	r = want_string(p, name, "name");
	if (r < 0)
		return r;
	nm = name->v->str.s;
	if (nm[0] == '\0')
		return rules_err_at(p->err, name->line, name->column,
				    "invalid rule: host_executable name cannot be empty");
	if (strchr(nm, '/') || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
		return rules_err_at(p->err, name->line, name->column,
				    "invalid rule: host_executable name must be a bare executable "
				    "name (got %s)",
				    qt(&q1, nm, name->v->str.len));
	r = want_list(p, paths, "paths");
	if (r < 0)
		return r;
	out = rules_arena_alloc(p->a, (paths->v->list.n ? paths->v->list.n : 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < paths->v->list.n; i++) {
		const struct rules_value *v = paths->v->list.items[i];
		const char *s;
		bool dup = false;

		if (v->kind != RV_STRING)
			return rules_err_at(
				p->err, v->line, v->column,
				"invalid rule: host_executable paths must be strings (got "
				"%s)",
				rules_value_type(v));
		s = v->str.s;
		if (s[0] != '/' && !(s[0] == '~' && s[1] == '/'))
			return rules_err_at(
				p->err, v->line, v->column,
				"invalid rule: host_executable paths must be absolute or "
				"use `~/...` home-relative syntax (got %s)",
				qt(&q1, s, v->str.len));
		if (s[0] == '/' ? !path_is_absolute_normalized(s) : !path_is_home_relative(s))
			return rules_err_at(p->err, v->line, v->column,
					    "invalid rule: host_executable path `%s` is not "
					    "normalised (no empty, `.` or `..` components, no "
					    "trailing `/`, no control characters)",
					    qt(&q1, s, v->str.len));
		if (strcmp(path_basename(s), nm) != 0)
			return rules_err_at(p->err, v->line, v->column,
					    "invalid rule: host_executable path `%s` must have "
					    "basename `%s`",
					    qt(&q1, s, v->str.len), qt(&q2, nm, name->v->str.len));
		for (size_t j = 0; j < n_out && !dup; j++)
			dup = strcmp(out[j], s) == 0;
		if (!dup)
			out[n_out++] = s;
	}
	for (size_t i = 0; i < p->f->n_hosts; i++)
		if (strcmp(p->f->hosts[i].name, nm) == 0)
			h = &p->f->hosts[i]; /* a later definition replaces an earlier one */
	if (!h) {
		r = count_rules(p, 1, call);
		if (r < 0)
			return r;
		r = GROW(p->f->hosts, p->f->n_hosts, p->f->cap_hosts);
		if (r < 0)
			return r;
		h = &p->f->hosts[p->f->n_hosts++];
	}
	*h = (struct rules_host_exec){
		.name = nm,
		.paths = out,
		.n_paths = n_out,
		.file = p->f,
		.line = call->line,
		.column = call->column,
	};
	return 0;
}

/* ---------------------------------------------------------------- network_rule() */

static int net_protocol_parse(const char *s, enum rules_net_protocol *ret)
{
	if (strcmp(s, "http") == 0)
		*ret = RULES_NET_HTTP;
	else if (strcmp(s, "https") == 0 || strcmp(s, "https_connect") == 0 ||
		 strcmp(s, "http-connect") == 0)
		*ret = RULES_NET_HTTPS;
	else if (strcmp(s, "socks5_tcp") == 0)
		*ret = RULES_NET_SOCKS5_TCP;
	else if (strcmp(s, "socks5_udp") == 0)
		*ret = RULES_NET_SOCKS5_UDP;
	else
		return -EINVAL;
	return 0;
}

static bool is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

char *rules_normalize_host(struct rules_arena *a, const char *raw, const char **ret_msg)
{
	const char *s = raw, *e = raw + strlen(raw), *colon;
	bool bracketed = false;
	size_t n, colons = 0;
	char *out;

	while (s < e && is_ascii_space(*s))
		s++;
	while (e > s && is_ascii_space(e[-1]))
		e--;
	if (s == e) {
		*ret_msg = "network_rule host cannot be empty";
		return NULL;
	}
	for (const char *c = s; c < e; c++)
		if ((unsigned char)*c >= 0x7f || (unsigned char)*c < 0x20) {
			*ret_msg = (unsigned char)*c >= 0x80
					   ? "network_rule host must be ASCII (write international "
					     "names in punycode)"
					   : "network_rule host cannot contain control characters";
			return NULL;
		}
	if (memmem(s, (size_t)(e - s), "://", 3) || memchr(s, '/', (size_t)(e - s)) ||
	    memchr(s, '?', (size_t)(e - s)) || memchr(s, '#', (size_t)(e - s))) {
		*ret_msg = "network_rule host must be a hostname or IP literal (without scheme or "
			   "path)";
		return NULL;
	}
	if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(e - s));
		const char *rest;

		if (!close) {
			*ret_msg = "network_rule host has an invalid bracketed IPv6 literal";
			return NULL;
		}
		rest = close + 1;
		if (rest < e) {
			bool port_ok = *rest == ':' && rest + 1 < e;

			for (const char *c = rest + 1; c < e && port_ok; c++)
				port_ok = *c >= '0' && *c <= '9';
			if (!port_ok) {
				*ret_msg = "network_rule host contains an unsupported suffix";
				return NULL;
			}
		}
		e = close;
		s++;
		bracketed = true;
	} else if ((colon = memchr(s, ':', (size_t)(e - s))) &&
		   !memchr(colon + 1, ':', (size_t)(e - colon - 1)) && colon > s && colon + 1 < e) {
		bool digits = true;

		for (const char *c = colon + 1; c < e && digits; c++)
			digits = *c >= '0' && *c <= '9';
		if (digits)
			e = colon;
	}
	/* Trailing dots and white space until neither is left, so that
	 * normalising a normalised host changes nothing (". ." is empty). */
	while (e > s && (e[-1] == '.' || is_ascii_space(e[-1])))
		e--;
	while (s < e && is_ascii_space(*s))
		s++;
	if (s == e) {
		*ret_msg = "network_rule host cannot be empty";
		return NULL;
	}
	n = (size_t)(e - s);
	if (memchr(s, '*', n)) {
		*ret_msg = "network_rule host must be a specific host; wildcards are not allowed";
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (is_ascii_space(s[i])) {
			*ret_msg = "network_rule host cannot contain whitespace";
			return NULL;
		}
	/* codexd: only what host names and IP literals are made of, and a
	 * result that normalises to itself again. */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == ':')
			colons++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
			   c == '%')) {
			*ret_msg =
				"network_rule host contains a character that is not allowed in a "
				"host name or IP literal";
			return NULL;
		}
	}
	if (bracketed && colons < 2) {
		*ret_msg = "network_rule host has an invalid bracketed IPv6 literal";
		return NULL;
	}
	if (colons == 1) {
		*ret_msg = "network_rule host has an invalid port";
		return NULL;
	}
	if (n > CX_MAX_DOMAIN) {
		*ret_msg = "network_rule host is too long";
		return NULL;
	}
	out = rules_arena_strndup(a, s, n);
	if (!out) {
		*ret_msg = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static int builtin_network_rule(struct parser *p, const struct rules_token *call, struct bound *b)
{
	struct bound *host = &b[0], *protocol = &b[1], *decision = &b[2], *justification = &b[3];
	enum rules_net_protocol proto;
	enum rules_decision d;
	const char *just, *msg;
	char *h;
	struct qtext q;
	int r;

	r = want_string(p, protocol, "protocol");
	if (r < 0)
		return r;
	if (net_protocol_parse(protocol->v->str.s, &proto) < 0)
		return rules_err_at(p->err, protocol->line, protocol->column,
				    "invalid rule: network_rule protocol must be one of http, "
				    "https, socks5_tcp, socks5_udp (got %s)",
				    qt(&q, protocol->v->str.s, protocol->v->str.len));
	r = parse_decision(p, decision, true, &d);
	if (r < 0)
		return r;
	r = parse_justification(p, justification, &just);
	if (r < 0)
		return r;
	r = want_string(p, host, "host");
	if (r < 0)
		return r;
	h = rules_normalize_host(p->a, host->v->str.s, &msg);
	if (!h) {
		if (!msg)
			return -ENOMEM;
		return rules_err_at(p->err, host->line, host->column, "invalid rule: %s", msg);
	}
	r = count_rules(p, 1, call);
	if (r < 0)
		return r;
	r = GROW(p->f->nets, p->f->n_nets, p->f->cap_nets);
	if (r < 0)
		return r;
	p->f->nets[p->f->n_nets++] = (struct rules_network_rule){
		.host = h,
		.protocol = proto,
		.decision = d,
		.justification = just,
		.layer = p->f->layer,
		.line = call->line,
		.column = call->column,
	};
	return 0;
}

/* ---------------------------------------------------------------- glob_rule() */

static const char *glob_pattern_problem(const char *s)
{
	const char *body = s, *c;

	if (!*s)
		return "glob_rule pattern cannot be empty";
	if (strlen(s) > CX_MAX_PATH)
		return "glob_rule pattern is too long";
	for (c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "glob_rule pattern cannot contain control characters";
	if (s[0] == '~') {
		if (s[1] != '/')
			return "glob_rule pattern: only `~/` home-relative patterns are supported";
		body = s + 2;
	} else if (s[0] == '/')
		body = s + 1;
	for (c = body;;) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);

		if (n == 0)
			return "glob_rule pattern has an empty component (`//` or a trailing `/`)";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "glob_rule pattern has a `.` or `..` component";
		if (!*end)
			break;
		c = end + 1;
	}
	return NULL;
}

static int builtin_glob_rule(struct parser *p, const struct rules_token *call, struct bound *b)
{
	struct bound *pattern = &b[0], *decision = &b[1], *justification = &b[2], *access = &b[3],
		     *match = &b[4], *not_match = &b[5];
	struct pending pd = {.kind = PENDING_GLOB, .line = call->line, .column = call->column};
	enum rules_decision d;
	unsigned acc = RULES_ACCESS_ANY;
	const char *just, *msg;
	struct qtext q;
	int r;

	r = want_string(p, pattern, "pattern");
	if (r < 0)
		return r;
	msg = glob_pattern_problem(pattern->v->str.s);
	if (msg)
		return rules_err_at(p->err, pattern->line, pattern->column, "invalid rule: %s",
				    msg);
	r = parse_decision(p, decision, false, &d);
	if (r < 0)
		return r;
	r = parse_justification(p, justification, &just);
	if (r < 0)
		return r;
	if (access->v) {
		r = want_string(p, access, "access");
		if (r < 0)
			return r;
		if (strcmp(access->v->str.s, "read") == 0)
			acc = RULES_ACCESS_READ;
		else if (strcmp(access->v->str.s, "write") == 0)
			acc = RULES_ACCESS_WRITE;
		else if (strcmp(access->v->str.s, "any") == 0)
			acc = RULES_ACCESS_ANY;
		else
			return rules_err_at(p->err, access->line, access->column,
					    "invalid rule: glob_rule access must be one of read, "
					    "write, any (got %s)",
					    qt(&q, access->v->str.s, access->v->str.len));
	}
	r = parse_path_examples(p, match, "match", &pd.match, &pd.n_match);
	if (r < 0)
		return r;
	r = parse_path_examples(p, not_match, "not_match", &pd.not_match, &pd.n_not_match);
	if (r < 0)
		return r;
	r = count_rules(p, 1, call);
	if (r < 0)
		return r;
	r = GROW(p->f->globs, p->f->n_globs, p->f->cap_globs);
	if (r < 0)
		return r;
	pd.first = p->f->n_globs;
	pd.n = 1;
	p->f->globs[p->f->n_globs++] = (struct rules_glob_rule){
		.pattern = pattern->v->str.s,
		.decision = d,
		.access = acc,
		.justification = just,
		.layer = p->f->layer,
		.line = call->line,
		.column = call->column,
	};
	return add_pending(p, &pd);
}

/* ---------------------------------------------------------------- statements */

static int parse_call(struct parser *p, const struct rules_token *call, enum builtin which)
{
	struct arg args[CX_MAX_RULES_ARGS];
	struct bound bound[MAX_PARAMS];
	size_t n_args = 0;
	bool seen_kw = false;
	const struct param *params;
	size_t n_params;
	const char *fname;
	char fname_buf[32];
	int r;

	snprintf(fname_buf, sizeof(fname_buf), "%.*s", (int)call->len, call->text);
	fname = fname_buf;
	r = next_token(p); /* the '(' */
	if (r < 0)
		return r;
	for (;;) {
		const struct rules_token *nt;
		struct arg *a;

		if (p->tok.type == TOK_RPAREN)
			break;
		if (n_args >= CX_MAX_RULES_ARGS)
			return err_tok(p, &p->tok, "too many arguments (limit %d)",
				       CX_MAX_RULES_ARGS);
		a = &args[n_args];
		*a = (struct arg){0};
		if (p->tok.type == TOK_OP && p->tok.text[0] == '*')
			return err_tok(p, &p->tok, "unsupported: *args and **kwargs");
		if (p->tok.type == TOK_NAME) {
			r = peek_token(p, &nt);
			if (r < 0)
				return r;
			if (nt->type == TOK_ASSIGN) {
				a->kw_tok = p->tok;
				a->kw = &a->kw_tok;
				seen_kw = true;
				r = next_token(p);
				if (r < 0)
					return r;
				r = next_token(p);
				if (r < 0)
					return r;
			}
		}
		if (!a->kw && seen_kw)
			return err_tok(p, &p->tok, "positional argument follows keyword argument");
		a->line = p->tok.line;
		a->column = p->tok.column;
		r = parse_value(p, &a->value);
		if (r < 0)
			return r;
		n_args++;
		if (p->tok.type == TOK_COMMA) {
			r = next_token(p);
			if (r < 0)
				return r;
			continue;
		}
		if (p->tok.type != TOK_RPAREN)
			return err_after_value(p, ')');
	}

	switch (which) {
	case BUILTIN_PREFIX_RULE:
		params = prefix_params;
		n_params = ARRAY_SIZE(prefix_params);
		break;
	case BUILTIN_HOST_EXECUTABLE:
		params = host_params;
		n_params = ARRAY_SIZE(host_params);
		break;
	case BUILTIN_NETWORK_RULE:
		params = network_params;
		n_params = ARRAY_SIZE(network_params);
		break;
	case BUILTIN_GLOB_RULE:
		params = glob_params;
		n_params = ARRAY_SIZE(glob_params);
		break;
	default:
		return -EINVAL;
	}
	r = bind_args(p, call, fname, params, n_params, args, n_args, bound);
	if (r < 0)
		return r;
	switch (which) {
	case BUILTIN_PREFIX_RULE:
		r = builtin_prefix_rule(p, call, bound);
		break;
	case BUILTIN_HOST_EXECUTABLE:
		r = builtin_host_executable(p, call, bound);
		break;
	case BUILTIN_NETWORK_RULE:
		r = builtin_network_rule(p, call, bound);
		break;
	default:
		r = builtin_glob_rule(p, call, bound);
		break;
	}
	if (r < 0)
		return r;
	return next_token(p); /* the ')' */
}

static int parse_assignment(struct parser *p, const struct rules_token *name)
{
	struct name_def *d;
	struct rules_value *v;
	char buf[64];
	int r;

	if (tok_is_name(name, "True") || tok_is_name(name, "False") || tok_is_name(name, "None") ||
	    tok_builtin(name) != BUILTIN_NONE)
		return err_tok(p, name, "cannot assign to %s", tok_text(name, buf, sizeof(buf)));
	d = name_slot(p, name->text, name->len);
	if (d->name)
		return err_tok(p, name, "cannot reassign %s (names are immutable)",
			       tok_text(name, buf, sizeof(buf)));
	if (p->n_names >= CX_MAX_RULES_NAMES)
		return err_tok(p, name, "too many names (limit %d)", CX_MAX_RULES_NAMES);
	r = next_token(p); /* the '=' */
	if (r < 0)
		return r;
	r = parse_value(p, &v);
	if (r < 0)
		return r;
	/* Defined only now: "X = X" is an undefined name. */
	d->name = name->text;
	d->len = name->len;
	d->value = v;
	p->n_names++;
	return 0;
}

static int parse_statement(struct parser *p)
{
	struct rules_token first = p->tok;
	const struct rules_token *nt;
	char buf[64];
	int r;

	switch (first.type) {
	case TOK_STRING:
		/* A docstring: allowed and ignored. */
		return next_token(p);
	case TOK_NAME:
		break;
	case TOK_SEMICOLON:
		return err_tok(p, &first, "unexpected ';'");
	default:
		return err_tok(p, &first,
			       "unsupported statement: expected a rule call or NAME = "
			       "value, got %s",
			       tok_text(&first, buf, sizeof(buf)));
	}
	if (tok_is_keyword(&first))
		return err_tok(p, &first, "unsupported statement %s",
			       tok_text(&first, buf, sizeof(buf)));
	r = peek_token(p, &nt);
	if (r < 0)
		return r;
	if (nt->type == TOK_LPAREN) {
		enum builtin which = tok_builtin(&first);

		if (which == BUILTIN_NONE)
			return err_tok(p, &first, "unknown function %s",
				       tok_text(&first, buf, sizeof(buf)));
		r = next_token(p);
		if (r < 0)
			return r;
		return parse_call(p, &first, which);
	}
	if (nt->type == TOK_ASSIGN) {
		r = next_token(p);
		if (r < 0)
			return r;
		return parse_assignment(p, &first);
	}
	r = next_token(p);
	if (r < 0)
		return r;
	if (p->tok.type == TOK_NEWLINE || p->tok.type == TOK_EOF || p->tok.type == TOK_SEMICOLON)
		return err_tok(p, &first, "unsupported: expression statement");
	return err_after_value(p, 0);
}

/* ---------------------------------------------------------------- example validation */

static int first_match_visit(void *userdata, const struct rules_prefix_rule *rule,
			     size_t prefix_len, const char *resolved, bool via_basename)
{
	const struct rules_prefix_rule **ret = userdata;

	(void)prefix_len;
	(void)resolved;
	(void)via_basename;
	*ret = rule;
	return 1;
}

static void put_example(struct rules_buf *b, const struct example *ex)
{
	struct rules_buf joined;

	rules_buf_init(&joined, 256);
	for (size_t i = 0; i < ex->n; i++) {
		if (i)
			rules_buf_putc(&joined, ' ');
		rules_buf_put_shell_word(&joined, ex->tokens[i]);
	}
	rules_buf_put_quoted(b, joined.s ? joined.s : "", joined.len, 128);
	rules_buf_free(&joined);
}

static int validate_prefix(struct parser *p, const struct pending *pd, size_t *work)
{
	struct rules_src src = {
		.set = p->set,
		.pending = p->f,
		.local = &p->f->rules[pd->first],
		.n_local = pd->n,
	};
	struct rules_buf b;
	size_t n_unmatched = 0;
	int r;

	for (size_t i = 0; i < pd->n_not_match; i++) {
		const struct rules_prefix_rule *hit = NULL;

		r = rules_eval_core(&src, pd->not_match[i].tokens, pd->not_match[i].n, NULL, NULL,
				    first_match_visit, &hit, work, CX_MAX_RULES_CHECK_WORK);
		if (r == -ERANGE)
			goto too_expensive;
		if (r < 0)
			return r;
		if (hit) {
			rules_buf_init(&b, 1024);
			rules_buf_puts(&b, "expected example to not match rule `");
			rules_buf_put_pattern(&b, hit);
			rules_buf_puts(&b, "`: ");
			put_example(&b, &pd->not_match[i]);
			r = rules_err_at(p->err, pd->line, pd->column, "%s", b.s ? b.s : "");
			rules_buf_free(&b);
			return r;
		}
	}

	rules_buf_init(&b, 1024);
	rules_buf_puts(&b, "expected every example to match at least one rule. rules: [");
	for (size_t i = 0; i < pd->n && i < 4; i++) {
		if (i)
			rules_buf_puts(&b, ", ");
		rules_buf_put_pattern(&b, &p->f->rules[pd->first + i]);
	}
	if (pd->n > 4)
		rules_buf_puts(&b, ", ...");
	rules_buf_puts(&b, "]; unmatched examples: [");
	for (size_t i = 0; i < pd->n_match; i++) {
		const struct rules_prefix_rule *hit = NULL;

		r = rules_eval_core(&src, pd->match[i].tokens, pd->match[i].n, NULL, NULL,
				    first_match_visit, &hit, work, CX_MAX_RULES_CHECK_WORK);
		if (r == -ERANGE) {
			rules_buf_free(&b);
			goto too_expensive;
		}
		if (r < 0) {
			rules_buf_free(&b);
			return r;
		}
		if (hit)
			continue;
		if (n_unmatched < 4) {
			if (n_unmatched)
				rules_buf_puts(&b, ", ");
			put_example(&b, &pd->match[i]);
		} else if (n_unmatched == 4)
			rules_buf_puts(&b, ", ...");
		n_unmatched++;
	}
	rules_buf_putc(&b, ']');
	r = 0;
	if (n_unmatched)
		r = rules_err_at(p->err, pd->line, pd->column, "%s", b.s ? b.s : "");
	rules_buf_free(&b);
	return r;

too_expensive:
	return rules_err_at(p->err, pd->line, pd->column,
			    "examples too expensive to check (limit %d comparisons per file)",
			    CX_MAX_RULES_CHECK_WORK);
}

static int validate_glob(struct parser *p, const struct pending *pd, size_t *budget)
{
	const struct rules_glob_rule *g = &p->f->globs[pd->first];
	struct rules_buf b;
	size_t n_unmatched = 0;
	int r = 0;

	for (size_t i = 0; i < pd->n_not_match; i++) {
		r = rules_glob_example_matches(g->pattern, pd->not_match[i].tokens[0], budget);
		if (r == -E2BIG)
			goto too_expensive;
		if (r == 0)
			continue;
		rules_buf_init(&b, 1024);
		rules_buf_puts(&b, "expected example to not match glob_rule `");
		rules_buf_put_sanitized(&b, g->pattern, strlen(g->pattern), 128, true);
		rules_buf_puts(&b, "`: ");
		rules_buf_put_quoted(&b, pd->not_match[i].tokens[0],
				     strlen(pd->not_match[i].tokens[0]), 128);
		r = rules_err_at(p->err, pd->line, pd->column, "%s", b.s ? b.s : "");
		rules_buf_free(&b);
		return r;
	}
	rules_buf_init(&b, 1024);
	rules_buf_puts(&b, "expected every example to match the glob_rule pattern `");
	rules_buf_put_sanitized(&b, g->pattern, strlen(g->pattern), 128, true);
	rules_buf_puts(&b, "`; unmatched examples: [");
	for (size_t i = 0; i < pd->n_match; i++) {
		const char *ex = pd->match[i].tokens[0];

		r = rules_glob_example_matches(g->pattern, ex, budget);
		if (r == -E2BIG) {
			rules_buf_free(&b);
			goto too_expensive;
		}
		if (r > 0)
			continue;
		if (n_unmatched < 4) {
			if (n_unmatched)
				rules_buf_puts(&b, ", ");
			rules_buf_put_quoted(&b, ex, strlen(ex), 128);
		} else if (n_unmatched == 4)
			rules_buf_puts(&b, ", ...");
		n_unmatched++;
	}
	rules_buf_putc(&b, ']');
	r = 0;
	if (n_unmatched)
		r = rules_err_at(p->err, pd->line, pd->column, "%s", b.s ? b.s : "");
	rules_buf_free(&b);
	return r;

too_expensive:
	return rules_err_at(p->err, pd->line, pd->column,
			    "examples too expensive to check (limit %d comparisons per file)",
			    CX_MAX_RULES_CHECK_WORK);
}

/* ---------------------------------------------------------------- entry point */

void rules_file_free(struct rules_file *f)
{
	if (!f)
		return;
	rules_arena_free(&f->arena);
	free(f->rules);
	free(f->hosts);
	free(f->nets);
	free(f->globs);
	free(f->name);
	free(f);
}

static int parse_file(struct parser *p)
{
	int r;

	r = next_token(p);
	if (r < 0)
		return r;
	for (;;) {
		if (p->tok.type == TOK_EOF)
			return 0;
		if (p->tok.type == TOK_NEWLINE) {
			r = next_token(p);
			if (r < 0)
				return r;
			continue;
		}
		r = parse_statement(p);
		if (r < 0)
			return r;
		switch (p->tok.type) {
		case TOK_EOF:
			return 0;
		case TOK_NEWLINE:
			break;
		case TOK_SEMICOLON:
			r = next_token(p);
			if (r < 0)
				return r;
			if (p->tok.type == TOK_SEMICOLON)
				return err_tok(p, &p->tok, "unexpected ';'");
			continue;
		default:
			return err_after_value(p, 0);
		}
		r = next_token(p);
		if (r < 0)
			return r;
	}
}

int rules_file_parse(const struct rules_set *set, enum rules_layer layer, const char *name,
		     const char *text, size_t len, struct rules_err *e, struct rules_file **ret)
{
	_cleanup_(rules_file_freep) struct rules_file *f = NULL;
	struct parser p = {.err = e, .set = set};
	size_t work = 0, glob_budget = CX_MAX_RULES_CHECK_WORK;
	int r;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->layer = layer;
	f->name = strndup(name ? name : "<rules>", CX_MAX_PATH);
	if (!f->name)
		return -ENOMEM;
	p.f = f;
	p.a = &f->arena;
	p.names = calloc(NAME_SLOTS, sizeof(*p.names));
	if (!p.names)
		return -ENOMEM;

	r = rules_lex_init(&p.lx, text ? text : "", len, p.a, e);
	if (r >= 0)
		r = parse_file(&p);
	for (size_t i = 0; r >= 0 && i < p.n_pending; i++) {
		if (p.pending[i].kind == PENDING_PREFIX)
			r = validate_prefix(&p, &p.pending[i], &work);
		else
			r = validate_glob(&p, &p.pending[i], &glob_budget);
	}
	rules_lex_done(&p.lx);
	rules_arena_free(&p.tmp);
	free(p.pending);
	free(p.names);
	if (r < 0)
		return r;

	/* The rule arrays are final: point each rule at its file's name. */
	for (size_t i = 0; i < f->n_nets; i++)
		f->nets[i].file = f->name;
	for (size_t i = 0; i < f->n_globs; i++)
		f->globs[i].file = f->name;
	*ret = TAKE_PTR(f);
	return 0;
}
