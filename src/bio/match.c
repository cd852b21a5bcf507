/*
 * match.c - 1:1 matching with Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, "Minutia
 * Cylinder-Code: a new representation and matching technique for fingerprint recognition",
 * IEEE TPAMI 32(12), 2010), bit-based variant MCC16b, consolidated with LSS-R.
 *
 * A cylinder describes the neighbourhood (radius R) of one minutia in the minutia's own frame:
 * NS x NS spatial cells times ND direction bins; a cell is set when enough neighbouring
 * minutiae of the matching relative direction lie near it. Because each cylinder is expressed
 * relative to its minutia's position and direction, comparing two cylinders needs no global
 * alignment: rotation and translation drop out, and the local extent tolerates distortion.
 * Cells outside the convex hull of the minutiae (enlarged by OMEGA) are invalid, so partial
 * overlap only compares what both prints show.
 *
 * Consolidation (LSS-R): take the min(nA, nB) most similar cylinder pairs, relax their
 * similarities by the geometric compatibility of every two pairs (distance, direction
 * difference, radial angle), then average the relaxed similarity of the nP pairs that gained
 * the most. Parameters are the paper's.
 *
 * Global stage (global_score()): the local scores say which minutiae look alike, not whether
 * the whole prints agree. For each of the G_ANCHORS most relaxed pairs, the pairs compatible
 * with it fix a rigid transform (least squares); the minutiae of both prints are then paired
 * one to one within a distance tolerance that grows away from the anchor (skin distortion
 * accumulates with distance) and an angle tolerance, the transform is refitted on those pairs
 * and the pairing repeated. The best matched^2 / (overlap_A x overlap_B) over the anchors is
 * added to the MCC score (weight W_GLOBAL): on FVC2002 DB1..DB4_B this took the EER of the
 * small, dry DB3 prints from 5.35% to 2.9% and DB4 from 4.58% to 2.5% (docs/benchmarks.md).
 *
 * Ridge check (ridge_factor()): when both templates carry a ridge map (bio.h), an alignment's
 * global score is multiplied by how well it also lines up the ridge flow and the ridge spacing
 * of the overlap, and the checked global score weighs three times more (W_GLOBAL_RIDGE): a
 * genuine pair with few minutiae in common still shares its ridges, lucky impostor pairings
 * mostly do not. FVC2002 DB1..DB4_B EER 2.15/1.78/2.15/1.41% -> 1.78/1.43/1.43/0.42%.
 * Without maps the score is the minutiae-only one, put on the same FMR scale
 * (minutiae_only_scale()).
 *
 * Preparation (bio_prepare()) builds the cylinders once per template. The direction terms
 * (two erf each) depend on the minutia pair only and are computed once per neighbour; each
 * neighbour then adds its spatial Gaussian to the cells within 3 sigmaS of it only; cells are
 * tested against the hull with quick exact bounds first. Every cell sums the same terms in the
 * same order as the direct cell-by-cell loop: the cylinders are bit-identical to it (checked
 * on all FVC2002 B templates and .iso records), about 5x faster.
 *
 * Threading: bio_match() reads its arguments only and uses bounded stack space (~45 KB).
 * Never: print, allocate in bio_match(), keep global mutable state.
 */
#include "bio/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846

/* MCC parameters (paper defaults for MCC16b). */
#define NS 16
#define ND 6
#define R_CYL 70.0
#define SIGMA_S (28.0 / 3.0)
#define SIGMA_D (2.0 * PI_D / 9.0)
#define MU_PSI 0.01
#define OMEGA 50.0
#define MIN_VC 0.75
#define MIN_M 2
#define MIN_ME 0.60
#define DELTA_THETA (PI_D / 2.0)
/* LSS-R. */
#define MIN_NP 4
#define MAX_NP 12
#define MU_P 20.0
#define TAU_P 0.4
#define N_REL 5
#define W_R 0.5
#define MU_1 5.0
#define TAU_1 (-8.0 / 5.0)
#define MU_2 (PI_D / 12.0)
#define TAU_2 (-30.0)
#define MU_3 (PI_D / 12.0)
#define TAU_3 (-30.0)

/* Global stage (see global_score()). */
#define G_ANCHORS 10       /* alignments tried */
#define G_D0 10.0          /* pairing distance tolerance at the alignment centre, px */
#define G_DK 0.04          /* ... growing by this share of the distance from it */
#define G_DA (PI_D / 8.0)  /* direction tolerance */
#define G_MARGIN 8.0       /* a minutia counts in the overlap within this of the other hull */
#define G_MIN_OVERLAP 10
#define W_UNCLEAR 0.6      /* weight of a minutia outside its print's ridge map (see bio_prepare) */
#define G_SAME_TH 0.05     /* two alignments this close (radians, px at the anchor) are */
#define G_SAME_D 4.0       /* the same: tried once */
#define W_MCC 1.0
#define W_GLOBAL 0.05      /* weight of the global score, minutiae alone */
/* Ridge-map check of an alignment (see ridge_factor()), when both templates carry a map. */
#define W_GLOBAL_RIDGE 0.15 /* weight of the global score checked by the ridge maps */
#define R_ORIENT_LO 0.7    /* mean cos 2(orientation difference): factor 0 at or below */
#define R_PERIOD_LO 0.03   /* mean relative period difference: factor 1 at or below, */
#define R_PERIOD_HI 0.10   /* ... 0 at or above */
#define R_ROT_TOL 0.10     /* radians of residual rotation forgiven between the two ridge flows */
#define MAX_CAND 2048     /* candidate pairs in the global stage (stack) */

#define CELLS (NS * NS * ND)
#define WORDS (CELLS / 64)
#define MAX_PREP 128     /* minutiae kept per template (by quality) */
#define MAX_NR 64        /* pairs relaxed; bounds the stack of bio_match() */

/* A ridge-map cell (bio.h) in the matcher's frame. */
typedef struct ridge_cell {
    float x, y;          /* centre, 500 dpi, y up */
    float c2, s2;        /* cos, sin of twice the ridge orientation (counter-clockwise) */
    float p;             /* ridge period, px at 500 dpi */
} ridge_cell;

typedef struct cylinder {
    uint64_t bits[WORDS];
    uint64_t valid[WORDS];
    int m;               /* index of its minutia */
} cylinder;

struct bio_prepared {
    int n;               /* minutiae */
    double x[MAX_PREP], y[MAX_PREP], t[MAX_PREP]; /* 500 dpi, y up, angle counter-clockwise */
    double w[MAX_PREP];  /* weight in the global stage's counts: 1, or W_UNCLEAR (unclear cell) */
    int nc;              /* valid cylinders */
    cylinder *cyl;       /* nc cylinders; owned */
    int nh;              /* convex hull of the minutiae (counter-clockwise) */
    double h[MAX_PREP + 1][2];
    double bb[4];        /* its bounding box: min x, min y, max x, max y */
    uint64_t key;        /* content hash: bio_match(a, b) and (b, a) take the same order */
    /* Ridge map: rn cells (rc), and the grid to look them up: grid[row * rcols + col] is an
       index into rc or -1. Both in one block (rc owned; grid points into it). rn 0: none. */
    int rn, rcols, rrows;
    double rcell, rx0, ry0;   /* cell side and corner of cell (0, 0), template pixels */
    double kx, ky;            /* template pixels -> 500 dpi */
    ridge_cell *rc;
    int16_t *grid;
};

static double ang_diff(double a, double b)   /* a - b in [-pi, pi) */
{
    double d = a - b;
    if (d >= -PI_D && d < PI_D)
        return d;
    d = fmod(d, 2 * PI_D);
    if (d < -PI_D)
        d += 2 * PI_D;
    else if (d >= PI_D)
        d -= 2 * PI_D;
    return d;
}

static double sigmoid(double v, double mu, double tau)
{
    return 1.0 / (1.0 + exp(-tau * (v - mu)));
}

/* Convex hull (Andrew's monotone chain) of n points into hx/hy; returns its size. */
static int cmp_pt(const void *a, const void *b)
{
    const double *p = a, *q = b;
    if (p[0] != q[0])
        return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

static double cross(const double *o, const double *a, const double *b)
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static int hull(const bio_prepared *p, double (*h)[2])
{
    double pts[MAX_PREP][2];
    int n = p->n, k = 0;
    for (int i = 0; i < n; i++) {
        pts[i][0] = p->x[i];
        pts[i][1] = p->y[i];
    }
    qsort(pts, (size_t)n, sizeof pts[0], cmp_pt);
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], pts[i]) <= 0)
            k--;
        h[k][0] = pts[i][0];
        h[k][1] = pts[i][1];
        k++;
    }
    for (int i = n - 2, lo = k + 1; i >= 0; i--) {
        while (k >= lo && cross(h[k - 2], h[k - 1], pts[i]) <= 0)
            k--;
        h[k][0] = pts[i][0];
        h[k][1] = pts[i][1];
        k++;
    }
    k = k > 1 ? k - 1 : k;
    h[k][0] = h[0][0];   /* closed: h[k] = h[0], so edge i is h[i] -> h[i + 1] */
    h[k][1] = h[0][1];
    return k;
}

/* 1 if (x, y) lies inside the hull or within r of it; h is closed (h[nh] = h[0]). */
static int near_hull_r(const double (*h)[2], int nh, double x, double y, double r)
{

    if (nh < 3) {
        for (int i = 0; i < nh; i++)
            if ((x - h[i][0]) * (x - h[i][0]) + (y - h[i][1]) * (y - h[i][1]) <= r * r)
                return 1;
        return 0;
    }
    int in = 1;
    double pt[2] = {x, y};
    for (int i = 0; i < nh; i++)
        if (cross(h[i], h[i + 1], pt) < 0) {
            in = 0;
            break;
        }
    if (in)
        return 1;
    for (int i = 0; i < nh; i++) {
        const double *a = h[i], *b = h[i + 1];
        double dx = b[0] - a[0], dy = b[1] - a[1], l2 = dx * dx + dy * dy;
        double u = l2 > 0 ? ((x - a[0]) * dx + (y - a[1]) * dy) / l2 : 0;
        u = u < 0 ? 0 : (u > 1 ? 1 : u);
        double ex = a[0] + u * dx - x, ey = a[1] + u * dy - y;
        if (ex * ex + ey * ey <= r * r)
            return 1;
    }
    return 0;
}

/* Area of the direction Gaussian over one bin centred at alpha (erf form of the integral). */
static double gauss_dir(double alpha)
{
    const double half = PI_D / ND, s = SIGMA_D * sqrt(2.0);
    return 0.5 * (erf((alpha + half) / s) - erf((alpha - half) / s));
}

/*
 * near_hull_r(p's hull, x, y, OMEGA) for a cylinder cell, with quick answers first: outside
 * the hull's box + OMEGA, or farther than OMEGA (+ 1e-6) outside one edge's line, is out;
 * inside every edge's line by 1e-6 is in. Only the points near the boundaries take the exact
 * test, so the answer is near_hull_r()'s (the margins are far above the rounding error).
 */
static int cell_in_hull(const bio_prepared *p, const double (*en)[3], double x, double y)
{
    if (x < p->bb[0] - OMEGA || x > p->bb[2] + OMEGA || y < p->bb[1] - OMEGA ||
        y > p->bb[3] + OMEGA)
        return 0;
    if (p->nh < 3)
        return near_hull_r(p->h, p->nh, x, y, OMEGA);
    int in = 1;
    for (int k = 0; k < p->nh; k++) {
        double sd = en[k][0] * x + en[k][1] * y - en[k][2];
        if (sd < -OMEGA - 1e-6)
            return 0;
        if (sd < 1e-6)
            in = 0;
    }
    return in ? 1 : near_hull_r(p->h, p->nh, x, y, OMEGA);
}

static int cmp_quality_idx(const void *a, const void *b, const bio_template *t)
{
    int i = *(const int *)a, j = *(const int *)b;
    if (t->m[i].quality != t->m[j].quality)
        return t->m[j].quality - t->m[i].quality;
    return i - j;
}

/*
 * The ridge map of t in the matcher's frame (coordinates scaled by kx, ky to 500 dpi, y up;
 * orientations counter-clockwise like the minutiae's). A map that does not fit its own limits
 * (a decoded record is checked by the codec; a caller-built one might not be) is ignored.
 */
static bio_status prepare_ridge(const bio_template *t, double kx, double ky, bio_prepared *p,
                                bio_msg *msg)
{
    const bio_ridge_map *rm = &t->ridge;
    int nc = rm->cols * rm->rows, n = 0;
    if (rm->cols == 0 || rm->rows == 0 || rm->cell == 0 || rm->cols > BIO_RIDGE_MAX_SIDE ||
        rm->rows > BIO_RIDGE_MAX_SIDE || nc > BIO_RIDGE_MAX_CELLS)
        return BIO_OK;
    for (int i = 0; i < nc; i++)
        n += rm->v[i] != BIO_RIDGE_NONE;
    if (n == 0)
        return BIO_OK;
    /* One block: the cells, then the grid (int16 after floats: aligned). */
    void *blk = malloc((size_t)n * sizeof(ridge_cell) + (size_t)nc * sizeof(int16_t));
    if (!blk)
        return bio_fail(msg, BIO_ENOMEM, "bio_prepare: out of memory");
    p->rc = blk;
    p->grid = (int16_t *)(void *)(p->rc + n);
    p->rn = n;
    p->rcols = rm->cols;
    p->rrows = rm->rows;
    p->rcell = rm->cell;
    p->rx0 = rm->x0;
    p->ry0 = rm->y0;
    p->kx = kx;
    p->ky = ky;
    int k = 0;
    for (int r = 0; r < rm->rows; r++)
        for (int c = 0; c < rm->cols; c++) {
            uint8_t v = rm->v[r * rm->cols + c];
            if (v == BIO_RIDGE_NONE) {
                p->grid[r * rm->cols + c] = -1;
                continue;
            }
            double th, per;
            bio_ridge_decode(v, &th, &per);
            ridge_cell *rc = &p->rc[k];
            rc->x = (float)((rm->x0 + (c + 0.5) * rm->cell) * kx);
            rc->y = (float)(-(rm->y0 + (r + 0.5) * rm->cell) * ky);
            rc->c2 = (float)cos(2 * th);
            rc->s2 = (float)sin(2 * th);
            rc->p = (float)per;
            p->grid[r * rm->cols + c] = (int16_t)k++;
        }
    return BIO_OK;
}

bio_status bio_prepare(const bio_template *t, bio_prepared **out, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_prepared *p = NULL;
    if (out)
        *out = NULL;
    if (!t || !out)
        return bio_fail(msg, BIO_EINVAL, "bio_prepare: template and output are required");
    if (t->count > BIO_MAX_MINUTIAE)
        return bio_fail(msg, BIO_EINVAL, "bio_prepare: %u minutiae (max %d)", (unsigned)t->count,
                        BIO_MAX_MINUTIAE);
    p = calloc(1, sizeof *p);
    if (!p)
        return bio_fail(msg, BIO_ENOMEM, "bio_prepare: out of memory");
    double kx = t->res_x ? 197.0 / t->res_x : 1.0, ky = t->res_y ? 197.0 / t->res_y : 1.0;

    /* Keep the best MAX_PREP minutiae by quality (stable: ties keep template order). */
    int idx[BIO_MAX_MINUTIAE];
    for (int i = 0; i < t->count; i++)
        idx[i] = i;
    if (t->count > MAX_PREP) {
        /* Insertion sort by quality: thread-safe and small. */
        for (int i = 1; i < t->count; i++) {
            int v = idx[i], j = i - 1;
            while (j >= 0 && cmp_quality_idx(&idx[j], &v, t) > 0) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
    }
    p->n = t->count > MAX_PREP ? MAX_PREP : t->count;
    p->key = 1469598103934665603ull;   /* FNV-1a over the minutiae: orders a pair in bio_match */
    for (int i = 0; i < p->n; i++) {
        const bio_minutia *m = &t->m[idx[i]];
        p->x[i] = m->x * kx;
        p->y[i] = -(m->y * ky);
        p->t[i] = (double)m->angle;
        uint32_t v[2] = {(uint32_t)m->x << 16 | m->y, (uint32_t)lrint(m->angle * 1000.0f)};
        for (int k = 0; k < 2; k++)
            p->key = (p->key ^ v[k]) * 1099511628211ull;
    }
    if ((st = prepare_ridge(t, kx, ky, p, msg)) != BIO_OK)
        goto out;
    /*
     * A minutia whose cell the ridge map leaves out (ridges too unclear for a code: coherence
     * under 0.3) counts W_UNCLEAR in the global stage when both prints carry a map. On a
     * light or wet print most minutiae the enhancement invents lie there (FVC2002 DB2 109_8),
     * and each one in the overlap lowered a genuine pair's m^2 / (overlap_A x overlap_B) as
     * much as a clear one; the cylinders (MCC) keep all minutiae.
     */
    for (int i = 0; i < p->n; i++) {
        p->w[i] = 1.0;
        if (p->rn == 0)
            continue;
        const bio_minutia *m = &t->m[idx[i]];
        int c = (int)floor(((double)m->x - p->rx0) / p->rcell);
        int r = (int)floor(((double)m->y - p->ry0) / p->rcell);
        if (c < 0 || r < 0 || c >= p->rcols || r >= p->rrows || p->grid[r * p->rcols + c] < 0)
            p->w[i] = W_UNCLEAR;
    }
    if (p->n < 2) {
        *out = p;
        return BIO_OK;
    }
    p->cyl = calloc((size_t)p->n, sizeof *p->cyl);
    if (!p->cyl) {
        st = bio_fail(msg, BIO_ENOMEM, "bio_prepare: out of memory");
        goto out;
    }
    p->nh = hull(p, p->h);
    p->bb[0] = p->bb[2] = p->h[0][0];
    p->bb[1] = p->bb[3] = p->h[0][1];
    for (int k = 1; k < p->nh; k++) {
        p->bb[0] = fmin(p->bb[0], p->h[k][0]);
        p->bb[1] = fmin(p->bb[1], p->h[k][1]);
        p->bb[2] = fmax(p->bb[2], p->h[k][0]);
        p->bb[3] = fmax(p->bb[3], p->h[k][1]);
    }
    double (*h)[2] = p->h;
    int nh = p->nh;
    const double ds = 2.0 * R_CYL / NS;
    const double gs_norm = 1.0 / (SIGMA_S * sqrt(2.0 * PI_D));
    int disk_cells = 0;
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NS; j++) {
            double u = (i - (NS - 1) / 2.0) * ds, v = (j - (NS - 1) / 2.0) * ds;
            if (u * u + v * v <= R_CYL * R_CYL)
                disk_cells++;
        }
    /* The disk's cells, in the cylinder frame (the same for every minutia). */
    double cu[NS * NS], cv[NS * NS];
    int ci[NS * NS], cell_of[NS * NS], ncell = 0;   /* disk cell e <-> grid cell i * NS + j */
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NS; j++) {
            double u = (i - (NS - 1) / 2.0) * ds, v = (j - (NS - 1) / 2.0) * ds;
            cell_of[i * NS + j] = -1;
            if (u * u + v * v > R_CYL * R_CYL)
                continue;
            cell_of[i * NS + j] = ncell;
            cu[ncell] = u;
            cv[ncell] = v;
            ci[ncell++] = i * NS + j;
        }
    const double reach2 = (R_CYL + 3 * SIGMA_S) * (R_CYL + 3 * SIGMA_S);
    double en[MAX_PREP + 1][3];   /* hull edges' inward unit normals and offsets */
    for (int k = 0; k < nh && nh >= 3; k++) {
        double ex = h[k + 1][0] - h[k][0], ey = h[k + 1][1] - h[k][1], l = sqrt(ex * ex + ey * ey);
        en[k][0] = l > 0 ? -ey / l : 0;
        en[k][1] = l > 0 ? ex / l : 0;
        en[k][2] = en[k][0] * h[k][0] + en[k][1] * h[k][1];
    }
    for (int a = 0; a < p->n; a++) {
        cylinder *c = &p->cyl[p->nc];
        memset(c, 0, sizeof *c);
        c->m = a;
        /*
         * The minutiae that can reach a cell (within R + 3 sigmaS of a), in index order, with
         * their direction contributions: these depend on the pair only, not on the cell, so
         * the erf pairs are evaluated once per neighbour instead of once per cell.
         */
        int nb[MAX_PREP], neigh = 0;
        double gd[MAX_PREP][ND];
        for (int b = 0; b < p->n; b++) {
            double dx = p->x[b] - p->x[a], dy = p->y[b] - p->y[a];
            if (b != a && dx * dx + dy * dy <= reach2)
                nb[neigh++] = b;
        }
        if (neigh < MIN_M)
            continue;
        for (int q = 0; q < neigh; q++) {
            double dth = ang_diff(p->t[a], p->t[nb[q]]);
            for (int k = 0; k < ND; k++) {
                double phik = -PI_D + (k + 0.5) * 2 * PI_D / ND;
                gd[q][k] = gauss_dir(ang_diff(dth, phik));
            }
        }
        double ca = cos(p->t[a]), sa = sin(p->t[a]);
        /* Cell centres in the image frame. */
        double px[NS * NS], py[NS * NS], sum[NS * NS][ND];
        for (int e = 0; e < ncell; e++) {
            px[e] = p->x[a] + ca * cu[e] - sa * cv[e];
            py[e] = p->y[a] + sa * cu[e] + ca * cv[e];
        }
        memset(sum, 0, sizeof(double) * ND * (size_t)ncell);
        /*
         * Spatial contributions, neighbour by neighbour, only to the cells of the box around it
         * that can lie within 3 sigmaS (one cell of margin); the exact distance test follows.
         * Each cell still sums its neighbours in index order: the same sums as cell by cell.
         */
        for (int q = 0; q < neigh; q++) {
            int b = nb[q];
            double rx = p->x[b] - p->x[a], ry = p->y[b] - p->y[a];
            double ub = ca * rx + sa * ry, vb = -sa * rx + ca * ry;   /* in a's frame */
            int i0 = (int)floor((ub - 3 * SIGMA_S) / ds + (NS - 1) / 2.0) - 1;
            int i1 = (int)ceil((ub + 3 * SIGMA_S) / ds + (NS - 1) / 2.0) + 1;
            int j0 = (int)floor((vb - 3 * SIGMA_S) / ds + (NS - 1) / 2.0) - 1;
            int j1 = (int)ceil((vb + 3 * SIGMA_S) / ds + (NS - 1) / 2.0) + 1;
            i0 = i0 < 0 ? 0 : i0;
            j0 = j0 < 0 ? 0 : j0;
            i1 = i1 > NS - 1 ? NS - 1 : i1;
            j1 = j1 > NS - 1 ? NS - 1 : j1;
            for (int i = i0; i <= i1; i++)
                for (int j = j0; j <= j1; j++) {
                    int e = cell_of[i * NS + j];
                    if (e < 0)
                        continue;
                    double dx = p->x[b] - px[e], dy = p->y[b] - py[e], d2 = dx * dx + dy * dy;
                    if (d2 > 9 * SIGMA_S * SIGMA_S)
                        continue;
                    double gsv = gs_norm * exp(-d2 / (2 * SIGMA_S * SIGMA_S));
                    for (int k = 0; k < ND; k++)
                        sum[e][k] += gsv * gd[q][k];
                }
        }
        int nvalid = 0;
        for (int e = 0; e < ncell; e++) {
            if (!cell_in_hull(p, (const double(*)[3])en, px[e], py[e]))
                continue;
            nvalid++;
            for (int k = 0; k < ND; k++) {
                int cell = k * NS * NS + ci[e];
                c->valid[cell / 64] |= (uint64_t)1 << (cell % 64);
                if (sum[e][k] >= MU_PSI)
                    c->bits[cell / 64] |= (uint64_t)1 << (cell % 64);
            }
        }
        if (nvalid < MIN_VC * disk_cells)
            continue;
        p->nc++;
    }
    *out = p;
    p = NULL;
out:
    bio_prepared_free(p);
    return st;
}

void bio_prepared_free(bio_prepared *p)
{
    if (!p)
        return;
    free(p->cyl);
    free(p->rc);
    free(p);
}

int bio_prepared_count(const bio_prepared *p)
{
    return p ? p->n : 0;
}

typedef struct pair {
    float l;
    short a, b;
} pair;

/*
 * Bit count, inline (SWAR): the build targets plain x86-64 without the POPCNT instruction, where
 * __builtin_popcountll is a library call that took a quarter of bio_match()'s time.
 */
static inline int popc(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

/* Cylinder similarity (bit-based MCC); -1 when the two cannot be compared. */
static double cyl_sim(const cylinder *ca, const cylinder *cb, double ta, double tb, int min_me)
{
    if (fabs(ang_diff(ta, tb)) > DELTA_THETA)
        return -1;
    int nv = 0, na = 0, nb = 0, nx = 0;
    for (int w = 0; w < WORDS; w++) {
        uint64_t v = ca->valid[w] & cb->valid[w];
        uint64_t x = ca->bits[w] & v, y = cb->bits[w] & v;
        nv += popc(v);
        na += popc(x);
        nb += popc(y);
        nx += popc(x ^ y);
    }
    if (nv < min_me)
        return -1;
    double den = sqrt((double)na) + sqrt((double)nb);
    if (den <= 0)
        return 0;
    return 1.0 - sqrt((double)nx) / den;
}

/* ---- Global stage: align on compatible pairs, count minutiae that agree. ---- */

/* Rigid transform B -> A: a = R(th) b + (tx, ty). */
typedef struct xform {
    double c, s, tx, ty, th;
} xform;

/* Least-squares rotation + translation from pairs (Procrustes in 2-D). */
static xform fit_pairs(const bio_prepared *A, const bio_prepared *B, const pair *pp,
                       const int *sel, int ns)
{
    double cax = 0, cay = 0, cbx = 0, cby = 0;
    for (int k = 0; k < ns; k++) {
        cax += A->x[pp[sel[k]].a];
        cay += A->y[pp[sel[k]].a];
        cbx += B->x[pp[sel[k]].b];
        cby += B->y[pp[sel[k]].b];
    }
    cax /= ns;
    cay /= ns;
    cbx /= ns;
    cby /= ns;
    double sd = 0, sc = 0, ax = 0, ay = 0;
    for (int k = 0; k < ns; k++) {
        double ux = B->x[pp[sel[k]].b] - cbx, uy = B->y[pp[sel[k]].b] - cby;
        double vx = A->x[pp[sel[k]].a] - cax, vy = A->y[pp[sel[k]].a] - cay;
        sd += ux * vx + uy * vy;
        sc += ux * vy - uy * vx;
        double d = ang_diff(A->t[pp[sel[k]].a], B->t[pp[sel[k]].b]);
        ax += cos(d);
        ay += sin(d);
    }
    xform x;
    /* Few or clustered pairs say little about rotation: use the minutiae directions then. */
    x.th = (ns >= 3 && sd * sd + sc * sc > 400.0 * ns * ns) ? atan2(sc, sd) : atan2(ay, ax);
    x.c = cos(x.th);
    x.s = sin(x.th);
    x.tx = cax - (x.c * cbx - x.s * cby);
    x.ty = cay - (x.s * cbx + x.c * cby);
    return x;
}

typedef struct cand {
    float d;
    unsigned char a, b;
} cand;

static int cmp_cand(const void *p, const void *q)
{
    float x = ((const cand *)p)->d, y = ((const cand *)q)->d;
    return (x > y) - (x < y);
}

/*
 * Pair the minutiae of A and of B (moved by x) one to one, nearest first, within a distance
 * tolerance that grows away from (ox, oy) (skin distortion accumulates with distance) and an
 * angle tolerance. Fills ma/mb (matched indices) and returns their number; na, nb = minutiae
 * of each print inside the other's hull (the overlap), each counted by its weight w when weigh
 * is set, else as 1.
 */
static int pair_up(const bio_prepared *A, const bio_prepared *B, const xform *x, double ox,
                   double oy, int weigh, int *ma, int *mb, double *na, double *nb)
{
    double bx[MAX_PREP], by[MAX_PREP], bt[MAX_PREP];
    unsigned char inb[MAX_PREP];
    cand c[MAX_CAND];
    int nc = 0;
    /* B's hull moved into A's frame, for A's overlap count. */
    double hb[MAX_PREP + 1][2], bb[4] = {1e9, 1e9, -1e9, -1e9};   /* and its box + margin */
    for (int k = 0; k < B->nh; k++) {
        hb[k][0] = x->c * B->h[k][0] - x->s * B->h[k][1] + x->tx;
        hb[k][1] = x->s * B->h[k][0] + x->c * B->h[k][1] + x->ty;
        bb[0] = fmin(bb[0], hb[k][0] - G_MARGIN);
        bb[1] = fmin(bb[1], hb[k][1] - G_MARGIN);
        bb[2] = fmax(bb[2], hb[k][0] + G_MARGIN);
        bb[3] = fmax(bb[3], hb[k][1] + G_MARGIN);
    }
    hb[B->nh][0] = hb[0][0];   /* closed, as near_hull_r() wants */
    hb[B->nh][1] = hb[0][1];
    *nb = 0;
    for (int j = 0; j < B->n; j++) {
        bx[j] = x->c * B->x[j] - x->s * B->y[j] + x->tx;
        by[j] = x->s * B->x[j] + x->c * B->y[j] + x->ty;
        bt[j] = B->t[j] + x->th;
        inb[j] = (unsigned char)(bx[j] >= A->bb[0] - G_MARGIN && bx[j] <= A->bb[2] + G_MARGIN &&
                                 by[j] >= A->bb[1] - G_MARGIN && by[j] <= A->bb[3] + G_MARGIN &&
                                 near_hull_r(A->h, A->nh, bx[j], by[j], G_MARGIN));
        if (inb[j])
            *nb += weigh ? B->w[j] : 1.0;
    }
    *na = 0;
    for (int i = 0; i < A->n; i++) {
        double rx = A->x[i] - ox, ry = A->y[i] - oy;
        double tol = G_D0 + G_DK * sqrt(rx * rx + ry * ry);
        int ina = A->x[i] >= bb[0] && A->x[i] <= bb[2] && A->y[i] >= bb[1] && A->y[i] <= bb[3] &&
                  near_hull_r((const double(*)[2])hb, B->nh, A->x[i], A->y[i], G_MARGIN);
        if (ina)
            *na += weigh ? A->w[i] : 1.0;
        for (int j = 0; j < B->n && nc < MAX_CAND; j++) {
            double dx = bx[j] - A->x[i], dy = by[j] - A->y[i], d2 = dx * dx + dy * dy;
            if (d2 > tol * tol || fabs(ang_diff(A->t[i], bt[j])) > G_DA)
                continue;
            c[nc].d = (float)(sqrt(d2) / tol);
            c[nc].a = (unsigned char)i;
            c[nc].b = (unsigned char)j;
            nc++;
        }
    }
    qsort(c, (size_t)nc, sizeof c[0], cmp_cand);
    unsigned char ua[MAX_PREP] = {0}, ub[MAX_PREP] = {0};
    int m = 0;
    for (int k = 0; k < nc; k++) {
        if (ua[c[k].a] || ub[c[k].b])
            continue;
        ua[c[k].a] = ub[c[k].b] = 1;
        ma[m] = c[k].a;
        mb[m] = c[k].b;
        m++;
    }
    return m;
}

/*
 * How well an alignment (x: B -> A) lines up the ridges, 0..1: every cell of A's ridge map is
 * looked up in B's (nearest cell, through the inverse transform); over the cells both maps
 * hold, the mean cos 2(orientation difference) must be high (ridges run the same way: factor
 * 0 at R_ORIENT_LO, 1 when identical) and the mean relative period difference |pA - pB| /
 * (pA + pB) low (ridges as far apart: 1 up to R_PERIOD_LO, 0 from R_PERIOD_HI). The product
 * of the two; 0 when the maps do not overlap.
 *
 * The orientation agreement forgives a small residual rotation: the mean of the doubled-angle
 * differences exp(i 2 (tA - tB)) has an argument 2 d (the rotation left between the two flows)
 * and the agreement is taken after turning by d, d clamped to +-R_ROT_TOL. The rotation comes
 * from a few minutiae pairs (their directions when fewer than three) and is off by a few
 * degrees when they are few or close together: a light or wet print (FVC2002 DB2 109_8 against
 * its other impressions) lost up to half its agreement to that alone. A wider tolerance would
 * start to forgive the crossing flow of different fingers.
 *
 * Why: the global score counts minutiae an alignment pairs, and a few lucky pairs between two
 * different fingers often come with crossing ridge flow or another ridge spacing; a genuine
 * pair with few minutiae in common (a faint, wet or partial print) still has its ridge flow
 * and spacing in common. On FVC2002 B the median orientation agreement of the best alignment
 * was 0.97-0.98 for genuine pairs, 0.50-0.70 for impostors; period differences 0.025-0.029
 * against 0.054-0.066.
 */
static double ridge_factor(const bio_prepared *A, const bio_prepared *B, const xform *x)
{
    /* A's frame -> B's grid coordinates, one affine map: b = R^T (a - t), then pixels, cells. */
    double ux = x->c / B->kx, uy = x->s / B->kx, vx = x->s / B->ky, vy = -x->c / B->ky;
    double gxa = ux / B->rcell, gxb = uy / B->rcell;
    double gxc = (-(ux * x->tx + uy * x->ty) - B->rx0) / B->rcell;
    double gya = vx / B->rcell, gyb = vy / B->rcell;
    double gyc = (-(vx * x->tx + vy * x->ty) - B->ry0) / B->rcell;
    /* B's doubled angles turned by 2 th into A's frame. */
    double c2 = cos(2 * x->th), s2 = sin(2 * x->th);
    double so = 0, ss = 0, sp = 0;
    int n = 0;
    for (int k = 0; k < A->rn; k++) {
        const ridge_cell *a = &A->rc[k];
        double gx = gxa * (double)a->x + gxb * (double)a->y + gxc;
        double gy = gya * (double)a->x + gyb * (double)a->y + gyc;
        if (!(gx >= 0 && gy >= 0 && gx < B->rcols && gy < B->rrows))
            continue;
        int j = B->grid[(int)gy * B->rcols + (int)gx];
        if (j < 0)
            continue;
        const ridge_cell *b = &B->rc[j];
        double bc = (double)b->c2 * c2 - (double)b->s2 * s2;
        double bs = (double)b->s2 * c2 + (double)b->c2 * s2;
        so += (double)a->c2 * bc + (double)a->s2 * bs;   /* cos 2 (tA - tB) */
        ss += (double)a->s2 * bc - (double)a->c2 * bs;   /* sin 2 (tA - tB) */
        sp += fabs((double)(a->p - b->p)) / (double)(a->p + b->p);
        n++;
    }
    if (n == 0)
        return 0;
    so /= n;
    ss /= n;
    sp /= n;
    double d2 = atan2(ss, so);   /* twice the residual rotation */
    d2 = d2 > 2 * R_ROT_TOL ? 2 * R_ROT_TOL : (d2 < -2 * R_ROT_TOL ? -2 * R_ROT_TOL : d2);
    so = so * cos(d2) + ss * sin(d2);
    double fo = (so - R_ORIENT_LO) / (1.0 - R_ORIENT_LO);
    double fp = (R_PERIOD_HI - sp) / (R_PERIOD_HI - R_PERIOD_LO);
    fo = fo < 0 ? 0 : (fo > 1 ? 1 : fo);
    fp = fp < 0 ? 0 : (fp > 1 ? 1 : fp);
    return fo * fp;
}

/*
 * Global score 0..1 from the best of a few alignments: each of the G_ANCHORS most relaxed
 * pairs, with the pairs compatible with it, gives a rigid transform; minutiae are paired under
 * it, the transform is refitted on the pairs found and they are paired again. Score =
 * matched^2 / (overlap_A x overlap_B), the overlaps floored at G_MIN_OVERLAP; with ridge maps
 * on both sides each minutia counts by its weight w (bio_prepare) in all three.
 */
static double global_score(const bio_prepared *A, const bio_prepared *B, const pair *top,
                           const float *lam, float (*rho)[MAX_NR], int nt, int ridge)
{
    int order[MAX_NR];
    for (int t = 0; t < nt; t++)
        order[t] = t;
    for (int i = 1; i < nt; i++) {  /* by relaxed similarity, descending */
        int v = order[i], j = i - 1;
        while (j >= 0 && lam[order[j]] < lam[v]) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
    double best = 0;
    xform tried[G_ANCHORS];
    int ntried = 0;
    for (int g = 0; g < G_ANCHORS && g < nt; g++) {
        int an = order[g], sel[MAX_NR], ns = 0;
        sel[ns++] = an;
        for (int k = 0; k < nt; k++)
            if (k != an && rho[an][k] > 0.5f)
                sel[ns++] = k;
        xform x = fit_pairs(A, B, top, sel, ns);
        double ox = A->x[top[an].a], oy = A->y[top[an].a];
        /* An alignment (nearly) tried already gives the same pairs: skip it. */
        double bx0 = B->x[top[an].b], by0 = B->y[top[an].b];
        int dup = 0;
        for (int k = 0; k < ntried && !dup; k++) {
            const xform *y = &tried[k];
            double dx = (x.c - y->c) * bx0 - (x.s - y->s) * by0 + x.tx - y->tx;
            double dy = (x.s - y->s) * bx0 + (x.c - y->c) * by0 + x.ty - y->ty;
            dup = fabs(ang_diff(x.th, y->th)) < G_SAME_TH && dx * dx + dy * dy < G_SAME_D * G_SAME_D;
        }
        if (dup)
            continue;
        tried[ntried++] = x;
        int ma[MAX_PREP], mb[MAX_PREP];
        double na, nb;
        int m = pair_up(A, B, &x, ox, oy, ridge, ma, mb, &na, &nb);
        xform xb = x;   /* the alignment that paired m */
        if (m >= 3) {
            /* Refit on everything paired, distortion measured from the pairs' centre. */
            pair pp[MAX_PREP];
            int s2[MAX_PREP];
            double cx = 0, cy = 0;
            for (int k = 0; k < m; k++) {
                pp[k].a = (short)ma[k];
                pp[k].b = (short)mb[k];
                pp[k].l = 0;
                s2[k] = k;
                cx += A->x[ma[k]] / m;
                cy += A->y[ma[k]] / m;
            }
            xform x2 = fit_pairs(A, B, pp, s2, m);
            int ma2[MAX_PREP], mb2[MAX_PREP];
            double na2, nb2;
            int m2 = pair_up(A, B, &x2, cx, cy, ridge, ma2, mb2, &na2, &nb2);
            if (m2 > m) {
                m = m2;
                memcpy(ma, ma2, (size_t)m2 * sizeof ma[0]);
                memcpy(mb, mb2, (size_t)m2 * sizeof mb[0]);
                na = na2;
                nb = nb2;
                xb = x2;
            }
        }
        /* Matched pairs by their weights too (sqrt(wA wB): 1, W_UNCLEAR or between). */
        double wm = m;
        if (ridge) {
            wm = 0;
            for (int k = 0; k < m; k++)
                wm += sqrt(A->w[ma[k]] * B->w[mb[k]]);
        }
        if (na < G_MIN_OVERLAP)
            na = G_MIN_OVERLAP;
        if (nb < G_MIN_OVERLAP)
            nb = G_MIN_OVERLAP;
        double sc = wm * wm / (na * nb);
        /* The ridge factor is at most 1: only an alignment that could win needs it. */
        if (ridge && sc > best)
            sc *= ridge_factor(A, B, &xb);
        if (sc > best)
            best = sc;
    }
    return best > 1 ? 1 : best;
}

/*
 * A score of the minutiae alone (a template without a ridge map: a vendor's record, one stored
 * before maps existed, a gallery that keeps minutiae only) onto the scale of ridge-checked
 * scores, so that bio_threshold_for_fmr() means the same false match rate for both. The two
 * impostor distributions differ (the checked global term weighs three times more), so the
 * map is piecewise linear between their measured quantiles: raw[k] is the minutiae-only
 * impostor score reached by the share of impostors that reaches th[k] of
 * bio_threshold_for_fmr() (FVC2002 DB1_B..DB4_B pooled, same pairs; the two rarest rows are
 * set above the largest impostor, like the table's). Monotone: rankings, EER and every error
 * rate of minutiae-only comparisons are unchanged. Below the first row it scales towards 0,
 * above the last it runs parallel.
 */
static double minutiae_only_scale(double s)
{
    static const double raw[] = {1.93, 2.58, 2.83, 3.40, 3.92, 4.11, 4.29, 5.00, 5.70};
    static const double to[] = {1.48, 2.38, 2.78, 3.86, 4.82, 5.12, 5.60, 7.10, 7.80};
    const int n = (int)(sizeof raw / sizeof raw[0]);
    if (s <= raw[0])
        return s * to[0] / raw[0];
    for (int i = 0; i + 1 < n; i++)
        if (s <= raw[i + 1])
            return to[i] + (s - raw[i]) * (to[i + 1] - to[i]) / (raw[i + 1] - raw[i]);
    return s + to[n - 1] - raw[n - 1];
}

double bio_match(const bio_prepared *A, const bio_prepared *B)
{
    if (!A || !B || A->nc < 1 || B->nc < 1)
        return 0;
    if (A->key > B->key) {   /* the same score whichever way round the pair is given */
        const bio_prepared *tmp = A;
        A = B;
        B = tmp;
    }
    int nr = A->nc < B->nc ? A->nc : B->nc;
    if (nr > MAX_NR)
        nr = MAX_NR;
    /* Top nr pairs by local similarity: a min-heap by l. */
    pair top[MAX_NR];
    int nt = 0;
    int min_me = (int)(MIN_ME * NS * NS * ND);
    for (int i = 0; i < A->nc; i++)
        for (int j = 0; j < B->nc; j++) {
            const cylinder *ca = &A->cyl[i], *cb = &B->cyl[j];
            double l = cyl_sim(ca, cb, A->t[ca->m], B->t[cb->m], min_me);
            if (l <= 0)
                continue;
            if (nt < nr) {
                int k = nt++;
                top[k].l = (float)l;
                top[k].a = (short)ca->m;
                top[k].b = (short)cb->m;
                while (k > 0 && top[(k - 1) / 2].l > top[k].l) {
                    pair tmp = top[k];
                    top[k] = top[(k - 1) / 2];
                    top[(k - 1) / 2] = tmp;
                    k = (k - 1) / 2;
                }
            } else if ((float)l > top[0].l) {
                top[0].l = (float)l;
                top[0].a = (short)ca->m;
                top[0].b = (short)cb->m;
                int k = 0;
                for (;;) {
                    int c = 2 * k + 1, s = k;
                    if (c < nt && top[c].l < top[s].l)
                        s = c;
                    if (c + 1 < nt && top[c + 1].l < top[s].l)
                        s = c + 1;
                    if (s == k)
                        break;
                    pair tmp = top[k];
                    top[k] = top[s];
                    top[s] = tmp;
                    k = s;
                }
            }
        }
    if (nt == 0)
        return 0;
    int np = MIN_NP + (int)lrint(sigmoid(nr, MU_P, TAU_P) * (MAX_NP - MIN_NP));
    if (np > nt)
        np = nt;

    /* Relaxation. rho is the geometric compatibility of two pairs. */
    float rho[MAX_NR][MAX_NR];
    for (int t = 0; t < nt; t++) {
        rho[t][t] = 0;
        int a1 = top[t].a, b1 = top[t].b;
        for (int k = t + 1; k < nt; k++) {
            int a2 = top[k].a, b2 = top[k].b;
            double dxa = A->x[a2] - A->x[a1], dya = A->y[a2] - A->y[a1];
            double dxb = B->x[b2] - B->x[b1], dyb = B->y[b2] - B->y[b1];
            double d1 = fabs(sqrt(dxa * dxa + dya * dya) - sqrt(dxb * dxb + dyb * dyb));
            if (d1 > 30.0) {   /* distance term below 1e-17: incompatible, skip the angles */
                rho[t][k] = rho[k][t] = 0;
                continue;
            }
            double d2 = fabs(ang_diff(ang_diff(A->t[a1], A->t[a2]), ang_diff(B->t[b1], B->t[b2])));
            double ra = ang_diff(A->t[a1], atan2(dya, dxa)), rb = ang_diff(B->t[b1], atan2(dyb, dxb));
            double d3 = fabs(ang_diff(ra, rb));
            float r = (float)(sigmoid(d1, MU_1, TAU_1) * sigmoid(d2, MU_2, TAU_2) *
                              sigmoid(d3, MU_3, TAU_3));
            rho[t][k] = rho[k][t] = r;
        }
    }
    float lam[MAX_NR], nxt[MAX_NR];
    for (int t = 0; t < nt; t++)
        lam[t] = top[t].l;
    for (int it = 0; it < N_REL; it++) {
        for (int t = 0; t < nt; t++) {
            float s = 0;
            for (int k = 0; k < nt; k++)
                s += rho[t][k] * lam[k];
            nxt[t] = (float)W_R * lam[t] + (float)(1 - W_R) * s / (float)(nt > 1 ? nt - 1 : 1);
        }
        memcpy(lam, nxt, sizeof(float) * (size_t)nt);
    }
    /* The np pairs with the highest efficiency (relaxed / initial), one per minutia. */
    float eff[MAX_NR];
    for (int t = 0; t < nt; t++)
        eff[t] = lam[t] / top[t].l;
    unsigned char useda[MAX_PREP] = {0}, usedb[MAX_PREP] = {0}, taken[MAX_NR] = {0};
    double sum = 0;
    int got = 0;
    while (got < np) {
        int best = -1;
        for (int t = 0; t < nt; t++)
            if (!taken[t] && !useda[top[t].a] && !usedb[top[t].b] && (best < 0 || eff[t] > eff[best]))
                best = t;
        if (best < 0)
            break;
        taken[best] = 1;
        useda[top[best].a] = usedb[top[best].b] = 1;
        sum += (double)lam[best];
        got++;
    }
    double mcc = got ? sum / np : 0;
    int ridge = A->rn > 0 && B->rn > 0;
    double gs = global_score(A, B, top, lam, rho, nt, ridge);
    if (ridge)
        return 100.0 * (W_MCC * mcc + W_GLOBAL_RIDGE * gs);
    return minutiae_only_scale(100.0 * (W_MCC * mcc + W_GLOBAL * gs));
}

double bio_match_templates(const bio_template *a, const bio_template *b)
{
    bio_prepared *pa = NULL, *pb = NULL;
    double s = 0;
    if (bio_prepare(a, &pa, NULL) == BIO_OK && bio_prepare(b, &pb, NULL) == BIO_OK)
        s = bio_match(pa, pb);
    bio_prepared_free(pa);
    bio_prepared_free(pb);
    return s;
}

/* The calibration table of bio_threshold_for_fmr(): log10(fmr) and the score it gives. */
static const double cal_lg[] = {-5, -4, -3.301, -3, -2.699, -2, -1.301, -1, -0.301};
static const double cal_th[] = {7.80, 7.10, 5.60, 5.12, 4.82, 3.86, 2.78, 2.38, 1.48};
#define CAL_N ((int)(sizeof cal_lg / sizeof cal_lg[0]))

double bio_fmr_for_threshold(double score)
{
    if (!(score < cal_th[0]))
        return 1e-5;
    if (score <= cal_th[CAL_N - 1])
        return 0.5;
    for (int i = 0; i + 1 < CAL_N; i++)
        if (score >= cal_th[i + 1]) {
            double u = (score - cal_th[i]) / (cal_th[i + 1] - cal_th[i]);
            return pow(10.0, cal_lg[i] + u * (cal_lg[i + 1] - cal_lg[i]));
        }
    return 0.5;
}

double bio_threshold_for_fmr(double fmr)
{
    /*
     * Calibration: the pooled impostor scores of FVC2002 DB1_B..DB4_B, all cross-finger pairs
     * (4 x 2,880 = 11,520), templates from bio_extract() (with their ridge maps). Each row is
     * the score that the given share of impostors reaches or exceeds. Below 1e-4 there is too
     * little data: the rows are set above the largest impostor seen (6.52), on the safe side.
     * Re-measure with `ktpel afis eval` when the extractor or matcher changes
     * (docs/internals/bio-match.md).
     */
    const double *lg = cal_lg, *th = cal_th;
    const int n = CAL_N;
    if (!(fmr >= 1e-5))
        fmr = 1e-5;
    if (fmr > 0.5)
        fmr = 0.5;
    double l = log10(fmr);
    for (int i = 0; i + 1 < n; i++)
        if (l <= lg[i + 1]) {
            double u = (l - lg[i]) / (lg[i + 1] - lg[i]);
            return th[i] + u * (th[i + 1] - th[i]);
        }
    return th[n - 1];
}
