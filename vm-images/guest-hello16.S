/* guest-hello16.S - the smallest guest: real mode, "hello" on the serial
 * port, then HLT.  Every OUT is one VM-exit (KVM_EXIT_IO) that mini-vmm
 * turns into a byte on its stdout; HLT (without an irqchip) is the exit
 * that ends the VM.  Article §1.1: the guest runs natively until it does
 * I/O. */
	.code16
	.text
	.globl _start
_start:
	mov	$msg, %si
	mov	$0x3f8, %dx		/* COM1's transmit register */
1:	lodsb				/* al = *si++ */
	test	%al, %al
	jz	2f
	outb	%al, %dx		/* one VM-exit per byte */
	jmp	1b
2:	hlt				/* KVM_EXIT_HLT: the guest is done */
	jmp	2b

msg:	.asciz	"Hello from real mode!\n"
