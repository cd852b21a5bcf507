/*
 * h_summary.c - GET /api/summary?date=YYYY-MM-DD: the service day against the SOP's
 * standards (supervisor; the service checks the role and the date).
 */
#include "http/api.h"

static void h_summary(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_day_summary(HTTP_API(r)->s, &r->actor, http_query(r, "date"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_summary[] = {
    {"GET", "/api/summary", h_summary, 0},
};
const size_t http_routes_summary_n = sizeof http_routes_summary / sizeof http_routes_summary[0];
