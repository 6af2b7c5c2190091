/* SPDX-License-Identifier: MIT */
/*
 * Rule sets: files parsed one at a time and committed all-or-nothing.
 *
 * A commit first reserves every array it will touch (and rehashes the
 * program index into a new table), so once it starts changing the set it
 * cannot fail: a file that fails anywhere leaves the set as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/rules_internal.h"

struct rules_set *rules_set_new(void)
{
	return calloc(1, sizeof(struct rules_set));
}

void rules_set_free(struct rules_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_files; i++)
		rules_file_free(set->files[i]);
	free(set->files);
	free(set->buckets);
	free(set->hosts);
	free(set->nets);
	free(set->globs);
	free(set);
}

static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *t;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	t = realloc(*arr, ncap * elem);
	if (!t)
		return -ENOMEM;
	*arr = t;
	*cap = ncap;
	return 0;
}

static void bucket_append(struct rules_bucket *b, struct rules_prefix_rule *r)
{
	r->next = NULL;
	if (b->tail)
		b->tail->next = r;
	else
		b->head = r;
	b->tail = r;
}

/* Rules keep their relative order within a chain, so same-program rules stay in load order. */
static void rehash(struct rules_set *set, struct rules_bucket *nb, size_t n)
{
	for (size_t i = 0; i < set->n_buckets; i++) {
		struct rules_prefix_rule *r = set->buckets[i].head, *next;

		for (; r; r = next) {
			next = r->next;
			bucket_append(&nb[r->hash & (n - 1)], r);
		}
	}
	free(set->buckets);
	set->buckets = nb;
	set->n_buckets = n;
}

static struct rules_host_exec **find_host_slot(const struct rules_set *set, const char *name)
{
	for (size_t i = 0; i < set->n_hosts; i++)
		if (strcmp(set->hosts[i]->name, name) == 0)
			return &set->hosts[i];
	return NULL;
}

static int commit(struct rules_set *set, struct rules_file *f)
{
	size_t need_rules = set->n_rules + f->n_rules;
	struct rules_bucket *nb = NULL;
	size_t nbuckets = set->n_buckets;
	int r;

	r = reserve((void **)&set->files, &set->cap_files, set->n_files + 1, sizeof(*set->files));
	if (r < 0)
		return r;
	r = reserve((void **)&set->hosts, &set->cap_hosts, set->n_hosts + f->n_hosts,
		    sizeof(*set->hosts));
	if (r < 0)
		return r;
	r = reserve((void **)&set->nets, &set->cap_nets, set->n_nets + f->n_nets,
		    sizeof(*set->nets));
	if (r < 0)
		return r;
	r = reserve((void **)&set->globs, &set->cap_globs, set->n_globs + f->n_globs,
		    sizeof(*set->globs));
	if (r < 0)
		return r;
	if (need_rules > nbuckets) {
		nbuckets = nbuckets ? nbuckets : 64;
		while (nbuckets < need_rules)
			nbuckets *= 2;
		nb = calloc(nbuckets, sizeof(*nb));
		if (!nb)
			return -ENOMEM;
	}

	/* Nothing below fails. */
	if (nb)
		rehash(set, nb, nbuckets);
	set->files[set->n_files++] = f;
	for (size_t i = 0; i < f->n_rules; i++) {
		struct rules_prefix_rule *rule = &f->rules[i];

		bucket_append(&set->buckets[rule->hash & (set->n_buckets - 1)], rule);
	}
	set->n_rules = need_rules;
	set->weight += f->weight;
	for (size_t i = 0; i < f->n_hosts; i++) {
		struct rules_host_exec **slot = find_host_slot(set, f->hosts[i].name);

		if (!slot)
			set->hosts[set->n_hosts++] = &f->hosts[i];
		else if ((*slot)->file->layer != RULES_LAYER_MANAGED ||
			 f->layer == RULES_LAYER_MANAGED)
			*slot = &f->hosts[i];
		/* else: pinned by the administrator; the user's definition is ignored. */
	}
	for (size_t i = 0; i < f->n_nets; i++)
		set->nets[set->n_nets++] = &f->nets[i];
	for (size_t i = 0; i < f->n_globs; i++)
		set->globs[set->n_globs++] = &f->globs[i];
	return 0;
}

int rules_set_add_text(struct rules_set *set, enum rules_layer layer, const char *display_name,
		       const char *text, size_t len, char *err, size_t errsz)
{
	_cleanup_(rules_file_freep) struct rules_file *f = NULL;
	char local_err[8];
	struct rules_err e;
	size_t total;
	int r;

	if (!err || errsz == 0) {
		err = local_err;
		errsz = sizeof(local_err);
	}
	rules_err_init(&e, display_name, err, errsz);
	if (!set || (unsigned)layer >= _RULES_LAYER_MAX || (!text && len > 0))
		return rules_err_plain(&e, -EINVAL, "invalid arguments");
	if (set->n_files >= CX_MAX_RULES_FILES)
		return rules_err_plain(&e, -E2BIG, "too many rules files (limit %d)",
				       CX_MAX_RULES_FILES);
	r = rules_file_parse(set, layer, display_name, text, len, &e, &f);
	if (r == -ENOMEM)
		return rules_err_plain(&e, r, "out of memory");
	if (r < 0) {
		if (!e.set)
			return rules_err_plain(&e, r, "cannot load rules");
		return r;
	}
	total = set->n_rules + set->n_hosts + set->n_nets + set->n_globs;
	if (f->n_rules + f->n_hosts + f->n_nets + f->n_globs >
	    CX_MAX_RULES_TOTAL - MIN(total, (size_t)CX_MAX_RULES_TOTAL))
		return rules_err_plain(&e, -E2BIG, "too many rules in the rule set (limit %d)",
				       CX_MAX_RULES_TOTAL);
	if (f->weight > CX_MAX_RULES_WEIGHT - set->weight)
		return rules_err_plain(
			&e, -E2BIG,
			"rules too large in total for the rule set (limit %d pattern "
			"strings)",
			CX_MAX_RULES_WEIGHT);
	r = commit(set, f);
	if (r < 0)
		return rules_err_plain(&e, r, "out of memory");
	TAKE_PTR(f);
	return 0;
}

void rules_set_get_stats(const struct rules_set *set, struct rules_set_stats *ret)
{
	*ret = (struct rules_set_stats){0};
	if (!set)
		return;
	ret->files = set->n_files;
	ret->prefix_rules = set->n_rules;
	ret->host_executables = set->n_hosts;
	ret->network_rules = set->n_nets;
	ret->glob_rules = set->n_globs;
}

const struct rules_host_exec *rules_find_host(const struct rules_set *set,
					      const struct rules_file *pending, const char *name)
{
	const struct rules_host_exec *mine = NULL, *theirs = NULL;

	if (pending)
		for (size_t i = 0; i < pending->n_hosts; i++)
			if (strcmp(pending->hosts[i].name, name) == 0)
				mine = &pending->hosts[i];
	if (set) {
		struct rules_host_exec **slot = find_host_slot(set, name);

		if (slot)
			theirs = *slot;
	}
	if (mine && (!theirs || theirs->file->layer != RULES_LAYER_MANAGED ||
		     pending->layer == RULES_LAYER_MANAGED))
		return mine;
	return theirs;
}

bool rules_host_lists(const struct rules_host_exec *h, const char *path, const char *home)
{
	size_t hl = home ? strlen(home) : 0;

	for (size_t i = 0; i < h->n_paths; i++) {
		const char *e = h->paths[i];

		if (e[0] == '~') {
			/* "~/x" lists home + "/x"; a home of "/" gives "/x". */
			if (!home)
				continue;
			if (hl == 1 && home[0] == '/') {
				if (strcmp(path, e + 1) == 0)
					return true;
			} else if (strncmp(path, home, hl) == 0 && strcmp(path + hl, e + 1) == 0)
				return true;
		} else if (strcmp(path, e) == 0)
			return true;
	}
	return false;
}

int rules_set_host_executable(const struct rules_set *set, const char *name,
			      const char *const **ret_paths, size_t *ret_n,
			      enum rules_layer *ret_layer)
{
	const struct rules_host_exec *h;

	if (!set || !name)
		return -EINVAL;
	h = rules_find_host(set, NULL, name);
	if (!h)
		return 0;
	if (ret_paths)
		*ret_paths = (const char *const *)h->paths;
	if (ret_n)
		*ret_n = h->n_paths;
	if (ret_layer)
		*ret_layer = h->file->layer;
	return 1;
}

const struct rules_network_rule *rules_set_network_rule(const struct rules_set *set, size_t i)
{
	return set && i < set->n_nets ? set->nets[i] : NULL;
}

const struct rules_glob_rule *rules_set_glob_rule(const struct rules_set *set, size_t i)
{
	return set && i < set->n_globs ? set->globs[i] : NULL;
}
