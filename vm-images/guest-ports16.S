/* guest-ports16.S - 1000 port writes and nothing else, so that
 * mini-vmm --stats shows 1000 exits of reason IO at port 0x80: the
 * VM-exit loop, counted. */
	.code16
	.text
	.globl _start
_start:
	mov	$1000, %cx
1:	outb	%al, $0x80		/* the POST port: one VM-exit each */
	loop	1b
	hlt
