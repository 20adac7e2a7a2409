/* SPDX-License-Identifier: MIT */
/*
 * test_kvm_serial.c - unit tests for common/kvm/serial.c, the 8250 UART:
 * what each register reads, the interrupt identification priorities, and
 * the IRQ 4 line changes it asks the in-kernel irqchip for.
 *
 * ioctl(2) is replaced at link time (-Wl,--wrap=ioctl): KVM_IRQ_LINE calls
 * are recorded instead of reaching a VM, so the tests see every edge the
 * guest's PIC would see.  The UART's output goes into a pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/kvm.h"
#include "unit.h"

int __wrap_ioctl(int fd, unsigned long request, ...);

static int levels[64], nlevels; /* KVM_IRQ_LINE levels for IRQ 4, in order */

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	struct kvm_irq_level *line;

	(void)fd;
	va_start(ap, request);
	line = va_arg(ap, struct kvm_irq_level *);
	va_end(ap);
	assert_int_equal(request, KVM_IRQ_LINE);
	assert_int_equal(line->irq, 4);
	if (nlevels < 64)
		levels[nlevels++] = (int)line->level;
	return 0;
}

struct fixture {
	struct kit_vm vm;
	int out[2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->out, O_NONBLOCK) < 0)
		return -1;
	f->vm.irqchip = true;
	kit_serial_init(&f->vm.serial, &f->vm, f->out[1]);
	nlevels = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kit_serial_release(&f->vm.serial);
	close(f->out[0]);
	close(f->out[1]);
	free(f);
	return 0;
}

static void out(struct fixture *f, unsigned reg, uint8_t v)
{
	kit_serial_io(&f->vm, &f->vm.serial, reg, true, &v, 1);
}

static uint8_t in(struct fixture *f, unsigned reg)
{
	uint8_t v = 0x5a;

	kit_serial_io(&f->vm, &f->vm.serial, reg, false, &v, 1);
	return v;
}

static void transmitted_bytes_reach_the_output_fd(void **state)
{
	struct fixture *f = *state;
	char buf[8] = "";

	out(f, 0, 'h');
	out(f, 0, 'i');
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(f->vm.serial.tx_bytes, 2);
}

static void line_status_says_transmitter_empty_and_data_ready(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, 5), 0x60); /* THRE | TEMT, no data */
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"ab", 2);
	assert_int_equal(in(f, 5), 0x61);
	assert_int_equal(in(f, 0), 'a');
	assert_int_equal(in(f, 0), 'b');
	assert_int_equal(in(f, 5), 0x60);
}

static void dlab_switches_ports_0_and_1_to_the_divisor(void **state)
{
	struct fixture *f = *state;
	char buf[4];

	out(f, 3, 0x83); /* DLAB, 8N1 */
	out(f, 0, 0x01); /* 115200 baud: divisor 1 */
	out(f, 1, 0x00);
	assert_int_equal(in(f, 0), 0x01);
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), -1); /* nothing sent */
	out(f, 3, 0x03);
	out(f, 1, 0x0f);
	assert_int_equal(in(f, 1), 0x0f); /* IER again, 4 bits kept */
}

static void iir_reports_no_interrupt_until_one_is_enabled(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, 2), 0x01);
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"x", 1);
	assert_int_equal(in(f, 2), 0x01); /* data, but RDI is off */
	assert_int_equal(nlevels, 1);     /* the line went to 0 once */
	assert_int_equal(levels[0], 0);
}

static void received_data_outranks_transmitter_empty(void **state)
{
	struct fixture *f = *state;

	out(f, 1, 0x03);                  /* RDI | THRI */
	assert_int_equal(in(f, 2), 0x02); /* THR empty */
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"x", 1);
	out(f, 1, 0x03);
	assert_int_equal(in(f, 2), 0x04); /* data first */
	in(f, 0);
	assert_int_equal(in(f, 2), 0x01); /* THRE was acknowledged earlier */
}

static void enabling_thri_raises_irq4_and_reading_iir_lowers_it(void **state)
{
	struct fixture *f = *state;

	out(f, 1, 0x02);
	assert_int_equal(nlevels, 1);
	assert_int_equal(levels[0], 1);
	assert_int_equal(in(f, 2), 0x02);
	assert_int_equal(nlevels, 2);
	assert_int_equal(levels[1], 0);
	assert_int_equal(f->vm.serial.irqs, 1);
}

static void ier_write_while_pending_makes_a_new_edge(void **state)
{
	struct fixture *f = *state;

	out(f, 1, 0x01); /* the first update says "low" */
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"x", 1);
	assert_int_equal(nlevels, 2);
	assert_int_equal(levels[1], 1);
	/* The driver rewrites IER with the interrupt still pending: an
	 * edge-triggered PIC needs low, then high, to see it again. */
	out(f, 1, 0x01);
	assert_int_equal(nlevels, 4);
	assert_int_equal(levels[2], 0);
	assert_int_equal(levels[3], 1);
}

static void fifo_enabled_shows_in_iir_and_clear_drops_input(void **state)
{
	struct fixture *f = *state;

	out(f, 2, 0x01);
	assert_int_equal(in(f, 2), 0xc1);
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"abc", 3);
	out(f, 2, 0x03); /* enable + clear receive FIFO */
	assert_int_equal(in(f, 5) & 0x01, 0);
}

static void loopback_returns_what_is_sent_and_mirrors_modem_lines(void **state)
{
	struct fixture *f = *state;
	char buf[4];

	out(f, 4, 0x10 | 0x0a); /* LOOP | RTS | OUT2: Linux's probe */
	assert_int_equal(in(f, 6) & 0xf0, 0x90);
	out(f, 0, 'L');
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), -1);
	assert_int_equal(in(f, 0), 'L');
	out(f, 4, 0x00);
	assert_int_equal(in(f, 6), 0xb0); /* DCD, DSR, CTS */
}

static void scratch_register_keeps_its_value(void **state)
{
	struct fixture *f = *state;

	out(f, 7, 0xa5);
	assert_int_equal(in(f, 7), 0xa5);
}

static void receive_buffer_overruns_instead_of_growing(void **state)
{
	struct fixture *f = *state;
	uint8_t lots[KIT_SERIAL_RX + 10];

	memset(lots, 'z', sizeof(lots));
	assert_int_equal(kit_serial_receive(&f->vm.serial, lots, sizeof(lots)),
			 KIT_SERIAL_RX);
	assert_int_equal(kit_serial_wants_input(&f->vm.serial), 0);
}

static void input_waits_until_the_guest_opens_the_port(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kit_serial_wants_input(&f->vm.serial), 0);
	out(f, 1, 0x0f); /* what Linux's probe writes to IER for a moment */
	assert_int_equal(kit_serial_wants_input(&f->vm.serial), 0);
	out(f, 4, 0x0b); /* the port opened: DTR, RTS, OUT2 */
	out(f, 1, 0x01);
	assert_int_equal(kit_serial_wants_input(&f->vm.serial), KIT_SERIAL_RX);
	kit_serial_receive(&f->vm.serial, (const uint8_t *)"abcd", 4);
	assert_int_equal(kit_serial_wants_input(&f->vm.serial), KIT_SERIAL_RX - 4);
}

static void wide_access_touches_the_following_registers(void **state)
{
	struct fixture *f = *state;
	uint8_t two[2] = { 0x03, 0x00 };

	/* outw to 0x3fb: LCR = 3, MCR = 0 */
	kit_serial_io(&f->vm, &f->vm.serial, 3, true, two, 2);
	assert_int_equal(in(f, 3), 0x03);
	/* a 4-byte read at +6 stops at the last register */
	uint8_t four[4] = { 1, 2, 3, 4 };

	kit_serial_io(&f->vm, &f->vm.serial, 6, false, four, 4);
	assert_int_equal(four[0], 0xb0);
	assert_int_equal(four[2], 3); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(transmitted_bytes_reach_the_output_fd),
		T(line_status_says_transmitter_empty_and_data_ready),
		T(dlab_switches_ports_0_and_1_to_the_divisor),
		T(iir_reports_no_interrupt_until_one_is_enabled),
		T(received_data_outranks_transmitter_empty),
		T(enabling_thri_raises_irq4_and_reading_iir_lowers_it),
		T(ier_write_while_pending_makes_a_new_edge),
		T(fifo_enabled_shows_in_iir_and_clear_drops_input),
		T(loopback_returns_what_is_sent_and_mirrors_modem_lines),
		T(scratch_register_keeps_its_value),
		T(receive_buffer_overruns_instead_of_growing),
		T(input_waits_until_the_guest_opens_the_port),
		T(wide_access_touches_the_following_registers),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
