#!/usr/bin/env bash
# vm-images/kernel-debian.sh FLAVOUR OUTDIR - a Debian kernel for mini-vmm,
# fetched and unpacked, never installed on this host.
#
#   FLAVOUR cloud    linux-image-cloud-amd64: a small kernel for guests, LZ4
#                    compressed (fast to decompress, even under TCG)
#   FLAVOUR generic  linux-image-amd64: the one with kvm.ko and kvm-amd.ko,
#                    used as the L1 kernel of `make test-nested`
#
# Writes OUTDIR/kernel-FLAVOUR.bzImage, OUTDIR/kernel-FLAVOUR.version and,
# unpacked beside them, OUTDIR/kernel-FLAVOUR.root/ (the package's files:
# /lib/modules/... for the generic flavour), and
# OUTDIR/kernel-FLAVOUR.vmlinux: the ELF kernel inside the bzImage, extracted
# by the kit itself (its payload is found through the setup header's
# payload_offset/payload_length fields, then decompressed), so that
# mini-vmm's ELF loader has a real vmlinux to boot.
#
# apt-get download needs the package lists (apt-get update, done by make deps).
set -euo pipefail
flavour=${1:?usage: kernel-debian.sh cloud|generic OUTDIR}
out=${2:?usage: kernel-debian.sh cloud|generic OUTDIR}
case $flavour in
cloud) meta=linux-image-cloud-amd64 ;;
generic) meta=linux-image-amd64 ;;
*) echo "kernel-debian.sh: flavour must be cloud or generic, not '$flavour'" >&2; exit 2 ;;
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The meta package depends on the versioned one, e.g. linux-image-6.1.0-56-cloud-amd64.
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	echo "kernel-debian.sh: apt-cache knows no $meta: run apt-get update (make deps)" >&2
	exit 1
fi
work=$(mktemp -d "$out/.kernel-$flavour.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get -o APT::Sandbox::User=root download "$pkg" >/dev/null)
dpkg-deb -x "$work"/*.deb "$work/root"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-*)
version=${vmlinuz##*/vmlinuz-}
rm -rf "$out/kernel-$flavour.root"
mv "$work/root" "$out/kernel-$flavour.root"
cp "$out/kernel-$flavour.root/boot/vmlinuz-$version" "$out/kernel-$flavour.bzImage"
echo "$version" >"$out/kernel-$flavour.version"

{
	# setup_header.payload_offset (0x248) and payload_length (0x24c) are
	# relative to the protected-mode part, which starts after
	# (setup_sects + 1) * 512 bytes (setup_sects at 0x1f1).
	img=$out/kernel-$flavour.bzImage
	u8() { od -An -tu1 -j "$1" -N1 "$img" | tr -d ' '; }
	u32() { od -An -tu4 -j "$1" -N4 "$img" | tr -d ' '; }
	setup_sects=$(u8 $((0x1f1)))
	[ "$setup_sects" -ne 0 ] || setup_sects=4
	start=$(((setup_sects + 1) * 512 + $(u32 $((0x248)))))
	len=$(u32 $((0x24c)))
	magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' ')
	case $magic in
	02214c18) unpack="lz4 -dc" ;; # LZ4 legacy frame, as the kernel writes it
	28b52ffd) unpack="zstd -dc" ;;
	fd377a58) unpack="xz -dc" ;;
	1f8b*) unpack="gzip -dc" ;;
	*) echo "kernel-debian.sh: unknown compression (magic $magic) in $img" >&2; exit 1 ;;
	esac
	# The payload length includes a 4-byte size trailer some tools dislike.
	tail -c +$((start + 1)) "$img" | head -c "$len" | $unpack >"$work/vmlinux" 2>/dev/null || true
	if [ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
		echo "kernel-debian.sh: could not extract an ELF vmlinux from $img" >&2
		exit 1
	fi
	mv "$work/vmlinux" "$out/kernel-$flavour.vmlinux"
}
echo "kernel-debian.sh: $pkg -> $out/kernel-$flavour.bzImage"
