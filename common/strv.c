/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/strv.h"

int strv_push(char ***v, char *s)
{
	char **grown;
	size_t n;

	if (!v || !s)
		return -EINVAL;

	n = strv_length(*v);
	if (n >= STRV_MAX_LENGTH)
		return -E2BIG;

	/* n + 2 slots: the new element and the terminator.  STRV_MAX_LENGTH
	 * keeps the multiplication far from overflow. */
	grown = realloc(*v, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;

	grown[n] = s;
	grown[n + 1] = NULL;
	*v = grown;
	return 0;
}

int strv_extend(char ***v, const char *s)
{
	_cleanup_free_ char *copy = NULL;
	int r;

	if (!v || !s)
		return -EINVAL;

	copy = strdup(s);
	if (!copy)
		return -ENOMEM;

	r = strv_push(v, copy);
	if (r < 0)
		return r;
	TAKE_PTR(copy);
	return 0;
}

bool strv_contains(char *const *v, const char *s)
{
	if (!v || !s)
		return false;
	for (char *const *p = v; *p; p++)
		if (strcmp(*p, s) == 0)
			return true;
	return false;
}

char **strv_copy(char *const *v)
{
	_cleanup_strv_free_ char **copy = NULL;
	size_t n = strv_length(v);

	/* calloc: every slot starts NULL, so a partial copy frees cleanly. */
	copy = calloc(n + 1, sizeof(char *));
	if (!copy)
		return NULL;

	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(v[i]);
		if (!copy[i])
			return NULL;
	}
	return TAKE_PTR(copy);
}
