/*
 * tenprint.h - the person-level (ten-print) identification decision: the scores of all the
 * fingers of an enrollee against those of one enrolled person fused into one figure of
 * evidence, and a threshold on it that holds a false positive identification rate (FPIR: the
 * share of enrolments of new, unique people flagged as someone already enrolled) at a given
 * gallery size.
 *
 * Evidence of one comparison: e = -log10 FMR(score), the score's false match rate on the
 * matcher's calibration (bio_fmr_for_threshold, real impostors), extended past its last row
 * conservatively (bio_finger_evidence). For an unrelated finger FMR(score) is a p-value: it
 * is at most x with probability x, so P(e >= y) <= 10^-y.
 *
 * Fusion of a candidate person (bio_tenprint_fuse): each probe finger takes its best
 * evidence, either from the candidate's finger at the SAME position (finger positions are
 * known at both ends: ISO 19794-2 1..10) or, corrected for looking at F fingers
 * (Bonferroni: -log10 F), from ANY of the candidate's fingers; each candidate finger counts
 * once. Then e' = max(0, best - log10 2) (the correction for taking the better of the two
 * ways), and the evidence of the person is the sum of e' over the probe fingers. Under the
 * null (independent fingers) each e' is at most an exponential variable of rate ln 10, so
 * the sum of k of them is at most Gamma(k, ln 10):
 *     P(sum >= t) <= exp(-t ln10) sum_{j<k} (t ln10)^j / j!
 * and a gallery of N people gives FPIR <= N x that tail (union bound). bio_tenprint_threshold()
 * solves it for t. Scores a search did not report (below its screening threshold) count as
 * no evidence, which only lowers the sum: the bound stays conservative.
 *
 * A candidate whose evidence comes from fingers at other positions than the probe's
 * (a swapped hand, a mislabelled slot) is still a candidate; it is flagged `swapped`: the same
 * person presenting fingers in the wrong slots is the fraud the de-duplication exists for.
 *
 * Same engine and rules for the kecamatan's service (src/service/afis.c) and the city
 * registry: the caller brings the comparisons (from its own gallery, 1:N search and 1:1
 * verification) and the gallery's number of people. See docs/internals/bio-search.md.
 *
 * Never: print, read files, keep global state, or decide on another rule than the FPIR one.
 */
#ifndef KTPEL_BIO_TENPRINT_H
#define KTPEL_BIO_TENPRINT_H

#include "bio/bio.h"

#include <stddef.h>
#include <stdint.h>

#define BIO_TENPRINT_FINGERS 10
/* Evidence of one comparison is capped here (FMR 1e-12): the calibration's data end at
   ~1e-5 and its extension is a guess beyond; the cap keeps one finger from deciding alone. */
#define BIO_TENPRINT_MAX_EVIDENCE 12.0

/* -log10 of the false match rate of a 1:1 score: bio_fmr_for_threshold() down to its last
   row (FMR 1e-5), then one decade per 2.5 score points (the measured tail falls faster:
   1.5 points a decade between 1e-3 and 1e-4), capped at BIO_TENPRINT_MAX_EVIDENCE. 0 for
   scores at or below the FMR-0.5 point. Monotone in score. */
double bio_finger_evidence(double score);

/* The fused evidence a candidate needs so that a gallery of `persons` people flags a unique
   enrollee with `probe_fingers` fingers with probability at most `fpir` (0 < fpir < 1).
   persons 0 counts as 1, probe_fingers is clamped to 1..10. */
double bio_tenprint_threshold(double fpir, size_t persons, int probe_fingers);

/* The inverse: the FPIR bound of a fused evidence value (N x the Gamma tail, at most 1). */
double bio_tenprint_fpir(double evidence, size_t persons, int probe_fingers);

/* One 1:1 comparison of a probe finger with a finger of an enrolled person. */
typedef struct bio_tp_comparison {
    int probe;            /* index of the probe finger, 0..BIO_TENPRINT_FINGERS-1 */
    int probe_position;   /* its ISO finger position 1..10 (0: unknown, never positional) */
    uint64_t person;      /* the enrolled person (the caller's key) */
    uint64_t finger_id;   /* the enrolled finger (the caller's key) */
    int position;         /* its ISO finger position 1..10 (0: unknown) */
    double score;         /* 1:1 score (match.h) */
} bio_tp_comparison;

/* What one probe finger contributed to a candidate. */
typedef struct bio_tp_finger {
    int probe;            /* probe finger index; -1: no evidence from this probe finger */
    int probe_position;
    uint64_t finger_id;   /* the candidate finger it was matched with */
    int position;         /* that finger's position */
    double score;
    double evidence;      /* e' after the corrections (0 when nothing matched) */
    int positional;       /* 1: same position; 0: another position (Bonferroni-corrected) */
} bio_tp_finger;

typedef struct bio_tp_candidate {
    uint64_t person;
    double evidence;      /* fused: sum of fingers[].evidence */
    double fpir;          /* bio_tenprint_fpir(evidence, persons, probe fingers) */
    int hit;              /* evidence >= the threshold of the call */
    int matched;          /* probe fingers with evidence > 0 */
    int swapped;          /* matched fingers at other positions outweigh positional ones */
    bio_tp_finger fingers[BIO_TENPRINT_FINGERS]; /* per probe finger, index = probe */
} bio_tp_candidate;

typedef struct bio_tp_opts {
    double fpir;          /* wanted false positive identification rate per enrolment */
    size_t persons;       /* people in the gallery searched */
    int probe_fingers;    /* fingers the enrollee presented (1..10) */
    int candidate_fingers;/* fingers an enrolled person has (for the Bonferroni factor;
                             0: BIO_TENPRINT_FINGERS) */
} bio_tp_opts;

/*
 * Fuse n comparisons (any order; several persons mixed) into one candidate per person, best
 * evidence first. *out (owned by caller: free()) receives *count candidates (NULL when none);
 * each has hit = 1 when its evidence reaches bio_tenprint_threshold(o->fpir, o->persons,
 * o->probe_fingers). Comparisons with probe outside 0..9 are BIO_EINVAL (nothing returned).
 * *threshold (may be NULL) receives that threshold.
 */
bio_status bio_tenprint_fuse(const bio_tp_comparison *c, size_t n, const bio_tp_opts *o,
                             bio_tp_candidate **out, size_t *count, double *threshold,
                             bio_msg *msg);

#endif
