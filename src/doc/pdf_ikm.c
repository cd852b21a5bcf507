/*
 * pdf_ikm.c - (g) the citizen satisfaction survey report (Laporan Survei Kepuasan Masyarakat,
 * PermenPANRB 14/2017) of one period: the unit's IKM and its grade, the nine elements (NRR,
 * value on the 25..100 scale, grade) with bars, the respondents against the sample the
 * regulation's table asks for the population served, the weakest elements, the respondents'
 * profile and their suggestions.
 *
 * Input is svc_ikm_report's JSON unchanged (docs/internals/doc.md); every figure arrives as
 * the exact decimal text the service computed ("88.33"), so nothing is re-rounded here.
 *
 * Never: compute a figure (the service does, exactly); print anything that names a respondent.
 */
#include "core/ikm.h"
#include "doc/pdf.h"
#include "doc/pdf_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN PDF_MM(18)
#define BOTTOM PDF_MM(18)

typedef struct ikm_doc {
    pdf_ctx c;
    float y;
    int page;
    char footer[160];
} ikm_doc;

static void footer(ikm_doc *d)
{
    char s[200];
    snprintf(s, sizeof s, "%s  -  halaman %d", d->footer, d->page);
    pdf_text(&d->c, d->c.font, 7.5f, d->c.w / 2, PDF_MM(9), 'c', s);
}

static void ensure(ikm_doc *d, float need)
{
    if (d->y - need >= BOTTOM)
        return;
    pdf_new_page(&d->c);
    d->page++;
    footer(d);
    d->y = d->c.h - PDF_MM(15);
}

static void section(ikm_doc *d, const char *title)
{
    ensure(d, 60);
    d->y -= 20;
    pdf_text(&d->c, d->c.bold, 11, MARGIN, d->y, 'l', title);
    d->y -= 6;
    pdf_line(&d->c, MARGIN, d->y, d->c.w - MARGIN, d->y, 0.4f);
    d->y -= 14;
}

/* "88.89" as Indonesian writes it: "88,89" (the decimal comma). */
static const char *comma(const char *v, char *out, size_t cap)
{
    snprintf(out, cap, "%s", v != NULL ? v : "-");
    for (char *p = out; *p != '\0'; p++)
        if (*p == '.')
            *p = ',';
    return out;
}

/* "A (Sangat Baik)" into out; "-" without a grade. The words are core/ikm.c's. */
static const char *grade_words(const char *g, char *out, size_t cap)
{
    if (g == NULL || g[0] < 'A' || g[0] > 'D')
        return "-";
    snprintf(out, cap, "%c (%s)", g[0], ikm_grade_label(g[0]));
    return out;
}

/* "key: n, key: n" of a count object, labels from label_fn (or the key). */
static void counts_line(ikm_doc *d, const char *title, const json_t *m,
                        const char *(*label_fn)(const char *))
{
    char line[400];
    size_t used = 0;
    const char *k;
    json_t *v;
    line[0] = '\0';
    json_object_foreach((json_t *)(uintptr_t)m, k, v) {
        const char *l = label_fn != NULL && label_fn(k) != NULL ? label_fn(k) : k;
        int n = snprintf(line + used, sizeof line - used, "%s%s: %lld", used ? ", " : "", l,
                         (long long)json_integer_value(v));
        if (n < 0 || (size_t)n >= sizeof line - used)
            break;
        used += (size_t)n;
    }
    ensure(d, 14);
    pdf_text(&d->c, d->c.bold, 9, MARGIN, d->y, 'l', title);
    d->y = pdf_para(&d->c, d->c.font, 9, MARGIN + PDF_MM(32), d->y,
                    d->c.w - 2 * MARGIN - PDF_MM(32), 11, used ? line : "-") - 3;
}

static const char *sex_label(const char *k)
{
    return strcmp(k, "L") == 0 ? "Laki-laki" : strcmp(k, "P") == 0 ? "Perempuan" : NULL;
}

kt_code pdf_ikm(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    const char *label = NULL, *ikm = NULL, *grade = NULL;
    long long respondents = 0, population = 0, sample = 0;
    ikm_doc d;
    kt_code rc;
    char line[300];

    *buf = NULL;
    *len = 0;
    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "label", 1, 40, &label, err)) != KT_OK ||
        (rc = pdf_get_str(in, "ikm", 0, 8, &ikm, err)) != KT_OK ||
        (rc = pdf_get_str(in, "grade", 0, 1, &grade, err)) != KT_OK ||
        (rc = pdf_get_int(in, "respondents", 1, 0, 100000000, &respondents, err)) != KT_OK ||
        (rc = pdf_get_int(in, "population", 0, 0, 100000000, &population, err)) != KT_OK ||
        (rc = pdf_get_int(in, "sample_required", 0, 0, 1000, &sample, err)) != KT_OK)
        return rc;
    const json_t *els = json_object_get(in, "elements");
    if (!json_is_array(els) || (json_array_size(els) != 0 && json_array_size(els) != 9))
        return kt_fail(err, KT_EINVAL, "field_invalid", "elements",
                       "elements harus 9 unsur (atau kosong tanpa responden)");
    size_t i;
    json_t *v;
    json_array_foreach(els, i, v) {
        const char *s;
        char f[32];
        static const char *const keys[] = {"label", "nrr", "value", "grade"};
        for (size_t k = 0; k < 4; k++) {
            snprintf(f, sizeof f, "elements[%zu]", i);
            if ((rc = pdf_get_str(v, keys[k], 1, 80, &s, err)) != KT_OK) {
                snprintf(err->field, sizeof err->field, "elements[%zu].%s", i, keys[k]);
                return rc;
            }
        }
    }

    memset(&d, 0, sizeof d);
    if ((rc = pdf_ctx_open(&d.c, 210, 297, "Laporan Survei Kepuasan Masyarakat", err)) != KT_OK)
        return rc;
    d.page = 1;
    snprintf(d.footer, sizeof d.footer, "Laporan SKM %s", label);
    footer(&d);
    float cx = d.c.w / 2;
    d.y = pdf_kop(&d.c, json_object_get(in, "office"), d.c.h - PDF_MM(12), 1.0f);
    d.y -= 24;
    pdf_text(&d.c, d.c.bold, 13, cx, d.y, 'c', "LAPORAN SURVEI KEPUASAN MASYARAKAT (SKM)");
    d.y -= 16;
    snprintf(line, sizeof line, "Layanan KTP-el - Periode %s", label);
    pdf_text(&d.c, d.c.font, 10.5f, cx, d.y, 'c', line);

    /* The index, big, with its grade. */
    d.y -= 20;
    float bw = d.c.w - 2 * MARGIN, bh = 62;
    pdf_stroke_rect(&d.c, MARGIN, d.y - bh, bw, bh, 0.8f);
    pdf_text(&d.c, d.c.font, 9, MARGIN + PDF_MM(6), d.y - 16, 'l', "Indeks Kepuasan Masyarakat");
    char num[32], gw[40];
    pdf_text(&d.c, d.c.bold, 30, MARGIN + PDF_MM(6), d.y - 48, 'l', comma(ikm, num, sizeof num));
    pdf_text(&d.c, d.c.font, 9, cx + PDF_MM(10), d.y - 16, 'l', "Mutu pelayanan");
    pdf_text(&d.c, d.c.bold, 16, cx + PDF_MM(10), d.y - 42, 'l', grade_words(grade, gw, sizeof gw));
    d.y -= bh + 16;
    snprintf(line, sizeof line,
             "Responden: %lld orang. Penerima layanan (tanda terima) pada periode ini: %lld; "
             "sampel minimal menurut tabel Krejcie dan Morgan: %lld (%s).",
             respondents, population, sample,
             respondents >= sample && respondents > 0 ? "terpenuhi" : "belum terpenuhi");
    d.y = pdf_para(&d.c, d.c.font, 9.5f, MARGIN, d.y, bw, 12, line);

    section(&d, "Nilai per unsur pelayanan");
    float c1 = MARGIN, c2 = MARGIN + PDF_MM(8), c3 = MARGIN + PDF_MM(82), c4 = MARGIN + PDF_MM(98),
          c5 = MARGIN + PDF_MM(116), barx = MARGIN + PDF_MM(128);
    float barw = d.c.w - MARGIN - barx;
    pdf_text(&d.c, d.c.bold, 8.5f, c1, d.y, 'l', "No");
    pdf_text(&d.c, d.c.bold, 8.5f, c2, d.y, 'l', "Unsur");
    pdf_text(&d.c, d.c.bold, 8.5f, c3, d.y, 'l', "NRR");
    pdf_text(&d.c, d.c.bold, 8.5f, c4, d.y, 'l', "Nilai");
    pdf_text(&d.c, d.c.bold, 8.5f, c5, d.y, 'l', "Mutu");
    d.y -= 13;
    json_array_foreach(els, i, v) {
        ensure(&d, 16);
        char no[24];
        snprintf(no, sizeof no, "U%zu", i + 1); /* the regulation's element numbers */
        const char *val = json_string_value(json_object_get(v, "value"));
        pdf_text(&d.c, d.c.font, 8.5f, c1, d.y, 'l', no);
        pdf_text(&d.c, d.c.font, 8.5f, c2, d.y, 'l', json_string_value(json_object_get(v, "label")));
        pdf_text(&d.c, d.c.font, 8.5f, c3, d.y, 'l',
                 comma(json_string_value(json_object_get(v, "nrr")), num, sizeof num));
        pdf_text(&d.c, d.c.bold, 8.5f, c4, d.y, 'l', comma(val, num, sizeof num));
        pdf_text(&d.c, d.c.font, 8.5f, c5, d.y, 'l', json_string_value(json_object_get(v, "grade")));
        /* bar over 25..100 */
        float f = (float)(strtod(val, NULL) - 25.0) / 75.0f;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        pdf_fill_rect(&d.c, barx, d.y - 2, f * barw > 0.5f ? f * barw : 0.5f, 9, 0.16f, 0.38f,
                      0.67f);
        d.y -= 14;
    }
    if (json_array_size(els) == 0) {
        pdf_text(&d.c, d.c.font, 9, MARGIN, d.y, 'l', "Belum ada responden pada periode ini.");
        d.y -= 14;
    }
    const json_t *weak = json_object_get(in, "weakest");
    if (json_array_size(weak) > 0 && json_array_size(els) == 9) {
        char w[300] = "";
        size_t used = 0;
        json_array_foreach(weak, i, v) {
            json_t *e;
            size_t k;
            json_array_foreach(els, k, e) {
                if (json_equal(json_object_get(e, "id"), v)) {
                    int n = snprintf(w + used, sizeof w - used, "%s%s (%s)", used ? "; " : "",
                                     json_string_value(json_object_get(e, "label")),
                                     comma(json_string_value(json_object_get(e, "value")), num,
                                           sizeof num));
                    if (n > 0 && (size_t)n < sizeof w - used)
                        used += (size_t)n;
                }
            }
        }
        d.y -= 4;
        snprintf(line, sizeof line, "Unsur terlemah, prioritas perbaikan: %s.", w);
        d.y = pdf_para(&d.c, d.c.bold, 9.5f, MARGIN, d.y, bw, 12, line);
    }

    const json_t *prof = json_object_get(in, "profile");
    if (json_is_object(prof)) {
        section(&d, "Profil responden");
        counts_line(&d, "Jenis kelamin", json_object_get(prof, "sex"), sex_label);
        counts_line(&d, "Umur", json_object_get(prof, "age"), NULL);
        counts_line(&d, "Pendidikan", json_object_get(prof, "education"), ikm_education_label);
        counts_line(&d, "Pekerjaan", json_object_get(prof, "occupation"), ikm_occupation_label);
    }
    const json_t *sugg = json_object_get(in, "suggestions");
    if (json_is_array(sugg)) {
        section(&d, "Saran dan masukan");
        if (json_array_size(sugg) == 0) {
            pdf_text(&d.c, d.c.font, 9, MARGIN, d.y, 'l', "Tidak ada saran pada periode ini.");
            d.y -= 12;
        }
        json_array_foreach(sugg, i, v) {
            const char *t = json_string_value(json_object_get(v, "text"));
            if (t == NULL)
                continue;
            ensure(&d, 26);
            char idx[24];
            snprintf(idx, sizeof idx, "%zu.", i + 1);
            pdf_text(&d.c, d.c.font, 8.5f, MARGIN, d.y, 'l', idx);
            d.y = pdf_para(&d.c, d.c.font, 8.5f, MARGIN + PDF_MM(8), d.y, bw - PDF_MM(8), 10.5f,
                           t) - 3;
        }
    }
    section(&d, "Dasar perhitungan");
    d.y = pdf_para(&d.c, d.c.font, 8.5f, MARGIN, d.y, bw, 10.5f,
                   "Peraturan Menteri PANRB Nomor 14 Tahun 2017. NRR per unsur = jumlah nilai "
                   "unsur / jumlah responden; IKM = jumlah NRR x 1/9 x 25, dihitung tepat (bobot "
                   "1/9 tanpa pembulatan 0,111) lalu dibulatkan ke dua desimal. Mutu: A 88,31-100 "
                   "sangat baik; B 76,61-88,30 baik; C 65,00-76,60 kurang baik; D 25,00-64,99 "
                   "tidak baik. Survei anonim: jawaban tidak terhubung dengan pemohon.");
    return pdf_ctx_finish(&d.c, buf, len, err);
}
