#!/usr/bin/env bats
# tests/chapters/01-kvm.bats - chapter 01 (article §1.1-1.4): mini-vmm runs
# guests on /dev/kvm.  These tests are also lab 01's grader: a name starting
# "[lab 01.N, P pts]" grades TODO 01.N (see labs/01-kvm/README.md).
#
# The test guests (vm-images/guest-*) are built with the programs into
# $KIT_BIN/../images.  Stages 1-4 run on any /dev/kvm, PVM included; booting
# Linux needs hardware KVM (require_hw_kvm) or `make test-nested`.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	GUESTS=${KIT_GUESTS:-$(cd "$KIT_BIN/../images" 2>/dev/null && pwd)}
	export GUESTS
}

setup() {
	V=$KIT_BIN/mini-vmm
	T=$(mktemp -d /tmp/kit-vmm.XXXXXX)
}

teardown() {
	rm -rf "$T"
	no_processes_left "$V"
}

# vmm ARGS... - mini-vmm with no input and a time limit, under bats' run.
vmm() {
	run --separate-stderr timeout 20 "$V" "$@" </dev/null
}

# --- the command line ---------------------------------------------------------

@test "[1 pt] --help prints every option to stdout and exits 0" {
	run --separate-stderr "$V" --help
	assert_success
	for opt in --raw --mode --load --entry --kernel --initrd --append --memory --stats --virtio-console; do
		assert_output --partial -- "$opt"
	done
	[ -z "$stderr" ]
}

@test "[1 pt] usage errors exit 2 and say what is wrong" {
	run --separate-stderr "$V"
	assert_failure 2
	[[ "$stderr" == *"give either --raw FILE or --kernel IMAGE"* ]]
	run --separate-stderr "$V" --raw x --kernel y
	assert_failure 2
	run --separate-stderr "$V" --raw x --mode unreal
	assert_failure 2
	[[ "$stderr" == *"--mode unreal: say real, protected or long"* ]]
	run --separate-stderr "$V" --raw x --memory 12Q
	assert_failure 2
	[[ "$stderr" == *"--memory 12Q: the unit must be K, M or G"* ]]
	run --separate-stderr "$V" --raw x --memory 0
	assert_failure 2
	run --separate-stderr "$V" --raw x --load 0xzz
	assert_failure 2
	run --separate-stderr "$V" --raw x --initrd y
	assert_failure 2
	[[ "$stderr" == *"--initrd and --append go with --kernel"* ]]
	run --separate-stderr "$V" --no-such-option
	assert_failure 2
	[[ "$stderr" == *"usage: mini-vmm"* ]]
}

@test "[1 pt] a guest image that does not exist: exit 1 and why" {
	require_kvm
	vmm --raw "$T/nothing.bin"
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: open guest image $T/nothing.bin: ENOENT (No such file or directory)"
}

@test "[1 pt] an image larger than guest RAM is refused, with the sizes" {
	require_kvm
	head -c 3M /dev/zero >"$T/big.bin"
	vmm --raw "$T/big.bin" --memory 2M
	assert_failure 1
	[[ "$stderr" == *"load 3145728 bytes of $T/big.bin at 0x7c00 into 2 MiB: EFBIG (the image does not fit in guest RAM"* ]]
	vmm --raw "$T" --memory 2M
	assert_failure 1
	[[ "$stderr" == *"load guest image $T: EINVAL (give a regular file)"* ]]
}

@test "[1 pt] without permission on /dev/kvm: EACCES and what to do" {
	require_root
	require_kvm
	[ "$(stat -c %a /dev/kvm)" != 666 ] || skip "/dev/kvm is world-writable here"
	copy=$(public_copy "$V")
	run --separate-stderr as_nobody "$copy" --raw /dev/null </dev/null
	rm -rf "${copy%/*}"
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: open /dev/kvm: EACCES (run as root, or join the group that owns /dev/kvm (usually kvm))"
}

# --- stage 1: real mode and port I/O (§1.1) -----------------------------------

@test "[lab 01.1, 3 pts] a real-mode guest says hello on the serial port and halts: exit 0" {
	require_kvm
	vmm --raw "$GUESTS/guest-hello16.bin"
	assert_success
	assert_output "Hello from real mode!"
	[ -z "$stderr" ]
}

@test "[lab 01.1, 1 pt] guest RAM is what --memory says: too little for a long-mode guest" {
	require_kvm
	vmm --raw "$GUESTS/guest-hello16.bin" --memory 1M
	assert_success
	assert_output "Hello from real mode!"
	vmm --raw "$GUESTS/guest-sum64.bin" --mode long --memory 1M
	assert_failure 1
	[[ "$stderr" == *"load 3"*"bytes of $GUESTS/guest-sum64.bin at 0x100000 into 1 MiB: EFBIG"* ]] ||
		[[ "$stderr" == *"at 0x100000 into 1 MiB: EFBIG"* ]]
}

@test "[lab 01.2, 3 pts] the debug-exit port's value becomes the exit status; the boot timer reports" {
	require_kvm
	vmm --raw "$GUESTS/guest-exit16.bin"
	assert_failure 42
	assert_output ""
	assert_regex "$stderr" '^mini-vmm: boot-timer: the guest wrote 0x01 [0-9]+\.[0-9]{3} ms after the VMM started$'
}

@test "[lab 01.2, 2 pts] an unknown port reads 0xff, and is warned about once" {
	require_kvm
	vmm --raw "$GUESTS/guest-unknown16.bin"
	assert_failure 255
	assert_equal "$stderr" "mini-vmm: warn: guest read port 0x1234 (1 bytes): no device there; reads return 0xff (said once per address)"
}

@test "[lab 01.2, 3 pts] --stats: 1000 port writes are 1000 VM-exits at that port" {
	require_kvm
	vmm --raw "$GUESTS/guest-ports16.bin" --stats
	assert_success
	assert_regex "$stderr" 'VM exits: 1001; [0-9.]+ ms in KVM_RUN'
	assert_regex "$stderr" $'\n  IO +1000 +[0-9.]+ ms +[0-9]+ ns/exit'
	assert_regex "$stderr" $'\n  HLT +1 '
	assert_regex "$stderr" $'\n  port out 0x80 POST/io-delay +1000 +[0-9.]+ ms +[0-9]+ ns/exit +1000 bytes'
}

@test "[lab 01.2, 2 pts] --stats counts every byte the hello guest prints as one exit" {
	require_kvm
	vmm --raw "$GUESTS/guest-hello16.bin" --stats
	assert_success
	# "Hello from real mode!\n" is 22 bytes: 22 OUTs to 0x3f8.
	assert_regex "$stderr" $'\n  port out 0x3f8 serial +22 '
}

# --- stage 2: protected and long mode -----------------------------------------

@test "[2 pts] a protected-mode guest runs with the VMM's flat GDT" {
	require_kvm
	vmm --raw "$GUESTS/guest-hello32.bin" --mode protected
	assert_success
	assert_output "Hello from protected mode!"
}

@test "[lab 01.3, 4 pts] a 64-bit C guest in long mode computes, prints and returns its result" {
	require_kvm
	vmm --raw "$GUESTS/guest-sum64.bin" --mode long
	assert_failure 25
	assert_line --index 0 "Hello from long mode, in C!"
	assert_line --index 1 "sum(1..100) = 5050"
	assert_line --index 2 "fib(90) = 2880067194370816120"
	assert_line --index 3 "primes below 100: 25"
}

@test "[2 pts] a guest loaded below the VMM's page tables is refused" {
	require_kvm
	vmm --raw "$GUESTS/guest-sum64.bin" --mode long --load 0x2000
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: load a guest at 0x2000, below 0x8000: EINVAL (the VMM's GDT and page tables live there)"
}

# --- stage 4: devices and the in-kernel irqchip (§1.3) --------------------------

@test "[lab 01.4, 4 pts] the UART raises IRQ 4: transmitter empty, then a byte from stdin" {
	require_kvm
	# The byte arrives while the guest sleeps in HLT; only IRQ 4 wakes it.
	run --separate-stderr timeout 10 sh -c "(sleep 0.3; printf Z) | '$V' --raw '$GUESTS/guest-irq16.bin' --irqchip"
	assert_failure 90 # 'Z'
	assert_line --index 0 "IRQ 4: transmitter empty"
	assert_line --index 1 "IRQ 4: received Z"
}

@test "[1 pt] on a terminal: the console is raw, keys reach the guest, Ctrl-A x quits" {
	require_kvm
	# script(1) gives mini-vmm a pseudo-terminal as stdin and stdout.
	run timeout 10 sh -c "(sleep 0.5; printf K) | script -qec \"'$V' --raw '$GUESTS/guest-irq16.bin' --irqchip; echo status=\\\$?\" /dev/null"
	assert_success
	assert_output --partial "IRQ 4: received K"
	assert_output --partial "status=75"
	run timeout 10 sh -c "(sleep 0.5; printf '\\001x') | script -qec \"'$V' --raw '$GUESTS/guest-irq16.bin' --irqchip; echo status=\\\$?\" /dev/null"
	assert_success
	assert_output --partial "IRQ 4: transmitter empty"
	assert_output --partial "status=0"
	refute_output --partial "received"
}

@test "[2 pts] the in-kernel PIT ticks at 1 kHz without a single exit to the VMM" {
	require_kvm
	vmm --raw "$GUESTS/guest-pit16.bin" --irqchip --stats
	assert_failure 10
	# Ten timer interrupts and ten HLTs, all handled in the kernel: the
	# only exit we see is the final write to the debug-exit port.
	assert_regex "$stderr" 'VM exits: 1; '
	assert_regex "$stderr" $'\n  port out 0x501 debug-exit +1 '
}

@test "[2 pts] without the irqchip, the UART's IRQ has nowhere to go: HLT ends the guest" {
	require_kvm
	run --separate-stderr timeout 10 sh -c "printf Z | '$V' --raw '$GUESTS/guest-irq16.bin'"
	assert_success
	assert_output ""
}

# --- faults: clear messages, exit 1, never a crash -------------------------------

@test "[2 pts] a triple fault: exit 1, the exit reason, the registers and the instruction bytes" {
	require_kvm
	vmm --raw "$GUESTS/guest-fault32.bin" --mode protected
	assert_failure 1
	[[ "$stderr" == "mini-vmm: run guest at rip 0x10000c: EIO (KVM_EXIT_SHUTDOWN: the guest triple-faulted"* ]]
	assert_regex "$stderr" $'\n  exit reason SHUTDOWN \\(8\\)'
	assert_regex "$stderr" $'\n  rax 0000000000002bad '
	assert_regex "$stderr" $'\n  gdt 1000/1f idt 0/0'
	assert_regex "$stderr" $'\n  code at rip \\(guest physical 10000c\\): 0f 0b f4'
}

@test "[2 pts] MMIO with no device reads 0xff (warned once); running from it is a KVM internal error" {
	require_kvm
	vmm --raw "$GUESTS/guest-mmio32.bin" --mode protected
	assert_failure 1
	assert_equal "$(grep -c 'no device there' <<<"$stderr")" 1
	[[ "$stderr" == *"mini-vmm: warn: guest read MMIO address 0xd0000000 (4 bytes): no device there; reads return 0xff"* ]]
	[[ "$stderr" == *"mini-vmm: run guest at rip 0xd0000000: EIO (KVM_EXIT_INTERNAL_ERROR suberror 1: KVM could not emulate an instruction"* ]]
	assert_regex "$stderr" $'\n  exit reason INTERNAL_ERROR \\(17\\)'
	assert_regex "$stderr" $'\n  code at rip: not in guest RAM'
}

# --- stage 6: virtio -------------------------------------------------------------

@test "[lab 01.5, 3 pts] --virtio-console: a guest's buffer leaves through the virtqueue with one notify" {
	require_kvm
	vmm --raw "$GUESTS/guest-virtio32.bin" --mode protected --virtio-console --stats
	assert_failure 15 # the device status: ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK
	assert_output "Hello from a virtqueue!"
	[[ "$stderr" == *"console virtio: 24 bytes out in 17 exits (1.41 bytes/exit); 1 buffers, 1 notifies"* ]]
	[[ "$stderr" == *"mmio write 0xe0002004 virtio-console"* ]]
}

@test "[lab 01.5, 3 pts] a descriptor outside guest RAM is refused with the reason; the device needs a reset" {
	require_kvm
	# The guest's mode byte, just before its message: 1 = a hostile buffer address.
	python3 - "$GUESTS/guest-virtio32.bin" "$T/bad.bin" <<'PY'
import sys
img = bytearray(open(sys.argv[1], 'rb').read())
img[img.index(b'Hello from a virtqueue') - 1] = 1
open(sys.argv[2], 'wb').write(img)
PY
	vmm --raw "$T/bad.bin" --mode protected --virtio-console
	assert_failure $((0x4f)) # DEVICE_NEEDS_RESET | the four bits the driver set
	assert_output ""
	[[ "$stderr" == *"mini-vmm: warn: virtio-console: refused what the guest's driver asked: read descriptor 0 of the chain at 0 on virtqueue 1: EFAULT (the buffer lies outside guest RAM); the device now needs a reset (DEVICE_NEEDS_RESET)"* ]]
}

@test "[1 pt] --virtio-console in real mode is a usage error: the BAR is out of reach" {
	vmm --raw "$GUESTS/guest-hello16.bin" --virtio-console
	assert_failure 2
	[[ "$stderr" == *"--virtio-console: the BAR at 0xe0000000 is out of real mode's reach"* ]]
}

# --- stage 5: Linux --------------------------------------------------------------

# A bzImage header in miniature (boot protocol 2.15, one setup sector, a
# 4 KiB "kernel"): enough for the loader's checks, never run.
tiny_bzimage() { # tiny_bzimage FILE [INIT_SIZE]
	python3 - "$1" "${2:-65536}" <<'PY'
import struct, sys
img = bytearray(1024 + 4096)
img[0x1f1] = 1
struct.pack_into('<H', img, 0x1fe, 0xaa55)
img[0x200:0x202] = b'\xeb\x6a'
struct.pack_into('<IH', img, 0x202, 0x53726448, 0x020f)
img[0x211] = 1                                  # LOADED_HIGH
struct.pack_into('<I', img, 0x22c, 0x7fffffff)  # initrd_addr_max
struct.pack_into('<H', img, 0x236, 1)           # XLF_KERNEL_64
struct.pack_into('<I', img, 0x238, 2047)        # cmdline_size
struct.pack_into('<I', img, 0x260, int(sys.argv[2]))  # init_size
open(sys.argv[1], 'wb').write(img)
PY
}

@test "[1 pt] a file that is not a kernel is refused before anything runs" {
	require_kvm
	head -c 8192 /dev/urandom >"$T/random"
	printf 'MZ' | cat - "$T/random" >"$T/not-a-kernel"
	vmm --kernel "$T/not-a-kernel"
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: boot $T/not-a-kernel: read the kernel's setup header: ENOEXEC (no 0xaa55 boot flag and \"HdrS\" at 0x1fe/0x202: not a bzImage)"
}

@test "[1 pt] a kernel or an initrd larger than guest RAM is refused with the sizes" {
	require_kvm
	tiny_bzimage "$T/huge-kernel" $((100 << 20))
	vmm --kernel "$T/huge-kernel" --memory 64M
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: boot $T/huge-kernel: load a kernel that needs 100 MiB from 0x100000 into 64 MiB of RAM: EFBIG (raise --memory)"
	tiny_bzimage "$T/kernel"
	# Smaller than RAM, but not above the kernel's end (1 MiB + 64 KiB).
	head -c $((63 << 20)) /dev/zero >"$T/initrd"
	vmm --kernel "$T/kernel" --initrd "$T/initrd" --memory 64M
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: boot $T/kernel: place an initrd of 66060288 bytes between the kernel's end 0x110000 and 0x4000000: EFBIG (raise --memory, or use a smaller initramfs)"
	head -c $((65 << 20)) /dev/zero >"$T/initrd"
	vmm --kernel "$T/kernel" --initrd "$T/initrd" --memory 64M
	assert_failure 1
	assert_equal "$stderr" "mini-vmm: load the initrd $T/initrd (68157440 bytes) into 64 MiB of RAM: EFBIG (raise --memory)"
}

# Worth no points: the kit's CI machines have PVM, which cannot boot a stock
# kernel, and a test that must skip there cannot carry points.  On those
# machines `make test-nested` boots Linux in mini-vmm instead.
@test "[0 pts] hardware KVM: the Debian kernel boots to the busybox init and reboots cleanly" {
	require_hw_kvm
	[ -f "$GUESTS/kernel-cloud.bzImage" ] || skip "no $GUESTS/kernel-cloud.bzImage: run make images"
	run --separate-stderr timeout 60 "$V" --kernel "$GUESTS/kernel-cloud.bzImage" \
		--initrd "$GUESTS/initramfs-busybox.cpio" \
		--append "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd quiet kit.halt" </dev/null
	assert_success
	assert_line --partial "KIT-INIT-OK: busybox init on Linux"
	assert_regex "$stderr" 'boot-timer: the guest wrote 0x01 [0-9.]+ ms after the VMM started'
}
