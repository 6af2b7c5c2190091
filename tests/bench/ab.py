#!/usr/bin/env python3
# tests/bench/ab.py N CMD1 CMD2 ...: run the commands in turn, N rounds
# (after 5 rounds of warm-up), each round one run of each, and print the
# median, p10 and p90 of each in ms.  For before/after comparisons on a
# shared machine: blocks of runs (hyperfine's) see different loads, turns
# see the same.  Each CMD is one shell-quoted string, run without a shell,
# stdout to /dev/null; a non-zero status is reported on stderr.
import os, sys, time, shlex
n = int(sys.argv[1]); cmds = [shlex.split(c) for c in sys.argv[2:]]
times = [[] for _ in cmds]
devnull = os.open("/dev/null", os.O_RDWR)
fa = [(os.POSIX_SPAWN_DUP2, devnull, 1)]
for i in range(n + 5):
    for j, c in enumerate(cmds):
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(c[0], c, os.environ, file_actions=fa)
        _, st = os.waitpid(pid, 0)
        t1 = time.perf_counter_ns()
        if st != 0: print("fail", c, st, file=sys.stderr)
        if i >= 5: times[j].append((t1 - t0) / 1e6)
for c, t in zip(cmds, times):
    t.sort(); k = len(t)
    print(f"{' '.join(c)[-70:]:70s} med {t[k//2]:7.3f} p10 {t[k//10]:7.3f} p90 {t[k*9//10]:7.3f}")
