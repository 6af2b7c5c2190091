/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what a user controls in a decision: the record
 * stream the user-files helper (running as the user) sends back
 * (daemon/user_files.c user_files_parse()), and the user's and project's
 * config.toml and -c overrides resolved against root's configuration
 * (policy/layers.c, through common/conf_reader.c).
 *
 * The first byte picks:
 *   even  the rest is a helper record stream;
 *   odd   the rest is "USER-TOML \0 PROJECT-TOML \0 OVERRIDE \n OVERRIDE ...".
 * Checks, besides "no crash, no leak, no UB":
 *   - a parsed stream holds only well-formed things (resolved pairs of
 *     which the second is absolute and normalised);
 *   - whatever the user layers say, the managed settings win: the sandbox
 *     mode never leaves the managed allowed set, the administrator's
 *     sandbox mode and approval policy are never loosened, and a managed
 *     "network_access = false" with user_network_access off stays off.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/path_util.h"
#include "common/strv.h"
#include "daemon/user_files.h"
#include "policy/layers.h"
// fuzz-sources: daemon/user_files.c

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_stream(const char *buf, size_t len)
{
	struct user_files f;
	ssize_t end = user_files_frame_len(buf, len);

	/* The daemon cuts the helper's stream at the first UF_END: never past it. */
	if (end > (ssize_t)len)
		abort();
	if (end > 0 && user_files_parse(buf, (size_t)end, &f) == 0) {
		struct user_files *heap = malloc(sizeof(*heap));
		if (!heap)
			abort();
		*heap = f;
		user_files_free(heap);
	}
	if (user_files_parse(buf, len, &f) < 0)
		return;
	for (size_t i = 0; f.resolved && f.resolved[i]; i += 2) {
		if (!f.resolved[i + 1] || !path_is_absolute_normalized(f.resolved[i + 1]))
			abort();
	}
	if (f.user_config.name && !f.user_config.text)
		abort();
	for (size_t i = 0; i < f.n_user_rules; i++)
		if (!f.user_rules[i].name || !f.user_rules[i].text)
			abort();
	/* user_files_free() releases the struct too (the loader hands out heap copies). */
	{
		struct user_files *heap = malloc(sizeof(*heap));

		if (!heap)
			abort();
		*heap = f;
		user_files_free(heap);
	}
}

static struct conf_doc *parse_doc(const char *name, const char *text, size_t len)
{
	struct conf_doc *d = conf_doc_new();
	char err[256];

	if (!d)
		return NULL;
	if (conf_parse_buffer(text, len, name, d, err, sizeof(err)) < 0) {
		conf_doc_free(d);
		return NULL;
	}
	return d;
}

static void resolve(const struct layers_managed *m, const struct layers_input *in)
{
	struct layers_effective e;
	char err[256] = "";
	int r = layers_resolve(m, in, &e, err, sizeof(err));

	if (r < 0) {
		if ((r != -EINVAL && r != -EPERM && r != -E2BIG && r != -ENOMEM) ||
		    (r != -ENOMEM && !err[0])) {
			fprintf(stderr, "layers_resolve: %d (%s), message \"%s\"\n", r, strerror(-r),
				err);
			abort();
		}
		return;
	}
	if (m->allowed_sandbox_modes && !(m->allowed_sandbox_modes & (1u << e.sandbox_mode)))
		abort();
	if (m->sandbox_mode_set &&
	    layers_sandbox_rank(e.sandbox_mode) > layers_sandbox_rank(m->sandbox_mode))
		abort();
	if (m->approval_set && layers_approval_rank(e.approval.policy) >
				       layers_approval_rank(m->approval.policy))
		abort();
	if (m->network_access_set && !m->network_access && !m->user_network_access &&
	    e.network_access)
		abort();
	layers_effective_done(&e);
}

static void fuzz_layers(const char *buf, size_t len)
{
	const char *user = buf, *proj = NULL, *ovr = NULL;
	size_t ulen = len, plen = 0, olen = 0;
	const char *z = memchr(buf, '\0', len);
	struct conf_doc *udoc, *pdoc;
	char **overrides = NULL;

	if (z) {
		ulen = (size_t)(z - buf);
		proj = z + 1;
		plen = len - ulen - 1;
		z = memchr(proj, '\0', plen);
		if (z) {
			ovr = z + 1;
			olen = plen - (size_t)(z - proj) - 1;
			plen = (size_t)(z - proj);
		}
	}
	if (ovr) {
		char *copy = strndup(ovr, olen), *save = NULL;

		if (!copy)
			return;
		for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
			if (strv_extend(&overrides, t) < 0)
				break;
		free(copy);
	}
	udoc = parse_doc("config.toml", user, ulen);
	pdoc = proj ? parse_doc("project.toml", proj, plen) : NULL;
	{
		static const char *const roots[] = { "/srv/shared", NULL };
		struct env_policy env = { 0 };
		/* An administrator who pinned things down, and one who set nothing. */
		struct layers_managed strict = {
			.sandbox_mode = SANDBOX_WORKSPACE_WRITE,
			.sandbox_mode_set = true,
			.approval = { .policy = APPROVAL_ON_REQUEST },
			.approval_set = true,
			.writable_roots = (char *const *)roots,
			.network_access = false,
			.network_access_set = true,
			.env = &env,
			.allowed_sandbox_modes = (1u << SANDBOX_READ_ONLY) |
						 (1u << SANDBOX_WORKSPACE_WRITE),
			.user_writable_roots = false,
			.user_network_access = false,
			.user_layers = true,
		};
		struct layers_managed open = {
			.sandbox_mode = SANDBOX_WORKSPACE_WRITE,
			.approval = { .policy = APPROVAL_ON_REQUEST },
			.env = &env,
			.user_writable_roots = true,
			.user_network_access = true,
			.user_layers = true,
		};
		struct layers_input in = {
			.user = udoc,
			.project = pdoc,
			.project_root = "/home/u/proj",
			.overrides = overrides,
		};

		resolve(&strict, &in);
		resolve(&open, &in);
		in.has_sandbox = true;
		in.sandbox = SANDBOX_DANGER_FULL_ACCESS;
		in.approval_policy = "never";
		resolve(&strict, &in);
		resolve(&open, &in);
		if (udoc)
			(void)layers_project_trusted(udoc, "/home/u/proj");
	}
	if (overrides) {
		struct conf_doc *d = conf_doc_new();
		char err[256];

		if (d)
			(void)layers_parse_overrides(overrides, d, err, sizeof(err));
		conf_doc_free(d);
	}
	conf_doc_free(udoc);
	conf_doc_free(pdoc);
	strv_free(overrides);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_stream((const char *)data + 1, size - 1);
	else
		fuzz_layers((const char *)data + 1, size - 1);
	return 0;
}
