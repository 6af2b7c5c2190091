/* SPDX-License-Identifier: MIT */
/* Unit tests for policy/approval.c: policy names and aliases, the whole
 * decision table for every policy (with escalation and sandbox modes),
 * granular flags, reasons, bypass_sandbox, amendments, prompt choices,
 * session keys and the plan builder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "policy/approval.h"

#define A(...) ((char *const *)(const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------- helpers */

static struct approval_request request(const char *policy, struct approval_segment *segs, size_t n)
{
	struct approval_request r = {
		.argv = segs[0].argv,
		.segments = segs,
		.n_segments = n,
		.sandbox = SANDBOX_WORKSPACE_WRITE,
	};

	if (approval_config_from_string(policy, &r.config) < 0)
		fail_msg("bad policy %s", policy);
	return r;
}

static struct approval_decision decide(const struct approval_request *r)
{
	struct approval_decision d;

	assert_int_equal(approval_decide(r, &d), 0);
	return d;
}

static void expect_reason(const struct approval_decision *d, const char *want)
{
	if (!d->reason || strcmp(d->reason, want) != 0)
		fail_msg("reason \"%s\", want \"%s\"", d->reason ? d->reason : "(null)", want);
}

static void expect_amendment(const struct approval_decision *d, char *const *want)
{
	size_t i;

	if (!want) {
		if (d->amendment)
			fail_msg("unexpected amendment starting \"%s\"", d->amendment[0]);
		return;
	}
	assert_non_null(d->amendment);
	for (i = 0; want[i]; i++) {
		assert_non_null(d->amendment[i]);
		assert_string_equal(d->amendment[i], want[i]);
	}
	assert_null(d->amendment[i]);
}

/* ------------------------------------------------------------- names */

static void test_policy_strings(void **state)
{
	static const struct {
		const char *s;
		enum approval_policy p;
		bool forbid_escalation;
	} ok[] = {
		{"untrusted", APPROVAL_UNTRUSTED, false},
		{"on-failure", APPROVAL_ON_FAILURE, false},
		{"on-request", APPROVAL_ON_REQUEST, false},
		{"never", APPROVAL_NEVER, false},
		{"granular", APPROVAL_GRANULAR, false},
		{"suggest", APPROVAL_SUGGEST, false},
		{"interactive", APPROVAL_UNTRUSTED, false},
		{"auto-edit", APPROVAL_AUTO_EDIT, false},
		{"full-auto", APPROVAL_NEVER, true},
	};
	static const char *const bad[] = {
		"",	     "Never", "on_request", "onrequest", "unless-trusted",
		"full_auto", "yolo",  " never",
	};
	struct approval_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&c, 0xff, sizeof(c));
		assert_int_equal(approval_config_from_string(ok[i].s, &c), 0);
		assert_int_equal(c.policy, ok[i].p);
		assert_int_equal(c.forbid_escalation, ok[i].forbid_escalation);
		assert_false(c.granular.rules || c.granular.sandbox_approval ||
			     c.granular.skill_approval || c.granular.request_permissions ||
			     c.granular.mcp_elicitations);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.policy = APPROVAL_SUGGEST;
		assert_int_equal(approval_config_from_string(bad[i], &c), -EINVAL);
		assert_int_equal(c.policy, APPROVAL_SUGGEST); /* untouched */
	}
	assert_int_equal(approval_config_from_string(NULL, &c), -EINVAL);
	assert_int_equal(approval_config_from_string("never", NULL), -EINVAL);

	for (int p = 0; p < _APPROVAL_POLICY_MAX; p++) {
		struct approval_config back;

		assert_int_equal(approval_config_from_string(approval_policy_to_string(p), &back),
				 0);
		assert_int_equal(back.policy, p);
	}
	assert_string_equal(approval_policy_to_string(_APPROVAL_POLICY_MAX), "unknown");
}

static void test_granular_and_result_strings(void **state)
{
	struct approval_granular g = {0};

	(void)state;
	assert_int_equal(approval_granular_set(&g, "sandbox_approval", true), 0);
	assert_int_equal(approval_granular_set(&g, "rules", true), 0);
	assert_int_equal(approval_granular_set(&g, "skill_approval", true), 0);
	assert_int_equal(approval_granular_set(&g, "request_permissions", true), 0);
	assert_int_equal(approval_granular_set(&g, "mcp_elicitations", true), 0);
	assert_true(g.sandbox_approval && g.rules && g.skill_approval && g.request_permissions &&
		    g.mcp_elicitations);
	assert_int_equal(approval_granular_set(&g, "rules", false), 0);
	assert_false(g.rules);
	assert_int_equal(approval_granular_set(&g, "sandbox-approval", true), -EINVAL);
	assert_int_equal(approval_granular_set(&g, NULL, true), -EINVAL);

	assert_string_equal(approval_outcome_to_string(APPROVAL_OUTCOME_NEEDS_APPROVAL),
			    "needs_approval");
	assert_string_equal(approval_source_to_string(APPROVAL_SOURCE_HEURISTIC), "heuristic");
	assert_string_equal(approval_outcome_to_string(_APPROVAL_OUTCOME_MAX), "unknown");
}

/* ------------------------------------------------------------- the table */

enum kind {
	K_SAFE, /* known-safe, no rule */
	K_UNKNOWN, /* no rule, not safe, not dangerous */
	K_DANGEROUS, /* no rule, dangerous */
	K_ALLOW, /* allow rule */
	K_PROMPT, /* prompt rule */
	K_FORBIDDEN, /* forbidden rule */
};

static struct approval_segment segment_of(enum kind k)
{
	/* static: compound literals in a function die with it */
	static const char *const ls[] = {"ls", "-l", NULL};
	static const char *const cargo[] = {"cargo", "build", NULL};
	static const char *const rm[] = {"rm", "-rf", "x", NULL};
	static const char *const make[] = {"make", "test", NULL};
	static const char *const push[] = {"git", "push", NULL};
	static const char *const curl[] = {"curl", "x", NULL};

	switch (k) {
	case K_SAFE:
		return (struct approval_segment){.argv = (char *const *)ls, .known_safe = true};
	case K_UNKNOWN:
		return (struct approval_segment){.argv = (char *const *)cargo};
	case K_DANGEROUS:
		return (struct approval_segment){.argv = (char *const *)rm, .dangerous = true};
	case K_ALLOW:
		return (struct approval_segment){.argv = (char *const *)make,
						 .verdict = APPROVAL_RULE_ALLOW};
	case K_PROMPT:
		return (struct approval_segment){.argv = (char *const *)push,
						 .verdict = APPROVAL_RULE_PROMPT};
	case K_FORBIDDEN:
	default:
		return (struct approval_segment){.argv = (char *const *)curl,
						 .verdict = APPROVAL_RULE_FORBIDDEN};
	}
}

#define ALLOW APPROVAL_OUTCOME_ALLOW
#define ASK APPROVAL_OUTCOME_NEEDS_APPROVAL
#define NO APPROVAL_OUTCOME_FORBIDDEN
#define SUG APPROVAL_OUTCOME_SUGGEST
#define RULE APPROVAL_SOURCE_RULE
#define HEUR APPROVAL_SOURCE_HEURISTIC
#define POL APPROVAL_SOURCE_POLICY

struct row {
	const char *policy; /* "granular:sr" = granular with sandbox_approval (s) and rules (r) */
	enum kind kind;
	bool escalate;
	bool unrestricted;
	enum approval_outcome outcome;
	enum approval_source source;
};

static const struct row table[] = {
	/* untrusted: only known-safe runs unasked */
	{"untrusted", K_SAFE, false, false, ALLOW, HEUR},
	{"untrusted", K_UNKNOWN, false, false, ASK, HEUR},
	{"untrusted", K_DANGEROUS, false, false, ASK, HEUR},
	{"untrusted", K_ALLOW, false, false, ALLOW, RULE},
	{"untrusted", K_PROMPT, false, false, ASK, RULE},
	{"untrusted", K_FORBIDDEN, false, false, NO, RULE},
	{"untrusted", K_UNKNOWN, false, true, ASK, HEUR},
	{"untrusted", K_SAFE, true, false, ASK, POL},
	{"untrusted", K_UNKNOWN, true, false, ASK, POL},
	{"untrusted", K_DANGEROUS, true, false, ASK, HEUR},
	{"untrusted", K_ALLOW, true, false, ASK, POL},
	{"untrusted", K_PROMPT, true, false, ASK, RULE},
	{"untrusted", K_FORBIDDEN, true, false, NO, RULE},
	{"interactive", K_SAFE, false, false, ALLOW, HEUR},
	{"interactive", K_UNKNOWN, false, false, ASK, HEUR},
	/* on-request: unmatched runs sandboxed; escalation asks */
	{"on-request", K_SAFE, false, false, ALLOW, HEUR},
	{"on-request", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"on-request", K_DANGEROUS, false, false, ASK, HEUR},
	{"on-request", K_ALLOW, false, false, ALLOW, RULE},
	{"on-request", K_PROMPT, false, false, ASK, RULE},
	{"on-request", K_FORBIDDEN, false, false, NO, RULE},
	{"on-request", K_SAFE, true, false, ASK, POL},
	{"on-request", K_UNKNOWN, true, false, ASK, POL},
	{"on-request", K_DANGEROUS, true, false, ASK, HEUR},
	{"on-request", K_ALLOW, true, false, ASK, POL},
	{"on-request", K_PROMPT, true, false, ASK, RULE},
	{"on-request", K_FORBIDDEN, true, false, NO, RULE},
	{"on-request", K_UNKNOWN, false, true, ALLOW, HEUR},
	{"on-request", K_DANGEROUS, false, true, ASK, HEUR},
	{"on-request", K_UNKNOWN, true, true, ASK, POL},
	{"on-request", K_SAFE, true, true, ASK, POL},
	/* on-failure is decided like on-request */
	{"on-failure", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"on-failure", K_DANGEROUS, false, false, ASK, HEUR},
	{"on-failure", K_UNKNOWN, true, false, ASK, POL},
	{"on-failure", K_PROMPT, false, false, ASK, RULE},
	{"on-failure", K_FORBIDDEN, false, false, NO, RULE},
	/* never: prompts become refusals; the sandbox protects the rest */
	{"never", K_SAFE, false, false, ALLOW, HEUR},
	{"never", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"never", K_DANGEROUS, false, false, NO, HEUR},
	{"never", K_ALLOW, false, false, ALLOW, RULE},
	{"never", K_PROMPT, false, false, NO, POL},
	{"never", K_FORBIDDEN, false, false, NO, RULE},
	{"never", K_UNKNOWN, false, true, ALLOW, HEUR},
	{"never", K_SAFE, true, false, NO, POL},
	{"never", K_UNKNOWN, true, false, NO, POL},
	{"never", K_DANGEROUS, true, false, NO, HEUR},
	{"never", K_ALLOW, true, false, NO, POL},
	{"never", K_PROMPT, true, false, NO, POL},
	{"never", K_FORBIDDEN, true, false, NO, RULE},
	/* full-auto: never + nothing leaves the sandbox */
	{"full-auto", K_SAFE, false, false, ALLOW, HEUR},
	{"full-auto", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"full-auto", K_DANGEROUS, false, false, NO, HEUR},
	{"full-auto", K_ALLOW, false, false, ALLOW, RULE},
	{"full-auto", K_PROMPT, false, false, NO, POL},
	{"full-auto", K_FORBIDDEN, false, false, NO, RULE},
	{"full-auto", K_UNKNOWN, true, false, NO, POL},
	{"full-auto", K_ALLOW, true, true, NO, POL},
	/* granular with both command flags on: like on-request */
	{"granular:sr", K_SAFE, false, false, ALLOW, HEUR},
	{"granular:sr", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"granular:sr", K_DANGEROUS, false, false, ASK, HEUR},
	{"granular:sr", K_ALLOW, false, false, ALLOW, RULE},
	{"granular:sr", K_PROMPT, false, false, ASK, RULE},
	{"granular:sr", K_FORBIDDEN, false, false, NO, RULE},
	{"granular:sr", K_UNKNOWN, true, false, ASK, POL},
	{"granular:sr", K_UNKNOWN, false, true, ALLOW, HEUR},
	/* granular with both off: every prompt is auto-rejected */
	{"granular:", K_SAFE, false, false, ALLOW, HEUR},
	{"granular:", K_UNKNOWN, false, false, ALLOW, HEUR},
	{"granular:", K_DANGEROUS, false, false, NO, POL},
	{"granular:", K_ALLOW, false, false, ALLOW, RULE},
	{"granular:", K_PROMPT, false, false, NO, POL},
	{"granular:", K_FORBIDDEN, false, false, NO, RULE},
	{"granular:", K_UNKNOWN, true, false, NO, POL},
	{"granular:", K_SAFE, true, true, NO, POL},
	/* granular rules only */
	{"granular:r", K_PROMPT, false, false, ASK, RULE},
	{"granular:r", K_DANGEROUS, false, false, NO, POL},
	{"granular:r", K_UNKNOWN, true, false, NO, POL},
	{"granular:r", K_PROMPT, true, false, NO,
	 POL}, /* codexd: escalation needs sandbox_approval */
	/* granular sandbox only */
	{"granular:s", K_PROMPT, false, false, NO, POL},
	{"granular:s", K_DANGEROUS, false, false, ASK, HEUR},
	{"granular:s", K_UNKNOWN, true, false, ASK, POL},
	{"granular:s", K_PROMPT, true, false, NO, POL}, /* the rule prompt decides, as Codex */
	/* suggest: nothing runs, forbidden stays forbidden */
	{"suggest", K_SAFE, false, false, SUG, POL},
	{"suggest", K_UNKNOWN, false, false, SUG, POL},
	{"suggest", K_DANGEROUS, false, false, SUG, POL},
	{"suggest", K_ALLOW, false, false, SUG, POL},
	{"suggest", K_PROMPT, false, false, SUG, POL},
	{"suggest", K_FORBIDDEN, false, false, NO, RULE},
	{"suggest", K_UNKNOWN, true, true, SUG, POL},
	/* auto-edit: every command asks */
	{"auto-edit", K_SAFE, false, false, ASK, POL},
	{"auto-edit", K_UNKNOWN, false, false, ASK, POL},
	{"auto-edit", K_DANGEROUS, false, false, ASK, HEUR},
	{"auto-edit", K_ALLOW, false, false, ASK, POL},
	{"auto-edit", K_PROMPT, false, false, ASK, RULE},
	{"auto-edit", K_FORBIDDEN, false, false, NO, RULE},
	{"auto-edit", K_UNKNOWN, true, true, ASK, POL},
};

static void run_row(const struct row *row)
{
	struct approval_segment seg = segment_of(row->kind);
	struct approval_request r;
	struct approval_decision d;
	const char *colon = strchr(row->policy, ':');

	if (colon) {
		r = request("granular", &seg, 1);
		r.config.granular.sandbox_approval = strchr(colon, 's') != NULL;
		r.config.granular.rules = strchr(colon, 'r') != NULL;
	} else {
		r = request(row->policy, &seg, 1);
	}
	r.escalate = row->escalate;
	r.sandbox = row->unrestricted ? SANDBOX_DANGER_FULL_ACCESS : SANDBOX_WORKSPACE_WRITE;
	d = decide(&r);
	if (d.outcome != row->outcome || d.source != row->source)
		fail_msg("%s kind=%d escalate=%d unrestricted=%d: %s/%s (%s), want %s/%s",
			 row->policy, row->kind, row->escalate, row->unrestricted,
			 approval_outcome_to_string(d.outcome), approval_source_to_string(d.source),
			 d.reason ? d.reason : "-", approval_outcome_to_string(row->outcome),
			 approval_source_to_string(row->source));
	if (d.outcome == ALLOW)
		assert_null(d.reason);
	else
		assert_non_null(d.reason);
	if (d.outcome != ASK) {
		assert_null(d.amendment);
		assert_false(d.escalation);
	} else {
		assert_int_equal(d.escalation, row->escalate);
	}
	approval_decision_done(&d);
}

static void test_decision_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		run_row(&table[i]);
}

static void test_read_only_is_restricted(void **state)
{
	struct approval_segment seg = segment_of(K_UNKNOWN);
	struct approval_request r = request("on-request", &seg, 1);
	struct approval_decision d;

	(void)state;
	r.sandbox = SANDBOX_READ_ONLY;
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	approval_decision_done(&d);
	r.escalate = true;
	d = decide(&r);
	assert_int_equal(d.outcome, ASK);
	approval_decision_done(&d);
	r.sandbox = SANDBOX_READ_ONLY;
	r.external_sandbox = true;
	r.escalate = false;
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	approval_decision_done(&d);
}

static void test_complex_parse_never_known_safe(void **state)
{
	struct approval_segment seg = segment_of(K_SAFE);
	struct approval_request r = request("untrusted", &seg, 1);
	struct approval_decision d;

	(void)state;
	r.complex_parse = true;
	d = decide(&r);
	assert_int_equal(d.outcome, ASK);
	expect_amendment(&d, NULL); /* never an amendment after the heredoc fallback */
	approval_decision_done(&d);
}

/* ------------------------------------------------------------- reasons */

static void test_reasons(void **state)
{
	struct approval_segment seg;
	struct approval_request r;
	struct approval_decision d;

	(void)state;
	/* Codex's shapes. */
	seg = (struct approval_segment){
		.argv = A("rm"), .verdict = APPROVAL_RULE_PROMPT, .matched_prefix = A("rm")};
	r = request("on-request", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm` requires approval by policy");
	expect_amendment(&d, NULL);
	approval_decision_done(&d);

	seg.justification = "deleting needs a human";
	d = decide(&r);
	expect_reason(&d, "`rm` requires approval: deleting needs a human");
	approval_decision_done(&d);

	seg = (struct approval_segment){.argv = A("rm", "-rf", "/some/important/folder"),
					.verdict = APPROVAL_RULE_FORBIDDEN,
					.justification = "destructive command",
					.matched_prefix = A("rm")};
	r = request("on-request", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm -rf /some/important/folder` rejected: destructive command");
	approval_decision_done(&d);

	seg.justification = NULL;
	seg.matched_prefix = A("rm", "-rf");
	d = decide(&r);
	expect_reason(&d, "`rm -rf /some/important/folder` rejected: policy forbids commands "
			  "starting with `rm -rf`");
	approval_decision_done(&d);

	seg.matched_prefix = NULL;
	d = decide(&r);
	expect_reason(&d, "`rm -rf /some/important/folder` rejected: blocked by policy");
	approval_decision_done(&d);

	/* Prompt under never. */
	seg = (struct approval_segment){.argv = A("rm"), .verdict = APPROVAL_RULE_PROMPT};
	r = request("never", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm` rejected: approval required by policy rule, but approval_policy "
			  "is never");
	approval_decision_done(&d);

	/* Granular refusals. */
	r = request("granular", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm` rejected: approval required by policy rule, but granular.rules "
			  "is false");
	approval_decision_done(&d);
	seg = segment_of(K_UNKNOWN);
	r = request("granular", &seg, 1);
	r.escalate = true;
	d = decide(&r);
	expect_reason(&d, "`cargo build` rejected: running outside the sandbox requires approval, "
			  "but granular.sandbox_approval is false");
	approval_decision_done(&d);
	seg = segment_of(K_DANGEROUS);
	r = request("granular", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm -rf x` rejected: approval required by policy, but "
			  "granular.sandbox_approval is false");
	approval_decision_done(&d);

	/* Heuristic and policy prompts. */
	seg = segment_of(K_UNKNOWN);
	r = request("untrusted", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`cargo build` requires approval: not a known-safe command");
	approval_decision_done(&d);
	seg = segment_of(K_DANGEROUS);
	r = request("on-request", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm -rf x` requires approval: possibly destructive command (forced rm)");
	approval_decision_done(&d);
	r = request("never", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`rm -rf x` rejected: blocked by policy (possibly destructive command "
			  "and approval policy never)");
	approval_decision_done(&d);
	seg = segment_of(K_UNKNOWN);
	r = request("on-request", &seg, 1);
	r.escalate = true;
	d = decide(&r);
	expect_reason(&d, "`cargo build` requires approval: it asks to run outside the sandbox");
	assert_true(d.escalation);
	approval_decision_done(&d);
	r = request("full-auto", &seg, 1);
	r.escalate = true;
	d = decide(&r);
	expect_reason(&d, "`cargo build` rejected: running outside the sandbox was requested, but "
			  "approval policy full-auto keeps every command sandboxed");
	approval_decision_done(&d);
	r = request("never", &seg, 1);
	r.escalate = true;
	d = decide(&r);
	expect_reason(&d, "`cargo build` rejected: running outside the sandbox requires approval, "
			  "but approval_policy is never");
	approval_decision_done(&d);
	r = request("auto-edit", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`cargo build` requires approval: approval policy auto-edit asks before "
			  "every command");
	approval_decision_done(&d);
	r = request("suggest", &seg, 1);
	d = decide(&r);
	expect_reason(&d,
		      "`cargo build` not run: approval policy suggest only records suggestions");
	approval_decision_done(&d);
}

static void test_reason_quoting_and_bounds(void **state)
{
	struct approval_segment seg;
	struct approval_request r;
	struct approval_decision d;
	char *big;
	char *const *argv;

	(void)state;
	seg = (struct approval_segment){.argv = A("echo", "hi there", "it's", "a\nb", ""),
					.verdict = APPROVAL_RULE_PROMPT,
					.justification = "line1\nline2\t!"};
	r = request("on-request", &seg, 1);
	d = decide(&r);
	expect_reason(&d, "`echo 'hi there' 'it'\\''s' $'a\\x0ab' ''` requires approval: line1 "
			  "line2 !");
	approval_decision_done(&d);

	big = malloc(CX_MAX_JUSTIFICATION + 100);
	memset(big, 'j', CX_MAX_JUSTIFICATION + 99);
	big[CX_MAX_JUSTIFICATION + 99] = '\0';
	seg.justification = big;
	argv = A("x", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "zzzz");
	seg.argv = argv;
	r.argv = argv;
	d = decide(&r);
	assert_non_null(strstr(d.reason, "...` requires approval: "));
	assert_true(strlen(d.reason) <= CX_MAX_REASON_COMMAND + CX_MAX_JUSTIFICATION + 64);
	assert_null(strstr(d.reason, "zzzz"));
	approval_decision_done(&d);
	free(big);

	{
		char *s = approval_render_command(A("\xff\xfe", "ok", "\xc3\xa9t\xc3\xa9"), 100);

		assert_string_equal(s, "$'\\xff\\xfe' ok '\xc3\xa9t\xc3\xa9'");
		free(s);
		s = approval_render_command(A("abcdefghij"), 4);
		assert_string_equal(s, "abcd...");
		free(s);
		s = approval_render_command(A(NULL), 10);
		assert_string_equal(s, "");
		free(s);
	}
}

static void test_most_specific_rule_reason(void **state)
{
	struct approval_segment segs[3] = {
		{.argv = A("git", "push", "--force"),
		 .verdict = APPROVAL_RULE_FORBIDDEN,
		 .matched_prefix = A("git")},
		{.argv = A("git", "push", "--force"),
		 .verdict = APPROVAL_RULE_FORBIDDEN,
		 .matched_prefix = A("git", "push", "--force"),
		 .justification = "use --force-with-lease"},
		{.argv = A("ls"), .known_safe = true},
	};
	struct approval_request r = request("on-request", segs, 3);
	struct approval_decision d;

	(void)state;
	r.argv = A("bash", "-lc", "git push --force; git push --force; ls");
	d = decide(&r);
	assert_int_equal(d.outcome, NO);
	expect_reason(&d, "`bash -lc 'git push --force; git push --force; ls'` rejected: use "
			  "--force-with-lease");
	approval_decision_done(&d);
}

/* ------------------------------------------------------------- multi-segment */

static void test_strictest_wins(void **state)
{
	struct approval_segment segs[3] = {segment_of(K_ALLOW), segment_of(K_UNKNOWN),
					   segment_of(K_PROMPT)};
	struct approval_request r = request("on-request", segs, 3);
	struct approval_decision d;

	(void)state;
	d = decide(&r);
	assert_int_equal(d.outcome, ASK);
	assert_int_equal(d.source, RULE);
	approval_decision_done(&d);

	segs[1] = segment_of(K_FORBIDDEN);
	d = decide(&r);
	assert_int_equal(d.outcome, NO);
	approval_decision_done(&d);

	/* Codex's mixed rule + sandbox prompt cases. */
	{
		struct approval_segment m[2] = {segment_of(K_PROMPT), segment_of(K_UNKNOWN)};
		struct approval_request mr = request("granular", m, 2);

		mr.escalate = true;
		mr.sandbox = SANDBOX_READ_ONLY;
		mr.config.granular = (struct approval_granular){true, true, true, true, true};
		d = decide(&mr);
		assert_int_equal(d.outcome, ASK);
		approval_decision_done(&d);
		mr.config.granular.rules = false;
		d = decide(&mr);
		assert_int_equal(d.outcome, NO);
		approval_decision_done(&d);
	}
}

static void test_bypass_sandbox(void **state)
{
	struct approval_segment segs[2] = {segment_of(K_ALLOW), segment_of(K_ALLOW)};
	struct approval_request r = request("on-request", segs, 2);
	struct approval_decision d;

	(void)state;
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_int_equal(d.source, RULE);
	assert_true(d.bypass_sandbox);
	approval_decision_done(&d);

	/* One heuristic segment keeps it sandboxed. */
	segs[1] = segment_of(K_SAFE);
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_int_equal(d.source, HEUR);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);

	/* A file-writing redirect or an assignment keeps it sandboxed. */
	segs[1] = segment_of(K_ALLOW);
	segs[1].writes_files = true;
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);
	segs[1].writes_files = false;
	segs[1].has_assignments = true;
	d = decide(&r);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);

	/* full-auto never bypasses. */
	segs[1].has_assignments = false;
	r = request("full-auto", segs, 2);
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);

	/* never with allow rules: bypass like Codex. */
	r = request("never", segs, 2);
	d = decide(&r);
	assert_true(d.bypass_sandbox);
	approval_decision_done(&d);

	/* Escalation with allow rules still asks. */
	r = request("on-request", segs, 2);
	r.escalate = true;
	d = decide(&r);
	assert_int_equal(d.outcome, ASK);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);
}

static void test_dangerous_assignment_ignores_allow_rule(void **state)
{
	struct approval_segment seg = segment_of(K_ALLOW);
	struct approval_request r;
	struct approval_decision d;

	(void)state;
	seg.dangerous_assignment = true;
	seg.has_assignments = true;
	r = request("untrusted", &seg, 1);
	d = decide(&r);
	assert_int_equal(d.outcome, ASK); /* judged as unmatched: not known-safe */
	assert_int_equal(d.source, HEUR);
	expect_amendment(&d, NULL);
	approval_decision_done(&d);

	r = request("on-request", &seg, 1);
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_int_equal(d.source, HEUR);
	assert_false(d.bypass_sandbox);
	approval_decision_done(&d);

	seg.verdict = APPROVAL_RULE_FORBIDDEN;
	d = decide(&r);
	assert_int_equal(d.outcome, NO); /* forbidden still applies */
	approval_decision_done(&d);
}

/* ------------------------------------------------------------- amendments */

static void test_amendments(void **state)
{
	struct approval_request r;
	struct approval_decision d;

	(void)state;
	{
		/* Codex: heuristics prompt -> that command is proposed. */
		struct approval_segment seg = {.argv = A("python", "script.py")};

		r = request("untrusted", &seg, 1);
		d = decide(&r);
		expect_amendment(&d, A("python", "script.py"));
		approval_decision_done(&d);
	}
	{
		/* cd is safe, prog1 prompts -> prog1's argv. */
		struct approval_segment segs[3] = {
			{.argv = A("cd", "/some/folder"), .known_safe = true},
			{.argv = A("prog1", "--option1", "arg1")},
			{.argv = A("prog2", "--option2", "arg2")},
		};

		r = request("untrusted", segs, 3);
		d = decide(&r);
		expect_amendment(&d, A("prog1", "--option1", "arg1"));
		approval_decision_done(&d);

		/* A prompt rule on prog2 -> no amendment. */
		segs[2].verdict = APPROVAL_RULE_PROMPT;
		d = decide(&r);
		assert_int_equal(d.outcome, ASK);
		expect_amendment(&d, NULL);
		approval_decision_done(&d);

		/* Complex parse -> none. */
		segs[2].verdict = APPROVAL_RULE_NONE;
		r.complex_parse = true;
		d = decide(&r);
		expect_amendment(&d, NULL);
		approval_decision_done(&d);
	}
	{
		/* Escalation under on-request proposes the command (Codex). */
		struct approval_segment seg = {.argv = A("touch", "requested-dir/x.txt")};

		r = request("on-request", &seg, 1);
		r.escalate = true;
		d = decide(&r);
		expect_amendment(&d, A("touch", "requested-dir/x.txt"));
		approval_decision_done(&d);
	}
	{
		/* Dangerous commands and banned prefixes are never proposed. */
		struct approval_segment seg = segment_of(K_DANGEROUS);

		r = request("on-request", &seg, 1);
		d = decide(&r);
		assert_int_equal(d.outcome, ASK);
		expect_amendment(&d, NULL);
		approval_decision_done(&d);

		seg = (struct approval_segment){.argv = A("python3")};
		r = request("untrusted", &seg, 1);
		d = decide(&r);
		expect_amendment(&d, NULL);
		approval_decision_done(&d);

		/* auto-edit asks anyway: an allow rule would not help. */
		seg = (struct approval_segment){.argv = A("cargo", "build")};
		r = request("auto-edit", &seg, 1);
		d = decide(&r);
		expect_amendment(&d, NULL);
		approval_decision_done(&d);
	}
	{
		/* The agent's requested prefix (Codex's prefix_rule). */
		struct approval_segment seg = {
			.argv = A("/usr/bin/cargo", "install", "cargo-insta")};

		r = request("untrusted", &seg, 1);
		r.requested_prefix = A("/usr/bin/cargo", "install");
		d = decide(&r);
		expect_amendment(&d, A("/usr/bin/cargo", "install"));
		approval_decision_done(&d);

		/* Not covering the command -> falls back to the derived one. */
		r.requested_prefix = A("cargo", "build");
		d = decide(&r);
		expect_amendment(&d, A("/usr/bin/cargo", "install", "cargo-insta"));
		approval_decision_done(&d);

		/* Banned -> derived. */
		r.requested_prefix = A("sudo");
		d = decide(&r);
		expect_amendment(&d, A("/usr/bin/cargo", "install", "cargo-insta"));
		approval_decision_done(&d);
	}
	{
		/* A policy rule matched -> the requested prefix is ignored. */
		struct approval_segment segs[2] = {
			{.argv = A("cargo", "install", "x"), .verdict = APPROVAL_RULE_ALLOW},
			{.argv = A("cargo", "install", "y")},
		};

		r = request("untrusted", segs, 2);
		r.requested_prefix = A("cargo", "install");
		d = decide(&r);
		expect_amendment(&d, A("cargo", "install", "y"));
		approval_decision_done(&d);

		/* Every segment covered and no rule -> accepted. */
		segs[0].verdict = APPROVAL_RULE_NONE;
		d = decide(&r);
		expect_amendment(&d, A("cargo", "install"));
		approval_decision_done(&d);
	}
}

static void test_banned_prefixes(void **state)
{
	(void)state;
	assert_true(approval_prefix_is_banned(A("python3")));
	assert_true(approval_prefix_is_banned(A("python", "-c")));
	assert_true(approval_prefix_is_banned(A("bash", "-lc")));
	assert_true(approval_prefix_is_banned(A("/bin/bash", "-lc")));
	assert_true(approval_prefix_is_banned(A("sh", "-c")));
	assert_true(approval_prefix_is_banned(A("zsh", "-lc")));
	assert_true(approval_prefix_is_banned(A("pwsh", "-Command")));
	assert_true(approval_prefix_is_banned(A("env")));
	assert_true(approval_prefix_is_banned(A("sudo")));
	assert_true(approval_prefix_is_banned(A("node", "-e")));
	assert_true(approval_prefix_is_banned(A("perl", "-e")));
	assert_true(approval_prefix_is_banned(A("ruby", "-e")));
	assert_true(approval_prefix_is_banned(A("php", "-r")));
	assert_true(approval_prefix_is_banned(A("lua", "-e")));
	assert_true(approval_prefix_is_banned(A("osascript")));
	assert_true(approval_prefix_is_banned(A("git")));
	assert_true(approval_prefix_is_banned(A(NULL)));
	assert_true(approval_prefix_is_banned(NULL));
	assert_false(approval_prefix_is_banned(A("git", "status")));
	assert_false(approval_prefix_is_banned(A("python3", "script.py")));
	assert_false(approval_prefix_is_banned(A("bash", "-lc", "ls")));
	assert_false(approval_prefix_is_banned(A("cargo")));
	assert_false(approval_prefix_is_banned(A("env", "-i")));
}

/* ------------------------------------------------------------- errors */

static void test_decide_errors(void **state)
{
	struct approval_segment seg = segment_of(K_UNKNOWN);
	struct approval_request r = request("on-request", &seg, 1);
	struct approval_decision d = {0};

	(void)state;
	assert_int_equal(approval_decide(NULL, &d), -EINVAL);
	assert_int_equal(approval_decide(&r, NULL), -EINVAL);
	/* No argv: messages quote the first segment. */
	r.argv = NULL;
	r.config.policy = APPROVAL_UNTRUSTED;
	d = decide(&r);
	expect_reason(&d, "`cargo build` requires approval: not a known-safe command");
	approval_decision_done(&d);
	r.config.policy = APPROVAL_ON_REQUEST;
	r.n_segments = 0;
	assert_int_equal(approval_decide(&r, &d), -EINVAL);
	r.n_segments = 1;
	r.config.policy = _APPROVAL_POLICY_MAX;
	assert_int_equal(approval_decide(&r, &d), -EINVAL);
	r.config.policy = APPROVAL_NEVER;
	r.sandbox = _SANDBOX_MODE_MAX;
	assert_int_equal(approval_decide(&r, &d), -EINVAL);
	r.sandbox = SANDBOX_READ_ONLY;
	seg.verdict = _APPROVAL_RULE_VERDICT_MAX;
	assert_int_equal(approval_decide(&r, &d), -EINVAL);
	seg.verdict = APPROVAL_RULE_NONE;
	seg.argv = A(NULL);
	assert_int_equal(approval_decide(&r, &d), -EINVAL);
	approval_decision_done(NULL);
	approval_decision_done(&d);
}

/* ------------------------------------------------------------- choices */

static void test_choices(void **state)
{
	struct approval_segment seg = segment_of(K_UNKNOWN);
	struct approval_request r = request("untrusted", &seg, 1);
	struct approval_decision d = decide(&r);
	unsigned all = APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE) |
		       APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION) |
		       APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_DENY) |
		       APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_ABORT);
	enum approval_choice c;

	(void)state;
	assert_int_equal(approval_available_choices(&r, &d), all);
	approval_decision_done(&d);

	seg = segment_of(K_DANGEROUS);
	d = decide(&r);
	assert_int_equal(approval_available_choices(&r, &d),
			 all & ~APPROVAL_CHOICE_BIT(APPROVAL_CHOICE_APPROVE_FOR_SESSION));
	approval_decision_done(&d);

	seg = segment_of(K_SAFE);
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_int_equal(approval_available_choices(&r, &d), 0);
	approval_decision_done(&d);
	assert_int_equal(approval_available_choices(NULL, &d), 0);

	for (int i = 0; i < _APPROVAL_CHOICE_MAX; i++) {
		assert_int_equal(approval_choice_from_string(approval_choice_to_string(i), &c), 0);
		assert_int_equal(c, i);
	}
	assert_string_equal(approval_choice_to_string(APPROVAL_CHOICE_APPROVE_FOR_SESSION),
			    "approve_for_session");
	assert_int_equal(approval_choice_from_string("approved", &c), -EINVAL);
	assert_string_equal(approval_choice_to_string(_APPROVAL_CHOICE_MAX), "unknown");
}

/* ------------------------------------------------------------- session keys */

static char *key(char *const *argv, const char *cwd, const char *session)
{
	char *k = NULL;

	assert_int_equal(approval_session_key(argv, cwd, session, &k), 0);
	assert_non_null(k);
	return k;
}

static void same_key(char *const *a, char *const *b)
{
	char *ka = key(a, "/work", "s1"), *kb = key(b, "/work", "s1");

	if (strcmp(ka, kb) != 0)
		fail_msg("keys differ: \"%s\" vs \"%s\"", ka, kb);
	free(ka);
	free(kb);
}

static void other_key(char *const *a, char *const *b)
{
	char *ka = key(a, "/work", "s1"), *kb = key(b, "/work", "s1");

	if (strcmp(ka, kb) == 0)
		fail_msg("keys equal: \"%s\"", ka);
	free(ka);
	free(kb);
}

static void test_session_keys(void **state)
{
	char *k1, *k2;

	(void)state;
	/* Broader than Codex: program + subcommand. */
	same_key(A("git", "push", "origin", "main"), A("git", "push"));
	same_key(A("git", "push"), A("git", "push", "--force-with-lease"));
	same_key(A("git", "push"), A("/usr/bin/git", "push", "x"));
	same_key(A("cargo", "test", "foo"), A("cargo", "test", "bar"));
	same_key(A("cargo", "build"), A("cargo", "build", "--release"));
	same_key(A("git", "--no-pager", "log", "-1"), A("git", "--no-pager", "log", "-5"));
	same_key(A("npm", "run", "test"), A("npm", "run", "test", "--", "--watch"));
	same_key(A("make", "test"), A("make", "test", "V=1"));
	/* ... and a script that splits shares the key of the direct command. */
	same_key(A("bash", "-lc", "git push origin main"), A("git", "push"));
	same_key(A("zsh", "-lc", "cargo test a && cargo build"),
		 A("bash", "-c", "cargo test b && cargo build --release"));

	/* Narrow where breadth would be dangerous. */
	other_key(A("git", "push"), A("git", "pull"));
	other_key(A("git", "push"), A("./git", "push"));
	other_key(A("git", "push"), A("/tmp/git", "push"));
	other_key(A("git", "push"), A("git", "-C", "/other", "push"));
	other_key(A("git", "-C", "/a", "push"), A("git", "-C", "/b", "push"));
	other_key(A("npm", "run", "test"), A("npm", "run", "deploy"));
	other_key(A("python3", "a.py"), A("python3", "b.py"));
	other_key(A("python3", "a.py"), A("python3", "a.py", "--x"));
	other_key(A("sudo", "apt", "install", "x"), A("sudo", "apt", "remove", "x"));
	other_key(A("env", "A=1", "make"), A("env", "A=2", "make"));
	other_key(A("ls", "-la", "/tmp"), A("ls", "-la", "/etc"));
	other_key(A("docker", "-H", "tcp://a", "run"), A("docker", "-H", "tcp://b", "run"));
	other_key(A("bash", "-lc", "cargo test"), A("bash", "-lc", "FOO=1 cargo test"));
	other_key(A("bash", "-lc", "cargo test"), A("bash", "-lc", "cargo test > /etc/x"));
	other_key(A("bash", "-lc", "cargo test"), A("bash", "-lc", "cargo test && rm x"));
	other_key(A("bash", "-lc", "cat <<'EOF'\na\nEOF"), A("bash", "-lc", "cat <<'EOF'\nb\nEOF"));
	other_key(A("bash", "-lc", "ls $A"), A("bash", "-lc", "ls $B"));
	other_key(A("git", "push"), A("git", "push;"));

	/* cwd and session are part of the key. */
	k1 = key(A("git", "push"), "/a", "s1");
	k2 = key(A("git", "push"), "/b", "s1");
	assert_string_not_equal(k1, k2);
	free(k2);
	k2 = key(A("git", "push"), "/a", "s2");
	assert_string_not_equal(k1, k2);
	free(k2);
	k2 = key(A("git", "push"), "/a", NULL);
	assert_string_not_equal(k1, k2);
	free(k2);
	free(k1);
	/* Length prefixes keep fields from running into each other. */
	k1 = key(A("git", "push"), "/a", "s1,4:/b");
	k2 = key(A("git", "push"), "/b", "s1");
	assert_string_not_equal(k1, k2);
	free(k1);
	free(k2);

	/* Errors. */
	assert_int_equal(approval_session_key(A("git"), NULL, "s", &k1), -EINVAL);
	assert_int_equal(approval_session_key(NULL, "/", "s", &k1), -EINVAL);
	assert_int_equal(approval_session_key(A(NULL), "/", "s", &k1), -EINVAL);
	{
		char *big = malloc(CX_MAX_SESSION_KEY + 10);

		memset(big, 'a', CX_MAX_SESSION_KEY + 9);
		big[CX_MAX_SESSION_KEY + 9] = '\0';
		k1 = NULL;
		assert_int_equal(approval_session_key(A("python3", big), "/", "s", &k1), -E2BIG);
		assert_null(k1);
		free(big);
	}
}

/* ------------------------------------------------------------- plan */

static void test_plan_build(void **state)
{
	struct approval_plan *p = NULL;

	(void)state;
	assert_int_equal(approval_plan_build(A("bash", "-lc", "ls && rm -rf x > log"), &p), 0);
	assert_non_null(p->split);
	assert_int_equal(p->n_segments, 2);
	assert_false(p->complex_parse);
	assert_string_equal(p->segments[0].argv[0], "ls");
	assert_true(p->segments[0].known_safe);
	assert_false(p->segments[0].dangerous);
	assert_true(p->segments[1].dangerous);
	assert_true(p->segments[1].writes_files);
	assert_int_equal(p->segments[1].verdict, APPROVAL_RULE_NONE);
	approval_plan_free(p);

	assert_int_equal(approval_plan_build(A("bash", "-lc", "LD_PRELOAD=/x.so git status"), &p),
			 0);
	assert_true(p->segments[0].dangerous_assignment);
	assert_true(p->segments[0].has_assignments);
	assert_false(p->segments[0].known_safe);
	approval_plan_free(p);

	/* Unsplittable: the whole argv, with the permissive dangerous check. */
	assert_int_equal(approval_plan_build(A("bash", "-lc", "for f in *; do rm -f $f; done"), &p),
			 0);
	assert_null(p->split);
	assert_int_equal(p->n_segments, 1);
	assert_string_equal(p->segments[0].argv[0], "bash");
	assert_true(p->segments[0].dangerous);
	assert_false(p->segments[0].known_safe);
	approval_plan_free(p);

	/* Heredoc fallback. */
	assert_int_equal(approval_plan_build(A("bash", "-lc", "cat <<'EOF'\nhi\nEOF"), &p), 0);
	assert_true(p->complex_parse);
	assert_int_equal(p->n_segments, 1);
	assert_false(p->segments[0].known_safe);
	approval_plan_free(p);

	/* Plain argv. */
	assert_int_equal(approval_plan_build(A("sudo", "rm", "-rf", "/"), &p), 0);
	assert_true(p->segments[0].dangerous);
	approval_plan_free(p);
	assert_int_equal(approval_plan_build(A("git", "status"), &p), 0);
	assert_true(p->segments[0].known_safe);

	/* End to end: plan + rule verdicts + decision. */
	{
		struct approval_request r = {
			.argv = A("git", "status"),
			.segments = p->segments,
			.n_segments = p->n_segments,
			.sandbox = SANDBOX_WORKSPACE_WRITE,
		};
		struct approval_decision d;

		assert_int_equal(approval_config_from_string("untrusted", &r.config), 0);
		d = decide(&r);
		assert_int_equal(d.outcome, ALLOW);
		approval_decision_done(&d);
	}
	approval_plan_free(p);
	approval_plan_free(NULL);
	assert_int_equal(approval_plan_build(NULL, &p), -EINVAL);
	assert_int_equal(approval_plan_build(A(NULL), &p), -EINVAL);
}

static void test_end_to_end_redirect_rules(void **state)
{
	/* #10920/#13175: an allow rule for `cargo test` must match through
	 * `zsh -lc '... 2>&1 | tail'`, and the write redirect keeps it sandboxed. */
	struct approval_plan *p = NULL;
	struct approval_request r = {.sandbox = SANDBOX_WORKSPACE_WRITE};
	struct approval_decision d;
	char *const *argv = A("/bin/zsh", "-lc", "cargo test 2>&1 | tail -n 20 > /tmp/log");

	(void)state;
	assert_int_equal(approval_plan_build(argv, &p), 0);
	assert_int_equal(p->n_segments, 2);
	p->segments[0].verdict = APPROVAL_RULE_ALLOW; /* the rules engine matched cargo test */
	p->segments[1].verdict = APPROVAL_RULE_ALLOW; /* and tail */
	r.argv = argv;
	r.segments = p->segments;
	r.n_segments = p->n_segments;
	assert_int_equal(approval_config_from_string("untrusted", &r.config), 0);
	d = decide(&r);
	assert_int_equal(d.outcome, ALLOW);
	assert_int_equal(d.source, RULE);
	assert_false(d.bypass_sandbox); /* > /tmp/log */
	approval_decision_done(&d);
	approval_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_strings),
		cmocka_unit_test(test_granular_and_result_strings),
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_read_only_is_restricted),
		cmocka_unit_test(test_complex_parse_never_known_safe),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_reason_quoting_and_bounds),
		cmocka_unit_test(test_most_specific_rule_reason),
		cmocka_unit_test(test_strictest_wins),
		cmocka_unit_test(test_bypass_sandbox),
		cmocka_unit_test(test_dangerous_assignment_ignores_allow_rule),
		cmocka_unit_test(test_amendments),
		cmocka_unit_test(test_banned_prefixes),
		cmocka_unit_test(test_decide_errors),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_session_keys),
		cmocka_unit_test(test_plan_build),
		cmocka_unit_test(test_end_to_end_redirect_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
