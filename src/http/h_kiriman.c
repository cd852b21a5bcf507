/*
 * h_kiriman.c - a kecamatan node's "Kiriman ke Disdukcapil" (its outbox, service/link_node.h):
 *   GET  /api/kiriman                       linked?, counts, the dashboard alert
 *   GET  /api/kiriman/outbox?state=S          the packets, newest first
 *   POST /api/kiriman/sync                   "kirim sekarang": one round now (and wake the sender)
 *   POST /api/kiriman/outbox/{packet}/retry   a failed packet back to the queue
 */
#include "http/api.h"
#include "service/link_node.h"

HTTP_ROUTES_DECL(http_routes_kiriman)

static void h_info(http_req *r) { http_run(r, svc_link_info); }

static void h_outbox(http_req *r)
{
    json_t *f = json_object(), *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    const char *st = http_query(r, "state");
    if (st != NULL && st[0] != '\0')
        json_object_set_new(f, "state", json_string(st));
    kt_code rc = svc_link_outbox(HTTP_API(r)->s, &r->actor, f, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(f);
}

static void h_sync(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_link_sync(HTTP_API(r)->s, &r->actor, 1, &out, &err);
    svc_link_agent_wake(HTTP_API(r)->agent);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_retry(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_link_retry(HTTP_API(r)->s, &r->actor, http_param(r, "packet"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_kiriman[] = {
    {"GET", "/api/kiriman", h_info, 0},
    {"GET", "/api/kiriman/outbox", h_outbox, 0},
    {"POST", "/api/kiriman/sync", h_sync, 0},
    {"POST", "/api/kiriman/outbox/{packet}/retry", h_retry, 0},
};
const size_t http_routes_kiriman_n = sizeof http_routes_kiriman / sizeof http_routes_kiriman[0];
