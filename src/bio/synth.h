/*
 * synth.h - synthetic fingerprints after the SFinGe method (Cappelli, Maio, Maltoni).
 *
 * A master fingerprint is the finger itself: its area shape, its class (arch, tented arch,
 * left/right loop, whorl, drawn at the frequencies seen in real populations), an orientation
 * field from its cores and deltas (Sherlock-Monro zero-pole model), a ridge frequency map and,
 * when rendered, a ridge pattern grown from random seeds by iterated Gabor filtering. Its true
 * minutiae come from the binarized, thinned master (rendered mode) or are placed directly on
 * the orientation field (template mode, no image: fast enough for millions of impostors).
 *
 * An impression is one touch of that finger on a 500 dpi scanner: a contact area that depends
 * on pressure (sometimes only the tip or a side), non-linear skin distortion (Cappelli's
 * plastic distortion model), rotation, shift, dry or wet skin varying over the print, uneven
 * pressure, the finger's scars, noise and background. Impostor score tails of a rendered
 * population are compared with the real sets' in docs/internals/bio-search.md. The same transformation moves the master's
 * minutiae, so every impression carries its ground truth.
 *
 * Everything is a pure function of (seed, finger, impression): the same arguments give the same
 * bytes on every run and machine with IEEE doubles. This module never reads or writes files.
 */
#ifndef KTPEL_BIO_SYNTH_H
#define KTPEL_BIO_SYNTH_H

#include "bio/bio.h"

typedef enum bio_finger_class {
    BIO_CLASS_ARCH = 0,
    BIO_CLASS_TENTED_ARCH,
    BIO_CLASS_LEFT_LOOP,
    BIO_CLASS_RIGHT_LOOP,
    BIO_CLASS_WHORL
} bio_finger_class;

/* "arch", "tented_arch", "left_loop", "right_loop", "whorl". */
const char *bio_finger_class_name(bio_finger_class c);

/* Image size of every synthetic impression (pixels, 500 dpi). */
enum { BIO_SYNTH_WIDTH = 300, BIO_SYNTH_HEIGHT = 400, BIO_SYNTH_DPI = 500 };

typedef struct bio_synth_master bio_synth_master;

/*
 * Make the master of finger number `finger` of a population drawn from `seed`. With render=1
 * the ridge pattern is grown (about a second of CPU for 300x400) and the true minutiae are the
 * ones found on it; with render=0 only the model and minutiae are made (microseconds), and
 * impressions can give templates but no image.
 * *out owned by caller: free with bio_synth_master_free().
 */
bio_status bio_synth_master_new(uint64_t seed, uint32_t finger, int render,
                                bio_synth_master **out, bio_msg *msg);
void bio_synth_master_free(bio_synth_master *m);

bio_finger_class bio_synth_master_class(const bio_synth_master *m);
/* The master's true minutiae in its own (undistorted) frame; owned by m. */
const bio_template *bio_synth_master_minutiae(const bio_synth_master *m);
/* The master ridge pattern as an image (ridges black), or NULL in template mode; owned by m. */
const bio_image *bio_synth_master_image(const bio_synth_master *m);

/*
 * Impression number `impression` of the master. img (may be NULL) receives the 300x400 image;
 * it needs a rendered master (BIO_EINVAL otherwise); img->pixels owned by caller, free with
 * bio_image_free(). tpl (may be NULL) receives the true minutiae moved by the same distortion,
 * cropped to the contact area and the image, with a few lost as a real extractor loses them.
 * On failure neither output holds anything to free.
 */
bio_status bio_synth_impression(const bio_synth_master *m, uint32_t impression,
                                bio_image *img, bio_template *tpl, bio_msg *msg);

/*
 * Template mode in one call: the true minutiae of impression `impression` of finger `finger`
 * of population `seed`, with no image rendered. Thread-safe; no heap allocation.
 */
bio_status bio_synth_template(uint64_t seed, uint32_t finger, uint32_t impression,
                              bio_template *tpl, bio_msg *msg);

#endif
