/* SPDX-License-Identifier: MIT */
/*
 * The audit writer and the chain verifier together: records written by
 * daemon/audit.c into a temporary directory, then verified intact, and
 * with one record edited, deleted, reordered, forged (HMAC), or the
 * oldest ones missing; a torn last line left by a crash is cut on the
 * next open; rotation keeps the chain across files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strv.h"
#include "daemon/audit.h"
#include "daemon/audit_conf.h"
#include "daemon/audit_verify.h"
#include "daemon/conf.h"
#include "daemon/daemon.h"

static int strcmp_ptrs(const char **a, const char **b)
{
	return strcmp(*a, *b);
}

struct fixture {
	char dir[64];
	struct daemon d;
	struct daemon_config *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cxaudit.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (conf_defaults(NULL, f->dir, &f->cfg) < 0)
		return -1;
	f->cfg->audit->append_only = false; /* so that the test can edit and remove */
	f->d.cfg = f->cfg;
	f->d.loop = uv_default_loop();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *dd = opendir(f->dir);
	struct dirent *de;

	while (dd && (de = readdir(dd))) {
		char p[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		unlink(p);
	}
	if (dd)
		closedir(dd);
	rmdir(f->dir);
	conf_free(f->cfg);
	free(f);
	return 0;
}

static void write_records(struct fixture *f, int n)
{
	char err[256] = "";

	assert_int_equal(audit_open(&f->d, err, sizeof(err)), 0);
	assert_non_null(f->d.audit);
	for (int i = 0; i < n; i++)
		assert_true(audit_append(f->d.audit, "test.event",
					 json_pack("{s:i, s:s}", "uid", 1000 + i, "note",
						   "a \"quoted\", \\ back\nslash")) > 0);
	audit_close(&f->d);
}

static char **read_lines(const char *path)
{
	FILE *fp = fopen(path, "re");
	char **v = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t n;

	assert_non_null(fp);
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		assert_int_equal(strv_extend(&v, line), 0);
	}
	free(line);
	fclose(fp);
	return v;
}

/* Verify lines from seq from on (0: all); returns the verifier (reason NULL when intact). */
static struct audit_verifier verify_from(char **v, const unsigned char *key, size_t kl,
					 int64_t from, int64_t expect_last)
{
	struct audit_verifier ver;
	uint64_t ln = 0;

	audit_verifier_init(&ver, key, kl);
	ver.from_seq = from;
	for (char **p = v; p && *p; p++)
		if (audit_verifier_line(&ver, "audit.jsonl", ++ln, *p, strlen(*p)) > 0)
			break;
	audit_verifier_end(&ver, expect_last);
	return ver;
}

static struct audit_verifier verify(char **v, const unsigned char *key, size_t kl,
				    int64_t expect_last)
{
	return verify_from(v, key, kl, 0, expect_last);
}

static char *log_path(struct fixture *f)
{
	char *p;
	assert_true(asprintf(&p, "%s/audit.jsonl", f->dir) > 0);
	return p;
}

static void test_intact(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;

	write_records(f, 6);
	v = read_lines(p);
	assert_int_equal(strv_length(v), 6);
	ver = verify(v, NULL, 0, 6);
	assert_false(ver.failed);
	assert_int_equal(ver.records, 6);
	assert_int_equal(ver.first_seq, 1);
	assert_int_equal(ver.last_seq, 6);
	/* The first record starts the chain with 64 zeros. */
	assert_non_null(strstr(v[0], "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
	/* Reopening continues the chain. */
	write_records(f, 2);
	strv_free(v);
	v = read_lines(p);
	ver = verify(v, NULL, 0, 8);
	assert_false(ver.failed);
	assert_int_equal(ver.last_seq, 8);
}

/*
 * Fields of any size, near the bound and past it (cut, as one string), and
 * fields named like the record's own keys (left out): the records stay
 * whole, within AUDIT_MAX_RECORD, and chained.
 */
static void test_field_sizes(void **state)
{
	static const size_t sizes[] = { 0, 10, AUDIT_MAX_RECORD - 1400, AUDIT_MAX_RECORD - 1100,
					 AUDIT_MAX_RECORD - 1000, AUDIT_MAX_RECORD, 3 * AUDIT_MAX_RECORD };
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;
	char err[256] = "";
	size_t n = sizeof(sizes) / sizeof(sizes[0]);

	assert_int_equal(audit_open(&f->d, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++) {
		char *big = malloc(sizes[i] + 1);
		assert_non_null(big);
		memset(big, 'a', sizes[i]);
		big[sizes[i]] = '\0';
		assert_true(audit_append(f->d.audit, "test.big",
					 json_pack("{s:s, s:i}", "data", big, "i", (int)i)) > 0);
		free(big);
	}
	assert_true(audit_append(f->d.audit, "test.reserved",
				 json_pack("{s:i, s:s, s:s}", "seq", 999, "hash", "forged", "ok",
					   "yes")) > 0);
	audit_close(&f->d);
	v = read_lines(p);
	assert_int_equal(strv_length(v), n + 1);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loads(v[i], 0, NULL);
		/* The fields' own size decides: {"data":"...","i":N} */
		bool cut = sizes[i] + 20 > AUDIT_MAX_RECORD - 1024;

		assert_non_null(o);
		assert_true(strlen(v[i]) < AUDIT_MAX_RECORD);
		assert_int_equal(json_is_true(json_object_get(o, "truncated")), cut);
		assert_int_equal(json_object_get(o, "fields_prefix") != NULL, cut);
		assert_int_equal(json_object_get(o, "data") != NULL, !cut);
		json_decref(o);
	}
	{
		json_t *o = json_loads(v[n], 0, NULL);
		assert_non_null(o);
		assert_int_equal(json_integer_value(json_object_get(o, "seq")), (json_int_t)n + 1);
		assert_string_equal(json_string_value(json_object_get(o, "ok")), "yes");
		assert_string_not_equal(json_string_value(json_object_get(o, "hash")), "forged");
		json_decref(o);
	}
	ver = verify(v, NULL, 0, (int64_t)n + 1);
	assert_false(ver.failed);
}

static void test_edited(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;
	char *at;

	write_records(f, 6);
	v = read_lines(p);
	/* One byte: uid 1002 -> 1003 in record 3. */
	at = strstr(v[2], "\"uid\":1002");
	assert_non_null(at);
	at[9] = '3';
	ver = verify(v, NULL, 0, 6);
	assert_true(ver.failed);
	assert_string_equal(ver.reason, "edited");
	assert_int_equal(ver.bad_seq, 3);
	assert_int_equal(ver.bad_line, 3);
	/* A byte that breaks the JSON: still named by position. */
	strv_free(v);
	v = read_lines(p);
	v[3][0] = '[';
	ver = verify(v, NULL, 0, 6);
	assert_string_equal(ver.reason, "malformed");
	assert_int_equal(ver.bad_seq, 4);
	assert_int_equal(ver.bad_line, 4);
}

static void test_deleted(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;

	write_records(f, 6);
	v = read_lines(p);
	free(v[2]);
	memmove(&v[2], &v[3], 4 * sizeof(char *)); /* record 3 gone */
	ver = verify(v, NULL, 0, 6);
	assert_true(ver.failed);
	assert_string_equal(ver.reason, "deleted");
	assert_int_equal(ver.bad_seq, 3);
	/* The last record gone: only the daemon's own count tells. */
	strv_free(v);
	v = read_lines(p);
	free(v[5]);
	v[5] = NULL;
	ver = verify(v, NULL, 0, 0);
	assert_false(ver.failed);
	ver = verify(v, NULL, 0, 6);
	assert_true(ver.failed);
	assert_string_equal(ver.reason, "deleted");
	assert_int_equal(ver.bad_seq, 6);
	/* The first ones gone without an audit.retention record. */
	strv_free(v);
	v = read_lines(p);
	free(v[0]);
	free(v[1]);
	memmove(&v[0], &v[2], 5 * sizeof(char *));
	ver = verify(v, NULL, 0, 6);
	assert_true(ver.failed);
	assert_string_equal(ver.reason, "deleted");
	assert_int_equal(ver.bad_seq, 2);
}

static void test_reordered(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;
	char *t;

	write_records(f, 6);
	v = read_lines(p);
	t = v[3];
	v[3] = v[4];
	v[4] = t;
	ver = verify(v, NULL, 0, 6);
	assert_true(ver.failed);
	assert_string_equal(ver.reason, "reordered");
	assert_int_equal(ver.bad_seq, 4);
	/* A record repeated. */
	strv_free(v);
	v = read_lines(p);
	free(v[4]);
	v[4] = strdup(v[2]);
	ver = verify(v, NULL, 0, 6);
	assert_string_equal(ver.reason, "reordered");
	assert_int_equal(ver.bad_seq, 3);
}

static void test_hmac(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	unsigned char key[32], other[32];
	struct audit_verifier ver;
	char *at;

	memset(key, 0x5a, sizeof(key));
	memset(other, 0xa5, sizeof(other));
	f->cfg->audit->key = malloc(sizeof(key));
	assert_non_null(f->cfg->audit->key);
	memcpy(f->cfg->audit->key, key, sizeof(key));
	f->cfg->audit->key_len = sizeof(key);
	write_records(f, 4);
	v = read_lines(p);
	assert_non_null(strstr(v[0], "\",\"hmac\":\""));
	ver = verify(v, key, sizeof(key), 4);
	assert_false(ver.failed);
	ver = verify(v, other, sizeof(other), 4);
	assert_string_equal(ver.reason, "hmac_mismatch");
	assert_int_equal(ver.bad_seq, 1);
	/* Without a key the chain alone still verifies. */
	ver = verify(v, NULL, 0, 4);
	assert_false(ver.failed);
	/* A record stripped of its HMAC. */
	at = strstr(v[1], ",\"hmac\":\"");
	strcpy(at, "}");
	ver = verify(v, key, sizeof(key), 4);
	assert_string_equal(ver.reason, "hmac_missing");
	assert_int_equal(ver.bad_seq, 2);
}

static void test_torn_tail_is_cut(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;
	FILE *fp;

	write_records(f, 3);
	fp = fopen(p, "ae");
	assert_non_null(fp);
	fputs("{\"seq\":4,\"time\":\"2026", fp); /* a crash in the middle of a write */
	fclose(fp);
	write_records(f, 1);
	v = read_lines(p);
	assert_int_equal(strv_length(v), 5); /* 3 + audit.recovered + 1 */
	assert_non_null(strstr(v[3], "\"event\":\"audit.recovered\""));
	ver = verify(v, NULL, 0, 5);
	assert_false(ver.failed);
}

/* Helpers for test_verify_from: the lines of record i (seq i + 1, uid 1000 + i). */
static void reread(char ***v, const char *p)
{
	strv_free(*v);
	*v = read_lines(p);
}

static void edit_uid(char **v, int i, char digit)
{
	char want[32];
	char *at;

	snprintf(want, sizeof(want), "\"uid\":%d", 1000 + i);
	at = strstr(v[i], want);
	assert_non_null(at);
	at[9] = digit;
}

static void drop_line(char **v, size_t i)
{
	free(v[i]);
	memmove(&v[i], &v[i + 1], (strv_length(v + i + 1) + 1) * sizeof(char *));
}

static void assert_bad(const struct audit_verifier *ver, const char *reason, int64_t seq)
{
	assert_true(ver->failed);
	assert_string_equal(ver->reason, reason);
	assert_int_equal(ver->bad_seq, seq);
}

static void test_verify_from(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = log_path(f);
	_cleanup_strv_free_ char **v = NULL;
	struct audit_verifier ver;

	write_records(f, 8);
	v = read_lines(p);
	/* Records before the start are not checked: an edit there goes unseen ... */
	edit_uid(v, 1, '9');
	ver = verify_from(v, NULL, 0, 4, 8);
	assert_false(ver.failed);
	assert_int_equal(ver.records, 5);
	assert_int_equal(ver.first_seq, 4);
	assert_int_equal(ver.last_seq, 8);
	/* ... and the full verification still finds it. */
	ver = verify(v, NULL, 0, 8);
	assert_bad(&ver, "edited", 2);
	/* From the start on, everything is checked as before. */
	reread(&v, p);
	edit_uid(v, 5, '0');
	ver = verify_from(v, NULL, 0, 4, 8);
	assert_bad(&ver, "edited", 6);
	/* The starting record itself deleted: the records from it on are incomplete. */
	reread(&v, p);
	drop_line(v, 3);
	ver = verify_from(v, NULL, 0, 4, 8);
	assert_bad(&ver, "deleted", 4);
	/* A later one deleted, and the tail. */
	reread(&v, p);
	drop_line(v, 6);
	ver = verify_from(v, NULL, 0, 4, 8);
	assert_bad(&ver, "deleted", 7);
	reread(&v, p);
	drop_line(v, 7);
	ver = verify_from(v, NULL, 0, 4, 8);
	assert_bad(&ver, "deleted", 8);
}

static void test_rotation_keeps_chain(void **state)
{
	struct fixture *f = *state;
	_cleanup_strv_free_ char **all = NULL;
	struct audit_verifier ver;
	char **names = NULL;
	DIR *dd;
	struct dirent *de;
	uint64_t ln;

	f->cfg->audit->max_file_bytes = 4096;
	f->cfg->audit->max_files = 0; /* keep them all */
	write_records(f, 60);
	dd = opendir(f->dir);
	assert_non_null(dd);
	while ((de = readdir(dd)))
		if (strncmp(de->d_name, "audit.jsonl.", 12) == 0)
			assert_int_equal(strv_extend(&names, de->d_name), 0);
	closedir(dd);
	assert_true(strv_length(names) >= 3);
	qsort(names, strv_length(names), sizeof(char *),
	      (int (*)(const void *, const void *))strcmp_ptrs);
	assert_int_equal(strv_extend(&names, "audit.jsonl"), 0);
	audit_verifier_init(&ver, NULL, 0);
	for (char **n = names; *n; n++) {
		char path[512];
		_cleanup_strv_free_ char **v = NULL;
		snprintf(path, sizeof(path), "%s/%s", f->dir, *n);
		v = read_lines(path);
		ln = 0;
		if (n != names)
			assert_non_null(strstr(v[0], "\"event\":\"audit.rotate\""));
		for (char **l = v; *l; l++)
			assert_int_equal(audit_verifier_line(&ver, *n, ++ln, *l, strlen(*l)), 0);
	}
	assert_int_equal(audit_verifier_end(&ver, 0), 0);
	assert_int_equal(ver.first_seq, 1);
	assert_true(ver.records > 60);
	strv_free(names);
	(void)all;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hmac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_keeps_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_from, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
