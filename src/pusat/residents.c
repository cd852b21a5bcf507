/*
 * residents.c - the central as the source of population data (SIAK): the publisher that puts
 * every changed resident into the feed of the kecamatan holding it (new, changed, moved away,
 * deceased), and the feed a node pulls, by cursor, applied once there (link_node.c).
 *
 * The publisher needs no hook in the importer or in the data-change processing: it walks the
 * residents by (updated_at, nik) from its mark, so whatever changed a resident (a SIAK import at
 * the central, a data change a kecamatan sent, an officer) is published once, in one write
 * transaction per batch with the mark: a crash republishes nothing and skips nothing. Each
 * kecamatan's feed has a dense sequence (pusat_feed_heads), so a node sees any gap.
 * (A resident changed by another process with a clock behind the mark would be missed; the
 * central's writers are its own process and its importer, on one clock.)
 *
 * Never: publish a resident into a feed of a kecamatan that does not hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat_internal.h"

#define PUBLISH_BATCH 2000

static kt_code feed_add(pusat *p, store *db, const char *kec, const char *nik,
                        const char *change, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "INSERT INTO pusat_feed_heads (kecamatan_code, seq) VALUES (?, 1)"
                               " ON CONFLICT (kecamatan_code) DO UPDATE SET seq ="
                               " pusat_feed_heads.seq + 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, kec, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT seq FROM pusat_feed_heads WHERE kecamatan_code = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, kec, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t seq = store_col_int(st, 0);
    store_reset(st);
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_resident_feed (kecamatan_code, seq, nik, change, at)"
                            " VALUES (?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, kec, -1);
    store_bind_int(st, 2, seq);
    store_bind_text(st, 3, nik, -1);
    store_bind_text(st, 4, change, -1);
    store_bind_int(st, 5, svc_now(p->s));
    return store_run(st, err);
}

typedef struct pub_row {
    char nik[17], kec[8], home[8];
    int64_t at, published;
    int has_home, deceased;
} pub_row;

kt_code pusat_publish_residents(pusat *p, int *published, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    pub_row *rows = NULL;
    int n = 0, row = 0;
    *published = 0;
    kt_code rc = svc_conn_get(p->s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rows = calloc(PUBLISH_BATCH, sizeof *rows)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_begin_write(p->s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "SELECT mark, mark_nik FROM pusat_publish_mark WHERE id = 1", &st,
                            err)) != KT_OK ||
        (rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t mark = row ? store_col_int(st, 0) : -1;
    char mark_nik[17] = "";
    if (row)
        snprintf(mark_nik, sizeof mark_nik, "%s", store_col_text(st, 1));
    store_reset(st);
    if ((rc = store_prepare(db,
                            "SELECT r.nik, r.kecamatan_code, r.updated_at, h.kecamatan_code,"
                            " h.published_at, h.deceased FROM residents r LEFT JOIN"
                            " pusat_resident_home h ON h.nik = r.nik WHERE r.updated_at > ? OR"
                            " (r.updated_at = ? AND r.nik > ?) ORDER BY r.updated_at, r.nik"
                            " LIMIT 2000",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, mark);
    store_bind_int(st, 2, mark);
    store_bind_text(st, 3, mark_nik, -1);
    while (n < PUBLISH_BATCH && (rc = store_step(st, &row, err)) == KT_OK && row) {
        pub_row *r = &rows[n++];
        snprintf(r->nik, sizeof r->nik, "%s", store_col_text(st, 0));
        snprintf(r->kec, sizeof r->kec, "%s", store_col_text(st, 1));
        r->at = store_col_int(st, 2);
        r->has_home = !store_col_null(st, 3);
        snprintf(r->home, sizeof r->home, "%s", store_col_text(st, 3));
        r->published = store_col_int(st, 4);
        r->deceased = (int)store_col_int(st, 5);
    }
    store_reset(st);
    if (rc != KT_OK || n == 0)
        goto out;
    for (int i = 0; i < n && rc == KT_OK; i++) {
        pub_row *r = &rows[i];
        if (r->deceased || r->kec[0] == '\0')
            continue;
        if (!r->has_home) {
            rc = feed_add(p, db, r->kec, r->nik, "new", err);
        } else if (strcmp(r->home, r->kec) != 0) {
            if ((rc = feed_add(p, db, r->home, r->nik, "moved_away", err)) == KT_OK)
                rc = feed_add(p, db, r->kec, r->nik, "new", err);
        } else if (r->published != r->at) {
            rc = feed_add(p, db, r->kec, r->nik, "changed", err);
        } else {
            continue;
        }
        if (rc != KT_OK)
            break;
        if ((rc = store_prepare(db,
                                "INSERT INTO pusat_resident_home (nik, kecamatan_code, published_at)"
                                " VALUES (?, ?, ?) ON CONFLICT (nik) DO UPDATE SET kecamatan_code ="
                                " excluded.kecamatan_code, published_at = excluded.published_at",
                                &st, err)) != KT_OK)
            break;
        store_bind_text(st, 1, r->nik, -1);
        store_bind_text(st, 2, r->kec, -1);
        store_bind_int(st, 3, r->at);
        if ((rc = store_run(st, err)) != KT_OK)
            break;
        (*published)++;
    }
    if (rc != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "UPDATE pusat_publish_mark SET mark = ?, mark_nik = ? WHERE id = 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, rows[n - 1].at);
    store_bind_text(st, 2, rows[n - 1].nik, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    rc = svc_commit(p->s, db, err);
    if (rc == KT_OK && n == PUBLISH_BATCH) { /* more to publish: the next batch at once */
        int more = 0;
        svc_conn_put(p->s, db);
        db = NULL;
        rc = pusat_publish_residents(p, &more, err);
        *published += more;
    }
out:
    svc_conn_put(p->s, db);
    free(rows);
    return rc;
}

kt_code pusat_resident_deceased(pusat *p, const svc_actor *who, const char *nik, json_t **out,
                                kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int row = 0;
    *out = NULL;
    kt_code rc = svc_require_admin(who, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db, "SELECT kecamatan_code FROM residents WHERE nik = ?", nik, &st,
                             err, "not_found_in_siak", "nik", "NIK %s tidak ada di SIAK pusat",
                             nik)) != KT_OK)
        goto out;
    char kec[8];
    snprintf(kec, sizeof kec, "%s", store_col_text(st, 0));
    store_reset(st);
    if ((rc = store_prepare(db, "SELECT deceased FROM pusat_resident_home WHERE nik = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, nik, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int already = row && store_col_int(st, 0) != 0;
    store_reset(st);
    if (already) {
        rc = kt_fail(err, KT_ECONFLICT, "already_deceased", "nik", "NIK %s sudah tercatat wafat",
                     nik);
        goto out;
    }
    if ((rc = feed_add(p, db, kec, nik, "deceased", err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_resident_home (nik, kecamatan_code, published_at,"
                            " deceased) VALUES (?, ?, 0, 1) ON CONFLICT (nik) DO UPDATE SET"
                            " deceased = 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, nik, -1);
    store_bind_text(st, 2, kec, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(p->s, db, pending, "pusat_resident", who, 0, 0, "", "deceased",
                            "resident_deceased", "", nik, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:s}", "nik", nik, "kecamatan_code", kec, "change", "deceased");
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    return rc;
}

kt_code pusat_resident_feed(pusat *p, const char *node_id, const char *time_s, const char *sig,
                            const char *path_query, int64_t after, int limit, json_t **out,
                            kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *a = NULL;
    int row = 0;
    char kec[8] = "";
    *out = NULL;
    if (limit < 1 || limit > 1000)
        limit = 500;
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    kt_code rc = svc_conn_get(p->s, &db, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = pusat_node_auth(p, db, node_id, time_s, sig, path_query, kec, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT seq, nik, change, at FROM pusat_resident_feed WHERE"
                            " kecamatan_code = ? AND seq > ? ORDER BY seq LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, kec, -1);
    store_bind_int(st, 2, after);
    store_bind_int(st, 3, limit);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "seq",
                                           (json_int_t)store_col_int(st, 0), "nik",
                                           store_col_text(st, 1), "change", store_col_text(st, 2),
                                           "at", (json_int_t)store_col_int(st, 3)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The resident as the central holds it now (new, changed). */
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        const char *ch = json_string_value(json_object_get(e, "change"));
        if (strcmp(ch, "new") != 0 && strcmp(ch, "changed") != 0)
            continue;
        json_t *r = NULL;
        kt_error e2;
        if (svc_resident_load(db, json_string_value(json_object_get(e, "nik")), &r, &e2) == KT_OK)
            json_object_set_new(e, "resident", r);
    }
    *out = json_pack("{s:s, s:O}", "kecamatan_code", kec, "entries", a);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(a);
    return rc;
}

kt_code pusat_publish(pusat *p, int *published, kt_error *err)
{
    return pusat_publish_residents(p, published, err);
}
