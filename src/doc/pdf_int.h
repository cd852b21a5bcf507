/*
 * pdf_int.h - what the document files of src/doc share: a drawing context over libharu,
 * the kop surat, text layout, QR drawing, input readers and the Indonesian labels of the
 * domain's ids. Internal to src/doc; nothing outside includes it.
 *
 * Coordinates are PDF points from the bottom-left corner (libharu's); PDF_MM converts.
 * Drawing calls do not return errors: libharu's error handler records the first fault in the
 * context and pdf_ctx_finish() reports it, so a document function reads as a layout.
 */
#ifndef KTPEL_DOC_PDF_INT_H
#define KTPEL_DOC_PDF_INT_H

#include <hpdf.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PDF_MM(x) ((float)(x) * 72.0f / 25.4f)

typedef struct pdf_ctx {
    HPDF_Doc doc;     /* owned; freed by pdf_ctx_finish() / pdf_ctx_close() */
    HPDF_Page page;   /* the current page (owned by doc) */
    HPDF_Font font;   /* DejaVu Sans, WinAnsi (text helpers take UTF-8) */
    HPDF_Font bold;   /* DejaVu Sans Bold, WinAnsi */
    float w, h;       /* page size, points */
    unsigned long hpdf_error, hpdf_detail; /* first libharu error, 0 if none */
} pdf_ctx;

/* Start a document with one page of w_mm x h_mm and the fonts loaded. On failure the
   context is released. */
kt_code pdf_ctx_open(pdf_ctx *c, float w_mm, float h_mm, const char *title, kt_error *err);
/* Add a page of the same size and make it current. */
void pdf_new_page(pdf_ctx *c);
/* Serialize to memory (*buf owned by caller: free()) and release the context. */
kt_code pdf_ctx_finish(pdf_ctx *c, unsigned char **buf, size_t *len, kt_error *err);
/* Release without output (on a failure path). Safe on a zeroed or finished context. */
void pdf_ctx_close(pdf_ctx *c);

/* Text. align: 'l' (x is the left edge), 'c' (x is the centre), 'r' (x is the right edge). */
void pdf_text(pdf_ctx *c, HPDF_Font f, float size, float x, float y, char align, const char *s);
float pdf_text_width(pdf_ctx *c, HPDF_Font f, float size, const char *s);
/* Word-wrapped paragraph from (x, y) within width; returns the y below the last line. */
float pdf_para(pdf_ctx *c, HPDF_Font f, float size, float x, float y, float width,
               float leading, const char *s);
void pdf_line(pdf_ctx *c, float x1, float y1, float x2, float y2, float width);
/* Rectangle filled with an RGB colour (0..1). */
void pdf_fill_rect(pdf_ctx *c, float x, float y, float w, float h, float r, float g, float b);
void pdf_stroke_rect(pdf_ctx *c, float x, float y, float w, float h, float width);

/* Kop surat across the top of the page, from y = top; returns the y below its double rule.
   office (may be NULL): {"government","name","address"} overriding the defaults. */
float pdf_kop(pdf_ctx *c, const json_t *office, float top, float scale);

/* A QR code of text (byte mode, level M) as vector squares, lower-left corner (x, y),
   side `size` including the 4-module quiet zone. */
kt_code pdf_qr(pdf_ctx *c, const char *text, float x, float y, float size, kt_error *err);

/* Input readers. A required field that is absent is KT_EINVAL "field_missing"; a field of
   the wrong type or out of range is KT_EINVAL "field_invalid". Absent optional fields leave
   *out untouched (strings: NULL). */
kt_code pdf_get_str(const json_t *in, const char *key, int required, size_t max,
                    const char **out, kt_error *err);
kt_code pdf_get_int(const json_t *in, const char *key, int required, long long min,
                    long long max, long long *out, kt_error *err);
/* A number (integer or real). */
kt_code pdf_get_num(const json_t *in, const char *key, int required, double min, double max,
                    double *out, kt_error *err);
/* Unix ms, between 2000 and 2100. */
kt_code pdf_get_time(const json_t *in, const char *key, int required, int64_t *out,
                     kt_error *err);
/* "YYYY-MM-DD" checked as a real calendar date; written as "15 Januari 2025". */
kt_code pdf_get_date(const json_t *in, const char *key, int required, char *out, size_t cap,
                     kt_error *err);

/* Asia/Jakarta (UTC+7, no DST). "15 Januari 2025", "08.30 WIB", "15 Januari 2025, 08.30 WIB" */
void pdf_fmt_date(int64_t ms, char *out, size_t cap);
void pdf_fmt_time(int64_t ms, char *out, size_t cap);
void pdf_fmt_datetime(int64_t ms, char *out, size_t cap);
/* "Januari" for 1..12. */
const char *pdf_month_name(int month);

/* The NIK with its middle six digits hidden: 367110******0001. nik must be 16 digits. */
kt_code pdf_mask_nik(const char *nik, char out[17], kt_error *err);

/* Indonesian labels of the domain's ids; NULL when the id is unknown. */
const char *pdf_label_service(const char *id);
const char *pdf_label_kind(const char *id);
const char *pdf_label_document(const char *id);
const char *pdf_label_reason(const char *id);
const char *pdf_label_state(const char *id);

#endif
