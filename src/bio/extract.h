/*
 * extract.h - feature extraction: a grayscale fingerprint image in, a minutiae template out,
 * plus an NFIQ-like image quality score the operator sees at once (retake a poor print).
 *
 * Pipeline (extract.c, orient.c, enhance.c, minutiae.c, quality.c): resample to 500 dpi,
 * foreground segmentation (block variance + orientation coherence, morphology), orientation
 * field (gradients smoothed as doubled-angle vectors), ridge frequency, oriented Gabor
 * enhancement from a precomputed filter bank, binarization, thinning, crossing-number minutiae
 * with direction, type and quality, removal of false minutiae (border, short ridges, spurs,
 * bridges, clusters).
 *
 * Never: print, keep global mutable state (every function is thread-safe), or read files.
 */
#ifndef KTPEL_BIO_EXTRACT_H
#define KTPEL_BIO_EXTRACT_H

#include "bio/bio.h"

/*
 * Extract the minutiae of img into *out (caller-owned storage; fully overwritten).
 * Coordinates are in img's pixels; width/height/res come from img (dpi -> pixels per cm).
 * out->quality is bio_image_quality(img). Errors: BIO_EINVAL (NULL, bad size/pixels),
 * BIO_ETOOSMALL (smaller than 64x64 pixels), BIO_EBLANK (no ridge area / too few minutiae),
 * BIO_ENOMEM. On error *out is left with count 0.
 */
bio_status bio_extract(const bio_image *img, bio_template *out, bio_msg *msg);

/*
 * Image quality 0..100, NFIQ-like (100 best): from orientation certainty, ridge clarity,
 * foreground area and minutiae count. 0 for an unusable image (blank, too small, NULL).
 * Rough guide: >= 60 good, 35..59 usable, < 35 retake.
 */
int bio_image_quality(const bio_image *img);

/* Both at once (one pass of the pipeline); quality may be NULL. */
bio_status bio_extract_q(const bio_image *img, bio_template *out, int *quality, bio_msg *msg);

#endif
