#!/usr/bin/env bats
# tests/chapters/04-container.bats - chapter 04 (article §2.4 Cgroups with
# Namespace): mini-container runs the article's one-liner as one program,
# in a real busybox root filesystem.  These tests are also lab 04's grader:
# a name starting "[lab 04.N, P pts]" grades TODO 04.N (see
# labs/04-container/README.md).

bats_require_minimum_version 1.5.0
load helpers

# The busybox image from `make images`: next to the programs under test,
# else in build/images; built there by its recipe when neither exists.
busybox_image() {
	local d
	for d in ${KIT_IMAGES:+"$KIT_IMAGES"} "$KIT_BIN/../images" "$KIT_ROOT/build/images"; do
		if [ -f "$d/busybox/rootfs.stamp" ]; then
			echo "$d/busybox/rootfs"
			return
		fi
	done
	"$KIT_ROOT/vm-images/busybox-rootfs.sh" "$KIT_ROOT/build/images/busybox" >&2
	echo "$KIT_ROOT/build/images/busybox/rootfs"
}

setup_file() {
	local image
	image=$(busybox_image)
	# A copy of the image that the tests may change (chroot-escape goes
	# in, escape.d gets made), readable by nobody for the rootless tests.
	WORK=$(mktemp -d /tmp/kit-ct.XXXXXX)
	chmod 755 "$WORK"
	cp -a "$image" "$WORK/rootfs"
	cp "$KIT_BIN/chroot-escape" "$WORK/rootfs/bin/"
	echo "the host's secret" >"$WORK/host-marker"
	MC_NOBODY=$(public_copy "$KIT_BIN/mini-container")
	# Was the shared parent cgroup "kit" there before us?  (teardown)
	KIT_CG_BEFORE=$(ls -d /sys/fs/cgroup/kit /sys/fs/cgroup/*/kit 2>/dev/null || true)
	export WORK MC_NOBODY KIT_CG_BEFORE
}

teardown_file() {
	rm -rf "$WORK" "${MC_NOBODY%/*}"
}

setup() {
	MC=$KIT_BIN/mini-container
	ROOTFS=$WORK/rootfs
	NAME=kit-t$BATS_TEST_NUMBER
}

# The cgroup directories of kit/NAME still there (none: nothing printed).
groups_left() {
	ls -d /sys/fs/cgroup/kit/"$NAME" /sys/fs/cgroup/*/kit/"$NAME" 2>/dev/null || true
}

teardown() {
	local left
	no_processes_left "$MC"
	no_processes_left "$MC_NOBODY"
	# A failed test may leave its group: remove it, and say so.
	left=$(groups_left)
	if [ -n "$left" ]; then
		echo "cgroups left behind: $left" >&2
		rmdir $left 2>/dev/null || true
		return 1
	fi
	if [ -z "$KIT_CG_BEFORE" ]; then
		rmdir /sys/fs/cgroup/kit /sys/fs/cgroup/*/kit 2>/dev/null || true
	fi
}

# A cgroup (v2, else v1) that the kit's driver can use, or skip.
require_some_cgroup() {
	probe_cgroup v2 || probe_cgroup v1 || skip "$PROBE_REASON"
}

# limit_file v1-file v2-file: the value of a limit of kit/NAME, read from
# the host while the container runs.
limit_file() {
	local f
	for f in /sys/fs/cgroup/*/kit/"$NAME/$1" /sys/fs/cgroup/kit/"$NAME/$2" \
		/sys/fs/cgroup/unified/kit/"$NAME/$2"; do
		if [ -f "$f" ]; then
			cat "$f"
			return
		fi
	done
	echo "no $1 or $2 for kit/$NAME" >&2
	return 1
}

# Start a container in the background that sleeps; wait until it runs.
start_sleeper() {
	"$MC" run --rootfs "$ROOTFS" --name "$NAME" "$@" -- sh -c 'touch /tmp/up; sleep 30' &
	SLEEPER=$!
	for _ in $(seq 100); do
		[ -n "$(groups_left)" ] && pgrep -f "^sleep 30" >/dev/null && return
		sleep 0.05
	done
}

stop_sleeper() {
	kill -TERM "$SLEEPER" 2>/dev/null || true
	wait "$SLEEPER" || true
}

# Nothing of a failed run may stay: no cgroup, no mount, no process.
assert_nothing_left() {
	assert_equal "$(groups_left)" ""
	refute grep -q "$ROOTFS" /proc/self/mountinfo
	no_processes_left "$MC"
}

# --- the command line ---------------------------------------------------------

@test "[1 pt] run --help lists every option on stdout and exits 0" {
	run --separate-stderr "$MC" run --help
	assert_success
	for opt in --rootfs --name --hostname --memory --cpus --pids --root-mode --user --verbose; do
		assert_output --partial -- "$opt"
	done
	[ -z "$stderr" ]
}

@test "[1 pt] misuse exits 2 and says what is wrong" {
	run --separate-stderr "$MC" run -- true
	assert_failure 2
	[[ "$stderr" == *"mini-container: --rootfs DIR is required"* ]]
	run --separate-stderr "$MC" run --rootfs "$ROOTFS"
	assert_failure 2
	[[ "$stderr" == *"no command given"* ]]
	run --separate-stderr "$MC" run --rootfs "$ROOTFS" --root-mode jail -- true
	assert_failure 2
	[[ "$stderr" == *"--root-mode is pivot or chroot, not 'jail'"* ]]
	run --separate-stderr "$MC" start
	assert_failure 2
	[[ "$stderr" == *"unknown command 'start'"* ]]
}

# --- §2.4: the one-liner, step by step ------------------------------------------

@test "[lab 04.2, 3 pts] ps inside sees only the container: its init is PID 1" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- ps -o pid,comm
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_regex "${lines[1]}" '^ +1 mini-container$'
	assert_regex "${lines[2]}" '^ +2 ps$'
}

@test "[lab 04.1, 3 pts] pivot mode: / is the image, the host's mounts are gone" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c \
		"cut -d' ' -f5,8 /proc/self/mountinfo; ls /; test -e '$WORK/host-marker' && echo host visible; true"
	assert_success
	assert_line --index 0 --regexp '^/ [a-z0-9]+$'
	assert_line --index 1 '/proc proc'
	assert_line --index 2 '/dev tmpfs'
	assert_line --index 3 '/dev/pts devpts'
	assert_line --index 4 '/sys sysfs'
	assert_line --index 5 'bin'
	refute_output --partial "host visible"
	refute_output --partial "/sys/fs/cgroup"
}

@test "[2 pts] the hostname is the container's; the host keeps its own" {
	require_root
	before=$(hostname)
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" -- hostname
	assert_success
	assert_output "$NAME"
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --hostname my-process -- hostname
	assert_output "my-process"
	assert_equal "$(hostname)" "$before"
}

@test "[2 pts] new uts, ipc, net, pid and mnt namespaces; the user one only with --user" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c \
		'for k in uts ipc net pid mnt user; do readlink /proc/self/ns/$k; done'
	assert_success
	for k in uts ipc net pid mnt; do
		refute_output "$(readlink /proc/self/ns/$k)"
		assert_output --partial "$k:["
	done
	assert_line --index 5 "$(readlink /proc/self/ns/user)"
	run "$MC" run --rootfs "$ROOTFS" --user -- readlink /proc/self/ns/user
	assert_success
	refute_output "$(readlink /proc/self/ns/user)"
}

@test "[lab 04.3, 3 pts] /dev holds six harmless devices, ptmx and a devpts of its own" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c \
		'ls /dev | tr "\n" " "; echo; echo x > /dev/null && echo null ok;
		 head -c 16 /dev/urandom | wc -c; ls /dev/pts; stat -c "%t:%T" /dev/zero'
	assert_success
	assert_line --index 0 "fd full null ptmx pts random stderr stdin stdout tty urandom zero "
	assert_line --index 1 "null ok"
	assert_line --index 2 "16"
	assert_line --index 3 "ptmx"
	assert_line --index 4 "1:5"
}

@test "[lab 04.2, 2 pts] /sys is read-only and lists only the container's network devices" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c 'ls /sys/class/net; touch /sys/kit-x'
	assert_failure
	assert_line --index 0 "lo"
	assert_output --partial "Read-only file system"
}

@test "[lab 04.4, 3 pts] with limits the command runs in cgroup kit/NAME from its start" {
	require_root
	require_some_cgroup
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory 50M --cpus 0.5 --pids 32 -- \
		sh -c 'cat /proc/1/cgroup; echo --; cat /proc/self/cgroup'
	assert_success
	# v1: one line per hierarchy; v2: the one "0::" line.
	assert_output --regexp "(:memory:|^0::)/kit/$NAME"
	assert_output --regexp "(:pids:|^0::)/kit/$NAME"
	assert_output --regexp "(:cpu(,cpuacct)?:|^0::)/kit/$NAME"
	assert_equal "$(grep -c "/kit/$NAME\$" <<<"$output")" "$((2 * $(grep -c "/kit/$NAME\$" <<<"${output%%--*}")))"
	assert_equal "$(groups_left)" ""
}

@test "[lab 04.4, 2 pts] the limits are chapter 03's: 50M, 0.5 CPU, 32 pids on the host's files" {
	require_root
	require_some_cgroup
	start_sleeper --memory 50M --cpus 0.5 --pids 32
	mem=$(limit_file memory.limit_in_bytes memory.max)
	pids=$(limit_file pids.max pids.max)
	quota=$(limit_file cpu.cfs_quota_us cpu.max)
	stop_sleeper
	assert_equal "$mem" 52428800
	assert_equal "$pids" 32
	assert_regex "$quota" '^50000( 100000)?$'
}

@test "[lab 04.4, 3 pts] a memory hog over --memory dies by the OOM killer: 137 and why" {
	require_root
	require_some_cgroup
	run --separate-stderr "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory 20M -- \
		dd if=/dev/zero of=/dev/null bs=64M count=1
	assert_failure 137
	[[ "$stderr" == *"container $NAME: the kernel's OOM killer ended it: it reached its memory limit (--memory 20M)"* ]]
	assert_equal "$(groups_left)" ""
}

@test "[2 pts] --pids: forks beyond the limit fail inside the container" {
	require_root
	require_some_cgroup
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --pids 5 -- \
		sh -c 'for i in 1 2 3 4 5 6; do sleep 1 & done; wait'
	assert_output --partial "can't fork"
	assert_equal "$(groups_left)" ""
}

@test "[1 pt] the container's cgroup goes away with it, and an emptied parent kit/ too" {
	require_root
	require_some_cgroup
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory 50M -- true
	assert_success
	assert_equal "$(groups_left)" ""
	# kit/ may stay only while other groups live in it.
	for d in /sys/fs/cgroup/kit /sys/fs/cgroup/*/kit; do
		[ -d "$d" ] || continue
		[ -n "$(find "$d" -mindepth 1 -maxdepth 1 -type d)" ] ||
			fail "an empty parent $d was left behind"
	done
}

# --- chroot vs pivot_root ---------------------------------------------------------

@test "[3 pts] chroot mode: a root process climbs out to the host (chroot-escape)" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" --root-mode chroot -- chroot-escape "$WORK/host-marker"
	assert_success
	assert_output "chroot-escape: escaped: $WORK/host-marker says: the host's secret"
}

@test "[lab 04.1, 4 pts] pivot mode (the default): the same escape stays inside" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- chroot-escape "$WORK/host-marker"
	assert_failure 1
	assert_output "chroot-escape: $WORK/host-marker: No such file or directory: still inside"
	run "$MC" run --rootfs "$ROOTFS" --root-mode pivot -- chroot-escape /etc/hostname
	assert_success
	assert_output "chroot-escape: escaped: /etc/hostname says: busybox"
}

# --- what passes through: status, signals, stdio --------------------------------

@test "[2 pts] the command's exit status is passed through" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c 'exit 7'
	assert_failure 7
	run "$MC" run --rootfs "$ROOTFS" -- true
	assert_success
}

@test "[2 pts] a death by signal N exits 128+N" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" -- sh -c 'kill -TERM $$'
	assert_failure 143
	run "$MC" run --rootfs "$ROOTFS" -- sh -c 'kill -KILL $$'
	assert_failure 137
}

@test "[2 pts] stdin piped in reaches the command; stdout and stderr come out apart" {
	require_root
	run --separate-stderr bash -c "printf 'hello\ncontainer\n' | '$MC' run --rootfs '$ROOTFS' -- sh -c 'tr a-z A-Z; echo oops >&2'"
	assert_success
	assert_output $'HELLO\nCONTAINER'
	[ "$stderr" = "oops" ]
}

@test "[3 pts] Ctrl-C on a terminal ends the container's command: exit 130" {
	require_root
	# A pseudo-terminal, as a person at a shell has: ^C makes the tty send
	# SIGINT to the foreground process group, mini-container included.
	run python3 - "$MC" run --rootfs "$ROOTFS" -- sh -c 'echo ready; sleep 30; echo not interrupted' <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, sent, end = b"", False, time.time() + 20
while time.time() < end:
    if select.select([fd], [], [], 0.1)[0]:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"ready" in out:
        time.sleep(0.2)
        os.write(fd, b"\x03")
        sent, end = True, time.time() + 5
_, status = os.waitpid(pid, 0)
print(out.decode(errors="replace").replace("\r", ""))
print("exit", os.waitstatus_to_exitcode(status))
EOF
	assert_success
	assert_line "ready"
	refute_output --partial "not interrupted"
	assert_line "exit 130"
}

@test "[2 pts] SIGTERM to mini-container reaches the command: exit 143" {
	require_root
	start_sleeper
	kill -TERM "$SLEEPER"
	status=0
	wait "$SLEEPER" || status=$?
	assert_equal "$status" 143
}

# --- hostile input: a clear error, exit 1, nothing left behind -----------------

@test "[1 pt] a missing rootfs: ENOENT and how to make one" {
	require_root
	run "$MC" run --rootfs "$WORK/nope" --name "$NAME" --memory 50M -- true
	assert_failure 1
	assert_output "mini-container: use rootfs $WORK/nope: ENOENT (no such directory: build the image with 'make images', or check the path)"
	assert_nothing_left
}

@test "[1 pt] a rootfs that is a symlink: ELOOP" {
	require_root
	ln -s "$ROOTFS" "$WORK/link-$NAME"
	run "$MC" run --rootfs "$WORK/link-$NAME" --name "$NAME" --memory 50M -- true
	rm "$WORK/link-$NAME"
	assert_failure 1
	assert_output "mini-container: use rootfs $WORK/link-$NAME: ELOOP (it is a symlink: give the directory it points to, so that nobody can re-point it under a running container)"
	assert_nothing_left
}

@test "[1 pt] a rootfs that is not a directory: ENOTDIR" {
	require_root
	run "$MC" run --rootfs "$WORK/host-marker" --name "$NAME" -- true
	assert_failure 1
	assert_output "mini-container: use rootfs $WORK/host-marker: ENOTDIR (not a directory: a root filesystem is a directory tree, e.g. build/images/busybox/rootfs)"
	assert_nothing_left
}

@test "[1 pt] a rootfs path with '..': EINVAL, even where it resolves" {
	require_root
	run "$MC" run --rootfs "$ROOTFS/../rootfs" --name "$NAME" -- true
	assert_failure 1
	assert_output "mini-container: use rootfs $ROOTFS/../rootfs: EINVAL (a path with '..' may lead somewhere other than it looks: give the directory without '..')"
	assert_nothing_left
}

@test "[2 pts] bad limits are refused by chapter 03's checks; no cgroup is left" {
	require_root
	require_some_cgroup
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory lots -- true
	assert_failure 1
	assert_output --regexp "^mini-container: --memory lots: .*'lots': EINVAL \("
	assert_nothing_left
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory 50M --cpus 0 -- true
	assert_failure 1
	assert_output --regexp "^mini-container: --cpus 0: .*EINVAL \("
	assert_nothing_left
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --pids=-1 -- true
	assert_failure 1
	assert_output --regexp "^mini-container: --pids -1: .*EINVAL \("
	assert_nothing_left
}

@test "[2 pts] a command missing from the image: exit 127 and why; nothing left" {
	require_root
	run -127 "$MC" run --rootfs "$ROOTFS" --name "$NAME" --memory 50M -- kit-no-such-program
	assert_failure 127
	assert_output "mini-container: exec kit-no-such-program in the container: ENOENT (no such program in the container's root filesystem: is it in the image, and on PATH?)"
	assert_nothing_left
}

@test "[1 pt] a name that is not one: EINVAL before anything is made" {
	require_root
	for bad in a/b .. -x "$(printf 'n%.0s' $(seq 65))"; do
		run "$MC" run --rootfs "$ROOTFS" --name "$bad" --memory 50M -- true
		assert_failure 1
		assert_output "mini-container: use container name '$bad': EINVAL (1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit)"
	done
	run "$MC" run --rootfs "$ROOTFS" --hostname "$(printf 'h%.0s' $(seq 65))" -- true
	assert_failure 1
	assert_output --partial "EINVAL (a hostname has 1 to 64 bytes (HOST_NAME_MAX))"
}

@test "[1 pt] a name in use is refused, and the running container is left alone" {
	require_root
	require_some_cgroup
	start_sleeper --pids 16
	run "$MC" run --rootfs "$ROOTFS" --name "$NAME" --pids 16 -- true
	still=$(groups_left)
	stop_sleeper
	assert_failure 1
	assert_output "mini-container: create cgroup kit/$NAME: EEXIST (a container of that name is running, or its cgroup was left behind: pick another --name, or remove it with mini-cgroup delete --force)"
	[ -n "$still" ]
}

@test "[1 pt] an image whose /proc is a symlink to the host's /etc is refused" {
	require_root
	bad=$WORK/bad-$NAME
	cp -a "$ROOTFS" "$bad"
	rmdir "$bad/proc"
	ln -s /etc "$bad/proc"
	run "$MC" run --rootfs "$bad" --root-mode chroot -- true
	rm -rf "$bad"
	assert_failure 1
	assert_output "mini-container: use mount point $bad/proc: ELOOP (a symlink in the image where a mount point belongs: refusing to follow it)"
	refute grep -q ' /etc .* proc ' /proc/self/mountinfo
}

# --- user namespaces ------------------------------------------------------------

@test "[lab 04.3, 2 pts] --user as root: root inside is root outside, devices bound from the host" {
	require_root
	run "$MC" run --rootfs "$ROOTFS" --user -- sh -c \
		'id -u; cat /proc/self/uid_map; echo x > /dev/null && echo null ok; grep -c " /dev/null " /proc/self/mountinfo'
	assert_success
	assert_line --index 0 "0"
	assert_line --index 1 --regexp '^ +0 +0 +1$'
	assert_line --index 2 "null ok"
	assert_line --index 3 "1"
}

@test "[3 pts] --user as nobody: a container without root, root only inside" {
	require_root
	require_userns
	run as_nobody "$MC_NOBODY" run --rootfs "$ROOTFS" --user -- sh -c \
		'id -u; cat /proc/self/uid_map; hostname; ps -o pid= | wc -l; touch /bin/kit-x'
	assert_failure
	assert_line --index 0 "0"
	assert_line --index 1 --regexp '^ +0 +65534 +1$'
	assert_line --index 2 --regexp '^mini-[0-9]+$'
	assert_line --index 3 --regexp '^ *4$' # init, sh, ps and wc
	assert_output --partial "Permission denied"
	assert_file_not_exists "$ROOTFS/bin/kit-x"
}

@test "[1 pt] as nobody without --user: EPERM and what to do" {
	require_root
	run as_nobody "$MC_NOBODY" run --rootfs "$ROOTFS" -- true
	assert_failure 1
	assert_output "mini-container: clone into new pid,net,mnt,uts,ipc namespaces: EPERM (creating namespaces needs CAP_SYS_ADMIN: run as root, or add --user)"
}

@test "[1 pt] --verbose narrates each step on stderr" {
	require_root
	require_some_cgroup
	run --separate-stderr "$MC" run --verbose --rootfs "$ROOTFS" --name "$NAME" --pids 16 -- true
	assert_success
	[[ "$stderr" == *"cgroup kit/$NAME: pids limit 16"* ]]
	[[ "$stderr" == *"in new pid,net,mnt,uts,ipc namespaces"* ]]
	[[ "$stderr" == *"in cgroup kit/$NAME, then letting it go"* ]]
	[[ "$stderr" == *"container: root is $ROOTFS (pivot), with /proc, /dev, /sys"* ]]
	[[ "$stderr" == *"deleted cgroup kit/$NAME"* ]]
}
