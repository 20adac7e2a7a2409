/* guest-bench32.S - the guest of make bench: 32-bit protected mode, one
 * line on the serial port, then the debug-exit port.  Built twice: as a flat
 * binary for mini-vmm --raw --mode protected, and as an ELF with a PVH note
 * (XEN_ELFNOTE_PHYS32_ENTRY) that qemu-system-x86_64 -M microvm -kernel
 * starts in the same state: flat 32-bit segments, no paging.  QEMU's
 * isa-debug-exit at 0x501 ends QEMU, ours ends mini-vmm. */
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
2:	mov	$0x501, %dx
	xor	%eax, %eax
	outb	%al, %dx
	hlt

msg:	.asciz	"bench guest up\n"

	.section .note.Xen, "a"
	.align	4
	.long	4			/* name size: "Xen\0" */
	.long	4			/* descriptor size */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.align	4
	.long	_start
