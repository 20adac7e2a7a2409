# tests/unit/unit.mk - one cmocka program per library file: tests/unit/test_X.c
# tests common/X.c.  A test may replace system calls at link time: list them
# in test_X_WRAP and define __wrap_NAME in the test (the real one stays
# reachable as __real_NAME).  Extra libraries a test needs go in
# test_X_LIBS (e.g. test_store_LIBS := -lsqlite3), set in chapter.mk.
# Every test program also links unit.o, the
# helpers the tests share (tests/unit/unit.h); unit.c is not a test itself.

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

test_ns_WRAP := unshare mount readlink

UNIT_HELPERS := $(BUILD)/obj/tests/unit/unit.o

# An explicit rule names unit.o, so make keeps it (not an intermediate file).
$(UNIT_TESTS): $(UNIT_HELPERS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(UNIT_HELPERS) $(BUILD)/lib/libkit.a
	@mkdir -p $(@D)
	$(CC) $(KIT_LDFLAGS) -o $@ $< $(UNIT_HELPERS) \
		$(foreach w,$(test_$*_WRAP),-Wl,--wrap=$(w)) \
		$(BUILD)/lib/libkit.a $(test_$*_LIBS) -lcmocka $(KIT_LIBS)
