/* SPDX-License-Identifier: MIT */
/*
 * vm.c - a virtual machine is a process: open /dev/kvm, make a VM with one
 * memory slot and one vCPU, then loop on KVM_RUN and handle its exits.
 *
 * Article: §1.1 (the CPU runs the guest in VMX non-root mode until it does
 * something privileged: a VM-exit), §1.2 (KVM turns Linux into the
 * hypervisor; each VM is an ordinary process), §1.3 (KVM does CPU and
 * memory, user space does the devices: the exit loop below hands port and
 * MMIO accesses to them).  The order of kit_vm_init() is the order of the
 * KVM API:
 *
 *   open("/dev/kvm")  -> KVM_GET_API_VERSION, KVM_CREATE_VM
 *   mmap RAM          -> KVM_SET_USER_MEMORY_REGION (slot 0 at address 0)
 *   [irqchip]         -> KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2
 *   vCPU              -> KVM_CREATE_VCPU, mmap its struct kvm_run
 *
 * and kit_vm_run() is the article's diagram: KVM_RUN returns on a VM-exit,
 * we handle it, we call KVM_RUN again.
 *
 * Left out: several vCPUs (one thread each, plus IPIs), several memory
 * slots (a PCI hole below 4 GiB), dirty logging, ioeventfd/irqfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kit/kvm.h"
#include "kit/lab.h"
#include "kit/log.h"

/* Where Intel's VMX keeps its real-mode TSS (3 pages); QEMU's address. */
#define TSS_ADDR 0xfffbd000

uint64_t kit_vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- hints: what each KVM failure usually means -------------------------- */

static const char *kvm_open_hint(int e)
{
	switch (e) {
	case ENOENT:
		return "no /dev/kvm: enable VT-x/AMD-V in the firmware and load "
		       "kvm_intel or kvm_amd; in a cloud VM enable nested "
		       "virtualization (or use make test-nested)";
	case EACCES:
	case EPERM:
		return "run as root, or join the group that owns /dev/kvm "
		       "(usually kvm)";
	default: return NULL;
	}
}

static const char *kvm_create_vm_hint(int e)
{
	switch (e) {
	case EBUSY: return "another hypervisor (VirtualBox, VMware) holds VT-x/AMD-V";
	case ENOMEM: return "out of memory for a new VM";
	case EINVAL: return "this kernel does not know the machine type asked for";
	default: return NULL;
	}
}

static const char *set_memory_hint(int e)
{
	switch (e) {
	case EINVAL:
		return "the guest address, size and host address must be "
		       "page-aligned, and slots must not overlap";
	case EFAULT: return "the host address is not mapped memory of this process";
	case EEXIST: return "a slot already covers this guest address";
	default: return NULL;
	}
}

static const char *irqchip_hint(int e)
{
	switch (e) {
	case EEXIST: return "the VM already has an irqchip (or PIT)";
	case EINVAL: return "create the irqchip before the first vCPU";
	case ENOTTY: return "this KVM has no in-kernel irqchip";
	default: return NULL;
	}
}

/* ---- creating and releasing the VM -------------------------------------- */

/*
 * The first thing any VMM does: talk to /dev/kvm, make an empty VM, and
 * give it RAM.  Guest RAM is ordinary memory of this process: KVM maps it
 * into the guest's physical address space at 0.
 */
static int create_vm_and_memory(struct kit_vm *vm, uint64_t mem_size, struct kit_err *err)
{
	/* TODO lab 01.1: create the VM and give it RAM.
	 * 1. ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) must return
	 *    KVM_API_VERSION (12); otherwise fail with EINVAL, "check KVM
	 *    API version".
	 * 2. vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0); on failure
	 *    "create VM" with kvm_create_vm_hint(e).
	 * 3. vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
	 *    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0); set
	 *    vm->mem_size; on failure "allocate N MiB of guest RAM".
	 * 4. KVM_SET_USER_MEMORY_REGION on vm->vm_fd with a struct
	 *    kvm_userspace_memory_region: slot 0, guest_phys_addr 0,
	 *    memory_size mem_size, userspace_addr (uintptr_t)vm->mem; on
	 *    failure "map guest RAM" with set_memory_hint(e).
	 */
	(void)vm; (void)mem_size; (void)kvm_create_vm_hint; (void)set_memory_hint;
	return kit_lab_todo(err, "01.1");
	return 0;
}

/*
 * The interrupt controllers and the timer live in the kernel: the 8259
 * PICs, the IOAPIC, the vCPU's local APIC, and the 8254 PIT.  A guest that
 * halts then sleeps in the kernel until an interrupt comes, and HLT no
 * longer reaches us.
 */
static int create_irqchip(struct kit_vm *vm, struct kit_err *err)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		int e = errno;

		return kit_err_set(err, e, irqchip_hint(e), "create in-kernel irqchip");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		int e = errno;

		return kit_err_set(err, e, irqchip_hint(e), "create in-kernel PIT");
	}
	vm->irqchip = true;
	return 0;
}

static int create_vcpu(struct kit_vm *vm, struct kit_err *err)
{
	int size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "create vCPU 0");
	}
	/* The kernel and we share struct kvm_run: exit reason and data. */
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		int e = size < 0 ? errno : EINVAL;

		return kit_err_set(err, e, NULL, "get the size of struct kvm_run");
	}
	vm->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		int e = errno;

		vm->run = NULL;
		return kit_err_set(err, e, NULL, "map the vCPU's struct kvm_run");
	}
	vm->run_size = (size_t)size;
	return 0;
}

/* Reads of these ports are answered 0xff without a warning: a Linux guest
 * probes them all, and finding nothing there is the expected answer. */
static const struct {
	uint16_t base, len;
	const char *name;
} quiet_ports[] = {
	{ 0x2f8, 8, "absent COM2" },    { 0x3e8, 8, "absent COM3" },
	{ 0x2e8, 8, "absent COM4" },    { 0x80, 1, "POST/io-delay" },
	{ 0xcf8, 8, "absent PCI" },     { 0x92, 1, "absent port 92" },
	{ 0x87, 1, "absent DMA page" },
};

static void absent_io(struct kit_vm *vm, void *dev, uint64_t offset, bool is_write,
		      uint8_t *data, unsigned size)
{
	(void)vm;
	(void)dev;
	(void)offset;
	if (!is_write)
		memset(data, 0xff, size);
}

static int add_devices(struct kit_vm *vm, struct kit_err *err)
{
	const struct kit_io_range ranges[] = {
		{ KIT_SERIAL_COM1, 8, "serial", kit_serial_io, &vm->serial },
		{ 0x60, 5, "i8042", kit_i8042_io, &vm->i8042 },
		{ 0x70, 2, "rtc", kit_rtc_io, &vm->rtc },
		{ KIT_PORT_BOOT_TIMER, 1, "boot-timer", kit_boot_timer_io, NULL },
		{ KIT_PORT_DEBUG_EXIT, 2, "debug-exit", kit_debug_exit_io, NULL },
	};
	int ret;

	/* The PCI bus first: its 0xcf8 then wins over the "absent PCI" below. */
	if (vm->vcon.enabled) {
		struct kit_io_range pci = { KIT_PCI_CONFIG_PORT, 8, "pci", kit_pci_io,
					    &vm->pci };
		struct kit_io_range bar = { KIT_VIRTIO_BAR, KIT_VIRTIO_BAR_SIZE,
					    "virtio-console", kit_virtio_mmio,
					    &vm->vcon.vdev };

		if (vm->mem_size > KIT_VIRTIO_BAR)
			return kit_err_set(
				err, EINVAL, "give the guest at most 3.5 GiB",
				"place the virtio BAR at 0x%x above %llu MiB of RAM",
				KIT_VIRTIO_BAR, (unsigned long long)(vm->mem_size >> 20));
		kit_pci_add(&vm->pci, KIT_VIRTIO_PCI_SLOT, &vm->vcon.vdev.pci);
		if ((ret = kit_vm_add_pio(vm, &pci, err)) < 0 ||
		    (ret = kit_vm_add_mmio(vm, &bar, err)) < 0)
			return ret;
	}
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if ((ret = kit_vm_add_pio(vm, &ranges[i], err)) < 0)
			return ret;
	for (size_t i = 0; i < sizeof(quiet_ports) / sizeof(quiet_ports[0]); i++) {
		struct kit_io_range r = { quiet_ports[i].base, quiet_ports[i].len,
					  quiet_ports[i].name, absent_io, NULL };

		if ((ret = kit_vm_add_pio(vm, &r, err)) < 0)
			return ret;
	}
	return 0;
}

int kit_vm_init(struct kit_vm *vm, const struct kit_vm_config *cfg, struct kit_err *err)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->started_ns = kit_vm_now_ns();
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->stop_fd = -1;
	vm->console_in = cfg->console_in;
	vm->kick_ms = cfg->kick_ms;
	kit_serial_init(&vm->serial, vm, cfg->console_out);
	kit_i8042_init(&vm->i8042);
	kit_rtc_init(&vm->rtc);
	if (cfg->virtio_console) {
		kit_pci_init(&vm->pci);
		kit_virtio_console_init(&vm->vcon, vm, cfg->console_out);
	}
	kit_stats_init(&vm->stats);

	/* 1. /dev/kvm is the whole API: a file we ask things with ioctl(). */
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int e = errno;

		ret = kit_err_set(err, e, kvm_open_hint(e), "open /dev/kvm");
		goto fail;
	}
	/* 2. A VM, and RAM for it. */
	if ((ret = create_vm_and_memory(vm, cfg->mem_size, err)) < 0)
		goto fail;
	/* Intel VT-x needs three pages for real mode; AMD ignores it. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		kit_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	/* 3. Interrupt controllers and timer, before any vCPU exists. */
	if (cfg->irqchip && (ret = create_irqchip(vm, err)) < 0)
		goto fail;
	/* 4. One vCPU, what it may know about the host CPU, then devices. */
	if ((ret = create_vcpu(vm, err)) < 0 || (ret = kit_vcpu_set_cpuid(vm, err)) < 0 ||
	    (ret = add_devices(vm, err)) < 0)
		goto fail;
	return 0;
fail:
	/* kit_vm_release() copes with whatever was created so far. */
	kit_vm_release(vm);
	return ret;
}

static void restore_console(struct kit_vm *vm);

void kit_vm_release(struct kit_vm *vm)
{
	if (vm->input_running) {
		uint64_t one = 1;

		if (write(vm->stop_fd, &one, sizeof(one)) < 0)
			kit_debug("stop the input thread: %s", strerror(errno));
		pthread_join(vm->input_thread, NULL);
		vm->input_running = false;
	}
	restore_console(vm);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	kit_serial_release(&vm->serial);
	vm->run = NULL;
	vm->mem = NULL;
	vm->stop_fd = vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = -1;
}

/* ---- the bus ------------------------------------------------------------- */

static int add_range(struct kit_io_range *tab, unsigned *n, const struct kit_io_range *r,
		     const char *bus, struct kit_err *err)
{
	if (*n >= KIT_VM_MAX_RANGES)
		return kit_err_set(err, ENOSPC, "raise KIT_VM_MAX_RANGES",
				   "add %s at %s 0x%llx", r->name, bus,
				   (unsigned long long)r->base);
	tab[(*n)++] = *r;
	return 0;
}

int kit_vm_add_pio(struct kit_vm *vm, const struct kit_io_range *r, struct kit_err *err)
{
	return add_range(vm->pio, &vm->npio, r, "port", err);
}

int kit_vm_add_mmio(struct kit_vm *vm, const struct kit_io_range *r, struct kit_err *err)
{
	return add_range(vm->mmio, &vm->nmmio, r, "MMIO address", err);
}

static struct kit_io_range *find_range(struct kit_io_range *tab, unsigned n,
				       uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= tab[i].base && addr - tab[i].base < tab[i].len)
			return &tab[i];
	return NULL;
}

int kit_vm_irq_line(struct kit_vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = (uint32_t)level };

	if (!vm->irqchip)
		return -ENODEV;
	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0 ? -errno : 0;
}

/* ---- handling exits ------------------------------------------------------ */

/* Say once per address that the guest touched something that is not there. */
static void warn_unknown(struct kit_vm *vm, const char *bus, uint64_t addr, bool is_write,
			 unsigned size)
{
	unsigned bit = (unsigned)(addr % (sizeof(vm->warned) * 8));

	if (vm->warned[bit / 64] & (1ull << (bit % 64)))
		return;
	vm->warned[bit / 64] |= 1ull << (bit % 64);
	kit_warn("guest %s %s 0x%llx (%u bytes): no device there; %s (said once per "
		 "address)",
		 is_write ? "wrote" : "read", bus, (unsigned long long)addr, size,
		 is_write ? "ignored" : "reads return 0xff");
}

/*
 * KVM_EXIT_IO: the guest executed IN or OUT (or INS/OUTS: @count items).
 * The data is in the shared page, at run->io.data_offset.
 */
static void handle_pio(struct kit_vm *vm)
{
	struct kvm_run *run = vm->run;
	struct kit_io_range *r;
	bool out;
	uint8_t *data;

	/* TODO lab 01.2: hand a port access to the device that owns the port.
	 * run->io tells: direction (KVM_EXIT_IO_OUT or _IN), size (1, 2 or
	 * 4 bytes), port, count (more than 1 for rep ins/outs) and
	 * data_offset: the data is at (uint8_t *)run + run->io.data_offset,
	 * count items of size bytes one after the other.  Find the device
	 * with find_range(vm->pio, vm->npio, port) and call
	 * r->fn(vm, r->dev, port - r->base, out, data, size) for each item.
	 * No device: warn_unknown(vm, "port", port, out, size) and, for a
	 * read, fill the item with 0xff (what an empty ISA bus returns).
	 * Count it: kit_stats_count_io(&vm->stats, port, false, out,
	 * size * count, 0, r ? r->name : NULL) (the time is added later).
	 */
	(void)find_range; (void)warn_unknown; (void)r; (void)out; (void)data;
	(void)run;
}

/* KVM_EXIT_MMIO: a load or store to a guest physical address with no RAM. */
static void handle_mmio(struct kit_vm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t addr = run->mmio.phys_addr;
	struct kit_io_range *r = find_range(vm->mmio, vm->nmmio, addr);

	if (r) {
		r->fn(vm, r->dev, addr - r->base, run->mmio.is_write, run->mmio.data,
		      run->mmio.len);
	} else {
		warn_unknown(vm, "MMIO address", addr, run->mmio.is_write, run->mmio.len);
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, run->mmio.len);
	}
	kit_stats_count_io(&vm->stats, addr, true, run->mmio.is_write, run->mmio.len, 0,
			   r ? r->name : NULL);
}

static const char *internal_error_hint(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "KVM could not emulate an instruction (see the bytes "
		       "below); on PVM this is where a stock Linux kernel stops";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "an exception happened while KVM delivered another one";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "KVM could not deliver an event (bad IDT or stack?)";
	default: return "an exit KVM itself did not expect";
	}
}

/* The guest did something we cannot continue after: say what and where. */
static int guest_failed(struct kit_vm *vm, struct kit_err *err)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs regs = { 0 };
	char hint[256];

	ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs); /* best effort: rip below */
	vm->stop = KIT_VM_FAILED;
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		return kit_err_set(err, EIO,
				   "KVM_EXIT_SHUTDOWN: the guest triple-faulted, an "
				   "exception while handling a double fault (bad "
				   "IDT, GDT or page tables?)",
				   "run guest at rip 0x%llx",
				   (unsigned long long)regs.rip);
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(hint, sizeof(hint), "KVM_EXIT_INTERNAL_ERROR suberror %u: %s",
			 run->internal.suberror,
			 internal_error_hint(run->internal.suberror));
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(hint, sizeof(hint),
			 "KVM_EXIT_FAIL_ENTRY: the CPU refused to enter the guest, "
			 "hardware reason 0x%llx (invalid guest state)",
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		snprintf(hint, sizeof(hint),
			 "exit reason %s (%u): mini-vmm does not handle it",
			 kit_exit_reason_name(run->exit_reason), run->exit_reason);
	}
	return kit_err_set(err, EIO, hint, "run guest at rip 0x%llx",
			   (unsigned long long)regs.rip);
}

/* One VM-exit: which device, or is the guest done? */
static int handle_exit(struct kit_vm *vm, struct kit_err *err)
{
	struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO: handle_pio(vm); return 0;
	case KVM_EXIT_MMIO: handle_mmio(vm); return 0;
	case KVM_EXIT_HLT:
		/* Only without the in-kernel irqchip: then HLT is the end. */
		vm->stop = KIT_VM_HALTED;
		vm->exit_status = 0;
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		/* PSCI/ACPI-style shutdown or reset, asked through KVM. */
		vm->stop = KIT_VM_RESET;
		vm->exit_status = 0;
		return 0;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN: return 0;
	default: return guest_failed(vm, err);
	}
}

static const char *kvm_run_hint(int e)
{
	switch (e) {
	case EFAULT: return "guest RAM was unmapped, or a bad memory slot";
	case ENOEXEC: return "the vCPU state is invalid (set up registers first)";
	case ENOMEM: return "out of memory";
	default: return NULL;
	}
}

static int run_loop(struct kit_vm *vm, struct kit_err *err);

/* Ctrl-A x typed on the console sets this; SIGUSR1 interrupts KVM_RUN. */
static volatile sig_atomic_t quit_requested;
/* SIGUSR2 from outside: show where the guest is, then go on. */
static volatile sig_atomic_t dump_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR2)
		dump_requested = 1;
}

/* What `kill -USR2 <pid>` prints: a stuck guest's registers, on stderr. */
static void dump_state(struct kit_vm *vm)
{
	char state[2048];

	dump_requested = 0;
	kit_vm_describe(vm, state, sizeof(state));
	kit_warn("SIGUSR2: the vCPU after %llu exits:\n%s",
		 (unsigned long long)vm->stats.exits, state);
	kit_stats_print(&vm->stats, stderr);
}

/*
 * --kick: a timer that interrupts KVM_RUN every @ms milliseconds; on each
 * tick the VMM also reads the vCPU's pending events (KVM_GET_VCPU_EVENTS).
 * Why (2026-11, QEMU 7.2 TCG emulating AMD SVM, Debian 6.1 as L1): a Linux
 * guest of mini-vmm inside such a VM loses interrupts that are raised while
 * it runs with interrupts off, and then sleeps in HLT forever.  The UART's
 * "THR empty" interrupt is always raised so (the guest's driver enables it
 * under spin_lock_irqsave), and boots got stuck at init's first console
 * write about one time in two.  Leaving KVM_RUN alone did not help; reading
 * the events did, every time (make test-nested, 4 of 4 boots, several
 * runs).  Hardware KVM does not need it, so it is off by default.
 */
static int start_kick_timer(unsigned ms, timer_t *timer, struct kit_err *err)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec its = {
		.it_interval = { .tv_sec = ms / 1000,
				 .tv_nsec = (long)(ms % 1000) * 1000000 },
	};

	sev._sigev_un._tid = gettid(); /* this vCPU thread, not the input one */
	its.it_value = its.it_interval;
	if (timer_create(CLOCK_MONOTONIC, &sev, timer) < 0 ||
	    timer_settime(*timer, 0, &its, NULL) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "start the %u ms kick timer", ms);
	}
	return 0;
}

/* What --kick does on each tick besides leaving KVM_RUN: read the vCPU's
 * pending events (see start_kick_timer for why). */
static void kick_events(struct kit_vm *vm)
{
	struct kvm_vcpu_events events;

	ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &events);
}

int kit_vm_run(struct kit_vm *vm, struct kit_err *err)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	timer_t kick;
	int ret = 0;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (vm->kick_ms && (ret = start_kick_timer(vm->kick_ms, &kick, err)) < 0)
		return ret;
	ret = run_loop(vm, err);
	if (vm->kick_ms)
		timer_delete(kick);
	return ret;
}

static int run_loop(struct kit_vm *vm, struct kit_err *err)
{
	vm->stop = KIT_VM_RUNNING;
	while (vm->stop == KIT_VM_RUNNING) {
		uint64_t t0 = kit_vm_now_ns(), t1;
		int ret;

		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN) {
				/* A signal (--kick, SIGUSR2, Ctrl-A x) ended KVM_RUN. */
				kit_stats_count(&vm->stats, KVM_EXIT_INTR, 0);
				if (vm->kick_ms)
					kick_events(vm);
				if (dump_requested)
					dump_state(vm);
				if (quit_requested) {
					vm->stop = KIT_VM_RESET;
					vm->exit_status = 0;
				}
				continue;
			}
			vm->stop = KIT_VM_FAILED;
			return kit_err_set(err, e, kvm_run_hint(e), "run vCPU (KVM_RUN)");
		}
		t1 = kit_vm_now_ns();
		vm->stats.run_ns += t1 - t0;
		ret = handle_exit(vm, err);
		kit_stats_count(&vm->stats, vm->run->exit_reason, kit_vm_now_ns() - t1);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the console input thread --------------------------------------------- */

static struct termios saved_termios;

static void restore_console(struct kit_vm *vm)
{
	if (vm->console_raw) {
		tcsetattr(vm->console_in, TCSAFLUSH, &saved_termios);
		vm->console_raw = false;
	}
}

struct input_ctx {
	struct kit_vm *vm;
	pthread_t vcpu_thread;
};

static struct input_ctx input_ctx;

/* Feed one chunk of typed bytes to the UART; Ctrl-A x quits. */
static void feed_input(struct kit_vm *vm, pthread_t vcpu, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vm->console_raw && vm->escape_prev == 0x01 && buf[i] == 'x') {
			quit_requested = 1;
			pthread_kill(vcpu, SIGUSR1);
			return;
		}
		vm->escape_prev = buf[i];
	}
	/* A full buffer drops bytes, as a real UART overruns. */
	kit_serial_receive(&vm->serial, buf, n);
}

/*
 * The console thread: bytes from console_in go to the UART, but only as
 * fast as the guest takes them (see kit_serial_wants_input): a line typed or
 * piped before the guest's driver is ready waits in the pipe or terminal.
 */
static void *input_main(void *arg)
{
	struct input_ctx *ctx = arg;
	struct kit_vm *vm = ctx->vm;
	struct pollfd fds[2] = {
		{ .fd = vm->stop_fd, .events = POLLIN },
		{ .fd = vm->console_in, .events = POLLIN },
	};
	uint8_t buf[64];

	for (;;) {
		size_t room = kit_serial_wants_input(&vm->serial);
		/* Not ready: look again in 5 ms, or stop when told. */
		nfds_t n = room && fds[1].fd >= 0 ? 2 : 1;

		if (poll(fds, n, n == 2 ? -1 : 5) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		if (n < 2 || !(fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t got = read(vm->console_in, buf,
				   room < sizeof(buf) ? room : sizeof(buf));

		if (got <= 0 && !(got < 0 && errno == EINTR))
			fds[1].fd = -1; /* end of input: the guest keeps running, deaf */
		else if (got > 0)
			feed_input(vm, ctx->vcpu_thread, buf, (size_t)got);
	}
	return NULL;
}

int kit_vm_start_console(struct kit_vm *vm, struct kit_err *err)
{
	int ret;

	if (vm->console_in < 0)
		return 0;
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_fd < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "create the console's stop eventfd");
	}
	/* A terminal in raw mode: every key goes to the guest as typed. */
	if (isatty(vm->console_in) && tcgetattr(vm->console_in, &saved_termios) == 0) {
		struct termios raw = saved_termios;

		cfmakeraw(&raw);
		if (tcsetattr(vm->console_in, TCSAFLUSH, &raw) == 0)
			vm->console_raw = true;
	}
	input_ctx = (struct input_ctx){ vm, pthread_self() };
	ret = pthread_create(&vm->input_thread, NULL, input_main, &input_ctx);
	if (ret) {
		restore_console(vm);
		return kit_err_set(err, ret, NULL, "start the console input thread");
	}
	vm->input_running = true;
	return 0;
}
