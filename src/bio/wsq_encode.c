/*
 * wsq_encode.c - WSQ encoder, written from the FBI specification IAFIS-IC-0110 (v3): the
 * ten fingers travel to Disdukcapil as WSQ images beside their ISO/IEC 19794-2 templates
 * (issue 11), and Debian packages no WSQ encoder.
 *
 * The steps, each the inverse of the decoder's (wsq.c), so that what is written here is what
 * any WSQ decoder reads:
 *   1. shift and scale the pixels to about -128..128: f = (p - M) / R, M the mean, R the
 *      larger distance of the extremes from M over 128 (M and R travel in the frame header,
 *      rounded to the header's precision first so that the decoder undoes exactly this);
 *   2. the wavelet packet decomposition of the fixed tree (wsq_tree.c): each node split along
 *      its rows, then its columns, with the 9/7 biorthogonal analysis filters (the ones the
 *      transform table carries), whole-sample symmetric extension at both ends, the low band
 *      on the even samples, the high band first in the nodes the spec marks "inverted";
 *   3. each of the 60 coded subbands' variance, over its central part (the whole subband when
 *      the image is nearly flat), and the bin widths that reach the target bit rate (the
 *      spec's allocation: relative widths 10 / (A_k ln var_k), the subbands whose allocation
 *      would be negative dropped until none is, q from the rate), the dead zone 1.2 bins;
 *   4. uniform scalar quantization with the dead zone (the widths rounded as the table writes
 *      them, then used);
 *   5. the coefficients of subbands 0-18, 19-51 and 52-59 in three blocks, as JPEG-like
 *      symbols (zero runs 1-100, values -73..74 as 107..254, escapes with 8 or 16 bits), each
 *      table an optimal Huffman code of at most 16 bits (JPEG's Annex K.2/K.3 procedure, the
 *      all-ones code kept free so that the padding of the last byte never reads as a symbol);
 *      table 0 codes block 1, table 1 blocks 2 and 3; 0xFF bytes stuffed with 0x00.
 * The file: SOI, COM (the NIST comment: size, PPI, bit rate), DTT, DQT, DHT 0, SOF, SOB 1,
 * DHT 1, SOB 2, SOB 3, EOI.
 *
 * Design: one growing output buffer; every allocation checked, freed on every path; no state
 * outside the call. Never: write a value the decoder's fields cannot hold (clamped and
 * checked), or read a pixel outside the image.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/image.h" /* what the decoder accepts: BIO_IMAGE_MAX_SIDE, _MAX_PIXELS */
#include "bio/wsq.h"
#include "bio/wsq_internal.h"

#define MIN_SIDE 32 /* five levels of halving leave at least one sample a subband */
#define MAX_SIDE BIO_IMAGE_MAX_SIDE
#define NSYM 257       /* 256 symbols and JPEG's reserved one */

/* The FBI's 9/7 analysis filters (low 9 taps, high 7 taps), from their centres. */
static const double LO[5] = {0.85269867900940344, 0.37740285561265380, -0.11062440441842342,
                             -0.02384946501937986, 0.03782845550699535};
static const double HI[4] = {0.78848561640566439, -0.41809227322221221, -0.04068941760955844,
                             0.06453888262893845};

/* Relative weights of subbands 52-59 (the spec's A_k; 1 for the others). */
static const double A_HIGH[8] = {1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08};

/* ---------------------------------------------------------------- output buffer */

typedef struct obuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
    unsigned acc; /* bit writer */
    int nbits;
} obuf;

static void put(obuf *o, const void *d, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + n)
            cap *= 2;
        uint8_t *np = realloc(o->p, cap);
        if (np == NULL) {
            o->oom = 1;
            return;
        }
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->n, d, n);
    o->n += n;
}

static void put8(obuf *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(o, &b, 1);
}

static void put16(obuf *o, unsigned v)
{
    put8(o, v >> 8);
    put8(o, v & 0xFF);
}

static void put32(obuf *o, uint32_t v)
{
    put16(o, (unsigned)(v >> 16));
    put16(o, (unsigned)(v & 0xFFFF));
}

/* k bits of v (k <= 16), most significant first; 0xFF is followed by a stuffed 0x00. */
static void put_bits(obuf *o, unsigned v, int k)
{
    while (k > 0) {
        int take = k < 8 - o->nbits ? k : 8 - o->nbits;
        unsigned part = (v >> (k - take)) & ((1u << take) - 1);
        o->acc = (o->acc << take) | part;
        o->nbits += take;
        k -= take;
        if (o->nbits == 8) {
            put8(o, o->acc);
            if (o->acc == 0xFF)
                put8(o, 0);
            o->acc = 0;
            o->nbits = 0;
        }
    }
}

/* The last byte padded with ones (no code is all ones). */
static void flush_bits(obuf *o)
{
    if (o->nbits > 0)
        put_bits(o, (1u << (8 - o->nbits)) - 1, 8 - o->nbits);
}

/* ---------------------------------------------------------------- scaled numbers */

/* v as the spec's (exponent, integer) pair with v ~ m / 10^e, m of `bits` bits (16 or 32),
   the largest exponent that fits (the decoder's `scaled`). Returns the value it stands for. */
static double scaled_pair(double v, int bits, unsigned *e, uint32_t *m)
{
    double lim = bits == 16 ? 65535.0 : 4294967295.0;
    *e = 0;
    *m = 0;
    if (!(v > 0.0))
        return 0.0;
    if (v >= lim) {
        *m = (uint32_t)lim;
        return lim;
    }
    double t = v;
    while (t * 10.0 < lim && *e < 20) {
        t *= 10.0;
        (*e)++;
    }
    double r = floor(t + 0.5);
    if (r > lim)
        r = lim;
    *m = (uint32_t)r;
    double back = r;
    for (unsigned i = 0; i < *e; i++)
        back /= 10.0;
    return back;
}

static void put_scaled16(obuf *o, double v)
{
    unsigned e;
    uint32_t m;
    scaled_pair(v, 16, &e, &m);
    put8(o, e);
    put16(o, (unsigned)m);
}

/* ---------------------------------------------------------------- the transform */

/* Whole-sample symmetric extension of index j into 0..n-1. */
static int mirror(int j, int n)
{
    if (n == 1)
        return 0;
    while (j < 0 || j >= n)
        j = j < 0 ? -j : 2 * (n - 1) - j;
    return j;
}

/* One line of n samples at in[0], in[st], ... split into its low band (on the even samples)
   and high band (odd), written to out[0], out[st], ...: low then high, or high then low when
   inv. lo/hi are the filters from their centres (lo[0..4], hi[0..3]). */
static void split_line(const float *in, float *out, int n, size_t st, int inv, const double *lo,
                       const double *hi)
{
    int nl = (n + 1) / 2, nh = n / 2;
    for (int i = 0; i < nl; i++) {
        double acc = lo[0] * (double)in[(size_t)mirror(2 * i, n) * st];
        for (int d = 1; d <= 4; d++)
            acc += lo[d] * ((double)in[(size_t)mirror(2 * i - d, n) * st] +
                            (double)in[(size_t)mirror(2 * i + d, n) * st]);
        out[(size_t)(inv ? nh + i : i) * st] = (float)acc;
    }
    for (int i = 0; i < nh; i++) {
        double acc = hi[0] * (double)in[(size_t)mirror(2 * i + 1, n) * st];
        for (int d = 1; d <= 3; d++)
            acc += hi[d] * ((double)in[(size_t)mirror(2 * i + 1 - d, n) * st] +
                            (double)in[(size_t)mirror(2 * i + 1 + d, n) * st]);
        out[(size_t)(inv ? i : nl + i) * st] = (float)acc;
    }
}

/* The decomposition in place: each node, rows into tmp then columns back. */
static void decompose(float *f, float *tmp, int width, const struct wsq_area *w,
                      const double *lo, const double *hi)
{
    size_t W = (size_t)width;
    for (int node = 0; node < WSQ_W_NODES; node++) {
        const struct wsq_area *a = &w[node];
        if (a->lenx < 1 || a->leny < 1)
            continue;
        float *base = f + (size_t)a->y * W + (size_t)a->x;
        float *tb = tmp + (size_t)a->y * W + (size_t)a->x;
        for (int y = 0; y < a->leny; y++)
            split_line(base + (size_t)y * W, tb + (size_t)y * W, a->lenx, 1, a->inv_row, lo, hi);
        for (int x = 0; x < a->lenx; x++)
            split_line(tb + x, base + x, a->leny, W, a->inv_col, lo, hi);
    }
}

/* ---------------------------------------------------------------- quantization */

/* The variance of each coded subband: over its central part (the spec's window), or over the
   whole subband when the sum says the image is nearly flat (and for a subband too small to
   have a window: an image of a few dozen pixels, which the spec's encoder does not meet). */
static void variances(const float *f, int width, const struct wsq_area *q, double *var)
{
    for (int pass = 0; pass < 2; pass++) {
        double vsum = 0.0;
        for (int b = 0; b < WSQ_CODED_BANDS; b++) {
            int x0 = q[b].x, y0 = q[b].y, lx = q[b].lenx, ly = q[b].leny;
            /* The window, unless it is empty (a subband of a few samples: a small image). */
            if (pass == 0 && (3 * q[b].lenx) / 4 >= 1 && (7 * q[b].leny) / 16 >= 1 &&
                ((3 * q[b].lenx) / 4) * ((7 * q[b].leny) / 16) >= 2) {
                x0 += q[b].lenx / 8;
                y0 += (9 * q[b].leny) / 32;
                lx = (3 * q[b].lenx) / 4;
                ly = (7 * q[b].leny) / 16;
            }
            double sum = 0.0, ssq = 0.0, n = (double)lx * (double)ly;
            for (int y = 0; y < ly; y++)
                for (int x = 0; x < lx; x++) {
                    double v = f[(size_t)(y0 + y) * (size_t)width + (size_t)(x0 + x)];
                    sum += v;
                    ssq += v * v;
                }
            var[b] = n > 1.0 ? (ssq - sum * sum / n) / (n - 1.0) : 0.0;
            vsum += var[b];
        }
        if (pass == 0 && vsum >= 20000.0)
            return;
    }
}

/* Bin widths for rate r (bits a pixel): qbin[b] (0 = not coded) and zbin[b]. */
static void bins(const double *var, double r, double *qbin, double *zbin)
{
    double qp[WSQ_CODED_BANDS], sigma[WSQ_CODED_BANDS], m[WSQ_CODED_BANDS];
    int in[WSQ_CODED_BANDS];
    for (int b = 0; b < WSQ_CODED_BANDS; b++) {
        double a = b >= 52 ? A_HIGH[b - 52] : 1.0;
        /* the share of the image's samples a subband holds */
        m[b] = b < 19 ? 1.0 / 1024.0 : b < 52 ? 1.0 / 256.0 : 1.0 / 16.0;
        sigma[b] = sqrt(var[b] > 0.0 ? var[b] : 0.0);
        in[b] = var[b] >= 1.01;
        qp[b] = b < 4 ? 1.0 : in[b] ? 10.0 / (a * log(var[b])) : 0.0;
    }
    double q = 1.0, lq = 0.0; /* q and its logarithm (q overflows when few subbands are left) */
    for (int round = 0; round < WSQ_CODED_BANDS + 1; round++) {
        double S = 0.0, logP = 0.0;
        for (int b = 0; b < WSQ_CODED_BANDS; b++)
            if (in[b]) {
                S += m[b];
                logP += m[b] * log(sigma[b] / qp[b]);
            }
        if (S <= 0.0)
            break;
        lq = (r / S - 1.0) * log(2.0) - log(2.5) - logP / S;
        q = exp(lq);
        /* A subband whose bin would be wider than 5 sigma gets no bits: dropped, again. */
        int dropped = 0;
        for (int b = 0; b < WSQ_CODED_BANDS; b++)
            if (in[b] && log(qp[b]) - lq >= log(5.0 * sigma[b])) {
                in[b] = 0;
                dropped = 1;
            }
        if (!dropped)
            break;
    }
    (void)q;
    for (int b = 0; b < WSQ_Q_BANDS; b++) {
        qbin[b] = b < WSQ_CODED_BANDS && in[b] ? qp[b] * exp(-lq) : 0.0;
        if (b < WSQ_CODED_BANDS && in[b] && !(qbin[b] > 1e-12))
            qbin[b] = 1e-12; /* coded; the caller widens it to what the coefficients need */
        zbin[b] = 1.2 * qbin[b];
    }
}

/* ---------------------------------------------------------------- Huffman coding */

typedef struct huff {
    uint8_t bits[16];          /* codes of each length 1..16 */
    uint8_t vals[256];
    int nvals;
    unsigned code[256];        /* each symbol's code and length (0 = unused) */
    int len[256];
} huff;

/* JPEG's optimal table (ITU T.81 Annex K.2, K.3): code lengths from the frequencies with a
   reserved symbol 256 (so no real code is all ones), limited to 16 bits. */
static void huff_make(const long *freq_in, huff *h)
{
    long freq[NSYM];
    int size[NSYM], others[NSYM], bits[33];
    memset(h, 0, sizeof *h);
    memcpy(freq, freq_in, sizeof(long) * 256);
    freq[256] = 1;
    for (int i = 0; i < NSYM; i++) {
        size[i] = 0;
        others[i] = -1;
    }
    for (;;) {
        int c1 = -1, c2 = -1;
        long v = 0;
        for (int i = 0; i < NSYM; i++) /* the least frequency, the larger symbol on ties */
            if (freq[i] && (c1 < 0 || freq[i] <= v)) {
                v = freq[i];
                c1 = i;
            }
        v = 0;
        for (int i = 0; i < NSYM; i++)
            if (freq[i] && i != c1 && (c2 < 0 || freq[i] <= v)) {
                v = freq[i];
                c2 = i;
            }
        if (c2 < 0)
            break;
        freq[c1] += freq[c2];
        freq[c2] = 0;
        size[c1]++;
        while (others[c1] >= 0) {
            c1 = others[c1];
            size[c1]++;
        }
        others[c1] = c2;
        size[c2]++;
        while (others[c2] >= 0) {
            c2 = others[c2];
            size[c2]++;
        }
    }
    memset(bits, 0, sizeof bits);
    for (int i = 0; i < NSYM; i++)
        if (size[i] > 0)
            bits[size[i] > 32 ? 32 : size[i]]++;
    for (int i = 32; i > 16; i--)
        while (bits[i] > 0) {
            int j = i - 2;
            while (bits[j] == 0)
                j--;
            bits[i] -= 2;
            bits[i - 1]++;
            bits[j + 1] += 2;
            bits[j]--;
        }
    int i = 16;
    while (i > 0 && bits[i] == 0)
        i--;
    if (i > 0)
        bits[i]--; /* the reserved symbol's code goes */
    for (int k = 1; k <= 16; k++)
        h->bits[k - 1] = (uint8_t)bits[k];
    /* The values by code length, then by symbol (what the lengths of K.2 say, before the
       limit moved some: the count per length is bits[], the order is by original length). */
    for (int l = 1; l <= 32; l++)
        for (int s = 0; s < 256; s++)
            if (size[s] == l && h->nvals < 256)
                h->vals[h->nvals++] = (uint8_t)s;
    /* Canonical codes, as the decoder builds them. */
    int code = 0, k = 0;
    for (int l = 1; l <= 16; l++) {
        for (int c = 0; c < h->bits[l - 1]; c++, k++) {
            h->code[h->vals[k]] = (unsigned)code++;
            h->len[h->vals[k]] = l;
        }
        code <<= 1;
    }
}

/* The symbols of a block: fn(ctx, symbol, extra bits value, extra bits count). */
typedef void (*sym_fn)(void *ctx, int sym, unsigned extra, int nextra);

static void run_symbols(long run, sym_fn fn, void *ctx)
{
    while (run > 0) {
        long r = run > 65535 ? 65535 : run;
        if (r <= 100)
            fn(ctx, (int)r, 0, 0);
        else if (r <= 255)
            fn(ctx, 105, (unsigned)r, 8);
        else
            fn(ctx, 106, (unsigned)r, 16);
        run -= r;
    }
}

static void block_symbols(const int *qv, size_t n, sym_fn fn, void *ctx)
{
    long run = 0;
    for (size_t i = 0; i < n; i++) {
        int v = qv[i];
        if (v == 0) {
            run++;
            continue;
        }
        run_symbols(run, fn, ctx);
        run = 0;
        if (v >= -73 && v <= 74)
            fn(ctx, v + 180, 0, 0);
        else if (v > 0)
            fn(ctx, v <= 255 ? 101 : 103, (unsigned)v, v <= 255 ? 8 : 16);
        else
            fn(ctx, -v <= 255 ? 102 : 104, (unsigned)-v, -v <= 255 ? 8 : 16);
    }
    run_symbols(run, fn, ctx);
}

static void count_sym(void *ctx, int sym, unsigned extra, int nextra)
{
    (void)extra;
    (void)nextra;
    ((long *)ctx)[sym]++;
}

typedef struct emit_ctx {
    obuf *o;
    const huff *h;
} emit_ctx;

static void emit_sym(void *ctx, int sym, unsigned extra, int nextra)
{
    emit_ctx *e = ctx;
    put_bits(e->o, e->h->code[sym], e->h->len[sym]);
    if (nextra > 0)
        put_bits(e->o, extra, nextra);
}

static void put_dht(obuf *o, int id, const huff *h)
{
    put16(o, WSQ_DHT);
    put16(o, (unsigned)(2 + 1 + 16 + h->nvals));
    put8(o, (unsigned)id);
    put(o, h->bits, 16);
    put(o, h->vals, (size_t)h->nvals);
}

/* ---------------------------------------------------------------- the file */

static void put_filter(obuf *o, const double *half, int n, double *back)
{
    for (int k = 0; k < n; k++) {
        unsigned e;
        uint32_t m;
        double v = scaled_pair(fabs(half[k]), 32, &e, &m);
        put8(o, half[k] < 0.0);
        put8(o, e);
        put32(o, m);
        back[k] = half[k] < 0.0 ? -v : v; /* what the decoder will use */
    }
}

bio_status bio_wsq_encode(const bio_image *img, double bitrate, uint8_t **out, size_t *len,
                          bio_msg *msg)
{
    obuf o;
    float *f = NULL, *tmp = NULL;
    int *qv = NULL;
    bio_status st = BIO_OK;
    struct wsq_area w[WSQ_W_NODES], q[WSQ_Q_BANDS];
    double var[WSQ_CODED_BANDS], qbin[WSQ_Q_BANDS], zbin[WSQ_Q_BANDS];
    double lo[5], hi[4];
    memset(&o, 0, sizeof o);
    if (out == NULL || len == NULL)
        return bio_fail(msg, BIO_EINVAL, "WSQ: nowhere to put the encoded image");
    *out = NULL;
    *len = 0;
    if (img == NULL || img->pixels == NULL)
        return bio_fail(msg, BIO_EINVAL, "WSQ: no image to encode");
    if (img->width < MIN_SIDE || img->height < MIN_SIDE || img->width > MAX_SIDE ||
        img->height > MAX_SIDE)
        return bio_fail(msg, BIO_EINVAL, "WSQ: image %dx%d outside %d..%d pixels a side",
                        img->width, img->height, MIN_SIDE, MAX_SIDE);
    if ((long)img->width * img->height > BIO_IMAGE_MAX_PIXELS) /* the decoder would refuse it */
        return bio_fail(msg, BIO_EINVAL, "WSQ: image %dx%d over %ld pixels", img->width,
                        img->height, BIO_IMAGE_MAX_PIXELS);
    if (!(bitrate > 0.0 && bitrate <= 8.0))
        return bio_fail(msg, BIO_EINVAL, "WSQ: bit rate %.3f outside 0..8 bits a pixel", bitrate);
    size_t W = (size_t)img->width, px = W * (size_t)img->height;
    f = malloc(px * sizeof *f);
    tmp = malloc(px * sizeof *tmp);
    qv = malloc(px * sizeof *qv);
    if (f == NULL || tmp == NULL || qv == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "WSQ: out of memory for a %dx%d image", img->width,
                      img->height);
        goto out;
    }

    /* 1. Shift and scale, with M and R as the frame header will say them. */
    double sum = 0.0;
    int lowp = 255, highp = 0;
    for (size_t i = 0; i < px; i++) {
        int p = img->pixels[i];
        sum += p;
        lowp = p < lowp ? p : lowp;
        highp = p > highp ? p : highp;
    }
    unsigned e;
    uint32_t m;
    double M = scaled_pair(sum / (double)px, 16, &e, &m);
    double R = (highp - M > M - lowp ? highp - M : M - lowp) / 128.0;
    R = scaled_pair(R > 0.0 ? R : 1.0, 16, &e, &m);
    for (size_t i = 0; i < px; i++)
        f[i] = (float)(((double)img->pixels[i] - M) / R);

    /* 2. The decomposition, with the filters as the transform table gives them. */
    obuf dtt;
    memset(&dtt, 0, sizeof dtt);
    put_filter(&dtt, LO, 5, lo);
    put_filter(&dtt, HI, 4, hi);
    wsq_trees(img->width, img->height, w, q);
    decompose(f, tmp, img->width, w, lo, hi);

    /* 3, 4. Bins for the rate, as the table writes them; the quantized coefficients. */
    variances(f, img->width, q, var);
    bins(var, bitrate, qbin, zbin);
    for (int b = 0; b < WSQ_Q_BANDS; b++) {
        if (!(qbin[b] > 0.0) || b >= WSQ_CODED_BANDS) {
            qbin[b] = zbin[b] = 0.0;
            continue;
        }
        /* A bin narrow enough to need more than 15 bits a coefficient (a high rate on an image
           with little detail: the allocation gives a few subbands all the bits) is widened:
           the decoder's escapes hold 16 bits, and nothing visible is lost at that precision. */
        double peak = 0.0;
        for (int y = 0; y < q[b].leny; y++)
            for (int x = 0; x < q[b].lenx; x++) {
                double v = fabs(f[(size_t)(q[b].y + y) * W + (size_t)(q[b].x + x)]);
                peak = v > peak ? v : peak;
            }
        if (qbin[b] < peak / 32000.0 || !isfinite(qbin[b])) {
            qbin[b] = peak / 32000.0 > 1e-6 ? peak / 32000.0 : 1e-6;
            zbin[b] = 1.2 * qbin[b];
        }
        qbin[b] = scaled_pair(qbin[b], 16, &e, &m);
        zbin[b] = scaled_pair(zbin[b], 16, &e, &m);
        if (qbin[b] <= 0.0)
            zbin[b] = 0.0;
    }
    size_t nq = 0, block_end[3] = {0, 0, 0};
    for (int b = 0; b < WSQ_CODED_BANDS; b++) {
        if (qbin[b] > 0.0) {
            double z = zbin[b] / 2.0;
            for (int y = 0; y < q[b].leny; y++)
                for (int x = 0; x < q[b].lenx; x++) {
                    double v = f[(size_t)(q[b].y + y) * W + (size_t)(q[b].x + x)];
                    double k = v > z ? (v - z) / qbin[b] + 1.0 : v < -z ? (v + z) / qbin[b] - 1.0
                                                                         : 0.0;
                    if (k > 65535.0) /* (the widening above keeps it far from here) */
                        k = 65535.0;
                    if (k < -65535.0)
                        k = -65535.0;
                    qv[nq++] = (int)k;
                }
        }
        if (b == 18)
            block_end[0] = nq;
        else if (b == 51)
            block_end[1] = nq;
    }
    block_end[2] = nq;

    /* 5. Two tables: block 1, and blocks 2 and 3. */
    long freq0[256], freq1[256];
    huff h0, h1;
    memset(freq0, 0, sizeof freq0);
    memset(freq1, 0, sizeof freq1);
    block_symbols(qv, block_end[0], count_sym, freq0);
    block_symbols(qv + block_end[0], block_end[2] - block_end[0], count_sym, freq1);
    huff_make(freq0, &h0);
    huff_make(freq1, &h1);

    /* The file. */
    char com[400];
    int cl = snprintf(com, sizeof com,
                      "NIST_COM 9\nPIX_WIDTH %d\nPIX_HEIGHT %d\nPIX_DEPTH 8\nPPI %d\nLOSSY 1\n"
                      "COLORSPACE GRAY\nCOMPRESSION WSQ\nWSQ_BITRATE %f",
                      img->width, img->height, img->dpi > 0 ? img->dpi : 500, bitrate);
    put16(&o, WSQ_SOI);
    put16(&o, WSQ_COM);
    put16(&o, (unsigned)(2 + cl));
    put(&o, com, (size_t)cl);
    put16(&o, WSQ_DTT);
    put16(&o, (unsigned)(2 + 2 + dtt.n));
    put8(&o, 9);
    put8(&o, 7);
    put(&o, dtt.p, dtt.n);
    put16(&o, WSQ_DQT);
    put16(&o, 2 + 3 + WSQ_Q_BANDS * 6);
    put8(&o, 2);
    put16(&o, 44); /* the bin centre C = 0.44 */
    for (int b = 0; b < WSQ_Q_BANDS; b++) {
        put_scaled16(&o, qbin[b]);
        put_scaled16(&o, zbin[b]);
    }
    if (block_end[0] > 0)
        put_dht(&o, 0, &h0);
    put16(&o, WSQ_SOF);
    put16(&o, 17);
    put8(&o, 0);   /* black */
    put8(&o, 255); /* white */
    put16(&o, (unsigned)img->height);
    put16(&o, (unsigned)img->width);
    put_scaled16(&o, M);
    put_scaled16(&o, R);
    put8(&o, 2);  /* encoder: the spec's version */
    put16(&o, 0); /* software */
    for (int blk = 0; blk < 3; blk++) {
        size_t from = blk == 0 ? 0 : block_end[blk - 1], to = block_end[blk];
        if (to == from)
            continue;
        if (blk == 1 || (blk == 2 && block_end[1] == block_end[0]))
            put_dht(&o, 1, &h1);
        put16(&o, WSQ_SOB);
        put16(&o, 3);
        put8(&o, blk == 0 ? 0 : 1);
        emit_ctx ec = {&o, blk == 0 ? &h0 : &h1};
        block_symbols(qv + from, to - from, emit_sym, &ec);
        flush_bits(&o);
    }
    put16(&o, WSQ_EOI);
    if (o.oom || dtt.oom) {
        st = bio_fail(msg, BIO_ENOMEM, "WSQ: out of memory writing the file");
        free(o.p);
    } else {
        *out = o.p;
        *len = o.n;
    }
    free(dtt.p);
out:
    free(f);
    free(tmp);
    free(qv);
    return st;
}
