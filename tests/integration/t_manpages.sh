# shellcheck shell=bash
# The manual pages against the code: lint, every configuration key
# (codexd --list-config-keys) in codexd.conf(5) with type, default and
# layer, the commented default codexd.conf, every method, notification and
# error of the daemon in codexd-protocol(7), the worked transcript of
# codexd-protocol(7) replayed against a real daemon, and codexctl's usage
# messages against the SYNOPSIS and EXIT STATUS of codexctl(1).

_mtop()
{
	(cd "$CXT_SRC/../.." && pwd)
}

_man_check()
{
	local out
	out=$(python3 "$CXT_SRC/man-check.py" "$(_mtop)" "$@" 2>&1) ||
		fail "$(printf '%s' "$out" | head -20 | tr '\n' ';')"
}

test_man_lint()
{
	local out
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	out=$(mandoc -Tlint -W warning "$(_mtop)"/man/*.[1578] 2>&1)
	assert_rc 0 $? "mandoc -Tlint: $out"
	assert_eq "" "$out" "mandoc -Tlint output"
}

test_man_config_keys()
{
	"$CODEXD" --list-config-keys >"$TD/keys" || fail "codexd --list-config-keys failed"
	(($(wc -l <"$TD/keys") > 40)) || fail "only $(wc -l <"$TD/keys") keys listed"
	_man_check keys "$TD/keys"
	_man_check example "$TD/keys"
}

test_man_protocol_names()
{
	_man_check protocol
}

test_man_synopsis()
{
	local c
	mkdir -p "$TD/help"
	"$CODEXCTL" --help >"$TD/help/main.txt" || fail "codexctl --help"
	# Each command of the SYNOPSIS, asked for its usage.
	while read -r c; do
		# shellcheck disable=SC2086 # the command's words
		timeout 10 "$CODEXCTL" $c --help >"$TD/help/${c// /_}.txt" 2>&1 </dev/null
	done < <(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$(_mtop)/man/codexctl.1" |
		sed -n 's/^\.Cm //p' | sort -u)
	_man_check synopsis "$TD/help"
	_man_check exit
	"$CODEXD" --help >"$TD/help/codexd.txt" || fail "codexd --help"
	_man_check daemon "$TD/help/codexd.txt"
}

test_man_protocol_transcript()
{
	local man d home uid
	man=$(_mtop)/man/codexd-protocol.7
	d=$TD/d-transcript
	mkdir -p "$d/rules.d"
	python3 "$CXT_SRC/replay-transcript.py" "$man" - --rules-out "$d/rules.d/50-git.rules" ||
		fail "cannot extract the rules of the transcript"
	chmod 0644 "$d/rules.d/50-git.rules"
	start_daemon transcript "$CXT_ROLES_CONF"
	home=$(getent passwd cxt-member | cut -d: -f6)
	uid=$(id -u cxt-member)
	# The test user reads copies (the source tree may be private).
	cp "$CXT_SRC/replay-transcript.py" "$man" "$TD/"
	chmod 0644 "$TD/replay-transcript.py" "$TD/codexd-protocol.7"
	as cxt-member /usr/bin/python3 "$TD/replay-transcript.py" "$TD/codexd-protocol.7" "$D_SOCK" \
		--sub "/home/alice/app=$W" --sub "/home/alice=$home" --sub "alice=cxt-member" \
		--sub "uid 1000=uid $uid" \
		--sub "/etc/codexd/rules.d/50-git.rules=$d/rules.d/50-git.rules" \
		>"$TD/replay.out" 2>"$TD/replay.err" ||
		fail "the transcript of codexd-protocol(7) does not replay: $(head -c 1500 "$TD/replay.err")"
	note "$(tail -1 "$TD/replay.out")"
	grep -q '^replayed: 7 sent, 13 matched$' "$TD/replay.out" ||
		fail "replayed too little: $(tail -1 "$TD/replay.out")"
}

# The rules files shown in codexd.rules(5) EXAMPLES, and the installed
# example, parse (their match/not_match examples are checked on loading).
test_man_rules_examples()
{
	local n=0 f out
	python3 - "$(_mtop)/man/codexd.rules.5" "$TD" <<'PY' || fail "cannot extract the examples"
import sys
man, out = sys.argv[1], sys.argv[2]
lines = open(man, encoding="utf-8").read().split("\n")
i = lines.index(".Sh EXAMPLES")
blocks, cur = [], None
for line in lines[i:]:
    if line.startswith(".Sh ") and line != ".Sh EXAMPLES":
        break
    if line.startswith(".Bd -literal"):
        cur = []
    elif line == ".Ed" and cur is not None:
        blocks.append(cur)
        cur = None
    elif cur is not None:
        cur.append(line.replace("\\e", "\\").replace("\\&", ""))
k = 0
for b in blocks:
    if any("_rule(" in l for l in b):
        k += 1
        with open("%s/example%d.rules" % (out, k), "w") as f:
            f.write("\n".join(b) + "\n")
print(k)
PY
	for f in "$TD"/example*.rules "$(_mtop)"/examples/*.rules; do
		out=$("$CODEXCTL" policy check --rules "$f" -- git status 2>&1) ||
			fail "$(basename "$f") does not load: $out"
		n=$((n + 1))
	done
	((n >= 3)) || fail "only $n example files found"
	out=$("$CODEXCTL" policy check --rules "$TD/example1.rules" -- git push --force)
	assert_match '^decision: forbidden' "$out" "git push --force under the first example"
}
