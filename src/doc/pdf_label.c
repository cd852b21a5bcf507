/*
 * pdf_label.c - (e) the archive box label. The SOP's "Pencatatan dan Pendataan" keeps the
 * paper files in the archive rack (Rak Arsip); a box is found by its rack and box number and
 * the range of files it holds (receipt or application numbers, or dates), printed large
 * enough to read on a shelf.
 *
 * Never: assign racks or boxes (the archive register does).
 */
#include "doc/pdf.h"
#include "doc/pdf_int.h"

#include <stdio.h>
#include <string.h>

/* A short identifier given as a string or as an integer ("3" or 3). */
static kt_code short_id(const json_t *in, const char *key, int required, char *out,
                        size_t cap, kt_error *err)
{
    const json_t *v = json_object_get(in, key);
    out[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        if (required)
            return kt_fail(err, KT_EINVAL, "field_missing", key, "kolom '%s' wajib diisi", key);
        return KT_OK;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
        return KT_OK;
    }
    const char *s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) >= cap)
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' harus teks 1..%zu karakter atau bilangan", key, cap - 1);
    snprintf(out, cap, "%s", s);
    return KT_OK;
}

kt_code pdf_label(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    char rack[17], box[17], line[200];
    const char *from = NULL, *to = NULL, *period = NULL, *kind = NULL;
    long long count = -1;
    pdf_ctx c;
    kt_code rc;

    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = short_id(in, "rack", 1, rack, sizeof rack, err)) != KT_OK ||
        (rc = short_id(in, "box", 1, box, sizeof box, err)) != KT_OK ||
        (rc = pdf_get_str(in, "from", 1, 40, &from, err)) != KT_OK ||
        (rc = pdf_get_str(in, "to", 1, 40, &to, err)) != KT_OK ||
        (rc = pdf_get_str(in, "period", 0, 60, &period, err)) != KT_OK ||
        (rc = pdf_get_str(in, "kind", 0, 32, &kind, err)) != KT_OK ||
        (rc = pdf_get_int(in, "count", 0, 0, 1000000, &count, err)) != KT_OK)
        return rc;
    if (kind != NULL && pdf_label_kind(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "field_invalid", "kind",
                       "jenis permohonan '%s' tidak dikenal", kind);

    if ((rc = pdf_ctx_open(&c, 148, 105, "Label Boks Arsip e-KTP", err)) != KT_OK)
        return rc;
    float mx = PDF_MM(8), cx = c.w / 2;
    pdf_stroke_rect(&c, PDF_MM(4), PDF_MM(4), c.w - PDF_MM(8), c.h - PDF_MM(8), 1.5f);
    float y = pdf_kop(&c, json_object_get(in, "office"), c.h - PDF_MM(6), 0.7f);
    y -= 17;
    pdf_text(&c, c.bold, 12, cx, y, 'c', "ARSIP BERKAS PERMOHONAN e-KTP");
    y -= 10;
    /* Two big cells: RAK | BOKS. */
    float cw = (c.w - 2 * mx - PDF_MM(4)) / 2, ch = PDF_MM(26);
    float cy = y - ch;
    pdf_stroke_rect(&c, mx, cy, cw, ch, 1);
    pdf_stroke_rect(&c, mx + cw + PDF_MM(4), cy, cw, ch, 1);
    pdf_text(&c, c.font, 9, mx + cw / 2, y - 12, 'c', "RAK");
    pdf_text(&c, c.font, 9, mx + cw * 1.5f + PDF_MM(4), y - 12, 'c', "BOKS");
    pdf_text(&c, c.bold, 40, mx + cw / 2, cy + 10, 'c', rack);
    pdf_text(&c, c.bold, 40, mx + cw * 1.5f + PDF_MM(4), cy + 10, 'c', box);
    y = cy - 18;
    snprintf(line, sizeof line, "%s  s.d.  %s", from, to);
    pdf_text(&c, c.font, 9, mx, y, 'l', "Isi:");
    pdf_text(&c, c.bold, 13, mx + 24, y, 'l', line);
    y -= 15;
    line[0] = '\0';
    if (kind != NULL)
        snprintf(line, sizeof line, "%s", pdf_label_kind(kind));
    if (period != NULL)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%sPeriode %s",
                 line[0] != '\0' ? "  |  " : "", period);
    if (count >= 0)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%lld berkas",
                 line[0] != '\0' ? "  |  " : "", count);
    pdf_text(&c, c.font, 9, mx, y, 'l', line);
    return pdf_ctx_finish(&c, buf, len, err);
}
