/*
 * index_verify.c - the second ranking stage of 1:N search: pair-feature geometric
 * verification by a generalized Hough transform (see index.h).
 *
 * Angles are integers in units of 1/1024 turn (AU) so that wrapping is a mask, not fmod; the
 * gallery's ISO angles (1/256 turn) are exact in them. Coordinates are 500 dpi pixels with y
 * up (ISO angles are counter-clockwise as a person sees the image).
 *
 * Probe table: a bucket per key (distance bin, sector of each end's relative direction), in
 * compressed-row form (start[] offsets into one entry array). Each ordered probe pair is filed
 * under every key its tolerance box touches (at most 2 x 2 x 2), so a gallery pair is looked up
 * under its own key only.
 *
 * Accumulator: open addressing with a generation tag per slot, so it needs no clearing between
 * gallery fingers; a full table drops votes (never loops).
 * Never: allocate in bio_index_verify(), keep global state.
 */
#include "bio/index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IV_PI 3.14159265358979323846
#define IV_AU 1024                       /* angle units a turn */
#ifndef IV_DMAX_PX
#define IV_DMAX_PX 150
#endif
#define IV_DMIN 14.0f
#define IV_DMAX ((float)IV_DMAX_PX)
#define IV_DSTEP 8.0f
#define IV_ND ((IV_DMAX_PX - 14) / 8 + 1) /* distance bins */
#define IV_NA 16                         /* direction sectors */
#define IV_SECTOR (IV_AU / IV_NA)
#define IV_NKEYS (IV_ND * IV_NA * IV_NA)
/* Tolerances: 5 px and 14 degrees find the same mates as 6 px and 17 (10k gallery, FVC
   probes) 20% faster; 4 px and 11 degrees lose some. */
#define IV_TOL_D 5.0f                    /* px */
#define IV_TOL_A 40                      /* AU, about 14 degrees */
#define IV_MAX_ROT 284                   /* AU, 100 degrees */
#define IV_ROT_BIN 32                    /* AU, 11.25 degrees */
#define IV_XY_BIN 20.0f                  /* px */
#define IV_SLOTS 16384                   /* accumulator, power of two */
#define IV_MAX_VOTES 8192                /* votes kept for refining the best alignment */
/* Minutiae paired under the alignment within 8 px + 0.2 x the distance from the anchor (the
   agreeing pairs' centre), at most 32 px: skin distortion accumulates with distance, as in
   stage B (index.c) and the 1:1 matcher's global term. Weak mates rank about twice as high as
   with a fixed 14 px (docs/internals/bio-search.md). */
#define IV_PAIR_D0 8.0f
#define IV_PAIR_GROW 0.2f
#define IV_PAIR_DMAX 32.0f
#define IV_PAIR_A 64                     /* AU, 22.5 degrees */
#define IV_MARGIN 8.0f                   /* px around the other print's box: overlap */
#define IV_MIN_OVERLAP 10

typedef struct iv_entry {
    float d;
    int16_t ai, aj, beta;                /* AU */
    int16_t i;                           /* probe minutia at the pair's start */
} iv_entry;

struct bio_index_probe {
    int n;
    float x[BIO_MAX_MINUTIAE], y[BIO_MAX_MINUTIAE];
    int16_t a[BIO_MAX_MINUTIAE];         /* directions, AU */
    float x0, y0, x1, y1;                /* bounding box */
    float cs[IV_AU], sn[IV_AU];          /* cos, sin of each angle unit */
    uint32_t start[IV_NKEYS + 1];
    iv_entry *e;                         /* start[IV_NKEYS] entries; owned */
};

struct bio_index_acc {
    uint32_t g;                          /* current generation */
    uint32_t gen[IV_SLOTS];
    uint32_t key[IV_SLOTS];
    uint16_t cnt[IV_SLOTS];
    int nv;                              /* votes kept */
    int16_t vr[IV_MAX_VOTES];            /* rotation (signed AU) */
    float vx[IV_MAX_VOTES], vy[IV_MAX_VOTES];
    int16_t vi[IV_MAX_VOTES];            /* probe minutia of the vote's pair */
};

static int iv_angle(double a)            /* radians (any) -> AU in [0, 1024) */
{
    long u = lround(a * (IV_AU / (2 * IV_PI)));
    return (int)(u & (IV_AU - 1));
}

/*
 * atan2(y, x) in AU, by a minimax polynomial for atan on [0, 1] (error about 1e-5 rad, far
 * below an AU): libm's atan2f was a fifth of the verification's time.
 */
static int iv_atan2_au(float y, float x)
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
    return (int)(r * (float)(IV_AU / (2 * IV_PI)) + (IV_AU + 0.5f)) & (IV_AU - 1);
}

static int iv_dbin(float d)
{
    int q = (int)((d - IV_DMIN) / IV_DSTEP);
    return q < 0 ? 0 : q >= IV_ND ? IV_ND - 1 : q;
}

bio_status bio_index_probe_new(const bio_template *t, bio_index_probe **out, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_index_probe *p = NULL;
    int16_t *ang = NULL;
    if (out != NULL)
        *out = NULL;
    if (t == NULL || out == NULL)
        return bio_fail(msg, BIO_EINVAL, "index: probe template and output are required");
    if (t->count > BIO_MAX_MINUTIAE)
        return bio_fail(msg, BIO_EINVAL, "index: probe has %u minutiae, at most %d", t->count,
                        BIO_MAX_MINUTIAE);
    p = calloc(1, sizeof *p);
    ang = malloc(BIO_MAX_MINUTIAE * sizeof *ang);
    if (p == NULL || ang == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for the probe table");
        goto out;
    }
    for (int k = 0; k < IV_AU; k++) {
        p->cs[k] = (float)cos(2 * IV_PI * k / IV_AU);
        p->sn[k] = (float)sin(2 * IV_PI * k / IV_AU);
    }
    double sx = t->res_x ? 197.0 / t->res_x : 1.0, sy = t->res_y ? 197.0 / t->res_y : 1.0;
    p->n = t->count;
    for (int i = 0; i < p->n; i++) {
        p->x[i] = (float)(t->m[i].x * sx);
        p->y[i] = (float)(-(t->m[i].y * sy));
        ang[i] = (int16_t)iv_angle((double)t->m[i].angle);
        p->a[i] = ang[i];
        if (i == 0 || p->x[i] < p->x0)
            p->x0 = p->x[i];
        if (i == 0 || p->x[i] > p->x1)
            p->x1 = p->x[i];
        if (i == 0 || p->y[i] < p->y0)
            p->y0 = p->y[i];
        if (i == 0 || p->y[i] > p->y1)
            p->y1 = p->y[i];
    }
    /* pass 0 counts the entries of each key, pass 1 files them */
    uint32_t fill[IV_NKEYS];
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            uint32_t s = 0;
            for (int k = 0; k < IV_NKEYS; k++) {
                uint32_t c = p->start[k];
                p->start[k] = s;
                fill[k] = s;
                s += c;
            }
            p->start[IV_NKEYS] = s;
            p->e = malloc((s ? s : 1) * sizeof *p->e);
            if (p->e == NULL) {
                st = bio_fail(msg, BIO_ENOMEM, "index: out of memory for %u probe pairs", s);
                goto out;
            }
        }
        for (int i = 0; i < p->n; i++)
            for (int j = 0; j < p->n; j++) {
                if (i == j)
                    continue;
                float dx = p->x[j] - p->x[i], dy = p->y[j] - p->y[i];
                float d = sqrtf(dx * dx + dy * dy);
                if (d < IV_DMIN - IV_TOL_D || d > IV_DMAX + IV_TOL_D)
                    continue;
                int beta = iv_angle(atan2((double)dy, (double)dx));
                int ai = (ang[i] - beta) & (IV_AU - 1), aj = (ang[j] - beta) & (IV_AU - 1);
                int d0 = iv_dbin(d - IV_TOL_D), d1 = iv_dbin(d + IV_TOL_D);
                /* sectors of the tolerance box; + IV_AU keeps the operands non-negative (a
                   whole turn is IV_NA sectors, which the mask below removes again) */
                int a0 = (ai - IV_TOL_A + IV_AU) / IV_SECTOR;
                int a1 = (ai + IV_TOL_A + IV_AU) / IV_SECTOR;
                int b0 = (aj - IV_TOL_A + IV_AU) / IV_SECTOR;
                int b1 = (aj + IV_TOL_A + IV_AU) / IV_SECTOR;
                for (int qd = d0; qd <= d1; qd++)
                    for (int qa = a0; qa <= a1; qa++)
                        for (int qb = b0; qb <= b1; qb++) {
                            int k = (qd * IV_NA + (qa & (IV_NA - 1))) * IV_NA + (qb & (IV_NA - 1));
                            if (pass == 0) {
                                p->start[k]++;
                                continue;
                            }
                            p->e[fill[k]++] = (iv_entry){d, (int16_t)ai, (int16_t)aj,
                                                         (int16_t)beta, (int16_t)i};
                        }
            }
    }
    *out = p;
    p = NULL;
out:
    bio_index_probe_free(p);
    free(ang);
    return st;
}

void bio_index_probe_free(bio_index_probe *p)
{
    if (p == NULL)
        return;
    free(p->e);
    free(p);
}

bio_status bio_index_acc_new(bio_index_acc **out, bio_msg *msg)
{
    if (out == NULL)
        return bio_fail(msg, BIO_EINVAL, "index: no output pointer");
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return bio_fail(msg, BIO_ENOMEM, "index: out of memory for an accumulator");
    return BIO_OK;
}

void bio_index_acc_free(bio_index_acc *a)
{
    free(a);
}

/* One vote for cell key; returns the cell's count (0 when the table is full). */
static unsigned iv_vote(bio_index_acc *a, uint32_t key)
{
    uint32_t h = (key * 2654435761u) >> 18;
    for (int probe = 0; probe < 64; probe++, h = (h + 1) & (IV_SLOTS - 1)) {
        if (a->gen[h] != a->g) {
            a->gen[h] = a->g;
            a->key[h] = key;
            a->cnt[h] = 1;
            return 1;
        }
        if (a->key[h] == key)
            return a->cnt[h] < UINT16_MAX ? ++a->cnt[h] : a->cnt[h];
    }
    return 0;
}

static int iv_adiff(int a, int b)        /* |a - b| in AU, on the circle */
{
    int d = (a - b) & (IV_AU - 1);
    return d > IV_AU / 2 ? IV_AU - d : d;
}

/* 1 if the cell key (as voted) holds the vote (fr, fx, fy) */
static int iv_in_cell(uint32_t key, float fr, float fx, float fy)
{
    uint32_t ir = (uint32_t)fr, ix = (uint32_t)fx, iy = (uint32_t)fy;
    uint32_t kr = key >> 20, kx = (key >> 10) & 0x3ff, ky = key & 0x3ff;
    return (kr == (ir & 0x3ff) || kr == ((ir + 1) & 0x3ff)) && (kx == ix || kx == ix + 1) &&
           (ky == iy || ky == iy + 1);
}

/*
 * The alignment of the best cell, refined as the mean of the votes in it, and how well the
 * two prints agree under it: minutiae paired one to one (nearest first, within a distance
 * growing away from the anchor and IV_PAIR_A), squared, over the minutiae of each print inside
 * the other's box. 0..1; like the global term of the 1:1 matcher, a finger with many minutiae
 * gains nothing by chance.
 */
static float iv_pairing(const bio_index_probe *p, const float *x, const float *y,
                        const int *ang, int n, const bio_index_acc *acc, uint32_t key)
{
    double sr = 0, sx = 0, sy = 0, ax = 0, ay = 0;
    int k = 0;
    for (int i = 0; i < acc->nv; i++) {
        float fr = (float)(acc->vr[i] + 2 * IV_AU) / IV_ROT_BIN - 0.5f;
        float fx = acc->vx[i] / IV_XY_BIN + 512.0f - 0.5f;
        float fy = acc->vy[i] / IV_XY_BIN + 512.0f - 0.5f;
        if (!iv_in_cell(key, fr, fx, fy))
            continue;
        sr += acc->vr[i];
        sx += (double)acc->vx[i];
        sy += (double)acc->vy[i];
        ax += (double)p->x[acc->vi[i]];
        ay += (double)p->y[acc->vi[i]];
        k++;
    }
    if (k == 0)
        return 0;
    float ox = (float)(ax / k), oy = (float)(ay / k);
    int th = (int)lround(sr / k) & (IV_AU - 1);
    float c = p->cs[th], s = p->sn[th], tx = (float)(sx / k), ty = (float)(sy / k);
    unsigned char used[BIO_MAX_MINUTIAE] = {0};
    float bx0 = 0, bx1 = 0, by0 = 0, by1 = 0;
    int m = 0, nc = 0, np = 0;
    for (int u = 0; u < n; u++) {
        float X = c * x[u] - s * y[u] + tx, Y = s * x[u] + c * y[u] + ty;
        if (u == 0 || X < bx0)
            bx0 = X;
        if (u == 0 || X > bx1)
            bx1 = X;
        if (u == 0 || Y < by0)
            by0 = Y;
        if (u == 0 || Y > by1)
            by1 = Y;
        nc += X >= p->x0 - IV_MARGIN && X <= p->x1 + IV_MARGIN && Y >= p->y0 - IV_MARGIN &&
              Y <= p->y1 + IV_MARGIN;
        int best = -1, au = (ang[u] + th) & (IV_AU - 1);
        float dx0 = X - ox, dy0 = Y - oy;
        float tol = IV_PAIR_D0 + IV_PAIR_GROW * sqrtf(dx0 * dx0 + dy0 * dy0);
        tol = tol < IV_PAIR_DMAX ? tol : IV_PAIR_DMAX;
        float bd = tol * tol;
        for (int i = 0; i < p->n; i++) {
            float dx = p->x[i] - X, dy = p->y[i] - Y, d2 = dx * dx + dy * dy;
            if (d2 < bd && !used[i] && iv_adiff(p->a[i], au) <= IV_PAIR_A) {
                bd = d2;
                best = i;
            }
        }
        if (best >= 0) {
            used[best] = 1;
            m++;
        }
    }
    for (int i = 0; i < p->n; i++)
        np += p->x[i] >= bx0 - IV_MARGIN && p->x[i] <= bx1 + IV_MARGIN &&
              p->y[i] >= by0 - IV_MARGIN && p->y[i] <= by1 + IV_MARGIN;
    if (nc < IV_MIN_OVERLAP)
        nc = IV_MIN_OVERLAP;
    if (np < IV_MIN_OVERLAP)
        np = IV_MIN_OVERLAP;
    double g = (double)m * m / ((double)nc * np);
    return (float)(g > 1 ? 1 : g);
}

float bio_index_verify(const bio_index_probe *p, const uint32_t *packed, int n, uint16_t res_x,
                       uint16_t res_y, bio_index_acc *acc)
{
    float x[BIO_MAX_MINUTIAE], y[BIO_MAX_MINUTIAE];
    int ang[BIO_MAX_MINUTIAE];
    if (p == NULL || packed == NULL || acc == NULL || n < 2)
        return 0;
    if (n > BIO_MAX_MINUTIAE)
        n = BIO_MAX_MINUTIAE;
    if (++acc->g == 0) {                 /* generation wrapped: forget every tag */
        memset(acc->gen, 0, sizeof acc->gen);
        acc->g = 1;
    }
    float sx = res_x ? 197.0f / res_x : 1.0f, sy = res_y ? 197.0f / res_y : 1.0f;
    for (int i = 0; i < n; i++) {
        x[i] = (float)(packed[i] & 0x7ff) * sx;
        y[i] = -(float)((packed[i] >> 11) & 0x7ff) * sy;
        ang[i] = (int)((packed[i] >> 22) & 0xff) * (IV_AU / 256);
    }
    unsigned best = 0, votes = 0;
    uint32_t bestkey = 0;
    acc->nv = 0;
    const float dmin2 = IV_DMIN * IV_DMIN, dmax2 = IV_DMAX * IV_DMAX;
    for (int u = 0; u < n; u++)
        for (int v = u + 1; v < n; v++) {
            float dx = x[v] - x[u], dy = y[v] - y[u], d2 = dx * dx + dy * dy;
            if (d2 < dmin2 || d2 > dmax2)
                continue;
            float d = sqrtf(d2);
            int beta = iv_atan2_au(dy, dx);
            int au = (ang[u] - beta) & (IV_AU - 1), av = (ang[v] - beta) & (IV_AU - 1);
            int k = (iv_dbin(d) * IV_NA + au / IV_SECTOR) * IV_NA + av / IV_SECTOR;
            for (uint32_t e = p->start[k]; e < p->start[k + 1]; e++) {
                const iv_entry *E = &p->e[e];
                if (fabsf(E->d - d) > IV_TOL_D || iv_adiff(E->ai, au) > IV_TOL_A ||
                    iv_adiff(E->aj, av) > IV_TOL_A)
                    continue;
                int th = (E->beta - beta) & (IV_AU - 1);
                int ths = th > IV_AU / 2 ? th - IV_AU : th;  /* signed rotation */
                if (ths > IV_MAX_ROT || ths < -IV_MAX_ROT)
                    continue;
                float c = p->cs[th], s = p->sn[th];
                float tx = p->x[E->i] - (c * x[u] - s * y[u]);
                float ty = p->y[E->i] - (s * x[u] + c * y[u]);
                votes++;
                /* spread over the 2 nearest bins of each axis */
                float fr = (float)(ths + 2 * IV_AU) / IV_ROT_BIN - 0.5f;
                float fx = tx / IV_XY_BIN + 512.0f - 0.5f, fy = ty / IV_XY_BIN + 512.0f - 0.5f;
                if (!(fx >= 0 && fy >= 0 && fx <= 1020 && fy <= 1020))
                    continue; /* a shift beyond 10,000 px (or NaN): no finger moves that far */
                if (acc->nv < IV_MAX_VOTES) {
                    acc->vr[acc->nv] = (int16_t)ths;
                    acc->vx[acc->nv] = tx;
                    acc->vy[acc->nv] = ty;
                    acc->vi[acc->nv] = E->i;
                    acc->nv++;
                }
                uint32_t ir = (uint32_t)fr, ix = (uint32_t)fx, iy = (uint32_t)fy;
                for (uint32_t a = 0; a < 2; a++)
                    for (uint32_t b = 0; b < 2; b++)
                        for (uint32_t cc = 0; cc < 2; cc++) {
                            uint32_t key = ((ir + a) & 0x3ff) << 20 | (ix + b) << 10 | (iy + cc);
                            unsigned cnt = iv_vote(acc, key);
                            if (cnt > best) {
                                best = cnt;
                                bestkey = key;
                            }
                        }
            }
        }
    if (best < 2)
        return 0;
    /* the two views of the vote: its concentration, and the pairing it implies */
    double concentration = (double)best * best / (votes + 10.0);
    double pairing = iv_pairing(p, x, y, ang, n, acc, bestkey);
    /* the pairing to the power 1.5: it separates weak mates better than the vote */
    double g1 = pairing + 0.01;
    return (float)((concentration + 0.1) * g1 * sqrt(g1));
}
