/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/pathglob.h"

/* A component is the bytes [start, end) of its string; "next" starts after the '/'. */
struct span {
	const char *s;
	size_t len; /* total length of the string */
	size_t start, end;
};

static void span_first(struct span *c, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);

	c->s = s;
	c->len = len;
	c->start = 0;
	c->end = slash ? (size_t)(slash - s) : len;
}

/* False when there is no further component. */
static bool span_next(struct span *c)
{
	const char *slash;

	if (c->end >= c->len)
		return false;
	c->start = c->end + 1;
	slash = memchr(c->s + c->start, '/', c->len - c->start);
	c->end = slash ? (size_t)(slash - c->s) : c->len;
	return true;
}

static bool span_is_globstar(const struct span *c)
{
	return c->end - c->start == 2 && c->s[c->start] == '*' && c->s[c->start + 1] == '*';
}

/* One character at s[i] (i < n): its byte length and code point (a stray byte stands for itself).
 */
static size_t char_at(const char *s, size_t n, size_t i, uint32_t *cp)
{
	int r = utf8_decode(s + i, n - i, cp);

	if (r <= 0) {
		*cp = (unsigned char)s[i];
		return 1;
	}
	return (size_t)r;
}

/*
 * The class starting at p[pi] == '['.  Returns the index just past its ']'
 * and whether c is matched, or 0 when the class is not closed (then '[' is
 * a literal).
 */
static size_t class_match(const char *p, size_t pn, size_t pi, uint32_t c, bool *ret)
{
	bool negate = false, found = false;
	size_t i = pi + 1;
	bool first = true;

	if (i < pn && (p[i] == '!' || p[i] == '^')) {
		negate = true;
		i++;
	}
	for (;;) {
		uint32_t lo, hi;

		if (i >= pn)
			return 0;
		if (p[i] == ']' && !first)
			break;
		first = false;
		if (p[i] == '\\' && i + 1 < pn)
			i++;
		i += char_at(p, pn, i, &lo);
		hi = lo;
		if (i + 1 < pn && p[i] == '-' && p[i + 1] != ']') {
			i++;
			if (p[i] == '\\' && i + 1 < pn)
				i++;
			i += char_at(p, pn, i, &hi);
		}
		if (c >= lo && c <= hi)
			found = true;
	}
	*ret = found != negate;
	return i + 1;
}

/* Take one unit of work; false (and *budget stays 0) when none is left. */
static bool spend(size_t *budget)
{
	if (*budget == 0)
		return false;
	(*budget)--;
	return true;
}

/*
 * One pattern component against one path component.  Greedy with a single
 * backtrack point: every wildcard other than '*' consumes exactly one
 * character, so remembering only the last '*' is enough.  Every step
 * costs one unit of *budget; 1 match, 0 no match, -E2BIG out of budget.
 */
static int component_match(const char *p, size_t pn, const char *s, size_t sn, size_t *budget)
{
	size_t pi = 0, si = 0, star_pi = SIZE_MAX, star_si = 0;

	while (si < sn) {
		if (!spend(budget))
			return -E2BIG;
		if (pi < pn && p[pi] == '*') {
			while (pi < pn && p[pi] == '*')
				pi++;
			star_pi = pi;
			star_si = si;
			continue;
		}
		if (pi < pn) {
			uint32_t c;
			size_t cl = char_at(s, sn, si, &c);
			bool ok = false;
			size_t next = pi + 1;

			if (p[pi] == '?')
				ok = true;
			else if (p[pi] == '[') {
				size_t end = class_match(p, pn, pi, c, &ok);

				if (end > 0) {
					next = end;
				} else {
					ok = s[si] == '[';
					cl = 1;
				}
			} else if (p[pi] == '\\' && pi + 1 < pn) {
				ok = p[pi + 1] == s[si];
				next = pi + 2;
				cl = 1;
			} else {
				ok = p[pi] == s[si];
				cl = 1;
			}
			if (ok) {
				pi = next;
				si += cl;
				continue;
			}
		}
		if (star_pi == SIZE_MAX)
			return 0;
		{
			uint32_t c;

			star_si += char_at(s, sn, star_si, &c);
		}
		si = star_si;
		pi = star_pi;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/*
 * Component sequences, same greedy scheme one level up: "**" plays '*', a
 * component plays a character.  With prefix_ok the pattern may also end
 * before the path does, provided what it consumed is more than the empty
 * first component of an absolute path (the root is not an ancestor).
 */
static int path_match(const char *pat, size_t patlen, const char *path, size_t pathlen,
		      bool prefix_ok, size_t *budget)
{
	struct span p, t, resume_p = {0}, star_t = {0};
	bool p_more = true, t_more = true, resume_p_more = false, star_t_more = false;
	bool have_star = false;

	span_first(&p, pat, patlen);
	span_first(&t, path, pathlen);
	for (;;) {
		int r;

		if (!spend(budget))
			return -E2BIG;
		if (p_more && span_is_globstar(&p)) {
			/* Try the "**" on zero components first. */
			have_star = true;
			resume_p = p;
			resume_p_more = span_next(&resume_p);
			star_t = t;
			star_t_more = t_more;
			p = resume_p;
			p_more = resume_p_more;
			continue;
		}
		if (!p_more) {
			if (!t_more || (prefix_ok && t.start >= 2))
				return 1;
		} else if (t_more) {
			r = component_match(p.s + p.start, p.end - p.start, t.s + t.start,
					    t.end - t.start, budget);
			if (r < 0)
				return r;
			if (r > 0) {
				p_more = span_next(&p);
				t_more = span_next(&t);
				continue;
			}
		}
		/* Mismatch: let the last "**" swallow one more component. */
		if (!have_star || !star_t_more)
			return 0;
		star_t_more = span_next(&star_t);
		t = star_t;
		t_more = star_t_more;
		p = resume_p;
		p_more = resume_p_more;
	}
}

static int glob_match(const char *pattern, const char *path, size_t pathlen, bool prefix_ok,
		      size_t *budget)
{
	size_t patlen;

	if (!pattern || !path)
		return 0;
	patlen = strlen(pattern);

	/* A final "**" component must match at least one component:
	 * P + "/" + "**" against C equals P + "/" + "**" (zero allowed)
	 * against C without its last component. */
	if (patlen >= 2 && pattern[patlen - 1] == '*' && pattern[patlen - 2] == '*' &&
	    (patlen == 2 || pattern[patlen - 3] == '/')) {
		const char *slash;

		if (patlen == 2)
			return 1; /* "**" alone: anything (every path has a component) */
		slash = memrchr(path, '/', pathlen);
		if (!slash)
			return 0;
		return path_match(pattern, patlen, path, (size_t)(slash - path), prefix_ok, budget);
	}
	return path_match(pattern, patlen, path, pathlen, prefix_ok, budget);
}

bool pathglob_match_len(const char *pattern, const char *path, size_t pathlen)
{
	size_t budget = SIZE_MAX;

	return glob_match(pattern, path, pathlen, false, &budget) > 0;
}

bool pathglob_match(const char *pattern, const char *path)
{
	if (!path)
		return false;
	return pathglob_match_len(pattern, path, strlen(path));
}

bool pathglob_covers(const char *pattern, const char *path)
{
	size_t budget = SIZE_MAX;

	return pathglob_covers_bounded(pattern, path, &budget) > 0;
}

int pathglob_match_bounded(const char *pattern, const char *path, size_t *budget)
{
	if (!path)
		return 0;
	return glob_match(pattern, path, strlen(path), false, budget);
}

int pathglob_covers_bounded(const char *pattern, const char *path, size_t *budget)
{
	if (!path)
		return 0;
	return glob_match(pattern, path, strlen(path), true, budget);
}

bool pathglob_has_wildcards(const char *s)
{
	return s && strpbrk(s, "*?[\\") != NULL;
}

/* A set of pattern positions 0..PATHGLOB_MAX_COMPONENTS. */
struct posset {
	uint64_t w[(PATHGLOB_MAX_COMPONENTS + 1 + 63) / 64];
};

static void posset_add(struct posset *s, size_t i)
{
	s->w[i / 64] |= 1ULL << (i % 64);
}

static bool posset_has(const struct posset *s, size_t i)
{
	return (s->w[i / 64] >> (i % 64)) & 1;
}

/* A component made of '*' only (the empty one excluded): it takes any name. */
static bool span_is_stars(const struct span *c)
{
	if (c->end == c->start)
		return false;
	for (size_t i = c->start; i < c->end; i++)
		if (c->s[i] != '*')
			return false;
	return true;
}

/* Add the positions "**" components let the match skip to (epsilon closure). */
static void posset_close(struct posset *s, const struct span *comp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (posset_has(s, i) && span_is_globstar(&comp[i]))
			posset_add(s, i + 1);
}

bool pathglob_name_dependent(const char *pattern, const char *dir)
{
	struct span comp[PATHGLOB_MAX_COMPONENTS], c, t;
	size_t n = 0, plen, dlen, budget = (size_t)1 << 20;
	struct posset cur = {{0}};

	if (!pattern || !dir)
		return false;
	plen = strlen(pattern);
	dlen = strlen(dir);
	span_first(&c, pattern, plen);
	do {
		if (n == PATHGLOB_MAX_COMPONENTS)
			return true;
		comp[n++] = c;
	} while (span_next(&c));

	posset_add(&cur, 0);
	posset_close(&cur, comp, n);
	span_first(&t, dir, dlen);
	for (;;) {
		struct posset next = {{0}};
		bool last = t.end >= t.len;

		for (size_t i = 0; i < n; i++) {
			int r;

			if (!posset_has(&cur, i))
				continue;
			if (span_is_globstar(&comp[i])) {
				posset_add(&next, i); /* "**" takes the component, never by name */
				continue;
			}
			r = component_match(comp[i].s + comp[i].start, comp[i].end - comp[i].start,
					    t.s + t.start, t.end - t.start, &budget);
			if (r < 0)
				return true;
			if (r == 0)
				continue;
			/* dir's last name taken by a name-dependent component, with more to match */
			if (last && !span_is_stars(&comp[i]) && i + 1 < n)
				return true;
			posset_add(&next, i + 1);
		}
		if (last)
			return false;
		posset_close(&next, comp, n);
		cur = next;
		span_next(&t);
	}
}
