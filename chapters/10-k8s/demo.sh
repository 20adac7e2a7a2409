#!/usr/bin/env bash
# chapters/10-k8s/demo.sh - article §6.1 (etcd, API Server), told with
# mini-etcdctl, mini-apiserver and the real kubectl 1.20; then part 2
# (§6.1 Controller Manager and Scheduler, §6.2 Kubelet): the article's two
# stories of §6.4, a Deployment's life and a node's failure.  Run by
# `make demo`; safe to run alone after `make && make images`.  Everything
# lives in one /tmp/kit-demo10.* directory, removed at the end, and every
# process is stopped by its PID.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
E=$KIT_BIN/mini-etcdctl
A=$KIT_BIN/mini-apiserver
KUBECTL=$KIT_ROOT/build/images/kubectl-1.20/usr/bin/kubectl

work=$(mktemp -d /tmp/kit-demo10.XXXXXX)
server=
procs=() # part 2's components
finish() {
	local p
	for p in "${procs[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${procs[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
	rm -rf "$work"
}
trap finish EXIT
S=(--data-dir "$work/store")

title "Chapter 10, part 1: the store and the API server (article §6.1)"
say "etcd is the cluster's only source of truth; the API server its only door."
say "First the store alone.  Every write gets the next number of one counter,"
say "the revision; each key remembers when it was made and last written:"
show "$E" "${S[@]}" -w fields put /demo/a one
show "$E" "${S[@]}" -w fields put /demo/a two
show "$E" "${S[@]}" -w fields del /demo/a
say "The past is kept until it is compacted: the key at revision 1:"
show "$E" "${S[@]}" get /demo/a --rev 1
say "A write can be conditional on the revision the writer read (compare-and-swap):"
show "$E" "${S[@]}" -w fields put /demo/b v1
show "$E" "${S[@]}" put /demo/b v2 --prev-rev 1 || true
say "And a watch from an old revision replays what happened, in order:"
show "$E" "${S[@]}" -w fields watch /demo/ --prefix --rev 1 --count 4

say ""
say "The store is one SQLite table, the k3s/kine design: each row is a revision."
if command -v sqlite3 >/dev/null; then
	show sqlite3 -header -column "$work/store/state.db" \
		"SELECT id, name, created, deleted, create_revision, prev_revision, version, value FROM kv"
fi

if [ ! -x "$KUBECTL" ]; then
	say "(skipping the API server part: kubectl 1.20 is not unpacked; run make images)"
	exit 0
fi
say ""
say "Now the API server on that store, and the real kubectl 1.20:"
# (part 2's node failure story wants the pods' default toleration of an
# unreachable node short: 2 s instead of 300)
toleration=()
"$A" --help | grep -q -- --default-unreachable-toleration-seconds &&
	toleration=(--default-unreachable-toleration-seconds 2)
"$A" --listen 127.0.0.1:0 --data-dir "$work/store" --write-kubeconfig "$work/kubeconfig" \
	"${toleration[@]}" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q "serving on" "$work/server.log" && break; sleep 0.05; done
show cat "$work/server.log"
# A "kubectl" that uses this server's kubeconfig, so the commands read as typed.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec env HOME="%s" "%s" --kubeconfig "%s" --cache-dir "%s" "$@"\n' \
	"$work" "$KUBECTL" "$work/kubeconfig" "$work/cache" >"$work/bin/kubectl"
chmod +x "$work/bin/kubectl"
K=("$work/bin/kubectl")
show "${K[@]}" version --short
say "The article's command (§6.4.1):"
show "${K[@]}" create deployment myapp --image=nginx --replicas=3
show "${K[@]}" get deployments -o wide
say "kubectl printed columns it does not know: the server sent a Table."
say "The object is a key in the store; its resourceVersion is the key's mod_revision:"
show "${K[@]}" get deployment myapp -o jsonpath='{.metadata.resourceVersion}{"\n"}'
show "$E" "${S[@]}" -w fields get /registry/deployments/ --prefix
say ""
say "kubectl scale is a PATCH of the /scale subresource: read, change, write back"
say "only if the revision is unchanged (the store's compare-and-swap):"
show "${K[@]}" scale deployment myapp --replicas=5
show "${K[@]}" get deployment myapp -o jsonpath='{.spec.replicas} {.metadata.resourceVersion} {.metadata.generation}{"\n"}'
say ""
say "Validation: the server refuses what is invalid, with one cause per problem:"
show "${K[@]}" create namespace Bad_Name || true
say ""
say "Watch: kubectl get -w lists, then watches from the list's revision."
"${K[@]}" get pods -w >"$work/watch.out" 2>&1 &
watcher=$!
sleep 1
show "${K[@]}" run web --image=nginx
show "${K[@]}" label pod web tier=front
sleep 1
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
show cat "$work/watch.out"
say "Nothing runs the pod yet: the scheduler, kubelet and controllers are part 2."
"${K[@]}" delete pod web --wait=false >/dev/null
"${K[@]}" delete deployment myapp >/dev/null

# until SECONDS CMD...: wait quietly for CMD to succeed.
until_ok() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
running() { # running N: N live pods, all Running
	[ "$("${K[@]}" get pods -o jsonpath='{range .items[*]}{.status.phase} {.metadata.deletionTimestamp}{"\n"}{end}' |
		awk 'NF == 1 && $1 == "Running"' | grep -c .)" -eq "$1" ] &&
		[ "$("${K[@]}" get pods -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}{"\n"}{end}' | grep -c '^$')" -eq "$1" ]
}
none_on() { # none_on NODE: no live pod bound to NODE
	! "${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}' |
		awk 'NF == 1 {print $1}' | grep -qx "$1"
}
nothing_left() { [ -z "$("${K[@]}" get pods,rs -o name 2>/dev/null)" ]; }
three_ready() { [ "$("${K[@]}" get nodes --no-headers | grep -c ' Ready ')" -eq 3 ]; }
node_is() { [ "$("${K[@]}" get node "$1" --no-headers | awk '{print $2}')" = "$2" ]; }
t0=$(date +%s.%N)
at() { printf '%6.1fs  %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$*" | tee -a "$work/timeline"; }

title "Chapter 10, part 2: controllers, scheduler, nodes (article §6.1, §6.2, §6.4)"
say "Every other component is a client of the API server: it lists and watches"
say "what it cares about into a cache, and writes back through the API."
cm_flags=(--kubeconfig "$work/kubeconfig")
help=$("$KIT_BIN/mini-controller-manager" --help 2>&1)
[[ "$help" == *--node-monitor-grace-period* ]] && cm_flags+=(--node-monitor-grace-period 3s)
[[ "$help" == *--node-monitor-period* ]] && cm_flags+=(--node-monitor-period 500ms)
[[ "$help" == *--node-eviction-rate* ]] && cm_flags+=(--node-eviction-rate 100)
say "(the node lifecycle's timings are shortened so the story takes seconds:"
say " mini-controller-manager ${cm_flags[*]:2}; mini-apiserver ${toleration[*]})"
KIT_LOG=warn "$KIT_BIN/mini-controller-manager" "${cm_flags[@]}" 2>"$work/cm.log" &
procs+=($!)
KIT_LOG=warn "$KIT_BIN/mini-scheduler" --kubeconfig "$work/kubeconfig" 2>"$work/scheduler.log" &
procs+=($!)
declare -A kubelet
for n in node-1 node-2 node-3; do
	KIT_LOG=warn "$KIT_BIN/mini-kubelet" --simulate --node-name $n --cpu 4 --memory 8Gi \
		--heartbeat-interval 1s --kubeconfig "$work/kubeconfig" 2>"$work/$n.log" &
	procs+=($!)
	kubelet[$n]=$!
done
until_ok 10 three_ready
say "Three simulated nodes (mini-kubelet --simulate: no containers, the KWOK idea)"
say "registered themselves and renew a Lease every second:"
show "${K[@]}" get nodes
show "${K[@]}" get leases -n kube-node-lease

title "§6.4.1: a Deployment's life"
show "${K[@]}" create deployment myapp --image=nginx --replicas=3
until_ok 15 running 3 || true
say "The Deployment controller made a ReplicaSet (named by the pod template's"
say "hash), the ReplicaSet controller three pods, the scheduler bound each to a"
say "node (one each: LeastAllocated), the kubelets reported them Running:"
show "${K[@]}" get deployments,replicasets
show "${K[@]}" get pods -o wide
say "Who did what, as Events:"
show "${K[@]}" get events --sort-by=.metadata.creationTimestamp
say ""
say "Scaling is a change of one number; the controllers do the rest:"
show "${K[@]}" scale deployment myapp --replicas=5
until_ok 15 running 5 || true
show "${K[@]}" get pods -o wide
show "${K[@]}" scale deployment myapp --replicas=3
until_ok 15 running 3 || true
say ""
say "A new image is a new pod template, so a new ReplicaSet: the rolling update"
say "grows it by one (maxSurge 25%) while the old one shrinks (maxUnavailable 25%):"
show "${K[@]}" set image deployment/myapp nginx=nginx:1.25
show "${K[@]}" rollout status deployment/myapp --timeout=30s || true
show "${K[@]}" get replicasets
show "${K[@]}" rollout history deployment/myapp || true

title "§6.4.2: a node fails"
victim=$("${K[@]}" get pods -o jsonpath='{.items[0].spec.nodeName}')
say "$victim runs these pods:"
show "${K[@]}" get pods -o wide --field-selector spec.nodeName=$victim
say "Now $victim stops renewing its lease (SIGUSR1 silences a simulated node;"
say "kill -9 would do too).  Nobody tells the control plane: it notices the silence."
at "$victim: heartbeats stop"
kill -USR1 "${kubelet[$victim]}"
if until_ok 20 node_is "$victim" NotReady; then
	at "$victim: NotReady (no lease renewal within the grace period)"
	until_ok 20 none_on "$victim" && at "$victim: its pods evicted"
	until_ok 20 running 3 && at "replacements Running on the other nodes: 3 again"
	show "${K[@]}" get nodes
	show "${K[@]}" get pods -o wide
	say "The timeline:"
	show cat "$work/timeline"
else
	say "($victim is still Ready: this controller manager has no node lifecycle"
	say " controller yet.)"
fi
kill -USR1 "${kubelet[$victim]}"
until_ok 15 node_is "$victim" Ready && say "$victim talks again: it is Ready, and takes new pods."

title "Deleting the Deployment"
show "${K[@]}" delete deployment myapp
until_ok 15 nothing_left ||
	say "(pods or ReplicaSets are left: the garbage collector is not running)"
show "${K[@]}" get deployments,replicasets,pods
