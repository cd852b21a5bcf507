/*
 * pdf_report.c - (f) the service report for the Camat / Kasi Pelayanan: the day's or the
 * month's applications by kind and outcome, each SOP step's durations (p50, p90, max)
 * against the SOP's Mutu Baku standard with the share of cases within it, waiting times
 * and the work per officer. Charts are drawn with libharu's vector operations (rectangles
 * and lines), so they print sharp and need no image library.
 *
 * Input is the JSON of svc_day_summary (see docs/internals/doc.md); a step without
 * "standard_s" takes the SOP's standard from docs/domain.md.
 *
 * Never: compute statistics from raw events (the service does; this only draws them).
 */
#include "core/sla.h"
#include "doc/pdf.h"
#include "core/words.h"
#include "doc/pdf_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BAR_R 0.16f
#define BAR_G 0.38f
#define BAR_B 0.67f
#define TOP_MARGIN PDF_MM(15)
#define BOTTOM_MARGIN PDF_MM(18)

typedef struct report {
    pdf_ctx c;
    float y;
    float mx;   /* left margin */
    int page;
    char subtitle[200];
} report;

static void footer(report *r)
{
    char s[240];
    snprintf(s, sizeof s, "%s  -  halaman %d", r->subtitle, r->page);
    pdf_text(&r->c, r->c.font, 7.5f, r->c.w / 2, PDF_MM(9), 'c', s);
}

/* Make room for `need` points, starting a new page when the current one is full. */
static void ensure(report *r, float need)
{
    if (r->y - need >= BOTTOM_MARGIN)
        return;
    pdf_new_page(&r->c);
    r->page++;
    footer(r);
    r->y = r->c.h - TOP_MARGIN;
}

static void section(report *r, const char *title)
{
    ensure(r, 60);
    r->y -= 22;
    pdf_text(&r->c, r->c.bold, 11.5f, r->mx, r->y, 'l', title);
    r->y -= 6;
    pdf_line(&r->c, r->mx, r->y, r->c.w - r->mx, r->y, 0.4f);
    r->y -= 14;
}

/* Table cells: m:ss, or h:mm:ss from an hour on. */
static void fmt_mmss(double s, char *out, size_t cap)
{
    long v = (long)(s + 0.5);
    if (v < 3600)
        snprintf(out, cap, "%ld:%02ld", v / 60, v % 60);
    else
        snprintf(out, cap, "%ld:%02ld:%02ld", v / 3600, (v / 60) % 60, v % 60);
}

static void fmt_dur(double s, char *out, size_t cap)
{
    long v = (long)(s + 0.5);
    if (v < 60)
        snprintf(out, cap, "%ld dtk", v);
    else if (v < 3600)
        snprintf(out, cap, "%ld mnt %02ld dtk", v / 60, v % 60);
    else
        snprintf(out, cap, "%ld jam %02ld mnt", v / 3600, (v / 60) % 60);
}

/* Validate an object of id -> count; label_fn must know every id. Sets *max and *total. */
static kt_code count_map(const json_t *in, const char *key, const char *(*label_fn)(const char *),
                         long long *max, long long *total, kt_error *err)
{
    const json_t *m = json_object_get(in, key);
    const char *id;
    const json_t *v;
    *max = 0;
    *total = 0;
    if (m == NULL || json_is_null(m))
        return KT_OK;
    if (!json_is_object(m))
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' harus objek {id: jumlah}", key);
    json_object_foreach((json_t *)(uintptr_t)m, id, v) {
        char field[64];
        snprintf(field, sizeof field, "%s.%s", key, id);
        if (label_fn(id) == NULL)
            return kt_fail(err, KT_EINVAL, "field_invalid", field, "id '%s' tidak dikenal", id);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return kt_fail(err, KT_EINVAL, "field_invalid", field,
                           "jumlah harus bilangan bulat >= 0");
        long long n = json_integer_value(v);
        *total += n;
        if (n > *max)
            *max = n;
    }
    return KT_OK;
}

/* Horizontal bars, one per id of the map, in the order of `order`. */
static void count_chart(report *r, const json_t *m, const char *const *order, size_t n,
                        const char *(*label_fn)(const char *), long long max, float lw_mm)
{
    float lw = PDF_MM(lw_mm), bw = r->c.w - 2 * r->mx - lw - PDF_MM(18);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(m, order[i]);
        long long k = json_integer_value(v);
        if (v == NULL)
            continue;
        ensure(r, 16);
        char num[32];
        snprintf(num, sizeof num, "%lld", k);
        /* long labels (reasons) shrink to fit their column rather than run into the bar */
        float fs = 9, tw = pdf_text_width(&r->c, r->c.font, fs, label_fn(order[i]));
        if (tw > lw - 6)
            fs = fs * (lw - 6) / tw;
        pdf_text(&r->c, r->c.font, fs < 6 ? 6 : fs, r->mx, r->y, 'l', label_fn(order[i]));
        float len = max > 0 ? bw * (float)k / (float)max : 0;
        pdf_fill_rect(&r->c, r->mx + lw, r->y - 2, len > 0 ? len : 0.5f, 10, BAR_R, BAR_G, BAR_B);
        pdf_text(&r->c, r->c.bold, 9, r->mx + lw + len + 4, r->y, 'l', num);
        r->y -= 15;
    }
}

typedef struct step {
    const char *id;           /* borrowed from the input */
    char label[80];           /* "2. Penerimaan dan pemeriksaan berkas" (core/sla.h) */
    double standard, count, mean, p50, p90, max, within;
} step;

static kt_code read_step(const json_t *s, size_t i, step *out, kt_error *err)
{
    char field[48];
    sla_step sid;
    kt_code rc;
    memset(out, 0, sizeof *out);
    out->within = -1;
    snprintf(field, sizeof field, "steps[%zu]", i);
    if (!json_is_object(s))
        return kt_fail(err, KT_EINVAL, "field_invalid", field, "langkah harus objek");
    out->id = json_string_value(json_object_get(s, "step"));
    if (out->id == NULL || !sla_step_from_str(out->id, &sid))
        return kt_fail(err, KT_EINVAL, "field_invalid", field,
                       "langkah '%s' tidak dikenal (call, intake, recording, receipt, handover)",
                       out->id != NULL ? out->id : "");
    snprintf(out->label, sizeof out->label, "%d. %s", sla_step_sop_no(sid), sla_step_label(sid));
    out->standard = (double)sla_standard_ms(sid);
    if ((rc = pdf_get_num(s, "standard_ms", 0, 1000, 864e5, &out->standard, err)) != KT_OK ||
        (rc = pdf_get_num(s, "count", 1, 0, 1e9, &out->count, err)) != KT_OK ||
        (rc = pdf_get_num(s, "mean_ms", 0, 0, 1e12, &out->mean, err)) != KT_OK ||
        (rc = pdf_get_num(s, "p50_ms", 0, 0, 1e12, &out->p50, err)) != KT_OK ||
        (rc = pdf_get_num(s, "p90_ms", 0, 0, 1e12, &out->p90, err)) != KT_OK ||
        (rc = pdf_get_num(s, "max_ms", 0, 0, 1e12, &out->max, err)) != KT_OK ||
        (rc = pdf_get_num(s, "share_within", 0, 0, 1, &out->within, err)) != KT_OK) {
        if (err != NULL) {
            /* name the step: "steps[2].p90_s" */
            char inner[160];
            snprintf(inner, sizeof inner, "%s.%s", field, err->field);
            size_t k = strlen(inner);
            if (k >= sizeof err->field)
                k = sizeof err->field - 1;
            memcpy(err->field, inner, k);
            err->field[k] = '\0';
        }
        return rc;
    }
    /* durations arrive in ms (the API's unit); the report works in seconds */
    out->standard /= 1000;
    out->mean /= 1000;
    out->p50 /= 1000;
    out->p90 /= 1000;
    out->max /= 1000;
    return KT_OK;
}

/* "total": the whole service against the SOP's 15 minutes. */
static kt_code read_total(const json_t *t, step *out, kt_error *err)
{
    kt_code rc;
    memset(out, 0, sizeof *out);
    out->within = -1;
    out->standard = 900000;
    if (!json_is_object(t))
        return kt_fail(err, KT_EINVAL, "field_invalid", "total", "kolom 'total' harus objek");
    if ((rc = pdf_get_num(t, "standard_ms", 0, 1000, 864e5, &out->standard, err)) != KT_OK ||
        (rc = pdf_get_num(t, "count", 0, 0, 1e9, &out->count, err)) != KT_OK ||
        (rc = pdf_get_num(t, "p50_ms", 0, 0, 1e12, &out->p50, err)) != KT_OK ||
        (rc = pdf_get_num(t, "p90_ms", 0, 0, 1e12, &out->p90, err)) != KT_OK ||
        (rc = pdf_get_num(t, "max_ms", 0, 0, 1e12, &out->max, err)) != KT_OK ||
        (rc = pdf_get_num(t, "share_within", 0, 0, 1, &out->within, err)) != KT_OK) {
        if (err != NULL)
            snprintf(err->field, sizeof err->field, "total");
        return rc;
    }
    out->standard /= 1000;
    out->p50 /= 1000;
    out->p90 /= 1000;
    out->max /= 1000;
    return KT_OK;
}

/* The step table and its chart: p50 (dark) and p90 (light) bars against a red standard line,
   and the share within standard as a second bar out of 100 %. */
static void step_chart(report *r, const step *st, size_t n, const step *total)
{
    static const char *const head[] = {"Langkah", "Standar", "Jumlah", "p50", "p90", "Maks",
                                       "Dalam standar"};
    const float col[] = {0, 64, 84, 100, 116, 132, 148};
    char s[40];
    ensure(r, 20 + 14 * (float)n);
    for (int i = 0; i < 7; i++)
        pdf_text(&r->c, r->c.bold, 8.5f, r->mx + PDF_MM(col[i]), r->y, 'l', head[i]);
    r->y -= 4;
    pdf_line(&r->c, r->mx, r->y, r->c.w - r->mx, r->y, 0.3f);
    r->y -= 11;
    for (size_t i = 0; i < n; i++) {
        pdf_text(&r->c, r->c.font, 8.5f, r->mx, r->y, 'l', st[i].label);
        fmt_mmss(st[i].standard, s, sizeof s);
        pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[1]), r->y, 'l', s);
        snprintf(s, sizeof s, "%.0f", st[i].count);
        pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[2]), r->y, 'l', s);
        const double v[] = {st[i].p50, st[i].p90, st[i].max};
        for (int k = 0; k < 3; k++) {
            fmt_mmss(v[k], s, sizeof s);
            pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[3 + k]), r->y, 'l',
                     st[i].count > 0 ? s : "-");
        }
        if (st[i].within >= 0 && st[i].count > 0)
            snprintf(s, sizeof s, "%.0f%%", st[i].within * 100);
        else
            snprintf(s, sizeof s, "-");
        pdf_text(&r->c, r->c.bold, 8.5f, r->mx + PDF_MM(col[6]), r->y, 'l', s);
        r->y -= 14;
    }
    if (total != NULL && total->count > 0) {
        pdf_line(&r->c, r->mx, r->y + 10, r->c.w - r->mx, r->y + 10, 0.3f);
        pdf_text(&r->c, r->c.bold, 8.5f, r->mx, r->y, 'l', "Jumlah pelayanan");
        const double v[] = {total->standard, total->count, total->p50, total->p90, total->max};
        for (int k = 0; k < 5; k++) {
            if (k == 1)
                snprintf(s, sizeof s, "%.0f", v[k]);
            else
                fmt_mmss(v[k], s, sizeof s);
            pdf_text(&r->c, r->c.bold, 8.5f, r->mx + PDF_MM(col[1 + k]), r->y, 'l', s);
        }
        if (total->within >= 0) {
            snprintf(s, sizeof s, "%.0f%%", total->within * 100);
            pdf_text(&r->c, r->c.bold, 8.5f, r->mx + PDF_MM(col[6]), r->y, 'l', s);
        }
        r->y -= 14;
    }
    pdf_text(&r->c, r->c.font, 7.5f, r->mx, r->y, 'l',
             "Waktu dalam menit:detik. Dalam standar = porsi kasus yang selesai dalam standar SOP.");
    r->y -= 4;

    /* Chart: each bar scaled to the larger of the step's p90 and its standard, so the
       standard line always shows and steps of different lengths stay readable. */
    r->y -= 10;
    ensure(r, 30 + 34 * (float)n);
    float lw = PDF_MM(55), bw = r->c.w - 2 * r->mx - lw - PDF_MM(6);
    pdf_text(&r->c, r->c.bold, 9, r->mx, r->y, 'l',
             "Waktu per langkah terhadap standar SOP (garis merah)");
    r->y -= 16;
    for (size_t i = 0; i < n; i++) {
        double scale = st[i].p90 > st[i].standard ? st[i].p90 : st[i].standard;
        scale *= 1.15;
        float x0 = r->mx + lw;
        pdf_text(&r->c, r->c.font, 8.5f, r->mx, r->y + 2, 'l', st[i].label);
        /* frame of the bar area */
        pdf_fill_rect(&r->c, x0, r->y - 8, bw, 20, 0.94f, 0.94f, 0.94f);
        if (st[i].count > 0) {
            pdf_fill_rect(&r->c, x0, r->y + 2, bw * (float)(st[i].p90 / scale), 8, 0.62f,
                          0.74f, 0.90f);
            pdf_fill_rect(&r->c, x0, r->y - 6, bw * (float)(st[i].p50 / scale), 8, BAR_R,
                          BAR_G, BAR_B);
        }
        float sx = x0 + bw * (float)(st[i].standard / scale);
        HPDF_Page_SetRGBStroke(r->c.page, 0.85f, 0.1f, 0.1f);
        pdf_line(&r->c, sx, r->y - 10, sx, r->y + 14, 1.4f);
        HPDF_Page_SetRGBStroke(r->c.page, 0, 0, 0);
        r->y -= 26;
    }
    /* legend */
    float lx = r->mx + lw;
    pdf_fill_rect(&r->c, lx, r->y + 4, 10, 6, BAR_R, BAR_G, BAR_B);
    pdf_text(&r->c, r->c.font, 7.5f, lx + 14, r->y + 4, 'l', "p50 (median)");
    pdf_fill_rect(&r->c, lx + 80, r->y + 4, 10, 6, 0.62f, 0.74f, 0.90f);
    pdf_text(&r->c, r->c.font, 7.5f, lx + 94, r->y + 4, 'l', "p90");
    HPDF_Page_SetRGBStroke(r->c.page, 0.85f, 0.1f, 0.1f);
    pdf_line(&r->c, lx + 130, r->y + 2, lx + 130, r->y + 12, 1.4f);
    HPDF_Page_SetRGBStroke(r->c.page, 0, 0, 0);
    pdf_text(&r->c, r->c.font, 7.5f, lx + 136, r->y + 4, 'l', "standar SOP");
    r->y -= 16;

    ensure(r, 20 + 16 * (float)n);
    pdf_text(&r->c, r->c.bold, 9, r->mx, r->y, 'l', "Porsi kasus dalam standar (hijau: 80% atau lebih)");
    r->y -= 15;
    for (size_t i = 0; i < n; i++) {
        float x0 = r->mx + lw, share = st[i].within >= 0 ? (float)st[i].within : 0;
        pdf_text(&r->c, r->c.font, 8.5f, r->mx, r->y, 'l', st[i].label);
        pdf_fill_rect(&r->c, x0, r->y - 2, bw - 30, 10, 0.94f, 0.94f, 0.94f);
        if (st[i].count > 0 && st[i].within >= 0) {
            float g = share >= 0.8f ? 0.55f : 0.25f;
            pdf_fill_rect(&r->c, x0, r->y - 2, (bw - 30) * share, 10, share >= 0.8f ? 0.2f : 0.85f,
                          g, 0.2f);
            snprintf(s, sizeof s, "%.0f%%", (double)share * 100);
            pdf_text(&r->c, r->c.bold, 8.5f, x0 + bw - 26, r->y, 'l', s);
        }
        r->y -= 15;
    }
}

/* Work per officer: svc_day_summary gives {"username","role","actions":{action: n}}; a
   monthly producer may add "count", "full_name", "p50_ms" and "share_within". */
static kt_code officers(report *r, const json_t *a, kt_error *err)
{
    const float col[] = {0, 45, 66, 86, 102};
    static const char *const head[] = {"Petugas", "Peran", "Tindakan", "p50", "Rincian / dalam standar"};
    char s[400], field[48];
    if (!json_is_array(a))
        return kt_fail(err, KT_EINVAL, "field_invalid", "officers",
                       "kolom 'officers' harus daftar");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *o = json_array_get(a, i);
        const json_t *cnt = json_object_get(o, "count"), *act = json_object_get(o, "actions");
        if (json_string_value(json_object_get(o, "username")) == NULL ||
            (cnt != NULL && !json_is_integer(cnt)) || (act != NULL && !json_is_object(act))) {
            snprintf(field, sizeof field, "officers[%zu]", i);
            return kt_fail(err, KT_EINVAL, "field_invalid", field,
                           "petugas harus punya 'username'; 'count' bilangan, 'actions' objek");
        }
    }
    ensure(r, 40);
    for (int i = 0; i < 5; i++)
        pdf_text(&r->c, r->c.bold, 8.5f, r->mx + PDF_MM(col[i]), r->y, 'l', head[i]);
    r->y -= 4;
    pdf_line(&r->c, r->mx, r->y, r->c.w - r->mx, r->y, 0.3f);
    r->y -= 11;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *o = json_array_get(a, i);
        const char *u = json_string_value(json_object_get(o, "full_name"));
        if (u == NULL)
            u = json_string_value(json_object_get(o, "username"));
        const char *role = json_string_value(json_object_get(o, "role"));
        const json_t *act = json_object_get(o, "actions");
        long long count = 0;
        size_t used = 0;
        s[0] = '\0';
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)(uintptr_t)act, k, v) {
            count += json_integer_value(v);
            int n = snprintf(s + used, sizeof s - used, "%s%s %lld", used ? ", " : "",
                             words_or_id(WORDS_ACTION, k), (long long)json_integer_value(v));
            if (n > 0 && (size_t)n < sizeof s - used)
                used += (size_t)n;
        }
        if (json_is_integer(json_object_get(o, "count")))
            count = json_integer_value(json_object_get(o, "count"));
        ensure(r, 28);
        pdf_text(&r->c, r->c.font, 8.5f, r->mx, r->y, 'l', u);
        pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[1]), r->y, 'l',
                 role != NULL ? words_or_id(WORDS_ROLE, role) : "-");
        float x4 = r->mx + PDF_MM(col[4]), ny = r->y;
        if (used > 0)
            ny = pdf_para(&r->c, r->c.font, 7.5f, x4, r->y, r->c.w - r->mx - x4, 9, s) + 9;
        snprintf(s, sizeof s, "%lld", count);
        pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[2]), r->y, 'l', s);
        const json_t *p50 = json_object_get(o, "p50_ms");
        if (json_is_number(p50))
            fmt_mmss(json_number_value(p50) / 1000, s, sizeof s);
        else
            snprintf(s, sizeof s, "-");
        pdf_text(&r->c, r->c.font, 8.5f, r->mx + PDF_MM(col[3]), r->y, 'l', s);
        const json_t *w = json_object_get(o, "share_within");
        if (json_is_number(w)) {
            double share = json_number_value(w);
            share = share < 0 ? 0 : share > 1 ? 1 : share;
            ny -= 12;
            float bw = PDF_MM(30);
            pdf_fill_rect(&r->c, x4, ny - 2, bw, 9, 0.94f, 0.94f, 0.94f);
            pdf_fill_rect(&r->c, x4, ny - 2, bw * (float)share, 9, BAR_R, BAR_G, BAR_B);
            snprintf(s, sizeof s, "%.0f%%", share * 100);
            pdf_text(&r->c, r->c.font, 8.5f, x4 + bw + 4, ny, 'l', s);
        }
        r->y = ny - 14;
    }
    return KT_OK;
}

kt_code pdf_report(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    static const char *const kinds[] = {"baru", "perubahan", "hilang", "rusak", "pindah_datang"};
    static const char *const states[] = {"handed_over", "printed", "print_ready", "sent",
                                         "receipt_issued", "recorded", "data_changed",
                                         "checked", "called", "duplicate", "incomplete",
                                         "referred", "rejected"};
    const char *period = NULL, *date = NULL, *month = NULL;
    char when[64], title[80];
    long long kmax, ktotal, omax, ototal, rmax, rtotal;
    step st[8], total;
    size_t nst = 0;
    report r;
    kt_code rc;

    memset(&r, 0, sizeof r);
    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "period", 0, 16, &period, err)) != KT_OK)
        return rc;
    if (period == NULL) /* svc_day_summary's output has no period: a month says so */
        period = json_object_get(in, "month") != NULL ? "monthly" : "daily";
    if (strcmp(period, "daily") == 0) {
        char d[40];
        if ((rc = pdf_get_date(in, "date", 1, d, sizeof d, err)) != KT_OK)
            return rc;
        (void)pdf_get_str(in, "date", 1, 10, &date, NULL);
        snprintf(when, sizeof when, "Tanggal %s", d);
        snprintf(title, sizeof title, "LAPORAN HARIAN PELAYANAN e-KTP");
    } else if (strcmp(period, "monthly") == 0) {
        int y = 0, m = 0, used = 0;
        if ((rc = pdf_get_str(in, "month", 1, 7, &month, err)) != KT_OK)
            return rc;
        if (sscanf(month, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || y < 2000 ||
            y > 2100 || m < 1 || m > 12)
            return kt_fail(err, KT_EINVAL, "field_invalid", "month",
                           "kolom 'month' harus YYYY-MM, bukan '%s'", month);
        snprintf(when, sizeof when, "Bulan %s %d", pdf_month_name(m), y);
        snprintf(title, sizeof title, "LAPORAN BULANAN PELAYANAN e-KTP");
    } else {
        return kt_fail(err, KT_EINVAL, "field_invalid", "period",
                       "kolom 'period' harus 'daily' atau 'monthly', bukan '%s'", period);
    }
    if ((rc = count_map(in, "by_kind", pdf_label_kind, &kmax, &ktotal, err)) != KT_OK ||
        (rc = count_map(in, "by_state", pdf_label_state, &omax, &ototal, err)) != KT_OK ||
        (rc = count_map(in, "by_reason", pdf_label_reason, &rmax, &rtotal, err)) != KT_OK)
        return rc;
    const json_t *steps = json_object_get(in, "steps");
    if (steps != NULL && !json_is_array(steps))
        return kt_fail(err, KT_EINVAL, "field_invalid", "steps", "kolom 'steps' harus daftar");
    if (json_array_size(steps) > sizeof st / sizeof st[0])
        return kt_fail(err, KT_EINVAL, "field_invalid", "steps", "terlalu banyak langkah");
    for (size_t i = 0; i < json_array_size(steps); i++)
        if ((rc = read_step(json_array_get(steps, i), i, &st[nst++], err)) != KT_OK)
            return rc;
    const json_t *jtotal = json_object_get(in, "total");
    total.count = 0;
    if (jtotal != NULL && (rc = read_total(jtotal, &total, err)) != KT_OK)
        return rc;
    const json_t *waiting = json_object_get(in, "waiting");
    if (waiting != NULL && !json_is_object(waiting))
        return kt_fail(err, KT_EINVAL, "field_invalid", "waiting", "kolom 'waiting' harus objek");
    const json_t *offs = json_object_get(in, "officers");

    if ((rc = pdf_ctx_open(&r.c, 210, 297, "Laporan Pelayanan e-KTP", err)) != KT_OK)
        return rc;
    r.mx = PDF_MM(18);
    r.page = 1;
    snprintf(r.subtitle, sizeof r.subtitle, "%s - %s", title, when);
    footer(&r);
    r.y = pdf_kop(&r.c, json_object_get(in, "office"), r.c.h - PDF_MM(12), 1.0f);
    r.y -= 24;
    pdf_text(&r.c, r.c.bold, 14, r.c.w / 2, r.y, 'c', title);
    r.y -= 16;
    pdf_text(&r.c, r.c.font, 11, r.c.w / 2, r.y, 'c', when);
    int64_t gen = 0;
    if (pdf_get_time(in, "generated_at", 0, &gen, NULL) == KT_OK && gen > 0) {
        char g[64], s[100];
        pdf_fmt_datetime(gen, g, sizeof g);
        snprintf(s, sizeof s, "Dibuat %s", g);
        r.y -= 13;
        pdf_text(&r.c, r.c.font, 8, r.c.w / 2, r.y, 'c', s);
    }

    char s[320];
    snprintf(s, sizeof s, "1. Permohonan menurut jenis (jumlah %lld)", ktotal);
    section(&r, s);
    count_chart(&r, json_object_get(in, "by_kind"), kinds, 5, pdf_label_kind, kmax, 55);
    snprintf(s, sizeof s, "2. Hasil / status permohonan (jumlah %lld)", ototal);
    section(&r, s);
    count_chart(&r, json_object_get(in, "by_state"), states, 13, pdf_label_state, omax, 55);
    if (rtotal > 0) {
        static const char *const reasons[] = {"no_nik", "nik_invalid", "not_found_in_siak",
                                              "data_mismatch", "under_age", "not_wni_no_itap",
                                              "has_valid_card", "duplicate_biometric", "other"};
        ensure(&r, 40);
        r.y -= 4;
        pdf_text(&r.c, r.c.bold, 9, r.mx, r.y, 'l', "Alasan dirujuk / ditolak:");
        r.y -= 15;
        count_chart(&r, json_object_get(in, "by_reason"), reasons, 9, pdf_label_reason, rmax, 95);
    }
    section(&r, "3. Waktu pelayanan terhadap standar SOP (Mutu Baku)");
    if (nst > 0)
        step_chart(&r, st, nst, &total);
    else {
        pdf_text(&r.c, r.c.font, 9, r.mx, r.y, 'l', "Belum ada data waktu pelayanan.");
        r.y -= 14;
    }
    if (waiting != NULL) {
        double wc = 0, p50 = 0, p90 = 0, mx = 0;
        char a[40], b[40], d[40];
        pdf_get_num(waiting, "count", 0, 0, 1e9, &wc, NULL);
        pdf_get_num(waiting, "p50_ms", 0, 0, 1e12, &p50, NULL);
        pdf_get_num(waiting, "p90_ms", 0, 0, 1e12, &p90, NULL);
        pdf_get_num(waiting, "max_ms", 0, 0, 1e12, &mx, NULL);
        fmt_dur(p50 / 1000, a, sizeof a);
        fmt_dur(p90 / 1000, b, sizeof b);
        fmt_dur(mx / 1000, d, sizeof d);
        ensure(&r, 30);
        r.y -= 6;
        snprintf(s, sizeof s, "Waktu tunggu (ambil nomor sampai dipanggil, %.0f tiket): p50 %s, "
                 "p90 %s, maks %s. SOP tidak menetapkan standar waktu tunggu.", wc, a, b, d);
        r.y = pdf_para(&r.c, r.c.font, 9, r.mx, r.y, r.c.w - 2 * r.mx, 12, s);
    }
    if (offs != NULL) {
        section(&r, "4. Kinerja per petugas");
        if ((rc = officers(&r, offs, err)) != KT_OK) {
            pdf_ctx_close(&r.c);
            return rc;
        }
    }
    ensure(&r, 40);
    r.y -= 14;
    r.y = pdf_para(&r.c, r.c.font, 8, r.mx, r.y, r.c.w - 2 * r.mx, 10,
                   "Standar SOP: pemanggilan 1 menit, pemeriksaan berkas 5 menit, perekaman 10 "
                   "menit, tanda terima 1 menit, penyerahan 3 menit; jumlah pelayanan menurut "
                   "SOP 15 menit (jumlah langkah 20 menit). p50 = separuh kasus selesai dalam "
                   "waktu ini; p90 = 90% kasus.");
    (void)date;
    return pdf_ctx_finish(&r.c, buf, len, err);
}

kt_code pdf_render(const char *kind, const json_t *in, unsigned char **buf, size_t *len,
                   kt_error *err)
{
    static const struct {
        const char *name;
        kt_code (*fn)(const json_t *, unsigned char **, size_t *, kt_error *);
    } t[] = {{"ticket", pdf_ticket}, {"receipt", pdf_receipt}, {"slip", pdf_slip},
             {"referral", pdf_referral}, {"label", pdf_label}, {"report", pdf_report},
             {"ikm", pdf_ikm}};
    for (size_t i = 0; kind != NULL && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, kind) == 0)
            return t[i].fn(in, buf, len, err);
    return kt_fail(err, KT_EINVAL, "document_unknown", "kind",
                   "jenis dokumen '%s' tidak dikenal (ticket, receipt, slip, referral, label, "
                   "report)", kind != NULL ? kind : "");
}
