/*
 * records.c - the officer's side of the central: the overview per kecamatan, the records
 * waiting for adjudication, the side-by-side view, the decision, the parts of a record; and
 * the status feed a node pulls.
 *
 * An adjudication decision is the officer's (supervisor at the central): "duplicate" keeps the
 * record DUPLICATE_RECORD (confirmed: no card), "not_duplicate" makes it PRINT_READY_RECORD; in
 * both cases one status entry goes to the node in the decision's transaction, with the audit.
 *
 * Never: show a record's parts to a role that is not the registry's officer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat_internal.h"

static json_t *opt_int(store_stmt *st, int c)
{
    return store_col_null(st, c) ? json_null() : json_integer(store_col_int(st, c));
}

kt_code pusat_overview(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *kec = NULL, *nodes = NULL, *alerts = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    jkt_date today = svc_today(p->s);
    int64_t day0 = jkt_day_start_ms(today);
    if ((kec = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT n.kecamatan_code, min(n.name),"
                            " (SELECT count(*) FROM pusat_packets k WHERE substr(k.node_id, 1, 6)"
                            "  = n.kecamatan_code AND k.received_at >= ?),"
                            " (SELECT count(*) FROM pusat_records r WHERE r.kecamatan_code ="
                            "  n.kecamatan_code AND r.status = 'PRINT_READY_RECORD'),"
                            " (SELECT count(*) FROM pusat_records r WHERE r.kecamatan_code ="
                            "  n.kecamatan_code AND r.adjudication = 'pending'),"
                            " (SELECT count(*) FROM pusat_records r WHERE r.kecamatan_code ="
                            "  n.kecamatan_code AND r.status = 'ENROLL_FAILURE_AT_CENTRAL'),"
                            " (SELECT count(*) FROM pusat_records r WHERE r.kecamatan_code ="
                            "  n.kecamatan_code AND r.status = 'CARD_ISSUED'),"
                            " (SELECT count(*) FROM pusat_packets k WHERE substr(k.node_id, 1, 6)"
                            "  = n.kecamatan_code AND k.state = 'received'),"
                            " (SELECT count(*) FROM pusat_packets k WHERE substr(k.node_id, 1, 6)"
                            "  = n.kecamatan_code)"
                            " FROM pusat_nodes n GROUP BY n.kecamatan_code ORDER BY"
                            " n.kecamatan_code",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, day0);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(
            kec, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "kecamatan_code",
                           store_col_text(st, 0), "name", store_col_text(st, 1),
                           "received_today", (json_int_t)store_col_int(st, 2), "print_ready",
                           (json_int_t)store_col_int(st, 3), "adjudication_waiting",
                           (json_int_t)store_col_int(st, 4), "failures",
                           (json_int_t)store_col_int(st, 5), "issued",
                           (json_int_t)store_col_int(st, 6), "processing",
                           (json_int_t)store_col_int(st, 7), "received_total",
                           (json_int_t)store_col_int(st, 8)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(p->s, db);
    db = NULL;
    if ((rc = pusat_node_list(p, who, &nodes, err)) != KT_OK ||
        (rc = pusat_alerts(p, who, &alerts, err)) != KT_OK)
        goto out;
    pthread_rwlock_rdlock(&p->glock);
    size_t fingers = bio_gallery_count(p->g);
    pthread_rwlock_unlock(&p->glock);
    *out = json_pack("{s:O, s:O, s:O, s:I, s:f}", "kecamatan", kec, "nodes",
                     json_object_get(nodes, "nodes"), "alerts", json_object_get(alerts, "alerts"),
                     "gallery_fingers", (json_int_t)fingers, "threshold", p->threshold);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(kec);
    json_decref(nodes);
    json_decref(alerts);
    return rc;
}

/* Columns of a record, as JSON (the SELECT below, in order). */
#define REC_COLS                                                                              \
    "SELECT r.id, r.packet_id, r.node_id, r.kecamatan_code, r.application_id, r.nik, r.kind,"  \
    " r.status, r.reason, r.adjudication, r.decided_by, r.decided_at, r.decision_note,"        \
    " r.created_at, r.updated_at, s.name FROM pusat_records r LEFT JOIN residents s ON"        \
    " s.nik = r.nik"

static json_t *rec_json(store_stmt *st)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
                          " s:I}",
                          "id", (json_int_t)store_col_int(st, 0), "packet_id",
                          store_col_text(st, 1), "node_id", store_col_text(st, 2),
                          "kecamatan_code", store_col_text(st, 3), "application_id",
                          (json_int_t)store_col_int(st, 4), "nik", store_col_text(st, 5), "kind",
                          store_col_text(st, 6), "status", store_col_text(st, 7), "reason",
                          store_col_text(st, 8), "adjudication", store_col_text(st, 9),
                          "decided_by", store_col_text(st, 10), "decision_note",
                          store_col_text(st, 12), "created_at", (json_int_t)store_col_int(st, 13),
                          "updated_at", (json_int_t)store_col_int(st, 14));
    if (o != NULL) {
        json_object_set_new(o, "decided_at", opt_int(st, 11));
        json_object_set_new(o, "name", store_col_null(st, 15) ? json_null()
                                                              : json_string(store_col_text(st, 15)));
    }
    return o;
}

/* The central's officers' reads of residents' data go to the access log as the office's do
   (svc_access_record): nik the one person, and/or the NIKs of list's objects. */
static kt_code record_read(pusat *p, const svc_actor *who, const char *action, const char *nik,
                           const json_t *list, const char *detail, kt_error *err)
{
    char *subjects = list != NULL ? svc_access_subjects(list, "nik") : NULL;
    if (list != NULL && subjects == NULL)
        return svc_nomem(err);
    kt_code rc = svc_access_record(p->s, who, action, nik, 0, subjects != NULL ? subjects : "",
                                   detail, err);
    free(subjects);
    return rc;
}

kt_code pusat_adjudications(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *a = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, REC_COLS " WHERE r.adjudication = 'pending' ORDER BY r.id", &st,
                            err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(a, rec_json(st));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(p->s, db);
    db = NULL;
    /* A list of people: recorded before it is released, whole NIKs for the supervisor only. */
    if ((rc = record_read(p, who, "pusat_adjudications", "", a, "", err)) != KT_OK)
        goto out;
    if (!svc_full_nik(who))
        svc_nik_mask_list(a, "nik");
    if ((*out = json_pack("{s:O, s:I}", "records", a, "count",
                          (json_int_t)json_array_size(a))) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(a);
    return rc;
}

static kt_code rec_load(store *db, int64_t id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_id(db, REC_COLS " WHERE r.id = ?", id, &st, err, "record_not_found",
                               "id", "Rekaman %lld tidak ditemukan", (long long)id);
    if (rc != KT_OK)
        return rc;
    *out = rec_json(st);
    store_reset(st);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code pusat_record_get(pusat *p, const svc_actor *who, int64_t id, json_t **out,
                         kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *rec = NULL, *hits = NULL, *matched = NULL, *res = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((hits = json_array()) == NULL || (matched = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = rec_load(db, id, &rec, err)) != KT_OK)
        goto out;
    kt_error e;
    if (svc_resident_load(db, json_string_value(json_object_get(rec, "nik")), &res, &e) == KT_OK)
        json_object_set_new(rec, "resident", res);
    char u[96];
    snprintf(u, sizeof u, "/api/pusat/records/%lld/parts/face", (long long)id);
    json_object_set_new(rec, "face_url", json_string(u));
    if ((rc = store_prepare(db,
                            "SELECT finger, matched_record_id, matched_nik, matched_finger, score,"
                            " threshold FROM pusat_hits WHERE record_id = ? ORDER BY score DESC",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(hits, json_pack("{s:i, s:I, s:s, s:i, s:f, s:f}", "finger",
                                              (int)store_col_int(st, 0), "matched_record_id",
                                              (json_int_t)store_col_int(st, 1), "matched_nik",
                                              store_col_text(st, 2), "matched_finger",
                                              (int)store_col_int(st, 3), "score",
                                              store_col_double(st, 4), "threshold",
                                              store_col_double(st, 5)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The other records, once each, with their residents. */
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h) {
        int64_t mid = json_integer_value(json_object_get(h, "matched_record_id"));
        size_t k;
        json_t *m;
        int have = 0;
        json_array_foreach(matched, k, m) have |=
            json_integer_value(json_object_get(m, "id")) == mid;
        if (have)
            continue;
        json_t *mr = NULL;
        if (rec_load(db, mid, &mr, &e) != KT_OK)
            continue;
        json_t *mres = NULL;
        if (svc_resident_load(db, json_string_value(json_object_get(mr, "nik")), &mres, &e) ==
            KT_OK)
            json_object_set_new(mr, "resident", mres);
        snprintf(u, sizeof u, "/api/pusat/records/%lld/parts/face", (long long)mid);
        json_object_set_new(mr, "face_url", json_string(u));
        json_array_append_new(matched, mr);
    }
    svc_conn_put(p->s, db);
    db = NULL;
    /* The side-by-side view: the record's person and those it matched, recorded first. */
    snprintf(u, sizeof u, "rekaman pusat #%lld", (long long)id);
    if ((rc = record_read(p, who, "pusat_record", json_string_value(json_object_get(rec, "nik")),
                          matched, u, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:O, s:O, s:O}", "record", rec, "hits", hits, "matched", matched);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(rec);
    json_decref(hits);
    json_decref(matched);
    return rc;
}

kt_code pusat_record_decide(pusat *p, const svc_actor *who, int64_t id, const json_t *in,
                            json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *rec = NULL;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    const char *d = svc_jstr(in, "decision"), *note = svc_jstr(in, "note");
    if (d == NULL || (strcmp(d, "duplicate") != 0 && strcmp(d, "not_duplicate") != 0))
        return kt_fail(err, KT_EINVAL, "decision_invalid", "decision",
                       "Keputusan harus duplicate (ganda) atau not_duplicate (bukan ganda)");
    if (note != NULL && strlen(note) > 500)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note", "Catatan lebih dari 500 karakter");
    int dup = strcmp(d, "duplicate") == 0;
    const char *status = dup ? "DUPLICATE_RECORD" : "PRINT_READY_RECORD";
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = rec_load(db, id, &rec, err)) != KT_OK)
        goto out;
    if (strcmp(json_string_value(json_object_get(rec, "adjudication")), "pending") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "not_pending", "id",
                     "Rekaman %lld tidak sedang menunggu adjudikasi", (long long)id);
        goto out;
    }
    if ((rc = store_prepare(db,
                            "UPDATE pusat_records SET status = ?, adjudication = ?, decided_by = ?,"
                            " decided_at = ?, decision_note = ?, updated_at = ? WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, status, -1);
    store_bind_text(st, 2, dup ? "confirmed" : "cleared", -1);
    store_bind_text(st, 3, who->username, -1);
    store_bind_int(st, 4, svc_now(p->s));
    store_bind_text(st, 5, note != NULL ? note : "", -1);
    store_bind_int(st, 6, svc_now(p->s));
    store_bind_int(st, 7, id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    const char *node = json_string_value(json_object_get(rec, "node_id")),
               *packet = json_string_value(json_object_get(rec, "packet_id")),
               *nik = json_string_value(json_object_get(rec, "nik"));
    if ((rc = pusat_status_add(p, db, node, packet,
                               json_integer_value(json_object_get(rec, "application_id")), nik,
                               status, note != NULL ? note : "", dup ? "confirmed" : "cleared",
                               err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(p->s, db, pending, "pusat_record", who, 0, 0,
                            json_string_value(json_object_get(rec, "status")), status,
                            dup ? "adjudicate_duplicate" : "adjudicate_clear", "",
                            packet, NULL, err)) != KT_OK)
        goto out;
    json_decref(rec);
    rec = NULL;
    if ((rc = rec_load(db, id, out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    json_decref(rec);
    return rc;
}

kt_code pusat_record_part(pusat *p, const svc_actor *who, int64_t id, const char *name,
                          void **data, size_t *len, char content_type[64], kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char path[1100] = "", nik[32] = "";
    *data = NULL;
    *len = 0;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if (name == NULL || strlen(name) > 40 || strchr(name, '/') != NULL)
        return kt_fail(err, KT_EINVAL, "part_invalid", "name", "Nama bagian tidak sah");
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT pp.path, pp.content_type, r.nik FROM pusat_records r JOIN"
                            " pusat_parts pp ON pp.packet_id = r.packet_id WHERE r.id = ? AND"
                            " pp.name = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, name, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        snprintf(path, sizeof path, "%s", store_col_text(st, 0));
        snprintf(content_type, 64, "%s", store_col_text(st, 1));
        snprintf(nik, sizeof nik, "%s", store_col_text(st, 2));
    }
    store_reset(st);
    if (!row) {
        rc = kt_fail(err, KT_ENOTFOUND, "part_not_found", "name",
                     "Rekaman %lld tidak punya bagian %s", (long long)id, name);
        goto out;
    }
    link_packet *pk = NULL;
    if ((rc = pusat_packet_load(p, db, path, &pk, err)) != KT_OK)
        goto out;
    const link_part *lp = link_packet_part(pk, name);
    if (lp != NULL && (*data = malloc(lp->len ? lp->len : 1)) != NULL) {
        memcpy(*data, lp->data, lp->len);
        *len = lp->len;
    } else {
        rc = lp == NULL ? kt_fail(err, KT_ENOTFOUND, "part_not_found", "name", "Bagian %s tidak ada",
                                  name)
                        : svc_nomem(err);
    }
    link_packet_free(pk);
    svc_conn_put(p->s, db);
    db = NULL;
    if (rc == KT_OK) { /* released only once recorded */
        char detail[96];
        snprintf(detail, sizeof detail, "rekaman pusat #%lld: %s", (long long)id, name);
        if ((rc = record_read(p, who, "pusat_record_part", nik, NULL, detail, err)) != KT_OK) {
            free(*data);
            *data = NULL;
            *len = 0;
        }
    }
out:
    svc_conn_put(p->s, db);
    return rc;
}

/* ---- the status feed ------------------------------------------------------------------- */

kt_code pusat_status_feed(pusat *p, const char *node_id, const char *time_s, const char *sig,
                          const char *path_query, int64_t after, int limit, json_t **out,
                          kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *a = NULL;
    int row = 0;
    *out = NULL;
    if (node_id == NULL || strlen(node_id) != 9)
        return kt_fail(err, KT_EUNAUTH, "node_unknown", "X-Ktpel-Node",
                       "Permintaan tanpa identitas simpul");
    if (limit < 1 || limit > 500)
        limit = 100;
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = pusat_node_auth(p, db, node_id, time_s, sig, path_query, NULL, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT seq, packet_id, application_id, nik, status, reason, decision,"
                            " at FROM pusat_status WHERE node_id = ? AND seq > ? ORDER BY seq"
                            " LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, node_id, -1);
    store_bind_int(st, 2, after);
    store_bind_int(st, 3, limit);
    int64_t last = after;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        last = store_col_int(st, 0);
        json_array_append_new(a, json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "seq",
                                           (json_int_t)last, "packet_id", store_col_text(st, 1),
                                           "application_id", (json_int_t)store_col_int(st, 2),
                                           "nik", store_col_text(st, 3), "status",
                                           store_col_text(st, 4), "reason", store_col_text(st, 5),
                                           "decision", store_col_text(st, 6), "at",
                                           (json_int_t)store_col_int(st, 7)));
    }
    store_reset(st);
    if (rc == KT_OK &&
        (*out = json_pack("{s:s, s:O, s:I}", "node_id", node_id, "entries", a, "last_seq",
                          (json_int_t)last)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(a);
    return rc;
}
