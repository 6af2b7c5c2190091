# shellcheck shell=bash
# The network proxy (issue 5; CODEX-MODEL.md §3; SECURITY.md "network
# without permission"): network = "proxy" gives a sandbox a fresh network
# namespace whose only way out is the proxy's listeners, which the proxy
# worker (codexd-proxy, unprivileged) serves from the host.  Every
# destination is a server these tests start on 127.0.0.1; the decisions
# are checked both inside (what curl/getent/python see) and on the
# servers (what arrived).
#
# The sh -c scripts expand their own variables (inside the sandbox):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"
# shellcheck source-path=SCRIPTDIR source=net_lib.sh
. "$CXT_SRC/net_lib.sh"

_shared_proxy()
{
	net_need_tools
	wait_until 10 _net_proxy_running "$SOCK" ||
		fail "the shared daemon's proxy worker is not running: $(ctl cxt-admin --json status | jq -c .proxy)"
}

test_net_proxy_http_allowed()
{
	local out
	_shared_proxy
	sb_setup nogit
	net_http
	note "the acceptance case: --allow-domain localhost reaches a server on the host's loopback"
	out=$(sbx --network proxy --allow-domain localhost -- curl -sS --max-time 10 "http://localhost:$NET_HTTP_PORT/acc")
	assert_eq "hello-from-host GET /acc" "$out" "curl through the proxy"
	assert_eq "GET /acc 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
	note "an exact IP literal allows a local address too"
	out=$(sbx --network proxy --allow-domain 127.0.0.1 -- curl -sS --max-time 10 -X POST -d abc "http://127.0.0.1:$NET_HTTP_PORT/lit")
	assert_eq "hello-from-host POST /lit" "$out" "POST to an allowed literal"
	note "the proxy variables are set for the common tools, caller's ones replaced"
	out=$(SB_ENV=(HTTP_PROXY=http://evil.invalid:1 NO_PROXY=localhost) \
		sbx --network proxy --allow-domain localhost --env HTTP_PROXY=http://evil.invalid:1 -- sh -c 'env | sort')
	assert_line "$out" "HTTP_PROXY=http://127.0.0.1:3128" "HTTP_PROXY"
	assert_line "$out" "https_proxy=http://127.0.0.1:3128" "https_proxy"
	assert_line "$out" "ALL_PROXY=socks5h://127.0.0.1:1080" "ALL_PROXY"
	assert_line "$out" "NO_PROXY=" "NO_PROXY"
	assert_line "$out" "NODE_USE_ENV_PROXY=1" "NODE_USE_ENV_PROXY"
	assert_line "$out" "PIP_PROXY=http://127.0.0.1:3128" "PIP_PROXY"
	assert_line "$out" "npm_config_https_proxy=http://127.0.0.1:3128" "npm"
	assert_match "GIT_SSH_COMMAND=ssh -o ProxyCommand='nc -X 5 -x 127.0.0.1:1080 %h %p'" "$out" "GIT_SSH_COMMAND"
	assert_no_match "evil.invalid" "$out" "the caller's proxy variable"
}

test_net_proxy_refusals()
{
	local out
	_shared_proxy
	sb_setup nogit
	net_http
	out=$(sbx --network proxy --allow-domain localhost --deny-domain '**.denied.test' -- \
		curl -sS -i --max-time 10 "http://api.denied.test:$NET_HTTP_PORT/")
	assert_match "^HTTP/1.1 403" "$out" "a denied domain"
	assert_match $'\nx-codexd-error: blocked-by-denylist\r' "$out" "its x-codexd-error header"
	assert_match "is on the deny list" "$out" "its readable body"
	out=$(sbx --network proxy --allow-domain localhost -- curl -sS -i --max-time 10 "http://other.test:$NET_HTTP_PORT/")
	assert_match $'\nx-codexd-error: blocked-by-allowlist\r' "$out" "a domain not on the allow list"
	note "local destinations: a wildcard allow does not open them"
	out=$(sbx --network proxy --allow-domain '*' -- sh -c "$SB_T"'
		curl -sS -i --max-time 10 "http://127.0.0.1:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://localhost:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://[::1]:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://169.254.169.254/latest/meta-data/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://[::ffff:127.0.0.1]:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://[64:ff9b::7f00:1]:$1/" | tr -d "\r" | grep -i "^x-codexd-error"' sh "$NET_HTTP_PORT")
	assert_eq "x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local" "$out" "local and private destinations"
	assert_eq 0 "$(conns "$NET_HTTP_LOG")" "requests that reached the server"
	note "malformed and non-proxy requests get an error, the proxy keeps serving"
	out=$(sbx --network proxy --allow-domain localhost -- sh -c '
		printf "GET / HTTP/1.1\r\nHost: x\r\n\r\n" | nc -w 5 127.0.0.1 3128 | head -1 | tr -d "\r"
		printf "\x01\x02garbage\r\n\r\n" | nc -w 5 127.0.0.1 3128 | head -1 | tr -d "\r"
		curl -sS --max-time 10 "http://localhost:$1/after"' sh "$NET_HTTP_PORT")
	assert_eq "HTTP/1.1 400 Bad Request
HTTP/1.1 400 Bad Request
hello-from-host GET /after" "$out" "bad requests, then a good one"
}

test_net_proxy_https_connect()
{
	local out
	_shared_proxy
	sb_setup nogit
	net_https
	out=$(sbx --network proxy --allow-domain localhost -- curl -sS --max-time 10 --cacert "$NET_CA" "https://localhost:$NET_HTTPS_PORT/tls")
	assert_eq "hello-from-host GET /tls" "$out" "curl through HTTPS_PROXY (CONNECT)"
	out=$(sbx --network proxy --allow-domain localhost --deny-domain localhost -- curl -sS -o /dev/null -w '%{http_connect}' --max-time 10 --cacert "$NET_CA" "https://localhost:$NET_HTTPS_PORT/")
	assert_eq 403 "$out" "CONNECT to a denied host"
	assert_eq "GET /tls 0" "$(cat "$NET_HTTPS_LOG")" "what the TLS server saw"
}

test_net_proxy_socks5_tcp()
{
	local out
	_shared_proxy
	sb_setup nogit
	net_http
	net_https
	note "ALL_PROXY=socks5h:// (the HTTP proxy variables removed)"
	out=$(sbx --network proxy --allow-domain localhost -- env -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy \
		sh -c 'curl -sS --max-time 10 "http://localhost:$1/socks"; curl -sS --max-time 10 --cacert "$3" "https://localhost:$2/socks-tls"' \
		sh "$NET_HTTP_PORT" "$NET_HTTPS_PORT" "$NET_CA")
	assert_eq "hello-from-host GET /socks
hello-from-host GET /socks-tls" "$out" "curl through SOCKS5"
	out=$(sbx --network proxy --allow-domain localhost -- sh -c "$SB_T"'
		t denied curl -sS --max-time 10 --socks5-hostname 127.0.0.1:1080 "http://other.test:$1/"
		t local curl -sS --max-time 10 --socks5-hostname 127.0.0.1:1080 "http://127.0.0.1:$1/"' sh "$NET_HTTP_PORT")
	assert_eq "denied rc=97
local rc=97" "$out" "SOCKS5 refusals (curl 97: the proxy refused the connection)"
	assert_eq 1 "$(conns "$NET_HTTP_LOG")" "requests the HTTP server saw"
	assert_eq 1 "$(conns "$NET_HTTPS_LOG")" "requests the HTTPS server saw"
}

test_net_proxy_socks5_udp()
{
	local out
	_shared_proxy
	sb_setup nogit
	net_udp_echo
	out=$(sbx --network proxy --allow-domain 127.0.0.1 -- "$PY" -c '
import socket, struct, sys
port = int(sys.argv[1])
c = socket.create_connection(("127.0.0.1", 1080), 5)
c.sendall(b"\x05\x01\x00"); assert c.recv(2) == b"\x05\x00"
c.sendall(b"\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00")
rep = c.recv(10); assert rep[1] == 0, rep
relay = (socket.inet_ntoa(rep[4:8]), struct.unpack("!H", rep[8:10])[0])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
def ask(host, payload):
    if host[0].isdigit():
        hdr = b"\x00\x00\x00\x01" + socket.inet_aton(host)
    else:
        hdr = b"\x00\x00\x00\x03" + bytes([len(host)]) + host.encode()
    u.sendto(hdr + struct.pack("!H", port) + payload, relay)
    try:
        data = u.recv(65535)
        return data[10:].decode()
    except socket.timeout:
        return "timeout"
print(ask("127.0.0.1", b"ping"))
u.settimeout(2)
print(ask("other.test", b"nope"))
' "$NET_UDP_PORT")
	assert_eq "echo:ping
timeout" "$out" "UDP ASSOCIATE: allowed destination answered, other one dropped"
	assert_eq 1 "$(conns "$NET_UDP_LOG")" "datagrams the echo server saw"
}

test_net_proxy_no_direct_egress()
{
	local out hostip
	_shared_proxy
	sb_setup nogit
	net_http
	hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
	note "a program that ignores the proxy variables reaches nothing"
	out=$(sbx --network proxy --allow-domain localhost --allow-domain 127.0.0.1 -- sh -c "$SB_T"'
		t curl_noproxy curl -sS --noproxy "*" --max-time 5 "http://127.0.0.1:$1/"
		t dev_tcp bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"
		t host_ip bash -c "exec 3<>/dev/tcp/${2:-192.0.2.1}/$1"
		t python python3 -c "import socket, sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 3)" "$1"
		t v6 python3 -c "import socket, sys; socket.create_connection((\"::1\", int(sys.argv[1])), 3)" "$1"
		t udp_host python3 -c "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (sys.argv[2] or \"192.0.2.1\", int(sys.argv[1])))" "$1" "$2"
		t raw python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"
		t netlink python3 -c "import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)"
		ip -o link 2>/dev/null | awk "{print \$2}" | tr -d ":" | sort | tr "\n" " "; echo' sh "$NET_HTTP_PORT" "$hostip")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 8 "direct connections from a proxied sandbox"
	assert_eq 0 "$(conns "$NET_HTTP_LOG")" "requests that reached the server directly"
	out=$(sbx --network proxy --allow-domain localhost -- curl -sS --max-time 10 "http://localhost:$NET_HTTP_PORT/via-proxy")
	assert_eq "hello-from-host GET /via-proxy" "$out" "the same server through the proxy"
}

test_net_proxy_limited_mode()
{
	local out
	net_need_tools
	sb_setup nogit
	net_http
	net_https
	net_daemon limited '[network]
mode = "limited"'
	out=$(sbx --network proxy --allow-domain localhost -- sh -c '
		for m in GET HEAD OPTIONS POST PUT DELETE; do
			printf "%s " "$m"
			curl -sS -o /dev/null -w "%{http_code}\n" -X "$m" --max-time 10 "http://localhost:$1/m"
		done
		curl -sS -o /dev/null -w "connect %{http_connect}\n" --max-time 10 --cacert "$3" "https://localhost:$2/"
		env -u HTTP_PROXY -u http_proxy curl -sS --max-time 10 "http://localhost:$1/socks" >/dev/null 2>&1; echo "socks rc=$?"
		curl -sS -i -X POST --max-time 10 "http://localhost:$1/m" | tr -d "\r" | grep -i "^x-codexd-error"' \
		sh "$NET_HTTP_PORT" "$NET_HTTPS_PORT" "$NET_CA")
	assert_eq "GET 200
HEAD 200
OPTIONS 200
POST 403
PUT 403
DELETE 403
connect 403
socks rc=97
x-codexd-error: blocked-by-method" "$out" "limited mode"
	assert_eq "GET /m 0
HEAD /m 0
OPTIONS /m 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
}

test_net_proxy_dns_stub()
{
	local out
	net_need_tools
	sb_setup nogit
	net_dns 'public.test A 93.184.216.34
public.test AAAA 2606:2800:220:1:248:1893:25c8:1946
app.test A 127.0.0.1
mixed.test A 93.184.216.34
mixed.test A 10.1.2.3
other.test A 93.184.216.35'
	net_daemon dns ''
	out=$(sbx --network proxy --allow-domain '**.public.test' --allow-domain app.test --allow-domain mixed.test -- sh -c '
		cat /etc/resolv.conf | grep -v "^#"
		echo "public: $(getent ahostsv4 public.test | awk "{print \$1}" | sort -u | tr "\n" " ")"
		getent hosts other.test >/dev/null; echo "other rc=$?"
		getent hosts app.test >/dev/null; echo "local-only rc=$?"
		echo "mixed: $(getent ahostsv4 mixed.test | awk "{print \$1}" | sort -u | tr "\n" " ")"')
	assert_eq "nameserver 127.0.0.1
public: 93.184.216.34 
other rc=2
local-only rc=2
mixed: 93.184.216.34 " "$out" "the DNS stub answers allowed names, without local addresses"
	assert_no_match "other.test" "$(cat "$NET_DNS_LOG")" "a denied name is never sent upstream"
}

test_net_proxy_rebinding()
{
	local out n
	net_need_tools
	sb_setup nogit
	net_http
	net_dns 'mixed.test A 93.184.216.34
mixed.test A 127.0.0.1
local.test A 127.0.0.1
app.test A 127.0.0.1'
	net_daemon rebind ''
	note "a name with a local address among its answers is refused, nothing is connected"
	out=$(sbx --network proxy --allow-domain mixed.test --allow-domain local.test -- sh -c '
		curl -sS -i --max-time 10 "http://mixed.test:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		curl -sS -i --max-time 10 "http://local.test:$1/" | tr -d "\r" | grep -i "^x-codexd-error"
		env -u HTTP_PROXY -u http_proxy curl -sS --max-time 10 "http://mixed.test:$1/" >/dev/null 2>&1; echo "socks rc=$?"' sh "$NET_HTTP_PORT")
	assert_eq "x-codexd-error: blocked-by-local
x-codexd-error: blocked-by-local
socks rc=97" "$out" "rebinding to loopback through the proxy"
	assert_eq 0 "$(conns "$NET_HTTP_LOG")" "requests that reached the server"
	n=$(grep -c '^mixed.test A$' "$NET_DNS_LOG")
	assert_eq 2 "$n" "A questions for mixed.test (one per proxied request: no second lookup)"
	note "with allow_local_binding the proxy connects to exactly the address it resolved"
	net_daemon rebind-local '[network]
allow_local_binding = true'
	out=$(sbx --network proxy --allow-domain app.test -- curl -sS --max-time 10 "http://app.test:$NET_HTTP_PORT/resolved")
	assert_eq "hello-from-host GET /resolved" "$out" "a name resolving to loopback, local allowed"
	assert_eq 1 "$(grep -c '^app.test A$' "$NET_DNS_LOG")" "A questions for app.test"
}

test_net_proxy_worker_restart()
{
	local out pid pid2
	_shared_proxy
	sb_setup nogit
	net_http
	out=$(ctl cxt-admin --json status)
	pid=$(jqv "$out" '.proxy.pid')
	[[ "$pid" =~ ^[0-9]+$ && "$pid" -gt 1 ]] || fail "no proxy pid in daemon/status: $(jqv "$out" '.proxy')"
	assert_eq codexd-proxy "$(ps -o user= -p "$pid" | tr -d ' ')" "the worker's user"
	assert_eq "0000000000000000" "$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")" "the worker's effective capabilities"
	assert_eq "2" "$(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")" "the worker's seccomp mode (filter)"
	assert_eq "1" "$(awk '/^NoNewPrivs/ {print $2}' "/proc/$pid/status")" "the worker's no_new_privs"
	note "a running sandbox keeps its listeners across a worker restart"
	SB_SOCK=$SOCK sbx --network proxy --allow-domain localhost -- sh -c '
		sleep 3; curl -sS --max-time 15 "http://localhost:$1/after-restart"' sh "$NET_HTTP_PORT" >"$TD/restart.out" 2>&1 &
	SB_KILL+=("$!")
	sleep 1
	kill -KILL "$pid"
	wait_until 10 _net_worker_changed "$pid" || fail "the worker was not restarted"
	wait_until 25 grep -q "after-restart" "$TD/restart.out" || fail "the sandbox lost its proxy: $(cat "$TD/restart.out")"
	out=$(ctl cxt-admin --json status)
	pid2=$(jqv "$out" '.proxy.pid')
	[[ "$(jqv "$out" '.proxy.restarts')" -ge 1 ]] || fail "restarts not counted: $(jqv "$out" '.proxy')"
	assert_eq running "$(jqv "$out" '.proxy.state')" "state after the restart (pid $pid2)"
}

# A server that accepts and holds every connection open, end of input included.
_NET_PY_HOLD='
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1]); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
keep = []
while True:
    keep.append(s.accept()[0])
'

test_net_proxy_exec_ends_with_tunnels_open()
{
	local out pid restarts hold_port
	_shared_proxy
	sb_setup nogit
	net_http
	_net_start hold "$_NET_PY_HOLD"
	hold_port=$NET_PORT
	out=$(ctl cxt-admin --json status)
	pid=$(jqv "$out" '.proxy.pid')
	restarts=$(jqv "$out" '.proxy.restarts')
	note "the exec ends while its CONNECT tunnels are open (the server holds them): the worker lives on"
	for _ in 1 2 3; do
		out=$(sbx --network proxy --allow-domain localhost -- python3 -c '
import socket, sys
keep = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", 3128))
    s.sendall(b"CONNECT localhost:%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % sys.argv[1].encode())
    keep.append(s)
print(sum(1 for s in keep if s.recv(4096).startswith(b"HTTP/1.1 200")))' "$hold_port")
		assert_eq 4 "$out" "tunnels up when the exec ends"
	done
	out=$(sbx --network proxy --allow-domain localhost -- curl -sS --max-time 10 "http://localhost:$NET_HTTP_PORT/after")
	assert_eq "hello-from-host GET /after" "$out" "the next proxied exec"
	out=$(ctl cxt-admin --json status)
	assert_eq "$pid $restarts" "$(jqv "$out" '.proxy.pid') $(jqv "$out" '.proxy.restarts')" \
		"the worker's pid and restarts (it did not crash)"
}

_net_worker_changed()
{
	local p
	p=$(jqv "$(ctl cxt-admin --json status)" '.proxy.pid')
	[[ "$p" =~ ^[0-9]+$ && "$p" != 0 && "$p" != "$1" ]] && [[ "$(jqv "$(ctl cxt-admin --json status)" '.proxy.state')" == running ]]
}

test_net_proxy_events()
{
	local ev
	_shared_proxy
	sb_setup nogit
	net_http
	note "net/event notifications go to the connection that owns the sandbox"
	sess_open ev cxt-member "$SOCK"
	sess_send ev "$(rpc_line 1 hello '{"client":"t","version":"1"}')"
	sess_send ev "$(rpc_line 2 exec/start "$(printf '{"argv":["sh","-c","curl -sS -m 10 http://localhost:%s/ev; curl -sS -m 10 http://nope.test/ >/dev/null"],"cwd":"%s","network":{"mode":"proxy","allow_domains":["localhost"]},"stdin":false}' "$NET_HTTP_PORT" "$WS")")"
	sess_wait ev '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited: $(head -c 800 "$TD/ev.out")"
	ev=$(sess_find ev '.method == "net/event" and .params.decision == "allow" and .params.state == "open"')
	[[ -n "$ev" ]] || fail "no allow net/event when the connection opened: $(head -c 800 "$TD/ev.out")"
	assert_eq "localhost $NET_HTTP_PORT http GET allowed 127.0.0.1" \
		"$(jqv "$ev" '[.params.host, .params.port, .params.protocol, .params.method, .params.reason, .params.address] | join(" ")')" "the allow event"
	# Its end, with the bytes: the worker sends it before anything about the
	# second curl, whose refusal below arrived before exec/exited.
	ev=$(sess_find ev '.method == "net/event" and .params.decision == "allow" and .params.state == "closed"')
	[[ "$(jqv "$ev" '.params.bytes_in')" -gt 0 && "$(jqv "$ev" '.params.bytes_out')" -gt 0 ]] ||
		fail "no byte counts when the connection ended: $ev"
	ev=$(sess_find ev '.method == "net/event" and .params.decision == "deny"')
	assert_eq "nope.test 80 not_allowed closed" "$(jqv "$ev" '[.params.host, .params.port, .params.reason, .params.state] | join(" ")')" "the deny event"
	sess_close ev
}

test_net_check()
{
	local out
	_shared_proxy
	out=$(ctl cxt-viewer --json net check api.example.com:443 --allow-domain '**.example.com' --deny-domain secret.example.com)
	assert_eq "allow allowed https **.example.com true" \
		"$(jqv "$out" '[.decision, .reason, .protocol, .matched, .addresses_checked] | join(" ")')" "an allowed name"
	out=$(ctl cxt-viewer --json net check secret.example.com --allow-domain '**.example.com' --deny-domain secret.example.com)
	assert_eq "deny denied blocked-by-denylist 80" "$(jqv "$out" '[.decision, .reason, .http_error, .port] | join(" ")')" "a denied name"
	out=$(ctl cxt-viewer --json net check '[::ffff:10.0.0.1]:22' --protocol socks5_tcp --allow-domain '*')
	assert_eq "deny not_allowed_local 2" "$(jqv "$out" '[.decision, .reason, .socks_reply] | join(" ")')" "a mapped private address"
	out=$(ctl cxt-viewer --json net check unknown.test)
	assert_eq "prompt not_allowed blocked-by-allowlist" "$(jqv "$out" '[.decision, .reason, .http_error] | join(" ")')" "an allowlist miss"
	out=$(ctl cxt-viewer net check localhost:8080 --allow-domain localhost)
	assert_match "decision: allow" "$out" "text output"
	out=$(ctl cxt-viewer net check 'bad host' 2>&1)
	assert_rc 1 $? "an invalid host"
	assert_match "params.host" "$out" "its message"
	out=$(ctl cxt-viewer net check x.test --deny-domain '*' 2>&1)
	assert_rc 1 $? "\"*\" in a deny list"
	out=$(ctl cxt-viewer net check x.test --protocol gopher 2>&1)
	assert_rc 1 $? "an unknown protocol"
	ctl cxt-viewer net 2>/dev/null
	assert_rc 2 $? "usage"
}

test_net_proxy_bad_config_and_requests()
{
	local out
	net_need_tools
	sb_setup nogit
	note "invalid [network] values are refused with file:line"
	write_config "$TD/bad.conf" "$CXT_ROLES_CONF
[network]
denied_domains = [\"*\"]"
	out=$("$CODEXD" --check-config --config "$TD/bad.conf" 2>&1)
	assert_rc 1 $? "check-config of a deny-all denylist"
	assert_match "bad.conf:[0-9]+: denied_domains" "$out" "its message"
	write_config "$TD/bad2.conf" "$CXT_ROLES_CONF
[network]
dns_server = \"dns.example\""
	"$CODEXD" --check-config --config "$TD/bad2.conf" >/dev/null 2>&1
	assert_rc 1 $? "a DNS server that is not an address"
	note "a bad pattern in a request is invalid params"
	out=$(sbx --network proxy --allow-domain 'http://x.test/' -- true 2>&1)
	assert_rc 1 $? "exec with a URL as a pattern"
	assert_match "allow_domains" "$out" "its message"
	note "[network] enabled = false refuses proxied network"
	net_daemon off '[network]
enabled = false' || true
	out=$(sbx --network proxy --allow-domain localhost -- true 2>&1)
	assert_rc 126 $? "proxy turned off"
	assert_match "enabled = false" "$out" "its message"
}

test_net_proxy_approval_on_miss()
{
	local req id out ev
	net_need_tools
	sb_setup nogit
	net_http
	net_dns 'app.test A 127.0.0.1'
	net_daemon approve '[network]
allow_local_binding = true'
	note "an allowlist miss asks the client, with the network context; approve lets it through"
	sess_open ap cxt-member "$SB_SOCK"
	sess_send ap "$(rpc_line 1 hello '{"client":"t","version":"1","can_approve":true}')"
	sess_send ap "$(rpc_line 2 exec/start "$(printf '{"argv":["curl","-sS","-m","20","http://app.test:%s/approved"],"cwd":"%s","network":"proxy","approval_policy":"on-request","stdin":false}' "$NET_HTTP_PORT" "$WS")")"
	req=$(sess_wait ap '.method == "approval/request" and .params.network != null' 15) ||
		fail "no approval/request with network context: $(head -c 800 "$TD/ap.out")"
	assert_eq "app.test $NET_HTTP_PORT http" \
		"$(jqv "$req" '[.params.network.host, .params.network.port, .params.network.protocol] | join(" ")')" \
		"the network member"
	assert_match "not on the allow list" "$(jqv "$req" '.params.reason')" "the reason"
	id=$(jqv "$req" '.id')
	sess_send ap "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"approve"}}' "$id")"
	out=$(sess_wait ap '.method == "exec/output"' 15) || fail "no output: $(head -c 800 "$TD/ap.out")"
	sess_wait ap '.method == "exec/exited"' 15 >/dev/null || fail "no exec/exited"
	assert_eq "GET /approved 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
	# The "open" event comes while curl runs; the "closed" one may follow exec/exited.
	ev=$(sess_wait ap '.method == "net/event"' 10)
	assert_eq "allow approved" "$(jqv "$ev" '[.params.decision, .params.reason] | join(" ")')" "the event"
	sess_close ap
	note "deny refuses with 403 blocked-by-allowlist"
	sess_open ap2 cxt-member "$SB_SOCK"
	sess_send ap2 "$(rpc_line 1 hello '{"client":"t","version":"1","can_approve":true}')"
	sess_send ap2 "$(rpc_line 2 exec/start "$(printf '{"argv":["curl","-sS","-i","-m","20","http://app.test:%s/denied"],"cwd":"%s","network":"proxy","approval_policy":"on-request","stdin":false}' "$NET_HTTP_PORT" "$WS")")"
	req=$(sess_wait ap2 '.method == "approval/request" and .params.network != null' 15) ||
		fail "no second approval/request: $(head -c 800 "$TD/ap2.out")"
	sess_send ap2 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"deny"}}' "$(jqv "$req" '.id')")"
	sess_wait ap2 '.method == "exec/exited"' 15 >/dev/null || fail "no exec/exited after deny"
	out=$(jq -r -R 'fromjson? | select(.method == "exec/output") | .params.data' "$TD/ap2.out" |
		while read -r chunk; do printf '%s' "$chunk" | base64 -d; done)
	assert_match "x-codexd-error: blocked-by-allowlist" "$out" "the refusal after deny"
	assert_eq 1 "$(conns "$NET_HTTP_LOG")" "requests that reached the server"
	sess_close ap2
	note "approve_always saves a network_rule() in the user's own rules; the next run does not ask"
	local rules had=0
	rules=$M_HOME/.codex/rules/default.rules
	[[ -f "$rules" ]] && had=1 && cp -p "$rules" "$TD/default.rules.saved"
	sess_open ap3 cxt-member "$SB_SOCK"
	sess_send ap3 "$(rpc_line 1 hello '{"client":"t","version":"1","can_approve":true}')"
	sess_send ap3 "$(rpc_line 2 exec/start "$(printf '{"argv":["curl","-sS","-m","20","http://app.test:%s/always"],"cwd":"%s","network":"proxy","approval_policy":"on-request","stdin":false}' "$NET_HTTP_PORT" "$WS")")"
	req=$(sess_wait ap3 '.method == "approval/request" and .params.network != null' 15) ||
		fail "no third approval/request: $(head -c 800 "$TD/ap3.out")"
	assert_match '^network_rule\(host="app.test", protocol="http", decision="allow"' 		"$(jqv "$req" '.params.proposed_network_rule')" "the proposed rule"
	assert_eq true "$(jqv "$req" '.params.available_decisions | index("approve_always") != null')" 		"approve_always offered"
	sess_send ap3 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"approve_always"}}' "$(jqv "$req" '.id')")"
	sess_wait ap3 '.method == "exec/exited"' 15 >/dev/null || fail "no exec/exited after approve_always"
	sess_close ap3
	wait_until 10 grep -q 'network_rule(host="app.test"' "$rules" || fail "the rule was not saved in $rules"
	assert_eq "cxt-member" "$(stat -c %U "$rules")" "owner of $rules"
	out=$(SB_SOCK=$SB_SOCK sbx --no-prompt --network proxy -- curl -sS -m 20 "http://app.test:$NET_HTTP_PORT/ruled")
	assert_eq "hello-from-host GET /ruled" "$out" "a later run under the saved rule"
	if ((had)); then cp -p "$TD/default.rules.saved" "$rules"; else rm -f "$rules"; fi
}
