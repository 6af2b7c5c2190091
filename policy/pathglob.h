/* SPDX-License-Identifier: MIT */
/*
 * Git-style path globs (gitignore(5) wildcards), used by glob_rule() in
 * the rules language.
 *
 * A pattern and a path are both split at every '/' into components; the
 * components are matched in order:
 *   - "**" as a whole component matches any number of path components,
 *     zero included ("**" + "/x" matches "x", "a/x" and "/a/b/x"), except
 *     that a final "**" component needs at least one ("a/" + "**" matches
 *     everything below a, not a itself);
 *   - inside a component, '*' matches any run of characters and '?' one
 *     character (a UTF-8 sequence counts as one); neither crosses '/';
 *     "**" that is not a whole component is just '*';
 *   - [abc], [a-z], [!a-z] and [^a-z] match one character from (or not
 *     from) the set; a ']' right after the '[' (or the negation) is a
 *     member; a '[' with no closing ']' in its component is a literal;
 *     a '/' always ends a component, so it never appears in a class;
 *   - a backslash makes the next character literal (a final backslash is
 *     itself literal);
 *   - a leading '.' is not special; matching is case-sensitive.
 * An absolute pattern only matches absolute paths (its first, empty
 * component must meet the path's).
 *
 * Cost: no recursion; at worst about (pattern length x path length) steps
 * (greedy matching with one backtrack point per level).  Callers that
 * match many untrusted patterns use the _bounded variants.
 *
 * Process: any (no allocation, no global state).
 */
#ifndef CX_POLICY_PATHGLOB_H
#define CX_POLICY_PATHGLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when pattern matches the whole of path (NUL-terminated). */
bool pathglob_match(const char *pattern, const char *path);

/* The same for the first pathlen bytes of path. */
bool pathglob_match_len(const char *pattern, const char *path, size_t pathlen);

/*
 * True when pattern matches path or one of its ancestors, i.e. a prefix
 * of path that ends just before a '/' (for "/a/b/c": "/a/b/c", "/a/b",
 * "/a"; for "a/b": "a/b", "a").  A rule about a directory covers what is
 * inside it.
 */
bool pathglob_covers(const char *pattern, const char *path);

/*
 * The same with a work bound: every step (roughly one character
 * comparison) takes one unit from *budget.  Return 1 (match), 0 (no
 * match), or -E2BIG when *budget ran out first (then *budget is 0).
 */
int pathglob_match_bounded(const char *pattern, const char *path, size_t *budget);
int pathglob_covers_bounded(const char *pattern, const char *path, size_t *budget);

/* True when s holds a character that is special in a pattern: '*', '?', '[' or '\\'. */
bool pathglob_has_wildcards(const char *s);

/* Most '/'-separated components pathglob_name_dependent() can follow in a pattern. */
#define PATHGLOB_MAX_COMPONENTS 128

/*
 * Whether renaming the last component of dir could change what pattern
 * matches strictly below dir: true when some path dir/REST (REST not
 * empty) is matched with dir's last component consumed by a pattern
 * component that is not "**" and not made of '*' only, so that another
 * name could fail it.  For a pattern naming "secrets" below any home
 * directory and everything in it, /home/u/secrets is name-dependent and
 * /home/u is not (a '*' takes any name); for a pattern of ".env" files at
 * any depth no directory is.  Used to refuse a directory rename that
 * would move files created later out of a pattern's reach.  A pattern of
 * more than PATHGLOB_MAX_COMPONENTS components answers true (the safe
 * side for that use).  Both arguments absolute, or both relative.
 */
bool pathglob_name_dependent(const char *pattern, const char *dir);

#endif
