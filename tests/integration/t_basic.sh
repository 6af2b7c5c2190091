# shellcheck shell=bash
# Basics: handshake, status, the daemon/status object, an unreachable daemon.

test_hello_member_role()
{
	local out rc uid
	uid=$(id -u cxt-member)
	out=$(ctl cxt-member hello 2>&1)
	rc=$?
	assert_rc 0 "$rc" "codexctl hello as cxt-member"
	assert_match "you are cxt-member \\(uid $uid\\), role member" "$out" "hello output"
	assert_match "^codexd [0-9]+\\.[0-9]+\\.[0-9]+ \\(protocol 1\\)" "$out" "hello output"

	out=$(ctl cxt-member --json hello)
	assert_eq member "$(jqv "$out" .caller.role)" "hello --json .caller.role"
	assert_eq "$uid" "$(jqv "$out" .caller.uid)" "hello --json .caller.uid"
	assert_eq "$(id -g cxt-member)" "$(jqv "$out" .caller.gid)" "hello --json .caller.gid"
	assert_eq 1 "$(jqv "$out" .protocol_version)" "hello --json .protocol_version"
}

test_hello_each_role()
{
	local u out
	for u in cxt-viewer:viewer cxt-admin:admin; do
		out=$(ctl "${u%%:*}" --json hello) || fail "hello as ${u%%:*} failed"
		assert_eq "${u#*:}" "$(jqv "$out" .caller.role)" "role of ${u%%:*}"
	done
	# root is admin whatever its groups.
	out=$(CODEXD_SOCKET=$SOCK "$CODEXCTL" --json hello) || fail "hello as root failed"
	assert_eq admin "$(jqv "$out" .caller.role)" "role of root"
	assert_eq 0 "$(jqv "$out" .caller.uid)" "uid of root"
}

test_status_as_viewer()
{
	local out rc
	out=$(ctl cxt-viewer status 2>&1)
	rc=$?
	assert_rc 0 "$rc" "codexctl status as cxt-viewer"
	assert_match "policy: +generation 1" "$out" "status output"
	assert_match "socket: +$SOCK" "$out" "status output"
	assert_match "requests +[0-9]+" "$out" "status output"

	out=$(ctl cxt-viewer --json status)
	assert_eq "$DPID" "$(jqv "$out" .pid)" "status --json .pid"
	assert_eq "$SOCK" "$(jqv "$out" .policy.socket)" "status --json .policy.socket"
}

test_status_raw_counters()
{
	local out res k
	out=$(rpc_line 7 daemon/status '{}' | raw cxt-viewer --lines 1)
	[[ -n "$out" ]] || fail "no answer to daemon/status"
	assert_eq 7 "$(jqv "$out" .id)" "id of the answer"
	assert_eq "2.0" "$(jqv "$out" .jsonrpc)" "jsonrpc member"
	res=$(jqv "$out" '.result | type')
	assert_eq object "$res" "type of .result"
	for k in connections_accepted requests errors_sent bad_frames execs_started \
		execs_failed execs_timed_out execs_killed output_bytes reloads reload_failures; do
		assert_eq number "$(jqv "$out" ".result.counters.$k | type")" "counters.$k"
	done
	# This very request was counted, and the connection too.
	jq -e '.result.counters.requests >= 1 and .result.counters.connections_accepted >= 1' \
		<<<"$out" >/dev/null || fail "counters not counting: $out"
	assert_eq "$DPID" "$(jqv "$out" .result.pid)" ".result.pid"
	assert_eq number "$(jqv "$out" '.result.policy.generation | type')" "policy.generation"
	assert_eq number "$(jqv "$out" '.result.uptime_ms | type')" "uptime_ms"

	# daemon/status takes no parameters.
	out=$(rpc_line 8 daemon/status '{"x":1}' | raw cxt-viewer --lines 1)
	expect_error "$out" 8 -32602 "daemon/status with a parameter"
}

test_counters_move()
{
	local before after
	before=$(status_json cxt-viewer | jq .counters.bad_frames)
	[[ "$before" =~ ^[0-9]+$ ]] || fail "no bad_frames counter: $before"
	printf 'nonsense\nmore nonsense\n' | raw cxt-member --lines 2 >/dev/null
	after=$(status_json cxt-viewer | jq .counters.bad_frames)
	assert_eq $((before + 2)) "$after" "bad_frames after two malformed frames"
}

test_unreachable_daemon()
{
	local out rc
	out=$(as_prefix cxt-member "$TD/nonexistent.sock" && "${AS[@]}" "$CODEXCTL" status 2>&1)
	rc=$?
	assert_rc 69 "$rc" "codexctl status on a missing socket"
	assert_match "cannot reach codexd at $TD/nonexistent.sock" "$out" "message"
	out=$(as_prefix cxt-member "$TD/nonexistent.sock" &&
		"${AS[@]}" "$CODEXCTL" exec -- true 2>&1)
	rc=$?
	assert_rc 69 "$rc" "codexctl exec on a missing socket"
}

test_usage_errors()
{
	local rc
	ctl cxt-member >/dev/null 2>&1
	rc=$?
	assert_rc 2 "$rc" "codexctl without a command"
	ctl cxt-member frobnicate >/dev/null 2>&1
	rc=$?
	assert_rc 2 "$rc" "codexctl with an unknown command"
	ctl cxt-member exec >/dev/null 2>&1
	rc=$?
	assert_rc 2 "$rc" "codexctl exec without a command"
	ctl cxt-member exec --timeout 0 -- true >/dev/null 2>&1
	rc=$?
	assert_rc 2 "$rc" "codexctl exec --timeout 0"
}
