/*
 * cmd_tls.c - `ktpel tls self-signed --cert FILE --key FILE [--name HOST]... [--days N]`:
 * a key and a self-signed certificate for the demo and the tests, made through GnuTLS
 * (src/http/tls.c), and `ktpel tls check --cert FILE --key FILE`: the checks `serve` makes.
 * An office uses a certificate its admin installs (docs/operations.md "HTTPS").
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/tls.h"

#define TLS_MAX_NAMES 16

static int tls_usage(FILE *f)
{
    fprintf(f, "usage: ktpel tls self-signed --cert FILE --key FILE [--name HOST]... [--days N]"
               " [--force]\n"
               "       ktpel tls check --cert FILE --key FILE\n\n"
               "self-signed  kunci ECDSA P-256 (mode 0600) dan sertifikat swa-tanda untuk demo\n"
               "             dan uji; localhost dan 127.0.0.1 selalu termasuk, --name menambah\n"
               "             nama host atau alamat IPv4 (boleh berulang); --days default 365\n"
               "check        periksa pasangan sertifikat dan kunci seperti 'serve'\n");
    return f == stdout ? 0 : 2;
}

static int self_signed(int argc, char **argv)
{
    int bad = 0;
    const char *cert = cli_opt(argc, argv, "cert", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    const char *days_s = cli_opt(argc, argv, "days", "365", &bad);
    const char *names[TLS_MAX_NAMES];
    size_t n = 0;
    char *end = NULL;
    unsigned long days;
    kt_error err;
    if (bad || cert == NULL || key == NULL)
        return cli_usage("tls self-signed: --cert BERKAS dan --key BERKAS wajib diisi");
    errno = 0;
    days = strtoul(days_s, &end, 10);
    if (errno != 0 || *end != '\0' || days == 0 || days > 3650)
        return cli_usage("tls self-signed: --days harus 1..3650, bukan '%s'", days_s);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strncmp(argv[i], "--name=", 7) == 0)
            v = argv[i] + 7;
        if (v == NULL)
            continue;
        if (n == TLS_MAX_NAMES)
            return cli_usage("tls self-signed: paling banyak %d --name", TLS_MAX_NAMES);
        names[n++] = v;
    }
    kt_error_clear(&err);
    if (!cli_flag(argc, argv, "force")) {
        struct stat st;
        const char *taken = lstat(key, &st) == 0 ? key : lstat(cert, &st) == 0 ? cert : NULL;
        if (taken != NULL)
            return cli_usage("tls self-signed: %s sudah ada; pakai --force untuk menimpanya",
                             taken);
    }
    char *cpem = NULL, *kpem = NULL;
    if (http_tls_self_signed(names, n, (unsigned)days, &cpem, &kpem, &err) != KT_OK)
        return cli_report(&err);
    /* both files readable by this user only: the key must be, the certificate may be */
    mode_t old = umask(077);
    kt_code wrc = cli_write_file(key, kpem, strlen(kpem), &err);
    if (wrc == KT_OK)
        wrc = cli_write_file(cert, cpem, strlen(cpem), &err);
    umask(old);
    http_tls_pem_free(kpem);
    http_tls_pem_free(cpem);
    if (wrc != KT_OK) {
        unlink(key); /* a key without its certificate is of no use */
        return cli_report(&err);
    }
    fprintf(stderr, "ktpel: sertifikat %s dan kunci %s dibuat (berlaku %lu hari)\n", cert, key,
            days);
    return 0;
}

static int check(int argc, char **argv)
{
    int bad = 0;
    const char *cert = cli_opt(argc, argv, "cert", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    http_tls *t = NULL;
    kt_error err;
    if (bad || cert == NULL || key == NULL)
        return cli_usage("tls check: --cert BERKAS dan --key BERKAS wajib diisi");
    kt_error_clear(&err);
    if (http_tls_load(cert, key, &t, &err) != KT_OK)
        return cli_report(&err);
    json_t *o = json_pack("{s:s, s:I, s:I}", "subject", t->subject, "expires_at",
                          (json_int_t)t->expires_at * 1000, "days_left",
                          (json_int_t)((t->expires_at - (long long)time(NULL)) / 86400));
    http_tls_free(t);
    if (o == NULL)
        return cli_usage("tls check: memori habis");
    int rc = cli_print_json(o);
    json_decref(o);
    return rc;
}

int cli_tls(int argc, char **argv)
{
    if (argc < 2 || cli_flag(argc, argv, "help") || strcmp(argv[1], "help") == 0)
        return tls_usage(argc < 2 ? stderr : stdout);
    if (strcmp(argv[1], "self-signed") == 0)
        return self_signed(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 1, argv + 1);
    return cli_usage("tls: sub-perintah '%s' tidak dikenal (self-signed, check)", argv[1]);
}
