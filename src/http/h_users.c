/*
 * h_users.c - staff accounts and sessions (admin; the service checks): GET/POST /api/users,
 * POST /api/users/{username}/disable|enable|reset-password, GET /api/sessions,
 * POST /api/sessions/{id}/revoke (docs/api.md "Accounts and sessions").
 * Never: echo a password back (the service's result has none, but for the one-time
 * temporary password of a reset).
 */
#include "http/api.h"

static void h_list(http_req *r)
{
    http_run(r, svc_user_list);
}

static void h_add(http_req *r)
{
    http_run_in(r, svc_user_add, 201);
}

static void set_active(http_req *r, int active)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_user_set_active(HTTP_API(r)->s, &r->actor, http_param(r, "username"),
                                     active, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_disable(http_req *r) { set_active(r, 0); }
static void h_enable(http_req *r) { set_active(r, 1); }

static void h_reset(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_user_reset_password(HTTP_API(r)->s, &r->actor, http_param(r, "username"),
                                         &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    /* the temporary password must not stay in a cache */
    http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static void h_sessions(http_req *r)
{
    http_run(r, svc_session_list);
}

static void h_revoke(http_req *r)
{
    http_run_id(r, svc_session_revoke);
}

const http_route http_routes_users[] = {
    {"GET", "/api/users", h_list, 0},
    {"POST", "/api/users", h_add, 0},
    {"POST", "/api/users/{username}/disable", h_disable, 0},
    {"POST", "/api/users/{username}/enable", h_enable, 0},
    {"POST", "/api/users/{username}/reset-password", h_reset, 0},
    {"GET", "/api/sessions", h_sessions, 0},
    {"POST", "/api/sessions/{id}/revoke", h_revoke, 0},
};
const size_t http_routes_users_n = sizeof http_routes_users / sizeof http_routes_users[0];
