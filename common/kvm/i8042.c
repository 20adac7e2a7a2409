/* SPDX-License-Identifier: MIT */
/*
 * i8042.c - the PS/2 keyboard controller, kept for one wire: CPU reset.
 *
 * Article: §1.3 (devices the VMM emulates).  On a PC, "reboot" is the
 * keyboard controller pulsing the CPU's reset line (command 0xfe on port
 * 0x64); Linux uses it with reboot=k.  For a VMM, a guest that reboots is a
 * guest that is done: the VM stops and mini-vmm exits 0.  The controller
 * also answers the few commands Linux's i8042 driver sends while probing,
 * so that probing ends quickly instead of waiting for time-outs:
 *
 *   0x20 read the configuration byte    0x60 write it (next byte on 0x60)
 *   0xaa self-test -> 0x55              0xab/0xa9 port tests -> 0x00
 *   0xad/0xae, 0xa7/0xa8 disable/enable the keyboard and mouse ports
 *   0xd1 write the output port (bit 0 clear: reset)   0xfe pulse reset
 *
 * The status register never says "input buffer full", so a guest waiting
 * to send a command never waits (a status of 0xff would make Linux wait
 * seconds before rebooting: see nested-kvm.md).
 *
 * Left out: the keyboard and mouse themselves (bytes sent to them get no
 * answer), scan codes, the A20 gate.
 */
#include <string.h>

#include "kit/kvm.h"

#define STATUS_OBF      0x01 /* output buffer full: a byte to read on 0x60 */
#define STATUS_SYS      0x04 /* system flag: self-test passed */
#define CTR_KBD_DISABLE 0x10
#define CTR_AUX_DISABLE 0x20

void kit_i8042_init(struct kit_i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->ctr = 0x47; /* both interrupts on, translation on, system flag */
}

static void reply(struct kit_i8042 *k, uint8_t byte)
{
	k->out = byte;
	k->out_full = true;
}

static void pulse_reset(struct kit_vm *vm, struct kit_i8042 *k)
{
	k->reset = true;
	vm->stop = KIT_VM_RESET;
	vm->exit_status = 0;
}

static void command(struct kit_vm *vm, struct kit_i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: reply(k, k->ctr); break;
	case 0x60:
	case 0xd1: k->pending = cmd; break;
	case 0xaa: reply(k, 0x55); break;
	case 0xa9:
	case 0xab: reply(k, 0x00); break;
	case 0xa7: k->ctr |= CTR_AUX_DISABLE; break;
	case 0xa8: k->ctr &= (uint8_t)~CTR_AUX_DISABLE; break;
	case 0xad: k->ctr |= CTR_KBD_DISABLE; break;
	case 0xae: k->ctr &= (uint8_t)~CTR_KBD_DISABLE; break;
	case 0xfe: pulse_reset(vm, k); break;
	default: break; /* commands for absent devices: no answer */
	}
}

static void data_write(struct kit_vm *vm, struct kit_i8042 *k, uint8_t v)
{
	switch (k->pending) {
	case 0x60: k->ctr = v; break;
	case 0xd1:
		if (!(v & 0x01)) /* output port bit 0 is the reset line */
			pulse_reset(vm, k);
		break;
	default: break; /* a byte for the keyboard, which is not there */
	}
	k->pending = 0;
}

void kit_i8042_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		  uint8_t *data, unsigned size)
{
	struct kit_i8042 *k = dev;

	if (!is_write)
		memset(data, 0, size);
	switch (offset) {
	case 0: /* 0x60: data */
		if (is_write) {
			data_write(vm, k, data[0]);
		} else {
			data[0] = k->out;
			k->out_full = false;
		}
		break;
	case 4: /* 0x64: status (read) and command (write) */
		if (is_write)
			command(vm, k, data[0]);
		else
			data[0] = STATUS_SYS | (k->out_full ? STATUS_OBF : 0);
		break;
	default: break; /* 0x61-0x63: port B and friends read as 0 */
	}
}
