/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - the vCPU's registers: the three x86 modes a guest can start in,
 * and the state dump a failed guest leaves behind.
 *
 * Article: §1.1.  A new vCPU starts as a PC does after power-on, in 16-bit
 * real mode.  A BIOS or boot loader would climb to protected mode (a GDT,
 * CR0.PE) and long mode (page tables, CR4.PAE, EFER.LME, CR0.PG); a VMM can
 * instead write the tables into guest RAM and set the registers directly,
 * which is what Linux's 64-bit boot protocol asks for and what Firecracker
 * and kvm-host do.
 *
 *   guest physical memory as the VMM lays it out for protected/long mode
 *   0x1000  GDT: null, null, code (0x10), data (0x18)
 *   0x2000  PML4  -> 0x3000 PDPT -> 0x4000..0x7fff four page directories
 *                    mapping 0-4 GiB onto itself with 2 MiB pages
 *
 * Left out: the IDT (a guest installs its own before enabling
 * interrupts), 32-bit paging for protected mode, 5-level paging, APs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kit/kvm.h"
#include "kit/lab.h"

#define CR0_PE   (1u << 0)
#define CR0_ET   (1u << 4)
#define CR0_PG   (1u << 31)
#define CR4_PAE  (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_PS   (1ull << 7) /* in a page directory: a 2 MiB page */

int kit_cpu_mode_parse(const char *word, enum kit_cpu_mode *mode)
{
	static const char *const names[] = { "real", "protected", "long" };

	for (int i = 0; i < 3; i++)
		if (strcmp(word, names[i]) == 0) {
			*mode = (enum kit_cpu_mode)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * A GDT descriptor packs base, limit and flags in a famously odd order:
 * limit 0-15, base 0-23, access byte, limit 16-19, flags, base 24-31.
 */
static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

void kit_vcpu_write_gdt(uint8_t *mem, bool long_mode)
{
	uint64_t *gdt = (uint64_t *)(mem + KIT_BOOT_GDT);

	gdt[0] = gdt[1] = 0;
	/* access 0x9b: present, ring 0, code, readable; flags 0xa: G and L
	 * (64-bit code), or 0xc: G and D (32-bit code) */
	gdt[2] = descriptor(0, 0xfffff, 0x9b, long_mode ? 0xa : 0xc);
	/* access 0x93: present, ring 0, data, writable; flags 0xc: G, D/B */
	gdt[3] = descriptor(0, 0xfffff, 0x93, 0xc);
}

/* What KVM wants to know about a segment: the descriptor, unpacked. */
static void flat_segment(struct kvm_segment *seg, uint16_t selector, bool code, bool l)
{
	*seg = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = code ? 0xb : 0x3, /* execute/read or read/write, accessed */
		.present = 1,
		.dpl = 0,
		.db = l ? 0 : 1, /* 32-bit default size; must be 0 when L is set */
		.s = 1,
		.l = l ? 1 : 0,
		.g = 1,
	};
}

static void set_flat_segments(struct kvm_sregs *sregs, bool long_mode)
{
	flat_segment(&sregs->cs, KIT_SEL_CODE, true, long_mode);
	flat_segment(&sregs->ds, KIT_SEL_DATA, false, false);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->gdt.base = KIT_BOOT_GDT;
	sregs->gdt.limit = 4 * 8 - 1;
}

void kit_vcpu_write_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + KIT_BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)(mem + KIT_BOOT_PML4 + 0x1000);
	uint64_t *pd = (uint64_t *)(mem + KIT_BOOT_PML4 + 0x2000);

	memset(pml4, 0, KIT_BOOT_PAGING_END - KIT_BOOT_PML4);
	/* TODO lab 01.3: identity page tables for the first 4 GiB.
	 * pml4[0] points at the PDPT (guest address KIT_BOOT_PML4 + 0x1000),
	 * pdpt[g] for g < KIT_BOOT_IDENTITY_GB points at page directory g
	 * (KIT_BOOT_PML4 + 0x2000 + g * 0x1000), and each directory's 512
	 * entries pd[i] (i < 512 * KIT_BOOT_IDENTITY_GB, the directories are
	 * consecutive) map the 2 MiB page at i << 21.  Every entry is
	 * PTE_P | PTE_RW; the 2 MiB ones also PTE_PS.
	 */
	(void)pml4; (void)pdpt; (void)pd;
}

static const char *set_regs_hint(int e)
{
	return e == EINVAL ? "KVM rejected the register values (an invalid "
			     "segment or control register combination)"
			   : NULL;
}

int kit_vcpu_setup(struct kit_vm *vm, enum kit_cpu_mode mode, uint64_t entry, uint64_t sp,
		   struct kit_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 0x2 }; /* bit 1 is always set */

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "get vCPU special registers");
	}
	if (mode == KIT_CPU_REAL) {
		/* Real mode: address = segment * 16 + offset, 64 KiB segments. */
		uint16_t seg = (uint16_t)((entry >> 4) & 0xf000);

		sregs.cs.selector = sregs.ds.selector = sregs.es.selector = seg;
		sregs.fs.selector = sregs.gs.selector = sregs.ss.selector = seg;
		sregs.cs.base = sregs.ds.base = sregs.es.base = (uint64_t)seg << 4;
		sregs.fs.base = sregs.gs.base = sregs.ss.base = (uint64_t)seg << 4;
		regs.rip = entry - ((uint64_t)seg << 4);
		regs.rsp = sp - ((uint64_t)seg << 4);
	} else {
		if (vm->mem_size < KIT_BOOT_PAGING_END)
			return kit_err_set(err, EINVAL, "give it at least 1 MiB",
					   "set up %s mode in %llu bytes of RAM",
					   mode == KIT_CPU_LONG ? "long" : "protected",
					   (unsigned long long)vm->mem_size);
		kit_vcpu_write_gdt(vm->mem, mode == KIT_CPU_LONG);
		set_flat_segments(&sregs, mode == KIT_CPU_LONG);
		sregs.cr0 = CR0_PE | CR0_ET;
		if (mode == KIT_CPU_LONG) {
			kit_vcpu_write_page_tables(vm->mem);
			sregs.cr3 = KIT_BOOT_PML4;
			sregs.cr4 = CR4_PAE;
			sregs.efer = EFER_LME | EFER_LMA;
			sregs.cr0 |= CR0_PG;
		}
		regs.rip = entry;
		regs.rsp = sp;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		int e = errno;

		return kit_err_set(err, e, set_regs_hint(e),
				   "set vCPU special registers");
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		int e = errno;

		return kit_err_set(err, e, set_regs_hint(e), "set vCPU registers");
	}
	return 0;
}

int kit_vcpu_set_cpuid(struct kit_vm *vm, struct kit_err *err)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int n = 64, ret = 0;

	/* KVM says E2BIG until the array is big enough. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return kit_err_set(err, ENOMEM, NULL, "allocate CPUID entries");
		cpuid->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || n >= 4096) {
			ret = kit_err_set(err, errno, NULL, "get supported CPUID");
			free(cpuid);
			return ret;
		}
		n *= 2;
	}
	/* Leaf 1: the vCPU's APIC id is 0 (EBX bits 31-24), and ECX bit 31
	 * says "you run under a hypervisor".  KVM leaves that bit to us; without
	 * it Linux never looks at KVM's leaves (0x40000000: "KVMKVMKVM"), so
	 * it has no kvm-clock and must calibrate its TSC against the PIT,
	 * which fails when the vCPU is slow (nested, emulated). */
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1) {
			cpuid->entries[i].ebx &= 0x00ffffff;
			cpuid->entries[i].ecx |= 1u << 31;
		}
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		ret = kit_err_set(err, errno, NULL, "set vCPU CPUID");
	free(cpuid);
	return ret;
}

/* Guest physical address of the instruction at CS:RIP, or -1. */
static int64_t code_address(struct kit_vm *vm, const struct kvm_sregs *s, uint64_t rip)
{
	struct kvm_translation tr = { .linear_address = s->cs.base + rip };

	if (!(s->cr0 & CR0_PG))
		return (int64_t)tr.linear_address;
	if (ioctl(vm->vcpu_fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -1;
	return (int64_t)tr.physical_address;
}

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= size)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n;
}

static size_t describe_segment(char *buf, size_t size, size_t u, const char *name,
			       const struct kvm_segment *s)
{
	return append(buf, size, u, "  %s %04x base %08llx limit %08x type %x%s%s%s\n",
		      name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		      s->l ? " L" : "", s->db ? " D" : "",
		      s->present ? "" : " not-present");
}

void kit_vm_describe(struct kit_vm *vm, char *buf, size_t size)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	size_t u = 0;
	int64_t pa;
	uint8_t *code;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		append(buf, size, 0, "  (cannot read the vCPU's registers)\n");
		return;
	}
	u = append(buf, size, u, "  exit reason %s (%u)\n",
		   kit_exit_reason_name(vm->run->exit_reason), vm->run->exit_reason);
	if (vm->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		u = append(buf, size, u, "  internal error suberror %u, data:",
			   vm->run->internal.suberror);
		for (uint32_t i = 0; i < vm->run->internal.ndata && i < 16; i++)
			u = append(buf, size, u, " %llx",
				   (unsigned long long)vm->run->internal.data[i]);
		u = append(buf, size, u, "\n");
	}
	u = append(buf, size, u,
		   "  rip %016llx rsp %016llx rflags %08llx\n"
		   "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		   "  rsi %016llx rdi %016llx rbp %016llx\n"
		   "  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n",
		   (unsigned long long)r.rip, (unsigned long long)r.rsp,
		   (unsigned long long)r.rflags, (unsigned long long)r.rax,
		   (unsigned long long)r.rbx, (unsigned long long)r.rcx,
		   (unsigned long long)r.rdx, (unsigned long long)r.rsi,
		   (unsigned long long)r.rdi, (unsigned long long)r.rbp,
		   (unsigned long long)s.cr0, (unsigned long long)s.cr2,
		   (unsigned long long)s.cr3, (unsigned long long)s.cr4,
		   (unsigned long long)s.efer);
	u = describe_segment(buf, size, u, "cs", &s.cs);
	u = describe_segment(buf, size, u, "ss", &s.ss);
	u = append(buf, size, u, "  gdt %llx/%x idt %llx/%x\n",
		   (unsigned long long)s.gdt.base, s.gdt.limit,
		   (unsigned long long)s.idt.base, s.idt.limit);
	pa = code_address(vm, &s, r.rip);
	code = pa >= 0 ? kit_vm_gpa(vm, (uint64_t)pa, 16) : NULL;
	if (!code) {
		append(buf, size, u, "  code at rip: not in guest RAM\n");
		return;
	}
	u = append(buf, size, u,
		   "  code at rip (guest physical %llx):", (unsigned long long)pa);
	for (int i = 0; i < 16; i++)
		u = append(buf, size, u, " %02x", code[i]);
	append(buf, size, u, "\n");
}
