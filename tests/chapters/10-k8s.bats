#!/usr/bin/env bats
# tests/chapters/10-k8s.bats - chapter 10, part 1 (article §6.1: etcd and the
# API server): the store through mini-etcdctl, and mini-apiserver driven by
# the real kubectl 1.20 (Debian kubernetes-client, unpacked by `make images`
# into build/images/kubectl-1.20) and by curl.  These tests are also lab
# 10's grader: a name starting "[lab 10.N, P pts]" grades TODO 10.N.
#
# Every server starts on a free loopback port with its own data directory
# under /tmp/kit-k8s.*, and teardown stops it (and any etcd) by its PID.
#
# Part 2 (article §6.1 Controller Manager and Scheduler, §6.2 Kubelet,
# §6.4.1) is at the end: the whole control plane on loopback, with
# simulated nodes, driven by kubectl 1.20 as the article's scenario.
# Its components are stopped by PID too (CONTROL_PIDS).

bats_require_minimum_version 1.5.0
load helpers

KUBECTL_120="$KIT_ROOT/build/images/kubectl-1.20/usr/bin/kubectl"

setup() {
	E=$KIT_BIN/mini-etcdctl
	A=$KIT_BIN/mini-apiserver
	T=$(mktemp -d /tmp/kit-k8s.XXXXXX)
	S="--data-dir $T/store"
	SERVER_PID=
	ETCD_PID=
	CONTROL_PIDS=()
	API_ARGS=()
	CM_ARGS=()
}

teardown() {
	# part 2's components first (by PID), then the server they talk to
	local pid
	for pid in "${CONTROL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null # a node a test stopped (SIGSTOP)
		wait "$pid" 2>/dev/null || true
	done
	[ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; }
	[ -n "$ETCD_PID" ] && { kill -TERM "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null || true; }
	rm -rf "$T"
	no_processes_left "$A"
	no_processes_left "$E"
	no_processes_left "$KIT_BIN/mini-controller-manager"
	no_processes_left "$KIT_BIN/mini-scheduler"
	no_processes_left "$KIT_BIN/mini-kubelet"
}

require_kubectl120() {
	[ -x "$KUBECTL_120" ] || skip "kubectl 1.20 is not unpacked: run 'make images' (Debian package kubernetes-client)"
}

require_etcd() {
	command -v etcd >/dev/null || skip "etcd is not installed: apt-get install etcd-server"
}

# start_server [ARGS...]: mini-apiserver on a free port; sets URL, K (kubectl 1.20).
start_server() {
	"$A" --listen 127.0.0.1:0 --write-kubeconfig "$T/kubeconfig" "$@" 2>"$T/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		PORT=$(sed -n 's/.*serving on https:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$T/server.log")
		[ -n "$PORT" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$PORT" ] || { cat "$T/server.log" >&2; return 1; }
	URL=https://127.0.0.1:$PORT
	TOKEN=$(awk '/token:/ {print $2}' "$T/kubeconfig")
	K=(env HOME="$T" "$KUBECTL_120" --kubeconfig "$T/kubeconfig" --cache-dir "$T/cache")
	curl -sfk "$URL/readyz" >/dev/null
}

# api METHOD PATH [curl args]: an authenticated request; body on stdout,
# the HTTP status as the last line.
api() {
	local method=$1 path=$2
	shift 2
	curl -sk -X "$method" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}' "$@" "$URL$path"
}

# start_etcd: a real etcd on two free loopback ports; sets ETCD_URL.
start_etcd() {
	local c p
	c=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	ETCD_URL=http://127.0.0.1:$c
	etcd --data-dir "$T/etcd" --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
		--listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
		--initial-cluster "default=http://127.0.0.1:$p" >"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
	for _ in $(seq 100); do
		"$E" --endpoints "$ETCD_URL" revision >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$T/etcd.log" >&2
	return 1
}

# --- mini-etcdctl: the command line ---------------------------------------------

@test "[1 pt] mini-etcdctl --help lists the verbs; no store given is a usage error" {
	run --separate-stderr "$E" --help
	assert_success
	for verb in put get del watch compact revision lease bench; do
		assert_output --partial "$verb"
	done
	run --separate-stderr "$E" get /a
	assert_failure 2
	[[ "$stderr" == *"say which store: --data-dir DIR or --endpoints URL"* ]]
}

@test "[1 pt] a data directory under a file: exit 1 and why, nothing left behind" {
	touch "$T/file"
	run "$E" --data-dir "$T/file/store" put /a 1
	assert_failure 1
	assert_output --partial "open store: "
	assert_output --partial "ENOTDIR"
	run ls "$T"
	assert_output "file"
}

# --- lab 10.1: every write is a new revision -----------------------------------------

@test "[lab 10.1, 3 pts] put: each write takes the next revision; version counts, create_rev stays" {
	run "$E" $S -w fields put /a one
	assert_success
	assert_output "OK mod_rev=1 create_rev=1 version=1"
	run "$E" $S -w fields put /b other
	assert_output "OK mod_rev=2 create_rev=2 version=1"
	run "$E" $S -w fields put /a two
	assert_output "OK mod_rev=3 create_rev=1 version=2"
	run "$E" $S -w fields get /a
	assert_output "/a create_rev=1 mod_rev=3 version=2 lease=0 value=two"
	run "$E" $S revision
	assert_output "revision=3 compacted=0"
}

@test "[lab 10.1, 2 pts] delete is a revision too; a key made again starts at version 1" {
	"$E" $S put /a one
	"$E" $S put /a two
	run "$E" $S -w fields del /a
	assert_success
	assert_output "1 mod_rev=3"
	run "$E" $S get /a
	assert_output ""
	run "$E" $S -w fields put /a three
	assert_output "OK mod_rev=4 create_rev=4 version=1"
}

# --- lab 10.3: reading the past ----------------------------------------------------

@test "[lab 10.3, 3 pts] get --rev reads a key as it was, even after a delete" {
	"$E" $S put /a one
	"$E" $S put /a two
	"$E" $S del /a
	run "$E" $S get /a --rev 1
	assert_success
	assert_output $'/a\none'
	run "$E" $S -w fields get /a --rev 2
	assert_output "/a create_rev=1 mod_rev=2 version=2 lease=0 value=two"
	run "$E" $S get /a --rev 3
	assert_output ""
}

@test "[lab 10.3, 2 pts] get --prefix --rev lists the keys as they were at that revision" {
	"$E" $S put /p/a 1
	"$E" $S put /p/b 2
	"$E" $S put /p/a changed
	"$E" $S del /p/b
	"$E" $S put /p/c 3
	run "$E" $S -w fields get /p/ --prefix --rev 2
	assert_success
	assert_line --index 0 "/p/a create_rev=1 mod_rev=1 version=1 lease=0 value=1"
	assert_line --index 1 "/p/b create_rev=2 mod_rev=2 version=1 lease=0 value=2"
	assert_equal "${#lines[@]}" 2
	run "$E" $S get /p/ --prefix
	assert_output $'/p/a\nchanged\n/p/c\n3'
}

@test "[lab 10.3, 1 pt] a revision in the future is refused" {
	"$E" $S put /a one
	run "$E" $S get /a --rev 9
	assert_failure 1
	assert_output "mini-etcdctl: get at revision 9 (current 1): ERANGE (that revision is in the future)"
}

# --- lab 10.2: compare-and-swap --------------------------------------------------------

@test "[lab 10.2, 3 pts] put --prev-rev: only if the key is still at that revision" {
	"$E" $S put /a one
	"$E" $S put /a two
	run "$E" $S put /a lost --prev-rev 1
	assert_failure 1
	assert_output "mini-etcdctl: write /a if at revision 1: it is at 2: compare failed: ECANCELED (it changed since: re-read it and try again)"
	run "$E" $S -w fields put /a won --prev-rev 2
	assert_success
	assert_output "OK mod_rev=3 create_rev=1 version=3"
	run "$E" $S get /a
	assert_output $'/a\nwon'
}

@test "[lab 10.2, 2 pts] put --create: only if the key does not exist" {
	run "$E" $S put /a one --create
	assert_success
	run "$E" $S put /a two --create
	assert_failure 1
	assert_output "mini-etcdctl: create /a: compare failed: ECANCELED (it exists already)"
	run "$E" $S del /a --prev-rev 7
	assert_failure 1
	assert_output --partial "compare failed: ECANCELED"
}

# --- lab 10.4: watch ----------------------------------------------------------------------

@test "[lab 10.4, 3 pts] watch --rev replays the history in order, then stops at --count" {
	"$E" $S put /w/a 1
	"$E" $S put /x outside
	"$E" $S put /w/a 2
	"$E" $S del /w/a
	run timeout 10 "$E" $S -w fields watch /w/ --prefix --rev 1 --count 3
	assert_success
	assert_line --index 0 "PUT /w/a create_rev=1 mod_rev=1 version=1 value=1"
	assert_line --index 1 "PUT /w/a create_rev=1 mod_rev=3 version=2 value=2"
	assert_line --index 2 "DELETE /w/a mod_rev=4 prev_value=2"
	assert_equal "${#lines[@]}" 3
}

@test "[lab 10.4, 3 pts] a watch from now sees another process's writes, live and once" {
	"$E" $S put /w/old 0
	timeout 10 "$E" $S -w fields watch /w/ --prefix --count 2 >"$T/watch.out" &
	local pid=$!
	sleep 1
	"$E" $S put /w/new 1
	"$E" $S put /w/new 2
	wait "$pid"
	run cat "$T/watch.out"
	assert_line --index 0 "PUT /w/new create_rev=2 mod_rev=2 version=1 value=1"
	assert_line --index 1 "PUT /w/new create_rev=2 mod_rev=3 version=2 value=2"
	assert_equal "${#lines[@]}" 2
}

@test "[lab 10.4, 2 pts] a watch from a compacted revision is refused, and says what to do" {
	"$E" $S put /a 1
	"$E" $S put /a 2
	"$E" $S put /a 3
	run "$E" $S compact 3
	assert_success
	run "$E" $S get /a --rev 1
	assert_failure 1
	assert_output --partial "ESTALE"
	run timeout 10 "$E" $S watch /a --rev 2 --count 1
	assert_failure 1
	assert_output "mini-etcdctl: watch /a from revision 2: compacted to 3: ESTALE (list again, then watch from the revision of the list)"
	run timeout 10 "$E" $S -w fields watch /a --rev 3 --count 1
	assert_success
	assert_output "PUT /a create_rev=1 mod_rev=3 version=3 value=3"
}

# --- leases and durability ----------------------------------------------------------------

@test "[2 pts] a key on a lease goes when the lease runs out" {
	run "$E" $S lease grant 1
	assert_success
	assert_output "lease 1 granted with TTL(1s)"
	"$E" $S put /node/n1 alive --lease 1
	run "$E" $S -w fields get /node/n1
	assert_output "/node/n1 create_rev=1 mod_rev=1 version=1 lease=1 value=alive"
	sleep 2
	run "$E" $S get /node/n1
	assert_output ""
	run "$E" $S lease keepalive 1
	assert_failure 1
	assert_output --partial "ENOENT (it expired, or was never granted)"
}

@test "[2 pts] an acknowledged write survives kill -9 of the API server" {
	require_kubectl120
	start_server $S
	run "${K[@]}" create deployment durable --image=nginx
	assert_success
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	start_server $S
	run "${K[@]}" get deployment durable -o jsonpath='{.metadata.name} {.spec.replicas}'
	assert_success
	assert_output "durable 1"
}

# --- mini-apiserver: start, stop, refuse ----------------------------------------------------

@test "[1 pt] mini-apiserver --help; no store, or two, is a usage error" {
	run --separate-stderr "$A" --help
	assert_success
	for opt in --listen --unix --data-dir --etcd-servers --token-file --write-kubeconfig --default-unreachable-toleration-seconds; do
		assert_output --partial -- "$opt"
	done
	run --separate-stderr "$A" --listen 127.0.0.1:0
	assert_failure 2
	[[ "$stderr" == *"give one store: --data-dir DIR or --etcd-servers URL"* ]]
}

@test "[1 pt] a port in use: exit 1 and why" {
	start_server $S
	run timeout 10 "$A" --listen "127.0.0.1:$PORT" --data-dir "$T/other"
	assert_failure 1
	assert_output "mini-apiserver: listen on 127.0.0.1:$PORT: EADDRINUSE (another server has that port: pick another (port 0 picks a free one))"
}

@test "[1 pt] SIGTERM stops the server cleanly and removes its Unix socket" {
	start_server $S --unix "$T/api.sock"
	[ -S "$T/api.sock" ]
	kill -TERM "$SERVER_PID"
	status=0
	wait "$SERVER_PID" || status=$?
	SERVER_PID=
	assert_equal "$status" 0
	[ ! -e "$T/api.sock" ]
}

# --- authentication and authorization -------------------------------------------------------

@test "[2 pts] /readyz is open; no token or a wrong one is 401" {
	start_server $S
	run curl -sk "$URL/readyz"
	assert_output "ok"
	run curl -sk "$URL/api/v1/namespaces/default/pods"
	assert_output --partial '"reason":"Unauthorized"'
	assert_output --partial '"code":401'
	run curl -sk -H "Authorization: Bearer not-the-token" "$URL/version"
	assert_output --partial '"code":401'
}

@test "[2 pts] the token file's roles: view reads but may not delete (403)" {
	printf 'admintok,alice,1,"system:masters"\nviewtok,bob,2,view\nnobodytok,carol,3\n' >"$T/tokens"
	start_server $S --token-file "$T/tokens"
	TOKEN=viewtok
	run api GET /api/v1/namespaces/default/pods
	assert_line --index 1 200
	run api DELETE /api/v1/namespaces/default/pods/web
	assert_line --index 1 403
	assert_line --index 0 --partial 'pods \"web\" is forbidden: User \"bob\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"'
	TOKEN=nobodytok
	run api GET /api/v1/nodes
	assert_line --index 1 403
}

@test "[1 pt] the Unix socket is root's: mode 0600, and root is admin there" {
	require_root
	start_server $S --unix "$T/api.sock"
	run stat -c '%a %U' "$T/api.sock"
	assert_output "600 root"
	run curl -s --unix-socket "$T/api.sock" http://localhost/api/v1/namespaces/default
	assert_output --partial '"name":"default"'
	run as_nobody curl -s --unix-socket "$T/api.sock" http://localhost/api
	assert_failure
}

# --- real kubectl 1.20 ------------------------------------------------------------------------

@test "[2 pts] kubectl version talks to the server" {
	require_kubectl120
	start_server $S
	run "${K[@]}" version --short
	assert_success
	assert_line "Client Version: v1.20.2"
	assert_line "Server Version: v1.20.2-mini"
}

@test "[3 pts] kubectl create deployment myapp --image=nginx --replicas=3, then get deployments" {
	require_kubectl120
	start_server $S
	run "${K[@]}" create deployment myapp --image=nginx --replicas=3
	assert_success
	assert_output "deployment.apps/myapp created"
	run "${K[@]}" get deployments
	assert_success
	assert_line --index 0 --regexp '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$'
	assert_line --index 1 --regexp '^myapp +0/3 +0 +0 +[0-9]+s$'
	run "${K[@]}" get deploy -o wide
	assert_line --index 1 --regexp '^myapp +0/3 +0 +0 +[0-9]+s +nginx +nginx +app=myapp$'
	run "${K[@]}" get deployment myapp -o jsonpath='{.spec.strategy.type} {.spec.template.spec.restartPolicy} {.metadata.generation}'
	assert_output "RollingUpdate Always 1"
}

@test "[3 pts] kubectl get pods: plain, -o wide, -o json, -o yaml, -l" {
	require_kubectl120
	start_server $S
	"${K[@]}" run web --image=nginx:1.25 --labels=app=web
	"${K[@]}" run db --image=postgres --labels=app=db
	run "${K[@]}" get pods
	assert_line --index 0 --regexp '^NAME +READY +STATUS +RESTARTS +AGE$'
	assert_line --index 1 --regexp '^db +0/1 +Pending +0 +[0-9]+s$'
	run "${K[@]}" get pods -o wide
	assert_line --index 0 --regexp '^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$'
	run "${K[@]}" get pods -l app=web
	assert_line --index 1 --regexp '^web '
	assert_equal "${#lines[@]}" 2
	run "${K[@]}" get pod web -o json
	assert_output --partial '"imagePullPolicy": "IfNotPresent"'
	assert_output --partial '"phase": "Pending"'
	run "${K[@]}" get pod db -o yaml
	assert_output --partial 'imagePullPolicy: Always'
	assert_output --partial 'tolerationSeconds: 300'
}

@test "[2 pts] short names from discovery: po, deploy, rs, svc, no, ns" {
	require_kubectl120
	start_server $S
	for r in po deploy rs svc no ns ep ev lease; do
		run "${K[@]}" get "$r"
		assert_success
	done
	run "${K[@]}" api-resources --api-group=apps -o name
	assert_output $'deployments.apps\nreplicasets.apps'
}

@test "[2 pts] kubectl delete waits for the object to go; then get says NotFound" {
	require_kubectl120
	start_server $S
	"${K[@]}" create deployment myapp --image=nginx
	run timeout 20 "${K[@]}" delete deployment myapp
	assert_success
	assert_output 'deployment.apps "myapp" deleted'
	run "${K[@]}" get deployment myapp
	assert_failure
	assert_output 'Error from server (NotFound): deployments.apps "myapp" not found'
}

@test "[lab 10.4, 3 pts] kubectl get pods -w prints a pod created while it watches" {
	require_kubectl120
	start_server $S
	"${K[@]}" run first --image=nginx
	timeout 6 "${K[@]}" get pods -w >"$T/w.out" 2>&1 &
	sleep 1.5
	"${K[@]}" run second --image=nginx
	sleep 1
	run cat "$T/w.out"
	assert_line --index 0 --regexp '^NAME +READY +STATUS +RESTARTS +AGE$'
	assert_line --index 1 --regexp '^first +0/1 +Pending'
	assert_line --index 2 --regexp '^second +0/1 +Pending'
}

@test "[2 pts] kubectl scale, label, annotate and patch change the object" {
	require_kubectl120
	start_server $S
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	run "${K[@]}" scale deployment myapp --replicas=5
	assert_output "deployment.apps/myapp scaled"
	run "${K[@]}" label deployment myapp tier=web
	assert_output "deployment.apps/myapp labeled"
	run "${K[@]}" annotate deployment myapp note=hello
	assert_output "deployment.apps/myapp annotated"
	run "${K[@]}" patch deployment myapp --type=json -p '[{"op":"add","path":"/spec/minReadySeconds","value":7}]'
	assert_success
	run "${K[@]}" patch deployment myapp --type=json -p '[{"op":"test","path":"/spec/replicas","value":1}]'
	assert_failure
	assert_output --partial 'apply JSON patch operation 0: test /spec/replicas: ECANCELED (the value differs)'
	run "${K[@]}" get deployment myapp -o jsonpath='{.spec.replicas} {.metadata.labels.tier} {.metadata.annotations.note} {.spec.minReadySeconds} {.metadata.generation}'
	assert_output "5 web hello 7 3"
}

@test "[2 pts] kubectl create -f and apply -f with YAML; describe deployment" {
	require_kubectl120
	start_server $S
	cat >"$T/dep.yaml" <<-'EOF'
	apiVersion: apps/v1
	kind: Deployment
	metadata:
	  name: web
	spec:
	  replicas: 2
	  selector:
	    matchLabels: {app: web}
	  template:
	    metadata:
	      labels: {app: web}
	    spec:
	      containers:
	      - name: nginx
	        image: nginx:1.25
	EOF
	run "${K[@]}" apply -f "$T/dep.yaml"
	assert_output "deployment.apps/web created"
	sed -i 's/nginx:1.25/nginx:1.26/; s/replicas: 2/replicas: 4/' "$T/dep.yaml"
	run "${K[@]}" apply -f "$T/dep.yaml"
	assert_output "deployment.apps/web configured"
	run "${K[@]}" get deploy web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}'
	assert_output "4 nginx:1.26"
	run "${K[@]}" describe deployment web
	assert_success
	assert_line --regexp '^Replicas: +4 desired'
	assert_line --regexp '^ +Image: +nginx:1.26$'
	run "${K[@]}" create -f "$T/dep.yaml"
	assert_failure
	assert_output 'Error from server (AlreadyExists): error when creating "'"$T"'/dep.yaml": deployments.apps "web" already exists'
}

@test "[2 pts] an invalid object is 422 with the causes, as the real server words them" {
	require_kubectl120
	start_server $S
	cat >"$T/bad.yaml" <<-'EOF'
	apiVersion: apps/v1
	kind: Deployment
	metadata:
	  name: Bad_Name
	spec:
	  selector:
	    matchLabels: {app: web}
	  template:
	    metadata:
	      labels: {app: other}
	    spec:
	      containers:
	      - name: nginx
	EOF
	run "${K[@]}" create -f "$T/bad.yaml"
	assert_failure
	assert_output --partial 'The Deployment "Bad_Name" is invalid: '
	assert_output --partial '* metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of'
	assert_output --partial '* spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`'
	assert_output --partial '* spec.template.spec.containers[0].image: Required value'
	run "${K[@]}" create namespace Bad_NS
	assert_output --partial 'The Namespace "Bad_NS" is invalid'
	run "${K[@]}" -n nowhere run web --image=nginx
	assert_output 'Error from server (NotFound): namespaces "nowhere" not found'
}

@test "[2 pts] services get a cluster IP and show TYPE CLUSTER-IP PORT(S); nodes show STATUS ROLES VERSION" {
	require_kubectl120
	start_server $S
	run "${K[@]}" create service clusterip web --tcp=80:8080
	assert_success
	run "${K[@]}" get svc web
	assert_line --index 0 --regexp '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$'
	assert_line --index 1 --regexp '^web +ClusterIP +10\.96\.0\.2 +<none> +80/TCP +[0-9]+s$'
	run api POST /api/v1/nodes -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1","labels":{"node-role.kubernetes.io/worker":""}},"status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.20.2-mini"}}}'
	assert_line --index 1 201
	run "${K[@]}" get nodes
	assert_line --index 0 --regexp '^NAME +STATUS +ROLES +AGE +VERSION$'
	assert_line --index 1 --regexp '^node-1 +Ready +worker +[0-9]+s +v1.20.2-mini$'
}

# --- the API, by hand ----------------------------------------------------------------------------

@test "[lab 10.2, 3 pts] an update with a stale resourceVersion is 409 Conflict; the current one wins" {
	start_server $S
	run api POST /api/v1/namespaces/default/configmaps -d '{}'
	assert_line --index 1 404
	api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
		-d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' >"$T/created"
	rv=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[0])["metadata"]["resourceVersion"])' "$T/created")
	body='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"v":"1"},"resourceVersion":"'$rv'"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
	run api PUT /api/v1/namespaces/default/pods/p -d "$body"
	assert_line --index 1 200
	run api PUT /api/v1/namespaces/default/pods/p -d "${body/\"v\":\"1\"/\"v\":\"2\"}"
	assert_line --index 1 409
	assert_line --index 0 --partial '"message":"Operation cannot be fulfilled on pods \"p\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict"'
	run api GET /api/v1/namespaces/default/pods/p
	assert_line --index 0 --partial '"labels":{"v":"1"}'
}

@test "[lab 10.2, 2 pts] creating an object that exists is 409 AlreadyExists" {
	start_server $S
	pod='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
	run api POST /api/v1/namespaces/default/pods -d "$pod"
	assert_line --index 1 201
	run api POST /api/v1/namespaces/default/pods -d "$pod"
	assert_line --index 1 409
	assert_line --index 0 --partial '"message":"pods \"p\" already exists","reason":"AlreadyExists"'
}

@test "[2 pts] list with limit and continue pages through one snapshot" {
	start_server $S
	for p in a b c; do
		api POST /api/v1/namespaces/default/pods -d '{"metadata":{"name":"'$p'"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
	done
	api GET '/api/v1/namespaces/default/pods?limit=2' | head -1 >"$T/page1"
	run python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), bool(d["metadata"].get("continue")), d["metadata"]["resourceVersion"])' "$T/page1"
	assert_output "2 True 7"
	token=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["metadata"]["continue"]))' "$T/page1")
	api DELETE /api/v1/namespaces/default/pods/c >/dev/null
	api GET "/api/v1/namespaces/default/pods?limit=2&continue=$token" | head -1 >"$T/page2"
	run python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([i["metadata"]["name"] for i in d["items"]], d["metadata"]["resourceVersion"])' "$T/page2"
	assert_output "['c'] 7"
}

@test "[2 pts] field selectors: spec.nodeName and status.phase; an unknown field is 400" {
	start_server $S
	api POST /api/v1/namespaces/default/pods -d '{"metadata":{"name":"a"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
	api POST /api/v1/namespaces/default/pods -d '{"metadata":{"name":"b"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
	run api GET '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1'
	assert_line --index 0 --partial '"name":"a"'
	refute_line --index 0 --partial '"name":"b"'
	run api GET '/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3D,status.phase%3DPending'
	assert_line --index 0 --partial '"name":"b"'
	refute_line --index 0 --partial '"name":"a"'
	run api GET '/api/v1/namespaces/default/pods?fieldSelector=spec.color%3Dred'
	assert_line --index 1 400
	assert_line --index 0 --partial 'field label not supported: spec.color'
}

@test "[2 pts] binding places a pod once; a second binding is 409" {
	start_server $S
	api POST /api/v1/namespaces/default/pods -d '{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
	run api POST /api/v1/namespaces/default/pods/p/binding -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"node-1"}}'
	assert_line --index 1 201
	run api POST /api/v1/namespaces/default/pods/p/binding -d '{"target":{"kind":"Node","name":"node-2"}}'
	assert_line --index 1 409
	run api GET /api/v1/namespaces/default/pods/p
	assert_line --index 0 --partial '"nodeName":"node-1"'
}

@test "[lab 10.4, 2 pts] watch from a compacted resourceVersion gets an ERROR event with 410" {
	start_server $S
	for i in 1 2 3; do
		api POST /api/v1/namespaces/default/pods -d '{"metadata":{"name":"p'$i'"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
	done
	kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
	"$E" $S compact 6
	start_server $S
	run timeout 10 curl -sk -H "Authorization: Bearer $TOKEN" "$URL/api/v1/namespaces/default/pods?watch=true&resourceVersion=2"
	assert_output --partial '{"type":"ERROR","object":{"kind":"Status"'
	assert_output --partial '"reason":"Expired","code":410'
	run timeout 10 curl -sk -H "Authorization: Bearer $TOKEN" "$URL/api/v1/namespaces/default/pods?watch=true&resourceVersion=6&timeoutSeconds=1"
	assert_output --partial '{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p3"'
}

# --- limits: a hostile client cannot take the server down -------------------------------------------

@test "[2 pts] a body over 3 MiB is refused with 413, and the server goes on" {
	start_server $S
	head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$T/big"
	run api POST /api/v1/namespaces/default/pods --data-binary "@$T/big"
	assert_line --index 1 413
	run curl -sk "$URL/readyz"
	assert_output "ok"
}

@test "[2 pts] clients that connect and say nothing are dropped after --request-timeout" {
	start_server $S --request-timeout 3 --max-connections 4
	# Four silent connections fill the server...
	for i in 1 2 3 4; do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		eval "fd$i=$fd"
	done
	sleep 0.3
	run curl -sk --max-time 1 "$URL/readyz"
	assert_failure
	# ... until the time-out drops them.
	sleep 3.5
	run curl -sk --max-time 5 "$URL/readyz"
	assert_output "ok"
	for i in 1 2 3 4; do eval "exec {fd$i}>&-"; done
}

@test "[2 pts] the same API on a real etcd: --etcd-servers" {
	require_kubectl120
	require_etcd
	start_etcd
	start_server --etcd-servers "$ETCD_URL"
	run "${K[@]}" create deployment myapp --image=nginx --replicas=3
	assert_success
	run "${K[@]}" get deploy
	assert_line --index 1 --regexp '^myapp +0/3 +0 +0 '
	timeout 5 "${K[@]}" get pods -w >"$T/w.out" 2>&1 &
	sleep 1.5
	"${K[@]}" run on-etcd --image=nginx
	sleep 1
	run cat "$T/w.out"
	assert_line --regexp '^on-etcd +0/1 +Pending'
	run "$E" --endpoints "$ETCD_URL" get /registry/deployments/default/myapp
	assert_output --partial '"replicas":3'
}

@test "[1 pt] the newer kubectl works too, with the --dry-run=client route for create deployment" {
	require_kubectl120
	[ -x /usr/bin/kubectl ] || skip "no other kubectl in /usr/bin"
	start_server $S
	K2=(env HOME="$T" /usr/bin/kubectl --kubeconfig "$T/kubeconfig" --cache-dir "$T/cache2")
	run bash -c "${K2[*]} create deployment newer --image=nginx --dry-run=client -o json | ${K2[*]} create -f -"
	assert_success
	assert_output "deployment.apps/newer created"
	run "${K2[@]}" get deployments
	assert_line --index 1 --regexp '^newer +0/1 '
}

# --- part 2: controllers, scheduler, simulated nodes (§6.1, §6.2, §6.4.1) -------------

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

# start_component NAME PROGRAM ARGS...: in the background, log in $T/NAME.log.
start_component() {
	local name=$1
	shift
	KIT_LOG=info "$@" 2>"$T/$name.log" &
	CONTROL_PIDS+=($!)
}

pods_running() { # pods_running N: exactly N pods, all Running
	local out
	out=$("${K[@]}" get pods --no-headers 2>/dev/null) || return 1
	[ "$(grep -c . <<<"$out")" -eq "$1" ] && ! grep -qv ' Running ' <<<"$out"
}

nodes_ready() {
	[ "$("${K[@]}" get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -eq "$1" ]
}

# start_cluster: API server, controller manager, scheduler and two nodes
# (node-1 is CONTROL_PIDS[2], node-2 CONTROL_PIDS[3]); extra arguments of
# the API server and the controller manager in API_ARGS and CM_ARGS.
start_cluster() {
	require_kubectl120
	start_server $S "${API_ARGS[@]}"
	start_component cm "$KIT_BIN/mini-controller-manager" --kubeconfig "$T/kubeconfig" "${CM_ARGS[@]}"
	start_component scheduler "$KIT_BIN/mini-scheduler" --kubeconfig "$T/kubeconfig"
	for n in node-1 node-2; do
		start_component "$n" "$KIT_BIN/mini-kubelet" --simulate --node-name "$n" --cpu 4 \
			--memory 8Gi --max-pods 110 --heartbeat-interval 1s --kubeconfig "$T/kubeconfig"
	done
	wait_for 10 nodes_ready 2
}

@test "[1 pt] part 2 programs: --help, a missing --kubeconfig is a usage error" {
	for p in mini-controller-manager mini-scheduler mini-kubelet; do
		run "$KIT_BIN/$p" --help
		assert_success
		assert_output --partial "--kubeconfig"
	done
	run --separate-stderr "$KIT_BIN/mini-scheduler"
	assert_failure 2
	[[ "$stderr" == *"--kubeconfig FILE is required"* ]]
	run --separate-stderr "$KIT_BIN/mini-kubelet" --node-name n --kubeconfig /dev/null
	assert_failure 2
	[[ "$stderr" == *"only --simulate is implemented"* ]]
	run --separate-stderr "$KIT_BIN/mini-kubelet" --simulate --node-name n --cpu lots \
		--kubeconfig /dev/null
	assert_failure 2
	[[ "$stderr" == *"--cpu, --memory and --max-pods take positive quantities"* ]]
}

@test "[1 pt] a kubeconfig that is not one, or a server that is not there: exit 1 and why" {
	printf 'current-context: x\n' >"$T/bad"
	run "$KIT_BIN/mini-controller-manager" --kubeconfig "$T/bad"
	assert_failure 1
	assert_output --partial "find context \"x\" in kubeconfig: EINVAL"
	printf 'clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: x\n  context:\n    cluster: c\ncurrent-context: x\n' >"$T/nobody-home"
	run "$KIT_BIN/mini-kubelet" --simulate --node-name n1 --kubeconfig "$T/nobody-home"
	assert_failure 1
	assert_output --partial "register node n1: POST /api/v1/nodes on https://127.0.0.1:1: ECONNREFUSED (is the API server running?"
}

@test "[2 pts] simulated nodes register, renew their leases and report capacity" {
	start_cluster
	run "${K[@]}" get nodes
	assert_line --regexp '^node-1 +Ready +<none> +[0-9]+s +v1.20.0-mini$'
	assert_line --regexp '^node-2 +Ready '
	run "${K[@]}" get node node-1 -o jsonpath='{.status.allocatable.cpu} {.status.allocatable.memory} {.status.allocatable.pods}'
	assert_output "4 8Gi 110"
	r1=$("${K[@]}" get lease -n kube-node-lease node-1 -o jsonpath='{.spec.renewTime}')
	sleep 1.5
	r2=$("${K[@]}" get lease -n kube-node-lease node-1 -o jsonpath='{.spec.renewTime}')
	[ -n "$r1" ] && [ "$r1" != "$r2" ]
}

@test "[3 pts] §6.4.1 create deployment: a ReplicaSet, 3 pods bound to nodes and Running, spread" {
	start_cluster
	run "${K[@]}" create deployment myapp --image=nginx --replicas=3
	assert_output "deployment.apps/myapp created"
	wait_for 10 pods_running 3
	run "${K[@]}" get replicasets -o name
	assert_output --regexp '^replicaset.apps/myapp-[a-z0-9]+$'
	rs=${output#replicaset.apps/}
	run "${K[@]}" get pods -o wide --no-headers
	# NAME READY STATUS RESTARTS AGE IP NODE ...
	for line in "${lines[@]}"; do
		[[ "$line" =~ ^$rs-[a-z0-9]{5}\ +1/1\ +Running\ +0\ +[0-9]+s\ +10\.244\.[0-9]+\.[0-9]+\ +node-[12]\  ]] ||
			{ echo "unexpected: $line"; false; }
	done
	# LeastAllocated spreads them: both nodes have some
	assert_output --partial " node-1 "
	assert_output --partial " node-2 "
	# ownerReferences: every pod is the ReplicaSet's, the ReplicaSet the Deployment's
	run "${K[@]}" get pods -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {end}'
	assert_output "ReplicaSet/$rs ReplicaSet/$rs ReplicaSet/$rs "
	run "${K[@]}" get rs "$rs" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
	assert_output "Deployment/myapp"
	wait_for 5 bash -c "${K[*]} get deployment myapp --no-headers | grep -E '^myapp +3/3 +3 +3 '"
	run "${K[@]}" get events
	assert_output --partial "Scaled up replica set $rs to 3"
	assert_output --partial "Created pod: $rs-"
	assert_output --regexp "Successfully assigned default/$rs-[a-z0-9]+ to node-[12]"
}

@test "[2 pts] scale to 5 and back to 3: the ReplicaSet follows the Deployment" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	run "${K[@]}" scale deployment myapp --replicas=5
	assert_success
	wait_for 10 pods_running 5
	wait_for 5 bash -c "${K[*]} get deployment myapp --no-headers | grep -E '^myapp +5/5 +5 +5 '"
	"${K[@]}" scale deployment myapp --replicas=3
	wait_for 10 pods_running 3
	run "${K[@]}" get rs --no-headers
	assert_output --regexp '^myapp-[a-z0-9]+ +3 +3 +3 '
	run "${K[@]}" get events
	assert_output --partial "Deleted pod: myapp-"
}

@test "[2 pts] a deleted pod is replaced by a new one (level-triggered)" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	victim=$("${K[@]}" get pods -o name | head -1)
	run "${K[@]}" delete "$victim"
	assert_success
	wait_for 10 pods_running 3
	run "${K[@]}" get pods -o name
	refute_line "$victim"
}

@test "[2 pts] change the image: a new ReplicaSet takes over, the old one is scaled to 0" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	old=$("${K[@]}" get rs -o name)
	run "${K[@]}" set image deployment/myapp nginx=nginx:1.25
	assert_success
	wait_for 15 bash -c "${K[*]} get rs --no-headers | grep -E ' 0 +0 +0 ' && ${K[*]} get rs --no-headers | grep -E ' 3 +3 +3 '"
	run "${K[@]}" get rs "${old#replicaset.apps/}" -o jsonpath='{.spec.replicas} {.metadata.annotations.deployment\.kubernetes\.io/revision}'
	assert_output "0 1"
	wait_for 10 pods_running 3
	run "${K[@]}" get pods -o jsonpath='{range .items[*]}{.spec.containers[0].image} {end}'
	assert_output "nginx:1.25 nginx:1.25 nginx:1.25 "
	run "${K[@]}" rollout status deployment/myapp --timeout=10s
	assert_output --partial 'successfully rolled out'
}

@test "[2 pts] a pod that fits nowhere: FailedScheduling says why, per node" {
	start_cluster
	"${K[@]}" run huge --image=nginx --overrides='{"spec":{"containers":[{"name":"huge","image":"nginx","resources":{"requests":{"cpu":"100"}}}]}}'
	"${K[@]}" run picky --image=nginx --overrides='{"spec":{"nodeSelector":{"disk":"ssd"}}}'
	wait_for 10 bash -c "${K[*]} get events | grep -F '0/2 nodes are available: 2 Insufficient cpu.'"
	wait_for 10 bash -c "${K[*]} get events | grep -F \"0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.\""
	run "${K[@]}" get pods --no-headers
	assert_line --regexp '^huge +0/1 +Pending '
	assert_line --regexp '^picky +0/1 +Pending '
	# a node that matches comes: the pod waiting for it is scheduled at once
	start_component node-3 "$KIT_BIN/mini-kubelet" --simulate --node-name node-3 \
		--heartbeat-interval 1s --kubeconfig "$T/kubeconfig"
	"${K[@]}" label node node-3 disk=ssd
	wait_for 10 bash -c "${K[*]} get pod picky -o wide --no-headers | grep -E ' Running .* node-3 '"
}

# --- part 2: node lifecycle, Endpoints, garbage collector, rollout history ---------------
#
# Timings are flags so that each test runs in seconds: the grace period of a
# node (--node-monitor-grace-period), how often nodes are checked, the rate
# of evictions, and the pods' default toleration of an unreachable node (the
# API server's --default-unreachable-toleration-seconds).

FAST_NODES=(--node-monitor-grace-period 2s --node-monitor-period 200ms)

node_status() { # node_status NAME: the STATUS column of kubectl get nodes
	"${K[@]}" get node "$1" --no-headers | awk '{print $2}'
}

pods_on() { # pods_on NODE: how many pods are bound to it
	"${K[@]}" get pods -o wide --no-headers | awk -v n="$1" '$7 == n' | grep -c . || true
}

@test "[1 pt] mini-controller-manager: bad durations and rates are usage errors" {
	for args in "--node-monitor-grace-period 5x" "--node-monitor-grace-period -1s" \
		"--node-monitor-period 0s" "--resync-period soon"; do
		run --separate-stderr "$KIT_BIN/mini-controller-manager" --kubeconfig /dev/null $args
		assert_failure 2
		[[ "$stderr" == *"is not a duration of"* ]] || { echo "$args: $stderr"; false; }
	done
	for rate in -1 0 abc 1e9 ""; do
		run --separate-stderr "$KIT_BIN/mini-controller-manager" --kubeconfig /dev/null \
			--node-eviction-rate "$rate"
		assert_failure 2
		[[ "$stderr" == *"--node-eviction-rate: \"$rate\" is not a rate"* ]] || { echo "$rate: $stderr"; false; }
	done
	run --separate-stderr "$KIT_BIN/mini-controller-manager" --kubeconfig /dev/null \
		--node-monitor-grace-period 1s --node-monitor-period 2s
	assert_failure 2
	[[ "$stderr" == *"--node-monitor-period must not be longer than --node-monitor-grace-period"* ]]
}

@test "[lab 10.5, 3 pts] a node whose lease stops: Ready=Unknown, unreachable taint, its pods evicted and replaced" {
	API_ARGS=(--default-unreachable-toleration-seconds 2)
	CM_ARGS=("${FAST_NODES[@]}" --node-eviction-rate 100)
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=4
	wait_for 10 pods_running 4
	[ "$(pods_on node-2)" -ge 1 ]
	victims=$("${K[@]}" get pods -o wide --no-headers | awk '$7 == "node-2" {print $1}')
	kill -KILL "${CONTROL_PIDS[3]}" # node-2's kubelet: no more lease renewals
	wait_for 10 bash -c "[ \"\$(${K[*]} get node node-2 --no-headers | awk '{print \$2}')\" = NotReady ]"
	run "${K[@]}" get node node-2 -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.reason} {.message}{end}'
	assert_output "Unknown NodeStatusUnknown Kubelet stopped posting node status."
	wait_for 5 bash -c "${K[*]} get node node-2 -o jsonpath='{.spec.taints[*].key}:{.spec.taints[*].effect}' | grep -x 'node.kubernetes.io/unreachable node.kubernetes.io/unreachable:NoSchedule NoExecute'"
	run "${K[@]}" get node node-1 -o jsonpath='{.spec.taints}'
	assert_output ""
	# tolerationSeconds 2 later: evicted, replaced on node-1, still 4
	wait_for 15 bash -c "[ \"\$(${K[*]} get pods -o wide --no-headers | awk '\$7 == \"node-2\"' | grep -c .)\" = 0 ]"
	wait_for 10 pods_running 4
	for v in $victims; do
		run "${K[@]}" get pod "$v"
		assert_failure
	done
	run "${K[@]}" get events
	assert_output --partial "Node node-2 status is now: NodeNotReady"
	assert_output --regexp "TaintManagerEviction +pod/myapp-[a-z0-9]+-[a-z0-9]+ +Marking for deletion Pod default/myapp-"
}

@test "[lab 10.5, 2 pts] the grace period counts: a node renewing its lease stays Ready; one that comes back is untainted" {
	CM_ARGS=("${FAST_NODES[@]}")
	start_cluster
	sleep 3 # longer than the grace period: both still renew
	[ "$(node_status node-1)" = Ready ]
	[ "$(node_status node-2)" = Ready ]
	kill -STOP "${CONTROL_PIDS[3]}"
	wait_for 10 bash -c "[ \"\$(${K[*]} get node node-2 --no-headers | awk '{print \$2}')\" = NotReady ]"
	wait_for 5 bash -c "${K[*]} get node node-2 -o jsonpath='{.spec.taints[*].key}' | grep -x 'node.kubernetes.io/unreachable node.kubernetes.io/unreachable'"
	[ "$(node_status node-1)" = Ready ]
	kill -CONT "${CONTROL_PIDS[3]}" # the lease is renewed again
	wait_for 10 bash -c "[ \"\$(${K[*]} get node node-2 --no-headers | awk '{print \$2}')\" = Ready ]"
	wait_for 5 bash -c "[ -z \"\$(${K[*]} get node node-2 -o jsonpath='{.spec.taints}')\" ]"
	run "${K[@]}" get events
	assert_output --partial "Node node-2 status is now: NodeReady"
}

@test "[2 pts] evictions are rate-limited (--node-eviction-rate)" {
	API_ARGS=(--default-unreachable-toleration-seconds 1)
	CM_ARGS=("${FAST_NODES[@]}" --node-eviction-rate 0.5)
	start_cluster
	for i in 1 2 3; do
		"${K[@]}" run "p$i" --image=nginx --overrides='{"spec":{"nodeName":"node-2"}}'
	done
	wait_for 10 pods_running 3
	kill -KILL "${CONTROL_PIDS[3]}"
	evicted() { "${K[@]}" get events --no-headers | grep -c TaintManagerEviction || true; }
	wait_for 15 bash -c "${K[*]} get events | grep -q TaintManagerEviction"
	first=$(date +%s.%N)
	[ "$(evicted)" -eq 1 ] # one token; the next comes 2 s later
	wait_for 15 bash -c "[ \"\$(${K[*]} get events --no-headers | grep -c TaintManagerEviction)\" = 3 ]"
	elapsed=$(echo "$(date +%s.%N) - $first" | bc)
	echo "3 evictions took ${elapsed}s after the first" >&3
	[ "$(echo "$elapsed >= 3" | bc)" = 1 ]
}

@test "[lab 10.7, 3 pts] kubectl delete deployment: its ReplicaSets and pods go too (background)" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	"${K[@]}" set image deployment/myapp nginx=nginx:1.25
	wait_for 15 bash -c "[ \"\$(${K[*]} get rs --no-headers | grep -c .)\" = 2 ]"
	wait_for 10 pods_running 3
	run "${K[@]}" delete deployment myapp
	assert_output 'deployment.apps "myapp" deleted'
	wait_for 10 bash -c "[ -z \"\$(${K[*]} get rs,pods -o name)\" ]"
	run "${K[@]}" get deployments,rs,pods
	assert_output "No resources found in default namespace."
}

@test "[lab 10.7, 3 pts] foreground deletion: deletionTimestamp and a finalizer; pods, then ReplicaSet, then Deployment" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	rv=$("${K[@]}" get deploy myapp -o jsonpath='{.metadata.resourceVersion}')
	curl -sk -N -H "Authorization: Bearer $TOKEN" --max-time 15 \
		"$URL/apis/apps/v1/namespaces/default/deployments?watch=1&fieldSelector=metadata.name%3Dmyapp&resourceVersion=$rv" >"$T/watch" &
	watcher=$!
	run api DELETE /apis/apps/v1/namespaces/default/deployments/myapp -H 'Content-Type: application/json' \
		-d '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}'
	assert_line 200
	echo "${lines[0]}" | jq -e '.metadata.deletionTimestamp != null and .metadata.finalizers == ["foregroundDeletion"]'
	wait_for 15 bash -c "! ${K[*]} get deployment myapp"
	run "${K[@]}" get rs,pods -o name
	assert_output ""
	kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true
	# the Deployment was MODIFIED (marked) before it was DELETED
	run jq -r '.type + " " + (.object.metadata.finalizers // [] | join(","))' "$T/watch"
	assert_line "MODIFIED foregroundDeletion"
	assert_line --index $((${#lines[@]} - 1)) --regexp '^DELETED'
	# the order: every pod was gone before the ReplicaSet, the ReplicaSet before the Deployment
	run grep -c 'garbage collector: deleted Pod' "$T/cm.log"
	assert_output 3
}

@test "[lab 10.7, 2 pts] orphan deletion: the ReplicaSet stays, without its ownerReference" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=2
	wait_for 10 pods_running 2
	rs=$("${K[@]}" get rs -o name)
	run api DELETE '/apis/apps/v1/namespaces/default/deployments/myapp?propagationPolicy=Orphan'
	assert_line 200
	wait_for 10 bash -c "! ${K[*]} get deployment myapp"
	sleep 1
	run "${K[@]}" get "$rs" -o jsonpath='{.metadata.ownerReferences}'
	assert_success
	assert_output ""
	wait_for 5 pods_running 2
}

@test "[2 pts] finalizers: the API server keeps an object until its finalizers are gone; a bad policy is 422" {
	require_kubectl120
	start_server $S
	"${K[@]}" run web --image=nginx --overrides='{"metadata":{"finalizers":["example.com/keep"]}}'
	run api DELETE /api/v1/namespaces/default/pods/web
	assert_line 200
	echo "${lines[0]}" | jq -e '.metadata.deletionTimestamp != null'
	run "${K[@]}" get pod web -o jsonpath='{.metadata.deletionTimestamp}'
	assert_success
	[ -n "$output" ]
	# a client may not take the deletionTimestamp away
	"${K[@]}" patch pod web --type=merge -p '{"metadata":{"deletionTimestamp":null,"labels":{"a":"b"}}}'
	run "${K[@]}" get pod web -o jsonpath='{.metadata.deletionTimestamp}'
	[ -n "$output" ]
	# the last finalizer removed: the object goes
	"${K[@]}" patch pod web --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
	run "${K[@]}" get pod web
	assert_failure
	assert_output --partial 'pods "web" not found'
	run api DELETE /api/v1/namespaces/default/pods/x -d '{"propagationPolicy":"Sideways"}'
	assert_line 422
	assert_output --partial 'propagationPolicy: Unsupported value: \"Sideways\"'
	run api DELETE '/api/v1/namespaces/default/pods/x?propagationPolicy=Down'
	assert_line 422
	run api DELETE /api/v1/namespaces/default/pods/x -d 'not json'
	assert_line 400
	assert_output --partial 'the body of a delete must be DeleteOptions'
}

@test "[lab 10.6, 3 pts] kubectl expose: Endpoints list the ready pods' IPs and follow scaling; gone with the service" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx --replicas=3
	wait_for 10 pods_running 3
	run "${K[@]}" expose deployment myapp --port 80
	assert_output "service/myapp exposed"
	ips() { "${K[@]}" get pods -o jsonpath='{range .items[*]}{.status.podIP}:80{"\n"}{end}' | sort | paste -sd,; }
	eps() { "${K[@]}" get endpoints myapp -o jsonpath='{range .subsets[*].addresses[*]}{.ip}:80{"\n"}{end}' | sort | paste -sd,; }
	wait_for 10 bash -c "[ \"\$(${K[*]} get endpoints myapp -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 3 ]"
	[ "$(eps)" = "$(ips)" ]
	run "${K[@]}" get endpoints myapp --no-headers
	assert_output --regexp '^myapp +10\.244\.[0-9.]+:80,10\.244\.[0-9.]+:80,10\.244\.[0-9.]+:80 +[0-9]+s$'
	run "${K[@]}" get endpoints myapp -o jsonpath='{.subsets[0].addresses[0].targetRef.kind} {.subsets[0].ports[0].port}'
	assert_output "Pod 80"
	"${K[@]}" scale deployment myapp --replicas=1
	wait_for 10 bash -c "[ \"\$(${K[*]} get endpoints myapp -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 1 ]"
	wait_for 5 bash -c "[ \"\$(${K[*]} get pods -o jsonpath='{.items[*].status.podIP}'):80\" = \"\$(${K[*]} get endpoints myapp -o jsonpath='{.subsets[0].addresses[0].ip}'):80\" ]"
	"${K[@]}" delete service myapp
	wait_for 10 bash -c "! ${K[*]} get endpoints myapp"
}

@test "[lab 10.6, 2 pts] Endpoints: a named targetPort resolves per pod; a not-ready pod is under notReadyAddresses" {
	start_cluster
	cat >"$T/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: www, port: 80, targetPort: http}]
YAML
	"${K[@]}" create -f "$T/app.yaml"
	wait_for 10 pods_running 2
	wait_for 10 bash -c "[ \"\$(${K[*]} get endpoints web -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 2 ]"
	run "${K[@]}" get endpoints web -o jsonpath='{.subsets[0].ports[0].name} {.subsets[0].ports[0].port} {.subsets[0].ports[0].protocol}'
	assert_output "www 8080 TCP"
	pod=$("${K[@]}" get pods -o jsonpath='{.items[0].metadata.name}')
	ip=$("${K[@]}" get pod "$pod" -o jsonpath='{.status.podIP}')
	run api PATCH "/api/v1/namespaces/default/pods/$pod/status" -H 'Content-Type: application/merge-patch+json' \
		-d '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
	assert_line 200
	wait_for 10 bash -c "${K[*]} get endpoints web -o jsonpath='{.subsets[0].notReadyAddresses[*].ip}' | grep -qx '$ip'"
	run "${K[@]}" get endpoints web -o jsonpath='{.subsets[0].addresses[*].ip}'
	refute_output --partial "$ip"
	# a service without a selector: its Endpoints are the user's
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: manual}\nspec:\n  ports: [{port: 80}]\n' |
		"${K[@]}" create -f -
	sleep 1
	run "${K[@]}" get endpoints manual
	assert_failure
}

@test "[3 pts] kubectl rollout history and undo (--to-revision) with kubectl 1.20; revisionHistoryLimit" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx:1 --replicas=2
	wait_for 10 pods_running 2
	for v in 2 3; do
		"${K[@]}" set image deployment/myapp nginx=nginx:$v
		wait_for 15 bash -c "${K[*]} rollout status deployment/myapp --timeout=1s"
	done
	wait_for 5 bash -c "${K[*]} get deploy myapp -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}' | grep -x 3"
	run "${K[@]}" rollout history deployment/myapp
	assert_success
	assert_line --regexp '^1 +<none>$'
	assert_line --regexp '^2 +<none>$'
	assert_line --regexp '^3 +<none>$'
	run "${K[@]}" rollout history deployment/myapp --revision=2
	assert_output --partial "Image:	nginx:2"
	run "${K[@]}" rollout undo deployment/myapp
	assert_output "deployment.apps/myapp rolled back"
	wait_for 15 bash -c "[ \"\$(${K[*]} get pods -o jsonpath='{.items[*].spec.containers[0].image}')\" = 'nginx:2 nginx:2' ]"
	# revision 2 became current again: it is revision 4 now
	wait_for 5 bash -c "${K[*]} get deploy myapp -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}' | grep -x 4"
	run "${K[@]}" rollout history deployment/myapp
	assert_line --regexp '^4 +<none>$'
	refute_line --regexp '^2 +<none>$'
	run "${K[@]}" rollout undo deployment/myapp --to-revision=1
	assert_output "deployment.apps/myapp rolled back"
	wait_for 15 bash -c "[ \"\$(${K[*]} get pods -o jsonpath='{.items[*].spec.containers[0].image}')\" = 'nginx:1 nginx:1' ]"
	# three ReplicaSets; a history of one keeps the current one and the newest idle one
	"${K[@]}" patch deployment myapp -p '{"spec":{"revisionHistoryLimit":1}}'
	wait_for 10 bash -c "[ \"\$(${K[*]} get rs --no-headers | grep -c .)\" = 2 ]"
	run "${K[@]}" get rs -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}{"\n"}{end}'
	assert_line nginx:1
	assert_line nginx:2
}

@test "[2 pts] a rolling update never runs more than replicas + maxSurge pods" {
	start_cluster
	"${K[@]}" create deployment myapp --image=nginx:1 --replicas=4
	wait_for 10 pods_running 4
	for s in "1 0" "0 1" "2 2"; do
		set -- $s
		"${K[@]}" patch deployment myapp -p "{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"maxSurge\":$1,\"maxUnavailable\":$2}}}}"
		# a watch without resourceVersion starts with an ADDED for each pod there is
		curl -sk -N -H "Authorization: Bearer $TOKEN" --max-time 30 \
			"$URL/api/v1/namespaces/default/pods?watch=1" >"$T/watch" &
		watcher=$!
		img=nginx:s$1u$2
		"${K[@]}" set image deployment/myapp nginx=$img
		wait_for 20 bash -c "[ \"\$(${K[*]} get pods -o jsonpath='{.items[*].spec.containers[0].image}')\" = '$img $img $img $img' ]"
		wait_for 10 pods_running 4
		kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true
		# the most pods that existed at once, from the watch's ADDED and DELETED
		most=$(jq -s 'reduce .[] as $e ({n: 0, max: 0};
			.n += (if $e.type == "ADDED" then 1 elif $e.type == "DELETED" then -1 else 0 end)
			| .max = ([.max, .n] | max)) | .max' "$T/watch")
		echo "maxSurge $1 maxUnavailable $2: at most $most pods" >&3
		[ "$most" -le $((4 + $1)) ]
		# maxUnavailable 0: nothing goes before its replacement is there
		[ "$2" -ne 0 ] || [ "$most" -eq $((4 + $1)) ]
	done
}
