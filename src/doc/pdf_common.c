/*
 * pdf_common.c - the drawing context, kop surat, text layout, QR drawing, input readers
 * and Indonesian labels shared by the document files (see pdf_int.h).
 *
 * Never: write files or read anything but the two font files.
 */
#include "core/documents.h"
#include "core/queue.h"
#include "core/workflow.h"
#include "core/jakarta.h"
#include "core/nik.h"
#include "core/words.h"
#include "doc/pdf.h"
#include "doc/pdf_int.h"

#include <math.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FONT_DIR_DEFAULT "/usr/share/fonts/truetype/dejavu"

static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    pdf_ctx *c = user;
    if (c->hpdf_error == 0) {
        c->hpdf_error = error_no;
        c->hpdf_detail = detail_no;
    }
}

static HPDF_Font load_font(pdf_ctx *c, const char *dir, const char *file, kt_error *err)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof path) {
        kt_fail(err, KT_EINVAL, "font_path", "KTPEL_FONT_DIR", "path folder font terlalu "
                "panjang");
        return NULL;
    }
    if (access(path, R_OK) != 0) {
        kt_fail(err, KT_EIO, "font_missing", path, "font tidak ditemukan; pasang paket "
                "fonts-dejavu-core atau atur KTPEL_FONT_DIR");
        return NULL;
    }
    const char *name = HPDF_LoadTTFontFromFile(c->doc, path, HPDF_TRUE);
    HPDF_Font f = name != NULL ? HPDF_GetFont(c->doc, name, "WinAnsiEncoding") : NULL;
    if (f == NULL)
        kt_fail(err, KT_EIO, "font_load", path, "font tidak dapat dimuat (libharu 0x%04lx)",
                c->hpdf_error);
    return f;
}

kt_code pdf_ctx_open(pdf_ctx *c, float w_mm, float h_mm, const char *title, kt_error *err)
{
    kt_code rc = KT_OK;
    memset(c, 0, sizeof *c);
    c->doc = HPDF_New(on_hpdf_error, c);
    if (c->doc == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup untuk PDF");
    HPDF_SetCompressionMode(c->doc, HPDF_COMP_ALL);
    const char *dir = getenv("KTPEL_FONT_DIR");
    if (dir == NULL || dir[0] == '\0')
        dir = FONT_DIR_DEFAULT;
    c->font = load_font(c, dir, "DejaVuSans.ttf", err);
    if (c->font == NULL) {
        rc = err != NULL ? err->code : KT_EIO;
        goto out;
    }
    c->bold = load_font(c, dir, "DejaVuSans-Bold.ttf", err);
    if (c->bold == NULL) {
        rc = err != NULL ? err->code : KT_EIO;
        goto out;
    }
    HPDF_SetInfoAttr(c->doc, HPDF_INFO_CREATOR, "ktpel");
    HPDF_SetInfoAttr(c->doc, HPDF_INFO_PRODUCER, "ktpel (libharu)");
    if (title != NULL)
        HPDF_SetInfoAttr(c->doc, HPDF_INFO_TITLE, title);
    c->w = PDF_MM(w_mm);
    c->h = PDF_MM(h_mm);
    pdf_new_page(c);
    if (c->page == NULL || c->hpdf_error != 0)
        rc = kt_fail(err, KT_EINTERNAL, "pdf_error", "", "libharu gagal membuat halaman "
                     "(0x%04lx)", c->hpdf_error);
out:
    if (rc != KT_OK)
        pdf_ctx_close(c);
    return rc;
}

void pdf_new_page(pdf_ctx *c)
{
    c->page = HPDF_AddPage(c->doc);
    if (c->page == NULL)
        return;
    HPDF_Page_SetWidth(c->page, c->w);
    HPDF_Page_SetHeight(c->page, c->h);
}

void pdf_ctx_close(pdf_ctx *c)
{
    if (c->doc != NULL)
        HPDF_Free(c->doc);
    c->doc = NULL;
    c->page = NULL;
}

kt_code pdf_ctx_finish(pdf_ctx *c, unsigned char **buf, size_t *len, kt_error *err)
{
    kt_code rc = KT_OK;
    unsigned char *out = NULL;
    *buf = NULL;
    *len = 0;
    if (c->hpdf_error != 0) {
        rc = kt_fail(err, KT_EINTERNAL, "pdf_error", "", "libharu gagal menggambar dokumen "
                     "(0x%04lx, %lu)", c->hpdf_error, c->hpdf_detail);
        goto out;
    }
    if (HPDF_SaveToStream(c->doc) != HPDF_OK) {
        rc = kt_fail(err, KT_EINTERNAL, "pdf_error", "", "libharu gagal menyimpan dokumen "
                     "(0x%04lx)", c->hpdf_error);
        goto out;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(c->doc);
    out = malloc(size > 0 ? size : 1);
    if (out == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup untuk PDF");
        goto out;
    }
    HPDF_ResetStream(c->doc);
    HPDF_UINT32 got = 0;
    while (got < size) {
        HPDF_UINT32 n = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(c->doc, out + got, &n);
        got += n;
        if (st != HPDF_OK && st != HPDF_STREAM_EOF)
            break;
        if (n == 0 || st == HPDF_STREAM_EOF)
            break;
    }
    if (got != size) {
        rc = kt_fail(err, KT_EINTERNAL, "pdf_error", "", "PDF terbaca %u dari %u bita",
                     (unsigned)got, (unsigned)size);
        goto out;
    }
    *buf = out;
    *len = size;
    out = NULL;
out:
    free(out);
    pdf_ctx_close(c);
    return rc;
}

/* ---- drawing ------------------------------------------------------------------------ */

/* Why WinAnsi and not UTF-8: libharu 2.3.0 writes a malformed ToUnicode CMap for its UTF-8
   encoder ("begincidrange"), which poppler warns about and other readers may reject. Bahasa
   Indonesia needs ASCII only; names with Latin-1 letters (é, ü, ...) and typographic quotes
   and dashes still print. Anything else becomes '?'. */
static void to_cp1252(const char *s, char *out, size_t cap)
{
    static const struct {
        unsigned cp;
        unsigned char b;
    } extra[] = {{0x20AC, 0x80}, {0x201A, 0x82}, {0x201E, 0x84}, {0x2026, 0x85},
                 {0x2022, 0x95}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93},
                 {0x201D, 0x94}, {0x2013, 0x96}, {0x2014, 0x97}, {0x2122, 0x99}};
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    while (*p != '\0' && o + 1 < cap) {
        unsigned cp;
        int n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            cp = (unsigned)(*p & 0x1F) << 6 | (p[1] & 0x3F);
            n = 2;
        } else if ((*p & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            cp = (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            n = 3;
        } else {
            cp = '?';
            n = 1;
            while (p[n] != '\0' && (p[n] & 0xC0) == 0x80)
                n++;
        }
        unsigned char b = '?';
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
            b = (unsigned char)cp;
        for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
            if (extra[i].cp == cp)
                b = extra[i].b;
        out[o++] = (char)b;
        p += n;
    }
    out[o] = '\0';
}

float pdf_text_width(pdf_ctx *c, HPDF_Font f, float size, const char *s)
{
    char enc[1024];
    to_cp1252(s, enc, sizeof enc);
    HPDF_Page_SetFontAndSize(c->page, f, size);
    return HPDF_Page_TextWidth(c->page, enc);
}

void pdf_text(pdf_ctx *c, HPDF_Font f, float size, float x, float y, char align, const char *s)
{
    char enc[1024];
    if (s == NULL || s[0] == '\0')
        return;
    float w = pdf_text_width(c, f, size, s);
    if (align == 'c')
        x -= w / 2;
    else if (align == 'r')
        x -= w;
    to_cp1252(s, enc, sizeof enc);
    HPDF_Page_BeginText(c->page);
    HPDF_Page_SetFontAndSize(c->page, f, size);
    HPDF_Page_TextOut(c->page, x, y, enc);
    HPDF_Page_EndText(c->page);
}

float pdf_para(pdf_ctx *c, HPDF_Font f, float size, float x, float y, float width,
               float leading, const char *s)
{
    char line[512];
    size_t ll = 0;
    const char *p = s;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e != '\0' && *e != ' ' && *e != '\n')
            e++;
        size_t wl = (size_t)(e - p);
        if (wl > 0) {
            char trial[512];
            if (ll + 1 + wl >= sizeof trial)
                wl = sizeof trial - ll - 2; /* absurdly long word: cut, never overflow */
            memcpy(trial, line, ll);
            size_t tl = ll;
            if (tl > 0)
                trial[tl++] = ' ';
            memcpy(trial + tl, p, wl);
            tl += wl;
            trial[tl] = '\0';
            if (ll > 0 && pdf_text_width(c, f, size, trial) > width) {
                line[ll] = '\0';
                pdf_text(c, f, size, x, y, 'l', line);
                y -= leading;
                memcpy(line, p, wl);
                ll = wl;
            } else {
                memcpy(line, trial, tl);
                ll = tl;
            }
        }
        p = e;
        if (*p == '\n') {
            line[ll] = '\0';
            pdf_text(c, f, size, x, y, 'l', line);
            y -= leading;
            ll = 0;
            p++;
        }
    }
    if (ll > 0) {
        line[ll] = '\0';
        pdf_text(c, f, size, x, y, 'l', line);
        y -= leading;
    }
    return y;
}

void pdf_line(pdf_ctx *c, float x1, float y1, float x2, float y2, float width)
{
    HPDF_Page_SetLineWidth(c->page, width);
    HPDF_Page_MoveTo(c->page, x1, y1);
    HPDF_Page_LineTo(c->page, x2, y2);
    HPDF_Page_Stroke(c->page);
}

void pdf_fill_rect(pdf_ctx *c, float x, float y, float w, float h, float r, float g, float b)
{
    HPDF_Page_SetRGBFill(c->page, r, g, b);
    HPDF_Page_Rectangle(c->page, x, y, w, h);
    HPDF_Page_Fill(c->page);
    HPDF_Page_SetRGBFill(c->page, 0, 0, 0);
}

void pdf_stroke_rect(pdf_ctx *c, float x, float y, float w, float h, float width)
{
    HPDF_Page_SetLineWidth(c->page, width);
    HPDF_Page_Rectangle(c->page, x, y, w, h);
    HPDF_Page_Stroke(c->page);
}

float pdf_kop(pdf_ctx *c, const json_t *office, float top, float scale)
{
    const char *gov = "PEMERINTAH KOTA TANGERANG";
    const char *name = "KECAMATAN NEGLASARI";
    const char *addr = "Kota Tangerang, Provinsi Banten";
    if (json_is_object(office)) {
        const char *s;
        if ((s = json_string_value(json_object_get(office, "government"))) != NULL)
            gov = s;
        if ((s = json_string_value(json_object_get(office, "name"))) != NULL)
            name = s;
        if ((s = json_string_value(json_object_get(office, "address"))) != NULL)
            addr = s;
    }
    float cx = c->w / 2, y = top;
    y -= 12 * scale;
    pdf_text(c, c->bold, 12 * scale, cx, y, 'c', gov);
    y -= 16 * scale;
    pdf_text(c, c->bold, 15 * scale, cx, y, 'c', name);
    y -= 11 * scale;
    pdf_text(c, c->font, 8 * scale, cx, y, 'c', addr);
    y -= 6 * scale;
    float m = PDF_MM(8) * scale;
    pdf_line(c, m, y, c->w - m, y, 1.6f * scale);
    pdf_line(c, m, y - 2.2f * scale, c->w - m, y - 2.2f * scale, 0.5f * scale);
    return y - 2.2f * scale;
}

kt_code pdf_qr(pdf_ctx *c, const char *text, float x, float y, float size, kt_error *err)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return kt_fail(err, KT_EINVAL, "qr_encode", "token", "teks terlalu panjang untuk "
                       "kode QR");
    int n = qr->width, quiet = 4;
    float m = size / (float)(n + 2 * quiet);
    /* White background including the quiet zone, so a coloured paper still scans. */
    pdf_fill_rect(c, x, y, size, size, 1, 1, 1);
    HPDF_Page_SetRGBFill(c->page, 0, 0, 0);
    for (int r = 0; r < n; r++) {
        int col = 0;
        while (col < n) {
            if ((qr->data[r * n + col] & 1) == 0) {
                col++;
                continue;
            }
            int start = col;
            while (col < n && (qr->data[r * n + col] & 1) != 0)
                col++;
            /* One rectangle per dark run of a row; row 0 is at the top. */
            HPDF_Page_Rectangle(c->page, x + (float)(quiet + start) * m,
                                y + size - (float)(quiet + r + 1) * m,
                                (float)(col - start) * m, m);
        }
    }
    HPDF_Page_Fill(c->page);
    QRcode_free(qr);
    return KT_OK;
}

/* ---- input --------------------------------------------------------------------------- */

kt_code pdf_get_str(const json_t *in, const char *key, int required, size_t max,
                    const char **out, kt_error *err)
{
    const json_t *v = json_object_get(in, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return kt_fail(err, KT_EINVAL, "field_missing", key, "kolom '%s' wajib diisi", key);
        *out = NULL;
        return KT_OK;
    }
    if (!json_is_string(v))
        return kt_fail(err, KT_EINVAL, "field_invalid", key, "kolom '%s' harus berupa teks", key);
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (required && n == 0)
        return kt_fail(err, KT_EINVAL, "field_missing", key, "kolom '%s' tidak boleh kosong",
                       key);
    if (n > max)
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' terlalu panjang (%zu karakter, maksimal %zu)", key, n, max);
    *out = s;
    return KT_OK;
}

kt_code pdf_get_int(const json_t *in, const char *key, int required, long long min,
                    long long max, long long *out, kt_error *err)
{
    const json_t *v = json_object_get(in, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return kt_fail(err, KT_EINVAL, "field_missing", key, "kolom '%s' wajib diisi", key);
        return KT_OK;
    }
    if (!json_is_integer(v))
        return kt_fail(err, KT_EINVAL, "field_invalid", key, "kolom '%s' harus bilangan bulat",
                       key);
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' = %lld di luar rentang %lld..%lld", key, x, min, max);
    *out = x;
    return KT_OK;
}

kt_code pdf_get_num(const json_t *in, const char *key, int required, double min, double max,
                    double *out, kt_error *err)
{
    const json_t *v = json_object_get(in, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return kt_fail(err, KT_EINVAL, "field_missing", key, "kolom '%s' wajib diisi", key);
        return KT_OK;
    }
    if (!json_is_number(v))
        return kt_fail(err, KT_EINVAL, "field_invalid", key, "kolom '%s' harus berupa angka",
                       key);
    double x = json_number_value(v);
    if (!(x >= min && x <= max))
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' = %g di luar rentang %g..%g", key, x, min, max);
    *out = x;
    return KT_OK;
}

kt_code pdf_get_time(const json_t *in, const char *key, int required, int64_t *out,
                     kt_error *err)
{
    long long v = 0;
    /* 2000-01-01 .. 2100-01-01 UTC: catches seconds passed for milliseconds. */
    kt_code rc = pdf_get_int(in, key, required, 946684800000LL, 4102444800000LL, &v, err);
    if (rc == KT_OK && json_object_get(in, key) != NULL)
        *out = v;
    if (rc != KT_OK && err != NULL && strcmp(err->id, "field_invalid") == 0)
        snprintf(err->message, sizeof err->message,
                 "kolom '%s' harus waktu Unix dalam milidetik (tahun 2000..2100)", key);
    return rc;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

kt_code pdf_get_date(const json_t *in, const char *key, int required, char *out, size_t cap,
                     kt_error *err)
{
    const char *s = NULL;
    kt_code rc = pdf_get_str(in, key, required, 10, &s, err);
    if (rc != KT_OK)
        return rc;
    if (s == NULL) {
        if (cap > 0)
            out[0] = '\0';
        return KT_OK;
    }
    int y = 0, m = 0, d = 0, used = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
        y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' harus tanggal YYYY-MM-DD yang ada, bukan '%s'", key, s);
    snprintf(out, cap, "%d %s %d", d, pdf_month_name(m), y);
    return KT_OK;
}

/* ---- time (Asia/Jakarta) ---------------------------------------------------------------- */

/* Dates are written as people read them, by core/words.h (the same words as the pages). */
const char *pdf_month_name(int month)
{
    return words_month(month);
}

void pdf_fmt_date(int64_t ms, char *out, size_t cap)
{
    jkt_datetime dt = jkt_from_utc_ms(ms);
    snprintf(out, cap, "%d %s %d", dt.date.day, pdf_month_name(dt.date.month), dt.date.year);
}

void pdf_fmt_time(int64_t ms, char *out, size_t cap)
{
    jkt_datetime dt = jkt_from_utc_ms(ms);
    snprintf(out, cap, "%02d.%02d WIB", dt.hour, dt.minute);
}

void pdf_fmt_datetime(int64_t ms, char *out, size_t cap)
{
    words_datetime(ms, out, cap);
}

kt_code pdf_mask_nik(const char *nik, char out[17], kt_error *err)
{
    if (nik == NULL || strlen(nik) != 16)
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 digit");
    for (int i = 0; i < 16; i++)
        if (nik[i] < '0' || nik[i] > '9')
            return kt_fail(err, KT_EINVAL, "nik_invalid", "nik",
                           "NIK hanya boleh berisi angka (karakter ke-%d)", i + 1);
    nik_mask(nik, out, 17);
    return KT_OK;
}

/* ---- labels ----------------------------------------------------------------------------- */

/* Labels come from src/core, the one source of the domain's names; NULL for an unknown id. */
const char *pdf_label_service(const char *id)
{
    queue_service v;
    return id != NULL && queue_service_from_str(id, &v) ? queue_service_label(v) : NULL;
}

const char *pdf_label_kind(const char *id)
{
    wf_kind v;
    return id != NULL && wf_kind_from_str(id, &v) ? wf_kind_label(v) : NULL;
}

const char *pdf_label_document(const char *id)
{
    docs_id v;
    return id != NULL && docs_id_from_str(id, &v) ? docs_title(v) : NULL;
}

const char *pdf_label_reason(const char *id)
{
    wf_reason v;
    return id != NULL && wf_reason_from_str(id, &v) ? wf_reason_label(v) : NULL;
}

const char *pdf_label_state(const char *id)
{
    wf_state v;
    return id != NULL && wf_state_from_str(id, &v) ? wf_state_label(v) : NULL;
}

/* ---- QR as SVG (the screens: kiosk ticket, booking confirmation) ---------------------- */

kt_code pdf_qr_svg(const char *text, char **svg, size_t *len, kt_error *err)
{
    *svg = NULL;
    *len = 0;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return kt_fail(err, KT_EINVAL, "qr_encode", "text", "teks terlalu panjang untuk kode QR");
    int n = qr->width, quiet = 4, side = n + 2 * quiet;
    /* One path, a "M x y h w v 1 h -w z" per dark run of a row: a few KB at most. */
    size_t cap = 256 + (size_t)n * (size_t)n * 24, used = 0;
    char *b = malloc(cap);
    if (b == NULL) {
        QRcode_free(qr);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    }
    used += (size_t)snprintf(b, cap,
                             "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                             "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                             "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                             side, side, side, side);
    for (int r = 0; r < n; r++)
        for (int col = 0; col < n;) {
            if ((qr->data[r * n + col] & 1) == 0) {
                col++;
                continue;
            }
            int start = col;
            while (col < n && (qr->data[r * n + col] & 1) != 0)
                col++;
            used += (size_t)snprintf(b + used, cap - used, "M%d %dh%dv1h-%dz", quiet + start,
                                     quiet + r, col - start, col - start);
        }
    used += (size_t)snprintf(b + used, cap - used, "\"/></svg>\n");
    QRcode_free(qr);
    *svg = b;
    *len = used;
    return KT_OK;
}
