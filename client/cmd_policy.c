/* SPDX-License-Identifier: MIT */
/*
 * codexctl policy check [--rules FILE]... [--json] -- COMMAND [ARG...]
 *
 * With --rules the files are read and evaluated here, offline, as Codex's
 * `codex execpolicy check -r FILE` does; without, the daemon's live policy
 * answers (policy/check).  --json prints Codex's JSON shape; otherwise a
 * short readable summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client.h"
#include "common/cxlimits.h"
#include "common/protocol.h"
#include "policy/rules.h"
#include "policy/rules_json.h"

static void policy_usage(FILE *f)
{
	fprintf(f, "usage: codexctl policy check [--rules FILE]... [--json] -- COMMAND [ARG...]\n");
}

static int read_rules(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CX_MAX_RULES_FILE) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void print_summary(json_t *res)
{
	json_t *d = json_object_get(res, "decision"), *m = json_object_get(res, "matchedRules");
	size_t i;
	json_t *e;

	if (!json_is_string(d)) {
		printf("no rule matched (codexd's heuristics and the approval policy decide)\n");
		return;
	}
	printf("decision: %s\n", json_string_value(d));
	json_array_foreach(m, i, e)
	{
		json_t *pm = json_object_get(e, "prefixRuleMatch"), *pre, *j;
		size_t k;
		json_t *t;

		pre = json_object_get(pm, "matchedPrefix");
		printf("  %s:", json_string_value(json_object_get(pm, "decision")));
		json_array_foreach(pre, k, t)
		{
			putchar(' ');
			term_print_escaped(stdout, json_string_value(t));
		}
		printf("  (");
		term_print_escaped(stdout, json_string_value(json_object_get(pm, "source")) ?: "?");
		printf(")\n");
		j = json_object_get(pm, "justification");
		if (json_is_string(j)) {
			printf("    ");
			term_print_escaped(stdout, json_string_value(j));
			putchar('\n');
		}
	}
}

static void print_result(json_t *res, bool as_json)
{
	if (as_json) {
		char *s = json_dumps(res, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else
		print_summary(res);
}

int cmd_policy(const struct client_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_strv_free_ char **files = NULL;
	bool as_json = o->json;
	size_t n_files = 0;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		policy_usage(stderr);
		return CX_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			files = realloc(files, (n_files + 2) * sizeof(char *));
			if (!files)
				return CX_EXIT_ERROR;
			files[n_files++] = strdup(optarg);
			files[n_files] = NULL;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			policy_usage(stdout);
			return 0;
		default:
			policy_usage(stderr);
			return CX_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		policy_usage(stderr);
		return CX_EXIT_USAGE;
	}

	if (n_files > 0) {
		struct rules_set *set = rules_set_new();
		struct rules_result res = { 0 };
		json_t *j;
		char err[1024];

		if (!set)
			return CX_EXIT_ERROR;
		for (size_t i = 0; i < n_files; i++) {
			char *text = NULL;
			size_t len = 0;

			r = read_rules(files[i], &text, &len);
			if (r < 0) {
				fprintf(stderr, "codexctl: failed to read policy at %s: %s\n", files[i],
					strerror(-r));
				rules_set_free(set);
				return CX_EXIT_ERROR;
			}
			r = rules_set_add_text(set, RULES_LAYER_USER, files[i], text, len, err,
					       sizeof(err));
			free(text);
			if (r < 0) {
				fprintf(stderr, "codexctl: failed to parse policy at %s: ", files[i]);
				term_print_escaped(stderr, err);
				fputc('\n', stderr);
				rules_set_free(set);
				return CX_EXIT_ERROR;
			}
		}
		r = rules_eval_prefix(set, argv + optind, &(struct rules_eval_opts){ 0 }, &res);
		if (r < 0) {
			fprintf(stderr, "codexctl: cannot evaluate the command: %s\n", strerror(-r));
			rules_set_free(set);
			return CX_EXIT_ERROR;
		}
		j = rules_result_to_json(&res);
		rules_result_clear(&res);
		rules_set_free(set);
		if (!j)
			return CX_EXIT_ERROR;
		print_result(j, as_json);
		json_decref(j);
		return 0;
	}

	{
		json_t *params = json_object(), *av = json_array(), *result = NULL;

		for (int i = optind; i < argc; i++) {
			json_t *s = json_string(argv[i]);
			if (!s) {
				fprintf(stderr, "codexctl: argument %d is not valid UTF-8\n", i - optind);
				json_decref(av);
				json_decref(params);
				return CX_EXIT_USAGE;
			}
			json_array_append_new(av, s);
		}
		json_object_set_new(params, "argv", av);
		r = rpc_call_once(o->socket, "policy/check", params, &result);
		if (r > 0)
			return r;
		json_object_del(result, "generation");
		print_result(result, as_json);
		json_decref(result);
		return 0;
	}
}
