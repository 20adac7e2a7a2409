#!/usr/bin/env bats
# tests/e2e/06-runc-compare.bats - the same bundle gives the same observable
# result under runc (the reference, Debian's 1.1) and under mini-runc.
# Article §3.1: an OCI runtime is defined by what it does with config.json,
# so the comparison is the specification test.
#
# Every test builds one bundle from `runc spec`'s default config.json
# (terminal off, root writable, hostname kit-cmp) with a patch merged in
# (RFC 7386: objects merge, arrays and values replace, null deletes), runs
# `sh -c SCRIPT` in it with `RUNTIME run` under runc and then under
# mini-runc, and compares stdout plus the exit status line by line.  Each
# test also checks runc's own output against what the configuration asks
# for, so a broken fixture cannot pass by making both runtimes fail alike.
# The root filesystem is a copy of chapter 04's busybox root.
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/06-runc-compare.bats
#   MINI_RUNC=$(command -v runc) bats tests/e2e/06-runc-compare.bats   # harness check

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load ../lib/peers

setup_file() {
	PEERS_SKIP=$(peers_missing root runc rootfs)
	export PEERS_SKIP
	[ -z "$PEERS_SKIP" ] || return 0
	CMP=$(mktemp -d /tmp/kit-cmp.XXXXXX)
	# Searchable by the container's mapped root (user namespace test).
	chmod 755 "$CMP"
	cp -a "$(find_busybox_rootfs)" "$CMP/rootfs"
	mkdir -p "$CMP/data" "$CMP/base"
	echo "hello from the host" >"$CMP/data/hello"
	(cd "$CMP/base" && runc spec)
	cat >"$CMP/hook.sh" <<'EOF'
#!/bin/sh
# An OCI hook: the state JSON on stdin; append "NAME STATUS" to its bundle.
s=$(cat)
b=$(printf '%s' "$s" | sed -E 's/.*"bundle": *"([^"]*)".*/\1/')
st=$(printf '%s' "$s" | sed -E 's/.*"status": *"([^"]*)".*/\1/')
echo "$1 $st" >>"$b/hooks.log"
EOF
	chmod 755 "$CMP/hook.sh"
	export CMP
}

teardown_file() {
	[ -n "${CMP:-}" ] || return 0
	local p id
	# Containers a failed run left behind (a runtime that hung or died):
	# each runtime deletes its own, then whatever still runs from here.
	for id in "$CMP"/state-r/*/; do
		[ -d "$id" ] || continue
		runc --root "$CMP/state-r" delete --force "$(basename "$id")" >/dev/null 2>&1 || true
	done
	for id in "$CMP"/state-m/*/; do
		[ -d "$id" ] || continue
		timeout 20 "$MINI_RUNC" --root "$CMP/state-m" delete --force "$(basename "$id")" \
			>/dev/null 2>&1 || true
	done
	for p in $(grep -l -s -- "$CMP" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		kill -KILL "$p" 2>/dev/null || true
	done
	unmount_below "$CMP"
	remove_cgroups 'kit-cmp06-*'
	rm -rf "$CMP"
}

setup() {
	[ -z "$PEERS_SKIP" ] || skip "$PEERS_SKIP"
	require_mini_runc
}

teardown() {
	[ -n "${CMP:-}" ] || return 0
	local b=$CMP/b$BATS_TEST_NUMBER t
	for t in r m; do
		if [ -s "$b/$t.err" ]; then
			echo "# stderr under $([ $t = r ] && echo runc || echo mini-runc):"
			sed 's/^/#   /' "$b/$t.err" | head -20
		fi
	done
}

# mkbundle DIR PATCH SCRIPT - DIR/config.json: runc spec's default with
# PATCH merged, running sh -c SCRIPT (unless PATCH sets process.args), and
# DIR/rootfs, a fresh copy of busybox: runtimes leave traces in the root
# (mount points they made) that change the next run (runc gives a tmpfs
# the mode of the folder it covers, when that folder exists).
mkbundle() {
	mkdir -p "$1"
	chmod 755 "$1" "$(dirname "$1")"
	cp -a "$CMP/rootfs" "$1/rootfs"
	python3 - "$CMP/base/config.json" "$1/config.json" "$2" "$3" rootfs \
		"/kit-cmp06-$BATS_TEST_NUMBER" <<'EOF'
import json, sys
base, out, patch, script, rootfs, cgroup = sys.argv[1:]

def merge(a, b):
    if not isinstance(b, dict):
        return b
    a = dict(a) if isinstance(a, dict) else {}
    for k, v in b.items():
        if v is None:
            a.pop(k, None)
        else:
            a[k] = merge(a.get(k), v)
    return a

c = json.load(open(base))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", script]
c["root"] = {"path": rootfs, "readonly": False}
c["hostname"] = "kit-cmp"
c["linux"]["cgroupsPath"] = cgroup
c = merge(c, json.loads(patch or "{}"))
with open(out, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# run_in RUNTIME TAG BUNDLE - RUNTIME run the bundle; stdout, then a line
# "exit N".  stderr goes to BUNDLE.err (shown when a test fails).
run_in() {
	local status=0
	timeout 20 "$1" --root "$CMP/state-$2" run --bundle "$3" \
		"cmp$BATS_TEST_NUMBER-$2" </dev/null 2>"$3.err" || status=$?
	echo "exit $status"
}

# compare PATCH SCRIPT RUNC_REGEX - run under both, compare.  Sets
# RUNC_OUT and MINI_OUT.  Fails when runc's output does not match
# RUNC_REGEX (a broken fixture) or when the two outputs differ.
compare() {
	local b=$CMP/b$BATS_TEST_NUMBER
	rm -rf "$b"
	mkbundle "$b/r" "$1" "$2"
	mkbundle "$b/m" "$1" "$2"
	RUNC_OUT=$(run_in runc r "$b/r")
	MINI_OUT=$(run_in "$MINI_RUNC" m "$b/m")
	if ! [[ $RUNC_OUT =~ $3 ]]; then
		printf 'fixture broken: runc printed\n%s\nwhich does not match /%s/\n' "$RUNC_OUT" "$3"
		return 1
	fi
	if [ "$RUNC_OUT" != "$MINI_OUT" ]; then
		echo "runc and mini-runc differ (--- runc, +++ mini-runc):"
		diff -u <(echo "$RUNC_OUT") <(echo "$MINI_OUT") | tail -n +3
		return 1
	fi
}

@test "[1 pt] exit statuses: 0, 3, 255" {
	compare '' 'exit 0' '^exit 0$'
	compare '' 'exit 3' '^exit 3$'
	compare '' 'exit 255' '^exit 255$'
}

@test "[1 pt] a program that does not exist: the same exit status" {
	compare '{"process": {"args": ["/no/such/program"]}}' '' '^exit [1-9][0-9]*$'
}

@test "[1 pt] arguments reach the process unchanged (spaces, empty strings)" {
	compare '{"process": {"args": ["sh", "-c", "printf \"[%s]\" \"$@\"; echo", "x", "a b", "", "c"]}}' '' \
		$'^\\[a b\\]\\[\\]\\[c\\]\nexit 0$'
}

@test "[1 pt] process.env, and HOME added from /etc/passwd" {
	compare '{"process": {"env": ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]}}' \
		'env | sort' $'FOO=bar baz\nHOME=/root\nPATH=/bin:/usr/bin'
}

@test "[1 pt] process.user: uid, gid, additionalGids" {
	compare '{"process": {"user": {"uid": 65534, "gid": 65534, "additionalGids": [5, 100]}}}' \
		'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status' \
		'uid=65534\(nobody\) gid=65534\(nogroup\) groups=5\(tty\),100,65534\(nogroup\)|groups=5\(tty\),100'
}

@test "[1 pt] capabilities: runc spec's default set, all five sets" {
	compare '' 'grep ^Cap /proc/self/status' 'CapEff:[[:space:]]+0000000020000420'
}

@test "[1 pt] capabilities of a non-root process: bounding, ambient, inheritable" {
	compare '{"process": {"user": {"uid": 1000, "gid": 1000}, "capabilities": {
		"bounding": ["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_TIME"],
		"effective": ["CAP_NET_ADMIN"], "permitted": ["CAP_NET_ADMIN"],
		"inheritable": ["CAP_NET_ADMIN"], "ambient": ["CAP_NET_ADMIN"]}}}' \
		'grep ^Cap /proc/self/status' 'CapBnd:[[:space:]]+0000000002001001'
}

@test "[1 pt] noNewPrivileges, umask, oomScoreAdj" {
	compare '{"process": {"noNewPrivileges": true, "oomScoreAdj": 100, "user": {"umask": 23}}}' \
		'grep NoNewPrivs /proc/self/status; umask; cat /proc/self/oom_score_adj' \
		$'NoNewPrivs:[[:space:]]+1\n0027\n100'
}

@test "[1 pt] rlimits: soft and hard, several resources (ulimit -a)" {
	compare '{"process": {"rlimits": [
		{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
		{"type": "RLIMIT_NPROC", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]}}' \
		'ulimit -a; ulimit -Hn; ulimit -Hu' $'1024\n200\nexit 0$'
}

@test "[1 pt] hostname (UTS namespace)" {
	# Not domainname: runc 1.1 ignores it (runc 1.2 sets it), so the two
	# reference versions disagree.
	compare '{"hostname": "kit-box"}' 'hostname; cat /proc/sys/kernel/hostname' \
		$'^kit-box\nkit-box\nexit 0$'
}

@test "[1 pt] process.cwd: an existing folder, and one the runtime must create" {
	compare '{"process": {"cwd": "/tmp"}}' 'pwd' $'^/tmp\nexit 0$'
	compare '{"process": {"cwd": "/made/by/runtime"}}' 'pwd' $'^/made/by/runtime\nexit 0$'
}

@test "[1 pt] root.readonly: the root cannot be written, /dev and /proc still work" {
	compare '{"root": {"readonly": true}}' \
		'touch /x 2>&1; echo $?; echo ok >/dev/null && echo dev ok; cat /proc/self/comm' \
		$'Read-only file system\n1\ndev ok\ncat'
}

@test "[1 pt] maskedPaths and readonlyPaths of runc spec" {
	# Every masked path this host has (kernels differ: no /proc/kcore
	# here): a file reads empty, a folder lists nothing.  /proc/sys is
	# read-only.
	local script="" want="" p
	for p in /proc/kcore /proc/keys /proc/timer_list /proc/latency_stats \
		/proc/sched_debug; do
		[ -f "$p" ] && script+="wc -c <$p; " && want+=$'0\n'
	done
	for p in /proc/acpi /proc/scsi /sys/firmware; do
		[ -d "$p" ] && script+="ls -A $p | wc -l; " && want+=$'0\n'
	done
	compare '' "$script"'echo x 2>&1 >/proc/sys/kernel/domainname; echo $?' \
		"^$want.*Read-only file system"$'\n1\nexit 0$'
}

@test "[1 pt] mounts: a read-only bind of a host folder, a tmpfs with options" {
	compare "{\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},
		{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$CMP/data\", \"options\": [\"rbind\", \"ro\"]},
		{\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\", \"mode=1777\", \"nosuid\"]}]}" \
		'cat /data/hello; touch /data/x 2>&1; stat -c %a /scratch; df -k /scratch | awk "NR == 2 { print \$2 }"; grep -E " /(data|scratch) " /proc/self/mountinfo | awk "{ print \$5, \$6 }" | sed "s/,relatime//"' \
		$'^hello from the host\n.*Read-only file system\n1777\n1024\n/data ro.*\n/scratch rw,nosuid'
}

@test "[1 pt] the mount table inside: config.json's mounts in order, then masked and read-only paths" {
	# The order of the masked and read-only path mounts is the runtime's
	# business (runc does readonlyPaths first): those are compared sorted.
	compare '' \
		'awk "{ for (i = 7; \$i != \"-\"; i++) ; print \$5, \$(i + 1) }" /proc/self/mountinfo | grep -v "^/sys/fs/cgroup/" >/tmp/m; head -8 /tmp/m; tail -n +9 /tmp/m | sort' \
		$'^/ [a-z0-9]+\n/proc proc\n/dev tmpfs\n/dev/pts devpts\n/dev/shm tmpfs\n/dev/mqueue mqueue\n/sys sysfs\n/sys/fs/cgroup [a-z]+\n/proc/acpi tmpfs\n/proc/bus proc'
}

@test "[1 pt] /dev: the default devices, their numbers and modes; /dev/pts, shm, mqueue; the fd links" {
	compare '' \
		'cd /dev && stat -c "%N %F %a %u:%g %t:%T" * && ls -A pts shm mqueue' \
		'null character special file 666 0:0 1:3'
}

@test "[1 pt] seccomp SCMP_ACT_ERRNO with errnoRet, and a rule on a syscall argument" {
	compare '{"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		 "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}}}' \
		'grep Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo $?; kill -USR1 $$ 2>&1; echo $?; kill -0 $$; echo $?' \
		$'Seccomp:[[:space:]]+2\n.*Operation not permitted\n1\n.*ermission denied\n1\n0'
}

@test "[1 pt] seccomp SCMP_ACT_KILL_PROCESS: a child, then the container's init, dies of SIGSYS" {
	# sync(2), which nothing else here calls (not uname: static glibc
	# asks for the kernel version at start-up, so every program would die).
	local kill_sync='{"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"}]}}}'
	# (sync) forks: busybox's sh would run the applet in itself.
	compare "$kill_sync" '(sync); echo $?' $'^159\nexit 0$'
	# PID 1 ignores signals it has no handler for, unless the kernel
	# forces them: seccomp's SIGSYS is forced, the runtime reports 128+31.
	compare "$kill_sync" 'exec sync' '^exit 159$'
}

@test "[1 pt] namespaces: PID 1, only lo, an empty IPC table; sysctl applied inside" {
	compare '{"linux": {"sysctl": {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}}}' \
		'echo $$; ls /sys/class/net; grep -c . /proc/sysvipc/msg; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax' \
		$'^1\nlo\n1\n1\n4096\nexit 0$'
}

@test "[1 pt] linux.resources: the limits, and /sys/fs/cgroup as the container sees it" {
	local files want
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		files='/sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max'
		want=$'67108864\n50\n50000 100000\nexit 0$'
	else
		files='/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
		want=$'memory\n(.*\n)*67108864\n50\n50000\nexit 0$'
	fi
	compare '{"linux": {"resources": {"memory": {"limit": 67108864},
		"pids": {"limit": 50}, "cpu": {"quota": 50000, "period": 100000}}}}' \
		"ls /sys/fs/cgroup; cat $files" "$want"
}

@test "[1 pt] a user namespace: uid/gid maps, root inside, nobody's files" {
	compare '{"linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
		{"type": "uts"}, {"type": "mount"}, {"type": "user"}],
		"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]},
		"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]}' \
		'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox; grep CapEff /proc/self/status' \
		$'^ +0 +100000 +65536\n +0 +100000 +65536\n0\n65534\n'
}

@test "[1 pt] hooks: createRuntime, startContainer, poststart, poststop, each with the state it sees" {
	# The host hooks ($CMP/hook.sh) append "NAME STATUS" to BUNDLE/hooks.log,
	# both read from the state JSON on their stdin; startContainer runs
	# inside the container, after start, before the program.
	local hook=$CMP/hook.sh
	compare "{\"hooks\": {
		\"createRuntime\": [{\"path\": \"$hook\", \"args\": [\"hook.sh\", \"createRuntime\"]}],
		\"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo startContainer >/tmp/hook\"]}],
		\"poststart\": [{\"path\": \"$hook\", \"args\": [\"hook.sh\", \"poststart\"]}],
		\"poststop\": [{\"path\": \"$hook\", \"args\": [\"hook.sh\", \"poststop\"]}]}}" \
		'cat /tmp/hook' $'^startContainer\nexit 0$'
	# The hooks' order and the state each one is given; runc 1.1 hands
	# poststart the state it read before start ("created"), so "running"
	# is accepted there too.
	local b=$CMP/b$BATS_TEST_NUMBER
	local want=$'^createRuntime creating\npoststart (created|running)\npoststop stopped$'
	run cat "$b/r/hooks.log"
	assert_output --regexp "$want"
	run cat "$b/m/hooks.log"
	assert_output --regexp "$want"
}
