# shellcheck shell=bash
# Network grants of a session (issue 6 §4, issue 5 §4): an allowlist miss
# approved "for the session" stays allowed for the later proxied execs of
# that session (and only those), the network_domains of session/create
# are the session's allowed domains, and `codexctl net check` explains the
# decision with the caller's own configuration.  Every destination is a
# server these tests start on 127.0.0.1.

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"
# shellcheck source-path=SCRIPTDIR source=net_lib.sh
. "$CXT_SRC/net_lib.sh"

# _ng_exec NAME ID PATH [SESSION [HOST]]: exec/start curl http://HOST:PORT/PATH (default
# host app.test) on connection NAME.
_ng_exec()
{
	local sess=""
	[[ -n "${4:-}" ]] && sess=$(printf ',"session":"%s"' "$4")
	sess_send "$1" "$(rpc_line "$2" exec/start "$(printf '{"argv":["curl","-sS","-i","-m","20","http://%s:%s/%s"],"cwd":"%s","network":"proxy","approval_policy":"on-request","stdin":false%s}' "${5:-app.test}" "$NET_HTTP_PORT" "$3" "$WS" "$sess")")"
}

# _ng_output NAME: everything the execs of session NAME printed.
_ng_output()
{
	jq -r -R 'fromjson? | select(.method == "exec/output") | .params.data' "$TD/$1.out" |
		while read -r chunk; do printf '%s' "$chunk" | base64 -d; done
}

# _ng_exited NAME N: at least N exec/exited on session NAME.
_ng_exited()
{
	(($(jq -R -c 'fromjson? | select(.method == "exec/exited")' "$TD/$1.out" | wc -l) >= $2))
}

_ng_hello()
{
	sess_open "$1" cxt-member "$SB_SOCK"
	sess_send "$1" "$(rpc_line 1 hello '{"client":"t","version":"1","can_approve":true}')"
}

test_net_grants_session()
{
	local req out n s1 s2
	net_need_tools
	sb_setup nogit
	net_http
	net_dns 'app.test A 127.0.0.1
other.test A 127.0.0.1'
	net_daemon grants '[network]
allow_local_binding = true'
	s1="ng-$RANDOM-a"
	s2="ng-$RANDOM-b"

	note "approve_for_session of a miss, in session $s1"
	_ng_hello g1
	_ng_exec g1 2 first "$s1"
	req=$(sess_wait g1 '.method == "approval/request" and .params.network != null' 15) ||
		fail "no approval/request with network context: $(head -c 800 "$TD/g1.out")"
	assert_eq true "$(jqv "$req" '.params.available_decisions | index("approve_for_session") != null')" \
		"approve_for_session offered"
	sess_send g1 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"approve_for_session"}}' "$(jqv "$req" '.id')")"
	sess_wait g1 '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited: $(head -c 800 "$TD/g1.out")"
	assert_match "hello-from-host GET /first" "$(_ng_output g1)" "the approved request"
	sess_close g1

	note "a later exec of the same session, on another connection, is not asked"
	_ng_hello g2
	_ng_exec g2 2 second "$s1"
	sess_wait g2 '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited: $(head -c 800 "$TD/g2.out")"
	assert_eq "" "$(sess_find g2 '.method == "approval/request"')" "an approval/request in the granted session"
	assert_match "hello-from-host GET /second" "$(_ng_output g2)" "the granted request"
	note "the grant is for that host only: another name still asks"
	_ng_exec g2 3 third-other "$s1" other.test
	req=$(sess_wait g2 '.method == "approval/request" and .params.network != null' 15) ||
		fail "another host was not asked about: $(head -c 800 "$TD/g2.out")"
	sess_send g2 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"deny"}}' "$(jqv "$req" '.id')")"
	sess_close g2

	note "another session is asked again; deny refuses"
	_ng_hello g3
	_ng_exec g3 2 elsewhere "$s2"
	req=$(sess_wait g3 '.method == "approval/request" and .params.network != null' 15) ||
		fail "no approval/request in another session: $(head -c 800 "$TD/g3.out")"
	sess_send g3 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"deny"}}' "$(jqv "$req" '.id')")"
	sess_wait g3 '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited after deny"
	assert_match "x-codexd-error: blocked-by-allowlist" "$(_ng_output g3)" "the refusal in another session"
	sess_close g3

	note "without a session the grant lasts as long as the connection"
	_ng_hello g4
	_ng_exec g4 2 conn-first
	req=$(sess_wait g4 '.method == "approval/request" and .params.network != null' 15) ||
		fail "no approval/request without a session: $(head -c 800 "$TD/g4.out")"
	sess_send g4 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"approve_for_session"}}' "$(jqv "$req" '.id')")"
	sess_wait g4 '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited: $(head -c 800 "$TD/g4.out")"
	_ng_exec g4 3 conn-second
	wait_until 20 _ng_exited g4 2 ||
		fail "the second exec did not end: $(tail -c 800 "$TD/g4.out")"
	n=$(jq -R -c 'fromjson? | select(.method == "approval/request")' "$TD/g4.out" | wc -l)
	assert_eq 1 "$n" "approval requests on the granting connection"
	out=$(_ng_output g4)
	assert_match "GET /conn-first" "$out" "first request"
	assert_match "GET /conn-second" "$out" "second request, granted"
	sess_close g4
	_ng_hello g5
	_ng_exec g5 2 conn-new
	req=$(sess_wait g5 '.method == "approval/request" and .params.network != null' 15) ||
		fail "a new connection was not asked: $(head -c 800 "$TD/g5.out")"
	sess_send g5 "$(printf '{"jsonrpc":"2.0","id":"%s","result":{"decision":"deny"}}' "$(jqv "$req" '.id')")"
	sess_wait g5 '.method == "exec/exited"' 20 >/dev/null || fail "no exec/exited after deny"
	sess_close g5
	assert_eq "GET /first 0
GET /second 0
GET /conn-first 0
GET /conn-second 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
}

test_net_grants_session_domains()
{
	local id out
	net_need_tools
	sb_setup nogit
	net_http
	net_dns 'app.test A 127.0.0.1
other.test A 127.0.0.1'
	net_daemon sdom '[network]
allow_local_binding = true
prompt_on_miss = false'
	note "session/create network_domains are the session's allowed domains"
	id=$(as_m "$CODEXCTL" --socket "$SB_SOCK" sessions create -C "$WS" --allow-domain app.test) ||
		fail "sessions create: $id"
	out=$(sbx --session "$id" --network proxy -- curl -sS -m 20 "http://app.test:$NET_HTTP_PORT/sdom")
	assert_eq "hello-from-host GET /sdom" "$out" "a session domain"
	out=$(sbx --session "$id" --network proxy -- curl -sS -i -m 20 "http://other.test:$NET_HTTP_PORT/x")
	assert_match "x-codexd-error: blocked-by-allowlist" "$out" "a domain the session does not have"
	out=$(sbx --network proxy -- curl -sS -i -m 20 "http://app.test:$NET_HTTP_PORT/nosess")
	assert_match "x-codexd-error: blocked-by-allowlist" "$out" "the session's domain outside it"
	assert_eq "GET /sdom 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
	note "the managed allowlist clamps them"
	net_daemon sdom2 '[network]
allow_local_binding = true
prompt_on_miss = false
allowed_domains = ["other.test"]'
	id=$(as_m "$CODEXCTL" --socket "$SB_SOCK" sessions create -C "$WS" --allow-domain app.test) ||
		fail "sessions create: $id"
	out=$(sbx --session "$id" --network proxy -- curl -sS -i -m 20 "http://app.test:$NET_HTTP_PORT/clamped" 2>&1)
	assert_match "x-codexd-error: blocked-by-allowlist" "$out" "a session domain outside the managed allowlist"
	assert_eq "GET /sdom 0" "$(cat "$NET_HTTP_LOG")" "what the server saw"
}

# _ng_user_config TEXT [RULES]: cxt-member's ~/.codex/config.toml and
# rules/default.rules (removed after the test).
_ng_user_config()
{
	local codex=$M_HOME/.codex
	SB_CLEAN+=("$codex")
	install -d -o "$M_USER" -g "$M_USER" -m 0700 "$codex" "$codex/rules"
	printf '%s\n' "$1" >"$codex/config.toml"
	rm -f "$codex/rules/default.rules"
	[[ -n "${2:-}" ]] && printf '%s\n' "$2" >"$codex/rules/default.rules"
	chown -R "$M_USER:" "$codex"
}

# _ng_check USER ARGS...: codexctl --json net check on the test daemon.
_ng_check()
{
	local u=$1
	shift
	ctl "$u" --socket "$SB_SOCK" --json net check "$@"
}

test_net_grants_check_user_layers()
{
	local out id
	sb_setup nogit
	sb_daemon ncheck '[network]
prompt_on_miss = false'
	_ng_user_config '[network]
allowed_domains = ["mine.test", "**.pkg.test"]
denied_domains = ["bad.mine.test"]' 'network_rule(host="ruled.test", protocol="https", decision="allow")'
	note "the caller's own config.toml allow list"
	out=$(_ng_check cxt-member mine.test:443)
	assert_eq "allow mine.test" "$(jqv "$out" '[.decision, .matched] | join(" ")')" "a domain of the user's allow list"
	assert_eq "$M_HOME/.codex/config.toml" "$(jqv "$out" '.layers.user_config')" "the file read"
	out=$(_ng_check cxt-member a.b.pkg.test)
	assert_eq "allow" "$(jqv "$out" '.decision')" "a subdomain of a **. pattern"
	out=$(_ng_check cxt-member other.test)
	assert_eq "deny not_allowed" "$(jqv "$out" '[.decision, .reason] | join(" ")')" "a domain on no list"
	note "the caller's deny list wins"
	out=$(_ng_check cxt-member bad.mine.test --allow-domain bad.mine.test)
	assert_eq "deny denied" "$(jqv "$out" '[.decision, .reason] | join(" ")')" "a domain the user denies"
	note "the caller's network_rule()s"
	out=$(_ng_check cxt-member ruled.test:443)
	assert_eq "allow" "$(jqv "$out" '.decision')" "a network_rule() for https"
	assert_eq 1 "$(jqv "$out" '.layers.user_rules')" "rules files read"
	out=$(_ng_check cxt-member ruled.test:80 --protocol http)
	assert_eq "deny" "$(jqv "$out" '.decision')" "the rule is for https only"
	note "another user's check does not see cxt-member's files"
	out=$(_ng_check cxt-viewer mine.test:443)
	assert_eq "deny" "$(jqv "$out" '.decision')" "the viewer's own (empty) configuration"
	note "the text form names the file"
	out=$(ctl cxt-member --socket "$SB_SOCK" net check mine.test)
	assert_match "decision: allow" "$out" "text decision"
	assert_match "your configuration: $M_HOME/.codex/config.toml" "$out" "text names the file"
	note "a session's network_domains"
	id=$(ctl cxt-member --socket "$SB_SOCK" sessions create -C "$WS" --allow-domain sess.test) ||
		fail "sessions create: $id"
	out=$(_ng_check cxt-member sess.test --session "$id")
	assert_eq "allow" "$(jqv "$out" '.decision')" "a domain of the session"
	out=$(_ng_check cxt-member sess.test)
	assert_eq "deny" "$(jqv "$out" '.decision')" "the same without the session"
	note "a broken user file fails closed, with file:line"
	_ng_user_config '[network]
allowed_domains = "mine.test'
	out=$(ctl cxt-member --socket "$SB_SOCK" net check mine.test 2>&1)
	assert_rc 1 $? "net check with a broken config.toml"
	assert_match "config.toml:2" "$out" "the message names the line"
	_ng_user_config '[network]
allowed_domains = ["http://x/"]'
	out=$(ctl cxt-member --socket "$SB_SOCK" net check mine.test 2>&1)
	assert_rc 1 $? "net check with a bad pattern in config.toml"
	assert_match "config.toml:2" "$out" "the message names the line"
	note "the managed allowlist clamps the user's"
	sb_daemon ncheck2 '[network]
prompt_on_miss = false
allowed_domains = ["**.corp.test"]'
	_ng_user_config '[network]
allowed_domains = ["mine.test", "api.corp.test"]'
	out=$(_ng_check cxt-member mine.test)
	assert_eq "deny" "$(jqv "$out" '.decision')" "a user domain outside the managed allowlist"
	assert_match "outside the managed" "$(jqv "$out" '.warnings | join(" ")')" "its warning"
	out=$(_ng_check cxt-member api.corp.test)
	assert_eq "allow" "$(jqv "$out" '.decision')" "a user domain inside it"
	note "with [requirements] user_layers = false the user's files are not read"
	sb_daemon ncheck3 '[requirements]
user_layers = false
[network]
prompt_on_miss = false'
	_ng_user_config '[network]
allowed_domains = ["mine.test"]'
	out=$(_ng_check cxt-member mine.test)
	assert_eq "deny null" "$(jqv "$out" '[.decision, (.layers.user_config | tostring)] | join(" ")')" "no file read"
}
