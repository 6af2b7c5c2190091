# shellcheck shell=bash
# [network] allow_unix_sockets (codexd.conf(5); issue 5 §4 "only listed
# sockets appear in the sandbox"): with the key, the seccomp supervisor
# brokers every connect() to a pathname socket, and only a listed host
# socket or one bound inside the sandbox can be reached: not an unlisted
# one in /var/tmp (outside what the mounts hide), /tmp, /run, /var/run or
# the home directory, not through a symlink, not an abstract socket.  A
# listed socket is reached even where the mounts hide it (/run).  User
# layers narrow the list and cannot add to it.  Each socket is first
# reached from the host (the listener counts), so a refusal inside is the
# sandbox's doing.
#
# shellcheck disable=SC2016 # the sh -c scripts expand their own variables

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

# _ua_listen PATH USER [MODE]: a listener, reached once from the host as cxt-member.
_ua_listen()
{
	local out
	sb_listen unix "$1" "$2" "${3:-}"
	out=$(as_m "$CXPROBE" "connect=$1")
	assert_probe "$out" connect 'ok connected' "host: cxt-member connects to $1"
	wait_until 5 conns_are 1 "$LISTEN_LOG" || fail "the listener on $1 did not count the host's connection"
}

test_unix_allow_list()
{
	local dir=/var/tmp/cxt-ua.$SB_TAG listed unlisted runl runu tmpu homeu abs out
	local log_l log_u log_rl log_ru log_t log_h log_a
	sb_setup nogit
	listed=$dir/listed.sock
	unlisted=$dir/unlisted.sock
	runl=/run/cxt-ua-listed.$SB_TAG.sock
	runu=/run/cxt-ua-unlisted.$SB_TAG.sock
	tmpu=/tmp/cxt-ua.$SB_TAG.sock
	homeu=$M_HOME/cxt-ua.$SB_TAG.sock
	abs=cxt-ua-abs.$SB_TAG
	SB_CLEAN+=("$dir" "$runl" "$runu" "$tmpu" "$homeu")
	install -d -m 0755 -o "$M_USER" -g "$M_USER" "$dir"
	_ua_listen "$listed" "$M_USER"
	log_l=$LISTEN_LOG
	_ua_listen "$unlisted" "$M_USER"
	log_u=$LISTEN_LOG
	_ua_listen "$runl" root 0666
	log_rl=$LISTEN_LOG
	_ua_listen "$runu" root 0666
	log_ru=$LISTEN_LOG
	_ua_listen "$tmpu" "$M_USER"
	log_t=$LISTEN_LOG
	_ua_listen "$homeu" "$M_USER"
	log_h=$LISTEN_LOG
	sb_listen abstract "$abs" "$M_USER"
	log_a=$LISTEN_LOG

	note "without the key a socket outside /tmp and /run is reachable (what the allowlist closes)"
	out=$(sbx -- "$CXPROBE" "connect=$unlisted")
	assert_probe "$out" connect 'ok connected' "the default: $unlisted"
	wait_until 5 conns_are 2 "$log_u" || fail "the default connection was not counted"

	sb_daemon ua "[network]
allow_unix_sockets = [\"$listed\", \"$runl\"]"
	as_m ln -sf "$unlisted" "$WS/to-unlisted" || fail "cannot create the symlink"
	as_m ln -sf "$listed" "$WS/to-listed" || fail "cannot create the symlink"
	out=$(sbx -- "$CXPROBE" "connect=$listed" "connect=$runl" "connect=$WS/to-listed")
	note "inside (listed): $(tr '\n' ' ' <<<"$out")"
	assert_eq 3 "$(grep -c '^connect: ok connected' <<<"$out")" "listed sockets reached: $out"
	wait_until 5 conns_are 3 "$log_l" || fail "the listed socket counted $(conns "$log_l"), expected 3"
	wait_until 5 conns_are 2 "$log_rl" || fail "the listed socket in /run counted $(conns "$log_rl"), expected 2"
	out=$(sbx -- "$CXPROBE" "connect=$unlisted" "connect=$runu" "connect=/var/run/${runu#/run/}" \
		"connect=$tmpu" "connect=$homeu" "connect=$WS/to-unlisted" "connect_abstract=$abs")
	note "inside (unlisted): $(tr '\n' ' ' <<<"$out")"
	assert_eq 7 "$(grep -c '^connect' <<<"$out")" "probes answered"
	assert_eq "" "$(grep -E '^connect(_abstract)?: ok' <<<"$out")" "unlisted sockets reached"
	sleep 0.3
	assert_eq 2 "$(conns "$log_u")" "connections to $unlisted"
	assert_eq 1 "$(conns "$log_ru")" "connections to $runu"
	assert_eq 1 "$(conns "$log_t")" "connections to $tmpu"
	assert_eq 1 "$(conns "$log_h")" "connections to $homeu"
	assert_eq 0 "$(conns "$log_a")" "connections to @$abs"

	note "the sandbox's own sockets still work"
	out=$(sbx -- "$PY" -c '
import os, socket
p = os.path.join(os.getcwd(), "own.sock")
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(p)
a, _ = s.accept(); c.sendall(b"x"); print("own", a.recv(1).decode())
os.unlink(p)' 2>&1)
	assert_line "$out" "own x" "a socket bound inside"

	note "a refused connect is reported as a denial"
	out=$(sbx --log-denials -- "$CXPROBE" "connect=$unlisted" 2>&1)
	assert_match "$unlisted" "$out" "the denial names the socket"

	note "the user's layer narrows the list and cannot add to it"
	SB_CLEAN+=("$M_HOME/.codex")
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$M_HOME/.codex"
	printf '[network]\nallow_unix_sockets = ["%s", "%s"]\n' "$runl" "$unlisted" >"$M_HOME/.codex/config.toml"
	chown "$M_USER:" "$M_HOME/.codex/config.toml"
	out=$(sbx -- "$CXPROBE" "connect=$listed" "connect=$runl" "connect=$unlisted" 2>"$TD/ua.err")
	note "inside (user narrowed): $(tr '\n' ' ' <<<"$out")"
	assert_eq "connect: ok connected" "$(sed -n 2p <<<"$out")" "the socket both lists have"
	assert_eq "" "$(grep -n 'ok connected' <<<"$out" | grep -v '^2:')" "sockets outside the user's list"
	assert_match "not in the managed \[network\] allow_unix_sockets" "$(cat "$TD/ua.err")" "the warning"
	printf '[network]\nallow_unix_sockets = ["relative.sock"]\n' >"$M_HOME/.codex/config.toml"
	out=$(sbx -- true 2>&1)
	assert_rc 126 $? "a bad entry in the user's file"
	assert_match "config.toml:2: \[network\] allow_unix_sockets" "$out" "its message"
	rm -f "$M_HOME/.codex/config.toml"

	note "a bad managed entry is a configuration error"
	write_config "$TD/ua-bad.conf" "$CXT_ROLES_CONF
[network]
allow_unix_sockets = [\"run/x.sock\"]"
	out=$("$CODEXD" --check-config --config "$TD/ua-bad.conf" 2>&1)
	assert_rc 1 $? "check-config with a relative socket path"
	assert_match "allow_unix_sockets" "$out" "its message"
}
