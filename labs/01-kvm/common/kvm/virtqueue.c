/* SPDX-License-Identifier: MIT */
/*
 * virtqueue.c - split virtqueues (virtio 1.x, §2.7): how a paravirtual
 * driver hands buffers to the device without a VM-exit per byte.
 *
 * Article: §1.3, 半虚拟化 (paravirtualization).  The emulated UART costs an
 * exit per byte because the guest believes it talks to a chip.  A virtio
 * driver knows it talks to a VMM: it puts whole buffers in guest memory,
 * describes them in three rings, and exits once (a "notify") for a batch.
 *
 *   desc   size x { le64 addr; le32 len; le16 flags; le16 next }
 *          flags: NEXT (1) chains to desc[next], WRITE (2) the device
 *          fills it, INDIRECT (4) points to another table (not offered)
 *   avail  le16 flags; le16 idx; le16 ring[size]   driver -> device
 *   used   le16 flags; le16 idx; { le32 id; le32 len } ring[size]
 *                                                   device -> driver
 *
 * The rings are guest memory, written by the guest: every index, address
 * and length read here is untrusted.  Each is checked before it is used,
 * and a chain that breaks a rule is refused with the reason (and the
 * queue stops: a real device sets DEVICE_NEEDS_RESET, virtio_pci.c does).
 * A single vCPU is stopped while we run, so no memory barriers are needed
 * between reading the rings and writing the used ring.
 *
 * Left out: the packed ring layout, indirect descriptors, event indexes
 * (VIRTIO_F_EVENT_IDX).
 */
#include <errno.h>
#include <string.h>

#include "kit/kvm.h"
#include "kit/kvm_le.h"

#define DESC_F_NEXT          1
#define DESC_F_WRITE         2
#define DESC_F_INDIRECT      4
#define AVAIL_F_NO_INTERRUPT 1

/* A host pointer to @len bytes at guest address @gpa, or NULL. */
static uint8_t *gpa(const struct kit_guest_mem *m, uint64_t addr, uint64_t len)
{
	if (addr > m->size || len > m->size - addr)
		return NULL;
	return m->base + addr;
}

int kit_vq_check_rings(const struct kit_vq *q, const struct kit_guest_mem *m,
		       struct kit_err *err)
{
	if (q->size == 0 || q->size > KIT_VQ_MAX_SIZE || (q->size & (q->size - 1)))
		return kit_err_set(err, EINVAL, "give a power of two up to 256",
				   "enable virtqueue %u of %u entries", q->index,
				   q->size);
	if (!gpa(m, q->desc, 16ull * q->size) || !gpa(m, q->avail, 6 + 2ull * q->size) ||
	    !gpa(m, q->used, 6 + 8ull * q->size))
		return kit_err_set(
			err, EFAULT, "a ring lies outside guest RAM",
			"enable virtqueue %u (desc 0x%llx, avail 0x%llx, used 0x%llx)",
			q->index, (unsigned long long)q->desc,
			(unsigned long long)q->avail, (unsigned long long)q->used);
	return 0;
}

/* Refuse the chain: the queue is broken from now on. */
static int refuse(struct kit_vq *q, struct kit_err *err, int code, const char *hint,
		  uint16_t head, uint16_t i)
{
	q->broken = true;
	return kit_err_set(err, code, hint,
			   "read descriptor %u of the chain at %u on virtqueue %u", i,
			   head, q->index);
}

int kit_vq_pop(struct kit_vq *q, const struct kit_guest_mem *m, struct kit_vq_chain *c,
	       struct kit_err *err)
{
	const uint8_t *avail, *desc;
	uint16_t avail_idx, i, flags;
	uint64_t total = 0;
	bool seen_write = false;

	if (!q->ready || q->broken)
		return 0;
	/* The rings were checked when enabled; check again, RAM is cheap. */
	if (kit_vq_check_rings(q, m, err) < 0) {
		q->broken = true;
		return -EFAULT;
	}
	avail = gpa(m, q->avail, 6 + 2ull * q->size);
	desc = gpa(m, q->desc, 16ull * q->size);
	avail_idx = kit_le16(avail + 2);
	if (avail_idx == q->last_avail)
		return 0;
	/* TODO lab 01.5: take the next available chain, checking every link.
	 * The head is avail->ring[last_avail % size]; then follow desc[i]:
	 * addr (le64 at +0), len (le32 at +8), flags (le16 at +12), next
	 * (le16 at +14) while flags has DESC_F_NEXT.  Refuse (refuse()) with
	 * EINVAL an index >= q->size, with ELOOP more links than q->size,
	 * with EFAULT a buffer gpa(m, addr, len) rejects, with E2BIG more
	 * than KIT_VQ_MAX_BYTES in all, with ENOTSUP DESC_F_INDIRECT, with
	 * EINVAL a readable buffer after a writable one.  Record each buffer
	 * in c->buf[c->n++] and add its length to c->readable or c->writable.
	 */
	(void)desc; (void)i; (void)flags; (void)total; (void)seen_write; (void)c;
	return refuse(q, err, ENOSYS, "LAB 01.5 is not done", 0, 0);
	q->last_avail++;
	return 1;
}

int kit_vq_push(struct kit_vq *q, const struct kit_guest_mem *m, uint16_t head,
		uint32_t written, struct kit_err *err)
{
	uint8_t *used;
	int ret;

	if ((ret = kit_vq_check_rings(q, m, err)) < 0)
		return ret;
	used = gpa(m, q->used, 6 + 8ull * q->size);
	kit_put_le32(used + 4 + 8 * (q->used_idx % q->size), head);
	kit_put_le32(used + 8 + 8 * (q->used_idx % q->size), written);
	q->used_idx++;
	kit_put_le16(used + 2, q->used_idx);
	return 0;
}

bool kit_vq_wants_interrupt(const struct kit_vq *q, const struct kit_guest_mem *m)
{
	const uint8_t *avail = gpa(m, q->avail, 2);

	return avail && !(kit_le16(avail) & AVAIL_F_NO_INTERRUPT);
}
