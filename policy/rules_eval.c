/* SPDX-License-Identifier: MIT */
/*
 * Evaluation: prefix rules with program resolution (the rules in
 * policy/rules.h, "EVALUATION"), several commands at once, and glob rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/path_util.h"
#include "policy/pathglob.h"
#include "policy/rules_internal.h"

/* ---------------------------------------------------------------- core */

static bool tail_matches(const struct rules_prefix_rule *r, const char *const *argv, size_t argc,
			 size_t *work)
{
	if (argc - 1 < r->n_rest)
		return false;
	for (size_t i = 0; i < r->n_rest; i++) {
		const struct rules_value *v = r->rest[i];
		const char *tok = argv[1 + i];
		bool any = false;

		if (v->kind == RV_STRING) {
			(*work)++;
			if (strcmp(v->str.s, tok) != 0)
				return false;
			continue;
		}
		for (size_t j = 0; j < v->list.n && !any; j++) {
			(*work)++;
			any = strcmp(v->list.items[j]->str.s, tok) == 0;
		}
		if (!any)
			return false;
	}
	return true;
}

struct visit_ctx {
	const struct rules_src *src;
	const char *const *argv;
	size_t argc;
	rules_visit_fn fn;
	void *userdata;
	size_t *work;
	size_t work_limit;
};

static int visit_rule(struct visit_ctx *c, const struct rules_prefix_rule *r, bool drop_allow,
		      const char *resolved, bool via_basename)
{
	if (drop_allow && r->decision == RULES_DECISION_ALLOW)
		return 0;
	if (!tail_matches(r, c->argv, c->argc, c->work))
		return 0;
	return c->fn(c->userdata, r, 1 + r->n_rest, resolved, via_basename);
}

/* Every rule whose program is name, in load order. */
static int visit_program(struct visit_ctx *c, const char *name, bool drop_allow,
			 const char *resolved, bool via_basename)
{
	const struct rules_src *src = c->src;
	int r;

	if (src->local) {
		for (size_t i = 0; i < src->n_local; i++) {
			(*c->work)++;
			if (strcmp(src->local[i].program, name) != 0)
				continue;
			r = visit_rule(c, &src->local[i], drop_allow, resolved, via_basename);
			if (r != 0)
				return r;
			if (*c->work > c->work_limit)
				return -ERANGE;
		}
	} else if (src->set && src->set->n_buckets > 0) {
		uint32_t h = rules_hash(name);
		const struct rules_prefix_rule *rule;

		for (rule = src->set->buckets[h & (src->set->n_buckets - 1)].head; rule;
		     rule = rule->next) {
			if (rule->hash != h || strcmp(rule->program, name) != 0)
				continue;
			r = visit_rule(c, rule, drop_allow, resolved, via_basename);
			if (r != 0)
				return r;
			if (*c->work > c->work_limit)
				return -ERANGE;
		}
	}
	return 0;
}

/* Allow rules for basename fallback: only for an absolute program that its
 * name's host_executable() entry (if any) lists. */
static bool basename_allow_ok(const struct rules_src *src, const char *name, const char *program,
			      const char *home)
{
	const struct rules_host_exec *h;

	if (program[0] != '/')
		return false;
	h = rules_find_host(src->set, src->pending, name);
	return !h || rules_host_lists(h, program, home);
}

int rules_eval_core(const struct rules_src *src, const char *const *argv, size_t argc,
		    const char *resolved, const char *home, rules_visit_fn fn, void *userdata,
		    size_t *work, size_t work_limit)
{
	size_t local_work = 0;
	struct visit_ctx c = {
		.src = src,
		.argv = argv,
		.argc = argc,
		.fn = fn,
		.userdata = userdata,
		.work = work ? work : &local_work,
		.work_limit = work ? work_limit : SIZE_MAX,
	};
	const char *a0 = argv[0];
	const char *program = resolved ? resolved : a0;
	bool a0_bare = !strchr(a0, '/');
	const char *name_r = resolved ? path_basename(resolved) : NULL;
	const char *name_a = a0_bare ? NULL : path_basename(a0);
	bool drop = false;
	int r;

	/* 1. Rules for argv[0] itself; allow ones not when PATH found a
	 *    look-alike that the name's host_executable() entry does not list. */
	if (a0_bare && resolved && strcmp(resolved, a0) != 0) {
		const struct rules_host_exec *h = rules_find_host(src->set, src->pending, a0);

		drop = h && !rules_host_lists(h, resolved, home);
	}
	r = visit_program(&c, a0, drop, NULL, false);
	if (r != 0)
		return r;
	/*    Rules for the exact path that will run. */
	if (resolved && strcmp(resolved, a0) != 0) {
		r = visit_program(&c, resolved, false, resolved, false);
		if (r != 0)
			return r;
	}
	/* 2. Basename fallback: prompt/forbidden always, allow when listed. */
	if (name_r && *name_r && strcmp(name_r, a0) != 0) {
		r = visit_program(&c, name_r, !basename_allow_ok(src, name_r, program, home),
				  resolved, true);
		if (r != 0)
			return r;
	}
	if (name_a && *name_a && strcmp(name_a, a0) != 0 &&
	    !(name_r && strcmp(name_a, name_r) == 0)) {
		r = visit_program(&c, name_a, !basename_allow_ok(src, name_a, program, home), a0,
				  true);
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------- results */

struct collect {
	struct rules_match *m;
	size_t n, cap;
};

static int collect_visit(void *userdata, const struct rules_prefix_rule *rule, size_t prefix_len,
			 const char *resolved, bool via_basename)
{
	struct collect *c = userdata;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		struct rules_match *t = realloc(c->m, ncap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		c->m = t;
		c->cap = ncap;
	}
	c->m[c->n++] = (struct rules_match){
		.program = rule->program,
		.prefix_len = prefix_len,
		.decision = rule->decision,
		.justification = rule->justification,
		.resolved_program = resolved,
		.via_basename = via_basename,
		.layer = rule->file->layer,
		.file = rule->file->name,
		.line = rule->line,
		.column = rule->column,
	};
	return 0;
}

/* One allocation: the pointer array, then the strings. */
static char **argv_copy(char *const *argv, size_t argc)
{
	size_t bytes = (argc + 1) * sizeof(char *);
	char **v, *s;

	for (size_t i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		if (bytes > SIZE_MAX - l)
			return NULL;
		bytes += l;
	}
	v = malloc(bytes);
	if (!v)
		return NULL;
	s = (char *)(v + argc + 1);
	for (size_t i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(s, argv[i], l);
		v[i] = s;
		s += l;
	}
	v[argc] = NULL;
	return v;
}

static bool opt_path_ok(const char *p)
{
	return !p || path_is_absolute_normalized(p);
}

int rules_eval_prefix(const struct rules_set *set, char *const *argv,
		      const struct rules_eval_opts *opts, struct rules_result *ret)
{
	const char *resolved = opts ? opts->resolved_program : NULL;
	const char *home = opts ? opts->home_dir : NULL;
	struct rules_result res = {0};
	struct collect c = {0};
	struct rules_src src = {.set = set};
	size_t argc = 0;
	int r;

	if (!set || !argv || !argv[0] || !ret || !opt_path_ok(resolved) || !opt_path_ok(home))
		return -EINVAL;
	while (argv[argc]) {
		if (++argc > CX_MAX_ARGV)
			return -E2BIG;
	}
	res.argv = argv_copy(argv, argc);
	if (!res.argv)
		return -ENOMEM;
	res.argc = argc;
	if (resolved) {
		res.resolved_program = strdup(resolved);
		if (!res.resolved_program) {
			rules_result_clear(&res);
			return -ENOMEM;
		}
	}
	r = rules_eval_core(&src, (const char *const *)res.argv, argc, res.resolved_program, home,
			    collect_visit, &c, NULL, 0);
	if (r < 0) {
		free(c.m);
		rules_result_clear(&res);
		return r;
	}
	res.matches = c.m;
	res.n_matches = c.n;
	res.matched = c.n > 0;
	for (size_t i = 0; i < c.n; i++)
		res.decision = rules_decision_max(res.decision, c.m[i].decision);
	*ret = res;
	return res.matched ? 1 : 0;
}

const char *rules_match_token(const struct rules_result *r, const struct rules_match *m, size_t i)
{
	if (!r || !m || i >= m->prefix_len || i >= r->argc)
		return NULL;
	return i == 0 ? m->program : r->argv[i];
}

void rules_result_clear(struct rules_result *r)
{
	if (!r)
		return;
	free(r->matches);
	free(r->argv);
	free(r->resolved_program);
	*r = (struct rules_result){0};
}

int rules_eval_multiple(const struct rules_set *set, const struct rules_command *cmds, size_t n,
			const struct rules_eval_opts *opts, struct rules_multi_result *ret)
{
	struct rules_multi_result res = {0};
	int r;

	if (!set || !cmds || n == 0 || !ret)
		return -EINVAL;
	if (n > CX_MAX_ARGV)
		return -E2BIG;
	res.results = calloc(n, sizeof(*res.results));
	if (!res.results)
		return -ENOMEM;
	res.n_results = n;
	for (size_t i = 0; i < n; i++) {
		struct rules_eval_opts o = {
			.resolved_program = cmds[i].resolved_program,
			.home_dir = opts ? opts->home_dir : NULL,
		};

		r = rules_eval_prefix(set, cmds[i].argv, &o, &res.results[i]);
		if (r < 0) {
			rules_multi_result_clear(&res);
			return r;
		}
		if (r > 0) {
			res.n_matched++;
			res.decision = rules_decision_max(res.decision, res.results[i].decision);
		}
	}
	*ret = res;
	return (int)MIN(res.n_matched, (size_t)CX_MAX_ARGV);
}

void rules_multi_result_clear(struct rules_multi_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_results; i++)
		rules_result_clear(&r->results[i]);
	free(r->results);
	*r = (struct rules_multi_result){0};
}

/* ---------------------------------------------------------------- glob rules */

enum rules_glob_kind rules_glob_kind(const char *pattern)
{
	if (pattern[0] == '/')
		return RULES_GLOB_ABSOLUTE;
	if (pattern[0] == '~' && pattern[1] == '/')
		return RULES_GLOB_HOME;
	if (pattern[0] == '*' && pattern[1] == '*' && (pattern[2] == '/' || pattern[2] == '\0'))
		return RULES_GLOB_ANYWHERE;
	return RULES_GLOB_RELATIVE;
}

/* path below dir (both absolute, normalised): the part after "dir/", else NULL. */
static const char *below(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	if (dl == 1 && dir[0] == '/')
		return path[1] ? path + 1 : NULL;
	if (strncmp(path, dir, dl) == 0 && path[dl] == '/' && path[dl + 1])
		return path + dl + 1;
	return NULL;
}

static int glob_covers(const struct rules_glob_rule *g, const char *path,
		       const struct rules_glob_opts *opts, size_t *budget)
{
	const char *rel;

	switch (rules_glob_kind(g->pattern)) {
	case RULES_GLOB_ABSOLUTE:
	case RULES_GLOB_ANYWHERE:
		return pathglob_covers_bounded(g->pattern, path, budget);
	case RULES_GLOB_HOME:
		if (!opts || !opts->home_dir)
			return 0;
		rel = below(path, opts->home_dir);
		return rel ? pathglob_covers_bounded(g->pattern + 2, rel, budget) : 0;
	case RULES_GLOB_RELATIVE:
		if (!opts || !opts->workspace)
			return 0;
		rel = below(path, opts->workspace);
		return rel ? pathglob_covers_bounded(g->pattern, rel, budget) : 0;
	}
	return 0;
}

int rules_glob_example_matches(const char *pattern, const char *example, size_t *budget)
{
	bool ex_home = example[0] == '~' && example[1] == '/';

	switch (rules_glob_kind(pattern)) {
	case RULES_GLOB_ABSOLUTE:
		return example[0] == '/' ? pathglob_covers_bounded(pattern, example, budget) : 0;
	case RULES_GLOB_HOME:
		return ex_home ? pathglob_covers_bounded(pattern + 2, example + 2, budget) : 0;
	case RULES_GLOB_ANYWHERE:
		return pathglob_covers_bounded(pattern, example, budget);
	case RULES_GLOB_RELATIVE:
		return example[0] != '/' && !ex_home
			       ? pathglob_covers_bounded(pattern, example, budget)
			       : 0;
	}
	return 0;
}

int rules_glob_match(const struct rules_set *set, const char *path, unsigned access,
		     const struct rules_glob_opts *opts, struct rules_glob_result *ret)
{
	struct rules_glob_result res = {.decision = RULES_DECISION_ALLOW};
	size_t budget = CX_MAX_RULES_GLOB_WORK;

	if (!set || !ret || !path_is_absolute_normalized(path) || access == 0 ||
	    (access & ~(unsigned)RULES_ACCESS_ANY) != 0)
		return -EINVAL;
	if (opts && (!opt_path_ok(opts->workspace) || !opt_path_ok(opts->home_dir)))
		return -EINVAL;
	for (size_t i = 0; i < set->n_globs; i++) {
		const struct rules_glob_rule *g = set->globs[i];
		int r;

		if (!(g->access & access))
			continue;
		r = glob_covers(g, path, opts, &budget);
		if (r == -E2BIG) {
			/* Too costly to decide: fail closed, as if it matched,
			 * for the rules that can make the answer stricter. */
			res.incomplete = true;
			if (g->decision == RULES_DECISION_ALLOW)
				continue;
		} else if (r <= 0)
			continue;
		if (!res.rule || g->decision > res.decision) {
			res.rule = g;
			res.decision = g->decision;
		}
		res.n_matches++;
	}
	*ret = res;
	return res.n_matches > 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- messages */

void rules_buf_put_pattern(struct rules_buf *b, const struct rules_prefix_rule *r)
{
	rules_buf_putc(b, '[');
	rules_buf_put_quoted(b, r->program, strlen(r->program), 64);
	for (size_t i = 0; i < r->n_rest; i++) {
		const struct rules_value *v = r->rest[i];

		rules_buf_puts(b, ", ");
		if (i >= 7) {
			rules_buf_puts(b, "...");
			break;
		}
		if (v->kind == RV_STRING) {
			rules_buf_put_quoted(b, v->str.s, v->str.len, 64);
			continue;
		}
		rules_buf_putc(b, '[');
		for (size_t j = 0; j < v->list.n; j++) {
			if (j)
				rules_buf_puts(b, ", ");
			if (j >= 8) {
				rules_buf_puts(b, "...");
				break;
			}
			rules_buf_put_quoted(b, v->list.items[j]->str.s, v->list.items[j]->str.len,
					     64);
		}
		rules_buf_putc(b, ']');
	}
	rules_buf_putc(b, ']');
}
