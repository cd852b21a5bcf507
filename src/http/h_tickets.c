/*
 * h_tickets.c - the queue tickets (SOP step 1): take (kiosk, public), call next, recall,
 * no-show, transfer, get, and the call announcement audio (display, public).
 *
 * The announcement is assembled by src/voice from the ticket's number and loket; the clip
 * bank is opened on the first request (rendering it may take a few seconds once) and kept.
 * Never: decide here which ticket is next (the service does, in one transaction).
 */
#include "http/api.h"

/* Taking a ticket and reading one need no officer (the kiosk, the display's announcement): the
   use cases have no actor. */
static kt_code kiosk_take(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                          kt_error *err)
{
    (void)who;
    return svc_ticket_take(s, in, out, err);
}

static kt_code ticket_get(svc *s, const svc_actor *who, int64_t id, json_t **out, kt_error *err)
{
    (void)who;
    return svc_ticket_get(s, id, out, err);
}

static void h_take(http_req *r)
{
    http_run_in(r, kiosk_take, 201);
}

static void h_next(http_req *r)
{
    http_run_in(r, svc_ticket_call_next, 200);
}

static void h_get(http_req *r)
{
    http_run_id(r, ticket_get);
}

static void h_recall(http_req *r)
{
    http_run_id(r, svc_ticket_recall);
}

static void h_no_show(http_req *r)
{
    http_run_id(r, svc_ticket_no_show);
}

static void h_transfer(http_req *r)
{
    http_run_id_in(r, svc_ticket_transfer);
}

static void h_announcement(http_req *r)
{
    http_run_announcement(r, ticket_get);
}

const http_route http_routes_tickets[] = {
    {"POST", "/api/tickets", h_take, HTTP_PUBLIC},
    {"POST", "/api/tickets/next", h_next, 0},
    {"GET", "/api/tickets/{id}", h_get, 0},
    {"POST", "/api/tickets/{id}/recall", h_recall, 0},
    {"POST", "/api/tickets/{id}/no-show", h_no_show, 0},
    {"POST", "/api/tickets/{id}/transfer", h_transfer, 0},
    {"GET", "/api/tickets/{id}/announcement.wav", h_announcement, HTTP_PUBLIC},
};
const size_t http_routes_tickets_n = sizeof http_routes_tickets / sizeof http_routes_tickets[0];
