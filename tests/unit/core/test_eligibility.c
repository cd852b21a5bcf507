/*
 * test_eligibility.c - UU 24/2013 art. 63 rules: age 17 (29 Feb births), marriage, WNA with
 * ITAP and the card's validity, one person one card; bad input refused without a verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/eligibility.h"
#include "core/refcodes.h"

static const jkt_date DAY = {2025, 2, 28};

static elig_person wni(int y, int m, int d)
{
    elig_person p;
    memset(&p, 0, sizeof p);
    p.birth_date = (jkt_date){y, m, d};
    p.marital_status = REF_BELUM_KAWIN;
    p.nationality = ELIG_WNI;
    return p;
}

static void test_age(void **state)
{
    (void)state;
    elig_verdict v;
    kt_error err;
    elig_person p = wni(2008, 2, 28); /* 17 today */
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_OK);
    assert_true(v.eligible);
    assert_int_equal(v.reason, WF_REASON_NONE);
    assert_int_equal(v.age, 17);
    assert_true(v.valid_for_life);
    p = wni(2008, 3, 1); /* 17 tomorrow */
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EREFUSED);
    assert_false(v.eligible);
    assert_int_equal(v.reason, WF_REASON_UNDER_AGE);
    assert_int_equal(v.age, 16);
    assert_string_equal(err.id, "under_age");
    assert_non_null(strstr(v.message, "2025-03-01"));
    /* born 29 Feb 2008: 17 on 1 March 2025, not on 28 February */
    p = wni(2008, 2, 29);
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EREFUSED);
    assert_int_equal(v.reason, WF_REASON_UNDER_AGE);
    assert_non_null(strstr(v.message, "2025-03-01"));
    jkt_date mar1 = {2025, 3, 1};
    assert_int_equal(elig_check(&p, WF_KIND_BARU, mar1, &v, &err), KT_OK);
    /* under 17 but married, divorced or widowed: eligible */
    for (int ms = REF_KAWIN; ms <= REF_CERAI_MATI; ms++) {
        p = wni(2010, 1, 1);
        p.marital_status = ms;
        assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_OK);
        assert_int_equal(v.age, 15);
    }
}

static void test_wna(void **state)
{
    (void)state;
    elig_verdict v;
    kt_error err;
    elig_person p = wni(1980, 5, 5);
    p.nationality = ELIG_WNA;
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EREFUSED);
    assert_int_equal(v.reason, WF_REASON_NOT_WNI_NO_ITAP);
    assert_string_equal(err.id, "not_wni_no_itap");
    p.has_itap = true;
    p.itap_until = (jkt_date){2025, 2, 27}; /* ended yesterday */
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EREFUSED);
    assert_int_equal(v.reason, WF_REASON_NOT_WNI_NO_ITAP);
    p.itap_until = DAY; /* last day */
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_OK);
    assert_false(v.valid_for_life);
    assert_int_equal(jkt_date_cmp(v.valid_until, DAY), 0);
    assert_non_null(strstr(v.message, "2025-02-28"));
    /* nationality is checked before age */
    p = wni(2015, 1, 1);
    p.nationality = ELIG_WNA;
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EREFUSED);
    assert_int_equal(v.reason, WF_REASON_NOT_WNI_NO_ITAP);
}

static void test_one_card(void **state)
{
    (void)state;
    elig_verdict v;
    kt_error err;
    elig_person p = wni(1990, 1, 1);
    p.card_valid = true;
    static const struct {
        wf_kind k;
        kt_code rc;
    } cases[] = {
        {WF_KIND_BARU, KT_EREFUSED},   {WF_KIND_PINDAH_DATANG, KT_EREFUSED},
        {WF_KIND_HILANG, KT_OK},       {WF_KIND_RUSAK, KT_OK},
        {WF_KIND_PERUBAHAN, KT_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(elig_check(&p, cases[i].k, DAY, &v, &err), cases[i].rc);
        if (cases[i].rc != KT_OK) {
            assert_int_equal(v.reason, WF_REASON_HAS_VALID_CARD);
            assert_string_equal(err.id, "has_valid_card");
        }
    }
    p.card_valid = false;
    assert_int_equal(elig_check(&p, WF_KIND_PINDAH_DATANG, DAY, &v, &err), KT_OK);
}

static void test_bad_input(void **state)
{
    (void)state;
    elig_verdict v;
    memset(&v, 0x5a, sizeof v);
    kt_error err;
    elig_person p = wni(2008, 2, 30);
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EINVAL);
    assert_string_equal(err.field, "birth_date");
    p = wni(2026, 1, 1); /* born after the service day */
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EINVAL);
    p = wni(1990, 1, 1);
    p.marital_status = 5;
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EINVAL);
    assert_string_equal(err.field, "marital_status");
    p.marital_status = 1;
    assert_int_equal(elig_check(&p, WF_KIND_COUNT, DAY, &v, &err), KT_EINVAL);
    p.nationality = ELIG_NATIONALITY_COUNT;
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EINVAL);
    p.nationality = ELIG_WNA;
    p.has_itap = true;
    p.itap_until = (jkt_date){2025, 2, 29};
    assert_int_equal(elig_check(&p, WF_KIND_BARU, DAY, &v, &err), KT_EINVAL);
    assert_string_equal(err.field, "itap_until");
    assert_int_equal(v.age, 0x5a5a5a5a); /* verdict untouched */
    assert_int_equal(elig_check(NULL, WF_KIND_BARU, DAY, &v, NULL), KT_EINVAL);
    elig_nationality n;
    assert_true(elig_nationality_from_str("WNA", &n));
    assert_int_equal(n, ELIG_WNA);
    assert_false(elig_nationality_from_str("wni", &n));
    assert_string_equal(elig_nationality_str(ELIG_WNI), "WNI");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_wna),
        cmocka_unit_test(test_one_card),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
