/*
 * h_queue.c - GET /api/queue/board: the display board (public).
 * Never: require a session (the board is a screen in the waiting room).
 */
#include "http/api.h"

static void h_board(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_queue_board(HTTP_API(r)->s, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_queue[] = {
    {"GET", "/api/queue/board", h_board, HTTP_PUBLIC},
};
const size_t http_routes_queue_n = sizeof http_routes_queue / sizeof http_routes_queue[0];
