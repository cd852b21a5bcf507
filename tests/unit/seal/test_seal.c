/*
 * test_seal.c - the data key and the AEAD (src/seal): key files made 0600 and never
 * overwritten, refused when others can read them or when they are damaged; sealed bytes that
 * show nothing of the plaintext; every flipped bit, a truncation, another context and another
 * key refused; a rotation's ring opening both generations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "seal/seal.h"

static char dir[64], key[128];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/ktpel-seal-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(key, sizeof key, "%s/ktpel.key", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_key_file(void **st)
{
    (void)st;
    kt_error err;
    struct stat sb;
    assert_int_equal(seal_key_create(key, &err), KT_OK);
    assert_int_equal(stat(key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(seal_key_create(key, &err), KT_ECONFLICT); /* never overwritten */
    assert_string_equal(err.id, "key_exists");
    seal_ring *r = NULL;
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    assert_int_equal(seal_ring_count(r), 1);
    assert_int_equal(strlen(seal_ring_current_id(r)), 16);
    seal_ring_free(r);
    /* Readable by the group: refused. */
    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_EREFUSED);
    assert_string_equal(err.id, "key_mode");
    assert_int_equal(chmod(key, 0600), 0);
    /* A damaged key file: refused (the id no longer matches the key). */
    FILE *f = fopen(key, "r+");
    assert_non_null(f);
    assert_int_equal(fseek(f, 40, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, 40, SEEK_SET), 0);
    fputc(c == 'a' ? 'b' : 'a', f);
    fclose(f);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_EINVAL);
    assert_string_equal(err.id, "key_corrupt");
    unlink(key);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "key_missing");
}

static void test_seal_open(void **st)
{
    (void)st;
    kt_error err;
    seal_ring *r = NULL, *other = NULL;
    char okey[160];
    snprintf(okey, sizeof okey, "%s/other.key", dir);
    assert_int_equal(seal_key_create(key, &err), KT_OK);
    assert_int_equal(seal_key_create(okey, &err), KT_OK);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    assert_int_equal(seal_ring_load(okey, &other, &err), KT_OK);
    /* A PNG's first bytes and a recognisable text. */
    static const uint8_t plain[] = "\x89PNG\r\n\x1a\n....IHDR a face photo of AHMAD FAUZI";
    uint8_t *blob = NULL, *back = NULL;
    size_t blen = 0, plen = 0;
    assert_int_equal(seal_encrypt(r, "bio:1/face", plain, sizeof plain, &blob, &blen, &err),
                     KT_OK);
    assert_int_equal(blen, sizeof plain + SEAL_OVERHEAD);
    assert_true(seal_is_sealed(blob, blen));
    for (size_t i = 0; i + 4 <= blen; i++) {
        assert_false(memcmp(blob + i, "\x89PNG", 4) == 0);
        assert_false(memcmp(blob + i, "IHDR", 4) == 0);
        assert_false(memcmp(blob + i, "AHMA", 4) == 0);
    }
    assert_int_equal(seal_decrypt(r, "bio:1/face", blob, blen, &back, &plen, &err), KT_OK);
    assert_int_equal(plen, sizeof plain);
    assert_memory_equal(back, plain, plen);
    seal_free_secret(back, plen);
    /* Two seals of the same bytes differ (random nonces). */
    uint8_t *blob2 = NULL;
    size_t blen2 = 0;
    assert_int_equal(seal_encrypt(r, "bio:1/face", plain, sizeof plain, &blob2, &blen2, &err),
                     KT_OK);
    assert_memory_not_equal(blob, blob2, blen);
    free(blob2);
    /* Every single flipped bit is refused. */
    for (size_t i = 0; i < blen; i++)
        for (int bit = 0; bit < 8; bit++) {
            blob[i] ^= (uint8_t)(1u << bit);
            kt_code rc = seal_decrypt(r, "bio:1/face", blob, blen, &back, &plen, &err);
            assert_int_equal(rc, KT_EREFUSED);
            assert_null(back);
            blob[i] ^= (uint8_t)(1u << bit);
        }
    /* Cut short, another context, another office's key, plain bytes. */
    assert_int_equal(seal_decrypt(r, "bio:1/face", blob, blen - 1, &back, &plen, &err),
                     KT_EREFUSED);
    assert_string_equal(err.id, "seal_tampered");
    assert_int_equal(seal_decrypt(r, "bio:2/face", blob, blen, &back, &plen, &err), KT_EREFUSED);
    assert_string_equal(err.id, "seal_tampered");
    assert_int_equal(seal_decrypt(other, "bio:1/face", blob, blen, &back, &plen, &err),
                     KT_EREFUSED);
    assert_string_equal(err.id, "seal_key_unknown");
    assert_int_equal(seal_decrypt(r, "bio:1/face", plain, sizeof plain, &back, &plen, &err),
                     KT_EREFUSED);
    assert_string_equal(err.id, "seal_not_sealed");
    free(blob);
    seal_ring_free(r);
    seal_ring_free(other);
}

static void test_rotation_ring(void **st)
{
    (void)st;
    kt_error err;
    seal_ring *r = NULL;
    uint8_t *old = NULL, *neu = NULL, *back = NULL;
    size_t olen = 0, nlen = 0, plen = 0;
    char id_old[17], id_new[17], retired[300];
    assert_int_equal(seal_key_create(key, &err), KT_OK);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    snprintf(id_old, sizeof id_old, "%s", seal_ring_current_id(r));
    assert_int_equal(seal_encrypt(r, "tpl:1/finger_1", "abc", 3, &old, &olen, &err), KT_OK);
    seal_ring_free(r);
    /* Begin: the new key seals, the old still opens; beginning again resumes. */
    assert_int_equal(seal_rotation_begin(key, &err), KT_OK);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    assert_int_equal(seal_ring_count(r), 2);
    snprintf(id_new, sizeof id_new, "%s", seal_ring_current_id(r));
    assert_string_not_equal(id_old, id_new);
    seal_ring_free(r);
    assert_int_equal(seal_rotation_begin(key, &err), KT_OK);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    assert_string_equal(seal_ring_current_id(r), id_new);
    assert_int_equal(seal_decrypt(r, "tpl:1/finger_1", old, olen, &back, &plen, &err), KT_OK);
    seal_free_secret(back, plen);
    assert_int_equal(seal_encrypt(r, "tpl:1/finger_1", "abc", 3, &neu, &nlen, &err), KT_OK);
    char kid[17];
    assert_true(seal_blob_key_id(neu, nlen, kid));
    assert_string_equal(kid, id_new);
    seal_ring_free(r);
    /* Finish: the new key is the key, the old one kept 0600 beside it. */
    assert_int_equal(seal_rotation_finish(key, "20261207-132100", retired, sizeof retired, &err),
                     KT_OK);
    struct stat sb;
    assert_int_equal(stat(retired, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(seal_ring_load(key, &r, &err), KT_OK);
    assert_int_equal(seal_ring_count(r), 1);
    assert_string_equal(seal_ring_current_id(r), id_new);
    assert_int_equal(seal_decrypt(r, "tpl:1/finger_1", neu, nlen, &back, &plen, &err), KT_OK);
    seal_free_secret(back, plen);
    assert_int_equal(seal_decrypt(r, "tpl:1/finger_1", old, olen, &back, &plen, &err),
                     KT_EREFUSED);
    seal_ring_free(r);
    assert_int_equal(seal_ring_load(retired, &r, &err), KT_OK);
    assert_string_equal(seal_ring_current_id(r), id_old);
    seal_ring_free(r);
    free(old);
    free(neu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_ring, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
