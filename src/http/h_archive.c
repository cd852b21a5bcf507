/*
 * h_archive.c - the archive rack (Rak Arsip): find a paper file by NIK, receipt number or the
 * day it was filed; the boxes; a box's label as PDF; the rack layout (read; admin changes it).
 * Never: compute a place (the service files applications as they end).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void h_find(http_req *r)
{
    static const char *const keys[] = {"nik", "receipt_no", "date"};
    json_t *q = json_object(), *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (q == NULL) {
        http_reply_fail(r, KT_ENOMEM, "no_memory", "", "memori habis");
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = http_query(r, keys[i]);
        if (v != NULL && v[0] != '\0')
            json_object_set_new(q, keys[i], json_string(v));
    }
    kt_code rc = svc_archive_find(HTTP_API(r)->s, &r->actor, q, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(q);
}

static void h_boxes(http_req *r)
{
    http_run(r, svc_archive_boxes);
}

static void h_label(http_req *r)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    int64_t id = 0;
    char file[64];
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = svc_archive_label(HTTP_API(r)->s, &r->actor, id, &pdf, &len, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    snprintf(file, sizeof file, "label-kotak-%lld.pdf", (long long)id);
    http_reply_file(r, "application/pdf", "inline", file, pdf, len);
}

static void h_config_get(http_req *r)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_archive_config(HTTP_API(r)->s, &r->actor, NULL, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

static void h_config_put(http_req *r)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return;
    kt_error_clear(&err);
    if (json_object_size(in) == 0) {
        kt_fail(&err, KT_EINVAL, "field_missing", "racks",
                "Isi paling sedikit satu dari racks, boxes_per_rack, files_per_box");
        http_reply_error(r, &err, NULL);
    } else {
        kt_code rc = svc_archive_config(HTTP_API(r)->s, &r->actor, in, &out, &err);
        http_reply_svc(r, rc, 200, out, &err);
    }
    json_decref(in);
}

const http_route http_routes_archive[] = {
    {"GET", "/api/archive", h_find, 0},
    {"GET", "/api/archive/boxes", h_boxes, 0},
    {"GET", "/api/archive/boxes/{id}/label.pdf", h_label, 0},
    {"GET", "/api/archive/config", h_config_get, 0},
    {"PUT", "/api/archive/config", h_config_put, 0},
};
const size_t http_routes_archive_n = sizeof http_routes_archive / sizeof http_routes_archive[0];
