#!/usr/bin/env bats
# tests/e2e/06-runc-containerd.bats - real containerd (Debian's 1.6) runs
# the busybox image through mini-runc.  Article §3.1 (the low-level runtime
# under containerd) and §3.2 (containerd, its shim, and the runtime's
# command line between them).
#
# One private containerd for the whole file (tests/lib/peers.bash), with
# the image from `make images` (vm-images/oci-image.py) imported into it.
# The runtime reaches the shim (containerd-shim-runc-v2) two ways:
#   - `ctr run --runc-binary PATH`: ctr puts BinaryName=PATH in the runc
#     options of the task's create request; the shim runs PATH
#   - no option at all: the shim runs "runc" from its PATH, which it
#     inherits from containerd; $PEERS/bin/runc is first on it here.
#     (containerd 1.6 reads `runtimes.NAME.options.BinaryName` from its
#     config only in the CRI plugin, which this containerd does not load;
#     dockerd sends BinaryName itself: 06-runc-docker.bats)
# Every runtime call goes through a logging wrapper; a failing test prints
# the calls the shim made (tests/e2e/README.md lists them all).
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/06-runc-containerd.bats
#   MINI_RUNC=$(command -v runc) bats tests/e2e/06-runc-containerd.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load ../lib/peers

IMAGE=docker.io/library/busybox:latest

setup_file() {
	PEERS_SKIP=$(peers_missing root containerd image)
	export PEERS_SKIP
	[ -z "$PEERS_SKIP" ] || return 0
	peers_setup
	containerd_start "$PEERS/bin"
	ctr_ images import "$(find_oci_image)" >/dev/null
}

teardown_file() {
	peers_teardown
}

setup() {
	[ -z "$PEERS_SKIP" ] || skip "$PEERS_SKIP"
	require_mini_runc
	ID=c$BATS_TEST_NUMBER
	calls_mark
}

teardown() {
	[ -n "${PEERS:-}" ] || return 0
	# On failure: what the shim asked the runtime, and what it answered.
	calls_show "containerd's shim"
	local log
	for log in "$PEERS"/containerd/state/io.containerd.runtime.v2.task/kit-e2e06/*/log.json; do
		[ -s "$log" ] && sed 's/^/# log.json: /' "$log" | tail -5
	done
	ctr_ task kill -a -s SIGKILL "$ID" >/dev/null 2>&1 || true
	ctr_ task delete -f "$ID" >/dev/null 2>&1 || true
	ctr_ container delete "$ID" >/dev/null 2>&1 || true
}

# run_ctr ARGS... - ctr run through mini-runc given as --runc-binary.
run_ctr() {
	ctr_run --runc-binary "$PEERS/bin/runtime" "$@"
}

# called VERB - the shim called the runtime with VERB for this container.
called() {
	calls | grep -E -- " $1( .*)? $ID( |\$)" >/dev/null || {
		echo "containerd's shim never called '$1 ... $ID'" >&2
		return 1
	}
}

# wait_status STATUS - ctr task ls shows the task in STATUS (5 s at most).
wait_status() {
	local i
	for i in $(seq 50); do
		ctr_ task ls | grep -qE "^$ID +[0-9]+ +$1" && return 0
		sleep 0.1
	done
	ctr_ task ls >&2
	return 1
}

@test "[2 pts] ctr run --runc-binary: the shim creates, starts and deletes through mini-runc; the output comes back" {
	run --separate-stderr run_ctr --rm "$IMAGE" "$ID" echo hello from mini-runc
	echo "# its stderr: $stderr"
	assert_success
	assert_output "hello from mini-runc"
	called create
	called start
	called delete
	# The shim asks for state under its own root, with a JSON log.
	run grep -c -- "--root $PEERS/runc/kit-e2e06 --log .*--log-format json create --bundle" <(calls)
	assert_output 1
}

@test "[1 pt] ctr run: the container's exit status is ctr's (0, 1, 7)" {
	run run_ctr --rm "$IMAGE" "$ID" /bin/true
	assert_success
	run run_ctr --rm "$IMAGE" "$ID" /bin/false
	assert_failure 1
	run run_ctr --rm "$IMAGE" "$ID" sh -c 'exit 7'
	assert_failure 7
}

@test "[1 pt] stdin, stdout and stderr: the shim's fifos become the container's fds 0, 1, 2" {
	# Two `read`s, not `wc -l`: ctr never passes on the end of its stdin.
	run --separate-stderr timeout 20 bash -c "printf 'line one\nline two\n' |
		ctr --address '$CTR_ADDRESS' --namespace kit-e2e06 run --fifo-dir '$PEERS/fifo' \
		--runc-root '$PEERS/runc' --runc-binary '$PEERS/bin/runtime' --rm '$IMAGE' '$ID' \
		sh -c 'read a; read b; echo \"\$b\"; echo to-stderr >&2'"
	assert_success
	assert_output "line two"
	[ "$stderr" = to-stderr ] || { echo "stderr was: $stderr" >&2; return 1; }
}

@test "[1 pt] the shim's default: \"runc\" on containerd's PATH is mini-runc" {
	run --separate-stderr ctr_run --rm "$IMAGE" "$ID" sh -c 'echo found on PATH; exit 3'
	echo "# its stderr: $stderr"
	assert_failure 3
	assert_output "found on PATH"
	called create
}

@test "[2 pts] ctr run -d, ctr task ls and ps: a running task, its init PID listed" {
	run_ctr -d "$IMAGE" "$ID" sleep 300
	wait_status RUNNING
	local pid
	pid=$(ctr_ task ls | awk -v id="$ID" '$1 == id { print $2 }')
	# The PID containerd shows is the container's init, seen from the host.
	run cat "/proc/$pid/cmdline"
	assert_output --partial sleep
	run ctr_ task ps "$ID"
	assert_success
	assert_line --regexp "^$pid "
	called ps
}

@test "[2 pts] ctr task exec: a second process in the running container, its exit status" {
	run_ctr -d "$IMAGE" "$ID" sleep 300
	wait_status RUNNING
	local init
	init=$(ctr_ task ls | awk -v id="$ID" '$1 == id { print $2 }')
	# Same PID and mount namespaces as the init: exec joined them.
	run --separate-stderr ctr_ task exec --fifo-dir "$PEERS/fifo" --exec-id e1 "$ID" \
		sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; tr "\0" " " </proc/1/cmdline'
	echo "# its stderr: $stderr"
	assert_success
	assert_line --index 0 "$(readlink "/proc/$init/ns/pid")"
	assert_line --index 1 "$(readlink "/proc/$init/ns/mnt")"
	assert_line --index 2 --partial sleep
	run ctr_ task exec --fifo-dir "$PEERS/fifo" --exec-id e2 "$ID" sh -c 'exit 5'
	assert_failure 5
	called exec
}

@test "[2 pts] ctr task kill: SIGTERM reaches the container's trap, SIGKILL stops it" {
	run_ctr -d "$IMAGE" "$ID" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	wait_status RUNNING
	ctr_ task kill "$ID"
	wait_status STOPPED
	run ctr_ task delete "$ID"
	assert_output --partial "exit code 42"
	called kill
	ctr_ container delete "$ID"
	run_ctr -d "$IMAGE" "$ID" sleep 300
	wait_status RUNNING
	ctr_ task kill -s SIGKILL "$ID"
	wait_status STOPPED
	run ctr_ task delete "$ID"
	assert_output --partial "exit code 137"
}

@test "[1 pt] ctr task pause and resume: the freezer stops and restarts the container" {
	run_ctr -d "$IMAGE" "$ID" sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/tick; sleep 0.05; done'
	wait_status RUNNING
	local pid t1 t2
	pid=$(ctr_ task ls | awk -v id="$ID" '$1 == id { print $2 }')
	ctr_ task pause "$ID"
	wait_status PAUSED
	called pause
	# Read the container's clock file from the host, through its root.
	t1=$(cat "/proc/$pid/root/tmp/tick")
	sleep 0.3
	t2=$(cat "/proc/$pid/root/tmp/tick")
	[ "$t1" = "$t2" ] || { echo "the clock moved while paused: $t1 $t2" >&2; return 1; }
	ctr_ task resume "$ID"
	wait_status RUNNING
	called resume
	sleep 0.3
	t2=$(cat "/proc/$pid/root/tmp/tick")
	[ "$t1" != "$t2" ] || { echo "the clock stands still after resume" >&2; return 1; }
}

@test "[1 pt] a process that cannot start: ctr fails, the error names it, nothing is left" {
	run run_ctr --rm "$IMAGE" "$ID" /no/such/program
	assert_failure
	assert_output --partial "/no/such/program"
	run ctr_ task ls -q
	assert_output ""
	# The runtime's own list, under the shim's root, is empty too.
	run "$MINI_RUNC" --root "$PEERS/runc/kit-e2e06" list
	assert_success
	refute_output --partial "$ID"
}

@test "[1 pt] the kit's image tarball: reproducible, an OCI layout and a docker-save archive in one" {
	local rootfs
	rootfs=$(find_busybox_rootfs) || skip "no build/images/busybox/rootfs: run 'make images'"
	"$KIT_ROOT/vm-images/oci-image.py" --rootfs "$rootfs" "$PEERS/a.tar" >/dev/null
	"$KIT_ROOT/vm-images/oci-image.py" --rootfs "$rootfs" "$PEERS/b.tar" >/dev/null
	cmp "$PEERS/a.tar" "$PEERS/b.tar"
	run tar -tf "$PEERS/a.tar"
	assert_line oci-layout
	assert_line index.json
	assert_line manifest.json
	# containerd names the image after io.containerd.image.name.
	run ctr_ images ls -q
	assert_line docker.io/library/busybox:latest
	# A device node in the rootfs is refused (an image has none).
	mkdir -p "$PEERS/devroot"
	mknod "$PEERS/devroot/null" c 1 3
	run "$KIT_ROOT/vm-images/oci-image.py" --rootfs "$PEERS/devroot" "$PEERS/c.tar"
	assert_failure
	assert_output --partial "a device node in the rootfs"
	[ ! -e "$PEERS/c.tar" ] && [ ! -e "$PEERS/c.tar.tmp" ]
}
