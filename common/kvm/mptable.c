/* SPDX-License-Identifier: MIT */
/*
 * mptable.c - an Intel MultiProcessor Specification 1.4 table: how a BIOS
 * tells the kernel which CPUs and interrupt controllers the machine has.
 *
 * Article: §1.3 (the VMM plays the firmware too).  Without it (and without
 * ACPI) Linux finds no IOAPIC and runs the PIC in "virtual wire" mode: every
 * interrupt goes PIC -> LAPIC LINT0 as ExtINT, the oldest and slowest path,
 * and the one nested virtualization under QEMU's TCG handles worst (guests
 * that sleep forever with their timer interrupt pending; see
 * chapters/01-kvm/README.md).  With the table, Linux uses the in-kernel
 * IOAPIC, as on any PC since 1995.  Firecracker and kvmtool write the same.
 *
 *   0x9fc00  floating pointer "_MP_" (16 bytes): where the table is
 *   0x9fc10  configuration table "PCMP": one processor (LAPIC 0), the ISA
 *            bus, the IOAPIC (id 1 at 0xfec00000), ISA IRQs 0-15 -> IOAPIC
 *            pins 0-15 (KVM's default routing: KVM_IRQ_LINE N raises PIC
 *            pin N and IOAPIC pin N), ExtINT -> LINT0, NMI -> LINT1
 *
 * Both lie in the last KiB of base memory, which the e820 map reserves and
 * Linux scans for "_MP_".  Every structure has a checksum: its bytes sum
 * to 0 modulo 256.
 *
 * With a virtio device (kit_mptable_write_pci) also PCI bus 0 and the
 * wire from its slot's INTA# to an IOAPIC pin: how Linux routes a PCI
 * interrupt without ACPI.
 *
 * Left out: several CPUs (one processor entry each), PCI bridges, ACPI.
 */
#include <string.h>

#include "kit/kvm_boot.h"

#define LAPIC_ADDR  0xfee00000u
#define IOAPIC_ADDR 0xfec00000u
#define IOAPIC_ID   1

struct mpf { /* the floating pointer */
	char signature[4];
	uint32_t config;
	uint8_t length, revision, checksum, features[5];
} __attribute__((packed));

struct mpc_header {
	char signature[4];
	uint16_t length;
	uint8_t revision, checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_table_size, entries;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, lapic_id, lapic_version, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, id, version, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpc_intsrc { /* type 3: I/O interrupt, type 4: local interrupt */
	uint8_t type, irqtype;
	uint16_t flags;
	uint8_t src_bus, src_irq, dst_apic, dst_pin;
} __attribute__((packed));

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { IRQ_INT, IRQ_NMI, IRQ_SMI, IRQ_EXTINT };

uint8_t kit_mptable_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return (uint8_t)-sum;
}

size_t kit_mptable_write(uint8_t *mem, uint64_t mem_size)
{
	return kit_mptable_write_pci(mem, mem_size, -1, 0);
}

size_t kit_mptable_write_pci(uint8_t *mem, uint64_t mem_size, int pci_slot,
			     unsigned pci_pin)
{
	uint8_t *base = mem + KIT_MPTABLE_ADDR, *p;
	struct mpf *mpf = (struct mpf *)base;
	struct mpc_header *h = (struct mpc_header *)(base + sizeof(*mpf));
	uint16_t entries = 0;

	if (mem_size < KIT_MPTABLE_ADDR + KIT_MPTABLE_MAX)
		return 0;
	memset(base, 0, KIT_MPTABLE_MAX);
	p = (uint8_t *)(h + 1);
	*(struct mpc_cpu *)p =
		(struct mpc_cpu){ MP_CPU, 0,     0x14,    0x03 /* enabled, BSP */,
				  0x600,  0x201, { 0, 0 } };
	p += sizeof(struct mpc_cpu);
	entries++;
	*(struct mpc_bus *)p = (struct mpc_bus){ MP_BUS, 0, "ISA   " };
	p += sizeof(struct mpc_bus);
	entries++;
	*(struct mpc_ioapic *)p =
		(struct mpc_ioapic){ MP_IOAPIC, IOAPIC_ID, 0x11, 0x01, IOAPIC_ADDR };
	p += sizeof(struct mpc_ioapic);
	entries++;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (pci_slot >= 0 && irq == pci_pin)
			continue; /* the PCI device's, below */
		*(struct mpc_intsrc *)p = (struct mpc_intsrc){
			MP_INTSRC, IRQ_INT, 0, 0, irq, IOAPIC_ID, irq
		};
		p += sizeof(struct mpc_intsrc);
		entries++;
	}
	/* PCI bus 0 is MP bus 1; INTA# of @pci_slot goes to IOAPIC pin
	 * @pci_pin, in place of that ISA IRQ.  Flags 5: active high and
	 * edge-triggered, as the PIC sees it too (virtio_pci.c). */
	if (pci_slot >= 0) {
		*(struct mpc_bus *)p = (struct mpc_bus){ MP_BUS, 1, "PCI   " };
		p += sizeof(struct mpc_bus);
		*(struct mpc_intsrc *)p = (struct mpc_intsrc){
			MP_INTSRC, IRQ_INT,         5, 1, (uint8_t)(pci_slot << 2),
			IOAPIC_ID, (uint8_t)pci_pin
		};
		p += sizeof(struct mpc_intsrc);
		entries += 2;
	}
	*(struct mpc_intsrc *)p =
		(struct mpc_intsrc){ MP_LINTSRC, IRQ_EXTINT, 0, 0, 0, 0xff, 0 };
	p += sizeof(struct mpc_intsrc);
	*(struct mpc_intsrc *)p =
		(struct mpc_intsrc){ MP_LINTSRC, IRQ_NMI, 0, 0, 0, 0xff, 1 };
	p += sizeof(struct mpc_intsrc);
	entries += 2;

	memcpy(h->signature, "PCMP", 4);
	h->length = (uint16_t)(p - (uint8_t *)h);
	h->revision = 4;
	memcpy(h->oem, "KIT     ", 8);
	memcpy(h->product, "MINI-VMM    ", 12);
	h->entries = entries;
	h->lapic = LAPIC_ADDR;
	h->checksum = kit_mptable_checksum(h, h->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->config = (uint32_t)(KIT_MPTABLE_ADDR + sizeof(*mpf));
	mpf->length = 1; /* in 16-byte units */
	mpf->revision = 4;
	mpf->checksum = kit_mptable_checksum(mpf, sizeof(*mpf));
	return (size_t)(p - base);
}
