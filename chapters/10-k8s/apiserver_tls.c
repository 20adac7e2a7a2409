/* SPDX-License-Identifier: MIT */
/*
 * apiserver_tls.c - the server's certificate: why TCP is HTTPS.
 *
 * Article: §6.1 (API Server: 认证).  kubectl (client-go) sends a bearer
 * token only over TLS: against an http:// server it sends no credentials
 * at all, and every request is anonymous.  So the TCP door is HTTPS, as
 * kube-apiserver's secure port is.  The certificate is made here with
 * GnuTLS: an ECDSA P-256 key, self-signed, valid for 127.0.0.1, the
 * listening address and "localhost"; the kubeconfig carries it as the
 * certificate authority, so kubectl verifies it like any other.
 *
 * With --data-dir the key and certificate are kept there (apiserver.key,
 * apiserver.crt) so kubeconfigs stay valid across restarts.
 *
 * Left out: a separate CA, client certificates, certificate rotation.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "apiserver.h"
#include "kit/file.h"

static int save(const char *path, const char *text, mode_t mode, struct kit_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	ssize_t n;

	if (fd < 0)
		return kit_err_set(err, errno, NULL, "write %s", path);
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text) || fsync(fd) < 0) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return kit_err_set(err, e, NULL, "write %s", path);
	}
	close(fd);
	return 0;
}

static int tls_fail(int rc, const char *what, struct kit_err *err)
{
	return kit_err_set(err, EINVAL, gnutls_strerror(rc), "%s", what);
}

static char *pem_of(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	return s;
}

/* The certificate's addresses: 127.0.0.1, @ip (if another), localhost. */
static int add_names(gnutls_x509_crt_t crt, const char *ip)
{
	struct in_addr lo, a;
	int rc;

	inet_pton(AF_INET, "127.0.0.1", &lo);
	rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &lo,
						  sizeof(lo), GNUTLS_FSAN_APPEND);
	if (rc == 0 && inet_pton(AF_INET, ip, &a) == 1 && a.s_addr != lo.s_addr &&
	    a.s_addr != INADDR_ANY)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &a,
							  sizeof(a), GNUTLS_FSAN_APPEND);
	if (rc == 0)
		rc = gnutls_x509_crt_set_subject_alt_name(
			crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);
	return rc;
}

static int make(const char *ip, char **cert, char **key, struct kit_err *err)
{
	gnutls_x509_privkey_t pk = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t out;
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc;

	if (getrandom(serial, sizeof(serial), 0) != sizeof(serial))
		return kit_err_set(err, EIO, NULL, "make a certificate serial");
	serial[0] &= 0x7f; /* positive */
	if ((rc = gnutls_x509_privkey_init(&pk)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(
		     pk, GNUTLS_PK_ECDSA,
		     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + 10L * 365 * 86400)) <
		    0 ||
	    (rc = gnutls_x509_crt_set_dn(crt, "CN=mini-apiserver,O=the kit", NULL)) < 0 ||
	    (rc = add_names(crt, ip)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(
		     crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) <
		    0 ||
	    (rc = gnutls_x509_crt_set_key(crt, pk)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(crt, crt, pk, GNUTLS_DIG_SHA256, 0)) < 0) {
		gnutls_x509_crt_deinit(crt);
		gnutls_x509_privkey_deinit(pk);
		return tls_fail(rc, "make the server certificate", err);
	}
	rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out);
	if (rc == 0) {
		*cert = pem_of(&out);
		rc = gnutls_x509_privkey_export2(pk, GNUTLS_X509_FMT_PEM, &out);
		if (rc == 0)
			*key = pem_of(&out);
	}
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(pk);
	if (rc < 0)
		return tls_fail(rc, "export the server certificate", err);
	return *cert && *key ? 0 : kit_err_set(err, ENOMEM, NULL, "make a certificate");
}

int tls_certificate(const char *dir, const char *ip, char **cert, char **key,
		    struct kit_err *err)
{
	char cpath[PATH_MAX], kpath[PATH_MAX];
	int ret;

	*cert = *key = NULL;
	if (dir) {
		snprintf(cpath, sizeof(cpath), "%s/apiserver.crt", dir);
		snprintf(kpath, sizeof(kpath), "%s/apiserver.key", dir);
		if (access(cpath, R_OK) == 0 && access(kpath, R_OK) == 0) {
			ret = kit_read_file(cpath, 1 << 20, cert, NULL, err);
			if (ret == 0)
				ret = kit_read_file(kpath, 1 << 20, key, NULL, err);
			return ret;
		}
	}
	ret = make(ip, cert, key, err);
	if (ret == 0 && dir) {
		ret = save(kpath, *key, 0600, err);
		if (ret == 0)
			ret = save(cpath, *cert, 0644, err);
	}
	return ret;
}
