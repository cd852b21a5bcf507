/*
 * h_register.c - the pickup register (cards handed over, to whom, by whom, how confirmed):
 * GET /api/register?from=YYYY-MM-DD&to=YYYY-MM-DD as JSON, /api/register.csv as CSV.
 * Also POST /api/receipts/verify: the receipt's QR text, verified, finds the application.
 * Never: filter or reshape rows (the service's CSV is the one format).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>

static void h_list(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_register_list(HTTP_API(r)->s, &r->actor, http_query(r, "from"),
                                   http_query(r, "to"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_csv(http_req *r)
{
    char *csv = NULL;
    size_t len = 0;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_register_csv(HTTP_API(r)->s, &r->actor, http_query(r, "from"),
                                  http_query(r, "to"), &csv, &len, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_file(r, "text/csv; charset=utf-8", "attachment", "register-pengambilan.csv", csv,
                    len);
}

/* POST /api/receipts/verify {"token"}: the QR of a receipt scanned at the handover loket. */
static void h_scan(http_req *r)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    kt_code rc = svc_receipt_verify(HTTP_API(r)->s, &r->actor,
                                  json_string_value(json_object_get(in, "token")), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(in);
}

const http_route http_routes_register[] = {
    {"POST", "/api/receipts/verify", h_scan, 0},
    {"GET", "/api/register", h_list, 0},
    {"GET", "/api/register.csv", h_csv, 0},
};
const size_t http_routes_register_n = sizeof http_routes_register / sizeof http_routes_register[0];
