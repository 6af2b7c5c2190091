# shellcheck shell=bash
# codexd --self-test and codexctl status --security (daemon/security): the
# escape probes run in a real sandbox on this host; every class must hold.

test_selftest_every_class_held()
{
	local out rc n before
	before=$(ls -d /var/tmp/codexd-selftest.* 2>/dev/null)
	out=$("$CODEXD" --self-test --json 2>"$TD/err")
	rc=$?
	[[ -n "$out" ]] || fail "no report from codexd --self-test: $(head -c 600 "$TD/err")"
	assert_eq true "$(jqv "$out" .held)" "held (report: $(jqv "$out" '[.classes[] | select(.held|not) | .id] | join(",")'))"
	assert_rc 0 "$rc" "codexd --self-test exit status"
	n=$(jqv "$out" '.classes | length')
	assert_eq 8 "$n" "number of escape classes"
	# Every class was tried for real: at least one probe refused in the sandbox
	# that succeeded outside it (the control), except resources (no control run).
	for c in fs-write protected-paths network unix-sockets privilege reading; do
		n=$(jqv "$out" "[.classes[] | select(.id == \"$c\") | .probes[] | select(.sandbox == \"refused\" and .outside == \"done\")] | length")
		((n > 0)) || fail "class $c: no probe shown to succeed outside the sandbox and fail inside"
	done
	assert_eq number "$(jqv "$out" '.features.landlock_abi | type')" "features.landlock_abi"
	# Nothing left behind.
	[[ "$(ls -d /var/tmp/codexd-selftest.* 2>/dev/null)" == "$before" ]] ||
		fail "self-test directory left behind: $(ls -d /var/tmp/codexd-selftest.*)"
	compgen -G "/run/cxst-*.sock" >/dev/null && fail "socket left in /run"
	no_procs_of nobody -f -- --self-test-probe || fail "probe processes left: $(proc_list nobody)"
}

test_selftest_human_output()
{
	local out rc
	out=$("$CODEXD" --self-test 2>&1)
	rc=$?
	assert_rc 0 "$rc" "codexd --self-test"
	assert_match "HELD +fs-write" "$out" "human report"
	assert_match "HELD +unix-sockets" "$out" "human report"
	assert_match "every escape class held" "$out" "human report"
	assert_match "kernel features: .*landlock_abi=" "$out" "human report"
}

test_status_security_viewer()
{
	local out rc
	out=$(CXT_CTL_TIMEOUT=120 ctl cxt-viewer status --security 2>&1)
	rc=$?
	assert_rc 0 "$rc" "codexctl status --security as cxt-viewer"
	assert_match "held +privilege: privilege tricks" "$out" "status --security output"
	assert_match "every escape class held" "$out" "status --security output"
	# A second call within a minute is answered from the cached report.
	out=$(CXT_CTL_TIMEOUT=10 ctl cxt-member --json status --security) || fail "second call failed"
	assert_eq true "$(jqv "$out" .held)" "cached report .held"
	# No role: refused.
	out=$(ctl cxt-nogroup status --security 2>&1)
	rc=$?
	((rc != 0)) || fail "cxt-nogroup got a report"
	# Parameters are refused.
	out=$(rpc_line 3 daemon/security '{"x":1}' | raw cxt-viewer --lines 1)
	assert_eq invalid_params "$(jqv "$out" .error.data.reason)" "params refused"
	hello_ok cxt-viewer || fail "daemon stopped answering"
}
