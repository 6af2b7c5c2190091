/* SPDX-License-Identifier: MIT */
/*
 * Evaluation: Codex's documented matching behaviour (execpolicy
 * tests/basic.rs), codexd's program resolution with the /tmp/git hole
 * closed, several commands, glob rules, amendments, over-broad prefixes.
 */
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
#include "common/macro.h"
#include "policy/rules.h"

static char err[2048];

static struct rules_set *set_of(const char *text)
{
	struct rules_set *s = rules_set_new();
	int r;

	assert_non_null(s);
	r = rules_set_add_text(s, RULES_LAYER_USER, "test.rules", text, strlen(text), err,
			       sizeof(err));
	if (r < 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	return s;
}

static void add(struct rules_set *s, enum rules_layer layer, const char *name, const char *text)
{
	int r = rules_set_add_text(s, layer, name, text, strlen(text), err, sizeof(err));

	if (r < 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
}

/* argv vectors from literals (the API takes execve-style char *const *). */
#define ARGV(...) ((char *const *)(const char *const[]){__VA_ARGS__, NULL})

/* Evaluate; returns the result (caller clears). */
static struct rules_result eval(const struct rules_set *s, char *const *argv, const char *resolved,
				const char *home)
{
	struct rules_eval_opts o = {.resolved_program = resolved, .home_dir = home};
	struct rules_result r;
	int k = rules_eval_prefix(s, argv, &o, &r);

	assert_true(k >= 0);
	assert_int_equal(k, r.matched ? 1 : 0);
	return r;
}

/* The matched prefix of match i as "a b c". */
static const char *prefix_of(const struct rules_result *r, size_t i)
{
	static char buf[512];
	size_t o = 0;

	assert_true(i < r->n_matches);
	buf[0] = '\0';
	for (size_t j = 0; j < r->matches[i].prefix_len; j++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", j ? " " : "",
				      rules_match_token(r, &r->matches[i], j));
	return buf;
}

static void assert_match(const struct rules_result *r, size_t i, const char *prefix,
			 enum rules_decision d, const char *resolved)
{
	assert_string_equal(prefix_of(r, i), prefix);
	assert_int_equal(r->matches[i].decision, d);
	if (resolved)
		assert_string_equal(r->matches[i].resolved_program, resolved);
	else
		assert_null(r->matches[i].resolved_program);
}

/* ---------------------------------------------------------------- Codex's behaviours */

static void test_basic_match(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(\n    pattern = [\"git\", \"status\"],\n)\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("git", "status"), NULL, NULL);
	assert_true(r.matched);
	assert_int_equal(r.decision, RULES_DECISION_ALLOW);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git status", RULES_DECISION_ALLOW, NULL);
	assert_null(r.matches[0].justification);
	assert_false(r.matches[0].via_basename);
	assert_string_equal(r.matches[0].file, "test.rules");
	assert_int_equal(r.matches[0].line, 1);
	assert_int_equal(r.matches[0].column, 1);
	assert_int_equal(r.matches[0].layer, RULES_LAYER_USER);
	rules_result_clear(&r);

	/* Extra trailing tokens are ignored; a shorter command does not match. */
	r = eval(s, ARGV("git", "status", "--short", "x"), NULL, NULL);
	assert_match(&r, 0, "git status", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("git"), NULL, NULL);
	assert_false(r.matched);
	assert_int_equal(r.n_matches, 0);
	assert_int_equal(r.decision, RULES_DECISION_ALLOW);
	rules_result_clear(&r);
	/* Exact, case-sensitive tokens. */
	r = eval(s, ARGV("Git", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("git", "status "), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_no_option_normalisation(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"git\", \"status\"])");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("git", "--config", "color.status=always", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("git", "-C", "/x", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_justification(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = set_of(
		"prefix_rule(pattern = [\"rm\"], decision = \"forbidden\", justification = "
		"\"destructive command\")\n"
		"prefix_rule(pattern = [\"ls\"], decision = \"allow\", justification = \"safe "
		"and commonly used\")\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("rm", "-rf", "/some/important/folder"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_match(&r, 0, "rm", RULES_DECISION_FORBIDDEN, NULL);
	assert_string_equal(r.matches[0].justification, "destructive command");
	rules_result_clear(&r);
	r = eval(s, ARGV("ls", "-l"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_ALLOW);
	assert_string_equal(r.matches[0].justification, "safe and commonly used");
	assert_int_equal(r.matches[0].line, 2);
	rules_result_clear(&r);
}

static void test_strictest_across_files(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_result r;

	(void)state;
	/* Codex: parses_multiple_policy_files */
	add(s, RULES_LAYER_PROJECT, "first.rules",
	    "prefix_rule(\n    pattern = [\"git\"],\n    decision = \"prompt\",\n)\n");
	add(s, RULES_LAYER_MANAGED, "second.rules",
	    "\nprefix_rule(\n    pattern = [\"git\", \"commit\"],\n    decision = "
	    "\"forbidden\",\n)\n");

	r = eval(s, ARGV("git", "status"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git", RULES_DECISION_PROMPT, NULL);
	rules_result_clear(&r);

	r = eval(s, ARGV("git", "commit", "-m", "hi"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(r.n_matches, 2);
	assert_match(&r, 0, "git", RULES_DECISION_PROMPT, NULL);
	assert_string_equal(r.matches[0].file, "first.rules");
	assert_int_equal(r.matches[0].layer, RULES_LAYER_PROJECT);
	assert_match(&r, 1, "git commit", RULES_DECISION_FORBIDDEN, NULL);
	assert_string_equal(r.matches[1].file, "second.rules");
	assert_int_equal(r.matches[1].line, 2);
	assert_int_equal(r.matches[1].layer, RULES_LAYER_MANAGED);
	rules_result_clear(&r);

	/* An allow added later cannot loosen anything. */
	add(s, RULES_LAYER_SESSION, "third.rules",
	    "prefix_rule([\"git\", \"commit\", \"-m\"], \"allow\")");
	r = eval(s, ARGV("git", "commit", "-m", "hi"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(r.n_matches, 3);
	rules_result_clear(&r);
}

static void test_first_token_alias_expansion(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(\n    pattern = [[\"bash\", \"sh\"], [\"-c\", \"-l\"]],\n)\n");
	struct rules_set_stats st;
	struct rules_result r;

	(void)state;
	rules_set_get_stats(s, &st);
	assert_int_equal(st.prefix_rules, 2);
	r = eval(s, ARGV("bash", "-c", "echo", "hi"), NULL, NULL);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "bash -c", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("sh", "-l", "echo", "hi"), NULL, NULL);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "sh -l", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("zsh", "-c", "x"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_tail_aliases_not_cartesian(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(\n    pattern = [\"npm\", [\"i\", \"install\"], "
		       "[\"--legacy-peer-deps\", "
		       "\"--no-save\"]],\n)\n");
	struct rules_set_stats st;
	struct rules_result r;

	(void)state;
	/* One rule holding two alternative sets, not four rules. */
	rules_set_get_stats(s, &st);
	assert_int_equal(st.prefix_rules, 1);
	r = eval(s, ARGV("npm", "i", "--legacy-peer-deps"), NULL, NULL);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "npm i --legacy-peer-deps", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("npm", "install", "--no-save", "leftpad"), NULL, NULL);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "npm install --no-save", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("npm", "install", "leftpad"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_every_match_reported(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule([\"git\"], \"prompt\")\n"
		       "prefix_rule([\"git\", \"push\"], \"forbidden\", justification = \"no\")\n"
		       "prefix_rule([\"git\", [\"push\", \"pull\"]], \"allow\")\n"
		       "prefix_rule([\"git\", \"push\", \"--force\"], \"forbidden\")\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("git", "push", "--force", "origin"), NULL, NULL);
	assert_int_equal(r.n_matches, 4);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	/* In load order. */
	assert_match(&r, 0, "git", RULES_DECISION_PROMPT, NULL);
	assert_match(&r, 1, "git push", RULES_DECISION_FORBIDDEN, NULL);
	assert_match(&r, 2, "git push", RULES_DECISION_ALLOW, NULL);
	assert_match(&r, 3, "git push --force", RULES_DECISION_FORBIDDEN, NULL);
	assert_int_equal(r.matches[3].line, 4);
	assert_null(rules_match_token(&r, &r.matches[0], 1));
	assert_null(rules_match_token(NULL, &r.matches[0], 0));
	rules_result_clear(&r);
	rules_result_clear(&r); /* idempotent */
}

static void test_escaped_tokens(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = set_of(
		"prefix_rule([\"printf\", \"a\\tb\\n\", r\"\\d\", '''x\ny''', \"\\u00e9\"])");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("printf", "a\tb\n", "\\d", "x\ny", "\xc3\xa9"), NULL, NULL);
	assert_true(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("printf", "a\\tb\\n", "\\d", "x\ny", "\xc3\xa9"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

/* ---------------------------------------------------------------- host executables */

static void test_host_basename_rule_when_allowed(void **state)
{
	/* Codex: host_executable_resolution_uses_basename_rule_when_allowed */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"git\", \"status\"], decision = \"prompt\")\n"
		       "host_executable(name = \"git\", paths = [\"/usr/bin/git\"])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git status", RULES_DECISION_PROMPT, "/usr/bin/git");
	assert_true(r.matches[0].via_basename);
	rules_result_clear(&r);
}

static void test_host_fallback_without_mapping(void **state)
{
	/* Codex: host_executable_resolution_falls_back_without_mapping */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"git\"], decision = \"prompt\")\n"
		       "prefix_rule(pattern = [\"ls\"])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	assert_match(&r, 0, "git", RULES_DECISION_PROMPT, "/usr/bin/git");
	rules_result_clear(&r);
	/* No entry for ls: any absolute path gets the allow rule (Codex). */
	r = eval(s, ARGV("/opt/x/ls", "-l"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_ALLOW);
	assert_match(&r, 0, "ls", RULES_DECISION_ALLOW, "/opt/x/ls");
	rules_result_clear(&r);
	/* A relative path never gets allow rules through its basename. */
	r = eval(s, ARGV("./ls", "-l"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_host_explicit_empty_list(void **state)
{
	/* Codex: host_executable_resolution_respects_explicit_empty_allowlist.
	 * Codex answers "no match" for a prompt rule; codexd applies prompt
	 * and forbidden rules to every path and keeps only allow rules off. */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"git\"], decision = \"prompt\")\n"
		       "prefix_rule(pattern = [\"git\", \"status\"])\n"
		       "host_executable(name = \"git\", paths = [])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git", RULES_DECISION_PROMPT, "/usr/bin/git");
	rules_result_clear(&r);
}

static void test_host_path_not_in_list(void **state)
{
	/* Codex: host_executable_resolution_ignores_path_not_in_allowlist */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"git\", \"status\"])\n"
		       "host_executable(name = \"git\", paths = [\"/usr/bin/git\"])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/opt/homebrew/bin/git", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_true(r.matched);
	rules_result_clear(&r);
	/* Paths compare exactly. */
	r = eval(s, ARGV("/usr/bin/../bin/git", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_host_exact_and_basename_both_apply(void **state)
{
	/* Codex: host_executable_resolution_does_not_override_exact_match
	 * reports only the exact allow rule.  codexd also applies the
	 * basename's prompt rule: strictest wins. */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(pattern = [\"/usr/bin/git\"], decision = \"allow\")\n"
		       "prefix_rule(pattern = [\"git\"], decision = \"prompt\")\n"
		       "host_executable(name = \"git\", paths = [\"/usr/bin/git\"])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_int_equal(r.n_matches, 2);
	assert_match(&r, 0, "/usr/bin/git", RULES_DECISION_ALLOW, NULL);
	assert_false(r.matches[0].via_basename);
	assert_match(&r, 1, "git", RULES_DECISION_PROMPT, "/usr/bin/git");
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	rules_result_clear(&r);
}

/* SECURITY.md: a forbidden `git` rule bypassed through /tmp/git (Codex issue #37079). */
static void test_tmp_git_lookalike_is_forbidden(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("host_executable(name = \"git\", paths = [\"/usr/bin/git\"])\n"
		       "prefix_rule([\"git\", \"status\"])\n"
		       "prefix_rule([\"git\", \"push\"], \"forbidden\", justification = \"use the "
		       "review tool\")\n");
	struct rules_result r;

	(void)state;
	/* The look-alike by absolute path: forbidden (Codex: no match). */
	r = eval(s, ARGV("/tmp/git", "push", "origin"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git push", RULES_DECISION_FORBIDDEN, "/tmp/git");
	assert_string_equal(r.matches[0].justification, "use the review tool");
	rules_result_clear(&r);
	/* ...and by relative path. */
	r = eval(s, ARGV("./git", "push"), NULL, NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_match(&r, 0, "git push", RULES_DECISION_FORBIDDEN, "./git");
	rules_result_clear(&r);
	/* The look-alike gets no allow rule. */
	r = eval(s, ARGV("/tmp/git", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);

	/* A bare name that PATH resolves to the look-alike: forbidden stays,
	 * allow goes. */
	r = eval(s, ARGV("git", "push"), "/tmp/git", NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git push", RULES_DECISION_FORBIDDEN, NULL);
	rules_result_clear(&r);
	r = eval(s, ARGV("git", "status"), "/tmp/git", NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
	/* The real one keeps its allow rule. */
	r = eval(s, ARGV("git", "status"), "/usr/bin/git", NULL);
	assert_true(r.matched);
	assert_int_equal(r.decision, RULES_DECISION_ALLOW);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git status", RULES_DECISION_ALLOW, NULL);
	rules_result_clear(&r);
	/* Absolute argv whose resolution is given as the same path. */
	r = eval(s, ARGV("/usr/bin/git", "status"), "/usr/bin/git", NULL);
	assert_int_equal(r.n_matches, 1);
	assert_match(&r, 0, "git status", RULES_DECISION_ALLOW, "/usr/bin/git");
	rules_result_clear(&r);
}

static void test_resolved_program(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule([\"/opt/tool/bin/x\"], \"forbidden\")\n"
		       "prefix_rule([\"y\", \"run\"], \"prompt\")\n"
		       "prefix_rule([\"x\", \"ok\"])\n");
	struct rules_result r;

	(void)state;
	/* A rule for the exact path that will run applies to a bare argv[0]. */
	r = eval(s, ARGV("x", "ok"), "/opt/tool/bin/x", NULL);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(r.n_matches, 2);
	assert_match(&r, 0, "x ok", RULES_DECISION_ALLOW, NULL); /* no entry for x: Codex */
	assert_match(&r, 1, "/opt/tool/bin/x", RULES_DECISION_FORBIDDEN, "/opt/tool/bin/x");
	assert_false(r.matches[1].via_basename);
	assert_string_equal(r.resolved_program, "/opt/tool/bin/x");
	rules_result_clear(&r);
	/* The basename of the resolved program counts even when argv[0] says otherwise. */
	r = eval(s, ARGV("alias-of-y", "run"), "/usr/bin/y", NULL);
	assert_int_equal(r.decision, RULES_DECISION_PROMPT);
	assert_match(&r, 0, "y run", RULES_DECISION_PROMPT, "/usr/bin/y");
	assert_true(r.matches[0].via_basename);
	rules_result_clear(&r);
}

static void test_host_home_paths(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("host_executable(name = \"az\", paths = [\"~/.openai/bin/az\"])\n"
		       "prefix_rule([\"az\", \"login\"])\n");
	struct rules_result r;

	(void)state;
	r = eval(s, ARGV("/home/u/.openai/bin/az", "login"), NULL, "/home/u");
	assert_true(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/home/u/.openai/bin/az", "login"), NULL, NULL); /* no home: unlisted */
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/home/v/.openai/bin/az", "login"), NULL, "/home/u");
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/home/uu/.openai/bin/az", "login"), NULL, "/home/u");
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/.openai/bin/az", "login"), NULL, "/");
	assert_true(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("az", "login"), "/home/u/.openai/bin/az", "/home/u");
	assert_true(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("az", "login"), "/usr/bin/az", "/home/u");
	assert_false(r.matched);
	rules_result_clear(&r);
}

static void test_managed_host_pinning(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_result r;

	(void)state;
	add(s, RULES_LAYER_MANAGED, "managed.rules",
	    "host_executable(\"git\", [\"/usr/bin/git\"])\nprefix_rule([\"git\", \"status\"])");
	/* A user cannot widen which paths get the administrator's allow rule. */
	add(s, RULES_LAYER_USER, "user.rules", "host_executable(\"git\", [\"/tmp/git\"])");
	r = eval(s, ARGV("/tmp/git", "status"), NULL, NULL);
	assert_false(r.matched);
	rules_result_clear(&r);
	r = eval(s, ARGV("/usr/bin/git", "status"), NULL, NULL);
	assert_true(r.matched);
	rules_result_clear(&r);
}

/* ---------------------------------------------------------------- several commands */

static void test_eval_multiple(void **state)
{
	/* Codex: strictest_decision_across_multiple_commands */
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("prefix_rule(\n    pattern = [\"git\"],\n    decision = \"prompt\",\n)\n"
		       "prefix_rule(\n    pattern = [\"git\", \"commit\"],\n    decision = "
		       "\"forbidden\",\n)\n");
	const struct rules_command cmds[] = {
		{.argv = ARGV("git", "status")},
		{.argv = ARGV("git", "commit", "-m", "hi")},
		{.argv = ARGV("cargo", "build")},
	};
	struct rules_multi_result m;
	int k;

	(void)state;
	k = rules_eval_multiple(s, cmds, 3, NULL, &m);
	assert_int_equal(k, 2);
	assert_int_equal(m.n_matched, 2);
	assert_int_equal(m.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(m.n_results, 3);
	assert_int_equal(m.results[0].n_matches, 1);
	assert_int_equal(m.results[0].decision, RULES_DECISION_PROMPT);
	assert_int_equal(m.results[1].n_matches, 2);
	assert_match(&m.results[1], 0, "git", RULES_DECISION_PROMPT, NULL);
	assert_match(&m.results[1], 1, "git commit", RULES_DECISION_FORBIDDEN, NULL);
	assert_false(m.results[2].matched);
	rules_multi_result_clear(&m);

	/* Per-command resolved programs. */
	{
		_cleanup_(rules_set_freep) struct rules_set *t =
			set_of("host_executable(\"git\", [\"/usr/bin/git\"])\n"
			       "prefix_rule([\"git\", \"status\"])\n");
		const struct rules_command c2[] = {
			{.argv = ARGV("git", "status"), .resolved_program = "/usr/bin/git"},
			{.argv = ARGV("git", "status"), .resolved_program = "/tmp/git"},
		};

		k = rules_eval_multiple(t, c2, 2, NULL, &m);
		assert_int_equal(k, 1);
		assert_true(m.results[0].matched);
		assert_false(m.results[1].matched);
		rules_multi_result_clear(&m);
	}

	assert_int_equal(rules_eval_multiple(s, cmds, 0, NULL, &m), -EINVAL);
	assert_int_equal(rules_eval_multiple(s, NULL, 1, NULL, &m), -EINVAL);
	{
		const struct rules_command bad[] = {
			{.argv = ARGV("git")},
			{.argv = ARGV("git"), .resolved_program = "relative/git"},
		};

		assert_int_equal(rules_eval_multiple(s, bad, 2, NULL, &m), -EINVAL);
	}
	rules_multi_result_clear(&m);
}

static void test_eval_arguments(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = set_of("prefix_rule([\"a\"])");
	struct rules_eval_opts o = {0};
	struct rules_result r;
	char **big;

	(void)state;
	assert_int_equal(rules_eval_prefix(s, ARGV(NULL), NULL, &r), -EINVAL);
	assert_int_equal(rules_eval_prefix(NULL, ARGV("a"), NULL, &r), -EINVAL);
	assert_int_equal(rules_eval_prefix(s, NULL, NULL, &r), -EINVAL);
	o.resolved_program = "bin/a";
	assert_int_equal(rules_eval_prefix(s, ARGV("a"), &o, &r), -EINVAL);
	o.resolved_program = "/usr/bin/../bin/a";
	assert_int_equal(rules_eval_prefix(s, ARGV("a"), &o, &r), -EINVAL);
	o.resolved_program = NULL;
	o.home_dir = "/home/u/";
	assert_int_equal(rules_eval_prefix(s, ARGV("a"), &o, &r), -EINVAL);

	big = calloc(CX_MAX_ARGV + 2, sizeof(*big));
	assert_non_null(big);
	for (size_t i = 0; i < CX_MAX_ARGV + 1; i++)
		big[i] = (char *)"a";
	assert_int_equal(rules_eval_prefix(s, big, NULL, &r), -E2BIG);
	big[CX_MAX_ARGV] = NULL;
	assert_int_equal(rules_eval_prefix(s, big, NULL, &r), 1);
	assert_int_equal(r.argc, CX_MAX_ARGV);
	rules_result_clear(&r);
	free(big);

	/* An empty set matches nothing. */
	{
		_cleanup_(rules_set_freep) struct rules_set *e = rules_set_new();

		assert_int_equal(rules_eval_prefix(e, ARGV("a"), NULL, &r), 0);
		rules_result_clear(&r);
	}
}

/* Results own their copy of the command: the caller's argv may go away. */
static void test_result_ownership(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = set_of("prefix_rule([\"git\", \"log\"])");
	struct rules_eval_opts o = {0};
	struct rules_result r;
	char *argv[3], *resolved;

	(void)state;
	argv[0] = strdup("git");
	argv[1] = strdup("log");
	argv[2] = NULL;
	resolved = strdup("/usr/bin/git");
	o.resolved_program = resolved;
	assert_int_equal(rules_eval_prefix(s, argv, &o, &r), 1);
	free(argv[0]);
	free(argv[1]);
	free(resolved);
	assert_string_equal(prefix_of(&r, 0), "git log");
	assert_string_equal(r.resolved_program, "/usr/bin/git");
	assert_string_equal(r.argv[1], "log");
	assert_null(r.argv[2]);
	rules_result_clear(&r);
}

/* ---------------------------------------------------------------- glob rules */

static void test_glob_match(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s =
		set_of("glob_rule(\"~/.ssh\", \"forbidden\", access = \"read\")\n"
		       "glob_rule(\"**/.env\", \"forbidden\")\n"
		       "glob_rule(\"/etc/ssh/ssh_host_*_key\", \"forbidden\")\n"
		       "glob_rule(\"secrets/**\", \"prompt\", access = \"write\", justification = "
		       "\"ask\")\n"
		       "glob_rule(\"/data/**\", \"prompt\")\n"
		       "glob_rule(\"/data/secret\", \"forbidden\", justification = \"no\")\n"
		       "glob_rule(\"/data/**\", \"allow\")\n");
	const struct rules_glob_opts o = {.workspace = "/work/proj", .home_dir = "/home/u"};
	struct rules_glob_result g;

	(void)state;
	assert_int_equal(rules_glob_match(s, "/home/u/.ssh/id_ed25519", RULES_ACCESS_READ, &o, &g),
			 1);
	assert_int_equal(g.decision, RULES_DECISION_FORBIDDEN);
	assert_string_equal(g.rule->pattern, "~/.ssh");
	assert_int_equal(g.rule->line, 1);
	assert_int_equal(rules_glob_match(s, "/home/u/.ssh", RULES_ACCESS_ANY, &o, &g), 1);
	/* A read rule says nothing about writes. */
	assert_int_equal(rules_glob_match(s, "/home/u/.ssh/x", RULES_ACCESS_WRITE, &o, &g), 0);
	assert_int_equal(g.decision, RULES_DECISION_ALLOW);
	assert_null(g.rule);
	assert_int_equal(rules_glob_match(s, "/home/u/.sshx", RULES_ACCESS_READ, &o, &g), 0);
	assert_int_equal(rules_glob_match(s, "/home/u", RULES_ACCESS_READ, &o, &g), 0);
	/* Without a home directory "~/" globs match nothing. */
	assert_int_equal(rules_glob_match(s, "/home/u/.ssh/x", RULES_ACCESS_READ, NULL, &g), 0);

	assert_int_equal(rules_glob_match(s, "/srv/app/.env", RULES_ACCESS_WRITE, &o, &g), 1);
	assert_int_equal(rules_glob_match(s, "/.env", RULES_ACCESS_READ, NULL, &g), 1);
	assert_int_equal(rules_glob_match(s, "/srv/app/.envrc", RULES_ACCESS_READ, &o, &g), 0);
	assert_int_equal(
		rules_glob_match(s, "/etc/ssh/ssh_host_ed25519_key", RULES_ACCESS_READ, &o, &g), 1);
	assert_int_equal(
		rules_glob_match(s, "/etc/ssh/ssh_host_ed25519_key.pub", RULES_ACCESS_READ, &o, &g),
		0);

	/* Workspace-relative. */
	assert_int_equal(rules_glob_match(s, "/work/proj/secrets/a/b", RULES_ACCESS_WRITE, &o, &g),
			 1);
	assert_int_equal(g.decision, RULES_DECISION_PROMPT);
	assert_string_equal(g.rule->justification, "ask");
	assert_int_equal(rules_glob_match(s, "/work/proj/secrets/a", RULES_ACCESS_READ, &o, &g), 0);
	assert_int_equal(rules_glob_match(s, "/work/proj/secrets", RULES_ACCESS_WRITE, &o, &g), 0);
	assert_int_equal(rules_glob_match(s, "/work/projx/secrets/a", RULES_ACCESS_WRITE, &o, &g),
			 0);
	assert_int_equal(rules_glob_match(s, "/secrets/a", RULES_ACCESS_WRITE, &o, &g), 0);
	assert_int_equal(rules_glob_match(s, "/work/proj/secrets/a", RULES_ACCESS_WRITE, NULL, &g),
			 0);
	{
		const struct rules_glob_opts root = {.workspace = "/"};

		assert_int_equal(rules_glob_match(s, "/secrets/a", RULES_ACCESS_WRITE, &root, &g),
				 1);
	}

	/* Strictest wins; the first rule with that decision is reported. */
	assert_int_equal(rules_glob_match(s, "/data/secret/x", RULES_ACCESS_READ, &o, &g), 1);
	assert_int_equal(g.n_matches, 3);
	assert_int_equal(g.decision, RULES_DECISION_FORBIDDEN);
	assert_string_equal(g.rule->pattern, "/data/secret");
	assert_string_equal(g.rule->justification, "no");
	assert_int_equal(rules_glob_match(s, "/data/other", RULES_ACCESS_READ, &o, &g), 1);
	assert_int_equal(g.n_matches, 2);
	assert_int_equal(g.decision, RULES_DECISION_PROMPT);
	assert_int_equal(g.rule->line, 5);

	/* Bad arguments. */
	assert_int_equal(rules_glob_match(s, "relative", RULES_ACCESS_READ, &o, &g), -EINVAL);
	assert_int_equal(rules_glob_match(s, "/a/../b", RULES_ACCESS_READ, &o, &g), -EINVAL);
	assert_int_equal(rules_glob_match(s, "/a/", RULES_ACCESS_READ, &o, &g), -EINVAL);
	assert_int_equal(rules_glob_match(s, "/a", 0, &o, &g), -EINVAL);
	assert_int_equal(rules_glob_match(s, "/a", 4, &o, &g), -EINVAL);
	{
		const struct rules_glob_opts bad = {.workspace = "work"};

		assert_int_equal(rules_glob_match(s, "/a", RULES_ACCESS_READ, &bad, &g), -EINVAL);
	}
}

/* A pathological glob cannot stall a query: past the work bound, prompt
 * and forbidden rules count as matching (fail closed), allow rules not. */
static void test_glob_work_bound(void **state)
{
	static char text[8192], path[4096];
	_cleanup_(rules_set_freep) struct rules_set *s = NULL;
	struct rules_glob_result g;
	size_t o = 0;

	(void)state;
	o += (size_t)snprintf(text, sizeof(text), "glob_rule(\"/x/*");
	memset(text + o, 'a', 2000);
	o += 2000;
	snprintf(text + o, sizeof(text) - o,
		 "b\", \"allow\")\nglob_rule(\"/y\", \"forbidden\")\n"
		 "glob_rule(\"/z\", \"allow\")\n");
	s = set_of(text);
	memset(path, 'a', 4000);
	memcpy(path, "/x/", 3);
	path[4000] = '\0';

	assert_int_equal(rules_glob_match(s, path, RULES_ACCESS_READ, NULL, &g), 1);
	assert_true(g.incomplete);
	assert_int_equal(g.decision, RULES_DECISION_FORBIDDEN);
	assert_int_equal(g.n_matches, 1);
	assert_string_equal(g.rule->pattern, "/y");
	/* An ordinary query is complete. */
	assert_int_equal(rules_glob_match(s, "/y/z", RULES_ACCESS_READ, NULL, &g), 1);
	assert_false(g.incomplete);
	assert_int_equal(rules_glob_match(s, "/q", RULES_ACCESS_READ, NULL, &g), 0);
	assert_false(g.incomplete);
}

/* The total size of a set's prefix patterns is bounded, so every
 * evaluation is. */
static void test_weight_limit(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	static char text[1 << 20];
	char expected[256];
	size_t o = 0;
	int r, per_file;

	(void)state;
	/* L has 1023 strings: each rule weighs 1024, so 1024 rules reach the limit. */
	o += (size_t)snprintf(text, sizeof(text), "L = [");
	for (int i = 0; i < 1023; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"a%d\",", i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "]\n");
	per_file = CX_MAX_RULES_WEIGHT / 1024 / 2;
	for (int i = 0; i < per_file; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "prefix_rule([\"git\", L])\n");
	add(s, RULES_LAYER_USER, "a.rules", text);
	add(s, RULES_LAYER_USER, "b.rules", text);
	r = rules_set_add_text(s, RULES_LAYER_USER, "c.rules", "prefix_rule([\"x\", \"y\"])",
			       strlen("prefix_rule([\"x\", \"y\"])"), err, sizeof(err));
	assert_int_equal(r, -E2BIG);
	snprintf(expected, sizeof(expected),
		 "c.rules: rules too large in total for the rule set (limit %d pattern strings)",
		 CX_MAX_RULES_WEIGHT);
	assert_string_equal(err, expected);
	/* One file alone: reported where it happens. */
	{
		_cleanup_(rules_set_freep) struct rules_set *t = rules_set_new();

		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "prefix_rule([\"git\", L])\n"
				      "prefix_rule([\"git\", L])\n");
		for (int i = 0; i < per_file - 1; i++)
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "prefix_rule([\"git\", L])\n");
		r = rules_set_add_text(t, RULES_LAYER_USER, "d.rules", text, o, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		/* Rule n weighs n * 1024 in all; line 1 is L. */
		snprintf(expected, sizeof(expected),
			 "d.rules:%d:1: rules too large in total (limit %d pattern strings)",
			 2 + CX_MAX_RULES_WEIGHT / 1024, CX_MAX_RULES_WEIGHT);
		assert_string_equal(err, expected);
	}
}

/* ---------------------------------------------------------------- amendments */

static void test_render_prefix_amendment(void **state)
{
	char *line = NULL;

	(void)state;
	/* Codex: amend.rs tests */
	assert_int_equal(rules_render_prefix_amendment(ARGV("echo", "Hello, world!"), &line), 0);
	assert_string_equal(line, "prefix_rule(pattern=[\"echo\", \"Hello, world!\"], "
				  "decision=\"allow\")");
	free(line);
	assert_int_equal(rules_render_prefix_amendment(ARGV("python3"), &line), 0);
	assert_string_equal(line, "prefix_rule(pattern=[\"python3\"], decision=\"allow\")");
	free(line);
	assert_int_equal(rules_render_prefix_amendment(ARGV("a\"b\\c", "\n\t\r\x01\x7f"), &line),
			 0);
	assert_string_equal(line, "prefix_rule(pattern=[\"a\\\"b\\\\c\", "
				  "\"\\n\\t\\r\\u0001\\u007f\"], decision=\"allow\")");
	free(line);

	assert_int_equal(rules_render_prefix_amendment(ARGV(NULL), &line), -EINVAL);
	assert_int_equal(rules_render_prefix_amendment(NULL, &line), -EINVAL);
	assert_int_equal(rules_render_prefix_amendment(ARGV("a\xff"), &line), -EINVAL);
	{
		char *big = malloc(CX_MAX_RULES_STRING + 2);

		assert_non_null(big);
		memset(big, 'a', CX_MAX_RULES_STRING + 1);
		big[CX_MAX_RULES_STRING + 1] = '\0';
		assert_int_equal(rules_render_prefix_amendment(ARGV("x", big), &line), -E2BIG);
		free(big);
	}
	{
		char **many = calloc(CX_MAX_RULES_PATTERN + 2, sizeof(*many));

		assert_non_null(many);
		for (size_t i = 0; i < CX_MAX_RULES_PATTERN + 1; i++)
			many[i] = (char *)"a";
		assert_int_equal(rules_render_prefix_amendment(many, &line), -E2BIG);
		many[CX_MAX_RULES_PATTERN] = NULL;
		assert_int_equal(rules_render_prefix_amendment(many, &line), 0);
		free(line);
		free(many);
	}
}

/* What the renderer writes loads again and matches exactly those tokens. */
static void test_amendment_round_trip(void **state)
{
	static const char *const tokens[][5] = {
		{"git", "status"},
		{"echo", "a\"b", "c\\d", "'single'"},
		{"printf", "%s\n", "\t", "\r", "\x01\x1f\x7f"},
		{"echo", "caf\xc3\xa9", "\xf0\x9f\x98\x80", "\xc2\x85", "\xe2\x80\xae"},
		{"", ""},
		{"x", "# not a comment", "\"\"\"", "'''"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++) {
		_cleanup_(rules_set_freep) struct rules_set *s = NULL;
		_cleanup_free_ char *line = NULL;
		struct rules_result r;
		char *argv[6] = {0};

		for (size_t j = 0; j < 5 && tokens[i][j]; j++)
			argv[j] = (char *)tokens[i][j];
		assert_int_equal(rules_render_prefix_amendment(argv, &line), 0);
		s = set_of(line);
		r = eval(s, argv, NULL, NULL);
		assert_true(r.matched);
		assert_int_equal(r.n_matches, 1);
		rules_result_clear(&r);
	}
}

static void test_render_network_amendment(void **state)
{
	char *line = NULL;

	(void)state;
	/* Codex: appends_network_rule_and_creates_directories */
	assert_int_equal(rules_render_network_amendment("api.example.com", RULES_NET_HTTPS,
							RULES_DECISION_ALLOW, "Allow API calls",
							&line),
			 0);
	assert_string_equal(line, "network_rule(host=\"api.example.com\", protocol=\"https\", "
				  "decision=\"allow\", justification=\"Allow API calls\")");
	{
		_cleanup_(rules_set_freep) struct rules_set *s = set_of(line);

		assert_string_equal(rules_set_network_rule(s, 0)->host, "api.example.com");
	}
	free(line);
	assert_int_equal(rules_render_network_amendment(" API.Example.com. ", RULES_NET_HTTP,
							RULES_DECISION_FORBIDDEN, NULL, &line),
			 0);
	assert_string_equal(line, "network_rule(host=\"api.example.com\", protocol=\"http\", "
				  "decision=\"deny\")");
	{
		_cleanup_(rules_set_freep) struct rules_set *s = set_of(line);

		assert_int_equal(rules_set_network_rule(s, 0)->decision, RULES_DECISION_FORBIDDEN);
	}
	free(line);
	assert_int_equal(rules_render_network_amendment("*.example.com", RULES_NET_HTTPS,
							RULES_DECISION_ALLOW, NULL, &line),
			 -EINVAL);
	assert_int_equal(rules_render_network_amendment("", RULES_NET_HTTPS, RULES_DECISION_ALLOW,
							NULL, &line),
			 -EINVAL);
	assert_int_equal(rules_render_network_amendment("a.example", RULES_NET_HTTPS,
							RULES_DECISION_ALLOW, " \t", &line),
			 -EINVAL);
	assert_int_equal(rules_render_network_amendment("a.example", _RULES_NET_MAX,
							RULES_DECISION_ALLOW, NULL, &line),
			 -EINVAL);
}

static void test_too_broad(void **state)
{
	char *const *const banned[] = {
		/* Codex's list */
		ARGV("python3"),
		ARGV("python3", "-"),
		ARGV("python3", "-c"),
		ARGV("python"),
		ARGV("python", "-"),
		ARGV("python", "-c"),
		ARGV("py"),
		ARGV("py", "-3"),
		ARGV("pythonw"),
		ARGV("pyw"),
		ARGV("pypy"),
		ARGV("pypy3"),
		ARGV("git"),
		ARGV("bash"),
		ARGV("bash", "-lc"),
		ARGV("sh"),
		ARGV("sh", "-c"),
		ARGV("sh", "-lc"),
		ARGV("zsh"),
		ARGV("zsh", "-lc"),
		ARGV("/bin/zsh"),
		ARGV("/bin/zsh", "-lc"),
		ARGV("/bin/bash"),
		ARGV("/bin/bash", "-lc"),
		ARGV("pwsh"),
		ARGV("pwsh", "-Command"),
		ARGV("pwsh", "-c"),
		ARGV("powershell"),
		ARGV("powershell", "-Command"),
		ARGV("powershell", "-c"),
		ARGV("powershell.exe"),
		ARGV("powershell.exe", "-Command"),
		ARGV("powershell.exe", "-c"),
		ARGV("env"),
		ARGV("sudo"),
		ARGV("node"),
		ARGV("node", "-e"),
		ARGV("perl"),
		ARGV("perl", "-e"),
		ARGV("ruby"),
		ARGV("ruby", "-e"),
		ARGV("php"),
		ARGV("php", "-r"),
		ARGV("lua"),
		ARGV("lua", "-e"),
		ARGV("osascript"),
		/* basenames of absolute and relative paths */
		ARGV("/usr/bin/env"),
		ARGV("/usr/bin/python3", "-c"),
		ARGV("./node", "-e"),
		ARGV("/usr/local/bin/git"),
		/* codexd additions */
		ARGV("python3.12"),
		ARGV("python3.12", "-c"),
		ARGV("pypy3.10"),
		ARGV("git", "-c"),
		ARGV("bash", "-c"),
		ARGV("zsh", "-c"),
		ARGV("dash", "-c"),
		ARGV("su"),
		ARGV("doas"),
		ARGV("pkexec"),
		ARGV("xargs"),
		ARGV("busybox"),
	};
	char *const *const fine[] = {
		ARGV("git", "status"),
		ARGV("git", "commit", "-m"),
		ARGV("python3", "script.py"),
		ARGV("python3", "-m", "pytest"),
		ARGV("bash", "-lc", "echo hi"),
		ARGV("npm", "install"),
		ARGV("cargo"),
		ARGV("python3x"),
		ARGV("Python3"),
		ARGV("bash", "-lc", "-c"),
		ARGV("sudo", "-u"),
		ARGV("ls"),
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++) {
		if (!rules_prefix_is_too_broad(banned[i]))
			print_error("should be too broad: %s %s\n", banned[i][0],
				    banned[i][1] ? banned[i][1] : "");
		assert_true(rules_prefix_is_too_broad(banned[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++) {
		if (rules_prefix_is_too_broad(fine[i]))
			print_error("should not be too broad: %s\n", fine[i][0]);
		assert_false(rules_prefix_is_too_broad(fine[i]));
	}
	assert_true(rules_prefix_is_too_broad(NULL));
	assert_true(rules_prefix_is_too_broad(ARGV(NULL)));
}

static void test_names(void **state)
{
	enum rules_decision d;
	enum rules_layer l;

	(void)state;
	assert_string_equal(rules_decision_to_string(RULES_DECISION_ALLOW), "allow");
	assert_string_equal(rules_decision_to_string(RULES_DECISION_PROMPT), "prompt");
	assert_string_equal(rules_decision_to_string(RULES_DECISION_FORBIDDEN), "forbidden");
	assert_string_equal(rules_decision_to_string(_RULES_DECISION_MAX), "unknown");
	assert_int_equal(rules_decision_from_string("prompt", &d), 0);
	assert_int_equal(d, RULES_DECISION_PROMPT);
	assert_int_equal(rules_decision_from_string("deny", &d), -EINVAL);
	assert_int_equal(rules_decision_from_string("Allow", &d), -EINVAL);
	assert_int_equal(rules_decision_from_string(NULL, &d), -EINVAL);
	assert_true(RULES_DECISION_ALLOW < RULES_DECISION_PROMPT);
	assert_true(RULES_DECISION_PROMPT < RULES_DECISION_FORBIDDEN);
	assert_int_equal(rules_decision_max(RULES_DECISION_FORBIDDEN, RULES_DECISION_PROMPT),
			 RULES_DECISION_FORBIDDEN);

	for (int i = 0; i < _RULES_LAYER_MAX; i++) {
		assert_int_equal(rules_layer_from_string(rules_layer_to_string(i), &l), 0);
		assert_int_equal(l, i);
	}
	assert_string_equal(rules_layer_to_string(RULES_LAYER_MANAGED), "managed");
	assert_string_equal(rules_layer_to_string(_RULES_LAYER_MAX), "unknown");
	assert_int_equal(rules_layer_from_string("system", &l), -EINVAL);
	assert_string_equal(rules_net_protocol_to_string(RULES_NET_SOCKS5_UDP), "socks5_udp");
	assert_string_equal(rules_net_protocol_to_string(_RULES_NET_MAX), "unknown");
	assert_string_equal(rules_access_to_string(RULES_ACCESS_READ), "read");
	assert_string_equal(rules_access_to_string(RULES_ACCESS_WRITE), "write");
	assert_string_equal(rules_access_to_string(RULES_ACCESS_ANY), "any");
	assert_string_equal(rules_access_to_string(0), "unknown");
}

/* Many files with many rules for one program: all found, in load order. */
static void test_many_rules_index(void **state)
{
	_cleanup_(rules_set_freep) struct rules_set *s = rules_set_new();
	struct rules_result r;
	char text[128];

	(void)state;
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d.rules", i);
		snprintf(text, sizeof(text),
			 "prefix_rule([\"tool\", \"%d\"])\nprefix_rule([\"tool\"], \"%s\")\n"
			 "prefix_rule([\"other%d\"])",
			 i, i == 150 ? "forbidden" : "prompt", i);
		add(s, RULES_LAYER_USER, name, text);
	}
	r = eval(s, ARGV("tool", "7"), NULL, NULL);
	assert_int_equal(r.n_matches, 301);
	assert_int_equal(r.decision, RULES_DECISION_FORBIDDEN);
	assert_string_equal(r.matches[0].file, "f0.rules");
	assert_string_equal(r.matches[300].file, "f299.rules");
	for (size_t i = 1; i < r.n_matches; i++)
		assert_true(strcmp(r.matches[i - 1].file, r.matches[i].file) <= 0 ||
			    strlen(r.matches[i - 1].file) < strlen(r.matches[i].file));
	rules_result_clear(&r);
	r = eval(s, ARGV("other299"), NULL, NULL);
	assert_int_equal(r.n_matches, 1);
	rules_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_match),
		cmocka_unit_test(test_no_option_normalisation),
		cmocka_unit_test(test_justification),
		cmocka_unit_test(test_strictest_across_files),
		cmocka_unit_test(test_first_token_alias_expansion),
		cmocka_unit_test(test_tail_aliases_not_cartesian),
		cmocka_unit_test(test_every_match_reported),
		cmocka_unit_test(test_escaped_tokens),
		cmocka_unit_test(test_host_basename_rule_when_allowed),
		cmocka_unit_test(test_host_fallback_without_mapping),
		cmocka_unit_test(test_host_explicit_empty_list),
		cmocka_unit_test(test_host_path_not_in_list),
		cmocka_unit_test(test_host_exact_and_basename_both_apply),
		cmocka_unit_test(test_tmp_git_lookalike_is_forbidden),
		cmocka_unit_test(test_resolved_program),
		cmocka_unit_test(test_host_home_paths),
		cmocka_unit_test(test_managed_host_pinning),
		cmocka_unit_test(test_eval_multiple),
		cmocka_unit_test(test_eval_arguments),
		cmocka_unit_test(test_result_ownership),
		cmocka_unit_test(test_glob_match),
		cmocka_unit_test(test_glob_work_bound),
		cmocka_unit_test(test_weight_limit),
		cmocka_unit_test(test_render_prefix_amendment),
		cmocka_unit_test(test_amendment_round_trip),
		cmocka_unit_test(test_render_network_amendment),
		cmocka_unit_test(test_too_broad),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_many_rules_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
