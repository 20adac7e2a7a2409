/* guest-hello32.S - protected mode: mini-vmm set up a flat GDT and
 * CR0.PE, so this is 32-bit code from its first instruction, with 4 GiB
 * segments and no paging.  It prints a line and halts. */
	.code32
	.text
	.globl _start
_start:
	mov	$msg, %esi
	mov	$0x3f8, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

msg:	.asciz	"Hello from protected mode!\n"
