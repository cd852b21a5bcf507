/*
 * test_nik.c - NIK analysis: every hard fault, the century rule, women's +40 day, 29 Feb,
 * region names and warnings, biodata comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/nik.h"

static const jkt_date REF = {2025, 6, 2};

static bool has_item(const nik_items *it, const char *id)
{
    for (int i = 0; i < it->n; i++)
        if (strcmp(it->item[i].id, id) == 0)
            return true;
    return false;
}

static void test_valid_man_and_woman(void **state)
{
    (void)state;
    nik_info info;
    /* man, born 17-08-1990 in Neglasari */
    assert_int_equal(nik_analyze("3671101708900001", NULL, REF, &info), KT_OK);
    assert_true(info.valid);
    assert_int_equal(info.errors.n, 0);
    assert_int_equal(info.warnings.n, 0);
    assert_string_equal(info.province_code, "36");
    assert_string_equal(info.regency_code, "3671");
    assert_string_equal(info.district_code, "367110");
    assert_string_equal(info.province_name, "Banten");
    assert_string_equal(info.regency_name, "Kota Tangerang");
    assert_string_equal(info.district_name, "Neglasari");
    assert_string_equal(info.serial, "0001");
    assert_int_equal(info.sex, 'L');
    assert_true(info.birth_date_known);
    assert_int_equal(info.birth_date.year, 1990);
    assert_int_equal(info.birth_date.month, 8);
    assert_int_equal(info.birth_date.day, 17);
    /* woman, born 05-01-2007 (day 45) */
    assert_int_equal(nik_analyze("3671104501070123", NULL, REF, &info), KT_OK);
    assert_int_equal(info.sex, 'P');
    assert_int_equal(info.birth_date.year, 2007);
    assert_int_equal(info.birth_date.day, 5);
    /* woman born on the 31st: day 71 */
    assert_int_equal(nik_analyze("3671107112990001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.birth_date.day, 31);
    assert_int_equal(info.birth_date.year, 1999);
}

static void test_century_rule(void **state)
{
    (void)state;
    nik_info info;
    /* 02-06-25: the reference day itself -> 2025 */
    assert_int_equal(nik_analyze("3671100206250001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.birth_date.year, 2025);
    /* 03-06-25: one day after the reference -> 1925 */
    assert_int_equal(nik_analyze("3671100306250001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.birth_date.year, 1925);
    /* 29-02-00: 2000 is a leap year */
    assert_int_equal(nik_analyze("3671102902000001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.birth_date.year, 2000);
    /* 29-02-00 on a reference day in 1999 would mean 1900, which is not a leap year */
    jkt_date old = {1999, 1, 1};
    assert_int_equal(nik_analyze("3671102902000001", NULL, old, &info), KT_EINVAL);
    assert_true(has_item(&info.errors, "nik_birth_date_invalid"));
    /* 29-02-04 valid, 29-02-05 not (either century) */
    assert_int_equal(nik_analyze("3671106902040001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.sex, 'P');
    assert_int_equal(nik_analyze("3671102902050001", NULL, REF, &info), KT_EINVAL);
}

static void test_format_faults(void **state)
{
    (void)state;
    nik_info info;
    const char *bad[] = {"367110170890000", "36711017089000011", "", "3671101708900O01",
                         "367110170890000 ", "-671101708900001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(nik_analyze(bad[i], NULL, REF, &info), KT_EINVAL);
        assert_false(info.valid);
        assert_int_equal(info.errors.n, 1);
        assert_string_equal(info.errors.item[0].id, "nik_format");
        assert_string_equal(info.errors.item[0].field, "nik");
        assert_string_equal(info.province_code, "");
    }
    assert_int_equal(nik_analyze(NULL, NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].id, "nik_format");
    /* Other scripts' digits are not NIK digits, and messages count characters, not bytes
       (issue 10: sixteen Arabic-Indic digits were "16 digit, bukan 32"). */
    const char *arabic = "\u0663\u0666\u0667\u0661\u0661\u0660\u0661\u0667\u0660\u0668"
                         "\u0669\u0660\u0660\u0660\u0660\u0661";
    assert_int_equal(nik_analyze(arabic, NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].message,
                        "NIK hanya boleh berisi angka 0-9: karakter ke-1 bukan angka 0-9");
    assert_int_equal(nik_analyze("36711017089000\u00e91", NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].message,
                        "NIK hanya boleh berisi angka 0-9: karakter ke-15 bukan angka 0-9");
    assert_int_equal(nik_analyze("36711017089000011", NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].message, "NIK harus 16 digit, bukan 17");
    /* A stray UTF-8 continuation byte after a digit is a character of its own, not part of
       the digit: 16 bytes with one were taken as a NIK (its byte then made the JSON of
       GET /api/nik fail: a 500; found by fuzz_api and fuzz_nik). */
    assert_int_equal(nik_analyze("0000\xb0""00701640801", NULL, REF, &info), KT_EINVAL);
    assert_int_equal(info.errors.n, 1);
    assert_string_equal(info.errors.item[0].message,
                        "NIK hanya boleh berisi angka 0-9: karakter ke-5 bukan angka 0-9");
    assert_string_equal(info.nik, "");
    assert_int_equal(nik_analyze("367110450890\xb0""001", NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].id, "nik_format");
    assert_int_equal(nik_analyze("\x80""367110450890001", NULL, REF, &info), KT_EINVAL);
    assert_string_equal(info.errors.item[0].message,
                        "NIK hanya boleh berisi angka 0-9: karakter ke-1 bukan angka 0-9");
    assert_true(nik_is_well_formed("3671101708900001"));
    assert_false(nik_is_well_formed("367110170890000a"));
    assert_false(nik_is_well_formed(NULL));
}

static void test_each_fault_separately(void **state)
{
    (void)state;
    nik_info info;
    static const struct {
        const char *nik, *id;
    } cases[] = {
        {"2071101708900001", "nik_province_unknown"}, /* 20 is no province */
        {"1071101708900001", "nik_province_unknown"},
        {"9771101708900001", "nik_province_unknown"},
        {"3600101708900001", "nik_regency_invalid"},
        {"3670101708900001", "nik_regency_invalid"},
        {"3671001708900001", "nik_district_invalid"},
        {"3671100008900001", "nik_birth_date_invalid"}, /* day 00 */
        {"3671104008900001", "nik_birth_date_invalid"}, /* day 40 = woman day 0 */
        {"3671103208900001", "nik_birth_date_invalid"}, /* day 32 */
        {"3671107208900001", "nik_birth_date_invalid"}, /* day 72 */
        {"3671101713900001", "nik_birth_date_invalid"}, /* month 13 */
        {"3671101700900001", "nik_birth_date_invalid"}, /* month 00 */
        {"3671103104900001", "nik_birth_date_invalid"}, /* 31 April */
        {"3671102902230001", "nik_birth_date_invalid"}, /* 29 Feb 2023 */
        {"3671101708900000", "nik_serial_invalid"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(nik_analyze(cases[i].nik, NULL, REF, &info), KT_EINVAL);
        if (info.errors.n != 1 || strcmp(info.errors.item[0].id, cases[i].id) != 0)
            fail_msg("%s: expected only %s, got %d items, first %s", cases[i].nik, cases[i].id,
                     info.errors.n, info.errors.item[0].id);
        assert_true(strlen(info.errors.item[0].message) > 10);
    }
    /* all faults at once are all reported */
    assert_int_equal(nik_analyze("2070003213900000", NULL, REF, &info), KT_EINVAL);
    assert_int_equal(info.errors.n, 5);
    assert_true(has_item(&info.errors, "nik_province_unknown"));
    assert_true(has_item(&info.errors, "nik_regency_invalid"));
    assert_true(has_item(&info.errors, "nik_district_invalid"));
    assert_true(has_item(&info.errors, "nik_birth_date_invalid"));
    assert_true(has_item(&info.errors, "nik_serial_invalid"));
    assert_false(info.birth_date_known);
    assert_int_equal(info.sex, 0);
}

static void test_region_table(void **state)
{
    (void)state;
    nik_info info;
    wil_table *t = NULL;
    kt_error err;
    assert_int_equal(wil_table_new(&t, &err), KT_OK);
    assert_int_equal(wil_table_add_builtin(t, &err), KT_OK);
    /* known prefix: no warning */
    assert_int_equal(nik_analyze("3671101708900001", t, REF, &info), KT_OK);
    assert_int_equal(info.warnings.n, 0);
    /* unknown prefix (Kota Bandung, not in this table): valid with a warning, names partial */
    assert_int_equal(nik_analyze("3273011708900001", t, REF, &info), KT_OK);
    assert_true(info.valid);
    assert_int_equal(info.warnings.n, 1);
    assert_string_equal(info.warnings.item[0].id, "nik_region_unknown");
    assert_string_equal(info.province_name, "Jawa Barat");
    assert_string_equal(info.regency_name, "");
    /* without a table: no warning */
    assert_int_equal(nik_analyze("3273011708900001", NULL, REF, &info), KT_OK);
    assert_int_equal(info.warnings.n, 0);
    /* historical Papua codes 91 and 94 remain valid prefixes */
    assert_int_equal(nik_analyze("9171011708900001", NULL, REF, &info), KT_OK);
    assert_int_equal(nik_analyze("9401011708900001", NULL, REF, &info), KT_OK);
    wil_table_free(t);
}

static void test_biodata(void **state)
{
    (void)state;
    nik_info info;
    assert_int_equal(nik_analyze("3671104501070123", NULL, REF, &info), KT_OK);
    jkt_date same = {2007, 1, 5}, other = {2007, 1, 6}, century = {1907, 1, 5};
    assert_int_equal(nik_check_biodata(&info, same, 'P', &info.warnings), 0);
    assert_int_equal(nik_check_biodata(&info, century, 'P', &info.warnings), 0);
    assert_int_equal(info.warnings.n, 0);
    assert_int_equal(nik_check_biodata(&info, other, 'L', &info.warnings), 2);
    assert_true(has_item(&info.warnings, "nik_birth_date_mismatch"));
    assert_true(has_item(&info.warnings, "nik_sex_mismatch"));
    /* unknown sex or invalid date: nothing compared */
    nik_items w = {0};
    jkt_date bad = {2007, 2, 30};
    assert_int_equal(nik_check_biodata(&info, bad, 'X', &w), 0);
    /* capacity is respected */
    nik_items full = {0};
    full.n = NIK_MAX_ITEMS;
    assert_int_equal(nik_check_biodata(&info, other, 'L', &full), 0);
    assert_int_equal(full.n, NIK_MAX_ITEMS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_man_and_woman), cmocka_unit_test(test_century_rule),
        cmocka_unit_test(test_format_faults),       cmocka_unit_test(test_each_fault_separately),
        cmocka_unit_test(test_region_table),        cmocka_unit_test(test_biodata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
