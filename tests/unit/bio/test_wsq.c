/*
 * test_wsq.c - the WSQ decoder (src/bio/wsq.c) and encoder (src/bio/wsq_encode.c).
 *
 * Decoder. Without ../shared: hand-made marker streams must fail with clear errors (no SOI,
 * missing tables, cut headers); a whole hand-made stream decodes, and the same with filter taps
 * that overflow the synthesis is refused. With ../shared: wsq-original.wsq must match its
 * reference decode wsq-converted.png within +-1 gray level (the figures are printed), every
 * prefix must fail as truncated or corrupt, and random byte flips must never crash.
 * Encoder, through the decoder. Synthetic prints (bio/synth.h) round trip at the FBI's 0.75 bit
 * a pixel and at 2.25: the same size and resolution come back, the PSNR and the compression
 * ratio are printed and held to what WSQ gives on 500 dpi prints (at least 30 dB at 0.75, more
 * at 2.25). The AFIS still matches a print re-encoded as WSQ with its original, far above the
 * threshold. Odd sizes, the smallest size and a flat image round trip; bad input is refused.
 * With ../shared: the FBI sample decoded, re-encoded and decoded again (compared to the first
 * decode), and the SourceAFIS probe image encoded (compared to the original).
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

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/synth.h"
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

/* Encode img at rate, decode it back into *back; the PSNR (dB) and ratio of the round trip. */
static void round_trip(const bio_image *img, double rate, bio_image *back, double *psnr,
                       double *ratio)
{
    uint8_t *w = NULL;
    size_t n = 0;
    bio_msg m;
    if (bio_wsq_encode(img, rate, &w, &n, &m) != BIO_OK)
        fail_msg("encode %dx%d: %s", img->width, img->height, m.text);
    if (bio_wsq_decode(w, n, back, &m) != BIO_OK)
        fail_msg("decode of our own %dx%d WSQ: %s", img->width, img->height, m.text);
    assert_int_equal(back->width, img->width);
    assert_int_equal(back->height, img->height);
    size_t px = (size_t)img->width * (size_t)img->height;
    double se = 0.0;
    for (size_t i = 0; i < px; i++) {
        double d = (double)img->pixels[i] - (double)back->pixels[i];
        se += d * d;
    }
    *psnr = se > 0.0 ? 10.0 * log10(255.0 * 255.0 / (se / (double)px)) : 99.0;
    *ratio = (double)px / (double)n;
    free(w);
}

static void test_synthetic_round_trip(void **state)
{
    (void)state;
    bio_msg m;
    for (uint32_t finger = 0; finger < 3; finger++) {
        bio_synth_master *ms = NULL;
        bio_image img, back;
        assert_int_equal(bio_synth_master_new(2026, finger, 1, &ms, &m), BIO_OK);
        assert_int_equal(bio_synth_impression(ms, 0, &img, NULL, &m), BIO_OK);
        double p75, r75, p225, r225;
        round_trip(&img, BIO_WSQ_BITRATE, &back, &p75, &r75);
        assert_int_equal(back.dpi, img.dpi);
        bio_image_free(&back);
        round_trip(&img, 2.25, &back, &p225, &r225);
        bio_image_free(&back);
        printf("synthetic finger %u (%dx%d): 0.75 bpp -> %.1f:1, PSNR %.2f dB; 2.25 bpp -> "
               "%.1f:1, PSNR %.2f dB\n",
               finger, img.width, img.height, r75, p75, r225, p225);
        assert_true(p75 >= 30.0);
        assert_true(r75 >= 8.0 && r75 <= 30.0);
        assert_true(p225 > p75 + 3.0);
        assert_true(r225 < r75);
        bio_image_free(&img);
        bio_synth_master_free(ms);
    }
}

/* The AFIS sees the same finger in the WSQ copy: the score against the original stays far
   above the decision threshold (and near the original's score against itself). */
static void test_afis_matches_wsq_copy(void **state)
{
    (void)state;
    bio_msg m;
    double thr = bio_threshold_for_fmr(0.001);
    for (uint32_t finger = 0; finger < 3; finger++) {
        bio_synth_master *ms = NULL;
        bio_image img, back;
        bio_template a, b, c;
        double psnr, ratio;
        assert_int_equal(bio_synth_master_new(77, finger, 1, &ms, &m), BIO_OK);
        assert_int_equal(bio_synth_impression(ms, 1, &img, NULL, &m), BIO_OK);
        round_trip(&img, BIO_WSQ_BITRATE, &back, &psnr, &ratio);
        assert_int_equal(bio_extract(&img, &a, &m), BIO_OK);
        assert_int_equal(bio_extract(&back, &b, &m), BIO_OK);
        /* another impression of the same finger, the usual genuine comparison */
        bio_image other;
        assert_int_equal(bio_synth_impression(ms, 2, &other, NULL, &m), BIO_OK);
        assert_int_equal(bio_extract(&other, &c, &m), BIO_OK);
        double self = bio_match_templates(&a, &a), copy = bio_match_templates(&a, &b),
               genuine = bio_match_templates(&c, &a), genuine_wsq = bio_match_templates(&c, &b);
        printf("finger %u: minutiae %d original / %d WSQ; score WSQ copy %.1f (self %.1f), "
               "another impression %.1f vs original, %.1f vs WSQ copy; threshold %.1f\n",
               finger, a.count, b.count, copy, self, genuine, genuine_wsq, thr);
        assert_true(copy >= 3.0 * thr);
        /* where the two impressions match as captured, they match through WSQ too */
        if (genuine >= thr)
            assert_true(genuine_wsq >= thr);
        bio_image_free(&img);
        bio_image_free(&back);
        bio_image_free(&other);
        bio_synth_master_free(ms);
    }
}

static void test_sizes_and_flat(void **state)
{
    (void)state;
    static const int sizes[][2] = {{32, 32}, {37, 61}, {333, 257}, {512, 480}, {1001, 33}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        bio_image img = {sizes[k][0], sizes[k][1], 1000, NULL}, back;
        size_t px = (size_t)img.width * (size_t)img.height;
        img.pixels = malloc(px);
        assert_non_null(img.pixels);
        /* ridges: a sine of period 9 pixels across a gradient */
        for (int y = 0; y < img.height; y++)
            for (int x = 0; x < img.width; x++)
                img.pixels[(size_t)y * (size_t)img.width + (size_t)x] =
                    (uint8_t)(128.0 + 90.0 * sin((x + 0.5 * y) * 2.0 * M_PI / 9.0) +
                              20.0 * ((double)y / img.height - 0.5));
        double psnr, ratio;
        round_trip(&img, 2.25, &back, &psnr, &ratio);
        assert_int_equal(back.dpi, 1000); /* the NIST comment's PPI */
        printf("%dx%d: PSNR %.2f dB at 2.25 bpp (%.1f:1)\n", img.width, img.height, psnr, ratio);
        assert_true(psnr >= 30.0);
        bio_image_free(&back);
        /* a flat image (no detail at all) comes back flat */
        memset(img.pixels, 200, px);
        round_trip(&img, BIO_WSQ_BITRATE, &back, &psnr, &ratio);
        for (size_t i = 0; i < px; i++)
            assert_true(abs((int)back.pixels[i] - 200) <= 1);
        bio_image_free(&back);
        bio_image_free(&img);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    uint8_t px[64 * 64];
    memset(px, 100, sizeof px);
    bio_image small = {31, 64, 500, px}, ok = {64, 64, 500, px}, none = {64, 64, 500, NULL};
    uint8_t *out = (uint8_t *)1;
    size_t n = 1;
    bio_msg m;
    assert_int_equal(bio_wsq_encode(&small, 0.75, &out, &n, &m), BIO_EINVAL);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_non_null(strstr(m.text, "31x64"));
    assert_int_equal(bio_wsq_encode(&ok, 0.0, &out, &n, &m), BIO_EINVAL);
    assert_int_equal(bio_wsq_encode(&ok, 9.0, &out, &n, &m), BIO_EINVAL);
    assert_int_equal(bio_wsq_encode(&none, 0.75, &out, &n, &m), BIO_EINVAL);
    assert_int_equal(bio_wsq_encode(NULL, 0.75, &out, &n, &m), BIO_EINVAL);
    assert_int_equal(bio_wsq_encode(&ok, 0.75, NULL, &n, &m), BIO_EINVAL);
    /* larger than the decoder takes (BIO_IMAGE_MAX_PIXELS): refused before a pixel is read */
    bio_image huge = {9000, 9000, 500, px};
    assert_int_equal(bio_wsq_encode(&huge, 0.75, &out, &n, &m), BIO_EINVAL);
    assert_null(out);
    assert_non_null(strstr(m.text, "9000x9000"));
}

static void test_shared_samples(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    char path[640];
    bio_image orig, back;
    bio_msg m;
    double psnr, ratio;
    /* The FBI sample: decoded, re-encoded at the same rate class, decoded again. */
    snprintf(path, sizeof path, "%s/wsq-original.wsq", shared());
    uint8_t *file = NULL;
    size_t flen = 0;
    assert_int_equal(bio_read_file(path, 1u << 24, &file, &flen, &m), BIO_OK);
    assert_int_equal(bio_wsq_decode(file, flen, &orig, &m), BIO_OK);
    round_trip(&orig, BIO_WSQ_BITRATE, &back, &psnr, &ratio);
    printf("wsq-original.wsq (%dx%d, %zu bytes, %.1f:1): re-encoded at 0.75 bpp -> %.1f:1, "
           "PSNR %.2f dB against its first decode\n",
           orig.width, orig.height, flen,
           (double)orig.width * (double)orig.height / (double)flen, ratio, psnr);
    assert_true(psnr >= 35.0);
    free(file);
    bio_image_free(&orig);
    bio_image_free(&back);
    /* A plain 500 dpi print (PNG) against its WSQ copy. */
    snprintf(path, sizeof path, "%s/probe.png", shared());
    assert_int_equal(bio_image_load(path, &orig, &m), BIO_OK);
    round_trip(&orig, BIO_WSQ_BITRATE, &back, &psnr, &ratio);
    bio_template a, b;
    assert_int_equal(bio_extract(&orig, &a, &m), BIO_OK);
    assert_int_equal(bio_extract(&back, &b, &m), BIO_OK);
    double score = bio_match_templates(&a, &b);
    printf("probe.png (%dx%d): 0.75 bpp -> %.1f:1, PSNR %.2f dB; AFIS score against the "
           "original %.1f (threshold %.1f)\n",
           orig.width, orig.height, ratio, psnr, score, bio_threshold_for_fmr(0.001));
    assert_true(psnr >= 30.0);
    assert_true(score >= 3.0 * bio_threshold_for_fmr(0.001));
    bio_image_free(&orig);
    bio_image_free(&back);
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
        cmocka_unit_test(test_synthetic_round_trip),
        cmocka_unit_test(test_afis_matches_wsq_copy),
        cmocka_unit_test(test_sizes_and_flat),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_shared_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
