/*
 * h_tickets.c - the queue tickets (SOP step 1): take (kiosk, public), call next, recall,
 * no-show, transfer, get, and the call announcement audio (display, public).
 *
 * The announcement is assembled by src/voice from the ticket's number and loket; the clip
 * bank is opened on the first request (rendering it may take a few seconds once) and kept.
 * Never: decide here which ticket is next (the service does, in one transaction).
 */
#include "http/api.h"

#include <stdlib.h>
#include <string.h>


static void h_take(http_req *r)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    kt_code rc = svc_ticket_take(HTTP_API(r)->s, in, &out, &err);
    http_reply_svc(r, rc, 201, out, &err);
    json_decref(in);
}

static void h_next(http_req *r)
{
    http_run_in(r, svc_ticket_call_next, 200);
}

static void h_get(http_req *r)
{
    json_t *out = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = svc_ticket_get(HTTP_API(r)->s, id, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
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
    json_t *t = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = svc_ticket_get(HTTP_API(r)->s, id, &t, &err);
    if (rc != KT_OK)
        http_reply_error(r, &err, NULL);
    else
        http_reply_announcement(r, json_string_value(json_object_get(t, "number")),
                                json_integer_value(json_object_get(t, "loket")));
    json_decref(t);
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
