/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for path globs (policy/pathglob.c) and the deny-read
 * set built from them (policy/denyset.c), which the seccomp supervisor
 * consults for every path a sandboxed command opens.
 *
 * Input: "ENTRY\nENTRY\n...\0PATH" (entries relative to /w when not
 * absolute).  Checks, besides "no crash, no leak, no UB":
 *   - for each entry that is a pattern: a match is a cover, a bounded call
 *     agrees with the unbounded one or runs out of budget;
 *   - the set denies PATH exactly when some entry matches or covers it
 *     (or a pattern ran out of work: fail closed);
 *   - whatever the set denies, it also refuses to move (rename/link).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/path_util.h"
#include "policy/denyset.h"
#include "policy/pathglob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct denyset set; /* large: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *z = memchr(data, '\0', size);
	char *entries, *path, *save = NULL;
	size_t elen;
	int idx;

	if (!z)
		return 0;
	elen = (size_t)(z - (const char *)data);
	entries = strndup((const char *)data, elen);
	path = strndup(z + 1, size - elen - 1);
	if (!entries || !path)
		abort();
	denyset_init(&set);
	for (char *e = strtok_r(entries, "\n", &save); e; e = strtok_r(NULL, "\n", &save)) {
		bool m = pathglob_match(e, path), c = pathglob_covers(e, path);
		size_t budget = 2000;
		int rb;

		if (m && !c)
			abort();
		rb = pathglob_match_bounded(e, path, &budget);
		if (rb >= 0 ? (rb > 0) != m : (rb != -E2BIG || budget != 0))
			abort();
		if (path[0] == '/' && e[0] == '/')
			(void)pathglob_name_dependent(e, path);
		(void)denyset_add(&set, e[0] == '/' ? NULL : "/w", e);
	}
	for (size_t i = 0; i < denyset_count(&set); i++) {
		const char *e = denyset_entry(&set, i);

		if (!e || e[0] != '/')
			abort();
	}
	if (denyset_entry(&set, denyset_count(&set)) != NULL)
		abort();
	if (path_is_absolute_normalized(path)) {
		idx = denyset_match(&set, path);
		if (idx >= (int)denyset_count(&set))
			abort();
		if (idx >= 0 && denyset_blocks_move(&set, path) < 0)
			abort();
		if (idx < 0) {
			/* Nothing in the set matches or covers the path. */
			for (size_t i = 0; i < denyset_count(&set); i++)
				if (pathglob_covers(denyset_entry(&set, i), path) &&
				    denyset_entry_is_glob(&set, i))
					abort();
		}
	}
	free(entries);
	free(path);
	return 0;
}
