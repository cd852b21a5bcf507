/*
 * test_index.c - the first-stage index codes (src/bio/index.h): invariant to where the finger
 * lies on the scanner (rotation, translation), independent of minutia order, near zero for
 * unrelated fingers, and the scan kernel agreeing with the per-code score. The pair-geometry
 * verifier: a mate (another impression) scores above every unrelated finger, a rotated and
 * shifted copy scores like the original, and degenerate input scores 0 without error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/index.h"
#include "bio/synth.h"
#include "bio/template.h"

#include <math.h>
#include <stdlib.h>

static void test_invariances(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    assert_non_null(t);
    assert_non_null(u);
    assert_int_equal(bio_synth_template(2, 4, 0, t, &msg), BIO_OK);
    bio_index_code a, b;
    unsigned pa = bio_index_encode(t, &a);
    assert_true(pa > 50);

    /* reversed order: the same code */
    *u = *t;
    for (int i = 0; i < t->count; i++)
        u->m[i] = t->m[t->count - 1 - i];
    assert_int_equal(bio_index_encode(u, &b), pa);
    assert_int_equal(bio_index_common(&a, &b), pa);

    /* shifted by (23, -11) px: the same code */
    *u = *t;
    for (int i = 0; i < t->count; i++) {
        u->m[i].x = (uint16_t)(t->m[i].x + 23);
        u->m[i].y = (uint16_t)(t->m[i].y - 11);
    }
    assert_int_equal(bio_index_encode(u, &b), pa);
    assert_int_equal(bio_index_common(&a, &b), pa);

    /* rotated by 0.3 rad: most bits survive (rounding moves a few across bin edges) */
    *u = *t;
    double th = 0.3;
    for (int i = 0; i < t->count; i++) {
        double x = t->m[i].x - 150.0, y = t->m[i].y - 200.0;
        u->m[i].x = (uint16_t)lround(150 + cos(th) * x - sin(th) * y);
        u->m[i].y = (uint16_t)lround(200 + sin(th) * x + cos(th) * y);
        u->m[i].angle = (float)fmod((double)t->m[i].angle - th + 2 * M_PI, 2 * M_PI);
    }
    unsigned pb = bio_index_encode(u, &b);
    assert_true(bio_index_common(&a, &b) > 0.6 * pb);
    free(t);
    free(u);
}

static void test_scan_ranks_mate_first(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    enum { N = 500 };
    bio_index_code *codes = aligned_alloc(64, N * sizeof *codes);
    uint16_t *pops = malloc(N * sizeof *pops);
    float *scores = malloc(N * sizeof *scores);
    bio_template *t = malloc(sizeof *t);
    assert_non_null(codes);
    assert_non_null(pops);
    assert_non_null(scores);
    assert_non_null(t);
    for (int i = 0; i < N; i++) {
        assert_int_equal(bio_synth_template(6, (uint32_t)i, 0, t, &msg), BIO_OK);
        pops[i] = (uint16_t)bio_index_encode(t, &codes[i]);
    }
    assert_int_equal(bio_synth_template(6, 123, 1, t, &msg), BIO_OK);
    bio_index_code p;
    bio_index_encode(t, &p);
    double alpha = bio_index_alpha(&p, codes, pops, N, 1);
    assert_true(alpha > 0 && alpha < 1);
    bio_index_scan(&p, alpha, codes, pops, N, scores);
    double mean = 0;
    int best = 0;
    for (int i = 0; i < N; i++) {
        assert_float_equal(scores[i], bio_index_score(alpha, pops[i],
                                                      bio_index_common(&p, &codes[i])), 1e-4);
        mean += (double)scores[i] / N;
        if (scores[i] > scores[best])
            best = i;
    }
    assert_int_equal(best, 123);
    assert_true(fabs(mean) < 1.0); /* unrelated fingers: about zero */
    assert_true(scores[123] > 4.0f);
    free(codes);
    free(pops);
    free(scores);
    free(t);
}

static float verify_template(const bio_index_probe *p, const bio_template *t, bio_index_acc *a)
{
    uint32_t packed[BIO_MAX_MINUTIAE];
    for (int i = 0; i < t->count; i++)
        packed[i] = BIO_INDEX_PACK(t->m[i].x, t->m[i].y, bio_angle_to_iso(t->m[i].angle),
                                   t->m[i].type);
    return bio_index_verify(p, packed, t->count, t->res_x, t->res_y, a);
}

static void test_verify_ranks_mate_first(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    bio_index_probe *p = NULL;
    bio_index_acc *a = NULL;
    assert_non_null(t);
    assert_non_null(u);
    assert_int_equal(bio_index_acc_new(&a, &msg), BIO_OK);
    assert_int_equal(bio_synth_template(8, 77, 1, t, &msg), BIO_OK);
    assert_int_equal(bio_index_probe_new(t, &p, &msg), BIO_OK);
    assert_int_equal(bio_synth_template(8, 77, 0, u, &msg), BIO_OK);
    float mate = verify_template(p, u, a);
    float worst = 0;
    for (uint32_t f = 0; f < 200; f++) {
        if (f == 77)
            continue;
        assert_int_equal(bio_synth_template(8, f, 0, u, &msg), BIO_OK);
        float v = verify_template(p, u, a);
        assert_true(v >= 0);
        if (v > worst)
            worst = v;
    }
    assert_true(mate > worst);

    /* the probe itself rotated by 0.4 rad and shifted: about the same score as unmoved */
    float self = verify_template(p, t, a);
    *u = *t;
    double th = 0.4;
    for (int i = 0; i < t->count; i++) {
        double x = t->m[i].x - 150.0, y = t->m[i].y - 200.0;
        u->m[i].x = (uint16_t)lround(180 + cos(th) * x - sin(th) * y);
        u->m[i].y = (uint16_t)lround(210 + sin(th) * x + cos(th) * y);
        u->m[i].angle = (float)fmod((double)t->m[i].angle - th + 2 * M_PI, 2 * M_PI);
    }
    float moved = verify_template(p, u, a);
    assert_true(moved > 0.6f * self);
    assert_true(moved > worst);

    /* degenerate: no minutiae, one minutia, missing arguments */
    uint32_t one = BIO_INDEX_PACK(10, 10, 0, 1);
    assert_true(bio_index_verify(p, &one, 0, 197, 197, a) == 0.0f);
    assert_true(bio_index_verify(p, &one, 1, 197, 197, a) == 0.0f);
    assert_true(bio_index_verify(NULL, &one, 1, 197, 197, a) == 0.0f);
    bio_index_probe_free(p);
    p = NULL;
    assert_int_equal(bio_index_probe_new(NULL, &p, &msg), BIO_EINVAL);
    assert_null(p);
    t->count = 0;
    assert_int_equal(bio_index_probe_new(t, &p, &msg), BIO_OK);
    assert_true(verify_template(p, u, a) == 0.0f);
    bio_index_probe_free(p);
    bio_index_acc_free(a);
    free(t);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariances),
        cmocka_unit_test(test_scan_ranks_mate_first),
        cmocka_unit_test(test_verify_ranks_mate_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
