/* SPDX-License-Identifier: MIT */
/*
 * Path helpers for client-supplied paths.  The daemon's rule is "reject,
 * don't repair" (STYLE.md, Hostile input 3): a path from a client must pass
 * path_is_absolute_normalized() as it is; nothing here cleans a path up.
 *
 * All functions are pure string operations: no file system access, no
 * symlink resolution.  A path that passes the check may still name a
 * symlink; callers that act on it as root must open it safely
 * (O_NOFOLLOW, openat2 RESOLVE_*), not trust the text.
 *
 * Process: path_is_absolute_normalized(), path_startswith_dir() and
 * path_basename() allocate nothing and may be called from any process,
 * sandbox children included; path_join() and path_dirname() allocate:
 * any process except sandbox children after clone.
 */
#ifndef CX_PATH_UTIL_H
#define CX_PATH_UTIL_H

#include <stdbool.h>

#include "common/macro.h"

/*
 * True if p is an absolute, normalised path: it starts with '/', is at
 * most CX_MAX_PATH bytes, has no empty component ("//"), no "." or ".."
 * component, no trailing '/' (except the path "/" itself) and no control
 * character (bytes 0x01-0x1f and 0x7f).  False for NULL.  Bytes >= 0x80
 * are accepted (UTF-8 validity is the JSON decoder's job).
 */
bool path_is_absolute_normalized(const char *p);

/*
 * Join a and b with exactly one '/' between them: trailing '/' of a and
 * leading '/' of b are dropped at the junction, nothing else is changed
 * (no normalisation; a ".." in b stays there, so check the result with
 * path_is_absolute_normalized() if it matters).  b is always taken as
 * relative to a, even when it starts with '/'.
 *   ("/", "x") -> "/x"   ("/a/", "/b") -> "/a/b"   ("/", "/") -> "/"
 *   ("/a", "/") -> "/a/" (b names nothing below a; the separator stays)
 * Returns 0 and a new string in *ret (caller frees); -EINVAL if a or b is
 * NULL or empty; -ENAMETOOLONG if the result would exceed CX_MAX_PATH
 * bytes; -ENOMEM.
 */
int path_join(const char *a, const char *b, char **ret) _must_check_;

/*
 * True if path equals dir or lies below it on a component boundary:
 * "/a/b/c" and "/a/b" are below "/a/b", "/a/bc" is not; everything
 * absolute is below "/".  Both arguments must pass
 * path_is_absolute_normalized(), otherwise the answer is false: a textual
 * prefix test on "/a/../etc" would wrongly put it below "/a".
 */
bool path_startswith_dir(const char *path, const char *dir);

/*
 * The last component of p, as a pointer into p: "/a/b" -> "b", "b" -> "b",
 * "/" (or any run of only slashes) -> "/", "/a/b/" -> "" (a trailing slash
 * leaves an empty last component; normalised paths have none).
 * NULL for NULL.
 */
const char *path_basename(const char *p);

/*
 * Everything before the last component, without trailing slashes:
 * "/a/b" -> "/a", "/a" -> "/", "/" -> "/", "a/b" -> "a", "a" -> ".".
 * Consistent with path_basename(): "/a/b/" -> "/a/b".
 * Returns 0 and a new string in *ret (caller frees); -EINVAL for NULL or
 * "", -ENAMETOOLONG if p is longer than CX_MAX_PATH bytes; -ENOMEM.
 */
int path_dirname(const char *p, char **ret) _must_check_;

#endif
