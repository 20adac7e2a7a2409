/* SPDX-License-Identifier: MIT */
/*
 * boot.c - the simplest loader: a flat binary copied into guest RAM.
 *
 * Article: §1.2.  Because guest RAM is memory of the VMM process, "loading
 * a program into the VM" is reading a file into a buffer at the right
 * offset: there is no firmware, no disk and no boot sector.  The test
 * guests of chapter 01 are such flat binaries (vm-images/guest-*).
 *
 * Left out: formats with headers; Linux images are linux.c's job.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/kvm_boot.h"

int kit_boot_load_raw(struct kit_vm *vm, const char *path, uint64_t addr,
		      struct kit_err *err)
{
	_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *dst;
	off_t done = 0;

	if (fd < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "open guest image %s", path);
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "stat guest image %s", path);
	}
	if (!S_ISREG(st.st_mode))
		return kit_err_set(err, EINVAL, "give a regular file",
				   "load guest image %s", path);
	dst = kit_vm_gpa(vm, addr, (uint64_t)st.st_size);
	if (!dst)
		return kit_err_set(err, EFBIG,
				   "the image does not fit in guest RAM at that address: "
				   "raise --memory or lower --load",
				   "load %lld bytes of %s at 0x%llx into %llu MiB",
				   (long long)st.st_size, path, (unsigned long long)addr,
				   (unsigned long long)(vm->mem_size >> 20));
	while (done < st.st_size) {
		ssize_t n = read(fd, dst + done, (size_t)(st.st_size - done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			return kit_err_set(err, e,
					   n < 0 ? NULL : "the file shrank while read",
					   "read guest image %s", path);
		}
		done += n;
	}
	return 0;
}
