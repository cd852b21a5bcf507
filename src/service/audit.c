/*
 * audit.c - the tamper-evident audit trail: the hash chains of `events` (every change) and
 * `access_log` (every read of a resident's data), the signed checkpoints over both, and their
 * verification (`ktpel audit verify`, GET /api/audit/verify, KONSOLIDASI, the dashboard).
 *
 * The chains. Every record carries chain_prev (the chain_hash of the record before it; 64 zeros
 * for the first) and chain_hash = SHA-256 of a domain tag, the table's name, chain_prev and the
 * record's canonical content: each column in a fixed order as name=len:value (or name=- for
 * NULL), so no two contents encode alike. A record is appended inside the write transaction
 * that makes it: it reads the chain's last record (under the write lock, which SQLite's BEGIN
 * IMMEDIATE and PostgreSQL's advisory lock make process-wide), takes the next id and links to
 * it. So the chain order is the commit order, even under the group commit (each unit appends
 * in its savepoint; a unit rolled back takes its records with it), and a crash leaves either
 * the whole transaction or none of it: never half a chain.
 *
 * What each check catches: a record edited with SQL no longer hashes to its chain_hash
 * ("content"); a record deleted, inserted or re-hashed breaks the link to the next one
 * ("link"). Someone who rewrites the chain from the edit onwards (SHA-256 is not secret) is
 * caught by the checkpoints: every AUDIT_CP_EVERY records or AUDIT_CP_AGE_MS of activity a row
 * of audit_checkpoints records both chains' heads (id, hash) and is signed with the audit key
 * (Ed25519, audit.key beside the database, never in the data folder that backups copy). A
 * checkpoint whose hash no longer matches the chain, whose record is gone, whose signature
 * fails or whose key is not the office's is reported. Checkpoints are chained too.
 *
 * Limits (docs/security.md): the records after the last checkpoint are protected by the chain
 * alone (a rewrite of that tail, or its removal, is only visible against a checkpoint copied
 * elsewhere: a backup, the report); whoever holds both the database and audit.key can rewrite
 * everything, which is why `verify --pub` takes a copy of the public key kept away from the
 * server.
 *
 * Never: write a chained record outside a write transaction; change or delete one.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nik.h"
#include "service/rec_internal.h"

#define AUDIT_CP_EVERY 256                       /* records (both chains) per checkpoint */
#define AUDIT_CP_AGE_MS (10 * 60 * INT64_C(1000)) /* or this long since the last one */
#define AUDIT_MAX_PROBLEMS 20
#define AUDIT_SEAL_BATCH 1000
#define AUDIT_SIG_TAG "ktpel-audit-checkpoint-v1\n"
#define AUDIT_STATUS_MAX_AGE_MS (10 * 60 * INT64_C(1000)) /* svc_audit_status's cache */

static const char GENESIS[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char *const events_cols[] = {"id",        "application_id", "ticket_id", "user_id",
                                          "username",  "role",           "loket",     "at",
                                          "from_state", "to_state",      "action",    "reason",
                                          "note"};
static const char *const access_cols[] = {"id",     "at",  "user_id",        "username",
                                          "role",   "loket", "action",       "nik",
                                          "application_id", "subjects", "detail"};
static const char *const cp_cols[] = {"id",          "at",        "events_id", "events_hash",
                                      "access_id",   "access_hash", "key_id"};

static const struct chain_def {
    const char *table;
    const char *what; /* a record of it, in messages */
    const char *What; /* the same at the start of a sentence */
    const char *const *cols;
    size_t ncols;
    const char *tail_sql;
    const char *walk_sql; /* the columns, then chain_prev, chain_hash; from id > ? in order */
} chains[SVC_CHAIN_COUNT] = {
    {"events", "kejadian", "Kejadian", events_cols, sizeof events_cols / sizeof events_cols[0],
     "SELECT id, chain_hash FROM events ORDER BY id DESC LIMIT 1",
     "SELECT id, application_id, ticket_id, user_id, username, role, loket, at, from_state,"
     " to_state, action, reason, note, chain_prev, chain_hash FROM events WHERE id > ?"
     " ORDER BY id LIMIT 1000"},
    {"access_log", "catatan akses", "Catatan akses", access_cols, sizeof access_cols / sizeof access_cols[0],
     "SELECT id, chain_hash FROM access_log ORDER BY id DESC LIMIT 1",
     "SELECT id, at, user_id, username, role, loket, action, nik, application_id, subjects,"
     " detail, chain_prev, chain_hash FROM access_log WHERE id > ? ORDER BY id LIMIT 1000"},
    {"audit_checkpoints", "titik periksa", "Titik periksa", cp_cols, sizeof cp_cols / sizeof cp_cols[0],
     "SELECT id, chain_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
     "SELECT id, at, events_id, events_hash, access_id, access_hash, key_id, chain_prev,"
     " chain_hash FROM audit_checkpoints WHERE id > ? ORDER BY id LIMIT 1000"},
};

/* ---- hashing and appending ------------------------------------------------------------- */

static void h_str(crypto_hash_sha256_state *st, const char *s)
{
    crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
}

void svc_audit_hash(svc_chain c, const char *prev, const char *const *vals, char out[65])
{
    const struct chain_def *d = &chains[c];
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    char len[32];
    crypto_hash_sha256_init(&st);
    h_str(&st, "ktpel-audit-v1\n");
    h_str(&st, d->table);
    h_str(&st, "\n");
    h_str(&st, prev);
    h_str(&st, "\n");
    for (size_t i = 0; i < d->ncols; i++) {
        h_str(&st, d->cols[i]);
        if (vals[i] == NULL) {
            h_str(&st, "=-\n");
            continue;
        }
        snprintf(len, sizeof len, "=%zu:", strlen(vals[i]));
        h_str(&st, len);
        h_str(&st, vals[i]);
        h_str(&st, "\n");
    }
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

kt_code svc_audit_tail(store *db, svc_chain c, int64_t *id, char hash[65], kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db, chains[c].tail_sql, &st, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *id = row ? store_col_int(st, 0) : 0;
    snprintf(hash, 65, "%s", row ? store_col_text(st, 1) : GENESIS);
    store_reset(st);
    return KT_OK;
}

/* Sign and append a checkpoint of both chains' heads (inside the caller's write
   transaction). next (may be NULL): the record about to be appended to chain c (its id and
   hash), which the checkpoint covers as that chain's head. The audit key is made beside the
   database the first time. */
typedef struct audit_next {
    svc_chain c;
    int64_t id;
    const char *hash;
} audit_next;

static kt_code checkpoint_write(svc *s, store *db, const audit_next *next, int64_t *cp_id,
                                kt_error *err)
{
    int64_t ev_id, acc_id, id;
    char ev_hash[65], acc_hash[65], prev[65], hash[65], key_id[65], sig_hex[129];
    char b_id[24], b_at[24], b_ev[24], b_acc[24];
    unsigned char sig[crypto_sign_BYTES], msg[sizeof AUDIT_SIG_TAG - 1 + 64];
    tok_keys k;
    store_stmt *st = NULL;
    int64_t now = svc_now(s);
    kt_code rc;
    memset(&k, 0, sizeof k);
    if ((rc = svc_audit_tail(db, SVC_CHAIN_EVENTS, &ev_id, ev_hash, err)) != KT_OK ||
        (rc = svc_audit_tail(db, SVC_CHAIN_ACCESS, &acc_id, acc_hash, err)) != KT_OK ||
        (rc = svc_audit_tail(db, SVC_CHAIN_CHECKPOINTS, &id, prev, err)) != KT_OK)
        return rc;
    if (next != NULL) {
        int64_t *hid = next->c == SVC_CHAIN_EVENTS ? &ev_id : &acc_id;
        char *hh = next->c == SVC_CHAIN_EVENTS ? ev_hash : acc_hash;
        *hid = next->id;
        snprintf(hh, 65, "%s", next->hash);
    }
    if ((rc = svc_key_secret(s, "audit", "audit", 1, &k, err)) != KT_OK)
        return rc;
    id++;
    sodium_bin2hex(key_id, sizeof key_id, k.pk, sizeof k.pk);
    snprintf(b_id, sizeof b_id, "%lld", (long long)id);
    snprintf(b_at, sizeof b_at, "%lld", (long long)now);
    snprintf(b_ev, sizeof b_ev, "%lld", (long long)ev_id);
    snprintf(b_acc, sizeof b_acc, "%lld", (long long)acc_id);
    const char *vals[] = {b_id, b_at, b_ev, ev_hash, b_acc, acc_hash, key_id};
    svc_audit_hash(SVC_CHAIN_CHECKPOINTS, prev, vals, hash);
    memcpy(msg, AUDIT_SIG_TAG, sizeof AUDIT_SIG_TAG - 1);
    memcpy(msg + sizeof AUDIT_SIG_TAG - 1, hash, 64);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k.sk);
    tok_keys_wipe(&k);
    sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
    if ((rc = store_prepare(db,
                            "INSERT INTO audit_checkpoints (id, at, events_id, events_hash,"
                            " access_id, access_hash, key_id, chain_prev, chain_hash, signature)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, now);
    store_bind_int(st, 3, ev_id);
    store_bind_text(st, 4, ev_hash, -1);
    store_bind_int(st, 5, acc_id);
    store_bind_text(st, 6, acc_hash, -1);
    store_bind_text(st, 7, key_id, -1);
    store_bind_text(st, 8, prev, -1);
    store_bind_text(st, 9, hash, -1);
    store_bind_text(st, 10, sig_hex, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (cp_id != NULL)
        *cp_id = id;
    return KT_OK;
}

kt_code svc_audit_before_append(svc *s, store *db, svc_chain c, int64_t id,
                                const char *hash, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    int64_t ev_id, acc_id;
    char h[65];
    kt_code rc = store_prepare(db,
                               "SELECT at, events_id, access_id FROM audit_checkpoints"
                               " ORDER BY id DESC LIMIT 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t cp_at = row ? store_col_int(st, 0) : 0, cp_ev = row ? store_col_int(st, 1) : 0,
            cp_acc = row ? store_col_int(st, 2) : 0;
    store_reset(st);
    if (c == SVC_CHAIN_EVENTS) {
        ev_id = id;
        if ((rc = svc_audit_tail(db, SVC_CHAIN_ACCESS, &acc_id, h, err)) != KT_OK)
            return rc;
    } else {
        acc_id = id;
        if ((rc = svc_audit_tail(db, SVC_CHAIN_EVENTS, &ev_id, h, err)) != KT_OK)
            return rc;
    }
    /* The first record ever is signed at once, so "records but no checkpoint" always means
       the checkpoints were removed. Then nothing is signed on its own again: signing would
       bless whatever the chains hold now. Only an admin's `ktpel audit checkpoint` (itself
       an event of the trail) starts the checkpoints again. */
    if (!row && ev_id + acc_id > 1)
        return KT_OK;
    if (row && (ev_id - cp_ev) + (acc_id - cp_acc) < AUDIT_CP_EVERY &&
        svc_now(s) - cp_at < AUDIT_CP_AGE_MS)
        return KT_OK;
    audit_next next = {c, id, hash};
    return checkpoint_write(s, db, &next, NULL, err);
}

kt_code svc_access_add(svc *s, store *db, const svc_actor *who, const char *action,
                       const char *nik, int64_t app_id, const char *subjects,
                       const char *detail, kt_error *err)
{
    store_stmt *st = NULL;
    int64_t id;
    int64_t at = svc_now(s);
    char prev[65], hash[65], b_id[24], b_at[24], b_uid[24], b_loket[24], b_app[24];
    kt_code rc;
    if (!svc_holds_write())
        return kt_fail(err, KT_EINTERNAL, "audit_outside_write", "",
                       "Catatan akses di luar transaksi tulis (bug)");
    if ((rc = svc_audit_tail(db, SVC_CHAIN_ACCESS, &id, prev, err)) != KT_OK)
        return rc;
    id++;
    snprintf(b_id, sizeof b_id, "%lld", (long long)id);
    snprintf(b_at, sizeof b_at, "%lld", (long long)at);
    snprintf(b_uid, sizeof b_uid, "%lld", (long long)who->user_id);
    snprintf(b_loket, sizeof b_loket, "%d", who->loket);
    snprintf(b_app, sizeof b_app, "%lld", (long long)app_id);
    const char *vals[] = {b_id,
                          b_at,
                          b_uid,
                          who->username,
                          who->role,
                          b_loket,
                          action,
                          nik != NULL ? nik : "",
                          app_id > 0 ? b_app : NULL,
                          subjects != NULL ? subjects : "",
                          detail != NULL ? detail : ""};
    svc_audit_hash(SVC_CHAIN_ACCESS, prev, vals, hash);
    if ((rc = svc_audit_before_append(s, db, SVC_CHAIN_ACCESS, id, hash, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "INSERT INTO access_log (id, at, user_id, username, role, loket,"
                            " action, nik, application_id, subjects, detail, chain_prev,"
                            " chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, at);
    store_bind_int(st, 3, who->user_id);
    store_bind_text(st, 4, who->username, -1);
    store_bind_text(st, 5, who->role, -1);
    store_bind_int(st, 6, who->loket);
    store_bind_text(st, 7, action, -1);
    store_bind_text(st, 8, vals[7], -1);
    if (app_id > 0)
        store_bind_int(st, 9, app_id);
    else
        store_bind_null(st, 9);
    store_bind_text(st, 10, vals[9], -1);
    store_bind_text(st, 11, vals[10], -1);
    store_bind_text(st, 12, prev, -1);
    store_bind_text(st, 13, hash, -1);
    return store_run(st, err);
}

typedef struct access_unit {
    const svc_actor *who;
    const char *action, *nik, *subjects, *detail;
    int64_t app_id;
} access_unit;

static kt_code access_unit_run(svc *s, store *db, void *ctx, kt_error *err)
{
    const access_unit *u = ctx;
    return svc_access_add(s, db, u->who, u->action, u->nik, u->app_id, u->subjects, u->detail,
                          err);
}

kt_code svc_access_record(svc *s, const svc_actor *who, const char *action, const char *nik,
                          int64_t app_id, const char *subjects, const char *detail,
                          kt_error *err)
{
    access_unit u = {who, action, nik, subjects, detail, app_id};
    /* An fsync per read would cost more than the read (docs/benchmarks.md "Audit trail"). */
    return svc_group_write_lazy(s, access_unit_run, &u, err);
}

char *svc_access_subjects(const json_t *arr, const char *key)
{
    size_t i, n = 0, cap = 64;
    json_t *v;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    json_array_foreach(arr, i, v) {
        const char *nik = json_string_value(json_object_get(v, key));
        if (nik == NULL || nik[0] == '\0')
            continue;
        size_t l = strlen(nik);
        /* distinct: a person listed twice (two applications) is one subject */
        const char *p = out;
        int seen = 0;
        while ((p = strstr(p, nik)) != NULL) {
            if ((p == out || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0')) {
                seen = 1;
                break;
            }
            p += l;
        }
        if (seen)
            continue;
        if (n + l + 2 > cap) {
            while (n + l + 2 > cap)
                cap *= 2;
            char *np = realloc(out, cap);
            if (np == NULL) {
                free(out);
                return NULL;
            }
            out = np;
        }
        if (n > 0)
            out[n++] = ' ';
        memcpy(out + n, nik, l + 1);
        n += l;
    }
    return out;
}

/* ---- chaining the rows written before migration 006 ------------------------------------ */

/* The first ncols columns of the current row as text (NULL for SQL NULL), valid until the
   statement steps again. */
static void row_vals(store_stmt *st, size_t ncols, const char **vals)
{
    for (size_t i = 0; i < ncols; i++)
        vals[i] = store_col_null(st, (int)i) ? NULL : store_col_text(st, (int)i);
}

/* One batch of unchained events after *after: hash and update them. *n = rows done. */
static kt_code seal_batch(store *db, int64_t *after, char prev[65], int *n, kt_error *err)
{
    const struct chain_def *d = &chains[SVC_CHAIN_EVENTS];
    store_stmt *st = NULL, *up = NULL;
    int row = 0, k = 0;
    int64_t ids[AUDIT_SEAL_BATCH];
    char(*hashes)[2][65] = malloc(sizeof *hashes * AUDIT_SEAL_BATCH);
    kt_code rc;
    if (hashes == NULL)
        return svc_nomem(err);
    if ((rc = store_prepare(db, d->walk_sql, &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, *after);
    while ((rc = store_step(st, &row, err)) == KT_OK && row && k < AUDIT_SEAL_BATCH) {
        const char *vals[16];
        ids[k] = store_col_int(st, 0);
        row_vals(st, d->ncols, vals);
        snprintf(hashes[k][0], 65, "%s", prev);
        svc_audit_hash(SVC_CHAIN_EVENTS, prev, vals, hashes[k][1]);
        snprintf(prev, 65, "%s", hashes[k][1]);
        k++;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "UPDATE events SET chain_prev = ?, chain_hash = ? WHERE id = ?",
                            &up, err)) != KT_OK)
        goto out;
    for (int i = 0; i < k; i++) {
        store_bind_text(up, 1, hashes[i][0], -1);
        store_bind_text(up, 2, hashes[i][1], -1);
        store_bind_int(up, 3, ids[i]);
        if ((rc = store_run(up, err)) != KT_OK)
            goto out;
    }
    if (k > 0)
        *after = ids[k - 1];
    *n = k;
out:
    free(hashes);
    return rc;
}

/* Is there an event without a chain while no checkpoint exists (a database from before
   migration 006)? */
static kt_code needs_seal(store *db, int *yes, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    *yes = 0;
    kt_code rc = store_prepare(db, "SELECT 1 FROM audit_checkpoints LIMIT 1", &st, err);
    if (rc != KT_OK || (rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    store_reset(st);
    if (row)
        return KT_OK;
    if ((rc = store_prepare(db, "SELECT 1 FROM events WHERE chain_hash = '' LIMIT 1", &st,
                            err)) != KT_OK ||
        (rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    store_reset(st);
    *yes = row;
    return KT_OK;
}

kt_code svc_audit_open(svc *s, kt_error *err)
{
    store *db = NULL;
    int yes = 0, n = 0, total = 0;
    int64_t after = 0;
    char prev[65];
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = needs_seal(db, &yes, err)) != KT_OK || !yes)
        goto out;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = needs_seal(db, &yes, err)) != KT_OK || !yes) /* another process did it */
        goto out;
    snprintf(prev, sizeof prev, "%s", GENESIS);
    do {
        if ((rc = seal_batch(db, &after, prev, &n, err)) != KT_OK)
            goto out;
        total += n;
    } while (n == AUDIT_SEAL_BATCH);
    {
        /* The seal is an event of the trail itself: a reseal (someone cleared every hash and
           checkpoint) shows as a second one. */
        char note[96];
        svc_actor sys = svc_system_actor();
        snprintf(note, sizeof note, "%d kejadian lama dirantai", total);
        if ((rc = svc_event_add(s, db, NULL, "audit_sealed", &sys, 0, 0, "", "", "audit_sealed",
                                "", note, NULL, err)) != KT_OK)
            goto out;
    }
    if ((rc = checkpoint_write(s, db, NULL, NULL, err)) != KT_OK)
        goto out;
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* ---- verification ---------------------------------------------------------------------- */

typedef struct cp_row {
    int64_t id, at, events_id, access_id;
    char events_hash[65], access_hash[65], key_id[65], chain_hash[65], signature[129];
} cp_row;

typedef struct verify_ctx {
    json_t *problems; /* borrowed from the result (which holds it while v lives) */
    int64_t nproblems;
    json_t *first[SVC_CHAIN_COUNT]; /* borrowed: the first problem of each chain, or NULL */
    cp_row *cps;                    /* owned */
    size_t ncps;
    unsigned char (*keys)[TOK_PUBLIC_LEN]; /* trusted public keys */
    size_t nkeys;
} verify_ctx;

static void problem(verify_ctx *v, svc_chain c, int64_t id, const char *kind,
                    const char *expected, const char *found, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void problem(verify_ctx *v, svc_chain c, int64_t id, const char *kind,
                    const char *expected, const char *found, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->nproblems++;
    if (v->first[c] != NULL && json_array_size(v->problems) >= AUDIT_MAX_PROBLEMS)
        return;
    json_t *p = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s}", "chain", chains[c].table, "id",
                          (json_int_t)id, "kind", kind, "expected", expected, "found", found,
                          "message", msg);
    if (p == NULL)
        return;
    if (json_array_size(v->problems) < AUDIT_MAX_PROBLEMS)
        json_array_append(v->problems, p);
    if (v->first[c] == NULL)
        v->first[c] = p; /* owned by the context until the end of svc_audit_verify */
    else
        json_decref(p);
}

/* A checkpoint's reference into chain c at id with hash h: compare with what the chain holds
   there (hash of the record id, or NULL when there is no such record). */
static void cp_check_ref(verify_ctx *v, svc_chain c, const cp_row *cp, int64_t id,
                         const char *want, const char *have)
{
    if (id == 0)
        return; /* the chain was empty then */
    if (have == NULL)
        problem(v, c, id, "missing", want, NULL,
                "%s #%lld yang dicatat titik periksa #%lld tidak ada lagi: jejak dihapus",
                chains[c].What, (long long)id, (long long)cp->id);
    else if (strcmp(have, want) != 0)
        problem(v, c, id, "rewritten", want, have,
                "Titik periksa #%lld mencatat %s #%lld dengan hash %.16s..., kini %.16s...: "
                "jejak sampai titik itu ditulis ulang",
                (long long)cp->id, chains[c].what, (long long)id, want, have);
}

typedef struct ref {
    int64_t id;
    size_t cp; /* index into v->cps */
} ref;

static int ref_cmp(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Walk chain c in id order: content and links, and the checkpoints' references into it.
   out: records, head. */
static kt_code walk(store *db, svc_chain c, verify_ctx *v, json_t *out, kt_error *err)
{
    const struct chain_def *d = &chains[c];
    store_stmt *st = NULL;
    int row = 0, more = 1;
    int64_t after = 0, n = 0, prev_id = 0;
    char prev[65], calc[65];
    size_t nref = 0, r = 0;
    ref *refs = NULL;
    kt_code rc = KT_OK;
    snprintf(prev, sizeof prev, "%s", GENESIS);
    if (c != SVC_CHAIN_CHECKPOINTS && v->ncps > 0) {
        if ((refs = malloc(v->ncps * sizeof *refs)) == NULL)
            return svc_nomem(err);
        for (size_t i = 0; i < v->ncps; i++) {
            int64_t id = c == SVC_CHAIN_EVENTS ? v->cps[i].events_id : v->cps[i].access_id;
            if (id > 0)
                refs[nref++] = (ref){id, i};
        }
        qsort(refs, nref, sizeof *refs, ref_cmp);
    }
    while (more) {
        int k = 0;
        if ((rc = store_prepare(db, d->walk_sql, &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, after);
        while ((rc = store_step(st, &row, err)) == KT_OK && row) {
            const char *vals[16];
            int64_t id = store_col_int(st, 0);
            row_vals(st, d->ncols, vals);
            const char *cprev = store_col_text(st, (int)d->ncols),
                       *chash = store_col_text(st, (int)d->ncols + 1);
            k++;
            n++;
            /* references of checkpoints to records that are not there (skipped ids) */
            for (; r < nref && refs[r].id < id; r++)
                cp_check_ref(v, c, &v->cps[refs[r].cp], refs[r].id,
                             c == SVC_CHAIN_EVENTS ? v->cps[refs[r].cp].events_hash
                                                   : v->cps[refs[r].cp].access_hash,
                             NULL);
            if (chash[0] == '\0') {
                problem(v, c, id, "unchained", NULL, NULL,
                        "%s #%lld tidak punya hash rantai: ditulis di luar ktpel, oleh versi "
                        "lama, atau hash-nya dihapus",
                        d->What, (long long)id);
            } else if (strcmp(cprev, prev) != 0) {
                if (prev_id == 0)
                    problem(v, c, id, "link", prev, cprev,
                            "%s pertama (#%lld) tidak menyambung ke awal rantai: %s sebelumnya "
                            "dihapus",
                            d->What, (long long)id, d->what);
                else
                    problem(v, c, id, "link", prev, cprev,
                            "Rantai putus antara %s #%lld dan #%lld: hash sebelumnya tercatat "
                            "%.16s..., seharusnya %.16s...; ada yang dihapus, disisipkan atau "
                            "ditulis ulang",
                            d->what, (long long)prev_id, (long long)id, cprev, prev);
            }
            svc_audit_hash(c, cprev, vals, calc);
            if (chash[0] != '\0' && strcmp(calc, chash) != 0)
                problem(v, c, id, "content", calc, chash,
                        "%s #%lld diubah setelah dicatat: isinya kini ber-hash %.16s..., yang "
                        "tercatat %.16s...",
                        d->What, (long long)id, calc, chash);
            for (; r < nref && refs[r].id == id; r++)
                cp_check_ref(v, c, &v->cps[refs[r].cp], id,
                             c == SVC_CHAIN_EVENTS ? v->cps[refs[r].cp].events_hash
                                                   : v->cps[refs[r].cp].access_hash,
                             chash);
            snprintf(prev, sizeof prev, "%s", chash);
            prev_id = id;
            after = id;
        }
        store_reset(st);
        if (rc != KT_OK)
            goto out;
        more = k == AUDIT_SEAL_BATCH;
    }
    for (; r < nref; r++) /* referenced beyond the end: the tail was cut off */
        cp_check_ref(v, c, &v->cps[refs[r].cp], refs[r].id,
                     c == SVC_CHAIN_EVENTS ? v->cps[refs[r].cp].events_hash
                                           : v->cps[refs[r].cp].access_hash,
                     NULL);
    {
        int64_t signed_to = 0;
        for (size_t i = 0; i < v->ncps; i++) {
            int64_t id = c == SVC_CHAIN_EVENTS ? v->cps[i].events_id : v->cps[i].access_id;
            if (id > signed_to)
                signed_to = id;
        }
        json_t *o = json_pack("{s:I, s:I, s:s}", "records", (json_int_t)n, "head_id",
                              (json_int_t)prev_id, "head_hash", prev);
        if (o == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        if (c != SVC_CHAIN_CHECKPOINTS)
            json_object_set_new(o, "unsigned_tail",
                                json_integer(prev_id > signed_to ? prev_id - signed_to : 0));
        json_object_set_new(out, d->table, o);
    }
out:
    free(refs);
    return rc;
}

static kt_code load_checkpoints(store *db, verify_ctx *v, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    size_t cap = 0;
    kt_code rc = store_prepare(db,
                               "SELECT id, at, events_id, events_hash, access_id, access_hash,"
                               " key_id, chain_hash, signature FROM audit_checkpoints ORDER BY id",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if (v->ncps == cap) {
            size_t nc = cap ? cap * 2 : 64;
            cp_row *np = realloc(v->cps, nc * sizeof *np);
            if (np == NULL) {
                store_reset(st);
                return svc_nomem(err);
            }
            v->cps = np;
            cap = nc;
        }
        cp_row *c = &v->cps[v->ncps++];
        c->id = store_col_int(st, 0);
        c->at = store_col_int(st, 1);
        c->events_id = store_col_int(st, 2);
        snprintf(c->events_hash, sizeof c->events_hash, "%s", store_col_text(st, 3));
        c->access_id = store_col_int(st, 4);
        snprintf(c->access_hash, sizeof c->access_hash, "%s", store_col_text(st, 5));
        snprintf(c->key_id, sizeof c->key_id, "%s", store_col_text(st, 6));
        snprintf(c->chain_hash, sizeof c->chain_hash, "%s", store_col_text(st, 7));
        snprintf(c->signature, sizeof c->signature, "%s", store_col_text(st, 8));
    }
    store_reset(st);
    return rc;
}

/* Each checkpoint's signature, by a trusted key. */
static void check_signatures(verify_ctx *v)
{
    for (size_t i = 0; i < v->ncps; i++) {
        const cp_row *c = &v->cps[i];
        unsigned char pk[TOK_PUBLIC_LEN], sig[crypto_sign_BYTES];
        unsigned char msg[sizeof AUDIT_SIG_TAG - 1 + 64];
        size_t pl = 0, sl = 0;
        int trusted = 0;
        if (sodium_hex2bin(pk, sizeof pk, c->key_id, strlen(c->key_id), NULL, &pl, NULL) != 0 ||
            pl != sizeof pk) {
            problem(v, SVC_CHAIN_CHECKPOINTS, c->id, "signature", NULL, c->key_id,
                    "Titik periksa #%lld: kunci penanda tangan tidak terbaca", (long long)c->id);
            continue;
        }
        for (size_t k = 0; k < v->nkeys; k++)
            trusted |= sodium_memcmp(pk, v->keys[k], sizeof pk) == 0;
        if (!trusted) {
            problem(v, SVC_CHAIN_CHECKPOINTS, c->id, "unknown_key", NULL, c->key_id,
                    "Titik periksa #%lld ditandatangani kunci lain (%.16s...), bukan kunci audit "
                    "kantor ini",
                    (long long)c->id, c->key_id);
            continue;
        }
        memcpy(msg, AUDIT_SIG_TAG, sizeof AUDIT_SIG_TAG - 1);
        memcpy(msg + sizeof AUDIT_SIG_TAG - 1, c->chain_hash, 64);
        if (strlen(c->chain_hash) != 64 || strlen(c->signature) != 128 ||
            sodium_hex2bin(sig, sizeof sig, c->signature, 128, NULL, &sl, NULL) != 0 ||
            sl != sizeof sig || crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0)
            problem(v, SVC_CHAIN_CHECKPOINTS, c->id, "signature", NULL, c->signature,
                    "Tanda tangan titik periksa #%lld tidak sah: dipalsukan atau diubah",
                    (long long)c->id);
    }
}

/* The trusted public keys: the files of pubs (comma-separated), else audit.pub. */
static kt_code load_keys(svc *s, const char *pubs, verify_ctx *v, char key_id[65],
                         kt_error *err)
{
    key_id[0] = '\0';
    if (pubs == NULL || pubs[0] == '\0') {
        unsigned char pk[TOK_PUBLIC_LEN];
        kt_error e;
        if (svc_key_public(s, "audit", "audit", pk, &e) != KT_OK)
            return KT_OK; /* no key yet: every checkpoint is then from an unknown key */
        if ((v->keys = malloc(sizeof *v->keys)) == NULL)
            return svc_nomem(err);
        memcpy(v->keys[0], pk, sizeof pk);
        v->nkeys = 1;
        sodium_bin2hex(key_id, 65, pk, sizeof pk);
        return KT_OK;
    }
    size_t n = 1;
    for (const char *p = pubs; *p != '\0'; p++)
        n += *p == ',';
    if ((v->keys = malloc(n * sizeof *v->keys)) == NULL)
        return svc_nomem(err);
    const char *p = pubs;
    while (*p != '\0') {
        size_t l = strcspn(p, ",");
        char path[1024];
        if (l == 0 || l >= sizeof path)
            return kt_fail(err, KT_EINVAL, "pub_invalid", "pub", "Daftar berkas kunci publik "
                           "tidak sah: '%s'", pubs);
        memcpy(path, p, l);
        path[l] = '\0';
        kt_code rc = tok_load_public(path, v->keys[v->nkeys], err);
        if (rc != KT_OK)
            return rc;
        if (v->nkeys == 0)
            sodium_bin2hex(key_id, 65, v->keys[0], TOK_PUBLIC_LEN);
        v->nkeys++;
        p += l;
        if (*p == ',')
            p++;
    }
    return KT_OK;
}

static const char *const audit_roles[] = {"supervisor", NULL};

static kt_code verify_walk(svc *s, const char *pubs, json_t **out, kt_error *err);

kt_code svc_audit_verify(svc *s, const svc_actor *who, const char *pubs, json_t **out,
                         kt_error *err)
{
    *out = NULL;
    kt_code rc = svc_rec_require_roles(who, audit_roles, "memeriksa jejak audit", err);
    if (rc != KT_OK)
        return rc;
    /* One walk at a time (it reads every record); its result, with the server's key, is kept
       for svc_audit_status. */
    pthread_mutex_lock(&s->amu);
    rc = verify_walk(s, pubs, out, err);
    if (rc == KT_OK && (pubs == NULL || pubs[0] == '\0')) {
        json_decref(s->audit_last);
        s->audit_last = json_deep_copy(*out);
        s->audit_last_at = svc_now(s);
    }
    pthread_mutex_unlock(&s->amu);
    return rc;
}

kt_code svc_audit_status(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    *out = NULL;
    kt_code rc = svc_rec_require_roles(who, audit_roles, "memeriksa jejak audit", err);
    if (rc != KT_OK)
        return rc;
    pthread_mutex_lock(&s->amu);
    if (s->audit_last == NULL || svc_now(s) - s->audit_last_at >= AUDIT_STATUS_MAX_AGE_MS ||
        svc_now(s) < s->audit_last_at) {
        json_t *v = NULL;
        if ((rc = verify_walk(s, NULL, &v, err)) == KT_OK) {
            json_decref(s->audit_last);
            s->audit_last = v;
            s->audit_last_at = svc_now(s);
        }
    }
    if (rc == KT_OK && (*out = json_deep_copy(s->audit_last)) == NULL)
        rc = svc_nomem(err);
    pthread_mutex_unlock(&s->amu);
    return rc;
}

/* The walk itself (the caller holds amu and checked the role). */
static kt_code verify_walk(svc *s, const char *pubs, json_t **out, kt_error *err)
{
    store *db = NULL;
    verify_ctx v;
    json_t *res = NULL, *ch = NULL;
    char key_id[65];
    kt_code rc;
    *out = NULL;
    memset(&v, 0, sizeof v);
    res = json_pack("{s:b, s:I, s:{}, s:[]}", "ok", 1, "checked_at", (json_int_t)svc_now(s),
                    "chains", "problems");
    if (res == NULL)
        return svc_nomem(err);
    ch = json_object_get(res, "chains");
    v.problems = json_object_get(res, "problems");
    if ((rc = load_keys(s, pubs, &v, key_id, err)) != KT_OK)
        goto out;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = load_checkpoints(db, &v, err)) != KT_OK)
        goto out;
    for (int c = 0; c < SVC_CHAIN_COUNT; c++)
        if ((rc = walk(db, (svc_chain)c, &v, ch, err)) != KT_OK)
            goto out;
    store_rollback(db);
    check_signatures(&v);
    int64_t records = 0;
    for (int c = 0; c < SVC_CHAIN_CHECKPOINTS; c++)
        records += json_integer_value(
            json_object_get(json_object_get(ch, chains[c].table), "records"));
    if (v.ncps == 0 && records > 0)
        problem(&v, SVC_CHAIN_CHECKPOINTS, 0, "no_checkpoint", NULL, NULL,
                "Tidak ada titik periksa bertanda tangan padahal ada %lld catatan: titik periksa "
                "dihapus",
                (long long)records);
    json_t *cpo = json_object_get(ch, "audit_checkpoints");
    if (v.ncps > 0) {
        json_object_set_new(cpo, "first_at", json_integer(v.cps[0].at));
        json_object_set_new(cpo, "last_at", json_integer(v.cps[v.ncps - 1].at));
    }
    json_object_set_new(res, "key_id", key_id[0] ? json_string(key_id) : json_null());
    json_object_set_new(res, "problem_count", json_integer(v.nproblems));
    json_object_set_new(res, "ok", json_boolean(v.nproblems == 0));
    json_t *first = NULL;
    for (int c = 0; c < SVC_CHAIN_COUNT && first == NULL; c++)
        first = v.first[c];
    json_object_set(res, "first_break", first != NULL ? first : json_null());
    *out = res;
    res = NULL;
out:
    for (int c = 0; c < SVC_CHAIN_COUNT; c++)
        json_decref(v.first[c]);
    svc_conn_put(s, db);
    free(v.cps);
    free(v.keys);
    json_decref(res);
    return rc;
}

kt_code svc_audit_checkpoint(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    int64_t id = 0;
    kt_code rc;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    /* Signed by hand: the trail says who and when (and the checkpoint covers that event). */
    if ((rc = svc_event_add(s, db, NULL, "audit_checkpoint", who, 0, 0, "", "",
                            "audit_checkpoint", "", "titik periksa ditandatangani manual", NULL,
                            err)) != KT_OK)
        goto out;
    if ((rc = checkpoint_write(s, db, NULL, &id, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:I, s:I}", "checkpoint_id", (json_int_t)id, "at",
                          (json_int_t)svc_now(s))) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* ---- who read whose data ---------------------------------------------------------------- */

kt_code svc_audit_reads(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                        kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *arr = NULL;
    int row = 0;
    int64_t start = 0, end = 0;
    char like[24] = "", fromb[JKT_DATE_STRLEN], tob[JKT_DATE_STRLEN];
    kt_code rc;
    *out = NULL;
    if ((rc = svc_rec_require_roles(who, audit_roles, "melihat siapa membaca data penduduk",
                                    err)) != KT_OK)
        return rc;
    const char *nik = svc_jstr(filter, "nik"), *user = svc_jstr(filter, "username"),
               *from = svc_jstr(filter, "from"), *to = svc_jstr(filter, "to");
    if (nik != NULL && nik[0] == '\0')
        nik = NULL;
    if (user != NULL && user[0] == '\0')
        user = NULL;
    if (nik != NULL && !nik_is_well_formed(nik))
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 digit angka");
    if (user != NULL && strlen(user) > 63)
        return kt_fail(err, KT_EINVAL, "username_invalid", "username",
                       "Nama pengguna terlalu panjang");
    /* Without an end: today; without a start: the 31 days up to the end. */
    if (to == NULL || to[0] == '\0') {
        jkt_date_format(svc_today(s), tob);
        to = tob;
    }
    if (from == NULL || from[0] == '\0') {
        jkt_date d;
        if ((rc = jkt_date_parse(to, "to", &d, err)) != KT_OK)
            return rc;
        jkt_date_format(jkt_add_days(d, -30), fromb);
        from = fromb;
    }
    if ((rc = svc_rec_range(s, from, to, &start, &end, err)) != KT_OK)
        return rc;
    json_int_t limit = 500;
    json_t *jl = json_object_get(filter, "limit");
    if (jl != NULL) {
        if (!json_is_integer(jl) || json_integer_value(jl) < 1 || json_integer_value(jl) > 5000)
            return kt_fail(err, KT_EINVAL, "limit_invalid", "limit", "limit harus 1 sampai 5000");
        limit = json_integer_value(jl);
    }
    if (nik != NULL)
        snprintf(like, sizeof like, "%%%s%%", nik);
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT id, at, user_id, username, role, loket, action, nik,"
                            " application_id, subjects, detail FROM access_log WHERE at >= ? AND"
                            " at < ? AND (? IS NULL OR username = ?) AND (? IS NULL OR nik = ? OR"
                            " subjects LIKE ?) ORDER BY id DESC LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, start);
    store_bind_int(st, 2, end);
    store_bind_text(st, 3, user, -1);
    store_bind_text(st, 4, user, -1);
    store_bind_text(st, 5, nik, -1);
    store_bind_text(st, 6, nik, -1);
    store_bind_text(st, 7, nik != NULL ? like : NULL, -1);
    store_bind_int(st, 8, limit);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        const char *subj = store_col_text(st, 9);
        json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:s, s:s, s:s}", "id",
                              (json_int_t)store_col_int(st, 0), "at",
                              (json_int_t)store_col_int(st, 1), "user_id",
                              (json_int_t)store_col_int(st, 2), "username",
                              store_col_text(st, 3), "role", store_col_text(st, 4), "loket",
                              (int)store_col_int(st, 5), "action", store_col_text(st, 6), "nik",
                              store_col_text(st, 7), "detail", store_col_text(st, 10));
        if (o == NULL) {
            rc = svc_nomem(err);
            break;
        }
        json_object_set_new(o, "application_id",
                            store_col_null(st, 8) ? json_null()
                                                  : json_integer(store_col_int(st, 8)));
        /* a view of several people: how many, and (searching one NIK) that it was among them */
        size_t n = 0;
        for (const char *p = subj; *p != '\0'; p++)
            n += p == subj || p[-1] == ' ';
        json_object_set_new(o, "subjects", json_integer((json_int_t)n));
        json_array_append_new(arr, o);
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* Looking into who read a person is itself a read about that person. */
    char detail[160];
    snprintf(detail, sizeof detail, "%s%s%s%s..%s", user != NULL ? "username=" : "",
             user != NULL ? user : "", user != NULL ? " " : "", from, to);
    if ((rc = svc_access_record(s, who, "audit_reads", nik, 0, "", detail, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:o, s:s, s:s}", "reads", arr, "from", from, "to", to);
    arr = NULL;
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}

/* ---- who sees a whole NIK ---------------------------------------------------------------- */

int svc_full_nik(const svc_actor *who)
{
    return who != NULL &&
           (strcmp(who->role, "supervisor") == 0 || strcmp(who->role, "system") == 0);
}

void svc_nik_mask_in(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    char m[64];
    if (v == NULL)
        return;
    nik_mask(v, m, sizeof m);
    json_object_set_new(o, key, json_string(m));
}

void svc_nik_mask_list(json_t *arr, const char *key)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) svc_nik_mask_in(o, key);
}
