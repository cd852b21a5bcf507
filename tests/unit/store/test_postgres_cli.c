/*
 * test_postgres_cli.c - the whole program on PostgreSQL: the real `ktpel` binary (KTPEL_BIN,
 * set by ctest) runs its data commands with --db postgres://... against a throwaway server
 * (tests/pg/pg_tmp.sh), through the service and the PostgreSQL driver: init (twice), SIAK
 * import (upserts, a refused row), region import (../shared when present), demo residents
 * and accounts. The results are read back through the store. Prints SKIP when PostgreSQL or
 * the binary is absent.
 */
#include <sys/stat.h>

#include "pg/pg_test.h"
#include "unit/store/store_test.h"

static char work[64]; /* the commands' working folder */

static int group_setup(void **state)
{
    (void)state;
    snprintf(work, sizeof work, "/tmp/ktpel-pgcli-XXXXXX");
    if (mkdtemp(work) == NULL)
        return -1;
    return pgt_start();
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    int rc = system(cmd);
    return pgt_stop() == 0 && rc == 0 ? 0 : -1;
}

static const char *bin(void)
{
    const char *b = getenv("KTPEL_BIN");
    if (b == NULL || access(b, X_OK) != 0) {
        printf("SKIP: ktpel binary not built (KTPEL_BIN=%s)\n", b != NULL ? b : "");
        skip();
    }
    return b;
}

/* Run `ktpel <args> --db <loc>` in the working folder (its stdout kept in out.json);
   returns the exit status. */
static int ktpel(const char *loc, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s --db '%s' >out.json 2>err.txt", work, bin(),
             args, loc);
    int st = system(cmd);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/err.txt' >&2", work);
        if (system(cmd) != 0)
            fprintf(stderr, "(no stderr)\n");
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define SIAK_HEADER                                                                          \
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan," \
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"  \
    "ktp_status,card_valid\n"

static void write_file(const char *name, const char *text)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", work, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_cli_on_postgres(void **state)
{
    (void)state;
    char loc[192];
    pgt_new_db(loc, sizeof loc);
    (void)bin(); /* skip early without a binary */
    assert_int_equal(ktpel(loc, "init"), 0);
    assert_int_equal(ktpel(loc, "init"), 0); /* idempotent: migrations applied once */

    write_file("siak.csv",
               SIAK_HEADER
               "3671101203900001,3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,"
               "5,WNI,,JL. A NO. 1,2,5,3671101001,367110,1,UNREGISTERED,0\n"
               "3671104506920002,3671100101090002,SITI AMINAH,TANGERANG,1992-06-05,P,13,1,2,2,"
               "5,WNI,,JL. B NO. 2,2,5,3671101001,367110,1,CARD_ISSUED,1\n");
    assert_int_equal(ktpel(loc, "import-siak siak.csv"), 0);
    /* Again with a changed name: an upsert, not a duplicate. */
    write_file("siak2.csv",
               SIAK_HEADER
               "3671101203900001,3671100101090001,AHMAD FAUZI S,TANGERANG,1990-03-12,L,4,1,1,15,"
               "5,WNI,,JL. A NO. 1,2,5,3671101001,367110,1,UNREGISTERED,0\n");
    assert_int_equal(ktpel(loc, "import-siak siak2.csv"), 0);
    /* A malformed NIK refuses the whole file (nothing changes). */
    write_file("bad.csv",
               SIAK_HEADER
               "3671101203900003,3671100101090001,X,TANGERANG,1990-03-12,L,4,1,1,15,"
               "5,WNI,,JL. A NO. 1,2,5,3671101001,367110,1,UNREGISTERED,0\n"
               "36711012039,3671100101090001,Y,TANGERANG,1990-03-12,L,4,1,1,15,"
               "5,WNI,,JL. A NO. 1,2,5,3671101001,367110,1,UNREGISTERED,0\n");
    assert_int_not_equal(ktpel(loc, "import-siak bad.csv"), 0);

    assert_int_equal(ktpel(loc, "demo-users"), 0);
    assert_int_equal(ktpel(loc, "demo-data --people 60 --seed 7"), 0);

    const char *shared = getenv("KTPEL_SHARED");
    char wil[512];
    int have_wil = 0;
    if (shared != NULL) {
        snprintf(wil, sizeof wil, "%s/data/wilayah/kota_tangerang_36.71.csv", shared);
        have_wil = access(wil, R_OK) == 0;
    }
    if (have_wil) {
        char args[600];
        snprintf(args, sizeof args, "import-wilayah '%s'", wil);
        assert_int_equal(ktpel(loc, args), 0);
    } else {
        printf("SKIP: ../shared not found (region import not exercised)\n");
    }

    store *db = NULL;
    kt_error err;
    assert_int_equal(store_open(loc, NULL, &db, &err), KT_OK);
    assert_int_equal(store_schema_version(db), store_schema_latest());
    assert_int_equal(st_count(db, "SELECT count(*) FROM residents WHERE nik IN"
                                  " ('3671101203900001', '3671104506920002')"),
                     2);
    assert_int_equal(st_count(db, "SELECT count(*) FROM residents WHERE nik = '3671101203900003'"),
                     0);
    store_stmt *st = NULL;
    int row = 0;
    assert_int_equal(store_prepare(db, "SELECT name FROM residents WHERE nik = ?", &st, &err),
                     KT_OK);
    store_bind_text(st, 1, "3671101203900001", -1);
    assert_int_equal(store_step(st, &row, &err), KT_OK);
    assert_int_equal(row, 1);
    assert_string_equal(store_col_text(st, 0), "AHMAD FAUZI S");
    store_reset(st);
    assert_true(st_count(db, "SELECT count(*) FROM residents") >= 2 + 60);
    assert_int_equal(st_count(db, "SELECT count(DISTINCT role) FROM users"), 5);
    if (have_wil)
        assert_true(st_count(db, "SELECT count(*) FROM wilayah WHERE code LIKE '3671%'") >= 100);
    store_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_on_postgres),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
