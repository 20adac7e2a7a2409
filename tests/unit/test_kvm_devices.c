/* SPDX-License-Identifier: MIT */
/*
 * test_kvm_devices.c - unit tests for the small devices of common/kvm/:
 * the i8042 keyboard controller (i8042.c), the CMOS clock (rtc.c), and the
 * debug-exit port (ports.c).  Each is a port handler called as the exit
 * loop would call it, on a struct kit_vm that never touches /dev/kvm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/kvm.h"
#include "unit.h"

static uint8_t io8(kit_io_fn *fn, struct kit_vm *vm, void *dev, uint64_t off, bool wr,
		   uint8_t v)
{
	fn(vm, dev, off, wr, &v, 1);
	return v;
}

static void i8042_answers_the_probe_and_resets_the_vm(void **state)
{
	struct kit_vm vm = { .stop = KIT_VM_RUNNING, .exit_status = 9 };
	struct kit_i8042 k;

	(void)state;
	kit_i8042_init(&k);
	assert_int_equal(io8(kit_i8042_io, &vm, &k, 4, false, 0),
			 0x04);                    /* nothing to read */
	io8(kit_i8042_io, &vm, &k, 4, true, 0xaa); /* self-test */
	assert_int_equal(io8(kit_i8042_io, &vm, &k, 4, false, 0), 0x05);
	assert_int_equal(io8(kit_i8042_io, &vm, &k, 0, false, 0), 0x55);
	io8(kit_i8042_io, &vm, &k, 4, true, 0x60); /* write the configuration byte */
	io8(kit_i8042_io, &vm, &k, 0, true, 0x31);
	io8(kit_i8042_io, &vm, &k, 4, true, 0x20);
	assert_int_equal(io8(kit_i8042_io, &vm, &k, 0, false, 0), 0x31);
	assert_int_equal(vm.stop, KIT_VM_RUNNING);
	io8(kit_i8042_io, &vm, &k, 4, true, 0xfe); /* pulse reset: reboot=k */
	assert_true(k.reset);
	assert_int_equal(vm.stop, KIT_VM_RESET);
	assert_int_equal(vm.exit_status, 0);
}

static void i8042_output_port_bit0_is_reset_too(void **state)
{
	struct kit_vm vm = { .stop = KIT_VM_RUNNING };
	struct kit_i8042 k;

	(void)state;
	kit_i8042_init(&k);
	io8(kit_i8042_io, &vm, &k, 4, true, 0xd1);
	io8(kit_i8042_io, &vm, &k, 0, true, 0x01); /* bit 0 set: no reset */
	assert_int_equal(vm.stop, KIT_VM_RUNNING);
	io8(kit_i8042_io, &vm, &k, 4, true, 0xd1);
	io8(kit_i8042_io, &vm, &k, 0, true, 0x00);
	assert_int_equal(vm.stop, KIT_VM_RESET);
}

static uint8_t rtc(struct kit_rtc *r, uint8_t reg)
{
	io8(kit_rtc_io, NULL, r, 0, true, reg);
	return io8(kit_rtc_io, NULL, r, 1, false, 0xff);
}

static void rtc_reads_the_host_time_in_binary(void **state)
{
	struct kit_rtc r;
	time_t now = time(NULL);
	struct tm tm;

	(void)state;
	gmtime_r(&now, &tm);
	kit_rtc_init(&r);
	assert_int_equal(rtc(&r, 0x0a) & 0x80, 0); /* never "update in progress" */
	assert_int_equal(rtc(&r, 0x0b), 0x06);     /* binary, 24 hours */
	assert_int_equal(rtc(&r, 0x0d), 0x80);     /* battery fine */
	assert_int_equal(rtc(&r, 0x09), tm.tm_year % 100);
	assert_int_equal(rtc(&r, 0x32), 19 + tm.tm_year / 100);
	assert_int_equal(rtc(&r, 0x08), tm.tm_mon + 1);
	assert_int_equal(rtc(&r, 0x80 | 0x07), tm.tm_mday); /* bit 7 masks NMI */
	assert_int_equal(rtc(&r, 0x40), 0);                 /* plain CMOS memory */
	io8(kit_rtc_io, NULL, &r, 1, true, 0x12);           /* writes ignored */
	assert_int_equal(rtc(&r, 0x0b), 0x06);
}

static void debug_exit_value_becomes_the_status(void **state)
{
	struct kit_vm vm = { .stop = KIT_VM_RUNNING };
	uint8_t v[2] = { 42, 1 };

	(void)state;
	assert_int_equal(io8(kit_debug_exit_io, &vm, NULL, 0, false, 0x33), 0);
	assert_int_equal(vm.stop, KIT_VM_RUNNING);
	kit_debug_exit_io(&vm, NULL, 0, true, v, 2); /* outw: the low byte counts */
	assert_int_equal(vm.stop, KIT_VM_DEBUG_EXIT);
	assert_int_equal(vm.exit_status, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(i8042_answers_the_probe_and_resets_the_vm),
		cmocka_unit_test(i8042_output_port_bit0_is_reset_too),
		cmocka_unit_test(rtc_reads_the_host_time_in_binary),
		cmocka_unit_test(debug_exit_value_becomes_the_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
