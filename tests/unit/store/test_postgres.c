/*
 * test_postgres.c - the store interface over a real PostgreSQL 15 server that the test starts
 * itself (tests/pg/pg_tmp.sh, one fresh schema per case): migrations at open, placeholders
 * and types, commit and rollback, constraint errors and the aborted transaction, statement
 * cache, the SQLite dialect the driver translates, concurrent writers serialised at BEGIN,
 * concurrent opens of a fresh database, the lock timeout, a lost connection and its reconnect. Prints SKIP when PostgreSQL is absent.
 */
#include <pthread.h>

#include "pg/pg_test.h"
#include "unit/store/store_test.h"

static int group_setup(void **state)
{
    (void)state;
    return pgt_start();
}

static int group_teardown(void **state)
{
    (void)state;
    return pgt_stop();
}

static store *open_db(const char *loc)
{
    store *db = NULL;
    kt_error err;
    st_expect(store_open(loc, NULL, &db, &err), KT_OK, &err);
    return db;
}

static kt_error last_err; /* add_user's error */

static void add_user(store *db, const char *name, kt_code want)
{
    store_stmt *st = NULL;
    kt_error err;
    kt_error_clear(&err);
    st_expect(store_prepare(db,
                            "INSERT INTO users (username, role, password_hash, created_at)"
                            " VALUES (?, 'intake', 'x', ?)",
                            &st, &err),
              KT_OK, &err);
    store_bind_text(st, 1, name, -1);
    store_bind_int(st, 2, INT64_C(1772416800000));
    st_expect(store_run(st, &err), want, &err);
    last_err = err;
}

static void test_open_migrates(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc);
    assert_string_equal(store_driver_name(db), "postgres");
    assert_int_equal(store_schema_version(db), store_schema_latest());
    int64_t applied = st_count(db, "SELECT count(*) FROM schema_version");
    assert_true(applied >= 1);
    assert_int_equal(st_count(db, "SELECT count(*) FROM residents"), 0);
    /* Times are Unix ms: the INTEGER columns became BIGINT. */
    assert_int_equal(st_count(db, "SELECT count(*) FROM information_schema.columns WHERE"
                                  " table_schema = current_schema() AND table_name = 'events'"
                                  " AND column_name = 'at' AND data_type = 'bigint'"),
                     1);
    store_close(db);
    /* Reopening applies nothing twice. */
    db = open_db(loc);
    assert_int_equal(store_schema_version(db), store_schema_latest());
    assert_int_equal(st_count(db, "SELECT count(*) FROM schema_version"), applied);
    store_close(db);
}

static void test_bad_location(void **state)
{
    (void)state;
    store *db = NULL;
    kt_error err;
    /* Port 1 on loopback: nobody listens, the refusal is immediate. */
    assert_int_equal(store_open("postgres://nobody@127.0.0.1:1/x?connect_timeout=2", NULL, &db,
                                &err),
                     KT_EUNAVAIL);
    assert_null(db);
    assert_string_equal(err.id, "db_open");
    assert_string_equal(err.field, "db");
}

static void test_params_and_types(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc);
    store_stmt *st = NULL;
    kt_error err;
    int row = 0;
    /* A '?' inside a string literal and a quoted identifier is not a parameter. */
    st_expect(store_prepare(db,
                            "INSERT INTO wilayah (code, name, level, type) VALUES (?, ?, ?,"
                            " 'a?b')",
                            &st, &err),
              KT_OK, &err);
    store_bind_text(st, 1, "3671", -1);
    store_bind_text(st, 2, "KOTA TANGERANG 'X' ?", -1);
    store_bind_int(st, 3, 2);
    st_expect(store_run(st, &err), KT_OK, &err);
    assert_int_equal(store_changes(db), 1);
    st_expect(store_prepare(db,
                            "SELECT code AS \"c?\", name, level, type FROM wilayah WHERE code = ?"
                            " AND name <> '?'",
                            &st, &err),
              KT_OK, &err);
    assert_int_equal(store_col_count(st), 4);
    assert_string_equal(store_col_name(st, 0), "c?");
    /* A length-limited text is bound exactly. */
    store_bind_text(st, 1, "36710000", 4);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(row, 1);
    assert_string_equal(store_col_text(st, 0), "3671");
    assert_string_equal(store_col_text(st, 1), "KOTA TANGERANG 'X' ?");
    assert_int_equal(store_col_int(st, 2), 2);
    assert_string_equal(store_col_text(st, 3), "a?b");
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(row, 0);
    store_reset(st);

    /* Unix ms beyond 32 bits, NULL, and a parameter only `IS NULL` sees (typed as text). */
    st_expect(store_prepare(db,
                            "INSERT INTO events (application_id, ticket_id, at, action, note)"
                            " VALUES (?, ?, ?, ?, ?)",
                            &st, &err),
              KT_OK, &err);
    store_bind_null(st, 1);
    store_bind_int(st, 2, 7);
    store_bind_int(st, 3, INT64_C(1772416800123));
    store_bind_text(st, 4, "open", -1);
    store_bind_text_ref(st, 5, "catatan", -1);
    st_expect(store_run(st, &err), KT_OK, &err);
    int64_t id = store_last_id(db);
    assert_true(id >= 1);
    st_expect(store_prepare(db,
                            "SELECT application_id, ticket_id, at, ? IS NULL, ? * 2.0, note FROM"
                            " events WHERE (? IS NULL OR action = ?) AND id = ?",
                            &st, &err),
              KT_OK, &err);
    store_bind_null(st, 1);
    store_bind_double(st, 2, 1.25);
    store_bind_text(st, 3, "open", -1);
    store_bind_text(st, 4, "open", -1);
    store_bind_int(st, 5, id);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(row, 1);
    assert_true(store_col_null(st, 0));
    assert_int_equal(store_col_int(st, 0), 0);
    assert_string_equal(store_col_text(st, 0), "");
    assert_false(store_col_null(st, 1));
    assert_int_equal(store_col_int(st, 1), 7);
    assert_true(store_col_int(st, 2) == INT64_C(1772416800123));
    assert_int_equal(store_col_int(st, 3), 1); /* a truth value reads as 1, as in SQLite */
    assert_string_equal(store_col_text(st, 3), "1");
    assert_true(store_col_double(st, 4) == 2.5);
    assert_string_equal(store_col_text(st, 5), "catatan");
    store_reset(st);

    /* A boolean parameter bound as an integer (apps.c: CASE WHEN ? THEN 1 ...). */
    st_expect(store_prepare(db, "SELECT CASE WHEN ? THEN 1 ELSE 2 END", &st, &err), KT_OK, &err);
    store_bind_int(st, 1, 0);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(store_col_int(st, 0), 2);
    store_reset(st);
    store_close(db);
}

static void test_commit_rollback(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc), *db2 = open_db(loc);
    kt_error err;
    store_rollback(db); /* none open: nothing happens */
    st_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    assert_true(store_in_txn(db));
    add_user(db, "a", KT_OK);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM users"), 0); /* not yet committed */
    store_rollback(db);
    assert_false(store_in_txn(db));
    assert_int_equal(st_count(db, "SELECT count(*) FROM users"), 0);

    st_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    add_user(db, "a", KT_OK);
    int64_t id1 = store_last_id(db);
    add_user(db, "b", KT_OK);
    assert_int_equal(store_last_id(db), id1 + 1);
    st_expect(store_commit(db, &err), KT_OK, &err);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM users"), 2);
    assert_int_equal(st_count(db2, "SELECT id FROM users WHERE username = 'b'"), id1 + 1);

    st_expect(store_exec(db, "UPDATE users SET loket = 2", &err), KT_OK, &err);
    store_stmt *st = NULL;
    st_expect(store_prepare(db, "UPDATE users SET loket = ? WHERE loket = 2", &st, &err), KT_OK,
              &err);
    store_bind_int(st, 1, 3);
    st_expect(store_run(st, &err), KT_OK, &err);
    assert_int_equal(store_changes(db), 2);

    /* A read transaction keeps its snapshot while another connection commits. */
    st_expect(store_begin(db2, STORE_READ, &err), KT_OK, &err);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM users"), 2);
    add_user(db, "c", KT_OK);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM users"), 2);
    st_expect(store_commit(db2, &err), KT_OK, &err);
    assert_int_equal(st_count(db2, "SELECT count(*) FROM users"), 3);
    store_close(db2);
    store_close(db);
}

static void test_constraint_errors(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc);
    kt_error err;
    store_stmt *st = NULL;
    add_user(db, "a", KT_OK);
    add_user(db, "a", KT_ECONFLICT); /* UNIQUE (username), outside a transaction */

    /* Inside a transaction: the failure aborts it (PostgreSQL), and commit reports it. */
    st_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    add_user(db, "b", KT_OK);
    add_user(db, "a", KT_ECONFLICT);
    assert_string_equal(last_err.id, "constraint");
    add_user(db, "c", KT_ECONFLICT); /* the transaction is aborted: refused, not applied */
    assert_int_equal(store_commit(db, &err), KT_ECONFLICT);
    store_rollback(db);
    assert_false(store_in_txn(db));
    assert_int_equal(st_count(db, "SELECT count(*) FROM users"), 1);

    /* Foreign key and CHECK violations are conflicts too. */
    st_expect(store_prepare(db,
                            "INSERT INTO residents (nik, kk_number, name, birth_date, sex, agama,"
                            " marital_status) VALUES (?, ?, 'X', '1990-01-01', ?, 1, 1)",
                            &st, &err),
              KT_OK, &err);
    store_bind_text(st, 1, "3671101203900001", -1);
    store_bind_text(st, 2, "3671100101090001", -1);
    store_bind_text(st, 3, "L", -1);
    assert_int_equal(store_run(st, &err), KT_ECONFLICT);
    st_expect(store_exec(db, "INSERT INTO families (kk_number) VALUES ('3671100101090001')", &err),
              KT_OK, &err);
    st_expect(store_prepare(db,
                            "INSERT INTO residents (nik, kk_number, name, birth_date, sex, agama,"
                            " marital_status) VALUES (?, ?, 'X', '1990-01-01', ?, 1, 1)",
                            &st, &err),
              KT_OK, &err);
    store_bind_text(st, 1, "3671101203900001", -1);
    store_bind_text(st, 2, "3671100101090001", -1);
    store_bind_text(st, 3, "Q", -1);
    assert_int_equal(store_run(st, &err), KT_ECONFLICT);

    /* A read-only server (a standby during failover) is unavailable for writes, not broken. */
    st_expect(store_exec(db, "SET default_transaction_read_only = on", &err), KT_OK, &err);
    add_user(db, "z", KT_EUNAVAIL);
    assert_string_equal(last_err.id, "db_read_only");
    st_expect(store_exec(db, "SET default_transaction_read_only = off", &err), KT_OK, &err);

    /* Bad SQL is refused at prepare; inside a transaction it does not spoil the rest. */
    st_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    add_user(db, "d", KT_OK);
    assert_int_equal(store_prepare(db, "SELEKT nothing", &st, &err), KT_EIO);
    assert_string_equal(err.id, "db_error");
    assert_int_equal(store_prepare(db, "SELECT no_such_column FROM users", &st, &err), KT_EIO);
    add_user(db, "e", KT_OK);
    st_expect(store_commit(db, &err), KT_OK, &err);
    assert_int_equal(st_count(db, "SELECT count(*) FROM users"), 3);
    store_close(db);
}

static void test_statement_cache(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc);
    kt_error err;
    store_stmt *a = NULL, *b = NULL, *c = NULL;
    int row = 0;
    add_user(db, "a", KT_OK);
    add_user(db, "b", KT_OK);
    add_user(db, "c", KT_OK);
    const char *sql = "SELECT username FROM users ORDER BY id";
    char copy[64];
    snprintf(copy, sizeof copy, "%s", sql);
    st_expect(store_prepare(db, sql, &a, &err), KT_OK, &err);
    st_expect(store_prepare(db, copy, &b, &err), KT_OK, &err); /* same text, other address */
       assert_ptr_equal(a, b);
    /* Read one row, then preparing again resets to the start. */
    st_expect(store_step(a, &row, &err), KT_OK, &err);
    assert_string_equal(store_col_text(a, 0), "a");
    st_expect(store_prepare(db, sql, &a, &err), KT_OK, &err);
    st_expect(store_step(a, &row, &err), KT_OK, &err);
    assert_string_equal(store_col_text(a, 0), "a");
    /* Another statement may run while a result is being read. */
    int n = 0;
    while (store_step(a, &row, &err) == KT_OK && row) {
        st_expect(store_prepare(db, "SELECT count(*) FROM users WHERE username <= ?", &c, &err),
                  KT_OK, &err);
        store_bind_text(c, 1, store_col_text(a, 0), -1);
        st_expect(store_step(c, &row, &err), KT_OK, &err);
        assert_int_equal(store_col_int(c, 0), n + 2);
        store_reset(c);
        n++;
    }
    assert_int_equal(n, 2);
    store_reset(a);
    /* Bindings are cleared by reset: an unbound parameter is NULL. */
    st_expect(store_prepare(db, "SELECT count(*) FROM users WHERE username = ?", &c, &err), KT_OK,
              &err);
    store_bind_text(c, 1, "a", -1);
    st_expect(store_step(c, &row, &err), KT_OK, &err);
    assert_int_equal(store_col_int(c, 0), 1);
    store_reset(c);
    st_expect(store_step(c, &row, &err), KT_OK, &err);
    assert_int_equal(store_col_int(c, 0), 0);
    store_reset(c);
    /* Many distinct statements: the cache grows. */
    for (int i = 0; i < 100; i++) {
        char q[64];
        snprintf(q, sizeof q, "SELECT %d + count(*) FROM users", i);
        assert_int_equal(st_count(db, q), i + 3);
    }
    st_expect(store_prepare(db, sql, &b, &err), KT_OK, &err);
    assert_ptr_equal(a, b);
    store_close(db);
}

static void test_dialect(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *db = open_db(loc);
    kt_error err;
    store_stmt *st = NULL;
    /* SQLite-only words are translated or dropped; PRAGMA statements are skipped. */
    st_expect(store_exec(db,
                         "PRAGMA cache_size=-16384; CREATE TABLE x ("
                         " id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL UNIQUE,"
                         " v INTEGER NOT NULL) ; CREATE TABLE y (k TEXT PRIMARY KEY, n INTEGER)"
                         " WITHOUT ROWID; PRAGMA foreign_keys=ON",
                         &err),
              KT_OK, &err);
    st_expect(store_prepare(db, "INSERT OR IGNORE INTO x (k, v) VALUES (?, ?)", &st, &err), KT_OK,
              &err);
    store_bind_text(st, 1, "a", -1);
    store_bind_int(st, 2, INT64_C(1) << 40);
    st_expect(store_run(st, &err), KT_OK, &err);
    assert_int_equal(store_changes(db), 1);
    int64_t id = store_last_id(db);
    assert_true(id >= 1);
    store_bind_text(st, 1, "a", -1);
    store_bind_int(st, 2, 5);
    st_expect(store_run(st, &err), KT_OK, &err); /* ignored, not an error */
       assert_int_equal(store_changes(db), 0);
    assert_int_equal(store_last_id(db), id);
    assert_true(st_count(db, "SELECT v FROM x") == (INT64_C(1) << 40));
    st_expect(store_prepare(db, "INSERT INTO x (k, v) VALUES (?, 1);  ", &st, &err), KT_OK, &err);
    store_bind_text(st, 1, "b", -1);
    st_expect(store_run(st, &err), KT_OK, &err);
    assert_int_equal(store_last_id(db), id + 2); /* the ignored row used a sequence value */
    /* An upsert as the service writes it. */
    st_expect(store_prepare(db,
                            "INSERT INTO y (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET"
                            " n = excluded.n",
                            &st, &err),
              KT_OK, &err);
    for (int i = 1; i <= 2; i++) {
        store_bind_text(st, 1, "k", -1);
        store_bind_int(st, 2, i);
        st_expect(store_run(st, &err), KT_OK, &err);
    }
    assert_int_equal(st_count(db, "SELECT n FROM y WHERE k = 'k'"), 2);
    /* group_concat becomes string_agg (any argument type, DISTINCT, a separator). */
    st_expect(store_exec(db, "INSERT INTO y (k, n) VALUES ('a', 1), ('b', 1), ('c', 3)", &err),
              KT_OK, &err);
    int row = 0;
    st_expect(store_prepare(db,
                            "SELECT group_concat(DISTINCT n), (SELECT group_concat(k, '|') FROM"
                            " (SELECT k FROM y ORDER BY k) s), group_concat(k || '?')"
                            " FROM y WHERE n <> ?",
                            &st, &err),
              KT_OK, &err);
    store_bind_int(st, 1, 0);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(row, 1);
    assert_string_equal(store_col_text(st, 0), "1,2,3");
    assert_string_equal(store_col_text(st, 1), "a|b|c|k");
    assert_int_equal((int)strlen(store_col_text(st, 2)), 11);
    store_reset(st);
    store_close(db);
}

/* Concurrent writers: each thread its own connection, a read-then-write per transaction
   (the next ticket number, as queue.c does). The write lock taken at BEGIN serialises them:
   no number is handed out twice and none is lost. */
enum { WRITERS = 4, ROUNDS = 25 };
static char w_loc[192];

static void *writer(void *arg)
{
    (void)arg;
    store *db = NULL;
    kt_error err;
    intptr_t fails = 0;
    if (store_open(w_loc, NULL, &db, &err) != KT_OK)
        return (void *)(intptr_t)ROUNDS;
    for (int i = 0; i < ROUNDS; i++) {
        store_stmt *st = NULL;
        int row = 0;
        if (store_begin(db, STORE_WRITE, &err) != KT_OK) {
            fails++;
            continue;
        }
        if (store_prepare(db,
                          "SELECT COALESCE(MAX(number), 0) FROM tickets WHERE day = ? AND"
                          " service = ?",
                          &st, &err) != KT_OK)
            goto fail;
        store_bind_text(st, 1, "2026-03-02", -1);
        store_bind_text(st, 2, "rekam_baru", -1);
        if (store_step(st, &row, &err) != KT_OK || !row)
            goto fail;
        int64_t next = store_col_int(st, 0) + 1;
        store_reset(st);
        if (store_prepare(db,
                          "INSERT INTO tickets (service, day, number, code, taken_at) VALUES"
                          " (?, ?, ?, ?, ?)",
                          &st, &err) != KT_OK)
            goto fail;
        char code[32];
        snprintf(code, sizeof code, "A%03lld", (long long)next);
        store_bind_text(st, 1, "rekam_baru", -1);
        store_bind_text(st, 2, "2026-03-02", -1);
        store_bind_int(st, 3, next);
        store_bind_text(st, 4, code, -1);
        store_bind_int(st, 5, INT64_C(1772416800000) + i);
        if (store_run(st, &err) != KT_OK || store_commit(db, &err) != KT_OK)
            goto fail;
        continue;
    fail:
        fprintf(stderr, "writer: %s\n", err.message);
        fails++;
        store_rollback(db);
    }
    store_close(db);
    return (void *)fails;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    pgt_new_db(w_loc, sizeof w_loc);
    store *db = open_db(w_loc); /* migrates before the threads start */
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, NULL), 0);
    intptr_t fails = 0;
    for (int i = 0; i < WRITERS; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        fails += (intptr_t)r;
    }
    assert_int_equal(fails, 0);
    assert_int_equal(st_count(db, "SELECT count(*) FROM tickets"), WRITERS * ROUNDS);
    assert_int_equal(st_count(db, "SELECT MAX(number) FROM tickets"), WRITERS * ROUNDS);
    assert_int_equal(st_count(db, "SELECT count(DISTINCT number) FROM tickets"), WRITERS * ROUNDS);
    store_close(db);
}

/* Several processes (here threads, each with its connection) opening a fresh database at
   once: one applies the migrations, the others wait and find them applied. */
static void *opener(void *arg)
{
    (void)arg;
    store *db = NULL;
    kt_error err;
    if (store_open(w_loc, NULL, &db, &err) != KT_OK) {
        fprintf(stderr, "opener: %s\n", err.message);
        return (void *)1;
    }
    intptr_t bad = store_schema_version(db) != store_schema_latest();
    store_close(db);
    return (void *)bad;
}

static void test_concurrent_open(void **state)
{
    (void)state;
    pgt_new_db(w_loc, sizeof w_loc);
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, opener, NULL), 0);
    intptr_t bad = 0;
    for (int i = 0; i < WRITERS; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        bad += (intptr_t)r;
    }
    assert_int_equal(bad, 0);
    store *db = open_db(w_loc);
    int64_t n = st_count(db, "SELECT count(*) FROM schema_version");
    assert_int_equal(st_count(db, "SELECT count(DISTINCT version) FROM schema_version"), n);
    assert_int_equal(st_count(db, "SELECT max(version) FROM schema_version"),
                     store_schema_latest());
    store_close(db);
}

static void test_write_lock_timeout(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *a = open_db(loc), *b = NULL;
    kt_error err;
    store_options o = {.busy_timeout_ms = 100};
    st_expect(store_open(loc, &o, &b, &err), KT_OK, &err);
    st_expect(store_begin(a, STORE_WRITE, &err), KT_OK, &err);
    /* A second writer waits for the first, then gives up: busy, nothing held. */
    assert_int_equal(store_begin(b, STORE_WRITE, &err), KT_EUNAVAIL);
    assert_string_equal(err.id, "db_busy");
    assert_false(store_in_txn(b));
    /* Opening another connection does not queue behind the writer (schema already current). */
    store *c = NULL;
    st_expect(store_open(loc, &o, &c, &err), KT_OK, &err);
    assert_int_equal(store_schema_version(c), store_schema_latest());
    store_close(c);
    /* Readers are not blocked by the writer. */
    st_expect(store_begin(b, STORE_READ, &err), KT_OK, &err);
    assert_int_equal(st_count(b, "SELECT count(*) FROM users"), 0);
    st_expect(store_commit(b, &err), KT_OK, &err);
    st_expect(store_commit(a, &err), KT_OK, &err);
    st_expect(store_begin(b, STORE_WRITE, &err), KT_OK, &err);
    st_expect(store_commit(b, &err), KT_OK, &err);
    store_close(b);
    store_close(a);
}

static void test_connection_lost(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    store *a = open_db(loc), *b = open_db(loc);
    kt_error err;
    store_stmt *st = NULL;
    int row = 0;
    add_user(a, "a", KT_OK);
    assert_int_equal(st_count(a, "SELECT count(*) FROM users"), 1); /* prepared, cached */
    int64_t pid = st_count(a, "SELECT pg_backend_pid()");
    st_expect(store_prepare(b, "SELECT pg_terminate_backend(?)", &st, &err), KT_OK, &err);
    store_bind_int(st, 1, pid);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(store_col_int(st, 0), 1);
    store_reset(st);
    /* The server closed a's session: the next statement says so. */
    st_expect(store_prepare(a, "SELECT count(*) FROM users", &st, &err), KT_OK, &err);
    assert_int_equal(store_step(st, &row, &err), KT_EUNAVAIL);
    assert_string_equal(err.id, "db_unavailable");
    store_reset(st);
    /* The next transaction reconnects, and cached statements are prepared again. */
    st_expect(store_begin(a, STORE_WRITE, &err), KT_OK, &err);
    assert_int_equal(st_count(a, "SELECT count(*) FROM users"), 1);
    add_user(a, "b", KT_OK);
    st_expect(store_commit(a, &err), KT_OK, &err);
    assert_int_equal(st_count(b, "SELECT count(*) FROM users"), 2);
    store_close(b);
    store_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_migrates),
        cmocka_unit_test(test_bad_location),
        cmocka_unit_test(test_params_and_types),
        cmocka_unit_test(test_commit_rollback),
        cmocka_unit_test(test_constraint_errors),
        cmocka_unit_test(test_statement_cache),
        cmocka_unit_test(test_dialect),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_concurrent_open),
        cmocka_unit_test(test_write_lock_timeout),
        cmocka_unit_test(test_connection_lost),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
