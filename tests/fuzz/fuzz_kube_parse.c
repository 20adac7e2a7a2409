/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kube_parse.c - libFuzzer harness for what the control-plane clients
 * read: a kubeconfig file (first byte even) or a watch stream (odd), fed
 * in pieces of varying size into an informer's cache.  No crash, no leak,
 * no undefined behaviour; the cache stays consistent with its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/informer.h"
#include "kit/kube_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	struct kit_cache *cache;
	char rv[32];
};

static int on_event(void *ctx, const char *type, cJSON *object)
{
	struct sink *s = ctx;
	struct kit_err err = { 0 };

	return kit_informer_event(s->cache, NULL, type, object, s->rv, &err) ==
			       KIT_INFORMER_RELIST
		       ? 1
		       : 0;
}

static int count(void *ctx, const cJSON *obj)
{
	(void)obj;
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err err = { 0 };

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		struct kit_kubeconfig kc;

		kit_kubeconfig_parse((const char *)data + 1, size - 1, &kc, &err);
		kit_kubeconfig_release(&kc);
	} else {
		struct sink s = { .cache = kit_cache_new(), .rv = "0" };
		struct kit_watch_stream ws;
		size_t chunk = 1 + data[0] / 2, n = 0;

		if (!s.cache)
			abort();
		kit_watch_stream_init(&ws, on_event, &s);
		for (size_t off = 1; off < size; off += chunk)
			if (kit_watch_stream_feed(&ws, (const char *)data + off,
						  off + chunk > size ? size - off : chunk,
						  &err) != 0)
				break;
		kit_watch_stream_release(&ws);
		kit_cache_foreach(s.cache, NULL, count, &n);
		if (n != kit_cache_len(s.cache))
			abort();
		kit_cache_free(s.cache);
	}
	return 0;
}
