# shellcheck shell=bash
#
# tests/lib/peers.bash: real containerd and dockerd, started privately for
# one test file and taken down completely after it.
#
# The e2e stories of chapter 06 (tests/e2e/06-runc-*.bats) prove that the
# real high-level runtimes can drive mini-runc (article §3.1 and §3.2: the
# shim calls the low-level runtime's command line).  Nothing here touches the
# host's own containerd or dockerd: every daemon gets its own root, state,
# socket and pid file below one folder /tmp/kit-peers.XXXXXX, its own
# containerd namespace and its own cgroups (/kit-e2e06*), and
# peers_teardown stops them, unmounts what they mounted, removes their
# cgroups and the folder.  tools/run-tests checks that nothing is left.
#
#   load ../lib/peers                 # after ../chapters/helpers
#   setup_file() {
#       PEERS_SKIP=$(peers_missing root containerd image); export PEERS_SKIP
#       [ -n "$PEERS_SKIP" ] && return 0
#       peers_setup; containerd_start; ctr_ images import "$(find_oci_image)"
#   }
#   teardown_file() { peers_teardown; }
#   setup() { [ -z "$PEERS_SKIP" ] || skip "$PEERS_SKIP"; require_mini_runc; }
#
# The runtime under test is ${MINI_RUNC:-$KIT_BIN/mini-runc}: run the stories
# with MINI_RUNC=$(command -v runc) to prove the harness itself.  The daemons
# call it through a logging wrapper, $PEERS/bin/runtime, which appends every
# command line it is given to $PEERS/calls.log: peers_calls prints them, so
# a failing test shows what containerd's shim or dockerd asked for.
#
# Skips, with the reason and the package to install: peers_missing /
# require_peers.  A missing mini-runc is a failure, not a skip (the build
# is broken, not the host).

# shellcheck source=require.bash source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/require.bash"

: "${MINI_RUNC:=${KIT_BIN:-}/mini-runc}"
export MINI_RUNC

# peers_missing WHAT... - why this host cannot run WHAT (root, containerd,
# dockerd, image, rootfs), on stdout; nothing when it can.  For setup_file,
# which cannot skip (bats 1.8): it keeps the reason, setup() skips with it.
peers_missing() {
	local w t
	for w in "$@"; do
		case $w in
		root) probe_root || {
			echo "$PROBE_REASON"
			return
		} ;;
		containerd | dockerd)
			for t in containerd ctr containerd-shim-runc-v2; do
				command -v "$t" >/dev/null ||
					{ echo "no $t on this host: apt-get install containerd"; return; }
			done
			if [ "$w" = dockerd ] && ! { command -v dockerd >/dev/null && [ -x /usr/bin/docker ]; }; then
				echo "no dockerd or /usr/bin/docker (the 20.10 CLI): apt-get install docker.io"
				return
			fi
			;;
		runc) command -v runc >/dev/null ||
			{ echo "no runc on this host (the reference runtime): apt-get install runc"; return; } ;;
		image) find_oci_image >/dev/null ||
			{ echo "no build/images/busybox-oci.tar: run 'make images'"; return; } ;;
		rootfs) find_busybox_rootfs >/dev/null ||
			{ echo "no build/images/busybox/rootfs: run 'make images'"; return; } ;;
		*) echo "peers_missing: unknown requirement '$w'"; return ;;
		esac
	done
}

# require_peers WHAT... - skip the test when peers_missing has a reason.
require_peers() {
	local why
	why=$(peers_missing "$@")
	[ -z "$why" ] || skip "$why"
}

# image_dirs - where `make images` put its output, most specific first.
image_dirs() {
	[ -n "${KIT_IMAGES:-}" ] && echo "$KIT_IMAGES"
	[ -n "${KIT_BIN:-}" ] && echo "$KIT_BIN/../images"
	echo "$KIT_ROOT/build/images"
}

# find_oci_image - the busybox image tarball (vm-images/oci-image.py).
find_oci_image() {
	local d
	while read -r d; do
		[ -f "$d/busybox-oci.tar" ] && { (cd "$d" && echo "$PWD/busybox-oci.tar"); return 0; }
	done < <(image_dirs)
	return 1
}

# find_busybox_rootfs - chapter 04's busybox root folder.
find_busybox_rootfs() {
	local d
	while read -r d; do
		[ -f "$d/busybox/rootfs.stamp" ] && { (cd "$d/busybox/rootfs" && pwd); return 0; }
	done < <(image_dirs)
	return 1
}

# require_mini_runc - the runtime under test must exist: fail, not skip.
require_mini_runc() {
	if [ ! -x "$MINI_RUNC" ]; then
		echo "no runtime to test at $MINI_RUNC: build it (make) or set MINI_RUNC" >&2
		return 1
	fi
}

# peers_setup - the private folder and the logging wrapper around the
# runtime under test.  Call from setup_file.
peers_setup() {
	PEERS=$(mktemp -d /tmp/kit-peers.XXXXXX)
	chmod 711 "$PEERS"
	mkdir -p "$PEERS/bin"
	# The wrapper keeps its PID (exec), so the shim's pid bookkeeping and
	# the runtime's --pid-file see the real runtime.  flock: several shims
	# may call the runtime at once.
	cat >"$PEERS/bin/runtime" <<EOF
#!/bin/bash
{
	flock 9
	printf '%s %s' "\$(date +%s.%N | cut -c1-14)" "\$(cat /proc/\$PPID/comm 2>/dev/null)" >&9
	printf ' %q' "\$@" >&9
	echo >&9
} 9>>"$PEERS/calls.log"
exec "$MINI_RUNC" "\$@"
EOF
	chmod 755 "$PEERS/bin/runtime"
	# The same wrapper under the name runc, for a containerd that finds
	# "runc" on its PATH (the shim's default BinaryName).
	ln -s runtime "$PEERS/bin/runc"
	: >"$PEERS/calls.log"
	export PEERS
}

# peers_calls - the runtime command lines the daemons made, one a line.
peers_calls() {
	[ -n "${PEERS:-}" ] && cat "$PEERS/calls.log"
}

# calls_mark - the runtime calls from now on are this test's (call from
# setup); calls - those calls; calls_show WHO - them as TAP comments, which
# bats prints when the test fails (call from teardown).
calls_mark() {
	CALLS_FROM=$(($(wc -l <"$PEERS/calls.log") + 1))
}

calls() {
	tail -n "+$CALLS_FROM" "$PEERS/calls.log"
}

calls_show() {
	echo "# runtime calls made by $1:"
	calls | sed -e "s|$PEERS|\$PEERS|g" -e 's/^/#   /'
}

# ---- containerd -------------------------------------------------------------

# containerd_start [PATH_FIRST] - a private containerd on $PEERS/containerd.
# With PATH_FIRST, that folder goes first on containerd's PATH (and so the
# shim's): `runc` there is what the shim runs when no BinaryName is given.
# Sets CTR_ADDRESS; ctr_ runs ctr against it in namespace kit-e2e06.
containerd_start() {
	local dir=$PEERS/containerd
	mkdir -p "$dir"
	# A minimal configuration: no CRI plugin (it would want CNI and a
	# sandbox image), no /opt plugin (it writes to /opt/containerd), no
	# metrics or debug listeners, everything below $dir.
	cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
	PATH="${1:+$1:}$PATH" containerd --config "$dir/config.toml" \
		--log-level info >"$dir/containerd.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	CTR_ADDRESS=$dir/containerd.sock
	export CTR_ADDRESS
	local _
	for _ in $(seq 100); do
		ctr --address "$CTR_ADDRESS" version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "containerd did not come up; its log:" >&2
	tail -20 "$dir/containerd.log" >&2
	return 1
}

# ctr_ ARGS... - ctr on the private containerd, namespace kit-e2e06.  At
# most 60 s: a runtime that hangs must fail the test, not the whole run.
ctr_() {
	timeout 60 ctr --address "$CTR_ADDRESS" --namespace kit-e2e06 "$@"
}

# ctr_run ARGS... - ctr run with the fifos and the runtime's state kept in
# the private folder (ctr's defaults are /run/containerd/fifo and
# /run/containerd/runc/NAMESPACE).
ctr_run() {
	ctr_ run --fifo-dir "$PEERS/fifo" --runc-root "$PEERS/runc" "$@"
}

# containerd_stop - kill what runs, delete containers, stop the daemon and
# the shims it started.
containerd_stop() {
	local dir=$PEERS/containerd pid
	[ -f "$dir/pid" ] || return 0
	if ctr --address "$CTR_ADDRESS" version >/dev/null 2>&1; then
		local c
		for c in $(ctr_ task ls -q 2>/dev/null); do
			ctr_ task kill -s SIGKILL "$c" >/dev/null 2>&1 || true
		done
		sleep 0.2
		for c in $(ctr_ task ls -q 2>/dev/null); do
			ctr_ task delete -f "$c" >/dev/null 2>&1 || true
		done
		for c in $(ctr_ container ls -q 2>/dev/null); do
			ctr_ container delete "$c" >/dev/null 2>&1 || true
		done
	fi
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || true
	wait_gone "$pid"
	# Shims outlive containerd by design (they hold the containers); ours
	# are the ones whose -address is our socket.
	kill_matching "containerd-shim.* -address $dir/"
	rm -f "$dir/pid"
}

# ---- dockerd ----------------------------------------------------------------

# dockerd_start - a private dockerd on the private containerd (started
# here if it is not running yet: dockerd's own supervised containerd would
# load the /opt plugin, which writes /opt/containerd), bridge off, no
# iptables, mini-runc added as the runtime "mini" through the logging
# wrapper.  Sets DOCKER_HOST; docker_ runs the 20.10 CLI against it.
dockerd_start() {
	local dir=$PEERS/docker
	[ -f "$PEERS/containerd/pid" ] || containerd_start "" || return 1
	mkdir -p "$dir/data" "$dir/exec"
	# deprecated-key-path (a daemon.json key only) keeps dockerd 20.10's
	# trust key out of /etc/docker/key.json.
	echo "{\"deprecated-key-path\": \"$dir/key.json\"}" >"$dir/daemon.json"
	# --exec-root stays short: Unix socket paths have 108 bytes.
	dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" \
		--exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
		-H "unix://$dir/docker.sock" --containerd "$CTR_ADDRESS" \
		--containerd-namespace kit-e2e06-moby \
		--containerd-plugins-namespace kit-e2e06-plugins \
		--bridge=none --iptables=false --ip-masq=false --ip-forward=false \
		--userland-proxy=false --storage-driver=overlay2 \
		--cgroup-parent=/kit-e2e06-docker \
		--exec-opt native.cgroupdriver=cgroupfs \
		--add-runtime "mini=$PEERS/bin/runtime" \
		>"$dir/dockerd.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	DOCKER_HOST=unix://$dir/docker.sock
	export DOCKER_HOST
	local _
	for _ in $(seq 200); do
		docker_ version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "dockerd did not come up; its log:" >&2
	tail -20 "$dir/dockerd.log" >&2
	return 1
}

# docker_ ARGS... - the docker CLI that matches dockerd 20.10's API, for
# at most 60 s.
docker_() {
	timeout 60 /usr/bin/docker -H "$DOCKER_HOST" "$@"
}

dockerd_stop() {
	local dir=$PEERS/docker pid c
	[ -f "$dir/pid" ] || return 0
	if docker_ version >/dev/null 2>&1; then
		for c in $(docker_ ps -aq 2>/dev/null); do
			docker_ rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || true
	wait_gone "$pid" 200
	rm -f "$dir/pid"
}

# ---- teardown ---------------------------------------------------------------

# wait_gone PID [TENTHS] - wait for PID to exit; SIGKILL after TENTHS/10 s.
wait_gone() {
	local _
	for _ in $(seq "${2:-100}"); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	sleep 0.1
}

# kill_matching REGEX - SIGKILL the processes whose command line matches,
# by PID (never by name alone: other people's daemons run here too).
kill_matching() {
	local p
	for p in $(pgrep -f -- "$1"); do
		kill -KILL "$p" 2>/dev/null || true
	done
}

# peers_teardown - stop both daemons, then remove every trace: processes
# started from the folder, mounts below it (overlay snapshots, netns
# files, shm), the cgroups the runtimes made, the folder.  Call from
# teardown_file; safe to call twice.
peers_teardown() {
	[ -n "${PEERS:-}" ] && [ -d "$PEERS" ] || return 0
	dockerd_stop
	containerd_stop
	# KIT_RUNTIME_CALLS=FILE: keep the runtime calls (tests/e2e/README.md
	# was written from them).
	if [ -n "${KIT_RUNTIME_CALLS:-}" ]; then
		sed "s|$PEERS|\$PEERS|g" "$PEERS/calls.log" >>"$KIT_RUNTIME_CALLS"
	fi
	# The containers themselves, should a shim have died before them.
	local p
	for p in $(grep -l -s -- "$PEERS" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null || true
	done
	unmount_below "$PEERS"
	remove_cgroups 'kit-e2e06*'
	rm -rf "$PEERS"
	# What the daemons make outside their roots whatever they are told:
	# the shims' socket folder, dockerd's plugin folder.  rmdir only, so
	# that a host daemon's files are never touched.
	rmdir /run/containerd/s /run/containerd /run/docker/plugins /run/docker 2>/dev/null || true
	unset PEERS
	return 0
}

# unmount_below DIR - innermost first, lazily as a last resort.
unmount_below() {
	local m
	awk -v t="$1/" 'index($5 "/", t) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
}

# remove_cgroups GLOB - rmdir every cgroup named GLOB, children first.  At
# the top of each hierarchy, and below: a relative cgroupsPath lands below
# the cgroup the runtime runs in (on this host /process_api/SESSION).
remove_cgroups() {
	local top
	find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -name "$1" -prune 2>/dev/null |
		while read -r top; do
			find "$top" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
}
