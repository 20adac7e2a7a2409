# chapters/01-kvm/chapter.mk - included by the top Makefile.
# Article §1.1-1.4 (KVM, the hypervisor, QEMU's device model): mini-vmm.
# The VMM itself is common/kvm/*.c (in libkit: chapter 08 reuses it).

PROGRAMS += mini-vmm
mini-vmm_SRCS := chapters/01-kvm/main.c
mini-vmm_LIBS := -lpthread

# ---- the test guests: flat binaries built from vm-images/guest-* -----------
# 16-bit (real mode) and 32-bit (protected mode) guests are assembly; the
# 64-bit one is C with no libc.  Each is linked by its own script and
# turned into a flat binary that mini-vmm --raw copies into guest RAM.
# They are built with the programs (the tests find them beside bin/, in
# $(BUILD)/images/), and by `make images`.
KVM_GUESTS := $(patsubst vm-images/guest-%.S,$(BUILD)/images/guest-%.bin,\
	$(wildcard vm-images/guest-*16.S vm-images/guest-*32.S)) \
	$(BUILD)/images/guest-sum64.bin $(BUILD)/images/guest-bench32.pvh
IMAGES += $(KVM_GUESTS)
$(BUILD)/bin/mini-vmm: $(KVM_GUESTS)

GUEST_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
	-mgeneral-regs-only -fcf-protection=none -fno-asynchronous-unwind-tables \
	-O2 -Wall -Wextra -Werror -nostdlib -static -Wl,--build-id=none -no-pie

$(BUILD)/images/guest-%16.bin: vm-images/guest-%16.S vm-images/guest-16.ld
	@mkdir -p $(@D)
	$(CC) -m32 -c -o $(@:.bin=.o) $<
	$(LD) -m elf_i386 -T vm-images/guest-16.ld -o $(@:.bin=.elf) $(@:.bin=.o)
	objcopy -O binary $(@:.bin=.elf) $@

$(BUILD)/images/guest-%32.bin: vm-images/guest-%32.S vm-images/guest-32.ld
	@mkdir -p $(@D)
	$(CC) -m32 -c -o $(@:.bin=.o) $<
	$(LD) -m elf_i386 -T vm-images/guest-32.ld -o $(@:.bin=.elf) $(@:.bin=.o)
	objcopy -O binary $(@:.bin=.elf) $@

$(BUILD)/images/guest-sum64.bin: vm-images/guest-sum64.c vm-images/guest-start64.S \
		vm-images/guest-64.ld
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -T vm-images/guest-64.ld -o $(@:.bin=.elf) \
		vm-images/guest-start64.S vm-images/guest-sum64.c
	objcopy -O binary $(@:.bin=.elf) $@

# ---- Linux for the guest: `make images` --------------------------------------
# The Debian cloud kernel (L2 of the nested test, and the direct-boot test on
# hardware KVM), its ELF vmlinux, and a busybox initramfs.  Fetched with
# apt-get download and unpacked into $(BUILD)/images, never installed.
KVM_LINUX_IMAGES := $(BUILD)/images/kernel-cloud.bzImage $(BUILD)/images/initramfs-busybox.cpio
IMAGES += $(KVM_LINUX_IMAGES)

$(BUILD)/images/kernel-%.bzImage: vm-images/kernel-debian.sh
	vm-images/kernel-debian.sh $* $(@D)

# Written by the same run as the cloud bzImage.
$(BUILD)/images/kernel-cloud.vmlinux: $(BUILD)/images/kernel-cloud.bzImage
	@test -f $@ || { rm -f $<; echo "$@ is missing: run make again" >&2; exit 1; }

$(BUILD)/images/initramfs-busybox.cpio: vm-images/initramfs-busybox.sh vm-images/initramfs-init.sh \
		$(BUILD)/images/initramfs-extra/bin/kit-outb
	vm-images/initramfs-busybox.sh $@ vm-images/initramfs-init.sh $(BUILD)/images/initramfs-extra

# /init's way to write the boot-timer and debug-exit ports.
$(BUILD)/images/initramfs-extra/bin/kit-outb: vm-images/initramfs-outb.c
	@mkdir -p $(@D)
	$(CC) -static -Os -Wall -Wextra -Werror -o $@ $<

# A static mini-vmm, to run inside a VM that has no libraries of ours.
$(BUILD)/images/mini-vmm-static: $(BUILD)/obj/chapters/01-kvm/main.o $(BUILD)/lib/libkit.a
	@mkdir -p $(@D)
	$(CC) -static $(KIT_LDFLAGS) -o $@ $^ -lpthread

# ---- booting Linux without hardware KVM: `make test-nested` ------------------
# QEMU's TCG with an emulated AMD SVM runs the generic Debian kernel (L1),
# which loads kvm-amd; the static mini-vmm inside it boots the cloud kernel
# (L2) several ways.  TAP on stdout; about 2 minutes on 2 CPUs.
.PHONY: test-nested
test-nested: $(KVM_LINUX_IMAGES) $(BUILD)/images/kernel-cloud.vmlinux \
		$(BUILD)/images/kernel-generic.bzImage $(BUILD)/images/mini-vmm-static ## boot Linux in mini-vmm inside QEMU/TCG (no KVM needed)
	chapters/01-kvm/test-nested.sh $(BUILD)/images $(BUILD)/images/mini-vmm-static

# qemu-system-x86 for the nested test and the benchmark; cpio and lz4 build
# the initramfs and extract the ELF vmlinux; bc times the nested run; time
# (GNU time) measures the benchmark's peak memory; python3 writes the tests'
# tiny bzImages; script (bsdutils) gives a test a terminal.
DEBIAN_PKGS += qemu-system-x86 cpio lz4 bc time python3 bsdutils

# ---- tests -------------------------------------------------------------------
# The kernel loader parses untrusted images: tests/fuzz/fuzz_bzimage.c.
fuzz_bzimage_LIB := common/kvm/linux.c common/kvm/mptable.c common/kvm/cpu.c common/kvm/stats.c \
	common/err.c
# Unit tests fake the kernel where they need to (tests/unit/test_kvm_*.c).
test_kvm_serial_WRAP := ioctl

# The benchmark's guest as QEMU boots it: an ELF with a PVH entry note.
$(BUILD)/images/guest-bench32.pvh: vm-images/guest-bench32.S vm-images/guest-pvh.ld
	@mkdir -p $(@D)
	$(CC) -m32 -c -o $@.o $<
	$(LD) -m elf_i386 -T vm-images/guest-pvh.ld -o $@ $@.o

# ---- stage 6: virtio --------------------------------------------------------
# The virtqueue walker reads rings a guest wrote: tests/fuzz/fuzz_virtqueue.c.
fuzz_virtqueue_LIB := common/kvm/virtqueue.c common/err.c
