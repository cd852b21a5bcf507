/*
 * extract_internal.h - the stages of feature extraction, shared by extract.c, orient.c,
 * enhance.c, minutiae.c and quality.c. Not part of the library's public API.
 *
 * All stages work on an image resampled to 500 dpi ("work image"). The field maps are
 * per block of BIO_BLK x BIO_BLK pixels. Orientations are ridge orientations in [0, pi),
 * measured in image coordinates (x right, y down): a ridge running along the vector
 * (cos t, sin t) has orientation t. Conversion to the ISO counter-clockwise convention happens
 * only when minutiae are written into a bio_template (minutiae.c).
 *
 * Never: print, keep global mutable state, or allocate without checking.
 */
#ifndef KTPEL_BIO_EXTRACT_INTERNAL_H
#define KTPEL_BIO_EXTRACT_INTERNAL_H

#include "bio/bio.h"

#include <stdint.h>

#define BIO_BLK 8            /* block size in pixels at 500 dpi */
#define BIO_PERIOD_MIN 5     /* ridge period bounds (pixels at 500 dpi) */
#define BIO_PERIOD_MAX 15

/* Everything the pipeline computes for one work image. Owned by the extraction call. */
typedef struct bio_field {
    int w, h;            /* work image size */
    int bw, bh;          /* number of blocks */
    float *orient;       /* bw*bh ridge orientation [0, pi) */
    float *coh;          /* bw*bh orientation coherence 0..1 */
    float *period;       /* bw*bh ridge period in pixels (0 = unknown before filling) */
    uint8_t *mask;       /* bw*bh 1 = foreground block */
    uint8_t *fg;         /* w*h 1 = foreground pixel (inside the mask, for minutiae border) */
    float *enh;          /* w*h enhanced (Gabor) image: > 0 on ridges */
    uint8_t *skel;       /* w*h 1 = skeleton pixel */
    int fg_blocks;       /* number of foreground blocks */
    float mean_coh;      /* mean coherence over foreground */
    float clarity;       /* ridge clarity 0..1 (share of blocks with a clean ridge period) */
} bio_field;

void bio_field_free(bio_field *f);

/* orient.c: segmentation, orientation, coherence and ridge period of img (500 dpi). */
bio_status bio_orient_field(const uint8_t *px, int w, int h, bio_field *f, bio_msg *msg);
/* The same with segmentation from seg and orientation, coherence, period from px (w x h). */
bio_status bio_orient_field_ex(const uint8_t *seg, const uint8_t *px, int w, int h, bio_field *f,
                               bio_msg *msg);

/*
 * orient.c: the ridge period (pixels) of an x-signature sm[0..n) (gray levels sampled across
 * the ridges, one a pixel, ridges dark): the median distance between its marked minima; 0 when
 * the signature is too flat or the period falls outside BIO_PERIOD_MIN..MAX. n <= BIO_SIGNATURE_MAX.
 */
#define BIO_SIGNATURE_MAX 64
float bio_signature_period(const float *sm, int n);

/* enhance.c: Gabor enhancement into f->enh, binarization and thinning into f->skel. */
bio_status bio_enhance(const uint8_t *px, bio_field *f, bio_msg *msg);

/*
 * minutiae.c: crossing-number minutiae on f->skel, false-minutiae removal, direction, type
 * and quality. Coordinates are multiplied by scale (work image -> original image pixels).
 * Fills out->m and out->count (at most max).
 */
bio_status bio_minutiae_detect(const bio_field *f, double scale, int max, bio_template *out,
                               bio_msg *msg);

/* quality.c: the 0..100 score from the field and the minutiae count. */
int bio_quality_score(const bio_field *f, int minutiae);

#endif
