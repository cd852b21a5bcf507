/*
 * h_users.c - staff accounts: GET /api/users, POST /api/users (admin; the service checks).
 * Never: echo a password back (the service's result has none).
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

const http_route http_routes_users[] = {
    {"GET", "/api/users", h_list, 0},
    {"POST", "/api/users", h_add, 0},
};
const size_t http_routes_users_n = sizeof http_routes_users / sizeof http_routes_users[0];
