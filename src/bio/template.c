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
 * Angles: ISO unit 1.40625 degrees (256 per turn), ANSI unit 2 degrees (0..179).
 * Design: a cursor with explicit bounds (struct rd) so every read is checked and every error
 * names the byte offset. Must never read outside buf or accept a record that does not add up.
 */
#include "bio/template.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.28318530717958647692

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
    /* Walk the blocks so a corrupt length is caught, then skip them. */
    size_t end = r->pos + ext;
    while (r->pos < end) {
        if (end - r->pos < 4)
            return bio_fail(msg, BIO_EFORMAT, "view %d: extended data block header at byte %zu "
                            "overruns the %u-byte area", vi, r->pos, ext);
        size_t bat = r->pos;
        rd_u16(r);
        uint16_t bl = rd_u16(r);
        if (bl < 4 || bl > end - bat)
            return bio_fail(msg, BIO_EFORMAT, "view %d: extended data block at byte %zu has "
                            "length %u, outside 4..%zu", vi, bat, bl, end - bat);
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
        p += 2; /* extended data length 0 */
    }
    *out = b;
    *len = total;
    return BIO_OK;
}
