#!/usr/bin/python3
# A tiny authoritative DNS server for the network proxy tests (UDP only).
#   net_dns.py ADDR PORT ZONEFILE LOG READYFILE
# ZONEFILE lines: "NAME A 1.2.3.4" / "NAME AAAA ::1" (several per name allowed).
# Unknown names: NXDOMAIN.  Every question is appended to LOG as "NAME TYPE".
# Writes READYFILE once listening.  Standard library only.
import socket
import struct
import sys

addr, port, zonefile, log, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
zone = {}
with open(zonefile) as f:
    for line in f:
        parts = line.split()
        if len(parts) == 3:
            zone.setdefault((parts[0].lower().rstrip("."), parts[1].upper()), []).append(parts[2])

TYPES = {1: "A", 28: "AAAA"}


def qname(data, off):
    labels = []
    while True:
        n = data[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(data[off:off + n].decode("ascii", "replace"))
        off += n


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
with open(ready, "w") as f:
    f.write("%d\n" % s.getsockname()[1])
while True:
    data, peer = s.recvfrom(4096)
    try:
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        name, end = qname(data, 12)
        qtype, qclass = struct.unpack("!HH", data[end:end + 4])
    except Exception:
        continue
    tname = TYPES.get(qtype, str(qtype))
    with open(log, "a") as f:
        f.write("%s %s\n" % (name.lower(), tname))
    question = data[12:end + 4]
    answers = zone.get((name.lower(), tname), [])
    known = any(k[0] == name.lower() for k in zone)
    rcode = 0 if known else 3
    body = b""
    for a in answers:
        if tname == "A":
            rdata = socket.inet_pton(socket.AF_INET, a)
        else:
            rdata = socket.inet_pton(socket.AF_INET6, a)
        body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 0, len(rdata)) + rdata
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(answers), 0, 0)
    s.sendto(hdr + question + body, peer)
