/*
 * store.h - the one storage interface of ktpel. Only src/service calls it.
 *
 * Design
 * - A `store` is one database connection. It is not thread-safe: a thread uses its own
 *   connection (the service keeps a pool and lends one connection to one thread at a time).
 * - The interface is a small relational one: explicit transactions, prepared statements with
 *   positional parameters (`?`), rows read column by column. SQL text is the portable subset
 *   SQLite and PostgreSQL share; no driver type (sqlite3 *, PGconn *) appears here.
 * - Drivers plug in as a table of function pointers (struct store_driver, store_driver.h);
 *   store_open() picks one from the location: a file path is SQLite, "postgres://..." or
 *   "postgresql://..." is PostgreSQL. Adding a driver touches nothing in the service.
 * - Opening applies the schema migrations compiled into the binary (migrations/NNN_name.sql),
 *   each in its own transaction, recorded in the table schema_version.
 * - Statements are cached per connection, keyed by their SQL text: store_prepare() with the same
 *   text returns the same (reset, unbound) statement, so callers keep SQL as string literals and
 *   never free a statement. A statement stays valid until the connection closes.
 * - Durability: a write transaction that store_commit() acknowledged survives a power cut
 *   (SQLite: WAL + synchronous=FULL).
 *
 * Never: business rules (they are core/ and service/), printing, global state.
 */
#ifndef KTPEL_STORE_H
#define KTPEL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct store store;           /* one connection; owned by its opener: store_close() */
typedef struct store_stmt store_stmt; /* owned by its connection; never freed by callers */

typedef enum store_txn {
    STORE_READ,  /* a consistent snapshot for reads */
    STORE_WRITE, /* takes the write lock at BEGIN (SQLite: BEGIN IMMEDIATE), so two writers
                    never interleave their read-then-write steps */
    STORE_WRITE_LAZY /* as STORE_WRITE, but its commit does not wait for the disk: it survives
                        a crash of the process (kill -9), and a power cut may lose it (SQLite:
                        synchronous=NORMAL for this commit; PostgreSQL: synchronous_commit=off).
                        A later durable commit makes it durable too. For records whose loss in
                        a power cut is acceptable and whose fsync would dominate their cost
                        (the access log of reads) */
} store_txn;

typedef struct store_options {
    int busy_timeout_ms;  /* wait for a lock this long before KT_EUNAVAIL (default 5000) */
    int bulk;             /* 1: tuned for a one-off bulk load (bigger cache); durability kept */
} store_options;

/* Open (creating if missing) and migrate. opts may be NULL. *out: store_close(). */
kt_code store_open(const char *location, const store_options *opts, store **out,
                   kt_error *err);
void store_close(store *db);

/* One schema migration: a numbered SQL file compiled into the binary (embed_migrations.cmake). */
typedef struct store_migration {
    int version;      /* NNN of the file name */
    const char *name; /* file name without .sql */
    const char *sql;  /* the whole file */
} store_migration;

/* Apply a series of migrations of its own (a role's tables: the city registry's, src/pusat),
   recorded in `table` (created if missing) exactly as the common series is in schema_version:
   each migration in its own write transaction with its version row. *version (may be NULL)
   gets the highest applied. */
kt_code store_migrate_series(store *db, const char *table, const store_migration *ms,
                             unsigned n, int *version, kt_error *err);

/* The schema version now in the database (the highest migration applied). */
int store_schema_version(store *db);
/* The highest migration compiled into this binary. */
int store_schema_latest(void);
/* Driver name: "sqlite". */
const char *store_driver_name(const store *db);

/* Transactions. One at a time per connection; store_rollback() is safe to call when none is
   open (it then does nothing), so cleanup paths may call it unconditionally. */
kt_code store_begin(store *db, store_txn mode, kt_error *err);
kt_code store_commit(store *db, kt_error *err);
void store_rollback(store *db);
int store_in_txn(const store *db);

/* Run SQL without results (several statements allowed). */
kt_code store_exec(store *db, const char *sql, kt_error *err);

/* Prepared statements (see the cache note above). */
kt_code store_prepare(store *db, const char *sql, store_stmt **out, kt_error *err);
/* Parameters are numbered from 1. Text is copied by the driver. len < 0: NUL-terminated. */
kt_code store_bind_int(store_stmt *st, int idx, int64_t v);
kt_code store_bind_double(store_stmt *st, int idx, double v);
kt_code store_bind_text(store_stmt *st, int idx, const char *v, int len); /* NULL -> SQL NULL */
kt_code store_bind_null(store_stmt *st, int idx);
/* As store_bind_text, without a copy: v must stay valid and unchanged until the statement is
   stepped and reset (bulk loads bind straight from their line buffer). */
kt_code store_bind_text_ref(store_stmt *st, int idx, const char *v, int len);
/* Step: KT_OK with *row = 1 for a row, *row = 0 when done. A constraint violation is
   KT_ECONFLICT, a lock wait over the busy timeout KT_EUNAVAIL, anything else KT_EIO. */
kt_code store_step(store_stmt *st, int *row, kt_error *err);
/* Step a statement that returns no rows (INSERT/UPDATE/DELETE) and reset it. */
kt_code store_run(store_stmt *st, kt_error *err);
/* Reset for another execution (bindings cleared). store_prepare() does it too. */
void store_reset(store_stmt *st);

/* Columns of the current row, numbered from 0. Text is valid until the next step/reset;
   NULL reads as 0 / "" (use store_col_null to tell). */
int64_t store_col_int(store_stmt *st, int col);
double store_col_double(store_stmt *st, int col);
const char *store_col_text(store_stmt *st, int col);
int store_col_null(store_stmt *st, int col);
int store_col_count(store_stmt *st);
const char *store_col_name(store_stmt *st, int col);

/* Rows changed by the last INSERT/UPDATE/DELETE; the id of the last inserted row. */
int64_t store_changes(store *db);
int64_t store_last_id(store *db);

#endif
