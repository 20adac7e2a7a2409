# shellcheck shell=bash
# shellcheck disable=SC2034 # the PROBE_* globals are read by whoever sources this
#
# tools/lib/probe.sh: what this host can do for the kit, asked one way.
#
# One vocabulary of host requirements, shared by the bats tests
# (tests/lib/require.bash turns a missing one into `skip "$PROBE_REASON"`)
# and by `make doctor` (tools/doctor prints one line per probe).
#
# Every probe_* function:
#   - returns 0 when the capability is present and 1 when it is not;
#   - always sets PROBE_REASON to one line: what was found, or what is
#     missing and how to get it;
#   - sets PROBE_UNCHECKED=1 when it could not really check (e.g. a step
#     needs root); the return value is then its best guess;
#   - is fast (well under 0.5 s) and leaves nothing behind: the real tries
#     run `unshare ... true`, which exits at once with its namespaces.
#
# Files are read below $PROBE_SYSROOT (default: empty, i.e. the real /), so a
# test can fake /proc/mounts, /sys/module/kvm_pvm, /proc/sys/... in a temp
# dir. While PROBE_SYSROOT is set, the tries that would look at the real host
# instead (unshare as nobody, modprobe -n) are skipped and the reason says so.
#
# Article: §1.1 (KVM), §2.2 (namespaces), §2.3 (cgroups), §2.5 (overlayfs),
# §5.4/§6.3 (nftables for ports and Services).
#
# Left out: probing for build dependencies (make deps owns those) and for
# capabilities inside a container beyond what the tries reveal.
#
# Sourced by bash; no `set -e` here, and safe to source into a shell that
# runs with `set -euo pipefail` (every command that may fail is tested).

# The controllers a cgroup driver of the kit needs (chapter 03).
PROBE_CGROUP_NEEDED="memory cpu pids"

# Controller names the kernel knows (v1 mount options that are controllers).
_PROBE_KNOWN_CONTROLLERS=" cpu cpuacct cpuset memory devices freezer net_cls net_prio blkio perf_event hugetlb pids rdma misc io "

# ---------------------------------------------------------------- helpers

_probe_reset() {
	PROBE_REASON=""
	PROBE_UNCHECKED=0
}

# _probe_path PATH: PATH below $PROBE_SYSROOT, in _PROBE_PATH.
_probe_path() {
	_PROBE_PATH="${PROBE_SYSROOT:-}$1"
}

_probe_faked() {
	[ -n "${PROBE_SYSROOT:-}" ]
}

# _probe_read FILE: first line of FILE (below the sysroot) in _PROBE_VAL;
# returns 1 if FILE cannot be read.
_probe_read() {
	_PROBE_VAL=""
	_probe_path "$1"
	[ -r "$_PROBE_PATH" ] || return 1
	{ IFS= read -r _PROBE_VAL || [ -n "$_PROBE_VAL" ]; } 2>/dev/null <"$_PROBE_PATH"
}

# _probe_cmd NAME: full path of NAME in _PROBE_CMD. Also looks in the sbin
# directories, which a normal user's PATH on Debian leaves out.
_probe_cmd() {
	local d
	_PROBE_CMD=""
	if _PROBE_CMD=$(type -P "$1" 2>/dev/null) && [ -n "$_PROBE_CMD" ]; then
		return 0
	fi
	for d in /usr/sbin /sbin /usr/local/sbin; do
		if [ -x "$d/$1" ]; then
			_PROBE_CMD="$d/$1"
			return 0
		fi
	done
	_PROBE_CMD=""
	return 1
}

# _probe_run CMD...: runs CMD with no stdin; returns its status and leaves the
# first line of what it said on stderr/stdout in _PROBE_ERR.
_probe_run() {
	local rc=0
	_PROBE_ERR=$("$@" </dev/null 2>&1) || rc=$?
	_PROBE_ERR=${_PROBE_ERR%%$'\n'*}
	return "$rc"
}

_probe_euid() {
	printf '%s' "${EUID:-$(id -u)}"
}

# ------------------------------------------------------------------- root

# probe_root: is this process root (euid 0)?
probe_root() {
	_probe_reset
	if [ "$(_probe_euid)" -eq 0 ]; then
		PROBE_REASON="running as root (euid 0)"
		return 0
	fi
	PROBE_REASON="not root (euid $(_probe_euid)): run as root, e.g. sudo make test"
	return 1
}

# ------------------------------------------------------ user namespaces

# probe_userns: can an unprivileged user create a user namespace and map
# itself to root in it (what `mini-unshare --user --map-root-user` does)?
# Checks the sysctls that forbid it, then really tries as an unprivileged
# user (as root: as nobody, via setpriv).
probe_userns() {
	local max
	_probe_reset
	if ! _probe_read /proc/sys/user/max_user_namespaces; then
		PROBE_REASON="no /proc/sys/user/max_user_namespaces: this kernel has no user namespaces (needs CONFIG_USER_NS=y)"
		return 1
	fi
	max=$_PROBE_VAL
	if [ "$max" = 0 ]; then
		PROBE_REASON="user namespaces are switched off (user.max_user_namespaces=0): sudo sysctl -w user.max_user_namespaces=15000"
		return 1
	fi
	# Debian before 11 and Arch patch in a switch of their own.
	if _probe_read /proc/sys/kernel/unprivileged_userns_clone && [ "$_PROBE_VAL" = 0 ]; then
		PROBE_REASON="unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone=0): sudo sysctl -w kernel.unprivileged_userns_clone=1"
		return 1
	fi
	# Ubuntu 23.10 and 24.04: AppArmor lets the unshare happen, then denies
	# the uid_map write ("uid_map: Operation not permitted").
	if _probe_read /proc/sys/kernel/apparmor_restrict_unprivileged_userns && [ "$_PROBE_VAL" = 1 ]; then
		PROBE_REASON="AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 23.10+): sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile with 'userns,' for the binary"
		return 1
	fi
	if _probe_faked; then
		PROBE_REASON="sysctls allow unprivileged user namespaces (max $max; not tried: PROBE_SYSROOT is set)"
		return 0
	fi
	_probe_userns_try "$max"
}

# _probe_userns_try MAX: the real try behind probe_userns.
_probe_userns_try() {
	local -a cmd
	local who
	who="uid $(_probe_euid)"
	if ! _probe_cmd unshare; then
		PROBE_UNCHECKED=1
		PROBE_REASON="sysctls allow unprivileged user namespaces (max $1), not tried: no unshare (apt-get install util-linux)"
		return 0
	fi
	cmd=("$_PROBE_CMD" --user --map-root-user true)
	if [ "$(_probe_euid)" -eq 0 ]; then
		if ! _probe_cmd setpriv; then
			PROBE_UNCHECKED=1
			PROBE_REASON="sysctls allow unprivileged user namespaces (max $1), not tried as a user: no setpriv (apt-get install util-linux)"
			return 0
		fi
		cmd=("$_PROBE_CMD" --reuid=65534 --regid=65534 --clear-groups "${cmd[@]}")
		who="nobody (uid 65534)"
	fi
	if _probe_run "${cmd[@]}"; then
		PROBE_REASON="unprivileged user namespaces work (unshare --user --map-root-user as $who; max $1)"
		return 0
	fi
	PROBE_REASON="unshare --user --map-root-user as $who failed: ${_PROBE_ERR:-no message}"
	case $_PROBE_ERR in
	*uid_map*)
		PROBE_REASON+=" (an LSM such as AppArmor, or this container's seccomp policy, blocks it)"
		;;
	*)
		PROBE_REASON+=" (check seccomp/LSM policy if this is a container)"
		;;
	esac
	return 1
}

# ---------------------------------------------------------------- cgroups

# _probe_has WORD LIST: is WORD in the space-separated LIST?
_probe_has() {
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# _probe_mounts_scan: reads /proc/mounts into the v1 controller list, the
# first cgroup2 mount and their mount options.
_probe_mounts_scan() {
	local _dev mnt type opts _rest o
	local -a olist
	PROBE_CGROUP_V1_CONTROLLERS=""
	PROBE_CGROUP_V1_ROOT=""
	PROBE_CGROUP_V2_MOUNT=""
	_PROBE_V1_RO=""
	_PROBE_V2_OPTS=""
	_probe_path /proc/mounts
	[ -r "$_PROBE_PATH" ] || return 1
	while read -r _dev mnt type opts _rest; do
		case $type in
		cgroup)
			IFS=, read -r -a olist <<<"$opts"
			for o in "${olist[@]}"; do
				_probe_has "$o" "$_PROBE_KNOWN_CONTROLLERS" || continue
				_probe_has "$o" "$PROBE_CGROUP_V1_CONTROLLERS" && continue
				PROBE_CGROUP_V1_CONTROLLERS="${PROBE_CGROUP_V1_CONTROLLERS:+$PROBE_CGROUP_V1_CONTROLLERS }$o"
				[ -n "$PROBE_CGROUP_V1_ROOT" ] || PROBE_CGROUP_V1_ROOT=${mnt%/*}
				if [ "${olist[0]}" = ro ] && _probe_has "$o" "$PROBE_CGROUP_NEEDED"; then
					_PROBE_V1_RO+=" $o"
				fi
			done
			;;
		cgroup2)
			if [ -z "$PROBE_CGROUP_V2_MOUNT" ]; then
				PROBE_CGROUP_V2_MOUNT=$mnt
				_PROBE_V2_OPTS=$opts
			fi
			;;
		esac
	done <"$_PROBE_PATH"
	return 0
}

# _probe_self_cgroup_scan: reads /proc/self/cgroup: this process's v2 path
# (the "0::" line) and whether the v2 hierarchy exists even if unmounted.
_probe_self_cgroup_scan() {
	local id ctrl path
	PROBE_CGROUP_SELF=""
	_PROBE_V2_LINE=0
	_probe_path /proc/self/cgroup
	[ -r "$_PROBE_PATH" ] || return 0
	while IFS=: read -r id ctrl path; do
		if [ "$id" = 0 ] && [ -z "$ctrl" ]; then
			_PROBE_V2_LINE=1
			PROBE_CGROUP_SELF=$path
		elif [ -z "$PROBE_CGROUP_SELF" ] && _probe_has memory "${ctrl//,/ }"; then
			PROBE_CGROUP_SELF=$path
		fi
	done <"$_PROBE_PATH"
	return 0
}

# probe_cgroup_mode: which cgroup layout this host has. Sets
#   PROBE_CGROUP_MODE         v1 | v2 | hybrid (none, returning 1, if no
#                             cgroup hierarchy is mounted at all)
#   PROBE_CGROUP_CONTROLLERS  every controller with its hierarchy,
#                             e.g. "cpu:v1 memory:v1 pids:v1 hugetlb:v2"
#   PROBE_CGROUP_V1_CONTROLLERS, PROBE_CGROUP_V2_CONTROLLERS  plain lists
#   PROBE_CGROUP_V1_ROOT, PROBE_CGROUP_V2_MOUNT  where they are mounted
#   PROBE_CGROUP_SELF         this process's cgroup (v2 path, else memory's)
# Hybrid = v1 controller hierarchies plus a cgroup2 mount (systemd puts it at
# /sys/fs/cgroup/unified); named v1 hierarchies (name=systemd) do not count.
probe_cgroup_mode() {
	local c v2note=""
	_probe_reset
	PROBE_CGROUP_MODE=none
	PROBE_CGROUP_CONTROLLERS=""
	PROBE_CGROUP_V2_CONTROLLERS=""
	if ! _probe_mounts_scan; then
		PROBE_REASON="cannot read /proc/mounts: is /proc mounted?"
		return 1
	fi
	_probe_self_cgroup_scan
	if [ -n "$PROBE_CGROUP_V2_MOUNT" ] && _probe_read "$PROBE_CGROUP_V2_MOUNT/cgroup.controllers"; then
		PROBE_CGROUP_V2_CONTROLLERS=$_PROBE_VAL
	fi
	for c in $PROBE_CGROUP_V1_CONTROLLERS; do
		PROBE_CGROUP_CONTROLLERS+="${PROBE_CGROUP_CONTROLLERS:+ }$c:v1"
	done
	for c in $PROBE_CGROUP_V2_CONTROLLERS; do
		PROBE_CGROUP_CONTROLLERS+="${PROBE_CGROUP_CONTROLLERS:+ }$c:v2"
	done
	if [ -n "$PROBE_CGROUP_V2_MOUNT" ]; then
		v2note="cgroup2 at $PROBE_CGROUP_V2_MOUNT with ${PROBE_CGROUP_V2_CONTROLLERS:-no controllers}"
	elif [ "$_PROBE_V2_LINE" = 1 ]; then
		v2note="v2 hierarchy exists but is not mounted"
	fi
	if [ -n "$PROBE_CGROUP_V1_CONTROLLERS" ] && [ -n "$PROBE_CGROUP_V2_MOUNT" ]; then
		PROBE_CGROUP_MODE=hybrid
		PROBE_REASON="hybrid: v1 $PROBE_CGROUP_V1_CONTROLLERS under $PROBE_CGROUP_V1_ROOT; $v2note"
	elif [ -n "$PROBE_CGROUP_V1_CONTROLLERS" ]; then
		PROBE_CGROUP_MODE=v1
		PROBE_REASON="v1: $PROBE_CGROUP_V1_CONTROLLERS under $PROBE_CGROUP_V1_ROOT${v2note:+; $v2note}"
	elif [ -n "$PROBE_CGROUP_V2_MOUNT" ]; then
		PROBE_CGROUP_MODE=v2
		PROBE_REASON="v2: $v2note"
	else
		PROBE_REASON="no cgroup hierarchy is mounted: mount -t cgroup2 cgroup2 /sys/fs/cgroup"
		return 1
	fi
	return 0
}

# probe_cgroup v1|v2: can the kit's cgroup driver for that version be used,
# i.e. are memory, cpu and pids available there, on a writable mount?
probe_cgroup() {
	local want=${1:-} have c lacking=""
	case $want in
	v1 | v2) ;;
	*)
		_probe_reset
		PROBE_REASON="probe_cgroup: the mode must be v1 or v2, not '$want'"
		return 1
		;;
	esac
	probe_cgroup_mode || true
	if [ "$want" = v1 ]; then
		have=$PROBE_CGROUP_V1_CONTROLLERS
	else
		have=$PROBE_CGROUP_V2_CONTROLLERS
	fi
	for c in $PROBE_CGROUP_NEEDED; do
		_probe_has "$c" "$have" || lacking+="${lacking:+ }$c"
	done
	if [ "$want" = v1 ]; then
		_probe_cgroup_v1_verdict "$lacking"
	else
		_probe_cgroup_v2_verdict "$lacking"
	fi
}

_probe_cgroup_v1_verdict() {
	local lacking=$1
	if [ -z "$PROBE_CGROUP_V1_CONTROLLERS" ]; then
		PROBE_REASON="no cgroup v1 hierarchy is mounted (this host is $PROBE_CGROUP_MODE; the kit uses its v2 driver): for v1, boot with systemd.unified_cgroup_hierarchy=0 (systemd < 256)"
		return 1
	fi
	if [ -n "$lacking" ]; then
		PROBE_REASON="cgroup v1 has no $lacking hierarchy (mounted: $PROBE_CGROUP_V1_CONTROLLERS): e.g. mkdir -p $PROBE_CGROUP_V1_ROOT/${lacking%% *} && mount -t cgroup -o ${lacking%% *} cgroup $PROBE_CGROUP_V1_ROOT/${lacking%% *}"
		return 1
	fi
	if [ -n "$_PROBE_V1_RO" ]; then
		PROBE_REASON="cgroup v1 hierarchies for${_PROBE_V1_RO} are mounted read-only (a container without cgroup delegation?): remount them rw"
		return 1
	fi
	PROBE_REASON="cgroup v1: $PROBE_CGROUP_V1_CONTROLLERS under $PROBE_CGROUP_V1_ROOT"
	return 0
}

_probe_cgroup_v2_verdict() {
	local lacking=$1 mnt=$PROBE_CGROUP_V2_MOUNT
	if [ -z "$mnt" ]; then
		PROBE_REASON="no cgroup2 mount in /proc/mounts (this host is $PROBE_CGROUP_MODE): for v2, boot with systemd.unified_cgroup_hierarchy=1 or cgroup_no_v1=all"
		return 1
	fi
	if [ -z "$PROBE_CGROUP_V2_CONTROLLERS" ]; then
		PROBE_REASON="cgroup2 at $mnt lists no controllers in cgroup.controllers (they are bound to v1 hierarchies): for v2, boot with systemd.unified_cgroup_hierarchy=1 or cgroup_no_v1=all"
		return 1
	fi
	if [ -n "$lacking" ]; then
		PROBE_REASON="cgroup2 at $mnt lists only '$PROBE_CGROUP_V2_CONTROLLERS' in cgroup.controllers, not $lacking"
		if [ -n "$PROBE_CGROUP_V1_CONTROLLERS" ]; then
			PROBE_REASON+=" (held by v1 hierarchies: a hybrid host): for v2, boot with systemd.unified_cgroup_hierarchy=1 or cgroup_no_v1=all"
		else
			PROBE_REASON+=": the parent cgroup must enable them in cgroup.subtree_control"
		fi
		return 1
	fi
	case ",$_PROBE_V2_OPTS," in
	*,ro,*)
		PROBE_REASON="cgroup2 at $mnt is mounted read-only (a container without cgroup delegation?): remount it rw"
		return 1
		;;
	esac
	PROBE_REASON="cgroup v2 at $mnt: $PROBE_CGROUP_V2_CONTROLLERS"
	return 0
}

# -------------------------------------------------------------- overlayfs

# probe_overlay: can overlayfs be mounted (built in, loaded, or loadable)?
probe_overlay() {
	local a b
	_probe_reset
	_probe_path /proc/filesystems
	if [ -r "$_PROBE_PATH" ]; then
		while read -r a b; do
			if [ "$a" = overlay ] || [ "$b" = overlay ]; then
				PROBE_REASON="overlay is in /proc/filesystems"
				return 0
			fi
		done <"$_PROBE_PATH"
	fi
	PROBE_REASON="overlayfs is not in /proc/filesystems"
	if _probe_faked; then
		PROBE_REASON+=" (modprobe not tried: PROBE_SYSROOT is set)"
		return 1
	fi
	if ! _probe_cmd modprobe; then
		PROBE_REASON+=" and modprobe is missing to load it (apt-get install kmod), or the kernel lacks CONFIG_OVERLAY_FS"
		return 1
	fi
	if _probe_run "$_PROBE_CMD" -n -q overlay; then
		PROBE_REASON="overlay module available, loaded on first mount (or: sudo modprobe overlay)"
		return 0
	fi
	PROBE_REASON+=" and there is no overlay module (modprobe -n overlay): use a kernel with CONFIG_OVERLAY_FS"
	return 1
}

# -------------------------------------------------------------------- KVM

# _probe_kvm_kind: PROBE_KVM_KIND = none | pvm | intel | amd | unknown.
# PVM (kvm_pvm) wins over the others: it is what /dev/kvm then talks to.
_probe_kvm_kind() {
	local m
	_probe_path /dev/kvm
	if [ ! -e "$_PROBE_PATH" ]; then
		PROBE_KVM_KIND=none
		return 0
	fi
	PROBE_KVM_KIND=unknown
	for m in pvm intel amd; do
		_probe_path "/sys/module/kvm_$m"
		if [ -d "$_PROBE_PATH" ]; then
			PROBE_KVM_KIND=$m
			return 0
		fi
	done
	return 0
}

# probe_kvm: does /dev/kvm exist and open read-write (any backend, PVM too)?
probe_kvm() {
	local dev who
	_probe_reset
	_probe_kvm_kind
	_probe_path /dev/kvm
	dev=$_PROBE_PATH
	if [ "$PROBE_KVM_KIND" = none ]; then
		PROBE_REASON="no /dev/kvm: enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd (a cloud VM needs nested virtualization; a container needs --device /dev/kvm)"
		return 1
	fi
	# Opening /dev/kvm creates nothing; KVM_CREATE_VM would.
	if _PROBE_ERR=$({ true <>"$dev"; } 2>&1); then
		PROBE_REASON="/dev/kvm opens read-write (backend: $PROBE_KVM_KIND)"
		return 0
	fi
	_PROBE_ERR=${_PROBE_ERR##*: }
	who=$(stat -c '%U:%G %04a' "$dev" 2>/dev/null) || who="?"
	PROBE_REASON="cannot open /dev/kvm read-write: ${_PROBE_ERR:-error} (owner $who): run as root, or "
	case $who in
	*:kvm\ 06[67]?) PROBE_REASON+="join its group: sudo usermod -aG kvm \$USER, then log in again" ;;
	*) PROBE_REASON+="give it to group kvm: sudo chgrp kvm /dev/kvm && sudo chmod 0660 /dev/kvm && sudo usermod -aG kvm \$USER" ;;
	esac
	return 1
}

# probe_hw_kvm: is there a /dev/kvm that can boot a stock Linux kernel?
# PVM runs the kit's small guests but not Linux; kvm_intel and kvm_amd do.
probe_hw_kvm() {
	local open=0 why
	probe_kvm || open=1
	why=$PROBE_REASON
	case $PROBE_KVM_KIND in
	none)
		return 1
		;;
	pvm)
		PROBE_REASON="/dev/kvm is PVM (kvm_pvm): small guests run (chapter 01 stages 1-4) but a stock Linux kernel cannot boot: boot Linux with make test-nested, or use a host with kvm_intel/kvm_amd"
		[ "$open" = 0 ] || PROBE_REASON+="; also $why"
		return 1
		;;
	intel | amd)
		if [ "$open" = 0 ]; then
			PROBE_REASON="/dev/kvm backed by kvm_$PROBE_KVM_KIND (hardware virtualization): can boot Linux"
			return 0
		fi
		PROBE_REASON="kvm_$PROBE_KVM_KIND is loaded but $why"
		return 1
		;;
	esac
	PROBE_REASON="/dev/kvm exists but its backend is unknown (no kvm_intel, kvm_amd or kvm_pvm in /sys/module): cannot tell whether it boots Linux"
	PROBE_UNCHECKED=1
	return 1
}

# --------------------------------------------------------------- nftables

# probe_nftables: the nft tool and the kernel's nf_tables (chapters 09-10
# use libnftables). The kernel side can only be asked as root.
probe_nftables() {
	local nft
	_probe_reset
	if ! _probe_cmd nft; then
		PROBE_REASON="no nft: apt-get install nftables (and libnftables-dev to build chapters 09-10)"
		return 1
	fi
	nft=$_PROBE_CMD
	if [ "$(_probe_euid)" -ne 0 ]; then
		PROBE_UNCHECKED=1
		PROBE_REASON="$nft is installed; kernel nf_tables not checked: that needs root (sudo make doctor)"
		return 1
	fi
	if _probe_run "$nft" list tables; then
		PROBE_REASON="nft list tables works ($nft)"
		return 0
	fi
	PROBE_REASON="nft list tables failed: ${_PROBE_ERR:-no message} (kernel without CONFIG_NF_TABLES, or a container without CAP_NET_ADMIN)"
	return 1
}

# ----------------------------------------------------- network namespaces

# probe_netns: can this process create a network namespace? As root it
# really does (`unshare --net true`); as a user it can only show that the
# kernel supports them, inside a user namespace.
probe_netns() {
	local unshare
	_probe_reset
	if ! _probe_cmd unshare; then
		PROBE_REASON="no unshare to try a network namespace with: apt-get install util-linux"
		return 1
	fi
	unshare=$_PROBE_CMD
	if [ "$(_probe_euid)" -eq 0 ]; then
		if _probe_run "$unshare" --net true; then
			PROBE_REASON="unshare --net works"
			return 0
		fi
		PROBE_REASON="unshare --net failed: ${_PROBE_ERR:-no message} (kernel without CONFIG_NET_NS, or a container without CAP_SYS_ADMIN)"
		return 1
	fi
	PROBE_UNCHECKED=1
	if _probe_run "$unshare" --user --map-root-user --net true; then
		PROBE_REASON="not root: network namespaces need CAP_SYS_ADMIN (run as root); the kernel has them (made one inside a user namespace)"
	else
		PROBE_REASON="not root: network namespaces need CAP_SYS_ADMIN (run as root); not checked further"
	fi
	return 1
}
