#!/bin/bash
# The network proxy's cost (issue 9: throughput >= 0.8x a direct loopback
# connection): a proxied sandbox downloads through CONNECT (curl
# --proxytunnel via the proxy's HTTP port, the same path HTTPS takes),
# beside the same download straight over loopback from the host; and the
# time until the tunnel is up (curl's time_pretransfer) beside a plain
# loopback connect.  Medians over several runs; ratios printed; nothing
# asserted.  Run as root (starts a private codexd with its proxy worker).
#
# The server runs on this machine, so its CPU time is taken from the two
# clients it is compared for.  It answers from a 1 MiB memfd with
# sendfile(2) (as static file servers do), so that it costs as little as a
# server can and the comparison is of the two clients; --server send
# copies from a buffer with send(2) instead (the earlier method, which
# charges a copy per byte to the shared CPUs).  The direct and the proxied
# downloads take turns, one of each per round, so that both see the same
# load.
#
#   tests/bench/bench_proxy.sh [--build DIR] [--mb N] [--runs N] [--server sendfile|send]
# shellcheck disable=SC2016 # the bash -c and sh -c scripts expand their own arguments
set -u

build=build
mb=256
runs=7
lat_runs=200
server=sendfile
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--mb) mb=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--server) server=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--mb N] [--runs N] [--server sendfile|send]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_proxy: needs root (starts a private codexd); skipped"
	exit 0
fi
for t in curl python3; do
	command -v $t >/dev/null || { echo "bench_proxy: $t is needed; skipped"; exit 0; }
done
getent passwd codexd-proxy >/dev/null || {
	echo "bench_proxy: the codexd-proxy user is missing (tools/setup-groups); skipped"; exit 0; }

top=$(cd "$(dirname "$0")/../.." && pwd)
codexd=$top/$build/codexd
codexctl=$top/$build/codexctl
T=$(mktemp -d /tmp/cxbench-proxy.XXXXXX)
chmod 0755 "$T"
mkdir -p "$T/state" "$T/work"
daemon_pid= server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
	[ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	chattr -R -a "$T" 2>/dev/null # the audit trail is append-only
	rm -rf "$T"
}
trap cleanup EXIT

case $server in sendfile | send) ;; *) echo "bench_proxy: --server is sendfile or send" >&2; exit 2 ;; esac
# A loopback server: GET /N answers N bytes from one 1 MiB buffer, with
# sendfile(2) from a memfd holding it or send(2) from it (argv[2]).
cat >"$T/server.py" <<'PY'
import socket, sys, threading, os
buf = b"x" * (1 << 20)
use_sendfile = sys.argv[2] == "sendfile"
if use_sendfile:
    mfd = os.memfd_create("bench")
    os.write(mfd, buf)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(128)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1]); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def serve(c):
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d: return
            req += d
        n = int(req.split(b" ")[1][1:] or 0)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
        while n > 0:
            k = min(n, len(buf))
            if use_sendfile:
                off = 0
                while off < k:
                    off += os.sendfile(c.fileno(), mfd, off, k - off)
            else:
                c.sendall(buf[:k] if k < len(buf) else buf)
            n -= k
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$T/server.py" "$T/port" "$server" &
server_pid=$!
"$codexd" --foreground --state-dir "$T/state" --log-level warning 2>"$T/daemon.log" &
daemon_pid=$!
for _ in $(seq 200); do [ -S "$T/state/codexd.sock" ] && [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port" 2>/dev/null)
S=$T/state/codexd.sock
if [ ! -S "$S" ] || [ -z "$port" ]; then
	echo "bench_proxy: codexd or the server did not start:"; cat "$T/daemon.log"; exit 1
fi
for _ in $(seq 100); do
	"$codexctl" --socket "$S" --json status 2>/dev/null | grep -q '"state":"running"' && break
	sleep 0.1
done

bytes=$((mb * 1024 * 1024))
url="http://127.0.0.1:$port/$bytes"
small="http://127.0.0.1:$port/0"
# Throughput: bytes/s as curl reports it; the two take turns.  CPU time
# of each run: the server's and the worker's from /proc (clock ticks),
# curl's from the shell that ran it (times: user and system of children).
# The ticks are coarse (10 ms), so the CPU figures are totals over all runs.
worker_pid=$("$codexctl" --socket "$S" --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["proxy"]["pid"])')
ticks()
{
	local f
	f=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	f=${f##*) }
	# shellcheck disable=SC2086 # the fields after the command name
	set -- $f
	echo $((${12} + ${13}))
}
runs_out=
for _ in $(seq "$runs"); do
	for how in direct proxy; do
		s0=$(ticks "$server_pid") w0=$(ticks "$worker_pid")
		if [ $how = direct ]; then
			out=$(bash -c 'curl -s -o /dev/null --noproxy "*" -w "%{speed_download}\n" "$1"; times' bash "$url")
		else
			out=$("$codexctl" --socket "$S" exec -n -C "$T/work" --network proxy --allow-domain 127.0.0.1 -- \
				bash -c 'curl -s -o /dev/null -p -x http://127.0.0.1:3128 -w "%{speed_download}\n" "$1"; times' bash "$url")
		fi
		s1=$(ticks "$server_pid") w1=$(ticks "$worker_pid")
		runs_out+="$how $(echo "$out" | head -1) $((s1 - s0)) $((w1 - w0)) $(echo "$out" | tail -1)
"
	done
done
# Latency: until the request can be sent (direct: TCP connect; proxied: the CONNECT tunnel is up).
direct_lat=$(for _ in $(seq "$lat_runs"); do
	curl -s -o /dev/null --noproxy '*' -w '%{time_pretransfer}\n' "$small"; done)
proxy_lat=$("$codexctl" --socket "$S" exec -n -C "$T/work" --network proxy --allow-domain 127.0.0.1 -- \
	sh -c 'for i in $(seq "$1"); do curl -s -o /dev/null -p -x http://127.0.0.1:3128 -w "%{time_pretransfer}\n" "$2"; done' \
	sh "$lat_runs" "$small")

python3 - "$mb" "$runs" "$lat_runs" "$server" "$(getconf CLK_TCK)" <<PY
import re, statistics, sys
def nums(s): return [float(x) for x in s.split() if x.strip()]
def secs(t):
    m = re.fullmatch(r"(\d+)m([\d.]+)s", t)
    return int(m.group(1)) * 60 + float(m.group(2)) if m else 0.0
hz = float(sys.argv[5])
rows = {"direct": [], "proxy": []}
for line in """$runs_out""".splitlines():
    f = line.split()
    if len(f) == 6:
        rows[f[0]].append((float(f[1]), int(f[2]) / hz, int(f[3]) / hz, secs(f[4]) + secs(f[5])))
dt, pt = [r[0] for r in rows["direct"]], [r[0] for r in rows["proxy"]]
dl, pl = nums("""$direct_lat"""), nums("""$proxy_lat""")
if not (dt and pt and dl and pl):
    print("bench_proxy: a measurement failed (no numbers)"); sys.exit(0)
mdt, mpt = statistics.median(dt) / 1e6, statistics.median(pt) / 1e6
mdl, mpl = statistics.median(dl) * 1e3, statistics.median(pl) * 1e3
print("network proxy: %s MiB downloads x %s, %s connects (medians), %s server" % (sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]))
print("  throughput  direct loopback  %9.1f MB/s" % mdt)
print("  throughput  via CONNECT      %9.1f MB/s   ratio %.2fx  (target >= 0.80x)" % (mpt, mpt / mdt))
gib = len(dt) * int(sys.argv[1]) / 1024.0
cpu = {k: [sum(r[i] for r in v) * 1e3 / gib for i in (1, 2, 3)] for k, v in rows.items()}
for k, name in (("direct", "direct loopback"), ("proxy", "via CONNECT    ")):
    c = cpu[k]
    print("  cpu         %s  %6.0f ms/GiB  (server %.0f, proxy worker %.0f, curl %.0f)" % (name, sum(c), c[0], c[1], c[2]))
print("  cpu         ratio proxied/direct  %.2fx" % (sum(cpu["proxy"]) / sum(cpu["direct"])))
print("  latency     direct connect   %9.3f ms" % mdl)
print("  latency     CONNECT tunnel   %9.3f ms   (+%.3f ms)" % (mpl, mpl - mdl))
PY
