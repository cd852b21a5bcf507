/*
 * cmd_pdf.c - `ktpel pdf`: render any printed document from a JSON file, and manage the keys
 * of the receipt tokens.
 *
 *   ktpel pdf ticket|receipt|slip|referral|label|report --in FILE.json --out FILE.pdf
 *             [--key SECRET]      (receipt without "token": sign one with this key)
 *   ktpel pdf keygen SECRET PUBLIC           new Ed25519 key pair (SECRET is 0600)
 *   ktpel pdf verify TOKEN --public PUBLIC [--nik NIK --key SECRET]
 *
 * The JSON fields of each document are in docs/internals/doc.md. The command calls doc/
 * directly: rendering needs no database (the service calls the same functions).
 */
#include "cli/cli.h"
#include "doc/pdf.h"
#include "doc/token.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a receipt token signed here stays valid: a card may take months to be printed. */
#define TOKEN_LIFETIME_MS (400LL * 24 * 3600 * 1000)

static int usage(void)
{
    fputs("usage: ktpel pdf ticket|receipt|slip|referral|label|report --in FILE.json "
          "--out FILE.pdf [--key SECRET]\n"
          "       ktpel pdf keygen SECRET PUBLIC\n"
          "       ktpel pdf verify TOKEN --public PUBLIC [--nik NIK --key SECRET]\n",
          stderr);
    return 2;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A receipt without a token gets one signed with --key (the office's secret key). */
static kt_code sign_receipt(json_t *in, const char *key_path, kt_error *err)
{
    tok_keys k;
    char token[TOK_MAX_CHARS];
    const char *rno = json_string_value(json_object_get(in, "receipt_no"));
    const char *nik = json_string_value(json_object_get(in, "nik"));
    int64_t issued = now_ms(); /* the token is issued when the paper is printed */
    kt_code rc = tok_load_secret(key_path, &k, err);
    if (rc != KT_OK)
        return rc;
    rc = tok_issue(&k, rno, nik, issued, issued + TOKEN_LIFETIME_MS, token, sizeof token, err);
    tok_keys_wipe(&k);
    if (rc == KT_OK && json_object_set_new(in, "token", json_string(token)) != 0)
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    return rc;
}

static int render(int argc, char **argv, const char *kind)
{
    int bad = 0;
    const char *in_path = cli_opt(argc, argv, "in", NULL, &bad);
    const char *out_path = cli_opt(argc, argv, "out", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    kt_error err;
    json_error_t jerr;
    unsigned char *buf = NULL;
    size_t len = 0;
    int code = 1;
    kt_error_clear(&err);
    if (bad || in_path == NULL || out_path == NULL)
        return usage();
    if (key == NULL && strcmp(kind, "receipt") == 0)
        fputs("ktpel: catatan: tanpa --key, JSON tanda terima harus berisi \"token\"\n", stderr);
    json_t *in = json_load_file(in_path, 0, &jerr);
    if (in == NULL) {
        char field[64];
        snprintf(field, sizeof field, "line %d, column %d", jerr.line, jerr.column);
        kt_fail(&err, KT_EINVAL, "json_invalid", field, "%s: JSON tidak valid: %s", in_path,
                jerr.text);
        return cli_report(&err);
    }
    if (strcmp(kind, "receipt") == 0 && key != NULL && json_object_get(in, "token") == NULL &&
        sign_receipt(in, key, &err) != KT_OK)
        goto out;
    if (pdf_render(kind, in, &buf, &len, &err) != KT_OK ||
        cli_write_file(out_path, buf, len, &err) != KT_OK)
        goto out;
    printf("%s: %zu bita\n", out_path, len);
    code = 0;
out:
    free(buf);
    json_decref(in);
    return code == 0 ? 0 : cli_report(&err);
}

static int verify(int argc, char **argv)
{
    static const char *const valued[] = {"public", "nik", "key", NULL};
    int bad = 0;
    const char *token = cli_arg(argc, argv, 1, valued);
    const char *pub = cli_opt(argc, argv, "public", NULL, &bad);
    const char *nik = cli_opt(argc, argv, "nik", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    unsigned char pk[TOK_PUBLIC_LEN];
    tok_claims c;
    kt_error err;
    char iss[32], exp[32];
    kt_error_clear(&err);
    if (bad || token == NULL || pub == NULL || (nik != NULL && key == NULL))
        return usage();
    if (tok_load_public(pub, pk, &err) != KT_OK ||
        tok_verify(pk, token, now_ms(), &c, &err) != KT_OK)
        return cli_report(&err);
    time_t t = (time_t)(c.issued_at / 1000);
    strftime(iss, sizeof iss, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    t = (time_t)(c.expires_at / 1000);
    strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    printf("sah: tanda terima %s, terbit %s, berlaku sampai %s\n", c.receipt_no, iss, exp);
    if (nik != NULL) {
        tok_keys k;
        if (tok_load_secret(key, &k, &err) != KT_OK)
            return cli_report(&err);
        int ok = tok_nik_matches(&k, &c, nik);
        tok_keys_wipe(&k);
        if (!ok) {
            kt_fail(&err, KT_EREFUSED, "nik_mismatch", "nik",
                    "tanda terima ini bukan milik NIK tersebut");
            return cli_report(&err);
        }
        puts("NIK cocok");
    }
    return 0;
}

int cli_pdf(int argc, char **argv)
{
    kt_error err;
    kt_error_clear(&err);
    const char *sub = cli_arg(argc, argv, 0, (const char *const[]){"in", "out", "key",
                                                                    "public", "nik", NULL});
    if (sub == NULL || cli_flag(argc, argv, "help"))
        return usage();
    if (strcmp(sub, "keygen") == 0) {
        const char *sec = cli_arg(argc, argv, 1, NULL), *pub = cli_arg(argc, argv, 2, NULL);
        if (sec == NULL || pub == NULL)
            return usage();
        if (tok_keygen(sec, pub, &err) != KT_OK)
            return cli_report(&err);
        printf("kunci dibuat: %s (rahasia, 0600), %s (publik)\n", sec, pub);
        return 0;
    }
    if (strcmp(sub, "verify") == 0)
        return verify(argc, argv);
    return render(argc, argv, sub);
}
