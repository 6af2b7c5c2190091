# shellcheck shell=bash
# The network proxy beyond the sandboxed IPv4 case (issue 5): network =
# "proxy" under danger-full-access (the host's files, but the sandbox's
# own network namespace: the proxy variables and the DNS stub's
# resolv.conf, bound in a mount namespace of its own that leaves the
# host's mounts alone), and the listeners on [::1] beside 127.0.0.1.
# Every destination is a server these tests start on 127.0.0.1.
#
# The sh -c scripts expand their own variables (inside the sandbox):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"
# shellcheck source-path=SCRIPTDIR source=net_lib.sh
. "$CXT_SRC/net_lib.sh"

_nm_shared_proxy()
{
	net_need_tools
	wait_until 10 _net_proxy_running "$SOCK" ||
		fail "the shared daemon's proxy worker is not running: $(ctl cxt-admin --json status | jq -c .proxy)"
}

# What the host's mount namespace and resolver look like (must not change).
_nm_host_view()
{
	findmnt -rn -o TARGET,SOURCE,FSTYPE | sort
	sha256sum /etc/resolv.conf 2>&1
	readlink /etc/resolv.conf
}

# A DNS query for NAME type A, printed as "rcode=N answers=N has=ADDR?" (python, inside).
# shellcheck disable=SC2034
NM_DNS_PY='
import socket, struct, sys
def query(name):
    q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return q + struct.pack("!HH", 1, 1)
def show(how, r, addr):
    print("%s rcode=%d answers=%d has=%s" % (how, r[3] & 15, struct.unpack("!H", r[6:8])[0],
          "yes" if socket.inet_aton(addr) in r[12:] else "no"))
name, addr = sys.argv[1], sys.argv[2]
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(query(name), ("::1", 53))
r, peer = u.recvfrom(4096)
show("udp6 from=%s" % peer[0], r, addr)
t = socket.create_connection(("::1", 53), 5)
m = query(name)
t.sendall(struct.pack("!H", len(m)) + m)
n = struct.unpack("!H", t.recv(2))[0]
r = b""
while len(r) < n:
    r += t.recv(n - len(r))
show("tcp6", r, addr)
'

test_net_danger_proxy()
{
	local out before mark
	_nm_shared_proxy
	sb_setup nogit
	net_http
	mark=/tmp/cxt-danger-visible.$$
	if ! { echo host >"$mark" && chmod 0644 "$mark"; }; then
		fail "cannot write $mark"
	fi
	before=$(_nm_host_view)
	note "danger-full-access + proxy: the proxy variables, the stub's resolv.conf, the host's files"
	out=$(sbx -s danger-full-access --network proxy --allow-domain localhost -- sh -c '
		grep -v "^#" /etc/resolv.conf
		echo "HTTP_PROXY=$HTTP_PROXY"
		echo "ALL_PROXY=$ALL_PROXY"
		curl -sS --max-time 10 "http://localhost:$1/danger"
		curl -sS --noproxy "*" --max-time 5 "http://127.0.0.1:$1/direct" >/dev/null 2>&1 && echo "direct reached" || echo "direct failed"
		cat "$2"
		touch "$2.w" 2>/dev/null && echo "tmp writable"' sh "$NET_HTTP_PORT" "$mark")
	assert_eq "nameserver 127.0.0.1
HTTP_PROXY=http://127.0.0.1:3128
ALL_PROXY=socks5h://127.0.0.1:1080
hello-from-host GET /danger
direct failed
host
tmp writable" "$out" "inside danger-full-access with the proxy"
	assert_eq "GET /danger 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
	[[ -e "$mark.w" ]] || fail "the sandbox's /tmp is not the host's (the scratch mount stayed)"
	rm -f "$mark" "$mark.w"
	assert_eq "$before" "$(_nm_host_view)" "the host's mounts and resolv.conf afterwards"
	note "the same mode with the host's network keeps the host's resolver"
	out=$(sbx -s danger-full-access --network full -- sh -c 'cat /etc/resolv.conf | sha256sum')
	assert_eq "$(sha256sum </etc/resolv.conf)" "$out" "danger-full-access, network full"
}

test_net_danger_proxy_dns()
{
	local out
	net_need_tools
	sb_setup nogit
	net_dns 'public.test A 93.184.216.34
other.test A 93.184.216.35'
	net_daemon dns ''
	out=$(sbx -s danger-full-access --network proxy --allow-domain public.test -- sh -c '
		echo "public: $(getent ahostsv4 public.test | awk "{print \$1}" | sort -u | tr "\n" " ")"
		getent hosts other.test >/dev/null; echo "other rc=$?"')
	assert_eq "public: 93.184.216.34 
other rc=2" "$out" "getent through the DNS stub in danger-full-access"
	assert_no_match "other.test" "$(cat "$NET_DNS_LOG")" "a denied name is never sent upstream"
	note "the stub on [::1]:53, UDP and TCP"
	out=$(sbx --network proxy --allow-domain public.test -- "$PY" -c "$NM_DNS_PY" public.test 93.184.216.34)
	assert_eq "udp6 from=::1 rcode=0 answers=1 has=yes
tcp6 rcode=0 answers=1 has=yes" "$out" "an allowed name over IPv6"
	out=$(sbx --network proxy --allow-domain public.test -- "$PY" -c "$NM_DNS_PY" other.test 93.184.216.35)
	assert_match "^udp6 from=::1 rcode=[1-9][0-9]* answers=0 has=no" "$out" "a denied name over IPv6"
}

test_net_proxy_ipv6_listeners()
{
	local out
	_nm_shared_proxy
	sb_setup nogit
	net_http
	net_https
	out=$(sbx --network proxy --allow-domain localhost -- sh -c '
		echo "HTTP_PROXY=$HTTP_PROXY"
		curl -sS --max-time 10 -x "http://[::1]:3128" "http://localhost:$1/v6-http"
		curl -sS --max-time 10 -x "http://[::1]:3128" --cacert "$3" "https://localhost:$2/v6-connect"
		curl -sS --max-time 10 -x "socks5h://[::1]:1080" "http://localhost:$1/v6-socks"
		curl -sS -i --max-time 10 -x "http://[::1]:3128" "http://other.test:$1/" | tr -d "\r" | grep -i "^x-codexd-error"' \
		sh "$NET_HTTP_PORT" "$NET_HTTPS_PORT" "$NET_CA")
	assert_eq "HTTP_PROXY=http://127.0.0.1:3128
hello-from-host GET /v6-http
hello-from-host GET /v6-connect
hello-from-host GET /v6-socks
x-codexd-error: blocked-by-allowlist" "$out" "HTTP, CONNECT and SOCKS5 through [::1]"
	assert_eq 2 "$(conns "$NET_HTTP_LOG")" "requests the HTTP server saw"
	assert_eq 1 "$(conns "$NET_HTTPS_LOG")" "requests the HTTPS server saw"
	note "other ports on [::1] lead nowhere"
	out=$(sbx --network proxy --allow-domain localhost -- "$PY" -c '
import socket, sys
try:
    socket.create_connection(("::1", int(sys.argv[1])), 3)
    print("reached")
except OSError:
    print("refused")' "$NET_HTTP_PORT")
	assert_eq refused "$out" "a direct connection to [::1]"
}
