/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "policy/denyset.h"
#include "policy/pathglob.h"

void denyset_init(struct denyset *d)
{
	d->n = 0;
	d->used = 0;
}

size_t denyset_count(const struct denyset *d)
{
	return d->n;
}

const char *denyset_entry(const struct denyset *d, size_t i)
{
	return i < d->n ? d->arena + d->e[i].off : NULL;
}

bool denyset_entry_is_glob(const struct denyset *d, size_t i)
{
	return i < d->n && d->e[i].glob;
}

int denyset_add(struct denyset *d, const char *root, const char *entry)
{
	size_t rl = 0, el, need;
	bool rel, glob;
	char *p;

	if (!entry || !entry[0])
		return -EINVAL;
	rel = entry[0] != '/';
	if (rel && (!root || root[0] != '/'))
		return -EINVAL;
	if (rel) {
		rl = strlen(root);
		while (rl > 0 && root[rl - 1] == '/')
			rl--; /* "/" becomes "", and the join below puts one '/' back */
	}
	el = strlen(entry);
	need = (rel ? rl + 1 : 0) + el + 1;
	if (d->n >= DENYSET_MAX_ENTRIES || need > DENYSET_ARENA - d->used || need > UINT32_MAX)
		return -E2BIG;
	p = d->arena + d->used;
	if (rel) {
		memcpy(p, root, rl);
		p[rl] = '/';
		memcpy(p + rl + 1, entry, el + 1);
	} else
		memcpy(p, entry, el + 1);
	glob = pathglob_has_wildcards(p);
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].len == need - 1 && d->e[i].glob == glob &&
		    memcmp(d->arena + d->e[i].off, p, need) == 0)
			return 0;
	d->e[d->n++] = (struct denyset_entry){
		.off = (uint32_t)d->used, .len = (uint32_t)(need - 1), .glob = glob};
	d->used += need;
	return 0;
}

/* path is p or below it. */
static bool path_covered(const char *p, size_t pl, const char *path, size_t len)
{
	if (pl == 1 && p[0] == '/')
		return path[0] == '/';
	return len >= pl && memcmp(path, p, pl) == 0 && (len == pl || path[pl] == '/');
}

int denyset_match(const struct denyset *d, const char *path)
{
	size_t len;

	if (!path || path[0] != '/')
		return -1;
	len = strlen(path);
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->arena + d->e[i].off;

		if (!d->e[i].glob) {
			if (path_covered(p, d->e[i].len, path, len))
				return (int)i;
		} else {
			size_t budget = DENYSET_GLOB_WORK;

			if (pathglob_covers_bounded(p, path, &budget) != 0)
				return (int)i; /* a match, or the work bound: fail closed */
		}
	}
	return -1;
}

int denyset_blocks_move(const struct denyset *d, const char *path)
{
	size_t len;
	int r = denyset_match(d, path);

	if (r >= 0 || !path || path[0] != '/')
		return r;
	len = strlen(path);
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->arena + d->e[i].off;

		if (!d->e[i].glob) {
			/* A denied path strictly below: moving path moves it. */
			if (d->e[i].len > len && path_covered(path, len, p, d->e[i].len))
				return (int)i;
		} else if (pathglob_name_dependent(p, path))
			return (int)i;
	}
	return -1;
}
