# shellcheck shell=bash
# The wire protocol under hostile input (cxraw as cxt-member): every
# malformed frame gets the right JSON-RPC error and the daemon keeps serving.

# one_error PRINTF_FORMAT ID CODE WHAT: send the frame(s), expect an error
# answer to ID (a JSON value: 1, null ...) with CODE, then a hello on the same
# connection and on a new one.
one_error()
{
	local fmt=$1 id=$2 code=$3 what=$4 out
	# shellcheck disable=SC2059 # the format is the frame, escapes and all
	out=$({
		printf "$fmt"
		printf '{"jsonrpc":"2.0","id":"after","method":"hello"}\n'
	} | raw cxt-member --lines 2)
	expect_error "$out" "$id" "$code" "$what"
	[[ "$(printf '%s\n' "$out" | jq -r 'select(.id == "after") | .result.caller.role' 2>/dev/null)" == member ]] ||
		fail "$what: no hello answer on the same connection afterwards: $out"
	hello_ok cxt-member || fail "$what: hello on a new connection failed"
}

test_proto_truncated_json()
{
	one_error '{"jsonrpc":"2.0","id":1,\n' null -32700 "truncated JSON"
	assert_eq parse_error "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	one_error '{"jsonrpc":"2.0","id":1,"method":"hello"\n' null -32700 "unclosed object"
	one_error 'hello\n' null -32700 "not JSON"
}

test_proto_duplicate_key()
{
	one_error '{"jsonrpc":"2.0","id":1,"method":"hello","method":"hello"}\n' null -32700 \
		"duplicate top-level key"
	one_error '{"jsonrpc":"2.0","id":2,"method":"exec/start","params":{"argv":["true"],"argv":["id"],"cwd":"/"}}\n' \
		null -32700 "duplicate key in params"
}

test_proto_unknown_member()
{
	one_error '{"jsonrpc":"2.0","id":3,"method":"hello","extra":true}\n' 3 -32600 \
		"unknown top-level member"
	assert_eq invalid_request "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	one_error '{"jsonrpc":"1.0","id":4,"method":"hello"}\n' 4 -32600 "jsonrpc 1.0"
	one_error '{"id":5,"method":"hello"}\n' 5 -32600 "no jsonrpc member"
	one_error '{"jsonrpc":"2.0","id":6,"method":"hello","params":[1]}\n' 6 -32600 \
		"params as an array"
	one_error '{"jsonrpc":"2.0","id":-1,"method":"hello"}\n' null -32600 "negative id"
	one_error '{"jsonrpc":"2.0","id":true,"method":"hello"}\n' null -32600 "boolean id"
}

test_proto_unknown_param()
{
	one_error '{"jsonrpc":"2.0","id":7,"method":"exec/start","params":{"argv":["true"],"cwd":"/","bogus_field":1}}\n' \
		7 -32602 "unknown exec/start parameter"
	assert_match bogus_field "$(jqv "$ERR_LINE" .error.message)" "the message names the field"
	assert_eq invalid_params "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	one_error '{"jsonrpc":"2.0","id":8,"method":"hello","params":{"nonsense":1}}\n' 8 -32602 \
		"unknown hello parameter"
	one_error '{"jsonrpc":"2.0","id":9,"method":"exec/start","params":{"cwd":"/"}}\n' 9 -32602 \
		"missing argv"
	assert_match argv "$(jqv "$ERR_LINE" .error.message)" "the message names argv"
	no_procs_of cxt-member -x true || fail "a command ran"
}

test_proto_id_params()
{
	local long
	long=$(printf 'x%.0s' {1..65})
	one_error '{"jsonrpc":"2.0","id":1,"method":"exec/close_stdin","params":{}}\n' 1 -32602 \
		"exec/close_stdin without id"
	assert_match 'params.id' "$(jqv "$ERR_LINE" .error.message)" "the message names the field"
	one_error '{"jsonrpc":"2.0","id":2,"method":"exec/close_stdin","params":{"id":""}}\n' 2 -32602 \
		"exec/close_stdin with an empty id"
	one_error "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"exec/close_stdin\",\"params\":{\"id\":\"$long\"}}\n" \
		3 -32602 "exec/close_stdin with a 65-byte id"
	one_error '{"jsonrpc":"2.0","id":4,"method":"session/show","params":{"id":5}}\n' 4 -32602 \
		"session/show with a number"
	one_error '{"jsonrpc":"2.0","id":5,"method":"session/kill","params":{"id":"s","extra":1}}\n' 5 -32602 \
		"session/kill with an unknown member"
}

test_proto_wrong_type()
{
	one_error '{"jsonrpc":"2.0","id":10,"method":"exec/start","params":{"argv":"true","cwd":"/"}}\n' \
		10 -32602 "argv as a string"
	assert_match argv "$(jqv "$ERR_LINE" .error.message)" "the message names argv"
	one_error '{"jsonrpc":"2.0","id":11,"method":"exec/start","params":{"argv":["true",1],"cwd":"/"}}\n' \
		11 -32602 "a number in argv"
	one_error '{"jsonrpc":"2.0","id":12,"method":"exec/start","params":{"argv":[],"cwd":"/"}}\n' \
		12 -32602 "empty argv"
	one_error '{"jsonrpc":"2.0","id":13,"method":"exec/start","params":{"argv":["true"],"cwd":"/","tty":"yes"}}\n' \
		13 -32602 "tty as a string"
	one_error '{"jsonrpc":"2.0","id":14,"method":"exec/start","params":{"argv":["true"],"cwd":"/","sandbox":"none"}}\n' \
		14 -32602 "an unknown sandbox mode"
}

test_proto_out_of_range()
{
	one_error '{"jsonrpc":"2.0","id":15,"method":"exec/start","params":{"argv":["true"],"cwd":"/","timeout_ms":-5}}\n' \
		15 -32602 "timeout_ms -5"
	assert_match timeout_ms "$(jqv "$ERR_LINE" .error.message)" "the message names timeout_ms"
	one_error '{"jsonrpc":"2.0","id":16,"method":"exec/start","params":{"argv":["true"],"cwd":"/","timeout_ms":0}}\n' \
		16 -32602 "timeout_ms 0"
	one_error '{"jsonrpc":"2.0","id":17,"method":"exec/start","params":{"argv":["true"],"cwd":"/","timeout_ms":604800001}}\n' \
		17 -32602 "timeout_ms above seven days"
	# 1e30 is a real: a type error, or a parse error; never accepted.
	local out code
	out=$(printf '%s\n' '{"jsonrpc":"2.0","id":18,"method":"exec/start","params":{"argv":["true"],"cwd":"/","timeout_ms":1e30}}' |
		raw cxt-member --lines 1)
	code=$(jqv "$out" .error.code)
	[[ "$code" == -32602 || "$code" == -32700 ]] || fail "timeout_ms 1e30: got $out"
	one_error '{"jsonrpc":"2.0","id":19,"method":"exec/start","params":{"argv":["true"],"cwd":"/","timeout_ms":99999999999999999999999}}\n' \
		null -32700 "an integer beyond 64 bits"
	one_error '{"jsonrpc":"2.0","id":20,"method":"exec/start","params":{"argv":["true"],"cwd":"/","tty":true,"rows":0}}\n' \
		20 -32602 "rows 0"
	no_procs_of cxt-member -x true || fail "a command ran"
}

test_proto_nul_byte()
{
	one_error '{"jsonrpc":"2.0","id":21,"method":"hel\000lo"}\n' null -32700 "NUL in a frame"
	one_error '{"jsonrpc":"2.0","id":22,"method":"hello","params":{"client":"a\\u0000b"}}\n' \
		null -32700 "an escaped NUL in a string"
}

test_proto_unknown_method()
{
	one_error '{"jsonrpc":"2.0","id":23,"method":"exec/launch_missiles"}\n' 23 -32601 \
		"unknown method"
	assert_eq unknown_method "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	one_error '{"jsonrpc":"2.0","id":24,"method":"HELLO"}\n' 24 -32601 "method names are exact"
	one_error '{"jsonrpc":"2.0","id":25,"method":"a b"}\n' 25 -32600 "a method name with a space"
}

test_proto_invalid_utf8()
{
	one_error '{"jsonrpc":"2.0","id":26,"method":"hello","params":{"client":"\377\376"}}\n' null \
		-32700 "invalid UTF-8"
	one_error '{"jsonrpc":"2.0","id":27,"method":"hello","params":{"client":"\300\257"}}\n' null \
		-32700 "overlong UTF-8"
	one_error '{"jsonrpc":"2.0","id":28,"method":"hello","params":{"client":"\355\240\200"}}\n' null \
		-32700 "a UTF-8 surrogate"
}

test_proto_batch()
{
	one_error '[{"jsonrpc":"2.0","id":29,"method":"hello"}]\n' null -32600 "a batch"
	one_error '[]\n' null -32600 "an empty batch"
	one_error '[1,2]\n' null -32600 "a batch of numbers"
}

# Valid JSON that is not an object is an invalid request (JSON-RPC 2.0 §5),
# not a parse error.
test_proto_scalar_top_level()
{
	one_error '42\n' null -32600 "a number"
	one_error '"hello"\n' null -32600 "a string"
	one_error 'null\n' null -32600 "null"
}

test_proto_relative_cwd()
{
	one_error '{"jsonrpc":"2.0","id":30,"method":"exec/start","params":{"argv":["true"],"cwd":"tmp"}}\n' \
		30 -32602 "a relative cwd"
	assert_match cwd "$(jqv "$ERR_LINE" .error.message)" "the message names cwd"
	one_error '{"jsonrpc":"2.0","id":31,"method":"exec/start","params":{"argv":["true"],"cwd":"/tmp/../etc"}}\n' \
		31 -32602 "a cwd with .."
	one_error '{"jsonrpc":"2.0","id":32,"method":"exec/start","params":{"argv":["true"],"cwd":"/tmp//x"}}\n' \
		32 -32602 "a cwd with //"
	one_error '{"jsonrpc":"2.0","id":33,"method":"exec/start","params":{"argv":["true"],"cwd":"/","writable_roots":["rel"]}}\n' \
		33 -32602 "a relative writable root"
	no_procs_of cxt-member -x true || fail "a command ran"
}

test_proto_fds_without_descriptors()
{
	one_error '{"jsonrpc":"2.0","id":34,"method":"exec/start","params":{"argv":["true"],"cwd":"/","stdio":"fds"}}\n' \
		34 -32602 "stdio fds without descriptors"
	assert_match descriptor "$(jqv "$ERR_LINE" .error.message)" "message"
}

test_proto_fds_passed()
{
	local out
	# cxraw passes its own 0, 1, 2: the command writes straight into the file.
	out=$(rpc_line 1 exec/start "$(exec_params '["sh","-c","echo direct; echo to-err >&2"]' '"stdio":"fds"')" |
		as cxt-member "$CXRAW" --fds --lines 2 "$SOCK" 2>"$TD/err")
	assert_eq '"fds"' "$(jsel "$out" 'select(.id == 1) | .result.stdio')" \
		"stdio of the started exec: $out"
	assert_line "$out" direct "output written by the command itself"
	assert_line "$(cat "$TD/err")" to-err "stderr written by the command itself"
	[[ -n "$(jsel "$out" 'select(.method == "exec/exited") | select(.params.exit_code == 0)')" ]] ||
		fail "no exec/exited with exit code 0: $out"
	[[ -z "$(jsel "$out" 'select(.method == "exec/output")')" ]] ||
		fail "exec/output in fds mode: $out"
}

test_proto_split_and_partial_frames()
{
	local out
	# A frame may arrive in pieces, with pauses between them.
	out=$({
		printf '{"jsonrpc":"2.0",'
		sleep 0.5
		printf '"id":41,"method":'
		sleep 0.5
		printf '"hello"}\n{"jsonrpc":"2.0","id":42,'
		sleep 0.3
		printf '"method":"hello"}\n'
	} | raw cxt-member --lines 2)
	assert_eq "member member" "$(jsel "$out" 'select(.id == 41 or .id == 42) | .result.caller.role' | tr -d '"' | tr '\n' ' ' | sed 's/ $//')" \
		"answers to two frames sent in pieces"
	# A partial frame is neither answered nor dropped early (the read timeout
	# is 30 s): after 2 s the connection is still open and silent.
	out=$(printf '{"jsonrpc":"2.0","id":43,' | raw cxt-member --hold 2000 --timeout 200 2>"$TD/err")
	assert_eq "" "$out" "answer to a partial frame"
	assert_no_match "closed" "$(cat "$TD/err")" "connection after 2 s with a partial frame"
	# An idle connection is not closed either.
	out=$(raw cxt-member --hold 2000 --timeout 200 </dev/null 2>"$TD/err")
	assert_eq "" "$out" "output on an idle connection"
	assert_no_match "closed" "$(cat "$TD/err")" "idle connection after 2 s"
	hello_ok cxt-member || fail "hello on a new connection failed"
}

test_proto_oversize_frame()
{
	local big out
	start_daemon small "$CXT_ROLES_CONF
[daemon]
max_frame_bytes = 4096"
	# A valid frame just under the limit (whitespace is JSON) is served.
	big=$(printf '%4000s' '')
	out=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"%s}\n' "$big" |
		SOCK=$D_SOCK raw cxt-member --lines 1)
	assert_eq member "$(jqv "$out" .result.caller.role)" "a 4 KB frame under the limit"

	# 5000 bytes: an error, then the connection is closed.
	big=$(head -c 5000 /dev/zero | tr '\0' 'x')
	out=$(printf '{"jsonrpc":"2.0","id":2,"method":"hello","params":{"client":"%s"}}\n' "$big" |
		SOCK=$D_SOCK raw cxt-member --expect-close --timeout 3000 2>"$TD/err")
	assert_rc 0 $? "connection closed after an oversized frame ($(cat "$TD/err"))"
	expect_error "$out" null -32600 "oversized frame"
	assert_eq frame_too_large "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"
	assert_eq 1 "$(printf '%s\n' "$out" | grep -c .)" "number of answers"

	# The same without a newline: detected at the limit, not at the end of the line.
	out=$(printf '{"jsonrpc":"2.0","id":3,"method":"hello","params":{"client":"%s' "$big" |
		SOCK=$D_SOCK raw cxt-member --expect-close --timeout 3000 2>"$TD/err")
	assert_rc 0 $? "connection closed after an unterminated oversized frame ($(cat "$TD/err"))"
	expect_error "$out" null -32600 "oversized unterminated frame"
	assert_eq frame_too_large "$(jqv "$ERR_LINE" .error.data.reason)" "data.reason"

	hello_ok cxt-member "$D_SOCK" || fail "hello after oversized frames failed"
	kill -0 "$D_PID" || fail "the daemon died"
	stop_daemon || fail "the private daemon did not stop on SIGTERM"
}

test_proto_bad_frame_limit()
{
	local out n i
	# 40 bad frames in a row: answers to the first 33, then the connection closes.
	out=$(for i in $(seq 1 40); do printf 'garbage %d\n' "$i"; done |
		raw cxt-member --expect-close --timeout 3000 2>"$TD/err")
	assert_rc 0 $? "connection closed after 40 bad frames ($(cat "$TD/err"))"
	n=$(printf '%s\n' "$out" | jq -c 'select(.error.code == -32700)' | wc -l)
	assert_eq 33 "$n" "error answers before the close"

	# Bad frames separated by a good one do not add up.
	out=$({
		for i in $(seq 1 32); do printf 'garbage %d\n' "$i"; done
		printf '{"jsonrpc":"2.0","id":100,"method":"hello"}\n'
		for i in $(seq 1 32); do printf 'garbage %d\n' "$i"; done
		printf '{"jsonrpc":"2.0","id":101,"method":"hello"}\n'
	} | raw cxt-member --lines 66 --timeout 3000 2>"$TD/err")
	assert_eq 66 "$(printf '%s\n' "$out" | grep -c .)" "answers to 64 bad frames and 2 hellos"
	assert_eq member "$(printf '%s\n' "$out" | jq -r 'select(.id == 101) | .result.caller.role')" \
		"the last hello"
	hello_ok cxt-member || fail "hello on a new connection failed"
}

# malformed_frames N SEED: N malformed frames of assorted kinds.
malformed_frames()
{
	local n=$1 seed=$2 i big
	big=$(head -c 100000 /dev/zero | tr '\0' 'z')
	for ((i = 0; i < n; i++)); do
		case $(((i + seed) % 10)) in
		0) printf '{"jsonrpc":"2.0","id":%d,\n' "$i" ;;
		1) printf '{"jsonrpc":"2.0","id":%d,"method":"hello","method":"x"}\n' "$i" ;;
		2) printf '{"jsonrpc":"2.0","id":%d,"method":"hello","junk":1}\n' "$i" ;;
		3) printf '{"jsonrpc":"2.0","id":%d,"method":"hel\000lo"}\n' "$i" ;;
		4) printf '{"jsonrpc":"2.0","id":%d,"method":"hello","params":{"client":"\377"}}\n' "$i" ;;
		5) printf '[{"jsonrpc":"2.0","id":%d,"method":"hello"}]\n' "$i" ;;
		6) printf '{"jsonrpc":"2.0","id":%d,"method":"exec/start","params":{"argv":"x","cwd":"/"}}\n' "$i" ;;
		7) printf '{"jsonrpc":"2.0","id":%d,"method":"no/such"}\n' "$i" ;;
		8) printf '"%s\n' "$big" ;;
		9) printf '{"jsonrpc":"2.0","id":%d,"method":"exec/start","params":{"argv":["x"],"cwd":"rel"}}\n' "$i" ;;
		esac
	done
}

test_proto_malformed_flood_memory()
{
	local before after c out n total=0
	# shellcheck disable=SC2034 # read by start_daemon
	D_ENV=("${CXT_ASAN_NO_QUARANTINE[@]}")
	start_daemon flood "$CXT_ROLES_CONF"
	# Warm-up: 100 malformed frames over 5 connections.
	for c in $(seq 1 5); do
		malformed_frames 20 "$c" | SOCK=$D_SOCK raw cxt-member --lines 20 >/dev/null
	done
	before=$(rss_kib "$D_PID")
	# 1000 more over 50 connections.
	for c in $(seq 1 50); do
		out=$(malformed_frames 20 "$c" | SOCK=$D_SOCK raw cxt-member --lines 20 --timeout 3000)
		n=$(printf '%s\n' "$out" | jq -c 'select(.error.code)' 2>/dev/null | wc -l)
		total=$((total + n))
	done
	assert_eq 1000 "$total" "error answers to 1000 malformed frames"
	after=$(rss_kib "$D_PID")
	note "VmRSS before $before KiB, after $after KiB"
	! rss_checked || ((after - before < 2048)) ||
		fail "RSS grew by $((after - before)) KiB (from $before to $after) over 1000 malformed frames"
	hello_ok cxt-member "$D_SOCK" || fail "hello after the flood failed"
	out=$(SOCK=$D_SOCK status_json cxt-viewer "$D_SOCK")
	# 7 kinds in 10 are malformed frames; the others are bad requests.
	jq -e '.counters.bad_frames >= 770 and .counters.errors_sent >= 1100 and
		.connections.open == 1' <<<"$out" >/dev/null ||
		fail "counters after the flood: $(jq -c '{counters, connections}' <<<"$out")"
	stop_daemon || fail "the private daemon did not stop on SIGTERM"
}
