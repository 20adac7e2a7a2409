# chapters/03-cgroups/chapter.mk - included by the top Makefile.
# Article §2.3 Cgroups: mini-cgroup, and the helpers its tests run.

PROGRAMS += mini-cgroup
mini-cgroup_SRCS := $(addprefix chapters/03-cgroups/,main.c cli.c cmd_create.c \
	cmd_set.c cmd_exec.c cmd_classify.c cmd_stat.c cmd_delete.c cmd_info.c)

# cgroup-tools: the peer the benchmark compares with (cgcreate, cgset, cgexec,
# cgdelete); util-linux: lsblk, which the io test uses to find a disk.
DEBIAN_PKGS += cgroup-tools util-linux

# Test helpers, built beside the unit tests (and by `make programs`, which
# the grader builds, so the lab's tests find them): kit-hog hogs memory, CPU
# or pids.
CGROUP_HELPERS := $(BUILD)/tests/kit-hog
$(BUILD)/tests/kit-hog: $(BUILD)/obj/chapters/03-cgroups/hog.o
	@mkdir -p $(@D)
	$(CC) $(KIT_LDFLAGS) -o $@ $^


# mini-cgroup-fake: mini-cgroup with a pretend cgroupfs linked in
# (chapters/03-cgroups/fakefs.c replaces mkdir, rmdir, write and open inside a fake
# tree), so the bats tests can run the cgroup v2 driver on this v1 host:
#   mini-cgroup-fake --mountinfo FAKE/mountinfo create -g memory:kit/c1
CGROUP_FAKEFS_WRAP := -Wl,--wrap=mkdir -Wl,--wrap=rmdir -Wl,--wrap=write -Wl,--wrap=open
CGROUP_FAKEFS_OBJ := $(BUILD)/obj/chapters/03-cgroups/fakefs.o
CGROUP_HELPERS += $(BUILD)/tests/mini-cgroup-fake
$(BUILD)/tests/mini-cgroup-fake: $(patsubst %.c,$(BUILD)/obj/%.o,$(mini-cgroup_SRCS)) \
		$(CGROUP_FAKEFS_OBJ) $(BUILD)/lib/libkit.a
	@mkdir -p $(@D)
	$(CC) $(KIT_LDFLAGS) -o $@ $(filter %.o,$^) $(CGROUP_FAKEFS_WRAP) \
		$(BUILD)/lib/libkit.a $(KIT_LIBS)
all programs: $(CGROUP_HELPERS)

# The unit tests of common/cgroup*.c build their fake hosts with fakefs.c,
# so they link it, with the same three calls wrapped (an explicit rule:
# it replaces tests/unit/unit.mk's pattern rule for these programs).
CGROUP_UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,\
	$(wildcard tests/unit/test_cgroup*.c))
$(CGROUP_UNIT_TESTS): $(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o \
		$(CGROUP_FAKEFS_OBJ) $(BUILD)/obj/tests/unit/unit.o $(BUILD)/lib/libkit.a
	@mkdir -p $(@D)
	$(CC) $(KIT_LDFLAGS) -o $@ $(filter %.o,$^) $(CGROUP_FAKEFS_WRAP) \
		$(BUILD)/lib/libkit.a -lcmocka $(KIT_LIBS)

# libFuzzer harnesses: the limit parser and the mountinfo parser.
fuzz_cgroup_limit_LIB := common/cgroup_limit.c common/cgroup_host.c common/file.c \
	common/err.c
fuzz_cgroup_mountinfo_LIB := common/cgroup_host.c common/file.c common/err.c
