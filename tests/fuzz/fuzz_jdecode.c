/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the strict decoders (common/jdecode.c) behind
 * every method's params, and the exec/start decoder itself
 * (daemon/exec_params.c).
 *
 * Input: one selector byte, then a JSON text loaded as the daemon loads a
 * frame (JSON_REJECT_DUPLICATES, no NUL).  Selector 0: the exec/start
 * decoder; otherwise a table that uses every field type and flag.
 * Checks beyond "no crash, no leak, no UB":
 *   - success and failure are exclusive: a failure leaves an error message
 *     that is short, NUL-terminated and free of control characters, and
 *     leaves every owned field NULL;
 *   - what was decoded respects the table: integers in range, strings and
 *     vectors within their bounds, paths absolute and normalised, enums
 *     within their name table, env entries "NAME=VALUE";
 *   - decoding is deterministic: the same object decodes the same way twice.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/jdecode.h"
#include "common/macro.h"
#include "common/path_util.h"
#include "daemon/exec.h"
// fuzz-sources: daemon/exec_params.c

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sample {
	char *name;
	bool flag;
	int64_t count;
	uint32_t rows;
	char **argv;
	int color;
	char **env;
	char *path;
	char **roots;
	int custom;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

static int parse_custom(json_t *v, void *dst, char *err, size_t errsz)
{
	if (!json_is_integer(v) || json_integer_value(v) < -3 || json_integer_value(v) > 3) {
		snprintf(err, errsz, "must be an integer from -3 to 3");
		return -EINVAL;
	}
	*(int *)dst = (int)json_integer_value(v);
	return 0;
}

static const struct jd_field fields[] = {
	{ "name", JD_STRING, offsetof(struct sample, name), JD_REQUIRED | JD_NONEMPTY, 0, 16 },
	{ "flag", JD_BOOL, offsetof(struct sample, flag) },
	{ "count", JD_INT64, offsetof(struct sample, count), 0, -1000, 1000 },
	{ "rows", JD_UINT32, offsetof(struct sample, rows), 0, 1, 500 },
	{ "argv", JD_STRV, offsetof(struct sample, argv), JD_NONEMPTY, 0, 8, 32 },
	{ "color", JD_ENUM, offsetof(struct sample, color), 0, 0, 0, 0, colors },
	{ "env", JD_ENV, offsetof(struct sample, env), 0, 0, 8, 64 },
	{ "path", JD_STRING, offsetof(struct sample, path), JD_ABS_PATH, 0, 64 },
	{ "roots", JD_STRV, offsetof(struct sample, roots), JD_ABS_PATH, 0, 4, 64 },
	{ "custom", JD_CUSTOM, offsetof(struct sample, custom), 0, 0, 0, 0, NULL, parse_custom },
};

static void check_message(const char *err, size_t errsz)
{
	size_t n = strnlen(err, errsz);

	if (n == 0 || n == errsz)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			abort();
}

static void check_strv(char **v, size_t max_n, size_t max_len, bool abs_path)
{
	size_t n = 0;

	if (!v)
		return;
	for (; v[n]; n++) {
		if (strlen(v[n]) > max_len)
			abort();
		if (abs_path && !path_is_absolute_normalized(v[n]))
			abort();
	}
	if (n > max_n)
		abort();
}

static void check_sample(const struct sample *s, uint64_t present)
{
	if (!s->name || !*s->name || strlen(s->name) > 16)
		abort();
	if (s->count < -1000 || s->count > 1000)
		abort();
	if (JD_PRESENT(present, 3) ? (s->rows < 1 || s->rows > 500) : s->rows != 0)
		abort();
	if (JD_PRESENT(present, 4) && (!s->argv || !s->argv[0]))
		abort();
	check_strv(s->argv, 8, 32, false);
	if (s->color < 0 || s->color >= (int)ARRAY_SIZE(colors) - 1)
		abort();
	check_strv(s->env, 8, SIZE_MAX, false);
	for (char **e = s->env; e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			abort();
	if (s->path && !path_is_absolute_normalized(s->path))
		abort();
	check_strv(s->roots, 4, 64, true);
	if (s->custom < -3 || s->custom > 3)
		abort();
}

static bool strv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static void fuzz_table(json_t *obj)
{
	struct sample s = { 0 }, t = { 0 };
	uint64_t present = 0, present2 = 0;
	char err[128] = "", err2[128] = "";
	int r, r2;

	r = jd_decode(obj, "params", fields, ARRAY_SIZE(fields), &s, &present, err, sizeof(err));
	r2 = jd_decode(obj, "params", fields, ARRAY_SIZE(fields), &t, &present2, err2,
		       sizeof(err2));
	if (r != r2)
		abort();
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			abort();
		if (r == -EINVAL)
			check_message(err, sizeof(err));
		if (strcmp(err, err2) != 0)
			abort();
		if (s.name || s.argv || s.env || s.path || s.roots)
			abort();
		return;
	}
	check_sample(&s, present);
	if (present != present2 || strcmp(s.name, t.name) != 0 || !strv_equal(s.argv, t.argv) ||
	    !strv_equal(s.env, t.env) || !strv_equal(s.roots, t.roots) || s.count != t.count ||
	    s.flag != t.flag || s.color != t.color)
		abort();
	jd_free(fields, ARRAY_SIZE(fields), &s);
	jd_free(fields, ARRAY_SIZE(fields), &t);
	/* Freeing twice (zeroed by the first) must be harmless. */
	jd_free(fields, ARRAY_SIZE(fields), &s);
}

static void fuzz_exec_start(json_t *obj)
{
	struct exec_request req = { 0 };
	char err[256] = "";
	int r = rpc_exec_decode_start(obj, &req, err, sizeof(err));

	if (r < 0) {
		if (r == -EINVAL)
			check_message(err, sizeof(err));
		else if (r != -ENOMEM)
			abort();
		return;
	}
	if (!req.argv || !req.argv[0] || !req.cwd || !path_is_absolute_normalized(req.cwd))
		abort();
	check_strv(req.argv, CX_MAX_ARGV, CX_MAX_ARG, false);
	check_strv(req.writable_roots, CX_MAX_WRITABLE_ROOTS, CX_MAX_PATH, true);
	if (req.timeout_ms < 0 || req.timeout_ms > CX_MAX_TIMEOUT_MS)
		abort();
	if (req.sandbox < 0 || req.sandbox >= _SANDBOX_MODE_MAX)
		abort();
	exec_request_done(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *obj;

	if (size < 1 || size > CX_MAX_FRAME_DEFAULT)
		return 0;
	obj = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &je);
	if (!obj)
		return 0;
	if (json_is_object(obj)) {
		if (data[0] % 2 == 0)
			fuzz_exec_start(obj);
		else
			fuzz_table(obj);
	}
	json_decref(obj);
	return 0;
}
