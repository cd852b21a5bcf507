/*
 * test_index.c - the first-stage index codes (src/bio/index.h): invariant to where the finger
 * lies on the scanner (rotation, translation), independent of minutia order, near zero for
 * unrelated fingers, and the scan kernel agreeing with the per-code score.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/index.h"
#include "bio/synth.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariances),
        cmocka_unit_test(test_scan_ranks_mate_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
