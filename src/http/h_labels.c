/*
 * h_labels.c - GET /api/labels (public): the words people read for ktpel's codes, every table
 * of core/words.h ({"state": {"handed_over": "Sudah diserahkan", ...}, "action": {...}, ...}).
 * web/js/labels.js loads it, so no page keeps a copy of its own.
 */
#include "http/api.h"

static void h_labels(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_labels(&out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_labels[] = {
    {"GET", "/api/labels", h_labels, HTTP_PUBLIC},
};
const size_t http_routes_labels_n = sizeof http_routes_labels / sizeof http_routes_labels[0];
