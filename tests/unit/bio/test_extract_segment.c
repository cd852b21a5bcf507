/*
 * test_extract_segment.c - segmentation of a light, wet print (orient.c): a block is foreground
 * only if its contrast survives a closing along the ridges. Drawn: parallel ridges on the
 * left half, faint (contrast 16) with dark drops on them, the kind a light print with sweat
 * gives; on the right half the same drops along the same lines but no ridge between them (a
 * print so light that only the drops show, FVC2002 DB2 109_8's upper third). Both halves have
 * contrast and a coherent flow; only the left one has ridges the enhancement can follow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/extract_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846

enum { N = 320 };

static void draw(uint8_t *px)
{
    const double t = 0.3, per = 9.0, c = cos(t), sn = sin(t);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            double u = -sn * x + c * y;                  /* across the ridges */
            double ridge = cos(2 * PI_D * u / per);      /* 1 on a ridge line */
            double a = c * x + sn * y;                   /* along the ridges */
            int v = x < N / 2 ? (int)lrint(178.0 - 8.0 * ridge) : 178;
            /* Drops: dark dashes 5 px long, 3 px wide, every 11 px along each ridge line. */
            double du = fabs(u - per * floor(u / per + 0.5));
            double da = fmod(a + 1100.0, 11.0);
            if (du <= 1.0 && da < 5.0)
                v = 110;
            px[y * N + x] = (uint8_t)v;
        }
}

/*
 * The field maps of the drawing (bio_orient_field: the same image for the spread and the
 * flow). Both halves have the spread and the coherence the mask asked for before (the right
 * half's drops alone: spread ~20, coherence ~0.4); only the left one keeps its contrast once
 * the drops are closed away along the ridges.
 */
static void test_drops_without_ridges_are_background(void **state)
{
    (void)state;
    uint8_t *px = malloc((size_t)N * N);
    assert_non_null(px);
    draw(px);
    bio_field f;
    bio_msg msg = {{0}};
    assert_int_equal(bio_orient_field(px, N, N, &f, &msg), BIO_OK);
    /* Blocks of each half away from the image edge and from the seam. */
    int left = 0, right = 0, nl = 0, nr = 0;
    for (int by = 4; by < f.bh - 4; by++)
        for (int bx = 4; bx < f.bw - 4; bx++) {
            if (bx < f.bw / 2 - 3) {
                left += f.mask[by * f.bw + bx];
                nl++;
            } else if (bx > f.bw / 2 + 2) {
                right += f.mask[by * f.bw + bx];
                nr++;
            }
        }
    print_message("foreground: left %d of %d blocks, right %d of %d\n", left, nl, right, nr);
    assert_true(left >= 0.95 * nl);   /* faint ridges with drops: a print */
    assert_true(right <= 0.05 * nr);  /* the drops alone: nothing to enhance */
    bio_field_free(&f);
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drops_without_ridges_are_background),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
