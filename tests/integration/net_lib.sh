# shellcheck shell=bash
# Helpers of the network proxy tests (t_net_*.sh), sourced after
# sandbox_lib.sh.  Every server here listens on 127.0.0.1 only (the only
# network target the tests may use besides namespaces they create), runs
# as root, and is killed when the test ends (SB_KILL).
#
#   net_http          an HTTP server: NET_HTTP_PORT, NET_HTTP_LOG (one line per request:
#                     "METHOD PATH"); answers "hello-from-host METHOD PATH"
#   net_https         the same over TLS (self-signed for localhost/127.0.0.1):
#                     NET_HTTPS_PORT, NET_CA (the certificate, in SB_ROOT: call
#                     sb_setup first)
#   net_udp_echo      a UDP echo server: NET_UDP_PORT, NET_UDP_LOG
#   net_dns ZONE      tests/integration/net_dns.py on a free port: NET_DNS_PORT,
#                     NET_DNS_LOG ("name TYPE" per question)
#   net_daemon NAME EXTRA   a private daemon whose proxy asks NET_DNS_PORT (if set)

NET_PY_HTTP='
import http.server, socketserver, ssl, sys
port_file, log, tls = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with open(log, "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, len(body)))
        out = ("hello-from-host %s %s\n" % (self.command, self.path)).encode()
        if self.path.startswith("/big/"):
            out = b"x" * int(self.path[5:])
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = handle_any
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
if tls != "-":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls + "/cert.pem", tls + "/key.pem")
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
import os
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
'

NET_PY_UDP='
import socket, sys, os
port_file, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
while True:
    data, peer = s.recvfrom(65535)
    with open(log, "a") as f:
        f.write("%s %d\n" % (peer[0], len(data)))
    s.sendto(b"echo:" + data, peer)
'

_net_start()
{
	# _net_start NAME SCRIPT ARGS...: run SCRIPT as root; its first argument is the port file.
	local name=$1 script=$2 dir=$TD/net-$1
	shift 2
	mkdir -p "$dir"
	chmod 0755 "$dir"
	printf '%s\n' "$script" >"$dir/s.py"
	"$PY" "$dir/s.py" "$dir/port" "$@" >"$dir/err" 2>&1 </dev/null &
	SB_KILL+=("$!")
	wait_until 10 test -s "$dir/port" || fail "the $name server did not start: $(head -c 300 "$dir/err")"
	NET_PORT=$(head -1 "$dir/port")
}

net_http()
{
	NET_HTTP_LOG=$TD/net-http.log
	: >"$NET_HTTP_LOG"
	_net_start http "$NET_PY_HTTP" "$NET_HTTP_LOG" -
	NET_HTTP_PORT=$NET_PORT
}

net_https()
{
	local dir=$TD/net-tls
	mkdir -p "$dir"
	chmod 0755 "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
		-days 2 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 ||
		skip "openssl cannot make a test certificate"
	# Where the sandbox sees it (its /tmp is private): next to the workspace.
	install -m 0644 "$dir/cert.pem" "$SB_ROOT/ca.pem" || fail "cannot copy the test CA"
	NET_CA=$SB_ROOT/ca.pem
	NET_HTTPS_LOG=$TD/net-https.log
	: >"$NET_HTTPS_LOG"
	_net_start https "$NET_PY_HTTP" "$NET_HTTPS_LOG" "$dir"
	NET_HTTPS_PORT=$NET_PORT
}

net_udp_echo()
{
	NET_UDP_LOG=$TD/net-udp.log
	: >"$NET_UDP_LOG"
	_net_start udp "$NET_PY_UDP" "$NET_UDP_LOG"
	NET_UDP_PORT=$NET_PORT
}

net_dns()
{
	local dir=$TD/net-dns
	mkdir -p "$dir"
	printf '%s\n' "$1" >"$dir/zone"
	NET_DNS_LOG=$dir/log
	: >"$NET_DNS_LOG"
	"$PY" "$CXT_SRC/net_dns.py" 127.0.0.1 0 "$dir/zone" "$NET_DNS_LOG" "$dir/ready" \
		>"$dir/err" 2>&1 </dev/null &
	SB_KILL+=("$!")
	wait_until 10 test -s "$dir/ready" || fail "the DNS server did not start: $(head -c 300 "$dir/err")"
	NET_DNS_PORT=$(head -1 "$dir/ready")
}

net_daemon()
{
	local extra=$2
	if [[ -n "${NET_DNS_PORT:-}" ]]; then
		if [[ "$extra" == *"[network]"* ]]; then
			extra=${extra/"[network]"/"[network]
dns_server = \"127.0.0.1:$NET_DNS_PORT\""}
		else
			extra="[network]
dns_server = \"127.0.0.1:$NET_DNS_PORT\"
$extra"
		fi
	fi
	sb_daemon "$1" "$extra"
	wait_until 10 _net_proxy_running "$SB_SOCK" || fail "the proxy worker of daemon $1 is not running: $(tail -5 "$D_LOG")"
}

_net_proxy_running()
{
	local out
	out=$(ctl cxt-admin --socket "$1" --json status 2>/dev/null)
	[[ "$(jqv "$out" '.proxy.state')" == running ]]
}

# The proxy's tools must be there (curl inside the sandbox).
net_need_tools()
{
	command -v curl >/dev/null || skip "curl is not installed (tools/deps installs it)"
	command -v openssl >/dev/null || skip "openssl is not installed"
	getent passwd codexd-proxy >/dev/null || fail "the codexd-proxy user is missing (the runner creates it)"
}
