/*
 * test_token.c - receipt tokens: issue and verify with real Ed25519 keys in key files made in
 * a temp folder; every single-byte change, another key, expiry and a NIK mismatch refused;
 * the secret key file is 0600 and a readable one is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc/token.h"

#define T0 1736906400000LL /* 2025-01-15 09:00 WIB */
#define DAY 86400000LL

typedef struct fx {
    char dir[64], sec[128], pub[128];
    tok_keys k;
    unsigned char pk[TOK_PUBLIC_LEN];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    kt_error err;
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/ktpel-tok-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->sec, sizeof f->sec, "%s/receipt.key", f->dir);
    snprintf(f->pub, sizeof f->pub, "%s/receipt.pub", f->dir);
    if (tok_keygen(f->sec, f->pub, &err) != KT_OK || tok_load_secret(f->sec, &f->k, &err) != KT_OK ||
        tok_load_public(f->pub, f->pk, &err) != KT_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char p[160];
    const char *names[] = {"receipt.key", "receipt.pub", "other.key", "other.pub"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    tok_keys_wipe(&f->k);
    free(f);
    return 0;
}

static void test_roundtrip(void **state)
{
    fx *f = *state;
    char tok[TOK_MAX_CHARS];
    tok_claims c;
    kt_error err;
    assert_int_equal(tok_issue(&f->k, "TT-20250115-0042", "3671101501900001", T0, T0 + 90 * DAY,
                               tok, sizeof tok, &err), KT_OK);
    assert_true(strlen(tok) < 160);
    assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     strlen(tok));
    assert_int_equal(tok_verify(f->pk, tok, T0 + DAY, &c, &err), KT_OK);
    assert_string_equal(c.receipt_no, "TT-20250115-0042");
    assert_int_equal(c.issued_at, T0);
    assert_int_equal(c.expires_at, T0 + 90 * DAY);
    assert_true(tok_nik_matches(&f->k, &c, "3671101501900001"));
    assert_false(tok_nik_matches(&f->k, &c, "3671101501900002"));
    /* The NIK is not in the token in clear. */
    assert_null(strstr(tok, "3671101501900001"));
}

static void test_every_byte_change_refused(void **state)
{
    fx *f = *state;
    char tok[TOK_MAX_CHARS], bad[TOK_MAX_CHARS + 2]; /* room for the extended copy */
    tok_claims c;
    kt_error err;
    assert_int_equal(tok_issue(&f->k, "TT-1", "3671101501900001", T0, T0 + DAY, tok, sizeof tok,
                               &err), KT_OK);
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        memcpy(bad, tok, n + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        kt_code rc = tok_verify(f->pk, bad, T0, &c, &err);
        assert_int_equal(rc, KT_EINVAL);
        assert_true(strcmp(err.id, "token_bad_signature") == 0 ||
                    strcmp(err.id, "token_malformed") == 0);
    }
    /* truncated and extended */
    memcpy(bad, tok, n + 1);
    bad[n - 1] = '\0';
    assert_int_equal(tok_verify(f->pk, bad, T0, &c, &err), KT_EINVAL);
    snprintf(bad, sizeof bad, "%sA", tok);
    assert_int_equal(tok_verify(f->pk, bad, T0, &c, &err), KT_EINVAL);
    assert_int_equal(tok_verify(f->pk, "", T0, &c, &err), KT_EINVAL);
    assert_int_equal(tok_verify(f->pk, "not a token!", T0, &c, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_malformed");
}

static void test_other_key_refused(void **state)
{
    fx *f = *state;
    char sec[160], pub[160], tok[TOK_MAX_CHARS];
    tok_keys other;
    unsigned char opk[TOK_PUBLIC_LEN];
    tok_claims c;
    kt_error err;
    snprintf(sec, sizeof sec, "%s/other.key", f->dir);
    snprintf(pub, sizeof pub, "%s/other.pub", f->dir);
    assert_int_equal(tok_keygen(sec, pub, &err), KT_OK);
    assert_int_equal(tok_load_secret(sec, &other, &err), KT_OK);
    assert_int_equal(tok_load_public(pub, opk, &err), KT_OK);
    assert_int_equal(tok_issue(&other, "TT-1", "3671101501900001", T0, T0 + DAY, tok, sizeof tok,
                               &err), KT_OK);
    assert_int_equal(tok_verify(f->pk, tok, T0, &c, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_bad_signature");
    assert_int_equal(tok_verify(opk, tok, T0, &c, &err), KT_OK);
    /* The NIK hash is keyed: another office's key does not match our hash. */
    assert_false(tok_nik_matches(&f->k, &c, "3671101501900001"));
    tok_keys_wipe(&other);
}

static void test_expiry_and_bad_input(void **state)
{
    fx *f = *state;
    char tok[TOK_MAX_CHARS];
    tok_claims c;
    kt_error err;
    assert_int_equal(tok_issue(&f->k, "TT-1", "3671101501900001", T0, T0 + DAY, tok, sizeof tok,
                               &err), KT_OK);
    assert_int_equal(tok_verify(f->pk, tok, T0 + DAY, &c, &err), KT_EREFUSED);
    assert_string_equal(err.id, "token_expired");
    assert_int_equal(tok_verify(f->pk, tok, T0 - DAY, &c, &err), KT_EREFUSED);
    assert_string_equal(err.id, "token_not_yet_valid");
    assert_int_equal(tok_issue(&f->k, "TT-1", "36711015019", T0, T0 + DAY, tok, sizeof tok, &err),
                     KT_EINVAL);
    assert_string_equal(err.field, "nik");
    assert_int_equal(tok_issue(&f->k, "TT 1", "3671101501900001", T0, T0 + DAY, tok, sizeof tok,
                               &err), KT_EINVAL);
    assert_string_equal(err.field, "receipt_no");
    assert_int_equal(tok_issue(&f->k, "TT-1", "3671101501900001", T0, T0, tok, sizeof tok, &err),
                     KT_EINVAL);
    assert_string_equal(err.field, "expires_at");
}

static void test_key_files(void **state)
{
    fx *f = *state;
    struct stat st;
    kt_error err;
    tok_keys k;
    assert_int_equal(stat(f->sec, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* never overwritten */
    assert_int_equal(tok_keygen(f->sec, f->pub, &err), KT_ECONFLICT);
    /* a secret others can read is refused */
    assert_int_equal(chmod(f->sec, 0644), 0);
    assert_int_equal(tok_load_secret(f->sec, &k, &err), KT_EREFUSED);
    assert_string_equal(err.id, "key_permissions");
    assert_int_equal(chmod(f->sec, 0600), 0);
    assert_int_equal(tok_load_secret(f->sec, &k, &err), KT_OK);
    assert_memory_equal(k.pk, f->pk, TOK_PUBLIC_LEN);
    tok_keys_wipe(&k);
    /* a public file that is not 64 hex digits */
    FILE *fp = fopen(f->pub, "w");
    assert_non_null(fp);
    fputs("zz\n", fp);
    fclose(fp);
    unsigned char pk[TOK_PUBLIC_LEN];
    assert_int_equal(tok_load_public(f->pub, pk, &err), KT_EINVAL);
    assert_string_equal(err.id, "key_malformed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_byte_change_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_and_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
