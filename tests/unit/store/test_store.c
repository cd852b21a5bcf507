/*
 * test_store.c - the store interface over a real SQLite file in a temp folder: migrations at
 * open, transactions (commit, rollback), statement cache, constraint errors, durability
 * settings, and a second connection seeing committed data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/store/store_test.h"
#include "store/store_migrations.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ktpel-store-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_open_migrates(void **state)
{
    (void)state;
    store *db = NULL;
    kt_error err;
    assert_int_equal(store_open(path, NULL, &db, &err), KT_OK);
    assert_int_equal(store_schema_version(db), store_schema_latest());
    assert_true(store_schema_latest() >= 1);
    assert_string_equal(store_driver_name(db), "sqlite");
    /* One row per migration file (numbers may have gaps: each helper has its own). */
    assert_int_equal(st_count(db, "SELECT count(*) FROM schema_version"), store_migrations_n);
    /* Every table of the schema exists. */
    const char *tables[] = {"wilayah", "families", "residents", "users", "sessions", "tickets",
                            "applications", "documents", "data_changes", "biometrics",
                            "receipts", "handovers", "events"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        store_stmt *st = NULL;
        int row = 0;
        assert_int_equal(store_prepare(db, "SELECT 1 FROM sqlite_master WHERE name = ?", &st,
                                       &err), KT_OK);
        store_bind_text(st, 1, tables[i], -1);
        assert_int_equal(store_step(st, &row, &err), KT_OK);
        assert_int_equal(row, 1);
        store_reset(st);
    }
    assert_int_equal(st_count(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(st_count(db, "PRAGMA synchronous"), 2); /* FULL */
    store_close(db);
    /* Reopening applies nothing twice. */
    assert_int_equal(store_open(path, NULL, &db, &err), KT_OK);
    /* One row per migration file (numbers may have gaps: each helper has its own). */
    assert_int_equal(st_count(db, "SELECT count(*) FROM schema_version"), store_migrations_n);
    store_stmt *st = NULL;
    int row = 0;
    assert_int_equal(store_prepare(db, "PRAGMA journal_mode", &st, &err), KT_OK);
    assert_int_equal(store_step(st, &row, &err), KT_OK);
    assert_string_equal(store_col_text(st, 0), "wal");
    store_reset(st);
    store_close(db);
}

static void test_txn_commit_rollback(void **state)
{
    (void)state;
    store *db = NULL, *db2 = NULL;
    store_stmt *st = NULL;
    kt_error err;
    assert_int_equal(store_open(path, NULL, &db, &err), KT_OK);
    assert_int_equal(store_open(path, NULL, &db2, &err), KT_OK);

    assert_int_equal(store_begin(db, STORE_WRITE, &err), KT_OK);
    assert_int_equal(store_prepare(db, "INSERT INTO wilayah (code, name, level) VALUES (?, ?, ?)",
                                   &st, &err), KT_OK);
    store_bind_text(st, 1, "36", -1);
    store_bind_text(st, 2, "Banten", -1);
    store_bind_int(st, 3, 1);
    assert_int_equal(store_run(st, &err), KT_OK);
    assert_int_equal(store_changes(db), 1);
    /* Not visible to another connection before commit. */
    assert_int_equal(st_count(db2, "SELECT count(*) FROM wilayah"), 0);
    assert_int_equal(store_commit(db, &err), KT_OK);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM wilayah"), 1);

    /* Rolled back work leaves nothing. */
    assert_int_equal(store_begin(db, STORE_WRITE, &err), KT_OK);
    store_stmt *st2 = NULL;
    assert_int_equal(store_prepare(db, "INSERT INTO wilayah (code, name, level) VALUES (?, ?, ?)",
                                   &st2, &err), KT_OK);
    assert_ptr_equal(st, st2); /* the statement cache */
    store_bind_text(st2, 1, "3671", -1);
    store_bind_text(st2, 2, "Kota Tangerang", -1);
    store_bind_int(st2, 3, 2);
    assert_int_equal(store_run(st2, &err), KT_OK);
    store_rollback(db);
    store_rollback(db); /* harmless when none is open */
    assert_int_equal(st_count(db, "SELECT count(*) FROM wilayah"), 1);

    /* A constraint violation is KT_ECONFLICT and says so. */
    assert_int_equal(store_prepare(db, "INSERT INTO wilayah (code, name, level) VALUES (?, ?, ?)",
                                   &st, &err), KT_OK);
    store_bind_text(st, 1, "36", -1);
    store_bind_text(st, 2, "Banten", -1);
    store_bind_int(st, 3, 1);
    assert_int_equal(store_run(st, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "constraint");

    /* Bad SQL is an error, not a crash. */
    assert_int_equal(store_prepare(db, "SELEKT nothing", &st, &err), KT_EIO);
    /* Nested transactions are refused. */
    assert_int_equal(store_begin(db, STORE_READ, &err), KT_OK);
    assert_int_equal(store_begin(db, STORE_READ, &err), KT_EINTERNAL);
    assert_int_equal(store_commit(db, &err), KT_OK);
    assert_int_equal(store_commit(db, &err), KT_EINTERNAL);

    /* Many distinct statements grow the cache. */
    for (int i = 0; i < 200; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d", i);
        assert_int_equal(st_count(db, sql), i);
    }
    store_close(db2);
    store_close(db);
}

static void test_bad_location(void **state)
{
    (void)state;
    store *db = NULL;
    kt_error err;
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", NULL, &db, &err), KT_EIO);
    assert_null(db);
    assert_int_equal(store_open("postgres://localhost/ktpel", NULL, &db, &err), KT_EUNAVAIL);
    assert_int_equal(store_open("", NULL, &db, &err), KT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_txn_commit_rollback, setup, teardown),
        cmocka_unit_test(test_bad_location),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
