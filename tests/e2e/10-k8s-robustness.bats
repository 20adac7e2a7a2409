#!/usr/bin/env bats
# tests/e2e/10-k8s-robustness.bats - the control plane survives its parts
# dying.  Every component keeps no state of its own: it lists and watches
# the API server, and the API server keeps everything in its store.  So
# each of them may be killed with -9 in the middle of a change, started
# again, and the cluster converges to what was asked: the right number of
# pods, each bound once, all Running, none twice.  And two schedulers
# started by mistake cannot both bind a pod: a binding is a compare-and-
# swap in the API server, the loser gets 409 Conflict.
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/10-k8s-robustness.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load k8s

setup() {
	k8s_setup
}

teardown() {
	k8s_teardown
}

# converged N: N live pods, Running, distinct names, each bound once.
converged() {
	pods_running "$1" && bound_once &&
		[ "$("${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c .)" -eq "$1" ]
}

scale() {
	"${K[@]}" scale deployment myapp --replicas="$1" >/dev/null
}

@test "kill -9 of each control-plane process in the middle of a change: the cluster converges, no pod lost or doubled" {
	start_cluster 3
	"${K[@]}" create deployment myapp --image=nginx --replicas=3 >/dev/null
	wait_for 15 converged 3
	mark "3 pods Running"

	scale 12
	k8s_kill scheduler
	mark "scaled to 12, scheduler killed -9"
	sleep 0.5
	k8s_restart scheduler
	wait_for 20 converged 12
	mark "scheduler restarted: 12 Running"

	k8s_kill cm
	scale 6
	mark "controller manager killed -9, scaled to 6"
	sleep 0.5
	k8s_restart cm
	wait_for 20 converged 6
	mark "controller manager restarted: 6 Running"

	scale 9
	k8s_kill apiserver
	mark "scaled to 9, API server killed -9"
	sleep 1
	k8s_restart apiserver
	wait_for 10 curl -sfk "$URL/readyz"
	wait_for 30 converged 9
	mark "API server restarted: 9 Running"

	k8s_kill node-2
	scale 15
	mark "node-2's kubelet killed -9, scaled to 15"
	sleep 0.5
	k8s_restart node-2
	wait_for 20 converged 15
	mark "node-2 restarted: 15 Running"
	wait_for 10 nodes_ready 3

	# what the store holds: one ReplicaSet, 15 pods, 15 distinct names
	run "${K[@]}" get rs --no-headers
	assert_output --regexp '^myapp-[a-z0-9]+ +15 +15 +15 '
	run "${K[@]}" get pods -o name
	assert_equal "$(sort -u <<<"$output" | grep -c .)" 15
}

@test "two schedulers at once: every pod bound exactly once, the losers get 409" {
	start_server
	for n in 1 2 3; do start_node "node-$n"; done
	wait_for 10 nodes_ready 3
	# 200 pending pods before any scheduler runs: both see all of them at once,
	# and binding them all takes long enough that the two overlap
	for i in $(seq 200); do
		printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%d"},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"10m"}}}]}}\n' "$i"
	done | "${K[@]}" create -f - >/dev/null
	k8s_start scheduler-a "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	k8s_start scheduler-b "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	wait_for 30 converged 200
	k8s_kill scheduler-a TERM
	k8s_kill scheduler-b TERM
	a=$(sed -n 's/.*stopping after \([0-9]*\) bindings.* \([0-9]*\) conflicts.*/\1 \2/p' "$T/scheduler-a.log")
	b=$(sed -n 's/.*stopping after \([0-9]*\) bindings.* \([0-9]*\) conflicts.*/\1 \2/p' "$T/scheduler-b.log")
	echo "# scheduler-a: bindings, 409s: $a; scheduler-b: $b" >&3
	read -r ba ca <<<"$a"
	read -r bb cb <<<"$b"
	# 200 bindings in all, whoever made them, and each pod bound once
	assert_equal "$((ba + bb))" 200
	bound_once
	# Where they raced (almost always: both start on the same 200 pods),
	# the loser was told 409 and let the pod go.  Whether they overlap at
	# all is up to timing, so the race is reported, not required.
	if [ "$((ca + cb))" -gt 0 ]; then
		grep -q "409, bound by someone else" "$T/scheduler-a.log" "$T/scheduler-b.log"
	fi
}
