/*
 * test_match.c - 1:1 matching through the real parts: templates moved by a known rotation and
 * translation, partial overlap, images the test draws (test_extract_ridges.h) and, when
 * ../shared is present, FVC2002 DB1_B images and the vendor .iso records beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit/bio/test_extract_ridges.h"

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

/* Rotate t by rot (radians, counter-clockwise as seen) about (150, 200) and shift by (dx, dy). */
static void move_template(const bio_template *in, double rot, double dx, double dy,
                          bio_template *out)
{
    *out = *in;
    out->count = 0;
    for (int i = 0; i < in->count; i++) {
        double x = in->m[i].x - 150.0, y = in->m[i].y - 200.0;
        /* Counter-clockwise as seen with y down: y' = -(sin*x' ...). */
        double nx = cos(rot) * x + sin(rot) * y + 150 + dx;
        double ny = -sin(rot) * x + cos(rot) * y + 200 + dy;
        if (nx < 0 || ny < 0 || nx > 299 || ny > 399)
            continue;
        bio_minutia m = in->m[i];
        m.x = (uint16_t)lround(nx);
        m.y = (uint16_t)lround(ny);
        m.angle = (float)fmod((double)m.angle + rot + 4 * 3.14159265358979, 2 * 3.14159265358979);
        out->m[out->count++] = m;
    }
}

static void test_rotation_translation(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    assert_true(a && b && c);
    random_template(1, 40, a);
    move_template(a, 0.5, 20, -15, b);
    random_template(2, 40, c);
    double same = bio_match_templates(a, b), other = bio_match_templates(a, c);
    double self = bio_match_templates(a, a);
    assert_true(self > 0);
    assert_true(same > 2 * other);
    assert_true(same >= bio_threshold_for_fmr(1e-3));
    assert_true(other < bio_threshold_for_fmr(1e-2));
    /* Symmetric. */
    assert_true(fabs(bio_match_templates(b, a) - same) < 1e-6 * (1 + same));
    free(a);
    free(b);
    free(c);
}

static void test_partial_overlap(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    assert_true(a && b && c);
    random_template(3, 50, a);
    /* Keep only the upper 60% of the print, moved. */
    *c = *a;
    c->count = 0;
    for (int i = 0; i < a->count; i++)
        if (a->m[i].y < 260)
            c->m[c->count++] = a->m[i];
    move_template(c, -0.3, -10, 30, b);
    random_template(4, 50, c);
    assert_true(bio_match_templates(a, b) > 2 * bio_match_templates(a, c));
    free(a);
    free(b);
    free(c);
}

static void test_prepared_api(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a);
    bio_prepared *p = NULL, *q = NULL;
    bio_msg msg = {{0}};
    assert_non_null(a);
    assert_int_equal(bio_prepare(NULL, &p, &msg), BIO_EINVAL);
    assert_null(p);
    random_template(5, 1, a);
    assert_int_equal(bio_prepare(a, &p, &msg), BIO_OK);   /* too few: matches nothing */
    random_template(5, 30, a);
    assert_int_equal(bio_prepare(a, &q, &msg), BIO_OK);
    assert_int_equal(bio_prepared_count(q), 30);
    assert_true(bio_match(p, q) == 0);
    assert_true(bio_match(q, q) > 50);
    assert_true(bio_match(NULL, q) == 0);
    bio_prepared_free(p);
    bio_prepared_free(q);
    bio_prepared_free(NULL);
    free(a);
    /* Thresholds grow as the wanted false match rate falls. */
    assert_true(bio_threshold_for_fmr(1e-4) > bio_threshold_for_fmr(1e-2));
    assert_true(bio_threshold_for_fmr(0) == bio_threshold_for_fmr(1e-5));
    /* ... and bio_fmr_for_threshold undoes it, clamped to [1e-5, 0.5] at the ends. */
    for (double f = 1e-5; f <= 0.5; f *= 1.7)
        assert_true(fabs(log10(bio_fmr_for_threshold(bio_threshold_for_fmr(f))) - log10(f)) <
                    1e-9);
    assert_true(bio_fmr_for_threshold(100.0) == 1e-5);
    assert_true(bio_fmr_for_threshold(0.0) == 0.5);
    assert_true(bio_fmr_for_threshold(bio_threshold_for_fmr(1e-3) + 0.1) < 1e-3);
}

static void test_drawn_images(void **state)
{
    (void)state;
    bio_image i1, i2, i3;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    bio_msg msg = {{0}};
    assert_true(a && b && c);
    assert_int_equal(ridges_make(7, 0.0, 0, 0, 500, &i1), 0);
    assert_int_equal(ridges_make(7, 0.35, 12, -8, 500, &i2), 0);
    assert_int_equal(ridges_make(8, 0.0, 0, 0, 500, &i3), 0);
    assert_int_equal(bio_extract(&i1, a, &msg), BIO_OK);
    assert_int_equal(bio_extract(&i2, b, &msg), BIO_OK);
    assert_int_equal(bio_extract(&i3, c, &msg), BIO_OK);
    double same = bio_match_templates(a, b), other = bio_match_templates(a, c);
    printf("drawn: same %.2f other %.2f\n", same, other);
    assert_true(same > other);
    free(i1.pixels);
    free(i2.pixels);
    free(i3.pixels);
    free(a);
    free(b);
    free(c);
}

static const char *shared_dir(void)
{
    const char *s = getenv("KTPEL_SHARED");
    return s ? s : "../shared";
}

static int load_tif(const char *name, bio_template *t)
{
    char path[1024];
    bio_image img;
    bio_msg msg = {{0}};
    snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/%s", shared_dir(), name);
    if (bio_image_load(path, &img, &msg) != BIO_OK)
        return -1;
    bio_status st = bio_extract(&img, t, &msg);
    bio_image_free(&img);
    return st == BIO_OK ? 0 : -2;
}

static int load_iso(const char *name, bio_template *t)
{
    char path[1024];
    uint8_t *buf = NULL;
    size_t len = 0, n = 0;
    bio_template *views = NULL;
    bio_msg msg = {{0}};
    snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/%s", shared_dir(), name);
    if (bio_read_file(path, 1u << 20, &buf, &len, &msg) != BIO_OK)
        return -1;
    bio_status st = bio_template_decode(buf, len, &views, &n, NULL, &msg);
    free(buf);
    if (st != BIO_OK || n == 0) {
        free(views);
        return -2;
    }
    *t = views[0];
    free(views);
    return 0;
}

/* Fingers 101..104, impressions 1..3: genuine pairs above impostor pairs for most pairs. */
static void real_set(int (*load)(const char *, bio_template *), const char *ext)
{
    enum { F = 4, I = 3 };
    bio_template *t = malloc(sizeof(bio_template) * F * I);
    assert_non_null(t);
    for (int f = 0; f < F; f++)
        for (int i = 0; i < I; i++) {
            char name[64];
            snprintf(name, sizeof name, "%d_%d.%s", 101 + f, i + 1, ext);
            int rc = load(name, &t[f * I + i]);
            if (rc == -1) {
                printf("SKIP: ../shared not found\n");
                free(t);
                return;
            }
            assert_int_equal(rc, 0);
        }
    double gmin = 1e9, imax = 0;
    int ng = 0, gbelow = 0;
    double gen[F * 3];
    for (int a = 0; a < F * I; a++)
        for (int b = a + 1; b < F * I; b++) {
            double s = bio_match_templates(&t[a], &t[b]);
            if (a / I == b / I) {
                gen[ng++] = s;
                if (s < gmin)
                    gmin = s;
            } else if (s > imax) {
                imax = s;
            }
        }
    for (int k = 0; k < ng; k++)
        gbelow += gen[k] <= imax;
    printf("%s: genuine min %.2f, impostor max %.2f, genuine at or below impostor max: %d/%d\n",
           ext, gmin, imax, gbelow, ng);
    assert_true(gbelow <= 2);
    free(t);
}

static void test_real_images(void **state)
{
    (void)state;
    real_set(load_tif, "tif");
}

static void test_real_iso(void **state)
{
    (void)state;
    real_set(load_iso, "iso");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_translation),
        cmocka_unit_test(test_partial_overlap),
        cmocka_unit_test(test_prepared_api),
        cmocka_unit_test(test_drawn_images),
        cmocka_unit_test(test_real_images),
        cmocka_unit_test(test_real_iso),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
