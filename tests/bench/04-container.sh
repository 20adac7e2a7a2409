#!/usr/bin/env bash
# tests/bench/04-container.sh - mini-container against the article's
# one-liner built from the real tools (util-linux unshare and chroot,
# cgroup-tools cgexec), in the same run: the time to start a container in
# the busybox image, run /bin/true in it, and tear it down.  Root only.
#
# What each side does per run:
#   mini-container   clone into 5 namespaces (6 with --user), bind the root,
#                    mount /proc, /dev (tmpfs, 6 nodes, devpts), /sys,
#                    pivot_root (or chroot), fork /bin/true from its init;
#                    with limits also create, limit and delete kit/NAME
#   the one-liner    unshare forks into the namespaces, mounts /proc, execs
#                    chroot, which execs /bin/true; with limits, cgexec
#                    first joins a cgroup made once before the benchmark
#                    (cgcreate + cgset, as the article does) and never
#                    deleted per run
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
runs=${BENCH_RUNS:-300}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench 04: skipped: needs root (namespaces, mounts and cgroups)"
	exit 0
fi
image=""
for d in "$bin/../images" "$root/build/images"; do
	[ -f "$d/busybox/rootfs.stamp" ] && image=$(cd "$d/busybox/rootfs" && pwd) && break
done
if [ -z "$image" ]; then
	echo "bench 04: no busybox image: run 'make images' first" >&2
	exit 1
fi
for tool in cgcreate cgset cgexec cgdelete unshare chroot; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench 04: no $tool: apt-get install cgroup-tools util-linux coreutils" >&2
		exit 1
	fi
done

# The article's cgroup, made once: cgcreate -g cpu,memory:NAME, then the
# same limits as mini-container gets (the file names differ by version).
group=kit-bench04
if [ -d /sys/fs/cgroup/memory ]; then
	set_limits=(-r memory.limit_in_bytes=50M -r cpu.cfs_quota_us=50000)
else
	set_limits=(-r memory.max=50M -r "cpu.max=50000 100000")
fi
cgcreate -g "cpu,memory:$group"
# One controller per cgdelete: cgroup-tools 2.0.2 given "cpu,memory" on a
# v1 host removes the group from the first hierarchy only.
trap 'for c in cpu memory; do cgdelete -g "$c:$group" 2>/dev/null || true; done' EXIT
cgset "${set_limits[@]}" "$group"

mc="$bin/mini-container run --rootfs $image"
"$root/tests/bench/bench.py" --name "04-container: mini-container vs the article's one-liner (unshare, chroot, cgexec)" \
	--runs "$runs" --out "$root/tests/bench/results/04-container.md" \
	--case "run /bin/true (pivot_root)" "$mc -- /bin/true" \
	"unshare -uinpf --mount-proc chroot $image /bin/true" \
	--case "run /bin/true (--root-mode chroot)" "$mc --root-mode chroot -- /bin/true" \
	"unshare -uinpf --mount-proc chroot $image /bin/true" \
	--case "--user: unshare -uinpUrf" "$mc --user -- /bin/true" \
	"unshare -uinpUrf --mount-proc chroot $image /bin/true" \
	--case "with limits: the whole one-liner" "$mc --user --memory 50M --cpus 0.5 -- /bin/true" \
	"cgexec -g cpu,memory:$group unshare -uinpUrf --mount-proc chroot $image /bin/true"
