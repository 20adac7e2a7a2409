# shellcheck shell=bash source-path=SCRIPTDIR
#
# tests/lib/require.bash: host requirements for the tests, in one vocabulary.
#
# A test states what it needs on its first line; when the host lacks it the
# test is skipped with the reason from tools/lib/probe.sh (what is missing and
# how to get it). A skipped test scores zero in `make grade`: it is never
# counted as passed. `make doctor` asks the very same probes.
#
#   load ../lib/require          # from tests/chapters/NN-*.bats
#   @test "03.2 memory limit (2 pts)" { require_root; require_cgroup v2; ... }
#
# Plain bash scripts (e2e stories, benches) use kit_require instead:
#   kit_require kvm || exit 0
#
# Article: see tools/lib/probe.sh.

# shellcheck source=../../tools/lib/probe.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib" && pwd)/probe.sh"

# _require_or_skip PROBE [ARG]: runs probe PROBE; on a miss, bats' skip.
_require_or_skip() {
	if ! "$@"; then
		skip "$PROBE_REASON"
	fi
}

require_root() { _require_or_skip probe_root; }
require_userns() { _require_or_skip probe_userns; }
require_overlay() { _require_or_skip probe_overlay; }
require_kvm() { _require_or_skip probe_kvm; }
require_hw_kvm() { _require_or_skip probe_hw_kvm; }
require_nftables() { _require_or_skip probe_nftables; }
require_netns() { _require_or_skip probe_netns; }

# require_cgroup v1|v2: the kit's cgroup driver for that version can be used.
require_cgroup() { _require_or_skip probe_cgroup "${1:-}"; }

# kit_require NAME [ARG]: the same requirements outside bats. NAME is one of
# root userns cgroup overlay kvm hw_kvm nftables netns (cgroup takes v1|v2).
# Returns 0 when present; otherwise prints "missing NAME: REASON" on stderr
# and returns 1 (2 for an unknown NAME).
kit_require() {
	local name=${1:-}
	case $name in
	root | userns | cgroup | overlay | kvm | hw_kvm | nftables | netns) ;;
	hw-kvm) name=hw_kvm ;;
	*)
		echo "kit_require: unknown requirement '$name' (root userns cgroup overlay kvm hw_kvm nftables netns)" >&2
		return 2
		;;
	esac
	shift
	if "probe_$name" "$@"; then
		return 0
	fi
	echo "missing $name${1:+ $1}: $PROBE_REASON" >&2
	return 1
}
