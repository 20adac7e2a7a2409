# chapters/04-container/chapter.mk - included by the top Makefile.
# Article §2.4 Cgroups with Namespace: mini-container.

PROGRAMS += mini-container
mini-container_SRCS := chapters/04-container/main.c chapters/04-container/run.c \
		       chapters/04-container/init.c
# run.c and init.c share container.h and run.h.  A lab's copy of run.c
# (make grade) lives elsewhere and finds them through this -I.
$(BUILD)/obj/chapters/04-container/%.o: INCLUDES += -Ichapters/04-container

# chroot-escape, the program that climbs out of a chroot (escape.c).  It
# runs inside the busybox root, which has no libc: linked statically, and
# never with the sanitizers (they cannot be linked statically).
$(BUILD)/bin/chroot-escape: chapters/04-container/escape.c
	@mkdir -p $(@D)
	$(CC) $(WARNINGS) -O2 -static -o $@ $< $(LDFLAGS)
all programs: $(BUILD)/bin/chroot-escape

# The busybox root filesystem from Debian's busybox-static (unpacked, not
# installed: see vm-images/busybox-rootfs.sh).  The stamp is written last;
# the recipe is run again when it changes, and rebuilds only then.
IMAGES += $(BUILD)/images/busybox/rootfs.stamp
$(BUILD)/images/busybox/rootfs.stamp: vm-images/busybox-rootfs.sh
	vm-images/busybox-rootfs.sh $(@D)

# Unit tests of common/rootfs.c replace these calls (pivot_root goes
# through syscall(2): glibc has no wrapper).
test_rootfs_WRAP := mount umount2 syscall chroot chdir mknod

# The fuzzer of the root path check (tests/fuzz/fuzz_rootfs.c).
fuzz_rootfs_LIB := common/rootfs.c common/lab.c common/err.c

# libc6-dev: the static libc for chroot-escape; dpkg and apt: dpkg-deb and
# apt-get download for the image; binutils: readelf; util-linux: script,
# unshare, chroot, setpriv for the tests; cgroup-tools: cgcreate, cgexec
# for the benchmark's peer (the article's one-liner); python3: the pty
# test of Ctrl-C.
DEBIAN_PKGS += libc6-dev dpkg apt binutils util-linux coreutils cgroup-tools python3
