/*
 * tenprint.c - the person-level identification decision (see tenprint.h for the model):
 * per-comparison evidence from the matcher's calibration, fusion of one candidate person's
 * comparisons (positional or Bonferroni-corrected any-slot, each finger once), and the
 * threshold that holds an FPIR at a gallery size (Gamma tail, union bound over people).
 *
 * Never: print, allocate more than the candidates it returns and one sorted copy of the
 * comparisons, or keep state between calls.
 */
#include "bio/tenprint.h"

#include "bio/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The calibration's last row (bio_threshold_for_fmr(1e-5)) and the extension's slope. */
#define TP_LAST_SCORE 7.80
#define TP_LAST_EVIDENCE 5.0
#define TP_POINTS_PER_DECADE 2.5

double bio_finger_evidence(double score)
{
    if (!(score > bio_threshold_for_fmr(0.5)))
        return 0;
    double e;
    if (score >= TP_LAST_SCORE)
        e = TP_LAST_EVIDENCE + (score - TP_LAST_SCORE) / TP_POINTS_PER_DECADE;
    else
        e = -log10(bio_fmr_for_threshold(score));
    return e > BIO_TENPRINT_MAX_EVIDENCE ? BIO_TENPRINT_MAX_EVIDENCE : e;
}

/* P(Gamma(k, ln 10) >= t) = exp(-x) sum_{j<k} x^j / j!, x = t ln 10. */
static double gamma_tail(int k, double t)
{
    if (t <= 0)
        return 1;
    double x = t * log(10.0), term = 1, sum = 1;
    for (int j = 1; j < k; j++) {
        term *= x / j;
        sum += term;
    }
    double v = exp(-x) * sum;
    return v > 1 ? 1 : v;
}

static int clamp_fingers(int k)
{
    return k < 1 ? 1 : k > BIO_TENPRINT_FINGERS ? BIO_TENPRINT_FINGERS : k;
}

double bio_tenprint_fpir(double evidence, size_t persons, int probe_fingers)
{
    double n = persons ? (double)persons : 1.0;
    double v = n * gamma_tail(clamp_fingers(probe_fingers), evidence);
    return v > 1 ? 1 : v;
}

double bio_tenprint_threshold(double fpir, size_t persons, int probe_fingers)
{
    if (!(fpir > 0))
        fpir = 1e-12;
    if (fpir >= 1)
        return 0;
    double lo = 0, hi = BIO_TENPRINT_FINGERS * BIO_TENPRINT_MAX_EVIDENCE * 2;
    for (int it = 0; it < 80; it++) {   /* the tail falls with t: bisection */
        double mid = 0.5 * (lo + hi);
        if (bio_tenprint_fpir(mid, persons, probe_fingers) > fpir)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static int cmp_person(const void *a, const void *b)
{
    const bio_tp_comparison *x = a, *y = b;
    return (x->person > y->person) - (x->person < y->person);
}

/* A comparison's value for the assignment: its evidence, less log10 F when not positional. */
typedef struct tp_val {
    const bio_tp_comparison *c;
    double v;
    int positional;
} tp_val;

static int cmp_val_desc(const void *a, const void *b)
{
    const tp_val *x = a, *y = b;
    if (x->v != y->v)
        return (x->v < y->v) - (x->v > y->v);
    /* ties: positional first, then the order of the keys (deterministic) */
    if (x->positional != y->positional)
        return y->positional - x->positional;
    if (x->c->probe != y->c->probe)
        return x->c->probe - y->c->probe;
    return (x->c->finger_id > y->c->finger_id) - (x->c->finger_id < y->c->finger_id);
}

static int cmp_cand_desc(const void *a, const void *b)
{
    const bio_tp_candidate *x = a, *y = b;
    if (x->evidence != y->evidence)
        return (x->evidence < y->evidence) - (x->evidence > y->evidence);
    return (x->person > y->person) - (x->person < y->person);
}

/* Fuse the comparisons c[0..n) of one person into *k (see tenprint.h). vals: scratch, n. */
static void fuse_person(const bio_tp_comparison *c, size_t n, double log_f, tp_val *vals,
                        bio_tp_candidate *k)
{
    memset(k, 0, sizeof *k);
    k->person = c[0].person;
    for (int i = 0; i < BIO_TENPRINT_FINGERS; i++)
        k->fingers[i].probe = -1;
    for (size_t i = 0; i < n; i++) {
        int pos = c[i].probe_position > 0 && c[i].probe_position == c[i].position;
        double e = bio_finger_evidence(c[i].score);
        vals[i] = (tp_val){&c[i], pos ? e : e - log_f, pos};
    }
    qsort(vals, n, sizeof *vals, cmp_val_desc);
    /* Greedy one-to-one assignment, best value first: a probe finger once, a candidate
       finger once (a finger cannot be two of the enrollee's fingers). */
    double pos_sum = 0, other_sum = 0;
    for (size_t i = 0; i < n; i++) {
        const bio_tp_comparison *x = vals[i].c;
        double ev = vals[i].v - log10(2.0);
        if (ev <= 0)
            break;
        if (k->fingers[x->probe].probe >= 0)
            continue;
        int used = 0;
        for (int j = 0; j < BIO_TENPRINT_FINGERS && !used; j++)
            used = k->fingers[j].probe >= 0 && k->fingers[j].finger_id == x->finger_id;
        if (used)
            continue;
        k->fingers[x->probe] = (bio_tp_finger){x->probe, x->probe_position, x->finger_id,
                                               x->position, x->score, ev, vals[i].positional};
        k->evidence += ev;
        k->matched++;
        if (vals[i].positional)
            pos_sum += ev;
        else
            other_sum += ev;
    }
    k->swapped = other_sum > pos_sum;
}

bio_status bio_tenprint_fuse(const bio_tp_comparison *c, size_t n, const bio_tp_opts *o,
                             bio_tp_candidate **out, size_t *count, double *threshold,
                             bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_tp_comparison *s = NULL;
    tp_val *vals = NULL;
    bio_tp_candidate *k = NULL;
    size_t nk = 0;
    if (!out || !count || !o || (n > 0 && !c))
        return bio_fail(msg, BIO_EINVAL, "tenprint: comparisons, options and outputs needed");
    *out = NULL;
    *count = 0;
    int pf = clamp_fingers(o->probe_fingers);
    double th = bio_tenprint_threshold(o->fpir, o->persons, pf);
    if (threshold)
        *threshold = th;
    for (size_t i = 0; i < n; i++)
        if (c[i].probe < 0 || c[i].probe >= BIO_TENPRINT_FINGERS)
            return bio_fail(msg, BIO_EINVAL, "tenprint: comparison %zu: probe finger %d not "
                            "in 0..%d", i, c[i].probe, BIO_TENPRINT_FINGERS - 1);
    if (n == 0)
        return BIO_OK;
    s = malloc(n * sizeof *s);
    vals = malloc(n * sizeof *vals);
    if (!s || !vals) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(s, c, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_person);
    size_t persons = 1;
    for (size_t i = 1; i < n; i++)
        persons += s[i].person != s[i - 1].person;
    if ((k = malloc(persons * sizeof *k)) == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory");
        goto out;
    }
    int cf = o->candidate_fingers > 0 ? o->candidate_fingers : BIO_TENPRINT_FINGERS;
    double log_f = log10((double)cf);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a; b < n && s[b].person == s[a].person; b++)
            ;
        fuse_person(s + a, b - a, log_f, vals, &k[nk]);
        k[nk].fpir = bio_tenprint_fpir(k[nk].evidence, o->persons, pf);
        k[nk].hit = k[nk].evidence >= th;
        nk++;
    }
    qsort(k, nk, sizeof *k, cmp_cand_desc);
    *out = k;
    *count = nk;
    k = NULL;
out:
    free(s);
    free(vals);
    free(k);
    return st;
}
