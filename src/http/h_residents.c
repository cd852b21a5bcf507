/*
 * h_residents.c - GET /api/residents/{nik} (SIAK biodata with eligibility), GET /api/residents
 * ?name=&birth_date= (search without a NIK) and GET /api/nik/{nik} (the NIK analysis). The
 * service validates the input.
 * Never: log a NIK beyond the access line's path (it is personal data).
 */
#include "http/api.h"

static void h_resident(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_resident_get(HTTP_API(r)->s, &r->actor, http_param(r, "nik"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_nik(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_nik_analyze(HTTP_API(r)->s, http_param(r, "nik"), &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* GET /api/residents?name=...&birth_date=YYYY-MM-DD: the search without a NIK. */
static void h_search(http_req *r)
{
    json_t *out = NULL, *in = json_object();
    kt_error err;
    kt_error_clear(&err);
    const char *name = http_query(r, "name"), *bd = http_query(r, "birth_date");
    if (in != NULL && name != NULL)
        json_object_set_new(in, "name", json_string(name));
    if (in != NULL && bd != NULL)
        json_object_set_new(in, "birth_date", json_string(bd));
    kt_code rc = in != NULL ? svc_resident_search(HTTP_API(r)->s, &r->actor, in, &out, &err)
                            : kt_fail(&err, KT_ENOMEM, "no_memory", "", "memori habis");
    json_decref(in);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_residents[] = {
    {"GET", "/api/residents", h_search, 0},
    {"GET", "/api/residents/{nik}", h_resident, 0},
    {"GET", "/api/nik/{nik}", h_nik, 0},
};
const size_t http_routes_residents_n =
    sizeof http_routes_residents / sizeof http_routes_residents[0];
