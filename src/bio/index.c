/*
 * index.c - stages A and B of 1:N search (index.h): the gallery's pair records, the probe's
 * pair table, and the two Hough votes that rank the gallery.
 *
 * Frames: coordinates in 500 dpi pixels, y up (ISO angles are counter-clockwise as a person
 * sees the image), centred on the image centre (the minutiae's box centre when the template
 * does not state its size), so placements stay within a small accumulator. Angles are
 * integers in units of 1/1024 turn (AU): wrapping is a mask, and the gallery's ISO angles
 * (1/256 turn) are exact in them.
 *
 * Pair shape key (18 bits): (length - 14 px) / 4 px in 34 bins, and the direction of each end
 * relative to the segment, 64 sectors (16 AU) each. A record stores the key and the two
 * minutia indices only: the segment's direction, needed for the rotation, is recovered in
 * stage A from the first end's direction and its sector's centre (within 8 AU, 2.8 degrees),
 * and computed exactly in stage B. 4 bytes a pair is what lets a finger with 40 minutiae
 * (190 pairs) stay under 1 KiB with its minutiae.
 *
 * Probe table: for every ordered pair of probe minutiae 11..153 px apart, an entry (segment
 * direction, pair number) under every key its tolerance box (3 px, 24 AU each end) touches.
 * Only non-empty keys get a row: a bitmap of keys with a running count per 64-bit word gives
 * a key's row (rank), the rows index one entry array. The bitmap is 17 KB and most gallery
 * pairs find their key empty there, without touching the rest of the table.
 *
 * Stage A is written for the CPU's branch predictor: the gallery pairs whose key is filed are
 * compacted first (a store and an add, no branch), their entries gathered into a flat list,
 * then turned into votes, compacted the same way (only the rotation range and accumulator
 * bounds decide), then the votes are counted. Each vote adds to 2x2x2 cells as four 32-bit adds (two 16-bit counters
 * side by side in y). The table's bitmap rank needs a popcount: the kernel is compiled a
 * second time for CPUs with the popcnt instruction and chosen at run time.
 *
 * Never: allocate in bio_index_hough() or bio_index_refine(), keep global state.
 */
#include "bio/index.h"

#include "bio/template.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IX_PI 3.14159265358979323846
#define IX_AU 1024                                 /* angle units a turn */
#define IX_DMIN 14.0f                              /* px: pair length range */
#define IX_DMAX 150.0f
#define IX_DSTEP 4.0f
#define IX_ND 34                                   /* length bins: (150 - 14) / 4 + 1 */
#define IX_NA 64                                   /* direction sectors */
#define IX_SECTOR (IX_AU / IX_NA)                  /* 16 AU */
#define IX_NKEYS (IX_ND * IX_NA * IX_NA)           /* 139,264 */
#define IX_NWORDS ((IX_NKEYS + 63) / 64)
#define IX_KEY_MASK 0x3ffffu
#define IX_K 8                                     /* nearest neighbours paired per minutia */
#define IX_NBIN 352                                /* squared-distance bins of 64 px^2 to 150 px */
#define IX_MAXM BIO_INDEX_PAIR_MINUTIAE
/* Tolerances of pair agreement. Measured with 100,000 fingers (FVC2002 mates among synthetic
   impostors, docs/internals/bio-search.md): 3 px and 24 AU (8.4 degrees) rank the mates as
   well as 4 px and 32 AU or 5 px and 40 AU, with a third and a half fewer chance agreements. */
#define IX_TOL_D 3.0f
#define IX_TOL_A 24
/* Placement accumulator: rotation within +-90 degrees (the 1:1 matcher compares no minutiae
   whose directions differ by more) in 11.25-degree bins, translation in 16 px bins within
   +-384 px of the image centres; a vote counts in the 2x2x2 cells around it. */
#define IX_MAX_ROT 256                             /* AU */
#define IX_ROT_BIN 32                              /* AU, a power of two (shift below) */
#define IX_NR (2 * IX_MAX_ROT / IX_ROT_BIN + 2)    /* 18 */
#define IX_XY_BIN 16.0f
#define IX_NXY 48
#define IX_CELLS (IX_NR * IX_NXY * IX_NXY)
/* Placements in cell units: a translation t px is at t / IX_XY_BIN + IX_ORIGIN, so that the
   cells ix and ix + 1 are the two nearest of a vote at ix + 0.5 .. ix + 1.5 (the + 1 lets a
   cast to int floor every value above -1; the accumulator starts at 0). */
#define IX_ORIGIN ((float)IX_NXY / 2 + 0.5f)
#define IX_MAX_VOTES 8192                          /* per finger; more are dropped */
#define IX_FLAT 4                                  /* entries of a key copied without a loop */
/* Pairing under a placement (stage B), as the 1:1 matcher's global term does: the distance
   tolerance grows away from the anchor (the agreeing pairs' centre), because skin distortion
   accumulates with distance. 8 px + 0.2 x distance, at most 32 px: weak mates (small,
   distorted overlaps) pair twice as many minutiae as under a fixed 14 px, impostors few more
   (docs/internals/bio-search.md). */
#define IX_PAIR_D0 8.0f
#define IX_PAIR_GROW 0.2f
#define IX_PAIR_DMAX 32.0f
#define IX_PAIR_A 64                               /* AU, 22.5 degrees */
#define IX_MARGIN 8.0f
#define IX_MIN_OVERLAP 10
#define IX_TOP 3                                   /* strongest cells whose pairing is tried */
#define IX_GRID 32.0f                              /* px, >= IX_PAIR_DMAX: see ix_pairing() */
#define IX_GRID_MAX 256                            /* cells a side (7,168 px: no print is so big;
                                                      beyond, minutiae share the edge cells) */

/* ---- shared helpers ---- */

/*
 * atan2(y, x) in AU, by a minimax polynomial for atan on [0, 1] (error about 1e-5 rad, far
 * below an AU): libm's atan2 was most of the cost of making pair records.
 */
static int ix_atan2_au(float y, float x)
{
    float ax = fabsf(x), ay = fabsf(y);
    float mn = ax < ay ? ax : ay, mx = ax < ay ? ay : ax;
    if (mx == 0)
        return 0;
    float a = mn / mx, s = a * a;
    float r = ((-0.0464964749f * s + 0.15931422f) * s - 0.327622764f) * s * a + a;
    if (ay > ax)
        r = 1.57079637f - r;
    if (x < 0)
        r = 3.14159274f - r;
    if (y < 0)
        r = -r;
    return (int)(r * (float)(IX_AU / (2 * IX_PI)) + (IX_AU + 0.5f)) & (IX_AU - 1);
}

static int ix_dbin(float d)
{
    int q = (int)((d - IX_DMIN) / IX_DSTEP);
    return q < 0 ? 0 : q >= IX_ND ? IX_ND - 1 : q;
}

/*
 * Image coordinates (xi[i], yi[i]) -> centred 500 dpi coordinates, y up. The centre is the
 * image's when its size is known, else the minutiae's box centre.
 */
static void ix_place(const unsigned *xi, const unsigned *yi, int n, const bio_index_frame *f,
                     float *x, float *y)
{
    float sx = f->res_x ? 197.0f / (float)f->res_x : 1.0f;
    float sy = f->res_y ? 197.0f / (float)f->res_y : 1.0f;
    float cx = 0, cy = 0;
    if (f->width && f->height) {
        cx = (float)f->width * sx * 0.5f;
        cy = (float)f->height * sy * 0.5f;
    } else if (n > 0) {
        unsigned x0 = xi[0], x1 = xi[0], y0 = yi[0], y1 = yi[0];
        for (int i = 1; i < n; i++) {
            x0 = xi[i] < x0 ? xi[i] : x0;
            x1 = xi[i] > x1 ? xi[i] : x1;
            y0 = yi[i] < y0 ? yi[i] : y0;
            y1 = yi[i] > y1 ? yi[i] : y1;
        }
        cx = (float)(x0 + x1) * sx * 0.5f;
        cy = (float)(y0 + y1) * sy * 0.5f;
    }
    for (int i = 0; i < n; i++) {
        x[i] = (float)xi[i] * sx - cx;
        y[i] = cy - (float)yi[i] * sy;
    }
}

/* Packed minutiae -> placed coordinates (ix_place) and directions in AU. */
static void ix_unpack(const uint32_t *m, int n, const bio_index_frame *f, float *x, float *y,
                      int *a)
{
    if (f->width && f->height) {
        /* the usual case, without the temporary arrays: the centre is known */
        float sx = f->res_x ? 197.0f / (float)f->res_x : 1.0f;
        float sy = f->res_y ? 197.0f / (float)f->res_y : 1.0f;
        float cx = (float)f->width * sx * 0.5f, cy = (float)f->height * sy * 0.5f;
        for (int i = 0; i < n; i++) {
            x[i] = (float)(m[i] & 0x7ff) * sx - cx;
            y[i] = cy - (float)((m[i] >> 11) & 0x7ff) * sy;
            a[i] = (int)((m[i] >> 22) & 0xff) * (IX_AU / 256);
        }
        return;
    }
    unsigned xi[BIO_MAX_MINUTIAE], yi[BIO_MAX_MINUTIAE];
    for (int i = 0; i < n; i++) {
        xi[i] = m[i] & 0x7ff;
        yi[i] = (m[i] >> 11) & 0x7ff;
        a[i] = (int)((m[i] >> 22) & 0xff) * (IX_AU / 256);
    }
    ix_place(xi, yi, n, f, x, y);
}

/* ---- gallery side: pair records ---- */

int bio_index_pairs(const bio_template *t, uint32_t *out)
{
    if (t == NULL || out == NULL)
        return 0;
    int n = t->count < IX_MAXM ? t->count : IX_MAXM;
    float x[IX_MAXM], y[IX_MAXM];
    int a[IX_MAXM];
    uint64_t seen[IX_MAXM][IX_MAXM / 64];
    float sx = t->res_x ? 197.0f / (float)t->res_x : 1.0f;
    float sy = t->res_y ? 197.0f / (float)t->res_y : 1.0f;
    for (int i = 0; i < n; i++) {
        x[i] = (float)t->m[i].x * sx;
        y[i] = -(float)t->m[i].y * sy;
        a[i] = bio_angle_to_iso(t->m[i].angle) * (IX_AU / 256);
    }
    memset(seen, 0, sizeof seen);
    const float lo = IX_DMIN * IX_DMIN, hi = IX_DMAX * IX_DMAX;
    int np = 0;
    for (int i = 0; i < n; i++) {
        /* The IX_K nearest in range, by counting: squared distances in bins of 64 px^2 (half a
           pixel at 60 px), the bin where the count reaches IX_K found by a running sum, the
           minutiae below it taken, then those in it in index order. Few comparisons the CPU
           cannot predict: a sweep with insertion was twice as slow, by branch mispredictions. */
        uint16_t bin[IX_MAXM];
        uint8_t cnt[IX_NBIN + 1];
        memset(cnt, 0, sizeof cnt);
        for (int j = 0; j < n; j++) {
            float dx = x[j] - x[i], dy = y[j] - y[i], d2 = dx * dx + dy * dy;
            int b = (d2 < lo) | (d2 > hi) | (j == i) ? IX_NBIN : (int)(d2 * (1.0f / 64));
            bin[j] = (uint16_t)b;
            cnt[b]++;
        }
        int last = 0, below = 0;
        while (last < IX_NBIN && below + cnt[last] < IX_K)
            below += cnt[last++];
        int bj[IX_K], m = 0;
        for (int j = 0; j < n; j++) {
            bj[m] = j; /* m stays below IX_K: fewer than IX_K lie below bin `last` */
            m += bin[j] < last;
        }
        for (int j = 0; j < n && m < IX_K && last < IX_NBIN; j++)
            if (bin[j] == last)
                bj[m++] = j;
        for (int q = 0; q < m; q++) {
            int u = i < bj[q] ? i : bj[q], v = i < bj[q] ? bj[q] : i;
            if (seen[u][v / 64] >> (v % 64) & 1)
                continue;
            seen[u][v / 64] |= (uint64_t)1 << (v % 64);
            int beta = ix_atan2_au(y[v] - y[u], x[v] - x[u]);
            int au = (a[u] - beta) & (IX_AU - 1), av = (a[v] - beta) & (IX_AU - 1);
            float dx = x[v] - x[u], dy = y[v] - y[u];
            int db = ix_dbin(sqrtf(dx * dx + dy * dy));
            uint32_t key = (uint32_t)((db * IX_NA + au / IX_SECTOR) * IX_NA + av / IX_SECTOR);
            out[np++] = key | (uint32_t)u << 18 | (uint32_t)v << 25;
        }
    }
    return np;
}

/* ---- probe side ---- */

struct bio_index_table {
    int n;                                     /* probe minutiae */
    float x[BIO_MAX_MINUTIAE], y[BIO_MAX_MINUTIAE];
    int a[BIO_MAX_MINUTIAE];                   /* AU */
    float x0, y0, x1, y1;                      /* minutiae box */
    /* minutiae by place, for pairing: cells of IX_GRID px from (gx0, gy0), gnx x gny of them;
       the minutiae of cell c are gidx[gstart[c] .. gstart[c + 1]) */
    float gx0, gy0;
    int gnx, gny;
    uint16_t *gstart;                          /* owned */
    uint8_t gidx[BIO_MAX_MINUTIAE];
    float cs[IX_AU], sn[IX_AU];                /* cos, sin of each angle unit */
    uint64_t bits[IX_NWORDS];                  /* keys with entries */
    uint32_t rank[IX_NWORDS];                  /* keys with entries before each word */
    uint32_t *row;                             /* entries of the r-th filed key start at
                                                  row[r]; rows + 1 values; owned */
    uint32_t *e;                               /* entries: segment direction (AU) | pair << 10;
                                                  owned */
    float *pm;                                 /* per ordered pair: midpoint x, y in cell units
                                                  (ix_cell), cos and sin of its direction over
                                                  the cell size; owned */
};

typedef struct ix_ppair {
    float d, mx, my;
    int beta, ai, aj;
} ix_ppair;

bio_status bio_index_table_new(const bio_template *t, bio_index_table **out, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_index_table *p = NULL;
    ix_ppair *pp = NULL;
    uint32_t *fill = NULL;
    if (out != NULL)
        *out = NULL;
    if (t == NULL || out == NULL)
        return bio_fail(msg, BIO_EINVAL, "index: probe template and output are required");
    if (t->count > BIO_MAX_MINUTIAE)
        return bio_fail(msg, BIO_EINVAL, "index: probe has %u minutiae, at most %d", t->count,
                        BIO_MAX_MINUTIAE);
    size_t maxp = (size_t)t->count * (t->count > 0 ? t->count - 1 : 0);
    p = calloc(1, sizeof *p);
    pp = malloc((maxp ? maxp : 1) * sizeof *pp);
    fill = calloc(IX_NKEYS, sizeof *fill);
    if (p == NULL || pp == NULL || fill == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for the probe table");
        goto out;
    }
    for (int k = 0; k < IX_AU; k++) {
        p->cs[k] = (float)cos(2 * IX_PI * k / IX_AU);
        p->sn[k] = (float)sin(2 * IX_PI * k / IX_AU);
    }
    /* the probe's directions rounded to ISO units, as the gallery stores its fingers' */
    unsigned xi[BIO_MAX_MINUTIAE] = {0}, yi[BIO_MAX_MINUTIAE] = {0};
    for (int i = 0; i < t->count; i++) {
        xi[i] = t->m[i].x;
        yi[i] = t->m[i].y;
        p->a[i] = bio_angle_to_iso(t->m[i].angle) * (IX_AU / 256);
    }
    bio_index_frame fr = {t->width, t->height, t->res_x, t->res_y};
    p->n = t->count;
    ix_place(xi, yi, p->n, &fr, p->x, p->y);
    for (int i = 0; i < p->n; i++) {
        if (i == 0 || p->x[i] < p->x0)
            p->x0 = p->x[i];
        if (i == 0 || p->x[i] > p->x1)
            p->x1 = p->x[i];
        if (i == 0 || p->y[i] < p->y0)
            p->y0 = p->y[i];
        if (i == 0 || p->y[i] > p->y1)
            p->y1 = p->y[i];
    }
    /* the grid of minutiae for pairing, with a free cell of margin around the box */
    p->gx0 = p->x0 - IX_GRID;
    p->gy0 = p->y0 - IX_GRID;
    p->gnx = p->n ? (int)fminf((p->x1 - p->x0) / IX_GRID + 3, IX_GRID_MAX) : 1;
    p->gny = p->n ? (int)fminf((p->y1 - p->y0) / IX_GRID + 3, IX_GRID_MAX) : 1;
    p->gstart = calloc((size_t)p->gnx * (size_t)p->gny + 1, sizeof *p->gstart);
    if (p->gstart == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for the probe grid");
        goto out;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->n; i++) {
            int gx = (int)((p->x[i] - p->gx0) / IX_GRID), gy = (int)((p->y[i] - p->gy0) / IX_GRID);
            int c = (gy < p->gny ? gy : p->gny - 1) * p->gnx + (gx < p->gnx ? gx : p->gnx - 1);
            if (pass == 0)
                p->gstart[c + 1]++;
            else
                p->gidx[fill[c]++] = (uint8_t)i;
        }
        if (pass == 0)
            for (int c = 0; c < p->gnx * p->gny; c++) {
                p->gstart[c + 1] = (uint16_t)(p->gstart[c + 1] + p->gstart[c]);
                fill[c] = p->gstart[c];
            }
    }
    memset(fill, 0, IX_NKEYS * sizeof *fill);
    /* every ordered pair within reach of a gallery pair's length, and the entries it makes */
    size_t npp = 0, nent = 0;
    for (int i = 0; i < p->n; i++)
        for (int j = 0; j < p->n; j++) {
            float dx = p->x[j] - p->x[i], dy = p->y[j] - p->y[i];
            float d = sqrtf(dx * dx + dy * dy);
            if (i == j || d < IX_DMIN - IX_TOL_D || d > IX_DMAX + IX_TOL_D)
                continue;
            int beta = ix_atan2_au(dy, dx);
            pp[npp++] = (ix_ppair){d, (p->x[i] + p->x[j]) * 0.5f, (p->y[i] + p->y[j]) * 0.5f,
                                   beta, (p->a[i] - beta) & (IX_AU - 1),
                                   (p->a[j] - beta) & (IX_AU - 1)};
        }
    p->pm = malloc((npp ? npp : 1) * 4 * sizeof *p->pm);
    if (p->pm == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for %zu probe pairs", npp);
        goto out;
    }
    /* pass 0 counts the entries of each key, pass 1 files them */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            uint32_t r = 0, s = 0;
            for (int w = 0; w < IX_NWORDS; w++)
                for (int b = 0; b < 64 && w * 64 + b < IX_NKEYS; b++)
                    r += fill[w * 64 + b] != 0;
            p->row = malloc((r + 1) * sizeof *p->row);
            p->e = calloc(nent + IX_FLAT, sizeof *p->e); /* padded: see ix_hough() */
            if (p->row == NULL || p->e == NULL) {
                st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for %zu probe entries",
                              nent);
                goto out;
            }
            r = 0;
            for (int w = 0; w < IX_NWORDS; w++) {
                p->rank[w] = r;
                for (int b = 0; b < 64 && w * 64 + b < IX_NKEYS; b++) {
                    uint32_t c = fill[w * 64 + b];
                    if (c == 0)
                        continue;
                    p->bits[w] |= (uint64_t)1 << b;
                    p->row[r++] = s;
                    fill[w * 64 + b] = s;      /* from now on: where the next entry goes */
                    s += c;
                }
            }
            p->row[r] = s;
        }
        for (size_t q = 0; q < npp; q++) {
            const ix_ppair *P = &pp[q];
            int d0 = ix_dbin(P->d - IX_TOL_D), d1 = ix_dbin(P->d + IX_TOL_D);
            /* sectors of the tolerance box; + IX_AU keeps the operands non-negative (a whole
               turn is IX_NA sectors, which the mask removes again) */
            int a0 = (P->ai - IX_TOL_A + IX_AU) / IX_SECTOR;
            int a1 = (P->ai + IX_TOL_A + IX_AU) / IX_SECTOR;
            int b0 = (P->aj - IX_TOL_A + IX_AU) / IX_SECTOR;
            int b1 = (P->aj + IX_TOL_A + IX_AU) / IX_SECTOR;
            for (int qd = d0; qd <= d1; qd++)
                for (int qa = a0; qa <= a1; qa++)
                    for (int qb = b0; qb <= b1; qb++) {
                        int k = (qd * IX_NA + (qa & (IX_NA - 1))) * IX_NA + (qb & (IX_NA - 1));
                        if (pass == 0) {
                            fill[k]++;
                            nent++;
                        } else {
                            p->e[fill[k]++] = (uint32_t)P->beta | (uint32_t)q << 10;
                        }
                    }
            if (pass == 1) {
                p->pm[4 * q] = P->mx / IX_XY_BIN + IX_ORIGIN;
                p->pm[4 * q + 1] = P->my / IX_XY_BIN + IX_ORIGIN;
                p->pm[4 * q + 2] = p->cs[P->beta] / IX_XY_BIN;
                p->pm[4 * q + 3] = p->sn[P->beta] / IX_XY_BIN;
            }
        }
    }
    *out = p;
    p = NULL;
out:
    bio_index_table_free(p);
    free(pp);
    free(fill);
    return st;
}

void bio_index_table_free(bio_index_table *p)
{
    if (p == NULL)
        return;
    free(p->row);
    free(p->e);
    free(p->pm);
    free(p->gstart);
    free(p);
}

/* ---- scratch ---- */

struct bio_index_scratch {
    uint16_t c[IX_CELLS];                      /* vote counts, zero between fingers */
    uint32_t hit[BIO_INDEX_MAX_PAIRS];         /* pair records whose key is filed */
    uint32_t vb[IX_MAX_VOTES];                 /* cell of each vote (lowest corner) */
    uint64_t flat[IX_MAX_VOTES];               /* stage A: entry << 16 | hit */
    int hbg[BIO_INDEX_MAX_PAIRS];              /* stage A, per hit: segment direction (AU) */
    float hlx[BIO_INDEX_MAX_PAIRS], hly[BIO_INDEX_MAX_PAIRS]; /* and turned midpoint */
    int16_t vr[IX_MAX_VOTES];                  /* stage B: each vote's rotation (signed AU) */
    uint16_t vp[IX_MAX_VOTES];                 /* its probe pair */
    float vx[IX_MAX_VOTES], vy[IX_MAX_VOTES];  /* and translation */
};

bio_status bio_index_scratch_new(bio_index_scratch **out, bio_msg *msg)
{
    if (out == NULL)
        return bio_fail(msg, BIO_EINVAL, "index: no output pointer");
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return bio_fail(msg, BIO_ENOMEM, "index: out of memory for scratch");
    return BIO_OK;
}

void bio_index_scratch_free(bio_index_scratch *s)
{
    free(s);
}

/* Count the votes vb[0..nv) into the 2x2x2 cells above each; return the largest count. */
static unsigned ix_count(bio_index_scratch *s, int nv)
{
    unsigned best = 0;
    for (int t = 0; t < nv; t++) {
        uint16_t *c = s->c + s->vb[t];
        uint16_t *q[4] = {c, c + IX_NXY, c + IX_NXY * IX_NXY, c + IX_NXY * IX_NXY + IX_NXY};
        for (int z = 0; z < 4; z++) {
            uint32_t w;
            memcpy(&w, q[z], sizeof w);
            w += 0x00010001u;
            memcpy(q[z], &w, sizeof w);
            unsigned lo = w & 0xffff, hi = w >> 16, m = lo > hi ? lo : hi;
            best = m > best ? m : best;
        }
    }
    return best;
}

static void ix_clear(bio_index_scratch *s, int nv)
{
    for (int t = 0; t < nv; t++) {
        uint16_t *c = s->c + s->vb[t];
        memset(c, 0, 2 * sizeof *c);
        memset(c + IX_NXY, 0, 2 * sizeof *c);
        memset(c + IX_NXY * IX_NXY, 0, 2 * sizeof *c);
        memset(c + IX_NXY * IX_NXY + IX_NXY, 0, 2 * sizeof *c);
    }
}

/* Lowest corner of the 2x2x2 cells of placement (signed rotation ths; translation fx, fy in
   cell units), and whether it is inside the accumulator. Unsigned arithmetic: a rejected
   vote's cell is never used. */
static inline uint32_t ix_cell(int ths, float fx, float fy, uint32_t *ok)
{
    /* floor - 1 for values above -1; below that the cast truncates towards zero and the
       result is still negative */
    uint32_t ix = (uint32_t)((int)fx - 1), iy = (uint32_t)((int)fy - 1);
    uint32_t r = (uint32_t)(ths + IX_MAX_ROT);
    *ok = (r <= 2 * IX_MAX_ROT) & (ix < IX_NXY - 1) & (iy < IX_NXY - 1);
    return ((r / IX_ROT_BIN) * IX_NXY + ix) * IX_NXY + iy;
}

/* ---- stage A ---- */

#define IX_POPCOUNT __builtin_popcountll

/* The body of stage A; compiled twice (with and without the popcnt instruction). */
__attribute__((always_inline)) static inline float ix_hough(const bio_index_table *p,
                                                            const uint32_t *mins, int n,
                                                            const bio_index_frame *f,
                                                            const uint32_t *pairs, int np,
                                                            bio_index_scratch *s)
{
    float gx[IX_MAXM], gy[IX_MAXM];
    int ga[IX_MAXM];
    if (n > IX_MAXM)
        n = IX_MAXM;
    if (np > BIO_INDEX_MAX_PAIRS)
        np = BIO_INDEX_MAX_PAIRS;
    ix_unpack(mins, n, f, gx, gy, ga);
    /* pairs whose key the probe filed */
    int nh = 0;
    for (int q = 0; q < np; q++) {
        uint32_t k = pairs[q] & IX_KEY_MASK;
        s->hit[nh] = pairs[q];
        nh += (int)((p->bits[k / 64] >> (k % 64)) & 1);
    }
    /* each hit's pair in its own frame, and its entries gathered into one flat list: the
       first IX_FLAT of a key's entries are copied whether they exist or not (the entry array
       is padded), so only the rare longer rows take a loop whose end the CPU cannot guess */
    int nf = 0;
    for (int h = 0; h < nh; h++) {
        uint32_t rec = s->hit[h], k = rec & IX_KEY_MASK;
        uint64_t w = p->bits[k / 64];
        uint32_t r = p->rank[k / 64] + (uint32_t)IX_POPCOUNT(w & (((uint64_t)1 << (k % 64)) - 1));
        int u = (int)(rec >> 18) & (IX_MAXM - 1), v = (int)(rec >> 25);
        u = u < n ? u : 0; /* records of another template: harmless, never read beyond */
        v = v < n ? v : 0;
        /* segment direction from the first end's direction and its sector's centre */
        int bg = (ga[u] - (int)((k / IX_NA) % IX_NA) * IX_SECTOR - IX_SECTOR / 2) &
                 (IX_AU - 1);
        /* the pair's midpoint turned into the pair's own frame: R(-bg) m */
        float mx = (gx[u] + gx[v]) * 0.5f, my = (gy[u] + gy[v]) * 0.5f;
        float c = p->cs[bg], sn = p->sn[bg];
        s->hbg[h] = bg;
        s->hlx[h] = c * mx + sn * my;
        s->hly[h] = c * my - sn * mx;
        uint32_t e0 = p->row[r], cnt = p->row[r + 1] - e0;
        if (nf + (int)cnt + IX_FLAT > IX_MAX_VOTES)
            break;
        for (int z = 0; z < IX_FLAT; z++)
            s->flat[nf + z] = (uint64_t)p->e[e0 + (uint32_t)z] << 16 | (uint64_t)h;
        if (cnt > IX_FLAT)
            for (uint32_t z = IX_FLAT; z < cnt; z++)
                s->flat[nf + (int)z] = (uint64_t)p->e[e0 + z] << 16 | (uint64_t)h;
        nf += (int)cnt;
    }
    /* the entries whose rotation is within range, compacted in place first: about half of
       them (97 -> 52 for a 40-minutia finger), so the placement is computed for those only
       (5 % of stage A; a separate pass, not a test while copying, which the copy's
       dependency made slower) */
    int nr = 0;
    for (int q = 0; q < nf; q++) {
        uint64_t fl = s->flat[q];
        uint32_t E = (uint32_t)(fl >> 16), h = (uint32_t)fl & 0xffff;
        uint32_t th = ((E & (IX_AU - 1)) - (uint32_t)s->hbg[h] + IX_MAX_ROT) & (IX_AU - 1);
        s->flat[nr] = fl;
        nr += th <= 2 * IX_MAX_ROT;
    }
    nf = nr;
    /* a vote for each agreeing probe pair whose placement is inside the accumulator */
    int nv = 0;
    for (int q = 0; q < nf; q++) {
        uint64_t fl = s->flat[q];
        uint32_t E = (uint32_t)(fl >> 16), h = (uint32_t)fl & 0xffff;
        const float *P = p->pm + 4 * (E >> 10);
        int th = ((int)(E & (IX_AU - 1)) - s->hbg[h]) & (IX_AU - 1);
        int ths = ((th + IX_AU / 2) & (IX_AU - 1)) - IX_AU / 2;
        float lx = s->hlx[h], ly = s->hly[h];
        /* placement mapping the gallery pair onto the probe pair: R(beta_p) R(-bg) */
        float fx = P[0] - (P[2] * lx - P[3] * ly), fy = P[1] - (P[3] * lx + P[2] * ly);
        uint32_t ok;
        s->vb[nv] = ix_cell(ths, fx, fy, &ok);
        nv += (int)ok;
    }
    unsigned best = ix_count(s, nv);
    ix_clear(s, nv);
    return (float)best / sqrtf((float)np + 20.0f);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("popcnt"))) static float
ix_hough_popcnt(const bio_index_table *p, const uint32_t *mins, int n, const bio_index_frame *f,
                const uint32_t *pairs, int np, bio_index_scratch *s)
{
    return ix_hough(p, mins, n, f, pairs, np, s);
}
#endif

float bio_index_hough(const bio_index_table *p, const uint32_t *mins, int n,
                      const bio_index_frame *f, const uint32_t *pairs, int np,
                      bio_index_scratch *s)
{
    if (p == NULL || mins == NULL || f == NULL || pairs == NULL || s == NULL || n < 2 ||
        np < 1)
        return 0;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("popcnt"))
        return ix_hough_popcnt(p, mins, n, f, pairs, np, s);
#endif
    return ix_hough(p, mins, n, f, pairs, np, s);
}

/* ---- stage B ---- */

/* Does the cell with lowest corner `cell` (as voted) fall in the 2x2x2 cells of vote t? */
static int ix_in(uint32_t vote, uint32_t cell)
{
    int vr = (int)(vote / (IX_NXY * IX_NXY)), vx = (int)(vote / IX_NXY % IX_NXY),
        vy = (int)(vote % IX_NXY);
    int cr = (int)(cell / (IX_NXY * IX_NXY)), cx = (int)(cell / IX_NXY % IX_NXY),
        cy = (int)(cell % IX_NXY);
    return cr - vr >= 0 && cr - vr <= 1 && cx - vx >= 0 && cx - vx <= 1 && cy - vy >= 0 &&
           cy - vy <= 1;
}

static int ix_adjacent(uint32_t a, uint32_t b)
{
    int ar = (int)(a / (IX_NXY * IX_NXY)), ax = (int)(a / IX_NXY % IX_NXY),
        ay = (int)(a % IX_NXY);
    int br = (int)(b / (IX_NXY * IX_NXY)), bx = (int)(b / IX_NXY % IX_NXY),
        by = (int)(b % IX_NXY);
    return abs(ar - br) <= 1 && abs(ax - bx) <= 1 && abs(ay - by) <= 1;
}

/*
 * Pairing under the placement of cell `cell`: the votes in it averaged into one rotation and
 * translation, the finger's minutiae (x, y, a; n of them) moved by it and paired one to one
 * with the probe's, nearest first, within a distance that grows away from the anchor (the
 * centre of the voting probe pairs). paired^2 / (overlap x overlap), 0..1.
 */
static float ix_pairing(const bio_index_table *p, const bio_index_scratch *s, int nv,
                        uint32_t cell, const float *x, const float *y, const int *a, int n)
{
    double sr = 0, sx = 0, sy = 0, ax = 0, ay = 0;
    int k = 0;
    for (int t = 0; t < nv; t++) {
        if (!ix_in(s->vb[t], cell))
            continue;
        sr += s->vr[t];
        sx += (double)s->vx[t];
        sy += (double)s->vy[t];
        ax += (double)p->pm[4 * s->vp[t]];
        ay += (double)p->pm[4 * s->vp[t] + 1];
        k++;
    }
    if (k == 0)
        return 0;
    int th = (int)lround(sr / k) & (IX_AU - 1);
    float c = p->cs[th], sn = p->sn[th], tx = (float)(sx / k), ty = (float)(sy / k);
    /* the anchor, back from cell units to px */
    float ox = ((float)(ax / k) - IX_ORIGIN) * IX_XY_BIN;
    float oy = ((float)(ay / k) - IX_ORIGIN) * IX_XY_BIN;
    unsigned char used[BIO_MAX_MINUTIAE] = {0};
    float bx0 = 0, bx1 = 0, by0 = 0, by1 = 0;
    int m = 0, nc = 0, npr = 0;
    for (int u = 0; u < n; u++) {
        float X = c * x[u] - sn * y[u] + tx, Y = sn * x[u] + c * y[u] + ty;
        if (u == 0 || X < bx0)
            bx0 = X;
        if (u == 0 || X > bx1)
            bx1 = X;
        if (u == 0 || Y < by0)
            by0 = Y;
        if (u == 0 || Y > by1)
            by1 = Y;
        nc += X >= p->x0 - IX_MARGIN && X <= p->x1 + IX_MARGIN && Y >= p->y0 - IX_MARGIN &&
              Y <= p->y1 + IX_MARGIN;
        /* the probe minutiae within IX_PAIR_DMAX lie in the 3x3 grid cells around (X, Y) */
        float gxf = (X - p->gx0) / IX_GRID, gyf = (Y - p->gy0) / IX_GRID;
        if (gxf < -1 || gyf < -1 || gxf >= (float)p->gnx + 1 || gyf >= (float)p->gny + 1)
            continue; /* more than a cell beyond the probe's box: nothing near */
        int cx = (int)(gxf + 1) - 1, cy = (int)(gyf + 1) - 1;
        int x0 = cx > 0 ? cx - 1 : 0, x1 = cx + 1 < p->gnx - 1 ? cx + 1 : p->gnx - 1;
        int y0 = cy > 0 ? cy - 1 : 0, y1 = cy + 1 < p->gny - 1 ? cy + 1 : p->gny - 1;
        float dx0 = X - ox, dy0 = Y - oy;
        float tol = IX_PAIR_D0 + IX_PAIR_GROW * sqrtf(dx0 * dx0 + dy0 * dy0);
        tol = tol < IX_PAIR_DMAX ? tol : IX_PAIR_DMAX;
        int best = -1, au = (a[u] + th - IX_PAIR_A) & (IX_AU - 1);
        float bd = tol * tol;
        for (int gy = y0; gy <= y1; gy++)
            for (int q = p->gstart[gy * p->gnx + x0]; q < p->gstart[gy * p->gnx + x1 + 1]; q++) {
                int i = p->gidx[q];
                float dx = p->x[i] - X, dy = p->y[i] - Y, d2 = dx * dx + dy * dy;
                /* direction within IX_PAIR_A either way: one comparison */
                int ok = (d2 < bd) & !used[i] & (((p->a[i] - au) & (IX_AU - 1)) <= 2 * IX_PAIR_A);
                bd = ok ? d2 : bd;
                best = ok ? i : best;
            }
        if (best >= 0) {
            used[best] = 1;
            m++;
        }
    }
    for (int i = 0; i < p->n; i++)
        npr += p->x[i] >= bx0 - IX_MARGIN && p->x[i] <= bx1 + IX_MARGIN &&
               p->y[i] >= by0 - IX_MARGIN && p->y[i] <= by1 + IX_MARGIN;
    if (nc < IX_MIN_OVERLAP)
        nc = IX_MIN_OVERLAP;
    if (npr < IX_MIN_OVERLAP)
        npr = IX_MIN_OVERLAP;
    double g = (double)m * m / ((double)nc * npr);
    return (float)(g > 1 ? 1 : g);
}

float bio_index_refine(const bio_index_table *p, const uint32_t *mins, int n,
                       const bio_index_frame *f, const uint32_t *pairs, int np,
                       bio_index_scratch *s)
{
    float x[BIO_MAX_MINUTIAE], y[BIO_MAX_MINUTIAE];
    int a[BIO_MAX_MINUTIAE];
    if (p == NULL || mins == NULL || f == NULL || pairs == NULL || s == NULL || n < 2 ||
        np < 1)
        return 0;
    if (n > BIO_MAX_MINUTIAE)
        n = BIO_MAX_MINUTIAE;
    if (np > BIO_INDEX_MAX_PAIRS)
        np = BIO_INDEX_MAX_PAIRS;
    ix_unpack(mins, n, f, x, y, a);
    int nv = 0;
    for (int q = 0; q < np; q++) {
        uint32_t rec = pairs[q], k = rec & IX_KEY_MASK;
        uint64_t w = p->bits[k / 64];
        if (!(w >> (k % 64) & 1))
            continue;
        uint32_t r = p->rank[k / 64] + (uint32_t)__builtin_popcountll(
                                           w & (((uint64_t)1 << (k % 64)) - 1));
        int u = (int)(rec >> 18) & (IX_MAXM - 1), v = (int)(rec >> 25);
        if (u >= n || v >= n)
            continue;
        int bg = ix_atan2_au(y[v] - y[u], x[v] - x[u]);
        float mx = (x[u] + x[v]) * 0.5f, my = (y[u] + y[v]) * 0.5f;
        float c = p->cs[bg], sn = p->sn[bg];
        float lx = c * mx + sn * my, ly = c * my - sn * mx;
        for (uint32_t e = p->row[r]; e < p->row[r + 1] && nv < IX_MAX_VOTES; e++) {
            uint32_t E = p->e[e];
            const float *P = p->pm + 4 * (E >> 10);
            int th = ((int)(E & (IX_AU - 1)) - bg) & (IX_AU - 1);
            int ths = ((th + IX_AU / 2) & (IX_AU - 1)) - IX_AU / 2;
            float fx = P[0] - (P[2] * lx - P[3] * ly), fy = P[1] - (P[3] * lx + P[2] * ly);
            uint32_t ok;
            uint32_t cell = ix_cell(ths, fx, fy, &ok);
            if (!ok)
                continue;
            s->vb[nv] = cell;
            s->vp[nv] = (uint16_t)(E >> 10);
            s->vr[nv] = (int16_t)ths;
            s->vx[nv] = (fx - IX_ORIGIN) * IX_XY_BIN;
            s->vy[nv] = (fy - IX_ORIGIN) * IX_XY_BIN;
            nv++;
        }
    }
    unsigned best = ix_count(s, nv);
    /* the strongest cells, no two adjacent, and the best pairing any of them gives */
    uint32_t top[IX_TOP];
    int ntop = 0;
    for (int z = 0; z < IX_TOP; z++) {
        unsigned bc = 0;
        uint32_t bcell = 0;
        for (int t = 0; t < nv; t++)
            for (uint32_t o = 0; o < 8; o++) {
                uint32_t cell = s->vb[t] + (o >> 2) * IX_NXY * IX_NXY + ((o >> 1) & 1) * IX_NXY +
                                (o & 1);
                unsigned cnt = s->c[cell];
                if (cnt <= bc)
                    continue;
                int clash = 0;
                for (int q = 0; q < ntop; q++)
                    clash |= ix_adjacent(top[q], cell);
                if (!clash) {
                    bc = cnt;
                    bcell = cell;
                }
            }
        if (bc < 2)
            break;
        top[ntop++] = bcell;
    }
    ix_clear(s, nv);
    float g = 0;
    for (int z = 0; z < ntop; z++) {
        float gz = ix_pairing(p, s, nv, top[z], x, y, a, n);
        g = gz > g ? gz : g;
    }
    /* the pairing weighs more than the vote: it is what separates weak mates (g^1.5 ranks
       them best, docs/internals/bio-search.md) */
    float g1 = g + 0.01f;
    return (float)best / sqrtf((float)np + 20.0f) * g1 * sqrtf(g1);
}
