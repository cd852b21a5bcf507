/*
 * store_driver.h - what a storage driver provides (internal to src/store).
 *
 * A driver's connection struct begins with `struct store base` and its statement struct with
 * `struct store_stmt base`, so store.c dispatches through base.drv without knowing the driver.
 * Drivers: sqlite.c (store_sqlite_driver). A PostgreSQL driver would add postgres.c with the
 * same table and be chosen in store_open() by its "postgres://" location.
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
};

extern const store_driver store_sqlite_driver;

/* Apply the compiled-in migrations above the recorded version (store.c; drivers call it at
   open, after their connection settings). */
kt_code store_migrate(store *db, kt_error *err);

#endif
