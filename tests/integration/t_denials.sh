# shellcheck shell=bash
# Denials made visible: exec/exited "denials" and "denials_complete", and
# codexctl exec --log-denials.  Refused system calls are always reported;
# refused file writes only with log_denials (their supervision costs a
# round trip per write-intent call).  Read-only runs use -C /: such a
# sandbox may hide the host's /tmp, where the test directories are.

# exited_line OUTPUT: the exec/exited line of a codexctl --json exec.
exited_line()
{
	jsel "$1" 'select(has("denials"))' | tail -1
}

member_home()
{
	getent passwd cxt-member | cut -d: -f6
}

test_denials_files_listed()
{
	local home err rc
	home=$(member_home)
	err=$(ctl cxt-member exec --log-denials -s read-only -C / -- touch /etc/cxt-x "$home/cxt-y" 2>&1 >/dev/null)
	rc=$?
	[[ $rc != 0 ]] || fail "touch in a read-only sandbox succeeded: $err"
	assert_line "$err" "codexctl: denied: write /etc/cxt-x (read-only file system)" "first refusal"
	assert_line "$err" "codexctl: denied: write $home/cxt-y (read-only file system)" "second refusal"
	# The command's own message is unchanged: the errno is the kernel's.
	assert_match "touch: cannot touch '/etc/cxt-x': Read-only file system" "$err" "touch's message"
	assert_no_match "incomplete" "$err" "completeness"
	[[ ! -e /etc/cxt-x && ! -e "$home/cxt-y" ]] || fail "a refused file exists"
}

test_denials_json()
{
	local out line
	out=$(ctl cxt-member --json exec --log-denials -s read-only -C / -- sh -c 'touch /etc/cxt-x; touch /etc/cxt-x; mkdir /usr/cxt-d; exit 0')
	assert_rc 0 $? "codexctl --json exec"
	line=$(exited_line "$out")
	[[ -n "$line" ]] || fail "no exec/exited line in: $out"
	assert_eq true "$(jqv "$line" .denials_complete)" "denials_complete"
	assert_eq '{"kind":"file","operation":"open","path":"/etc/cxt-x","error":"EROFS","count":2}' \
		"$(jqv "$line" '.denials[] | select(.operation == "open") | {kind, operation, path, error, count} | tojson')" \
		"the open refusal"
	assert_eq '{"kind":"file","operation":"mkdir","path":"/usr/cxt-d","error":"EROFS","count":1}' \
		"$(jqv "$line" '.denials[] | select(.operation == "mkdir") | {kind, operation, path, error, count} | tojson')" \
		"the mkdir refusal"
	assert_eq 0 "$(jqv "$line" .exit_code)" "exit code"
}

test_denials_network()
{
	local out line err
	command -v python3 >/dev/null || skip "python3 is not installed"
	out=$(ctl cxt-member --json exec -s read-only -C / -- python3 -c 'import socket; socket.socket()')
	line=$(exited_line "$out")
	assert_eq '{"kind":"network","syscall":"socket","family":"AF_INET","count":1}' \
		"$(jqv "$line" '.denials[] | select(.kind == "network") | {kind, syscall, family, count} | tojson')" \
		"socket(AF_INET) under network off"
	err=$(ctl cxt-member exec --log-denials -s read-only -C / -- python3 -c 'import socket; socket.socket()' 2>&1 >/dev/null)
	assert_line "$err" "codexctl: denied: socket(AF_INET)" "printed"
	# The host's network: nothing refused.
	out=$(ctl cxt-member --json exec -s danger-full-access -- python3 -c 'import socket; socket.socket()')
	assert_eq '[]' "$(jqv "$(exited_line "$out")" '.denials | tojson')" "socket with network full"
}

test_denials_ptrace()
{
	local out line probe
	if command -v strace >/dev/null; then
		probe=(strace -f -o /dev/null true)
	elif command -v python3 >/dev/null; then
		probe=(python3 -c 'import ctypes; ctypes.CDLL(None).ptrace(0, 0, 0, 0)')
	else
		skip "neither strace nor python3 is installed"
	fi
	out=$(ctl cxt-member --json exec -s read-only -C / -- "${probe[@]}")
	line=$(exited_line "$out")
	assert_match '^[1-9]' "$(jqv "$line" '.denials[] | select(.syscall == "ptrace") | .count')" \
		"ptrace refused and counted"
	assert_eq syscall "$(jqv "$line" '.denials[] | select(.syscall == "ptrace") | .kind')" "its kind"
}

test_denials_none_and_fast()
{
	local out line t0 t1
	out=$(ctl cxt-member --json exec -n -- true)
	line=$(exited_line "$out")
	assert_eq '[]' "$(jqv "$line" '.denials | tojson')" "denials of true"
	assert_eq true "$(jqv "$line" .denials_complete)" "denials_complete of true"
	out=$(ctl cxt-member --json exec -n -s read-only -C / --log-denials -- true)
	line=$(exited_line "$out")
	assert_eq '[]' "$(jqv "$line" '.denials | tojson')" "denials of true, log_denials"
	assert_eq true "$(jqv "$line" .denials_complete)" "denials_complete, log_denials"
	# Not a timing assertion (STYLE.md): 20 runs each way finish, and the
	# times are shown when the test fails.
	t0=$(date +%s%N)
	for _ in $(seq 20); do ctl cxt-member exec -n -s read-only -C / -- true || fail "exec true"; done
	t1=$(date +%s%N)
	for _ in $(seq 20); do
		ctl cxt-member exec -n -s read-only -C / --log-denials -- true 2>/dev/null || fail "exec --log-denials true"
	done
	note "20 x exec true: $(((t1 - t0) / 1000000)) ms; with --log-denials: $((($(date +%s%N) - t1) / 1000000)) ms"
}

test_denials_loop_aggregates()
{
	local out line
	command -v python3 >/dev/null || skip "python3 is not installed"
	# 10000 refused calls: one entry, counted; the command is not slowed to a halt.
	out=$(ctl cxt-member --json exec -s read-only -C / -- python3 -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
bad = sum(1 for _ in range(10000) if libc.ptrace(0, 0, 0, 0) != -1 or ctypes.get_errno() != 1)
print(bad)')
	line=$(exited_line "$out")
	assert_eq 0 "$(jsel "$out" 'select(.stream == "stdout") | .data' | head -1 | tr -d '"' | base64 -d | tr -d '\n')" \
		"every refused call answered EPERM"
	assert_eq '1 10000' "$(jqv "$line" '[.denials | length, (.[0].count)] | join(" ")')" \
		"one entry with count 10000"
	assert_eq true "$(jqv "$line" .denials_complete)" "complete"
	# 80 distinct refusals: the table keeps 64 and says the list is partial.
	out=$(ctl cxt-member --json exec -s read-only -C / -- python3 -c '
import socket
for f in range(2, 82):
    try: socket.socket(f, socket.SOCK_DGRAM)
    except OSError: pass')
	line=$(exited_line "$out")
	assert_eq 64 "$(jqv "$line" '.denials | length')" "entries kept"
	assert_eq false "$(jqv "$line" .denials_complete)" "complete after overflow"
}

test_denials_files_need_flag()
{
	local out line
	out=$(ctl cxt-member --json exec -s read-only -C / -- touch /etc/cxt-x)
	line=$(exited_line "$out")
	assert_eq 1 "$(jqv "$line" .exit_code)" "touch fails"
	assert_eq '[]' "$(jqv "$line" '.denials | tojson')" "no file denials without log_denials"
	assert_eq true "$(jqv "$line" .denials_complete)" "complete (nothing asked for files)"
}

test_denials_no_false_refusals()
{
	local script out err1 err2 line
	# Writes the sandbox allows behave exactly as without supervision.
	# shellcheck disable=SC2016 # expanded by the command's shell
	script='set -e
mkdir -p src/a/b && for i in $(seq 200); do echo $i > src/a/b/f$i; done
tar -cf s.tar src && rm -r src && tar -xf s.tar && test -f src/a/b/f200
mv src/a src/c && ln -s c src/l && ln src/c/b/f1 src/hard && chmod 600 src/hard
touch -d 2020-01-01 src/hard && truncate -s 0 src/c/b/f2
echo x > /dev/null && echo y > "$TMPDIR_T/t" && rm -r src s.tar
echo done'
	out=$(ctl cxt-member exec -s workspace-write --env TMPDIR_T=/tmp -- sh -c "$script" 2>"$TD/err1")
	assert_eq "done" "$out" "without --log-denials"
	out=$(ctl cxt-member exec -s workspace-write --log-denials --env TMPDIR_T=/tmp -- sh -c "$script" 2>"$TD/err2")
	assert_eq "done" "$out" "with --log-denials"
	err1=$(cat "$TD/err1")
	err2=$(cat "$TD/err2")
	assert_eq "$err1" "$err2" "stderr with and without"
	out=$(ctl cxt-member --json exec -s workspace-write --log-denials -- sh -c 'echo a > w && rm w')
	line=$(exited_line "$out")
	assert_eq '[]' "$(jqv "$line" '.denials | tojson')" "allowed writes are not denials"
}

test_denials_nondumpable()
{
	local out line err xo
	# An unreadable binary runs non-dumpable: its memory is closed to the
	# supervisor, which then lets the kernel decide and says so.  In the
	# home directory: a read-only sandbox may hide the host's /tmp.
	xo=$(member_home)/.cxt-xo-touch.$$
	trap 'rm -f "$xo"' EXIT
	install -o root -g root -m 0711 /usr/bin/touch "$xo" || fail "cannot install $xo"
	out=$(ctl cxt-member --json exec -s read-only -C / --log-denials -- "$xo" /etc/cxt-x)
	line=$(exited_line "$out")
	assert_eq 1 "$(jqv "$line" .exit_code)" "the command still fails"
	assert_eq '[]' "$(jqv "$line" '[.denials[] | select(.kind == "file")] | tojson')" "file denials"
	assert_eq false "$(jqv "$line" .denials_complete)" "denials_complete"
	err=$(ctl cxt-member exec -s read-only -C / --log-denials -- "$xo" /etc/cxt-x 2>&1 >/dev/null)
	assert_match "Read-only file system" "$err" "the kernel's error"
	assert_match "codexctl: denials: the list may be incomplete" "$err" "the warning"
}

test_denials_danger_network_off()
{
	local out line
	# No mount namespace: the supervisor uses a private procfs for relative paths.
	# shellcheck disable=SC2016 # expanded by the command's shell
	out=$(ctl cxt-member --json exec -s danger-full-access --network off --log-denials -- \
		sh -c 'touch /etc/cxt-x; cd /etc && touch cxt-rel; cd / && mkdir -p "$0" && rmdir "$0"' "$W/d")
	line=$(exited_line "$out")
	assert_eq '/etc/cxt-rel EACCES' \
		"$(jqv "$line" '.denials[] | select(.path == "/etc/cxt-rel") | "\(.path) \(.error)"')" \
		"relative path"
	assert_eq '/etc/cxt-x EACCES' \
		"$(jqv "$line" '.denials[] | select(.path == "/etc/cxt-x") | "\(.path) \(.error)"')" \
		"absolute path"
	assert_eq 2 "$(jqv "$line" '.denials | length')" "nothing else refused"
	assert_eq true "$(jqv "$line" .denials_complete)" "complete"
	[[ ! -e "$W/d" ]] || fail "rmdir did not run"
}

test_denials_unsandboxed()
{
	local out line
	# danger-full-access with the host's network has no filter: nothing to
	# report, and file supervision cannot be had.
	out=$(ctl cxt-member --json exec -s danger-full-access -- true)
	assert_eq true "$(jqv "$(exited_line "$out")" .denials_complete)" "without log_denials"
	out=$(ctl cxt-member --json exec -s danger-full-access --log-denials -- true)
	line=$(exited_line "$out")
	assert_eq '[]' "$(jqv "$line" '.denials | tojson')" "denials"
	assert_eq false "$(jqv "$line" .denials_complete)" "with log_denials"
}

test_denials_param_validated()
{
	local out
	out=$(rpc_line 1 exec/start "$(exec_params '["true"]' '"log_denials":"yes"')" |
		raw cxt-member --lines 1 --timeout 3000)
	expect_error "$out" 1 -32602 "log_denials not a boolean"
	assert_match 'log_denials' "$(jqv "$ERR_LINE" .error.message)" "the message names the field"
}
