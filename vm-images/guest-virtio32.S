/* guest-virtio32.S - a virtio driver in 60 instructions: the guest of
 * mini-vmm --raw --mode protected --virtio-console (tests, stage 6).
 *
 * Protected mode, flat segments, no paging.  It does what Linux's
 * virtio_pci does, without the PCI scan (the BAR is where mini-vmm always
 * puts it, 0xe0000000): reset, accept VIRTIO_F_VERSION_1, give the
 * transmit queue (1) its three rings, enable it, DRIVER_OK; then one
 * buffer, one notify, and the text leaves through the virtqueue.  At the
 * end it writes the device status to the debug-exit port: 0x0f when all
 * went well, with 0x40 (DEVICE_NEEDS_RESET) when the device refused.
 *
 * The first byte at MODE (0x100ff0 + 0) chooses a hostile chain when set
 * (the test patches it): the buffer's address is then 0xfffff000, outside
 * the guest's RAM, and mini-vmm must refuse it without reading there. */
	.code32
	.text
	.globl _start
	.set	BAR, 0xe0000000
	.set	DESC, 0x10000
	.set	AVAIL, 0x11000
	.set	USED, 0x12000
_start:
	movb	$0, BAR + 0x14			/* status: reset */
	movb	$3, BAR + 0x14			/* ACKNOWLEDGE | DRIVER */
	movl	$1, BAR + 0x08			/* driver_feature_select: bits 32-63 */
	movl	$1, BAR + 0x0c			/* VIRTIO_F_VERSION_1 */
	movb	$0x0b, BAR + 0x14		/* | FEATURES_OK */
	movw	$1, BAR + 0x16			/* queue_select: transmitq */
	movw	$8, BAR + 0x18			/* queue_size */
	movl	$DESC, BAR + 0x20
	movl	$0, BAR + 0x24
	movl	$AVAIL, BAR + 0x28
	movl	$0, BAR + 0x2c
	movl	$USED, BAR + 0x30
	movl	$0, BAR + 0x34
	movw	$1, BAR + 0x1c			/* queue_enable */
	movb	$0x0f, BAR + 0x14		/* | DRIVER_OK */

	/* desc[0] = { msg, len, flags 0, next 0 }, or the hostile address */
	movl	$msg, %eax
	cmpb	$0, mode
	je	1f
	movl	$0xfffff000, %eax
1:	movl	%eax, DESC
	movl	$0, DESC + 4
	movl	$(msg_end - msg), DESC + 8
	movl	$0, DESC + 12
	movw	$0, AVAIL + 4			/* ring[0] = head 0 */
	movw	$1, AVAIL + 2			/* idx = 1: one chain available */
	movw	$1, BAR + 0x2004		/* notify queue 1: one VM-exit */

	movzbl	BAR + 0x14, %eax		/* the device's status */
	mov	$0x501, %dx
	outb	%al, %dx			/* debug-exit: the VM ends here */
2:	hlt
	jmp	2b

mode:	.byte	0
msg:	.ascii	"Hello from a virtqueue!\n"
msg_end:
