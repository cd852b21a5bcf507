/*
 * minutiae.c - minutiae from a ridge skeleton: crossing number (1 = ridge ending,
 * 3 = bifurcation), then removal of the usual false minutiae of a thinned print:
 *   border     - minutiae near the edge of the foreground (the print simply stops there);
 *   short ridge- an ending whose ridge reaches another ending within ~1.5 ridge periods;
 *   spur       - an ending whose ridge reaches a bifurcation within ~1.5 periods;
 *   bridge/lake- two bifurcations joined by a short skeleton path;
 *   broken ridge - two facing endings close together on one line;
 *   cluster    - three or more minutiae packed within one period.
 * Directions follow ISO/IEC 19794-2: an ending points out of its ridge (along the valley that
 * bifurcates there), a bifurcation points along its stem, away from the fork (along the valley
 * that ends there). With this convention an ending and the bifurcation a smudge turns it into
 * point the same way, which keeps matching stable. The traced direction picks which of the two
 * senses of the smoothed ridge orientation is used.
 *
 * Never: print, keep global state.
 */
#include "bio/extract_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846
#define MAX_CAND 4000

typedef struct cand {
    int x, y;
    int type;          /* BIO_MINUTIA_ENDING / BIO_MINUTIA_BIFURCATION */
    double angle;      /* image-coordinate direction (radians, y down) */
    int quality;
    int dead;
} cand;

static const int RX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int RY[8] = {0, 1, 1, 1, 0, -1, -1, -1};

static int crossing_number(const uint8_t *sk, int w, int x, int y)
{
    int cn = 0;
    for (int i = 0; i < 8; i++) {
        int a = sk[(y + RY[i]) * w + x + RX[i]], b = sk[(y + RY[(i + 1) % 8]) * w + x + RX[(i + 1) % 8]];
        cn += a != b;
    }
    return cn / 2;
}

/* Starting pixels of the branches leaving (x, y): one per run of set ring pixels. */
static int branches(const uint8_t *sk, int w, int x, int y, int bx[4], int by[4])
{
    int n = 0;
    for (int i = 0; i < 8 && n < 4; i++) {
        int prev = (i + 7) % 8;
        int on = sk[(y + RY[i]) * w + x + RX[i]];
        int pon = sk[(y + RY[prev]) * w + x + RX[prev]];
        if (on && !pon) {
            /* Run starts at i; prefer its 4-neighbour pixel (even index) if the run has one. */
            int pick = i;
            if (i % 2 == 1 && sk[(y + RY[(i + 1) % 8]) * w + x + RX[(i + 1) % 8]])
                pick = (i + 1) % 8;
            bx[n] = x + RX[pick];
            by[n] = y + RY[pick];
            n++;
        }
    }
    return n;
}

/*
 * Follow the skeleton from (x0,y0) through (x1,y1) for at most maxlen steps. Stops on a pixel
 * that is a candidate minutia (returns its index in *hit) or a dead end. The end position is
 * returned in *ex, *ey. Returns the number of steps walked.
 */
static int trace(const uint8_t *sk, const int *cmap, int w, int h, int x0, int y0, int x1, int y1,
                 int maxlen, int *ex, int *ey, int *hit)
{
    int hx[3] = {x0, x0, x0}, hy[3] = {y0, y0, y0};
    int cx = x1, cy = y1, steps = 1;
    *hit = -1;
    for (;;) {
        int c = cmap[cy * w + cx];
        if (c >= 0) {
            *hit = c;
            break;
        }
        if (steps >= maxlen)
            break;
        /*
         * Next pixel: not one of the last three, and preferably not touching the previous
         * one (that would cut a corner back towards where we came from); 4-neighbours first.
         */
        int nx = -1, ny = -1, best = 5;
        for (int i = 0; i < 8; i++) {
            int xx = cx + RX[i], yy = cy + RY[i];
            if (xx <= 0 || yy <= 0 || xx >= w - 1 || yy >= h - 1 || !sk[yy * w + xx])
                continue;
            int seen = 0;
            for (int k = 0; k < 3; k++)
                if (xx == hx[k] && yy == hy[k])
                    seen = 1;
            if (seen)
                continue;
            int touches = abs(xx - hx[0]) <= 1 && abs(yy - hy[0]) <= 1;
            int rank = (touches ? 2 : 0) + ((i % 2 == 0) ? 1 : 2);
            if (rank < best) {
                best = rank;
                nx = xx;
                ny = yy;
            }
        }
        if (nx < 0)
            break;
        hx[2] = hx[1];
        hy[2] = hy[1];
        hx[1] = hx[0];
        hy[1] = hy[0];
        hx[0] = cx;
        hy[0] = cy;
        cx = nx;
        cy = ny;
        steps++;
    }
    *ex = cx;
    *ey = cy;
    return steps;
}

static double angle_diff(double a, double b)
{
    double d = fmod(a - b, 2 * PI_D);
    if (d < -PI_D)
        d += 2 * PI_D;
    if (d > PI_D)
        d -= 2 * PI_D;
    return fabs(d);
}

/* 1 if every point within r of (x, y) sampled on a circle lies in the foreground. */
static int inside(const bio_field *f, int x, int y, int r)
{
    for (int i = 0; i < 16; i++) {
        double a = i * PI_D / 8;
        int xx = x + (int)lrint(r * cos(a)), yy = y + (int)lrint(r * sin(a));
        if (xx < 0 || yy < 0 || xx >= f->w || yy >= f->h || !f->fg[yy * f->w + xx])
            return 0;
    }
    return 1;
}

static int cmp_quality(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return y->quality - x->quality;
}

bio_status bio_minutiae_detect(const bio_field *f, double scale, int max, bio_template *out,
                               bio_msg *msg)
{
    bio_status st = BIO_OK;
    int w = f->w, h = f->h;
    int *cmap = malloc((size_t)w * (size_t)h * sizeof *cmap);
    cand *c = malloc(MAX_CAND * sizeof *c);
    int n = 0;
    if (!cmap || !c) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory detecting minutiae");
        goto out;
    }
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        cmap[i] = -1;
    for (int y = 2; y < h - 2; y++)
        for (int x = 2; x < w - 2; x++) {
            if (!f->skel[y * w + x] || !f->fg[y * w + x])
                continue;
            int cn = crossing_number(f->skel, w, x, y);
            if (cn != 1 && cn != 3)
                continue;
            if (n >= MAX_CAND)
                break;
            c[n].x = x;
            c[n].y = y;
            c[n].type = cn == 1 ? BIO_MINUTIA_ENDING : BIO_MINUTIA_BIFURCATION;
            c[n].dead = 0;
            c[n].angle = 0;
            cmap[y * w + x] = n;
            n++;
        }

    /* Per-candidate tracing: direction and the short-ridge / spur / bridge rules. */
    int *kill = calloc((size_t)n + 1, sizeof *kill);
    if (!kill) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory detecting minutiae");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        int bx[4], by[4];
        int nb = branches(f->skel, w, c[i].x, c[i].y, bx, by);
        int b = (c[i].y / BIO_BLK) * f->bw + c[i].x / BIO_BLK;
        if (b >= f->bw * f->bh)
            b = f->bw * f->bh - 1;
        double period = f->period[b] > 0 ? (double)f->period[b] : 9.0;
        int lshort = (int)lrint(1.4 * period), ldir = 10;
        double vx = 0, vy = 0;
        for (int k = 0; k < nb; k++) {
            int ex, ey, hit;
            int steps = trace(f->skel, cmap, w, h, c[i].x, c[i].y, bx[k], by[k], lshort, &ex, &ey, &hit);
            (void)steps;
            if (hit >= 0 && hit != i) {
                int bothend = c[i].type == BIO_MINUTIA_ENDING || c[hit].type == BIO_MINUTIA_ENDING;
                int bothbif = c[i].type == BIO_MINUTIA_BIFURCATION && c[hit].type == BIO_MINUTIA_BIFURCATION;
                if (bothend || (bothbif && steps <= (int)lrint(1.2 * period))) {
                    kill[i] = 1;
                    kill[hit] = 1;
                }
            }
        }
        if (c[i].type == BIO_MINUTIA_ENDING && nb >= 1) {
            int ex, ey, hit;
            trace(f->skel, cmap, w, h, c[i].x, c[i].y, bx[0], by[0], ldir, &ex, &ey, &hit);
            vx = c[i].x - ex;
            vy = c[i].y - ey;
        } else if (nb == 3) {
            double ux[3], uy[3];
            for (int k = 0; k < 3; k++) {
                int ex, ey, hit;
                trace(f->skel, cmap, w, h, c[i].x, c[i].y, bx[k], by[k], ldir, &ex, &ey, &hit);
                double dx = ex - c[i].x, dy = ey - c[i].y, l = sqrt(dx * dx + dy * dy);
                ux[k] = l > 0 ? dx / l : 0;
                uy[k] = l > 0 ? dy / l : 0;
            }
            /* The two branches are the pair closest in direction; the third is the stem. */
            int stem = 0;
            double bestdot = -2;
            for (int k = 0; k < 3; k++) {
                int a = (k + 1) % 3, bb = (k + 2) % 3;
                double d = ux[a] * ux[bb] + uy[a] * uy[bb];
                if (d > bestdot) {
                    bestdot = d;
                    stem = k;
                }
            }
            int a = (stem + 1) % 3, bb = (stem + 2) % 3;
            vx = ux[stem] - 0.5 * (ux[a] + ux[bb]);
            vy = uy[stem] - 0.5 * (uy[a] + uy[bb]);
        } else {
            kill[i] = 1;   /* odd junction: more than three branches */
        }
        double traced = atan2(vy, vx);
        double t = f->orient[b];
        double a1 = t, a2 = t + PI_D;
        c[i].angle = angle_diff(a1, traced) <= angle_diff(a2, traced) ? a1 : a2;
        if (vx == 0 && vy == 0)
            kill[i] = 1;
        /* Quality: local orientation coherence, reduced near the foreground border. */
        double q = f->coh[b];
        if (!inside(f, c[i].x, c[i].y, 20))
            q *= 0.7;
        c[i].quality = (int)lrint(fmin(100.0, 20.0 + 100.0 * q));
        if (!inside(f, c[i].x, c[i].y, 8))
            kill[i] = 1;
    }
    /* Broken ridges: two endings facing each other on one line, closer than ~1.5 periods. */
    for (int i = 0; i < n; i++) {
        if (c[i].type != BIO_MINUTIA_ENDING)
            continue;
        for (int j = i + 1; j < n; j++) {
            if (c[j].type != BIO_MINUTIA_ENDING)
                continue;
            double dx = c[j].x - c[i].x, dy = c[j].y - c[i].y, d2 = dx * dx + dy * dy;
            if (d2 > 16.0 * 16.0 || d2 == 0)
                continue;
            if (angle_diff(c[i].angle, c[j].angle) < 0.75 * PI_D)
                continue;
            if (angle_diff(atan2(dy, dx), c[i].angle) > 0.3 * PI_D)
                continue;
            kill[i] = kill[j] = 1;
        }
    }
    for (int i = 0; i < n; i++)
        c[i].dead = kill[i];
    /* Clusters: a survivor with two or more survivors within 10 pixels goes. */
    for (int i = 0; i < n; i++) {
        if (c[i].dead)
            continue;
        int near = 0;
        for (int j = 0; j < n; j++) {
            if (j == i || c[j].dead)
                continue;
            int dx = c[j].x - c[i].x, dy = c[j].y - c[i].y;
            if (dx * dx + dy * dy <= 100)
                near++;
        }
        if (near >= 2)
            kill[i] = 2;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!kill[i])
            c[m++] = c[i];
    free(kill);
    qsort(c, (size_t)m, sizeof *c, cmp_quality);
    if (m > max)
        m = max;
    out->count = 0;
    for (int i = 0; i < m; i++) {
        bio_minutia *o = &out->m[out->count++];
        double x = c[i].x * scale, y = c[i].y * scale;
        o->x = (uint16_t)(x < 0 ? 0 : (x > 65535 ? 65535 : lrint(x)));
        o->y = (uint16_t)(y < 0 ? 0 : (y > 65535 ? 65535 : lrint(y)));
        /* Image angle (y down) to the ISO counter-clockwise angle. */
        double iso = fmod(-c[i].angle + 4 * PI_D, 2 * PI_D);
        if (iso >= 2 * PI_D)
            iso = 0;
        o->angle = (float)iso;
        o->type = (uint8_t)c[i].type;
        o->quality = (uint8_t)c[i].quality;
    }

out:
    free(cmap);
    free(c);
    return st;
}
