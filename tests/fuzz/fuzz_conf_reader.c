/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the configuration reader (common/conf_reader.c).
 *
 * Besides crashes and leaks, it aborts when a property fails:
 *   - -ENOTRECOVERABLE: inih read a line differently from the reader's
 *     model of inih (the one thing that must never happen);
 *   - a failed parse left the document changed, or left no message, or a
 *     message with control characters or invalid UTF-8;
 *   - an accepted file, written out again in canonical form, parses back
 *     to the same entries (unless the canonical form outgrows a limit).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	char *p;
	size_t n, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		size_t cap = (o->n + n + 1) * 2;
		char *q = realloc(o->p, cap);

		if (!q)
			abort();
		o->p = q;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void out_value(struct out *o, const struct conf_value *v)
{
	char buf[32];

	switch (v->type) {
	case CONF_TYPE_STRING:
		out_str(o, "\"");
		for (const unsigned char *s = (const unsigned char *)v->str; *s; s++) {
			if (*s == '"' || *s == '\\') {
				out_str(o, "\\");
				out_add(o, (const char *)s, 1);
			} else if (*s < 0x20 || *s == 0x7f) {
				snprintf(buf, sizeof(buf), "\\u%04X", *s);
				out_str(o, buf);
			} else
				out_add(o, (const char *)s, 1);
		}
		out_str(o, "\"");
		break;
	case CONF_TYPE_BOOL:
		out_str(o, v->boolean ? "true" : "false");
		break;
	case CONF_TYPE_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, v->integer);
		out_str(o, buf);
		break;
	case CONF_TYPE_ARRAY:
		out_str(o, "[");
		for (size_t i = 0; i < v->array.n_items; i++) {
			if (i > 0)
				out_str(o, ", ");
			out_value(o, &v->array.items[i]);
		}
		out_str(o, "]");
		break;
	default:
		abort();
	}
}

static bool same_value(const struct conf_value *a, const struct conf_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CONF_TYPE_STRING:
		return strcmp(a->str, b->str) == 0;
	case CONF_TYPE_BOOL:
		return a->boolean == b->boolean;
	case CONF_TYPE_INT:
		return a->integer == b->integer;
	case CONF_TYPE_ARRAY:
		if (a->array.n_items != b->array.n_items)
			return false;
		for (size_t i = 0; i < a->array.n_items; i++)
			if (!same_value(&a->array.items[i], &b->array.items[i]))
				return false;
		return true;
	default:
		return false;
	}
}

static void check_message(const char *err)
{
	size_t n = strlen(err);

	if (n == 0 || !utf8_is_valid(err, n))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			abort();
}

/* Entries [from, n) of doc written out canonically, parsed again. */
static void check_round_trip(const struct conf_doc *doc, size_t from)
{
	struct conf_doc *again = conf_doc_new();
	struct out o = {0};
	const char *section = "";
	char err[512];
	size_t n = conf_doc_n_entries(doc);
	int r;

	if (!again)
		abort();
	out_str(&o, "");
	for (size_t i = from; i < n; i++) {
		const struct conf_entry *e = conf_doc_entry(doc, i);
		const char *kp[] = {e->key};
		char *key = NULL;

		if (strcmp(e->section, section) != 0) {
			out_str(&o, "[");
			out_str(&o, e->section);
			out_str(&o, "]\n");
			section = e->section;
		}
		if (conf_section_join(kp, 1, &key) < 0)
			abort();
		out_str(&o, key);
		free(key);
		out_str(&o, " = ");
		out_value(&o, &e->value);
		out_str(&o, "\n");
	}
	r = conf_parse_buffer(o.p, o.n, "again.conf", again, err, sizeof(err));
	if (r < 0) {
		/* The canonical form can be longer than the original. */
		if (r != -EINVAL || !(strstr(err, "too long") || strstr(err, "inside a quoted")))
			abort();
	} else {
		if (conf_doc_n_entries(again) != n - from)
			abort();
		for (size_t i = from; i < n; i++) {
			const struct conf_entry *a = conf_doc_entry(doc, i);
			const struct conf_entry *b = conf_doc_entry(again, i - from);

			if (strcmp(a->section, b->section) != 0 || strcmp(a->key, b->key) != 0 ||
			    a->n_section_parts != b->n_section_parts ||
			    !same_value(&a->value, &b->value))
				abort();
		}
	}
	free(o.p);
	conf_doc_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char base[] = "[daemon]\nk = 1\nl = [\"x\"]\n";
	struct conf_doc *doc = conf_doc_new();
	char err[512] = "";
	size_t n0;
	int r;

	if (!doc)
		return 0;
	if (conf_parse_buffer(base, sizeof(base) - 1, "base.conf", doc, err, sizeof(err)) < 0)
		abort();
	n0 = conf_doc_n_entries(doc);

	r = conf_parse_buffer((const char *)data, size, "fuzz.conf", doc, err, sizeof(err));
	if (r == -ENOTRECOVERABLE)
		abort();
	if (r < 0) {
		if (conf_doc_n_entries(doc) != n0)
			abort();
		check_message(err);
	} else {
		for (size_t i = 0; i < conf_doc_n_entries(doc); i++) {
			const struct conf_entry *e = conf_doc_entry(doc, i);
			const struct conf_entry *last = conf_doc_get(doc, e->section, e->key);
			char *joined = NULL, **v = NULL;
			const char *s;
			int64_t x;
			bool b;

			if (!last || strcmp(last->key, e->key) != 0)
				abort();
			if (conf_section_join(e->section_parts, e->n_section_parts, &joined) < 0 ||
			    strcmp(joined, e->section) != 0)
				abort();
			free(joined);
			if (conf_entry_get_string(e, &s, err, sizeof(err)) < 0)
				check_message(err);
			if (conf_entry_get_bool(e, &b, err, sizeof(err)) < 0)
				check_message(err);
			if (conf_entry_get_int(e, -5, 5, &x, err, sizeof(err)) < 0)
				check_message(err);
			if (conf_entry_get_strv(e, &v, err, sizeof(err)) < 0)
				check_message(err);
			else
				strv_free(v);
		}
		check_round_trip(doc, n0);
	}
	conf_doc_free(doc);
	return 0;
}
