# tests/e2e/k8s.bash - the control plane of chapter 10 on loopback, for the
# end-to-end stories (tests/e2e/10-k8s-*.bats), driven by the real kubectl
# 1.20 (build/images/kubectl-1.20, `make images`).
#
# Every process is started by name (k8s_start NAME CMD...) and remembered
# with its command line, so a test can kill -9 one (k8s_kill NAME) and start
# it again the same way (k8s_restart NAME).  The API server keeps its port,
# its certificate (in its data directory) and its token (a token file), so
# the other components' kubeconfig stays good across its restarts.
# k8s_teardown stops everything by PID and removes $T (/tmp/kit-e2e10.*);
# with KIT_E2E_LOGS=DIR it first copies the logs there.
# (The minimum of tests/chapters/10-k8s.bats's helpers, copied.)

KUBECTL_120="$KIT_ROOT/build/images/kubectl-1.20/usr/bin/kubectl"
declare -gA K8S_PID K8S_CMD

k8s_setup() {
	[ -x "$KUBECTL_120" ] || skip "kubectl 1.20 is not unpacked: run 'make images' (Debian package kubernetes-client)"
	T=$(mktemp -d /tmp/kit-e2e10.XXXXXX)
	K8S_PID=()
	K8S_CMD=()
	TIMELINE=$T/timeline
	T0=$(date +%s.%N)
}

k8s_teardown() {
	local name
	# everything but the API server first, so nothing logs errors about it going
	for name in "${!K8S_PID[@]}"; do
		[ "$name" = apiserver ] && continue
		kill -TERM "${K8S_PID[$name]}" 2>/dev/null
	done
	for name in "${!K8S_PID[@]}"; do
		[ "$name" = apiserver ] && continue
		wait "${K8S_PID[$name]}" 2>/dev/null || true
	done
	if [ -n "${K8S_PID[apiserver]:-}" ]; then
		kill -TERM "${K8S_PID[apiserver]}" 2>/dev/null
		wait "${K8S_PID[apiserver]}" 2>/dev/null || true
	fi
	K8S_PID=()
	# KIT_E2E_LOGS=DIR keeps every component's log (e.g. to read ASan reports)
	if [ -n "${KIT_E2E_LOGS:-}" ] && [ -n "${T:-}" ]; then
		mkdir -p "$KIT_E2E_LOGS/$BATS_TEST_NUMBER" && cp "$T"/*.log "$KIT_E2E_LOGS/$BATS_TEST_NUMBER/" 2>/dev/null
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	local p rc=0
	for p in mini-apiserver mini-controller-manager mini-scheduler mini-kubelet; do
		no_processes_left "$KIT_BIN/$p" || { echo "(from $p)" >&2; rc=1; }
	done
	return $rc
}

# k8s_start NAME PROGRAM ARGS...: in the background, its log in $T/NAME.log.
k8s_start() {
	local name=$1
	shift
	K8S_CMD[$name]=$(printf '%q ' "$@")
	KIT_LOG=info "$@" 2>>"$T/$name.log" &
	K8S_PID[$name]=$!
}

# k8s_kill NAME [SIGNAL]: kill -9 (or SIGNAL) and reap it.
k8s_kill() {
	kill "-${2:-KILL}" "${K8S_PID[$1]}" 2>/dev/null
	wait "${K8S_PID[$1]}" 2>/dev/null || true
	unset "K8S_PID[$1]"
}

# k8s_restart NAME: the same command line again.
k8s_restart() {
	local name=$1
	echo "--- restarted ---" >>"$T/$name.log"
	eval "KIT_LOG=info ${K8S_CMD[$name]} 2>>\"\$T/\$name.log\" &"
	K8S_PID[$name]=$!
}

# wait_for SECONDS CMD...: until CMD succeeds (quietly), or fail showing its output.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >&2
	return 1
}

# mark TEXT: one line of the timeline, seconds since the test began.
# The timeline goes to $TIMELINE and into the TAP output (as # comments).
mark() {
	local line
	line=$(printf '%7.2fs  %s' "$(python3 -c "import time; print(time.time() - $T0)")" "$*")
	echo "$line" >>"$TIMELINE"
	echo "# $line" >&3
}

# start_server: mini-apiserver on a free port (kept across restarts).
start_server() {
	local port flags
	echo 'e2e-admin-token,admin,1,"system:masters"' >"$T/tokens"
	mapfile -t flags < <(server_flags)
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	k8s_start apiserver "$KIT_BIN/mini-apiserver" --listen "127.0.0.1:$port" \
		--data-dir "$T/store" --token-file "$T/tokens" --write-kubeconfig "$T/kubeconfig" "${flags[@]}"
	URL=https://127.0.0.1:$port
	K=(env HOME="$T" "$KUBECTL_120" --kubeconfig "$T/kubeconfig" --cache-dir "$T/cache")
	wait_for 10 curl -sfk "$URL/readyz"
}

# start_node NAME [ARGS...]: a simulated node in its own process.
start_node() {
	local name=$1
	shift
	k8s_start "$name" "$KIT_BIN/mini-kubelet" --simulate --node-name "$name" --cpu 4 \
		--memory 8Gi --max-pods 110 --heartbeat-interval 1s --kubeconfig "$T/kubeconfig" "$@"
}

# controller_flags: short node lifecycle timings, for the flags this
# controller manager knows (kube-controller-manager: 40s, 5s, 0.1/s).
controller_flags() {
	local help
	help=$("$KIT_BIN/mini-controller-manager" --help 2>&1)
	[[ "$help" == *--node-monitor-grace-period* ]] && printf '%s\n' --node-monitor-grace-period 3s
	[[ "$help" == *--node-monitor-period* ]] && printf '%s\n' --node-monitor-period 500ms
	[[ "$help" == *--node-eviction-rate* ]] && printf '%s\n' --node-eviction-rate 100
	true
}

# server_flags: the pods' default toleration of an unreachable node, short
# (kube-apiserver's DefaultTolerationSeconds: 300 s).
server_flags() {
	local help
	help=$("$KIT_BIN/mini-apiserver" --help 2>&1)
	[[ "$help" == *--default-unreachable-toleration-seconds* ]] &&
		printf '%s\n' --default-unreachable-toleration-seconds 2
	[[ "$help" == *--default-not-ready-toleration-seconds* ]] &&
		printf '%s\n' --default-not-ready-toleration-seconds 2
	true
}

# start_cluster [NODES]: API server, controller manager, scheduler, NODES nodes (2).
start_cluster() {
	local n flags
	start_server
	mapfile -t flags < <(controller_flags)
	k8s_start cm "$KIT_BIN/mini-controller-manager" --kubeconfig "$T/kubeconfig" "${flags[@]}"
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	for ((n = 1; n <= ${1:-2}; n++)); do
		start_node "node-$n"
	done
	wait_for 10 nodes_ready "${1:-2}"
}

nodes_ready() {
	[ "$("${K[@]}" get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -eq "$1" ]
}

# pods_running N: exactly N pods that are not being deleted, all Running.
pods_running() {
	local out
	out=$("${K[@]}" get pods -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{"\n"}{end}' 2>/dev/null) || return 1
	out=$(awk 'NF == 2 {print $1, $2}' <<<"$out")
	[ "$(grep -c . <<<"$out")" -eq "$1" ] && ! grep -qv ' Running$' <<<"$out"
}

# no_pods: nothing left (deleted ones gone too).
no_pods() {
	[ -z "$("${K[@]}" get pods -o name 2>/dev/null)" ]
}

# pods_on NODE: how many live pods are bound to NODE.
pods_on() {
	"${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}' |
		awk -v n="$1" 'NF == 1 && $1 == n' | grep -c . || true
}

# bound_once: every Scheduled event names a distinct pod (nobody bound twice).
bound_once() {
	local names
	names=$("${K[@]}" get events -o jsonpath='{range .items[?(@.reason=="Scheduled")]}{.involvedObject.name}{"\n"}{end}')
	[ "$(sort <<<"$names" | uniq -d | grep -c .)" -eq 0 ]
}
