/*
 * h_citizen.c - the office's side of the citizen features: the kiosk's check-in with a
 * booking code and the handover loket's tablet (office network, no session, never on the
 * public listener), the admin's appointment slots and SMS outbox, the day's bookings, the
 * handover officer's "survey on the tablet", and the supervisor's IKM reports (JSON, PDF,
 * CSV). Roles are checked in the service.
 *
 * Never: expose one of these on `serve --public-listen` (api.c assembles that listener from
 * h_public.c alone).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same admission as taking a ticket (h_tickets.c): a registered kiosk, an officer, or a
   small budget per address. */
static void h_checkin(http_req *r) { http_run_ticket(r, svc_appt_checkin); }

static void h_tablet(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    const char *l = http_query(r, "loket");
    char *end = NULL;
    long loket = l != NULL ? strtol(l, &end, 10) : 0;
    if (l == NULL || *l == '\0' || *end != '\0')
        loket = 0;
    kt_code rc = svc_survey_tablet(HTTP_API(r)->s, (int)loket, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static kt_code config_get(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    (void)who; /* any staff (a session) */
    return svc_appt_config_get(s, out, err);
}

static void h_config_get(http_req *r) { http_run(r, config_get); }
static void h_config_set(http_req *r) { http_run_in(r, svc_appt_config_set, 200); }

static void h_list(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_appt_list(HTTP_API(r)->s, &r->actor, http_query(r, "date"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_offer(http_req *r) { http_run_id(r, svc_survey_offer); }
static void h_outbox(http_req *r) { http_run(r, svc_sms_outbox); }

static void h_report(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_ikm_report(HTTP_API(r)->s, &r->actor, http_query(r, "period"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void report_file(http_req *r, int pdf)
{
    void *buf = NULL;
    size_t len = 0;
    char name[64];
    const char *period = http_query(r, "period");
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = pdf ? svc_ikm_report_pdf(HTTP_API(r)->s, &r->actor, period,
                                          (unsigned char **)&buf, &len, &err)
                     : svc_ikm_report_csv(HTTP_API(r)->s, &r->actor, period, (char **)&buf, &len,
                                          &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    snprintf(name, sizeof name, "laporan-skm-%.7s.%s", period, pdf ? "pdf" : "csv");
    http_reply_file(r, pdf ? "application/pdf" : "text/csv; charset=utf-8",
                    pdf ? "inline" : "attachment", name, buf, len);
}

static void h_report_pdf(http_req *r) { report_file(r, 1); }
static void h_report_csv(http_req *r) { report_file(r, 0); }

const http_route http_routes_citizen[] = {
    {"POST", "/api/kiosk/checkin", h_checkin, HTTP_PUBLIC},
    {"GET", "/api/tablet/survey", h_tablet, HTTP_PUBLIC},
    {"GET", "/api/appointments/config", h_config_get, 0},
    {"PUT", "/api/appointments/config", h_config_set, 0},
    {"GET", "/api/appointments", h_list, 0},
    {"POST", "/api/applications/{id}/survey-offer", h_offer, 0},
    {"GET", "/api/ikm/report", h_report, 0},
    {"GET", "/api/ikm/report.pdf", h_report_pdf, 0},
    {"GET", "/api/ikm/report.csv", h_report_csv, 0},
    {"GET", "/api/sms/outbox", h_outbox, 0},
};
const size_t http_routes_citizen_n = sizeof http_routes_citizen / sizeof http_routes_citizen[0];
