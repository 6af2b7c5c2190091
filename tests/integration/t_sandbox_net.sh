# shellcheck shell=bash
# The sandbox's network (SECURITY.md, "network without permission";
# CODEX-MODEL.md §2.5, §2.9): with the default network "off" (a fresh
# network namespace, seccomp allowing only AF_UNIX sockets) no TCP, UDP,
# DNS, IPv6, raw, packet or netlink traffic leaves the sandbox; with
# [sandbox_workspace_write] network_access = true the host's network is
# reachable, which proves the tests can see a connection when there is one.
# Every refused attempt is also checked on the listener (nothing arrived).
#
# The sh -c scripts expand their own variables (inside the sandbox):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

# The host's first global IPv4 address (another interface than loopback), or nothing.
_host_ipv4()
{
	ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }'
}

_host_ipv6()
{
	ip -6 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }'
}

test_sandbox_net_off_tcp()
{
	local out p hostip want
	sb_setup nogit
	sb_listen tcp4 0.0.0.0:0 "$M_USER"
	p=$LISTEN_PORT
	hostip=$(_host_ipv4)
	# From the host, as the same user: the listener answers and counts.
	out=$(as_m "$CXPROBE" "tcp=127.0.0.1:$p" ${hostip:+"tcp=$hostip:$p"})
	want=1
	[[ -n "$hostip" ]] && want=2
	assert_eq "$want" "$(grep -c '^tcp: ok connected$' <<<"$out")" \
		"host: TCP to 127.0.0.1:$p${hostip:+ and $hostip:$p} ($(tr '\n' ' ' <<<"$out"))"
	wait_until 5 conns_are "$want" "$LISTEN_LOG" ||
		fail "the listener counted $(conns "$LISTEN_LOG") of the host's $want connections"
	out=$(sbx -- sh -c "$SB_T"'
		t curl curl -sS --max-time 3 "http://127.0.0.1:$1/"
		t wget wget -q -T 3 -t 1 -O - "http://127.0.0.1:$1/"
		t nc sh -c "nc -w 3 127.0.0.1 $1 </dev/null | grep -q hello"
		t bash_dev_tcp bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"
		t python python3 -c "import socket, sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 3)" "$1"
		t host_ip bash -c "exec 3<>/dev/tcp/${2:-192.0.2.1}/$1"
		t curl_host_ip curl -sS --max-time 3 "http://${2:-192.0.2.1}:$1/"
		"$3" "tcp=127.0.0.1:$1" "tcp=${2:-192.0.2.1}:$1" socket_inet' sh "$p" "$hostip" "$CXPROBE")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 7 "TCP from a sandbox without network"
	assert_eq "tcp: EPERM
tcp: EPERM" "$(grep '^tcp: ' <<<"$out")" "cxprobe tcp to loopback and the host's address"
	assert_probe "$out" socket_inet EPERM "socket(AF_INET, SOCK_STREAM)"
	# read-only mode too (Codex's sandbox_blocks_* run read-only).
	out=$(sbx -s read-only -- "$CXPROBE" "tcp=127.0.0.1:$p")
	assert_probe "$out" tcp EPERM "cxprobe tcp in read-only mode"
	sleep 0.5
	assert_eq "$want" "$(conns "$LISTEN_LOG")" "connections the listener saw after the sandbox's attempts"
}

test_sandbox_net_off_udp_dns()
{
	local out p ns name=cxt-dns-probe.example.com
	sb_setup nogit
	sb_listen udp4 127.0.0.1:0 "$M_USER"
	p=$LISTEN_PORT
	out=$(as_m "$CXPROBE" "udp=127.0.0.1:$p")
	assert_probe "$out" udp 'ok sent' "host: UDP to 127.0.0.1:$p"
	wait_until 5 conns_are 1 "$LISTEN_LOG" || fail "the listener did not count the host's datagram"
	ns=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null)
	if timeout 5 getent hosts example.com >/dev/null 2>&1; then
		note "the host resolves example.com"
	else
		note "the host has no working DNS: only the resolver's socket is checked"
	fi
	out=$(sbx -- sh -c "$SB_T"'
		t python_udp python3 -c "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"127.0.0.1\", int(sys.argv[1])))" "$1"
		t nc_udp sh -c "echo x | nc -u -w 1 127.0.0.1 $1"
		t getent getent hosts "$2"
		t getent_ahosts getent ahosts example.com
		t getaddrinfo python3 -c "import socket; socket.getaddrinfo(\"example.com\", 80)"
		"$3" "udp=127.0.0.1:$1" "udp=${4:-127.0.0.53}:53" socket_inet_udp' sh "$p" "$name" "$CXPROBE" "$ns")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 5 "UDP and DNS from a sandbox without network"
	assert_eq "udp: EPERM
udp: EPERM" "$(grep '^udp: ' <<<"$out")" "cxprobe udp to the listener and the resolver"
	assert_probe "$out" socket_inet_udp EPERM "socket(AF_INET, SOCK_DGRAM)"
	sleep 0.5
	assert_eq 1 "$(conns "$LISTEN_LOG")" "datagrams the listener got after the sandbox's attempts"
}

test_sandbox_net_off_ipv6()
{
	local out p v6
	grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null || skip "the host has no IPv6 loopback (::1)"
	sb_setup nogit
	sb_listen tcp6 '[::]:0' "$M_USER"
	p=$LISTEN_PORT
	v6=$(_host_ipv6)
	out=$(as_m "$CXPROBE" "tcp=[::1]:$p")
	assert_probe "$out" tcp 'ok connected' "host: TCP to [::1]:$p"
	wait_until 5 conns_are 1 "$LISTEN_LOG" || fail "the listener did not count the host's connection"
	out=$(sbx -- sh -c "$SB_T"'
		t curl curl -g -sS --max-time 3 "http://[::1]:$1/"
		t bash_dev_tcp bash -c "exec 3<>/dev/tcp/::1/$1"
		t python python3 -c "import socket, sys; socket.create_connection((\"::1\", int(sys.argv[1])), 3)" "$1"
		"$2" "tcp=[::1]:$1" "tcp=[${3:-fd00::1}]:$1" socket_inet6' sh "$p" "$CXPROBE" "$v6")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 3 "IPv6 from a sandbox without network"
	assert_eq "tcp: EPERM
tcp: EPERM" "$(grep '^tcp: ' <<<"$out")" "cxprobe tcp to ::1 and a global IPv6 address"
	assert_probe "$out" socket_inet6 EPERM "socket(AF_INET6)"
	sleep 0.5
	assert_eq 1 "$(conns "$LISTEN_LOG")" "connections the listener saw after the sandbox's attempts"
}

test_sandbox_net_off_raw_netlink()
{
	local out n
	sb_setup nogit
	# The user can use netlink on the host: ip and the probe would show a leak.
	as_m ip link show lo >/dev/null || fail "ip link does not work for cxt-member on the host"
	out=$(as_m "$CXPROBE" socket_netlink)
	assert_probe "$out" socket_netlink ok "host: socket(AF_NETLINK)"
	out=$(sbx -- sh -c "$SB_T"'
		t ip_link ip link
		t ip_addr ip addr
		t ip_route ip route
		t ping sh -c "command -v ping >/dev/null || exit 99; ping -c 1 -W 2 127.0.0.1"
		"$1" socket_raw socket_packet socket_icmp socket_netlink socket_vsock socket_alg \
			socket_highbits socketpair_inet socket_unix' sh "$CXPROBE")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 4 "ip and ping without network"
	grep -qx 'ping rc=99' <<<"$out" && note "ping is not installed: only the probes cover ICMP"
	for n in socket_raw socket_packet socket_icmp socket_netlink socket_vsock socket_alg \
		socket_highbits socketpair_inet; do
		assert_probe "$out" "$n" EPERM "$n without network"
	done
	assert_probe "$out" socket_unix ok "socket(AF_UNIX) stays allowed"
}

test_sandbox_net_full_reaches_host()
{
	local out p line
	sb_setup nogit
	sb_daemon netfull '[sandbox_workspace_write]
network_access = true'
	sb_listen tcp4 127.0.0.1:0 "$M_USER"
	p=$LISTEN_PORT
	out=$(sbx -- sh -c "$SB_T"'
		t curl sh -c "curl -sS --max-time 5 \"http://127.0.0.1:$1/\" | grep -qx hello"
		t wget sh -c "wget -q -T 5 -t 1 -O - \"http://127.0.0.1:$1/\" | grep -qx hello"
		t bash_dev_tcp bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"
		"$2" "tcp=127.0.0.1:$1"' sh "$p" "$CXPROBE")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" curl 0 "curl to a host listener with network_access"
	assert_rc_line "$out" wget 0 "wget to a host listener with network_access"
	assert_rc_line "$out" bash_dev_tcp 0 "/dev/tcp to a host listener with network_access"
	assert_probe "$out" tcp 'ok connected' "cxprobe tcp with network_access"
	wait_until 5 conns_are 4 "$LISTEN_LOG" ||
		fail "the listener saw $(conns "$LISTEN_LOG") connections, expected 4"
	SB_CTL=(--json)
	line=$(sbx -n -- true | head -1)
	SB_CTL=()
	assert_eq full "$(jqv "$line" .network)" "network mode reported by exec/start"
	# Only workspace-write gets it: read-only stays off and full is refused.
	out=$(sbx -s read-only -- "$CXPROBE" "tcp=127.0.0.1:$p")
	assert_probe "$out" tcp EPERM "read-only mode on a daemon with network_access"
	out=$(sbx -s read-only --network full -- true 2>&1)
	assert_rc 126 $? "read-only with --network full (refused)"
	assert_match "full network access inside a read-only sandbox is not allowed" "$out" "message"
}

test_sandbox_net_full_needs_config()
{
	local out
	sb_setup nogit
	out=$(sbx --network full -- touch ran 2>&1)
	assert_rc 126 $? "--network full without [sandbox_workspace_write] network_access (refused)"
	[[ ! -e "$WS/ran" ]] || fail "the refused command ran"
	assert_match "network_access" "$out" "message names the setting"
	SB_CTL=(--json)
	out=$(sbx -n -- true | head -1)
	SB_CTL=()
	assert_eq off "$(jqv "$out" .network)" "default network mode"
}

# Every sandbox without network has a network namespace of its own: new
# (only an unconfigured loopback device), never the host's, never one
# another sandbox has, whether PID 1 made it or entered one the spawner
# prepared ahead of demand (daemon/spawner.c).  Namespace inode numbers are
# recycled once a namespace is gone, so only sandboxes alive at the same
# time are compared: eight at once, more than the spawner keeps ready.
test_sandbox_net_namespace_fresh()
{
	local host ns all=() out i pids=()
	sb_setup nogit
	host=$(readlink /proc/self/ns/net)
	for i in 1 2 3; do
		out=$(sbx -- sh -c 'readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "') ||
			fail "exec $i: $out"
		ns=$(head -1 <<<"$out")
		[[ "$ns" == net:* && "$ns" != "$host" ]] || fail "exec $i: network namespace '$ns' (host $host)"
		assert_eq lo "$(tail -n +2 <<<"$out" | tr '\n' ' ' | sed 's/ $//')" "exec $i: its devices"
	done
	: >"$WS/go"
	for i in 1 2 3 4 5 6 7 8; do
		# Each reports, then stays until all have reported.
		sbx -- sh -c 'readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | wc -l; while [ ! -s "$1" ]; do sleep 0.1; done' \
			sh "$WS/go" >"$TD/c$i" 2>&1 &
		pids+=($!)
	done
	wait_until 20 eval '(($(cat "$TD"/c[1-8] 2>/dev/null | grep -c "^net:") == 8))' ||
		fail "not all 8 sandboxes reported: $(cat "$TD"/c[1-8] | tr '\n' ' ')"
	echo go >"$WS/go"
	for i in "${pids[@]}"; do
		wait "$i" || fail "a concurrent exec failed"
	done
	for i in 1 2 3 4 5 6 7 8; do
		ns=$(head -1 "$TD/c$i")
		[[ "$ns" != "$host" ]] || fail "sandbox $i is in the host's network namespace"
		assert_eq 1 "$(sed -n 2p "$TD/c$i")" "sandbox $i: devices (lo only)"
		all+=("$ns")
	done
	note "${all[*]}"
	assert_eq 8 "$(printf '%s\n' "${all[@]}" | sort -u | wc -l)" "distinct namespaces of 8 sandboxes alive at once"
}
