/*
 * reports.c - the camat's service reports: daily and monthly, as JSON, PDF (src/doc
 * pdf_report, with charts) and CSV.
 *
 * The statistics are svc_day_summary's (summary.c, core/sla.h); nothing is recomputed from
 * the audit trail here. A month is the sum of its days' summaries: counts, "within standard"
 * counts, means (weighted by count) and maxima add up exactly; p50/p90 of a month are the
 * count-weighted means of the days' percentiles, an approximation marked in the output
 * ("approximate") - the exact figures of each day are in the daily reports.
 *
 * Never: write anything; second-guess svc_day_summary's figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/pdf.h"
#include "core/words.h"
#include "service/rec_internal.h"
#include "service/service.h"

/* Stats accumulator for one step (or waiting, total). */
typedef struct acc {
    int64_t count, within, max, standard;
    double sum_mean, sum_p50, sum_p90; /* weighted by count */
} acc;

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static void acc_add(acc *a, const json_t *o)
{
    int64_t n = jint(o, "count");
    if (n <= 0)
        return;
    a->count += n;
    a->within += jint(o, "within");
    if (jint(o, "max_ms") > a->max)
        a->max = jint(o, "max_ms");
    if (jint(o, "standard_ms") > 0)
        a->standard = jint(o, "standard_ms");
    a->sum_mean += (double)n * (double)jint(o, "mean_ms");
    a->sum_p50 += (double)n * (double)jint(o, "p50_ms");
    a->sum_p90 += (double)n * (double)jint(o, "p90_ms");
}

/* The accumulated stats, shaped as svc_day_summary's; `proto` gives extra fields (step,
   label, sop_no, standard) to keep. */
static json_t *acc_json(const acc *a, const json_t *proto)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)proto, k, v)
        if (!json_is_number(v))
            json_object_set(o, k, v);
    double n = a->count > 0 ? (double)a->count : 1.0;
    json_object_set_new(o, "count", json_integer(a->count));
    json_object_set_new(o, "mean_ms", json_integer((json_int_t)(a->sum_mean / n + 0.5)));
    json_object_set_new(o, "p50_ms", json_integer((json_int_t)(a->sum_p50 / n + 0.5)));
    json_object_set_new(o, "p90_ms", json_integer((json_int_t)(a->sum_p90 / n + 0.5)));
    json_object_set_new(o, "max_ms", json_integer(a->max));
    int64_t std = a->standard > 0 ? a->standard : jint(proto, "standard_ms");
    if (std > 0) {
        json_object_set_new(o, "standard_ms", json_integer(std));
        json_object_set_new(o, "within", json_integer(a->within));
        json_object_set_new(o, "share_within",
                            json_real(a->count > 0 ? (double)a->within / (double)a->count : 0.0));
    }
    if (json_object_get(proto, "sop_no") != NULL)
        json_object_set(o, "sop_no", json_object_get(proto, "sop_no"));
    if (json_object_get(proto, "steps_sum_standard_ms") != NULL)
        json_object_set(o, "steps_sum_standard_ms",
                        json_object_get(proto, "steps_sum_standard_ms"));
    return o;
}

static void add_counts(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)src, k, v)
        json_object_set_new(dst, k, json_integer(jint(dst, k) + json_integer_value(v)));
}

static kt_code month_summary(svc *s, const svc_actor *who, const char *month, json_t **out,
                             kt_error *err)
{
    int y = 0, m = 0;
    char tail = 0;
    jkt_date today = svc_today(s);
    kt_code rc = KT_OK;
    json_t *res = NULL, *days = NULL, *officers = NULL, *proto_steps = NULL, *proto_wait = NULL,
           *proto_total = NULL;
    acc steps[16], wait, total;
    memset(steps, 0, sizeof steps);
    memset(&wait, 0, sizeof wait);
    memset(&total, 0, sizeof total);
    *out = NULL;
    if (month == NULL || month[0] == '\0') {
        y = today.year;
        m = today.month;
    } else if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 ||
               month[4] != '-' || y < 2000 || y > 2999 || m < 1 || m > 12) {
        return kt_fail(err, KT_EINVAL, "month_invalid", "month",
                       "Bulan harus berbentuk YYYY-MM, bukan '%s'", month);
    }
    char mon[8];
    snprintf(mon, sizeof mon, "%04d-%02d", y, m);
    res = json_pack("{s:s, s:{}, s:{}, s:{}, s:I, s:[s,s]}", "month", mon, "by_kind", "by_state",
                    "by_reason", "applications", (json_int_t)0, "approximate", "p50_ms",
                    "p90_ms");
    days = json_array();
    officers = json_object();
    if (res == NULL || days == NULL || officers == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    int nd = jkt_days_in_month(y, m);
    for (int d = 1; d <= nd; d++) {
        jkt_date day = {y, m, d};
        char ds[JKT_DATE_STRLEN];
        json_t *sum = NULL;
        if (jkt_date_cmp(day, today) > 0)
            break;
        jkt_date_format(day, ds);
        if ((rc = svc_day_summary(s, who, ds, &sum, err)) != KT_OK)
            goto out;
        add_counts(json_object_get(res, "by_kind"), json_object_get(sum, "by_kind"));
        add_counts(json_object_get(res, "by_state"), json_object_get(sum, "by_state"));
        add_counts(json_object_get(res, "by_reason"), json_object_get(sum, "by_reason"));
        json_object_set_new(res, "applications",
                            json_integer(jint(res, "applications") + jint(sum, "applications")));
        const json_t *st = json_object_get(sum, "steps");
        size_t i;
        json_t *v;
        json_array_foreach(st, i, v) if (i < 16) acc_add(&steps[i], v);
        if (proto_steps == NULL)
            proto_steps = json_incref(json_object_get(sum, "steps"));
        acc_add(&wait, json_object_get(sum, "waiting"));
        acc_add(&total, json_object_get(sum, "total"));
        if (proto_wait == NULL)
            proto_wait = json_incref(json_object_get(sum, "waiting"));
        if (proto_total == NULL)
            proto_total = json_incref(json_object_get(sum, "total"));
        json_array_foreach(json_object_get(sum, "officers"), i, v) {
            const char *u = svc_jstr(v, "username");
            json_t *o = json_object_get(officers, u != NULL ? u : "");
            if (o == NULL) {
                o = json_pack("{s:s, s:s?, s:{}}", "username", u != NULL ? u : "", "role",
                              svc_jstr(v, "role"), "actions");
                json_object_set_new(officers, u != NULL ? u : "", o);
            }
            add_counts(json_object_get(o, "actions"), json_object_get(v, "actions"));
        }
        json_array_append_new(
            days, json_pack("{s:s, s:I, s:O}", "date", ds, "applications",
                            (json_int_t)jint(sum, "applications"), "total",
                            json_object_get(sum, "total")));
        json_decref(sum);
    }
    json_t *jsteps = json_array(), *olist = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(proto_steps, i, v) if (i < 16) json_array_append_new(jsteps,
                                                                            acc_json(&steps[i], v));
    const char *k;
    json_object_foreach(officers, k, v) json_array_append(olist, v);
    json_object_set_new(res, "steps", jsteps);
    json_object_set_new(res, "waiting", acc_json(&wait, proto_wait));
    json_object_set_new(res, "total", acc_json(&total, proto_total));
    json_object_set_new(res, "officers", olist);
    json_object_set(res, "days", days);
    *out = res;
    res = NULL;
out:
    json_decref(res);
    json_decref(days);
    json_decref(officers);
    json_decref(proto_steps);
    json_decref(proto_wait);
    json_decref(proto_total);
    return rc;
}

kt_code svc_report(svc *s, const svc_actor *who, const char *period, const char *when,
                   json_t **out, kt_error *err)
{
    kt_code rc;
    *out = NULL;
    if (period == NULL || (strcmp(period, "daily") != 0 && strcmp(period, "monthly") != 0))
        return kt_fail(err, KT_EINVAL, "period_invalid", "period",
                       "Periode laporan harus daily atau monthly");
    if (strcmp(period, "daily") == 0)
        rc = svc_day_summary(s, who, when != NULL && when[0] ? when : NULL, out, err);
    else
        rc = month_summary(s, who, when, out, err);
    if (rc != KT_OK)
        return rc;
    json_object_set_new(*out, "period", json_string(period));
    json_object_set_new(*out, "generated_at", json_integer(svc_now(s)));
    return KT_OK;
}

kt_code svc_report_pdf(svc *s, const svc_actor *who, const char *period, const char *when,
                       unsigned char **pdf, size_t *len, kt_error *err)
{
    json_t *r = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = svc_report(s, who, period, when, &r, err);
    if (rc == KT_OK)
        rc = pdf_report(r, pdf, len, err);
    json_decref(r);
    return rc;
}

/* One statistics row without a standard (waiting): section,item,count,mean,p50,p90,max. */
static int csv_stats(rec_buf *b, const char *section, const char *item, const json_t *o)
{
    if (rec_buf_csv(b, section, ',') != 0 || rec_buf_csv(b, item, ',') != 0)
        return -1;
    return rec_buf_add(b, "%lld,%lld,%lld,%lld,%lld,,,\n", (long long)jint(o, "count"),
                       (long long)jint(o, "mean_ms"), (long long)jint(o, "p50_ms"),
                       (long long)jint(o, "p90_ms"), (long long)jint(o, "max_ms"));
}

/* The rest of a timing row, after its section and item: count,mean,p50,p90,max,standard,within,
   share_within of o (the count given apart: a day's row counts its applications). */
static int csv_timing(rec_buf *b, int64_t count, const json_t *o)
{
    char share[32] = "";
    if (json_object_get(o, "share_within") != NULL)
        snprintf(share, sizeof share, "%.4f",
                 json_number_value(json_object_get(o, "share_within")));
    return rec_buf_add(b, "%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s\n", (long long)count,
                       (long long)jint(o, "mean_ms"), (long long)jint(o, "p50_ms"),
                       (long long)jint(o, "p90_ms"), (long long)jint(o, "max_ms"),
                       (long long)jint(o, "standard_ms"), (long long)jint(o, "within"), share);
}

/* Counts of one kind of code (kinds, states, reasons), each code in words (core/words.h). */
static int csv_counts(rec_buf *b, const char *section, words_table t, const json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
        if (rec_buf_csv(b, section, ',') != 0 || rec_buf_csv(b, words_or_id(t, k), ',') != 0 ||
            rec_buf_add(b, "%lld,,,,,,,\n", (long long)json_integer_value(v)) != 0)
            return -1;
    }
    return 0;
}

static int report_csv(rec_buf *b, const json_t *r)
{
    const char *date = svc_jstr(r, "date") != NULL ? svc_jstr(r, "date") : svc_jstr(r, "month");
    size_t i;
    json_t *v;
    /* A file for the camat's spreadsheet: headers, sections and codes in words (issue 10);
       durations stay milliseconds (numbers to compute with). */
    if (rec_buf_add(b, "Bagian,Butir,Jumlah,Rata-rata (ms),p50 (ms),p90 (ms),Maksimum (ms),"
                       "Standar (ms),Dalam standar,Porsi dalam standar\n") != 0 ||
        rec_buf_csv(b, "Periode", ',') != 0 || rec_buf_csv(b, date, ',') != 0 ||
        rec_buf_add(b, "%lld,,,,,,,\n", (long long)jint(r, "applications")) != 0 ||
        csv_counts(b, "Jenis permohonan", WORDS_KIND, json_object_get(r, "by_kind")) != 0 ||
        csv_counts(b, "Status", WORDS_STATE, json_object_get(r, "by_state")) != 0 ||
        csv_counts(b, "Alasan", WORDS_REASON, json_object_get(r, "by_reason")) != 0)
        return -1;
    json_array_foreach(json_object_get(r, "steps"), i, v) {
        if (rec_buf_csv(b, "Langkah", ',') != 0 ||
            rec_buf_csv(b, words_or_id(WORDS_STEP, svc_jstr(v, "step")), ',') != 0 ||
            csv_timing(b, jint(v, "count"), v) != 0)
            return -1;
    }
    const json_t *t = json_object_get(r, "total");
    if (rec_buf_add(b, "Total,Semua,") != 0 || csv_timing(b, jint(t, "count"), t) != 0 ||
        csv_stats(b, "Waktu tunggu", "Semua", json_object_get(r, "waiting")) != 0)
        return -1;
    json_array_foreach(json_object_get(r, "officers"), i, v) {
        const char *k;
        json_t *n;
        json_object_foreach(json_object_get(v, "actions"), k, n) {
            char item[160];
            snprintf(item, sizeof item, "%s: %s", svc_jstr(v, "username"),
                     words_or_id(WORDS_ACTION, k));
            if (rec_buf_csv(b, "Petugas", ',') != 0 || rec_buf_csv(b, item, ',') != 0 ||
                rec_buf_add(b, "%lld,,,,,,,\n", (long long)json_integer_value(n)) != 0)
                return -1;
        }
    }
    json_array_foreach(json_object_get(r, "days"), i, v) {
        if (rec_buf_csv(b, "Hari", ',') != 0 || rec_buf_csv(b, svc_jstr(v, "date"), ',') != 0 ||
            csv_timing(b, jint(v, "applications"), json_object_get(v, "total")) != 0)
            return -1;
    }
    return 0;
}

kt_code svc_report_csv(svc *s, const svc_actor *who, const char *period, const char *when,
                       char **csv, size_t *len, kt_error *err)
{
    json_t *r = NULL;
    rec_buf b = {0};
    *csv = NULL;
    *len = 0;
    kt_code rc = svc_report(s, who, period, when, &r, err);
    if (rc != KT_OK)
        return rc;
    if (report_csv(&b, r) != 0) {
        free(b.p);
        rc = svc_nomem(err);
    } else {
        *csv = b.p;
        *len = b.n;
    }
    json_decref(r);
    return rc;
}
