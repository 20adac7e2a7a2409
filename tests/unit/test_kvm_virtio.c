/* SPDX-License-Identifier: MIT */
/*
 * test_kvm_virtio.c - unit tests for common/kvm/virtqueue.c (split
 * virtqueues), common/kvm/virtio_pci.c (the modern PCI transport),
 * common/kvm/virtio_console.c and common/kvm/pci.c (configuration
 * mechanism #1), against a fake guest RAM: a plain buffer.
 *
 * The rings are what a guest driver writes, so most tests are hostile
 * chains: out-of-range indexes, loops, buffers outside RAM, huge lengths.
 * Each must be refused with its exact message, and never read outside the
 * buffer (run under ASan: `make SANITIZE=1`).  No VM, no irqchip: the
 * interrupt line calls fail with ENODEV and are ignored, as designed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/kvm.h"
#include "unit.h"

#define RAM   (1u << 20)
#define DESC  0x1000 /* the rings of the queue under test */
#define AVAIL 0x2000
#define USED  0x3000
#define QSIZE 8

struct fixture {
	uint8_t *ram;
	struct kit_guest_mem m;
	struct kit_vq q;
	struct kit_vq_chain c;
	struct kit_err err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->ram = calloc(1, RAM)))
		return -1;
	f->m = (struct kit_guest_mem){ f->ram, RAM };
	f->q = (struct kit_vq){ .index = 1,
				.size = QSIZE,
				.ready = true,
				.desc = DESC,
				.avail = AVAIL,
				.used = USED };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2); /* x86: little-endian, as virtio 1.x */
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* What a driver does: descriptor @i. */
static void desc(struct fixture *f, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *d = f->ram + DESC + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	put16(d + 12, flags);
	put16(d + 14, next);
}

/* ... and makes chain @head available. */
static void offer(struct fixture *f, uint16_t head)
{
	uint16_t idx = get16(f->ram + AVAIL + 2);

	put16(f->ram + AVAIL + 4 + 2 * (idx % QSIZE), head);
	put16(f->ram + AVAIL + 2, (uint16_t)(idx + 1));
}

static int pop(struct fixture *f)
{
	return kit_vq_pop(&f->q, &f->m, &f->c, &f->err);
}

static void refused(struct fixture *f, int code, const char *msg)
{
	assert_int_equal(pop(f), -code);
	assert_int_equal(f->err.code, code);
	assert_string_equal(f->err.msg, msg);
	assert_true(f->q.broken);
	/* A broken queue takes nothing more, even a good chain. */
	desc(f, 0, 0x8000, 4, 0, 0);
	offer(f, 0);
	assert_int_equal(pop(f), 0);
}

static void a_good_chain_is_taken_and_returned(void **state)
{
	struct fixture *f = *state;

	desc(f, 3, 0x8000, 5, 1 /* NEXT */, 6);
	desc(f, 6, 0x9000, 7, 0, 0);
	offer(f, 3);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->c.head, 3);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.readable, 12);
	assert_int_equal(f->c.writable, 0);
	assert_int_equal(f->c.buf[1].addr, 0x9000);
	assert_int_equal(pop(f), 0); /* nothing more */
	assert_int_equal(kit_vq_push(&f->q, &f->m, 3, 0, &f->err), 0);
	assert_int_equal(get16(f->ram + USED + 2), 1);
	assert_int_equal(get32(f->ram + USED + 4), 3);
}

static void writable_buffers_follow_readable_ones(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0x8000, 16, 1, 1);
	desc(f, 1, 0x9000, 64, 2 /* WRITE */, 0);
	offer(f, 0);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->c.readable, 16);
	assert_int_equal(f->c.writable, 64);
	assert_true(f->c.buf[1].device_writes);
}

static void a_head_out_of_range_is_refused(void **state)
{
	struct fixture *f = *state;

	offer(f, QSIZE);
	refused(f, EINVAL,
		"read descriptor 8 of the chain at 8 on virtqueue 1: EINVAL (the chain's "
		"head is not a descriptor of the queue)");
}

static void a_next_out_of_range_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0x8000, 4, 1, 0xffff);
	offer(f, 0);
	refused(f, EINVAL,
		"read descriptor 65535 of the chain at 0 on virtqueue 1: EINVAL (the next "
		"index is not a descriptor of the queue)");
}

static void a_loop_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0x8000, 4, 1, 1);
	desc(f, 1, 0x8000, 4, 1, 0); /* back to 0: forever */
	offer(f, 0);
	refused(f, ELOOP,
		"read descriptor 0 of the chain at 0 on virtqueue 1: ELOOP (the chain is "
		"longer than the queue: it loops)");
}

static void a_buffer_outside_ram_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 2, RAM - 4, 8, 0, 0); /* straddles the end */
	offer(f, 2);
	refused(f, EFAULT,
		"read descriptor 2 of the chain at 2 on virtqueue 1: EFAULT (the buffer lies "
		"outside guest RAM)");
}

static void an_address_that_wraps_around_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, UINT64_MAX - 2, 16, 0, 0); /* addr + len overflows to a small number */
	offer(f, 0);
	assert_int_equal(pop(f), -EFAULT);
}

static void a_huge_length_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0, UINT32_MAX, 0, 0);
	offer(f, 0);
	assert_int_equal(pop(f), -EFAULT);
}

static void more_than_16_mib_in_one_chain_is_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t *big = calloc(1, 32u << 20);

	assert_non_null(big);
	memcpy(big, f->ram, RAM); /* the same rings, in a 32 MiB RAM */
	f->m = (struct kit_guest_mem){ big, 32u << 20 };
	free(f->ram);
	f->ram = big;
	desc(f, 0, 1u << 20, 9u << 20, 1, 1);
	desc(f, 1, 1u << 20, 9u << 20, 0, 0); /* the same 9 MiB twice: 18 MiB */
	offer(f, 0);
	refused(f, E2BIG,
		"read descriptor 1 of the chain at 0 on virtqueue 1: E2BIG (the chain "
		"describes more than 16 MiB)");
}

static void an_indirect_descriptor_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0x8000, 32, 4 /* INDIRECT */, 0);
	offer(f, 0);
	refused(f, ENOTSUP,
		"read descriptor 0 of the chain at 0 on virtqueue 1: EOPNOTSUPP (indirect "
		"descriptors were not offered)");
}

static void a_readable_buffer_after_a_writable_one_is_refused(void **state)
{
	struct fixture *f = *state;

	desc(f, 0, 0x8000, 4, 2 | 1, 1);
	desc(f, 1, 0x9000, 4, 0, 0);
	offer(f, 0);
	refused(f, EINVAL,
		"read descriptor 1 of the chain at 0 on virtqueue 1: EINVAL (a readable "
		"buffer follows a writable one)");
}

static void an_avail_index_far_ahead_is_refused(void **state)
{
	struct fixture *f = *state;

	put16(f->ram + AVAIL + 2, QSIZE + 1);
	assert_int_equal(pop(f), -EINVAL);
	assert_string_equal(
		f->err.msg,
		"read descriptor 0 of the chain at 9 on virtqueue 1: EINVAL (the "
		"driver's avail index ran more than a queue ahead)");
}

static void rings_outside_ram_or_odd_sizes_are_refused(void **state)
{
	struct fixture *f = *state;

	f->q.used = RAM - 8;
	assert_int_equal(kit_vq_check_rings(&f->q, &f->m, &f->err), -EFAULT);
	assert_string_equal(
		f->err.msg,
		"enable virtqueue 1 (desc 0x1000, avail 0x2000, used 0xffff8): "
		"EFAULT (a ring lies outside guest RAM)");
	f->q.used = USED;
	f->q.size = 6;
	assert_int_equal(kit_vq_check_rings(&f->q, &f->m, &f->err), -EINVAL);
	assert_string_equal(f->err.msg, "enable virtqueue 1 of 6 entries: EINVAL (give a "
					"power of two up to 256)");
	f->q.size = 512;
	assert_int_equal(kit_vq_check_rings(&f->q, &f->m, &f->err), -EINVAL);
}

/* ---- the transport and the console, through their MMIO registers --------- */

struct dev_fixture {
	struct kit_vm vm;
	int out[2];
};

static int dev_setup(void **state)
{
	struct dev_fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->vm.mem = calloc(1, RAM)) || pipe2(f->out, O_NONBLOCK) < 0)
		return -1;
	f->vm.mem_size = RAM;
	kit_virtio_console_init(&f->vm.vcon, &f->vm, f->out[1]);
	*state = f;
	return 0;
}

static int dev_teardown(void **state)
{
	struct dev_fixture *f = *state;

	close(f->out[0]);
	close(f->out[1]);
	free(f->vm.mem);
	free(f);
	return 0;
}

static void mmio_w(struct dev_fixture *f, uint64_t off, uint32_t v, unsigned size)
{
	kit_virtio_mmio(&f->vm, &f->vm.vcon.vdev, off, true, (uint8_t *)&v, size);
}

static uint32_t mmio_r(struct dev_fixture *f, uint64_t off, unsigned size)
{
	uint32_t v = 0;

	kit_virtio_mmio(&f->vm, &f->vm.vcon.vdev, off, false, (uint8_t *)&v, size);
	return v;
}

/* The Linux driver's start-up, then the transmit queue's rings at DESC... */
static void driver_start(struct dev_fixture *f)
{
	mmio_w(f, 0x14, 0, 1);                   /* reset */
	mmio_w(f, 0x14, 1 | 2, 1);               /* ACKNOWLEDGE | DRIVER */
	mmio_w(f, 0x00, 1, 4);                   /* device_feature_select 1 */
	assert_int_equal(mmio_r(f, 0x04, 4), 1); /* VIRTIO_F_VERSION_1 */
	mmio_w(f, 0x08, 1, 4);
	mmio_w(f, 0x0c, 1, 4); /* we take VERSION_1 */
	mmio_w(f, 0x14, 1 | 2 | 8, 1);
	assert_int_equal(mmio_r(f, 0x14, 1), 1 | 2 | 8); /* FEATURES_OK stays */
	assert_int_equal(mmio_r(f, 0x12, 2), 2);         /* two queues */
	mmio_w(f, 0x16, 1, 2);                           /* select transmitq */
	assert_int_equal(mmio_r(f, 0x18, 2), KIT_VQ_MAX_SIZE);
	mmio_w(f, 0x18, QSIZE, 2);
	mmio_w(f, 0x20, DESC, 4);
	mmio_w(f, 0x24, 0, 4);
	mmio_w(f, 0x28, AVAIL, 4);
	mmio_w(f, 0x2c, 0, 4);
	mmio_w(f, 0x30, USED, 4);
	mmio_w(f, 0x34, 0, 4);
	mmio_w(f, 0x1c, 1, 2); /* enable */
	assert_int_equal(mmio_r(f, 0x1c, 2), 1);
	mmio_w(f, 0x14, 1 | 2 | 8 | 4, 1); /* DRIVER_OK */
}

static void the_console_writes_a_notified_buffer_out(void **state)
{
	struct dev_fixture *f = *state;
	uint8_t *ram = f->vm.mem;
	uint64_t addr = 0x8000;
	uint32_t len = 5;
	char buf[16] = "";

	driver_start(f);
	memcpy(ram + 0x8000, "hello", 5);
	memcpy(ram + DESC, &addr, 8);
	memcpy(ram + DESC + 8, &len, 4);
	put16(ram + AVAIL + 4, 0);
	put16(ram + AVAIL + 2, 1);
	mmio_w(f, 0x2000 + 4 * 1, 1, 2); /* notify queue 1 */
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(get16(ram + USED + 2), 1);
	assert_int_equal(f->vm.vcon.tx_bytes, 5);
	assert_int_equal(mmio_r(f, 0x1000, 1), 1); /* ISR: used buffers, ... */
	assert_int_equal(mmio_r(f, 0x1000, 1), 0); /* ... cleared by reading */
}

static void a_hostile_chain_makes_the_device_need_a_reset(void **state)
{
	struct dev_fixture *f = *state;
	uint8_t *ram = f->vm.mem;
	uint64_t addr = RAM; /* just past the end */
	uint32_t len = 1;
	char buf[4];

	driver_start(f);
	memcpy(ram + DESC, &addr, 8);
	memcpy(ram + DESC + 8, &len, 4);
	put16(ram + AVAIL + 2, 1);
	mmio_w(f, 0x2000 + 4, 1, 2);
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), -1); /* nothing written */
	assert_int_equal(mmio_r(f, 0x14, 1) & 0x40, 0x40);       /* DEVICE_NEEDS_RESET */
	assert_int_equal(mmio_r(f, 0x1000, 1), 2);               /* config changed */
	assert_int_equal(get16(ram + USED + 2), 0);
}

static void rings_outside_ram_are_not_enabled(void **state)
{
	struct dev_fixture *f = *state;

	mmio_w(f, 0x16, 0, 2);
	mmio_w(f, 0x20, RAM - 16, 4); /* desc of 256 entries past the end */
	mmio_w(f, 0x1c, 1, 2);
	assert_int_equal(mmio_r(f, 0x1c, 2), 0);
	assert_int_equal(mmio_r(f, 0x14, 1) & 0x40, 0x40);
}

static void features_we_did_not_offer_lose_features_ok(void **state)
{
	struct dev_fixture *f = *state;

	mmio_w(f, 0x08, 0, 4);
	mmio_w(f, 0x0c, 1u << 1, 4); /* VIRTIO_CONSOLE_F_MULTIPORT: not offered */
	mmio_w(f, 0x08, 1, 4);
	mmio_w(f, 0x0c, 1, 4);
	mmio_w(f, 0x14, 1 | 2 | 8, 1);
	assert_int_equal(mmio_r(f, 0x14, 1), 1 | 2);
}

/* ---- PCI configuration mechanism #1 ---------------------------------------- */

static uint32_t cfg_read(struct kit_pci *pci, unsigned slot, unsigned reg)
{
	uint32_t addr = 0x80000000u | slot << 11 | reg, v = 0;

	kit_pci_io(NULL, pci, 0, true, (uint8_t *)&addr, 4);
	kit_pci_io(NULL, pci, 4, false, (uint8_t *)&v, 4);
	return v;
}

static void pci_finds_the_bridge_and_the_virtio_device(void **state)
{
	struct dev_fixture *f = *state;
	struct kit_pci pci;
	uint32_t addr = 0x80000000u | 1 << 11 | 0x10, ones = 0xffffffffu, v = 0;

	kit_pci_init(&pci);
	assert_int_equal(kit_pci_add(&pci, 1, &f->vm.vcon.vdev.pci), 0);
	assert_int_equal(kit_pci_add(&pci, 1, &f->vm.vcon.vdev.pci), -EBUSY);
	/* Linux's probe: the address register reads back. */
	kit_pci_io(NULL, &pci, 0, true, (uint8_t *)&addr, 4);
	kit_pci_io(NULL, &pci, 0, false, (uint8_t *)&v, 4);
	assert_int_equal(v, addr);
	assert_int_equal(cfg_read(&pci, 0, 0x08) >> 16, 0x0600); /* host bridge */
	assert_int_equal(cfg_read(&pci, 1, 0x00), 0x10431af4);   /* virtio console */
	assert_int_equal(cfg_read(&pci, 2, 0x00), 0xffffffffu);  /* empty slot */
	assert_int_equal(cfg_read(&pci, 1, 0x34) & 0xff, 0x40);  /* capabilities */
	/* BAR sizing: all ones read back the size, then the address returns. */
	kit_pci_io(NULL, &pci, 0, true, (uint8_t *)&addr, 4);
	kit_pci_io(NULL, &pci, 4, true, (uint8_t *)&ones, 4);
	assert_int_equal(cfg_read(&pci, 1, 0x10), ~(KIT_VIRTIO_BAR_SIZE - 1));
	kit_pci_io(NULL, &pci, 0, true, (uint8_t *)&addr, 4);
	v = KIT_VIRTIO_BAR;
	kit_pci_io(NULL, &pci, 4, true, (uint8_t *)&v, 4);
	assert_int_equal(cfg_read(&pci, 1, 0x10), KIT_VIRTIO_BAR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_good_chain_is_taken_and_returned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(writable_buffers_follow_readable_ones,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_head_out_of_range_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_next_out_of_range_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_loop_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_buffer_outside_ram_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_address_that_wraps_around_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_huge_length_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(more_than_16_mib_in_one_chain_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(an_indirect_descriptor_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			a_readable_buffer_after_a_writable_one_is_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(an_avail_index_far_ahead_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			rings_outside_ram_or_odd_sizes_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(the_console_writes_a_notified_buffer_out,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(
			a_hostile_chain_makes_the_device_need_a_reset, dev_setup,
			dev_teardown),
		cmocka_unit_test_setup_teardown(rings_outside_ram_are_not_enabled,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(
			features_we_did_not_offer_lose_features_ok, dev_setup,
			dev_teardown),
		cmocka_unit_test_setup_teardown(
			pci_finds_the_bridge_and_the_virtio_device, dev_setup,
			dev_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
