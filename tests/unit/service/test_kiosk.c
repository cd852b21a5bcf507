/*
 * test_kiosk.c - issue 9 in the service (kiosk.c, event_view.c, svc.c's pool) on a real
 * database: registered kiosk devices (admin only, the secret shown once and stored as a hash,
 * revocation effective at once, audited), tickets that record their kiosk, the priority claim
 * decided by the officer who called the ticket (confirmed, or declined back to the regular
 * queue in its place), the event views of the public and the staff streams, and the store
 * connection pool bounded while a hundred threads read at once and trimmed after.
 */
#include <pthread.h>

#include "service/svc_internal.h"
#include "store/store.h"
#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

/* One value from the database (the first column of the first row), as text. */
static void db_text(const char *sql, char *out, size_t cap)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_error err;
    out[0] = '\0';
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, sql, &st, &err), KT_OK, &err);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    if (row)
        snprintf(out, cap, "%s", store_col_text(st, 0));
    store_reset(st);
    store_close(db);
}

static void test_kiosk_devices(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor admin = t_actor("admin", 9, 0), intake = t_actor("intake", 1, 1);
    json_t *in = json_pack("{s:s}", "name", "Kios lobi"), *out = NULL;
    kt_error err;
    svc_kiosk k;
    char got[200];

    /* only the admin registers; bad names change nothing */
    assert_int_equal(svc_kiosk_add(s, &intake, in, &out, &err), KT_EFORBIDDEN);
    json_t *bad = json_pack("{s:s}", "name", "");
    assert_int_equal(svc_kiosk_add(s, &admin, bad, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "name");
    json_decref(bad);
    bad = json_pack("{s:s}", "name", "Kios\nlobi");
    assert_int_equal(svc_kiosk_add(s, &admin, bad, &out, &err), KT_EINVAL);
    json_decref(bad);
    db_text("SELECT count(*) FROM kiosks", got, sizeof got);
    assert_string_equal(got, "0");

    t_expect(svc_kiosk_add(s, &admin, in, &out, &err), KT_OK, &err);
    char token[65];
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(out, "token")));
    assert_int_equal(strlen(token), 64);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    /* the database keeps a hash, not the secret */
    db_text("SELECT token_hash FROM kiosks", got, sizeof got);
    assert_int_equal(strlen(got), 64);
    assert_string_not_equal(got, token);
    db_text("SELECT action FROM events WHERE action LIKE 'kiosk%' ORDER BY id DESC", got,
            sizeof got);
    assert_string_equal(got, "kiosk_add");

    t_expect(svc_kiosk_verify(s, token, &k, &err), KT_OK, &err);
    assert_int_equal(k.id, id);
    assert_string_equal(k.name, "Kios lobi");
    assert_int_equal(svc_kiosk_verify(s, "abc", &k, &err), KT_EUNAUTH);
    assert_string_equal(err.id, "kiosk_unknown");
    char wrong[65];
    snprintf(wrong, sizeof wrong, "%s", token);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(svc_kiosk_verify(s, wrong, &k, &err), KT_EUNAUTH);

    /* a ticket printed by it says so, in the row and in its audit event */
    json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *t = NULL;
    t_expect(svc_kiosk_verify(s, token, &k, &err), KT_OK, &err);
    t_expect(svc_ticket_take_by(s, &k, req, &t, &err), KT_OK, &err);
    json_decref(t);
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(t);
    json_decref(req);
    db_text("SELECT count(*) FROM tickets WHERE kiosk_id IS NOT NULL", got, sizeof got);
    assert_string_equal(got, "1");
    db_text("SELECT username FROM events WHERE action = 'take' ORDER BY id", got, sizeof got);
    assert_string_equal(got, "kiosk:Kios lobi");
    t_expect(svc_kiosk_list(s, &admin, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "tickets_today")),
                     1);
    assert_null(json_object_get(json_array_get(out, 0), "token"));
    json_decref(out);
    assert_int_equal(svc_kiosk_list(s, &intake, &out, &err), KT_EFORBIDDEN);

    /* revoked: refused at once; twice is a conflict; audited */
    assert_int_equal(svc_kiosk_revoke(s, &intake, id, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_kiosk_revoke(s, &admin, id, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(svc_kiosk_verify(s, token, &k, &err), KT_EUNAUTH);
    assert_int_equal(svc_kiosk_revoke(s, &admin, id, &out, &err), KT_ECONFLICT);
    assert_int_equal(svc_kiosk_revoke(s, &admin, 999, &out, &err), KT_ENOTFOUND);
    db_text("SELECT action FROM events WHERE action LIKE 'kiosk%' ORDER BY id DESC", got,
            sizeof got);
    assert_string_equal(got, "kiosk_revoke");
    json_decref(in);
    svc_close(s);
}

static int64_t take(svc *s, int priority, const char *reason)
{
    json_t *req = json_pack("{s:s, s:b, s:s}", "service", "rekam_baru", "priority", priority,
                            "priority_reason", reason),
           *t = NULL;
    kt_error err;
    t_now += 1000;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(t, "id"));
    json_decref(req);
    json_decref(t);
    return id;
}

static int64_t call_next(svc *s, const svc_actor *who)
{
    json_t *c = NULL;
    kt_error err;
    t_now += 1000;
    t_expect(svc_ticket_call_next(s, who, NULL, &c, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(c, "id"));
    json_decref(c);
    return id;
}

static void test_priority_claim(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor in1 = t_actor("intake", 1, 1), in2 = t_actor("intake", 2, 2);
    svc_actor op = t_actor("operator", 3, 0);
    json_t *yes = json_pack("{s:b}", "confirm", 1),
           *no = json_pack("{s:b, s:s}", "confirm", 0, "note", "tidak tampak lansia"),
           *out = NULL;
    kt_error err;
    char got[200];

    int64_t regular = take(s, 0, "");
    int64_t claim = take(s, 1, "lansia");
    /* not called yet: nothing to decide */
    assert_int_equal(svc_ticket_priority(s, &in1, claim, yes, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "ticket_not_called");
    assert_int_equal(call_next(s, &in1), claim);
    /* not a regular ticket, not another loket, not a role that calls nothing */
    assert_int_equal(svc_ticket_priority(s, &in2, claim, no, &out, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "not_your_ticket");
    assert_int_equal(svc_ticket_priority(s, &op, claim, no, &out, &err), KT_EFORBIDDEN);
    json_t *bad = json_pack("{s:s}", "confirm", "ya");
    assert_int_equal(svc_ticket_priority(s, &in1, claim, bad, &out, &err), KT_EINVAL);
    json_decref(bad);
    /* declined: back to the regular queue, behind the regular ticket taken before it */
    t_expect(svc_ticket_priority(s, &in1, claim, no, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "waiting");
    assert_false(json_is_true(json_object_get(out, "priority")));
    assert_string_equal(json_string_value(json_object_get(out, "priority_check")), "declined");
    assert_true(json_is_null(json_object_get(out, "called_at")));
    json_decref(out);
    assert_int_equal(svc_ticket_priority(s, &in1, claim, yes, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "priority_not_claimed");
    db_text("SELECT note FROM events WHERE action = 'decline_priority'", got, sizeof got);
    assert_string_equal(got, "tidak tampak lansia");
    db_text("SELECT username FROM events WHERE action = 'decline_priority'", got, sizeof got);
    assert_string_equal(got, "intake1");
    assert_int_equal(call_next(s, &in1), regular);
    assert_int_equal(call_next(s, &in2), claim);

    /* confirmed: stays priority, audited */
    int64_t claim2 = take(s, 1, "ibu_hamil");
    assert_int_equal(call_next(s, &in2), claim2);
    t_expect(svc_ticket_priority(s, &in2, claim2, yes, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "priority_check")), "confirmed");
    assert_true(json_is_true(json_object_get(out, "priority")));
    json_decref(out);
    db_text("SELECT count(*) FROM events WHERE action = 'confirm_priority'", got, sizeof got);
    assert_string_equal(got, "1");
    json_decref(yes);
    json_decref(no);
    svc_close(s);
}

static void test_event_views(void **state)
{
    (void)state;
    svc_actor intake = t_actor("intake", 1, 1), bogus = t_actor("tamu", 2, 0);
    json_t *called = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:s, s:i, s:s, s:b, s:I, s:s}}", "type",
        "ticket_called", "at", (json_int_t)1000, "action", "call", "from", "waiting", "to",
        "called", "ticket_id", (json_int_t)7, "application_id", (json_int_t)3, "ticket", "id",
        (json_int_t)7, "number", "A007", "loket", 2, "service", "rekam_baru", "priority", 1,
        "application_id", (json_int_t)3, "nik", "3671101203900001");
    json_t *moved = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:{s:I, s:s, s:s, s:s}}", "type",
                              "application_changed", "at", (json_int_t)2000, "action", "reject",
                              "from", "checked", "to", "rejected", "application_id",
                              (json_int_t)3, "application", "id", (json_int_t)3, "state",
                              "rejected", "nik", "3671101203900001", "name", "AHMAD FAUZI");
    /* the public sees the number, the service and the loket */
    json_t *v = svc_event_view(called, NULL);
    assert_non_null(v);
    char *text = json_dumps(v, JSON_COMPACT);
    assert_string_equal(text, "{\"type\":\"ticket_called\",\"at\":1000,\"ticket_id\":7,"
                              "\"ticket\":{\"id\":7,\"number\":\"A007\",\"service\":"
                              "\"rekam_baru\",\"loket\":2}}");
    free(text);
    json_decref(v);
    /* and nothing of an application */
    assert_null(svc_event_view(moved, NULL));
    assert_null(svc_event_view(moved, &bogus));
    /* staff: ids and states, never a NIK or a name */
    v = svc_event_view(moved, &intake);
    assert_non_null(v);
    text = json_dumps(v, JSON_COMPACT);
    assert_null(strstr(text, "3671101203900001"));
    assert_null(strstr(text, "AHMAD"));
    assert_non_null(strstr(text, "\"application\":{\"id\":3,\"state\":\"rejected\"}"));
    free(text);
    json_decref(v);
    v = svc_event_view(called, &intake);
    text = json_dumps(v, JSON_COMPACT);
    assert_null(strstr(text, "3671101203900001"));
    assert_non_null(strstr(text, "\"priority\":true"));
    free(text);
    json_decref(v);
    json_decref(called);
    json_decref(moved);
}

/* ---- the connection pool ---- */
typedef struct reader {
    svc *s;
    int64_t ticket;
    int errors;
} reader;

static void *read_loop(void *arg)
{
    reader *r = arg;
    for (int i = 0; i < 40; i++) {
        json_t *t = NULL;
        kt_error err;
        if (svc_ticket_get(r->s, r->ticket, &t, &err) != KT_OK) {
            if (r->errors++ == 0)
                fprintf(stderr, "read: %s %s\n", err.id, err.message);
        }
        json_decref(t);
    }
    return NULL;
}

static void test_pool_bounded(void **state)
{
    enum { THREADS = 100 };
    (void)state;
    svc_config cfg;
    t_config(&cfg);
    cfg.pool_max = 16; /* what a small PostgreSQL server allows one process (the tests' has 40) */
    svc *s = NULL;
    kt_error e;
    t_expect(svc_open(&cfg, &s, &e), KT_OK, &e);
    static reader rd[THREADS];
    pthread_t th[THREADS];
    volatile size_t peak = 0;
    int64_t ticket = take(s, 0, "");
    for (int i = 0; i < THREADS; i++) {
        rd[i].s = s;
        rd[i].ticket = ticket;
        rd[i].errors = 0;
        assert_int_equal(pthread_create(&th[i], NULL, read_loop, &rd[i]), 0);
    }
    for (int k = 0; k < 200; k++) { /* watch the pool while they run */
        size_t open = 0, idle = 0;
        svc_pool_stats(s, &open, &idle);
        if (open > peak)
            peak = open;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        errors += rd[i].errors;
    }
    size_t open = 0, idle = 0;
    svc_pool_stats(s, &open, &idle);
    assert_int_equal(errors, 0);
    assert_true(peak <= 16);
    assert_int_equal(open, idle); /* all returned */
    /* what the trimmer does after 30 s idle: down to SVC_POOL_KEEP */
    svc_pool_trim(s, 0);
    size_t open2 = 0, idle2 = 0;
    svc_pool_stats(s, &open2, &idle2);
    fprintf(stderr, "pool: peak %zu open during 100 readers, %zu idle after, %zu once trimmed\n",
            peak, idle, idle2);
    /* (on a loaded machine the readers may all have run on one connection: then one is kept) */
    size_t keep = idle < SVC_POOL_KEEP ? idle : SVC_POOL_KEEP;
    assert_int_equal(open2, keep);
    assert_int_equal(idle2, keep);
    /* still serving */
    json_t *t = NULL;
    t_expect(svc_ticket_get(s, ticket, &t, &e), KT_OK, &e);
    json_decref(t);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kiosk_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
