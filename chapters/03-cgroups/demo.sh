#!/usr/bin/env bash
# chapters/03-cgroups/demo.sh - article §2.3 Cgroups, told with mini-cgroup:
# create a group, give it memory, CPU and process limits, run things that
# hit each limit, read what it used, move a process in, delete it.  Run by
# `make demo`; safe to run alone after `make`.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
M=$KIT_BIN/mini-cgroup
# kit-hog (chapters/03-cgroups/hog.c) misbehaves on request: memory, CPU, forks
PATH=$KIT_BIN:$KIT_BIN/../tests:$PATH
G=kit-demo-$$
bg=""

cleanup() {
	[ -z "$bg" ] || kill "$bg" 2>/dev/null || true
	"$M" delete --force "$G" >/dev/null 2>&1 || true
}

title "Chapter 03: cgroups (article §2.3)"
say "A control group limits, accounts for and isolates the resources of a"
say "group of processes.  The kernel shows each group as a directory of files."
say "First: which layout does this host have, and which driver does the kit use?"
show "$M" info
need root
trap cleanup EXIT
driver=$("$M" info | awk '$1 == "driver" { print $2 }')

say ""
say "1. cgcreate: one directory per hierarchy on v1, one in the unified tree"
say "   on v2:"
show "$M" --verbose create -g memory,cpu,pids:"$G"
show sh -c "ls -d /sys/fs/cgroup/$G /sys/fs/cgroup/*/$G 2>/dev/null || true"

say ""
say "2. Limits, said once, written in the files of this host's version:"
show "$M" --verbose set -r memory=50M -r cpu=0.2 -r pids=16 "$G"
if [ "$driver" = v2 ]; then
	show sh -c "cd /sys/fs/cgroup/$G && grep . memory.max cpu.max pids.max"
else
	show sh -c "grep . /sys/fs/cgroup/memory/$G/memory.limit_in_bytes /sys/fs/cgroup/cpu/$G/cpu.cfs_*_us /sys/fs/cgroup/pids/$G/pids.max"
fi
say "   (the article writes 50000000: that is 47.7 MiB; 50M here is 50 MiB)"

say ""
say "3. cgexec: a program that touches 20 MiB runs; one that touches 100 MiB"
say "   is killed by the kernel's OOM killer inside the group, nowhere else:"
show "$M" exec -g memory:"$G" -- kit-hog mem 20
show sh -c "mini-cgroup exec -g memory:$G -- kit-hog mem 100; echo exit status \$?"
say "   137 = 128 + 9: SIGKILL, sent by the OOM killer"

say ""
say "4. cpu=0.2: a busy loop gets 20 ms of every 100 ms period, so two"
say "   seconds of wall time buy about 0.4 s of CPU:"
show bash -c "TIMEFORMAT='wall %R s, CPU %U s'; time mini-cgroup exec -g cpu:$G -- kit-hog cpu 2"

say ""
say "5. pids=16: a fork bomb gets 15 children (it is the 16th) and then EAGAIN:"
show "$M" exec -g pids:"$G" -- kit-hog forkbomb 1000 1

say ""
say "6. What the group used, and how often each limit bit:"
show "$M" stat "$G"

say ""
say "7. cgclassify: move a running process in; /proc/PID/cgroup shows it:"
sleep 60 &
bg=$!
disown "$bg" # killed below on purpose: no "Killed" notice from bash
show "$M" classify -g memory,pids:"$G" "$bg"
show grep "$G" "/proc/$bg/cgroup"

say ""
say "8. cgdelete: the kernel refuses to remove a group that still has"
say "   processes; --force kills them first:"
show "$M" delete "$G" || say "   (refused, as it should be)"
show "$M" --verbose delete --force "$G"
bg=""
show sh -c "ls -d /sys/fs/cgroup/$G /sys/fs/cgroup/*/$G 2>/dev/null || echo 'no $G anywhere'"
say ""
say "Next: chapters/03-cgroups/README.md maps each step to the code, and"
say "'make grade LAB=03' grades your own version (labs/03-cgroups)."
