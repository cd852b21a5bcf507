/*
 * kiosk.c - the kiosk's side of issue 9: registered kiosk devices, and priority as a claim
 * that the officer who calls the ticket confirms or declines.
 *
 * Devices. Taking a ticket needs no login (a citizen at the kiosk), so without more anyone on
 * the LAN could take every number of the day. A real kiosk is a device the office set up: the
 * admin registers it (svc_kiosk_add) and gets a secret once, which the kiosk page keeps in its
 * browser storage and sends with every ticket. The HTTP layer gives a registered kiosk a rate
 * a person at a touch screen never exceeds, and any other client a small budget per address
 * (docs/security.md). Only the SHA-256 of a secret is stored (as for sessions), so the
 * database registers no device; a revoked kiosk is refused at once.
 *
 * Priority (SOP: lansia, disabilitas, ibu hamil are served first) is chosen by the citizen at
 * the kiosk, so it is only a claim: when the ticket is called, the officer sees the person and
 * confirms the claim, or declines it - then the ticket goes back to the regular queue in its
 * place by the time it was taken (so a false claim gains nothing), with priority 0. Both are
 * audit events with the officer and the loket.
 *
 * Never: return or log a kiosk secret after svc_kiosk_add, or let anyone but the officer at
 *        the calling loket decide a claim.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "service/svc_internal.h"

#define KIOSK_NAME_MAX 48

kt_code svc_kiosk_add(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                      kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char token[65], th[65];
    const char *name = svc_jstr(in, "name");
    kt_code rc;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if (name == NULL || name[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "name",
                       "Nama kios wajib diisi, mis. \"Kios lobi\"");
    if (strlen(name) > KIOSK_NAME_MAX)
        return kt_fail(err, KT_EINVAL, "name_too_long", "name",
                       "Nama kios paling banyak %d karakter", KIOSK_NAME_MAX);
    for (const char *c = name; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return kt_fail(err, KT_EINVAL, "name_invalid", "name",
                           "Nama kios tidak boleh berisi karakter kendali");
    svc_secret_new(token, th); /* the kiosks table keeps SHA-256 of the secret */
    int64_t now = svc_now(s);
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO kiosks (name, token_hash, created_at, created_by)"
                            " VALUES (?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, name, -1);
    store_bind_text(st, 2, th, -1);
    store_bind_int(st, 3, now);
    if (who->user_id > 0)
        store_bind_int(st, 4, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    int64_t id = store_last_id(db);
    if ((rc = svc_event_add(s, db, pending, "kiosk_added", who, 0, 0, "", "", "kiosk_add", "",
                            name, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "name", name, "token", token,
                     "created_at", (json_int_t)now);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    sodium_memzero(token, sizeof token);
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_kiosk_list(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *arr = NULL;
    char day[JKT_DATE_STRLEN];
    int row = 0;
    kt_code rc;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    jkt_service_day_str(svc_now(s), day);
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT k.id, k.name, k.created_at, k.revoked_at,"
                            " (SELECT count(*) FROM tickets t WHERE t.kiosk_id = k.id AND"
                            " t.day = ?) FROM kiosks k ORDER BY k.id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *k = json_pack("{s:I, s:s, s:I, s:o, s:I}", "id", (json_int_t)store_col_int(st, 0),
                              "name", store_col_text(st, 1), "created_at",
                              (json_int_t)store_col_int(st, 2), "revoked_at",
                              store_col_null(st, 3) ? json_null()
                                                    : json_integer(store_col_int(st, 3)),
                              "tickets_today", (json_int_t)store_col_int(st, 4));
        if (k == NULL || json_array_append_new(arr, k) != 0) {
            rc = svc_nomem(err);
            break;
        }
    }
    store_reset(st);
    if (rc == KT_OK) {
        *out = arr;
        arr = NULL;
    }
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}

kt_code svc_kiosk_revoke(svc *s, const svc_actor *who, int64_t kiosk_id, json_t **out,
                         kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char name[KIOSK_NAME_MAX * 4 + 1] = "";
    kt_code rc;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_id(db, "SELECT name, revoked_at FROM kiosks WHERE id = ?", kiosk_id,
                            &st, err, "kiosk_not_found", "id", "Kios %lld tidak terdaftar",
                            (long long)kiosk_id)) != KT_OK)
        goto out;
    snprintf(name, sizeof name, "%s", store_col_text(st, 0));
    int revoked = !store_col_null(st, 1);
    store_reset(st);
    if (revoked) {
        rc = kt_fail(err, KT_ECONFLICT, "kiosk_revoked", "id", "Kios '%s' sudah dicabut", name);
        goto out;
    }
    int64_t now = svc_now(s);
    if ((rc = store_prepare(db, "UPDATE kiosks SET revoked_at = ? WHERE id = ?", &st, err)) !=
        KT_OK)
        goto out;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, kiosk_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "kiosk_revoked", who, 0, 0, "", "", "kiosk_revoke",
                            "", name, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)kiosk_id, "name", name, "revoked_at",
                     (json_int_t)now);
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

kt_code svc_kiosk_verify(svc *s, const char *token, svc_kiosk *out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    char th[65];
    size_t n = token != NULL ? strlen(token) : 0;
    kt_code rc;
    memset(out, 0, sizeof *out);
    /* the shape of a secret svc_kiosk_add made: anything else is not worth a query */
    if (n != 64 || strspn(token, "0123456789abcdef") != 64)
        return kt_fail(err, KT_EUNAUTH, "kiosk_unknown", "X-Ktpel-Kiosk",
                       "Perangkat kios ini tidak terdaftar; minta admin mendaftarkannya");
    svc_sha256_hex(token, strlen(token), th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    rc = svc_row_by_key(db,
                        "SELECT id, name FROM kiosks WHERE token_hash = ? AND revoked_at IS NULL",
                        th, &st, err, "kiosk_unknown", "X-Ktpel-Kiosk",
                        "Perangkat kios ini tidak terdaftar atau sudah dicabut; minta admin "
                        "mendaftarkannya");
    if (rc == KT_OK) {
        out->id = store_col_int(st, 0);
        snprintf(out->name, sizeof out->name, "%s", store_col_text(st, 1));
        store_reset(st);
    } else if (rc == KT_ENOTFOUND) {
        err->code = rc = KT_EUNAUTH;
    }
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_ticket_priority(svc *s, const svc_actor *who, int64_t ticket_id, const json_t *in,
                            json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *t = NULL;
    wf_role role;
    kt_code rc;
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (!wf_ticket_role_allows(WF_TICKET_CALL, role))
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak memanggil antrian, jadi tidak memutus prioritas",
                       who->role);
    json_t *jc = json_object_get(in, "confirm");
    if (!json_is_boolean(jc))
        return kt_fail(err, KT_EINVAL, "confirm_invalid", "confirm",
                       "confirm harus true (prioritas dibenarkan) atau false (ditolak)");
    int confirm = json_is_true(jc);
    const char *note = svc_jstr(in, "note");
    if (note == NULL)
        note = "";
    if (strlen(note) > 200)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note",
                       "Catatan paling banyak 200 karakter");
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_id(db,
                            "SELECT state, priority, priority_check, loket, called_by, code"
                            " FROM tickets WHERE id = ?",
                            ticket_id, &st, err, "ticket_not_found", "ticket_id",
                            "Tiket %lld tidak ditemukan", (long long)ticket_id)) != KT_OK)
        goto out;
    char state[16], check[16], code[16];
    snprintf(state, sizeof state, "%s", store_col_text(st, 0));
    int priority = (int)store_col_int(st, 1);
    snprintf(check, sizeof check, "%s", store_col_text(st, 2));
    int loket = (int)store_col_int(st, 3);
    int64_t called_by = store_col_null(st, 4) ? 0 : store_col_int(st, 4);
    snprintf(code, sizeof code, "%s", store_col_text(st, 5));
    store_reset(st);
    if (!priority || check[0] != '\0') {
        rc = kt_fail(err, KT_ECONFLICT, "priority_not_claimed", "ticket_id",
                     check[0] != '\0' ? "Prioritas tiket %s sudah diputus" :
                                        "Tiket %s bukan tiket prioritas",
                     code);
        goto out;
    }
    if (strcmp(state, "called") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "ticket_not_called", "ticket_id",
                     "Tiket %s belum dipanggil: prioritas diputus saat pemohon di loket", code);
        goto out;
    }
    /* the officer who called it: at that loket, or the one who pressed "call" */
    if (role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM && loket != who->loket &&
        (who->user_id == 0 || called_by != who->user_id)) {
        rc = kt_fail(err, KT_EFORBIDDEN, "not_your_ticket", "ticket_id",
                     "Tiket %s dipanggil ke loket %d; hanya petugas loket itu yang memutus "
                     "prioritasnya",
                     code, loket);
        goto out;
    }
    if ((rc = store_prepare(db,
                            confirm ? "UPDATE tickets SET priority_check = 'confirmed' WHERE id = ?"
                                    : "UPDATE tickets SET priority_check = 'declined', priority = 0,"
                                      " state = 'waiting', loket = 0, called_at = NULL,"
                                      " called_by = NULL WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, ticket_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_ticket_load(db, ticket_id, &t, err)) != KT_OK)
        goto out;
    svc_actor a = *who;
    if (a.loket == 0)
        a.loket = loket;
    json_t *extra = json_pack("{s:{s:I, s:s, s:i, s:s}}", "ticket", "id", (json_int_t)ticket_id,
                              "number", code, "loket", confirm ? loket : 0, "service",
                              svc_jstr(t, "service"));
    if (extra == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_event_add(s, db, pending,
                       confirm ? "ticket_priority_confirmed" : "ticket_priority_declined", &a, 0,
                       ticket_id, "called", confirm ? "called" : "waiting",
                       confirm ? "confirm_priority" : "decline_priority", "", note, extra, err);
    json_decref(extra);
    if (rc != KT_OK)
        goto out;
    *out = t;
    t = NULL;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    json_decref(t);
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}
