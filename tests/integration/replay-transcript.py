#!/usr/bin/env python3
"""Replay the worked transcript of codexd-protocol(7) against a real daemon.

usage: replay-transcript.py MANPAGE SOCKET [--rules-out FILE] [--sub OLD=NEW]...

The transcript is the first ".Bd -literal -offset 2n" display of the
EXAMPLES section: lines starting "C: " are sent, lines starting "D: " are
expected from the daemon; indented lines continue the message above
(folded at token boundaries, joined without a space).  With --rules-out,
the first ".Bd -literal -offset indent" display of EXAMPLES (the managed
rules the transcript relies on) is written to FILE and nothing is replayed.

Each --sub is a textual substitution applied to the transcript first (the
user, home, working directory and rules file of the machine at hand).

Matching, for each run of D: lines after a C: line: every expected message
must match a distinct message from the daemon, in any order; further
exec/output notifications are allowed (output may arrive in more pieces).
Values match exactly, except:
  "..."               any string
  [...]               any array
  , ...}              further members allowed in that object
  volatile members    (pid, uid, gid, groups, duration_ms, rusage, features,
                       limits) only need the same JSON type
Ids the daemon chooses (exec ids, approval ids, its own request ids) are
bound on first sight and substituted into what the client sends later.
Prints one line per message and exits 0 when everything matched.
"""
import json
import re
import select
import socket
import sys
import time

VOLATILE = {"pid", "uid", "gid", "groups", "duration_ms", "rusage", "features", "limits"}
ANY_ARRAY = "\u0000any-array"
MORE = "\u0000more"
TIMEOUT = 20.0


def man_literal(text):
    """mandoc escapes used in the displays."""
    return text.replace("\\e", "\\").replace("\\(dq", '"').replace("\\&", "")


def displays(man, offset):
    lines = man.split("\n")
    try:
        start = lines.index(".Sh EXAMPLES")
    except ValueError:
        sys.exit("replay: no EXAMPLES section")
    out, cur = [], None
    for line in lines[start:]:
        if cur is None and line.startswith(".Bd -literal -offset " + offset):
            cur = []
        elif cur is not None and line == ".Ed":
            out.append(cur)
            cur = None
        elif cur is not None and not line.startswith('.\\"'):
            cur.append(man_literal(line))
    return out


def messages(block):
    msgs = []
    for line in block:
        if line.startswith("C: ") or line.startswith("D: "):
            msgs.append([line[0], line[3:]])
        elif line.startswith("   ") and msgs:
            msgs[-1][1] += line[3:]
        elif line.strip():
            sys.exit("replay: unexpected transcript line: " + line)
    return msgs


def parse_expected(text):
    t = text.replace("[...]", json.dumps(ANY_ARRAY))
    t = re.sub(r",\s*\.\.\.\s*}", lambda m: ",%s:true}" % json.dumps(MORE), t)
    return json.loads(t)


def match(exp, act, path, binds):
    """Return None on a match, else a description of the first difference."""
    key = path.rsplit(".", 1)[-1]
    if key in VOLATILE:
        same = type(exp) is type(act) or (isinstance(exp, (int, float)) and isinstance(act, (int, float))
                                           and not isinstance(act, bool))
        return None if same else "%s: type %s, expected %s" % (path, type(act).__name__, type(exp).__name__)
    if exp == ANY_ARRAY:
        return None if isinstance(act, list) else "%s: not an array" % path
    if exp == "...":
        return None if isinstance(act, str) else "%s: not a string" % path
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            return "%s: not an object" % path
        more = exp.get(MORE, False)
        for k, v in exp.items():
            if k == MORE:
                continue
            if k not in act:
                return "%s.%s: missing" % (path, k)
            r = match(v, act[k], path + "." + k, binds)
            if r:
                return r
        extra = set(act) - set(exp)
        if extra and not more:
            return "%s: members not in the manual: %s" % (path, ", ".join(sorted(extra)))
        return None
    if isinstance(exp, list):
        if not isinstance(act, list) or len(exp) != len(act):
            return "%s: array of %s, expected %d" % (path, len(act) if isinstance(act, list) else "?", len(exp))
        for i, (e, a) in enumerate(zip(exp, act)):
            r = match(e, a, "%s[%d]" % (path, i), binds)
            if r:
                return r
        return None
    if isinstance(exp, str) and key in ("id", "approval_id") and path.count(".") >= 1:
        if exp in binds:
            return None if binds[exp] == act else "%s: %r, expected %r" % (path, act, binds[exp])
        if isinstance(act, str):
            binds.setdefault(exp, act)
            return None
        return "%s: not a string" % path
    if isinstance(exp, bool) or isinstance(act, bool):
        return None if exp is act else "%s: %r, expected %r" % (path, act, exp)
    return None if exp == act else "%s: %r, expected %r" % (path, act, exp)


def bind_top_id(exp, act, binds):
    """The daemon's own request ids ("cxap-N") are bound too."""
    eid, aid = exp.get("id"), act.get("id")
    if isinstance(eid, str) and eid.startswith("cxap-") and isinstance(aid, str):
        if eid in binds:
            return binds[eid] == aid
        binds[eid] = aid
        return True
    return eid == aid


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.pending = []

    def send(self, text):
        self.s.sendall(text.encode() + b"\n")

    def fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.s], [], [], left)
        if not r:
            return False
        data = self.s.recv(65536)
        if not data:
            return False
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                self.pending.append(json.loads(line))
        return True


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    man_path, sock = args[0], args[1]
    subs, rules_out = [], None
    i = 2
    while i < len(args):
        if args[i] == "--sub":
            old, new = args[i + 1].split("=", 1)
            subs.append((old, new))
            i += 2
        elif args[i] == "--rules-out":
            rules_out = args[i + 1]
            i += 2
        else:
            sys.exit("replay: unknown argument " + args[i])
    man = open(man_path, encoding="utf-8").read()
    if rules_out:
        rules = displays(man, "indent")
        if not rules:
            sys.exit("replay: no rules display in EXAMPLES")
        with open(rules_out, "w", encoding="utf-8") as f:
            f.write("\n".join(rules[0]) + "\n")
        return 0
    blocks = displays(man, "2n")
    if not blocks:
        sys.exit("replay: no transcript in EXAMPLES")
    msgs = messages(blocks[0])
    for m in msgs:
        for old, new in subs:
            m[1] = m[1].replace(old, new)

    conn = Conn(sock)
    binds = {}
    i, n_sent, n_matched = 0, 0, 0
    while i < len(msgs):
        kind, text = msgs[i]
        if kind == "C":
            for k in sorted(binds, key=len, reverse=True):
                text = text.replace('"%s"' % k, json.dumps(binds[k]))
            json.loads(text)
            conn.send(text)
            print("sent: " + text)
            n_sent += 1
            i += 1
            continue
        block = []
        while i < len(msgs) and msgs[i][0] == "D":
            block.append(parse_expected(msgs[i][1]))
            i += 1
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = []
            used = set()
            for exp in block:
                found = False
                for j, act in enumerate(conn.pending):
                    if j in used:
                        continue
                    trial = dict(binds)
                    if exp.get("method") != act.get("method") or not bind_top_id(exp, act, trial):
                        continue
                    if match(exp, act, "", trial) is None:
                        binds.update(trial)
                        used.add(j)
                        found = True
                        break
                if not found:
                    left.append(exp)
            if not left:
                break
            if not conn.fill(deadline):
                print("replay: no message from the daemon matched:", file=sys.stderr)
                for exp in left:
                    print("  expected " + json.dumps(exp)[:600], file=sys.stderr)
                    for act in conn.pending:
                        if act.get("method") == exp.get("method"):
                            why = match(exp, act, "", dict(binds))
                            print("    closest %s: %s" % (json.dumps(act)[:400], why), file=sys.stderr)
                return 1
        for j in sorted(used):
            print("matched: " + json.dumps(conn.pending[j]))
            n_matched += 1
        rest = [a for j, a in enumerate(conn.pending) if j not in used]
        stray = [a for a in rest if a.get("method") != "exec/output"]
        if stray:
            # Not in the manual at this point: wrong, unless it is the answer
            # to a later step (the next block then consumes it).
            pass
        conn.pending = rest
    print("replayed: %d sent, %d matched" % (n_sent, n_matched))
    return 0


if __name__ == "__main__":
    sys.exit(main())
