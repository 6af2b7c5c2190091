/* SPDX-License-Identifier: MIT */
/*
 * Small macros used everywhere: cleanup attributes, ownership transfer,
 * array sizes.  Callable from any process, including sandbox children
 * (nothing here allocates).
 *
 * Conventions (STYLE.md): a function that can fail returns int, >= 0 on
 * success and -errno on failure.  Owning locals carry a cleanup attribute;
 * ownership leaves a local with TAKE_PTR() / TAKE_FD().
 */
#ifndef CX_MACRO_H
#define CX_MACRO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + 0 * sizeof(struct { \
	_Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])), \
		       "ARRAY_SIZE on a pointer"); int dummy; }))

#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _must_check_ __attribute__((warn_unused_result))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)
#define _cleanup_(f) __attribute__((cleanup(f)))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Return the pointer and leave NULL behind: ownership moves to the caller. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) *_pp = &(p);                                                         \
		__typeof__(p) _p = *_pp;                                                           \
		*_pp = NULL;                                                                       \
		_p;                                                                                \
	})

/* Return the descriptor and leave -1 behind. */
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int *_pfd = &(fd);                                                                 \
		int _fd = *_pfd;                                                                   \
		*_pfd = -1;                                                                        \
		_fd;                                                                               \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* close() that keeps errno and ignores -1; returns -1 for "fd = safe_close(fd)". */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		(void)close(fd);
		errno = saved;
	}
	return -1;
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}

static inline void strv_freep(char ***p);

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* NULL-terminated string vectors (argv, envp). */
static inline void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static inline void strv_freep(char ***p)
{
	strv_free(*p);
}

static inline size_t strv_length(char *const *v)
{
	size_t n = 0;
	if (v)
		while (v[n])
			n++;
	return n;
}

/* -errno from the current errno, never 0 (a failing call that forgot errno). */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

#endif
