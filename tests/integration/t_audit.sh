# shellcheck shell=bash
# The audit trail: records of a mixed run, the hash chain against edits,
# deletions and reordering, HMAC, role filtering of queries, exports, a
# full file system, 50 parallel commands, rotation and retention, OTLP
# export to a local receiver, sessions and daemon/status.

AU_TOK=cxtau${RANDOM}x$$
AU_FORBID_RULE="prefix_rule(pattern=[\"rm\", \"$AU_TOK\"], decision=\"forbidden\", justification=\"never rm $AU_TOK\")
prefix_rule(pattern=[\"echo\", \"$AU_TOK-ask\"], decision=\"prompt\", justification=\"asks\")"
AU_MOUNTS=()
AU_PIDS=()
AU_SOCKETS=()

_au_cleanup()
{
	local m p
	for p in "${AU_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	[[ -n "${D_PID:-}" ]] && stop_daemon "$D_PID" >/dev/null 2>&1
	for m in "${AU_MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	for m in "${AU_SOCKETS[@]}"; do rm -f "$m"; done
}
trap _au_cleanup EXIT

# _au_daemon NAME EXTRA_CONFIG [RULES] [STATE_DIR_MOUNT]: a daemon of this test.
_au_daemon()
{
	local name=$1 dir=$TD/d-$1
	mkdir -p "$dir/rules.d"
	chmod 0755 "$dir" "$dir/rules.d"
	[[ -n "${3:-}" ]] && write_config "$dir/rules.d/cxt.rules" "$3"
	# Top-level keys first: [roles] would swallow them.
	start_daemon "$name" "$2
$CXT_ROLES_CONF"
	AU_LOG=$D_DIR/state/audit.jsonl
}

# _au_has JQ_CONDITION: some record of the log matches (jq 1.6's -e is
# unreliable over many inputs).
_au_has()
{
	[[ -n "$(jq -c "select($1)" "$AU_LOG" 2>/dev/null)" ]]
}

_au_ctl()
{
	SOCK=$D_SOCK ctl "$@"
}

# _au_events: "seq event" of every record, in file order.
_au_events()
{
	jq -r '"\(.seq) \(.event)"' "$AU_LOG"
}

# _au_edit_line N PYTHON_EXPR: replace line N (1-based) of the log in
# place (same inode) with the expression's value of `l` (the old line).
_au_edit()
{
	chattr -a "$AU_LOG" 2>/dev/null
	python3 - "$AU_LOG" "$1" "$2" <<'EOF'
import sys
path, n, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "rb") as f:
    lines = f.read().split(b"\n")
l = lines[n - 1]
lines[n - 1] = eval(expr)
data = b"\n".join(l for l in lines if l is not None)
with open(path, "r+b") as f:
    f.write(data)
    f.truncate()
EOF
}

_au_verify_json()
{
	_au_ctl cxt-admin --json audit verify
}

test_audit_mixed_run()
{
	local out rc csv n line
	_au_daemon mixed 'sandbox_mode = "workspace-write"' "$AU_FORBID_RULE"
	# Allowed, refused by a rule, prompted (nobody to approve), network refused.
	out=$(_au_ctl cxt-member exec -- echo "$AU_TOK") || fail "allowed exec failed: $out"
	_au_ctl cxt-member exec -- rm "$AU_TOK" >/dev/null 2>&1
	assert_rc 126 $? "forbidden exec"
	_au_ctl cxt-member exec --no-prompt -- echo "$AU_TOK-ask" >/dev/null 2>&1
	assert_rc 126 $? "prompted exec without an approver"
	_au_ctl cxt-member exec --network full -- true >/dev/null 2>&1
	assert_rc 126 $? "exec asking for full network"
	_au_ctl cxt-viewer exec -- true >/dev/null 2>&1
	assert_rc 126 $? "exec as a viewer"

	csv=$(_au_ctl cxt-admin audit query --format csv) || fail "audit query --format csv failed"
	assert_match '^seq,time,host,event,uid,user,session,request,exec,decision,source' "$csv" "CSV header"
	# Every event of the run, in order.
	out=$(printf '%s\n' "$csv" | tail -n +2 | cut -d, -f4 | tr -d '\r' | tr '\n' ' ')
	assert_match 'daemon.start conn.open .*exec.request exec.decision exec.start exec.exit' "$out" "allowed command's records"
	assert_match 'exec.request exec.decision exec.refused' "$out" "forbidden command's records"
	assert_match 'exec.decision approval.request approval.answer exec.refused' "$out" "prompted command's records"
	assert_match 'role.refused' "$out" "the viewer's refusal"
	assert_match 'exec.request net.decision exec.refused' "$out" "network refusal's records"
	# Sequence numbers in order, no gaps.
	n=$(printf '%s\n' "$csv" | tail -n +2 | cut -d, -f1 | awk 'NR != $1 { bad = 1 } END { print bad ? "gap" : "ok" }')
	assert_eq ok "$n" "sequence of the CSV rows"
	# The forbidden decision names its rule and source.
	line=$(jq -c "select(.event == \"exec.decision\" and .decision == \"forbidden\")" "$AU_LOG" | head -1)
	assert_eq rule "$(jqv "$line" .source)" "decision source"
	assert_match "never rm $AU_TOK" "$(jqv "$line" '.reason')" "decision reason"
	assert_eq "cxt-member" "$(jqv "$line" .user)" "decision user"
	line=$(jq -c 'select(.event == "approval.answer")' "$AU_LOG" | head -1)
	assert_eq deny "$(jqv "$line" .decision)" "approval answer"
	assert_eq no_approver "$(jqv "$line" .by)" "approval answered by"
	line=$(jq -c 'select(.event == "conn.open" and .user == "cxt-member")' "$AU_LOG" | head -1)
	assert_eq "$CODEXCTL" "$(jqv "$line" .exe)" "client executable"
	assert_eq member "$(jqv "$line" .role)" "client role"
	line=$(jq -c 'select(.event == "exec.exit")' "$AU_LOG" | head -1)
	assert_eq 0 "$(jqv "$line" .exit_code)" "exit code"
	[[ "$(jqv "$line" '.rusage.max_rss_kib')" =~ ^[0-9]+$ ]] || fail "no rusage in $line"

	out=$(_au_ctl cxt-admin audit verify)
	rc=$?
	assert_rc 0 "$rc" "audit verify"
	assert_match '^audit log intact: [0-9]+ records' "$out" "verify output"
	[[ "$(lsattr "$AU_LOG" 2>/dev/null | cut -c1-22)" == *a* ]] || note "no append-only flag here"
	assert_eq 640 "$(stat -c %a "$AU_LOG")" "log mode"
	assert_eq "root cxt-admin" "$(stat -c '%U %G' "$AU_LOG")" "log owner and group"
	# A member cannot open the file itself.
	as cxt-member cat "$AU_LOG" >/dev/null 2>&1 && fail "cxt-member can read the log"

	# Edit one byte of record 5: verify names it.
	_au_edit 5 'l.replace(b"\"seq\":5,", b"\"seq\":5 ,")'
	out=$(_au_ctl cxt-admin audit verify)
	rc=$?
	assert_rc 1 "$rc" "verify after an edit"
	assert_match 'BROKEN \(edited\) at seq 5: record seq 5 \(audit.jsonl:5\) was edited' "$out" "verify names the edited record"
}

# _au_tamper PYTHON: apply PYTHON (it gets `lines`, the log's lines without
# the trailing empty one, and changes them) to the log in place, keeping
# the original in $TD/cur; _au_untamper puts the original back followed by
# whatever the daemon appended meanwhile (codexctl's own conn records).
_au_tamper()
{
	chattr -a "$AU_LOG" 2>/dev/null
	cp "$AU_LOG" "$TD/cur"
	python3 - "$AU_LOG" "$1" <<'EOF2'
import sys, hashlib
p, code = sys.argv[1], sys.argv[2]
with open(p, "rb") as f:
    lines = f.read().split(b"\n")[:-1]
exec(code)
with open(p, "r+b") as f:
    f.write(b"".join(l + b"\n" for l in lines))
    f.truncate()
EOF2
	stat -c %s "$AU_LOG" >"$TD/manip.len"
}

_au_untamper()
{
	local n
	n=$(cat "$TD/manip.len")
	{ cat "$TD/cur"; tail -c +$((n + 1)) "$AU_LOG"; } >"$TD/restored"
	cat "$TD/restored" >"$AU_LOG"
}

test_audit_chain_deleted_reordered()
{
	local out
	_au_daemon chain ''
	for i in 1 2 3; do _au_ctl cxt-member exec -- true || fail "exec $i"; done
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "intact before"
	# Deleted: record 6 gone.
	_au_tamper 'del lines[5]'
	out=$(_au_verify_json)
	assert_eq deleted "$(jqv "$out" .error.reason)" "reason after a deletion: $out"
	assert_eq 6 "$(jqv "$out" .error.seq)" "the deleted record"
	_au_untamper
	# Reordered: records 6 and 7 swapped.
	_au_tamper 'lines[5], lines[6] = lines[6], lines[5]'
	out=$(_au_verify_json)
	assert_eq reordered "$(jqv "$out" .error.reason)" "reason after reordering: $out"
	assert_eq 6 "$(jqv "$out" .error.seq)" "the reordered record"
	_au_untamper
	# Replaced by a record rehashed without the chain: record 5's successor tells.
	_au_tamper '
l = lines[4]
i = l.rindex(b",\"hash\":\"")
body = l[:i].replace(b"\"user\":\"cxt-member\"", b"\"user\":\"someone\"") + b"}"
lines[4] = body[:-1] + b",\"hash\":\"" + hashlib.sha256(body).hexdigest().encode() + b"\"}"'
	out=$(_au_verify_json)
	assert_eq replaced "$(jqv "$out" .error.reason)" "reason after a rehashed edit: $out"
	assert_eq 5 "$(jqv "$out" .error.seq)" "the replaced record"
	_au_untamper
	# The tail cut off: the daemon knows what it wrote.
	_au_tamper 'del lines[-3:]'
	out=$(_au_verify_json)
	assert_eq deleted "$(jqv "$out" .error.reason)" "reason after cutting the tail: $out"
	_au_untamper
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "intact again: $out"
}

test_audit_hmac()
{
	local out key=$TD/audit.key
	head -c 32 /dev/urandom >"$key"
	chmod 0644 "$key"
	# A key others can read is refused with a clear error.
	mkdir -p "$TD/d-badkey"
	write_config "$TD/d-badkey/codexd.conf" "[audit]
hmac_key_file = \"$key\""
	out=$("$CODEXD" --check-config --config "$TD/d-badkey/codexd.conf" 2>&1)
	assert_match 'HMAC key .* must be owned by root and not accessible to group or others' "$out" "badly protected key"
	chmod 0600 "$key"
	_au_daemon hmac "[audit]
hmac_key_file = \"$key\""
	_au_ctl cxt-member exec -- true || fail "exec"
	[[ "$(tail -1 "$AU_LOG" | jq -r '.hmac | length')" == 64 ]] || fail "no hmac in records"
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "intact with HMAC: $out"
	assert_eq true "$(jqv "$out" .hmac_checked)" "HMAC checked"
	# Rehash record 3 consistently (hash and chain fine for a keyless forger): the HMAC tells.
	chattr -a "$AU_LOG" 2>/dev/null
	python3 - "$AU_LOG" <<'EOF'
import sys, hashlib
p = sys.argv[1]
with open(p, "rb") as f:
    lines = f.read().split(b"\n")
def rehash(l, edit):
    i = l.rindex(b',"hash":"')
    body = edit(l[:i]) + b"}"
    return body, hashlib.sha256(body).hexdigest().encode()
# Forge record 3 and fix record 4's prev so that the chain holds.
b3, h3 = rehash(lines[2], lambda b: b.replace(b'"uid":', b'"forged":1,"uid":', 1))
lines[2] = b3[:-1] + b',"hash":"' + h3 + b'","hmac":"' + b"0" * 64 + b'"}'
l4 = lines[3]
j = l4.index(b'"prev":"') + 8
b4, h4 = rehash(l4[:j] + h3 + l4[j + 64:], lambda b: b)
lines[3] = b4[:-1] + b',"hash":"' + h4 + l4[l4.rindex(b'","hmac":"'):]
with open(p, "r+b") as f:
    f.write(b"\n".join(lines))
    f.truncate()
EOF
	out=$(_au_verify_json)
	assert_eq hmac_mismatch "$(jqv "$out" .error.reason)" "forged record: $out"
	assert_eq 3 "$(jqv "$out" .error.seq)" "the forged record"
}

test_audit_role_filtering()
{
	local out uid_m uid_a
	uid_m=$(id -u cxt-member)
	uid_a=$(id -u cxt-admin)
	_au_daemon roles ''
	_au_ctl cxt-member exec -- echo member-run >/dev/null || fail "member exec"
	ASDIR=/ _au_ctl cxt-admin exec -s read-only -- echo admin-run >/dev/null || fail "admin exec"
	# A member sees only records with its own uid.
	out=$(_au_ctl cxt-member audit export)
	[[ -n "$out" ]] || fail "the member sees nothing"
	assert_eq "$uid_m" "$(jq -r '.uid' <<<"$out" | sort -u | tr '\n' ' ' | sed 's/ $//')" "uids a member sees"
	assert_no_match 'admin-run' "$out" "the admin's command in the member's view"
	assert_no_match 'daemon.start' "$out" "daemon records in the member's view"
	# Filters do not widen it.
	out=$(_au_ctl cxt-member audit export --user cxt-admin)
	assert_eq "" "$out" "a member asking for the admin's records"
	out=$(_au_ctl cxt-member audit export --uid "$uid_a")
	assert_eq "" "$out" "a member asking for the admin's uid"
	# An admin sees everyone's, and filters.
	out=$(_au_ctl cxt-admin audit export)
	assert_match 'admin-run' "$out" "the admin's own command"
	assert_match 'member-run' "$out" "the member's command"
	out=$(_au_ctl cxt-admin audit export --user cxt-member --type exec.start)
	assert_eq 1 "$(grep -c . <<<"$out")" "admin: the member's exec.start"
	assert_match 'member-run' "$out" "filtered record"
	# Viewers have no audit access at all.
	out=$(_au_ctl cxt-viewer audit query 2>&1)
	assert_rc 1 $? "audit query as a viewer"
	assert_match 'permission denied: audit/query needs role member' "$out" "viewer refusal"
	# Bad input gets a clear error.
	out=$(rpc_line 7 audit/query '{"since":"yesterday"}' | SOCK=$D_SOCK raw cxt-admin --lines 1)
	expect_error "$out" 7 -32602 "bad time"
	out=$(rpc_line 8 audit/export '{"format":"xml"}' | SOCK=$D_SOCK raw cxt-admin --lines 1)
	expect_error "$out" 8 -32602 "bad format"
	out=$(rpc_line 9 audit/query '{"bogus":1}' | SOCK=$D_SOCK raw cxt-admin --lines 1)
	expect_error "$out" 9 -32602 "unknown key"
	hello_ok cxt-admin "$D_SOCK" || fail "the daemon stopped answering"
}

test_audit_exports()
{
	local out
	_au_daemon exports ''
	# One argument with every character the formats escape: , " = | ] \
	_au_ctl cxt-member exec -- echo 'a,"b"=c|d]\x' >/dev/null || fail "exec"
	out=$(_au_ctl cxt-admin audit export --format cef --type exec.start)
	assert_match '^CEF:0\|codexd\|codexd\|[^|]+\|exec.start\|command starting\|3\|rt=[0-9]+ ' "$out" "CEF header"
	# Extension values escape \ and =, not | or ].
	grep -qF 'cs4=["echo","a,\\"b\\"\=c|d]\\\\x"] cs4Label=argv' <<<"$out" ||
		fail "CEF argv escaping: $out"
	out=$(_au_ctl cxt-admin audit export --format syslog --type exec.start)
	assert_match '^<86>1 [0-9T:.-]+Z [^ ]+ codexd - exec.start \[codexd@32473 seq="[0-9]+" event="exec.start"' "$out" "RFC 5424 header"
	# SD-PARAM values escape ", \ and ].
	grep -qF 'argv="[\"echo\",\"a,\\\"b\\\"=c|d\]\\\\x\"\]"' <<<"$out" ||
		fail "RFC 5424 SD escaping: $out"
	[[ "$out" == *$'] \xef\xbb\xbf{"seq":'* ]] || fail "RFC 5424 MSG: BOM and the record"
	out=$(_au_ctl cxt-admin audit export --format csv --type exec.start)
	# Quotes doubled inside a quoted field, CRLF line ends.
	grep -qF '"[""echo"",""a,\""b\""=c|d]\\x""]"' <<<"$out" || fail "CSV quoting: $out"
	[[ "$out" == *$'\r'* ]] || fail "CSV rows do not end in CRLF"
	out=$(_au_ctl cxt-admin audit export --format json --type exec.start)
	assert_eq exec.start "$(jq -r .event <<<"$out")" "JSON export"
	# The JSON export is the log itself: still verifiable line by line.
	grep -qxF "$out" "$AU_LOG" || fail "JSON export differs from the log"
}

test_audit_full_filesystem()
{
	local m=$TD/small out rc before
	mkdir -p "$m"
	mount -t tmpfs -o size=512k,mode=0755 cxt-audit "$m" || skip "cannot mount a tmpfs"
	AU_MOUNTS+=("$m")
	mkdir -p "$TD/d-full"
	chmod 0755 "$TD/d-full"
	write_config "$TD/d-full/codexd.conf" "$CXT_ROLES_CONF"
	"$CODEXD" --foreground --config "$TD/d-full/codexd.conf" --state-dir "$m" --log-level debug \
		>"$TD/d-full/log" 2>&1 </dev/null &
	D_PID=$!
	D_SOCK=$m/codexd.sock
	AU_LOG=$m/audit.jsonl
	printf '%s %s\n' "$D_PID" "$TD/d-full/log" >>"$TD/daemons"
	wait_until 10 test -S "$D_SOCK" || fail "daemon did not start: $(tail -3 "$TD/d-full/log")"
	wait_until 5 mode_is 660 "$D_SOCK" || true
	_au_ctl cxt-member exec -- true || fail "exec before the disk is full"
	# What is written before the outage, to check that none of it is lost.
	cp "$AU_LOG" "$TD/log-before-full"
	# Fill the file system, then the log's last page (each status call adds records).
	dd if=/dev/zero of="$m/filler" bs=4k >/dev/null 2>&1
	for _ in $(seq 1 40); do
		[[ "$(jqv "$(status_json cxt-admin "$D_SOCK")" .audit.state)" == failing ]] && break
	done
	before=$(wc -l <"$AU_LOG")
	out=$(_au_ctl cxt-member exec -- echo should-not-run 2>&1)
	rc=$?
	assert_rc 126 "$rc" "exec on a full disk"
	assert_match 'audit unavailable' "$out" "message"
	assert_no_match 'should-not-run' "$out" "the command ran"
	out=$(status_json cxt-admin "$D_SOCK")
	assert_eq failing "$(jqv "$out" .audit.state)" "status audit state"
	# What was written is intact and complete lines only.
	[[ "$(tail -c 1 "$AU_LOG" | od -An -c | tr -d ' ')" == '\n' ]] ||
		note "last line incomplete while failing (completed later)"
	# Space again: the records kept in memory are written, commands run.
	rm -f "$m/filler"
	wait_until 5 sh -c "test \$(wc -l <'$AU_LOG') -gt $before" || fail "kept records not written"
	_au_ok() { [[ "$(jqv "$(status_json cxt-admin "$D_SOCK")" .audit.state)" == ok ]]; }
	wait_until 5 _au_ok || fail "the audit log did not recover"
	out=$(_au_ctl cxt-member exec -- echo runs-again) || fail "exec after space came back: $out"
	assert_eq runs-again "$out" "output"
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "intact after the outage: $out"
	cmp -s "$TD/log-before-full" <(head -c "$(stat -c %s "$TD/log-before-full")" "$AU_LOG") ||
		fail "records written before the disk filled up were changed or lost"
	# The refusal itself is in the trail.
	_au_has '.event == "exec.refused" and .reason == "audit_unavailable"' ||
		fail "no exec.refused audit_unavailable record"
	stop_daemon "$D_PID" || fail "daemon did not stop"
	umount "$m" && AU_MOUNTS=()
}

# The sync of a command's exec.start record fails (fdatasync: EIO/ENOSPC)
# while its sandbox is being built: the command never runs, the client
# hears audit_unavailable, the daemon keeps serving.  The log lives on an
# ext4 image in a loop device whose backing file is on a small tmpfs: once
# that tmpfs is full, write(2) of a record still succeeds (page cache) but
# writeback -- fdatasync -- fails as soon as the log needs a new block.
test_audit_sync_failure()
{
	local m=$TD/syncfail img lo out rc i refused=0
	command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null ||
		skip "no losetup or mkfs.ext4"
	mkdir -p "$m"
	mount -t tmpfs -o size=12m,mode=0755 cxt-syncfail "$m" || skip "cannot mount a tmpfs"
	AU_MOUNTS+=("$m")
	img=$m/img
	truncate -s 64M "$img"
	mkfs.ext4 -q -O ^has_journal "$img" || skip "mkfs.ext4 failed"
	lo=$(losetup -f --show "$img") || skip "no loop device"
	mkdir -p "$m/fs"
	mount "$lo" "$m/fs" || { losetup -d "$lo"; skip "cannot mount the loop device"; }
	AU_MOUNTS=("$m/fs" "${AU_MOUNTS[@]}")
	losetup -d "$lo" # detached once unmounted (autoclear)
	chmod 0755 "$m/fs"
	mkdir -p "$TD/d-syncfail"
	chmod 0755 "$TD/d-syncfail"
	write_config "$TD/d-syncfail/codexd.conf" "$CXT_ROLES_CONF"
	"$CODEXD" --foreground --config "$TD/d-syncfail/codexd.conf" --state-dir "$m/fs/state" \
		--log-level debug >"$TD/d-syncfail/log" 2>&1 </dev/null &
	D_PID=$!
	D_SOCK=$m/fs/state/codexd.sock
	AU_LOG=$m/fs/state/audit.jsonl
	printf '%s %s\n' "$D_PID" "$TD/d-syncfail/log" >>"$TD/daemons"
	wait_until 10 test -S "$D_SOCK" || fail "daemon did not start: $(tail -3 "$TD/d-syncfail/log")"
	wait_until 5 mode_is 660 "$D_SOCK" || true
	out=$(_au_ctl cxt-member exec -- echo before) || fail "exec before the failure: $out"
	# No room left for the image's new blocks.
	dd if=/dev/zero of="$m/filler" bs=64k >/dev/null 2>&1
	for i in $(seq 1 40); do
		out=$(_au_ctl cxt-member exec -- echo "ran-$i" 2>&1)
		rc=$?
		if [[ "$out" == *"audit unavailable"* ]]; then
			refused=$i
			break
		fi
		assert_rc 0 "$rc" "exec $i while the log's block still had room: $out"
	done
	((refused > 0)) || fail "no command was refused in 40 attempts: $(tail -3 "$TD/d-syncfail/log")"
	assert_rc 126 "$rc" "exit code of the refused command"
	assert_no_match "ran-$refused" "$out" "the refused command ran"
	# Nothing runs while the log fails, and the daemon answers.
	out=$(_au_ctl cxt-member exec -- echo "ran-later" 2>&1)
	assert_rc 126 $? "exec while the log is failing"
	assert_no_match 'ran-later' "$out" "a command ran while the log was failing"
	out=$(status_json cxt-admin "$D_SOCK") || fail "daemon/status after the failure"
	assert_eq failing "$(jqv "$out" .audit.state)" "status audit state"
	if grep -q 'killing sandbox: its audit record could not be made durable' "$TD/d-syncfail/log"; then
		# Its records are kept in memory while the log fails; space again writes them.
		rm -f "$m/filler"
		wait_until 10 _au_has '.event == "exec.failed" and .started == false and .reason == "audit_unavailable"' ||
			fail "no exec.failed audit_unavailable record after space came back"
	else
		note "the failure was seen before the sandbox was built (not the overlapped path)"
	fi
	stop_daemon "$D_PID" || fail "daemon did not stop"
	umount "$m/fs" && umount "$m" && AU_MOUNTS=()
}

test_audit_parallel_50()
{
	local out i pids=() bad=0
	_au_daemon par 'sandbox_mode = "workspace-write"
[daemon]
max_execs = 64
max_execs_per_uid = 64'
	for i in $(seq 1 50); do
		_au_ctl cxt-member exec -- echo "par-$i" >"$TD/par.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
	((bad == 0)) || fail "$bad of 50 parallel execs failed: $(cat "$TD"/par.* | sort | uniq -c | head -5)"
	out=$(jq -r 'select(.event == "exec.start") | .exec' "$AU_LOG" | sort -u | wc -l)
	assert_eq 50 "$out" "exec.start records"
	out=$(jq -r 'select(.event == "exec.exit" and .exit_code == 0) | .exec' "$AU_LOG" | sort -u | wc -l)
	assert_eq 50 "$out" "exec.exit records"
	# Each request has its full set: request, decision, start, exit.
	out=$(jq -rs '[.[] | select(.request)] | group_by(.request) | map(map(.event) | sort | join(",")) | unique | join(" ")' "$AU_LOG")
	assert_eq "exec.decision,exec.exit,exec.request,exec.start" "$out" "record sets"
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "chain after 50 parallel commands: $out"
}

test_audit_rotation_retention()
{
	local out files
	_au_daemon rot '[audit]
max_file_size = 4096
max_files = 2'
	for i in $(seq 1 12); do _au_ctl cxt-member exec -- true || fail "exec $i"; done
	files=$(find "$D_DIR/state" -name 'audit.jsonl.*' | wc -l)
	((files >= 1 && files <= 2)) || fail "rotated files: $files"
	_au_has '.event == "audit.rotate"' || fail "no audit.rotate record first in the new file"
	assert_eq audit.rotate "$(head -1 "$AU_LOG" | jq -r .event)" "first record of the new file"
	grep -h -q '"event":"audit.retention"' "$D_DIR"/state/audit.jsonl* || fail "no audit.retention record"
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "chain across rotated files: $out"
	(($(jqv "$out" .first_seq) > 1)) || fail "retention removed nothing: $out"
	# Queries read across files.
	out=$(_au_ctl cxt-admin audit export --type exec.exit | wc -l)
	((out >= 2)) || fail "exec.exit records across files: $out"
}

test_audit_verify_from()
{
	local out old cur_first last
	_au_daemon vfrom '[audit]
max_file_size = 4096
max_files = 0'
	for i in $(seq 1 10); do _au_ctl cxt-member exec -- true || fail "exec $i"; done
	old=$(find "$D_DIR/state" -name 'audit.jsonl.*' | sort | head -1)
	[[ -n "$old" ]] || fail "no rotated file"
	cur_first=$(head -1 "$AU_LOG" | jq .seq)
	# An edit in an old file: the full verification (the default) finds it ...
	chattr -a "$old" 2>/dev/null
	sed -i '2s/"host":/"host": /' "$old"
	out=$(_au_verify_json)
	assert_eq false "$(jqv "$out" .intact)" "full verification after an old edit: $out"
	assert_eq edited "$(jqv "$out" .error.reason)" "reason"
	out=$(_au_ctl cxt-admin audit verify 2>&1)
	assert_rc 1 $? "codexctl audit verify"
	# ... verifying the recent records reads only the current file and passes.
	out=$(_au_ctl cxt-admin --json audit verify --from "$cur_first") || fail "verify --from: $out"
	assert_eq true "$(jqv "$out" .intact)" "verify --from: $out"
	assert_eq "$cur_first" "$(jqv "$out" .first_seq)" "first record checked"
	assert_eq "$cur_first" "$(jqv "$out" .from_seq)" "from_seq"
	assert_eq '["audit.jsonl"]' "$(jqv "$out" '.files | tojson')" "only the current file read"
	last=$(jqv "$out" .last_seq)
	out=$(_au_ctl cxt-admin audit verify --from "$((last - 2))")
	assert_rc 0 $? "verify --from the last records"
	assert_match "^audit log intact from the given seq on: [0-9]+ records, seq $((last - 2)) to " \
		"$out" "output"
	# An edit after the start is found.
	_au_tamper 'lines[-2] = lines[-2].replace(b"\"host\":", b"\"host\": ", 1)'
	out=$(_au_ctl cxt-admin --json audit verify --from "$((last - 2))")
	assert_eq edited "$(jqv "$out" .error.reason)" "edit after the start: $out"
	_au_untamper
	# Bad values: a usage error, or the daemon's.
	out=$(_au_ctl cxt-admin audit verify --from 0 2>&1)
	assert_rc 2 $? "verify --from 0"
	assert_match 'sequence number' "$out" "message"
	out=$(_au_ctl cxt-admin audit verify --from 999999999 2>&1)
	assert_rc 1 $? "verify --from past the end"
	assert_match 'the log ends at seq' "$out" "message"
}

test_audit_otlp_export()
{
	local port out recv=$TD/otlp.py
	cat >"$recv" <<'EOF'
import http.server, sys, json
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(json.dumps({"path": self.path, "x_test": self.headers.get("X-Test"),
                                "body": json.loads(body)}).encode() + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
EOF
	python3 "$recv" "$TD/otlp.out" >"$TD/otlp.port" 2>"$TD/otlp.err" &
	AU_PIDS+=($!)
	wait_until 5 test -s "$TD/otlp.port" || fail "receiver did not start: $(cat "$TD/otlp.err")"
	port=$(cat "$TD/otlp.port")
	_au_daemon otlp "[otel]
exporter = \"otlp-http\"
endpoint = \"http://127.0.0.1:$port/v1/logs\"
headers = [\"X-Test: yes\"]
interval_ms = 100"
	_au_ctl cxt-member exec -- echo "$AU_TOK" >/dev/null || fail "exec"
	wait_until 10 grep -q codex.sandbox_outcome "$TD/otlp.out" 2>/dev/null || fail "nothing received: $(cat "$TD/otlp.out" 2>/dev/null | head -c 300)"
	out=$(jq -c '.body.resourceLogs[].scopeLogs[].logRecords[] | [.attributes[] | {(.key): (.value | to_entries[0].value)}] | add' "$TD/otlp.out")
	assert_match '"event.name":"codex.tool_decision"' "$out" "tool_decision event"
	assert_match '"decision":"approved"' "$out" "decision value"
	assert_match '"event.name":"codex.tool_result"' "$out" "tool_result event"
	assert_match '"arguments":"\[REDACTED\]"' "$out" "arguments redacted"
	assert_no_match "$AU_TOK" "$out" "the command's arguments"
	assert_match '"event.name":"codex.sandbox_outcome"' "$out" "sandbox_outcome event"
	assert_match '"outcome":"success"' "$out" "outcome"
	assert_eq yes "$(head -1 "$TD/otlp.out" | jq -r .x_test)" "configured header"
	assert_eq /v1/logs "$(head -1 "$TD/otlp.out" | jq -r .path)" "endpoint path"
	out=$(status_json cxt-admin "$D_SOCK")
	(($(jqv "$out" .audit.forwarding.otlp_sent) > 0)) || fail "status: nothing sent: $out"
}

test_sessions_roles_and_kill()
{
	local out id rc
	_au_daemon sess ''
	id=$(_au_ctl cxt-member sessions create --label "$AU_TOK" -s read-only) || fail "create: $id"
	assert_match '^s-[0-9a-f]{16}$' "$id" "session id"
	out=$(_au_ctl cxt-member --json sessions list)
	assert_eq "$id" "$(jqv "$out" '.sessions[0].id')" "member lists its session"
	out=$(_au_ctl cxt-admin --json sessions list)
	assert_eq "$id" "$(jqv "$out" '.sessions[0].id')" "admin lists it"
	out=$(_au_ctl cxt-viewer --json sessions list)
	assert_eq 0 "$(jqv "$out" '.sessions | length')" "a viewer sees only its own (none)"
	out=$(_au_ctl cxt-viewer sessions show "$id" 2>&1)
	assert_rc 1 $? "viewer shows another user's session"
	assert_match 'no such session' "$out" "viewer message"
	out=$(_au_ctl cxt-viewer sessions kill "$id" 2>&1)
	assert_match 'permission denied: session/kill needs role member' "$out" "viewer kill"
	# The session's defaults apply: read-only.
	out=$(_au_ctl cxt-member exec --session "$id" -- touch "$W/x-$AU_TOK" 2>&1)
	[[ -e "$W/x-$AU_TOK" ]] && fail "read-only session default not applied"
	out=$(_au_ctl cxt-member --json sessions show "$id")
	assert_eq 1 "$(jqv "$out" .session.execs_total)" "commands counted"
	# Kill ends a running command and the session.
	_au_ctl cxt-member exec --session "$id" -- sleep 30 >/dev/null 2>&1 &
	AU_PIDS+=($!)
	wait_until 5 procs_of cxt-member -x sleep || fail "sleep did not start"
	out=$(_au_ctl cxt-admin sessions kill "$id") || fail "admin kill: $out"
	assert_match 'ended \(1 commands killed\)' "$out" "kill output"
	wait_no_procs cxt-member 5 -x sleep || fail "the session's command survived"
	out=$(_au_ctl cxt-member exec --session "$id" -- true 2>&1)
	rc=$?
	assert_rc 1 "$rc" "exec in an ended session"
	assert_match "session $id is ended" "$out" "message"
	_au_has ".event == \"session.kill\" and .session == \"$id\" and .user == \"cxt-admin\"" ||
		fail "no session.kill record"
	_au_has ".event == \"exec.start\" and .session == \"$id\"" ||
		fail "no exec.start with the session"
}

# _au_session_state USER ID: the session's state as USER sees it.
_au_session_state()
{
	_au_ctl "$1" --json sessions show "$2" | jq -r .session.state
}

test_session_idle_expiry()
{
	local out id busy
	_au_daemon idle '[sessions]
idle_timeout_ms = 1000'
	id=$(_au_ctl cxt-member sessions create --label idle) || fail "create: $id"
	busy=$(_au_ctl cxt-member sessions create --label busy) || fail "create: $busy"
	out=$(_au_ctl cxt-member --json sessions show "$id")
	[[ "$(jqv "$out" .session.last_active)" =~ ^20[0-9]{2}- ]] || fail "no last_active: $out"
	assert_eq 0 "$(jqv "$out" .session.execs_running)" "nothing runs"
	# A session with a command running never expires, however long it runs.
	_au_ctl cxt-member exec --session "$busy" -- sleep 4 >/dev/null 2>&1 &
	AU_PIDS+=($!)
	wait_until 5 procs_of cxt-member -x sleep || fail "sleep did not start"
	wait_until 10 _au_has ".event == \"session.expire\" and .session == \"$id\"" ||
		fail "the idle session did not expire"
	assert_eq expired "$(_au_session_state cxt-member "$id")" "idle session state"
	assert_eq ready "$(_au_session_state cxt-member "$busy")" "a session with a running command"
	out=$(_au_ctl cxt-member sessions list)
	assert_match "$busy .* active now " "$out" "list shows the busy session active"
	assert_no_match "$id" "$out" "list hides expired sessions"
	out=$(_au_ctl cxt-member sessions list --all)
	assert_match "$id .*expired" "$out" "list --all shows the expired session"
	out=$(_au_ctl cxt-member exec --session "$id" -- true 2>&1)
	assert_rc 1 $? "exec in an expired session"
	assert_match "session $id is expired" "$out" "message"
	# Idle time counts from the command's end.
	wait_no_procs cxt-member 10 -x sleep || fail "sleep did not end"
	wait_until 10 _au_has ".event == \"session.expire\" and .session == \"$busy\"" ||
		fail "the busy session did not expire after its command"
	out=$(jq -c "select(.event == \"session.expire\" and .session == \"$id\")" "$AU_LOG")
	assert_eq cxt-member "$(jqv "$out" .user)" "expire record names the owner"
	assert_eq 1000 "$(jqv "$out" .idle_timeout_ms)" "expire record has the timeout"
	(($(jqv "$out" .idle_ms) >= 1000)) || fail "idle_ms: $out"
	out=$(_au_verify_json)
	assert_eq true "$(jqv "$out" .intact)" "chain intact: $out"
}

test_session_setup_phase()
{
	local out id sec=$TD/secrets script=$TD/setup.sh
	mkdir -p "$sec"
	chmod 0700 "$sec"
	printf 'TOKEN=%s-secret\nOTHER=x\n' "$AU_TOK" >"$sec/cxt-member.env"
	chmod 0600 "$sec/cxt-member.env"
	_au_daemon setup "[sessions]
secrets_dir = \"$sec\"" "$AU_FORBID_RULE"
	# shellcheck disable=SC2016 # for the setup's shell
	printf 'echo "setup sees ${TOKEN:-none}" > setup.out\ntail -n +3 /proc/net/dev | wc -l > nets.out\necho done-setup\n' >"$script"
	out=$(_au_ctl cxt-member sessions create -C "$W" --setup-script "$script" --secret TOKEN 2>"$TD/setup.err")
	assert_rc 0 $? "create with setup: $(cat "$TD/setup.err")"
	assert_match done-setup "$out" "setup output relayed"
	id=$(grep -o 's-[0-9a-f]\{16\}' "$TD/setup.err" | head -1)
	[[ -n "$id" ]] || fail "no session id in: $(cat "$TD/setup.err")"
	assert_eq "setup sees $AU_TOK-secret" "$(cat "$W/setup.out")" "the secret in the setup"
	out=$(_au_ctl cxt-member --json sessions show "$id")
	assert_eq ready "$(jqv "$out" .session.state)" "state after setup"
	assert_eq 0 "$(jqv "$out" .session.setup.status)" "setup status"
	# Afterwards: no secret, and the network follows the policy (loopback only).
	(($(cat "$W/nets.out") > 1)) || fail "the setup had no network: $(cat "$W/nets.out") interfaces"
	out=$(_au_ctl cxt-member exec --session "$id" -- sh -c 'echo "${TOKEN:-none}"; tail -n +3 /proc/net/dev | wc -l')
	assert_eq "none
1" "$out" "a command after the setup"
	# A secret that is not there fails the request, and secrets never reach the log.
	out=$(_au_ctl cxt-member sessions create -C "$W" --setup-script "$script" --secret NOPE 2>&1)
	assert_match 'NOPE.* is not available' "$out" "missing secret"
	grep -q "$AU_TOK-secret" "$AU_LOG" && fail "a secret value is in the audit log"
	# Managed rules hold in a setup script too.
	printf 'echo start\nrm %s\n' "$AU_TOK" >"$script"
	out=$(_au_ctl cxt-member sessions create -C "$W" --setup-script "$script" 2>&1)
	assert_rc 126 $? "a setup script with a forbidden command"
	assert_match 'the managed rules forbid' "$out" "message"
	_au_has ".event == \"session.setup_done\" and .session == \"$id\" and .status == 0" ||
		fail "no session.setup_done record"
}

test_status_shows_audit()
{
	local out
	out=$(status_json cxt-viewer)
	assert_eq ok "$(jqv "$out" .audit.state)" "audit state of the shared daemon"
	[[ "$(jqv "$out" .audit.last_seq)" =~ ^[0-9]+$ ]] || fail "no last_seq: $out"
	[[ "$(jqv "$out" .sessions.total)" =~ ^[0-9]+$ ]] || fail "no sessions: $out"
	out=$(ctl cxt-viewer status)
	assert_match 'audit: +ok' "$out" "status text"
}

test_audit_journald_syslog_copies()
{
	local out recv=$TD/dgram.py
	[[ -e /run/systemd/journal/socket ]] && skip "a journal runs here: not replacing its socket"
	[[ -e /dev/log ]] && skip "a syslog daemon runs here: not replacing /dev/log"
	mkdir -p /run/systemd/journal
	AU_SOCKETS+=(/run/systemd/journal/socket /dev/log)
	cat >"$recv" <<'PY'
import socket, sys, os, select
socks = []
for path, name in ((sys.argv[1], "journal"), (sys.argv[2], "syslog")):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    socks.append((s, name))
print("ready", flush=True)
with open(sys.argv[3], "ab") as out:
    while True:
        r, _, _ = select.select([s for s, _ in socks], [], [])
        for s, name in socks:
            if s in r:
                d = s.recv(1 << 20)
                out.write(name.encode() + b" " + d.replace(b"\n", b"\x1f") + b"\n")
                out.flush()
PY
	python3 "$recv" /run/systemd/journal/socket /dev/log "$TD/dgram.out" >"$TD/dgram.ready" 2>&1 &
	AU_PIDS+=($!)
	wait_until 5 grep -q ready "$TD/dgram.ready" || fail "receiver: $(cat "$TD/dgram.ready")"
	_au_daemon fwd '[audit]
journald = true
syslog = true'
	_au_ctl cxt-member exec -- echo "$AU_TOK" >/dev/null || fail "exec"
	wait_until 5 grep -q 'CODEXD_AUDIT_EVENT=exec.exit' "$TD/dgram.out" ||
		fail "no journal copy: $(head -c 400 "$TD/dgram.out" 2>/dev/null)"
	out=$(grep '^journal .*CODEXD_AUDIT_EVENT=exec.start' "$TD/dgram.out" | head -1)
	assert_match 'SYSLOG_IDENTIFIER=codexd-audit' "$out" "journal identifier"
	assert_match 'CODEXD_AUDIT_USER=cxt-member' "$out" "journal user field"
	assert_match "CODEXD_AUDIT_RECORD=\\{\"seq\":[0-9]+,.*$AU_TOK" "$out" "journal record field"
	wait_until 5 grep -q '^syslog .*codexd-audit: .*"event":"exec.exit"' "$TD/dgram.out" ||
		fail "no syslog copy: $(grep ^syslog "$TD/dgram.out" | head -c 400)"
	# authpriv.info = <86>
	grep -q '^syslog <86>' "$TD/dgram.out" || fail "syslog priority: $(grep ^syslog "$TD/dgram.out" | head -1)"
	stop_daemon "$D_PID"
	kill -TERM "${AU_PIDS[-1]}"
	rm -f /run/systemd/journal/socket /dev/log
}
