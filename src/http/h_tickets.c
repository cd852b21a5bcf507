/*
 * h_tickets.c - the queue tickets (SOP step 1): take (kiosk, public), call next, recall,
 * no-show, transfer, get, and the call announcement audio (display, public).
 *
 * The announcement is assembled by src/voice from the ticket's number and loket; the clip
 * bank is opened on the first request (rendering it may take a few seconds once) and kept.
 *
 * Taking a ticket (docs/security.md "HTTP and browser"): a registered kiosk sends its device
 * secret in X-Ktpel-Kiosk and may take kiosk_per_min tickets a minute (a person at a touch
 * screen takes far fewer); a logged-in officer takes them freely; any other client gets
 * ticket_budget tickets an hour per address. So nobody on the LAN can take the day's numbers.
 * Priority is a claim until the officer who calls the ticket decides it (POST .../priority).
 * Never: decide here which ticket is next (the service does, in one transaction).
 */
#include "http/api.h"

/* Reading a ticket needs no officer (the display's announcement): the use case has no actor. */
static kt_code ticket_get(svc *s, const svc_actor *who, int64_t id, json_t **out, kt_error *err)
{
    (void)who;
    return svc_ticket_get(s, id, out, err);
}

static int ticket_admit(http_req *r, svc_kiosk *kiosk, svc_kiosk **kp)
{
    const http_config *cfg = http_core_cfg(r->core);
    const char *dev = http_header(r, "X-Ktpel-Kiosk");
    unsigned wait = 0;
    kt_error err;
    kt_error_clear(&err);
    *kp = NULL;
    if (dev != NULL && dev[0] != '\0') {
        if (svc_kiosk_verify(HTTP_API(r)->s, dev, kiosk, &err) != KT_OK) {
            http_reply_error(r, &err, NULL);
            return 0;
        }
        *kp = kiosk;
        if (cfg->kiosk_per_min != HTTP_OFF &&
            (wait = http_budget(r, HTTP_BUDGET_KIOSK, (uint64_t)kiosk->id,
                                cfg->kiosk_per_min / 60.0, 10)) != 0) {
            http_reply_limited(r, 429, wait, "kiosk_too_fast",
                               "kios '%s' mengambil nomor terlalu cepat; tunggu %u detik",
                               kiosk->name, wait);
            return 0;
        }
    } else if (!r->has_actor && cfg->ticket_budget != HTTP_OFF &&
               (wait = http_budget(r, HTTP_BUDGET_TICKETS, 0, cfg->ticket_budget / 3600.0,
                                   cfg->ticket_budget > 1 ? (cfg->ticket_budget + 1) / 2 : 1)) !=
                   0) {
        http_reply_limited(r, 429, wait, "ticket_budget",
                           "perangkat ini bukan kios terdaftar dan sudah mengambil cukup nomor "
                           "antrian; silakan ambil nomor di kios kantor (atau coba lagi dalam "
                           "%u menit)",
                           (wait + 59) / 60);
        return 0;
    }
    return 1;
}

void http_run_ticket(http_req *r, http_op_ticket op)
{
    svc_kiosk kiosk, *kp = NULL;
    json_t *in, *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (!ticket_admit(r, &kiosk, &kp))
        return;
    if ((in = http_json_in(r)) == NULL)
        return;
    kt_code rc = op(HTTP_API(r)->s, kp, in, &out, &err);
    http_reply_svc(r, rc, 201, out, &err);
    json_decref(in);
}

static void h_take(http_req *r) { http_run_ticket(r, svc_ticket_take_by); }

static void h_priority(http_req *r)
{
    http_run_id_in(r, svc_ticket_priority);
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
    {"POST", "/api/tickets/{id}/priority", h_priority, 0},
    {"GET", "/api/tickets/{id}/announcement.wav", h_announcement, HTTP_PUBLIC},
};
const size_t http_routes_tickets_n = sizeof http_routes_tickets / sizeof http_routes_tickets[0];
