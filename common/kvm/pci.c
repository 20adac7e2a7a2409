/* SPDX-License-Identifier: MIT */
/*
 * pci.c - a PCI bus 0 with a host bridge, reached through configuration
 * mechanism #1: the guest writes an address to port 0xcf8 and reads or
 * writes the register through 0xcfc..0xcff.
 *
 * Article: §1.3 (the VMM plays the hardware): a virtio device is found the
 * way a real card is, by the kernel's PCI scan.  The address at 0xcf8:
 *
 *   bit 31 enable | bits 23-16 bus | 15-11 device | 10-8 function | 7-2 register
 *
 * Linux first checks that mechanism #1 exists (it writes 0x80000000 to
 * 0xcf8 and reads it back), then that bus 0 has a host bridge (class
 * 0x0600) before it believes the scan: hence the bridge in slot 0.
 *
 * BARs: a write of all ones reads back the size mask (how the kernel sizes
 * a BAR); any other write keeps the address the VMM chose (the kernel
 * accepts the firmware's placement and does not move it).
 *
 * Left out: other buses and functions, bridges, the PCIe extended space
 * (MMCONFIG), moving BARs, expansion ROMs.
 */
#include <errno.h>
#include <string.h>

#include "kit/kvm.h"
#include "kit/kvm_le.h"

#define CFG_ENABLE 0x80000000u
#define REG_BAR0   0x10

void kit_pci_init(struct kit_pci *pci)
{
	uint8_t *c = pci->host.cfg;

	memset(pci, 0, sizeof(*pci));
	kit_put_le16(c + 0x00,
		     0x8086); /* Intel 440FX, as QEMU's i440fx: Linux knows it */
	kit_put_le16(c + 0x02, 0x1237);
	c[0x0a] = 0x00; /* subclass: host bridge */
	c[0x0b] = 0x06; /* class: bridge */
	pci->slot[0] = &pci->host;
}

int kit_pci_add(struct kit_pci *pci, unsigned slot, struct kit_pci_dev *dev)
{
	if (slot == 0 || slot >= KIT_PCI_SLOTS)
		return -EINVAL;
	if (pci->slot[slot])
		return -EBUSY;
	pci->slot[slot] = dev;
	return 0;
}

/* The function the address in 0xcf8 selects, or NULL: nothing there. */
static struct kit_pci_dev *selected(const struct kit_pci *pci)
{
	unsigned bus = pci->addr >> 16 & 0xff, dev = pci->addr >> 11 & 0x1f,
		 fn = pci->addr >> 8 & 7;

	if (!(pci->addr & CFG_ENABLE) || bus || fn || dev >= KIT_PCI_SLOTS)
		return NULL;
	return pci->slot[dev];
}

static void config_write(struct kit_pci_dev *d, unsigned reg, uint8_t v)
{
	if (reg >= REG_BAR0 && reg < REG_BAR0 + 24) {
		unsigned bar = (reg - REG_BAR0) / 4, byte = (reg - REG_BAR0) % 4;
		uint32_t size = d->bar_size[bar];
		uint32_t mask = size ? ~(size - 1) : 0;
		uint8_t keep = (uint8_t)(~mask >> (8 * byte)); /* flags, address bits */

		/* All ones: the size probe; otherwise the address stays ours. */
		if (v == 0xff)
			d->cfg[reg] = (uint8_t)((d->cfg[reg] & keep) |
						(uint8_t)(mask >> (8 * byte)));
		else if (size)
			d->cfg[reg] = (uint8_t)(d->bar_addr[bar] >> (8 * byte));
		return;
	}
	switch (reg) {
	case 0x04: d->cfg[reg] = v & 0x07; break; /* command: I/O, memory, master */
	case 0x05: d->cfg[reg] = v & 0x04; break; /* INTx disable */
	case 0x0c:                                /* cache line, latency, line */
	case 0x0d:
	case 0x3c: d->cfg[reg] = v; break;
	default: break; /* read-only, or write-one-to-clear status we never set */
	}
}

void kit_pci_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		uint8_t *data, unsigned size)
{
	struct kit_pci *pci = dev;
	struct kit_pci_dev *d;

	(void)vm;
	if (offset < 4) {
		/* 0xcf8: only a 32-bit access is the address (a byte write to
		 * 0xcfb is Linux's probe for mechanism #2's absence). */
		if (size == 4 && offset == 0) {
			if (is_write)
				pci->addr = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
					    (uint32_t)data[2] << 16 |
					    (uint32_t)data[3] << 24;
			else
				for (unsigned i = 0; i < 4; i++)
					data[i] = (uint8_t)(pci->addr >> (8 * i));
		} else if (!is_write) {
			memset(data, 0, size);
		}
		return;
	}
	d = selected(pci);
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (pci->addr & 0xfc) + (unsigned)(offset - 4) + i;

		if (reg >= 256) {
			if (!is_write)
				data[i] = 0xff;
		} else if (is_write) {
			if (d)
				config_write(d, reg, data[i]);
		} else {
			data[i] = d ? d->cfg[reg] : 0xff; /* no device: all ones */
		}
	}
}
