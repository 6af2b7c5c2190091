# shellcheck shell=bash
# Limits on what one user can consume, and the exec/write flow on the wire.

test_limit_connections_per_uid()
{
	local out line
	start_daemon conns "$CXT_ROLES_CONF
[daemon]
max_connections_per_uid = 2"
	sess_open c1 cxt-member "$D_SOCK"
	sess_open c2 cxt-member "$D_SOCK"
	sess_send c1 "$(rpc_line 1 hello '{}')"
	sess_send c2 "$(rpc_line 1 hello '{}')"
	sess_wait c1 '.id == 1' 5 >/dev/null || fail "first connection not served"
	sess_wait c2 '.id == 1' 5 >/dev/null || fail "second connection not served"

	out=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' |
		SOCK=$D_SOCK raw cxt-member --expect-close 2>"$TD/err")
	assert_rc 0 $? "third connection closed ($(cat "$TD/err"))"
	expect_error "$out" null -32005 "third connection of one uid"
	assert_eq limit_reached "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	out=$(SOCK=$D_SOCK ctl cxt-member status 2>&1)
	assert_rc 1 $? "codexctl status over the limit"
	assert_match "too many connections" "$out" "message"
	# Other users are not affected.
	hello_ok cxt-viewer "$D_SOCK" || fail "another user was refused"
	out=$(SOCK=$D_SOCK status_json cxt-viewer "$D_SOCK")
	jq -e '.counters.connections_refused >= 2' <<<"$out" >/dev/null ||
		fail "connections_refused: $(jq -c .counters <<<"$out")"
	sess_close c1
	wait_until 5 hello_ok cxt-member "$D_SOCK" || fail "no connection after one closed"
	sess_close c2
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_limit_execs_per_uid()
{
	local out line id1
	start_daemon execs "$CXT_ROLES_CONF
[daemon]
max_execs_per_uid = 2"
	sess_open s cxt-member "$D_SOCK"
	sess_send s "$(rpc_line 1 exec/start "$(exec_params '["sleep","1000"]' '"stdin":false')")"
	sess_send s "$(rpc_line 2 exec/start "$(exec_params '["sleep","1001"]' '"stdin":false')")"
	line=$(sess_wait s '.id == 1' 5) || fail "no answer to the first exec/start"
	id1=$(jqv "$line" .result.id)
	[[ "$id1" == x* ]] || fail "first exec/start: $line"
	sess_wait s '.id == 2 and .result' 5 >/dev/null || fail "second exec/start failed"
	sess_send s "$(rpc_line 3 exec/start "$(exec_params '["sleep","1002"]' '"stdin":false')")"
	line=$(sess_wait s '.id == 3' 5) || fail "no answer to the third exec/start"
	expect_error "$line" 3 -32005 "third exec of one uid"
	assert_match "too many commands running" "$(jqv "$line" .error.message)" "message"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- true 2>&1)
	assert_rc 1 $? "codexctl exec over the limit"
	assert_match "too many commands running" "$out" "codexctl's message"
	no_procs_of cxt-member -f 'sleep 1002' || fail "the refused command runs"
	# Another user may still run commands.
	out=$(SOCK=$D_SOCK ctl cxt-admin exec -- echo ok)
	assert_eq ok "$out" "exec by another user"
	# One ends: room for another.
	sess_send s "$(rpc_line 4 exec/signal "{\"id\":\"$id1\",\"signal\":\"KILL\"}")"
	sess_wait s ".method == \"exec/exited\" and .params.id == \"$id1\"" 5 >/dev/null ||
		fail "no exec/exited after KILL"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- echo again)
	assert_eq again "$out" "exec after one ended"
	sess_close s
	wait_no_procs cxt-member 5 || fail "processes left: $(proc_list cxt-member)"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# A command whose exec/exited went out while its PID 1 is still exiting
# no longer counts: one command at a time, back to back, always fits.
test_limit_execs_back_to_back()
{
	local i out
	start_daemon b2b "$CXT_ROLES_CONF
[daemon]
max_execs_per_uid = 1"
	for i in $(seq 1 30); do
		out=$(SOCK=$D_SOCK ctl cxt-member exec -n -- echo "$i" 2>&1)
		assert_rc 0 $? "run $i with max_execs_per_uid = 1 ($out)"
		assert_eq "$i" "$out" "output of run $i"
	done
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_limit_max_timeout()
{
	local rc t0 out
	start_daemon maxto "$CXT_ROLES_CONF
[daemon]
max_timeout_ms = 1000"
	t0=$SECONDS
	SOCK=$D_SOCK ctl cxt-member exec -- sleep 30 2>/dev/null
	rc=$?
	assert_rc 124 "$rc" "a command without --timeout under max_timeout_ms = 1000"
	SOCK=$D_SOCK ctl cxt-member exec --timeout 60 -- sleep 30 2>/dev/null
	rc=$?
	assert_rc 124 "$rc" "--timeout 60 under max_timeout_ms = 1000"
	((SECONDS - t0 < 10)) || fail "the two timeouts took $((SECONDS - t0)) s"
	out=$(status_json cxt-viewer "$D_SOCK")
	assert_eq 2 "$(jqv "$out" .counters.execs_timed_out)" "counters.execs_timed_out"
	wait_no_procs cxt-member 5 -x sleep || fail "sleep survived"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_exec_write_protocol()
{
	local line id data
	sess_open s cxt-member
	sess_send s "$(rpc_line 1 exec/start "$(exec_params '["cat"]')")"
	line=$(sess_wait s '.id == 1' 5) || fail "no answer to exec/start"
	id=$(jqv "$line" .result.id)
	[[ "$id" == x* ]] || fail "exec/start: $line"
	# "hello\n" and a NUL byte.
	sess_send s "$(rpc_line 2 exec/write "{\"id\":\"$id\",\"data\":\"aGVsbG8KAA==\"}")"
	line=$(sess_wait s '.id == 2' 5) || fail "no answer to exec/write"
	assert_eq 7 "$(jqv "$line" .result.written)" "bytes written"
	sess_wait s '.method == "exec/output"' 5 >/dev/null || fail "no exec/output"
	data=$(jq -R -r "fromjson? | select(.method == \"exec/output\" and .params.id == \"$id\") | .params.data" \
		"$TD/s.out" | tr -d '\n' | base64 -d | od -An -c | tr -s ' ')
	assert_eq " h e l l o \\n \\0" "$data" "output of cat"
	# Not base64: refused, the exec goes on.
	sess_send s "$(rpc_line 3 exec/write "{\"id\":\"$id\",\"data\":\"!!!\"}")"
	line=$(sess_wait s '.id == 3' 5) || fail "no answer to a bad exec/write"
	expect_error "$line" 3 -32602 "exec/write with invalid base64"
	sess_send s "$(rpc_line 4 exec/close_stdin "{\"id\":\"$id\"}")"
	sess_wait s '.id == 4 and .result' 5 >/dev/null || fail "exec/close_stdin failed"
	line=$(sess_wait s '.method == "exec/exited"' 5) || fail "cat did not end after close_stdin"
	assert_eq 0 "$(jqv "$line" .params.exit_code)" "exit code of cat"
	assert_eq number "$(jqv "$line" '.params.duration_ms | type')" "duration_ms"
	assert_eq object "$(jqv "$line" '.params.rusage | type')" "rusage"
	# The exec is gone now.
	sess_send s "$(rpc_line 5 exec/write "{\"id\":\"$id\",\"data\":\"aGkK\"}")"
	line=$(sess_wait s '.id == 5' 5) || fail "no answer to a late exec/write"
	expect_error "$line" 5 -32007 "exec/write after the exit"
	sess_close s
}

test_exec_write_after_close_stdin()
{
	local line id
	sess_open s cxt-member
	sess_send s "$(rpc_line 1 exec/start "$(exec_params '["sleep","1000"]' '"stdin":false')")"
	line=$(sess_wait s '.id == 1' 5) || fail "no answer to exec/start"
	id=$(jqv "$line" .result.id)
	sess_send s "$(rpc_line 2 exec/write "{\"id\":\"$id\",\"data\":\"aGkK\"}")"
	line=$(sess_wait s '.id == 2' 5) || fail "no answer to exec/write"
	expect_error "$line" 2 -32009 "exec/write to a command started without stdin"
	assert_eq stdin_closed "$(jqv "$line" .error.data.reason)" "data.reason"
	sess_close s
	wait_no_procs cxt-member 5 -x sleep || fail "sleep survived the disconnect"
}

test_stdin_buffer_limit()
{
	local line id i chunk n_limit
	# shellcheck disable=SC2034 # read by start_daemon
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	start_daemon stdinbuf "$CXT_ROLES_CONF"
	sess_open s cxt-member "$D_SOCK"
	# A command that never reads its stdin.
	sess_send s "$(rpc_line 1 exec/start "$(exec_params '["sleep","1000"]')")"
	line=$(sess_wait s '.id == 1' 5) || fail "no answer to exec/start"
	id=$(jqv "$line" .result.id)
	chunk=$(head -c 262144 /dev/zero | base64 -w0)
	for i in $(seq 2 9); do
		sess_send s "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"exec/write\",\"params\":{\"id\":\"$id\",\"data\":\"$chunk\"}}"
	done
	wait_until 5 _sess_has s '.id == 9' || fail "no answer to the 8th exec/write"
	n_limit=$(jq -R -c 'fromjson? | select(.error.code == -32005)' "$TD/s.out" | wc -l)
	((n_limit >= 3)) || fail "only $n_limit of 8 writes of 256 KiB refused with -32005 ($(grep -c . "$TD/s.out") answers)"
	line=$(sess_find s '.id == 9')
	expect_error "$line" 9 -32005 "exec/write over the stdin buffer"
	((n_limit <= 6)) || fail "$n_limit of 8 writes refused: nothing was buffered"
	! rss_checked || ((${D_PID:+$(rss_kib "$D_PID")} < 40960)) || fail "RSS $(rss_kib "$D_PID") KiB"
	sess_close s
	wait_no_procs cxt-member 5 -x sleep || fail "sleep survived the disconnect"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}
