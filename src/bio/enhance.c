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

/*
 * Zhang-Suen's deletion rule as two tables (one per sub-iteration) indexed by the 8-neighbour
 * byte: bit 0 is p2 (north), then clockwise p3 (north-east) .. p9 (north-west). A pixel goes
 * when 2..6 neighbours are set, the ring p2..p9, p2 has exactly one 0 -> 1 transition, and
 * neither of two triples is all set: p2 p4 p6 and p4 p6 p8 (pass 0), p2 p4 p8 and p2 p6 p8
 * (pass 1).
 */
static void thin_tables(uint8_t del[2][256])
{
    for (int v = 0; v < 256; v++) {
        int p[10];   /* p[2..9] */
        int bsum = 0;
        for (int k = 0; k < 8; k++) {
            p[k + 2] = (v >> k) & 1;
            bsum += p[k + 2];
        }
        int a = 0;
        for (int k = 2; k <= 9; k++)
            a += !p[k] && p[k == 9 ? 2 : k + 1];
        int ok = bsum >= 2 && bsum <= 6 && a == 1;
        del[0][v] = (uint8_t)(ok && !((p[2] && p[4] && p[6]) || (p[4] && p[6] && p[8])));
        del[1][v] = (uint8_t)(ok && !((p[2] && p[4] && p[8]) || (p[2] && p[6] && p[8])));
    }
}

/*
 * Zhang-Suen thinning of img (w*h, 1 = ridge, the outer frame 0) in place. Each sub-iteration
 * decides on the image as it was at its start, then deletes; only the ridge pixels still set
 * are visited (a list, compacted as pixels go), so the result is the same as scanning the
 * whole image each time. list is 2*w*h scratch.
 */
static void thin(uint8_t *img, int32_t *list, int w, int h)
{
    uint8_t del[2][256];
    thin_tables(del);
    int32_t *gone = list + (size_t)w * (size_t)h;
    size_t nl = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
            if (img[y * w + x])
                list[nl++] = y * w + x;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            size_t ng = 0;
            for (size_t k = 0; k < nl; k++) {
                const uint8_t *p = img + list[k];
                int v = p[-w] | p[-w + 1] << 1 | p[1] << 2 | p[w + 1] << 3 | p[w] << 4 |
                        p[w - 1] << 5 | p[-1] << 6 | p[-w - 1] << 7;
                if (del[pass][v])
                    gone[ng++] = list[k];
            }
            if (ng == 0)
                continue;
            changed = 1;
            for (size_t k = 0; k < ng; k++)
                img[gone[k]] = 0;
            size_t m = 0;
            for (size_t k = 0; k < nl; k++)
                if (img[list[k]])
                    list[m++] = list[k];
            nl = m;
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
    int32_t *list = NULL;
    float *inv = NULL;
    f->enh = calloc((size_t)w * (size_t)h, sizeof *f->enh);
    f->skel = calloc((size_t)w * (size_t)h, 1);
    list = malloc(2 * (size_t)w * (size_t)h * sizeof *list);
    inv = malloc((size_t)w * (size_t)h * sizeof *inv);
    if (!f->enh || !f->skel || !list || !inv) {
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
    thin(f->skel, list, w, h);

out:
    for (int i = 0; i < BANK_ORIENT * BANK_PERIODS; i++)
        free(bk.k[i]);
    free(list);
    free(inv);
    return st;
}
