/*
 * sqlite.c - the SQLite driver of store.h.
 *
 * Connection settings, and why:
 * - journal_mode=WAL: readers (the display board, dashboards) never block the writer.
 * - synchronous=FULL: WAL is fsynced at every commit, so an acknowledged write (a ticket
 *   number handed to a citizen, a recorded application) survives a power cut. A
 *   STORE_WRITE_LAZY transaction commits with synchronous=NORMAL (its WAL frames are written,
 *   not fsynced: a crash of the process keeps them, a power cut may not) and FULL is set again
 *   right after; the next FULL commit's fsync covers its frames too.
 * - foreign_keys=ON: the schema's references hold.
 * - busy_timeout: concurrent writers (lokets calling at once) wait for the lock instead of
 *   failing; BEGIN IMMEDIATE takes it up front so a read-then-write never deadlocks.
 * Prepared statements are cached per connection in the table every driver shares (store_cache,
 * store.c), keyed by the SQL text; they live until store_close().
 *
 * Never: share a connection between threads (SQLITE_OPEN_NOMUTEX is used on purpose).
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_driver.h"

typedef struct sq_stmt {
    struct store_stmt base; /* base.sql: the cache key */
    sqlite3_stmt *st;
} sq_stmt;

typedef struct sq_store {
    struct store base;
    sqlite3 *db;
    store_cache cache; /* of sq_stmt */
    /* Callers pass SQL as string literals, so the same text comes at the same address: a
       direct-mapped table keyed by the address finds it without hashing the text (the text
       is still compared, since a stack buffer can hold other SQL at the same address). */
    struct { const char *sql; sq_stmt *e; } recent[64];
    int lazy; /* the open transaction is STORE_WRITE_LAZY: synchronous=FULL to restore */
} sq_store;

static kt_code sq_fail(sqlite3 *db, int rc, kt_error *err, const char *what)
{
    int prim = rc & 0xff;
    const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (prim == SQLITE_CONSTRAINT)
        return kt_fail(err, KT_ECONFLICT, "constraint", "", "Data bertentangan dengan aturan "
                       "basis data (%s): %s", what, msg);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return kt_fail(err, KT_EUNAVAIL, "db_busy", "", "Basis data sedang sibuk, coba lagi "
                       "(%s)", what);
    if (prim == SQLITE_NOMEM)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis (%s)", what);
    return kt_fail(err, KT_EIO, "db_error", "", "Galat basis data (%s): %s", what, msg);
}

static kt_code sq_exec(store *base, const char *sql, kt_error *err)
{
    sq_store *s = (sq_store *)base;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(s->db, rc, err, "exec");
    return KT_OK;
}

static void sq_stmt_free(sq_stmt *e)
{
    sqlite3_finalize(e->st);
    free(e->base.sql);
    free(e);
}

static void sq_close(store *base)
{
    sq_store *s = (sq_store *)base;
    for (size_t i = 0; i < s->cache.cap; i++)
        if (s->cache.slot[i] != NULL)
            sq_stmt_free((sq_stmt *)s->cache.slot[i]);
    store_cache_free(&s->cache);
    sqlite3_close(s->db);
    free(s);
}

static kt_code sq_open(const char *location, const store_options *opts, store **out,
                       kt_error *err)
{
    kt_code rc = KT_OK;
    sq_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    s->base.drv = &store_sqlite_driver;
    if (store_cache_init(&s->cache) != KT_OK) {
        free(s);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    }
    /* The database holds personal data: created 0600 (and an older, wider file narrowed).
       SQLite gives its -wal and -shm files the database file's mode.
       By path only, never open()+close(): closing any descriptor of the database file drops
       every POSIX lock this process holds on it (SQLite's, of the connections already open),
       and another process closing its last connection then believes it is the last reader and
       deletes the -wal and -shm under them: what this process writes afterwards is lost. */
    if (strncmp(location, "file:", 5) != 0 && strcmp(location, ":memory:") != 0) {
        struct stat sb;
        if (stat(location, &sb) != 0) { /* a new file: made 0600 before SQLite opens it */
            int fd = open(location, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0)
                close(fd); /* nobody holds a lock on a file made this instant */
        } else if ((sb.st_mode & 077) != 0) {
            chmod(location, 0600);
        }
        static const char *const side[] = {"-wal", "-shm", "-journal"};
        for (size_t i = 0; i < 3; i++) {
            char p[4200];
            if (snprintf(p, sizeof p, "%s%s", location, side[i]) < (int)sizeof p &&
                stat(p, &sb) == 0 && (sb.st_mode & 077) != 0)
                chmod(p, 0600);
        }
    }
    int src = sqlite3_open_v2(location, &s->db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              NULL);
    if (src != SQLITE_OK) {
        rc = kt_fail(err, KT_EIO, "db_open", "db", "Tidak dapat membuka basis data %s: %s",
                     location, s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(src));
        goto fail;
    }
    int busy = opts != NULL && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    sqlite3_busy_timeout(s->db, busy);
    /* journal_mode=WAL needs the write lock the first time; the busy handler covers a race
       between two processes creating the same file. */
    if ((rc = sq_exec(&s->base, "PRAGMA journal_mode=WAL", err)) != KT_OK)
        goto fail;
    if ((rc = sq_exec(&s->base,
                      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      " PRAGMA temp_store=MEMORY",
                      err)) != KT_OK)
        goto fail;
    if (opts != NULL && opts->bulk)
        rc = sq_exec(&s->base, "PRAGMA cache_size=-262144", err); /* 256 MiB */
    else
        rc = sq_exec(&s->base, "PRAGMA cache_size=-16384", err); /* 16 MiB */
    if (rc != KT_OK)
        goto fail;
    if ((rc = store_migrate(&s->base, err)) != KT_OK)
        goto fail;
    *out = &s->base;
    return KT_OK;
fail:
    sq_close(&s->base);
    return rc;
}

/* Back to the durable setting after a STORE_WRITE_LAZY transaction. */
static void sq_unlazy(sq_store *s)
{
    if (s->lazy) {
        sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        s->lazy = 0;
    }
}

static kt_code sq_begin(store *base, store_txn mode, kt_error *err)
{
    sq_store *s = (sq_store *)base;
    int rc;
    if (mode == STORE_WRITE_LAZY) {
        if ((rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL)) != SQLITE_OK)
            return sq_fail(s->db, rc, err, "begin");
        s->lazy = 1;
    }
    rc = sqlite3_exec(s->db, mode == STORE_READ ? "BEGIN" : "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        kt_code c = sq_fail(s->db, rc, err, "begin");
        sq_unlazy(s);
        return c;
    }
    return KT_OK;
}

static kt_code sq_commit(store *base, kt_error *err)
{
    sq_store *s = (sq_store *)base;
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        kt_code c = sq_fail(s->db, rc, err, "commit");
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sq_unlazy(s);
        return c;
    }
    sq_unlazy(s);
    return KT_OK;
}

static void sq_rollback(store *base)
{
    sq_store *s = (sq_store *)base;
    /* Reset every cached statement first: a pending read would keep the snapshot open. */
    for (size_t i = 0; i < s->cache.cap; i++)
        if (s->cache.slot[i] != NULL)
            sqlite3_reset(((sq_stmt *)s->cache.slot[i])->st);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sq_unlazy(s);
}

static kt_code sq_prepare(store *base, const char *sql, store_stmt **out, kt_error *err)
{
    sq_store *s = (sq_store *)base;
    size_t r = ((uintptr_t)sql >> 3) & 63;
    sq_stmt *e = s->recent[r].e;
    if (s->recent[r].sql != sql || strcmp(e->base.sql, sql) != 0)
        e = (sq_stmt *)store_cache_find(&s->cache, sql);
    if (e != NULL) {
        sqlite3_reset(e->st);
        sqlite3_clear_bindings(e->st);
        s->recent[r].sql = sql;
        s->recent[r].e = e;
        *out = &e->base;
        return KT_OK;
    }
    if ((e = calloc(1, sizeof *e)) == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    int rc = sqlite3_prepare_v3(s->db, sql, (int)strlen(sql) + 1, SQLITE_PREPARE_PERSISTENT,
                                &e->st, NULL);
    if (rc != SQLITE_OK) {
        kt_code c = sq_fail(s->db, rc, err, "prepare");
        sq_stmt_free(e);
        return c;
    }
    e->base.drv = s->base.drv;
    e->base.db = base;
    if (store_cache_add(&s->cache, &e->base, sql) != KT_OK) {
        sq_stmt_free(e);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    }
    s->recent[r].sql = sql;
    s->recent[r].e = e;
    *out = &e->base;
    return KT_OK;
}

static kt_code sq_bind_rc(int rc)
{
    return rc == SQLITE_OK ? KT_OK : rc == SQLITE_NOMEM ? KT_ENOMEM : KT_EINTERNAL;
}

static kt_code sq_bind_int(store_stmt *st, int idx, int64_t v)
{
    return sq_bind_rc(sqlite3_bind_int64(((sq_stmt *)st)->st, idx, v));
}

static kt_code sq_bind_double(store_stmt *st, int idx, double v)
{
    return sq_bind_rc(sqlite3_bind_double(((sq_stmt *)st)->st, idx, v));
}

static kt_code sq_bind_text(store_stmt *st, int idx, const char *v, int len)
{
    return sq_bind_rc(sqlite3_bind_text(((sq_stmt *)st)->st, idx, v, len, SQLITE_TRANSIENT));
}

static kt_code sq_bind_text_ref(store_stmt *st, int idx, const char *v, int len)
{
    return sq_bind_rc(sqlite3_bind_text(((sq_stmt *)st)->st, idx, v, len, SQLITE_STATIC));
}

static kt_code sq_bind_null(store_stmt *st, int idx)
{
    return sq_bind_rc(sqlite3_bind_null(((sq_stmt *)st)->st, idx));
}

static kt_code sq_step(store_stmt *base, int *row, kt_error *err)
{
    sq_stmt *st = (sq_stmt *)base;
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW) {
        *row = 1;
        return KT_OK;
    }
    *row = 0;
    if (rc == SQLITE_DONE)
        return KT_OK;
    kt_code c = sq_fail(((sq_store *)st->base.db)->db, rc, err, "step");
    sqlite3_reset(st->st);
    return c;
}

static void sq_reset(store_stmt *st)
{
    sqlite3_reset(((sq_stmt *)st)->st);
    sqlite3_clear_bindings(((sq_stmt *)st)->st);
}

static int64_t sq_col_int(store_stmt *st, int col)
{
    return sqlite3_column_int64(((sq_stmt *)st)->st, col);
}

static double sq_col_double(store_stmt *st, int col)
{
    return sqlite3_column_double(((sq_stmt *)st)->st, col);
}

static const char *sq_col_text(store_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(((sq_stmt *)st)->st, col);
    return t != NULL ? (const char *)t : "";
}

static int sq_col_null(store_stmt *st, int col)
{
    return sqlite3_column_type(((sq_stmt *)st)->st, col) == SQLITE_NULL;
}

static int sq_col_count(store_stmt *st) { return sqlite3_column_count(((sq_stmt *)st)->st); }

static const char *sq_col_name(store_stmt *st, int col)
{
    return sqlite3_column_name(((sq_stmt *)st)->st, col);
}

static int64_t sq_changes(store *base) { return sqlite3_changes64(((sq_store *)base)->db); }

static int64_t sq_last_id(store *base)
{
    return sqlite3_last_insert_rowid(((sq_store *)base)->db);
}

const store_driver store_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .bind_text_ref = sq_bind_text_ref,
    .step = sq_step,
    .reset = sq_reset,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .changes = sq_changes,
    .last_id = sq_last_id,
};
