/*
 * h_reports.c - the camat's service reports: GET /api/reports/daily[.pdf|.csv]?date=YYYY-MM-DD
 * and /api/reports/monthly[.pdf|.csv]?month=YYYY-MM (supervisor; the service checks).
 * Never: compute a figure (svc_report has them all).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *when_of(http_req *r, const char *period)
{
    return http_query(r, strcmp(period, "daily") == 0 ? "date" : "month");
}

static void json_report(http_req *r, const char *period)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_report(HTTP_API(r)->s, &r->actor, period, when_of(r, period), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void file_report(http_req *r, const char *period, int pdf)
{
    void *buf = NULL;
    size_t len = 0;
    char file[64];
    const char *when = when_of(r, period);
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = pdf ? svc_report_pdf(HTTP_API(r)->s, &r->actor, period, when,
                                      (unsigned char **)&buf, &len, &err)
                     : svc_report_csv(HTTP_API(r)->s, &r->actor, period, when, (char **)&buf,
                                      &len, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    snprintf(file, sizeof file, "laporan-%s-%.10s.%s",
             strcmp(period, "daily") == 0 ? "harian" : "bulanan",
             when != NULL && when[0] != '\0' ? when : "ini", pdf ? "pdf" : "csv");
    /* a PDF the server made may open in the browser; a CSV is saved (a spreadsheet opens it) */
    http_reply_file(r, pdf ? "application/pdf" : "text/csv; charset=utf-8",
                    pdf ? "inline" : "attachment", file, buf, len);
}

static void h_daily(http_req *r) { json_report(r, "daily"); }
static void h_monthly(http_req *r) { json_report(r, "monthly"); }
static void h_daily_pdf(http_req *r) { file_report(r, "daily", 1); }
static void h_monthly_pdf(http_req *r) { file_report(r, "monthly", 1); }
static void h_daily_csv(http_req *r) { file_report(r, "daily", 0); }
static void h_monthly_csv(http_req *r) { file_report(r, "monthly", 0); }

const http_route http_routes_reports[] = {
    {"GET", "/api/reports/daily", h_daily, 0},
    {"GET", "/api/reports/monthly", h_monthly, 0},
    {"GET", "/api/reports/daily.pdf", h_daily_pdf, 0},
    {"GET", "/api/reports/monthly.pdf", h_monthly_pdf, 0},
    {"GET", "/api/reports/daily.csv", h_daily_csv, 0},
    {"GET", "/api/reports/monthly.csv", h_monthly_csv, 0},
};
const size_t http_routes_reports_n = sizeof http_routes_reports / sizeof http_routes_reports[0];
