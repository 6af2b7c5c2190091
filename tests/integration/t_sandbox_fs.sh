# shellcheck shell=bash
# The sandbox's filesystem (SECURITY.md, escape classes; CODEX-MODEL.md §2.2
# and §2.9): writes outside the writable roots, protected paths, deny-read,
# what the user cannot read, /dev, /tmp, and everyday work.  Commands run as
# cxt-member in a git workspace under its home (sandbox_lib.sh); each
# refused attempt is also checked from the host afterwards.
#
# The sh -c scripts expand their own variables (inside the sandbox, or as
# cxt-member on the host):
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=sandbox_lib.sh
. "$CXT_SRC/sandbox_lib.sh"

# ---------------------------------------------------------------- outside the roots

test_sandbox_fs_write_outside_home()
{
	local x=$M_HOME/cxt-x.$SB_TAG f=$M_HOME/cxt-file.$SB_TAG before after out
	sb_setup
	SB_CLEAN+=("$x" "$f" "$M_HOME/cxt-d.$SB_TAG")
	as_m sh -c 'echo original > "$1"' sh "$f" || fail "cannot create $f"
	before=$(home_state)
	# The same places through three spellings: absolute, "..", a detour.
	out=$(sbx -- sh -c "$SB_T"'
		t abs sh -c "echo a > \"$1\""
		t dotdot sh -c "echo b > ../../../$(basename "$1")"
		t detour sh -c "echo c > src/../../../../$(basename "$1")"
		t parent sh -c "echo d > ../x"
		t append sh -c "echo e >> \"$2\""
		t truncate truncate -s 0 "$2"
		t chmod chmod 0600 "$2"
		t rm rm -f "$2"
		t mkdir mkdir "$3"
		t touch_home touch "$HOME/.profile"
		t workspace sh -c "echo in-workspace > inside"' sh "$x" "$f" "$M_HOME/cxt-d.$SB_TAG")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" workspace 0 "a write in the workspace"
	assert_all_failed "$(grep -v '^workspace ' <<<"$out")" 10 "writes outside the writable roots"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after the attempts"
	[[ ! -e "$SB_ROOT/x" ]] || fail "../x was created next to the workspace"
	assert_eq in-workspace "$(cat "$WS/inside" 2>/dev/null)" "the file written in the workspace"
	# The same write outside the sandbox succeeds: the sandbox stopped it, not the permissions.
	as_m sh -c 'echo host > "$1"' sh "$x" || fail "cxt-member cannot write $x even outside the sandbox"
}

test_sandbox_fs_write_via_symlink()
{
	local x=$M_HOME/cxt-x.$SB_TAG d=$M_HOME/cxt-d.$SB_TAG f=$M_HOME/cxt-file.$SB_TAG
	local before after out
	sb_setup
	SB_CLEAN+=("$x" "$d" "$f")
	# Planted before the command runs, as the user: links out of the workspace.
	as_m sh -c 'mkdir "$2" && echo original > "$3" &&
		ln -s "$1" link-new && ln -s "$2" link-dir && ln -s "$3" link-file &&
		ln -s ../../.. link-up' sh "$x" "$d" "$f" || fail "cannot plant the symbolic links"
	before=$(home_state)
	out=$(sbx -- sh -c "$SB_T"'
		t new sh -c "echo a > link-new"
		t dir sh -c "echo b > link-dir/new"
		t file sh -c "echo c >> link-file"
		t up sh -c "echo d > link-up/$(basename "$1")"
		t cp cp README link-dir/
		t mv mv README link-dir/
		t planted_inside sh -c "ln -s \"\$HOME\" home && echo e > home/$(basename "$1")"
		t make_link ln -sf "$1" link2' sh "$x")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" make_link 0 "creating a symbolic link in the workspace"
	assert_all_failed "$(grep -v '^make_link ' <<<"$out")" 7 "writes through symbolic links"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after writes through symbolic links"
	[[ -f "$WS/README" ]] || fail "README left the workspace"
}

test_sandbox_fs_hardlink()
{
	local f=$M_HOME/cxt-file.$SB_TAG t=/tmp/cxt-hl.$SB_TAG before after out
	sb_setup
	SB_CLEAN+=("$f" "$t" "$M_HOME/cxt-hl-out.$SB_TAG")
	as_m sh -c 'echo original > "$1"; echo tmpfile > "$2"' sh "$f" "$t" || fail "cannot create $f"
	before=$(home_state)
	out=$(sbx -- sh -c "$SB_T"'
		t ln ln "$1" h
		t write_h sh -c "test -e h && echo pwned >> h"
		t ln_dir ln "$1" src/h2
		t ln_tmp ln "$2" h3
		t ln_out ln README "$3"' sh "$f" "$t" "$M_HOME/cxt-hl-out.$SB_TAG")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 5 "hard links across the workspace boundary"
	assert_eq original "$(cat "$f")" "the file outside"
	assert_eq 1 "$(stat -c %h "$f")" "link count of the file outside"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after the hard-link attempts"
	[[ ! -e "$WS/h" && ! -e "$WS/h3" ]] || fail "a hard link was created in the workspace"
	# Without the sandbox the same link works (one file system): the mounts stopped it.
	as_m ln "$f" "$WS/h-host" || fail "cxt-member cannot hard-link $f into the workspace on the host"
}

test_sandbox_fs_proc_paths()
{
	local x=$M_HOME/cxt-x.$SB_TAG before after out
	sb_setup
	SB_CLEAN+=("$x")
	before=$(home_state)
	out=$(sbx -- sh -c "$SB_T"'
		b=$(basename "$1")
		t self_root sh -c "echo a > /proc/self/root$1"
		t pid_root sh -c "echo b > /proc/$$/root$1"
		t init_root sh -c "echo c > /proc/1/root$1"
		t self_cwd sh -c "echo d > /proc/self/cwd/../../../$b"
		(cd "$HOME" && exec sleep 10) & p=$!
		sleep 0.3
		t other_cwd sh -c "echo e > /proc/$p/cwd/$b"
		t other_cwd_ls ls "/proc/$p/cwd/"
		exec 7<"$HOME"
		t fd_dir sh -c "echo f > /proc/self/fd/7/$b"
		t fd_dir_inherited sh -c "echo g > /proc/$$/fd/7/$b"
		kill $p
		t proc_ws sh -c "echo in-ws > /proc/self/cwd/viaproc"' sh "$x")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" proc_ws 0 "a write in the workspace through /proc/self/cwd"
	assert_rc_line "$out" other_cwd_ls 0 "listing the home through another sandbox process's cwd"
	assert_all_failed "$(grep -vE '^(proc_ws|other_cwd_ls) ' <<<"$out")" 7 "writes through /proc"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after writes through /proc"
	assert_eq in-ws "$(cat "$WS/viaproc" 2>/dev/null)" "the file written through /proc/self/cwd"
}

test_sandbox_fs_rename_across_mounts()
{
	local f=$M_HOME/cxt-file.$SB_TAG y=$M_HOME/cxt-y.$SB_TAG before after out ws_before
	sb_setup
	SB_CLEAN+=("$f" "$y" "$y.d")
	as_m sh -c 'echo original > "$1"; echo mine > f; mkdir dir; echo in-dir > dir/g' sh "$f" ||
		fail "cannot create the files"
	before=$(home_state)
	ws_before=$(host_state "$WS/f" "$WS/dir")
	out=$(sbx -- sh -c "$SB_T"'
		t mv_out mv f "$2"
		t rename_out python3 -c "import os, sys; os.rename(\"f\", sys.argv[1])" "$2"
		t mv_dir_out mv dir "$2.d"
		t mv_in mv "$1" stolen
		t rename_in python3 -c "import os, sys; os.rename(sys.argv[1], \"stolen2\")" "$1"
		t link_over python3 -c "import os, sys; os.replace(\"f\", sys.argv[1])" "$1"' sh "$f" "$y")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 6 "renames across the workspace boundary"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after the renames"
	assert_same_state "$ws_before" "$(host_state "$WS/f" "$WS/dir")" \
		"the workspace files the command tried to move out"
	[[ ! -e "$WS/stolen2" ]] || fail "rename(2) moved $f into the workspace"
	# mv falls back to copy and delete: a copy may be left, never the move.
	[[ -e "$f" ]] || fail "$f was moved away"
}

test_sandbox_fs_mount_tricks()
{
	local before after out git_before mounts_before
	sb_setup
	before=$(home_state)
	git_before=$(host_state "$WS/.git")
	mounts_before=$(wc -l </proc/self/mountinfo)
	out=$(sbx -- sh -c "$SB_T"'
		mkdir -p m
		t bind mount --bind "$HOME" m
		t tmpfs mount -t tmpfs none m
		t remount mount -o remount,rw "$HOME"
		t umount_git umount -l .git
		t umount_run umount -l /run
		t umount_proc umount -l /proc
		t unshare_m unshare -m true
		t unshare_r unshare -r true
		t unshare_rm unshare -rm sh -c "mount --bind / \"$HOME\""
		t git_config_after sh -c "echo \"[x]\" >> .git/config"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_all_failed "$out" 10 "mount and namespace tricks"
	after=$(home_state)
	assert_same_state "$before" "$after" "home of cxt-member after the mount attempts"
	assert_same_state "$git_before" "$(host_state "$WS/.git")" ".git after the mount attempts"
	assert_eq "$mounts_before" "$(wc -l </proc/self/mountinfo)" "mounts on the host"
}

test_sandbox_fs_read_only_mode()
{
	local before after out tmpf=/tmp/cxt-ro.$SB_TAG
	sb_setup
	SB_CLEAN+=("$tmpf")
	before=$(host_state "$WS")
	out=$(sbx -s read-only -- sh -c "$SB_T"'
		t touch touch newfile
		t write sh -c "echo x > README"
		t mkdir mkdir newdir
		t rm rm README
		t tmp sh -c "echo x > \"$1\""
		t devnull sh -c "echo x > /dev/null"
		t read cat README
		t ls ls -l /bin/
		t git git status' sh "$tmpf")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" devnull 0 "echo > /dev/null in read-only mode"
	assert_rc_line "$out" read 0 "reading the workspace in read-only mode"
	assert_rc_line "$out" ls 0 "ls -l /bin in read-only mode"
	assert_rc_line "$out" git 0 "git status in read-only mode"
	assert_all_failed "$(grep -vE '^(devnull|read|ls|git) ' <<<"$out")" 5 \
		"writes in read-only mode"
	after=$(host_state "$WS")
	assert_same_state "$before" "$after" "the workspace after a read-only command"
	[[ ! -e "$tmpf" ]] || fail "read-only mode wrote $tmpf"
}

# ---------------------------------------------------------------- protected paths

test_sandbox_fs_protected_git()
{
	local before after out
	sb_setup
	before=$(host_state "$WS/.git")
	out=$(sbx -- sh -c "$SB_T"'
		t hook sh -c "printf \"#!/bin/sh\ntouch /tmp/pwned\n\" > .git/hooks/pre-commit"
		t hook_dir mkdir .git/hooks/x
		t config sh -c "echo \"[core] fsmonitor = true\" >> .git/config"
		t git_config git config core.hooksPath /tmp
		t head sh -c "echo ref: refs/heads/evil > .git/HEAD"
		t info sh -c "echo x > .git/info/attributes"
		t chmod chmod 0777 .git/hooks
		t rm_git rm -rf .git
		t mv_git mv .git .git-old
		t commit git -c user.name=x -c user.email=x@x commit -q --allow-empty -m x
		t status git status --short
		t work sh -c "echo work > work.txt"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" status 0 "git status in the workspace"
	assert_rc_line "$out" work 0 "a write in the workspace"
	assert_all_failed "$(grep -vE '^(status|work) ' <<<"$out")" 10 "writes to .git"
	after=$(host_state "$WS/.git")
	assert_same_state "$before" "$after" ".git after the attempts"
	assert_eq work "$(cat "$WS/work.txt")" "the workspace file"
}

test_sandbox_fs_codex_dir_created()
{
	local out st
	sb_setup
	[[ ! -e "$WS/.codex" ]] || fail "the new workspace already has .codex"
	out=$(sbx -- sh -c "$SB_T"'
		t config sh -c "mkdir -p .codex && echo \"sandbox_mode = \\\"danger-full-access\\\"\" > .codex/config.toml"
		t subdir mkdir .codex/x
		t rmdir rmdir .codex
		t mv mv .codex .codex-old
		t ls_empty sh -c "test -z \"\$(ls -A .codex)\""' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" ls_empty 0 "an empty .codex inside"
	assert_all_failed "$(grep -v '^ls_empty ' <<<"$out")" 4 "creating .codex/config.toml"
	# Documented behaviour: codexd creates the missing .codex (as the user, empty) so
	# it can be mounted read-only; it stays on the host afterwards.
	[[ -d "$WS/.codex" && ! -L "$WS/.codex" ]] || fail "no .codex directory on the host afterwards"
	assert_eq "" "$(ls -A "$WS/.codex")" "contents of .codex on the host"
	st=$(stat -c '%U %a' "$WS/.codex")
	assert_eq "$M_USER 755" "$st" "owner and mode of the created .codex"
}

test_sandbox_fs_agents_dir()
{
	local before after out
	sb_setup
	as_m sh -c 'mkdir .agents && echo "be nice" > .agents/AGENTS.md' || fail "cannot create .agents"
	before=$(host_state "$WS/.agents")
	out=$(sbx -- sh -c "$SB_T"'
		t new sh -c "echo x > .agents/new"
		t modify sh -c "echo evil >> .agents/AGENTS.md"
		t rm rm .agents/AGENTS.md
		t mv mv .agents .agents-old
		t read cat .agents/AGENTS.md' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" read 0 "reading .agents"
	assert_all_failed "$(grep -v '^read ' <<<"$out")" 4 "writes to .agents"
	after=$(host_state "$WS/.agents")
	assert_same_state "$before" "$after" ".agents after the attempts"
}

test_sandbox_fs_gitdir_file_target()
{
	local real=$SB_ROOT/real other=$SB_ROOT/other before after out
	sb_setup nogit
	# A worktree/submodule layout: WS/.git is a file pointing at ../real.
	as_m sh -c 'git init -q --separate-git-dir="$1" . && echo "gitdir: ../real" > .git &&
		echo a > a && git add a &&
		git -c user.name=cxt -c user.email=cxt@example.invalid commit -q -m init &&
		mkdir "$2"' sh "$real" "$other" || fail "cannot create the gitdir layout"
	assert_eq "gitdir: ../real" "$(cat "$WS/.git")" "the .git file"
	before=$(host_state "$real" "$WS/.git")
	# real and other are writable roots of their own: only the protection keeps real read-only.
	out=$(sbx --writable-root "$real" --writable-root "$other" -- sh -c "$SB_T"'
		t hook sh -c "echo x > ../real/hooks/post-checkout"
		t config sh -c "echo \"[core] fsmonitor = true\" >> ../real/config"
		t objects sh -c "echo x > ../real/objects/x"
		t gitfile sh -c "echo gitdir: /tmp > .git"
		t rm_gitfile rm .git
		t commit git -c user.name=x -c user.email=x@x commit -q --allow-empty -m x
		t status git status --short
		t other sh -c "echo ok > ../other/f"
		t work sh -c "echo ok > w"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" status 0 "git status through the gitdir file"
	assert_rc_line "$out" other 0 "a write in another --writable-root"
	assert_rc_line "$out" work 0 "a write in the workspace"
	assert_all_failed "$(grep -vE '^(status|other|work) ' <<<"$out")" 6 \
		"writes to the gitdir target and the .git file"
	after=$(host_state "$real" "$WS/.git")
	assert_same_state "$before" "$after" "the gitdir target after the attempts"
}

test_sandbox_fs_symlinked_protected_refused()
{
	local target=$SB_ROOT/realgit ctarget=$SB_ROOT/codex-target before err rc name line
	sb_setup nogit
	as_m sh -c 'git init -q "$1" && mkdir "$2"' sh "$target" "$ctarget" ||
		fail "cannot create the targets"
	for name in .git .codex; do
		rm -f "$WS/.git" "$WS/.codex"
		if [[ $name == .git ]]; then
			as_m ln -s "$target/.git" "$WS/.git"
		else
			as_m ln -s "$ctarget" "$WS/.codex"
		fi
		before=$(host_state "$target" "$ctarget")
		err=$(sbx -- sh -c 'touch ran; mkdir -p .codex; echo x > .codex/config.toml;
			echo x > .git/hooks/pre-commit' 2>&1)
		rc=$?
		assert_rc 126 "$rc" "exec with a symbolic link as $name"
		assert_match "cannot enforce read-only .*symbolic link; refusing to start" "$err" \
			"message for a symbolic link as $name"
		[[ ! -e "$WS/ran" ]] || fail "the command ran although $name is a symbolic link"
		SB_CTL=(--json)
		err=$(sbx -- touch ran 2>&1)
		SB_CTL=()
		line=$(jsel "$err" 'select(.data)')
		assert_eq "protected_symlink $WS/$name" "$(jqv "$line" '"\(.data.what) \(.data.path)"')" \
			"error data for a symbolic link as $name"
		assert_same_state "$before" "$(host_state "$target" "$ctarget")" \
			"the target of the $name link"
		[[ -L "$WS/$name" ]] || fail "the $name link was replaced"
	done
	# The same workspace without the links runs.
	rm -f "$WS/.git" "$WS/.codex"
	sbx -- true || fail "exec in the workspace without the links failed"
}

# The message names the protected path even when the workspace's path is
# long (here about 120 characters, as in ~/src/github.com/org/project/...).
test_sandbox_fs_symlinked_protected_message()
{
	local err long
	sb_setup nogit
	long=$WS/src/github.com/example-organisation/a-project-with-a-long-name
	as_m mkdir -p "$long" || fail "cannot create $long"
	as_m ln -s "$SB_ROOT" "$long/.git"
	err=$(SB_DIR=$long sbx -- true 2>&1)
	assert_rc 126 $? "exec with a symbolic link as .git"
	assert_match "cannot enforce read-only .*symbolic link" "$err" "message"
	assert_match '\.git' "$err" "the message names the protected path (.git) for a ${#long}-character workspace path"
}

test_sandbox_fs_repo_subdir()
{
	local before after out
	sb_setup
	as_m mkdir "$WS/sub" || fail "cannot create sub"
	before=$(host_state "$WS/.git" "$WS/README")
	out=$(SB_DIR=$WS/sub sbx -- sh -c "$SB_T"'
		t status git status
		t log git log --oneline
		t diff git diff --exit-code
		t write_here sh -c "echo here > local.txt"
		t parent_file sh -c "echo x >> ../README"
		t parent_config sh -c "echo \"[core] fsmonitor = true\" >> ../.git/config"
		t parent_hook sh -c "echo x > ../.git/hooks/pre-commit"
		t parent_add git add local.txt' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" status 0 "git status in repo/sub (parent repository discovery)"
	assert_rc_line "$out" log 0 "git log in repo/sub"
	assert_rc_line "$out" diff 0 "git diff in repo/sub"
	assert_rc_line "$out" write_here 0 "a write in repo/sub"
	assert_all_failed "$(grep -E '^parent_' <<<"$out")" 4 "writes to the parent repository"
	after=$(host_state "$WS/.git" "$WS/README")
	assert_same_state "$before" "$after" "the parent repository after the attempts"
}

# CODEX-MODEL.md §2.2: "child directories inside a parent repo cannot
# create .git (git init denied)" — a new .git there would carry hooks and
# config that run when the user next uses git in that directory.
test_sandbox_fs_repo_subdir_cannot_create_git()
{
	local out
	sb_setup
	as_m mkdir "$WS/sub" || fail "cannot create sub"
	out=$(SB_DIR=$WS/sub sbx -- sh -c "$SB_T"'
		t git_init git init -q
		t agents mkdir .agents' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	# codexd may leave an EMPTY placeholder (mounted read-only inside, the
	# way it keeps .codex from being created); anything in it is an escape.
	local m
	for m in .git .agents; do
		if [[ -e "$WS/sub/$m" ]]; then
			[[ -d "$WS/sub/$m" && ! -L "$WS/sub/$m" ]] ||
				fail "repo/sub/$m exists and is not a directory"
			[[ -z "$(ls -A "$WS/sub/$m")" ]] ||
				fail "a command in repo/sub created content in repo/sub/$m (git init in a child of a repository; Codex denies it): $(tr '\n' ' ' <<<"$out")"
		fi
	done
	# The placeholder must not hide the enclosing repository from git.
	assert_eq "$WS" "$(ASDIR=$WS/sub as "$M_USER" git rev-parse --show-toplevel 2>&1)" \
		"git in repo/sub on the host still finds the repository"
	assert_all_failed "$out" 2 "creating metadata in repo/sub"
}

test_sandbox_fs_git_allow_writes()
{
	local out hooks_before config_before n
	sb_setup
	sb_daemon gitw '[sandbox_workspace_write]
allow_git_writes = true'
	hooks_before=$(host_state "$WS/.git/hooks" "$WS/.git/info")
	config_before=$(host_state "$WS/.git/config")
	out=$(sbx -- sh -c "$SB_T"'
		echo change >> README
		t add git add README
		t commit git -c user.name=Sandbox -c user.email=sb@example.invalid commit -q -m "from the sandbox"
		t hook sh -c "printf \"#!/bin/sh\ntouch /tmp/pwned\n\" > .git/hooks/pre-commit"
		t hook_new mkdir .git/hooks/d
		t config sh -c "echo \"[core] hooksPath = /tmp\" >> .git/config"
		t git_config git config core.fsmonitor true
		t info sh -c "echo \"* filter=evil\" > .git/info/attributes"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" add 0 "git add with allow_git_writes"
	assert_rc_line "$out" commit 0 "git commit with allow_git_writes"
	assert_all_failed "$(grep -vE '^(add|commit) ' <<<"$out")" 5 \
		"writes to hooks and config with allow_git_writes"
	n=$(ASDIR=$WS as "$M_USER" git log --format=%an%x09%s -1)
	assert_eq "Sandbox	from the sandbox" "$n" "the commit made inside, seen on the host"
	assert_same_state "$hooks_before" "$(host_state "$WS/.git/hooks" "$WS/.git/info")" \
		".git/hooks and .git/info"
	assert_same_state "$config_before" "$(host_state "$WS/.git/config")" ".git/config"
}

# With allow_git_writes, .git/commondir (git reads config and hooks from the
# directory it names) must be as guarded as .git/config: otherwise the
# command points git at a config of its own and the user's next git command
# on the host runs the command's core.fsmonitor.
test_sandbox_fs_git_allow_writes_commondir()
{
	local out marker=$SB_ROOT/PWNED
	sb_setup
	sb_daemon gitw '[sandbox_workspace_write]
allow_git_writes = true'
	out=$(sbx -- sh -c "$SB_T"'
		mkdir evil && cp -r .git/objects .git/refs .git/HEAD .git/config evil/ &&
		printf "[core]\n\tfsmonitor = \"touch %s; false\"\n" "$1" >> evil/config
		t commondir sh -c "echo ../evil > .git/commondir"' sh "$marker")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	ASDIR=$WS as "$M_USER" timeout 10 git status --short >/dev/null 2>&1
	[[ ! -e "$marker" ]] ||
		fail "with allow_git_writes the command wrote .git/commondir and the user's next 'git status' on the host ran its core.fsmonitor (created $marker)"
	# codexd may plant a neutral commondir (".", the git directory itself) to
	# keep it read-only; any other content is the command's.
	if [[ -e "$WS/.git/commondir" ]]; then
		assert_eq "." "$(cat "$WS/.git/commondir")" ".git/commondir content"
	fi
	assert_all_failed "$out" 1 "writing .git/commondir with allow_git_writes"
}

# ---------------------------------------------------------------- reading

test_sandbox_fs_deny_read()
{
	local ssh=$M_HOME/.ssh out made_ssh=0 i pid
	sb_setup
	if [[ ! -d "$ssh" ]]; then
		install -d -o "$M_USER" -g "$M_USER" -m 0700 "$ssh" || fail "cannot create $ssh"
		made_ssh=1
	fi
	((made_ssh)) && SB_CLEAN+=("$ssh")
	SB_CLEAN+=("$ssh/cxt-id.$SB_TAG" "$ssh/cxt-late.$SB_TAG")
	as_m sh -c 'echo topsecret > secret; echo public > public;
		echo key > "$1/cxt-id.$2"' sh "$ssh" "$SB_TAG" || fail "cannot create the files"
	sb_daemon deny "[sandbox]
deny_read = [\"$WS/secret\", \"$ssh\"]"
	sbx -- sh -c "$SB_T"'
		t secret cat secret
		t ssh_ls ls "$1"
		t ssh_key cat "$1/cxt-id.$2"
		t public cat public
		t readme cat README
		t git git status --short
		echo > ready
		i=0; while [ ! -e go ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
		t late cat "$1/cxt-late.$2"
		t late_stat stat "$1/cxt-late.$2"
		cat secret "$1/cxt-late.$2" 2>&1' sh "$ssh" "$SB_TAG" >"$TD/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$WS/ready" || fail "the command did not start: $(cat "$TD/out")"
	# Created from the host while the sandbox runs.
	as_m sh -c 'echo late > "$1/cxt-late.$2" && touch go' sh "$ssh" "$SB_TAG" ||
		fail "cannot create the late file"
	wait "$pid"
	out=$(cat "$TD/out")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	for i in public readme git; do
		assert_rc_line "$out" "$i" 0 "$i: the rest of the workspace stays readable"
	done
	assert_all_failed "$(grep -E '^(secret|ssh_ls|ssh_key|late|late_stat) ' <<<"$out")" 5 \
		"reading deny-read paths"
	assert_match "secret: Permission denied" "$out" "error for the denied file"
	assert_match "cxt-late.$SB_TAG.*Permission denied" "$out" \
		"error for a file created after the start"
	# The user reads them all outside the sandbox.
	as_m cat "$WS/secret" "$ssh/cxt-late.$SB_TAG" >/dev/null ||
		fail "cxt-member cannot read the files outside the sandbox"
}


# A deny-read file that the host replaces (an editor's write-and-rename,
# git checkout) while the sandbox runs must stay unreadable.
test_sandbox_fs_deny_read_file_replaced()
{
	local out pid
	sb_setup
	as_m sh -c 'echo topsecret > secret; echo x > other' || fail "cannot create the files"
	sb_daemon deny "[sandbox]
deny_read = [\"$WS/secret\", \"$WS/other\"]"
	sbx -- sh -c "$SB_T"'
		t before cat secret
		echo > ready
		i=0; while [ ! -e go ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
		t renamed cat secret
		t recreated cat other
		cat secret other 2>&1' sh >"$TD/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$WS/ready" || fail "the command did not start: $(cat "$TD/out")"
	as_m sh -c 'echo new-secret > secret.tmp && mv secret.tmp secret &&
		rm other && echo new-other > other && touch go' || fail "cannot replace the files"
	wait "$pid"
	out=$(cat "$TD/out")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_no_match 'new-secret|new-other' "$out" "contents of replaced deny-read files"
	assert_all_failed "$out" 3 "reading deny-read files replaced on the host"
}

# deny_read patterns: "**/*.env" below the workspace hides an existing
# .env (top level and nested) and one the host creates while the command
# runs; other files stay readable; renaming, linking or creating one does
# not get around it; the refusals are reported with reason "deny_read".
test_sandbox_fs_deny_read_glob()
{
	local out line
	sb_setup
	as_m sh -c 'echo top-env > .env; mkdir -p a/b; echo nested-env > a/b/prod.env;
		echo plain > a/b/notes.txt' || fail "cannot create the files"
	sb_daemon denyglob '[sandbox]
deny_read = ["**/*.env"]'
	sbx -- sh -c "$SB_T"'
		t top cat .env
		t nested cat a/b/prod.env
		t notes cat a/b/notes.txt
		t readme cat README
		echo > ready
		i=0; while [ ! -e go ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
		t late cat late.env
		t late_nested cat a/late.env
		t late_mv mv late.env renamed.txt
		t late_ln ln late.env hard.txt
		t late_link sh -c "ln -s late.env soft && cat soft"
		t late_dir_mv mv a x
		t create sh -c "echo mine > new.env"
		cat .env late.env renamed.txt hard.txt soft 2>&1' sh >"$TD/out" 2>&1 &
	local pid=$!
	wait_until 10 test -e "$WS/ready" || fail "the command did not start: $(cat "$TD/out")"
	as_m sh -c 'echo late-env > late.env && echo late-nested > a/late.env && touch go' ||
		fail "cannot create the late files"
	wait "$pid"
	out=$(cat "$TD/out")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" notes 0 "a .txt next to a denied .env"
	assert_rc_line "$out" readme 0 "the rest of the workspace"
	assert_rc_line "$out" late_dir_mv 0 "renaming a directory (the pattern does not depend on it)"
	assert_all_failed "$(grep -E '^(top|nested|late|late_nested|late_mv|late_ln|late_link|create) ' <<<"$out")" 8 \
		"reading, moving or creating .env files"
	assert_no_match 'top-env|nested-env|late-env|late-nested' "$out" "contents of denied files"
	[[ ! -e "$WS/new.env" ]] || fail "a denied name was created"
	[[ -e "$WS/late.env" && ! -e "$WS/renamed.txt" && ! -e "$WS/hard.txt" ]] ||
		fail "the late .env was moved or linked"
	# Reported with the path and the reason.
	SB_CTL=(--json)
	out=$(sbx -- cat late.env)
	SB_CTL=()
	line=$(jsel "$out" 'select(has("denials"))' | tail -1)
	assert_eq '{"kind":"file","operation":"open","reason":"deny_read","path":"'"$WS"'/late.env","error":"EACCES"}' \
		"$(jqv "$line" '.denials[] | select(.kind == "file") | {kind, operation, reason, path, error} | tojson')" \
		"the deny_read refusal in exec/exited"
	out=$(sbx --log-denials -- cat late.env 2>&1)
	assert_match "codexctl: denied: read $WS/late.env \(deny_read\)" "$out" "codexctl's line"
}

# Entries of [sandbox] deny_read: absolute paths, patterns; nothing else.
test_sandbox_fs_deny_read_config()
{
	local e
	daemon_accepts '[sandbox]
deny_read = ["/home/x/.ssh", "**/*.env", "/home/*/secrets/**", "config/*.key", ".netrc"]' ||
		fail "valid deny_read entries refused"
	for e in '"/a/../b"' '"/a//b"' '"a/./b"' '"**/../x"' '""' '"a/"' '"/a/*/"'; do
		if daemon_accepts "[sandbox]
deny_read = [$e]"; then
			fail "deny_read = [$e] accepted"
		fi
	done
}

# With deny rules on, reading through the usual indirections behaves as
# without: the same script gives the same output on both daemons.
test_sandbox_fs_deny_read_no_false_denials()
{
	local script plain denied
	sb_setup
	as_m sh -c 'echo content > f; mkdir -p sub; echo in-sub > sub/g; echo s > secret' ||
		fail "cannot create the files"
	# shellcheck disable=SC2016 # for the sandboxed sh
	script='cat < f
sh -c "exec 3<f; cat <&3"
cat /dev/fd/3 3<f
cat /proc/self/fd/3 3<f
cat /dev/stdin < f
cat /proc/thread-self/fd/0 < f
mkfifo p1; (sleep 0.3; echo fifo-writer-later > p1) & cat p1; wait
(cat p1 > r1 &) ; sleep 0.3; echo fifo-reader-first > p1; sleep 0.2; cat r1
exec 4<>p1; echo rdwr > p1; head -1 <&4; exec 4<&-
rm p1 r1
python3 -c "import os; d = os.open(\"sub\", os.O_RDONLY); print(os.read(os.open(\"g\", os.O_RDONLY, dir_fd=d), 99).decode().strip())"
python3 -c "import os; print(sorted(os.listdir(\"/proc/self/fd\")) == sorted(os.listdir(\"/dev/fd\")))"
cd sub && cat g ../f && cd ..
ls /proc/1/stat >/dev/null && echo pid1-stat
cat /proc/1/environ >/dev/null 2>&1 || echo pid1-environ-refused
echo new > created && cat created && rm created
umask 077 && touch m && stat -c %a m && rm m
head -c 5 /dev/zero | wc -c'
	plain=$(sbx -- sh -c "$script" 2>&1)
	sb_daemon denynfd "[sandbox]
deny_read = [\"$WS/secret\", \"**/*.env\"]"
	denied=$(sbx -- sh -c "$script" 2>&1)
	note "with deny_read: $(tr '\n' '|' <<<"$denied")"
	assert_eq "$plain" "$denied" "output with and without deny_read"
	assert_match "fifo-reader-first" "$denied" "a FIFO opened by its reader first"
	assert_match "fifo-writer-later" "$denied" "a FIFO opened by its writer later"
}

# Everyday tools with deny rules on: git, make, cc, python3 reading many
# files, tar, find, grep -r.
test_sandbox_fs_deny_read_tools()
{
	local out n
	sb_setup
	as_m sh -c 'mkdir hello && cd hello &&
		printf "#include <stdio.h>\nint main(void) { puts(\"hello, sandbox\"); return 0; }\n" > hello.c &&
		printf "hello: hello.c\n\t\$(CC) -Wall -o hello hello.c\n" > Makefile &&
		echo K=1 > ../app.env && echo "modified" >> ../README' || fail "cannot create the project"
	sb_daemon denytools "[sandbox]
deny_read = [\"$WS/app.env\", \"**/*.key\"]"
	out=$(sbx -- sh -c "$SB_T"'
		t git_status sh -c "git status --short | grep -q README"
		t git_log sh -c "git log --oneline | grep -q init"
		t git_diff sh -c "git diff | grep -q \"^+modified\""
		t make sh -c "cd hello && make && ./hello | grep -q \"hello, sandbox\""
		t python_many python3 -c "import os, sys; n = 0
for d, _, fs in os.walk(\"/usr/lib/python3\"):
    for f in fs:
        p = os.path.join(d, f)
        if os.path.isfile(p) and not os.path.islink(p):
            open(p, \"rb\").read(64); n += 1
sys.exit(0 if n > 500 else 1)"
		t python_imports python3 -c "import json, email.parser, http.client, sqlite3, asyncio, unittest, xml.dom.minidom"
		t tar sh -c "tar -cf /tmp/t.tar hello README && tar -tf /tmp/t.tar | grep -q hello.c"
		t find sh -c "find /usr/include -name stdio.h | grep -q stdio.h"
		t grep_r grep -rq "hello, sandbox" hello
		t denied cat app.env' sh 2>&1)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	for n in git_status git_log git_diff make python_many python_imports tar find grep_r; do
		assert_rc_line "$out" "$n" 0 "with deny_read: $n"
	done
	assert_all_failed "$(grep '^denied ' <<<"$out")" 1 "the denied file"
}

# The race the supervisor must not lose: one thread opens a path in a
# buffer another thread flips between an allowed and a denied name.  The
# denied file is created after the start (no mount hides it): only the
# open-time check stands between the command and its content.
test_sandbox_fs_deny_read_race()
{
	local race=${CXT_INSIDE:-$CXT_BUILD/tests}/cxrace out pid
	[[ -x "$race" ]] || fail "$race is missing (make $CXT_BUILD/tests/cxrace)"
	sb_setup
	as_m sh -c 'echo allowed-content > allowed' || fail "cannot create the files"
	sb_daemon denyrace "[sandbox]
deny_read = [\"$WS/secret\"]"
	sbx --env CXRACE_SECRET=race-secret -- sh -c '
		echo > ready
		i=0; while [ ! -e go ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
		"$1" allowed secret 100000 open; echo "open rc=$?"
		"$1" allowed secret 30000 openat2; echo "openat2 rc=$?"' sh "$race" >"$TD/out" 2>&1 &
	pid=$!
	wait_until 10 test -e "$WS/ready" || fail "the command did not start: $(cat "$TD/out")"
	as_m sh -c 'echo race-secret > secret && touch go' || fail "cannot create the secret"
	wait "$pid"
	out=$(cat "$TD/out")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" open 0 "100000 opens racing a flipped path"
	assert_rc_line "$out" openat2 0 "30000 openat2 racing a flipped path"
	assert_match 'allowed=[1-9]' "$out" "the allowed file was read meanwhile"
	assert_no_match 'denied=[1-9]' "$out" "the denied file's content"
}

test_sandbox_fs_unreadable_system_files()
{
	local out
	sb_setup
	out=$(sbx -- sh -c "$SB_T"'
		t shadow cat /etc/shadow
		t root_ls ls /root
		t root_proc cat /proc/1/root/etc/shadow
		t passwd cat /etc/passwd' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" passwd 0 "reading /etc/passwd"
	assert_all_failed "$(grep -v '^passwd ' <<<"$out")" 3 "reading what the user cannot"
	out=$(sbx -s read-only -- cat /etc/shadow 2>&1)
	assert_rc 1 $? "cat /etc/shadow in read-only mode"
	assert_match "Permission denied" "$out" "message"
}

# ---------------------------------------------------------------- Codex §2.9

test_sandbox_fs_dev_nodes()
{
	local out n
	sb_setup
	out=$(sbx -- sh -c "$SB_T"'
		t ls_bin sh -c "ls -l /bin/ | grep -q sh"
		for n in null zero full random urandom tty; do t "char_$n" test -c "/dev/$n"; done
		t devnull sh -c "echo x > /dev/null"
		t zero sh -c "test \"\$(head -c 3 /dev/zero | od -An -tx1 | tr -d \" \")\" = 000000"
		t urandom sh -c "test \"\$(head -c 16 /dev/urandom | wc -c)\" = 16"
		t full sh -c "echo x > /dev/full"
		t block sh -c "test -n \"\$(find /dev -type b 2>/dev/null)\""
		t mem test -e /dev/mem
		t kmsg test -e /dev/kmsg
		t newnode sh -c "echo x > /dev/cxt-new"' sh)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	for n in ls_bin char_null char_zero char_full char_random char_urandom char_tty devnull zero \
		urandom; do
		assert_rc_line "$out" "$n" 0 "$n"
	done
	assert_all_failed "$(grep -E '^(full|block|mem|kmsg|newnode) ' <<<"$out")" 5 \
		"/dev/full, host devices, new nodes"
}

test_sandbox_fs_dev_shm_private()
{
	local out host=/dev/shm/cxt-host.$SB_TAG inside=/dev/shm/cxt-in.$SB_TAG
	sb_setup
	SB_CLEAN+=("$host" "$inside")
	[[ -d /dev/shm ]] || skip "the host has no /dev/shm"
	echo host >"$host"
	chmod 0644 "$host"
	out=$(sbx -- sh -c "$SB_T"'
		t write sh -c "echo inside > \"$2\" && test \"\$(cat \"$2\")\" = inside"
		t host_file_visible test -e "$1"' sh "$host" "$inside")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" write 0 "writing /dev/shm inside"
	assert_rc_line "$out" host_file_visible 1 "the host's /dev/shm file seen inside"
	[[ ! -e "$inside" ]] || fail "the sandbox's /dev/shm file appeared in the host's /dev/shm"
}

test_sandbox_fs_tmp_and_tmpdir()
{
	local out f=/tmp/cxt-tmp.$SB_TAG td=$SB_ROOT/tmpdir conf
	sb_setup
	SB_CLEAN+=("$f")
	as_m mkdir "$td" "$SB_ROOT/not-tmpdir" || fail "cannot create $td"
	# The host's /tmp (the [sandbox] tmp = "host" of builds that have a private /tmp).
	conf=$(sb_host_tmp_config)
	if [[ -n "$conf" ]]; then
		sb_daemon hosttmp "$conf"
	fi
	SB_ENV=(TMPDIR="$td")
	out=$(sbx -- sh -c "$SB_T"'
		t tmp sh -c "echo from-sandbox > \"$1\""
		t tmpdir sh -c "echo in-tmpdir > \"\$TMPDIR/f\""
		t mktemp sh -c "mktemp > mktemp.out"
		t sibling sh -c "echo x > \"$2/f\""' sh "$f" "$SB_ROOT/not-tmpdir")
	SB_ENV=()
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" tmp 0 "writing /tmp"
	assert_rc_line "$out" tmpdir 0 "writing \$TMPDIR"
	assert_rc_line "$out" mktemp 0 "mktemp (honours \$TMPDIR)"
	assert_all_failed "$(grep '^sibling ' <<<"$out")" 1 "writing a directory next to \$TMPDIR"
	assert_eq from-sandbox "$(cat "$f" 2>/dev/null)" "the /tmp file seen on the host"
	assert_eq "$M_USER" "$(stat -c %U "$f")" "owner of the /tmp file"
	assert_eq in-tmpdir "$(cat "$td/f" 2>/dev/null)" "the \$TMPDIR file seen on the host"
	assert_match "^$td/tmp\." "$(cat "$WS/mktemp.out")" "mktemp's file"
}

# Builds with a private /tmp ([sandbox] tmp = "private", the default there).
test_sandbox_fs_tmp_private()
{
	local out f=/tmp/cxt-priv.$SB_TAG h=/tmp/cxt-host.$SB_TAG
	daemon_accepts '[sandbox]
tmp = "private"' || skip "this build has no private /tmp ([sandbox] tmp)"
	sb_setup
	SB_CLEAN+=("$f" "$h")
	echo host >"$h"
	chmod 0644 "$h"
	sb_daemon privtmp '[sandbox]
tmp = "private"'
	out=$(sbx -- sh -c "$SB_T"'
		t write sh -c "echo inside > \"$1\" && test \"\$(cat \"$1\")\" = inside"
		t host_visible test -e "$2"' sh "$f" "$h")
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" write 0 "writing the private /tmp"
	assert_rc_line "$out" host_visible 1 "a host /tmp file seen in the private /tmp"
	[[ ! -e "$f" ]] || fail "the private /tmp file appeared in the host's /tmp"
}

test_sandbox_fs_writable_roots_config()
{
	local out extra=$SB_ROOT/extra missing=$SB_ROOT/missing
	sb_setup
	as_m mkdir "$extra" "$SB_ROOT/other" || fail "cannot create $extra"
	sb_daemon roots "[sandbox_workspace_write]
writable_roots = [\"$extra\", \"$missing\"]"
	out=$(sbx -- sh -c "$SB_T"'
		t extra sh -c "echo in-root > \"$1/f\""
		t other sh -c "echo x > \"$2/f\""
		t missing mkdir "$3"' sh "$extra" "$SB_ROOT/other" "$missing")
	assert_rc 0 $? "exec with a configured writable root that does not exist"
	note "inside: $(tr '\n' ' ' <<<"$out")"
	assert_rc_line "$out" extra 0 "writing a configured writable root"
	assert_all_failed "$(grep -v '^extra ' <<<"$out")" 2 "writes next to the writable roots"
	assert_eq in-root "$(cat "$extra/f" 2>/dev/null)" "the file seen on the host"
	[[ ! -e "$missing" ]] || fail "the missing writable root was created"
}

# ---------------------------------------------------------------- everyday work

test_sandbox_fs_everyday_work()
{
	local out
	sb_setup
	as_m sh -c 'mkdir hello && cd hello &&
		printf "#include <stdio.h>\nint main(void) { puts(\"hello, sandbox\"); return 0; }\n" > hello.c &&
		printf "hello: hello.c\n\t\$(CC) -Wall -o hello hello.c\ntest: hello\n\t./hello | grep -q \"hello, sandbox\"\n\techo tests passed\n" > Makefile &&
		echo "modified" >> ../README' || fail "cannot create the C project"
	out=$(sbx -- sh -c "$SB_T"'
		t ls ls -la
		t cat cat README
		t git_status sh -c "git status --short | grep -q README"
		t git_diff sh -c "git diff | grep -q \"^+modified\""
		t git_log sh -c "git log --oneline | grep -q init"
		t make sh -c "cd hello && make && make test | grep -q \"tests passed\""
		t cc sh -c "cc -O2 -o hello2 hello/hello.c && ./hello2 | grep -q \"hello, sandbox\""
		t python3 sh -c "test \"\$(python3 -c \"print(1)\")\" = 1"
		t write_ws sh -c "echo data > out.txt && test \"\$(cat out.txt)\" = data"
		t write_tmp sh -c "f=\$(mktemp) && echo data > \$f && rm \$f"
		t pipeline sh -c "seq 1 100 | grep 7 | sort -r | head -3 | wc -l | grep -qx 3"
		t find sh -c "find . -name \"*.c\" | grep -q hello.c"
		t grep_r grep -rq "hello, sandbox" .
		t threads python3 -c "import threading; t = threading.Thread(target=print); t.start(); t.join()"' sh 2>&1)
	note "inside: $(tr '\n' ' ' <<<"$out")"
	local n
	for n in ls cat git_status git_diff git_log make cc python3 write_ws write_tmp pipeline find \
		grep_r threads; do
		assert_rc_line "$out" "$n" 0 "everyday work: $n"
	done
	[[ -x "$WS/hello/hello" ]] || fail "make did not leave hello/hello on the host"
}
