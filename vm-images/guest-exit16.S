/* guest-exit16.S - writes the boot-timer port (mini-vmm prints the time
 * since it started), then 42 to the debug-exit port: mini-vmm exits 42. */
	.code16
	.text
	.globl _start
_start:
	mov	$0x504, %dx		/* boot-timer */
	mov	$1, %al
	outb	%al, %dx
	mov	$0x501, %dx		/* debug-exit */
	mov	$42, %al
	outb	%al, %dx
	hlt				/* not reached */
