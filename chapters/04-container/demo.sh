#!/usr/bin/env bash
# chapters/04-container/demo.sh - article §2.4 Cgroups with Namespace, told
# with mini-container.  Run by `make demo` (after `make images`); safe to run
# alone after `make && make images`.  Leaves nothing behind.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
MC=$KIT_BIN/mini-container

title "Chapter 04: a container = cgroup + namespaces + a root (article §2.4)"
say "The article builds a container by hand with one line:"
say ""
say "  sudo cgexec -g cpu,memory:my-process unshare -uinpUrf --mount-proc \\"
say "       sh -c \"/bin/hostname my-process && chroot DIR /bin/sh\""
say ""
say "mini-container does the same as one program, in a real root filesystem:"
say "busybox from Debian's busybox-static package (make images)."
need root

image=""
for d in "$KIT_BIN/../images" "$KIT_ROOT/build/images"; do
	[ -f "$d/busybox/rootfs.stamp" ] && image=$(cd "$d/busybox/rootfs" && pwd) && break
done
if [ -z "$image" ]; then
	say "(skipping the rest of this demo: no busybox image: run 'make images')"
	exit 0
fi
work=$(mktemp -d /tmp/kit-demo04.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp -a "$image" "$work/rootfs"
cp "$KIT_BIN/chroot-escape" "$work/rootfs/bin/"
R=$work/rootfs

say ""
say "1. Inside a container with limits: its own hostname, its own PIDs (our"
say "   small init is PID 1, the command PID 2), root, and a cgroup of its own:"
show "$MC" run --rootfs "$R" --name my-process --memory 50M --cpus 0.5 --pids 64 -- \
	sh -c 'hostname; ps; id; cat /proc/self/cgroup'
say "   The cgroup lines read /kit/my-process for memory, cpu and pids:"
say "   the command was in the cgroup before its first instruction."

say ""
say "2. --verbose shows the steps, parent (host) and child (container) mixed:"
show "$MC" run --verbose --rootfs "$R" --name my-process --memory 50M -- true

say ""
say "3. The cgroup is the ceiling: a program that wants 64 MiB under a 20M"
say "   limit is killed by the kernel (exit 137 = 128 + SIGKILL):"
show "$MC" run --rootfs "$R" --memory 20M -- dd if=/dev/zero of=/dev/null bs=64M count=1 ||
	say "   (exit status $?)"

say ""
say "4. The root: the container sees only the image, mounted over with its own"
say "   /proc, /dev and /sys:"
show "$MC" run --rootfs "$R" -- sh -c 'ls /; ls /dev; cut -d" " -f5,8 /proc/self/mountinfo'

say ""
say "5. Why pivot_root and not the article's chroot.  A file on the host:"
echo "a secret of the host" >"$work/host-secret"
show cat "$work/host-secret"
say "   chroot-escape (in the image's /bin) does the classic escape as root:"
say "   mkdir x; chroot x; cd .. (many times); chroot .  In chroot mode the"
say "   host's tree is still mounted in the container's namespace:"
show "$MC" run --rootfs "$R" --root-mode chroot -- chroot-escape "$work/host-secret" ||
	say "   (exit status $?)"
say "   In pivot mode (the default) the old root was unmounted after"
say "   pivot_root: the climb ends at the container's own root."
show "$MC" run --rootfs "$R" -- chroot-escape "$work/host-secret" ||
	say "   (exit status $?: nothing to escape to)"

say ""
say "6. Ctrl-C, exit codes and stdin pass through, as with any program:"
show sh -c "echo 'piped in' | '$MC' run --rootfs '$R' -- tr a-z A-Z"
show "$MC" run --rootfs "$R" -- sh -c 'exit 7' || say "   (exit status $?)"

say ""
say "Next: chapters/04-container/README.md maps each step to the code, and"
say "'make grade LAB=04' grades your own version (labs/04-container)."
