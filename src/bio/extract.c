/*
 * extract.c - the feature-extraction pipeline behind bio_extract() and bio_image_quality():
 * validate, resample to 500 dpi, field maps (orient.c), enhancement and skeleton (enhance.c),
 * minutiae (minutiae.c), quality (quality.c); coordinates go back to the image's own pixels.
 *
 * Resampling: all thresholds and filters are tuned for 500 dpi; other resolutions are
 * resampled bilinearly first, which keeps one parameter set. (FVC2002 DB2, scanned at 569 dpi,
 * says 500 in its files and is used as is: that measured better than resampling it.)
 *
 * Never: print, keep global state (extraction is thread-safe), accept an image it cannot use
 * without a clear reason in msg.
 */
#include "bio/extract.h"

#include "bio/extract_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SIDE 64
#define MAX_SIDE 8000
#define MAX_MINUTIAE 120   /* the best ones by quality; more only slows matching */
#define MIN_MINUTIAE 3

/* Bilinear resample of px (w x h) by factor k into *out (owned by caller, free()). */
static uint8_t *resample(const uint8_t *px, int w, int h, double k, int *ow, int *oh)
{
    int nw = (int)lrint(w * k), nh = (int)lrint(h * k);
    if (nw < 1 || nh < 1)
        return NULL;
    uint8_t *o = malloc((size_t)nw * (size_t)nh);
    if (!o)
        return NULL;
    for (int y = 0; y < nh; y++) {
        double sy = (y + 0.5) / k - 0.5;
        int y0 = (int)floor(sy);
        double fy = sy - y0;
        int y1 = y0 + 1;
        y0 = y0 < 0 ? 0 : (y0 >= h ? h - 1 : y0);
        y1 = y1 < 0 ? 0 : (y1 >= h ? h - 1 : y1);
        for (int x = 0; x < nw; x++) {
            double sx = (x + 0.5) / k - 0.5;
            int x0 = (int)floor(sx);
            double fx = sx - x0;
            int x1 = x0 + 1;
            x0 = x0 < 0 ? 0 : (x0 >= w ? w - 1 : x0);
            x1 = x1 < 0 ? 0 : (x1 >= w ? w - 1 : x1);
            double v = (1 - fy) * ((1 - fx) * px[y0 * w + x0] + fx * px[y0 * w + x1]) +
                       fy * ((1 - fx) * px[y1 * w + x0] + fx * px[y1 * w + x1]);
            o[y * nw + x] = (uint8_t)lrint(v);
        }
    }
    *ow = nw;
    *oh = nh;
    return o;
}

bio_status bio_extract_q(const bio_image *img, bio_template *out, int *quality, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_field f;
    uint8_t *work = NULL;
    memset(&f, 0, sizeof f);
    if (quality)
        *quality = 0;
    if (out)
        out->count = 0;
    if (!img || !out)
        return bio_fail(msg, BIO_EINVAL, "bio_extract: image and template are required");
    if (!img->pixels || img->width <= 0 || img->height <= 0 || img->width > MAX_SIDE ||
        img->height > MAX_SIDE)
        return bio_fail(msg, BIO_EINVAL, "bio_extract: invalid image (%dx%d, pixels %s)",
                        img->width, img->height, img->pixels ? "present" : "missing");
    int dpi = img->dpi > 0 ? img->dpi : 500;
    if (dpi < 250 || dpi > 2000)
        return bio_fail(msg, BIO_EUNSUPPORTED,
                        "bio_extract: resolution %d dpi not supported (250..2000)", dpi);
    if (img->width < MIN_SIDE || img->height < MIN_SIDE)
        return bio_fail(msg, BIO_ETOOSMALL,
                        "bio_extract: image %dx%d is too small to hold a fingerprint (min %dx%d)",
                        img->width, img->height, MIN_SIDE, MIN_SIDE);

    const uint8_t *px = img->pixels;
    int w = img->width, h = img->height;
    double scale = 1.0;
    if (abs(dpi - 500) > 15) {
        work = resample(img->pixels, w, h, 500.0 / dpi, &w, &h);
        if (!work) {
            st = bio_fail(msg, BIO_ENOMEM, "bio_extract: out of memory resampling the image");
            goto out;
        }
        px = work;
        scale = (double)dpi / 500.0;
        if (w < MIN_SIDE || h < MIN_SIDE) {
            st = bio_fail(msg, BIO_ETOOSMALL, "bio_extract: image too small at 500 dpi (%dx%d)",
                          w, h);
            goto out;
        }
    }

    memset(out, 0, sizeof *out);
    out->width = (uint16_t)img->width;
    out->height = (uint16_t)img->height;
    out->res_x = out->res_y = (uint16_t)lrint(dpi / 2.54);
    if ((st = bio_orient_field(px, w, h, &f, msg)) != BIO_OK)
        goto out;
    if ((st = bio_enhance(px, &f, msg)) != BIO_OK)
        goto out;
    if ((st = bio_minutiae_detect(&f, scale, MAX_MINUTIAE, out, msg)) != BIO_OK)
        goto out;
    int q = bio_quality_score(&f, out->count);
    out->quality = (uint8_t)q;
    if (quality)
        *quality = q;
    if (out->count < MIN_MINUTIAE) {
        st = bio_fail(msg, BIO_EBLANK,
                      "bio_extract: only %u minutiae found (need %d): no usable fingerprint",
                      (unsigned)out->count, MIN_MINUTIAE);
        out->count = 0;
        goto out;
    }

out:
    bio_field_free(&f);
    free(work);
    return st;
}

bio_status bio_extract(const bio_image *img, bio_template *out, bio_msg *msg)
{
    return bio_extract_q(img, out, NULL, msg);
}

int bio_image_quality(const bio_image *img)
{
    bio_template *t = malloc(sizeof *t);
    int q = 0;
    if (!t)
        return 0;
    if (bio_extract_q(img, t, &q, NULL) != BIO_OK && t->count == 0)
        q = q > 0 ? q / 2 : 0;   /* too few minutiae: the print needs a retake anyway */
    free(t);
    return q;
}
