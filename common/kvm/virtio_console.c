/* SPDX-License-Identifier: MIT */
/*
 * virtio_console.c - a virtio console (type 3): the guest's /dev/hvc0,
 * whose output is the VMM's stdout, as the UART's is.
 *
 * Article: §1.3, 半虚拟化.  Compare with serial.c: there every byte costs
 * the guest a register write and a status read, each a VM-exit.  Here the
 * guest's hvc driver fills a page of text, makes it available on the
 * transmit queue and writes the queue's index to the notify address: one
 * exit for up to a page (`make bench` measures the ratio).
 *
 *   queue 0  receiveq   buffers the guest lends us for input (left empty:
 *                       input stays with the UART)
 *   queue 1  transmitq  buffers of output: written to out_fd, returned
 *
 * Left out: input, the multiport feature (more ports, control queues),
 * the console size, emergency writes.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kit/kvm.h"

#define VIRTIO_ID_CONSOLE 3
#define RX_QUEUE          0
#define TX_QUEUE          1

/* Write the readable buffers of a chain out, as the UART writes a byte. */
static void transmit(struct kit_virtio_console *c, const struct kit_guest_mem *m,
		     const struct kit_vq_chain *ch)
{
	for (unsigned i = 0; i < ch->n; i++) {
		const uint8_t *p = m->base + ch->buf[i].addr; /* checked by kit_vq_pop */
		size_t left = ch->buf[i].len;

		if (ch->buf[i].device_writes)
			continue;
		c->tx_bytes += left;
		while (left && c->out_fd >= 0) {
			ssize_t n = write(c->out_fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* nobody reads: dropped, as on the UART */
			p += n;
			left -= (size_t)n;
		}
	}
	c->tx_chains++;
}

static void console_notify(struct kit_virtio_dev *d, unsigned qi)
{
	struct kit_virtio_console *c = (struct kit_virtio_console *)d;
	struct kit_guest_mem m = kit_virtio_mem(d);
	struct kit_vq *q = &d->vq[qi];
	struct kit_vq_chain ch;
	struct kit_err err = { 0 };
	bool used = false;
	int ret;

	if (qi != TX_QUEUE)
		return; /* receive buffers stay with us until input comes: never */
	while ((ret = kit_vq_pop(q, &m, &ch, &err)) > 0) {
		transmit(c, &m, &ch);
		if (kit_vq_push(q, &m, ch.head, 0, &err) < 0) {
			ret = -EFAULT;
			break;
		}
		used = true;
	}
	if (ret < 0)
		kit_virtio_fail(d, &err);
	else if (used && kit_vq_wants_interrupt(q, &m))
		kit_virtio_interrupt(d);
}

/* struct virtio_console_config: cols, rows, max_nr_ports, emerg_wr: all 0. */
static void console_config(struct kit_virtio_dev *d, uint64_t offset, bool is_write,
			   uint8_t *data, unsigned size)
{
	(void)d;
	(void)offset;
	if (!is_write)
		memset(data, 0, size);
}

void kit_virtio_console_init(struct kit_virtio_console *c, struct kit_vm *vm, int out_fd)
{
	kit_virtio_init(&c->vdev, vm, "virtio-console", VIRTIO_ID_CONSOLE, 2, 0);
	c->vdev.notify = console_notify;
	c->vdev.config = console_config;
	c->out_fd = out_fd;
	c->enabled = true;
	c->tx_bytes = c->tx_chains = 0;
}
