#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The client side of `make stress` (tests/stress/README).

Forks --procs worker processes; each drops to one of --users and drives
its share of --clients concurrent connections to codexd with asyncio,
until the run's --execs sandboxed commands have all ended.  Client kinds,
by index (of every 20 clients):

  0       slow reader: every 4th command writes 2 MiB and the client stops
          reading for --stall seconds after the first chunk (the daemon
          must hold the command, not drop output nor grow without bound);
          every byte is counted
  1       garbage: before each command a malformed frame on the same
          connection (bad JSON, a JSON array, an unknown method, bad
          params, a request without method): each must get its JSON-RPC
          error and the connection must go on serving
  2       side connections: every 5th command, one extra connection that
          sends an oversized line (> 1 MiB: error, then closed by the
          daemon) or half a frame and goes away
  others  plain: /bin/true or sh -c 'echo TOKEN' (stdout checked)

Every client reconnects after --per-conn commands.  Only Unix socket
traffic to the daemon under test.  Writes a JSON summary (--out): commands
seen (ids), errors received by code, violations (anything unexpected).
Exits 0 when the run completed, whatever it found (the caller judges).
"""
import argparse
import asyncio
import base64
import grp
import json
import os
import pwd
import random
import socket
import sys
import time

MAX_FRAME = 1024 * 1024  # the daemon's default max_frame_bytes
SLOW_BYTES = 2 * 1024 * 1024


class Quota:
    def __init__(self, n):
        self.left = n

    def take(self):
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class Stats:
    def __init__(self):
        self.exec_ids = []
        self.execs_ok = 0
        self.errors = {}  # "code reason" -> count
        self.violations = []
        self.malformed_sent = 0
        self.oversized_sent = 0
        self.halfframes_sent = 0
        self.slow_execs = 0
        self.slow_bytes = 0
        self.connections = 0
        self.max_latency = 0.0

    def violation(self, msg):
        if len(self.violations) < 200:
            self.violations.append(msg)

    def err(self, msg):
        e = msg.get("error") or {}
        key = "%s %s" % (e.get("code"), (e.get("data") or {}).get("reason"))
        self.errors[key] = self.errors.get(key, 0) + 1


async def open_conn(path):
    """A connected stream pair.  The connect is blocking on purpose: when the
    daemon's listen backlog is full a non-blocking AF_UNIX connect fails with
    EAGAIN, which asyncio mistakes for "in progress" (the socket is then
    never connected); a blocking one waits for room, as codexctl does."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    s.setblocking(False)
    return await asyncio.open_unix_connection(sock=s, limit=256 * 1024)


def frame(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


class Client:
    def __init__(self, idx, args, quota, stats):
        self.idx = idx
        self.kind = {0: "slow", 1: "garbage", 2: "side"}.get(idx % 20, "plain")
        self.args = args
        self.quota = quota
        self.stats = stats
        self.next_id = 1
        self.n = 0
        self.reader = self.writer = None

    async def connect(self):
        self.reader, self.writer = await open_conn(self.args.socket)
        self.stats.connections += 1

    async def close(self):
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def read_msg(self, timeout):
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line:
            raise EOFError("the daemon closed the connection")
        return json.loads(line)

    async def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.writer.write(frame({"jsonrpc": "2.0", "id": rid, "method": method,
                                 "params": params}))
        await self.writer.drain()
        return rid

    async def expect_error(self, rid, what):
        """The answer to a malformed frame: an error (id rid, or null for parse errors)."""
        msg = await self.read_msg(30)
        if "error" not in msg or msg.get("id") != rid:
            self.stats.violation("%s: expected an error with id %r, got %.200s" %
                                 (what, rid, json.dumps(msg)))
            return
        e = msg["error"]
        if not isinstance(e.get("message"), str) or not (e.get("data") or {}).get("reason"):
            self.stats.violation("%s: error without message/data.reason: %.200s" %
                                 (what, json.dumps(msg)))
        self.stats.err(msg)

    async def send_malformed(self):
        k = self.n % 5
        st = self.stats
        st.malformed_sent += 1
        if k == 0:
            self.writer.write(b'{"jsonrpc":"2.0","id":7,"method":\x01garbage\n')
            await self.writer.drain()
            await self.expect_error(None, "bad JSON")
        elif k == 1:
            self.writer.write(b'[1,2,3]\n')
            await self.writer.drain()
            await self.expect_error(None, "JSON array")
        elif k == 2:
            rid = await self.request("no/such/method", {})
            await self.expect_error(rid, "unknown method")
        elif k == 3:
            rid = await self.request("exec/start", {"argv": 5, "cwd": "relative"})
            await self.expect_error(rid, "bad exec/start params")
        else:
            rid = self.next_id
            self.next_id += 1
            self.writer.write(frame({"jsonrpc": "2.0", "id": rid, "params": {}}))
            await self.writer.drain()
            await self.expect_error(rid, "no method")

    async def side_connection(self):
        st = self.stats
        try:
            r, w = await open_conn(self.args.socket)
        except OSError as e:
            st.violation("side connection: %s" % e)
            return
        st.connections += 1
        try:
            if (self.n // 5) % 2 == 0:
                st.oversized_sent += 1
                w.write(b'{"jsonrpc":"2.0","id":1,"method":"hello","params":{"x":"' +
                        b"A" * (MAX_FRAME + 4096) + b'"}}\n')
                try:
                    await asyncio.wait_for(w.drain(), 30)
                except (ConnectionError, OSError):
                    pass  # closed by the daemon before we finished: also fine
                # An error frame then EOF; or EOF at once if it closed mid-write.
                got_error = False
                while True:
                    line = await asyncio.wait_for(r.readline(), 30)
                    if not line:
                        break
                    m = json.loads(line)
                    if "error" in m:
                        got_error = True
                        st.err(m)
                if not got_error:
                    st.errors["(closed without error)"] = st.errors.get(
                        "(closed without error)", 0) + 1
            else:
                st.halfframes_sent += 1
                w.write(b'{"jsonrpc":"2.0","id":1,"method":"exec/st')
                await w.drain()
        except (asyncio.TimeoutError, ConnectionError, OSError) as e:
            if isinstance(e, asyncio.TimeoutError):
                st.violation("side connection: no answer/close within 30 s")
        finally:
            w.close()

    async def one_exec(self):
        st = self.stats
        slow = self.kind == "slow" and self.n % 4 == 0
        tok = "tok-%d-%d-%d" % (os.getpid(), self.idx, self.n)
        if slow:
            argv = ["head", "-c", str(SLOW_BYTES), "/dev/zero"]
            want = None
        elif self.n % 2:
            argv = ["/bin/true"]
            want = b""
        else:
            argv = ["/bin/sh", "-c", "echo " + tok]
            want = (tok + "\n").encode()
        t0 = time.monotonic()
        rid = await self.request("exec/start", {"argv": argv, "cwd": self.args.cwd,
                                                "sandbox": "workspace-write"})
        exec_id = None
        out = bytearray()
        nout = 0
        stalled = False
        while True:
            m = await self.read_msg(120)
            if m.get("id") == rid:
                if "error" in m:
                    st.err(m)
                    st.violation("exec/start refused: %.300s" % json.dumps(m))
                    return
                exec_id = m["result"].get("id")
                if not exec_id:
                    st.violation("exec/start without id: %.300s" % json.dumps(m))
                    return
                st.exec_ids.append(exec_id)
                continue
            meth = m.get("method")
            p = m.get("params") or {}
            if meth == "exec/output" and p.get("id") == exec_id:
                data = base64.b64decode(p.get("data", ""))
                if p.get("stream") == "stdout":
                    nout += len(data)
                    if want is not None:
                        out += data
                if slow and not stalled:
                    stalled = True
                    await asyncio.sleep(self.args.stall)
                continue
            if meth == "exec/exited" and p.get("id") == exec_id:
                if p.get("exit_code") != 0:
                    st.violation("%s %s: exited %.200s" % (exec_id, argv[0], json.dumps(p)))
                elif slow and nout != SLOW_BYTES:
                    st.violation("%s slow reader: %d bytes of %d" % (exec_id, nout, SLOW_BYTES))
                elif want is not None and bytes(out) != want:
                    st.violation("%s: stdout %r, expected %r" % (exec_id, bytes(out[:80]), want))
                else:
                    st.execs_ok += 1
                if slow:
                    st.slow_execs += 1
                    st.slow_bytes += nout
                st.max_latency = max(st.max_latency, time.monotonic() - t0)
                return
            if "error" in m:
                st.err(m)
                st.violation("unexpected error during %s: %.300s" % (exec_id, json.dumps(m)))
                return
            # Anything else (another notification) is ignored.

    async def run(self):
        st = self.stats
        while self.quota.take():
            try:
                if self.reader is None:
                    await self.connect()
                if self.kind == "garbage":
                    await self.send_malformed()
                if self.kind == "side" and self.n % 5 == 0:
                    await self.side_connection()
                await self.one_exec()
            except (asyncio.TimeoutError, EOFError, ConnectionError, OSError,
                    ValueError, KeyError) as e:
                st.violation("client %d (%s), command %d: %s: %s" %
                             (self.idx, self.kind, self.n, type(e).__name__, e))
                await self.close()
            self.n += 1
            if self.n % self.args.per_conn == 0:
                await self.close()
        await self.close()


async def worker_main(args, first, nclients, nexecs):
    quota = Quota(nexecs)
    stats = Stats()
    clients = [Client(first + i, args, quota, stats) for i in range(nclients)]
    t0 = time.monotonic()
    await asyncio.gather(*(c.run() for c in clients))
    return stats, time.monotonic() - t0


def drop_to(user):
    pw = pwd.getpwnam(user)
    os.setgroups([g.gr_gid for g in grp.getgrall() if user in g.gr_mem] + [pw.pw_gid])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    if os.getuid() != pw.pw_uid or os.geteuid() != pw.pw_uid:
        raise SystemExit("cxstress: cannot become " + user)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--execs", type=int, default=10000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--users", default="cxt-stress1")
    ap.add_argument("--per-conn", type=int, default=25)
    ap.add_argument("--stall", type=float, default=1.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    users = args.users.split(",")
    procs = max(1, min(args.procs, args.clients))

    children = []
    for k in range(procs):
        nclients = args.clients // procs + (1 if k < args.clients % procs else 0)
        nexecs = args.execs // procs + (1 if k < args.execs % procs else 0)
        first = sum(args.clients // procs + (1 if j < args.clients % procs else 0)
                    for j in range(k))
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code = 0
            try:
                drop_to(users[k % len(users)])
                random.seed(k)
                stats, secs = asyncio.run(worker_main(args, first, nclients, nexecs))
                res = dict(stats.__dict__, seconds=secs, user=users[k % len(users)])
            except BaseException as e:  # report, never hang the parent
                res = {"fatal": "%s: %s" % (type(e).__name__, e)}
                code = 1
            with os.fdopen(wfd, "w") as f:
                json.dump(res, f)
            os._exit(code)
        os.close(wfd)
        children.append((pid, rfd))

    total = {"exec_ids": [], "execs_ok": 0, "errors": {}, "violations": [],
             "malformed_sent": 0, "oversized_sent": 0, "halfframes_sent": 0,
             "slow_execs": 0, "slow_bytes": 0, "connections": 0, "max_latency": 0.0,
             "seconds": 0.0, "workers": procs}
    for pid, rfd in children:
        with os.fdopen(rfd) as f:
            txt = f.read()
        _, status = os.waitpid(pid, 0)
        try:
            r = json.loads(txt)
        except ValueError:
            r = {"fatal": "worker %d wrote no result (wait status %#x)" % (pid, status)}
        if "fatal" in r:
            total["violations"].append("worker: " + r["fatal"])
            continue
        for k in ("exec_ids", "violations"):
            total[k] += r[k]
        for k in ("execs_ok", "malformed_sent", "oversized_sent", "halfframes_sent",
                  "slow_execs", "slow_bytes", "connections"):
            total[k] += r[k]
        for k, v in r["errors"].items():
            total["errors"][k] = total["errors"].get(k, 0) + v
        total["max_latency"] = max(total["max_latency"], r["max_latency"])
        total["seconds"] = max(total["seconds"], r["seconds"])
    with open(args.out, "w") as f:
        json.dump(total, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
