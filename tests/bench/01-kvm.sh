#!/usr/bin/env bash
# tests/bench/01-kvm.sh - mini-vmm against qemu-system-x86_64 -M microvm
# (both with KVM) on the same tiny guest: start the VMM, run the guest to
# its last instruction, exit.  The guest is vm-images/guest-bench32.S: QEMU
# boots it as a PVH ELF, mini-vmm as the same code in a flat binary.  Both
# run under `sh -c` (QEMU's isa-debug-exit makes it exit 1, which sh turns
# into 0), so both pay the same shell start-up.  Also: peak memory (max RSS)
# of each, and the port-I/O exits per second of guest-ports16.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KIT_BIN:-$root/build/bin}
images=$(cd "$bin/../images" && pwd)
runs=${BENCH_RUNS:-200}
out=$root/tests/bench/results/01-kvm.md
source "$root/tests/lib/require.bash"
if ! kit_require kvm; then
	echo "bench 01: skipped: no usable /dev/kvm"
	exit 0
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench 01: skipped: no /usr/bin/time (apt-get install time)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "bench 01: skipped: no qemu-system-x86_64 (apt-get install qemu-system-x86)"
	exit 0
fi
vmm="$bin/mini-vmm --raw $images/guest-bench32.bin --mode protected --memory 16M"
qemu="qemu-system-x86_64 -M microvm -enable-kvm -cpu host -m 16M -nodefaults -no-user-config -nographic -serial stdio -device isa-debug-exit,iobase=0x501,iosize=2 -kernel $images/guest-bench32.pvh"
"$root/tests/bench/bench.py" --name "01-kvm: mini-vmm vs qemu-system-x86_64 -M microvm (KVM)" \
	--runs "$runs" --out "$out" \
	--case "tiny guest: VMM start to guest exit" \
	"sh -c '$vmm </dev/null >/dev/null'" \
	"sh -c '$qemu </dev/null >/dev/null; [ \$? = 1 ]'"

# Peak memory: the largest resident set of each over 20 runs, measured by
# GNU time (a Python parent would pass its own high-water mark on: Linux
# keeps ru_maxrss across exec).
max_rss_kib() { # the VMM's command line -> KiB
	local best=0 kib
	for _ in $(seq 20); do
		# shellcheck disable=SC2086 # the command line is words
		kib=$(/usr/bin/time -f %M $1 </dev/null 2>&1 >/dev/null | tail -1)
		[ "$kib" -gt "$best" ] && best=$kib
	done
	echo "$best"
}
rss_vmm=$(max_rss_kib "$vmm")
rss_qemu=$(max_rss_kib "$qemu")

# Port-I/O exits per second: 1000 OUTs, --stats' own clock.
stats=$("$bin/mini-vmm" --raw "$images/guest-ports16.bin" --stats 2>&1 >/dev/null </dev/null)
run_ms=$(sed -n 's/^VM exits: [0-9]*; \([0-9.]*\) ms in KVM_RUN.*, \([0-9.]*\) ms handling.*/\1 \2/p' <<<"$stats")
rate=$(awk -v t="$run_ms" 'BEGIN { split(t, a, " "); printf "%.0f", 1001 / ((a[1] + a[2]) / 1000) }')
mean=$(sed -n 's/^  IO  *1000  *[0-9.]* ms  *\([0-9]*\) ns\/exit.*/\1/p' <<<"$stats")
kind=$(bash -c "source '$root/tools/lib/probe.sh'; _probe_kvm_kind; echo \$PROBE_KVM_KIND")
{
	echo ""
	echo "Peak memory (max RSS over 20 runs, GNU time): mini-vmm $((rss_vmm / 1024)) MiB ($rss_vmm KiB), QEMU microvm $((rss_qemu / 1024)) MiB ($rss_qemu KiB); ratio $(awk -v a="$rss_vmm" -v b="$rss_qemu" 'BEGIN { printf "%.2f", a / b }')."
	echo ""
	echo "Port I/O (guest-ports16, 1000 OUTs to port 0x80): $rate exits/s round trip (guest + KVM + mini-vmm); mini-vmm's own handling $mean ns per exit. /dev/kvm backend: $kind."
} >>"$out"
cat "$out"
