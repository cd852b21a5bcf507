/*
 * test_template.c - ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 records (src/bio/template.c).
 *
 * Records are encoded in code and decoded back; an ANSI record is built byte by byte; every
 * prefix of a valid record and random byte flips must give an error or a consistent decode,
 * never a crash. The ridge map (bio.h) travels in an extended data block of its own and comes
 * back exactly; a broken one is refused, someone else's block of the same type is skipped.
 * With ../shared: every FVC .iso decodes and re-encodes byte for byte, the
 * invalid-iso records fail as truncated, and the biomdi example record (ANSI and ISO) decodes
 * to the same minutiae in both formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bio/image.h"
#include "bio/template.h"

#define PI 3.14159265358979323846

/* Two views with varied minutiae. */
static void sample_views(bio_template v[2])
{
    memset(v, 0, 2 * sizeof *v);
    for (int k = 0; k < 2; k++) {
        v[k].width = 400;
        v[k].height = 500;
        v[k].res_x = v[k].res_y = 197;
        v[k].finger_position = (uint8_t)(k ? 7 : 2);
        v[k].view_number = (uint8_t)k;
        v[k].impression = 0;
        v[k].quality = 60;
        v[k].capture_equipment = 0x0123;
        v[k].count = (uint16_t)(k ? 3 : 40);
        for (int i = 0; i < v[k].count; i++) {
            bio_minutia *m = &v[k].m[i];
            m->x = (uint16_t)(13 * i % 400);
            m->y = (uint16_t)(29 * i % 500);
            m->angle = bio_angle_from_iso((uint8_t)(i * 37 % 256));
            m->type = (uint8_t)(i % 3);
            m->quality = (uint8_t)(i * 7 % 101);
        }
    }
}

static void assert_views_equal(const bio_template *a, const bio_template *b, float tol)
{
    assert_int_equal(a->finger_position, b->finger_position);
    assert_int_equal(a->view_number, b->view_number);
    assert_int_equal(a->impression, b->impression);
    assert_int_equal(a->quality, b->quality);
    assert_int_equal(a->count, b->count);
    for (int i = 0; i < a->count; i++) {
        assert_int_equal(a->m[i].x, b->m[i].x);
        assert_int_equal(a->m[i].y, b->m[i].y);
        assert_int_equal(a->m[i].type, b->m[i].type);
        assert_int_equal(a->m[i].quality, b->m[i].quality);
        double d = fabs((double)a->m[i].angle - (double)b->m[i].angle);
        d = fmin(d, 2 * PI - d);
        if (d > (double)tol)
            fail_msg("minutia %d: angles %f and %f differ by %f", i, (double)a->m[i].angle,
                     (double)b->m[i].angle, d);
    }
}

static void test_iso_roundtrip(void **state)
{
    (void)state;
    bio_template v[2];
    sample_views(v);
    uint8_t *rec;
    size_t len;
    bio_msg m;
    assert_int_equal(bio_template_encode_iso(v, 2, &rec, &len, &m), BIO_OK);
    assert_int_equal(len, 24 + (4 + 40 * 6 + 2) + (4 + 3 * 6 + 2));
    assert_memory_equal(rec, "FMR\0 20\0", 8);
    bio_template *out;
    size_t n;
    bio_template_record hdr;
    assert_int_equal(bio_template_decode(rec, len, &out, &n, &hdr, &m), BIO_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hdr.format, BIO_TEMPLATE_ISO);
    assert_int_equal(hdr.length, len);
    assert_int_equal(hdr.width, 400);
    assert_int_equal(hdr.capture_equipment, 0x0123);
    assert_views_equal(&out[0], &v[0], 1e-6f);
    assert_views_equal(&out[1], &v[1], 1e-6f);
    /* and encode(decode(x)) == x */
    uint8_t *again;
    size_t len2;
    assert_int_equal(bio_template_encode_iso(out, n, &again, &len2, &m), BIO_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, rec, len);
    free(again);
    free(out);
    free(rec);
}

/* A 5 x 3 ridge map on view 0 (15 cells: the bitmap has a padding bit), four cells empty. */
static void sample_ridge(bio_template *t)
{
    bio_ridge_map *rm = &t->ridge;
    rm->cols = 5;
    rm->rows = 3;
    rm->cell = 24;
    rm->x0 = 10;
    rm->y0 = 300;
    for (int i = 0; i < 15; i++)
        rm->v[i] = (i % 4 == 1) ? BIO_RIDGE_NONE : bio_ridge_code(i * 0.2, 5.0 + 0.6 * i);
}

static void assert_ridge_equal(const bio_ridge_map *a, const bio_ridge_map *b)
{
    assert_int_equal(a->cols, b->cols);
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cell, b->cell);
    assert_int_equal(a->x0, b->x0);
    assert_int_equal(a->y0, b->y0);
    assert_memory_equal(a->v, b->v, (size_t)a->cols * a->rows);
}

static void test_ridge_map_roundtrip(void **state)
{
    (void)state;
    bio_template v[2];
    sample_views(v);
    sample_ridge(&v[0]);
    uint8_t *rec;
    size_t len;
    bio_msg m;
    assert_int_equal(bio_template_encode_iso(v, 2, &rec, &len, &m), BIO_OK);
    /* view 0: 4 + 240 minutiae bytes + 2, then a 4-byte block header, 10 bytes of head, a
       2-byte bitmap and 11 codes */
    size_t blk = 24 + 4 + 40 * 6 + 2;
    assert_int_equal(len, 24 + (4 + 40 * 6 + 2 + 4 + 10 + 2 + 11) + (4 + 3 * 6 + 2));
    assert_int_equal(rec[blk - 2] << 8 | rec[blk - 1], 27);     /* extended data length */
    assert_int_equal(rec[blk] << 8 | rec[blk + 1], 0x4B54);    /* vendor-defined type "KT" */
    assert_memory_equal(rec + blk + 4, "RM\1", 3);
    bio_template *out;
    size_t n;
    bio_template_record hdr;
    assert_int_equal(bio_template_decode(rec, len, &out, &n, &hdr, &m), BIO_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hdr.extended_bytes, 27);
    assert_views_equal(&out[0], &v[0], 1e-6f);
    assert_ridge_equal(&out[0].ridge, &v[0].ridge);
    assert_int_equal(out[1].ridge.cols, 0);
    uint8_t *again;
    size_t len2;
    assert_int_equal(bio_template_encode_iso(out, n, &again, &len2, &m), BIO_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, rec, len);
    free(again);
    free(out);

    /* Every prefix is truncated; the block is checked before anything is returned. */
    for (size_t k = 0; k < len; k++)
        assert_int_equal(bio_template_decode(rec, k, &out, &n, NULL, &m), BIO_ETRUNC);
    uint8_t *d = rec + blk + 4;   /* the block's data */
    d[11] |= 1;                   /* the padding bit after the 15 cells */
    assert_int_equal(bio_template_decode(rec, len, &out, &n, NULL, &m), BIO_EFORMAT);
    assert_non_null(strstr(m.text, "padding"));
    d[11] &= 0xFE;
    d[12] = 0xF3;                 /* the first code: a period step of 15 */
    assert_int_equal(bio_template_decode(rec, len, &out, &n, NULL, &m), BIO_EFORMAT);
    assert_non_null(strstr(m.text, "period step"));
    d[12] = v[0].ridge.v[0];
    d[9] = 4;                     /* 5 x 4 cells: the bitmap no longer adds up */
    assert_int_equal(bio_template_decode(rec, len, &out, &n, NULL, &m), BIO_EFORMAT);
    d[9] = 3;
    d[2] = 2;                     /* a version we do not know */
    assert_int_equal(bio_template_decode(rec, len, &out, &n, NULL, &m), BIO_EUNSUPPORTED);
    d[2] = 1;
    /* A block of the same type that is not ours ("RM" missing) is skipped like any other. */
    d[0] = 'X';
    assert_int_equal(bio_template_decode(rec, len, &out, &n, NULL, &m), BIO_OK);
    assert_int_equal(out[0].ridge.cols, 0);
    assert_int_equal(out[0].count, 40);
    free(out);
    free(rec);

    /* Encoding refuses a map that is not one. */
    v[0].ridge.v[3] = 0xF0;
    assert_int_equal(bio_template_encode_iso(v, 1, &rec, &len, &m), BIO_EINVAL);
    v[0].ridge.v[3] = 0x12;
    v[0].ridge.cols = BIO_RIDGE_MAX_SIDE + 1;
    assert_int_equal(bio_template_encode_iso(v, 1, &rec, &len, &m), BIO_EINVAL);
    assert_null(rec);
}

static void test_angles(void **state)
{
    (void)state;
    for (int a = 0; a < 256; a++)
        assert_int_equal(bio_angle_to_iso(bio_angle_from_iso((uint8_t)a)), a);
    assert_int_equal(bio_angle_to_iso((float)(2 * PI)), 0);
    assert_int_equal(bio_angle_to_iso((float)(-PI / 2)), 192);
    assert_true(fabs((double)bio_angle_from_ansi(45) - PI / 2) < 1e-6); /* 45 * 2 degrees */
}

static void test_every_prefix_fails(void **state)
{
    (void)state;
    bio_template v[2];
    sample_views(v);
    uint8_t *rec;
    size_t len;
    bio_msg m;
    assert_int_equal(bio_template_encode_iso(v, 2, &rec, &len, &m), BIO_OK);
    for (size_t k = 0; k < len; k++) {
        bio_template *out = (bio_template *)&m; /* must be reset to NULL */
        size_t n = 99;
        m.text[0] = 0;
        bio_status st = bio_template_decode(rec, k, &out, &n, NULL, &m);
        if (st != BIO_ETRUNC)
            fail_msg("prefix %zu/%zu: %s (%s)", k, len, bio_status_name(st), m.text);
        assert_null(out);
        assert_int_equal(n, 0);
        assert_true(strlen(m.text) > 10);
    }
    free(rec);
}

static void test_byte_flips(void **state)
{
    (void)state;
    bio_template v[2];
    sample_views(v);
    uint8_t *rec;
    size_t len;
    bio_msg m;
    assert_int_equal(bio_template_encode_iso(v, 2, &rec, &len, &m), BIO_OK);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    srand(12345);
    int ok = 0, bad = 0;
    for (int it = 0; it < 20000; it++) {
        memcpy(c, rec, len);
        int flips = 1 + it % 3;
        for (int j = 0; j < flips; j++)
            c[(size_t)rand() % (it % 2 ? 40 : len)] ^= (uint8_t)(1 + rand() % 255);
        bio_template *out;
        size_t n;
        bio_status st = bio_template_decode(c, len, &out, &n, NULL, &m);
        if (st == BIO_OK) {
            ok++;
            assert_true(n >= 1);
            for (size_t k = 0; k < n; k++)
                assert_true(out[k].count <= BIO_MAX_MINUTIAE);
            free(out);
        } else {
            bad++;
            assert_null(out);
        }
    }
    printf("byte flips: %d decoded, %d refused\n", ok, bad);
    assert_true(bad > 0);
    free(c);
    free(rec);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void test_ansi_record(void **state)
{
    (void)state;
    /* ANSI INCITS 378-2004: 26-byte header, one view, 2 minutiae, 9 bytes of extended data. */
    uint8_t r[26 + 4 + 12 + 2 + 9];
    memset(r, 0, sizeof r);
    memcpy(r, "FMR\0 20\0", 8);
    put16(r + 8, sizeof r);
    put16(r + 10, 0x0033);       /* CBEFF owner */
    put16(r + 12, 0x0001);       /* CBEFF type */
    put16(r + 14, 0x8005);       /* equipment: compliance bit + id 5 */
    put16(r + 16, 300);
    put16(r + 18, 400);
    put16(r + 20, 197);
    put16(r + 22, 197);
    r[24] = 1;
    uint8_t *p = r + 26;
    p[0] = 3;                    /* right middle */
    p[1] = 0x21;                 /* view 2, impression 1 */
    p[2] = 80;
    p[3] = 2;
    put16(p + 4, 0x4000 | 120);  /* ending at 120,200, 90 degrees */
    put16(p + 6, 200);
    p[8] = 45;
    p[9] = 70;
    put16(p + 10, 0x8000 | 10);  /* bifurcation at 10,20, 358 degrees */
    put16(p + 12, 20);
    p[14] = 179;
    p[15] = 0;
    put16(p + 16, 9);            /* extended data: one 9-byte block */
    put16(p + 18, 0x0001);
    put16(p + 20, 9);
    bio_template *v;
    size_t n;
    bio_template_record hdr;
    bio_msg m;
    assert_int_equal(bio_template_decode(r, sizeof r, &v, &n, &hdr, &m), BIO_OK);
    assert_int_equal(hdr.format, BIO_TEMPLATE_ANSI);
    assert_int_equal(hdr.product_id, 0x00330001);
    assert_int_equal(hdr.extended_bytes, 9);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].finger_position, 3);
    assert_int_equal(v[0].view_number, 2);
    assert_int_equal(v[0].impression, 1);
    assert_int_equal(v[0].count, 2);
    assert_int_equal(v[0].m[0].type, BIO_MINUTIA_ENDING);
    assert_int_equal(v[0].m[0].x, 120);
    assert_true(fabs((double)v[0].m[0].angle - PI / 2) < 1e-5);
    assert_int_equal(v[0].m[1].type, BIO_MINUTIA_BIFURCATION);
    assert_true(fabs((double)v[0].m[1].angle - 358 * PI / 180) < 1e-5);
    free(v);
    /* an ANSI angle over 179 is refused, naming the byte */
    p[8] = 200;
    assert_int_equal(bio_template_decode(r, sizeof r, &v, &n, NULL, &m), BIO_EFORMAT);
    assert_non_null(strstr(m.text, "byte 34"));
    p[8] = 45;
    /* an extended block longer than its area */
    put16(p + 20, 12);
    assert_int_equal(bio_template_decode(r, sizeof r, &v, &n, NULL, &m), BIO_EFORMAT);
    put16(p + 20, 9);
    /* every prefix is truncated */
    for (size_t k = 0; k < sizeof r; k++)
        assert_int_equal(bio_template_decode(r, k, &v, &n, NULL, &m), BIO_ETRUNC);
}

static void test_bad_records(void **state)
{
    (void)state;
    bio_template *v;
    size_t n;
    bio_msg m;
    assert_int_equal(bio_template_decode((const uint8_t *)"GIF89a..", 8, &v, &n, NULL, &m),
                     BIO_EFORMAT);
    assert_int_equal(bio_template_decode((const uint8_t *)"FMR\0 30\0....", 12, &v, &n, NULL,
                                         &m), BIO_EUNSUPPORTED);
    bio_template t[2];
    sample_views(t);
    uint8_t *rec;
    size_t len;
    assert_int_equal(bio_template_encode_iso(t, 1, &rec, &len, &m), BIO_OK);
    rec[22] = 0; /* no views */
    assert_int_equal(bio_template_decode(rec, len, &v, &n, NULL, &m), BIO_EFORMAT);
    rec[22] = 1;
    rec[24] = 11; /* finger position */
    assert_int_equal(bio_template_decode(rec, len, &v, &n, NULL, &m), BIO_EFORMAT);
    assert_non_null(strstr(m.text, "finger position"));
    rec[24] = 2;
    rec[28] |= 0xC0; /* reserved minutia type 11 */
    assert_int_equal(bio_template_decode(rec, len, &v, &n, NULL, &m), BIO_EFORMAT);
    free(rec);
    /* encoding refuses out-of-range values */
    t[0].m[0].x = 0x4000;
    assert_int_equal(bio_template_encode_iso(t, 1, &rec, &len, &m), BIO_EINVAL);
    assert_null(rec);
    t[0].m[0].x = 1;
    t[1].width = 10;
    assert_int_equal(bio_template_encode_iso(t, 2, &rec, &len, &m), BIO_EINVAL);
}

/* ------------------------------------------------------------ shared data */

static const char *shared(void)
{
    const char *s = getenv("KTPEL_SHARED");
    static char p[512];
    if (!s)
        return NULL;
    snprintf(p, sizeof p, "%s/data/fingerprints", s);
    return access(p, R_OK) == 0 ? p : NULL;
}

static uint8_t *load(const char *path, size_t *len)
{
    uint8_t *b;
    bio_msg m;
    if (bio_read_file(path, 1u << 20, &b, len, &m) != BIO_OK)
        fail_msg("%s", m.text);
    return b;
}

static void test_shared_fvc_iso(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    int files = 0, minutiae = 0;
    for (int db = 1; db <= 4; db++) {
        char dir[640];
        snprintf(dir, sizeof dir, "%s/fvc2002/DB%d_B", shared(), db);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t nl = strlen(e->d_name);
            if (nl < 5 || strcmp(e->d_name + nl - 4, ".iso") != 0)
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            size_t len;
            uint8_t *b = load(p, &len);
            bio_template *v;
            size_t n;
            bio_template_record hdr;
            bio_msg m;
            if (bio_template_decode(b, len, &v, &n, &hdr, &m) != BIO_OK)
                fail_msg("%s: %s", p, m.text);
            assert_int_equal(hdr.format, BIO_TEMPLATE_ISO);
            assert_int_equal(v[0].width, 300);
            assert_int_equal(v[0].height, 400);
            uint8_t *again;
            size_t len2;
            assert_int_equal(bio_template_encode_iso(v, n, &again, &len2, &m), BIO_OK);
            if (len2 != len || memcmp(again, b, len) != 0)
                fail_msg("%s: re-encoding differs", p);
            files++;
            minutiae += v[0].count;
            /* every prefix of a real record fails as truncated */
            if (files <= 4)
                for (size_t k = 0; k < len; k++) {
                    bio_template *x;
                    assert_int_equal(bio_template_decode(b, k, &x, &n, NULL, &m), BIO_ETRUNC);
                }
            free(again);
            free(v);
            free(b);
        }
        closedir(d);
    }
    printf("FVC2002 B: %d ISO records decoded and re-encoded byte for byte, %d minutiae\n",
           files, minutiae);
    assert_int_equal(files, 320);
}

static void test_shared_invalid_and_sourceafis(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    static const char *bad[] = {"101_1_truncate_1_byte.iso", "101_1_truncate_2_bytes.iso",
                                "101_1_truncate_3_bytes.iso"};
    for (size_t i = 0; i < 3; i++) {
        char p[768];
        snprintf(p, sizeof p, "%s/invalid-iso/%s", shared(), bad[i]);
        size_t len;
        uint8_t *b = load(p, &len);
        bio_template *v;
        size_t n;
        bio_msg m;
        assert_int_equal(bio_template_decode(b, len, &v, &n, NULL, &m), BIO_ETRUNC);
        assert_non_null(strstr(m.text, "truncated"));
        free(b);
    }
    /* SourceAFIS ISO templates: 263/269-byte records zero-padded to 384 bytes */
    char p[768];
    snprintf(p, sizeof p, "%s/sourceafis-testres/iso-probe.dat", shared());
    size_t len;
    uint8_t *b = load(p, &len);
    bio_template *v;
    size_t n;
    bio_template_record hdr;
    bio_msg m;
    assert_int_equal(bio_template_decode(b, len, &v, &n, &hdr, &m), BIO_OK);
    assert_int_equal(hdr.length, 263);
    assert_int_equal(hdr.trailing, 384 - 263);
    assert_int_equal(v[0].count, 38);
    free(v);
    free(b);
}

static void test_shared_ansi_vs_iso(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    char pa[768], pi[768];
    snprintf(pa, sizeof pa, "%s/biomdi/Sampledata/fingerminutia/ANSI-INCITS-378_2004/"
             "Appendix-B2_Example.raw", shared());
    snprintf(pi, sizeof pi, "%s/biomdi/Sampledata/fingerminutia/ISO-19794-2_2005/"
             "Appendix-C2_Example.raw", shared());
    size_t la, li;
    uint8_t *ba = load(pa, &la), *bi = load(pi, &li);
    bio_template *va, *vi;
    size_t na, ni;
    bio_template_record ha, hi;
    bio_msg m;
    assert_int_equal(bio_template_decode(ba, la, &va, &na, &ha, &m), BIO_OK);
    assert_int_equal(bio_template_decode(bi, li, &vi, &ni, &hi, &m), BIO_OK);
    assert_int_equal(ha.format, BIO_TEMPLATE_ANSI);
    assert_int_equal(hi.format, BIO_TEMPLATE_ISO);
    assert_int_equal(hi.length_mismatch, 1); /* the ISO example states 340 bytes, holds 341 */
    assert_int_equal(na, 2);
    assert_int_equal(ni, 2);
    double worst = 0;
    for (size_t k = 0; k < 2; k++) {
        /* ANSI angles are in 2-degree units, ISO in 1.40625: they agree within ~1.7 degrees */
        assert_views_equal(&va[k], &vi[k], (float)(2.0 * PI / 180));
        for (int i = 0; i < va[k].count; i++) {
            double d = fabs((double)va[k].m[i].angle - (double)vi[k].m[i].angle);
            worst = fmax(worst, fmin(d, 2 * PI - d));
        }
    }
    printf("biomdi example: %u + %u minutiae identical in ANSI and ISO, worst angle gap %.2f "
           "degrees\n", va[0].count, va[1].count, worst * 180 / PI);
    free(va);
    free(vi);
    free(ba);
    free(bi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_roundtrip),
        cmocka_unit_test(test_ridge_map_roundtrip),
        cmocka_unit_test(test_angles),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_ansi_record),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_shared_fvc_iso),
        cmocka_unit_test(test_shared_invalid_and_sourceafis),
        cmocka_unit_test(test_shared_ansi_vs_iso),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
