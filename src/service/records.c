/*
 * records.c - the printed documents of the running service (queue ticket, pickup receipt,
 * missing-documents slip, referral letter) and the receipt's signed token: issued at step 4,
 * verified offline and used once at step 6 (SOP "Tanda terima pengambilan").
 *
 * The office key: "<folder of the database>/receipt.key" (Ed25519 seed, 0600) and
 * "receipt.pub", created on the first receipt when missing (the same files docs/operations.md
 * has `ktpel pdf keygen var/receipt.key var/receipt.pub` make). They sit beside the database,
 * not in data_dir, so a backup of the data never carries the key that can forge receipts.
 *
 * A receipt is used once: the handover marks it used (used_at, used_via) in the handover's
 * own transaction with "UPDATE ... WHERE used_at IS NULL"; a second use of the receipt number
 * or of its QR token is refused ("receipt_used"). A token is checked with the public key
 * alone (signature, expiry), and against the application's NIK with the secret key.
 *
 * Never: keep key material beyond one call (tok_keys_wipe), print a NIK in clear on the
 * receipt (src/doc masks it), render a document for a state it does not belong to.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/documents.h"
#include "core/workflow.h"
#include "doc/pdf.h"
#include "doc/token.h"
#include "seal/seal.h"
#include "service/cit_internal.h"
#include "service/rec_internal.h"
#include "service/service.h"

#define TOKEN_VALID_DAYS 365

/* ---- shared helpers -------------------------------------------------------------------- */

kt_code svc_rec_require_staff(const svc_actor *who, kt_error *err)
{
    wf_role role;
    return svc_actor_role(who, &role, err);
}

kt_code svc_rec_require_roles(const svc_actor *who, const char *const *roles, const char *what,
                              kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role == WF_ROLE_ADMIN || role == WF_ROLE_SYSTEM)
        return KT_OK;
    for (size_t i = 0; roles != NULL && roles[i] != NULL; i++)
        if (strcmp(who->role, roles[i]) == 0)
            return KT_OK;
    return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role", "Peran '%s' tidak boleh %s",
                   who->role, what);
}

kt_code svc_rec_range(svc *s, const char *from, const char *to, int64_t *start_ms,
                      int64_t *end_ms, kt_error *err)
{
    jkt_date a = svc_today(s), b;
    kt_code rc;
    if (from != NULL && from[0] != '\0' && (rc = jkt_date_parse(from, "from", &a, err)) != KT_OK)
        return rc;
    b = a;
    if (to != NULL && to[0] != '\0' && (rc = jkt_date_parse(to, "to", &b, err)) != KT_OK)
        return rc;
    if (jkt_date_cmp(b, a) < 0)
        return kt_fail(err, KT_EINVAL, "range_invalid", "to",
                       "Tanggal akhir %s sebelum tanggal awal %s", to, from);
    if (jkt_days_between(a, b) > 366)
        return kt_fail(err, KT_EINVAL, "range_too_long", "to",
                       "Rentang tanggal paling panjang 366 hari");
    *start_ms = jkt_day_start_ms(a);
    *end_ms = jkt_day_end_ms(b);
    return KT_OK;
}

int rec_buf_add(rec_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->p != NULL ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            return -1;
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return 0;
        }
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc - b->n <= (size_t)k)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (np == NULL)
            return -1;
        b->p = np;
        b->cap = nc;
    }
}

int rec_buf_csv(rec_buf *b, const char *v, char sep)
{
    if (v == NULL)
        v = "";
    /* A spreadsheet reads a cell that starts with = + - @ (or a tab or carriage return) as a
       formula, which can run commands or send data away when the camat opens the export
       ("CSV injection", OWASP). Such a cell is quoted with a leading apostrophe: shown as
       text, never evaluated. */
    int formula = v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL;
    if (!formula && strpbrk(v, ",\"\r\n") == NULL)
        return rec_buf_add(b, "%s%c", v, sep);
    if (rec_buf_add(b, formula ? "\"'" : "\"") != 0)
        return -1;
    for (const char *p = v; *p != '\0'; p++)
        if (rec_buf_add(b, *p == '"' ? "\"\"" : "%c", *p) != 0)
            return -1;
    return rec_buf_add(b, "\"%c", sep);
}

/* ---- the office key -------------------------------------------------------------------- */

/* The office key (svc_key_secret: beside the database, created on the first receipt). */
kt_code svc_rec_load_secret(const svc *s, int create, tok_keys *k, kt_error *err)
{
    return svc_key_secret(s, "receipt", "tanda terima kantor", create, k, err);
}

static kt_code load_public(const svc *s, unsigned char pk[TOK_PUBLIC_LEN], kt_error *err)
{
    return svc_key_public(s, "receipt", "tanda terima kantor", pk, err);
}

/* ---- hooks of apps.c ------------------------------------------------------------------- */

kt_code svc_rec_receipt_issued(svc *s, store *db, const char *receipt_no, const char *nik,
                               int64_t now_ms, kt_error *err)
{
    tok_keys k;
    char tok[TOK_MAX_CHARS];
    store_stmt *st = NULL;
    memset(&k, 0, sizeof k);
    kt_code rc = svc_rec_load_secret(s, 1, &k, err);
    if (rc == KT_OK)
        rc = tok_issue(&k, receipt_no, nik, now_ms,
                       now_ms + (int64_t)TOKEN_VALID_DAYS * 86400 * 1000, tok, sizeof tok, err);
    tok_keys_wipe(&k);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "UPDATE receipts SET token = ? WHERE receipt_no = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, tok, -1);
    store_bind_text(st, 2, receipt_no, -1);
    return store_run(st, err);
}

kt_code svc_rec_token_receipt_no(svc *s, const json_t *in, char *no, size_t cap,
                                 kt_error *err)
{
    const char *token = svc_jstr(in, "token"), *given = svc_jstr(in, "receipt_no");
    unsigned char pk[TOK_PUBLIC_LEN];
    tok_claims c;
    no[0] = '\0';
    if (token == NULL || token[0] == '\0')
        return KT_OK;
    if (strlen(token) >= TOK_MAX_CHARS)
        return kt_fail(err, KT_EINVAL, "token_malformed", "token", "Kode QR tidak sah");
    kt_code rc = load_public(s, pk, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = tok_verify(pk, token, svc_now(s), &c, err)) != KT_OK) {
        snprintf(err->field, sizeof err->field, "token");
        return rc;
    }
    if (given != NULL && given[0] != '\0' && strcmp(given, c.receipt_no) != 0)
        return kt_fail(err, KT_EREFUSED, "token_receipt_mismatch", "token",
                       "Kode QR milik tanda terima %s, bukan %s", c.receipt_no, given);
    snprintf(no, cap, "%s", c.receipt_no);
    return KT_OK;
}

kt_code svc_rec_receipt_use(svc *s, store *db, const char *nik, const char *receipt_no,
                            const json_t *in, kt_error *err)
{
    const char *token = svc_jstr(in, "token");
    int via_token = token != NULL && token[0] != '\0';
    store_stmt *st = NULL;
    kt_code rc;
    if (via_token) {
        unsigned char pk[TOK_PUBLIC_LEN];
        tok_claims c;
        tok_keys k;
        memset(&k, 0, sizeof k);
        if ((rc = load_public(s, pk, err)) != KT_OK)
            return rc;
        if ((rc = tok_verify(pk, token, svc_now(s), &c, err)) != KT_OK)
            return rc;
        if (strcmp(c.receipt_no, receipt_no) != 0)
            return kt_fail(err, KT_EREFUSED, "token_receipt_mismatch", "token",
                           "Kode QR milik tanda terima %s, bukan %s", c.receipt_no, receipt_no);
        if ((rc = svc_rec_load_secret(s, 0, &k, err)) != KT_OK)
            return rc;
        int ok = tok_nik_matches(&k, &c, nik);
        tok_keys_wipe(&k);
        if (!ok)
            return kt_fail(err, KT_EREFUSED, "token_nik_mismatch", "token",
                           "Kode QR tidak dibuat untuk NIK pemohon ini");
    }
    if ((rc = store_prepare(db,
                            "UPDATE receipts SET used_at = ?, used_via = ? WHERE receipt_no = ?"
                            " AND used_at IS NULL",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(s));
    store_bind_text(st, 2, via_token ? "qr_token" : "receipt_no", -1);
    store_bind_text(st, 3, receipt_no, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (store_changes(db) == 1)
        return KT_OK;
    if ((rc = svc_row_by_key(db, "SELECT used_at FROM receipts WHERE receipt_no = ?", receipt_no,
                             &st, err, "receipt_not_found", "receipt_no",
                             "Tanda terima %s tidak ditemukan", receipt_no)) != KT_OK)
        return rc;
    int64_t used = store_col_int(st, 0);
    store_reset(st);
    jkt_datetime dt = jkt_from_utc_ms(used);
    char when[JKT_DATETIME_STRLEN];
    jkt_datetime_format(dt, when);
    return kt_fail(err, KT_ECONFLICT, "receipt_used", via_token ? "token" : "receipt_no",
                   "Tanda terima %s sudah dipakai untuk pengambilan pada %s WIB", receipt_no,
                   when);
}

/* ---- documents ------------------------------------------------------------------------- */

kt_code svc_doc_ticket(svc *s, int64_t ticket_id, unsigned char **pdf, size_t *len,
                       kt_error *err)
{
    json_t *t = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = svc_ticket_get(s, ticket_id, &t, err);
    if (rc == KT_OK) { /* its QR: the ticket's page on the phone (citizen.c), when it can be made */
        kt_error e;
        (void)svc_cit_ticket_links(s, t, &e);
        rc = pdf_ticket(t, pdf, len, err);
    }
    json_decref(t);
    return rc;
}

/* The application, its resident's name (and biodata) and the officer's name, in one read
   transaction, recorded in the access log as `action`. *app owned by caller. */
static kt_code load_app_doc(svc *s, const svc_actor *who, int64_t app_id, const char *action,
                            json_t **app, kt_error *err)
{
    store *db = NULL;
    json_t *res = NULL;
    kt_code rc = svc_rec_require_staff(who, err);
    *app = NULL;
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, app_id, app, err)) != KT_OK)
        goto out;
    const char *nik = svc_jstr(*app, "nik");
    if (nik != NULL && nik[0] != '\0') {
        kt_error e2;
        if (svc_resident_load(db, nik, &res, &e2) == KT_OK)
            json_object_set_new(*app, "resident", res);
    }
    store_stmt *st = NULL;
    int row = 0;
    if ((rc = store_prepare(db,
                            "SELECT token, issued_at FROM receipts WHERE application_id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        json_object_set_new(*app, "token", json_string(store_col_text(st, 0)));
        json_object_set_new(*app, "receipt_issued_at", json_integer(store_col_int(st, 1)));
    }
    store_reset(st);
    store_rollback(db);
    svc_conn_put(s, db);
    db = NULL;
    rc = svc_access_record(s, who, action, nik, app_id, "", "", err);
out:
    store_rollback(db);
    svc_conn_put(s, db);
    if (rc != KT_OK) {
        json_decref(*app);
        *app = NULL;
    }
    return rc;
}

static const char *res_str(const json_t *app, const char *key)
{
    return svc_jstr(json_object_get(app, "resident"), key);
}

static kt_code state_is(const json_t *app, const char *want, const char *doc, kt_error *err)
{
    const char *st = svc_jstr(app, "state");
    if (st != NULL && strcmp(st, want) == 0)
        return KT_OK;
    return kt_fail(err, KT_ECONFLICT, "document_not_available", "state",
                   "%s hanya untuk permohonan berstatus %s (sekarang: %s)", doc, want,
                   st != NULL ? st : "?");
}

static void set_officer(json_t *in, const svc_actor *who)
{
    if (who->user_id > 0 && who->username[0] != '\0')
        json_object_set_new(in, "officer", json_string(who->username));
}

kt_code svc_doc_receipt(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                        size_t *len, kt_error *err)
{
    json_t *app = NULL, *in = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = load_app_doc(s, who, app_id, "print_receipt", &app, err);
    if (rc != KT_OK)
        return rc;
    const char *token = svc_jstr(app, "token");
    if (json_is_null(json_object_get(app, "receipt_no"))) {
        rc = kt_fail(err, KT_ECONFLICT, "document_not_available", "receipt_no",
                     "Permohonan %lld belum mempunyai tanda terima", (long long)app_id);
        goto out;
    }
    if (token == NULL || token[0] == '\0') { /* issued before receipts carried a token */
        rc = kt_fail(err, KT_ECONFLICT, "receipt_without_token", "receipt_no",
                     "Tanda terima %s dibuat tanpa kode QR; serahkan dengan nomor tanda terima",
                     svc_jstr(app, "receipt_no"));
        goto out;
    }
    in = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "receipt_no",
                   svc_jstr(app, "receipt_no"), "nik", svc_jstr(app, "nik"), "name",
                   res_str(app, "name") != NULL ? res_str(app, "name") : "-", "kind",
                   svc_jstr(app, "kind"), "recorded_at",
                   json_object_get(app, "receipt_issued_at"), "expected_pickup",
                   svc_jstr(app, "pickup_expected"), "token", token);
    if (in == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    set_officer(in, who);
    char survey[320]; /* the satisfaction survey's QR (ikm.c) */
    if ((rc = svc_survey_link(s, app_id, survey, err)) != KT_OK)
        goto out;
    json_object_set_new(in, "survey_url", json_string(survey));
    rc = pdf_receipt(in, pdf, len, err);
out:
    json_decref(in);
    json_decref(app);
    return rc;
}

kt_code svc_doc_missing(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                        size_t *len, kt_error *err)
{
    json_t *app = NULL, *in = NULL, *missing = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = load_app_doc(s, who, app_id, "print_missing_slip", &app, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = state_is(app, "incomplete", "Surat kekurangan berkas", err)) != KT_OK)
        goto out;
    const json_t *req = json_object_get(app, "documents_required"),
                 *have = json_object_get(app, "documents");
    size_t i, j;
    json_t *v, *w;
    if ((missing = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    json_array_foreach(req, i, v) {
        int found = 0;
        json_array_foreach(have, j, w) found |= json_equal(v, w);
        if (!found)
            json_array_append(missing, v);
    }
    if (json_array_size(missing) == 0) /* returned for another reason: say so on the slip */
        json_array_append_new(missing, json_string("pengantar_rt_rw"));
    in = json_pack("{s:s, s:s, s:O, s:O, s:O}", "name",
                   res_str(app, "name") != NULL ? res_str(app, "name") : "-", "kind",
                   svc_jstr(app, "kind"), "at", json_object_get(app, "updated_at"), "missing",
                   missing, "presented", have);
    if (in == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    const char *nik = svc_jstr(app, "nik"), *note = svc_jstr(app, "note"),
               *tk = svc_jstr(app, "ticket_number");
    if (nik != NULL && nik[0] != '\0')
        json_object_set_new(in, "nik", json_string(nik));
    if (note != NULL && note[0] != '\0')
        json_object_set_new(in, "note", json_string(note));
    if (tk != NULL)
        json_object_set_new(in, "ticket", json_string(tk));
    set_officer(in, who);
    rc = pdf_slip(in, pdf, len, err);
out:
    json_decref(missing);
    json_decref(in);
    json_decref(app);
    return rc;
}

kt_code svc_doc_referral(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                         size_t *len, kt_error *err)
{
    json_t *app = NULL, *in = NULL;
    char letter[64];
    *pdf = NULL;
    *len = 0;
    kt_code rc = load_app_doc(s, who, app_id, "print_referral", &app, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = state_is(app, "referred", "Surat pengantar ke Disdukcapil", err)) != KT_OK)
        goto out;
    const char *day = svc_jstr(app, "service_day");
    /* Letter number: 470 (the classification code of population affairs) / application /
       NGS (Neglasari) / year. */
    snprintf(letter, sizeof letter, "470/%lld/NGS/%.4s", (long long)json_integer_value(
                                                             json_object_get(app, "id")),
             day != NULL ? day : "0000");
    const char *reason = svc_jstr(app, "reason");
    in = json_pack("{s:s, s:s, s:s, s:O, s:s}", "name",
                   res_str(app, "name") != NULL ? res_str(app, "name") : "(tanpa data SIAK)",
                   "reason", reason != NULL && reason[0] != '\0' ? reason : "other", "kind",
                   svc_jstr(app, "kind"), "at", json_object_get(app, "updated_at"),
                   "letter_no", letter);
    if (in == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    const char *nik = svc_jstr(app, "nik"), *note = svc_jstr(app, "note");
    if (nik != NULL && strlen(nik) == 16)
        json_object_set_new(in, "nik", json_string(nik));
    if (note != NULL && note[0] != '\0')
        json_object_set_new(in, "note", json_string(note));
    else if (reason == NULL || reason[0] == '\0' || strcmp(reason, "other") == 0)
        json_object_set_new(in, "note", json_string("-"));
    if (res_str(app, "birth_date") != NULL)
        json_object_set_new(in, "birth_date", json_string(res_str(app, "birth_date")));
    if (res_str(app, "address") != NULL)
        json_object_set_new(in, "address", json_string(res_str(app, "address")));
    set_officer(in, who);
    rc = pdf_referral(in, pdf, len, err);
out:
    json_decref(in);
    json_decref(app);
    return rc;
}

/* ---- the QR scanned at the handover loket ---------------------------------------------- */

kt_code svc_receipt_verify(svc *s, const svc_actor *who, const char *token, json_t **out,
                           kt_error *err)
{
    char no[40];
    json_t *in = NULL;
    *out = NULL;
    kt_code rc = svc_rec_require_staff(who, err);
    if (rc != KT_OK)
        return rc;
    if (token == NULL || token[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "token", "Kode QR wajib diisi");
    if ((in = json_pack("{s:s}", "token", token)) == NULL)
        return svc_nomem(err);
    rc = svc_rec_token_receipt_no(s, in, no, sizeof no, err);
    json_decref(in);
    if (rc != KT_OK)
        return rc;
    /* genuine and unexpired: find it (and start the handover step) as a typed number would */
    if ((rc = svc_receipt_find(s, who, no, 0, out, err)) == KT_OK)
        json_object_set_new(*out, "token_verified", json_true());
    return rc;
}
