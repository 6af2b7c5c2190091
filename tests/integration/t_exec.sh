# shellcheck shell=bash
# exec as a member: identity, streams, exit statuses, stdio modes, signals,
# timeouts, disconnects and the environment policy.

test_exec_streams_and_status()
{
	local rc
	ctl cxt-member exec -- sh -c 'id -u; echo out; echo err >&2; exit 3' \
		>"$TD/out" 2>"$TD/err"
	rc=$?
	assert_rc 3 "$rc" "exit status of the command"
	assert_eq "$(id -u cxt-member)
out" "$(cat "$TD/out")" "stdout"
	assert_eq "err" "$(cat "$TD/err")" "stderr"

	ctl cxt-member exec -- true
	assert_rc 0 $? "exec true"
	ctl cxt-member exec -- sh -c 'exit 255'
	assert_rc 255 $? "exec exit 255"
}

test_exec_identity_and_groups()
{
	local out u
	for u in cxt-member cxt-admin; do
		out=$(ctl "$u" exec -- id -u) || fail "exec id -u as $u failed"
		assert_eq "$(id -u "$u")" "$out" "uid inside the command of $u"
		out=$(ctl "$u" exec -- id -g) || fail "exec id -g as $u failed"
		assert_eq "$(id -g "$u")" "$out" "gid inside the command of $u"
		out=$(ctl "$u" exec -- id -G) || fail "exec id -G as $u failed"
		assert_eq "$(id -G "$u")" "$out" "groups inside the command of $u"
	done
	# Supplementary groups come from the caller's credentials too.
	out=$(setpriv --reuid=cxt-member --regid=cxt-member --groups=cxt-member,cxt-viewer -- \
		env -i -C / PATH="$CXT_PATH" CODEXD_SOCKET="$SOCK" "$CODEXCTL" exec -- id -G) ||
		fail "exec with an extra supplementary group failed"
	assert_eq "$(id -g cxt-member) $(getent group cxt-viewer | cut -d: -f3)" \
		"$(tr ' ' '\n' <<<"$out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"groups with an extra supplementary group"
}

test_exec_no_capabilities()
{
	local out line
	out=$(ctl cxt-member exec -- grep -E 'CapInh|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs' \
		/proc/self/status) || fail "exec grep failed"
	for line in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_match "$line:[[:space:]]+0000000000000000" "$out" "$line of the command"
	done
	assert_match "NoNewPrivs:[[:space:]]+1" "$out" "NoNewPrivs of the command"
	# Every uid of the command is the caller's.
	out=$(ctl cxt-member exec -- sh -c 'grep -E "^Uid" /proc/self/status') ||
		fail "exec grep Uid failed"
	assert_match "Uid:[[:space:]]+$(id -u cxt-member)[[:space:]]+$(id -u cxt-member)[[:space:]]+$(id -u cxt-member)[[:space:]]+$(id -u cxt-member)" \
		"$out" "real, effective, saved and fs uid"
}

test_exec_command_not_found()
{
	local rc err
	err=$(ctl cxt-member exec -- cxt-no-such-command 2>&1 >/dev/null)
	rc=$?
	assert_rc 127 "$rc" "a command that is not on PATH"
	assert_match 'cannot execute "cxt-no-such-command": No such file or directory' "$err" \
		"message"
	err=$(ctl cxt-member exec -- /nonexistent/dir/cmd 2>&1 >/dev/null)
	rc=$?
	assert_rc 127 "$rc" "a path that does not exist"
	assert_match 'cannot execute "/nonexistent/dir/cmd"' "$err" "message"
}

test_exec_not_executable()
{
	local rc err
	printf '#!/bin/sh\necho hi\n' >"$W/script"
	chmod 0644 "$W/script"
	err=$(ctl cxt-member exec -- "$W/script" 2>&1 >/dev/null)
	rc=$?
	assert_rc 126 "$rc" "a file without execute permission"
	assert_match "cannot execute \"$W/script\": Permission denied" "$err" "message"
	chmod 0755 "$W/script"
	err=$(ctl cxt-member exec -- "$W/script")
	assert_rc 0 $? "the same file made executable"
	assert_eq hi "$err" "its output"
}

test_exec_cwd()
{
	local out rc
	mkdir -p "$W/sub dir"
	chown cxt-member: "$W/sub dir"
	out=$(ctl cxt-member exec -C "$W/sub dir" -- pwd)
	assert_rc 0 $? "exec -C"
	assert_eq "$W/sub dir" "$out" "pwd with -C"
	# Default: the client's working directory.
	out=$(ASDIR=/usr/share ctl cxt-member exec -- pwd)
	assert_eq /usr/share "$out" "pwd without -C"
	# A directory the user cannot enter.
	out=$(ctl cxt-member exec -C /root -- pwd 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec -C /root"
	assert_match 'cannot change directory to "/root": Permission denied' "$out" "message"
	mkdir -p "$TD/private"
	chmod 0700 "$TD/private"
	out=$(ctl cxt-member exec -C "$TD/private" -- pwd 2>&1)
	rc=$?
	[[ "$rc" != 0 ]] || fail "exec -C into a root-only 0700 directory succeeded: $out"
	assert_match "cannot change directory|Permission denied" "$out" "message"
}

test_exec_stdin_50mb()
{
	local out want
	head -c 50000000 /dev/urandom | tee "$TD/f" | ctl cxt-member exec -- sha256sum >"$TD/out"
	assert_rc 0 $? "exec sha256sum with 50 MB on stdin"
	want=$(sha256sum <"$TD/f" | cut -d' ' -f1)
	out=$(cut -d' ' -f1 <"$TD/out")
	assert_eq "$want" "$out" "digest computed inside"
	assert_eq 50000000 "$(stat -c %s "$TD/f")" "size of the input"
}

test_exec_output_50mb()
{
	local want got size
	head -c 50000000 /dev/urandom >"$W/big"
	chmod 0644 "$W/big"
	want=$(sha256sum <"$W/big" | cut -d' ' -f1)
	ctl cxt-member exec -n -- head -c 50000000 "$W/big" >"$TD/got"
	assert_rc 0 $? "exec head of 50 MB"
	size=$(stat -c %s "$TD/got")
	assert_eq 50000000 "$size" "bytes received"
	got=$(sha256sum <"$TD/got" | cut -d' ' -f1)
	assert_eq "$want" "$got" "digest of the output"
	# Both streams at once, binary, interleaved by the command.
	ctl cxt-member exec -n -- sh -c 'head -c 3000000 big; head -c 2000000 big >&2' \
		>"$TD/o1" 2>"$TD/o2"
	assert_rc 0 $? "stdout and stderr together"
	assert_eq "$(head -c 3000000 "$W/big" | sha256sum)" "$(sha256sum <"$TD/o1")" "stdout part"
	assert_eq "$(head -c 2000000 "$W/big" | sha256sum)" "$(sha256sum <"$TD/o2")" "stderr part"
}

test_exec_stdin_forwarding()
{
	local out
	out=$(printf 'one\ntwo\n\nthree' | ctl cxt-member exec -- cat)
	assert_rc 0 $? "exec cat"
	assert_eq "$(printf 'one\ntwo\n\nthree')" "$out" "lines through cat"
	# Bytes that are not text, NULs included.
	printf 'a\000b\377\001\n' >"$TD/bin"
	ctl cxt-member exec -- od -An -tx1 <"$TD/bin" >"$TD/od"
	assert_eq "$(od -An -tx1 <"$TD/bin")" "$(cat "$TD/od")" "binary stdin"
	# Empty stdin is an immediate end of file.
	out=$(ctl cxt-member exec -- wc -c </dev/null)
	assert_eq 0 "$out" "empty stdin"
}

test_exec_no_stdin()
{
	local out rc
	out=$(printf 'must not arrive\n' |
		ctl cxt-member exec -n -- sh -c 'readlink /proc/self/fd/0; wc -c')
	assert_rc 0 $? "exec -n"
	assert_eq "/dev/null
0" "$out" "stdin of the command with -n"
	# A closed stdin counts as no stdin, and the output still arrives.
	as_prefix cxt-member
	out=$(timeout -k 2 10 "${AS[@]}" "$CODEXCTL" exec -- sh -c 'readlink /proc/self/fd/0; echo end' <&-)
	rc=$?
	((rc != 124 && rc != 137)) || fail "codexctl started with stdin closed hung (killed after 10 s; output '$out')"
	assert_eq "/dev/null
end" "$out" "output of a command run by a codexctl started with stdin closed"
}

test_exec_fds_mode()
{
	local rc
	printf 'line 1\nline 2\n' >"$W/in"
	chown cxt-member: "$W/in"
	# shellcheck disable=SC2016 # for the member's sh
	as cxt-member timeout -k 2 20 sh -c '"$0" exec --fds -- sh -c "cat; echo x >&2; readlink /proc/self/fd/4 4>&1 >&2; readlink /proc/self/fd/4 4<&0 >&2" <in >out 2>err' \
		"$CODEXCTL"
	rc=$?
	assert_rc 0 "$rc" "exec --fds"
	assert_eq "$(cat "$W/in")" "$(cat "$W/out")" "stdout file written by the command"
	assert_eq "x
$W/out
$W/in" "$(cat "$W/err")" "stderr file: the command holds the files themselves"
	# Exit status still comes back.
	# shellcheck disable=SC2016 # for the member's sh
	as cxt-member timeout -k 2 20 sh -c '"$0" exec --fds -- sh -c "exit 7" </dev/null >/dev/null' "$CODEXCTL"
	assert_rc 7 $? "exit status in fds mode"
}

# The command traps SIG, records it, then dies of it.
_signal_test()
{
	local sig=$1 want=$2 pid rc
	rm -f "$W/got" "$W/ready"
	as_prefix cxt-member
	"${AS[@]}" "$CODEXCTL" exec -- sh -c \
		"trap 'echo $sig > got; trap - $sig; kill -$sig \$\$' $sig; echo > ready; while :; do sleep 0.1; done" \
		>"$TD/out" 2>"$TD/err" &
	pid=$!
	wait_until 10 test -e "$W/ready" || fail "the command did not start: $(cat "$TD/err")"
	kill -"$sig" "$pid"
	wait_exit "$pid" 10 || fail "codexctl still running 10 s after SIG$sig"
	wait "$pid"
	rc=$?
	assert_rc "$want" "$rc" "codexctl after SIG$sig"
	assert_eq "$sig" "$(cat "$W/got" 2>/dev/null)" "the command's trap for SIG$sig"
	wait_no_procs cxt-member 5 || fail "processes left: $(proc_list cxt-member)"
}

test_exec_sigterm_forwarded()
{
	_signal_test TERM 143
}

test_exec_sigint_forwarded()
{
	_signal_test INT 130
}

test_exec_signal_kill_protocol()
{
	local line id
	sess_open s cxt-member
	sess_send s "$(rpc_line 1 exec/start "$(exec_params '["sleep","1000"]' '"stdin":false')")"
	line=$(sess_wait s '.id == 1' 10) || fail "no answer to exec/start: $(cat "$TD/s.out")"
	id=$(jqv "$line" .result.id)
	[[ -n "$id" && "$id" != null ]] || fail "exec/start failed: $line"
	assert_eq allow "$(jqv "$line" .result.decision)" "decision"
	wait_until 5 procs_of cxt-member -x sleep || fail "sleep is not running"

	sess_send s "$(rpc_line 2 exec/signal "{\"id\":\"$id\",\"signal\":\"KILL\"}")"
	line=$(sess_wait s '.id == 2' 5) || fail "no answer to exec/signal"
	assert_eq '{}' "$(jqv "$line" '.result | tojson')" "exec/signal result"
	line=$(sess_wait s '.method == "exec/exited"' 5) || fail "no exec/exited"
	assert_eq "$id" "$(jqv "$line" .params.id)" "exec/exited id"
	assert_eq KILL "$(jqv "$line" .params.signal)" "exec/exited signal"
	assert_eq 9 "$(jqv "$line" .params.signal_number)" "exec/exited signal_number"
	assert_eq false "$(jqv "$line" .params.timed_out)" "exec/exited timed_out"
	wait_no_procs cxt-member 5 -x sleep || fail "sleep survived: $(proc_list cxt-member)"

	# The exec is gone: a second signal names no exec.
	sess_send s "$(rpc_line 3 exec/signal "{\"id\":\"$id\",\"signal\":\"TERM\"}")"
	line=$(sess_wait s '.id == 3' 5) || fail "no answer to the second exec/signal"
	expect_error "$line" 3 -32007 "signal to a finished exec"
	sess_close s
}

test_exec_timeout()
{
	local rc err t0
	t0=$SECONDS
	err=$(ctl cxt-member exec --timeout 1 -- sleep 30 2>&1)
	rc=$?
	assert_rc 124 "$rc" "exec --timeout 1 sleep 30"
	((SECONDS - t0 < 10)) || fail "the timeout took $((SECONDS - t0)) s"
	assert_match "timed out" "$err" "message"
	wait_no_procs cxt-member 3 -x sleep || fail "sleep survived: $(proc_list cxt-member)"
	# A command that ends in time is not affected.
	ctl cxt-member exec --timeout 5 -- true
	assert_rc 0 $? "exec --timeout 5 true"
}

test_exec_disconnect_kills_tree()
{
	local pid
	as_prefix cxt-member
	"${AS[@]}" "$CODEXCTL" exec -- sh -c 'setsid sleep 1000 & sleep 1000' >/dev/null 2>&1 &
	pid=$!
	wait_until 10 procs_at_least 2 cxt-member -x sleep ||
		fail "the two sleeps did not start: $(proc_list cxt-member)"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait_no_procs cxt-member 10 ||
		fail "processes of cxt-member survive the disconnect: $(proc_list cxt-member)"
}

# exec/exited may come before PID 1 is reaped, but only when the sandbox
# holds PID 1 alone (daemon/exec.c, exec_maybe_finish): whatever the
# command left behind is gone by the time the client returns, checked at
# once, without waiting.  The quiet sleep (no stdout to hold) is the case
# that tells the two paths apart.
test_exec_exited_after_the_last_process()
{
	local i rc
	as_prefix cxt-member
	for i in $(seq 1 20); do
		"${AS[@]}" "$CODEXCTL" exec -n -- sh -c 'sleep 3101 >/dev/null 2>&1 & exit 0'
		rc=$?
		assert_rc 0 "$rc" "run $i: a command that leaves a quiet sleep behind"
		no_procs_of cxt-member -f 'sleep 3101' ||
			fail "run $i: the sleep outlived exec/exited: $(proc_list cxt-member)"
		"${AS[@]}" "$CODEXCTL" exec -n -- sh -c 'exit 7'
		assert_rc 7 $? "run $i: exit status of a command that leaves nothing"
	done
}

test_exec_env_default_excludes()
{
	local out
	out=$(as cxt-member env FOO_TOKEN=t1 MY_SECRET=s1 API_KEY=k1 CXT_PLAIN=plain \
		"$CODEXCTL" exec -- env)
	assert_rc 0 $? "exec env"
	assert_no_match 'FOO_TOKEN|MY_SECRET|API_KEY' "$out" "secrets in the environment"
	assert_line "$out" "PATH=$CXT_PATH" "PATH"
	assert_line "$out" "HOME=/home/cxt-member" "HOME"
	assert_line "$out" "CXT_PLAIN=plain" "an ordinary variable"
	# Named explicitly, a variable passes.
	out=$(as cxt-member env FOO_TOKEN=t1 "$CODEXCTL" exec --env FOO_TOKEN=x -- env)
	assert_line "$out" "FOO_TOKEN=x" "--env FOO_TOKEN=x"
}

test_exec_env_inherit_core_and_set()
{
	local out
	start_daemon envcore "$CXT_ROLES_CONF
[shell_environment_policy]
inherit = \"core\"
[shell_environment_policy.set]
CXT_FROM_CONFIG = \"set by config\""
	out=$(SOCK=$D_SOCK as cxt-member env CXT_PLAIN=plain TMPDIR=/tmp "$CODEXCTL" exec -- env)
	assert_rc 0 $? "exec env on the inherit=core daemon"
	assert_no_match 'CXT_PLAIN|CODEXD_SOCKET' "$out" "non-core variables"
	assert_line "$out" "PATH=$CXT_PATH" "PATH"
	assert_line "$out" "HOME=/home/cxt-member" "HOME"
	assert_line "$out" "USER=cxt-member" "USER"
	assert_line "$out" "TMPDIR=/tmp" "TMPDIR"
	assert_line "$out" "CXT_FROM_CONFIG=set by config" \
		"[shell_environment_policy.set]"
	out=$(SOCK=$D_SOCK as cxt-member "$CODEXCTL" exec --env CXT_EXPLICIT=yes -- env)
	assert_line "$out" "CXT_EXPLICIT=yes" "--env on the core daemon"
	stop_daemon || fail "the private daemon did not stop on SIGTERM"
}

# Quick commands: their output and exit can reach codexctl together with the
# exec/start answer.  Every one must finish, promptly.
test_exec_quick_commands_finish()
{
	local i out rc hung=0 first=''
	# Busy CPUs make the race likely (as on a loaded machine); the loops run
	# as cxt-viewer, so the runner's clean-up ends them in any case.
	for _ in $(seq 1 "$(nproc)"); do
		as cxt-viewer timeout 60 sh -c 'while :; do :; done' &
	done
	as_prefix cxt-member
	for i in $(seq 1 200); do
		out=$(timeout -k 1 5 "${AS[@]}" "$CODEXCTL" exec -n -- echo "$i")
		rc=$?
		if ((rc == 124 || rc == 137)); then
			hung=$((hung + 1))
			first=${first:-$i}
			((hung < 3)) && continue
			break
		fi
		assert_rc 0 "$rc" "exec number $i"
		assert_eq "$i" "$out" "output of exec $i"
	done
	pkill -u cxt-viewer -x timeout
	((hung == 0)) ||
		fail "$hung of $i runs of 'codexctl exec -n -- echo N' did not finish within 5 s (first: N=$first)"
	out=$(status_json cxt-viewer)
	assert_eq 0 "$(jqv "$out" .execs.running)" "execs still running"
}
