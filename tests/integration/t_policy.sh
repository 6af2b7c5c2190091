# shellcheck shell=bash
# Configuration layers and glob rules as the sandbox applies them
# (codexd.conf(5) "LAYERS", codexd.rules(5) glob_rule): the user's
# ~/.codex/config.toml and a trusted project's .codex/config.toml under the
# managed configuration, what `config show` reports, fail-closed handling
# of a broken user file, glob rules turned into unreadable and read-only
# paths, and a workspace that is the host's /tmp itself.
#
# The approval flow itself is in t_approvals.sh.
#
# shellcheck disable=SC2016 # the sh -c scripts expand their own variables

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

CXT_CODEX=$M_HOME/.codex

# pol_user_config TEXT: cxt-member's ~/.codex/config.toml (removed after the test).
pol_user_config()
{
	SB_CLEAN+=("$CXT_CODEX")
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$CXT_CODEX"
	printf '%s\n' "$1" >"$CXT_CODEX/config.toml"
	chown "$M_USER:" "$CXT_CODEX/config.toml"
}

# pol_daemon NAME CONFIG RULES: a daemon whose rules.d holds RULES (policy.rules).
pol_daemon()
{
	local dir=$TD/d-$1
	mkdir -p "$dir/rules.d"
	chmod 0755 "$dir" "$dir/rules.d"
	if [[ -n "$3" ]]; then
		printf '%s\n' "$3" >"$dir/rules.d/policy.rules"
		chmod 0644 "$dir/rules.d/policy.rules"
	fi
	# Top-level keys come before the first section.
	start_daemon "$1" "$2
$CXT_ROLES_CONF"
	SB_SOCK=$D_SOCK
}

# ---------------------------------------------------------------- layers

test_policy_user_config_applies()
{
	local out rc
	sb_setup
	pol_user_config 'sandbox_mode = "read-only"'
	out=$(sbx -- sh -c 'echo x > file' 2>&1)
	rc=$?
	[[ $rc -ne 0 && ! -e "$WS/file" ]] ||
		fail "the user's sandbox_mode = \"read-only\" did not apply (rc=$rc): $out"
	# The request may choose: the administrator did not set sandbox_mode.
	sbx -s workspace-write -- sh -c 'echo x > file' || fail "the request could not choose workspace-write"
	[[ -e "$WS/file" ]] || fail "workspace-write did not write"
}

test_policy_managed_beats_user_and_request()
{
	local out rc
	sb_setup
	pol_daemon managed 'sandbox_mode = "read-only"' ''
	pol_user_config 'sandbox_mode = "workspace-write"'
	out=$(sbx -s workspace-write -- sh -c 'echo x > file' 2>&1)
	rc=$?
	note "$out"
	[[ $rc -ne 0 && ! -e "$WS/file" ]] || fail "the managed read-only mode was loosened (rc=$rc)"
	assert_match 'warning: .*looser than the managed' "$out" "the warning about the request"
	# Stricter is always allowed.
	pol_user_config 'sandbox_mode = "read-only"'
	out=$(sbx -- cat README 2>&1) || fail "read-only could not read: $out"
}

test_policy_requirements_clamp()
{
	local out rc
	sb_setup
	pol_daemon req '[requirements]
allowed_sandbox_modes = ["read-only"]' ''
	out=$(sbx -s workspace-write -- sh -c 'echo x > file' 2>&1)
	rc=$?
	note "$out"
	[[ $rc -ne 0 && ! -e "$WS/file" ]] || fail "requirements did not clamp workspace-write (rc=$rc)"
	assert_match 'warning: sandbox workspace-write is not allowed by \[requirements\]; using read-only' \
		"$out" "the clamping warning"
}

test_policy_project_needs_trust()
{
	sb_setup
	install -d -o "$M_USER" -g "$M_USER" "$WS/.codex"
	printf 'sandbox_mode = "read-only"\n' >"$WS/.codex/config.toml"
	chown "$M_USER:" "$WS/.codex/config.toml"
	pol_user_config '# no trust yet'
	sbx -- sh -c 'echo x > file1' || fail "an untrusted project's configuration applied"
	[[ -e "$WS/file1" ]] || fail "file1 was not written"
	pol_user_config "[projects.\"$WS\"]
trust_level = \"trusted\""
	if sbx -- sh -c 'echo x > file2' 2>/dev/null || [[ -e "$WS/file2" ]]; then
		fail "the trusted project's sandbox_mode = \"read-only\" did not apply"
	fi
}

test_policy_config_show_effective()
{
	local out
	sb_setup
	pol_user_config 'sandbox_mode = "read-only"
model = "some-model"'
	out=$(SB_CTL=(--json) ASDIR=$WS ctl "$M_USER" config show) || fail "config show failed: $out"
	assert_eq read-only "$(jqv "$out" .effective.sandbox_mode)" "effective sandbox_mode"
	assert_eq user "$(jqv "$out" .effective.origins.sandbox_mode)" "its origin"
	assert_eq some-model "$(jqv "$out" '.effective.user.model')" "a key codexd does not enforce, served as-is"
	assert_eq "$CXT_CODEX/config.toml" "$(jqv "$out" .effective.files.user_config)" "the file read"
	out=$(ASDIR=$WS ctl "$M_USER" --json config show -c 'sandbox_mode="danger-full-access"') ||
		fail "config show -c failed: $out"
	assert_eq danger-full-access "$(jqv "$out" .effective.sandbox_mode)" "an override"
	assert_eq override "$(jqv "$out" .effective.origins.sandbox_mode)" "the override's origin"
	out=$(ASDIR=$WS ctl "$M_USER" config show -c 'not a key' 2>&1)
	[[ $? -ne 0 ]] || fail "a malformed override was accepted"
}

test_policy_broken_user_config_fails_closed()
{
	local out rc
	sb_setup
	pol_user_config 'sandbox_mode = read-only'
	out=$(sbx -- true 2>&1)
	rc=$?
	note "$out"
	assert_rc 126 "$rc" "a command while ~/.codex/config.toml is broken"
	assert_match "config\.toml:1" "$out" "the message names the file and line"
	pol_user_config 'sandbox_mode = "read-only"'
	sbx -- true || fail "fixing the file did not restore service"
}

test_policy_broken_user_rules_fail_closed()
{
	local out rc
	sb_setup
	pol_user_config ''
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$CXT_CODEX/rules"
	printf 'prefix_rule(pattern=["rm"], decision="forbidden")\nprefix_rule(pattern=[\n' \
		>"$CXT_CODEX/rules/mine.rules"
	chown "$M_USER:" "$CXT_CODEX/rules/mine.rules"
	out=$(sbx -- true 2>&1)
	rc=$?
	note "$out"
	# Codex would drop the whole file, forbidden rule included; codexd refuses.
	assert_rc 126 "$rc" "a command while a user rules file is broken"
	assert_match 'mine\.rules:[0-9]+' "$out" "the message names the file and line"
	printf 'prefix_rule(pattern=["rm"], decision="forbidden")\n' >"$CXT_CODEX/rules/mine.rules"
	sbx -- true || fail "fixing the rules did not restore service"
	out=$(sbx -- rm -f nothing 2>&1)
	assert_rc 126 $? "the user's own forbidden rule"
}

test_policy_unreadable_user_config_fails_closed()
{
	local out rc
	sb_setup
	pol_user_config 'sandbox_mode = "read-only"'
	chmod 0000 "$CXT_CODEX/config.toml"
	out=$(sbx -- true 2>&1)
	rc=$?
	note "$out"
	# Read as the user (not root): the user cannot read it, so neither does codexd.
	assert_rc 126 "$rc" "a command while ~/.codex/config.toml is unreadable"
	assert_match 'config\.toml.*Permission denied' "$out" "the message"
}

# ---------------------------------------------------------------- glob rules

test_policy_glob_forbidden_read()
{
	local out
	sb_setup
	printf 'top secret\n' >"$SB_ROOT/secret.txt"
	chown "$M_USER:" "$SB_ROOT/secret.txt"
	pol_daemon globr '' "glob_rule(pattern=\"$SB_ROOT/secret.txt\", decision=\"forbidden\", access=\"read\", justification=\"keys\")"
	out=$(sbx -- sh -c "$SB_T"'
		t cat cat "$1"
		t readme cat README' sh "$SB_ROOT/secret.txt" 2>&1)
	note "$out"
	assert_rc_line "$out" readme 0 "an ordinary read"
	assert_rc_line "$out" cat 1 "reading the forbidden file"
	assert_eq "top secret" "$(cat "$SB_ROOT/secret.txt")" "the file on the host"
}

test_policy_glob_forbidden_write_is_read_only()
{
	local out
	sb_setup
	install -d -o "$M_USER" -g "$M_USER" "$WS/locked"
	printf 'keep\n' >"$WS/locked/f"
	chown "$M_USER:" "$WS/locked/f"
	pol_daemon globw '' 'glob_rule(pattern="locked", decision="forbidden", access="write")'
	out=$(sbx -- sh -c "$SB_T"'
		t write sh -c "echo x > locked/f"
		t create sh -c "echo x > locked/new"
		t read cat locked/f
		t other sh -c "echo x > elsewhere"' 2>&1)
	note "$out"
	assert_rc_line "$out" read 0 "reading below the read-only path"
	assert_rc_line "$out" other 0 "writing elsewhere in the workspace"
	assert_all_failed "$(grep -E '^(write|create) ' <<<"$out")" 2 "writes below the read-only path"
	assert_eq keep "$(cat "$WS/locked/f")" "the file on the host"
	[[ ! -e "$WS/locked/new" ]] || fail "a file was created below the read-only path"
}

test_policy_glob_prompt_named_path()
{
	local out rc
	sb_setup
	printf 'A=1\n' >"$WS/.env"
	chown "$M_USER:" "$WS/.env"
	pol_daemon globp '' 'glob_rule(pattern="**/.env", decision="prompt", justification="env files hold secrets")'
	out=$(sbx --no-prompt -- cat .env 2>&1)
	rc=$?
	note "$out"
	assert_rc 126 "$rc" "a command naming .env with nobody to approve"
	assert_match 'env files hold secrets' "$out" "the rule's justification"
	sbx --no-prompt -- cat README >/dev/null || fail "a command naming no matching path was stopped"
}

test_policy_glob_wildcard_forbidden_named()
{
	local out rc
	sb_setup
	printf 'key\n' >"$WS/server.pem"
	install -d -o "$M_USER" -g "$M_USER" "$WS/sub"
	chown "$M_USER:" "$WS/server.pem"
	pol_daemon globf '' 'glob_rule(pattern="**/*.pem", decision="forbidden", access="read", justification="no keys")'
	# In a sandbox: unreadable, files created later included; the rest reads.
	out=$(sbx -- sh -c "$SB_T"'
		t old cat server.pem
		t mk sh -c "echo new > sub/new.pem"
		t new cat sub/new.pem
		t readme cat README' 2>&1)
	note "$out"
	assert_rc_line "$out" readme 0 "an ordinary read"
	assert_rc_line "$out" old 1 "reading a matching file that existed"
	assert_rc_line "$out" new 1 "reading a matching file created in the sandbox"
	assert_eq key "$(cat "$WS/server.pem")" "the file on the host"
	# Without a sandbox the rule can only refuse commands that name a match.
	out=$(sbx -s danger-full-access -- cat server.pem 2>&1)
	rc=$?
	note "$out"
	assert_rc 126 "$rc" "danger-full-access naming a forbidden file"
	assert_match 'no keys' "$out" "the justification"
}

# ------------------------------------------------------ failure in the sandbox

test_policy_sandbox_retry_offered()
{
	local out ex SB_CTL=(--json)
	sb_setup
	pol_daemon retry '' ''
	# on-request: a failure after a refusal says the user may escalate.
	out=$(sbx --log-denials -s read-only -a on-request -- touch made 2>&1)
	ex=$(grep '"exec/exited"\|"duration_ms"' <<<"$out" | tail -1)
	note "$ex"
	assert_eq true "$(jq -r '.sandbox_retry.escalate_allowed' <<<"$ex")" "sandbox_retry under on-request"
	assert_match '^[1-9]' "$(jq -r '.sandbox_retry.denials' <<<"$ex")" "denials counted"
	# never: nobody may be asked, so nothing is offered.
	out=$(sbx --log-denials -s read-only -a never -- touch made 2>&1)
	ex=$(grep '"duration_ms"' <<<"$out" | tail -1)
	assert_eq null "$(jq -r '.sandbox_retry' <<<"$ex")" "no sandbox_retry under never"
	# Success: nothing to retry.
	out=$(sbx --log-denials -s read-only -a on-request -- true 2>&1)
	ex=$(grep '"duration_ms"' <<<"$out" | tail -1)
	assert_eq null "$(jq -r '.sandbox_retry' <<<"$ex")" "no sandbox_retry after success"
}

# ---------------------------------------------------------------- programs

test_policy_lookalike_on_path()
{
	local out rc
	sb_setup
	install -d -o "$M_USER" -g "$M_USER" "$SB_ROOT/bin"
	install -o "$M_USER" -g "$M_USER" -m 0755 /bin/true "$SB_ROOT/bin/git"
	pol_daemon look '' 'prefix_rule(pattern=["git", "push"], decision="forbidden", justification="no pushes")'
	out=$(sbx --env "PATH=$SB_ROOT/bin:/usr/bin:/bin" -- git push origin 2>&1)
	rc=$?
	assert_rc 126 "$rc" "git push through a look-alike on PATH ($out)"
	out=$(sbx -- "$SB_ROOT/bin/git" push 2>&1)
	assert_rc 126 $? "the look-alike by path ($out)"
	out=$(sbx -- ../bin/git push 2>&1)
	assert_rc 126 $? "the look-alike by relative path ($out)"
}

test_policy_command_not_found()
{
	local out rc
	sb_setup
	out=$(sbx -- cxt-no-such-program-here 2>&1)
	rc=$?
	assert_rc 127 "$rc" "a program that is not on PATH"
	assert_match 'No such file or directory' "$out" "the message"
}

# ---------------------------------------------------------------- /tmp as the workspace

test_policy_cwd_is_tmp()
{
	local out marker=/tmp/cxt-marker.$SB_TAG
	sb_setup nogit
	SB_CLEAN+=("$marker" "/tmp/cxt-written.$SB_TAG")
	printf 'here\n' >"$marker"
	chmod 0644 "$marker"
	out=$(SB_DIR=/tmp sbx -- sh -c 'pwd; cat "$1"; echo w > "$2"' sh "$marker" \
		"/tmp/cxt-written.$SB_TAG" 2>&1) || fail "a command with cwd /tmp failed: $out"
	assert_match '^/tmp' "$out" "its working directory"
	assert_match 'here' "$out" "the host's /tmp is the workspace"
	[[ -e "/tmp/cxt-written.$SB_TAG" ]] || fail "the write in the /tmp workspace did not reach the host"
	out=$(SB_DIR=/tmp sbx -s read-only -- cat "$marker" 2>&1) ||
		fail "read-only with cwd /tmp cannot read its own workspace: $out"
}
