/* SPDX-License-Identifier: MIT */
/* [network] allow_unix_sockets after the layers (daemon/unix_allow.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/conf_reader.h"
#include "common/strv.h"
#include "daemon/conf.h"
#include "daemon/unix_allow.h"

static struct conf_doc *doc(const char *text)
{
	struct conf_doc *d = conf_doc_new();
	char err[256];

	assert_non_null(d);
	if (conf_parse_buffer(text, strlen(text), "user.toml", d, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return d;
}

static void test_off_by_default(void **state)
{
	struct daemon_config *cfg = NULL;
	char **list = NULL, **warnings = NULL, err[256];
	bool on = true;

	(void)state;
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	assert_int_equal(unix_allow_build(cfg, NULL, NULL, &on, &list, &warnings, err, sizeof(err)),
			 0);
	assert_false(on);
	assert_null(list);
	assert_null(warnings);
	conf_free(cfg);
}

static void test_managed_and_user(void **state)
{
	struct daemon_config *cfg = NULL;
	char **list = NULL, **warnings = NULL, err[256];
	struct conf_doc *user =
		doc("[network]\nallow_unix_sockets = [\"/run/b.sock\", \"/home/u/x.sock\"]\n");
	struct conf_doc *project = doc("[network]\nallow_unix_sockets = []\n");
	bool on = false;

	(void)state;
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	/* Managed only, an empty list: on, nothing allowed. */
	cfg->net_unix_sockets = strv_copy((char *[]){NULL});
	assert_int_equal(unix_allow_build(cfg, NULL, NULL, &on, &list, &warnings, err, sizeof(err)),
			 0);
	assert_true(on);
	assert_non_null(list);
	assert_int_equal(strv_length(list), 0);
	strv_free(list);
	strv_free(cfg->net_unix_sockets);

	/* The user keeps what the managed list has; the rest is a warning. */
	cfg->net_unix_sockets =
		strv_copy((char *[]){(char *)"/run/a.sock", (char *)"/run/b.sock", NULL});
	assert_int_equal(unix_allow_build(cfg, user, NULL, &on, &list, &warnings, err, sizeof(err)),
			 0);
	assert_true(on);
	assert_int_equal(strv_length(list), 1);
	assert_string_equal(list[0], "/run/b.sock");
	assert_int_equal(strv_length(warnings), 1);
	assert_non_null(strstr(warnings[0], "/home/u/x.sock"));
	strv_free(list);
	strv_free(warnings);
	warnings = NULL;

	/* A project layer narrows further. */
	assert_int_equal(
		unix_allow_build(cfg, user, project, &on, &list, &warnings, err, sizeof(err)), 0);
	assert_true(on);
	assert_int_equal(strv_length(list), 0);
	strv_free(list);
	strv_free(warnings);
	warnings = NULL;

	/* Without a managed list, the user's key turns the allowlist on, allowing nothing. */
	strv_free(cfg->net_unix_sockets);
	cfg->net_unix_sockets = NULL;
	assert_int_equal(unix_allow_build(cfg, user, NULL, &on, &list, &warnings, err, sizeof(err)),
			 0);
	assert_true(on);
	assert_int_equal(strv_length(list), 0);
	assert_int_equal(strv_length(warnings), 2);
	strv_free(list);
	strv_free(warnings);
	conf_doc_free(user);
	conf_doc_free(project);
	conf_free(cfg);
}

static void test_bad_user_entries(void **state)
{
	struct daemon_config *cfg = NULL;
	char **list = NULL, **warnings = NULL, err[256] = "";
	struct conf_doc *rel = doc("[network]\nallow_unix_sockets = [\"run/x.sock\"]\n");
	struct conf_doc *type = doc("[network]\nallow_unix_sockets = \"/run/x.sock\"\n");
	bool on = false;

	(void)state;
	assert_int_equal(conf_defaults(NULL, "/tmp", &cfg), 0);
	assert_int_equal(unix_allow_build(cfg, rel, NULL, &on, &list, &warnings, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "user.toml:2:"));
	assert_non_null(strstr(err, "absolute"));
	err[0] = '\0';
	assert_int_equal(unix_allow_build(cfg, type, NULL, &on, &list, &warnings, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "user.toml:2"));
	assert_null(list);
	strv_free(warnings);
	conf_doc_free(rel);
	conf_doc_free(type);
	conf_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_managed_and_user),
		cmocka_unit_test(test_bad_user_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
