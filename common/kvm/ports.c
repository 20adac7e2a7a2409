/* SPDX-License-Identifier: MIT */
/*
 * ports.c - two ports that exist only in VMMs: a boot timer and a
 * debug-exit port.
 *
 * Article: §1.4 says VMs start in 10-60 s and containers in milliseconds;
 * the boot timer measures our side of that claim.  The guest's init writes
 * any byte to KIT_PORT_BOOT_TIMER (0x504) when it starts, and the VMM
 * prints how long that took since it started itself (Firecracker has the
 * same idea).  A value written to KIT_PORT_DEBUG_EXIT (0x501, where QEMU's
 * isa-debug-exit sits) ends the VM, and becomes mini-vmm's exit status:
 * the simplest way for a test guest to report a result.
 *
 * Left out: QEMU's (value << 1) | 1 encoding: the value is the status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kit/kvm.h"

void kit_boot_timer_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		       uint8_t *data, unsigned size)
{
	uint64_t ns = kit_vm_now_ns() - vm->started_ns;

	(void)dev;
	(void)offset;
	if (!is_write) {
		memset(data, 0, size);
		return;
	}
	/* stderr: stdout is the guest's console, and a test reads both. */
	fprintf(stderr,
		"%s: boot-timer: the guest wrote 0x%02x %.3f ms after the VMM started\n",
		program_invocation_short_name, data[0], (double)ns / 1e6);
}

void kit_debug_exit_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		       uint8_t *data, unsigned size)
{
	(void)dev;
	(void)offset;
	if (!is_write) {
		memset(data, 0, size);
		return;
	}
	vm->stop = KIT_VM_DEBUG_EXIT;
	vm->exit_status = data[0]; /* an exit status is one byte */
}
