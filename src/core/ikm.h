/*
 * ikm.h - the citizen satisfaction survey of public service units (Survei Kepuasan
 * Masyarakat, SKM) and its index (Indeks Kepuasan Masyarakat, IKM) as Peraturan Menteri PANRB
 * Nomor 14 Tahun 2017 defines them; the duty to measure and publish it is UU 25/2009 on public
 * service.
 *
 * The regulation's arithmetic, exactly:
 * - nine elements (unsur) U1..U9, each answered 1 (tidak baik) .. 4 (sangat baik);
 * - NRR_i (nilai rata-rata unsur) = sum of the answers to element i / number of respondents;
 * - IKM (unit) = sum over the nine elements of NRR_i x 1/9, then x 25 (the conversion from the
 *   1..4 scale to 25..100), i.e. IKM = 25 x T / (9 x n) with T the total of all 9n answers.
 * The regulation's worked example writes the weight 1/9 as 0.111; 9 x 0.111 = 0.999, so that
 * shortcut lowers every index by 0.1% and can cross a grade boundary (88.31 -> 88.22 is A -> B).
 * Here nothing is rounded until the end: T and n are integers, the index is the rational
 * 25T/(9n), and it is rounded once, half up, to the two decimals the regulation publishes.
 * The grade is read from the regulation's table on that published value (A 88.31-100 sangat
 * baik, B 76.61-88.30 baik, C 65.00-76.60 kurang baik, D 25.00-64.99 tidak baik), so the
 * number printed and the grade printed can never disagree. Each element gets its own value on
 * the same 25..100 scale (25 x NRR_i, rounded the same way) and grade.
 *
 * The sample: the regulation sets the number of respondents from the population served with
 * the table of Krejcie and Morgan (1970), "Determining sample size for research activities",
 * Educational and Psychological Measurement 30, 607-610 (docs/internals/citizen.md). A
 * population between two rows of the table takes the larger row's sample (never fewer
 * respondents than the table asks); below 10 everybody; above 1,000,000 the table's 384.
 *
 * Periods of a report: a month "2026-03", a quarter "2026-Q1" (triwulan), a semester
 * "2026-S1", a year "2026".
 *
 * Never: I/O, allocation, floating point in a published figure.
 */
#ifndef KTPEL_CORE_IKM_H
#define KTPEL_CORE_IKM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/jakarta.h"

#define IKM_ELEMENTS 9
#define IKM_SUGGESTION_MAX 500 /* bytes of the free-text suggestion */

/* The nine elements in the regulation's order; id is the JSON / SQL name (u1..u9 columns). */
const char *ikm_element_id(int i);    /* 0..8: "persyaratan", ... ; NULL out of range */
const char *ikm_element_label(int i); /* "Persyaratan", "Sistem, Mekanisme, dan Prosedur", ... */

/* Respondent profile as the regulation's questionnaire asks it. */
bool ikm_education_valid(const char *id); /* sd, smp, sma, diploma, s1, s2_plus */
bool ikm_occupation_valid(const char *id); /* pns, tni, polri, swasta, wirausaha, lainnya */
const char *ikm_education_label(const char *id);
const char *ikm_occupation_label(const char *id);
/* The i-th (id, label) of the lists, in the questionnaire's order; false past the end. */
bool ikm_education_at(size_t i, const char **id, const char **label);
bool ikm_occupation_at(size_t i, const char **id, const char **label);

/* The answers of a group of respondents: n and the sum per element. */
typedef struct ikm_tally {
    int64_t n;
    int64_t sum[IKM_ELEMENTS];
} ikm_tally;

/* Add one respondent's nine answers (each 1..4). Bad input (an answer outside 1..4) is
   KT_EINVAL "answer_invalid" naming the element ("persyaratan"), and the tally is unchanged. */
kt_code ikm_tally_add(ikm_tally *t, const int answers[IKM_ELEMENTS], kt_error *err);

/* A non-negative rational num/den (den > 0) rounded half up to `decimals` places, as an
   integer scaled by 10^decimals: (2500*T, 9n) with 2 decimals gives the IKM x 100. */
int64_t ikm_round_scaled(int64_t num, int64_t den, int decimals);

/* The grade of a value on the 25..100 scale given x 100 (8831 = 88.31): 'A'..'D'; 0 below
   25.00 or above 100.00. */
char ikm_grade(int64_t x100);
/* "Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik" (the regulation's mutu pelayanan). */
const char *ikm_grade_label(char grade);

typedef struct ikm_result {
    int64_t n;                       /* respondents */
    int64_t total;                   /* T: the sum of all 9n answers */
    int64_t ikm_x100;                /* 25T/(9n) rounded half up to 2 decimals, x 100 */
    char grade;                      /* on ikm_x100 */
    int64_t nrr_x1000[IKM_ELEMENTS]; /* NRR_i = sum_i / n, rounded to 3 decimals, x 1000 */
    int64_t value_x100[IKM_ELEMENTS];/* 25 x NRR_i (the element on the IKM scale), x 100 */
    char element_grade[IKM_ELEMENTS];
    int weakest[IKM_ELEMENTS];       /* element indexes by NRR ascending (exact comparison of
                                        the rationals sum_i/n; ties keep the regulation's order) */
} ikm_result;

/* KT_EINVAL "no_respondents" when n == 0. */
kt_code ikm_compute(const ikm_tally *t, ikm_result *out, kt_error *err);

/* The sample the regulation's table (Krejcie and Morgan) asks for a population; 0 for 0. */
int64_t ikm_sample_size(int64_t population);

/* A report period: "YYYY-MM", "YYYY-Qn" (1..4), "YYYY-Sn" (1..2) or "YYYY". first/last are
   inclusive Jakarta days; label is for people: "Maret 2026", "Triwulan I 2026", "Semester II
   2026", "Tahun 2026". KT_EINVAL "period_invalid" naming field. */
typedef struct ikm_period {
    jkt_date first, last;
    char kind[10];   /* month | quarter | semester | year */
    char label[40];
    char id[10];     /* the canonical text it was parsed from */
} ikm_period;
kt_code ikm_period_parse(const char *s, const char *field, ikm_period *out, kt_error *err);

#endif
