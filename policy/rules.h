/* SPDX-License-Identifier: MIT */
/*
 * The rules language (codexd.rules(5)) and its evaluator: Codex's
 * execpolicy (CODEX-MODEL.md §1) with the look-alike hole closed.
 *
 * Pure library: no I/O, no globals, no logging, no privileges.  The caller
 * reads files and hands their bytes in; every byte is hostile input.
 *
 * Process: any, except sandbox children after clone (everything here
 * allocates).  Not thread-safe per object; a finished rules_set may be
 * read (evaluated) from several threads at once.
 *
 * ========================================================================
 * codexd.rules(5) — LANGUAGE REFERENCE
 * ========================================================================
 *
 * A rules file is UTF-8 text (at most CX_MAX_RULES_FILE bytes, no NUL byte,
 * invalid UTF-8 rejected) in a small subset of Starlark.  It is a sequence
 * of top-level statements, one per logical line (or separated by ';'):
 *
 *     prefix_rule(...)       host_executable(...)
 *     network_rule(...)      glob_rule(...)
 *     NAME = value           "a docstring"  (a lone string: ignored)
 *
 * Lexical rules
 *   - '#' starts a comment up to the end of the line.
 *   - Inside ( ) and [ ] newlines are ordinary white space, so calls and
 *     lists may span lines; trailing commas are allowed.  Statements
 *     start in column 1 (indentation is an error, as in Starlark).
 *     CRLF line ends are accepted; a lone CR is not.
 *   - Strings: '...' or "..." (one line) and '''...''' or """...""" (may
 *     span lines).  Escapes: \\ \' \" \n \t \r \xHH (01..7F) \uXXXX
 *     \UXXXXXXXX (a Unicode scalar value, not U+0000); any other escape,
 *     an escaped or literal NUL, and literal control characters other than
 *     TAB (and newlines in triple-quoted strings) are errors.  r"..."
 *     raw strings keep backslashes (r"\"" is a backslash and a quote).
 *     b"", f"" and u"" prefixes are unsupported.  Adjacent literals are
 *     not concatenated.
 *   - Values: strings, lists [a, b, ...], True, False, None, and names
 *     defined earlier in the same file by NAME = value.  Names are
 *     immutable (a second definition is an error), file-local, and must
 *     be defined before use.
 *   - Everything else is rejected with "unsupported ...": def, if, for,
 *     while, lambda, load, return, numbers, operators and arithmetic,
 *     comparisons, indexing, attribute access, dicts, tuples, list
 *     comprehensions, *args and **kwargs, calls other than the four builtins,
 *     and calls inside expressions.
 *   - Calls take positional arguments first, then NAME=value keyword
 *     arguments.  An optional argument given as None counts as omitted.
 *
 * Limits (common/cxlimits.h, "rules language"): file size, tokens, nesting
 * of ( and [ (CX_MAX_RULES_DEPTH), string length, list length, arguments
 * per call, names, rules per file, strings per pattern, examples per file
 * and the work spent validating them; per set: files, rules, and the
 * total size of the prefix patterns (CX_MAX_RULES_WEIGHT, which bounds
 * the cost of every evaluation).  Passing a limit is an ordinary error
 * (with a position when it is within one file), never a crash.
 *
 * Errors are "FILE:LINE:COL: message" (line and column 1-based, the
 * column counts characters, not bytes).  User text inside a message is
 * cut short and has control characters escaped.
 *
 * prefix_rule(pattern, decision="allow", match=None, not_match=None,
 *             justification=None)
 *   All five may be given positionally, in that order (Codex's order);
 *   normally only pattern is.
 *   - pattern: non-empty list; each element a string (one token) or a
 *     non-empty list of strings (alternatives for that position).
 *     Alternatives in the first position expand into one rule each
 *     (rules are keyed by program name); later positions keep their
 *     alternative set (no cartesian expansion).
 *   - decision: "allow", "prompt" or "forbidden" (allow < prompt <
 *     forbidden).
 *   - justification: free text shown in prompts and refusals; must not be
 *     empty or all white space.
 *   - match / not_match: lists of example commands, each a list of
 *     strings or a string split like POSIX shell words (quotes, backslash,
 *     '#' comments; no expansions).  At load, every match example must be
 *     matched by a rule made by this call and no not_match example may
 *     be; host-executable resolution (below) is on, with the
 *     host_executable() entries known at the end of the file.
 *   Errors (Codex's wording): "invalid decision: X", "invalid rule:
 *   justification cannot be empty", "invalid pattern element: pattern
 *   cannot be empty", "... pattern alternatives cannot be empty", "...
 *   pattern alternative must be a string (got T)", "... pattern element
 *   must be a string or list of strings (got T)", "invalid example: ...",
 *   "expected every example to match at least one rule. rules: [...];
 *   unmatched examples: [...]", "expected example to not match rule
 *   `...`: ...".  Example errors point at the prefix_rule call.
 *
 * host_executable(name, paths)
 *   - name: bare program name (no '/', not "." or "..", not empty).
 *   - paths: list of absolute normalised paths (no "//", ".", "..",
 *     trailing '/') or "~/..." home-relative ones, each with basename
 *     equal to name ("host_executable path `/usr/bin/rg` must have
 *     basename `git`").  Duplicates are dropped.  An empty list is
 *     allowed and means "no path may use allow rules for this name via
 *     basename fallback".
 *   A later definition of a name replaces the earlier one, also across
 *   files, with one codexd exception: a definition from a non-MANAGED
 *   layer never replaces one from the MANAGED layer (it is ignored), so a
 *   user cannot widen which paths get an administrator's allow rules.
 *
 * network_rule(host, protocol, decision, justification=None)
 *   - protocol: "http", "https" (aliases "https_connect", "http-connect"),
 *     "socks5_tcp", "socks5_udp".
 *   - decision: "allow", "prompt", "forbidden", or "deny" (= forbidden).
 *   - host: trimmed, "[v6]" brackets and a ":port" suffix removed,
 *     trailing dots removed, lower-cased.  Rejected: empty, a scheme, '/',
 *     '?', '#', white space, any '*' ("wildcards are not allowed"), and
 *     (codexd, so that a stored host normalises to itself) non-ASCII
 *     (write IDNs in punycode), characters other than letters, digits and
 *     . - _ : %, a single ':' left after port removal ("host:abc"), and
 *     brackets around something without two ':'.
 *   Feeds the network proxy's domain policy (daemon/net_policy.c); no
 *   effect on command evaluation.
 *
 * glob_rule(pattern, decision, justification=None, access="any",
 *           match=None, not_match=None)          [codexd extension]
 *   pattern and decision may be positional; the rest are keyword-only.
 *   - pattern: a path glob (policy/pathglob.h: '*' and '?' stay inside
 *     one component, '**' as a whole component spans any number of them,
 *     [...] classes, a final "**" component needs at least one path
 *     component to match).  It is absolute ("/etc/ssh"), home-relative
 *     ("~/.ssh"), anywhere (its first component is "**", as in "**" +
 *     "/.env") or relative to the workspace ("keys/id_*").  No empty, "." or ".."
 *     components, no trailing '/'.
 *   - decision: allow, prompt or forbidden.  forbidden + read access:
 *     unreadable in the sandbox; forbidden + write access (only): read-
 *     only; prompt: a command naming a matching path needs approval;
 *     allow: reported, never loosens another match.
 *   - access: "read", "write" or "any" (both).
 *   - A glob covers the paths it matches and everything below them: a
 *     rule for "~/.ssh" also covers "~/.ssh/id_ed25519".
 *   - match / not_match: example paths checked at load the same way,
 *     absolute for absolute patterns, "~/..." for home-relative ones and
 *     relative for workspace-relative ones.
 *
 * ========================================================================
 * EVALUATION (rules_eval_prefix)
 * ========================================================================
 *
 * Token-prefix matching exactly as Codex: a rule matches a command when
 * the command has at least as many tokens as the pattern, the rule's
 * program equals the command's program token (see below) and every later
 * pattern position equals (or is one of the alternatives of) the token in
 * the same position.  Extra trailing tokens are ignored; no option
 * normalisation, globbing or case folding.  Every matching rule is
 * reported; the decision is the strictest (forbidden > prompt > allow).
 * No matching rule is a distinct outcome: the caller applies its
 * heuristics.
 *
 * Program resolution (host executables), with Codex's look-alike hole
 * closed.  Let A be argv[0] and P the program that will really run: the
 * resolved_program option when given (the absolute path the daemon will
 * execve after its PATH search, NOT symlink-resolved), else A.
 *
 *   1. Rules whose program is A apply, and so do rules whose program is P
 *      (an explicit rule for an absolute path).  One exception: when A is
 *      a bare name, P is a different path and a host_executable() entry
 *      for A exists that does not list P, the allow rules for A are
 *      ignored (`git` found on PATH as /tmp/git is not the git that the
 *      allow rules were written for).
 *   2. For the basename N of P and of A (when A contains a '/'), unless N
 *      is A itself: prompt and forbidden rules for N ALWAYS apply, so a
 *      look-alike (/tmp/git, ./git) is treated at least as strictly as the
 *      real tool.  Allow rules for N apply only when P is absolute and
 *      either there is no host_executable() entry for N or P is listed in
 *      it ("~/..." entries compare against the home_dir option; without
 *      it they list nothing).  An explicit empty list therefore disables
 *      allow fallback for N.
 *   3. Strictest wins across everything.
 *
 * Differences from Codex: Codex tries basename rules only when no exact
 * rule matched and only for listed (or unlisted-name) paths, so forbidden
 * `git` rules did not stop /tmp/git (SECURITY.md); here a basename's
 * prompt/forbidden rules apply even when an exact rule also matched.
 * Codex never falls back for relative paths; here "./git" gets git's
 * prompt/forbidden rules (never its allow rules).  Codex only resolves
 * host executables when asked (the CLI's --resolve-host-executables);
 * here resolution is always on.  Elsewhere codexd is stricter than Codex
 * where noted above (network hosts, host_executable paths, MANAGED
 * pinning) and adds glob_rule() and NAME = value.
 */
#ifndef CX_POLICY_RULES_H
#define CX_POLICY_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/macro.h"

/* Ordered by strictness: MAX() of two decisions is the stricter one. */
enum rules_decision {
	RULES_DECISION_ALLOW,
	RULES_DECISION_PROMPT,
	RULES_DECISION_FORBIDDEN,
	_RULES_DECISION_MAX,
};

/*
 * Where a file came from.  Only MANAGED is special to this library
 * (host_executable pinning); the rest are labels carried into results.
 */
enum rules_layer {
	RULES_LAYER_BUILTIN, /* shipped with codexd */
	RULES_LAYER_USER, /* ~/.codex/rules/ (incl. saved amendments) */
	RULES_LAYER_PROJECT, /* <trusted project>/.codex/rules/ */
	RULES_LAYER_SESSION, /* supplied for one session */
	RULES_LAYER_MANAGED, /* /etc/codexd/rules.d/, administrator's */
	_RULES_LAYER_MAX,
};

enum rules_net_protocol {
	RULES_NET_HTTP,
	RULES_NET_HTTPS,
	RULES_NET_SOCKS5_TCP,
	RULES_NET_SOCKS5_UDP,
	_RULES_NET_MAX,
};

/* A bit mask: glob rules apply to the kinds of access named. */
enum rules_access {
	RULES_ACCESS_READ = 1,
	RULES_ACCESS_WRITE = 2,
	RULES_ACCESS_ANY = RULES_ACCESS_READ | RULES_ACCESS_WRITE,
};

/* ---------------------------------------------------------------- names */

/* "allow", "prompt", "forbidden"; "unknown" out of range. */
const char *rules_decision_to_string(enum rules_decision d);
/* Exactly "allow", "prompt" or "forbidden" -> 0; otherwise -EINVAL. */
int rules_decision_from_string(const char *s, enum rules_decision *ret);
/* "builtin", "user", "project", "session", "managed". */
const char *rules_layer_to_string(enum rules_layer l);
int rules_layer_from_string(const char *s, enum rules_layer *ret);
/* "http", "https", "socks5_tcp", "socks5_udp" (canonical spellings). */
const char *rules_net_protocol_to_string(enum rules_net_protocol p);
/* "read", "write", "any"; "unknown" for 0 or other values. */
const char *rules_access_to_string(unsigned access);

static inline enum rules_decision rules_decision_max(enum rules_decision a, enum rules_decision b)
{
	return a > b ? a : b;
}

/* ---------------------------------------------------------------- rule sets */

struct rules_set;

/* An empty set; NULL on allocation failure. */
struct rules_set *rules_set_new(void);
/* Frees the set and everything borrowed from it; accepts NULL. */
void rules_set_free(struct rules_set *set);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rules_set *, rules_set_free);

/*
 * Parse one file and add it to the set, after the files added before.
 * All or nothing: on any error the set is left exactly as it was.
 *
 * display_name names the file in errors and results (copied; NULL means
 * "<rules>"); text need not be NUL-terminated; len is its size.
 * Returns 0; -EINVAL for any error in the text (syntax, semantics, a
 * per-file limit, a failed example) with "FILE:LINE:COL: message" in err;
 * -E2BIG if the set already holds CX_MAX_RULES_FILES files or would pass
 * CX_MAX_RULES_TOTAL rules or CX_MAX_RULES_WEIGHT (the total size of its
 * prefix patterns, which bounds the cost of every evaluation), with
 * "FILE: message" in err; -ENOMEM.  err (if errsz > 0) is always
 * NUL-terminated and is written on failure only.
 */
int rules_set_add_text(struct rules_set *set, enum rules_layer layer, const char *display_name,
		       const char *text, size_t len, char *err, size_t errsz) _must_check_;

struct rules_set_stats {
	size_t files;
	size_t prefix_rules; /* after first-token expansion */
	size_t host_executables; /* distinct names currently defined */
	size_t network_rules;
	size_t glob_rules;
};

void rules_set_get_stats(const struct rules_set *set, struct rules_set_stats *ret);

/*
 * The host_executable() entry for name.  Returns 1 and the paths (borrowed
 * from the set, in file order, "~/..." unexpanded) in *ret_paths and *ret_n
 * and the defining layer in *ret_layer (each may be NULL); 0 if there is
 * none (outputs untouched); -EINVAL for NULL arguments.
 */
int rules_set_host_executable(const struct rules_set *set, const char *name,
			      const char *const **ret_paths, size_t *ret_n,
			      enum rules_layer *ret_layer);

/* Network and glob rules in load order.  All strings borrowed from the set. */
struct rules_network_rule {
	const char *host; /* normalised */
	enum rules_net_protocol protocol;
	enum rules_decision decision;
	const char *justification; /* NULL if none */
	enum rules_layer layer;
	const char *file;
	unsigned line, column;
};

struct rules_glob_rule {
	const char *pattern;
	enum rules_decision decision;
	unsigned access; /* enum rules_access bits */
	const char *justification; /* NULL if none */
	enum rules_layer layer;
	const char *file;
	unsigned line, column;
};

/* The i-th rule, or NULL when i is out of range. */
const struct rules_network_rule *rules_set_network_rule(const struct rules_set *set, size_t i);
const struct rules_glob_rule *rules_set_glob_rule(const struct rules_set *set, size_t i);

/* ---------------------------------------------------------------- prefix evaluation */

struct rules_eval_opts {
	/*
	 * Absolute, normalised path the sandbox will execve for argv[0]
	 * (the daemon's PATH search result, not symlink-resolved), or NULL
	 * when unknown.  The daemon should always pass it: without it a
	 * bare argv[0] gets Codex's behaviour (rule 1's exception cannot
	 * apply).  Ignored by rules_eval_multiple (see struct rules_command).
	 */
	const char *resolved_program;
	/* Absolute, normalised home directory for "~/..." host_executable
	 * paths; NULL: such paths list nothing. */
	const char *home_dir;
};

/*
 * One matching prefix rule.  The matched prefix is rules_match_token(r, m,
 * 0 .. prefix_len - 1): the rule's program followed by the command's own
 * tokens 1 .. prefix_len - 1 (Codex's "matchedPrefix").
 *
 * Ownership: program, justification and file are BORROWED from the rule
 * set (valid while the set lives); resolved_program points into the
 * result (valid until rules_result_clear()).
 */
struct rules_match {
	const char *program; /* the rule's first token */
	size_t prefix_len; /* >= 1 */
	enum rules_decision decision;
	const char *justification; /* NULL if none */
	/* NULL for a rule keyed by argv[0] itself; otherwise the path whose
	 * name matched: P for an exact-path rule, the path a basename came
	 * from for a fallback match (Codex's "resolvedProgram"). */
	const char *resolved_program;
	bool via_basename; /* matched through basename fallback */
	enum rules_layer layer;
	/* Display name of the defining file, as given to rules_set_add_text()
	 * (not escaped: quote it before printing). */
	const char *file;
	unsigned line, column; /* of the prefix_rule( call */
};

struct rules_result {
	bool matched; /* false: no rule matched, the caller decides */
	enum rules_decision decision; /* strictest of matches[]; ALLOW if !matched */
	size_t n_matches;
	struct rules_match *matches; /* owned */
	/* Owned copy of the evaluated command (NULL-terminated) and of the
	 * resolved program (NULL if none was given). */
	char **argv;
	size_t argc;
	char *resolved_program;
};

/*
 * Evaluate one command (argv NULL-terminated, at least one element, at
 * most CX_MAX_ARGV).  opts may be NULL.
 * Returns 1 if at least one rule matched, 0 if none did (*ret is filled in
 * both cases and must be cleared with rules_result_clear()), -EINVAL for
 * an empty argv or an opts path that is not absolute and normalised,
 * -E2BIG for too many arguments, -ENOMEM.  *ret is written only on success.
 */
int rules_eval_prefix(const struct rules_set *set, char *const *argv,
		      const struct rules_eval_opts *opts, struct rules_result *ret) _must_check_;

/* Token i (< m->prefix_len) of m's matched prefix. */
const char *rules_match_token(const struct rules_result *r, const struct rules_match *m, size_t i);

/* Free what a result owns and zero it; accepts a zeroed result. */
void rules_result_clear(struct rules_result *r);

/* One part of a split shell script (CODEX-MODEL.md §1.3). */
struct rules_command {
	char *const *argv; /* NULL-terminated, non-empty */
	const char *resolved_program; /* as rules_eval_opts.resolved_program */
};

struct rules_multi_result {
	size_t n_matched; /* commands with at least one matching rule */
	/* Strictest decision over every match of every command; ALLOW if
	 * n_matched == 0.  The caller combines it with its heuristics for
	 * the commands whose result has matched == false. */
	enum rules_decision decision;
	size_t n_results;
	struct rules_result *results; /* owned; one per command, in order */
};

/*
 * Evaluate every command (n >= 1, at most CX_MAX_ARGV commands); opts
 * supplies home_dir only.  Returns the number of commands that matched a
 * rule (0..n); -EINVAL, -E2BIG, -ENOMEM as rules_eval_prefix().  *ret is
 * written only on success; clear it with rules_multi_result_clear().
 */
int rules_eval_multiple(const struct rules_set *set, const struct rules_command *cmds, size_t n,
			const struct rules_eval_opts *opts,
			struct rules_multi_result *ret) _must_check_;

void rules_multi_result_clear(struct rules_multi_result *r);

/* ---------------------------------------------------------------- glob rules */

struct rules_glob_opts {
	const char *workspace; /* absolute, normalised; NULL: relative globs never match */
	const char *home_dir; /* absolute, normalised; NULL: "~/" globs never match */
};

struct rules_glob_result {
	enum rules_decision decision; /* strictest; ALLOW when nothing matched */
	size_t n_matches;
	const struct rules_glob_rule *rule; /* first rule with that decision; borrowed */
	/* The work bound (CX_MAX_RULES_GLOB_WORK) ran out: the prompt and
	 * forbidden rules it could not decide were counted as matching
	 * (fail closed).  Worth a log line: some glob is pathological. */
	bool incomplete;
};

/*
 * The glob rules covering path for the given access (rules whose access
 * shares a bit with it).  path must be absolute and normalised.  Returns
 * 1 when at least one rule matched, 0 when none did (*ret filled in both
 * cases); -EINVAL for a bad path, access or opts path.  The work of one
 * call is bounded (see incomplete).
 */
int rules_glob_match(const struct rules_set *set, const char *path, unsigned access,
		     const struct rules_glob_opts *opts, struct rules_glob_result *ret);

/* ---------------------------------------------------------------- amendments */

/*
 * The line that saves "allow commands starting with tokens" (Codex §1.6):
 *     prefix_rule(pattern=["git", "status"], decision="allow")
 * tokens: NULL-terminated, non-empty, each valid UTF-8 and within the
 * language's limits (so that the line loads again).  Strings are quoted
 * JSON-style using only escapes this language reads back.
 * Returns 0 and a new string (no newline) in *ret; -EINVAL (empty, invalid
 * UTF-8), -E2BIG (limits), -ENOMEM.
 */
int rules_render_prefix_amendment(char *const *tokens, char **ret) _must_check_;

/*
 * network_rule(host="h", protocol="https", decision="allow"[, justification="..."])
 * The host must survive network_rule()'s checks (it is normalised first);
 * forbidden is written "deny" as Codex does.  Returns 0, -EINVAL, -E2BIG,
 * -ENOMEM as above.
 */
int rules_render_network_amendment(const char *host, enum rules_net_protocol protocol,
				   enum rules_decision decision, const char *justification,
				   char **ret) _must_check_;

/*
 * True if a proposed allow-prefix is one of Codex's banned over-broad
 * prefixes (interpreters alone or with their inline-code flag, shells
 * with -c/-lc, env, sudo, git alone, ...), plus a few codexd additions
 * (git -c, other shells, su/doas/pkexec, xargs, python3.X versions).  An
 * absolute or relative first token is compared by its basename; an empty
 * or NULL prefix is too broad.  The comparison is exact, as in Codex: a
 * longer, more specific prefix is not too broad.
 */
bool rules_prefix_is_too_broad(char *const *tokens);

#endif
