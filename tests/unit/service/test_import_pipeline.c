/*
 * test_import_pipeline.c - the SIAK import's reader thread and batches (import.c) on a real
 * SQLite file: a file of several batches with one bad line near the end imports nothing and
 * names that line (the batches before it were already written, inside the transaction that is
 * rolled back); with skip_invalid every good line is imported in file order; a connection
 * given back to the pool has its foreign keys on again.
 */
#include "unit/service/svc_test.h"
#include "service/svc_internal.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define ROWS 5000 /* over two batches of the reader (2,048 rows each) */
#define BAD_AT 4500

/* Person i: born on day i / 1000 of 1980 (January-February), serial i % 1000 + 1. */
static void nik_of(long i, char nik[32])
{
    int doy = (int)(i / 1000), month = doy < 31 ? 1 : 2, day = doy < 31 ? doy + 1 : doy - 30;
    snprintf(nik, 32, "367110%02d%02d80%04d", day, month, (int)(i % 1000) + 1);
}

static void write_file(const char *path, int with_bad)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(SIAK_HEADER, f);
    for (long i = 0; i < ROWS; i++) {
        char nik[32];
        nik_of(i, nik);
        int doy = (int)(i / 1000), month = doy < 31 ? 1 : 2, day = doy < 31 ? doy + 1 : doy - 30;
        fprintf(f,
                "%s,3671100101%06ld,PENDUDUK %ld,TANGERANG,1980-%02d-%02d,%s,13,1,%s,15,5,WNI,,"
                "JL. CONTOH NO. %ld,001,002,3671101001,367110,1,UNREGISTERED,0\n",
                nik, i / 4, i, month, day, with_bad && i == BAD_AT ? "X" : "L",
                i % 2 ? "2" : "1", i);
    }
    fclose(f);
}

static int resident_exists(svc *s, long i)
{
    char nik[32];
    nik_of(i, nik);
    svc_actor in = t_actor("intake", 1, 1);
    json_t *r = NULL;
    kt_error err;
    kt_code rc = svc_resident_get(s, &in, nik, &r, &err);
    json_decref(r);
    return rc == KT_OK;
}

static void test_bad_line_late_in_file(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/siak.csv", t_dir);
    write_file(path, 1);
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    assert_int_equal(svc_import_siak(s, &sys, path, 0, &out, &err), KT_EINVAL);
    assert_null(out);
    assert_string_equal(err.id, "sex_invalid");
    char want[64];
    snprintf(want, sizeof want, "line %d, column 6", BAD_AT + 2);
    assert_string_equal(err.field, want);
    assert_false(resident_exists(s, 0)); /* the first batches were rolled back too */
    assert_false(resident_exists(s, ROWS - 1));

    t_expect(svc_import_siak(s, &sys, path, 1, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "imported")), ROWS - 1);
    assert_int_equal(json_integer_value(json_object_get(out, "skipped")), 1);
    assert_int_equal(json_integer_value(json_object_get(out, "lines")), ROWS + 1);
    json_decref(out);
    assert_true(resident_exists(s, 0));
    assert_false(resident_exists(s, BAD_AT));
    assert_true(resident_exists(s, ROWS - 1));

    /* Foreign keys are back on for the next user of the connection (a SQLite setting;
       PostgreSQL's are never switched off). */
    if (t_on_pg()) {
        svc_close(s);
        return;
    }
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, "PRAGMA foreign_keys", &st, &err), KT_OK, &err);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_true(row);
    assert_int_equal(store_col_int(st, 0), 1);
    store_reset(st);
    svc_conn_put(s, db);
    svc_close(s);
}

static void test_good_file_in_order(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/siak.csv", t_dir);
    write_file(path, 0);
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_import_siak(s, &sys, path, 0, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "imported")), ROWS);
    assert_int_equal(json_integer_value(json_object_get(out, "families_written")), ROWS / 4);
    json_decref(out);
    for (long i = 0; i < ROWS; i += 499)
        assert_true(resident_exists(s, i));
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_line_late_in_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_file_in_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
