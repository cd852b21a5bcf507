/*
 * scans.c - the scans of the documents checked at intake (SOP step 2: the office's "scanner
 * digital"; issue 11 item 2). The intake officer scans each document the applicant presented
 * once the check has recorded it; the operator sees the scans at the recording desk; the
 * packet to Disdukcapil carries them as document parts (link_node.c).
 *
 * A scan is checked as a biometric upload is (upload.c): the kind from the bytes (JPEG, PNG or
 * TIFF; a PDF is refused: a scan is not a place for scripts, and no library here validates a
 * PDF), the size from the header before anything is decoded (a page at 100 to 600 dpi), then
 * a full decode. It is sealed at rest with the office's data key as a biometric file is
 * (apps/<application>/doc_<doc>), and the row that names it commits after the file is durable.
 *
 * Roles: the intake officer (and admin, the CLI) scans; intake, the operator and the
 * supervisor see a scan (each view recorded in the access log, read_scan); the handover loket
 * has no use for them.
 * Never: take a scan for a document that was not presented, or after the recording (the packet
 * that carries the scans is made then).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/documents.h"
#include "service/scans.h"
#include "service/upload.h"

#define SCAN_MAX_BYTES (8u << 20) /* an A4 page at 300 dpi is 1-3 MB as JPEG or PNG */

static kt_code doc_slot(const char *doc, char slot[40], kt_error *err)
{
    docs_id d;
    if (doc == NULL || !docs_id_from_str(doc, &d))
        return kt_fail(err, KT_EINVAL, "doc_invalid", "doc", "Dokumen '%s' tidak dikenal",
                       doc != NULL ? doc : "");
    snprintf(slot, 40, "doc_%s", doc);
    return KT_OK;
}

kt_code svc_scans_of(store *db, int64_t app_id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    json_t *a = json_array();
    *out = NULL;
    if (a == NULL)
        return svc_nomem(err);
    kt_code rc = store_prepare(db,
                               "SELECT doc, content_type, size, width, height, at FROM"
                               " document_scans WHERE application_id = ? ORDER BY doc",
                               &st, err);
    if (rc == KT_OK) {
        store_bind_int(st, 1, app_id);
        while ((rc = store_step(st, &row, err)) == KT_OK && row)
            json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "doc",
                                               store_col_text(st, 0), "content_type",
                                               store_col_text(st, 1), "size",
                                               (json_int_t)store_col_int(st, 2), "width",
                                               (json_int_t)store_col_int(st, 3), "height",
                                               (json_int_t)store_col_int(st, 4), "at",
                                               (json_int_t)store_col_int(st, 5)));
        store_reset(st);
    }
    if (rc != KT_OK) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return KT_OK;
}

kt_code svc_app_scan_put(svc *s, const svc_actor *who, int64_t app_id, const char *doc,
                         const void *data, size_t len, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    svc_upload up;
    char slot[40], rel[64], sha[65];
    int row = 0;
    *out = NULL;
    kt_code rc = svc_require(who, WF_ACT_CHECK_OK, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = doc_slot(doc, slot, err)) != KT_OK)
        return rc;
    if (data == NULL || len == 0)
        return kt_fail(err, KT_EINVAL, "scan_empty", "body", "Berkas pindaian kosong");
    if (len > SCAN_MAX_BYTES)
        return kt_fail(err, KT_ETOOBIG, "body_too_large", "body",
                       "Berkas pindaian lebih dari 8 MiB: pindai ulang dengan resolusi 300 dpi");
    /* What the bytes really are, outside the write lock: kind, size from the header, decode. */
    if ((rc = svc_upload_check(slot, data, len, 0, 0, &up, err)) != KT_OK)
        return rc;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(sha, sizeof sha, h, sizeof h);
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_id(db, "SELECT state FROM applications WHERE id = ?", app_id, &st, err,
                            "application_not_found", "id", "Permohonan %lld tidak ditemukan",
                            (long long)app_id)) != KT_OK)
        goto out;
    char state[24];
    snprintf(state, sizeof state, "%s", store_col_text(st, 0));
    store_reset(st);
    if (strcmp(state, "checked") != 0 && strcmp(state, "data_changed") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "scan_state", "id",
                     "Dokumen dipindai setelah berkas diperiksa dan sebelum perekaman; permohonan "
                     "%lld berstatus %s",
                     (long long)app_id, state);
        goto out;
    }
    if ((rc = store_prepare(db, "SELECT 1 FROM documents WHERE application_id = ? AND doc = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, doc, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    store_reset(st);
    if (!row) {
        rc = kt_fail(err, KT_ECONFLICT, "doc_not_presented", "doc",
                     "Dokumen %s tidak tercatat diserahkan saat pemeriksaan berkas", doc);
        goto out;
    }
    /* The file first, sealed and durable; the row that names it commits after. */
    if ((rc = svc_bio_write(s, app_id, slot, data, len, err)) != KT_OK)
        goto out;
    svc_bio_rel_path(rel, app_id, slot);
    if ((rc = store_prepare(db,
                            "INSERT INTO document_scans (application_id, doc, path, sha256, size,"
                            " content_type, width, height, at, user_id) VALUES (?, ?, ?, ?, ?, ?,"
                            " ?, ?, ?, ?) ON CONFLICT (application_id, doc) DO UPDATE SET path ="
                            " excluded.path, sha256 = excluded.sha256, size = excluded.size,"
                            " content_type = excluded.content_type, width = excluded.width,"
                            " height = excluded.height, at = excluded.at, user_id ="
                            " excluded.user_id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, doc, -1);
    store_bind_text(st, 3, rel, -1);
    store_bind_text(st, 4, sha, -1);
    store_bind_int(st, 5, (int64_t)len);
    store_bind_text(st, 6, up.content_type, -1);
    store_bind_int(st, 7, up.width);
    store_bind_int(st, 8, up.height);
    store_bind_int(st, 9, svc_now(s));
    store_bind_int(st, 10, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "document_scanned", who, app_id, 0, state, state,
                            "doc_scan", "", doc, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "doc", doc, "content_type",
                     up.content_type, "size", (json_int_t)len, "width", (json_int_t)up.width,
                     "height", (json_int_t)up.height, "sha256", sha);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_app_scan_get(svc *s, const svc_actor *who, int64_t app_id, const char *doc,
                         void **data, size_t *len, char content_type[64], kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    wf_role role;
    char slot[40], rel[64] = "", nik[32] = "";
    int row = 0;
    *data = NULL;
    *len = 0;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role == WF_ROLE_HANDOVER)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak membuka pindaian dokumen", who->role);
    if ((rc = doc_slot(doc, slot, err)) != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT d.path, d.content_type, a.nik FROM document_scans d JOIN"
                            " applications a ON a.id = d.application_id WHERE"
                            " d.application_id = ? AND d.doc = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, doc, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        snprintf(rel, sizeof rel, "%s", store_col_text(st, 0));
        snprintf(content_type, 64, "%s", store_col_text(st, 1));
        snprintf(nik, sizeof nik, "%s", store_col_text(st, 2));
    }
    store_reset(st);
    svc_conn_put(s, db);
    db = NULL;
    if (!row)
        return kt_fail(err, KT_ENOTFOUND, "scan_not_found", "doc",
                       "Permohonan %lld belum punya pindaian %s", (long long)app_id, doc);
    /* Released only once its read is recorded (svc_access_record). */
    if ((rc = svc_bio_read(s, app_id, slot, rel, data, len, err)) == KT_OK &&
        (rc = svc_access_record(s, who, "read_scan", nik, app_id, "", slot, err)) != KT_OK) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
    return rc;
out:
    svc_conn_put(s, db);
    return rc;
}
