# tests/fuzz/fuzz.mk - libFuzzer harnesses for every parser of untrusted input.
#
#   make fuzzers            build them (clang, -fsanitize=fuzzer,address,undefined)
#   make fuzz               run each for FUZZ_SECONDS (default 60) on its corpus
#
# `make test` replays every corpus file through its harness (a regression
# test) and fuzzes each harness for FUZZ_SMOKE_SECONDS (default 10).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# The library sources each harness needs (only those: no system calls), in
# fuzz_X_LIB; extra libraries to link in fuzz_X_LIBS.  Chapters set both.
fuzz_json_LIB := common/json.c common/file.c common/err.c

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_$$*_LIB) $(wildcard common/include/kit/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARNINGS) $(FUZZ_FLAGS) -Icommon/include -o $@ $< $(fuzz_$*_LIB) $(fuzz_$*_LIBS) $(KIT_LIBS)

.PHONY: fuzzers fuzz
fuzzers: $(FUZZERS) ## build the libFuzzer harnesses into build/fuzz/

fuzz: $(FUZZERS) ## fuzz every parser for FUZZ_SECONDS each (default 60)
	@for f in $(FUZZERS); do \
		name=$${f##*/fuzz_}; mkdir -p $(BUILD)/fuzz/corpus-$$name; \
		echo "== $$f for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(BUILD)/fuzz/corpus-$$name tests/fuzz/corpus/$$name || exit 1; \
	done
