#!/usr/bin/env bash
# tests/bench/02-namespaces.sh - mini-unshare against util-linux unshare:
# the time to create namespaces and run /bin/true in them.  Root only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
runs=${BENCH_RUNS:-300}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench 02: skipped: needs root (namespaces other than user need CAP_SYS_ADMIN)"
	exit 0
fi
exec "$root/tests/bench/bench.py" --name "02-namespaces: mini-unshare vs util-linux unshare" \
	--runs "$runs" --out "$root/tests/bench/results/02-namespaces.md" \
	--case "--fork --pid --mount-proc true" "$bin/mini-unshare --fork --pid --mount-proc true" "unshare --fork --pid --mount-proc true" \
	--case "--net true" "$bin/mini-unshare --net true" "unshare --net true" \
	--case "--uts --ipc true" "$bin/mini-unshare --uts --ipc true" "unshare --uts --ipc true" \
	--case "-Urf --pid --mount-proc true" "$bin/mini-unshare -Urf --pid --mount-proc true" "unshare -Urf --pid --mount-proc true"
