/* guest-unknown16.S - reads a port where no device is, twice.  mini-vmm
 * answers 0xff (an empty ISA bus) and warns once; the guest reports what it
 * read as its exit status through the debug-exit port: 255. */
	.code16
	.text
	.globl _start
_start:
	mov	$0x1234, %dx
	inb	%dx, %al
	inb	%dx, %al
	mov	$0x501, %dx		/* debug-exit */
	outb	%al, %dx
	hlt
