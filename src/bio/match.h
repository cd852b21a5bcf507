/*
 * match.h - 1:1 fingerprint matching over minutiae templates: Minutia Cylinder-Code
 * (Cappelli, Ferrara, Maltoni, IEEE TPAMI 2010) with LSS-R (local similarity sort with
 * relaxation) consolidation. Robust to rotation, translation, partial overlap and moderate
 * skin distortion: each minutia is described by a local, rotation-invariant cylinder.
 *
 * When both templates carry a ridge map (bio_template.ridge, made by bio_extract and kept by
 * the ISO codec), the alignments the matcher finds are checked against the ridge flow and
 * spacing; without one the minutiae alone decide (scores on the same FMR scale either way).
 *
 * Usage for repeated matching (1:N search): prepare every template once with bio_prepare(),
 * then call bio_match() on pairs. bio_match() only reads its arguments, keeps no state and
 * allocates nothing on the heap: it is safe to call from many threads on shared
 * bio_prepared objects.
 *
 * Never: print, read files, or keep global mutable state.
 */
#ifndef KTPEL_BIO_MATCH_H
#define KTPEL_BIO_MATCH_H

#include "bio/bio.h"

/* A template prepared for fast repeated matching (cylinders, neighbour data). Opaque. */
typedef struct bio_prepared bio_prepared;

/*
 * Prepare t for matching. *out is owned by the caller: free with bio_prepared_free().
 * Coordinates are normalised to 500 dpi from t->res_x/res_y (0 means 197 px/cm). A template
 * with fewer than 2 usable minutiae still prepares (it matches nothing: score 0).
 * Errors: BIO_EINVAL (NULL), BIO_ENOMEM.
 */
bio_status bio_prepare(const bio_template *t, bio_prepared **out, bio_msg *msg);
void bio_prepared_free(bio_prepared *p);

/* Number of minutiae that were prepared (for diagnostics). */
int bio_prepared_count(const bio_prepared *p);

/*
 * Similarity of two prepared templates: >= 0, higher = more similar (0..100 in practice; the
 * same finger typically scores well above bio_threshold_for_fmr(1e-3)). Symmetric up to
 * rounding. Thread-safe; no heap allocation.
 */
double bio_match(const bio_prepared *probe, const bio_prepared *candidate);

/* Convenience: prepare both, match, free. Returns 0 when either cannot be prepared. */
double bio_match_templates(const bio_template *a, const bio_template *b);

/*
 * Score threshold for a wanted false match rate (e.g. 1e-3): the (1 - fmr) quantile of the
 * impostor score distribution measured on the FVC2002 DB1_B..DB4_B sets (all cross-finger
 * pairs, templates from bio_extract), interpolated in log(fmr); see
 * docs/internals/bio-match.md. fmr is clamped to [1e-5, 0.5].
 */
double bio_threshold_for_fmr(double fmr);

/* The inverse: the false match rate a score threshold stands for (the same table, clamped to
   [1e-5, 0.5]). bio_fmr_for_threshold(bio_threshold_for_fmr(f)) == f within rounding. */
double bio_fmr_for_threshold(double score);

#endif
