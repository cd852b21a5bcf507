/*
 * test_store.c - the store interface over a real SQLite file in a temp folder: migrations at
 * open, transactions (commit, rollback), statement cache, constraint errors, durability
 * settings, a second connection seeing committed data, and a server's writes staying visible
 * to other processes while it opens more connections (the WAL is never lost under it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* One wilayah row (code) through db, committed. */
static void add_region(store *db, const char *code)
{
    store_stmt *st = NULL;
    kt_error err;
    st_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    st_expect(store_prepare(db, "INSERT INTO wilayah (code, name, level) VALUES (?, 'x', 1)", &st,
                            &err),
              KT_OK, &err);
    store_bind_text(st, 1, code, -1);
    st_expect(store_run(st, &err), KT_OK, &err);
    st_expect(store_commit(db, &err), KT_OK, &err);
}

/* The regions in the database at p, counted by a connection of this process: 0..254, or -1. */
static int count_regions(const char *p)
{
    store *db = NULL;
    kt_error err;
    int n = -1;
    if (store_open(p, NULL, &db, &err) == KT_OK)
        n = (int)st_count(db, "SELECT count(*) FROM wilayah");
    store_close(db);
    return n;
}

/* The same in a process of its own (a CLI command beside the server): this test program run
   again (exec, not only fork: a forked child would inherit SQLite's record of the parent's
   locks). Returns the count, or -1. */
static int other_process_count(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_store", "--count-regions", path, (char *)NULL);
        _exit(255);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

/* A server opens connections while it runs (the pool grows and is trimmed). Opening one must
   not drop the locks the process's other connections hold on the database file (closing any
   descriptor of a file drops all of a process's POSIX locks on it): else a CLI command that
   closes its connection beside the server takes the server's WAL for its own and deletes it,
   and every write the server makes afterwards is lost to the file. */
static void test_open_keeps_other_connections_locks(void **state)
{
    (void)state;
    store *a = NULL, *b = NULL;
    kt_error err;
    struct stat sb;
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    st_expect(store_open(path, NULL, &a, &err), KT_OK, &err);
    add_region(a, "11");
    st_expect(store_open(path, NULL, &b, &err), KT_OK, &err); /* the pool grows */
    assert_int_equal(other_process_count(), 1);                /* a CLI command runs */
    assert_int_equal(stat(wal, &sb), 0);                       /* the server's WAL is still there */
    add_region(a, "12");
    add_region(b, "13");
    assert_int_equal(other_process_count(), 3); /* and its writes reach the file */
    store_close(b);
    store_close(a);
    assert_int_equal(other_process_count(), 3);
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

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--count-regions") == 0) { /* other_process_count */
        int n = count_regions(argv[2]);
        return n < 0 || n > 254 ? 255 : n;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_txn_commit_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_keeps_other_connections_locks, setup, teardown),
        cmocka_unit_test(test_bad_location),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
