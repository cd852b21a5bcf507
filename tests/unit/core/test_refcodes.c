/*
 * test_refcodes.c - the compiled-in SIAK code lists and recording statuses; compared line by
 * line with the CSV files of ../shared/data/ref when present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/refcodes.h"

static void test_lists(void **state)
{
    (void)state;
    static const size_t expect[REF_LIST_COUNT] = {7, 4, 13, 89, 11, 10};
    for (int l = 0; l < REF_LIST_COUNT; l++) {
        size_t n = 0;
        const ref_item *it = ref_items((ref_list)l, &n);
        assert_non_null(it);
        assert_int_equal(n, expect[l]);
        assert_int_equal(ref_count((ref_list)l), n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(it[i].id, (int)i + 1); /* contiguous, 1-based */
            assert_string_equal(ref_name((ref_list)l, it[i].id), it[i].name);
            assert_int_equal(ref_id((ref_list)l, it[i].name), it[i].id);
        }
        assert_false(ref_valid((ref_list)l, 0));
        assert_false(ref_valid((ref_list)l, (int)n + 1));
        assert_null(ref_name((ref_list)l, -1));
        ref_list back;
        assert_true(ref_list_from_str(ref_list_str((ref_list)l), &back));
        assert_int_equal(back, l);
    }
    assert_int_equal(ref_id(REF_AGAMA, "  islam "), 1);
    assert_int_equal(ref_id(REF_GOLONGAN_DARAH, "ab+"), 9);
    assert_int_equal(ref_id(REF_AGAMA, "ISLAMX"), 0);
    assert_int_equal(ref_id(REF_AGAMA, NULL), 0);
    assert_string_equal(ref_name(REF_PEKERJAAN, 88), "WIRASWASTA");
    assert_string_equal(ref_name(REF_STATUS_PERKAWINAN, REF_CERAI_MATI), "CERAI MATI");
    kt_error err;
    assert_int_equal(ref_check(REF_AGAMA, 8, "agama", &err), KT_EINVAL);
    assert_string_equal(err.id, "code_invalid");
    assert_string_equal(err.field, "agama");
    assert_int_equal(ref_check(REF_AGAMA, 7, "agama", &err), KT_OK);
    size_t n = 99;
    assert_null(ref_items(REF_LIST_COUNT, &n));
    assert_int_equal(n, 0);
    ref_list l;
    assert_false(ref_list_from_str("agamax", &l));
}

static void test_ktp_status(void **state)
{
    (void)state;
    int prev = -1;
    for (int s = 0; s < REF_KTP_STATUS_COUNT; s++) {
        ref_ktp_status back;
        assert_true(ref_ktp_status_from_str(ref_ktp_status_str((ref_ktp_status)s), &back));
        assert_int_equal(back, s);
        int o = ref_ktp_status_order((ref_ktp_status)s);
        assert_true(o >= prev); /* the lifecycle order never goes back */
        prev = o;
    }
    assert_string_equal(ref_ktp_status_str(REF_KTP_BELUM_WAJIB), "BELUM_WAJIB");
    assert_string_equal(ref_ktp_status_str(REF_KTP_CARD_ISSUED), "CARD_ISSUED");
    assert_int_equal(ref_ktp_status_order(REF_KTP_CARD_ISSUED), 11);
    assert_true(ref_ktp_status_is_failure(REF_KTP_DUPLICATE_RECORD));
    assert_false(ref_ktp_status_is_failure(REF_KTP_PRINT_READY_RECORD));
    assert_false(ref_ktp_status_is_recorded(REF_KTP_UNREGISTERED));
    assert_true(ref_ktp_status_is_recorded(REF_KTP_BIO_CAPTURED));
    assert_string_equal(ref_ktp_status_label(REF_KTP_UNREGISTERED), "BELUM REKAM");
    ref_ktp_status s;
    assert_false(ref_ktp_status_from_str("card_issued", &s));
    assert_int_equal(ref_ktp_status_order(REF_KTP_STATUS_COUNT), -1);
}

static FILE *open_shared(const char *name)
{
    const char *shared = getenv("KTPEL_SHARED");
    char path[1024];
    if (shared == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/data/ref/%s", shared, name);
    return fopen(path, "r");
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void test_against_shared(void **state)
{
    (void)state;
    static const struct {
        ref_list l;
        const char *file;
    } files[] = {
        {REF_AGAMA, "agama.csv"},
        {REF_STATUS_PERKAWINAN, "status_perkawinan.csv"},
        {REF_GOLONGAN_DARAH, "golongan_darah.csv"},
        {REF_PEKERJAAN, "pekerjaan.csv"},
        {REF_HUBUNGAN_KELUARGA, "hubungan_keluarga.csv"},
        {REF_PENDIDIKAN, "pendidikan_kk.csv"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = open_shared(files[i].file);
        if (f == NULL) {
            printf("SKIP: ../shared not found\n");
            return;
        }
        char line[256];
        size_t rows = 0;
        assert_non_null(fgets(line, sizeof line, f)); /* header id,nama */
        while (fgets(line, sizeof line, f) != NULL) {
            chomp(line);
            char *comma = strchr(line, ',');
            assert_non_null(comma);
            *comma = '\0';
            int id = atoi(line);
            const char *name = ref_name(files[i].l, id);
            if (name == NULL || strcmp(name, comma + 1) != 0)
                fail_msg("%s id %d: file '%s', compiled '%s'", files[i].file, id, comma + 1,
                         name ? name : "(none)");
            rows++;
        }
        fclose(f);
        assert_int_equal(rows, ref_count(files[i].l));
    }
    /* statuses: order,status_pusat,meaning,opensid_code,opensid_label */
    FILE *f = open_shared("status_rekam_ktp_el.csv");
    assert_non_null(f);
    char line[512];
    int row = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) != NULL) {
        chomp(line);
        char *order = strtok(line, ","), *st = strtok(NULL, ",");
        assert_non_null(st);
        const char *want = strcmp(st, "(n/a)") == 0 ? "BELUM_WAJIB" : st;
        assert_string_equal(ref_ktp_status_str((ref_ktp_status)row), want);
        assert_int_equal(ref_ktp_status_order((ref_ktp_status)row), atoi(order));
        row++;
    }
    fclose(f);
    assert_int_equal(row, REF_KTP_STATUS_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_ktp_status),
        cmocka_unit_test(test_against_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
