#!/usr/bin/env bats
# tests/e2e/10-k8s-scheduler.bats - mini-scheduler's plugins and queue, and
# mini-kubelet --simulate's pod lifecycle, through the real kubectl 1.20
# (article §6.1 Scheduler, §6.2 Kubelet).  The chapter's grader
# (tests/chapters/10-k8s.bats) has the basic story; these are the details:
# node affinity operators, taints and cordons named in FailedScheduling,
# preferred affinity and PreferNoSchedule in the scores, a pod that waits
# for room and gets it when another is deleted, pods that exit as told, and
# many nodes in one kubelet process.
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/10-k8s-scheduler.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load k8s

setup() {
	k8s_setup
}

teardown() {
	k8s_teardown
}

# run_pod NAME OVERRIDES-JSON-OF-SPEC: a pod with that spec (kubectl run --overrides)
run_pod() {
	"${K[@]}" run "$1" --image=nginx --restart=Never --overrides="{\"spec\":$2}" >/dev/null
}

node_of() {
	"${K[@]}" get pod "$1" -o jsonpath='{.spec.nodeName}'
}

pod_phase() {
	"${K[@]}" get pod "$1" -o jsonpath='{.status.phase}'
}

# three nodes: node-1 gen=3 zone=a; node-2 gen=5 zone=b, tainted dedicated=gpu:NoSchedule; node-3 cordoned
three_kinds() {
	start_server
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	start_node node-1
	start_node node-2
	start_node node-3 --cpu 1
	wait_for 10 nodes_ready 3
	"${K[@]}" label node node-1 gen=3 zone=a >/dev/null
	"${K[@]}" label node node-2 gen=5 zone=b >/dev/null
	"${K[@]}" taint node node-2 dedicated=gpu:NoSchedule >/dev/null
	"${K[@]}" cordon node-3 >/dev/null
}

@test "required node affinity: In, NotIn, Exists, DoesNotExist, Gt, Lt" {
	three_kinds
	expr() { # expr NAME KEY OP [VALUES-JSON]: a pod with one required expression
		run_pod "$1" "{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Exists\"}],\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"$2\",\"operator\":\"$3\"${4:+,\"values\":$4}}]}]}}}}"
	}
	expr gt gen Gt '["4"]'
	expr lt gen Lt '["4"]'
	expr in zone In '["b","c"]'
	expr notin zone NotIn '["a"]'
	expr exists zone Exists
	expr none gen DoesNotExist
	expr nan gen Gt '["four"]'
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod gt -o jsonpath='{.spec.nodeName}')\" = node-2 ]"
	[ "$(node_of lt)" = node-1 ]
	[ "$(node_of in)" = node-2 ]
	# NotIn a: node-2, or node-3 if it were not cordoned
	[ "$(node_of notin)" = node-2 ]
	[[ "$(node_of exists)" == node-[12] ]]
	# DoesNotExist gen: only node-3, which is cordoned; Gt with a non-number matches nothing
	wait_for 10 bash -c "${K[*]} get events | grep -F '0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn'\"'\"'t match Pod'\"'\"'s node affinity/selector.'"
	[ -z "$(node_of none)" ]
	[ -z "$(node_of nan)" ]
	# uncordon: DoesNotExist fits node-3 now, at once (a node update moves unschedulable pods)
	"${K[@]}" uncordon node-3 >/dev/null
	wait_for 5 bash -c "[ \"\$(${K[*]} get pod none -o jsonpath='{.spec.nodeName}')\" = node-3 ]"
}

@test "FailedScheduling counts every reason: resources, taints (named), cordons" {
	three_kinds
	run_pod big '{"containers":[{"name":"big","image":"nginx","resources":{"requests":{"cpu":"3","memory":"7Gi"}}}]}'
	run_pod huge '{"containers":[{"name":"huge","image":"nginx","resources":{"requests":{"cpu":"1500m","memory":"2Gi"}}}]}'
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod big -o jsonpath='{.spec.nodeName}')\" = node-1 ]"
	wait_for 10 bash -c "${K[*]} get events --field-selector reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -F '0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable.'"
	run "${K[@]}" describe pod huge
	assert_output --partial "FailedScheduling"
}

@test "scores: preferred node affinity wins; PreferNoSchedule is avoided, not refused" {
	start_server
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	for n in 1 2 3; do start_node "node-$n"; done
	wait_for 10 nodes_ready 3
	"${K[@]}" label node node-3 disk=ssd >/dev/null
	"${K[@]}" taint node node-1 spot=yes:PreferNoSchedule >/dev/null
	"${K[@]}" taint node node-2 spot=yes:PreferNoSchedule >/dev/null
	for i in 1 2 3 4; do
		run_pod "pref$i" '{"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":50,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}}]}}}'
	done
	wait_for 10 bash -c "[ \$(${K[*]} get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | grep -c node-3) -eq 4 ]"
	# node-3 full for pods (max-pods 4 would refuse): taint node-3 too, PreferNoSchedule everywhere
	"${K[@]}" taint node node-3 spot=yes:PreferNoSchedule >/dev/null
	"${K[@]}" taint node node-1 spot- >/dev/null
	run_pod plain '{}'
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod plain -o jsonpath='{.spec.nodeName}')\" = node-1 ]"
	# a pod that tolerates it does not mind: LeastAllocated decides (node-1 or node-2 are emptier)
	run_pod tolerant '{"tolerations":[{"key":"spot","operator":"Exists","effect":"PreferNoSchedule"}]}'
	wait_for 10 bash -c "${K[*]} get pod tolerant -o jsonpath='{.spec.nodeName}' | grep -E '^node-[12]$'"
}

@test "a pod waiting for room is scheduled as soon as a pod is deleted (no 60 s wait)" {
	start_server
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	start_node node-1 --cpu 1
	wait_for 10 nodes_ready 1
	run_pod first '{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"800m"}}}]}'
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod first -o jsonpath='{.status.phase}')\" = Running ]"
	run_pod second '{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"500m"}}}]}'
	wait_for 10 bash -c "${K[*]} get events | grep -F '0/1 nodes are available: 1 Insufficient cpu.'"
	# several attempts back off: 1 s, 2 s, 4 s ... then it waits in the unschedulable queue
	sleep 2
	[ -z "$(node_of second)" ]
	t0=$(date +%s%N)
	"${K[@]}" delete pod first --wait=false >/dev/null
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod second -o jsonpath='{.status.phase}')\" = Running ]"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# deleted first -> second Running: $ms ms" >&3
	[ "$ms" -lt 5000 ]
}

@test "simulated pods exit as told: Succeeded, Failed, restarted; a deleted pod is dropped" {
	start_server
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	start_node node-1
	wait_for 10 nodes_ready 1
	"${K[@]}" run ok --image=busybox --restart=Never --command -- true >/dev/null
	"${K[@]}" run bad --image=busybox --restart=Never --command -- false >/dev/null
	"${K[@]}" run later --image=busybox --restart=Never \
		--annotations=kit.example/simulate-exit=3 --annotations=kit.example/simulate-after=2s >/dev/null
	"${K[@]}" run crash --image=busybox --restart=Always --command -- false >/dev/null
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod ok -o jsonpath='{.status.phase}')\" = Succeeded ]"
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod bad -o jsonpath='{.status.phase}')\" = Failed ]"
	run "${K[@]}" get pod bad -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}'
	assert_output 1
	[ "$(pod_phase later)" = Running ]
	wait_for 10 bash -c "[ \"\$(${K[*]} get pod later -o jsonpath='{.status.phase}')\" = Failed ]"
	run "${K[@]}" get pod later -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}'
	assert_output 3
	# restartPolicy Always: the container restarts, the pod stays Running
	wait_for 10 bash -c "[ \$(${K[*]} get pod crash -o jsonpath='{.status.containerStatuses[0].restartCount}') -ge 1 ]"
	[ "$(pod_phase crash)" = Running ]
	run "${K[@]}" get pods --no-headers
	assert_line --regexp '^ok +0/1 +Completed '
	assert_line --regexp '^bad +0/1 +Error '
	"${K[@]}" delete pod crash >/dev/null
	wait_for 5 grep -q "pod default/crash is gone from node node-1: dropped" "$T/node-1.log"
}

@test "one kubelet process simulates 50 nodes: all Ready, 200 pods spread over them" {
	start_server
	k8s_start scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	k8s_start sims "$KIT_BIN/mini-kubelet" --simulate --nodes 50 --node-prefix sim- \
		--heartbeat-interval 2s --kubeconfig "$T/kubeconfig"
	wait_for 20 nodes_ready 50
	run "${K[@]}" get node sim-49 -o jsonpath='{.status.allocatable.cpu} {.spec.podCIDR}'
	assert_output --regexp '^4 10\.[0-9]+\.[0-9]+\.0/24$'
	for i in $(seq 200); do
		printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"s%d"},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"100m","memory":"500Mi"}}}]}}\n' "$i"
	done | "${K[@]}" create -f - >/dev/null
	wait_for 30 pods_running 200
	# LeastAllocated spreads them: 4 per node
	run bash -c "${K[*]} get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | sort | uniq -c | awk '{print \$1}' | sort -u"
	assert_output 4
}

@test "bad flags are usage errors (exit 2) that say what is expected; nothing is left running" {
	bad() { # bad PROGRAM MESSAGE ARGS...
		run --separate-stderr "$KIT_BIN/$1" "${@:3}"
		assert_failure 2
		[[ "$stderr" == *"$2"* ]] || { echo "stderr: $stderr"; false; }
	}
	bad mini-kubelet "--nodes takes a number from 1 to 20000" --simulate --nodes 0 --kubeconfig "$T/kc"
	bad mini-kubelet "--nodes takes a number from 1 to 20000" --simulate --nodes lots --kubeconfig "$T/kc"
	bad mini-kubelet "--node-name or --nodes N, not both" --simulate --nodes 3 --node-name a --kubeconfig "$T/kc"
	bad mini-kubelet "--pod-cidr is for one node" --simulate --nodes 3 --pod-cidr 10.1.2.0/24 --kubeconfig "$T/kc"
	bad mini-scheduler "--bind-workers takes 1 to 256" --kubeconfig "$T/kc" --bind-workers 0
	bad mini-scheduler "the back-offs are durations" --kubeconfig "$T/kc" --pod-initial-backoff soon
	bad mini-scheduler "the initial one not above the maximum" --kubeconfig "$T/kc" --pod-initial-backoff 20s
}
