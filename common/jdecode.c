/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/jdecode.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/path_util.h"

static int jd_fail(char *err, size_t errsz, const char *what, const char *name, const char *fmt,
		   ...) _printf_(5, 6);

static int jd_fail(char *err, size_t errsz, const char *what, const char *name, const char *fmt,
		   ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "%s.%s: %s", what, name, msg);
	return -EINVAL;
}

static void *field_ptr(void *out, const struct jd_field *f)
{
	return (char *)out + f->offset;
}

static int check_string(json_t *v, const struct jd_field *f, size_t max, const char *what,
			const char *name, char *err, size_t errsz)
{
	size_t l;

	if (!json_is_string(v))
		return jd_fail(err, errsz, what, name, "must be a string");
	l = json_string_length(v);
	if (l > max)
		return jd_fail(err, errsz, what, name, "longer than %zu bytes", max);
	if ((f->flags & JD_NONEMPTY) && l == 0)
		return jd_fail(err, errsz, what, name, "must not be empty");
	if ((f->flags & JD_ABS_PATH) && !path_is_absolute_normalized(json_string_value(v)))
		return jd_fail(err, errsz, what, name,
			       "must be an absolute, normalised path (no '.', '..', '//' or "
			       "trailing '/')");
	return 0;
}

static int decode_strv(json_t *v, const struct jd_field *f, const char *what, char *err,
		       size_t errsz, char ***ret)
{
	size_t n, i;
	char **vec;

	if (!json_is_array(v))
		return jd_fail(err, errsz, what, f->name, "must be an array of strings");
	n = json_array_size(v);
	if ((int64_t)n > f->max)
		return jd_fail(err, errsz, what, f->name, "more than %" PRId64 " elements",
			       f->max);
	if ((f->flags & JD_NONEMPTY) && n == 0)
		return jd_fail(err, errsz, what, f->name, "must not be empty");
	vec = calloc(n + 1, sizeof(char *));
	if (!vec)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		char name[96];
		int r;

		snprintf(name, sizeof(name), "%s[%zu]", f->name, i);
		r = check_string(e, &(struct jd_field){ .flags = f->flags & JD_ABS_PATH },
				 f->elem_max, what, name, err, errsz);
		if (r < 0) {
			strv_free(vec);
			return r;
		}
		vec[i] = strndup(json_string_value(e), json_string_length(e));
		if (!vec[i]) {
			strv_free(vec);
			return -ENOMEM;
		}
	}
	*ret = vec;
	return 0;
}

static int decode_env(json_t *v, const struct jd_field *f, const char *what, char *err,
		      size_t errsz, char ***ret)
{
	const char *key;
	json_t *val;
	size_t n, i = 0;
	char **vec;

	if (!json_is_object(v))
		return jd_fail(err, errsz, what, f->name, "must be an object of strings");
	n = json_object_size(v);
	if ((int64_t)n > f->max)
		return jd_fail(err, errsz, what, f->name, "more than %" PRId64 " variables",
			       f->max);
	vec = calloc(n + 1, sizeof(char *));
	if (!vec)
		return -ENOMEM;
	json_object_foreach(v, key, val)
	{
		size_t kl = strlen(key), vl;

		if (kl == 0 || kl > CX_MAX_ENV_NAME || strchr(key, '=')) {
			strv_free(vec);
			return jd_fail(err, errsz, what, f->name,
				       "variable names must be 1..%d bytes without '='",
				       CX_MAX_ENV_NAME);
		}
		if (!json_is_string(val)) {
			strv_free(vec);
			return jd_fail(err, errsz, what, f->name, "values must be strings");
		}
		vl = json_string_length(val);
		if (vl > f->elem_max) {
			strv_free(vec);
			return jd_fail(err, errsz, what, f->name, "a value is longer than %zu bytes",
				       f->elem_max);
		}
		vec[i] = malloc(kl + 1 + vl + 1);
		if (!vec[i]) {
			strv_free(vec);
			return -ENOMEM;
		}
		memcpy(vec[i], key, kl);
		vec[i][kl] = '=';
		memcpy(vec[i] + kl + 1, json_string_value(val), vl);
		vec[i][kl + 1 + vl] = '\0';
		i++;
	}
	*ret = vec;
	return 0;
}

static int decode_field(json_t *v, const struct jd_field *f, const char *what, void *out,
			char *err, size_t errsz)
{
	void *dst = field_ptr(out, f);
	int r;

	switch (f->type) {
	case JD_STRING: {
		char *s;
		r = check_string(v, f, (size_t)f->max, what, f->name, err, errsz);
		if (r < 0)
			return r;
		s = strndup(json_string_value(v), json_string_length(v));
		if (!s)
			return -ENOMEM;
		*(char **)dst = s;
		return 0;
	}
	case JD_BOOL:
		if (!json_is_boolean(v))
			return jd_fail(err, errsz, what, f->name, "must be true or false");
		*(bool *)dst = json_is_true(v);
		return 0;
	case JD_INT64:
	case JD_UINT32: {
		json_int_t n;
		if (!json_is_integer(v))
			return jd_fail(err, errsz, what, f->name, "must be an integer");
		n = json_integer_value(v);
		if (n < f->min || n > f->max)
			return jd_fail(err, errsz, what, f->name,
				       "out of range (%" PRId64 "..%" PRId64 ")", f->min, f->max);
		if (f->type == JD_INT64)
			*(int64_t *)dst = n;
		else
			*(uint32_t *)dst = (uint32_t)n;
		return 0;
	}
	case JD_STRV:
		return decode_strv(v, f, what, err, errsz, (char ***)dst);
	case JD_ENV:
		return decode_env(v, f, what, err, errsz, (char ***)dst);
	case JD_ENUM: {
		const char *s;
		if (!json_is_string(v))
			return jd_fail(err, errsz, what, f->name, "must be a string");
		s = json_string_value(v);
		for (int i = 0; f->names[i]; i++)
			if (strcmp(s, f->names[i]) == 0) {
				*(int *)dst = i;
				return 0;
			}
		{
			char allowed[200] = "";
			size_t o = 0;
			for (int i = 0; f->names[i] && o < sizeof(allowed); i++)
				o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s",
						      i ? ", " : "", f->names[i]);
			return jd_fail(err, errsz, what, f->name, "must be one of: %s", allowed);
		}
	}
	case JD_CUSTOM: {
		char msg[200] = "invalid value";
		r = f->parse(v, dst, msg, sizeof(msg));
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return jd_fail(err, errsz, what, f->name, "%s", msg);
		return 0;
	}
	case _JD_TYPE_MAX:
	default:
		break;
	}
	return -EINVAL;
}

int jd_decode(json_t *obj, const char *what, const struct jd_field *fields, size_t n, void *out,
	      uint64_t *ret_present, char *err, size_t errsz)
{
	uint64_t present = 0;
	const char *key;
	json_t *v;
	int r;

	if (n > 64)
		return -E2BIG;
	if (!json_is_object(obj)) {
		snprintf(err, errsz, "%s: must be an object", what);
		return -EINVAL;
	}
	json_object_foreach(obj, key, v)
	{
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n) {
			char q[4 * 32 + 8];
			snprintf(err, errsz, "%s: unknown field %s", what,
				 log_quote(q, sizeof(q), key, strlen(key), 32));
			jd_free(fields, n, out);
			return -EINVAL;
		}
		/* null is "absent" only for optional fields. */
		if (json_is_null(v) && !(fields[i].flags & JD_REQUIRED))
			continue;
		r = decode_field(v, &fields[i], what, out, err, errsz);
		if (r < 0) {
			if (r == -ENOMEM)
				snprintf(err, errsz, "out of memory");
			jd_free(fields, n, out);
			return r;
		}
		present |= UINT64_C(1) << i;
	}
	for (size_t i = 0; i < n; i++)
		if ((fields[i].flags & JD_REQUIRED) && !(present & (UINT64_C(1) << i))) {
			snprintf(err, errsz, "%s.%s: required", what, fields[i].name);
			jd_free(fields, n, out);
			return -EINVAL;
		}
	if (ret_present)
		*ret_present = present;
	return 0;
}

void jd_free(const struct jd_field *fields, size_t n, void *out)
{
	for (size_t i = 0; i < n; i++) {
		void *dst = field_ptr(out, &fields[i]);
		switch (fields[i].type) {
		case JD_STRING:
			free(*(char **)dst);
			*(char **)dst = NULL;
			break;
		case JD_STRV:
		case JD_ENV:
			strv_free(*(char ***)dst);
			*(char ***)dst = NULL;
			break;
		case JD_CUSTOM:
			if (fields[i].free)
				fields[i].free(dst);
			break;
		case JD_BOOL:
		case JD_INT64:
		case JD_UINT32:
		case JD_ENUM:
		case _JD_TYPE_MAX:
		default:
			break;
		}
	}
}
