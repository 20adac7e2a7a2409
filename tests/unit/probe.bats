#!/usr/bin/env bats
#
# tests/unit/probe.bats: the host probes (tools/lib/probe.sh), the bats
# requirements built on them (tests/lib/require.bash) and tools/doctor.
#
# Most tests fake the host: PROBE_SYSROOT points at a temp dir holding a
# made-up /proc/mounts, /sys/module/kvm_pvm, /proc/sys/... so that v1, v2 and
# hybrid cgroups, PVM and kvm_intel are all checked on any machine.
#
# Run: bats tests/unit/probe.bats
#
# shellcheck source-path=SCRIPTDIR
# Each @test is a subshell, which is the point (SC2030/SC2031); bats' run
# sets $stderr (SC2154).
# shellcheck disable=SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	KIT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# shellcheck source=../../tools/lib/probe.sh
	source "$KIT/tools/lib/probe.sh"
	FAKE=$(mktemp -d "${TMPDIR:-/tmp}/probe-bats.XXXXXX")
	unset PROBE_SYSROOT
}

teardown() {
	unset PROBE_SYSROOT
	rm -rf "$FAKE"
}

ALL_PROBES=(probe_root probe_userns "probe_cgroup v1" "probe_cgroup v2"
	probe_cgroup_mode probe_overlay probe_kvm probe_hw_kvm probe_nftables
	probe_netns)

# fake PATH CONTENT...: writes a file below the fake root, one line per arg.
fake() {
	local path=$1
	shift
	mkdir -p "$FAKE/$(dirname "$path")"
	printf '%s\n' "$@" >"$FAKE/$path"
}

fake_mkdir() {
	mkdir -p "$FAKE/$1"
}

# A systemd host on cgroup v1 (legacy): cpu and cpuacct share a hierarchy.
fake_cgroup_v1() {
	fake /proc/mounts \
		"tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0" \
		"cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0" \
		"cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0" \
		"cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0" \
		"cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0"
	fake /proc/self/cgroup "4:pids:/user.slice" "3:memory:/user.slice" \
		"2:cpu,cpuacct:/user.slice" "1:name=systemd:/user.slice/session-1.scope"
}

# Current Ubuntu/Fedora/WSL2: one cgroup2 mount with every controller.
fake_cgroup_v2() {
	fake /proc/mounts \
		"/dev/sda1 / ext4 rw,relatime 0 0" \
		"cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0"
	fake /sys/fs/cgroup/cgroup.controllers "cpuset cpu io memory hugetlb pids rdma misc"
	fake /proc/self/cgroup "0::/user.slice/user-1000.slice/session-2.scope"
}

# This kit's CI machines: v1 controllers plus a cgroup2 mount holding hugetlb.
fake_cgroup_hybrid() {
	fake /proc/mounts \
		"tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0" \
		"cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0" \
		"cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0" \
		"cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0" \
		"cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0" \
		"cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0" \
		"cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0"
	fake /sys/fs/cgroup/unified/cgroup.controllers "hugetlb"
	fake /proc/self/cgroup "5:name=systemd:/" "4:pids:/" "3:memory:/kit" "2:cpuacct:/" "1:cpu:/" "0::/"
}

fake_userns_ok() {
	fake /proc/sys/user/max_user_namespaces 15000
}

# present PROBE [ARG] / missing PROBE [ARG]: the probe must find / must miss the
# capability. Run in this shell (not `run`) to keep PROBE_* globals; a bare
# `! cmd` would never fail a bats test.
present() {
	"$@" || fail "$* said missing: $PROBE_REASON"
}

missing() {
	if "$@"; then
		fail "$* said present: $PROBE_REASON"
	fi
}

# ------------------------------------------------------------- every probe

@test "every probe sets PROBE_REASON on this host" {
	local p
	for p in "${ALL_PROBES[@]}"; do
		PROBE_REASON=""
		$p || true
		[ -n "$PROBE_REASON" ] || fail "$p left PROBE_REASON empty"
		[[ $PROBE_REASON != *$'\n'* ]] || fail "$p: PROBE_REASON is not one line"
	done
}

@test "every probe sets PROBE_REASON on an empty faked host" {
	local p
	export PROBE_SYSROOT=$FAKE
	for p in "${ALL_PROBES[@]}"; do
		PROBE_REASON=""
		$p || true
		[ -n "$PROBE_REASON" ] || fail "$p left PROBE_REASON empty"
	done
}

@test "probes return 0 or 1 and run to the end under set -euo pipefail" {
	local p
	for p in "${ALL_PROBES[@]}"; do
		run bash -euo pipefail -c "source '$KIT/tools/lib/probe.sh'
			trap 'echo \"reason=\$PROBE_REASON\"' EXIT
			$p"
		[ "$status" -le 1 ] || fail "$p exited $status"
		assert_output --regexp '^reason=.+'
	done
}

@test "every probe answers in under half a second" {
	local p t0 ms
	for p in "${ALL_PROBES[@]}"; do
		t0=${EPOCHREALTIME/./}
		$p || true
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		[ "$ms" -lt 500 ] || fail "$p took ${ms} ms"
	done
}

@test "probe_root agrees with id -u" {
	if [ "$(id -u)" = 0 ]; then
		present probe_root
		assert_equal "$PROBE_REASON" "running as root (euid 0)"
	else
		missing probe_root
		assert [ "${PROBE_REASON#not root}" != "$PROBE_REASON" ]
	fi
}

# ---------------------------------------------------------------- cgroups

@test "probe_cgroup_mode reports v1, v2 or hybrid on this host" {
	present probe_cgroup_mode
	assert_regex "$PROBE_CGROUP_MODE" '^(v1|v2|hybrid)$'
	assert_regex "$PROBE_CGROUP_CONTROLLERS" '^([a-z_]+:v[12])( [a-z_]+:v[12])*$'
	assert_regex "$PROBE_REASON" "^$PROBE_CGROUP_MODE: "
}

@test "cgroup v1 host: mode v1, v1 driver usable, v2 not" {
	fake_cgroup_v1
	export PROBE_SYSROOT=$FAKE
	present probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" v1
	assert_equal "$PROBE_CGROUP_V1_CONTROLLERS" "cpu cpuacct memory pids"
	assert_equal "$PROBE_CGROUP_CONTROLLERS" "cpu:v1 cpuacct:v1 memory:v1 pids:v1"
	assert_equal "$PROBE_CGROUP_SELF" "/user.slice"
	present probe_cgroup v1
	assert_regex "$PROBE_REASON" 'cgroup v1: .*memory.* under /sys/fs/cgroup'
	missing probe_cgroup v2
	assert_regex "$PROBE_REASON" 'no cgroup2 mount.*this host is v1'
}

@test "cgroup v2 host: mode v2, v2 driver usable, v1 not" {
	fake_cgroup_v2
	export PROBE_SYSROOT=$FAKE
	present probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" v2
	assert_equal "$PROBE_CGROUP_V2_MOUNT" /sys/fs/cgroup
	assert_equal "$PROBE_CGROUP_V2_CONTROLLERS" "cpuset cpu io memory hugetlb pids rdma misc"
	assert_equal "$PROBE_CGROUP_SELF" "/user.slice/user-1000.slice/session-2.scope"
	present probe_cgroup v2
	assert_equal "$PROBE_REASON" "cgroup v2 at /sys/fs/cgroup: cpuset cpu io memory hugetlb pids rdma misc"
	missing probe_cgroup v1
	assert_regex "$PROBE_REASON" 'no cgroup v1 hierarchy is mounted \(this host is v2'
}

@test "hybrid host (v1 controllers, cgroup2 with only hugetlb): v1 usable, v2 not" {
	fake_cgroup_hybrid
	export PROBE_SYSROOT=$FAKE
	present probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" hybrid
	assert_equal "$PROBE_CGROUP_CONTROLLERS" "cpu:v1 cpuacct:v1 memory:v1 pids:v1 hugetlb:v2"
	assert_regex "$PROBE_REASON" '^hybrid: v1 .* cgroup2 at /sys/fs/cgroup/unified with hugetlb$'
	present probe_cgroup v1
	missing probe_cgroup v2
	assert_regex "$PROBE_REASON" "lists only 'hugetlb'.*not memory cpu pids.*hybrid host"
}

@test "v1 host whose v2 hierarchy exists but is unmounted is v1, and says so" {
	fake_cgroup_hybrid
	sed -i '/cgroup2/d' "$FAKE/proc/mounts"
	export PROBE_SYSROOT=$FAKE
	present probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" v1
	assert_regex "$PROBE_REASON" 'v2 hierarchy exists but is not mounted$'
	assert_equal "$PROBE_CGROUP_SELF" /
}

@test "cgroup2 mount with no controllers is not a usable v2 driver" {
	fake_cgroup_hybrid
	fake /sys/fs/cgroup/unified/cgroup.controllers ""
	export PROBE_SYSROOT=$FAKE
	present probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" hybrid
	missing probe_cgroup v2
	assert_regex "$PROBE_REASON" 'lists no controllers'
}

@test "read-only cgroup2 mount is not usable and says so" {
	fake_cgroup_v2
	fake /proc/mounts "cgroup2 /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime 0 0"
	export PROBE_SYSROOT=$FAKE
	missing probe_cgroup v2
	assert_regex "$PROBE_REASON" 'read-only'
}

@test "v1 host without a pids hierarchy names pids and how to mount it" {
	fake_cgroup_v1
	sed -i '/pids/d' "$FAKE/proc/mounts"
	export PROBE_SYSROOT=$FAKE
	missing probe_cgroup v1
	assert_regex "$PROBE_REASON" 'no pids hierarchy.*mount -t cgroup -o pids'
}

@test "no cgroup mount at all: mode none, probe fails with a reason" {
	fake /proc/mounts "proc /proc proc rw 0 0"
	export PROBE_SYSROOT=$FAKE
	missing probe_cgroup_mode
	assert_equal "$PROBE_CGROUP_MODE" none
	assert_regex "$PROBE_REASON" 'no cgroup hierarchy is mounted'
}

@test "probe_cgroup rejects a mode other than v1 or v2" {
	missing probe_cgroup v3
	assert_regex "$PROBE_REASON" "must be v1 or v2, not 'v3'"
}

# -------------------------------------------------------------------- KVM

@test "PVM: /dev/kvm usable, but not one that boots Linux" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm
	fake_mkdir /sys/module/kvm_pvm
	export PROBE_SYSROOT=$FAKE
	present probe_kvm
	assert_equal "$PROBE_KVM_KIND" pvm
	missing probe_hw_kvm
	assert_equal "$PROBE_KVM_KIND" pvm
	assert_regex "$PROBE_REASON" 'PVM \(kvm_pvm\).*cannot boot.*make test-nested'
}

@test "kvm_intel: /dev/kvm boots Linux" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_intel
	export PROBE_SYSROOT=$FAKE
	present probe_kvm
	present probe_hw_kvm
	assert_equal "$PROBE_KVM_KIND" intel
	assert_regex "$PROBE_REASON" 'kvm_intel.*can boot Linux'
}

@test "kvm_amd: /dev/kvm boots Linux" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_amd
	export PROBE_SYSROOT=$FAKE
	present probe_hw_kvm
	assert_equal "$PROBE_KVM_KIND" amd
}

@test "kvm_pvm wins over kvm_intel" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_intel
	fake_mkdir /sys/module/kvm_pvm
	export PROBE_SYSROOT=$FAKE
	missing probe_hw_kvm
	assert_equal "$PROBE_KVM_KIND" pvm
}

@test "no /dev/kvm: kind none, both probes fail with how to get it" {
	fake_mkdir /sys/module/kvm_intel
	export PROBE_SYSROOT=$FAKE
	missing probe_kvm
	assert_equal "$PROBE_KVM_KIND" none
	assert_regex "$PROBE_REASON" '^no /dev/kvm: .*kvm_intel or kvm_amd'
	missing probe_hw_kvm
	assert_regex "$PROBE_REASON" '^no /dev/kvm'
}

@test "/dev/kvm that cannot be opened read-write fails with the error" {
	fake_mkdir /dev/kvm # a directory: open(O_RDWR) is EISDIR even for root
	fake_mkdir /sys/module/kvm_intel
	export PROBE_SYSROOT=$FAKE
	missing probe_kvm
	assert_regex "$PROBE_REASON" '^cannot open /dev/kvm read-write: Is a directory'
	missing probe_hw_kvm
	assert_regex "$PROBE_REASON" '^kvm_intel is loaded but cannot open'
}

@test "/dev/kvm with an unknown backend is unchecked, not a Linux host" {
	fake /dev/kvm ""
	export PROBE_SYSROOT=$FAKE
	present probe_kvm
	assert_equal "$PROBE_KVM_KIND" unknown
	missing probe_hw_kvm
	assert_equal "$PROBE_UNCHECKED" 1
}

# -------------------------------------------------------- user namespaces

@test "userns: no max_user_namespaces means a kernel without CONFIG_USER_NS" {
	export PROBE_SYSROOT=$FAKE
	missing probe_userns
	assert_regex "$PROBE_REASON" 'CONFIG_USER_NS'
}

@test "userns: max_user_namespaces=0 names the sysctl to raise" {
	fake /proc/sys/user/max_user_namespaces 0
	export PROBE_SYSROOT=$FAKE
	missing probe_userns
	assert_regex "$PROBE_REASON" 'sysctl -w user.max_user_namespaces='
}

@test "userns: Debian's unprivileged_userns_clone=0 names its sysctl" {
	fake_userns_ok
	fake /proc/sys/kernel/unprivileged_userns_clone 0
	export PROBE_SYSROOT=$FAKE
	missing probe_userns
	assert_regex "$PROBE_REASON" 'kernel.unprivileged_userns_clone=1'
}

@test "userns: Ubuntu 24.04's AppArmor restriction names AppArmor and the sysctl" {
	fake_userns_ok
	fake /proc/sys/kernel/unprivileged_userns_clone 1
	fake /proc/sys/kernel/apparmor_restrict_unprivileged_userns 1
	export PROBE_SYSROOT=$FAKE
	missing probe_userns
	assert_regex "$PROBE_REASON" '^AppArmor .*kernel.apparmor_restrict_unprivileged_userns=0'
}

@test "userns: sysctls that allow it pass without a real try on a faked host" {
	fake_userns_ok
	fake /proc/sys/kernel/apparmor_restrict_unprivileged_userns 0
	export PROBE_SYSROOT=$FAKE
	present probe_userns
	assert_regex "$PROBE_REASON" 'not tried: PROBE_SYSROOT'
}

# ------------------------------------------------------------- overlayfs

@test "overlay found in /proc/filesystems" {
	fake /proc/filesystems $'nodev\tsysfs' $'\text4' $'nodev\toverlay'
	export PROBE_SYSROOT=$FAKE
	present probe_overlay
	assert_equal "$PROBE_REASON" "overlay is in /proc/filesystems"
}

@test "overlay missing from /proc/filesystems fails with the reason" {
	fake /proc/filesystems $'nodev\tsysfs' $'\text4'
	export PROBE_SYSROOT=$FAKE
	missing probe_overlay
	assert_regex "$PROBE_REASON" '^overlayfs is not in /proc/filesystems'
}

# ---------------------------------------------------- require.bash, doctor

@test "kit_require: silent 0 when present, reason and 1 when missing, 2 when unknown" {
	# shellcheck source=../lib/require.bash
	source "$KIT/tests/lib/require.bash"
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_pvm
	export PROBE_SYSROOT=$FAKE
	run kit_require kvm
	assert_success
	assert_output ""
	run --separate-stderr kit_require hw_kvm
	assert_failure 1
	assert_regex "$stderr" '^missing hw_kvm: /dev/kvm is PVM'
	run --separate-stderr kit_require cgroup v2
	assert_failure 1
	assert_regex "$stderr" '^missing cgroup v2: '
	run --separate-stderr kit_require teleport
	assert_failure 2
	assert_regex "$stderr" "unknown requirement 'teleport'"
}

@test "require_* skip a bats test with the probe's reason" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_pvm
	# Quoted lines: bats would rewrite an @test at the start of a line even
	# inside a here-document.
	printf '%s\n' >"$FAKE/needs.bats" \
		"load '$KIT/tests/lib/require'" \
		'@test "boots linux" { require_hw_kvm; false; }' \
		'@test "has some kvm" { require_kvm; }' \
		'@test "wants v9 cgroups" { require_cgroup; }'
	# A clean bats: the outer one's variables, its PATH (which starts with
	# bats' libexec) and its fd 3 would confuse the inner one.
	run env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" PROBE_SYSROOT="$FAKE" \
		"$BATS_ROOT/bin/bats" --tap "$FAKE/needs.bats" 3>&-
	assert_success
	assert_line --regexp '^ok 1 boots linux # skip /dev/kvm is PVM \(kvm_pvm\).*make test-nested'
	assert_line --regexp '^ok 2 has some kvm$'
	assert_line --regexp "^ok 3 wants v9 cgroups # skip probe_cgroup: the mode must be v1 or v2"
}

@test "doctor: exit 0, one aligned line per capability, no colour off a tty" {
	run "$KIT/tools/doctor"
	assert_success
	local name line
	for name in root userns cgroup-v1 cgroup-v2 overlayfs kvm hw-kvm nftables netns; do
		assert_line --regexp "^(ok|warn|missing) +$name +[^ ]"
	done
	assert_line --regexp '^kernel +[^ ]'
	assert_line --regexp '^distribution +[^ ]'
	assert_line --regexp '^[0-9]+ ok, [0-9]+ warn, [0-9]+ missing$'
	for line in "${lines[@]}"; do
		[[ $line != *$'\e'* ]] || fail "colour escape off a tty: $line"
		# text column starts at the 21st character on every row
		if [[ $line =~ ^(ok|warn|missing)\  ]]; then
			[ "${line:19:1}" = " " ] && [ "${line:20:1}" != " " ] ||
				fail "misaligned: $line"
		fi
	done
}

@test "doctor: --strict exits 1 when something is missing, unknown option is 2" {
	export PROBE_SYSROOT=$FAKE # an empty host: no cgroups, no /dev/kvm
	run "$KIT/tools/doctor"
	assert_success
	assert_line --regexp '^missing +kvm +no /dev/kvm'
	assert_line --regexp '^ +disables: chapter 01 \(mini-vmm\) and chapter 08 \(mini-kata\)$'
	run "$KIT/tools/doctor" --strict
	assert_failure 1
	run "$KIT/tools/doctor" --frobnicate
	assert_failure 2
}

@test "doctor: PVM host shows kvm ok and hw-kvm as a warn naming make test-nested" {
	fake /dev/kvm ""
	fake_mkdir /sys/module/kvm_pvm
	export PROBE_SYSROOT=$FAKE
	run "$KIT/tools/doctor"
	assert_line --regexp '^ok +kvm +/dev/kvm opens read-write \(backend: pvm\)$'
	assert_line --regexp '^warn +hw-kvm +/dev/kvm is PVM.*make test-nested'
}
