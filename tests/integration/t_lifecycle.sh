# shellcheck shell=bash
# Configuration and life cycle: reload (SIGHUP and policy/reload), checking
# files, refusing unsafe files, config/show, stopping, dying, slow readers.

# A line inih would split (> 200 bytes).
_long_line()
{
	printf 'note = "%s"\n' "$(head -c 70000 /dev/zero | tr '\0' 'y')"
}

_generation()
{
	status_json cxt-viewer "$1" | jq -r .policy.generation
}

_reload_error()
{
	status_json cxt-viewer "$1" | jq -r '.policy.last_reload_error // empty'
}

_has_reload_error()
{
	[[ -n "$(_reload_error "$1")" ]]
}

_generation_is()
{
	[[ "$(_generation "$2")" == "$1" ]]
}

test_sighup_broken_config_kept()
{
	local err out gen
	start_daemon hup "$CXT_ROLES_CONF"
	gen=$(_generation "$D_SOCK")
	assert_eq 1 "$gen" "generation at start"

	# Line 6 is too long: the whole file is refused, the old one stays.
	{
		printf '%s\n' "$CXT_ROLES_CONF" '[extra]'
		_long_line
	} >"$D_CONF"
	kill -HUP "$D_PID"
	wait_until 5 _has_reload_error "$D_SOCK" ||
		fail "no last_reload_error after SIGHUP with a broken file"
	err=$(_reload_error "$D_SOCK")
	assert_match "^$D_CONF:6: " "$err" "last_reload_error names file:line"
	assert_match "too long" "$err" "last_reload_error says why"
	assert_eq 1 "$(_generation "$D_SOCK")" "generation after the failed reload"
	out=$(SOCK=$D_SOCK ctl cxt-viewer status 2>&1)
	assert_match "last reload: +failed: $D_CONF:6:" "$out" "codexctl status shows the failure"
	# Still serving, with the old roles.
	hello_ok cxt-member "$D_SOCK" || fail "hello after the failed reload"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- echo still) || fail "exec after the failed reload"
	assert_eq still "$out" "exec after the failed reload"
	# policy/reload says the same to an admin.
	out=$(SOCK=$D_SOCK ctl cxt-admin reload 2>&1)
	assert_rc 1 $? "codexctl reload with a broken file"
	assert_match "reload failed, previous configuration kept: $D_CONF:6:" "$out" "reload message"
	assert_eq 1 "$(_generation "$D_SOCK")" "generation after the failed policy/reload"

	# Fixed: the next SIGHUP takes it.
	write_config "$D_CONF" "$CXT_ROLES_CONF
[extra]
note = \"short\""
	kill -HUP "$D_PID"
	wait_until 5 _generation_is 2 "$D_SOCK" ||
		fail "generation is $(_generation "$D_SOCK") after fixing the file and SIGHUP"
	assert_eq "" "$(_reload_error "$D_SOCK")" "last_reload_error after a good reload"
	out=$(status_json cxt-viewer "$D_SOCK")
	jq -e '.counters.reloads == 1 and .counters.reload_failures == 2' <<<"$out" >/dev/null ||
		fail "reload counters: $(jq -c .counters <<<"$out")"
	alive "$D_PID" || fail "the daemon died"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_sighup_roles_change()
{
	local out
	start_daemon roles "$CXT_ROLES_CONF"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json hello)
	assert_eq viewer "$(jqv "$out" .caller.role)" "role before the reload"
	# cxt-viewer becomes the member group.
	write_config "$D_CONF" '[roles]
admin_group = "cxt-admin"
member_group = "cxt-viewer"
viewer_group = "cxt-member"'
	kill -HUP "$D_PID"
	wait_until 5 _generation_is 2 "$D_SOCK" || fail "the reload did not happen"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json hello)
	assert_eq member "$(jqv "$out" .caller.role)" "role of cxt-viewer after the reload"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- true 2>&1)
	assert_rc 126 $? "exec by cxt-member, now a viewer"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_check_config()
{
	local f=$TD/c.conf out rc
	write_config "$f" "$CXT_ROLES_CONF
[daemon]
max_frame_bytes = 65536"
	out=$("$CODEXD" --check-config --config "$f" 2>&1)
	rc=$?
	assert_rc 0 "$rc" "--check-config on a good file"
	assert_match "configuration OK" "$out" "output"
	assert_match "read $f" "$out" "output names the file"

	# Each broken file: non-zero, with file:line.
	local -a bad=(
		"$CXT_ROLES_CONF
[extra]
$(_long_line)|6|too long"
		"$CXT_ROLES_CONF
[daemon]
max_frame_bytes = 10|6|max_frame_bytes"
		"$CXT_ROLES_CONF
[daemon]
no_such_key = 1|6|unknown key"
		"[roles]
admin_group = cxt-admin|2|"
		"$CXT_ROLES_CONF
[daemon]
max_frame_bytes = \"big\"|6|"
		"[roles
admin_group = \"x\"|1|"
	)
	local spec text line word
	for spec in "${bad[@]}"; do
		word=${spec##*|}
		spec=${spec%|*}
		line=${spec##*|}
		text=${spec%|*}
		write_config "$f" "$text"
		out=$("$CODEXD" --check-config --config "$f" 2>&1)
		rc=$?
		[[ "$rc" != 0 ]] || fail "--check-config accepted: $text"
		assert_match "$f:$line:" "$out" "error for a broken file (line $line)"
		[[ -z "$word" ]] || assert_match "$word" "$out" "error for a broken file (line $line)"
	done
}

test_unsafe_config_refused()
{
	local f=$TD/c.conf out rc
	write_config "$f" "$CXT_ROLES_CONF"
	chmod 0664 "$f"
	out=$("$CODEXD" --check-config --config "$f" 2>&1)
	rc=$?
	[[ "$rc" != 0 ]] || fail "--check-config accepted a group-writable file"
	assert_match "writable by group or others" "$out" "message"
	chmod 0646 "$f"
	if out=$("$CODEXD" --check-config --config "$f" 2>&1); then
		fail "--check-config accepted a world-writable file"
	fi
	chmod 0644 "$f"
	chown cxt-member "$f"
	if out=$("$CODEXD" --check-config --config "$f" 2>&1); then
		fail "--check-config accepted a file owned by cxt-member"
	fi
	assert_match "not owned by root" "$out" "message"
	chown root "$f"
	# A symlink is not followed.
	ln -s "$f" "$TD/link.conf"
	if out=$("$CODEXD" --check-config --config "$TD/link.conf" 2>&1); then
		fail "--check-config followed a symbolic link"
	fi
	assert_match "link.conf" "$out" "message names the file"

	# The daemon does not start on a group-writable file.
	mkdir "$TD/st"
	chmod 0755 "$TD/st"
	chmod 0664 "$f"
	timeout -k 2 10 "$CODEXD" --foreground --config "$f" --state-dir "$TD/st" >"$TD/log" 2>&1
	rc=$?
	[[ "$rc" != 0 && "$rc" != 124 ]] || fail "codexd started (or hung) with a group-writable file: $rc"
	assert_match "writable by group or others" "$(cat "$TD/log")" "start-up message"
	[[ ! -e "$TD/st/codexd.sock" ]] || fail "a socket was created"

	# A running daemon keeps its configuration when the file becomes unsafe.
	start_daemon unsafe "$CXT_ROLES_CONF"
	chmod 0664 "$D_CONF"
	kill -HUP "$D_PID"
	wait_until 5 _has_reload_error "$D_SOCK" ||
		fail "no reload error for a group-writable file"
	assert_match "writable by group or others" "$(_reload_error "$D_SOCK")" "reload error"
	assert_eq 1 "$(_generation "$D_SOCK")" "generation"
	hello_ok cxt-member "$D_SOCK" || fail "hello after the refused reload"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_config_show()
{
	local out
	start_daemon show "$CXT_ROLES_CONF
[shell_environment_policy.set]
CXT_SETTING = \"secret-ish\"
[extra]
note = \"pass-through\""
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json config show --origins) || fail "config show failed"
	assert_eq cxt-member "$(jqv "$out" .values.roles.member_group)" "member_group"
	assert_eq "$D_CONF:4" "$(jqv "$out" '.origins["roles.viewer_group"]')" "origin of viewer_group"
	assert_eq "$D_CONF" "$(jqv "$out" '.files[0]')" "files"
	# Values that may hold credentials are for admins only.
	assert_no_match 'secret-ish|pass-through' "$out" "what a viewer sees"
	out=$(SOCK=$D_SOCK ctl cxt-admin --json config show) || fail "config show as admin failed"
	assert_eq secret-ish "$(jqv "$out" .values.shell_environment_policy.set.CXT_SETTING)" \
		"a set value for an admin"
	assert_eq pass-through "$(jqv "$out" .pass_through.extra.note)" "a pass-through key for an admin"
	out=$(SOCK=$D_SOCK ctl cxt-nogroup config show 2>&1)
	assert_rc 1 $? "config show by a user in no group"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_second_instance_refused()
{
	local rc
	start_daemon one "$CXT_ROLES_CONF"
	timeout -k 2 10 "$CODEXD" --foreground --config "$D_CONF" --state-dir "$D_DIR/state" \
		>"$TD/second.log" 2>&1
	rc=$?
	[[ "$rc" != 0 && "$rc" != 124 ]] || fail "a second codexd on the same socket: status $rc"
	assert_match "already listening" "$(cat "$TD/second.log")" "message"
	[[ -S "$D_SOCK" ]] || fail "the second daemon removed the first one's socket"
	hello_ok cxt-member "$D_SOCK" || fail "the first daemon stopped serving"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_sigterm_stops_and_kills()
{
	local pid rc t0
	start_daemon term "$CXT_ROLES_CONF"
	as_prefix cxt-member "$D_SOCK"
	"${AS[@]}" "$CODEXCTL" exec -- sh -c 'sleep 1000; echo survived' >"$TD/out" 2>"$TD/err" &
	pid=$!
	wait_until 10 procs_of cxt-member -x sleep || fail "the command did not start"
	t0=$SECONDS
	kill -TERM "$D_PID"
	wait_exit "$D_PID" 5 || fail "codexd still running 5 s after SIGTERM"
	wait "$D_PID"
	rc=$?
	assert_rc 0 "$rc" "exit status of codexd after SIGTERM"
	note "codexd stopped in $((SECONDS - t0)) s"
	[[ ! -e "$D_SOCK" ]] || fail "the socket is still there"
	wait_no_procs cxt-member 5 -x sleep || fail "the sandbox survived: $(proc_list cxt-member)"
	wait_exit "$pid" 5 || fail "codexctl still running after the daemon stopped"
	wait "$pid"
	rc=$?
	assert_rc 137 "$rc" "codexctl's status: its command was killed (SIGKILL)"
	assert_no_match survived "$(cat "$TD/out")" "output"
	assert_match "stopped" "$(cat "$D_LOG")" "log"
}

test_sigkill_kills_sandboxes()
{
	local pid rc out
	start_daemon kill "$CXT_ROLES_CONF"
	as_prefix cxt-member "$D_SOCK"
	"${AS[@]}" "$CODEXCTL" exec -- sh -c 'sleep 1000 & sleep 1000' >"$TD/out" 2>"$TD/err" &
	pid=$!
	wait_until 10 procs_at_least 2 cxt-member -x sleep ||
		fail "the command did not start"
	kill -KILL "$D_PID"
	wait "$D_PID" 2>/dev/null
	wait_no_procs cxt-member 5 -x sleep ||
		fail "sandbox processes survive the daemon's death: $(proc_list cxt-member)"
	wait_exit "$pid" 5 || fail "codexctl still running after the daemon died"
	wait "$pid"
	rc=$?
	[[ "$rc" != 0 ]] || fail "codexctl exited 0 although its daemon died"
	assert_match "closed the connection" "$(cat "$TD/err")" "codexctl's message"

	# A new daemon replaces the stale socket.
	"$CODEXD" --foreground --config "$D_CONF" --state-dir "$D_DIR/state" --log-level debug \
		>>"$D_LOG" 2>&1 </dev/null &
	D_PID=$!
	printf '%s %s\n' "$D_PID" "$D_LOG" >>"$TD/daemons"
	wait_until 10 hello_ok cxt-member "$D_SOCK" || fail "a restarted daemon does not serve"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- echo again)
	assert_eq again "$out" "exec on the restarted daemon"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

test_slow_reader_bounded()
{
	local pid before after max=0 rss out
	# shellcheck disable=SC2034 # read by start_daemon
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	start_daemon slow "$CXT_ROLES_CONF"
	hello_ok cxt-member "$D_SOCK" || fail "no hello"
	before=$(rss_kib "$D_PID")
	# 200 MB of output to a client that never reads.
	as_prefix cxt-member "$D_SOCK"
	rpc_line 1 exec/start "$(exec_params '["head","-c","200000000","/dev/zero"]' '"stdin":false')" |
		"${AS[@]}" "$CXRAW" --no-read "$D_SOCK" &
	pid=$!
	wait_until 10 procs_of cxt-member -x head || fail "head did not start"
	for _ in $(seq 1 30); do
		rss=$(rss_kib "$D_PID")
		((rss > max)) && max=$rss
		sleep 0.1
	done
	after=$(rss_kib "$D_PID")
	((after > max)) && max=$after
	note "VmRSS before $before KiB, peak $max KiB"
	! rss_checked || ((max - before < 40960)) || fail "RSS grew by $((max - before)) KiB for a slow reader"
	procs_of cxt-member -x head || fail "head ended: the output was not held back"
	out=$(status_json cxt-viewer "$D_SOCK")
	jq -e '.counters.output_bytes < 50000000' <<<"$out" >/dev/null ||
		fail "the daemon read $(jq .counters.output_bytes <<<"$out") bytes for a reader that reads nothing"
	# The reader goes away: its command goes too.
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait_no_procs cxt-member 10 || fail "processes survive the reader: $(proc_list cxt-member)"
	out=$(status_json cxt-viewer "$D_SOCK")
	assert_eq 0 "$(jqv "$out" .execs.running)" "execs running"
	assert_eq 1 "$(jqv "$out" .connections.open)" "connections open"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# --state-dir on a directory that does not exist yet: the daemon creates it,
# and the socket inside must still be reachable by the codexd groups
# (INTERFACES.md: this is how tests and first-time users run an instance).
test_fresh_state_dir_reachable()
{
	local dir=$TD/fresh out
	mkdir "$dir"
	chmod 0755 "$dir"
	write_config "$dir/codexd.conf" "$CXT_ROLES_CONF"
	"$CODEXD" --foreground --config "$dir/codexd.conf" --state-dir "$dir/state" \
		--log-level debug >"$dir/log" 2>&1 </dev/null &
	D_PID=$!
	printf '%s %s\n' "$D_PID" "$dir/log" >>"$TD/daemons"
	wait_until 10 test -S "$dir/state/codexd.sock" || fail "no socket"
	out=$(SOCK=$dir/state/codexd.sock ctl cxt-member hello 2>&1)
	assert_rc 0 $? "codexctl hello as a member ($out; state directory $(stat -c '%a %U:%G' "$dir/state"))"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}
