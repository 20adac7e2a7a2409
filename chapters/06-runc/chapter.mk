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
fuzz_oci_spec_LIB := common/oci_spec.c common/json.c common/file.c common/err.c common/log.c
fuzz_oci_spec_LIBS := $(OCI_LIBS)

