/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for policy/shell_split.c and policy/cmd_safety.c.
 *
 * Input: one selector byte (low two bits: dialect), then the script.
 * Checks, besides "no crash, no leak, no UB":
 *  - a strict split result is well formed (argc >= 1, NULL-terminated argv,
 *    file redirects carry a target, dups a descriptor, the heredoc fallback
 *    is exactly one command);
 *  - DIFFERENTIAL: whenever the strict split succeeds, the permissive parse
 *    of the same script finds exactly the same commands, in order (the
 *    permissive parse must never see less than what the strict one allows);
 *  - the known-safe list never accepts a command the dangerous check flags.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cmd_safety.h"
#include "policy/shell_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_well_formed(const struct shell_split *s)
{
	if (s->n_commands == 0)
		abort();
	if (s->complex_parse && s->n_commands != 1)
		abort();
	for (size_t i = 0; i < s->n_commands; i++) {
		const struct shell_command *c = &s->commands[i];

		if (c->argc == 0 || !c->argv || c->argv[c->argc] != NULL)
			abort();
		for (size_t k = 0; k < c->argc; k++)
			if (!c->argv[k])
				abort();
		for (size_t k = 0; k < c->n_redirects; k++) {
			const struct shell_redirect *r = &c->redirects[k];

			switch (r->mode) {
			case SHELL_REDIRECT_READ:
			case SHELL_REDIRECT_WRITE:
			case SHELL_REDIRECT_APPEND:
			case SHELL_REDIRECT_READ_WRITE:
				if (!r->target || !r->target[0] || r->target_fd != -1)
					abort();
				break;
			case SHELL_REDIRECT_DUP:
				if (r->target || r->target_fd < 0)
					abort();
				break;
			case SHELL_REDIRECT_CLOSE:
				if (r->target || r->target_fd != -1)
					abort();
				break;
			case SHELL_REDIRECT_HEREDOC:
				if (!s->complex_parse || !r->target)
					abort();
				break;
			default:
				abort();
			}
		}
		for (size_t k = 0; k < c->n_assignments; k++)
			if (!c->assignments[k].name || !c->assignments[k].value ||
			    !c->assignments[k].name[0])
				abort();
	}
}

static void check_same_commands(const struct shell_split *strict, const struct shell_split *lit)
{
	if (lit->limit_hit)
		return; /* the permissive parse stopped early: nothing to compare */
	if (strict->complex_parse) {
		/* `bash <<EOF`: the permissive parse also reads the body as a
		 * script, so it may find more; the command itself comes first. */
		if (lit->n_commands < 1) {
			fprintf(stderr, "heredoc command not found by the literal parse\n");
			abort();
		}
	} else if (strict->n_commands != lit->n_commands) {
		fprintf(stderr, "strict %zu commands, literal %zu\n", strict->n_commands,
			lit->n_commands);
		abort();
	}
	for (size_t i = 0; i < strict->n_commands && i < lit->n_commands; i++) {
		const struct shell_command *a = &strict->commands[i], *b = &lit->commands[i];

		if (a->argc != b->argc) {
			fprintf(stderr, "command %zu: strict argc %zu, literal %zu\n", i, a->argc,
				b->argc);
			abort();
		}
		for (size_t k = 0; k < a->argc; k++)
			if (strcmp(a->argv[k], b->argv[k]) != 0) {
				fprintf(stderr, "command %zu word %zu differs\n", i, k);
				abort();
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shell_split *s = NULL, *lit = NULL;
	enum shell_dialect dialect;
	const char *script;
	size_t len;
	char *copy;
	int r, rl;

	if (size < 1)
		return 0;
	dialect = (enum shell_dialect)(data[0] % _SHELL_DIALECT_MAX);
	script = (const char *)data + 1;
	len = size - 1;

	r = shell_split_script(script, len, dialect, &s);
	if (r < 0 && r != -ENOMEM)
		abort();
	if (r > 0 && s)
		abort();
	rl = shell_parse_literal_script(script, len, &lit);
	if (rl != 0 && rl != -ENOMEM)
		abort();
	if (r == SHELL_SPLIT_OK) {
		check_well_formed(s);
		if (rl == 0)
			check_same_commands(s, lit);
	}
	shell_split_free(s);
	shell_split_free(lit);

	/* The same script as an argv, through the command lists. */
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, script, len);
	copy[len] = '\0';
	{
		static const char *const shells[] = {"bash", "zsh", "sh"};
		char *argv[] = {(char *)shells[dialect], (char *)"-lc", copy, NULL};
		bool safe = cmd_safety_is_known_safe(argv);
		bool dangerous = cmd_safety_is_dangerous(argv);

		if (safe && dangerous)
			abort();
		if (safe) {
			/* known-safe implies a clean strict split */
			r = shell_split_argv(argv, &s);
			if (r != SHELL_SPLIT_OK || s->complex_parse)
				abort();
			shell_split_free(s);
		}
	}
	free(copy);
	return 0;
}
