# shellcheck shell=bash
# Pipe mode relayed with splice(2) (daemon/output_splice.c,
# client/rpc_splice.c): the bytes announced by a raw exec/output header stay
# in the command's pipe until the connection splices them into the socket,
# and codexctl splices them on into its stdout when that is a pipe.  Order
# with other frames, back-pressure, disconnects in the middle of a chunk
# and Content-Length clients (base64, never raw) are checked here.

# A raw_output client (newline framing) that reads SLOW_US microseconds
# apart, 64 KiB at a time; prints "exit N" and per stream "NAME BYTES SHA256".
SPLICE_CLIENT='
import hashlib, json, os, socket, sys, time
delay = int(os.environ.get("SLOW_US", "0")) / 1e6
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["CODEXD_SOCKET"])
req = {"jsonrpc": "2.0", "id": 1, "method": "exec/start",
       "params": {"argv": sys.argv[1:], "cwd": os.getcwd(), "stdin": False,
                  "raw_output": True}}
s.sendall((json.dumps(req) + "\n").encode())
buf = b""
out = {"stdout": hashlib.sha256(), "stderr": hashlib.sha256()}
total = {"stdout": 0, "stderr": 0}
def more():
    global buf
    if delay:
        time.sleep(delay)
    d = s.recv(65536)
    if not d:
        sys.exit("EOF")
    buf += d
while True:
    while b"\n" not in buf:
        more()
    line, buf = buf.split(b"\n", 1)
    m = json.loads(line)
    if m.get("method") == "exec/output":
        p = m["params"]
        n = p.get("length")
        if "data" in p or not isinstance(n, int) or not 1 <= n <= 262144:
            sys.exit("bad raw frame: " + line.decode()[:200])
        while len(buf) < n:
            more()
        out[p["stream"]].update(buf[:n])
        total[p["stream"]] += n
        buf = buf[n:]
    elif m.get("method") == "exec/exited":
        print("exit", m["params"].get("exit_code"))
        break
    elif "error" in m:
        sys.exit("error: " + line.decode()[:300])
for k in ("stdout", "stderr"):
    print(k, total[k], out[k].hexdigest())
'

# Pipes the daemon holds (the output pipes of its execs among them).
_pipe_count()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -lname 'pipe:*' 2>/dev/null | wc -l
}

_pipes_at_most()
{
	(($(_pipe_count "$1") <= $2))
}

_sha()
{
	sha256sum | cut -d' ' -f1
}

# codexctl into pipes (the splice path on both sides): 50 MB intact, both
# streams at once, and a non-blocking stdout pipe (splice answers EAGAIN).
test_splice_codexctl_pipes_intact()
{
	local want got size
	head -c 50000000 /dev/urandom >"$W/big"
	chmod 0644 "$W/big"
	want=$(_sha <"$W/big")
	got=$(ctl cxt-member exec -n -- cat big | _sha)
	assert_rc 0 $? "exec cat of 50 MB into a pipe"
	assert_eq "$want" "$got" "50 MB through a pipe, spliced"

	# Both streams at once, each into a pipe, written by two processes.
	ctl cxt-member exec -n -- sh -c 'cat big & cat big >&2; wait' \
		2> >(_sha >"$TD/err.sha") | _sha >"$TD/out.sha"
	assert_rc 0 $? "exec with both streams busy"
	wait_until 10 test -s "$TD/err.sha" || fail "no stderr digest"
	assert_eq "$want" "$(cat "$TD/out.sha")" "stdout beside stderr"
	assert_eq "$want" "$(cat "$TD/err.sha")" "stderr beside stdout"

	# A stdout pipe in non-blocking mode, read slowly at first.
	command -v python3 >/dev/null || skip "python3 is not installed"
	as_prefix cxt-member
	timeout -k 2 30 "${AS[@]}" python3 -c '
import os, sys
os.set_blocking(1, False)
os.execv(sys.argv[1], sys.argv[1:])' "$CODEXCTL" exec -n -- cat big |
		{ sleep 1; cat; } >"$TD/nb"
	assert_rc 0 $? "exec into a non-blocking pipe"
	size=$(stat -c %s "$TD/nb")
	assert_eq 50000000 "$size" "bytes through a non-blocking pipe"
	assert_eq "$want" "$(_sha <"$TD/nb")" "bytes through a non-blocking pipe"

	# The same command into a file (read and write, no splice) still works.
	ctl cxt-member exec -n -- cat big >"$TD/file"
	assert_eq "$want" "$(_sha <"$TD/file")" "50 MB into a file"
}

# A raw client reading slowly: chunks and the exec/exited after them stay
# in order, lengths within what codexd-protocol(7) promises.
test_splice_raw_slow_reader_order()
{
	local out want1 want2
	command -v python3 >/dev/null || skip "python3 is not installed"
	head -c 3000000 /dev/urandom >"$W/mid"
	chmod 0644 "$W/mid"
	want1=$(_sha <"$W/mid")
	want2=$(head -c 1000000 "$W/mid" | _sha)
	as_prefix cxt-member
	out=$(timeout -k 2 50 "${AS[@]}" SLOW_US=2000 python3 -c "$SPLICE_CLIENT" \
		sh -c 'cat mid & head -c 1000000 mid >&2; wait; exit 7')
	assert_rc 0 $? "slow raw client"
	assert_eq "exit 7" "$(sed -n 1p <<<"$out")" "exit status after all output"
	assert_eq "stdout 3000000 $want1" "$(sed -n 2p <<<"$out")" "stdout through a slow reader"
	assert_eq "stderr 1000000 $want2" "$(sed -n 3p <<<"$out")" "stderr through a slow reader"
}

# A raw_output client that never reads: the bytes stay in the command's
# pipe (the command blocks), the daemon does not read them and its memory
# does not grow; when the client goes, so do the command and every pipe.
test_splice_slow_reader_bounded()
{
	local pid before fds0 max=0 rss out
	# shellcheck disable=SC2034 # read by start_daemon
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	start_daemon splice "$CXT_ROLES_CONF"
	hello_ok cxt-member "$D_SOCK" || fail "no hello"
	before=$(rss_kib "$D_PID")
	fds0=$(_pipe_count "$D_PID")
	as_prefix cxt-member "$D_SOCK"
	rpc_line 1 exec/start \
		"$(exec_params '["head","-c","200000000","/dev/zero"]' '"stdin":false,"raw_output":true')" |
		"${AS[@]}" "$CXRAW" --no-read "$D_SOCK" &
	pid=$!
	wait_until 10 procs_of cxt-member -x head || fail "head did not start"
	for _ in $(seq 1 20); do
		rss=$(rss_kib "$D_PID")
		((rss > max)) && max=$rss
		sleep 0.1
	done
	note "VmRSS before $before KiB, peak $max KiB"
	((max - before < 40960)) || fail "RSS grew by $((max - before)) KiB for a slow reader"
	procs_of cxt-member -x head || fail "head ended: the output was not held back"
	out=$(status_json cxt-viewer "$D_SOCK")
	jq -e '.counters.output_bytes < 20000000' <<<"$out" >/dev/null ||
		fail "the daemon took $(jq .counters.output_bytes <<<"$out") bytes for a reader that reads nothing"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait_no_procs cxt-member 10 || fail "processes survive the reader: $(proc_list cxt-member)"
	out=$(status_json cxt-viewer "$D_SOCK")
	assert_eq 0 "$(jqv "$out" .execs.running)" "execs running"
	# Pipes still owed to the dead connection are closed with it.
	wait_until 5 _pipes_at_most "$D_PID" "$fds0" ||
		fail "pipes: $fds0 before, $(_pipe_count "$D_PID") after"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# codexctl killed in the middle of a stream (chunks owed, the socket full):
# the command goes, no descriptor stays behind, the daemon keeps serving.
test_splice_client_killed_midstream()
{
	local fds0 pid out i bg
	start_daemon killed "$CXT_ROLES_CONF"
	hello_ok cxt-member "$D_SOCK" || fail "no hello"
	fds0=$(_pipe_count "$D_PID")
	as_prefix cxt-member "$D_SOCK"
	for i in 1 2 3 4 5; do
		# The reader takes a little, then nothing: codexctl blocks with its
		# stdout full, the daemon with bytes owed and the socket full.
		"${AS[@]}" "$CODEXCTL" exec -n -- head -c 100000000000 /dev/zero |
			{ head -c $((i * 300000)) >/dev/null; sleep 2; } &
		bg=$!
		wait_until 10 procs_of cxt-member -x head || fail "round $i: head did not start"
		sleep 0.5
		pid=$(pgrep -u cxt-member -x codexctl | head -1)
		[[ -n "$pid" ]] || fail "round $i: no codexctl"
		kill -KILL "$pid"
		wait_no_procs cxt-member 10 ||
			fail "round $i: processes survive codexctl: $(proc_list cxt-member)"
		wait "$bg" 2>/dev/null
	done
	wait_until 5 _pipes_at_most "$D_PID" "$fds0" ||
		fail "pipes: $fds0 before, $(_pipe_count "$D_PID") after"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -n -- echo still)
	assert_eq still "$out" "the daemon serves after the disconnects"
	stop_daemon || fail "the daemon did not stop on SIGTERM"
}

# Content-Length framing has no raw bytes: raw_output is ignored there and
# the output comes base64-encoded, intact.
test_splice_content_length_gets_base64()
{
	local out
	command -v python3 >/dev/null || skip "python3 is not installed"
	head -c 300000 /dev/urandom >"$W/cl"
	chmod 0644 "$W/cl"
	out=$(as cxt-member timeout -k 2 30 python3 -c '
import base64, hashlib, json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["CODEXD_SOCKET"])
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "exec/start",
                   "params": {"argv": ["cat", "cl"], "cwd": os.getcwd(), "stdin": False,
                              "raw_output": True}}).encode()
s.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
buf = b""
h = hashlib.sha256()
while True:
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            sys.exit("EOF")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    n = int(head.split(b":")[1])
    while len(buf) < n:
        buf += s.recv(65536)
    m, buf = json.loads(buf[:n]), buf[n:]
    if m.get("method") == "exec/output":
        if "data" not in m["params"]:
            sys.exit("raw frame on a Content-Length connection")
        h.update(base64.b64decode(m["params"]["data"]))
    elif m.get("method") == "exec/exited":
        break
print(h.hexdigest())')
	assert_rc 0 $? "Content-Length client"
	assert_eq "$(_sha <"$W/cl")" "$out" "base64 output on a Content-Length connection"
}
