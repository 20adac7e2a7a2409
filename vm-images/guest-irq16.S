/* guest-irq16.S - the UART's interrupt, IRQ 4, through the in-kernel PIC
 * (run with mini-vmm --irqchip).  The guest programs the 8259 PIC to map
 * IRQ 0-7 to vectors 8-15, points vector 12 (IRQ 4) at its handler, asks
 * the UART for the "transmitter empty" interrupt and sleeps in HLT.  The
 * handler reads IIR to see why it was called:
 *   THR empty     print a line, then ask for "data received" instead;
 *   data received read the byte (typed on mini-vmm's stdin), print it, and
 *                 exit with the byte as status.
 * Nothing here polls: every step after HLT is driven by an interrupt that
 * mini-vmm raised with KVM_IRQ_LINE. */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	movw	$irq4, 12*4		/* IVT entry 12: offset */
	movw	$0, 12*4+2		/* and segment */
	/* 8259 master: ICW1 (edge, ICW4 follows), vectors from 8, slave
	 * on IRQ 2, 8086 mode; then mask everything but IRQ 4. */
	mov	$0x11, %al
	outb	%al, $0x20
	mov	$0x08, %al
	outb	%al, $0x21
	mov	$0x04, %al
	outb	%al, $0x21
	mov	$0x01, %al
	outb	%al, $0x21
	mov	$0xef, %al
	outb	%al, $0x21
	/* UART: OUT2 (gates the IRQ on a PC), then IER = THR empty. */
	mov	$0x3fc, %dx
	mov	$0x08, %al
	outb	%al, %dx
	mov	$0x3f9, %dx
	mov	$0x02, %al
	outb	%al, %dx
	sti
1:	hlt				/* sleeps in KVM until IRQ 4 */
	jmp	1b

irq4:
	mov	$0x3fa, %dx		/* IIR: why were we called? */
	inb	%dx, %al
	and	$0x0f, %al
	cmp	$0x02, %al
	je	thre
	cmp	$0x04, %al
	je	rx
	jmp	eoi
thre:
	mov	$msg_thre, %si
	call	puts
	mov	$0x3f9, %dx		/* IER = data received only */
	mov	$0x01, %al
	outb	%al, %dx
	jmp	eoi
rx:
	mov	$msg_rx, %si
	call	puts
	mov	$0x3f8, %dx		/* RBR: the byte that arrived */
	inb	%dx, %al
	mov	%al, %bl
	outb	%al, %dx		/* echo it */
	mov	$'\n', %al
	outb	%al, %dx
	mov	$0x501, %dx		/* debug-exit with the byte */
	mov	%bl, %al
	outb	%al, %dx
eoi:
	mov	$0x20, %al		/* end of interrupt to the PIC */
	outb	%al, $0x20
	iret

puts:	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	ret

msg_thre: .asciz "IRQ 4: transmitter empty\n"
msg_rx:	.asciz	"IRQ 4: received "
