/* SPDX-License-Identifier: MIT */
/*
 * Splitting `bash -lc "<script>"` into the plain commands it runs
 * (CODEX-MODEL.md §1.3), so that rules and the known-safe list see the
 * commands an agent actually meant instead of one opaque shell argv.
 *
 * Codex parses the script with tree-sitter-bash; codexd uses a hand-written,
 * deliberately conservative lexer and parser.  Two parses are offered:
 *
 * 1. shell_split_argv() - the STRICT parse.  It accepts only a "plain command
 *    sequence": simple commands made of literal words, joined by `&&`, `||`,
 *    `;`, `|` and newlines.  Anything it cannot prove literal makes the
 *    script "not splittable" and the caller must evaluate the whole argv
 *    unsplit (which is never looser: rules keyed on `bash` see it, and the
 *    known-safe list refuses it).  Beyond Codex (its most reported gap,
 *    issues #10920/#13175/#10321) it also accepts
 *      - redirections with a literal target (`>f`, `>>f`, `<f`, `2>f`,
 *        `2>&1`, `>&2`, `&>f`, `N<>f`, `N>&-` ...), stripped from argv and
 *        RECORDED in the command so the caller can check the targets;
 *      - leading `NAME=value` assignments with literal values, stripped from
 *        argv and RECORDED (see shell_assignment_is_dangerous());
 *      - Codex's heredoc fallback: a script whose only command has a
 *        here-document is reduced to that command's words, with
 *        complex_parse set (the caller must then never derive an amendment
 *        and never treat it as known-safe).
 *
 * 2. shell_parse_literal_commands() - the PERMISSIVE parse, for the
 *    dangerous-command check only.  It walks control flow, subshells,
 *    groups, function bodies, `$( )`, backticks, `${...}`, `$(( ))`, process
 *    substitutions, unquoted here-document bodies, and here-document bodies
 *    fed to a shell (`bash <<EOF`), and returns every simple command whose
 *    name is literal, keeping its literal words (dynamic words are dropped,
 *    as in Codex).  Beyond Codex it decodes $'...' (so $'\x72m' is "rm") and
 *    expands one brace list per word ({rm,-rf,/} is three words).  It may
 *    over-approximate; it must only ever be used to make decisions STRICTER.
 *    Any command whose name is dynamic ($cmd, $(...)) is not returned.
 *
 * What the strict parse rejects (status > 0, see enum shell_split_status):
 * subshells `( )`, `{ }` groups, background `&`, `|&`, `;;`, `$` in any form
 * (`$VAR`, `${}`, `$( )`, `$(( ))`, `$'...'`), backticks, process
 * substitution, here-strings, brace expansion `{a,b}`, control keywords or
 * `!` as the first word, leading/trailing operators, empty pipeline
 * segments, commands made only of assignments or redirections, `NAME+=`,
 * array assignments, unterminated quotes, redirect targets that need
 * expansion (`~`, globs, `!`), `{fd}>` named descriptors, an empty script
 * or one with only comments and blanks, and any input over the
 * CX_MAX_SHELL_* limits.  Globs in ordinary words stay literal (as Codex:
 * `ls *.py` -> ["ls", "*.py"]); `# comments` are stripped; backslash
 * escapes outside quotes are removed (`\;` -> `;`).
 *
 * Pure: no I/O, no globals, no logging above debug.  Process: any (not a
 * sandbox child: allocates).
 */
#ifndef CX_POLICY_SHELL_SPLIT_H
#define CX_POLICY_SHELL_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include "common/macro.h"

/* Which shell will read the script; a few constructs differ. */
enum shell_dialect {
	SHELL_DIALECT_BASH,
	SHELL_DIALECT_ZSH,
	SHELL_DIALECT_SH, /* POSIX sh / dash: `&>` is "background, then >" there */
	_SHELL_DIALECT_MAX,
};

/* 0 = split; every positive value = "not splittable, evaluate unsplit". */
enum shell_split_status {
	SHELL_SPLIT_OK = 0,
	SHELL_SPLIT_NOT_SHELL, /* argv is not exactly [bash|zsh|sh, -c|-lc, script] */
	SHELL_SPLIT_EMPTY, /* empty, blank or comment-only script */
	SHELL_SPLIT_SYNTAX, /* operator misuse, unterminated quote or here-document */
	SHELL_SPLIT_EXPANSION, /* $, backtick, process substitution, brace expansion, ~ target */
	SHELL_SPLIT_COMPOUND, /* subshell, group, control keyword, !, background &, ;; */
	SHELL_SPLIT_REDIRECT, /* unsupported redirection (here-string, {fd}>, >&file ...) */
	SHELL_SPLIT_ASSIGNMENT, /* assignment that is not a plain literal prefix */
	SHELL_SPLIT_HEREDOC, /* here-document outside the single-command fallback */
	SHELL_SPLIT_LIMIT, /* a CX_MAX_SHELL_* limit was exceeded */
	_SHELL_SPLIT_STATUS_MAX,
};

enum shell_redirect_mode {
	SHELL_REDIRECT_READ, /* [n]<file */
	SHELL_REDIRECT_WRITE, /* [n]>file, [n]>|file, &>file (truncates / creates) */
	SHELL_REDIRECT_APPEND, /* [n]>>file, &>>file (creates) */
	SHELL_REDIRECT_READ_WRITE, /* [n]<>file (opens for writing, creates) */
	SHELL_REDIRECT_DUP, /* [n]>&m, [n]<&m: fd n becomes a copy of fd m */
	SHELL_REDIRECT_CLOSE, /* [n]>&-, [n]<&- */
	SHELL_REDIRECT_HEREDOC, /* [n]<<word, [n]<<-word (only in complex_parse results) */
	_SHELL_REDIRECT_MODE_MAX,
};

/* fd value of `&>file` / `&>>file`: standard output and standard error. */
#define SHELL_FD_STDOUT_STDERR (-1)

struct shell_redirect {
	int fd; /* redirected descriptor, or SHELL_FD_STDOUT_STDERR */
	enum shell_redirect_mode mode;
	char *target; /* READ..READ_WRITE: the literal path; HEREDOC: the delimiter; else NULL */
	int target_fd; /* DUP: the descriptor copied; otherwise -1 */
	bool quoted; /* HEREDOC: delimiter was quoted, the body is not expanded */
};

struct shell_assignment {
	char *name; /* [A-Za-z_][A-Za-z0-9_]* */
	char *value; /* literal value after quote removal */
};

struct shell_command {
	char **argv; /* NULL-terminated, owned, argc >= 1 */
	size_t argc;
	struct shell_redirect *redirects; /* in source order */
	size_t n_redirects;
	struct shell_assignment *assignments; /* in source order */
	size_t n_assignments;
};

struct shell_split {
	struct shell_command *commands; /* in source order */
	size_t n_commands; /* >= 1 for a strict split */
	bool complex_parse; /* heredoc fallback: never known-safe, never an amendment */
	bool had_redirects; /* some command has redirects (heredocs included) */
	bool had_assignments; /* some command has NAME=value prefixes */
	/* Permissive parse only: */
	bool incomplete; /* stopped at a syntax error; commands found before it are kept */
	bool limit_hit; /* stopped at a CX_MAX_SHELL_* limit: treat as unknown/dangerous */
};

/* Destructor; accepts NULL. */
void shell_split_free(struct shell_split *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct shell_split *, shell_split_free);

/*
 * If argv is exactly [shell, "-lc" | "-c", script] with basename(shell) one
 * of bash, zsh, sh, store the script and dialect and return true.  Borrowed
 * pointer into argv.  Other spellings ("-l", "-c"; "-cl"; a 4th argument)
 * are deliberately not recognised, like Codex.
 */
bool shell_argv_get_script(char *const *argv, const char **ret_script,
			   enum shell_dialect *ret_dialect);

/*
 * Strict split of argv (see above).  Returns SHELL_SPLIT_OK (0) and
 * *ret (caller frees with shell_split_free()), a positive enum
 * shell_split_status when the argv is not splittable (*ret untouched), or
 * -ENOMEM / -EINVAL (argv NULL).
 */
int shell_split_argv(char *const *argv, struct shell_split **ret);

/* The same for a script already extracted; len bytes (no NUL needed; an
 * embedded NUL makes it SHELL_SPLIT_SYNTAX). */
int shell_split_script(const char *script, size_t len, enum shell_dialect dialect,
		       struct shell_split **ret);

/*
 * Permissive parse for the dangerous-command check (Codex's
 * parse_shell_lc_literal_commands).  Returns 0 and *ret (possibly with
 * n_commands == 0, and with incomplete / limit_hit set), SHELL_SPLIT_NOT_SHELL
 * when argv is not a shell -c form, or -ENOMEM / -EINVAL.  Commands carry
 * argv only (no redirects or assignments are recorded).
 */
int shell_parse_literal_commands(char *const *argv, struct shell_split **ret);
int shell_parse_literal_script(const char *script, size_t len, struct shell_split **ret);

/*
 * True when assigning this variable can change which code a command runs or
 * what it loads: PATH, LD_* and DYLD_*, BASH_ENV, ENV, IFS, PS4, SHELLOPTS,
 * BASHOPTS, CDPATH, GLOBIGNORE, PROMPT_COMMAND, PYTHON{PATH,STARTUP,HOME},
 * PERL5LIB, PERL5OPT, PERLLIB, RUBYOPT, RUBYLIB, NODE_OPTIONS, NODE_PATH,
 * GIT_*, LESSOPEN, LESSCLOSE, PAGER, EDITOR, VISUAL, GCONV_PATH, ... (the
 * full list is in shell_split.c).  Exact, case-sensitive match.
 */
bool shell_assignment_is_dangerous(const char *name);

/* "ok", "not a shell -c command", ...; never NULL. */
const char *shell_split_status_to_string(int status);
const char *shell_redirect_mode_to_string(enum shell_redirect_mode mode);

/* True for READ_WRITE, WRITE, APPEND: the redirection opens (and may create) a file
 * for writing. */
bool shell_redirect_writes_file(const struct shell_redirect *r);

#endif
