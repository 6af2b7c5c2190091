/* SPDX-License-Identifier: MIT */
/* Unit tests: configuration layers and managed requirements (policy/layers.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "common/strv.h"
#include "policy/layers.h"

#define S(x) ((char[]){ x })

static struct conf_doc *doc(const char *name, const char *text)
{
	struct conf_doc *d = conf_doc_new();
	char err[256];

	assert_non_null(d);
	if (conf_parse_buffer(text, strlen(text), name, d, err, sizeof(err)) < 0)
		fail_msg("parse %s: %s", name, err);
	return d;
}

static struct layers_managed managed(void)
{
	return (struct layers_managed){
		.sandbox_mode = SANDBOX_WORKSPACE_WRITE,
		.approval = { .policy = APPROVAL_ON_REQUEST },
		.user_writable_roots = true,
		.user_network_access = true,
		.user_layers = true,
	};
}

static void resolve_ok(const struct layers_managed *m, const struct layers_input *in,
		       struct layers_effective *e)
{
	char err[256];

	if (layers_resolve(m, in, e, err, sizeof(err)) < 0)
		fail_msg("resolve: %s", err);
}

static void test_defaults(void **state)
{
	struct layers_managed m = managed();
	struct layers_input in = { 0 };
	struct layers_effective e;

	(void)state;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE);
	assert_string_equal(e.sandbox_origin, "default");
	assert_int_equal(e.approval.policy, APPROVAL_ON_REQUEST);
	assert_false(e.network_access);
	assert_null(e.warnings);
	layers_effective_done(&e);
}

static void test_precedence(void **state)
{
	struct layers_managed m = managed();
	struct conf_doc *user = doc("user.toml", "sandbox_mode = \"read-only\"\n"
						 "approval_policy = \"untrusted\"\n"
						 "[sandbox_workspace_write]\nnetwork_access = true\n");
	struct conf_doc *proj = doc("proj.toml", "sandbox_mode = \"danger-full-access\"\n");
	struct layers_input in = { .user = user };
	struct layers_effective e;

	(void)state;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_READ_ONLY);
	assert_string_equal(e.sandbox_origin, "user");
	assert_int_equal(e.approval.policy, APPROVAL_UNTRUSTED);
	assert_true(e.network_access);
	layers_effective_done(&e);

	/* The project is above the user. */
	in.project = proj;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_DANGER_FULL_ACCESS);
	assert_string_equal(e.sandbox_origin, "project");
	layers_effective_done(&e);

	/* A key the administrator set wins over both... */
	m.sandbox_mode_set = true;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE);
	assert_string_equal(e.sandbox_origin, "managed");
	layers_effective_done(&e);
	conf_doc_free(user);
	conf_doc_free(proj);
}

static void test_request_stricter_or_looser(void **state)
{
	struct layers_managed m = managed();
	struct layers_input in = { .has_sandbox = true, .sandbox = SANDBOX_READ_ONLY };
	struct layers_effective e;

	(void)state;
	m.sandbox_mode_set = true;
	/* ...but a request may always be stricter... */
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_READ_ONLY);
	assert_string_equal(e.sandbox_origin, "request");
	layers_effective_done(&e);

	/* ...and looser only when the administrator did not set the key. */
	in.sandbox = SANDBOX_DANGER_FULL_ACCESS;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE);
	assert_non_null(e.warnings);
	assert_non_null(strstr(e.warnings[0], "looser than the managed"));
	layers_effective_done(&e);

	m.sandbox_mode_set = false;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_DANGER_FULL_ACCESS);
	layers_effective_done(&e);

	/* Approvals likewise: never is looser than a managed untrusted. */
	m.approval = (struct approval_config){ .policy = APPROVAL_UNTRUSTED };
	m.approval_set = true;
	in.approval_policy = "never";
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.approval.policy, APPROVAL_UNTRUSTED);
	layers_effective_done(&e);
	in.approval_policy = "suggest";
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.approval.policy, APPROVAL_SUGGEST);
	layers_effective_done(&e);
}

static void test_requirements_clamp(void **state)
{
	struct layers_managed m = managed();
	struct layers_input in = { .has_sandbox = true, .sandbox = SANDBOX_DANGER_FULL_ACCESS };
	struct layers_effective e;
	char err[256];

	(void)state;
	m.allowed_sandbox_modes = (1u << SANDBOX_READ_ONLY) | (1u << SANDBOX_WORKSPACE_WRITE);
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE); /* nearest, stricter */
	assert_string_equal(e.sandbox_origin, "requirements");
	assert_non_null(strstr(e.warnings[0], "not allowed by [requirements]"));
	layers_effective_done(&e);

	/* Codex's example: on-request falls back to untrusted when only that is allowed. */
	m.allowed_approval_policies = 1u << APPROVAL_UNTRUSTED;
	in.approval_policy = "on-request";
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.approval.policy, APPROVAL_UNTRUSTED);
	layers_effective_done(&e);

	/* Only a looser one allowed: it moves up, with a warning. */
	m.allowed_sandbox_modes = 1u << SANDBOX_DANGER_FULL_ACCESS;
	in.sandbox = SANDBOX_READ_ONLY;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_DANGER_FULL_ACCESS);
	layers_effective_done(&e);

	m.allowed_sandbox_modes = 1u << 7; /* nothing real */
	assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "no sandbox mode"));
}

static void test_overrides_and_profile(void **state)
{
	struct layers_managed m = managed();
	struct conf_doc *user = doc("u.toml", "profile = \"fast\"\n"
					      "sandbox_mode = \"read-only\"\n"
					      "[profiles.fast]\n"
					      "sandbox_mode = \"workspace-write\"\n"
					      "[profiles.fast.sandbox_workspace_write]\n"
					      "writable_roots = [\"/cache\"]\n");
	char *ov[] = { S("sandbox_workspace_write.network_access=true"),
		       S("sandbox_mode=\"danger-full-access\""), NULL };
	struct layers_input in = { .user = user };
	struct layers_effective e;
	char *bad[] = { S("no-equals"), NULL };
	char *bad2[] = { S("a..b=1"), NULL };
	char err[256];

	(void)state;
	resolve_ok(&m, &in, &e);
	assert_string_equal(e.profile, "fast");
	assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE);
	assert_string_equal(e.sandbox_origin, "profile");
	assert_true(strv_contains(e.writable_roots, "/cache"));
	layers_effective_done(&e);

	in.overrides = ov;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.sandbox_mode, SANDBOX_DANGER_FULL_ACCESS);
	assert_string_equal(e.sandbox_origin, "override");
	assert_true(e.network_access);
	layers_effective_done(&e);

	{
		/* As Codex: a value that is not TOML is the string it spells. */
		char *bare[] = { S("sandbox_mode=read-only"), NULL };
		char *quoted[] = { S("sandbox_mode= 'workspace-write' "), NULL };
		char *nl[] = { S("sandbox_mode=\"read-only\"\nprofile=\"x\""), NULL };

		in.overrides = bare;
		resolve_ok(&m, &in, &e);
		assert_int_equal(e.sandbox_mode, SANDBOX_READ_ONLY);
		assert_string_equal(e.sandbox_origin, "override");
		layers_effective_done(&e);
		in.overrides = quoted;
		resolve_ok(&m, &in, &e);
		assert_int_equal(e.sandbox_mode, SANDBOX_WORKSPACE_WRITE);
		layers_effective_done(&e);
		in.overrides = nl;
		assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "control character"));
	}
	in.overrides = bad;
	assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EINVAL);
	in.overrides = bad2;
	assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EINVAL);
	conf_doc_free(user);
}

static void test_user_bad_value_fails_closed(void **state)
{
	struct layers_managed m = managed();
	struct conf_doc *user = doc("u.toml", "sandbox_mode = \"yolo\"\n");
	struct layers_input in = { .user = user };
	struct layers_effective e;
	char err[256];

	(void)state;
	assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "u.toml:1"));
	conf_doc_free(user);
}

static void test_requirements_on_user_rights(void **state)
{
	struct layers_managed m = managed();
	struct conf_doc *user = doc("u.toml", "[sandbox_workspace_write]\n"
					      "network_access = true\n"
					      "writable_roots = [\"/home/u/.cache\"]\n");
	struct layers_input in = { .user = user };
	struct layers_effective e;
	char *mroots[] = { S("/srv/shared"), NULL };

	(void)state;
	m.user_network_access = false;
	m.user_writable_roots = false;
	m.writable_roots = mroots;
	resolve_ok(&m, &in, &e);
	assert_false(e.network_access);
	assert_true(strv_contains(e.writable_roots, "/srv/shared"));
	assert_false(strv_contains(e.writable_roots, "/home/u/.cache"));
	layers_effective_done(&e);

	/* user_layers = false ignores the user's file entirely. */
	m = managed();
	m.user_layers = false;
	resolve_ok(&m, &in, &e);
	assert_false(e.network_access);
	assert_null(e.writable_roots);
	layers_effective_done(&e);
	conf_doc_free(user);
}

static void test_env_only_stricter(void **state)
{
	struct layers_managed m = managed();
	char *mex[] = { S("AWS_*"), NULL };
	char *mset[] = { S("CI=1"), NULL };
	struct env_policy mp = { .inherit = ENV_INHERIT_CORE, .exclude = mex, .set = mset };
	struct conf_doc *user = doc("u.toml", "[shell_environment_policy]\n"
					      "inherit = \"all\"\n"
					      "exclude = [\"GH_*\"]\n"
					      "[shell_environment_policy.set]\n"
					      "CI = \"0\"\nEDITOR = \"vi\"\n");
	struct layers_input in = { .user = user };
	struct layers_effective e;

	(void)state;
	m.env = &mp;
	resolve_ok(&m, &in, &e);
	/* The user cannot widen inherit... */
	assert_int_equal(e.env.inherit, ENV_INHERIT_CORE);
	/* ...adds excludes... */
	assert_true(strv_contains(e.env.exclude, "AWS_*"));
	assert_true(strv_contains(e.env.exclude, "GH_*"));
	/* ...and managed `set` wins over the user's. */
	assert_string_equal(e.env.set[strv_length(e.env.set) - 1], "CI=1");
	assert_true(strv_contains(e.env.set, "EDITOR=vi"));
	layers_effective_done(&e);
	conf_doc_free(user);
}

static void test_granular_table(void **state)
{
	struct layers_managed m = managed();
	struct conf_doc *user = doc("user.toml", "[approval_policy.granular]\nrules = true\n"
						 "sandbox_approval = false\n");
	struct conf_doc *bad = doc("bad.toml", "[approval_policy.granular]\nrules = \"yes\"\n");
	struct layers_input in = { .user = user };
	struct layers_effective e;
	char err[256];

	(void)state;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.approval.policy, APPROVAL_GRANULAR);
	assert_true(e.approval.granular.rules);
	assert_false(e.approval.granular.sandbox_approval);
	assert_string_equal(e.approval_origin, "user");
	layers_effective_done(&e);

	/* A managed approval_policy wins over the user's table. */
	m.approval_set = true;
	resolve_ok(&m, &in, &e);
	assert_int_equal(e.approval.policy, APPROVAL_ON_REQUEST);
	layers_effective_done(&e);

	m.approval_set = false;
	in.user = bad;
	assert_int_equal(layers_resolve(&m, &in, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.toml:2"));
	conf_doc_free(user);
	conf_doc_free(bad);
}

static void test_trust(void **state)
{
	struct conf_doc *user = doc("u.toml", "[projects.\"/home/u/p\"]\ntrust_level = \"trusted\"\n"
					      "[projects.\"/home/u/q\"]\ntrust_level = \"untrusted\"\n");

	(void)state;
	assert_true(layers_project_trusted(user, "/home/u/p"));
	assert_false(layers_project_trusted(user, "/home/u/q"));
	assert_false(layers_project_trusted(user, "/home/u/r"));
	assert_false(layers_project_trusted(NULL, "/home/u/p"));
	conf_doc_free(user);
}

/* layers_user_keys: what user layers may set, with "*" components. */
static void test_user_may_set(void **state)
{
	(void)state;
	assert_true(layers_user_may_set("sandbox_mode"));
	assert_true(layers_user_may_set("sandbox_workspace_write.network_access"));
	assert_true(layers_user_may_set("approval_policy.granular.rules"));
	assert_true(layers_user_may_set("shell_environment_policy.set.CI"));
	assert_true(layers_user_may_set("profiles.ci.sandbox_mode"));
	assert_true(layers_user_may_set("profiles.ci.sandbox_workspace_write.writable_roots"));
	assert_true(layers_user_may_set("projects./home/a/app.trust_level"));
	assert_false(layers_user_may_set("sandbox_workspace_write.allow_git_writes"));
	assert_false(layers_user_may_set("shell_environment_policy.ignore_default_excludes"));
	assert_false(layers_user_may_set("daemon.socket"));
	assert_false(layers_user_may_set("requirements.user_layers"));
	assert_false(layers_user_may_set("approval_policy.granular"));
	assert_false(layers_user_may_set("profiles.ci"));
	assert_false(layers_user_may_set("projects.x.other"));
	assert_false(layers_user_may_set(""));
	assert_false(layers_user_may_set("sandbox_mode.x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_request_stricter_or_looser),
		cmocka_unit_test(test_requirements_clamp),
		cmocka_unit_test(test_overrides_and_profile),
		cmocka_unit_test(test_user_bad_value_fails_closed),
		cmocka_unit_test(test_requirements_on_user_rights),
		cmocka_unit_test(test_env_only_stricter),
		cmocka_unit_test(test_granular_table),
		cmocka_unit_test(test_trust),
		cmocka_unit_test(test_user_may_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
