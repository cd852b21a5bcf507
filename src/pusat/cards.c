/*
 * cards.c - the card's life at the central (issue 11 items 4, 5, 7): the print queue, the
 * print of a card with its serial, the blank cards (blanko) and the ribbon each print
 * consumes, and the shipments that take printed cards to their kecamatan.
 *
 * The national statuses (status_rekam_ktp_el.csv), in the order a record passes them here:
 *   PRINT_READY_RECORD -(officer queues it)-> SENT_FOR_CARD_PRINTING -(printed, serial
 *   recorded, one blanko and one ribbon print consumed)-> CARD_PRINTED -(put in a shipment to
 *   the kecamatan)-> CARD_SHIPPED -(the node hands it over, its card_issued packet)-> CARD_ISSUED.
 * Each step is one transaction with its status entry for the record's node (the node applies
 * it exactly once, service/link_cards.c) and its audit event.
 *
 * The stock is a ledger: every change writes pusat_stock_moves with the balance after it, in
 * the transaction of the print or the restock, so the blanko the registry answers for are
 * always accounted for. A print with no blanko or no ribbon left is refused and changes
 * nothing; at or below an item's low mark the answers and the pages say so.
 *
 * Roles: the registry's officer (supervisor, admin) queues, prints and ships; only the
 * administrator restocks (the stock is the registry's property, as node keys are).
 *
 * Never: consume stock without the card it printed; ship a card twice or to another kecamatan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat_internal.h"

#define LIST_MAX 500   /* records listed a state (the page pages nothing: a day's work fits) */
#define BATCH_MAX 500  /* records queued or shipped a request */

static const char *const ITEMS[] = {"blanko", "ribbon"};

/* ---- small helpers ------------------------------------------------------------------- */

typedef struct rec {
    int64_t id, app;
    char packet_id[40], node_id[24], kec[8], nik[17], status[40];
} rec;

/* One record's identity and status; KT_ENOTFOUND "record_not_found". */
static kt_code rec_get(store *db, int64_t id, rec *r, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_id(db,
                               "SELECT id, packet_id, node_id, kecamatan_code, application_id,"
                               " nik, status FROM pusat_records WHERE id = ?",
                               id, &st, err, "record_not_found", "id",
                               "Rekaman %lld tidak ditemukan", (long long)id);
    if (rc != KT_OK)
        return rc;
    memset(r, 0, sizeof *r);
    r->id = store_col_int(st, 0);
    snprintf(r->packet_id, sizeof r->packet_id, "%s", store_col_text(st, 1));
    snprintf(r->node_id, sizeof r->node_id, "%s", store_col_text(st, 2));
    snprintf(r->kec, sizeof r->kec, "%s", store_col_text(st, 3));
    r->app = store_col_int(st, 4);
    snprintf(r->nik, sizeof r->nik, "%s", store_col_text(st, 5));
    snprintf(r->status, sizeof r->status, "%s", store_col_text(st, 6));
    store_reset(st);
    return KT_OK;
}

/* Move a record to status (from the status it must be in), with its node's status entry and
   the audit event: the one way a card's status changes here. */
static kt_code rec_move(pusat *p, store *db, json_t *pending, const svc_actor *who,
                        const rec *r, const char *from, const char *to, const char *action,
                        const pusat_card_news *card, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_records SET status = ?, updated_at = ? WHERE id = ?"
                               " AND status = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, to, -1);
    store_bind_int(st, 2, svc_now(p->s));
    store_bind_int(st, 3, r->id);
    store_bind_text(st, 4, from, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (store_changes(db) != 1)
        return kt_fail(err, KT_ECONFLICT, "record_state", "id",
                       "Rekaman #%lld (NIK %s) berstatus %s, bukan %s", (long long)r->id,
                       r->nik, r->status, from);
    if ((rc = pusat_status_add_card(p, db, r->node_id, r->packet_id, r->app, r->nik, to, "", "",
                                    card, err)) != KT_OK)
        return rc;
    char note[120];
    snprintf(note, sizeof note, "%s%s%s", r->packet_id,
             card != NULL && card->card_serial[0] ? " kartu " : "",
             card != NULL ? card->card_serial : "");
    return svc_event_add(p->s, db, pending, "pusat_record", who, 0, 0, from, to, action, "", note,
                         NULL, err);
}

/* The record ids of in[key] (1..BATCH_MAX positive integers) into *ids (free()). */
static kt_code ids_of(const json_t *in, const char *key, int64_t **ids, size_t *n,
                      kt_error *err)
{
    json_t *a = json_object_get(in, key), *v;
    size_t i;
    *ids = NULL;
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > BATCH_MAX)
        return kt_fail(err, KT_EINVAL, "record_ids_invalid", key,
                       "%s harus daftar 1 sampai %d nomor rekaman", key, BATCH_MAX);
    if ((*ids = calloc(json_array_size(a), sizeof **ids)) == NULL)
        return svc_nomem(err);
    json_array_foreach(a, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            free(*ids);
            *ids = NULL;
            return kt_fail(err, KT_EINVAL, "record_ids_invalid", key,
                           "%s[%zu] bukan nomor rekaman", key, i);
        }
        for (size_t k = 0; k < *n; k++)
            if ((*ids)[k] == json_integer_value(v)) {
                free(*ids);
                *ids = NULL;
                return kt_fail(err, KT_EINVAL, "record_ids_invalid", key,
                               "Rekaman #%lld disebut dua kali", (long long)json_integer_value(v));
            }
        (*ids)[(*n)++] = json_integer_value(v);
    }
    return KT_OK;
}

/* ---- stock ---------------------------------------------------------------------------- */

static const char *item_word(const char *item)
{
    return strcmp(item, "blanko") == 0 ? "Blanko KTP-el" : "Pita printer (ribbon)";
}

/* The stock as JSON: [{item, quantity, low_at, low}] (new reference in *out). */
static kt_code stock_items(store *db, json_t **out, int *any_low, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    json_t *a = json_array();
    if (any_low != NULL)
        *any_low = 0;
    if (a == NULL)
        return svc_nomem(err);
    kt_code rc = store_prepare(db,
                               "SELECT item, quantity, low_at, updated_at FROM pusat_stock ORDER"
                               " BY item",
                               &st, err);
    while (rc == KT_OK && (rc = store_step(st, &row, err)) == KT_OK && row) {
        int64_t q = store_col_int(st, 1), low = store_col_int(st, 2);
        if (any_low != NULL && q <= low)
            *any_low = 1;
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:b, s:I}", "item",
                                           store_col_text(st, 0), "label",
                                           item_word(store_col_text(st, 0)), "quantity",
                                           (json_int_t)q, "low_at", (json_int_t)low, "low",
                                           q <= low, "updated_at",
                                           (json_int_t)store_col_int(st, 3)));
    }
    if (st != NULL)
        store_reset(st);
    if (rc != KT_OK) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return KT_OK;
}

/* Change one item by delta (never below 0) and write the ledger row, in the caller's
   transaction. A print that finds the item out refuses with stock_empty. *balance: after. */
static kt_code stock_move(pusat *p, store *db, const svc_actor *who, const char *item,
                          int64_t delta, const char *reason, int64_t record_id, const char *note,
                          int64_t *balance, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_stock SET quantity = quantity + ?, updated_at = ?"
                               " WHERE item = ? AND quantity + ? >= 0",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, delta);
    store_bind_int(st, 2, svc_now(p->s));
    store_bind_text(st, 3, item, -1);
    store_bind_int(st, 4, delta);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (store_changes(db) != 1)
        return kt_fail(err, KT_ECONFLICT, "stock_empty", item,
                       "%s habis: kartu tidak dapat dicetak. Admin Disdukcapil menambah stok di "
                       "halaman Cetak (bagian Stok)",
                       item_word(item));
    if ((rc = store_prepare(db, "SELECT quantity FROM pusat_stock WHERE item = ?", &st, err)) !=
        KT_OK)
        return rc;
    store_bind_text(st, 1, item, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *balance = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_stock_moves (item, delta, balance, reason,"
                            " record_id, note, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, item, -1);
    store_bind_int(st, 2, delta);
    store_bind_int(st, 3, *balance);
    store_bind_text(st, 4, reason, -1);
    if (record_id > 0)
        store_bind_int(st, 5, record_id);
    else
        store_bind_null(st, 5);
    store_bind_text(st, 6, note != NULL ? note : "", -1);
    store_bind_text(st, 7, who->username, -1);
    store_bind_int(st, 8, svc_now(p->s));
    return store_run(st, err);
}

kt_code pusat_stock(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *items = NULL, *moves = NULL;
    int row = 0, low = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((moves = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = stock_items(db, &items, &low, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT m.id, m.item, m.delta, m.balance, m.reason, m.record_id,"
                            " m.note, m.by_user, m.at, c.card_serial FROM pusat_stock_moves m"
                            " LEFT JOIN pusat_cards c ON c.record_id = m.record_id"
                            " ORDER BY m.id DESC LIMIT 50",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *m = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:I}", "id",
                              (json_int_t)store_col_int(st, 0), "item", store_col_text(st, 1),
                              "delta", (json_int_t)store_col_int(st, 2), "balance",
                              (json_int_t)store_col_int(st, 3), "reason", store_col_text(st, 4),
                              "note", store_col_text(st, 6), "by", store_col_text(st, 7), "at",
                              (json_int_t)store_col_int(st, 8));
        if (m != NULL && !store_col_null(st, 5)) {
            json_object_set_new(m, "record_id", json_integer(store_col_int(st, 5)));
            if (!store_col_null(st, 9))
                json_object_set_new(m, "card_serial", json_string(store_col_text(st, 9)));
        }
        json_array_append_new(moves, m);
    }
    store_reset(st);
    if (rc == KT_OK && (*out = json_pack("{s:O, s:O, s:b}", "items", items, "moves", moves,
                                         "low", low)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(items);
    json_decref(moves);
    return rc;
}

kt_code pusat_stock_restock(pusat *p, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *items = NULL;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    const char *item = svc_jstr(in, "item"), *note = svc_jstr(in, "note");
    json_t *q = json_object_get(in, "quantity"), *low = json_object_get(in, "low_at");
    int known = 0;
    for (size_t i = 0; item != NULL && i < sizeof ITEMS / sizeof ITEMS[0]; i++)
        known |= strcmp(item, ITEMS[i]) == 0;
    if (!known)
        return kt_fail(err, KT_EINVAL, "item_invalid", "item",
                       "Barang stok harus blanko atau ribbon");
    if (q != NULL && (!json_is_integer(q) || json_integer_value(q) < 1 ||
                      json_integer_value(q) > 1000000))
        return kt_fail(err, KT_EINVAL, "quantity_invalid", "quantity",
                       "Jumlah tambahan harus 1 sampai 1.000.000");
    if (low != NULL && (!json_is_integer(low) || json_integer_value(low) < 0 ||
                        json_integer_value(low) > 1000000))
        return kt_fail(err, KT_EINVAL, "low_at_invalid", "low_at",
                       "Batas stok menipis harus 0 sampai 1.000.000");
    if (q == NULL && low == NULL)
        return kt_fail(err, KT_EINVAL, "quantity_invalid", "quantity",
                       "Isi jumlah tambahan atau batas stok menipis");
    if (note != NULL && strlen(note) > 200)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note", "Catatan lebih dari 200 karakter");
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    char what[120] = "";
    if (q != NULL) {
        int64_t bal = 0;
        if ((rc = stock_move(p, db, who, item, json_integer_value(q), "restock", 0, note, &bal,
                             err)) != KT_OK)
            goto out;
        snprintf(what, sizeof what, "+%lld, sisa %lld", (long long)json_integer_value(q),
                 (long long)bal);
    }
    if (low != NULL) {
        if ((rc = store_prepare(db, "UPDATE pusat_stock SET low_at = ? WHERE item = ?", &st,
                                err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, json_integer_value(low));
        store_bind_text(st, 2, item, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        size_t l = strlen(what);
        snprintf(what + l, sizeof what - l, "%sbatas menipis %lld", l ? "; " : "",
                 (long long)json_integer_value(low));
    }
    if ((rc = svc_event_add(p->s, db, pending, "pusat_stock", who, 0, 0, "", item, "stock_restock",
                            "", what, NULL, err)) != KT_OK)
        goto out;
    int any_low = 0;
    if ((rc = stock_items(db, &items, &any_low, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:O, s:b}", "items", items, "low", any_low)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    json_decref(items);
    return rc;
}

/* ---- the print queue ------------------------------------------------------------------- */

/* Records of one status (at most LIST_MAX, oldest first), with the resident's name and the
   card when printed. */
static kt_code list_status(store *db, const char *status, json_t *into, int64_t *total,
                           kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT r.id, r.packet_id, r.node_id, r.kecamatan_code,"
                               " r.application_id, r.nik, r.kind, r.status, r.updated_at, s.name,"
                               " c.card_serial, c.printed_at, c.printed_by, n.name"
                               " FROM pusat_records r LEFT JOIN residents s ON s.nik = r.nik"
                               " LEFT JOIN pusat_cards c ON c.record_id = r.id"
                               " LEFT JOIN pusat_nodes n ON n.node_id = r.node_id"
                               " WHERE r.status = ? ORDER BY r.updated_at, r.id LIMIT ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, status, -1);
    store_bind_int(st, 2, LIST_MAX);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "id",
                              (json_int_t)store_col_int(st, 0), "packet_id",
                              store_col_text(st, 1), "node_id", store_col_text(st, 2),
                              "kecamatan_code", store_col_text(st, 3), "application_id",
                              (json_int_t)store_col_int(st, 4), "nik", store_col_text(st, 5),
                              "kind", store_col_text(st, 6), "status", store_col_text(st, 7),
                              "updated_at", (json_int_t)store_col_int(st, 8));
        if (o == NULL)
            continue;
        json_object_set_new(o, "name", store_col_null(st, 9) ? json_null()
                                                             : json_string(store_col_text(st, 9)));
        json_object_set_new(o, "kecamatan_name", store_col_null(st, 13)
                                                     ? json_null()
                                                     : json_string(store_col_text(st, 13)));
        if (!store_col_null(st, 10)) {
            json_object_set_new(o, "card_serial", json_string(store_col_text(st, 10)));
            json_object_set_new(o, "printed_at", json_integer(store_col_int(st, 11)));
            json_object_set_new(o, "printed_by", json_string(store_col_text(st, 12)));
        }
        json_array_append_new(into, o);
    }
    store_reset(st);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT count(*) FROM pusat_records WHERE status = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, status, -1);
    if ((rc = store_step(st, &row, err)) == KT_OK)
        *total = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    return rc;
}

/* The people of the lists o[keys[0..n-1]] are one view: recorded as action (detail: what was
   asked) and masked for all but the supervisor (svc_access_record_shown). */
static kt_code lists_read(pusat *p, const svc_actor *who, const char *action, const char *detail,
                          json_t *o, const char *const *keys, size_t n, kt_error *err)
{
    json_t *all = json_array(); /* owned: borrows the lists' objects */
    kt_code rc = all != NULL ? KT_OK : svc_nomem(err);
    for (size_t i = 0; rc == KT_OK && i < n; i++)
        if (json_array_extend(all, json_object_get(o, keys[i])) != 0)
            rc = svc_nomem(err);
    if (rc == KT_OK)
        rc = svc_access_record_shown(p->s, who, action, detail, all, err);
    json_decref(all);
    return rc;
}

kt_code pusat_print_queue(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    static const char *const keys[] = {"ready", "queued", "printed"};
    static const char *const statuses[] = {"PRINT_READY_RECORD", "SENT_FOR_CARD_PRINTING",
                                           "CARD_PRINTED"};
    kt_code rc;
    store *db = NULL;
    json_t *o = NULL, *items = NULL, *counts = NULL;
    int low = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((o = json_object()) == NULL || (counts = json_object()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    for (int i = 0; i < 3; i++) {
        json_t *a = json_array();
        int64_t total = 0;
        if (a == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        json_object_set_new(o, keys[i], a);
        if ((rc = list_status(db, statuses[i], a, &total, err)) != KT_OK)
            goto out;
        json_object_set_new(counts, keys[i], json_integer(total));
    }
    if ((rc = stock_items(db, &items, &low, err)) != KT_OK)
        goto out;
    svc_conn_put(p->s, db);
    db = NULL;
    /* Lists of people: recorded before they are released, whole NIKs for the supervisor
       only. */
    if ((rc = lists_read(p, who, "pusat_print_queue", "", o, keys, 3, err)) != KT_OK)
        goto out;
    json_object_set(o, "counts", counts);
    json_object_set(o, "stock", items);
    json_object_set_new(o, "stock_low", json_boolean(low));
    *out = o;
    o = NULL;
out:
    svc_conn_put(p->s, db);
    json_decref(o);
    json_decref(items);
    json_decref(counts);
    return rc;
}

kt_code pusat_print_enqueue(pusat *p, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    json_t *pending = NULL, *done = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((rc = ids_of(in, "record_ids", &ids, &n, err)) != KT_OK)
        return rc;
    if ((done = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    /* All or nothing: one record that is not ready refuses the whole request. */
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        rec r;
        if ((rc = rec_get(db, ids[i], &r, err)) != KT_OK ||
            (rc = rec_move(p, db, pending, who, &r, "PRINT_READY_RECORD",
                           "SENT_FOR_CARD_PRINTING", "print_queue", NULL, err)) != KT_OK)
            goto out;
        json_array_append_new(done, json_integer(r.id));
    }
    if ((*out = json_pack("{s:I, s:O}", "queued", (json_int_t)n, "record_ids", done)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    json_decref(done);
    free(ids);
    return rc;
}

/* A card's serial as printed on the chip and the card: 1..32 of A-Z, 0-9, '-'. */
static int serial_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 1 || n > 32 || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

kt_code pusat_card_print(pusat *p, const svc_actor *who, int64_t record_id, const json_t *in,
                         json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *items = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    const char *serial = svc_jstr(in, "card_serial");
    if (!serial_ok(serial))
        return kt_fail(err, KT_EINVAL, "card_serial_invalid", "card_serial",
                       "Nomor seri kartu harus 1-32 huruf besar, angka atau tanda '-'");
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    rec r;
    if ((rc = rec_get(db, record_id, &r, err)) != KT_OK)
        goto out;
    if (strcmp(r.status, "SENT_FOR_CARD_PRINTING") != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "record_state", "id",
                     "Rekaman #%lld (NIK %s) berstatus %s: hanya kartu di antrian cetak"
                     " (SENT_FOR_CARD_PRINTING) yang dicetak",
                     (long long)r.id, r.nik, r.status);
        goto out;
    }
    if ((rc = store_prepare(db, "SELECT record_id FROM pusat_cards WHERE card_serial = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, serial, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t other = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if (row) {
        rc = kt_fail(err, KT_ECONFLICT, "card_serial_used", "card_serial",
                     "Nomor seri %s sudah dipakai kartu rekaman #%lld", serial, (long long)other);
        goto out;
    }
    /* What the print consumes (refused, with nothing changed, when either is out). */
    int64_t bal_blanko = 0, bal_ribbon = 0;
    if ((rc = stock_move(p, db, who, "blanko", -1, "print", r.id, serial, &bal_blanko, err)) !=
            KT_OK ||
        (rc = stock_move(p, db, who, "ribbon", -1, "print", r.id, serial, &bal_ribbon, err)) !=
            KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_cards (record_id, card_serial, state, printed_at,"
                            " printed_by) VALUES (?, ?, 'printed', ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, r.id);
    store_bind_text(st, 2, serial, -1);
    store_bind_int(st, 3, svc_now(p->s));
    store_bind_text(st, 4, who->username, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    pusat_card_news news;
    memset(&news, 0, sizeof news);
    snprintf(news.card_serial, sizeof news.card_serial, "%s", serial);
    if ((rc = rec_move(p, db, pending, who, &r, "SENT_FOR_CARD_PRINTING", "CARD_PRINTED",
                       "card_print", &news, err)) != KT_OK)
        goto out;
    int low = 0;
    if ((rc = stock_items(db, &items, &low, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:I, s:s, s:s, s:s, s:O, s:b}", "id", (json_int_t)r.id, "nik", r.nik,
                     "status", "CARD_PRINTED", "card_serial", serial, "stock", items, "stock_low",
                     low);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    json_decref(items);
    return rc;
}

/* ---- shipments ------------------------------------------------------------------------- */

kt_code pusat_shipments(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *waiting = NULL, *list = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((waiting = json_array()) == NULL || (list = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    /* Printed cards waiting for a shipment, per kecamatan. */
    if ((rc = store_prepare(db,
                            "SELECT r.kecamatan_code, count(*), (SELECT min(n.name) FROM"
                            " pusat_nodes n WHERE n.kecamatan_code = r.kecamatan_code)"
                            " FROM pusat_records r WHERE r.status = 'CARD_PRINTED'"
                            " GROUP BY r.kecamatan_code ORDER BY r.kecamatan_code",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(waiting,
                              json_pack("{s:s, s:I, s:s?}", "kecamatan_code",
                                        store_col_text(st, 0), "cards",
                                        (json_int_t)store_col_int(st, 1), "name",
                                        store_col_null(st, 2) ? NULL : store_col_text(st, 2)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT s.id, s.shipment_no, s.kecamatan_code, s.cards, s.note,"
                            " s.created_by, s.created_at, (SELECT count(*) FROM pusat_records r"
                            " JOIN pusat_cards c ON c.record_id = r.id WHERE c.shipment_id ="
                            " s.id AND r.status = 'CARD_ISSUED') FROM pusat_shipments s"
                            " ORDER BY s.id DESC LIMIT 100",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I, s:I}", "id",
                                              (json_int_t)store_col_int(st, 0), "shipment_no",
                                              store_col_text(st, 1), "kecamatan_code",
                                              store_col_text(st, 2), "cards",
                                              (json_int_t)store_col_int(st, 3), "note",
                                              store_col_text(st, 4), "created_by",
                                              store_col_text(st, 5), "created_at",
                                              (json_int_t)store_col_int(st, 6), "issued",
                                              (json_int_t)store_col_int(st, 7)));
    store_reset(st);
    if (rc == KT_OK &&
        (*out = json_pack("{s:O, s:O}", "waiting", waiting, "shipments", list)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(waiting);
    json_decref(list);
    return rc;
}

kt_code pusat_shipment_get(pusat *p, const svc_actor *who, const char *shipment_no,
                           json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *ship = NULL, *cards = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if (shipment_no == NULL || strlen(shipment_no) > 39)
        return kt_fail(err, KT_EINVAL, "shipment_invalid", "shipment_no",
                       "Nomor kiriman tidak sah");
    if ((cards = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db,
                             "SELECT id, shipment_no, kecamatan_code, cards, note, created_by,"
                             " created_at FROM pusat_shipments WHERE shipment_no = ?",
                             shipment_no, &st, err, "shipment_not_found", "shipment_no",
                             "Kiriman %s tidak ada", shipment_no)) != KT_OK)
        goto out;
    int64_t sid = store_col_int(st, 0);
    ship = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)sid,
                     "shipment_no", store_col_text(st, 1), "kecamatan_code",
                     store_col_text(st, 2), "cards", (json_int_t)store_col_int(st, 3), "note",
                     store_col_text(st, 4), "created_by", store_col_text(st, 5), "created_at",
                     (json_int_t)store_col_int(st, 6));
    store_reset(st);
    if (ship == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = store_prepare(db,
                            "SELECT r.id, r.node_id, r.application_id, r.nik, r.status,"
                            " c.card_serial, s.name FROM pusat_cards c JOIN pusat_records r ON"
                            " r.id = c.record_id LEFT JOIN residents s ON s.nik = r.nik"
                            " WHERE c.shipment_id = ? ORDER BY r.id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, sid);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(cards, json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s?}", "id",
                                               (json_int_t)store_col_int(st, 0), "node_id",
                                               store_col_text(st, 1), "application_id",
                                               (json_int_t)store_col_int(st, 2), "nik",
                                               store_col_text(st, 3), "status",
                                               store_col_text(st, 4), "card_serial",
                                               store_col_text(st, 5), "name",
                                               store_col_null(st, 6) ? NULL
                                                                     : store_col_text(st, 6)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(p->s, db);
    db = NULL;
    json_object_set(ship, "records", cards);
    static const char *const records_key[] = {"records"};
    if ((rc = lists_read(p, who, "pusat_shipment", shipment_no, ship, records_key, 1, err)) !=
        KT_OK)
        goto out;
    *out = ship;
    ship = NULL;
out:
    svc_conn_put(p->s, db);
    json_decref(ship);
    json_decref(cards);
    return rc;
}

/* The printed cards of kec (all of them, or the listed records) into ids (free()). */
static kt_code ship_pick(store *db, const char *kec, const json_t *in, int64_t **ids, size_t *n,
                         kt_error *err)
{
    if (json_object_get(in, "record_ids") != NULL)
        return ids_of(in, "record_ids", ids, n, err);
    store_stmt *st = NULL;
    int row = 0;
    *n = 0;
    if ((*ids = calloc(BATCH_MAX, sizeof **ids)) == NULL)
        return svc_nomem(err);
    kt_code rc = store_prepare(db,
                               "SELECT id FROM pusat_records WHERE kecamatan_code = ? AND status"
                               " = 'CARD_PRINTED' ORDER BY id LIMIT ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, kec, -1);
    store_bind_int(st, 2, BATCH_MAX);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        (*ids)[(*n)++] = store_col_int(st, 0);
    store_reset(st);
    if (rc == KT_OK && *n == 0)
        rc = kt_fail(err, KT_ECONFLICT, "nothing_to_ship", "kecamatan_code",
                     "Tidak ada kartu tercetak untuk kecamatan %s", kec);
    return rc;
}

kt_code pusat_shipment_make(pusat *p, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    rec *recs = NULL;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    const char *kec = svc_jstr(in, "kecamatan_code"), *note = svc_jstr(in, "note");
    if (kec == NULL || strlen(kec) != 6 || strspn(kec, "0123456789") != 6)
        return kt_fail(err, KT_EINVAL, "kecamatan_invalid", "kecamatan_code",
                       "Kode kecamatan harus 6 angka");
    if (note != NULL && strlen(note) > 200)
        return kt_fail(err, KT_EINVAL, "note_too_long", "note", "Catatan lebih dari 200 karakter");
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = ship_pick(db, kec, in, &ids, &n, err)) != KT_OK)
        goto out;
    if ((recs = calloc(n, sizeof *recs)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = rec_get(db, ids[i], &recs[i], err)) != KT_OK)
            goto out;
        if (strcmp(recs[i].kec, kec) != 0) {
            rc = kt_fail(err, KT_ECONFLICT, "wrong_kecamatan", "record_ids",
                         "Kartu rekaman #%lld milik kecamatan %s, bukan %s",
                         (long long)recs[i].id, recs[i].kec, kec);
            goto out;
        }
        if (strcmp(recs[i].status, "CARD_PRINTED") != 0) {
            rc = kt_fail(err, KT_ECONFLICT, "record_state", "record_ids",
                         "Rekaman #%lld (NIK %s) berstatus %s: hanya kartu tercetak yang dikirim",
                         (long long)recs[i].id, recs[i].nik, recs[i].status);
            goto out;
        }
    }
    /* The shipment row, then its number from its id: KRM-<kecamatan>-<id, 6 digits>. */
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_shipments (shipment_no, kecamatan_code, cards,"
                            " note, created_by, created_at) VALUES ('', ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, kec, -1);
    store_bind_int(st, 2, (int64_t)n);
    store_bind_text(st, 3, note != NULL ? note : "", -1);
    store_bind_text(st, 4, who->username, -1);
    store_bind_int(st, 5, svc_now(p->s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    int64_t sid = store_last_id(db);
    char no[40];
    snprintf(no, sizeof no, "KRM-%s-%06lld", kec, (long long)sid);
    if ((rc = store_prepare(db, "UPDATE pusat_shipments SET shipment_no = ? WHERE id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, no, -1);
    store_bind_int(st, 2, sid);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        pusat_card_news news;
        memset(&news, 0, sizeof news);
        snprintf(news.shipment_no, sizeof news.shipment_no, "%s", no);
        /* How many of the shipment's cards go to this record's node. */
        for (size_t k = 0; k < n; k++)
            news.shipment_cards += strcmp(recs[k].node_id, recs[i].node_id) == 0;
        if ((rc = store_prepare(db,
                                "UPDATE pusat_cards SET state = 'shipped', shipment_id = ? WHERE"
                                " record_id = ? AND state = 'printed'",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, sid);
        store_bind_int(st, 2, recs[i].id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        int row = 0;
        if ((rc = store_prepare(db, "SELECT card_serial FROM pusat_cards WHERE record_id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, recs[i].id);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        if (row)
            snprintf(news.card_serial, sizeof news.card_serial, "%s", store_col_text(st, 0));
        store_reset(st);
        if ((rc = rec_move(p, db, pending, who, &recs[i], "CARD_PRINTED", "CARD_SHIPPED",
                           "card_ship", &news, err)) != KT_OK)
            goto out;
    }
    if ((rc = svc_event_add(p->s, db, pending, "pusat_shipment", who, 0, 0, "", no,
                            "shipment_make", "", kec, NULL, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:s, s:s, s:I}", "shipment_no", no, "kecamatan_code", kec, "cards",
                          (json_int_t)n)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    free(ids);
    free(recs);
    return rc;
}
