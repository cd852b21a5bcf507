/*
 * link_cards.c - a linked kecamatan receives the cards Disdukcapil printed (issue 11 item 5):
 * the shipments it learns from the status feed, and the officer's confirmation that a
 * shipment arrived, card by card or whole. docs/internals/link.md, "The card's life".
 *
 * The central prints a card (CARD_PRINTED, with its serial) and puts it in a shipment to the
 * kecamatan (CARD_SHIPPED, with the shipment's number and how many of its cards are this
 * node's). Each CARD_SHIPPED entry is applied with the status cursor (link_node.c, one
 * transaction: exactly once), adding the card to its shipment here. When the box arrives, the
 * officer confirms it: each card ticked is received and its application moves print_ready ->
 * printed (the card is at the kecamatan: the handover loket may give it out); a card of the
 * shipment that is not ticked is `missing`, visible on the page and the dashboard until it
 * turns up. On a linked node this is the only way to `printed`: the manual "card arrived"
 * button is for an office that runs alone (svc_link_manual_check).
 *
 * Never: mark a card received that is not in a shipment the central sent; confirm a shipment
 * whose entries have not all arrived (the officer would tick against an incomplete list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/link_hooks.h"
#include "service/link_node.h"

#define SHIP_NO_MAX 39

/* ---- the status feed's CARD_SHIPPED (inside the apply transaction) ----------------------- */

kt_code svc_link_card_news(svc *s, store *db, const json_t *e, kt_error *err)
{
    const char *status = svc_jstr(e, "status");
    if (status == NULL || strcmp(status, "CARD_SHIPPED") != 0)
        return KT_OK;
    const char *no = svc_jstr(e, "shipment_no"), *serial = svc_jstr(e, "card_serial"),
               *pid = svc_jstr(e, "packet_id"), *nik = svc_jstr(e, "nik");
    json_int_t app = json_integer_value(json_object_get(e, "application_id")),
               cards = json_integer_value(json_object_get(e, "shipment_cards"));
    if (no == NULL || no[0] == '\0' || strlen(no) > SHIP_NO_MAX || serial == NULL ||
        strlen(serial) > 39 || pid == NULL || nik == NULL || app < 1 || cards < 1 ||
        cards > 100000)
        return kt_fail(err, KT_EINVAL, "status_malformed", "entries",
                       "Kabar kiriman kartu dari Disdukcapil salah bentuk (nomor %lld)",
                       (long long)json_integer_value(json_object_get(e, "seq")));
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "INSERT INTO link_shipments (shipment_no, cards, shipped_at,"
                               " noted_at) VALUES (?, ?, ?, ?) ON CONFLICT (shipment_no) DO"
                               " UPDATE SET cards = excluded.cards",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, no, -1);
    store_bind_int(st, 2, cards);
    store_bind_int(st, 3, json_integer_value(json_object_get(e, "at")));
    store_bind_int(st, 4, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "INSERT INTO link_shipment_cards (shipment_no, application_id,"
                            " packet_id, nik, card_serial, state) VALUES (?, ?, ?, ?, ?,"
                            " 'shipped') ON CONFLICT (shipment_no, application_id) DO NOTHING",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, no, -1);
    store_bind_int(st, 2, app);
    store_bind_text(st, 3, pid, -1);
    store_bind_text(st, 4, nik, -1);
    store_bind_text(st, 5, serial, -1);
    return store_run(st, err);
}

/* ---- the page: shipments and their cards --------------------------------------------- */

/* Counts for the Kiriman page's summary and the dashboard: shipments not yet confirmed, cards
   missing from confirmed ones. */
kt_code svc_link_card_counts(store *db, int64_t *waiting, int64_t *missing, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT (SELECT count(*) FROM link_shipments WHERE received_at IS"
                               " NULL), (SELECT count(*) FROM link_shipment_cards WHERE state ="
                               " 'missing')",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) == KT_OK && row) {
        *waiting = store_col_int(st, 0);
        *missing = store_col_int(st, 1);
    }
    store_reset(st);
    return rc;
}

/* The cards of one shipment (with the resident's name and the application's state). */
static kt_code cards_of(store *db, const char *no, json_t *into, int64_t *counted, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    *counted = 0;
    kt_code rc = store_prepare(db,
                               "SELECT c.application_id, c.packet_id, c.nik, c.card_serial,"
                               " c.state, c.received_at, a.state, r.name FROM link_shipment_cards"
                               " c LEFT JOIN applications a ON a.id = c.application_id LEFT JOIN"
                               " residents r ON r.nik = c.nik WHERE c.shipment_no = ? ORDER BY"
                               " c.application_id",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, no, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *c = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?}", "application_id",
                              (json_int_t)store_col_int(st, 0), "packet_id",
                              store_col_text(st, 1), "nik", store_col_text(st, 2), "card_serial",
                              store_col_text(st, 3), "state", store_col_text(st, 4),
                              "application_state",
                              store_col_null(st, 6) ? NULL : store_col_text(st, 6), "name",
                              store_col_null(st, 7) ? NULL : store_col_text(st, 7));
        if (c != NULL)
            json_object_set_new(c, "received_at", store_col_null(st, 5)
                                                      ? json_null()
                                                      : json_integer(store_col_int(st, 5)));
        json_array_append_new(into, c);
        (*counted)++;
    }
    store_reset(st);
    return rc;
}

/* One shipment as JSON: number, times, its cards and their counts. */
static kt_code shipment_json(store_stmt *st, json_t **out, kt_error *err)
{
    char no[SHIP_NO_MAX + 1];
    snprintf(no, sizeof no, "%s", store_col_text(st, 0));
    json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "shipment_no", no, "cards",
                          (json_int_t)store_col_int(st, 1), "shipped_at",
                          (json_int_t)store_col_int(st, 2), "noted_at",
                          (json_int_t)store_col_int(st, 3));
    json_t *cards = json_array();
    if (o == NULL || cards == NULL) {
        json_decref(o);
        json_decref(cards);
        return svc_nomem(err);
    }
    json_object_set_new(o, "received_at", store_col_null(st, 4)
                                              ? json_null()
                                              : json_integer(store_col_int(st, 4)));
    json_object_set_new(o, "received_by", store_col_null(st, 5) ? json_null()
                                                                : json_string(store_col_text(st, 5)));
    json_object_set_new(o, "records", cards);
    *out = o;
    return KT_OK;
}

#define SHIP_COLS                                                                              \
    "SELECT s.shipment_no, s.cards, s.shipped_at, s.noted_at, s.received_at, u.username FROM"  \
    " link_shipments s LEFT JOIN users u ON u.id = s.received_by"

/* Fill each shipment's cards and counts (after the shipments' own statement is done: one
   statement at a time on a connection). */
static kt_code fill_cards(store *db, json_t *list, kt_error *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        json_t *cards = json_object_get(o, "records");
        int64_t n = 0;
        kt_code rc = cards_of(db, json_string_value(json_object_get(o, "shipment_no")), cards, &n,
                              err);
        if (rc != KT_OK)
            return rc;
        int64_t got = 0, miss = 0;
        size_t k;
        json_t *c;
        json_array_foreach(cards, k, c) {
            got += strcmp(svc_jstr(c, "state"), "received") == 0;
            miss += strcmp(svc_jstr(c, "state"), "missing") == 0;
        }
        json_object_set_new(o, "listed", json_integer(n));
        json_object_set_new(o, "received", json_integer(got));
        json_object_set_new(o, "missing", json_integer(miss));
        /* All the shipment's entries have arrived: the list can be checked against the box. */
        json_object_set_new(o, "complete",
                            json_boolean(n >= json_integer_value(json_object_get(o, "cards"))));
    }
    return KT_OK;
}

/* The cards of every shipment of list are one view of several people: recorded as action and
   masked (svc_access_record_shown); detail the shipment number when there is one. */
static kt_code shipments_read(svc *s, const svc_actor *who, const char *action, json_t *list,
                              kt_error *err)
{
    json_t *all = json_array(); /* owned: borrows every shipment's cards */
    size_t i;
    json_t *o;
    kt_code rc = all != NULL ? KT_OK : svc_nomem(err);
    json_array_foreach(list, i, o) {
        if (rc == KT_OK && json_array_extend(all, json_object_get(o, "records")) != 0)
            rc = svc_nomem(err);
    }
    if (rc == KT_OK)
        rc = svc_access_record_shown(s, who, action,
                                     json_array_size(list) == 1
                                         ? svc_jstr(json_array_get(list, 0), "shipment_no")
                                         : "",
                                     all, err);
    json_decref(all);
    return rc;
}

kt_code svc_link_shipments(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *list = NULL;
    int row = 0;
    int64_t waiting = 0, missing = 0;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    if ((list = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* Those to receive first, then the latest received. */
    if ((rc = store_prepare(db,
                            SHIP_COLS " ORDER BY s.received_at IS NOT NULL, s.noted_at DESC,"
                                      " s.shipment_no LIMIT 100",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = NULL;
        if ((rc = shipment_json(st, &o, err)) != KT_OK)
            break;
        json_array_append_new(list, o);
    }
    store_reset(st);
    if (rc != KT_OK || (rc = fill_cards(db, list, err)) != KT_OK ||
        (rc = svc_link_card_counts(db, &waiting, &missing, err)) != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* A list of people: recorded before it is released, whole NIKs for the supervisor only
       (docs/security.md "Reads are recorded", "NIK masking"). */
    if ((rc = shipments_read(s, who, "link_shipments", list, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:O, s:I, s:I}", "shipments", list, "waiting", (json_int_t)waiting,
                          "missing_cards", (json_int_t)missing)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(list);
    return rc;
}

/* ---- the officer confirms a shipment ---------------------------------------------------- */

/* Is app among the ids (NULL = all)? */
static int picked(const json_t *ids, int64_t app)
{
    size_t i;
    json_t *v;
    if (ids == NULL)
        return 1;
    json_array_foreach(ids, i, v) if (json_integer_value(v) == app) return 1;
    return 0;
}

/* One card received: its row, and its application print_ready -> printed. */
static kt_code card_receive(svc *s, store *db, json_t *pending, const svc_actor *who,
                            const char *no, int64_t app, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "UPDATE link_shipment_cards SET state = 'received', received_at ="
                               " ?, received_by = ? WHERE shipment_no = ? AND application_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(s));
    store_bind_int(st, 2, who->user_id);
    store_bind_text(st, 3, no, -1);
    store_bind_int(st, 4, app);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT state, nik FROM applications WHERE id = ?", &st, err)) !=
        KT_OK)
        return rc;
    store_bind_int(st, 1, app);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    wf_state from = WF_STATE_NONE;
    char nik[17] = "";
    int known = row && wf_state_from_str(store_col_text(st, 0), &from);
    if (row)
        snprintf(nik, sizeof nik, "%s", store_col_text(st, 1));
    store_reset(st);
    /* An application that is not print_ready (already printed, or closed) keeps its state:
       the card is received all the same and the page shows the application's state. */
    if (!known || !wf_can(from, WF_ACT_PRINT))
        return KT_OK;
    wf_state to;
    if ((rc = wf_next(from, WF_ACT_PRINT, &to, err)) != KT_OK)
        return rc;
    char note[80];
    snprintf(note, sizeof note, "kiriman %s", no);
    return svc_app_move(s, db, pending, who, app, nik, from, WF_ACT_PRINT, to, "", note, err);
}

kt_code svc_link_shipment_receive(svc *s, const svc_actor *who, const char *no,
                                  const json_t *in, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *cards = NULL, *ship = NULL;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    wf_role role;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (!wf_role_allows(WF_ACT_PRINT, role))
        return kt_fail(err, KT_EFORBIDDEN, "forbidden_role", "role",
                       "Peran '%s' tidak menerima kiriman kartu", who->role);
    if (no == NULL || no[0] == '\0' || strlen(no) > SHIP_NO_MAX)
        return kt_fail(err, KT_EINVAL, "shipment_invalid", "shipment_no",
                       "Nomor kiriman tidak sah");
    const json_t *ids = json_object_get(in, "application_ids");
    if (ids != NULL) {
        size_t i;
        json_t *v;
        if (!json_is_array(ids) || json_array_size(ids) > 10000)
            return kt_fail(err, KT_EINVAL, "application_ids_invalid", "application_ids",
                           "application_ids harus daftar nomor permohonan");
        json_array_foreach(ids, i, v) if (!json_is_integer(v)) return kt_fail(
            err, KT_EINVAL, "application_ids_invalid", "application_ids",
            "application_ids[%zu] bukan nomor permohonan", i);
    }
    if ((cards = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db, SHIP_COLS " WHERE s.shipment_no = ?", no, &st, err,
                             "shipment_not_found", "shipment_no",
                             "Kiriman %s belum dikabarkan Disdukcapil ke kantor ini", no)) != KT_OK)
        goto out;
    int64_t expected = store_col_int(st, 1);
    int received_before = !store_col_null(st, 4);
    store_reset(st);
    int64_t listed = 0;
    if ((rc = cards_of(db, no, cards, &listed, err)) != KT_OK)
        goto out;
    if (listed < expected) {
        rc = kt_fail(err, KT_ECONFLICT, "shipment_incomplete", "shipment_no",
                     "Daftar kiriman %s belum lengkap dari Disdukcapil (%lld dari %lld kartu): "
                     "tekan Kirim sekarang lalu coba lagi",
                     no, (long long)listed, (long long)expected);
        goto out;
    }
    /* Every id named must be a card of this shipment; after the first confirmation, only a
       missing card can still be received. */
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        size_t k;
        json_t *c;
        const char *state = NULL;
        json_array_foreach(cards, k, c) if (json_integer_value(json_object_get(
                                                c, "application_id")) == json_integer_value(v))
            state = svc_jstr(c, "state");
        if (state == NULL) {
            rc = kt_fail(err, KT_EINVAL, "card_not_in_shipment", "application_ids",
                         "Permohonan #%lld tidak ada dalam kiriman %s",
                         (long long)json_integer_value(v), no);
            goto out;
        }
        if (received_before && strcmp(state, "missing") != 0) {
            rc = kt_fail(err, KT_ECONFLICT, "card_received", "application_ids",
                         "Kartu permohonan #%lld sudah diterima", (long long)json_integer_value(v));
            goto out;
        }
    }
    if (received_before && ids == NULL) {
        rc = kt_fail(err, KT_ECONFLICT, "shipment_received", "shipment_no",
                     "Kiriman %s sudah diterima; pilih kartu yang tadinya tidak ada", no);
        goto out;
    }
    int64_t got = 0, missing = 0;
    size_t k;
    json_t *c;
    json_array_foreach(cards, k, c) {
        int64_t app = json_integer_value(json_object_get(c, "application_id"));
        const char *state = svc_jstr(c, "state");
        if (picked(ids, app) && strcmp(state, "received") != 0) {
            if ((rc = card_receive(s, db, pending, who, no, app, err)) != KT_OK)
                goto out;
            got++;
        } else if (!received_before && strcmp(state, "shipped") == 0) {
            /* Not in the box: missing until it turns up. */
            if ((rc = store_prepare(db,
                                    "UPDATE link_shipment_cards SET state = 'missing' WHERE"
                                    " shipment_no = ? AND application_id = ?",
                                    &st, err)) != KT_OK)
                goto out;
            store_bind_text(st, 1, no, -1);
            store_bind_int(st, 2, app);
            if ((rc = store_run(st, err)) != KT_OK)
                goto out;
            missing++;
        }
    }
    if (!received_before) {
        if ((rc = store_prepare(db,
                                "UPDATE link_shipments SET received_at = ?, received_by = ? WHERE"
                                " shipment_no = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, svc_now(s));
        store_bind_int(st, 2, who->user_id);
        store_bind_text(st, 3, no, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    char note[120];
    snprintf(note, sizeof note, "%s: %lld diterima, %lld tidak ada", no, (long long)got,
             (long long)missing);
    if ((rc = svc_event_add(s, db, pending, "shipment_received", who, 0, 0, "", "",
                            "shipment_receive", "", note, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db, SHIP_COLS " WHERE s.shipment_no = ?", no, &st, err,
                             "shipment_not_found", "shipment_no", "Kiriman %s tidak ada", no)) !=
        KT_OK)
        goto out;
    rc = shipment_json(st, &ship, err);
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    json_t *one = json_array();
    if (one == NULL || json_array_append(one, ship) != 0) {
        json_decref(one);
        rc = svc_nomem(err);
        goto out;
    }
    rc = fill_cards(db, one, err);
    json_decref(one);
    if (rc != KT_OK)
        goto out;
    /* The answer lists the shipment's people: its read is recorded in the same transaction,
       NIKs masked for all but the supervisor. */
    char *subjects = svc_access_subjects(json_object_get(ship, "records"), "nik");
    rc = subjects != NULL
             ? svc_access_add(s, db, who, "link_shipments", "", 0, subjects, no, err)
             : svc_nomem(err);
    free(subjects);
    if (rc != KT_OK)
        goto out;
    if (!svc_full_nik(who))
        svc_nik_mask_list(json_object_get(ship, "records"), "nik");
    *out = ship;
    ship = NULL;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    json_decref(cards);
    json_decref(ship);
    return rc;
}
