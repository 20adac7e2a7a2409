#!/bin/sh
# /init of the L1 initramfs of `make test-nested` (tools: vm-images/nested-test.sh).
#
# L1 is a Debian kernel running under QEMU's TCG with an emulated AMD SVM.
# It loads KVM from its own modules, which gives it a /dev/kvm that can boot
# Linux, and runs the static mini-vmm on the L2 kernel and initramfs in
# /l2, once per line of /l2/cases.  mini-vmm's output is the console's; its
# exit status is printed as "KIT-NESTED-STATUS: N" for the test to read.  Then L1 reboots, which ends
# QEMU (-no-reboot).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
CASE_TIMEOUT=$(cat /l2/case-timeout 2>/dev/null || echo 120)
# mini-vmm --kick: see common/kvm/vm.c (lost wake-ups under TCG's SVM).
KICK=$(cat /l2/kick 2>/dev/null)
# Keep L2's vCPU thread on one L1 CPU (see test-nested.sh).
PIN=$(cat /l2/pin 2>/dev/null)
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# If L1 itself stops (QEMU's emulated SVM once left a vCPU stuck for good),
# panic with the stacks on the console: panic=-1 then reboots, which ends
# QEMU at once, and test-nested.sh says which case L1 stopped in.
echo 1 >/proc/sys/kernel/panic_on_rcu_stall
echo 1 >/proc/sys/kernel/softlockup_panic
echo "KIT-L1-INIT: $(cut -d' ' -f1 /proc/uptime) s"
# Dependencies first (modinfo -F depends gives the order).
for m in irqbypass kvm ccp kvm-amd; do
	if ! insmod "/modules/$m.ko"; then
		echo "KIT-NESTED-STATUS: insmod $m failed"
		reboot -f
	fi
done
if [ ! -c /dev/kvm ]; then
	echo "KIT-NESTED-STATUS: no /dev/kvm in L1 (is +svm in QEMU's -cpu?)"
	reboot -f
fi
echo "KIT-L1-KVM: $(cut -d' ' -f1 /proc/uptime) s"
# /l2/cases: one line per L2 boot,
# "name|kernel|command line|stdin|initrd (default initrd.cpio)|mini-vmm flags".
while IFS='|' read -r name kernel cmdline input initrd flags; do
	echo "KIT-CASE: $name at $(cut -d' ' -f1 /proc/uptime) s"
	# NESTED_FAULT=CASE (test-nested.sh's self-test): L1 crashes here.
	if [ "$(cat /l2/crash-in 2>/dev/null)" = "$name" ]; then
		echo c >/proc/sysrq-trigger
	fi
	# shellcheck disable=SC2086 # $PIN, $KICK and $flags are words, or nothing
	printf '%s\n' "$input" | $PIN /bin/mini-vmm --kernel "$kernel" \
		--initrd "/l2/${initrd:-initrd.cpio}" --append "$cmdline" --stats $KICK $flags &
	vmm=$!
	# A watchdog: a stuck L2 shows its registers (SIGUSR2), then ends.  A
	# mini-vmm that even SIGKILL cannot end is stuck in L1's kernel: show
	# L1's tasks and CPUs and reboot L1 ("KIT-L1-STUCK" tells the test).
	(
		sleep "$CASE_TIMEOUT"; kill -USR2 $vmm; sleep 2; kill -USR2 $vmm; sleep 1
		kill $vmm; sleep 10; kill -KILL $vmm; sleep 10
		echo "KIT-L1-STUCK: mini-vmm (pid $vmm) outlived SIGKILL for 10 s"
		dmesg -n 7; echo w >/proc/sysrq-trigger; echo l >/proc/sysrq-trigger
		reboot -f
	) 2>/dev/null &
	dog=$!
	wait $vmm
	status=$?
	kill $dog 2>/dev/null
	echo "KIT-NESTED-STATUS: $status at $(cut -d' ' -f1 /proc/uptime) s"
done </l2/cases
reboot -f
