/*
 * index.h - the ranking stages of 1:N search: what lets a gallery of a million fingers be
 * searched in well under a second before the 1:1 matcher (match.h) decides on a short list.
 *
 * All stages look for the same evidence: minutia pairs of the probe and of a gallery finger
 * that agree in their rotation- and translation-invariant shape (length, and the direction of
 * each end relative to the segment joining them), and that agree on one common placement of
 * the finger (rotation and translation). Two impressions of one finger pile their agreeing
 * pairs onto one placement; two different fingers agree on some pairs by chance, but their
 * placements scatter. This is a generalized Hough transform, as in geometric hashing
 * (Germain, Califano, Colville, "Fingerprint matching using transformation parameter
 * clustering", IEEE CSE 1997) and the minutia-pair indexing of Cappelli, Ferrara, Maltoni
 * ("Fingerprint indexing based on Minutia Cylinder-Code", IEEE TPAMI 2011).
 *
 * Stage A, bio_index_hough(): every gallery finger. The gallery keeps, per finger, the pairs
 * each minutia makes with its 8 nearest neighbours as 4-byte records (pair shape quantized as
 * a key, and the two minutia indices), made once at enrolment by bio_index_pairs(). The probe
 * files all its pairs up to 150 px in a table (bio_index_table) under every key within
 * tolerance, so a gallery pair looks up its own key only. About a microsecond a finger.
 * Stage B, bio_index_refine(): the best few percent again, with exact pair directions, and the
 * minutiae of both prints paired one to one under the three strongest placements.
 * Stage C, bio_index_verify(): the best thousand or so by all pairs up to 150 px, the
 * strongest single evidence and the slowest (50-80 us).
 *
 * Never: print, or keep state between calls; every function is thread-safe (a table is
 * read-only once made; scratch is per thread).
 */
#ifndef KTPEL_BIO_INDEX_H
#define KTPEL_BIO_INDEX_H

#include "bio/bio.h"

/* Packed minutia as the gallery stores it: x 11 bits, y 11, ISO angle 8, type 2. */
#define BIO_INDEX_PACK(x, y, iso_angle, type)                                              \
    ((uint32_t)(x) | (uint32_t)(y) << 11 | (uint32_t)(iso_angle) << 22 |                    \
     (uint32_t)((type) & 3) << 30)

/* Where a gallery finger's coordinates live: image size and resolution (pixels/cm, 0 = 197). */
typedef struct bio_index_frame {
    uint16_t width, height, res_x, res_y;
} bio_index_frame;

/* ---- gallery side: pair records ---- */

/* Minutiae of a template that take part in pair records (7-bit indices): the first 128. */
#define BIO_INDEX_PAIR_MINUTIAE 128
/* At most this many records a template (128 minutiae x 8 neighbours). */
#define BIO_INDEX_MAX_PAIRS 1024

/*
 * The pair records of template t into out[] (room for BIO_INDEX_MAX_PAIRS); returns how many.
 * Each of the first 128 minutiae is paired with its 8 nearest neighbours 14..150 px away (at
 * 500 dpi), each pair once. Record: key (18 bits: length in 4 px steps, direction of each end
 * relative to the segment from the lower index to the higher, 64 sectors each) | lower
 * index << 18 | higher index << 25. Sorted by key. About 3 us; no allocation.
 */
int bio_index_pairs(const bio_template *t, uint32_t *out);

/* ---- probe side ---- */

/* The probe's pair table. Opaque; read-only once made (shared by threads). */
typedef struct bio_index_table bio_index_table;

/* *out owned by caller: free with bio_index_table_free(). About 1-2 ms and 0.5-1.5 MB.
   Errors: BIO_EINVAL (no template, too many minutiae), BIO_ENOMEM. */
bio_status bio_index_table_new(const bio_template *t, bio_index_table **out, bio_msg *msg);
void bio_index_table_free(bio_index_table *p);

/* Per-thread scratch of stages A and B (the vote accumulator, ~100 KB). Opaque. */
typedef struct bio_index_scratch bio_index_scratch;

/* *out owned by caller: free with bio_index_scratch_free(). */
bio_status bio_index_scratch_new(bio_index_scratch **out, bio_msg *msg);
void bio_index_scratch_free(bio_index_scratch *s);

/*
 * Stage A score (>= 0, higher = more alike) of a gallery finger given as its n packed
 * minutiae (BIO_INDEX_PACK), frame f, and its np pair records. The largest number of agreeing
 * pairs voting for one placement (11.25 degrees x 16 px x 16 px cells, each vote spread over
 * the 2x2x2 nearest), over sqrt(np + 20): a finger with many pairs collects more chance votes.
 * Rotations beyond 90 degrees are not considered (nor does the 1:1 matcher pair minutiae
 * whose directions differ by more). No allocation.
 */
float bio_index_hough(const bio_index_table *p, const uint32_t *mins, int n,
                      const bio_index_frame *f, const uint32_t *pairs, int np,
                      bio_index_scratch *s);

/*
 * Stage B score of the same finger (>= 0): stage A's vote with exact pair directions, times
 * the square root of the best one-to-one pairing of minutiae (within 14 px and 22.5 degrees)
 * under the placements of the three strongest cells, paired^2 / (probe minutiae inside the
 * finger's box x finger minutiae inside the probe's), as the 1:1 matcher's global term does.
 * About 10 us. No allocation.
 */
float bio_index_refine(const bio_index_table *p, const uint32_t *mins, int n,
                       const bio_index_frame *f, const uint32_t *pairs, int np,
                       bio_index_scratch *s);

/* ---- stage C: verification by all pairs (index_verify.c) ---- */

/*
 * A generalized Hough transform over all minutia pairs 14..150 px of both prints, computed
 * from the stored minutiae (nothing per finger is kept for it). The probe's ordered pairs are
 * filed by quantized (distance, direction of each end relative to the joining segment), each
 * also under the neighbouring bins it is within tolerance of, so a gallery pair looks in one
 * bin only. Every gallery pair that agrees with a probe pair within tolerance votes for the
 * implied rotation and translation in a coarse accumulator, spread over the 2x2x2 nearest
 * cells. The score multiplies two views of the best cell: its concentration,
 * best^2 / (votes + 10), and the pairing it implies (as in bio_index_refine()). About 50-80 us
 * a finger: it ranks the best of stage B, not the whole gallery. Rotations beyond 100 degrees
 * are not considered.
 */

/* The probe's pair table for verification. Opaque; read-only once made (shared by threads). */
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
