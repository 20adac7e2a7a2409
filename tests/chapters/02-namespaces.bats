#!/usr/bin/env bats
# tests/chapters/02-namespaces.bats - chapter 02 (article §2.2 Namespace):
# mini-unshare's options and the article's experiments.  These tests are
# also lab 02's grader: a name starting "[lab 02.N, P pts]" grades TODO
# 02.N (see labs/02-namespaces/README.md).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	U_NOBODY=$(public_copy "$KIT_BIN/mini-unshare")
	export U_NOBODY
}

teardown_file() {
	rm -rf "${U_NOBODY%/*}"
}

setup() {
	U=$KIT_BIN/mini-unshare
}

teardown() {
	no_processes_left "$U"
	no_processes_left "$U_NOBODY"
}

# --- the command line ---------------------------------------------------------

@test "[1 pt] --help prints every option to stdout and exits 0" {
	run --separate-stderr "$U" --help
	assert_success
	for opt in --fork --pid --mount --mount-proc --uts --ipc --net --user --map-root-user; do
		assert_output --partial -- "$opt"
	done
	[ -z "$stderr" ]
}

@test "[1 pt] an unknown option prints usage to stderr and exits 2" {
	run --separate-stderr "$U" --no-such-option true
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == *"unrecognized option '--no-such-option'"* ]]
	[[ "$stderr" == *"usage: mini-unshare"* ]]
}

@test "[1 pt] with no program it runs \$SHELL" {
	run env SHELL=/usr/bin/id "$U"
	assert_success
	assert_output --partial "uid="
}

@test "[1 pt] a program that does not exist: exit 127 and why" {
	run -127 "$U" kit-no-such-program
	assert_failure 127
	assert_output "mini-unshare: exec kit-no-such-program: ENOENT (no such program: is it installed and on PATH?)"
}

# --- §2.2: unshare --fork --pid --mount-proc -----------------------------------

@test "[lab 02.4, 3 pts] --fork --pid: the program is PID 1 of the new namespace" {
	require_root
	run "$U" --fork --pid sh -c 'echo $$'
	assert_success
	assert_output "1"
}

@test "[lab 02.3, 3 pts] --mount-proc: ps sees only the namespace's processes, PID 1 first" {
	require_root
	run "$U" --fork --pid --mount-proc sh -c 'ps -e -o pid= -o comm='
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^ *1 sh$'
	assert_regex "${lines[1]}" '^ *[0-9]+ ps$'
}

@test "[lab 02.3, 2 pts] --mount-proc leaves the host's /proc alone" {
	require_root
	procs_before=$(grep -c ' proc ' /proc/self/mountinfo)
	view=$(mktemp /tmp/kit-view.XXXXXX)
	"$U" --fork --pid --mount-proc sh -c "ps -e -o pid= > '$view'; sleep 3" &
	bg=$!
	for _ in $(seq 50); do [ -s "$view" ] && break; sleep 0.1; done
	# While the namespace lives: it sees its 2 processes, the host all of
	# its own, and the host's mount table has no extra proc mount.
	inside=$(wc -l < "$view")
	host=$(ls /proc | grep -c '^[0-9]')
	procs_during=$(grep -c ' proc ' /proc/self/mountinfo)
	kill -KILL "$bg" 2>/dev/null || true
	wait "$bg" || true
	rm -f "$view"
	assert_equal "$inside" 2
	assert [ "$host" -gt 3 ]
	assert_equal "$procs_during" "$procs_before"
}

@test "[lab 02.3, 2 pts] --mount: mounts made inside do not propagate to the host" {
	require_root
	# A shared mount, as systemd makes /: without MS_PRIVATE, a mount
	# made under it in the new namespace would appear here too.
	d=$(mktemp -d /tmp/kit-prop.XXXXXX)
	mount -t tmpfs kit-prop-outer "$d"
	mount --make-shared "$d"
	mkdir "$d/sub"
	run "$U" --mount sh -c "mount -t tmpfs kit-prop-inner '$d/sub' && grep -c kit-prop-inner /proc/self/mounts"
	inner_on_host=$(grep -c kit-prop-inner /proc/self/mounts || true)
	umount -R "$d"
	rmdir "$d"
	assert_success
	assert_output "1"
	assert_equal "$inner_on_host" 0
}

# --- §2.2: the other namespaces ---------------------------------------------------

@test "[lab 02.1, 3 pts] --net: only the loopback device" {
	require_root
	run "$U" --net ip -o link
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^1: lo: '
	run "$U" --net sh -c 'tail -n +3 /proc/net/dev'
	assert_output --regexp '^ *lo:'
	assert_equal "${#lines[@]}" 1
}

@test "[lab 02.1, 2 pts] --uts: a hostname set inside is invisible outside" {
	require_root
	before=$(hostname)
	run "$U" --uts sh -c 'hostname kit-ns-test && hostname'
	assert_success
	assert_output "kit-ns-test"
	assert_equal "$(hostname)" "$before"
}

@test "[lab 02.1, 2 pts] --ipc: the host's System V message queues are hidden" {
	require_root
	qid=$(ipcmk -Q | grep -o '[0-9]*$')
	host_view=$(ipcs -q)
	run "$U" --ipc ipcs -q
	ipcrm -q "$qid"
	# ipcs lists queues as "key msqid owner ...": the host sees ours,
	# the new IPC namespace starts empty.
	assert_regex "$host_view" "0x[0-9a-f]+ +$qid +root"
	assert_success
	refute_output --regexp '^0x'
}

@test "[lab 02.1, 2 pts] without root and without --user: EPERM and what to do" {
	require_root
	run as_nobody "$U_NOBODY" --net true
	assert_failure 1
	assert_output "mini-unshare: unshare net namespaces: EPERM (creating these namespaces needs CAP_SYS_ADMIN: run as root, or add --user (-U) to create a user namespace first)"
}

# --- §2.2: user namespaces --------------------------------------------------------

@test "[lab 02.2, 3 pts] --map-root-user makes an ordinary user root inside" {
	require_root
	require_userns
	run as_nobody "$U_NOBODY" --user --map-root-user sh -c \
		'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	assert_success
	assert_line --index 0 "0"
	assert_line --index 1 "0"
	assert_line --index 2 --regexp '^ +0 +65534 +1$'
	assert_line --index 3 --regexp '^ +0 +65534 +1$'
	assert_line --index 4 "deny"
}

@test "[lab 02.2, 1 pt] root in a user namespace is still nobody to the host" {
	require_root
	require_userns
	d=$(mktemp -d /tmp/kit-owner.XXXXXX)
	chown 65534:65534 "$d"
	run as_nobody "$U_NOBODY" -r sh -c "touch '$d/made-inside' && stat -c %u '$d/made-inside' && touch /etc/kit-must-not-exist"
	owner_outside=$(stat -c %u "$d/made-inside" 2>/dev/null || echo none)
	rm -rf "$d"
	assert_failure
	assert_line --index 0 "0"
	assert_output --partial "Permission denied"
	assert_equal "$owner_outside" 65534
	assert_file_not_exists /etc/kit-must-not-exist
}

@test "[lab 02.3, 2 pts] an ordinary user gets PID 1 and its own /proc: -Urfp --mount-proc" {
	require_root
	require_userns
	run as_nobody "$U_NOBODY" -U -r -f -p --mount-proc ps -e -o pid= -o user= -o comm=
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_regex "${lines[0]}" '^ *1 root +ps$'

}

# --- exit status ------------------------------------------------------------------

@test "[lab 02.4, 2 pts] the program's exit status is passed through" {
	require_root
	run "$U" --fork --pid sh -c 'exit 7'
	assert_failure 7
}

@test "[lab 02.4, 2 pts] a death by signal N exits 128+N" {
	require_root
	run "$U" --fork --uts sh -c 'kill -KILL $$'
	assert_failure 137
	run "$U" --fork --uts sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "[lab 02.4, 1 pt] PID 1 ignores SIGKILL sent from inside its namespace" {
	require_root
	# The kernel protects a namespace's init from its own children: only
	# signals it has a handler for get through, and SIGKILL cannot have one.
	run "$U" --fork --pid sh -c 'kill -KILL $$; echo still alive'
	assert_success
	assert_output "still alive"
}

@test "[1 pt] --verbose narrates each step on stderr" {
	require_root
	run --separate-stderr "$U" --verbose --fork --pid --mount-proc true
	assert_success
	[[ "$stderr" == *"created new pid,mnt namespaces"* ]]
	[[ "$stderr" == *"child is pid 1 in its PID namespace"* ]]
	[[ "$stderr" == *"mounted a new proc on /proc"* ]]
}
