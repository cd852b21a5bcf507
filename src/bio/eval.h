/*
 * eval.h - the FVC verification protocol on a set of fingerprint images named
 * {finger}_{impression}.{tif,png,...} (FVC2002 "B" sets: 10 fingers x 8 impressions), or on the
 * .iso minutiae records beside them.
 *
 * Genuine pairs: every two impressions of one finger, one order (i < j): 10 x 28 = 280.
 * Impostor pairs: every two impressions of different fingers, one order: 80 x 72 / 2 = 2,880
 * (BIO_EVAL_ALL, the tighter estimate), or the first impressions of two fingers, 45
 * (BIO_EVAL_FIRST, the FVC2002 protocol).
 *
 * Never: print (the CLI prints the result), keep global state.
 */
#ifndef KTPEL_BIO_EVAL_H
#define KTPEL_BIO_EVAL_H

#include "bio/bio.h"

#include <stddef.h>

enum { BIO_EVAL_ALL = 0, BIO_EVAL_FIRST = 1 };

typedef struct bio_eval_opts {
    int iso;          /* 1: decode {finger}_{n}.iso instead of extracting from images */
    int impostors;    /* BIO_EVAL_ALL or BIO_EVAL_FIRST */
    int roundtrip;    /* 1: each extracted template is encoded as an ISO 19794-2 record and
                         decoded again before matching (what the service stores: angles in
                         ISO units of 1.4 degrees, the ridge map as its extended data block) */
} bio_eval_opts;

typedef struct bio_eval_result {
    int samples;            /* templates used */
    int failed;             /* images/records that could not be extracted/decoded (score 0) */
    int genuine, impostor;  /* pairs compared */
    double eer;             /* equal error rate, 0..1 */
    double fmr100;          /* lowest FNMR with FMR <= 1% */
    double fmr1000;         /* lowest FNMR with FMR <= 0.1% */
    double zerofmr;         /* lowest FNMR with FMR = 0 */
    double ms_extract;      /* mean milliseconds per extraction (or decode with iso) */
    double us_prepare;      /* mean microseconds per bio_prepare */
    double us_match;        /* mean microseconds per bio_match */
    double ms_extract_cpu, us_match_cpu; /* the same as CPU time of the calling thread */
    double gen_mean, imp_mean, imp_max; /* score summary */
    double *gen_scores, *imp_scores;    /* owned: free with bio_eval_result_free() */
    /*
     * Which samples each score compares, for analysis: pair k of gen_scores is
     * gen_pairs[2k], gen_pairs[2k + 1] (indices into finger / impression, samples in
     * finger, impression order); the same for imp_pairs. Owned like the scores.
     */
    int *gen_pairs, *imp_pairs;
    int *finger, *impression;           /* samples entries each */
} bio_eval_result;

/* Run the protocol on dir. Fills *r (free with bio_eval_result_free()). */
bio_status bio_eval_dir(const char *dir, const bio_eval_opts *opts, bio_eval_result *r,
                        bio_msg *msg);

/*
 * Error rates from score lists (higher = more similar): EER, FMR100, FMR1000, ZeroFMR into r.
 * Used by bio_eval_dir() and by tests. Does not take ownership of the arrays.
 */
bio_status bio_eval_rates(const double *gen, size_t ng, const double *imp, size_t ni,
                          bio_eval_result *r);

void bio_eval_result_free(bio_eval_result *r);

#endif
