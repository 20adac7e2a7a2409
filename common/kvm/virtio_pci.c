/* SPDX-License-Identifier: MIT */
/*
 * virtio_pci.c - the virtio 1.x ("modern") PCI transport: how a virtio
 * device looks to the guest's PCI scan and to its virtio_pci driver.
 *
 * Article: §1.3, 半虚拟化 (paravirtualization).  The device is a PCI
 * function with vendor 0x1af4 and device 0x1040 + the virtio type (3: a
 * console).  Its configuration space has a list of vendor capabilities
 * (cap id 0x09), each pointing into BAR 0, a memory BAR whose accesses are
 * MMIO exits handled here:
 *
 *   BAR 0 + 0x0000  common cfg: features, status, queue select, size,
 *                   enable and the three ring addresses of each queue
 *   BAR 0 + 0x1000  ISR: bit 0 "used buffers", bit 1 "config changed";
 *                   reading it clears it and lowers the interrupt line
 *   BAR 0 + 0x2000  notify: the driver writes a queue's index at
 *                   0x2000 + 4 * index, one exit per batch of buffers
 *   BAR 0 + 0x3000  the device's own configuration (virtio_console.c)
 *
 * Interrupts: legacy INTx through the in-kernel irqchip.  INTA# of slot 1
 * is ISA IRQ 10 (the interrupt line register says so, as a PC BIOS would;
 * the MP table too, for kernels that read it): KVM_IRQ_LINE 10 reaches
 * the PIC and the IOAPIC.  The line is high from a used buffer until the
 * driver reads ISR, so every batch is a fresh edge.  Without an MSI-X
 * capability Linux's virtio_pci falls back to exactly this.  Why not an
 * IRQ of 16 and up: Debian's cloud kernel has no MP table parser
 * (CONFIG_X86_MPPARSE is off) and no ACPI from us, so it runs the PIC in
 * virtual-wire mode and ignores interrupt lines of 16 and more as bogus.
 *
 * Left out: MSI-X, the PCI configuration access capability, legacy
 * (virtio 0.9) I/O BARs, feature bits beyond VIRTIO_F_VERSION_1.
 */
#include <errno.h>
#include <string.h>

#include "kit/kvm.h"
#include "kit/kvm_le.h"
#include "kit/log.h"

#define COMMON_OFF         0x0000
#define ISR_OFF            0x1000
#define NOTIFY_OFF         0x2000
#define DEVICE_OFF         0x3000
#define NOTIFY_MUL         4

#define CAP_COMMON         1
#define CAP_NOTIFY         2
#define CAP_ISR            3
#define CAP_DEVICE         4

#define STATUS_FEATURES_OK 0x08
#define STATUS_NEEDS_RESET 0x40
#define F_VERSION_1        (1ull << 32)
#define NO_VECTOR          0xffff

/* A struct virtio_pci_cap at @at pointing to @len bytes at @off of BAR 0. */
static uint8_t add_cap(uint8_t *cfg, uint8_t at, uint8_t next, uint8_t type, uint32_t off,
		       uint32_t len)
{
	uint8_t caplen = type == CAP_NOTIFY ? 20 : 16;

	cfg[at] = 0x09; /* vendor-specific */
	cfg[at + 1] = next;
	cfg[at + 2] = caplen;
	cfg[at + 3] = type;
	cfg[at + 4] = 0; /* BAR 0 */
	kit_put_le32(cfg + at + 8, off);
	kit_put_le32(cfg + at + 12, len);
	if (type == CAP_NOTIFY)
		kit_put_le32(cfg + at + 16, NOTIFY_MUL);
	return (uint8_t)(at + caplen);
}

static void reset(struct kit_virtio_dev *d)
{
	d->status = d->isr = 0;
	d->driver_features = 0;
	d->dfselect = d->gfselect = 0;
	d->queue_sel = 0;
	for (unsigned i = 0; i < d->nqueues; i++)
		d->vq[i] = (struct kit_vq){ .index = i, .size = KIT_VQ_MAX_SIZE };
	if (d->irq_level == 1)
		kit_vm_irq_line(d->vm, KIT_VIRTIO_IRQ, 0);
	d->irq_level = 0;
}

void kit_virtio_init(struct kit_virtio_dev *d, struct kit_vm *vm, const char *name,
		     uint16_t id, unsigned nqueues, uint64_t features)
{
	uint8_t *c = d->pci.cfg;
	uint8_t at;

	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->name = name;
	d->nqueues = nqueues < KIT_VIRTIO_MAX_QUEUES ? nqueues : KIT_VIRTIO_MAX_QUEUES;
	d->features = features | F_VERSION_1;
	reset(d);
	kit_put_le16(c + 0x00, 0x1af4);                  /* Red Hat, the virtio vendor */
	kit_put_le16(c + 0x02, (uint16_t)(0x1040 + id)); /* modern: 0x1040 + type */
	kit_put_le16(c + 0x06, 0x0010);                  /* status: capability list */
	c[0x08] = 1;                                     /* revision 1: modern only */
	c[0x0a] = 0x80;                                  /* class: other communication */
	c[0x0b] = 0x07;
	kit_put_le16(c + 0x2c, 0x1af4); /* subsystem vendor and id */
	kit_put_le16(c + 0x2e, 0x0040);
	c[0x34] = 0x40;           /* the first capability */
	c[0x3c] = KIT_VIRTIO_IRQ; /* interrupt line (what the firmware wired) */
	c[0x3d] = 1;              /* interrupt pin: INTA# */
	d->pci.bar_size[0] = KIT_VIRTIO_BAR_SIZE;
	d->pci.bar_addr[0] = KIT_VIRTIO_BAR; /* 32-bit memory, not prefetchable */
	kit_put_le32(c + 0x10, KIT_VIRTIO_BAR);
	at = add_cap(c, 0x40, 0x50, CAP_COMMON, COMMON_OFF, 0x38);
	at = add_cap(c, at, 0x64, CAP_NOTIFY, NOTIFY_OFF,
		     NOTIFY_MUL * KIT_VIRTIO_MAX_QUEUES);
	at = add_cap(c, at, 0x74, CAP_ISR, ISR_OFF, 4);
	add_cap(c, at, 0, CAP_DEVICE, DEVICE_OFF, 0x100);
}

struct kit_guest_mem kit_virtio_mem(const struct kit_virtio_dev *d)
{
	return (struct kit_guest_mem){ d->vm->mem, d->vm->mem_size };
}

static void set_line(struct kit_virtio_dev *d, int level)
{
	if (level == d->irq_level)
		return;
	if (kit_vm_irq_line(d->vm, KIT_VIRTIO_IRQ, level) == 0 && level)
		d->irqs++;
	d->irq_level = level;
}

void kit_virtio_interrupt(struct kit_virtio_dev *d)
{
	d->isr |= 1;
	set_line(d, 1);
}

void kit_virtio_fail(struct kit_virtio_dev *d, const struct kit_err *err)
{
	if (!(d->status & STATUS_NEEDS_RESET))
		kit_warn("%s: refused what the guest's driver asked: %s; the device "
			 "now needs a reset (DEVICE_NEEDS_RESET)",
			 d->name, err->msg);
	d->status |= STATUS_NEEDS_RESET;
	d->isr |= 2; /* "configuration changed": the driver looks at status */
	set_line(d, 1);
}

static struct kit_vq *selected_vq(struct kit_virtio_dev *d)
{
	return d->queue_sel < d->nqueues ? &d->vq[d->queue_sel] : NULL;
}

/* The common configuration structure as the driver would read it now. */
static void common_snapshot(struct kit_virtio_dev *d, uint8_t *b)
{
	struct kit_vq *q = selected_vq(d);

	memset(b, 0, 0x38);
	kit_put_le32(b + 0x00, d->dfselect);
	kit_put_le32(b + 0x04,
		     d->dfselect < 2 ? (uint32_t)(d->features >> (32 * d->dfselect)) : 0);
	kit_put_le32(b + 0x08, d->gfselect);
	kit_put_le32(b + 0x0c, d->gfselect < 2 ? (uint32_t)(d->driver_features >>
							    (32 * d->gfselect))
					       : 0);
	kit_put_le16(b + 0x10, NO_VECTOR);
	kit_put_le16(b + 0x12, (uint16_t)d->nqueues);
	b[0x14] = d->status;
	kit_put_le16(b + 0x16, d->queue_sel);
	kit_put_le16(b + 0x1a, NO_VECTOR);
	if (!q)
		return; /* queue_size 0: no such queue */
	kit_put_le16(b + 0x18, q->size);
	kit_put_le16(b + 0x1c, q->ready);
	kit_put_le16(b + 0x1e,
		     (uint16_t)q->index); /* notify offset, in NOTIFY_MUL units */
	kit_put_le64(b + 0x20, q->desc);
	kit_put_le64(b + 0x28, q->avail);
	kit_put_le64(b + 0x30, q->used);
}

/* Half of a 64-bit ring address: Linux writes the low word, then the high. */
static void set_half(uint64_t *addr, uint64_t off, uint32_t v)
{
	if (off & 4)
		*addr = (*addr & 0xffffffffu) | (uint64_t)v << 32;
	else
		*addr = (*addr & ~0xffffffffull) | v;
}

static void common_write(struct kit_virtio_dev *d, uint64_t off, uint32_t v)
{
	struct kit_vq *q = selected_vq(d);
	struct kit_err err = { 0 };

	switch (off) {
	case 0x00: d->dfselect = v; return;
	case 0x08: d->gfselect = v; return;
	case 0x0c:
		if (d->gfselect < 2)
			set_half(&d->driver_features, d->gfselect ? 4 : 0, v);
		return;
	case 0x14:
		if (v == 0) {
			reset(d);
			return;
		}
		/* FEATURES_OK stays only if the driver took what we offer. */
		if ((v & STATUS_FEATURES_OK) && ((d->driver_features & ~d->features) ||
						 !(d->driver_features & F_VERSION_1)))
			v &= ~(uint32_t)STATUS_FEATURES_OK;
		d->status = (uint8_t)(v | (d->status & STATUS_NEEDS_RESET));
		return;
	case 0x16: d->queue_sel = (uint16_t)v; return;
	default: break;
	}
	if (!q || q->ready)
		return; /* no such queue, or enabled: its fields are fixed */
	switch (off) {
	case 0x18: q->size = (uint16_t)v; return;
	case 0x1c: {
		struct kit_guest_mem m = kit_virtio_mem(d);

		if (v != 1)
			return;
		if (kit_vq_check_rings(q, &m, &err) < 0) {
			kit_virtio_fail(d, &err);
			return;
		}
		q->ready = true;
		return;
	}
	case 0x20:
	case 0x24: set_half(&q->desc, off, v); return;
	case 0x28:
	case 0x2c: set_half(&q->avail, off, v); return;
	case 0x30:
	case 0x34: set_half(&q->used, off, v); return;
	default: return; /* msix vectors, read-only fields */
	}
}

void kit_virtio_mmio(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		     uint8_t *data, unsigned size)
{
	struct kit_virtio_dev *d = dev;
	uint8_t snap[0x38];
	uint32_t v = 0;

	(void)vm;
	d->exits++;
	for (unsigned i = 0; i < size && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	if (offset < 0x38 && offset + size <= 0x38) {
		if (is_write) {
			common_write(d, offset, v);
			/* A 64-bit store to a ring address: its high half too. */
			if (size == 8 && offset >= 0x20)
				common_write(d, offset + 4,
					     (uint32_t)data[4] | (uint32_t)data[5] << 8 |
						     (uint32_t)data[6] << 16 |
						     (uint32_t)data[7] << 24);
		} else {
			common_snapshot(d, snap);
			memcpy(data, snap + offset, size);
		}
	} else if (size > 4) {
		if (!is_write) /* only the ring addresses are 64 bits wide */
			memset(data, 0, size);
	} else if (offset >= ISR_OFF && offset < ISR_OFF + 4) {
		if (!is_write) {
			memset(data, 0, size);
			data[0] = d->isr;
			d->isr = 0; /* reading acknowledges: the line goes down */
			set_line(d, 0);
		}
	} else if (offset >= NOTIFY_OFF &&
		   offset < NOTIFY_OFF + NOTIFY_MUL * d->nqueues) {
		if (is_write) {
			d->notifies++;
			if (d->notify &&
			    (d->vq[(offset - NOTIFY_OFF) / NOTIFY_MUL].ready))
				d->notify(d,
					  (unsigned)(offset - NOTIFY_OFF) / NOTIFY_MUL);
		} else {
			memset(data, 0, size);
		}
	} else if (offset >= DEVICE_OFF && offset < DEVICE_OFF + 0x100 && d->config) {
		d->config(d, offset - DEVICE_OFF, is_write, data, size);
	} else if (!is_write) {
		memset(data, 0, size);
	}
}
