/* SPDX-License-Identifier: MIT */
/*
 * stats.c - the VM-exit loop made visible: how many exits of each reason,
 * at which port or MMIO address, and how long the VMM took over them.
 *
 * Article: §1.1 and §1.3.  The article draws "I/O or an interrupt causes
 * a VM-exit back to KVM, KVM tells QEMU to emulate the device"; --stats
 * measures it.  A guest that writes N bytes to the UART shows N exits of
 * reason IO at port 0x3f8, and the time each round trip costs.
 *
 * Left out: exits KVM handles in the kernel without telling us (most
 * page faults, the in-kernel irqchip's own ports, HLT with an irqchip):
 * they are only visible through perf kvm stat or the kvm tracepoints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kvm.h"

static const char *const reason_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG",
	[KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
	[KVM_EXIT_XEN] = "XEN",
	[KVM_EXIT_NOTIFY] = "NOTIFY",
};

const char *kit_exit_reason_name(uint32_t reason)
{
	static __thread char unknown[32];

	if (reason < sizeof(reason_names) / sizeof(reason_names[0]) &&
	    reason_names[reason])
		return reason_names[reason];
	snprintf(unknown, sizeof(unknown), "UNKNOWN(%u)", reason);
	return unknown;
}

void kit_stats_init(struct kit_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->last = -1;
}

void kit_stats_count_io(struct kit_vm_stats *st, uint64_t addr, bool is_mmio,
			bool is_write, unsigned bytes, uint64_t ns, const char *name)
{
	struct kit_exit_count *c = NULL;
	unsigned i;

	for (i = 0; i < st->nports; i++) {
		c = &st->ports[i];
		if (c->key == addr && c->is_mmio == is_mmio && c->is_write == is_write)
			break;
	}
	if (i == st->nports) {
		if (st->nports == KIT_STATS_PORTS) {
			st->other_ports++;
			st->last = -1;
			return;
		}
		c = &st->ports[st->nports++];
		*c = (struct kit_exit_count){ .key = addr,
					      .is_mmio = is_mmio,
					      .is_write = is_write,
					      .name = name };
	}
	c->count++;
	c->bytes += bytes;
	c->ns += ns;
	st->last = (int)i;
}

void kit_stats_count(struct kit_vm_stats *st, uint32_t reason, uint64_t ns)
{
	struct kit_exit_count *c = &st->reasons[reason % KIT_STATS_REASONS];

	c->key = reason;
	c->count++;
	c->ns += ns;
	st->exits++;
	st->handle_ns += ns;
	if (st->last >= 0)
		st->ports[st->last].ns += ns;
	st->last = -1;
}

static int by_count(const void *a, const void *b)
{
	const struct kit_exit_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* "1.234 ms" or "567 ns" per exit: both are interesting. */
static void print_row(FILE *out, const char *what, const struct kit_exit_count *c)
{
	fprintf(out, "  %-28s %10llu %12.3f ms %9.0f ns/exit", what,
		(unsigned long long)c->count, (double)c->ns / 1e6,
		c->count ? (double)c->ns / (double)c->count : 0.0);
	if (c->bytes)
		fprintf(out, " %10llu bytes", (unsigned long long)c->bytes);
	fputc('\n', out);
}

void kit_stats_print(const struct kit_vm_stats *st, FILE *out)
{
	struct kit_exit_count rows[KIT_STATS_REASONS > KIT_STATS_PORTS ? KIT_STATS_REASONS
								       : KIT_STATS_PORTS];
	unsigned n = 0;
	char what[64];

	fprintf(out,
		"VM exits: %llu; %.3f ms in KVM_RUN (guest and kernel), %.3f ms "
		"handling exits in mini-vmm\n",
		(unsigned long long)st->exits, (double)st->run_ns / 1e6,
		(double)st->handle_ns / 1e6);
	fprintf(out, "  %-28s %10s %15s %16s\n", "by reason", "exits", "handling",
		"mean");
	for (unsigned i = 0; i < KIT_STATS_REASONS; i++)
		if (st->reasons[i].count)
			rows[n++] = st->reasons[i];
	qsort(rows, n, sizeof(rows[0]), by_count);
	for (unsigned i = 0; i < n; i++)
		print_row(out, kit_exit_reason_name((uint32_t)rows[i].key), &rows[i]);
	if (!st->nports)
		return;
	fprintf(out, "  %-28s %10s %15s %16s\n", "by port / MMIO address", "exits",
		"handling", "mean");
	memcpy(rows, st->ports, st->nports * sizeof(rows[0]));
	qsort(rows, st->nports, sizeof(rows[0]), by_count);
	for (unsigned i = 0; i < st->nports; i++) {
		snprintf(what, sizeof(what), "%s %s 0x%llx %s",
			 rows[i].is_mmio ? "mmio" : "port",
			 rows[i].is_write ? (rows[i].is_mmio ? "write" : "out")
					  : (rows[i].is_mmio ? "read" : "in"),
			 (unsigned long long)rows[i].key,
			 rows[i].name ? rows[i].name : "(none)");
		print_row(out, what, &rows[i]);
	}
	if (st->other_ports)
		fprintf(out, "  (%llu more exits at other addresses)\n",
			(unsigned long long)st->other_ports);
}
