/*
 * h_admin.c - POST /api/admin/backup (admin): a consistent online backup now, into the
 * folder `ktpel serve --backup-dir` configured (never a path from the request), then rotation;
 * GET /api/konsolidasi (supervisor): the data consistency checks.
 * Never: accept a file system path from the network.
 */
#include "http/api.h"

static void h_backup(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_backup_now(HTTP_API(r)->s, &r->actor, NULL, 0, &out, &err);
    http_reply_svc(r, rc, 201, out, &err);
}

static void h_konsolidasi(http_req *r)
{
    http_run(r, svc_konsolidasi);
}

const http_route http_routes_admin[] = {
    {"POST", "/api/admin/backup", h_backup, 0},
    {"GET", "/api/konsolidasi", h_konsolidasi, 0},
};
const size_t http_routes_admin_n = sizeof http_routes_admin / sizeof http_routes_admin[0];
