/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the daemon's configuration keys for approvals and
 * requirements (daemon/conf.c), read from real files (root-owned, as
 * managed files must be: these tests run as root with the rest of
 * `make check`, and skip otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_file.h"

static void test_defaults(void **state)
{
	struct daemon_config *c;
	char err[256] = "";

	(void)state;
	NEED_ROOT();
	assert_int_equal(load_conf("", &c, err, sizeof(err)), 0);
	assert_int_equal(c->approval.policy, APPROVAL_ON_REQUEST);
	assert_false(c->approval_set);
	assert_false(c->sandbox_mode_set);
	assert_int_equal(c->approvals_timeout_ms, 300000);
	assert_null(c->reviewer);
	assert_string_equal(c->reviewer_user, "nobody");
	assert_true(c->user_layers);
	assert_true(c->user_writable_roots);
	assert_true(c->user_network_access);
	assert_int_equal(c->allowed_sandbox_modes, 0);
	conf_free(c);
}

static void test_approval_policy(void **state)
{
	struct daemon_config *c;
	char err[256] = "";

	(void)state;
	NEED_ROOT();
	assert_int_equal(load_conf("approval_policy = \"full-auto\"\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c->approval.policy, APPROVAL_NEVER);
	assert_true(c->approval.forbid_escalation);
	assert_true(c->approval_set);
	conf_free(c);

	assert_int_equal(load_conf("approval_policy = \"sometimes\"\n", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "codexd.conf:1"));
	assert_non_null(strstr(err, "approval_policy"));
}

static void test_granular(void **state)
{
	struct daemon_config *c;
	char err[256] = "";

	(void)state;
	NEED_ROOT();
	assert_int_equal(load_conf("[approval_policy.granular]\nrules = true\nsandbox_approval = false\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c->approval.policy, APPROVAL_GRANULAR);
	assert_true(c->approval.granular.rules);
	assert_false(c->approval.granular.sandbox_approval);
	assert_true(c->approval_set);
	conf_free(c);

	assert_int_equal(load_conf("approval_policy = \"never\"\n[approval_policy.granular]\nrules = "
			      "true\n",
			      &c, err, sizeof(err)),
			 -EINVAL);
	/* TOML itself forbids a key and a table of the same name. */
	assert_non_null(strstr(err, "approval_policy"));
	assert_int_equal(load_conf("[approval_policy.granular]\ncolour = true\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "codexd.conf:2"));
}

static void test_requirements(void **state)
{
	struct daemon_config *c;
	char err[256] = "";

	(void)state;
	NEED_ROOT();
	/* A default the requirements exclude becomes the strictest allowed value. */
	assert_int_equal(load_conf("[requirements]\nallowed_sandbox_modes = [\"read-only\"]\n"
			      "allowed_approval_policies = [\"untrusted\", \"on-request\"]\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c->allowed_sandbox_modes, 1u << SANDBOX_READ_ONLY);
	assert_int_equal(c->sandbox_mode, SANDBOX_READ_ONLY);
	assert_int_equal(c->approval.policy, APPROVAL_ON_REQUEST);
	conf_free(c);

	/* A value the administrator wrote must be allowed. */
	assert_int_equal(load_conf("sandbox_mode = \"workspace-write\"\n[requirements]\n"
			      "allowed_sandbox_modes = [\"read-only\"]\n",
			      &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "codexd.conf:1"));
	assert_int_equal(load_conf("[requirements]\nallowed_sandbox_modes = [\"sometimes\"]\n", &c, err,
			      sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "codexd.conf:2"));
	assert_int_equal(load_conf("[requirements]\nallowed_sandbox_modes = []\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(load_conf("[requirements]\nuser_layers = 1\n", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(load_conf("[requirements]\nuser_layer = false\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown key"));
}

static void test_reviewer(void **state)
{
	struct daemon_config *c;
	char err[512] = "", text[256], prog[sizeof(dir) + 32];
	FILE *f;

	(void)state;
	NEED_ROOT();
	snprintf(prog, sizeof(prog), "%s/reviewer", dir);
	f = fopen(prog, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho '{\"decision\":\"deny\"}'\n", f);
	fclose(f);
	assert_int_equal(chmod(prog, 0755), 0);
	snprintf(text, sizeof(text), "[approvals]\nreviewer = \"%s\"\nreviewer_timeout_ms = 500\n",
		 prog);
	assert_int_equal(load_conf(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c->reviewer, prog);
	assert_int_equal(c->reviewer_timeout_ms, 500);
	assert_int_not_equal(c->reviewer_uid, 0);
	conf_free(c);

	/* Writable by others: whoever can change it answers every approval. */
	assert_int_equal(chmod(prog, 0757), 0);
	assert_int_equal(load_conf(text, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "owned by root"));
	assert_int_equal(chmod(prog, 0755), 0);

	snprintf(text, sizeof(text), "[approvals]\nreviewer = \"%s\"\nreviewer_user = \"root\"\n",
		 prog);
	assert_int_equal(load_conf(text, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "root"));
	snprintf(text, sizeof(text),
		 "[approvals]\nreviewer = \"%s\"\nreviewer_user = \"cx-no-such-user\"\n", prog);
	assert_int_equal(load_conf(text, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no such user"));
	assert_int_equal(load_conf("[approvals]\nreviewer = \"/nonexistent/reviewer\"\n", &c, err,
			      sizeof(err)),
			 -EINVAL);
	assert_int_equal(load_conf("[approvals]\ntimeout_ms = 5\n", &c, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	cmocka_unit_test(test_approval_policy),
		cmocka_unit_test(test_granular),	cmocka_unit_test(test_requirements),
		cmocka_unit_test(test_reviewer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
