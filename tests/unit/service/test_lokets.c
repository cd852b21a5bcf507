/*
 * test_lokets.c - the loket layout and the recording desk's calls (src/service/lokets.c)
 * through the service on a real SQLite file in a temp dir: layout parsing (good and bad
 * specs), set/get, the layout enforced on ticket calls once set (the recording desk calls no
 * tickets, intake refused at the handover counter, handover calls E only), the operator's
 * call and recall of a checked application (board, audit event, ticket row untouched) and
 * the refusals (application not checked, wrong role, not a desk, no desk at all, unknown
 * call).
 */
#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_A "3671101203900001"
#define NIK_B "3671106008920005"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,13,1,1,2,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

static int64_t take(svc *s, const char *service)
{
    json_t *req = json_pack("{s:s}", "service", service), *t = NULL;
    kt_error err;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(t, "id"));
    json_decref(req);
    json_decref(t);
    return id;
}

/* The role of loket l (1-based) in a svc_lokets_get answer. */
static const char *role_of(const json_t *layout, int l)
{
    json_t *v = json_array_get(json_object_get(layout, "lokets"), (size_t)(l - 1));
    assert_int_equal(json_integer_value(json_object_get(v, "loket")), l);
    return json_string_value(json_object_get(v, "role"));
}

/* svc_lokets_set with a spec; the error id when it fails. */
static kt_code set_spec(svc *s, const char *spec, kt_error *err)
{
    svc_actor admin = t_actor("admin", 9, 0);
    json_t *in = json_pack("{s:s}", "spec", spec), *out = NULL;
    kt_code rc = svc_lokets_set(s, &admin, in, &out, err);
    json_decref(out);
    json_decref(in);
    return rc;
}

static void test_parse(void **state)
{
    (void)state;
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_lokets_parse("1:intake,2:operator,3:handover", &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 3);
    json_t *second = json_array_get(out, 1);
    assert_int_equal(json_integer_value(json_object_get(second, "loket")), 2);
    assert_string_equal(json_string_value(json_object_get(second, "role")), "operator");
    json_decref(out);

    struct {
        const char *spec, *id, *field;
    } bad[] = {
        {"", "lokets_invalid", "lokets"},
        {"1:intake,2:kasir", "lokets_invalid", "lokets[2]"},
        {"1:intake,2:operator,1:handover", "lokets_duplicate", "lokets[3]"},
        {"garbage", "lokets_invalid", "lokets[1]"},
        {"1:intake,,3:handover", "lokets_invalid", "lokets[2]"},
        {"x:intake", "lokets_invalid", "lokets[1]"},
        {"0:intake", "lokets_invalid", "lokets[1]"},
        {"100:intake", "lokets_invalid", "lokets[1]"},
        {"1 :intake", "lokets_invalid", "lokets[1]"},
        {"1:intake,2:operator,3:handover,4:intake-and-more-text-than-fits", "lokets_invalid",
         "lokets[4]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = NULL;
        kt_error_clear(&err);
        assert_int_equal(svc_lokets_parse(bad[i].spec, &out, &err), KT_EINVAL);
        assert_null(out);
        if (strcmp(err.id, bad[i].id) != 0 || strcmp(err.field, bad[i].field) != 0)
            fprintf(stderr, "spec '%s': %s %s\n", bad[i].spec, err.id, err.field);
        assert_string_equal(err.id, bad[i].id);
        assert_string_equal(err.field, bad[i].field);
        assert_true(strlen(err.message) > 10);
    }
}

static void test_set_get(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor admin = t_actor("admin", 9, 0), intake = t_actor("intake", 1, 1);
    json_t *out = NULL;
    kt_error err;

    /* the default: descriptive only */
    t_expect(svc_lokets_get(s, &out, &err), KT_OK, &err);
    assert_false(json_is_true(json_object_get(out, "configured")));
    assert_int_equal(json_array_size(json_object_get(out, "lokets")), 3);
    assert_string_equal(role_of(out, 1), "intake");
    assert_string_equal(role_of(out, 2), "operator");
    assert_string_equal(role_of(out, 3), "handover");
    json_decref(out);

    /* only the admin sets it */
    json_t *in = json_pack("{s:s}", "spec", "1:operator,2:intake,3:handover");
    assert_int_equal(svc_lokets_set(s, &intake, in, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    t_expect(svc_lokets_set(s, &admin, in, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "configured")));
    assert_string_equal(role_of(out, 1), "operator");
    json_decref(out);
    json_decref(in);
    t_expect(svc_lokets_get(s, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "configured")));
    assert_string_equal(role_of(out, 1), "operator");
    assert_string_equal(role_of(out, 2), "intake");
    assert_string_equal(role_of(out, 3), "handover");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "lokets"), 0), "role_name")),
                        "Perekaman");
    json_decref(out);

    /* bad layouts are refused and change nothing */
    struct {
        const char *spec, *id;
    } bad[] = {
        {"1:intake,2:operator,3:intake", "lokets_invalid"},   /* no handover counter */
        {"1:handover,2:operator", "lokets_invalid"},          /* no intake counter */
        {"1:intake,2:operator,3:cashier", "lokets_invalid"},  /* unknown role */
        {"1:intake,2:operator,2:handover", "lokets_duplicate"},
        {"1:intake,2:operator,100:handover", "lokets_invalid"}, /* 99 lokets at most */
        {"((garbage))", "lokets_invalid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kt_error_clear(&err);
        assert_int_equal(set_spec(s, bad[i].spec, &err), KT_EINVAL);
        if (strcmp(err.id, bad[i].id) != 0)
            fprintf(stderr, "spec '%s': %s %s %s\n", bad[i].spec, err.id, err.field,
                    err.message);
        assert_string_equal(err.id, bad[i].id);
    }
    /* the list form: a bad role, a loket that is no number, an empty list */
    const char *bad_json[] = {"{\"lokets\": [{\"loket\": 1, \"role\": \"kasir\"}]}",
                              "{\"lokets\": [{\"loket\": \"1\", \"role\": \"intake\"}]}",
                              "{\"lokets\": []}", "{}"};
    const char *bad_json_id[] = {"loket_role_invalid", "loket_invalid", "lokets_invalid",
                                 "lokets_invalid"};
    for (size_t i = 0; i < 4; i++) {
        in = json_loads(bad_json[i], 0, NULL);
        assert_non_null(in);
        assert_int_equal(svc_lokets_set(s, &admin, in, &out, &err), KT_EINVAL);
        assert_string_equal(err.id, bad_json_id[i]);
        assert_null(out);
        json_decref(in);
    }
    t_expect(svc_lokets_get(s, &out, &err), KT_OK, &err);
    assert_string_equal(role_of(out, 1), "operator");
    assert_string_equal(role_of(out, 2), "intake");
    assert_string_equal(role_of(out, 3), "handover");
    json_decref(out);

    /* lokets not named keep their default (3 stays handover) */
    t_expect(set_spec(s, "1:intake,2:operator", &err), KT_OK, &err);
    t_expect(svc_lokets_get(s, &out, &err), KT_OK, &err);
    assert_string_equal(role_of(out, 1), "intake");
    assert_string_equal(role_of(out, 2), "operator");
    assert_string_equal(role_of(out, 3), "handover");
    json_decref(out);
    svc_close(s);
}

static void test_enforced(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor intake1 = t_actor("intake", 1, 1), intake3 = t_actor("intake", 1, 3),
              op2 = t_actor("operator", 2, 2), ho3 = t_actor("handover", 3, 3),
              ho1 = t_actor("handover", 3, 1);
    json_t *out = NULL;
    kt_error err;
    int64_t a1 = take(s, "rekam_baru");
    int64_t e1 = take(s, "pengambilan");

    /* no layout set: nothing enforced (the default is descriptive) */
    t_expect(svc_lokets_check_call(s, &intake3, 3, &err), KT_OK, &err);
    t_expect(svc_lokets_check_call(s, &op2, 2, &err), KT_OK, &err);

    t_expect(set_spec(s, "1:intake,2:operator,3:handover", &err), KT_OK, &err);
    /* the recording desk calls no tickets, whoever asks (the operator calls none anyway) */
    assert_int_equal(svc_ticket_call_next(s, &op2, NULL, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    svc_actor intake2 = t_actor("intake", 1, 2);
    assert_int_equal(svc_ticket_call_next(s, &intake2, NULL, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "loket_role");
    /* intake at the handover counter, handover at an intake counter */
    assert_int_equal(svc_ticket_call_next(s, &intake3, NULL, &out, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "loket_role");
    assert_int_equal(svc_ticket_call_next(s, &ho1, NULL, &out, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "loket_role");
    /* nothing was called by the refusals */
    t_expect(svc_ticket_get(s, a1, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "waiting");
    json_decref(out);
    /* handover calls E only: asking for A is refused, the default is E even with A waiting */
    json_t *asks_a = json_pack("{s:[s]}", "services", "rekam_baru");
    assert_int_equal(svc_ticket_call_next(s, &ho3, asks_a, &out, &err), KT_EFORBIDDEN);
    json_decref(asks_a);
    t_now += 10000;
    t_expect(svc_ticket_call_next(s, &ho3, NULL, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), e1);
    assert_int_equal(json_string_value(json_object_get(out, "number"))[0], 'E');
    json_decref(out);
    assert_int_equal(svc_ticket_call_next(s, &ho3, NULL, &out, &err), KT_ENOTFOUND);
    /* intake at its own counter gets the A ticket */
    t_now += 10000;
    t_expect(svc_ticket_call_next(s, &intake1, NULL, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), a1);
    json_decref(out);
    svc_close(s);
}

/* The action of the newest event of an application, and how many events have action. */
static size_t count_action(svc *s, int64_t app, const char *action, json_t **last)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *ev = NULL;
    kt_error err;
    size_t n = 0, i;
    json_t *v;
    t_expect(svc_app_events(s, &sup, app, &ev, &err), KT_OK, &err);
    *last = NULL;
    json_array_foreach(ev, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "action")), action) == 0) {
            n++;
            json_decref(*last);
            *last = json_incref(v);
        }
    }
    json_decref(ev);
    return n;
}

/* The board's entry of loket l. */
static json_t *board_loket(json_t *board, int l)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(board, "lokets"), i, v)
        if (json_integer_value(json_object_get(v, "loket")) == l)
            return v;
    return NULL;
}

static void test_desk_call(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor op = t_actor("operator", 2, 2), intake = t_actor("intake", 1, 1),
              ho = t_actor("handover", 3, 3);
    json_t *out = NULL, *in = NULL, *ev = NULL;
    kt_error err;
    int64_t tid = 0, tid_b = 0;
    int64_t app = t_take_call_open(s, NIK_A, &tid);
    int64_t app_b = t_take_call_open(s, NIK_B, &tid_b);
    t_expect(set_spec(s, "1:intake,2:operator,3:handover", &err), KT_OK, &err);

    /* not yet checked: refused, nothing written */
    in = json_pack("{s:I}", "application_id", (json_int_t)app);
    assert_int_equal(svc_recording_call(s, &op, in, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "not_ready_for_recording");
    assert_null(out);
    assert_int_equal(count_action(s, app, "call_recording", &ev), 0);

    t_check_docs(s, app, 4, KT_OK);
    json_t *before = NULL;
    t_expect(svc_ticket_get(s, tid, &before, &err), KT_OK, &err);
    char *before_s = json_dumps(before, JSON_SORT_KEYS);

    /* wrong roles */
    assert_int_equal(svc_recording_call(s, &intake, in, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_recording_call(s, &ho, in, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    /* bad input */
    json_t *bad = json_pack("{s:s}", "application_id", "1");
    assert_int_equal(svc_recording_call(s, &op, bad, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "application_id_invalid");
    json_decref(bad);
    bad = json_pack("{s:I, s:i}", "application_id", (json_int_t)app, "loket", 1);
    assert_int_equal(svc_recording_call(s, &op, bad, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "loket_invalid"); /* loket 1 is no desk */
    json_decref(bad);
    bad = json_pack("{s:I, s:i}", "application_id", (json_int_t)app, "loket", 7);
    assert_int_equal(svc_recording_call(s, &op, bad, &out, &err), KT_EINVAL);
    json_decref(bad);
    bad = json_pack("{s:I}", "application_id", (json_int_t)9999);
    assert_int_equal(svc_recording_call(s, &op, bad, &out, &err), KT_ENOTFOUND);
    json_decref(bad);
    assert_int_equal(count_action(s, app, "call_recording", &ev), 0);

    /* the call */
    t_now += T_MIN;
    int64_t called_at = t_now;
    t_expect(svc_recording_call(s, &op, in, &out, &err), KT_OK, &err);
    int64_t call_id = json_integer_value(json_object_get(out, "call_id"));
    assert_true(call_id > 0);
    assert_string_equal(json_string_value(json_object_get(out, "number")), "A001");
    assert_int_equal(json_integer_value(json_object_get(out, "loket")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "application_id")), app);
    assert_int_equal(json_integer_value(json_object_get(out, "ticket_id")), tid);
    assert_int_equal(json_integer_value(json_object_get(out, "called_at")), called_at);
    assert_string_equal(json_string_value(json_object_get(out, "action")), "call_recording");
    json_decref(out);
    json_decref(in);

    /* the audit event */
    assert_int_equal(count_action(s, app, "call_recording", &ev), 1);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "role")), "operator");
    json_decref(ev);
    /* the ticket row is untouched */
    json_t *after = NULL;
    t_expect(svc_ticket_get(s, tid, &after, &err), KT_OK, &err);
    char *after_s = json_dumps(after, JSON_SORT_KEYS);
    assert_string_equal(before_s, after_s);
    free(after_s);
    json_decref(after);

    /* the board shows it at the operator's loket */
    t_expect(svc_queue_board(s, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "lokets_configured")));
    json_t *l2 = board_loket(out, 2);
    assert_non_null(l2);
    assert_string_equal(json_string_value(json_object_get(l2, "role")), "operator");
    json_t *t2 = json_object_get(l2, "ticket");
    assert_string_equal(json_string_value(json_object_get(t2, "number")), "A001");
    assert_int_equal(json_integer_value(json_object_get(t2, "call_id")), call_id);
    assert_int_equal(json_integer_value(json_object_get(t2, "application_id")), app);
    json_t *lc0 = json_array_get(json_object_get(out, "last_calls"), 0);
    assert_string_equal(json_string_value(json_object_get(lc0, "number")), "A001");
    assert_int_equal(json_integer_value(json_object_get(lc0, "loket")), 2);
    json_decref(out);

    /* the display reads the call; unknown calls (or a ticket-call event id) are 404 */
    t_expect(svc_loket_call_get(s, call_id, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "number")), "A001");
    assert_int_equal(json_integer_value(json_object_get(out, "loket")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "application_id")), app);
    json_decref(out);
    assert_int_equal(svc_loket_call_get(s, 1, &out, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "call_not_found");
    assert_int_equal(svc_loket_call_get(s, 99999, &out, &err), KT_ENOTFOUND);

    /* recall: a new call id, same applicant and desk; wrong role and unknown call refused */
    assert_int_equal(svc_recording_recall(s, &intake, call_id, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_recording_recall(s, &op, 99999, &out, &err), KT_ENOTFOUND);
    assert_null(out);
    t_now += T_MIN;
    t_expect(svc_recording_recall(s, &op, call_id, &out, &err), KT_OK, &err);
    int64_t recall_id = json_integer_value(json_object_get(out, "call_id"));
    assert_true(recall_id > call_id);
    assert_string_equal(json_string_value(json_object_get(out, "action")), "recall_recording");
    assert_int_equal(json_integer_value(json_object_get(out, "loket")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "application_id")), app);
    json_decref(out);
    assert_int_equal(count_action(s, app, "recall_recording", &ev), 1);
    json_decref(ev);
    t_expect(svc_queue_board(s, &out, &err), KT_OK, &err);
    t2 = json_object_get(board_loket(out, 2), "ticket");
    assert_int_equal(json_integer_value(json_object_get(t2, "call_id")), recall_id);
    lc0 = json_array_get(json_object_get(out, "last_calls"), 0);
    assert_int_equal(json_integer_value(json_object_get(lc0, "recalls")), 1);
    json_decref(out);
    t_expect(svc_ticket_get(s, tid, &after, &err), KT_OK, &err);
    after_s = json_dumps(after, JSON_SORT_KEYS);
    assert_string_equal(before_s, after_s);
    free(after_s);
    json_decref(after);
    free(before_s);
    json_decref(before);

    /* the other application is still not checked; an operator without a desk loket is sent
       to the first desk */
    svc_actor op0 = t_actor("operator", 5, 0);
    t_check_docs(s, app_b, 4, KT_OK);
    in = json_pack("{s:I}", "application_id", (json_int_t)app_b);
    t_expect(svc_recording_call(s, &op0, in, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "loket")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "number")), "A002");
    json_decref(out);
    /* a layout without a recording desk: nobody to call to */
    t_expect(set_spec(s, "1:intake,2:intake,3:handover", &err), KT_OK, &err);
    assert_int_equal(svc_recording_call(s, &op0, in, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "no_recording_desk");
    assert_null(out);
    json_decref(in);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test_setup_teardown(test_set_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_desk_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
