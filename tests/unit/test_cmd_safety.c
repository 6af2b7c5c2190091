/* SPDX-License-Identifier: MIT */
/* Unit tests for policy/cmd_safety.c: every known-safe list entry and flag
 * case, bash -lc composition with redirects and assignments, and the
 * dangerous (forced rm) detection through wrappers and shell scripts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "policy/cmd_safety.h"

#define A(...) ((char *const *)(const char *const[]){__VA_ARGS__, NULL})

static void str_argv(char *const *argv, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		strncat(buf, i ? " " : "", n - strlen(buf) - 1);
		strncat(buf, argv[i], n - strlen(buf) - 1);
	}
}

static void safe(char *const *argv)
{
	char b[512];

	if (!cmd_safety_is_known_safe(argv)) {
		str_argv(argv, b, sizeof(b));
		fail_msg("expected known-safe: %s", b);
	}
}

static void unsafe(char *const *argv)
{
	char b[512];

	if (cmd_safety_is_known_safe(argv)) {
		str_argv(argv, b, sizeof(b));
		fail_msg("expected NOT known-safe: %s", b);
	}
}

static void dangerous(char *const *argv)
{
	char b[512];

	if (!cmd_safety_is_dangerous(argv)) {
		str_argv(argv, b, sizeof(b));
		fail_msg("expected dangerous: %s", b);
	}
}

static void harmless(char *const *argv)
{
	char b[512];

	if (cmd_safety_is_dangerous(argv)) {
		str_argv(argv, b, sizeof(b));
		fail_msg("expected NOT dangerous: %s", b);
	}
}

/* ------------------------------------------------------------- known-safe */

static void test_always_safe_list(void **state)
{
	static const char *const names[] = {
		"cat",	"cd",	 "cut",	  "echo", "expr",  "false",  "grep",   "head", "id",
		"ls",	"nl",	 "paste", "pwd",  "rev",   "seq",    "stat",   "tail", "tr",
		"true", "uname", "uniq",  "wc",	  "which", "whoami", "numfmt", "tac",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64];

		safe(A(names[i]));
		safe(A(names[i], "-x", "arg"));
		snprintf(path, sizeof(path), "/usr/bin/%s", names[i]);
		safe(A(path, "arg"));
	}
	safe(A("nl", "-nrz", "Cargo.toml"));
	safe(A("numfmt", "1000"));
	safe(A("tac", "Cargo.toml"));
}

static void test_not_safe_basics(void **state)
{
	(void)state;
	unsafe(A("foo"));
	unsafe(A("cargo", "check"));
	unsafe(A("git", "fetch"));
	unsafe(A("rm", "x"));
	unsafe(A("python3", "-c", "print(1)"));
	unsafe(A("bin/"));
	unsafe(A(""));
	assert_false(cmd_safety_is_known_safe(NULL));
	assert_false(cmd_safety_is_known_safe(A(NULL)));
	assert_false(cmd_safety_is_safe_exec(NULL));
	assert_string_equal(cmd_safety_executable_name("/usr/bin/git"), "git");
	assert_string_equal(cmd_safety_executable_name("git"), "git");
	assert_string_equal(cmd_safety_executable_name("dir/"), "");
	assert_string_equal(cmd_safety_executable_name(NULL), "");
}

static void test_base64(void **state)
{
	(void)state;
	safe(A("base64"));
	safe(A("base64", "file"));
	safe(A("base64", "-d", "file"));
	safe(A("base64", "-w0"));
	unsafe(A("base64", "-o", "out.bin"));
	unsafe(A("base64", "--output", "out.bin"));
	unsafe(A("base64", "--output=out.bin"));
	unsafe(A("base64", "-ob64.txt"));
	unsafe(A("base64", "-do", "out")); /* codexd: cluster with o */
	unsafe(A("/usr/bin/base64", "-o", "x"));
}

static void test_find(void **state)
{
	static const char *const bad[] = {
		"-exec", "-execdir", "-ok",	 "-okdir",   "-delete",
		"-fls",	 "-fprint",  "-fprint0", "-fprintf",
	};

	(void)state;
	safe(A("find", ".", "-name", "file.txt"));
	safe(A("find", ".", "-type", "f", "-print0"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unsafe(A("find", ".", "-name", "x", bad[i], "arg", ";"));
	unsafe(A("find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"));
	unsafe(A("bash", "-lc", "find . -name file.txt -delete"));
	safe(A("bash", "-lc", "find . -name file.txt"));
}

static void test_rg(void **state)
{
	(void)state;
	safe(A("rg", "Cargo.toml", "-n"));
	safe(A("rg", "--pre-glob", "*.gz", "x")); /* only --pre itself runs a program */
	safe(A("rg", "-g*.zip", "x"));
	unsafe(A("rg", "--search-zip", "files"));
	unsafe(A("rg", "-z", "files"));
	unsafe(A("rg", "-nz", "files"));
	unsafe(A("rg", "--pre", "pwned", "files"));
	unsafe(A("rg", "--pre=pwned", "files"));
	unsafe(A("rg", "--hostname-bin", "pwned", "files"));
	unsafe(A("rg", "--hostname-bin=pwned", "files"));
}

static void test_sed(void **state)
{
	(void)state;
	safe(A("sed", "-n", "1,5p", "file.txt"));
	safe(A("sed", "-n", "10p"));
	safe(A("sed", "-n", "10p", "f"));
	safe(A("bash", "-lc", "sed -n 1,5p file.txt"));
	safe(A("bash", "-lc", "sed -n '1,5p' file.txt"));
	unsafe(A("sed", "-n", "xp", "file.txt"));
	unsafe(A("sed", "-n", "1,5p", "a", "b"));
	unsafe(A("sed", "-n", "1,2,3p", "f"));
	unsafe(A("sed", "-n", ",5p", "f"));
	unsafe(A("sed", "-n", "5,p", "f"));
	unsafe(A("sed", "-n", "p", "f"));
	unsafe(A("sed", "-n", "1,5", "f"));
	unsafe(A("sed", "-n"));
	unsafe(A("sed", "-i", "s/a/b/", "f"));
	unsafe(A("sed", "-n", "1,5w out", "f"));
	unsafe(A("sed", "1,5p", "f"));
}

static void test_git(void **state)
{
	(void)state;
	safe(A("git", "status"));
	safe(A("git", "log", "-p", "-1"));
	safe(A("git", "diff", "-p"));
	safe(A("git", "show", "-p", "HEAD"));
	safe(A("git", "branch"));
	safe(A("git", "branch", "--show-current"));
	safe(A("git", "branch", "-a", "-vv"));
	safe(A("git", "branch", "--list"));
	safe(A("git", "branch", "--format=%(refname)"));
	safe(A("git", "-C", ".", "branch", "--show-current"));
	safe(A("git", "--no-pager", "log"));
	safe(A("/usr/bin/git", "status"));
	safe(A("git", "diff", "--output-indicator-new=+"));
	safe(A("bash", "-lc", "git status"));
	safe(A("bash", "-lc", "git log -p -1"));

	unsafe(A("git", "branch", "-d", "feature"));
	unsafe(A("git", "branch", "-D", "feature"));
	unsafe(A("git", "branch", "new-branch"));
	unsafe(A("git", "branch", "--list", "pattern"));
	unsafe(A("git", "-C", ".", "branch", "-d", "feature"));
	unsafe(A("bash", "-lc", "git -C . branch -d feature"));
	unsafe(A("git", "checkout", "status"));
	unsafe(A("git", "log", "--output=/tmp/git-log-out-test", "-n", "1"));
	unsafe(A("git", "diff", "--output", "/tmp/git-diff-out-test"));
	unsafe(A("git", "show", "--output=/tmp/git-show-out-test", "HEAD"));
	unsafe(A("git", "-c", "core.pager=cat", "log", "-n", "1"));
	unsafe(A("git", "-ccore.pager=cat", "status"));
	unsafe(A("git", "--config-env", "core.pager=X", "status"));
	unsafe(A("git", "--config-env=core.pager=X", "status"));
	unsafe(A("git", "diff", "--ext-diff"));
	unsafe(A("git", "log", "--textconv"));
	unsafe(A("git", "show", "--exec=x"));
	unsafe(A("git", "log", "--exec", "x"));
	unsafe(A("git", "log", "--paginate"));
	unsafe(A("git", "-p", "log"));
	unsafe(A("git", "--paginate", "log"));
	unsafe(A("git", "--git-dir=/tmp/evil/.git", "status"));
	unsafe(A("git", "--git-dir", "/tmp/evil/.git", "status"));
	unsafe(A("git", "--work-tree=/tmp", "status"));
	unsafe(A("git", "--exec-path=/tmp/evil", "status"));
	unsafe(A("git", "--super-prefix=x/", "status"));
	unsafe(A("git"));
	unsafe(A("git", "--version"));
	unsafe(A("git", "push"));
	unsafe(A("git", "commit", "-m", "status"));
}

static void test_bash_lc(void **state)
{
	(void)state;
	safe(A("bash", "-lc", "ls"));
	safe(A("bash", "-lc", "ls -1"));
	safe(A("bash", "-c", "ls"));
	safe(A("/bin/bash", "-lc", "ls"));
	safe(A("zsh", "-lc", "ls"));
	safe(A("sh", "-c", "ls"));
	safe(A("bash", "-lc", "grep -R \"Cargo.toml\" -n"));
	safe(A("bash", "-lc", "grep -R \"Cargo.toml\" -n || true"));
	safe(A("bash", "-lc", "ls && pwd"));
	safe(A("bash", "-lc", "echo 'hi' ; ls"));
	safe(A("bash", "-lc", "ls | wc -l"));
	safe(A("bash", "-lc", "rg -n \"foo\" -g\"*.py\""));

	unsafe(A("bash", "-lc", "git", "status"));
	unsafe(A("bash", "-lc", "'git status'"));
	unsafe(A("bash", "-lc", "ls && rm -rf /"));
	unsafe(A("bash", "-lc", "(ls)"));
	unsafe(A("bash", "-lc", "ls || (pwd && echo hi)"));
	unsafe(A("bash", "-lc", "ls $HOME"));
	unsafe(A("bash", "-lc", ""));
	unsafe(A("bash", "-l", "-c", "ls"));
	unsafe(A("dash", "-c", "ls"));
	unsafe(A("bash", "-lc", "bash -lc ls"));
}

static void test_bash_lc_redirects_assignments(void **state)
{
	(void)state;
	/* Output redirects to files are not safe; input, dups and /dev/null are. */
	unsafe(A("bash", "-lc", "ls > out.txt"));
	unsafe(A("bash", "-lc", "ls >> log"));
	unsafe(A("bash", "-lc", "ls &> log"));
	unsafe(A("bash", "-lc", "ls 2>err.txt"));
	unsafe(A("bash", "-lc", "cat 3<>f"));
	unsafe(A("bash", "-lc", "cat > /dev/null.bak"));
	safe(A("bash", "-lc", "cat < in.txt"));
	safe(A("bash", "-lc", "ls 2>&1"));
	safe(A("bash", "-lc", "ls 2>/dev/null"));
	safe(A("bash", "-lc", "ls &>/dev/null"));
	safe(A("bash", "-lc", "ls >/dev/null 2>&1 | wc -l"));
	safe(A("bash", "-lc", "ls 2>&-"));
	/* Any assignment prefix makes it not known-safe. */
	unsafe(A("bash", "-lc", "FOO=1 ls"));
	unsafe(A("bash", "-lc", "LD_PRELOAD=/tmp/x.so ls"));
	unsafe(A("bash", "-lc", "ls && PATH=/tmp/evil ls"));
	/* Heredoc fallback is never known-safe. */
	unsafe(A("bash", "-lc", "cat <<'EOF'\nhello\nEOF"));
}

static void test_command_helpers(void **state)
{
	struct shell_split *s = NULL;
	char *const *argv = A("bash", "-lc", "LD_PRELOAD=/x.so FOO=1 ls > out && BAR=2 cat < in");

	(void)state;
	assert_int_equal(shell_split_argv(argv, &s), SHELL_SPLIT_OK);
	assert_int_equal(s->n_commands, 2);
	assert_true(cmd_safety_command_has_dangerous_assignment(&s->commands[0]));
	assert_false(cmd_safety_command_has_dangerous_assignment(&s->commands[1]));
	assert_true(cmd_safety_command_writes_files(&s->commands[0]));
	assert_false(cmd_safety_command_writes_files(&s->commands[1]));
	assert_false(cmd_safety_command_is_known_safe(&s->commands[0]));
	assert_false(cmd_safety_command_is_known_safe(&s->commands[1])); /* BAR=2 */
	assert_false(cmd_safety_command_is_dangerous(&s->commands[0]));
	shell_split_free(s);

	assert_int_equal(
		shell_split_argv(A("bash", "-lc", "cat < in 2>&1 && rm -rf x >/dev/null"), &s),
		SHELL_SPLIT_OK);
	assert_true(cmd_safety_command_is_known_safe(&s->commands[0]));
	assert_true(cmd_safety_command_is_dangerous(&s->commands[1]));
	assert_true(cmd_safety_command_writes_files(&s->commands[1])); /* /dev/null counts here */
	shell_split_free(s);

	assert_false(cmd_safety_command_is_known_safe(NULL));
	assert_false(cmd_safety_command_is_dangerous(NULL));
	assert_false(cmd_safety_command_has_dangerous_assignment(NULL));
	assert_false(cmd_safety_command_writes_files(NULL));
}

/* ------------------------------------------------------------- dangerous */

static void test_rm_force_variants(void **state)
{
	(void)state;
	dangerous(A("rm", "-rf", "/"));
	dangerous(A("rm", "-f", "/"));
	dangerous(A("rm", "-fr", "x"));
	dangerous(A("rm", "-Rf", "x"));
	dangerous(A("rm", "-rfv", "x"));
	dangerous(A("rm", "-vf", "x"));
	dangerous(A("rm", "-r", "-f", "x"));
	dangerous(A("rm", "--force", "x"));
	dangerous(A("rm", "--forc", "x"));
	dangerous(A("rm", "--f", "x"));
	dangerous(A("rm", "./x", "-f"));
	dangerous(A("rm", "-r", "--no-preserve-root", "/"));
	dangerous(A("/bin/rm", "-fr", "x"));
	dangerous(A("/usr/bin/rm", "-f", "x"));

	harmless(A("rm", "x"));
	harmless(A("rm", "-r", "x"));
	harmless(A("rm", "-i", "x"));
	harmless(A("rm", "--", "-f"));
	harmless(A("rm", "-r", "--", "-rf"));
	harmless(A("rm", "--fx", "x"));
	harmless(A("rm", "-"));
	harmless(A("rm"));
	harmless(A("rmdir", "-f"));
	harmless(A("echo", "rm", "-rf", "/"));
	assert_false(cmd_safety_is_dangerous(NULL));
	assert_false(cmd_safety_is_dangerous(A(NULL)));
}

static void test_rm_through_wrappers(void **state)
{
	(void)state;
	dangerous(A("sudo", "rm", "-rf", "/"));
	dangerous(A("sudo", "-u", "root", "rm", "-rf", "/"));
	dangerous(A("sudo", "-u", "rm", "--", "rm", "-rf", "/"));
	dangerous(A("sudo", "sudo", "rm", "-f", "x"));
	dangerous(A("env", "X=1", "rm", "-rf", "x"));
	dangerous(A("env", "-i", "/bin/rm", "-f", "x"));
	dangerous(A("env", "-S", "rm -rf /"));
	dangerous(A("env", "-Srm -rf /"));
	dangerous(A("env", "--split-string=rm -rf /"));
	dangerous(A("nice", "-n", "10", "rm", "-rf", "x"));
	dangerous(A("timeout", "5", "rm", "-rf", "x"));
	dangerous(A("xargs", "rm", "-f"));
	dangerous(A("xargs", "-0", "rm", "-rf"));
	dangerous(A("nohup", "rm", "-rf", "x"));
	dangerous(A("time", "rm", "-rf", "x"));
	dangerous(A("exec", "rm", "-rf", "x"));
	dangerous(A("command", "-p", "rm", "-rf", "x"));
	dangerous(A("find", ".", "-exec", "rm", "-rf", "{}", ";"));
	dangerous(A("find", ".", "-name", "x", "-exec", "echo", "{}", ";", "-execdir", "rm", "-f",
		    "{}", "+"));
	dangerous(A("trap", "rm -rf ./x", "EXIT"));
	dangerous(A("trap", "--", "rm -rf ./x", "EXIT"));
	dangerous(A("eval", "rm", "-rf", "x"));
	dangerous(A("eval", "rm -rf x"));
	dangerous(A("alias", "ll=rm -rf ~"));
	dangerous(A("su", "-c", "rm -rf /"));
	dangerous(A("watch", "rm -f x"));
	dangerous(A("sudo", "bash", "-c", "rm -rf /"));

	harmless(A("sudo", "rm", "--", "-f"));
	harmless(A("sudo", "ls", "-f"));
	harmless(A("sudo", "git", "reset", "--hard"));
	harmless(A("env", "X=1", "ls"));
	harmless(A("find", ".", "-name", "rm"));
	harmless(A("find", ".", "-exec", "echo", "-f", ";"));
	harmless(A("trap", "-l"));
	harmless(A("eval"));
	harmless(A("xargs", "echo"));
}

static void test_rm_in_shell_scripts(void **state)
{
	(void)state;
	dangerous(A("bash", "-lc", "rm -rf /"));
	dangerous(A("bash", "-lc", "ls && rm -rf /"));
	dangerous(A("zsh", "-lc", "ls; rm -f x"));
	dangerous(A("sh", "-c", "rm -rf x"));
	dangerous(A("bash", "-lc", "sudo rm -rf /"));
	dangerous(A("bash", "-lc", "for t in a b; do rm -r -f \"$t\"; done"));
	dangerous(A("bash", "-lc", "echo \"$(rm -rf ./x)\""));
	dangerous(A("bash", "-lc", "if true; then rm -rf x; fi"));
	dangerous(A("bash", "-lc", "trap 'rm -rf ./x' EXIT"));
	dangerous(A("bash", "-lc", "ls | xargs rm -f"));
	dangerous(A("bash", "-lc", "rm -rf \"$DIR\""));
	dangerous(A("bash", "-lc", "cat <<EOF\n$(rm -rf /)\nEOF"));
	dangerous(A("bash", "-lc", "bash -c 'rm -rf /'"));
	dangerous(A("bash", "-ec", "rm -rf /"));
	dangerous(A("bash", "-x", "-c", "rm -rf /", "arg0"));
	dangerous(A("dash", "-c", "rm -rf /"));
	dangerous(A("bash", "-lc", "rm -rf a\necho 'unterminated"));
	dangerous(A("bash", "-lc", "echo \"`rm -rf x`\""));
	dangerous(A("bash", "-lc", "eval 'rm -rf x'"));
	dangerous(A("bash", "-lc", "$'\\x72m' -rf /"));
	dangerous(A("bash", "-lc", "{rm,-rf,/}"));
	dangerous(A("bash", "-lc", "bash <<'EOF'\nrm -rf /\nEOF"));

	harmless(A("bash", "-lc", "git reset --hard"));
	harmless(A("zsh", "-lc", "git reset --hard"));
	harmless(A("bash", "-lc", "git status"));
	harmless(A("bash", "-lc", "git branch --delete feature"));
	harmless(A("bash", "-lc", "git push origin :feature"));
	harmless(A("bash", "-lc", "echo 'rm -rf /'"));
	harmless(A("bash", "-lc", "cat <<'EOF'\n$(rm -rf /)\nEOF"));
	harmless(A("bash", "-lc", "cmd=rm; $cmd -rf /")); /* as Codex: dynamic names are not seen */
	harmless(A("bash", "script.sh"));
}

static void test_git_not_dangerous(void **state)
{
	(void)state;
	harmless(A("git", "reset", "--hard"));
	harmless(A("git", "status"));
	harmless(A("/usr/bin/git", "reset", "--hard"));
	harmless(A("git", "branch", "-D", "feature"));
	harmless(A("git", "branch", "-Dvv", "feature"));
	harmless(A("git", "-C", ".", "branch", "-d", "feature"));
	harmless(A("git", "checkout", "reset"));
	harmless(A("git", "push", "--force", "origin", "main"));
	harmless(A("git", "push", "-f", "origin", "main"));
	harmless(A("git", "push", "origin", "+main"));
	harmless(A("git", "push", "--delete", "origin", "feature"));
	harmless(A("git", "clean", "-fdx"));
	harmless(A("git", "clean", "-xdf"));
	harmless(A("git", "clean", "--force"));
}

static void test_depth_limit(void **state)
{
	char script[1024] = "";

	(void)state;
	/* Nest `eval` deeper than CX_MAX_WRAPPER_DEPTH: the innermost command is
	 * harmless, but past the limit the answer must be "dangerous". */
	for (int i = 0; i < CX_MAX_WRAPPER_DEPTH + 2; i++)
		strcat(script, "eval ");
	strcat(script, "true");
	dangerous(A("bash", "-lc", script));
	/* A shallow nesting of a harmless command stays harmless. */
	harmless(A("bash", "-lc", "bash -c 'bash -c true'"));
	harmless(A("bash", "-lc", "eval eval true"));

	{
		/* sudo sudo sudo ... ls: too deep */
		const char *v[CX_MAX_WRAPPER_DEPTH + 4];
		size_t i;

		for (i = 0; i < CX_MAX_WRAPPER_DEPTH + 2; i++)
			v[i] = "sudo";
		v[i++] = "ls";
		v[i] = NULL;
		dangerous((char *const *)v);
		harmless(A("sudo", "sudo", "ls"));
	}
}

static char *sh_quote(const char *s)
{
	char *o = malloc(4 * strlen(s) + 3), *p = o;

	assert_non_null(o);
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return o;
}

static void test_work_budget(void **state)
{
	/* sh -c 'INNER'{,,,...}: bash expands the word 64 times, so every level
	 * of nesting would multiply the parsing work by 64.  The check must stay
	 * bounded and fail closed (dangerous) when it runs out of budget. */
	char *s = strdup("true");

	(void)state;
	for (int level = 0; level < 8; level++) {
		char *q = sh_quote(s);
		size_t n = strlen(q) + 128;
		char *t = malloc(n);

		snprintf(t, n, "sh -c %s{%s}", q,
			 ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,");
		free(q);
		free(s);
		s = t;
		if (level == 0)
			harmless(A("bash", "-lc", s)); /* 64 x `true` is fine */
	}
	dangerous(A("bash", "-lc", s));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_always_safe_list),
		cmocka_unit_test(test_not_safe_basics),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_rg),
		cmocka_unit_test(test_sed),
		cmocka_unit_test(test_git),
		cmocka_unit_test(test_bash_lc),
		cmocka_unit_test(test_bash_lc_redirects_assignments),
		cmocka_unit_test(test_command_helpers),
		cmocka_unit_test(test_rm_force_variants),
		cmocka_unit_test(test_rm_through_wrappers),
		cmocka_unit_test(test_rm_in_shell_scripts),
		cmocka_unit_test(test_git_not_dangerous),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_work_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
