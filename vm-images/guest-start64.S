/* guest-start64.S - entry of the 64-bit C guest.  mini-vmm has already put
 * the vCPU in long mode (GDT, identity page tables, EFER.LMA), so all that
 * is left before C is a stack.  main()'s return value leaves through the
 * debug-exit port and becomes mini-vmm's exit status. */
	.section .text.start, "ax"
	.code64
	.globl _start
_start:
	lea	stack_top(%rip), %rsp
	call	main
	mov	$0x501, %dx		/* debug-exit */
	outb	%al, %dx
1:	hlt
	jmp	1b
	.section .note.GNU-stack, "", @progbits
