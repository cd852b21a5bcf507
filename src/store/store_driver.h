/*
 * store_driver.h - what a storage driver provides (internal to src/store).
 *
 * A driver's connection struct begins with `struct store base` and its statement struct with
 * `struct store_stmt base`, so store.c dispatches through base.drv without knowing the driver.
 * Drivers: sqlite.c (store_sqlite_driver) and postgres.c (store_postgres_driver, chosen in
 * store_open() by a "postgres://" or "postgresql://" location).
 */
#ifndef KTPEL_STORE_DRIVER_H
#define KTPEL_STORE_DRIVER_H

#include "store/store.h"

typedef struct store_driver {
    const char *name;
    kt_code (*open)(const char *location, const store_options *opts, store **out,
                    kt_error *err);
    void (*close)(store *db);
    kt_code (*begin)(store *db, store_txn mode, kt_error *err);
    kt_code (*commit)(store *db, kt_error *err);
    void (*rollback)(store *db);
    kt_code (*exec)(store *db, const char *sql, kt_error *err);
    kt_code (*prepare)(store *db, const char *sql, store_stmt **out, kt_error *err);
    kt_code (*bind_int)(store_stmt *st, int idx, int64_t v);
    kt_code (*bind_double)(store_stmt *st, int idx, double v);
    kt_code (*bind_text)(store_stmt *st, int idx, const char *v, int len);
    kt_code (*bind_null)(store_stmt *st, int idx);
    kt_code (*bind_text_ref)(store_stmt *st, int idx, const char *v, int len);
    kt_code (*step)(store_stmt *st, int *row, kt_error *err);
    void (*reset)(store_stmt *st);
    int64_t (*col_int)(store_stmt *st, int col);
    double (*col_double)(store_stmt *st, int col);
    const char *(*col_text)(store_stmt *st, int col);
    int (*col_null)(store_stmt *st, int col);
    int (*col_count)(store_stmt *st);
    const char *(*col_name)(store_stmt *st, int col);
    int64_t (*changes)(store *db);
    int64_t (*last_id)(store *db);
} store_driver;

struct store {
    const store_driver *drv;
    int in_txn;
    int schema_version;
};

struct store_stmt {
    const store_driver *drv;
    store *db;
    char *sql; /* owned by the statement (the driver frees it with it): its cache key, a copy
                  of the caller's text made by store_cache_add; NULL until then */
};

/*
 * The statement cache every driver keeps per connection (store.c): an open-addressing table of
 * the driver's statements keyed by their SQL text, kept at most half full. It holds the
 * statements without owning them: a driver finalises its statements at close (walking slot[]),
 * then calls store_cache_free for the table.
 */
typedef struct store_cache {
    store_stmt **slot; /* owned: cap slots (a power of two), NULL where empty */
    size_t cap, n;
} store_cache;

kt_code store_cache_init(store_cache *c); /* KT_ENOMEM */
void store_cache_free(store_cache *c);
/* The cached statement prepared from exactly this text, or NULL. */
store_stmt *store_cache_find(const store_cache *c, const char *sql);
/* Add a new statement under a copy of sql (set as st->sql), growing the table as needed;
   KT_ENOMEM leaves st out of the cache (the caller frees it). */
kt_code store_cache_add(store_cache *c, store_stmt *st, const char *sql);

extern const store_driver store_sqlite_driver;
extern const store_driver store_postgres_driver;

/* Apply the compiled-in migrations above the recorded version (store.c; drivers call it at
   open, after their connection settings). */
kt_code store_migrate(store *db, kt_error *err);

#endif
