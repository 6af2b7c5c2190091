/* SPDX-License-Identifier: MIT */
/*
 * make bench: rules evaluation time with N prefix rules (default 10,000).
 *
 * Builds one rule set the way the daemon holds managed rules (parsed once,
 * evaluated per command), then times what the daemon does per command
 * with it: for a plain argv one rules_eval_prefix() with the resolved
 * program; for "bash -lc SCRIPT" the split into commands and one
 * rules_eval_multiple() over them.  Prints the median over rounds of the
 * mean time per command, in microseconds.  Never fails on a number.
 *
 *   bench_rules [RULES] [ROUNDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/rules.h"
#include "policy/shell_split.h"

#define RULES_PER_PROGRAM 10
#define S(x) ((char *)(x)) /* argv strings are never written */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n rules: n/10 programs "toolNNNNN", each with ten subcommand rules. */
static char *make_rules(unsigned n, size_t *ret_len)
{
	static const char *const decisions[] = { "allow", "allow", "prompt", "forbidden" };
	size_t cap = (size_t)n * 128 + 4096, len = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	len += (size_t)snprintf(t + len, cap - len,
				"host_executable(name = \"git\", paths = [\"/usr/bin/git\"])\n"
				"prefix_rule(pattern = [\"git\", \"status\"], decision = \"allow\")\n"
				"prefix_rule(pattern = [\"git\", \"push\"], decision = \"prompt\")\n");
	for (unsigned i = 0; i + 2 < n; i++) {
		unsigned prog = i / RULES_PER_PROGRAM, sub = i % RULES_PER_PROGRAM;

		len += (size_t)snprintf(t + len, cap - len,
					"prefix_rule(pattern = [\"tool%05u\", \"sub%u\", [\"-a\", "
					"\"-b\", \"--long-option\"]], decision = \"%s\")\n",
					prog, sub, decisions[(prog + sub) % 4]);
		if (len >= cap - 256)
			break;
	}
	*ret_len = len;
	return t;
}

struct sample {
	char *argv[8];
	const char *resolved;
};

int main(int argc, char **argv)
{
	unsigned n_rules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 7;
	const unsigned iters = 20000;
	struct rules_set *set = rules_set_new();
	struct rules_set_stats st;
	struct rules_eval_opts opts = { .home_dir = "/home/bench" };
	struct sample samples[] = {
		{ { S("git"), S("status"), NULL }, "/usr/bin/git" },
		{ { S("git"), S("push"), S("origin"), S("main"), NULL }, "/usr/bin/git" },
		{ { S("git"), S("status"), NULL }, "/tmp/git" }, /* a look-alike */
		{ { S("tool00042"), S("sub3"), S("-a"), S("file"), NULL }, "/usr/bin/tool00042" },
		{ { S("tool00999"), S("sub9"), S("--long-option"), NULL }, "/usr/bin/tool00999" },
		{ { S("tool00500"), S("nosuch"), NULL }, "/usr/bin/tool00500" },
		{ { S("/opt/x/tool00007"), S("sub1"), S("-b"), NULL }, "/opt/x/tool00007" },
		{ { S("unknown-program"), S("arg"), NULL }, "/usr/bin/unknown-program" },
	};
	char *script_argv[] = { S("bash"), S("-lc"),
				S("tool00001 sub1 -a && git status | tool00999 sub2 -b; ls -la"), NULL };
	const size_t n_samples = sizeof(samples) / sizeof(samples[0]);
	double *per_cmd = calloc(rounds, sizeof(double));
	double *per_script = calloc(rounds, sizeof(double));
	char err[512];
	size_t len = 0;
	char *text;
	double t0;
	int r;

	if (!set || !per_cmd || !per_script || n_rules < 3 || rounds == 0) {
		fprintf(stderr, "bench_rules: bad arguments or out of memory\n");
		return 1;
	}
	text = make_rules(n_rules, &len);
	if (!text)
		return 1;
	t0 = now_us();
	r = rules_set_add_text(set, RULES_LAYER_MANAGED, "bench.rules", text, len, err,
			       sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench_rules: %s\n", err);
		return 1;
	}
	rules_set_get_stats(set, &st);
	printf("rules evaluation: %zu prefix rules (parsed once in %.1f ms)\n", st.prefix_rules,
	       (now_us() - t0) / 1000);

	for (unsigned round = 0; round < rounds; round++) {
		size_t done = 0;

		t0 = now_us();
		for (unsigned i = 0; i < iters; i++) {
			struct sample *s = &samples[i % n_samples];
			struct rules_result res;

			opts.resolved_program = s->resolved;
			if (rules_eval_prefix(set, s->argv, &opts, &res) < 0) {
				fprintf(stderr, "bench_rules: evaluation failed\n");
				return 1;
			}
			rules_result_clear(&res);
			done++;
		}
		per_cmd[round] = (now_us() - t0) / (double)done;

		t0 = now_us();
		done = 0;
		for (unsigned i = 0; i < iters / 4; i++) {
			struct shell_split *sp = NULL;
			struct rules_command cmds[16];
			struct rules_multi_result mr;
			struct rules_eval_opts mo = { .home_dir = "/home/bench" };
			size_t n = 0;

			if (shell_split_argv(script_argv, &sp) < 0 || !sp) {
				fprintf(stderr, "bench_rules: shell split failed\n");
				return 1;
			}
			for (size_t k = 0; k < sp->n_commands && n < 16; k++)
				cmds[n++] = (struct rules_command){ .argv = sp->commands[k].argv };
			if (rules_eval_multiple(set, cmds, n, &mo, &mr) < 0) {
				fprintf(stderr, "bench_rules: evaluation failed\n");
				return 1;
			}
			rules_multi_result_clear(&mr);
			shell_split_free(sp);
			done += n;
		}
		per_script[round] = (now_us() - t0) / (double)done;
	}
	qsort(per_cmd, rounds, sizeof(double), cmp_double);
	qsort(per_script, rounds, sizeof(double), cmp_double);
	printf("  per command (argv, resolved program)   %8.3f us median  [%.3f .. %.3f]"
	       "  (target < 5 us)\n",
	       per_cmd[rounds / 2], per_cmd[0], per_cmd[rounds - 1]);
	printf("  per command of a bash -lc script       %8.3f us median  [%.3f .. %.3f]"
	       "  (split included)\n",
	       per_script[rounds / 2], per_script[0], per_script[rounds - 1]);
	rules_set_free(set);
	free(text);
	free(per_cmd);
	free(per_script);
	return 0;
}
