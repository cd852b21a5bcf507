/*
 * h_audit.c - the audit trail (docs/api.md "Audit trail"): GET /api/audit/verify (supervisor,
 * admin: the hash chains and signed checkpoints), GET /api/audit/status (the same, at most 10
 * minutes old: the dashboard's), GET /api/audit/reads?nik=&username=&from=
 * &to=&limit= (supervisor, admin: who read whose data), POST /api/audit/checkpoint (admin).
 * Never: take a key file path from the network (verify trusts the server's audit.pub).
 */
#include "http/api.h"

#include <errno.h>
#include <stdlib.h>

static void h_verify(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_audit_verify(HTTP_API(r)->s, &r->actor, NULL, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_status(http_req *r)
{
    http_run(r, svc_audit_status);
}

static void h_reads(http_req *r)
{
    static const char *const keys[] = {"nik", "username", "from", "to"};
    json_t *in = json_object(), *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (in == NULL) {
        http_reply_fail(r, KT_ENOMEM, "no_memory", "", "memori habis");
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = http_query(r, keys[i]);
        if (v != NULL)
            json_object_set_new(in, keys[i], json_string(v));
    }
    const char *lim = http_query(r, "limit");
    if (lim != NULL) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(lim, &end, 10);
        if (errno != 0 || end == lim || *end != '\0') {
            json_decref(in);
            http_reply_fail(r, KT_EINVAL, "limit_invalid", "limit", "limit harus bilangan");
            return;
        }
        json_object_set_new(in, "limit", json_integer(n));
    }
    kt_code rc = svc_audit_reads(HTTP_API(r)->s, &r->actor, in, &out, &err);
    json_decref(in);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_checkpoint(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_audit_checkpoint(HTTP_API(r)->s, &r->actor, &out, &err);
    http_reply_svc(r, rc, 201, out, &err);
}

const http_route http_routes_audit[] = {
    {"GET", "/api/audit/verify", h_verify, 0},
    {"GET", "/api/audit/status", h_status, 0},
    {"GET", "/api/audit/reads", h_reads, 0},
    {"POST", "/api/audit/checkpoint", h_checkpoint, 0},
};
const size_t http_routes_audit_n = sizeof http_routes_audit / sizeof http_routes_audit[0];
