#!/usr/bin/env bash
# tests/bench/05-overlay.sh - mini-overlay against util-linux, in the same run:
# mounting and unmounting an overlay of N lower layers (mini-overlay mount +
# umount vs mount -t overlay + umount), and reading an upper layer of many
# files (mini-overlay diff vs a find-based diff).  Root only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
runs=${BENCH_RUNS:-200}
source "$root/tests/lib/mounts.bash" # unmount_under
if [ "$(id -u)" -ne 0 ]; then
	echo "bench 05: skipped: needs root (mounting an overlay needs CAP_SYS_ADMIN)"
	exit 0
fi
D=$(mktemp -d /tmp/kit-bench05.XXXXXX)
cleanup() {
	unmount_under "$D"
	rm -rf "$D"
}
trap cleanup EXIT
O=$bin/mini-overlay

# N lower layers, one file each, and an empty upper: $D/nN/{l/1..N,up,work,m}.
# Both tools get the same relative paths from inside $D/nN (the kernel takes
# them from the current directory), which keeps the commands short to read.
stack() {
	local n=$1 i lowers=
	mkdir -p "$D/n$n/up" "$D/n$n/work" "$D/n$n/m"
	for i in $(seq 1 "$n"); do
		mkdir -p "$D/n$n/l/$i"
		echo "$i" >"$D/n$n/l/$i/f$i"
		lowers+=${lowers:+:}l/$i
	done
	echo "$lowers"
}

cases=()
for n in 1 8 64; do
	lowers=$(stack "$n")
	cases+=(--case "mount+umount, $n lower(s)"
		"sh -c 'cd $D/n$n && $O mount --lower $lowers --upper up --work work m && $O umount m'"
		"sh -c 'cd $D/n$n && mount -t overlay overlay -o lowerdir=$lowers,upperdir=up,workdir=work m && umount m'")
done

# An upper layer the size of a small container's: 5000 files written over a
# 5000-file image, 1000 new ones, 500 deleted (whiteouts).
mkdir -p "$D/big/l/d" "$D/big/up" "$D/big/work" "$D/big/m"
(cd "$D/big/l/d" && seq 1 5000 | xargs touch)
"$O" mount --lower "$D/big/l" --upper "$D/big/up" --work "$D/big/work" "$D/big/m"
(cd "$D/big/m/d" && seq 1 5000 | xargs chmod 600 && seq 5001 6000 | xargs touch && seq 1 500 | xargs rm)
"$O" umount "$D/big/m"
# The find-based diff only tells whiteouts (D) from the rest (A); mini-overlay
# diff --lower also looks every name up in the lowers to tell A from C.
finddiff="find $D/big/up -mindepth 1 ( -type c -printf 'D /%P\\n' ) -o -printf 'A /%P\\n'"
cases+=(--case "diff of 6000 changes, upper alone" "$O diff $D/big/up" "$finddiff")
cases+=(--case "diff of 6000 changes, with the lower" "$O diff --lower $D/big/l $D/big/up" "$finddiff")

"$root/tests/bench/bench.py" --name "05-overlay: mini-overlay vs util-linux mount/umount and find" \
	--runs "$runs" --out "$root/tests/bench/results/05-overlay.md" "${cases[@]}"
