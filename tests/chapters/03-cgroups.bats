#!/usr/bin/env bats
# tests/chapters/03-cgroups.bats - chapter 03 (article §2.3 Cgroups):
# mini-cgroup's verbs on this host's real cgroups (v1 here, v2 on most
# students' machines: the same tests), real cgroup v2 where a cgroup2 mount
# offers a controller (hugetlb on this hybrid host), and the v2 driver
# against a fake cgroup2 tree (mini-cgroup-fake) on any host.
#
# These tests are also lab 03's grader: a name starting "[lab 03.N, P pts]"
# grades TODO 03.N (see labs/03-cgroups/README.md).
#
# Every group a test makes lives under one top-level group named
# kit-test-03-PID-N, removed in teardown by plain shell (rmdir), so a broken
# mini-cgroup cannot leave anything behind.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	M=$KIT_BIN/mini-cgroup
	HOG=$KIT_BIN/../tests/kit-hog
	FAKE=$KIT_BIN/../tests/mini-cgroup-fake
	G=kit-test-03-$$-$BATS_TEST_NUMBER
	FAKE_DIR=""
	HUGETLB_WAS_ON=""
}

teardown() {
	cg_cleanup "$G"
	if [ -n "$HUGETLB_WAS_ON" ] && [ "$HUGETLB_WAS_ON" = no ]; then
		echo -hugetlb >"$(v2_mount)/cgroup.subtree_control" 2>/dev/null || true
	fi
	[ -z "$FAKE_DIR" ] || rm -rf "$FAKE_DIR"
	no_processes_left "$HOG"
	no_processes_left "$M"
}

# --- helpers -------------------------------------------------------------------

# v1_mount CONTROLLER: where the v1 hierarchy of CONTROLLER is mounted.
v1_mount() {
	awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ",");
		for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}

# v2_mount: the cgroup2 mount point, if any.
v2_mount() {
	awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo
}

# driver: the cgroup version mini-cgroup drives on this host (v1 or v2).
driver() {
	"$M" info | awk '$1 == "driver" { print $2 }'
}

# cg_dir CONTROLLER GROUP: the group's directory holding CONTROLLER's files.
cg_dir() {
	local c=$1
	if [ "$(driver)" = v2 ]; then
		echo "$(v2_mount)/$2"
		return
	fi
	[ "$c" != io ] || c=blkio
	echo "$(v1_mount "$c")/$2"
}

# cg_cleanup GROUP: kill whatever runs in GROUP anywhere, remove its dirs.
cg_cleanup() {
	local d pid tries
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$d" ] || continue
		for tries in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
			[ -n "$pids" ] || break
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
			sleep 0.1
		done
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# in_group PID GROUP: /proc/PID/cgroup puts PID in GROUP (memory's, or v2's).
in_group() {
	if [ "$(driver)" = v2 ]; then
		grep -qx "0::/$2" "/proc/$1/cgroup"
	else
		grep -Eq "^[0-9]+:([a-z,]*,)?memory(,[a-z,]*)?:/$2\$" "/proc/$1/cgroup"
	fi
}

# stat_value NAME GROUP: one fact of `mini-cgroup stat --raw`.
stat_value() {
	"$M" stat --raw "$2" | awk -v k="$1" '$1 == k { print $2 }'
}

# cpu_usage_usec GROUP: CPU time the group used, from the kernel's own file.
cpu_usage_usec() {
	if [ "$(driver)" = v2 ]; then
		awk '$1 == "usage_usec" { print $2 }' "$(cg_dir cpu "$1")/cpu.stat"
	else
		echo $(($(cat "$(cg_dir cpuacct "$1")/cpuacct.usage") / 1000))
	fi
}

# all_groups: every group directory on the host, to show nothing was made.
all_groups() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d 2>/dev/null | sort
}

# fake_v2: a fake cgroup2 tree in FAKE_DIR/cg offering cpuset cpu io memory
# pids, a mountinfo naming it, and F: mini-cgroup-fake pointed at it.
fake_v2() {
	FAKE_DIR=$(mktemp -d /tmp/kit-cg2.XXXXXX)
	mkdir "$FAKE_DIR/cg"
	echo "cpuset cpu io memory pids" >"$FAKE_DIR/cg/cgroup.controllers"
	: >"$FAKE_DIR/cg/cgroup.subtree_control"
	echo "usage_usec 0" >"$FAKE_DIR/cg/cpu.stat"
	: >"$FAKE_DIR/cg/cgroup.procs"
	echo "35 24 0:30 / $FAKE_DIR/cg rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw,nsdelegate" \
		>"$FAKE_DIR/mountinfo"
	F="$FAKE --mountinfo $FAKE_DIR/mountinfo"
	C=$FAKE_DIR/cg
}

# require_v2_hugetlb: a real cgroup2 mount whose root offers hugetlb.
require_v2_hugetlb() {
	require_root
	local mnt
	mnt=$(v2_mount)
	[ -n "$mnt" ] || skip "no cgroup2 filesystem is mounted"
	grep -qw hugetlb "$mnt/cgroup.controllers" ||
		skip "the cgroup2 root at $mnt does not offer hugetlb (cgroup.controllers: $(cat "$mnt/cgroup.controllers"))"
	if grep -qw hugetlb "$mnt/cgroup.subtree_control"; then
		HUGETLB_WAS_ON=yes
	else
		HUGETLB_WAS_ON=no
	fi
	V2=$mnt
}

# --- the command line ------------------------------------------------------------

@test "[1 pt] --help lists every command on stdout and exits 0" {
	run --separate-stderr "$M" --help
	assert_success
	for verb in create set exec classify stat delete info; do
		assert_output --partial "  $verb "
	done
	[ -z "$stderr" ]
}

@test "[1 pt] an unknown command prints usage to stderr and exits 2" {
	run --separate-stderr "$M" frobnicate
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == *"unknown command 'frobnicate'"* ]]
	[[ "$stderr" == *"usage: mini-cgroup"* ]]
}

@test "[1 pt] info names the host's layout and the driver it picked" {
	require_root
	probe_cgroup_mode
	run "$M" info
	assert_success
	assert_line "layout  $PROBE_CGROUP_MODE"
	if [ "$PROBE_CGROUP_MODE" = hybrid ] && ! grep -qw memory "$(v2_mount)/cgroup.controllers"; then
		# v1 holds memory, cpu and pids: the kit must drive v1
		assert_line "driver  v1"
		assert_output --partial "the kit uses v1"
	fi
}

# --- §2.3: cgcreate ----------------------------------------------------------------

@test "[2 pts] create -g memory,cpu,pids:PATH makes the group in each controller's hierarchy" {
	require_root
	run "$M" create -g memory,cpu,pids:"$G/a"
	assert_success
	for c in memory cpu pids; do
		assert_dir_exists "$(cg_dir $c "$G/a")"
	done
	assert_file_exists "$(cg_dir memory "$G/a")/cgroup.procs"
	# creating it again opens it: not an error, as with cgcreate
	run "$M" create -g memory:"$G/a"
	assert_success
}

# --- §2.3: limits (lab 03.1) -----------------------------------------------------

@test "[lab 03.1, 3 pts] memory=50M: a process touching 100 MiB is OOM-killed, one touching 20 MiB is not" {
	require_root
	"$M" create -g memory:"$G/mem"
	"$M" set -r memory=50M "$G/mem"
	run "$M" exec -g memory:"$G/mem" -- "$HOG" mem 20
	assert_success
	assert_output "touched 20 MiB"
	run -137 "$M" exec -g memory:"$G/mem" -- "$HOG" mem 100
	refute_output --partial "touched"
}

@test "[lab 03.1, 2 pts] set writes each version's own files: limit_in_bytes / memory.max, cfs quota / cpu.max, pids.max" {
	require_root
	"$M" create -g memory,cpu,pids:"$G/a"
	run "$M" set -r memory=50M -r cpu=0.5 -r pids=64 "$G/a"
	assert_success
	if [ "$(driver)" = v2 ]; then
		assert_equal "$(cat "$(cg_dir memory "$G/a")/memory.max")" 52428800
		assert_equal "$(cat "$(cg_dir cpu "$G/a")/cpu.max")" "50000 100000"
	else
		assert_equal "$(cat "$(cg_dir memory "$G/a")/memory.limit_in_bytes")" 52428800
		assert_equal "$(cat "$(cg_dir cpu "$G/a")/cpu.cfs_quota_us")" 50000
		assert_equal "$(cat "$(cg_dir cpu "$G/a")/cpu.cfs_period_us")" 100000
	fi
	assert_equal "$(cat "$(cg_dir pids "$G/a")/pids.max")" 64
	# and max takes a limit away again
	run "$M" set -r memory=max -r cpu=max -r pids=max "$G/a"
	assert_success
	assert_equal "$(cat "$(cg_dir pids "$G/a")/pids.max")" max
	if [ "$(driver)" = v1 ]; then
		assert_equal "$(cat "$(cg_dir cpu "$G/a")/cpu.cfs_quota_us")" -1
		assert_equal "$(cat "$(cg_dir memory "$G/a")/memory.limit_in_bytes")" 9223372036854771712
	fi
}

@test "[lab 03.1, 3 pts] cpu=0.2: a busy loop gets about a fifth of a core (10-30% over 4 s)" {
	require_root
	"$M" create -g cpu:"$G/cpu"
	"$M" set -r cpu=0.2 "$G/cpu"
	before=$(cpu_usage_usec "$G/cpu")
	start=$(date +%s%N)
	run "$M" exec -g cpu:"$G/cpu" -- "$HOG" cpu 4
	assert_success
	wall_usec=$((($(date +%s%N) - start) / 1000))
	used=$(($(cpu_usage_usec "$G/cpu") - before))
	percent=$((used * 100 / wall_usec))
	echo "# used ${used} us of CPU in ${wall_usec} us: ${percent}%" >&3
	assert [ "$percent" -ge 10 ]
	assert [ "$percent" -le 30 ]
}

@test "[lab 03.1, 2 pts] cgroup v2 (fake tree): memory.max, memory.swap.max, cpu.max get the portable limits" {
	fake_v2
	$F create -g memory,cpu:"$G"
	run $F set -r memory=64M -r cpu=1.5 "$G"
	assert_success
	assert_equal "$(cat "$C/$G/memory.max")" 67108864
	assert_equal "$(cat "$C/$G/memory.swap.max")" 0
	assert_equal "$(cat "$C/$G/cpu.max")" "150000 100000"
	run $F set -r memory=max -r cpu=max "$G"
	assert_success
	assert_equal "$(cat "$C/$G/memory.max")" max
	assert_equal "$(cat "$C/$G/cpu.max")" "max 100000"
}

@test "[2 pts] io.read_bps=DEV:N throttles a disk: blkio.throttle.read_bps_device / io.max" {
	require_root
	disk=$(lsblk -dno MAJ:MIN,TYPE | awk '$2 == "disk" { print $1; exit }' | tr -d ' ')
	[ -n "$disk" ] || skip "no block device (lsblk -d lists no disk)"
	"$M" create -g io:"$G/io"
	run "$M" set -r io.read_bps="$disk:1M" -r io.write_iops="$disk:100" "$G/io"
	assert_success
	if [ "$(driver)" = v2 ]; then
		run cat "$(cg_dir io "$G/io")/io.max"
		assert_output --partial "$disk rbps=1048576"
		assert_output --partial "wiops=100"
	else
		assert_equal "$(cat "$(cg_dir blkio "$G/io")/blkio.throttle.read_bps_device")" "$disk 1048576"
		assert_equal "$(cat "$(cg_dir blkio "$G/io")/blkio.throttle.write_iops_device")" "$disk 100"
	fi
}

# --- §2.3: cgexec and cgclassify (lab 03.2) --------------------------------------

@test "[lab 03.2, 3 pts] classify moves a running process: /proc/PID/cgroup names the group" {
	require_root
	"$M" create -g memory,pids:"$G/a"
	sleep 30 &
	pid=$!
	run "$M" classify -g memory,pids:"$G/a" "$pid"
	in_after=no
	in_group "$pid" "$G/a" && in_after=yes
	listed=$(cat "$(cg_dir pids "$G/a")/cgroup.procs")
	kill "$pid"
	assert_success
	assert_equal "$in_after" yes
	assert_equal "$listed" "$pid"
}

@test "[lab 03.2, 2 pts] exec runs the command inside the group, and its children stay there" {
	require_root
	"$M" create -g memory,pids:"$G/a"
	run "$M" exec -g memory,pids:"$G/a" -- sh -c 'sh -c "cat /proc/self/cgroup"'
	assert_success
	if [ "$(driver)" = v2 ]; then
		assert_line "0::/$G/a"
	else
		assert_line --regexp "^[0-9]+:memory:/$G/a\$"
		assert_line --regexp "^[0-9]+:pids:/$G/a\$"
	fi
}

@test "[lab 03.2, 3 pts] a fork bomb stops at pids=16 and does not escape" {
	require_root
	"$M" create -g pids:"$G/bomb"
	"$M" set -r pids=16 "$G/bomb"
	# the bomb is bounded anyway: at most 64 children, each sleeping 2 s
	run "$M" exec -g pids:"$G/bomb" -- "$HOG" forkbomb 64 2
	assert_success
	assert_output "forked 15 of 64: EAGAIN"
	run cat "$(cg_dir pids "$G/bomb")/pids.events"
	assert_output --regexp '^max [1-9]'
}

@test "[lab 03.2, 2 pts] cgroup v2 (fake tree): exec and classify write the pid to the leaf's cgroup.procs" {
	fake_v2
	$F create -g memory:"$G/a"
	run $F exec -g memory:"$G/a" -- sh -c 'echo $$'
	assert_success
	assert_equal "$(cat "$C/$G/a/cgroup.procs")" "$output"
	sleep 30 &
	pid=$!
	run $F classify -g memory:"$G/a" "$pid"
	procs=$(cat "$C/$G/a/cgroup.procs")
	kill "$pid"
	assert_success
	assert_equal "$procs" "$pid"
}

# --- cgroup v2's rules (lab 03.3) ------------------------------------------------

@test "[lab 03.3, 3 pts] cgroup v2 (fake tree): create enables the controllers in every parent's cgroup.subtree_control" {
	fake_v2
	run $F create -g memory,cpu,pids:"$G/a/b"
	assert_success
	assert_equal "$(cat "$C/cgroup.subtree_control")" "cpu memory pids"
	assert_equal "$(cat "$C/$G/cgroup.subtree_control")" "cpu memory pids"
	assert_equal "$(cat "$C/$G/a/cgroup.subtree_control")" "cpu memory pids"
	# the leaf enables nothing (it holds the processes) but has the files
	assert_equal "$(cat "$C/$G/a/b/cgroup.subtree_control")" ""
	for f in memory.max cpu.max pids.max; do
		assert_file_exists "$C/$G/a/b/$f"
	done
	# a second group asking for io adds it, keeping what was there
	run $F create -g io:"$G/c"
	assert_success
	assert_equal "$(cat "$C/$G/cgroup.subtree_control")" "cpu io memory pids"
}

@test "[lab 03.3, 2 pts] real cgroup v2 (hugetlb): create enables +hugetlb in the root and the group gets hugetlb files" {
	require_v2_hugetlb
	run "$M" --driver v2 create -g hugetlb:"$G/a"
	assert_success
	run cat "$V2/cgroup.subtree_control" "$V2/$G/cgroup.subtree_control"
	assert_line --index 0 --regexp '(^| )hugetlb( |$)'
	assert_line --index 1 --regexp '(^| )hugetlb( |$)'
	assert_file_exists "$V2/$G/a/hugetlb.2MB.max"
	run "$M" --driver v2 set -r hugetlb.2MB.max=4M "$G/a"
	assert_success
	assert_equal "$(cat "$V2/$G/a/hugetlb.2MB.max")" 4194304
	sleep 30 &
	pid=$!
	run "$M" --driver v2 classify -g hugetlb:"$G/a" "$pid"
	line=$(grep '^0::' "/proc/$pid/cgroup")
	kill "$pid"
	assert_success
	assert_equal "$line" "0::/$G/a"
}

@test "[lab 03.3, 2 pts] real cgroup v2: no internal processes: a group with a process cannot enable controllers (EBUSY)" {
	require_v2_hugetlb
	# G holds a process and enables nothing yet: allowed.
	mkdir "$V2/$G"
	sleep 30 &
	pid=$!
	echo "$pid" >"$V2/$G/cgroup.procs"
	run "$M" --driver v2 create -g hugetlb:"$G/b"
	kill "$pid"
	assert_failure 1
	assert_output "mini-cgroup: create $G/b: enable hugetlb in $V2/$G: EBUSY (cgroup v2's no-internal-process rule: this group has processes of its own, so it cannot enable controllers for child groups; move its processes into a leaf group first)"
	assert_dir_not_exists "$V2/$G/b"
}

@test "[lab 03.3, 2 pts] cgroup v2 (fake tree): the same rule the other way, and a controller a parent lacks" {
	fake_v2
	$F create -g memory,pids:"$G/a"
	run $F exec -g memory:"$G" -- true
	assert_failure 1
	assert_output --partial "move pid"
	assert_output --partial "EBUSY (cgroup v2's no-internal-process rule"
	# pretend the root gave G only memory: G cannot pass pids on
	echo "memory" >"$C/$G/cgroup.controllers"
	run $F create -g pids:"$G/b"
	assert_failure 1
	assert_output "mini-cgroup: create $G/b: enable pids in $C/$G: ENOENT (the group does not offer that controller (not in its cgroup.controllers): its own parent must enable it first)"
	assert_dir_not_exists "$C/$G/b"
	# and one the root does not offer at all is refused before any mkdir
	run $F create -g hugetlb:"$G/c"
	assert_failure 1
	assert_output "mini-cgroup: use controller hugetlb with cgroup v2: ENOENT (not in the cgroup2 root's cgroup.controllers: is it bound to a v1 hierarchy, or missing from the kernel?)"
	assert_dir_not_exists "$C/$G/c"
}

# --- statistics (lab 03.4) -------------------------------------------------------

@test "[lab 03.4, 3 pts] stat after an OOM kill: the limit, the peak near it, and the kill counted" {
	require_root
	"$M" create -g memory:"$G/mem"
	"$M" set -r memory=50M "$G/mem"
	run -137 "$M" exec -g memory:"$G/mem" -- "$HOG" mem 100
	run "$M" stat --raw "$G/mem"
	assert_success
	assert_line "memory_max 52428800"
	assert_line --regexp '^oom_kills [1-9][0-9]*$'
	peak=$(stat_value memory_peak "$G/mem")
	assert [ "$peak" -ge $((40 << 20)) ]
	assert [ "$peak" -le $((50 << 20)) ]
	run "$M" stat "$G/mem"
	assert_output --regexp 'memory .* limit 50.0 MiB, peak [0-9.]+ MiB.*OOM kills [1-9]'
}

@test "[lab 03.4, 2 pts] stat shows CPU time and throttling under cpu=0.2" {
	require_root
	"$M" create -g cpu:"$G/cpu"
	"$M" set -r cpu=0.2 "$G/cpu"
	"$M" exec -g cpu:"$G/cpu" -- "$HOG" cpu 1
	run "$M" stat --raw "$G/cpu"
	assert_success
	assert_line "cpu_quota_usec 20000"
	assert_line "cpu_period_usec 100000"
	assert_line --regexp '^nr_throttled [1-9][0-9]*$'
	usage=$(stat_value cpu_usage_usec "$G/cpu")
	assert [ "$usage" -ge 50000 ]
	assert [ "$usage" -le 600000 ]
}

@test "[lab 03.4, 2 pts] stat shows processes against pids.max and the forks it refused" {
	require_root
	"$M" create -g pids:"$G/bomb"
	"$M" set -r pids=8 "$G/bomb"
	"$M" exec -g pids:"$G/bomb" -- "$HOG" forkbomb 20 3 &
	for _ in $(seq 50); do
		[ "$(cat "$(cg_dir pids "$G/bomb")/pids.current")" = 8 ] && break
		sleep 0.1
	done
	run "$M" stat --raw "$G/bomb"
	wait
	assert_success
	assert_line "pids_current 8"
	assert_line "pids_max 8"
	assert_line --regexp '^pids_refused [1-9][0-9]*$'
}

@test "[lab 03.4, 1 pt] cgroup v2 (fake tree): stat reads memory.events, cpu.max and cpu.stat by key" {
	fake_v2
	$F create -g memory,cpu,pids:"$G"
	$F set -r memory=50M -r cpu=0.25 "$G"
	printf 'low 0\nhigh 0\nmax 7\noom 2\noom_kill 3\noom_group_kill 0\n' >"$C/$G/memory.events"
	printf 'usage_usec 1234\nuser_usec 1000\nsystem_usec 234\nnr_periods 10\nnr_throttled 4\nthrottled_usec 99\n' >"$C/$G/cpu.stat"
	run $F stat --raw "$G"
	assert_success
	assert_line "memory_max 52428800"
	assert_line "oom_kills 3"
	assert_line "oom_events 2"
	assert_line "memory_failcnt 7"
	assert_line "cpu_usage_usec 1234"
	assert_line "cpu_quota_usec 25000"
	assert_line "nr_throttled 4"
	assert_line "throttled_usec 99"
	assert_line "pids_max max"
}

# --- cgdelete ------------------------------------------------------------------------

@test "[2 pts] delete refuses a group with a live process (EBUSY); --force kills it first" {
	require_root
	"$M" create -g memory,pids:"$G/a"
	"$M" exec -g memory,pids:"$G/a" -- "$HOG" mem 1 60 &
	for _ in $(seq 50); do
		[ -n "$(cat "$(cg_dir memory "$G/a")/cgroup.procs")" ] && break
		sleep 0.1
	done
	pid=$(cat "$(cg_dir memory "$G/a")/cgroup.procs")
	run "$M" delete "$G"
	assert_failure 1
	assert_output --regexp "^mini-cgroup: delete $G: remove .*/$G: EBUSY \(1 process is still in it \(pid $pid\): stop it, or delete --force to kill it\)\$"
	assert_dir_exists "$(cg_dir memory "$G/a")"
	run "$M" delete --force "$G"
	assert_success
	wait || true
	for c in memory pids; do
		assert_dir_not_exists "$(cg_dir $c "$G")"
	done
	run kill -0 "$pid"
	assert_failure
}

@test "[1 pt] real cgroup v2: delete --force kills through cgroup.kill and removes the subtree" {
	require_v2_hugetlb
	"$M" --driver v2 create -g hugetlb:"$G/a/b"
	sleep 60 &
	pid=$!
	echo "$pid" >"$V2/$G/a/b/cgroup.procs"
	run "$M" --driver v2 delete --force "$G"
	wait "$pid" || status_of_sleep=$?
	assert_success
	assert_equal "$status_of_sleep" 137
	assert_dir_not_exists "$V2/$G"
}

@test "[1 pt] cgroup v2 (fake tree): delete removes children first and --force empties the tree" {
	fake_v2
	$F create -g memory:"$G/a/b"
	$F create -g memory:"$G/c"
	sleep 30 &
	pid=$!
	echo "$pid" >"$C/$G/a/b/cgroup.procs"
	run $F delete "$G"
	assert_failure 1
	assert_output --partial "EBUSY"
	run $F delete --force "$G"
	assert_success
	assert_dir_not_exists "$C/$G"
	wait "$pid" || status_of_sleep=$?
	assert_equal "$status_of_sleep" 137
}

# --- hostile input: clear error, exit 1, nothing created ---------------------------

@test "[2 pts] bad limits are refused before anything is written" {
	require_root
	"$M" create -g memory,cpu,pids:"$G/a"
	limit_file=$(cg_dir memory "$G/a")/memory.limit_in_bytes
	[ "$(driver)" = v1 ] || limit_file=$(cg_dir memory "$G/a")/memory.max
	before=$(cat "$limit_file")
	run "$M" set -r memory=50Q "$G/a"
	assert_failure 1
	assert_output "mini-cgroup: set memory=50Q: parse size '50Q': unknown unit 'Q': EINVAL (units are K, M, G, T (powers of 1024), or none)"
	run "$M" set -r memory=99999999999999999999G "$G/a"
	assert_failure 1
	assert_output "mini-cgroup: set memory=99999999999999999999G: parse size '99999999999999999999G': ERANGE (the kernel takes at most 8 EiB)"
	run "$M" set -r cpu=0 "$G/a"
	assert_failure 1
	assert_output --partial "parse cpu limit '0': EINVAL (0 cores would never let the group run"
	for bad in memory=-1 memory= cpu=0.0.5 cpu=-1 cpu=1e3 cpu=0.001 pids=-1 pids=12x io.read_bps=1M \
		nosuch=1 memory.limit_in_bytes/../x=1; do
		run "$M" set -r "$bad" "$G/a"
		assert_failure 1
		assert_output --regexp '^mini-cgroup: set .*: E[A-Z]+ \(.+\)$'
	done
	# a good limit before a bad one is not written either
	run "$M" set -r memory=10M -r cpu=zero "$G/a"
	assert_failure 1
	assert_equal "$(cat "$limit_file")" "$before"
}

@test "[2 pts] paths with '..', absolute paths and empty parts: exit 1 and no group anywhere" {
	require_root
	before=$(all_groups)
	for bad in "../kit-escape" "$G/../../kit-escape" "/$G" "/sys/fs/cgroup/memory/$G" "$G//a" "$G/." ""; do
		run "$M" create -g memory:"$bad"
		assert_failure 1
		assert_output --regexp "^mini-cgroup: parse group 'memory:.*': check group path '.*': EINVAL \(.+\)\$"
	done
	run "$M" create -g memory:/"$G"
	assert_output "mini-cgroup: parse group 'memory:/$G': check group path '/$G': EINVAL (a group path is relative to the root of each hierarchy: write 'kit/c1', not '/kit/c1' or a /sys/fs/cgroup path)"
	run "$M" delete "../$G"
	assert_failure 1
	assert_equal "$(all_groups)" "$before"
}

@test "[1 pt] a controller that does not exist: exit 1, the known ones named, nothing created" {
	require_root
	before=$(all_groups)
	run "$M" create -g memory,bogus:"$G/a"
	assert_failure 1
	assert_output "mini-cgroup: parse group 'memory,bogus:$G/a': unknown controller 'bogus': EINVAL (known: memory, cpu, cpuacct, pids, io (blkio on v1), cpuset, hugetlb)"
	run "$M" create -g "$G/a"
	assert_failure 1
	assert_output --partial "expected CONTROLLERS:PATH"
	assert_equal "$(all_groups)" "$before"
}

@test "[1 pt] classify: a pid that does not exist or is no number is refused, nothing moves" {
	require_root
	"$M" create -g memory:"$G/a"
	sh -c 'exit 0' &
	gone=$!
	wait "$gone"
	run "$M" classify -g memory:"$G/a" "$gone"
	assert_failure 1
	assert_output "mini-cgroup: find pid $gone: ESRCH (no such process: has it exited?)"
	run "$M" classify -g memory:"$G/a" $$ 12abc
	assert_failure 1
	assert_output "mini-cgroup: parse pid '12abc': EINVAL (a process id is a positive number)"
	assert_equal "$(cat "$(cg_dir memory "$G/a")/cgroup.procs")" ""
}

@test "[1 pt] set, exec, stat and delete of a group that does not exist: exit 1 and say create it" {
	require_root
	before=$(all_groups)
	for cmd in "set -r pids=5 $G/none" "exec -g memory:$G/none -- true" "stat $G/none" "delete $G/none"; do
		# shellcheck disable=SC2086
		run "$M" $cmd
		assert_failure 1
		assert_output --partial "create it first: mini-cgroup create -g CONTROLLERS:PATH"
	done
	assert_equal "$(all_groups)" "$before"
}

@test "[1 pt] a file name of the other cgroup version gets the right name in the hint" {
	require_root
	"$M" create -g memory:"$G/a"
	if [ "$(driver)" = v1 ]; then
		run "$M" set -r memory.max=10M "$G/a"
		assert_output "mini-cgroup: set memory.max=10M: find file memory.max: ENOENT (memory.max is a cgroup v2 file and this host uses v1: write memory.limit_in_bytes, or use memory=)"
	fi
	fake_v2
	$F create -g memory:"$G"
	run $F set -r memory.limit_in_bytes=10M "$G"
	assert_failure 1
	assert_output "mini-cgroup: set memory.limit_in_bytes=10M: find file memory.limit_in_bytes: ENOENT (memory.limit_in_bytes is a cgroup v1 file and this host uses v2: write memory.max, or use memory=)"
}

@test "[1 pt] exec of a program that does not exist: exit 127 and why" {
	require_root
	"$M" create -g pids:"$G/a"
	run -127 "$M" exec -g pids:"$G/a" -- kit-no-such-program
	assert_output "mini-cgroup: exec kit-no-such-program: ENOENT (no such program: is it installed and on PATH?)"
}
