/*
 * test_tenprint.c - the person-level decision (src/bio/tenprint.h): evidence from the
 * calibration, the FPIR threshold (known values of the Gamma tail), the fusion of positional
 * and swapped fingers with each finger counted once, bad input, and ten synthetic fingers of
 * one person matched by the real matcher against their other touches and against other
 * synthetic people.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/match.h"
#include "bio/synth.h"
#include "bio/tenprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_evidence(void **state)
{
    (void)state;
    assert_true(bio_finger_evidence(0) == 0);
    assert_true(bio_finger_evidence(1.0) == 0);
    assert_true(fabs(bio_finger_evidence(bio_threshold_for_fmr(1e-3)) - 3) < 0.01);
    assert_true(fabs(bio_finger_evidence(bio_threshold_for_fmr(1e-4)) - 4) < 0.01);
    assert_true(fabs(bio_finger_evidence(bio_threshold_for_fmr(1e-5)) - 5) < 0.01);
    assert_true(bio_finger_evidence(500) == BIO_TENPRINT_MAX_EVIDENCE);
    double prev = 0;
    for (double s = 0; s < 40; s += 0.05) { /* monotone */
        double e = bio_finger_evidence(s);
        assert_true(e >= prev - 1e-12);
        prev = e;
    }
}

static void test_threshold(void **state)
{
    (void)state;
    /* One finger, one person: the tail of Exp(ln 10) is 10^-t. */
    assert_true(fabs(bio_tenprint_threshold(1e-3, 1, 1) - 3) < 1e-6);
    assert_true(fabs(bio_tenprint_fpir(3, 1, 1) - 1e-3) < 1e-9);
    /* Two fingers: P = 10^-t (1 + t ln 10). */
    double t = bio_tenprint_threshold(1e-2, 100, 2);
    assert_true(fabs(100 * pow(10, -t) * (1 + t * log(10.0)) - 1e-2) < 1e-8);
    /* Round trip, and the threshold grows with the gallery and the fingers compared. */
    double t10 = bio_tenprint_threshold(1e-3, 1000000, 10);
    assert_true(fabs(bio_tenprint_fpir(t10, 1000000, 10) - 1e-3) < 1e-6);
    assert_true(bio_tenprint_threshold(1e-3, 10000000, 10) > t10);
    assert_true(bio_tenprint_threshold(1e-3, 1000000, 9) < t10);
    /* A million people, FPIR 1e-3, ten fingers: about two strongly matching fingers. */
    assert_true(t10 > 15 && t10 < 2 * BIO_TENPRINT_MAX_EVIDENCE);
    assert_true(bio_tenprint_fpir(0, 5, 3) == 1);
}

static bio_tp_comparison cmp(int probe, int ppos, uint64_t person, uint64_t fid, int pos,
                             double score)
{
    return (bio_tp_comparison){probe, ppos, person, fid, pos, score};
}

static void test_fuse(void **state)
{
    (void)state;
    bio_tp_comparison c[40];
    size_t n = 0;
    /* person 7: the same person, every finger at its own position, strong */
    for (int i = 0; i < 10; i++)
        c[n++] = cmp(i, i + 1, 7, 700 + (uint64_t)i, i + 1, 30);
    /* person 8: the same person with the hands swapped (slot i+1 holds finger (i+5)%10+1) */
    for (int i = 0; i < 10; i++)
        c[n++] = cmp(i, i + 1, 8, 800 + (uint64_t)((i + 5) % 10), (i + 5) % 10 + 1, 30);
    /* person 9: one chance finger at the FMR-1e-4 score, and a second probe finger that
       matches the SAME candidate finger (counted once) */
    c[n++] = cmp(0, 1, 9, 900, 1, bio_threshold_for_fmr(1e-4));
    c[n++] = cmp(1, 2, 9, 900, 1, bio_threshold_for_fmr(1e-4));
    bio_tp_opts o = {1e-3, 1000000, 10, 10};
    bio_tp_candidate *k = NULL;
    size_t nk = 0;
    double th = 0;
    bio_msg msg = {{0}};
    assert_int_equal(bio_tenprint_fuse(c, n, &o, &k, &nk, &th, &msg), BIO_OK);
    assert_int_equal(nk, 3);
    assert_true(fabs(th - bio_tenprint_threshold(1e-3, 1000000, 10)) < 1e-9);
    assert_true(k[0].person == 7); /* positional evidence is not discounted: best first */
    assert_true(k[0].hit && !k[0].swapped && k[0].matched == 10);
    assert_true(k[0].fingers[3].positional && k[0].fingers[3].finger_id == 703);
    assert_true(k[1].person == 8);
    assert_true(k[1].hit && k[1].swapped && k[1].matched == 10);
    assert_true(!k[1].fingers[0].positional && k[1].fingers[0].position == 6);
    assert_true(k[1].evidence < k[0].evidence); /* the Bonferroni factor */
    assert_true(k[2].person == 9);
    assert_false(k[2].hit);
    assert_int_equal(k[2].matched, 1);
    assert_true(fabs(k[2].evidence - (4 - log10(2.0))) < 0.01);
    assert_int_equal(k[2].fingers[1].probe, -1);
    assert_true(k[2].fpir > 0.5);
    free(k);

    /* Nothing to fuse; a probe index out of range changes nothing. */
    assert_int_equal(bio_tenprint_fuse(NULL, 0, &o, &k, &nk, NULL, &msg), BIO_OK);
    assert_null(k);
    assert_int_equal(nk, 0);
    c[0].probe = 10;
    assert_int_equal(bio_tenprint_fuse(c, n, &o, &k, &nk, NULL, &msg), BIO_EINVAL);
    assert_null(k);
    assert_non_null(strstr(msg.text, "probe finger 10"));
}

/* Ten synthetic fingers of person p (template mode): fingers 10p..10p+9 of seed 41. */
static void person(int p, uint32_t impression, bio_prepared **out)
{
    bio_template *t = malloc(sizeof *t);
    bio_msg msg = {{0}};
    assert_non_null(t);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(bio_synth_template(41, (uint32_t)(10 * p + i), impression, t, &msg),
                         BIO_OK);
        assert_int_equal(bio_prepare(t, &out[i], &msg), BIO_OK);
    }
    free(t);
}

static void test_synthetic_people(void **state)
{
    (void)state;
    enum { PEOPLE = 6 };
    bio_prepared *enrolled[PEOPLE][10], *probe[10];
    for (int p = 0; p < PEOPLE; p++)
        person(p, 0, enrolled[p]);
    person(2, 1, probe); /* person 2 again: other touches of the same ten fingers */
    bio_tp_comparison *c = malloc(PEOPLE * 100 * sizeof *c);
    assert_non_null(c);
    size_t n = 0;
    for (int p = 0; p < PEOPLE; p++)
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                c[n++] = cmp(i, i + 1, (uint64_t)p, (uint64_t)(100 * p + j), j + 1,
                             bio_match(probe[i], enrolled[p][j]));
    bio_tp_opts o = {1e-3, 1000000, 10, 10};
    bio_tp_candidate *k = NULL;
    size_t nk = 0;
    bio_msg msg = {{0}};
    assert_int_equal(bio_tenprint_fuse(c, n, &o, &k, &nk, NULL, &msg), BIO_OK);
    assert_int_equal(nk, PEOPLE);
    assert_true(k[0].person == 2 && k[0].hit && !k[0].swapped);
    assert_true(k[0].matched >= 8);
    for (size_t i = 1; i < nk; i++)
        assert_false(k[i].hit);
    free(k);
    free(c);
    for (int p = 0; p < PEOPLE; p++)
        for (int i = 0; i < 10; i++)
            bio_prepared_free(enrolled[p][i]);
    for (int i = 0; i < 10; i++)
        bio_prepared_free(probe[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_fuse),
        cmocka_unit_test(test_synthetic_people),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
