#!/usr/bin/env bash
# chapters/01-kvm/test-nested.sh IMAGES VMM - boot Linux under mini-vmm
# without hardware KVM: `make test-nested`.  Prints TAP.
#
# /dev/kvm on the kit's CI machines is PVM, which cannot boot a stock
# kernel, and a student's laptop may have no KVM at all.  QEMU's TCG
# emulates AMD SVM, so a Debian kernel running under it (L1) can load
# kvm-amd and offer a /dev/kvm that boots Linux.  Inside L1, the static
# mini-vmm (VMM) boots the cloud kernel (L2) with the busybox initramfs, in
# several ways, one after the other in the same L1 boot:
#
#   bzimage  the bzImage, initramfs, kit.halt: to the init marker, exit 0
#   elf      the same kernel as an ELF vmlinux
#   shell    the shell on the serial console, fed through mini-vmm's stdin:
#            receives bytes on IRQ 4, answers, `reboot` ends the VMM with 0
#   exit     kit.exit=7: the guest's value becomes mini-vmm's exit status
#   virtio   --virtio-console: the virtio modules load from the initramfs,
#            the PCI scan finds the device, L2 writes to /dev/hvc0 and the
#            text comes out of mini-vmm's stdout through the virtqueue
#
# The recipe and its pitfalls (two L1 vCPUs with multi-threaded TCG, or
# L2's timer interrupt can get stuck) are in nested-kvm.md in the shared
# notes.  If L1 itself stops in a case (its kernel, not mini-vmm: no exit
# status ever comes), the cases left get one more L1 boot, and the TAP
# comments say so with the end of the console.  Needs: IMAGES/kernel-generic.{bzImage,root,version} (L1),
# IMAGES/kernel-cloud.{bzImage,vmlinux} (L2), IMAGES/initramfs-busybox.cpio.
set -euo pipefail
images=${1:?usage: test-nested.sh IMAGES_DIR STATIC_MINI_VMM}
vmm=${2:?usage: test-nested.sh IMAGES_DIR STATIC_MINI_VMM}
root=$(cd "$(dirname "$0")/../.." && pwd)
# NESTED_TIMEOUT: seconds for one QEMU run (all five cases take 34 s on
# an idle 2-CPU machine, about 60 s beside a build).
timeout_s=${NESTED_TIMEOUT:-300}

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "1..0 # SKIP no qemu-system-x86_64: apt-get install qemu-system-x86 (make deps)"
	exit 0
fi
work=$(mktemp -d /tmp/kit-nested.XXXXXX)
trap 'rm -rf "$work"' EXIT

# L1's root: four modules from the generic kernel, mini-vmm, the L2 files.
version=$(cat "$images/kernel-generic.version")
mods=$images/kernel-generic.root/lib/modules/$version/kernel
mkdir -p "$work/l1/modules" "$work/l1/bin" "$work/l1/l2"
for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd; do
	cp "$mods/$m.ko" "$work/l1/modules/"
done
cp "$vmm" "$work/l1/bin/mini-vmm"
cp "$images/kernel-cloud.bzImage" "$work/l1/l2/bzImage"
cp "$images/kernel-cloud.vmlinux" "$work/l1/l2/vmlinux"
cp "$images/initramfs-busybox.cpio" "$work/l1/l2/initrd.cpio"
# The L2 initramfs for the virtio cases: the busybox one with a second cpio
# archive appended (the kernel unpacks them one after the other) that holds
# the cloud kernel's virtio modules and the order to load them in.
l2version=$(cat "$images/kernel-cloud.version")
l2mods=$images/kernel-cloud.root/lib/modules/$l2version/kernel/drivers
mkdir -p "$work/virtio/lib/modules/kit"
for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev \
	virtio/virtio_pci_legacy_dev virtio/virtio_pci char/virtio_console; do
	cp "$l2mods/$m.ko" "$work/virtio/lib/modules/kit/"
	echo "${m#*/}" >>"$work/virtio/lib/modules/kit/order"
done
(cd "$work/virtio" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) \
	| cat "$images/initramfs-busybox.cpio" - >"$work/l1/l2/initrd-virtio.cpio"
# No pci=off: the virtio console is found by the kernel's PCI scan (without
# a device the scan finds no PCI at all, and says so).
base="console=ttyS0 reboot=k panic=-1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd"
base+=${NESTED_APPEND:+ $NESTED_APPEND}
# bench-*: the same 66,894 bytes of text (seq 1 13000) through each console,
# a line per write(2) (seq on a tty, which adds a CR to each LF), or 4 KiB
# per write with output processing off (-bulk: stty -opost, then cat of a
# file; fd 3 keeps the tty open, or hvc's settings reset at the last close),
# and a boot that writes nothing, to subtract (tests/bench/01-kvm.sh).
# No pipes in kit.run: '|' separates the fields here.
cat >"$work/l1/l2/cases.all" <<CASES
bzimage|/l2/bzImage|$base kit.halt|
elf|/l2/vmlinux|$base kit.halt|
shell|/l2/bzImage|$base|echo KIT-SHELL-\$((6*7)); reboot -f
exit|/l2/bzImage|$base kit.exit=7|
virtio|/l2/bzImage|$base kit.run=echo,KIT-HVC-\$((6*7)),>/dev/hvc0||initrd-virtio.cpio|--virtio-console
bench-idle|/l2/bzImage|$base quiet kit.halt||initrd-virtio.cpio|--virtio-console
bench-uart|/l2/bzImage|$base quiet kit.run=seq,1,13000,>/dev/ttyS0||initrd-virtio.cpio|--virtio-console
bench-virtio|/l2/bzImage|$base quiet kit.run=seq,1,13000,>/dev/hvc0||initrd-virtio.cpio|--virtio-console
bench-uart-bulk|/l2/bzImage|$base quiet kit.run=seq,1,13000,>/seq;,exec,3>/dev/ttyS0;,stty,-F,/dev/ttyS0,-opost;,cat,/seq,>&3||initrd-virtio.cpio|--virtio-console
bench-virtio-bulk|/l2/bzImage|$base quiet kit.run=seq,1,13000,>/seq;,exec,3>/dev/hvc0;,stty,-F,/dev/hvc0,-opost;,cat,/seq,>&3||initrd-virtio.cpio|--virtio-console
CASES
# NESTED_CASES="bzimage shell": only those (default: all but bench-*).
grep -E "^(${NESTED_CASES:-[a-z]+}|${NESTED_CASES:+${NESTED_CASES// /|}})\\|" "$work/l1/l2/cases.all" >"$work/l1/l2/cases"
rm "$work/l1/l2/cases.all"
cp "$work/l1/l2/cases" "$work/cases"
echo "${NESTED_CASE_TIMEOUT:-120}" >"$work/l1/l2/case-timeout"
# mini-vmm --kick 20 works around interrupts lost under TCG's emulated SVM
# (see start_kick_timer in common/kvm/vm.c); NESTED_KICK=0 turns it off.
[ "${NESTED_KICK:-20}" = 0 ] || echo "--kick ${NESTED_KICK:-20}" >"$work/l1/l2/kick"
# NESTED_PIN=0: let L2's vCPU thread move between L1's two CPUs.
[ "${NESTED_PIN:-1}" = 0 ] || echo "taskset -c 1" >"$work/l1/l2/pin"
# NESTED_FAULT=CASE: L1 crashes when it reaches CASE, in its first boot
# only; tests the retry below (tools/run-tests runs it so, with one case).
[ -z "${NESTED_FAULT:-}" ] || echo "$NESTED_FAULT" >"$work/l1/l2/crash-in"
# boot_l1 LOG: one QEMU run of L1 over the cases in $work/l1/l2/cases.
boot_l1() {
	"$root/vm-images/initramfs-busybox.sh" "$work/l1.cpio" \
		"$root/vm-images/initramfs-nested-init.sh" "$work/l1" >/dev/null
	timeout "$timeout_s" qemu-system-x86_64 -accel tcg,thread=multi -smp 2 \
		-cpu qemu64,+svm,+npt -m 2048 -nographic -no-reboot \
		-kernel "$images/kernel-generic.bzImage" -initrd "$work/l1.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=4" </dev/null >"$1" 2>&1 || true
	tr -d '\r' <"$1" >"$1.txt"
}
# unfinished LOG: the cases of $work/cases (all this run asked for) that
# have no exit status in LOG: L1 itself stopped (a panic, KIT-L1-STUCK,
# QEMU's timeout) in the first of them.
unfinished() {
	local name rest
	while IFS='|' read -r name rest; do
		awk -v c="$name" '/^KIT-CASE: /{on = ($2 == c)} on && /^KIT-NESTED-STATUS: [0-9]+ /{s = 1}
			END {exit !s}' "$1.txt" || printf '%s|%s\n' "$name" "$rest"
	done <"$work/cases"
}

log=$work/console.log
start=$(date +%s.%N)
boot_l1 "$log"
# Once in CI (2026-11) L1 stopped for good in the middle of a case: no
# watchdog line, no exit status, QEMU killed by its timeout; the same case
# passed in every run before and since.  A hang of L1's own kernel under
# QEMU's emulated SVM says nothing about mini-vmm, so the cases L1 did not
# finish get one more L1 boot (NESTED_RETRIES=0: none), and the test says
# so, with the end of the console of the boot that stopped.  A case that
# finishes with a wrong status is never run again.
retries=${NESTED_RETRIES:-1}
notes=()
while [ "$retries" -gt 0 ] && [ -n "$(unfinished "$log")" ]; do
	retries=$((retries - 1))
	unfinished "$log" >"$work/l1/l2/cases"
	first=$(head -n1 "$work/l1/l2/cases" | cut -d'|' -f1)
	notes+=("L1 stopped in case $first after $(echo "$(date +%s.%N) - $start" | bc | cut -d. -f1) s;" \
		"the end of its console:")
	while IFS= read -r line; do notes+=("  $line"); done < <(tail -n 25 "$log.txt")
	notes+=("a new L1 boot runs the cases it did not finish: $(cut -d'|' -f1 "$work/l1/l2/cases" | tr '\n' ' ')")
	rm -f "$work/l1/l2/crash-in"
	boot_l1 "$log.again"
	cat "$log.again" >>"$log"
	cat "$log.again.txt" >>"$log.txt"
done
took=$(echo "$(date +%s.%N) - $start" | bc)

n=0
check() { # check DESCRIPTION COMMAND...
	# The self-test (NESTED_FAULT) leaves the cases it did not run out.
	if [ "$2" = case_ok ] && [ -n "${NESTED_FAULT:-}" ] && ! grep -q "^$3|" "$work/cases"; then
		return
	fi
	n=$((n + 1))
	if [ "$2" = case_ok ] && ! grep -q "^$3|" "$work/cases"; then
		echo "ok $n - $1 # SKIP not in NESTED_CASES"
	elif "${@:2}"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		if [ "$2" = case_ok ]; then
			echo "# the end of case $3's console:"
			tail -n 25 "$work/case-$3" | sed 's/^/#   /'
		fi
	fi
}
has() { grep -q -- "$1" "$log.txt"; }
case_ok() { # the case's last block has the marker (if any) and the status
	awk -v c="$1" '/^KIT-CASE: /{on = ($2 == c); if (on) n = 0} on {b[n++] = $0}
		END {for (i = 0; i < n; i++) print b[i]}' "$log.txt" >"$work/case-$1"
	grep -q -- "$2" "$work/case-$1" && grep -q "^KIT-NESTED-STATUS: $3 " "$work/case-$1"
}
check "L1 loads kvm-amd and has a /dev/kvm" has "^KIT-L1-KVM:"
check "bzImage: L2 boots to its init marker, exit 0" case_ok bzimage "^KIT-INIT-OK: busybox init" 0
check "ELF vmlinux: L2 boots to its init marker, exit 0" case_ok elf "^KIT-INIT-OK: busybox init" 0
check "shell on the serial console, scripted through stdin; reboot ends the VMM with 0" \
	case_ok shell "^KIT-SHELL-42" 0
check "the guest's debug-exit value is mini-vmm's exit status" case_ok exit "^KIT-INIT-OK" 7
check "virtio-console over PCI: L2 writes to /dev/hvc0, the text is on mini-vmm's stdout" \
	case_ok virtio "^KIT-HVC-42" 0
check "virtio-console: the bytes went through the virtqueue, not the UART" \
	case_ok virtio "^console virtio: [1-9][0-9]* bytes" 0
for line in "${notes[@]}"; do echo "# $line"; done
if [ -n "${NESTED_FAULT:-}" ]; then
	check "self-test: L1 crashed in case $NESTED_FAULT; a second L1 boot ran it again" \
		grep -q "^L1 stopped in case $NESTED_FAULT after" < <(printf '%s\n' "${notes[@]}")
fi
echo "# QEMU ran for ${took%.*} s; L1 and L2 milestones:"
grep -E "^KIT-CASE|boot-timer: |^KIT-NESTED-STATUS|^KIT-L1|Kernel panic" "$log.txt" | sed 's/^/#   /'
if [ -n "${NESTED_LOG:-}" ]; then cp "$log.txt" "$NESTED_LOG"; fi
echo "1..$n"
