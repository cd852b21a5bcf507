/*
 * test_wilayah.c - region codes, the table (built in and built by adding), the CSV line
 * parser. With ../shared present, the whole Kepmendagri 2025 file is loaded and looked up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/wilayah.h"

static void test_normalize(void **state)
{
    (void)state;
    char d[WIL_CODE_LEN];
    int level = 0;
    kt_error err;
    assert_int_equal(wil_code_normalize("367110", NULL, d, &level, &err), KT_OK);
    assert_string_equal(d, "36.71.10");
    assert_int_equal(level, 3);
    assert_int_equal(wil_code_normalize("3671101001", NULL, d, &level, &err), KT_OK);
    assert_string_equal(d, "36.71.10.1001");
    assert_int_equal(level, 4);
    assert_int_equal(wil_code_normalize("36.71", NULL, d, &level, &err), KT_OK);
    assert_int_equal(level, 2);
    const char *bad[] = {"", "3", "367", "36.7", "36.71.", "36..71", "36.71.10.101",
                         "36.71.10.1001.1", "3670", "36.00", "36.71.00", "3671100000",
                         "0671", "36a1", "36.71.10.10011", "10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kt_error_clear(&err);
        assert_int_equal(wil_code_normalize(bad[i], "kelurahan_code", d, &level, &err),
                         KT_EINVAL);
        assert_string_equal(err.id, "wilayah_code_invalid");
        assert_string_equal(err.field, "kelurahan_code");
    }
    char digits[WIL_DIGITS_LEN];
    wil_code_digits("36.71.10.1007", digits);
    assert_string_equal(digits, "3671101007");
}

static void test_builtin(void **state)
{
    (void)state;
    const wil_table *b = wil_builtin();
    assert_int_equal(wil_count(b), 47);
    int provinces = 0;
    for (size_t i = 0; i < wil_count(b); i++)
        provinces += wil_at(b, i)->level == 1;
    assert_int_equal(provinces, 38);
    assert_null(wil_at(b, 47));
    assert_string_equal(wil_lookup(b, "36")->name, "Banten");
    assert_string_equal(wil_lookup(b, "3671")->name, "Kota Tangerang");
    assert_string_equal(wil_lookup(b, "36.71.10")->name, "Neglasari");
    assert_string_equal(wil_lookup(b, "3671101003")->name, "Selapajang Jaya");
    assert_string_equal(wil_lookup(b, "36.71.10.1007")->name, "Kedaung Baru");
    assert_string_equal(wil_lookup(b, "96")->name, "Papua Barat Daya");
    assert_null(wil_lookup(b, "36.71.10.1008"));
    assert_null(wil_lookup(b, "20"));
    assert_null(wil_lookup(b, "garbage"));
    assert_null(wil_lookup(b, NULL));
}

static void test_table_add(void **state)
{
    (void)state;
    wil_table *t = NULL;
    kt_error err;
    assert_int_equal(wil_table_new(&t, &err), KT_OK);
    assert_int_equal(wil_table_add_builtin(t, &err), KT_OK);
    assert_int_equal(wil_count(t), 47);
    wil_entry e = {"367101", 3, "Tangerang", ""};
    bool replaced = true;
    assert_int_equal(wil_table_add(t, &e, &replaced, &err), KT_OK);
    assert_false(replaced);
    assert_string_equal(wil_lookup(t, "36.71.01")->code, "36.71.01");
    /* replace keeps the count */
    wil_entry e2 = {"36.71.01", 3, "Tangerang Kota", ""};
    assert_int_equal(wil_table_add(t, &e2, &replaced, &err), KT_OK);
    assert_true(replaced);
    assert_int_equal(wil_count(t), 48);
    assert_string_equal(wil_lookup(t, "367101")->name, "Tangerang Kota");
    /* bad entries change nothing */
    wil_entry bad1 = {"36.71.02", 2, "X", ""};      /* level mismatch */
    wil_entry bad2 = {"36.71.02", 3, "", ""};       /* empty name */
    wil_entry bad3 = {"36.71.02.1001", 4, "X", "desa"}; /* 1xxx is a kelurahan */
    wil_entry bad4 = {"36.70", 2, "X", "kota"};
    wil_entry bad5 = {"36.12", 2, "X", "kota"};     /* 12 is a kabupaten */
    assert_int_equal(wil_table_add(t, &bad1, NULL, &err), KT_EINVAL);
    assert_string_equal(err.id, "wilayah_level_mismatch");
    assert_int_equal(wil_table_add(t, &bad2, NULL, &err), KT_EINVAL);
    assert_int_equal(wil_table_add(t, &bad3, NULL, &err), KT_EINVAL);
    assert_int_equal(wil_table_add(t, &bad4, NULL, &err), KT_EINVAL);
    assert_int_equal(wil_table_add(t, &bad5, NULL, &err), KT_EINVAL);
    assert_int_equal(wil_count(t), 48);
    assert_null(wil_lookup(t, "36.71.02"));
    /* grow past several rehashes, every entry still found */
    char code[16], name[32];
    for (int k = 1; k <= 69; k++) {
        for (int c = 1; c <= 60; c++) {
            wil_entry x;
            memset(&x, 0, sizeof x);
            snprintf(code, sizeof code, "32%02d%02d", k, c);
            snprintf(name, sizeof name, "Kec %d-%d", k, c);
            memcpy(x.code, code, strlen(code) + 1);
            memcpy(x.name, name, strlen(name) + 1);
            x.level = 3;
            assert_int_equal(wil_table_add(t, &x, NULL, &err), KT_OK);
        }
    }
    assert_int_equal(wil_count(t), 48 + 69 * 60);
    assert_string_equal(wil_lookup(t, "32.45.33")->name, "Kec 45-33");
    assert_string_equal(wil_lookup(t, "320101")->name, "Kec 1-1");
    assert_string_equal(wil_lookup(t, "3671101001")->name, "Neglasari");
    wil_table_free(t);
    wil_table_free(NULL);
}

static void test_csv(void **state)
{
    (void)state;
    wil_entry e;
    kt_error err;
    int col = -1;
    assert_int_equal(wil_parse_csv_line("36.71.10.1001,Neglasari,4,desakel,kelurahan\r\n", &e,
                                        &col, &err),
                     KT_OK);
    assert_string_equal(e.code, "36.71.10.1001");
    assert_string_equal(e.name, "Neglasari");
    assert_int_equal(e.level, 4);
    assert_string_equal(e.type, "kelurahan");
    assert_int_equal(col, 0);
    assert_int_equal(wil_parse_csv_line("11,Aceh,1,provinsi,", &e, &col, &err), KT_OK);
    assert_string_equal(e.type, "");
    assert_int_equal(wil_parse_csv_line("12.07.28.1007,\"Lubuk Pakam I,II\",4,desakel,kelurahan",
                                        &e, &col, &err),
                     KT_OK);
    assert_string_equal(e.name, "Lubuk Pakam I,II");
    assert_int_equal(wil_parse_csv_line("12.07.28.1008,\"Say \"\"Hi\"\"\",4,desakel,kelurahan",
                                        &e, &col, &err),
                     KT_OK);
    assert_string_equal(e.name, "Say \"Hi\"");

    static const struct {
        const char *line;
        int col;
    } bad[] = {
        {"code,name,level,level_name,type", 1},
        {"36.71.10.1001,Neglasari,4,desakel", 5},
        {"36.71.10.1001,Neglasari,4,desakel,kelurahan,extra", 6},
        {"36.71.10.1001,Neglasari,4,desakel,kelurahan,", 6},
        {"36.7x,Kota,2,kabkota,kota", 1},
        {"36.71,,2,kabkota,kota", 2},
        {"36.71,Kota Tangerang,3,kabkota,kota", 3},
        {"36.71,Kota Tangerang,x,kabkota,kota", 3},
        {"36.71,Kota Tangerang,2,kecamatan,kota", 4},
        {"36.71,Kota Tangerang,2,kabkota,kabupaten", 5},
        {"36.71.10.2001,Neglasari,4,desakel,kelurahan", 5},
        {"36.71,\"Kota,2,kabkota,kota", 2},
        {"36.71,\"Kota\"x,2,kabkota,kota", 2},
        {"36.71,Ko\"ta,2,kabkota,kota", 2},
        {"", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wil_entry keep = {"99", 1, "keep", ""};
        kt_error_clear(&err);
        col = -1;
        assert_int_equal(wil_parse_csv_line(bad[i].line, &keep, &col, &err), KT_EINVAL);
        if (col != bad[i].col)
            fail_msg("line %zu '%s': column %d, expected %d (%s)", i, bad[i].line, col,
                     bad[i].col, err.message);
        char field[24];
        snprintf(field, sizeof field, "column %d", bad[i].col);
        assert_string_equal(err.field, field);
        assert_string_equal(err.id, "wilayah_csv_invalid");
        assert_string_equal(keep.name, "keep");
    }
    char longline[700];
    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    assert_int_equal(wil_parse_csv_line(longline, &e, &col, &err), KT_EINVAL);
    assert_int_equal(wil_parse_csv_line(NULL, &e, NULL, &err), KT_EINVAL);
}

/* The real 2025 file, when ../shared is present: every line parses and is found again. */
static void test_shared_file(void **state)
{
    (void)state;
    const char *shared = getenv("KTPEL_SHARED");
    char path[1024];
    FILE *f = NULL;
    if (shared != NULL) {
        snprintf(path, sizeof path, "%s/data/wilayah/wilayah_kepmendagri_2025.csv", shared);
        f = fopen(path, "r");
    }
    if (f == NULL) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    wil_table *t = NULL;
    kt_error err;
    assert_int_equal(wil_table_new(&t, &err), KT_OK);
    char line[1024];
    int lineno = 0, levels[5] = {0};
    while (fgets(line, sizeof line, f) != NULL) {
        if (++lineno == 1)
            continue;
        wil_entry e;
        int col;
        if (wil_parse_csv_line(line, &e, &col, &err) != KT_OK)
            fail_msg("line %d column %d: %s", lineno, col, err.message);
        bool replaced;
        assert_int_equal(wil_table_add(t, &e, &replaced, &err), KT_OK);
        assert_false(replaced);
        levels[e.level]++;
    }
    fclose(f);
    assert_int_equal(wil_count(t), 91599);
    assert_int_equal(levels[1], 38);
    assert_int_equal(levels[2], 514);
    assert_int_equal(levels[3], 7285);
    assert_int_equal(levels[4], 83762);
    for (size_t i = 0; i < wil_count(t); i++) {
        const wil_entry *e = wil_at(t, i);
        assert_ptr_equal(wil_lookup(t, e->code), e);
    }
    /* the compiled-in entries agree with the official file */
    const wil_table *b = wil_builtin();
    for (size_t i = 0; i < wil_count(b); i++) {
        const wil_entry *be = wil_at(b, i), *fe = wil_lookup(t, be->code);
        assert_non_null(fe);
        assert_string_equal(be->name, fe->name);
    }
    wil_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize), cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_table_add), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_shared_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
