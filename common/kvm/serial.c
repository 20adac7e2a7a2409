/* SPDX-License-Identifier: MIT */
/*
 * serial.c - an 8250/16550A UART at 0x3f8 on IRQ 4: the guest's console.
 *
 * Article: §1.3.  This is what "QEMU emulates the devices" means in
 * practice: every register access of the guest's serial driver is a
 * VM-exit, and this file decides what the register reads as.  Linux's 8250
 * driver (drivers/tty/serial/8250) drives it as it would a real chip:
 *
 *   +0 RBR/THR (DLL with LCR.DLAB)   +4 MCR  modem control, loopback
 *   +1 IER     (DLM with LCR.DLAB)   +5 LSR  line status: data ready, THR empty
 *   +2 IIR (read) / FCR (write)      +6 MSR  modem status
 *   +3 LCR     line control          +7 SCR  scratch
 *
 * Transmission is instant: a byte written to THR goes to the output fd at
 * once, so the transmitter is always empty (LSR.THRE and TEMT stay set) and
 * "THR empty" is an interrupt the guest can ask for at any time.
 *
 * Interrupts: the UART's output is level-like, "an interrupt is pending",
 * i.e. IIR bit 0 is clear; we tell the in-kernel PIC/IOAPIC whenever that
 * changes (KVM_IRQ_LINE on IRQ 4).  ISA interrupts are edge-triggered, so
 * when the driver re-enables an interrupt in IER while one is already
 * pending we lower and raise the line again: Linux's 8250 driver relies on
 * getting an interrupt when it sets IER.THRI with the transmitter empty.
 *
 * Left out: baud rates (any divisor is accepted and ignored), parity and
 * framing errors, the modem lines beyond loopback, and FIFO trigger levels.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kit/kvm.h"

#define IER_RDI      0x01 /* received data available */
#define IER_THRI     0x02 /* transmitter holding register empty */
#define IIR_NONE     0x01 /* no interrupt pending */
#define IIR_THRI     0x02
#define IIR_RDI      0x04
#define IIR_FIFO     0xc0 /* FIFOs enabled: a 16550A */
#define LCR_DLAB     0x80
#define LSR_DR       0x01 /* data ready */
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MCR_OUT2     0x08 /* on a PC, gates the UART's IRQ line */
#define MCR_LOOP     0x10
#define FCR_FIFO     0x01
#define FCR_CLEAR_RX 0x02

void kit_serial_init(struct kit_serial *s, struct kit_vm *vm, int out_fd)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->vm = vm;
	s->out_fd = out_fd;
	s->irq_level = -1;
	s->msr = 0xb0; /* DCD, DSR, CTS: a cable with someone at the other end */
}

void kit_serial_release(struct kit_serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

uint8_t kit_serial_iir(const struct kit_serial *s)
{
	uint8_t fifo = (s->fcr & FCR_FIFO) ? IIR_FIFO : 0;

	/* LAB 01.4: which interrupt is pending, as IIR reads.
	 * The 16550A reports the highest-priority pending cause only:
	 * received data (IIR_RDI) if IER_RDI is enabled and s->rx_len > 0,
	 * else "THR empty" (IIR_THRI) if IER_THRI is enabled and
	 * s->thr_empty_irq is set, else IIR_NONE.  Always OR in @fifo.
	 * Stub: return fifo | IIR_NONE;
	 * Why: bit 0 clear means "interrupt pending": serial_update_irq()
	 * turns exactly that into the level of IRQ 4.  An interrupt the
	 * guest did not enable in IER must not be reported, or its handler
	 * loops forever on a cause it cannot clear.
	 */
	if ((s->ier & IER_RDI) && s->rx_len > 0)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_empty_irq)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
	/* END LAB */
}

/* Tell the interrupt controller whether an interrupt is pending now.
 * @pulse: lower the line first even if it is already high (a new edge). */
static void serial_update_irq(struct kit_serial *s, bool pulse)
{
	int level = (kit_serial_iir(s) & IIR_NONE) ? 0 : 1;

	if (pulse && level && s->irq_level == 1)
		kit_vm_irq_line(s->vm, KIT_SERIAL_IRQ, 0);
	else if (level == s->irq_level)
		return;
	if (kit_vm_irq_line(s->vm, KIT_SERIAL_IRQ, level) == 0 && level)
		s->irqs++;
	s->irq_level = level;
}

/* The guest sent a byte: out it goes, or back in when looped back. */
static void transmit(struct kit_serial *s, uint8_t byte)
{
	if (s->mcr & MCR_LOOP) {
		if (s->rx_len < KIT_SERIAL_RX)
			s->rx[(s->rx_head + s->rx_len++) % KIT_SERIAL_RX] = byte;
	} else if (s->out_fd >= 0) {
		/* A console nobody reads must not stop the guest: errors are
		 * dropped, as bytes on a disconnected line are. */
		while (write(s->out_fd, &byte, 1) < 0 && errno == EINTR)
			;
	}
	s->tx_bytes++;
	s->thr_empty_irq = true; /* sent at once: THR is empty again */
}

static uint8_t receive(struct kit_serial *s)
{
	uint8_t byte;

	if (s->rx_len == 0)
		return 0;
	byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % KIT_SERIAL_RX;
	s->rx_len--;
	return byte;
}

static uint8_t serial_read(struct kit_serial *s, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case 0: return (s->lcr & LCR_DLAB) ? s->dll : receive(s);
	case 1: return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case 2:
		v = kit_serial_iir(s);
		/* Reading IIR acknowledges a "THR empty" interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			s->thr_empty_irq = false;
		return v;
	case 3: return s->lcr;
	case 4: return s->mcr;
	case 5: return (s->rx_len ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | s->lsr_extra;
	case 6:
		if (s->mcr & MCR_LOOP) /* RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((s->mcr & 0x02) << 3) | ((s->mcr & 0x01) << 5) |
					 ((s->mcr & 0x04) << 4) | ((s->mcr & 0x08) << 4));
		return s->msr;
	default: return s->scr;
	}
}

/* Returns true when the write may need a fresh interrupt edge. */
static bool serial_write(struct kit_serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case 0:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			transmit(s, v);
		return false;
	case 1:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			return false;
		}
		/* Enabling THRI with the transmitter empty raises it at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_empty_irq = true;
		s->ier = v & 0x0f;
		return true;
	case 2:
		s->fcr = v;
		if (v & FCR_CLEAR_RX)
			s->rx_len = 0;
		return false;
	case 3: s->lcr = v; return false;
	case 4: s->mcr = v & 0x1f; return false;
	case 7: s->scr = v; return false;
	default: return false; /* LSR and MSR are read-only */
	}
}

void kit_serial_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		   uint8_t *data, unsigned size)
{
	struct kit_serial *s = dev;

	(void)vm;
	pthread_mutex_lock(&s->lock);
	s->exits++;
	/* A wider access touches the following registers, one byte each. */
	for (unsigned i = 0; i < size && offset + i < 8; i++) {
		unsigned reg = (unsigned)offset + i;

		if (is_write)
			serial_update_irq(s, serial_write(s, reg, data[i]));
		else {
			data[i] = serial_read(s, reg);
			serial_update_irq(s, false);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

size_t kit_serial_receive(struct kit_serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_len < KIT_SERIAL_RX) {
		s->rx[(s->rx_head + s->rx_len++) % KIT_SERIAL_RX] = buf[n++];
		s->rx_bytes++;
	}
	serial_update_irq(s, false);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t kit_serial_wants_input(struct kit_serial *s)
{
	size_t room = 0;

	pthread_mutex_lock(&s->lock);
	/* Linux's 8250 driver sets OUT2 only when a program opens the port,
	 * after its last FIFO reset.  IER alone is not enough: probing the
	 * chip at boot writes 0x0f to IER for a moment, and bytes taken then
	 * are thrown away when the port is opened (seen: the nested shell
	 * test's piped command lost, about one run in eight under load). */
	if ((s->ier & IER_RDI) && (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP))
		room = KIT_SERIAL_RX - s->rx_len;
	pthread_mutex_unlock(&s->lock);
	return room;
}
