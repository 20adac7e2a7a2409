#!/usr/bin/env bash
# chapters/05-overlay/demo.sh - article §2.5 OverlayFS, told with
# mini-overlay.  Run by `make demo`; safe to run alone after `make`.
set -euo pipefail
: "${KIT_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KIT_BIN:=$KIT_ROOT/build/bin}"
source "$KIT_ROOT/tools/lib/demo.sh"
source "$KIT_ROOT/tests/lib/mounts.bash" # unmount_under
O=$KIT_BIN/mini-overlay

title "Chapter 05: OverlayFS (article §2.5)"
say "An image is a stack of read-only layers; a container adds one writable"
say "layer on top, and overlayfs shows the union of them all in one directory."
need root
need overlay

D=$(mktemp -d /tmp/kit-demo05.XXXXXX)
cleanup() {
	unmount_under "$D"
	rm -rf "$D"
}
trap cleanup EXIT
cd "$D"

# Two image layers: a base (l2) and an application layer on it (l1).
mkdir -p img/l2/etc img/l2/var/log img/l1/etc img/l1/app c1/up c1/work c1/merged
echo "ID=kit-base" >img/l2/etc/os-release
echo "root:x:0:0:root:/root:/bin/sh" >img/l2/etc/passwd
echo "booted" >img/l2/var/log/boot.log
echo "welcome (from the base layer)" >img/l2/etc/motd
echo "welcome (from the app layer)" >img/l1/etc/motd
printf '#!/bin/sh\necho hello\n' >img/l1/app/hello.sh

say ""
say "1. Two image layers (the article's LowerDir), the top one first:"
show find img -type f
say "   and an empty upper layer (UpperDir) with its work directory (WorkDir)."

say ""
say "2. Mount them: lowerdir=l1:l2 (l1 searched first), upperdir, workdir, on merged:"
show "$O" mount -v --lower img/l1:img/l2 --upper c1/up --work c1/work c1/merged
show ls c1/merged c1/merged/etc

say ""
say "3. Reads fall through: the top-most layer that has a name wins."
show cat c1/merged/etc/motd c1/merged/etc/os-release
say "   Reading copied nothing: the upper layer is still empty:"
show find c1/up

say ""
say "4. A write copies the file up (copy-on-write): the image keeps its copy."
show sh -c 'echo "edited in the container" >> c1/merged/etc/motd'
show cat c1/up/etc/motd
show cat img/l1/etc/motd

say ""
say "5. A delete leaves a whiteout in upper: a character device 0/0 that hides"
say "   the name in every layer below (the lower file cannot be removed)."
show rm c1/merged/etc/passwd
show ls -l c1/up/etc/passwd img/l2/etc/passwd
show ls c1/merged/etc

say ""
say "6. Remove a lower directory and make it again: the new one is opaque, an"
say "   xattr that tells overlayfs not to look below it."
show sh -c 'rm -r c1/merged/var && mkdir -p c1/merged/var/log && echo new > c1/merged/var/log/app.log'
show getfattr --absolute-names -n trusted.overlay.opaque c1/up/var
show ls c1/merged/var/log

say ""
say "7. What did the container change?  The upper layer knows, as docker diff"
say "   says it: A added, C changed, D deleted."
show "$O" diff c1/up

say ""
say "8. And which layer does each file of the merged view come from?"
show "$O" layers c1/merged

say ""
say "9. A second container on the same image: its own upper, the same lowers."
mkdir -p c2/up c2/work c2/merged
show "$O" mount --lower img/l1:img/l2 --upper c2/up --work c2/work c2/merged
show cat c2/merged/etc/motd
show ls c2/merged/etc
say "   Nothing c1 did is visible to c2: the writes went to c1's upper only."

say ""
say "10. Unmount both.  The layers stay: delete c1/up to roll the container"
say "    back, keep it to start it again."
show "$O" umount c1/merged
show "$O" umount c2/merged
show find img c1/up -type f
say ""
say "Next: chapters/05-overlay/README.md maps each rule to the code, and"
say "'make grade LAB=05' grades your own version (labs/05-overlay)."
