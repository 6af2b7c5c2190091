# shellcheck shell=bash
# Approvals: prompt rules answered by `approvals watch` / `approvals approve`,
# deny, timeout, no approver, approve_for_session and approve_always, the
# reviewer program, approval policy never, requirements clamping, managed
# rules beating user and project rules, broken rule files, --escalate, the
# terminal prompt of codexctl exec, and look-alike programs.
#
# Every test runs its own daemon (AP_SOCK) with a rules.d directory next to
# its configuration.  Rules name a token unique to the test (AP_TOK), so that
# files left in the shared test users' homes by another run cannot match.
# Commands run in W (danger-full-access), except where a sandbox is the
# point: those use sandbox_lib's workspace WS.

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

AP_TOK=cxtap${RANDOM}x$$
AP_SOCK=
WATCH_PID=
# User files this test created or changed: restored when the test ends.
AP_RESTORE=()

_ap_cleanup()
{
	local f saved
	_sb_cleanup
	[[ -n "$WATCH_PID" ]] && kill -TERM "$WATCH_PID" 2>/dev/null
	for f in "${AP_RESTORE[@]}"; do
		saved=$TD/saved.$(basename "$f")
		if [[ -e "$saved" ]]; then
			cat -- "$saved" >"$f"
		else
			rm -f -- "$f"
		fi
	done
}
trap _ap_cleanup EXIT

# _ap_home USER
_ap_home()
{
	getent passwd "$1" | cut -d: -f6
}

# _ap_user_file USER RELPATH TEXT: write ~USER/RELPATH as USER (its directories
# too), remembering the previous content to restore at the end.
_ap_user_file()
{
	local user=$1 f home
	home=$(_ap_home "$user")
	f=$home/$2
	_ap_remember "$f"
	as "$user" mkdir -p "$(dirname "$f")" || fail "cannot create $(dirname "$f") as $user"
	# shellcheck disable=SC2016 # for the user's sh
	printf '%s\n' "$3" | as "$user" sh -c 'cat > "$1"' sh "$f" || fail "cannot write $f as $user"
}

# _ap_remember FILE: restore FILE (or remove it) when the test ends.
_ap_remember()
{
	local f=$1 s
	s=$TD/saved.$(basename "$f")
	if [[ ! -e "$s" && ! -e "$s.none" ]]; then
		if [[ -e "$f" ]]; then cp -p -- "$f" "$s"; else : >"$s.none"; fi
		AP_RESTORE+=("$f")
	fi
}

# _ap_daemon NAME TOP_LEVEL SECTIONS [RULES]: a private daemon whose
# configuration is TOP_LEVEL keys, the test roles, then SECTIONS; RULES
# (when given) is rules.d/cxt.rules.  Sets AP_SOCK (and start_daemon's D_*).
_ap_daemon()
{
	local name=$1 dir=$TD/d-$1
	mkdir -p "$dir/rules.d"
	chmod 0755 "$dir" "$dir/rules.d"
	[[ -n "${4:-}" ]] && write_config "$dir/rules.d/cxt.rules" "$4"
	start_daemon "$name" "$2
$CXT_ROLES_CONF
$3"
	AP_SOCK=$D_SOCK
}

# _ap_ctl USER ARGS...: codexctl as USER on the test's daemon (bounded, see ctl).
_ap_ctl()
{
	SOCK=$AP_SOCK ctl "$@"
}

# _ap_bg NAME USER ARGS...: codexctl in the background as USER on AP_SOCK;
# output in $TD/NAME.out and .err, its pid (timeout's) in BG_PID.
_ap_bg()
{
	local name=$1 user=$2
	shift 2
	as_prefix "$user" "$AP_SOCK"
	timeout -k 2 "$CXT_CTL_TIMEOUT" "${AS[@]}" "$CODEXCTL" "$@" >"$TD/$name.out" \
		2>"$TD/$name.err" </dev/null &
	BG_PID=$!
}

# _ap_watch: a silent JSON watcher of cxt-member (no terminal, --no-prompt).
_ap_watch()
{
	as_prefix cxt-member "$AP_SOCK"
	"${AS[@]}" "$CODEXCTL" --json approvals watch --no-prompt >"$TD/watch.out" \
		2>"$TD/watch.err" </dev/null &
	WATCH_PID=$!
	wait_until 10 grep -q 'watching approvals' "$TD/watch.err" ||
		fail "approvals watch did not start: $(head -c 400 "$TD/watch.err")"
}

# _ap_watch_stop: SIGTERM; the watcher must exit 0.
_ap_watch_stop()
{
	local rc
	kill -TERM "$WATCH_PID"
	wait_exit "$WATCH_PID" 10 || fail "approvals watch still runs 10 s after SIGTERM"
	wait "$WATCH_PID"
	rc=$?
	WATCH_PID=
	assert_rc 0 "$rc" "approvals watch after SIGTERM"
}

# _ap_request TOKEN: the watcher's last approval/request whose argv holds TOKEN.
_ap_request()
{
	jq -R -c --arg t "$1" \
		'fromjson? | select(type == "object" and has("approval_id") and has("argv"))
		 | select(any(.argv[]?; . == $t))' "$TD/watch.out" 2>/dev/null | tail -1
}

_ap_has_request()
{
	[[ -n "$(_ap_request "$1")" ]]
}

# _ap_resolved ID: the watcher's approval/resolved line for ID.
_ap_resolved()
{
	jq -R -c --arg id "$1" 'fromjson? | select(type == "object" and has("by") and
		.approval_id == $id)' "$TD/watch.out" 2>/dev/null | tail -1
}

_ap_has_resolved()
{
	[[ -n "$(_ap_resolved "$1")" ]]
}

# _ap_wait_request TOKEN: wait for it; sets REQ (the line) and REQ_ID.
_ap_wait_request()
{
	wait_until 10 _ap_has_request "$1" ||
		fail "no approval/request for '$1' reached the watcher: $(head -c 600 "$TD/watch.out")"
	REQ=$(_ap_request "$1")
	REQ_ID=$(jqv "$REQ" .approval_id)
	assert_match '^ap-[0-9a-f]{16}$' "$REQ_ID" "approval_id"
}

# _ap_no_requests WHAT: the watcher has seen no approval/request at all.
_ap_no_requests()
{
	local n
	n=$(jq -R -c 'fromjson? | select(type == "object" and has("approval_id") and has("argv"))' \
		"$TD/watch.out" 2>/dev/null | wc -l)
	((n == 0)) || fail "$1: the watcher was sent $n approval request(s): $(head -c 600 "$TD/watch.out")"
}

# _ap_no_line TEXT LINE WHAT: TEXT has no line LINE (the command's output).
_ap_no_line()
{
	if grep -Fxq -- "$2" <<<"$1"; then
		fail "$3: the command ran: $(printf '%s' "$1" | tr '\n' '|' | head -c 600)"
	fi
}

# _ap_wait_bg WHAT: wait for BG_PID; sets BG_RC.
_ap_wait_bg()
{
	wait "$BG_PID"
	BG_RC=$?
	((BG_RC != 124 && BG_RC != 137)) || fail "$1: codexctl hung (killed after $CXT_CTL_TIMEOUT s)"
}

AP_PROMPT_RULE="prefix_rule(pattern=[\"echo\", \"$AP_TOK\"], decision=\"prompt\", justification=\"echo $AP_TOK needs review\")"
# Top-level keys: no sandbox (the point here is the approval), on-request.
AP_TOP='sandbox_mode = "danger-full-access"
approval_policy = "on-request"'
# The same without a managed approval_policy, for requests that choose one.
AP_TOP_NOPOLICY='sandbox_mode = "danger-full-access"'

# ------------------------------------------------------------------ answered from a watcher

test_approval_watch_and_approve()
{
	local out rc line
	_ap_daemon watch "$AP_TOP" "" "$AP_PROMPT_RULE"
	_ap_watch
	_ap_bg ex cxt-member exec --no-prompt -- echo "$AP_TOK" hello
	_ap_wait_request "$AP_TOK"

	# What the watcher was told (daemon/approvals.h).
	assert_eq "[\"echo\",\"$AP_TOK\",\"hello\"]" "$(jqv "$REQ" '.argv | tojson')" "argv"
	assert_eq "$W" "$(jqv "$REQ" .cwd)" "cwd"
	assert_match "echo $AP_TOK" "$(jqv "$REQ" .command)" "command"
	assert_match "needs review" "$(jqv "$REQ" .reason)" "reason"
	assert_eq "[\"echo\",\"$AP_TOK\"]" "$(jqv "$REQ" '.matched_rules[0].matchedPrefix | tojson')" \
		"matched_rules[0].matchedPrefix"
	assert_eq prompt "$(jqv "$REQ" '.matched_rules[0].decision')" "matched_rules[0].decision"
	assert_match "rules\\.d/cxt\\.rules:1" "$(jqv "$REQ" '.matched_rules[0].source')" \
		"matched_rules[0].source"
	assert_eq "echo $AP_TOK needs review" "$(jqv "$REQ" '.matched_rules[0].justification')" \
		"matched_rules[0].justification"
	assert_eq true "$(jqv "$REQ" '.available_decisions | index("approve") != null')" \
		"approve offered"
	assert_eq true "$(jqv "$REQ" '.available_decisions | index("deny") != null')" "deny offered"
	assert_eq false "$(jqv "$REQ" .escalate)" "escalate"
	assert_eq cxt-member "$(jqv "$REQ" .requester.user)" "requester.user"
	assert_eq "$(id -u cxt-member)" "$(jqv "$REQ" .requester.uid)" "requester.uid"
	[[ "$(jqv "$REQ" .timeout_ms)" =~ ^[0-9]+$ ]] || fail "timeout_ms: $(jqv "$REQ" .timeout_ms)"
	alive "$BG_PID" || fail "codexctl exec ended before the answer: $(cat "$TD/ex.err")"

	# approvals list, in both forms.
	out=$(_ap_ctl cxt-member --json approvals list) || fail "approvals list --json failed"
	assert_eq "$REQ_ID" "$(jqv "$out" '.approvals[0].approval_id')" "approvals list --json"
	[[ "$(jqv "$out" '.approvals[0].age_ms')" =~ ^[0-9]+$ ]] || fail "age_ms: $out"
	out=$(_ap_ctl cxt-member approvals list) || fail "approvals list failed"
	assert_match "^ID +AGE +COMMAND +CWD +REASON" "$out" "approvals list header"
	assert_match "$REQ_ID +[0-9]+s +echo $AP_TOK hello +/" "$out" "approvals list row"

	# Nobody else sees or answers it: another member, a viewer.
	out=$(_ap_ctl cxt-admin --json approvals list) || fail "approvals list as cxt-admin failed"
	assert_no_match "$REQ_ID" "$out" "another user's approvals list"
	out=$(_ap_ctl cxt-admin approvals approve "$REQ_ID" 2>&1)
	assert_rc 1 $? "approve by another user"
	assert_match "no pending approval" "$out" "message to another user"
	out=$(_ap_ctl cxt-viewer approvals approve "$REQ_ID" 2>&1)
	assert_rc 1 $? "approve by a viewer"
	alive "$BG_PID" || fail "the request ended after another user's answer: $(cat "$TD/ex.err")"

	# The owner answers from a third connection.
	_ap_ctl cxt-member approvals approve "$REQ_ID"
	assert_rc 0 $? "approvals approve"
	_ap_wait_bg "exec after approve"
	assert_rc 0 "$BG_RC" "exec after approve (stderr: $(cat "$TD/ex.err"))"
	assert_eq "$AP_TOK hello" "$(cat "$TD/ex.out")" "output of the approved command"

	wait_until 5 _ap_has_resolved "$REQ_ID" || fail "no approval/resolved for $REQ_ID"
	line=$(_ap_resolved "$REQ_ID")
	assert_eq approve "$(jqv "$line" .decision)" "resolved decision"
	assert_eq respond "$(jqv "$line" .by)" "resolved by"

	# Answered once: a second answer names nothing.
	out=$(_ap_ctl cxt-member approvals approve "$REQ_ID" 2>&1)
	rc=$?
	assert_rc 1 "$rc" "a second approve"
	assert_match "no pending approval" "$out" "message of a second approve"
	out=$(_ap_ctl cxt-member --json approvals list)
	assert_eq 0 "$(jqv "$out" '.approvals | length')" "pending approvals after the answer"
	_ap_watch_stop
}

test_approval_deny()
{
	local t0
	_ap_daemon deny "$AP_TOP" "" "$AP_PROMPT_RULE"
	_ap_watch
	_ap_bg ex cxt-member exec --no-prompt -- echo "$AP_TOK" hello
	_ap_wait_request "$AP_TOK"
	t0=$SECONDS
	_ap_ctl cxt-member approvals deny "$REQ_ID"
	assert_rc 0 $? "approvals deny"
	_ap_wait_bg "exec after deny"
	assert_rc 126 "$BG_RC" "exec after deny"
	((SECONDS - t0 < 5)) || fail "the refusal took $((SECONDS - t0)) s after the answer"
	assert_eq "" "$(cat "$TD/ex.out")" "output of a denied command"
	assert_match "denied" "$(cat "$TD/ex.err")" "message of a denied command"
	assert_match "echo $AP_TOK needs review" "$(cat "$TD/ex.err")" \
		"the rule's justification in the message"
	wait_until 5 _ap_has_resolved "$REQ_ID" || fail "no approval/resolved for $REQ_ID"
	assert_eq deny "$(jqv "$(_ap_resolved "$REQ_ID")" .decision)" "resolved decision"
	_ap_watch_stop
}

# exec/cancel: the requester withdraws an exec/start waiting for an approval.
test_exec_cancel_withdraws_approval()
{
	local line out
	_ap_daemon cancel "$AP_TOP" "" "$AP_PROMPT_RULE"
	_ap_watch
	sess_open req cxt-member "$AP_SOCK"
	sess_send req "$(rpc_line 1 exec/start "$(exec_params "[\"echo\",\"$AP_TOK\",\"cancelme\"]")")"
	_ap_wait_request "$AP_TOK"
	# Another connection cannot withdraw it: not its request.
	as_prefix cxt-member "$AP_SOCK"
	out=$(rpc_line 5 exec/cancel '{"request_id":1}' | "${AS[@]}" "$CXRAW" --lines 1 "$AP_SOCK")
	assert_eq false "$(jqv "$out" .result.cancelled)" "exec/cancel from another connection"
	sess_send req "$(rpc_line 2 exec/cancel '{"request_id":1}')"
	line=$(sess_wait req '.id == 2' 10) || fail "no answer to exec/cancel"
	assert_eq true "$(jqv "$line" .result.cancelled)" "exec/cancel result"
	line=$(sess_wait req '.id == 1' 10) || fail "no answer to the exec/start"
	expect_error "$line" 1 -32800 "the cancelled exec/start"
	assert_eq cancelled "$(jqv "$line" .error.data.reason)" "reason"
	wait_until 5 _ap_has_resolved "$REQ_ID" || fail "no approval/resolved for $REQ_ID"
	line=$(_ap_resolved "$REQ_ID")
	assert_eq abort "$(jqv "$line" .decision)" "resolved decision"
	assert_eq cancelled "$(jqv "$line" .by)" "resolved by"
	out=$(_ap_ctl cxt-member --json approvals list)
	assert_eq 0 "$(jqv "$out" '.approvals | length')" "pending approvals after exec/cancel"
	# Again, unknown ids, bad params: answered, and the connection goes on.
	sess_send req "$(rpc_line 3 exec/cancel '{"request_id":1}')"
	line=$(sess_wait req '.id == 3' 10) || fail "no answer to a second exec/cancel"
	assert_eq false "$(jqv "$line" .result.cancelled)" "a second exec/cancel"
	sess_send req "$(rpc_line 4 exec/cancel '{"request_id":[1]}')"
	line=$(sess_wait req '.id == 4' 10) || fail "no answer to a malformed exec/cancel"
	expect_error "$line" 4 -32602 "exec/cancel with a bad request_id"
	sess_send req "$(rpc_line 6 exec/cancel '{}')"
	line=$(sess_wait req '.id == 6' 10) || fail "no answer to an empty exec/cancel"
	expect_error "$line" 6 -32602 "exec/cancel without request_id"
	sess_close req
	# Nothing ran; the log says why.
	wait_until 5 grep -q '"reason":"cancelled"' "$D_DIR/state/audit.jsonl" ||
		fail "no exec.refused with reason cancelled in the audit log"
	grep '"event":"exec.start"' "$D_DIR/state/audit.jsonl" | grep -q cancelme &&
		fail "the cancelled command has an exec.start record"
	line=$(jq -c 'select(.event == "approval.answer" and .by == "cancelled")' "$D_DIR/state/audit.jsonl" | head -1)
	assert_eq abort "$(jqv "$line" .decision)" "the approval's end in the audit log"
	_ap_watch_stop
}

test_approval_timeout()
{
	local t0
	_ap_daemon timeout "$AP_TOP" "[approvals]
timeout_ms = 500" "$AP_PROMPT_RULE"
	# A watcher that never answers.
	_ap_watch
	t0=$SECONDS
	_ap_bg ex cxt-member exec --no-prompt -- echo "$AP_TOK" hello
	_ap_wait_request "$AP_TOK"
	assert_eq 500 "$(jqv "$REQ" .timeout_ms)" "timeout_ms in the request"
	_ap_wait_bg "exec with an unanswered approval"
	assert_rc 126 "$BG_RC" "exec with an unanswered approval"
	((SECONDS - t0 < 8)) || fail "the timeout of 0.5 s took $((SECONDS - t0)) s"
	assert_eq "" "$(cat "$TD/ex.out")" "output"
	assert_match "timed out|timeout" "$(cat "$TD/ex.err")" "message"
	wait_until 5 _ap_has_resolved "$REQ_ID" || fail "no approval/resolved for $REQ_ID"
	assert_eq timeout "$(jqv "$(_ap_resolved "$REQ_ID")" .by)" "resolved by"
	assert_eq deny "$(jqv "$(_ap_resolved "$REQ_ID")" .decision)" "resolved decision"
	_ap_watch_stop
}

test_approval_no_approver()
{
	local out rc t0
	_ap_daemon noappr "$AP_TOP" "" "$AP_PROMPT_RULE"
	# No watcher, no reviewer, and this codexctl will not prompt.
	t0=$SECONDS
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec with nobody to approve"
	((SECONDS - t0 < 5)) || fail "the refusal took $((SECONDS - t0)) s"
	assert_match "no.approver" "$out" "message"
	_ap_no_line "$out" "$AP_TOK hello" "the command's output"
	# Without a terminal codexctl cannot prompt either (the runner gives it none).
	t0=$SECONDS
	out=$(_ap_ctl cxt-member exec -- echo "$AP_TOK" hello 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec without a terminal"
	((SECONDS - t0 < 5)) || fail "the refusal without a terminal took $((SECONDS - t0)) s"
	assert_match "no.approver" "$out" "message without a terminal"
	# What needs no approval still runs.
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo other) || fail "exec echo other failed"
	assert_eq other "$out" "an unmatched command"
}

# ------------------------------------------------------------------ remembered answers

test_approval_for_session()
{
	local out
	mkdir -p "$W/sub"
	chown cxt-member: "$W/sub"
	# Every echo asks, so that "echo bye" asks too.
	_ap_daemon session "$AP_TOP" "" \
		'prefix_rule(pattern=["echo"], decision="prompt", justification="echo needs review")'
	_ap_watch
	_ap_bg ex cxt-member exec --no-prompt --session S1 -- echo "$AP_TOK" world
	_ap_wait_request "$AP_TOK"
	assert_eq S1 "$(jqv "$REQ" .session)" "session in the request"
	assert_eq true "$(jqv "$REQ" '.available_decisions | index("approve_for_session") != null')" \
		"approve_for_session offered"
	_ap_ctl cxt-member approvals approve "$REQ_ID" --for-session
	assert_rc 0 $? "approvals approve --for-session"
	_ap_wait_bg "exec after approve_for_session"
	assert_rc 0 "$BG_RC" "exec after approve_for_session (stderr: $(cat "$TD/ex.err"))"
	assert_eq "$AP_TOK world" "$(cat "$TD/ex.out")" "output"
	# From here on nobody can answer: whatever asks is refused at once.
	_ap_watch_stop

	# Same program, subcommand, cwd and session: no question.
	out=$(_ap_ctl cxt-member exec --no-prompt --session S1 -- echo "$AP_TOK" there 2>&1)
	assert_rc 0 $? "same program and subcommand in the session (output: $out)"
	assert_eq "$AP_TOK there" "$out" "output"
	# Another subcommand, another session, another directory, no session: asked (and refused).
	out=$(_ap_ctl cxt-member exec --no-prompt --session S1 -- echo bye 2>&1)
	assert_rc 126 $? "another subcommand in the session (output: $out)"
	out=$(_ap_ctl cxt-member exec --no-prompt --session S2 -- echo "$AP_TOK" there 2>&1)
	assert_rc 126 $? "the same command in another session (output: $out)"
	out=$(_ap_ctl cxt-member exec --no-prompt --session S1 -C "$W/sub" -- echo "$AP_TOK" there 2>&1)
	assert_rc 126 $? "the same command in another directory (output: $out)"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" there 2>&1)
	assert_rc 126 $? "the same command without a session (output: $out)"
	# Another user's identical session name shares nothing.
	out=$(ASDIR=$W _ap_ctl cxt-admin exec --no-prompt --session S1 -- echo "$AP_TOK" there 2>&1)
	assert_rc 126 $? "the same session name as another user (output: $out)"
}

test_approval_always_saves_user_rule()
{
	local home rules out st
	home=$(_ap_home cxt-member)
	rules=$home/.codex/rules/default.rules
	_ap_remember "$rules"
	# untrusted: printf is not known-safe, so it asks, and the agent's
	# proposed prefix is what "always" saves.
	_ap_daemon always "$AP_TOP_NOPOLICY
approval_policy = \"untrusted\"" ""
	_ap_watch
	_ap_bg ex cxt-member exec --no-prompt --prefix-rule "printf $AP_TOK" -- printf "$AP_TOK"
	_ap_wait_request "$AP_TOK"
	assert_eq "[\"printf\",\"$AP_TOK\"]" "$(jqv "$REQ" '.proposed_prefix_rule | tojson')" \
		"proposed_prefix_rule"
	assert_eq true "$(jqv "$REQ" '.available_decisions | index("approve_always") != null')" \
		"approve_always offered"
	_ap_ctl cxt-member approvals approve "$REQ_ID" --always
	assert_rc 0 $? "approvals approve --always"
	_ap_wait_bg "exec after approve_always"
	assert_rc 0 "$BG_RC" "exec after approve_always (stderr: $(cat "$TD/ex.err"))"
	assert_eq "$AP_TOK" "$(cat "$TD/ex.out")" "output"
	_ap_watch_stop

	# The rule is the user's: in their file, owned by them, never root's.
	[[ -f "$rules" && ! -L "$rules" ]] || fail "$rules was not written"
	st=$(stat -c '%U %G' "$rules")
	assert_eq "cxt-member cxt-member" "$st" "owner of $rules"
	[[ "$(stat -c %U "$(dirname "$rules")")" == cxt-member ]] ||
		fail "owner of $(dirname "$rules"): $(stat -c %U "$(dirname "$rules")")"
	(($(stat -c '%#a' "$rules") & 022)) && fail "$rules is writable by others: $(stat -c %a "$rules")"
	out=$(tr '\n' ' ' <"$rules")
	assert_match "prefix_rule\\(.*\"printf\", *\"$AP_TOK\"" "$out" "the saved rule"
	assert_no_match "\"$AP_TOK\"[^)]*decision *= *\"(prompt|forbidden)\"" "$out" \
		"the saved rule's decision"

	# The next run does not ask (nobody could answer now).
	out=$(_ap_ctl cxt-member exec --no-prompt -- printf "$AP_TOK" 2>&1)
	assert_rc 0 $? "the same command after approve_always (output: $out)"
	assert_eq "$AP_TOK" "$out" "output"

	# A managed prompt rule for the same prefix beats the user's allow.
	write_config "$D_DIR/rules.d/cxt.rules" \
		"prefix_rule(pattern=[\"printf\", \"$AP_TOK\"], decision=\"prompt\", justification=\"managed review\")"
	SOCK=$AP_SOCK ctl cxt-admin reload >/dev/null || fail "reload with the managed prompt rule failed"
	out=$(_ap_ctl cxt-member exec --no-prompt -- printf "$AP_TOK" 2>&1)
	assert_rc 126 $? "the command under a managed prompt rule (output: $out)"
	_ap_no_line "$out" "$AP_TOK" "the command under a managed prompt rule"
}

# ------------------------------------------------------------------ the reviewer program

# _ap_reviewer NAME BODY: a root-owned reviewer script that runs as nobody.
# It gets the request on stdin; a copy is kept in $TD/rev/stdin.
_ap_reviewer()
{
	mkdir -p "$TD/rev"
	chmod 0777 "$TD/rev"
	REVIEWER=$TD/reviewer-$1
	printf '#!/bin/sh\ncat > %s/stdin\n%s\n' "$TD/rev" "$2" >"$REVIEWER"
	chown root:root "$REVIEWER"
	chmod 0755 "$REVIEWER"
	_ap_daemon "rev-$1" "$AP_TOP" "[approvals]
reviewer = \"$REVIEWER\"
reviewer_user = \"nobody\"
reviewer_timeout_ms = 1000" "$AP_PROMPT_RULE"
}

test_reviewer_approves()
{
	local out
	_ap_reviewer approve "echo '{\"decision\":\"approve\"}'"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	assert_rc 0 $? "exec approved by the reviewer (output: $out)"
	assert_eq "$AP_TOK hello" "$out" "output"
	# It was given the request.
	out=$(cat "$TD/rev/stdin" 2>/dev/null)
	assert_match '^ap-[0-9a-f]{16}$' "$(jqv "$out" .approval_id)" "approval_id given to the reviewer"
	assert_eq "[\"echo\",\"$AP_TOK\",\"hello\"]" "$(jqv "$out" '.argv | tojson')" \
		"argv given to the reviewer"
	# It ran as nobody, not root.
	assert_eq nobody "$(stat -c %U "$TD/rev/stdin")" "user of the reviewer"
}

test_reviewer_denies()
{
	local out
	_ap_reviewer deny "echo '{\"decision\":\"deny\"}'"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	assert_rc 126 $? "exec denied by the reviewer"
	_ap_no_line "$out" "$AP_TOK hello" "the command's output"
	assert_match "denied" "$out" "message"
}

test_reviewer_garbage_denies()
{
	local out
	_ap_reviewer garbage "echo 'yes, sure'"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	assert_rc 126 $? "exec after a reviewer that printed garbage"
	_ap_no_line "$out" "$AP_TOK hello" "the command's output"
	# Right words, wrong exit status: denied too.
	_ap_reviewer badexit "echo '{\"decision\":\"approve\"}'; exit 3"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	assert_rc 126 $? "exec after a reviewer that exited 3"
}

test_reviewer_timeout_denies()
{
	local out t0
	_ap_reviewer slow "sleep 8; echo '{\"decision\":\"approve\"}'"
	t0=$SECONDS
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hello 2>&1)
	assert_rc 126 $? "exec after a reviewer past reviewer_timeout_ms"
	((SECONDS - t0 < 6)) || fail "the reviewer's 1 s timeout took $((SECONDS - t0)) s"
	_ap_no_line "$out" "$AP_TOK hello" "the command's output"
	# The slow reviewer does not linger.
	wait_until 5 no_procs_of nobody -f "$TD/reviewer-slow" ||
		fail "the reviewer still runs: $(pgrep -a -u nobody | head -3)"
}

# ------------------------------------------------------------------ policies

test_approval_policy_never_refuses()
{
	local out t0
	_ap_daemon never "$AP_TOP_NOPOLICY" "" "$AP_PROMPT_RULE"
	_ap_watch
	t0=$SECONDS
	out=$(_ap_ctl cxt-member exec --no-prompt -a never -- echo "$AP_TOK" hello 2>&1)
	assert_rc 126 $? "a prompt rule under approval policy never"
	((SECONDS - t0 < 5)) || fail "the refusal took $((SECONDS - t0)) s"
	_ap_no_line "$out" "$AP_TOK hello" "the command's output"
	sleep 0.3
	_ap_no_requests "approval policy never"
	# Unmatched commands still run under never.
	out=$(_ap_ctl cxt-member exec --no-prompt -a never -- echo fine) || fail "exec -a never echo fine"
	assert_eq fine "$out" "an unmatched command under never"
	_ap_watch_stop
}

test_escalate_asks_and_never_refuses()
{
	local out
	sb_setup nogit
	# No managed sandbox_mode or approval_policy: the requests choose.
	_ap_daemon escalate "" ""
	_ap_watch
	# Asked even though no rule matches; approved, it runs outside the (read-only) sandbox.
	ASDIR=$WS _ap_bg ex cxt-member exec --no-prompt -a on-request -s read-only --escalate \
		--justification "need to write $AP_TOK" -- sh -c "echo $AP_TOK > escalated"
	wait_until 10 _ap_has_request sh || fail "no approval/request for --escalate: $(head -c 600 "$TD/watch.out")"
	REQ=$(_ap_request sh)
	REQ_ID=$(jqv "$REQ" .approval_id)
	assert_eq true "$(jqv "$REQ" .escalate)" "escalate in the request"
	assert_eq "need to write $AP_TOK" "$(jqv "$REQ" .justification)" "justification in the request"
	_ap_ctl cxt-member approvals approve "$REQ_ID"
	assert_rc 0 $? "approvals approve"
	_ap_wait_bg "escalated exec"
	assert_rc 0 "$BG_RC" "escalated exec (stderr: $(cat "$TD/ex.err"))"
	assert_eq "$AP_TOK" "$(cat "$WS/escalated" 2>/dev/null)" "the file written outside the sandbox"

	# Under never an escalation is refused, and nobody is asked.
	: >"$TD/watch.out"
	rm -f "$WS/escalated"
	out=$(ASDIR=$WS _ap_ctl cxt-member exec --no-prompt -a never -s read-only --escalate -- \
		sh -c "echo x > escalated" 2>&1)
	assert_rc 126 $? "--escalate under never (output: $out)"
	[[ ! -e "$WS/escalated" ]] || fail "the refused escalation ran"
	sleep 0.3
	_ap_no_requests "--escalate under never"
	_ap_watch_stop
}

# _ap_start_json OUT: the exec/start line of codexctl --json exec output.
_ap_start_json()
{
	printf '%s\n' "$1" | head -1
}

test_requirements_clamp_sandbox_mode()
{
	local out err line
	sb_setup nogit
	_ap_daemon clamp1 "" '[requirements]
allowed_sandbox_modes = ["read-only", "workspace-write"]'
	out=$(ASDIR=$WS _ap_ctl cxt-member --json exec --no-prompt -s danger-full-access -- true \
		2>"$TD/err")
	assert_rc 0 $? "exec -s danger-full-access (stderr: $(cat "$TD/err"))"
	line=$(_ap_start_json "$out")
	assert_eq workspace-write "$(jqv "$line" .sandbox)" "sandbox after clamping"
	[[ "$(jqv "$line" '.warnings | length')" -ge 1 ]] || fail "no warnings in the result: $line"
	err=$(cat "$TD/err")
	assert_match "codexctl: warning: .*(danger-full-access|sandbox)" "$err" "warning on stderr"
}

test_requirements_clamp_to_read_only()
{
	local out line
	sb_setup nogit
	# The managed default must itself be allowed (codexd refuses to start otherwise).
	_ap_daemon clamp2 'sandbox_mode = "read-only"' '[requirements]
allowed_sandbox_modes = ["read-only"]'
	out=$(ASDIR=$WS _ap_ctl cxt-member --json exec --no-prompt -s workspace-write -- \
		sh -c "touch clamped" 2>"$TD/err")
	line=$(_ap_start_json "$out")
	assert_eq read-only "$(jqv "$line" .sandbox)" "sandbox after clamping ($(cat "$TD/err"))"
	assert_match "codexctl: warning: .*workspace-write" "$(cat "$TD/err")" "warning on stderr"
	[[ ! -e "$WS/clamped" ]] || fail "the command could write in a read-only sandbox"
	# Asked for nothing: the default is clamped the same way.
	out=$(ASDIR=$WS _ap_ctl cxt-member --json exec --no-prompt -- true 2>"$TD/err")
	assert_eq read-only "$(jqv "$(_ap_start_json "$out")" .sandbox)" "default sandbox after clamping"
}

test_requirements_clamp_approval_policy()
{
	local out line
	_ap_daemon clamp3 "$AP_TOP_NOPOLICY
approval_policy = \"untrusted\"" '[requirements]
allowed_approval_policies = ["untrusted"]'
	out=$(_ap_ctl cxt-member --json exec --no-prompt -a never -- echo hi 2>"$TD/err")
	assert_rc 0 $? "exec -a never with only untrusted allowed (stderr: $(cat "$TD/err"))"
	line=$(_ap_start_json "$out")
	assert_eq untrusted "$(jqv "$line" .approval_policy)" "approval policy after clamping"
	assert_match "codexctl: warning: .*(never|untrusted|approval)" "$(cat "$TD/err")" \
		"warning on stderr"
	# untrusted now applies: a command that is not known-safe asks (and nobody answers).
	out=$(_ap_ctl cxt-member exec --no-prompt -a never -- printf "$AP_TOK" 2>&1)
	assert_rc 126 $? "printf under the clamped policy (output: $out)"
}

# ------------------------------------------------------------------ layers of rules

test_managed_forbidden_beats_user_and_project_allow()
{
	local out
	_ap_daemon layers "$AP_TOP" "" \
		"prefix_rule(pattern=[\"echo\", \"$AP_TOK\"], decision=\"forbidden\", justification=\"managed says no\")"
	_ap_user_file cxt-member ".codex/rules/cxt-$AP_TOK.rules" \
		"prefix_rule(pattern=[\"echo\", \"$AP_TOK\"], decision=\"allow\")"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hi 2>&1)
	assert_rc 126 $? "managed forbidden with a user allow"
	assert_match "managed says no" "$out" "message names the managed justification"
	_ap_no_line "$out" "$AP_TOK hi" "managed forbidden with a user allow"

	# A project's rules cannot loosen it either.
	mkdir -p "$W/proj/.codex/rules"
	printf 'prefix_rule(pattern=["echo", "%s"], decision="allow")\n' "$AP_TOK" \
		>"$W/proj/.codex/rules/allow.rules"
	chown -R cxt-member: "$W/proj"
	out=$(ASDIR=$W/proj _ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" hi 2>&1)
	assert_rc 126 $? "managed forbidden with a project allow"
	assert_match "managed says no" "$out" "message in the project"
}

test_user_rules_syntax_error_fails_closed()
{
	local out rc home f
	# cxt-admin, so that other tests of cxt-member are not affected meanwhile.
	home=$(_ap_home cxt-admin)
	f=$home/.codex/rules/cxt-$AP_TOK.rules
	_ap_daemon badrules "$AP_TOP" ""
	_ap_user_file cxt-admin ".codex/rules/cxt-$AP_TOK.rules" "# broken on purpose
prefix_rule(pattern=[\"echo\", \"$AP_TOK\"], decision=\"allow\""
	out=$(ASDIR=/ _ap_ctl cxt-admin exec --no-prompt -- echo hi 2>&1)
	rc=$?
	[[ "$rc" != 0 ]] || fail "exec with a broken user rules file ran: $out"
	_ap_no_line "$out" hi "exec with a broken user rules file"
	assert_match "cxt-$AP_TOK\\.rules:[23]" "$out" "file:line of the error"
	# Every command of that user, not only the ones the file is about.
	if ASDIR=/ _ap_ctl cxt-admin exec --no-prompt -- true >/dev/null 2>&1; then
		fail "exec true with a broken user rules file ran"
	fi
	# Other users are not affected.
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo hi) || fail "cxt-member's exec failed: $out"
	# Fixed, service is back.
	# shellcheck disable=SC2016 # for the user's sh
	printf 'prefix_rule(pattern=["echo", "%s"], decision="allow")\n' "$AP_TOK" |
		as cxt-admin sh -c 'cat > "$1"' sh "$f"
	out=$(ASDIR=/ _ap_ctl cxt-admin exec --no-prompt -- echo hi 2>&1)
	assert_rc 0 $? "exec after fixing the rules file (output: $out)"
	assert_eq hi "$out" "output"
}

test_reload_broken_rules_keeps_old_policy()
{
	local out
	_ap_daemon reload "$AP_TOP" "" \
		"prefix_rule(pattern=[\"echo\", \"$AP_TOK\"], decision=\"forbidden\", justification=\"old policy\")"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" 2>&1)
	assert_rc 126 $? "the forbidden command before the reload"
	# Line 3 of a new file is broken.
	write_config "$D_DIR/rules.d/zz-broken.rules" '# new
prefix_rule(pattern=["true"], decision="allow")
prefix_rule(pattern=["echo", decision="allow")'
	out=$(SOCK=$AP_SOCK ctl cxt-admin reload 2>&1)
	assert_rc 1 $? "reload with a broken rules file"
	assert_match "zz-broken\\.rules:3" "$out" "file:line in the reload error"
	assert_match "zz-broken\\.rules:3" "$(status_json cxt-viewer "$AP_SOCK" |
		jq -r '.policy.last_reload_error // empty')" "last_reload_error"
	# The old policy still applies, whole.
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" 2>&1)
	assert_rc 126 $? "the forbidden command after the failed reload"
	assert_match "old policy" "$out" "message after the failed reload"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo other) || fail "exec echo other failed"
	# Repaired: the reload goes through.
	write_config "$D_DIR/rules.d/zz-broken.rules" '# fixed'
	SOCK=$AP_SOCK ctl cxt-admin reload >/dev/null || fail "reload after the repair failed"
	out=$(_ap_ctl cxt-member exec --no-prompt -- echo "$AP_TOK" 2>&1)
	assert_rc 126 $? "the forbidden command after the repaired reload"
}

test_forbidden_look_alike_program()
{
	local out
	_ap_daemon lookalike "$AP_TOP" "" \
		'prefix_rule(pattern=["git", "push"], decision="forbidden", justification="no pushing")'
	as cxt-member mkdir -p "$W/bin" || fail "mkdir $W/bin"
	as cxt-member cp /bin/echo "$W/bin/git" || fail "cp /bin/echo $W/bin/git"
	# The copy works as such.
	out=$(_ap_ctl cxt-member exec --no-prompt -- "$W/bin/git" status 2>&1)
	assert_rc 0 $? "$W/bin/git status (output: $out)"
	assert_eq status "$out" "output of the look-alike"
	# By path.
	out=$(_ap_ctl cxt-member exec --no-prompt -- "$W/bin/git" push origin 2>&1)
	assert_rc 126 $? "$W/bin/git push"
	assert_match "no pushing" "$out" "message"
	# Found first on PATH.
	as_prefix cxt-member "$AP_SOCK"
	out=$(timeout -k 2 "$CXT_CTL_TIMEOUT" "${AS[@]}" PATH="$W/bin:$CXT_PATH" "$CODEXCTL" exec \
		--no-prompt -- git push origin 2>&1)
	assert_rc 126 $? "git push with $W/bin first on PATH (output: $out)"
	# Through a relative path.
	out=$(ASDIR=$W/bin _ap_ctl cxt-member exec --no-prompt -- ./git push 2>&1)
	assert_rc 126 $? "./git push (output: $out)"
}

# ------------------------------------------------------------------ the terminal prompt

# _ap_script NAME ANSWERS COMMAND...: codexctl exec COMMAND as cxt-member
# on a pseudo-terminal (util-linux script).  ANSWERS are words: the Nth is
# typed, with a newline, once the Nth question is on the terminal.  What the
# terminal showed is in TTY_OUT (and $TD/NAME.tty); TTY_RC is the status
# codexctl exited with.
_ap_script()
{
	local name=$1 answers=$2 fd pid cmd n=0 a
	shift 2
	cmd=$(printf '%q ' "$CODEXCTL" exec "$@")
	rm -f "$TD/$name.in"
	mkfifo -m 0600 "$TD/$name.in"
	: >"$TD/$name.tty"
	as_prefix cxt-member "$AP_SOCK"
	timeout -k 2 "$CXT_CTL_TIMEOUT" "${AS[@]}" script -qec "$cmd; echo RC=\$?" /dev/null \
		<"$TD/$name.in" >"$TD/$name.tty" 2>&1 &
	pid=$!
	exec {fd}>"$TD/$name.in"
	for a in $answers; do
		n=$((n + 1))
		if ! wait_until 10 _ap_questions_at_least "$n" "$TD/$name.tty"; then
			exec {fd}>&-
			fail "question $n not on the terminal: $(tr -d '\r' <"$TD/$name.tty" | head -c 1000)"
		fi
		printf '%s\n' "$a" >&"$fd"
	done
	wait_until 10 grep -q '^RC=' "$TD/$name.tty"
	exec {fd}>&-
	wait "$pid"
	TTY_OUT=$(tr -d '\r' <"$TD/$name.tty")
	TTY_RC=$(sed -n 's/^RC=//p' <<<"$TTY_OUT" | tail -1)
}

# _ap_questions_at_least N FILE
_ap_questions_at_least()
{
	(($(grep -o 'Allow it?' "$2" | wc -l) >= $1))
}

test_terminal_prompt_approve()
{
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	_ap_daemon tty "$AP_TOP" "" "$AP_PROMPT_RULE"
	_ap_script yes y --justification "trust me $AP_TOK" -- echo "$AP_TOK" yes-answer
	assert_eq 0 "$TTY_RC" "exec answered y on the terminal ($TTY_OUT)"
	assert_line "$TTY_OUT" "$AP_TOK yes-answer" "output of the approved command"
	# The prompt said what it was about, and whose words are whose.
	assert_match "command: +echo $AP_TOK yes-answer" "$TTY_OUT" "command in the prompt"
	assert_match "cwd: +$W" "$TTY_OUT" "cwd in the prompt"
	assert_match "echo $AP_TOK needs review" "$TTY_OUT" "rule's justification in the prompt"
	assert_match "cxt\\.rules:1" "$TTY_OUT" "rule's source in the prompt"
	assert_match "requester says: \"trust me $AP_TOK\" +\\(the requester's own claim" "$TTY_OUT" \
		"the requester's justification, labelled"
	assert_match "\\[y\\] approve once" "$TTY_OUT" "choices in the prompt"
	assert_match "\\[n\\] deny" "$TTY_OUT" "choices in the prompt"
}

test_terminal_prompt_deny()
{
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	_ap_daemon tty "$AP_TOP" "" "$AP_PROMPT_RULE"
	_ap_script no n -- echo "$AP_TOK" no-answer
	assert_eq 126 "$TTY_RC" "exec answered n on the terminal ($TTY_OUT)"
	_ap_no_line "$TTY_OUT" "$AP_TOK no-answer" "exec answered n"
	# An answer that is not one asks again; the next one counts.
	_ap_script again "maybe y" -- echo "$AP_TOK" again
	assert_eq 0 "$TTY_RC" "exec answered 'maybe', then y ($TTY_OUT)"
	assert_line "$TTY_OUT" "$AP_TOK again" "output after the second answer"
	# With --no-prompt the terminal is not asked: nobody approves.
	_ap_script noprompt "" --no-prompt -- echo "$AP_TOK" quiet
	assert_eq 126 "$TTY_RC" "exec --no-prompt on a terminal ($TTY_OUT)"
	assert_no_match "Allow it\\?" "$TTY_OUT" "a prompt with --no-prompt"
}
