/* SPDX-License-Identifier: MIT */
/*
 * fuzz_oci_spec.c - libFuzzer harness for common/oci_spec.c: any bytes in
 * as config.json; no crash, leak or undefined behaviour out, and the
 * contract of kit/oci.h holds either way:
 *   - a refusal says something, names config.json and leaves a zeroed spec;
 *   - an accepted spec has args, an absolute cwd, NULL-terminated string
 *     arrays of the length it claims, and counts within OCI_MAX_ITEMS.
 * Every error message is checked to be one printable line.  Each input is
 * also read as a process.json (oci_process_parse) and as a linux.resources
 * object (oci_resources_parse), under the same rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strings(const char **arr, size_t n)
{
	if (n > OCI_MAX_ITEMS || (n && !arr))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!arr[i])
			abort();
	if (arr && arr[n])
		abort();
}

static void check_message(const struct kit_err *err)
{
	if (err->code == 0 || strncmp(err->msg, "config.json: ", 13) != 0)
		abort();
	for (const char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
}

static void check_spec(const struct oci_spec *s)
{
	const struct oci_process *p = &s->process;

	if (!s->oci_version || !s->root_path || p->n_args < 1 || !p->cwd ||
	    p->cwd[0] != '/')
		abort();
	check_strings(p->args, p->n_args);
	check_strings(p->env, p->n_env);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];

		if (m->destination[0] != '/')
			abort();
		check_strings(m->options, m->n_options);
		if (m->data && strlen(m->data) >= 4096)
			abort();
	}
	for (size_t i = 0; i < s->linux_.n_namespaces; i++)
		if (!oci_namespace_name(s->linux_.namespaces[i].type))
			abort();
	check_strings(s->linux_.masked_paths, s->linux_.n_masked_paths);
	check_strings(s->linux_.readonly_paths, s->linux_.n_readonly_paths);
	check_strings(s->linux_.sysctl_keys, s->linux_.n_sysctl);
	check_strings(s->linux_.sysctl_values, s->linux_.n_sysctl);
	check_strings(s->annotation_keys, s->n_annotations);
	for (size_t i = 0; i < s->linux_.seccomp.n_syscalls; i++)
		check_strings(s->linux_.seccomp.syscalls[i].names,
			      s->linux_.seccomp.syscalls[i].n_names);
}

/* The same input as a process.json (oci_process_parse): same contract. */
static void process_json(const uint8_t *data, size_t size)
{
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec spec;

	if (oci_process_parse((const char *)data, size, "config.json", &spec, &err) < 0) {
		check_message(&err);
		if (memcmp(&spec, &zero, sizeof(spec)) != 0)
			abort();
		return;
	}
	if (spec.process.n_args < 1 || spec.process.cwd[0] != '/')
		abort();
	check_strings(spec.process.args, spec.process.n_args);
	check_strings(spec.process.env, spec.process.n_env);
	oci_spec_free(&spec);
}

/* The same input as a linux.resources object (oci_resources_parse, what
 * `update --resources -` reads): same contract. */
static void resources_json(const uint8_t *data, size_t size)
{
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec spec;
	const struct oci_resources *r = &spec.linux_.resources;

	if (oci_resources_parse((const char *)data, size, "config.json", &spec, &err) <
	    0) {
		check_message(&err);
		if (memcmp(&spec, &zero, sizeof(spec)) != 0)
			abort();
		return;
	}
	check_strings(r->unified_keys, r->n_unified);
	check_strings(r->unified_values, r->n_unified);
	if (r->n_devices > OCI_MAX_ITEMS || (r->has_memory_limit && r->memory_limit < -1))
		abort();
	oci_spec_free(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec spec;

	process_json(data, size);
	resources_json(data, size);
	if (oci_spec_parse((const char *)data, size, "config.json", &spec, &err) < 0) {
		check_message(&err);
		if (memcmp(&spec, &zero, sizeof(spec)) != 0)
			abort();
		return 0;
	}
	check_spec(&spec);
	oci_spec_free(&spec);
	oci_spec_free(&spec); /* safe twice: the contract says so */
	return 0;
}
