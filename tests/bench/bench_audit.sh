#!/bin/bash
# Audit log throughput: records per second written by a private codexd
# (root, temporary state directory) under two loads, for each fsync policy:
#
#   connections  parallel clients that connect, say hello and close: two
#                records each (conn.open, conn.close), nobody waits for a sync
#   execs        parallel `codexctl exec -- true`: six records each, the
#                command waiting for its exec.start record to be durable;
#                with fsync = "always" group commit shares the syncs
#
# Prints one line per run ("audit records per second"), and the number of
# fdatasync calls for the execs.  Never fails on a number.
#
#   tests/bench/bench_audit.sh [--build DIR] [--clients N] [--execs N]
set -u

build=build
clients=16
per_client=500
execs=400
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--execs) execs=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--clients N] [--execs N]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_audit: needs root (starts a private codexd); skipped"
	exit 0
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
codexd=$top/$build/codexd
codexctl=$top/$build/codexctl
T=$(mktemp -d /var/tmp/cxbench-audit.XXXXXX)
chmod 0755 "$T"
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	chattr -R -a "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

start() {
	chattr -R -a "$T" 2>/dev/null
	rm -rf "$T/state"
	mkdir -p "$T/state"
	chmod 0755 "$T/state"
	printf '[audit]\nfsync = "%s"\n[daemon]\nmax_connections_per_uid = 4096\nmax_connections = 4096\nmax_execs = 256\nmax_execs_per_uid = 256\n' "$1" >"$T/codexd.conf"
	"$codexd" --foreground --config "$T/codexd.conf" --state-dir "$T/state" --log-level warning \
		2>"$T/daemon.log" &
	daemon_pid=$!
	for _ in $(seq 1 100); do [ -S "$T/state/codexd.sock" ] && break; sleep 0.05; done
}

stop() {
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

status() {
	"$codexctl" --socket "$T/state/codexd.sock" --json status | python3 -c "import json,sys; a=json.load(sys.stdin)['audit']; print(a['last_seq'], a.get('syncs', 0))"
}

now() { date +%s.%N; }

connections() {
	python3 - "$T/state/codexd.sock" "$clients" "$per_client" <<'PY'
import socket, sys, threading
path, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hello = b'{"jsonrpc":"2.0","id":1,"method":"hello","params":{"client":"bench"}}\n'
def run():
    for _ in range(per):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(hello)
        buf = b""
        while b"\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        s.close()
ts = [threading.Thread(target=run) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
PY
}

run_execs() {
	seq 1 "$execs" | xargs -P 16 -I{} "$codexctl" --socket "$T/state/codexd.sock" exec -n -- /bin/true
}

echo "audit throughput ($(nproc) CPUs, log on $(df -T "$T" | awk 'NR==2 { print $2 }'))"
for policy in always batch none; do
	start "$policy"
	read -r s0 _ < <(status)
	t0=$(now)
	connections
	t1=$(now)
	read -r s1 _ < <(status)
	printf '  fsync=%-6s connections: %6d records in %5.2f s: %8.0f audit records per second\n' \
		"$policy" $((s1 - s0 - 2)) "$(echo "$t1 - $t0" | bc)" \
		"$(echo "($s1 - $s0 - 2) / ($t1 - $t0)" | bc -l)"
	read -r s0 y0 < <(status)
	t0=$(now)
	run_execs
	t1=$(now)
	read -r s1 y1 < <(status)
	printf '  fsync=%-6s execs:       %6d records in %5.2f s: %8.0f audit records per second (%d execs/s, %d fdatasync for %d execs)\n' \
		"$policy" $((s1 - s0 - 2)) "$(echo "$t1 - $t0" | bc)" \
		"$(echo "($s1 - $s0 - 2) / ($t1 - $t0)" | bc -l)" \
		"$(echo "$execs / ($t1 - $t0)" | bc)" $((y1 - y0)) "$execs"
	stop
done
