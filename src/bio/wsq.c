/*
 * wsq.c - WSQ decoder, written from the FBI specification IAFIS-IC-0110 (v3).
 *
 * A WSQ file is a marker stream like JPEG's: SOI, tables (DTT transform filters, DQT
 * quantizer bins, DHT Huffman tables, COM comments), SOF frame header, then one or more SOB
 * blocks of Huffman-coded quantized coefficients, then EOI. Decoding:
 *   1. parse the tables and the frame header (size, output shift and scale);
 *   2. lay out the 20-node wavelet tree and the 64 subbands (the spec's fixed decomposition:
 *      odd lengths give the low band the extra sample, except where the spec says otherwise);
 *   3. Huffman-decode the coefficients of the 60 coded subbands in order (symbols 1..100 are
 *      zero runs, 101..106 escape to 8/16-bit values or runs, 107..254 are small values
 *      offset by 180);
 *   4. dequantize: q>0 -> Q*(q - C) + Z/2, q<0 -> Q*(q + C) - Z/2, C the bin center;
 *   5. synthesize each tree node, deepest first: columns then rows, with the 9/7 synthesis
 *      filters derived from the analysis filters the DTT carries (g0[n] = (-1)^n h1[n],
 *      g1[n] = (-1)^n h0[n]) and whole-sample symmetric extension, the low band on the even
 *      samples. Nodes flagged "inverted" store the high band first;
 *   6. pixel = value * R + M, rounded and clipped to 0..255.
 * Design: one cursor over the input with explicit bounds; every read is checked and the
 * first failure is kept (status + message) so the pipeline stops cleanly. All buffers are
 * freed on every path. Must never read or write out of bounds, whatever the input says.
 */
#include "bio/wsq.h"
#include "bio/image.h" /* BIO_IMAGE_MAX_PIXELS */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    M_SOI = 0xFFA0, M_EOI = 0xFFA1, M_SOF = 0xFFA2, M_SOB = 0xFFA3, M_DTT = 0xFFA4,
    M_DQT = 0xFFA5, M_DHT = 0xFFA6, M_DRT = 0xFFA7, M_COM = 0xFFA8
};

#define W_NODES 20
#define Q_BANDS 64
#define CODED_BANDS 60
#define MAX_TAPS 32
#define MAX_SIDE 20000

struct area {
    int x, y, lenx, leny;
    int inv_row, inv_col; /* high band stored first along rows / columns */
};

struct huff {
    int defined;
    uint8_t bits[16];   /* codes of each length 1..16 */
    uint8_t vals[256];
    int nvals;
    int mincode[17], maxcode[17], valptr[17];
};

struct wsq {
    const uint8_t *b;
    size_t n, pos;
    bio_status st;
    bio_msg *msg;
    int has_dtt, has_dqt;
    int losz, hisz;
    double h0[MAX_TAPS], h1[MAX_TAPS]; /* analysis low / high, centered at losz/2, hisz/2 */
    double center, qbin[Q_BANDS], zbin[Q_BANDS];
    struct huff dht[8];
    int width, height, ppi;
    double shift, scale;
    struct area w[W_NODES], q[Q_BANDS];
    /* bit reader */
    unsigned cur;
    int nbits;
    unsigned marker; /* a marker met inside entropy-coded data, 0 if none */
};

static int fail(struct wsq *s, bio_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct wsq *s, bio_status st, const char *fmt, ...)
{
    if (s->st == BIO_OK) {
        char text[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        s->st = bio_fail(s->msg, st, "WSQ: %s", text);
    }
    return 0;
}

/* Bounds-checked big-endian reads; on overrun they fail once and return 0. */
static int need(struct wsq *s, size_t k, const char *what)
{
    if (s->st != BIO_OK)
        return 0;
    if (s->pos > s->n || k > s->n - s->pos)
        return fail(s, BIO_ETRUNC, "data ends at byte %zu inside %s (truncated file)", s->n,
                    what);
    return 1;
}

static unsigned u8(struct wsq *s, const char *what)
{
    return need(s, 1, what) ? s->b[s->pos++] : 0;
}

static unsigned u16(struct wsq *s, const char *what)
{
    if (!need(s, 2, what))
        return 0;
    unsigned v = (unsigned)s->b[s->pos] << 8 | s->b[s->pos + 1];
    s->pos += 2;
    return v;
}

static uint32_t u32(struct wsq *s, const char *what)
{
    if (!need(s, 4, what))
        return 0;
    const uint8_t *p = s->b + s->pos;
    s->pos += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A value and its decimal exponent: v / 10^e. */
static double scaled(unsigned e, double v)
{
    while (e-- > 0)
        v /= 10.0;
    return v;
}

/* DTT: filter lengths, then the half of each symmetric filter (sign, exponent, value). */
static void read_dtt(struct wsq *s)
{
    size_t start = s->pos;
    unsigned len = u16(s, "DTT length");
    s->losz = (int)u8(s, "DTT");
    s->hisz = (int)u8(s, "DTT");
    if (s->st)
        return;
    if (s->hisz % 2 == 0 || s->losz % 2 == 0 || s->hisz >= MAX_TAPS || s->losz >= MAX_TAPS) {
        fail(s, BIO_EUNSUPPORTED, "transform table at byte %zu: filter lengths %d/%d (only "
             "odd, symmetric filters up to %d taps are supported)", start, s->losz, s->hisz,
             MAX_TAPS - 1);
        return;
    }
    /* The analysis low-pass then high-pass filter, each from its center outwards. */
    for (int f = 0; f < 2; f++) {
        double *h = f == 0 ? s->h0 : s->h1;
        int c = (f == 0 ? s->losz : s->hisz) / 2;
        for (int k = 0; k <= c; k++) {
            unsigned sign = u8(s, "DTT"), e = u8(s, "DTT");
            double v = scaled(e, (double)u32(s, "DTT"));
            h[c + k] = h[c - k] = sign ? -v : v;
        }
    }
    if (s->st == BIO_OK && s->pos - start != len)
        fail(s, BIO_EFORMAT, "transform table at byte %zu: length %u, content %zu bytes", start,
             len, s->pos - start);
    s->has_dtt = s->st == BIO_OK;
}

static void read_dqt(struct wsq *s)
{
    size_t start = s->pos;
    unsigned len = u16(s, "DQT length");
    unsigned e = u8(s, "DQT");
    s->center = scaled(e, u16(s, "DQT"));
    for (int i = 0; i < Q_BANDS; i++) {
        e = u8(s, "DQT");
        s->qbin[i] = scaled(e, u16(s, "DQT"));
        e = u8(s, "DQT");
        s->zbin[i] = scaled(e, u16(s, "DQT"));
    }
    if (s->st == BIO_OK && s->pos - start != len)
        fail(s, BIO_EFORMAT, "quantization table at byte %zu: length %u, content %zu bytes",
             start, len, s->pos - start);
    s->has_dqt = s->st == BIO_OK;
}

/* JPEG-style canonical codes: per length, consecutive values; then shift left. */
static int huff_build(struct huff *h)
{
    int code = 0, k = 0;
    for (int len = 1; len <= 16; len++) {
        int cnt = h->bits[len - 1];
        if (!cnt) {
            h->maxcode[len] = -1;
            h->mincode[len] = 0;
            h->valptr[len] = 0;
        } else {
            h->valptr[len] = k;
            h->mincode[len] = code;
            code += cnt;
            k += cnt;
            h->maxcode[len] = code - 1;
            if (code > (1 << len))
                return 0; /* more codes than the length allows */
        }
        code <<= 1;
    }
    return 1;
}

static void read_dht(struct wsq *s)
{
    size_t start = s->pos;
    unsigned len = u16(s, "DHT length");
    if (s->st)
        return;
    if (len < 2)
        fail(s, BIO_EFORMAT, "Huffman table at byte %zu: length %u", start, len);
    size_t end = start + len;
    while (s->st == BIO_OK && s->pos < end) {
        unsigned id = u8(s, "DHT");
        if (id >= 8) {
            fail(s, BIO_EFORMAT, "Huffman table id %u at byte %zu is not 0..7", id, s->pos - 1);
            return;
        }
        struct huff *h = &s->dht[id];
        int total = 0;
        for (int i = 0; i < 16; i++) {
            h->bits[i] = (uint8_t)u8(s, "DHT");
            total += h->bits[i];
        }
        if (total > 256) {
            fail(s, BIO_EFORMAT, "Huffman table %u at byte %zu: %d codes (at most 256)", id,
                 start, total);
            return;
        }
        for (int i = 0; i < total; i++)
            h->vals[i] = (uint8_t)u8(s, "DHT");
        h->nvals = total;
        if (s->st == BIO_OK && !huff_build(h)) {
            fail(s, BIO_EFORMAT, "Huffman table %u at byte %zu: code lengths overflow", id,
                 start);
            return;
        }
        h->defined = s->st == BIO_OK;
    }
    if (s->st == BIO_OK && s->pos != end)
        fail(s, BIO_EFORMAT, "Huffman table at byte %zu: length %u, content %zu bytes", start,
             len, s->pos - start);
}

/* COM: skipped, except the NIST comment's PPI line. */
static void read_com(struct wsq *s)
{
    size_t start = s->pos;
    unsigned len = u16(s, "comment length");
    if (s->st)
        return;
    if (len < 2 || !need(s, len - 2, "comment")) {
        fail(s, BIO_EFORMAT, "comment at byte %zu: length %u", start, len);
        return;
    }
    const char *t = (const char *)s->b + s->pos;
    size_t tl = len - 2;
    if (tl > 8 && memcmp(t, "NIST_COM", 8) == 0) {
        for (size_t i = 0; i + 4 < tl; i++) {
            if ((i == 0 || t[i - 1] == '\n') && memcmp(t + i, "PPI ", 4) == 0) {
                long v = 0;
                size_t j = i + 4;
                int neg = j < tl && t[j] == '-';
                j += (size_t)neg;
                while (j < tl && t[j] >= '0' && t[j] <= '9' && v < 100000)
                    v = v * 10 + (t[j++] - '0');
                if (!neg && v > 0 && v < 100000)
                    s->ppi = (int)v;
            }
        }
    }
    s->pos += tl;
}

static void read_sof(struct wsq *s)
{
    size_t start = s->pos;
    unsigned len = u16(s, "frame header");
    u8(s, "frame header"); /* black */
    u8(s, "frame header"); /* white */
    s->height = (int)u16(s, "frame header");
    s->width = (int)u16(s, "frame header");
    unsigned e = u8(s, "frame header");
    s->shift = scaled(e, u16(s, "frame header"));
    e = u8(s, "frame header");
    s->scale = scaled(e, u16(s, "frame header"));
    u8(s, "frame header");  /* encoder */
    u16(s, "frame header"); /* software */
    if (s->st)
        return;
    if (s->pos - start != len)
        fail(s, BIO_EFORMAT, "frame header at byte %zu: length %u, content %zu bytes", start,
             len, s->pos - start);
    else if (s->width < 1 || s->height < 1 || s->width > MAX_SIDE || s->height > MAX_SIDE)
        fail(s, BIO_EFORMAT, "frame size %dx%d is not valid", s->width, s->height);
    else if ((long)s->width * s->height > BIO_IMAGE_MAX_PIXELS)
        fail(s, BIO_EUNSUPPORTED, "frame size %dx%d exceeds the limit of %ld pixels",
             s->width, s->height, BIO_IMAGE_MAX_PIXELS);
}

static void read_table(struct wsq *s, unsigned m)
{
    switch (m) {
    case M_DTT: read_dtt(s); break;
    case M_DQT: read_dqt(s); break;
    case M_DHT: read_dht(s); break;
    case M_COM: read_com(s); break;
    case M_DRT:
        fail(s, BIO_EUNSUPPORTED, "restart intervals (DRT at byte %zu) are not supported",
             s->pos - 2);
        break;
    default:
        fail(s, BIO_EFORMAT, "unexpected marker %04X at byte %zu", m, s->pos - 2);
    }
}

/* ---------------------------------------------------------------- the spec's trees */

/* Split a length in two; `first_small` gives the odd sample to the second half. */
static void halves(int len, int first_small, int *a, int *b)
{
    if (len % 2 == 0) {
        *a = *b = len / 2;
    } else if (first_small) {
        *a = (len - 1) / 2;
        *b = *a + 1;
    } else {
        *a = (len + 1) / 2;
        *b = *a - 1;
    }
}

/* Node p and its four quadrants c..c+3 (top-left, top-right, bottom-left, bottom-right). */
static void w_split(struct area *w, int p, int c, int lenx, int leny, int x, int y, int no_br)
{
    w[p].x = x;
    w[p].y = y;
    w[p].lenx = lenx;
    w[p].leny = leny;
    int ax, bx, ay, by;
    halves(lenx, p == 4, &ax, &bx);
    halves(leny, p == 5, &ay, &by);
    w[c].x = w[c + 2].x = x;
    w[c].y = w[c + 1].y = y;
    w[c].lenx = w[c + 2].lenx = ax;
    w[c + 1].lenx = bx;
    w[c + 1].x = x + ax;
    w[c].leny = w[c + 1].leny = ay;
    w[c + 2].leny = by;
    w[c + 2].y = y + ay;
    if (!no_br) {
        w[c + 3].x = w[c + 1].x;
        w[c + 3].lenx = bx;
        w[c + 3].y = w[c + 2].y;
        w[c + 3].leny = by;
    }
}

/* Four subbands of an area: quadrants, the odd sample going to the first half. */
static void q_split4(struct area *q, int p, int lenx, int leny, int x, int y)
{
    int ax, bx, ay, by;
    halves(lenx, 0, &ax, &bx);
    halves(leny, 0, &ay, &by);
    for (int i = 0; i < 4; i++) {
        q[p + i].x = (i & 1) ? x + ax : x;
        q[p + i].lenx = (i & 1) ? bx : ax;
        q[p + i].y = (i & 2) ? y + ay : y;
        q[p + i].leny = (i & 2) ? by : ay;
    }
}

/*
 * Sixteen subbands of an area: split in four (rw / cl: along rows / columns the high band
 * comes first, so the odd sample goes to the second half), then each quadrant in four. The
 * second-level splits follow the spec's tables, which are not all plain halvings.
 */
static void q_split16(struct area *q, int p, int lenx, int leny, int x, int y, int rw, int cl)
{
    int tx, t2x, ty, t2y;
    halves(lenx, cl, &tx, &t2x);
    halves(leny, rw, &ty, &t2y);
    int ax, bx, ay, by;
    /* top-left quadrant: tx x ty */
    halves(tx, 0, &ax, &bx);
    halves(ty, 0, &ay, &by);
    q[p].x = q[p + 2].x = x;
    q[p].y = q[p + 1].y = y;
    q[p].lenx = q[p + 2].lenx = ax;
    q[p + 1].lenx = q[p + 3].lenx = bx;
    q[p + 1].x = q[p + 3].x = x + ax;
    q[p].leny = q[p + 1].leny = ay;
    q[p + 2].leny = q[p + 3].leny = by;
    q[p + 2].y = q[p + 3].y = y + ay;
    /* top-right quadrant: t2x wide; its odd column goes to the right */
    halves(t2x, 1, &ax, &bx);
    for (int i = 4; i < 8; i++) {
        q[p + i].x = x + tx + ((i & 1) ? ax : 0);
        q[p + i].lenx = (i & 1) ? bx : ax;
        q[p + i].y = (i < 6) ? y : q[p + 2].y;
        q[p + i].leny = (i < 6) ? q[p].leny : q[p + 2].leny;
    }
    /* bottom-left quadrant: t2y high; its odd row goes to the bottom */
    halves(t2y, 1, &ay, &by);
    for (int i = 8; i < 12; i++) {
        q[p + i].x = (i & 1) ? q[p + 1].x : x;
        q[p + i].lenx = (i & 1) ? q[p + 1].lenx : q[p].lenx;
        q[p + i].y = y + ty + ((i < 10) ? 0 : ay);
        q[p + i].leny = (i < 10) ? ay : by;
    }
    /* bottom-right quadrant: columns of the top-right, rows of the bottom-left */
    for (int i = 12; i < 16; i++) {
        q[p + i].x = q[p + 4 + (i & 1)].x;
        q[p + i].lenx = q[p + 4 + (i & 1)].lenx;
        q[p + i].y = q[p + 8 + ((i < 14) ? 0 : 2)].y;
        q[p + i].leny = q[p + 8 + ((i < 14) ? 0 : 2)].leny;
    }
}

static void build_trees(struct wsq *s)
{
    struct area *w = s->w, *q = s->q;
    memset(w, 0, sizeof s->w);
    memset(q, 0, sizeof s->q);
    static const int inv_row[] = {2, 4, 7, 9, 11, 13, 16, 18};
    static const int inv_col[] = {3, 5, 8, 9, 12, 13, 17, 18};
    for (size_t i = 0; i < sizeof inv_row / sizeof inv_row[0]; i++) {
        w[inv_row[i]].inv_row = 1;
        w[inv_col[i]].inv_col = 1;
    }
    w_split(w, 0, 1, s->width, s->height, 0, 0, 1);
    int lx, lx2, ly, ly2;
    halves(w[1].lenx, 0, &lx, &lx2);
    halves(w[1].leny, 0, &ly, &ly2);
    w_split(w, 4, 6, lx2, ly, lx, 0, 0);
    w_split(w, 5, 10, lx, ly2, 0, ly, 0);
    w_split(w, 14, 15, lx, ly, 0, 0, 0);
    w[19].x = w[19].y = 0;
    w[19].lenx = (w[15].lenx + 1) / 2;
    w[19].leny = (w[15].leny + 1) / 2;

    q_split16(q, 3, w[14].lenx, w[14].leny, w[14].x, w[14].y, 0, 0);
    q_split16(q, 19, w[4].lenx, w[4].leny, w[4].x, w[4].y, 0, 1);
    q_split16(q, 48, w[0].lenx, w[0].leny, w[0].x, w[0].y, 0, 0);
    q_split16(q, 35, w[5].lenx, w[5].leny, w[5].x, w[5].y, 1, 0);
    q_split4(q, 0, w[19].lenx, w[19].leny, w[19].x, w[19].y);
}

/* ---------------------------------------------------------------- entropy decoding */

/* Next byte of entropy-coded data; a marker (FF xx, xx != 0) is kept and ends the data. */
static int next_byte(struct wsq *s)
{
    if (!need(s, 1, "coded data"))
        return 0;
    unsigned v = s->b[s->pos++];
    if (v == 0xFF) {
        if (!need(s, 1, "coded data"))
            return 0;
        unsigned v2 = s->b[s->pos++];
        if (v2 != 0) {
            s->marker = 0xFF00u | v2;
            return 0;
        }
    }
    s->cur = v;
    s->nbits = 8;
    return 1;
}

/* Read k bits (k <= 16); 0 and s->marker set when a marker interrupts. */
static int get_bits(struct wsq *s, int k, unsigned *out)
{
    unsigned v = 0;
    while (k > 0) {
        if (s->nbits == 0 && !next_byte(s))
            return 0;
        int take = k < s->nbits ? k : s->nbits;
        unsigned part = (s->cur >> (s->nbits - take)) & ((1u << take) - 1);
        v = v << take | part;
        s->nbits -= take;
        k -= take;
    }
    *out = v;
    return 1;
}

/* One Huffman symbol; -1 when the block ends (marker) or on error. */
static int huff_symbol(struct wsq *s, const struct huff *h)
{
    unsigned bit;
    int code = 0;
    for (int len = 1; len <= 16; len++) {
        if (!get_bits(s, 1, &bit))
            return -1;
        code = code << 1 | (int)bit;
        if (h->maxcode[len] >= 0 && code <= h->maxcode[len] && code >= h->mincode[len]) {
            int k = h->valptr[len] + code - h->mincode[len];
            if (k >= h->nvals) {
                fail(s, BIO_EFORMAT, "Huffman code outside its table at byte %zu", s->pos);
                return -1;
            }
            return h->vals[k];
        }
    }
    fail(s, BIO_EFORMAT, "invalid Huffman code at byte %zu", s->pos);
    return -1;
}

/* Decode all SOB blocks into q[0..total); returns with s->st set on failure. */
static void decode_blocks(struct wsq *s, int *qv, size_t total)
{
    size_t k = 0;
    unsigned m = u16(s, "marker");
    for (;;) {
        if (s->st)
            return;
        if (m == M_EOI)
            break;
        if (m != M_SOB) {
            read_table(s, m);
            m = u16(s, "marker");
            continue;
        }
        size_t at = s->pos;
        unsigned len = u16(s, "block header");
        unsigned id = u8(s, "block header");
        if (s->st)
            return;
        if (len != 3 || id >= 8 || !s->dht[id].defined) {
            fail(s, BIO_EFORMAT, "block header at byte %zu: length %u, Huffman table %u %s", at,
                 len, id, id < 8 && s->dht[id].defined ? "" : "(undefined)");
            return;
        }
        const struct huff *h = &s->dht[id];
        s->nbits = 0;
        s->marker = 0;
        for (;;) {
            int sym = huff_symbol(s, h);
            if (sym < 0)
                break;
            unsigned extra = 0;
            long val = 0, run = 0;
            if (sym >= 1 && sym <= 100) {
                run = sym;
            } else if (sym >= 107 && sym <= 254) {
                val = sym - 180;
                run = -1;
            } else if (sym >= 101 && sym <= 106) {
                int nb = (sym == 101 || sym == 102 || sym == 105) ? 8 : 16;
                if (!get_bits(s, nb, &extra)) {
                    fail(s, BIO_EFORMAT, "coded data cut by a marker at byte %zu", s->pos);
                    return;
                }
                if (sym <= 104) {
                    val = (sym % 2) ? (long)extra : -(long)extra;
                    run = -1;
                } else {
                    run = (long)extra;
                }
            } else {
                fail(s, BIO_EFORMAT, "invalid Huffman symbol %d at byte %zu", sym, s->pos);
                return;
            }
            size_t cnt = run < 0 ? 1 : (size_t)run;
            if (cnt > total - k) {
                fail(s, BIO_EFORMAT, "more coefficients than the subbands hold (byte %zu)",
                     s->pos);
                return;
            }
            if (run < 0)
                qv[k++] = (int)val;
            else
                for (size_t i = 0; i < cnt; i++)
                    qv[k++] = 0;
        }
        if (s->st)
            return;
        m = s->marker;
    }
    if (k != total)
        fail(s, BIO_ETRUNC, "coded data holds %zu of %zu coefficients (truncated or corrupt)", k,
             total);
}

/* ---------------------------------------------------------------- reconstruction */

/* Mirror for the low band (on the even samples): whole-sample about 0 and about n-1. */
static int mirror_l(int i, int nl, int n)
{
    for (int guard = 0; guard < 64 && (i < 0 || i >= nl); guard++)
        i = i < 0 ? -i : n - 1 - i;
    return (i < 0 || i >= nl) ? -1 : i;
}

/* Mirror for the high band: half-sample about -1/2 on the left, per parity on the right. */
static int mirror_h(int i, int nh, int n)
{
    for (int guard = 0; guard < 64 && (i < 0 || i >= nh); guard++)
        i = i < 0 ? -1 - i : n - 2 - i;
    return (i < 0 || i >= nh) ? -1 : i;
}

/*
 * One line of n samples at in[0], in[st], ... (low band then high band, or high first if
 * inv) synthesized into out[0], out[st], ...
 */
static void join_line(const struct wsq *s, const float *in, float *out, int n, size_t st,
                      int inv, float *lo, float *hi)
{
    int nl = (n + 1) / 2, nh = n / 2;
    for (int i = 0; i < nl; i++)
        lo[i] = in[(size_t)(inv ? nh + i : i) * st];
    for (int i = 0; i < nh; i++)
        hi[i] = in[(size_t)(inv ? i : nl + i) * st];
    int c0 = s->hisz / 2, c1 = s->losz / 2; /* g0 = modulated h1, g1 = modulated h0 */
    for (int k = 0; k < n; k++) {
        double acc = 0;
        /* low band: sample i sits at 2i; g0 spans -c0..c0 */
        for (int i = (k - c0 + 1) >> 1; 2 * i <= k + c0; i++) {
            int d = k - 2 * i;
            if (d < -c0 || d > c0)
                continue;
            double g = (d & 1) ? -s->h1[c0 + d] : s->h1[c0 + d];
            int j = mirror_l(i, nl, n);
            if (j >= 0)
                acc += g * (double)lo[j];
        }
        if (nh > 0) {
            for (int i = (k - 1 - c1) >> 1; 2 * i + 1 <= k + c1; i++) {
                int d = k - 2 * i - 1;
                if (d < -c1 || d > c1)
                    continue;
                int j = mirror_h(i, nh, n);
                if (j < 0)
                    continue;
                double g = (d & 1) ? -s->h0[c1 + d] : s->h0[c1 + d];
                acc += g * (double)hi[j];
            }
        }
        out[(size_t)k * st] = (float)acc;
    }
}

static bio_status reconstruct(struct wsq *s, float *img)
{
    size_t w = (size_t)s->width;
    int maxlen = s->width > s->height ? s->width : s->height;
    float *tmp = malloc(sizeof *tmp * w * (size_t)s->height);
    float *lo = malloc(sizeof *lo * (size_t)(maxlen / 2 + 2));
    float *hi = malloc(sizeof *hi * (size_t)(maxlen / 2 + 2));
    bio_status st = BIO_OK;
    if (!tmp || !lo || !hi) {
        st = bio_fail(s->msg, BIO_ENOMEM, "WSQ: out of memory");
        goto out;
    }
    for (int node = W_NODES - 1; node >= 0; node--) {
        const struct area *a = &s->w[node];
        if (a->lenx < 1 || a->leny < 1)
            continue;
        float *base = img + (size_t)a->y * w + (size_t)a->x;
        for (int x = 0; x < a->lenx; x++) /* columns */
            join_line(s, base + x, tmp + x, a->leny, w, a->inv_col, lo, hi);
        for (int y = 0; y < a->leny; y++) /* rows */
            join_line(s, tmp + (size_t)y * w, base + (size_t)y * w, a->lenx, 1, a->inv_row, lo,
                      hi);
    }
out:
    free(tmp);
    free(lo);
    free(hi);
    return st;
}

/* ---------------------------------------------------------------- public */

int bio_wsq_is(const uint8_t *buf, size_t len)
{
    return len >= 4 && buf[0] == 0xFF && buf[1] == 0xA0 && buf[2] == 0xFF;
}

bio_status bio_wsq_decode(const uint8_t *buf, size_t len, bio_image *img, bio_msg *msg)
{
    int *qv = NULL;
    float *fv = NULL;
    struct wsq *s = NULL;
    if (!img)
        return bio_fail(msg, BIO_EINVAL, "WSQ: no image to fill");
    memset(img, 0, sizeof *img);
    if (!buf)
        return bio_fail(msg, BIO_EINVAL, "WSQ: no data");
    s = calloc(1, sizeof *s);
    if (!s)
        return bio_fail(msg, BIO_ENOMEM, "WSQ: out of memory");
    s->b = buf;
    s->n = len;
    s->msg = msg;
    if (u16(s, "SOI marker") != M_SOI && s->st == BIO_OK)
        fail(s, BIO_EFORMAT, "not a WSQ file: no SOI marker (FFA0) at byte 0");
    unsigned m = u16(s, "marker");
    while (s->st == BIO_OK && m != M_SOF) {
        if (m == M_EOI || m == M_SOB) {
            fail(s, BIO_EFORMAT, "marker %04X at byte %zu before the frame header", m,
                 s->pos - 2);
            break;
        }
        read_table(s, m);
        m = u16(s, "marker");
    }
    read_sof(s);
    if (s->st)
        goto out;
    build_trees(s);
    size_t total = 0;
    for (int i = 0; i < CODED_BANDS; i++)
        if (s->has_dqt && s->qbin[i] != 0.0)
            total += (size_t)s->q[i].lenx * (size_t)s->q[i].leny;
    size_t px = (size_t)s->width * (size_t)s->height;
    qv = malloc(sizeof *qv * (total ? total : 1));
    fv = calloc(px, sizeof *fv);
    if (!qv || !fv) {
        fail(s, BIO_ENOMEM, "out of memory for a %dx%d image", s->width, s->height);
        goto out;
    }
    decode_blocks(s, qv, total);
    if (s->st)
        goto out;
    if (!s->has_dtt || !s->has_dqt) {
        fail(s, BIO_EFORMAT, "missing %s table", s->has_dtt ? "quantization" : "transform");
        goto out;
    }
    /* Dequantize into the subbands' places. */
    size_t k = 0;
    for (int b = 0; b < CODED_BANDS; b++) {
        if (s->qbin[b] == 0.0)
            continue;
        const struct area *a = &s->q[b];
        for (int y = 0; y < a->leny; y++) {
            float *row = fv + (size_t)(a->y + y) * (size_t)s->width + (size_t)a->x;
            for (int x = 0; x < a->lenx; x++) {
                int v = qv[k++];
                double f = v == 0  ? 0.0
                           : v > 0 ? s->qbin[b] * (v - s->center) + s->zbin[b] / 2
                                   : s->qbin[b] * (v + s->center) - s->zbin[b] / 2;
                row[x] = (float)f;
            }
        }
    }
    if ((s->st = reconstruct(s, fv)) != BIO_OK)
        goto out;
    if (!(img->pixels = malloc(px))) {
        fail(s, BIO_ENOMEM, "out of memory for a %dx%d image", s->width, s->height);
        goto out;
    }
    for (size_t i = 0; i < px; i++) {
        double v = (double)fv[i] * s->scale + s->shift + 0.5;
        /* Tables with absurd filter taps or bins overflow the synthesis to inf or NaN; no
           real file does, and a NaN has no gray value (converting it is undefined). */
        if (!isfinite(v)) {
            fail(s, BIO_EFORMAT, "pixel values are not finite numbers (transform or "
                 "quantization table out of range)");
            goto out;
        }
        img->pixels[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    img->width = s->width;
    img->height = s->height;
    img->dpi = s->ppi > 0 ? s->ppi : 500;
out:;
    bio_status st = s->st;
    if (st != BIO_OK)
        bio_image_free(img);
    free(qv);
    free(fv);
    free(s);
    return st;
}
