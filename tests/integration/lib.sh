# shellcheck shell=bash
# Helpers for the integration tests (sourced by tests/integration/run and,
# in each test's own bash process, before the test file).
#
# Environment set by the runner (exported):
#   CXT_BUILD    build directory (absolute): codexd, codexctl, tests/cxraw
#   CXT_T        the suite's private temporary directory
#   CXT_SRC      tests/integration (absolute)
#   CXT_SANLOG   where sanitizer builds of the clients write their reports
#   SOCK, DPID, DLOG   the shared daemon's socket, pid and log
#   TD           this test's own directory (0755, root)
#   W            a directory owned by cxt-member inside TD (0755)
#   CXT_REASON   file the failure/skip reason is written to
#
# A test is a function test_NAME in a t_*.sh file.  It passes by returning
# 0; fail "why" and skip "why" end it (they exit the test's process, so do
# not call them inside $( ) or a pipeline; soft_fail works anywhere).  The
# shared daemon (SOCK) runs with the roles of CXT_ROLES_CONF; a test that
# needs another configuration starts its own with start_daemon.

# Variables here are used by the files that source this one.
# shellcheck disable=SC2034

CODEXD=$CXT_BUILD/codexd
CODEXCTL=$CXT_BUILD/codexctl
CXRAW=$CXT_BUILD/tests/cxraw
CXT_PATH=/usr/local/bin:/usr/bin:/bin
CXT_USERS=(cxt-member cxt-viewer cxt-admin cxt-nogroup)
# Exit status of a skipped test (as automake's).
CXT_SKIP=77

set -o pipefail

fail()
{
	printf '%s\n' "$*" >"$CXT_REASON"
	printf 'fail: %s\n' "$*" >&2
	exit 1
}

# soft_fail MSG: record a failure without ending the test (usable inside
# $( )); the runner fails the test whatever it returns, MSG first.
soft_fail()
{
	printf '%s\n' "$*" >>"$CXT_REASON.soft"
	printf 'fail: %s\n' "$*" >&2
}

skip()
{
	printf '%s\n' "$*" >"$CXT_REASON"
	exit "$CXT_SKIP"
}

# Print what a test is doing (shown when it fails).
note()
{
	printf '# %s\n' "$*" >&2
}

assert_eq()
{
	# assert_eq EXPECTED ACTUAL WHAT
	[[ "$1" == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_rc()
{
	# assert_rc EXPECTED ACTUAL WHAT
	[[ "$1" == "$2" ]] || fail "$3: expected exit status $1, got $2"
}

assert_match()
{
	# assert_match ERE TEXT WHAT
	[[ "$2" =~ $1 ]] || fail "$3: '$(printf '%s' "$2" | head -c 400)' does not match /$1/"
}

assert_no_match()
{
	# assert_no_match ERE TEXT WHAT
	if [[ "$2" =~ $1 ]]; then
		fail "$3: '$(printf '%s' "$2" | head -c 400)' unexpectedly matches /$1/"
	fi
}

# jqv JSON FILTER: print a jq result (raw), empty on invalid input.
jqv()
{
	printf '%s' "$1" | jq -r "$2" 2>/dev/null
}

# as_prefix USER [SOCKET]: set the array AS to the command prefix that runs
# a program as USER (uid, gid and the user's groups from the group
# database), in a clean environment, in directory $ASDIR (default: W for
# cxt-member, / otherwise), with CODEXD_SOCKET.  Use it directly when the
# pid must be the program's own: "${AS[@]}" prog & pid=$!
as_prefix()
{
	local user=$1 sock=${2:-$SOCK} dir=${ASDIR:-}
	local home
	home=$(getent passwd "$user" | cut -d: -f6)
	if [[ -z "$dir" ]]; then
		if [[ "$user" == cxt-member ]]; then dir=$W; else dir=/; fi
	fi
	AS=(setpriv --reuid="$user" --regid="$user" --init-groups --
	    env -i -C "$dir" PATH="$CXT_PATH" HOME="$home" USER="$user" LOGNAME="$user"
	    CODEXD_SOCKET="$sock")
	# Sanitizer builds of the clients report into files the runner checks,
	# and a leak does not change an exit status under test.
	if [[ -n "${CXT_SANLOG:-}" ]]; then
		AS+=(ASAN_OPTIONS="log_path=$CXT_SANLOG/asan"
		     LSAN_OPTIONS="exitcode=0"
		     UBSAN_OPTIONS="log_path=$CXT_SANLOG/ubsan:print_stacktrace=1")
	fi
}

# as USER PROG ARGS...: run as USER (see as_prefix); socket $SOCK.
as()
{
	local user=$1
	shift
	as_prefix "$user"
	"${AS[@]}" "$@"
}

# Under valgrind the daemon runs 10-50 times slower: every wait and client
# timeout is CXT_SLOW times longer (what is waited for stays the same).
if [[ ${CXT_VALGRIND:-0} == 1 ]]; then
	CXT_SLOW=${CXT_SLOW:-6}
else
	CXT_SLOW=${CXT_SLOW:-1}
fi

# ctl USER ARGS...: codexctl as USER, never longer than CXT_CTL_TIMEOUT
# seconds: a codexctl that hangs is a failure of the test (soft_fail), not
# a stuck suite.
CXT_CTL_TIMEOUT=${CXT_CTL_TIMEOUT:-$((20 * CXT_SLOW))}
ctl()
{
	local user=$1 rc t0=$SECONDS
	shift
	as_prefix "$user"
	timeout -k 2 "$CXT_CTL_TIMEOUT" "${AS[@]}" "$CODEXCTL" "$@"
	rc=$?
	if ((rc == 124 || rc == 137)) && ((SECONDS - t0 >= CXT_CTL_TIMEOUT)); then
		soft_fail "codexctl $(printf '%q ' "$@")(as $user) hung: killed after ${CXT_CTL_TIMEOUT} s"
	fi
	return "$rc"
}

# raw USER [cxraw options]: cxraw as USER on $SOCK, frames on stdin.
raw()
{
	local user=$1
	shift
	as "$user" "$CXRAW" "$@" "$SOCK"
}

# wait_until SECONDS COMMAND...: poll every 0.1 s; status 1 on timeout.
wait_until()
{
	local deadline=$((SECONDS + $1 * CXT_SLOW + 1)) n=$(($1 * CXT_SLOW * 10))
	shift
	while ((n-- > 0)) && ((SECONDS < deadline)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# is_codexd PID: the process is a codexd daemon (under valgrind: its memcheck process).
is_codexd()
{
	[[ "$(cat "/proc/$1/comm" 2>/dev/null)" =~ ^(codexd|memcheck-amd64-)$ ]]
}

# user_pids USER [pgrep options]: the user's processes, less the daemon's
# user-files helpers (comm codexd-files, children of a codexd), which are
# kept alive per user between requests (daemon/user_files_pool.c).
user_pids()
{
	local p pp
	for p in $(pgrep -u "$1" "${@:2}"); do
		if [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == codexd-files ]]; then
			pp=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
			[[ -n "$pp" ]] && is_codexd "$pp" && continue
		fi
		echo "$p"
	done
}

procs_of()
{
	[[ -n "$(user_pids "$@")" ]]
}

no_procs_of()
{
	[[ -z "$(user_pids "$@")" ]]
}

# wait_no_procs USER SECONDS [pgrep options]
wait_no_procs()
{
	wait_until "$2" no_procs_of "$1" "${@:3}"
}

# procs_at_least N USER [pgrep options]: at least N matching processes.
procs_at_least()
{
	(($(pgrep -c -u "$2" "${@:3}") >= $1))
}

# proc_list USER: for messages.
proc_list()
{
	ps -o pid=,ppid=,stat=,args= -u "$1" 2>/dev/null | head -20 | tr '\n' ';'
}

# rss_kib PID: VmRSS of a process in KiB.
# rss_checked: whether the daemon's VmRSS says something about its own
# memory.  Not under valgrind: memcheck's shadow memory and its 20 MB queue
# of freed blocks grow with the run; memcheck reports definite leaks at the
# daemon's exit instead, which fails the test that ran.
rss_checked()
{
	[[ ${CXT_VALGRIND:-0} != 1 ]]
}

rss_kib()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

alive()
{
	kill -0 "$1" 2>/dev/null
}

dead()
{
	! kill -0 "$1" 2>/dev/null
}

# mode_is MODE PATH: stat's octal mode.
mode_is()
{
	[[ "$(stat -c %a "$2" 2>/dev/null)" == "$1" ]]
}

# wait_exit PID SECONDS: wait for a process that is not our child to end.
wait_exit()
{
	wait_until "$2" dead "$1"
}

# hello_ok USER [SOCKET]: a new connection still gets a hello answer.
hello_ok()
{
	local out
	out=$(printf '{"jsonrpc":"2.0","id":"h","method":"hello"}\n' |
		as "$1" "$CXRAW" --lines 1 --timeout 3000 "${2:-$SOCK}")
	[[ "$(jqv "$out" '.result.caller.user')" == "$1" ]]
}

# write_config FILE TEXT: a root-owned 0644 configuration file.
write_config()
{
	printf '%s\n' "$2" >"$1"
	chown root:root "$1"
	chmod 0644 "$1"
}

CXT_ROLES_CONF='[roles]
admin_group = "cxt-admin"
member_group = "cxt-member"
viewer_group = "cxt-viewer"'

# CXT_VALGRIND=1 (make check-valgrind): every codexd the suite starts runs
# under memcheck; its reports (CXT_T/valgrind.PID.log) fail the test that
# was running, like sanitizer reports.  See tests/integration/README.valgrind.
CXT_VALGRIND_WRAP=()
if [[ ${CXT_VALGRIND:-0} == 1 ]]; then
	# CXT_VALGRIND_BIN: a valgrind >= 3.24 (tools/valgrind-fetch; with VALGRIND_LIB).
	CXT_VALGRIND_WRAP=("${CXT_VALGRIND_BIN:-valgrind}" -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite --show-leak-kinds=definite
		--child-silent-after-fork=yes "--log-file=$CXT_T/valgrind.%p.log")
fi

# Extra environment of the next start_daemon (NAME=VALUE ...).
D_ENV=()
# ASan keeps freed memory in a quarantine (256 MB by default): the daemon's
# RSS then says nothing about its own use.  Memory tests turn it off.
CXT_ASAN_NO_QUARANTINE=(ASAN_OPTIONS=quarantine_size_mb=0:thread_local_quarantine_size_kb=0)

# start_daemon NAME CONFIG_TEXT [EXTRA ARGS...]: a private codexd for one
# test.  Sets D_DIR, D_CONF, D_SOCK, D_PID, D_LOG.  The runner stops it
# after the test if the test did not.  The state directory is created 0755
# so that the test users can reach the socket in it.
start_daemon()
{
	local name=$1 conf=$2
	shift 2
	D_DIR=$TD/d-$name
	D_CONF=$D_DIR/codexd.conf
	D_SOCK=$D_DIR/state/codexd.sock
	D_LOG=$D_DIR/codexd.log
	mkdir -p "$D_DIR"
	chmod 0755 "$D_DIR"
	mkdir -p "$D_DIR/state"
	chmod 0755 "$D_DIR/state"
	write_config "$D_CONF" "$conf"
	# shellcheck disable=SC2086 # a command prefix (see run)
	env "${D_ENV[@]}" ${CXT_DAEMON_WRAP:-} "${CXT_VALGRIND_WRAP[@]}" "$CODEXD" --foreground --config "$D_CONF" --state-dir "$D_DIR/state" \
		--log-level debug "$@" >"$D_LOG" 2>&1 </dev/null &
	D_PID=$!
	printf '%s %s\n' "$D_PID" "$D_LOG" >>"$TD/daemons"
	if ! wait_until 10 test -S "$D_SOCK"; then
		fail "daemon $name did not create $D_SOCK within 10 s: $(tail -5 "$D_LOG")"
	fi
	# The socket exists before its permissions are applied: wait for the group.
	wait_until 5 mode_is 660 "$D_SOCK" || true
}

# stop_daemon [PID]: SIGTERM, up to 10 s, then SIGKILL.  Status 0 if it
# stopped on SIGTERM.
stop_daemon()
{
	local pid=${1:-$D_PID}
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	if wait_exit "$pid" 10; then
		wait "$pid" 2>/dev/null
		return 0
	fi
	kill -KILL "$pid" 2>/dev/null
	wait_exit "$pid" 5
	wait "$pid" 2>/dev/null
	return 1
}

# status_json USER [SOCKET]: codexctl --json status.
status_json()
{
	local user=$1
	as_prefix "$user" "${2:-$SOCK}"
	"${AS[@]}" "$CODEXCTL" --json status
}

# rpc_line ID METHOD PARAMS_JSON: one request frame.
rpc_line()
{
	printf '{"jsonrpc":"2.0","id":%s,"method":"%s","params":%s}\n' "$1" "$2" "$3"
}

# expect_error OUTPUT ID CODE WHAT: the line answering ID is an error CODE.
expect_error()
{
	local out=$1 id=$2 code=$3 what=$4 line
	line=$(printf '%s\n' "$out" | jq -c --argjson id "$id" 'select(.id == $id)' 2>/dev/null)
	[[ -n "$line" ]] || fail "$what: no answer to id $id in: $(printf '%s' "$out" | head -c 600)"
	[[ "$(jqv "$line" '.error.code')" == "$code" ]] ||
		fail "$what: expected error $code, got: $line"
	[[ -n "$(jqv "$line" '.error.message // empty')" ]] || fail "$what: no error message: $line"
	[[ -n "$(jqv "$line" '.error.data.reason // empty')" ]] ||
		fail "$what: no data.reason: $line"
	ERR_LINE=$line
}

# ---------------------------------------------------------------- sessions
# A conversation on one connection: cxraw reads frames from a fifo that
# stays open, and its output goes to $TD/NAME.out, searched with jq.
declare -A SESS_FD SESS_PID

# sess_open NAME USER [SOCKET] [cxraw options...]
sess_open()
{
	local name=$1 user=$2 sock=${3:-$SOCK} fd f
	shift 3 2>/dev/null || shift $#
	rm -f "$TD/$name.in"
	mkfifo -m 0600 "$TD/$name.in"
	: >"$TD/$name.out"
	as_prefix "$user" "$sock"
	(
		# Other sessions' fifo ends must not stay open in this cxraw.
		for f in "${SESS_FD[@]}"; do exec {f}>&-; done
		exec "${AS[@]}" "$CXRAW" --timeout 500 "$@" "$sock" <"$TD/$name.in" \
			>"$TD/$name.out" 2>"$TD/$name.err"
	) &
	SESS_PID[$name]=$!
	exec {fd}>"$TD/$name.in"
	SESS_FD[$name]=$fd
}

# sess_send NAME TEXT: TEXT and a newline, verbatim.
sess_send()
{
	printf '%s\n' "$2" >&"${SESS_FD[$1]}"
}

# sess_find NAME JQ_CONDITION: print the first complete line matching.
sess_find()
{
	jq -R -c "fromjson? | select($2)" "$TD/$1.out" 2>/dev/null | head -1
}

# sess_wait NAME JQ_CONDITION SECONDS: wait for a matching line and print it.
sess_wait()
{
	wait_until "$3" _sess_has "$1" "$2" || return 1
	sess_find "$1" "$2"
}

_sess_has()
{
	[[ -n "$(sess_find "$1" "$2")" ]]
}

# sess_close NAME: end our side (cxraw then waits its timeout) and reap it.
sess_close()
{
	local fd=${SESS_FD[$1]}
	exec {fd}>&-
	wait_exit "${SESS_PID[$1]}" 10 || kill -KILL "${SESS_PID[$1]}" 2>/dev/null
	wait "${SESS_PID[$1]}" 2>/dev/null
}

# exec_start_params ARGV_JSON [EXTRA_JSON_MEMBERS]: exec/start params, cwd /.
exec_params()
{
	printf '{"argv":%s,"cwd":"/"%s}' "$1" "${2:+,$2}"
}

# assert_line TEXT LINE WHAT: TEXT has exactly this line.
assert_line()
{
	grep -Fxq -- "$2" <<<"$1" || fail "$3: no line '$2' in: $(printf '%s' "$1" | tr '\n' '|' | head -c 600)"
}

# jsel TEXT FILTER: apply a jq filter to each JSON line of TEXT (other lines
# are skipped), compact output.
jsel()
{
	printf '%s\n' "$1" | jq -R -c "fromjson? | $2" 2>/dev/null
}
