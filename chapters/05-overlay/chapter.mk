# chapters/05-overlay/chapter.mk - included by the top Makefile.
# Article §2.5 OverlayFS: mini-overlay.

PROGRAMS += mini-overlay
mini-overlay_SRCS := chapters/05-overlay/main.c chapters/05-overlay/cmd_mount.c \
	chapters/05-overlay/cmd_umount.c chapters/05-overlay/cmd_diff.c \
	chapters/05-overlay/cmd_layers.c

# getfattr/setfattr (attr) to show the opaque xattr; findmnt, mount and
# umount (util-linux) as the peers the tests and the benchmark compare with.
DEBIAN_PKGS += attr util-linux

# Unit tests: the calls that need root or a real overlay are faked at link
# time (see each test file's header), so they run as anyone.
test_mount_WRAP := umount2
test_overlay_WRAP := mount umount2 statfs statx
test_overlay_view_WRAP := lstat lgetxattr

# Fuzzing the parsers of what users and the mount table hand us.
fuzz_overlay_LIB := common/overlay.c common/overlay_check.c common/mount.c common/file.c common/err.c \
	common/lab.c
fuzz_overlay_mountinfo_LIB := common/mount.c common/overlay.c common/overlay_check.c common/file.c \
	common/err.c common/lab.c
