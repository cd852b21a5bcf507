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

/*
 * Second ranking stage: geometric verification of pair features (a generalized Hough
 * transform). The probe's minutia pairs, both orderings, are filed by quantized (distance,
 * direction of each end relative to the joining segment), each also under the neighbouring
 * bins it is within tolerance of (probe-side multiple encoding), so a gallery pair looks in
 * one bin only. Every gallery pair that agrees with a probe pair within tolerance implies a
 * rotation and translation; it votes for that alignment in a coarse (rotation, x, y)
 * accumulator, each vote spread over the 2x2x2 nearest cells. Unrelated fingers agree on
 * pairs by chance but scatter their votes; a mate piles them onto one alignment.
 * The score multiplies two views of the best cell: its concentration, best^2 / (votes + 10)
 * (a finger with many minutiae makes many chance votes), and the pairing it implies: the
 * cell's votes averaged into one alignment, minutiae paired one to one under it, and
 * paired^2 / (minutiae of each print inside the other's box), as the 1:1 matcher's global
 * term does. About 50-80 us a finger: it ranks the first stage's candidates, not the whole
 * gallery. Rotations beyond 100 degrees are not considered (the 1:1 matcher does not pair
 * minutiae whose directions differ by more than 90 degrees either).
 */

/* Packed minutia as the gallery stores it: x 11 bits, y 11, ISO angle 8, type 2. */
#define BIO_INDEX_PACK(x, y, iso_angle, type)                                              \
    ((uint32_t)(x) | (uint32_t)(y) << 11 | (uint32_t)(iso_angle) << 22 |                    \
     (uint32_t)((type) & 3) << 30)

/* The probe's pair table. Opaque; read-only once made (shared by threads). */
typedef struct bio_index_probe bio_index_probe;
/* Per-thread scratch of bio_index_verify (the vote accumulator). Opaque. */
typedef struct bio_index_acc bio_index_acc;

/* *out owned by caller: free with bio_index_probe_free(). Errors: BIO_EINVAL, BIO_ENOMEM. */
bio_status bio_index_probe_new(const bio_template *t, bio_index_probe **out, bio_msg *msg);
void bio_index_probe_free(bio_index_probe *p);

/* *out owned by caller: free with bio_index_acc_free(). About 240 KB. */
bio_status bio_index_acc_new(bio_index_acc **out, bio_msg *msg);
void bio_index_acc_free(bio_index_acc *a);

/*
 * Verification score (>= 0, higher = more alike) of a gallery finger given as n packed
 * minutiae (BIO_INDEX_PACK) at resolution res_x, res_y (pixels/cm, 0 = 197). acc is scratch,
 * one per thread. No allocation.
 */
float bio_index_verify(const bio_index_probe *p, const uint32_t *packed, int n, uint16_t res_x,
                       uint16_t res_y, bio_index_acc *acc);

#endif
