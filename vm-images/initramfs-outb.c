/* SPDX-License-Identifier: MIT */
/*
 * initramfs-outb.c - `kit-outb PORT VALUE`: write one byte to an I/O port,
 * for the /init of the busybox initramfs.  That is how a guest talks to
 * mini-vmm's boot-timer (0x504) and debug-exit (0x501) ports.  The Debian
 * cloud kernel has no /dev/port (CONFIG_DEVPORT is off), so this asks for
 * the port with ioperm(2) and executes OUT itself.  Static, no libc beyond
 * what -static brings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	unsigned long port, value;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: kit-outb PORT VALUE\n");
		return 2;
	}
	port = strtoul(argv[1], &end, 0);
	if (*end || port > 0xffff)
		return 2;
	value = strtoul(argv[2], &end, 0);
	if (*end || value > 0xff)
		return 2;
	if (ioperm(port, 1, 1) < 0) {
		perror("kit-outb: ioperm");
		return 1;
	}
	outb((unsigned char)value, (unsigned short)port);
	return 0;
}
