/* guest-pit16.S - the in-kernel 8254 PIT: channel 0 at 1 kHz on IRQ 0,
 * ten ticks counted by an interrupt handler while the guest sleeps in HLT,
 * then exit status 10.  Neither the ticks nor the HLTs reach mini-vmm:
 * the timer, the PIC and HLT all stay in the kernel (--stats shows it). */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	movw	$tick, 8*4		/* IRQ 0 = vector 8 */
	movw	$0, 8*4+2
	mov	$0x11, %al		/* 8259: as in guest-irq16.S */
	outb	%al, $0x20
	mov	$0x08, %al
	outb	%al, $0x21
	mov	$0x04, %al
	outb	%al, $0x21
	mov	$0x01, %al
	outb	%al, $0x21
	mov	$0xfe, %al		/* only IRQ 0 */
	outb	%al, $0x21
	/* PIT channel 0, lobyte/hibyte, mode 2 (rate generator):
	 * 1193182 Hz / 1193 = 1 kHz */
	mov	$0x34, %al
	outb	%al, $0x43
	mov	$1193 & 0xff, %al
	outb	%al, $0x40
	mov	$1193 >> 8, %al
	outb	%al, $0x40
	movw	$0, ticks
	sti
1:	hlt
	cmpw	$10, ticks
	jb	1b
	mov	$0x501, %dx
	mov	ticks, %ax
	outb	%al, %dx

tick:
	incw	ticks
	mov	$0x20, %al
	outb	%al, $0x20
	iret

ticks:	.word	0
