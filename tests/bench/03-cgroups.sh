#!/usr/bin/env bash
# tests/bench/03-cgroups.sh - mini-cgroup against cgroup-tools (libcgroup):
# create+delete, set, and exec of /bin/true in a group, in the same run.
# Root only.  The groups are kit-bench-kit-PID and kit-bench-peer-PID,
# removed at the end whatever happens.
#
# create+delete runs through `sh -c` on both sides (one command per timing,
# two programs per command) and uses one controller: cgdelete 2.0 on a
# hybrid host removes only the first controller of `-g a,b:PATH`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
runs=${BENCH_RUNS:-300}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench 03: skipped: needs root (creating cgroups)"
	exit 0
fi
for tool in cgcreate cgset cgexec cgdelete; do
	command -v "$tool" >/dev/null || {
		echo "bench 03: skipped: $tool missing (apt-get install cgroup-tools)"
		exit 0
	}
done
M=$bin/mini-cgroup
K=kit-bench-kit-$$
P=kit-bench-peer-$$
ctrls=memory,cpu,cpuacct,pids

cleanup() {
	"$M" delete --force "$K" "$K-cd" >/dev/null 2>&1 || true
	for c in ${ctrls//,/ }; do
		cgdelete -g "$c:$P" >/dev/null 2>&1 || true
		cgdelete -g "$c:$P-cd" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT
"$M" create -g "$ctrls:$K"
cgcreate -g "$ctrls:$P"

"$root/tests/bench/bench.py" --name "03-cgroups: mini-cgroup vs cgroup-tools (libcgroup)" \
	--runs "$runs" --out "$root/tests/bench/results/03-cgroups.md" \
	--case "create + delete (memory, via sh -c)" \
	"sh -c '$M create -g memory:$K-cd && $M delete $K-cd'" \
	"sh -c 'cgcreate -g memory:$P-cd && cgdelete -g memory:$P-cd'" \
	--case "set memory=50M cpu=0.5" \
	"$M set -r memory=50M -r cpu=0.5 $K" \
	"cgset -r memory.limit_in_bytes=52428800 -r cpu.cfs_quota_us=50000 $P" \
	--case "exec true in memory,cpu,cpuacct,pids" \
	"$M exec -g $ctrls:$K -- true" \
	"cgexec -g $ctrls:$P true"
