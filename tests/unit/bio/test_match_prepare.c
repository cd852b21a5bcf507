/*
 * test_match_prepare.c - bio_prepare()'s fast cylinder construction against the direct one.
 *
 * bio_prepare() computes the direction terms once per neighbour, adds spatial terms only to the
 * cells near each neighbour and tests cells against the hull with quick bounds first (match.c).
 * This test builds every cylinder again with the direct loop of the MCC paper (every cell,
 * every minutia, erf terms per cell, exact hull test) and asserts the same valid cylinders with
 * the same bits. White-box: it compiles match.c into itself to read the opaque bio_prepared
 * (the library's match.o is then not linked in; the rest of the library is).
 * Templates: random ones (sparse, dense clusters, duplicates, 2..255 minutiae, other
 * resolutions) and, when ../shared is present, templates extracted from FVC2002 DB1_B.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/match.c"

#include "bio/extract.h"
#include "bio/image.h"

#include <stdio.h>

/* The direct construction of cylinder a of p (as bio_prepare() did before it was sped up). */
static int direct_cylinder(const bio_prepared *p, int a, cylinder *c)
{
    const double ds = 2.0 * R_CYL / NS;
    const double gs_norm = 1.0 / (SIGMA_S * sqrt(2.0 * PI_D));
    int disk_cells = 0;
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NS; j++) {
            double u = (i - (NS - 1) / 2.0) * ds, v = (j - (NS - 1) / 2.0) * ds;
            if (u * u + v * v <= R_CYL * R_CYL)
                disk_cells++;
        }
    memset(c, 0, sizeof *c);
    c->m = a;
    int neigh = 0;
    for (int b = 0; b < p->n; b++) {
        double dx = p->x[b] - p->x[a], dy = p->y[b] - p->y[a];
        if (b != a && dx * dx + dy * dy <= (R_CYL + 3 * SIGMA_S) * (R_CYL + 3 * SIGMA_S))
            neigh++;
    }
    if (neigh < MIN_M)
        return 0;
    double ca = cos(p->t[a]), sa = sin(p->t[a]);
    int nvalid = 0;
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NS; j++) {
            double u = (i - (NS - 1) / 2.0) * ds, v = (j - (NS - 1) / 2.0) * ds;
            if (u * u + v * v > R_CYL * R_CYL)
                continue;
            double px = p->x[a] + ca * u - sa * v, py = p->y[a] + sa * u + ca * v;
            if (!near_hull_r(p->h, p->nh, px, py, OMEGA))
                continue;
            nvalid++;
            double sum[ND] = {0};
            for (int b = 0; b < p->n; b++) {
                if (b == a)
                    continue;
                double dx = p->x[b] - px, dy = p->y[b] - py, d2 = dx * dx + dy * dy;
                if (d2 > 9 * SIGMA_S * SIGMA_S)
                    continue;
                double gsv = gs_norm * exp(-d2 / (2 * SIGMA_S * SIGMA_S));
                double dth = ang_diff(p->t[a], p->t[b]);
                for (int k = 0; k < ND; k++) {
                    double phik = -PI_D + (k + 0.5) * 2 * PI_D / ND;
                    sum[k] += gsv * gauss_dir(ang_diff(dth, phik));
                }
            }
            for (int k = 0; k < ND; k++) {
                int cell = k * NS * NS + i * NS + j;
                c->valid[cell / 64] |= (uint64_t)1 << (cell % 64);
                if (sum[k] >= MU_PSI)
                    c->bits[cell / 64] |= (uint64_t)1 << (cell % 64);
            }
        }
    return nvalid >= MIN_VC * disk_cells;
}

/* Prepare t and compare every cylinder with the direct construction; returns cylinders seen. */
static int check_template(const bio_template *t)
{
    bio_prepared *p = NULL;
    assert_int_equal(bio_prepare(t, &p, NULL), BIO_OK);
    int k = 0;
    if (p->n >= 2) {
        for (int a = 0; a < p->n; a++) {
            cylinder ref;
            if (!direct_cylinder(p, a, &ref))
                continue;
            assert_true(k < p->nc);
            assert_int_equal(p->cyl[k].m, a);
            assert_memory_equal(p->cyl[k].bits, ref.bits, sizeof ref.bits);
            assert_memory_equal(p->cyl[k].valid, ref.valid, sizeof ref.valid);
            k++;
        }
    }
    assert_int_equal(k, p->nc);
    bio_prepared_free(p);
    return k;
}

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void test_random_templates(void **state)
{
    (void)state;
    bio_template *t = malloc(sizeof *t);
    assert_non_null(t);
    int cyl = 0;
    for (unsigned seed = 1; seed <= 60; seed++) {
        unsigned s = seed * 2654435761u;
        memset(t, 0, sizeof *t);
        t->width = 300;
        t->height = 400;
        /* Resolutions: 500 dpi, 569 dpi (DB2), unknown (0), and unequal axes. */
        static const uint16_t res[4][2] = {{197, 197}, {224, 224}, {0, 0}, {197, 180}};
        t->res_x = res[seed % 4][0];
        t->res_y = res[seed % 4][1];
        int n = seed < 5 ? (int)seed + 1 : (seed % 7 == 0 ? 255 : 10 + (int)(rnd(&s) % 80));
        int spread = seed % 3 == 0 ? 60 : 260;   /* every third: a dense cluster */
        for (int i = 0; i < n; i++) {
            t->m[i].x = (uint16_t)(20 + rnd(&s) % (unsigned)spread);
            t->m[i].y = (uint16_t)(20 + rnd(&s) % (unsigned)(spread + 100));
            t->m[i].angle = (float)(rnd(&s) % 3600) * 3.14159265f / 1800.0f;
            t->m[i].type = (uint8_t)(1 + i % 2);
            t->m[i].quality = (uint8_t)(rnd(&s) % 101);
            if (i > 0 && i % 9 == 0)
                t->m[i] = t->m[i - 1];   /* duplicates happen in decoded records */
        }
        t->count = (uint16_t)n;
        cyl += check_template(t);
    }
    assert_true(cyl > 1000);
    free(t);
}

static void test_fvc_templates(void **state)
{
    (void)state;
    const char *shared = getenv("KTPEL_SHARED");
    bio_template *t = malloc(sizeof *t);
    assert_non_null(t);
    int done = 0;
    for (int f = 101; f <= 110; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/%d_1.tif",
                 shared ? shared : "../shared", f);
        bio_image img;
        bio_msg msg = {{0}};
        if (bio_image_load(path, &img, &msg) != BIO_OK)
            break;
        assert_int_equal(bio_extract(&img, t, &msg), BIO_OK);
        bio_image_free(&img);
        assert_true(check_template(t) > 0);
        done++;
    }
    if (!done)
        printf("SKIP: ../shared not found\n");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_templates),
        cmocka_unit_test(test_fvc_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
