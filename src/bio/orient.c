/*
 * orient.c - the field maps of a fingerprint: foreground segmentation, ridge orientation,
 * orientation coherence and ridge period, per block of BIO_BLK pixels (500 dpi work image).
 *
 * Orientation: Sobel gradients summed per block over a 3x3-block window as doubled-angle
 * vectors (Gxx - Gyy, 2 Gxy) (Kass & Witkin; Bazen & Gerez), normalised by Gxx + Gyy so each
 * block votes with its coherence, then smoothed with a Gaussian over blocks. Segmentation:
 * a block is foreground when its gray-level spread is high, also once dark dots are closed
 * away along the ridges, and its ridges are coherent; morphology (close, open), the largest
 * component, holes filled. Ridge period: the median distance between gray-level minima of the
 * "x-signature" across the ridges (Hong, Wan, Jain 1998).
 *
 * bio_orient_field_ex() takes two versions of the image: the gray-level spread for
 * segmentation comes from the image as captured (contrast is what tells a print from the
 * background), the gradients and the x-signatures from its contrast-normalised version
 * (extract.c: faint regions count as much as dark ones, pores and drops are clipped).
 *
 * Never: print, keep global state, read files.
 */
#include "bio/extract_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_F 3.14159265358979f
/* Segmentation: see the mask below. */
#define SEG_CLOSE_R 3        /* half-length of the closing line, px (7 px, under a ridge period) */
#define SEG_CLOSED_K 0.2f    /* closed-image spread must exceed this share of its 90th percentile */

void bio_field_free(bio_field *f)
{
    if (!f)
        return;
    free(f->orient);
    free(f->coh);
    free(f->period);
    free(f->mask);
    free(f->fg);
    free(f->enh);
    free(f->skel);
    memset(f, 0, sizeof *f);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* One 3x3 morphological pass on a block mask: dilate (want = 1) or erode (want = 0). */
static void morph(uint8_t *m, uint8_t *tmp, int bw, int bh, int want)
{
    memcpy(tmp, m, (size_t)bw * (size_t)bh);
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            if (tmp[y * bw + x] == want)
                continue;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    int v = (xx < 0 || yy < 0 || xx >= bw || yy >= bh) ? 0 : tmp[yy * bw + xx];
                    if (v == want)
                        m[y * bw + x] = (uint8_t)want;
                }
        }
}

/*
 * Keep the largest 4-connected component of the mask and fill its holes (background regions
 * not connected to the border). stack holds bw*bh ints.
 */
static void keep_largest(uint8_t *m, int *lab, int *stack, int bw, int bh)
{
    int n = bw * bh, best = 0, best_size = 0, cur = 0;
    for (int i = 0; i < n; i++)
        lab[i] = 0;
    for (int i = 0; i < n; i++) {
        if (!m[i] || lab[i])
            continue;
        int sp = 0, size = 0;
        cur++;
        lab[i] = cur;
        stack[sp++] = i;
        while (sp) {
            int p = stack[--sp], px = p % bw, py = p / bw;
            size++;
            const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int xx = px + nb[k][0], yy = py + nb[k][1];
                if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                    continue;
                int q = yy * bw + xx;
                if (m[q] && !lab[q]) {
                    lab[q] = cur;
                    stack[sp++] = q;
                }
            }
        }
        if (size > best_size) {
            best_size = size;
            best = cur;
        }
    }
    /* Background reachable from the border stays background; the rest is filled. */
    for (int i = 0; i < n; i++)
        m[i] = (uint8_t)(lab[i] == best && best);
    for (int i = 0; i < n; i++)
        lab[i] = 0;
    int sp = 0;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
            if ((x == 0 || y == 0 || x == bw - 1 || y == bh - 1) && !m[y * bw + x]) {
                lab[y * bw + x] = 1;
                stack[sp++] = y * bw + x;
            }
    while (sp) {
        int p = stack[--sp], px = p % bw, py = p / bw;
        const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        for (int k = 0; k < 4; k++) {
            int xx = px + nb[k][0], yy = py + nb[k][1];
            if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                continue;
            int q = yy * bw + xx;
            if (!m[q] && !lab[q]) {
                lab[q] = 1;
                stack[sp++] = q;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (!m[i] && !lab[i])
            m[i] = 1;
}

/* Ridge period of the block centred at (cx, cy) with ridge orientation t; 0 if unclear. */
static float block_period(const uint8_t *px, int w, int h, float cx, float cy, float t)
{
    enum { L = 40, HALF_ALONG = 6 };
    float sig[L];
    float tx = cosf(t), ty = sinf(t);      /* along the ridges */
    float nx = -ty, ny = tx;               /* across the ridges */
    for (int k = 0; k < L; k++) {
        float s = 0;
        int cnt = 0;
        float ox = cx + (float)(k - L / 2) * nx, oy = cy + (float)(k - L / 2) * ny;
        for (int d = -HALF_ALONG; d <= HALF_ALONG; d += 2) {
            int x = (int)lrintf(ox + (float)d * tx), y = (int)lrintf(oy + (float)d * ty);
            if (x < 0 || y < 0 || x >= w || y >= h)
                continue;
            s += px[y * w + x];
            cnt++;
        }
        if (!cnt)
            return 0;
        sig[k] = s / (float)cnt;
    }
    /* Light smoothing, then the period from the minima (ridges are dark). */
    float sm[L];
    sm[0] = sig[0];
    sm[L - 1] = sig[L - 1];
    for (int k = 1; k < L - 1; k++)
        sm[k] = 0.25f * sig[k - 1] + 0.5f * sig[k] + 0.25f * sig[k + 1];
    return bio_signature_period(sm, L);
}

float bio_signature_period(const float *sm, int n)
{
    if (n < 3 || n > BIO_SIGNATURE_MAX)
        return 0;
    float lo = sm[0], hi = sm[0];
    for (int k = 1; k < n; k++) {
        lo = fminf(lo, sm[k]);
        hi = fmaxf(hi, sm[k]);
    }
    if (hi - lo < 8)
        return 0;
    int pos[BIO_SIGNATURE_MAX], np = 0;
    for (int k = 1; k < n - 1; k++)
        if (sm[k] < sm[k - 1] && sm[k] <= sm[k + 1] && sm[k] < lo + 0.6f * (hi - lo))
            pos[np++] = k;
    if (np < 2)
        return 0;
    /*
     * The median distance between neighbouring minima, not the span over their count: one
     * ridge too faint to reach the threshold (a light print whose dark pores or drops set lo)
     * would stretch the mean spacing by a whole period over the count, but leaves the median
     * of the gaps alone. Gaps sorted by insertion (19 at most in a 40-pixel signature).
     */
    int g[BIO_SIGNATURE_MAX], ng = np - 1;
    for (int i = 0; i < ng; i++) {
        int v = pos[i + 1] - pos[i], j = i - 1;
        while (j >= 0 && g[j] > v) {
            g[j + 1] = g[j];
            j--;
        }
        g[j + 1] = v;
    }
    float p = ng % 2 ? (float)g[ng / 2] : 0.5f * (float)(g[ng / 2 - 1] + g[ng / 2]);
    if (p < BIO_PERIOD_MIN || p > BIO_PERIOD_MAX)
        return 0;
    return p;
}

/*
 * Gray-level closing of img (w x h) along the ridges: each pixel becomes the minimum, over the
 * line of 2 SEG_CLOSE_R + 1 pixels along its block's ridge orientation, of the maximum over
 * the same line. Dark marks shorter than the line along the ridge (the pores and drops on the
 * faint ridges of a light or wet print, dust) are lifted to their surroundings; a ridge runs
 * along the line and stays. tmp and out are w*h; blocks beyond the grid use the last one.
 */
static void close_along_ridges(const uint8_t *img, int w, int h, const float *orient, int bw,
                               int bh, uint8_t *tmp, uint8_t *out)
{
    enum { R = SEG_CLOSE_R, N = 2 * SEG_CLOSE_R + 1 };
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *src = pass ? tmp : img;
        uint8_t *dst = pass ? out : tmp;
        for (int by = 0; by * BIO_BLK < h; by++) {
            int bb = by < bh ? by : bh - 1;
            for (int bx = 0; bx * BIO_BLK < w; bx++) {
                float t = orient[bb * bw + (bx < bw ? bx : bw - 1)];
                int ox[N], oy[N], off[N];
                for (int k = 0; k < N; k++) {
                    ox[k] = (int)lrintf((float)(k - R) * cosf(t));
                    oy[k] = (int)lrintf((float)(k - R) * sinf(t));
                    off[k] = oy[k] * w + ox[k];
                }
                int x0 = bx * BIO_BLK, y0 = by * BIO_BLK;
                if (x0 >= R && y0 >= R && x0 + BIO_BLK + R <= w && y0 + BIO_BLK + R <= h) {
                    /* Away from the image edge: no clamping. */
                    for (int y = y0; y < y0 + BIO_BLK; y++)
                        for (int x = x0; x < x0 + BIO_BLK; x++) {
                            const uint8_t *p = src + (size_t)y * (size_t)w + (size_t)x;
                            int v = p[off[0]];
                            for (int k = 1; k < N; k++)
                                v = pass ? (p[off[k]] < v ? p[off[k]] : v)
                                         : (p[off[k]] > v ? p[off[k]] : v);
                            dst[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)v;
                        }
                    continue;
                }
                for (int y = by * BIO_BLK; y < (by + 1) * BIO_BLK && y < h; y++)
                    for (int x = bx * BIO_BLK; x < (bx + 1) * BIO_BLK && x < w; x++) {
                        int v = pass ? 255 : 0;
                        for (int k = 0; k < N; k++) {
                            int xx = x + ox[k], yy = y + oy[k];
                            xx = xx < 0 ? 0 : (xx >= w ? w - 1 : xx);
                            yy = yy < 0 ? 0 : (yy >= h ? h - 1 : yy);
                            int u = src[yy * w + xx];
                            if (pass ? u < v : u > v)
                                v = u;
                        }
                        dst[y * w + x] = (uint8_t)v;
                    }
            }
        }
    }
}

/*
 * Gray-level standard deviation of img over 3x3-block windows into out (bw*bh); sum and sq are
 * bw*bh scratch.
 */
static void block_spread(const uint8_t *img, int w, int bw, int bh, float *sum, float *sq,
                         float *out)
{
    memset(sum, 0, (size_t)bw * (size_t)bh * sizeof *sum);
    memset(sq, 0, (size_t)bw * (size_t)bh * sizeof *sq);
    for (int y = 0; y < bh * BIO_BLK; y++)
        for (int x = 0; x < bw * BIO_BLK; x++) {
            float v = img[y * w + x];
            int b = (y / BIO_BLK) * bw + x / BIO_BLK;
            sum[b] += v;
            sq[b] += v * v;
        }
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            float m = 0, q = 0;
            int cnt = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = bx + dx, yy = by + dy;
                    if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                        continue;
                    m += sum[yy * bw + xx];
                    q += sq[yy * bw + xx];
                    cnt++;
                }
            float npx = (float)(cnt * BIO_BLK * BIO_BLK);
            float mean = m / npx, var = q / npx - mean * mean;
            out[by * bw + bx] = var > 0 ? sqrtf(var) : 0;
        }
}

bio_status bio_orient_field(const uint8_t *px, int w, int h, bio_field *f, bio_msg *msg)
{
    return bio_orient_field_ex(px, px, w, h, f, msg);
}

bio_status bio_orient_field_ex(const uint8_t *seg, const uint8_t *px, int w, int h, bio_field *f,
                               bio_msg *msg)
{
    bio_status st = BIO_OK;
    int bw = w / BIO_BLK, bh = h / BIO_BLK, nb = bw * bh;
    float *sxx = NULL, *syy = NULL, *sxy = NULL, *smean = NULL, *ssq = NULL, *tmpf = NULL;
    float *vx = NULL, *vy = NULL, *stdv = NULL, *stdc = NULL;
    uint8_t *tmpm = NULL, *cl = NULL;
    int *lab = NULL, *stack = NULL;

    memset(f, 0, sizeof *f);
    f->w = w;
    f->h = h;
    f->bw = bw;
    f->bh = bh;
    f->orient = calloc((size_t)nb, sizeof *f->orient);
    f->coh = calloc((size_t)nb, sizeof *f->coh);
    f->period = calloc((size_t)nb, sizeof *f->period);
    f->mask = calloc((size_t)nb, 1);
    f->fg = calloc((size_t)w * (size_t)h, 1);
    sxx = calloc((size_t)nb, sizeof *sxx);
    syy = calloc((size_t)nb, sizeof *syy);
    sxy = calloc((size_t)nb, sizeof *sxy);
    smean = calloc((size_t)nb, sizeof *smean);
    ssq = calloc((size_t)nb, sizeof *ssq);
    vx = calloc((size_t)nb, sizeof *vx);
    vy = calloc((size_t)nb, sizeof *vy);
    stdv = calloc((size_t)nb, sizeof *stdv);
    stdc = calloc((size_t)nb, sizeof *stdc);
    cl = malloc(2 * (size_t)w * (size_t)h);
    tmpf = calloc((size_t)nb, sizeof *tmpf);
    tmpm = calloc((size_t)nb, 1);
    lab = calloc((size_t)nb, sizeof *lab);
    stack = calloc((size_t)nb, sizeof *stack);
    if (!f->orient || !f->coh || !f->period || !f->mask || !f->fg || !sxx || !syy || !sxy ||
        !smean || !ssq || !vx || !vy || !stdv || !stdc || !cl || !tmpf || !tmpm || !lab ||
        !stack) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory computing the orientation field");
        goto out;
    }

    /* Per-block sums of gradient products and gray levels. */
    for (int y = 1; y < bh * BIO_BLK - 1 && y < h - 1; y++) {
        const uint8_t *r0 = px + (size_t)(y - 1) * (size_t)w, *r1 = r0 + w, *r2 = r1 + w;
        int by = y / BIO_BLK;
        for (int x = 1; x < bw * BIO_BLK && x < w - 1; x++) {
            int gx = (r0[x + 1] + 2 * r1[x + 1] + r2[x + 1]) - (r0[x - 1] + 2 * r1[x - 1] + r2[x - 1]);
            int gy = (r2[x - 1] + 2 * r2[x] + r2[x + 1]) - (r0[x - 1] + 2 * r0[x] + r0[x + 1]);
            int b = by * bw + x / BIO_BLK;
            sxx[b] += (float)(gx * gx);
            syy[b] += (float)(gy * gy);
            sxy[b] += (float)(gx * gy);
        }
    }
    for (int y = 0; y < bh * BIO_BLK; y++)
        for (int x = 0; x < bw * BIO_BLK; x++) {
            float v = seg[y * w + x];
            int b = (y / BIO_BLK) * bw + x / BIO_BLK;
            smean[b] += v;
            ssq[b] += v * v;
        }

    /* 3x3-block windows: doubled-angle vectors, coherence, gray-level spread. */
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            float a = 0, c = 0, d = 0, m = 0, q = 0;
            int cnt = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = bx + dx, yy = by + dy;
                    if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                        continue;
                    int b = yy * bw + xx;
                    a += sxx[b];
                    c += syy[b];
                    d += sxy[b];
                    m += smean[b];
                    q += ssq[b];
                    cnt++;
                }
            int b = by * bw + bx;
            float den = a + c;
            float ex = a - c, ey = 2 * d;
            float mag = sqrtf(ex * ex + ey * ey);
            f->coh[b] = den > 0 ? mag / den : 0;
            vx[b] = den > 0 ? ex / den : 0;
            vy[b] = den > 0 ? ey / den : 0;
            float npx = (float)(cnt * BIO_BLK * BIO_BLK);
            float mean = m / npx, var = q / npx - mean * mean;
            stdv[b] = var > 0 ? sqrtf(var) : 0;
        }

    /* Gaussian smoothing of the doubled-angle vectors (5x5 blocks, sigma ~1.5 blocks). */
    {
        static const float g[5] = {0.37f, 0.80f, 1.0f, 0.80f, 0.37f};
        for (int by = 0; by < bh; by++)
            for (int bx = 0; bx < bw; bx++) {
                float sx = 0, sy = 0;
                for (int dy = -2; dy <= 2; dy++)
                    for (int dx = -2; dx <= 2; dx++) {
                        int xx = bx + dx, yy = by + dy;
                        if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                            continue;
                        float wgt = g[dx + 2] * g[dy + 2];
                        sx += wgt * vx[yy * bw + xx];
                        sy += wgt * vy[yy * bw + xx];
                    }
                /* Gradient direction is 0.5*atan2(sy, sx); ridges run perpendicular to it. */
                float t = 0.5f * atan2f(sy, sx) + 0.5f * PI_F;
                if (t >= PI_F)
                    t -= PI_F;
                if (t < 0)
                    t += PI_F;
                f->orient[by * bw + bx] = t;
            }
    }

    /* Segmentation thresholds relative to this image's contrast. */
    memcpy(tmpf, stdv, (size_t)nb * sizeof *tmpf);
    qsort(tmpf, (size_t)nb, sizeof *tmpf, cmp_float);
    float p90 = tmpf[(nb * 9) / 10];
    float tstd = fmaxf(6.0f, 0.35f * p90);
    /*
     * The spread must also survive a closing along the ridges (close_along_ridges): where the
     * contrast comes only from dark dots (the drops of a wet print on ridges too faint to
     * show, FVC2002 DB2 109_8's upper third), the Gabor filter would draw ridges through the
     * dots and the minutiae there are its own. Relative to this image's closed spread again.
     */
    close_along_ridges(seg, w, h, f->orient, bw, bh, cl, cl + (size_t)w * (size_t)h);
    block_spread(cl + (size_t)w * (size_t)h, w, bw, bh, smean, ssq, stdc);
    memcpy(tmpf, stdc, (size_t)nb * sizeof *tmpf);
    qsort(tmpf, (size_t)nb, sizeof *tmpf, cmp_float);
    float tclosed = SEG_CLOSED_K * tmpf[(nb * 9) / 10];
    for (int b = 0; b < nb; b++)
        f->mask[b] = (uint8_t)(stdv[b] > tstd && f->coh[b] > 0.15f && stdc[b] > tclosed);
    /* Close, then open, then the largest component with holes filled. */
    morph(f->mask, tmpm, bw, bh, 1);
    morph(f->mask, tmpm, bw, bh, 0);
    morph(f->mask, tmpm, bw, bh, 0);
    morph(f->mask, tmpm, bw, bh, 0);
    morph(f->mask, tmpm, bw, bh, 1);
    morph(f->mask, tmpm, bw, bh, 1);
    keep_largest(f->mask, lab, stack, bw, bh);

    /* Ridge period per foreground block, gaps filled from neighbours, then smoothed. */
    int nfg = 0, nvalid = 0;
    float cohsum = 0;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            int b = by * bw + bx;
            if (!f->mask[b])
                continue;
            nfg++;
            cohsum += f->coh[b];
            f->period[b] = block_period(px, w, h, (float)bx * BIO_BLK + BIO_BLK / 2.0f,
                                        (float)by * BIO_BLK + BIO_BLK / 2.0f, f->orient[b]);
            if (f->period[b] > 0)
                tmpf[nvalid++] = f->period[b];
        }
    f->fg_blocks = nfg;
    f->mean_coh = nfg ? cohsum / (float)nfg : 0;
    f->clarity = nfg ? (float)nvalid / (float)nfg : 0;
    if (nfg == 0) {
        st = bio_fail(msg, BIO_EBLANK, "no fingerprint area found (no ridges with contrast)");
        goto out;
    }
    float median = 9.0f;
    if (nvalid > 0) {
        qsort(tmpf, (size_t)nvalid, sizeof *tmpf, cmp_float);
        median = tmpf[nvalid / 2];
    }
    for (int it = 0; it < 4; it++) {
        memcpy(tmpf, f->period, (size_t)nb * sizeof *tmpf);
        for (int by = 0; by < bh; by++)
            for (int bx = 0; bx < bw; bx++) {
                int b = by * bw + bx;
                float s = 0, wsum = 0;
                for (int dy = -2; dy <= 2; dy++)
                    for (int dx = -2; dx <= 2; dx++) {
                        int xx = bx + dx, yy = by + dy;
                        if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                            continue;
                        float v = tmpf[yy * bw + xx];
                        if (v > 0) {
                            s += v;
                            wsum += 1;
                        }
                    }
                if (it < 3) {
                    if (tmpf[b] <= 0 && wsum > 0)
                        f->period[b] = s / wsum;
                } else {
                    f->period[b] = wsum > 0 ? s / wsum : median;
                }
            }
    }
    /* Pixel foreground map: blocks of the mask. */
    for (int y = 0; y < h; y++) {
        int by = y / BIO_BLK;
        if (by >= bh)
            break;
        for (int x = 0; x < bw * BIO_BLK; x++)
            f->fg[y * w + x] = f->mask[by * bw + x / BIO_BLK];
    }

out:
    free(sxx);
    free(syy);
    free(sxy);
    free(smean);
    free(ssq);
    free(vx);
    free(vy);
    free(stdv);
    free(stdc);
    free(cl);
    free(tmpf);
    free(tmpm);
    free(lab);
    free(stack);
    if (st != BIO_OK)
        bio_field_free(f);
    return st;
}
