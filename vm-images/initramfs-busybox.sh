#!/usr/bin/env bash
# vm-images/initramfs-busybox.sh OUT.cpio INIT [DIR...] - a busybox initramfs.
#
# The root holds Debian's statically linked busybox (package busybox-static,
# fetched with apt-get download and unpacked, never installed), the usual
# directories, INIT as /init, and the contents of every DIR (copied in as
# they are: e.g. kernel modules and a static mini-vmm for the nested test).
# Written as an uncompressed cpio archive in the "newc" format, the one the
# kernel unpacks into its initial rootfs; uncompressed because
# decompression costs more than it saves on a fast VMM and much more under
# TCG.  Files are owned by root whoever builds the archive.
set -euo pipefail
out=${1:?usage: initramfs-busybox.sh OUT.cpio INIT [DIR...]}
init=${2:?usage: initramfs-busybox.sh OUT.cpio INIT [DIR...]}
shift 2
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(cd "$(dirname "$out")" && pwd)/.initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get -o APT::Sandbox::User=root download busybox-static >/dev/null)
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc,usr/bin,usr/sbin}
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
# The applets are links to busybox, made here so /init can use them at once.
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$init" "$root/init"
for dir in "$@"; do
	cp -a "$dir/." "$root/"
done
# The console must exist before devtmpfs is mounted: the kernel opens
# /dev/console for init's stdin/stdout from the cpio itself.  (mknod needs
# root, as make images does.)
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 >"$work/out.cpio")
mv "$work/out.cpio" "$out"
echo "initramfs-busybox.sh: $out ($(du -h "$out" | cut -f1))"
