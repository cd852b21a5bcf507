/*
 * register.c - the pickup register (SOP "Pencatatan": record the collection of printed
 * e-KTPs): every card handed over, to whom, by which officer, when, and how the person was
 * confirmed: the receipt number typed (receipt_no), the receipt's QR token scanned
 * (qr_token), a fingerprint, or another document.
 *
 * The register is read from the rows the handover itself writes (handovers, receipts.used_*),
 * so it can never disagree with what happened. CSV for the office's paper book and the camat.
 * Each view is recorded in the access log with the NIKs it shows; the supervisor (who signs
 * the register) sees them whole, the handover officer masked (docs/security.md).
 *
 * Never: write the register's tables (read transactions only; the access log is the audit
 * trail's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nik.h"
#include "core/words.h"
#include "service/rec_internal.h"
#include "service/service.h"

static const char *const reg_roles[] = {"handover", "supervisor", NULL};

#define REG_SQL                                                                              \
    "SELECT h.at, h.application_id, a.nik, COALESCE(r.name, ''), a.kind, h.receipt_no,"      \
    " h.confirmed_by, COALESCE(u.username, ''),"                                             \
    " COALESCE(u.full_name, ''), h.note, COALESCE(rc.used_via, '') FROM handovers h"         \
    " JOIN applications a ON a.id = h.application_id"                                        \
    " LEFT JOIN residents r ON r.nik = a.nik"                                                \
    " LEFT JOIN receipts rc ON rc.receipt_no = h.receipt_no"                                 \
    " LEFT JOIN users u ON u.id = h.user_id"                                                 \
    " WHERE h.at >= ? AND h.at < ? ORDER BY h.at, h.application_id"

typedef int (*reg_row_fn)(void *ctx, store_stmt *st, int full);

static kt_code reg_scan(svc *s, const svc_actor *who, const char *from, const char *to,
                        const char *action, reg_row_fn fn, void *ctx, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int64_t a, b;
    int row = 0, full = svc_full_nik(who);
    rec_buf subjects = {0};
    kt_code rc = svc_rec_require_roles(who, reg_roles, "melihat register pengambilan", err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_rec_range(s, from, to, &a, &b, err)) != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, REG_SQL, &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, a);
    store_bind_int(st, 2, b);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        if (rec_buf_add(&subjects, "%s%s", subjects.n > 0 ? " " : "", store_col_text(st, 2)) !=
                0 ||
            fn(ctx, st, full) != 0) {
            store_reset(st);
            rc = svc_nomem(err);
            goto out;
        }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    char detail[64];
    snprintf(detail, sizeof detail, "%s..%s", from != NULL ? from : "", to != NULL ? to : "");
    rc = svc_access_record(s, who, action, "", 0, subjects.p != NULL ? subjects.p : "", detail,
                           err);
out:
    free(subjects.p);
    svc_conn_put(s, db);
    return rc;
}

/* confirmed_by: how the officer confirmed the person (ktp_receipt | fingerprint | document);
   used_via: how the receipt was read (receipt_no typed | qr_token scanned). Two facts, two
   fields; their words come from core/words.h. */
static int row_json(void *ctx, store_stmt *st, int full)
{
    char when[64], nik[32];
    words_datetime(store_col_int(st, 0), when, sizeof when);
    json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "at",
                          (json_int_t)store_col_int(st, 0), "at_local", when, "application_id",
                          (json_int_t)store_col_int(st, 1), "nik",
                          full ? store_col_text(st, 2) : nik_mask(store_col_text(st, 2), nik,
                                                                   sizeof nik),
                          "name",
                          store_col_text(st, 3), "kind", store_col_text(st, 4), "receipt_no",
                          store_col_text(st, 5), "confirmed_by", store_col_text(st, 6),
                          "officer", store_col_text(st, 7), "officer_name",
                          store_col_text(st, 8), "note", store_col_text(st, 9), "used_via",
                          store_col_text(st, 10));
    return o == NULL ? -1 : json_array_append_new(ctx, o);
}

kt_code svc_register_list(svc *s, const svc_actor *who, const char *from, const char *to,
                          json_t **out, kt_error *err)
{
    json_t *rows = json_array();
    *out = NULL;
    if (rows == NULL)
        return svc_nomem(err);
    kt_code rc = reg_scan(s, who, from, to, "register_list", row_json, rows, err);
    if (rc == KT_OK) {
        *out = json_pack("{s:I, s:O}", "count", (json_int_t)json_array_size(rows), "entries",
                         rows);
        if (*out == NULL)
            rc = svc_nomem(err);
    }
    json_decref(rows);
    return rc;
}

static int row_csv(void *ctx, store_stmt *st, int full)
{
    rec_buf *b = ctx;
    char when[64], id[24], nik[32];
    words_datetime(store_col_int(st, 0), when, sizeof when);
    snprintf(id, sizeof id, "%lld", (long long)store_col_int(st, 1));
    /* A register for people (the camat's file): words, not codes (issue 10). */
    const char *v[] = {when, id,
                       full ? store_col_text(st, 2)
                            : nik_mask(store_col_text(st, 2), nik, sizeof nik),
                       store_col_text(st, 3),
                       words_or_id(WORDS_KIND, store_col_text(st, 4)), store_col_text(st, 5),
                       words_or_id(WORDS_USED_VIA, store_col_text(st, 10)),
                       words_or_id(WORDS_CONFIRMED_BY, store_col_text(st, 6)),
                       store_col_text(st, 7), store_col_text(st, 8), store_col_text(st, 9)};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (rec_buf_csv(b, v[i], i + 1 < sizeof v / sizeof v[0] ? ',' : '\n') != 0)
            return -1;
    return 0;
}

kt_code svc_register_csv(svc *s, const svc_actor *who, const char *from, const char *to,
                         char **csv, size_t *len, kt_error *err)
{
    rec_buf b = {0};
    *csv = NULL;
    *len = 0;
    if (rec_buf_add(&b, "Waktu,No. permohonan,NIK,Nama,Jenis permohonan,No. tanda terima,"
                        "Tanda terima dibaca dengan,Identitas dicocokkan dengan,Petugas,"
                        "Nama petugas,Catatan\n") != 0)
        return svc_nomem(err);
    kt_code rc = reg_scan(s, who, from, to, "register_export", row_csv, &b, err);
    if (rc != KT_OK) {
        free(b.p);
        return rc;
    }
    *csv = b.p;
    *len = b.n;
    return KT_OK;
}
