/* SPDX-License-Identifier: MIT */
/*
 * Splitting `bash -lc "<script>"` into plain commands; see shell_split.h.
 *
 * Security invariant of the STRICT parse: every command it returns is one
 * the shell would run with exactly that argv (after quote removal), every
 * redirection the shell would perform is recorded, and nothing else runs.
 * When in doubt it rejects, and rejecting is always safe: the caller then
 * evaluates the whole argv unsplit, which rules keyed on the real program
 * do not match and which the known-safe list never accepts.
 *
 * The PERMISSIVE parse has the opposite duty: find every literal command
 * that might run, so that the dangerous-command check can look at it.  It
 * may find commands that never run; it must not be used to allow anything.
 *
 * Neither parse executes, expands or looks anything up; both are linear in
 * the script (nested backticks are re-scanned once per level, bounded by
 * CX_MAX_SHELL_NESTING) and bounded by the CX_MAX_SHELL_* limits.
 */
#include "policy/shell_split.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"

/* ------------------------------------------------------------------ small helpers */

/* A growable NUL-terminated byte buffer bounded by CX_MAX_SHELL_WORD. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void sbuf_done(struct sbuf *b)
{
	free(b->p);
	*b = (struct sbuf){0};
}

/* 0, SHELL_SPLIT_LIMIT, or -ENOMEM. */
static int sbuf_putc(struct sbuf *b, char c)
{
	if (b->n + 2 > b->cap) {
		size_t ncap;
		char *np;

		if (b->n + 1 > CX_MAX_SHELL_WORD)
			return SHELL_SPLIT_LIMIT;
		ncap = b->cap ? b->cap * 2 : 32;
		if (ncap > (size_t)CX_MAX_SHELL_WORD + 2)
			ncap = (size_t)CX_MAX_SHELL_WORD + 2;
		np = realloc(b->p, ncap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = ncap;
	}
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
	return 0;
}

/* Take the buffer's string (an empty buffer yields ""); the buffer is reset. */
static char *sbuf_take(struct sbuf *b)
{
	char *s = b->p;

	if (!s)
		s = strdup("");
	*b = (struct sbuf){0};
	return s;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* "{name}" as used by bash's {varname}>file descriptor allocation. */
static bool is_brace_name(const char *s, size_t n)
{
	if (n < 3 || s[0] != '{' || s[n - 1] != '}' || !is_name_start(s[1]))
		return false;
	for (size_t i = 2; i + 1 < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* Parse a descriptor number; false when it is above CX_MAX_SHELL_FD. */
static bool parse_fd(const char *s, size_t n, int *ret)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > CX_MAX_SHELL_FD)
			return false;
	}
	*ret = (int)v;
	return true;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ------------------------------------------------------------------ result objects */

static void redirect_done(struct shell_redirect *r)
{
	free(r->target);
	r->target = NULL;
}

static void assignment_done(struct shell_assignment *a)
{
	free(a->name);
	free(a->value);
	a->name = a->value = NULL;
}

static void command_done(struct shell_command *c)
{
	if (!c)
		return;
	if (c->argv)
		for (size_t i = 0; i < c->argc; i++)
			free(c->argv[i]);
	free(c->argv);
	for (size_t i = 0; i < c->n_redirects; i++)
		redirect_done(&c->redirects[i]);
	free(c->redirects);
	for (size_t i = 0; i < c->n_assignments; i++)
		assignment_done(&c->assignments[i]);
	free(c->assignments);
	*c = (struct shell_command){0};
}

void shell_split_free(struct shell_split *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_commands; i++)
		command_done(&s->commands[i]);
	free(s->commands);
	free(s);
}

/* Append a word (taking ownership of w on success). 0, SHELL_SPLIT_LIMIT or -ENOMEM. */
static int command_push_word(struct shell_command *c, size_t *cap, char *w)
{
	if (c->argc >= CX_MAX_SHELL_WORDS)
		return SHELL_SPLIT_LIMIT;
	if (c->argc + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **nv = realloc(c->argv, ncap * sizeof(char *));

		if (!nv)
			return -ENOMEM;
		c->argv = nv;
		*cap = ncap;
	}
	c->argv[c->argc++] = w;
	c->argv[c->argc] = NULL;
	return 0;
}

static int command_push_redirect(struct shell_command *c, struct shell_redirect *r)
{
	struct shell_redirect *nr;

	if (c->n_redirects >= CX_MAX_SHELL_REDIRECTS)
		return SHELL_SPLIT_LIMIT;
	nr = realloc(c->redirects, (c->n_redirects + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	c->redirects = nr;
	c->redirects[c->n_redirects++] = *r;
	*r = (struct shell_redirect){0};
	return 0;
}

static int command_push_assignment(struct shell_command *c, char *name, char *value)
{
	struct shell_assignment *na;

	if (c->n_assignments >= CX_MAX_SHELL_ASSIGNMENTS)
		return SHELL_SPLIT_LIMIT;
	na = realloc(c->assignments, (c->n_assignments + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	c->assignments = na;
	c->assignments[c->n_assignments++] =
		(struct shell_assignment){.name = name, .value = value};
	return 0;
}

/* Move *c into the result.  0, SHELL_SPLIT_LIMIT or -ENOMEM (c untouched on failure). */
static int split_push_command(struct shell_split *s, struct shell_command *c)
{
	struct shell_command *nc;

	if (s->n_commands >= CX_MAX_SHELL_COMMANDS)
		return SHELL_SPLIT_LIMIT;
	nc = realloc(s->commands, (s->n_commands + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	s->commands = nc;
	s->commands[s->n_commands++] = *c;
	*c = (struct shell_command){0};
	return 0;
}

/* ------------------------------------------------------------------ public small functions */

bool shell_argv_get_script(char *const *argv, const char **ret_script,
			   enum shell_dialect *ret_dialect)
{
	enum shell_dialect d;
	const char *name;

	if (!argv || !argv[0] || !argv[1] || !argv[2] || argv[3])
		return false;
	if (strcmp(argv[1], "-lc") != 0 && strcmp(argv[1], "-c") != 0)
		return false;
	name = base_name(argv[0]);
	if (strcmp(name, "bash") == 0)
		d = SHELL_DIALECT_BASH;
	else if (strcmp(name, "zsh") == 0)
		d = SHELL_DIALECT_ZSH;
	else if (strcmp(name, "sh") == 0)
		d = SHELL_DIALECT_SH;
	else
		return false;
	if (ret_script)
		*ret_script = argv[2];
	if (ret_dialect)
		*ret_dialect = d;
	return true;
}

bool shell_assignment_is_dangerous(const char *name)
{
	/*
	 * Variables that make a program (or the shell, or something a program
	 * starts) load or run code from somewhere else, or read its
	 * configuration from somewhere else (HOME, XDG_CONFIG_HOME: a
	 * .gitconfig with core.pager is code).
	 */
	static const char *const exact[] = {
		"PATH",
		"HOME",
		"ENV",
		"BASH_ENV",
		"BASH_LOADABLES_PATH",
		"BASHOPTS",
		"SHELLOPTS",
		"SHELL",
		"IFS",
		"PS1",
		"PS2",
		"PS3",
		"PS4",
		"PROMPT_COMMAND",
		"CDPATH",
		"GLOBIGNORE",
		"ZDOTDIR",
		"XDG_CONFIG_HOME",
		"PYTHONPATH",
		"PYTHONSTARTUP",
		"PYTHONHOME",
		"PYTHONUSERBASE",
		"PYTHONBREAKPOINT",
		"PERL5LIB",
		"PERL5OPT",
		"PERLLIB",
		"PERL5DB",
		"RUBYOPT",
		"RUBYLIB",
		"NODE_OPTIONS",
		"NODE_PATH",
		"LESSOPEN",
		"LESSCLOSE",
		"PAGER",
		"MANPAGER",
		"EDITOR",
		"VISUAL",
		"BROWSER",
		"GCONV_PATH",
		"GLIBC_TUNABLES",
		"NLSPATH",
		"HOSTALIASES",
		"SSH_ASKPASS",
		"SUDO_ASKPASS",
		"JAVA_TOOL_OPTIONS",
		"_JAVA_OPTIONS",
		"JDK_JAVA_OPTIONS",
		"CLASSPATH",
		"RUSTC_WRAPPER",
		"RUSTC",
	};
	static const char *const prefix[] = {
		"LD_", "DYLD_", "GIT_", "BASH_FUNC_", "npm_config_", "NPM_CONFIG_",
	};

	if (!name)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefix); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

const char *shell_split_status_to_string(int status)
{
	static const char *const names[_SHELL_SPLIT_STATUS_MAX] = {
		[SHELL_SPLIT_OK] = "ok",
		[SHELL_SPLIT_NOT_SHELL] = "not a shell -c command",
		[SHELL_SPLIT_EMPTY] = "empty script",
		[SHELL_SPLIT_SYNTAX] = "syntax not understood",
		[SHELL_SPLIT_EXPANSION] = "expansion or substitution",
		[SHELL_SPLIT_COMPOUND] = "compound command or unsupported operator",
		[SHELL_SPLIT_REDIRECT] = "unsupported redirection",
		[SHELL_SPLIT_ASSIGNMENT] = "unsupported assignment",
		[SHELL_SPLIT_HEREDOC] = "here-document",
		[SHELL_SPLIT_LIMIT] = "limit exceeded",
	};

	if (status < 0)
		return "error";
	if (status >= _SHELL_SPLIT_STATUS_MAX)
		return "unknown";
	return names[status];
}

const char *shell_redirect_mode_to_string(enum shell_redirect_mode mode)
{
	static const char *const names[_SHELL_REDIRECT_MODE_MAX] = {
		[SHELL_REDIRECT_READ] = "read",	      [SHELL_REDIRECT_WRITE] = "write",
		[SHELL_REDIRECT_APPEND] = "append",   [SHELL_REDIRECT_READ_WRITE] = "read-write",
		[SHELL_REDIRECT_DUP] = "dup",	      [SHELL_REDIRECT_CLOSE] = "close",
		[SHELL_REDIRECT_HEREDOC] = "heredoc",
	};

	if ((unsigned)mode >= _SHELL_REDIRECT_MODE_MAX)
		return "unknown";
	return names[mode];
}

bool shell_redirect_writes_file(const struct shell_redirect *r)
{
	return r && (r->mode == SHELL_REDIRECT_WRITE || r->mode == SHELL_REDIRECT_APPEND ||
		     r->mode == SHELL_REDIRECT_READ_WRITE);
}

/* Words that open or close a compound command, or are otherwise reserved in
 * bash or zsh, when they appear unquoted as the first word. */
static bool is_reserved_word(const char *w)
{
	static const char *const words[] = {
		"if",	"then",	  "else",    "elif",  "fi",	"case",	     "esac",
		"for",	"select", "while",   "until", "do",	"done",	     "function",
		"time", "coproc", "{",	     "}",     "[[",	"]]",	     "!",
		"in",	"repeat", "foreach", "end",   "always", "nocorrect", "noglob",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

/* ================================================================== strict parse */

struct pending_heredoc {
	char *delim;
	bool strip_tabs;
	bool quoted;
	bool script; /* permissive parse: the body is fed to a shell */
};

struct lexer {
	const char *s;
	size_t len, pos;
	enum shell_dialect dialect;
	struct pending_heredoc pending[CX_MAX_SHELL_HEREDOCS];
	size_t n_pending;
	bool saw_heredoc;
	bool heredoc_expands; /* an unquoted body contains $( ${ or ` */
};

enum tok_kind {
	TOK_EOF,
	TOK_WORD,
	TOK_NEWLINE,
	TOK_SEMI,
	TOK_AND,
	TOK_OR,
	TOK_PIPE,
	TOK_REDIRECT,
};

struct word_info {
	struct sbuf text; /* after quote removal */
	size_t raw_start; /* offset of the first raw byte */
	bool plain; /* no quote or backslash anywhere */
	bool glob; /* unquoted * ? [ */
	bool tilde_start; /* unquoted ~ as first byte */
	bool tilde_assign; /* unquoted ~ right after an unquoted = or : */
	bool bang_start; /* unquoted ! as first byte */
	bool equals_start; /* unquoted = as first byte (zsh =cmd expansion) */
	size_t name_len; /* > 0: begins with unquoted NAME= ; the index of '=' */
	bool plus_assign; /* begins with unquoted NAME+= */
	bool subscript_assign; /* begins with unquoted NAME[ and contains '=' */
};

struct token {
	enum tok_kind kind;
	struct word_info w;
	struct shell_redirect r;
};

static void token_done(struct token *t)
{
	sbuf_done(&t->w.text);
	redirect_done(&t->r);
	*t = (struct token){0};
}

static void lexer_done(struct lexer *lx)
{
	for (size_t i = 0; i < lx->n_pending; i++)
		free(lx->pending[i].delim);
	lx->n_pending = 0;
}

/*
 * Past blanks, backslash-newline pairs and a comment, from pos in s[0..end):
 * where the next token starts (end when none).
 */
static size_t skip_blanks(const char *s, size_t pos, size_t end)
{
	while (pos < end) {
		if (s[pos] == ' ' || s[pos] == '\t')
			pos++;
		else if (s[pos] == '\\' && pos + 1 < end && s[pos + 1] == '\n')
			pos += 2;
		else if (s[pos] == '#')
			while (pos < end && s[pos] != '\n')
				pos++;
		else
			break;
	}
	return pos;
}

static bool at(const struct lexer *lx, size_t off, char c)
{
	return lx->pos + off < lx->len && lx->s[lx->pos + off] == c;
}

/* Characters that end an unquoted word. */
static bool is_word_end(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' ||
	       c == '>' || c == '(' || c == ')';
}

/*
 * Read one word starting at lx->pos, which is not a word-ending byte.
 * Quote removal is done here; anything that would need expansion is
 * refused.  Returns 0 or a status / -errno.
 */
static int lex_word(struct lexer *lx, struct word_info *w)
{
	bool name_possible = true, brace_open = false, brace_sep = false, bracket_name = false;
	size_t name_chars = 0;
	char prev_unquoted = 0;
	int r;

	*w = (struct word_info){.plain = true, .raw_start = lx->pos};
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];
		bool first = lx->pos == w->raw_start;

		if (c == '\0')
			return SHELL_SPLIT_SYNTAX;
		if (is_word_end(c)) {
			if (c == '(' || c == ')')
				return SHELL_SPLIT_COMPOUND;
			break;
		}
		if (c == '$' || c == '`')
			return SHELL_SPLIT_EXPANSION;
		if (c == '\'') {
			w->plain = false;
			name_possible = false;
			lx->pos++;
			for (;;) {
				if (lx->pos >= lx->len || lx->s[lx->pos] == '\0')
					return SHELL_SPLIT_SYNTAX;
				if (lx->s[lx->pos] == '\'')
					break;
				r = sbuf_putc(&w->text, lx->s[lx->pos++]);
				if (r != 0)
					return r;
			}
			lx->pos++;
			prev_unquoted = 0;
			continue;
		}
		if (c == '"') {
			w->plain = false;
			name_possible = false;
			lx->pos++;
			for (;;) {
				char d;

				if (lx->pos >= lx->len || lx->s[lx->pos] == '\0')
					return SHELL_SPLIT_SYNTAX;
				d = lx->s[lx->pos];
				if (d == '"')
					break;
				if (d == '$' || d == '`')
					return SHELL_SPLIT_EXPANSION;
				if (d == '\\') {
					char e;

					if (lx->pos + 1 >= lx->len)
						return SHELL_SPLIT_SYNTAX;
					e = lx->s[lx->pos + 1];
					if (e == '\n') {
						lx->pos += 2;
						continue;
					}
					if (e != '"' && e != '\\' && e != '$' && e != '`')
						return SHELL_SPLIT_EXPANSION;
					r = sbuf_putc(&w->text, e);
					if (r != 0)
						return r;
					lx->pos += 2;
					continue;
				}
				r = sbuf_putc(&w->text, d);
				if (r != 0)
					return r;
				lx->pos++;
			}
			lx->pos++;
			prev_unquoted = 0;
			continue;
		}
		if (c == '\\') {
			char e;

			if (lx->pos + 1 >= lx->len || lx->s[lx->pos + 1] == '\0')
				return SHELL_SPLIT_SYNTAX; /* a lone trailing backslash */
			e = lx->s[lx->pos + 1];
			lx->pos += 2;
			if (e == '\n')
				continue; /* line continuation inside a word */
			w->plain = false;
			name_possible = false;
			prev_unquoted = 0;
			r = sbuf_putc(&w->text, e);
			if (r != 0)
				return r;
			continue;
		}

		/* An unquoted ordinary byte. */
		if (c == '*' || c == '?' || c == '[')
			w->glob = true;
		if (c == '~') {
			if (first)
				w->tilde_start = true;
			if (prev_unquoted == '=' || prev_unquoted == ':')
				w->tilde_assign = true;
		}
		if (first && c == '!')
			w->bang_start = true;
		if (first && c == '=')
			w->equals_start = true;
		if (c == '{') {
			brace_open = true;
			brace_sep = false;
		} else if (brace_open && (c == ',' || (c == '.' && at(lx, 1, '.')))) {
			brace_sep = true;
		} else if (c == '}' && brace_open && brace_sep) {
			return SHELL_SPLIT_EXPANSION; /* {a,b} or {1..3} */
		}
		if (name_possible) {
			if (c == '=' && name_chars > 0) {
				w->name_len = w->text.n;
				name_possible = false;
			} else if (c == '+' && name_chars > 0 && at(lx, 1, '=')) {
				w->plus_assign = true;
				name_possible = false;
			} else if (c == '[' && name_chars > 0) {
				bracket_name = true;
				name_possible = false;
			} else if (name_chars == 0 ? is_name_start(c) : is_name_char(c)) {
				name_chars++;
			} else {
				name_possible = false;
			}
		}
		if (bracket_name && c == '=')
			w->subscript_assign = true;
		prev_unquoted = c;
		r = sbuf_putc(&w->text, c);
		if (r != 0)
			return r;
		lx->pos++;
	}
	if (!w->text.p) {
		/* "" or '' : an empty word. */
		r = sbuf_putc(&w->text, 'x');
		if (r != 0)
			return r;
		w->text.n = 0;
		w->text.p[0] = '\0';
	}
	return 0;
}

/* Skip blanks and backslash-newlines (not newlines). */
static void lex_skip_blanks(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (c == ' ' || c == '\t')
			lx->pos++;
		else if (c == '\\' && at(lx, 1, '\n'))
			lx->pos += 2;
		else
			break;
	}
}

/*
 * Here-document bodies start after the newline that ends the line holding
 * their operators; read (and check) them in order.
 */
static int lex_read_heredocs(struct lexer *lx)
{
	for (size_t i = 0; i < lx->n_pending; i++) {
		struct pending_heredoc *h = &lx->pending[i];
		size_t dlen = strlen(h->delim);

		for (;;) {
			size_t start = lx->pos, end, cmp;
			const char *nl;

			if (lx->pos >= lx->len)
				return SHELL_SPLIT_SYNTAX; /* unterminated here-document */
			nl = memchr(lx->s + start, '\n', lx->len - start);
			end = nl ? (size_t)(nl - lx->s) : lx->len;
			if (memchr(lx->s + start, '\0', end - start))
				return SHELL_SPLIT_SYNTAX;
			lx->pos = nl ? end + 1 : lx->len;
			cmp = start;
			if (h->strip_tabs)
				while (cmp < end && lx->s[cmp] == '\t')
					cmp++;
			if (end - cmp == dlen && memcmp(lx->s + cmp, h->delim, dlen) == 0)
				break;
			if (!h->quoted) {
				/*
				 * An unquoted body is expanded: a command substitution in it
				 * runs.  A trailing backslash joins lines, which would move the
				 * terminator; refuse rather than model it.
				 */
				for (size_t k = start; k < end; k++) {
					char c = lx->s[k];

					if (c == '`' ||
					    (c == '$' && k + 1 < end &&
					     (lx->s[k + 1] == '(' || lx->s[k + 1] == '{')))
						lx->heredoc_expands = true;
				}
				if (end > start && lx->s[end - 1] == '\\')
					return SHELL_SPLIT_HEREDOC;
			}
		}
	}
	lexer_done(lx);
	return 0;
}

/* Read the target word of a redirection. */
static int lex_redirect_target(struct lexer *lx, struct word_info *w)
{
	int r;

	lex_skip_blanks(lx);
	if (lx->pos >= lx->len || is_word_end(lx->s[lx->pos]) || lx->s[lx->pos] == '#')
		return SHELL_SPLIT_SYNTAX;
	r = lex_word(lx, w);
	if (r != 0)
		return r;
	return 0;
}

/*
 * A redirection operator at lx->pos ('<', '>' or the '&' of "&>"), with an
 * explicit descriptor (fd >= 0) or the default (fd < 0).
 */
static int lex_redirect(struct lexer *lx, int fd, struct token *t)
{
	struct word_info w = {0};
	enum shell_redirect_mode mode;
	bool dup = false, heredoc = false, strip = false;
	char c = lx->s[lx->pos];
	int r;

	if (c == '&') {
		/* &> and &>>: bash and zsh only; POSIX sh reads "background, then >". */
		if (lx->dialect == SHELL_DIALECT_SH)
			return SHELL_SPLIT_COMPOUND;
		if (fd >= 0)
			return SHELL_SPLIT_REDIRECT;
		if (at(lx, 2, '>')) {
			mode = SHELL_REDIRECT_APPEND;
			lx->pos += 3;
		} else {
			mode = SHELL_REDIRECT_WRITE;
			lx->pos += 2;
		}
		fd = SHELL_FD_STDOUT_STDERR;
	} else if (c == '>') {
		if (at(lx, 1, '(')) {
			return SHELL_SPLIT_EXPANSION; /* >(process substitution) */
		} else if (at(lx, 1, '>')) {
			mode = SHELL_REDIRECT_APPEND;
			lx->pos += 2;
		} else if (at(lx, 1, '|')) {
			mode = SHELL_REDIRECT_WRITE;
			lx->pos += 2;
		} else if (at(lx, 1, '&')) {
			mode = SHELL_REDIRECT_DUP;
			dup = true;
			lx->pos += 2;
		} else {
			mode = SHELL_REDIRECT_WRITE;
			lx->pos += 1;
		}
		if (fd < 0)
			fd = 1;
	} else {
		if (at(lx, 1, '(')) {
			return SHELL_SPLIT_EXPANSION; /* <(process substitution) */
		} else if (at(lx, 1, '<')) {
			if (at(lx, 2, '<'))
				return SHELL_SPLIT_REDIRECT; /* here-string */
			heredoc = true;
			mode = SHELL_REDIRECT_HEREDOC;
			if (at(lx, 2, '-')) {
				strip = true;
				lx->pos += 3;
			} else {
				lx->pos += 2;
			}
		} else if (at(lx, 1, '>')) {
			mode = SHELL_REDIRECT_READ_WRITE;
			lx->pos += 2;
		} else if (at(lx, 1, '&')) {
			mode = SHELL_REDIRECT_DUP;
			dup = true;
			lx->pos += 2;
		} else {
			mode = SHELL_REDIRECT_READ;
			lx->pos += 1;
		}
		if (fd < 0)
			fd = 0;
	}

	r = lex_redirect_target(lx, &w);
	if (r != 0)
		goto out;

	t->kind = TOK_REDIRECT;
	t->r = (struct shell_redirect){.fd = fd, .mode = mode, .target_fd = -1};
	if (dup) {
		if (!w.plain) {
			r = SHELL_SPLIT_REDIRECT;
		} else if (strcmp(w.text.p, "-") == 0) {
			t->r.mode = SHELL_REDIRECT_CLOSE;
		} else if (all_digits(w.text.p, w.text.n)) {
			if (!parse_fd(w.text.p, w.text.n, &t->r.target_fd))
				r = SHELL_SPLIT_LIMIT;
		} else {
			r = SHELL_SPLIT_REDIRECT; /* >&file, 2>&1-: not modelled */
		}
		goto out;
	}
	if (heredoc) {
		struct pending_heredoc *h;

		if (w.text.n == 0 || memchr(w.text.p, '\n', w.text.n)) {
			r = SHELL_SPLIT_SYNTAX;
			goto out;
		}
		if (lx->n_pending >= CX_MAX_SHELL_HEREDOCS) {
			r = SHELL_SPLIT_LIMIT;
			goto out;
		}
		h = &lx->pending[lx->n_pending];
		h->delim = strdup(w.text.p);
		t->r.target = strdup(w.text.p);
		if (!h->delim || !t->r.target) {
			free(h->delim);
			h->delim = NULL;
			r = -ENOMEM;
			goto out;
		}
		h->strip_tabs = strip;
		h->quoted = !w.plain;
		t->r.quoted = h->quoted;
		lx->n_pending++;
		lx->saw_heredoc = true;
		goto out;
	}
	/* A file: the target must be exactly what the shell opens. */
	if (w.text.n == 0 || w.glob || w.tilde_start || w.bang_start || w.equals_start) {
		r = SHELL_SPLIT_EXPANSION;
		goto out;
	}
	/* zsh reads <1-10> as a numeric glob, not as "<1-10" then ">". */
	if (mode == SHELL_REDIRECT_READ && lx->pos < lx->len && lx->s[lx->pos] == '>') {
		r = SHELL_SPLIT_REDIRECT;
		goto out;
	}
	t->r.target = sbuf_take(&w.text);
	if (!t->r.target)
		r = -ENOMEM;
out:
	sbuf_done(&w.text);
	return r;
}

/* Next token of the strict parse.  0 or a status / -errno. */
static int lex_next(struct lexer *lx, struct token *t)
{
	int r;

	token_done(t);
	lx->pos = skip_blanks(lx->s, lx->pos, lx->len);
	if (lx->pos >= lx->len) {
		if (lx->n_pending > 0)
			return SHELL_SPLIT_SYNTAX; /* here-document never started */
		t->kind = TOK_EOF;
		return 0;
	}

	switch (lx->s[lx->pos]) {
	case '\n':
		lx->pos++;
		t->kind = TOK_NEWLINE;
		return lex_read_heredocs(lx);
	case ';':
		if (at(lx, 1, ';') || at(lx, 1, '&'))
			return SHELL_SPLIT_COMPOUND; /* ;; ;& ;;& */
		lx->pos++;
		t->kind = TOK_SEMI;
		return 0;
	case '&':
		if (at(lx, 1, '&')) {
			lx->pos += 2;
			t->kind = TOK_AND;
			return 0;
		}
		if (at(lx, 1, '>'))
			return lex_redirect(lx, -1, t);
		return SHELL_SPLIT_COMPOUND; /* background */
	case '|':
		if (at(lx, 1, '|')) {
			lx->pos += 2;
			t->kind = TOK_OR;
			return 0;
		}
		if (at(lx, 1, '&'))
			return SHELL_SPLIT_COMPOUND; /* |& */
		lx->pos++;
		t->kind = TOK_PIPE;
		return 0;
	case '<':
	case '>':
		return lex_redirect(lx, -1, t);
	case '(':
	case ')':
		return SHELL_SPLIT_COMPOUND;
	default:
		break;
	}

	r = lex_word(lx, &t->w);
	if (r != 0)
		return r;
	if (lx->pos < lx->len && (lx->s[lx->pos] == '<' || lx->s[lx->pos] == '>') && t->w.plain) {
		/* "2>file": digits glued to the operator name the descriptor. */
		if (all_digits(t->w.text.p, t->w.text.n)) {
			int fd;

			if (!parse_fd(t->w.text.p, t->w.text.n, &fd))
				return SHELL_SPLIT_LIMIT;
			sbuf_done(&t->w.text);
			return lex_redirect(lx, fd, t);
		}
		if (is_brace_name(t->w.text.p, t->w.text.n))
			return SHELL_SPLIT_REDIRECT; /* {fd}>file allocates a descriptor */
	}
	t->kind = TOK_WORD;
	return 0;
}

/* Parse one simple command starting at token *t; leaves *t at the token after it. */
static int parse_simple_command(struct lexer *lx, struct token *t, struct shell_split *out)
{
	struct shell_command cmd = {0};
	size_t cap = 0;
	int r;

	for (;;) {
		if (t->kind == TOK_WORD) {
			struct word_info *w = &t->w;

			if (lx->dialect == SHELL_DIALECT_ZSH && w->equals_start) {
				r = SHELL_SPLIT_EXPANSION; /* zsh: =cmd expands to a path */
				goto fail;
			}
			if (cmd.argc == 0 && (w->plus_assign || w->subscript_assign)) {
				r = SHELL_SPLIT_ASSIGNMENT;
				goto fail;
			}
			if (cmd.argc == 0 && w->name_len > 0) {
				char *name, *value;

				if (w->tilde_assign) {
					r = SHELL_SPLIT_EXPANSION;
					goto fail;
				}
				name = strndup(w->text.p, w->name_len);
				value = strdup(w->text.p + w->name_len + 1);
				if (!name || !value) {
					free(name);
					free(value);
					r = -ENOMEM;
					goto fail;
				}
				r = command_push_assignment(&cmd, name, value);
				if (r != 0) {
					free(name);
					free(value);
					goto fail;
				}
			} else {
				char *word;

				if (cmd.argc == 0 && w->plain && is_reserved_word(w->text.p)) {
					r = SHELL_SPLIT_COMPOUND;
					goto fail;
				}
				word = sbuf_take(&w->text);
				if (!word) {
					r = -ENOMEM;
					goto fail;
				}
				r = command_push_word(&cmd, &cap, word);
				if (r != 0) {
					free(word);
					goto fail;
				}
			}
		} else if (t->kind == TOK_REDIRECT) {
			r = command_push_redirect(&cmd, &t->r);
			if (r != 0)
				goto fail;
		} else {
			break;
		}
		r = lex_next(lx, t);
		if (r != 0)
			goto fail;
	}

	if (cmd.argc == 0) {
		/* NAME=value alone changes the shell's state for the rest of the
		 * script (PATH=...; ls); ">file" alone truncates a file. */
		r = cmd.n_assignments > 0 ? SHELL_SPLIT_ASSIGNMENT : SHELL_SPLIT_REDIRECT;
		goto fail;
	}
	if (cmd.n_redirects > 0)
		out->had_redirects = true;
	if (cmd.n_assignments > 0)
		out->had_assignments = true;
	r = split_push_command(out, &cmd);
	if (r != 0)
		goto fail;
	return 0;
fail:
	command_done(&cmd);
	return r;
}

enum parse_state {
	PS_START, /* a command may start; newlines are fine; EOF ends */
	PS_AFTER_CMD, /* right after a command */
	PS_AFTER_SEMI,
	PS_NEED_CMD, /* after && || |: a command must follow */
};

static int parse_strict(struct lexer *lx, struct shell_split *out)
{
	enum parse_state st = PS_START;
	struct token t = {0};
	int r;

	r = lex_next(lx, &t);
	while (r == 0) {
		switch (t.kind) {
		case TOK_EOF:
			r = st == PS_NEED_CMD ? SHELL_SPLIT_SYNTAX : 0;
			goto done;
		case TOK_NEWLINE:
			if (st != PS_NEED_CMD)
				st = PS_START;
			break;
		case TOK_SEMI:
			if (st != PS_AFTER_CMD) {
				r = SHELL_SPLIT_SYNTAX;
				goto done;
			}
			st = PS_AFTER_SEMI;
			break;
		case TOK_AND:
		case TOK_OR:
		case TOK_PIPE:
			if (st != PS_AFTER_CMD) {
				r = SHELL_SPLIT_SYNTAX;
				goto done;
			}
			st = PS_NEED_CMD;
			break;
		case TOK_WORD:
		case TOK_REDIRECT:
			r = parse_simple_command(lx, &t, out);
			if (r != 0)
				goto done;
			st = PS_AFTER_CMD;
			continue; /* t is already the next token */
		}
		r = lex_next(lx, &t);
	}
done:
	token_done(&t);
	return r;
}

/*
 * Codex's heredoc fallback: exactly one command, no assignment, no file
 * redirection, and no command substitution hidden in an unquoted body.
 */
static bool heredoc_reducible(const struct lexer *lx, const struct shell_split *s)
{
	const struct shell_command *c;

	if (s->n_commands != 1 || lx->heredoc_expands)
		return false;
	c = &s->commands[0];
	if (c->n_assignments > 0)
		return false;
	for (size_t i = 0; i < c->n_redirects; i++)
		if (c->redirects[i].mode != SHELL_REDIRECT_HEREDOC &&
		    c->redirects[i].mode != SHELL_REDIRECT_DUP &&
		    c->redirects[i].mode != SHELL_REDIRECT_CLOSE)
			return false;
	return true;
}

int shell_split_script(const char *script, size_t len, enum shell_dialect dialect,
		       struct shell_split **ret)
{
	_cleanup_(shell_split_freep) struct shell_split *s = NULL;
	struct lexer lx;
	int r;

	if (!script || !ret || (unsigned)dialect >= _SHELL_DIALECT_MAX)
		return -EINVAL;
	if (len > CX_MAX_SHELL_SCRIPT)
		return SHELL_SPLIT_LIMIT;
	/* execve() would cut the script at a NUL; never guess which part runs. */
	if (memchr(script, '\0', len))
		return SHELL_SPLIT_SYNTAX;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	lx = (struct lexer){.s = script, .len = len, .dialect = dialect};
	r = parse_strict(&lx, s);
	lexer_done(&lx);
	if (r != 0)
		return r;
	if (s->n_commands == 0)
		return SHELL_SPLIT_EMPTY;
	if (lx.saw_heredoc) {
		if (!heredoc_reducible(&lx, s))
			return SHELL_SPLIT_HEREDOC;
		s->complex_parse = true;
	}
	*ret = TAKE_PTR(s);
	return SHELL_SPLIT_OK;
}

int shell_split_argv(char *const *argv, struct shell_split **ret)
{
	enum shell_dialect d;
	const char *script;

	if (!argv || !ret)
		return -EINVAL;
	if (!shell_argv_get_script(argv, &script, &d))
		return SHELL_SPLIT_NOT_SHELL;
	return shell_split_script(script, strlen(script), d, ret);
}

/* ================================================================== permissive parse */

/*
 * State shared by every nesting level of one permissive parse.  "stop" ends
 * the whole parse (a limit or an allocation failure); a syntax error only
 * ends the level it happened in and marks the result incomplete.
 */
struct lit_shared {
	struct shell_split *out;
	int err; /* first -errno */
	bool stop;
	size_t expanded; /* bytes produced by brace expansion, bounded by the script size */
};

struct lit {
	struct lit_shared *sh;
	const char *s;
	size_t pos, end;
	unsigned depth;
	struct pending_heredoc pending[CX_MAX_SHELL_HEREDOCS];
	size_t n_pending;
};

/* Alternatives of a brace list expanded by the permissive parse. */
#define LIT_MAX_BRACE_ALTS 64

enum lit_tok {
	LT_EOF,
	LT_WORD,
	LT_SEP, /* ; & newline */
	LT_JOIN, /* && || | |& */
	LT_DSEMI, /* ;; ;& ;;& */
	LT_LPAREN,
	LT_RPAREN,
	LT_REDIR,
};

struct lit_token {
	enum lit_tok kind;
	bool newline;
	bool heredoc, heredoc_strip;
	struct sbuf text;
	bool literal; /* word: no expansion anywhere */
	bool plain; /* word: no quoting either */
	bool assign; /* word: begins with unquoted NAME= / NAME+= / NAME[...]= */
	/* word: one unquoted brace list "pre{a,b,c}post" (offsets into text) */
	size_t brace_open, brace_close, n_commas;
	size_t commas[LIT_MAX_BRACE_ALTS];
};

static void lit_fail(struct lit *L, int r)
{
	if (r < 0 && L->sh->err == 0)
		L->sh->err = r;
	if (r == SHELL_SPLIT_LIMIT)
		L->sh->out->limit_hit = true;
	L->sh->stop = true;
}

static void lit_syntax(struct lit *L)
{
	L->sh->out->incomplete = true;
}

static bool lit_at(const struct lit *L, size_t off, char c)
{
	return L->pos + off < L->end && L->s[L->pos + off] == c;
}

static void lit_pending_done(struct lit *L)
{
	for (size_t i = 0; i < L->n_pending; i++)
		free(L->pending[i].delim);
	L->n_pending = 0;
}

static bool lit_list(struct lit *L, bool until_paren);

/* Parse a nested script held in its own buffer (backtick contents). */
static void lit_nested_buffer(struct lit *L, const char *s, size_t len)
{
	struct lit sub = {.sh = L->sh, .s = s, .pos = 0, .end = len, .depth = L->depth + 1};

	if (sub.depth > CX_MAX_SHELL_NESTING) {
		lit_fail(L, SHELL_SPLIT_LIMIT);
		return;
	}
	(void)lit_list(&sub, false);
	lit_pending_done(&sub);
}

/* $( ... ) or <( ... ): L->pos is just after the '('. */
static void lit_nested_paren(struct lit *L)
{
	struct lit sub = {
		.sh = L->sh, .s = L->s, .pos = L->pos, .end = L->end, .depth = L->depth + 1};

	if (sub.depth > CX_MAX_SHELL_NESTING) {
		lit_fail(L, SHELL_SPLIT_LIMIT);
		return;
	}
	if (!lit_list(&sub, true))
		lit_syntax(L);
	lit_pending_done(&sub);
	L->pos = sub.pos;
}

/* A backtick substitution: L->pos is just after the opening '`'. */
static void lit_backtick(struct lit *L)
{
	struct sbuf b = {0};
	int r;

	for (;;) {
		char c;

		if (L->pos >= L->end) {
			lit_syntax(L);
			break;
		}
		c = L->s[L->pos++];
		if (c == '`')
			break;
		if (c == '\\' && L->pos < L->end &&
		    (L->s[L->pos] == '`' || L->s[L->pos] == '\\' || L->s[L->pos] == '$'))
			c = L->s[L->pos++];
		r = sbuf_putc(&b, c);
		if (r != 0) {
			lit_fail(L, r);
			sbuf_done(&b);
			return;
		}
	}
	if (b.n > 0)
		lit_nested_buffer(L, b.p, b.n);
	sbuf_done(&b);
}

static void lit_dollar(struct lit *L);

/* Inside "...": L->pos just after the opening quote.  Appends the literal
 * text to b; clears *literal when something expands. */
static int lit_dquote(struct lit *L, struct sbuf *b, bool *literal)
{
	for (;;) {
		char c;
		int r;

		if (L->sh->stop)
			return 0;
		if (L->pos >= L->end) {
			lit_syntax(L);
			return 0;
		}
		c = L->s[L->pos];
		if (c == '"') {
			L->pos++;
			return 0;
		}
		if (c == '\\' && L->pos + 1 < L->end) {
			char e = L->s[L->pos + 1];

			L->pos += 2;
			if (e == '\n')
				continue;
			if (e != '"' && e != '\\' && e != '$' && e != '`') {
				r = sbuf_putc(b, '\\');
				if (r != 0)
					return r;
			}
			r = sbuf_putc(b, e);
			if (r != 0)
				return r;
			continue;
		}
		if (c == '$' && L->pos + 1 < L->end &&
		    (is_name_char(L->s[L->pos + 1]) || strchr("({@*#?-$!", L->s[L->pos + 1]))) {
			*literal = false;
			L->pos++;
			lit_dollar(L);
			continue;
		}
		if (c == '`') {
			*literal = false;
			L->pos++;
			lit_backtick(L);
			continue;
		}
		r = sbuf_putc(b, c);
		if (r != 0)
			return r;
		L->pos++;
	}
}

/* Skip a single-quoted string: L->pos just after the quote. */
static void lit_skip_squote(struct lit *L)
{
	while (L->pos < L->end && L->s[L->pos] != '\'')
		L->pos++;
	if (L->pos >= L->end)
		lit_syntax(L);
	else
		L->pos++;
}

/*
 * Scan a region that may hold nested parentheses or braces (arithmetic,
 * ${...}, array values, extglobs) up to the matching close, descending
 * into every command substitution found on the way.  L->pos is just after
 * the opening bracket(s); "level" counts the ones still open.
 */
static void lit_scan_balanced(struct lit *L, char open, char close, unsigned level)
{
	struct sbuf junk = {0};
	bool lit = true;
	int r;

	while (level > 0 && !L->sh->stop) {
		char c;

		if (L->pos >= L->end) {
			lit_syntax(L);
			break;
		}
		c = L->s[L->pos];
		if (c == '\\') {
			L->pos += 2;
		} else if (c == '\'') {
			L->pos++;
			lit_skip_squote(L);
		} else if (c == '"') {
			L->pos++;
			r = lit_dquote(L, &junk, &lit);
			sbuf_done(&junk);
			if (r != 0) {
				lit_fail(L, r);
				break;
			}
		} else if (c == '`') {
			L->pos++;
			lit_backtick(L);
		} else if (c == '$') {
			L->pos++;
			lit_dollar(L);
		} else if (c == open) {
			level++;
			L->pos++;
		} else if (c == close) {
			level--;
			L->pos++;
		} else {
			L->pos++;
		}
	}
	if (L->pos > L->end)
		L->pos = L->end;
	sbuf_done(&junk);
}

/* After a '$' (L->pos on the byte following it). */
static void lit_dollar(struct lit *L)
{
	if (L->pos >= L->end)
		return;
	switch (L->s[L->pos]) {
	case '(':
		if (lit_at(L, 1, '(')) {
			L->pos += 2;
			lit_scan_balanced(L, '(', ')', 2); /* $(( arithmetic )) */
		} else {
			L->pos++;
			lit_nested_paren(L);
		}
		return;
	case '{':
		L->pos++;
		lit_scan_balanced(L, '{', '}', 1);
		return;
	case '\'':
		L->pos++;
		while (L->pos < L->end && L->s[L->pos] != '\'') {
			if (L->s[L->pos] == '\\')
				L->pos++;
			L->pos++;
		}
		if (L->pos >= L->end) {
			L->pos = L->end;
			lit_syntax(L);
		} else {
			L->pos++;
		}
		return;
	default:
		if (is_name_start(L->s[L->pos])) {
			while (L->pos < L->end && is_name_char(L->s[L->pos]))
				L->pos++;
		} else if (strchr("@*#?-$!0123456789", L->s[L->pos])) {
			L->pos++;
		}
		return;
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* bash's one-letter $'...' escapes; -1 for others. */
static int ansi_c_simple_escape(char e)
{
	switch (e) {
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 'e':
	case 'E':
		return 0x1b;
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'v':
		return '\v';
	case '\\':
	case '\'':
	case '"':
	case '?':
		return e;
	default:
		return -1;
	}
}

/*
 * $'...' (L->pos after the quote): decode bash's escapes so that
 * $'\x72m' is seen as "rm".  \u and \U, and anything decoding to NUL, make
 * the word not literal.
 */
static int lit_ansi_c(struct lit *L, struct lit_token *t)
{
	while (L->pos < L->end && L->s[L->pos] != '\'') {
		char c = L->s[L->pos++];
		int v = -1, r;

		if (c == '\\' && L->pos < L->end) {
			char e = L->s[L->pos++];

			v = ansi_c_simple_escape(e);
			if (v >= 0) {
				c = (char)v;
			} else if (e == 'x') {
				int d;

				v = 0;
				for (int k = 0;
				     k < 2 && L->pos < L->end && (d = hex_value(L->s[L->pos])) >= 0;
				     k++, L->pos++)
					v = v * 16 + d;
			} else if (e >= '0' && e <= '7') {
				v = e - '0';
				for (int k = 0; k < 2 && L->pos < L->end && L->s[L->pos] >= '0' &&
						L->s[L->pos] <= '7';
				     k++, L->pos++)
					v = v * 8 + (L->s[L->pos] - '0');
				v &= 0xff;
			} else if (e == 'c' && L->pos < L->end) {
				v = L->s[L->pos++] & 0x1f;
			} else {
				t->literal = false; /* \u, \U, unknown: give up on the value */
				v = e;
			}
			if (v == 0)
				t->literal = false; /* bash cuts the word at a NUL */
			c = (char)v;
		}
		r = sbuf_putc(&t->text, c);
		if (r != 0)
			return r;
	}
	if (L->pos >= L->end)
		lit_syntax(L);
	else
		L->pos++;
	return 0;
}

/*
 * One word of the permissive parse.  Words with any expansion are marked
 * not literal (their text is then meaningless); substitutions inside are
 * parsed for commands as a side effect.  One unquoted brace list per word
 * is noted so that {rm,-rf,/} can be expanded like bash does.
 */
static int lit_word(struct lit *L, struct lit_token *t)
{
	bool name_possible = true, bracket = false, brace_bad = false;
	size_t name_chars = 0, start = L->pos, brace_depth = 0;
	int r;

	t->kind = LT_WORD;
	t->literal = true;
	t->plain = true;
	while (L->pos < L->end && !L->sh->stop) {
		char c = L->s[L->pos];

		if (c == '(' && L->pos > start &&
		    (L->s[L->pos - 1] == '=' || strchr("@!+*?", L->s[L->pos - 1]))) {
			/* a=(array values) or an extglob @(a|b) */
			t->literal = false;
			L->pos++;
			lit_scan_balanced(L, '(', ')', 1);
			continue;
		}
		if (is_word_end(c))
			break;
		if (c == '\'') {
			t->plain = false;
			name_possible = false;
			L->pos++;
			while (L->pos < L->end && L->s[L->pos] != '\'') {
				r = sbuf_putc(&t->text, L->s[L->pos++]);
				if (r != 0)
					return r;
			}
			if (L->pos >= L->end)
				lit_syntax(L);
			else
				L->pos++;
			continue;
		}
		if (c == '"') {
			t->plain = false;
			name_possible = false;
			L->pos++;
			r = lit_dquote(L, &t->text, &t->literal);
			if (r != 0)
				return r;
			continue;
		}
		if (c == '\\') {
			if (L->pos + 1 >= L->end) {
				L->pos++;
				break;
			}
			L->pos += 2;
			if (L->s[L->pos - 1] == '\n')
				continue;
			t->plain = false;
			name_possible = false;
			r = sbuf_putc(&t->text, L->s[L->pos - 1]);
			if (r != 0)
				return r;
			continue;
		}
		if (c == '$' && lit_at(L, 1, '\'')) {
			t->plain = false;
			name_possible = false;
			L->pos += 2;
			r = lit_ansi_c(L, t);
			if (r != 0)
				return r;
			continue;
		}
		if (c == '$' && L->pos + 1 < L->end &&
		    (is_name_char(L->s[L->pos + 1]) || strchr("({'\"@*#?-$!", L->s[L->pos + 1]))) {
			t->literal = false;
			name_possible = false;
			L->pos++;
			if (L->s[L->pos] == '"') {
				L->pos++;
				r = lit_dquote(L, &t->text, &t->literal);
				if (r != 0)
					return r;
				t->literal = false;
			} else {
				lit_dollar(L);
			}
			continue;
		}
		if (c == '`') {
			t->literal = false;
			name_possible = false;
			L->pos++;
			lit_backtick(L);
			continue;
		}
		if (name_possible) {
			if ((c == '=' || (c == '+' && lit_at(L, 1, '='))) && name_chars > 0) {
				t->assign = true;
				name_possible = false;
			} else if (c == '[' && name_chars > 0) {
				bracket = true; /* NAME[sub]=value once an = follows */
				name_possible = false;
			} else if (name_chars == 0 ? is_name_start(c) : is_name_char(c)) {
				name_chars++;
			} else {
				name_possible = false;
			}
		} else if (bracket && c == '=') {
			t->assign = true;
		}
		if (!brace_bad) {
			if (c == '{') {
				if (brace_depth > 0 || t->brace_close > 0)
					brace_bad = true; /* nested or second list: not expanded */
				brace_depth = 1;
				t->brace_open = t->text.n;
				t->n_commas = 0;
			} else if (c == ',' && brace_depth == 1) {
				if (t->n_commas >= LIT_MAX_BRACE_ALTS - 1)
					brace_bad = true;
				else
					t->commas[t->n_commas++] = t->text.n;
			} else if (c == '}' && brace_depth == 1) {
				brace_depth = 0;
				if (t->n_commas > 0)
					t->brace_close = t->text.n;
			}
		}
		r = sbuf_putc(&t->text, c);
		if (r != 0)
			return r;
		L->pos++;
	}
	if (brace_bad || t->brace_close == 0)
		t->n_commas = t->brace_close = 0;
	if (!t->text.p) {
		r = sbuf_putc(&t->text, 'x');
		if (r != 0)
			return r;
		t->text.n = 0;
		t->text.p[0] = '\0';
	}
	return 0;
}

/* Here-document bodies after a newline; unquoted ones are scanned (each
 * body as one region, so a substitution may span lines) for substitutions.
 * An unterminated body runs to the end of the script, as bash does. */
static void lit_read_heredocs(struct lit *L)
{
	for (size_t i = 0; i < L->n_pending && !L->sh->stop; i++) {
		struct pending_heredoc *h = &L->pending[i];
		size_t dlen = strlen(h->delim), body = L->pos, body_end, after, p = L->pos;

		for (;;) {
			const char *nl;
			size_t end, cmp;

			if (p >= L->end) {
				lit_syntax(L);
				body_end = after = L->end;
				break;
			}
			nl = memchr(L->s + p, '\n', L->end - p);
			end = nl ? (size_t)(nl - L->s) : L->end;
			cmp = p;
			if (h->strip_tabs)
				while (cmp < end && L->s[cmp] == '\t')
					cmp++;
			if (end - cmp == dlen && memcmp(L->s + cmp, h->delim, dlen) == 0) {
				body_end = p;
				after = nl ? end + 1 : end;
				break;
			}
			p = nl ? end + 1 : end;
		}
		if (h->script) {
			/* `bash <<EOF ... EOF`: the body is a script */
			struct lit sub = {.sh = L->sh,
					  .s = L->s,
					  .pos = body,
					  .end = body_end,
					  .depth = L->depth + 1};

			if (sub.depth > CX_MAX_SHELL_NESTING) {
				lit_fail(L, SHELL_SPLIT_LIMIT);
			} else {
				(void)lit_list(&sub, false);
				lit_pending_done(&sub);
			}
		} else if (!h->quoted) {
			size_t saved_end = L->end;

			L->pos = body;
			L->end = body_end;
			while (L->pos < L->end && !L->sh->stop) {
				char c = L->s[L->pos];

				if (c == '\\') {
					L->pos += 2;
				} else if (c == '$') {
					L->pos++;
					lit_dollar(L);
				} else if (c == '`') {
					L->pos++;
					lit_backtick(L);
				} else {
					L->pos++;
				}
			}
			L->end = saved_end;
		}
		L->pos = after;
	}
	lit_pending_done(L);
}

static void lit_token_done(struct lit_token *t)
{
	sbuf_done(&t->text);
	*t = (struct lit_token){0};
}

/* Read a redirection operator at L->pos (after any descriptor prefix). */
static void lit_redir_op(struct lit *L, struct lit_token *t)
{
	char c = L->s[L->pos];

	t->kind = LT_REDIR;
	if (c == '&') {
		L->pos += lit_at(L, 2, '>') ? 3 : 2;
		return;
	}
	if (c == '<' && lit_at(L, 1, '<')) {
		if (lit_at(L, 2, '<')) {
			L->pos += 3; /* here-string: the word is parsed, not a delimiter */
			return;
		}
		t->heredoc = true;
		if (lit_at(L, 2, '-')) {
			t->heredoc_strip = true;
			L->pos += 3;
		} else {
			L->pos += 2;
		}
		return;
	}
	if (lit_at(L, 1, '>') || lit_at(L, 1, '&') || lit_at(L, 1, '|') ||
	    (c == '<' && lit_at(L, 1, '<')))
		L->pos += 2;
	else
		L->pos += 1;
}

/* Next token; as_target: the word after a redirection operator, where
 * "3<x" is the word 3 and not a descriptor prefix. */
static int lit_next(struct lit *L, struct lit_token *t, bool as_target)
{
	lit_token_done(t);
	L->pos = skip_blanks(L->s, L->pos, L->end);
	if (L->pos >= L->end) {
		t->kind = LT_EOF;
		return 0;
	}
	switch (L->s[L->pos]) {
	case '\n':
		L->pos++;
		t->kind = LT_SEP;
		t->newline = true;
		return 0;
	case ';':
		if (lit_at(L, 1, ';')) {
			L->pos += lit_at(L, 2, '&') ? 3 : 2;
			t->kind = LT_DSEMI;
		} else if (lit_at(L, 1, '&')) {
			L->pos += 2;
			t->kind = LT_DSEMI;
		} else {
			L->pos++;
			t->kind = LT_SEP;
		}
		return 0;
	case '&':
		if (lit_at(L, 1, '&')) {
			L->pos += 2;
			t->kind = LT_JOIN;
		} else if (lit_at(L, 1, '>')) {
			lit_redir_op(L, t);
		} else {
			L->pos++;
			t->kind = LT_SEP;
		}
		return 0;
	case '|':
		L->pos += (lit_at(L, 1, '|') || lit_at(L, 1, '&')) ? 2 : 1;
		t->kind = LT_JOIN;
		return 0;
	case '(':
		L->pos++;
		t->kind = LT_LPAREN;
		return 0;
	case ')':
		L->pos++;
		t->kind = LT_RPAREN;
		return 0;
	case '<':
	case '>':
		if (lit_at(L, 1, '(')) {
			/* process substitution: a word whose value is a path */
			L->pos += 2;
			lit_nested_paren(L);
			t->kind = LT_WORD;
			t->literal = false;
			t->plain = false;
			return 0;
		}
		lit_redir_op(L, t);
		return 0;
	default:
		break;
	}
	{
		int r = lit_word(L, t);

		if (r != 0)
			return r;
	}
	if (!as_target && L->pos < L->end && (L->s[L->pos] == '<' || L->s[L->pos] == '>') &&
	    t->plain && !lit_at(L, 1, '(') &&
	    (all_digits(t->text.p, t->text.n) || is_brace_name(t->text.p, t->text.n))) {
		lit_token_done(t);
		lit_redir_op(L, t);
	}
	return 0;
}

enum lit_mode {
	LM_CMD, /* words form a command */
	LM_FOR_HEADER, /* for/select NAME in WORDS ... up to ; newline or do */
	LM_CASE_SUBJECT, /* case WORD */
	LM_CASE_IN, /* the "in" */
	LM_CASE_PATTERN, /* pat | pat ) */
	LM_COND, /* [[ ... ]] */
	LM_FUNC_NAME, /* function NAME */
};

struct lit_cmd {
	struct shell_command c;
	size_t cap;
	bool name_dynamic;
};

static void lit_cmd_flush(struct lit *L, struct lit_cmd *lc)
{
	int r;

	if (lc->c.argc > 0 && !lc->name_dynamic && !L->sh->stop) {
		r = split_push_command(L->sh->out, &lc->c);
		if (r != 0)
			lit_fail(L, r);
	}
	command_done(&lc->c);
	lc->cap = 0;
	lc->name_dynamic = false;
}

static bool is_shell_name(const char *name)
{
	static const char *const shells[] = {
		"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "yash", "busybox",
	};

	for (size_t i = 0; i < ARRAY_SIZE(shells); i++)
		if (strcmp(name, shells[i]) == 0)
			return true;
	return false;
}

/* Takes w (which may be NULL after a failed allocation). */
static int lit_push_word(struct lit_cmd *lc, char *w)
{
	int r;

	if (!w)
		return -ENOMEM;
	r = command_push_word(&lc->c, &lc->cap, w);
	if (r != 0)
		free(w);
	return r;
}

/* "pre{a,b}post" -> "preapost" "prebpost", as bash's brace expansion. */
static int lit_push_brace_words(struct lit_cmd *lc, const struct lit_token *t, size_t *expanded)
{
	const char *w = t->text.p;
	size_t from = t->brace_open + 1, post = t->brace_close + 1;
	size_t post_len = t->text.n - post;

	for (size_t i = 0; i <= t->n_commas; i++) {
		size_t to = i < t->n_commas ? t->commas[i] : t->brace_close;
		size_t n = t->brace_open + (to - from) + post_len;
		char *e;
		int r;

		/* {a,b} multiplies text; without a cap, nested shells re-parsing
		 * expanded words would multiply the work at every level. */
		*expanded += n;
		if (*expanded > CX_MAX_SHELL_SCRIPT)
			return SHELL_SPLIT_LIMIT;
		e = malloc(n + 1);
		if (!e)
			return -ENOMEM;
		memcpy(e, w, t->brace_open);
		memcpy(e + t->brace_open, w + from, to - from);
		memcpy(e + t->brace_open + (to - from), w + post, post_len);
		e[n] = '\0';
		r = lit_push_word(lc, e);
		if (r != 0)
			return r;
		from = to + 1;
	}
	return 0;
}

/* Keywords that only open or close something: skipped at command position. */
static bool is_skip_keyword(const char *w)
{
	static const char *const words[] = {
		"if",	     "then",   "else",	 "elif", "fi",	   "do",     "done",
		"while",     "until",  "!",	 "{",	 "}",	   "coproc", "in",
		"nocorrect", "noglob", "always", "end",	 "repeat",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

/*
 * Parse a list of commands until EOF or, when until_paren, the matching
 * ')' (consumed).  Returns false when the end was not what was expected.
 *
 * Wrappers (time, exec, command, sudo, env ...) stay the command's name:
 * cmd_safety looks through them.
 */
static bool lit_list(struct lit *L, bool until_paren)
{
	struct lit_token t = {0};
	struct lit_cmd lc = {0};
	enum lit_mode mode = LM_CMD;
	unsigned case_depth = 0;
	bool ok = true;
	int r;

	while (!L->sh->stop) {
		r = lit_next(L, &t, false);
		if (r != 0) {
			lit_fail(L, r);
			break;
		}
		if (L->sh->stop)
			break;
		switch (t.kind) {
		case LT_EOF:
			lit_cmd_flush(L, &lc);
			if (until_paren)
				ok = false;
			goto out;
		case LT_WORD:
			if (mode == LM_COND) {
				if (t.plain && strcmp(t.text.p, "]]") == 0)
					mode = LM_CMD;
				break;
			}
			if (mode == LM_FOR_HEADER) {
				if (t.plain && strcmp(t.text.p, "do") == 0)
					mode = LM_CMD;
				break;
			}
			if (mode == LM_CASE_SUBJECT) {
				mode = LM_CASE_IN;
				break;
			}
			if (mode == LM_CASE_IN) {
				mode = LM_CASE_PATTERN;
				break;
			}
			if (mode == LM_CASE_PATTERN) {
				if (t.plain && strcmp(t.text.p, "esac") == 0) {
					if (case_depth > 0)
						case_depth--;
					mode = LM_CMD;
				}
				break;
			}
			if (mode == LM_FUNC_NAME) {
				mode = LM_CMD;
				break;
			}
			if (lc.c.argc == 0 && !lc.name_dynamic && t.plain) {
				const char *w = t.text.p;

				if (strcmp(w, "esac") == 0) {
					if (case_depth > 0)
						case_depth--;
					break;
				}
				if (strcmp(w, "for") == 0 || strcmp(w, "select") == 0) {
					mode = LM_FOR_HEADER;
					break;
				}
				if (strcmp(w, "case") == 0) {
					case_depth++;
					mode = LM_CASE_SUBJECT;
					break;
				}
				if (strcmp(w, "[[") == 0) {
					mode = LM_COND;
					break;
				}
				if (strcmp(w, "function") == 0) {
					mode = LM_FUNC_NAME;
					break;
				}
				if (is_skip_keyword(w))
					break;
			}
			if (lc.c.argc == 0 && !lc.name_dynamic && t.assign)
				break; /* NAME=value prefix; its substitutions were parsed */
			if (!t.literal) {
				if (lc.c.argc == 0)
					lc.name_dynamic = true;
				break; /* dynamic words are dropped */
			}
			if (lc.name_dynamic)
				break;
			if (t.brace_close > 0)
				r = lit_push_brace_words(&lc, &t, &L->sh->expanded);
			else
				r = lit_push_word(&lc, sbuf_take(&t.text));
			if (r != 0)
				lit_fail(L, r);
			break;
		case LT_REDIR: {
			bool heredoc = t.heredoc, strip = t.heredoc_strip;

			r = lit_next(L, &t, true);
			if (r != 0) {
				lit_fail(L, r);
				break;
			}
			if (t.kind != LT_WORD) {
				lit_syntax(L);
				lit_cmd_flush(L, &lc);
				ok = false;
				goto out;
			}
			if (heredoc) {
				struct pending_heredoc *h;

				if (L->n_pending >= CX_MAX_SHELL_HEREDOCS) {
					lit_fail(L, SHELL_SPLIT_LIMIT);
					break;
				}
				h = &L->pending[L->n_pending];
				h->delim = strdup(t.text.p ? t.text.p : "");
				if (!h->delim) {
					lit_fail(L, -ENOMEM);
					break;
				}
				h->strip_tabs = strip;
				h->quoted = !t.plain;
				h->script = false;
				for (size_t i = 0; i < lc.c.argc; i++)
					if (is_shell_name(base_name(lc.c.argv[i])))
						h->script = true;
				L->n_pending++;
			}
			break;
		}
		case LT_SEP:
			if (mode == LM_COND || mode == LM_CASE_PATTERN || mode == LM_CASE_IN ||
			    mode == LM_CASE_SUBJECT) {
				if (t.newline)
					lit_read_heredocs(L);
				break;
			}
			lit_cmd_flush(L, &lc);
			if (mode == LM_FOR_HEADER || mode == LM_FUNC_NAME)
				mode = LM_CMD;
			if (t.newline)
				lit_read_heredocs(L);
			break;
		case LT_JOIN:
			if (mode == LM_COND || mode == LM_CASE_PATTERN)
				break;
			lit_cmd_flush(L, &lc);
			break;
		case LT_DSEMI:
			lit_cmd_flush(L, &lc);
			if (case_depth > 0)
				mode = LM_CASE_PATTERN;
			break;
		case LT_LPAREN:
			if (mode == LM_CASE_PATTERN || mode == LM_COND)
				break;
			if (mode == LM_FOR_HEADER || (mode == LM_CMD && lc.c.argc == 0 &&
						      !lc.name_dynamic && lit_at(L, 0, '('))) {
				/* for (( ... )) or a (( arithmetic )) command */
				if (lit_at(L, 0, '(')) {
					L->pos++;
					lit_scan_balanced(L, '(', ')', 2);
				}
				break;
			}
			if (mode == LM_CMD && lc.c.argc == 0 && !lc.name_dynamic) {
				/* a subshell */
				struct lit sub = *L;

				sub.n_pending = 0;
				sub.depth = L->depth + 1;
				if (sub.depth > CX_MAX_SHELL_NESTING) {
					lit_fail(L, SHELL_SPLIT_LIMIT);
					break;
				}
				if (!lit_list(&sub, true))
					lit_syntax(L);
				lit_pending_done(&sub);
				L->pos = sub.pos;
				break;
			}
			{
				/* name ( ) : a function definition; anything else is an error */
				size_t p = L->pos;

				while (p < L->end && (L->s[p] == ' ' || L->s[p] == '\t'))
					p++;
				if (lc.c.argc == 1 && p < L->end && L->s[p] == ')') {
					L->pos = p + 1;
					command_done(&lc.c);
					lc.cap = 0;
					break;
				}
			}
			lit_syntax(L);
			lit_cmd_flush(L, &lc);
			ok = false;
			goto out;
		case LT_RPAREN:
			if (mode == LM_CASE_PATTERN) {
				mode = LM_CMD;
				break;
			}
			if (mode == LM_COND)
				break;
			lit_cmd_flush(L, &lc);
			if (!until_paren) {
				lit_syntax(L);
				ok = false;
			}
			goto out;
		}
	}
out:
	lit_cmd_flush(L, &lc);
	lit_token_done(&t);
	if (L->n_pending > 0 && !L->sh->stop)
		lit_read_heredocs(L);
	return ok;
}

int shell_parse_literal_script(const char *script, size_t len, struct shell_split **ret)
{
	_cleanup_(shell_split_freep) struct shell_split *s = NULL;
	struct lit_shared sh = {0};
	struct lit L;

	if (!script || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (len > CX_MAX_SHELL_SCRIPT) {
		s->limit_hit = true;
		*ret = TAKE_PTR(s);
		return 0;
	}
	sh.out = s;
	L = (struct lit){.sh = &sh, .s = script, .pos = 0, .end = len};
	if (memchr(script, '\0', len)) {
		/* the shell would never see past the NUL */
		L.end = strnlen(script, len);
		s->incomplete = true;
	}
	(void)lit_list(&L, false);
	lit_pending_done(&L);
	if (sh.err < 0)
		return sh.err;
	*ret = TAKE_PTR(s);
	return 0;
}

int shell_parse_literal_commands(char *const *argv, struct shell_split **ret)
{
	const char *script;

	if (!argv || !ret)
		return -EINVAL;
	if (!shell_argv_get_script(argv, &script, NULL))
		return SHELL_SPLIT_NOT_SHELL;
	return shell_parse_literal_script(script, strlen(script), ret);
}
