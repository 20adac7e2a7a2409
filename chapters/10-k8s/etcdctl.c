/* SPDX-License-Identifier: MIT */
/*
 * mini-etcdctl - the store from the command line, with etcdctl's verbs.
 *
 * Article: §6.1 (etcd).  Everything the API server keeps is a key in the
 * store; this tool shows the store's model without the API server in front:
 *
 *   mini-etcdctl --data-dir /tmp/s put /a one        # revision 1
 *   mini-etcdctl --data-dir /tmp/s put /a two        # revision 2, version 2
 *   mini-etcdctl --data-dir /tmp/s get /a --rev 1    # "one": the past is kept
 *   mini-etcdctl --data-dir /tmp/s watch /a --rev 1  # replays both, then waits
 *
 * --data-dir uses the embedded SQLite store (a directory); --endpoints a
 * real etcd (http://127.0.0.1:2379).  `bench` measures the store.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/err.h"
#include "kit/log.h"
#include "kit/store.h"

static const char *prog = "mini-etcdctl";

struct options {
	const char *where; /* --data-dir or --endpoints */
	bool fields;       /* -w fields: one line per key with its revisions */
	bool prefix;       /* --prefix: the key is a prefix */
	int64_t rev;       /* --rev */
	int64_t prev_rev;  /* --prev-rev: compare-and-swap; -1 none */
	bool create;       /* --create: only if absent */
	int64_t lease;     /* --lease */
	long limit;        /* --limit */
	long count;        /* watch --count, bench --count */
	long size;         /* bench --size */
	long clients;      /* bench put --clients: writers at once */
	double timeout;    /* watch --timeout seconds; 0: none */
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s (--data-dir DIR | --endpoints URL) [-w fields] COMMAND ...\n"
		"\n"
		"The store of chapter 10: revisions, compare-and-swap, watch, leases.\n"
		"\n"
		"  put KEY VALUE [--prev-rev N | --create] [--lease ID]\n"
		"                          write; with --prev-rev only if the key's\n"
		"                          mod_revision is N, with --create only if absent\n"
		"  get KEY [--prefix] [--rev N] [--limit N]\n"
		"                          read, now or as it was at revision N\n"
		"  del KEY [--prev-rev N]  delete\n"
		"  watch KEY [--prefix] [--rev N] [--count N] [--timeout S]\n"
		"                          print changes from revision N (default: from\n"
		"                          now on); stop after N events or S seconds\n"
		"  compact REV             forget the history before revision REV\n"
		"  revision                print the current and the compacted revision\n"
		"  lease grant TTL | lease keepalive ID | lease revoke ID\n"
		"  bench put [--count N] [--size BYTES] [--clients N]\n"
		"                          writes per second (each one on disk), from\n"
		"                          N concurrent writers (default 1)\n"
		"  bench watch [--count N] time from a put to its watch event\n"
		"\n"
		"  --data-dir DIR          the embedded SQLite store in DIR\n"
		"  --endpoints URL         a real etcd, e.g. http://127.0.0.1:2379\n"
		"  -w fields               show create_rev, mod_rev, version and lease\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 ok, 1 the store said no (the message says why), 2 usage.\n",
		prog);
	exit(status);
}

static int64_t parse_num(const char *what, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "%s: %s: not a number: '%s'\n", prog, what, s);
		usage(stderr, 2);
	}
	return v;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_DATA = 0x100,
		O_END,
		O_PREFIX,
		O_REV,
		O_PREV,
		O_CREATE,
		O_LEASE,
		O_LIMIT,
		O_COUNT,
		O_SIZE,
		O_CLIENTS,
		O_TIMEOUT
	};
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, O_DATA },
		{ "endpoints", required_argument, NULL, O_END },
		{ "prefix", no_argument, NULL, O_PREFIX },
		{ "rev", required_argument, NULL, O_REV },
		{ "prev-rev", required_argument, NULL, O_PREV },
		{ "create", no_argument, NULL, O_CREATE },
		{ "lease", required_argument, NULL, O_LEASE },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "count", required_argument, NULL, O_COUNT },
		{ "size", required_argument, NULL, O_SIZE },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "write-out", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DATA:
		case O_END: o->where = optarg; break;
		case O_PREFIX: o->prefix = true; break;
		case O_REV: o->rev = parse_num("--rev", optarg); break;
		case O_PREV: o->prev_rev = parse_num("--prev-rev", optarg); break;
		case O_CREATE: o->create = true; break;
		case O_LEASE: o->lease = parse_num("--lease", optarg); break;
		case O_LIMIT: o->limit = parse_num("--limit", optarg); break;
		case O_COUNT: o->count = parse_num("--count", optarg); break;
		case O_SIZE: o->size = parse_num("--size", optarg); break;
		case O_CLIENTS: o->clients = parse_num("--clients", optarg); break;
		case O_TIMEOUT:
			o->timeout = (double)parse_num("--timeout", optarg);
			break;
		case 'w':
			if (strcmp(optarg, "fields") && strcmp(optarg, "simple")) {
				fprintf(stderr, "%s: -w: 'simple' or 'fields'\n", prog);
				usage(stderr, 2);
			}
			o->fields = strcmp(optarg, "fields") == 0;
			break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (!o->where) {
		fprintf(stderr,
			"%s: say which store: --data-dir DIR or --endpoints URL\n", prog);
		usage(stderr, 2);
	}
	if (optind >= argc)
		usage(stderr, 2);
	return optind;
}

static void print_kv(const struct options *o, const struct kit_kv *kv)
{
	if (o->fields)
		printf("%s create_rev=%" PRId64 " mod_rev=%" PRId64 " version=%" PRId64
		       " lease=%" PRId64 " value=%s\n",
		       kv->key, kv->create_rev, kv->mod_rev, kv->version, kv->lease,
		       kv->value);
	else
		printf("%s\n%s\n", kv->key, kv->value);
}

static void need_args(int n, int want, const char *cmd)
{
	if (n != want) {
		fprintf(stderr, "%s: %s takes %d argument%s\n", prog, cmd, want - 1,
			want == 2 ? "" : "s");
		usage(stderr, 2);
	}
}

static int cmd_put(struct kit_store *s, const struct options *o, int n, char **args,
		   struct kit_err *err)
{
	int64_t expect = o->create ? KIT_STORE_ABSENT : o->prev_rev;
	struct kit_kv kv = { 0 };
	int ret;

	need_args(n, 3, "put");
	ret = kit_store_put(s, args[1], args[2], strlen(args[2]), expect, o->lease, &kv,
			    err);
	if (ret == 0) {
		if (o->fields)
			printf("OK mod_rev=%" PRId64 " create_rev=%" PRId64
			       " version=%" PRId64 "\n",
			       kv.mod_rev, kv.create_rev, kv.version);
		else
			printf("OK\n");
	}
	kit_kv_release(&kv);
	return ret;
}

static int cmd_get(struct kit_store *s, const struct options *o, int n, char **args,
		   struct kit_err *err)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_kv_list list;
	struct kit_kv kv = { 0 };
	int ret;

	need_args(n, 2, "get");
	if (!o->prefix) {
		ret = kit_store_get(s, args[1], o->rev, &kv, err);
		if (ret == 0)
			print_kv(o, &kv);
		kit_kv_release(&kv);
		return ret == -ENOENT ? 0 : ret; /* etcdctl prints nothing */
	}
	ret = kit_store_range(s, args[1], kit_store_prefix_end(args[1], end), o->rev,
			      (size_t)o->limit, &list, NULL, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < list.len; i++)
		print_kv(o, &list.items[i]);
	kit_kv_list_release(&list);
	return 0;
}

static int cmd_del(struct kit_store *s, const struct options *o, int n, char **args,
		   struct kit_err *err)
{
	int64_t rev;
	int ret;

	need_args(n, 2, "del");
	ret = kit_store_delete(s, args[1], o->prev_rev, &rev, NULL, err);
	if (ret == -ENOENT) {
		printf("0\n"); /* etcdctl prints how many keys it deleted */
		return 0;
	}
	if (ret == 0)
		printf(o->fields ? "1 mod_rev=%" PRId64 "\n" : "1\n", rev);
	return ret;
}

static void print_event(const struct options *o, const struct kit_store_event *ev)
{
	const char *type = ev->type == KIT_STORE_PUT ? "PUT" : "DELETE";

	if (!o->fields) {
		printf("%s\n%s\n", type, ev->kv.key);
		if (ev->type == KIT_STORE_PUT)
			printf("%s\n", ev->kv.value);
	} else if (ev->type == KIT_STORE_PUT) {
		printf("PUT %s create_rev=%" PRId64 " mod_rev=%" PRId64
		       " version=%" PRId64 " value=%s\n",
		       ev->kv.key, ev->kv.create_rev, ev->kv.mod_rev, ev->kv.version,
		       ev->kv.value);
	} else {
		printf("DELETE %s mod_rev=%" PRId64 " prev_value=%s\n", ev->kv.key,
		       ev->kv.mod_rev, ev->prev.key ? ev->prev.value : "");
	}
	fflush(stdout);
}

static volatile sig_atomic_t stop_watching;

static void on_signal(int sig)
{
	(void)sig;
	stop_watching = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_watch(struct kit_store *s, const struct options *o, int n, char **args,
		     struct kit_err *err)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_store_watch *w;
	double deadline = o->timeout > 0 ? now_s() + o->timeout : 0;
	long seen = 0;
	int ret;

	need_args(n, 2, "watch");
	if (o->prefix) {
		kit_store_prefix_end(args[1], end);
	} else {
		/* [key, key + "\x01") holds the key alone: keys hold no NUL. */
		size_t len = strlen(args[1]);

		if (len >= KIT_STORE_KEY_MAX)
			return kit_err_set(err, ENAMETOOLONG, NULL, "watch %s", args[1]);
		memcpy(end, args[1], len);
		end[len] = '\x01';
		end[len + 1] = '\0';
	}
	ret = kit_store_watch(s, args[1], end, o->rev, &w, err);
	if (ret < 0)
		return ret;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_watching && (o->count == 0 || seen < o->count)) {
		struct kit_store_event ev;
		int wait_ms = 200;

		if (deadline && now_s() >= deadline)
			break;
		ret = kit_store_watch_next(w, wait_ms, &ev, err);
		if (ret < 0)
			break;
		if (ret == 1) {
			print_event(o, &ev);
			kit_store_event_release(&ev);
			seen++;
		}
		ret = 0;
	}
	kit_store_watch_cancel(w);
	return ret;
}

static int cmd_revision(struct kit_store *s, const struct options *o, int n, char **args,
			struct kit_err *err)
{
	int64_t rev, compacted;
	int ret;

	(void)o;
	(void)args;
	need_args(n, 1, "revision");
	ret = kit_store_revision(s, &rev, err);
	if (ret == 0)
		ret = kit_store_compacted(s, &compacted, err);
	if (ret == 0)
		printf("revision=%" PRId64 " compacted=%" PRId64 "\n", rev, compacted);
	return ret;
}

static int cmd_compact(struct kit_store *s, const struct options *o, int n, char **args,
		       struct kit_err *err)
{
	int ret;

	(void)o;
	need_args(n, 2, "compact");
	ret = kit_store_compact(s, parse_num("compact", args[1]), err);
	if (ret == 0)
		printf("compacted revision %s\n", args[1]);
	return ret;
}

static int cmd_lease(struct kit_store *s, const struct options *o, int n, char **args,
		     struct kit_err *err)
{
	int64_t id, ttl;
	int ret;

	(void)o;
	need_args(n, 3, "lease");
	if (strcmp(args[1], "grant") == 0) {
		ret = kit_store_lease_grant(s, parse_num("ttl", args[2]), &id, err);
		if (ret == 0)
			printf("lease %" PRId64 " granted with TTL(%ss)\n", id, args[2]);
	} else if (strcmp(args[1], "keepalive") == 0) {
		ret = kit_store_lease_keepalive(s, parse_num("id", args[2]), &ttl, err);
		if (ret == 0)
			printf("lease %s keepalived with TTL(%" PRId64 ")\n", args[2],
			       ttl);
	} else if (strcmp(args[1], "revoke") == 0) {
		ret = kit_store_lease_revoke(s, parse_num("id", args[2]), err);
		if (ret == 0)
			printf("lease %s revoked\n", args[2]);
	} else {
		fprintf(stderr, "%s: lease grant|keepalive|revoke\n", prog);
		usage(stderr, 2);
	}
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One bench writer: puts on keys of its own, each acknowledged (on disk)
 * before its next. */
struct bench_writer {
	pthread_t thread;
	struct kit_store *s;
	long id, clients, count;
	const char *value;
	size_t size;
	int ret;
	struct kit_err err;
};

static void *bench_writer(void *p)
{
	struct bench_writer *b = p;

	for (long i = b->id; i < b->count && b->ret == 0; i += b->clients) {
		char key[64];

		snprintf(key, sizeof(key), "/bench/put/%ld/%06ld", b->id, i % 1000);
		b->ret = kit_store_put(b->s, key, b->value, b->size, KIT_STORE_ANY, 0,
				       NULL, &b->err);
	}
	return NULL;
}

/* --count puts from --clients writers at once (the store may put the
 * writes of several in one fsync: group commit). */
static int bench_put(struct kit_store *s, const struct options *o, struct kit_err *err)
{
	long count = o->count ? o->count : 1000, size = o->size ? o->size : 256;
	long clients = o->clients > 0 ? o->clients : 1;
	struct bench_writer *w = calloc((size_t)clients, sizeof(*w));
	char *value = malloc((size_t)size + 1);
	long started = 0;
	double t0, secs;
	int ret = 0;

	if (!value || !w) {
		free(value);
		free(w);
		return kit_err_set(err, ENOMEM, NULL, "bench");
	}
	memset(value, 'x', (size_t)size);
	value[size] = '\0';
	t0 = now_s();
	for (; started < clients; started++) {
		w[started] = (struct bench_writer){ .s = s,
						    .id = started,
						    .clients = clients,
						    .count = count,
						    .value = value,
						    .size = (size_t)size };
		if (pthread_create(&w[started].thread, NULL, bench_writer, &w[started])) {
			ret = kit_err_set(err, EAGAIN, NULL, "start bench writer");
			break;
		}
	}
	for (long i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		if (ret == 0 && w[i].ret < 0) {
			ret = w[i].ret;
			*err = w[i].err;
		}
	}
	secs = now_s() - t0;
	if (ret == 0)
		printf("backend=%s puts=%ld clients=%ld size=%ld seconds=%.3f "
		       "puts_per_second=%.1f\n",
		       kit_store_backend(s), count, clients, size, secs, count / secs);
	free(value);
	free(w);
	return ret;
}

/* A put, then the time until the watcher sees it; median and p99. */
static int bench_watch(struct kit_store *s, const struct options *o, struct kit_err *err)
{
	long count = o->count ? o->count : 200;
	struct kit_store_watch *w;
	double *lat = calloc((size_t)count, sizeof(*lat));
	int ret;

	if (!lat)
		return kit_err_set(err, ENOMEM, NULL, "bench");
	ret = kit_store_watch(s, "/bench/watch/", "/bench/watch0", 0, &w, err);
	for (long i = 0; i < count && ret == 0; i++) {
		struct kit_store_event ev;
		double t0 = now_s();

		ret = kit_store_put(s, "/bench/watch/k", "v", 1, KIT_STORE_ANY, 0, NULL,
				    err);
		if (ret == 0)
			ret = kit_store_watch_next(w, 5000, &ev, err);
		if (ret == 0)
			ret = kit_err_set(err, ETIMEDOUT, "no event within 5 s",
					  "bench watch");
		if (ret == 1) {
			lat[i] = (now_s() - t0) * 1e6;
			kit_store_event_release(&ev);
			ret = 0;
		}
	}
	if (ret == 0) {
		kit_store_watch_cancel(w);
		qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
		printf("backend=%s events=%ld put_to_event_us_median=%.0f p99=%.0f\n",
		       kit_store_backend(s), count, lat[count / 2],
		       lat[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1]);
	}
	free(lat);
	return ret;
}

static int cmd_bench(struct kit_store *s, const struct options *o, int n, char **args,
		     struct kit_err *err)
{
	need_args(n, 2, "bench");
	if (strcmp(args[1], "put") == 0)
		return bench_put(s, o, err);
	if (strcmp(args[1], "watch") == 0)
		return bench_watch(s, o, err);
	fprintf(stderr, "%s: bench put|watch\n", prog);
	usage(stderr, 2);
}

static const struct command {
	const char *name;
	int (*run)(struct kit_store *s, const struct options *o, int n, char **args,
		   struct kit_err *err);
} commands[] = {
	{ "put", cmd_put },     { "get", cmd_get },           { "del", cmd_del },
	{ "watch", cmd_watch }, { "revision", cmd_revision }, { "compact", cmd_compact },
	{ "lease", cmd_lease }, { "bench", cmd_bench },       { NULL, NULL },
};

int main(int argc, char **argv)
{
	struct options o = { .prev_rev = KIT_STORE_ANY };
	struct kit_err err = { 0 };
	const struct command *c;
	struct kit_store *s;
	int first, ret;

	kit_log_init(prog);
	first = parse_args(argc, argv, &o);
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[first]) == 0)
			break;
	if (!c->name) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[first]);
		usage(stderr, 2);
	}
	if (o.create && o.prev_rev != KIT_STORE_ANY) {
		fprintf(stderr, "%s: --create and --prev-rev exclude each other\n", prog);
		usage(stderr, 2);
	}
	if (kit_store_open(o.where, &s, &err) < 0)
		kit_die(prog, &err);
	ret = c->run(s, &o, argc - first, argv + first, &err);
	kit_store_close(s);
	if (ret < 0)
		kit_die(prog, &err);
	return 0;
}
