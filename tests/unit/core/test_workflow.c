/*
 * test_workflow.c - application and ticket state machines, string round trips, roles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/workflow.h"

static void test_strings(void **state)
{
    (void)state;
    for (int i = 0; i < WF_KIND_COUNT; i++) {
        wf_kind k;
        assert_true(wf_kind_from_str(wf_kind_str((wf_kind)i), &k));
        assert_int_equal(k, i);
        assert_non_null(wf_kind_label((wf_kind)i));
    }
    for (int i = 1; i < WF_REASON_COUNT; i++) {
        wf_reason r;
        assert_true(wf_reason_from_str(wf_reason_str((wf_reason)i), &r));
        assert_int_equal(r, i);
    }
    wf_reason r;
    assert_false(wf_reason_from_str("", &r));
    for (int i = 0; i < WF_ROLE_COUNT; i++) {
        wf_role x;
        assert_true(wf_role_from_str(wf_role_str((wf_role)i), &x));
        assert_int_equal(x, i);
    }
    assert_false(wf_role_is_staff(WF_ROLE_SYSTEM));
    assert_true(wf_role_is_staff(WF_ROLE_ADMIN));
    for (int i = 1; i < WF_STATE_COUNT; i++) {
        wf_state s;
        assert_true(wf_state_from_str(wf_state_str((wf_state)i), &s));
        assert_int_equal(s, i);
        assert_non_null(wf_state_label((wf_state)i));
    }
    wf_state s;
    assert_false(wf_state_from_str("none", &s));
    assert_false(wf_state_from_str("Called", &s));
    assert_false(wf_state_from_str(NULL, &s));
    for (int i = 0; i < WF_ACT_COUNT; i++) {
        wf_action a;
        assert_true(wf_action_from_str(wf_action_str((wf_action)i), &a));
        assert_int_equal(a, i);
    }
    assert_null(wf_state_str(WF_STATE_COUNT));
    assert_null(wf_action_str((wf_action)-1));
}

static wf_state go(wf_state from, wf_action a)
{
    wf_state to = WF_STATE_NONE;
    kt_error err;
    if (wf_next(from, a, &to, &err) != KT_OK)
        fail_msg("%s --%s--> : %s", wf_state_str(from), wf_action_str(a), err.message);
    return to;
}

static void test_happy_paths(void **state)
{
    (void)state;
    wf_state s = go(WF_STATE_NONE, WF_ACT_OPEN);
    assert_int_equal(s, WF_STATE_CALLED);
    s = go(s, WF_ACT_CHECK_OK);
    s = go(s, WF_ACT_CHANGE_DATA);
    s = go(s, WF_ACT_RECORD);
    s = go(s, WF_ACT_AFIS_HIT);
    assert_int_equal(s, WF_STATE_DUPLICATE);
    s = go(s, WF_ACT_CLEAR_DUPLICATE);
    assert_int_equal(s, WF_STATE_RECORDED);
    s = go(s, WF_ACT_ISSUE_RECEIPT);
    s = go(s, WF_ACT_SEND);
    s = go(s, WF_ACT_PRINT_READY);
    s = go(s, WF_ACT_PRINT);
    s = go(s, WF_ACT_HAND_OVER);
    assert_int_equal(s, WF_STATE_HANDED_OVER);
    assert_true(wf_state_is_terminal(s));
    /* data change only, straight to receipt */
    assert_int_equal(go(WF_STATE_DATA_CHANGED, WF_ACT_ISSUE_RECEIPT), WF_STATE_RECEIPT_ISSUED);
    assert_int_equal(go(WF_STATE_SENT, WF_ACT_CENTRAL_DUPLICATE), WF_STATE_DUPLICATE);
    assert_int_equal(go(WF_STATE_DUPLICATE, WF_ACT_CONFIRM_DUPLICATE), WF_STATE_REJECTED);
    assert_int_equal(go(WF_STATE_CALLED, WF_ACT_RETURN_INCOMPLETE), WF_STATE_INCOMPLETE);
    assert_int_equal(go(WF_STATE_CALLED, WF_ACT_REFER), WF_STATE_REFERRED);
}

static void test_illegal(void **state)
{
    (void)state;
    int legal = 0;
    for (int s = 0; s < WF_STATE_COUNT; s++) {
        for (int a = 0; a < WF_ACT_COUNT; a++) {
            wf_state to = WF_STATE_COUNT;
            kt_error err;
            kt_code rc = wf_next((wf_state)s, (wf_action)a, &to, &err);
            assert_int_equal(rc == KT_OK, wf_can((wf_state)s, (wf_action)a));
            if (rc == KT_OK) {
                legal++;
                continue;
            }
            assert_int_equal(rc, KT_ECONFLICT);
            assert_string_equal(err.id, "illegal_transition");
            assert_string_equal(err.field, "action");
            assert_non_null(strstr(err.message, wf_action_str((wf_action)a)));
            assert_int_equal(to, WF_STATE_COUNT); /* untouched */
            if (wf_state_is_terminal((wf_state)s))
                assert_non_null(strstr(err.message, "selesai"));
        }
    }
    assert_int_equal(legal, 22); /* the edges of docs/domain.md (2 are Disdukcapil's) */
    wf_state to;
    kt_error err;
    assert_int_equal(wf_next(WF_STATE_COUNT, WF_ACT_OPEN, &to, &err), KT_EINVAL);
    assert_int_equal(wf_next(WF_STATE_CALLED, WF_ACT_COUNT, &to, &err), KT_EINVAL);
    assert_int_equal(wf_next(WF_STATE_CALLED, WF_ACT_RECORD, &to, NULL), KT_ECONFLICT);
    assert_true(wf_action_needs_reason(WF_ACT_REJECT));
    assert_false(wf_action_needs_reason(WF_ACT_RECORD));
}

static void test_roles(void **state)
{
    (void)state;
    for (int a = 0; a < WF_ACT_COUNT; a++) {
        assert_true(wf_role_allows((wf_action)a, WF_ROLE_ADMIN));
        assert_true(wf_role_allows((wf_action)a, WF_ROLE_SYSTEM));
        int who = 0;
        for (int r = 0; r < WF_ROLE_ADMIN; r++)
            who += wf_role_allows((wf_action)a, (wf_role)r);
        assert_true(who >= 1); /* every action has an owner besides admin */
    }
    assert_true(wf_role_allows(WF_ACT_OPEN, WF_ROLE_INTAKE));
    assert_false(wf_role_allows(WF_ACT_OPEN, WF_ROLE_OPERATOR));
    assert_true(wf_role_allows(WF_ACT_RECORD, WF_ROLE_OPERATOR));
    assert_false(wf_role_allows(WF_ACT_RECORD, WF_ROLE_INTAKE));
    assert_true(wf_role_allows(WF_ACT_HAND_OVER, WF_ROLE_HANDOVER));
    assert_false(wf_role_allows(WF_ACT_HAND_OVER, WF_ROLE_SUPERVISOR));
    assert_true(wf_role_allows(WF_ACT_CONFIRM_DUPLICATE, WF_ROLE_SUPERVISOR));
    assert_false(wf_role_allows(WF_ACT_CONFIRM_DUPLICATE, WF_ROLE_OPERATOR));
    assert_false(wf_role_allows(WF_ACT_OPEN, WF_ROLE_COUNT));
    kt_error err;
    assert_int_equal(wf_check_role(WF_ACT_RECORD, WF_ROLE_HANDOVER, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "forbidden_role");
    assert_int_equal(wf_check_role(WF_ACT_RECORD, WF_ROLE_OPERATOR, &err), KT_OK);
}

static void test_tickets(void **state)
{
    (void)state;
    wf_ticket_state s = WF_TICKET_WAITING, to;
    kt_error err;
    assert_int_equal(wf_ticket_next(s, WF_TICKET_CALL, &to, &err), KT_OK);
    assert_int_equal(to, WF_TICKET_CALLED);
    assert_int_equal(wf_ticket_next(to, WF_TICKET_RECALL, &to, &err), KT_OK);
    assert_int_equal(to, WF_TICKET_CALLED);
    assert_int_equal(wf_ticket_next(to, WF_TICKET_TRANSFER, &to, &err), KT_OK);
    assert_int_equal(to, WF_TICKET_WAITING);
    assert_int_equal(wf_ticket_next(WF_TICKET_CALLED, WF_TICKET_SERVE, &to, &err), KT_OK);
    assert_int_equal(to, WF_TICKET_SERVED);
    assert_int_equal(wf_ticket_next(WF_TICKET_CALLED, WF_TICKET_NO_SHOW_ACT, &to, &err), KT_OK);
    assert_int_equal(to, WF_TICKET_NO_SHOW);
    int legal = 0;
    for (int a = 0; a < WF_TICKET_ACTION_COUNT; a++) {
        for (int st = 0; st < WF_TICKET_STATE_COUNT; st++) {
            wf_ticket_state t2 = WF_TICKET_STATE_COUNT;
            kt_code rc = wf_ticket_next((wf_ticket_state)st, (wf_ticket_action)a, &t2, &err);
            if (rc == KT_OK) {
                legal++;
            } else {
                assert_int_equal(rc, KT_ECONFLICT);
                assert_string_equal(err.id, "illegal_transition");
                assert_int_equal(t2, WF_TICKET_STATE_COUNT);
            }
        }
        wf_ticket_action back;
        assert_true(wf_ticket_action_from_str(wf_ticket_action_str((wf_ticket_action)a), &back));
        assert_int_equal(back, a);
    }
    assert_int_equal(legal, 5);
    assert_true(wf_ticket_state_is_terminal(WF_TICKET_SERVED));
    assert_false(wf_ticket_state_is_terminal(WF_TICKET_CALLED));
    wf_ticket_state ts;
    assert_true(wf_ticket_state_from_str("no_show", &ts));
    assert_int_equal(ts, WF_TICKET_NO_SHOW);
    assert_true(wf_ticket_role_allows(WF_TICKET_CALL, WF_ROLE_HANDOVER));
    assert_false(wf_ticket_role_allows(WF_TICKET_CALL, WF_ROLE_OPERATOR));
    assert_int_equal(wf_ticket_next(WF_TICKET_STATE_COUNT, WF_TICKET_CALL, &to, &err), KT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings), cmocka_unit_test(test_happy_paths),
        cmocka_unit_test(test_illegal), cmocka_unit_test(test_roles),
        cmocka_unit_test(test_tickets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
