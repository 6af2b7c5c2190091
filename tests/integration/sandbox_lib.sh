# shellcheck shell=bash
# Helpers of the sandbox tests (t_sandbox_*.sh), sourced by each of those
# files after lib.sh.  Not a test file itself (the runner only reads t_*.sh).
#
# Every sandbox test works as cxt-member in a directory of its own under
# the member's home, SB_ROOT = ~cxt-member/cxt-ws/TESTNAME (created fresh,
# removed when the test ends):
#   WS        the workspace (cwd of the commands), a git repository
#   SB_ROOT   its parent: outside every writable root, writable by the user
# A command's attempt is judged twice: by what it reports inside, and by
# what the host sees afterwards (as root).
#
#   sbx [codexctl exec options] -- CMD...   codexctl exec as cxt-member in
#       $SB_DIR (default $WS) on $SB_SOCK (default the shared daemon), with
#       the extra environment SB_ENV (NAME=VALUE ...) and codexctl's own
#       options SB_CTL (--json); bounded like ctl
#   SB_T          shell code defining t NAME CMD...: runs CMD, prints
#                 "NAME rc=N" (for sh -c scripts run inside)
#   assert_all_failed OUTPUT COUNT WHAT   every "NAME rc=N" has N != 0
#   assert_rc_line OUTPUT NAME N WHAT    the line "NAME rc=N" is there
#   host_state PATH...    a listing of what the host has there (digests too)
#   sb_listen KIND ADDR USER   a listener (tcp4 tcp6 udp4 unix abstract);
#       sets LISTEN_LOG (one line per connection or datagram) and
#       LISTEN_PORT (tcp/udp: the port it got)
#   probe_get OUTPUT NAME / assert_probe OUTPUT NAME ERE WHAT   cxprobe answers

# Variables here are used by the files that source this one.
# shellcheck disable=SC2034

# A copy the sandboxes can see (tests/integration/run: CXT_INSIDE).
CXPROBE=${CXT_INSIDE:-$CXT_BUILD/tests}/cxprobe
PY=/usr/bin/python3
M_USER=cxt-member
M_UID=$(id -u "$M_USER")
M_HOME=$(getent passwd "$M_USER" | cut -d: -f6)
SB_WS_BASE=$M_HOME/cxt-ws
# Unique per run and test: another run of the suite may be going on at the
# same time (it shares the test users and their home).
SB_TAG=${CXT_T##*/}-$(basename "${TD:-unknown}")
SB_ROOT=$SB_WS_BASE/$SB_TAG
WS=$SB_ROOT/ws
SB_ENV=()
SB_CTL=()     # codexctl options before "exec" (--json)
SB_CLEAN=()   # paths removed (as root) when the test ends
SB_KILL=()    # processes killed when the test ends

_sb_cleanup()
{
	local p
	for p in "${SB_KILL[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${SB_CLEAN[@]}"; do
		[[ -n "$p" && "$p" != / ]] && rm -rf --one-file-system -- "$p"
	done
	if [[ -z "${CXT_KEEP_WS:-}" && -d "$SB_ROOT" ]]; then
		rm -rf --one-file-system -- "$SB_ROOT"
	fi
}
trap _sb_cleanup EXIT

# sb_setup [nogit]: a fresh SB_ROOT and WS (owned by cxt-member); WS is a git
# repository with one commit (README, src/main.c) unless "nogit".
sb_setup()
{
	[[ -x "$CXPROBE" ]] || fail "$CXPROBE is missing (make build/tests/cxprobe)"
	[[ -x "$PY" ]] || fail "$PY is needed by the sandbox tests"
	[[ -d "$M_HOME" ]] || fail "the home of $M_USER ($M_HOME) does not exist"
	install -d -o "$M_USER" -g "$M_USER" -m 0755 "$SB_WS_BASE" || fail "cannot create $SB_WS_BASE"
	rm -rf --one-file-system -- "$SB_ROOT"
	install -d -o "$M_USER" -g "$M_USER" -m 0755 "$SB_ROOT" "$WS" || fail "cannot create $WS"
	[[ "${1:-}" == nogit ]] && return 0
	ASDIR=$WS as "$M_USER" sh -c '
		git init -q . && mkdir src &&
		echo "workspace of a sandbox test" > README &&
		printf "int main(void) { return 0; }\n" > src/main.c &&
		git add README src/main.c &&
		git -c user.name=cxt -c user.email=cxt@example.invalid commit -q -m init' ||
		fail "cannot create the git repository in $WS"
}

# sbx [codexctl exec options] -- CMD...: see the top of the file.
sbx()
{
	local rc t0=$SECONDS ASDIR=${SB_DIR:-$WS} san=()
	as_prefix "$M_USER" "${SB_SOCK:-$SOCK}"
	# Sanitizer builds of helpers run inside (cxprobe, a nested codexctl):
	# LeakSanitizer needs ptrace, which the sandbox refuses.
	[[ -n "${CXT_SANLOG:-}" ]] && san=(--env "$SB_ASAN_INSIDE")
	timeout -k 2 "$CXT_CTL_TIMEOUT" "${AS[@]}" "${SB_ENV[@]}" "$CODEXCTL" "${SB_CTL[@]}" exec \
		"${san[@]}" "$@"
	rc=$?
	if ((rc == 124 || rc == 137)) && ((SECONDS - t0 >= CXT_CTL_TIMEOUT)); then
		soft_fail "codexctl exec $(printf '%q ' "$@")hung: killed after ${CXT_CTL_TIMEOUT} s"
	fi
	return "$rc"
}

SB_ASAN_INSIDE=ASAN_OPTIONS=log_path=${CXT_SANLOG:-/tmp}/asan:detect_leaks=0

# as_m CMD...: as cxt-member on the host, in $SB_DIR (default $WS).
as_m()
{
	local ASDIR=${SB_DIR:-$WS}
	as "$M_USER" "$@"
}

# For sh -c scripts run inside: t NAME CMD... prints "NAME rc=N".
# shellcheck disable=SC2016 # for the sandboxed sh
SB_T='t() { n=$1; shift; "$@" >/dev/null 2>&1; echo "$n rc=$?"; }'

# assert_all_failed OUTPUT COUNT WHAT: COUNT "NAME rc=N" lines, none with N = 0.
assert_all_failed()
{
	local n bad
	n=$(grep -c ' rc=[0-9]*$' <<<"$1")
	((n == $2)) ||
		fail "$3: expected $2 attempts to report, got $n: $(tr '\n' '|' <<<"$1" | head -c 600)"
	bad=$(grep ' rc=0$' <<<"$1" | cut -d' ' -f1 | tr '\n' ' ')
	[[ -z "$bad" ]] || fail "$3: these succeeded inside the sandbox: $bad"
}

# assert_rc_line OUTPUT NAME N WHAT
assert_rc_line()
{
	grep -qx "$2 rc=$3" <<<"$1" ||
		fail "$4: expected '$2 rc=$3' in: $(tr '\n' '|' <<<"$1" | head -c 600)"
}

# host_state PATH...: type, size, mode, owner, mtime and link target of
# everything below each PATH, and digests of the small regular files.
host_state()
{
	local p
	for p in "$@"; do
		if [[ ! -e "$p" && ! -L "$p" ]]; then
			echo "$p: absent"
			continue
		fi
		find "$p" -xdev -printf '%p %y %s %m %u %T@ %l\n' 2>/dev/null | sort
		find "$p" -xdev -type f -size -2M -exec sha256sum {} + 2>/dev/null | sort
	done
}

# assert_same_state BEFORE AFTER WHAT
assert_same_state()
{
	[[ "$1" == "$2" ]] ||
		fail "$3: the host changed: $(diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") |
			grep '^[<>]' | head -8 | tr '\n' '|')"
}

# The home of cxt-member as host_state shows it, without what other runs of
# the suite may create or remove meanwhile: the workspaces, cxt-* paths of
# other tags, .ssh and .gnupg (made by the deny-read and gpg-agent tests),
# and the home directory's own times.
home_state()
{
	find "$M_HOME" -mindepth 1 -xdev \( -path "$SB_WS_BASE" -o -path "$M_HOME/.ssh" -o \
		-path "$M_HOME/.gnupg" -o \( -name 'cxt-*' ! -name "*$SB_TAG*" \) \) -prune -o \
		-printf '%p %y %s %m %u %T@ %l\n' 2>/dev/null | sort
	find "$M_HOME" -mindepth 1 -xdev \( -path "$SB_WS_BASE" -o -path "$M_HOME/.ssh" -o \
		-path "$M_HOME/.gnupg" -o \( -name 'cxt-*' ! -name "*$SB_TAG*" \) \) -prune -o \
		-type f -size -2M -exec sha256sum {} + 2>/dev/null | sort
}

# probe_get OUTPUT NAME: cxprobe's answer for probe NAME.
probe_get()
{
	sed -n "s/^$2: //p" <<<"$1" | head -1
}

# assert_probe OUTPUT NAME ERE WHAT: the answer matches ^(ERE)$.
assert_probe()
{
	local v
	v=$(probe_get "$1" "$2")
	[[ "$v" =~ ^($3)$ ]] || fail "$4: cxprobe $2 answered '${v:-nothing}', expected /$3/"
}

# A listener for reachability tests: one "conn" (or "dgram") line in its
# log per connection (datagram); it answers a minimal HTTP response with
# the body "hello" and ends after 60 s.
SB_LISTENER_PY='
import os, signal, socket, sys
kind, addr, log, ready = sys.argv[1:5]
signal.alarm(60)
if kind in ("tcp4", "tcp6", "udp4"):
    host, port = addr.rsplit(":", 1)
    fam = socket.AF_INET6 if kind == "tcp6" else socket.AF_INET
    typ = socket.SOCK_DGRAM if kind == "udp4" else socket.SOCK_STREAM
    s = socket.socket(fam, typ)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host.strip("[]"), int(port)))
    name = str(s.getsockname()[1])
else:
    typ = socket.SOCK_STREAM
    s = socket.socket(socket.AF_UNIX, typ)
    s.bind("\0" + addr if kind == "abstract" else addr)
    if kind == "unix" and len(sys.argv) > 5:
        os.chmod(addr, int(sys.argv[5], 8))
    name = addr
if typ == socket.SOCK_STREAM:
    s.listen(64)
with open(ready + ".tmp", "w") as f:
    f.write(name + "\n")
os.rename(ready + ".tmp", ready)
while True:
    if typ == socket.SOCK_DGRAM:
        s.recvfrom(4096)
        line = "dgram\n"
    else:
        c, _ = s.accept()
        c.settimeout(0.3)
        try:
            c.recv(4096)
        except OSError:
            pass
        try:
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
            c.shutdown(socket.SHUT_WR)
            c.recv(4096)
        except OSError:
            pass
        c.close()
        line = "conn\n"
    with open(log, "a") as f:
        f.write(line)
'

# sb_listen KIND ADDR USER [MODE]: start a listener as USER (root or cxt-member).
# Sets LISTEN_LOG, LISTEN_PORT, LISTEN_PID.
SB_NLISTEN=0
sb_listen()
{
	local kind=$1 addr=$2 user=$3 mode=${4:-} dir ready
	SB_NLISTEN=$((SB_NLISTEN + 1))
	dir=$TD/listen.$SB_NLISTEN
	mkdir -p "$dir"
	chmod 0777 "$dir"
	printf '%s\n' "$SB_LISTENER_PY" >"$dir/l.py"
	chmod 0644 "$dir/l.py"
	LISTEN_LOG=$dir/log
	ready=$dir/ready
	: >"$LISTEN_LOG"
	chmod 0666 "$LISTEN_LOG"
	if [[ "$user" == root ]]; then
		"$PY" "$dir/l.py" "$kind" "$addr" "$LISTEN_LOG" "$ready" ${mode:+"$mode"} \
			>"$dir/err" 2>&1 </dev/null &
	else
		# Directly (not through the function as): $! must be the listener itself.
		as_prefix "$user"
		"${AS[@]}" "$PY" "$dir/l.py" "$kind" "$addr" "$LISTEN_LOG" "$ready" ${mode:+"$mode"} \
			>"$dir/err" 2>&1 </dev/null &
	fi
	LISTEN_PID=$!
	SB_KILL+=("$LISTEN_PID")
	wait_until 10 test -s "$ready" ||
		fail "the $kind listener on $addr did not start: $(head -c 300 "$dir/err")"
	LISTEN_PORT=$(head -1 "$ready")
}

# conns LOG: how many connections (or datagrams) a listener saw.
conns()
{
	local n
	n=$(wc -l <"$1")
	echo "$((n))"
}

# conns_are N LOG
conns_are()
{
	[[ "$(conns "$2")" == "$1" ]]
}

# sb_daemon NAME EXTRA_CONFIG: a private daemon with the test roles plus
# EXTRA_CONFIG; SB_SOCK points at it.
sb_daemon()
{
	start_daemon "$1" "$CXT_ROLES_CONF
$2"
	SB_SOCK=$D_SOCK
}

# daemon_accepts CONFIG_TEXT: this build's codexd takes the configuration.
daemon_accepts()
{
	local f=$TD/accepts.conf
	write_config "$f" "$CXT_ROLES_CONF
$1"
	"$CODEXD" --check-config --config "$f" >/dev/null 2>&1
}

# The [sandbox] tmp key, when this build has it: "host" keeps the host's /tmp.
sb_host_tmp_config()
{
	if daemon_accepts '[sandbox]
tmp = "host"'; then
		printf '[sandbox]\ntmp = "host"\n'
	fi
}
