/*
 * enhance.c - contextual enhancement and skeleton: every foreground pixel is filtered with an
 * even-symmetric Gabor filter tuned to its block's ridge orientation and period (Hong, Wan,
 * Jain 1998), the response's sign binarizes ridges, and Zhang-Suen thinning reduces ridges to
 * one-pixel skeletons for crossing-number minutiae.
 *
 * The filter bank (BANK_ORIENT orientations x one kernel per integer period) is built per
 * call, only for the kernels this image uses: no global state, so extraction is thread-safe.
 * Kernels are zero-mean, so the local gray level (DC) drops out without a normalisation pass.
 *
 * Never: print, keep global state.
 */
#include "bio/extract_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_F 3.14159265358979f
#define BANK_ORIENT 16
#define BANK_PERIODS (BIO_PERIOD_MAX - BIO_PERIOD_MIN + 1)
#define KR 7                 /* kernel radius */
#define KS (2 * KR + 1)

typedef struct bank {
    float *k[BANK_ORIENT * BANK_PERIODS];   /* each KS*KS floats, lazily built; owned */
} bank;

static const float *bank_get(bank *bk, int oi, int pi)
{
    float **slot = &bk->k[oi * BANK_PERIODS + pi];
    if (*slot)
        return *slot;
    float *k = malloc(sizeof(float) * KS * KS);
    if (!k)
        return NULL;
    float t = (float)oi * PI_F / BANK_ORIENT;   /* ridge orientation */
    float period = (float)(pi + BIO_PERIOD_MIN);
    float sx = 0.5f * period, sy = 0.8f * period; /* across / along the ridges */
    if (sx < 3.0f)
        sx = 3.0f;
    if (sy < 3.5f)
        sy = 3.5f;
    float nx = -sinf(t), ny = cosf(t);
    float sum = 0, wsum = 0;
    for (int y = -KR; y <= KR; y++)
        for (int x = -KR; x <= KR; x++) {
            float a = (float)x * nx + (float)y * ny;             /* across */
            float al = (float)x * cosf(t) + (float)y * sinf(t);   /* along */
            float env = expf(-0.5f * (a * a / (sx * sx) + al * al / (sy * sy)));
            float v = env * cosf(2 * PI_F * a / period);
            k[(y + KR) * KS + (x + KR)] = v;
            sum += v;
            wsum += env;
        }
    /* Zero mean: remove the DC response in proportion to the envelope. */
    for (int y = -KR; y <= KR; y++)
        for (int x = -KR; x <= KR; x++) {
            float a = (float)x * nx + (float)y * ny;
            float al = (float)x * cosf(t) + (float)y * sinf(t);
            float env = expf(-0.5f * (a * a / (sx * sx) + al * al / (sy * sy)));
            k[(y + KR) * KS + (x + KR)] -= sum * env / wsum;
        }
    *slot = k;
    return k;
}

/* Zhang-Suen thinning of img (w*h, 1 = ridge) in place; marks is w*h scratch. */
static void thin(uint8_t *img, uint8_t *marks, int w, int h)
{
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            memset(marks, 0, (size_t)w * (size_t)h);
            int nmark = 0;
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++) {
                    const uint8_t *p = img + y * w + x;
                    if (!*p)
                        continue;
                    int p2 = p[-w], p3 = p[-w + 1], p4 = p[1], p5 = p[w + 1], p6 = p[w],
                        p7 = p[w - 1], p8 = p[-1], p9 = p[-w - 1];
                    int bsum = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
                    if (bsum < 2 || bsum > 6)
                        continue;
                    int a = (!p2 && p3) + (!p3 && p4) + (!p4 && p5) + (!p5 && p6) +
                            (!p6 && p7) + (!p7 && p8) + (!p8 && p9) + (!p9 && p2);
                    if (a != 1)
                        continue;
                    if (pass == 0 ? (p2 && p4 && p6) || (p4 && p6 && p8)
                                  : (p2 && p4 && p8) || (p2 && p6 && p8))
                        continue;
                    marks[y * w + x] = 1;
                    nmark++;
                }
            if (nmark) {
                changed = 1;
                for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
                    if (marks[i])
                        img[i] = 0;
            }
        }
    }
    /*
     * Remove staircase corners so every skeleton pixel on a line has exactly two neighbours:
     * a pixel whose two 4-neighbours at a right angle are set, and the opposite corner empty.
     */
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            uint8_t *p = img + y * w + x;
            if (!*p)
                continue;
            int n = p[-w], e = p[1], s = p[w], wv = p[-1];
            if ((n && e && !p[w - 1] && !s && !wv) || (e && s && !p[-w - 1] && !n && !wv) ||
                (s && wv && !p[-w + 1] && !n && !e) || (wv && n && !p[w + 1] && !s && !e))
                *p = 0;
        }
}

bio_status bio_enhance(const uint8_t *px, bio_field *f, bio_msg *msg)
{
    bio_status st = BIO_OK;
    int w = f->w, h = f->h;
    bank bk;
    memset(&bk, 0, sizeof bk);
    uint8_t *marks = NULL;
    float *inv = NULL;
    f->enh = calloc((size_t)w * (size_t)h, sizeof *f->enh);
    f->skel = calloc((size_t)w * (size_t)h, 1);
    marks = malloc((size_t)w * (size_t)h);
    inv = malloc((size_t)w * (size_t)h * sizeof *inv);
    if (!f->enh || !f->skel || !marks || !inv) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory enhancing the image");
        goto out;
    }
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        inv[i] = (float)(255 - px[i]);

    for (int by = 0; by < f->bh; by++)
        for (int bx = 0; bx < f->bw; bx++) {
            int b = by * f->bw + bx;
            if (!f->mask[b])
                continue;
            int oi = (int)lrintf(f->orient[b] * BANK_ORIENT / PI_F) % BANK_ORIENT;
            int pi = (int)lrintf(f->period[b]) - BIO_PERIOD_MIN;
            if (pi < 0)
                pi = 0;
            if (pi >= BANK_PERIODS)
                pi = BANK_PERIODS - 1;
            const float *k = bank_get(&bk, oi, pi);
            if (!k) {
                st = bio_fail(msg, BIO_ENOMEM, "out of memory building the filter bank");
                goto out;
            }
            int x0 = bx * BIO_BLK, y0 = by * BIO_BLK;
            if (y0 >= KR && y0 + BIO_BLK <= h - KR && x0 >= KR && x0 + BIO_BLK <= w - KR) {
                /*
                 * Inside the image: a row of the block at once, BIO_BLK independent sums the
                 * compiler can vectorise; each pixel's sum keeps the per-pixel order below, so
                 * the result is the same to the bit.
                 */
                for (int y = y0; y < y0 + BIO_BLK; y++) {
                    float acc[BIO_BLK] = {0};
                    for (int ky = 0; ky < KS; ky++) {
                        const float *row = inv + (size_t)(y - KR + ky) * (size_t)w + (x0 - KR);
                        const float *kr = k + ky * KS;
                        for (int kx = 0; kx < KS; kx++) {
                            float kv = kr[kx];
                            for (int j = 0; j < BIO_BLK; j++)
                                acc[j] += row[kx + j] * kv;
                        }
                    }
                    for (int j = 0; j < BIO_BLK; j++) {
                        f->enh[y * w + x0 + j] = acc[j];
                        f->skel[y * w + x0 + j] = acc[j] > 0;
                    }
                }
                continue;
            }
            for (int y = by * BIO_BLK; y < (by + 1) * BIO_BLK; y++)
                for (int x = bx * BIO_BLK; x < (bx + 1) * BIO_BLK; x++) {
                    float s = 0;
                    if (y >= KR && y < h - KR && x >= KR && x < w - KR) {
                        for (int ky = 0; ky < KS; ky++) {
                            const float *row = inv + (size_t)(y - KR + ky) * (size_t)w + (x - KR);
                            const float *kr = k + ky * KS;
                            for (int kx = 0; kx < KS; kx++)
                                s += row[kx] * kr[kx];
                        }
                    } else {
                        for (int ky = -KR; ky <= KR; ky++)
                            for (int kx = -KR; kx <= KR; kx++) {
                                int yy = y + ky, xx = x + kx;
                                yy = yy < 0 ? 0 : (yy >= h ? h - 1 : yy);
                                xx = xx < 0 ? 0 : (xx >= w ? w - 1 : xx);
                                s += inv[yy * w + xx] * k[(ky + KR) * KS + kx + KR];
                            }
                    }
                    f->enh[y * w + x] = s;
                    f->skel[y * w + x] = s > 0;
                }
        }
    /* Clear the outer frame so thinning and tracing never step outside the image. */
    for (int x = 0; x < w; x++)
        f->skel[x] = f->skel[(h - 1) * w + x] = 0;
    for (int y = 0; y < h; y++)
        f->skel[y * w] = f->skel[y * w + w - 1] = 0;
    thin(f->skel, marks, w, h);

out:
    for (int i = 0; i < BANK_ORIENT * BANK_PERIODS; i++)
        free(bk.k[i]);
    free(marks);
    free(inv);
    return st;
}
