#!/usr/bin/env bash
# tests/bench/10-k8s.sh - chapter 10 part 1: the embedded store (SQLite, the
# k3s/kine design) against a real etcd 3.4, same client, same run:
#
#   1. store puts per second, each acknowledged on disk (fsync), from one
#      client and from 64 at once (the embedded store's group commit and
#      etcd's batching let concurrent writes share an fsync)
#   2. watch delivery: time from a put to its watch event (median, p99)
#   3. mini-apiserver on each store: create-pod requests per second with 1,
#      8 and 64 concurrent clients (curl --parallel over HTTPS keep-alive)
#   4. list latency with 10 000 pods: one full list (JSON), median of runs
#
# Everything runs on loopback and stops by itself; results go to
# tests/bench/results/10-k8s.md.  BENCH_PODS (default 10000) and BENCH_PUTS
# (default 2000) make it shorter.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
pods=${BENCH_PODS:-10000}
puts=${BENCH_PUTS:-2000}
out=$root/tests/bench/results/10-k8s.md
command -v etcd >/dev/null || { echo "bench 10: skipped: etcd is not installed (apt-get install etcd-server)"; exit 0; }
command -v curl >/dev/null || { echo "bench 10: skipped: curl is not installed"; exit 0; }

work=$(mktemp -d /tmp/kit-bench10.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_etcd() {
	local c p
	c=$(free_port); p=$(free_port)
	etcd_url=http://127.0.0.1:$c
	etcd --data-dir "$work/etcd-$1" --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
		--listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
		--initial-cluster "default=http://127.0.0.1:$p" >"$work/etcd-$1.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do "$bin/mini-etcdctl" --endpoints "$etcd_url" revision >/dev/null 2>&1 && return; sleep 0.1; done
	echo "bench 10: etcd did not start" >&2; exit 1
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# 1 and 2: the store, through the same client code (common/store*.c).
start_etcd store
sq_put=$("$bin/mini-etcdctl" --data-dir "$work/sqlite-store" bench put --count "$puts" | field puts_per_second)
et_put=$("$bin/mini-etcdctl" --endpoints "$etcd_url" bench put --count "$puts" | field puts_per_second)
sq_put64=$("$bin/mini-etcdctl" --data-dir "$work/sqlite-store" bench put --count $((puts * 4)) --clients 64 | field puts_per_second)
et_put64=$("$bin/mini-etcdctl" --endpoints "$etcd_url" bench put --count $((puts * 4)) --clients 64 | field puts_per_second)
sq_w=$("$bin/mini-etcdctl" --data-dir "$work/sqlite-store" bench watch --count 300)
et_w=$("$bin/mini-etcdctl" --endpoints "$etcd_url" bench watch --count 300)
sq_wm=$(echo "$sq_w" | field put_to_event_us_median); sq_w99=$(echo "$sq_w" | field p99)
et_wm=$(echo "$et_w" | field put_to_event_us_median); et_w99=$(echo "$et_w" | field p99)

# 3 and 4: the API server on each store.
start_server() {
	"$bin/mini-apiserver" --listen 127.0.0.1:0 --write-kubeconfig "$work/kc-$1" "${@:2}" 2>"$work/api-$1.log" &
	pids+=($!)
	for _ in $(seq 100); do
		port=$(sed -n 's/.*serving on https:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/api-$1.log")
		[ -n "$port" ] && break
		sleep 0.05
	done
	token=$(awk '/token:/ {print $2}' "$work/kc-$1")
}

# create_pods N PARALLEL PREFIX: creates per second, N pods, PARALLEL
# clients at a time, each on its own keep-alive HTTPS connection.  (The
# client is Python: on 2 cores it shares the CPU with the server, so the
# figures are a floor for the server, the same floor for both stores.)
create_pods() {
	python3 - "$port" "$token" "$@" <<-'EOF'
	import http.client, json, ssl, sys, threading, time
	port, token, n, par, prefix = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
	ctx = ssl._create_unverified_context()
	hdrs = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	bad = []
	def worker(k):
	    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
	    for i in range(k, n, par):
	        body = json.dumps({"metadata": {"name": f"{prefix}-{i}", "labels": {"app": "bench"}},
	                           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
	        conn.request("POST", "/api/v1/namespaces/default/pods", body, hdrs)
	        r = conn.getresponse()
	        r.read()
	        if r.status != 201:
	            bad.append(r.status)
	t0 = time.perf_counter()
	threads = [threading.Thread(target=worker, args=(k,)) for k in range(par)]
	for t in threads: t.start()
	for t in threads: t.join()
	dt = time.perf_counter() - t0
	if bad:
	    sys.exit(f"bench 10: {len(bad)} creates failed: {sorted(set(bad))}")
	print(f"{n / dt:.0f}")
	EOF
}

list_ms() {
	python3 - "$port" "$token" <<-'EOF'
	import http.client, ssl, statistics, sys, time
	port, token = int(sys.argv[1]), sys.argv[2]
	conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context())
	times = []
	for _ in range(7):
	    t0 = time.perf_counter()
	    conn.request("GET", "/api/v1/namespaces/default/pods", headers={"Authorization": "Bearer " + token})
	    body = conn.getresponse().read()
	    times.append((time.perf_counter() - t0) * 1000)
	print(f"{statistics.median(times):.0f} {len(body) // 1024}")
	EOF
}

api_bench() {
	local name=$1
	shift
	start_server "$name" "$@"
	local r1 r8 r64 l
	r1=$(create_pods 300 1 one)
	r8=$(create_pods 1000 8 eight)
	r64=$(create_pods 2000 64 sixtyfour)
	create_pods $((pods - 3300)) 64 fill >/dev/null
	l=$(list_ms)
	echo "$r1 $r8 $r64 $l"
}

# (Not in a pipe or $(...): the servers' PIDs must reach cleanup.)
api_bench sqlite --data-dir "$work/api-sqlite" >"$work/sqlite.res"
start_etcd api
api_bench etcd --etcd-servers "$etcd_url" >"$work/etcd.res"
read -r sq1 sq8 sq64 sql sqkb <"$work/sqlite.res"
read -r et1 et8 et64 etl etkb <"$work/etcd.res"

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
{
	echo "# 10-k8s: the embedded store (SQLite) vs a real etcd 3.4"
	echo
	echo "$(date +%F), $(uname -sr), $(nproc) CPUs; etcd $(etcd --version | sed -n 's/etcd Version: //p'), one node on loopback, data on the same disk."
	echo "Same client for both: the kit's store code (common/store*.c) or mini-apiserver on top of it."
	echo "Ratio = embedded / etcd: above 1 the embedded store is faster (for latencies: below 1)."
	echo
	echo "| measure | embedded (SQLite) | etcd | ratio |"
	echo "|---|---:|---:|---:|"
	echo "| store puts/s, one client, each on disk ($puts puts) | $sq_put | $et_put | $(ratio "$sq_put" "$et_put") |"
	echo "| store puts/s, 64 clients at once, each on disk ($((puts * 4)) puts) | $sq_put64 | $et_put64 | $(ratio "$sq_put64" "$et_put64") |"
	echo "| watch: put to event, median µs | $sq_wm | $et_wm | $(ratio "$sq_wm" "$et_wm") |"
	echo "| watch: put to event, p99 µs | $sq_w99 | $et_w99 | $(ratio "$sq_w99" "$et_w99") |"
	echo "| API create pod/s, 1 client | $sq1 | $et1 | $(ratio "$sq1" "$et1") |"
	echo "| API create pod/s, 8 clients | $sq8 | $et8 | $(ratio "$sq8" "$et8") |"
	echo "| API create pod/s, 64 clients | $sq64 | $et64 | $(ratio "$sq64" "$et64") |"
	echo "| API list of $pods pods (${sqkb} KiB JSON), median ms | $sql | $etl | $(ratio "$sql" "$etl") |"
	echo
	echo "The API server numbers include HTTPS (keep-alive) and JSON on both sides; the load comes from a Python client (threads, one connection each) on the same 2 cores, so they are a floor, the same for both stores."
} | tee "$out"
