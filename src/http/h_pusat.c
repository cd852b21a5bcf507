/*
 * h_pusat.c - the city registry's staff API (src/pusat; roles checked there):
 *   GET  /api/pusat/overview                 per kecamatan, nodes, alerts, gallery
 *   GET  /api/pusat/info                     the central's public keys
 *   GET  /api/pusat/nodes                    POST /api/pusat/nodes {"kecamatan_code","name"}
 *   POST /api/pusat/nodes/{node}/code        a new one-time enrolment code (key rotation)
 *   POST /api/pusat/nodes/{node}/revoke
 *   GET  /api/pusat/adjudications            records waiting for an officer
 *   GET  /api/pusat/records/{id}             side by side
 *   POST /api/pusat/records/{id}/decide      {"decision": duplicate | not_duplicate, "note"}
 *   GET  /api/pusat/records/{id}/parts/{name}  a part (face, finger_N.img), decrypted
 *   GET  /api/pusat/alerts
 */
#include "http/api.h"
#include "pusat/pusat.h"

#include <stdlib.h>

HTTP_ROUTES_DECL(http_routes_pusat)

#define P(r) (HTTP_API(r)->p)

typedef kt_code (*p_op)(pusat *, const svc_actor *, json_t **, kt_error *);

static void run_p(http_req *r, p_op op)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = op(P(r), &r->actor, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_overview(http_req *r) { run_p(r, pusat_overview); }
static void h_info(http_req *r) { run_p(r, pusat_info); }
static void h_nodes(http_req *r) { run_p(r, pusat_node_list); }
static void h_adjudications(http_req *r) { run_p(r, pusat_adjudications); }
static void h_alerts(http_req *r) { run_p(r, pusat_alerts); }

static void h_node_add(http_req *r)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    kt_code rc = pusat_node_add(P(r), &r->actor, in, &out, &err);
    http_reply_svc(r, rc, 201, out, &err);
    json_decref(in);
}

static void h_node_code(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = pusat_node_code(P(r), &r->actor, http_param(r, "node"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_node_revoke(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = pusat_node_revoke(P(r), &r->actor, http_param(r, "node"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_record(http_req *r)
{
    json_t *out = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = pusat_record_get(P(r), &r->actor, id, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_decide(http_req *r)
{
    json_t *in = NULL, *out = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    if (http_param_id(r, "id", &id, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    if ((in = http_json_in(r)) == NULL)
        return;
    kt_code rc = pusat_record_decide(P(r), &r->actor, id, in, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(in);
}

static void h_part(http_req *r)
{
    void *data = NULL;
    size_t len = 0;
    char ct[64] = "";
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = pusat_record_part(P(r), &r->actor, id, http_param(r, "name"), &data, &len, ct, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_bytes(r, 200, ct[0] ? ct : "application/octet-stream", data, len);
}

const http_route http_routes_pusat[] = {
    {"GET", "/api/pusat/overview", h_overview, 0},
    {"GET", "/api/pusat/info", h_info, 0},
    {"GET", "/api/pusat/nodes", h_nodes, 0},
    {"POST", "/api/pusat/nodes", h_node_add, 0},
    {"POST", "/api/pusat/nodes/{node}/code", h_node_code, 0},
    {"POST", "/api/pusat/nodes/{node}/revoke", h_node_revoke, 0},
    {"GET", "/api/pusat/adjudications", h_adjudications, 0},
    {"GET", "/api/pusat/records/{id}", h_record, 0},
    {"POST", "/api/pusat/records/{id}/decide", h_decide, 0},
    {"GET", "/api/pusat/records/{id}/parts/{name}", h_part, 0},
    {"GET", "/api/pusat/alerts", h_alerts, 0},
};
const size_t http_routes_pusat_n = sizeof http_routes_pusat / sizeof http_routes_pusat[0];
