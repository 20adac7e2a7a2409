/* guest-mmio32.S - touches guest physical addresses where there is no RAM
 * and no device.  Two loads from 0xd0000000 are MMIO exits that mini-vmm
 * answers with 0xff bytes (warning once); then the guest jumps there.
 * Fetching instructions from MMIO is something KVM cannot emulate:
 * KVM_EXIT_INTERNAL_ERROR, which mini-vmm reports with the registers. */
	.code32
	.text
	.globl _start
_start:
	mov	0xd0000000, %eax
	mov	0xd0000000, %ebx
	cmp	$0xffffffff, %ebx	/* reads gave all-ones? then jump */
	jne	1f
	jmp	*target
1:	mov	$0x501, %dx
	mov	$3, %al
	outb	%al, %dx

target:	.long	0xd0000000
