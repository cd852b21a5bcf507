/*
 * apps.c - applications, SOP steps 2-6: open from a called ticket, document check, outcomes,
 * data change, recording (biometric files), pickup receipt, handover, audit trail.
 *
 * Every use case: validate, BEGIN IMMEDIATE, re-read the application, ask core/workflow
 * whether the action is legal (wf_next) and whether the role may (wf_role_allows), write the
 * change and its audit event, commit, then tell the listeners. Rules live in core/
 * (eligibility, documents, workflow); this file never re-decides them.
 *
 * The SOP's refusals at opening (no NIK, invalid NIK, not in SIAK -> referred to
 * Disdukcapil; under 17 and never married, no ITAP, valid card held -> rejected) still
 * create the application and close it in its outcome state, so the day's report counts them.
 *
 * Biometric files: checked by the server (upload.c), sealed and written under
 * data_dir/apps/<id>/<slot> as temp file, fsync, rename, fsync of the folder (atrest.c), and
 * only then the row is committed with the path relative to the data folder: a committed row
 * always points at a complete file (a crash can leave an orphan file, never a row without its
 * file).
 *
 * Never: change a resident outside a data change / the card lifecycle of an application.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/documents.h"
#include "core/eligibility.h"
#include "core/nik.h"
#include "core/queue.h"
#include "core/refcodes.h"
#include "service/afis.h"
#include "service/cit_internal.h"
#include "service/link_hooks.h"
#include "service/scans.h"
#include "service/upload.h"
#include "service/rec_internal.h"
#include "service/svc_internal.h"

#define BIO_MAX_BYTES (8u << 20)

static const char *const bio_slots[] = {
    "face", "signature", "finger_1", "finger_2", "finger_3", "finger_4", "finger_5",
    "finger_6", "finger_7", "finger_8", "finger_9", "finger_10", "iris_left", "iris_right"};
#define N_SLOTS (sizeof bio_slots / sizeof bio_slots[0])

static int slot_ok(const char *slot)
{
    for (size_t i = 0; slot != NULL && i < N_SLOTS; i++)
        if (strcmp(slot, bio_slots[i]) == 0)
            return 1;
    return 0;
}

static docs_fields parse_change_fields(const char *csv)
{
    docs_fields f = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", csv);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        docs_field d;
        if (docs_field_from_str(t, &d))
            f |= 1u << d;
    }
    return f;
}

static json_t *docs_json(docs_set set)
{
    json_t *a = json_array();
    for (int d = 0; a != NULL && d < DOCS_COUNT; d++)
        if (set & DOCS_BIT(d))
            json_array_append_new(a, json_string(docs_id_str((docs_id)d)));
    return a;
}

/* Run sql with its one parameter bound to id and hand every row to fn, which adds the row to
   acc. The statement is reset whatever happens. */
typedef void (*row_fn)(store_stmt *st, json_t *acc);

static kt_code each_row(store *db, const char *sql, int64_t id, row_fn fn, json_t *acc,
                        kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db, sql, &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        fn(st, acc);
    store_reset(st);
    return rc;
}

static void row_document(store_stmt *st, json_t *docs)
{
    json_array_append_new(docs, json_string(store_col_text(st, 0)));
}

static void row_bio_slot(store_stmt *st, json_t *bio)
{
    json_object_set_new(bio, store_col_text(st, 0),
                        json_string(store_col_text(st, 1)[0] ? "exception" : "stored"));
}

static void row_data_change(store_stmt *st, json_t *ch)
{
    json_array_append_new(ch, json_pack("{s:s, s:s, s:s, s:I}", "field", store_col_text(st, 0),
                                        "before", store_col_text(st, 1), "after",
                                        store_col_text(st, 2), "at",
                                        (json_int_t)store_col_int(st, 3)));
}

kt_code svc_app_load(svc *s, store *db, int64_t id, json_t **out, kt_error *err)
{
    (void)s;
    store_stmt *st = NULL;
    *out = NULL;
    kt_code rc = svc_row_by_id(db,
                               "SELECT a.id, a.ticket_id, a.nik, a.kind, a.state, a.reason, a.note,"
                               " a.day, a.created_at, a.updated_at, a.change_fields,"
                               " r.receipt_no, r.expected_pickup, t.code"
                               " FROM applications a LEFT JOIN receipts r ON r.application_id = a.id"
                               " LEFT JOIN tickets t ON t.id = a.ticket_id WHERE a.id = ?",
                               id, &st, err, "application_not_found", "id",
                               "Permohonan %lld tidak ditemukan", (long long)id);
    if (rc != KT_OK)
        return rc;
    wf_kind kind = WF_KIND_BARU;
    wf_kind_from_str(store_col_text(st, 3), &kind);
    docs_fields cf = parse_change_fields(store_col_text(st, 10));
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "id",
                          (json_int_t)store_col_int(st, 0), "nik", store_col_text(st, 2), "kind",
                          store_col_text(st, 3), "state", store_col_text(st, 4), "reason",
                          store_col_text(st, 5), "note", store_col_text(st, 6), "service_day",
                          store_col_text(st, 7), "opened_at", (json_int_t)store_col_int(st, 8),
                          "updated_at", (json_int_t)store_col_int(st, 9), "documents_required",
                          docs_json(docs_required(kind, cf)), "change_fields", json_array());
    if (o == NULL) {
        store_reset(st);
        return svc_nomem(err);
    }
    for (int f = 0; f < DOCS_FIELD_COUNT; f++)
        if (cf & (1u << f))
            json_array_append_new(json_object_get(o, "change_fields"),
                                  json_string(docs_field_str((docs_field)f)));
    json_object_set_new(o, "ticket_id", store_col_null(st, 1) ? json_null()
                                                              : json_integer(store_col_int(st, 1)));
    json_object_set_new(o, "ticket_number",
                        store_col_null(st, 13) ? json_null() : json_string(store_col_text(st, 13)));
    json_object_set_new(o, "receipt_no",
                        store_col_null(st, 11) ? json_null() : json_string(store_col_text(st, 11)));
    json_object_set_new(o, "pickup_expected",
                        store_col_null(st, 12) ? json_null() : json_string(store_col_text(st, 12)));
    store_reset(st);
    /* What hangs off the application: documents presented, biometric slots, data changes.
       The containers belong to o from here on, so every exit below frees them with it. */
    json_t *docs = json_array(), *bio = json_object(), *ch = json_array();
    json_object_set_new(o, "documents", docs);
    json_object_set_new(o, "bio", bio);
    json_object_set_new(o, "changes", ch);
    if (docs == NULL || bio == NULL || ch == NULL) {
        rc = svc_nomem(err);
        goto fail;
    }
    json_t *scans = NULL;
    if ((rc = svc_scans_of(db, id, &scans, err)) != KT_OK)
        goto fail;
    json_object_set_new(o, "scans", scans);
    if ((rc = each_row(db, "SELECT doc FROM documents WHERE application_id = ? ORDER BY doc",
                       id, row_document, docs, err)) != KT_OK ||
        (rc = each_row(db, "SELECT slot, exception_reason FROM biometrics WHERE"
                           " application_id = ?",
                       id, row_bio_slot, bio, err)) != KT_OK ||
        (rc = each_row(db, "SELECT field, before_value, after_value, at FROM data_changes"
                           " WHERE application_id = ? ORDER BY id",
                       id, row_data_change, ch, err)) != KT_OK)
        goto fail;
    *out = o;
    return KT_OK;
fail:
    json_decref(o);
    return rc;
}

/* Load the application's current state inside the caller's transaction. */
static kt_code app_state(store *db, int64_t id, wf_state *state, wf_kind *kind, char nik[17],
                         int64_t *ticket_id, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_id(db,
                               "SELECT state, kind, nik, ticket_id FROM applications WHERE id = ?",
                               id, &st, err, "application_not_found", "id",
                               "Permohonan %lld tidak ditemukan", (long long)id);
    if (rc != KT_OK)
        return rc;
    int ok = wf_state_from_str(store_col_text(st, 0), state) &&
             wf_kind_from_str(store_col_text(st, 1), kind);
    if (nik != NULL)
        snprintf(nik, 17, "%s", store_col_text(st, 2));
    if (ticket_id != NULL)
        *ticket_id = store_col_int(st, 3);
    store_reset(st);
    if (!ok)
        return kt_fail(err, KT_EINTERNAL, "state_unknown", "", "Status permohonan tidak dikenal");
    return KT_OK;
}

/* The officer column an action fills (who did the step, for the per-officer report). */
static const char *officer_col(wf_action a)
{
    switch (a) {
    case WF_ACT_OPEN: case WF_ACT_CHECK_OK: case WF_ACT_RETURN_INCOMPLETE:
    case WF_ACT_REFER: case WF_ACT_REJECT:
        return "intake_user_id";
    case WF_ACT_CHANGE_DATA: case WF_ACT_RECORD:
        return "operator_user_id";
    case WF_ACT_ISSUE_RECEIPT: case WF_ACT_HAND_OVER:
        return "handover_user_id";
    default:
        return NULL;
    }
}

/* The national recording status that follows an application action (SIAK's view). */
static const char *ktp_status_after(wf_state to)
{
    switch (to) {
    case WF_STATE_RECORDED: return "BIO_CAPTURED";
    case WF_STATE_SENT: return "SENT_FOR_ENROLLMENT";
    case WF_STATE_PRINT_READY: return "PRINT_READY_RECORD";
    case WF_STATE_DUPLICATE: return "DUPLICATE_RECORD";
    case WF_STATE_PRINTED: return "CARD_PRINTED";
    case WF_STATE_HANDED_OVER: return "CARD_ISSUED";
    default: return NULL;
    }
}

/* Move the application (already checked legal) and write its audit event. */
static kt_code app_move(svc *s, store *db, json_t *pending, const svc_actor *who, int64_t id,
                        const char *nik, wf_state from, wf_action act, wf_state to,
                        const char *reason, const char *note, kt_error *err)
{
    store_stmt *st = NULL;
    const char *col = officer_col(act);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE applications SET state = ?, reason = CASE WHEN ? = '' THEN reason ELSE ? END,"
             " note = CASE WHEN ? = '' THEN note ELSE ? END, updated_at = ?%s%s%s WHERE id = ?",
             col ? ", " : "", col ? col : "", col ? " = ?" : "");
    kt_code rc = store_prepare(db, sql, &st, err);
    if (rc != KT_OK)
        return rc;
    int i = 1;
    store_bind_text(st, i++, wf_state_str(to), -1);
    store_bind_text(st, i++, reason, -1);
    store_bind_text(st, i++, reason, -1);
    store_bind_text(st, i++, note, -1);
    store_bind_text(st, i++, note, -1);
    store_bind_int(st, i++, svc_now(s));
    if (col != NULL) {
        if (who->user_id > 0)
            store_bind_int(st, i, who->user_id);
        i++;
    }
    store_bind_int(st, i, id);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    const char *ks = ktp_status_after(to);
    if (ks != NULL && nik[0] != '\0') {
        if ((rc = store_prepare(db,
                                "UPDATE residents SET ktp_status = ?, card_valid = CASE WHEN ? THEN"
                                " 1 ELSE card_valid END, updated_at = ? WHERE nik = ?",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_text(st, 1, ks, -1);
        store_bind_int(st, 2, to == WF_STATE_HANDED_OVER);
        store_bind_int(st, 3, svc_now(s));
        store_bind_text(st, 4, nik, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
    }
    if ((rc = svc_rec_app_moved(s, db, id, wf_state_str(to), err)) != KT_OK) /* Rak Arsip */
        return rc;
    /* The citizen's phone number and "KTP-el Anda sudah dapat diambil" (citizen.c). */
    if ((rc = svc_cit_app_moved(s, db, id, wf_state_str(to), err)) != KT_OK)
        return rc;
    json_t *extra = json_pack("{s:{s:I, s:s, s:s}}", "application", "id", (json_int_t)id,
                              "state", wf_state_str(to), "nik", nik);
    rc = svc_event_add(s, db, pending, "application_changed", who, id, 0,
                       from == WF_STATE_NONE ? "" : wf_state_str(from), wf_state_str(to),
                       wf_action_str(act), reason, note, extra, err);
    json_decref(extra);
    return rc;
}

/* Shared frame of the single-application use cases. */
typedef struct app_txn {
    store *db;
    json_t *pending;
    wf_state state;
    wf_kind kind;
    char nik[17];
    int64_t ticket_id;
} app_txn;

static kt_code txn_begin(svc *s, int64_t id, app_txn *t, kt_error *err)
{
    memset(t, 0, sizeof *t);
    kt_code rc = svc_write_open(s, &t->db, &t->pending, err);
    if (rc != KT_OK)
        return rc;
    return app_state(t->db, id, &t->state, &t->kind, t->nik, &t->ticket_id, err);
}

/* Commit, load the application as the result, emit. */
static kt_code txn_finish(svc *s, int64_t id, app_txn *t, json_t **out, kt_error *err)
{
    kt_code rc = svc_app_load(s, t->db, id, out, err);
    if (rc != KT_OK)
        return rc;
    return svc_commit_emit(s, t->db, t->pending, out, err);
}

static void txn_end(svc *s, app_txn *t)
{
    svc_conn_put(s, t->db);
    json_decref(t->pending);
}

/* ---- open --------------------------------------------------------------------------- */

/* The ticket is served - the person is at the loket - and the audit trail says so with the
   application it serves (an intake ticket at open, a pickup ticket at the handover loket). */
static kt_code ticket_serve(svc *s, store *db, json_t *pending, const svc_actor *who,
                            int64_t app_id, int64_t ticket_id, json_t *extra, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db, "UPDATE tickets SET state = 'served', served_at = ? WHERE"
                                   " id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(s));
    store_bind_int(st, 2, ticket_id);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    return svc_event_add(s, db, pending, "ticket_served", who, app_id, ticket_id, "called",
                         "served", "serve", "", "", extra, err);
}

/* One open application per resident (issue 10): a NIK whose application is still under way
   (any state that is not an end: incomplete, referred, rejected, handed_over) continues that
   one - at the loket its state belongs to - instead of starting a second. Deliberately no
   exception: a data change or a replacement asked for while a card is in print waits until
   it is handed over (one person, one card, UU 24/2013 art. 63(6)). */
static kt_code open_app_check(store *db, const char *nik, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT id, state FROM applications WHERE nik = ? AND state NOT"
                               " IN ('incomplete', 'referred', 'rejected', 'handed_over')"
                               " ORDER BY id LIMIT 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, nik, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row) {
        wf_state ws = WF_STATE_CALLED;
        wf_state_from_str(store_col_text(st, 1), &ws);
        rc = kt_fail(err, KT_ECONFLICT, "application_open", "nik",
                     "NIK %s masih punya permohonan #%lld yang belum selesai (%s); lanjutkan "
                     "permohonan itu, bukan membuka yang baru",
                     nik, (long long)store_col_int(st, 0), wf_state_label(ws));
    }
    store_reset(st);
    return rc;
}

kt_code svc_app_screen(svc *s, store *db, const char *nik, wf_kind kind, jkt_date day,
                       wf_reason *refusal, kt_error *why, json_t **res, kt_error *err)
{
    nik_info info;
    kt_code rc = KT_OK;
    (void)s;
    *refusal = WF_REASON_NONE;
    *res = NULL;
    kt_error_clear(why);
    if (nik == NULL || nik[0] == '\0') {
        /* What the citizen does next (issue 10): the letter repeats it (pdf_letters.c). */
        *refusal = WF_REASON_NO_NIK;
        kt_fail(why, KT_EREFUSED, "no_nik", "nik", "Dirujuk ke Disdukcapil. %s",
                wf_reason_next_step(WF_REASON_NO_NIK));
    } else if (nik_analyze(nik, NULL, day, &info) != KT_OK) {
        *refusal = WF_REASON_NIK_INVALID;
        kt_fail(why, KT_EREFUSED, "nik_invalid", "nik", "NIK tidak sah (%s); dirujuk ke "
                "Disdukcapil", info.errors.n > 0 ? info.errors.item[0].message : "");
    } else {
        kt_error e;
        rc = svc_resident_load(db, nik, res, &e);
        if (rc == KT_ENOTFOUND) {
            *refusal = WF_REASON_NOT_FOUND_IN_SIAK;
            kt_fail(why, KT_EREFUSED, "not_found_in_siak", "nik",
                    "NIK %s tidak ditemukan dalam data SIAK; dirujuk ke Disdukcapil", nik);
            return KT_OK;
        }
        if (rc != KT_OK) {
            if (err != NULL)
                *err = e;
            return rc;
        }
        elig_person p;
        elig_verdict v;
        if ((rc = svc_resident_person(*res, &p, err)) != KT_OK)
            goto fail;
        /* The officer's choices to correct before anything is written: a lost or damaged
           card for someone who never had one, or a second open application. */
        if ((rc = elig_kind_fits(&p, kind, err)) != KT_OK ||
            (rc = open_app_check(db, nik, err)) != KT_OK)
            goto fail;
        kt_code ec = elig_check(&p, kind, day, &v, &e);
        if (ec == KT_EREFUSED) {
            *refusal = v.reason;
            *why = e;
        } else if (ec != KT_OK) {
            rc = ec;
            if (err != NULL)
                *err = e;
            goto fail;
        }
    }
    return KT_OK;
fail:
    json_decref(*res);
    *res = NULL;
    return rc;
}

kt_code svc_app_open(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                     kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *ticket = NULL, *res = NULL;
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_OPEN, err)) != KT_OK)
        return rc;
    json_t *jt = json_object_get(in, "ticket_id");
    if (!json_is_integer(jt) || json_integer_value(jt) < 1)
        return kt_fail(err, KT_EINVAL, "field_missing", "ticket_id",
                       "ticket_id wajib diisi (tiket yang sedang dipanggil)");
    int64_t ticket_id = json_integer_value(jt);
    const char *kind_s = svc_jstr(in, "kind");
    wf_kind kind;
    if (kind_s == NULL || !wf_kind_from_str(kind_s, &kind))
        return kt_fail(err, KT_EINVAL, "kind_invalid", "kind",
                       "Jenis permohonan harus baru, perubahan, hilang, rusak atau pindah_datang");
    const char *nik = svc_jstr(in, "nik");
    if (nik == NULL)
        nik = "";
    jkt_date today = svc_today(s);
    nik_info info;
    /* A NIK that is not 16 ASCII digits is a typing error, not an applicant to refer: refused
       before anything is written (issue 10: Arabic-Indic digits created a referral). A NIK of
       the right shape with a bad region or date is the SOP's "NIK tidak sah" (referred). */
    if (nik[0] != '\0' && !nik_is_well_formed(nik)) {
        nik_analyze(nik, NULL, today, &info);
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "%s",
                       info.errors.n > 0 ? info.errors.item[0].message
                                         : "NIK harus 16 digit angka 0-9");
    }
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_ticket_load(db, ticket_id, &ticket, err)) != KT_OK)
        goto out;
    if (strcmp(svc_jstr(ticket, "state"), "called") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "ticket_not_called", "ticket_id",
                     "Tiket %s tidak sedang dipanggil (status %s)", svc_jstr(ticket, "number"),
                     svc_jstr(ticket, "state"));
        goto out;
    }
    queue_service qs;
    if (!queue_service_from_str(svc_jstr(ticket, "queue_service"), &qs) ||
        !queue_service_allows_kind(qs, kind)) {
        rc = kt_fail(err, KT_EINVAL, "kind_mismatch", "kind",
                     "Permohonan '%s' tidak dapat dibuka dari antrian layanan '%s'", kind_s,
                     svc_jstr(ticket, "queue_service"));
        goto out;
    }
    /* Decide the SOP outcome before writing anything. */
    wf_reason refusal = WF_REASON_NONE;
    kt_error why;
    if ((rc = svc_app_screen(s, db, nik, kind, today, &refusal, &why, &res, err)) != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    char day[JKT_DATE_STRLEN];
    jkt_service_day_str(now, day);
    if ((rc = store_prepare(db,
                            "INSERT INTO applications (ticket_id, nik, kind, state, day, created_at,"
                            " updated_at, intake_user_id) VALUES (?, ?, ?, 'called', ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, ticket_id);
    store_bind_text(st, 2, nik, -1);
    store_bind_text(st, 3, kind_s, -1);
    store_bind_text(st, 4, day, -1);
    store_bind_int(st, 5, now);
    store_bind_int(st, 6, now);
    if (who->user_id > 0)
        store_bind_int(st, 7, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    int64_t id = store_last_id(db);
    char nik16[17];
    snprintf(nik16, sizeof nik16, "%s", nik);
    if ((rc = app_move(s, db, pending, who, id, nik16, WF_STATE_NONE, WF_ACT_OPEN,
                       WF_STATE_CALLED, "", "", err)) != KT_OK)
        goto out;
    /* The ticket is served: the person is at the loket. */
    if ((rc = ticket_serve(s, db, pending, who, id, ticket_id, NULL, err)) != KT_OK)
        goto out;
    if (refusal != WF_REASON_NONE) {
        /* Referred to Disdukcapil when the data is missing there; rejected when the law says
           no. */
        wf_action act = (refusal == WF_REASON_NO_NIK || refusal == WF_REASON_NIK_INVALID ||
                         refusal == WF_REASON_NOT_FOUND_IN_SIAK)
                            ? WF_ACT_REFER : WF_ACT_REJECT;
        wf_state to;
        if ((rc = wf_next(WF_STATE_CALLED, act, &to, err)) != KT_OK)
            goto out;
        if ((rc = app_move(s, db, pending, who, id, nik16, WF_STATE_CALLED, act, to,
                           wf_reason_str(refusal), why.message, err)) != KT_OK)
            goto out;
    }
    if ((rc = svc_app_load(s, db, id, out, err)) != KT_OK)
        goto out;
    if (res != NULL)
        json_object_set(*out, "resident", res);
    if ((rc = svc_commit_emit(s, db, pending, out, err)) != KT_OK)
        goto out;
    if (refusal != WF_REASON_NONE) {
        rc = KT_EREFUSED;
        if (err != NULL)
            *err = why;
        json_object_set_new(*out, "next_step", json_string(wf_reason_next_step(refusal)));
    }
out:
    svc_conn_put(s, db);
    json_decref(pending);
    json_decref(ticket);
    json_decref(res);
    return rc;
}

kt_code svc_app_get(svc *s, const svc_actor *who, int64_t app_id, json_t **out, kt_error *err)
{
    wf_role role;
    store *db = NULL;
    *out = NULL;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    rc = svc_app_load(s, db, app_id, out, err);
    svc_conn_put(s, db);
    if (rc == KT_OK && (rc = svc_access_record(s, who, "read_application", svc_jstr(*out, "nik"),
                                               app_id, "", "", err)) != KT_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

kt_code svc_app_list(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                     kt_error *err)
{
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *arr = NULL;
    int row = 0;
    *out = NULL;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    const char *state = svc_jstr(filter, "state"), *date = svc_jstr(filter, "date"),
               *nik = svc_jstr(filter, "nik");
    wf_state ws;
    jkt_date d;
    if (state != NULL && !wf_state_from_str(state, &ws))
        return kt_fail(err, KT_EINVAL, "state_invalid", "state", "Status '%s' tidak dikenal",
                       state);
    char day[JKT_DATE_STRLEN];
    if (date != NULL) {
        if ((rc = jkt_date_parse(date, "date", &d, err)) != KT_OK)
            return rc;
        jkt_date_format(d, day);
    } else {
        jkt_service_day_str(svc_now(s), day);
    }
    json_int_t limit = 200;
    json_t *jl = json_object_get(filter, "limit");
    if (jl != NULL) {
        if (!json_is_integer(jl) || json_integer_value(jl) < 1 || json_integer_value(jl) > 1000)
            return kt_fail(err, KT_EINVAL, "limit_invalid", "limit", "limit harus 1 sampai 1000");
        limit = json_integer_value(jl);
    }
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* A NIK search spans every day (the person's history); otherwise the day's list. */
    if ((rc = store_prepare(db,
                            "SELECT id FROM applications WHERE (? IS NULL OR state = ?) AND"
                            " (CASE WHEN ? IS NULL THEN day = ? ELSE nik = ? END)"
                            " ORDER BY id DESC LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, state, -1);
    store_bind_text(st, 2, state, -1);
    store_bind_text(st, 3, nik, -1);
    store_bind_text(st, 4, day, -1);
    store_bind_text(st, 5, nik, -1);
    store_bind_int(st, 6, limit);
    int64_t ids[1000];
    size_t n = 0;
    while ((rc = store_step(st, &row, err)) == KT_OK && row && n < 1000)
        ids[n++] = store_col_int(st, 0);
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *a = NULL;
        if ((rc = svc_app_load(s, db, ids[i], &a, err)) != KT_OK)
            goto out;
        json_array_append_new(arr, a);
        /* The resident's name, so a list of applications reads as a list of people. */
        if ((rc = store_prepare(db, "SELECT name FROM residents WHERE nik = ?", &st, err)) !=
            KT_OK)
            goto out;
        store_bind_text(st, 1, svc_jstr(a, "nik"), -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        json_object_set_new(a, "name", row ? json_string(store_col_text(st, 0)) : json_null());
        store_reset(st);
    }
    svc_conn_put(s, db);
    db = NULL;
    /* Recorded with everyone it shows; then, but for a search by the NIK the caller typed,
       the NIKs are masked for whoever works the list (an item opens by its id). */
    char *subjects = svc_access_subjects(arr, "nik"), detail[96];
    if (subjects == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    snprintf(detail, sizeof detail, "state=%s date=%s", state != NULL ? state : "-",
             nik != NULL ? "-" : day);
    rc = svc_access_record(s, who, "list_applications", nik, 0, nik != NULL ? "" : subjects,
                           detail, err);
    free(subjects);
    if (rc != KT_OK)
        goto out;
    if (nik == NULL && !svc_full_nik(who))
        svc_nik_mask_list(arr, "nik");
    *out = arr;
    arr = NULL;
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}

/* ---- check (SOP step 2) --------------------------------------------------------------- */

static kt_code strs_of(const json_t *arr, const char *field, const char **v, size_t *n,
                       kt_error *err)
{
    *n = 0;
    if (arr == NULL || json_is_null(arr))
        return KT_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 32)
        return kt_fail(err, KT_EINVAL, "list_invalid", field, "%s harus daftar teks", field);
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        v[(*n)++] = json_is_string(x) ? json_string_value(x) : NULL;
    }
    return KT_OK;
}

kt_code svc_app_check(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                      json_t **out, kt_error *err)
{
    kt_code rc;
    app_txn t;
    const char *dv[32], *fv[32];
    size_t dn = 0, fn = 0;
    docs_set presented = 0;
    docs_fields changes = 0;
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_CHECK_OK, err)) != KT_OK)
        return rc;
    if ((rc = strs_of(json_object_get(in, "documents"), "documents", dv, &dn, err)) != KT_OK ||
        (rc = strs_of(json_object_get(in, "change_fields"), "change_fields", fv, &fn, err)) !=
            KT_OK)
        return rc;
    if ((rc = docs_set_from_strs(dv, dn, &presented, err)) != KT_OK ||
        (rc = docs_fields_from_strs(fv, fn, &changes, err)) != KT_OK)
        return rc;
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    if (!wf_can(t.state, WF_ACT_CHECK_OK)) {
        wf_state to;
        rc = wf_next(t.state, WF_ACT_CHECK_OK, &to, err);
        goto out;
    }
    if (t.kind == WF_KIND_PERUBAHAN && changes == 0) {
        rc = kt_fail(err, KT_EINVAL, "change_fields_missing", "change_fields",
                     "Permohonan perubahan data harus menyebut data yang diubah");
        goto out;
    }
    /* Record what was presented (also when incomplete: the officer's check is audited). */
    store_stmt *st = NULL;
    int64_t now = svc_now(s);
    if ((rc = store_prepare(t.db, "DELETE FROM documents WHERE application_id = ?", &st, err)) !=
        KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    for (int d = 0; d < DOCS_COUNT; d++) {
        if (!(presented & DOCS_BIT(d)))
            continue;
        if ((rc = store_prepare(t.db,
                                "INSERT INTO documents (application_id, doc, presented_at)"
                                " VALUES (?, ?, ?)",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, app_id);
        store_bind_text(st, 2, docs_id_str((docs_id)d), -1);
        store_bind_int(st, 3, now);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    char cf[256] = "";
    size_t used = 0;
    for (int f = 0; f < DOCS_FIELD_COUNT; f++)
        if (changes & (1u << f))
            used += (size_t)snprintf(cf + used, sizeof cf - used, "%s%s", used ? "," : "",
                                     docs_field_str((docs_field)f));
    if ((rc = store_prepare(t.db, "UPDATE applications SET change_fields = ? WHERE id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, cf, -1);
    store_bind_int(st, 2, app_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    docs_result dr;
    kt_error why;
    kt_code dc = docs_evaluate(t.kind, changes, presented, &dr, &why);
    if (dc == KT_EINVAL) {
        rc = dc;
        if (err != NULL)
            *err = why;
        goto out;
    }
    if (dc == KT_OK) {
        if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, WF_ACT_CHECK_OK,
                           WF_STATE_CHECKED, "", "", err)) != KT_OK)
            goto out;
    } else {
        svc_event_add(s, t.db, NULL, "application_checked", who, app_id, 0, wf_state_str(t.state),
                      wf_state_str(t.state), "check_incomplete", "", why.message, NULL, NULL);
    }
    if ((rc = txn_finish(s, app_id, &t, out, err)) != KT_OK)
        goto out;
    json_object_set_new(*out, "documents_missing", docs_json(dr.missing));
    if (dc != KT_OK) {
        rc = KT_EREFUSED;
        if (err != NULL)
            *err = why;
    }
out:
    txn_end(s, &t);
    return rc;
}

/* ---- outcome actions ------------------------------------------------------------------ */

kt_code svc_app_act(svc *s, const svc_actor *who, int64_t app_id, const char *action,
                    const json_t *in, json_t **out, kt_error *err)
{
    kt_code rc;
    app_txn t;
    wf_action act;
    *out = NULL;
    if (action == NULL || !wf_action_from_str(action, &act))
        return kt_fail(err, KT_EINVAL, "action_invalid", "action", "Tindakan '%s' tidak dikenal",
                       action != NULL ? action : "");
    switch (act) {
    case WF_ACT_OPEN: case WF_ACT_CHECK_OK: case WF_ACT_CHANGE_DATA: case WF_ACT_RECORD:
    case WF_ACT_ISSUE_RECEIPT: case WF_ACT_HAND_OVER:
        return kt_fail(err, KT_EINVAL, "action_invalid", "action",
                       "Tindakan '%s' punya langkahnya sendiri (bukan lewat actions)", action);
    default:
        break;
    }
    if ((rc = svc_require(who, act, err)) != KT_OK)
        return rc;
    const char *reason = svc_jstr(in, "reason"), *note = svc_jstr(in, "note");
    wf_reason r = WF_REASON_NONE;
    if (reason != NULL && reason[0] != '\0' && !wf_reason_from_str(reason, &r))
        return kt_fail(err, KT_EINVAL, "reason_invalid", "reason", "Alasan '%s' tidak dikenal",
                       reason);
    if (r == WF_REASON_NONE && act == WF_ACT_CONFIRM_DUPLICATE)
        r = WF_REASON_DUPLICATE_BIOMETRIC;
    if (r == WF_REASON_NONE && wf_action_needs_reason(act))
        return kt_fail(err, KT_EINVAL, "reason_missing", "reason",
                       "Tindakan '%s' memerlukan alasan", action);
    if (note != NULL && strlen(note) > 500)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note", "Catatan lebih dari 500 karakter");
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    if ((rc = svc_link_manual_check(t.db, who, act, err)) != KT_OK) /* linked: the feed's */
        goto out;
    wf_state to;
    if ((rc = wf_next(t.state, act, &to, err)) != KT_OK)
        goto out;
    if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, act, to,
                       wf_reason_str(r), note != NULL ? note : "", err)) != KT_OK)
        goto out;
    rc = txn_finish(s, app_id, &t, out, err);
out:
    txn_end(s, &t);
    return rc;
}

/* ---- data change (SOP step 3) --------------------------------------------------------- */

/* First operator touch of an application: the start of the recording step (core/sla.h). */
static kt_code operator_start(svc *s, app_txn *t, const svc_actor *who, int64_t id,
                              kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(t->db,
                               "SELECT 1 FROM events WHERE application_id = ? AND"
                               " action = 'operator_start'",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, &row, err);
    store_reset(st);
    if (rc != KT_OK || row)
        return rc;
    return svc_event_add(s, t->db, NULL, "operator_start", who, id, 0, wf_state_str(t->state),
                         wf_state_str(t->state), "operator_start", "", "", NULL, err);
}

static int digits_n(const char *v, size_t lo, size_t hi)
{
    size_t n = strlen(v);
    if (n < lo || n > hi)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* Validate one change; the SQL value as text in val (ints formatted). */
static kt_code change_value(const char *field, const json_t *v, char *val, size_t cap,
                            kt_error *err)
{
    docs_field f;
    char fname[80];
    snprintf(fname, sizeof fname, "changes.%s", field);
    if (!docs_field_from_str(field, &f))
        return kt_fail(err, KT_EINVAL, "change_field_unknown", fname,
                       "Data '%s' tidak dapat diubah lewat perubahan data", field);
    ref_list rl;
    int is_code = 1;
    switch (f) {
    case DOCS_FIELD_BLOOD_TYPE: rl = REF_GOLONGAN_DARAH; break;
    case DOCS_FIELD_AGAMA: rl = REF_AGAMA; break;
    case DOCS_FIELD_MARITAL_STATUS: rl = REF_STATUS_PERKAWINAN; break;
    case DOCS_FIELD_PEKERJAAN: rl = REF_PEKERJAAN; break;
    case DOCS_FIELD_PENDIDIKAN: rl = REF_PENDIDIKAN; break;
    default: is_code = 0; rl = REF_AGAMA; break;
    }
    if (is_code) {
        if (!json_is_integer(v))
            return kt_fail(err, KT_EINVAL, "code_invalid", fname, "%s harus kode angka", field);
        kt_code rc = ref_check(rl, (int)json_integer_value(v), fname, err);
        if (rc != KT_OK)
            return rc;
        snprintf(val, cap, "%d", (int)json_integer_value(v));
        return KT_OK;
    }
    if (!json_is_string(v))
        return kt_fail(err, KT_EINVAL, "value_invalid", fname, "%s harus teks", field);
    const char *sv = json_string_value(v);
    jkt_date d;
    switch (f) {
    case DOCS_FIELD_NAME: case DOCS_FIELD_BIRTH_PLACE: case DOCS_FIELD_ADDRESS:
        if (sv[0] == '\0' || strlen(sv) > 200)
            return kt_fail(err, KT_EINVAL, "value_invalid", fname,
                           "%s harus diisi (paling banyak 200 karakter)", field);
        break;
    case DOCS_FIELD_BIRTH_DATE:
        if (jkt_date_parse(sv, fname, &d, err) != KT_OK)
            return KT_EINVAL;
        break;
    case DOCS_FIELD_SEX:
        if (strcmp(sv, "L") != 0 && strcmp(sv, "P") != 0)
            return kt_fail(err, KT_EINVAL, "sex_invalid", fname, "Jenis kelamin harus L atau P");
        break;
    case DOCS_FIELD_RT: case DOCS_FIELD_RW:
        if (!digits_n(sv, 1, 3))
            return kt_fail(err, KT_EINVAL, "value_invalid", fname, "%s harus 1-3 digit", field);
        break;
    case DOCS_FIELD_KELURAHAN_CODE:
        if (!digits_n(sv, 10, 10))
            return kt_fail(err, KT_EINVAL, "kelurahan_code_invalid", fname,
                           "Kode kelurahan harus 10 digit");
        break;
    default:
        break;
    }
    snprintf(val, cap, "%s", sv);
    return KT_OK;
}

kt_code svc_app_change_data(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                            json_t **out, kt_error *err)
{
    kt_code rc;
    app_txn t;
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_CHANGE_DATA, err)) != KT_OK)
        return rc;
    json_t *changes = json_object_get(in, "changes");
    if (!json_is_object(changes) || json_object_size(changes) == 0)
        return kt_fail(err, KT_EINVAL, "changes_missing", "changes",
                       "changes harus objek berisi data yang diubah");
    const char *k;
    json_t *v;
    char val[256];
    json_object_foreach(changes, k, v) {
        if ((rc = change_value(k, v, val, sizeof val, err)) != KT_OK)
            return rc;
    }
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    wf_state to;
    if ((rc = wf_next(t.state, WF_ACT_CHANGE_DATA, &to, err)) != KT_OK)
        goto out;
    if (t.nik[0] == '\0') {
        rc = kt_fail(err, KT_ECONFLICT, "no_nik", "nik", "Permohonan tanpa NIK");
        goto out;
    }
    if ((rc = operator_start(s, &t, who, app_id, err)) != KT_OK)
        goto out;
    json_object_foreach(changes, k, v) {
        change_value(k, v, val, sizeof val, NULL);
        /* The column name is one of docs_field's fixed identifiers (checked above). */
        char sql[160];
        store_stmt *st = NULL;
        int row = 0;
        snprintf(sql, sizeof sql, "SELECT %s FROM residents WHERE nik = ?", k);
        if ((rc = store_prepare(t.db, sql, &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, t.nik, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        char before[256];
        snprintf(before, sizeof before, "%s", row ? store_col_text(st, 0) : "");
        store_reset(st);
        if ((rc = store_prepare(t.db,
                                "INSERT INTO data_changes (application_id, field, before_value,"
                                " after_value, at, user_id) VALUES (?, ?, ?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, app_id);
        store_bind_text(st, 2, k, -1);
        store_bind_text(st, 3, before, -1);
        store_bind_text(st, 4, val, -1);
        store_bind_int(st, 5, svc_now(s));
        store_bind_int(st, 6, who->user_id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        snprintf(sql, sizeof sql, "UPDATE residents SET %s = ?, updated_at = ? WHERE nik = ?", k);
        if ((rc = store_prepare(t.db, sql, &st, err)) != KT_OK)
            goto out;
        if (json_is_integer(v))
            store_bind_int(st, 1, json_integer_value(v));
        else
            store_bind_text(st, 1, val, -1);
        store_bind_int(st, 2, svc_now(s));
        store_bind_text(st, 3, t.nik, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, WF_ACT_CHANGE_DATA, to,
                       "", "", err)) != KT_OK)
        goto out;
    if ((rc = svc_link_on_change(s, t.db, who, app_id, t.nik, err)) != KT_OK) /* Disdukcapil */
        goto out;
    rc = txn_finish(s, app_id, &t, out, err);
out:
    txn_end(s, &t);
    return rc;
}

/* ---- biometrics (SOP step 3) ---------------------------------------------------------- */

static kt_code bio_precheck(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                            app_txn *t, kt_error *err)
{
    (void)s;
    (void)app_id;
    kt_code rc = svc_require(who, WF_ACT_RECORD, err);
    if (rc != KT_OK)
        return rc;
    if (!slot_ok(slot))
        return kt_fail(err, KT_EINVAL, "slot_invalid", "slot",
                       "Slot harus face, signature, finger_1..finger_10, iris_left atau "
                       "iris_right");
    (void)t;
    return KT_OK;
}

static kt_code bio_state_ok(const app_txn *t, kt_error *err)
{
    if (!wf_can(t->state, WF_ACT_RECORD)) {
        wf_state to;
        return wf_next(t->state, WF_ACT_RECORD, &to, err);
    }
    return KT_OK;
}

static kt_code bio_upsert(svc *s, app_txn *t, const svc_actor *who, int64_t app_id,
                          const char *slot, const char *path, const char *sha, size_t size,
                          const char *ctype, const char *exc, const char *reason,
                          kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(t->db,
                               "INSERT INTO biometrics (application_id, slot, path, sha256, size,"
                               " content_type, exception_reason, at, user_id)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT (application_id, slot) DO UPDATE SET"
                               " path = excluded.path, sha256 = excluded.sha256,"
                               " size = excluded.size, content_type = excluded.content_type,"
                               " exception_reason = excluded.exception_reason,"
                               " at = excluded.at, user_id = excluded.user_id",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, slot, -1);
    store_bind_text(st, 3, path, -1);
    store_bind_text(st, 4, sha, -1);
    store_bind_int(st, 5, (int64_t)size);
    store_bind_text(st, 6, ctype, -1);
    store_bind_text(st, 7, exc, -1);
    store_bind_int(st, 8, svc_now(s));
    store_bind_int(st, 9, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    return svc_event_add(s, t->db, NULL, "bio_stored", who, app_id, 0, wf_state_str(t->state),
                         wf_state_str(t->state), exc[0] ? "bio_exception" : "bio_put", reason,
                         slot, NULL, err);
}

/* The birth year of the application's resident (0 when unknown): the face photo's rule. */
static int birth_year_of(svc *s, int64_t app_id)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0, year = 0;
    kt_error err;
    if (svc_conn_get(s, &db, &err) != KT_OK)
        return 0;
    if (store_prepare(db,
                      "SELECT r.birth_date FROM applications a JOIN residents r ON r.nik = a.nik"
                      " WHERE a.id = ?",
                      &st, &err) == KT_OK) {
        store_bind_int(st, 1, app_id);
        if (store_step(st, &row, &err) == KT_OK && row)
            year = atoi(store_col_text(st, 0));
        store_reset(st);
    }
    svc_conn_put(s, db);
    return year;
}

kt_code svc_app_bio_put(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                        const void *data, size_t len, const char *content_type,
                        json_t **out, kt_error *err)
{
    (void)content_type; /* never trusted: the server derives the type from the bytes */
    return svc_app_bio_put_ex(s, who, app_id, slot, data, len, 0, out, err);
}

kt_code svc_app_bio_put_ex(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                           const void *data, size_t len, unsigned flags, json_t **out,
                           kt_error *err)
{
    kt_code rc;
    app_txn t;
    svc_upload up;
    svc_afis_probe *probe = NULL; /* finger slots: template and quality (afis.c) */
    memset(&t, 0, sizeof t);
    *out = NULL;
    if ((rc = bio_precheck(s, who, app_id, slot, &t, err)) != KT_OK)
        return rc;
    if (data == NULL || len == 0)
        return kt_fail(err, KT_EINVAL, "bio_empty", "body", "Berkas biometrik kosong");
    if (len > BIO_MAX_BYTES)
        return kt_fail(err, KT_ETOOBIG, "body_too_large", "body",
                       "Berkas biometrik lebih dari 8 MiB");
    /* What the bytes really are, outside the write lock: header, bounds, decode, backdrop. */
    if ((rc = svc_upload_check(slot, data, len,
                               strcmp(slot, "face") == 0 ? birth_year_of(s, app_id) : 0, flags,
                               &up, err)) != KT_OK)
        return rc;
    char sha[65], rel[64];
    svc_sha256_hex(data, len, sha);
    /* A finger is decoded and extracted now, outside the write lock: no usable print, no file. */
    if (svc_afis_finger_of(slot) > 0 &&
        (rc = svc_afis_probe_make(slot, data, len, &probe, err)) != KT_OK)
        return rc;
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    if ((rc = bio_state_ok(&t, err)) != KT_OK)
        goto out;
    if ((rc = operator_start(s, &t, who, app_id, err)) != KT_OK)
        goto out;
    /* The file first, sealed and made durable; the row that points at it commits after. */
    if ((rc = svc_bio_write(s, app_id, slot, data, len, err)) != KT_OK)
        goto out;
    svc_bio_rel_path(rel, app_id, slot);
    if ((rc = bio_upsert(s, &t, who, app_id, slot, rel, sha, len, up.content_type, "",
                         up.background_confirmed ? "background_confirmed" : "", err)) != KT_OK)
        goto out;
    if (probe != NULL && (rc = svc_afis_probe_save(s, t.db, app_id, probe, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, t.db, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I}", "slot", slot, "size", (json_int_t)len,
                     "content_type", up.content_type, "sha256", sha, "width",
                     (json_int_t)up.width, "height", (json_int_t)up.height);
    if (*out != NULL && up.background[0] != '\0')
        json_object_set_new(*out, "background", json_string(up.background));
    if (*out != NULL && up.background_confirmed)
        json_object_set_new(*out, "background_confirmed", json_true());
    if (*out == NULL)
        rc = svc_nomem(err);
    else if (probe != NULL && (rc = svc_afis_probe_report(probe, *out, err)) != KT_OK) {
        json_decref(*out);
        *out = NULL;
    }
out:
    txn_end(s, &t);
    svc_afis_probe_free(probe);
    return rc;
}

kt_code svc_app_bio_exception(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                              const json_t *in, json_t **out, kt_error *err)
{
    kt_code rc;
    app_txn t;
    memset(&t, 0, sizeof t);
    *out = NULL;
    if ((rc = bio_precheck(s, who, app_id, slot, &t, err)) != KT_OK)
        return rc;
    const char *reason = svc_jstr(in, "reason");
    if (reason == NULL || reason[0] == '\0' || strlen(reason) > 200)
        return kt_fail(err, KT_EINVAL, "reason_missing", "reason",
                       "Alasan pengecualian wajib diisi (paling banyak 200 karakter)");
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    if ((rc = bio_state_ok(&t, err)) != KT_OK)
        goto out;
    if ((rc = operator_start(s, &t, who, app_id, err)) != KT_OK)
        goto out;
    if ((rc = bio_upsert(s, &t, who, app_id, slot, "", "", 0, "", reason, "", err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, t.db, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:s}", "slot", slot, "status", "exception", "reason", reason);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    txn_end(s, &t);
    return rc;
}

kt_code svc_app_bio_get(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                        void **data, size_t *len, char content_type[64], kt_error *err)
{
    kt_code rc;
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char rel[64] = "", nik[32] = "";
    size_t size = 0;
    *data = NULL;
    *len = 0;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (role != WF_ROLE_OPERATOR && role != WF_ROLE_SUPERVISOR && role != WF_ROLE_ADMIN &&
        role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak boleh membaca data biometrik", who->role);
    if (!slot_ok(slot))
        return kt_fail(err, KT_EINVAL, "slot_invalid", "slot", "Slot tidak dikenal");
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT b.path, b.content_type, b.size, a.nik FROM biometrics b JOIN"
                            " applications a ON a.id = b.application_id WHERE"
                            " b.application_id = ? AND b.slot = ? AND b.path <> ''",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, slot, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        snprintf(rel, sizeof rel, "%s", store_col_text(st, 0));
        snprintf(content_type, 64, "%s", store_col_text(st, 1));
        size = (size_t)store_col_int(st, 2);
        snprintf(nik, sizeof nik, "%s", store_col_text(st, 3));
    }
    store_reset(st);
    if (!row) {
        rc = kt_fail(err, KT_ENOTFOUND, "bio_not_found", "slot", "Slot %s belum berisi berkas",
                     slot);
        goto out;
    }
    svc_conn_put(s, db);
    db = NULL;
    rc = svc_bio_read(s, app_id, slot, rel, data, len, err);
    if (rc == KT_OK && *len != size) {
        free(*data);
        *data = NULL;
        *len = 0;
        rc = kt_fail(err, KT_EIO, "bio_size_mismatch", "slot",
                     "Berkas biometrik %s tidak sesuai catatan ukurannya", slot);
    } else if (rc != KT_OK && err != NULL) {
        kt_code c = rc;
        char why[256];
        snprintf(why, sizeof why, "%s", err->message);
        rc = kt_fail(err, KT_EIO, c == KT_EREFUSED ? "bio_tampered" : "io", "slot",
                     "Berkas biometrik %s tidak terbaca: %s", slot, why);
    }
    /* Released only once its read is recorded (svc_access_record). */
    if (rc == KT_OK &&
        (rc = svc_access_record(s, who, "read_biometric", nik, app_id, "", slot, err)) != KT_OK) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
out:
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_app_record(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                       kt_error *err)
{
    kt_code rc;
    app_txn t;
    svc_afis_record *afis = NULL; /* the 1:N search of this enrollee's fingers (afis.c) */
    memset(&t, 0, sizeof t);
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_RECORD, err)) != KT_OK)
        return rc;
    if ((rc = svc_afis_record_begin(s, app_id, &afis, err)) != KT_OK)
        return rc;
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    wf_state to;
    if ((rc = wf_next(t.state, WF_ACT_RECORD, &to, err)) != KT_OK)
        goto out;
    char missing[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < N_SLOTS; i++) {
        store_stmt *st = NULL;
        int row = 0;
        if ((rc = store_prepare(t.db,
                                "SELECT 1 FROM biometrics WHERE application_id = ? AND slot = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, app_id);
        store_bind_text(st, 2, bio_slots[i], -1);
        rc = store_step(st, &row, err);
        store_reset(st);
        if (rc != KT_OK)
            goto out;
        if (!row)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
                                     used ? ", " : "", bio_slots[i]);
    }
    if (used > 0) {
        rc = kt_fail(err, KT_EREFUSED, "bio_incomplete", "bio",
                     "Perekaman belum lengkap; slot belum diisi: %s", missing);
        goto out;
    }
    if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, WF_ACT_RECORD, to, "",
                       "", err)) != KT_OK)
        goto out;
    /* One person, one card: another NIK's fingers make it a duplicate, in this transaction. */
    int dup = 0;
    char dnote[400];
    if ((rc = svc_afis_record_write(s, afis, t.db, t.nik, &dup, dnote, sizeof dnote, err)) !=
        KT_OK)
        goto out;
    if (dup) {
        wf_state dto;
        if ((rc = wf_next(to, WF_ACT_AFIS_HIT, &dto, err)) != KT_OK ||
            (rc = app_move(s, t.db, t.pending, who, app_id, t.nik, to, WF_ACT_AFIS_HIT, dto,
                           "duplicate_biometric", dnote, err)) != KT_OK)
            goto out;
    }
    /* The packet to Disdukcapil commits with the recording (an office linked to one). */
    if ((rc = svc_link_on_record(s, t.db, who, app_id, t.nik, dup, dnote, err)) != KT_OK)
        goto out;
    rc = txn_finish(s, app_id, &t, out, err);
out:
    txn_end(s, &t);
    svc_afis_record_end(s, afis, rc == KT_OK, *out);
    /* The operator learns that the fingers match someone else, not who: the supervisor
       decides (svc_app_duplicate shows both records). */
    if (*out != NULL && !svc_full_nik(who)) {
        json_t *shown = json_object_get(*out, "afis");
        svc_nik_mask_list(json_object_get(shown, "hits"), "matched_nik");
        svc_nik_mask_list(json_object_get(shown, "persons"), "matched_nik");
    }
    return rc;
}

/* ---- receipt (step 4) and handover (step 6) ------------------------------------------- */

kt_code svc_app_receipt(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                        kt_error *err)
{
    kt_code rc;
    app_txn t;
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_ISSUE_RECEIPT, err)) != KT_OK)
        return rc;
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    wf_state to;
    if ((rc = wf_next(t.state, WF_ACT_ISSUE_RECEIPT, &to, err)) != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    jkt_date today = jkt_service_day(now);
    char day[JKT_DATE_STRLEN], pickup[JKT_DATE_STRLEN], prefix[24], no[64];
    jkt_date_format(today, day);
    jkt_date_format(jkt_add_days(today, SVC_PICKUP_DAYS), pickup);
    snprintf(prefix, sizeof prefix, "NGS-%04d%02d%02d-", today.year, today.month, today.day);
    store_stmt *st = NULL;
    int row = 0;
    if ((rc = store_prepare(t.db,
                            "SELECT count(*) FROM receipts WHERE substr(receipt_no, 1, 13) = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, prefix, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t n = store_col_int(st, 0) + 1;
    store_reset(st);
    snprintf(no, sizeof no, "%s%04lld", prefix, (long long)n);
    if ((rc = store_prepare(t.db,
                            "INSERT INTO receipts (receipt_no, application_id, issued_at,"
                            " expected_pickup, issued_by) VALUES (?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, no, -1);
    store_bind_int(st, 2, app_id);
    store_bind_int(st, 3, now);
    store_bind_text(st, 4, pickup, -1);
    store_bind_int(st, 5, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_rec_receipt_issued(s, t.db, no, t.nik, now, err)) != KT_OK) /* QR token */
        goto out;
    if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, WF_ACT_ISSUE_RECEIPT,
                       to, "", no, err)) != KT_OK)
        goto out;
    if ((rc = svc_link_on_receipt(s, t.db, t.pending, who, app_id, t.nik, t.state, err)) !=
        KT_OK)
        goto out;
    rc = txn_finish(s, app_id, &t, out, err);
out:
    txn_end(s, &t);
    return rc;
}

/* The pickup (E) ticket the citizen holds, at the handover loket (SOP step 6): the officer who
   called it finds the receipt (or hands over) with it, so the ticket is served and linked to
   the application (applications.pickup_ticket_id, migration 008). The handover step is timed
   from that ticket's call (core/sla.h pickup_called). A ticket already served for this same
   application is accepted again (the receipt found, then the card handed over); a later
   visit's ticket replaces an earlier one (the card was not printed yet the first time). */
static kt_code pickup_link(svc *s, store *db, json_t *pending, const svc_actor *who,
                           int64_t app_id, int64_t ticket_id, kt_error *err)
{
    store_stmt *st = NULL;
    json_t *t = NULL;
    int row = 0;
    kt_code rc = svc_ticket_load(db, ticket_id, &t, err);
    if (rc != KT_OK)
        return rc;
    const char *state = svc_jstr(t, "state"), *number = svc_jstr(t, "number");
    if (strcmp(svc_jstr(t, "queue_service"), "pengambilan") != 0) {
        rc = kt_fail(err, KT_EINVAL, "ticket_not_pickup", "ticket_id",
                     "Nomor %s bukan antrian Pengambilan e-KTP (E)", number);
        goto out;
    }
    if ((rc = store_prepare(db, "SELECT id FROM applications WHERE pickup_ticket_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, ticket_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t linked = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if (linked == app_id)
        goto out; /* already this application's: nothing more to write */
    if (linked != 0 || strcmp(state, "called") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "ticket_not_called", "ticket_id",
                     linked != 0 ? "Nomor %s sudah dipakai untuk pengambilan lain"
                                 : "Nomor %s tidak sedang dipanggil",
                     number);
        goto out;
    }
    if ((rc = store_prepare(db, "UPDATE applications SET pickup_ticket_id = ? WHERE id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, ticket_id);
    store_bind_int(st, 2, app_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    json_t *extra = json_pack("{s:{s:I, s:s, s:i}}", "ticket", "id", (json_int_t)ticket_id,
                              "number", number, "loket",
                              (int)json_integer_value(json_object_get(t, "loket")));
    if (extra == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = ticket_serve(s, db, pending, who, app_id, ticket_id, extra, err);
    json_decref(extra);
out:
    json_decref(t);
    return rc;
}

/* The optional "ticket_id" of a request: 0 when absent; KT_EINVAL when not a positive id. */
static kt_code pickup_ticket_of(const json_t *in, int64_t *ticket_id, kt_error *err)
{
    json_t *jt = json_object_get(in, "ticket_id");
    *ticket_id = 0;
    if (jt == NULL || json_is_null(jt))
        return KT_OK;
    if (!json_is_integer(jt) || json_integer_value(jt) < 1)
        return kt_fail(err, KT_EINVAL, "ticket_id_invalid", "ticket_id",
                       "ticket_id harus nomor tiket antrian E yang sedang dipanggil");
    *ticket_id = json_integer_value(jt);
    return KT_OK;
}

/* Who handed the card over, when and how: the answer to a receipt that was already used. */
static kt_code handover_info(store *db, int64_t app_id, json_t *app, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT h.at, h.confirmed_by, COALESCE(u.username, ''),"
                               " COALESCE(u.full_name, '') FROM handovers h LEFT JOIN users u"
                               " ON u.id = h.user_id WHERE h.application_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row)
        json_object_set_new(app, "handover",
                            json_pack("{s:I, s:s, s:s, s:s}", "at",
                                      (json_int_t)store_col_int(st, 0), "confirmed_by",
                                      store_col_text(st, 1), "username", store_col_text(st, 2),
                                      "full_name", store_col_text(st, 3)));
    store_reset(st);
    return KT_OK;
}

kt_code svc_receipt_find(svc *s, const svc_actor *who, const char *receipt_no,
                         int64_t ticket_id, json_t **out, kt_error *err)
{
    kt_code rc;
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (!wf_role_allows(WF_ACT_HAND_OVER, role) && role != WF_ROLE_SUPERVISOR)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak melayani pengambilan", who->role);
    if (receipt_no == NULL || strlen(receipt_no) < 5 || strlen(receipt_no) > 32)
        return kt_fail(err, KT_EINVAL, "receipt_no_invalid", "receipt_no",
                       "Nomor tanda terima tidak sah");
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db, "SELECT application_id FROM receipts WHERE receipt_no = ?",
                             receipt_no, &st, err, "receipt_not_found", "receipt_no",
                             "Tanda terima %s tidak ditemukan", receipt_no)) != KT_OK)
        goto out;
    int64_t id = store_col_int(st, 0);
    store_reset(st);
    /* The audit trail knows when the receipt was read; the handover step itself runs from
       the call of the pickup ticket (core/sla.h). */
    if ((rc = svc_event_add(s, db, NULL, "receipt_scanned", who, id, 0, "", "",
                            "receipt_scanned", "", receipt_no, NULL, err)) != KT_OK)
        goto out;
    if (ticket_id > 0 && (rc = pickup_link(s, db, pending, who, id, ticket_id, err)) != KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, id, out, err)) != KT_OK)
        goto out;
    if ((rc = handover_info(db, id, *out, err)) != KT_OK)
        goto out;
    if ((rc = svc_access_add(s, db, who, "read_application", svc_jstr(*out, "nik"), id, "",
                             receipt_no, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    if (rc != KT_OK) {
        json_decref(*out);
        *out = NULL;
    }
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_app_hand_over(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                          json_t **out, kt_error *err)
{
    kt_code rc;
    app_txn t;
    *out = NULL;
    if ((rc = svc_require(who, WF_ACT_HAND_OVER, err)) != KT_OK)
        return rc;
    const char *no = svc_jstr(in, "receipt_no"), *by = svc_jstr(in, "confirmed_by"),
               *note = svc_jstr(in, "note");
    char tok_no[40]; /* the receipt number of a scanned QR token, verified offline */
    if ((rc = svc_rec_token_receipt_no(s, in, tok_no, sizeof tok_no, err)) != KT_OK)
        return rc;
    if (tok_no[0] != '\0')
        no = tok_no;
    if (no == NULL || no[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "receipt_no",
                       "Nomor tanda terima wajib diisi");
    if (by == NULL || (strcmp(by, "ktp_receipt") != 0 && strcmp(by, "fingerprint") != 0 &&
                       strcmp(by, "document") != 0))
        return kt_fail(err, KT_EINVAL, "confirmed_by_invalid", "confirmed_by",
                       "confirmed_by harus ktp_receipt, fingerprint atau document");
    if (note != NULL && strlen(note) > 500)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note", "Catatan lebih dari 500 karakter");
    int64_t pickup_ticket = 0;
    if ((rc = pickup_ticket_of(in, &pickup_ticket, err)) != KT_OK)
        return rc;
    if ((rc = txn_begin(s, app_id, &t, err)) != KT_OK)
        goto out;
    store_stmt *st = NULL;
    int row = 0;
    if ((rc = store_prepare(t.db, "SELECT receipt_no FROM receipts WHERE application_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int match = row && strcmp(store_col_text(st, 0), no) == 0;
    store_reset(st);
    wf_state to;
    if ((rc = wf_next(t.state, WF_ACT_HAND_OVER, &to, err)) != KT_OK)
        goto out;
    if (!match) {
        rc = kt_fail(err, KT_EREFUSED, "receipt_mismatch", "receipt_no",
                     "Nomor tanda terima %s bukan milik permohonan ini", no);
        goto out;
    }
    if ((rc = svc_rec_receipt_use(s, t.db, t.nik, no, in, err)) != KT_OK) /* used once */
        goto out;
    if (pickup_ticket > 0 &&
        (rc = pickup_link(s, t.db, t.pending, who, app_id, pickup_ticket, err)) != KT_OK)
        goto out;
    if (strcmp(by, "fingerprint") == 0 &&
        (rc = svc_afis_require_verified(s, t.db, app_id, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(t.db,
                            "INSERT INTO handovers (application_id, receipt_no, confirmed_by,"
                            " note, at, user_id) VALUES (?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, no, -1);
    store_bind_text(st, 3, by, -1);
    store_bind_text(st, 4, note != NULL ? note : "", -1);
    store_bind_int(st, 5, svc_now(s));
    store_bind_int(st, 6, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = app_move(s, t.db, t.pending, who, app_id, t.nik, t.state, WF_ACT_HAND_OVER, to,
                       "", note != NULL ? note : "", err)) != KT_OK)
        goto out;
    if ((rc = svc_link_on_handover(s, t.db, who, app_id, t.nik, no, by, err)) != KT_OK)
        goto out;
    rc = txn_finish(s, app_id, &t, out, err);
out:
    txn_end(s, &t);
    return rc;
}

kt_code svc_app_events(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                       kt_error *err)
{
    kt_code rc;
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *arr = NULL, *app = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, app_id, &app, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT at, action, from_state, to_state, username, role, reason,"
                            " note, user_id, loket FROM events WHERE application_id = ?"
                            " ORDER BY id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        const char *from = store_col_text(st, 2), *reason = store_col_text(st, 6),
                   *note = store_col_text(st, 7);
        json_t *e = json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:I, s:i}", "at",
                              (json_int_t)store_col_int(st, 0), "action", store_col_text(st, 1),
                              "from", from[0] ? from : NULL, "to", store_col_text(st, 3),
                              "username", store_col_text(st, 4), "role", store_col_text(st, 5),
                              "reason", reason[0] ? reason : NULL, "note",
                              note[0] ? note : NULL, "user_id",
                              (json_int_t)store_col_int(st, 8), "loket",
                              (int)store_col_int(st, 9));
        json_array_append_new(arr, e);
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    if ((rc = svc_access_record(s, who, "read_application_events", svc_jstr(app, "nik"), app_id,
                                "", "", err)) != KT_OK)
        goto out;
    *out = arr;
    arr = NULL;
out:
    svc_conn_put(s, db);
    json_decref(arr);
    json_decref(app);
    return rc;
}

kt_code svc_app_move(svc *s, store *db, json_t *pending, const svc_actor *who, int64_t id,
                     const char *nik, wf_state from, wf_action act, wf_state to,
                     const char *reason, const char *note, kt_error *err)
{
    return app_move(s, db, pending, who, id, nik, from, act, to, reason, note, err);
}
