/* SPDX-License-Identifier: MIT */
/* Unit tests: the record stream of the user-files helper (daemon/user_files.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/user_files.h"

struct hdr {
	uint32_t magic, kind, name_len, data_len;
};

static size_t put(char *buf, size_t off, uint32_t kind, const char *name, const char *data)
{
	struct hdr h = { 0x43585546u, kind, (uint32_t)strlen(name), (uint32_t)strlen(data) };

	memcpy(buf + off, &h, sizeof(h));
	off += sizeof(h);
	memcpy(buf + off, name, h.name_len);
	off += h.name_len;
	memcpy(buf + off, data, h.data_len);
	return off + h.data_len;
}

static void test_roundtrip(void **state)
{
	char buf[4096];
	size_t n = 0;
	struct user_files f;

	(void)state;
	n = put(buf, n, 1, "/home/u", "");
	n = put(buf, n, 2, "/home/u/.codex/config.toml", "sandbox_mode = \"read-only\"\n");
	n = put(buf, n, 3, "/home/u/.codex/rules/a.rules", "prefix_rule([\"ls\"])\n");
	n = put(buf, n, 3, "/home/u/.codex/rules/b.rules", "");
	n = put(buf, n, 4, "/home/u/p", "");
	n = put(buf, n, 5, "/home/u/p/.codex/config.toml", "x = 1\n");
	n = put(buf, n, 6, "/home/u/p/.codex/rules/c.rules", "");
	n = put(buf, n, 7, "git", "/usr/bin/git");
	n = put(buf, n, 7, "odd", "relative/path");
	n = put(buf, n, 8, "/home/u/.codex/rules/x.rules", "Permission denied");
	n = put(buf, n, 9, "", "");
	assert_int_equal(user_files_parse(buf, n, &f), 0);
	assert_string_equal(f.home, "/home/u");
	assert_string_equal(f.user_config.text, "sandbox_mode = \"read-only\"\n");
	assert_int_equal(f.n_user_rules, 2);
	assert_string_equal(f.user_rules[0].name, "/home/u/.codex/rules/a.rules");
	assert_string_equal(f.project_root, "/home/u/p");
	assert_int_equal(f.n_project_rules, 1);
	assert_string_equal(f.resolved[0], "git");
	assert_string_equal(f.resolved[1], "/usr/bin/git");
	assert_null(f.resolved[2]); /* the relative one is dropped */
	assert_non_null(strstr(f.error, "Permission denied"));
	{
		struct user_files *p = malloc(sizeof(*p));
		*p = f;
		user_files_free(p);
	}
}

static void test_malformed(void **state)
{
	char buf[256];
	size_t n = 0;
	struct user_files f;
	struct hdr h = { 0x43585546u, 2, 1000, 0 };

	(void)state;
	/* No END record: a helper that died half-way is not trusted. */
	n = put(buf, 0, 1, "/home/u", "");
	assert_int_equal(user_files_parse(buf, n, &f), -EPROTO);
	/* A length pointing past the end. */
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(user_files_parse(buf, sizeof(h), &f), -EPROTO);
	/* Bad magic, bad kind, truncated header. */
	h.magic = 1;
	h.name_len = 0;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(user_files_parse(buf, sizeof(h), &f), -EPROTO);
	h.magic = 0x43585546u;
	h.kind = 99;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(user_files_parse(buf, sizeof(h), &f), -EPROTO);
	assert_int_equal(user_files_parse(buf, 7, &f), -EPROTO);
	assert_int_equal(user_files_parse(buf, 0, &f), -EPROTO);
}

/* Answers are framed by their UF_END record. */
static void test_frame_len(void **state)
{
	char buf[4096];
	size_t a, n;

	(void)state;
	a = put(buf, 0, 1, "/home/u", "");
	n = put(buf, a, 9, "", ""); /* UF_END */
	assert_int_equal(user_files_frame_len(buf, a), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(user_files_frame_len(buf, i), 0);
	assert_int_equal(user_files_frame_len(buf, n), (ssize_t)n);
	/* Whatever follows belongs to no request: the caller sees n, not n + more. */
	memcpy(buf + n, buf, a);
	assert_int_equal(user_files_frame_len(buf, n + a), (ssize_t)n);
	buf[0] ^= 1; /* bad magic */
	assert_int_equal(user_files_frame_len(buf, n), -EPROTO);
	buf[0] ^= 1;
	{
		struct hdr h = { 0x43585546u, 2, 4, 0xfffffff0u };
		memcpy(buf, &h, sizeof(h));
		assert_int_equal(user_files_frame_len(buf, sizeof(h)), -EPROTO);
		h.data_len = 4 * 1024 * 1024;
		memcpy(buf, &h, sizeof(h));
		assert_true(user_files_frame_len(buf, sizeof(h)) <= 0);
	}
}

/* A request survives encoding; malformed bodies are refused. */
static void test_request_roundtrip(void **state)
{
	char git[] = "git", ls[] = "ls";
	char *const progs[] = { git, ls, NULL };
	struct user_files_request in = { .home = "/home/u", .cwd = "/home/u/p",
					 .programs = progs, .path = "/usr/bin:/bin" },
				  out;
	const char **dp = NULL;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(user_files_request_encode(&in, &buf, &len), 0);
	assert_true(len > 8);
	/* The body follows an 8-byte header (magic, length). */
	assert_int_equal(user_files_request_decode(buf + 8, len - 8, &out, &dp), 0);
	assert_string_equal(out.home, "/home/u");
	assert_string_equal(out.cwd, "/home/u/p");
	assert_string_equal(out.path, "/usr/bin:/bin");
	assert_null(out.append_rule);
	assert_string_equal(out.programs[0], "git");
	assert_string_equal(out.programs[1], "ls");
	assert_null(out.programs[2]);
	free(dp);
	/* Truncated anywhere: refused. */
	for (size_t cut = 0; cut < len - 8; cut++) {
		dp = NULL;
		assert_int_equal(user_files_request_decode(buf + 8, cut, &out, &dp), -EPROTO);
		assert_null(dp);
	}
	/* Trailing bytes, unknown flags, absurd program counts: refused. */
	{
		char *t = malloc(len + 1);
		assert_non_null(t);
		memcpy(t, buf + 8, len - 8);
		t[len - 8] = 'x';
		assert_int_equal(user_files_request_decode(t, len - 7, &out, &dp), -EPROTO);
		t[0] |= 0x80;
		assert_int_equal(user_files_request_decode(t, len - 8, &out, &dp), -EPROTO);
		t[0] &= 0x7f;
		memset(t + 4, 0xff, 4);
		assert_int_equal(user_files_request_decode(t, len - 8, &out, &dp), -EPROTO);
		free(t);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_frame_len),
		cmocka_unit_test(test_request_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
