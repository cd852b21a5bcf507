/*
 * test_acceptance.c - what the acceptance run of issue 10 found, each symptom reproduced through
 * the real service on a real database (SQLite, and PostgreSQL as test_acceptance@pg):
 * transfers that duplicated ticket numbers, pickup tickets never served, a board keeping a
 * stale call, the handover step timed from the receipt scan, the loket layout fixed at start,
 * two open applications for one NIK, a lost card for a resident who never had one, a NIK in
 * other digits opening an application, and what a used receipt says.
 */
#include "unit/service/svc_test.h"

#include "core/sla.h"

/* ADULT: born 1990-03-12, no card yet; CARD: a valid card; NEVER: never recorded. */
#define ADULT "3671101203900001"
#define CARD "3671101501850004"
#define NEVER "3671106008920005"

static const char rows[] =
    ADULT ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,2,,,WNI,,"
          "JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n" CARD
          ",3671100101090005,BAMBANG SUTRISNO,JAKARTA,1985-01-15,L,,1,2,,,WNI,,"
          "JL. MERPATI NO. 1,003,001,3671101003,367110,,CARD_ISSUED,1\n" NEVER
          ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,,1,1,,,WNI,,"
          "JL. HALIM NO. 2,001,003,3671101002,367110,,UNREGISTERED,0\n";

static int setup(void **state)
{
    (void)state;
    return t_setup_dir();
}

static int teardown(void **state)
{
    (void)state;
    return t_rm_dir();
}

static json_t *take(svc *s, const char *service)
{
    json_t *req = json_pack("{s:s}", "service", service), *t = NULL;
    kt_error err;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(req);
    return t;
}

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v != NULL ? v : "";
}

static int64_t num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Call the next ticket of one service at a loket; the ticket (owned by the caller). */
static json_t *call(svc *s, const svc_actor *who, const char *service)
{
    json_t *req = json_pack("{s:[s]}", "services", service), *c = NULL;
    kt_error err;
    t_now += 1000;
    t_expect(svc_ticket_call_next(s, who, req, &c, &err), KT_OK, &err);
    json_decref(req);
    return c;
}

static void transfer(svc *s, const svc_actor *who, int64_t id, const char *service)
{
    json_t *req = json_pack("{s:s}", "service", service), *c = NULL;
    kt_error err;
    t_expect(svc_ticket_transfer(s, who, id, req, &c, &err), KT_OK, &err);
    json_decref(c);
    json_decref(req);
}

/* Issue 10 "Transfers break numbering": a transferred ticket keeps its number, the service it
   left never issues it again, and the service it joins counts on from its own numbers. */
static void test_transfer_keeps_numbering(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor in = t_actor("intake", 1, 1);
    json_decref(take(s, "rekam_baru")); /* A001 */
    json_decref(take(s, "rekam_baru")); /* A002 */
    json_decref(take(s, "perubahan_data")); /* B001 */
    json_t *a1 = call(s, &in, "rekam_baru");
    json_t *a2 = call(s, &in, "rekam_baru");
    assert_string_equal(str(a2, "number"), "A002");
    /* A002 (the highest A) goes to B, A001 to the pickup queue (a wrong kiosk choice). */
    transfer(s, &in, num(a2, "id"), "perubahan_data");
    transfer(s, &in, num(a1, "id"), "pengambilan");
    json_t *t = take(s, "rekam_baru");
    assert_string_equal(str(t, "number"), "A003"); /* on main: A002 a second time */
    json_decref(t);
    t = take(s, "perubahan_data");
    assert_string_equal(str(t, "number"), "B002"); /* on main: B003 */
    json_decref(t);
    t = take(s, "pengambilan");
    assert_string_equal(str(t, "number"), "E001"); /* on main: E002 */
    json_decref(t);
    /* The transferred ticket waits in its new queue under its own number. */
    kt_error err;
    json_t *got = NULL;
    t_expect(svc_ticket_get(s, num(a2, "id"), &got, &err), KT_OK, &err);
    assert_string_equal(str(got, "number"), "A002");
    assert_string_equal(str(got, "service"), "rekam_baru");
    assert_string_equal(str(got, "queue_service"), "perubahan_data");
    json_decref(got);
    json_t *board = NULL;
    t_expect(svc_queue_board(s, &board, &err), KT_OK, &err);
    json_t *w = json_object_get(board, "waiting");
    assert_int_equal(num(w, "perubahan_data"), 3); /* B001, A002, B002 */
    assert_int_equal(num(w, "rekam_baru"), 1);
    assert_int_equal(num(w, "pengambilan"), 2);
    json_decref(board);
    /* B's loket calls A002 (taken first) then B001, and may open a perubahan on A002. */
    json_t *b1 = call(s, &in, "perubahan_data");
    assert_string_equal(str(b1, "number"), "A002");
    json_t *b2 = call(s, &in, "perubahan_data");
    assert_string_equal(str(b2, "number"), "B001");
    /* A B ticket transferred into A where A001..A003 exist: no clash (on main B001 moved to
       the A series as A's number 1 and UNIQUE refused the transfer). */
    transfer(s, &in, num(b2, "id"), "rekam_baru");
    json_t *o = json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)num(b1, "id"), "nik",
                          ADULT, "kind", "perubahan"), *app = NULL;
    kt_code rc = svc_app_open(s, &in, o, &app, &err);
    assert_true(rc == KT_OK || rc == KT_EREFUSED);
    json_decref(app);
    json_decref(o);
    /* Ten transfers back and forth later the numbers of each series are still unique. */
    for (int i = 0; i < 10; i++) {
        json_t *x = call(s, &in, i % 2 ? "perubahan_data" : "rekam_baru");
        transfer(s, &in, num(x, "id"), i % 2 ? "rekam_baru" : "perubahan_data");
        json_decref(x);
        json_decref(take(s, i % 2 ? "perubahan_data" : "rekam_baru"));
    }
    t = take(s, "rekam_baru");
    assert_string_equal(str(t, "number"), "A009");
    json_decref(t);
    json_decref(a1);
    json_decref(a2);
    json_decref(b1);
    json_decref(b2);
    svc_close(s);
}

/* One application up to a printed card with its receipt; the receipt number in no. */
static int64_t printed_app(svc *s, const char *nik, char no[40])
{
    int64_t id = t_take_call_open(s, nik, NULL);
    t_check_docs(s, id, 4, KT_OK);
    t_record_to_printed(s, id);
    kt_error err;
    json_t *a = NULL;
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_app_get(s, &sup, id, &a, &err), KT_OK, &err);
    snprintf(no, 40, "%s", str(a, "receipt_no"));
    json_decref(a);
    return id;
}

static json_t *step_of(json_t *summary, const char *step)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(summary, "steps"), i, v)
        if (strcmp(str(v, "step"), step) == 0)
            return v;
    return NULL;
}

/* Issue 10: "Pickup (E) tickets never become served" and "the 3-minute handover step is timed
   from the receipt scan, not from calling the pickup ticket". */
static void test_pickup_served_and_timed_from_call(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    char no[40];
    int64_t id = printed_app(s, ADULT, no);
    svc_actor ho = t_actor("handover", 3, 3), sup = t_actor("supervisor", 4, 0);
    kt_error err;
    /* The citizen comes back, takes E001; the handover loket calls it. */
    json_t *e = take(s, "pengambilan");
    json_t *c = call(s, &ho, "pengambilan");
    int64_t tid = num(c, "id");
    assert_int_equal(tid, num(e, "id"));
    /* Two minutes to walk up and hand in the receipt. */
    t_now += 2 * T_MIN;
    json_t *found = NULL;
    t_expect(svc_receipt_find(s, &ho, no, tid, &found, &err), KT_OK, &err);
    json_decref(found);
    json_t *t = NULL;
    t_expect(svc_ticket_get(s, tid, &t, &err), KT_OK, &err);
    assert_string_equal(str(t, "state"), "served"); /* on main: stays called */
    json_decref(t);
    /* A ticket of another queue, or one already used for another card, is refused. */
    assert_int_equal(svc_receipt_find(s, &ho, no, 999999, &found, &err), KT_ENOTFOUND);
    t_now += 6;
    json_t *req = json_pack("{s:s, s:s, s:I}", "receipt_no", no, "confirmed_by", "ktp_receipt",
                            "ticket_id", (json_int_t)tid), *out = NULL;
    t_expect(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    /* The dashboard: E served, and the handover step is the 2 min from the call. */
    json_t *sum = NULL;
    t_expect(svc_day_summary(s, &sup, NULL, &sum, &err), KT_OK, &err);
    json_t *bs = json_object_get(json_object_get(json_object_get(sum, "tickets"), "by_service"),
                                 "pengambilan");
    assert_int_equal(num(bs, "served"), 1);
    json_t *h = step_of(sum, "handover");
    assert_non_null(h);
    assert_int_equal(num(h, "count"), 1);
    assert_int_equal(num(h, "max_ms"), 2 * T_MIN + 6); /* on main: 6 ms */
    json_decref(sum);
    /* A used receipt says who handed the card over and when (issue 10). */
    t_expect(svc_receipt_find(s, &ho, no, 0, &found, &err), KT_OK, &err);
    assert_string_equal(str(found, "state"), "handed_over");
    json_t *hv = json_object_get(found, "handover");
    assert_non_null(hv);
    assert_string_equal(str(hv, "username"), "");
    assert_string_equal(str(hv, "confirmed_by"), "ktp_receipt");
    assert_int_equal(num(hv, "at"), t_now);
    json_decref(found);
    json_decref(c);
    json_decref(e);
    svc_close(s);
}

/* A handover on a later day counts in that day's report (the dashboard shows today). */
static void test_handover_step_counts_on_its_day(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    char no[40];
    int64_t id = printed_app(s, ADULT, no);
    svc_actor ho = t_actor("handover", 3, 3), sup = t_actor("supervisor", 4, 0);
    kt_error err;
    t_now += 14 * 24 * 60 * T_MIN;
    json_t *e = take(s, "pengambilan");
    json_t *c = call(s, &ho, "pengambilan");
    t_now += T_MIN;
    json_t *req = json_pack("{s:s, s:s, s:I}", "receipt_no", no, "confirmed_by", "ktp_receipt",
                            "ticket_id", (json_int_t)num(c, "id")), *out = NULL;
    t_expect(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    json_t *sum = NULL;
    t_expect(svc_day_summary(s, &sup, NULL, &sum, &err), KT_OK, &err);
    assert_int_equal(num(step_of(sum, "handover"), "count"), 1);
    assert_int_equal(num(step_of(sum, "handover"), "max_ms"), T_MIN);
    assert_int_equal(num(step_of(sum, "intake"), "count"), 0); /* opened 14 days ago */
    assert_int_equal(num(sum, "applications"), 0);
    json_decref(sum);
    json_decref(c);
    json_decref(e);
    svc_close(s);
}

static json_t *board_ticket(svc *s, int loket)
{
    json_t *b = NULL;
    kt_error err;
    t_expect(svc_queue_board(s, &b, &err), KT_OK, &err);
    json_t *t = json_incref(json_object_get(json_array_get(json_object_get(b, "lokets"),
                                                           (size_t)loket - 1), "ticket"));
    json_decref(b);
    return t;
}

/* Issue 10 "The board keeps a stale call": a loket shows its call while the person is there,
   not after they were served and sent on. */
static void test_board_drops_finished_calls(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    int64_t tid = 0;
    int64_t id = t_take_call_open(s, ADULT, &tid);
    json_t *t = board_ticket(s, 1);
    assert_true(json_is_object(t)); /* intake check under way: shown */
    assert_string_equal(str(t, "number"), "A001");
    json_decref(t);
    t_check_docs(s, id, 4, KT_OK);
    t = board_ticket(s, 1);
    assert_true(json_is_null(t)); /* on main: A001 until the next call */
    json_decref(t);
    /* The recording desk (loket 2): the operator's call shows until the recording is done. */
    svc_actor op = t_actor("operator", 2, 2);
    json_t *req = json_pack("{s:I}", "application_id", (json_int_t)id), *out = NULL;
    t_expect(svc_recording_call(s, &op, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    t = board_ticket(s, 2);
    assert_string_equal(str(t, "number"), "A001");
    json_decref(t);
    t_record_to_printed(s, id);
    t = board_ticket(s, 2);
    assert_true(json_is_null(t)); /* on main: A001 all day */
    json_decref(t);
    /* A no-show leaves the loket empty too. */
    svc_actor in = t_actor("intake", 1, 1);
    json_decref(take(s, "rekam_baru"));
    json_t *c = call(s, &in, "rekam_baru");
    t = board_ticket(s, 1);
    assert_string_equal(str(t, "number"), "A002");
    json_decref(t);
    json_t *ns = NULL;
    t_expect(svc_ticket_no_show(s, &in, num(c, "id"), &ns, &err), KT_OK, &err);
    json_decref(ns);
    json_decref(c);
    t = board_ticket(s, 1);
    assert_true(json_is_null(t));
    json_decref(t);
    svc_close(s);
}

/* Issue 10 "The loket layout is fixed at start": a fourth loket set by the admin exists at
   once - an officer logs in at it, calls from it, and the board shows it. */
static void test_layout_takes_effect_at_once(void **state)
{
    (void)state;
    svc *s = t_open(); /* started with the default three lokets */
    svc_actor admin = t_actor("admin", 9, 0);
    kt_error err;
    json_t *u = json_pack("{s:s, s:s, s:s}", "username", "loket4", "role", "handover",
                          "password", "rahasia-loket4"), *out = NULL;
    t_expect(svc_user_add(s, &admin, u, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(u);
    char token[65];
    svc_actor who;
    assert_int_equal(svc_login(s, "loket4", "rahasia-loket4", 4, NULL, token, &who, &err),
                     KT_EINVAL);
    json_t *in = json_pack("{s:s}", "spec", "1:intake,2:operator,3:handover,4:handover");
    t_expect(svc_lokets_set(s, &admin, in, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(json_object_get(out, "lokets")), 4);
    json_decref(out);
    json_decref(in);
    /* No restart: the login at loket 4 (refused on main until `serve --lokets 4`). */
    t_expect(svc_login(s, "loket4", "rahasia-loket4", 4, NULL, token, &who, &err), KT_OK, &err);
    assert_int_equal(who.loket, 4);
    json_decref(take(s, "pengambilan"));
    json_t *c = call(s, &who, "pengambilan");
    assert_int_equal(num(c, "loket"), 4);
    json_decref(c);
    json_t *b = board_ticket(s, 4);
    assert_string_equal(str(b, "number"), "E001");
    json_decref(b);
    t_expect(svc_lokets_get(s, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(json_object_get(out, "lokets")), 4);
    json_decref(out);
    /* A loket beyond the layout is still refused, with the number of lokets in words. */
    assert_int_equal(svc_login(s, "loket4", "rahasia-loket4", 5, NULL, token, &who, &err),
                     KT_EINVAL);
    assert_string_equal(err.id, "loket_invalid");
    svc_close(s);
}

/* Open an application of kind on a called ticket of service; the call's result code. */
static kt_code open_on(svc *s, const char *service, const char *kind, const char *nik,
                       json_t **out, kt_error *err)
{
    svc_actor in = t_actor("intake", 1, 1);
    json_decref(take(s, service));
    json_t *c = call(s, &in, service);
    json_t *o = nik != NULL ? json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)num(c, "id"),
                                        "nik", nik, "kind", kind)
                            : json_pack("{s:I, s:s}", "ticket_id", (json_int_t)num(c, "id"),
                                        "kind", kind);
    t_now += 1000;
    kt_code rc = svc_app_open(s, &in, o, out, err);
    json_decref(o);
    json_decref(c);
    return rc;
}

static int64_t count_apps(svc *s)
{
    json_t *list = NULL, *f = json_object();
    kt_error err;
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_app_list(s, &sup, f, &list, &err), KT_OK, &err);
    int64_t n = (int64_t)json_array_size(list);
    json_decref(list);
    json_decref(f);
    return n;
}

/* Issue 10 "Workflow" and "Bad input": one open application per resident; a lost card for
   someone who never had one; a NIK in other digits; what a citizen without a NIK does next. */
static void test_open_refusals_write_nothing(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    json_t *out = NULL;
    t_expect(open_on(s, "rekam_baru", "baru", ADULT, &out, &err), KT_OK, &err);
    int64_t first = num(out, "id");
    json_decref(out);
    assert_int_equal(count_apps(s), 1);
    /* A second application while the first is under way (on main: one "called", one
       "data_changed" for the same NIK). */
    assert_int_equal(open_on(s, "perubahan_data", "perubahan", ADULT, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "application_open");
    assert_non_null(strstr(err.message, "Dipanggil"));
    char want[32];
    snprintf(want, sizeof want, "#%lld", (long long)first);
    assert_non_null(strstr(err.message, want));
    assert_null(out);
    assert_int_equal(count_apps(s), 1);
    /* hilang for a resident who never had a card (UNREGISTERED): choose baru instead. */
    assert_int_equal(open_on(s, "hilang_rusak", "hilang", NEVER, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "kind_needs_card");
    assert_int_equal(count_apps(s), 1);
    /* ...while a card holder may report the card lost. */
    t_expect(open_on(s, "hilang_rusak", "hilang", CARD, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(count_apps(s), 2);
    /* Sixteen Arabic-Indic digits: refused before anything is written, counted in characters
       (on main: a "referred" application and "16 digit, bukan 32"). */
    const char *arabic = "\u0663\u0666\u0667\u0661\u0661\u0660\u0661\u0667\u0660\u0668"
                         "\u0669\u0660\u0660\u0660\u0660\u0661";
    assert_int_equal(open_on(s, "rekam_baru", "baru", arabic, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "nik_invalid");
    assert_null(strstr(err.message, "32"));
    assert_int_equal(count_apps(s), 2);
    const char *fullwidth = "\uff13\uff16\uff17\uff11\uff11\uff10\uff11\uff17\uff10"
                            "\uff18\uff19\uff10\uff10\uff10\uff10\uff11";
    assert_int_equal(open_on(s, "rekam_baru", "baru", fullwidth, &out, &err), KT_EINVAL);
    assert_int_equal(count_apps(s), 2);
    /* No NIK: referred, and told what to do next (the form at the kelurahan, where to go). */
    assert_int_equal(open_on(s, "rekam_baru", "baru", NULL, &out, &err), KT_EREFUSED);
    assert_string_equal(str(out, "state"), "referred");
    assert_non_null(strstr(str(out, "next_step"), "kelurahan"));
    assert_non_null(strstr(err.message, "F-1.01"));
    json_decref(out);
    svc_close(s);
}

/* Issue 10 "The region import accepts orphans ... and refuses a UTF-8 BOM that the SIAK import
   accepts": the same CSV rules for both imports. */
static void test_csv_rules_shared(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    kt_error err;
    json_t *out = NULL;
    char path[160];
    snprintf(path, sizeof path, "%s/wil.csv", t_dir);
    /* A kecamatan and a kelurahan of Kabupaten Bogor (32.01), whose kab/kota is missing. */
    t_write(path, "code,name,level,level_name,type\n"
                  "32.01.01,Cibinong,3,kecamatan,\n"
                  "32.01.01.1001,Pakansari,4,desakel,kelurahan\n");
    assert_int_equal(svc_import_wilayah(s, &sys, path, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "wilayah_orphan");
    assert_string_equal(err.field, "line 2, column 1");
    assert_null(out);
    /* With its parent later in the file, and a byte order mark: accepted. */
    t_write(path, "\xef\xbb\xbf" "code,name,level,level_name,type\r\n"
                  "32.01.01,Cibinong,3,kecamatan,\r\n"
                  "32.01,\"Kab. Bogor, Jawa Barat\",2,kabkota,kabupaten\r\n");
    t_expect(svc_import_wilayah(s, &sys, path, &out, &err), KT_OK, &err);
    assert_int_equal(num(out, "imported"), 2);
    json_decref(out);
    /* A quote in the middle of a field is the same fault in both files. */
    t_write(path, "code,name,level,level_name,type\n32.01.02,Ci\"bi,3,kecamatan,\n");
    assert_int_equal(svc_import_wilayah(s, &sys, path, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "line 2, column 2");
    char siak[160];
    snprintf(siak, sizeof siak, "%s/siak.csv", t_dir);
    t_write_siak(siak, ADULT ",3671100101090001,AHMAD \"UJANG\" FAUZI,TANGERANG,1990-03-12,L,,1,"
                       "2,,,WNI,,JL. A,002,005,3671101001,367110,,UNREGISTERED,0\n");
    assert_int_equal(svc_import_siak(s, &sys, siak, 0, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "csv_invalid");
    assert_string_equal(err.field, "line 2, column 3");
    svc_close(s);
}

/* Issue 10 "Screens that show codes": the intake search without a NIK (audited), the demo
   NIKs, KONSOLIDASI findings and the words every page reads. */
static void test_search_words_and_demo(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    json_t *out = NULL;
    svc_actor in = t_actor("intake", 1, 1), op = t_actor("operator", 2, 2),
              admin = t_actor("admin", 9, 0);
    json_t *q = json_pack("{s:s, s:s}", "name", "fauzi", "birth_date", "1990-03-12");
    t_expect(svc_resident_search(s, &in, q, &out, &err), KT_OK, &err);
    assert_int_equal(num(out, "count"), 1);
    assert_string_equal(str(json_array_get(json_object_get(out, "residents"), 0), "nik"), ADULT);
    json_decref(out);
    /* the read is in the access log, with the NIK shown and the date asked (not the name):
       who read this resident finds it */
    json_t *reads = NULL, *f = json_pack("{s:s}", "nik", ADULT);
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_audit_reads(s, &sup, f, &reads, &err), KT_OK, &err);
    json_t *r0 = json_array_get(json_object_get(reads, "reads"), 0);
    assert_non_null(r0);
    assert_string_equal(str(r0, "action"), "resident_search");
    assert_string_equal(str(r0, "username"), "intake1");
    assert_int_equal(num(r0, "subjects"), 1); /* one person shown: this one */
    assert_string_equal(str(r0, "detail"), "tanggal lahir 1990-03-12");
    json_decref(reads);
    json_decref(f);
    size_t i;
    json_t *v;
    /* another day, too few letters, a LIKE wildcard, a role that does not search */
    json_decref(q);
    q = json_pack("{s:s, s:s}", "name", "fauzi", "birth_date", "1990-03-13");
    t_expect(svc_resident_search(s, &in, q, &out, &err), KT_OK, &err);
    assert_int_equal(num(out, "count"), 0);
    json_decref(out);
    json_decref(q);
    q = json_pack("{s:s, s:s}", "name", "%%", "birth_date", "1990-03-12");
    assert_int_equal(svc_resident_search(s, &in, q, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "name_invalid");
    json_decref(q);
    q = json_pack("{s:s, s:s}", "name", "%_%", "birth_date", "1990-03-12");
    t_expect(svc_resident_search(s, &in, q, &out, &err), KT_OK, &err);
    assert_int_equal(num(out, "count"), 0); /* no wildcard: nobody is called "%_%" */
    json_decref(out);
    json_decref(q);
    q = json_pack("{s:s, s:s}", "name", "fauzi", "birth_date", "1990-02-30");
    assert_int_equal(svc_resident_search(s, &in, q, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "birth_date");
    assert_int_equal(svc_resident_search(s, &op, q, &out, &err), KT_EFORBIDDEN);
    json_decref(q);
    /* demo NIKs: one per case, people without an application */
    t_expect(svc_demo_niks(s, &admin, &out, &err), KT_OK, &err);
    assert_true(json_array_size(out) >= 2);
    json_array_foreach(out, i, v) {
        assert_int_equal(strlen(str(v, "nik")), 16);
        assert_true(str(v, "try")[0] != '\0');
    }
    json_decref(out);
    assert_int_equal(svc_demo_niks(s, &in, &out, &err), KT_EFORBIDDEN);
    /* the words: every table, no code left as its own word */
    t_expect(svc_labels(&out, &err), KT_OK, &err);
    assert_string_equal(str(json_object_get(out, "action"), "bio_put"),
                        "Berkas biometrik disimpan");
    assert_string_equal(str(json_object_get(out, "ktp_status"), "BELUM_WAJIB"),
                        "Belum wajib KTP-el");
    assert_string_equal(str(json_object_get(out, "used_via"), "qr_token"), "Kode QR dipindai");
    json_decref(out);
    /* KONSOLIDASI: an application stuck at intake, in words with the date as people read it */
    int64_t id = t_take_call_open(s, ADULT, NULL);
    (void)id;
    t_now += 60 * T_MIN;
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    json_t *stuck = json_object_get(json_object_get(out, "checks"), "stuck");
    assert_string_equal(str(stuck, "label"), "Permohonan tertahan melewati standar");
    const char *text = str(json_array_get(json_object_get(stuck, "items"), 0), "text");
    assert_non_null(strstr(text, "2 Maret 2026, 09."));
    assert_non_null(strstr(text, "WIB"));
    assert_non_null(strstr(text, "Penerimaan dan pemeriksaan berkas"));
    assert_null(strstr(text, "="));
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transfer_keeps_numbering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pickup_served_and_timed_from_call, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handover_step_counts_on_its_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_board_drops_finished_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_takes_effect_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_rules_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_words_and_demo, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
