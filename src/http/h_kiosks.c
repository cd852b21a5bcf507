/*
 * h_kiosks.c - the registered kiosk devices (admin; the service checks the role):
 *   GET  /api/kiosks               the kiosks, with their tickets today (never a secret)
 *   POST /api/kiosks {"name"}      register one: the answer carries its secret, this once
 *   POST /api/kiosks/{id}/revoke   its secret stops working at once
 * The kiosk page keeps the secret and sends it as X-Ktpel-Kiosk (h_tickets.c).
 * Never: log or echo a secret beyond the one answer that creates it.
 */
#include "http/api.h"

static void h_list(http_req *r)
{
    http_run(r, svc_kiosk_list);
}

static void h_add(http_req *r)
{
    http_run_in(r, svc_kiosk_add, 201);
}

static void h_revoke(http_req *r)
{
    http_run_id(r, svc_kiosk_revoke);
}

const http_route http_routes_kiosks[] = {
    {"GET", "/api/kiosks", h_list, 0},
    {"POST", "/api/kiosks", h_add, 0},
    {"POST", "/api/kiosks/{id}/revoke", h_revoke, 0},
};
const size_t http_routes_kiosks_n = sizeof http_routes_kiosks / sizeof http_routes_kiosks[0];
