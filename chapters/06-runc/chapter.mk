# chapters/06-runc/chapter.mk - included by the top Makefile.
# Article §3.1 (低级容器运行时): mini-runc, an OCI runtime with runc's
# command line.

# ---- the config.json parser (common/oci_spec.c) ----------------------------
# libcap-dev: capability names and sets; libseccomp-dev: the seccomp filter;
# libcjson-dev: the JSON underneath.
DEBIAN_PKGS += libcap-dev libseccomp-dev libcjson-dev
OCI_LIBS := -lcap -lseccomp -lcjson
$(BUILD)/tests/test_oci_spec: KIT_LIBS += $(OCI_LIBS)
# The parser's own allocations fail on demand in its out-of-memory test.
test_oci_spec_WRAP := calloc realloc
fuzz_oci_spec_LIB := common/oci_spec.c common/oci_process.c common/oci_linux.c common/oci_default.c common/json.c common/file.c common/err.c common/log.c
fuzz_oci_spec_LIBS := $(OCI_LIBS)

# ---- mini-runc (chapters/06-runc/) ------------------------------------------
# One file per concern (runc.h has the map).  The lab's copies of these
# files find runc.h through the -I.
PROGRAMS += mini-runc
mini-runc_SRCS := $(addprefix chapters/06-runc/,main.c state.c create.c init.c \
		  mounts.c process.c cgroups.c hooks.c console.c exec.c commands.c \
		  update.c events.c)
mini-runc_LIBS := $(OCI_LIBS)
$(BUILD)/obj/chapters/06-runc/%.o: INCLUDES += -Ichapters/06-runc
# tests/unit/test_runc.c tests the pure parts of cgroups.c and state.c
# (the v2 writes this v1 host cannot show otherwise): linked before
# libkit.a, through the helpers' list, so the archive resolves them.
RUNC_UNIT_OBJS := $(BUILD)/obj/chapters/06-runc/cgroups.o $(BUILD)/obj/chapters/06-runc/state.o
$(BUILD)/tests/test_runc: $(RUNC_UNIT_OBJS)
$(BUILD)/tests/test_runc: UNIT_HELPERS += $(RUNC_UNIT_OBJS)
$(BUILD)/tests/test_runc: KIT_LIBS += $(OCI_LIBS)
$(BUILD)/obj/tests/unit/test_runc.o: INCLUDES += -Ichapters/06-runc -Itests/unit
# The tests: jq reads the state JSON; python3 listens on the console
# socket (a script the bats file writes); util-linux: setpriv.
DEBIAN_PKGS += jq python3 util-linux

# ---- peers and images (tests/e2e) -------------------------------------------
# The busybox image as a tarball that `ctr images import` and `docker load`
# both accept (an OCI image layout plus docker save's manifest.json), made
# from chapter 04's busybox root by vm-images/oci-image.py; reproducible.
# tests/e2e/06-runc-{containerd,docker,compare}.bats run it, and the
# bundles, through mini-runc with real containerd and dockerd started
# privately by tests/lib/peers.bash; tests/bench/06-runc.sh races mini-runc
# against runc and crun.
IMAGES += $(BUILD)/images/busybox-oci.tar
$(BUILD)/images/busybox-oci.tar: vm-images/oci-image.py $(BUILD)/images/busybox/rootfs.stamp
	$(PYTHON) vm-images/oci-image.py --rootfs $(BUILD)/images/busybox/rootfs \
		--name busybox:latest --cmd sh $@

# runc: the reference runtime the comparison tests and the shim's logs are
# measured against; crun: the benchmark's fastest peer; containerd: ctr,
# containerd and containerd-shim-runc-v2; docker.io: dockerd 20.10 and its
# docker CLI; linux-perf and strace: the benchmark's profile of mini-runc;
# procps (pgrep), util-linux (flock) and coreutils (timeout): the peers'
# start, logging wrapper and teardown.
DEBIAN_PKGS += runc crun containerd docker.io linux-perf strace procps util-linux coreutils
