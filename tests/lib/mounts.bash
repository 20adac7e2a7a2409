# shellcheck shell=bash
#
# tests/lib/mounts.bash: the mounts below a scratch directory, and taking
# them all down.  Sourced by what mounts under a directory of its own and
# must leave nothing mounted: tests/chapters/05-overlay.bats, the chapter's
# demo (chapters/05-overlay/demo.sh) and its benchmark
# (tests/bench/05-overlay.sh).
#
#   source "$KIT_ROOT/tests/lib/mounts.bash"
#   trap 'unmount_under "$D"; rm -rf "$D"' EXIT

# mounts_under DIR [TYPE] - the mount points below DIR (of TYPE only), as
# /proc/self/mountinfo lists them.
mounts_under() {
	awk -v t="$1/" -v type="${2:-}" '
		{ for (i = 7; $i != "-"; i++) ; fs = $(i + 1) }
		index($5 "/", t) == 1 && (type == "" || fs == type) { print $5 }
	' /proc/self/mountinfo
}

# unmount_under DIR - unmount everything below DIR: innermost first, so
# that nothing is busy, and detached (-l) as a last resort.
unmount_under() {
	local m
	mounts_under "$1" | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}
