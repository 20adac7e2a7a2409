#!/bin/sh
# /init of the busybox initramfs that mini-vmm boots (vm-images/initramfs-busybox.sh).
#
# Mounts proc, sys and dev, prints the marker the tests wait for, tells the
# VMM through its boot-timer port (0x504) that init runs, then gives the
# serial console a shell.  Leaving the shell, or `reboot`, reboots: with
# reboot=k the kernel pulses the i8042 reset line and mini-vmm exits 0.
#
# Kernel command line words it reads:
#   kit.halt        no shell: reboot right after the marker (tests, bench)
#   kit.exit=N      no shell: leave through the debug-exit port (0x501)
#                   with status N
#   kit.run=CMD     run CMD (spaces as commas), then reboot
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
# One byte to an I/O port (kit-outb: vm-images/initramfs-outb.c).
outb() { kit-outb "$1" "$2"; }

# Drivers that are modules of this kernel (the virtio console's, added by
# test-nested.sh as a second cpio archive): /lib/modules/kit/order names
# them, dependencies first.  insmod, not modprobe: no modules.dep here.
if [ -f /lib/modules/kit/order ]; then
	for m in $(cat /lib/modules/kit/order); do
		insmod "/lib/modules/kit/$m.ko" || echo "KIT-INIT: insmod $m failed"
	done
fi
echo "KIT-INIT-OK: busybox init on Linux $(uname -r)"
outb $((0x504)) 1

halt=no exit="" run=""
# shellcheck disable=SC2013 # the command line is words
for word in $(cat /proc/cmdline); do
	case $word in
	kit.halt) halt=yes ;;
	kit.exit=*) exit=${word#kit.exit=} ;;
	kit.run=*) run=$(echo "${word#kit.run=}" | tr , ' ') ;;
	esac
done
if [ -n "$run" ]; then
	sh -c "$run"
	echo "KIT-RUN-STATUS: $?"
	halt=yes
fi
if [ -n "$exit" ]; then
	outb $((0x501)) "$exit"
fi
if [ "$halt" = no ]; then
	# A shell with the console as its controlling terminal (^C works);
	# it ends at "exit", or when the VMM's input ends and it reads EOF.
	setsid cttyhack sh -l
fi
reboot -f
