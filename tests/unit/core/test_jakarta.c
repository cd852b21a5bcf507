/*
 * test_jakarta.c - Asia/Jakarta conversions, the service day, date parsing, ages (29 Feb).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/jakarta.h"

static jkt_date D(int y, int m, int d)
{
    jkt_date r = {y, m, d};
    return r;
}

static void test_leap_and_validity(void **state)
{
    (void)state;
    assert_true(jkt_is_leap(2000));
    assert_false(jkt_is_leap(1900));
    assert_true(jkt_is_leap(2024));
    assert_false(jkt_is_leap(2023));
    assert_true(jkt_date_valid(D(2024, 2, 29)));
    assert_false(jkt_date_valid(D(2023, 2, 29)));
    assert_false(jkt_date_valid(D(1900, 2, 29)));
    assert_true(jkt_date_valid(D(2000, 2, 29)));
    assert_false(jkt_date_valid(D(2024, 4, 31)));
    assert_false(jkt_date_valid(D(2024, 13, 1)));
    assert_false(jkt_date_valid(D(2024, 0, 1)));
    assert_false(jkt_date_valid(D(0, 1, 1)));
    assert_false(jkt_date_valid(D(10000, 1, 1)));
    assert_int_equal(jkt_days_in_month(2024, 2), 29);
    assert_int_equal(jkt_days_in_month(2024, 13), 0);
}

static void test_parse(void **state)
{
    (void)state;
    jkt_date d = D(1, 1, 1);
    kt_error err;
    assert_int_equal(jkt_date_parse("2024-02-29", "birth_date", &d, &err), KT_OK);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 2);
    assert_int_equal(d.day, 29);
    const char *bad[] = {"2023-02-29", "2024-2-29", "2024-02-30", "2024-13-01", "0000-01-01",
                         "2024/02/01", "2024-02-01x", "", "abcd-ef-gh", "2024-00-10", "2024-01-00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jkt_date keep = D(1999, 9, 9);
        kt_error_clear(&err);
        assert_int_equal(jkt_date_parse(bad[i], "birth_date", &keep, &err), KT_EINVAL);
        assert_string_equal(err.id, "date_invalid");
        assert_string_equal(err.field, "birth_date");
        assert_true(strlen(err.message) > 0);
        assert_int_equal(keep.year, 1999); /* unchanged */
    }
    assert_int_equal(jkt_date_parse(NULL, NULL, &d, NULL), KT_EINVAL);
    char buf[JKT_DATE_STRLEN];
    jkt_date_format(D(7, 3, 5), buf);
    assert_string_equal(buf, "0007-03-05");
    jkt_date_format(D(2023, 2, 29), buf);
    assert_string_equal(buf, "0000-00-00");
}

static void test_days(void **state)
{
    (void)state;
    assert_int_equal(jkt_date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(jkt_date_to_days(D(1969, 12, 31)), -1);
    assert_int_equal(jkt_date_to_days(D(2000, 3, 1)), 11017);
    /* round trip over a wide range, day by day */
    for (int64_t n = -719000; n < 2900000; n += 97) {
        jkt_date d = jkt_date_from_days(n);
        assert_true(jkt_date_valid(d));
        assert_int_equal(jkt_date_to_days(d), n);
    }
    assert_int_equal(jkt_days_between(D(2024, 2, 28), D(2024, 3, 1)), 2);
    assert_int_equal(jkt_days_between(D(2023, 2, 28), D(2023, 3, 1)), 1);
    assert_int_equal(jkt_days_between(D(2024, 3, 1), D(2024, 2, 28)), -2);
    jkt_date p = jkt_add_days(D(2024, 12, 25), 14);
    assert_int_equal(jkt_date_cmp(p, D(2025, 1, 8)), 0);
    p = jkt_add_days(D(2024, 3, 1), -1);
    assert_int_equal(jkt_date_cmp(p, D(2024, 2, 29)), 0);
    assert_int_equal(jkt_weekday(D(1970, 1, 1)), 4);  /* Thursday */
    assert_int_equal(jkt_weekday(D(2024, 8, 17)), 6); /* Saturday */
    assert_int_equal(jkt_weekday(D(1945, 8, 17)), 5); /* Friday */
}

static void test_utc_conversion(void **state)
{
    (void)state;
    /* 2024-03-01T16:59:59.999Z = 23:59:59.999 WIB on 1 March */
    int64_t t = INT64_C(1709312399999);
    jkt_datetime dt = jkt_from_utc_ms(t);
    assert_int_equal(jkt_date_cmp(dt.date, D(2024, 3, 1)), 0);
    assert_int_equal(dt.hour, 23);
    assert_int_equal(dt.minute, 59);
    assert_int_equal(dt.second, 59);
    assert_int_equal(dt.ms, 999);
    assert_int_equal(jkt_to_utc_ms(dt), t);
    /* one ms later: the next service day */
    jkt_date sd = jkt_service_day(t + 1);
    assert_int_equal(jkt_date_cmp(sd, D(2024, 3, 2)), 0);
    char buf[JKT_DATE_STRLEN];
    jkt_service_day_str(t, buf);
    assert_string_equal(buf, "2024-03-01");
    char dbuf[JKT_DATETIME_STRLEN];
    jkt_datetime_format(jkt_from_utc_ms(0), dbuf);
    assert_string_equal(dbuf, "1970-01-01 07:00:00");
    /* before 1970: floor semantics */
    dt = jkt_from_utc_ms(-JKT_OFFSET_MS - 1);
    assert_int_equal(jkt_date_cmp(dt.date, D(1969, 12, 31)), 0);
    assert_int_equal(dt.hour, 23);
    assert_int_equal(dt.ms, 999);
}

static void test_day_bounds(void **state)
{
    (void)state;
    jkt_date d = D(2024, 2, 29);
    int64_t s = jkt_day_start_ms(d), e = jkt_day_end_ms(d);
    assert_int_equal(e - s, JKT_MS_PER_DAY);
    assert_int_equal(s, INT64_C(1709139600000)); /* 2024-02-28T17:00:00Z */
    assert_int_equal(jkt_date_cmp(jkt_service_day(s), d), 0);
    assert_int_equal(jkt_date_cmp(jkt_service_day(e - 1), d), 0);
    assert_int_equal(jkt_date_cmp(jkt_service_day(e), D(2024, 3, 1)), 0);
    assert_int_equal(jkt_date_cmp(jkt_service_day(s - 1), D(2024, 2, 28)), 0);
}

static void test_age(void **state)
{
    (void)state;
    assert_int_equal(jkt_age_on(D(2008, 5, 10), D(2025, 5, 9)), 16);
    assert_int_equal(jkt_age_on(D(2008, 5, 10), D(2025, 5, 10)), 17);
    assert_int_equal(jkt_age_on(D(2008, 5, 10), D(2008, 5, 10)), 0);
    assert_int_equal(jkt_age_on(D(2008, 5, 10), D(2008, 5, 9)), -1);
    /* 29 February births: the birthday in a common year is 1 March */
    assert_int_equal(jkt_age_on(D(2008, 2, 29), D(2025, 2, 28)), 16);
    assert_int_equal(jkt_age_on(D(2008, 2, 29), D(2025, 3, 1)), 17);
    assert_int_equal(jkt_age_on(D(2008, 2, 29), D(2024, 2, 28)), 15);
    assert_int_equal(jkt_age_on(D(2008, 2, 29), D(2024, 2, 29)), 16); /* leap year: on the day */
    assert_int_equal(jkt_age_on(D(2000, 2, 29), D(2100, 2, 28)), 99);  /* 2100 is common */
    assert_int_equal(jkt_age_on(D(2000, 2, 29), D(2100, 3, 1)), 100);
    assert_int_equal(jkt_age_on(D(2007, 12, 31), D(2024, 12, 31)), 17);
    assert_int_equal(jkt_age_on(D(2008, 1, 1), D(2024, 12, 31)), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_and_validity), cmocka_unit_test(test_parse),
        cmocka_unit_test(test_days),              cmocka_unit_test(test_utc_conversion),
        cmocka_unit_test(test_day_bounds),        cmocka_unit_test(test_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
