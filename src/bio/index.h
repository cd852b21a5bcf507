/*
 * index.h - the first stage of 1:N search: a compact, fixed-size code per finger whose
 * popcount overlap ranks a gallery at memory speed.
 *
 * The code is a Bloom-style bit-vector of quantized minutia-pair features, the geometric
 * relation Minutia Cylinder-Code cells capture (Cappelli, Ferrara, Maltoni, "Fingerprint
 * indexing based on Minutia Cylinder-Code", IEEE TPAMI 2011): for every two minutiae within
 * reach, their distance and each one's direction relative to the segment joining them. These
 * are invariant to rotation and translation and change little under skin distortion at short
 * range. Each feature sets one bit chosen by a hash; two impressions of one finger share many
 * bits, two fingers share about what chance predicts. The score is the overlap above chance in
 * standard deviations, so a finger with many minutiae does not outrank everyone.
 *
 * The code only ranks. The decision is the 1:1 matcher's (match.h) on the shortlist.
 * Never: allocate, print, or keep state; every function is thread-safe.
 */
#ifndef KTPEL_BIO_INDEX_H
#define KTPEL_BIO_INDEX_H

#include "bio/bio.h"

#define BIO_INDEX_BITS 2048
#define BIO_INDEX_WORDS (BIO_INDEX_BITS / 64)

typedef struct bio_index_code {
    uint64_t w[BIO_INDEX_WORDS];
} bio_index_code;

/* The code of template t (coordinates normalized to 500 dpi with t->res_x/res_y). Returns
   the number of bits set. */
unsigned bio_index_encode(const bio_template *t, bio_index_code *out);

/* Bits set in a code. */
unsigned bio_index_popcount(const bio_index_code *c);

/* Bits set in both. */
unsigned bio_index_common(const bio_index_code *a, const bio_index_code *b);

/*
 * Chance is not uniform: pair features crowd into the few distances and relative angles that
 * parallel ridges allow, so unrelated fingers share more bits than pa*pg/BITS. The search
 * therefore measures, per probe, alpha = sum(common) / sum(pg) over a sample of the gallery
 * (nearly all impostors), and scores each finger by its excess over alpha*pg in standard
 * deviations: about 0 for unrelated fingers, large for mates.
 */
double bio_index_alpha(const bio_index_code *probe, const bio_index_code *codes,
                       const uint16_t *pops, size_t n, size_t stride);
float bio_index_score(double alpha, unsigned pg, unsigned common);

/*
 * Score n gallery codes against the probe: scores[i] = bio_index_score(alpha, pops[i],
 * common(probe, codes[i])). The hot loop of 1:N search; uses the CPU's popcount instruction
 * when it has one.
 */
void bio_index_scan(const bio_index_code *probe, double alpha, const bio_index_code *codes,
                    const uint16_t *pops, size_t n, float *scores);

#endif
