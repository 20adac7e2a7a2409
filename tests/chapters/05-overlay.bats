#!/usr/bin/env bats
# tests/chapters/05-overlay.bats - chapter 05 (article §2.5 OverlayFS):
# mini-overlay's mount, umount, diff and layers, the article's rules on real
# overlays, and the errors the kernel leaves unexplained.  These tests are
# also lab 05's grader: a name starting "[lab 05.N, P pts]" grades TODO 05.N
# (see labs/05-overlay/README.md).
#
# Every test works in its own /tmp/kit-overlay.XXXXXX; teardown unmounts
# whatever is mounted below it (even when the test failed) and removes it.
# Each failing case also checks that it left nothing mounted.

bats_require_minimum_version 1.5.0
load helpers
# mounts_under DIR [TYPE], unmount_under DIR
source "$KIT_ROOT/tests/lib/mounts.bash"

setup_file() {
	O_NOBODY=$(public_copy "$KIT_BIN/mini-overlay")
	export O_NOBODY
}

teardown_file() {
	rm -rf "${O_NOBODY%/*}"
}

setup() {
	O=$KIT_BIN/mini-overlay
	T=$(mktemp -d /tmp/kit-overlay.XXXXXX)
	chmod 755 "$T"
}

teardown() {
	unmount_under "$T"
	rm -rf "$T"
	no_processes_left "$O"
}

# assert_nothing_mounted - fail, naming them, if mounts are left below $T.
assert_nothing_mounted() {
	local left
	left=$(mounts_under "$T" "${1:-}")
	if [ -n "$left" ]; then
		echo "left mounted: $left" >&2
		return 1
	fi
}

# The story's layers (top to bottom: up, l1, l2):
#   l2: etc/passwd  var/log  var/cache/x  top  hosts2
#   l1: etc/hosts   top
make_stack() {
	mkdir -p "$T"/{l1,l2,up,work,m} "$T"/l2/etc "$T"/l2/var/cache "$T"/l1/etc
	echo root >"$T/l2/etc/passwd"
	echo base >"$T/l2/var/log"
	echo c >"$T/l2/var/cache/x"
	echo under >"$T/l2/top"
	echo l2only >"$T/l2/hosts2"
	echo one >"$T/l1/etc/hosts"
	echo top >"$T/l1/top"
}

mount_stack() {
	"$O" mount --lower "$T/l1:$T/l2" --upper "$T/up" --work "$T/work" "$T/m"
}

# The article's three operations, and rm -r + mkdir, through the merged view.
article_ops() {
	echo new >>"$T/m/etc/hosts" # write: copy-up
	rm "$T/m/top"               # delete: whiteout
	rm -r "$T/m/var"            # remove a lower directory ...
	mkdir "$T/m/var"            # ... and make it again: opaque
	touch "$T/m/var/fresh"
	mkdir "$T/m/newdir"
	echo hi >"$T/m/newdir/f"
}

# --- the command line -------------------------------------------------------

@test "[1 pt] --help lists the four commands on stdout and exits 0" {
	run --separate-stderr "$O" --help
	assert_success
	for cmd in "mount --lower" "umount MERGED" "diff [--lower" "layers MERGED"; do
		assert_output --partial "$cmd"
	done
	[ -z "$stderr" ]
	for cmd in mount umount diff layers; do
		run --separate-stderr "$O" "$cmd" --help
		assert_success
		assert_output --partial "usage: mini-overlay $cmd"
	done
}

@test "[1 pt] no command, an unknown one or a bad option: usage on stderr, exit 2" {
	run --separate-stderr "$O"
	assert_failure 2
	[[ "$stderr" == *"which command?"* ]]
	run --separate-stderr "$O" mknod
	assert_failure 2
	[[ "$stderr" == *"unknown command 'mknod'"* ]]
	run --separate-stderr "$O" mount --lowr /x /m
	assert_failure 2
	[[ "$stderr" == *"usage: mini-overlay mount"* ]]
	[ -z "$output" ]
}

@test "[1 pt] mount needs --lower, --upper and --work together, and one MERGED" {
	run "$O" mount "$T"
	assert_failure 2
	assert_line --index 0 "mini-overlay mount: --lower is required"
	run "$O" mount --lower "$T" --upper "$T" "$T"
	assert_failure 2
	assert_line --index 0 "mini-overlay mount: --upper and --work go together"
	run "$O" mount --lower "$T"
	assert_failure 2
	assert_line --index 0 "mini-overlay mount: where? give the MERGED directory"
}

# --- 05.1: the option string --------------------------------------------------

@test "[lab 05.1, 3 pts] --dry-run prints lowerdir (top first), upperdir, workdir" {
	make_stack
	run --separate-stderr "$O" mount --dry-run --lower "$T/l1:$T/l2" --upper "$T/up" --work "$T/work" "$T/m"
	assert_success
	assert_output "lowerdir=$T/l1:$T/l2,upperdir=$T/up,workdir=$T/work"
	run --separate-stderr "$O" mount -n --lower "$T/l2" --lower "$T/l1" "$T/m"
	assert_success
	assert_output "lowerdir=$T/l2:$T/l1"
	assert_nothing_mounted
}

@test "[lab 05.1, 2 pts] relative layer paths become absolute (mountinfo would keep them as given)" {
	make_stack
	cd "$T"
	run --separate-stderr "$O" mount -n --lower l1:./l2/ --upper up --work work m
	assert_success
	assert_output "lowerdir=$T/l1:$T/l2,upperdir=$T/up,workdir=$T/work"
}

@test "[lab 05.1, 3 pts] ',' and ':' in layer names are escaped, and the overlay shows them" {
	require_root
	require_overlay
	make_stack
	mkdir -p "$T/we,ird:dir" "$T/u,p" "$T/w:k"
	echo weird >"$T/we,ird:dir/w.txt"
	run --separate-stderr "$O" mount -n --lower "$T/we,ird\\:dir:$T/l2" --upper "$T/u,p" --work "$T/w:k" "$T/m"
	assert_success
	assert_output "lowerdir=$T/we\\,ird\\:dir:$T/l2,upperdir=$T/u\\,p,workdir=$T/w\\:k"
	run "$O" mount --lower "$T/we,ird\\:dir:$T/l2" --upper "$T/u,p" --work "$T/w:k" "$T/m"
	assert_success
	assert_equal "$(cat "$T/m/w.txt")" weird
	assert_equal "$(cat "$T/m/etc/passwd")" root
	echo x >"$T/m/new"
	assert_file_exists "$T/u,p/new"
	# and back out of the mount table, where 6.18 shows "we\134\054ird\134:dir"
	run "$O" layers "$T/m"
	assert_success
	assert_line --index 0 "upper   $T/u,p"
	assert_line --index 1 "lower1  $T/we,ird:dir"
}

@test "[lab 05.1, 2 pts] the first lower layer wins over the second" {
	require_root
	require_overlay
	make_stack
	echo "from l1" >"$T/l1/same"
	echo "from l2" >"$T/l2/same"
	run "$O" mount --lower "$T/l1:$T/l2" "$T/m"
	assert_success
	assert_equal "$(cat "$T/m/same")" "from l1"
	"$O" umount "$T/m"
	run "$O" mount --lower "$T/l2:$T/l1" "$T/m"
	assert_success
	assert_equal "$(cat "$T/m/same")" "from l2"
}

# Layer names of the lengths that put the kernel's cut at 4095 bytes right
# before the ':' after the 18th of 20 layers.
make_page_cut_layers() {
	local i name prefix=$T/ long
	long=$(printf 'y%.0s' $(seq 1 300))
	# 9 ("lowerdir=") + 18 paths + 17 ':' = 4095: the paths add up to 4069
	local total=$((4069 - 18 * ${#prefix})) each
	each=$((total / 18))
	LAYERS=
	for i in $(seq 1 20); do
		name=$(printf 'n%02d' "$i")${long:0:$((each - 3))}
		[ "$i" -eq 1 ] && name+=${long:0:$((total - 18 * each))}
		mkdir "$T/$name"
		touch "$T/$name/file$i"
		LAYERS+=${LAYERS:+:}$T/$name
	done
}

@test "[lab 05.1, 2 pts] options longer than a page: mount(8) silently drops layers, mini-overlay refuses" {
	require_root
	require_overlay
	mkdir "$T/m"
	make_page_cut_layers
	[ "${#LAYERS}" -gt 4095 ]
	# util-linux hands the string to mount(2), which keeps 4095 bytes
	mount -t overlay overlay -o "lowerdir=$LAYERS" "$T/m"
	assert_equal "$(find "$T/m" -mindepth 1 | wc -l)" 18
	umount "$T/m"
	run "$O" mount --lower "$LAYERS" "$T/m"
	assert_failure 1
	assert_output --regexp "^mini-overlay: mount overlay on $T/m: build the options for 20 lowerdirs: E2BIG \(they are [0-9]+ bytes long and mount\(2\) takes 4095 at most: it copies one page of options and the kernel 6.18 silently cuts the rest; shorten the layer paths, as docker's overlay2 does with its short l/ links\)$"
	assert_nothing_mounted
}

# --- 05.2: the mount, and the article's rules on a real overlay -----------------

@test "[lab 05.2, 3 pts] §2.5 read: merged shows all layers; reads never touch upper" {
	require_root
	require_overlay
	make_stack
	run mount_stack
	assert_success
	assert_equal "$(mounts_under "$T" overlay)" "$T/m"
	assert_equal "$(cat "$T/m/etc/passwd")" root # from lower2
	assert_equal "$(cat "$T/m/top")" top         # lower1 hides lower2's
	assert_equal "$(ls "$T/m/etc" | tr '\n' ' ')" "hosts passwd "
	assert_equal "$(ls -A "$T/up")" ""
}

@test "[lab 05.2, 3 pts] §2.5 write: copy-up leaves the lower file alone" {
	require_root
	require_overlay
	make_stack
	mount_stack
	echo new >>"$T/m/etc/hosts"
	assert_equal "$(cat "$T/l1/etc/hosts")" one
	assert_equal "$(cat "$T/up/etc/hosts")" "$(printf 'one\nnew')"
	assert_equal "$(cat "$T/m/etc/hosts")" "$(printf 'one\nnew')"
	# a chmod copies the whole file up too (metacopy is off by default)
	chmod 600 "$T/m/etc/passwd"
	assert_equal "$(cat "$T/up/etc/passwd")" root
	assert_equal "$(stat -c %a "$T/l2/etc/passwd")" 644
}

@test "[lab 05.2, 3 pts] §2.5 delete: a whiteout, a character device 0/0, in upper" {
	require_root
	require_overlay
	make_stack
	mount_stack
	rm "$T/m/top"
	assert_file_not_exists "$T/m/top"
	assert_equal "$(stat -c '%F %t:%T' "$T/up/top")" "character special file 0:0"
	assert_equal "$(cat "$T/l1/top") $(cat "$T/l2/top")" "top under"
}

@test "[lab 05.2, 2 pts] rm -r and mkdir of a lower directory: opaque (trusted.overlay.opaque=y)" {
	require_root
	require_overlay
	make_stack
	mount_stack
	rm -r "$T/m/var"
	mkdir "$T/m/var"
	touch "$T/m/var/fresh"
	run getfattr --absolute-names --only-values -n trusted.overlay.opaque "$T/up/var"
	assert_success
	assert_output y
	assert_equal "$(ls -A "$T/m/var")" fresh
	assert_file_exists "$T/l2/var/log"
	# a directory that was only written to is not opaque
	run getfattr --absolute-names --only-values -n trusted.overlay.opaque "$T/up/etc" 2>/dev/null
	refute_output y
}

@test "[lab 05.2, 3 pts] two containers share one lower and never see each other's writes" {
	require_root
	require_overlay
	make_stack
	mkdir -p "$T"/c1/{up,work,m} "$T"/c2/{up,work,m}
	for c in c1 c2; do
		"$O" mount --lower "$T/l1:$T/l2" --upper "$T/$c/up" --work "$T/$c/work" "$T/$c/m"
	done
	echo "c1 was here" >"$T/c1/m/etc/hosts"
	rm "$T/c2/m/etc/passwd"
	touch "$T/c2/m/only-c2"
	assert_equal "$(cat "$T/c2/m/etc/hosts")" one
	assert_equal "$(cat "$T/c1/m/etc/passwd")" root
	assert_file_not_exists "$T/c1/m/only-c2"
	assert_file_not_exists "$T/c2/m/etc/passwd"
	assert_equal "$(cat "$T/l1/etc/hosts") $(cat "$T/l2/etc/passwd")" "one root"
	assert_equal "$(mounts_under "$T" overlay | wc -l)" 2
}

@test "[lab 05.2, 2 pts] upper and work on two filesystems: EINVAL, and why" {
	require_root
	require_overlay
	make_stack
	mkdir "$T/fs1" "$T/fs2"
	mount -t tmpfs -o size=1m kit-fs1 "$T/fs1"
	mount -t tmpfs -o size=1m kit-fs2 "$T/fs2"
	mkdir "$T/fs1/up" "$T/fs2/work"
	run "$O" mount --lower "$T/l1" --upper "$T/fs1/up" --work "$T/fs2/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: mount overlay on $T/m: EINVAL (upperdir and workdir are on different mounts: the kernel prepares each copy-up in workdir and renames it into upperdir, and a rename cannot cross mounts; put both side by side on one filesystem)"
	assert_nothing_mounted overlay
}

@test "[lab 05.2, 2 pts] an upper layer on an overlay: EINVAL, and why" {
	require_root
	require_overlay
	make_stack
	mount_stack
	mkdir -p "$T/m/ou" "$T/m/ow" "$T/m2"
	run "$O" mount --lower "$T/l2" --upper "$T/m/ou" --work "$T/m/ow" "$T/m2"
	assert_failure 1
	assert_output "mini-overlay: mount overlay on $T/m2: EINVAL (upperdir is itself on an overlay, as in docker-in-docker: an overlay cannot be the writable layer of another; put upperdir and workdir on a tmpfs or a disk)"
	assert_equal "$(mounts_under "$T" overlay)" "$T/m"
}

@test "[lab 05.2, 1 pt] one lower and no upper: EINVAL, and why; two lowers: read-only" {
	require_root
	require_overlay
	make_stack
	run "$O" mount --lower "$T/l1" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: mount overlay on $T/m: EINVAL (one lowerdir and no upperdir: a read-only overlay needs at least two lowerdirs; or add an upperdir and a workdir)"
	assert_nothing_mounted
	run "$O" mount --lower "$T/l1:$T/l2" "$T/m"
	assert_success
	run touch "$T/m/x"
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "[lab 05.2, 1 pt] overlays stacked three deep: EINVAL, and why" {
	require_root
	require_overlay
	make_stack
	mkdir -p "$T/m2" "$T/m3" "$T/u2" "$T/w2"
	"$O" mount --lower "$T/l1:$T/l2" "$T/m"
	"$O" mount --lower "$T/m" --upper "$T/u2" --work "$T/w2" "$T/m2"
	run "$O" mount --lower "$T/m2:$T/l2" "$T/m3"
	assert_failure 1
	assert_output "mini-overlay: mount overlay on $T/m3: EINVAL (a lowerdir is on an overlay that itself stacks on another: filesystems stack at most 2 deep)"
	assert_equal "$(mounts_under "$T" overlay | wc -l)" 2
}

@test "[lab 05.2, 1 pt] as an ordinary user: EPERM, and what to do" {
	require_root
	require_overlay
	make_stack
	run as_nobody "$O_NOBODY" mount --lower "$T/l1:$T/l2" --upper "$T/up" --work "$T/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: mount overlay on $T/m: EPERM (mounting needs CAP_SYS_ADMIN: run as root; an ordinary user may mount an overlay only in a user namespace of its own, Linux >= 5.11)"
	assert_nothing_mounted
}

@test "[lab 05.2, 1 pt] a workdir in use by another overlay: EBUSY (the kernel only warns)" {
	require_root
	require_overlay
	make_stack
	mount_stack
	mkdir -p "$T/up2" "$T/m2"
	run "$O" mount --lower "$T/l2" --upper "$T/up2" --work "$T/work" "$T/m2"
	assert_failure 1
	assert_output "mini-overlay: check workdir $T/work: EBUSY (it is already the workdir of the overlay on $T/m: two overlays writing one layer corrupt it; the kernel 6.18 mounts anyway and only warns in dmesg, unless index=on)"
	run "$O" mount --lower "$T/l2" --upper "$T/up" --work "$T/up2" "$T/m2"
	assert_failure 1
	assert_output --partial "check upperdir $T/up: EBUSY (it is already the upperdir of the overlay on $T/m"
	assert_equal "$(mounts_under "$T" overlay)" "$T/m"
}

@test "[lab 05.2, 1 pt] mounting twice on one merged directory: EBUSY" {
	require_root
	require_overlay
	make_stack
	mount_stack
	mkdir -p "$T/up2" "$T/work2"
	run "$O" mount --lower "$T/l2" --upper "$T/up2" --work "$T/work2" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: check merged $T/m: EBUSY (an overlay is mounted there already: unmount it first, a second one would hide it)"
	assert_equal "$(mounts_under "$T" overlay)" "$T/m"
}

@test "[lab 05.2, 1 pt] --verbose narrates the layers, the options and the mount" {
	require_root
	require_overlay
	make_stack
	run --separate-stderr "$O" mount -v --lower "$T/l1:$T/l2" --upper "$T/up" --work "$T/work" "$T/m"
	assert_success
	[[ "$stderr" == *"lowerdir 2: $T/l2"* ]]
	[[ "$stderr" == *"mount -t overlay overlay -o lowerdir=$T/l1:$T/l2,upperdir=$T/up,workdir=$T/work $T/m"* ]]
	[[ "$stderr" == *"mounted the overlay on $T/m"* ]]
}

# --- refused before the kernel sees it: hostile and mistaken input ------------

@test "[1 pt] a missing lower layer: ENOENT names it; relative ones name the directory too" {
	make_stack
	run "$O" mount --lower "$T/l1:$T/nol2" --upper "$T/up" --work "$T/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: find lowerdir 2 $T/nol2: ENOENT (no such directory: create it first, or check the path)"
	cd "$T"
	run "$O" mount --lower l1:nol2 --upper up --work work m
	assert_failure 1
	assert_output "mini-overlay: find lowerdir 2 nol2: ENOENT (no such directory: a relative path starts at the current directory, $T)"
	assert_nothing_mounted
}

@test "[1 pt] missing upper, work or merged directories: ENOENT, nothing mounted" {
	make_stack
	run "$O" mount --lower "$T/l1" --upper "$T/noup" --work "$T/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: find upperdir $T/noup: ENOENT (no such directory: create it first, or check the path)"
	run "$O" mount --lower "$T/l1" --upper "$T/up" --work "$T/nowork" "$T/m"
	assert_failure 1
	assert_output --partial "find workdir $T/nowork: ENOENT"
	run "$O" mount --lower "$T/l1" --upper "$T/up" --work "$T/work" "$T/nom"
	assert_failure 1
	assert_output "mini-overlay: find merged $T/nom: ENOENT (no such directory: create the mount point first, with mkdir)"
	assert_nothing_mounted
}

@test "[1 pt] a workdir with files of its own: ENOTEMPTY" {
	make_stack
	echo mine >"$T/work/notes.txt"
	run "$O" mount --lower "$T/l1" --upper "$T/up" --work "$T/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: check workdir $T/work: ENOTEMPTY (it holds 'notes.txt': a workdir must be empty, and the kernel keeps only its own work/ and index/ there, so this is probably not one)"
	assert_nothing_mounted
}

@test "[1 pt] 501 lower layers: EINVAL, as the kernel would say" {
	make_stack
	list=$(printf "$T/l1:%.0s" $(seq 500))$T/l2
	run "$O" mount --lower "$list" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: add lowerdir 501: EINVAL (overlayfs stacks at most 500 lowerdirs (OVL_MAX_STACK); the kernel 6.18 refuses more with EINVAL)"
	assert_nothing_mounted
}

@test "[1 pt] '..' in any path is refused: EINVAL, nothing mounted" {
	make_stack
	run "$O" mount --lower "$T/l1/../l2" --upper "$T/up" --work "$T/work" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: check lowerdir 1 $T/l1/../l2: EINVAL ('..' is refused in these paths: it is how a name chosen by someone else climbs out of its directory; give the directory itself)"
	run "$O" mount --lower "$T/l1" --upper "$T/up" --work "$T/work" "$T/m/.."
	assert_failure 1
	assert_output --partial "check merged $T/m/..: EINVAL ('..' is refused"
	run "$O" diff "$T/up/.."
	assert_failure 1
	run "$O" umount "$T/m/../m"
	assert_failure 1
	assert_nothing_mounted
}

@test "[1 pt] a merged directory that is a symlink: ELOOP, nothing mounted anywhere" {
	make_stack
	mkdir "$T/target"
	ln -s "$T/target" "$T/link"
	run "$O" mount --lower "$T/l1" --upper "$T/up" --work "$T/work" "$T/link"
	assert_failure 1
	assert_output "mini-overlay: check merged $T/link: ELOOP (a symlink: the kernel would follow it and mount wherever it points; give the directory itself)"
	assert_nothing_mounted
	run "$O" umount "$T/link"
	assert_failure 1
	assert_output "mini-overlay: unmount $T/link: ELOOP (a symlink: unmount the directory it points to, by its own name)"
}

@test "[1 pt] empty layers and stray backslashes in --lower: EINVAL" {
	make_stack
	run "$O" mount --lower "$T/l1::$T/l2" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: read layer 2 of lowerdir list $T/l1::$T/l2: EINVAL (an empty layer: layers are separated by one ':', and '\\:' is a ':' inside a name)"
	run "$O" mount --lower "$T/l1\\" "$T/m"
	assert_failure 1
	assert_output "mini-overlay: read lowerdir list $T/l1\\: EINVAL (a '\\' at the end escapes nothing)"
	assert_nothing_mounted
}

# --- umount -------------------------------------------------------------------

@test "[lab 05.2, 1 pt] umount takes the overlay down and keeps the layers" {
	require_root
	require_overlay
	make_stack
	mount_stack
	echo kept >"$T/m/kept"
	run "$O" umount "$T/m"
	assert_success
	assert_nothing_mounted
	assert_equal "$(cat "$T/up/kept")" kept
	run "$O" umount "$T/m"
	assert_failure 1
	assert_output "mini-overlay: unmount $T/m: EINVAL (not a mount point: nothing is mounted there, or it was unmounted already)"
}

@test "[lab 05.2, 1 pt] umount of an overlay in use: EBUSY, and who to look for" {
	require_root
	require_overlay
	make_stack
	mount_stack
	run sh -c "cd '$T/m' && '$O' umount '$T/m'"
	assert_failure 1
	assert_output "mini-overlay: unmount $T/m: EBUSY (still in use: a process has its working directory or an open file below it, or another mount sits below it; fuser -vm PATH finds the processes)"
	assert_equal "$(mounts_under "$T" overlay)" "$T/m"
	run sh -c "cd '$T/m' && '$O' umount --lazy '$T/m'"
	assert_success
	assert_nothing_mounted
}

@test "[1 pt] umount refuses what is not an overlay" {
	require_root
	mkdir "$T/t"
	mount -t tmpfs -o size=1m kit-t "$T/t"
	run "$O" umount "$T/t"
	assert_failure 1
	assert_output "mini-overlay: unmount $T/t: EINVAL (a tmpfs is mounted there, not an overlay: this unmounts only overlays)"
	assert_equal "$(mounts_under "$T" tmpfs)" "$T/t"
	run "$O" umount "$T/nothere"
	assert_failure 1
	assert_output "mini-overlay: unmount $T/nothere: ENOENT (No such file or directory)"
}

# --- 05.3: whiteouts and opaque directories in diff ------------------------------

@test "[lab 05.3, 3 pts] diff of an upper layer alone: whiteout D, opaque directory C" {
	require_root
	require_overlay
	make_stack
	mount_stack
	article_ops
	"$O" umount "$T/m"
	run --separate-stderr "$O" diff "$T/up"
	assert_success
	assert_output "$(printf '%s\n' 'A /etc' 'A /etc/hosts' 'A /newdir' 'A /newdir/f' 'D /top' 'C /var' 'A /var/fresh')"
	[[ "$stderr" == *"warn: no lower layers: none given with --lower, and no mounted overlay writes to $T/up; an A may also be a C"* ]]
}

@test "[lab 05.3, 2 pts] deleting a whole lower directory is one D: one whiteout" {
	require_root
	require_overlay
	make_stack
	mount_stack
	rm -r "$T/m/etc"
	assert_equal "$(stat -c '%F %t:%T' "$T/up/etc")" "character special file 0:0"
	"$O" umount "$T/m"
	run --separate-stderr "$O" diff "$T/up"
	assert_success
	assert_output "D /etc"
}

# --- 05.4: the lookup: diff with the lowers, layers ------------------------------

@test "[lab 05.4, 3 pts] diff tells added from changed like docker diff, lowers from the mount" {
	require_root
	require_overlay
	make_stack
	mount_stack
	article_ops
	run --separate-stderr "$O" diff "$T/up"
	assert_success
	assert_output "$(printf '%s\n' 'C /etc' 'C /etc/hosts' 'A /newdir' 'A /newdir/f' 'D /top' 'C /var' 'D /var/cache' 'A /var/fresh' 'D /var/log')"
	[ -z "$stderr" ]
	# the same from --lower, with nothing mounted
	expected=$output
	"$O" umount "$T/m"
	run --separate-stderr "$O" diff --lower "$T/l1:$T/l2" "$T/up"
	assert_success
	assert_output "$expected"
}

@test "[lab 05.4, 2 pts] under an opaque directory a recreated name is C, the rest of the old one D" {
	require_root
	require_overlay
	make_stack
	mount_stack
	rm -r "$T/m/var"
	mkdir -p "$T/m/var/cache"
	echo "new log" >"$T/m/var/log"
	# the kernel agrees: nothing of the old var/ shows through, however deep
	assert_equal "$(find "$T/m/var" | sort | tr '\n' ' ')" "$T/m/var $T/m/var/cache $T/m/var/log "
	run "$O" diff "$T/up"
	assert_success
	assert_output "$(printf '%s\n' 'C /var' 'C /var/cache' 'D /var/cache/x' 'C /var/log')"
}

@test "[lab 05.4, 3 pts] layers names the layer behind every path, marking whiteouts and opaque dirs" {
	require_root
	require_overlay
	make_stack
	mount_stack
	article_ops
	run "$O" layers "$T/m"
	assert_success
	assert_output "upper   $T/up
lower1  $T/l1
lower2  $T/l2

upper   /etc/  (merges upper lower1 lower2)
upper   /etc/hosts  (hides lower1)
lower2  /etc/passwd
lower2  /hosts2
upper   /newdir/
upper   /newdir/f
upper   /top  (whiteout, hides lower1)
upper   /var/  (opaque, hides lower2)
upper   /var/fresh"
}

@test "[lab 05.4, 2 pts] layers lists exactly what the kernel shows in merged" {
	require_root
	require_overlay
	make_stack
	mkdir -p "$T/l1/var/cache" "$T/l2/deep/er/est"
	echo l1 >"$T/l1/var/cache/y"
	ln -s /etc/passwd "$T/l2/deep/link"
	mount_stack
	article_ops
	mkdir -p "$T/m/deep/er/new"
	rm "$T/m/hosts2"
	visible=$("$O" layers "$T/m" | awk 'NR > 4 && $3 != "(whiteout," { print $2 }' | sed 's|/$||' | sort)
	real=$(cd "$T/m" && find . -mindepth 1 | sed 's|^\.||' | sort)
	assert_equal "$visible" "$real"
}

@test "[lab 05.4, 1 pt] layers without a mount: a whiteout in a lower layer hides the ones below" {
	require_root
	make_stack
	mknod "$T/l1/hosts2" c 0 0 # as an image layer unpacked from a tar would have it
	run "$O" layers --lower "$T/l1:$T/l2"
	assert_success
	assert_line "lower1  /hosts2  (whiteout, hides lower2)"
	assert_line "lower1  /etc/  (merges lower1 lower2)"
	assert_line "lower1  /top  (hides lower2)"
	assert_nothing_mounted
}

@test "[1 pt] diff and layers refuse what is not theirs to read" {
	make_stack
	run "$O" diff "$T/nothere"
	assert_failure 1
	assert_output "mini-overlay: read upperdir $T/nothere: ENOENT (No such file or directory)"
	ln -s "$T/up" "$T/uplink"
	run "$O" diff "$T/uplink"
	assert_failure 1
	assert_output "mini-overlay: read upperdir $T/uplink: ELOOP (a symlink: give the directory itself)"
	run "$O" layers "$T/m"
	assert_failure 1
	assert_output "mini-overlay: read the layers of $T/m: EINVAL (nothing is mounted there: mount it first, or name the layers with --lower and --upper)"
	run "$O" layers "$T/m" --lower "$T/l1"
	assert_failure 2
}
