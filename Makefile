# Makefile - the kit's one build file.  `make help` lists what it can do.
#
# Everything is built into $(BUILD) (default build/): build/lib/libkit.a,
# build/bin/mini-*, build/tests/.  Each chapter adds its programs in
# chapters/NN-*/chapter.mk; unit tests are declared in tests/unit/unit.mk.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Objects are intermediate files; keep them, or make rebuilds them every time.
.SECONDARY:
.SUFFIXES:
# Prerequisites may use $$* (the lab override and the fuzzers need it).
.SECONDEXPANSION:

BUILD ?= build
# LAB_DIR=labs/NN-*: a lab's files replace the solution's (make grade).
LAB_DIR ?=
PYTHON ?= python3

WARNINGS := -std=gnu11 -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow \
	    -Wstrict-prototypes
OPT ?= -O2 -g
ifeq ($(SANITIZE),1)
VARIANT_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		 -fno-sanitize-recover=undefined
endif
ifeq ($(COVERAGE),1)
VARIANT_FLAGS := -O0 -g --coverage
endif
INCLUDES := $(if $(LAB_DIR),-I$(LAB_DIR)/common/include) -Icommon/include
KIT_CFLAGS = $(WARNINGS) $(OPT) $(VARIANT_FLAGS) $(INCLUDES) -MMD -MP $(CFLAGS)
KIT_LDFLAGS = $(VARIANT_FLAGS) $(LDFLAGS)
KIT_LIBS := -lcjson -lm

# Debian packages every part of the kit needs; chapters add theirs.
DEBIAN_PKGS := build-essential pkg-config python3 clang clang-format \
	       libclang-rt-14-dev libcmocka-dev libcjson-dev bats bats-support \
	       bats-assert bats-file lcov
PROGRAMS :=
# Root filesystems and guest images built from Debian packages into
# build/images/ (chapters add theirs to IMAGES).
IMAGES :=
include $(sort $(wildcard chapters/*/chapter.mk))
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include slides/slides.mk
DEBIAN_PKGS += $(SLIDES_DEPS)

# ---- libkit and the programs ------------------------------------------------
LIBKIT_SRCS := $(sort $(wildcard common/*.c common/*/*.c))
LIBKIT_OBJS := $(LIBKIT_SRCS:%.c=$(BUILD)/obj/%.o)
BINARIES := $(PROGRAMS:%=$(BUILD)/bin/%)

# A source comes from $(LAB_DIR) when the lab has its own copy of it.
$(BUILD)/obj/%.o: $$(firstword $$(wildcard $(LAB_DIR)/$$*.c) $$*.c)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c -o $@ $<

$(BUILD)/lib/libkit.a: $(LIBKIT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

define program_rule
$(BUILD)/bin/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS)) $(BUILD)/lib/libkit.a
	@mkdir -p $$(@D)
	$$(CC) $$(KIT_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(BUILD)/lib/libkit.a $$($(1)_LIBS) $$(KIT_LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

.PHONY: all programs images
all: $(BUILD)/lib/libkit.a $(BINARIES) $(UNIT_TESTS)
programs: $(BUILD)/lib/libkit.a $(BINARIES)
images: $(IMAGES) ## build the root filesystems and guest images into build/images/

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- set-up -----------------------------------------------------------------
.PHONY: deps doctor print-deps
deps: ## install the Debian packages the kit needs (asks nothing; says what first)
	@tools/deps $(sort $(DEBIAN_PKGS))

print-deps: ## list the Debian packages make deps installs
	@echo $(sort $(DEBIAN_PKGS))

doctor: ## one line per host capability the kit needs, and what a missing one disables
	@tools/doctor

# ---- running ----------------------------------------------------------------
.PHONY: demo test unit check-labs format format-check
demo: deps ## build, then run every chapter's demo with narration
	@$(MAKE) --no-print-directory all images
	@tools/demo

test: deps ## build and run every test; last line: N passed, N failed, N skipped
	@$(MAKE) --no-print-directory all fuzzers images
	@tools/run-tests

format: ## reformat the C sources with clang-format
	clang-format -i $(C_SOURCES)

format-check: ## fail if a C source is not formatted as .clang-format says
	@tools/format-check $(C_SOURCES)

.PHONY: print-c-sources
print-c-sources:
	@echo $(C_SOURCES)

C_SOURCES = $(sort $(wildcard common/*.c common/*/*.c common/include/kit/*.h \
		chapters/*/*.c tests/unit/*.c tests/unit/*.h tests/fuzz/*.c))

# ---- labs and grading -------------------------------------------------------
.PHONY: labs grade
labs: ## regenerate labs/ and solutions/ from the LAB markers in the code
	@$(PYTHON) tools/labgen.py generate

grade: ## grade a lab: make grade LAB=02 [SOLUTION=1]
	@test -n "$(LAB)" || { echo "usage: make grade LAB=NN [SOLUTION=1]" >&2; exit 2; }
	@tools/grade $(if $(filter 1,$(SOLUTION)),--solution) $(LAB)

# ---- benchmarks -------------------------------------------------------------
.PHONY: bench
bench: all ## compare the kit's programs with the real tools; results in tests/bench/results/
	@for b in tests/bench/[0-9][0-9]-*.sh; do echo "== $$b"; $$b || exit 1; done

# ---- variants ---------------------------------------------------------------
.PHONY: asan coverage
asan: deps ## build with AddressSanitizer+UBSan into build/asan and run the tests
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 all
	@KIT_BUILD=build/asan KIT_SKIP_LABS=1 tools/run-tests

coverage: deps ## run the tests on a --coverage build; HTML in build/coverage/
	@tools/coverage

# ---- housekeeping -----------------------------------------------------------
.PHONY: clean help
clean: ## remove build/
	rm -rf $(BUILD)

help: ## this list
	@echo "The kit's make targets (see README.md):"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 18
