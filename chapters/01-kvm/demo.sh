#!/usr/bin/env bash
# chapters/01-kvm/demo.sh - article §1.1-1.4, told with mini-vmm.  Run by
# `make demo`; safe to run alone after `make` (and `make images` for Linux).
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
V=$KIT_BIN/mini-vmm
G=$(cd "$KIT_BIN/../images" 2>/dev/null && pwd || echo "$KIT_BIN/../images")

title "Chapter 01: KVM (article §1.1-1.4)"
say "A virtual machine monitor is an ordinary process: it opens /dev/kvm,"
say "creates a VM, gives it memory and a vCPU, and loops on KVM_RUN."
need kvm

say ""
say "1. The smallest guest: 16-bit real mode, 22 bytes written to the serial"
say "   port at 0x3f8, then HLT.  Each OUT is a VM-exit: the CPU leaves the"
say "   guest (VMX non-root mode), KVM hands the byte to mini-vmm, which"
say "   prints it (§1.1, §1.3):"
show "$V" --raw "$G/guest-hello16.bin"

say ""
say "2. The same guest with --stats: 22 exits at port 0x3f8, one HLT."
show "$V" --raw "$G/guest-hello16.bin" --stats

say ""
say "3. A 64-bit guest written in C.  mini-vmm writes a GDT and page tables"
say "   into guest RAM and starts the vCPU in long mode directly; the guest"
say "   returns 25 (the primes below 100) through the debug-exit port, and"
say "   that becomes mini-vmm's exit status:"
show sh -c "'$V' --raw '$G/guest-sum64.bin' --mode long; echo \"exit status \$?\""

say ""
say "4. Devices and interrupts.  With the in-kernel irqchip (PIC, IOAPIC,"
say "   LAPIC) the guest sleeps in HLT and only IRQ 4 from our UART wakes it:"
say "   first 'transmitter empty', then a byte we type on its stdin:"
show sh -c "(sleep 0.5; printf K) | '$V' --raw '$G/guest-irq16.bin' --irqchip; echo \"exit status \$? ('K' is 75)\""
say "   The in-kernel PIT ticks ten times at 1 kHz; mini-vmm sees one exit:"
show "$V" --raw "$G/guest-pit16.bin" --irqchip --stats || true

say ""
say "5. When the guest breaks, the VMM says how: a triple fault, with the"
say "   registers and the instruction bytes at rip (0f 0b is ud2):"
show "$V" --raw "$G/guest-fault32.bin" --mode protected || true

say ""
say "6. Paravirtual I/O (半虚拟化): a guest that knows it runs on a VMM puts"
say "   its text in its own RAM, describes it in a virtqueue, and exits once"
say "   (a 'notify').  Compare the one notify with the UART's exit per byte:"
show "$V" --raw "$G/guest-virtio32.bin" --mode protected --virtio-console --stats || true

say ""
if kit_require hw_kvm 2>/dev/null && [ -f "$G/kernel-cloud.bzImage" ]; then
	say "7. Linux: the Debian cloud kernel and a busybox initramfs, to its init"
	say "   (kit.halt: reboot right after the marker; the boot timer says when):"
	show "$V" --kernel "$G/kernel-cloud.bzImage" --initrd "$G/initramfs-busybox.cpio" \
		--append "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd quiet kit.halt"
else
	say "7. Booting Linux needs hardware KVM (this /dev/kvm cannot) or 'make"
	say "   test-nested', which runs mini-vmm inside QEMU's emulated AMD SVM."
fi
say ""
say "Next: chapters/01-kvm/README.md maps each step to the code, and"
say "'make grade LAB=01' grades your own version (labs/01-kvm)."
