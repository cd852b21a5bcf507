/*
 * tls.c - see tls.h: a certificate and key checked before a server uses them, and a
 * self-signed certificate made with GnuTLS's own API (no openssl command, nothing downloaded).
 *
 * Checks at load: both files parse as PEM; the key belongs to the certificate (GnuTLS refuses
 * a mismatched pair when both are set on one credential); the certificate is already valid and
 * not expired; the key file is a regular file that neither its group nor others may read.
 *
 * Never: print a key, or keep one in memory longer than needed (wiped when freed).
 */
#include "http/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TLS_FILE_MAX ((size_t)1024 * 1024) /* a PEM chain is a few KiB */

/* The whole file as a NUL-terminated string. *out owned by caller. */
static kt_code read_pem(const char *path, const char *field, int is_key, char **out,
                        kt_error *err)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    kt_code rc = KT_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0)
        return kt_fail(err, KT_EINVAL, "tls_file_unreadable", field,
                       "berkas %s tidak dapat dibuka: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > TLS_FILE_MAX) {
        rc = kt_fail(err, KT_EINVAL, "tls_file_invalid", field,
                     "%s bukan berkas PEM biasa (atau lebih dari 1 MiB)", path);
        goto out;
    }
    if (is_key && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = kt_fail(err, KT_EINVAL, "tls_key_exposed", field,
                     "kunci privat %s dapat dibaca pengguna lain (mode %04o); jalankan "
                     "'chmod 600 %s' lalu ulangi",
                     path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
        goto out;
    }
    while (n < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = kt_fail(err, KT_EIO, "tls_file_unreadable", field, "gagal membaca %s", path);
            goto out;
        }
        n += (size_t)k;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
out:
    if (buf != NULL) {
        memset(buf, 0, n);
        free(buf);
    }
    close(fd);
    return rc;
}

void http_tls_free(http_tls *t)
{
    if (t == NULL)
        return;
    free(t->cert_pem);
    http_tls_pem_free(t->key_pem);
    free(t);
}

/* The certificate's name for the log: its CN, else its first DNS name. */
static void cert_name(gnutls_x509_crt_t crt, char *out, size_t cap)
{
    size_t n = cap;
    unsigned type = 0;
    out[0] = '\0';
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &n) == 0)
        return;
    n = cap;
    if (gnutls_x509_crt_get_subject_alt_name2(crt, 0, out, &n, &type, NULL) < 0 ||
        type != GNUTLS_SAN_DNSNAME)
        snprintf(out, cap, "?");
}

kt_code http_tls_load(const char *cert_path, const char *key_path, http_tls **out,
                      kt_error *err)
{
    http_tls *t = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_x509_crt_t *crts = NULL;
    unsigned ncrt = 0;
    gnutls_datum_t cd, kd;
    time_t now = time(NULL);
    kt_code rc = KT_OK;
    int g;

    *out = NULL;
    if (cert_path == NULL || key_path == NULL || cert_path[0] == '\0' || key_path[0] == '\0')
        return kt_fail(err, KT_EINVAL, "tls_pair_incomplete", cert_path ? "tls-key" : "tls-cert",
                       "HTTPS perlu --tls-cert BERKAS dan --tls-key BERKAS bersama-sama");
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    if ((rc = read_pem(cert_path, "tls-cert", 0, &t->cert_pem, err)) != KT_OK ||
        (rc = read_pem(key_path, "tls-key", 1, &t->key_pem, err)) != KT_OK)
        goto out;
    cd.data = (unsigned char *)t->cert_pem;
    cd.size = (unsigned)strlen(t->cert_pem);
    kd.data = (unsigned char *)t->key_pem;
    kd.size = (unsigned)strlen(t->key_pem);
    g = gnutls_x509_crt_list_import2(&crts, &ncrt, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || ncrt == 0) {
        rc = kt_fail(err, KT_EINVAL, "tls_cert_invalid", "tls-cert",
                     "%s bukan sertifikat PEM yang sah: %s", cert_path, gnutls_strerror(g));
        goto out;
    }
    if ((time_t)gnutls_x509_crt_get_activation_time(crts[0]) > now + 300) {
        rc = kt_fail(err, KT_EINVAL, "tls_cert_not_yet_valid", "tls-cert",
                     "sertifikat %s belum berlaku (periksa jam komputer ini)", cert_path);
        goto out;
    }
    t->expires_at = (long long)gnutls_x509_crt_get_expiration_time(crts[0]);
    if (t->expires_at < (long long)now) {
        rc = kt_fail(err, KT_EINVAL, "tls_cert_expired", "tls-cert",
                     "sertifikat %s sudah kedaluwarsa; pasang sertifikat baru", cert_path);
        goto out;
    }
    cert_name(crts[0], t->subject, sizeof t->subject);
    if (gnutls_certificate_allocate_credentials(&cred) < 0) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
        goto out;
    }
    g = gnutls_certificate_set_x509_key_mem(cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
    if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
        rc = kt_fail(err, KT_EINVAL, "tls_key_mismatch", "tls-key",
                     "kunci %s bukan pasangan sertifikat %s", key_path, cert_path);
        goto out;
    }
    if (g < 0) {
        rc = kt_fail(err, KT_EINVAL, "tls_key_invalid", "tls-key",
                     "%s bukan kunci privat PEM yang sah (tanpa kata sandi): %s", key_path,
                     gnutls_strerror(g));
        goto out;
    }
    *out = t;
    t = NULL;
out:
    if (cred != NULL)
        gnutls_certificate_free_credentials(cred);
    for (unsigned i = 0; i < ncrt; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    http_tls_free(t);
    return rc;
}

/* ---- self-signed ------------------------------------------------------------------------- */

/* Add one subject alternative name: an IPv4 address, else a DNS name. */
static int add_name(gnutls_x509_crt_t crt, const char *name)
{
    struct in_addr a;
    if (inet_pton(AF_INET, name, &a) == 1)
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &a, 4,
                                                    GNUTLS_FSAN_APPEND);
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
                                                (unsigned)strlen(name), GNUTLS_FSAN_APPEND);
}

static int name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 253)
        return 0;
    for (const char *c = n; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.'))
            return 0;
    return 1;
}

kt_code http_tls_self_signed(const char *const *names, size_t nnames, unsigned days,
                             char **cert_pem, char **key_pem, kt_error *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
    unsigned char serial[16];
    unsigned char keyid[64];
    size_t keyid_len = sizeof keyid;
    const char *cn = nnames > 0 ? names[0] : "localhost";
    time_t now = time(NULL);
    kt_code rc = KT_OK;
    int g = 0;

    *cert_pem = *key_pem = NULL;
    if (days == 0 || days > 3650)
        return kt_fail(err, KT_EINVAL, "days_invalid", "days",
                       "masa berlaku harus 1..3650 hari, bukan %u", days);
    for (size_t i = 0; i < nnames; i++)
        if (!name_ok(names[i]))
            return kt_fail(err, KT_EINVAL, "name_invalid", "name",
                           "'%.60s' bukan nama host atau alamat IPv4", names[i]);
    if ((g = gnutls_x509_privkey_init(&key)) < 0 ||
        (g = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) <
            0 ||
        (g = gnutls_x509_crt_init(&crt)) < 0)
        goto gfail;
    if ((g = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
        goto gfail;
    serial[0] &= 0x7f; /* a positive serial number */
    serial[0] |= 0x01;
    if ((g = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (g = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (g = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
        (g = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400)) < 0 ||
        (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                           (unsigned)strlen(cn))) < 0 ||
        (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                           "ktpel (swa-tanda)", 17)) < 0 ||
        (g = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (g = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 1)) < 0)
        goto gfail;
    if ((g = add_name(crt, "localhost")) < 0 || (g = add_name(crt, "127.0.0.1")) < 0)
        goto gfail;
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i], "localhost") != 0 && strcmp(names[i], "127.0.0.1") != 0 &&
            (g = add_name(crt, names[i])) < 0)
            goto gfail;
    if ((g = gnutls_x509_crt_get_key_id(crt, 0, keyid, &keyid_len)) < 0 ||
        (g = gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len)) < 0 ||
        (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
        (g = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem)) < 0 ||
        (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0)
        goto gfail;
    *key_pem = malloc(kpem.size + 1);
    *cert_pem = malloc(cpem.size + 1);
    if (*key_pem == NULL || *cert_pem == NULL) {
        free(*key_pem);
        free(*cert_pem);
        *key_pem = *cert_pem = NULL;
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
        goto out;
    }
    memcpy(*key_pem, kpem.data, kpem.size);
    (*key_pem)[kpem.size] = '\0';
    memcpy(*cert_pem, cpem.data, cpem.size);
    (*cert_pem)[cpem.size] = '\0';
    goto out;
gfail:
    rc = kt_fail(err, KT_EINTERNAL, "tls_make_failed", "", "GnuTLS gagal membuat sertifikat: %s",
                 gnutls_strerror(g));
out:
    if (kpem.data != NULL) {
        memset(kpem.data, 0, kpem.size);
        gnutls_free(kpem.data);
    }
    gnutls_free(cpem.data);
    if (crt != NULL)
        gnutls_x509_crt_deinit(crt);
    if (key != NULL)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

void http_tls_pem_free(char *pem)
{
    if (pem == NULL)
        return;
    for (volatile char *p = pem; *p != '\0'; p++)
        *p = '\0';
    free(pem);
}
