/* SPDX-License-Identifier: MIT */
/*
 * codexctl status --security: the daemon's escape self-test
 * (daemon/security), per class held or open, with the kernel features.
 * Everything printed came from the daemon: escaped before it reaches the
 * terminal.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "common/protocol.h"

static const char *s_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static void print_features(json_t *f)
{
	const char *k;
	json_t *v;

	printf("kernel features:\n");
	json_object_foreach(f, k, v)
	{
		printf("  %-24s ", k);
		if (json_is_boolean(v))
			printf("%s", json_is_true(v) ? "yes" : "no");
		else if (json_is_integer(v))
			printf("%lld", (long long)json_integer_value(v));
		else if (json_is_string(v))
			term_print_oneline(stdout, json_string_value(v), 80);
		else if (json_is_object(v)) {
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2)
			{
				if (json_is_true(v2)) {
					term_print_oneline(stdout, k2, 32);
					putchar(' ');
				}
			}
		}
		putchar('\n');
	}
}

static void print_report(json_t *r)
{
	json_t *c, *p;
	size_t i, j;

	printf("escape probes run as ");
	term_print_oneline(stdout, s_of(r, "user"), 64);
	printf(" inside workspace-write and read-only sandboxes (and once outside, as a control)\n");
	print_features(json_object_get(r, "features"));
	json_array_foreach(json_object_get(r, "classes"), i, c)
	{
		printf("%-5s ", json_is_true(json_object_get(c, "held")) ? "held" : "OPEN");
		term_print_oneline(stdout, s_of(c, "id"), 32);
		printf(": ");
		term_print_oneline(stdout, s_of(c, "title"), 80);
		putchar('\n');
		json_array_foreach(json_object_get(c, "probes"), j, p)
		{
			printf("        %-18.18s %-8.8s ", s_of(p, "name"), s_of(p, "sandbox"));
			term_print_oneline(stdout, s_of(p, "detail"), 100);
			if (json_is_true(json_object_get(p, "advisory")))
				printf(" (advisory)");
			putchar('\n');
		}
	}
	printf("%s\n", json_is_true(json_object_get(r, "held")) ? "every escape class held"
								: "some escape classes are OPEN");
}

int cmd_status_security(const struct client_opts *o)
{
	json_t *result = NULL;
	int r;

	r = rpc_call_once(o->socket, "daemon/security", json_object(), &result);
	if (r > 0)
		return r;
	if (o->json) {
		char *s = json_dumps(result, JSON_COMPACT);

		if (s)
			puts(s);
		free(s);
	} else if (json_is_string(json_object_get(result, "error"))) {
		fprintf(stderr, "codexctl: the self-test could not run: ");
		term_print_oneline(stderr, s_of(result, "error"), 200);
		fputc('\n', stderr);
	} else
		print_report(result);
	r = json_is_true(json_object_get(result, "held")) ? CX_EXIT_OK : CX_EXIT_ERROR;
	json_decref(result);
	return r;
}
