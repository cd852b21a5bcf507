/*
 * test_sla.c - step durations from a timeline, missing steps, percentiles (nearest rank),
 * share within the standard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/sla.h"

#define MIN(x) ((int64_t)(x) * 60000)
#define T0 INT64_C(1717300800000) /* 2024-06-02 11:00 WIB */

static void test_standards(void **state)
{
    (void)state;
    int64_t sum = 0;
    for (int s = 0; s < SLA_STEP_COUNT; s++) {
        sum += sla_standard_ms((sla_step)s);
        sla_step back;
        assert_true(sla_step_from_str(sla_step_str((sla_step)s), &back));
        assert_int_equal(back, s);
        assert_non_null(sla_step_label((sla_step)s));
    }
    assert_int_equal(sum, SLA_STEPS_SUM_MS);
    assert_int_equal(SLA_SOP_TOTAL_MS, MIN(15));
    assert_int_equal(sla_standard_ms(SLA_RECORDING), MIN(10));
    assert_int_equal(sla_step_sop_no(SLA_HANDOVER), 6);
    assert_int_equal(sla_step_sop_no(SLA_STEP_COUNT), 0);
    for (int k = 0; k < SLA_EV_COUNT; k++) {
        sla_event_kind back;
        assert_true(sla_event_kind_from_str(sla_event_kind_str((sla_event_kind)k), &back));
        assert_int_equal(back, k);
    }
}

static void test_full_timeline(void **state)
{
    (void)state;
    /* given out of order on purpose */
    sla_event ev[] = {
        {SLA_EV_HAND_OVER, T0 + MIN(20000) + MIN(4)},
        {SLA_EV_TICKET_TAKEN, T0},
        {SLA_EV_TICKET_CALLED, T0 + MIN(12)},
        {SLA_EV_TICKET_CALLED, T0 + MIN(13)}, /* a recall does not restart step 1 */
        {SLA_EV_OPEN, T0 + MIN(12) + 30000},
        {SLA_EV_CHECK_OK, T0 + MIN(16)},
        {SLA_EV_OPERATOR_START, T0 + MIN(20)},
        {SLA_EV_CHANGE_DATA, T0 + MIN(24)},
        {SLA_EV_RECORD, T0 + MIN(32)},
        {SLA_EV_ISSUE_RECEIPT, T0 + MIN(34)},
        {SLA_EV_PICKUP_CALLED, T0 + MIN(19999)}, /* the E ticket called, days later */
        {SLA_EV_RECEIPT_SCANNED, T0 + MIN(20000)},
    };
    sla_durations d;
    kt_error err;
    assert_int_equal(sla_derive(ev, sizeof ev / sizeof ev[0], &d, &err), KT_OK);
    assert_true(d.has_wait);
    assert_int_equal(d.wait_ms, MIN(12));
    assert_int_equal(d.ms[SLA_CALL], 30000);
    assert_true(d.within[SLA_CALL]);
    assert_int_equal(d.ms[SLA_INTAKE], MIN(3) + 30000);
    assert_true(d.within[SLA_INTAKE]);
    assert_int_equal(d.ms[SLA_RECORDING], MIN(12)); /* operator start -> last data event */
    assert_false(d.within[SLA_RECORDING]);
    assert_int_equal(d.ms[SLA_RECEIPT], MIN(2));
    assert_false(d.within[SLA_RECEIPT]);
    assert_int_equal(d.ms[SLA_HANDOVER], MIN(5)); /* from the pickup call, not the scan */
    assert_false(d.within[SLA_HANDOVER]);
    assert_int_equal(d.n_steps, 5);
    assert_int_equal(d.total_ms, 30000 + MIN(3) + 30000 + MIN(12) + MIN(2) + MIN(5));
}

static void test_partial_and_edges(void **state)
{
    (void)state;
    sla_durations d;
    kt_error err;
    assert_int_equal(sla_derive(NULL, 0, &d, &err), KT_OK);
    assert_int_equal(d.n_steps, 0);
    assert_false(d.has_wait);
    /* refused at intake: steps 1-2 only */
    sla_event a[] = {{SLA_EV_TICKET_CALLED, T0}, {SLA_EV_OPEN, T0 + 1000},
                     {SLA_EV_REFER, T0 + MIN(6)}};
    assert_int_equal(sla_derive(a, 3, &d, &err), KT_OK);
    assert_int_equal(d.n_steps, 2);
    assert_false(d.within[SLA_INTAKE]); /* 6 min > 5 */
    assert_false(d.has[SLA_RECORDING]);
    /* end before start: the step is absent, not negative */
    sla_event b[] = {{SLA_EV_OPEN, T0}, {SLA_EV_TICKET_CALLED, T0 + 1000}};
    assert_int_equal(sla_derive(b, 2, &d, &err), KT_OK);
    assert_false(d.has[SLA_CALL]);
    /* a bare record measures 0 for step 3; a ticket served without an application ends step 1 */
    sla_event c[] = {{SLA_EV_RECORD, T0}, {SLA_EV_TICKET_CALLED, T0}, {SLA_EV_TICKET_SERVED, T0 + 5}};
    assert_int_equal(sla_derive(c, 3, &d, &err), KT_OK);
    assert_true(d.has[SLA_RECORDING]);
    assert_int_equal(d.ms[SLA_RECORDING], 0);
    assert_int_equal(d.ms[SLA_CALL], 5);
    /* pickup called before the receipt was issued does not count */
    sla_event e[] = {{SLA_EV_PICKUP_CALLED, T0}, {SLA_EV_ISSUE_RECEIPT, T0 + 10},
                     {SLA_EV_PICKUP_CALLED, T0 + 100}, {SLA_EV_HAND_OVER, T0 + 200}};
    assert_int_equal(sla_derive(e, 4, &d, &err), KT_OK);
    assert_int_equal(d.ms[SLA_HANDOVER], 100);
    /* the receipt scan alone does not start the handover step (issue 10: it measured the
       6 ms between reading the receipt and the handover) */
    sla_event f[] = {{SLA_EV_ISSUE_RECEIPT, T0}, {SLA_EV_RECEIPT_SCANNED, T0 + MIN(100)},
                     {SLA_EV_HAND_OVER, T0 + MIN(100) + 6}};
    assert_int_equal(sla_derive(f, 3, &d, &err), KT_OK);
    assert_false(d.has[SLA_HANDOVER]);
    /* bad input */
    sla_event bad[] = {{SLA_EV_OPEN, T0}, {SLA_EV_COUNT, T0}};
    assert_int_equal(sla_derive(bad, 2, &d, &err), KT_EINVAL);
    assert_string_equal(err.field, "events[1]");
    sla_event neg[] = {{SLA_EV_OPEN, -1}};
    assert_int_equal(sla_derive(neg, 1, &d, &err), KT_EINVAL);
    assert_int_equal(sla_derive(NULL, 1, &d, &err), KT_EINVAL);
}

static void test_percentile(void **state)
{
    (void)state;
    int64_t v[] = {4, 1, 3, 2};
    int64_t out = 0;
    kt_error err;
    assert_int_equal(sla_percentile(v, 4, 50.0, &out, &err), KT_OK);
    assert_int_equal(out, 2);
    assert_int_equal(v[0], 1); /* sorted in place */
    assert_int_equal(sla_percentile(v, 4, 100.0, &out, &err), KT_OK);
    assert_int_equal(out, 4);
    assert_int_equal(sla_percentile(v, 4, 0.001, &out, &err), KT_OK);
    assert_int_equal(out, 1);
    int64_t ten[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    assert_int_equal(sla_percentile(ten, 10, 90.0, &out, &err), KT_OK);
    assert_int_equal(out, 9);
    assert_int_equal(sla_percentile(ten, 10, 91.0, &out, &err), KT_OK);
    assert_int_equal(out, 10);
    int64_t one[1] = {42};
    assert_int_equal(sla_percentile(one, 1, 50.0, &out, &err), KT_OK);
    assert_int_equal(out, 42);
    assert_int_equal(sla_percentile(v, 0, 50.0, &out, &err), KT_EINVAL);
    assert_int_equal(sla_percentile(v, 4, 0.0, &out, &err), KT_EINVAL);
    assert_int_equal(sla_percentile(v, 4, 100.5, &out, &err), KT_EINVAL);
    assert_int_equal(sla_percentile(NULL, 4, 50.0, &out, &err), KT_EINVAL);
}

static void test_stats(void **state)
{
    (void)state;
    int64_t v[] = {MIN(6), MIN(1), MIN(5), MIN(3), MIN(2)};
    assert_true(sla_share_within(v, 5, MIN(5)) > 0.79 && sla_share_within(v, 5, MIN(5)) < 0.81);
    assert_true(sla_share_within(v, 0, MIN(5)) == 0.0);
    sla_stats s;
    sla_stats_compute(v, 5, MIN(5), &s);
    assert_int_equal(s.count, 5);
    assert_int_equal(s.mean_ms, MIN(17) / 5);
    assert_int_equal(s.p50_ms, MIN(3));
    assert_int_equal(s.p90_ms, MIN(6));
    assert_int_equal(s.max_ms, MIN(6));
    assert_int_equal(s.within, 4);
    sla_stats_compute(NULL, 0, MIN(5), &s);
    assert_int_equal(s.count, 0);
    assert_int_equal(s.max_ms, 0);
    assert_true(s.share_within == 0.0);
    assert_int_equal(s.standard_ms, MIN(5));
    /* mean of large values does not overflow */
    int64_t big[3] = {INT64_MAX / 2, INT64_MAX / 2, INT64_MAX / 2};
    sla_stats_compute(big, 3, 0, &s);
    assert_int_equal(s.mean_ms, INT64_MAX / 2);
    assert_int_equal(s.within, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standards), cmocka_unit_test(test_full_timeline),
        cmocka_unit_test(test_partial_and_edges), cmocka_unit_test(test_percentile),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
