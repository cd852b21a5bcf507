/*
 * fuzz_seal.c - the data key and sealed blobs (src/seal/seal.c): the key file an office keeps
 * (ktpel.key, and ktpel.key.new during a rotation), read at every start, and the sealed
 * biometric files and templates, read back from a disk that anyone with write access, a disk
 * error or a restored old copy may have changed.
 *
 * Input: one mode byte ('0'..'3'), then:
 *   0  a key file (seal_ring_load of it alone)
 *   1  a key file and a rotation's .new file, split at the first "--\n"
 *   2  a blob opened under the harness's key with the context "bio:1/face" (an attacker
 *      without the key)
 *   3  a plaintext the harness seals, then changes as the byte after the mode says (mod 5:
 *      a bit flipped at the position the next 2 bytes give, the blob cut there, opened under
 *      another context, under another office's key, or sealed during a rotation and opened
 *      with the old key alone); the rest of the input is the plaintext
 *
 * Checks seal.h's promises besides the sanitizers: a key file is accepted exactly when it is
 * "ktpel-seal-key 1\n", a 16-hex id that is the key's, "\n", 64 hex digits, "\n" (one key
 * file or the pair of a rotation); an accepted ring seals and opens; a refusal is KT_EINVAL
 * key_corrupt (or key_missing) with a message; a blob opens only as it was sealed, under its
 * own context, and a blob that does not open gives no plaintext and one of the three
 * documented ids.
 */
#include <ctype.h>
#include <sodium.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "seal/seal.h"

static char key_path[400], next_path[420], key2_path[420];
static seal_ring *ring;   /* the harness's key, made for the run */
static seal_ring *rotated; /* another key and a rotation's new key */
static seal_ring *old_alone; /* rotated's old key alone (as before the rotation began) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char p[420], n2[440], old[420];
    kt_error err;
    const char *dir = fz_dir("seal");
    snprintf(key_path, sizeof key_path, "%s/fuzzed.key", dir);
    snprintf(next_path, sizeof next_path, "%s.new", key_path);
    snprintf(key2_path, sizeof key2_path, "%s/office.key", dir);
    snprintf(p, sizeof p, "%s/rotated.key", dir);
    snprintf(n2, sizeof n2, "%s.new", p);
    snprintf(old, sizeof old, "%s/old-alone.key", dir);
    if (sodium_init() < 0 || seal_key_create(key2_path, &err) != KT_OK ||
        seal_ring_load(key2_path, &ring, &err) != KT_OK || seal_key_create(p, &err) != KT_OK ||
        seal_key_create(n2, &err) != KT_OK || seal_ring_load(p, &rotated, &err) != KT_OK ||
        seal_ring_count(rotated) != 2 || link(p, old) != 0 ||
        seal_ring_load(old, &old_alone, &err) != KT_OK ||
        strcmp(seal_ring_current_id(old_alone), seal_ring_id(rotated, 0)) != 0) {
        fprintf(stderr, "fuzz_seal: keys: %s\n", err.message);
        abort();
    }
    return 0;
}

/* Has text (n bytes) the shape of a key file as seal.h defines it (whether the id is the
   key's own is the loader's to check)? */
static int key_file_shape(const uint8_t *t, size_t n)
{
    static const char hdr[] = "ktpel-seal-key 1\n";
    size_t hl = sizeof hdr - 1;
    if (n != hl + 17 + 65 || memcmp(t, hdr, hl) != 0 || t[hl + 16] != '\n' || t[n - 1] != '\n')
        return 0;
    for (size_t i = 0; i < 16; i++)
        if (t[hl + i] == '\0' || strchr("0123456789abcdef", t[hl + i]) == NULL)
            return 0;
    for (size_t i = 0; i < 64; i++)
        if (!isxdigit(t[hl + 17 + i]))
            return 0;
    return 1;
}

/* An accepted ring seals and opens; its ids are 16 lowercase hex. */
static void ring_works(const seal_ring *r)
{
    static const char msg[] = "sidik jari";
    uint8_t *blob = NULL, *back = NULL;
    size_t bl = 0, backl = 0;
    kt_error err;
    for (size_t i = 0; i < seal_ring_count(r); i++) {
        const char *id = seal_ring_id(r, i);
        if (id == NULL || strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
            fz_fail("key %zu of a loaded ring has id '%s'", i, id != NULL ? id : "(null)");
    }
    if (seal_encrypt(r, "tpl:1/finger_1", msg, sizeof msg, &blob, &bl, &err) != KT_OK ||
        seal_decrypt(r, "tpl:1/finger_1", blob, bl, &back, &backl, &err) != KT_OK ||
        backl != sizeof msg || memcmp(back, msg, backl) != 0)
        fz_fail("a loaded ring does not open what it sealed: %s", err.message);
    free(blob);
    seal_free_secret(back, backl);
}

static void load(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, int with_next)
{
    kt_error err;
    seal_ring *r = NULL;
    kt_error_clear(&err);
    fz_write_file(key_path, a, an);
    chmod(key_path, 0600);
    unlink(next_path);
    if (with_next) {
        fz_write_file(next_path, b, bn);
        chmod(next_path, 0600);
    }
    kt_code rc = seal_ring_load(key_path, &r, &err);
    int shape = key_file_shape(a, an) && (!with_next || key_file_shape(b, bn));
    if (rc == KT_OK) {
        if (!shape)
            fz_fail("a key file that is not one was loaded");
        if (seal_ring_count(r) != (with_next ? 2u : 1u))
            fz_fail("ring of %zu keys from %d files", seal_ring_count(r), 1 + with_next);
        ring_works(r);
        seal_ring_free(r);
        return;
    }
    if (r != NULL)
        fz_fail("a refused key file gave a ring");
    if (rc != KT_EINVAL || strcmp(err.id, "key_corrupt") != 0 || err.message[0] == '\0')
        fz_fail("key file refused with code %d id '%s': %s", (int)rc, err.id, err.message);
}

static int open_fails(const seal_ring *r, const char *ctx, const uint8_t *blob, size_t n)
{
    uint8_t *out = (uint8_t *)1;
    size_t outl = 1;
    kt_error err;
    kt_code rc = seal_decrypt(r, ctx, blob, n, &out, &outl, &err);
    if (rc == KT_OK) {
        seal_free_secret(out, outl);
        return 0;
    }
    if (out != NULL || outl != 0)
        fz_fail("a blob that did not open left a plaintext");
    if (rc != KT_EREFUSED ||
        (strcmp(err.id, "seal_tampered") != 0 && strcmp(err.id, "seal_key_unknown") != 0 &&
         strcmp(err.id, "seal_not_sealed") != 0))
        fz_fail("blob refused with code %d id '%s'", (int)rc, err.id);
    return 1;
}

/* Mode 3: seal the plaintext, change it as op says, and check it opens only unchanged. */
static void tamper(const uint8_t *d, size_t n)
{
    if (n < 3)
        return;
    unsigned op = d[0] % 5, pos = (unsigned)d[1] << 8 | d[2];
    const uint8_t *pt = d + 3;
    size_t pl = n - 3;
    uint8_t *blob = NULL, *back = NULL;
    size_t bl = 0, backl = 0;
    kt_error err;
    const seal_ring *r = op == 4 ? rotated : ring;
    if (seal_encrypt(r, "bio:7/face", pt, pl, &blob, &bl, &err) != KT_OK)
        fz_fail("seal_encrypt of %zu bytes: %s", pl, err.message);
    if (bl != pl + SEAL_OVERHEAD || !seal_is_sealed(blob, bl))
        fz_fail("sealed blob of %zu bytes for %zu", bl, pl);
    if (seal_decrypt(r, "bio:7/face", blob, bl, &back, &backl, &err) != KT_OK ||
        backl != pl || (pl > 0 && memcmp(back, pt, pl) != 0))
        fz_fail("a sealed blob does not open to its plaintext: %s", err.message);
    seal_free_secret(back, backl);
    switch (op) {
    case 0: /* one bit anywhere */
        blob[pos % bl] ^= (uint8_t)(1u << (pos >> 13));
        if (!open_fails(r, "bio:7/face", blob, bl))
            fz_fail("a blob with bit %u of byte %zu flipped opened", pos >> 13, pos % bl);
        break;
    case 1: /* cut short */
        if (!open_fails(r, "bio:7/face", blob, pos % bl))
            fz_fail("a blob cut to %zu of %zu bytes opened", pos % bl, bl);
        break;
    case 2: /* another application's slot */
        if (!open_fails(r, "bio:8/face", blob, bl) || !open_fails(r, "bio:7/face ", blob, bl) ||
            !open_fails(r, "", blob, bl))
            fz_fail("a blob opened under another context");
        break;
    case 3: /* another office's key */
        if (!open_fails(rotated, "bio:7/face", blob, bl))
            fz_fail("a blob opened under another office's key");
        break;
    case 4: /* sealed during a rotation (opened above by the ring of both keys): the new key
               sealed it, so the old key alone cannot open it */
        if (strcmp(seal_ring_current_id(rotated), seal_ring_id(rotated, 1)) != 0)
            fz_fail("during a rotation the new key does not seal");
        if (!open_fails(old_alone, "bio:7/face", blob, bl))
            fz_fail("a blob of the new key opened under the old key alone");
        break;
    }
    free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0]) {
    case '0': load(d, n, NULL, 0, 0); break;
    case '1': {
        const uint8_t *sep = NULL;
        for (size_t i = 0; i + 3 <= n && sep == NULL; i++)
            if (memcmp(d + i, "--\n", 3) == 0)
                sep = d + i;
        if (sep == NULL)
            return 0;
        load(d, (size_t)(sep - d), sep + 3, n - (size_t)(sep - d) - 3, 1);
        break;
    }
    case '2': {
        uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees a read past them */
        if (copy == NULL)
            abort();
        memcpy(copy, d, n);
        if (!open_fails(ring, "bio:1/face", copy, n))
            fz_fail("a blob made without the key opened");
        free(copy);
        break;
    }
    case '3': tamper(d, n); break;
    default: break;
    }
    return 0;
}
