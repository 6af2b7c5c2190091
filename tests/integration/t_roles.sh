# shellcheck shell=bash
# Roles from Unix groups: what viewers, members, admins and users in no
# codexd group may do; the socket's permissions; exec ownership.

test_viewer_cannot_exec()
{
	local err rc
	err=$(ctl cxt-viewer exec -- true 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec as a viewer"
	assert_match "permission denied: exec/start needs role member; user cxt-viewer \\(uid $(id -u cxt-viewer)\\) has role viewer" \
		"$err" "message"
	# Nothing ran.
	no_procs_of cxt-viewer -x true || fail "a process of cxt-viewer runs"
	# The refusal carries the role in data, for programs.
	err=$(rpc_line 1 exec/start "$(exec_params '["true"]')" | raw cxt-viewer --lines 1)
	expect_error "$err" 1 -32001 "exec/start as a viewer"
	assert_eq role "$(jqv "$err" .error.data.reason)" "data.reason"
	assert_eq member "$(jqv "$err" .error.data.required_role)" "data.required_role"
	assert_eq viewer "$(jqv "$err" .error.data.role)" "data.role"
}

test_nogroup_denied()
{
	local err rc
	err=$(ctl cxt-nogroup status 2>&1)
	rc=$?
	assert_rc 1 "$rc" "status as a user in no codexd group"
	assert_match "permission denied" "$err" "message"
	assert_match "not in a codexd group" "$err" "message"
	err=$(ctl cxt-nogroup exec -- true 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec as a user in no codexd group"
	assert_match "permission denied.*not in a codexd group" "$err" "message"
	# connect() itself is refused by the kernel.
	err=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' | raw cxt-nogroup --lines 1 2>&1)
	rc=$?
	assert_rc 3 "$rc" "cxraw connect as cxt-nogroup"
	assert_match "Permission denied" "$err" "connect error"
}

test_nogroup_uid_with_role_group()
{
	local out
	# The same uid gains the viewer role with a viewer group (from SO_PEERGROUPS).
	out=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' |
		setpriv --reuid=cxt-nogroup --regid=cxt-nogroup --groups=cxt-viewer -- \
			"$CXRAW" --lines 1 "$SOCK")
	assert_eq viewer "$(jqv "$out" .result.caller.role)" "role of cxt-nogroup with cxt-viewer"
	assert_eq cxt-nogroup "$(jqv "$out" .result.caller.user)" "user name"
	# Only the primary group: still no role, even if the socket were reachable.
	out=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' |
		setpriv --reuid=cxt-nogroup --regid=cxt-nogroup --groups=cxt-nogroup -- \
			"$CXRAW" --lines 1 "$SOCK" 2>&1)
	assert_match "Permission denied" "$out" "cxt-nogroup without a codexd group"
}

test_socket_mode_and_acl()
{
	local mode owner acl
	mode=$(stat -c %a "$SOCK")
	assert_eq 660 "$mode" "mode of the socket"
	owner=$(stat -c %U:%G "$SOCK")
	assert_eq root:cxt-member "$owner" "owner of the socket"
	# shellcheck disable=SC2012 # ls is the tool that shows the ACL mark
	[[ "$(ls -l "$SOCK" | cut -c11)" == "+" ]] || fail "no ACL on the socket: $(ls -l "$SOCK")"
	acl=$(python3 - "$SOCK" <<'EOF'
import os, struct, sys
raw = os.getxattr(sys.argv[1], "system.posix_acl_access")
(version,) = struct.unpack_from("<I", raw)
assert version == 2, version
names = {1: "user_obj", 2: "user", 4: "group_obj", 8: "group", 16: "mask", 32: "other"}
for off in range(4, len(raw), 8):
    tag, perm, ident = struct.unpack_from("<HHI", raw, off)
    print(names.get(tag, tag), "" if ident == 0xFFFFFFFF else ident, perm)
EOF
	) || fail "cannot read the socket's ACL"
	assert_line "$acl" "user_obj  6" "ACL user_obj"
	assert_line "$acl" "group_obj  6" "ACL group_obj"
	assert_line "$acl" "group $(getent group cxt-viewer | cut -d: -f3) 6" "ACL entry of cxt-viewer"
	assert_line "$acl" "group $(getent group cxt-admin | cut -d: -f3) 6" "ACL entry of cxt-admin"
	assert_line "$acl" "mask  6" "ACL mask"
	assert_line "$acl" "other  0" "ACL other"
	assert_eq 6 "$(wc -l <<<"$acl")" "number of ACL entries"
}

test_member_cannot_reload()
{
	local err rc gen
	gen=$(status_json cxt-viewer | jq .policy.generation)
	err=$(ctl cxt-member reload 2>&1)
	rc=$?
	assert_rc 1 "$rc" "reload as a member"
	assert_match "permission denied: policy/reload needs role admin; user cxt-member" "$err" \
		"message"
	err=$(ctl cxt-viewer reload 2>&1)
	assert_rc 1 $? "reload as a viewer"
	assert_eq "$gen" "$(status_json cxt-viewer | jq .policy.generation)" \
		"generation after refused reloads"
}

test_admin_can_reload()
{
	local out rc gen
	gen=$(status_json cxt-viewer | jq .policy.generation)
	[[ "$gen" =~ ^[0-9]+$ ]] || fail "no generation: $gen"
	out=$(ctl cxt-admin reload 2>&1)
	rc=$?
	assert_rc 0 "$rc" "reload as an admin"
	assert_eq "configuration reloaded (generation $((gen + 1)))" "$out" "reload output"
	assert_eq $((gen + 1)) "$(status_json cxt-viewer | jq .policy.generation)" \
		"generation after the reload"
	out=$(ctl cxt-admin --json reload)
	assert_eq $((gen + 2)) "$(jqv "$out" .generation)" "generation in reload --json"
	assert_eq null "$(status_json cxt-viewer | jq .policy.last_reload_error)" \
		"last_reload_error"
}

test_exec_owned_by_its_user()
{
	local line id out
	sess_open owner cxt-member
	sess_send owner "$(rpc_line 1 exec/start "$(exec_params '["sleep","1000"]')")"
	line=$(sess_wait owner '.id == 1' 10) || fail "no answer to exec/start"
	id=$(jqv "$line" .result.id)
	[[ -n "$id" && "$id" != null ]] || fail "exec/start failed: $line"
	wait_until 5 procs_of cxt-member -x sleep || fail "sleep is not running"

	# Another uid with the member role sees no such exec, whatever it tries.
	out=$(
		{
			rpc_line 1 exec/signal "{\"id\":\"$id\",\"signal\":\"KILL\"}"
			rpc_line 2 exec/write "{\"id\":\"$id\",\"data\":\"aGkK\"}"
			rpc_line 3 exec/close_stdin "{\"id\":\"$id\"}"
			rpc_line 4 exec/resize "{\"id\":\"$id\",\"rows\":10,\"cols\":10}"
		} | setpriv --reuid=cxt-nogroup --regid=cxt-nogroup --groups=cxt-member -- \
			"$CXRAW" --lines 4 "$SOCK"
	)
	expect_error "$out" 1 -32007 "exec/signal by another member"
	assert_match "no such exec" "$(jqv "$ERR_LINE" .error.message)" "message"
	expect_error "$out" 2 -32007 "exec/write by another member"
	expect_error "$out" 3 -32007 "exec/close_stdin by another member"
	expect_error "$out" 4 -32007 "exec/resize by another member"
	# The answer is the same as for an id that does not exist.
	out=$(rpc_line 1 exec/signal '{"id":"x0000000000000000","signal":"KILL"}' |
		raw cxt-member --lines 1)
	expect_error "$out" 1 -32007 "exec/signal of an unknown id"
	# A viewer is refused by role.
	out=$(rpc_line 1 exec/signal "{\"id\":\"$id\",\"signal\":\"KILL\"}" | raw cxt-viewer --lines 1)
	expect_error "$out" 1 -32001 "exec/signal by a viewer"
	procs_of cxt-member -x sleep || fail "the exec was killed by another user"
	[[ -z "$(sess_find owner '.method == "exec/exited"')" ]] ||
		fail "the exec ended: $(sess_find owner '.method == "exec/exited"')"

	# An admin may act on it (CONT is harmless).
	out=$(rpc_line 1 exec/signal "{\"id\":\"$id\",\"signal\":\"CONT\"}" | raw cxt-admin --lines 1)
	assert_eq '{}' "$(jqv "$out" '.result | tojson')" "exec/signal CONT by an admin"
	# The owner, from another connection, may too; the output stays on the first.
	out=$(rpc_line 1 exec/signal "{\"id\":\"$id\",\"signal\":\"TERM\"}" | raw cxt-member --lines 1)
	assert_eq '{}' "$(jqv "$out" '.result | tojson')" "exec/signal TERM by the owner"
	line=$(sess_wait owner '.method == "exec/exited"' 5) || fail "no exec/exited after TERM"
	assert_eq TERM "$(jqv "$line" .params.signal)" "signal in exec/exited"
	sess_close owner
	wait_no_procs cxt-member 5 -x sleep || fail "sleep survived: $(proc_list cxt-member)"
}

test_exec_as_admin_is_admin_uid()
{
	local out
	# An admin's command runs as the admin's own uid, never as root.
	out=$(ctl cxt-admin exec -- sh -c 'id -u; grep CapEff /proc/self/status') ||
		fail "exec as admin failed"
	assert_line "$out" "$(id -u cxt-admin)" "uid of an admin's command"
	assert_match "CapEff:[[:space:]]+0000000000000000" "$out" "capabilities of an admin's command"
}
