/* SPDX-License-Identifier: MIT */
/*
 * Strict, table-driven decoding of a JSON object into a typed C struct
 * (STYLE.md "Hostile input" 3): unknown keys rejected, required keys
 * enforced, every integer range-checked before narrowing, strings bounded
 * (jansson already guarantees valid UTF-8 and, without JSON_ALLOW_NUL, no
 * NUL), arrays count-limited, paths absolute and normalised.  No json_t
 * survives decoding: strings and vectors are copied into the struct.
 *
 * Process: main and client.
 */
#ifndef CX_JDECODE_H
#define CX_JDECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jd_type {
	JD_STRING, /* char *, owned; max = max bytes */
	JD_BOOL,   /* bool */
	JD_INT64,  /* int64_t in [min, max] */
	JD_UINT32, /* uint32_t in [min, max] */
	JD_STRV,   /* char **, NULL-terminated, owned; max = count, elem_max = bytes each */
	JD_ENUM,   /* int, index into names[] (NULL-terminated table) */
	JD_ENV,    /* char ** of "NAME=VALUE" from an object of strings; max = count */
	JD_CUSTOM, /* parse() decides; it may allocate into dst (then free() cleans up) */
	_JD_TYPE_MAX,
};

enum jd_flags {
	JD_REQUIRED = 1 << 0,
	JD_NONEMPTY = 1 << 1, /* strings, vectors */
	JD_ABS_PATH = 1 << 2, /* strings and strv elements: absolute, normalised */
};

struct jd_field {
	const char *name;
	enum jd_type type;
	size_t offset;
	unsigned flags;
	int64_t min, max;
	size_t elem_max;
	const char *const *names;
	/* JD_CUSTOM: returns 0 or -EINVAL with err ("must be ..." without the field name). */
	int (*parse)(json_t *v, void *dst, char *err, size_t errsz);
	void (*free)(void *dst);
};

/*
 * Decode obj (a JSON object) into out (zero-initialised by the caller)
 * according to fields.  `what` prefixes
 * error messages ("params").  *ret_present (optional) gets bit i set for each
 * field i that was present.  Returns 0, or -EINVAL / -ENOMEM with err filled
 * ("params.argv[3]: longer than 131072 bytes").  On failure everything
 * already decoded is freed and out is left zeroed for those fields.
 */
int jd_decode(json_t *obj, const char *what, const struct jd_field *fields, size_t n, void *out,
	      uint64_t *ret_present, char *err, size_t errsz);

/* Free what jd_decode() allocated in out; safe on a zeroed or partial struct. */
void jd_free(const struct jd_field *fields, size_t n, void *out);

#define JD_PRESENT(mask, i) (((mask) >> (i)) & 1)

#endif
