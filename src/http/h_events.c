/*
 * h_events.c - GET /api/events: the live update stream (Server-Sent Events, public). The
 * stream machinery is sse.c; api.c feeds it from svc_subscribe.
 */
#include "http/api.h"

static void h_events(http_req *r)
{
    http_sse_open(HTTP_API(r)->hub, r);
}

const http_route http_routes_events[] = {
    {"GET", "/api/events", h_events, HTTP_PUBLIC},
};
const size_t http_routes_events_n = sizeof http_routes_events / sizeof http_routes_events[0];
