/*
 * synth.c - SFinGe-style synthetic fingerprints: masters, impressions and their true minutiae.
 *
 * Pipeline (Cappelli, Maio, Maltoni, "Synthetic fingerprint generation", Handbook of
 * Fingerprint Recognition, ch. 6):
 *   1. class drawn at population frequencies; singular points placed for the class;
 *   2. area shape: an ellipse-topped, flattened-bottom silhouette;
 *   3. orientation: Sherlock-Monro zero-pole model (cores +1/2, deltas -1/2), arches from an
 *      explicit hump model (they have no singular point), plus a smooth random perturbation
 *      of three plane waves (up to ~0.5 rad): with the single weak wave of the first version
 *      (at most 0.1 rad) every loop was nearly the same loop, and different synthetic fingers
 *      matched far above real impostors (issue 12: 3.4% of rendered impostor pairs above the
 *      FMR-1e-4 threshold, none of FVC2002's 11,520);
 *   4. ridge period map (7.3..11 px at 500 dpi mean, two smooth waves) varying smoothly;
 *   5. ridge pattern: random seeds grown by iterated Gabor filtering tuned to the local
 *      orientation and period, each pass saturated; minutiae appear where flows meet;
 *   6. true minutiae: crossing number on the Zhang-Suen skeleton of the binarized master,
 *      directions by tracking the skeleton, spurious close pairs removed;
 *   7. impressions: pressure-dependent contact area, sometimes only the tip or a side
 *      (partial contact), plastic distortion (a close-contact disc that does not move, a
 *      transition ring, an outer region moved rigidly), global rotation and shift, skin
 *      condition (normal, dry: thin ridges broken where a smooth random field lifts the
 *      threshold; wet: thick ridges merging in blotches), scars of the finger (white lines
 *      across the ridges, on every impression), uneven pressure (contrast varying over the
 *      print), noise, blur and background.
 *
 * Internal angles are in image coordinates (y down, atan2(dy, dx)); ISO angles in bio_template
 * are counter-clockwise as a person sees the image, i.e. the negated image angle. Minutia
 * direction convention (ISO/IEC 19794-2): an ending points away from its ridge, a
 * bifurcation points into the fork between its two branches.
 *
 * Never: file I/O, global state, or randomness not derived from the caller's seed.
 */
#include "bio/synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SY_PI 3.14159265358979323846
#define SY_W BIO_SYNTH_WIDTH
#define SY_H BIO_SYNTH_HEIGHT

/* ---- deterministic random numbers: splitmix64 streams keyed by (seed, finger, imp, use) ---- */

typedef struct sy_rng {
    uint64_t s;
} sy_rng;

static uint64_t sy_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t sy_next(sy_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return sy_mix(r->s);
}

static double sy_unit(sy_rng *r)
{
    return (double)(sy_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double sy_range(sy_rng *r, double a, double b)
{
    return a + (b - a) * sy_unit(r);
}

static double sy_gauss(sy_rng *r)
{
    double u = sy_unit(r), v = sy_unit(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * SY_PI * v);
}

static sy_rng sy_stream(uint64_t seed, uint32_t finger, uint32_t impression, uint32_t use)
{
    sy_rng r;
    r.s = sy_mix(sy_mix(seed ^ 0x6b7470656c5f7379ULL) + ((uint64_t)finger << 20) +
                 ((uint64_t)impression << 4) + use);
    return r;
}

enum { SY_USE_MODEL = 1, SY_USE_SEEDS, SY_USE_MINUTIAE, SY_USE_IMP, SY_USE_NOISE };

/* ---- the master model ---- */

/* A plane wave amp * sin(kx x + ky y + ph): the smooth random fields of the model. */
typedef struct sy_wave {
    double amp, kx, ky, ph;
} sy_wave;

enum { SY_PERT = 3 };

static double sy_wave_at(const sy_wave *w, int n, double x, double y)
{
    double v = 0;
    for (int i = 0; i < n; i++)
        v += w[i].amp * sin(w[i].kx * x + w[i].ky * y + w[i].ph);
    return v;
}

/* A wave of random direction with wave number in [k0, k1] and amplitude in [a0, a1]. */
static sy_wave sy_wave_draw(sy_rng *r, double k0, double k1, double a0, double a1)
{
    sy_wave w;
    double dir = sy_range(r, 0, 2 * SY_PI), k = sy_range(r, k0, k1);
    w.amp = sy_range(r, a0, a1);
    w.kx = k * cos(dir);
    w.ky = k * sin(dir);
    w.ph = sy_range(r, 0, 2 * SY_PI);
    return w;
}

typedef struct sy_model {
    bio_finger_class cls;
    double cx, cy, half_w, top_h, bottom_h;     /* area silhouette */
    int ncore, ndelta;
    double core_x[2], core_y[2], delta_x[2], delta_y[2];
    double arch_x, arch_y, arch_amp, arch_s, arch_h;
    sy_wave pert[SY_PERT];                      /* smooth orientation perturbation */
    double per0;                                /* ridge period map: per0 + waves */
    sy_wave per[2];
    int nscar;                                  /* scars: segments where skin has no ridges */
    double scar_x0[2], scar_y0[2], scar_x1[2], scar_y1[2], scar_w[2];
} sy_model;

struct bio_synth_master {
    uint64_t seed;
    uint32_t finger;
    sy_model mod;
    bio_template minutiae;
    float *ridge;      /* SY_W*SY_H values in [-1, 1], > 0 on ridges; NULL in template mode */
    bio_image image;   /* the master rendered; pixels NULL in template mode */
};

const char *bio_finger_class_name(bio_finger_class c)
{
    switch (c) {
    case BIO_CLASS_ARCH: return "arch";
    case BIO_CLASS_TENTED_ARCH: return "tented_arch";
    case BIO_CLASS_LEFT_LOOP: return "left_loop";
    case BIO_CLASS_RIGHT_LOOP: return "right_loop";
    case BIO_CLASS_WHORL: return "whorl";
    }
    return "unknown";
}

static void sy_model_make(sy_model *m, uint64_t seed, uint32_t finger)
{
    sy_rng r = sy_stream(seed, finger, 0, SY_USE_MODEL);
    memset(m, 0, sizeof *m);
    /* Class frequencies of the general population used by SFinGe (after Wilson et al.):
       arch 3.7%, tented arch 2.9%, left loop 33.8%, right loop 31.7%, whorl 27.9%. */
    double c = sy_unit(&r);
    m->cls = c < 0.037 ? BIO_CLASS_ARCH
           : c < 0.066 ? BIO_CLASS_TENTED_ARCH
           : c < 0.404 ? BIO_CLASS_LEFT_LOOP
           : c < 0.721 ? BIO_CLASS_RIGHT_LOOP
                       : BIO_CLASS_WHORL;
    m->cx = SY_W / 2.0 + sy_range(&r, -12, 12);
    m->cy = SY_H / 2.0 + sy_range(&r, -10, 20);
    m->half_w = sy_range(&r, 105, 128);
    m->top_h = sy_range(&r, 135, 165);
    m->bottom_h = sy_range(&r, 110, 140);
    double kx = m->cx + sy_range(&r, -15, 15), ky = m->cy + sy_range(&r, -45, 5);
    switch (m->cls) {
    case BIO_CLASS_ARCH:
        m->arch_x = kx;
        m->arch_y = ky + sy_range(&r, 0, 30);
        m->arch_amp = sy_range(&r, 25, 45);
        m->arch_s = sy_range(&r, 35, 55);
        m->arch_h = sy_range(&r, 60, 100);
        break;
    case BIO_CLASS_TENTED_ARCH:
        m->ncore = m->ndelta = 1;
        m->core_x[0] = kx;
        m->core_y[0] = ky;
        m->delta_x[0] = kx + sy_range(&r, -8, 8);
        m->delta_y[0] = ky + sy_range(&r, 45, 75);
        break;
    case BIO_CLASS_LEFT_LOOP:
    case BIO_CLASS_RIGHT_LOOP: {
        /* A left loop's ridges enter and leave on the left; its delta lies on the right. */
        double side = m->cls == BIO_CLASS_LEFT_LOOP ? 1.0 : -1.0;
        m->ncore = m->ndelta = 1;
        m->core_x[0] = kx - side * sy_range(&r, 0, 20);
        m->core_y[0] = ky;
        m->delta_x[0] = kx + side * sy_range(&r, 55, 95);
        m->delta_y[0] = ky + sy_range(&r, 70, 115);
        break;
    }
    case BIO_CLASS_WHORL:
        m->ncore = m->ndelta = 2;
        m->core_x[0] = kx + sy_range(&r, -6, 6);
        m->core_y[0] = ky - sy_range(&r, 8, 22);
        m->core_x[1] = kx + sy_range(&r, -6, 6);
        m->core_y[1] = ky + sy_range(&r, 8, 22);
        m->delta_x[0] = kx - sy_range(&r, 75, 105);
        m->delta_y[0] = ky + sy_range(&r, 80, 115);
        m->delta_x[1] = kx + sy_range(&r, 75, 105);
        m->delta_y[1] = ky + sy_range(&r, 80, 115);
        break;
    }
    /* Real fingers of one class differ in how the ridges bend around the singular points
       (curvature, skew, how tight a loop closes): three smooth waves of 0.15..0.45 rad each,
       wavelengths 180..630 px (a few across the finger). With the first version's single
       wave of 0.02..0.1 rad every loop was nearly the same loop: on seed 9091 (20 fingers x 4
       impressions) 3.4% of impostor pairs scored at or above the FMR-1e-4 score 7.10, where
       real sets have none in 100,000 (docs/internals/bio-search.md, "synthetic fingers"). */
    for (int i = 0; i < SY_PERT; i++)
        m->pert[i] = sy_wave_draw(&r, 0.010, 0.035, 0.15, 0.45);
    /* Mean ridge period differs between people (7.3..11 px at 500 dpi; FVC sets average
       8.0..9.9), and within a finger (finer at the tip and the sides). */
    m->per0 = sy_range(&r, 7.3, 11.0);
    m->per[0] = sy_wave_draw(&r, 0.008, 0.02, 0.3, 1.0);
    m->per[1] = sy_wave_draw(&r, 0.02, 0.04, 0.2, 0.6);
    /* One finger in eight carries a scar or two (cuts, burns, the crease of a manual
       labourer's finger): a straight band without ridges, 2..5 px wide, on every touch. */
    m->nscar = sy_unit(&r) < 0.125 ? 1 + (sy_unit(&r) < 0.4) : 0;
    for (int i = 0; i < m->nscar; i++) {
        double len = sy_range(&r, 40, 160), a = sy_range(&r, 0, SY_PI);
        double x = m->cx + sy_range(&r, -70, 70), y = m->cy + sy_range(&r, -90, 90);
        m->scar_x0[i] = x - 0.5 * len * cos(a);
        m->scar_y0[i] = y - 0.5 * len * sin(a);
        m->scar_x1[i] = x + 0.5 * len * cos(a);
        m->scar_y1[i] = y + 0.5 * len * sin(a);
        m->scar_w[i] = sy_range(&r, 1.0, 2.5);
    }
}

/* 1 on a scar of the master at (x, y) (within its half width of the segment), else 0. */
static int sy_on_scar(const sy_model *m, double x, double y)
{
    for (int i = 0; i < m->nscar; i++) {
        double ax = m->scar_x1[i] - m->scar_x0[i], ay = m->scar_y1[i] - m->scar_y0[i];
        double t = ((x - m->scar_x0[i]) * ax + (y - m->scar_y0[i]) * ay) / (ax * ax + ay * ay);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double dx = x - m->scar_x0[i] - t * ax, dy = y - m->scar_y0[i] - t * ay;
        if (dx * dx + dy * dy <= m->scar_w[i] * m->scar_w[i])
            return 1;
    }
    return 0;
}

/* Ridge orientation at (x, y) in image coordinates (defined modulo pi). */
static double sy_orientation(const sy_model *m, double x, double y)
{
    double th = 0.0;
    if (m->cls == BIO_CLASS_ARCH) {
        /* Ridges y = y0 - a(y) exp(-dx^2 / 2s^2): a hump that fades away from the middle. */
        double dx = x - m->arch_x, dy = y - m->arch_y;
        double a = m->arch_amp * exp(-(dy * dy) / (2 * m->arch_h * m->arch_h));
        double s2 = m->arch_s * m->arch_s;
        th = atan(a * dx / s2 * exp(-(dx * dx) / (2 * s2)));
    } else {
        for (int i = 0; i < m->ncore; i++)
            th += 0.5 * atan2(y - m->core_y[i], x - m->core_x[i]);
        for (int i = 0; i < m->ndelta; i++)
            th -= 0.5 * atan2(y - m->delta_y[i], x - m->delta_x[i]);
    }
    return th + sy_wave_at(m->pert, SY_PERT, x, y);
}

static double sy_period(const sy_model *m, double x, double y)
{
    return m->per0 + sy_wave_at(m->per, 2, x, y);
}

/* Signed inside-ness of the silhouette scaled by `scale` about its centre: <= 1 inside. */
static double sy_area(const sy_model *m, double x, double y, double scale)
{
    double dx = (x - m->cx) / (m->half_w * scale);
    double dy = y - m->cy;
    if (dy < 0) {
        dy /= m->top_h * scale;
        return dx * dx + dy * dy;
    }
    dy /= m->bottom_h * scale;
    double dx2 = dx * dx, dy2 = dy * dy;
    return sqrt(dx2 * dx2 + dy2 * dy2); /* superellipse: flatter bottom (the finger's crease) */
}

/* ---- ridge pattern by iterated Gabor filtering ---- */

enum { GB_NO = 24, GB_NP = 8, GB_R = 6, GB_K = 2 * GB_R + 1 };
#define GB_PMIN 6.5
#define GB_PSTEP 0.85

static void gb_make_bank(float *bank)
{
    for (int o = 0; o < GB_NO; o++) {
        double th = SY_PI * o / GB_NO;
        /* the wave runs across the ridges: along the normal (-sin th, cos th) */
        double nx = -sin(th), ny = cos(th);
        for (int p = 0; p < GB_NP; p++) {
            double per = GB_PMIN + GB_PSTEP * p;
            double sigma = 0.42 * per;
            float *k = bank + ((size_t)o * GB_NP + p) * GB_K * GB_K;
            double sum = 0, wsum = 0, resp = 0;
            for (int j = -GB_R; j <= GB_R; j++)
                for (int i = -GB_R; i <= GB_R; i++) {
                    double g = exp(-(i * i + j * j) / (2 * sigma * sigma));
                    sum += g * cos(2 * SY_PI * (i * nx + j * ny) / per);
                    wsum += g;
                }
            double mean = sum / wsum; /* remove DC so flat regions stay flat */
            for (int j = -GB_R; j <= GB_R; j++)
                for (int i = -GB_R; i <= GB_R; i++) {
                    double g = exp(-(i * i + j * j) / (2 * sigma * sigma));
                    double v = g * (cos(2 * SY_PI * (i * nx + j * ny) / per) - mean);
                    k[(j + GB_R) * GB_K + (i + GB_R)] = (float)v;
                    resp += v * cos(2 * SY_PI * (i * nx + j * ny) / per);
                }
            for (int t = 0; t < GB_K * GB_K; t++)
                k[t] = (float)((double)k[t] / resp); /* unit gain on a matching wave */
        }
    }
}

static bio_status sy_render(bio_synth_master *ms, bio_msg *msg)
{
    bio_status st = BIO_OK;
    const sy_model *m = &ms->mod;
    size_t n = (size_t)SY_W * SY_H;
    float *bank = malloc(sizeof(float) * GB_NO * GB_NP * GB_K * GB_K);
    float *a = calloc(n, sizeof(float));
    float *b = calloc(n, sizeof(float));
    uint16_t *kidx = malloc(n * sizeof(uint16_t)); /* per pixel: kernel index, 0xffff outside */
    if (bank == NULL || a == NULL || b == NULL || kidx == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory rendering a synthetic master");
        goto out;
    }
    gb_make_bank(bank);
    for (int y = 0; y < SY_H; y++)
        for (int x = 0; x < SY_W; x++) {
            size_t i = (size_t)y * SY_W + x;
            if (sy_area(m, x, y, 1.06) > 1.0) {
                kidx[i] = 0xffff;
                continue;
            }
            double th = fmod(sy_orientation(m, x, y), SY_PI);
            if (th < 0)
                th += SY_PI;
            int o = (int)lround(th / SY_PI * GB_NO) % GB_NO;
            int p = (int)lround((sy_period(m, x, y) - GB_PMIN) / GB_PSTEP);
            p = p < 0 ? 0 : p >= GB_NP ? GB_NP - 1 : p;
            kidx[i] = (uint16_t)(o * GB_NP + p);
        }
    /* Random seeds: small blobs of either sign; the filter grows them into ridges. */
    sy_rng r = sy_stream(ms->seed, ms->finger, 0, SY_USE_SEEDS);
    /* Few seeds grown long: where two grown patches meet out of phase a minutia forms, so
       the seed count sets the minutiae density. 260 seeds and 14 passes gave 0.65 minutiae
       per 1000 px^2 of clear print where the real sets give 0.42..0.51 (FVC2000 DB3's noisy
       images 0.79), and dense minutiae pair by chance; 40 seeds need 24 passes to fill the
       finger (14 left unfilled holes). */
    int nseeds = 40;
    for (int s = 0; s < nseeds; s++) {
        int x = (int)sy_range(&r, GB_R, SY_W - GB_R), y = (int)sy_range(&r, GB_R, SY_H - GB_R);
        float v = sy_unit(&r) < 0.5 ? -1.0f : 1.0f;
        for (int j = -1; j <= 1; j++)
            for (int i = -1; i <= 1; i++)
                a[(size_t)(y + j) * SY_W + (x + i)] = v;
    }
    for (int it = 0; it < 24; it++) {
        for (int y = 0; y < SY_H; y++)
            for (int x = 0; x < SY_W; x++) {
                size_t i = (size_t)y * SY_W + x;
                if (kidx[i] == 0xffff || y < GB_R || y >= SY_H - GB_R || x < GB_R ||
                    x >= SY_W - GB_R) {
                    b[i] = 0.0f;
                    continue;
                }
                const float *k = bank + (size_t)kidx[i] * GB_K * GB_K;
                float acc = 0.0f;
                for (int j = 0; j < GB_K; j++) {
                    const float *row = a + (size_t)(y + j - GB_R) * SY_W + (x - GB_R);
                    const float *kr = k + j * GB_K;
                    for (int t = 0; t < GB_K; t++)
                        acc += kr[t] * row[t];
                }
                acc *= 2.2f;
                b[i] = acc > 1.0f ? 1.0f : acc < -1.0f ? -1.0f : acc;
            }
        float *t = a;
        a = b;
        b = t;
    }
    ms->ridge = a;
    a = NULL;
out:
    free(bank);
    free(a);
    free(b);
    free(kidx);
    return st;
}

/* ---- true minutiae from the thinned master ---- */

static int sk_at(const uint8_t *sk, int x, int y)
{
    if (x < 0 || y < 0 || x >= SY_W || y >= SY_H)
        return 0;
    return sk[(size_t)y * SY_W + x];
}

static const int nb_dx[8] = {0, 1, 1, 1, 0, -1, -1, -1};
static const int nb_dy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

/* Zhang-Suen thinning in place (1 = ridge). */
static void sk_thin(uint8_t *img, uint8_t *mark)
{
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            memset(mark, 0, (size_t)SY_W * SY_H);
            for (int y = 1; y < SY_H - 1; y++)
                for (int x = 1; x < SY_W - 1; x++) {
                    if (!img[(size_t)y * SY_W + x])
                        continue;
                    int p[8], bsum = 0, a = 0;
                    for (int k = 0; k < 8; k++) {
                        p[k] = sk_at(img, x + nb_dx[k], y + nb_dy[k]);
                        bsum += p[k];
                    }
                    for (int k = 0; k < 8; k++)
                        a += p[k] == 0 && p[(k + 1) % 8] == 1;
                    if (bsum < 2 || bsum > 6 || a != 1)
                        continue;
                    /* p[0]=N p[2]=E p[4]=S p[6]=W */
                    if (pass == 0 && ((p[0] && p[2] && p[4]) || (p[2] && p[4] && p[6])))
                        continue;
                    if (pass == 1 && ((p[0] && p[2] && p[6]) || (p[0] && p[4] && p[6])))
                        continue;
                    mark[(size_t)y * SY_W + x] = 1;
                }
            for (size_t i = 0; i < (size_t)SY_W * SY_H; i++)
                if (mark[i]) {
                    img[i] = 0;
                    changed = 1;
                }
        }
    }
}

/* Follow the skeleton from (sx, sy), having come from the pixels in `seen`; return the point
   reached after at most `steps` steps. */
static void sk_track(const uint8_t *sk, int fx, int fy, int sx, int sy, int steps, int *ex,
                     int *ey)
{
    int px = fx, py = fy, x = sx, y = sy;
    for (int s = 0; s < steps; s++) {
        int nx = -1, ny = -1;
        for (int k = 0; k < 8; k++) {
            int qx = x + nb_dx[k], qy = y + nb_dy[k];
            if ((qx == px && qy == py) || (abs(qx - px) <= 1 && abs(qy - py) <= 1) ||
                !sk_at(sk, qx, qy))
                continue;
            nx = qx;
            ny = qy;
            break;
        }
        if (nx < 0)
            break;
        px = x;
        py = y;
        x = nx;
        y = ny;
    }
    *ex = x;
    *ey = y;
}

static double sy_wrap(double a)
{
    a = fmod(a, 2 * SY_PI);
    return a < 0 ? a + 2 * SY_PI : a;
}

static bio_status sy_find_minutiae(bio_synth_master *ms, bio_msg *msg)
{
    bio_status st = BIO_OK;
    size_t n = (size_t)SY_W * SY_H;
    uint8_t *sk = malloc(n), *mark = malloc(n);
    bio_minutia *cand = malloc(sizeof(bio_minutia) * 2048);
    int ncand = 0;
    if (sk == NULL || mark == NULL || cand == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory finding synthetic minutiae");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        sk[i] = ms->ridge[i] > 0.0f;
    sk_thin(sk, mark);
    for (int y = 2; y < SY_H - 2; y++)
        for (int x = 2; x < SY_W - 2; x++) {
            if (!sk[(size_t)y * SY_W + x])
                continue;
            /* stay clear of the silhouette's border, where ridges are cut, not ended */
            if (sy_area(&ms->mod, x, y, 0.93) > 1.0)
                continue;
            int p[8], cn = 0;
            for (int k = 0; k < 8; k++)
                p[k] = sk_at(sk, x + nb_dx[k], y + nb_dy[k]);
            for (int k = 0; k < 8; k++)
                cn += p[k] == 0 && p[(k + 1) % 8] == 1;
            if (cn != 1 && cn != 3)
                continue;
            double ang;
            if (cn == 1) {
                int k = 0;
                while (k < 8 && !p[k])
                    k++;
                int ex, ey;
                sk_track(sk, x, y, x + nb_dx[k], y + nb_dy[k], 9, &ex, &ey);
                ang = atan2((double)(y - ey), (double)(x - ex)); /* away from the ridge */
            } else {
                double vx[3], vy[3];
                int nbr = 0;
                for (int k = 0; k < 8 && nbr < 3; k++) {
                    if (!(p[k] == 1 && p[(k + 7) % 8] == 0))
                        continue;
                    int ex, ey;
                    sk_track(sk, x, y, x + nb_dx[k], y + nb_dy[k], 9, &ex, &ey);
                    double dx = ex - x, dy = ey - y, len = sqrt(dx * dx + dy * dy);
                    vx[nbr] = len > 0 ? dx / len : 0;
                    vy[nbr] = len > 0 ? dy / len : 0;
                    nbr++;
                }
                if (nbr < 3)
                    continue;
                /* the two branches closest in direction form the fork */
                int bi = 0, bj = 1;
                double best = -2;
                for (int i = 0; i < 3; i++)
                    for (int j = i + 1; j < 3; j++) {
                        double d = vx[i] * vx[j] + vy[i] * vy[j];
                        if (d > best) {
                            best = d;
                            bi = i;
                            bj = j;
                        }
                    }
                ang = atan2(vy[bi] + vy[bj], vx[bi] + vx[bj]);
            }
            if (ncand >= 2048)
                continue;
            bio_minutia *mu = &cand[ncand++];
            mu->x = (uint16_t)x;
            mu->y = (uint16_t)y;
            mu->angle = (float)sy_wrap(-ang);
            mu->type = cn == 1 ? BIO_MINUTIA_ENDING : BIO_MINUTIA_BIFURCATION;
            mu->quality = 100;
        }
    /* Two minutiae closer than 8 px are a spur, a bridge or a short break: not real. */
    for (int i = 0; i < ncand; i++)
        for (int j = i + 1; j < ncand; j++) {
            int dx = cand[i].x - cand[j].x, dy = cand[i].y - cand[j].y;
            if (dx * dx + dy * dy < 64) {
                cand[i].quality = 0;
                cand[j].quality = 0;
            }
        }
    bio_template *t = &ms->minutiae;
    t->count = 0;
    for (int i = 0; i < ncand && t->count < BIO_MAX_MINUTIAE; i++)
        if (cand[i].quality > 0)
            t->m[t->count++] = cand[i];
out:
    free(sk);
    free(mark);
    free(cand);
    return st;
}

/* Template mode: minutiae placed on the model directly, following the orientation field. */
static void sy_place_minutiae(bio_synth_master *ms)
{
    sy_rng r = sy_stream(ms->seed, ms->finger, 0, SY_USE_MINUTIAE);
    const sy_model *m = &ms->mod;
    bio_template *t = &ms->minutiae;
    /* 32..60 placed, about 36 kept after the contact crop: like the 26..41 the extractor
       finds on real plain prints and the ~28 it finds on rendered synthetic ones. */
    int want = 32 + (int)(sy_unit(&r) * 28);
    t->count = 0;
    for (int tries = 0; tries < 4000 && t->count < want; tries++) {
        double x = sy_range(&r, m->cx - m->half_w, m->cx + m->half_w);
        double y = sy_range(&r, m->cy - m->top_h, m->cy + m->bottom_h);
        if (sy_area(m, x, y, 0.93) > 1.0 || x < 0 || y < 0 || x >= SY_W || y >= SY_H)
            continue;
        int ok = 1;
        for (int i = 0; i < t->count && ok; i++) {
            double dx = t->m[i].x - x, dy = t->m[i].y - y;
            ok = dx * dx + dy * dy >= 12.0 * 12.0;
        }
        if (!ok)
            continue;
        double ang = sy_orientation(m, x, y) + (sy_unit(&r) < 0.5 ? 0 : SY_PI);
        bio_minutia *mu = &t->m[t->count++];
        mu->x = (uint16_t)x;
        mu->y = (uint16_t)y;
        mu->angle = (float)sy_wrap(-ang);
        mu->type = sy_unit(&r) < 0.55 ? BIO_MINUTIA_ENDING : BIO_MINUTIA_BIFURCATION;
        mu->quality = 100;
    }
}

static void sy_template_header(bio_template *t)
{
    t->width = SY_W;
    t->height = SY_H;
    t->res_x = t->res_y = 197;
    t->finger_position = 0;
    t->impression = 0;
    t->quality = 100;
}

static void sy_master_init(bio_synth_master *ms, uint64_t seed, uint32_t finger)
{
    memset(ms, 0, sizeof *ms);
    ms->seed = seed;
    ms->finger = finger;
    sy_model_make(&ms->mod, seed, finger);
    sy_template_header(&ms->minutiae);
}

bio_status bio_synth_master_new(uint64_t seed, uint32_t finger, int render,
                                bio_synth_master **out, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_synth_master *ms = NULL;
    if (out == NULL)
        return bio_fail(msg, BIO_EINVAL, "synth: no output pointer");
    *out = NULL;
    ms = malloc(sizeof *ms);
    if (ms == NULL)
        return bio_fail(msg, BIO_ENOMEM, "out of memory for a synthetic master");
    sy_master_init(ms, seed, finger);
    if (!render) {
        sy_place_minutiae(ms);
        goto done;
    }
    if ((st = sy_render(ms, msg)) != BIO_OK || (st = sy_find_minutiae(ms, msg)) != BIO_OK)
        goto out;
    ms->image.width = SY_W;
    ms->image.height = SY_H;
    ms->image.dpi = BIO_SYNTH_DPI;
    ms->image.pixels = malloc((size_t)SY_W * SY_H);
    if (ms->image.pixels == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory for a synthetic master image");
        goto out;
    }
    for (size_t i = 0; i < (size_t)SY_W * SY_H; i++)
        ms->image.pixels[i] = (uint8_t)lround(127.5 - 127.5 * (double)ms->ridge[i]);
done:
    *out = ms;
    ms = NULL;
out:
    bio_synth_master_free(ms);
    return st;
}

void bio_synth_master_free(bio_synth_master *m)
{
    if (m == NULL)
        return;
    free(m->ridge);
    free(m->image.pixels);
    free(m);
}

bio_finger_class bio_synth_master_class(const bio_synth_master *m)
{
    return m->mod.cls;
}

const bio_template *bio_synth_master_minutiae(const bio_synth_master *m)
{
    return &m->minutiae;
}

const bio_image *bio_synth_master_image(const bio_synth_master *m)
{
    return m->ridge != NULL ? &m->image : NULL;
}

/* ---- impressions ---- */

typedef struct sy_imp {
    double pressure;            /* scale of the contact silhouette, 0.82..1.05 (0.55..0.75
                                   when partial), within the finger's own silhouette */
    double ox, oy;              /* partial contact: the contact silhouette's offset */
    double pcx, pcy, pr, pk;    /* plastic distortion: close-contact disc, transition width */
    double dth, dtx, dty;       /* rigid motion of the outer region */
    double gth, gtx, gty;       /* placement on the scanner */
    double thresh;              /* ridge threshold: > 0 dry (thin), < 0 wet (thick) */
    sy_wave tvar[3];            /* dry/wet: the threshold varies over the print */
    sy_wave cvar[2];            /* uneven pressure: contrast varies over the print */
    double noise, bg, contrast;
} sy_imp;

static void sy_imp_make(sy_imp *p, const bio_synth_master *ms, uint32_t k)
{
    sy_rng r = sy_stream(ms->seed, ms->finger, k + 1, SY_USE_IMP);
    const sy_model *m = &ms->mod;
    p->pressure = sy_range(&r, 0.82, 1.05);
    p->ox = p->oy = 0;
    /* One touch in ten is partial: only the tip, a side or the lower part touched. */
    if (sy_unit(&r) < 0.10) {
        double a = sy_range(&r, 0, 2 * SY_PI);
        p->pressure = sy_range(&r, 0.55, 0.75);
        p->ox = sy_range(&r, 30, 60) * cos(a);
        p->oy = sy_range(&r, 40, 80) * sin(a);
    }
    p->pcx = m->cx + p->ox + sy_range(&r, -25, 25);
    p->pcy = m->cy + p->oy + sy_range(&r, -25, 25);
    p->pr = sy_range(&r, 25, 60);
    p->pk = sy_range(&r, 50, 110);
    /* Cappelli's measurements put the outer region up to ~10 px and a few degrees away. */
    p->dth = sy_range(&r, -0.08, 0.08);
    p->dtx = sy_range(&r, -10, 10);
    p->dty = sy_range(&r, -10, 10);
    p->gth = sy_range(&r, -0.25, 0.25); /* about +-15 degrees */
    p->gtx = sy_range(&r, -22, 22);
    p->gty = sy_range(&r, -22, 22);
    /* Skin: 60% normal, 20% dry (thin ridges, broken where the field lifts the threshold),
       20% wet (thick ridges merging where it lowers it). */
    double skin = sy_unit(&r), tv = 0.08;
    if (skin < 0.2) {
        p->thresh = sy_range(&r, 0.25, 0.5);
        tv = 0.3;
    } else if (skin < 0.4) {
        p->thresh = sy_range(&r, -0.55, -0.3);
        tv = 0.2;
    } else {
        p->thresh = sy_range(&r, -0.25, 0.25);
    }
    for (int i = 0; i < 3; i++)
        p->tvar[i] = sy_wave_draw(&r, 0.05, 0.15, 0.3 * tv, tv);
    for (int i = 0; i < 2; i++)
        p->cvar[i] = sy_wave_draw(&r, 0.01, 0.03, 0.05, 0.2);
    p->noise = sy_range(&r, 4, 18);
    p->bg = sy_range(&r, 200, 245);
    p->contrast = sy_range(&r, 0.55, 1.0);
}

/* Inside-ness of the contact area at master point (x, y) (<= 1 inside): the finger's own
   silhouette, and the touching part of it scaled by `scale` (and offset when partial). */
static double sy_contact(const sy_model *m, const sy_imp *p, double x, double y, double scale)
{
    double a = sy_area(m, x, y, 1.0), b = sy_area(m, x - p->ox, y - p->oy, scale);
    return a > b ? a : b;
}

static double sy_brake(const sy_imp *p, double x, double y)
{
    double d = sqrt((x - p->pcx) * (x - p->pcx) + (y - p->pcy) * (y - p->pcy)) - p->pr;
    if (d <= 0)
        return 0;
    if (d >= p->pk)
        return 1;
    return 0.5 * (1 - cos(SY_PI * d / p->pk));
}

/* Plastic displacement of master point v: the outer region's rigid motion, braked. */
static void sy_plastic_delta(const sy_imp *p, double x, double y, double *ddx, double *ddy)
{
    double b = sy_brake(p, x, y);
    double c = cos(p->dth), s = sin(p->dth), rx = x - p->pcx, ry = y - p->pcy;
    *ddx = b * (c * rx - s * ry + p->pcx + p->dtx - x);
    *ddy = b * (s * rx + c * ry + p->pcy + p->dty - y);
}

static void sy_forward(const sy_imp *p, double x, double y, double *u, double *v)
{
    double dx, dy;
    sy_plastic_delta(p, x, y, &dx, &dy);
    double wx = x + dx - SY_W / 2.0, wy = y + dy - SY_H / 2.0;
    double c = cos(p->gth), s = sin(p->gth);
    *u = c * wx - s * wy + SY_W / 2.0 + p->gtx;
    *v = s * wx + c * wy + SY_H / 2.0 + p->gty;
}

static void sy_inverse(const sy_imp *p, double u, double v, double *x, double *y)
{
    double c = cos(p->gth), s = sin(p->gth);
    double ux = u - SY_W / 2.0 - p->gtx, uy = v - SY_H / 2.0 - p->gty;
    double wx = c * ux + s * uy + SY_W / 2.0, wy = -s * ux + c * uy + SY_H / 2.0;
    double px = wx, py = wy;
    for (int it = 0; it < 8; it++) {
        double dx, dy;
        sy_plastic_delta(p, px, py, &dx, &dy);
        px = wx - dx;
        py = wy - dy;
    }
    *x = px;
    *y = py;
}

static void sy_imp_minutiae(const bio_synth_master *ms, const sy_imp *p, uint32_t k,
                            bio_template *tpl)
{
    sy_rng r = sy_stream(ms->seed, ms->finger, k + 1, SY_USE_MINUTIAE);
    const bio_template *src = &ms->minutiae;
    *tpl = (bio_template){0};
    sy_template_header(tpl);
    tpl->impression = 0;
    for (int i = 0; i < src->count; i++) {
        const bio_minutia *mu = &src->m[i];
        double drop = sy_unit(&r), jx = sy_gauss(&r), jy = sy_gauss(&r), ja = sy_gauss(&r);
        if (sy_contact(&ms->mod, p, mu->x, mu->y, p->pressure * 0.95) > 1.0 ||
            sy_on_scar(&ms->mod, mu->x, mu->y))
            continue;
        double img_ang = -(double)mu->angle;
        double u0, v0, u1, v1;
        sy_forward(p, mu->x, mu->y, &u0, &v0);
        sy_forward(p, mu->x + 4 * cos(img_ang), mu->y + 4 * sin(img_ang), &u1, &v1);
        double ang = -atan2(v1 - v0, u1 - u0); /* before the position jitter */
        u0 += 1.0 * jx;
        v0 += 1.0 * jy;
        if (u0 < 10 || v0 < 10 || u0 >= SY_W - 10 || v0 >= SY_H - 10 || drop < 0.06)
            continue;
        bio_minutia *o = &tpl->m[tpl->count++];
        o->x = (uint16_t)lround(u0);
        o->y = (uint16_t)lround(v0);
        o->angle = (float)sy_wrap(ang + 0.05 * ja);
        o->type = mu->type;
        o->quality = (uint8_t)(60 + (int)(sy_unit(&r) * 40));
    }
    /* A real extractor also reports a few false minutiae (scars, noise, creases). */
    int spurious = (int)(sy_unit(&r) * 4);
    for (int s = 0; s < spurious && tpl->count < BIO_MAX_MINUTIAE; s++) {
        double x = sy_range(&r, ms->mod.cx - ms->mod.half_w, ms->mod.cx + ms->mod.half_w);
        double y = sy_range(&r, ms->mod.cy - ms->mod.top_h, ms->mod.cy + ms->mod.bottom_h);
        double a = sy_range(&r, 0, 2 * SY_PI);
        if (sy_contact(&ms->mod, p, x, y, p->pressure * 0.9) > 1.0)
            continue;
        double u0, v0;
        sy_forward(p, x, y, &u0, &v0);
        if (u0 < 10 || v0 < 10 || u0 >= SY_W - 10 || v0 >= SY_H - 10)
            continue;
        bio_minutia *o = &tpl->m[tpl->count++];
        o->x = (uint16_t)lround(u0);
        o->y = (uint16_t)lround(v0);
        o->angle = (float)a;
        o->type = sy_unit(&r) < 0.5 ? BIO_MINUTIA_ENDING : BIO_MINUTIA_BIFURCATION;
        o->quality = 40;
    }
}

static double sy_sample(const float *f, double x, double y)
{
    if (x < 0 || y < 0 || x >= SY_W - 1 || y >= SY_H - 1)
        return 0;
    int ix = (int)x, iy = (int)y;
    double fx = x - ix, fy = y - iy;
    const float *q = f + (size_t)iy * SY_W + ix;
    return (1 - fy) * ((1 - fx) * (double)q[0] + fx * (double)q[1]) +
           fy * ((1 - fx) * (double)q[SY_W] + fx * (double)q[SY_W + 1]);
}

static bio_status sy_imp_image(const bio_synth_master *ms, const sy_imp *p, uint32_t k,
                               bio_image *img, bio_msg *msg)
{
    size_t n = (size_t)SY_W * SY_H;
    float *g = malloc(n * sizeof(float));
    uint8_t *px = malloc(n);
    if (g == NULL || px == NULL) {
        free(g);
        free(px);
        return bio_fail(msg, BIO_ENOMEM, "out of memory for a synthetic impression");
    }
    sy_rng r = sy_stream(ms->seed, ms->finger, k + 1, SY_USE_NOISE);
    for (int v = 0; v < SY_H; v++)
        for (int u = 0; u < SY_W; u++) {
            double x, y, val = p->bg;
            sy_inverse(p, u, v, &x, &y);
            double in = sy_contact(&ms->mod, p, x, y, p->pressure);
            if (in <= 1.0) {
                double rv = sy_on_scar(&ms->mod, x, y) ? -1.0 : sy_sample(ms->ridge, x, y);
                /* contact fades near the silhouette's edge: lighter, lower contrast */
                double fade = in < 0.75 ? 1.0 : (1.0 - in) / 0.25;
                double th = p->thresh + sy_wave_at(p->tvar, 3, x, y);
                double c = p->contrast * (1.0 + sy_wave_at(p->cvar, 2, x, y));
                c = c < 0.25 ? 0.25 : c > 1.0 ? 1.0 : c;
                double dark = 0.5 + 0.5 * tanh(4.0 * (rv - th));
                val = p->bg - fade * c * dark * (p->bg - 20.0);
            }
            g[(size_t)v * SY_W + u] = (float)(val + p->noise * sy_gauss(&r));
        }
    /* 3x3 box blur: the scanner's optics */
    for (int v = 0; v < SY_H; v++)
        for (int u = 0; u < SY_W; u++) {
            double s = 0;
            int c = 0;
            for (int j = -1; j <= 1; j++)
                for (int i = -1; i <= 1; i++) {
                    int uu = u + i, vv = v + j;
                    if (uu < 0 || vv < 0 || uu >= SY_W || vv >= SY_H)
                        continue;
                    s += (double)g[(size_t)vv * SY_W + uu];
                    c++;
                }
            long q = lround(s / c);
            px[(size_t)v * SY_W + u] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
        }
    free(g);
    img->width = SY_W;
    img->height = SY_H;
    img->dpi = BIO_SYNTH_DPI;
    img->pixels = px;
    return BIO_OK;
}

bio_status bio_synth_impression(const bio_synth_master *m, uint32_t impression,
                                bio_image *img, bio_template *tpl, bio_msg *msg)
{
    if (m == NULL)
        return bio_fail(msg, BIO_EINVAL, "synth: no master");
    if (img != NULL && m->ridge == NULL)
        return bio_fail(msg, BIO_EINVAL,
                        "synth: an image needs a rendered master (template mode has none)");
    sy_imp p;
    sy_imp_make(&p, m, impression);
    if (img != NULL) {
        bio_status st = sy_imp_image(m, &p, impression, img, msg);
        if (st != BIO_OK)
            return st;
    }
    if (tpl != NULL)
        sy_imp_minutiae(m, &p, impression, tpl);
    return BIO_OK;
}

bio_status bio_synth_template(uint64_t seed, uint32_t finger, uint32_t impression,
                              bio_template *tpl, bio_msg *msg)
{
    if (tpl == NULL)
        return bio_fail(msg, BIO_EINVAL, "synth: no output template");
    bio_synth_master ms;
    sy_master_init(&ms, seed, finger);
    sy_place_minutiae(&ms);
    sy_imp p;
    sy_imp_make(&p, &ms, impression);
    sy_imp_minutiae(&ms, &p, impression, tpl);
    return BIO_OK;
}
