/* SPDX-License-Identifier: MIT */
/*
 * kit/kvm.h - a virtual machine monitor on /dev/kvm: one VM, one vCPU, the
 * devices a Linux guest needs on its serial console, and the VM-exit loop.
 *
 * Article: §1.1 (VM-exits), §1.2 (the hypervisor is a process), §1.3 (the
 * device model beside KVM).  Chapter 01 (`mini-vmm`) teaches it; chapter 08
 * (`mini-kata`) reuses it.  As in sysprog21/kvm-host, each device is one
 * file under common/kvm/ and is embedded by value in struct kit_vm:
 *
 *   vm.c       open /dev/kvm, memory, vCPU, in-kernel irqchip and PIT,
 *              the exit loop (kit_vm_run) and the port/MMIO bus
 *   cpu.c      real, protected and long mode set-up; the register dump
 *   stats.c    exits counted by reason and by port, with the time spent
 *   serial.c   an 8250/16550A UART at 0x3f8, IRQ 4
 *   i8042.c    the keyboard controller, for its reset line
 *   rtc.c      the CMOS clock, so that Linux finds the date at once
 *   ports.c    the boot-timer and debug-exit ports
 *   pci.c      a PCI host bridge: configuration mechanism #1 at 0xcf8
 *   virtqueue.c split virtqueues in guest memory, every descriptor checked
 *   virtio_pci.c the virtio 1.x PCI transport: capabilities, BAR, INTx
 *   virtio_console.c a virtio console (/dev/hvc0) on that transport
 *   boot.c     loading raw images, bzImage and ELF vmlinux (kit/kvm_boot.h)
 *
 * Contract of the whole: library functions return 0 or -errno with a
 * struct kit_err; nothing here exits or prints, except the serial device,
 * which writes the guest's console to the fd it was given, and warnings
 * through kit/log.h (an unknown port, once).
 *
 * Left out: more than one vCPU, ACPI, migration, and every device the
 * article's QEMU has that a console-only Linux guest does not need.
 */
#ifndef KIT_KVM_H
#define KIT_KVM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kit/err.h"

struct kit_vm;

/* ---- the I/O bus (vm.c) ------------------------------------------------- */

/*
 * A device's port or MMIO handler.  @data holds @size bytes (1, 2, 4 or 8):
 * for a write the guest's value, for a read the handler fills it in
 * (little-endian, as x86 is).  @offset is relative to the device's base.
 */
typedef void kit_io_fn(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		       uint8_t *data, unsigned size);

struct kit_io_range {
	uint64_t base, len;
	const char *name; /* "serial", shown by --stats and in warnings */
	kit_io_fn *fn;
	void *dev;
};

#define KIT_VM_MAX_RANGES 16

/* ---- exit statistics (stats.c) ------------------------------------------ */

/* One line of the --stats table: exits of one reason, or at one port. */
struct kit_exit_count {
	uint64_t key;     /* exit reason, or port/MMIO address */
	uint64_t count;   /* how many exits */
	uint64_t bytes;   /* bytes moved through the port (I/O and MMIO) */
	uint64_t ns;      /* time the VMM spent handling them */
	const char *name; /* device name for ports, NULL for reasons */
	bool is_write;    /* ports: out (true) or in (false) */
	bool is_mmio;     /* ports: an MMIO address */
};

#define KIT_STATS_REASONS 64
#define KIT_STATS_PORTS   64

struct kit_vm_stats {
	struct kit_exit_count reasons[KIT_STATS_REASONS]; /* indexed by reason */
	struct kit_exit_count ports[KIT_STATS_PORTS];     /* first come, first kept */
	unsigned nports;
	uint64_t exits;       /* all exits */
	uint64_t run_ns;      /* time inside KVM_RUN (the guest and KVM) */
	uint64_t handle_ns;   /* time handling exits in the VMM */
	uint64_t other_ports; /* port exits not in the table (it was full) */
	int last;             /* ports[] entry of the exit being handled, or -1 */
};

/* kit_stats_init - empty counters. */
void kit_stats_init(struct kit_vm_stats *st);

/*
 * kit_stats_count_io - while handling an I/O or MMIO exit: account it to
 * @addr (port or address), its direction and the bytes moved; @name is the
 * device's (NULL: unclaimed).  Then kit_stats_count - account the exit of
 * @reason that took @ns to handle (to the port too, if one was named).
 */
void kit_stats_count(struct kit_vm_stats *st, uint32_t reason, uint64_t ns);
void kit_stats_count_io(struct kit_vm_stats *st, uint64_t addr, bool is_mmio,
			bool is_write, unsigned bytes, uint64_t ns, const char *name);

/* kit_stats_print - the --stats report, sorted by count, to @out. */
void kit_stats_print(const struct kit_vm_stats *st, FILE *out);

/* kit_exit_reason_name - "IO" for KVM_EXIT_IO; "UNKNOWN(99)"-style if new. */
const char *kit_exit_reason_name(uint32_t reason);

/* ---- 8250 UART (serial.c) ----------------------------------------------- */

#define KIT_SERIAL_COM1 0x3f8
#define KIT_SERIAL_IRQ  4
#define KIT_SERIAL_RX   256 /* bytes the receive buffer holds */

struct kit_serial {
	pthread_mutex_t lock; /* the input thread and the vCPU share it */
	uint8_t ier, lcr, mcr, lsr_extra, msr, scr, dll, dlm, fcr;
	bool thr_empty_irq; /* the THRE interrupt is pending (until IIR read) */
	uint8_t rx[KIT_SERIAL_RX];
	unsigned rx_head, rx_len;
	int irq_level; /* what we last told the irqchip: -1 never, 0, 1 */
	int out_fd;    /* the guest's console output goes here */
	uint64_t tx_bytes, rx_bytes, irqs;
	uint64_t exits; /* register accesses: each one a VM-exit */
	struct kit_vm *vm;
};

/* kit_serial_init - a UART that writes its output to @out_fd. */
void kit_serial_init(struct kit_serial *s, struct kit_vm *vm, int out_fd);
void kit_serial_release(struct kit_serial *s);

/* kit_serial_io - the port handler for the 8 registers at 0x3f8. */
kit_io_fn kit_serial_io;

/*
 * kit_serial_receive - bytes typed on the host arrive at the UART (any
 * thread).  Returns how many fitted in the receive buffer.
 */
size_t kit_serial_receive(struct kit_serial *s, const uint8_t *buf, size_t len);

/*
 * kit_serial_wants_input - how many bytes the UART can take now: 0 until
 * the guest enables the receive interrupt and sets MCR.OUT2 (its driver
 * opened the port), and
 * never more than the buffer's free room.  The console thread reads its
 * input only that fast, so piped input waits for the guest instead of being
 * flushed when the driver resets the FIFOs.
 */
size_t kit_serial_wants_input(struct kit_serial *s);

/* kit_serial_iir - what the Interrupt Identification Register reads now. */
uint8_t kit_serial_iir(const struct kit_serial *s);

/* ---- i8042 keyboard controller (i8042.c) -------------------------------- */

struct kit_i8042 {
	uint8_t ctr;     /* controller configuration byte */
	uint8_t out;     /* the output buffer (port 0x60) */
	bool out_full;   /* status bit 0 */
	uint8_t pending; /* a command waiting for its data byte, or 0 */
	bool reset;      /* the guest pulsed the CPU reset line */
};

void kit_i8042_init(struct kit_i8042 *k);
kit_io_fn kit_i8042_io; /* ports 0x60 and 0x64 (registered as 0x60..0x64) */

/* ---- CMOS real-time clock (rtc.c) ---------------------------------------- */

struct kit_rtc {
	uint8_t index; /* the register selected through port 0x70 */
};

void kit_rtc_init(struct kit_rtc *rtc);
kit_io_fn kit_rtc_io; /* ports 0x70 and 0x71 */

/* ---- boot-timer and debug-exit ports (ports.c) -------------------------- */

/* The guest writes here once when its init runs: the VMM says when. */
#define KIT_PORT_BOOT_TIMER 0x504
/* A value written here ends the VM; it becomes mini-vmm's exit status. */
#define KIT_PORT_DEBUG_EXIT 0x501

kit_io_fn kit_boot_timer_io;
kit_io_fn kit_debug_exit_io;

/* ---- PCI host bridge, configuration mechanism #1 (pci.c) --------------- */

#define KIT_PCI_CONFIG_PORT 0xcf8 /* address at 0xcf8, data at 0xcfc..0xcff */
#define KIT_PCI_SLOTS       4     /* devices on bus 0: 00:00.0 .. 00:03.0 */

/* One PCI function's 256-byte configuration space and its BARs. */
struct kit_pci_dev {
	uint8_t cfg[256];
	uint32_t bar_size[6]; /* 0: no such BAR; else a power of two */
	uint32_t bar_addr[6]; /* where the VMM put it, with the flag bits */
};

struct kit_pci {
	uint32_t addr;           /* what the guest last wrote to 0xcf8 */
	struct kit_pci_dev host; /* 00:00.0, the host bridge */
	struct kit_pci_dev *slot[KIT_PCI_SLOTS];
};

/* kit_pci_init - a bus with the host bridge in slot 0. */
void kit_pci_init(struct kit_pci *pci);

/* kit_pci_add - plug @dev into @slot (1 .. KIT_PCI_SLOTS-1); -EBUSY/-EINVAL. */
int kit_pci_add(struct kit_pci *pci, unsigned slot, struct kit_pci_dev *dev);

/* kit_pci_io - the port handler for 0xcf8..0xcff. */
kit_io_fn kit_pci_io;

/* ---- split virtqueues (virtqueue.c) --------------------------------------- */

#define KIT_VQ_MAX_SIZE  256        /* entries per queue we offer */
#define KIT_VQ_MAX_BYTES (1u << 24) /* bytes one chain may describe (16 MiB) */

/* Guest RAM as the virtqueue code sees it: tests pass a plain buffer. */
struct kit_guest_mem {
	uint8_t *base;
	uint64_t size;
};

/* One split virtqueue, as the driver configured it (virtio 1.x §2.7). */
struct kit_vq {
	unsigned index;             /* which queue of the device (messages) */
	uint16_t size;              /* entries: a power of two */
	bool ready;                 /* the driver enabled it */
	bool broken;                /* a hostile chain was refused: no more */
	uint64_t desc, avail, used; /* guest physical addresses of the rings */
	uint16_t last_avail;        /* next avail ring entry to take */
	uint16_t used_idx;          /* our copy of used->idx */
};

/* One buffer of a chain: already checked to lie inside guest RAM. */
struct kit_vq_buf {
	uint64_t addr;
	uint32_t len;
	bool device_writes; /* VIRTQ_DESC_F_WRITE: for the device to fill */
};

struct kit_vq_chain {
	uint16_t head;               /* what goes back in the used ring */
	unsigned n;                  /* buffers */
	uint64_t readable, writable; /* bytes of each kind */
	struct kit_vq_buf buf[KIT_VQ_MAX_SIZE];
};

/*
 * kit_vq_check_rings - @q's size is a power of two up to KIT_VQ_MAX_SIZE
 * and its three rings lie inside @m.  Done when the driver enables it.
 */
int kit_vq_check_rings(const struct kit_vq *q, const struct kit_guest_mem *m,
		       struct kit_err *err);

/*
 * kit_vq_pop - take the next chain the driver made available.  Returns 1
 * and fills @c, 0 when there is none, or -errno with @err when the chain is
 * hostile: a head or next index out of range, a loop (more links than the
 * queue has entries), a buffer outside guest RAM, more than
 * KIT_VQ_MAX_BYTES in all, an indirect descriptor (not offered), a
 * readable buffer after a writable one, or an avail index that ran more
 * than a queue ahead.  The queue is then marked broken.
 */
int kit_vq_pop(struct kit_vq *q, const struct kit_guest_mem *m, struct kit_vq_chain *c,
	       struct kit_err *err);

/* kit_vq_push - give chain @head back with @written bytes filled in. */
int kit_vq_push(struct kit_vq *q, const struct kit_guest_mem *m, uint16_t head,
		uint32_t written, struct kit_err *err);

/* kit_vq_wants_interrupt - the driver did not set VIRTQ_AVAIL_F_NO_INTERRUPT. */
bool kit_vq_wants_interrupt(const struct kit_vq *q, const struct kit_guest_mem *m);

/* ---- the virtio 1.x PCI transport (virtio_pci.c) ------------------------ */

#define KIT_VIRTIO_MAX_QUEUES 2
#define KIT_VIRTIO_BAR        0xe0000000u /* BAR 0, above RAM, below the IOAPIC */
#define KIT_VIRTIO_BAR_SIZE   0x4000u
#define KIT_VIRTIO_PCI_SLOT   1
#define KIT_VIRTIO_IRQ        10 /* INTA#: an ISA IRQ, as on QEMU's PIIX */

struct kit_virtio_dev;
/* A device's half: @q was notified; or its config space was accessed. */
typedef void kit_virtio_notify_fn(struct kit_virtio_dev *d, unsigned q);
typedef void kit_virtio_config_fn(struct kit_virtio_dev *d, uint64_t offset,
				  bool is_write, uint8_t *data, unsigned size);

struct kit_virtio_dev {
	struct kit_pci_dev pci;
	struct kit_vm *vm;
	const char *name;
	uint64_t features;        /* offered: VIRTIO_F_VERSION_1 and the device's */
	uint64_t driver_features; /* accepted by the driver */
	uint32_t dfselect, gfselect;
	uint8_t status, isr;
	uint16_t queue_sel;
	unsigned nqueues;
	struct kit_vq vq[KIT_VIRTIO_MAX_QUEUES];
	int irq_level;
	kit_virtio_notify_fn *notify;
	kit_virtio_config_fn *config;
	uint64_t exits, notifies, irqs; /* MMIO exits, queue kicks, interrupts */
};

/* kit_virtio_init - a modern virtio PCI function for device type @id. */
void kit_virtio_init(struct kit_virtio_dev *d, struct kit_vm *vm, const char *name,
		     uint16_t id, unsigned nqueues, uint64_t features);

/* kit_virtio_mmio - the handler of BAR 0 (common cfg, notify, ISR, device cfg). */
kit_io_fn kit_virtio_mmio;

/* kit_virtio_mem - guest RAM as struct kit_guest_mem. */
struct kit_guest_mem kit_virtio_mem(const struct kit_virtio_dev *d);

/* kit_virtio_interrupt - used buffers for the driver: ISR bit 0, INTx up. */
void kit_virtio_interrupt(struct kit_virtio_dev *d);

/*
 * kit_virtio_fail - a hostile chain: say why (once), set DEVICE_NEEDS_RESET
 * and tell the driver through a configuration-change interrupt.
 */
void kit_virtio_fail(struct kit_virtio_dev *d, const struct kit_err *err);

/* ---- virtio console (virtio_console.c) ------------------------------------ */

struct kit_virtio_console {
	struct kit_virtio_dev vdev; /* first: the transport finds us from it */
	bool enabled;
	int out_fd;
	uint64_t tx_bytes, tx_chains;
};

/* kit_virtio_console_init - a console writing what the guest sends to @out_fd. */
void kit_virtio_console_init(struct kit_virtio_console *c, struct kit_vm *vm, int out_fd);

/* ---- the VM (vm.c) -------------------------------------------------------- */

enum kit_vm_stop {
	KIT_VM_RUNNING,
	KIT_VM_HALTED,     /* HLT without an in-kernel irqchip: exit 0 */
	KIT_VM_DEBUG_EXIT, /* the guest wrote KIT_PORT_DEBUG_EXIT */
	KIT_VM_RESET,      /* i8042 reset or a reboot: a clean shutdown */
	KIT_VM_FAILED,     /* triple fault, internal error ...: see kit_vm_run */
};

struct kit_vm_config {
	uint64_t mem_size;   /* bytes of guest RAM from address 0 */
	bool irqchip;        /* in-kernel PIC, IOAPIC, LAPIC and PIT */
	int console_in;      /* fd of the guest's serial input, -1: none */
	int console_out;     /* fd of the guest's serial output */
	unsigned kick_ms;    /* > 0: leave KVM_RUN this often (see vm.c) */
	bool virtio_console; /* a PCI bus with a virtio console (/dev/hvc0) */
};

struct kit_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run; /* the vCPU's shared page(s), mmap'd */
	size_t run_size;
	uint8_t *mem; /* guest physical 0 .. mem_size-1 */
	uint64_t mem_size;
	bool irqchip;
	bool timed; /* --stats asked for timings */

	/* Devices, embedded by value: their lifetime is the VM's. */
	struct kit_serial serial;
	struct kit_i8042 i8042;
	struct kit_rtc rtc;
	struct kit_pci pci;             /* with virtio_console only */
	struct kit_virtio_console vcon; /* vcon.enabled says */

	struct kit_io_range pio[KIT_VM_MAX_RANGES], mmio[KIT_VM_MAX_RANGES];
	unsigned npio, nmmio;
	uint64_t warned[8]; /* unknown ports already warned about (bitmap, 512) */

	struct kit_vm_stats stats;
	uint64_t started_ns; /* CLOCK_MONOTONIC when kit_vm_init began */

	enum kit_vm_stop stop;
	int exit_status; /* KIT_VM_DEBUG_EXIT: the value written */

	unsigned kick_ms;
	int console_in, stop_fd; /* the input thread reads console_in */
	pthread_t input_thread;
	bool input_running;
	bool console_raw;    /* console_in is a terminal we put in raw mode */
	uint8_t escape_prev; /* the previous input byte: Ctrl-A x quits */
};

/*
 * kit_vm_init - open /dev/kvm, check its API version, create a VM with
 * @cfg->mem_size bytes of RAM in one memory slot and one vCPU, the in-kernel
 * irqchip and PIT when asked, and the devices.  The caller owns @vm (often
 * on its stack) and must call kit_vm_release() after a success; after a
 * failure nothing is held.  Returns 0 or -errno with @err.
 */
int kit_vm_init(struct kit_vm *vm, const struct kit_vm_config *cfg, struct kit_err *err);

/* kit_vm_release - stop the input thread, unmap and close everything. */
void kit_vm_release(struct kit_vm *vm);

/*
 * kit_vm_add_pio / kit_vm_add_mmio - claim @len ports (addresses) from
 * @base for a device.  Returns 0, or -ENOSPC when the bus is full.
 */
int kit_vm_add_pio(struct kit_vm *vm, const struct kit_io_range *r, struct kit_err *err);
int kit_vm_add_mmio(struct kit_vm *vm, const struct kit_io_range *r, struct kit_err *err);

/*
 * kit_vm_start_console - start the thread that feeds @vm's console input
 * into the UART.  A terminal is put in raw mode
 * until kit_vm_release(); Ctrl-A then x ends the VM.  Returns 0 or -errno.
 */
int kit_vm_start_console(struct kit_vm *vm, struct kit_err *err);

/*
 * kit_vm_run - run the vCPU until the guest stops: the VM-exit loop.
 * Returns 0 when the guest stopped by itself (vm->stop says how, and
 * vm->exit_status is the status mini-vmm should exit with), or -errno when
 * it failed: a triple fault, a KVM internal error, a failed entry, an exit
 * the VMM cannot handle.  @err then says which; kit_vm_describe() adds the
 * registers and the instruction bytes.
 */
int kit_vm_run(struct kit_vm *vm, struct kit_err *err);

/*
 * kit_vm_irq_line - set interrupt line @irq of the in-kernel irqchip to
 * @level (KVM_IRQ_LINE).  Returns 0 or -errno; -ENODEV without irqchip.
 */
int kit_vm_irq_line(struct kit_vm *vm, unsigned irq, int level);

/*
 * kit_vm_gpa - a host pointer to @len bytes of guest RAM at guest physical
 * address @gpa, or NULL if any of them is outside RAM.  Every access the
 * VMM makes to guest memory on behalf of a guest or an image goes through
 * here: the check is what keeps a hostile guest or kernel image inside.
 */
static inline void *kit_vm_gpa(struct kit_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

/* kit_vm_now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t kit_vm_now_ns(void);

/* ---- the vCPU's modes and state (cpu.c) --------------------------------- */

enum kit_cpu_mode { KIT_CPU_REAL, KIT_CPU_PROTECTED, KIT_CPU_LONG };

/* Where the VMM puts the tables a protected- or long-mode guest needs. */
#define KIT_BOOT_GDT         0x1000 /* 4 descriptors */
#define KIT_BOOT_PML4        0x2000 /* then a PDPT and four page directories */
#define KIT_BOOT_PAGING_END  0x8000
#define KIT_BOOT_IDENTITY_GB 4 /* identity-mapped with 2 MiB pages */

/* The selectors of that GDT. */
#define KIT_SEL_CODE 0x10
#define KIT_SEL_DATA 0x18

/* kit_cpu_mode_parse - "real" -> KIT_CPU_REAL; -EINVAL for other words. */
int kit_cpu_mode_parse(const char *word, enum kit_cpu_mode *mode);

/*
 * kit_vcpu_setup - point the vCPU at @entry in @mode with the stack at @sp:
 *   real       CS:IP = (entry >> 4 & 0xf000):(the rest), all else 0;
 *   protected  flat 4 GiB segments from a GDT at KIT_BOOT_GDT, CR0.PE;
 *   long       the same GDT with a 64-bit code segment, identity page
 *              tables for the first KIT_BOOT_IDENTITY_GB GiB at
 *              KIT_BOOT_PML4, CR0.PE|PG, CR4.PAE, EFER.LME|LMA.
 * The tables are written into guest RAM (which must reach
 * KIT_BOOT_PAGING_END).  Returns 0 or -errno with @err.
 */
int kit_vcpu_setup(struct kit_vm *vm, enum kit_cpu_mode mode, uint64_t entry, uint64_t sp,
		   struct kit_err *err);

/* kit_vcpu_write_gdt/_page_tables - the two steps of the above, alone (tests). */
void kit_vcpu_write_gdt(uint8_t *mem, bool long_mode);
void kit_vcpu_write_page_tables(uint8_t *mem);

/* kit_vcpu_set_cpuid - give the vCPU what KVM supports (Linux needs it). */
int kit_vcpu_set_cpuid(struct kit_vm *vm, struct kit_err *err);

/*
 * kit_vm_describe - the vCPU's registers, segments, control registers and
 * the bytes at CS:RIP, several lines, into @buf (always NUL-terminated).
 * What a failed guest leaves for the student to read.
 */
void kit_vm_describe(struct kit_vm *vm, char *buf, size_t size);

#endif /* KIT_KVM_H */
