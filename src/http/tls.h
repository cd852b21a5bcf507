/*
 * tls.h - HTTPS for ktpel's servers, in one reusable place: loading and checking a PEM
 * certificate and private key for libmicrohttpd (GnuTLS underneath), and making a self-signed
 * certificate for a demo or a test (`ktpel tls self-signed`).
 *
 * Whoever serves HTTPS (the office server, and the central registry of the link later) loads
 * its pair with http_tls_load() and hands http_tls_options() to MHD_start_daemon; the pair is
 * checked first (both parse, the key is the certificate's, the certificate is in its validity
 * period, the key file is not readable by other users), so a bad pair is refused at start with
 * a message that says what is wrong rather than at the first browser's handshake.
 *
 * Never: log or print a private key. (`ktpel tls self-signed` writes the pair: the key 0600.)
 */
#ifndef KTPEL_HTTP_TLS_H
#define KTPEL_HTTP_TLS_H

#include <stddef.h>

#include "core/error.h"

/* Protocol versions and ciphers offered: TLS 1.2 and 1.3 with GnuTLS's secure defaults. */
#define HTTP_TLS_PRIORITIES "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

typedef struct http_tls {
    char *cert_pem; /* owned, NUL-terminated */
    char *key_pem;  /* owned, NUL-terminated; wiped when freed */
    char subject[128]; /* the certificate's first name (CN or first DNS name), for the log */
    long long expires_at; /* Unix seconds */
} http_tls;

/* Read and check a certificate (chain) and its key. *out owned by caller: http_tls_free().
   KT_EINVAL with field "tls-cert" / "tls-key" saying what is wrong. */
kt_code http_tls_load(const char *cert_path, const char *key_path, http_tls **out,
                      kt_error *err);
void http_tls_free(http_tls *t);

/* Make a new ECDSA P-256 key and a self-signed certificate valid for `days` days for the given
   names (host names or IPv4 addresses; "localhost" and 127.0.0.1 are always included), usable
   only as a TLS server certificate. *cert_pem and *key_pem (PEM text) are owned by the caller:
   http_tls_pem_free() (which wipes them). */
kt_code http_tls_self_signed(const char *const *names, size_t nnames, unsigned days,
                             char **cert_pem, char **key_pem, kt_error *err);
void http_tls_pem_free(char *pem);

#endif
