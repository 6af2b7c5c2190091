# shellcheck shell=bash
# codexctl mcp and the Node clients, against a private daemon with a
# "prompt" rule and a "forbidden" rule:
#   - the official MCP TypeScript SDK client (npm, tests/node/) drives
#     codexctl mcp: handshake, tools/list, ls in a workspace-write sandbox,
#     approvals through elicitation and through codexctl approvals,
#     refusals, cancellation (tests/node/mcp_sdk.test.mjs)
#   - hostile input on codexctl mcp's standard input gets JSON-RPC errors
#   - the Node module client/node/ against the real daemon
#     (client/node/test/*.test.js)
#   - vscode-jsonrpc completes hello over Content-Length framing
#     (tests/node/vscode_jsonrpc.test.mjs)
# npm packages are installed by tests/node/setup into build/npm; a test
# that needs them is skipped, with the reason, only when npm cannot reach
# its registry.

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

MCP_TOK=cxtmcp${RANDOM}x$$
MCP_FORBID=cxtforbid${RANDOM}x$$
MCP_TOP=$(cd "$CXT_SRC/../.." && pwd)
MCP_NPM=$MCP_TOP/build/npm

# _mcp_daemon: a private daemon whose rules ask before `echo MCP_TOK` and
# forbid `touch MCP_FORBID`.
_mcp_daemon()
{
	local dir=$TD/d-mcp
	mkdir -p "$dir/rules.d"
	chmod 0755 "$dir" "$dir/rules.d"
	write_config "$dir/rules.d/cxt.rules" "prefix_rule(pattern=[\"echo\", \"$MCP_TOK\"], decision=\"prompt\", justification=\"echo $MCP_TOK needs review\")
prefix_rule(pattern=[\"touch\", \"$MCP_FORBID\"], decision=\"forbidden\", justification=\"never touch $MCP_FORBID\")"
	start_daemon mcp "approval_policy = \"on-request\"
$CXT_ROLES_CONF"
}

# _mcp_npm: the npm packages, or skip when the registry is unreachable.
_mcp_npm()
{
	local out rc
	command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
	out=$("$MCP_TOP/tests/node/setup" "$MCP_NPM" 2>&1)
	rc=$?
	((rc == 77)) && skip "${out#SKIP: }"
	((rc == 0)) || fail "tests/node/setup failed: $(printf '%s' "$out" | tail -5)"
}

# _mcp_node_test FILE...: node --test as cxt-member on the private daemon;
# fails with the runner's report.
_mcp_node_test()
{
	local rc reporter=()
	# TAP, whose summary lines are read below (the default before Node 20).
	(($(node -p 'process.versions.node.split(".")[0]') >= 20)) && reporter=(--test-reporter=tap)
	ASDIR=$WS as_prefix "$M_USER" "$D_SOCK"
	timeout -k 5 50 "${AS[@]}" CODEXCTL="$CODEXCTL" CXT_NPM="$MCP_NPM" CXT_WS="$WS" \
		CXT_TOK="$MCP_TOK" CXT_FORBID="$MCP_FORBID" \
		node --test "${reporter[@]}" "$@" >"$TD/node.out" 2>&1
	rc=$?
	note "node --test: $(grep -E '^# (tests|pass|fail|skipped)' "$TD/node.out" | tr '\n' ' ')"
	if ((rc != 0)); then
		grep -B2 -A25 -E '^not ok' "$TD/node.out" | head -80 >&2
		fail "node --test $(basename "$1") failed (status $rc): $(grep -E '^not ok' "$TD/node.out" | head -5 | tr '\n' ';')"
	fi
	grep -qE '^# pass [1-9]' "$TD/node.out" || fail "node --test ran no test: $(head -c 600 "$TD/node.out")"
}

test_mcp_sdk_client()
{
	_mcp_npm
	sb_setup nogit
	_mcp_daemon
	_mcp_node_test "$MCP_TOP/tests/node/mcp_sdk.test.mjs"
}

test_vscode_jsonrpc_hello()
{
	_mcp_npm
	sb_setup nogit
	_mcp_daemon
	_mcp_node_test "$MCP_TOP/tests/node/vscode_jsonrpc.test.mjs"
}

test_node_client_module()
{
	command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
	sb_setup nogit
	_mcp_daemon
	_mcp_node_test "$MCP_TOP"/client/node/test/*.test.js
}

test_node_client_types()
{
	local out
	_mcp_npm
	# The declarations describe the module as a TypeScript plugin would use it.
	out=$(cd "$MCP_TOP" && timeout 50 "$MCP_NPM/node_modules/.bin/tsc" --noEmit --strict \
		--target es2022 --module commonjs --types node --typeRoots "$MCP_NPM/node_modules/@types" \
		client/node/test/typecheck.ts 2>&1) || fail "tsc --strict on client/node/test/typecheck.ts: $(printf '%s' "$out" | head -20)"
}

# _mcp_raw LINES...: the lines on codexctl mcp's standard input (as
# cxt-member, on the private daemon); its standard output.
_mcp_raw()
{
	ASDIR=$WS as_prefix "$M_USER" "$D_SOCK"
	printf '%s\n' "$@" | timeout -k 2 20 "${AS[@]}" "$CODEXCTL" mcp 2>"$TD/mcp.err"
}

MCP_INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}'

test_mcp_hostile_input()
{
	local out line
	sb_setup nogit
	_mcp_daemon
	out=$(_mcp_raw \
		'{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
		"$MCP_INIT" \
		"$MCP_INIT" \
		'not json' \
		'[{"jsonrpc":"2.0","id":2,"method":"ping"}]' \
		'{"jsonrpc":"2.0","id":3,"method":"ping","extra":1}' \
		'{"jsonrpc":"1.0","id":4,"method":"ping"}' \
		'{"jsonrpc":"2.0","id":5,"method":"resources/list"}' \
		'{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"run_command","arguments":{"argv":"ls"}}}' \
		'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"run_command","arguments":[]}}' \
		'{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":{}}}' \
		'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"run_command","arguments":{"command":"x","env":{"A=B":"c"}}}}' \
		'{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"run_command","arguments":{"argv":["a\u0000b"]}}}' \
		'{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"net_check","arguments":{"host":"x","port":70000}}}' \
		'{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"run_command","arguments":{"argv":["true"],"cwd":"/nonexistent/dir"}}}' \
		'{"jsonrpc":"2.0","id":13,"method":"initialize","params":{"protocolVersion":5}}' \
		'{"jsonrpc":"2.0","id":-1,"method":"ping"}' \
		'{"jsonrpc":"2.0","id":"a","id":"b","method":"ping"}' \
		'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999}}' \
		'{"jsonrpc":"2.0","id":"cxel-1","result":{"action":"accept"}}' \
		'{"jsonrpc":"2.0","id":14,"method":"ping"}')
	note "replies: $out"
	expect_error "$out" 1 -32600 "tools/list before initialize"
	[[ "$(jsel "$out" 'select(.id == 0 and .result) | .result.protocolVersion')" == '"2025-06-18"' ]] ||
		fail "initialize: $out"
	[[ "$(jsel "$out" 'select(.id == 0 and .error) | .error.message')" == '"already initialized"' ]] ||
		fail "a second initialize is refused: $out"
	[[ $(jsel "$out" 'select(.id == null and .error.code == -32700)' | wc -l) -ge 3 ]] ||
		fail "not JSON, a NUL in a string and a duplicate member are parse errors: $out"
	[[ $(jsel "$out" 'select(.id == null and .error.code == -32600)' | wc -l) -ge 2 ]] ||
		fail "a batch and a negative id are invalid requests: $out"
	expect_error "$out" 3 -32600 "an unknown member"
	expect_error "$out" 4 -32600 "jsonrpc 1.0"
	expect_error "$out" 5 -32601 "an unknown method"
	expect_error "$out" 6 -32602 "argv not an array"
	expect_error "$out" 7 -32602 "arguments not an object"
	expect_error "$out" 8 -32602 "no tool name"
	expect_error "$out" 9 -32602 "an env name with ="
	expect_error "$out" 11 -32602 "a port out of range"
	line=$(jsel "$out" 'select(.id == 12)')
	[[ "$(jqv "$line" '.result.isError')" == true ]] || fail "a missing cwd is a tool error: $line"
	assert_match 'nonexistent' "$(jqv "$line" '.result.content[0].text')" "the tool error names the cwd"
	expect_error "$out" 13 -32600 "initialize again with a bad version"
	[[ -n "$(jsel "$out" 'select(.id == 14 and .result == {})')" ]] ||
		fail "still serving after all that: $out"
	# Nothing on standard output but JSON-RPC messages.
	while IFS= read -r line; do
		[[ "$(jqv "$line" '.jsonrpc')" == 2.0 ]] || fail "not a JSON-RPC message on stdout: $line"
	done <<<"$out"
}

test_mcp_half_close_answers_running_calls()
{
	local out line
	sb_setup nogit
	_mcp_daemon
	# All input at once, then end of input: the call still gets its answer.
	out=$(_mcp_raw "$MCP_INIT" \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_command","arguments":{"command":"sleep 1; echo piped"}}}')
	line=$(jsel "$out" 'select(.id == 1)')
	[[ "$(jqv "$line" '.result.structuredContent.stdout')" == piped ]] ||
		fail "the running call was answered after end of input: $out"
}

test_mcp_daemon_unreachable()
{
	local out line
	ASDIR=/ as_prefix cxt-member "$TD/no-such.sock"
	out=$(printf '%s\n' "$MCP_INIT" \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_command","arguments":{"argv":["true"]}}}' |
		timeout -k 2 20 "${AS[@]}" "$CODEXCTL" mcp 2>"$TD/mcp.err")
	line=$(jsel "$out" 'select(.id == 1)')
	[[ "$(jqv "$line" '.result.isError')" == true ]] || fail "unreachable daemon: $out"
	assert_match 'cannot reach codexd' "$(jqv "$line" '.result.content[0].text')" "the tool error says why"
}
