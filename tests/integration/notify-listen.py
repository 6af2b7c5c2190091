#!/usr/bin/env python3
"""A stand-in for systemd's notification socket (sd_notify(3)).

usage: notify-listen.py SOCKET OUTPUT [SECONDS]

Binds a datagram socket at SOCKET and appends each message to OUTPUT as one
line: "pid=N: VAR=value | VAR=value ...", N being the sender's pid from
SCM_CREDENTIALS.  Ends after the first message holding STOPPING=1 (plus a
short grace for what follows) or after SECONDS (default 120).
"""
import os
import socket
import struct
import sys
import time

path, out = sys.argv[1], sys.argv[2]
limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
os.chmod(path, 0o600)
end = time.monotonic() + limit
with open(out, "a", buffering=1) as f:
    f.write("listening\n")
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            break
        pid = next((struct.unpack("iII", d[:12])[0] for lvl, typ, d in anc
                    if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS), None)
        now = time.monotonic_ns() // 1000
        f.write("pid=%s now=%d: %s\n" % (pid, now, msg.decode(errors="replace").replace("\n", " | ")))
        if b"STOPPING=1" in msg:
            end = min(end, time.monotonic() + 0.5)
