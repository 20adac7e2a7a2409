#!/usr/bin/env bats
# tests/e2e/10-k8s-node-failure.bats - article §6.4.2 as a whole story: a
# node stops sending heartbeats; the node lifecycle controller marks it
# NotReady and taints it; its pods are evicted; the ReplicaSet controller
# makes replacements; the scheduler puts them on the healthy nodes; their
# kubelets run them.  The total stays 3.  The timeline of each step is
# printed as it happens (TAP comments: seconds since the test began).
#
# Timings are the controller manager's flags, short so the story takes
# seconds: --node-monitor-grace-period 3s, a default toleration of 2 s for
# the unreachable taint (kube-controller-manager: 40 s and 300 s).
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/10-k8s-node-failure.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load k8s

setup() {
	k8s_setup
}

teardown() {
	k8s_teardown
}

node_status() { # node_status NODE: Ready, NotReady ...
	"${K[@]}" get node "$1" --no-headers | awk '{print $2}'
}

node_tainted() { # node_tainted NODE: has the unreachable NoExecute taint
	"${K[@]}" get node "$1" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect}{"\n"}{end}' |
		grep -qx 'node.kubernetes.io/unreachable:NoExecute'
}

# the §6.4.2 story, the node failing by SIGNAL to its kubelet: USR1 (silent) or KILL
node_failure_story() {
	start_cluster 3
	"${K[@]}" create deployment myapp --image=nginx --replicas=3 >/dev/null
	wait_for 15 pods_running 3
	mark "3 pods Running, one per node"
	victim=$("${K[@]}" get pods -o jsonpath='{.items[0].spec.nodeName}')
	lost=$("${K[@]}" get pods -o jsonpath="{range .items[?(@.spec.nodeName==\"$victim\")]}{.metadata.name}{\"\\n\"}{end}")
	[ -n "$lost" ]
	if [ "$1" = USR1 ]; then
		kill -USR1 "${K8S_PID[$victim]}"
		mark "$victim: heartbeats stopped (SIGUSR1 to its kubelet)"
	else
		k8s_kill "$victim"
		mark "$victim: kubelet killed (kill -9)"
	fi
	wait_for 20 bash -c "[ \"\$(${K[*]} get node $victim --no-headers | awk '{print \$2}')\" = NotReady ]"
	mark "$victim: NotReady (lease not renewed within the grace period)"
	run "${K[@]}" get node "$victim" -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.reason}{end}'
	assert_output --regexp '^Unknown '
	wait_for 10 node_tainted "$victim"
	mark "$victim: tainted node.kubernetes.io/unreachable:NoExecute"
	wait_for 20 bash -c "[ \$(${K[*]} get pods -o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.deletionTimestamp}{\"\\n\"}{end}' | awk -v n=$victim 'NF == 1 && \$1 == n' | grep -c .) -eq 0 ]"
	mark "$victim: its pods evicted ($(echo $lost))"
	wait_for 20 pods_running 3
	mark "replacements scheduled on healthy nodes and Running: total 3"
	run "${K[@]}" get pods -o wide --no-headers
	echo "$output" | sed 's/^/# /' >&3
	# the replacements are new pods, none on the failed node
	for p in $lost; do
		run "${K[@]}" get pod "$p" -o jsonpath='{.metadata.deletionTimestamp}'
		[ "$status" -ne 0 ] || [ -n "$output" ]
	done
	[ "$(pods_on "$victim")" -eq 0 ]
	run "${K[@]}" get events
	assert_output --regexp "(NodeNotReady|TaintManagerEviction|Deleting pod)"
}

@test "§6.4.2: a node stops its heartbeats: NotReady, eviction, replacements on healthy nodes; total stays 3" {
	node_failure_story USR1
	# heartbeats again: the node is Ready and untainted, and takes pods again
	kill -USR1 "${K8S_PID[$victim]}"
	wait_for 15 bash -c "[ \"\$(${K[*]} get node $victim --no-headers | awk '{print \$2}')\" = Ready ]"
	mark "$victim: heartbeats again: Ready"
	wait_for 15 bash -c "! ${K[*]} get node $victim -o jsonpath='{.spec.taints}' | grep -q unreachable"
	mark "$victim: taint removed"
}

@test "§6.4.2: kill -9 of a node's kubelet is a node failure too" {
	node_failure_story KILL
}
