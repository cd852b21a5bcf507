/*
 * h_residents.c - GET /api/residents/{nik} (SIAK biodata with eligibility) and
 * GET /api/nik/{nik} (the NIK analysis). The service validates the NIK.
 * Never: log a NIK beyond the access line's path (it is personal data).
 */
#include "http/api.h"

static void h_resident(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_resident_get(HTTP_API(r)->s, &r->actor, http_param(r, "nik"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_nik(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_nik_analyze(HTTP_API(r)->s, http_param(r, "nik"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_residents[] = {
    {"GET", "/api/residents/{nik}", h_resident, 0},
    {"GET", "/api/nik/{nik}", h_nik, 0},
};
const size_t http_routes_residents_n =
    sizeof http_routes_residents / sizeof http_routes_residents[0];
