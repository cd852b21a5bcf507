/*
 * extract.c - the feature-extraction pipeline behind bio_extract() and bio_image_quality():
 * validate, resample to 500 dpi, local contrast normalisation (for the field maps only), field
 * maps (orient.c), enhancement and skeleton (enhance.c),
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
/* Ridge map (see ridge_map()). */
#define RIDGE_CELL_BLOCKS 3   /* a cell is 3 x 3 blocks: 24 px at 500 dpi */
#define RIDGE_MIN_COH 0.3     /* cells with less mean coherence are left out */
/* Local contrast normalisation for the field maps (see local_normalize()). */
#define NORM_R 8           /* box window radius, px at 500 dpi (17 x 17, ~2 ridge periods) */
#define NORM_CLIP 2.0      /* standard deviations kept either side of the local mean */
#define NORM_SD_MIN 5.0    /* gray levels: floor of the local deviation */

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

/*
 * Box sums of radius r (window clipped at the image edge) of v and of v^2 (w x h) into s1, s2;
 * cnt gets the window's pixel count. Integer running sums: exact (17 x 17 x 255^2 < 2^31).
 * rows1/rows2 are w*h scratch, col1/col2 w scratch. Both passes walk the rows in memory order
 * (the vertical one keeps a running sum per column).
 */
static void box_sums(const uint8_t *v, int w, int h, int r, int32_t *s1, int32_t *s2,
                     int32_t *rows1, int32_t *rows2, int32_t *col1, int32_t *col2, int32_t *cnt)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *row = v + (size_t)y * w;
        int32_t a = 0, q = 0;
        int lo = 0, hi = -1;
        for (int x = 0; x < w; x++) {
            int x1 = x + r >= w ? w - 1 : x + r, x0 = x - r < 0 ? 0 : x - r;
            while (hi < x1) {
                hi++;
                a += row[hi];
                q += row[hi] * row[hi];
            }
            while (lo < x0) {
                a -= row[lo];
                q -= row[lo] * row[lo];
                lo++;
            }
            rows1[(size_t)y * w + x] = a;
            rows2[(size_t)y * w + x] = q;
        }
    }
    memset(col1, 0, (size_t)w * sizeof *col1);
    memset(col2, 0, (size_t)w * sizeof *col2);
    int lo = 0, hi = -1;
    for (int y = 0; y < h; y++) {
        int y1 = y + r >= h ? h - 1 : y + r, y0 = y - r < 0 ? 0 : y - r;
        while (hi < y1) {
            hi++;
            const int32_t *a = rows1 + (size_t)hi * w, *q = rows2 + (size_t)hi * w;
            for (int x = 0; x < w; x++) {
                col1[x] += a[x];
                col2[x] += q[x];
            }
        }
        while (lo < y0) {
            const int32_t *a = rows1 + (size_t)lo * w, *q = rows2 + (size_t)lo * w;
            for (int x = 0; x < w; x++) {
                col1[x] -= a[x];
                col2[x] -= q[x];
            }
            lo++;
        }
        int ny = y1 - y0 + 1;
        for (int x = 0; x < w; x++) {
            int nx = (x + r >= w ? w - 1 : x + r) - (x - r < 0 ? 0 : x - r) + 1;
            s1[(size_t)y * w + x] = col1[x];
            s2[(size_t)y * w + x] = col2[x];
            cnt[(size_t)y * w + x] = nx * ny;
        }
    }
}

/*
 * Local contrast normalisation: each pixel as its distance from the local mean in local
 * standard deviations (box window of radius r; the deviation floored at sd_min so flat
 * background is not blown up into noise), clipped to +-clip and mapped to 0..255. The clip
 * flattens what stands far out of its neighbourhood: the dark pores and sweat drops of wet
 * prints, dust. Returns a new image (owned by caller, free()) or NULL on no memory.
 */
static uint8_t *local_normalize(const uint8_t *px, int w, int h, int r, double clip,
                                double sd_min)
{
    size_t n = (size_t)w * (size_t)h;
    int32_t *buf = malloc((5 * n + 2 * (size_t)w) * sizeof *buf);
    uint8_t *o = malloc(n);
    if (!buf || !o) {
        free(o);
        o = NULL;
        goto out;
    }
    int32_t *s1 = buf, *s2 = buf + n, *cnt = buf + 2 * n;
    box_sums(px, w, h, r, s1, s2, buf + 3 * n, buf + 4 * n, buf + 5 * n, buf + 5 * n + w, cnt);
    for (size_t i = 0; i < n; i++) {
        double m = (double)s1[i] / cnt[i];
        double var = (double)s2[i] / cnt[i] - m * m;
        double sd = sqrt(var > 0 ? var : 0);
        if (sd < sd_min)
            sd = sd_min;
        double z = (px[i] - m) / sd;
        z = z < -clip ? -clip : (z > clip ? clip : z);
        o[i] = (uint8_t)lrint(127.5 + 127.5 * z / clip);
    }
out:
    free(buf);
    return o;
}

/*
 * The ridge map of the template (bio.h) from the field maps: cells of RIDGE_CELL_BLOCKS^2
 * blocks over the foreground's bounding box; a cell holds the mean orientation (doubled-angle
 * average) and mean period of its foreground blocks when at least half of them are foreground
 * and their mean coherence reaches RIDGE_MIN_COH (unclear ridges would only add noise to the
 * matcher's agreement measure). Coordinates go back to the image's pixels by scale. A print
 * whose box needs more than BIO_RIDGE_MAX_SIDE cells a side or BIO_RIDGE_MAX_CELLS cells gets
 * no map (cols 0): the matcher then uses the minutiae alone.
 */
static void ridge_map(const bio_field *f, double scale, bio_ridge_map *rm)
{
    const int cb = RIDGE_CELL_BLOCKS;
    int bx0 = f->bw, by0 = f->bh, bx1 = -1, by1 = -1;
    memset(rm, 0, sizeof *rm);
    for (int by = 0; by < f->bh; by++)
        for (int bx = 0; bx < f->bw; bx++)
            if (f->mask[by * f->bw + bx]) {
                bx0 = bx < bx0 ? bx : bx0;
                by0 = by < by0 ? by : by0;
                bx1 = bx > bx1 ? bx : bx1;
                by1 = by > by1 ? by : by1;
            }
    if (bx1 < 0)
        return;
    int cols = (bx1 - bx0 + cb) / cb, rows = (by1 - by0 + cb) / cb;
    double cell = cb * BIO_BLK * scale;
    if (cols > BIO_RIDGE_MAX_SIDE || rows > BIO_RIDGE_MAX_SIDE ||
        cols * rows > BIO_RIDGE_MAX_CELLS || cell > 255 || bx0 * BIO_BLK * scale > 65535 ||
        by0 * BIO_BLK * scale > 65535)
        return;
    rm->cols = (uint8_t)cols;
    rm->rows = (uint8_t)rows;
    rm->cell = (uint8_t)lrint(cell);
    rm->x0 = (uint16_t)lrint(bx0 * BIO_BLK * scale);
    rm->y0 = (uint16_t)lrint(by0 * BIO_BLK * scale);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double sx = 0, sy = 0, per = 0, coh = 0;
            int n = 0;
            for (int dy = 0; dy < cb; dy++)
                for (int dx = 0; dx < cb; dx++) {
                    int bx = bx0 + cb * c + dx, by = by0 + cb * r + dy;
                    if (bx >= f->bw || by >= f->bh || !f->mask[by * f->bw + bx])
                        continue;
                    int b = by * f->bw + bx;
                    sx += cos(2.0 * (double)f->orient[b]);
                    sy += sin(2.0 * (double)f->orient[b]);
                    per += (double)f->period[b];
                    coh += (double)f->coh[b];
                    n++;
                }
            uint8_t v = BIO_RIDGE_NONE;
            if (2 * n >= cb * cb && coh >= RIDGE_MIN_COH * n) {
                /* Image orientation (y down) to the counter-clockwise convention: negate. */
                double t = -0.5 * atan2(sy, sx);
                v = bio_ridge_code(t, per / n);
            }
            rm->v[r * cols + c] = v;
        }
}

bio_status bio_extract_q(const bio_image *img, bio_template *out, int *quality, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_field f;
    uint8_t *work = NULL, *norm = NULL;
    memset(&f, 0, sizeof f);
    if (quality)
        *quality = 0;
    if (out) {
        out->count = 0;
        out->ridge.cols = out->ridge.rows = 0;
    }
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
    /*
     * Orientation, coherence and ridge period from the contrast-normalised image (faint prints,
     * and wet ones whose dark pores and drops outweigh the ridges' gradients); segmentation
     * from the gray-level spread of the image itself, enhancement on the image itself.
     */
    norm = local_normalize(px, w, h, NORM_R, NORM_CLIP, NORM_SD_MIN);
    if (!norm) {
        st = bio_fail(msg, BIO_ENOMEM, "bio_extract: out of memory normalising the image");
        goto out;
    }
    if ((st = bio_orient_field_ex(px, norm, w, h, &f, msg)) != BIO_OK)
        goto out;
    if ((st = bio_enhance(px, &f, msg)) != BIO_OK)
        goto out;
    if ((st = bio_minutiae_detect(&f, scale, MAX_MINUTIAE, out, msg)) != BIO_OK)
        goto out;
    ridge_map(&f, scale, &out->ridge);
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
    free(norm);
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
