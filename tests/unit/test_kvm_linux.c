/* SPDX-License-Identifier: MIT */
/*
 * test_kvm_linux.c - unit tests for common/kvm/linux.c: the bzImage and
 * ELF vmlinux loaders, the zero page, the e820 map, the command line and
 * the initrd's placement, and every hostile image they must refuse.
 *
 * Nothing here runs a guest or opens /dev/kvm: the "VM" is a struct kit_vm
 * whose RAM is a calloc'd buffer, and the tests read the guest's memory
 * after loading, as the kernel will.  Images are built in memory by the
 * tests: a bzImage is a setup header at 0x1f1 with one setup sector, then
 * a "kernel" of recognisable bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <asm/bootparam.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kvm_boot.h"
#include "unit.h"

#define MIB         (1024 * 1024ull)
#define SETUP_SECTS 1
#define KERNEL_LEN  0x2000 /* bytes of protected-mode "kernel" */
#define IMAGE_LEN   ((SETUP_SECTS + 1) * 512 + KERNEL_LEN)

struct fixture {
	struct kit_vm vm;
	uint8_t image[IMAGE_LEN];
	uint8_t initrd[3 * 4096 + 5];
	struct kit_linux_image img;
	struct kit_err err;
};

static struct setup_header *hdr(struct fixture *f)
{
	return (struct setup_header *)(f->image + 0x1f1);
}

/* A bzImage as Linux 6.1 writes it, boot protocol 2.15. */
static void make_bzimage(struct fixture *f)
{
	struct setup_header *h = hdr(f);

	memset(f->image, 0, sizeof(f->image));
	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	f->image[0x200] = 0xeb; /* jmp short over the header ... */
	f->image[0x201] = 0x6a; /* ... to 0x26c: the header's end */
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->initrd_addr_max = 0x7fffffff;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = 2047;
	h->init_size = 0x10000;
	for (int i = 0; i < KERNEL_LEN; i++)
		f->image[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 1);
}

static int setup_vm(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->vm.mem_size = 64 * MIB;
	f->vm.mem = calloc(1, f->vm.mem_size);
	if (!f->vm.mem)
		return -1;
	make_bzimage(f);
	for (size_t i = 0; i < sizeof(f->initrd); i++)
		f->initrd[i] = (uint8_t)(0xa0 + i);
	*state = f;
	return 0;
}

static int teardown_vm(void **state)
{
	struct fixture *f = *state;

	free(f->vm.mem);
	free(f);
	return 0;
}

static struct boot_params *zero_page(struct fixture *f)
{
	return (struct boot_params *)(f->vm.mem + KIT_LINUX_ZERO_PAGE);
}

static int load(struct fixture *f, size_t len, const char *cmdline)
{
	return kit_linux_load(&f->vm, f->image, len, f->initrd, sizeof(f->initrd),
			      cmdline, &f->img, &f->err);
}

/* ---- a good bzImage ------------------------------------------------------ */

static void bzimage_kernel_goes_to_1mib_entry_0x200_in(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, IMAGE_LEN, "console=ttyS0"), 0);
	assert_false(f->img.is_elf);
	assert_int_equal(f->img.version, 0x020f);
	assert_int_equal(f->img.kernel_addr, 0x100000);
	assert_int_equal(f->img.kernel_size, KERNEL_LEN);
	assert_int_equal(f->img.entry, 0x100200);
	assert_memory_equal(f->vm.mem + 0x100000, f->image + 1024, KERNEL_LEN);
	/* The setup sectors are not loaded: nothing runs them. */
	assert_int_equal(f->vm.mem[0x100000 + KERNEL_LEN], 0);
}

static void zero_page_copies_the_header_and_says_who_loaded(void **state)
{
	struct fixture *f = *state;
	struct boot_params *bp = zero_page(f);

	assert_int_equal(load(f, IMAGE_LEN, "console=ttyS0"), 0);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.version, 0x020f);
	assert_int_equal(bp->hdr.init_size, 0x10000);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.code32_start, 0x100000);
	/* Nothing of the zero page outside the header is left from before. */
	assert_int_equal(bp->screen_info.orig_video_isVGA, 0);
}

static void command_line_is_in_guest_memory(void **state)
{
	struct fixture *f = *state;
	struct boot_params *bp = zero_page(f);

	assert_int_equal(load(f, IMAGE_LEN, "console=ttyS0 quiet"), 0);
	assert_int_equal(bp->hdr.cmd_line_ptr, KIT_LINUX_CMDLINE);
	assert_string_equal((char *)f->vm.mem + KIT_LINUX_CMDLINE, "console=ttyS0 quiet");
}

static void e820_map_describes_ram_and_the_legacy_holes(void **state)
{
	struct fixture *f = *state;
	struct boot_params *bp = zero_page(f);
	static const struct boot_e820_entry want[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 },
		{ 0x100000, 64 * MIB - 0x100000, 1 },
	};

	assert_int_equal(load(f, IMAGE_LEN, ""), 0);
	assert_int_equal(bp->e820_entries, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(bp->e820_table[i].addr, want[i].addr);
		assert_int_equal(bp->e820_table[i].size, want[i].size);
		assert_int_equal(bp->e820_table[i].type, want[i].type);
	}
}

static void initrd_goes_to_the_top_of_ram_page_aligned(void **state)
{
	struct fixture *f = *state;
	struct boot_params *bp = zero_page(f);
	uint64_t want = (64 * MIB - sizeof(f->initrd)) & ~4095ull;

	assert_int_equal(load(f, IMAGE_LEN, ""), 0);
	assert_int_equal(bp->hdr.ramdisk_image, want);
	assert_int_equal(bp->hdr.ramdisk_size, sizeof(f->initrd));
	assert_int_equal(f->img.initrd_addr, want);
	assert_memory_equal(f->vm.mem + want, f->initrd, sizeof(f->initrd));
}

static void initrd_stays_below_initrd_addr_max(void **state)
{
	struct fixture *f = *state;

	hdr(f)->initrd_addr_max = 0x00ffffff; /* 16 MiB - 1 */
	assert_int_equal(load(f, IMAGE_LEN, ""), 0);
	assert_int_equal(zero_page(f)->hdr.ramdisk_image,
			 (16 * MIB - sizeof(f->initrd)) & ~4095ull);
}

static void no_initrd_leaves_the_ramdisk_fields_zero(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kit_linux_load(&f->vm, f->image, IMAGE_LEN, NULL, 0, "", &f->img,
					&f->err),
			 0);
	assert_int_equal(zero_page(f)->hdr.ramdisk_image, 0);
	assert_int_equal(zero_page(f)->hdr.ramdisk_size, 0);
}

static void setup_sects_zero_means_four(void **state)
{
	struct fixture *f = *state;
	uint8_t *big = calloc(1, 5 * 512 + 64);

	memcpy(big, f->image, 1024);
	((struct setup_header *)(big + 0x1f1))->setup_sects = 0;
	big[5 * 512] = 0x5a;
	assert_int_equal(
		kit_linux_load(&f->vm, big, 5 * 512 + 64, NULL, 0, "", &f->img, &f->err),
		0);
	assert_int_equal(f->img.kernel_size, 64);
	assert_int_equal(f->vm.mem[0x100000], 0x5a);
	free(big);
}

/* ---- hostile bzImages ----------------------------------------------------- */

static void expect_refusal(struct fixture *f, size_t len, int code, const char *msg)
{
	assert_int_equal(load(f, len, ""), -code);
	assert_string_equal(f->err.msg, msg);
}

static void bad_magic_is_not_a_bzimage(void **state)
{
	struct fixture *f = *state;

	hdr(f)->header = 0x12345678;
	expect_refusal(f, IMAGE_LEN, ENOEXEC,
		       "read the kernel's setup header: ENOEXEC (no 0xaa55 boot flag and "
		       "\"HdrS\" at 0x1fe/0x202: not a bzImage)");
}

static void old_boot_protocol_is_refused(void **state)
{
	struct fixture *f = *state;

	hdr(f)->version = 0x0206;
	expect_refusal(
		f, IMAGE_LEN, ENOEXEC,
		"boot a kernel with boot protocol 2.06: ENOEXEC (mini-vmm needs boot "
		"protocol 2.12+ with a 64-bit entry point (Linux 3.8 or later, x86_64))");
}

static void a_32_bit_kernel_is_refused(void **state)
{
	struct fixture *f = *state;

	hdr(f)->xloadflags = 0;
	assert_int_equal(load(f, IMAGE_LEN, ""), -ENOEXEC);
	assert_non_null(strstr(f->err.msg, "64-bit entry point"));
}

static void absurd_setup_sects_is_refused(void **state)
{
	struct fixture *f = *state;

	hdr(f)->setup_sects = 200;
	expect_refusal(f, IMAGE_LEN, EINVAL,
		       "find the kernel after 200 setup sectors in 9216 bytes: EINVAL "
		       "(the image is truncated or corrupt)");
}

static void truncated_image_is_refused(void **state)
{
	struct fixture *f = *state;

	expect_refusal(f, 1024, EINVAL,
		       "find the kernel after 1 setup sectors in 1024 bytes: EINVAL (the "
		       "image is truncated or corrupt)");
	expect_refusal(
		f, 0x200, ENOEXEC,
		"read a kernel of 512 bytes: ENOEXEC (too short for a bzImage or an "
		"ELF file)");
}

static void kernel_larger_than_ram_is_refused(void **state)
{
	struct fixture *f = *state;

	hdr(f)->init_size = 100 * MIB;
	expect_refusal(
		f, IMAGE_LEN, EFBIG,
		"load a kernel that needs 100 MiB from 0x100000 into 64 MiB of RAM: "
		"EFBIG (raise --memory)");
}

static void initrd_that_does_not_fit_is_refused(void **state)
{
	struct fixture *f = *state;

	hdr(f)->init_size = 63 * MIB; /* the kernel's end: 64 MiB */
	expect_refusal(
		f, IMAGE_LEN, EFBIG,
		"place an initrd of 12293 bytes between the kernel's end 0x4000000 and "
		"0x4000000: EFBIG (raise --memory, or use a smaller initramfs)");
}

static void command_line_longer_than_the_kernel_takes(void **state)
{
	struct fixture *f = *state;
	char line[64];

	hdr(f)->cmdline_size = 10;
	assert_int_equal(load(f, IMAGE_LEN, fill_string(line, 11, 'x')), -E2BIG);
	assert_string_equal(f->err.msg,
			    "pass a command line of 11 bytes to a kernel that "
			    "takes 10: E2BIG (shorten --append)");
}

static void too_little_or_too_much_ram(void **state)
{
	struct fixture *f = *state;

	f->vm.mem_size = 16 * MIB;
	expect_refusal(
		f, IMAGE_LEN, EINVAL,
		"boot Linux in 16 MiB of RAM: EINVAL (Linux needs 32 MiB at least; "
		"above 3 GiB a PCI hole would be needed (left out))");
}

/* ---- ELF vmlinux ------------------------------------------------------------- */

struct elf_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t text[256];
};

/* An x86_64 vmlinux in miniature: one PT_LOAD with a bss, linked high. */
static void make_elf(struct elf_image *e, uint64_t entry)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_entry = entry;
	e->eh.e_phoff = offsetof(struct elf_image, ph);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->ph[0].p_type = PT_NOTE;
	e->ph[1].p_type = PT_LOAD;
	e->ph[1].p_offset = offsetof(struct elf_image, text);
	e->ph[1].p_vaddr = 0xffffffff81000000ull;
	e->ph[1].p_paddr = 0x1000000;
	e->ph[1].p_filesz = sizeof(e->text);
	e->ph[1].p_memsz = sizeof(e->text) + 4096;
	memset(e->text, 0xc3, sizeof(e->text));
}

static int load_elf(struct fixture *f, struct elf_image *e, size_t len)
{
	return kit_linux_load(&f->vm, (uint8_t *)e, len, NULL, 0, "console=ttyS0",
			      &f->img, &f->err);
}

static void elf_segments_go_to_their_physical_addresses(void **state)
{
	struct fixture *f = *state;
	struct elf_image e;
	struct boot_params *bp = zero_page(f);

	make_elf(&e, 0x1000000);
	memset(f->vm.mem + 0x1000000 + sizeof(e.text), 0x55, 4096); /* old garbage */
	assert_int_equal(load_elf(f, &e, sizeof(e)), 0);
	assert_true(f->img.is_elf);
	assert_int_equal(f->img.kernel_addr, 0x1000000);
	assert_int_equal(f->img.entry, 0x1000000);
	assert_memory_equal(f->vm.mem + 0x1000000, e.text, sizeof(e.text));
	assert_int_equal(f->vm.mem[0x1000000 + sizeof(e.text)], 0); /* bss zeroed */
	assert_int_equal(f->vm.mem[0x1000000 + sizeof(e.text) + 4095], 0);
	/* An ELF has no setup header: the loader writes the fields needed. */
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->e820_entries, 4);
	assert_string_equal((char *)f->vm.mem + KIT_LINUX_CMDLINE, "console=ttyS0");
}

static void elf_virtual_entry_is_translated(void **state)
{
	struct fixture *f = *state;
	struct elf_image e;

	make_elf(&e, 0xffffffff81000010ull);
	assert_int_equal(load_elf(f, &e, sizeof(e)), 0);
	assert_int_equal(f->img.entry, 0x1000010);
}

static void hostile_elf_images_are_refused(void **state)
{
	struct fixture *f = *state;
	struct elf_image e;

	make_elf(&e, 0x1000000);
	e.eh.e_machine = EM_AARCH64;
	assert_int_equal(load_elf(f, &e, sizeof(e)), -ENOEXEC);
	assert_string_equal(f->err.msg,
			    "load the ELF kernel: ENOEXEC (not an x86_64 executable: "
			    "a vmlinux is ELF64, EM_X86_64, ET_EXEC)");

	make_elf(&e, 0x1000000);
	e.ph[1].p_filesz = 1 << 20; /* past the end of the file */
	assert_int_equal(load_elf(f, &e, sizeof(e)), -ENOEXEC);
	assert_string_equal(f->err.msg,
			    "load the ELF kernel: ENOEXEC (a segment lies outside "
			    "the file: truncated or corrupt)");

	make_elf(&e, 0x1000000);
	e.eh.e_phnum = 1000;
	assert_int_equal(load_elf(f, &e, sizeof(e)), -ENOEXEC);
	assert_string_equal(f->err.msg,
			    "load the ELF kernel: ENOEXEC (the program headers lie "
			    "outside the file)");

	make_elf(&e, 0x1000000);
	e.ph[1].p_type = PT_NOTE;
	assert_int_equal(load_elf(f, &e, sizeof(e)), -ENOEXEC);
	assert_string_equal(f->err.msg,
			    "load the ELF kernel: ENOEXEC (no PT_LOAD segment)");

	make_elf(&e, 0x1000000);
	e.ph[1].p_paddr = 0xfffffffffffff000ull; /* would wrap around */
	assert_int_equal(load_elf(f, &e, sizeof(e)), -EFBIG);

	make_elf(&e, 0x1000000);
	e.ph[1].p_paddr = 0x2000; /* over the VMM's page tables */
	assert_int_equal(load_elf(f, &e, sizeof(e)), -EFBIG);
}

/* ---- the MP table ------------------------------------------------------------ */

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void mp_table_is_where_linux_looks_and_sums_to_zero(void **state)
{
	struct fixture *f = *state;
	const uint8_t *mpf = f->vm.mem + KIT_MPTABLE_ADDR, *mpc;
	uint32_t config;
	uint16_t len, entries;

	assert_int_equal(load(f, IMAGE_LEN, ""), 0);
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(sum(mpf, 16), 0);
	memcpy(&config, mpf + 4, 4);
	assert_int_equal(config, KIT_MPTABLE_ADDR + 16);
	mpc = f->vm.mem + config;
	assert_memory_equal(mpc, "PCMP", 4);
	memcpy(&len, mpc + 4, 2);
	memcpy(&entries, mpc + 34, 2);
	assert_int_equal(sum(mpc, len), 0);
	/* one CPU, the ISA bus, the IOAPIC, 16 ISA IRQs, ExtINT and NMI */
	assert_int_equal(entries, 1 + 1 + 1 + 16 + 2);
	assert_int_equal(len, 44 + 20 + 8 + 8 + 18 * 8);
	assert_true(KIT_MPTABLE_ADDR + 16 + len <= KIT_MPTABLE_ADDR + KIT_MPTABLE_MAX);
	/* IRQ 4 (the UART) goes to IOAPIC 1, pin 4: entry 3 + 4 */
	const uint8_t *irq4 = mpc + 44 + 20 + 8 + 8 + 4 * 8;

	assert_int_equal(irq4[0], 3);
	assert_int_equal(irq4[5], 4);
	assert_int_equal(irq4[6], 1);
	assert_int_equal(irq4[7], 4);
	/* and the e820 map keeps the kernel's hands off it */
	assert_int_equal(zero_page(f)->e820_table[1].addr, KIT_MPTABLE_ADDR);
	assert_int_equal(zero_page(f)->e820_table[1].type, 2);
}

static void kernel_file_that_does_not_exist(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kit_linux_boot_files(&f->vm, "/nonexistent/vmlinuz", NULL, "",
					      &f->img, &f->err),
			 -ENOENT);
	assert_string_equal(f->err.msg,
			    "read kernel /nonexistent/vmlinuz: ENOENT (No such "
			    "file or directory)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_vm, teardown_vm)
		T(bzimage_kernel_goes_to_1mib_entry_0x200_in),
		T(zero_page_copies_the_header_and_says_who_loaded),
		T(command_line_is_in_guest_memory),
		T(e820_map_describes_ram_and_the_legacy_holes),
		T(initrd_goes_to_the_top_of_ram_page_aligned),
		T(initrd_stays_below_initrd_addr_max),
		T(no_initrd_leaves_the_ramdisk_fields_zero),
		T(setup_sects_zero_means_four),
		T(bad_magic_is_not_a_bzimage),
		T(old_boot_protocol_is_refused),
		T(a_32_bit_kernel_is_refused),
		T(absurd_setup_sects_is_refused),
		T(truncated_image_is_refused),
		T(kernel_larger_than_ram_is_refused),
		T(initrd_that_does_not_fit_is_refused),
		T(command_line_longer_than_the_kernel_takes),
		T(too_little_or_too_much_ram),
		T(elf_segments_go_to_their_physical_addresses),
		T(elf_virtual_entry_is_translated),
		T(hostile_elf_images_are_refused),
		T(mp_table_is_where_linux_looks_and_sums_to_zero),
		T(kernel_file_that_does_not_exist),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
