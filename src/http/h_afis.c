/*
 * h_afis.c - AFIS de-duplication over HTTP (one person, one card):
 *   GET  /api/duplicates                          applications waiting in `duplicate`
 *   GET  /api/applications/{id}/duplicate         side by side: both residents, images, scores
 *   POST /api/applications/{id}/verify-finger     handover 1:1 check; raw image body,
 *                                                 ?slot=finger_N optional (else every finger)
 *   GET  /api/afis                                gallery figures (fingers, load time, threshold)
 * The supervisor's decision is the existing POST /api/applications/{id}/actions/{action}
 * (clear_duplicate | confirm_duplicate, {"note"}).
 * Never: check a state or a role here; the service refuses with the right error.
 */
#include "http/api.h"

HTTP_ROUTES_DECL(http_routes_afis)

static void h_duplicates(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_duplicates_list(HTTP_API(r)->s, &r->actor, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_duplicate(http_req *r)
{
    http_run_id(r, svc_app_duplicate);
}

static void h_verify_finger(http_req *r)
{
    json_t *out = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = svc_app_verify_finger(HTTP_API(r)->s, &r->actor, id, http_query(r, "slot"), r->body,
                                   r->body_len, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_stats(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_afis_stats(HTTP_API(r)->s, &r->actor, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_afis[] = {
    {"GET", "/api/duplicates", h_duplicates, 0},
    {"GET", "/api/applications/{id}/duplicate", h_duplicate, 0},
    {"POST", "/api/applications/{id}/verify-finger", h_verify_finger, HTTP_RAW},
    {"GET", "/api/afis", h_stats, 0},
};
const size_t http_routes_afis_n = sizeof http_routes_afis / sizeof http_routes_afis[0];
