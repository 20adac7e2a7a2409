/* SPDX-License-Identifier: MIT */
/*
 * fuzz_virtqueue.c - libFuzzer harness for the split-virtqueue walker in
 * common/kvm/virtqueue.c: any bytes as a guest's RAM holding the rings
 * and descriptors of one queue.  The device takes every chain it is
 * offered and gives it back, as virtio_console.c does.  No crash, no read
 * outside the 64 KiB "RAM" (ASan watches it: it is heap memory of exactly
 * that size), no endless loop, every buffer handed out lies inside RAM,
 * and every refusal says why.
 *
 * Input: byte 0 picks the queue size (a power of two, 1..256), byte 1 the
 * avail index the device has already reached; the rest is RAM from 0:
 * descriptors at 0, avail ring at 0x1000, used ring at 0x2000.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kit_vq_chain c;
	uint8_t *ram;
	struct kit_guest_mem m;
	struct kit_vq q = {
		.index = 1, .ready = true, .desc = 0, .avail = 0x1000, .used = 0x2000
	};
	struct kit_err err = { 0 };
	int ret;

	if (size < 2)
		return 0;
	if (!(ram = calloc(1, RAM)))
		abort();
	q.size = (uint16_t)(1u << (data[0] % 9));
	q.last_avail = data[1];
	memcpy(ram, data + 2, size - 2 < RAM ? size - 2 : RAM);
	m = (struct kit_guest_mem){ ram, RAM };
	/* At most a queue's worth of chains: the avail index bounds it. */
	for (unsigned n = 0; (ret = kit_vq_pop(&q, &m, &c, &err)) > 0; n++) {
		if (n > q.size || c.n == 0 || c.n > q.size)
			abort();
		for (unsigned i = 0; i < c.n; i++)
			if (c.buf[i].addr > RAM || c.buf[i].len > RAM - c.buf[i].addr)
				abort();
		if (c.readable + c.writable > KIT_VQ_MAX_BYTES)
			abort();
		if (kit_vq_push(&q, &m, c.head, (uint32_t)c.writable, &err) < 0)
			abort();
	}
	if (ret < 0 && (err.code == 0 || err.msg[0] == '\0' || !q.broken))
		abort();
	free(ram);
	return 0;
}
