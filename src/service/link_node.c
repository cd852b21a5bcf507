/*
 * link_node.c - the kecamatan node's link to Disdukcapil (docs/internals/link.md): the outbox
 * rows made inside the application's own transactions (hooks), the builder that renders a row
 * into a packet file, the sender (libcurl through src/link, backoff with jitter, permanent
 * failures kept visible with the central's reason), the status feed applier (one entry, one
 * transaction, with the cursor: exactly once), the reconciler that moves the application as the
 * central says, export to a removable disk, and the background agent of `ktpel serve`.
 *
 * Why the packet file is built after the commit, not inside it: the row is the commitment and
 * carries everything that could still change (biodata, changes, AFIS result, who and when);
 * the biometric files it names never change once the application is recorded. So the write
 * transaction stays short (no megabytes of I/O under the write lock) and a crash between the
 * commit and the file only means the builder makes it at the next round, with the same
 * manifest (sorted keys): the central recognises the packet id and the manifest.
 *
 * Never: mark a packet sent without the central's 200; drop or silently retry forever a packet
 * the central refused (it goes to `failed`, with the reason); apply a status out of order.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bio/image.h"
#include "bio/wsq.h"
#include "core/nik.h"
#include "core/refcodes.h"
#include "link/link.h"
#include "seal/seal.h"
#include "service/link_hooks.h"
#include "service/link_node.h"

#define LINK_BACKOFF_MAX_MS (30 * 60 * INT64_C(1000))
#define LINK_SEND_BATCH 50
#define LINK_PULL_BATCH 100

static int alert_minutes = 240;

void svc_link_set_alert_minutes(svc *s, int minutes)
{
    (void)s;
    if (minutes > 0)
        alert_minutes = minutes;
}

/* The actor of everything the central drives (audited as such). */
static svc_actor link_actor(void)
{
    svc_actor a = svc_system_actor();
    snprintf(a.username, sizeof a.username, "disdukcapil");
    return a;
}

static int is_link_actor(const svc_actor *who)
{
    return strcmp(who->role, "system") == 0 && strcmp(who->username, "disdukcapil") == 0;
}

/* ---- configuration --------------------------------------------------------------------- */

typedef struct link_cfg {
    char central_url[512], tls_pin[128], sign_pk[LINK_B64_KEY], box_pk[LINK_B64_KEY];
    char node_id[24], kec[8], key_path[1024];
    int key_id;
    int64_t next_seq, cursor, res_cursor;
} link_cfg;

/* KT_ENOTFOUND "not_linked" when the node is not enrolled. */
static kt_code cfg_load(store *db, link_cfg *c, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    memset(c, 0, sizeof *c);
    kt_code rc = store_prepare(db,
                               "SELECT central_url, tls_pin, central_sign_pk, central_box_pk,"
                               " node_id, kecamatan_code, key_path, key_id, next_seq,"
                               " status_cursor, resident_cursor FROM link_config WHERE id = 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row) {
        snprintf(c->central_url, sizeof c->central_url, "%s", store_col_text(st, 0));
        snprintf(c->tls_pin, sizeof c->tls_pin, "%s", store_col_text(st, 1));
        snprintf(c->sign_pk, sizeof c->sign_pk, "%s", store_col_text(st, 2));
        snprintf(c->box_pk, sizeof c->box_pk, "%s", store_col_text(st, 3));
        snprintf(c->node_id, sizeof c->node_id, "%s", store_col_text(st, 4));
        snprintf(c->kec, sizeof c->kec, "%s", store_col_text(st, 5));
        snprintf(c->key_path, sizeof c->key_path, "%s", store_col_text(st, 6));
        c->key_id = (int)store_col_int(st, 7);
        c->next_seq = store_col_int(st, 8);
        c->cursor = store_col_int(st, 9);
        c->res_cursor = store_col_int(st, 10);
    }
    store_reset(st);
    if (!row)
        return kt_fail(err, KT_ENOTFOUND, "not_linked", "",
                       "Kantor ini belum terhubung ke Disdukcapil (ktpel link enrol)");
    return KT_OK;
}

int svc_link_linked(store *db)
{
    link_cfg c;
    kt_error e;
    return cfg_load(db, &c, &e) == KT_OK;
}

kt_code svc_link_manual_check(store *db, const svc_actor *who, wf_action act, kt_error *err)
{
    if (act != WF_ACT_SEND && act != WF_ACT_PRINT_READY && act != WF_ACT_CENTRAL_DUPLICATE &&
        act != WF_ACT_PRINT)
        return KT_OK;
    if (is_link_actor(who) || !svc_link_linked(db))
        return KT_OK;
    if (act == WF_ACT_PRINT)
        return kt_fail(err, KT_ECONFLICT, "linked_node", "action",
                       "Kantor ini terhubung ke Disdukcapil: kartu tercatat tiba saat kiriman "
                       "kartu dari Disdukcapil diterima (halaman Kiriman), bukan dengan tombol");
    return kt_fail(err, KT_ECONFLICT, "linked_node", "action",
                   "Kantor ini terhubung ke Disdukcapil: tindakan '%s' diatur oleh status dari "
                   "Disdukcapil, bukan tombol",
                   wf_action_str(act));
}

/* ---- the outbox row (inside the caller's transaction) ---------------------------------- */

static kt_code queue_packet(svc *s, store *db, const char *kind, int64_t app_id, const char *nik,
                            json_t *header, kt_error *err)
{
    link_cfg c;
    store_stmt *st = NULL;
    char packet_id[40];
    kt_code rc = cfg_load(db, &c, err);
    if (rc != KT_OK)
        return rc;
    snprintf(packet_id, sizeof packet_id, "%s-%08lld", c.node_id, (long long)c.next_seq);
    char *text = json_dumps(header, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return svc_nomem(err);
    if ((rc = store_prepare(db,
                            "INSERT INTO link_outbox (packet_id, seq, kind, application_id, nik,"
                            " header, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                            &st, err)) == KT_OK) {
        store_bind_text(st, 1, packet_id, -1);
        store_bind_int(st, 2, c.next_seq);
        store_bind_text(st, 3, kind, -1);
        store_bind_int(st, 4, app_id);
        store_bind_text(st, 5, nik, -1);
        store_bind_text(st, 6, text, -1);
        store_bind_int(st, 7, svc_now(s));
        rc = store_run(st, err);
    }
    free(text);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "UPDATE link_config SET next_seq = next_seq + 1 WHERE id = 1", &st,
                            err)) != KT_OK)
        return rc;
    return store_run(st, err);
}

/* The header every packet of an application starts from. */
static json_t *header_base(svc *s, store *db, const svc_actor *who, int64_t app_id,
                           const char *nik)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_error e;
    char kind[24] = "";
    if (store_prepare(db, "SELECT kind FROM applications WHERE id = ?", &st, &e) == KT_OK) {
        store_bind_int(st, 1, app_id);
        if (store_step(st, &row, &e) == KT_OK && row)
            snprintf(kind, sizeof kind, "%s", store_col_text(st, 0));
        store_reset(st);
    }
    return json_pack("{s:I, s:s, s:s, s:{s:I, s:s, s:s}, s:I}", "application_id",
                     (json_int_t)app_id, "application_kind", kind, "nik", nik, "recorded_by",
                     "user_id", (json_int_t)who->user_id, "username", who->username, "role",
                     who->role, "recorded_at", (json_int_t)svc_now(s));
}

/* biodata (the resident now) and changes (this application's data changes). */
static kt_code header_person(store *db, int64_t app_id, const char *nik, json_t *h,
                             kt_error *err)
{
    json_t *bio = NULL, *ch = json_array();
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    if (ch == NULL)
        return svc_nomem(err);
    if ((rc = svc_resident_load(db, nik, &bio, err)) != KT_OK) {
        json_decref(ch);
        return rc;
    }
    json_object_set_new(h, "biodata", bio);
    json_object_set_new(h, "changes", ch);
    if ((rc = store_prepare(db,
                            "SELECT field, before_value, after_value, at FROM data_changes"
                            " WHERE application_id = ? ORDER BY id",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(ch, json_pack("{s:s, s:s?, s:s?, s:I}", "field",
                                            store_col_text(st, 0), "before",
                                            store_col_null(st, 1) ? NULL : store_col_text(st, 1),
                                            "after",
                                            store_col_null(st, 2) ? NULL : store_col_text(st, 2),
                                            "at", (json_int_t)store_col_int(st, 3)));
    store_reset(st);
    return rc;
}

/* scans: the application's document scans as they are now ({doc: {path, content_type,
   sha256}}); the files do not change once the packet names them (a new scan is a new row). */
static kt_code header_scans(store *db, int64_t app_id, json_t *h, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    json_t *sc = json_object();
    if (sc == NULL)
        return svc_nomem(err);
    json_object_set_new(h, "scans", sc);
    kt_code rc = store_prepare(db,
                               "SELECT doc, path, content_type, sha256 FROM document_scans WHERE"
                               " application_id = ? ORDER BY doc",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_object_set_new(sc, store_col_text(st, 0),
                            json_pack("{s:s, s:s, s:s}", "path", store_col_text(st, 1),
                                      "content_type", store_col_text(st, 2), "sha256",
                                      store_col_text(st, 3)));
    store_reset(st);
    return rc;
}

kt_code svc_link_on_record(svc *s, store *db, const svc_actor *who, int64_t app_id,
                           const char *nik, int afis_duplicate, const char *afis_note,
                           kt_error *err)
{
    if (!svc_link_linked(db))
        return KT_OK;
    kt_code rc;
    store_stmt *st = NULL;
    int row = 0;
    json_t *h = header_base(s, db, who, app_id, nik), *slots = json_object(),
           *exc = json_array();
    if (h == NULL || slots == NULL || exc == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = header_person(db, app_id, nik, h, err)) != KT_OK ||
        (rc = header_scans(db, app_id, h, err)) != KT_OK)
        goto out;
    json_object_set_new(h, "afis", json_pack("{s:b, s:s}", "duplicate", afis_duplicate, "note",
                                             afis_note != NULL ? afis_note : ""));
    /* The biometric files as they are now (they do not change after recording). */
    if ((rc = store_prepare(db,
                            "SELECT slot, path, content_type, exception_reason, sha256 FROM"
                            " biometrics WHERE application_id = ? ORDER BY slot",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if (store_col_text(st, 3)[0] != '\0')
            json_array_append_new(exc, json_pack("{s:s, s:s}", "slot", store_col_text(st, 0),
                                                 "reason", store_col_text(st, 3)));
        else
            json_object_set_new(slots, store_col_text(st, 0),
                                json_pack("{s:s, s:s, s:s}", "path", store_col_text(st, 1),
                                          "content_type", store_col_text(st, 2), "sha256",
                                          store_col_text(st, 4)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    json_object_set(h, "slots", slots);
    json_object_set(h, "exceptions", exc);
    rc = queue_packet(s, db, "rekam", app_id, nik, h, err);
out:
    json_decref(h);
    json_decref(slots);
    json_decref(exc);
    return rc;
}

kt_code svc_link_on_change(svc *s, store *db, const svc_actor *who, int64_t app_id,
                           const char *nik, kt_error *err)
{
    if (!svc_link_linked(db))
        return KT_OK;
    json_t *h = header_base(s, db, who, app_id, nik);
    kt_code rc = h != NULL ? header_person(db, app_id, nik, h, err) : svc_nomem(err);
    if (rc == KT_OK)
        rc = header_scans(db, app_id, h, err);
    if (rc == KT_OK)
        rc = queue_packet(s, db, "perubahan", app_id, nik, h, err);
    json_decref(h);
    return rc;
}

static kt_code reconcile(svc *s, store *db, json_t *pending, int64_t app_id, kt_error *err);

kt_code svc_link_on_receipt(svc *s, store *db, json_t *pending, const svc_actor *who,
                            int64_t app_id, const char *nik, wf_state from, kt_error *err)
{
    if (!svc_link_linked(db))
        return KT_OK;
    kt_code rc = KT_OK;
    if (from == WF_STATE_DATA_CHANGED) { /* no recording: the card from the data on file */
        json_t *h = header_base(s, db, who, app_id, nik);
        rc = h != NULL ? header_person(db, app_id, nik, h, err) : svc_nomem(err);
        if (rc == KT_OK)
            rc = header_scans(db, app_id, h, err);
        if (rc == KT_OK)
            rc = queue_packet(s, db, "cetak", app_id, nik, h, err);
        json_decref(h);
        if (rc != KT_OK)
            return rc;
    }
    return reconcile(s, db, pending, app_id, err);
}

kt_code svc_link_on_handover(svc *s, store *db, const svc_actor *who, int64_t app_id,
                             const char *nik, const char *receipt_no, const char *confirmed_by,
                             kt_error *err)
{
    if (!svc_link_linked(db))
        return KT_OK;
    json_t *h = header_base(s, db, who, app_id, nik);
    if (h == NULL)
        return svc_nomem(err);
    json_object_set_new(h, "handover",
                        json_pack("{s:s, s:s, s:I}", "receipt_no", receipt_no, "confirmed_by",
                                  confirmed_by, "at", (json_int_t)svc_now(s)));
    kt_code rc = queue_packet(s, db, "card_issued", app_id, nik, h, err);
    json_decref(h);
    return rc;
}

/* ---- the application follows the central (inside the caller's transaction) ------------- */

static kt_code reconcile(svc *s, store *db, json_t *pending, int64_t app_id, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    svc_actor la = link_actor();
    kt_code rc = store_prepare(db,
                               "SELECT state, central_status, central_decision, central_reason"
                               " FROM link_outbox WHERE application_id = ? AND kind IN ('rekam',"
                               " 'cetak') ORDER BY seq DESC LIMIT 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    char ostate[16] = "", cs[40] = "", dec[16] = "", reason[200] = "";
    if (row) {
        snprintf(ostate, sizeof ostate, "%s", store_col_text(st, 0));
        snprintf(cs, sizeof cs, "%s", store_col_text(st, 1));
        snprintf(dec, sizeof dec, "%s", store_col_text(st, 2));
        snprintf(reason, sizeof reason, "%s", store_col_text(st, 3));
    }
    store_reset(st);
    if (!row)
        return KT_OK;
    for (int step = 0; step < 4; step++) {
        char nik[17] = "";
        wf_state from;
        if ((rc = store_prepare(db, "SELECT state, nik FROM applications WHERE id = ?", &st,
                                err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, app_id);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            return rc;
        int ok = row && wf_state_from_str(store_col_text(st, 0), &from);
        if (row)
            snprintf(nik, sizeof nik, "%s", store_col_text(st, 1));
        store_reset(st);
        if (!ok)
            return KT_OK;
        wf_action act;
        const char *why = "", *note = "";
        int dup = strcmp(cs, "DUPLICATE_RECORD") == 0 || strcmp(cs, "ADJUDICATE_RECORD") == 0;
        /* The card's later life at the central (queued, printed, shipped) is print_ready here
           until the shipment is received (link_cards.c). */
        int prr = strcmp(cs, "PRINT_READY_RECORD") == 0 ||
                  strcmp(cs, "SENT_FOR_CARD_PRINTING") == 0 || strcmp(cs, "CARD_PRINTED") == 0 ||
                  strcmp(cs, "CARD_SHIPPED") == 0;
        if (from == WF_STATE_RECEIPT_ISSUED && strcmp(ostate, "sent") == 0)
            act = WF_ACT_SEND;
        else if ((from == WF_STATE_SENT || from == WF_STATE_DUPLICATE) && prr)
            act = WF_ACT_PRINT_READY;
        else if (from == WF_STATE_SENT && dup)
            act = WF_ACT_CENTRAL_DUPLICATE, note = reason;
        else if (from == WF_STATE_DUPLICATE && dup && strcmp(dec, "confirmed") == 0)
            act = WF_ACT_CONFIRM_DUPLICATE, why = "duplicate_biometric", note = reason;
        else if (from == WF_STATE_SENT && strcmp(cs, "ENROLL_FAILURE_AT_CENTRAL") == 0)
            act = WF_ACT_REJECT, why = "other", note = reason;
        else
            return KT_OK;
        wf_state to;
        if (!wf_can(from, act))
            return KT_OK;
        if ((rc = wf_next(from, act, &to, err)) != KT_OK ||
            (rc = svc_app_move(s, db, pending, &la, app_id, nik, from, act, to, why, note,
                               err)) != KT_OK)
            return rc;
    }
    return KT_OK;
}

/* ---- building a packet file ------------------------------------------------------------- */

/* Read a packet file of the outbox (at most a part's bound plus the container). *data: free(). */
static kt_code read_packet_file(const char *path, uint8_t **data, size_t *len, kt_error *err)
{
    FILE *f = fopen(path, "rb");
    *data = NULL;
    *len = 0;
    if (f == NULL)
        return kt_fail(err, KT_EIO, "packet_unreadable", path, "Berkas paket tidak terbaca: %s",
                       strerror(errno));
    uint8_t *b = malloc(LINK_PACKET_MAX + 1);
    size_t n = b != NULL ? fread(b, 1, LINK_PACKET_MAX + 1, f) : 0;
    fclose(f);
    if (b == NULL)
        return svc_nomem(err);
    if (n > LINK_PACKET_MAX) {
        free(b);
        return kt_fail(err, KT_ETOOBIG, "packet_too_big", path, "Berkas paket terlalu besar");
    }
    *data = b;
    *len = n;
    return KT_OK;
}

/* A biometric file of the application, opened from its sealed form (the service's at-rest
   storage, svc_bio_read), into a plain copy (free()). */
static kt_code read_part_file(svc *s, int64_t app, const char *slot, const char *rel,
                              uint8_t **data, size_t *len, kt_error *err)
{
    void *d = NULL;
    size_t n = 0;
    *data = NULL;
    *len = 0;
    kt_code rc = svc_bio_read(s, app, slot, rel, &d, &n, err);
    if (rc != KT_OK)
        return rc;
    uint8_t *copy = malloc(n ? n : 1);
    if (copy != NULL)
        memcpy(copy, d, n);
    seal_free_secret(d, n);
    if (copy == NULL)
        return svc_nomem(err);
    *data = copy;
    *len = n;
    return KT_OK;
}

/* A finger as the packet carries it: a WSQ image (FBI, BIO_WSQ_BITRATE), the captured image
   encoded here (a capture that is WSQ already goes as it is). *data is replaced; a finger
   stored as a template (a scanner that extracts itself) has no image: *data becomes NULL. */
static kt_code finger_wsq(uint8_t **data, size_t *len, kt_error *err)
{
    bio_image img;
    bio_msg m;
    if (bio_wsq_is(*data, *len))
        return KT_OK;
    bio_status st = bio_image_decode_ex(*data, *len, BIO_IMAGE_NO_CHECK, &img, NULL, &m);
    free(*data);
    *data = NULL;
    *len = 0;
    if (st == BIO_ENOMEM)
        return svc_nomem(err);
    if (st != BIO_OK)
        return KT_OK; /* an ISO record, not an image: the template part says it all */
    st = bio_wsq_encode(&img, BIO_WSQ_BITRATE, data, len, &m);
    bio_image_free(&img);
    if (st == BIO_ENOMEM)
        return svc_nomem(err);
    if (st != BIO_OK)
        return kt_fail(err, KT_EINTERNAL, "wsq_failed", "finger",
                       "Sidik jari tidak dapat dikodekan sebagai WSQ: %s", m.text);
    return KT_OK;
}

typedef struct parts_acc {
    link_part p[LINK_PARTS_MAX];
    uint8_t *own[LINK_PARTS_MAX]; /* owned copies */
    size_t n;
} parts_acc;

static void parts_free(parts_acc *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->own[i]);
    a->n = 0;
}

/* Add a part, taking data (owned, freed with the accumulator). */
static kt_code part_add(parts_acc *a, const char *name, const char *ct, uint8_t *data, size_t len,
                        kt_error *err)
{
    if (a->n == LINK_PARTS_MAX) {
        free(data);
        return kt_fail(err, KT_ETOOBIG, "packet_too_big", "parts", "Terlalu banyak bagian paket");
    }
    link_part *p = &a->p[a->n];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->content_type, sizeof p->content_type, "%s", ct);
    p->data = data;
    p->len = len;
    a->own[a->n++] = data;
    return KT_OK;
}

static kt_code part_json(parts_acc *a, const char *name, const json_t *v, kt_error *err)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (t == NULL)
        return svc_nomem(err);
    return part_add(a, name, "application/json", (uint8_t *)t, strlen(t), err);
}

/* Render one pending row into its file and mark it ready. */
static kt_code build_one(svc *s, const link_cfg *c, const char *packet_id, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *h = NULL;
    parts_acc acc;
    uint8_t *pkt = NULL;
    size_t plen = 0;
    link_envelope env;
    link_sign_key key;
    uint8_t box[32];
    char path[1200];
    kt_code rc;
    int row = 0;
    memset(&acc, 0, sizeof acc);
    memset(&env, 0, sizeof env);
    if ((rc = link_sign_key_load(c->key_path, 0, &key, NULL, err)) != KT_OK ||
        (rc = link_b64_key(c->box_pk, box, "central_box_pk", err)) != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db,
                             "SELECT seq, kind, application_id, header, created_at FROM"
                             " link_outbox WHERE packet_id = ?",
                             packet_id, &st, err, "packet_not_found", "packet_id",
                             "Paket %s tidak ada", packet_id)) != KT_OK)
        goto out;
    env.seq = store_col_int(st, 0);
    snprintf(env.kind, sizeof env.kind, "%s", store_col_text(st, 1));
    int64_t app = store_col_int(st, 2);
    h = json_loads(store_col_text(st, 3), 0, NULL);
    env.created_at = store_col_int(st, 4);
    store_reset(st);
    if (h == NULL) {
        rc = kt_fail(err, KT_EIO, "outbox_corrupt", packet_id, "Isi antrian paket rusak");
        goto out;
    }
    snprintf(env.packet_id, sizeof env.packet_id, "%s", packet_id);
    snprintf(env.node_id, sizeof env.node_id, "%s", c->node_id);
    snprintf(env.kecamatan_code, sizeof env.kecamatan_code, "%s", c->kec);
    env.key_id = c->key_id;
    /* Parts: biodata; the biometric files (fingers as WSQ); the document scans; the finger
       templates. */
    json_t *bio = json_object_get(h, "biodata");
    if (bio != NULL && (rc = part_json(&acc, "biodata.json", bio, err)) != KT_OK)
        goto out;
    json_t *slots = json_object_get(h, "slots");
    const char *slot;
    json_t *sv;
    json_object_foreach(slots, slot, sv) {
        uint8_t *data = NULL;
        size_t len = 0;
        char name[64];
        int finger = strncmp(slot, "finger_", 7) == 0;
        snprintf(name, sizeof name, "%s%s", slot, finger ? ".wsq" : "");
        if ((rc = read_part_file(s, app, slot, json_string_value(json_object_get(sv, "path")),
                                 &data, &len, err)) != KT_OK)
            goto out;
        if (finger && (rc = finger_wsq(&data, &len, err)) != KT_OK)
            goto out;
        if (data != NULL &&
            (rc = part_add(&acc, name,
                           finger ? "image/x-wsq"
                                  : json_string_value(json_object_get(sv, "content_type")),
                           data, len, err)) != KT_OK)
            goto out;
    }
    /* The scans of the documents checked at intake (SOP step 2), as scanned. */
    json_t *scans = json_object_get(h, "scans");
    json_object_foreach(scans, slot, sv) {
        uint8_t *data = NULL;
        size_t len = 0;
        char name[64], fslot[40];
        snprintf(fslot, sizeof fslot, "doc_%s", slot);
        snprintf(name, sizeof name, "document_%s", slot);
        if ((rc = read_part_file(s, app, fslot, json_string_value(json_object_get(sv, "path")),
                                 &data, &len, err)) != KT_OK ||
            (rc = part_add(&acc, name, json_string_value(json_object_get(sv, "content_type")),
                           data, len, err)) != KT_OK)
            goto out;
    }
    if (strcmp(env.kind, "rekam") == 0) {
        if ((rc = store_prepare(db,
                                "SELECT slot, template FROM afis_templates WHERE"
                                " application_id = ? ORDER BY finger",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, app);
        while ((rc = store_step(st, &row, err)) == KT_OK && row) {
            uint8_t *iso = NULL, *copy = NULL;
            size_t n = 0;
            char name[64], tslot[16];
            snprintf(tslot, sizeof tslot, "%s", store_col_text(st, 0));
            snprintf(name, sizeof name, "%s.iso", tslot);
            /* The template is sealed at rest (svc_tpl_seal): opened here for the packet. */
            if ((rc = svc_tpl_open(s, app, tslot, store_col_text(st, 1), &iso, &n, err)) !=
                KT_OK) {
                store_reset(st);
                goto out;
            }
            if ((copy = malloc(n ? n : 1)) != NULL)
                memcpy(copy, iso, n);
            seal_free_secret(iso, n);
            if (copy == NULL) {
                store_reset(st);
                rc = svc_nomem(err);
                goto out;
            }
            if ((rc = part_add(&acc, name, "application/iso-19794-2", copy, n, err)) != KT_OK) {
                store_reset(st);
                goto out;
            }
        }
        store_reset(st);
        if (rc != KT_OK)
            goto out;
    }
    svc_conn_put(s, db);
    db = NULL;
    /* The manifest's own fields: the header less what went into parts or is node-local. */
    json_object_del(h, "slots");
    json_object_del(h, "scans");
    json_object_del(h, "biodata");
    if ((rc = link_packet_make(&env, h, acc.p, acc.n, &key, box, &pkt, &plen, err)) != KT_OK)
        goto out;
    snprintf(path, sizeof path, "%s/outbox/%s.ktpkt", s->data_dir, packet_id);
    if ((rc = link_file_write(path, pkt, plen, err)) != KT_OK)
        goto out;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK || (rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE link_outbox SET state = 'ready', path = ?, size = ? WHERE"
                            " packet_id = ? AND state = 'pending'",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, path, -1);
    store_bind_int(st, 2, (int64_t)plen);
    store_bind_text(st, 3, packet_id, -1);
    if ((rc = store_run(st, err)) == KT_OK)
        rc = svc_commit(s, db, err);
out:
    sodium_memzero(&key, sizeof key);
    svc_conn_put(s, db);
    json_decref(h);
    parts_free(&acc);
    free(pkt);
    return rc;
}

/* ---- sending --------------------------------------------------------------------------- */

/* The central's answer to a packet: 0 = acknowledged, 1 = refused for good, 2 = try later. */
static int classify(kt_code rc, long status)
{
    if (rc != KT_OK || status == 0)
        return 2;
    if (status == 200)
        return 0;
    if (status == 408 || status == 429 || status >= 500)
        return 2;
    return 1;
}

static void error_text(const char *resp, long status, char *out, size_t cap)
{
    json_t *j = resp != NULL ? json_loads(resp, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    if (m != NULL)
        snprintf(out, cap, "%s (%s, HTTP %ld)", m, code != NULL ? code : "?", status);
    else
        snprintf(out, cap, "HTTP %ld dari Disdukcapil", status);
    json_decref(j);
}

/* Next try: min(30 min, 2^attempts s) x random(0.5..1.5). */
static int64_t backoff_ms(int attempts)
{
    int64_t base = attempts >= 11 ? LINK_BACKOFF_MAX_MS : (INT64_C(1000) << attempts);
    if (base > LINK_BACKOFF_MAX_MS)
        base = LINK_BACKOFF_MAX_MS;
    return base / 2 + (int64_t)randombytes_uniform((uint32_t)(base > 0 ? base : 1));
}

/* Record the outcome of one send in its own transaction; sent -> the application follows. */
static kt_code send_outcome(svc *s, const char *packet_id, int cls, const char *why,
                            kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    kt_code rc = svc_write_open(s, &db, &pending, err);
    if (rc != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    if (cls == 0)
        rc = store_prepare(db,
                           "UPDATE link_outbox SET state = 'sent', sent_at = ?, attempts ="
                           " attempts + 1, last_error = '' WHERE packet_id = ? AND state IN"
                           " ('ready', 'pending')",
                           &st, err);
    else if (cls == 1)
        rc = store_prepare(db,
                           "UPDATE link_outbox SET state = 'failed', attempts = attempts + 1,"
                           " last_error = ? WHERE packet_id = ?",
                           &st, err);
    else
        rc = store_prepare(db,
                           "UPDATE link_outbox SET attempts = attempts + 1, last_error = ?,"
                           " next_attempt_at = ? + (CASE WHEN attempts > 30 THEN 1800000 ELSE"
                           " ? END) WHERE packet_id = ?",
                           &st, err);
    if (rc != KT_OK)
        goto out;
    if (cls == 0) {
        store_bind_int(st, 1, now);
        store_bind_text(st, 2, packet_id, -1);
    } else if (cls == 1) {
        store_bind_text(st, 1, why, -1);
        store_bind_text(st, 2, packet_id, -1);
    } else {
        int attempts = 0, row = 0;
        store_stmt *q = NULL;
        if (store_prepare(db, "SELECT attempts FROM link_outbox WHERE packet_id = ?", &q, err) ==
            KT_OK) {
            store_bind_text(q, 1, packet_id, -1);
            if (store_step(q, &row, err) == KT_OK && row)
                attempts = (int)store_col_int(q, 0);
            store_reset(q);
        }
        store_bind_text(st, 1, why, -1);
        store_bind_int(st, 2, now);
        store_bind_int(st, 3, backoff_ms(attempts));
        store_bind_text(st, 4, packet_id, -1);
    }
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (cls == 0) { /* the application follows (receipt_issued -> sent) */
        int row = 0;
        int64_t app = 0;
        if ((rc = store_prepare(db, "SELECT application_id FROM link_outbox WHERE packet_id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, packet_id, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        app = row ? store_col_int(st, 0) : 0;
        store_reset(st);
        if (app > 0 && (rc = reconcile(s, db, pending, app, err)) != KT_OK)
            goto out;
    }
    rc = svc_commit(s, db, err);
    if (rc == KT_OK)
        svc_emit(s, pending);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

typedef struct round_stats {
    int built, sent, failed, retry, statuses, residents;
    char error[256];
} round_stats;

static kt_code send_due(svc *s, const link_cfg *c, int force, round_stats *rs, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    char ids[LINK_SEND_BATCH][40], paths[LINK_SEND_BATCH][1200];
    int n = 0, row = 0;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT packet_id, path FROM link_outbox WHERE state = 'ready' AND"
                            " (? OR next_attempt_at <= ?) ORDER BY seq LIMIT 50",
                            &st, err)) == KT_OK) {
        store_bind_int(st, 1, force);
        store_bind_int(st, 2, svc_now(s));
        while ((rc = store_step(st, &row, err)) == KT_OK && row && n < LINK_SEND_BATCH) {
            snprintf(ids[n], sizeof ids[0], "%s", store_col_text(st, 0));
            snprintf(paths[n], sizeof paths[0], "%s", store_col_text(st, 1));
            n++;
        }
        store_reset(st);
    }
    svc_conn_put(s, db);
    if (rc != KT_OK)
        return rc;
    char url[700];
    snprintf(url, sizeof url, "%s/api/link/v1/packets", c->central_url);
    for (int i = 0; i < n; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        char *resp = NULL, why[400] = "";
        size_t rlen = 0;
        long status = 0;
        kt_error e;
        kt_error_clear(&e);
        if (read_packet_file(paths[i], &data, &len, &e) != KT_OK) {
            /* The file is gone (a disk replaced): build it again. */
            store *d2 = NULL;
            if (svc_conn_get(s, &d2, err) == KT_OK && svc_begin_write(s, d2, err) == KT_OK &&
                store_prepare(d2, "UPDATE link_outbox SET state = 'pending' WHERE packet_id = ?",
                              &st, err) == KT_OK) {
                store_bind_text(st, 1, ids[i], -1);
                if (store_run(st, err) == KT_OK)
                    svc_commit(s, d2, err);
            }
            svc_conn_put(s, d2);
            continue;
        }
        link_http rq = {url, c->tls_pin, "POST", "application/vnd.ktpel.packet", data, len,
                        NULL, 120, &s->link_cancel};
        kt_code hc = link_http_call(&rq, &status, &resp, &rlen, &e);
        free(data);
        int cls = classify(hc, status);
        if (hc != KT_OK)
            snprintf(why, sizeof why, "%s", e.message);
        else if (cls != 0)
            error_text(resp, status, why, sizeof why);
        free(resp);
        if (cls == 0)
            link_fault("node_after_send"); /* acknowledged, not yet recorded here */
        if ((rc = send_outcome(s, ids[i], cls, why, err)) != KT_OK)
            return rc;
        if (cls == 0)
            rs->sent++;
        else if (cls == 1)
            rs->failed++;
        else {
            rs->retry++;
            snprintf(rs->error, sizeof rs->error, "%s", why);
            if (hc != KT_OK)
                break; /* the central is unreachable: the rest waits for the next round */
        }
    }
    return KT_OK;
}

/* ---- the status feed ------------------------------------------------------------------- */

/* Apply one entry in one transaction with the cursor; KT_OK and *applied = 0 when it is not
   the next one (a duplicate or a gap). */
static kt_code apply_entry(svc *s, const json_t *e, int *applied, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    link_cfg c;
    *applied = 0;
    int64_t seq = json_integer_value(json_object_get(e, "seq"));
    const char *pid = svc_jstr(e, "packet_id"), *status = svc_jstr(e, "status"),
               *reason = svc_jstr(e, "reason"), *dec = svc_jstr(e, "decision");
    int64_t app = json_integer_value(json_object_get(e, "application_id"));
    ref_ktp_status known;
    /* A status of the national vocabulary (status_rekam_ktp_el) or nothing. */
    if (pid == NULL || status == NULL || !ref_ktp_status_from_str(status, &known))
        return kt_fail(err, KT_EINVAL, "status_malformed", "entries",
                       "Status dari Disdukcapil salah bentuk (nomor %lld)", (long long)seq);
    if (reason == NULL)
        reason = "";
    if (dec == NULL)
        dec = "";
    kt_code rc = svc_write_open(s, &db, &pending, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = cfg_load(db, &c, err)) != KT_OK)
        goto out;
    if (seq != c.cursor + 1)
        goto out; /* applied before (duplicate) or not yet its turn (gap) */
    const char *serial = svc_jstr(e, "card_serial"), *ship = svc_jstr(e, "shipment_no");
    if ((rc = store_prepare(db,
                            "INSERT INTO link_statuses (seq, packet_id, application_id, status,"
                            " reason, decision, central_at, applied_at, card_serial, shipment_no)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 9, serial != NULL ? serial : "", -1);
    store_bind_text(st, 10, ship != NULL ? ship : "", -1);
    store_bind_int(st, 1, seq);
    store_bind_text(st, 2, pid, -1);
    store_bind_int(st, 3, app);
    store_bind_text(st, 4, status, -1);
    store_bind_text(st, 5, reason, -1);
    store_bind_text(st, 6, dec, -1);
    store_bind_int(st, 7, json_integer_value(json_object_get(e, "at")));
    store_bind_int(st, 8, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    /* The central has the packet: it is sent whatever way it went (HTTPS or a disk). */
    if ((rc = store_prepare(db,
                            "UPDATE link_outbox SET state = CASE WHEN state IN ('ready',"
                            " 'pending') THEN 'sent' ELSE state END, sent_at = coalesce(sent_at,"
                            " ?), central_status = CASE WHEN ? = 'RECEIVED_AT_CENTRAL' AND"
                            " central_status <> '' THEN central_status ELSE ? END,"
                            " central_reason = ?, central_decision = ? WHERE packet_id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(s));
    store_bind_text(st, 2, status, -1);
    store_bind_text(st, 3, status, -1);
    store_bind_text(st, 4, reason, -1);
    store_bind_text(st, 5, dec, -1);
    store_bind_text(st, 6, pid, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "UPDATE link_config SET status_cursor = ? WHERE id = 1", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, seq);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (app > 0 && (rc = reconcile(s, db, pending, app, err)) != KT_OK)
        goto out;
    if ((rc = svc_link_card_news(s, db, e, err)) != KT_OK) /* a card shipped to this office */
        goto out;
    link_fault("node_mid_apply"); /* everything written, nothing committed */
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    svc_emit(s, pending);
    *applied = 1;
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

static int cmp_seq(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "seq")),
               y = json_integer_value(json_object_get(*(json_t *const *)b, "seq"));
    return x < y ? -1 : x > y;
}

/* ---- the resident feed ------------------------------------------------------------------ */

/* new / changed: the resident (and its family card) as the central holds it. */
static kt_code resident_upsert(store *db, const json_t *r, int64_t now, kt_error *err)
{
    store_stmt *st = NULL;
    const char *kk = svc_jstr(r, "kk_number");
    if (kk == NULL || svc_jstr(r, "nik") == NULL)
        return kt_fail(err, KT_EINVAL, "resident_malformed", "resident",
                       "Data penduduk dari Disdukcapil tidak lengkap");
    kt_code rc = store_prepare(db,
                               "INSERT INTO families (kk_number, address, rt, rw, kelurahan_code,"
                               " kecamatan_code) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kk_number)"
                               " DO UPDATE SET address = excluded.address, rt = excluded.rt,"
                               " rw = excluded.rw, kelurahan_code = excluded.kelurahan_code,"
                               " kecamatan_code = excluded.kecamatan_code",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    static const char *const fam[] = {"kk_number", "address", "rt", "rw", "kelurahan_code",
                                      "kecamatan_code"};
    for (int i = 0; i < 6; i++)
        store_bind_text(st, i + 1, svc_jstr(r, fam[i]) != NULL ? svc_jstr(r, fam[i]) : "", -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    /* The columns of svc_resident_load, in its order (docs/domain.md). */
    static const char *const col[] = {
        "nik", "kk_number", "name", "birth_place", "birth_date", "sex", "blood_type", "agama",
        "marital_status", "pekerjaan", "pendidikan", "nationality", "itap_until", "address", "rt",
        "rw", "kelurahan_code", "kecamatan_code", "hubungan", "ktp_status", "card_valid"};
    if ((rc = store_prepare(db,
                            "INSERT INTO residents (nik, kk_number, name, birth_place, birth_date,"
                            " sex, blood_type, agama, marital_status, pekerjaan, pendidikan,"
                            " nationality, itap_until, address, rt, rw, kelurahan_code,"
                            " kecamatan_code, hubungan, ktp_status, card_valid, updated_at)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                            " ON CONFLICT (nik) DO UPDATE SET kk_number = excluded.kk_number,"
                            " name = excluded.name, birth_place = excluded.birth_place,"
                            " birth_date = excluded.birth_date, sex = excluded.sex,"
                            " blood_type = excluded.blood_type, agama = excluded.agama,"
                            " marital_status = excluded.marital_status,"
                            " pekerjaan = excluded.pekerjaan, pendidikan = excluded.pendidikan,"
                            " nationality = excluded.nationality, itap_until ="
                            " excluded.itap_until, address = excluded.address, rt = excluded.rt,"
                            " rw = excluded.rw, kelurahan_code = excluded.kelurahan_code,"
                            " kecamatan_code = excluded.kecamatan_code, hubungan ="
                            " excluded.hubungan, ktp_status = excluded.ktp_status, card_valid ="
                            " excluded.card_valid, updated_at = excluded.updated_at",
                            &st, err)) != KT_OK)
        return rc;
    for (int i = 0; i < 21; i++) {
        json_t *v = json_object_get(r, col[i]);
        if (json_is_integer(v))
            store_bind_int(st, i + 1, json_integer_value(v));
        else if (json_is_string(v))
            store_bind_text(st, i + 1, json_string_value(v), -1);
        else
            store_bind_null(st, i + 1);
    }
    store_bind_int(st, 22, now);
    return store_run(st, err);
}

/* One resident feed entry with the cursor, in one transaction (as apply_entry). */
static kt_code apply_resident(svc *s, const json_t *e, int *applied, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    link_cfg c;
    *applied = 0;
    int64_t seq = json_integer_value(json_object_get(e, "seq"));
    const char *nik = svc_jstr(e, "nik"), *change = svc_jstr(e, "change");
    const json_t *r = json_object_get(e, "resident");
    int upsert = change != NULL && (strcmp(change, "new") == 0 || strcmp(change, "changed") == 0);
    /* The central is authenticated, but what it sends is still checked: a NIK, a known change,
       and a resident record of that same NIK and a well-formed KK (what the office's lookups
       and forms assume of every row of residents). */
    if (nik == NULL || !nik_is_well_formed(nik) || change == NULL ||
        (!upsert && strcmp(change, "moved_away") != 0 && strcmp(change, "deceased") != 0) ||
        (upsert && r != NULL &&
         (!json_is_object(r) || svc_jstr(r, "nik") == NULL ||
          strcmp(svc_jstr(r, "nik"), nik) != 0 || svc_jstr(r, "kk_number") == NULL ||
          !nik_is_well_formed(svc_jstr(r, "kk_number")))))
        return kt_fail(err, KT_EINVAL, "resident_malformed", "entries",
                       "Kabar penduduk dari Disdukcapil salah bentuk (nomor %lld)", (long long)seq);
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK || (rc = cfg_load(db, &c, err)) != KT_OK)
        goto out;
    if (seq != c.res_cursor + 1)
        goto out; /* applied before, or not its turn */
    if (upsert) {
        if (r != NULL && (rc = resident_upsert(db, r, svc_now(s), err)) != KT_OK)
            goto out;
    } else { /* moved_away, deceased: no longer this kecamatan's resident */
        if ((rc = store_prepare(db, "DELETE FROM residents WHERE nik = ?", &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, nik, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    if ((rc = store_prepare(db, "UPDATE link_config SET resident_cursor = ? WHERE id = 1", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, seq);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) == KT_OK)
        *applied = 1;
out:
    svc_conn_put(s, db);
    return rc;
}

/* ---- pulling a feed ------------------------------------------------------------------- */

typedef kt_code (*apply_fn)(svc *s, const json_t *e, int *applied, kt_error *err);

kt_code svc_link_feed_apply(svc *s, const char *text, size_t len, int residents, int *count,
                            size_t *entries, int *progressed, char *errbuf, size_t errcap,
                            kt_error *err)
{
    apply_fn apply = residents ? apply_resident : apply_entry;
    *entries = 0;
    *progressed = 0;
    json_t *j = text != NULL ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *feed = json_object_get(j, "entries");
    size_t n = json_array_size(feed);
    if (!json_is_array(feed)) {
        snprintf(errbuf, errcap, "Jawaban Disdukcapil salah bentuk (%s)",
                 residents ? "kabar penduduk" : "status");
        json_decref(j);
        return KT_OK; /* said in errbuf: the round ends there, nothing applied */
    }
    kt_code rc = KT_OK;
    json_t **v = n > 0 ? malloc(n * sizeof *v) : NULL; /* owned; borrows feed's entries */
    if (n > 0 && v == NULL) {
        json_decref(j);
        return svc_nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(feed, i);
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_seq);
    for (size_t i = 0; i < n && rc == KT_OK; i++) {
        int applied = 0;
        rc = apply(s, v[i], &applied, err);
        *count += applied;
        *progressed |= applied;
    }
    *entries = n;
    free(v);
    json_decref(j);
    return rc;
}

/* Pull path (status or residents) from the cursor until nothing new; each entry applied by
   apply in sequence order whatever order it came in, only as the next one. */
static kt_code pull_feed(svc *s, const link_cfg *c0, const char *path, int residents,
                         int *count, char *errbuf, size_t errcap, kt_error *err)
{
    link_sign_key key;
    kt_code rc = link_sign_key_load(c0->key_path, 0, &key, NULL, err);
    if (rc != KT_OK)
        return rc;
    for (int round = 0; round < 1000; round++) {
        store *db = NULL;
        link_cfg c;
        if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
            break;
        rc = cfg_load(db, &c, err);
        svc_conn_put(s, db);
        if (rc != KT_OK)
            break;
        char pq[128], url[800];
        snprintf(pq, sizeof pq, "%s?after=%lld&limit=%d", path,
                 (long long)(residents ? c.res_cursor : c.cursor), LINK_PULL_BATCH);
        snprintf(url, sizeof url, "%s%s", c.central_url, pq);
        link_req_sig sig;
        link_req_sign(&key, c.node_id, "GET", pq, NULL, 0, svc_now(s), &sig);
        link_http rq = {url, c.tls_pin, "GET", NULL, NULL, 0, &sig, 60, &s->link_cancel};
        char *resp = NULL;
        size_t rlen = 0;
        long status = 0;
        kt_error e;
        kt_error_clear(&e);
        if (link_http_call(&rq, &status, &resp, &rlen, &e) != KT_OK || status != 200) {
            if (e.message[0] != '\0')
                snprintf(errbuf, errcap, "%s", e.message);
            else
                error_text(resp, status, errbuf, errcap);
            free(resp);
            break;
        }
        size_t n = 0;
        int progressed = 0;
        rc = svc_link_feed_apply(s, resp, rlen, residents, count, &n, &progressed, errbuf, errcap,
                                 err);
        free(resp);
        if (rc != KT_OK || !progressed || n < LINK_PULL_BATCH)
            break;
    }
    sodium_memzero(&key, sizeof key);
    return rc;
}

/* ---- one round --------------------------------------------------------------------------- */

static kt_code round_run(svc *s, int force, round_stats *rs, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    link_cfg c;
    char ids[64][40];
    int n = 0, row = 0;
    memset(rs, 0, sizeof *rs);
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = cfg_load(db, &c, err)) == KT_OK &&
        (rc = store_prepare(db,
                            "SELECT packet_id FROM link_outbox WHERE state = 'pending' ORDER BY"
                            " seq LIMIT 64",
                            &st, err)) == KT_OK) {
        while ((rc = store_step(st, &row, err)) == KT_OK && row && n < 64)
            snprintf(ids[n++], sizeof ids[0], "%s", store_col_text(st, 0));
        store_reset(st);
    }
    svc_conn_put(s, db);
    if (rc != KT_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        kt_error e;
        if (build_one(s, &c, ids[i], &e) == KT_OK)
            rs->built++;
        else
            snprintf(rs->error, sizeof rs->error, "%.39s: %.200s", ids[i], e.message);
    }
    if ((rc = send_due(s, &c, force, rs, err)) != KT_OK)
        return rc;
    if ((rc = pull_feed(s, &c, "/api/link/v1/status", 0, &rs->statuses, rs->error,
                        sizeof rs->error, err)) != KT_OK)
        return rc;
    return pull_feed(s, &c, "/api/link/v1/residents", 1, &rs->residents,
                     rs->error, sizeof rs->error, err);
}

kt_code svc_link_require_officer(const svc_actor *who, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role != WF_ROLE_SUPERVISOR && role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak mengelola kiriman ke Disdukcapil", who->role);
    return KT_OK;
}

kt_code svc_link_sync(svc *s, const svc_actor *who, int force, json_t **out, kt_error *err)
{
    round_stats rs;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = round_run(s, force, &rs, err)) != KT_OK)
        return rc;
    *out = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "built", rs.built, "sent", rs.sent,
                     "failed", rs.failed, "retry", rs.retry, "statuses", rs.statuses, "residents",
                     rs.residents);
    if (*out != NULL && rs.error[0] != '\0')
        json_object_set_new(*out, "error", json_string(rs.error));
    return *out != NULL ? KT_OK : svc_nomem(err);
}

/* ---- enrolment ------------------------------------------------------------------------- */

static int loopback_http(const char *url)
{
    return strncmp(url, "http://127.0.0.1", 16) == 0 || strncmp(url, "http://localhost", 16) == 0 ||
           strncmp(url, "http://[::1]", 12) == 0;
}

/* Copy string o[key] into dst (cap) when it is there and fits; 0 otherwise. */
static int field_copy(const json_t *o, const char *key, char *dst, size_t cap)
{
    const char *v = svc_jstr(o, key);
    if (v == NULL || strlen(v) >= cap)
        return 0;
    memcpy(dst, v, strlen(v) + 1);
    return 1;
}

kt_code svc_link_enrol_check(const char *text, size_t len, const char *node_id, const char *code,
                             const char *node_public_key, svc_link_enrol_answer *out,
                             kt_error *err)
{
    json_t *ans = text != NULL ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *kid = json_object_get(ans, "key_id");
    const char *anode = svc_jstr(ans, "node_id"), *mac = svc_jstr(ans, "mac");
    uint8_t k32[32], macb[64], mkey[32];
    size_t ml = 0, nn = 0;
    char norm[32], text_mac[512];
    kt_code rc = KT_OK;
    memset(out, 0, sizeof *out);
    for (const char *q = code; *q != '\0' && nn < 31; q++)
        if (*q != '-' && *q != ' ')
            norm[nn++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q);
    norm[nn] = '\0';
    int kec_ok = field_copy(ans, "kecamatan_code", out->kecamatan_code,
                            sizeof out->kecamatan_code) &&
                 strlen(out->kecamatan_code) == 6 &&
                 strspn(out->kecamatan_code, "0123456789") == 6;
    if (!kec_ok || anode == NULL || mac == NULL || strcmp(anode, node_id) != 0 ||
        !json_is_integer(kid) ||
        !field_copy(ans, "sign_public_key", out->sign_public_key, sizeof out->sign_public_key) ||
        !field_copy(ans, "box_public_key", out->box_public_key, sizeof out->box_public_key) ||
        link_b64_key(out->sign_public_key, k32, "sign_public_key", err) != KT_OK ||
        link_b64_key(out->box_public_key, k32, "box_public_key", err) != KT_OK ||
        sodium_base642bin(macb, sizeof macb, mac, strlen(mac), NULL, &ml, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        ml != crypto_auth_hmacsha256_BYTES) {
        rc = kt_fail(err, KT_EINVAL, "enrol_answer_invalid", "central",
                     "Jawaban pendaftaran dari pusat salah bentuk");
        goto out;
    }
    out->key_id = json_integer_value(kid);
    snprintf(text_mac, sizeof text_mac, "ktpel-enrol-v1\n%s\n%s\n%s\n%s\n%s", node_id,
             out->kecamatan_code, out->sign_public_key, out->box_public_key, node_public_key);
    crypto_hash_sha256(mkey, (const uint8_t *)norm, strlen(norm));
    if (crypto_auth_hmacsha256_verify(macb, (const uint8_t *)text_mac, strlen(text_mac), mkey) !=
        0)
        rc = kt_fail(err, KT_EUNAUTH, "enrol_answer_forged", "central",
                     "Jawaban pendaftaran tidak ditandatangani dengan kode ini: pusat palsu?");
out:
    if (rc != KT_OK)
        memset(out, 0, sizeof *out);
    json_decref(ans);
    return rc;
}

kt_code svc_link_enrol(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *req = NULL, *pending = NULL;
    char *body = NULL, *resp = NULL;
    char key_path[1024], pkb[LINK_B64_KEY], url[700];
    link_sign_key key;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    const char *central = svc_jstr(in, "central_url"), *node_id = svc_jstr(in, "node_id"),
               *code = svc_jstr(in, "code"), *pin = svc_jstr(in, "tls_pin"),
               *kp = svc_jstr(in, "key_path");
    if (central == NULL || strlen(central) > 500 ||
        (strncmp(central, "https://", 8) != 0 && !loopback_http(central)))
        return kt_fail(err, KT_EINVAL, "central_url_invalid", "central_url",
                       "Alamat pusat harus https://... (http:// hanya untuk 127.0.0.1)");
    if (strncmp(central, "https://", 8) == 0 &&
        (pin == NULL || strncmp(pin, "sha256//", 8) != 0 || strlen(pin) > 120))
        return kt_fail(err, KT_EINVAL, "tls_pin_missing", "tls_pin",
                       "Sidik kunci TLS pusat wajib untuk https (sha256//..., dari admin pusat)");
    if (node_id == NULL || strlen(node_id) != 9 || code == NULL || strlen(code) > 40)
        return kt_fail(err, KT_EINVAL, "enrol_invalid", "node_id",
                       "Identitas simpul (mis. 367110-01) dan kode pendaftaran wajib diisi");
    if (kp != NULL && kp[0] != '\0')
        snprintf(key_path, sizeof key_path, "%s", kp);
    else
        snprintf(key_path, sizeof key_path, "%s/keys/link_node.key", s->data_dir);
    /* A fresh key for each enrolment (a re-enrolment is a key rotation). */
    if ((rc = link_sign_key_new(key_path, &key, err)) != KT_OK)
        return rc;
    link_b64(key.pk, 32, pkb, sizeof pkb);
    sodium_memzero(&key, sizeof key);
    req = json_pack("{s:s, s:s, s:s}", "node_id", node_id, "code", code, "public_key", pkb);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    /* Trim a trailing slash so paths join cleanly. */
    char base[520];
    snprintf(base, sizeof base, "%s", central);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    snprintf(url, sizeof url, "%s/api/link/v1/enrol", base);
    link_http rq = {url, pin, "POST", "application/json", body, strlen(body), NULL, 60, &s->link_cancel};
    long status = 0;
    size_t rlen = 0;
    if ((rc = link_http_call(&rq, &status, &resp, &rlen, err)) != KT_OK)
        goto out;
    if (status != 200) {
        char why[300];
        error_text(resp, status, why, sizeof why);
        rc = kt_fail(err, status == 403 ? KT_EFORBIDDEN : KT_EREFUSED, "enrol_refused", "code",
                     "Pendaftaran ditolak pusat: %s", why);
        goto out;
    }
    svc_link_enrol_answer ans;
    if ((rc = svc_link_enrol_check(resp, rlen, node_id, code, pkb, &ans, err)) != KT_OK)
        goto out;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    /* A re-enrolment keeps the sequence and the cursor (the central keeps its feed). */
    if ((rc = store_prepare(db,
                            "INSERT INTO link_config (id, central_url, tls_pin, central_sign_pk,"
                            " central_box_pk, node_id, kecamatan_code, key_path, key_id,"
                            " enrolled_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (id) DO UPDATE SET central_url = excluded.central_url,"
                            " tls_pin = excluded.tls_pin, central_sign_pk = excluded.central_sign_pk,"
                            " central_box_pk = excluded.central_box_pk, node_id = excluded.node_id,"
                            " kecamatan_code = excluded.kecamatan_code, key_path ="
                            " excluded.key_path, key_id = excluded.key_id, enrolled_at ="
                            " excluded.enrolled_at",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, base, -1);
    store_bind_text(st, 2, pin != NULL ? pin : "", -1);
    store_bind_text(st, 3, ans.sign_public_key, -1);
    store_bind_text(st, 4, ans.box_public_key, -1);
    store_bind_text(st, 5, node_id, -1);
    store_bind_text(st, 6, ans.kecamatan_code, -1);
    store_bind_text(st, 7, key_path, -1);
    store_bind_int(st, 8, ans.key_id);
    store_bind_int(st, 9, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "link_enrolled", who, 0, 0, "", "", "link_enrol", "",
                            node_id, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:s, s:I, s:s}", "node_id", node_id, "kecamatan_code",
                     ans.kecamatan_code, "central_url", base, "key_id", (json_int_t)ans.key_id,
                     "key_path", key_path);
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(req);
    json_decref(pending);
    free(body);
    free(resp);
    return rc;
}

/* ---- pages and CLI --------------------------------------------------------------------- */

kt_code svc_link_info(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    link_cfg c;
    int row = 0;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    kt_error e;
    if (cfg_load(db, &c, &e) != KT_OK) {
        *out = json_pack("{s:b}", "linked", 0);
        rc = *out != NULL ? KT_OK : svc_nomem(err);
        goto out;
    }
    if ((rc = store_prepare(db,
                            "SELECT sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),"
                            " sum(CASE WHEN state = 'ready' THEN 1 ELSE 0 END),"
                            " sum(CASE WHEN state = 'sent' THEN 1 ELSE 0 END),"
                            " sum(CASE WHEN state = 'failed' THEN 1 ELSE 0 END),"
                            " min(CASE WHEN state IN ('pending', 'ready') THEN created_at END)"
                            " FROM link_outbox",
                            &st, err)) != KT_OK)
        goto out;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t oldest = store_col_null(st, 4) ? 0 : store_col_int(st, 4);
    int alert = oldest > 0 && svc_now(s) - oldest > (int64_t)alert_minutes * 60000;
    *out = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:i, s:b}", "linked",
                     1, "node_id", c.node_id, "kecamatan_code", c.kec, "central_url",
                     c.central_url, "status_cursor", (json_int_t)c.cursor, "resident_cursor",
                     (json_int_t)c.res_cursor, "counts", "pending",
                     (json_int_t)store_col_int(st, 0), "ready", (json_int_t)store_col_int(st, 1),
                     "sent", (json_int_t)store_col_int(st, 2), "failed",
                     (json_int_t)store_col_int(st, 3), "alert_minutes", alert_minutes, "alert",
                     alert || store_col_int(st, 3) > 0);
    store_reset(st);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    json_object_set_new(*out, "oldest_waiting_at", oldest > 0 ? json_integer(oldest) : json_null());
    /* Cards from Disdukcapil: shipments to receive, cards missing from received ones. */
    int64_t waiting = 0, missing = 0;
    if ((rc = svc_link_card_counts(db, &waiting, &missing, err)) != KT_OK) {
        json_decref(*out);
        *out = NULL;
        goto out;
    }
    json_object_set_new(*out, "shipments_waiting", json_integer(waiting));
    json_object_set_new(*out, "cards_missing", json_integer(missing));
out:
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_link_outbox(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                        kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *a = NULL;
    int row = 0;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    const char *state = svc_jstr(filter, "state");
    if (state != NULL && strcmp(state, "pending") != 0 && strcmp(state, "ready") != 0 &&
        strcmp(state, "sent") != 0 && strcmp(state, "failed") != 0)
        return kt_fail(err, KT_EINVAL, "state_invalid", "state",
                       "Status kiriman harus pending, ready, sent atau failed");
    json_int_t limit = 200;
    json_t *jl = json_object_get(filter, "limit");
    if (json_is_integer(jl) && json_integer_value(jl) >= 1 && json_integer_value(jl) <= 1000)
        limit = json_integer_value(jl);
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT o.packet_id, o.kind, o.application_id, o.nik, o.state, o.size,"
                            " o.attempts, o.last_error, o.created_at, o.sent_at, o.central_status,"
                            " o.central_reason, o.next_attempt_at, o.exported_at, r.name"
                            " FROM link_outbox o LEFT JOIN residents r ON r.nik = o.nik"
                            " WHERE (? IS NULL OR o.state = ?) ORDER BY o.seq DESC LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, state, -1);
    store_bind_text(st, 2, state, -1);
    store_bind_int(st, 3, limit);
    int64_t now = svc_now(s);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:i, s:s, s:I, s:I, s:s, s:s, s:I}",
                              "packet_id", store_col_text(st, 0), "kind", store_col_text(st, 1),
                              "application_id", (json_int_t)store_col_int(st, 2), "nik",
                              store_col_text(st, 3), "state", store_col_text(st, 4), "size",
                              (json_int_t)store_col_int(st, 5), "attempts",
                              (int)store_col_int(st, 6), "last_error", store_col_text(st, 7),
                              "created_at", (json_int_t)store_col_int(st, 8), "age_ms",
                              (json_int_t)(now - store_col_int(st, 8)), "central_status",
                              store_col_text(st, 10), "central_reason", store_col_text(st, 11),
                              "next_attempt_at", (json_int_t)store_col_int(st, 12));
        if (o == NULL)
            continue;
        json_object_set_new(o, "sent_at", store_col_null(st, 9) ? json_null()
                                                                : json_integer(store_col_int(st, 9)));
        json_object_set_new(o, "exported_at", store_col_null(st, 13)
                                                  ? json_null()
                                                  : json_integer(store_col_int(st, 13)));
        json_object_set_new(o, "name", store_col_null(st, 14) ? json_null()
                                                              : json_string(store_col_text(st, 14)));
        json_array_append_new(a, o);
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* A list of people: whole NIKs for the supervisor only, and the read recorded before it
       is released (docs/security.md "Reads are recorded", "NIK masking"). */
    char *subjects = svc_access_subjects(a, "nik");
    if (subjects == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_access_record(s, who, "link_outbox", "", 0, subjects, state != NULL ? state : "",
                           err);
    free(subjects);
    if (rc != KT_OK)
        goto out;
    if (!svc_full_nik(who))
        svc_nik_mask_list(a, "nik");
    if ((*out = json_pack("{s:O}", "packets", a)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(a);
    return rc;
}

kt_code svc_link_retry(svc *s, const svc_actor *who, const char *packet_id, json_t **out,
                       kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    if (packet_id == NULL || strlen(packet_id) > 39)
        return kt_fail(err, KT_EINVAL, "packet_id_invalid", "packet_id", "Nomor paket tidak sah");
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE link_outbox SET state = CASE WHEN path = '' THEN 'pending'"
                            " ELSE 'ready' END, next_attempt_at = 0, last_error = '' WHERE"
                            " packet_id = ? AND state = 'failed'",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, packet_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (store_changes(db) != 1) {
        rc = kt_fail(err, KT_ECONFLICT, "not_failed", "packet_id",
                     "Paket %s tidak dalam status gagal", packet_id);
        goto out;
    }
    if ((rc = svc_event_add(s, db, pending, "link_retry", who, 0, 0, "failed", "ready",
                            "link_retry", "", packet_id, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s}", "packet_id", packet_id, "state", "ready");
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_link_export(svc *s, const svc_actor *who, const char *dir, json_t **out,
                        kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *files = NULL;
    link_cfg c;
    int row = 0;
    *out = NULL;
    kt_code rc = svc_link_require_officer(who, err);
    if (rc != KT_OK)
        return rc;
    struct stat sb;
    if (dir == NULL || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return kt_fail(err, KT_EINVAL, "dir_invalid", "dir", "Folder tujuan %s tidak ada",
                       dir != NULL ? dir : "");
    /* Build what is still pending first: every unsent packet leaves. */
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    rc = cfg_load(db, &c, err);
    svc_conn_put(s, db);
    db = NULL;
    if (rc != KT_OK)
        return rc;
    round_stats rs;
    memset(&rs, 0, sizeof rs);
    for (;;) {
        char id[40] = "";
        if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
            return rc;
        if ((rc = store_prepare(db,
                                "SELECT packet_id FROM link_outbox WHERE state = 'pending' ORDER"
                                " BY seq LIMIT 1",
                                &st, err)) == KT_OK) {
            if ((rc = store_step(st, &row, err)) == KT_OK && row)
                snprintf(id, sizeof id, "%s", store_col_text(st, 0));
            store_reset(st);
        }
        svc_conn_put(s, db);
        db = NULL;
        if (rc != KT_OK)
            return rc;
        if (id[0] == '\0')
            break;
        if ((rc = build_one(s, &c, id, err)) != KT_OK)
            return rc;
    }
    if ((files = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT packet_id, path FROM link_outbox WHERE state = 'ready'"
                            " ORDER BY seq",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(files, json_pack("{s:s, s:s}", "packet_id", store_col_text(st, 0),
                                               "path", store_col_text(st, 1)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        uint8_t *data = NULL;
        size_t len = 0;
        char dst[1200];
        const char *pid = svc_jstr(f, "packet_id");
        snprintf(dst, sizeof dst, "%s/%s.ktpkt", dir, pid);
        if ((rc = read_packet_file(svc_jstr(f, "path"), &data, &len, err)) != KT_OK)
            goto out;
        rc = link_file_write(dst, data, len, err);
        free(data);
        if (rc != KT_OK)
            goto out;
        json_object_set_new(f, "path", json_string(dst));
        if ((rc = svc_begin_write(s, db, err)) != KT_OK ||
            (rc = store_prepare(db, "UPDATE link_outbox SET exported_at = ? WHERE packet_id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, svc_now(s));
        store_bind_text(st, 2, pid, -1);
        if ((rc = store_run(st, err)) != KT_OK || (rc = svc_commit(s, db, err)) != KT_OK)
            goto out;
    }
    *out = json_pack("{s:I, s:O}", "exported", (json_int_t)json_array_size(files), "files", files);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(files);
    return rc;
}

/* ---- the agent ------------------------------------------------------------------------- */

struct svc_link_agent {
    svc *s;
    svc_worker *w; /* owned: one round at once, then every interval or when woken */
};

static void agent_round(void *ctx)
{
    svc_link_agent *a = ctx;
    round_stats rs;
    kt_error e;
    if (round_run(a->s, 0, &rs, &e) != KT_OK && e.code != KT_ENOTFOUND)
        fprintf(stderr, "ktpel link: %s\n", e.message);
}

kt_code svc_link_agent_start(svc *s, int interval_ms, svc_link_agent **out, kt_error *err)
{
    *out = NULL;
    svc_link_agent *a = calloc(1, sizeof *a);
    if (a == NULL)
        return svc_nomem(err);
    a->s = s;
    kt_code rc = svc_worker_start(agent_round, a, interval_ms > 0 ? interval_ms : 5000, &a->w,
                                  err);
    if (rc != KT_OK) {
        free(a);
        return rc;
    }
    *out = a;
    return KT_OK;
}

void svc_link_agent_wake(svc_link_agent *a)
{
    if (a != NULL)
        svc_worker_wake(a->w);
}

void svc_link_cancel(svc *s)
{
    atomic_store(&s->link_cancel, 1);
}

void svc_link_agent_stop(svc_link_agent *a)
{
    if (a == NULL)
        return;
    svc_link_cancel(a->s); /* a send under way gives up now, not at its timeout */
    svc_worker_stop(a->w);
    free(a);
}
