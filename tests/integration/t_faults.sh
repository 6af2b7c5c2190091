# shellcheck shell=bash
# Fault tests (issue 10): the daemon killed mid-exec, a client that vanishes
# during an approval, reload storms during execs, connections opened and
# abandoned; afterwards the daemon's descriptors and memory are back where
# they started.  Audit-log and proxy faults belong with those features.

FT_TOK=cxtft${RANDOM}x$$

# fd_count PID
_ft_fds()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# _ft_daemon NAME [RULES]: a private daemon with the test roles (and rules).
_ft_daemon()
{
	local dir=$TD/d-$1
	mkdir -p "$dir/rules.d"
	chmod 0755 "$dir" "$dir/rules.d"
	[[ -n "${2:-}" ]] && write_config "$dir/rules.d/cxt.rules" "$2"
	start_daemon "$1" "$CXT_ROLES_CONF
[daemon]
max_connections = 512
max_connections_per_uid = 256"
}

test_fault_sigkill_daemon_mid_exec()
{
	local pids=() i
	_ft_daemon kill
	as_prefix cxt-member "$D_SOCK"
	# Several sandboxes, each with a process that left its session
	# (setsid + double fork): none may outlive the daemon.
	for i in 1 2 3; do
		"${AS[@]}" "$CODEXCTL" exec -- sh -c \
			"setsid sh -c 'sleep 900 & exit 0'; sleep 901" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait_until 15 procs_at_least 6 cxt-member -x sleep ||
		fail "the commands did not start: $(proc_list cxt-member)"
	kill -KILL "$D_PID"
	wait "$D_PID" 2>/dev/null
	wait_no_procs cxt-member 10 -x sleep ||
		fail "sandboxed processes survive the daemon's SIGKILL: $(proc_list cxt-member)"
	for i in "${pids[@]}"; do
		wait_exit "$i" 5 || fail "codexctl $i still running after its daemon died"
	done
}

test_fault_client_vanishes_during_approval()
{
	local out rc
	_ft_daemon approval "prefix_rule(pattern=[\"touch\"], decision=\"prompt\")"
	as_prefix cxt-member "$D_SOCK"
	# A raw client asks for a command that needs approval, then disappears.
	{
		printf '%s\n' "$(rpc_line 1 exec/start "$(printf '{"argv":["touch","%s/%s"],"cwd":"%s"}' "$W" "$FT_TOK" "$W")")"
		sleep 1
	} | "${AS[@]}" "$CXRAW" --timeout 1500 "$D_SOCK" >"$TD/raw.out" 2>&1
	# The request was pending (or answered); either way it is gone now.
	wait_until 5 _ft_no_pending || fail "approval still pending after its client left: $(SOCK=$D_SOCK ctl cxt-member --json approvals list)"
	[[ -e "$W/$FT_TOK" ]] && fail "the command ran although nobody approved it"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	# Many of them, and the daemon is unchanged.
	for i in $(seq 1 20); do
		printf '%s\n' "$(rpc_line "$i" exec/start "$(printf '{"argv":["touch","%s/%s"],"cwd":"%s"}' "$W" "$FT_TOK" "$W")")" |
			"${AS[@]}" "$CXRAW" --timeout 100 "$D_SOCK" >/dev/null 2>&1
	done
	wait_until 5 _ft_no_pending || fail "approvals pile up after vanished clients"
	[[ -e "$W/$FT_TOK" ]] && fail "a command ran without approval"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json status) || fail "status failed"
	assert_eq 0 "$(jqv "$out" .execs.running)" "execs running"
	rc=0
	stop_daemon || rc=1
	assert_rc 0 "$rc" "daemon stops on SIGTERM"
}

_ft_no_pending()
{
	local out
	out=$(SOCK=$D_SOCK ctl cxt-member --json approvals list 2>/dev/null) || return 1
	[[ "$(jqv "$out" '.approvals | length')" == 0 ]]
}

test_fault_reload_storm_during_execs()
{
	local fds0 h0 rss0 rss1 i bg=() n out
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	_ft_daemon storm
	# Warm up (first exec allocates caches), then measure.
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- true 2>&1) || fail "first exec failed: $out"
	fds0=$(_ft_fds "$D_PID")
	h0=$(pgrep -P "$D_PID" -x codexd-files | wc -l)
	rss0=$(rss_kib "$D_PID")
	as_prefix cxt-member "$D_SOCK"
	for i in $(seq 1 8); do
		(
			for j in 1 2 3 4 5; do
				timeout 20 "${AS[@]}" "$CODEXCTL" exec -- sh -c "echo $i-$j" >>"$TD/storm.$i" 2>&1
			done
		) &
		bg+=($!)
	done
	# Meanwhile: SIGHUP and policy/reload as fast as they are answered.
	for i in $(seq 1 40); do
		kill -HUP "$D_PID"
		SOCK=$D_SOCK ctl cxt-admin reload >/dev/null 2>&1
	done
	for i in "${bg[@]}"; do
		wait "$i"
	done
	alive "$D_PID" || fail "the daemon died in the reload storm"
	n=$(cat "$TD"/storm.* | grep -c '^[0-9]*-[0-9]$')
	assert_eq 40 "$n" "commands that ran to the end during the storm ($(grep -vh '^[0-9]*-[0-9]$' "$TD"/storm.* | head -3 | tr '\n' ';'))"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json status) || fail "status failed"
	[[ "$(jqv "$out" .counters.reloads)" -ge 40 ]] || fail "reloads counted: $(jqv "$out" .counters.reloads)"
	wait_no_procs cxt-member 5 || fail "processes left: $(proc_list cxt-member)"
	# Back to where it started.
	wait_until 5 _ft_fds_at_most "$D_PID" "$fds0" "$h0" ||
		fail "descriptors: $fds0 before, $(_ft_fds "$D_PID") after"
	rss1=$(rss_kib "$D_PID")
	! rss_checked || ((rss1 <= rss0 + 4096)) || fail "RSS grew from $rss0 to $rss1 KiB"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# _ft_fds_at_most PID N [HELPERS]: at most N descriptors, plus two (socket,
# pidfd) per user-files helper beyond HELPERS (kept alive per identity,
# daemon/user_files_pool.c, bounded: not a leak).
_ft_fds_at_most()
{
	local h
	h=$(pgrep -P "$1" -x codexd-files | wc -l)
	(($(_ft_fds "$1") <= $2 + 2 * (h > ${3:-0} ? h - ${3:-0} : 0)))
}

test_fault_abandoned_connections()
{
	local fds0 rss0 rss1 i pids=() out
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	_ft_daemon abandon
	hello_ok cxt-member "$D_SOCK" || fail "no hello"
	fds0=$(_ft_fds "$D_PID")
	rss0=$(rss_kib "$D_PID")
	as_prefix cxt-member "$D_SOCK"
	# 200 connections: half send half a frame and go, half hold still then
	# get killed, some start a command and vanish.
	for i in $(seq 1 100); do
		printf '{"jsonrpc":"2.0","id":1,"method":"hel' |
			"${AS[@]}" "$CXRAW" --timeout 10 "$D_SOCK" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 20); do
		printf '%s\n' "$(rpc_line 1 exec/start '{"argv":["sleep","30"],"cwd":"/"}')" |
			"${AS[@]}" "$CXRAW" --timeout 300 "$D_SOCK" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 80); do
		sleep 30 | "${AS[@]}" "$CXRAW" --timeout 30000 "$D_SOCK" >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep 2
	pkill -KILL -u cxt-member -x cxraw
	for i in "${pids[@]}"; do
		wait "$i" 2>/dev/null
	done
	pkill -u cxt-member -x sleep 2>/dev/null
	wait_no_procs cxt-member 10 -x sleep || fail "commands of vanished clients still run: $(proc_list cxt-member)"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json status) || fail "status failed"
	wait_until 10 _ft_fds_at_most "$D_PID" "$fds0" ||
		fail "descriptors: $fds0 before, $(_ft_fds "$D_PID") after"
	rss1=$(rss_kib "$D_PID")
	! rss_checked || ((rss1 <= rss0 + 4096)) || fail "RSS grew from $rss0 to $rss1 KiB"
	assert_eq 0 "$(jqv "$out" .execs.running)" "execs running"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}
