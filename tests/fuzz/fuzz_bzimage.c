/* SPDX-License-Identifier: MIT */
/*
 * fuzz_bzimage.c - libFuzzer harness for the kernel loader in
 * common/kvm/linux.c: any bytes as a bzImage or ELF vmlinux, loaded into a
 * 64 MiB guest RAM with a small initrd and a command line.  No crash, no
 * out-of-bounds access (ASan watches guest RAM too: it is heap memory),
 * no undefined behaviour, and a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kvm_boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static const uint8_t initrd[5000] = { 0x30, 0x37 };
	struct kit_vm vm = { 0 };
	struct kit_linux_image img;
	struct kit_err err = { 0 };

	if (!ram && !(ram = malloc(RAM)))
		abort();
	vm.mem = ram;
	vm.mem_size = RAM;
	/* The first byte picks the initrd size, so placement is fuzzed too. */
	size_t initrd_size = size ? (size_t)data[0] * 19 : 0;

	if (kit_linux_load(&vm, data, size, initrd, initrd_size, "console=ttyS0", &img,
			   &err) < 0) {
		if (err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	/* What was loaded must lie inside guest RAM. */
	if (img.entry >= RAM || img.end > RAM || img.initrd_addr + img.initrd_size > RAM)
		abort();
	return 0;
}
