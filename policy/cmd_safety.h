/* SPDX-License-Identifier: MIT */
/*
 * The known-safe and dangerous command lists (CODEX-MODEL.md §4.2), used
 * by the approval table for commands no rule matched.
 *
 * KNOWN-SAFE (read-only, may run without asking under `untrusted`; still
 * sandboxed).  Executable names are taken by basename, as Codex does, so
 * "/usr/bin/ls" and "./ls" both count as ls (see CAVEATS in cmd_safety.c).
 *   always:  cat cd cut echo expr false grep head id ls nl paste pwd rev seq
 *            stat tail tr true uname uniq wc which whoami numfmt tac
 *   base64   unless -o, --output, --output=X, -oX (or any short cluster with o)
 *   find     unless -exec -execdir -ok -okdir -delete -fls -fprint -fprint0
 *            -fprintf
 *   rg       unless --pre[=X], --hostname-bin[=X], --search-zip, -z (or a
 *            letters-only short cluster containing z)
 *   sed      only `sed -n N p` / `sed -n M,N p`, at most 4 words
 *   git      status | log | diff | show | branch as the first non-option word,
 *            with no -c / -cX / --config-env[=] anywhere (they set
 *            core.pager & co: arbitrary code), no --exec-path, --git-dir,
 *            --work-tree, --super-prefix, -p / --paginate before the
 *            subcommand (codexd: another repository's config is code too),
 *            no --output[=], --ext-diff, --textconv, --exec[=], --paginate
 *            after it; `git branch` only with --list -l --show-current -a
 *            --all -r --remotes -v -vv --verbose --format=X (or nothing).
 *   bash|zsh|sh -c|-lc SCRIPT: only when the strict split succeeds without
 *            the heredoc fallback and EVERY command is known-safe with no
 *            NAME=value prefix and no redirection that opens a file for
 *            writing (`>f`, `>>f`, `&>f`, `<>f`; `>/dev/null` is allowed).
 *            Input redirections `<f` and descriptor copies `2>&1` are fine:
 *            reading is what these commands do anyway.
 *
 * DANGEROUS (prompt even where unmatched commands would run; forbidden under
 * `never`): `rm` with a force option before `--` (`-f` in any short cluster:
 * -f -rf -fr -Rf -vf ...; `--force` or an unambiguous abbreviation of it,
 * `--f`..`--forc`; codexd adds `--no-preserve-root`), found
 *   - directly, by basename (/bin/rm);
 *   - behind wrappers: sudo, doas, env, nice, nohup, time, timeout, xargs,
 *     exec, command, stdbuf, setsid, flock, chroot, ... (any rm word after
 *     the wrapper, and the first wrapped program recursively); env -S STRING;
 *   - in `find ... -exec|-execdir|-ok|-okdir rm -f ...`;
 *   - anywhere a shell would run it: `bash|sh|zsh|dash|ksh|... ARGS` where
 *     any non-option argument is parsed as a script with the PERMISSIVE parse
 *     (pipelines, if/for/while/case bodies, $( ), backticks, subshells,
 *     functions), `su|runuser|watch|script ... STRING`, `trap 'ACTION'`,
 *     `eval ARGS`, `alias name='VALUE'`;
 * nested at most CX_MAX_WRAPPER_DEPTH levels.  Deeper nesting, a script the
 * permissive parse could not finish because of a limit, and running out of
 * the CX_MAX_DANGER_WORK budget (bytes re-parsed over all levels; brace
 * lists and nested shells would otherwise multiply the work at every level)
 * all count as dangerous.
 *
 * Pure; allocation failure makes is_known_safe false and is_dangerous true
 * (fail closed).  Process: any (not a sandbox child: allocates).
 */
#ifndef CX_POLICY_CMD_SAFETY_H
#define CX_POLICY_CMD_SAFETY_H

#include <stdbool.h>
#include "policy/shell_split.h"

/* argv0's lookup key: the part after the last '/' ("" for "dir/"). */
const char *cmd_safety_executable_name(const char *argv0);

/* Known-safe per the table above, including the bash -lc case.  argv is
 * NULL-terminated; NULL or empty -> false. */
bool cmd_safety_is_known_safe(char *const *argv);

/* The plain-argv part of the table only (Codex's is_safe_to_call_with_exec):
 * no shell-script handling. */
bool cmd_safety_is_safe_exec(char *const *argv);

/* One command of a strict split: its argv is safe AND it has no assignment
 * and no redirection writing a file (see above). */
bool cmd_safety_command_is_known_safe(const struct shell_command *cmd);

/* Dangerous per the table above.  argv NULL or empty -> false. */
bool cmd_safety_is_dangerous(char *const *argv);

/* One command of a split: dangerous argv. */
bool cmd_safety_command_is_dangerous(const struct shell_command *cmd);

/* Some NAME=value prefix of the command sets a variable for which
 * shell_assignment_is_dangerous() is true.  A rule's `allow` must not apply
 * to such a command (it would run the allowed program with, e.g., a chosen
 * LD_PRELOAD); see approval.h. */
bool cmd_safety_command_has_dangerous_assignment(const struct shell_command *cmd);

/* True when the command writes a file through a redirection (any
 * WRITE / APPEND / READ_WRITE, /dev/null included). */
bool cmd_safety_command_writes_files(const struct shell_command *cmd);

#endif
