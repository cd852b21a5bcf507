/*
 * test_match_global.c - the matcher's global stage and its contract, through bio_prepare /
 * bio_match on synthetic templates: a print seen again with skin distortion (a smooth
 * non-rigid warp), a third of its minutiae missed and spurious ones added still matches above
 * the 1e-3 FMR threshold and far above unrelated prints; unrelated random prints stay below
 * the 1e-2 threshold; scores are exactly symmetric.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* n random minutiae in a 300x400 frame at 500 dpi (deterministic from seed). */
static void random_template(unsigned seed, int n, bio_template *t)
{
    memset(t, 0, sizeof *t);
    t->width = 300;
    t->height = 400;
    t->res_x = t->res_y = 197;
    unsigned s = seed * 2654435761u + 7u;
    for (int i = 0; i < n; i++) {
        t->m[i].x = (uint16_t)(30 + next(&s) % 240);
        t->m[i].y = (uint16_t)(30 + next(&s) % 340);
        t->m[i].angle = (float)(next(&s) % 360) * (float)(PI_D / 180.0);
        t->m[i].type = (uint8_t)(1 + i % 2);
        t->m[i].quality = 80;
    }
    t->count = (uint16_t)n;
}

/*
 * Another impression of in: a smooth warp (up to ~9 px, like skin pressed differently), then
 * rotation rot about the centre and a shift; every third minutia missed, `extra` spurious ones.
 */
static void reimpress(const bio_template *in, double rot, int extra, unsigned seed,
                      bio_template *out)
{
    *out = *in;
    out->count = 0;
    for (int i = 0; i < in->count; i++) {
        if (i % 3 == 2)
            continue;
        double x = in->m[i].x, y = in->m[i].y;
        double wx = x + 9.0 * sin(y / 110.0), wy = y + 7.0 * sin(x / 90.0);
        double cx = wx - 150.0, cy = wy - 200.0;
        double nx = cos(rot) * cx + sin(rot) * cy + 150.0 + 12.0;
        double ny = -sin(rot) * cx + cos(rot) * cy + 200.0 - 9.0;
        if (nx < 0 || ny < 0 || nx > 299 || ny > 399)
            continue;
        bio_minutia m = in->m[i];
        m.x = (uint16_t)lround(nx);
        m.y = (uint16_t)lround(ny);
        m.angle = (float)fmod((double)m.angle + rot + 4 * PI_D, 2 * PI_D);
        out->m[out->count++] = m;
    }
    unsigned s = seed;
    for (int k = 0; k < extra; k++) {
        bio_minutia m = {0};
        m.x = (uint16_t)(30 + next(&s) % 240);
        m.y = (uint16_t)(30 + next(&s) % 340);
        m.angle = (float)(next(&s) % 360) * (float)(PI_D / 180.0);
        m.type = 1;
        m.quality = 60;
        out->m[out->count++] = m;
    }
}

static double match(const bio_template *a, const bio_template *b)
{
    bio_prepared *pa = NULL, *pb = NULL;
    assert_int_equal(bio_prepare(a, &pa, NULL), BIO_OK);
    assert_int_equal(bio_prepare(b, &pb, NULL), BIO_OK);
    double s = bio_match(pa, pb);
    bio_prepared_free(pa);
    bio_prepared_free(pb);
    return s;
}

static void test_distorted_reimpression(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    assert_true(a && b && c);
    for (unsigned seed = 1; seed <= 5; seed++) {
        random_template(seed, 45, a);
        reimpress(a, 0.4, 10, seed + 100, b);
        double same = match(a, b);
        double worst = 0;
        for (unsigned k = 0; k < 8; k++) {
            random_template(1000 + 10 * seed + k, 40, c);
            double o = match(b, c);
            worst = o > worst ? o : worst;
        }
        assert_true(same >= bio_threshold_for_fmr(1e-3));
        assert_true(same > 2 * worst);
    }
    free(a);
    free(b);
    free(c);
}

static void test_unrelated_below_threshold(void **state)
{
    (void)state;
    enum { N = 24 };
    bio_template *t = malloc(N * sizeof *t);
    bio_prepared *p[N] = {0};
    assert_non_null(t);
    for (int i = 0; i < N; i++) {
        random_template(500 + (unsigned)i, 25 + 3 * (i % 8), &t[i]);
        assert_int_equal(bio_prepare(&t[i], &p[i], NULL), BIO_OK);
    }
    double thr = bio_threshold_for_fmr(1e-2);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double s = bio_match(p[i], p[j]);
            assert_true(s < thr);
            /* Exactly symmetric: the pair is put in one canonical order. */
            assert_true(bio_match(p[j], p[i]) == s);
        }
    for (int i = 0; i < N; i++)
        bio_prepared_free(p[i]);
    free(t);
}

static void test_self_and_empty(void **state)
{
    (void)state;
    bio_template *a = malloc(sizeof *a), *e = malloc(sizeof *e);
    assert_true(a && e);
    random_template(77, 40, a);
    memset(e, 0, sizeof *e);
    e->res_x = e->res_y = 197;
    /* A print against itself: every minutia pairs, the global term is full. */
    assert_true(match(a, a) > bio_threshold_for_fmr(1e-5));
    assert_true(match(a, e) == 0);
    assert_true(match(e, a) == 0);
    free(a);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distorted_reimpression),
        cmocka_unit_test(test_unrelated_below_threshold),
        cmocka_unit_test(test_self_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
