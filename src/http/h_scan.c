/*
 * h_scan.c - QR scanning at the handover counter: POST /api/scan/receipt with a camera frame
 * (or any image of the receipt) as the raw body (PNG, JPEG, PGM; up to 8 MiB). The QR is read
 * on the server (libzbar, src/service/scan.c), its token verified, and the receipt's
 * application answered with the token for the handover.
 * Never: hand over here (POST /api/applications/{id}/hand-over does, with the token).
 */
#include "http/api.h"

static void h_scan(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_scan_receipt(HTTP_API(r)->s, &r->actor, r->body, r->body_len, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_scan[] = {
    {"POST", "/api/scan/receipt", h_scan, HTTP_RAW},
};
const size_t http_routes_scan_n = sizeof http_routes_scan / sizeof http_routes_scan[0];
