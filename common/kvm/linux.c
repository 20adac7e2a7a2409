/* SPDX-License-Identifier: MIT */
/*
 * linux.c - loading Linux: a bzImage or an ELF vmlinux, its initramfs and
 * command line, and the "zero page" that tells the kernel about the machine.
 *
 * Article: §1.3 (QEMU's -kernel: the VMM plays boot loader) and §1.4 (a VM
 * boots a whole kernel, a container does not: this is that extra work).
 * The kernel's Documentation/arch/x86/boot.rst is the contract; the
 * structures are the kernel's own, from <asm/bootparam.h>.  A bzImage is
 *
 *   offset 0          boot sector + real-mode setup: (setup_sects + 1) * 512
 *                     bytes; struct setup_header at 0x1f1 ("HdrS" at 0x202)
 *   then              the protected-mode kernel: a small decompressor with
 *                     the compressed vmlinux inside; its 64-bit entry point
 *                     is 0x200 bytes in
 *
 * and the 64-bit boot protocol asks the loader to put the protected-mode
 * part in RAM, fill a struct boot_params (the zero page) with a copy of the
 * setup header, an e820 memory map, the command line and initrd addresses,
 * and jump to the entry in long mode with RSI pointing at the zero page.
 * An ELF vmlinux is the uncompressed kernel: its PT_LOAD segments go to
 * their physical addresses and the entry point is e_entry.
 *
 *   guest physical layout (KIT_LINUX_* in kit/kvm_boot.h)
 *   0x1000-0x7fff  GDT and page tables (cpu.c)     0x10000 zero page
 *   0x20000        command line                    0x100000 kernel (bzImage)
 *   0x9fc00        MP table (mptable.c)            top of RAM: initrd, page-
 *                  aligned, below initrd_addr_max
 *
 * Every offset and size read from an image is checked against the image
 * and against guest RAM before it is used: the file is untrusted input
 * (tests/fuzz/fuzz_bzimage.c).
 *
 * Left out: the 16- and 32-bit entry points, EFI handover, setup_data,
 * kernels or initrds above 4 GiB, RAM above 3 GiB (a PCI hole and a second
 * memory slot), ACPI tables (an MP table is enough), compressed ELF.
 */
#define _GNU_SOURCE
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/kvm_boot.h"

#define HDRS_MAGIC      0x53726448 /* "HdrS" */
#define BOOT_FLAG       0xaa55
#define MIN_PROTOCOL    0x020c /* 2.12: xloadflags says "has a 64-bit entry" */
#define MAX_SETUP_SECTS 64     /* the real-mode part must fit in 32 KiB */
#define E820_RAM        1
#define E820_RESERVED   2
#define LOADER_UNKNOWN  0xff /* type_of_loader: "a boot loader without an id" */
#define PAGE            4096ull

/* ---- the zero page -------------------------------------------------------- */

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

/*
 * The memory map a BIOS would report through int 0x15, ax=0xe820: RAM below
 * the EBDA, the legacy video/ROM hole, then RAM from 1 MiB to the end.
 */
static void write_e820(struct boot_params *bp, uint64_t mem_size)
{
	bp->e820_entries = 0;
	add_e820(bp, 0, 0x9fc00, E820_RAM);
	add_e820(bp, 0x9fc00, 0x400, E820_RESERVED);   /* EBDA */
	add_e820(bp, 0xf0000, 0x10000, E820_RESERVED); /* BIOS ROM */
	add_e820(bp, 0x100000, mem_size - 0x100000, E820_RAM);
}

static int write_cmdline(struct kit_vm *vm, struct boot_params *bp, const char *cmdline,
			 uint32_t max, struct kit_err *err)
{
	size_t len = strlen(cmdline);
	char *dst = kit_vm_gpa(vm, KIT_LINUX_CMDLINE, KIT_LINUX_CMDLINE_MAX);

	if (max == 0 || max > KIT_LINUX_CMDLINE_MAX - 1)
		max = KIT_LINUX_CMDLINE_MAX - 1;
	if (len > max)
		return kit_err_set(
			err, E2BIG, "shorten --append",
			"pass a command line of %zu bytes to a kernel that takes %u", len,
			max);
	memcpy(dst, cmdline, len + 1);
	bp->hdr.cmd_line_ptr = KIT_LINUX_CMDLINE;
	bp->hdr.cmdline_size = max;
	return 0;
}

/*
 * The initrd goes as high as possible (the kernel's own allocations grow
 * up from its image) but below initrd_addr_max and above the kernel.
 */
static int place_initrd(struct kit_vm *vm, struct boot_params *bp, const uint8_t *initrd,
			size_t size, struct kit_linux_image *img, struct kit_err *err)
{
	uint64_t top = vm->mem_size, addr;

	if (bp->hdr.initrd_addr_max && (uint64_t)bp->hdr.initrd_addr_max + 1 < top)
		top = (uint64_t)bp->hdr.initrd_addr_max + 1;
	if (size > top || ((top - size) & ~(PAGE - 1)) < img->end)
		return kit_err_set(
			err, EFBIG, "raise --memory, or use a smaller initramfs",
			"place an initrd of %zu bytes between the kernel's end 0x%llx and 0x%llx",
			size, (unsigned long long)img->end, (unsigned long long)top);
	addr = (top - size) & ~(PAGE - 1);
	memcpy(vm->mem + addr, initrd, size);
	bp->hdr.ramdisk_image = (uint32_t)addr;
	bp->hdr.ramdisk_size = (uint32_t)size;
	img->initrd_addr = addr;
	img->initrd_size = size;
	return 0;
}

/* ---- bzImage --------------------------------------------------------------- */

/* The checks a boot loader makes before trusting a bzImage's header. */
static int check_bzimage(size_t size, const struct setup_header *h, struct kit_err *err)
{
	size_t setup;

	if (h->boot_flag != BOOT_FLAG || h->header != HDRS_MAGIC)
		return kit_err_set(
			err, ENOEXEC,
			"no 0xaa55 boot flag and \"HdrS\" at 0x1fe/0x202: not a bzImage",
			"read the kernel's setup header");
	if (h->version < MIN_PROTOCOL || !(h->xloadflags & XLF_KERNEL_64))
		return kit_err_set(
			err, ENOEXEC,
			"mini-vmm needs boot protocol 2.12+ with a 64-bit entry point (Linux 3.8 or later, x86_64)",
			"boot a kernel with boot protocol %u.%02u", h->version >> 8,
			h->version & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		return kit_err_set(
			err, ENOEXEC,
			"a zImage (loaded at 0x10000) is not supported: use a bzImage",
			"boot a kernel not loaded high");
	setup = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (h->setup_sects > MAX_SETUP_SECTS || setup >= size)
		return kit_err_set(err, EINVAL, "the image is truncated or corrupt",
				   "find the kernel after %u setup sectors in %zu bytes",
				   h->setup_sects, size);
	return 0;
}

static int load_bzimage(struct kit_vm *vm, const uint8_t *k, size_t size,
			struct boot_params *bp, struct kit_linux_image *img,
			struct kit_err *err)
{
	struct setup_header h;
	size_t setup, kernel_size, hdr_end;
	int ret;

	memcpy(&h, k + 0x1f1, sizeof(h));
	if ((ret = check_bzimage(size, &h, err)) < 0)
		return ret;
	setup = ((size_t)(h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	kernel_size = size - setup;
	img->version = h.version;
	img->kernel_addr = KIT_LINUX_KERNEL;
	img->kernel_size = kernel_size;
	/* init_size: what the kernel needs from its load address while it
	 * decompresses and starts, more than the file holds. */
	img->end = KIT_LINUX_KERNEL +
		   (kernel_size > h.init_size ? kernel_size : h.init_size);
	if (img->end > vm->mem_size)
		return kit_err_set(
			err, EFBIG, "raise --memory",
			"load a kernel that needs %llu MiB from 0x%x into %llu MiB of RAM",
			(unsigned long long)((img->end - KIT_LINUX_KERNEL) >> 20),
			KIT_LINUX_KERNEL, (unsigned long long)(vm->mem_size >> 20));
	memcpy(vm->mem + KIT_LINUX_KERNEL, k + setup, kernel_size);
	/* The 64-bit entry point is 0x200 bytes into the protected-mode part. */
	img->entry = KIT_LINUX_KERNEL + 0x200;

	/* The zero page starts as a copy of the image's setup header; its
	 * length is given by the jump at 0x200 (0x202 + the jump's offset). */
	hdr_end = 0x202 + k[0x201];
	if (hdr_end > 0x1f1 + sizeof(h))
		hdr_end = 0x1f1 + sizeof(h);
	memcpy((uint8_t *)bp + 0x1f1, k + 0x1f1, hdr_end - 0x1f1);
	bp->hdr.type_of_loader = LOADER_UNKNOWN;
	bp->hdr.code32_start = KIT_LINUX_KERNEL;
	return 0;
}

/* ---- ELF vmlinux ------------------------------------------------------------- */

static int elf_bad(struct kit_err *err, const char *what)
{
	return kit_err_set(err, ENOEXEC, what, "load the ELF kernel");
}

/* Copy one PT_LOAD segment to its physical address; zero its bss. */
static int load_segment(struct kit_vm *vm, const uint8_t *k, size_t size,
			const Elf64_Phdr *ph, struct kit_linux_image *img,
			struct kit_err *err)
{
	uint8_t *dst;

	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
	    ph->p_filesz > ph->p_memsz)
		return elf_bad(err,
			       "a segment lies outside the file: truncated or corrupt");
	dst = kit_vm_gpa(vm, ph->p_paddr, ph->p_memsz);
	if (!dst || ph->p_paddr < KIT_BOOT_PAGING_END)
		return kit_err_set(
			err, EFBIG, "raise --memory",
			"load a kernel segment of %llu bytes at 0x%llx into %llu MiB of RAM",
			(unsigned long long)ph->p_memsz, (unsigned long long)ph->p_paddr,
			(unsigned long long)(vm->mem_size >> 20));
	memcpy(dst, k + ph->p_offset, ph->p_filesz);
	memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	if (!img->kernel_addr || ph->p_paddr < img->kernel_addr)
		img->kernel_addr = ph->p_paddr;
	if (ph->p_paddr + ph->p_memsz > img->end)
		img->end = ph->p_paddr + ph->p_memsz;
	img->kernel_size += ph->p_memsz;
	return 0;
}

static int load_elf(struct kit_vm *vm, const uint8_t *k, size_t size,
		    struct boot_params *bp, struct kit_linux_image *img,
		    struct kit_err *err)
{
	Elf64_Ehdr eh;
	int ret, loaded = 0;

	if (size < sizeof(eh))
		return elf_bad(err, "shorter than an ELF header");
	memcpy(&eh, k, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_type != ET_EXEC)
		return elf_bad(
			err,
			"not an x86_64 executable: a vmlinux is ELF64, EM_X86_64, ET_EXEC");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff > size ||
	    (size_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return elf_bad(err, "the program headers lie outside the file");
	img->is_elf = true;
	img->entry = eh.e_entry;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, k + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if ((ret = load_segment(vm, k, size, &ph, img, err)) < 0)
			return ret;
		/* e_entry is virtual in some builds: find it by p_vaddr. */
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
			img->entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
		loaded++;
	}
	if (!loaded)
		return elf_bad(err, "no PT_LOAD segment");
	if (img->entry >= vm->mem_size)
		return elf_bad(err, "the entry point is outside the loaded kernel");
	/* No setup header in an ELF: write the fields the kernel reads. */
	bp->hdr.boot_flag = BOOT_FLAG;
	bp->hdr.header = HDRS_MAGIC;
	bp->hdr.version = MIN_PROTOCOL;
	bp->hdr.type_of_loader = LOADER_UNKNOWN;
	bp->hdr.loadflags = LOADED_HIGH;
	bp->hdr.kernel_alignment = 0x1000000;
	img->version = MIN_PROTOCOL;
	return 0;
}

/* ---- the whole load -------------------------------------------------------- */

int kit_linux_load(struct kit_vm *vm, const uint8_t *kernel, size_t kernel_size,
		   const uint8_t *initrd, size_t initrd_size, const char *cmdline,
		   struct kit_linux_image *img, struct kit_err *err)
{
	struct boot_params *bp;
	int ret;

	memset(img, 0, sizeof(*img));
	if (vm->mem_size < KIT_LINUX_MIN_MEM || vm->mem_size > KIT_LINUX_MAX_MEM)
		return kit_err_set(
			err, EINVAL,
			"Linux needs 32 MiB at least; above 3 GiB a PCI hole would be needed (left out)",
			"boot Linux in %llu MiB of RAM",
			(unsigned long long)(vm->mem_size >> 20));
	bp = kit_vm_gpa(vm, KIT_LINUX_ZERO_PAGE, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	if (kernel_size >= 4 && memcmp(kernel, ELFMAG, SELFMAG) == 0)
		ret = load_elf(vm, kernel, kernel_size, bp, img, err);
	else if (kernel_size < 0x1f1 + sizeof(struct setup_header))
		ret = kit_err_set(err, ENOEXEC, "too short for a bzImage or an ELF file",
				  "read a kernel of %zu bytes", kernel_size);
	else
		ret = load_bzimage(vm, kernel, kernel_size, bp, img, err);
	if (ret < 0)
		return ret;
	if ((ret = write_cmdline(vm, bp, cmdline, img->is_elf ? 0 : bp->hdr.cmdline_size,
				 err)) < 0)
		return ret;
	if (initrd && (ret = place_initrd(vm, bp, initrd, initrd_size, img, err)) < 0)
		return ret;
	write_e820(bp, vm->mem_size);
	/* The firmware's other job: say where the IOAPIC is. */
	if (vm->vcon.enabled)
		kit_mptable_write_pci(vm->mem, vm->mem_size, KIT_VIRTIO_PCI_SLOT,
				      KIT_VIRTIO_IRQ);
	else
		kit_mptable_write(vm->mem, vm->mem_size);
	return 0;
}

int kit_linux_setup_vcpu(struct kit_vm *vm, const struct kit_linux_image *img,
			 struct kit_err *err)
{
	struct kvm_regs regs;
	int ret;

	/* Long mode, identity-mapped 4 GiB, __BOOT_CS = 0x10, __BOOT_DS = 0x18:
	 * exactly what kit_vcpu_setup() builds for a raw long-mode guest. */
	if ((ret = kit_vcpu_setup(vm, KIT_CPU_LONG, img->entry, 0x80000, err)) < 0)
		return ret;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "get vCPU registers");
	}
	regs.rsi = KIT_LINUX_ZERO_PAGE; /* the boot protocol's one argument */
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "set vCPU registers");
	}
	return 0;
}

/* A kernel or initrd file, mapped read-only: the loader copies from it
 * into guest RAM once, and nothing larger than that RAM is ever read. */
struct image_file {
	const uint8_t *data;
	size_t size;
};

static void unmap_image(struct image_file *f)
{
	if (f->data)
		munmap((void *)f->data, f->size);
}

static int map_image(struct kit_vm *vm, const char *what, const char *path,
		     struct image_file *f, struct kit_err *err)
{
	_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "read %s %s", what, path);
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return kit_err_set(err, EINVAL, "give a regular, non-empty file",
				   "read %s %s", what, path);
	if ((uint64_t)st.st_size > vm->mem_size)
		return kit_err_set(err, EFBIG, "raise --memory",
				   "load the %s %s (%lld bytes) into %llu MiB of RAM",
				   what, path, (long long)st.st_size,
				   (unsigned long long)(vm->mem_size >> 20));
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		return kit_err_set(err, e, NULL, "map %s %s", what, path);
	}
	f->data = p;
	f->size = (size_t)st.st_size;
	return 0;
}

int kit_linux_boot_files(struct kit_vm *vm, const char *kernel_path,
			 const char *initrd_path, const char *cmdline,
			 struct kit_linux_image *img, struct kit_err *err)
{
	struct image_file kernel = { 0 }, initrd = { 0 };
	int ret;

	ret = map_image(vm, "kernel", kernel_path, &kernel, err);
	if (ret == 0 && initrd_path)
		ret = map_image(vm, "initrd", initrd_path, &initrd, err);
	if (ret == 0) {
		ret = kit_linux_load(vm, kernel.data, kernel.size, initrd.data,
				     initrd.size, cmdline, img, err);
		if (ret < 0)
			kit_err_wrap(err, "boot %s", kernel_path);
	}
	unmap_image(&kernel);
	unmap_image(&initrd);
	if (ret < 0)
		return ret;
	return kit_linux_setup_vcpu(vm, img, err);
}
