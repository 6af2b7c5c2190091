/* SPDX-License-Identifier: MIT */
/* Unit tests for policy/shell_split.c: the strict split (Codex's accepted and
 * rejected constructs, codexd's redirect/assignment extensions, the heredoc
 * fallback, limits) and the permissive literal-command parse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "policy/shell_split.h"

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})
/* An argv for the API (which, like execv(), takes char *const *). */
#define A(...) ((char *const *)W(__VA_ARGS__))

static struct shell_split *split_dialect(const char *script, enum shell_dialect d)
{
	struct shell_split *s = NULL;
	int r = shell_split_script(script, strlen(script), d, &s);

	if (r != SHELL_SPLIT_OK)
		fail_msg("split of \"%s\" returned %d (%s)", script, r,
			 shell_split_status_to_string(r));
	assert_non_null(s);
	return s;
}

static struct shell_split *split(const char *script)
{
	return split_dialect(script, SHELL_DIALECT_BASH);
}

static int status_of_dialect(const char *script, enum shell_dialect d)
{
	struct shell_split *s = NULL;
	int r = shell_split_script(script, strlen(script), d, &s);

	if (r == SHELL_SPLIT_OK)
		shell_split_free(s);
	else
		assert_null(s);
	return r;
}

static int status_of(const char *script)
{
	return status_of_dialect(script, SHELL_DIALECT_BASH);
}

static void assert_argv(const struct shell_command *c, const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	if (c->argc != n)
		fail_msg("argc %zu, want %zu (first word \"%s\")", c->argc, n, c->argv[0]);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(c->argv[i], want[i]);
	assert_null(c->argv[n]);
}

/* Split script and compare its commands with the n argv arrays given. */
static void check(const char *script, size_t n, ...)
{
	struct shell_split *s = split(script);
	va_list ap;

	if (s->n_commands != n)
		fail_msg("\"%s\": %zu commands, want %zu", script, s->n_commands, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_argv(&s->commands[i], va_arg(ap, const char *const *));
	va_end(ap);
	assert_false(s->complex_parse);
	shell_split_free(s);
}

static void reject(const char *script, int status)
{
	int r = status_of(script);

	if (r != status)
		fail_msg("\"%s\": status %d (%s), want %d (%s)", script, r,
			 shell_split_status_to_string(r), status,
			 shell_split_status_to_string(status));
}

/* ------------------------------------------------------------- Codex's accepted forms */

static void test_simple_command(void **state)
{
	(void)state;
	check("ls -1", 1, W("ls", "-1"));
	check("ls", 1, W("ls"));
	check("  ls   -la   /tmp  ", 1, W("ls", "-la", "/tmp"));
}

static void test_operators(void **state)
{
	(void)state;
	check("ls && pwd; echo 'hi there' | wc -l", 4, W("ls"), W("pwd"), W("echo", "hi there"),
	      W("wc", "-l"));
	check("grep -R \"Cargo.toml\" -n || true", 2, W("grep", "-R", "Cargo.toml", "-n"),
	      W("true"));
	check("a;b", 2, W("a"), W("b"));
	check("a&&b||c|d", 4, W("a"), W("b"), W("c"), W("d"));
}

static void test_quotes(void **state)
{
	(void)state;
	check("echo \"hello world\"", 1, W("echo", "hello world"));
	check("echo 'hi there'", 1, W("echo", "hi there"));
	check("git commit -m \"line1\nline2\"", 1, W("git", "commit", "-m", "line1\nline2"));
	check("echo \"/usr\"'/'\"local\"/bin", 1, W("echo", "/usr/local/bin"));
	check("echo '/usr'\"/\"'local'/bin", 1, W("echo", "/usr/local/bin"));
	check("echo \"a\\\"b\" \"c\\\\d\" \"\\$HOME\" \"\\`x\\`\"", 1,
	      W("echo", "a\"b", "c\\d", "$HOME", "`x`"));
	check("echo \"ab\\\ncd\"", 1, W("echo", "abcd"));
	check("echo '$HOME `x` \\n'", 1, W("echo", "$HOME `x` \\n"));
	check("echo \"\" ''", 1, W("echo", "", ""));
	/* Quoting makes one program name: Codex's 'git status' example. */
	check("'git status'", 1, W("git status"));
}

static void test_concatenation(void **state)
{
	(void)state;
	check("rg -n \"foo\" -g\"*.py\"", 1, W("rg", "-n", "foo", "-g*.py"));
	check("grep -n 'pattern' -g'*.txt'", 1, W("grep", "-n", "pattern", "-g*.txt"));
	reject("rg -g\"$VAR\" pattern", SHELL_SPLIT_EXPANSION);
	reject("rg -g\"${VAR}\" pattern", SHELL_SPLIT_EXPANSION);
	reject("rg -g\"$(pwd)\" pattern", SHELL_SPLIT_EXPANSION);
	reject("rg -g\"$(echo '*.py')\" pattern", SHELL_SPLIT_EXPANSION);
}

static void test_numbers_globs_escapes(void **state)
{
	(void)state;
	check("echo 123 456", 1, W("echo", "123", "456"));
	check("ls *.py src/[ab]?.c", 1, W("ls", "*.py", "src/[ab]?.c"));
	check("find . -name \\*.py -exec echo {} \\;", 1,
	      W("find", ".", "-name", "*.py", "-exec", "echo", "{}", ";"));
	check("echo a\\ b", 1, W("echo", "a b"));
	check("ls \\\n -l", 1, W("ls", "-l"));
	check("echo a\\\nb", 1, W("echo", "ab"));
	check("echo a#b", 1, W("echo", "a#b"));
	check("echo ~ ~/x", 1, W("echo", "~", "~/x")); /* literal in argv, as Codex */
	check("echo {} {x}", 1, W("echo", "{}", "{x}"));
	check("echo ====", 1, W("echo", "===="));
	check("[ -f x ]", 1, W("[", "-f", "x", "]"));
	check("echo done fi", 1, W("echo", "done", "fi"));
}

static void test_comments_newlines(void **state)
{
	(void)state;
	check("ls # list\npwd", 2, W("ls"), W("pwd"));
	check("# first\nls\n\n\npwd\n", 2, W("ls"), W("pwd"));
	check("ls;\npwd", 2, W("ls"), W("pwd"));
	check("ls &&\npwd", 2, W("ls"), W("pwd"));
	check("ls |\n\nwc", 2, W("ls"), W("wc"));
	check("ls;", 1, W("ls"));
	check("ls;  # done", 1, W("ls"));
}

/* ------------------------------------------------------------- Codex's rejections */

static void test_reject_empty(void **state)
{
	(void)state;
	reject("", SHELL_SPLIT_EMPTY);
	reject("   \n\t  \n", SHELL_SPLIT_EMPTY);
	reject("# just a comment", SHELL_SPLIT_EMPTY);
	reject("\n# a\n# b\n", SHELL_SPLIT_EMPTY);
}

static void test_reject_subshell_group_background(void **state)
{
	(void)state;
	reject("(ls)", SHELL_SPLIT_COMPOUND);
	reject("ls || (pwd && echo hi)", SHELL_SPLIT_COMPOUND);
	reject("{ ls; }", SHELL_SPLIT_COMPOUND);
	reject("echo hi & echo bye", SHELL_SPLIT_COMPOUND);
	reject("sleep 1 &", SHELL_SPLIT_COMPOUND);
	reject("ls |& wc", SHELL_SPLIT_COMPOUND);
	reject("echo a(b)", SHELL_SPLIT_COMPOUND);
	reject("f() { ls; }", SHELL_SPLIT_COMPOUND);
}

static void test_reject_expansions(void **state)
{
	(void)state;
	reject("echo $(pwd)", SHELL_SPLIT_EXPANSION);
	reject("echo `pwd`", SHELL_SPLIT_EXPANSION);
	reject("echo $HOME", SHELL_SPLIT_EXPANSION);
	reject("echo ${HOME}", SHELL_SPLIT_EXPANSION);
	reject("echo \"hi $USER\"", SHELL_SPLIT_EXPANSION);
	reject("echo \"hi ${USER}\"", SHELL_SPLIT_EXPANSION);
	reject("echo $((1+2))", SHELL_SPLIT_EXPANSION);
	reject("echo $((1<<2))", SHELL_SPLIT_EXPANSION);
	reject("echo $'a\\nb'", SHELL_SPLIT_EXPANSION);
	reject("echo $\"x\"", SHELL_SPLIT_EXPANSION);
	reject("echo $", SHELL_SPLIT_EXPANSION);
	reject("echo \"a\\nb\"", SHELL_SPLIT_EXPANSION); /* \n in "" is not one of \" \\ \$ \` */
	reject("diff <(ls a) <(ls b)", SHELL_SPLIT_EXPANSION);
	reject("tee >(wc)", SHELL_SPLIT_EXPANSION);
	reject("echo {a,b}", SHELL_SPLIT_EXPANSION);
	reject("echo x{1..3}", SHELL_SPLIT_EXPANSION);
	reject("$CMD -rf /", SHELL_SPLIT_EXPANSION);
}

static void test_reject_operators(void **state)
{
	(void)state;
	reject("ls &&", SHELL_SPLIT_SYNTAX);
	reject("ls ||", SHELL_SPLIT_SYNTAX);
	reject("ls |", SHELL_SPLIT_SYNTAX);
	reject("&& ls", SHELL_SPLIT_SYNTAX);
	reject("| ls", SHELL_SPLIT_SYNTAX);
	reject("; ls", SHELL_SPLIT_SYNTAX);
	reject("ls ;; pwd", SHELL_SPLIT_COMPOUND);
	reject("ls ;& pwd", SHELL_SPLIT_COMPOUND);
	reject("ls | | wc", SHELL_SPLIT_SYNTAX);
	reject("ls && && pwd", SHELL_SPLIT_SYNTAX);
	reject("ls; ; pwd", SHELL_SPLIT_SYNTAX);
	reject("ls\n; pwd", SHELL_SPLIT_SYNTAX);
	reject("ls &&\n", SHELL_SPLIT_SYNTAX);
}

static void test_reject_keywords(void **state)
{
	static const char *const scripts[] = {
		"if true; then ls; fi",
		"for x in a b; do ls; done",
		"while true; do ls; done",
		"until false; do ls; done",
		"case x in a) ls;; esac",
		"select x in a; do ls; done",
		"function f { ls; }",
		"[[ -f x ]]",
		"! ls",
		"time ls",
		"coproc ls",
		"ls && then",
		"do ls",
		"done",
		"fi",
		"repeat 3 ls",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		int r = status_of(scripts[i]);

		if (r != SHELL_SPLIT_COMPOUND && r != SHELL_SPLIT_COMPOUND + 0)
			fail_msg("\"%s\": status %d", scripts[i], r);
	}
	/* A quoted keyword is a program name. */
	check("'if' x", 1, W("if", "x"));
}

static void test_reject_unterminated(void **state)
{
	(void)state;
	reject("echo 'abc", SHELL_SPLIT_SYNTAX);
	reject("echo \"abc", SHELL_SPLIT_SYNTAX);
	reject("echo abc\\", SHELL_SPLIT_SYNTAX);
	reject("echo \"abc\\", SHELL_SPLIT_SYNTAX);
}

static void test_reject_herestring(void **state)
{
	(void)state;
	reject("cat <<< hi", SHELL_SPLIT_REDIRECT);
	reject("python3 <<< \"$(rm -rf /)\"", SHELL_SPLIT_REDIRECT);
}

/* ------------------------------------------------------------- redirects (codexd) */

static const struct shell_redirect *only_redirect(struct shell_split *s)
{
	assert_int_equal(s->n_commands, 1);
	assert_int_equal(s->commands[0].n_redirects, 1);
	assert_true(s->had_redirects);
	return &s->commands[0].redirects[0];
}

static void check_redirect(const char *script, const char *const *argv, int fd,
			   enum shell_redirect_mode mode, const char *target, int target_fd)
{
	struct shell_split *s = split(script);
	const struct shell_redirect *r = only_redirect(s);

	assert_argv(&s->commands[0], argv);
	if (r->fd != fd || r->mode != mode)
		fail_msg("\"%s\": fd %d mode %s, want fd %d mode %s", script, r->fd,
			 shell_redirect_mode_to_string(r->mode), fd,
			 shell_redirect_mode_to_string(mode));
	if (target)
		assert_string_equal(r->target, target);
	else
		assert_null(r->target);
	assert_int_equal(r->target_fd, target_fd);
	shell_split_free(s);
}

static void test_redirects(void **state)
{
	(void)state;
	check_redirect("ls > out.txt", W("ls"), 1, SHELL_REDIRECT_WRITE, "out.txt", -1);
	check_redirect("ls >out.txt", W("ls"), 1, SHELL_REDIRECT_WRITE, "out.txt", -1);
	check_redirect("ls >> log", W("ls"), 1, SHELL_REDIRECT_APPEND, "log", -1);
	check_redirect("ls >| f", W("ls"), 1, SHELL_REDIRECT_WRITE, "f", -1);
	check_redirect("sort < in.txt", W("sort"), 0, SHELL_REDIRECT_READ, "in.txt", -1);
	check_redirect("make 2>/dev/null", W("make"), 2, SHELL_REDIRECT_WRITE, "/dev/null", -1);
	check_redirect("make 2>>err.log", W("make"), 2, SHELL_REDIRECT_APPEND, "err.log", -1);
	check_redirect("make 2>&1", W("make"), 2, SHELL_REDIRECT_DUP, NULL, 1);
	check_redirect("echo oops >&2", W("echo", "oops"), 1, SHELL_REDIRECT_DUP, NULL, 2);
	check_redirect("echo oops >& 2", W("echo", "oops"), 1, SHELL_REDIRECT_DUP, NULL, 2);
	check_redirect("cat <&3", W("cat"), 0, SHELL_REDIRECT_DUP, NULL, 3);
	check_redirect("ls 2>&-", W("ls"), 2, SHELL_REDIRECT_CLOSE, NULL, -1);
	check_redirect("ls &>log", W("ls"), SHELL_FD_STDOUT_STDERR, SHELL_REDIRECT_WRITE, "log",
		       -1);
	check_redirect("ls &>>log", W("ls"), SHELL_FD_STDOUT_STDERR, SHELL_REDIRECT_APPEND, "log",
		       -1);
	check_redirect("exec 3<>f", W("exec"), 3, SHELL_REDIRECT_READ_WRITE, "f", -1);
	check_redirect("ls 10>f", W("ls"), 10, SHELL_REDIRECT_WRITE, "f", -1);
	check_redirect("ls > 'my file'", W("ls"), 1, SHELL_REDIRECT_WRITE, "my file", -1);
	check_redirect("ls > \"a b\"", W("ls"), 1, SHELL_REDIRECT_WRITE, "a b", -1);
	check_redirect("2>/dev/null ls -l", W("ls", "-l"), 2, SHELL_REDIRECT_WRITE, "/dev/null",
		       -1);
	check_redirect("echo a>b", W("echo", "a"), 1, SHELL_REDIRECT_WRITE, "b", -1);
	/* Quoted digits are a word, not a descriptor. */
	check_redirect("echo '2'>x", W("echo", "2"), 1, SHELL_REDIRECT_WRITE, "x", -1);
	check_redirect("echo 2 >x", W("echo", "2"), 1, SHELL_REDIRECT_WRITE, "x", -1);
}

static void test_redirects_codex_issue_examples(void **state)
{
	struct shell_split *s;

	(void)state;
	/* PR #11868's example: rules must still see gh run view ... */
	s = split("gh run view 123 --log > /tmp/out.log && echo saved");
	assert_int_equal(s->n_commands, 2);
	assert_argv(&s->commands[0], W("gh", "run", "view", "123", "--log"));
	assert_argv(&s->commands[1], W("echo", "saved"));
	assert_int_equal(s->commands[0].n_redirects, 1);
	assert_string_equal(s->commands[0].redirects[0].target, "/tmp/out.log");
	assert_int_equal(s->commands[1].n_redirects, 0);
	shell_split_free(s);

	/* #10920: /bin/zsh -lc '... 2>&1' */
	{
		char *const *argv = A("/bin/zsh", "-lc", "cargo test -p core 2>&1 | tail -n 50");

		assert_int_equal(shell_split_argv(argv, &s), SHELL_SPLIT_OK);
		assert_int_equal(s->n_commands, 2);
		assert_argv(&s->commands[0], W("cargo", "test", "-p", "core"));
		assert_argv(&s->commands[1], W("tail", "-n", "50"));
		assert_int_equal(s->commands[0].redirects[0].mode, SHELL_REDIRECT_DUP);
		shell_split_free(s);
	}

	s = split("ls 2>/dev/null >out 1>&2 <in");
	assert_int_equal(s->commands[0].n_redirects, 4);
	assert_int_equal(s->commands[0].redirects[3].mode, SHELL_REDIRECT_READ);
	shell_split_free(s);
}

static void test_redirect_rejections(void **state)
{
	(void)state;
	reject("ls > $OUT", SHELL_SPLIT_EXPANSION);
	reject("ls > \"$OUT\"", SHELL_SPLIT_EXPANSION);
	reject("ls > ~/x", SHELL_SPLIT_EXPANSION);
	reject("ls > *.txt", SHELL_SPLIT_EXPANSION);
	reject("ls > out?", SHELL_SPLIT_EXPANSION);
	reject("ls > {a,b}", SHELL_SPLIT_EXPANSION);
	reject("ls > !x", SHELL_SPLIT_EXPANSION);
	reject("ls > ''", SHELL_SPLIT_EXPANSION);
	reject("ls > `x`", SHELL_SPLIT_EXPANSION);
	reject("ls >", SHELL_SPLIT_SYNTAX);
	reject("ls > ;", SHELL_SPLIT_SYNTAX);
	reject("ls > # x", SHELL_SPLIT_SYNTAX);
	reject("ls >\nout", SHELL_SPLIT_SYNTAX);
	reject("ls >&file", SHELL_SPLIT_REDIRECT);
	reject("ls 2>&1-", SHELL_SPLIT_REDIRECT);
	reject("ls {fd}>x", SHELL_SPLIT_REDIRECT);
	reject("> out", SHELL_SPLIT_REDIRECT);
	reject("2>/dev/null", SHELL_SPLIT_REDIRECT);
	reject("ls 99999>x", SHELL_SPLIT_LIMIT);
	reject("ls <1-10>", SHELL_SPLIT_REDIRECT); /* zsh numeric glob */
}

static void test_redirect_dialects(void **state)
{
	struct shell_split *s;

	(void)state;
	/* dash reads `ls &>x` as `ls &` then `>x`. */
	assert_int_equal(status_of_dialect("ls &>x", SHELL_DIALECT_SH), SHELL_SPLIT_COMPOUND);
	s = split_dialect("ls &>x", SHELL_DIALECT_ZSH);
	shell_split_free(s);
	/* zsh's =cmd expansion. */
	assert_int_equal(status_of_dialect("echo =ls", SHELL_DIALECT_ZSH), SHELL_SPLIT_EXPANSION);
	check("echo =ls", 1, W("echo", "=ls"));
	{
		char *const *argv = A("sh", "-c", "ls &>x");

		assert_int_equal(shell_split_argv(argv, &s), SHELL_SPLIT_COMPOUND);
	}
}

/* ------------------------------------------------------------- assignments (codexd) */

static void test_assignments(void **state)
{
	struct shell_split *s;

	(void)state;
	s = split("FOO=bar ls");
	assert_true(s->had_assignments);
	assert_argv(&s->commands[0], W("ls"));
	assert_int_equal(s->commands[0].n_assignments, 1);
	assert_string_equal(s->commands[0].assignments[0].name, "FOO");
	assert_string_equal(s->commands[0].assignments[0].value, "bar");
	shell_split_free(s);

	s = split("A=1 B='x y' C=\"z\" D= make -j4 test && echo ok");
	assert_int_equal(s->n_commands, 2);
	assert_argv(&s->commands[0], W("make", "-j4", "test"));
	assert_int_equal(s->commands[0].n_assignments, 4);
	assert_string_equal(s->commands[0].assignments[1].value, "x y");
	assert_string_equal(s->commands[0].assignments[2].value, "z");
	assert_string_equal(s->commands[0].assignments[3].name, "D");
	assert_string_equal(s->commands[0].assignments[3].value, "");
	assert_int_equal(s->commands[1].n_assignments, 0);
	shell_split_free(s);

	/* After the program name, NAME=value is an argument. */
	s = split("make CC=gcc all");
	assert_false(s->had_assignments);
	assert_argv(&s->commands[0], W("make", "CC=gcc", "all"));
	shell_split_free(s);

	/* Globs are not expanded in assignment values. */
	s = split("GLOB=*.c ls");
	assert_string_equal(s->commands[0].assignments[0].value, "*.c");
	shell_split_free(s);

	/* Redirections and assignments may interleave before the name. */
	s = split("2>/dev/null X=1 env");
	assert_argv(&s->commands[0], W("env"));
	assert_int_equal(s->commands[0].n_assignments, 1);
	assert_int_equal(s->commands[0].n_redirects, 1);
	shell_split_free(s);

	/* A quoted name is not an assignment. */
	s = split("\"FOO\"=bar");
	assert_argv(&s->commands[0], W("FOO=bar"));
	shell_split_free(s);

	s = split("LD_PRELOAD=/tmp/x.so ls");
	assert_true(shell_assignment_is_dangerous(s->commands[0].assignments[0].name));
	shell_split_free(s);
}

static void test_assignment_rejections(void **state)
{
	(void)state;
	reject("X=1", SHELL_SPLIT_ASSIGNMENT);
	reject("PATH=/tmp/evil; ls", SHELL_SPLIT_ASSIGNMENT);
	reject("X+=1 ls", SHELL_SPLIT_ASSIGNMENT);
	reject("A[0]=1 ls", SHELL_SPLIT_ASSIGNMENT);
	reject("X=(a b) ls", SHELL_SPLIT_COMPOUND);
	reject("X=~/bin ls", SHELL_SPLIT_EXPANSION);
	reject("X=/a:~/bin ls", SHELL_SPLIT_EXPANSION);
	reject("PATH=/tmp/evil:$PATH ls", SHELL_SPLIT_EXPANSION);
	reject("X=$(id) ls", SHELL_SPLIT_EXPANSION);
}

static void test_dangerous_assignment_names(void **state)
{
	static const char *const bad[] = {
		"PATH",
		"LD_PRELOAD",
		"LD_LIBRARY_PATH",
		"LD_AUDIT",
		"LD_ANYTHING",
		"DYLD_INSERT_LIBRARIES",
		"BASH_ENV",
		"ENV",
		"IFS",
		"PS4",
		"SHELLOPTS",
		"BASHOPTS",
		"PYTHONPATH",
		"PYTHONSTARTUP",
		"PERL5LIB",
		"PERL5OPT",
		"RUBYOPT",
		"RUBYLIB",
		"NODE_OPTIONS",
		"GIT_SSH_COMMAND",
		"GIT_EXEC_PATH",
		"GIT_CONFIG_COUNT",
		"GIT_CONFIG_KEY_0",
		"GIT_CONFIG_VALUE_0",
		"GIT_CONFIG_GLOBAL",
		"LESSOPEN",
		"HOME",
		"PAGER",
		"EDITOR",
		"GLIBC_TUNABLES",
		"PROMPT_COMMAND",
		"JAVA_TOOL_OPTIONS",
		"RUSTC_WRAPPER",
	};
	static const char *const ok[] = {
		"FOO",	"CC", "RUST_LOG", "DEBUG", "path", "LANG",
		"TERM", "CI", "NO_COLOR", "LD",	   "GIT",  "MY_PATH",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!shell_assignment_is_dangerous(bad[i]))
			fail_msg("%s should be dangerous", bad[i]);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (shell_assignment_is_dangerous(ok[i]))
			fail_msg("%s should not be dangerous", ok[i]);
	assert_false(shell_assignment_is_dangerous(NULL));
}

/* ------------------------------------------------------------- heredoc fallback */

static struct shell_split *heredoc_ok(const char *script, const char *const *argv)
{
	struct shell_split *s = split(script);

	assert_true(s->complex_parse);
	assert_int_equal(s->n_commands, 1);
	assert_argv(&s->commands[0], argv);
	return s;
}

static void test_heredoc_reduction(void **state)
{
	struct shell_split *s;

	(void)state;
	s = heredoc_ok("python3 <<'PY'\nprint('hello')\nPY", W("python3"));
	assert_int_equal(s->commands[0].n_redirects, 1);
	assert_int_equal(s->commands[0].redirects[0].mode, SHELL_REDIRECT_HEREDOC);
	assert_string_equal(s->commands[0].redirects[0].target, "PY");
	assert_true(s->commands[0].redirects[0].quoted);
	shell_split_free(s);

	s = heredoc_ok("python3 << PY\nprint('hello')\nPY\n", W("python3"));
	assert_false(s->commands[0].redirects[0].quoted);
	shell_split_free(s);

	shell_split_free(heredoc_ok("cat <<\"EOF\"\n$(rm -rf /)\nEOF", W("cat")));
	shell_split_free(heredoc_ok("cat <<\\EOF\n`id`\nEOF", W("cat")));
	shell_split_free(heredoc_ok("cat <<EOF\nhome is $HOME\nEOF", W("cat")));
	shell_split_free(heredoc_ok("cat <<-EOF\n\tbody\n\tEOF\n", W("cat")));
	shell_split_free(heredoc_ok("cat <<EOF 2>&1\nx\nEOF", W("cat")));
	shell_split_free(heredoc_ok("psql -d db <<SQL;\nselect 1;\nSQL\n", W("psql", "-d", "db")));
	shell_split_free(heredoc_ok("cat <<A <<B\na\nA\nb\nB", W("cat")));
	shell_split_free(heredoc_ok("# comment\ncat <<EOF # trailing\nx\nEOF\n\n", W("cat")));
	shell_split_free(heredoc_ok("python3 -  <<'PY'\nimport os\nPY", W("python3", "-")));
}

static void test_heredoc_not_reduced(void **state)
{
	(void)state;
	reject("python3 <<'PY'\nprint('hello')\nPY\necho done", SHELL_SPLIT_HEREDOC);
	reject("python3 <<'PY' > /tmp/out.txt\nprint('hello')\nPY", SHELL_SPLIT_HEREDOC);
	reject("cat <<EOF > file\nx\nEOF", SHELL_SPLIT_HEREDOC);
	reject("cat <<EOF | wc -l\nx\nEOF", SHELL_SPLIT_HEREDOC);
	reject("cd x && cat <<EOF\nx\nEOF", SHELL_SPLIT_HEREDOC);
	/* Codex: a heredoc command prefixed by an assignment is not reduced. */
	reject("PATH=/tmp/evil:$PATH cat <<EOF\nx\nEOF", SHELL_SPLIT_EXPANSION);
	reject("PATH=/tmp/evil cat <<EOF\nx\nEOF", SHELL_SPLIT_HEREDOC);
	/* An unquoted body is expanded: a substitution in it runs. */
	reject("cat <<EOF\n$(rm -rf /)\nEOF", SHELL_SPLIT_HEREDOC);
	reject("cat <<EOF\n`rm -rf /`\nEOF", SHELL_SPLIT_HEREDOC);
	reject("cat <<EOF\n${x:=y}\nEOF", SHELL_SPLIT_HEREDOC);
	/* A backslash-newline in an unquoted body would move the terminator. */
	reject("cat <<EOF\nfoo\\\nEOF\nrm -rf /\nEOF", SHELL_SPLIT_HEREDOC);
	reject("python3 $((1<<2)) <<'PY'\nprint('hello')\nPY", SHELL_SPLIT_EXPANSION);
	reject("cat <<EOF\nnever ends", SHELL_SPLIT_SYNTAX);
	reject("cat <<EOF", SHELL_SPLIT_SYNTAX);
	reject("cat <<", SHELL_SPLIT_SYNTAX);
	reject("cat <<''\n\n", SHELL_SPLIT_SYNTAX);
	reject("cat <<$X\nx\n$X", SHELL_SPLIT_EXPANSION);
}

/* ------------------------------------------------------------- argv detection */

static void test_argv_detection(void **state)
{
	const char *script = NULL;
	enum shell_dialect d;
	struct shell_split *s = NULL;

	(void)state;
	{
		char *const *argv = A("bash", "-lc", "ls");

		assert_true(shell_argv_get_script(argv, &script, &d));
		assert_string_equal(script, "ls");
		assert_int_equal(d, SHELL_DIALECT_BASH);
	}
	{
		char *const *argv = A("/usr/bin/zsh", "-c", "ls");

		assert_true(shell_argv_get_script(argv, NULL, &d));
		assert_int_equal(d, SHELL_DIALECT_ZSH);
	}
	{
		char *const *argv = A("/bin/sh", "-c", "ls");

		assert_true(shell_argv_get_script(argv, NULL, &d));
		assert_int_equal(d, SHELL_DIALECT_SH);
	}
	{
		char *const *bad[] = {
			A("dash", "-c", "ls"),	 A("bash", "-l", "-c", "ls"),
			A("bash", "-cl", "ls"),	 A("bash", "ls"),
			A("bash", "-lc"),	 A("bash", "-lc", "git", "status"),
			A("bashx", "-lc", "ls"), A("python3", "-c", "ls"),
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_false(shell_argv_get_script(bad[i], NULL, NULL));
			assert_int_equal(shell_split_argv(bad[i], &s), SHELL_SPLIT_NOT_SHELL);
			assert_int_equal(shell_parse_literal_commands(bad[i], &s),
					 SHELL_SPLIT_NOT_SHELL);
		}
	}
	{
		char *const *argv = A("zsh", "-lc", "ls");

		assert_int_equal(shell_split_argv(argv, &s), SHELL_SPLIT_OK);
		assert_argv(&s->commands[0], W("ls"));
		shell_split_free(s);
	}
	assert_int_equal(shell_split_argv(NULL, &s), -EINVAL);
	assert_int_equal(shell_split_script(NULL, 0, SHELL_DIALECT_BASH, &s), -EINVAL);
	assert_int_equal(shell_split_script("ls", 2, _SHELL_DIALECT_MAX, &s), -EINVAL);
	assert_false(shell_argv_get_script(NULL, NULL, NULL));
}

/* ------------------------------------------------------------- limits */

static char *repeat(const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(ul * n + tl + 1), *p = s;

	assert_non_null(s);
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void test_limits(void **state)
{
	char *s;
	struct shell_split *out = NULL;

	(void)state;
	s = repeat("ls;", CX_MAX_SHELL_COMMANDS, "");
	out = split(s);
	assert_int_equal(out->n_commands, CX_MAX_SHELL_COMMANDS);
	shell_split_free(out);
	free(s);
	s = repeat("ls;", CX_MAX_SHELL_COMMANDS + 1, "");
	reject(s, SHELL_SPLIT_LIMIT);
	free(s);

	s = repeat("a ", CX_MAX_SHELL_WORDS, "");
	out = split(s);
	shell_split_free(out);
	free(s);
	s = repeat("a ", CX_MAX_SHELL_WORDS + 1, "");
	reject(s, SHELL_SPLIT_LIMIT);
	free(s);

	s = repeat(" >f", CX_MAX_SHELL_REDIRECTS + 1, "");
	{
		char *t = malloc(strlen(s) + 3);

		strcpy(t, "ls");
		strcat(t, s);
		reject(t, SHELL_SPLIT_LIMIT);
		free(t);
	}
	free(s);

	s = repeat("A=1 ", CX_MAX_SHELL_ASSIGNMENTS + 1, "ls");
	reject(s, SHELL_SPLIT_LIMIT);
	free(s);

	s = repeat(" <<E", CX_MAX_SHELL_HEREDOCS + 1, "");
	{
		char *t = malloc(strlen(s) + 4);

		strcpy(t, "cat");
		strcat(t, s);
		reject(t, SHELL_SPLIT_LIMIT);
		free(t);
	}
	free(s);

	s = repeat("x", CX_MAX_SHELL_SCRIPT + 1, "");
	assert_int_equal(shell_split_script(s, strlen(s), SHELL_DIALECT_BASH, &out),
			 SHELL_SPLIT_LIMIT);
	free(s);

	/* An embedded NUL is refused, not silently truncated. */
	assert_int_equal(shell_split_script("ls\0rm -rf /", 11, SHELL_DIALECT_BASH, &out),
			 SHELL_SPLIT_SYNTAX);
	assert_int_equal(shell_split_script("echo 'a\0b'", 10, SHELL_DIALECT_BASH, &out),
			 SHELL_SPLIT_SYNTAX);
}

static void test_status_strings(void **state)
{
	(void)state;
	for (int i = 0; i < _SHELL_SPLIT_STATUS_MAX; i++)
		assert_non_null(shell_split_status_to_string(i));
	assert_string_equal(shell_split_status_to_string(0), "ok");
	assert_string_equal(shell_split_status_to_string(-ENOMEM), "error");
	assert_string_equal(shell_split_status_to_string(999), "unknown");
	assert_string_equal(shell_redirect_mode_to_string(SHELL_REDIRECT_APPEND), "append");
	assert_string_equal(shell_redirect_mode_to_string(_SHELL_REDIRECT_MODE_MAX), "unknown");
	shell_split_free(NULL);
}

/* ------------------------------------------------------------- permissive parse */

static struct shell_split *literal(const char *script)
{
	struct shell_split *s = NULL;

	assert_int_equal(shell_parse_literal_script(script, strlen(script), &s), 0);
	assert_non_null(s);
	return s;
}

static bool has_command(const struct shell_split *s, const char *const *argv)
{
	for (size_t i = 0; i < s->n_commands; i++) {
		size_t n = 0;
		bool same = true;

		while (argv[n])
			n++;
		if (s->commands[i].argc != n)
			continue;
		for (size_t k = 0; k < n; k++)
			if (strcmp(s->commands[i].argv[k], argv[k]) != 0)
				same = false;
		if (same)
			return true;
	}
	return false;
}

static void expect_literal(const char *script, const char *const *argv)
{
	struct shell_split *s = literal(script);

	if (!has_command(s, argv)) {
		fprintf(stderr, "commands of \"%s\":\n", script);
		for (size_t i = 0; i < s->n_commands; i++) {
			fprintf(stderr, "  [");
			for (size_t k = 0; k < s->commands[i].argc; k++)
				fprintf(stderr, " \"%s\"", s->commands[i].argv[k]);
			fprintf(stderr, " ]\n");
		}
		shell_split_free(s);
		fail_msg("\"%s\" lacks the expected command starting \"%s\"", script, argv[0]);
	}
	shell_split_free(s);
}

static void test_literal_nested(void **state)
{
	(void)state;
	expect_literal("ls && rm -rf /", W("rm", "-rf", "/"));
	expect_literal("for target in ./a ./b; do rm -r -f \"$target\"; done", W("rm", "-r", "-f"));
	expect_literal("echo \"$(rm -rf ./scratch)\"", W("rm", "-rf", "./scratch"));
	expect_literal("echo $(rm -rf ./x)", W("rm", "-rf", "./x"));
	expect_literal("x=$(rm -rf /)", W("rm", "-rf", "/"));
	expect_literal("ls `rm -rf x`", W("rm", "-rf", "x"));
	expect_literal("echo \"`rm -rf x`\"", W("rm", "-rf", "x"));
	expect_literal("if true; then rm -f a; fi", W("rm", "-f", "a"));
	expect_literal("if rm -f a; then :; elif rm -f b; then :; else rm -f c; fi",
		       W("rm", "-f", "c"));
	expect_literal("while read f; do rm -f \"$f\"; done < list", W("rm", "-f"));
	expect_literal("until false; do rm -f x; done", W("rm", "-f", "x"));
	expect_literal("case $x in a|b) rm -f b;; *) ls;; esac", W("rm", "-f", "b"));
	expect_literal("case x in (a) echo;; esac; rm -f z", W("rm", "-f", "z"));
	expect_literal("(cd /tmp && rm -rf x)", W("rm", "-rf", "x"));
	expect_literal("{ rm -rf x; }", W("rm", "-rf", "x"));
	expect_literal("f() { rm -rf x; }; f", W("rm", "-rf", "x"));
	expect_literal("function g { rm -rf y; }", W("rm", "-rf", "y"));
	expect_literal("cat <(rm -rf x)", W("rm", "-rf", "x"));
	expect_literal("cat <<EOF\n$(rm -rf x)\nEOF", W("rm", "-rf", "x"));
	expect_literal("cat <<EOF\n$(\nrm -rf multi\n)\nEOF", W("rm", "-rf", "multi"));
	expect_literal("echo $((1 + $(rm -rf x)))", W("rm", "-rf", "x"));
	expect_literal("echo ${x:-$(rm -rf y)}", W("rm", "-rf", "y"));
	expect_literal("[[ -n $(rm -rf z) ]] && ls", W("rm", "-rf", "z"));
	expect_literal("trap 'rm -rf ./x' EXIT", W("trap", "rm -rf ./x", "EXIT"));
	expect_literal("! rm -rf x", W("rm", "-rf", "x"));
	expect_literal("sudo rm -rf / 2>/dev/null", W("sudo", "rm", "-rf", "/"));
	expect_literal("X=1 rm -rf x", W("rm", "-rf", "x"));
	expect_literal("for ((i=0;i<3;i++)); do rm -f $i; done", W("rm", "-f"));
	expect_literal("(( x++ )); rm -f q", W("rm", "-f", "q"));
	expect_literal("echo $( (rm -rf sub) )", W("rm", "-rf", "sub"));
	expect_literal("echo $(case x in a) rm -f k;; esac)", W("rm", "-f", "k"));
	expect_literal("ls | xargs rm -f", W("xargs", "rm", "-f"));
	expect_literal("rm -rf a\necho 'oops", W("rm", "-rf", "a"));
	expect_literal("time rm -f t", W("time", "rm", "-f", "t"));
	expect_literal("a=(1 2 $(rm -rf arr))", W("rm", "-rf", "arr"));
	expect_literal("ls @(a|b) && rm -f g", W("rm", "-f", "g"));
	/* Evasions the literal parse sees through (beyond Codex). */
	expect_literal("$'\\x72m' -rf /", W("rm", "-rf", "/"));
	expect_literal("$'rm' -rf /", W("rm", "-rf", "/"));
	expect_literal("$'\\162\\155' -f x", W("rm", "-f", "x"));
	expect_literal("{rm,-rf,/}", W("rm", "-rf", "/"));
	expect_literal("r{m,x} -rf /", W("rm", "rx", "-rf", "/"));
	expect_literal("echo pre{a,\"b c\"}post", W("echo", "preapost", "preb cpost"));
	expect_literal("bash <<'EOF'\nrm -rf /\nEOF\n", W("rm", "-rf", "/"));
	expect_literal("sudo sh -s <<EOF\nls; rm -f x\nEOF", W("rm", "-f", "x"));
	expect_literal("bash <<'EOF'\nrm -rf /\nEOF\n", W("bash"));
}

static void test_literal_not_found(void **state)
{
	struct shell_split *s;

	(void)state;
	/* Quoted heredoc bodies are data. */
	s = literal("cat <<'EOF'\n$(rm -rf x)\nEOF\n");
	assert_false(has_command(s, W("rm", "-rf", "x")));
	assert_true(has_command(s, W("cat")));
	shell_split_free(s);
	/* A dynamic command name is dropped. */
	s = literal("cmd=rm; $cmd -rf /");
	for (size_t i = 0; i < s->n_commands; i++)
		assert_string_not_equal(s->commands[i].argv[0], "-rf");
	shell_split_free(s);
	/* Single quotes are data. */
	s = literal("echo 'rm -rf /'");
	assert_int_equal(s->n_commands, 1);
	assert_true(has_command(s, W("echo", "rm -rf /")));
	shell_split_free(s);
	/* Brace lists that bash does not expand stay one word. */
	s = literal("echo {a} {} {a,{b,c}} '{x,y}'");
	assert_true(has_command(s, W("echo", "{a}", "{}", "{a,{b,c}}", "{x,y}")));
	shell_split_free(s);
	/* $'\u...' and a NUL escape are not guessed. */
	s = literal("$'\\u0072m' -rf /; $'r\\0m' -f x");
	assert_int_equal(s->n_commands, 0);
	shell_split_free(s);
	/* A quoted heredoc fed to cat is data. */
	s = literal("cat <<'EOF'\nrm -rf /\nEOF\n");
	assert_false(has_command(s, W("rm", "-rf", "/")));
	shell_split_free(s);
	/* Comments are not commands. */
	s = literal("# rm -rf /\nls");
	assert_int_equal(s->n_commands, 1);
	shell_split_free(s);
}

static void test_literal_flags(void **state)
{
	struct shell_split *s;
	char *deep;

	(void)state;
	s = literal("echo 'unterminated");
	assert_true(s->incomplete);
	assert_false(s->limit_hit);
	shell_split_free(s);

	s = literal("echo $(ls");
	assert_true(s->incomplete);
	shell_split_free(s);

	s = literal("ls )");
	assert_true(s->incomplete);
	shell_split_free(s);

	deep = repeat("$(", CX_MAX_SHELL_NESTING + 4, "rm -rf x");
	s = literal(deep);
	assert_true(s->limit_hit);
	shell_split_free(s);
	free(deep);

	deep = repeat("`", 1, "");
	s = literal(deep);
	assert_true(s->incomplete);
	shell_split_free(s);
	free(deep);

	deep = repeat("ls;", CX_MAX_SHELL_COMMANDS + 5, "");
	s = literal(deep);
	assert_true(s->limit_hit);
	assert_int_equal(s->n_commands, CX_MAX_SHELL_COMMANDS);
	shell_split_free(s);
	free(deep);

	{
		char *const *argv = A("bash", "-lc", "if x; then rm -rf /; fi");

		assert_int_equal(shell_parse_literal_commands(argv, &s), 0);
		assert_true(has_command(s, W("rm", "-rf", "/")));
		shell_split_free(s);
	}
	assert_int_equal(shell_parse_literal_commands(NULL, &s), -EINVAL);
	assert_int_equal(shell_parse_literal_script(NULL, 0, &s), -EINVAL);

	s = literal("");
	assert_int_equal(s->n_commands, 0);
	shell_split_free(s);

	s = NULL;
	assert_int_equal(shell_parse_literal_script("ls\0rm -rf /", 11, &s), 0);
	assert_true(s->incomplete);
	assert_false(has_command(s, W("rm", "-rf", "/")));
	shell_split_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_command),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_concatenation),
		cmocka_unit_test(test_numbers_globs_escapes),
		cmocka_unit_test(test_comments_newlines),
		cmocka_unit_test(test_reject_empty),
		cmocka_unit_test(test_reject_subshell_group_background),
		cmocka_unit_test(test_reject_expansions),
		cmocka_unit_test(test_reject_operators),
		cmocka_unit_test(test_reject_keywords),
		cmocka_unit_test(test_reject_unterminated),
		cmocka_unit_test(test_reject_herestring),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_redirects_codex_issue_examples),
		cmocka_unit_test(test_redirect_rejections),
		cmocka_unit_test(test_redirect_dialects),
		cmocka_unit_test(test_assignments),
		cmocka_unit_test(test_assignment_rejections),
		cmocka_unit_test(test_dangerous_assignment_names),
		cmocka_unit_test(test_heredoc_reduction),
		cmocka_unit_test(test_heredoc_not_reduced),
		cmocka_unit_test(test_argv_detection),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_literal_nested),
		cmocka_unit_test(test_literal_not_found),
		cmocka_unit_test(test_literal_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
