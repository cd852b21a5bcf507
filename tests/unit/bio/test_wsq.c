/*
 * test_wsq.c - the WSQ decoder (src/bio/wsq.c).
 *
 * Without ../shared: hand-made marker streams must fail with clear errors (no SOI, missing
 * tables, cut headers); a whole hand-made stream decodes, and the same with filter taps that
 * overflow the synthesis is refused. With ../shared: wsq-original.wsq must match its reference decode
 * wsq-converted.png within +-1 gray level (the figures are printed), every prefix must fail
 * as truncated or corrupt, and random byte flips must never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bio/image.h"
#include "bio/wsq.h"

static void test_bad_streams(void **state)
{
    (void)state;
    bio_image img;
    bio_msg m;
    static const uint8_t not_soi[] = {0xFF, 0xD8, 0xFF, 0xE0};
    assert_int_equal(bio_wsq_decode(not_soi, sizeof not_soi, &img, &m), BIO_EFORMAT);
    assert_non_null(strstr(m.text, "SOI"));
    static const uint8_t soi_only[] = {0xFF, 0xA0};
    assert_int_equal(bio_wsq_decode(soi_only, sizeof soi_only, &img, &m), BIO_ETRUNC);
    /* SOI then EOI: no frame */
    static const uint8_t soi_eoi[] = {0xFF, 0xA0, 0xFF, 0xA1};
    assert_int_equal(bio_wsq_decode(soi_eoi, sizeof soi_eoi, &img, &m), BIO_EFORMAT);
    /* a frame header with no tables and no data */
    static const uint8_t frame[] = {0xFF, 0xA0, 0xFF, 0xA2, 0x00, 0x11, 0, 255, 0x01, 0x00,
                                    0x01, 0x00, 0, 0, 128, 0, 0, 1, 2, 0, 0, 0xFF, 0xA1};
    assert_int_equal(bio_wsq_decode(frame, sizeof frame, &img, &m), BIO_EFORMAT);
    assert_null(img.pixels);
    /* a frame of 9000 x 9000 (81 million pixels): over BIO_IMAGE_MAX_PIXELS, refused before
       the decoder allocates 8 bytes a pixel for it */
    static const uint8_t huge[] = {0xFF, 0xA0, 0xFF, 0xA2, 0x00, 0x11, 0, 255, 0x23, 0x28,
                                   0x23, 0x28, 0, 0, 128, 0, 0, 1, 2, 0, 0, 0xFF, 0xA1};
    assert_int_equal(bio_wsq_decode(huge, sizeof huge, &img, &m), BIO_EUNSUPPORTED);
    assert_non_null(strstr(m.text, "exceeds"));
    assert_null(img.pixels);
    /* a comment whose length runs past the end */
    static const uint8_t com[] = {0xFF, 0xA0, 0xFF, 0xA8, 0x10, 0x00, 'N', 'I'};
    assert_int_equal(bio_wsq_decode(com, sizeof com, &img, &m), BIO_ETRUNC);
    assert_non_null(strstr(m.text, "comment"));
    /* detection by magic */
    assert_int_equal(bio_image_detect(soi_eoi, sizeof soi_eoi), BIO_IMAGE_WSQ);
}

static const char *shared(void)
{
    const char *s = getenv("KTPEL_SHARED");
    static char p[512];
    if (!s)
        return NULL;
    snprintf(p, sizeof p, "%s/data/fingerprints/sourceafis-testres", s);
    return access(p, R_OK) == 0 ? p : NULL;
}

static void test_shared_reference(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    char pw[640], pp[640];
    snprintf(pw, sizeof pw, "%s/wsq-original.wsq", shared());
    snprintf(pp, sizeof pp, "%s/wsq-converted.png", shared());
    bio_image a, b;
    bio_image_info info;
    bio_msg m;
    if (bio_image_load_ex(pw, 0, &a, &info, &m) != BIO_OK)
        fail_msg("%s", m.text);
    assert_int_equal(info.format, BIO_IMAGE_WSQ);
    assert_int_equal(bio_image_load(pp, &b, &m), BIO_OK);
    assert_int_equal(a.width, 832);
    assert_int_equal(a.height, 768);
    assert_int_equal(b.width, a.width);
    assert_int_equal(b.height, a.height);
    size_t n = (size_t)a.width * (size_t)a.height, over = 0;
    int mx = 0;
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs(a.pixels[i] - b.pixels[i]);
        mx = d > mx ? d : mx;
        sum += d;
        sq += (double)d * d;
        over += d > 0;
    }
    double psnr = sq > 0 ? 10 * log10(255.0 * 255.0 / (sq / (double)n)) : (double)INFINITY;
    printf("WSQ vs reference: max abs diff %d, mean %.5f, %zu of %zu pixels differ, PSNR %.2f "
           "dB\n", mx, sum / (double)n, over, n, psnr);
    assert_true(mx <= 1);
    assert_true(sum / (double)n < 0.01);
    bio_image_free(&a);
    bio_image_free(&b);
}

static void test_shared_truncation_and_flips(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    char pw[640];
    snprintf(pw, sizeof pw, "%s/wsq-original.wsq", shared());
    uint8_t *buf;
    size_t len;
    bio_msg m;
    assert_int_equal(bio_read_file(pw, 1u << 24, &buf, &len, &m), BIO_OK);
    /* every prefix through the tables, then a sample through the coded data */
    for (size_t k = 0; k < len; k += k < 1000 ? 1 : 397) {
        bio_image img;
        bio_status st = bio_wsq_decode(buf, k, &img, &m);
        if (st != BIO_ETRUNC && st != BIO_EFORMAT)
            fail_msg("prefix %zu/%zu: %s", k, len, bio_status_name(st));
        assert_null(img.pixels);
    }
    uint8_t *c = malloc(len);
    assert_non_null(c);
    srand(7);
    int ok = 0, bad = 0;
    for (int it = 0; it < 24; it++) {
        memcpy(c, buf, len);
        for (int j = 0; j < 1 + it % 3; j++)
            c[(size_t)rand() % (it % 2 ? 900 : len)] ^= (uint8_t)(1 + rand() % 255);
        bio_image img;
        if (bio_wsq_decode(c, len, &img, &m) == BIO_OK) {
            ok++;
            bio_image_free(&img);
        } else {
            bad++;
            assert_true(strncmp(m.text, "WSQ: ", 5) == 0);
        }
    }
    printf("WSQ byte flips: %d decoded, %d refused\n", ok, bad);
    free(c);
    free(buf);
}

/*
 * A whole WSQ stream made here: 64x64, filters of 9 and 7 taps (value v_lo / v_hi at every
 * tap, as 1/100ths), only the four lowest subbands quantized (16 coefficients, all -1, two
 * bits each in one Huffman table). Returns the length written into b (>= 512 bytes).
 */
static size_t tiny_wsq(uint8_t *b, uint32_t v_lo, uint32_t v_hi, uint8_t exp)
{
    size_t n = 0;
#define PUT(x) (b[n++] = (uint8_t)(x))
#define PUT16(x) (PUT((x) >> 8), PUT(x))
#define PUT32(x) (PUT16((x) >> 16), PUT16((x) & 0xFFFF))
    PUT16(0xFFA0);
    PUT16(0xFFA4); /* DTT: 9 low taps (center + 4), 7 high taps (center + 3) */
    PUT16(58);
    PUT(9);
    PUT(7);
    for (int k = 0; k <= 4; k++) {
        PUT(k & 1);
        PUT(exp);
        PUT32(v_lo);
    }
    for (int k = 0; k <= 3; k++) {
        PUT(k & 1);
        PUT(exp);
        PUT32(v_hi);
    }
    PUT16(0xFFA5); /* DQT: center 0.4; bands 0..3 bin 1, the rest not coded */
    PUT16(389);
    PUT(1);
    PUT16(4);
    for (int i = 0; i < 64; i++) {
        PUT(0);
        PUT16(i < 4 ? 1 : 0);
        PUT(0);
        PUT16(1);
    }
    PUT16(0xFFA6); /* DHT 0: two codes of 2 bits, 00 -> +1 (181), 01 -> -1 (179) */
    PUT16(21);
    PUT(0);
    for (int i = 0; i < 16; i++)
        PUT(i == 1 ? 2 : 0);
    PUT(181);
    PUT(179);
    PUT16(0xFFA2); /* SOF: 64 x 64, pixel = value * 1 + 128 */
    PUT16(17);
    PUT(0);
    PUT(255);
    PUT16(64);
    PUT16(64);
    PUT(0);
    PUT16(128);
    PUT(0);
    PUT16(1);
    PUT(0);
    PUT16(0);
    PUT16(0xFFA3); /* SOB with table 0: 16 coefficients "01" */
    PUT16(3);
    PUT(0);
    for (int i = 0; i < 4; i++)
        PUT(0x55);
    PUT16(0xFFA1);
#undef PUT
#undef PUT16
#undef PUT32
    return n;
}

/* Filter taps so large that the synthesis overflows to inf and then NaN: the file is refused
   as corrupt (it was an undefined float-to-byte conversion of NaN, found by fuzz_wsq). */
static void test_non_finite_transform(void **state)
{
    (void)state;
    uint8_t b[512];
    bio_image img;
    bio_msg m;
    size_t n = tiny_wsq(b, 40, 30, 2); /* taps 0.40 / 0.30: a plain decode */
    assert_int_equal(bio_wsq_decode(b, n, &img, &m), BIO_OK);
    assert_int_equal(img.width, 64);
    assert_int_equal(img.height, 64);
    bio_image_free(&img);
    n = tiny_wsq(b, 0xFFFFFFFFu, 0xFFFFFFFFu, 0);
    assert_int_equal(bio_wsq_decode(b, n, &img, &m), BIO_EFORMAT);
    assert_null(img.pixels);
    assert_non_null(strstr(m.text, "finite"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_streams),
        cmocka_unit_test(test_non_finite_transform),
        cmocka_unit_test(test_shared_reference),
        cmocka_unit_test(test_shared_truncation_and_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
