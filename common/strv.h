/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated string vectors (argv, envp, pattern lists) beyond the
 * strv_free()/strv_length() that common/macro.h already provides.
 *
 * Every vector these functions return or grow is heap-allocated, as are its
 * strings; free it with strv_free() (or _cleanup_strv_free_).  A NULL vector
 * is accepted everywhere as the empty vector.
 *
 * Growth is bounded: a vector never grows past STRV_MAX_LENGTH elements
 * (-E2BIG), a hard ceiling above every per-purpose limit in
 * common/cxlimits.h; callers enforce their own, tighter, limit first.
 *
 * Process: any, except sandbox children after clone (these allocate).
 */
#ifndef CX_STRV_H
#define CX_STRV_H

#include <stdbool.h>
#include <stddef.h>

#include "common/macro.h"

#define STRV_MAX_LENGTH 65536

/*
 * Append a copy of s to *v (which may be NULL: a new vector is created).
 * Returns 0; -EINVAL if s is NULL; -E2BIG if *v already holds
 * STRV_MAX_LENGTH elements; -ENOMEM.  On failure *v is unchanged.
 */
int strv_extend(char ***v, const char *s) _must_check_;

/*
 * Append s itself to *v (which may be NULL).  On success the vector owns s;
 * on failure (-EINVAL for a NULL s, -E2BIG, -ENOMEM) *v is unchanged and s
 * still belongs to the caller, so the usual pattern is
 *     r = strv_push(&v, s); if (r < 0) return r; TAKE_PTR(s);
 */
int strv_push(char ***v, char *s) _must_check_;

/* True if some element of v equals s (byte-wise).  False for a NULL s. */
bool strv_contains(char *const *v, const char *s);

/*
 * A deep copy of v; a NULL v gives an empty (allocated) vector, so NULL is
 * returned only when memory runs out.  Caller frees with strv_free().
 */
char **strv_copy(char *const *v);

#endif
