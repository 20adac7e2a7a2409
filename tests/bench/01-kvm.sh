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

# Bytes per VM-exit of the emulated UART and of the virtio console: the
# same 66,894 bytes (seq 1 13000) written by a Linux guest to /dev/ttyS0 and
# to /dev/hvc0.  Linux boots only inside the nested setup here (PVM), so
# this runs chapters/01-kvm/test-nested.sh with its bench-* cases; a boot
# that writes nothing (bench-idle) is subtracted from each.
nested_log=$(mktemp /tmp/kit-bench-nested.XXXXXX)
trap 'rm -f "$nested_log"' EXIT
if [ -f "$images/kernel-cloud.bzImage" ] && [ -f "$images/kernel-generic.bzImage" ] &&
	[ -x "$images/mini-vmm-static" ] &&
	NESTED_CASES="bench-idle bench-uart bench-virtio bench-uart-bulk bench-virtio-bulk" \
		NESTED_LOG=$nested_log \
		"$root/chapters/01-kvm/test-nested.sh" "$images" "$images/mini-vmm-static" >/dev/null; then
	# case device -> "bytes exits" of that console in that case's block
	counts() {
		awk -v c="$1" -v d="$2" '/^KIT-CASE: /{on = ($2 == c)} on && $1 == "console" && $2 == d":" { print $3, $7 }' "$nested_log"
	}
	read -r ib ie <<<"$(counts bench-idle serial)"
	read -r vib vie <<<"$(counts bench-idle virtio)"
	row() { # row LABEL CASE DEVICE IDLE_BYTES IDLE_EXITS
		local b e
		read -r b e <<<"$(counts "$2" "$3")"
		if [ -z "$b" ] || [ -z "$4" ]; then
			echo "| $1 | - | - | not measured: the case did not finish |"
			return
		fi
		awk -v l="$1" -v b=$((b - $4)) -v e=$((e - $5)) \
			'BEGIN { printf "| %s | %d | %d | %.2f |\n", l, b, e, b / e }'
	}
	{
		echo ""
		echo "Console output: 66,894 bytes (seq 1 13000) written by Linux (L2 of make test-nested: QEMU TCG + kvm-amd), less an idle boot; a line per write(2) (seq on a tty, whose ONLCR also splits each line from its CR LF), or 4 KiB per write (stty -opost, then cat of a file):"
		echo ""
		echo "| console, writes | bytes | VM-exits | bytes per exit |"
		echo "|---|---:|---:|---:|"
		row "8250 UART /dev/ttyS0, a line per write" bench-uart serial "$ib" "$ie"
		row "virtio console /dev/hvc0, a line per write" bench-virtio virtio "$vib" "$vie"
		row "8250 UART /dev/ttyS0, 4 KiB per write" bench-uart-bulk serial "$ib" "$ie"
		row "virtio console /dev/hvc0, 4 KiB per write" bench-virtio-bulk virtio "$vib" "$vie"
		echo ""
		echo "(bytes include the CR the tty adds before each LF, where -opost is not set; exits are the device's own port or MMIO accesses.)"
	} >>"$out"
else
	echo "" >>"$out"
	echo "UART vs virtio bytes per exit: not measured (needs make test-nested's images in $images)." >>"$out"
fi
cat "$out"
