/*
 * archive.c - the archive rack (Rak Arsip; SOP "Pencatatan dan Pendataan": store the paper
 * files in the archive rack): every finished application that has a paper file gets a rack,
 * a box and a position, in the order the applications end.
 *
 * Which applications have a paper file: those whose documents were received at the intake
 * check (at least one row in `documents`) and that ended in handed_over, rejected or referred.
 * An application returned as incomplete is not filed: the SOP returns the documents to the
 * applicant with the slip. One refused at opening (no NIK, under age, ...) has no documents.
 *
 * Layout: archive_config (racks, boxes per rack, files per box; admin may change it, it
 * applies to files filed afterwards). Files fill box 1 of rack 1, then box 2, ...; a full
 * rack moves on to the next. When every box is full the file is recorded without a place
 * (box_id NULL) and `ktpel konsolidasi` lists it; filing never blocks a handover.
 *
 * Never: move a file once placed (the label on a box must stay true).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/pdf.h"
#include "service/rec_internal.h"
#include "service/service.h"

typedef struct arc_cfg {
    int racks, boxes_per_rack, files_per_box;
} arc_cfg;

static kt_code cfg_read(store *db, arc_cfg *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT racks, boxes_per_rack, files_per_box FROM archive_config"
                               " WHERE id = 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    c->racks = row ? (int)store_col_int(st, 0) : 10;
    c->boxes_per_rack = row ? (int)store_col_int(st, 1) : 20;
    c->files_per_box = row ? (int)store_col_int(st, 2) : 100;
    store_reset(st);
    return KT_OK;
}

/* Box id of (rack, box), created when missing. */
static kt_code box_id_of(svc *s, store *db, int rack, int box, int64_t *id, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "INSERT INTO archive_boxes (rack, box, created_at) VALUES (?, ?, ?)"
                               " ON CONFLICT (rack, box) DO NOTHING",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, rack);
    store_bind_int(st, 2, box);
    store_bind_int(st, 3, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT id FROM archive_boxes WHERE rack = ? AND box = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, rack);
    store_bind_int(st, 2, box);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *id = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    return row ? KT_OK : kt_fail(err, KT_EINTERNAL, "archive_box_lost", "", "Kotak arsip hilang");
}

/* Files in a box and the next free position. */
static kt_code box_fill(store *db, int64_t box_id, int64_t *count, int64_t *next, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT count(*), COALESCE(max(position), 0) FROM archive_files"
                               " WHERE box_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, box_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *count = store_col_int(st, 0);
    *next = store_col_int(st, 1) + 1;
    store_reset(st);
    return KT_OK;
}

kt_code svc_rec_app_moved(svc *s, store *db, int64_t app_id, const char *to, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    arc_cfg c;
    if (strcmp(to, "handed_over") != 0 && strcmp(to, "rejected") != 0 &&
        strcmp(to, "referred") != 0)
        return KT_OK;
    if ((rc = store_prepare(db,
                            "SELECT (SELECT count(*) FROM documents WHERE application_id = ?),"
                            " (SELECT count(*) FROM archive_files WHERE application_id = ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    store_bind_int(st, 2, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t ndocs = store_col_int(st, 0), filed = store_col_int(st, 1);
    store_reset(st);
    if (ndocs == 0 || filed > 0)
        return KT_OK;
    if ((rc = cfg_read(db, &c, err)) != KT_OK)
        return rc;
    /* The fill point: the last box that received a file (rack, box order). */
    int rack = 1, box = 1;
    if ((rc = store_prepare(db,
                            "SELECT b.rack, b.box FROM archive_boxes b WHERE EXISTS (SELECT 1"
                            " FROM archive_files f WHERE f.box_id = b.id) ORDER BY b.rack DESC,"
                            " b.box DESC LIMIT 1",
                            &st, err)) != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row) {
        rack = (int)store_col_int(st, 0);
        box = (int)store_col_int(st, 1);
    }
    store_reset(st);
    int64_t box_id = 0, pos = 0;
    for (int guard = 0; guard < 100000; guard++) {
        if (box > c.boxes_per_rack) {
            box = 1;
            rack++;
        }
        if (rack > c.racks)
            break; /* full: filed without a place */
        int64_t id, count, next;
        if ((rc = box_id_of(s, db, rack, box, &id, err)) != KT_OK)
            return rc;
        if ((rc = box_fill(db, id, &count, &next, err)) != KT_OK)
            return rc;
        if (count < c.files_per_box && next <= c.files_per_box) {
            box_id = id;
            pos = next;
            break;
        }
        box++;
    }
    if ((rc = store_prepare(db,
                            "INSERT INTO archive_files (application_id, box_id, position,"
                            " filed_at) VALUES (?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    if (box_id > 0)
        store_bind_int(st, 2, box_id);
    else
        store_bind_null(st, 2);
    store_bind_int(st, 3, pos);
    store_bind_int(st, 4, svc_now(s));
    return store_run(st, err);
}

/* ---- configuration ----------------------------------------------------------------------- */

static kt_code int_field(const json_t *in, const char *key, int lo, int hi, int *v,
                         kt_error *err)
{
    json_t *j = json_object_get(in, key);
    if (j == NULL)
        return KT_OK;
    if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
        return kt_fail(err, KT_EINVAL, "field_invalid", key, "%s harus bilangan %d..%d", key, lo,
                       hi);
    *v = (int)json_integer_value(j);
    return KT_OK;
}

kt_code svc_archive_config(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                           kt_error *err)
{
    store *db = NULL;
    arc_cfg c, n;
    int write = in != NULL && json_object_size(in) > 0;
    kt_code rc = write ? svc_require_admin(who, err) : svc_rec_require_staff(who, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    if (in != NULL && !json_is_object(in))
        return kt_fail(err, KT_EINVAL, "json_not_object", "", "Masukan harus objek JSON");
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = write ? svc_begin_write(s, db, err) : store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = cfg_read(db, &c, err)) != KT_OK)
        goto out;
    n = c;
    if (write) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)(uintptr_t)in, k, v) {
            if (strcmp(k, "racks") != 0 && strcmp(k, "boxes_per_rack") != 0 &&
                strcmp(k, "files_per_box") != 0) {
                rc = kt_fail(err, KT_EINVAL, "field_unknown", k, "Kolom %s tidak dikenal", k);
                goto out;
            }
        }
        if ((rc = int_field(in, "racks", 1, 999, &n.racks, err)) != KT_OK ||
            (rc = int_field(in, "boxes_per_rack", 1, 999, &n.boxes_per_rack, err)) != KT_OK ||
            (rc = int_field(in, "files_per_box", 1, 9999, &n.files_per_box, err)) != KT_OK)
            goto out;
        store_stmt *st = NULL;
        if ((rc = store_prepare(db,
                                "UPDATE archive_config SET racks = ?, boxes_per_rack = ?,"
                                " files_per_box = ? WHERE id = 1",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, n.racks);
        store_bind_int(st, 2, n.boxes_per_rack);
        store_bind_int(st, 3, n.files_per_box);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        char note[96];
        snprintf(note, sizeof note, "racks=%d boxes_per_rack=%d files_per_box=%d", n.racks,
                 n.boxes_per_rack, n.files_per_box);
        if ((rc = svc_event_add(s, db, NULL, "archive_config", who, 0, 0, "", "",
                                "archive_config", "", note, NULL, err)) != KT_OK)
            goto out;
        if ((rc = svc_commit(s, db, err)) != KT_OK)
            goto out;
    }
    *out = json_pack("{s:i, s:i, s:i}", "racks", n.racks, "boxes_per_rack", n.boxes_per_rack,
                     "files_per_box", n.files_per_box);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* ---- find, boxes, label ------------------------------------------------------------------ */

#define FILE_COLS                                                                            \
    "SELECT f.application_id, a.nik, COALESCE(r.name, ''), a.kind, a.state,"                 \
    " COALESCE(rc.receipt_no, ''), f.filed_at, COALESCE(b.id, 0), COALESCE(b.rack, 0),"       \
    " COALESCE(b.box, 0), f.position, a.day FROM archive_files f"                             \
    " JOIN applications a ON a.id = f.application_id"                                        \
    " LEFT JOIN residents r ON r.nik = a.nik"                                                \
    " LEFT JOIN receipts rc ON rc.application_id = a.id"                                     \
    " LEFT JOIN archive_boxes b ON b.id = f.box_id"

static json_t *file_json(store_stmt *st)
{
    char day[JKT_DATE_STRLEN];
    jkt_service_day_str(store_col_int(st, 6), day);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "application_id",
                          (json_int_t)store_col_int(st, 0), "nik", store_col_text(st, 1), "name",
                          store_col_text(st, 2), "kind", store_col_text(st, 3), "state",
                          store_col_text(st, 4), "filed_at", (json_int_t)store_col_int(st, 6),
                          "filed_day", day, "service_day", store_col_text(st, 11));
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "receipt_no", store_col_text(st, 5)[0]
                                             ? json_string(store_col_text(st, 5))
                                             : json_null());
    if (store_col_int(st, 7) > 0) {
        json_object_set_new(o, "box_id", json_integer(store_col_int(st, 7)));
        json_object_set_new(o, "rack", json_integer(store_col_int(st, 8)));
        json_object_set_new(o, "box", json_integer(store_col_int(st, 9)));
        json_object_set_new(o, "position", json_integer(store_col_int(st, 10)));
    } else {
        json_object_set_new(o, "box_id", json_null());
    }
    return o;
}

kt_code svc_archive_find(svc *s, const svc_actor *who, const json_t *q, json_t **out,
                         kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *files = NULL;
    int row = 0;
    const char *nik = svc_jstr(q, "nik"), *no = svc_jstr(q, "receipt_no"),
               *date = svc_jstr(q, "date");
    kt_code rc = svc_rec_require_staff(who, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    int n = (nik != NULL && nik[0]) + (no != NULL && no[0]) + (date != NULL && date[0]);
    if (n != 1)
        return kt_fail(err, KT_EINVAL, "filter_required", "nik",
                       "Cari berkas dengan tepat satu dari: nik, receipt_no, date");
    int64_t a = 0, b = 0;
    if (nik != NULL && nik[0] && strlen(nik) != 16)
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 digit");
    if (no != NULL && no[0] && strlen(no) > 32)
        return kt_fail(err, KT_EINVAL, "receipt_no_invalid", "receipt_no",
                       "Nomor tanda terima tidak sah");
    if (date != NULL && date[0] && (rc = svc_rec_range(s, date, date, &a, &b, err)) != KT_OK) {
        snprintf(err->field, sizeof err->field, "date");
        return rc;
    }
    if ((files = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if (nik != NULL && nik[0]) {
        rc = store_prepare(db, FILE_COLS " WHERE a.nik = ? ORDER BY f.filed_at", &st, err);
        if (rc == KT_OK)
            store_bind_text(st, 1, nik, -1);
    } else if (no != NULL && no[0]) {
        rc = store_prepare(db, FILE_COLS " WHERE rc.receipt_no = ?", &st, err);
        if (rc == KT_OK)
            store_bind_text(st, 1, no, -1);
    } else {
        rc = store_prepare(db, FILE_COLS " WHERE f.filed_at >= ? AND f.filed_at < ?"
                                         " ORDER BY f.filed_at",
                           &st, err);
        if (rc == KT_OK) {
            store_bind_int(st, 1, a);
            store_bind_int(st, 2, b);
        }
    }
    if (rc != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(files, file_json(st));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* In the access log with everyone found; masked for all but the supervisor unless the
       caller searched by the NIK itself. */
    char *subj = svc_access_subjects(files, "nik"), detail[64];
    if (subj == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    snprintf(detail, sizeof detail, "%s=%s", nik != NULL && nik[0] ? "nik" : no != NULL && no[0]
                                                                         ? "receipt_no"
                                                                         : "date",
             nik != NULL && nik[0] ? "" : no != NULL && no[0] ? no : date);
    rc = svc_access_record(s, who, "archive_find", nik != NULL && nik[0] ? nik : "", 0,
                           nik != NULL && nik[0] ? "" : subj, detail, err);
    free(subj);
    if (rc != KT_OK)
        goto out;
    if (!(nik != NULL && nik[0]) && !svc_full_nik(who))
        svc_nik_mask_list(files, "nik");
    *out = json_pack("{s:I, s:O}", "count", (json_int_t)json_array_size(files), "files", files);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(files);
    return rc;
}

/* One box as JSON ({id, rack, box, count, from, to}) or KT_ENOTFOUND; box_id 0 = all boxes
   into an array. */
static kt_code boxes_load(store *db, int64_t box_id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    json_t *arr = json_array();
    kt_code rc;
    if (arr == NULL)
        return svc_nomem(err);
    rc = store_prepare(db,
                       "SELECT b.id, b.rack, b.box, count(f.application_id),"
                       " COALESCE(min(f.filed_at), 0), COALESCE(max(f.filed_at), 0)"
                       " FROM archive_boxes b LEFT JOIN archive_files f ON f.box_id = b.id"
                       " WHERE ? = 0 OR b.id = ? GROUP BY b.id ORDER BY b.rack, b.box",
                       &st, err);
    if (rc != KT_OK)
        goto out;
    store_bind_int(st, 1, box_id);
    store_bind_int(st, 2, box_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        char from[JKT_DATE_STRLEN] = "", to[JKT_DATE_STRLEN] = "";
        if (store_col_int(st, 3) > 0) {
            jkt_service_day_str(store_col_int(st, 4), from);
            jkt_service_day_str(store_col_int(st, 5), to);
        }
        json_array_append_new(
            arr, json_pack("{s:I, s:i, s:i, s:I, s:s, s:s}", "id",
                           (json_int_t)store_col_int(st, 0), "rack", (int)store_col_int(st, 1),
                           "box", (int)store_col_int(st, 2), "count",
                           (json_int_t)store_col_int(st, 3), "from", from, "to", to));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if (box_id > 0) {
        if (json_array_size(arr) == 0) {
            rc = kt_fail(err, KT_ENOTFOUND, "archive_box_not_found", "id",
                         "Kotak arsip %lld tidak ada", (long long)box_id);
            goto out;
        }
        *out = json_incref(json_array_get(arr, 0));
    } else {
        *out = json_incref(arr);
    }
out:
    json_decref(arr);
    return rc;
}

kt_code svc_archive_boxes(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    kt_code rc = svc_rec_require_staff(who, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) == KT_OK)
        rc = boxes_load(db, 0, out, err);
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_archive_label(svc *s, const svc_actor *who, int64_t box_id, unsigned char **pdf,
                          size_t *len, kt_error *err)
{
    store *db = NULL;
    json_t *b = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = svc_rec_require_staff(who, err);
    if (rc != KT_OK)
        return rc;
    if (box_id <= 0)
        return kt_fail(err, KT_EINVAL, "id_invalid", "id", "Nomor kotak tidak sah");
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) == KT_OK)
        rc = boxes_load(db, box_id, &b, err);
    svc_conn_put(s, db);
    if (rc != KT_OK)
        return rc;
    if (json_integer_value(json_object_get(b, "count")) == 0) {
        /* an empty box (made before a configuration change) still gets a label */
        json_object_set_new(b, "from", json_string("-"));
        json_object_set_new(b, "to", json_string("-"));
    }
    rc = pdf_label(b, pdf, len, err);
    json_decref(b);
    return rc;
}
