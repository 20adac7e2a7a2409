#!/usr/bin/env bash
# chapters/06-runc/demo.sh - article §3.1 低级容器运行时, told with
# mini-runc: an OCI bundle through runc's command line.  Run by `make demo`
# (after `make images`); safe to run alone after `make && make images`.
# Leaves nothing behind.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"

title "Chapter 06: a low-level runtime, runc's command line (article §3.1)"
say "containerd and dockerd never start a container themselves.  They write"
say "a bundle -- a root filesystem and a config.json -- and call a low-level"
say "runtime: the article's 'runc run runc-container'.  mini-runc is one."
need root

image=""
for d in "$KIT_BIN/../images" "$KIT_ROOT/build/images"; do
	[ -f "$d/busybox/rootfs.stamp" ] && image=$(cd "$d/busybox/rootfs" && pwd) && break
done
if [ -z "$image" ]; then
	say "(skipping the rest of this demo: no busybox image: run 'make images')"
	exit 0
fi
work=$(mktemp -d /tmp/kit-demo06.XXXXXX)
state=$work/state
cleanup() {
	"$KIT_BIN/mini-runc" --root "$state" delete --force demo >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir -p "$work/bundle"
cp -a "$image" "$work/bundle/rootfs"
cd "$work/bundle"
runc() { "$KIT_BIN/mini-runc" --root "$state" "$@"; }

# A command that leaves the container behind gets files for its stdio:
# the container keeps what it was given (containerd gives it fifos).
detached() {
	printf '%s$ mini-runc %s%s\n' "$_c" "$*" "$_r"
	runc "$@" </dev/null >"$work/container.out" 2>&1
}

say ""
say "1. A bundle: rootfs/ and the default config.json runc writes."
show "$KIT_BIN/mini-runc" spec
jq '.process.terminal=false | .hostname="demo" | .process.args=["sh","-c","echo hello from $(hostname), pid $$; sleep 30"]' \
	config.json >c.json && mv c.json config.json
show jq -c '.linux.namespaces, .process.capabilities.bounding' config.json

say ""
say "2. create does everything but run the program: namespaces, cgroup,"
say "   mounts, pivot_root.  Its init then waits on a fifo."
detached create --bundle "$work/bundle" demo
show runc state demo
show ls "$state/demo"
show cat "$work/container.out"
say "   (nothing yet: the program has not run)"

say ""
say "3. start writes one byte into the fifo; the init execs the program."
show runc start demo
sleep 0.3
show runc state demo
show cat "$work/container.out"
show runc ps demo

say ""
say "4. exec joins the running container's namespaces and cgroup:"
show runc exec demo sh -c 'hostname; ps'

say ""
say "   Limits are files in its cgroup: update changes them while it runs"
say "   (docker update goes this way), events reads what it uses."
show runc update --memory 64M --pids-limit 20 demo
filter='.data | {memory: .memory.usage, pids}'
printf "%s\$ mini-runc events --stats demo | jq -c '%s'%s\n" "$_c" "$filter" "$_r"
runc events --stats demo | jq -c "$filter" | sed 's/^/    /'

say ""
say "5. Its PID 1 ignores SIGTERM (no handler); KILL ends it.  delete then"
say "   removes the cgroup and the state directory."
show runc kill demo KILL
sleep 0.2
show runc state demo
show runc delete demo
show runc list

say ""
say "6. run = create + start + wait + delete; the status comes through:"
jq '.process.args=["sh","-c","echo run: $(id -u) in $(pwd); exit 3"]' config.json >c.json && mv c.json config.json
show runc run demo </dev/null || say "   (exit status $?)"

say ""
say "7. A bad config.json: the JSON path in the message, nothing left behind."
jq '.linux.namespaces += [{"type":"foo"}]' config.json >c.json && mv c.json config.json
show runc create demo </dev/null || true
show runc list -q
