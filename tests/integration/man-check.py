#!/usr/bin/env python3
"""Check that the manual pages describe what the code does.

usage: man-check.py TOP CHECK [ARGS]

  keys KEYS_FILE      codexd.conf(5) documents every key of KEYS_FILE (the
                      output of codexd --list-config-keys): in the right
                      section, with its type and default, and the keys user
                      layers may set in LAYERS; and layers_user_keys covers
                      every key policy/layers.c reads from user layers.
  protocol            codexd-protocol(7) has a subsection for every method of
                      daemon/dispatch.c (with its minimum role), every
                      notification and request the daemon sends, and every
                      error code and reason.
  synopsis HELP_DIR   the SYNOPSIS of codexctl(1) names the same commands and
                      options as codexctl's usage messages (HELP_DIR/NAME.txt,
                      one per command, from CMD --help).
  daemon HELP_FILE    the SYNOPSIS of codexd(8) has the options of codexd --help.
  exit                codexctl(1) EXIT STATUS lists every status of
                      common/protocol.h.
  example KEYS_FILE   systemd/codexd.conf.example (the commented default
                      codexd.conf that make install puts in place) shows
                      every key of the managed files with its default (or,
                      where the default is empty, an example), and no other.

Prints what is missing, one line each, and exits 1 if anything is.
"""
import glob
import os
import re
import sys

PROBLEMS = []


def problem(msg):
    PROBLEMS.append(msg)


def read(top, rel):
    with open(os.path.join(top, rel), encoding="utf-8") as f:
        return f.read()


def section(man, name, level=".Sh"):
    """Lines of a .Sh (or .Ss) section, up to the next one of the same level or above."""
    lines = man.split("\n")
    out, inside = [], False
    for line in lines:
        if line.startswith(level + " ") or (level == ".Ss" and line.startswith(".Sh ")):
            if inside:
                break
            inside = line[len(level) + 1:].strip() == name
            continue
        if inside:
            out.append(line)
    return out


def subsections(lines):
    """{name: [lines]} of the .Ss subsections in lines, in order; name "" before the first."""
    out, cur = {"": []}, ""
    for line in lines:
        if line.startswith(".Ss "):
            cur = line[4:].strip()
            if cur in out:
                problem("subsection %r appears twice" % cur)
            out[cur] = []
            continue
        out[cur].append(line)
    return out


def items(lines):
    """[(names, head, text)] for each '.It Ic name [, name]...' line of lines."""
    out = []
    cur = None
    depth = 0
    for line in lines:
        if line.startswith(".Bl"):
            depth += 1
        elif line.startswith(".El"):
            depth -= 1
        if line.startswith(".It Ic ") and depth == 1:
            head = line[len(".It Ic "):]
            names = []
            for part in re.split(r"\s+,\s+", head):
                word = part.split()[0] if part.split() else ""
                if re.fullmatch(r"[a-z_][a-z0-9_.]*", word):
                    names.append(word)
            cur = (names, head, [])
            out.append(cur)
        elif cur is not None:
            cur[2].append(line)
    return [(n, h, "\n".join(t)) for n, h, t in out]


def plain(text):
    """Roughly the words of some mdoc text."""
    t = re.sub(r"^\.(\w+)\s?", " ", text, flags=re.M)
    t = re.sub(r"\b(Ic|Li|Cm|Ar|Pq|Po|Pc|Qq|Dq|Sq|Ql|No|Ns|Fl|Bq|Qo|Qc|Pa|Ev|Dv|Xr|Sx|Em)\b", " ", t)
    return t.replace("\\(dq", '"').replace("\\&", "").replace("\\-", "-")


TYPE_WORDS = {
    "integer": ["integer"],
    "boolean": ["boolean"],
    "path": ["path"],
    "name": ["group", "user"],
    "sandbox mode": ["mode"],
    "approval policy": ["policy"],
    "log level": ["level"],
    "all|core|none": ["which"],
    "private|host": ["where", "which"],
}


def check_keys(top, keys_file):
    man = read(top, "man/codexd.conf.5")
    keys_sec = subsections(section(man, "KEYS"))
    layers = "\n".join(section(man, "LAYERS"))
    rows = []
    with open(keys_file, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                problem("bad --list-config-keys line: %r" % line)
                continue
            rows.append(parts)
    documented = set()
    for sec, key, typ, dflt, lay in rows:
        if lay == "user":
            # Keys only the user layers have: described in LAYERS.
            word = key if key != "*" else sec.split(".")[0]
            if word not in plain(layers):
                problem("LAYERS does not describe the user key %s%s%s" % (sec, "." if sec else "", key))
            continue
        title = "Top level" if sec == "" else "[%s]" % sec
        if title not in keys_sec:
            problem("codexd.conf(5) KEYS has no subsection %s (for %s)" % (title, key))
            continue
        intro_lines = []
        for line in keys_sec[title]:
            if line.startswith(".It"):
                break
            intro_lines.append(line)
        intro = plain("\n".join(intro_lines))
        if key == "*":
            if "Each key" not in intro:
                problem("%s: the subsection does not say what its keys are" % title)
            continue
        found = [(n, h, t) for n, h, t in items(keys_sec[title]) if key in n]
        if not found:
            problem("codexd.conf(5) %s does not document %s" % (title, key))
            continue
        names, head, text = found[0]
        documented.add((sec, key))
        words = plain(head + "\n" + text + "\n" + intro)
        if typ in TYPE_WORDS:
            if not any(re.search(r"\b%s\b" % w, plain(head) + " " + intro) for w in TYPE_WORDS[typ]):
                problem("%s %s: the type (%s) is not given" % (title, key, typ))
        elif typ.startswith("array"):
            if "Bq" not in head:
                problem("%s %s: not shown as an array" % (title, key))
        if not re.search(r"[Dd]efault", words):
            problem("%s %s: no default given" % (title, key))
        elif dflt != "-":
            want = {"[]": ["empty", "none"], "true": ["true"], "false": ["false"]}.get(
                dflt, [dflt.strip('"')])
            if not any(w in words for w in want):
                problem("%s %s: the default %s is not given" % (title, key, dflt))
        user = "user" in lay.split(",")
        if user and not re.search(r"\b%s\b" % re.escape(key), plain(layers)) and \
                not re.search(r"\b%s\b" % re.escape(sec), plain(layers)):
            problem("LAYERS does not list %s, which user layers may set" % key)
        if not user and any(r[0] == sec and "user" in r[4] for r in rows) and \
                "managed files only" not in words.replace("\n", " "):
            problem("%s %s: user layers may set other keys of the section, but not "
                    "this one, and it does not say \"Read from the managed files only\"" % (title, key))
    # Nothing documented that the code does not accept.
    known = {(r[0], r[1]) for r in rows}
    for title, lines in keys_sec.items():
        if not title.startswith("[") and title != "Top level":
            continue
        sec = "" if title == "Top level" else title[1:-1]
        for names, head, text in items(lines):
            for n in names:
                if (sec, n) not in known and (sec, "*") not in known:
                    problem("codexd.conf(5) %s documents %s, which codexd does not accept" % (title, n))

    # policy/layers.c: every key read from user layers is in layers_user_keys.
    src = read(top, "policy/layers.c")
    macros = dict(re.findall(r'#define (\w+) "([^"]*)"', src))
    user_rows = [r for r in rows if "user" in r[4].split(",")]

    def covered(name):
        for sec, key, *_ in user_rows:
            pat = (sec + "." if sec else "") + key
            if re.fullmatch(re.escape(pat).replace(r"\*", r"[^.]+") .replace(r"[^.]+$", ".+"), name) or \
                    re.fullmatch("^" + re.escape(pat).replace(r"\*", ".+") + "$", name):
                return True
        return False

    reads = re.findall(r'(?:lookup|get_bool)\(&?\w+, (\w+|"[^"]*"|"[^"]*" \w+), "(\w+)"', src)
    reads += [('""', k) for k in re.findall(r'lookup\(&probe, "", "(\w+)"', src)]
    if len(reads) < 8:
        problem("policy/layers.c: found only %d look-ups; the pattern needs updating" % len(reads))
    for sec, key in reads:
        sec = sec.strip('"') if sec.startswith('"') else macros.get(sec, sec)
        name = (sec + "." if sec else "") + key
        if not covered(name):
            problem("policy/layers.c reads %s from user layers, but layers_user_keys does not "
                    "list it" % name)
    for sub in re.findall(r'"%s\.set"|ENVP "\.set"' % "shell_environment_policy", src):
        if not covered("shell_environment_policy.set.X"):
            problem("shell_environment_policy.set is read from user layers but not listed")


def check_protocol(top):
    man = read(top, "man/codexd-protocol.7")
    methods_sec = subsections(section(man, "METHODS"))
    notif = subsections(section(man, "NOTIFICATIONS"))
    reqs = subsections(section(man, "REQUESTS FROM THE DAEMON"))
    errors = "\n".join(section(man, "ERROR CODES"))
    dispatch = read(top, "daemon/dispatch.c")
    table = re.findall(r'\{\s*"([a-z/_]+)",\s*\w+,\s*ROLE_(\w+)\s*\}', dispatch)
    if not table:
        problem("daemon/dispatch.c: no method table found")
    for method, role in table:
        if method not in methods_sec:
            problem("codexd-protocol(7) METHODS has no subsection %s" % method)
            continue
        text = "\n".join(methods_sec[method])
        m = re.search(r"Minimum role: (\w+)", text)
        if not m or m.group(1) != role.lower():
            problem("codexd-protocol(7) %s: minimum role should be %s" % (method, role.lower()))
    for extra in methods_sec:
        if extra and extra not in {m for m, _ in table}:
            problem("codexd-protocol(7) documents method %s, which daemon/dispatch.c lacks" % extra)
    code = ""
    for f in sorted(glob.glob(os.path.join(top, "daemon", "*.c"))):
        with open(f, encoding="utf-8") as fh:
            code += fh.read()
    sent = set(re.findall(r'conn_notify\([^,]+,\s*"([a-z/_]+)"', code))
    sent |= set(re.findall(r'\\"method\\":\\"([a-z/_]+)\\"', code))
    requests = set(re.findall(r'jsonrpc_build_request\([^,]+,\s*"([a-z/_]+)"', code))
    for n in sorted(sent):
        if n not in notif:
            problem("codexd-protocol(7) NOTIFICATIONS has no subsection %s" % n)
    for n in sorted(requests):
        if n not in reqs:
            problem("codexd-protocol(7) REQUESTS FROM THE DAEMON has no subsection %s" % n)
    hdr = read(top, "common/protocol.h")
    codes = dict(re.findall(r"(CX_ERR_\w+)\s*=\s*(-\d+)", hdr))
    reasons = {}
    for f in glob.glob(os.path.join(top, "*", "*.[ch]")):
        with open(f, encoding="utf-8") as fh:
            reasons.update(re.findall(r'#define (CX_REASON_\w+) "([a-z_]+)"', fh.read()))
    if len(table) < 10 or not sent or not requests or len(codes) < 10:
        problem("protocol: the code patterns found too little (%d methods, %d notifications, "
                "%d requests, %d codes)" % (len(table), len(sent), len(requests), len(codes)))
    for name, val in codes.items():
        if "\\" + val not in errors:
            problem("codexd-protocol(7) ERROR CODES lacks %s (%s)" % (val, name))
    for name, val in reasons.items():
        if not re.search(r"\b%s\b" % val, errors):
            problem("codexd-protocol(7) ERROR CODES lacks reason %s (%s)" % (val, name))
    all_src = code + read(top, "common/jsonrpc.c") + read(top, "common/frame.c")
    for c, r in set(re.findall(r"(CX_ERR_\w+),\s*(CX_REASON_\w+)", all_src)):
        if c in codes and r in reasons:
            if not re.search(r"^\.It \\%s Li %s$" % (codes[c], reasons[r]), errors, re.M):
                problem("codexd-protocol(7) ERROR CODES has no item \"%s %s\" (%s, %s)"
                        % (codes[c], reasons[r], c, r))


OPT_RE = re.compile(r"(?<![\w-])(--?[A-Za-z][-A-Za-z]*)")
IGNORED_OPTS = {"-h", "--help", "-V", "--version"}


def synopsis_blocks(man):
    """{command words: set of options} of the SYNOPSIS of codexctl(1)."""
    blocks = {}
    cur = None
    for line in section(man, "SYNOPSIS"):
        if line.startswith(".Nm"):
            cur = [[], set(), True]
            blocks.setdefault("", None)
            continue
        if cur is None:
            continue
        if line.startswith(".Cm ") and cur[2]:
            cur[0] += line[4:].split()
            blocks[" ".join(cur[0])] = cur[1]
            continue
        cur[2] = False
        for m in re.finditer(r"\bFl (-?[A-Za-z][-A-Za-z]*)", line):
            cur[1].add("-" + m.group(1))
        blocks[" ".join(cur[0])] = cur[1]
    blocks = {k: v for k, v in blocks.items() if v is not None}
    return blocks


def usage_commands(text):
    """{command words: set of options} from usage messages."""
    out = {}
    cur = None
    for line in text.split("\n"):
        m = re.match(r"^(?:usage:|\s{5,}|\s*)\s*codexctl\s+(.*)$", line)
        if m:
            rest = m.group(1)
            words = []
            for w in rest.split():
                if re.fullmatch(r"[a-z][a-z-]*", w):
                    words.append(w)
                else:
                    break
            cur = " ".join(words)
            out.setdefault(cur, set()).update(o for o in OPT_RE.findall(rest) if o not in IGNORED_OPTS)
        elif cur is not None and re.match(r"^\s{10,}\S", line):
            out[cur].update(o for o in OPT_RE.findall(line) if o not in IGNORED_OPTS)
        else:
            cur = None
    return out


def check_synopsis(top, help_dir):
    man = read(top, "man/codexctl.1")
    syn = synopsis_blocks(man)
    main_help = open(os.path.join(help_dir, "main.txt"), encoding="utf-8").read()
    # The command list of codexctl --help: "  WORDS [options]   description".
    listed = {}
    in_cmds = False
    for line in main_help.split("\n"):
        if line.startswith("commands:"):
            in_cmds = True
            continue
        if in_cmds and re.match(r"^  [a-z]", line):
            spec = re.split(r"\s{2,}", line.strip())[0]
            words = []
            for w in spec.split():
                if re.fullmatch(r"[a-z][a-z-]*", w):
                    words.append(w)
                else:
                    break
            listed.setdefault(" ".join(words), set()).update(
                o for o in OPT_RE.findall(spec) if o not in IGNORED_OPTS)
        elif in_cmds and line and not line.startswith(" "):
            in_cmds = False
    usage = {}
    for f in sorted(glob.glob(os.path.join(help_dir, "*.txt"))):
        for k, v in usage_commands(open(f, encoding="utf-8").read()).items():
            usage.setdefault(k, set()).update(v)
    syn_cmds = {k for k in syn if k}
    for c in sorted(set(listed) - syn_cmds):
        problem("codexctl --help lists \"%s\", the SYNOPSIS of codexctl(1) does not" % c)
    for c in sorted(syn_cmds - set(listed)):
        problem("the SYNOPSIS of codexctl(1) has \"%s\", codexctl --help does not" % c)
    for c in sorted(syn_cmds):
        want = usage.get(c)
        if want is None:
            problem("no usage message of codexctl %s" % c)
            continue
        if listed.get(c, set()) - syn[c]:
            problem("codexctl --help shows %s for \"%s\", the SYNOPSIS does not"
                    % (", ".join(sorted(listed[c] - syn[c])), c))
        if want != syn[c]:
            if want - syn[c]:
                problem("usage of \"codexctl %s\" has %s, the SYNOPSIS does not"
                        % (c, ", ".join(sorted(want - syn[c]))))
            if syn[c] - want:
                problem("the SYNOPSIS of \"codexctl %s\" has %s, its usage does not"
                        % (c, ", ".join(sorted(syn[c] - want))))
    glob_usage = usage.get("", set())
    if glob_usage != syn.get("", set()):
        problem("global options: usage %s, SYNOPSIS %s" % (sorted(glob_usage), sorted(syn.get("", set()))))


def check_daemon(top, help_file):
    man = read(top, "man/codexd.8")
    syn = set()
    for line in section(man, "SYNOPSIS"):
        for m in re.finditer(r"\bFl (-?[A-Za-z][-A-Za-z]*)", line):
            syn.add("-" + m.group(1))
    usage = set(o for o in OPT_RE.findall(open(help_file, encoding="utf-8").read())
                if o not in ("-h", "--help"))
    if usage != syn:
        problem("codexd usage %s, SYNOPSIS of codexd(8) %s" % (sorted(usage), sorted(syn)))
    for opt in sorted(syn):
        if not re.search(r"^\.It Fl %s\b" % re.escape(opt[1:]), man, re.M):
            problem("codexd(8) does not describe %s" % opt)


def check_exit(top):
    man = read(top, "man/codexctl.1")
    text = "\n".join(section(man, "EXIT STATUS"))
    hdr = read(top, "common/protocol.h")
    for name, val in re.findall(r"(CX_EXIT_\w+)\s*=\s*(\d+)", hdr):
        if not re.search(r"^\.It %s\b" % val, text, re.M) and not (val == "0" and "exit 0" in text):
            problem("codexctl(1) EXIT STATUS has no item for %s (%s)" % (val, name))
    if "128 + Ar N" not in text:
        problem("codexctl(1) EXIT STATUS does not describe 128 + N")


def toml_to_json(v):
    v = v.strip()
    if v in ("true", "false") or re.fullmatch(r"-?\d+", v):
        return v
    return re.sub(r"\s*,\s*", ",", re.sub(r"\[\s*", "[", re.sub(r"\s*\]", "]", v)))


def check_example(top, keys_file):
    rows = [l.rstrip("\n").split("\t") for l in open(keys_file, encoding="utf-8")]
    managed = {(r[0], r[1]): r[3] for r in rows if "managed" in r[4].split(",") and r[1] != "*"}
    seen = set()
    sec = ""
    for n, line in enumerate(read(top, "systemd/codexd.conf.example").split("\n"), 1):
        m = re.match(r"^#?\[([a-z_.]+)\]\s*$", line)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r"^#([a-z_]+) = (.*)$", line)
        if not m:
            continue
        key, val = m.group(1), m.group(2)
        if sec == "shell_environment_policy.set":
            continue
        if (sec, key) not in managed:
            problem("codexd.conf.example:%d: [%s] %s is not a key of codexd.conf" % (n, sec, key))
            continue
        seen.add((sec, key))
        dflt = managed[(sec, key)]
        if dflt not in ("-", "[]") and toml_to_json(val) != dflt:
            problem("codexd.conf.example:%d: [%s] %s = %s, but the default is %s"
                    % (n, sec, key, val, dflt))
    for sec, key in sorted(set(managed) - seen):
        problem("codexd.conf.example does not show [%s] %s" % (sec, key))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    top, check = sys.argv[1], sys.argv[2]
    if check == "keys":
        check_keys(top, sys.argv[3])
    elif check == "protocol":
        check_protocol(top)
    elif check == "synopsis":
        check_synopsis(top, sys.argv[3])
    elif check == "exit":
        check_exit(top)
    elif check == "daemon":
        check_daemon(top, sys.argv[3])
    elif check == "example":
        check_example(top, sys.argv[3])
    else:
        sys.exit("man-check: unknown check " + check)
    for p in PROBLEMS:
        print(p)
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
