/*
 * h_public.c - the citizens' routes (/api/public/...): booking an appointment, its code's
 * page (cancel, reschedule, its QR), a ticket's page on the phone (and its SMS), the card's
 * status, the satisfaction survey and its published result. No session: these are for
 * anyone, served by the office's server and alone by `serve --public-listen` (api.c).
 * Every /api/public route has a per-client budget (server.c public_budget, limits.c); what
 * each answers carries no NIK, no name and no phone number (the service sees to it).
 * The public listener's event stream is here too: the public audience alone.
 *
 * Never: a staff use case here (those need a session; see h_citizen.c).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/pdf.h"

/* The public use cases take no actor: adapt them to the handler shapes of api.h. */
static kt_code book(svc *s, const svc_actor *who, const json_t *in, json_t **out, kt_error *err)
{
    (void)who;
    return svc_appt_book(s, in, out, err);
}

static kt_code card_status(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                           kt_error *err)
{
    (void)who;
    return svc_card_status(s, in, out, err);
}

static kt_code survey_submit(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                             kt_error *err)
{
    (void)who;
    return svc_survey_submit(s, in, out, err);
}

static void h_book(http_req *r) { http_run_in(r, book, 201); }
static void h_card_status(http_req *r) { http_run_in(r, card_status, 200); }
static void h_survey_submit(http_req *r) { http_run_in(r, survey_submit, 201); }

static void h_days(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_appt_days(HTTP_API(r)->s, http_query(r, "service"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* A use case of one path parameter (a code or a token), with or without a JSON body. */
typedef kt_code (*param_op)(svc *, const char *, json_t **, kt_error *);
typedef kt_code (*param_in_op)(svc *, const char *, const json_t *, json_t **, kt_error *);

static void run_param(http_req *r, const char *name, param_op op)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = op(HTTP_API(r)->s, http_param(r, name), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void run_param_in(http_req *r, const char *name, param_in_op op)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    kt_code rc = op(HTTP_API(r)->s, http_param(r, name), in, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(in);
}

static void h_appt_get(http_req *r) { run_param(r, "code", svc_appt_get); }
static void h_appt_cancel(http_req *r) { run_param(r, "code", svc_appt_cancel); }
static void h_appt_move(http_req *r) { run_param_in(r, "code", svc_appt_reschedule); }
static void h_track(http_req *r) { run_param(r, "token", svc_ticket_track); }
static void h_phone(http_req *r) { run_param_in(r, "token", svc_ticket_phone); }
static void h_survey_get(http_req *r) { run_param(r, "token", svc_survey_get); }

static void h_ikm(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_ikm_public(HTTP_API(r)->s, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* The QR (SVG) of the address a use case answers under `field`: a booking's page, a
   ticket's page. Only what the code or the token opens is drawn, never free text. */
static void run_qr(http_req *r, const char *name, param_op op, const char *field)
{
    json_t *out = NULL;
    char *svg = NULL;
    size_t len = 0;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = op(HTTP_API(r)->s, http_param(r, name), &out, &err);
    const char *url = rc == KT_OK ? json_string_value(json_object_get(out, field)) : NULL;
    if (rc == KT_OK && url == NULL)
        rc = kt_fail(&err, KT_ENOTFOUND, "qr_unavailable", name, "tidak ada kode QR untuk ini");
    if (rc == KT_OK)
        rc = pdf_qr_svg(url, &svg, &len, &err);
    json_decref(out);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_file(r, "image/svg+xml", "inline", "qr.svg", svg, len); /* made here */
}

static void h_appt_qr(http_req *r) { run_qr(r, "code", svc_appt_get, "manage_url"); }
static void h_track_qr(http_req *r) { run_qr(r, "token", svc_ticket_track, "track_url"); }

const http_route http_routes_public[] = {
    {"GET", "/api/public/appointments", h_days, HTTP_PUBLIC | HTTP_LIMITED},
    {"POST", "/api/public/appointments", h_book, HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"GET", "/api/public/appointments/{code}", h_appt_get, HTTP_PUBLIC | HTTP_LIMITED},
    {"POST", "/api/public/appointments/{code}/cancel", h_appt_cancel,
     HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"POST", "/api/public/appointments/{code}/reschedule", h_appt_move,
     HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"GET", "/api/public/appointments/{code}/qr.svg", h_appt_qr, HTTP_PUBLIC | HTTP_LIMITED},
    {"GET", "/api/public/tickets/{token}", h_track, HTTP_PUBLIC | HTTP_LIMITED},
    {"POST", "/api/public/tickets/{token}/phone", h_phone, HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"GET", "/api/public/tickets/{token}/qr.svg", h_track_qr, HTTP_PUBLIC | HTTP_LIMITED},
    {"POST", "/api/public/card-status", h_card_status, HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"GET", "/api/public/survey/{token}", h_survey_get, HTTP_PUBLIC | HTTP_LIMITED},
    {"POST", "/api/public/survey", h_survey_submit, HTTP_PUBLIC | HTTP_LIMITED_WRITE},
    {"GET", "/api/public/ikm", h_ikm, HTTP_PUBLIC | HTTP_LIMITED},
};
const size_t http_routes_public_n = sizeof http_routes_public / sizeof http_routes_public[0];

/* The public listener's live stream: the public audience only (svc_event_view with no actor:
   queue events without a person, a survey offer's loket). No staff stream there. */
static void h_events(http_req *r) { http_sse_open(HTTP_API(r)->hub, r, HTTP_AUDIENCE_PUBLIC); }

const http_route http_routes_public_events[] = {
    {"GET", "/api/events", h_events, HTTP_PUBLIC},
};
const size_t http_routes_public_events_n =
    sizeof http_routes_public_events / sizeof http_routes_public_events[0];
