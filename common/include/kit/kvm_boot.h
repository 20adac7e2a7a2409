/* SPDX-License-Identifier: MIT */
/*
 * kit/kvm_boot.h - putting a guest into a VM's RAM: a flat binary
 * (common/kvm/boot.c) or a Linux kernel, bzImage or ELF vmlinux, with its
 * initrd and command line (common/kvm/linux.c).
 *
 * Article: §1.3 (what QEMU does before the first guest instruction: it
 * loads the firmware or, with -kernel, the kernel itself).  The loaders
 * only write guest memory and registers; they parse untrusted files, so
 * every size and offset is checked before use (tests/fuzz/fuzz_bzimage.c).
 *
 * Left out: compressed ELF, the 16-bit and 32-bit Linux entry points (we
 * always use the 64-bit one), EFI handover, setup_data chains, ACPI.
 */
#ifndef KIT_KVM_BOOT_H
#define KIT_KVM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "kit/err.h"
#include "kit/kvm.h"

/*
 * kit_boot_load_raw - copy the whole file @path into guest RAM at @addr.
 * Fails with EFBIG (and the sizes) when it does not fit, ENOENT/EACCES as
 * open(2) says.  Returns 0 or -errno with @err.
 */
int kit_boot_load_raw(struct kit_vm *vm, const char *path, uint64_t addr,
		      struct kit_err *err);

/* Where linux.c puts things in guest physical memory. */
#define KIT_LINUX_ZERO_PAGE   0x10000 /* struct boot_params, 4 KiB */
#define KIT_LINUX_CMDLINE     0x20000 /* the command line, NUL-terminated */
#define KIT_LINUX_CMDLINE_MAX 4096
#define KIT_LINUX_KERNEL      0x100000 /* the protected-mode kernel (1 MiB) */
#define KIT_LINUX_MIN_MEM     (32ull << 20)
#define KIT_LINUX_MAX_MEM     (3ull << 30) /* below the PCI hole: one slot */

/*
 * kit_mptable_write - write an MP table (common/kvm/mptable.c) for one CPU,
 * the ISA bus and the in-kernel IOAPIC at KIT_MPTABLE_ADDR of @mem, the
 * guest's RAM of @mem_size bytes.  Returns its size, 0 if RAM is too small.
 */
#define KIT_MPTABLE_ADDR 0x9fc00 /* the last KiB of base memory */
#define KIT_MPTABLE_MAX  0x400
size_t kit_mptable_write(uint8_t *mem, uint64_t mem_size);
/* ... and PCI bus 0, whose slot @pci_slot's INTA# is IOAPIC pin @pci_pin. */
size_t kit_mptable_write_pci(uint8_t *mem, uint64_t mem_size, int pci_slot,
			     unsigned pci_pin);

/* kit_mptable_checksum - the byte that makes @len bytes at @p sum to 0. */
uint8_t kit_mptable_checksum(const void *p, size_t len);

/* What was found in a kernel image and where it went. */
struct kit_linux_image {
	bool is_elf;          /* ELF vmlinux (else bzImage) */
	uint16_t version;     /* boot protocol, e.g. 0x020f (bzImage) */
	uint64_t kernel_addr; /* guest physical address of the kernel */
	uint64_t kernel_size; /* bytes copied there */
	uint64_t entry;       /* guest physical 64-bit entry point */
	uint64_t initrd_addr, initrd_size;
	uint64_t end; /* first byte past the kernel's memory (init_size) */
};

/*
 * kit_linux_load - load the kernel in @kernel (@kernel_size bytes of a
 * bzImage or an ELF vmlinux), the initrd (@initrd, @initrd_size; NULL: none)
 * and @cmdline into @vm's RAM; write the boot_params zero page with an
 * e820 map of @vm->mem_size; describe the result in @img.  Touches only
 * guest memory: the vCPU is set up by kit_linux_setup_vcpu().  Rejects a
 * bad magic, a boot protocol older than 2.06, an absurd setup_sects, a
 * kernel or initrd that does not fit, with EINVAL/EFBIG/ENOEXEC and a
 * message saying which.  Returns 0 or -errno with @err.
 */
int kit_linux_load(struct kit_vm *vm, const uint8_t *kernel, size_t kernel_size,
		   const uint8_t *initrd, size_t initrd_size, const char *cmdline,
		   struct kit_linux_image *img, struct kit_err *err);

/*
 * kit_linux_setup_vcpu - the 64-bit boot protocol's entry state: long mode
 * with identity page tables, __BOOT_CS 0x10 / __BOOT_DS 0x18, RSI = the zero
 * page, RIP = @img->entry, interrupts off.  Returns 0 or -errno.
 */
int kit_linux_setup_vcpu(struct kit_vm *vm, const struct kit_linux_image *img,
			 struct kit_err *err);

/*
 * kit_linux_boot_files - read @kernel_path and @initrd_path (NULL: none),
 * then kit_linux_load() and kit_linux_setup_vcpu().  Returns 0 or -errno.
 */
int kit_linux_boot_files(struct kit_vm *vm, const char *kernel_path,
			 const char *initrd_path, const char *cmdline,
			 struct kit_linux_image *img, struct kit_err *err);

#endif /* KIT_KVM_BOOT_H */
