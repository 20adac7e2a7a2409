/* SPDX-License-Identifier: MIT */
/*
 * test_kvm_cpu.c - unit tests for common/kvm/cpu.c and common/kvm/stats.c:
 * the GDT and identity page tables the VMM writes into guest RAM, the mode
 * names, and the --stats counters and report.  No /dev/kvm: guest RAM is a
 * calloc'd buffer and the tests read the tables back as the CPU would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kvm.h"
#include "unit.h"

static void gdt_has_flat_code_and_data_at_0x10_and_0x18(void **state)
{
	uint8_t *mem = calloc(1, 0x8000);
	uint64_t *gdt = (uint64_t *)(mem + KIT_BOOT_GDT);

	(void)state;
	kit_vcpu_write_gdt(mem, true);
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[2], 0x00af9b000000ffffull); /* 64-bit code: L, not D */
	assert_int_equal(gdt[3], 0x00cf93000000ffffull); /* data: 4 GiB, writable */
	kit_vcpu_write_gdt(mem, false);
	assert_int_equal(gdt[2], 0x00cf9b000000ffffull); /* 32-bit code: D */
	free(mem);
}

static void page_tables_map_4_gib_onto_itself(void **state)
{
	uint8_t *mem = calloc(1, 0x8000);
	uint64_t *pml4 = (uint64_t *)(mem + KIT_BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)(mem + KIT_BOOT_PML4 + 0x1000);
	uint64_t *pd = (uint64_t *)(mem + KIT_BOOT_PML4 + 0x2000);

	(void)state;
	memset(mem, 0xee, 0x8000); /* old contents must not survive */
	kit_vcpu_write_page_tables(mem);
	assert_int_equal(pml4[0], 0x3003);
	assert_int_equal(pml4[1], 0);
	for (int g = 0; g < 4; g++)
		assert_int_equal(pdpt[g], 0x4003 + g * 0x1000);
	assert_int_equal(pdpt[4], 0);
	assert_int_equal(pd[0], 0x83);     /* 0: present, rw, 2 MiB */
	assert_int_equal(pd[1], 0x200083); /* 2 MiB */
	assert_int_equal(pd[2047],
			 (2047ull << 21) | 0x83); /* the last 2 MiB below 4 GiB */
	free(mem);
}

static void mode_names_parse(void **state)
{
	enum kit_cpu_mode m;

	(void)state;
	assert_int_equal(kit_cpu_mode_parse("real", &m), 0);
	assert_int_equal(m, KIT_CPU_REAL);
	assert_int_equal(kit_cpu_mode_parse("long", &m), 0);
	assert_int_equal(m, KIT_CPU_LONG);
	assert_int_equal(kit_cpu_mode_parse("protected", &m), 0);
	assert_int_equal(m, KIT_CPU_PROTECTED);
	assert_int_equal(kit_cpu_mode_parse("Long", &m), -EINVAL);
}

static void exit_reasons_have_names(void **state)
{
	(void)state;
	assert_string_equal(kit_exit_reason_name(KVM_EXIT_IO), "IO");
	assert_string_equal(kit_exit_reason_name(KVM_EXIT_SHUTDOWN), "SHUTDOWN");
	assert_string_equal(kit_exit_reason_name(KVM_EXIT_INTERNAL_ERROR),
			    "INTERNAL_ERROR");
	assert_string_equal(kit_exit_reason_name(999), "UNKNOWN(999)");
}

static void stats_count_by_reason_and_port(void **state)
{
	struct kit_vm_stats st;

	(void)state;
	kit_stats_init(&st);
	for (int i = 0; i < 3; i++) {
		kit_stats_count_io(&st, 0x3f8, false, true, 1, 0, "serial");
		kit_stats_count(&st, KVM_EXIT_IO, 100);
	}
	kit_stats_count_io(&st, 0x3fd, false, false, 1, 0, "serial");
	kit_stats_count(&st, KVM_EXIT_IO, 50);
	kit_stats_count(&st, KVM_EXIT_HLT, 10);
	assert_int_equal(st.exits, 5);
	assert_int_equal(st.handle_ns, 360);
	assert_int_equal(st.reasons[KVM_EXIT_IO].count, 4);
	assert_int_equal(st.nports, 2);
	assert_int_equal(st.ports[0].count, 3);
	assert_int_equal(st.ports[0].ns, 300); /* the exit's time goes to its port */
	assert_int_equal(st.ports[1].bytes, 1);
	assert_int_equal(st.last, -1);
}

static void stats_table_full_counts_the_rest(void **state)
{
	struct kit_vm_stats st;

	(void)state;
	kit_stats_init(&st);
	for (unsigned p = 0; p < KIT_STATS_PORTS + 5; p++) {
		kit_stats_count_io(&st, p, false, true, 1, 0, NULL);
		kit_stats_count(&st, KVM_EXIT_IO, 1);
	}
	assert_int_equal(st.nports, KIT_STATS_PORTS);
	assert_int_equal(st.other_ports, 5);
}

static void stats_report_sorted_by_count(void **state)
{
	struct kit_vm_stats st;
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	kit_stats_init(&st);
	kit_stats_count_io(&st, 0x501, false, true, 1, 0, "debug-exit");
	kit_stats_count(&st, KVM_EXIT_IO, 2000);
	for (int i = 0; i < 2; i++) {
		kit_stats_count_io(&st, 0xd0000000, true, false, 4, 0, NULL);
		kit_stats_count(&st, KVM_EXIT_MMIO, 1000);
	}
	kit_stats_print(&st, f);
	fclose(f);
	assert_non_null(strstr(buf,
			       "VM exits: 3; 0.000 ms in KVM_RUN (guest and kernel), "
			       "0.004 ms handling exits in mini-vmm\n"));
	/* MMIO (2 exits) before IO (1), and the MMIO address before the port */
	assert_true(strstr(buf, "  MMIO ") < strstr(buf, "  IO "));
	assert_non_null(strstr(buf, "  mmio read 0xd0000000 (none)"));
	assert_true(strstr(buf, "mmio read 0xd0000000") < strstr(buf, "port out 0x501"));
	assert_non_null(strstr(buf, "1000 ns/exit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gdt_has_flat_code_and_data_at_0x10_and_0x18),
		cmocka_unit_test(page_tables_map_4_gib_onto_itself),
		cmocka_unit_test(mode_names_parse),
		cmocka_unit_test(exit_reasons_have_names),
		cmocka_unit_test(stats_count_by_reason_and_port),
		cmocka_unit_test(stats_table_full_counts_the_rest),
		cmocka_unit_test(stats_report_sorted_by_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
