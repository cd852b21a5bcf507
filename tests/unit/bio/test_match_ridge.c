/*
 * test_match_ridge.c - the ridge map (bio.h bio_ridge_map) and the matcher's check of an
 * alignment with it, through the real parts: the cell code; maps the test builds from a known
 * ridge flow for templates moved by a known rotation and shift (the same flow raises the score,
 * crossing ridges or another ridge spacing take the global term away, a map on one side only
 * changes nothing, a small residual rotation between the flows is forgiven, minutiae where a
 * map has no cell weigh less); maps extracted from drawn images (test_extract_ridges.h) at 500
 * and 569 dpi, whose cells turn with the drawing.
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

#define PI_D 3.14159265358979323846

/* |a - b| for orientations (modulo pi), in [0, pi/2]. */
static double orient_gap(double a, double b)
{
    double d = fmod(fabs(a - b), PI_D);
    return d > PI_D / 2 ? PI_D - d : d;
}

static void test_ridge_code(void **state)
{
    (void)state;
    const double step = pow(3.0, 1.0 / 14);   /* one period step */
    for (double o = -1.0; o < 4.0; o += 0.013)
        for (double p = 5.0; p <= 15.0; p += 0.07) {
            uint8_t c = bio_ridge_code(o, p);
            assert_true(c >> 4 <= 14);
            assert_true(c != BIO_RIDGE_NONE);
            double o2, p2;
            bio_ridge_decode(c, &o2, &p2);
            assert_true(o2 >= 0 && o2 < PI_D);
            assert_true(orient_gap(o, o2) <= PI_D / 32 + 1e-9);
            assert_true(p2 / p <= sqrt(step) + 1e-9 && p / p2 <= sqrt(step) + 1e-9);
        }
    double o2, p2;
    bio_ridge_decode(bio_ridge_code(0, 2.0), &o2, &p2);   /* clamped to the range */
    assert_true(fabs(p2 - 5.0) < 1e-9);
    bio_ridge_decode(bio_ridge_code(0, 40.0), &o2, &p2);
    assert_true(fabs(p2 - 15.0) < 1e-9);
}

/* A random template of n minutiae in a 300x400 frame (deterministic from seed). */
static void random_template(unsigned seed, int n, bio_template *t)
{
    memset(t, 0, sizeof *t);
    t->width = 300;
    t->height = 400;
    t->res_x = t->res_y = 197;
    unsigned s = seed * 2654435761u + 1u;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        t->m[i].x = (uint16_t)(40 + (s >> 8) % 220);
        s = s * 1103515245u + 12345u;
        t->m[i].y = (uint16_t)(40 + (s >> 8) % 320);
        s = s * 1103515245u + 12345u;
        t->m[i].angle = (float)((s >> 8) % 360) * 3.14159265f / 180.0f;
        t->m[i].type = (uint8_t)(1 + i % 2);
        t->m[i].quality = 80;
    }
    t->count = (uint16_t)n;
}

/* Rotate t by rot (counter-clockwise as seen) about (150, 200), shift by (dx, dy). */
static void move_template(const bio_template *in, double rot, double dx, double dy,
                          bio_template *out)
{
    *out = *in;
    out->count = 0;
    for (int i = 0; i < in->count; i++) {
        double x = in->m[i].x - 150.0, y = in->m[i].y - 200.0;
        double nx = cos(rot) * x + sin(rot) * y + 150 + dx;
        double ny = -sin(rot) * x + cos(rot) * y + 200 + dy;
        if (nx < 0 || ny < 0 || nx > 299 || ny > 399)
            continue;
        bio_minutia m = in->m[i];
        m.x = (uint16_t)lround(nx);
        m.y = (uint16_t)lround(ny);
        m.angle = (float)fmod((double)m.angle + rot + 4 * PI_D, 2 * PI_D);
        out->m[out->count++] = m;
    }
}

/*
 * The ridge map of a print moved like move_template(rot, dx, dy): each cell looks up the flow
 * of the unmoved print (a loop-like orientation around (150, 170), a period growing from 7 to
 * 11 px across it) where it came from; the orientation turns with the print. turn and scale
 * falsify it: extra orientation, period factor.
 */
static void flow_map(bio_template *t, double rot, double dx, double dy, double turn,
                     double scale)
{
    bio_ridge_map *rm = &t->ridge;
    rm->cell = 24;
    rm->x0 = 6;
    rm->y0 = 8;
    rm->cols = 12;
    rm->rows = 16;
    for (int r = 0; r < rm->rows; r++)
        for (int c = 0; c < rm->cols; c++) {
            double x = rm->x0 + (c + 0.5) * rm->cell - 150 - dx;
            double y = rm->y0 + (r + 0.5) * rm->cell - 200 - dy;
            double ux = cos(rot) * x - sin(rot) * y + 150, uy = sin(rot) * x + cos(rot) * y + 200;
            uint8_t v = BIO_RIDGE_NONE;
            if (ux > 10 && ux < 290 && uy > 10 && uy < 390) {
                /* counter-clockwise orientation as seen (y down in the image) */
                double o = 0.5 * atan2(-(uy - 170), ux - 150) + 0.3;
                double p = 7.0 + 4.0 * ux / 300.0;
                v = bio_ridge_code(o + rot + turn, p * scale);
            }
            rm->v[r * rm->cols + c] = v;
        }
}

static double match(const bio_template *a, const bio_template *b)
{
    bio_prepared *pa = NULL, *pb = NULL;
    assert_int_equal(bio_prepare(a, &pa, NULL), BIO_OK);
    assert_int_equal(bio_prepare(b, &pb, NULL), BIO_OK);
    double s = bio_match(pa, pb);
    assert_true(bio_match(pb, pa) == s);   /* exactly symmetric, maps or not */
    bio_prepared_free(pa);
    bio_prepared_free(pb);
    return s;
}

static void test_alignment_checked_by_ridges(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *x = malloc(sizeof *x);
    assert_true(a && b && x);
    for (unsigned seed = 1; seed <= 4; seed++) {
        random_template(seed, 36, a);
        move_template(a, 0.4, 15, -10, b);
        double plain = match(a, b);                 /* minutiae only */
        flow_map(a, 0, 0, 0, 0, 1);
        *x = *b;
        assert_true(match(a, x) == plain);          /* a map on one side only: no check */
        flow_map(b, 0.4, 15, -10, 0, 1);
        double same = match(a, b);
        flow_map(x, 0.4, 15, -10, PI_D / 2, 1);     /* ridges crossing */
        double crossing = match(a, x);
        flow_map(x, 0.4, 15, -10, 0, 1.3);          /* ridges 30% farther apart */
        double spacing = match(a, x);
        printf("seed %u: minutiae only %.2f, same flow %.2f, crossing %.2f, spacing %.2f\n",
               seed, plain, same, crossing, spacing);
        /* The alignment the minutiae found is confirmed: its term weighs three times more. */
        assert_true(same > plain);
        assert_true(same >= bio_threshold_for_fmr(1e-4));
        /* Refuted: the global term is gone, only the local (MCC) score is left. */
        assert_true(crossing < plain);
        assert_true(spacing < plain);
        assert_true(fabs(crossing - spacing) < 1e-9);
        /* Another finger with the very same ridge flow still scores low: the minutiae decide. */
        random_template(100 + seed, 36, x);
        flow_map(x, 0, 0, 0, 0, 1);
        assert_true(match(a, x) < bio_threshold_for_fmr(1e-2));
    }
    free(a);
    free(b);
    free(x);
}

/*
 * The alignment's rotation is off by a few degrees when it rests on few minutiae; the ridge
 * check forgives up to 0.1 rad of residual rotation between the two flows (match.c
 * R_ROT_TOL). The global term (the score above the crossing-flow one, where it is 0) keeps
 * at least 95% of itself for a map turned by 0.15 rad against its minutiae (without the
 * tolerance: cos 0.3 -> 85%), and loses more for one turned by 0.35 rad (20 degrees).
 */
static void test_residual_rotation_forgiven(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *x = malloc(sizeof *x);
    assert_true(a && b && x);
    for (unsigned seed = 1; seed <= 4; seed++) {
        random_template(seed, 36, a);
        move_template(a, 0.4, 15, -10, b);
        flow_map(a, 0, 0, 0, 0, 1);
        flow_map(b, 0.4, 15, -10, 0, 1);
        double same = match(a, b);
        *x = *b;
        flow_map(x, 0.4, 15, -10, PI_D / 2, 1);
        double local = match(a, x);   /* global term 0 */
        flow_map(x, 0.4, 15, -10, 0.15, 1);
        double small = match(a, x);
        flow_map(x, 0.4, 15, -10, 0.35, 1);
        double large = match(a, x);
        double g = same - local;
        printf("seed %u: global term same flow %.2f, turned 0.15 rad %.2f, 0.35 rad %.2f\n",
               seed, g, small - local, large - local);
        assert_true(g > 1.0);
        assert_true(small - local >= 0.95 * g);
        assert_true(large - local < 0.85 * g);
    }
    free(a);
    free(b);
    free(x);
}

/*
 * Minutiae where the print's own ridge map has no cell (ridges too unclear for a code) count
 * 0.6 in the global stage (match.c W_UNCLEAR): ten extra minutiae in one corner lower the score
 * less when that corner is unclear in the map than when it is clear.
 */
static void test_unclear_minutiae_weigh_less(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *x = malloc(sizeof *x);
    assert_true(a && b && x);
    for (unsigned seed = 1; seed <= 4; seed++) {
        random_template(seed, 36, a);
        move_template(a, 0.4, 15, -10, b);
        flow_map(a, 0, 0, 0, 0, 1);
        flow_map(b, 0.4, 15, -10, 0, 1);
        double clean = match(a, b);
        /* Ten spurious minutiae in b's lower right corner (x 180..260, y 280..360). */
        *x = *b;
        unsigned s = seed * 7919u + 3u;
        for (int i = 0; i < 10; i++) {
            bio_minutia *m = &x->m[x->count++];
            s = s * 1103515245u + 12345u;
            m->x = (uint16_t)(180 + (s >> 8) % 80);
            s = s * 1103515245u + 12345u;
            m->y = (uint16_t)(280 + (s >> 8) % 80);
            s = s * 1103515245u + 12345u;
            m->angle = (float)((s >> 8) % 360) * 3.14159265f / 180.0f;
            m->type = BIO_MINUTIA_ENDING;
            m->quality = 40;
        }
        double clear = match(a, x);
        bio_ridge_map *rm = &x->ridge;
        for (int r = 0; r < rm->rows; r++)
            for (int c = 0; c < rm->cols; c++) {
                double cx = rm->x0 + (c + 0.5) * rm->cell, cy = rm->y0 + (r + 0.5) * rm->cell;
                if (cx > 168 && cy > 268)
                    rm->v[r * rm->cols + c] = BIO_RIDGE_NONE;
            }
        double unclear = match(a, x);
        printf("seed %u: clean %.2f, with 10 spurious minutiae %.2f (clear cells) %.2f "
               "(unclear cells)\n", seed, clean, clear, unclear);
        assert_true(clear < clean);
        assert_true(unclear > clear);
    }
    free(a);
    free(b);
    free(x);
}

/*
 * The map extracted from a drawing turned by rot: every cell, looked up where it came from in
 * the unturned drawing's map, holds the orientation turned by rot (the drawing turns clockwise
 * as seen, so counter-clockwise angles fall by rot) and about the same period (9 px drawn).
 */
static void check_turned(int dpi)
{
    const double rot = 0.35, dx = 12, dy = -8;
    bio_image i1, i2;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    bio_msg msg = {{0}};
    assert_true(a && b);
    assert_int_equal(ridges_make(7, 0.0, 0, 0, dpi, &i1), 0);
    assert_int_equal(ridges_make(7, rot, dx, dy, dpi, &i2), 0);
    assert_int_equal(bio_extract(&i1, a, &msg), BIO_OK);
    assert_int_equal(bio_extract(&i2, b, &msg), BIO_OK);
    const bio_ridge_map *ra = &a->ridge, *rb = &b->ridge;
    assert_true(ra->cols > 0 && rb->cols > 0);
    assert_int_equal(ra->cell, (int)lround(24.0 * dpi / 500));
    double k = dpi / 500.0;
    int n = 0, turned = 0, spaced = 0;
    for (int r = 0; r < rb->rows; r++)
        for (int c = 0; c < rb->cols; c++) {
            uint8_t v = rb->v[r * rb->cols + c];
            if (v == BIO_RIDGE_NONE)
                continue;
            /* Back into the unturned drawing (ridges_make's transform, pattern pixels). */
            double xi = (rb->x0 + (c + 0.5) * rb->cell) / k - 160 - dx;
            double yi = (rb->y0 + (r + 0.5) * rb->cell) / k - 160 - dy;
            double u = (cos(rot) * xi + sin(rot) * yi + 160) * k;
            double w = (-sin(rot) * xi + cos(rot) * yi + 160) * k;
            int ca = (int)floor((u - ra->x0) / ra->cell), rr = (int)floor((w - ra->y0) / ra->cell);
            if (ca < 0 || rr < 0 || ca >= ra->cols || rr >= ra->rows)
                continue;
            uint8_t va = ra->v[rr * ra->cols + ca];
            if (va == BIO_RIDGE_NONE)
                continue;
            double ob, pb, oa, pa;
            bio_ridge_decode(v, &ob, &pb);
            bio_ridge_decode(va, &oa, &pa);
            n++;
            turned += orient_gap(ob, oa - rot) < 0.25;
            spaced += pb > 7.5 && pb < 11 && fabs(pb / pa - 1) < 0.17;
        }
    printf("%d dpi: %d cells compared, %d turned by the drawing, %d with the drawn spacing\n",
           dpi, n, turned, spaced);
    assert_true(n >= 40);
    assert_true(turned >= 0.8 * n);
    assert_true(spaced >= 0.8 * n);
    free(i1.pixels);
    free(i2.pixels);
    free(a);
    free(b);
}

static void test_extracted_map(void **state)
{
    (void)state;
    check_turned(500);
    check_turned(569);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ridge_code),
        cmocka_unit_test(test_alignment_checked_by_ridges),
        cmocka_unit_test(test_residual_rotation_forgiven),
        cmocka_unit_test(test_unclear_minutiae_weigh_less),
        cmocka_unit_test(test_extracted_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
