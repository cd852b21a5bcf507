/*
 * test_extract.c - feature extraction and image quality through the real pipeline: images the
 * test draws itself (a ridge pattern with phase singularities, which are true minutiae), blank
 * and tiny images (clear errors), and FVC2002 DB1_B images when ../shared is present.
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

static void test_rejects_bad_images(void **state)
{
    (void)state;
    bio_template *t = malloc(sizeof *t);
    bio_msg msg = {{0}};
    assert_non_null(t);
    assert_int_equal(bio_extract(NULL, t, &msg), BIO_EINVAL);
    assert_true(strlen(msg.text) > 0);

    bio_image tiny = {32, 32, 500, calloc(32 * 32, 1)};
    assert_non_null(tiny.pixels);
    assert_int_equal(bio_extract(&tiny, t, &msg), BIO_ETOOSMALL);
    assert_non_null(strstr(msg.text, "32x32"));
    assert_int_equal(t->count, 0);
    free(tiny.pixels);

    bio_image blank = {300, 300, 500, malloc(300 * 300)};
    assert_non_null(blank.pixels);
    memset(blank.pixels, 255, 300 * 300);
    assert_int_equal(bio_extract(&blank, t, &msg), BIO_EBLANK);
    assert_int_equal(bio_image_quality(&blank), 0);
    free(blank.pixels);

    bio_image odd = {300, 300, 100, NULL};
    assert_int_equal(bio_extract(&odd, t, &msg), BIO_EINVAL);
    free(t);
}

static void test_synthetic_pattern(void **state)
{
    (void)state;
    bio_image img;
    bio_template *t = malloc(sizeof *t);
    bio_msg msg = {{0}};
    assert_non_null(t);
    assert_int_equal(ridges_make(1, 0.0, 0, 0, 500, &img), 0);
    int q = 0;
    assert_int_equal(bio_extract_q(&img, t, &q, &msg), BIO_OK);
    /* Twelve singularities were drawn; most of them come back, and little else. */
    assert_true(t->count >= 6);
    assert_true(t->count <= 40);
    assert_true(q >= 35);
    assert_int_equal(t->width, 320);
    assert_int_equal(t->res_x, 197);
    for (unsigned i = 0; i < t->count; i++) {
        assert_true(t->m[i].x < 320 && t->m[i].y < 320);
        assert_true(t->m[i].angle >= 0.0f && t->m[i].angle < 6.2832f);
        assert_true(t->m[i].type == BIO_MINUTIA_ENDING || t->m[i].type == BIO_MINUTIA_BIFURCATION);
    }
    free(img.pixels);
    free(t);
}

static void test_resolution_resampled(void **state)
{
    (void)state;
    /* The same pattern drawn at 569 dpi (DB2's resolution): coordinates stay in its pixels. */
    bio_image img;
    bio_template *t = malloc(sizeof *t);
    bio_msg msg = {{0}};
    assert_non_null(t);
    assert_int_equal(ridges_make(1, 0.0, 0, 0, 569, &img), 0);
    assert_int_equal(bio_extract(&img, t, &msg), BIO_OK);
    assert_true(t->count >= 6);
    assert_int_equal(t->res_x, 224);
    for (unsigned i = 0; i < t->count; i++)
        assert_true(t->m[i].x < img.width && t->m[i].y < img.height);
    free(img.pixels);
    free(t);
}

static void test_real_images(void **state)
{
    (void)state;
    const char *shared = getenv("KTPEL_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/101_1.tif",
             shared ? shared : "../shared");
    bio_image img;
    bio_msg msg = {{0}};
    if (bio_image_load(path, &img, &msg) != BIO_OK) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    bio_template *t = malloc(sizeof *t);
    assert_non_null(t);
    int q = 0;
    assert_int_equal(bio_extract_q(&img, t, &q, &msg), BIO_OK);
    assert_true(t->count >= 12);
    assert_true(q >= 50);
    assert_int_equal(bio_image_quality(&img), q);
    bio_image_free(&img);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects_bad_images),
        cmocka_unit_test(test_synthetic_pattern),
        cmocka_unit_test(test_resolution_resampled),
        cmocka_unit_test(test_real_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
