/*
 * h_lokets.c - the lokets' roles and the recording desk's calls (src/service/lokets.c):
 * GET /api/lokets (public: the display names each loket), PUT /api/lokets (admin: the layout),
 * POST /api/lokets/calls (operator: call a checked applicant to the recording desk), POST
 * /api/lokets/calls/{id}/recall, GET /api/lokets/calls/{id}/announcement.wav (public: the
 * display plays it like a ticket's announcement).
 * Never: decide roles or readiness here (the service does).
 */
#include "http/api.h"

#include <stdint.h>


static void h_get(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_lokets_get(HTTP_API(r)->s, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_set(http_req *r)
{
    http_run_in(r, svc_lokets_set, 200);
}

static void h_call(http_req *r)
{
    http_run_in(r, svc_recording_call, 200);
}

static void h_recall(http_req *r)
{
    http_run_id(r, svc_recording_recall);
}


/* The display reads a call without an officer: the use case has no actor. */
static kt_code call_get(svc *s, const svc_actor *who, int64_t id, json_t **out, kt_error *err)
{
    (void)who;
    return svc_loket_call_get(s, id, out, err);
}

static void h_announcement(http_req *r)
{
    http_run_announcement(r, call_get);
}

const http_route http_routes_lokets[] = {
    {"GET", "/api/lokets", h_get, HTTP_PUBLIC},
    {"PUT", "/api/lokets", h_set, 0},
    {"POST", "/api/lokets/calls", h_call, 0},
    {"POST", "/api/lokets/calls/{id}/recall", h_recall, 0},
    {"GET", "/api/lokets/calls/{id}/announcement.wav", h_announcement, HTTP_PUBLIC},
};
const size_t http_routes_lokets_n = sizeof http_routes_lokets / sizeof http_routes_lokets[0];
