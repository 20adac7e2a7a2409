# tests/chapters/helpers.bash - loaded by every chapter's bats file.
#
# KIT_BIN points at the programs under test: build/bin by default,
# build/grade/NN/bin when `make grade` runs these tests against a lab.

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

KIT_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
export KIT_ROOT KIT_BIN

# require_root, require_userns, require_cgroup v1|v2 ...: skip with a reason.
source "$KIT_ROOT/tests/lib/require.bash"

# as_nobody CMD... - run CMD as the unprivileged user nobody (uid 65534),
# with no supplementary groups, the way a student's own account would.
as_nobody() {
	# A coverage build (make coverage) writes its counters below
	# GCOV_PREFIX: nobody cannot write them into build/.
	setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env \
		env ${KIT_GCOV_NOBODY:+GCOV_PREFIX=$KIT_GCOV_NOBODY} "$@"
}

# public_copy PROG - copy a program where nobody can run it, print its path.
# The checkout may sit under a directory that other users cannot enter.
public_copy() {
	local dir
	dir=$(mktemp -d /tmp/kit-public.XXXXXX)
	chmod 755 "$dir"
	cp "$1" "$dir/"
	chmod 755 "$dir/${1##*/}"
	echo "$dir/${1##*/}"
}

# no_processes_left PATH - fail if anything still runs from PATH's binary.
no_processes_left() {
	local left
	left=$(pgrep -f -- "^$1( |$)" || true)
	if [ -n "$left" ]; then
		echo "processes left behind by the test: $left" >&2
		pkill -KILL -f -- "^$1( |$)" || true
		return 1
	fi
}
