/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the rules language (policy/rules.h) and path globs
 * (policy/pathglob.h).  The first byte picks what the rest is:
 *   0-1  a rules file, loaded on top of a fixed base file, then used to
 *        evaluate commands (some built from the input) and glob queries;
 *   2    "pattern\npath" for pathglob_match() / pathglob_covers();
 *   3    NUL-separated tokens for the amendment renderers, whose output
 *        must load again and match exactly those tokens.
 * Invariants that fail abort(), so the fuzzer reports them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/pathglob.h"
#include "policy/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] = "host_executable(\"git\", [\"/usr/bin/git\"])\n"
			   "prefix_rule([\"git\", \"push\"], \"forbidden\")\n"
			   "prefix_rule([\"git\", \"status\"])\n";

static void check_result(const struct rules_result *r)
{
	enum rules_decision d = RULES_DECISION_ALLOW;

	if (r->matched != (r->n_matches > 0))
		abort();
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct rules_match *m = &r->matches[i];

		if (m->decision >= _RULES_DECISION_MAX || m->prefix_len == 0 ||
		    m->prefix_len > r->argc || !m->file || !m->program)
			abort();
		for (size_t j = 0; j < m->prefix_len; j++)
			if (!rules_match_token(r, m, j))
				abort();
		d = rules_decision_max(d, m->decision);
	}
	if (d != r->decision)
		abort();
}

static void eval_one(const struct rules_set *s, char *const *argv, const char *resolved)
{
	struct rules_eval_opts o = {.resolved_program = resolved, .home_dir = "/home/u"};
	struct rules_result r;
	int k = rules_eval_prefix(s, argv, &o, &r);

	if (k < 0)
		return;
	check_result(&r);
	rules_result_clear(&r);
}

/* Commands made of the input's own strings: up to 6 newline-separated tokens. */
static void eval_from_input(const struct rules_set *s, const char *text, size_t len)
{
	char *copy = strndup(text, len);
	char *argv[7] = {0};
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return;
	for (char *t = strtok_r(copy, "\n\"' ,[]()", &save); t && n < 6;
	     t = strtok_r(NULL, "\n\"' ,[]()", &save))
		argv[n++] = t;
	for (size_t k = n; k > 0; k--) {
		argv[k] = NULL;
		eval_one(s, argv, NULL);
		eval_one(s, argv, "/tmp/git");
	}
	free(copy);
}

static void fuzz_rules(const char *text, size_t len)
{
	struct rules_set *s = rules_set_new();
	struct rules_glob_opts go = {.workspace = "/work/p", .home_dir = "/home/u"};
	struct rules_glob_result g;
	char err[256];
	int r;

	if (!s)
		return;
	if (rules_set_add_text(s, RULES_LAYER_MANAGED, "base.rules", base, sizeof(base) - 1, err,
			       sizeof(err)) < 0)
		abort();
	r = rules_set_add_text(s, RULES_LAYER_USER, "fuzz.rules", text, len, err, sizeof(err));
	if (r < 0) {
		struct rules_set_stats st;

		/* An error always says where, and never changes the set. */
		if (strncmp(err, "fuzz.rules:", 11) != 0 || strlen(err) >= sizeof(err))
			abort();
		rules_set_get_stats(s, &st);
		if (st.files != 1 || st.prefix_rules != 2 || st.network_rules || st.glob_rules)
			abort();
	} else {
		struct rules_command cmds[] = {
			{.argv = (char *const *)(const char *const[]){"git", "status", NULL}},
			{.argv = (char *const *)(const char *const[]){"/tmp/git", "push", NULL}},
			{.argv = (char *const *)(const char *const[]){"git", "push", NULL},
			 .resolved_program = "/tmp/git"},
			{.argv = (char *const *)(const char *const[]){"./a", "b", "c", "d", NULL}},
		};
		struct rules_multi_result m;

		if (rules_eval_multiple(s, cmds, 4, NULL, &m) >= 0) {
			for (size_t i = 0; i < m.n_results; i++)
				check_result(&m.results[i]);
			/* The base file's forbidden rule survives anything. */
			if (m.decision != RULES_DECISION_FORBIDDEN || !m.results[1].matched)
				abort();
			rules_multi_result_clear(&m);
		}
		eval_from_input(s, text, len);
		rules_glob_match(s, "/home/u/.ssh/id", RULES_ACCESS_READ, &go, &g);
		rules_glob_match(s, "/work/p/a/b/.env", RULES_ACCESS_WRITE, &go, &g);
		rules_glob_match(s, "/etc/shadow", RULES_ACCESS_ANY, NULL, &g);
		for (size_t i = 0;; i++) {
			const struct rules_network_rule *n = rules_set_network_rule(s, i);

			if (!n)
				break;
			if (!*n->host || strchr(n->host, '*'))
				abort();
		}
	}
	rules_set_free(s);
}

static bool covers_by_definition(const char *pat, const char *path)
{
	size_t len = strlen(path);

	for (;;) {
		const char *slash;

		if (pathglob_match_len(pat, path, len))
			return true;
		slash = memrchr(path, '/', len);
		if (!slash || slash == path)
			return false;
		len = (size_t)(slash - path);
	}
}

static void fuzz_glob(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	char *pat, *path;

	if (!nl)
		return;
	pat = strndup(data, (size_t)(nl - data));
	path = strndup(nl + 1, len - (size_t)(nl - data) - 1);
	if (pat && path) {
		bool m = pathglob_match(pat, path);
		bool c = pathglob_covers(pat, path);
		size_t budget = 5000;
		int rb;

		/* Whatever matches is covered. */
		if (m && !c)
			abort();
		/* pathglob_covers() is one pass; it must equal its definition:
		 * the path or an ancestor (a prefix ending before a '/',
		 * the empty one excluded) matches. */
		if (c != covers_by_definition(pat, path))
			abort();
		/* A bounded call answers the same or runs out of budget. */
		rb = pathglob_covers_bounded(pat, path, &budget);
		if (rb >= 0 ? (rb > 0) != c : (rb != -E2BIG || budget != 0))
			abort();
	}
	free(pat);
	free(path);
}

static void fuzz_amend(const char *data, size_t len)
{
	char *copy = malloc(len + 1);
	char *argv[17] = {0};
	size_t n = 0, i = 0;
	char *line = NULL;

	if (!copy)
		return;
	memcpy(copy, data, len);
	copy[len] = '\0';
	while (i <= len && n < 16) {
		argv[n++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	if (rules_render_prefix_amendment(argv, &line) == 0) {
		struct rules_set *s = rules_set_new();
		struct rules_result r;
		char err[256];

		if (s) {
			if (rules_set_add_text(s, RULES_LAYER_USER, "am.rules", line, strlen(line),
					       err, sizeof(err)) < 0)
				abort();
			if (rules_eval_prefix(s, argv, NULL, &r) != 1)
				abort();
			rules_result_clear(&r);
			rules_set_free(s);
		}
		free(line);
	}
	if (rules_render_network_amendment(argv[0], RULES_NET_HTTPS, RULES_DECISION_FORBIDDEN,
					   argv[1], &line) == 0) {
		struct rules_set *s = rules_set_new();
		char err[256];

		if (s) {
			if (rules_set_add_text(s, RULES_LAYER_USER, "am.rules", line, strlen(line),
					       err, sizeof(err)) < 0)
				abort();
			rules_set_free(s);
		}
		free(line);
	}
	rules_prefix_is_too_broad(argv);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
	case 1:
		fuzz_rules(text, size - 1);
		break;
	case 2:
		fuzz_glob(text, size - 1);
		break;
	default:
		fuzz_amend(text, size - 1);
		break;
	}
	return 0;
}
