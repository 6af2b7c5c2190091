/* SPDX-License-Identifier: MIT */
/*
 * Known-safe and dangerous command lists; see cmd_safety.h.
 *
 * CAVEATS (shared with Codex, kept on purpose for compatibility):
 *  - Names are matched by basename, so a "./ls" in the workspace counts as
 *    ls.  Known-safe only ever lets a command run *inside* the sandbox
 *    without asking under `untrusted`, so a look-alike gains nothing the
 *    sandbox does not already allow.
 *  - `git status` in a repository whose own .git/config sets
 *    core.fsmonitor runs that program; git -C DIR is accepted like Codex.
 *    Again the sandbox, not this list, is what contains it.
 *  - The dangerous list is a tripwire for one common disaster (forced rm),
 *    not a denylist: anything it misses is still subject to the sandbox and
 *    the approval policy.
 */
#include "policy/cmd_safety.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cxlimits.h"
#include "common/macro.h"

static bool str_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define STR_IN(s, list) str_in((s), (list), ARRAY_SIZE(list))

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A short-option cluster: "-x...", not "-" and not "--...". */
static bool is_short_cluster(const char *a)
{
	return a[0] == '-' && a[1] != '\0' && a[1] != '-';
}

const char *cmd_safety_executable_name(const char *argv0)
{
	const char *slash;

	if (!argv0)
		return "";
	slash = strrchr(argv0, '/');
	return slash ? slash + 1 : argv0;
}

/* ------------------------------------------------------------------ known-safe */

static bool base64_is_safe(char *const *argv)
{
	for (size_t i = 1; argv[i]; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
		    starts_with(a, "--output=") || starts_with(a, "-o"))
			return false;
		/* codexd: -do FILE is -d -o FILE on systems whose base64 has -o. */
		if (is_short_cluster(a) && strchr(a, 'o'))
			return false;
	}
	return true;
}

static bool find_is_safe(char *const *argv)
{
	static const char *const unsafe[] = {
		"-exec",   "-execdir", "-ok",	   "-okdir", /* run programs */
		"-delete", /* deletes */
		"-fls",	   "-fprint",  "-fprint0", "-fprintf", /* write files */
	};

	for (size_t i = 0; argv[i]; i++)
		if (STR_IN(argv[i], unsafe))
			return false;
	return true;
}

static bool rg_is_safe(char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		/* --pre runs a program per file; --hostname-bin runs a program;
		 * --search-zip / -z run decompressors. */
		if (strcmp(a, "--pre") == 0 || starts_with(a, "--pre=") ||
		    strcmp(a, "--hostname-bin") == 0 || starts_with(a, "--hostname-bin=") ||
		    strcmp(a, "--search-zip") == 0 || strcmp(a, "-z") == 0)
			return false;
		if (i > 0 && is_short_cluster(a) && strchr(a, 'z')) {
			/* codexd: -nz is -n -z; only clusters made of option letters
			 * (a value glued to -g/-e/-t could contain a z). */
			bool letters = true;

			for (const char *p = a + 1; *p; p++)
				if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
					letters = false;
			if (letters)
				return false;
		}
	}
	return true;
}

/* /^(\d+,)?\d+p$/ */
static bool sed_n_arg_is_valid(const char *a)
{
	size_t n = strlen(a), digits = 0;
	bool comma = false;

	if (n < 2 || a[n - 1] != 'p')
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (a[i] >= '0' && a[i] <= '9') {
			digits++;
		} else if (a[i] == ',' && !comma && digits > 0) {
			comma = true;
			digits = 0;
		} else {
			return false;
		}
	}
	return digits > 0;
}

/* git global options that take the next word as their value. */
static bool git_global_takes_value(const char *a)
{
	static const char *const opts[] = {
		"-C",	     "-c",	    "--config-env",   "--exec-path",
		"--git-dir", "--namespace", "--super-prefix", "--work-tree",
	};

	return STR_IN(a, opts);
}

static bool git_global_has_inline_value(const char *a)
{
	static const char *const prefixes[] = {
		"--config-env=", "--exec-path=",    "--git-dir=",
		"--namespace=",	 "--super-prefix=", "--work-tree=",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (starts_with(a, prefixes[i]))
			return true;
	return (starts_with(a, "-C") || starts_with(a, "-c")) && strlen(a) > 2;
}

/*
 * Index of git's subcommand (the first non-option word, skipping global
 * options and their values), or 0 when there is none.
 */
static size_t git_find_subcommand(char *const *argv)
{
	bool skip_next = false;

	for (size_t i = 1; argv[i]; i++) {
		const char *a = argv[i];

		if (skip_next) {
			skip_next = false;
			continue;
		}
		if (git_global_has_inline_value(a))
			continue;
		if (git_global_takes_value(a)) {
			skip_next = true;
			continue;
		}
		if (a[0] == '-')
			continue;
		return i;
	}
	return 0;
}

static bool git_is_safe(char *const *argv)
{
	static const char *const read_only[] = {"status", "log", "diff", "show", "branch"};
	static const char *const unsafe_global[] = {
		"--exec-path", "--git-dir", "--work-tree", "--super-prefix", "-p", "--paginate",
	};
	static const char *const unsafe_global_prefix[] = {
		"--exec-path=",
		"--git-dir=",
		"--work-tree=",
		"--super-prefix=",
	};
	static const char *const unsafe_sub[] = {
		"--output", "--ext-diff", "--textconv", "--exec", "--paginate",
	};
	static const char *const branch_ro[] = {
		"--list", "-l",	 "--show-current", "-a", "--all", "-r", "--remotes",
		"-v",	  "-vv", "--verbose",
	};
	size_t sub;
	bool saw_ro = false;

	/* -c core.pager=..., --config-env: arbitrary programs (Codex checks
	 * every word, not only the global ones; so do we). */
	for (size_t i = 1; argv[i]; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config-env") == 0 ||
		    (starts_with(a, "-c") && strlen(a) > 2) || starts_with(a, "--config-env="))
			return false;
	}
	sub = git_find_subcommand(argv);
	if (sub == 0 || !STR_IN(argv[sub], read_only))
		return false;
	for (size_t i = 1; i < sub; i++) {
		if (STR_IN(argv[i], unsafe_global))
			return false;
		for (size_t k = 0; k < ARRAY_SIZE(unsafe_global_prefix); k++)
			if (starts_with(argv[i], unsafe_global_prefix[k]))
				return false;
	}
	for (size_t i = sub + 1; argv[i]; i++) {
		const char *a = argv[i];

		if (STR_IN(a, unsafe_sub) || starts_with(a, "--output=") ||
		    starts_with(a, "--exec="))
			return false;
	}
	if (strcmp(argv[sub], "branch") != 0)
		return true;
	if (!argv[sub + 1])
		return true; /* `git branch` lists */
	for (size_t i = sub + 1; argv[i]; i++) {
		if (STR_IN(argv[i], branch_ro) || starts_with(argv[i], "--format="))
			saw_ro = true;
		else
			return false; /* a name or another flag may create/rename/delete */
	}
	return saw_ro;
}

bool cmd_safety_is_safe_exec(char *const *argv)
{
	static const char
		*const
			always[] =
				{
					"cat",	  "cd",	   "cut",  "echo", "expr",  "false",
					"grep",	  "head",  "id",   "ls",   "nl",    "paste",
					"pwd",	  "rev",   "seq",  "stat", "tail",  "tr",
					"true",	  "uname", "uniq", "wc",   "which", "whoami",
					"numfmt", "tac", /* Linux-only in Codex; codexd is
							    Linux-only */
				};
	const char *name;

	if (!argv || !argv[0])
		return false;
	name = cmd_safety_executable_name(argv[0]);
	if (name[0] == '\0')
		return false;
	if (STR_IN(name, always))
		return true;
	if (strcmp(name, "base64") == 0)
		return base64_is_safe(argv);
	if (strcmp(name, "find") == 0)
		return find_is_safe(argv);
	if (strcmp(name, "rg") == 0)
		return rg_is_safe(argv);
	if (strcmp(name, "git") == 0)
		return git_is_safe(argv);
	if (strcmp(name, "sed") == 0)
		return argv[1] && strcmp(argv[1], "-n") == 0 && argv[2] &&
		       sed_n_arg_is_valid(argv[2]) && (!argv[3] || !argv[4]);
	return false;
}

bool cmd_safety_command_writes_files(const struct shell_command *cmd)
{
	if (!cmd)
		return false;
	for (size_t i = 0; i < cmd->n_redirects; i++)
		if (shell_redirect_writes_file(&cmd->redirects[i]))
			return true;
	return false;
}

bool cmd_safety_command_is_known_safe(const struct shell_command *cmd)
{
	if (!cmd || !cmd->argv || cmd->n_assignments > 0)
		return false;
	for (size_t i = 0; i < cmd->n_redirects; i++) {
		const struct shell_redirect *r = &cmd->redirects[i];

		switch (r->mode) {
		case SHELL_REDIRECT_READ:
		case SHELL_REDIRECT_DUP:
		case SHELL_REDIRECT_CLOSE:
			break;
		case SHELL_REDIRECT_WRITE:
		case SHELL_REDIRECT_APPEND:
			/* Writing to /dev/null changes nothing. */
			if (r->target && strcmp(r->target, "/dev/null") == 0)
				break;
			return false;
		default:
			return false; /* <> creates files; heredocs are complex parses */
		}
	}
	return cmd_safety_is_safe_exec(cmd->argv);
}

bool cmd_safety_is_known_safe(char *const *argv)
{
	_cleanup_(shell_split_freep) struct shell_split *s = NULL;
	int r;

	if (!argv || !argv[0])
		return false;
	if (cmd_safety_is_safe_exec(argv))
		return true;
	r = shell_split_argv(argv, &s);
	if (r != SHELL_SPLIT_OK || s->complex_parse || s->n_commands == 0)
		return false;
	for (size_t i = 0; i < s->n_commands; i++)
		if (!cmd_safety_command_is_known_safe(&s->commands[i]))
			return false;
	return true;
}

bool cmd_safety_command_has_dangerous_assignment(const struct shell_command *cmd)
{
	if (!cmd)
		return false;
	for (size_t i = 0; i < cmd->n_assignments; i++)
		if (shell_assignment_is_dangerous(cmd->assignments[i].name))
			return true;
	return false;
}

/* ------------------------------------------------------------------ dangerous */

/* Programs that run the program named in their arguments. */
static bool is_wrapper(const char *name)
{
	static const char *const wrappers[] = {
		"sudo",	    "doas",	   "pkexec",  "run0",	  "env",       "nice",
		"nohup",    "time",	   "timeout", "stdbuf",	  "ionice",    "setsid",
		"chrt",	    "taskset",	   "xargs",   "parallel", "exec",      "command",
		"builtin",  "unbuffer",	   "flock",   "chroot",	  "nsenter",   "unshare",
		"firejail", "systemd-run", "strace",  "ltrace",	  "catchsegv", "valgrind",
		"fakeroot", "proot",
	};

	return STR_IN(name, wrappers);
}

/* Programs whose string arguments are shell source. */
static bool is_script_runner(const char *name)
{
	static const char *const runners[] = {
		"bash", "sh",  "zsh",  "dash", "ksh",	  "mksh",  "ash",    "yash", "busybox",
		"fish", "csh", "tcsh", "su",   "runuser", "watch", "script", "sg",
	};

	return STR_IN(name, runners);
}

static bool is_interesting(const char *name)
{
	return is_wrapper(name) || is_script_runner(name) || strcmp(name, "trap") == 0 ||
	       strcmp(name, "eval") == 0 || strcmp(name, "alias") == 0 ||
	       strcmp(name, "find") == 0 || strcmp(name, "rm") == 0;
}

/* "--force" and its unambiguous abbreviations "--f" .. "--forc". */
static bool is_prefix_of(const char *a, const char *full, size_t min)
{
	size_t n = strlen(a);

	return n >= min && n <= strlen(full) && strncmp(a, full, n) == 0;
}

static bool is_force_option(const char *a)
{
	if (is_short_cluster(a))
		return strchr(a, 'f') != NULL;
	return is_prefix_of(a, "--force", 3) || is_prefix_of(a, "--no-preserve-root", 4);
}

/* rm's arguments: a force option before "--". */
static bool rm_args_force(char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(args[i], "--") == 0)
			return false;
		if (is_force_option(args[i]))
			return true;
	}
	return false;
}

/*
 * Work left for one dangerous check, in script bytes parsed.  Wrappers and
 * shells re-parse their arguments at every nesting level; the budget keeps
 * the total bounded whatever the input, and running out counts as
 * dangerous (fail closed).
 */
struct danger {
	size_t budget;
};

static bool dangerous_argv(struct danger *dg, char *const *argv, size_t argc, unsigned depth);

/* A string a shell will run.  Fail closed on allocation failure or limits. */
static bool dangerous_script(struct danger *dg, const char *script, unsigned depth)
{
	_cleanup_(shell_split_freep) struct shell_split *s = NULL;
	size_t len = strlen(script);
	int r;

	/* + a fixed cost per parse, so that many tiny scripts count too */
	if (depth > CX_MAX_WRAPPER_DEPTH || len + 256 > dg->budget)
		return true;
	dg->budget -= len + 256;
	r = shell_parse_literal_script(script, len, &s);
	if (r < 0)
		return true;
	if (s->limit_hit)
		return true;
	for (size_t i = 0; i < s->n_commands; i++)
		if (dangerous_argv(dg, s->commands[i].argv, s->commands[i].argc, depth + 1))
			return true;
	return false;
}

/*
 * After a wrapper: any "rm" word followed (before a "--") by a force
 * option, scanned right to left in one pass, and the first wrapped program
 * that is itself interesting, recursively.
 */
static bool dangerous_wrapped(struct danger *dg, char *const *argv, size_t argc, unsigned depth)
{
	bool force_ahead = false;
	const char *name = cmd_safety_executable_name(argv[0]);

	for (size_t i = argc; i-- > 1;) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			force_ahead = false;
		else if (is_force_option(a))
			force_ahead = true;
		else if (force_ahead && strcmp(cmd_safety_executable_name(a), "rm") == 0)
			return true;
	}
	if (strcmp(name, "env") == 0) {
		/* env -S 'rm -rf /' splits the string into a command. */
		for (size_t i = 1; i < argc; i++) {
			const char *a = argv[i], *v = NULL;

			if ((strcmp(a, "-S") == 0 || strcmp(a, "--split-string") == 0) &&
			    i + 1 < argc)
				v = argv[i + 1];
			else if (starts_with(a, "-S") && a[2])
				v = a + 2;
			else if (starts_with(a, "--split-string="))
				v = a + strlen("--split-string=");
			if (v && dangerous_script(dg, v, depth + 1))
				return true;
		}
	}
	for (size_t i = 1; i < argc; i++)
		if (is_interesting(cmd_safety_executable_name(argv[i])))
			return dangerous_argv(dg, argv + i, argc - i, depth + 1);
	return false;
}

static bool dangerous_argv(struct danger *dg, char *const *argv, size_t argc, unsigned depth)
{
	const char *name;

	if (depth > CX_MAX_WRAPPER_DEPTH || argc + 16 > dg->budget)
		return true;
	if (argc == 0)
		return false;
	dg->budget -= argc + 16; /* the scans below are linear in argc */
	name = cmd_safety_executable_name(argv[0]);

	if (strcmp(name, "rm") == 0)
		return rm_args_force(argv + 1, argc - 1);
	if (is_wrapper(name))
		return dangerous_wrapped(dg, argv, argc, depth);
	if (is_script_runner(name)) {
		/* Every non-option argument may be the script (-c SCRIPT, -ec
		 * SCRIPT, su -c SCRIPT, watch SCRIPT ...): over-approximate. */
		for (size_t i = 1; i < argc; i++)
			if (argv[i][0] != '-' && dangerous_script(dg, argv[i], depth + 1))
				return true;
		return false;
	}
	if (strcmp(name, "trap") == 0) {
		size_t i = 1;

		if (i < argc && strcmp(argv[i], "--") == 0)
			i++;
		return i < argc && argv[i][0] != '-' && dangerous_script(dg, argv[i], depth + 1);
	}
	if (strcmp(name, "eval") == 0) {
		size_t len = 0;
		_cleanup_free_ char *joined = NULL;
		char *p;

		for (size_t i = 1; i < argc; i++)
			len += strlen(argv[i]) + 1;
		if (len == 0)
			return false;
		if (len > CX_MAX_SHELL_SCRIPT)
			return true;
		joined = malloc(len);
		if (!joined)
			return true;
		p = joined;
		for (size_t i = 1; i < argc; i++) {
			size_t n = strlen(argv[i]);

			memcpy(p, argv[i], n);
			p += n;
			*p++ = i + 1 < argc ? ' ' : '\0';
		}
		return dangerous_script(dg, joined, depth + 1);
	}
	if (strcmp(name, "alias") == 0) {
		for (size_t i = 1; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');

			if (eq && dangerous_script(dg, eq + 1, depth + 1))
				return true;
		}
		return false;
	}
	if (strcmp(name, "find") == 0) {
		static const char *const exec_opts[] = {"-exec", "-execdir", "-ok", "-okdir"};

		/* Each -exec command runs to its ";" or "+": disjoint ranges, so
		 * the work stays linear however many there are. */
		for (size_t i = 1; i < argc; i++) {
			size_t end;

			if (!STR_IN(argv[i], exec_opts))
				continue;
			for (end = i + 1; end < argc; end++)
				if (strcmp(argv[end], ";") == 0 || strcmp(argv[end], "+") == 0)
					break;
			if (dangerous_argv(dg, argv + i + 1, end - i - 1, depth + 1))
				return true;
			i = end;
		}
		return false;
	}
	return false;
}

bool cmd_safety_is_dangerous(char *const *argv)
{
	struct danger dg = {.budget = CX_MAX_DANGER_WORK};

	if (!argv || !argv[0])
		return false;
	return dangerous_argv(&dg, argv, strv_length(argv), 0);
}

bool cmd_safety_command_is_dangerous(const struct shell_command *cmd)
{
	struct danger dg = {.budget = CX_MAX_DANGER_WORK};

	if (!cmd || !cmd->argv)
		return false;
	return dangerous_argv(&dg, cmd->argv, cmd->argc, 0);
}
