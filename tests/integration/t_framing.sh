# shellcheck shell=bash
# Content-Length framing on the daemon socket (codexd-protocol(7)
# "TRANSPORT"): detected from the first bytes, answered in kind, strict
# header parsing, and every malformed header answered and the connection
# closed while the daemon keeps serving.

# cl_frame BODY: BODY with a Content-Length header (bytes, not characters).
cl_frame()
{
	printf 'Content-Length: %d\r\n\r\n%s' "$(printf '%s' "$1" | wc -c)" "$1"
}

# cl_split: stdin holds Content-Length framed messages; print each body on a
# line, and "UNFRAMED" followed by the rest if anything else is left.
cl_split()
{
	perl -0777 -ne '
		my $p = 0;
		while (substr($_, $p) =~ /\AContent-Length: (\d+)\r\n\r\n/) {
			$p += length($&);
			print substr($_, $p, $1), "\n";
			$p += $1;
		}
		print "UNFRAMED:", substr($_, $p), "\n" if $p < length($_);'
}

# _cl_get TEXT FILTER: raw jq output of FILTER on each JSON line of TEXT.
_cl_get()
{
	printf '%s\n' "$1" | jq -R -r "fromjson? | $2" 2>/dev/null
}

test_framing_content_length_hello()
{
	local out bodies n
	out=$({
		cl_frame '{"jsonrpc":"2.0","id":1,"method":"hello","params":{"client":"cl"}}'
		printf 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'
		cl_frame '{"jsonrpc":"2.0",
  "id": "two", "method": "daemon/status"}'
	} | raw cxt-member --timeout 1500)
	bodies=$(printf '%s' "$out" | cl_split)
	note "replies: $bodies"
	assert_no_match 'UNFRAMED' "$bodies" "every reply framed with Content-Length"
	n=$(printf '%s\n' "$bodies" | grep -c .)
	assert_eq 2 "$n" "two replies"
	assert_eq cxt-member "$(_cl_get "$bodies" 'select(.id == 1) | .result.caller.user')" \
		"hello over Content-Length framing"
	[[ -n "$(_cl_get "$bodies" 'select(.id == "two") | .result.uptime_ms')" ]] ||
		fail "daemon/status answered: $bodies"
	# The replies carry no trailing newline inside the counted body.
	assert_no_match $'\n\nContent' "$out" "no newline between framed replies"
}

test_framing_bad_json_body_keeps_connection()
{
	local out bodies
	out=$({
		cl_frame '{"jsonrpc":"2.0","id":1,'
		cl_frame '[1,2]'
		cl_frame '{"jsonrpc":"2.0","id":3,"method":"hello"}'
	} | raw cxt-member --timeout 1500)
	bodies=$(printf '%s' "$out" | cl_split)
	assert_no_match 'UNFRAMED' "$bodies" "framed replies"
	[[ "$(_cl_get "$bodies" 'select(.error.code == -32700) | .error.data.reason')" == parse_error ]] ||
		fail "a body that is not JSON: $bodies"
	[[ "$(_cl_get "$bodies" 'select(.error.code == -32600) | .error.data.reason')" == invalid_request ]] ||
		fail "a batch in a framed body: $bodies"
	assert_eq cxt-member "$(_cl_get "$bodies" 'select(.id == 3) | .result.caller.user')" \
		"the connection still serves after bad bodies"
}

# _cl_bad WHAT INPUT REASON: INPUT gets one framed error REASON, then the
# daemon closes the connection.
_cl_bad()
{
	local what=$1 input=$2 reason=$3 out bodies rc
	out=$(printf '%b' "$input" | raw cxt-member --timeout 3000 --expect-close 2>"$TD/err")
	rc=$?
	assert_rc 0 "$rc" "$what: the daemon closes the connection ($(head -c 200 "$TD/err"))"
	bodies=$(printf '%s' "$out" | cl_split)
	assert_no_match 'UNFRAMED' "$bodies" "$what: the error is framed"
	[[ "$(_cl_get "$bodies" '.error.data.reason')" == "$reason" ]] ||
		fail "$what: expected reason $reason, got: $bodies"
	[[ "$(_cl_get "$bodies" '.error.code')" == -32600 ]] || fail "$what: code: $bodies"
	[[ "$(_cl_get "$bodies" '.id')" == null ]] || fail "$what: id: $bodies"
}

test_framing_malformed_headers()
{
	_cl_bad "non-digit length" 'Content-Length: 12a\r\n\r\n{}' bad_header
	_cl_bad "negative length" 'Content-Length: -2\r\n\r\n{}' bad_header
	_cl_bad "LF without CR" 'Content-Length: 2\n\n{}' bad_header
	_cl_bad "unknown header" 'Content-Length: 2\r\nX-Evil: 1\r\n\r\n{}' bad_header
	_cl_bad "duplicate length" 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}' bad_header
	_cl_bad "wrong content type" 'Content-Length: 2\r\nContent-Type: text/html\r\n\r\n{}' bad_header
	_cl_bad "control byte" 'Content-Length: 2\x01\r\n\r\n{}' bad_header
	_cl_bad "length over max_frame_bytes" 'Content-Length: 1048577\r\n\r\n' frame_too_large
	_cl_bad "eleven digits" 'Content-Length: 99999999999\r\n\r\n' bad_header
	# A header that never ends: refused after 1024 bytes, without waiting.
	_cl_bad "endless header" "Content-Length: 2\r\n$(printf 'Content-Type: application/json\\r\\n%.0s' {1..40})" bad_header
	hello_ok cxt-member || fail "the daemon stopped serving after malformed headers"
}

test_framing_lines_unchanged()
{
	local out
	# A connection that starts with "{" (or anything but the header) keeps lines.
	out=$(printf '%s\n%s\n' '{"jsonrpc":"2.0","id":1,"method":"hello"}' \
		'Content-Length: 2' | raw cxt-member --lines 2 --timeout 2000)
	assert_eq cxt-member "$(_cl_get "$out" 'select(.id == 1) | .result.caller.user')" "line framing"
	expect_error "$out" null -32700 "a header line on a line-framed connection"
	assert_no_match 'Content-Length' "$out" "line replies have no headers"
}
