/* SPDX-License-Identifier: MIT */
/*
 * The deny-read set ([sandbox] deny_read, codexd.conf(5)) as the
 * sandbox's supervisor checks it when a file is opened, executed,
 * renamed or linked: absolute paths and git-style patterns
 * (policy/pathglob.h).  An entry denies what it names and everything
 * below it: a path P denies P and P/...; a pattern denies every path it
 * matches and everything below such a path (pathglob_covers()).  A
 * relative pattern is joined to each root it applies beneath (the
 * writable roots and the working directory): below the root /w, the
 * relative pattern P is the absolute pattern "/w/P".
 *
 * Caller-provided storage, fixed bounds, no allocation: the sandbox's
 * PID 1 fills it after clone3().
 *
 * Process: any (no allocation, no global state).
 */
#ifndef CX_POLICY_DENYSET_H
#define CX_POLICY_DENYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DENYSET_MAX_ENTRIES 1024
#define DENYSET_ARENA (192 * 1024) /* bytes of entry text, NULs included */
#define DENYSET_GLOB_WORK (1u << 18) /* matching steps one pattern may take per check */

struct denyset_entry {
	uint32_t off, len; /* text in the arena */
	bool glob;
};

struct denyset {
	size_t n, used;
	struct denyset_entry e[DENYSET_MAX_ENTRIES];
	char arena[DENYSET_ARENA];
};

/* Empty the set. */
void denyset_init(struct denyset *d);

/*
 * Add entry: an absolute path (no wildcard, see pathglob_has_wildcards()),
 * an absolute pattern, or with root (absolute) a relative pattern or path
 * that applies beneath root.  Trailing slashes of root are ignored; an
 * entry already present is not added twice.  Returns 0, -EINVAL (a
 * relative entry without root, an empty one) or -E2BIG (the set is full;
 * nothing added).
 */
int denyset_add(struct denyset *d, const char *root, const char *entry);

/* Entries held, and the text of entry i (NULL past the end). */
size_t denyset_count(const struct denyset *d);
const char *denyset_entry(const struct denyset *d, size_t i);
bool denyset_entry_is_glob(const struct denyset *d, size_t i);

/*
 * The index of the first entry that denies path (absolute, canonical), or
 * -1.  A pattern that uses up DENYSET_GLOB_WORK counts as a match (fail
 * closed: a pathological path only refuses itself).
 */
int denyset_match(const struct denyset *d, const char *path);

/*
 * Whether renaming or linking what is at path could carry something denied
 * (or denied once it is created) out of reach: path is denied itself, a
 * denied path lies strictly below it, or a pattern matches below it by its
 * last component's name (pathglob_name_dependent()).  The index of the
 * entry that decided, or -1.
 */
int denyset_blocks_move(const struct denyset *d, const char *path);

#endif
