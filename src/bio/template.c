/*
 * template.c - ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 finger minutiae records.
 *
 * Layout (big-endian throughout):
 *   ISO header, 24 bytes: "FMR\0" " 20\0" length(4) capture-device(2) width(2) height(2)
 *     res-x(2) res-y(2) views(1) reserved(1)
 *   ANSI header, 26 or 30 bytes: "FMR\0" " 20\0" length(2, or 0 then 4) CBEFF product id(4)
 *     equipment(2) width(2) height(2) res-x(2) res-y(2) views(1) reserved(1)
 *   per view: finger position(1) view number(4 bits)|impression type(4 bits)(1) quality(1)
 *     minutiae(1); each minutia 6 bytes: type(2 bits)|x(14) reserved(2)|y(14) angle(1)
 *     quality(1); then extended data length(2) and that many bytes of blocks, each
 *     type(2) length(2, counting its own 4 header bytes) data.
 *   Our ridge map (bio.h bio_ridge_map) is one block of vendor-defined type RIDGE_TYPE (ISO
 *   reserves 0x00xx; 0x0101..0xFFFF with a non-zero low byte are vendor-defined): data
 *   "RM" version(1)=1 cell(1) x0(2) y0(2) cols(1) rows(1), a bitmap of cols x rows bits
 *   (row-major, most significant bit first, 1 = the cell has a code, padded with 0 bits to a
 *   byte), then one code byte per set bit. A block of that type that does not start "RM" 1 is
 *   someone else's and is skipped like any other; one that does must add up exactly.
 * Angles: ISO unit 1.40625 degrees (256 per turn), ANSI unit 2 degrees (0..179).
 * Design: a cursor with explicit bounds (struct rd) so every read is checked and every error
 * names the byte offset. Must never read outside buf or accept a record that does not add up.
 */
#include "bio/template.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.28318530717958647692
#define RIDGE_TYPE 0x4B54   /* "KT": ktpel's vendor-defined extended data type */
#define RIDGE_HEAD 10       /* "RM", version, cell, x0, y0, cols, rows */

const char *bio_template_format_name(bio_template_format f)
{
    switch (f) {
    case BIO_TEMPLATE_ISO: return "iso-19794-2-2005";
    case BIO_TEMPLATE_ANSI: return "ansi-378-2004";
    case BIO_TEMPLATE_UNKNOWN: break;
    }
    return "unknown";
}

float bio_angle_from_iso(uint8_t a)
{
    return (float)(a * TWO_PI / 256.0);
}

uint8_t bio_angle_to_iso(float radians)
{
    double u = fmod((double)radians * 256.0 / TWO_PI, 256.0);
    if (u < 0)
        u += 256.0;
    return (uint8_t)((long)lround(u) & 255);
}

float bio_angle_from_ansi(uint8_t a)
{
    return (float)(a * 2.0 * TWO_PI / 360.0);
}

/* A bounded big-endian reader. */
struct rd {
    const uint8_t *b;
    size_t n, pos;
};

static int rd_has(const struct rd *r, size_t k)
{
    return r->pos <= r->n && k <= r->n - r->pos;
}

static uint8_t rd_u8(struct rd *r)
{
    return r->b[r->pos++];
}

static uint16_t rd_u16(struct rd *r)
{
    uint16_t v = (uint16_t)(r->b[r->pos] << 8 | r->b[r->pos + 1]);
    r->pos += 2;
    return v;
}

static uint32_t rd_u32(struct rd *r)
{
    uint32_t v = (uint32_t)r->b[r->pos] << 24 | (uint32_t)r->b[r->pos + 1] << 16 |
                 (uint32_t)r->b[r->pos + 2] << 8 | r->b[r->pos + 3];
    r->pos += 4;
    return v;
}

/* Bytes of the ridge-map block's data for rm (cols > 0), bitmap and codes included. */
static size_t ridge_block_data(const bio_ridge_map *rm)
{
    size_t nc = (size_t)rm->cols * rm->rows, n = 0;
    for (size_t i = 0; i < nc; i++)
        n += rm->v[i] != BIO_RIDGE_NONE;
    return RIDGE_HEAD + (nc + 7) / 8 + n;
}

/*
 * Read our ridge-map block's data d (len bytes, "RM" checked by the caller) into rm. at is the
 * data's offset in the record, for messages.
 */
static bio_status ridge_read(const uint8_t *d, size_t len, size_t at, int vi,
                             bio_ridge_map *rm, bio_msg *msg)
{
    if (len < RIDGE_HEAD)
        return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map at byte %zu is %zu bytes, shorter "
                        "than its %d-byte header", vi, at, len, RIDGE_HEAD);
    if (d[2] != 1)
        return bio_fail(msg, BIO_EUNSUPPORTED, "view %d: ridge map version %u at byte %zu (only "
                        "1)", vi, d[2], at + 2);
    int cell = d[3], cols = d[8], rows = d[9];
    if (cell == 0 || cols == 0 || rows == 0 || cols > BIO_RIDGE_MAX_SIDE ||
        rows > BIO_RIDGE_MAX_SIDE || cols * rows > BIO_RIDGE_MAX_CELLS)
        return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map at byte %zu: cell %d, %d x %d "
                        "cells (at most %d a side, %d in all)", vi, at, cell, cols, rows,
                        BIO_RIDGE_MAX_SIDE, BIO_RIDGE_MAX_CELLS);
    size_t nc = (size_t)cols * (size_t)rows, nbm = (nc + 7) / 8;
    if (len < RIDGE_HEAD + nbm)
        return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map at byte %zu: %zu bytes, its "
                        "bitmap alone needs %zu", vi, at, len, RIDGE_HEAD + nbm);
    const uint8_t *bm = d + RIDGE_HEAD, *code = bm + nbm;
    size_t set = 0;
    for (size_t i = 0; i < nbm * 8; i++) {
        int bit = bm[i / 8] >> (7 - i % 8) & 1;
        if (bit && i >= nc)
            return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map at byte %zu: padding bit %zu "
                            "set", vi, at, i);
        set += (size_t)bit;
    }
    if (len != RIDGE_HEAD + nbm + set)
        return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map at byte %zu is %zu bytes; its "
                        "bitmap says %zu", vi, at, len, RIDGE_HEAD + nbm + set);
    memset(rm, 0, sizeof *rm);
    rm->cell = (uint8_t)cell;
    rm->x0 = (uint16_t)(d[4] << 8 | d[5]);
    rm->y0 = (uint16_t)(d[6] << 8 | d[7]);
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        if (!(bm[i / 8] >> (7 - i % 8) & 1)) {
            rm->v[i] = BIO_RIDGE_NONE;
            continue;
        }
        uint8_t v = code[k++];
        if (v >> 4 > 14)
            return bio_fail(msg, BIO_EFORMAT, "view %d: ridge map code 0x%02X at byte %zu: "
                            "period step %u is not 0..14", vi, v,
                            at + RIDGE_HEAD + nbm + k - 1, (unsigned)(v >> 4));
        rm->v[i] = v;
    }
    rm->cols = (uint8_t)cols;
    rm->rows = (uint8_t)rows;
    return BIO_OK;
}

static bio_status trunc_at(bio_msg *msg, const struct rd *r, const char *what, size_t need)
{
    return bio_fail(msg, BIO_ETRUNC, "record truncated at byte %zu: %s needs %zu bytes, %zu "
                    "left", r->pos, what, need, r->pos <= r->n ? r->n - r->pos : 0);
}

/* Parse one view at r (bounded to the record). */
static bio_status parse_view(struct rd *r, bio_template_format fmt, int vi, bio_template *t,
                             uint32_t *ext_total, bio_msg *msg)
{
    if (!rd_has(r, 4))
        return trunc_at(msg, r, "finger view header", 4);
    size_t at = r->pos;
    t->finger_position = rd_u8(r);
    uint8_t vb = rd_u8(r);
    t->view_number = vb >> 4;
    t->impression = vb & 15;
    t->quality = rd_u8(r);
    t->count = rd_u8(r);
    if (t->finger_position > 10)
        return bio_fail(msg, BIO_EFORMAT, "view %d at byte %zu: finger position %u is not "
                        "0..10", vi, at, t->finger_position);
    if (t->impression > 9)
        return bio_fail(msg, BIO_EFORMAT, "view %d at byte %zu: impression type %u is not "
                        "defined", vi, at + 1, t->impression);
    if (t->quality > 100)
        return bio_fail(msg, BIO_EFORMAT, "view %d at byte %zu: finger quality %u exceeds 100",
                        vi, at + 2, t->quality);
    if (!rd_has(r, (size_t)t->count * 6))
        return trunc_at(msg, r, "minutiae", (size_t)t->count * 6);
    for (int i = 0; i < t->count; i++) {
        size_t mat = r->pos;
        uint16_t x = rd_u16(r), y = rd_u16(r);
        uint8_t a = rd_u8(r), q = rd_u8(r);
        bio_minutia *m = &t->m[i];
        unsigned type = x >> 14;
        if (type == 3)
            return bio_fail(msg, BIO_EFORMAT, "view %d minutia %d at byte %zu: type bits 11 are "
                            "reserved", vi, i, mat);
        m->type = type == 1 ? BIO_MINUTIA_ENDING
                  : type == 2 ? BIO_MINUTIA_BIFURCATION : BIO_MINUTIA_OTHER;
        m->x = x & 0x3FFF;
        m->y = y & 0x3FFF;
        if (fmt == BIO_TEMPLATE_ANSI && a > 179)
            return bio_fail(msg, BIO_EFORMAT, "view %d minutia %d at byte %zu: ANSI angle %u "
                            "exceeds 179 (2-degree units)", vi, i, mat + 4, a);
        m->angle = fmt == BIO_TEMPLATE_ANSI ? bio_angle_from_ansi(a) : bio_angle_from_iso(a);
        if (q > 100)
            return bio_fail(msg, BIO_EFORMAT, "view %d minutia %d at byte %zu: quality %u "
                            "exceeds 100", vi, i, mat + 5, q);
        m->quality = q;
    }
    if (!rd_has(r, 2))
        return trunc_at(msg, r, "extended data length", 2);
    uint16_t ext = rd_u16(r);
    if (!rd_has(r, ext))
        return trunc_at(msg, r, "extended data", ext);
    /* Walk the blocks so a corrupt length is caught; read our ridge map, skip the rest. */
    size_t end = r->pos + ext;
    while (r->pos < end) {
        if (end - r->pos < 4)
            return bio_fail(msg, BIO_EFORMAT, "view %d: extended data block header at byte %zu "
                            "overruns the %u-byte area", vi, r->pos, ext);
        size_t bat = r->pos;
        uint16_t type = rd_u16(r);
        uint16_t bl = rd_u16(r);
        if (bl < 4 || bl > end - bat)
            return bio_fail(msg, BIO_EFORMAT, "view %d: extended data block at byte %zu has "
                            "length %u, outside 4..%zu", vi, bat, bl, end - bat);
        const uint8_t *d = r->b + bat + 4;
        if (type == RIDGE_TYPE && bl >= 4 + 3 && d[0] == 'R' && d[1] == 'M') {
            if (t->ridge.cols)
                return bio_fail(msg, BIO_EFORMAT, "view %d: a second ridge map at byte %zu", vi,
                                bat);
            bio_status st = ridge_read(d, bl - 4u, bat + 4, vi, &t->ridge, msg);
            if (st != BIO_OK)
                return st;
        }
        r->pos = bat + bl;
    }
    *ext_total += ext;
    return BIO_OK;
}

bio_status bio_template_decode(const uint8_t *buf, size_t len, bio_template **views,
                               size_t *count, bio_template_record *rec, bio_msg *msg)
{
    bio_template_record hdr;
    memset(&hdr, 0, sizeof hdr);
    bio_template *v = NULL;
    bio_status st = BIO_OK;
    if (views)
        *views = NULL;
    if (count)
        *count = 0;
    if (rec)
        memset(rec, 0, sizeof *rec);
    if (!views || !count || (!buf && len))
        return bio_fail(msg, BIO_EINVAL, "no record or output");
    struct rd r = {buf, len, 0};
    if (len < 8)
        return bio_fail(msg, memcmp(buf, "FMR", len < 4 ? len : 4) == 0 ? BIO_ETRUNC
                                                                         : BIO_EFORMAT,
                        "record of %zu bytes is shorter than the 8-byte format identifier", len);
    if (memcmp(buf, "FMR", 4) != 0)
        return bio_fail(msg, BIO_EFORMAT, "not a finger minutiae record: bytes 0..3 are not "
                        "\"FMR\\0\"");
    if (memcmp(buf + 4, " 20", 4) != 0)
        return bio_fail(msg, BIO_EUNSUPPORTED, "version \"%.3s\" at byte 4 is not supported "
                        "(only \" 20\": ISO 19794-2:2005 / ANSI 378-2004)", (const char *)buf + 4);
    r.pos = 8;
    if (!rd_has(&r, 4))
        return trunc_at(msg, &r, "record length", 4);
    /*
     * ISO writes a 4-byte length; ANSI a 2-byte one, or 0 then 4 bytes for records over 64 KiB.
     * A non-zero first pair is therefore ANSI; an ISO length under 24 means ANSI's long form.
     */
    uint16_t l16 = (uint16_t)(buf[8] << 8 | buf[9]);
    uint32_t l32 = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 |
                   buf[11];
    size_t hdr_len;
    if (l16 != 0) {
        hdr.format = BIO_TEMPLATE_ANSI;
        hdr.length = l16;
        r.pos = 10;
        hdr_len = 26;
    } else if (l32 >= 24 || len < 14) {
        hdr.format = BIO_TEMPLATE_ISO;
        hdr.length = l32;
        r.pos = 12;
        hdr_len = 24;
    } else {
        hdr.format = BIO_TEMPLATE_ANSI;
        r.pos = 10;
        hdr.length = rd_u32(&r);
        hdr_len = 30;
    }
    if (hdr.length < hdr_len)
        return bio_fail(msg, BIO_EFORMAT, "record length %u (byte 8) is shorter than the "
                        "%zu-byte %s header", hdr.length, hdr_len,
                        bio_template_format_name(hdr.format));
    if (hdr.length > len)
        return bio_fail(msg, BIO_ETRUNC, "record truncated: its header says %u bytes, %zu "
                        "present", hdr.length, len);
    hdr.trailing = len - hdr.length; /* bytes after the record: padding, not ours */
    if (hdr.format == BIO_TEMPLATE_ANSI)
        hdr.product_id = rd_u32(&r);
    hdr.capture_equipment = rd_u16(&r);
    hdr.width = rd_u16(&r);
    hdr.height = rd_u16(&r);
    hdr.res_x = rd_u16(&r);
    hdr.res_y = rd_u16(&r);
    hdr.view_count = rd_u8(&r);
    rd_u8(&r); /* reserved */
    if (hdr.view_count == 0)
        return bio_fail(msg, BIO_EFORMAT, "record holds no finger view (byte %zu)", r.pos - 2);
    v = calloc(hdr.view_count, sizeof *v);
    if (!v)
        return bio_fail(msg, BIO_ENOMEM, "out of memory for %u views", hdr.view_count);
    for (int i = 0; i < hdr.view_count; i++) {
        bio_template *t = &v[i];
        t->width = hdr.width;
        t->height = hdr.height;
        t->res_x = hdr.res_x;
        t->res_y = hdr.res_y;
        t->capture_equipment = hdr.capture_equipment;
        if ((st = parse_view(&r, hdr.format, i, t, &hdr.extended_bytes, msg)) != BIO_OK)
            goto out;
    }
    /*
     * The views must end where the header says. One tolerated exception: views that end
     * exactly at the end of the data, past a stated length that is short (the ISO 19794-2:2005
     * Annex C example record states 340 bytes and holds 341).
     */
    if (r.pos != hdr.length) {
        if (r.pos != len) {
            st = bio_fail(msg, BIO_EFORMAT, "record length says %u bytes, but its %u views end "
                          "at byte %zu", hdr.length, hdr.view_count, r.pos);
            goto out;
        }
        hdr.length_mismatch = 1;
        hdr.trailing = 0;
    }
    *views = v;
    *count = hdr.view_count;
    v = NULL;
    if (rec)
        *rec = hdr;
out:
    free(v);
    return st;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

bio_status bio_template_encode_iso(const bio_template *views, size_t count, uint8_t **out,
                                   size_t *len, bio_msg *msg)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!views || !out || !len || count == 0)
        return bio_fail(msg, BIO_EINVAL, "nothing to encode");
    if (count > 255)
        return bio_fail(msg, BIO_EINVAL, "%zu views; a record holds at most 255", count);
    size_t total = 24;
    for (size_t i = 0; i < count; i++) {
        const bio_template *t = &views[i];
        if (t->count > BIO_MAX_MINUTIAE)
            return bio_fail(msg, BIO_EINVAL, "view %zu: %u minutiae, at most %d", i, t->count,
                            BIO_MAX_MINUTIAE);
        if (t->width != views[0].width || t->height != views[0].height ||
            t->res_x != views[0].res_x || t->res_y != views[0].res_y)
            return bio_fail(msg, BIO_EINVAL, "view %zu: size or resolution differs from view 0",
                            i);
        if (t->finger_position > 10 || t->impression > 15 || t->view_number > 15 ||
            t->quality > 100)
            return bio_fail(msg, BIO_EINVAL, "view %zu: finger position, impression, view "
                            "number or quality out of range", i);
        for (int k = 0; k < t->count; k++) {
            const bio_minutia *m = &t->m[k];
            if (m->x > 0x3FFF || m->y > 0x3FFF || m->type > BIO_MINUTIA_BIFURCATION ||
                m->quality > 100)
                return bio_fail(msg, BIO_EINVAL, "view %zu minutia %d: coordinate, type or "
                                "quality out of range", i, k);
        }
        total += 4 + 6 * (size_t)t->count + 2;
        const bio_ridge_map *rm = &t->ridge;
        if (rm->cols) {
            int nc = rm->cols * rm->rows;
            if (rm->rows == 0 || rm->cell == 0 || rm->cols > BIO_RIDGE_MAX_SIDE ||
                rm->rows > BIO_RIDGE_MAX_SIDE || nc > BIO_RIDGE_MAX_CELLS)
                return bio_fail(msg, BIO_EINVAL, "view %zu: ridge map of %u x %u cells of %u "
                                "px out of range", i, rm->cols, rm->rows, rm->cell);
            for (int k = 0; k < nc; k++)
                if (rm->v[k] != BIO_RIDGE_NONE && rm->v[k] >> 4 > 14)
                    return bio_fail(msg, BIO_EINVAL, "view %zu: ridge map cell %d: code 0x%02X "
                                    "is not a cell code", i, k, rm->v[k]);
            total += 4 + ridge_block_data(rm);
        }
    }
    uint8_t *b = calloc(1, total);
    if (!b)
        return bio_fail(msg, BIO_ENOMEM, "out of memory encoding a record");
    memcpy(b, "FMR\0 20\0", 8);
    b[8] = (uint8_t)(total >> 24);
    b[9] = (uint8_t)(total >> 16);
    b[10] = (uint8_t)(total >> 8);
    b[11] = (uint8_t)total;
    put16(b + 12, views[0].capture_equipment);
    put16(b + 14, views[0].width);
    put16(b + 16, views[0].height);
    put16(b + 18, views[0].res_x);
    put16(b + 20, views[0].res_y);
    b[22] = (uint8_t)count;
    size_t p = 24;
    for (size_t i = 0; i < count; i++) {
        const bio_template *t = &views[i];
        b[p++] = t->finger_position;
        b[p++] = (uint8_t)(t->view_number << 4 | t->impression);
        b[p++] = t->quality;
        b[p++] = (uint8_t)t->count;
        for (int k = 0; k < t->count; k++) {
            const bio_minutia *m = &t->m[k];
            unsigned type = m->type == BIO_MINUTIA_ENDING ? 1u
                            : m->type == BIO_MINUTIA_BIFURCATION ? 2u : 0u;
            put16(b + p, type << 14 | m->x);
            put16(b + p + 2, m->y);
            b[p + 4] = bio_angle_to_iso(m->angle);
            b[p + 5] = m->quality;
            p += 6;
        }
        const bio_ridge_map *rm = &t->ridge;
        if (!rm->cols) {
            p += 2; /* extended data length 0 */
            continue;
        }
        size_t dl = ridge_block_data(rm), nc = (size_t)rm->cols * rm->rows;
        put16(b + p, (unsigned)(4 + dl));
        put16(b + p + 2, RIDGE_TYPE);
        put16(b + p + 4, (unsigned)(4 + dl));
        p += 6;
        b[p] = 'R';
        b[p + 1] = 'M';
        b[p + 2] = 1;
        b[p + 3] = rm->cell;
        put16(b + p + 4, rm->x0);
        put16(b + p + 6, rm->y0);
        b[p + 8] = rm->cols;
        b[p + 9] = rm->rows;
        uint8_t *bm = b + p + RIDGE_HEAD, *code = bm + (nc + 7) / 8;
        for (size_t k = 0; k < nc; k++)
            if (rm->v[k] != BIO_RIDGE_NONE) {
                bm[k / 8] |= (uint8_t)(0x80 >> (k % 8));
                *code++ = rm->v[k];
            }
        p += dl;
    }
    *out = b;
    *len = total;
    return BIO_OK;
}
