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
 * the guest enables the receive interrupt (its driver opened the port), and
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

/* ---- the VM (vm.c) -------------------------------------------------------- */

enum kit_vm_stop {
	KIT_VM_RUNNING,
	KIT_VM_HALTED,     /* HLT without an in-kernel irqchip: exit 0 */
	KIT_VM_DEBUG_EXIT, /* the guest wrote KIT_PORT_DEBUG_EXIT */
	KIT_VM_RESET,      /* i8042 reset or a reboot: a clean shutdown */
	KIT_VM_FAILED,     /* triple fault, internal error ...: see kit_vm_run */
};

struct kit_vm_config {
	uint64_t mem_size; /* bytes of guest RAM from address 0 */
	bool irqchip;      /* in-kernel PIC, IOAPIC, LAPIC and PIT */
	int console_in;    /* fd of the guest's serial input, -1: none */
	int console_out;   /* fd of the guest's serial output */
	unsigned kick_ms;  /* > 0: leave KVM_RUN this often (see vm.c) */
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
