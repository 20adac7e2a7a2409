#!/usr/bin/env bats
# tests/e2e/10-k8s-deployment.bats - article §6.4.1 as a whole story: the
# real kubectl 1.20 creates a Deployment on the kit's control plane
# (mini-apiserver, mini-controller-manager, mini-scheduler, three
# mini-kubelet --simulate nodes), scales it, changes its image and deletes
# it.  Each step is what the article says happens, checked from outside.
#
#   KIT_BIN=$PWD/build/bin bats tests/e2e/10-k8s-deployment.bats

bats_require_minimum_version 1.5.0
load ../chapters/helpers
load k8s

setup() {
	k8s_setup
}

teardown() {
	k8s_teardown
}

# replicasets: "NAME DESIRED CURRENT READY" lines
replicasets() {
	"${K[@]}" get rs --no-headers | awk '{print $1, $2, $3, $4}'
}

@test "§6.4.1: create deployment -> ReplicaSet -> 3 pods bound and Running; scale; rolling update; delete" {
	start_cluster 3
	mark "cluster up: 3 nodes Ready"
	run "${K[@]}" create deployment myapp --image=nginx --replicas=3
	assert_output "deployment.apps/myapp created"
	mark "kubectl create deployment myapp --image=nginx --replicas=3"
	wait_for 15 pods_running 3
	mark "3 pods Running"
	run "${K[@]}" get rs -o name
	assert_output --regexp '^replicaset.apps/myapp-[a-z0-9]+$'
	rs1=${output#replicaset.apps/}
	# every pod bound to a node, with an IP, shown by -o wide
	run "${K[@]}" get pods -o wide --no-headers
	echo "$output" | sed 's/^/# /' >&3
	assert_equal "${#lines[@]}" 3
	for line in "${lines[@]}"; do
		[[ "$line" =~ ^$rs1-[a-z0-9]{5}\ +1/1\ +Running\ +0\ +[0-9]+s\ +10\.244\.[0-9]+\.[0-9]+\ +node-[123]\  ]] ||
			{ echo "unexpected: $line"; false; }
	done
	# three equal nodes, three pods: LeastAllocated puts one on each
	run "${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}'
	assert_equal "$(sort -u <<<"$output" | grep -c .)" 3
	wait_for 10 bash -c "${K[*]} get deployment myapp --no-headers | grep -E '^myapp +3/3 +3 +3 '"

	run "${K[@]}" scale deployment myapp --replicas=5
	assert_success
	mark "scaled to 5"
	wait_for 15 pods_running 5
	mark "5 pods Running"
	"${K[@]}" scale deployment myapp --replicas=3 >/dev/null
	wait_for 15 pods_running 3
	mark "scaled back: 3 pods Running"
	run replicasets
	assert_output "$rs1 3 3 3"

	# the rolling update: a second ReplicaSet grows while the first shrinks
	"${K[@]}" get rs -w --no-headers >"$T/rs-watch" 2>&1 &
	watcher=$!
	run "${K[@]}" set image deployment/myapp nginx=nginx:1.25
	assert_success
	mark "kubectl set image deployment/myapp nginx=nginx:1.25"
	wait_for 20 bash -c "${K[*]} get rs --no-headers | grep -E '^$rs1 +0 +0 +0 '"
	wait_for 15 pods_running 3
	mark "rolling update done: new ReplicaSet 3/3, old one 0"
	kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true
	sed 's/^/# rs -w: /' "$T/rs-watch" >&3
	rs2=$("${K[@]}" get rs --no-headers | awk -v old="$rs1" '$1 != old {print $1}')
	[ -n "$rs2" ]
	# seen in between: both ReplicaSets with pods at once (surge), never more than 3+1 pods wanted
	grep -qE "^$rs2 +[12] " "$T/rs-watch"
	grep -qE "^$rs1 +[12] " "$T/rs-watch"
	run "${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.containers[0].image} {end}'
	assert_output "nginx:1.25 nginx:1.25 nginx:1.25 "
	run "${K[@]}" rollout status deployment/myapp --timeout=10s
	assert_output --partial 'successfully rolled out'

	# delete: the garbage collector takes the ReplicaSets and their pods
	run "${K[@]}" delete deployment myapp
	assert_success
	mark "kubectl delete deployment myapp"
	wait_for 15 bash -c "[ -z \"\$(${K[*]} get rs -o name)\" ]"
	wait_for 15 no_pods
	mark "ReplicaSets and pods gone"
}

@test "§6.4.1 timing: create deployment to all replicas Running, 3 and 30 replicas" {
	start_cluster 3
	for n in 3 30; do
		t0=$(date +%s%N)
		"${K[@]}" create deployment "app$n" --image=nginx --replicas=$n
		wait_for 30 bash -c "[ \$(${K[*]} get pods -l app=app$n --no-headers | grep -c ' Running ') -eq $n ]"
		ms=$((($(date +%s%N) - t0) / 1000000))
		mark "create deployment --replicas=$n -> $n Running: ${ms} ms"
		# polling every 0.1 s with kubectl adds to it; a generous bound
		[ "$ms" -lt 15000 ]
	done
}
