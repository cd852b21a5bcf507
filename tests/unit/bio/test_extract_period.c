/*
 * test_extract_period.c - the ridge period from an x-signature (orient.c,
 * bio_signature_period): the median distance between the marked gray-level minima. A light
 * print whose dark pores or drops set the signature's low end leaves some faint ridges above
 * the minimum threshold; the period over the span / count of the marked minima then grew by a
 * whole period for each one missed, the median of the gaps does not. Also on a drawn image:
 * faint parallel ridges with dark drops keep their period in the field maps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/extract_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846

/* A signature of n samples: ridges (minima) every period px from offset, gray 170 +- amp. */
static void signature(float *s, int n, double period, double offset, double amp)
{
    for (int k = 0; k < n; k++)
        s[k] = (float)(170.0 + amp * cos(2 * PI_D * (k - offset) / period));
}

static void test_clean_signature(void **state)
{
    (void)state;
    float s[40];
    signature(s, 40, 9.0, 2.0, 20.0);   /* minima at 6.5, 15.5, 24.5, 33.5 */
    float p = bio_signature_period(s, 40);
    assert_true(p >= 8.5f && p <= 9.5f);
    signature(s, 40, 6.0, 1.0, 20.0);
    p = bio_signature_period(s, 40);
    assert_true(p >= 5.5f && p <= 6.5f);
}

static void test_faint_ridge_and_dark_pore(void **state)
{
    (void)state;
    float s[40];
    signature(s, 40, 8.0, 0.0, 30.0);   /* minima at 4, 12, 20, 28, 36 (gray 140) */
    /* A dark pore on the ridge at 12 sets the low end; the ridge at 20 is fainter still. */
    s[11] = 120.0f;
    s[12] = 100.0f;
    s[13] = 120.0f;
    for (int k = 17; k <= 23; k++)
        s[k] = 170.0f + 0.3f * (s[k] - 170.0f);
    /* Marked: 12 (the pore) and the ridges at 4, 28, 36, below 100 + 0.6 x 100; the faint one
       at 20 (gray 161) is not. The span over the count said (36 - 4) / 3 = 10.7 px; the gaps
       8, 16, 8 say 8. */
    float p = bio_signature_period(s, 40);
    assert_true(p >= 7.5f && p <= 8.5f);
}

static void test_flat_or_out_of_range(void **state)
{
    (void)state;
    float s[40];
    signature(s, 40, 9.0, 0.0, 2.0);   /* 4 gray levels of contrast: no period */
    assert_true(bio_signature_period(s, 40) == 0.0f);
    signature(s, 40, 30.0, 5.0, 30.0);   /* one ridge in the window */
    assert_true(bio_signature_period(s, 40) == 0.0f);
    assert_true(bio_signature_period(s, 2) == 0.0f);
    assert_true(bio_signature_period(s, BIO_SIGNATURE_MAX + 1) == 0.0f);
}

/*
 * Parallel ridges of period 9 px, tilted, light (contrast 10 around 175), with dark drops of
 * radius 2 sprinkled over the ridges: the field's median period stays within 10% of 9.
 */
static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_light_print_with_drops(void **state)
{
    (void)state;
    const int n = 256;
    uint8_t *px = malloc((size_t)n * n);
    assert_non_null(px);
    double t = 0.4, per = 9.0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double u = -sin(t) * x + cos(t) * y;
            px[y * n + x] = (uint8_t)lrint(175.0 + 10.0 * cos(2 * PI_D * u / per));
        }
    unsigned s = 12345u;
    for (int k = 0; k < 300; k++) {
        s = s * 1103515245u + 12345u;
        int cx = 8 + (int)((s >> 8) % (unsigned)(n - 16));
        s = s * 1103515245u + 12345u;
        int cy = 8 + (int)((s >> 8) % (unsigned)(n - 16));
        if (px[cy * n + cx] > 172)   /* on a ridge (dark half) only */
            continue;
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++)
                if (dx * dx + dy * dy <= 5)
                    px[(cy + dy) * n + cx + dx] = 60;
    }
    bio_field f;
    bio_msg msg = {{0}};
    assert_int_equal(bio_orient_field(px, n, n, &f, &msg), BIO_OK);
    float *v = malloc((size_t)f.bw * (size_t)f.bh * sizeof *v);
    assert_non_null(v);
    int nv = 0;
    for (int b = 0; b < f.bw * f.bh; b++)
        if (f.mask[b])
            v[nv++] = f.period[b];
    assert_true(nv > 100);
    qsort(v, (size_t)nv, sizeof *v, cmp_float);
    float med = v[nv / 2];
    print_message("foreground blocks %d, median period %.2f\n", nv, (double)med);
    assert_true(med >= 8.1f && med <= 9.9f);
    free(v);
    bio_field_free(&f);
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_signature),
        cmocka_unit_test(test_faint_ridge_and_dark_pore),
        cmocka_unit_test(test_flat_or_out_of_range),
        cmocka_unit_test(test_light_print_with_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
