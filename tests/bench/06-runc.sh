#!/usr/bin/env bash
# tests/bench/06-runc.sh - mini-runc against runc and crun, in the same run:
# the whole life of a container (create, start, wait, delete: `RUNTIME run`)
# of a busybox bundle running /bin/true.  Then a profile of where
# mini-runc's time goes.  Root only.  Article §3.1.
#
# What each runtime does per run: read config.json, make the state folder,
# clone into new namespaces (pid, net, ipc, uts, mount), create and join
# the cgroups (/sys/fs/cgroup/*/kit-bench06 on this v1 host), bind the root,
# mount /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup, mask
# and read-only paths, pivot_root, drop capabilities, set rlimits, no new
# privileges, wait on the exec fifo for `start`, exec /bin/true, reap it,
# remove cgroups and state.  Same config.json (runc spec's default) for all.
#
# crun 1.8 refuses this host's hybrid cgroup layout ("cgroups in hybrid mode
# not supported") while the hugetlb controller sits in the empty v2
# hierarchy: the benchmark mounts hugetlb as v1 for its duration and undoes
# that on exit (umount, rmdir), whatever happens.  BENCH_RUNS=N (300).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
runs=${BENCH_RUNS:-300}
out=$root/tests/bench/results/06-runc.md
if [ "$(id -u)" -ne 0 ]; then
	echo "bench 06: skipped: needs root (namespaces, mounts and cgroups)"
	exit 0
fi
for tool in runc crun strace; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench 06: no $tool: apt-get install runc crun strace" >&2
		exit 1
	fi
done
if [ ! -x "$bin/mini-runc" ]; then
	echo "bench 06: no $bin/mini-runc: run make" >&2
	exit 1
fi
image=""
for d in "$bin/../images" "$root/build/images"; do
	[ -f "$d/busybox/rootfs.stamp" ] && image=$(cd "$d/busybox/rootfs" && pwd) && break
done
if [ -z "$image" ]; then
	echo "bench 06: no busybox image: run 'make images' first" >&2
	exit 1
fi

work=$(mktemp -d /tmp/kit-bench06.XXXXXX)
hugetlb_mounted=""
# hugetlb_back - true once hugetlb is in no v1 hierarchy (10 s at most).
hugetlb_back() {
	for _ in $(seq 20); do
		grep -Eq '^hugetlb[[:space:]]+0[[:space:]]' /proc/cgroups && return 0
		sleep 0.5
	done
	return 1
}
cleanup() {
	# Containers and their cgroups first: a v1 hierarchy unmounted while it
	# still has a child group lives on unseen, and hugetlb would never come
	# back to cgroup2 (the host's chapter 03 tests then skip).
	for rt in mini runc crun; do
		# A run that was interrupted may have left its container.
		case $rt in
		mini) "$bin/mini-runc" --root "$work/state-$rt" delete --force kit-bench06 ;;
		*) "$rt" --root "$work/state-$rt" delete --force kit-bench06 ;;
		esac >/dev/null 2>&1 || true
	done
	"$bin/mini-runc" --root "$work/state-mini" delete --force kit-bench06-up >/dev/null 2>&1 || true
	runc --root "$work/state-runc" delete --force kit-bench06-up >/dev/null 2>&1 || true
	find /sys/fs/cgroup/*/kit-bench06 /sys/fs/cgroup/*/kit-bench06-up-* -depth -type d \
		-exec rmdir {} + 2>/dev/null || true
	if [ -n "$hugetlb_mounted" ]; then
		umount /sys/fs/cgroup/hugetlb || umount -l /sys/fs/cgroup/hugetlb
		# The hierarchy goes away after the unmount, asynchronously; if a
		# group removed a moment ago was still dying then, it stays until
		# one more mount and unmount, once that group is gone.
		if ! hugetlb_back; then
			mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb &&
				umount /sys/fs/cgroup/hugetlb
			hugetlb_back ||
				echo "bench 06: hugetlb is still bound to a v1 hierarchy: see /proc/cgroups" >&2
		fi
		rmdir /sys/fs/cgroup/hugetlb
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# 1. The bundle: busybox, runc spec's default config.json, /bin/true, the
#    cgroup /kit-bench06.
mkdir -p "$work/bundle"
cp -a "$image" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
# Named, so that every runtime makes the same cgroups (without it each
# picks its own default parent) and a leftover is easy to spot.
c["linux"]["cgroupsPath"] = "/kit-bench06"
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF

# 2. crun's precondition on this host (see above), undone by cleanup.
if [ -d /sys/fs/cgroup/unified ] && [ ! -e /sys/fs/cgroup/hugetlb ] &&
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	mkdir /sys/fs/cgroup/hugetlb
	hugetlb_mounted=1
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi

# A running container per runtime for update and events (a sleep in its
# own cgroup).
for rt in mini runc; do
	mkdir -p "$work/up-$rt"
	# the same rootfs by its absolute path (runc refuses a symlink there)
	jq --arg cg "/kit-bench06-up-$rt" --arg root "$work/bundle/rootfs" \
		'.process.args=["sleep","1000"] | .linux.cgroupsPath=$cg | .root.path=$root' \
		"$work/bundle/config.json" >"$work/up-$rt/config.json"
done
if ! "$bin/mini-runc" --root "$work/state-mini" run -d --bundle "$work/up-mini" kit-bench06-up \
	</dev/null >"$work/up.log" 2>&1 ||
	! runc --root "$work/state-runc" run -d --bundle "$work/up-runc" kit-bench06-up \
		</dev/null >>"$work/up.log" 2>&1; then
	echo "bench 06: could not start the containers for update and events:" >&2
	cat "$work/up.log" >&2
	exit 1
fi

mini="$bin/mini-runc --root $work/state-mini run --bundle $work/bundle kit-bench06"
runc_="runc --root $work/state-runc run --bundle $work/bundle kit-bench06"
crun_="crun --root $work/state-crun run --bundle $work/bundle kit-bench06"
"$root/tests/bench/bench.py" --name "06-runc: mini-runc vs runc 1.1 and crun 1.8 (run = create + start + wait + delete)" \
	--runs "$runs" --out "$out" \
	--case "busybox /bin/true, vs runc" "$mini" "$runc_" \
	--case "busybox /bin/true, vs crun" "$mini" "$crun_" \
	--case "one call (list): what every shim call pays, vs runc" \
	"$bin/mini-runc --root $work/state-mini list" "runc --root $work/state-runc list" \
	--case "one call (list), vs crun" \
	"$bin/mini-runc --root $work/state-mini list" "crun --root $work/state-crun list" \
	--case "update --memory 64M --pids-limit 100 (running), vs runc" \
	"$bin/mini-runc --root $work/state-mini update --memory 64M --pids-limit 100 kit-bench06-up" \
	"runc --root $work/state-runc update --memory 64M --pids-limit 100 kit-bench06-up" \
	--case "events --stats (running), vs runc" \
	"$bin/mini-runc --root $work/state-mini events --stats kit-bench06-up" \
	"runc --root $work/state-runc events --stats kit-bench06-up"

# 3. Where mini-runc's time goes: system calls by total time (strace -c,
#    which slows every call alike), then one run's timeline with the
#    steps that matter, in ms from the start.
profile() {
	local rt=$1 cmd=$2
	echo
	echo "### $rt: system calls by wall time spent in them (strace -f -c -w, 20 runs)"
	echo
	echo '```'
	for _ in $(seq 20); do
		# shellcheck disable=SC2086
		strace -f -c -w -o "$work/strace.$rt.$_" $cmd >/dev/null 2>&1
	done
	python3 - "$work"/strace."$rt".* <<'EOF'
import sys, collections
secs, calls, errs = collections.Counter(), collections.Counter(), collections.Counter()
for path in sys.argv[1:]:
    for line in open(path):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            secs[f[-1]] += float(f[1]); calls[f[-1]] += int(f[3])
            if len(f) == 6: errs[f[-1]] += int(f[4])
total = sum(secs.values())
print(f"{'% time':>7} {'ms/run':>8} {'calls/run':>9} {'errors':>6}  syscall")
for name, s in secs.most_common(14):
    print(f"{100 * s / total:7.1f} {1e3 * s / 20:8.3f} {calls[name] / 20:9.1f} {errs[name] / 20:6.1f}  {name}")
print(f"{'':7} {1e3 * total / 20:8.3f} {sum(calls.values()) / 20:9.1f}         total (all syscalls of all threads)")
EOF
	echo '```'
}
timeline() {
	echo
	echo "### mini-runc: one run, step by step (strace -f -ttt, ms since start)"
	echo
	echo "The order of the steps, parent and child, is what this shows; the gaps"
	echo "are strace's (the new child stops at each event; the first write to a"
	echo "cgroup.procs waits for it): untraced, the whole run takes the median above."
	echo
	echo '```'
	# shellcheck disable=SC2086
	strace -f -ttt -o "$work/timeline" \
		-e trace=execve,clone,clone3,unshare,setns,mount,pivot_root,mknodat,openat,wait4,exit_group,kill \
		$mini >/dev/null 2>&1 || true
	python3 - "$work/timeline" <<'EOF'
import sys, re
lines = open(sys.argv[1]).read().splitlines()
t0 = None
shown = 0
for line in lines:
    m = re.match(r"(\d+)\s+(\d+\.\d+)\s+(.*)", line)
    if not m:
        continue
    pid, t, rest = m.group(1), float(m.group(2)), m.group(3)
    t0 = t if t0 is None else t0
    # openat: only the cgroup files, the fifo and config.json
    if rest.startswith("openat") and not re.search(r"cgroup|fifo|config.json|state", rest):
        continue
    if "resumed" in rest:
        continue
    print(f"{1e3 * (t - t0):8.3f}  {pid:>7}  {rest[:110]}")
    shown += 1
    if shown > 80:
        print("   ...")
        break
EOF
	echo '```'
}
perf_profile() {
	command -v perf >/dev/null || {
		echo
		echo "(no perf: apt-get install linux-perf for the CPU profile)"
		return 0
	}
	echo
	echo "### mini-runc: CPU samples (perf record -e cpu-clock, 100 runs)"
	echo
	echo "By program image (comm; memfd:mini-runc is the sealed copy mini-runc"
	echo "re-executes, the CVE-2019-5736 defence) and shared object, then the"
	echo "hottest symbols:"
	echo
	echo '```'
	printf '%s\n' "for i in \$(seq 100); do $mini; done" >"$work/loop.sh"
	perf record -q -e cpu-clock -F 5000 -o "$work/perf.data" -- bash "$work/loop.sh" \
		>/dev/null 2>&1 || true
	perf report -i "$work/perf.data" --no-children -g none --sort comm,dso --stdio \
		2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v -E ' (bash|seq) ' | sed -n '1,12p'
	echo
	perf report -i "$work/perf.data" --no-children -g none --comms mini-runc,memfd:mini-runc \
		--sort sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | sed -n '1,15p'
	echo '```'
}
{
	echo
	echo "Read the ratio within one row: each row interleaves mini-runc with one"
	echo "peer, at its own moment on a shared machine, so mini-runc's own median"
	echo "differs between the rows.  crun ran with the hugetlb controller mounted"
	echo "as v1 (its precondition here); runc and mini-runc do not need it."
	echo
	echo "## Where the time goes"
	echo
	echo "mini-runc and runc under strace, same bundle; strace makes every system call"
	echo "dearer, so the split between calls is what to read, not the totals."
	profile mini-runc "$mini"
	profile runc "$runc_"
	timeline
	perf_profile
} >>"$out"
echo "bench 06: profile appended to $out"
