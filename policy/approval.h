/* SPDX-License-Identifier: MIT */
/*
 * Approval policies and the decision table (CODEX-MODEL.md §4.1, §4.3,
 * §1.6): given what the rules said about each sub-command of a command,
 * what the heuristics say (known-safe, dangerous), the approval policy,
 * the sandbox mode and whether the caller asked to leave the sandbox,
 * decide ALLOW, NEEDS_APPROVAL, FORBIDDEN (or SUGGEST), with the reason
 * text, the layer that decided, and a proposed "don't ask again" prefix.
 *
 * The rules engine is not called from here: its result for each
 * sub-command is an input (enum approval_rule_verdict), so this file stays
 * a pure table that tests can drive exhaustively.
 *
 * Typical use (daemon):
 *
 *	_cleanup_(approval_plan_freep) struct approval_plan *plan = NULL;
 *	approval_plan_build(argv, &plan);              split + heuristics
 *	for each plan->segments[i]: run the rules on segments[i].argv and
 *	    fill verdict / justification / matched_prefix
 *	struct approval_request req = {.argv = argv, .segments = plan->segments,
 *	    .n_segments = plan->n_segments, .complex_parse = plan->complex_parse,
 *	    .config = cfg, .sandbox = mode, .escalate = escalate};
 *
 * The sandbox mode only matters through "is the filesystem unrestricted"
 * (danger-full-access or external_sandbox), exactly as in Codex.
 *	approval_decide(&req, &decision);
 *
 * Pure: no I/O, no globals, no logging.  Process: any (allocates).
 */
#ifndef CX_POLICY_APPROVAL_H
#define CX_POLICY_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>
#include "common/macro.h"
#include "policy/modes.h"
#include "policy/shell_split.h"

/* ------------------------------------------------------------------ policies */

enum approval_policy {
	APPROVAL_UNTRUSTED, /* "untrusted" (alias "interactive"): only known-safe runs unasked */
	APPROVAL_ON_FAILURE, /* "on-failure" (deprecated): decided like on-request */
	APPROVAL_ON_REQUEST, /* "on-request" (default): asks when escalation is requested */
	APPROVAL_NEVER, /* "never" (and "full-auto"): never asks; a prompt becomes a refusal */
	APPROVAL_GRANULAR, /* { granular = {...} }: per-category prompt or auto-reject */
	APPROVAL_SUGGEST, /* "suggest": nothing runs; the caller records the suggestion */
	APPROVAL_AUTO_EDIT, /* "auto-edit": every command asks (forbidden stays forbidden) */
	_APPROVAL_POLICY_MAX,
};

/* For APPROVAL_GRANULAR: true = that kind of prompt is shown, false = it is
 * rejected automatically.  Only sandbox_approval and rules matter for
 * commands; the others are carried for the daemon's other prompts. */
struct approval_granular {
	bool sandbox_approval; /* escalation and heuristic prompts */
	bool rules; /* prompts raised by a `prompt` rule */
	bool skill_approval;
	bool request_permissions;
	bool mcp_elicitations;
};

struct approval_config {
	enum approval_policy policy;
	struct approval_granular granular; /* meaningful for APPROVAL_GRANULAR only */
	/* "full-auto": policy never AND nothing ever leaves the sandbox: an
	 * escalation request is refused and bypass_sandbox is never set. */
	bool forbid_escalation;
};

/*
 * Parse an approval_policy value: "untrusted", "on-failure", "on-request",
 * "never", "granular" (all five flags false until set with
 * approval_granular_set()), and the seed aliases "suggest",
 * "interactive" (= untrusted), "auto-edit", "full-auto" (= never +
 * forbid_escalation).  Exact, case-sensitive.  0 or -EINVAL; *ret written
 * only on success.
 */
int approval_config_from_string(const char *s, struct approval_config *ret);

/* Canonical names: "untrusted", "on-failure", "on-request", "never",
 * "granular", "suggest", "auto-edit"; "unknown" otherwise.  (full-auto is
 * printed as its policy, "never", plus the flag.) */
const char *approval_policy_to_string(enum approval_policy policy);

/* Set one granular flag by its config name ("sandbox_approval", "rules",
 * "skill_approval", "request_permissions", "mcp_elicitations").  0 or
 * -EINVAL for an unknown name. */
int approval_granular_set(struct approval_granular *g, const char *name, bool value);

/* ------------------------------------------------------------------ decision */

/* The strictest rule decision that matched one sub-command. */
enum approval_rule_verdict {
	APPROVAL_RULE_NONE, /* no rule matched: the heuristics decide */
	APPROVAL_RULE_ALLOW,
	APPROVAL_RULE_PROMPT,
	APPROVAL_RULE_FORBIDDEN,
	_APPROVAL_RULE_VERDICT_MAX,
};

/* One sub-command (a command of the split, or the whole argv unsplit). */
struct approval_segment {
	char *const *argv; /* borrowed, NULL-terminated */
	enum approval_rule_verdict verdict;
	/* Of the most specific (longest prefix) matching rule with that verdict;
	 * NULL when none / no justification. Borrowed. */
	const char *justification;
	char *const *matched_prefix;
	/* Heuristics (approval_plan_build() fills them): */
	bool known_safe; /* cmd_safety known-safe, redirects/assignments considered */
	bool dangerous; /* cmd_safety dangerous */
	bool dangerous_assignment; /* e.g. LD_PRELOAD=... prefix: an ALLOW rule does not apply */
	bool has_assignments; /* any NAME=value prefix: never bypass the sandbox */
	bool writes_files; /* a redirection writes a file: never bypass the sandbox */
};

struct approval_request {
	char *const *argv; /* the command as requested, for messages */
	const struct approval_segment *segments;
	size_t n_segments; /* >= 1 */
	bool complex_parse; /* heredoc fallback: no known-safe, no amendment */
	struct approval_config config;
	enum sandbox_mode sandbox; /* policy/modes.h */
	/* Codex's ExternalSandbox: something outside codexd confines the command,
	 * so the filesystem counts as unrestricted here (like danger-full-access). */
	bool external_sandbox;
	bool escalate; /* the caller asked to run outside the sandbox */
	/* Optional prefix the agent proposed as "don't ask again" (Codex's
	 * prefix_rule); NULL for none. Borrowed. */
	char *const *requested_prefix;
};

enum approval_outcome {
	APPROVAL_OUTCOME_ALLOW, /* run (sandboxed unless bypass_sandbox) */
	APPROVAL_OUTCOME_NEEDS_APPROVAL, /* ask; reason set; amendment maybe */
	APPROVAL_OUTCOME_FORBIDDEN, /* refuse; reason set */
	APPROVAL_OUTCOME_SUGGEST, /* policy "suggest": do not run, record it */
	_APPROVAL_OUTCOME_MAX,
};

enum approval_source {
	APPROVAL_SOURCE_RULE, /* a prefix rule decided */
	APPROVAL_SOURCE_HEURISTIC, /* known-safe / dangerous / unmatched-command table */
	APPROVAL_SOURCE_POLICY, /* the approval policy itself (never, granular, escalation, suggest,
				   auto-edit) */
	_APPROVAL_SOURCE_MAX,
};

struct approval_decision {
	enum approval_outcome outcome;
	enum approval_source source;
	/*
	 * ALLOW only: Codex's semantic - true when EVERY segment matched an
	 * explicit allow rule (and, codexd, none sets variables or writes files
	 * through a redirection, and the policy is not full-auto).  Codex then
	 * runs the command OUTSIDE the sandbox (issue #22181: a durable escape).
	 * codexd exposes the flag but the daemon keeps the command sandboxed
	 * unless its configuration explicitly opts in to this Codex behaviour.
	 */
	bool bypass_sandbox;
	bool escalation; /* NEEDS_APPROVAL: (also) asks to leave the sandbox */
	/* NEEDS_APPROVAL / FORBIDDEN / SUGGEST: owned, bounded (the command is
	 * shell-quoted and cut at CX_MAX_REASON_COMMAND bytes).  NULL for ALLOW. */
	char *reason;
	/* NEEDS_APPROVAL: proposed allow-prefix (owned strv) or NULL. */
	char **amendment;
};

/*
 * The decision table.  Per segment: a matching rule decides (an ALLOW is
 * ignored for a segment with a dangerous assignment); otherwise
 *   1. known-safe && !complex_parse && untrusted        -> allow
 *   2. dangerous                                         -> prompt (never: forbidden)
 *   3. never                                             -> allow (sandboxed)
 *   4. untrusted / auto-edit / suggest                   -> prompt
 *   5. on-request / on-failure / granular: unrestricted filesystem -> allow;
 *      restricted -> prompt if escalate, else allow
 * Overall = strictest (forbidden > prompt > allow).  Then:
 *   forbidden -> FORBIDDEN "`cmd` rejected: <justification>" /
 *                "...: policy forbids commands starting with `prefix`" /
 *                "...: blocked by policy" (heuristics)
 *   suggest   -> SUGGEST (nothing runs)
 *   escalate  -> ALWAYS at least a prompt; refused under never / full-auto
 *   auto-edit -> at least a prompt
 *   prompt    -> refused under never; under granular refused when the flag
 *                is false: `rules` for a rule prompt (takes precedence, as
 *                in Codex), `sandbox_approval` otherwise, and codexd also
 *                requires `sandbox_approval` whenever escalation is asked;
 *                else NEEDS_APPROVAL "`cmd` requires approval: <why>" /
 *                "`cmd` requires approval by policy"
 *   allow     -> ALLOW, bypass_sandbox as documented above.
 * Amendment (§1.6): the agent's requested prefix if no rule matched at all,
 * it is not a banned over-broad prefix, no segment is dangerous and every
 * segment starts with it; else none if a prompt rule matched; else the first
 * segment the heuristics prompted for (not dangerous, not a banned prefix).
 * Never for complex_parse or auto-edit.
 *
 * Returns 0 and fills *ret (release with approval_decision_done()), or
 * -EINVAL (no segments, bad enum) / -ENOMEM.
 * "unrestricted filesystem" = sandbox danger-full-access or external_sandbox.
 */
int approval_decide(const struct approval_request *req, struct approval_decision *ret);
void approval_decision_done(struct approval_decision *d);

const char *approval_outcome_to_string(enum approval_outcome o); /* "allow", ... */
const char *approval_source_to_string(enum approval_source s); /* "rule", "heuristic", "policy" */

/* Codex's list of prefixes never proposed as amendments (python, bash -lc,
 * sudo, env, git, node -e ...): exact token match. */
bool approval_prefix_is_banned(char *const *prefix);

/* ------------------------------------------------------------------ plan */

struct approval_plan {
	struct shell_split *split; /* owned; NULL when evaluated unsplit */
	struct approval_segment *segments; /* argv borrowed from split or from the caller's argv */
	size_t n_segments;
	bool complex_parse;
};

/*
 * Split argv (strict parse; unsplit when not splittable) and fill each
 * segment's heuristic fields; verdicts are APPROVAL_RULE_NONE.  argv must
 * outlive the plan.  0, -EINVAL, -ENOMEM.
 */
int approval_plan_build(char *const *argv, struct approval_plan **ret);
void approval_plan_free(struct approval_plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct approval_plan *, approval_plan_free);

/* ------------------------------------------------------------------ the prompt */

enum approval_choice {
	APPROVAL_CHOICE_APPROVE,
	APPROVAL_CHOICE_APPROVE_FOR_SESSION,
	APPROVAL_CHOICE_DENY,
	APPROVAL_CHOICE_ABORT,
	_APPROVAL_CHOICE_MAX,
};

#define APPROVAL_CHOICE_BIT(c) (1u << (c))

/*
 * The choices to offer for a NEEDS_APPROVAL decision, as a bit mask of
 * APPROVAL_CHOICE_BIT(): approve, deny and abort always;
 * approve_for_session unless a segment is dangerous or sets a dangerous
 * variable (a session-wide "yes" to `rm -rf` is never offered).  0 for any
 * other outcome.
 */
unsigned approval_available_choices(const struct approval_request *req,
				    const struct approval_decision *d);

/* "approve", "approve_for_session", "deny", "abort" (INTERFACES.md). */
const char *approval_choice_to_string(enum approval_choice c);
int approval_choice_from_string(const char *s, enum approval_choice *ret);

/*
 * The key under which an approve_for_session answer is remembered.
 *
 * Codex keys a session approval on the exact argv + cwd + permissions, so
 * `cargo test foo` approved for the session still asks for `cargo test bar`
 * - its most repeated complaint (#4212, #10187, #11298, #24344, ...).
 * codexd keys on the PROGRAM and its first non-option word (its
 * subcommand): "git push", "cargo build", "npm run test" (one more word
 * after run/exec/x/dlx/tool/script), plus every option before that word
 * and its value ("git -C /repo push"), plus the cwd and the session id, so
 * an approval never leaks to another directory or session.  To stay
 * narrow where breadth would be dangerous:
 *  - the program is its basename only when argv[0] is bare or lives in
 *    /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin; "./git" or
 *    "/tmp/git" keep their path (a look-alike never inherits "git push");
 *  - wrappers (sudo, env, xargs ...), shells and interpreters (python,
 *    node, perl, ruby, bash ...) are keyed on their EXACT argv;
 *  - for a generic program an option word may take the next word as its
 *    value, so the scan continues past it ("ls -la /tmp" keys on all three);
 *  - `bash -lc SCRIPT` that splits is keyed per command with the same rule
 *    (so it shares the key of the same command run directly), including
 *    its NAME=value prefixes and redirections; a script that does not split
 *    or needed the heredoc fallback is keyed on its exact text.
 * The key is an opaque byte string (length-prefixed fields, not for
 * display).  session may be NULL (""); cwd must be given.  Returns 0 and a
 * malloc'd string, -EINVAL, -ENOMEM, or -E2BIG beyond CX_MAX_SESSION_KEY
 * (then do not offer approve_for_session).
 */
int approval_session_key(char *const *argv, const char *cwd, const char *session, char **ret);

/* Shell-quote argv for a message, cut at max bytes with "..." (control and
 * invalid UTF-8 bytes escaped in $'..' form).  NULL on -ENOMEM. */
char *approval_render_command(char *const *argv, size_t max);

#endif
