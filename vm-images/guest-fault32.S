/* guest-fault32.S - a triple fault.  An IDT of limit 0 makes every
 * exception undeliverable: UD2 raises #UD, which cannot be delivered
 * (#GP), nor can that (#DF): the CPU shuts down.  KVM reports
 * KVM_EXIT_SHUTDOWN, and mini-vmm must say so with the registers and the
 * instruction bytes (0f 0b is UD2), not crash.  (Protected mode: PVM
 * ignores the IDT limit in real mode.) */
	.code32
	.text
	.globl _start
_start:
	lidt	idt
	mov	$0x2bad, %eax		/* shows up in the register dump */
	ud2
	hlt

idt:	.word	0			/* limit 0: no vector is valid */
	.long	0
