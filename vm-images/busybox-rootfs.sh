#!/usr/bin/env bash
# vm-images/busybox-rootfs.sh OUT - a busybox root filesystem, from Debian.
#
# Writes OUT/rootfs/ (the container's /) and OUT/rootfs.stamp.  Chapter 04's
# `mini-container run --rootfs OUT/rootfs` runs in it; `make images` calls
# this through chapters/04-container/chapter.mk with OUT=build/images/busybox.
#
# Where busybox comes from: Debian's busybox-static package, fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into a work folder.
# Nothing is installed on the host (installing busybox-static would replace
# the host's own busybox package, which initramfs-tools may depend on), any
# user can run the recipe, and the version is whatever Debian ships.  The
# binary is static, so the root filesystem needs no libc and no loader.
#
# What the image holds:
#   bin/busybox                 the one real program
#   bin/sh, bin/ls, usr/bin/... one relative symlink per applet
#                               (busybox --list-full), so they work from the
#                               host and from inside the container alike
#   etc/passwd, etc/group       root, nobody; groups root, tty (5), nogroup
#   etc/hostname                "busybox"
#   proc/ dev/ sys/ tmp/ root/  empty mount points and homes
#
# Idempotent: OUT/rootfs.stamp records the sha256 of this recipe and the
# package version; when the stamp matches and bin/busybox is there, nothing
# is done.  The new tree is built beside the old one and renamed into place,
# so an interrupted build never leaves half an image.
#
# Offline: BUSYBOX_DEB=/path/to/busybox-static_*.deb uses that file instead of
# downloading.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT   (writes OUT/rootfs and OUT/rootfs.stamp)" >&2
	exit 2
fi
out=$1
recipe=$(sha256sum "$0" | cut -d' ' -f1)
stamp=$out/rootfs.stamp

if [ -x "$out/rootfs/bin/busybox" ] && [ -f "$stamp" ] &&
	grep -qx "recipe $recipe" "$stamp"; then
	touch "$stamp" # newer than the recipe: make need not ask again
	echo "busybox rootfs: $out/rootfs is up to date"
	exit 0
fi

mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Fetch the package (or take the one given) and unpack it.
if [ -n "${BUSYBOX_DEB:-}" ]; then
	deb=$BUSYBOX_DEB
else
	echo "busybox rootfs: apt-get download busybox-static"
	# The sandbox user _apt cannot write into a root-only build folder:
	# download as ourselves, which is what we are anyway.
	if ! (cd "$work" && apt-get -q -o APT::Sandbox::User="$(id -un)" \
		download busybox-static); then
		echo "busybox rootfs: apt-get download busybox-static failed:" \
			"run 'sudo apt-get update' (the package lists may be missing)," \
			"or set BUSYBOX_DEB to a busybox-static .deb" >&2
		exit 1
	fi
	deb=$(echo "$work"/busybox-static_*.deb)
fi
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -x "$deb" "$work/pkg"
busybox=$work/pkg/bin/busybox
if [ ! -x "$busybox" ]; then
	echo "busybox rootfs: $deb has no bin/busybox" >&2
	exit 1
fi
# A program with a program interpreter (PT_INTERP) needs ld.so and libc,
# which this image does not have.
if LC_ALL=C readelf -l "$busybox" | grep -q 'Requesting program interpreter'; then
	echo "busybox rootfs: $busybox is dynamically linked: need busybox-static" >&2
	exit 1
fi

# 2. The tree: the binary, one symlink per applet, the empty mount points.
new=$work/rootfs
mkdir -p "$new"/{bin,sbin,usr/bin,usr/sbin,etc,proc,dev,sys,root,tmp}
chmod 1777 "$new/tmp"
chmod 700 "$new/root"
install -m 755 "$busybox" "$new/bin/busybox"
applets=0
while read -r path; do
	[ "$path" = bin/busybox ] && continue
	mkdir -p "$new/$(dirname "$path")"
	# usr/bin/awk -> ../../bin/busybox: relative, so it resolves the same
	# inside the container and from the host.
	dir=$(dirname "$path")
	if [ "$dir" = . ]; then
		up=.
	else
		up=$(echo "$dir" | sed -E 's|[^/]+|..|g')
	fi
	ln -sf "$up/bin/busybox" "$new/$path"
	applets=$((applets + 1))
done < <("$busybox" --list-full)

# 3. The few files busybox's applets read: users, groups, the hostname.
cat >"$new/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$new/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo busybox >"$new/etc/hostname"

# 4. Swap it in, then write the stamp: the stamp says the tree is complete.
rm -rf "$out/rootfs" "$stamp"
mv "$new" "$out/rootfs"
printf 'recipe %s\nbusybox-static %s\n' "$recipe" "$version" >"$stamp"
echo "busybox rootfs: $out/rootfs (busybox-static $version, $applets applets)"
