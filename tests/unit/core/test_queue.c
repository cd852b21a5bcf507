/*
 * test_queue.c - services, ticket numbers (and past 999), the fair priority rule simulated
 * over a day's calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/queue.h"

static void test_services(void **state)
{
    (void)state;
    const char prefixes[] = "ABCDE";
    for (int i = 0; i < QUEUE_SERVICE_COUNT; i++) {
        queue_service s;
        assert_true(queue_service_from_str(queue_service_str((queue_service)i), &s));
        assert_int_equal(s, i);
        assert_int_equal(queue_service_prefix((queue_service)i), prefixes[i]);
        assert_true(queue_service_from_prefix(prefixes[i], &s));
        assert_int_equal(s, i);
        assert_non_null(queue_service_label((queue_service)i));
    }
    queue_service s;
    assert_false(queue_service_from_prefix('F', &s));
    assert_false(queue_service_from_str("Rekam_baru", &s));
    assert_int_equal(queue_service_role(QUEUE_REKAM_BARU), WF_ROLE_INTAKE);
    assert_int_equal(queue_service_role(QUEUE_PENGAMBILAN), WF_ROLE_HANDOVER);
    assert_true(queue_service_allows_kind(QUEUE_HILANG_RUSAK, WF_KIND_RUSAK));
    assert_true(queue_service_allows_kind(QUEUE_HILANG_RUSAK, WF_KIND_HILANG));
    assert_false(queue_service_allows_kind(QUEUE_REKAM_BARU, WF_KIND_PERUBAHAN));
    assert_false(queue_service_allows_kind(QUEUE_PENGAMBILAN, WF_KIND_BARU));
}

static void test_ticket_numbers(void **state)
{
    (void)state;
    char buf[QUEUE_TICKET_LEN];
    kt_error err;
    assert_int_equal(queue_ticket_format(QUEUE_REKAM_BARU, 7, buf, &err), KT_OK);
    assert_string_equal(buf, "A007");
    assert_int_equal(queue_ticket_format(QUEUE_PENGAMBILAN, 999, buf, &err), KT_OK);
    assert_string_equal(buf, "E999");
    assert_int_equal(queue_ticket_format(QUEUE_PERUBAHAN_DATA, 1000, buf, &err), KT_OK);
    assert_string_equal(buf, "B1000");
    assert_int_equal(queue_ticket_format(QUEUE_PERUBAHAN_DATA, 9999, buf, &err), KT_OK);
    assert_string_equal(buf, "B9999");
    strcpy(buf, "keep");
    assert_int_equal(queue_ticket_format(QUEUE_PERUBAHAN_DATA, 10000, buf, &err), KT_EREFUSED);
    assert_string_equal(err.id, "queue_full");
    assert_string_equal(buf, "keep");
    assert_int_equal(queue_ticket_format(QUEUE_REKAM_BARU, 0, buf, &err), KT_EINVAL);
    assert_int_equal(queue_ticket_format(QUEUE_SERVICE_COUNT, 1, buf, &err), KT_EINVAL);
    /* every number round-trips */
    for (int n = 1; n <= QUEUE_NUMBER_MAX; n++) {
        queue_service s;
        int back = 0;
        assert_int_equal(queue_ticket_format(QUEUE_PINDAH_DATANG, n, buf, &err), KT_OK);
        assert_int_equal(queue_ticket_parse(buf, &s, &back, &err), KT_OK);
        assert_int_equal(s, QUEUE_PINDAH_DATANG);
        assert_int_equal(back, n);
    }
    const char *bad[] = {"A07", "A0007", "A000", "F001", "a001", "A00x", "A10000", "", "A 01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        queue_service s = QUEUE_SERVICE_COUNT;
        int n = -5;
        assert_int_equal(queue_ticket_parse(bad[i], &s, &n, &err), KT_EINVAL);
        assert_string_equal(err.id, "ticket_number_invalid");
        assert_int_equal(n, -5);
    }
    queue_service s;
    int n;
    assert_int_equal(queue_ticket_parse(NULL, &s, &n, &err), KT_EINVAL);
}

static void test_next_class(void **state)
{
    (void)state;
    assert_int_equal(queue_next_class(0, 0, 5, 3), QUEUE_CLASS_NONE);
    assert_int_equal(queue_next_class(4, 0, 99, 3), QUEUE_CLASS_REGULAR);
    assert_int_equal(queue_next_class(0, 2, 0, 3), QUEUE_CLASS_PRIORITY);
    assert_int_equal(queue_next_class(4, 2, 2, 3), QUEUE_CLASS_REGULAR);
    assert_int_equal(queue_next_class(4, 2, 3, 3), QUEUE_CLASS_PRIORITY);
    assert_int_equal(queue_next_class(4, 2, 0, 0), QUEUE_CLASS_PRIORITY); /* strict */
    assert_int_equal(queue_next_class(4, 2, 0, -1), QUEUE_CLASS_PRIORITY);
    assert_string_equal(queue_class_str(QUEUE_CLASS_PRIORITY), "priority");
    assert_int_equal(queue_counter_after(QUEUE_CLASS_PRIORITY, 7), 0);
    assert_int_equal(queue_counter_after(QUEUE_CLASS_REGULAR, 7), 8);
    assert_int_equal(queue_counter_after(QUEUE_CLASS_NONE, 7), 7);
}

/* Call until both classes are empty (reg regular and pri priority waiting, the counter of
   regular calls since the last priority call at counter, N = n): the order as "PRR...". */
static void call_order(size_t reg, size_t pri, int counter, int n, char *order, size_t cap)
{
    size_t k = 0;
    for (queue_class c; (c = queue_next_class(reg, pri, counter, n)) != QUEUE_CLASS_NONE;) {
        assert_true(k + 1 < cap);
        order[k++] = c == QUEUE_CLASS_PRIORITY ? 'P' : 'R';
        if (c == QUEUE_CLASS_PRIORITY)
            pri--;
        else
            reg--;
        counter = queue_counter_after(c, counter);
    }
    order[k] = '\0';
}

/* A day: 20 regular and 5 priority waiting from the start, N = 3, counter starting at N. The
   call order must be P R R R P R R R P ... and then the rest of whichever class remains. */
static void test_simulated_day(void **state)
{
    (void)state;
    char order[32];
    call_order(20, 5, 3, 3, order, sizeof order);
    assert_string_equal(order, "PRRRPRRRPRRRPRRRPRRRRRRRR");
    /* regulars gone: priority served back to back */
    call_order(1, 3, 0, 3, order, sizeof order);
    assert_string_equal(order, "RPPP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_ticket_numbers),
        cmocka_unit_test(test_next_class),
        cmocka_unit_test(test_simulated_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
