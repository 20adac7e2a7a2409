/* SPDX-License-Identifier: MIT */
/*
 * mini-apiserver - the Kubernetes API that real kubectl talks to.
 *
 * Article: §6.1 (etcd, API Server).  The only door to the cluster's state:
 *
 *   mini-apiserver --listen 127.0.0.1:6443 --data-dir /var/lib/mini-k8s \
 *                  --write-kubeconfig ~/.kube/config &
 *   kubectl create deployment myapp --image=nginx --replicas=3
 *   kubectl get deployments
 *
 * The steps below are the server's life; a request's path through it is
 * told in apiserver.h and apiserver_http.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apiserver.h"
#include "kit/base64.h"
#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/log.h"

static const char *prog = "mini-apiserver";

struct options {
	const char *listen;
	const char *unix_path;
	const char *data_dir;
	const char *etcd;
	const char *token_file;
	const char *kubeconfig;
	long toleration;
	long max_connections;
	long request_timeout;
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --listen ADDR:PORT [--unix PATH] (--data-dir DIR | --etcd-servers "
		"URL)\n"
		"       [--token-file FILE] [--write-kubeconfig FILE] [options]\n"
		"\n"
		"Serve the Kubernetes API (core/v1, apps/v1, coordination.k8s.io/v1) from\n"
		"the embedded store in DIR, or from a real etcd.  Ready when GET /readyz\n"
		"answers 200; SIGTERM stops it cleanly.\n"
		"\n"
		"  --listen ADDR:PORT        TCP address (default 127.0.0.1:6443; port 0:\n"
		"                            any free port, printed on stderr)\n"
		"  --unix PATH               also serve on a Unix socket, for root only\n"
		"  --data-dir DIR            the embedded SQLite store\n"
		"  --etcd-servers URL        a real etcd instead (http://127.0.0.1:2379)\n"
		"  --token-file FILE         bearer tokens: token,user,uid[,\"group,...\"]\n"
		"                            (without it an admin token is made up)\n"
		"  --write-kubeconfig FILE   write a kubeconfig for kubectl (mode 0600)\n"
		"  --default-unreachable-toleration-seconds N\n"
		"                            how long pods stay on a lost node (300)\n"
		"  --max-connections N       connections at once (default 512)\n"
		"  --request-timeout S       seconds a client may idle mid-request (30)\n"
		"  -v, --verbose             log every request on stderr\n"
		"  -h, --help                show this help\n"
		"\n"
		"Exit status: 0 after SIGTERM, 1 if it could not start, 2 on a usage error.\n",
		prog);
	exit(status);
}

static long number(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s: expected a number from %ld to %ld, got '%s'\n",
			prog, opt, min, max, s);
		usage(stderr, 2);
	}
	return v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_LISTEN = 0x100,
		O_UNIX,
		O_DATA,
		O_ETCD,
		O_TOKENS,
		O_KUBECONFIG,
		O_TOLERATION,
		O_MAXCONN,
		O_TIMEOUT
	};
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "unix", required_argument, NULL, O_UNIX },
		{ "data-dir", required_argument, NULL, O_DATA },
		{ "etcd-servers", required_argument, NULL, O_ETCD },
		{ "token-file", required_argument, NULL, O_TOKENS },
		{ "write-kubeconfig", required_argument, NULL, O_KUBECONFIG },
		{ "default-unreachable-toleration-seconds", required_argument, NULL,
		  O_TOLERATION },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "request-timeout", required_argument, NULL, O_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: o->listen = optarg; break;
		case O_UNIX: o->unix_path = optarg; break;
		case O_DATA: o->data_dir = optarg; break;
		case O_ETCD: o->etcd = optarg; break;
		case O_TOKENS: o->token_file = optarg; break;
		case O_KUBECONFIG: o->kubeconfig = optarg; break;
		case O_TOLERATION:
			o->toleration = number("--default-unreachable-toleration-seconds",
					       optarg, 0, 86400 * 365);
			break;
		case O_MAXCONN:
			o->max_connections =
				number("--max-connections", optarg, 4, 65536);
			break;
		case O_TIMEOUT:
			o->request_timeout = number("--request-timeout", optarg, 1, 3600);
			break;
		case 'v': kit_log_set_level(KIT_LOG_DEBUG); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr, 2);
	}
	if (!o->data_dir == !o->etcd) {
		fprintf(stderr,
			"%s: give one store: --data-dir DIR or --etcd-servers URL\n",
			prog);
		usage(stderr, 2);
	}
}

/* ---- tokens ------------------------------------------------------------------ */

/* One CSV field: up to a comma, or a "quoted" one (holding commas). */
static char *csv_field(char **p)
{
	char *start = *p, *end;

	if (*start == '"') {
		start++;
		end = strchr(start, '"');
		if (!end)
			return NULL;
		*end = '\0';
		*p = end + 1 + (end[1] == ',');
		return start;
	}
	end = start + strcspn(start, ",");
	*p = end + (*end == ',');
	*end = '\0';
	return start;
}

static int add_token(struct server *srv, const char *token, const char *user,
		     char *groups)
{
	struct token *more = realloc(srv->tokens, (srv->ntokens + 1) * sizeof(*more));
	struct token *t;

	if (!more)
		return -ENOMEM;
	srv->tokens = more;
	t = &srv->tokens[srv->ntokens];
	memset(t, 0, sizeof(*t));
	t->token = strdup(token);
	if (!t->token)
		return -ENOMEM;
	snprintf(t->user.name, sizeof(t->user.name), "%s", user);
	for (char *g = strtok(groups, ","); g && t->user.ngroups < 7;
	     g = strtok(NULL, ","))
		snprintf(t->user.groups[t->user.ngroups++], sizeof(t->user.groups[0]),
			 "%s", g);
	snprintf(t->user.groups[t->user.ngroups++], sizeof(t->user.groups[0]),
		 "system:authenticated");
	srv->ntokens++;
	return 0;
}

/* kube-apiserver's --token-auth-file format: token,user,uid[,"g1,g2"]. */
static int load_tokens(struct server *srv, const char *path, struct kit_err *err)
{
	_autofree char *text = NULL;
	char *line, *save = NULL;
	int n = 0;

	if (kit_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return kit_err_wrap(err, "read token file");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *token, *user, *groups = "";

		n++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		token = csv_field(&p);
		user = token ? csv_field(&p) : NULL;
		if (user && csv_field(&p) && *p)
			groups = csv_field(&p);
		if (!token || !user || !*token || !*user || !groups)
			return kit_err_set(err, EINVAL,
					   "expected token,user,uid[,\"group1,group2\"]",
					   "read token file %s line %d", path, n);
		if (add_token(srv, token, user, groups) < 0)
			return kit_err_set(err, ENOMEM, NULL, "read token file");
	}
	if (srv->ntokens == 0)
		return kit_err_set(err, EINVAL, "it holds no token", "read token file %s",
				   path);
	return 0;
}

/* Without a token file: one admin token, random, for the kubeconfig. */
static int make_admin_token(struct server *srv, struct kit_err *err)
{
	unsigned char rnd[24];
	char hex[49], groups[] = "system:masters";

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return kit_err_set(err, EIO, NULL, "make an admin token");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	return add_token(srv, hex, "admin", groups) < 0
		       ? kit_err_set(err, ENOMEM, NULL, "make an admin token")
		       : 0;
}

/* ---- sockets and the kubeconfig ------------------------------------------------ */

static int listen_tcp(struct server *srv, const char *addr, struct kit_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char host[64];
	const char *colon = strrchr(addr, ':');
	int fd, one = 1;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return kit_err_set(err, EINVAL, "write ADDR:PORT, e.g. 127.0.0.1:6443",
				   "listen on %s", addr);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (inet_pton(AF_INET, *host ? host : "127.0.0.1", &sa.sin_addr) != 1 ||
	    atoi(colon + 1) < 0 || atoi(colon + 1) > 65535)
		return kit_err_set(err, EINVAL,
				   "an IPv4 address and a port, e.g. 127.0.0.1:6443",
				   "listen on %s", addr);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create a TCP socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		return kit_err_set(err, e,
				   e == EADDRINUSE
					   ? "another server has that port: pick another "
					     "(port 0 picks a free one)"
					   : NULL,
				   "listen on %s", addr);
	}
	getsockname(fd, (struct sockaddr *)&sa, &len);
	srv->port = ntohs(sa.sin_port);
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
	snprintf(srv->listen_ip, sizeof(srv->listen_ip), "%s", host);
	/* Clients of 0.0.0.0 reach it on loopback, where the certificate is valid. */
	snprintf(srv->listen, sizeof(srv->listen), "%s:%d",
		 strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, srv->port);
	return fd;
}

static int listen_unix(const char *path, struct kit_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kit_err_set(err, ENAMETOOLONG,
				   "a Unix socket path is at most 107 bytes",
				   "listen on %s", path);
	/* A socket left by a server that died may go; anything else stays. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return kit_err_set(err, EEXIST,
					   "it is not a socket: refusing to remove it",
					   "listen on %s", path);
		unlink(path);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create a Unix socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		return kit_err_set(err, e, NULL, "listen on %s", path);
	}
	return fd;
}

/* The first token of an administrator, for the kubeconfig. */
static const char *admin_token(const struct server *srv)
{
	for (size_t i = 0; i < srv->ntokens; i++)
		for (int g = 0; g < srv->tokens[i].user.ngroups; g++)
			if (strcmp(srv->tokens[i].user.groups[g], "system:masters") == 0)
				return srv->tokens[i].token;
	return srv->tokens[0].token;
}

static int write_kubeconfig(const struct server *srv, const char *path,
			    struct kit_err *err)
{
	_autoclose int fd = -1;
	_autofree char *ca = kit_base64_encode(srv->cert_pem, strlen(srv->cert_pem));
	char text[4096];
	int n;

	if (!ca)
		return kit_err_set(err, ENOMEM, NULL, "write kubeconfig %s", path);
	n = snprintf(text, sizeof(text),
		     "apiVersion: v1\n"
		     "kind: Config\n"
		     "clusters:\n"
		     "- name: mini\n"
		     "  cluster:\n"
		     "    server: https://%s\n"
		     "    certificate-authority-data: %s\n"
		     "users:\n"
		     "- name: admin\n"
		     "  user:\n"
		     "    token: %s\n"
		     "contexts:\n"
		     "- name: mini\n"
		     "  context:\n"
		     "    cluster: mini\n"
		     "    user: admin\n"
		     "    namespace: default\n"
		     "current-context: mini\n",
		     srv->listen, ca, admin_token(srv));
	/* It holds a secret: 0600, written in one go. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "write kubeconfig %s", path);
	if (fchmod(fd, 0600) < 0 || write(fd, text, (size_t)n) != n)
		return kit_err_set(err, errno ? errno : EIO, NULL, "write kubeconfig %s",
				   path);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .listen = "127.0.0.1:6443",
			     .toleration = 300,
			     .max_connections = 512,
			     .request_timeout = 30 };
	struct server srv = { 0 };
	struct kit_err err = { 0 };
	int tcp_fd, unix_fd = -1, sig;
	char *key_pem = NULL;
	sigset_t stop;

	kit_log_init(prog);
	parse_args(argc, argv, &o);
	srv.default_toleration = o.toleration;
	srv.max_connections = (unsigned)o.max_connections;
	srv.request_timeout = (unsigned)o.request_timeout;
	pthread_mutex_init(&srv.ip_lock, NULL);
	/* Every thread (libmicrohttpd's, the store's) inherits this mask,
	 * so SIGTERM reaches only sigwait() below. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* 1. The store: the cluster's only source of truth. */
	if (kit_store_open(o.etcd ? o.etcd : o.data_dir, &srv.store, &err) < 0)
		kit_die(prog, &err);
	if (objects_bootstrap(&srv, &err) < 0)
		kit_die(prog, &err);
	/* 2. Who may come in. */
	if ((o.token_file ? load_tokens(&srv, o.token_file, &err)
			  : make_admin_token(&srv, &err)) < 0)
		kit_die(prog, &err);
	/* 3. The doors: TCP for everyone with a token, a Unix socket for root. */
	tcp_fd = listen_tcp(&srv, o.listen, &err);
	if (tcp_fd < 0)
		kit_die(prog, &err);
	if (o.unix_path && (unix_fd = listen_unix(o.unix_path, &err)) < 0)
		kit_die(prog, &err);
	/* kubectl sends its token only over TLS: TCP is HTTPS. */
	if (tls_certificate(o.data_dir, srv.listen_ip, &srv.cert_pem, &key_pem, &err) < 0)
		kit_die(prog, &err);
	srv.tcp = http_start(&srv, tcp_fd, srv.cert_pem, key_pem);
	if (unix_fd >= 0)
		srv.unix_daemon = http_start(&srv, unix_fd, NULL, NULL);
	if (!srv.tcp || (unix_fd >= 0 && !srv.unix_daemon)) {
		kit_err_set(&err, EIO, "see the messages above", "start the HTTP server");
		kit_die(prog, &err);
	}
	if (o.kubeconfig && write_kubeconfig(&srv, o.kubeconfig, &err) < 0)
		kit_die(prog, &err);
	fprintf(stderr, "%s: serving on https://%s (store: %s)\n", prog, srv.listen,
		kit_store_backend(srv.store));
	/* 4. Serve until told to stop. */
	while (sigwait(&stop, &sig) != 0) {
	}
	kit_info("signal %d: stopping", sig);
	/* 5. Watches notice within a second; then the store goes. */
	srv.stopping = 1;
	if (srv.unix_daemon)
		MHD_stop_daemon(srv.unix_daemon);
	MHD_stop_daemon(srv.tcp);
	close(tcp_fd);
	if (unix_fd >= 0) {
		close(unix_fd);
		unlink(o.unix_path);
	}
	kit_store_close(srv.store);
	for (size_t i = 0; i < srv.ntokens; i++)
		free(srv.tokens[i].token);
	free(srv.tokens);
	free(srv.cert_pem);
	free(key_pem);
	return 0;
}
