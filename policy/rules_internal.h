/* SPDX-License-Identifier: MIT */
/*
 * Private to policy/rules_*.c: the pieces the lexer, parser, rule set and
 * evaluator share.  Nothing outside policy/rules_*.c includes this.
 *
 * Memory: each loaded file owns an arena holding its syntax tree, its
 * decoded strings and its rules; rules point into the tree (a pattern's
 * later positions are the tree's list elements, shared by every rule a
 * first-position expansion makes), so memory is bounded by the source
 * size and nothing is copied per rule.  The tree is immutable once built;
 * names bound by NAME = value share it.
 *
 * Process: any, except sandbox children after clone.
 */
#ifndef CX_POLICY_RULES_INTERNAL_H
#define CX_POLICY_RULES_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cxlimits.h"
#include "common/macro.h"
#include "policy/rules.h"

/* ---------------------------------------------------------------- arena (rules_util.c) */

struct rules_arena_chunk;

struct rules_arena {
	struct rules_arena_chunk *head;
	size_t total; /* bytes obtained from malloc */
	size_t limit; /* refuse to grow past this (0: CX_MAX_RULES_MEMORY) */
};

/* Zeroed, 16-byte aligned memory living as long as the arena; NULL when out
 * of memory or past the limit. */
void *rules_arena_alloc(struct rules_arena *a, size_t n);
/* Copy of n bytes plus a NUL. */
char *rules_arena_strndup(struct rules_arena *a, const char *s, size_t n);
void rules_arena_free(struct rules_arena *a);

/* ---------------------------------------------------------------- strings (rules_util.c) */

/* A growable string that stops growing (silently truncates) at max bytes. */
struct rules_buf {
	char *s;
	size_t len, cap, max;
	bool oom; /* an allocation failed: contents incomplete */
};

void rules_buf_init(struct rules_buf *b, size_t max);
void rules_buf_putn(struct rules_buf *b, const char *s, size_t n);
void rules_buf_puts(struct rules_buf *b, const char *s);
void rules_buf_putc(struct rules_buf *b, char c);
void rules_buf_printf(struct rules_buf *b, const char *fmt, ...) _printf_(2, 3);
void rules_buf_free(struct rules_buf *b);
/* Hand the string over (never NULL unless out of memory). */
char *rules_buf_steal(struct rules_buf *b);

/*
 * User text for a message: bytes 0x20..0x7e kept, except '\' and '"' (and
 * '`' when quoting for backticks), others as \xNN (valid UTF-8 sequences
 * of printable characters are kept when keep_utf8), at most max input
 * bytes then "...".
 */
void rules_buf_put_sanitized(struct rules_buf *b, const char *s, size_t len, size_t max,
			     bool keep_utf8);
/*
 * s as a double-quoted string literal this language reads back: \" \\ \n
 * \r \t, \uXXXX for other C0 and C1 control characters and DEL, other
 * UTF-8 kept (a byte that is not valid UTF-8 becomes \u00XX, so the
 * result is only faithful for valid UTF-8).  At most max input bytes, then
 * "..." inside the quotes (SIZE_MAX: no limit).
 */
void rules_buf_put_quoted(struct rules_buf *b, const char *s, size_t len, size_t max);
/* A token as a POSIX shell word (single-quoted when needed). */
void rules_buf_put_shell_word(struct rules_buf *b, const char *s);

/* FNV-1a. */
uint32_t rules_hash(const char *s);

/* ---------------------------------------------------------------- errors (rules_util.c) */

struct rules_err {
	char file[256 + 8]; /* sanitised display name */
	char *buf;
	size_t size;
	bool set;
};

void rules_err_init(struct rules_err *e, const char *display_name, char *buf, size_t size);
/* Write "FILE:LINE:COL: message" (the first error wins); returns -EINVAL. */
int rules_err_at(struct rules_err *e, unsigned line, unsigned column, const char *fmt, ...)
	_printf_(4, 5);
/* Write "FILE: message" with no position; returns r. */
int rules_err_plain(struct rules_err *e, int r, const char *fmt, ...) _printf_(3, 4);

/* ---------------------------------------------------------------- shell words (rules_util.c) */

/*
 * Split s like POSIX shell words (no expansions): blanks separate words,
 * '...' is literal, "..." honours \\ \" \$ \` and backslash-newline, a
 * backslash outside quotes escapes the next character (backslash-newline
 * vanishes), '#' at the start of a word comments out the rest of the line.
 * Tokens are allocated in a.  Returns 0; -EINVAL for an unclosed quote or
 * a trailing backslash; -E2BIG past CX_MAX_RULES_LIST words; -ENOMEM.
 */
int rules_shell_split(struct rules_arena *a, const char *s, const char ***ret_tokens,
		      size_t *ret_n);

/* ---------------------------------------------------------------- syntax tree */

enum rules_vkind {
	RV_STRING,
	RV_LIST,
	RV_BOOL,
	RV_NONE,
};

struct rules_value {
	enum rules_vkind kind;
	unsigned line, column;
	union {
		struct {
			const char *s; /* NUL-terminated, no NUL inside */
			size_t len;
		} str;
		struct {
			struct rules_value **items;
			size_t n;
		} list;
		bool b;
	};
};

/* "string", "list", "bool", "NoneType" (Starlark's names). */
const char *rules_value_type(const struct rules_value *v);

/* ---------------------------------------------------------------- lexer (rules_lex.c) */

enum rules_tok {
	TOK_EOF,
	TOK_NEWLINE,
	TOK_NAME,
	TOK_STRING,
	TOK_NUMBER,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_COMMA,
	TOK_ASSIGN,
	TOK_SEMICOLON,
	TOK_OP, /* any other operator or punctuation: unsupported */
};

struct rules_token {
	enum rules_tok type;
	unsigned line, column;
	const char *text; /* NAME, NUMBER, OP: the source bytes */
	size_t len;
	const char *str; /* STRING: decoded, NUL-terminated, in the arena */
	size_t str_len;
};

struct rules_lexer {
	const char *src;
	size_t len, pos;
	unsigned line, column;
	unsigned depth;
	struct {
		char ch;
		unsigned line, column;
	} open[CX_MAX_RULES_DEPTH + 1];
	size_t ntokens;
	bool need_newline; /* a token was emitted since the last NEWLINE */
	bool line_start; /* at the beginning of a logical line */
	struct rules_arena *arena;
	struct rules_buf scratch;
	struct rules_err *err;
};

/*
 * Check the whole source first (size, NUL, UTF-8), then set up.  Returns 0
 * or -EINVAL with the error recorded.
 */
int rules_lex_init(struct rules_lexer *lx, const char *src, size_t len, struct rules_arena *a,
		   struct rules_err *e);
/* The next token; -EINVAL (error recorded) or -ENOMEM. */
int rules_lex_next(struct rules_lexer *lx, struct rules_token *ret);
void rules_lex_done(struct rules_lexer *lx);

/* ---------------------------------------------------------------- loaded rules */

struct rules_file;

struct rules_prefix_rule {
	struct rules_prefix_rule *next; /* hash chain in the set */
	uint32_t hash; /* of program */
	const char *program;
	struct rules_value *const *rest; /* positions 1..: strings or lists of strings */
	size_t n_rest;
	enum rules_decision decision;
	const char *justification;
	const struct rules_file *file;
	unsigned line, column;
};

struct rules_host_exec {
	const char *name;
	const char **paths;
	size_t n_paths;
	const struct rules_file *file;
	unsigned line, column;
};

struct rules_file {
	char *name; /* display name */
	enum rules_layer layer;
	struct rules_arena arena;
	struct rules_prefix_rule *rules; /* malloc'd, final once parsed */
	size_t n_rules, cap_rules;
	struct rules_host_exec *hosts;
	size_t n_hosts, cap_hosts;
	struct rules_network_rule *nets;
	size_t n_nets, cap_nets;
	struct rules_glob_rule *globs;
	size_t n_globs, cap_globs;
	size_t weight; /* of its prefix rules, see CX_MAX_RULES_WEIGHT */
};

void rules_file_free(struct rules_file *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rules_file *, rules_file_free);

struct rules_bucket {
	struct rules_prefix_rule *head, *tail;
};

struct rules_set {
	struct rules_file **files;
	size_t n_files, cap_files;
	struct rules_bucket *buckets; /* power of two, or NULL when empty */
	size_t n_buckets;
	size_t n_rules;
	size_t weight;
	struct rules_host_exec **hosts; /* one per distinct name */
	size_t n_hosts, cap_hosts;
	const struct rules_network_rule **nets;
	size_t n_nets, cap_nets;
	const struct rules_glob_rule **globs;
	size_t n_globs, cap_globs;
};

/* Parse and validate one file (rules_parse.c); *ret on success only. */
int rules_file_parse(const struct rules_set *set, enum rules_layer layer, const char *name,
		     const char *text, size_t len, struct rules_err *e, struct rules_file **ret);

/*
 * The host_executable() entry in force for name: pending's own (last
 * definition wins) unless the set's is pinned by the MANAGED layer and
 * pending is not MANAGED, else the set's.  Either source may be NULL.
 */
const struct rules_host_exec *rules_find_host(const struct rules_set *set,
					      const struct rules_file *pending, const char *name);

/* Does this host_executable() entry list path ("~/" against home)? */
bool rules_host_lists(const struct rules_host_exec *h, const char *path, const char *home);

/* ---------------------------------------------------------------- evaluation core (rules_eval.c)
 */

/* Where rules come from: the set, or (example validation) a few of them. */
struct rules_src {
	const struct rules_set *set;
	const struct rules_file *pending; /* host_executable() entries not yet committed */
	const struct rules_prefix_rule *local; /* non-NULL: only these rules */
	size_t n_local;
};

/* Called for every rule that applies; a return > 0 stops, < 0 fails. */
typedef int (*rules_visit_fn)(void *userdata, const struct rules_prefix_rule *rule,
			      size_t prefix_len, const char *resolved, bool via_basename);

/*
 * Apply the program-resolution rules of rules.h to argv (argc >= 1).
 * *work (if non-NULL) counts token comparisons; past work_limit returns
 * -ERANGE.  Returns 0, the visitor's positive stop value, or < 0.
 */
int rules_eval_core(const struct rules_src *src, const char *const *argv, size_t argc,
		    const char *resolved, const char *home, rules_visit_fn fn, void *userdata,
		    size_t *work, size_t work_limit);

/* Pattern kinds of glob_rule(). */
enum rules_glob_kind {
	RULES_GLOB_ABSOLUTE,
	RULES_GLOB_HOME, /* "~/..." */
	RULES_GLOB_ANYWHERE, /* first component "**" */
	RULES_GLOB_RELATIVE, /* to the workspace */
};

enum rules_glob_kind rules_glob_kind(const char *pattern);

/* Does a glob_rule() pattern cover an example path as written in the file?
 * 1, 0, or -E2BIG when *budget ran out. */
int rules_glob_example_matches(const char *pattern, const char *example, size_t *budget);

/*
 * network_rule()'s host normalisation (Codex's: trim, strip [v6] brackets
 * or a :port, strip trailing dots, lower-case; reject schemes, paths,
 * wildcards, white space), plus: printable ASCII only, at most
 * CX_MAX_DOMAIN bytes.  The result is allocated in a; NULL with a message
 * in *ret_msg when rejected, NULL with *ret_msg NULL when out of memory.
 */
char *rules_normalize_host(struct rules_arena *a, const char *raw, const char **ret_msg);

/* Render a prefix rule's pattern for messages: ["git", ["a", "b"]]. */
void rules_buf_put_pattern(struct rules_buf *b, const struct rules_prefix_rule *r);

#endif
