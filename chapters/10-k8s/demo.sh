#!/usr/bin/env bash
# chapters/10-k8s/demo.sh - article §6.1 (etcd, API Server), told with
# mini-etcdctl, mini-apiserver and the real kubectl 1.20.  Run by
# `make demo`; safe to run alone after `make && make images`.  Everything
# lives in one /tmp/kit-demo10.* directory, removed at the end, and the
# server is stopped by its PID.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
E=$KIT_BIN/mini-etcdctl
A=$KIT_BIN/mini-apiserver
KUBECTL=$KIT_ROOT/build/images/kubectl-1.20/usr/bin/kubectl

work=$(mktemp -d /tmp/kit-demo10.XXXXXX)
server=
finish() {
	[ -n "$server" ] && { kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
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
"$A" --listen 127.0.0.1:0 --data-dir "$work/store" --write-kubeconfig "$work/kubeconfig" 2>"$work/server.log" &
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
