/*
 * test_extract_wet.c - extraction of faint and wet impressions: the drawn ridge pattern
 * (test_extract_ridges.h) with its lower half at an eighth of the contrast and dark drops
 * (sweat pores, moisture) sprinkled over the ridges. The field maps come from a locally
 * contrast-normalised, clipped image (extract.c), so the faint half keeps its ridges and the
 * drops do not bend the orientation: the degraded impression still matches the clean one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/match.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit/bio/test_extract_ridges.h"

/* Lower half faint (contrast / 8 around a light gray), dark drops of radius 2 on the ridges. */
static void degrade(bio_image *img, unsigned seed)
{
    int n = img->width;
    uint8_t *p = img->pixels;
    unsigned s = seed * 2654435761u + 7u;
    for (int y = n / 2; y < n; y++)
        for (int x = 0; x < n; x++)
            if (p[y * n + x] != 255)
                p[y * n + x] = (uint8_t)(170 + (p[y * n + x] - 128) / 8);
    for (int k = 0; k < 900; k++) {
        s = s * 1103515245u + 12345u;
        int cx = 20 + (int)((s >> 8) % (unsigned)(n - 40));
        s = s * 1103515245u + 12345u;
        int cy = 20 + (int)((s >> 8) % (unsigned)(n - 40));
        if (p[cy * n + cx] > 150 || p[cy * n + cx] == 255)   /* on a ridge (dark) only */
            continue;
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++)
                if (dx * dx + dy * dy <= 5)
                    p[(cy + dy) * n + cx + dx] = 10;
    }
}

static void test_faint_wet_matches_clean(void **state)
{
    (void)state;
    bio_template *clean = malloc(sizeof *clean), *wet = malloc(sizeof *wet);
    assert_non_null(clean);
    assert_non_null(wet);
    double th = bio_threshold_for_fmr(1e-3);
    int good = 0;
    for (unsigned seed = 1; seed <= 4; seed++) {
        bio_image a, b;
        bio_msg msg = {{0}};
        assert_int_equal(ridges_make(seed, 0.0, 0, 0, 500, &a), 0);
        assert_int_equal(ridges_make(seed, 0.0, 0, 0, 500, &b), 0);
        degrade(&b, seed);
        assert_int_equal(bio_extract(&a, clean, &msg), BIO_OK);
        assert_int_equal(bio_extract(&b, wet, &msg), BIO_OK);
        double sc = bio_match_templates(clean, wet);
        printf("seed %u: clean %u, wet %u minutiae, score %.2f (threshold %.2f)\n", seed,
               (unsigned)clean->count, (unsigned)wet->count, sc, th);
        good += sc >= th;
        free(a.pixels);
        free(b.pixels);
    }
    /* All four (field maps from the image as captured lost seed 3: score 2.2). */
    assert_int_equal(good, 4);
    free(clean);
    free(wet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faint_wet_matches_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
