/*
 * fuzz_template.c - the finger minutiae record codec of src/bio (template.c): ISO/IEC
 * 19794-2:2005 and ANSI INCITS 378-2004 records, their views, minutiae and extended data
 * blocks, ktpel's ridge-map block among them.
 *
 * Besides the sanitizers it checks template.h's promises: a failure gives no views and a
 * reason; a decoded record's views hold at most BIO_MAX_MINUTIAE minutiae inside a valid
 * ridge map; and what decodes re-encodes as ISO (when the encoder accepts it) into a record
 * that decodes to the same views: same minutiae (position, type, quality; the same angle
 * for an ISO source) and the same ridge map.
 */
#include "fuzz.h"

#include "bio/template.h"

static void same_views(const bio_template *a, const bio_template *b, size_t n, int iso_src)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].count != b[i].count || a[i].finger_position != b[i].finger_position ||
            a[i].quality != b[i].quality || a[i].width != b[i].width ||
            a[i].height != b[i].height)
            fz_fail("view %zu changed in an ISO round trip (%u -> %u minutiae)", i, a[i].count,
                    b[i].count);
        for (int k = 0; k < a[i].count; k++) {
            const bio_minutia *x = &a[i].m[k], *y = &b[i].m[k];
            if (x->x != y->x || x->y != y->y || x->quality != y->quality ||
                (x->type != y->type && x->type <= BIO_MINUTIA_BIFURCATION))
                fz_fail("view %zu minutia %d changed in an ISO round trip", i, k);
            if (iso_src && bio_angle_to_iso(x->angle) != bio_angle_to_iso(y->angle))
                fz_fail("view %zu minutia %d: ISO angle changed in a round trip", i, k);
        }
        const bio_ridge_map *p = &a[i].ridge, *q = &b[i].ridge;
        if (p->cols != q->cols || p->rows != q->rows ||
            (p->cols && (p->cell != q->cell || p->x0 != q->x0 || p->y0 != q->y0 ||
                         memcmp(p->v, q->v, (size_t)p->cols * p->rows) != 0)))
            fz_fail("view %zu: ridge map changed in an ISO round trip", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bio_template *v = NULL, *w = NULL;
    size_t n = 0, m = 0, len = 0;
    bio_template_record rec;
    bio_msg msg = {{0}};
    uint8_t *enc = NULL;
    bio_status st = bio_template_decode(data, size, &v, &n, &rec, &msg);
    if (st != BIO_OK) {
        if (v != NULL || n != 0)
            fz_fail("failed decode (%s) returned views", bio_status_name(st));
        if (msg.text[0] == '\0')
            fz_fail("failed decode (%s) gave no reason", bio_status_name(st));
        return 0;
    }
    if (v == NULL || n == 0 || n != rec.view_count || rec.format == BIO_TEMPLATE_UNKNOWN)
        fz_fail("decoded record: %zu views (header %u), format %d", n, rec.view_count,
                rec.format);
    for (size_t i = 0; i < n; i++) {
        const bio_ridge_map *rm = &v[i].ridge;
        if (v[i].count > BIO_MAX_MINUTIAE)
            fz_fail("view %zu holds %u minutiae", i, v[i].count);
        if (rm->cols && (rm->rows == 0 || rm->cell == 0 || rm->cols > BIO_RIDGE_MAX_SIDE ||
                         rm->rows > BIO_RIDGE_MAX_SIDE ||
                         rm->cols * rm->rows > BIO_RIDGE_MAX_CELLS))
            fz_fail("view %zu: ridge map %ux%u of cell %u out of range", i, rm->cols, rm->rows,
                    rm->cell);
    }
    if (bio_template_encode_iso(v, n, &enc, &len, &msg) == BIO_OK) {
        bio_template_record rec2;
        st = bio_template_decode(enc, len, &w, &m, &rec2, &msg);
        if (st != BIO_OK)
            fz_fail("the ISO encoding of a decoded record does not decode: %s", msg.text);
        if (m != n || rec2.format != BIO_TEMPLATE_ISO || rec2.length != len)
            fz_fail("ISO round trip: %zu views -> %zu", n, m);
        same_views(v, w, n, rec.format == BIO_TEMPLATE_ISO);
    }
    free(enc);
    free(w);
    free(v);
    return 0;
}
