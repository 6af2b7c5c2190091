# shellcheck shell=bash
# Fault tests, continued (issue 10; t_faults.sh has the daemon killed
# mid-exec, vanishing approvers, reload storms, abandoned connections):
#   - the proxy worker killed while proxied sandboxes run, and its restarts
#     failing for a while: the sandboxes fail closed meanwhile (no direct
#     egress, the request fails), the daemon keeps retrying, and once the
#     worker is back proxied commands work again, old and new;
#   - a thousand sessions created by clients that go away: the per-user
#     bound holds, descriptors and memory stay flat, the daemon serves.
# The audit log on a full disk is in t_audit.sh (test_audit_full_disk).
#
# The sh -c scripts expand their own variables (inside the sandbox):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"
# shellcheck source-path=SCRIPTDIR source=net_lib.sh
. "$CXT_SRC/net_lib.sh"

_f2_fds()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

_f2_proxy_pid()
{
	jqv "$(ctl cxt-admin --socket "$SB_SOCK" --json status 2>/dev/null)" '.proxy.pid'
}

_f2_proxy_state()
{
	jqv "$(ctl cxt-admin --socket "$SB_SOCK" --json status 2>/dev/null)" '.proxy.state'
}

_f2_proxy_is()
{
	[[ "$(_f2_proxy_state)" == "$1" ]]
}

# _f2_kill_worker: SIGKILL this daemon's proxy worker (only its child of
# user codexd-proxy: other daemons on this machine have workers too).
_f2_kill_worker()
{
	local p
	p=$(pgrep -P "$D_PID" -u codexd-proxy) || return 1
	kill -KILL $p
}

_f2_restarts_at_least()
{
	(($(jqv "$(ctl cxt-admin --socket "$SB_SOCK" --json status 2>/dev/null)" .proxy.restarts) >= $1))
}

test_fault_proxy_worker_killed()
{
	local out pid bg prog=$TD/proxybin/codexd-proxy
	net_need_tools
	sb_setup nogit
	net_http
	# The worker's program in a place of our own, so that the test can make
	# its restarts fail for as long as it wants an outage.
	install -d -m 0755 "$TD/proxybin"
	install -m 0755 "$CXT_BUILD/codexd-proxy" "$prog"
	net_daemon pkill "[network]
proxy_program = \"$prog\""
	pid=$(_f2_proxy_pid)
	[[ "$pid" =~ ^[0-9]+$ ]] || fail "no proxy pid: $(ctl cxt-admin --socket "$SB_SOCK" --json status | jq -c .proxy)"
	[[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" == "$D_PID" ]] ||
		skip "the proxy worker is not a child of the daemon here (a wrapper?)"
	# A proxied sandbox running through the outage: it waits for go1, tries
	# a direct connection and one through the proxy, reports, then waits for
	# go2 and uses the proxy again.
	SB_SOCK=$SB_SOCK sbx --network proxy --allow-domain localhost --allow-domain 127.0.0.1 -- sh -c "$SB_T"'
		: >ready
		i=0; while [ ! -e go1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
		t direct curl -sS --noproxy "*" --max-time 2 "http://127.0.0.1:$1/direct-during-outage"
		t proxied curl -sS --max-time 2 "http://localhost:$1/proxied-during-outage"
		: >phase1
		i=0; while [ ! -e go2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
		curl -sS --max-time 15 "http://localhost:$1/old-sandbox-after-restart"' sh "$NET_HTTP_PORT" \
		>"$TD/old.out" 2>&1 &
	bg=$!
	SB_KILL+=("$bg")
	wait_until 15 test -e "$WS/ready" || fail "the proxied sandbox did not start: $(cat "$TD/old.out")"

	note "worker killed; its restarts fail until the program is back"
	mv "$prog" "$prog.away"
	_f2_kill_worker || fail "no worker to kill"
	wait_until 5 eval '! _f2_proxy_is running' || fail "the worker is still running after SIGKILL"
	touch "$WS/go1"
	wait_until 15 test -e "$WS/phase1" || fail "the sandbox did not report: $(cat "$TD/old.out")"
	# A new proxied command during the outage: its request fails, never direct.
	out=$(SB_SOCK=$SB_SOCK sbx --network proxy --allow-domain localhost -- \
		curl -sS --max-time 2 "http://localhost:$NET_HTTP_PORT/new-during-outage" 2>&1)
	(($? != 0)) || fail "a proxied request went through while the worker was down: $out"
	note "new command during the outage: $(tr '\n' ' ' <<<"$out" | head -c 400)"
	assert_match "network proxy is restarting \(the worker (was killed|exited|cannot be executed)" "$out" \
		"the warning a command started during the outage gets"
	wait_until 10 _f2_restarts_at_least 2 || fail "no restart attempts counted"
	out=$(ctl cxt-admin --socket "$SB_SOCK" --json status)
	note "proxy during the outage: $(jq -c .proxy <<<"$out")"
	[[ "$(jqv "$out" .proxy.state)" =~ ^(restarting|starting)$ ]] ||
		fail "proxy state during the outage: $(jq -c .proxy <<<"$out")"
	grep -Eq 'proxy: the worker (exited with status|cannot be executed: .*: No such file)' "$D_LOG" ||
		fail "the failed restarts are not logged: $(grep proxy: "$D_LOG" | tail -3)"

	note "the program is back: the daemon restarts the worker"
	mv "$prog.away" "$prog"
	wait_until 20 _f2_proxy_is running || fail "the worker was not restarted: $(jq -c .proxy <<<"$(ctl cxt-admin --socket "$SB_SOCK" --json status)")"
	[[ "$(_f2_proxy_pid)" != "$pid" ]] || fail "the same worker pid after the restart"
	touch "$WS/go2"
	wait_exit "$bg" 25 || fail "the old sandbox did not finish: $(cat "$TD/old.out")"
	out=$(cat "$TD/old.out")
	assert_rc_line "$out" direct 7 "direct connection during the outage (curl: connection refused)"
	grep -q '^proxied rc=0$' <<<"$out" && fail "a request went through the dead proxy: $out"
	assert_match "hello-from-host GET /old-sandbox-after-restart" "$out" "a running sandbox after the restart"
	out=$(SB_SOCK=$SB_SOCK sbx --network proxy --allow-domain localhost -- \
		curl -sS --max-time 10 "http://localhost:$NET_HTTP_PORT/new-after-restart")
	assert_eq "hello-from-host GET /new-after-restart" "$out" "a new proxied command after the restart"
	# Nothing arrived at the server except through the proxy.
	assert_eq 0 "$(grep -c direct "$NET_HTTP_LOG")" "direct requests that reached the server"
	hello_ok cxt-member "$SB_SOCK" || fail "the daemon stopped serving"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# _f2_sessions N USER SOCKET WORKSPACE: N clients, each connects, asks
# session/create and goes away (no session/kill); prints "ok=N limit=N
# other=N".
_f2_sessions()
{
	setpriv --reuid="$2" --regid="$2" --init-groups -- "$PY" - "$1" "$3" "$4" <<'EOF'
import json, socket, sys
n, path, ws = int(sys.argv[1]), sys.argv[2], sys.argv[3]
res = {"ok": 0, "limit": 0, "other": 0}
first_other = None
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": i, "method": "session/create",
                           "params": {"workspace": ws, "label": "abandoned-%d" % i}}) +
               "\n").encode())
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()  # gone, without session/kill
    try:
        m = json.loads(buf.split(b"\n")[0])
    except ValueError:
        m = {}
    if "result" in m:
        res["ok"] += 1
    elif (m.get("error") or {}).get("data", {}).get("reason") == "limit_reached":
        res["limit"] += 1
    else:
        res["other"] += 1
        first_other = first_other or buf[:200]
print("ok=%d limit=%d other=%d" % (res["ok"], res["limit"], res["other"]))
if first_other:
    print("first unexpected answer: %r" % first_other, file=sys.stderr)
EOF
}

_f2_session_count()
{
	jqv "$(SOCK=$D_SOCK ctl cxt-member --json sessions list 2>/dev/null)" '.sessions | length'
}

# A checkout in root's home (mode 0700) is what `sudo make run` meets: the
# proxy user cannot reach the worker's program by its path.  The daemon
# opens it as root and executes it through the descriptor.
test_fault_proxy_worker_in_private_dir()
{
	local out dir=$TD/private/deeper prog
	net_need_tools
	sb_setup nogit
	net_http
	install -d -m 0700 "$TD/private" "$dir"
	prog=$dir/codexd-proxy
	install -m 0755 "$CXT_BUILD/codexd-proxy" "$prog"
	runuser -u codexd-proxy -- test -x "$prog" &&
		fail "the proxy user can reach $prog: the test proves nothing"
	net_daemon private "[network]
proxy_program = \"$prog\""
	out=$(SB_SOCK=$SB_SOCK sbx --network proxy --allow-domain localhost -- \
		curl -sS --max-time 10 "http://localhost:$NET_HTTP_PORT/private-dir")
	assert_eq "hello-from-host GET /private-dir" "$out" "a proxied request through a worker in a 0700 directory"
	assert_eq 0 "$(jqv "$(ctl cxt-admin --socket "$SB_SOCK" --json status)" .proxy.restarts)" \
		"restarts of the worker"
}

test_fault_thousand_sessions_abandoned()
{
	local fds0 rss0 rss1 out id
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	# Room for a thousand sessions of one user, so all of them are kept.
	start_daemon sess1000 "$CXT_ROLES_CONF
[sessions]
max_sessions = 1100
max_sessions_per_uid = 1000"
	# Warm up (the first session and audit record allocate what stays).
	out=$(_f2_sessions 1 cxt-member "$D_SOCK" "$W") || fail "warm-up: $out"
	assert_eq "ok=1 limit=0 other=0" "$out" "the first session"
	fds0=$(_f2_fds "$D_PID")
	rss0=$(rss_kib "$D_PID")
	out=$(_f2_sessions 1000 cxt-member "$D_SOCK" "$W") || fail "clients: $out"
	note "1000 creates by vanishing clients: $out"
	assert_eq "ok=999 limit=1 other=0" "$out" "created up to max_sessions_per_uid, then refused"
	assert_eq 1000 "$(_f2_session_count)" "sessions kept (their creators are gone)"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	wait_until 10 eval '(($(_f2_fds "$D_PID") <= fds0))' ||
		fail "descriptors: $fds0 before, $(_f2_fds "$D_PID") after"
	rss1=$(rss_kib "$D_PID")
	note "VmRSS $rss0 KiB before, $rss1 KiB with 1000 sessions"
	# A session is a few hundred bytes of bookkeeping (plus its audit
	# record's encoding); under 8 KiB each even with ASan's redzones, far
	# below what holding a connection's buffers per session would cost.
	! rss_checked || ((rss1 <= rss0 + 8192)) || fail "RSS grew from $rss0 to $rss1 KiB for 1000 sessions"
	# Another user is not locked out by them.
	out=$(_f2_sessions 1 cxt-admin "$D_SOCK" "$W")
	assert_eq "ok=1 limit=0 other=0" "$out" "another user's session"
	# The owner ends one and can create one again.
	id=$(jqv "$(SOCK=$D_SOCK ctl cxt-member --json sessions list)" '.sessions[0].id')
	SOCK=$D_SOCK ctl cxt-member sessions kill "$id" >/dev/null || fail "sessions kill $id"
	out=$(_f2_sessions 1 cxt-member "$D_SOCK" "$W")
	assert_eq "ok=1 limit=0 other=0" "$out" "a session after one was killed"
	stop_daemon || fail "the daemon did not stop on SIGTERM"

	# The defaults: a user who abandons sessions is held at 32.
	start_daemon sessdef "$CXT_ROLES_CONF"
	out=$(_f2_sessions 1000 cxt-member "$D_SOCK" "$W") || fail "clients: $out"
	assert_eq "ok=32 limit=968 other=0" "$out" "the default per-user bound"
	out=$(SOCK=$D_SOCK ctl cxt-member sessions create --label one-more 2>&1)
	assert_rc 1 $? "sessions create over the limit"
	assert_match "too many sessions" "$out" "the message names the limit"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

_f2_pending()
{
	jqv "$(SOCK=$D_SOCK ctl cxt-member --json approvals list 2>/dev/null)" '.approvals | length'
}

# The requester disconnects while its approval is pending (an approver is
# watching and has not answered): the approval is withdrawn, the command
# never starts, and the audit trail records the abort.
test_fault_requester_vanishes_pending_approval()
{
	local tok=cxtf2$RANDOM req watch log out
	mkdir -p "$TD/d-vanish/rules.d"
	chmod 0755 "$TD/d-vanish" "$TD/d-vanish/rules.d"
	write_config "$TD/d-vanish/rules.d/cxt.rules" 'prefix_rule(pattern=["touch"], decision="prompt")'
	start_daemon vanish "$CXT_ROLES_CONF"
	log=$D_DIR/state/audit.jsonl
	as_prefix cxt-member "$D_SOCK"
	"${AS[@]}" "$CODEXCTL" --json approvals watch --no-prompt >"$TD/watch.out" 2>"$TD/watch.err" </dev/null &
	watch=$!
	SB_KILL+=("$watch")
	wait_until 10 grep -q 'watching approvals' "$TD/watch.err" ||
		fail "approvals watch did not start: $(head -c 300 "$TD/watch.err")"
	{
		printf '%s\n' "$(rpc_line 1 exec/start "$(printf '{"argv":["touch","%s/%s"],"cwd":"%s"}' "$W" "$tok" "$W")")"
		sleep 3
	} | "${AS[@]}" "$CXRAW" --timeout 3500 "$D_SOCK" >"$TD/req.out" 2>&1 &
	req=$!
	wait_until 10 eval '[[ "$(_f2_pending)" == 1 ]]' || fail "the approval was not pending: $(cat "$TD/req.out")"
	kill -KILL "$req" 2>/dev/null
	pkill -KILL -P "$req" 2>/dev/null
	wait "$req" 2>/dev/null
	wait_until 10 eval '[[ "$(_f2_pending)" == 0 ]]' || fail "the approval is still pending after its requester left"
	sleep 0.5
	[[ -e "$W/$tok" ]] && fail "the command ran although nobody approved it"
	out=$(jq -c "select(.event == \"approval.answer\")" "$log")
	assert_eq abort "$(jqv "$out" .decision)" "audit: approval.answer decision ($out)"
	assert_eq requester_gone "$(jqv "$out" .by)" "audit: approval.answer by"
	assert_eq 0 "$(grep -c '"event":"exec.start"' "$log")" "exec.start records"
	wait_until 5 grep -q abort "$TD/watch.out" || fail "the watcher was not told: $(tail -c 300 "$TD/watch.out")"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	kill -TERM "$watch"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# _f2_rules VARIANT: the managed rules of one policy generation, replaced
# atomically (write, then rename): 0 forbids "echo flip", 1 allows it.
_f2_rules()
{
	local f=$D_DIR/rules.d/cxt.rules
	if (($1 == 0)); then
		write_config "$f.new" 'prefix_rule(pattern=["echo", "flip"], decision="forbidden")'
	else
		write_config "$f.new" 'prefix_rule(pattern=["echo", "flip"], decision="allow")'
	fi
	mv -f "$f.new" "$f"
}

# Reloads that flip the policy while commands are being decided and run:
# each command ends as one generation or the other says (ran and printed,
# or refused as forbidden), never anything in between, and no reload fails.
test_fault_reload_storm_flipping_policy()
{
	local i bg=() ran refused other out
	mkdir -p "$TD/d-flip/rules.d"
	chmod 0755 "$TD/d-flip" "$TD/d-flip/rules.d"
	D_DIR=$TD/d-flip
	_f2_rules 0
	start_daemon flip "$CXT_ROLES_CONF
[daemon]
max_connections_per_uid = 256"
	as_prefix cxt-member "$D_SOCK"
	for i in $(seq 1 6); do
		(
			for j in 1 2 3 4 5 6; do
				out=$(timeout 20 "${AS[@]}" "$CODEXCTL" exec -- echo flip "$i-$j" 2>&1)
				printf 'rc=%s %s\n' "$?" "$(tr '\n' ' ' <<<"$out")"
			done >"$TD/flip.$i"
		) &
		bg+=($!)
	done
	# Flip and reload (policy/reload and SIGHUP) until the clients are
	# done: at least 30 times, at most 600.
	i=0
	while ((i < 600)) && { ((i < 30)) || kill -0 "${bg[@]}" 2>/dev/null; }; do
		i=$((i + 1))
		_f2_rules $((i % 2))
		if ((i % 3)); then
			SOCK=$D_SOCK ctl cxt-admin reload >/dev/null 2>&1
		else
			kill -HUP "$D_PID"
		fi
	done
	# The last generation allows.
	((i % 2)) || { _f2_rules 1; SOCK=$D_SOCK ctl cxt-admin reload >/dev/null 2>&1; }
	for i in "${bg[@]}"; do
		wait "$i"
	done
	alive "$D_PID" || fail "the daemon died in the reload storm"
	ran=$(cat "$TD"/flip.* | grep -c '^rc=0 flip [0-9]*-[0-9] $')
	refused=$(cat "$TD"/flip.* | grep -c '^rc=126 .*policy forbids commands starting with `echo flip`')
	other=$(cat "$TD"/flip.* | grep -v '^rc=0 flip [0-9]*-[0-9] $' |
		grep -v '^rc=126 .*policy forbids commands starting with `echo flip`')
	note "during $i reloads: $ran ran, $refused refused as forbidden"
	[[ -z "$other" ]] || fail "outcomes that are neither generation's: $(head -c 600 <<<"$other")"
	assert_eq 36 "$((ran + refused))" "commands accounted for"
	out=$(SOCK=$D_SOCK ctl cxt-viewer --json status) || fail "status failed"
	assert_eq 0 "$(jqv "$out" .counters.reload_failures)" "reload failures"
	(($(jqv "$out" .policy.generation) >= 2)) || fail "generation: $(jqv "$out" .policy.generation)"
	# The policy in force is the last one written (allow).
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- echo flip last 2>&1) || fail "after the storm: $out"
	assert_eq "flip last" "$out" "the last generation decides"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# _f2_spawner PID: the sandbox spawner of the daemon PID.
_f2_spawner()
{
	local p
	for p in $(pgrep -P "$1" -x codexd-spawner); do
		echo "$p"
	done
}

# The sandbox spawner (daemon/spawner.h) killed: the sandboxes it made are
# the daemon's children and live on, the daemon starts another spawner at
# the next command, and that command runs.
test_fault_spawner_killed()
{
	local sp sp2 bg out init
	start_daemon spawner "$CXT_ROLES_CONF"
	sp=$(_f2_spawner "$D_PID")
	[[ -n "$sp" ]] || fail "no codexd-spawner child of the daemon"
	assert_eq "codexd-spawner --spawner" "$(tr '\0' ' ' <"/proc/$sp/cmdline" | sed 's/ $//')" \
		"the spawner's command line"
	[[ "$(readlink "/proc/$sp/exe")" == "$(readlink -f "$CODEXD")" ]] ||
		fail "the spawner's image is $(readlink "/proc/$sp/exe"), not $CODEXD"
	SOCK=$D_SOCK ctl cxt-member exec -- sh -c 'sleep 2; echo survived' >"$TD/bg.out" 2>&1 &
	bg=$!
	wait_until 10 pgrep -P "$D_PID" -x codexd-init >/dev/null || fail "no sandbox started"
	init=$(pgrep -P "$D_PID" -x codexd-init | head -1)
	note "sandbox PID 1 $init is a child of the daemon $D_PID (CLONE_PARENT), not of the spawner $sp"
	kill -KILL "$sp"
	wait "$bg"
	assert_rc 0 $? "the command running while its spawner was killed: $(cat "$TD/bg.out")"
	assert_eq survived "$(cat "$TD/bg.out")" "its output"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -- echo again 2>&1) || fail "exec after the spawner died: $out"
	assert_eq again "$out" "output after the spawner died"
	sp2=$(_f2_spawner "$D_PID")
	[[ -n "$sp2" && "$sp2" != "$sp" ]] || fail "no new spawner (old $sp, now '$sp2')"
	wait_until 5 grep -q 'sandbox spawner (pid '"$sp"') ended' "$D_LOG" ||
		fail "the log does not say the spawner ended: $(grep -i spawner "$D_LOG" | tail -3)"
	hello_ok cxt-member "$D_SOCK" || fail "the daemon stopped serving"
	# Started by hand it refuses: descriptor 3 is not the daemon's socket.
	out=$("$CODEXD" --spawner 3</dev/null 2>&1)
	assert_rc 2 $? "codexd --spawner by hand: $out"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
	! alive "$sp2" || fail "the spawner outlived the daemon"
}
