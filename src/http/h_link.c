/*
 * h_link.c - the node protocol at the city registry (docs/internals/link.md); no session:
 * nodes authenticate by their keys (the packet's signatures, the X-Ktpel-* request headers).
 *   POST /api/link/v1/enrol     {"node_id","code","public_key"} -> the central's keys + HMAC
 *   POST /api/link/v1/packets   a packet file (raw body) -> {"status": accepted | duplicate}
 *   GET  /api/link/v1/status?after=N&limit=M   the node's status feed (signed request)
 *   GET  /api/link/v1/residents?after=N&limit=M   its kecamatan's resident feed (signed)
 * Never: decide anything here; pusat refuses with the right error and raises the alerts.
 */
#include "http/api.h"
#include "pusat/pusat.h"

#include <stdio.h>
#include <stdlib.h>

HTTP_ROUTES_DECL(http_routes_link)

static void h_enrol(http_req *r)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    kt_code rc = pusat_enrol(HTTP_API(r)->p, in, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(in);
}

static void h_packet(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = pusat_packet_receive(HTTP_API(r)->p, (const uint8_t *)r->body, r->body_len,
                                      "https", &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* The two signed feeds share their query: after=N&limit=M, canonical for the signature. */
typedef kt_code (*feed_fn)(pusat *, const char *, const char *, const char *, const char *,
                           int64_t, int, json_t **, kt_error *);

static void run_feed(http_req *r, const char *path, long dflt, long max, feed_fn fn)
{
    json_t *out = NULL;
    kt_error err;
    char pq[128], *end = NULL;
    kt_error_clear(&err);
    const char *a = http_query(r, "after"), *l = http_query(r, "limit");
    long long after = a != NULL ? strtoll(a, &end, 10) : 0;
    if (a == NULL || end == a || *end != '\0' || after < 0) {
        http_reply_fail(r, KT_EINVAL, "after_invalid", "after", "after harus bilangan >= 0");
        return;
    }
    long limit = l != NULL ? strtol(l, &end, 10) : dflt;
    if (l != NULL && (end == l || *end != '\0' || limit < 1 || limit > max)) {
        http_reply_fail(r, KT_EINVAL, "limit_invalid", "limit", "limit harus 1 sampai %ld", max);
        return;
    }
    snprintf(pq, sizeof pq, "%s?after=%lld&limit=%ld", path, after, limit);
    kt_code rc = fn(HTTP_API(r)->p, http_header(r, "X-Ktpel-Node"), http_header(r, "X-Ktpel-Time"),
                    http_header(r, "X-Ktpel-Signature"), pq, after, (int)limit, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_residents(http_req *r)
{
    run_feed(r, "/api/link/v1/residents", 500, 1000, pusat_resident_feed);
}

static void h_status(http_req *r)
{
    run_feed(r, "/api/link/v1/status", 100, 500, pusat_status_feed);
}

const http_route http_routes_link[] = {
    {"POST", "/api/link/v1/enrol", h_enrol, HTTP_PUBLIC},
    {"POST", "/api/link/v1/packets", h_packet, HTTP_PUBLIC | HTTP_RAW},
    {"GET", "/api/link/v1/status", h_status, HTTP_PUBLIC},
    {"GET", "/api/link/v1/residents", h_residents, HTTP_PUBLIC},
};
const size_t http_routes_link_n = sizeof http_routes_link / sizeof http_routes_link[0];
