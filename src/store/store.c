/*
 * store.c - driver dispatch, schema migrations and the statement cache, common to every driver.
 * The store_* functions of store.h only forward to the driver picked at open (store_driver.h);
 * the logic here is what every driver shares: store_migrate(), which applies the migrations
 * compiled into the binary, and the per-connection statement cache (store_cache_*).
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_driver.h"
#include "store/store_migrations.h"

kt_code store_open(const char *location, const store_options *opts, store **out,
                   kt_error *err)
{
    *out = NULL;
    if (location == NULL || location[0] == '\0')
        return kt_fail(err, KT_EINVAL, "db_path_empty", "db", "Lokasi basis data kosong");
    if (strncmp(location, "postgres://", 11) == 0 || strncmp(location, "postgresql://", 13) == 0)
        return store_postgres_driver.open(location, opts, out, err);
    return store_sqlite_driver.open(location, opts, out, err);
}

void store_close(store *db)
{
    if (db != NULL)
        db->drv->close(db);
}

int store_schema_version(store *db) { return db->schema_version; }

int store_schema_latest(void)
{
    int v = 0;
    for (unsigned i = 0; i < store_migrations_n; i++)
        if (store_migrations[i].version > v)
            v = store_migrations[i].version;
    return v;
}

const char *store_driver_name(const store *db) { return db->drv->name; }

kt_code store_begin(store *db, store_txn mode, kt_error *err)
{
    if (db->in_txn)
        return kt_fail(err, KT_EINTERNAL, "txn_nested", "", "Transaksi bersarang (bug)");
    kt_code rc = db->drv->begin(db, mode, err);
    if (rc == KT_OK)
        db->in_txn = 1;
    return rc;
}

kt_code store_commit(store *db, kt_error *err)
{
    if (!db->in_txn)
        return kt_fail(err, KT_EINTERNAL, "txn_none", "", "Tidak ada transaksi (bug)");
    kt_code rc = db->drv->commit(db, err);
    if (rc == KT_OK)
        db->in_txn = 0;
    return rc;
}

void store_rollback(store *db)
{
    if (db == NULL || !db->in_txn)
        return;
    db->drv->rollback(db);
    db->in_txn = 0;
}

int store_in_txn(const store *db) { return db->in_txn; }

kt_code store_exec(store *db, const char *sql, kt_error *err)
{
    return db->drv->exec(db, sql, err);
}

kt_code store_prepare(store *db, const char *sql, store_stmt **out, kt_error *err)
{
    return db->drv->prepare(db, sql, out, err);
}

kt_code store_bind_int(store_stmt *st, int idx, int64_t v) { return st->drv->bind_int(st, idx, v); }
kt_code store_bind_double(store_stmt *st, int idx, double v)
{
    return st->drv->bind_double(st, idx, v);
}
kt_code store_bind_text(store_stmt *st, int idx, const char *v, int len)
{
    if (v == NULL)
        return st->drv->bind_null(st, idx);
    return st->drv->bind_text(st, idx, v, len);
}
kt_code store_bind_null(store_stmt *st, int idx) { return st->drv->bind_null(st, idx); }
kt_code store_bind_text_ref(store_stmt *st, int idx, const char *v, int len)
{
    if (v == NULL)
        return st->drv->bind_null(st, idx);
    return st->drv->bind_text_ref(st, idx, v, len);
}
kt_code store_step(store_stmt *st, int *row, kt_error *err) { return st->drv->step(st, row, err); }

kt_code store_run(store_stmt *st, kt_error *err)
{
    int row = 0;
    kt_code rc = st->drv->step(st, &row, err);
    st->drv->reset(st);
    return rc;
}

void store_reset(store_stmt *st) { st->drv->reset(st); }
int64_t store_col_int(store_stmt *st, int col) { return st->drv->col_int(st, col); }
double store_col_double(store_stmt *st, int col) { return st->drv->col_double(st, col); }
const char *store_col_text(store_stmt *st, int col) { return st->drv->col_text(st, col); }
int store_col_null(store_stmt *st, int col) { return st->drv->col_null(st, col); }
int store_col_count(store_stmt *st) { return st->drv->col_count(st); }
const char *store_col_name(store_stmt *st, int col) { return st->drv->col_name(st, col); }
int64_t store_changes(store *db) { return db->drv->changes(db); }
int64_t store_last_id(store *db) { return db->drv->last_id(db); }

/* Each migration runs in its own write transaction together with its version row, so a
   crash leaves the database at a whole version. Two processes opening a fresh file at once
   serialise on the write lock and the second sees the version the first recorded. */
kt_code store_migrate_series(store *db, const char *table, const store_migration *ms,
                             unsigned n, int *version, kt_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
             " applied_at INTEGER NOT NULL)",
             table);
    kt_code rc = store_exec(db, sql, err);
    if (rc != KT_OK)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        const store_migration *m = &ms[i];
        store_stmt *st = NULL;
        int row = 0;
        if ((rc = store_begin(db, STORE_WRITE, err)) != KT_OK)
            return rc;
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE version = ?", table);
        if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
            goto fail;
        store_bind_int(st, 1, m->version);
        rc = store_step(st, &row, err);
        store_reset(st);
        if (rc != KT_OK)
            goto fail;
        if (row) {
            store_rollback(db);
            if (version != NULL)
                *version = m->version;
            continue;
        }
        if ((rc = store_exec(db, m->sql, err)) != KT_OK) {
            if (err != NULL)
                snprintf(err->field, sizeof err->field, "migration %.40s", m->name);
            goto fail;
        }
        snprintf(sql, sizeof sql, "INSERT INTO %s (version, name, applied_at) VALUES (?, ?, ?)",
                 table);
        if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
            goto fail;
        store_bind_int(st, 1, m->version);
        store_bind_text(st, 2, m->name, -1);
        store_bind_int(st, 3, (int64_t)time(NULL) * 1000);
        if ((rc = store_run(st, err)) != KT_OK)
            goto fail;
        if ((rc = store_commit(db, err)) != KT_OK)
            goto fail;
        if (version != NULL)
            *version = m->version;
        continue;
    fail:
        store_rollback(db);
        return rc;
    }
    return KT_OK;
}

kt_code store_migrate(store *db, kt_error *err)
{
    return store_migrate_series(db, "schema_version", store_migrations, store_migrations_n,
                                &db->schema_version, err);
}

/* ---- the statement cache (store_driver.h) ---------------------------------------------- */

/* FNV-1a over the SQL text. */
static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

kt_code store_cache_init(store_cache *c)
{
    c->n = 0;
    c->cap = 64;
    c->slot = calloc(c->cap, sizeof *c->slot);
    return c->slot != NULL ? KT_OK : KT_ENOMEM;
}

void store_cache_free(store_cache *c)
{
    free(c->slot);
    c->slot = NULL;
    c->cap = c->n = 0;
}

store_stmt *store_cache_find(const store_cache *c, const char *sql)
{
    for (size_t j = sql_hash(sql) & (c->cap - 1); c->slot[j] != NULL; j = (j + 1) & (c->cap - 1))
        if (strcmp(c->slot[j]->sql, sql) == 0)
            return c->slot[j];
    return NULL;
}

/* Put st in the first free slot of its probe sequence. */
static void cache_put(store_stmt **slot, size_t cap, store_stmt *st)
{
    size_t j = sql_hash(st->sql) & (cap - 1);
    while (slot[j] != NULL)
        j = (j + 1) & (cap - 1);
    slot[j] = st;
}

kt_code store_cache_add(store_cache *c, store_stmt *st, const char *sql)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap * 2;
        store_stmt **ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return KT_ENOMEM;
        for (size_t i = 0; i < c->cap; i++)
            if (c->slot[i] != NULL)
                cache_put(ns, ncap, c->slot[i]);
        free(c->slot);
        c->slot = ns;
        c->cap = ncap;
    }
    size_t len = strlen(sql);
    if ((st->sql = malloc(len + 1)) == NULL)
        return KT_ENOMEM;
    memcpy(st->sql, sql, len + 1);
    cache_put(c->slot, c->cap, st);
    c->n++;
    return KT_OK;
}
