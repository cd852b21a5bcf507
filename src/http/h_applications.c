/*
 * h_applications.c - the applications (SOP steps 2-6): open, list, get, check, outcome
 * actions, data change, biometric upload / download / exception, recording, pickup receipt,
 * handover, audit trail; and GET /api/receipts/{receipt_no}.
 *
 * Biometric uploads are the one raw body of the API (up to 8 MiB, HTTP_RAW): the bytes go
 * to the service as received, without their declared Content-Type (the service decodes them
 * and decides what they are).
 * A biometric download is sent as a file to save (attachment) whose type is one of the image
 * types below, taken from what the service derived and stored; any other stored type goes out as
 * application/octet-stream, so no upload can ever come back as a page (text/html, SVG) that
 * runs in ktpel's origin.
 * Never: check a state or a role here; the service refuses with the right error.
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- handlers ------------------------------------------------------------------------ */

static void h_open(http_req *r)
{
    http_run_in(r, svc_app_open, 201);
}

static void h_list(http_req *r)
{
    static const char *const keys[] = {"state", "date", "nik"};
    json_t *filter = json_object(), *out = NULL;
    const char *limit = http_query(r, "limit");
    kt_error err;
    if (filter == NULL)
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = http_query(r, keys[i]);
        if (v != NULL && v[0] != '\0')
            json_object_set_new(filter, keys[i], json_string(v));
    }
    if (limit != NULL && limit[0] != '\0') {
        char *end = NULL;
        long n = strtol(limit, &end, 10);
        if (*end != '\0' || n <= 0 || n > 100000) {
            http_reply_fail(r, KT_EINVAL, "limit_invalid", "limit",
                            "limit harus bilangan 1..100000, bukan '%.20s'", limit);
            json_decref(filter);
            return;
        }
        json_object_set_new(filter, "limit", json_integer(n));
    }
    kt_error_clear(&err);
    kt_code rc = svc_app_list(HTTP_API(r)->s, &r->actor, filter, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(filter);
}

static void h_get(http_req *r)
{
    http_run_id(r, svc_app_get);
}

static void h_check(http_req *r)
{
    http_run_id_in(r, svc_app_check);
}

static void h_change_data(http_req *r)
{
    http_run_id_in(r, svc_app_change_data);
}

static void h_hand_over(http_req *r)
{
    http_run_id_in(r, svc_app_hand_over);
}

static void h_record(http_req *r)
{
    http_run_id(r, svc_app_record);
}

static void h_receipt(http_req *r)
{
    http_run_id(r, svc_app_receipt);
}

static void h_events(http_req *r)
{
    http_run_id(r, svc_app_events);
}

static void h_act(http_req *r)
{
    http_run_id_str_in(r, "action", svc_app_act);
}

static void h_bio_put(http_req *r)
{
    json_t *out = NULL;
    int64_t id;
    kt_error err;
    /* The declared Content-Type is not read: the service decodes the bytes and derives it. */
    const char *bg = http_query(r, "background");
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK && r->body_len == 0)
        rc = kt_fail(&err, KT_EINVAL, "bio_empty", "body", "berkas biometrik kosong");
    if (rc == KT_OK && bg != NULL && strcmp(bg, "confirmed") != 0)
        rc = kt_fail(&err, KT_EINVAL, "background_invalid", "background",
                     "background hanya boleh bernilai confirmed");
    if (rc == KT_OK)
        rc = svc_app_bio_put_ex(HTTP_API(r)->s, &r->actor, id, http_param(r, "slot"), r->body,
                                r->body_len, bg != NULL ? SVC_BIO_BG_CONFIRMED : 0u, &out,
                                &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* The image types a biometric download may carry, with the file name extension. */
static const struct {
    const char *type, *ext;
} bio_types[] = {
    {"image/png", "png"},  {"image/jpeg", "jpg"}, {"image/tiff", "tif"},
    {"image/bmp", "bmp"},  {"image/x-portable-anymap", "pnm"}, {"image/x-wsq", "wsq"},
    {"application/x-iso19794-2", "iso"},
};

static void h_bio_get(http_req *r)
{
    void *data = NULL;
    size_t len = 0;
    char ct[64] = "";
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = svc_app_bio_get(HTTP_API(r)->s, &r->actor, id, http_param(r, "slot"), &data, &len,
                             ct, &err);
    if (rc != KT_OK) {
        free(data);
        http_reply_error(r, &err, NULL);
        return;
    }
    ct[sizeof ct - 1] = '\0';
    const char *type = "application/octet-stream", *ext = "bin";
    for (size_t i = 0; i < sizeof bio_types / sizeof bio_types[0]; i++)
        if (strcasecmp(ct, bio_types[i].type) == 0) {
            type = bio_types[i].type;
            ext = bio_types[i].ext;
        }
    char file[96];
    snprintf(file, sizeof file, "permohonan-%lld-%s.%s", (long long)id, http_param(r, "slot"),
             ext);
    http_reply_file(r, type, "attachment", file, data, len);
}

static void h_bio_exception(http_req *r)
{
    http_run_id_str_in(r, "slot", svc_app_bio_exception);
}

/* GET /api/receipts/{receipt_no}[?ticket_id=N]: N is the pickup (E) ticket the officer called
   for this citizen (served and linked, the handover step's start). */
static void h_receipt_find(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    int64_t ticket_id = 0;
    const char *tq = http_query(r, "ticket_id");
    if (tq != NULL && tq[0] != '\0') {
        char *end = NULL;
        long long v = strtoll(tq, &end, 10);
        if (end == tq || *end != '\0' || v < 1) {
            kt_fail(&err, KT_EINVAL, "ticket_id_invalid", "ticket_id",
                    "ticket_id harus nomor tiket antrian E yang sedang dipanggil");
            http_reply_error(r, &err, NULL);
            return;
        }
        ticket_id = v;
    }
    kt_code rc = svc_receipt_find(HTTP_API(r)->s, &r->actor, http_param(r, "receipt_no"),
                                  ticket_id, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

const http_route http_routes_applications[] = {
    {"POST", "/api/applications", h_open, 0},
    {"GET", "/api/applications", h_list, 0},
    {"GET", "/api/applications/{id}", h_get, 0},
    {"POST", "/api/applications/{id}/check", h_check, 0},
    {"POST", "/api/applications/{id}/actions/{action}", h_act, 0},
    {"POST", "/api/applications/{id}/change-data", h_change_data, 0},
    {"PUT", "/api/applications/{id}/bio/{slot}", h_bio_put, HTTP_RAW},
    {"GET", "/api/applications/{id}/bio/{slot}", h_bio_get, 0},
    {"POST", "/api/applications/{id}/bio/{slot}/exception", h_bio_exception, 0},
    {"POST", "/api/applications/{id}/record", h_record, 0},
    {"POST", "/api/applications/{id}/receipt", h_receipt, 0},
    {"POST", "/api/applications/{id}/hand-over", h_hand_over, 0},
    {"GET", "/api/applications/{id}/events", h_events, 0},
    {"GET", "/api/receipts/{receipt_no}", h_receipt_find, 0},
};
const size_t http_routes_applications_n =
    sizeof http_routes_applications / sizeof http_routes_applications[0];
