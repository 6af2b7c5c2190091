# shellcheck shell=bash
# The user-files helpers kept alive per identity (daemon/user_files_pool.c):
# an edit of ~/.codex between two commands applies to the second one, a
# helper runs as its user with nothing more (and cannot be read by that
# user), serves only its own identity, and one killed by its user is
# replaced.

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

UF_CODEX=$M_HOME/.codex

uf_file()
{
	SB_CLEAN+=("$UF_CODEX")
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$UF_CODEX" "$UF_CODEX/rules"
	printf '%s\n' "$2" >"$UF_CODEX/$1"
	chown "$M_USER:" "$UF_CODEX/$1"
}

# uf_helpers USER: pids of the daemon's user-files helpers running as USER.
uf_helpers()
{
	local p pp
	for p in $(pgrep -u "$1" -x codexd-files); do
		pp=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
		is_codexd "$pp" && echo "$p"
	done
}

test_user_files_rules_edit_applies_at_once()
{
	local out
	sb_setup nogit
	uf_file config.toml ''
	sbx -- true || fail "true was refused before any rule"
	uf_file rules/edit.rules 'prefix_rule(pattern=["true"], decision="forbidden")'
	out=$(sbx -- true 2>&1)
	assert_rc 126 $? "true right after a forbidden rule was added: $out"
	# The same size, the same second: only a fresh read tells them apart.
	uf_file rules/edit.rules 'prefix_rule(pattern=["echo"], decision="forbidden")'
	sbx -- true || fail "true still refused after the rule was changed"
	out=$(sbx -- echo hi 2>&1)
	assert_rc 126 $? "echo right after the rule was changed: $out"
	rm -f "$UF_CODEX/rules/edit.rules"
	out=$(sbx -- echo hi 2>&1) || fail "echo refused after the rules file was removed: $out"
}

test_user_files_config_edit_applies_at_once()
{
	local out rc
	sb_setup nogit
	uf_file config.toml 'sandbox_mode = "workspace-write"'
	sbx -- sh -c 'echo x > f1' || fail "workspace-write did not write"
	uf_file config.toml 'sandbox_mode = "read-only"      '
	out=$(sbx -- sh -c 'echo x > f2' 2>&1)
	rc=$?
	[[ $rc -ne 0 && ! -e "$WS/f2" ]] || fail "the edited sandbox_mode did not apply (rc=$rc): $out"
	uf_file config.toml 'sandbox_mode = read-only'
	out=$(sbx -- true 2>&1)
	assert_rc 126 $? "a command right after the file broke: $out"
	uf_file config.toml ''
	sbx -- true || fail "the repaired file was not seen"
}

test_user_files_helper_is_the_user()
{
	local pid st out
	sb_setup nogit
	sbx -- true || fail "true failed"
	pid=$(uf_helpers "$M_USER" | head -1)
	[[ -n "$pid" ]] || fail "no user-files helper of $M_USER after a command"
	st=$(cat "/proc/$pid/status") || fail "cannot read the helper's status"
	note "$(grep -E '^(Uid|Gid|Groups|CapEff|CapPrm|CapBnd|NoNewPrivs)' <<<"$st" | tr '\n\t' '; ')"
	assert_match "Uid:[[:space:]]+${M_UID}[[:space:]]+${M_UID}[[:space:]]+${M_UID}[[:space:]]+${M_UID}" "$st" "its uids"
	assert_match 'CapEff:[[:space:]]+0+$' "$(grep CapEff <<<"$st")" "effective capabilities"
	assert_match 'CapPrm:[[:space:]]+0+$' "$(grep CapPrm <<<"$st")" "permitted capabilities"
	assert_match 'CapBnd:[[:space:]]+0+$' "$(grep CapBnd <<<"$st")" "bounding set"
	assert_match 'NoNewPrivs:[[:space:]]+1' "$st" "no_new_privs"
	# A fresh image of codexd executed after the drop, not a fork of the
	# daemon: nothing of the daemon's memory, an empty environment.
	assert_eq "codexd-files --user-files-helper" \
		"$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ $//')" "its command line"
	[[ "$(readlink "/proc/$pid/exe")" == "$(readlink -f "$CODEXD")" ]] ||
		fail "its image is $(readlink "/proc/$pid/exe"), not $CODEXD"
	out=$(as "$M_USER" cat "/proc/$pid/environ" 2>&1) || fail "cannot read its environment: $out"
	assert_eq "" "$out" "its environment"
	# Started by hand it refuses (descriptor 3 is not the daemon's socket).
	out=$(as "$M_USER" "$CODEXD" --user-files-helper 3</dev/null 2>&1)
	assert_rc 2 $? "codexd --user-files-helper by hand: $out"
}

test_user_files_helper_killed_is_replaced()
{
	local pid out
	sb_setup nogit
	sbx -- true || fail "true failed"
	for pid in $(uf_helpers "$M_USER"); do
		as "$M_USER" kill -KILL "$pid" || fail "the user could not kill their own helper"
	done
	out=$(sbx -- echo again 2>&1) || fail "no command after the helper was killed: $out"
	assert_eq again "$out" "the output"
	# The daemon kept serving everyone.
	ctl cxt-viewer status >/dev/null || fail "the daemon stopped answering"
}

test_user_files_no_other_users_file()
{
	local secret out rc
	sb_setup nogit
	install -d -o cxt-admin -g cxt-admin -m 0755 "$TD/admin"
	secret=$TD/admin/config.toml
	printf 'sandbox_mode = "read-only"\nmodel = "admin-secret-model"\n' >"$secret"
	chown cxt-admin: "$secret"
	chmod 0600 "$secret"
	# cxt-admin's own helper is up and reads the file fine as cxt-admin...
	SB_CLEAN+=("$UF_CODEX")
	ASDIR=/ ctl cxt-admin exec -- true || fail "cxt-admin could not run true"
	# ...while cxt-member points their own config at it.
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$UF_CODEX"
	ln -sfn "$secret" "$UF_CODEX/config.toml"
	out=$(sbx -- true 2>&1)
	rc=$?
	note "$out"
	assert_rc 126 "$rc" "a command whose config is another user's 0600 file"
	assert_match 'config\.toml.*Permission denied' "$out" "the message"
	out=$(SB_CTL=(--json) ASDIR=$WS ctl "$M_USER" config show 2>&1)
	[[ "$out" != *admin-secret-model* ]] || fail "config show revealed the other user's file: $out"
	# The project layer too: a .codex the member may not read.
	rm -f "$UF_CODEX/config.toml"
	install -d -o cxt-admin -g cxt-admin -m 0700 "$WS/.codex"
	printf 'model = "admin-project-model"\n' >"$WS/.codex/config.toml"
	chown cxt-admin: "$WS/.codex/config.toml"
	chmod 0600 "$WS/.codex/config.toml"
	out=$(SB_CTL=(--json) ASDIR=$WS ctl "$M_USER" config show 2>&1)
	note "$out"
	[[ "$out" != *admin-project-model* ]] ||
		fail "the daemon read a project file the user cannot read: $out"
}
