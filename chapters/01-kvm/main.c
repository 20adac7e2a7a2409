/* SPDX-License-Identifier: MIT */
/*
 * mini-vmm - a virtual machine monitor on /dev/kvm, from a 16-bit "hello"
 * to booting a Linux bzImage to a shell on its serial console.
 *
 * Article: §1.1-1.4.  The article's start-up diagram, as this program
 * runs it:
 *
 *   QEMU starts and creates the virtual hardware   -> steps 1-2
 *     KVM takes over CPU and memory virtualization -> step 3
 *       the VM runs in VMX non-root mode           -> step 4 (KVM_RUN)
 *         I/O or an interrupt: VM-exit to KVM      -> kit_vm_run()
 *           KVM tells QEMU to emulate the device   -> common/kvm/serial.c ...
 *
 *   mini-vmm --raw build/images/guest-hello16.bin          # real mode
 *   mini-vmm --raw guest-sum64.bin --mode long --stats      # a C guest
 *   mini-vmm --kernel vmlinuz --initrd initrd.cpio          # Linux
 *
 * Each step is one call into common/kvm/, where the ioctls are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/err.h"
#include "kit/kvm.h"
#include "kit/kvm_boot.h"
#include "kit/log.h"

static const char *prog = "mini-vmm";

/* What Linux needs to hear to use our machine: a serial console on the
 * 8250, reboot through the keyboard controller, no PCI probing, and the
 * i8042 driver kept from waiting for a keyboard that is not there. */
#define DEFAULT_APPEND                                                                   \
	"console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux "               \
	"i8042.nopnp i8042.dumbkbd"
/* With --virtio-console the kernel must scan PCI to find it. */
#define VIRTIO_APPEND                                                                    \
	"console=ttyS0 reboot=k panic=-1 i8042.noaux i8042.nomux i8042.nopnp "           \
	"i8042.dumbkbd"

struct options {
	const char *raw, *kernel, *initrd, *append;
	enum kit_cpu_mode mode;
	bool mode_set, irqchip, stats, virtio_console;
	uint64_t load, entry, memory;
	unsigned kick_ms;
	bool load_set, entry_set;
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --raw FILE [--mode real|protected|long] [--load ADDR] [--entry ADDR]\n"
		"       %s --kernel IMAGE [--initrd FILE] [--append CMDLINE]\n"
		"\n"
		"Run a virtual machine on /dev/kvm.  Its serial console (an 8250 UART at\n"
		"0x3f8) is our stdin and stdout; on a terminal, Ctrl-A x quits.\n"
		"\n"
		"  -r, --raw FILE         a flat binary guest, copied to --load\n"
		"  -M, --mode MODE        the CPU mode it starts in: real (default),\n"
		"                         protected, long (the VMM sets up the GDT and\n"
		"                         identity page tables)\n"
		"      --load ADDR        where the binary goes (default 0x7c00 in real\n"
		"                         mode, 0x100000 otherwise)\n"
		"      --entry ADDR       the first instruction (default: --load)\n"
		"      --irqchip          give a raw guest the in-kernel PIC, IOAPIC,\n"
		"                         LAPIC and PIT (then HLT sleeps until an\n"
		"                         interrupt instead of ending the guest)\n"
		"  -k, --kernel IMAGE     a Linux bzImage or ELF vmlinux (64-bit boot)\n"
		"  -i, --initrd FILE      its initramfs\n"
		"  -a, --append CMDLINE   its command line (default: \"%s\")\n"
		"  -m, --memory SIZE      guest RAM: bytes with K, M or G, or MiB\n"
		"                         (default 256M)\n"
		"  -s, --stats            on exit, print the VM-exits by reason and by\n"
		"                         port, and the time spent on them (stderr)\n"
		"      --virtio-console   add a PCI bus with a virtio console: the guest's\n"
		"                         /dev/hvc0 (needs its virtio_pci and\n"
		"                         virtio_console drivers) also writes to stdout;\n"
		"                         its BAR is at 0xe0000000, IRQ 10\n"
		"      --kick MS          leave KVM_RUN every MS milliseconds: works around\n"
		"                         lost wake-ups under nested virtualization (QEMU TCG)\n"
		"  -v, --verbose          say what each step does (stderr)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Ports: a guest may write its exit status to 0x%x (debug-exit) and any\n"
		"byte to 0x%x (boot-timer: the time since start is printed).\n"
		"\n"
		"Exit status: 0 when the guest halts, reboots or powers off; the value\n"
		"written to the debug-exit port; 1 when the VM or the guest fails; 2 on\n"
		"a usage error.\n",
		prog, prog, DEFAULT_APPEND, KIT_PORT_DEBUG_EXIT, KIT_PORT_BOOT_TIMER);
	exit(status);
}

static void __attribute__((noreturn)) bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\ntry '%s --help'\n", prog);
	exit(2);
}

static uint64_t parse_addr(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		bad_usage("%s: not an address (decimal, or hex with 0x)", opt);
	return v;
}

/* "256M", "1G", "65536K"; a bare number is MiB, as QEMU's -m. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 20;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		bad_usage("--memory %s: not a size (e.g. 256M, 1G)", s);
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		end++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		end++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		end++;
		break;
	case '\0': break;
	default: bad_usage("--memory %s: the unit must be K, M or G", s);
	}
	if (*end || v == 0 || v > (1ull << 40) >> shift)
		bad_usage("--memory %s: not a size between 1 MiB and 1 TiB", s);
	v <<= shift;
	if (v < (1u << 20) || v % 4096)
		bad_usage("--memory %s: give at least 1 MiB, in whole 4 KiB pages", s);
	return v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_LOAD = 0x100, OPT_ENTRY, OPT_IRQCHIP, OPT_KICK, OPT_VIRTIO };
	static const struct option longopts[] = {
		{ "raw", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'M' },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "irqchip", no_argument, NULL, OPT_IRQCHIP },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "memory", required_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 's' },
		{ "kick", required_argument, NULL, OPT_KICK },
		{ "virtio-console", no_argument, NULL, OPT_VIRTIO },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	o->memory = 256ull << 20;
	while ((c = getopt_long(argc, argv, "r:M:k:i:a:m:svh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->raw = optarg; break;
		case 'M':
			if (kit_cpu_mode_parse(optarg, &o->mode) < 0)
				bad_usage("--mode %s: say real, protected or long",
					  optarg);
			o->mode_set = true;
			break;
		case OPT_LOAD:
			o->load = parse_addr("--load", optarg);
			o->load_set = true;
			break;
		case OPT_ENTRY:
			o->entry = parse_addr("--entry", optarg);
			o->entry_set = true;
			break;
		case OPT_IRQCHIP: o->irqchip = true; break;
		case OPT_VIRTIO: o->virtio_console = true; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 'm': o->memory = parse_size(optarg); break;
		case 's': o->stats = true; break;
		case OPT_KICK:
			o->kick_ms = (unsigned)parse_addr("--kick", optarg);
			if (o->kick_ms == 0 || o->kick_ms > 60000)
				bad_usage("--kick %s: give 1 to 60000 milliseconds",
					  optarg);
			break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2); /* getopt already said what was wrong */
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!o->raw == !o->kernel)
		bad_usage("%s", "give either --raw FILE or --kernel IMAGE");
	if (o->raw && (o->initrd || o->append))
		bad_usage("%s", "--initrd and --append go with --kernel");
	if (o->kernel && (o->mode_set || o->load_set || o->entry_set))
		bad_usage("%s", "--mode, --load and --entry go with --raw");
	if (!o->load_set)
		o->load = o->mode == KIT_CPU_REAL ? 0x7c00 : 0x100000;
	if (!o->entry_set)
		o->entry = o->load;
	if (o->raw && o->mode == KIT_CPU_REAL && o->entry >= 0x100000)
		bad_usage("%s", "--entry: real mode reaches only the first MiB");
	if (o->virtio_console && o->raw && o->mode == KIT_CPU_REAL)
		bad_usage("%s", "--virtio-console: the BAR at 0xe0000000 is out of real "
				"mode's reach; use --mode protected or long");
	if (!o->append)
		o->append = o->virtio_console ? VIRTIO_APPEND : DEFAULT_APPEND;
}

/* Steps 2-3 for a flat binary: copy it in, point the vCPU at it. */
static int load_raw(struct kit_vm *vm, const struct options *o, struct kit_err *err)
{
	/* The stack: below the image in real mode (as a BIOS leaves it for a
	 * boot sector), at 512 KiB otherwise. */
	uint64_t sp = o->mode == KIT_CPU_REAL ? o->load : 0x80000;
	int ret;

	if (o->mode != KIT_CPU_REAL && o->load < KIT_BOOT_PAGING_END)
		return kit_err_set(err, EINVAL,
				   "the VMM's GDT and page tables live there",
				   "load a guest at 0x%llx, below 0x%x",
				   (unsigned long long)o->load, KIT_BOOT_PAGING_END);
	if ((ret = kit_boot_load_raw(vm, o->raw, o->load, err)) < 0)
		return ret;
	kit_info("loaded %s at 0x%llx", o->raw, (unsigned long long)o->load);
	return kit_vcpu_setup(vm, o->mode, o->entry, sp, err);
}

static int exit_status(const struct kit_vm *vm)
{
	switch (vm->stop) {
	case KIT_VM_DEBUG_EXIT:
		kit_info("the guest wrote %d to the debug-exit port", vm->exit_status);
		return vm->exit_status;
	case KIT_VM_HALTED: kit_info("the guest halted"); return 0;
	case KIT_VM_RESET: kit_info("the guest reset or powered off"); return 0;
	default: return 1;
	}
}

/* Bytes each console moved, and the VM-exits that cost: what virtio saves. */
static void print_devices(const struct kit_vm *vm)
{
	const struct kit_serial *s = &vm->serial;
	const struct kit_virtio_dev *d = &vm->vcon.vdev;

	fprintf(stderr,
		"console serial: %llu bytes out in %llu exits (%.2f bytes/exit); "
		"%llu bytes in\n",
		(unsigned long long)s->tx_bytes, (unsigned long long)s->exits,
		s->exits ? (double)s->tx_bytes / (double)s->exits : 0.0,
		(unsigned long long)s->rx_bytes);
	if (!vm->vcon.enabled)
		return;
	fprintf(stderr,
		"console virtio: %llu bytes out in %llu exits (%.2f bytes/exit); %llu "
		"buffers, %llu notifies, %llu interrupts\n",
		(unsigned long long)vm->vcon.tx_bytes, (unsigned long long)d->exits,
		d->exits ? (double)vm->vcon.tx_bytes / (double)d->exits : 0.0,
		(unsigned long long)vm->vcon.tx_chains, (unsigned long long)d->notifies,
		(unsigned long long)d->irqs);
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct kit_vm_config cfg = { .console_in = STDIN_FILENO,
				     .console_out = STDOUT_FILENO };
	struct kit_err err = { 0 };
	struct kit_linux_image img = { 0 };
	struct kit_vm vm;
	char state[2048];
	int ret, status;

	kit_log_init(prog);
	parse_args(argc, argv, &opt);
	cfg.mem_size = opt.memory;
	cfg.irqchip = opt.irqchip || opt.kernel;
	cfg.kick_ms = opt.kick_ms;
	cfg.virtio_console = opt.virtio_console;

	/* 1. The VM: /dev/kvm, RAM, a vCPU, the devices. */
	if (kit_vm_init(&vm, &cfg, &err) < 0)
		kit_die(prog, &err);
	kit_info("VM with %llu MiB of RAM, %s in-kernel irqchip",
		 (unsigned long long)(opt.memory >> 20), cfg.irqchip ? "an" : "no");

	/* 2-3. The guest into RAM, the vCPU at its first instruction. */
	if (opt.raw)
		ret = load_raw(&vm, &opt, &err);
	else
		ret = kit_linux_boot_files(&vm, opt.kernel, opt.initrd, opt.append, &img,
					   &err);
	if (ret < 0) {
		kit_vm_release(&vm);
		kit_die(prog, &err);
	}
	if (opt.kernel)
		kit_info(
			"kernel (%s, boot protocol %x.%02x) at 0x%llx, entry 0x%llx; initrd "
			"%llu bytes at 0x%llx",
			img.is_elf ? "ELF" : "bzImage", img.version >> 8,
			img.version & 0xff, (unsigned long long)img.kernel_addr,
			(unsigned long long)img.entry,
			(unsigned long long)img.initrd_size,
			(unsigned long long)img.initrd_addr);

	/* 4. Run: KVM_RUN until the guest stops, handling every VM-exit. */
	ret = kit_vm_start_console(&vm, &err);
	if (ret == 0)
		ret = kit_vm_run(&vm, &err);
	if (ret < 0) {
		kit_vm_describe(&vm, state, sizeof(state));
		fprintf(stderr, "%s: %s\n%s", prog, err.msg, state);
	}
	status = ret < 0 ? 1 : exit_status(&vm);
	if (opt.stats) {
		kit_stats_print(&vm.stats, stderr);
		print_devices(&vm);
	}
	kit_vm_release(&vm);
	return status;
}
