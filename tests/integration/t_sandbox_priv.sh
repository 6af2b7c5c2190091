# shellcheck shell=bash
# Privilege tricks, kernel surfaces, terminal injection and resource abuse
# (SECURITY.md, escape classes; CODEX-MODEL.md §2.5, §2.9).  cxprobe
# (tests/helpers/cxprobe.c) attempts each system call and prints the errno;
# where the host lets cxt-member make the call, the same probe is run on the
# host first, so a filter that stopped working would show.
#
# The sh -c scripts expand their own variables (inside the sandbox, or as
# cxt-member on the host):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

# _probe_host_then_inside WANT_INSIDE PROBE...: each probe inside must answer
# WANT_INSIDE (an ERE); the host's answers are shown, and those that are "ok"
# on the host prove the sandbox made the difference.
_probe_host_then_inside()
{
	local want=$1 host inside p name h
	shift
	host=$(as_m "$CXPROBE" "$@")
	inside=$(sbx -- "$CXPROBE" "$@")
	note "host:   $(tr '\n' ' ' <<<"$host")"
	note "inside: $(tr '\n' ' ' <<<"$inside")"
	for p in "$@"; do
		name=${p%%=*}
		h=$(probe_get "$host" "$name")
		[[ -n "$h" ]] || fail "cxprobe $p gave no answer on the host: $host"
		assert_probe "$inside" "$name" "$want" "$name inside the sandbox (host: $h)"
	done
}

test_sandbox_priv_kernel_surfaces()
{
	sb_setup nogit
	_probe_host_then_inside EPERM io_uring bpf perf_event_open userfaultfd modify_ldt \
		personality_noaslr
}

test_sandbox_priv_keyrings_and_handles()
{
	sb_setup nogit
	_probe_host_then_inside EPERM keyctl add_key request_key name_to_handle_at open_by_handle_at
}

test_sandbox_priv_namespaces_and_mounts()
{
	local out
	sb_setup nogit
	_probe_host_then_inside EPERM unshare_user unshare_mount unshare_net setns mount umount \
		pivot_root chroot open_tree fsopen clone_newns clone_newuser
	# clone3's flags cannot be filtered: ENOSYS sends glibc back to clone().
	_probe_host_then_inside ENOSYS clone3
	out=$(sbx -- sh -c "$SB_T"'
		t unshare_r unshare -r true
		t unshare_m unshare -m true
		t unshare_n unshare -n true
		t nsenter nsenter -t 1 -m true
		t threads python3 -c "import threading; t = threading.Thread(target=print); t.start(); t.join()"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" threads 0 "threads (pthread_create after clone3's ENOSYS)"
	assert_all_failed "$(grep -v '^threads ' <<<"$out")" 4 "unshare and nsenter"
	# On the host cxt-member can make a user namespace: the refusal is the sandbox's.
	as_m unshare -r true 2>/dev/null && note "host: unshare -r works for cxt-member"
}

test_sandbox_priv_machine_admin()
{
	sb_setup nogit
	_probe_host_then_inside EPERM kexec_load kexec_file_load init_module finit_module \
		delete_module
}

test_sandbox_priv_ptrace_and_outside_processes()
{
	local out hp h
	sb_setup nogit
	as_prefix "$M_USER"
	"${AS[@]}" sleep 60 &
	hp=$!
	SB_KILL+=("$hp")
	wait_until 5 test -e "/proc/$hp" || fail "the host's sleep did not start"
	# On the host the same user may trace, signal and read it.
	out=$(as_m "$CXPROBE" "ptrace_attach=$hp" "kill=$hp:0" "process_vm_readv=$hp")
	note "host: $(tr '\n' ' ' <<<"$out")"
	assert_probe "$out" ptrace_attach 'ok.*' "host: ptrace of the user's own sleep"
	assert_probe "$out" kill 'ok.*' "host: kill -0 of the user's own sleep"
	assert_probe "$out" process_vm_readv 'EFAULT|ok.*' "host: process_vm_readv of the sleep"
	out=$(sbx -- sh -c "$SB_T"'
		t strace strace -f true
		t gdb sh -c "command -v gdb >/dev/null || exit 99; gdb -batch -p 1"
		t kill_host kill -9 "$1"
		"$2" ptrace_traceme process_vm_readv "ptrace_attach=$1" "kill=$1:0" "kill=$1:9" \
			"process_vm_readv=$1"
		kill -9 -1' sh "$hp" "$CXPROBE")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$(grep -E '^(strace|gdb|kill_host) ' <<<"$out")" 3 "strace, gdb, kill"
	assert_probe "$out" ptrace_traceme EPERM "ptrace(PTRACE_TRACEME)"
	assert_probe "$out" process_vm_readv EPERM "process_vm_readv of itself"
	h=$(grep -E '^(ptrace_attach|kill|process_vm_readv): ' <<<"$out" | grep -vE ': (EPERM|ESRCH)$')
	[[ -z "$h" ]] || fail "the host's sleep (pid $hp) was reachable from inside: $h"
	alive "$hp" || fail "the host's sleep (pid $hp) died"
	assert_eq S "$(awk '{ print $3 }' "/proc/$hp/stat" | tr -d '\n')" \
		"state of the host's sleep (not stopped or traced)"
}

test_sandbox_priv_i386_abi()
{
	local out
	sb_setup nogit
	out=$(as_m "$CXPROBE" int80_getpid)
	note "host: $out"
	[[ "$out" == "int80_getpid: ok"* ]] ||
		note "the host itself refuses int 0x80 (no IA32 emulation?): $out"
	out=$(sbx -- "$CXPROBE" int80_getpid)
	note "inside: $out"
	assert_probe "$out" int80_getpid EPERM "i386 getpid through int 0x80"
}

test_sandbox_priv_x32_abi()
{
	local host out
	sb_setup nogit
	host=$(as_m "$CXPROBE" x32_getpid)
	out=$(sbx -- "$CXPROBE" x32_getpid)
	note "host: $host; inside: $out"
	[[ "$(probe_get "$out" x32_getpid)" != ok* ]] || fail "an x32 system call succeeded inside: $out"
	if [[ "$(probe_get "$host" x32_getpid)" == ENOSYS ]]; then
		skip "this kernel has no x32 ABI (CONFIG_X86_X32_ABI off: x32 getpid on the host answers ENOSYS); inside: $(probe_get "$out" x32_getpid)"
	fi
	assert_probe "$out" x32_getpid EPERM "x32 getpid (0x40000000 | nr)"
}

test_sandbox_priv_setuid()
{
	local out uid
	sb_setup nogit
	uid=$M_UID
	cp /usr/bin/id "$WS/suid-id" || fail "cannot copy id"
	chown root:root "$WS/suid-id"
	chmod 4755 "$WS/suid-id"
	# On the host it elevates: the test would see it.
	out=$(as_m "$WS/suid-id" -u)
	assert_eq 0 "$out" "euid of a setuid-root id run by cxt-member on the host"
	out=$(sbx -- sh -c "$SB_T"'
		echo "euid=$(./suid-id -u) ruid=$(./suid-id -ru)"
		t su sh -c "su -c id root </dev/null"
		t sudo sh -c "command -v sudo >/dev/null || exit 99; sudo -n true"
		t newgrp sh -c "newgrp root </dev/null"' sh 2>&1)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_line "$out" "euid=$uid ruid=$uid" "ids printed by the setuid-root id inside"
	assert_all_failed "$(grep -E '^(su|sudo|newgrp) ' <<<"$out")" 3 "su, sudo, newgrp"
}

test_sandbox_priv_file_caps()
{
	local out
	command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
	sb_setup nogit
	cp /bin/cat "$WS/capcat" || fail "cannot copy cat"
	setcap cap_dac_read_search+ep "$WS/capcat" || skip "setcap does not work on $WS's file system"
	# On the host the capability works for cxt-member.
	as_m "$WS/capcat" /etc/shadow >/dev/null ||
		fail "the cap_dac_read_search copy of cat cannot read /etc/shadow on the host"
	out=$(as_m "$WS/capcat" /proc/self/status)
	assert_match 'CapEff:[[:space:]]+0*4' "$out" "CapEff of the capability binary on the host"
	out=$(sbx -- sh -c "$SB_T"'
		t shadow ./capcat /etc/shadow
		./capcat /proc/self/status | grep -E "^Cap(Eff|Prm)"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$(grep '^shadow ' <<<"$out")" 1 "reading /etc/shadow with file capabilities"
	assert_match 'CapEff:[[:space:]]+0000000000000000' "$out" "CapEff of the capability binary inside"
	assert_match 'CapPrm:[[:space:]]+0000000000000000' "$out" "CapPrm of the capability binary inside"
}

test_sandbox_priv_identity()
{
	local out mode line
	sb_setup nogit
	for mode in workspace-write read-only danger-full-access; do
		out=$(sbx -s "$mode" -- sh -c 'grep -E "^(Cap|NoNewPrivs)" /proc/self/status; "$1" nnp caps' \
			sh "$CXPROBE")
		for line in CapInh CapPrm CapEff CapBnd CapAmb; do
			assert_match "$line:[[:space:]]+0000000000000000" "$out" "$line in $mode"
		done
		assert_match "NoNewPrivs:[[:space:]]+1" "$out" "NoNewPrivs in $mode"
		assert_probe "$out" nnp 'ok 1' "prctl(PR_GET_NO_NEW_PRIVS) in $mode"
		assert_probe "$out" caps 'ok eff=0+ prm=0+ inh=0+' "capget in $mode"
	done
}

# The pty harness: runs as cxt-member on the host.  "host": a child with the
# pty as its controlling terminal injects with TIOCSTI (proves the probe
# works).  "sandbox": codexctl exec --fds with the pty slave as stdio.  Then
# it prints what the terminal's next reader would get.
SB_PTY_PY='
import fcntl, os, subprocess, sys, termios, time, tty
mode, codexctl, probe = sys.argv[1:4]
m, s = os.openpty()
tty.setraw(s)
rc = None
if mode == "host":
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(s, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(s, fd)
        os.execv(probe, [probe, "tiocsti=0"])
    rc = os.waitpid(pid, 0)[1]
else:
    script = "\"$0\" tiocsti=0 tiocsti=1 tioclinux=0 open_tty; echo \"ctty=$(ps -o tty= -p $$ | tr -d \" \")\"; echo \"tty=$(tty)\""
    san = ["--env", sys.argv[4]] if len(sys.argv) > 4 and sys.argv[4] else []
    rc = subprocess.run([codexctl, "exec", "--fds"] + san + ["--", "sh", "-c", script, probe],
                        stdin=s, stdout=s, stderr=s, timeout=20).returncode
time.sleep(0.2)
os.set_blocking(s, False)
try:
    pending = os.read(s, 4096)
except BlockingIOError:
    pending = b""
os.set_blocking(m, False)
out = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except (BlockingIOError, OSError):
        break
    if not chunk:
        break
    out += chunk
print("rc=%s" % rc)
print("pending=%r" % pending)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
'

test_sandbox_priv_tty_injection()
{
	local out
	sb_setup nogit
	printf '%s\n' "$SB_PTY_PY" >"$TD/pty.py"
	chmod 0644 "$TD/pty.py"
	# Detection works: on the host, with the pty as controlling terminal, TIOCSTI injects.
	out=$(as_m timeout 30 "$PY" "$TD/pty.py" host "$CODEXCTL" "$CXPROBE")
	note "host: $(tr '\n' ' ' <<<"$out")"
	assert_match "tiocsti: ok" "$out" "host: TIOCSTI into the controlling terminal"
	assert_line "$out" "pending=b'#'" "host: the injected byte waits for the terminal's reader"
	out=$(as_m env CODEXD_SOCKET="${SB_SOCK:-$SOCK}" timeout 30 "$PY" "$TD/pty.py" sandbox \
		"$CODEXCTL" "$CXPROBE" "${CXT_SANLOG:+$SB_ASAN_INSIDE}")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_line "$out" "rc=0" "codexctl exec --fds with the pty"
	assert_match "tiocsti: EPERM" "$out" "TIOCSTI on the pty from inside"
	assert_eq 2 "$(grep -c '^tiocsti: EPERM$' <<<"$out")" "TIOCSTI on fds 0 and 1"
	assert_match "tioclinux: EPERM" "$out" "TIOCLINUX from inside"
	assert_match "open_tty: ENXIO" "$out" "opening /dev/tty (no controlling terminal)"
	assert_line "$out" "ctty=?" "controlling terminal of the command (ps -o tty=)"
	assert_line "$out" "pending=b''" "input injected into the user's terminal"
}

# ---------------------------------------------------------------- processes and resources

test_sandbox_priv_orphans_after_exit()
{
	local rc
	sb_setup nogit
	sbx -- sh -c '
		setsid sh -c "sleep 3001 & sleep 3002" &
		(sleep 3003 &)
		nohup sleep 3004 >/dev/null 2>&1 &
		sh -c "trap \"\" HUP TERM INT; sleep 3005" &
		sleep 0.5; exit 0' </dev/null >/dev/null 2>&1
	rc=$?
	assert_rc 0 "$rc" "the command that leaves orphans"
	wait_no_procs "$M_USER" 5 ||
		fail "processes of cxt-member survive the command: $(proc_list "$M_USER")"
}

test_sandbox_priv_orphans_client_killed()
{
	local pid
	sb_setup nogit
	as_prefix "$M_USER"
	(
		cd "$WS" || exit 1
		exec "${AS[@]}" "$CODEXCTL" exec -- sh -c '
			setsid sh -c "trap \"\" HUP TERM; sleep 3011" &
			(trap "" HUP TERM; sleep 3012 &)
			trap "" HUP TERM INT; sleep 3013' </dev/null >/dev/null 2>&1
	) &
	pid=$!
	wait_until 10 procs_at_least 3 "$M_USER" -f 'sleep 301[123]' ||
		fail "the sleeps did not start: $(proc_list "$M_USER")"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait_no_procs "$M_USER" 10 ||
		fail "processes of cxt-member survive their client: $(proc_list "$M_USER")"
}

test_sandbox_priv_timeout_kills_tree()
{
	local rc t0
	sb_setup nogit
	t0=$SECONDS
	sbx --timeout 1 -- sh -c '
		trap "" TERM HUP INT
		setsid sh -c "trap \"\" TERM HUP; sleep 3021" &
		(trap "" TERM; sleep 3022 &)
		sleep 3023' </dev/null >/dev/null 2>&1
	rc=$?
	assert_rc 124 "$rc" "a command that ignores SIGTERM, with --timeout 1"
	((SECONDS - t0 < 10)) || fail "the timeout took $((SECONDS - t0)) s"
	wait_no_procs "$M_USER" 5 ||
		fail "processes of cxt-member survive the timeout: $(proc_list "$M_USER")"
}

# The default limits are reported with every exec.
test_sandbox_res_limits_reported()
{
	local out line
	sb_setup nogit
	SB_CTL=(--json)
	out=$(sbx -n -- true)
	SB_CTL=()
	line=$(jsel "$out" 'select(.exit_code != null)')
	[[ -n "$line" ]] || fail "no exec/exited line in: $out"
	jq -e '.limits.pids_max > 0 and .limits.memory_max_mb > 0' <<<"$line" >/dev/null ||
		fail "exec/exited does not report pids and memory limits: $line"
	note "default limits: $(jq -c .limits <<<"$line")"
}

_max_procs_sampler()
{
	local max=0 n end=$((SECONDS + $1))
	while ((SECONDS < end)); do
		n=$(user_pids "$M_USER" | wc -l)
		if ((n > max)); then
			max=$n
			echo "$max" >"$TD/max_procs"
		fi
		sleep 0.05
	done
}

test_sandbox_res_fork_bomb()
{
	local out line rc max sampler limit=64 alive_out
	sb_setup nogit
	daemon_accepts "[limits]
pids_max = $limit" || fail "this build has no [limits] pids_max: a fork bomb is not limited"
	sb_daemon bomb "[limits]
pids_max = $limit"
	echo 0 >"$TD/max_procs"
	_max_procs_sampler 15 &
	sampler=$!
	SB_KILL+=("$sampler")
	# Self-bounded (at most ~2000 processes) in case nothing holds it.
	SB_CTL=(--json)
	# bash retries a fork that fails with EAGAIN: the bomb keeps pushing at the limit.
	sbx -n --timeout 4 -- bash -c '
		b() { [ "$1" -gt 0 ] || { sleep 30; return; }; b $(($1 - 1)) & b $(($1 - 1)) & wait; }
		b 10' >"$TD/bomb.out" 2>"$TD/bomb.err" &
	SB_CTL=()
	local bomb=$!
	sleep 1.5
	# The daemon still serves others while the bomb runs.
	alive_out=$(SOCK=$D_SOCK ctl cxt-admin exec -n --timeout 10 -- echo alive 2>&1)
	assert_eq alive "$alive_out" "another user's command during the fork bomb"
	wait "$bomb"
	rc=$?
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	max=$(cat "$TD/max_procs")
	out=$(cat "$TD/bomb.out")
	line=$(jsel "$out" 'select(.exit_code != null or .signal != null)')
	note "fork bomb: status $rc, most processes of cxt-member at once: $max, exec/exited: $line"
	assert_rc 124 "$rc" "the fork bomb under --timeout 4"
	((max <= limit + 4)) ||
		fail "the fork bomb reached $max processes of cxt-member (pids_max = $limit)"
	assert_eq true "$(jqv "$line" '.pids_limited // false')" "exec/exited pids_limited"
	alive "$D_PID" || fail "the daemon died"
	hello_ok "$M_USER" "$D_SOCK" || fail "the daemon does not answer after the fork bomb"
	wait_no_procs "$M_USER" 10 || fail "processes of the fork bomb survive: $(proc_list "$M_USER")"
}

test_sandbox_res_memory_hog()
{
	local out line rc limit=64
	sb_setup nogit
	daemon_accepts "[limits]
memory_max_mb = $limit" || fail "this build has no [limits] memory_max_mb: memory is not limited"
	sb_daemon mem "[limits]
memory_max_mb = $limit"
	# 320 MB, written (not just reserved), in 8 MB steps.
	SB_CTL=(--json)
	out=$(sbx -n --timeout 20 -- python3 -c '
a = []
for i in range(40):
    a.append(bytearray(b"x") * (8 << 20))
print("survived", flush=True)' 2>"$TD/err")
	rc=$?
	SB_CTL=()
	line=$(jsel "$out" 'select(.exit_code != null or .signal != null)')
	note "memory hog: status $rc, exec/exited: $line"
	assert_no_match survived "$out" "a 320 MB allocation under memory_max_mb = $limit"
	assert_rc 137 "$rc" "the memory hog (killed by SIGKILL)"
	assert_eq true "$(jqv "$line" '.oom_killed // false')" "exec/exited oom_killed"
	alive "$D_PID" || fail "the daemon died"
	hello_ok "$M_USER" "$D_SOCK" || fail "the daemon does not answer after the memory hog"
	wait_no_procs "$M_USER" 10 || fail "processes survive: $(proc_list "$M_USER")"
}

# SECURITY.md: hostile clients cannot crash the daemon.  A client and its
# command both killed while stdin chunks are still queued in the daemon
# (what `pkill -KILL -u USER` does): the replies to the queued exec/write
# requests fail, the connection closes under the loop that sends them.
test_sandbox_res_killed_during_stdin()
{
	local i pid
	sb_setup nogit
	sb_daemon stdin ''
	head -c 50000000 /dev/zero >"$TD/big"
	chmod 0644 "$TD/big"
	as_prefix "$M_USER" "$D_SOCK"
	for i in 1 2 3 4 5 6; do
		"${AS[@]}" "$CODEXCTL" exec -- sha256sum <"$TD/big" >/dev/null 2>&1 &
		pid=$!
		sleep "0.$((i % 4 + 1))"
		pkill -KILL -u "$M_USER"
		wait "$pid" 2>/dev/null
		wait_no_procs "$M_USER" 5 || true
		alive "$D_PID" ||
			fail "the daemon died when a client and its command were killed during a 50 MB stdin (round $i): $(grep -m1 -iE 'double free|corruption|ERROR: AddressSanitizer|abort' "$D_LOG")"
	done
	hello_ok "$M_USER" "$D_SOCK" || fail "the daemon does not answer afterwards"
}

# SECURITY.md, resource abuse: disk in /tmp.  The private /tmp is a tmpfs of
# [sandbox] tmp_size_mb; filling it ends in ENOSPC, not on the host's disk.
test_sandbox_res_tmp_disk()
{
	local out f=/tmp/cxt-fill.$SB_TAG
	daemon_accepts '[sandbox]
tmp = "private"
tmp_size_mb = 16' || skip "this build has no private, size-limited /tmp ([sandbox] tmp_size_mb)"
	sb_setup nogit
	SB_CLEAN+=("$f")
	sb_daemon tmpfill '[sandbox]
tmp = "private"
tmp_size_mb = 16'
	out=$(sbx -- sh -c "$SB_T"'
		t small sh -c "head -c 4000000 /dev/zero > \"$1.small\""
		head -c 64000000 /dev/zero > "$1" 2>/dev/null; echo "fill rc=$?"
		echo "size=$(stat -c %s "$1")"
		df -k /tmp | tail -1' sh "$f")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" small 0 "a 4 MB file in a 16 MB /tmp"
	assert_all_failed "$(grep '^fill ' <<<"$out")" 1 "writing 64 MB into a 16 MB /tmp"
	[[ "$(sed -n 's/^size=//p' <<<"$out")" -le 16777216 ]] ||
		fail "the file in /tmp grew past tmp_size_mb: $(grep '^size=' <<<"$out")"
	[[ ! -e "$f" && ! -e "$f.small" ]] || fail "the private /tmp's files reached the host's /tmp"
}
