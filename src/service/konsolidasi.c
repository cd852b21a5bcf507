/*
 * konsolidasi.c - KONSOLIDASI: the consistency checks a supervisor runs over the office's
 * data before reporting to Disdukcapil. Each check lists what it found (at most
 * KONS_MAX_ITEMS items, with the full count):
 *
 *   nik_biodata        NIKs whose encoded birth date (DDMMYY, +40 for women) or sex disagrees
 *                      with the SIAK biodata, and NIKs that are malformed (core/nik.h)
 *   duplicate_nik      the same NIK on two residents. residents.nik is the PRIMARY KEY, so
 *                      SQLite refuses the second row; the check still groups by the NIK with
 *                      surrounding spaces removed, which also catches " 3671..." lookalikes
 *                      and a database copied without its constraint
 *   no_kk              residents with an empty KK number or one not in `families`
 *   biometric_files    recorded applications whose stored biometric file is gone
 *                      (file_missing), does not open under the data key (file_tampered:
 *                      altered, or moved from another slot) or whose SHA-256 no longer
 *                      matches the one recorded at upload (checksum_mismatch)
 *   duplicates_waiting applications in state duplicate (an AFIS hit) awaiting a decision
 *   stuck              open applications past the SOP standard of the step they wait in
 *                      (core/sla.h), and cards not handed over after the expected pickup day
 *   archive_unplaced   paper files filed while every archive box was full
 *   audit_chain        the audit trail's hash chains and signed checkpoints (audit.c): every
 *                      record edited, deleted or re-chained, every checkpoint that no longer
 *                      matches; the first break comes first
 *
 * The run is recorded in the access log with the NIKs its findings show.
 *
 * Never: repair anything (this is a report; a repair is a use case of its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nik.h"
#include "core/sla.h"
#include "core/words.h"
#include "seal/seal.h"
#include "service/rec_internal.h"
#include "service/service.h"

#define KONS_MAX_ITEMS 500

static const char *const kons_roles[] = {"supervisor", NULL};

typedef struct check {
    json_t *items; /* borrowed from the result */
    int64_t count;
} check;

static kt_code check_new(json_t *checks, const char *name, check *c, kt_error *err)
{
    json_t *o = json_pack("{s:I, s:[]}", "count", (json_int_t)0, "items");
    if (o == NULL)
        return svc_nomem(err);
    json_object_set_new(checks, name, o);
    c->items = json_object_get(o, "items");
    c->count = 0;
    return KT_OK;
}

static void check_add(check *c, json_t *item)
{
    c->count++;
    if (item != NULL && json_array_size(c->items) < KONS_MAX_ITEMS)
        json_array_append(c->items, item);
    json_decref(item);
}

static void check_close(json_t *checks, const char *name, const check *c)
{
    json_object_set_new(json_object_get(checks, name), "count", json_integer(c->count));
}

static kt_code nik_biodata(svc *s, store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    jkt_date today = svc_today(s);
    kt_code rc = store_prepare(db, "SELECT nik, birth_date, sex, name FROM residents ORDER BY nik",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        nik_info info;
        nik_items w;
        jkt_date bd;
        const char *nik = store_col_text(st, 0), *sex = store_col_text(st, 2);
        memset(&w, 0, sizeof w);
        if (nik_analyze(nik, NULL, today, &info) != KT_OK) {
            check_add(c, json_pack("{s:s, s:s, s:s, s:s}", "nik", nik, "name",
                                   store_col_text(st, 3), "problem",
                                   info.errors.n > 0 ? info.errors.item[0].id : "nik_invalid",
                                   "message",
                                   info.errors.n > 0 ? info.errors.item[0].message : ""));
            continue;
        }
        if (jkt_date_parse(store_col_text(st, 1), "birth_date", &bd, NULL) != KT_OK) {
            check_add(c, json_pack("{s:s, s:s, s:s, s:s}", "nik", nik, "name",
                                   store_col_text(st, 3), "problem", "birth_date_invalid",
                                   "message", "Tanggal lahir SIAK tidak sah"));
            continue;
        }
        if (nik_check_biodata(&info, bd, sex[0], &w) > 0) {
            json_t *probs = json_array();
            for (int i = 0; i < w.n; i++)
                json_array_append_new(probs, json_string(w.item[i].id));
            check_add(c, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "nik", nik, "name",
                                   store_col_text(st, 3), "birth_date", store_col_text(st, 1),
                                   "sex", sex, "problems", probs, "message",
                                   w.item[0].message));
        }
    }
    store_reset(st);
    return rc;
}

static kt_code duplicate_nik(store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT trim(nik), count(*) FROM residents GROUP BY trim(nik)"
                               " HAVING count(*) > 1 ORDER BY 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        check_add(c, json_pack("{s:s, s:I}", "nik", store_col_text(st, 0), "residents",
                               (json_int_t)store_col_int(st, 1)));
    store_reset(st);
    return rc;
}

static kt_code no_kk(store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT r.nik, r.name, r.kk_number FROM residents r LEFT JOIN"
                               " families f ON f.kk_number = r.kk_number WHERE r.kk_number = ''"
                               " OR f.kk_number IS NULL ORDER BY r.nik",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        check_add(c, json_pack("{s:s, s:s, s:s, s:s}", "nik", store_col_text(st, 0), "name",
                               store_col_text(st, 1), "kk_number", store_col_text(st, 2),
                               "problem",
                               store_col_text(st, 2)[0] ? "kk_not_found" : "kk_empty"));
    store_reset(st);
    return rc;
}

/* Every stored file opens under the data key (not altered, not moved from another slot) and
   holds the bytes its row's SHA-256 names. */
static kt_code biometric_files(svc *s, store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT b.application_id, a.nik, b.slot, b.path, b.sha256 FROM"
                               " biometrics b JOIN applications a ON a.id = b.application_id"
                               " WHERE b.path != '' AND a.state IN ('recorded', 'receipt_issued',"
                               " 'sent', 'print_ready', 'duplicate', 'printed', 'handed_over')"
                               " ORDER BY b.application_id, b.slot",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        char hex[65];
        const char *problem = NULL;
        void *data = NULL;
        size_t len = 0;
        kt_error ferr;
        kt_code frc = svc_bio_read(s, store_col_int(st, 0), store_col_text(st, 2),
                                   store_col_text(st, 3), &data, &len, &ferr);
        if (frc == KT_ENOMEM) {
            rc = frc;
            *err = ferr;
            break;
        }
        if (frc == KT_EREFUSED) {
            problem = "file_tampered";
        } else if (frc != KT_OK) {
            problem = "file_missing";
        } else {
            svc_sha256_hex(data, len, hex);
            if (strcmp(hex, store_col_text(st, 4)) != 0)
                problem = "checksum_mismatch";
        }
        seal_free_secret(data, len);
        if (problem != NULL)
            check_add(c, json_pack("{s:I, s:s, s:s, s:s, s:s}", "application_id",
                                   (json_int_t)store_col_int(st, 0), "nik", store_col_text(st, 1),
                                   "slot", store_col_text(st, 2), "path", store_col_text(st, 3),
                                   "problem", problem));
    }
    store_reset(st);
    return rc;
}

static kt_code duplicates_waiting(svc *s, store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT id, nik, kind, updated_at FROM applications WHERE state ="
                               " 'duplicate' ORDER BY updated_at",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        check_add(c, json_pack("{s:I, s:s, s:s, s:I, s:I}", "application_id",
                               (json_int_t)store_col_int(st, 0), "nik", store_col_text(st, 1),
                               "kind", store_col_text(st, 2), "since",
                               (json_int_t)store_col_int(st, 3), "waiting_ms",
                               (json_int_t)(svc_now(s) - store_col_int(st, 3))));
    store_reset(st);
    return rc;
}

/* The SOP step an application in `state` waits in, or -1 when it waits at Disdukcapil
   (judged by the expected pickup day) or is finished. */
static int waiting_step(const char *state)
{
    if (strcmp(state, "called") == 0)
        return SLA_INTAKE;
    if (strcmp(state, "checked") == 0)
        return SLA_RECORDING;
    if (strcmp(state, "recorded") == 0 || strcmp(state, "data_changed") == 0)
        return SLA_RECEIPT;
    return -1;
}

static kt_code stuck(svc *s, store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    int64_t now = svc_now(s);
    char today[JKT_DATE_STRLEN];
    jkt_date_format(svc_today(s), today);
    kt_code rc = store_prepare(db,
                               "SELECT a.id, a.nik, a.state, a.updated_at,"
                               " COALESCE(r.expected_pickup, '') FROM applications a LEFT JOIN"
                               " receipts r ON r.application_id = a.id WHERE a.state NOT IN"
                               " ('incomplete', 'referred', 'rejected', 'handed_over',"
                               " 'duplicate') ORDER BY a.updated_at",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        const char *state = store_col_text(st, 2), *pickup = store_col_text(st, 4);
        int64_t since = store_col_int(st, 3);
        int k = waiting_step(state);
        if (k >= 0) {
            int64_t std = sla_standard_ms((sla_step)k);
            if (now - since > std)
                check_add(c, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I}", "application_id",
                                       (json_int_t)store_col_int(st, 0), "nik",
                                       store_col_text(st, 1), "state", state, "step",
                                       sla_step_str((sla_step)k), "since", (json_int_t)since,
                                       "standard_ms", (json_int_t)std, "over_ms",
                                       (json_int_t)(now - since - std)));
        } else if (pickup[0] != '\0' && strcmp(today, pickup) > 0) {
            check_add(c, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "application_id",
                                   (json_int_t)store_col_int(st, 0), "nik",
                                   store_col_text(st, 1), "state", state, "step", "pickup",
                                   "since", (json_int_t)since, "expected_pickup", pickup));
        }
    }
    store_reset(st);
    return rc;
}

static kt_code archive_unplaced(store *db, check *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT application_id, filed_at FROM archive_files WHERE box_id"
                               " IS NULL ORDER BY filed_at",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        check_add(c, json_pack("{s:I, s:I}", "application_id", (json_int_t)store_col_int(st, 0),
                               "filed_at", (json_int_t)store_col_int(st, 1)));
    store_reset(st);
    return rc;
}

/* i-th field helpers for the words below */
static const char *fs(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v != NULL ? v : "";
}
static long long fi(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The finding in words, for the supervisor's screen (issue 10: findings appeared as raw
   key=value text with epoch milliseconds): each item gets "text", each check its "label". */
static void words_of_item(int64_t now, const char *name, json_t *it)
{
    char t[512], a[64], b[64];
    (void)now;
    t[0] = '\0';
    if (strcmp(name, "nik_biodata") == 0) {
        snprintf(t, sizeof t, "NIK %s (%s): %s", fs(it, "nik"), fs(it, "name"),
                 fs(it, "message"));
    } else if (strcmp(name, "duplicate_nik") == 0) {
        snprintf(t, sizeof t, "NIK %s tercatat pada %lld penduduk", fs(it, "nik"),
                 fi(it, "residents"));
    } else if (strcmp(name, "no_kk") == 0) {
        if (strcmp(fs(it, "problem"), "kk_empty") == 0)
            snprintf(t, sizeof t, "NIK %s (%s): nomor KK kosong", fs(it, "nik"), fs(it, "name"));
        else
            snprintf(t, sizeof t, "NIK %s (%s): KK %s tidak ada di data keluarga", fs(it, "nik"),
                     fs(it, "name"), fs(it, "kk_number"));
    } else if (strcmp(name, "biometric_files") == 0) {
        snprintf(t, sizeof t, "Permohonan #%lld (NIK %s): berkas %s %s", fi(it, "application_id"),
                 fs(it, "nik"), fs(it, "slot"),
                 strcmp(fs(it, "problem"), "file_missing") == 0
                     ? "tidak ditemukan"
                     : "berubah sejak disimpan (sidik SHA-256 tidak cocok)");
    } else if (strcmp(name, "duplicates_waiting") == 0) {
        words_datetime(fi(it, "since"), a, sizeof a);
        words_duration(fi(it, "waiting_ms"), b, sizeof b);
        snprintf(t, sizeof t, "Permohonan #%lld (%s, NIK %s) menunggu keputusan sejak %s (%s)",
                 fi(it, "application_id"), words_or_id(WORDS_KIND, fs(it, "kind")),
                 fs(it, "nik"), a, b);
    } else if (strcmp(name, "stuck") == 0) {
        words_datetime(fi(it, "since"), a, sizeof a);
        if (strcmp(fs(it, "step"), "pickup") == 0) {
            jkt_date d;
            if (jkt_date_parse(fs(it, "expected_pickup"), "", &d, NULL) == KT_OK)
                words_date(d, b, sizeof b);
            else
                snprintf(b, sizeof b, "%s", fs(it, "expected_pickup"));
            snprintf(t, sizeof t, "Permohonan #%lld (NIK %s, %s): KTP-el belum diambil; "
                     "perkiraan pengambilan %s", fi(it, "application_id"), fs(it, "nik"),
                     words_or_id(WORDS_STATE, fs(it, "state")), b);
        } else {
            words_duration(fi(it, "over_ms"), b, sizeof b);
            snprintf(t, sizeof t, "Permohonan #%lld (NIK %s) tertahan di langkah \"%s\" sejak "
                     "%s, %s melewati standar", fi(it, "application_id"), fs(it, "nik"),
                     words_or_id(WORDS_STEP, fs(it, "step")), a, b);
        }
    } else if (strcmp(name, "archive_unplaced") == 0) {
        words_datetime(fi(it, "filed_at"), a, sizeof a);
        snprintf(t, sizeof t, "Permohonan #%lld: berkas diarsipkan %s belum mendapat tempat di "
                 "rak arsip", fi(it, "application_id"), a);
    } else if (strcmp(name, "audit_chain") == 0) {
        snprintf(t, sizeof t, "%s", fs(it, "message")); /* audit.c words its problems */
    }
    json_object_set_new(it, "text", json_string(t));
}

static void words_of_check(int64_t now, const char *name, json_t *c)
{
    size_t i;
    json_t *it;
    json_object_set_new(c, "label", json_string(words_or_id(WORDS_CHECK, name)));
    json_array_foreach(json_object_get(c, "items"), i, it)
        if (json_is_object(it))
            words_of_item(now, name, it);
}

kt_code svc_konsolidasi(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    static const char *const names[] = {"nik_biodata",     "duplicate_nik",      "no_kk",
                                        "biometric_files", "duplicates_waiting", "stuck",
                                        "archive_unplaced"};
    store *db = NULL;
    json_t *res = NULL, *checks = NULL;
    check c[7];
    kt_code rc = svc_rec_require_roles(who, kons_roles, "menjalankan konsolidasi", err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    res = json_pack("{s:I, s:{}}", "generated_at", (json_int_t)svc_now(s), "checks");
    if (res == NULL)
        return svc_nomem(err);
    checks = json_object_get(res, "checks");
    for (int i = 0; i < 7; i++)
        if ((rc = check_new(checks, names[i], &c[i], err)) != KT_OK)
            goto out;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = nik_biodata(s, db, &c[0], err)) != KT_OK ||
        (rc = duplicate_nik(db, &c[1], err)) != KT_OK || (rc = no_kk(db, &c[2], err)) != KT_OK ||
        (rc = biometric_files(s, db, &c[3], err)) != KT_OK ||
        (rc = duplicates_waiting(s, db, &c[4], err)) != KT_OK ||
        (rc = stuck(s, db, &c[5], err)) != KT_OK ||
        (rc = archive_unplaced(db, &c[6], err)) != KT_OK)
        goto out;
    int64_t total = 0;
    for (int i = 0; i < 7; i++) {
        check_close(checks, names[i], &c[i]);
        total += c[i].count;
        words_of_check(svc_now(s), names[i], json_object_get(checks, names[i]));
    }
    svc_conn_put(s, db);
    db = NULL;
    /* The audit trail: its problems are findings like any other. */
    json_t *audit = NULL;
    if ((rc = svc_audit_verify(s, who, NULL, &audit, err)) != KT_OK)
        goto out;
    json_t *ac = json_pack("{s:I, s:O, s:O}", "count",
                           (json_int_t)json_integer_value(json_object_get(audit, "problem_count")),
                           "items", json_object_get(audit, "problems"), "chains",
                           json_object_get(audit, "chains"));
    json_decref(audit);
    if (ac == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    total += json_integer_value(json_object_get(ac, "count"));
    words_of_check(svc_now(s), "audit_chain", ac);
    json_object_set_new(checks, "audit_chain", ac);
    json_object_set_new(res, "findings", json_integer(total));
    /* Who saw which residents' findings. */
    char *subj = NULL;
    {
        rec_buf b = {0};
        for (int i = 0; i < 7 && rc == KT_OK; i++) {
            char *one = svc_access_subjects(c[i].items, "nik");
            if (one == NULL || (one[0] != '\0' &&
                                rec_buf_add(&b, "%s%s", b.n > 0 ? " " : "", one) != 0))
                rc = svc_nomem(err);
            free(one);
        }
        subj = b.p;
    }
    if (rc == KT_OK)
        rc = svc_access_record(s, who, "konsolidasi", "", 0, subj != NULL ? subj : "", "", err);
    free(subj);
    if (rc != KT_OK)
        goto out;
    *out = res;
    res = NULL;
out:
    svc_conn_put(s, db);
    json_decref(res);
    return rc;
}
