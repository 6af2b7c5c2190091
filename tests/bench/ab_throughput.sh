#!/bin/bash
# Pipe-mode throughput of two builds side by side, in the same run:
#   tests/bench/ab_throughput.sh [--rounds N] [--bytes N] NAME=BUILD_DIR...
# starts one private codexd per build (temporary state directories) and
# runs, in turn each round, a direct pipe (head -c N /dev/zero | cat) and
# "codexctl exec -n -- head -c N /dev/zero | cat" against each daemon, so
# that every variant sees the same load.  Prints medians, their ratio to
# the direct pipe and every run.  Needs root (it starts codexd).
set -u
rounds=7
bytes=1073741824
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	*=*) break ;;
	*) echo "usage: $0 [--rounds N] [--bytes N] NAME=BUILD_DIR..." >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rounds N] [--bytes N] NAME=BUILD_DIR..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "ab_throughput: needs root (starts codexd)" >&2; exit 1; }

T=$(mktemp -d /tmp/cxab.XXXXXX)
chmod 0755 "$T"
mkdir -p "$T/w"
printf '[daemon]\nmax_execs_per_uid = 512\n' >"$T/c.conf"
chmod 0644 "$T/c.conf"
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null && wait "${pids[@]}" 2>/dev/null
	chattr -R -a "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

declare -A cmd
names=(direct)
gen="head -c $bytes /dev/zero"
cmd[direct]="$gen | cat >/dev/null"
for a in "$@"; do
	n=${a%%=*}
	d=$(cd "${a#*=}" && pwd) || exit 1
	mkdir -p "$T/$n"
	"$d/codexd" --foreground --config "$T/c.conf" --state-dir "$T/$n" --log-level warning \
		2>"$T/$n.log" &
	pids+=($!)
	names+=("$n")
	cmd[$n]="$d/codexctl --socket $T/$n/codexd.sock exec -n -C $T/w -- $gen | cat >/dev/null"
done
for n in "${names[@]:1}"; do
	for _ in $(seq 100); do [ -S "$T/$n/codexd.sock" ] && break; sleep 0.05; done
	[ -S "$T/$n/codexd.sock" ] || { echo "ab_throughput: $n did not start:"; cat "$T/$n.log"; exit 1; }
done

echo "ab_throughput: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds of $bytes bytes"
for _ in $(seq "$rounds"); do
	for v in "${names[@]}"; do
		t0=$(date +%s%N)
		bash -c "${cmd[$v]}" || echo "ab_throughput: $v failed" >&2
		t1=$(date +%s%N)
		echo "$v $(((t1 - t0) / 1000))" >>"$T/t.txt"
	done
done
python3 - "$T/t.txt" "$bytes" "${names[@]}" <<'PY'
import collections, sys
t = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, us = line.split()
    t[k].append(int(us) / 1e6)
n = int(sys.argv[2])
med = {k: sorted(v)[len(v) // 2] for k, v in t.items()}
for k in sys.argv[3:]:
    print(f"  {k:10s} {n / med[k] / 1e9:5.2f} GB/s  {med['direct'] / med[k]:4.2f}x direct   runs: "
          + " ".join(f"{n / x / 1e9:.2f}" for x in t[k]))
PY
echo "ab_throughput: load after $(cut -d' ' -f1-3 /proc/loadavg)"
