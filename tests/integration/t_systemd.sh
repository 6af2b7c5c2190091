# shellcheck shell=bash
# systemd integration without systemd as PID 1 (PLATFORM.md §2): the units
# pass systemd-analyze verify, the daemon runs under systemd-socket-activate
# and serves the inherited socket, a NOTIFY_SOCKET listener sees READY,
# RELOADING/READY, WATCHDOG and STOPPING, sysusers.d and tmpfiles.d create
# what the daemon expects, and make install / uninstall place and remove
# every file.  The hardening the unit asks for (capability bounding set,
# no_new_privs) is reproduced with setpriv and the sandboxes still work.

_top()
{
	(cd "$CXT_SRC/../.." && pwd)
}

_need()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || skip "$t is not installed (Debian package systemd / make)"
	done
}

# _install DIR VAR=VALUE...: make install-files of the built binaries.
_install()
{
	local log=$TD/install-$(basename "$1").log
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$(_top)" install-files CODEXD="$CODEXD" CODEXCTL="$CODEXCTL" "${@:2}" \
		>"$log" 2>&1 || fail "make install-files ${*:2} failed: $(tail -5 "$log")"
}

# _keys: codexd --list-config-keys as "section.key<TAB>default" lines.
_key_default()
{
	"$CODEXD" --list-config-keys |
		awk -F'\t' -v k="$1" '($1 == "" ? $2 : $1 "." $2) == k { print $4 }' | jq -r .
}

test_systemd_units_verify()
{
	local p=$TD/p out
	_need systemd-analyze make
	# Installed for real (not DESTDIR) so that ExecStart= and ExecReload= exist.
	_install "$p" PREFIX="$p" SYSCONFDIR="$p/etc"
	out=$(cd "$p/lib/systemd/system" && MANPATH=$p/share/man \
		systemd-analyze verify codexd.socket codexd.service 2>&1)
	assert_rc 0 $? "systemd-analyze verify (with the man pages of Documentation=)"
	assert_eq "" "$out" "systemd-analyze verify output"
	grep -qx "ExecStart=$p/sbin/codexd" "$p/lib/systemd/system/codexd.service" ||
		fail "ExecStart= does not name the installed codexd"
	grep -qx "ExecReload=$p/bin/codexctl reload" "$p/lib/systemd/system/codexd.service" ||
		fail "ExecReload= is not a synchronous codexctl reload"
	grep -qx "LoadCredential=audit-key:codexd.audit-key" \
		"$p/lib/systemd/system/codexd.service" || fail "no LoadCredential= for the audit key"
	grep -qx 'Type=notify' "$p/lib/systemd/system/codexd.service" || fail "Type= is not notify"
	grep -q '^WatchdogSec=' "$p/lib/systemd/system/codexd.service" || fail "no WatchdogSec="

	# The socket is where the daemon and codexctl look by default.
	assert_eq "ListenStream=$(_key_default daemon.socket)" \
		"$(grep '^ListenStream=' "$p/lib/systemd/system/codexd.socket")" "socket path"
	assert_eq "SocketGroup=$(_key_default roles.member_group)" \
		"$(grep '^SocketGroup=' "$p/lib/systemd/system/codexd.socket")" "socket group"
	assert_eq "SocketMode=0660" "$(grep '^SocketMode=' "$p/lib/systemd/system/codexd.socket")" \
		"socket mode"

	# Hardening: the exposure systemd computes stays where this unit put it
	# (7.4 with systemd 252; 9.6 without the hardening block).
	out=$(cd "$p/lib/systemd/system" &&
		systemd-analyze security --offline=yes --man=no --threshold=80 ./codexd.service 2>&1)
	assert_rc 0 $? "systemd-analyze security --threshold=80: $(tail -1 <<<"$out")"
	assert_no_match 'Invalid|Unknown|ignoring' "$out" "systemd-analyze security warnings"
}

test_systemd_sysusers_tmpfiles()
{
	local r=$TD/root p=$TD/p g gid want
	_need systemd-sysusers systemd-tmpfiles make
	_install "$p" PREFIX="$p" SYSCONFDIR=/etc
	# A root with nothing but root in its user and group databases.
	mkdir -p "$r/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\n' >"$r/etc/group"
	systemd-sysusers --root="$r" "$p/lib/sysusers.d/codexd.conf" >"$TD/sysusers.log" 2>&1 ||
		fail "systemd-sysusers: $(cat "$TD/sysusers.log")"
	# The groups of the three roles, by the names the daemon uses by default.
	for g in admin member viewer; do
		want=$(_key_default "roles.${g}_group")
		grep -q "^$want:x:[0-9]*:" "$r/etc/group" || fail "no group $want (role $g) created"
	done
	grep -q '^codexd-proxy:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$r/etc/passwd" ||
		fail "no system user codexd-proxy: $(cat "$r/etc/passwd")"
	grep -q '^codexd-proxy:x:' "$r/etc/group" || fail "no group codexd-proxy"

	systemd-tmpfiles --root="$r" --create "$p/lib/tmpfiles.d/codexd.conf" >"$TD/tmpfiles.log" 2>&1 ||
		fail "systemd-tmpfiles: $(cat "$TD/tmpfiles.log")"
	gid=$(awk -F: '$1 == "codexd-admin" { print $3 }' "$r/etc/group")
	# The audit log's directory, the state directory and the socket's.
	assert_eq "750 0 $gid" "$(stat -c '%a %u %g' "$r$(dirname "$(_key_default daemon.audit_log)")")" \
		"mode, owner and group of the audit log directory"
	assert_eq "755 0 0" "$(stat -c '%a %u %g' "$r$(_key_default daemon.state_dir)")" \
		"the state directory"
	assert_eq "755 0 0" "$(stat -c '%a %u %g' "$r$(dirname "$(_key_default daemon.socket)")")" \
		"the socket directory"
	assert_eq "700 0 0" "$(stat -c '%a %u %g' "$r/etc/credstore")" \
		"the credential store for the audit key"
	# Running the two again changes nothing (what a boot does).
	systemd-sysusers --root="$r" "$p/lib/sysusers.d/codexd.conf" >"$TD/sysusers2.log" 2>&1 ||
		fail "second systemd-sysusers run"
	assert_eq 1 "$(grep -c '^codexd:' "$r/etc/group")" "groups after a second run"
}

# _notify_lines FILE: the notifications without WATCHDOG=1 and the
# listener's own first line, as "VAR=value | ..." only.
_notify_lines()
{
	grep -v '^listening$' "$1" | grep -v ': WATCHDOG=1$' | sed 's/^pid=[0-9]* now=[0-9]*: //'
}

_notify_count()
{
	# _notify_count FILE ERE: number of notifications matching
	grep -cE "$2" "$1"
}

_notify_at_least()
{
	(($(_notify_count "$1" "$2") >= $3))
}

test_systemd_socket_activation_notify()
{
	local a=$TD/act sock n out pid lines now mono
	_need systemd-socket-activate python3
	mkdir -p "$a/state"
	chmod 0755 "$a" "$a/state"
	sock=$a/codexd.sock
	write_config "$a/codexd.conf" "$CXT_ROLES_CONF"
	python3 "$CXT_SRC/notify-listen.py" "$a/notify.sock" "$a/notify.log" 60 &
	n=$!
	wait_until 5 grep -q '^listening$' "$a/notify.log" 2>/dev/null || fail "notify listener did not start"

	# As systemd would start it: the socket first, the daemon on the first
	# connection, in the same process, with LISTEN_FDS, NOTIFY_SOCKET and
	# WATCHDOG_USEC.
	NOTIFY_SOCKET=$a/notify.sock systemd-socket-activate -l "$sock" --fdname=control \
		-E NOTIFY_SOCKET -E WATCHDOG_USEC=600000 \
		"$CODEXD" --config "$a/codexd.conf" --state-dir "$a/state" --log-level debug \
		>"$a/codexd.log" 2>&1 </dev/null &
	pid=$!
	printf '%s %s\n' "$pid" "$a/codexd.log" >>"$TD/daemons"
	wait_until 5 test -S "$sock" || fail "systemd-socket-activate did not listen: $(cat "$a/codexd.log")"
	# codexd.socket's SocketMode=0660 and SocketGroup=.
	chgrp cxt-member "$sock" && chmod 0660 "$sock"
	[[ ! -s "$a/notify.log" || "$(_notify_lines "$a/notify.log")" == "" ]] ||
		fail "notifications before the first connection: $(cat "$a/notify.log")"

	# The first client starts the daemon and is answered on the inherited socket.
	out=$(SOCK=$sock ctl cxt-member --json status 2>&1) ||
		fail "codexctl status over the activated socket: $out; log: $(tail -5 "$a/codexd.log")"
	assert_eq 1 "$(jqv "$out" .policy.generation)" "generation"
	grep -q 'listening on .* (socket activation)' "$a/codexd.log" ||
		fail "the daemon did not use the inherited socket: $(tail -5 "$a/codexd.log")"
	assert_eq "$pid" "$(pgrep -f -- "--state-dir $a/state" | head -1)" "pid of codexd (no fork)"
	wait_until 5 grep -q 'READY=1' "$a/notify.log" || fail "no READY=1: $(cat "$a/notify.log")"
	# The daemon applied its ACL: the other roles connect too.
	out=$(SOCK=$sock ctl cxt-viewer hello 2>&1) || fail "viewer over the activated socket: $out"

	# Watchdog keep-alives from the loop (WATCHDOG_USEC/2).
	wait_until 10 grep -q ': WATCHDOG=1$' "$a/notify.log" ||
		fail "no WATCHDOG=1 within 10 s: $(cat "$a/notify.log")"

	# A synchronous reload: when codexctl returns the new generation is in force.
	out=$(SOCK=$sock ctl cxt-admin reload 2>&1) || fail "codexctl reload: $out"
	assert_eq 2 "$(status_json cxt-viewer "$sock" | jq -r .policy.generation)" \
		"generation right after codexctl reload returned"
	wait_until 5 _notify_at_least "$a/notify.log" 'READY=1' 2 || fail "no READY=1 after reload"
	# SIGHUP does the same.
	kill -HUP "$pid"
	wait_until 5 _notify_at_least "$a/notify.log" 'READY=1' 3 ||
		fail "no READY=1 after SIGHUP: $(cat "$a/notify.log")"
	# A reload that fails: still RELOADING then READY, with the reason in STATUS.
	printf '[daemon]\nmax_frame_bytes = 1\n' >>"$a/codexd.conf"
	out=$(SOCK=$sock ctl cxt-admin reload 2>&1)
	assert_rc 1 $? "codexctl reload of a broken file"
	wait_until 5 _notify_at_least "$a/notify.log" 'READY=1' 4 || fail "no READY=1 after a failed reload"

	kill -TERM "$pid"
	wait_exit "$pid" 10 || fail "codexd did not stop on SIGTERM"
	wait "$pid"
	assert_rc 0 $? "exit status after SIGTERM"
	wait_exit "$n" 5 || kill "$n"
	wait "$n" 2>/dev/null

	lines=$(_notify_lines "$a/notify.log")
	note "notifications: $(tr '\n' ';' <<<"$lines")"
	# The order systemd needs.
	out=$(sed -E 's/^(READY=1|RELOADING=1|STOPPING=1).*/\1/' <<<"$lines" | tr '\n' ' ')
	assert_eq "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 STOPPING=1 " \
		"$out" "notification sequence"
	assert_match "^READY=1 \| STATUS=listening \| MAINPID=$pid$" "$(sed -n 1p <<<"$lines")" \
		"first notification"
	assert_match 'STATUS=ready \(reload failed' "$(sed -n 7p <<<"$lines")" "READY after a failed reload"
	# Every notification comes from the main process.
	assert_eq "" "$(grep -v '^listening$' "$a/notify.log" | grep -v "^pid=$pid ")" \
		"notifications from another pid"
	# MONOTONIC_USEC is CLOCK_MONOTONIC when RELOADING=1 was sent.
	while read -r now mono; do
		((mono > 0 && mono <= now)) ||
			fail "MONOTONIC_USEC=$mono is not a CLOCK_MONOTONIC time before its arrival ($now)"
	done < <(sed -nE 's/^pid=[0-9]+ now=([0-9]+): RELOADING=1 \| MONOTONIC_USEC=([0-9]+).*/\1 \2/p' \
		"$a/notify.log")
	assert_eq 3 "$(grep -c 'RELOADING=1 | MONOTONIC_USEC=' "$a/notify.log")" \
		"RELOADING=1 messages with MONOTONIC_USEC"
	# The socket belongs to systemd: codexd leaves it in place.
	test -S "$sock" || fail "codexd removed the inherited socket"
}

# _expected_files: the files make install-files puts under DESTDIR for
# PREFIX=/usr (one per line, sorted).
_expected_files()
{
	local top m f
	top=$(_top)
	{
		printf '%s\n' /usr/sbin/codexd /usr/sbin/codexd-proxy /usr/bin/codexctl \
			/usr/lib/systemd/system/codexd.service /usr/lib/systemd/system/codexd.socket \
			/usr/lib/sysusers.d/codexd.conf /usr/lib/tmpfiles.d/codexd.conf \
			/etc/codexd/codexd.conf /usr/share/doc/codexd/README \
			/usr/share/doc/codexd/examples/codexd.conf
		for m in "$top"/man/*.[1578]; do
			printf '/usr/share/man/man%s/%s\n' "${m##*.}" "${m##*/}"
		done
		for f in "$top"/examples/*.rules; do
			printf '/usr/share/doc/codexd/examples/%s\n' "${f##*/}"
		done
	} | sort
}

test_systemd_install_destdir()
{
	local d=$TD/dest v=$TD/vroot args out f
	_need make systemd-analyze
	args=(DESTDIR="$d" PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/usr/lib/systemd/system
	      SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d)
	_install "$d" "${args[@]}"
	assert_eq "$(_expected_files)" "$(cd "$d" && find . -type f | sed 's/^\.//' | sort)" \
		"files installed under DESTDIR"
	for f in etc/codexd/codexd.conf.d etc/codexd/rules.d; do
		test -d "$d/$f" || fail "no directory /$f"
	done
	for f in usr/sbin/codexd usr/sbin/codexd-proxy usr/bin/codexctl; do
		assert_eq 755 "$(stat -c %a "$d/$f")" "mode of /$f"
	done
	while read -r f; do
		case $f in
		/usr/sbin/* | /usr/bin/*) ;;
		*) assert_eq 644 "$(stat -c %a "$d$f")" "mode of $f" ;;
		esac
	done < <(_expected_files)
	cmp -s "$CODEXD" "$d/usr/sbin/codexd" || fail "installed codexd differs from the build"
	# DESTDIR never ends up inside a file.
	out=$(grep -rl -- "$d" "$d" 2>/dev/null)
	assert_eq "" "$out" "files naming DESTDIR"
	grep -qx 'ExecStart=/usr/sbin/codexd' "$d/usr/lib/systemd/system/codexd.service" ||
		fail "ExecStart= of the installed unit"
	grep -qx 'ExecReload=/usr/bin/codexctl reload' "$d/usr/lib/systemd/system/codexd.service" ||
		fail "ExecReload= of the installed unit"
	grep -qx 'LoadCredential=audit-key:codexd.audit-key' \
		"$d/usr/lib/systemd/system/codexd.service" || fail "LoadCredential= of the installed unit"
	# The default configuration is all comments and valid as it is.
	out=$("$CODEXD" --check-config --config "$d/etc/codexd/codexd.conf" 2>&1) ||
		fail "codexd --check-config on the installed codexd.conf: $out"

	# systemd-analyze verify --root on the installed tree (plus the host's
	# own units, which a real root has).
	mkdir -p "$v"
	cp -a "$d/." "$v/"
	cp -an /lib/systemd/system/. "$v/usr/lib/systemd/system/"
	out=$(cd / && systemd-analyze verify --man=no --root="$v" codexd.socket codexd.service 2>&1)
	assert_rc 0 $? "systemd-analyze verify --root: $out"
	assert_eq "" "$out" "systemd-analyze verify --root output"

	# An administrator's codexd.conf survives install and uninstall.
	printf '# mine\n' >>"$d/etc/codexd/codexd.conf"
	_install "$d" "${args[@]}"
	assert_match '# mine' "$(tail -1 "$d/etc/codexd/codexd.conf")" "codexd.conf after reinstall"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$(_top)" uninstall "${args[@]}" >"$TD/uninstall.log" 2>&1 ||
		fail "make uninstall: $(tail -5 "$TD/uninstall.log")"
	assert_eq "/etc/codexd/codexd.conf" "$(cd "$d" && find . -type f | sed 's/^\.//')" \
		"files left after uninstall (only the modified codexd.conf)"
	# An unmodified one goes with the rest.
	rm -rf "$d"
	_install "$d" "${args[@]}"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$(_top)" uninstall "${args[@]}" >"$TD/uninstall.log" 2>&1 ||
		fail "make uninstall: $(tail -5 "$TD/uninstall.log")"
	assert_eq "" "$(cd "$d" && find . -type f)" "files left after install + uninstall"
	test -e "$d/etc/codexd" && fail "uninstall left the empty /etc/codexd"
	return 0
}

test_systemd_hardened_sandboxes()
{
	local wrap out st want
	_need setpriv
	wrap=$("$CXT_SRC/unit-hardening") || fail "unit-hardening"
	CXT_DAEMON_WRAP=$wrap start_daemon hard "$CXT_ROLES_CONF
[sandbox]
deny_read = [\"$TD/secret\"]"
	st=$(cat "/proc/$D_PID/status")
	assert_match $'NoNewPrivs:\t1' "$st" "no_new_privs of the daemon"
	# shellcheck disable=SC2086 # the prefix's words
	want=$(${wrap% --} -- grep CapBnd /proc/self/status)
	assert_eq "$want" "$(grep CapBnd <<<"$st")" "bounding set of the daemon"
	assert_eq "$(grep CapBnd <<<"$st" | sed 's/Bnd/Eff/')" "$(grep CapEff <<<"$st")" \
		"effective set of the daemon"

	printf 'hidden\n' >"$TD/secret"
	chmod 0644 "$TD/secret"
	for mode in read-only workspace-write danger-full-access; do
		out=$(SOCK=$D_SOCK ctl cxt-member exec -s "$mode" --network off -- sh -c 'id -un; echo ok') ||
			fail "exec -s $mode under the unit's hardening: $out; $(tail -5 "$D_LOG")"
		assert_eq "cxt-member
ok" "$out" "output in $mode"
	done
	out=$(SOCK=$D_SOCK ctl cxt-member exec -s workspace-write -- sh -c "echo w > f && cat f")
	assert_eq w "$out" "a write in the workspace"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -s workspace-write -- cat "$TD/secret" 2>&1)
	assert_rc 1 $? "reading a deny_read path"
	out=$(SOCK=$D_SOCK ctl cxt-member exec -s read-only -- touch "$W/x" 2>&1)
	assert_rc 1 $? "a write in read-only"
	stop_daemon || fail "the hardened daemon did not stop on SIGTERM"
}

# systemd starts services with a soft descriptor limit of 1024: codexd raises
# its own to the hard limit and gives commands the soft limit back.
test_systemd_fd_limit()
{
	local out
	# valgrind keeps descriptors of its own: it shows the daemon a soft limit
	# above the one it was given, and lower than the one it raised.
	((${CXT_VALGRIND:-0} != 1)) || skip "descriptor limits are valgrind's under valgrind"
	(
		ulimit -Sn 512 && ulimit -Hn 8192 || exit 1
		start_daemon fdl "$CXT_ROLES_CONF"
		printf '%s\n' "$D_PID" >"$TD/fdl.pid"
	) || fail "cannot start codexd with limits 512/8192"
	D_PID=$(cat "$TD/fdl.pid")
	D_SOCK=$TD/d-fdl/state/codexd.sock
	assert_match 'Max open files +8192 +8192 ' "$(grep 'Max open files' "/proc/$D_PID/limits")" \
		"codexd's own limit"
	for mode in workspace-write danger-full-access; do
		out=$(SOCK=$D_SOCK ctl cxt-member exec -s "$mode" -- sh -c 'ulimit -Sn; ulimit -Hn') ||
			fail "exec: $out"
		assert_eq "512
8192" "$out" "the command's limits in $mode"
	done
	stop_daemon "$D_PID" || fail "codexd did not stop"
}

# A bounding set without what codexd needs is refused at start-up, naming
# each capability; CAP_SYS_PTRACE is among them: without it codexd could
# not tell a sandboxed client from another.
test_systemd_missing_capability()
{
	local out rc
	mkdir -p "$TD/st"
	out=$(timeout -k 2 10 setpriv --bounding-set=-all,+sys_admin,+setuid,+setgid,+setpcap \
		--inh-caps=-all -- "$CODEXD" --foreground --config "$TD/none.conf" \
		--state-dir "$TD/st" 2>&1)
	rc=$?
	assert_rc 1 "$rc" "codexd without CAP_KILL and CAP_SYS_PTRACE"
	assert_match 'lacks CAP_KILL' "$out" "message"
	assert_match 'lacks CAP_SYS_PTRACE' "$out" "message"
	test -e "$TD/st/codexd.sock" && fail "a socket was created"
	return 0
}
