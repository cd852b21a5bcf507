/*
 * test_queue.c - the queue of SOP step 1 on a real SQLite file: numbering per service per
 * Jakarta service day (crossing midnight WIB with the config clock), the fair priority rule,
 * recall / no-show / transfer, the board, roles, and several threads calling next at once
 * never getting the same ticket.
 */
#include <pthread.h>

#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

static json_t *take(svc *s, const char *service, int priority)
{
    json_t *req = json_pack("{s:s, s:b}", "service", service, "priority", priority), *t = NULL;
    kt_error err;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(req);
    return t;
}

static void take_number(svc *s, const char *service, const char *want)
{
    json_t *t = take(s, service, 0);
    assert_string_equal(json_string_value(json_object_get(t, "number")), want);
    json_decref(t);
}

static void test_numbering_and_day_boundary(void **state)
{
    (void)state;
    /* 2026-03-02 23:59:00 WIB = 16:59 UTC */
    t_now = INT64_C(1772470740000);
    svc *s = t_open();
    take_number(s, "rekam_baru", "A001");
    take_number(s, "rekam_baru", "A002");
    take_number(s, "perubahan_data", "B001");
    take_number(s, "pengambilan", "E001");
    json_t *t = take(s, "rekam_baru", 0);
    assert_string_equal(json_string_value(json_object_get(t, "service_day")), "2026-03-02");
    assert_int_equal(json_integer_value(json_object_get(t, "waiting_before")), 2);
    json_decref(t);
    /* One minute later it is 3 March in Jakarta: numbering restarts. */
    t_now += T_MIN;
    t = take(s, "rekam_baru", 0);
    assert_string_equal(json_string_value(json_object_get(t, "number")), "A001");
    assert_string_equal(json_string_value(json_object_get(t, "service_day")), "2026-03-03");
    json_decref(t);
    /* Yesterday's waiting tickets are not called today. */
    svc_actor in = t_actor("intake", 1, 1);
    kt_error err;
    json_t *c = NULL;
    t_expect(svc_ticket_call_next(s, &in, NULL, &c, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(c, "service_day")), "2026-03-03");
    json_decref(c);
    assert_int_equal(svc_ticket_call_next(s, &in, NULL, &c, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "queue_empty");
    /* Bad input. */
    json_t *bad = json_pack("{s:s}", "service", "sulap");
    assert_int_equal(svc_ticket_take(s, bad, &t, &err), KT_EINVAL);
    assert_null(t);
    json_decref(bad);
    svc_close(s);
}

static void test_priority_rule_and_actions(void **state)
{
    (void)state;
    svc *s = t_open();
    kt_error err;
    json_t *t, *c = NULL;
    const char *order_taken[] = {"A001", "A002", "A003", "A004"};
    for (int i = 0; i < 4; i++) {
        t = take(s, "rekam_baru", 0);
        assert_string_equal(json_string_value(json_object_get(t, "number")), order_taken[i]);
        json_decref(t);
    }
    json_decref(take(s, "rekam_baru", 1)); /* A005 priority */
    json_decref(take(s, "rekam_baru", 1)); /* A006 priority */
    json_decref(take(s, "pengambilan", 0)); /* E001: not intake's */
    /* Priority first at opening, then one priority per 3 regular calls. */
    const char *want[] = {"A005", "A001", "A002", "A003", "A006", "A004"};
    svc_actor in = t_actor("intake", 1, 2);
    for (int i = 0; i < 6; i++) {
        t_now += 1000;
        t_expect(svc_ticket_call_next(s, &in, NULL, &c, &err), KT_OK, &err);
        assert_string_equal(json_string_value(json_object_get(c, "number")), want[i]);
        assert_int_equal(json_integer_value(json_object_get(c, "loket")), 2);
        if (i < 5)
            json_decref(c);
    }
    int64_t id = json_integer_value(json_object_get(c, "id"));
    json_decref(c);
    assert_int_equal(svc_ticket_call_next(s, &in, NULL, &c, &err), KT_ENOTFOUND);
    /* Recall keeps called and counts. */
    t_expect(svc_ticket_recall(s, &in, id, &c, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(c, "recalls")), 1);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "called");
    json_decref(c);
    /* Transfer to another service: waiting again, then called by that service's loket. */
    json_t *req = json_pack("{s:s}", "service", "perubahan_data");
    t_expect(svc_ticket_transfer(s, &in, id, req, &c, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "waiting");
    json_decref(c);
    json_decref(req);
    json_t *only_b = json_pack("{s:[s]}", "services", "perubahan_data");
    t_expect(svc_ticket_call_next(s, &in, only_b, &c, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
    json_decref(c);
    json_decref(only_b);
    /* No show ends it; a second no-show is illegal. */
    t_expect(svc_ticket_no_show(s, &in, id, &c, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "no_show");
    json_decref(c);
    assert_int_equal(svc_ticket_no_show(s, &in, id, &c, &err), KT_ECONFLICT);
    assert_int_equal(svc_ticket_recall(s, &in, 9999, &c, &err), KT_ENOTFOUND);
    /* Roles: an operator calls nobody; intake may not call the pickup queue. */
    svc_actor op = t_actor("operator", 2, 1);
    assert_int_equal(svc_ticket_call_next(s, &op, NULL, &c, &err), KT_EFORBIDDEN);
    json_t *only_e = json_pack("{s:[s]}", "services", "pengambilan");
    assert_int_equal(svc_ticket_call_next(s, &in, only_e, &c, &err), KT_EFORBIDDEN);
    svc_actor ho = t_actor("handover", 3, 3);
    t_expect(svc_ticket_call_next(s, &ho, NULL, &c, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(c, "number")), "E001");
    json_decref(c);
    json_decref(only_e);
    /* A loket outside 1..n. */
    svc_actor nowhere = t_actor("intake", 5, 0);
    assert_int_equal(svc_ticket_call_next(s, &nowhere, NULL, &c, &err), KT_EINVAL);
    /* The board. */
    t_expect(svc_queue_board(s, &c, &err), KT_OK, &err);
    json_t *lokets = json_object_get(c, "lokets");
    assert_int_equal(json_array_size(lokets), 3);
    json_t *l3 = json_object_get(json_array_get(lokets, 2), "ticket");
    assert_string_equal(json_string_value(json_object_get(l3, "number")), "E001");
    assert_true(json_array_size(json_object_get(c, "last_calls")) >= 7);
    json_decref(c);
    svc_close(s);
}

#define N_THREADS 4
#define N_TICKETS 60

typedef struct caller {
    svc *s;
    int loket;
    int64_t got[N_TICKETS];
    int n;
    int errors;
} caller;

static void *call_loop(void *arg)
{
    caller *c = arg;
    svc_actor a = t_actor("intake", c->loket, (c->loket - 1) % 3 + 1);
    for (;;) {
        json_t *t = NULL;
        kt_error err;
        kt_code rc = svc_ticket_call_next(c->s, &a, NULL, &t, &err);
        if (rc == KT_ENOTFOUND)
            break;
        if (rc != KT_OK) {
            c->errors++;
            if (c->errors > 100)
                break;
            continue;
        }
        c->got[c->n++] = json_integer_value(json_object_get(t, "id"));
        json_decref(t);
    }
    return NULL;
}

static void test_concurrent_call_next(void **state)
{
    (void)state;
    svc *s = t_open();
    for (int i = 0; i < N_TICKETS; i++)
        json_decref(take(s, i % 3 == 0 ? "hilang_rusak" : "rekam_baru", i % 7 == 0));
    caller c[N_THREADS];
    pthread_t th[N_THREADS];
    memset(c, 0, sizeof c);
    for (int i = 0; i < N_THREADS; i++) {
        c[i].s = s;
        c[i].loket = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, call_loop, &c[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(th[i], NULL);
    int seen[N_TICKETS + 1];
    memset(seen, 0, sizeof seen);
    int total = 0;
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(c[i].errors, 0);
        for (int k = 0; k < c[i].n; k++) {
            int64_t id = c[i].got[k];
            assert_true(id >= 1 && id <= N_TICKETS);
            assert_int_equal(seen[id], 0); /* never the same ticket twice */
            seen[id] = 1;
            total++;
        }
    }
    assert_int_equal(total, N_TICKETS);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_numbering_and_day_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_rule_and_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_call_next, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
