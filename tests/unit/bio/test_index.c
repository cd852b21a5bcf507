/*
 * test_index.c - the ranking stages of 1:N search (src/bio/index.h). Pair records: the same
 * for a finger moved on the scanner (translation) and mostly the same when turned, bounded,
 * only the first 128 minutiae. Stages A and B: a mate (another impression) scores above every
 * unrelated finger, a rotated and shifted copy scores like the original, and degenerate input
 * scores 0 without error. The verifier (stage C): the same properties.
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
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* t turned by th radians about (150, 200) and shifted by (dx, dy) */
static void move(const bio_template *t, double th, int dx, int dy, bio_template *u)
{
    *u = *t;
    for (int i = 0; i < t->count; i++) {
        double x = t->m[i].x - 150.0, y = t->m[i].y - 200.0;
        u->m[i].x = (uint16_t)lround(150 + dx + cos(th) * x - sin(th) * y);
        u->m[i].y = (uint16_t)lround(200 + dy + sin(th) * x + cos(th) * y);
        u->m[i].angle = (float)fmod((double)t->m[i].angle - th + 4 * M_PI, 2 * M_PI);
    }
}

static void test_pairs(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    uint32_t *a = malloc(BIO_INDEX_MAX_PAIRS * sizeof *a);
    uint32_t *b = malloc(BIO_INDEX_MAX_PAIRS * sizeof *b);
    assert_non_null(t);
    assert_non_null(u);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(bio_synth_template(2, 4, 0, t, &msg), BIO_OK);
    int na = bio_index_pairs(t, a);
    /* each minutia pairs with up to 8 neighbours, each pair once */
    assert_true(na >= 3 * t->count && na <= 8 * t->count);
    for (int i = 0; i < na; i++) {
        unsigned u0 = (a[i] >> 18) & 127, v0 = a[i] >> 25;
        assert_true(u0 < v0 && v0 < t->count);
        for (int j = 0; j < i; j++)
            assert_false((a[j] >> 18) == (a[i] >> 18)); /* no pair twice */
    }

    /* shifted by (23, -11) px: the same records */
    move(t, 0, 23, -11, u);
    assert_int_equal(bio_index_pairs(u, b), na);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);

    /* turned by 0.3 rad: the same pairs, most with the same key (rounding moves a few across
       bin edges) */
    move(t, 0.3, 0, 0, u);
    int nb = bio_index_pairs(u, b);
    assert_true(nb >= na - 2 && nb <= na + 2);
    qsort(a, (size_t)na, sizeof *a, cmp_u32);
    qsort(b, (size_t)nb, sizeof *b, cmp_u32);
    int same = 0;
    for (int i = 0, j = 0; i < na && j < nb;) {
        if (a[i] == b[j]) {
            same++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    assert_true(same > na / 2);

    /* only the first 128 minutiae take part; none: no records */
    *u = *t;
    for (int i = 0; i < 200; i++)
        u->m[i] = t->m[i % t->count];
    for (int i = 0; i < 200; i++)
        u->m[i].x = (uint16_t)(u->m[i].x + (i / t->count) * 400);
    u->count = 200;
    int nu = bio_index_pairs(u, b);
    assert_true(nu > 0 && nu <= BIO_INDEX_MAX_PAIRS);
    for (int i = 0; i < nu; i++)
        assert_true((b[i] >> 25) < BIO_INDEX_PAIR_MINUTIAE);
    u->count = 0;
    assert_int_equal(bio_index_pairs(u, b), 0);
    assert_int_equal(bio_index_pairs(NULL, b), 0);
    free(t);
    free(u);
    free(a);
    free(b);
}

/* A finger as the gallery keeps it, scored by stage A (refine = 0) or B (refine = 1). */
typedef struct stored {
    uint32_t mins[BIO_MAX_MINUTIAE];
    uint32_t pairs[BIO_INDEX_MAX_PAIRS];
    int n, np;
    bio_index_frame f;
} stored;

static void store(const bio_template *t, stored *s)
{
    s->n = t->count;
    for (int i = 0; i < t->count; i++)
        s->mins[i] = BIO_INDEX_PACK(t->m[i].x, t->m[i].y, bio_angle_to_iso(t->m[i].angle),
                                    t->m[i].type);
    s->np = bio_index_pairs(t, s->pairs);
    s->f = (bio_index_frame){t->width, t->height, t->res_x, t->res_y};
}

static float score(const bio_index_table *p, const stored *s, int refine, bio_index_scratch *x)
{
    return refine ? bio_index_refine(p, s->mins, s->n, &s->f, s->pairs, s->np, x)
                  : bio_index_hough(p, s->mins, s->n, &s->f, s->pairs, s->np, x);
}

static void check_stage(int refine)
{
    bio_msg msg = {{0}};
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    stored *s = malloc(sizeof *s);
    bio_index_table *p = NULL;
    bio_index_scratch *x = NULL;
    assert_non_null(t);
    assert_non_null(u);
    assert_non_null(s);
    assert_int_equal(bio_index_scratch_new(&x, &msg), BIO_OK);
    assert_int_equal(bio_synth_template(6, 123, 1, t, &msg), BIO_OK);
    assert_int_equal(bio_index_table_new(t, &p, &msg), BIO_OK);
    assert_int_equal(bio_synth_template(6, 123, 0, u, &msg), BIO_OK);
    store(u, s);
    float mate = score(p, s, refine, x);
    float worst = 0;
    for (uint32_t f = 0; f < 500; f++) {
        if (f == 123)
            continue;
        assert_int_equal(bio_synth_template(6, f, 0, u, &msg), BIO_OK);
        store(u, s);
        float v = score(p, s, refine, x);
        assert_true(v >= 0);
        worst = v > worst ? v : worst;
    }
    assert_true(mate > worst);

    /* the probe itself turned by 0.4 rad and shifted: about the same score as unmoved */
    store(t, s);
    float self = score(p, s, refine, x);
    move(t, 0.4, 30, 10, u);
    store(u, s);
    float moved = score(p, s, refine, x);
    assert_true(moved > 0.6f * self);
    assert_true(moved > worst);
    /* the same score again: the scratch is left clean */
    assert_true(score(p, s, refine, x) == moved);

    /* degenerate: fewer than two minutiae or no records, missing arguments */
    assert_true(refine ? bio_index_refine(p, s->mins, 1, &s->f, s->pairs, s->np, x) == 0.0f
                       : bio_index_hough(p, s->mins, 1, &s->f, s->pairs, s->np, x) == 0.0f);
    assert_true(bio_index_hough(p, s->mins, s->n, &s->f, s->pairs, 0, x) == 0.0f);
    assert_true(bio_index_hough(NULL, s->mins, s->n, &s->f, s->pairs, s->np, x) == 0.0f);
    assert_true(bio_index_refine(p, s->mins, s->n, &s->f, s->pairs, s->np, NULL) == 0.0f);
    bio_index_table_free(p);
    p = NULL;
    assert_int_equal(bio_index_table_new(NULL, &p, &msg), BIO_EINVAL);
    assert_null(p);
    t->count = 0;
    assert_int_equal(bio_index_table_new(t, &p, &msg), BIO_OK);
    assert_true(score(p, s, refine, x) == 0.0f);
    bio_index_table_free(p);
    bio_index_scratch_free(x);
    free(t);
    free(u);
    free(s);
}

static void test_hough_ranks_mate_first(void **state)
{
    (void)state;
    check_stage(0);
}

static void test_refine_ranks_mate_first(void **state)
{
    (void)state;
    check_stage(1);
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
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_hough_ranks_mate_first),
        cmocka_unit_test(test_refine_ranks_mate_first),
        cmocka_unit_test(test_verify_ranks_mate_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
