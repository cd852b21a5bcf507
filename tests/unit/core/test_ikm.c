/*
 * test_ikm.c - the IKM arithmetic of PermenPANRB 14/2017 against examples worked by hand
 * (each case's comment shows the hand computation), including one where the regulation's
 * rounded weight 0.111 would give another grade than the exact 1/9; the sample table against
 * Krejcie and Morgan's formula; report periods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/ikm.h"

/* Fill a tally from per-element answer lists (rows = respondents). */
static void tally_rows(ikm_tally *t, const int rows[][IKM_ELEMENTS], int n)
{
    memset(t, 0, sizeof *t);
    kt_error err;
    for (int i = 0; i < n; i++)
        assert_int_equal(ikm_tally_add(t, rows[i], &err), KT_OK);
}

/*
 * Ten respondents. Elements 1-6: six answer 4, four answer 3 (sum 36, NRR 3.6); elements 7-9:
 * four answer 4, six answer 3 (sum 34, NRR 3.4). T = 6x36 + 3x34 = 318.
 * Exact: IKM = 25 x 318 / (9 x 10) = 88.333... -> 88.33, grade A (88.31-100).
 * With the 0.111 weight: sum of NRR = 31.8; 31.8 x 0.111 = 3.5298; x 25 = 88.245 -> 88.25,
 * grade B. The exact computation must give A.
 */
static void test_rounded_weight_changes_grade(void **state)
{
    (void)state;
    int rows[10][IKM_ELEMENTS];
    for (int r = 0; r < 10; r++)
        for (int e = 0; e < IKM_ELEMENTS; e++)
            rows[r][e] = e < 6 ? (r < 6 ? 4 : 3) : (r < 4 ? 4 : 3);
    ikm_tally t;
    tally_rows(&t, (const int (*)[IKM_ELEMENTS])rows, 10);
    ikm_result res;
    kt_error err;
    assert_int_equal(ikm_compute(&t, &res, &err), KT_OK);
    assert_int_equal(res.n, 10);
    assert_int_equal(res.total, 318);
    assert_int_equal(res.ikm_x100, 8833);
    assert_int_equal(res.grade, 'A');
    assert_string_equal(ikm_grade_label(res.grade), "Sangat Baik");
    /* what the 0.111 shortcut gives, computed here in integers: 31.8 x 0.111 x 25 x 100 */
    int64_t shortcut_x100 = ikm_round_scaled(318 * 111 * 25, 10 * 1000, 2);
    assert_int_equal(shortcut_x100, 8825);
    assert_int_equal(ikm_grade(shortcut_x100), 'B');
    /* per element: NRR 3.600 (value 90.00, A) and 3.400 (85.00, B) */
    for (int e = 0; e < IKM_ELEMENTS; e++) {
        assert_int_equal(res.nrr_x1000[e], e < 6 ? 3600 : 3400);
        assert_int_equal(res.value_x100[e], e < 6 ? 9000 : 8500);
        assert_int_equal(res.element_grade[e], e < 6 ? 'A' : 'B');
    }
    /* weakest first: perilaku, pengaduan, sarana (sum 34), then the rest in order */
    const int want[IKM_ELEMENTS] = {6, 7, 8, 0, 1, 2, 3, 4, 5};
    assert_memory_equal(res.weakest, want, sizeof want);
}

/*
 * Three respondents:
 *   R1 4 4 3 3 4 3 4 2 3 (30)   R2 3 3 3 3 3 3 3 3 3 (27)   R3 4 3 2 4 4 3 4 3 3 (30)
 * Element sums 11 10 8 10 11 9 11 8 9, T = 87. IKM = 25 x 87 / 27 = 80.5555... -> 80.56, B.
 * NRR: 11/3 = 3.667, 10/3 = 3.333, 8/3 = 2.667, 9/3 = 3.000. Values: 25 x 11/3 = 91.67 (A),
 * 83.33 (B), 66.67 (C), 75.00 (C). Weakest: U3, U8 (8), U6, U9 (9), U2, U4 (10), U1, U5, U7.
 */
static void test_three_respondents(void **state)
{
    (void)state;
    const int rows[3][IKM_ELEMENTS] = {
        {4, 4, 3, 3, 4, 3, 4, 2, 3}, {3, 3, 3, 3, 3, 3, 3, 3, 3}, {4, 3, 2, 4, 4, 3, 4, 3, 3}};
    ikm_tally t;
    tally_rows(&t, rows, 3);
    ikm_result res;
    kt_error err;
    assert_int_equal(ikm_compute(&t, &res, &err), KT_OK);
    assert_int_equal(res.total, 87);
    assert_int_equal(res.ikm_x100, 8056);
    assert_int_equal(res.grade, 'B');
    const int64_t nrr[IKM_ELEMENTS] = {3667, 3333, 2667, 3333, 3667, 3000, 3667, 2667, 3000};
    const int64_t val[IKM_ELEMENTS] = {9167, 8333, 6667, 8333, 9167, 7500, 9167, 6667, 7500};
    const char grade[IKM_ELEMENTS] = {'A', 'B', 'C', 'B', 'A', 'C', 'A', 'C', 'C'};
    for (int e = 0; e < IKM_ELEMENTS; e++) {
        assert_int_equal(res.nrr_x1000[e], nrr[e]);
        assert_int_equal(res.value_x100[e], val[e]);
        assert_int_equal(res.element_grade[e], grade[e]);
    }
    const int want[IKM_ELEMENTS] = {2, 7, 5, 8, 1, 3, 0, 4, 6};
    assert_memory_equal(res.weakest, want, sizeof want);
}

/* The ends of the scale and the grade boundaries of the regulation's table. */
static void test_grades_and_rounding(void **state)
{
    (void)state;
    int all[IKM_ELEMENTS];
    ikm_tally t;
    ikm_result res;
    kt_error err;
    for (int v = 1; v <= 4; v++) {
        for (int e = 0; e < IKM_ELEMENTS; e++)
            all[e] = v;
        memset(&t, 0, sizeof t);
        assert_int_equal(ikm_tally_add(&t, all, &err), KT_OK);
        assert_int_equal(ikm_compute(&t, &res, &err), KT_OK);
        assert_int_equal(res.ikm_x100, 2500 * v); /* 25, 50, 75, 100 */
    }
    assert_int_equal(res.grade, 'A');
    assert_int_equal(ikm_grade(2500), 'D');
    assert_int_equal(ikm_grade(6499), 'D');
    assert_int_equal(ikm_grade(6500), 'C');
    assert_int_equal(ikm_grade(7660), 'C');
    assert_int_equal(ikm_grade(7661), 'B');
    assert_int_equal(ikm_grade(8830), 'B');
    assert_int_equal(ikm_grade(8831), 'A');
    assert_int_equal(ikm_grade(10000), 'A');
    assert_int_equal(ikm_grade(2499), 0);
    assert_int_equal(ikm_grade(10001), 0);
    /* 25 x 317898 / 90000 = 88.305 exactly: half up to 88.31, grade A */
    assert_int_equal(ikm_round_scaled(25 * INT64_C(317898), 90000, 2), 8831);
    assert_int_equal(ikm_round_scaled(1, 3, 3), 333);
    assert_int_equal(ikm_round_scaled(2, 3, 3), 667);
    /* bad input changes nothing */
    all[4] = 5;
    ikm_tally before = t;
    assert_int_equal(ikm_tally_add(&t, all, &err), KT_EINVAL);
    assert_string_equal(err.id, "answer_invalid");
    assert_string_equal(err.field, "produk");
    assert_memory_equal(&t, &before, sizeof t);
    all[4] = 0;
    assert_int_equal(ikm_tally_add(&t, all, &err), KT_EINVAL);
    memset(&t, 0, sizeof t);
    assert_int_equal(ikm_compute(&t, &res, &err), KT_EINVAL);
    assert_string_equal(err.id, "no_respondents");
}

static void test_sample_table(void **state)
{
    (void)state;
    static const int64_t rows[] = {
        10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100, 110, 120,
        130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 230, 240, 250, 260, 270, 280, 290,
        300, 320, 340, 360, 380, 400, 420, 440, 460, 480, 500, 550, 600, 650, 700, 750, 800,
        850, 900, 950, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900, 2000, 2200,
        2400, 2600, 2800, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 8000, 9000, 10000, 15000,
        20000, 30000, 40000, 50000, 75000, 1000000};
    /* Every row is Krejcie and Morgan's formula, S = X^2 N P(1-P) / (d^2 (N-1) + X^2 P(1-P)),
       X^2 = 3.841, P = 0.5, d = 0.05, rounded to the nearest integer. */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double n = (double)rows[i];
        double s = 3.841 * n * 0.25 / (0.0025 * (n - 1) + 3.841 * 0.25);
        assert_int_equal(ikm_sample_size(rows[i]), (int64_t)(s + 0.5));
    }
    assert_int_equal(ikm_sample_size(0), 0);
    assert_int_equal(ikm_sample_size(7), 7);    /* fewer than 10: everybody */
    assert_int_equal(ikm_sample_size(11), 14);  /* between rows: the larger row */
    assert_int_equal(ikm_sample_size(101), 86);
    assert_int_equal(ikm_sample_size(2345), 331);
    assert_int_equal(ikm_sample_size(5000000), 384);
}

static void test_periods(void **state)
{
    (void)state;
    ikm_period p;
    kt_error err;
    assert_int_equal(ikm_period_parse("2026-03", NULL, &p, &err), KT_OK);
    assert_string_equal(p.kind, "month");
    assert_string_equal(p.label, "Maret 2026");
    assert_int_equal(p.last.day, 31);
    assert_int_equal(ikm_period_parse("2028-02", NULL, &p, &err), KT_OK);
    assert_int_equal(p.last.day, 29);
    assert_int_equal(ikm_period_parse("2026-q3", NULL, &p, &err), KT_OK);
    assert_string_equal(p.id, "2026-Q3");
    assert_string_equal(p.label, "Triwulan III 2026");
    assert_int_equal(p.first.month, 7);
    assert_int_equal(p.last.month, 9);
    assert_int_equal(p.last.day, 30);
    assert_int_equal(ikm_period_parse("2026-S2", NULL, &p, &err), KT_OK);
    assert_string_equal(p.label, "Semester II 2026");
    assert_int_equal(p.first.month, 7);
    assert_int_equal(p.last.month, 12);
    assert_int_equal(ikm_period_parse("2026", NULL, &p, &err), KT_OK);
    assert_string_equal(p.label, "Tahun 2026");
    const char *bad[] = {"", "26", "2026-13", "2026-00", "2026-Q5", "2026-S3", "2026/03",
                         "2026-3", "1999", "2026-Q", "abcd", "2026-03-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ikm_period_parse(bad[i], "period", &p, &err), KT_EINVAL);
        assert_string_equal(err.id, "period_invalid");
    }
    assert_int_equal(ikm_period_parse(NULL, "period", &p, &err), KT_EINVAL);
}

static void test_codes(void **state)
{
    (void)state;
    assert_string_equal(ikm_element_id(0), "persyaratan");
    assert_string_equal(ikm_element_label(7), "Penanganan Pengaduan, Saran dan Masukan");
    assert_null(ikm_element_id(9));
    assert_true(ikm_education_valid("s2_plus"));
    assert_false(ikm_education_valid("S1"));
    assert_true(ikm_occupation_valid("wirausaha"));
    assert_false(ikm_occupation_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounded_weight_changes_grade),
        cmocka_unit_test(test_three_respondents),
        cmocka_unit_test(test_grades_and_rounding),
        cmocka_unit_test(test_sample_table),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
