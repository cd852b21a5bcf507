/*
 * test_synth.c - synthetic fingerprints (src/bio/synth.h): deterministic for a seed, classes
 * drawn at population frequencies, true minutiae inside the print, and impressions of one
 * finger matching each other (through the real extractor and 1:1 matcher) better than other
 * fingers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/extract.h"
#include "bio/match.h"
#include "bio/synth.h"

#include <stdlib.h>
#include <string.h>

/* Field by field: the struct has padding bytes nobody writes. */
static int same_minutiae(const bio_template *a, const bio_template *b)
{
    if (a->count != b->count)
        return 0;
    for (int i = 0; i < a->count; i++)
        if (a->m[i].x != b->m[i].x || a->m[i].y != b->m[i].y || a->m[i].type != b->m[i].type ||
            a->m[i].angle != b->m[i].angle || a->m[i].quality != b->m[i].quality)
            return 0;
    return 1;
}

static void test_deterministic(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_synth_master *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(bio_synth_master_new(7, 3, 1, &a, &msg), BIO_OK);
    assert_int_equal(bio_synth_master_new(7, 3, 1, &b, &msg), BIO_OK);
    assert_int_equal(bio_synth_master_new(8, 3, 1, &c, &msg), BIO_OK);
    const bio_image *ia = bio_synth_master_image(a), *ib = bio_synth_master_image(b);
    assert_non_null(ia);
    assert_int_equal(ia->width, BIO_SYNTH_WIDTH);
    assert_int_equal(ia->height, BIO_SYNTH_HEIGHT);
    assert_memory_equal(ia->pixels, ib->pixels, (size_t)ia->width * ia->height);
    assert_memory_not_equal(ia->pixels, bio_synth_master_image(c)->pixels,
                            (size_t)ia->width * ia->height);
    const bio_template *ta = bio_synth_master_minutiae(a), *tb = bio_synth_master_minutiae(b);
    assert_true(same_minutiae(ta, tb));

    bio_image x = {0}, y = {0};
    bio_template *tx = malloc(sizeof *tx), *ty = malloc(sizeof *ty);
    assert_non_null(tx);
    assert_non_null(ty);
    assert_int_equal(bio_synth_impression(a, 2, &x, tx, &msg), BIO_OK);
    assert_int_equal(bio_synth_impression(b, 2, &y, ty, &msg), BIO_OK);
    assert_memory_equal(x.pixels, y.pixels, (size_t)x.width * x.height);
    assert_true(same_minutiae(tx, ty));
    bio_image_free(&x);
    bio_image_free(&y);

    /* template mode gives the same output every call and differs between fingers */
    assert_int_equal(bio_synth_template(7, 11, 1, tx, &msg), BIO_OK);
    assert_int_equal(bio_synth_template(7, 11, 1, ty, &msg), BIO_OK);
    assert_true(same_minutiae(tx, ty));
    assert_int_equal(bio_synth_template(7, 12, 1, ty, &msg), BIO_OK);
    assert_false(same_minutiae(tx, ty));
    free(tx);
    free(ty);
    bio_synth_master_free(a);
    bio_synth_master_free(b);
    bio_synth_master_free(c);
}

static void test_classes_and_minutiae(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    int count[5] = {0};
    for (uint32_t f = 0; f < 3000; f++) {
        bio_synth_master *m = NULL;
        assert_int_equal(bio_synth_master_new(1, f, 0, &m, &msg), BIO_OK);
        count[bio_synth_master_class(m)]++;
        const bio_template *t = bio_synth_master_minutiae(m);
        assert_true(t->count >= 25);
        for (int i = 0; i < t->count; i++) {
            assert_true(t->m[i].x < BIO_SYNTH_WIDTH && t->m[i].y < BIO_SYNTH_HEIGHT);
            assert_true(t->m[i].angle >= 0.0f && t->m[i].angle < 6.2832f);
        }
        assert_null(bio_synth_master_image(m));
        bio_image img = {0};
        assert_int_equal(bio_synth_impression(m, 0, &img, NULL, &msg), BIO_EINVAL);
        assert_null(img.pixels);
        bio_synth_master_free(m);
    }
    /* population frequencies: arch 3.7%, tented 2.9%, loops 33.8% / 31.7%, whorl 27.9% */
    assert_in_range(count[BIO_CLASS_ARCH], 60, 180);
    assert_in_range(count[BIO_CLASS_TENTED_ARCH], 40, 150);
    assert_in_range(count[BIO_CLASS_LEFT_LOOP], 900, 1130);
    assert_in_range(count[BIO_CLASS_RIGHT_LOOP], 830, 1070);
    assert_in_range(count[BIO_CLASS_WHORL], 720, 960);
    assert_string_equal(bio_finger_class_name(BIO_CLASS_WHORL), "whorl");
}

/* Through the real extractor: images of one finger match, images of two fingers do not. */
static void test_impressions_match_their_finger(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_template *t[2][2];
    for (uint32_t f = 0; f < 2; f++) {
        bio_synth_master *m = NULL;
        assert_int_equal(bio_synth_master_new(5, f, 1, &m, &msg), BIO_OK);
        const bio_template *truth = bio_synth_master_minutiae(m);
        assert_in_range(truth->count, 15, 200);
        for (uint32_t k = 0; k < 2; k++) {
            bio_image img = {0};
            t[f][k] = malloc(sizeof(bio_template));
            assert_non_null(t[f][k]);
            assert_int_equal(bio_synth_impression(m, k, &img, NULL, &msg), BIO_OK);
            assert_int_equal(bio_extract(&img, t[f][k], &msg), BIO_OK);
            bio_image_free(&img);
        }
        bio_synth_master_free(m);
    }
    double g0 = bio_match_templates(t[0][0], t[0][1]);
    double g1 = bio_match_templates(t[1][0], t[1][1]);
    double i0 = bio_match_templates(t[0][0], t[1][0]);
    double i1 = bio_match_templates(t[0][1], t[1][1]);
    print_message("genuine %.2f %.2f impostor %.2f %.2f\n", g0, g1, i0, i1);
    assert_true(g0 > i0 && g0 > i1);
    assert_true(g1 > i0 && g1 > i1);
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < 2; k++)
            free(t[f][k]);
}

/* Template mode: every finger's impressions score above its best impostor. */
static void test_templates_match_their_finger(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    enum { F = 12 };
    bio_template *a = malloc(F * sizeof *a), *b = malloc(F * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (uint32_t f = 0; f < F; f++) {
        assert_int_equal(bio_synth_template(9, f, 0, &a[f], &msg), BIO_OK);
        assert_int_equal(bio_synth_template(9, f, 1, &b[f], &msg), BIO_OK);
    }
    double best_impostor = 0, worst_genuine = 1e9;
    for (int i = 0; i < F; i++)
        for (int j = 0; j < F; j++) {
            double s = bio_match_templates(&a[i], &b[j]);
            if (i == j && s < worst_genuine)
                worst_genuine = s;
            if (i != j && s > best_impostor)
                best_impostor = s;
        }
    print_message("worst genuine %.2f best impostor %.2f\n", worst_genuine, best_impostor);
    assert_true(worst_genuine > best_impostor);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_classes_and_minutiae),
        cmocka_unit_test(test_impressions_match_their_finger),
        cmocka_unit_test(test_templates_match_their_finger),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
