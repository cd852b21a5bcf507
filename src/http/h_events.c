/*
 * h_events.c - the live update streams (Server-Sent Events):
 *   GET /api/events        public: the waiting room's display board and the kiosk. Queue
 *                          events only, with nothing about a person (svc_event_view, NULL).
 *   GET /api/events/staff  a session: what the officer's role may see (svc_event_view).
 * The stream machinery is sse.c; api.c feeds each audience from svc_subscribe. The audience
 * is the session's, never something the page asks for.
 */
#include "http/api.h"

static void h_public(http_req *r)
{
    http_sse_open(HTTP_API(r)->hub, r, HTTP_AUDIENCE_PUBLIC);
}

static void h_staff(http_req *r)
{
    unsigned audience = http_api_audience(&r->actor);
    if (audience == HTTP_AUDIENCE_PUBLIC) {
        http_reply_fail(r, KT_EFORBIDDEN, "forbidden", "role",
                        "peran '%s' tidak menerima siaran petugas", r->actor.role);
        return;
    }
    http_sse_open(HTTP_API(r)->hub, r, audience);
}

const http_route http_routes_events[] = {
    {"GET", "/api/events", h_public, HTTP_PUBLIC},
    {"GET", "/api/events/staff", h_staff, 0},
};
const size_t http_routes_events_n = sizeof http_routes_events / sizeof http_routes_events[0];
