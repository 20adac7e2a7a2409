#!/usr/bin/env bats
# tests/chapters/06-runc.bats - chapter 06 (article §3.1 低级容器运行时):
# mini-runc, an OCI runtime with runc's command line, runs OCI bundles
# made from the busybox root.  These tests are also lab 06's grader: a
# name starting "[lab 06.N, P pts]" grades TODO 06.N (see
# labs/06-runc/README.md).  The real containerd/dockerd stories are in
# tests/e2e/06-*.bats.

bats_require_minimum_version 1.5.0
load helpers

busybox_image() {
	local d
	for d in ${KIT_IMAGES:+"$KIT_IMAGES"} "$KIT_BIN/../images" "$KIT_ROOT/build/images"; do
		if [ -f "$d/busybox/rootfs.stamp" ]; then
			echo "$d/busybox/rootfs"
			return
		fi
	done
	"$KIT_ROOT/vm-images/busybox-rootfs.sh" "$KIT_ROOT/build/images/busybox" >&2
	echo "$KIT_ROOT/build/images/busybox/rootfs"
}

setup_file() {
	WORK=$(mktemp -d /tmp/kit-rc.XXXXXX)
	chmod 755 "$WORK"
	cp -a "$(busybox_image)" "$WORK/rootfs"
	# The console socket's other end: receives the pty master
	# (SCM_RIGHTS), prints what the container writes to it.
	cat >"$WORK/console.py" <<'EOF'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[2], "w").close()  # listening: the test may go on
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_LEN(fds.itemsize))
fds.frombytes(anc[0][2][:fds.itemsize])
print("pty:", msg.decode(), flush=True)
out = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
EOF
	export WORK
}

teardown_file() {
	rm -rf "$WORK"
}

setup() {
	require_root
	RUNC_BIN=$KIT_BIN/mini-runc
	STATE=$WORK/state
	ID=kit-t$BATS_TEST_NUMBER
	B=$WORK/b$BATS_TEST_NUMBER
	HOSTDIR=$(mktemp -d /tmp/kit-rchost.XXXXXX)
}

runc() { "$RUNC_BIN" --root "$STATE" "$@"; }

# detached ARGS... - a command that leaves the container's process behind
# (create, run -d, exec -d): that process keeps the stdio it was given, so
# it gets files, not the pipe bats's `run` reads to its end.
detached() { runc "$@" </dev/null >"$HOSTDIR/detached.out" 2>&1; }

# The cgroup directories of a container still there (none: nothing printed).
groups_left() {
	ls -d /sys/fs/cgroup/mini-runc/"$1" /sys/fs/cgroup/*/mini-runc/"$1" \
		/sys/fs/cgroup/kit-rc/"$1" /sys/fs/cgroup/*/kit-rc/"$1" 2>/dev/null || true
}

teardown() {
	local id left=""
	# Containers a test leaves running are deleted here; what delete
	# leaves behind (processes, cgroups) fails the test.
	for id in $(ls "$STATE" 2>/dev/null); do
		"$RUNC_BIN" --root "$STATE" delete --force "$id" >/dev/null 2>&1 ||
			left="$left state:$id"
	done
	rm -rf "$HOSTDIR" "$B" "$B-2"
	no_processes_left "$RUNC_BIN"
	for id in $ID $ID-2; do
		if [ -n "$(groups_left "$id")" ]; then
			left="$left cgroup:$id"
			rmdir $(groups_left "$id") 2>/dev/null || true
		fi
	done
	rmdir /sys/fs/cgroup/*/kit-rc /sys/fs/cgroup/kit-rc 2>/dev/null || true
	if [ -n "$left" ]; then
		echo "left behind:$left" >&2
		return 1
	fi
}

# bundle [JQ-FILTER] - $B/config.json from `mini-runc spec`, rootfs shared,
# no terminal, then the filter applied (e.g. '.process.args=["true"]').
bundle() {
	mkdir -p "$B"
	rm -f "$B/config.json"
	(cd "$B" && "$RUNC_BIN" spec)
	jq --arg root "$WORK/rootfs" --arg host "$HOSTDIR" --arg id "$ID" \
		".root.path=\$root | .root.readonly=false | .process.terminal=false | ${1:-.}" \
		"$B/config.json" >"$B/c.json"
	mv "$B/c.json" "$B/config.json"
}

# run_in FILTER SCRIPT - bundle with the filter, run `sh -c SCRIPT` in it.
run_in() {
	bundle "$1"
	jq --arg s "$2" '.process.args=["sh","-c",$s]' "$B/config.json" >"$B/c.json"
	mv "$B/c.json" "$B/config.json"
	run runc run --bundle "$B" "$ID" </dev/null
}

# ---- lifecycle ------------------------------------------------------------

@test "[lab 06.2, 3 pts] create leaves the process set up and waiting: created, not run" {
	bundle '.mounts += [{"destination":"/host","type":"bind","source":$host,"options":["rbind"]}] | .process.args=["sh","-c","echo ran >/host/ran"]'
	run -0 detached create --bundle "$B" --pid-file "$HOSTDIR/pid" "$ID" </dev/null
	run -0 runc state "$ID"
	assert_equal "$(jq -r .status <<<"$output")" created
	pid=$(jq -r .pid <<<"$output")
	assert_equal "$(cat "$HOSTDIR/pid")" "$pid"
	[ -d "/proc/$pid" ]
	# it is in its namespaces already, but has not run its command
	[ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]
	assert_file_not_exists "$HOSTDIR/ran"
	run -0 runc delete "$ID"
	[ ! -d "/proc/$pid" ] || ! grep -q mini-runc "/proc/$pid/cmdline"
}

@test "[lab 06.1, 3 pts] start lets the created process run; the state follows" {
	bundle '.mounts += [{"destination":"/host","type":"bind","source":$host,"options":["rbind"]}] | .process.args=["sh","-c","echo ran >/host/ran; sleep 100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -0 runc start "$ID"
	for _ in $(seq 50); do [ -e "$HOSTDIR/ran" ] && break; sleep 0.05; done
	assert_file_exists "$HOSTDIR/ran"
	run -0 runc state "$ID"
	assert_equal "$(jq -r .status <<<"$output")" running
	run -0 runc kill "$ID" KILL
	for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
	run -0 runc state "$ID"
	assert_equal "$(jq -r .status <<<"$output")" stopped
	assert_equal "$(jq -r .pid <<<"$output")" 0
	run -0 runc delete "$ID"
	run -1 runc state "$ID"
	assert_output --partial "find container $ID"
}

@test "[lab 06.1, 1 pt] start twice: the second says the container is not created" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -0 runc start "$ID"
	run -1 runc start "$ID"
	assert_output --partial "start container $ID (running): EINVAL (it is not in the created state)"
}

@test "[lab 06.1, 2 pts] run passes the exit status through, 128+N for a signal, and leaves nothing" {
	run_in '.' 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_output --partial out
	# killed by a signal: run says 128+N
	bundle '.process.args=["sleep","100"]'
	(
		st=0
		runc run --bundle "$B" "$ID" </dev/null >/dev/null 2>&1 || st=$?
		echo "$st" >"$HOSTDIR/status"
	) &
	bg=$!
	for _ in $(seq 100); do [ "$(runc state "$ID" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
	run -0 runc kill "$ID" KILL
	wait "$bg"
	assert_equal "$(cat "$HOSTDIR/status")" 137
	[ ! -e "$STATE/$ID" ]
	[ -z "$(groups_left "$ID")" ]
}

@test "[2 pts] run --detach returns at once; the container runs on" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached run --detach --bundle "$B" --pid-file "$HOSTDIR/pid" "$ID" </dev/null
	run -0 runc state "$ID"
	assert_equal "$(jq -r .status <<<"$output")" running
	assert_equal "$(jq -r .pid <<<"$output")" "$(cat "$HOSTDIR/pid")"
	run -1 runc delete "$ID"
	assert_output --partial "EBUSY (stop it first, or use --force)"
	run -0 runc delete --force "$ID"
	[ ! -e "$STATE/$ID" ]
}

@test "[1 pt] state is the spec's JSON: ociVersion, id, status, pid, bundle, annotations" {
	bundle '.annotations={"org.kit.lesson":"06"} | .process.args=["sleep","100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -0 runc state "$ID"
	assert_equal "$(jq -r '.ociVersion|split(".")[0]' <<<"$output")" 1
	assert_equal "$(jq -r .id <<<"$output")" "$ID"
	assert_equal "$(jq -r .bundle <<<"$output")" "$B"
	assert_equal "$(jq -r '.annotations["org.kit.lesson"]' <<<"$output")" 06
	[ "$(jq -r .pid <<<"$output")" -gt 1 ]
}

@test "[1 pt] list: a table, --format json, -q" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -0 runc list
	assert_line --regexp "^ID +PID +STATUS +BUNDLE"
	assert_line --regexp "^$ID +[0-9]+ +created +$B "
	run -0 runc list --format json
	assert_equal "$(jq -r '.[0].id + " " + .[0].status' <<<"$output")" "$ID created"
	run -0 runc list -q
	assert_output "$ID"
}

@test "[1 pt] kill: names with and without SIG, numbers, SIGTERM by default" {
	bundle '.process.args=["sh","-c","trap \"exit 42\" TERM; while :; do sleep 0.1; done"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	pid=$(runc state "$ID" | jq -r .pid)
	sleep 0.2
	run -0 runc kill "$ID"
	for _ in $(seq 50); do [ -d /proc/$pid ] || break; sleep 0.05; done
	[ ! -d /proc/$pid ]
	for sig in KILL SIGKILL 9; do
		runc delete "$ID"
		run -0 detached run -d --bundle "$B" "$ID" </dev/null
		run -0 runc kill "$ID" "$sig"
		for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
		assert_equal "$(runc state "$ID" | jq -r .status)" stopped
	done
	run -2 runc kill "$ID" SIGNOPE
	assert_output --partial "unknown signal 'SIGNOPE'"
}

@test "[2 pts] a recycled PID is never signalled: the start time must match" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	# start times count clock ticks (10 ms): let one pass, so the stranger's differs
	sleep 0.05
	sleep 100 &
	stranger=$!
	# the state now points at a stranger with another start time
	jq --argjson p "$stranger" '.pid=$p' "$STATE/$ID/state.json" >"$HOSTDIR/s"
	cp "$HOSTDIR/s" "$STATE/$ID/state.json"
	run -1 runc kill "$ID" KILL
	assert_output --partial "ESRCH (the container is not running)"
	run -0 runc state "$ID"
	assert_equal "$(jq -r .status <<<"$output")" stopped
	kill -0 "$stranger"
	kill "$stranger"
	runc delete --force "$ID"
	pkill -KILL -f "^sleep 100$" || true
}

@test "[2 pts] exec joins the container: its namespaces, its cgroup, exit status, --process, --detach" {
	bundle '.hostname="kit-box" | .process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	run -0 runc exec "$ID" sh -c 'hostname; echo pid1=$(cat /proc/1/comm); cat /proc/self/cgroup'
	assert_line kit-box
	assert_line pid1=sleep
	assert_output --partial "mini-runc/$ID"
	run -5 runc exec "$ID" sh -c 'exit 5'
	run -0 runc exec --user 1000:1001 --env KIT=yes --cwd /tmp "$ID" sh -c 'echo $(id -u):$(id -g) $KIT $(pwd)'
	assert_output "1000:1001 yes /tmp"
	echo '{"args":["sh","-c","sleep 100"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":7,"gid":8}}' >"$HOSTDIR/p.json"
	run -0 detached exec --process "$HOSTDIR/p.json" --detach --pid-file "$HOSTDIR/pid" "$ID"
	pid=$(cat "$HOSTDIR/pid")
	grep -q "^Uid:.7" "/proc/$pid/status"
	run -0 runc ps --format json "$ID"
	assert_equal "$(jq length <<<"$output")" 2
	run -0 runc ps "$ID"
	assert_line --regexp "^[0-9]+ +sleep$"
	# A bad process.json is refused with the field it got wrong.
	echo '{"args":"sh","cwd":"/","user":{"uid":0,"gid":0}}' >"$HOSTDIR/bad.json"
	run -1 runc exec --process "$HOSTDIR/bad.json" "$ID"
	assert_output --partial 'process.json: .args: expected an array'
	run -0 runc ps --format json "$ID"
	assert_equal "$(jq length <<<"$output")" 2
}

@test "[1 pt] exec --cap, --no-new-privs, --preserve-fds change what the new process gets" {
	bundle '.process.noNewPrivileges=false | .process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	# CAP_NET_ADMIN is bit 12; runc's default config does not give it.
	eff() { runc exec "$@" "$ID" sh -c 'grep ^CapEff /proc/self/status' | awk '{print $2}'; }
	[ $((0x$(eff) >> 12 & 1)) = 0 ]
	[ $((0x$(eff --cap CAP_NET_ADMIN) >> 12 & 1)) = 1 ]
	run -0 runc exec "$ID" sh -c 'grep ^NoNewPrivs /proc/self/status'
	assert_output --regexp 'NoNewPrivs:.0'
	run -0 runc exec --no-new-privs "$ID" sh -c 'grep ^NoNewPrivs /proc/self/status'
	assert_output --regexp 'NoNewPrivs:.1'
	# fd 3 of the caller: closed on the way in, unless preserved.
	echo passed-on >"$HOSTDIR/fd3"
	run -0 runc exec "$ID" sh -c 'if [ -e /proc/self/fd/3 ]; then cat <&3; else echo no-fd-3; fi' 3<"$HOSTDIR/fd3"
	assert_output no-fd-3
	run -0 runc exec --preserve-fds 1 "$ID" sh -c 'cat <&3; [ -e /proc/self/fd/4 ] || echo no-fd-4' 3<"$HOSTDIR/fd3" 4<"$HOSTDIR/fd3"
	assert_line passed-on
	assert_line no-fd-4 # not asked for
	# Bad values are refused before anything runs.
	run -1 runc exec --cap CAP_FLY "$ID" true
	assert_output --partial 'exec --cap CAP_FLY: unknown capability'
	run -2 runc exec --preserve-fds -1 "$ID" true
	assert_output --partial 'give how many fds'
	echo '{"args":["true"],"cwd":"/","user":{"uid":0,"gid":0}}' >"$HOSTDIR/p.json"
	run -2 runc exec --cap CAP_KILL --process "$HOSTDIR/p.json" "$ID"
	assert_output --partial 'put them in that file'
}

@test "[2 pts] run in the foreground with terminal: true and no --console-socket keeps the pty: a shell, Ctrl-C, the exit status" {
	bundle '.process.terminal=true | .process.args=["sh"]'
	# From a pipe: the lines reach the shell on its terminal.
	run bash -c "printf 'tty; echo in-\$((6*7)); exit 3\n' | '$RUNC_BIN' --root '$STATE' run --bundle '$B' '$ID'"
	assert_equal "$status" 3
	assert_line --regexp $'^/dev/pts/0\r?$'
	assert_line --regexp $'^in-42\r?$'
	# From a terminal, as a person runs it: raw mode, so ^C travels as a
	# byte to the container's terminal, which interrupts sleep there.
	run python3 - "$RUNC_BIN" --root "$STATE" run --bundle "$B" "$ID" <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, step, end = b"", 0, time.time() + 20
while time.time() < end:
    if select.select([fd], [], [], 0.1)[0]:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
    # (the markers are split in what is typed: the echo of the typed
    # line must not look like the answer)
    if step == 0 and b"# " in out:
        os.write(fd, b"echo g''o; sleep 30\r")
        step = 1
    elif step == 1 and b"\ngo\n" in out.replace(b"\r", b""):
        time.sleep(0.3)
        os.write(fd, b"\x03")
        time.sleep(0.5)
        os.write(fd, b"echo st''atus=$?\r")
        step = 2
    elif step == 2 and b"status=" in out:
        os.write(fd, b"exit 7\r")
        step = 3
_, status = os.waitpid(pid, 0)
print(out.decode(errors="replace").replace("\r", ""))
print("exit", os.waitstatus_to_exitcode(status))
EOF
	assert_success
	assert_line "status=130"
	assert_line "exit 7"
	# Where there is no one to copy for, it is still refused with the way out.
	run runc run -d --bundle "$B" "$ID-2" </dev/null
	assert_failure
	assert_output --partial "needs --console-socket"
	[ -z "$(ls "$STATE")" ]
}

@test "[1 pt] pause and resume freeze the container's cgroup" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	run -0 runc pause "$ID"
	assert_equal "$(runc state "$ID" | jq -r .status)" paused
	run -0 runc resume "$ID"
	assert_equal "$(runc state "$ID" | jq -r .status)" running
}

@test "[1 pt] spec writes a config.json that runs; it will not overwrite one" {
	mkdir -p "$B"
	run -0 "$RUNC_BIN" spec --bundle "$B"
	jq -e '.ociVersion and .process.args and .linux.namespaces' "$B/config.json"
	run -1 "$RUNC_BIN" spec --bundle "$B"
	assert_output --partial "config.json: EEXIST"
	run -0 "$RUNC_BIN" spec --rootless --bundle "$HOSTDIR"
	jq -e '.linux.uidMappings | length > 0' "$HOSTDIR/config.json"
}

@test "[1 pt] features: the runtime-spec's features document, from the parser's own tables" {
	run -0 "$RUNC_BIN" features
	jq -e '.ociVersionMin == "1.0.0" and (.hooks | index("createRuntime")) and
	       (.mountOptions | index("rbind")) and (.linux.capabilities | index("CAP_SYS_ADMIN")) and
	       .linux.cgroup.v1 and .linux.cgroup.v2 and (.linux.cgroup.systemd | not) and
	       (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") | not) and
	       (.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+"))' <<<"$output"
	# The same namespaces and hooks as the real runc knows (when installed).
	if command -v runc >/dev/null; then
		assert_equal "$(jq -c '.linux.namespaces | sort' <<<"$output")" \
			"$(runc features | jq -c '.linux.namespaces | sort')"
		assert_equal "$(jq -c '.hooks | sort' <<<"$output")" \
			"$(runc features | jq -c '.hooks | sort')"
	fi
	run -2 "$RUNC_BIN" features extra
	assert_output --partial 'no arguments'
}

@test "[1 pt] global flags: --version, --log-format json, --systemd-cgroup refused, usage errors" {
	run -0 "$RUNC_BIN" --version
	assert_line --regexp "^mini-runc version "
	assert_line --regexp "^spec: 1\.[0-9]+"
	run -1 "$RUNC_BIN" --root "$STATE" --log "$HOSTDIR/log.json" --log-format json state nosuch
	jq -e 'select(.level == "error") | .msg | test("find container nosuch")' "$HOSTDIR/log.json"
	jq -e '.time' "$HOSTDIR/log.json"
	run -1 "$RUNC_BIN" --systemd-cgroup state x
	assert_output --partial "systemd cgroup driver is not supported"
	run -2 "$RUNC_BIN" frobnicate
	assert_output --partial "unknown command"
}

# ---- config.json: each field's observable effect ----------------------------

@test "[lab 06.3, 3 pts] mounts in order: a bind at a new nested path, read-only; a tmpfs with options" {
	echo hello >"$HOSTDIR/f"
	mkdir "$HOSTDIR/t" # a read-only mount's mount point must be there already
	run_in '.mounts += [{"destination":"/a/b/c","type":"bind","source":$host,"options":["rbind","ro"]},
	                    {"destination":"/a/b/c/t","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=700"]}]' \
		'cat /a/b/c/f; touch /a/b/c/g || echo ro; grep " /a/b/c/t " /proc/mounts; stat -c %a /a/b/c/t'
	assert_success
	assert_line hello
	assert_line ro
	assert_line --regexp "^tmpfs /a/b/c/t tmpfs rw,.*size=1024k,mode=700"
	assert_line 700
	[ ! -e "$HOSTDIR/g" ]
}

@test "[1 pt] hostname, domainname, env, cwd, umask, rlimits, oomScoreAdj" {
	run_in '.hostname="kit-h" | .domainname="kit.d" | .process.env += ["KIT=1"] | .process.cwd="/tmp"
	        | .process.user.umask=63 | .process.rlimits=[{"type":"RLIMIT_NOFILE","hard":321,"soft":123}]
	        | .process.oomScoreAdj=123' \
		'hostname; domainname 2>/dev/null || cat /proc/sys/kernel/domainname; echo KIT=$KIT; pwd; umask; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
	assert_success
	assert_line kit-h
	assert_line kit.d
	assert_line KIT=1
	assert_line /tmp
	assert_line 0077
	assert_line 123
	assert_line 321
}

@test "[lab 06.5, 3 pts] user: uid, gid, additionalGids" {
	run_in '.process.user={"uid":1234,"gid":2345,"additionalGids":[11,12]}' 'id -u; id -g; id -G'
	assert_success
	assert_line 1234
	assert_line 2345
	assert_line "2345 11 12"
}

@test "[lab 06.5, 3 pts] capabilities: the five sets as given" {
	run_in '.process.capabilities={"bounding":["CAP_CHOWN","CAP_KILL","CAP_NET_RAW"],
	        "effective":["CAP_CHOWN","CAP_KILL"],"permitted":["CAP_CHOWN","CAP_KILL"],
	        "inheritable":["CAP_KILL"],"ambient":["CAP_KILL"]} | .process.user={"uid":1000,"gid":1000}' \
		'grep ^Cap /proc/self/status'
	assert_success
	# CAP_CHOWN 0, CAP_KILL 5, CAP_NET_RAW 13; a non-root exec keeps only ambient
	assert_line "CapBnd:	0000000000002021"
	assert_line "CapInh:	0000000000000020"
	assert_line "CapAmb:	0000000000000020"
	assert_line "CapEff:	0000000000000020"
	run_in '.process.capabilities={"bounding":["CAP_CHOWN","CAP_KILL"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN","CAP_KILL"]}' \
		'grep ^Cap /proc/self/status'
	assert_line "CapBnd:	0000000000000021"
	assert_line "CapPrm:	0000000000000021"
	# uid 0 gets its permitted set as effective at execve(2), as under runc
	assert_line "CapEff:	0000000000000021"
}

@test "[lab 06.5, 1 pt] noNewPrivileges" {
	run_in '.process.noNewPrivileges=true' 'grep NoNewPrivs /proc/self/status'
	assert_line "NoNewPrivs:	1"
	run_in '.process.noNewPrivileges=false' 'grep NoNewPrivs /proc/self/status'
	assert_line "NoNewPrivs:	0"
}

@test "[lab 06.5, 3 pts] seccomp: SCMP_ACT_ERRNO with its errno, SCMP_ACT_KILL_PROCESS, argument comparison" {
	local sc='.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
	  {"names":["sethostname"],"action":"SCMP_ACT_KILL_PROCESS"},
	  {"names":["fchmodat","fchmodat2"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":511,"op":"SCMP_CMP_EQ"}]},
	  {"names":["chmod"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":511,"op":"SCMP_CMP_EQ"}]}]}'
	run_in "$sc" 'mkdir /tmp/x 2>&1; touch /tmp/f; chmod 755 /tmp/f && echo 755ok; chmod 777 /tmp/f || echo 777refused'
	assert_output --partial "Permission denied"
	assert_line 755ok
	assert_line 777refused
	run_in "$sc" 'hostname kit-x; echo status=$?'
	assert_line status=159 # 128 + SIGSYS
	# without noNewPrivileges the filter is loaded while we may still
	run_in "$sc | .process.noNewPrivileges=false" 'mkdir /tmp/x 2>&1'
	assert_output --partial "Permission denied"
}

@test "[1 pt] read-only root, maskedPaths, readonlyPaths" {
	run_in '.root.readonly=true | .linux.maskedPaths=["/proc/kcore","/proc/scsi","/etc/hostname"] | .linux.readonlyPaths=["/proc/sys"]' \
		'touch /x 2>/dev/null || echo root-ro; wc -c </proc/kcore; ls /proc/scsi 2>/dev/null | wc -l; echo 1 >/proc/sys/kernel/hostname 2>/dev/null || echo sys-ro'
	assert_success
	assert_line root-ro
	assert_line 0
	assert_line sys-ro
}

@test "[1 pt] sysctl, in the container's own namespaces" {
	run_in '.linux.sysctl={"net.ipv4.ip_forward":"1","kernel.msgmax":"12345"}' \
		'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	assert_success
	assert_line 1
	assert_line 12345
	[ "$(cat /proc/sys/kernel/msgmax)" != 12345 ]
}

@test "[1 pt] /dev: the default devices, linux.devices, the symlinks" {
	run_in '.linux.devices=[{"path":"/dev/kit-zero","type":"c","major":1,"minor":5,"fileMode":384}]' \
		'ls -l /dev/null /dev/kit-zero; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; head -c 3 /dev/kit-zero | wc -c'
	assert_success
	assert_line --regexp "^crw-rw-rw- .* 1, +3 .*/dev/null$"
	assert_line --regexp "^crw------- .* 1, +5 .*/dev/kit-zero$"
	assert_line /proc/self/fd
	assert_line /proc/self/fd/0
	assert_line pts/ptmx
	assert_line 3
}

@test "[2 pts] cgroups: linux.resources applied in cgroupsPath, removed by delete" {
	require_cgroup v1
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .linux.resources.memory={"limit":67108864} | .linux.resources.pids={"limit":33} | .linux.resources.cpu={"quota":50000,"period":100000} | .process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	assert_equal "$(cat /sys/fs/cgroup/memory/kit-rc/$ID/memory.limit_in_bytes)" 67108864
	assert_equal "$(cat /sys/fs/cgroup/pids/kit-rc/$ID/pids.max)" 33
	assert_equal "$(cat /sys/fs/cgroup/cpu/kit-rc/$ID/cpu.cfs_quota_us)" 50000
	pid=$(runc state "$ID" | jq -r .pid)
	grep -qx "$pid" /sys/fs/cgroup/memory/kit-rc/$ID/cgroup.procs
	run -0 runc delete --force "$ID"
	[ -z "$(groups_left "$ID")" ]
}

# cg V1FILE V2FILE - that file of the container's cgroup under kit-rc/, in
# the hierarchy this host has (v1: the controller's own, named by the
# file's prefix; v2: the unified one).
cg_mode() { if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo v2; else echo v1; fi; }
cg() {
	if [ "$(cg_mode)" = v2 ]; then
		cat "/sys/fs/cgroup/kit-rc/$ID/$2"
	else
		cat "/sys/fs/cgroup/${1%%.*}/kit-rc/$ID/$1"
	fi
}

@test "[1 pt] update changes a running container's limits: flags, or linux.resources on stdin" {
	require_cgroup "$(cg_mode)"
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .linux.resources.memory={"limit":67108864} | .linux.resources.pids={"limit":33} | .process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	assert_equal "$(cg memory.limit_in_bytes memory.max)" 67108864
	run -0 runc update --memory 128M --pids-limit 50 "$ID"
	assert_equal "$(cg memory.limit_in_bytes memory.max)" 134217728
	assert_equal "$(cg pids.max pids.max)" 50
	# containerd's shim: the new linux.resources object, piped in
	run -0 runc update --resources - "$ID" <<<'{"memory":{"limit":100663296},"cpu":{"quota":20000,"period":100000}}'
	assert_equal "$(cg memory.limit_in_bytes memory.max)" 100663296
	assert_equal "$(cg cpu.cfs_quota_us cpu.max)" "$(if [ "$(cg_mode)" = v2 ]; then echo "20000 100000"; else echo 20000; fi)"
	assert_equal "$(cg pids.max pids.max)" 50 # not given: left alone
	run -0 runc update --pids-limit -1 "$ID"
	assert_equal "$(cg pids.max pids.max)" max
	assert_equal "$(runc state "$ID" | jq -r .status)" running
}

@test "[1 pt] update: bad input is refused with the reason, and no limit changes" {
	require_cgroup "$(cg_mode)"
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .linux.resources.memory={"limit":67108864} | .process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	run -1 runc update --resources - "$ID" <<<'{"memory":{"limit":"64M"}}'
	assert_output --partial 'resources (stdin): .memory.limit: expected an integer, got a string'
	run -1 runc update --resources - "$ID" <<<'{"memory":{"limit":1},"memory":{"limit":2}}'
	assert_output --partial 'duplicate key'
	run -1 runc update --resources - "$ID" <<<'{"memory":{"limit":-5}}'
	assert_output --partial '.memory.limit'
	run -1 runc update --resources - "$ID" <<<'[1, 2'
	assert_output --partial 'resources (stdin)'
	run -1 runc update --resources - "$ID" <<<'{"unified":{"../../memory.max":"1"}}'
	assert_output --partial 'bad cgroup file name'
	run -2 runc update --memory 12Q "$ID"
	assert_output --partial 'update: --memory 12Q'
	assert_output --partial 'such as 64M'
	run -2 runc update --cpu-quota -7 "$ID"
	assert_output --partial 'or -1 for no limit'
	run -2 runc update --blkio-weight 10 "$ID"
	assert_output --partial 'memory, cpu, cpuset and pids limits only'
	run -2 runc update --memory 1M --resources - "$ID" </dev/null
	assert_output --partial 'not both'
	run -2 runc update "$ID"
	assert_output --partial 'nothing to change'
	run -2 runc update --memory 1M
	assert_output --partial 'no container ID'
	run -1 runc update --memory 1M nosuch
	assert_output --partial 'nosuch'
	assert_equal "$(cg memory.limit_in_bytes memory.max)" 67108864
}

@test "[1 pt] events --stats: usage and limits from the container's cgroup, as runc prints them" {
	require_cgroup "$(cg_mode)"
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .linux.resources.memory={"limit":67108864} | .linux.resources.pids={"limit":33} | .process.args=["sh","-c","sleep 100 & sleep 100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	run -0 runc events --stats "$ID"
	[ "${#lines[@]}" = 1 ]
	jq -e --arg id "$ID" '.type == "stats" and .id == $id and
	       .data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0 and
	       .data.pids.current >= 2 and .data.pids.limit == 33 and
	       .data.cpu.usage.total > 0' <<<"$output"
	run -2 runc events --interval 0s "$ID"
	assert_output --partial 'events --interval 0s'
	run -2 runc events --interval 5parsecs "$ID"
	assert_output --partial 'such as 5s'
	run -1 runc events --stats nosuch
	assert_output --partial 'nosuch'
}

@test "[1 pt] events: stats every interval, an oom event when the OOM killer acts, the end when the container stops" {
	require_cgroup "$(cg_mode)"
	# tail of /dev/zero keeps one ever-growing line in memory: killed at 16M.
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .linux.resources.memory={"limit":16777216,"swap":16777216} | .process.args=["sh","-c","sleep 1.5; tail /dev/zero; sleep 0.5"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	run -0 timeout 20 "$RUNC_BIN" --root "$STATE" events --interval 300ms "$ID"
	# stats lines while it sleeps, one oom line, and the stream ends by itself
	[ "$(jq -s '[.[] | select(.type == "stats")] | length' <<<"$output")" -ge 3 ]
	assert_equal "$(jq -s '[.[] | select(.type == "oom")] | length' <<<"$output")" 1
	jq -se --arg id "$ID" 'all(.id == $id)' <<<"$output"
	assert_equal "$(runc state "$ID" | jq -r .status)" stopped
	run -1 runc events "$ID"
	assert_output --partial 'it is stopped'
}

@test "[1 pt] update: a stopped container is refused" {
	require_cgroup "$(cg_mode)"
	bundle '.linux.cgroupsPath="/kit-rc/"+$id | .process.args=["true"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -0 runc start "$ID"
	for _ in $(seq 50); do
		[ "$(runc state "$ID" | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	run -1 runc update --memory 1M "$ID"
	assert_output --partial "it is stopped"
}

@test "[1 pt] cgroups: the v1 device rules; a denied device cannot be made" {
	require_cgroup v1
	# CAP_MKNOD lets it try: the devices cgroup is what says no (to c 1:1)
	run_in '.linux.resources.devices=[{"allow":false,"access":"rwm"}] | .process.capabilities.bounding += ["CAP_MKNOD"]
	        | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]' \
		'mknod /tmp/mem c 1 1 2>/dev/null || echo mem-denied; mknod /tmp/null c 1 3 && echo null-ok'
	assert_line mem-denied
	assert_line null-ok
}

@test "[2 pts] hooks: each stage in order, given the state on stdin" {
	cat >"$HOSTDIR/hook" <<EOF
#!/bin/sh
read -r state
echo "\$1 \$(echo "\$state" | jq -r '.id + " " + .status')" >>$HOSTDIR/hooks.log
EOF
	chmod +x "$HOSTDIR/hook"
	local h='{"path":($host+"/hook"),"args":["hook","STAGE"]}'
	local f='.hooks={}'
	for s in prestart createRuntime createContainer startContainer poststart poststop; do
		f="$f | .hooks.$s=[${h/STAGE/$s}]"
	done
	bundle "$f | .process.args=[\"true\"]"
	# startContainer runs in the container: give it the hook and jq there
	mkdir -p "$WORK/rootfs$HOSTDIR"
	cp "$HOSTDIR/hook" "$WORK/rootfs$HOSTDIR/hook"
	run -0 runc run --bundle "$B" "$ID" </dev/null
	rm -rf "$WORK/rootfs${HOSTDIR%/*}/${HOSTDIR##*/}"
	run cat "$HOSTDIR/hooks.log"
	assert_line --index 0 "prestart $ID creating"
	assert_line --index 1 "createRuntime $ID creating"
	assert_line --index 2 "createContainer $ID created"
	assert_line "poststart $ID running"
	assert_line "poststop $ID stopped"
}

@test "[2 pts] a failing hook fails create cleanly; a hook past its timeout is killed" {
	bundle '.hooks.createRuntime=[{"path":"/bin/false"}]'
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "run createRuntime hook /bin/false: ECANCELED (exited with status 1)"
	[ ! -e "$STATE/$ID" ]
	[ -z "$(groups_left "$ID")" ]
	bundle '.hooks.createRuntime=[{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}]'
	SECONDS=0
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "ETIMEDOUT (it was killed after its timeout)"
	[ "$SECONDS" -lt 10 ]
	[ ! -e "$STATE/$ID" ]
}

@test "[2 pts] terminal: the pty master goes over --console-socket" {
	python3 "$WORK/console.py" "$HOSTDIR/con.sock" "$HOSTDIR/ready" >"$HOSTDIR/con.out" &
	for _ in $(seq 100); do [ -e "$HOSTDIR/ready" ] && break; sleep 0.05; done
	bundle '.process.terminal=true | .process.args=["sh","-c","tty; echo through-the-pty"]'
	run -0 runc run --console-socket "$HOSTDIR/con.sock" --bundle "$B" "$ID" </dev/null
	wait
	run cat "$HOSTDIR/con.out"
	assert_line --regexp "^pty: /dev/pts/[0-9]+"
	assert_output --partial through-the-pty
	assert_output --regexp "/dev/pts/[0-9]+"
	bundle '.process.terminal=true'
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "needs --console-socket"
}

@test "[2 pts] a user namespace: the mappings, root inside, an unprivileged uid outside" {
	require_userns
	bundle '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]
	        | .linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}] | .process.args=["sleep","100"]
	        | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
	chown -R 100000:100000 "$B" 2>/dev/null || true
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	pid=$(runc state "$ID" | jq -r .pid)
	grep -q "^Uid:.100000" "/proc/$pid/status"
	run -0 runc exec "$ID" sh -c 'id -u; cat /proc/self/uid_map'
	assert_line 0
	assert_line --regexp "^ +0 +100000 +65536$"
}

@test "[1 pt] namespaces joined by path share them" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached run -d --bundle "$B" "$ID" </dev/null
	pid=$(runc state "$ID" | jq -r .pid)
	B2=$B-2
	mkdir -p "$B2"
	jq --arg p "/proc/$pid/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end) | .process.args=["sleep","100"]' \
		"$B/config.json" >"$B2/config.json"
	run -0 detached run -d --bundle "$B2" "$ID-2" </dev/null
	pid2=$(runc state "$ID-2" | jq -r .pid)
	assert_equal "$(readlink /proc/$pid2/ns/net)" "$(readlink /proc/$pid/ns/net)"
	[ "$(readlink /proc/$pid2/ns/uts)" != "$(readlink /proc/$pid/ns/uts)" ]
	assert_equal "$(cat /proc/$pid2/comm)" sleep
	runc delete -f "$ID-2"
	rm -rf "$B2"
}

# ---- security ----------------------------------------------------------------

@test "[lab 06.4, 3 pts] CVE-2024-21626: no host fd reaches the container" {
	exec 7<"$HOSTDIR"
	run_in '.' 'ls /proc/self/fd'
	exec 7<&-
	assert_success
	assert_output "0
1
2
3"
}

@test "[lab 06.4, 2 pts] CVE-2024-21626: a cwd through a leaked fd is refused" {
	echo secret >"$HOSTDIR/host-file"
	exec 7<"$HOSTDIR"
	run_in '.process.cwd="/proc/self/fd/7"' 'ls; cat host-file'
	exec 7<&-
	assert_failure
	refute_output --partial secret
	assert_output --partial "chdir to /proc/self/fd/7"
}

@test "[lab 06.3, 3 pts] symlinks in the rootfs cannot make mounts or devices land on the host" {
	# host directories outside the rootfs (all under $HOSTDIR: teardown)
	local root=$HOSTDIR/rootfs out=$HOSTDIR/host-out etc=$HOSTDIR/host-etc
	mkdir "$out" "$etc"
	cp -a "$WORK/rootfs" "$root"
	rm -rf "$root/dev" "$root/data"
	ln -s "$out" "$root/dev"             # /dev -> a host directory
	ln -s "$etc" "$root/data"            # a mount target -> a host directory
	ln -s ../../../../../../.. "$root/up" # climbing out with ..
	bundle '.root.path=$host+"/rootfs" | .mounts += [{"destination":"/data/m","type":"tmpfs","source":"tmpfs"},{"destination":"/up/tmp/kit-escape","type":"tmpfs","source":"tmpfs"}] | .process.args=["sh","-c","ls /dev/null && echo inside"]'
	run runc run --bundle "$B" "$ID" </dev/null
	assert_success
	assert_line inside
	# nothing was created or mounted in the host directories
	[ -z "$(ls -A "$out")" ]
	[ -z "$(ls -A "$etc")" ]
	[ ! -e /tmp/kit-escape ]
	! grep -q "$out\|$etc\|/tmp/kit-escape" /proc/self/mountinfo
}

@test "[3 pts] CVE-2019-5736: the runtime binary inside is a sealed copy that cannot be written" {
	local sum
	sum=$(sha256sum <"$RUNC_BIN")
	bundle '.process.args=["sleep","100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	pid=$(runc state "$ID" | jq -r .pid)
	# the waiting init is still mini-runc: what a container could reach
	run readlink "/proc/$pid/exe"
	assert_output --partial "memfd:mini-runc"
	run ! sh -c "echo pwned >>/proc/$pid/exe"
	run ! sh -c "exec 3<>/proc/$pid/exe; echo pwned >&3"
	assert_equal "$(sha256sum <"$RUNC_BIN")" "$sum"
}

# ---- errors: a clear message, exit 1, nothing left ---------------------------

@test "[2 pts] a bad config.json names the JSON path; nothing is left" {
	bundle '.linux.namespaces += [{"type":"foo"}]'
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --regexp 'config\.json: \.linux\.namespaces\[[0-9]+\]\.type: .*foo'
	[ ! -e "$STATE/$ID" ]
	echo '{"ociVersion": ' >"$B/config.json"
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "config.json"
	[ ! -e "$STATE/$ID" ]
	[ -z "$(groups_left "$ID")" ]
}

@test "[2 pts] a missing rootfs, a bad mount, a missing program: exit 1, a message, nothing left" {
	bundle '.root.path="/nonexistent/rootfs"'
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "find the rootfs /nonexistent/rootfs: ENOENT"
	[ ! -e "$STATE/$ID" ]
	bundle '.mounts += [{"destination":"/x","type":"nosuchfs","source":"none"}]'
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "mount none on /x: ENODEV"
	[ ! -e "$STATE/$ID" ]
	[ -z "$(groups_left "$ID")" ]
	# as runc: the program is looked up at create, which fails
	bundle '.process.args=["/no/such/program"]'
	run -1 runc run --bundle "$B" "$ID" </dev/null
	assert_output --partial "exec /no/such/program: ENOENT"
	[ ! -e "$STATE/$ID" ]
	[ -z "$(groups_left "$ID")" ]
}

@test "[1 pt] IDs: a taken one and a path-like one are refused" {
	bundle '.process.args=["sleep","100"]'
	run -0 detached create --bundle "$B" "$ID" </dev/null
	run -1 runc create --bundle "$B" "$ID" </dev/null
	assert_output --partial "create container $ID: EEXIST (that ID is taken"
	run -0 runc state "$ID"
	run -1 runc create --bundle "$B" "../evil" </dev/null
	assert_output --partial "use container ID '../evil'"
	[ ! -e "$WORK/evil" ]
}
