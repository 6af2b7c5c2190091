# shellcheck shell=bash
# exec/output framing: base64 JSON (the default) and raw_output (a header
# line with "length", then that many raw bytes).

# A minimal client in python3 speaking the protocol directly: exec/start
# with raw_output, then it reads frames the way codexd-protocol(7) says a
# client must (line, then exactly "length" raw bytes) and prints
# "STREAM LENGTH" per chunk and the stdout bytes' sha256 at the end.
RAW_CLIENT='
import hashlib, json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["CODEXD_SOCKET"])
req = {"jsonrpc": "2.0", "id": 1, "method": "exec/start",
       "params": {"argv": sys.argv[1:], "cwd": os.getcwd(), "stdin": False,
                  "raw_output": True}}
s.sendall((json.dumps(req) + "\n").encode())
buf = b""
out = {"stdout": hashlib.sha256(), "stderr": hashlib.sha256()}
total = {"stdout": 0, "stderr": 0}
def fill(n):
    global buf
    while len(buf) < n:
        d = s.recv(1 << 20)
        if not d:
            sys.exit("EOF inside a frame")
        buf += d
while True:
    while b"\n" not in buf:
        d = s.recv(1 << 20)
        if not d:
            sys.exit("EOF")
        buf += d
    line, buf = buf.split(b"\n", 1)
    m = json.loads(line)
    if m.get("method") == "exec/output":
        p = m["params"]
        if "data" in p or not isinstance(p.get("length"), int):
            sys.exit("not a raw frame: " + line.decode()[:200])
        fill(p["length"])
        chunk, buf = buf[:p["length"]], buf[p["length"]:]
        out[p["stream"]].update(chunk)
        total[p["stream"]] += len(chunk)
    elif m.get("method") == "exec/exited":
        print("exit", m["params"].get("exit_code"))
        break
    elif "error" in m:
        sys.exit("error: " + line.decode()[:300])
for k in ("stdout", "stderr"):
    print(k, total[k], out[k].hexdigest())
'

test_output_raw_frames()
{
	local out want1 want2
	command -v python3 >/dev/null || skip "python3 is not installed"
	# Newlines, NULs and "{" in the data: nothing in them may look like a frame.
	head -c 700000 /dev/urandom >"$W/bin"
	printf '\n{"jsonrpc":"2.0"}\n\000\n' >>"$W/bin"
	chmod 0644 "$W/bin"
	want1=$(sha256sum <"$W/bin" | cut -d' ' -f1)
	want2=$(head -c 1000 "$W/bin" | sha256sum | cut -d' ' -f1)
	out=$(as cxt-member python3 -c "$RAW_CLIENT" sh -c 'cat bin; head -c 1000 bin >&2; exit 3')
	assert_rc 0 $? "raw client"
	assert_eq "exit 3" "$(sed -n 1p <<<"$out")" "exit status after the raw output"
	assert_eq "stdout $(stat -c %s "$W/bin") $want1" "$(sed -n 2p <<<"$out")" \
		"stdout bytes through raw frames"
	assert_eq "stderr 1000 $want2" "$(sed -n 3p <<<"$out")" "stderr bytes through raw frames"
}

test_output_base64_without_raw()
{
	local out
	# --json keeps the base64 form (codexctl prints the params as they came).
	out=$(ctl cxt-member --json exec -n -- printf 'a\nb')
	assert_rc 0 $? "codexctl --json exec"
	assert_match '"data": *"YQpi"' "$out" "base64 data without raw_output"
	# And codexctl's default (raw) gives the same bytes.
	out=$(ctl cxt-member exec -n -- printf 'a\nb' | od -An -tx1)
	assert_eq "$(printf 'a\nb' | od -An -tx1)" "$out" "raw output through codexctl"
}

test_output_raw_param_checked()
{
	local out
	out=$(rpc_line 1 exec/start '{"argv":["true"],"cwd":"/","raw_output":"yes"}' |
		raw cxt-member --lines 1)
	expect_error "$out" 1 -32602 "raw_output that is not a boolean"
}
