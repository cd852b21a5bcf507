/*
 * test_documents.c - the checklist per kind and per changed field; evaluation; parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/documents.h"

#define B(x) DOCS_BIT(DOCS_##x)
#define FB(x) (1u << DOCS_FIELD_##x)

static void test_required(void **state)
{
    (void)state;
    docs_set base = B(PENGANTAR_RT_RW) | B(KK_COPY);
    assert_int_equal(docs_required(WF_KIND_BARU, 0), base | B(F107) | B(IJAZAH_AKTA));
    assert_int_equal(docs_required(WF_KIND_HILANG, 0), base | B(SURAT_KEHILANGAN));
    assert_int_equal(docs_required(WF_KIND_RUSAK, 0), base | B(KTP_ASLI));
    assert_int_equal(docs_required(WF_KIND_PINDAH_DATANG, 0), base | B(SURAT_PINDAH));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, 0), base | B(KTP_ASLI));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, FB(MARITAL_STATUS)),
                     base | B(KTP_ASLI) | B(AKTA_STATUS));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, FB(NAME)),
                     base | B(KTP_ASLI) | B(IJAZAH_AKTA));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, FB(PENDIDIKAN)),
                     base | B(KTP_ASLI) | B(IJAZAH_AKTA));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, FB(KELURAHAN_CODE)),
                     base | B(KTP_ASLI) | B(SURAT_PINDAH));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN, FB(ADDRESS) | FB(PEKERJAAN) | FB(AGAMA)),
                     base | B(KTP_ASLI));
    assert_int_equal(docs_required(WF_KIND_PERUBAHAN,
                                   FB(MARITAL_STATUS) | FB(NAME) | FB(KELURAHAN_CODE)),
                     base | B(KTP_ASLI) | B(AKTA_STATUS) | B(IJAZAH_AKTA) | B(SURAT_PINDAH));
    /* changes only matter for perubahan */
    assert_int_equal(docs_required(WF_KIND_HILANG, FB(MARITAL_STATUS)), base | B(SURAT_KEHILANGAN));
    assert_int_equal(docs_required(WF_KIND_COUNT, 0), 0);
}

static void test_evaluate(void **state)
{
    (void)state;
    docs_result r;
    kt_error err;
    docs_set p = B(PENGANTAR_RT_RW) | B(KK_COPY) | B(F107);
    assert_int_equal(docs_evaluate(WF_KIND_BARU, 0, p, &r, &err), KT_EREFUSED);
    assert_false(r.complete);
    assert_int_equal(r.n_missing, 1);
    assert_int_equal(r.missing_list[0], DOCS_IJAZAH_AKTA);
    assert_string_equal(err.id, "documents_incomplete");
    assert_string_equal(err.field, "documents");
    assert_non_null(strstr(err.message, "Akta Kelahiran"));
    p |= B(IJAZAH_AKTA) | B(SURAT_PINDAH);
    kt_error_clear(&err);
    assert_int_equal(docs_evaluate(WF_KIND_BARU, 0, p, &r, &err), KT_OK);
    assert_true(r.complete);
    assert_int_equal(r.extra, B(SURAT_PINDAH));
    assert_int_equal(err.code, KT_OK);
    /* nothing presented: everything missing, in id order, all named */
    assert_int_equal(docs_evaluate(WF_KIND_PERUBAHAN, FB(MARITAL_STATUS), 0, &r, &err),
                     KT_EREFUSED);
    assert_int_equal(r.n_missing, 4);
    assert_int_equal(r.missing_list[0], DOCS_PENGANTAR_RT_RW);
    assert_int_equal(r.missing_list[3], DOCS_AKTA_STATUS);
    assert_non_null(strstr(err.message, "Surat Nikah"));
    assert_int_equal(docs_evaluate(WF_KIND_COUNT, 0, 0, &r, &err), KT_EINVAL);
}

static void test_strings(void **state)
{
    (void)state;
    for (int i = 0; i < DOCS_COUNT; i++) {
        docs_id d;
        assert_true(docs_id_from_str(docs_id_str((docs_id)i), &d));
        assert_int_equal(d, i);
        assert_non_null(docs_title((docs_id)i));
    }
    for (int i = 0; i < DOCS_FIELD_COUNT; i++) {
        docs_field f;
        assert_true(docs_field_from_str(docs_field_str((docs_field)i), &f));
        assert_int_equal(f, i);
    }
    const char *ids[] = {"kk_copy", "pengantar_rt_rw", "kk_copy"};
    docs_set s = 12345;
    kt_error err;
    assert_int_equal(docs_set_from_strs(ids, 3, &s, &err), KT_OK);
    assert_int_equal(s, B(KK_COPY) | B(PENGANTAR_RT_RW));
    const char *bad[] = {"kk_copy", "ktp"};
    s = 7;
    assert_int_equal(docs_set_from_strs(bad, 2, &s, &err), KT_EINVAL);
    assert_string_equal(err.field, "documents[1]");
    assert_string_equal(err.id, "document_unknown");
    assert_int_equal(s, 7);
    const char *nul[] = {NULL};
    assert_int_equal(docs_set_from_strs(nul, 1, &s, &err), KT_EINVAL);
    const char *fields[] = {"marital_status", "kelurahan_code"};
    docs_fields fs;
    assert_int_equal(docs_fields_from_strs(fields, 2, &fs, &err), KT_OK);
    assert_int_equal(fs, FB(MARITAL_STATUS) | FB(KELURAHAN_CODE));
    const char *badf[] = {"nik"};
    assert_int_equal(docs_fields_from_strs(badf, 1, &fs, &err), KT_EINVAL);
    assert_string_equal(err.field, "change_fields[0]");
    assert_int_equal(docs_set_from_strs(NULL, 0, &s, &err), KT_OK);
    assert_int_equal(s, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
