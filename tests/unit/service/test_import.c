/*
 * test_import.c - SIAK and wilayah import through the service, on a real SQLite file:
 * a good file; a bad line (nothing imported, line and column reported); --skip-invalid;
 * re-import updates; header faults; the region list from ../shared when present.
 */
#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

static const char *good_rows =
    "3671101203900001,3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,2,15,5,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,2,5,3671101001,367110,1,UNREGISTERED,0\n"
    "3671104506920002,3671100101090001,\"SITI, AMINAH\",TANGERANG,1992-06-05,P,13,1,2,2,5,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,2,5,3671101001,367110,3,CARD_ISSUED,1\n"
    "3671101507100003,3671100101090001,RIZKY FAUZI,TANGERANG,2010-07-15,L,13,1,1,3,3,,,"
    "JL. PROF. DR. SITANALA NO. 5,2,5,3671101001,,4,BELUM_WAJIB,0\n";

static int64_t count_of(svc *s, const char *nik)
{
    svc_actor a = svc_system_actor();
    json_t *r = NULL;
    kt_error err;
    kt_code rc = svc_resident_get(s, &a, nik, &r, &err);
    json_decref(r);
    return rc == KT_OK ? 1 : 0;
}

static void test_good_file(void **state)
{
    (void)state;
    char path[160];
    json_t *out = NULL;
    svc *s = t_open_with(good_rows, &out);
    svc_actor sys = svc_system_actor();
    kt_error err;
    snprintf(path, sizeof path, "%s/siak.csv", t_dir); /* re-imported below */
    assert_int_equal(json_integer_value(json_object_get(out, "imported")), 3);
    assert_int_equal(json_integer_value(json_object_get(out, "skipped")), 0);
    json_decref(out);
    json_t *r = NULL;
    t_expect(svc_resident_get(s, &sys, "3671104506920002", &r, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(r, "name")), "SITI, AMINAH");
    assert_int_equal(json_integer_value(json_object_get(r, "card_valid")), 1);
    assert_string_equal(json_string_value(json_object_get(r, "kecamatan_code")), "367110");
    json_decref(r);
    /* Age and eligibility on the service day (2026-03-02): the child is 15. */
    t_expect(svc_resident_get(s, &sys, "3671101507100003", &r, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(r, "age")), 15);
    assert_false(json_is_true(json_object_get(r, "eligible")));
    assert_string_equal(json_string_value(json_object_get(r, "kecamatan_code")), "367110");
    json_decref(r);
    /* Unknown NIK, malformed NIK. */
    assert_int_equal(svc_resident_get(s, &sys, "3671101203900009", &r, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "not_found_in_siak");
    assert_int_equal(svc_resident_get(s, &sys, "12345", &r, &err), KT_EINVAL);
    /* Re-import of a newer extract updates in place. */
    t_write_siak(path, "3671101203900001,3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,"
                       "1,3,15,5,WNI,,JL. BARU NO. 1,2,5,3671101001,367110,1,UNREGISTERED,0\n");
    t_expect(svc_import_siak(s, &sys, path, 0, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_resident_get(s, &sys, "3671101203900001", &r, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(r, "marital_status")), 3);
    assert_string_equal(json_string_value(json_object_get(r, "address")), "JL. BARU NO. 1");
    json_decref(r);
    /* Only an admin imports. */
    svc_actor op = t_actor("operator", 3, 0);
    assert_int_equal(svc_import_siak(s, &op, path, 0, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    svc_close(s);
}

static void test_bad_line_imports_nothing(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/bad.csv", t_dir);
    /* Line 3 has sex "X" in column 6. */
    t_write_siak(path,
                 "3671101203900001,3671100101090001,AHMAD,TANGERANG,1990-03-12,L,4,1,2,15,5,WNI,,"
                 "JL. A,2,5,3671101001,367110,1,UNREGISTERED,0\n"
                 "3671104506920002,3671100101090001,SITI,TANGERANG,1992-06-05,X,13,1,2,2,5,WNI,,"
                 "JL. A,2,5,3671101001,367110,3,CARD_ISSUED,1\n");
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    assert_int_equal(svc_import_siak(s, &sys, path, 0, &out, &err), KT_EINVAL);
    assert_null(out);
    assert_string_equal(err.field, "line 3, column 6");
    assert_string_equal(err.id, "sex_invalid");
    assert_int_equal(count_of(s, "3671101203900001"), 0); /* nothing imported */

    /* --skip-invalid imports the good line and lists the bad one. */
    t_expect(svc_import_siak(s, &sys, path, 1, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "imported")), 1);
    assert_int_equal(json_integer_value(json_object_get(out, "skipped")), 1);
    json_t *e0 = json_array_get(json_object_get(out, "errors"), 0);
    assert_string_equal(json_string_value(json_object_get(e0, "field")), "line 3, column 6");
    json_decref(out);
    assert_int_equal(count_of(s, "3671101203900001"), 1);

    /* Other faults, each with its column. */
    struct { const char *row; const char *id; const char *field; } cases[] = {
        {"3671101203900003,3671100101090001,A,T,1990-03-12,L,4,1,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,UNREGISTERED,0\n3671101203900003,3671100101090001,A,T,1990-03-12,L,4,1,2,15,"
         "5,WNI,,A,2,5,3671101001,367110,1,UNREGISTERED,0\n", "nik_duplicate", "line 3, column 1"},
        {"3671101203900001,367110010109,A,T,1990-03-12,L,4,1,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,UNREGISTERED,0\n", "kk_number_invalid", "line 2, column 2"},
        {"3671101203900001,3671100101090001,A,T,1990-02-30,L,4,1,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,UNREGISTERED,0\n", "birth_date_invalid", "line 2, column 5"},
        {"3671101203900001,3671100101090001,A,T,1990-03-12,L,4,9,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,UNREGISTERED,0\n", "code_invalid", "line 2, column 8"},
        {"3671109903900001,3671100101090001,A,T,1990-03-12,L,4,1,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,UNREGISTERED,0\n", "nik_invalid", "line 2, column 1"},
        {"3671101203900001,3671100101090001,A,T,1990-03-12,L,4,1,2,15,5,WNI,,A,2,5\n",
         "column_count", "line 2, column 17"},
        {"3671101203900001,3671100101090001,\"A,T,1990-03-12,L\n", "csv_invalid",
         "line 2, column 3"},
        {"3671101203900001,3671100101090001,A,T,1990-03-12,L,4,1,2,15,5,WNI,,A,2,5,3671101001,"
         "367110,1,NOPE,0\n", "ktp_status_invalid", "line 2, column 20"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_write_siak(path, cases[i].row);
        kt_code rc = svc_import_siak(s, &sys, path, 0, &out, &err);
        if (rc != KT_EINVAL || strcmp(err.id, cases[i].id) != 0)
            fprintf(stderr, "case %zu: %s %s %s\n", i, err.id, err.field, err.message);
        assert_int_equal(rc, KT_EINVAL);
        assert_string_equal(err.id, cases[i].id);
        assert_string_equal(err.field, cases[i].field);
    }
    /* Header faults. */
    t_write(path, "nik,name,bogus\n");
    assert_int_equal(svc_import_siak(s, &sys, path, 0, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "column_unknown");
    assert_string_equal(err.field, "line 1, column 3");
    t_write(path, "nik,name\n");
    assert_int_equal(svc_import_siak(s, &sys, path, 0, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "column_missing");
    t_write(path, "");
    assert_int_equal(svc_import_siak(s, &sys, path, 0, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "header_missing");
    assert_int_equal(svc_import_siak(s, &sys, "/nonexistent/x.csv", 0, &out, &err), KT_ENOTFOUND);
    svc_close(s);
}

static void test_wilayah_and_nik(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    char path[300];
    const char *shared = getenv("KTPEL_SHARED");
    int have = 0;
    if (shared != NULL) {
        snprintf(path, sizeof path, "%s/data/wilayah/kota_tangerang_36.71.csv", shared);
        have = access(path, R_OK) == 0;
    }
    if (!have) {
        printf("SKIP: ../shared not found\n");
        snprintf(path, sizeof path, "%s/w.csv", t_dir);
        t_write(path, "code,name,level,level_name,type\n36,Banten,1,provinsi,\n"
                      "36.71,Kota Tangerang,2,kabkota,kota\n36.71.10,Neglasari,3,kecamatan,\n"
                      "36.71.10.1001,Neglasari,4,desakel,kelurahan\n");
    }
    t_expect(svc_import_wilayah(s, &sys, path, &out, &err), KT_OK, &err);
    assert_true(json_integer_value(json_object_get(out, "imported")) >= 4);
    json_decref(out);
    t_expect(svc_nik_analyze(s, "3671104512900003", &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "district_name")), "Neglasari");
    assert_string_equal(json_string_value(json_object_get(out, "birth_date")), "1990-12-05");
    assert_string_equal(json_string_value(json_object_get(out, "sex")), "P");
    json_decref(out);
    assert_int_equal(svc_nik_analyze(s, "36711045129000", &out, &err), KT_EINVAL);
    assert_false(json_is_true(json_object_get(out, "valid")));
    json_decref(out);
    /* A bad line in the region list: nothing changes, line and column reported. */
    snprintf(path, sizeof path, "%s/wbad.csv", t_dir);
    t_write(path, "code,name,level,level_name,type\n37,Nowhere,1,provinsi,\n36.7x,Bad,2,kabkota,kota\n");
    assert_int_equal(svc_import_wilayah(s, &sys, path, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "line 3, column 1");
    svc_close(s);
}

static void test_demo_data_deterministic(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_demo_data(s, &sys, 500, 42, &out, &err), KT_OK, &err);
    json_int_t n1 = json_integer_value(json_object_get(out, "residents"));
    assert_true(n1 >= 490 && n1 <= 500);
    json_decref(out);
    /* Same seed again: every NIK already there, nothing new. */
    t_expect(svc_demo_data(s, &sys, 500, 42, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "residents")), 0);
    json_decref(out);
    assert_int_equal(svc_demo_data(s, &sys, 0, 1, &out, &err), KT_EINVAL);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_line_imports_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wilayah_and_nik, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_data_deterministic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
