/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/path_util.h"

static bool byte_is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool path_is_absolute_normalized(const char *p)
{
	const char *c;
	size_t n;

	if (!p || p[0] != '/')
		return false;

	/* Bounded scan: never read further than one byte past the limit. */
	n = strnlen(p, CX_MAX_PATH + 1);
	if (n > CX_MAX_PATH)
		return false;
	if (n == 1)
		return true;
	if (p[n - 1] == '/')
		return false;

	/* Component by component; the trailing '/' case is excluded above, so
	 * every component ends at a '/' followed by more or at the NUL. */
	c = p + 1;
	for (;;) {
		const char *e = c;

		while (*e && *e != '/') {
			if (byte_is_control((unsigned char)*e))
				return false;
			e++;
		}

		size_t len = (size_t)(e - c);
		if (len == 0)
			return false;
		if (len == 1 && c[0] == '.')
			return false;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;

		if (!*e)
			return true;
		c = e + 1;
	}
}

int path_join(const char *a, const char *b, char **ret)
{
	size_t la, lb, total;
	char *s;

	if (!a || !b || !ret || !*a || !*b)
		return -EINVAL;

	/* Bounded lengths: anything past the limit fails, whatever its size. */
	la = strnlen(a, CX_MAX_PATH + 1);
	lb = strnlen(b, CX_MAX_PATH + 1);
	if (la > CX_MAX_PATH || lb > CX_MAX_PATH)
		return -ENAMETOOLONG;

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/') {
		b++;
		lb--;
	}

	total = la + 1 + lb; /* both <= CX_MAX_PATH: no overflow */
	if (total > CX_MAX_PATH)
		return -ENAMETOOLONG;

	s = malloc(total + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb);
	s[total] = '\0';

	*ret = s;
	return 0;
}

bool path_startswith_dir(const char *path, const char *dir)
{
	size_t n;

	if (!path_is_absolute_normalized(path) || !path_is_absolute_normalized(dir))
		return false;

	/* Everything normalised is below the root. */
	if (dir[1] == '\0')
		return true;

	n = strlen(dir);
	if (strncmp(path, dir, n) != 0)
		return false;

	/* The component boundary: "/a/bc" is not below "/a/b". */
	return path[n] == '\0' || path[n] == '/';
}

const char *path_basename(const char *p)
{
	const char *slash;

	if (!p)
		return NULL;

	slash = strrchr(p, '/');
	if (!slash)
		return p;

	/* Only slashes: the root, returned as the last '/'. */
	if (slash[1] == '\0' && strspn(p, "/") == (size_t)(slash - p) + 1)
		return slash;

	return slash + 1;
}

int path_dirname(const char *p, char **ret)
{
	const char *slash;
	char *s;

	if (!p || !ret || !*p)
		return -EINVAL;
	if (strnlen(p, CX_MAX_PATH + 1) > CX_MAX_PATH)
		return -ENAMETOOLONG;

	slash = strrchr(p, '/');
	if (!slash) {
		s = strdup(".");
	} else {
		size_t len = (size_t)(slash - p);

		while (len > 0 && p[len - 1] == '/')
			len--;
		/* Only slashes, or the last component sits directly under the root. */
		s = len == 0 ? strdup("/") : strndup(p, len);
	}
	if (!s)
		return -ENOMEM;

	*ret = s;
	return 0;
}
