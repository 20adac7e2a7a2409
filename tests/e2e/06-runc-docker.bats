#!/usr/bin/env bats
# tests/e2e/06-runc-docker.bats - real dockerd (Debian's docker.io 20.10)
# runs containers through mini-runc, added as a runtime with
# `--add-runtime mini=PATH`.  Article §3.1 (the low-level runtime) and §5
# (Docker's engine on top of containerd).
#
# The chain: /usr/bin/docker (the 20.10 CLI; the v28 one in /usr/local/bin
# speaks a newer API than this dockerd) -> dockerd -> containerd (the
# private one of tests/lib/peers.bash) -> containerd-shim-runc-v2, told
# BinaryName=mini-runc and Root=<exec-root>/runtime-runc/<namespace> by
# dockerd in the runc options of every task -> mini-runc -> the container.
# dockerd writes a config.json far richer than ctr's (seccomp profile,
# masked and read-only paths, 14 capabilities, /etc/hosts and resolv.conf
# bind mounts, a cgroup parent) so these stories test more of mini-runc.
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/06-runc-docker.bats
#   MINI_RUNC=$(command -v runc) bats tests/e2e/06-runc-docker.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load ../lib/peers

setup_file() {
	PEERS_SKIP=$(peers_missing root dockerd image)
	export PEERS_SKIP
	[ -z "$PEERS_SKIP" ] || return 0
	peers_setup
	dockerd_start
	docker_ load -i "$(find_oci_image)" >/dev/null
}

teardown_file() {
	peers_teardown
}

setup() {
	[ -z "$PEERS_SKIP" ] || skip "$PEERS_SKIP"
	require_mini_runc
	NAME=d$BATS_TEST_NUMBER
	calls_mark
}

teardown() {
	[ -n "${PEERS:-}" ] || return 0
	calls_show "dockerd's shim"
	docker_ rm -f "$NAME" >/dev/null 2>&1 || true
}

# called VERB - the runtime got VERB (create, start, exec ...).
called() {
	calls | grep -E -- " $1 " >/dev/null || {
		echo "dockerd's shim never called the runtime's '$1'" >&2
		return 1
	}
}

# wait_running - docker says the container NAME runs (5 s at most).
wait_running() {
	local i
	for i in $(seq 50); do
		[ "$(docker_ inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	docker_ ps -a >&2
	return 1
}

@test "[2 pts] docker run --rm --runtime mini busybox echo hi" {
	run --separate-stderr docker_ run --rm --runtime mini busybox echo hi
	echo "# its stderr: $stderr"
	assert_success
	assert_output hi
	called create
	called start
	called delete
}

@test "[1 pt] docker run: exit statuses pass through (0, 1, 5)" {
	run docker_ run --rm --runtime mini busybox true
	assert_success
	run docker_ run --rm --runtime mini busybox false
	assert_failure 1
	run docker_ run --rm --runtime mini busybox sh -c 'exit 5'
	assert_failure 5
}

@test "[2 pts] docker run -d, docker exec (output, exit status), docker top" {
	docker_ run -d --name "$NAME" --runtime mini busybox sleep 300
	wait_running
	run --separate-stderr docker_ exec "$NAME" sh -c 'echo exec in $(hostname); tr "\0" " " </proc/1/cmdline'
	echo "# its stderr: $stderr"
	assert_success
	assert_line --index 0 "exec in $(docker_ inspect -f '{{.Config.Hostname}}' "$NAME")"
	assert_line --index 1 --partial "sleep 300"
	run docker_ exec "$NAME" sh -c 'exit 4'
	assert_failure 4
	called exec
	run docker_ top "$NAME"
	assert_success
	assert_output --partial "sleep 300"
}

@test "[2 pts] docker stop: SIGTERM to a shell that traps it (143), SIGKILL after the grace time (137)" {
	docker_ run -d --name "$NAME" --runtime mini busybox \
		sh -c 'trap "exit 143" TERM; while :; do sleep 0.1; done'
	wait_running
	docker_ stop -t 5 "$NAME"
	run docker_ inspect -f '{{.State.ExitCode}}' "$NAME"
	assert_output 143
	docker_ rm "$NAME"
	# sleep as PID 1 has no handler: the kernel drops SIGTERM for init.
	docker_ run -d --name "$NAME" --runtime mini busybox sleep 300
	wait_running
	docker_ stop -t 1 "$NAME"
	run docker_ inspect -f '{{.State.ExitCode}}' "$NAME"
	assert_output 137
	called kill
}

@test "[2 pts] docker's config.json: user, workdir, env, hostname, read-only root, dropped capabilities" {
	run --separate-stderr docker_ run --rm --runtime mini --user 65534:65534 \
		--group-add 5 --workdir /tmp --env FOO=bar --hostname kit-box \
		--read-only --cap-drop ALL busybox \
		sh -c 'id; pwd; echo $FOO; hostname; touch /x 2>&1; grep CapEff /proc/self/status'
	echo "# its stderr: $stderr"
	assert_success
	assert_line --index 0 "uid=65534(nobody) gid=65534(nogroup) groups=5(tty),65534(nogroup)"
	assert_line --index 1 /tmp
	assert_line --index 2 bar
	assert_line --index 3 kit-box
	assert_line --index 4 --partial "Read-only file system"
	assert_line --index 5 --regexp "^CapEff:[[:space:]]+0000000000000000$"
}

@test "[1 pt] docker's seccomp profile and masked paths are applied" {
	# The default profile refuses unshare(2) without CAP_SYS_ADMIN.  A
	# masked file reads empty (/dev/null bound on it), a masked folder
	# lists nothing (an empty read-only tmpfs): the first of docker's
	# masked paths this kernel has (here /proc/keys and /proc/acpi; no
	# /proc/kcore).
	local file dir p
	for p in /proc/kcore /proc/keys /proc/timer_list; do
		[ -f "$p" ] && file=$p && break
	done
	for p in /proc/acpi /proc/scsi /sys/firmware; do
		[ -d "$p" ] && dir=$p && break
	done
	[ -n "${file:-}" ] && [ -n "${dir:-}" ] || skip "none of docker's masked paths exists on this kernel"
	run --separate-stderr docker_ run --rm --runtime mini busybox \
		sh -c "grep Seccomp: /proc/self/status; wc -c <$file; ls -A $dir | wc -l; unshare -U true 2>&1 || echo refused"
	echo "# its stderr: $stderr"
	assert_success
	assert_line --index 0 --regexp "^Seccomp:[[:space:]]+2$"
	assert_line --index 1 0
	assert_line --index 2 0
	assert_line --index 3 --partial "Operation not permitted"
}

@test "[1 pt] docker inspect and docker ps report the runtime mini" {
	docker_ run -d --name "$NAME" --runtime mini busybox sleep 300
	wait_running
	run docker_ inspect -f '{{.HostConfig.Runtime}}' "$NAME"
	assert_output mini
	run docker_ ps --filter "name=$NAME" --format '{{.Names}} {{.Status}}'
	assert_output --regexp "^$NAME Up "
}

@test "[1 pt] docker run -t and docker exec -t: a terminal through --console-socket" {
	# dockerd asks for process.terminal; the shim passes --console-socket
	# and expects the pty master back over it (SCM_RIGHTS).
	run --separate-stderr docker_ run -t --rm --runtime mini busybox sh -c 'tty; stty size'
	echo "# its stderr: $stderr"
	assert_success
	assert_line --index 0 --regexp $'^/dev/pts/[0-9]+\r?$'
	calls | grep -q -- "create --bundle .* --console-socket " || {
		echo "no --console-socket in the create call" >&2
		return 1
	}
	docker_ run -d --name "$NAME" --runtime mini busybox sleep 300
	wait_running
	run --separate-stderr docker_ exec -t "$NAME" tty
	echo "# its stderr: $stderr"
	assert_success
	assert_output --regexp $'^/dev/pts/[0-9]+\r?$'
}

@test "[2 pts] docker run --memory --pids-limit --cpus: linux.resources reach the container's cgroups (seen from the host)" {
	docker_ run -d --name "$NAME" --runtime mini --memory 48m --pids-limit 20 \
		--cpus 0.5 busybox sleep 300
	wait_running
	local id pid
	id=$(docker_ inspect -f '{{.Id}}' "$NAME")
	pid=$(docker_ inspect -f '{{.State.Pid}}' "$NAME")
	# cgroupfs driver, --cgroup-parent=/kit-e2e06-docker: cgroupsPath is
	# /kit-e2e06-docker/ID, in every hierarchy (v1) or in the one tree (v2).
	local m p c
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		m=/sys/fs/cgroup/kit-e2e06-docker/$id p=$m c=$m
		run cat "$m/memory.max" "$m/pids.max" "$m/cpu.max"
		assert_output $'50331648\n20\n50000 100000'
	else
		m=/sys/fs/cgroup/memory/kit-e2e06-docker/$id
		p=/sys/fs/cgroup/pids/kit-e2e06-docker/$id
		c=/sys/fs/cgroup/cpu/kit-e2e06-docker/$id
		run cat "$m/memory.limit_in_bytes" "$p/pids.max" "$c/cpu.cfs_quota_us"
		assert_output $'50331648\n20\n50000'
	fi
	# The container's init is in them.
	run grep -c "^$pid\$" "$m/cgroup.procs"
	assert_output 1
	docker_ rm -f "$NAME" >/dev/null
	# The runtime's delete removed them.
	[ ! -d "$m" ] || { echo "$m is still there after docker rm" >&2; return 1; }
}

@test "[1 pt] docker update --memory --pids-limit --cpus: the shim calls the runtime's update, the running container's cgroup changes" {
	docker_ run -d --name "$NAME" --runtime mini --memory 48m --memory-swap 96m \
		--pids-limit 20 busybox sleep 300
	wait_running
	run -0 docker_ update --memory 80m --memory-swap 160m --pids-limit 30 --cpus 0.25 "$NAME"
	called update
	local id
	id=$(docker_ inspect -f '{{.Id}}' "$NAME")
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		local g=/sys/fs/cgroup/kit-e2e06-docker/$id
		run cat "$g/memory.max" "$g/pids.max" "$g/cpu.max"
		assert_output $'83886080\n30\n25000 100000'
	else
		run cat /sys/fs/cgroup/memory/kit-e2e06-docker/$id/memory.limit_in_bytes \
			/sys/fs/cgroup/pids/kit-e2e06-docker/$id/pids.max \
			/sys/fs/cgroup/cpu/kit-e2e06-docker/$id/cpu.cfs_quota_us
		assert_output $'83886080\n30\n25000'
	fi
	# The shim's way: linux.resources as JSON on the runtime's stdin.
	calls | grep -E -- " update --resources(=| )- $id\$" >/dev/null
	# Still the same process, still running: no restart.
	[ "$(docker_ inspect -f '{{.State.Running}} {{.RestartCount}}' "$NAME")" = "true 0" ]
}
