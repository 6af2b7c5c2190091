# shellcheck shell=bash
# Unix sockets of services outside the sandbox (SECURITY.md, "talking to
# services outside the sandbox"): sockets in /tmp, the user's runtime
# directory (session bus), ssh-agent and gpg-agent, a docker socket,
# codexd's own socket, abstract sockets.  Each socket is first reached
# from the host as the same user (the listener counts the connection), then
# must not be reachable from inside; the count must not move.
#
# The sh -c scripts expand their own variables (inside the sandbox):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

# _reach_from_host LOG PATH...: cxt-member connects to each PATH on the host;
# the listener behind LOG must count each one.
_reach_from_host()
{
	local log=$1 out p n
	shift
	n=$(conns "$log")
	for p in "$@"; do
		out=$(as_m "$CXPROBE" "connect=$p")
		assert_probe "$out" connect 'ok connected' "host: cxt-member connects to $p"
		n=$((n + 1))
	done
	wait_until 5 conns_are "$n" "$log" ||
		fail "the listener counted $(conns "$log") connections, expected $n"
}

# _unreachable_inside OUTPUT WHAT: every "connect:" answer of cxprobe is a failure.
_unreachable_inside()
{
	local bad
	grep -q '^connect' <<<"$1" || fail "$2: no connect attempt reported: $(head -c 300 <<<"$1")"
	bad=$(grep -E '^connect(_abstract)?: ok' <<<"$1")
	[[ -z "$bad" ]] || fail "$2: connected from inside the sandbox ($(tr '\n' ' ' <<<"$1"))"
}

test_sandbox_unix_tmp_socket()
{
	local s1=/tmp/cxt-sock.$SB_TAG.sock d=/tmp/cxt-sockdir.$SB_TAG out log1 log2
	sb_setup nogit
	SB_CLEAN+=("$s1" "$d")
	as_m mkdir -p "$d/a" || fail "cannot create $d/a"
	sb_listen unix "$s1" "$M_USER"
	log1=$LISTEN_LOG
	sb_listen unix "$d/a/agent.sock" "$M_USER"
	log2=$LISTEN_LOG
	_reach_from_host "$log1" "$s1"
	_reach_from_host "$log2" "$d/a/agent.sock"
	# The default configuration (a private /tmp in builds that have one; the
	# host's /tmp with its sockets masked is covered by the tests below).
	out=$(sbx -- "$CXPROBE" "connect=$s1" "connect=$d/a/agent.sock")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "sockets in /tmp"
	sleep 0.3
	assert_eq 1 "$(conns "$log1")" "connections to $s1"
	assert_eq 1 "$(conns "$log2")" "connections to $d/a/agent.sock"
}


# Below the depth the start-up scan looks at: /tmp/d/a/b/c/agent.sock.
test_sandbox_unix_tmp_socket_deep()
{
	local d=/tmp/cxt-deep.$SB_TAG s out conf
	sb_setup nogit
	SB_CLEAN+=("$d")
	s=$d/a/b/c/agent.sock
	as_m mkdir -p "$d/a/b/c" || fail "cannot create $d/a/b/c"
	sb_listen unix "$s" "$M_USER"
	_reach_from_host "$LISTEN_LOG" "$s"
	conf=$(sb_host_tmp_config)
	[[ -n "$conf" ]] && sb_daemon hosttmp "$conf"
	out=$(sbx -- "$CXPROBE" "connect=$s")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	sleep 0.3
	_unreachable_inside "$out" "a socket five levels below /tmp${conf:+ ([sandbox] tmp = \"host\")}"
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $s"
}

# Many entries in /tmp (which any earlier command could leave behind) must
# not end the scan before the sockets: 8000 files and 20 sockets.
test_sandbox_unix_tmp_socket_many_entries()
{
	local d=/tmp/cxt-many.$SB_TAG out conf n
	sb_setup nogit
	SB_CLEAN+=("$d")
	as_prefix "$M_USER"
	"${AS[@]}" "$PY" -c '
import os, socket, sys, time
d = sys.argv[1]
os.mkdir(d)
for i in range(8000):
    open(os.path.join(d, "f%05d" % i), "w").close()
socks = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(d, "s%02d.sock" % i))
    s.listen(4)
    socks.append(s)
open(os.path.join(d, "ready"), "w").close()
time.sleep(60)' "$d" >/dev/null 2>&1 &
	SB_KILL+=("$!")
	wait_until 20 test -e "$d/ready" || fail "the sockets were not created"
	conf=$(sb_host_tmp_config)
	[[ -n "$conf" ]] && sb_daemon hosttmp "$conf"
	out=$(sbx -- sh -c 'for s in "$1"/s*.sock; do stat -c "%F" "$s"; done' sh "$d")
	n=$(grep -c '^socket$' <<<"$out")
	note "inside: $(sort <<<"$out" | uniq -c | tr '\n' ' ')"
	((n == 0)) || fail "$n of 20 sockets in $d (after 8000 files) are sockets inside the sandbox, not masked${conf:+ ([sandbox] tmp = \"host\")}"
	assert_eq 20 "$(grep -c . <<<"$out")" "sockets listed inside"
}

# A socket created in the host's /tmp after the sandbox started (an
# ssh-agent or tmux started while a long command runs).  This and the next
# two tests use the host's /tmp ([sandbox] tmp = "host" in builds with a
# private /tmp), where the sockets are masked by a scan at start-up (depth
# 3, at most 4096 entries: a crowded /tmp also leaves shallow sockets open).
test_sandbox_unix_tmp_socket_created_later()
{
	local s=/tmp/cxt-late.$SB_TAG.sock out conf pid
	sb_setup nogit
	SB_CLEAN+=("$s")
	conf=$(sb_host_tmp_config)
	[[ -n "$conf" ]] && sb_daemon hosttmp "$conf"
	sbx -- sh -c '
		echo > ready
		i=0; while [ ! -e go ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
		"$1" "connect=$2"' sh "$CXPROBE" "$s" >"$TD/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$WS/ready" || fail "the command did not start: $(cat "$TD/out")"
	sb_listen unix "$s" "$M_USER"
	_reach_from_host "$LISTEN_LOG" "$s"
	as_m touch "$WS/go"
	wait "$pid"
	out=$(cat "$TD/out")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	sleep 0.3
	_unreachable_inside "$out" "a /tmp socket created after the sandbox started${conf:+ ([sandbox] tmp = \"host\")}"
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $s"
}

# The host's /tmp ([sandbox] tmp = "host"): sockets the command binds in
# /tmp itself stay reachable from inside (absolute and relative names,
# blocking and not, Python's multiprocessing, which reconnects to what
# getsockname() said).
test_sandbox_unix_tmp_socket_bound_inside()
{
	local conf out
	sb_setup nogit
	conf=$(sb_host_tmp_config)
	[[ -n "$conf" ]] || skip "this build has no [sandbox] tmp key"
	sb_daemon hosttmp "$conf"
	out=$(sbx -- "$PY" -c '
import os, socket
from multiprocessing.connection import Listener, Client
p = "/tmp/cxt-in.%d.sock" % os.getpid()
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(p)
a, _ = s.accept(); c.sendall(b"x")
print("absolute", a.recv(1).decode(), s.getsockname() == p)
os.chdir("/tmp"); r = "cxt-rel.%d.sock" % os.getpid()
s2 = socket.socket(socket.AF_UNIX); s2.bind(r); s2.listen(1)
c2 = socket.socket(socket.AF_UNIX); c2.setblocking(False); c2.connect(r)
print("relative", s2.accept()[0] is not None, s2.getsockname() == r)
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind("/tmp/cxt-dg.%d" % os.getpid())
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); e.connect("/tmp/cxt-dg.%d" % os.getpid())
e.send(b"d"); print("dgram", d.recv(1).decode())
l = Listener(family="AF_UNIX"); k = Client(l.address); m = l.accept(); k.send("mp"); print("multiprocessing", m.recv())
for n in (p, r, "/tmp/cxt-dg.%d" % os.getpid()): os.unlink(n)' 2>&1)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_line "$out" "absolute x True" "a socket bound in /tmp inside, by its absolute name"
	assert_line "$out" "relative True True" "by a relative name, non-blocking"
	assert_line "$out" "dgram d" "a datagram socket"
	assert_line "$out" "multiprocessing mp" "multiprocessing.connection"
}

# gpg-agent's socket lives in ~/.gnupg when there is no /run/user/UID.
test_sandbox_unix_gpg_agent_home()
{
	local g=$M_HOME/.gnupg s out
	sb_setup nogit
	if [[ ! -d "$g" ]]; then
		install -d -o "$M_USER" -g "$M_USER" -m 0700 "$g" || fail "cannot create $g"
		SB_CLEAN+=("$g")
	fi
	s=$g/S.gpg-agent
	[[ -e "$s" ]] && skip "$s exists already (a real agent of cxt-member)"
	SB_CLEAN+=("$s")
	sb_listen unix "$s" "$M_USER"
	_reach_from_host "$LISTEN_LOG" "$s"
	out=$(sbx -- "$CXPROBE" "connect=$s")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	sleep 0.3
	_unreachable_inside "$out" "gpg-agent's socket in ~/.gnupg"
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $s"
}

test_sandbox_unix_xdg_runtime()
{
	local xdg=/run/user/$M_UID made=0 bus out xdg2=$SB_ROOT/xdg
	sb_setup nogit
	if [[ ! -d "$xdg" ]]; then
		xdg=/run/cxt-xdg-$M_UID.$SB_TAG
		made=1
		rm -rf "$xdg"
		install -d -o "$M_USER" -g "$M_USER" -m 0700 "$xdg" || fail "cannot create $xdg"
		SB_CLEAN+=("$xdg")
	fi
	bus=$xdg/cxt-bus.$SB_TAG
	((made)) || SB_CLEAN+=("$bus")
	sb_listen unix "$bus" "$M_USER"
	_reach_from_host "$LISTEN_LOG" "$bus"
	SB_ENV=(XDG_RUNTIME_DIR="$xdg" DBUS_SESSION_BUS_ADDRESS="unix:path=$bus,guid=0")
	out=$(sbx -- sh -c "$SB_T"'
		t env_set test -n "$XDG_RUNTIME_DIR"
		t ls ls "$XDG_RUNTIME_DIR"
		"$1" "connect=$2"' sh "$CXPROBE" "$bus")
	note "inside ($xdg): $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" env_set 0 "XDG_RUNTIME_DIR reaches the command"
	assert_all_failed "$(grep '^ls ' <<<"$out")" 1 "listing the runtime directory"
	_unreachable_inside "$out" "the session bus in \$XDG_RUNTIME_DIR"
	sleep 0.3
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $bus"

	# A runtime directory outside /run is hidden whole.
	as_m install -d -m 0700 "$xdg2" || fail "cannot create $xdg2"
	sb_listen unix "$xdg2/bus" "$M_USER"
	_reach_from_host "$LISTEN_LOG" "$xdg2/bus"
	SB_ENV=(XDG_RUNTIME_DIR="$xdg2")
	out=$(sbx -- sh -c "$SB_T"'
		t ls ls "$XDG_RUNTIME_DIR"
		"$1" "connect=$XDG_RUNTIME_DIR/bus"' sh "$CXPROBE")
	SB_ENV=()
	note "inside ($xdg2): $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$(grep '^ls ' <<<"$out")" 1 "listing a runtime directory outside /run"
	_unreachable_inside "$out" "a socket in a runtime directory outside /run"
	sleep 0.3
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $xdg2/bus"
}

test_sandbox_unix_ssh_agent()
{
	local a1=/tmp/cxt-agent.$SB_TAG.sock a2 out rc a env pid
	if ! command -v ssh-agent >/dev/null || ! command -v ssh-add >/dev/null; then
		skip "openssh-client (ssh-agent, ssh-add) is not installed"
	fi
	sb_setup nogit
	a2=$SB_ROOT/agent/agent.sock
	as_m mkdir -m 0700 "$SB_ROOT/agent" || fail "cannot create $SB_ROOT/agent"
	SB_CLEAN+=("$a1")
	for a in "$a1" "$a2"; do
		env=$(as_m ssh-agent -s -a "$a") || fail "ssh-agent -a $a failed"
		pid=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' <<<"$env")
		[[ -n "$pid" ]] && SB_KILL+=("$pid")
		wait_until 5 test -S "$a" || fail "ssh-agent did not create $a"
		# On the host: ssh-add talks to it (1: "no identities"; 2 would be "cannot connect").
		as_m env SSH_AUTH_SOCK="$a" ssh-add -l >/dev/null 2>&1
		assert_rc 1 $? "ssh-add -l on the host with SSH_AUTH_SOCK=$a"
		SB_ENV=(SSH_AUTH_SOCK="$a")
		out=$(sbx -- sh -c "$SB_T"'
			t env_set test -n "$SSH_AUTH_SOCK"
			ssh-add -l >/dev/null 2>&1; echo "ssh_add rc=$?"
			"$1" "connect=$SSH_AUTH_SOCK"' sh "$CXPROBE")
		rc=$?
		SB_ENV=()
		note "inside ($a): $(tr '\n' ' ' <<<"$out")"
		assert_rc 0 "$rc" "exec with SSH_AUTH_SOCK=$a"
		assert_rc_line "$out" env_set 0 "SSH_AUTH_SOCK reaches the command"
		assert_rc_line "$out" ssh_add 2 "ssh-add -l inside (2: cannot connect to the agent)"
		_unreachable_inside "$out" "ssh-agent at $a"
	done
}

test_sandbox_unix_docker_sock()
{
	local s=/run/cxt-docker.$SB_TAG.sock s2=$TD/docker.sock out
	sb_setup nogit
	SB_CLEAN+=("$s" "$s2")
	# Root's, mode 0666, like a docker socket for the docker group.
	sb_listen unix "$s" root 0666
	_reach_from_host "$LISTEN_LOG" "$s" "/var/run/${s#/run/}"
	SB_ENV=(DOCKER_HOST="unix://$s")
	out=$(sbx -- "$CXPROBE" "connect=$s" "connect=/var/run/${s#/run/}")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "a docker socket in /run"
	sleep 0.3
	assert_eq 2 "$(conns "$LISTEN_LOG")" "connections to $s"
	# Elsewhere, named by DOCKER_HOST.
	sb_listen unix "$s2" root 0666
	_reach_from_host "$LISTEN_LOG" "$s2"
	SB_ENV=(DOCKER_HOST="unix://$s2")
	out=$(sbx -- "$CXPROBE" "connect=$s2")
	SB_ENV=()
	note "inside ($s2): $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "the docker socket DOCKER_HOST names"
	sleep 0.3
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to $s2"
}

test_sandbox_unix_codexd_socket()
{
	local out rc
	sb_setup nogit
	hello_ok "$M_USER" || fail "cxt-member cannot reach the shared daemon on the host"
	# CODEXD_SOCKET reaches the command (the environment is inherited).
	out=$(sbx -- sh -c "$SB_T"'
		t env_set test -n "$CODEXD_SOCKET"
		"$1" exec -- touch nested-ran >/dev/null 2>&1; echo "nested rc=$?"
		"$2" "connect=$CODEXD_SOCKET"' sh "${CXT_INSIDE:-$CXT_BUILD}/codexctl" "$CXPROBE")
	note "inside (shared daemon): $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" env_set 0 "CODEXD_SOCKET inside"
	assert_all_failed "$(grep '^nested ' <<<"$out")" 1 "codexctl exec inside a sandbox"
	[[ ! -e "$WS/nested-ran" ]] || fail "a codexctl exec from inside the sandbox ran its command"
	_unreachable_inside "$out" "codexd's socket"
	# A private daemon's socket lies deep below /tmp: masked all the same,
	# and the shared daemon's socket with it.
	sb_daemon own ''
	out=$(sbx -- "$CXPROBE" "connect=$D_SOCK" "connect=$SOCK")
	note "inside (private daemon): $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "codexd sockets from a private daemon's sandbox"
	# Without a filesystem sandbox the socket is reachable, and refused.
	SB_SOCK=
	out=$(sbx -s danger-full-access -- "$CODEXCTL" exec -- touch nested-ran 2>&1)
	rc=$?
	assert_rc 126 "$rc" "codexctl exec from inside a danger-full-access command"
	assert_match "requests from inside a codexd sandbox are refused" "$out" "message"
	[[ ! -e "$WS/nested-ran" ]] || fail "the nested exec from danger-full-access ran its command"
	if out=$(sbx -s danger-full-access -- "$CODEXCTL" hello 2>&1); then
		fail "codexctl hello from inside a danger-full-access command succeeded: $out"
	fi
	assert_match "requests from inside a codexd sandbox are refused" "$out" "hello message"
}

# The refusal above compares PID namespaces: a command in danger-full-access
# (no seccomp there) that enters a PID namespace of its own must still be
# refused.
test_sandbox_unix_nested_codexctl_userns()
{
	local out rc
	sb_setup nogit
	as_m unshare -rpf true 2>/dev/null ||
		skip "unprivileged user namespaces are not available to cxt-member on this host"
	out=$(sbx -s danger-full-access -- unshare -rpf "$CODEXCTL" exec -- sh -c 'echo NESTED-RAN' 2>&1)
	rc=$?
	note "danger-full-access, unshare -rpf codexctl exec: status $rc, output: $out"
	assert_no_match 'NESTED-RAN' "$out" \
		"a nested codexctl exec from a danger-full-access command inside its own user+PID namespace ran (status $rc)"
	assert_match "requests from inside a codexd sandbox are refused" "$out" "message"
}

test_sandbox_unix_abstract()
{
	local name=cxt-abs.$SB_TAG out
	sb_setup nogit
	sb_listen abstract "$name" "$M_USER"
	out=$(as_m "$CXPROBE" "connect_abstract=$name")
	assert_probe "$out" connect_abstract 'ok connected' "host: abstract socket @$name"
	wait_until 5 conns_are 1 "$LISTEN_LOG" || fail "the listener did not count the host's connection"
	out=$(sbx -- "$CXPROBE" "connect_abstract=$name")
	note "inside (network off): $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "an abstract socket with network off"
	# With the host's network namespace, Landlock's scope is the wall.
	sb_daemon netfull '[sandbox_workspace_write]
network_access = true'
	out=$(sbx -- "$CXPROBE" "connect_abstract=$name")
	note "inside (network full): $(tr '\n' ' ' <<<"$out")"
	_unreachable_inside "$out" "an abstract socket with network full"
	sleep 0.3
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections to @$name"
}
