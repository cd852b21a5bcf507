/*
 * fuzz_token.c - the signed pickup-receipt tokens of src/doc (token.c): the QR payload the
 * handover loket scans (SOP step 6) and the key files they are checked with.
 *
 * The first input byte picks a mode (the rest is the mode's input):
 *   0  a token as scanned: tok_verify with the office's public key;
 *   1  a payload the office signed: the harness signs the bytes with the office's secret key,
 *      so the fields behind the signature check (version, times, receipt length) are
 *      reached, as for a token from a stolen or buggy issuer;
 *   2  tok_issue with "receipt\nNIK\nissued_ms\nexpires_ms": every token issued must verify
 *      to the same claims and NIK, be refused once expired, and be refused after any
 *      one-character change;
 *   3  a public key file's content: tok_load_public.
 * The office key is fixed (a seed of the harness), so every crash replays.
 */
#include "fuzz.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <sys/stat.h>

#include "doc/token.h"

#define NOW_MS FZ_NOW_MS

static tok_keys keys;
static char pub_path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char sec[300];
    kt_error err;
    const char *dir = fz_dir("token");
    snprintf(sec, sizeof sec, "%s/receipt.key", dir);
    snprintf(pub_path, sizeof pub_path, "%s/fuzz.pub", dir);
    fz_write_file(sec, FZ_OFFICE_SEED_HEX, sizeof FZ_OFFICE_SEED_HEX - 1);
    if (chmod(sec, 0600) != 0 || tok_load_secret(sec, &keys, &err) != KT_OK) {
        fprintf(stderr, "fuzz_token: cannot load the harness key: %s\n", err.message);
        abort();
    }
    return 0;
}

static void check_claims(const tok_claims *c)
{
    size_t rl = strnlen(c->receipt_no, sizeof c->receipt_no);
    if (rl > TOK_RECEIPT_MAX || c->version != TOK_VERSION || c->expires_at <= NOW_MS ||
        c->issued_at > NOW_MS + 5 * 60 * 1000)
        fz_fail("verified token with claims out of range (receipt %zu bytes, version %d)", rl,
                c->version);
}

static void mode_verify(const char *token)
{
    tok_claims c;
    kt_error err;
    kt_code rc = tok_verify(keys.pk, token, NOW_MS, &c, &err);
    if (rc == KT_OK)
        check_claims(&c);
    else if (err.id[0] == '\0' || err.message[0] == '\0')
        fz_fail("refused token without an error id and message");
}

static void mode_signed(const uint8_t *data, size_t size)
{
    unsigned char msg[256];
    char token[512];
    if (size > sizeof msg - crypto_sign_BYTES)
        return;
    if (size > 0)
        memcpy(msg, data, size);
    crypto_sign_detached(msg + size, NULL, msg, size, keys.sk);
    sodium_bin2base64(token, sizeof token, msg, size + crypto_sign_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    mode_verify(token);
}

static int64_t parse_ms(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    return end == s ? 0 : (int64_t)v;
}

static void mode_issue(char *text)
{
    const char *f[4];
    fz_lines(text, f, 4);
    int64_t iss = parse_ms(f[2]), exp = parse_ms(f[3]);
    char token[TOK_MAX_CHARS], other[TOK_MAX_CHARS];
    kt_error err;
    tok_claims c;
    memset(token, 'X', sizeof token);
    if (tok_issue(&keys, f[0], f[1], iss, exp, token, sizeof token, &err) != KT_OK) {
        if (err.id[0] == '\0')
            fz_fail("tok_issue refused without an error id");
        return;
    }
    size_t tl = strnlen(token, sizeof token);
    if (tl == sizeof token)
        fz_fail("issued token does not fit TOK_MAX_CHARS");
    int64_t at = iss / 1000 * 1000;
    if (tok_verify(keys.pk, token, at, &c, &err) != KT_OK)
        fz_fail("a token just issued does not verify: %s", err.message);
    if (strcmp(c.receipt_no, f[0]) != 0 || c.issued_at != at ||
        c.expires_at != exp / 1000 * 1000 || !tok_nik_matches(&keys, &c, f[1]))
        fz_fail("verified claims differ from what was issued");
    if (tok_verify(keys.pk, token, c.expires_at, &c, &err) != KT_EREFUSED ||
        strcmp(err.id, "token_expired") != 0)
        fz_fail("an expired token was not refused as token_expired");
    /* Any one-character change must be refused (a signature covers every byte). */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < tl; i++) {
        memcpy(other, token, tl + 1);
        other[i] = b64[(strchr(b64, token[i]) - b64 + 1 + (int)(i % 63)) % 64];
        if (tok_verify(keys.pk, other, at, &c, &err) == KT_OK)
            fz_fail("token changed at character %zu still verifies", i);
    }
}

static void mode_key_file(const uint8_t *data, size_t size)
{
    unsigned char pk[TOK_PUBLIC_LEN];
    kt_error err;
    fz_write_file(pub_path, data, size);
    if (tok_load_public(pub_path, pk, &err) == KT_OK) {
        size_t hex = 0;
        while (hex < size && isxdigit(data[hex]))
            hex++;
        if (hex != 64)
            fz_fail("a key file without exactly 64 hex digits was accepted");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = fz_cstr(data + 1, size - 1);
    switch (data[0] & 3) {
    case 0: mode_verify(text); break;
    case 1: mode_signed(data + 1, size - 1); break;
    case 2: mode_issue(text); break;
    default: mode_key_file(data + 1, size - 1); break;
    }
    free(text);
    return 0;
}
